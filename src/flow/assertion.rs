//! Client authentication, in one place for every request that authenticates the client (the
//! templated code exchange and refresh, and the `oauth2` crate's device, client-credentials,
//! revocation and introspection requests, and PAR): a Basic header or body fields of the secret
//! (RFC 6749 section 2.3.1), a fresh signed client assertion per request (private_key_jwt with the
//! client's key, client_secret_jwt with HS256 over the secret: RFC 7523 section 2.2, OpenID
//! Connect Core section 9), or for mTLS only `client_id` (the certificate goes with the TLS
//! connection, RFC 8705 section 2).
//!
//! An assertion's claims: `iss` = `sub` = the client id, `aud` (the token endpoint's URL, or the
//! issuer), a random `jti`, `iat`, and `exp` a minute later. `jsonwebtoken` signs it (over ring);
//! the step shows its decoded header and claims, never the signature.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use std::sync::Arc;

use super::FlowRequest;
use super::authorize::random_token;
use super::engine::{Run, client_vars, token_endpoint};
use super::error::FlowError;
use super::http::HttpClient;
use super::http::{PreparedRequest, RequestBody};
use super::keys::{KeySource, PrivateKey, certificate_info, read_material};
use super::request::render_endpoint;
use crate::model::run::DecodedJwt;
use crate::model::{AssertionAudience, ClientAuth, OAuth2Config, SigningAlg};

/// RFC 7523 section 2.2.
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// How long an assertion is good for: long enough for a slow network, short enough that a leaked
/// one is soon useless.
pub const ASSERTION_LIFETIME_SECS: i64 = 60;

/// How a run's client authenticates, ready to apply to any request.
pub(crate) struct ClientAuthenticator {
    method: ClientAuth,
    client_id: String,
    secret: String,
    /// The key and its algorithm, for private_key_jwt.
    signer: Option<(PrivateKey, SigningAlg, Option<String>)>,
    audience: String,
    /// Where the key came from, for the step's note.
    pub key_note: Option<String>,
}

/// What a request carries once authenticated: the assertion sent (its text, to be hidden, and
/// its decoded form, to be shown).
pub(crate) struct Applied {
    pub assertion: Option<(String, DecodedJwt)>,
}

impl ClientAuthenticator {
    /// The authenticator of `config`, its key read and checked. `audience` is what an assertion's
    /// `aud` names (see [`ClientAuthenticator::audience`]).
    pub fn new(config: &OAuth2Config, audience: String) -> Result<ClientAuthenticator, FlowError> {
        let mut signer = None;
        let mut key_note = None;
        if config.client_auth == ClientAuth::PrivateKeyJwt {
            let key = load_key(&config.client_key)?;
            key.0.fits(config.signing_alg).map_err(|e| FlowError::Config(format!("{e}")))?;
            let kid = Some(config.key_id.trim().to_owned()).filter(|k| !k.is_empty()).or_else(|| key.0.kid.clone());
            key_note = Some(format!(
                "Signing client assertions with the {} {} ({}{}).",
                key.0.describe(),
                key.1.describe(),
                config.signing_alg.name(),
                kid.as_deref().map(|k| format!(", kid {k}")).unwrap_or_default()
            ));
            signer = Some((key.0, config.signing_alg, kid));
        }
        if config.client_auth == ClientAuth::ClientSecretJwt && config.client_secret.is_empty() {
            return Err(FlowError::Config(
                "client_secret_jwt signs with the Client Secret, and it is empty: enter it in the form.".into(),
            ));
        }
        Ok(ClientAuthenticator {
            method: config.client_auth,
            client_id: config.client_id.trim().to_owned(),
            secret: config.client_secret.clone(),
            signer,
            audience,
            key_note,
        })
    }

    /// A fresh assertion (new `jti`, `iat` now), and what the step shows of it.
    pub fn assertion(&self) -> Result<Option<(String, DecodedJwt)>, FlowError> {
        let now = crate::model::time::now();
        let claims = json!({
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": self.audience,
            "jti": random_token(24)?,
            "iat": now,
            "exp": now + ASSERTION_LIFETIME_SECS,
        });
        let (header, key) = match (&self.method, &self.signer) {
            (ClientAuth::PrivateKeyJwt, Some((key, alg, kid))) => {
                let mut header = jsonwebtoken::Header::new(jose_alg(*alg));
                header.kid = kid.clone();
                (header, key.encoding_key())
            }
            (ClientAuth::ClientSecretJwt, _) => (
                jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
                jsonwebtoken::EncodingKey::from_secret(self.secret.as_bytes()),
            ),
            _ => return Ok(None),
        };
        let token = jsonwebtoken::encode(&header, &claims, &key)
            .map_err(|e| FlowError::Config(format!("The client assertion could not be signed ({e}).")))?;
        let decoded = DecodedJwt {
            label: format!("Client assertion ({})", crate::model::discovery::auth_method_name(self.method)),
            header: serde_json::to_value(&header).map(strip_nulls).unwrap_or(Value::Null),
            claims,
        };
        Ok(Some((token, decoded)))
    }

    /// Authenticates a request the engine renders (the code exchange, refresh, PAR), unless its
    /// template already does (an `Authorization` header of its own, a `client_secret` field).
    pub fn apply(&self, request: &mut PreparedRequest) -> Result<Applied, FlowError> {
        let client_id = self.client_id.as_str();
        let mut added: Vec<&str> = Vec::new();
        let mut assertion = None;
        match self.method {
            ClientAuth::BasicHeader => {
                if request.header("authorization").is_none() {
                    request.set_header("Authorization", basic_header(client_id, &self.secret));
                    added.push("an Authorization: Basic header");
                }
            }
            ClientAuth::RequestBody => {
                for (key, value) in [("client_id", client_id), ("client_secret", self.secret.as_str())] {
                    if add_body_field(&mut request.body, key, value) {
                        added.push(key);
                    }
                }
            }
            ClientAuth::None | ClientAuth::TlsClientAuth | ClientAuth::SelfSignedTlsClientAuth => {
                if add_body_field(&mut request.body, "client_id", client_id) {
                    added.push("client_id");
                }
            }
            ClientAuth::PrivateKeyJwt | ClientAuth::ClientSecretJwt => {
                assertion = self.assertion()?;
                if let Some((token, _)) = &assertion {
                    if add_body_field(&mut request.body, "client_id", client_id) {
                        added.push("client_id");
                    }
                    set_body_field(&mut request.body, "client_assertion_type", ASSERTION_TYPE);
                    set_body_field(&mut request.body, "client_assertion", token);
                    added.push("a fresh client_assertion");
                }
            }
        }
        if !added.is_empty() {
            request.omitted.push(format!(
                "Added {} for the client authentication ({}).",
                added.join(" and "),
                crate::model::discovery::auth_method_name(self.method)
            ));
        }
        Ok(Applied { assertion })
    }

    /// Adds a fresh assertion to a form the `oauth2` crate built (it sent `client_id` itself);
    /// nothing for the other methods, which the crate's client already applies.
    pub fn apply_to_form(&self, fields: &mut Vec<(String, String)>) -> Result<Applied, FlowError> {
        let assertion = self.assertion()?;
        if let Some((token, _)) = &assertion {
            fields.retain(|(k, _)| k != "client_assertion" && k != "client_assertion_type" && k != "client_secret");
            if !fields.iter().any(|(k, _)| k == "client_id") {
                fields.push(("client_id".into(), self.client_id.clone()));
            }
            fields.push(("client_assertion_type".into(), ASSERTION_TYPE.into()));
            fields.push(("client_assertion".into(), token.clone()));
        }
        Ok(Applied { assertion })
    }
}

/// The SHA-256 thumbprint (x5t#S256) of the client certificate the run presents, when it can be
/// read (when it can't, the first step already failed on it).
pub(crate) fn certificate_thumbprint(config: &OAuth2Config) -> Option<String> {
    let (certificate, _) = read_material(&config.client_certificate, "client certificate").ok()?;
    certificate_info(&certificate).ok().map(|info| info.thumbprint)
}

/// For a client that authenticates with a certificate (tls_client_auth, self_signed_tls_client_auth):
/// the run's HTTP client presenting it, and what the first step says of it.
pub(crate) fn mtls_client(http: &HttpClient, request: &FlowRequest) -> Result<Option<(HttpClient, String)>, FlowError> {
    let crate::model::AuthConfig::OAuth2(config) = &request.authorization.config else { return Ok(None) };
    if !config.client_auth.uses_certificate() {
        return Ok(None);
    }
    let (certificate, source) = read_material(&config.client_certificate, "client certificate")
        .map_err(|e| FlowError::Config(e.to_string()))?;
    let info = certificate_info(&certificate)
        .map_err(|e| FlowError::Config(format!("The client certificate ({}) can't be used: {e}", source.describe())))?;
    let (key, _) = load_key(&config.client_key)?;
    let identity = format!("{}\n{}", certificate.trim(), key.to_pem());
    let client = http.with_identity(&identity)?;
    let self_signed = info.subject == info.issuer;
    let mut note = format!(
        "Presenting the client certificate {} with every request of this run (mTLS, RFC 8705).",
        info.describe()
    );
    match (config.client_auth, self_signed) {
        (ClientAuth::TlsClientAuth, true) => note.push_str(
            " It is self-signed: tls_client_auth wants one a CA the provider trusts issued (else choose self_signed_tls_client_auth).",
        ),
        (ClientAuth::SelfSignedTlsClientAuth, false) => note.push_str(
            " It is issued by a CA: for self_signed_tls_client_auth the provider compares it with the one registered (its x5t#S256).",
        ),
        _ => {}
    }
    Ok(Some((client, note)))
}

/// The private key of the authorization, read (from the field or its file) and checked.
pub(crate) fn load_key(value: &str) -> Result<(PrivateKey, KeySource), FlowError> {
    let (text, source) = read_material(value, "private key").map_err(|e| FlowError::Config(e.to_string()))?;
    let key = PrivateKey::parse(&text)
        .map_err(|e| FlowError::Config(format!("The private key ({}) can't be used: {e}", source.describe())))?;
    Ok((key, source))
}

fn jose_alg(alg: SigningAlg) -> jsonwebtoken::Algorithm {
    match alg {
        SigningAlg::RS256 => jsonwebtoken::Algorithm::RS256,
        SigningAlg::PS256 => jsonwebtoken::Algorithm::PS256,
        SigningAlg::ES256 => jsonwebtoken::Algorithm::ES256,
    }
}

/// A header as JSON without the members it doesn't have (`jsonwebtoken` writes them as null).
pub(crate) fn strip_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(map.into_iter().filter(|(_, v)| !v.is_null()).collect()),
        other => other,
    }
}

/// `Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 section 2.3.1).
fn basic_header(client_id: &str, secret: &str) -> String {
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!("Basic {}", STANDARD.encode(format!("{}:{}", encode(client_id), encode(secret))))
}

/// Adds a field to a form or JSON-object body unless it is there already; true when it added it.
fn add_body_field(body: &mut RequestBody, key: &str, value: &str) -> bool {
    put_body_field(body, key, value, false)
}

/// Sets a field of a form or JSON-object body, replacing one of the same name.
fn set_body_field(body: &mut RequestBody, key: &str, value: &str) {
    put_body_field(body, key, value, true);
}

fn put_body_field(body: &mut RequestBody, key: &str, value: &str, replace: bool) -> bool {
    match body {
        RequestBody::None => {
            *body = RequestBody::Form(vec![(key.to_owned(), value.to_owned())]);
            true
        }
        RequestBody::Form(fields) => {
            if replace {
                fields.retain(|(k, _)| k != key);
            }
            let absent = !fields.iter().any(|(k, _)| k == key);
            if absent {
                fields.push((key.to_owned(), value.to_owned()));
            }
            absent
        }
        RequestBody::Json(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(mut map)) if replace || !map.contains_key(key) => {
                map.insert(key.to_owned(), Value::String(value.to_owned()));
                *text = Value::Object(map).to_string();
                true
            }
            _ => false,
        },
    }
}

// ---------------------------------------------------------------------------------------------
// The run's side: one authenticator per run, made by the first step that authenticates the client.

impl Run<'_> {
    /// The run's client authentication, its key read and checked the first time (said in a note).
    pub(super) async fn authenticator(
        &mut self,
        request: &FlowRequest,
        config: &OAuth2Config,
    ) -> Result<Arc<ClientAuthenticator>, FlowError> {
        if let Some(auth) = &self.client_auth {
            return Ok(auth.clone());
        }
        match self.mtls_note.take() {
            Some(Ok(note)) => self.note(note).await,
            Some(Err(e)) => {
                self.mtls_note = Some(Err(e.clone()));
                return Err(e);
            }
            None => {}
        }
        let audience =
            if config.client_auth.uses_assertion() { self.assertion_audience(request, config)? } else { String::new() };
        let auth = Arc::new(ClientAuthenticator::new(config, audience)?);
        if let Some(note) = auth.key_note.clone() {
            self.note(note).await;
        }
        self.client_auth = Some(auth.clone());
        Ok(auth)
    }

    /// What an assertion's `aud` names: the token endpoint's URL (for every request, PAR and
    /// revocation included, as RFC 7523 section 3 and RFC 9126 section 2 allow), or the issuer.
    fn assertion_audience(&self, request: &FlowRequest, config: &OAuth2Config) -> Result<String, FlowError> {
        match config.assertion_audience {
            AssertionAudience::Issuer => self.expected_issuer(config).ok_or_else(|| {
                FlowError::Config(
                    "The client assertion's audience is the issuer, and this authorization has no Issuer: set the Issuer, or choose the token endpoint as the audience.".into(),
                )
            }),
            AssertionAudience::TokenEndpoint => {
                let endpoint = token_endpoint(request)?;
                let mut vars = client_vars(config);
                for name in ["code", "code_verifier", "access_token", "refresh_token"] {
                    vars.set_opt(name, None);
                }
                let label = format!("token endpoint \"{}\"", endpoint.name);
                Ok(render_endpoint(endpoint, &label, &vars, &[])?.url.to_string())
            }
        }
    }

    /// A request sent again gets a new client assertion in place of the one it carried.
    pub(super) fn fresh_assertion(&mut self, prepared: &mut PreparedRequest) -> Result<(), FlowError> {
        let Some(auth) = self.client_auth.clone() else { return Ok(()) };
        let carries = matches!(&prepared.body, RequestBody::Form(f) if f.iter().any(|(k, _)| k == "client_assertion"));
        if !carries {
            return Ok(());
        }
        if let Some((token, decoded)) = auth.assertion()? {
            set_body_field(&mut prepared.body, "client_assertion", &token);
            self.redactor.add(&token);
            self.jwt(decoded);
        }
        Ok(())
    }

    /// Authenticates a request the engine renders: the assertion (if any) is hidden from every
    /// record and shown decoded in the step.
    pub(super) async fn authenticate(
        &mut self,
        request: &FlowRequest,
        config: &OAuth2Config,
        prepared: &mut PreparedRequest,
    ) -> Result<(), FlowError> {
        let auth = self.authenticator(request, config).await?;
        let applied = auth.apply(prepared)?;
        if let Some((token, decoded)) = applied.assertion {
            self.redactor.add(&token);
            self.jwt(decoded);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::id_token;

    fn request() -> PreparedRequest {
        PreparedRequest {
            label: "token endpoint".into(),
            method: "POST".into(),
            url: url::Url::parse("https://p.example/token").unwrap(),
            headers: Vec::new(),
            body: RequestBody::Form(vec![("grant_type".into(), "authorization_code".into())]),
            omitted: Vec::new(),
        }
    }

    fn field<'a>(r: &'a PreparedRequest, key: &str) -> Option<&'a str> {
        let RequestBody::Form(fields) = &r.body else { return None };
        fields.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    #[test]
    fn a_private_key_jwt_assertion_verifies_with_the_public_key() {
        let key = PrivateKey::generate_p256().unwrap();
        let config = OAuth2Config {
            client_id: "cid".into(),
            client_auth: ClientAuth::PrivateKeyJwt,
            client_key: key.to_pem(),
            signing_alg: SigningAlg::ES256,
            key_id: "k1".into(),
            ..Default::default()
        };
        let auth = ClientAuthenticator::new(&config, "https://p.example/token".into()).unwrap();
        let mut r = request();
        let applied = auth.apply(&mut r).unwrap();
        let (token, decoded) = applied.assertion.unwrap();
        assert_eq!(field(&r, "client_assertion"), Some(token.as_str()));
        assert_eq!(field(&r, "client_assertion_type"), Some(ASSERTION_TYPE));
        assert_eq!(field(&r, "client_id"), Some("cid"));
        assert_eq!(decoded.header["kid"], "k1");
        assert_eq!(decoded.header["alg"], "ES256");
        assert!(decoded.header.get("jku").is_none(), "no null members: {}", decoded.header);
        let claims = &decoded.claims;
        assert_eq!((claims["iss"].as_str(), claims["sub"].as_str()), (Some("cid"), Some("cid")));
        assert_eq!(claims["aud"], "https://p.example/token");
        assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), ASSERTION_LIFETIME_SECS);
        // Verified by the library, with the JWK authdeck prints for registering.
        let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(key.public_jwk(Some("k1"), Some("ES256"))).unwrap();
        let decoded_token = id_token::decode(&token).unwrap();
        let found = id_token::verify(&decoded_token, jsonwebtoken::Algorithm::ES256, &[jwk], "");
        assert!(matches!(found, id_token::Signature::Valid { .. }), "{found:?}");
        // A second assertion is fresh.
        let (again, _) = auth.assertion().unwrap().unwrap();
        assert_ne!(again, token);
    }

    #[test]
    fn client_secret_jwt_is_hs256_over_the_secret() {
        let config = OAuth2Config {
            client_id: "cid".into(),
            client_secret: "a-long-enough-shared-secret-for-hs256".into(),
            client_auth: ClientAuth::ClientSecretJwt,
            ..Default::default()
        };
        let auth = ClientAuthenticator::new(&config, "https://issuer.example".into()).unwrap();
        let (token, decoded) = auth.assertion().unwrap().unwrap();
        assert_eq!(decoded.header["alg"], "HS256");
        let parsed = id_token::decode(&token).unwrap();
        let ok = id_token::verify(&parsed, jsonwebtoken::Algorithm::HS256, &[], &config.client_secret);
        assert!(matches!(ok, id_token::Signature::Valid { .. }), "{ok:?}");
        let mut r = request();
        auth.apply(&mut r).unwrap();
        assert_eq!(field(&r, "client_secret"), None, "the secret itself never travels");
    }

    #[test]
    fn a_key_that_does_not_fit_the_algorithm_is_refused_before_anything_is_sent() {
        let key = PrivateKey::generate_p256().unwrap();
        let config = OAuth2Config {
            client_id: "cid".into(),
            client_auth: ClientAuth::PrivateKeyJwt,
            client_key: key.to_pem(),
            signing_alg: SigningAlg::RS256,
            ..Default::default()
        };
        let e = ClientAuthenticator::new(&config, "aud".into()).err().unwrap();
        assert!(e.to_string().contains("choose ES256"), "{e}");
        let config = OAuth2Config { client_key: "/no/such/key.pem".into(), ..config };
        let e = ClientAuthenticator::new(&config, "aud".into()).err().unwrap();
        assert!(e.to_string().contains("/no/such/key.pem"), "{e}");
    }

    #[test]
    fn secrets_go_as_configured() {
        let config = OAuth2Config {
            client_id: "my id".into(),
            client_secret: "s:cr&t".into(),
            client_auth: ClientAuth::BasicHeader,
            ..Default::default()
        };
        let auth = ClientAuthenticator::new(&config, String::new()).unwrap();
        let mut r = request();
        auth.apply(&mut r).unwrap();
        let header = r.header("authorization").unwrap();
        let decoded = String::from_utf8(STANDARD.decode(header.strip_prefix("Basic ").unwrap()).unwrap()).unwrap();
        assert_eq!(decoded, "my+id:s%3Acr%26t");
        let mtls = OAuth2Config { client_auth: ClientAuth::TlsClientAuth, ..config };
        let auth = ClientAuthenticator::new(&mtls, String::new()).unwrap();
        let mut r = request();
        auth.apply(&mut r).unwrap();
        assert_eq!(field(&r, "client_id"), Some("my id"));
        assert_eq!(r.omitted, ["Added client_id for the client authentication (tls_client_auth)."]);
        assert!(r.header("authorization").is_none() && field(&r, "client_secret").is_none());
    }
}
