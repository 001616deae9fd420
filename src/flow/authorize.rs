//! Step 1: the authorization URL, with a random `state`, PKCE (RFC 7636, S256) and, for OpenID
//! Connect, a random `nonce`. The random values and the S256 challenge are the `oauth2` crate's
//! (`CsrfToken`, `PkceCodeChallenge`); the URL is authdeck's own, since the user's typed query
//! parameters must be kept as typed and win (the crate's builder would add its own again).

use oauth2::{CsrfToken, PkceCodeChallenge, PkceCodeVerifier};

use super::error::FlowError;
use crate::model::OAuth2Config;
use crate::model::authorization::{check_http_url, query_params};
use crate::model::redact::Sensitive;

/// `n` random bytes from the operating system's generator, base64url without padding.
pub fn random_token(n: usize) -> Result<String, FlowError> {
    if n < 16 {
        return Err(FlowError::Random(format!("{n} random bytes are too few for a state or nonce")));
    }
    Ok(CsrfToken::new_random_len(n as u32).secret().clone())
}

/// A PKCE pair: the verifier stays here until the token request, the challenge goes in the URL.
#[derive(Debug, Clone)]
pub struct Pkce {
    pub verifier: Sensitive<String>,
    pub challenge: String,
}

impl Pkce {
    /// 32 random bytes as base64url (43 characters, RFC 7636 section 4.1) and its S256 challenge.
    pub fn generate() -> Result<Pkce, FlowError> {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        Ok(Pkce { verifier: Sensitive::new(verifier.secret().clone()), challenge: challenge.as_str().to_owned() })
    }
}

/// `BASE64URL(SHA256(verifier))` (RFC 7636 section 4.2).
pub fn s256_challenge(verifier: &str) -> String {
    PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(verifier.to_owned())).as_str().to_owned()
}

/// The URL to open, and what the callback must be checked against.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    pub url: String,
    /// The state the callback must carry: authdeck's, or the one typed into the Authorization URI.
    pub state: String,
    /// The verifier to send at the token endpoint; none without PKCE, or when the user's URI
    /// carries its own `code_challenge` (whose verifier authdeck can't know).
    pub code_verifier: Option<Sensitive<String>>,
    /// The nonce the ID token must carry: authdeck's, or the one typed into the Authorization URI.
    pub nonce: Option<String>,
    /// What the user's own parameters changed, worth telling.
    pub notes: Vec<String>,
}

/// Builds the authorization URL. The query typed into the Authorization URI is kept exactly as
/// typed and wins: authdeck appends only the parameters it lacks, so none is ever sent twice.
/// `scope` goes exactly as the user separated it; `response_type=code` only when absent; `nonce`
/// (OpenID Connect Core section 3.1.2.1) when given.
pub fn authorization_url(
    config: &OAuth2Config,
    state: &str,
    pkce: Option<&Pkce>,
    nonce: Option<&str>,
) -> Result<AuthorizationRequest, FlowError> {
    let typed = config.authorization_uri.trim();
    check_http_url(typed, "the Authorization URI").map_err(FlowError::Config)?;
    let own = query_params(typed);
    let own_value = |name: &str| own.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());

    let scopes = config.scopes.trim();
    let mut wanted: Vec<(&str, &str)> = vec![
        ("response_type", "code"),
        ("client_id", config.client_id.trim()),
        ("redirect_uri", config.redirect_uri.trim()),
    ];
    if !scopes.is_empty() {
        wanted.push(("scope", scopes));
    }
    wanted.push(("state", state));
    if let Some(nonce) = nonce {
        wanted.push(("nonce", nonce));
    }
    if config.response_mode == crate::model::ResponseMode::FormPost {
        // OAuth 2.0 Form Post Response Mode: the listener reads the POST body.
        wanted.push(("response_mode", "form_post"));
    }
    if let Some(pkce) = pkce {
        wanted.push(("code_challenge", &pkce.challenge));
        wanted.push(("code_challenge_method", "S256"));
    }

    let mut notes = Vec::new();
    let mut added = Vec::new();
    for (name, value) in wanted {
        match own_value(name) {
            Some(theirs) if theirs != value => notes.push(format!(
                "The Authorization URI sets {name}={theirs}; it is sent as typed instead of authdeck's value."
            )),
            Some(_) => {}
            None => added.push(format!("{name}={}", encode(value))),
        }
    }

    let mut url = typed.to_owned();
    if !added.is_empty() {
        if !url.contains('?') {
            url.push('?');
        } else if !url.ends_with(['?', '&']) {
            url.push('&');
        }
        url.push_str(&added.join("&"));
    }

    let state = own_value("state").unwrap_or_else(|| state.to_owned());
    let nonce = nonce.map(|n| own_value("nonce").unwrap_or_else(|| n.to_owned()));
    let mut code_verifier = pkce.map(|p| p.verifier.clone());
    if pkce.is_some() && own_value("code_challenge").is_some() {
        code_verifier = None;
        notes.push("The Authorization URI carries its own code_challenge, whose verifier authdeck can't know: the token request goes without code_verifier.".into());
    }
    Ok(AuthorizationRequest { url, state, code_verifier, nonce, notes })
}

/// Percent-encodes everything but the unreserved characters (a space is `%20`, never `+`).
fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>().replace('+', "%20").replace('*', "%2A")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(uri: &str) -> OAuth2Config {
        OAuth2Config {
            client_id: "cid".into(),
            authorization_uri: uri.into(),
            scopes: "openid profile,email".into(),
            redirect_uri: "http://127.0.0.1:8976/callback".into(),
            ..Default::default()
        }
    }

    fn pkce() -> Pkce {
        Pkce { verifier: Sensitive::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into()), challenge: "ch".into() }
    }

    #[test]
    fn rfc7636_appendix_b_challenge() {
        assert_eq!(
            s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn random_tokens_are_long_and_differ() {
        let a = random_token(32).unwrap();
        assert_eq!(a.len(), 43);
        assert_ne!(a, random_token(32).unwrap());
        let p = Pkce::generate().unwrap();
        assert_eq!(p.challenge, s256_challenge(p.verifier.reveal()));
    }

    #[test]
    fn parameters_added_in_order_scopes_as_typed() {
        let r = authorization_url(&config("https://p.example/auth"), "st", Some(&pkce()), None).unwrap();
        assert_eq!(
            r.url,
            "https://p.example/auth?response_type=code&client_id=cid&redirect_uri=http%3A%2F%2F127.0.0.1%3A8976%2Fcallback\
             &scope=openid%20profile%2Cemail&state=st&code_challenge=ch&code_challenge_method=S256"
        );
        assert_eq!(r.state, "st");
        assert!(r.code_verifier.is_some() && r.notes.is_empty());
    }

    #[test]
    fn users_own_parameters_are_kept_as_typed_and_win() {
        let uri = "https://p.example/auth?access_type=offline&prompt=consent&response_type=code&scope=a+b";
        let r = authorization_url(&config(uri), "st", None, None).unwrap();
        assert!(r.url.starts_with(&format!("{uri}&client_id=cid&")), "{}", r.url);
        assert_eq!(r.url.matches("response_type=").count(), 1);
        assert_eq!(r.url.matches("scope=").count(), 1);
        assert!(!r.url.contains("code_challenge"));
        assert_eq!(r.notes.len(), 1, "{:?}", r.notes); // scope differs from the field
        assert!(r.code_verifier.is_none());
    }

    #[test]
    fn typed_state_and_challenge_are_adopted() {
        let r = authorization_url(
            &config("https://p.example/auth?state=mine&code_challenge=x&nonce=n0"),
            "st",
            Some(&pkce()),
            Some("authdecks-nonce"),
        )
        .unwrap();
        assert_eq!(r.nonce.as_deref(), Some("n0"));
        assert_eq!(r.url.matches("nonce=").count(), 1);
        assert_eq!(r.state, "mine");
        assert!(r.code_verifier.is_none());
        assert_eq!(r.url.matches("state=").count(), 1);
        assert!(r.url.contains("code_challenge_method=S256"));
    }

    #[test]
    fn form_post_asks_for_it() {
        let mut c = config("https://p.example/auth");
        c.response_mode = crate::model::ResponseMode::FormPost;
        let r = authorization_url(&c, "st", None, None).unwrap();
        assert!(r.url.ends_with("&state=st&response_mode=form_post"), "{}", r.url);
    }

    #[test]
    fn trailing_question_mark_and_bad_uri() {
        let r = authorization_url(&config("https://p.example/auth?"), "st", None, Some("nn")).unwrap();
        assert!(r.url.starts_with("https://p.example/auth?response_type=code&"), "{}", r.url);
        assert!(r.url.ends_with("&state=st&nonce=nn"), "{}", r.url);
        assert!(matches!(authorization_url(&config("p.example/auth"), "st", None, None), Err(FlowError::Config(_))));
    }
}
