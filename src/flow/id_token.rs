//! The ID token's checks (OpenID Connect Core 1.0 section 3.1.3.7), each its own line: the
//! algorithm, the signature against the issuer's keys (by `jsonwebtoken` over ring, never by hand),
//! `iss`, `aud`, `azp`, `exp`, `iat`, `nonce`, `at_hash`, `c_hash`, `sub`. Decoding the header and
//! the claims to show them is base64 and JSON, not cryptography; nothing is trusted before the
//! signature is.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;
use sha2::{Digest, Sha256, Sha384, Sha512};

use crate::model::run::CheckRecord;
use crate::model::time::format_utc;

/// How far `exp` and `iat` may be off, for clocks that differ a little.
pub const LEEWAY_SECS: i64 = 60;

/// A JWS in compact form, its header and claims read (not yet trusted).
pub(crate) struct Decoded<'t> {
    pub header: Value,
    pub claims: Value,
    /// `header.payload`, what the signature is over.
    signing_input: &'t str,
    signature: &'t str,
}

/// Never the token's text (it is a credential): only what is shown anyway.
impl std::fmt::Debug for Decoded<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decoded").field("header", &self.header).field("claims", &self.claims).finish_non_exhaustive()
    }
}

impl Decoded<'_> {
    pub fn alg(&self) -> &str {
        self.header.get("alg").and_then(Value::as_str).unwrap_or("(none given)")
    }

    pub fn kid(&self) -> Option<&str> {
        self.header.get("kid").and_then(Value::as_str)
    }

    fn claim_str(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }

    fn claim_time(&self, name: &str) -> Option<i64> {
        self.claims.get(name).and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)))
    }
}

/// The header and claims of a saved ID token, to show with its connection (its signature and
/// claims were checked by the test that got it).
pub fn decoded_id_token(token: &str) -> Result<crate::model::run::DecodedJwt, String> {
    let decoded = decode(token)?;
    Ok(crate::model::run::DecodedJwt { label: "ID token".into(), header: decoded.header, claims: decoded.claims })
}

/// Reads a compact JWS: three base64url parts, the first two JSON objects.
pub(crate) fn decode(token: &str) -> Result<Decoded<'_>, String> {
    let parts: Vec<&str> = token.trim().split('.').collect();
    if parts.len() == 5 {
        return Err(
            "the ID token is encrypted (a JWE of 5 parts), which authdeck does not decrypt: register the client without id_token_encrypted_response_alg".into(),
        );
    }
    let [header, payload, signature] = parts.as_slice() else {
        return Err(format!("the ID token is not a JWT: it has {} dot-separated parts, not 3", parts.len()));
    };
    let json = |part: &str, what: &str| -> Result<Value, String> {
        let bytes = URL_SAFE_NO_PAD
            .decode(part.trim_end_matches('='))
            .map_err(|e| format!("the ID token's {what} is not base64url ({e})"))?;
        let value: Value =
            serde_json::from_slice(&bytes).map_err(|e| format!("the ID token's {what} is not JSON ({e})"))?;
        if value.is_object() { Ok(value) } else { Err(format!("the ID token's {what} is not a JSON object")) }
    };
    let header_value = json(header, "header")?;
    let claims = json(payload, "claims")?;
    let signing_input = &token.trim()[..header.len() + 1 + payload.len()];
    Ok(Decoded { header: header_value, claims, signing_input, signature })
}

/// What the signature check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Signature {
    /// It verifies with this key.
    Valid { key: String },
    /// No key of the set fits the token's `kid` (or its algorithm): the set may be stale (rotation).
    NoKey { wanted: String },
    /// A key fits, and the signature does not verify with it; or the token can't be verified at all.
    Invalid { reason: String },
}

/// The algorithm, when it is one authdeck verifies; else why not (`none` above all).
pub(crate) fn algorithm(decoded: &Decoded<'_>) -> Result<Algorithm, String> {
    match decoded.alg() {
        "none" => Err("alg none: the ID token is not signed at all, so anyone could have written it".into()),
        alg => alg.parse::<Algorithm>().map_err(|_| format!("{alg} is not an algorithm authdeck verifies")),
    }
}

/// Verifies the signature with the client secret (HS256/384/512, OpenID Connect Core section
/// 10.1) or with the keys of the issuer's set whose `kid` (when the token names one), type, curve,
/// use and algorithm fit the token.
pub(crate) fn verify(decoded: &Decoded<'_>, alg: Algorithm, keys: &[Jwk], client_secret: &str) -> Signature {
    if matches!(alg, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512) {
        if client_secret.is_empty() {
            return Signature::Invalid {
                reason: format!("{alg:?} ID tokens are signed with the client secret, and this client has none"),
            };
        }
        return match check(decoded, &DecodingKey::from_secret(client_secret.as_bytes()), alg) {
            Ok(true) => Signature::Valid { key: "the client secret".into() },
            Ok(false) => Signature::Invalid { reason: "it does not verify with the client secret".into() },
            Err(e) => Signature::Invalid { reason: e },
        };
    }
    let kid = decoded.kid();
    let named: Vec<&Jwk> = keys.iter().filter(|k| kid.is_none() || k.common.key_id.as_deref() == kid).collect();
    let wanted = match kid {
        Some(kid) => format!("a key with kid {kid}"),
        None => format!("a {alg:?} key (the token names no kid)"),
    };
    if named.is_empty() {
        return Signature::NoKey { wanted };
    }
    let fitting: Vec<&Jwk> = named.iter().copied().filter(|k| fits(k, alg)).collect();
    if fitting.is_empty() {
        let described: Vec<String> = named.iter().map(|k| describe_key(k)).collect();
        return match kid {
            Some(kid) => Signature::Invalid {
                reason: format!("the key {kid} is {}, which can't check an {alg:?} signature", described.join(", ")),
            },
            None => Signature::NoKey { wanted },
        };
    }
    let mut last_error = None;
    for key in fitting {
        let decoding = match DecodingKey::from_jwk(key) {
            Ok(d) => d,
            Err(e) => {
                last_error = Some(format!("the key {} can't be read ({e})", key_name(key)));
                continue;
            }
        };
        match check(decoded, &decoding, alg) {
            Ok(true) => return Signature::Valid { key: key_name(key) },
            Ok(false) => last_error = Some(format!("it does not verify with the key {}", key_name(key))),
            Err(e) => last_error = Some(e),
        }
    }
    Signature::Invalid { reason: last_error.unwrap_or_else(|| "no key verifies it".into()) }
}

fn check(decoded: &Decoded<'_>, key: &DecodingKey, alg: Algorithm) -> Result<bool, String> {
    jsonwebtoken::crypto::verify(decoded.signature, decoded.signing_input.as_bytes(), key, alg)
        .map_err(|e| format!("the signature can't be checked ({e})"))
}

/// Whether a key can check an `alg` signature: its type and curve, its `use` and its own `alg`.
fn fits(key: &Jwk, alg: Algorithm) -> bool {
    if key.common.public_key_use.as_ref().is_some_and(|u| *u != PublicKeyUse::Signature) {
        return false;
    }
    if let Some(own) = key.common.key_algorithm
        && own.to_string() != format!("{alg:?}")
    {
        return false;
    }
    match (&key.algorithm, alg) {
        (
            AlgorithmParameters::RSA(_),
            Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512,
        ) => true,
        (AlgorithmParameters::EllipticCurve(p), Algorithm::ES256) => p.curve == EllipticCurve::P256,
        (AlgorithmParameters::EllipticCurve(p), Algorithm::ES384) => p.curve == EllipticCurve::P384,
        (AlgorithmParameters::OctetKeyPair(p), Algorithm::EdDSA) => p.curve == EllipticCurve::Ed25519,
        _ => false,
    }
}

fn key_name(key: &Jwk) -> String {
    key.common.key_id.clone().unwrap_or_else(|| "(no kid)".into())
}

fn describe_key(key: &Jwk) -> String {
    let kind = match &key.algorithm {
        AlgorithmParameters::RSA(_) => "an RSA key".to_owned(),
        AlgorithmParameters::EllipticCurve(p) => format!("an EC {:?} key", p.curve),
        AlgorithmParameters::OctetKeyPair(p) => format!("an OKP {:?} key", p.curve),
        AlgorithmParameters::OctetKey(_) => "a symmetric key".to_owned(),
    };
    match (key.common.key_algorithm, &key.common.public_key_use) {
        (Some(alg), _) => format!("{kind} for {alg}"),
        (None, Some(PublicKeyUse::Encryption)) => format!("{kind} for encryption"),
        _ => kind,
    }
}

/// Reads a JWK set: the keys jsonwebtoken can use, and how many others were skipped (encryption
/// keys of an unknown algorithm, curves it doesn't do).
pub(crate) fn read_key_set(value: &Value) -> Result<(Vec<Jwk>, usize), String> {
    let keys = value.get("keys").and_then(Value::as_array).ok_or("the JWKS has no \"keys\" list")?;
    let read: Vec<Jwk> = keys.iter().filter_map(|k| serde_json::from_value(k.clone()).ok()).collect();
    let skipped = keys.len() - read.len();
    Ok((read, skipped))
}

/// What the claims must be.
pub(crate) struct Expected<'a> {
    /// The issuer configured or discovered; `None` when the authorization has none.
    pub issuer: Option<&'a str>,
    pub client_id: &'a str,
    /// The nonce sent in the authorization request.
    pub nonce: Option<&'a str>,
    pub access_token: Option<&'a str>,
    pub code: Option<&'a str>,
    /// The issuer's `id_token_signing_alg_values_supported`.
    pub algorithms: Option<&'a [String]>,
    pub now: i64,
}

/// The check of the header's algorithm: signed, and one the issuer says it uses.
pub(crate) fn alg_check(decoded: &Decoded<'_>, expected: &Expected<'_>) -> CheckRecord {
    let alg = decoded.alg();
    let listed = expected.algorithms.filter(|a| !a.is_empty());
    let (ok, wanted) = match listed {
        Some(algs) => (algs.iter().any(|a| a == alg) && alg != "none", format!("one of {}", algs.join(", "))),
        None => (alg != "none", "a signing algorithm (not none)".to_owned()),
    };
    let check = CheckRecord::new("alg", ok, wanted, alg);
    if ok { check } else { check.with_detail("an ID token in another algorithm is refused (alg none above all)") }
}

/// The check of the signature, from what [`verify`] found.
pub(crate) fn signature_check(alg: &str, found: &Signature, refetched: bool) -> CheckRecord {
    let expected = format!("a valid {alg} signature by the issuer's key");
    match found {
        Signature::Valid { key } => {
            let check = CheckRecord::new("signature", true, expected, format!("valid, key {key}"));
            if refetched { check.with_detail("the key was found after fetching the JWKS again (key rotation)") } else { check }
        }
        Signature::NoKey { wanted } => CheckRecord::new(
            "signature",
            false,
            expected,
            format!("no {wanted} in the JWKS{}", if refetched { ", also after fetching it again" } else { "" }),
        )
        .with_detail("the token was signed with a key the issuer doesn't publish: it may be forged, or the JWKS endpoint is another issuer's"),
        Signature::Invalid { reason } => CheckRecord::new("signature", false, expected, format!("invalid: {reason}"))
            .with_detail("a token whose signature fails may be forged or altered: never trust its claims"),
    }
}

/// The checks of the claims, in order; each a line whether it passed or not.
pub(crate) fn claim_checks(decoded: &Decoded<'_>, expected: &Expected<'_>) -> Vec<CheckRecord> {
    let mut checks = Vec::new();
    let iss = decoded.claim_str("iss").unwrap_or("(none)");
    checks.push(match expected.issuer {
        Some(issuer) => {
            let check = CheckRecord::new("iss", iss == issuer, issuer, iss);
            if check.ok {
                check
            } else {
                check.with_detail("the token was issued by another issuer than this authorization's")
            }
        }
        None => CheckRecord::new("iss", false, "the Issuer of the authorization", iss)
            .with_detail("the authorization has no Issuer to compare with: set it to check who issued the token")
            .as_warning(),
    });

    let audiences: Vec<&str> = match decoded.claims.get("aud") {
        Some(Value::String(a)) => vec![a.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let shown = if audiences.is_empty() { "(none)".to_owned() } else { audiences.join(", ") };
    let aud = CheckRecord::new("aud", audiences.contains(&expected.client_id), expected.client_id, shown);
    checks.push(if aud.ok { aud } else { aud.with_detail("the token was issued for another client") });

    let azp = decoded.claim_str("azp");
    if audiences.len() > 1 || azp.is_some() {
        let check =
            CheckRecord::new("azp", azp == Some(expected.client_id), expected.client_id, azp.unwrap_or("(none)"));
        checks.push(if check.ok {
            check
        } else {
            check.with_detail("with several audiences, azp must name this client (OpenID Connect Core 3.1.3.7)")
        });
    }

    let now = expected.now;
    checks.push(match decoded.claim_time("exp") {
        Some(exp) => {
            let ok = now <= exp.saturating_add(LEEWAY_SECS);
            let check = CheckRecord::new(
                "exp",
                ok,
                format!("after now ({}), with {LEEWAY_SECS} s leeway", format_utc(now)),
                format!("{} ({})", format_utc(exp), relative(exp.saturating_sub(now))),
            );
            if ok {
                check
            } else {
                check.with_detail("the ID token has expired: check this machine's clock, or test again")
            }
        }
        None => CheckRecord::new("exp", false, "an expiry time", "(none)"),
    });
    checks.push(match decoded.claim_time("iat") {
        Some(iat) => {
            let ok = iat <= now + LEEWAY_SECS;
            let check = CheckRecord::new(
                "iat",
                ok,
                format!("not after now ({}), with {LEEWAY_SECS} s leeway", format_utc(now)),
                format!("{} ({})", format_utc(iat), relative(iat.saturating_sub(now))),
            );
            if ok {
                check
            } else {
                check.with_detail("issued in the future: this machine's clock or the provider's is wrong")
            }
        }
        None => CheckRecord::new("iat", false, "an issue time", "(none)"),
    });

    if let Some(nonce) = expected.nonce {
        let got = decoded.claim_str("nonce");
        let check = CheckRecord::new("nonce", got == Some(nonce), nonce, got.unwrap_or("(none)"));
        checks.push(if check.ok {
            check
        } else {
            check.with_detail("the token was not issued for this login (a replayed or injected token)")
        });
    }
    for (claim, value, what) in [("at_hash", expected.access_token, "access token"), ("c_hash", expected.code, "code")]
    {
        let (Some(given), Some(value)) = (decoded.claim_str(claim), value) else { continue };
        match half_hash(decoded.alg(), value) {
            Some(computed) => {
                let check = CheckRecord::new(claim, given == computed, computed, given);
                checks.push(if check.ok {
                    check
                } else {
                    check.with_detail(format!("the {what} is not the one this ID token was issued with"))
                });
            }
            None => checks.push(
                CheckRecord::new(claim, false, format!("a hash of the {what}"), given)
                    .with_detail(format!("{} has no hash function for {claim}", decoded.alg()))
                    .as_warning(),
            ),
        }
    }
    let sub = decoded.claim_str("sub").filter(|s| !s.is_empty());
    checks.push(CheckRecord::new("sub", sub.is_some(), "the user's identifier", sub.unwrap_or("(none)")));
    checks
}

/// "in 3599 s", "42 s ago".
fn relative(seconds: i64) -> String {
    if seconds >= 0 { format!("in {seconds} s") } else { format!("{} s ago", seconds.unsigned_abs()) }
}

/// `at_hash` / `c_hash`: the left half of the hash of the value, base64url (OpenID Connect Core
/// section 3.1.3.6), with the hash of the signing algorithm (SHA-512 for EdDSA over Ed25519).
pub(crate) fn half_hash(alg: &str, value: &str) -> Option<String> {
    let digest: Vec<u8> = match alg {
        "RS256" | "PS256" | "ES256" | "HS256" => Sha256::digest(value.as_bytes()).to_vec(),
        "RS384" | "PS384" | "ES384" | "HS384" => Sha384::digest(value.as_bytes()).to_vec(),
        "RS512" | "PS512" | "ES512" | "HS512" | "EdDSA" => Sha512::digest(value.as_bytes()).to_vec(),
        _ => return None,
    };
    Some(URL_SAFE_NO_PAD.encode(&digest[..digest.len() / 2]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn token(header: &Value, claims: &Value) -> String {
        let part = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
        format!("{}.{}.c2ln", part(header), part(claims))
    }

    fn expected<'a>(now: i64) -> Expected<'a> {
        Expected {
            issuer: Some("https://id.example.test"),
            client_id: "cid",
            nonce: Some("n-1"),
            access_token: Some("at-1"),
            code: None,
            algorithms: None,
            now,
        }
    }

    #[test]
    fn at_hash_is_the_left_half() {
        // OpenID Connect Core's example: https://openid.net/specs/openid-connect-core-1_0.html#code-id_tokenExample
        assert_eq!(
            half_hash("RS256", "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y").as_deref(),
            Some("77QmUPtjPfzWtF2AnpK9RQ")
        );
        assert_eq!(half_hash("none", "x"), None);
    }

    #[test]
    fn tokens_that_are_not_jws_are_refused_with_the_reason() {
        assert!(decode("a.b").unwrap_err().contains("3"));
        assert!(decode("a.b.c.d.e").unwrap_err().contains("encrypted"));
        assert!(decode("!!.e30.x").unwrap_err().contains("base64url"));
    }

    #[test]
    fn alg_none_and_unknown_algorithms_are_refused() {
        let t = token(&json!({"alg": "none"}), &json!({}));
        let d = decode(&t).unwrap();
        assert!(algorithm(&d).unwrap_err().contains("not signed"));
        assert!(!alg_check(&d, &expected(0)).ok);
        let t = token(&json!({"alg": "XS999"}), &json!({}));
        assert!(algorithm(&decode(&t).unwrap()).is_err());
    }

    #[test]
    fn each_claim_has_its_own_line() {
        let now = 1_800_000_000;
        let claims = json!({"iss": "https://id.example.test", "aud": ["cid", "other"], "azp": "cid", "exp": now + 600,
            "iat": now - 5, "nonce": "n-1", "at_hash": half_hash("RS256", "at-1").unwrap(), "sub": "u1"});
        let t = token(&json!({"alg": "RS256", "kid": "k1"}), &claims);
        let d = decode(&t).unwrap();
        let checks = claim_checks(&d, &expected(now));
        let names: Vec<&str> = checks.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["iss", "aud", "azp", "exp", "iat", "nonce", "at_hash", "sub"]);
        assert!(checks.iter().all(|c| c.ok), "{checks:?}");
        assert_eq!(checks[3].actual, "2027-01-15T08:10:00Z (in 600 s)");
    }

    #[test]
    fn times_at_the_ends_of_the_range_are_read_without_overflow() {
        let now = 1_800_000_000;
        for (exp, iat) in [(i64::MAX, i64::MIN), (i64::MIN, i64::MAX)] {
            let claims = json!({"iss": "https://id.example.test", "aud": "cid", "exp": exp, "iat": iat, "sub": "u1"});
            let t = token(&json!({"alg": "RS256"}), &claims);
            let checks = claim_checks(&decode(&t).unwrap(), &expected(now));
            let exp_check = checks.iter().find(|c| c.name == "exp").unwrap();
            assert_eq!(exp_check.ok, exp == i64::MAX, "{exp_check:?}");
            assert!(!exp_check.actual.is_empty());
        }
        // A number too large for i64 (1e30) is read as the largest time, not wrapped.
        let claims = json!({"iss": "https://id.example.test", "aud": "cid", "exp": 1e30, "iat": now, "sub": "u1"});
        let t = token(&json!({"alg": "RS256"}), &claims);
        let checks = claim_checks(&decode(&t).unwrap(), &expected(now));
        assert!(checks.iter().find(|c| c.name == "exp").is_some_and(|c| c.ok), "{checks:?}");
    }

    #[test]
    fn failures_name_both_values() {
        let now = 1_800_000_000;
        let claims = json!({"iss": "https://evil.test", "aud": "someone", "exp": now - 120, "iat": now + 300,
            "nonce": "n-2", "at_hash": "AAAA"});
        let t = token(&json!({"alg": "ES256"}), &claims);
        let d = decode(&t).unwrap();
        let checks = claim_checks(&d, &expected(now));
        let failed: Vec<(&str, &str, &str)> = checks
            .iter()
            .filter(|c| !c.ok)
            .map(|c| (c.name.as_str(), c.expected.as_str(), c.actual.as_str()))
            .collect();
        assert_eq!(failed[0], ("iss", "https://id.example.test", "https://evil.test"));
        assert_eq!(failed[1], ("aud", "cid", "someone"));
        assert_eq!(failed[2].0, "exp");
        assert!(failed[2].2.contains("120 s ago"));
        assert_eq!(failed[3].0, "iat");
        assert_eq!((failed[4].0, failed[4].1, failed[4].2), ("nonce", "n-1", "n-2"));
        assert_eq!(failed[5].0, "at_hash");
        assert_eq!(failed[6], ("sub", "the user's identifier", "(none)"));
    }

    #[test]
    fn no_issuer_is_a_warning_not_a_failure() {
        let t = token(&json!({"alg": "RS256"}), &json!({"iss": "https://id.example.test"}));
        let d = decode(&t).unwrap();
        let iss = claim_checks(&d, &Expected { issuer: None, ..expected(0) }).remove(0);
        assert!(!iss.ok && iss.warning);
    }

    #[test]
    fn keys_must_fit_the_token() {
        let rsa = json!({"kty": "RSA", "kid": "r1", "n": "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw", "e": "AQAB"});
        let enc = json!({"kty": "RSA", "kid": "r1", "use": "enc", "n": "AQAB", "e": "AQAB"});
        let (keys, skipped) = read_key_set(&json!({"keys": [rsa, enc, {"kty": "weird"}]})).unwrap();
        assert_eq!((keys.len(), skipped), (2, 1));
        let t = token(&json!({"alg": "ES256", "kid": "r1"}), &json!({}));
        let d = decode(&t).unwrap();
        let found = verify(&d, Algorithm::ES256, &keys, "");
        assert!(
            matches!(&found, Signature::Invalid { reason } if reason.contains("can't check an ES256")),
            "{found:?}"
        );
        let t = token(&json!({"alg": "RS256", "kid": "gone"}), &json!({}));
        assert_eq!(
            verify(&decode(&t).unwrap(), Algorithm::RS256, &keys, ""),
            Signature::NoKey { wanted: "a key with kid gone".into() }
        );
        let t = token(&json!({"alg": "RS256", "kid": "r1"}), &json!({}));
        assert!(matches!(verify(&decode(&t).unwrap(), Algorithm::RS256, &keys, ""), Signature::Invalid { .. }));
        let t = token(&json!({"alg": "HS256"}), &json!({}));
        assert!(
            matches!(verify(&decode(&t).unwrap(), Algorithm::HS256, &[], ""), Signature::Invalid { reason } if reason.contains("client secret"))
        );
    }
}
