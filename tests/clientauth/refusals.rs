//! Fakes for what the real provider in tests/oidc won't do on purpose: a token endpoint that takes
//! only assertions addressed to its own URL (as Okta documents: "aud: the full URL of the token
//! endpoint", https://developer.okta.com/docs/guides/build-self-signed-jwt/java/main/), and a PAR
//! request_uri that expires before the user logs in (RFC 9126 section 4: the provider then refuses
//! the authorization request with invalid_request_uri).

use std::sync::{Arc, Mutex};

use super::fakes::*;
use authdeck::flow::keys::PrivateKey;
use authdeck::flow::{FlowEvent, RunOutcome, StepId, StepStatus};
use authdeck::model::{AssertionAudience, AuthConfig, ClientAuth, Endpoint, SigningAlg};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A token endpoint that reads the client assertion's `aud` and takes only its own URL.
struct AudienceCheckingToken {
    issuer: String,
    url: String,
    /// The `aud` of every assertion received.
    seen: Arc<Mutex<Vec<String>>>,
}

impl AudienceCheckingToken {
    async fn start() -> AudienceCheckingToken {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let url = format!("{issuer}/oauth2/v1/token");
        let discovery = serde_json::json!({
            "issuer": issuer,
            "token_endpoint": url,
            "grant_types_supported": ["client_credentials"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["ES256"],
        })
        .to_string();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (own, log) = (url.clone(), seen.clone());
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let mut raw = Vec::new();
                let mut buf = [0u8; 4096];
                // The head, then the body up to its Content-Length.
                let body = loop {
                    let n = stream.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        break String::new();
                    }
                    raw.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&raw).into_owned();
                    if let Some((head, body)) = text.split_once("\r\n\r\n") {
                        let length = head
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned())
                            })
                            .and_then(|v| v.parse::<usize>().ok())
                            .unwrap_or(0);
                        if body.len() >= length {
                            break body.to_owned();
                        }
                    }
                };
                if String::from_utf8_lossy(&raw).starts_with("GET /.well-known/openid-configuration") {
                    let response = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{discovery}",
                        discovery.len()
                    );
                    let _ = stream.write_all(response.as_bytes()).await;
                    continue;
                }
                let assertion = url::form_urlencoded::parse(body.as_bytes())
                    .find(|(k, _)| k == "client_assertion")
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default();
                let aud = assertion
                    .split('.')
                    .nth(1)
                    .and_then(|p| URL_SAFE_NO_PAD.decode(p).ok())
                    .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                    .and_then(|c| c["aud"].as_str().map(str::to_owned))
                    .unwrap_or_default();
                log.lock().unwrap().push(aud.clone());
                let (status, answer) = if aud == own {
                    ("200 OK", r#"{"access_token":"at-fake-okta","token_type":"Bearer","expires_in":3600}"#.to_owned())
                } else {
                    (
                        "401 Unauthorized",
                        r#"{"error":"invalid_client","error_description":"The audience claim for client_assertion must be the endpoint invoked for the request."}"#.to_owned(),
                    )
                };
                let response = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                    answer.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
            }
        });
        AudienceCheckingToken { issuer, url, seen }
    }
}

/// A client-credentials authorization signing with a new P-256 key, its audience as given.
fn key_client(token_url: &str, audience: AssertionAudience) -> (authdeck::model::Authorization, Vec<Endpoint>) {
    let mut authorization = oauth2(ClientAuth::PrivateKeyJwt, String::new(), false);
    let AuthConfig::OAuth2(c) = &mut authorization.config else { unreachable!() };
    c.grant = authdeck::model::Grant::ClientCredentials;
    c.client_secret.clear();
    c.client_key = PrivateKey::generate_p256().unwrap().to_pem();
    c.signing_alg = SigningAlg::ES256;
    c.assertion_audience = audience;
    // An issuer that is not the token endpoint, and no discovery to read (the fake has none).
    c.issuer = String::new();
    (authorization, vec![token_endpoint(token_url.to_owned())])
}

#[tokio::test]
async fn an_assertion_with_the_wrong_audience_is_refused_and_the_message_says_where_to_look() {
    let token = AudienceCheckingToken::start().await;
    let runner = runner();

    // The audience is the issuer, and there is no Issuer: said before anything is sent.
    let (mut authorization, endpoints) = key_client(&token.url, AssertionAudience::Issuer);
    let driven = drive(oauth_request(&authorization, &endpoints), &runner, |_, _| {}).await;
    assert_eq!(driven.report.outcome, RunOutcome::Failed);
    assert!(
        driven.report.message.contains("audience is the issuer, and this authorization has no Issuer"),
        "{}",
        driven.report.message
    );
    assert!(token.seen.lock().unwrap().is_empty(), "nothing was sent");

    // With the Issuer: the assertion names it, and this token endpoint refuses it.
    let AuthConfig::OAuth2(c) = &mut authorization.config else { unreachable!() };
    c.issuer = token.issuer.clone();
    let refused = drive(oauth_request(&authorization, &endpoints), &runner, |_, _| {}).await;
    assert_eq!(refused.report.outcome, RunOutcome::Failed);
    assert_eq!(token.seen.lock().unwrap().as_slice(), std::slice::from_ref(&token.issuer));
    let step = refused.report.step(StepId::ClientCredentials).unwrap();
    assert_eq!(step.status, StepStatus::Failed);
    assert_eq!(step.jwts[0].claims["aud"], token.issuer.as_str(), "the assertion sent is shown decoded");
    let message = &refused.report.message;
    assert!(message.contains("invalid_client") && message.contains("audience"), "{message}");

    // Addressed to the token endpoint (the default): taken.
    let (authorization, endpoints) = key_client(&token.url, AssertionAudience::TokenEndpoint);
    let ok = drive(oauth_request(&authorization, &endpoints), &runner, |_, _| {}).await;
    assert_eq!(ok.report.outcome, RunOutcome::Ok, "{}", ok.report.message);
    assert_eq!(token.seen.lock().unwrap().last().unwrap(), &token.url);
}

#[tokio::test]
async fn an_expired_par_request_uri_is_named_as_such() {
    let server = FakeServer::start(vec![(
        "/par",
        reply(
            201,
            "application/json",
            r#"{"request_uri":"urn:ietf:params:oauth:request_uri:fake-expiring","expires_in":1}"#,
        ),
    )])
    .await;
    let redirect_uri = format!("http://127.0.0.1:{}/callback", free_port());
    let mut authorization = oauth2(ClientAuth::BasicHeader, redirect_uri.clone(), false);
    let AuthConfig::OAuth2(c) = &mut authorization.config else { unreachable!() };
    c.par = true;
    c.par_endpoint = server.url("/par");
    let endpoints = vec![token_endpoint(server.url("/token"))];
    let request = oauth_request(&authorization, &endpoints);
    assert_eq!(request.steps()[..2], [StepId::PushedAuthorization, StepId::AuthorizationUrl]);
    // The user comes back too late: the provider refused the expired request_uri at its page and
    // sent the browser back with the error (and the state it had been pushed).
    let seen = server.seen.clone();
    let driven = drive(request, &runner(), move |url, handle| {
        let names: Vec<String> = url::Url::parse(&url).unwrap().query_pairs().map(|(k, _)| k.into_owned()).collect();
        assert_eq!(names, ["client_id", "request_uri"]);
        let pushed = seen.lock().unwrap()[0].body.clone();
        let state = url::form_urlencoded::parse(pushed.as_bytes()).find(|(k, _)| k == "state").unwrap().1.into_owned();
        let back =
            format!("{redirect_uri}?error=invalid_request_uri&error_description=request_uri+has+expired&state={state}");
        assert!(handle.paste(back));
    })
    .await;
    assert_eq!(driven.report.outcome, RunOutcome::Failed);
    let par = driven.report.step(StepId::PushedAuthorization).unwrap();
    assert_eq!(par.status, StepStatus::Ok);
    assert!(par.summary.contains("it lives 1 s"), "{}", par.summary);
    let waiting = driven.report.step(StepId::Callback).unwrap();
    assert!(waiting.notes.iter().any(|n| n.contains("expires in 1 s")), "{:?}", waiting.notes);
    assert_eq!(driven.failed_step(), StepId::CallbackCheck);
    let message = &driven.report.message;
    assert!(message.contains("invalid_request_uri") && message.contains("expired or was used already"), "{message}");
    assert!(driven.events.iter().any(|e| matches!(e, FlowEvent::Notice { step: StepId::Callback, .. })));
}
