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

async fn http_get(port: u16, target: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let _ = stream.write_all(format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n").as_bytes()).await;
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out).await;
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn a_wrong_state_is_refused_on_its_own_and_the_wait_goes_on() {
    let server =
        FakeServer::start(vec![("/token", json(serde_json::json!({"access_token": "at-after-forgery"})))]).await;
    let port = free_port();
    let redirect = format!("http://127.0.0.1:{port}/callback");
    let auth = oauth2(ClientAuth::BasicHeader, redirect.clone(), false);
    let (page_tx, mut page_rx) = tokio::sync::mpsc::channel(4);
    let driven = drive(oauth_request(&auth, &[token_endpoint(server.url("/token"))]), &runner(), move |url, handle| {
        // Another tab's callback pasted, then a forged one and a 20 KiB one on the listener,
        // then this test's own callback: only the last is taken.
        assert!(handle.paste(format!("{redirect}?code=old-code&state=older-attempt")));
        let state = state_of(&url);
        tokio::spawn(async move {
            let forged = http_get(port, "/callback?code=forged-code&state=forged-state").await;
            page_tx.send(forged).await.unwrap();
            let long = http_get(port, &format!("/callback?code=c&state={}", "x".repeat(20 * 1024))).await;
            page_tx.send(long).await.unwrap();
            let page = http_get(port, &format!("/callback?code={CODE}&state={state}")).await;
            page_tx.send(page).await.unwrap();
        });
    })
    .await;
    assert_eq!(driven.report.outcome, RunOutcome::Ok, "{}", driven.report.message);
    let forged = page_rx.recv().await.unwrap();
    assert!(forged.starts_with("HTTP/1.1 400") && forged.contains("was not for the authdeck test"), "{forged}");
    assert!(page_rx.recv().await.unwrap().starts_with("HTTP/1.1 414"));
    assert!(page_rx.recv().await.unwrap().contains("authdeck received the callback"));

    let callback = driven.report.step(StepId::Callback).unwrap();
    assert_eq!(callback.summary, "received by the listener");
    let notes = callback.notes.join("\n");
    assert!(notes.contains("The pasted URL brought a callback with the state \"older-attempt\""), "{notes}");
    assert!(notes.contains("The listener brought a callback with the state \"forged-state\""), "{notes}");
    assert!(notes.contains("414 URI Too Long") && !notes.contains("xxxxxxxx"), "{notes}");
    // Only this test's code was exchanged.
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].body.contains(&format!("code={CODE}")), "{}", seen[0].body);
}

#[tokio::test]
async fn a_flood_of_stray_requests_is_counted_not_kept() {
    let port = free_port();
    let redirect = format!("http://127.0.0.1:{port}/callback");
    let auth = oauth2(ClientAuth::BasicHeader, redirect, false);
    let server = FakeServer::start(vec![("/token", json(serde_json::json!({"access_token": "at-after-flood"})))]).await;
    let driven = drive(oauth_request(&auth, &[token_endpoint(server.url("/token"))]), &runner(), move |url, _| {
        let state = state_of(&url);
        tokio::spawn(async move {
            for i in 0..60 {
                http_get(port, &format!("/probe/{i}")).await;
            }
            http_get(port, &format!("/callback?code={CODE}&state={state}")).await;
        });
    })
    .await;
    assert_eq!(driven.report.outcome, RunOutcome::Ok, "{}", driven.report.message);
    let strays = driven.events.iter().filter(|e| matches!(e, authdeck::flow::FlowEvent::StrayRequest { .. })).count();
    assert_eq!(strays, 20, "20 listed, then no more");
    let notes = driven.report.step(StepId::Callback).unwrap().notes.join("\n");
    assert_eq!(notes.matches("More than 20 stray requests").count(), 1, "{notes}");
}

#[tokio::test]
async fn a_form_post_callback_completes_the_flow() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = FakeServer::start(vec![("/token", json(serde_json::json!({"access_token": "at-form-post"})))]).await;
    let port = free_port();
    let mut auth = oauth2(ClientAuth::BasicHeader, format!("http://127.0.0.1:{port}/callback"), false);
    let AuthConfig::OAuth2(config) = &mut auth.config else { unreachable!() };
    config.response_mode = authdeck::model::ResponseMode::FormPost;
    let (page_tx, mut page_rx) = tokio::sync::mpsc::channel(1);
    let driven = drive(oauth_request(&auth, &[token_endpoint(server.url("/token"))]), &runner(), move |url, _| {
        assert!(url.contains("response_mode=form_post"), "{url}");
        let body = format!("code={CODE}&state={}", state_of(&url));
        tokio::spawn(async move {
            let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
            let request = format!(
                "POST /callback HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
            s.write_all(request.as_bytes()).await.unwrap();
            let mut page = String::new();
            let _ = s.read_to_string(&mut page).await;
            page_tx.send(page).await.unwrap();
        });
    })
    .await;
    assert_eq!(driven.report.outcome, RunOutcome::Ok, "{}", driven.report.message);
    assert!(page_rx.recv().await.unwrap().contains("authdeck received the callback"));
    assert!(server.seen()[0].body.contains(&format!("code={CODE}")));
}

#[tokio::test]
async fn a_public_client_without_pkce_is_warned_in_the_report() {
    let server = FakeServer::start(vec![("/token", json(serde_json::json!({"access_token": "at-public"})))]).await;
    let redirect = format!("http://127.0.0.1:{}/callback", free_port());
    let mut auth = oauth2(ClientAuth::None, redirect.clone(), false);
    let AuthConfig::OAuth2(config) = &mut auth.config else { unreachable!() };
    config.pkce = false;
    let driven =
        drive(oauth_request(&auth, &[token_endpoint(server.url("/token"))]), &runner(), paste_callback(redirect)).await;
    assert_eq!(driven.report.outcome, RunOutcome::Ok, "{}", driven.report.message);
    let notes = driven.report.step(StepId::AuthorizationUrl).unwrap().notes.join("\n");
    assert!(notes.contains("Warning: PKCE is off for a public client"), "{notes}");
    assert!(!notes.contains("plain http://"), "loopback endpoints are not warned about: {notes}");
}

/// After a real flow, the database file alone reveals no secret: not the client secret, the
/// tokens or the code in the run's recorded exchanges (the run history), nor a password kept for
/// `authdeck check` — in the file and its WAL, while open and after closing.
#[tokio::test]
async fn after_a_real_flow_the_database_files_reveal_no_secret() {
    use authdeck::model::{AuthKind, Endpoint, EndpointPurpose};
    use authdeck::store::{KeySource, Store};
    const ACCESS: &str = "at-fake-4f1c9e2d7b";
    const REFRESH: &str = "rt-fake-8a3e5c1b9d";
    const PASSWORD: &str = "fake-kept-password-61";
    let server = FakeServer::start(vec![
        (
            "/token",
            json(serde_json::json!({"access_token": ACCESS, "refresh_token": REFRESH, "token_type": "Bearer", "expires_in": 3600})),
        ),
        ("/me", json(serde_json::json!({"sub": "u1", "name": "Ann"}))),
    ])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let mut store = Store::open_with_keys(&db, KeySource::dir(dir.path().join("keys"))).unwrap();
    let app = store.create_app("Sealed").unwrap();
    let endpoint =
        |purpose, path: &str| Endpoint { app_id: app.id, url: server.url(path), ..Endpoint::new_for(purpose) };
    let token = store.insert_endpoint(&endpoint(EndpointPurpose::Token, "/token")).unwrap();
    let userinfo = store.insert_endpoint(&endpoint(EndpointPurpose::UserInfo, "/me")).unwrap();
    let redirect = format!("http://127.0.0.1:{}/callback", free_port());
    let mut authorization = oauth2(ClientAuth::RequestBody, redirect.clone(), true);
    if let AuthConfig::OAuth2(c) = &mut authorization.config {
        (c.token_endpoint, c.userinfo_endpoint) = (Some(token), Some(userinfo));
    }
    let id = store.insert_authorization(app.id, "OAuth", &authorization.config).unwrap();
    let authorization = store.authorization(id).unwrap();
    let endpoints = store.endpoints(app.id).unwrap();
    let driven = drive(oauth_request(&authorization, &endpoints), &runner(), paste_callback(redirect)).await;
    assert_eq!(driven.report.outcome, RunOutcome::Ok, "{}", driven.report.message);
    let mut report = driven.report;
    store.record_flow(&mut report).unwrap();
    let basic = store.insert_authorization(app.id, "Basic", &AuthConfig::new_of_kind(AuthKind::Basic)).unwrap();
    store.keep_credentials(basic, Some("ann"), PASSWORD).unwrap();
    assert_eq!(store.test_runs(id, 10).unwrap().len(), 1, "the run is in the history");

    let bytes = || {
        let mut all = Vec::new();
        for suffix in ["", "-wal", "-shm", "-journal"] {
            all.extend(std::fs::read(format!("{}{suffix}", db.display())).unwrap_or_default());
        }
        all
    };
    let open = bytes();
    drop(store);
    for (when, bytes) in [("open", open), ("closed", bytes())] {
        assert!(bytes.windows(6).any(|w| w == b"Sealed"), "the rest stays plain ({when})");
        for secret in [CLIENT_SECRET, ACCESS, REFRESH, CODE, PASSWORD] {
            assert!(!bytes.windows(secret.len()).any(|w| w == secret.as_bytes()), "{secret} is in the files ({when})");
        }
    }
}
