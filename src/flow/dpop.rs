//! DPoP (RFC 9449): sender-constrained tokens. A connection has its own ES256 key pair (made by
//! ring, kept sealed with the connection so a refresh later proves the same key); every request
//! that gets or uses its tokens carries a `DPoP` proof: a JWT in the key's name (`typ`
//! `dpop+jwt`, the public `jwk` in its header) with `jti`, `htm`, `htu`, `iat`, the server's
//! `nonce` when it asked for one, and `ath` (the access token's hash) on resource calls. A server
//! that answers `use_dpop_nonce` gets the request again, once, with its nonce; the newest nonce a
//! server sent is kept for the run's next proofs (section 8). `jsonwebtoken` signs the proofs.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::FlowRequest;
use super::assertion::strip_nulls;
use super::authorize::random_token;
use super::engine::Run;
use super::error::FlowError;
use super::http::{HttpReply, PreparedRequest};
use super::keys::PrivateKey;
use super::standard::StandardHttp;
use crate::model::OAuth2Config;
use crate::model::run::{DecodedJwt, Tokens};

/// A connection's DPoP key pair.
#[derive(Clone)]
pub struct DpopKey {
    key: PrivateKey,
}

impl std::fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DpopKey(jkt {})", self.thumbprint())
    }
}

impl DpopKey {
    /// A new P-256 key pair.
    pub fn generate() -> Result<DpopKey, FlowError> {
        let key = PrivateKey::generate_p256().map_err(|e| FlowError::Config(e.to_string()))?;
        Ok(DpopKey { key })
    }

    /// The key as kept with a connection (PKCS#8 PEM).
    pub fn from_pem(pem: &str) -> Result<DpopKey, FlowError> {
        let key = PrivateKey::parse(pem).map_err(|e| {
            FlowError::Config(format!("The connection's DPoP key can't be read ({e}): test the authorization again."))
        })?;
        if key.is_rsa() {
            return Err(FlowError::Config("The connection's DPoP key is not an EC P-256 key.".into()));
        }
        Ok(DpopKey { key })
    }

    pub fn to_pem(&self) -> String {
        self.key.to_pem()
    }

    /// RFC 7638 thumbprint of the public key: the `jkt` a bound token names (`cnf.jkt`).
    pub fn thumbprint(&self) -> String {
        self.key.thumbprint()
    }

    /// A proof for one request (RFC 9449 section 4.2): `htu` is the URL without query and
    /// fragment; `ath` when the request carries an access token.
    pub fn proof(
        &self,
        method: &str,
        url: &url::Url,
        access_token: Option<&str>,
        nonce: Option<&str>,
    ) -> Result<(String, DecodedJwt), FlowError> {
        let mut htu = url.clone();
        htu.set_query(None);
        htu.set_fragment(None);
        let mut claims = json!({
            "jti": random_token(24)?,
            "htm": method.to_ascii_uppercase(),
            "htu": htu.as_str(),
            "iat": crate::model::time::now(),
        });
        if let Some(token) = access_token {
            claims["ath"] = access_token_hash(token).into();
        }
        if let Some(nonce) = nonce {
            claims["nonce"] = nonce.into();
        }
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
        header.typ = Some("dpop+jwt".into());
        header.jwk = serde_json::from_value(self.key.public_jwk(None, None)).ok();
        let token = jsonwebtoken::encode(&header, &claims, &self.key.encoding_key())
            .map_err(|e| FlowError::Config(format!("The DPoP proof could not be signed ({e}).")))?;
        let decoded = DecodedJwt {
            label: format!("DPoP proof ({} {})", method.to_ascii_uppercase(), htu.as_str()),
            header: serde_json::to_value(&header).map(strip_nulls).unwrap_or(Value::Null),
            claims,
        };
        Ok((token, decoded))
    }
}

/// `ath`: base64url of the SHA-256 of the access token (RFC 9449 section 4.2).
pub fn access_token_hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

/// Whether a response asks for a DPoP nonce: a token endpoint's `use_dpop_nonce` error (section
/// 8), or a resource's `WWW-Authenticate: DPoP error="use_dpop_nonce"` (section 9).
pub(crate) fn asks_for_nonce(status: u16, headers: &[(String, String)], body: &[u8]) -> bool {
    if !(status == 400 || status == 401) {
        return false;
    }
    let challenged = headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("www-authenticate") && v.to_ascii_lowercase().contains("use_dpop_nonce"));
    let error = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_owned))
        .is_some_and(|e| e == "use_dpop_nonce");
    challenged || error
}

/// The nonce a response names (`DPoP-Nonce`).
pub(crate) fn nonce_of(headers: &[(String, String)]) -> Option<String> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("dpop-nonce"))
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// A run's DPoP: the connection's key, and the newest nonce a server gave.
pub(crate) struct DpopState {
    pub key: DpopKey,
    pub nonce: Option<String>,
    /// The last response asked for a nonce (`use_dpop_nonce`).
    challenged: bool,
}

// ---------------------------------------------------------------------------------------------
// The run's side.

impl Run<'_> {
    /// The run's DPoP key, when DPoP is on or the connection has one: the saved connection's
    /// (a refresh must prove the key its tokens are bound to), else a new one. Said in a note.
    pub(super) async fn prepare_dpop(&mut self, request: &FlowRequest, config: &OAuth2Config) -> Result<(), FlowError> {
        if self.dpop.is_some() {
            return Ok(());
        }
        let saved = request.action.saved_dpop_key();
        let key = match (saved, config.dpop) {
            (Some(pem), _) => {
                let key = DpopKey::from_pem(pem.reveal())?;
                self.note(format!(
                    "DPoP: the connection's key pair proves the tokens are ours (jkt {}).",
                    key.thumbprint()
                ))
                .await;
                key
            }
            (None, true) => {
                if request.action.works_on_saved_tokens() {
                    self.note("DPoP is on, but this connection was saved without a DPoP key: a new key pair is made, and the provider may refuse to bind a token it issued unbound.".into()).await;
                }
                let key = DpopKey::generate()?;
                self.note(format!(
                    "DPoP: a new ES256 key pair for this connection (jkt {}), kept sealed with it.",
                    key.thumbprint()
                ))
                .await;
                key
            }
            (None, false) => return Ok(()),
        };
        // A proof is not a bearer secret, but it is hidden like one: it may be replayed at its URL
        // for a short while. Its decoded header and claims are shown instead.
        self.redactor.add_name("DPoP");
        self.dpop = Some(DpopState { key, nonce: None, challenged: false });
        Ok(())
    }

    /// A response seen: its `DPoP-Nonce` is the newest nonce, and whether it asked for one.
    pub(super) fn dpop_saw(&mut self, reply: &HttpReply) {
        let Some(state) = &mut self.dpop else { return };
        if let Some(nonce) = nonce_of(&reply.headers) {
            state.nonce = Some(nonce);
        }
        state.challenged = asks_for_nonce(reply.status, &reply.headers, &reply.body);
    }

    /// [`Run::exchange`] with a fresh DPoP proof when DPoP is on (`access_token` for `ath`); a
    /// `use_dpop_nonce` answer is followed by the same request once more, with the server's nonce.
    pub(super) async fn exchange_dpop<T>(
        &mut self,
        prepared: &PreparedRequest,
        access_token: Option<&str>,
        read: impl Fn(&Value) -> Result<(T, Vec<String>), FlowError>,
    ) -> Result<(T, u16), FlowError> {
        let Some(key) = self.dpop.as_ref().map(|d| d.key.clone()) else { return self.exchange(prepared, read).await };
        let mut result = None;
        for attempt in 0..2 {
            let nonce = self.dpop.as_ref().and_then(|d| d.nonce.clone());
            let (proof, decoded) = key.proof(&prepared.method, &prepared.url, access_token, nonce.as_deref())?;
            let mut request = prepared.clone();
            if attempt > 0 {
                // Sent again: its notes were said, and a client assertion must be a fresh one (its
                // jti is good once, RFC 7523 section 3).
                request.omitted.clear();
                self.fresh_assertion(&mut request)?;
            }
            request.set_header("DPoP", proof);
            self.jwt(decoded);
            let sent = self.exchange(&request, &read).await;
            let challenged = self.dpop.as_ref().is_some_and(|d| d.challenged && d.nonce.is_some());
            if attempt == 0 && challenged && sent.is_err() {
                self.note("The server asked for a DPoP nonce (use_dpop_nonce): the request goes again, with it (RFC 9449 section 8).".into())
                    .await;
                continue;
            }
            result = Some(sent);
            break;
        }
        result.unwrap_or_else(|| Err(FlowError::Config("The server asked for a DPoP nonce twice.".into())))
    }

    /// A DPoP token goes as `Authorization: DPoP …` (RFC 9449 section 7.1), also where the
    /// endpoint's template writes `Bearer {{access_token}}`.
    pub(super) async fn dpop_scheme(&mut self, prepared: &mut PreparedRequest, tokens: &Tokens) {
        let is_dpop = tokens.token_type.as_deref().is_some_and(|t| t.eq_ignore_ascii_case("DPoP"));
        if self.dpop.is_none() || !is_dpop {
            return;
        }
        let Some(value) = prepared.header("authorization").map(str::to_owned) else { return };
        if let Some((scheme, token)) = value.split_once(' ')
            && scheme.eq_ignore_ascii_case("bearer")
        {
            prepared.set_header("Authorization", format!("DPoP {token}"));
            self.note(
                "The endpoint sends the token as Bearer; a DPoP-bound token goes as DPoP (RFC 9449 section 7.1)."
                    .into(),
            )
            .await;
        }
    }

    /// A standard request of the token endpoint (device polls, client credentials) with DPoP proofs.
    pub(super) fn with_dpop(&self, http: StandardHttp) -> StandardHttp {
        match &self.dpop {
            Some(state) => http.dpop(state.key.clone(), state.nonce.clone()),
            None => http,
        }
    }

    /// The newest nonce a standard request saw, for the next proofs.
    pub(super) fn learn_nonce(&mut self, nonce: Option<String>) {
        if let (Some(state), Some(nonce)) = (&mut self.dpop, nonce) {
            state.nonce = Some(nonce);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::id_token;

    #[test]
    fn a_proof_verifies_with_the_key_in_its_own_header() {
        let key = DpopKey::generate().unwrap();
        let url = url::Url::parse("https://rs.example/me?x=1#f").unwrap();
        let (token, decoded) = key.proof("get", &url, Some("at-1"), Some("n-1")).unwrap();
        assert_eq!(decoded.header["typ"], "dpop+jwt");
        assert_eq!(decoded.header["jwk"]["kty"], "EC");
        assert!(decoded.header["jwk"].get("d").is_none(), "only the public key");
        assert_eq!(decoded.claims["htm"], "GET");
        assert_eq!(decoded.claims["htu"], "https://rs.example/me");
        assert_eq!(decoded.claims["nonce"], "n-1");
        assert_eq!(decoded.claims["ath"], access_token_hash("at-1"));
        let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(decoded.header["jwk"].clone()).unwrap();
        let parsed = id_token::decode(&token).unwrap();
        let found = id_token::verify(&parsed, jsonwebtoken::Algorithm::ES256, &[jwk], "");
        assert!(matches!(found, id_token::Signature::Valid { .. }), "{found:?}");
        // The key kept with the connection is the same key.
        assert_eq!(DpopKey::from_pem(&key.to_pem()).unwrap().thumbprint(), key.thumbprint());
        let (_, again) = key.proof("POST", &url, None, None).unwrap();
        assert_ne!(again.claims["jti"], decoded.claims["jti"]);
        assert!(again.claims.get("ath").is_none() && again.claims.get("nonce").is_none());
    }

    #[test]
    fn a_nonce_challenge_is_recognized() {
        let header = |v: &str| vec![("WWW-Authenticate".to_owned(), v.to_owned())];
        assert!(asks_for_nonce(401, &header(r#"DPoP error="use_dpop_nonce", algs="ES256""#), b""));
        assert!(asks_for_nonce(400, &[], br#"{"error":"use_dpop_nonce"}"#));
        assert!(!asks_for_nonce(400, &[], br#"{"error":"invalid_dpop_proof"}"#));
        assert!(!asks_for_nonce(200, &header("use_dpop_nonce"), b""));
        assert_eq!(nonce_of(&[("DPoP-Nonce".into(), " abc ".into())]).as_deref(), Some("abc"));
    }
}
