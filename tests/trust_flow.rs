//! The engine's hardening against fake servers on 127.0.0.1: short secrets redacted wherever they
//! appear, the callback wait that a stray or forged callback can't end, the listener's limits.

use authdeck::flow::{RunOutcome, StepId};
use authdeck::model::{AuthConfig, ClientAuth};

#[path = "support/fakes.rs"]
mod fakes;
use fakes::*;

#[tokio::test]
async fn a_short_secret_is_redacted_wherever_it_appears() {
    const SHORT: &str = "Zq9_x";
    let server =
        FakeServer::start(vec![("/token", json(serde_json::json!({"access_token": "at-short-secret"})))]).await;
    let redirect = format!("http://127.0.0.1:{}/callback", free_port());
    let mut auth = oauth2(ClientAuth::RequestBody, redirect.clone(), false);
    let AuthConfig::OAuth2(config) = &mut auth.config else { unreachable!() };
    config.client_secret = SHORT.into();
    let mut token = token_endpoint(server.url("/token?k={{client_secret}}"));
    token.headers.push_str("\nX-Echo: pre-{{client_secret}}");
    let driven = drive(oauth_request(&auth, &[token]), &runner(), paste_callback(redirect)).await;
    assert_eq!(driven.report.outcome, RunOutcome::Ok, "{}", driven.report.message);
    assert!(server.seen()[0].target.ends_with(&format!("?k={SHORT}")), "the secret was sent");
    let exchange = &driven.report.step(StepId::TokenExchange).unwrap().exchanges[0];
    assert!(exchange.request.url.ends_with("?k=[redacted]"), "{}", exchange.request.url);
    assert_no_secrets(&driven, &[SHORT]);
}
