//! Proves the local OpenID Connect test provider (`tests/oidc/`) and its Rust harness
//! (`tests/support/oidc.rs`) work, without any authdeck code: authorization code flow with
//! PKCE by hand, scripted login/consent, token exchange, userinfo, refresh, denial.
//!
//! Needs Node.js 20+ and `npm ci --prefix tests/oidc`.

#[path = "support/oidc.rs"]
mod oidc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oidc::{OidcProvider, browser_login, browser_login_async};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const SCOPE: &str = "openid profile email offline_access";

fn random_b64(len: usize) -> String {
    let mut buf = vec![0u8; len];
    getrandom::getrandom(&mut buf).expect("random bytes");
    URL_SAFE_NO_PAD.encode(buf)
}

/// (code_verifier, code_challenge) for S256.
fn pkce_pair() -> (String, String) {
    let verifier = random_b64(32);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

fn auth_url(
    provider: &OidcProvider,
    client_id: &str,
    redirect_uri: &str,
    state: &str,
    challenge: Option<&str>,
) -> String {
    let mut params = vec![
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", redirect_uri),
        ("scope", SCOPE),
        ("prompt", "consent"),
        ("state", state),
    ];
    if let Some(challenge) = challenge {
        params.push(("code_challenge", challenge));
        params.push(("code_challenge_method", "S256"));
    }
    url::Url::parse_with_params(&provider.authorization_endpoint(), &params).expect("authorization URL").to_string()
}

fn query(url: &str) -> HashMap<String, String> {
    url::Url::parse(url)
        .unwrap_or_else(|e| panic!("redirect {url:?} is not a URL: {e}"))
        .query_pairs()
        .into_owned()
        .collect()
}

/// One-shot loopback callback listener: answers the first request with 200 and returns its
/// request target (`/callback?code=...`).
async fn callback_listener() -> (String, tokio::task::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind callback listener");
    let port = listener.local_addr().unwrap().port();
    let handle = tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.expect("accept callback");
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = sock.read(&mut chunk).await.expect("read callback request");
            if n == 0 {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        let body = b"authorized";
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        sock.write_all(head.as_bytes()).await.unwrap();
        sock.write_all(body).await.unwrap();
        sock.shutdown().await.ok();
        let text = String::from_utf8_lossy(&buf).into_owned();
        let request_line = text.lines().next().unwrap_or_default().to_string();
        // "GET /callback?... HTTP/1.1" -> "/callback?..."
        request_line.split_whitespace().nth(1).unwrap_or_default().to_string()
    });
    (format!("http://127.0.0.1:{port}/callback"), handle)
}

async fn json_response(resp: reqwest::Response) -> (reqwest::StatusCode, serde_json::Value) {
    let status = resp.status();
    let bytes = resp.bytes().await.expect("response body");
    let value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("non-JSON response {status} ({e}): {}", String::from_utf8_lossy(&bytes)));
    (status, value)
}

/// A POST to the token endpoint with a form body, with Basic client authentication when given.
async fn token_request(
    provider: &OidcProvider,
    http: &reqwest::Client,
    basic: Option<(&str, &str)>,
    form: &[(&str, &str)],
) -> (reqwest::StatusCode, serde_json::Value) {
    let mut request = http.post(provider.token_endpoint()).form(form);
    if let Some((id, secret)) = basic {
        request = request.basic_auth(id, Some(secret));
    }
    json_response(request.send().await.expect("token request")).await
}

async fn userinfo(provider: &OidcProvider, http: &reqwest::Client, access_token: &str) -> serde_json::Value {
    let (status, info) = json_response(
        http.get(provider.userinfo_endpoint()).bearer_auth(access_token).send().await.expect("userinfo request"),
    )
    .await;
    assert_eq!(status, 200, "userinfo: {info}");
    info
}

#[tokio::test]
async fn basic_client_code_flow_pkce_userinfo_refresh() {
    let provider = OidcProvider::start();
    assert!(provider.issuer.starts_with("http://127.0.0.1:"), "{}", provider.issuer);
    let http = reqwest::Client::new();

    let (redirect_uri, callback) = callback_listener().await;
    let (verifier, challenge) = pkce_pair();
    let state = random_b64(16);
    let url = auth_url(&provider, "basic-client", &redirect_uri, &state, Some(&challenge));

    // deliver = true: the scripted browser also hits our loopback listener
    let redirected = browser_login_async(&url, false, true).await;
    assert!(redirected.starts_with(&format!("{redirect_uri}?")), "{redirected}");
    let target = callback.await.expect("callback listener");
    assert!(target.starts_with("/callback?"), "{target}");
    assert_eq!(query(&format!("http://127.0.0.1{target}")), query(&redirected));

    let params = query(&redirected);
    assert_eq!(params.get("state"), Some(&state), "{redirected}");
    assert_eq!(params.get("iss"), Some(&provider.issuer), "{redirected}");
    let code = params.get("code").unwrap_or_else(|| panic!("no code in {redirected}"));

    let code_grant = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", redirect_uri.as_str()),
        ("code_verifier", verifier.as_str()),
    ];
    // client_secret_basic; form-encoded body
    let (status, tokens) =
        token_request(&provider, &http, Some(("basic-client", "fake-basic-secret")), &code_grant).await;
    assert_eq!(status, 200, "token response: {tokens}");
    assert_eq!(tokens["token_type"], "Bearer", "{tokens}");
    assert_eq!(tokens["scope"], SCOPE, "{tokens}");
    assert!(tokens["id_token"].is_string(), "{tokens}");
    let access_token = tokens["access_token"].as_str().expect("access_token").to_string();
    let refresh_token =
        tokens["refresh_token"].as_str().unwrap_or_else(|| panic!("no refresh_token: {tokens}")).to_string();

    let info = userinfo(&provider, &http, &access_token).await;
    assert_eq!(info["sub"], "test-user-1", "{info}");
    assert_eq!(info["name"], "Test User", "{info}");
    assert_eq!(info["email"], "test.user@example.test", "{info}");

    // refresh
    let (status, refreshed) = token_request(
        &provider,
        &http,
        Some(("basic-client", "fake-basic-secret")),
        &[("grant_type", "refresh_token"), ("refresh_token", refresh_token.as_str())],
    )
    .await;
    assert_eq!(status, 200, "refresh: {refreshed}");
    let new_access = refreshed["access_token"].as_str().expect("refreshed access_token");
    assert_ne!(new_access, access_token);
    assert_eq!(userinfo(&provider, &http, new_access).await["sub"], "test-user-1");

    // wrong client authentication method is rejected (strict check of provider.js)
    let (status, err) = token_request(
        &provider,
        &http,
        None,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.as_str()),
            ("client_id", "basic-client"),
            ("client_secret", "fake-basic-secret"),
        ],
    )
    .await;
    assert_eq!(status, 401, "{err}");
    assert_eq!(err["error"], "invalid_client", "{err}");

    // the code is single use; replaying it also revokes the grant (and its refresh token)
    let (status, err) = token_request(&provider, &http, Some(("basic-client", "fake-basic-secret")), &code_grant).await;
    assert_eq!(status, 400, "{err}");
    assert_eq!(err["error"], "invalid_grant", "{err}");

    let (status, err) = token_request(
        &provider,
        &http,
        Some(("basic-client", "fake-basic-secret")),
        &[("grant_type", "refresh_token"), ("refresh_token", refresh_token.as_str())],
    )
    .await;
    assert_eq!(status, 400, "{err}");
    assert_eq!(err["error"], "invalid_grant", "{err}");
}

#[tokio::test]
async fn consent_denied_yields_access_denied() {
    let provider = OidcProvider::start();
    let redirect_uri = "http://127.0.0.1:9/callback"; // nothing listens: no --deliver
    let (_, challenge) = pkce_pair();
    let url = auth_url(&provider, "basic-client", redirect_uri, "deny-state", Some(&challenge));

    let redirected = browser_login(&url, true, false);
    assert!(redirected.starts_with("http://127.0.0.1:9/callback?"), "{redirected}");
    let params = query(&redirected);
    assert_eq!(params.get("error").map(String::as_str), Some("access_denied"), "{redirected}");
    assert_eq!(params.get("state").map(String::as_str), Some("deny-state"), "{redirected}");
    assert!(!params.contains_key("code"), "{redirected}");
}

#[tokio::test]
async fn post_client_and_public_client() {
    let provider = OidcProvider::start();
    let http = reqwest::Client::new();
    let redirect_uri = "http://127.0.0.1:9/callback";

    // post-client: credentials in the form body
    let url = auth_url(&provider, "post-client", redirect_uri, "post-state", None);
    let params = query(&browser_login(&url, false, false));
    let code = params.get("code").expect("code for post-client");
    let (status, tokens) = token_request(
        &provider,
        &http,
        None,
        &[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect_uri),
            ("client_id", "post-client"),
            ("client_secret", "fake-post-secret"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
    assert!(tokens["refresh_token"].is_string(), "{tokens}");
    let info = userinfo(&provider, &http, tokens["access_token"].as_str().unwrap()).await;
    assert_eq!(info["sub"], "test-user-1");

    // public-client without PKCE: refused at the authorization endpoint
    let url = auth_url(&provider, "public-client", redirect_uri, "no-pkce", None);
    let params = query(&browser_login(&url, false, false));
    assert_eq!(params.get("error").map(String::as_str), Some("invalid_request"), "{params:?}");

    // public-client with PKCE, client_id in the body, no secret
    let (verifier, challenge) = pkce_pair();
    let url = auth_url(&provider, "public-client", redirect_uri, "pkce", Some(&challenge));
    let params = query(&browser_login(&url, false, false));
    let code = params.get("code").expect("code for public-client");
    let (status, tokens) = token_request(
        &provider,
        &http,
        None,
        &[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect_uri),
            ("client_id", "public-client"),
            ("code_verifier", verifier.as_str()),
        ],
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
    assert!(tokens["refresh_token"].is_string(), "{tokens}");
    let info = userinfo(&provider, &http, tokens["access_token"].as_str().unwrap()).await;
    assert_eq!(info["email"], "test.user@example.test");
}
