//! Callback signatures: a provider that signs its redirect back (Shopify signs every parameter
//! with the app's client secret) lets authdeck check the callback came from it. A preset asks
//! for the check; the test reports it as a line of the callback check.

use ring::hmac;
use serde::{Deserialize, Serialize};

/// Which signature a callback must carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallbackSignature {
    /// No signature is checked (the state is, always).
    #[default]
    None,
    /// Shopify: `hmac` is the hex HMAC-SHA256, keyed with the client secret, of every other query
    /// parameter (the legacy `signature` excepted), decoded, sorted by name, joined as
    /// `name=value&…` (https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/authorization-code-grant).
    ShopifyHmacSha256,
}

impl CallbackSignature {
    pub const ALL: [CallbackSignature; 2] = [CallbackSignature::None, CallbackSignature::ShopifyHmacSha256];

    pub fn label(self) -> &'static str {
        match self {
            CallbackSignature::None => "None",
            CallbackSignature::ShopifyHmacSha256 => {
                "Shopify HMAC-SHA256 (hmac parameter, keyed with the client secret)"
            }
        }
    }

    pub fn is_none(&self) -> bool {
        *self == CallbackSignature::None
    }
}

/// What the check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureCheck {
    /// Nothing to check.
    NotAsked,
    Valid,
    /// The callback carries no signature (or only the code was pasted).
    Missing,
    /// The signature doesn't match: the callback was altered, forged, or the secret is wrong.
    Invalid,
}

impl SignatureCheck {
    /// One line for the callback check's summary or error.
    pub fn describe(&self, kind: CallbackSignature) -> String {
        let what = match kind {
            CallbackSignature::ShopifyHmacSha256 => "the HMAC-SHA256 signature (hmac)",
            CallbackSignature::None => "the signature",
        };
        match self {
            SignatureCheck::NotAsked => String::new(),
            SignatureCheck::Valid => format!("{what} is valid"),
            SignatureCheck::Missing => format!(
                "the callback has no {what}: paste the whole redirected URL (not just the code), or check that the provider signs its callbacks"
            ),
            SignatureCheck::Invalid => format!(
                "{what} does not match: the callback was altered or forged, or the Client Secret is not this app's"
            ),
        }
    }
}

/// Checks the signature `kind` over the callback's query parameters (decoded, as received).
pub fn check(kind: CallbackSignature, params: &[(String, String)], secret: &str) -> SignatureCheck {
    match kind {
        CallbackSignature::None => SignatureCheck::NotAsked,
        CallbackSignature::ShopifyHmacSha256 => check_shopify(params, secret),
    }
}

fn check_shopify(params: &[(String, String)], secret: &str) -> SignatureCheck {
    let Some((_, signature)) = params.iter().find(|(k, _)| k == "hmac") else { return SignatureCheck::Missing };
    let Some(signature) = decode_hex(signature.trim()) else { return SignatureCheck::Invalid };
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    // ring compares in constant time.
    match hmac::verify(&key, shopify_message(params).as_bytes(), &signature) {
        Ok(()) => SignatureCheck::Valid,
        Err(_) => SignatureCheck::Invalid,
    }
}

/// The signed message: every parameter but `hmac` and `signature`, sorted by name, `k=v&k=v`.
fn shopify_message(params: &[(String, String)]) -> String {
    let mut pairs: Vec<&(String, String)> = params.iter().filter(|(k, _)| k != "hmac" && k != "signature").collect();
    pairs.sort();
    pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

/// The hex HMAC of the Shopify message, for tests and fakes that sign a callback.
pub fn shopify_hmac(params: &[(String, String)], secret: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    hmac::sign(&key, shopify_message(params).as_bytes()).as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(query: &str) -> Vec<(String, String)> {
        url::form_urlencoded::parse(query.as_bytes()).into_owned().collect()
    }

    /// Shopify's own example (secret "hush"), used across its libraries' documentation.
    const EXAMPLE: &str = "code=0907a61c0c8d55e99db179b68161bc00&hmac=4712bf92ffc2917d15a2f5a273e39f0116667419aa4b6ac0b3baaf26fa3c4d20&shop=some-shop.myshopify.com&timestamp=1337178173";

    #[test]
    fn shopifys_example_callback_is_valid() {
        assert_eq!(check(CallbackSignature::ShopifyHmacSha256, &pairs(EXAMPLE), "hush"), SignatureCheck::Valid);
        let with_state = "code=0907a61c0c8d55e99db179b68161bc00&hmac=700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf&shop=some-shop.myshopify.com&state=0.6784241404160823&timestamp=1337178173";
        assert_eq!(check(CallbackSignature::ShopifyHmacSha256, &pairs(with_state), "hush"), SignatureCheck::Valid);
    }

    #[test]
    fn altered_unsigned_or_wrong_secret_fail() {
        let altered = EXAMPLE.replace("some-shop", "other-shop");
        assert_eq!(check(CallbackSignature::ShopifyHmacSha256, &pairs(&altered), "hush"), SignatureCheck::Invalid);
        assert_eq!(check(CallbackSignature::ShopifyHmacSha256, &pairs(EXAMPLE), "other"), SignatureCheck::Invalid);
        let unsigned = "code=0907a61c0c8d55e99db179b68161bc00&shop=some-shop.myshopify.com";
        assert_eq!(check(CallbackSignature::ShopifyHmacSha256, &pairs(unsigned), "hush"), SignatureCheck::Missing);
        let garbage = "code=1&hmac=zz";
        assert_eq!(check(CallbackSignature::ShopifyHmacSha256, &pairs(garbage), "hush"), SignatureCheck::Invalid);
        assert_eq!(check(CallbackSignature::None, &pairs(garbage), "hush"), SignatureCheck::NotAsked);
    }

    #[test]
    fn signing_matches_checking() {
        let mut params = pairs("code=c&shop=acme.myshopify.com&state=s&timestamp=1&host=YWNtZQ");
        params.push(("hmac".into(), shopify_hmac(&params, "fake-secret")));
        assert_eq!(check(CallbackSignature::ShopifyHmacSha256, &params, "fake-secret"), SignatureCheck::Valid);
    }
}
