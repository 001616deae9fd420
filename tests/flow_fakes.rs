//! The flow engine against small fake servers on 127.0.0.1, for what a real provider won't do:
//! form-encoded and nested token responses, `ok: false` with HTTP 200, HTML error pages, slow and
//! oversized answers, refused connections, DNS and TLS failures, template mistakes; and the paths
//! around them: the listener (strays, the callback), pastes, wrong state, cancel, API-Key, Basic,
//! refresh, saving. Every test waits on the engine's events with a timeout, never on a sleep.

use std::collections::BTreeMap;
use std::time::Duration;

use authdeck::flow::{
    Credentials, FlowEvent, FlowOptions, FlowRequest, FlowRunner, ListenerStatus, RunOutcome, StepId, StepStatus,
};
use authdeck::model::redact::Sensitive;
use authdeck::model::{
    ApiKeyConfig, AuthConfig, Authorization, BasicConfig, BodyKind, ClientAuth, KeyPlacement, ResponseMapping,
};
use authdeck::store::Store;
use base64::Engine as _;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

#[path = "support/fakes.rs"]
mod fakes;
use fakes::*;

// ---------------------------------------------------------------------------------------------
// Token responses.

#[tokio::test]
async fn form_encoded_token_response_like_github() {
    let server = FakeServer::start(vec![
        (
            "/login/oauth/access_token",
            reply(
                200,
                "application/x-www-form-urlencoded",
                "access_token=gho_fakeToken789&scope=read%2Cuser%3Aemail&token_type=bearer",
            ),
        ),
        ("/user", json(serde_json::json!({"id": 583231, "login": "octocat", "email": null}))),
    ])
    .await;
    let redirect = format!("http://127.0.0.1:{}/callback", free_port());
    let auth = oauth2(ClientAuth::BasicHeader, redirect.clone(), true);
    let mut userinfo = userinfo_endpoint(server.url("/user"));
    userinfo.mapping = ResponseMapping {
        user_id: "id".into(),
        user_name: "login".into(),
        user_email: "email".into(),
        ..Default::default()
    };
    let endpoints = [token_endpoint(server.url("/login/oauth/access_token")), userinfo];

    let driven = drive(oauth_request(&auth, &endpoints), &runner(), paste_callback(redirect.clone())).await;
    assert_eq!(driven.report.outcome, RunOutcome::Ok, "{}", driven.report.message);
    assert_eq!(driven.report.message, "Connected as octocat (583231).");
    let tokens = driven.report.tokens.as_ref().unwrap();
    assert_eq!(tokens.access_token.reveal(), "gho_fakeToken789");
    assert_eq!(tokens.scopes, "read,user:email");
    assert_eq!(tokens.token_type.as_deref(), Some("bearer"));

    let seen = server.seen();
    let token_request = &seen[0];
    assert_eq!(token_request.method, "POST");
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("fake-client:{CLIENT_SECRET}"));
    assert_eq!(token_request.headers["authorization"], format!("Basic {basic}"));
    assert_eq!(token_request.headers["content-type"], "application/x-www-form-urlencoded");
    let form: BTreeMap<String, String> =
        url::form_urlencoded::parse(token_request.body.as_bytes()).into_owned().collect();
    assert_eq!(form["grant_type"], "authorization_code");
    assert_eq!(form["code"], CODE);
    assert_eq!(form["redirect_uri"], redirect);
    assert_eq!(form["code_verifier"].len(), 43);
    assert!(!form.contains_key("client_secret"), "Basic auth only: {form:?}");
    // The user information request carries the token as typed in the endpoint's template.
    assert_eq!(seen[1].headers["authorization"], "Bearer gho_fakeToken789");

    let exchange = &driven.report.step(StepId::TokenExchange).unwrap().exchanges[0];
    assert!(exchange.request.body.as_deref().unwrap().contains("code=[redacted]"));
    assert!(exchange.request.body.as_deref().unwrap().contains("code_verifier=[redacted]"));
    assert!(exchange.request.headers.iter().any(|(n, v)| n == "Authorization" && v == "Basic [redacted]"));
    assert_no_secrets(&driven, &[CLIENT_SECRET, CODE, "gho_fakeToken789", &basic, &form["code_verifier"]]);
}

#[tokio::test]
async fn nested_token_path_like_slack() {
    let server = FakeServer::start(vec![
        (
            "/api/oauth.v2.access",
            json(serde_json::json!({"ok": true, "app_id": "A1", "authed_user": {"id": "U1", "scope": "identity.basic",
                "access_token": "xoxp-fake-nested", "token_type": "user"}, "team": {"id": "T1"}})),
        ),
        ("/api/users.identity", json(serde_json::json!({"ok": true, "user": {"id": "U1", "name": "Ann"}}))),
    ])
    .await;
    let redirect = "https://app.example/slack/callback".to_owned();
    let auth = oauth2(ClientAuth::RequestBody, redirect.clone(), true);
    let mut token = token_endpoint(server.url("/api/oauth.v2.access"));
    token.mapping = ResponseMapping {
        access_token: "authed_user.access_token".into(),
        scope: "authed_user.scope".into(),
        token_type: "authed_user.token_type".into(),
        ..Default::default()
    };
    let mut userinfo = userinfo_endpoint(server.url("/api/users.identity"));
    userinfo.mapping =
        ResponseMapping { user_id: "user.id".into(), user_name: "user.name".into(), ..Default::default() };
    let endpoints = [token, userinfo];

    let driven = drive(oauth_request(&auth, &endpoints), &runner(), paste_callback(redirect)).await;
    assert_eq!(driven.report.outcome, RunOutcome::Ok, "{}", driven.report.message);
    let tokens = driven.report.tokens.as_ref().unwrap();
    assert_eq!(tokens.access_token.reveal(), "xoxp-fake-nested");
    assert_eq!(tokens.scopes, "identity.basic");
    assert_eq!(driven.report.identity.as_ref().unwrap().display(), "Ann (U1)");
    // A redirect URI that isn't loopback: no listener, the paste path alone.
    assert!(driven.events.iter().any(|e| matches!(e, FlowEvent::Listener(ListenerStatus::Unavailable { .. }))));
    // client_secret_post: the secret is in the body, not in a header.
    let form: BTreeMap<String, String> =
        url::form_urlencoded::parse(server.seen()[0].body.as_bytes()).into_owned().collect();
    assert_eq!(form["client_secret"], CLIENT_SECRET);
    assert!(!server.seen()[0].headers.contains_key("authorization"));
    // The user token (non-standard "user" type) goes as typed in the template.
    assert_eq!(server.seen()[1].headers["authorization"], "Bearer xoxp-fake-nested");
    assert_no_secrets(&driven, &[CLIENT_SECRET, CODE, "xoxp-fake-nested"]);
}

#[tokio::test]
async fn ok_false_with_http_200_is_a_failure() {
    let server =
        FakeServer::start(vec![("/token", json(serde_json::json!({"ok": false, "error": "invalid_code"})))]).await;
    let redirect = format!("http://127.0.0.1:{}/callback", free_port());
    let auth = oauth2(ClientAuth::BasicHeader, redirect.clone(), false);
    let driven =
        drive(oauth_request(&auth, &[token_endpoint(server.url("/token"))]), &runner(), paste_callback(redirect)).await;
    assert_eq!(driven.report.outcome, RunOutcome::Failed);
    assert_eq!(driven.failed_step(), StepId::TokenExchange);
    assert!(
        driven.report.message.contains("HTTP 200, but its body reports a failure: invalid_code"),
        "{}",
        driven.report.message
    );
    assert!(driven.report.tokens.is_none());
    // The failed exchange is in the step's record, response included.
    let record = driven.report.step(StepId::TokenExchange).unwrap();
    assert_eq!(record.exchanges[0].response.as_ref().unwrap().status, 200);
}

#[tokio::test]
async fn provider_error_is_shown_as_sent() {
    let body = serde_json::json!({"error": "invalid_grant", "error_description": "grant request is invalid"});
    let server = FakeServer::start(vec![("/token", Reply { status: 400, ..json(body) })]).await;
    let redirect = format!("http://127.0.0.1:{}/callback", free_port());
    let auth = oauth2(ClientAuth::BasicHeader, redirect.clone(), false);
    let driven =
        drive(oauth_request(&auth, &[token_endpoint(server.url("/token"))]), &runner(), paste_callback(redirect)).await;
    assert_eq!(driven.report.outcome, RunOutcome::Failed);
    assert!(
        driven.report.message.contains("HTTP 400: invalid_grant (grant request is invalid)"),
        "{}",
        driven.report.message
    );
    assert!(driven.report.message.contains("expired"), "a hint: {}", driven.report.message);
}

#[tokio::test]
async fn html_error_page_where_json_was_expected() {
    let page = "<!DOCTYPE html><html><head><title>Page not found</title></head><body>Oops</body></html>";
    let server = FakeServer::start(vec![("/token", reply(404, "text/html; charset=utf-8", page))]).await;
    let redirect = format!("http://127.0.0.1:{}/callback", free_port());
    let auth = oauth2(ClientAuth::BasicHeader, redirect.clone(), false);
    let driven =
        drive(oauth_request(&auth, &[token_endpoint(server.url("/token"))]), &runner(), paste_callback(redirect)).await;
    assert_eq!(driven.failed_step(), StepId::TokenExchange);
    let message = &driven.report.message;
    assert!(
        message.contains("HTTP 404 with an HTML page (\"Page not found\")")
            && message.contains("Check the endpoint's URL"),
        "{message}"
    );
}

#[tokio::test]
async fn invalid_json_is_named() {
    let server = FakeServer::start(vec![("/token", reply(200, "application/json", "{\"access_token\": "))]).await;
    let redirect = format!("http://127.0.0.1:{}/callback", free_port());
    let auth = oauth2(ClientAuth::BasicHeader, redirect.clone(), false);
    let driven =
        drive(oauth_request(&auth, &[token_endpoint(server.url("/token"))]), &runner(), paste_callback(redirect)).await;
    assert!(driven.report.message.contains("not valid JSON"), "{}", driven.report.message);
}

#[tokio::test]
async fn slow_server_hits_the_request_timeout() {
    let slow = Reply { delay: Duration::from_secs(30), ..json(serde_json::json!({"access_token": "late"})) };
    let server = FakeServer::start(vec![("/token", slow)]).await;
    let redirect = format!("http://127.0.0.1:{}/callback", free_port());
    let auth = oauth2(ClientAuth::BasicHeader, redirect.clone(), false);
    let runner =
        FlowRunner::new(FlowOptions { request_timeout: Duration::from_millis(300), ..FlowOptions::default() }).unwrap();
    let started = std::time::Instant::now();
    let driven =
        drive(oauth_request(&auth, &[token_endpoint(server.url("/token"))]), &runner, paste_callback(redirect)).await;
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(driven.failed_step(), StepId::TokenExchange);
    assert!(
        driven.report.message.contains(&format!("{} did not answer within 300 ms", server.addr)),
        "{}",
        driven.report.message
    );
}

#[tokio::test]
async fn oversized_body_is_cut_at_the_limit() {
    let big = format!("{{\"access_token\": \"x\", \"pad\": \"{}\"}}", "a".repeat(2 * 1024 * 1024));
    for no_length in [false, true] {
        let server =
            FakeServer::start(vec![("/token", Reply { no_length, ..reply(200, "application/json", &big) })]).await;
        let redirect = format!("http://127.0.0.1:{}/callback", free_port());
        let auth = oauth2(ClientAuth::BasicHeader, redirect.clone(), false);
        let driven =
            drive(oauth_request(&auth, &[token_endpoint(server.url("/token"))]), &runner(), paste_callback(redirect))
                .await;
        assert_eq!(driven.failed_step(), StepId::TokenExchange);
        assert!(driven.report.message.contains("more than 1024 KiB"), "{}", driven.report.message);
    }
}

// ---------------------------------------------------------------------------------------------
// Network faults.

#[tokio::test]
async fn refused_dns_and_tls_failures_say_what_happened() {
    let closed = free_port();
    // A server that answers a TLS handshake with plain text, as an http-only port does.
    let plain = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let plain_addr = plain.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = plain.accept().await {
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n").await;
        }
    });
    let cases = [
        (format!("http://127.0.0.1:{closed}/token"), "connection was refused"),
        ("http://authdeck-no-such-host.invalid/token".to_owned(), "DNS lookup failed"),
        (format!("https://{plain_addr}/token"), "secure connection (TLS)"),
    ];
    for (url, expected) in cases {
        let redirect = format!("http://127.0.0.1:{}/callback", free_port());
        let auth = oauth2(ClientAuth::BasicHeader, redirect.clone(), false);
        let driven =
            drive(oauth_request(&auth, &[token_endpoint(url.clone())]), &runner(), paste_callback(redirect)).await;
        assert_eq!(driven.failed_step(), StepId::TokenExchange, "{url}");
        assert!(driven.report.message.contains(expected), "{url}: {}", driven.report.message);
        // The request is recorded even though no response came.
        assert!(driven.report.step(StepId::TokenExchange).unwrap().exchanges[0].response.is_none());
    }
}

// ---------------------------------------------------------------------------------------------
// Templates, the callback, pastes, cancel.

#[tokio::test]
async fn unknown_template_variable_stops_before_anything_is_sent() {
    let server = FakeServer::start(vec![]).await;
    let auth = oauth2(ClientAuth::BasicHeader, format!("http://127.0.0.1:{}/callback", free_port()), false);
    let mut token = token_endpoint(server.url("/token"));
    token.body.push_str("\nclient={{clinet_id}}");
    let driven = drive(oauth_request(&auth, &[token]), &runner(), |_, _| panic!("no URL is shown")).await;
    assert_eq!(driven.failed_step(), StepId::AuthorizationUrl);
    assert!(driven.report.message.contains("Unknown variable {{clinet_id}}"), "{}", driven.report.message);
    assert!(driven.report.message.contains("nothing was sent"), "{}", driven.report.message);
    assert!(server.seen().is_empty());
}

async fn http_get(port: u16, target: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    stream.write_all(format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n").as_bytes()).await.unwrap();
    let mut out = String::new();
    stream.read_to_string(&mut out).await.unwrap();
    out
}

#[tokio::test]
async fn listener_ignores_strays_rejects_bad_pastes_and_takes_the_callback() {
    let server = FakeServer::start(vec![(
        "/token",
        json(serde_json::json!({"access_token": "at-listener", "expires_in": 3600})),
    )])
    .await;
    let port = free_port();
    let redirect = format!("http://127.0.0.1:{port}/callback");
    let auth = oauth2(ClientAuth::BasicHeader, redirect, false);
    let request = oauth_request(&auth, &[token_endpoint(server.url("/token"))]);
    let (page_tx, mut page_rx) = mpsc::channel(1);
    let driven = drive(request, &runner(), move |url, handle| {
        assert!(handle.paste("this is not a URL"));
        assert!(handle.paste("http://127.0.0.1/elsewhere?foo=bar"));
        let state = state_of(&url);
        tokio::spawn(async move {
            let stray = http_get(port, "/favicon.ico").await;
            assert!(stray.starts_with("HTTP/1.1 404"), "{stray}");
            let page = http_get(port, &format!("/callback?code={CODE}&state={state}")).await;
            page_tx.send(page).await.unwrap();
        });
    })
    .await;
    assert_eq!(driven.report.outcome, RunOutcome::Ok, "{}", driven.report.message);
    let page = page_rx.recv().await.unwrap();
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("authdeck received the callback") && page.contains("You can close this tab"), "{page}");
    let rejected: Vec<_> = driven.events.iter().filter(|e| matches!(e, FlowEvent::PasteRejected { .. })).collect();
    assert_eq!(rejected.len(), 2, "{rejected:?}");
    assert!(driven.events.iter().any(|e| matches!(e, FlowEvent::StrayRequest { path, .. } if path == "/favicon.ico")));
    assert!(
        driven
            .events
            .iter()
            .any(|e| matches!(e, FlowEvent::Listener(ListenerStatus::Listening { port: p, .. }) if *p == port))
    );
    assert!(
        driven
            .events
            .iter()
            .any(|e| matches!(e, FlowEvent::Listener(ListenerStatus::Closed { port: p }) if *p == port))
    );
    assert_eq!(driven.report.step(StepId::Callback).unwrap().summary, "received by the listener");
    std::net::TcpListener::bind(("127.0.0.1", port)).expect("the port is free after the flow");
}

#[tokio::test]
async fn a_pasted_code_alone_is_exchanged() {
    let server = FakeServer::start(vec![("/token", json(serde_json::json!({"access_token": "at-code-only"})))]).await;
    let redirect = format!("http://127.0.0.1:{}/callback", free_port());
    let auth = oauth2(ClientAuth::BasicHeader, redirect, false);
    let driven = drive(oauth_request(&auth, &[token_endpoint(server.url("/token"))]), &runner(), |_, handle| {
        handle.paste(format!("  {CODE}\n"));
    })
    .await;
    assert_eq!(driven.report.outcome, RunOutcome::Ok, "{}", driven.report.message);
    let check = driven.report.step(StepId::CallbackCheck).unwrap();
    assert!(check.notes[0].contains("state could not be checked"), "{check:?}");
    assert!(server.seen()[0].body.contains(&format!("code={CODE}")));
}

#[tokio::test]
async fn provider_error_in_the_callback_is_reported_as_sent() {
    let redirect = format!("http://127.0.0.1:{}/callback", free_port());
    let auth = oauth2(ClientAuth::BasicHeader, redirect.clone(), false);
    let request = oauth_request(&auth, &[token_endpoint("http://127.0.0.1:9/token".into())]);
    let driven = drive(request, &runner(), move |url, handle| {
        handle.paste(format!(
            "{redirect}?error=access_denied&error_description=The+user+said+no&state={}",
            state_of(&url)
        ));
    })
    .await;
    assert_eq!(driven.failed_step(), StepId::CallbackCheck);
    assert!(driven.report.message.contains("access_denied: The user said no"), "{}", driven.report.message);
}

#[tokio::test]
async fn cancel_while_waiting_frees_the_port_and_records_cancelled() {
    let port = free_port();
    let auth = oauth2(ClientAuth::BasicHeader, format!("http://127.0.0.1:{port}/callback"), false);
    let request = oauth_request(&auth, &[token_endpoint("http://127.0.0.1:9/token".into())]);
    let (tx, mut rx) = mpsc::channel(64);
    let handle = runner().spawn(request, tx);
    let report = tokio::time::timeout(WAIT, async {
        while let Some(event) = rx.recv().await {
            match event {
                FlowEvent::Listener(ListenerStatus::Listening { .. }) => {
                    assert!(std::net::TcpListener::bind(("127.0.0.1", port)).is_err(), "the listener holds the port");
                    handle.cancel();
                }
                FlowEvent::Finished(report) => return *report,
                _ => {}
            }
        }
        panic!("no Finished event")
    })
    .await
    .unwrap();
    assert_eq!(report.outcome, RunOutcome::Cancelled);
    assert_eq!(report.message, "Cancelled during \"Waiting for the callback\".");
    assert_eq!(report.steps.last().unwrap().status, StepStatus::Cancelled);
    std::net::TcpListener::bind(("127.0.0.1", port)).expect("the port is free after a cancel");

    let mut store = Store::open_in_memory().unwrap();
    let app = store.create_app("Fake").unwrap();
    let config = authdeck::model::AuthConfig::new_of_kind(authdeck::model::AuthKind::OAuth2);
    let id = store.insert_authorization(app.id, "Fake OAuth", &config).unwrap();
    let mut report = report;
    report.authorization_id = id;
    store.record_flow(&mut report).unwrap();
    assert!(store.authorization(id).unwrap().last_test.unwrap().outcome == "cancelled");
}

#[tokio::test]
async fn dropping_the_handle_cancels() {
    let port = free_port();
    let auth = oauth2(ClientAuth::BasicHeader, format!("http://127.0.0.1:{port}/callback"), false);
    let request = oauth_request(&auth, &[token_endpoint("http://127.0.0.1:9/token".into())]);
    let (tx, mut rx) = mpsc::channel(64);
    let mut handle = Some(runner().spawn(request, tx));
    let outcome = tokio::time::timeout(WAIT, async {
        while let Some(event) = rx.recv().await {
            match event {
                FlowEvent::Listener(ListenerStatus::Listening { .. }) => drop(handle.take()),
                FlowEvent::Finished(report) => return report.outcome,
                _ => {}
            }
        }
        panic!("no Finished event")
    })
    .await
    .unwrap();
    assert_eq!(outcome, RunOutcome::Cancelled);
}

#[tokio::test]
async fn port_taken_keeps_the_paste_path() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let redirect = format!("http://127.0.0.1:{}/callback", taken.local_addr().unwrap().port());
    let server = FakeServer::start(vec![("/token", json(serde_json::json!({"access_token": "at-pasted"})))]).await;
    let auth = oauth2(ClientAuth::BasicHeader, redirect.clone(), false);
    let driven =
        drive(oauth_request(&auth, &[token_endpoint(server.url("/token"))]), &runner(), paste_callback(redirect)).await;
    assert_eq!(driven.report.outcome, RunOutcome::Ok, "{}", driven.report.message);
    let status = driven.events.iter().find_map(|e| match e {
        FlowEvent::Listener(s @ ListenerStatus::PortTaken { .. }) => Some(s.message()),
        _ => None,
    });
    assert!(status.unwrap().contains("paste the redirected URL"));
    assert_eq!(driven.report.step(StepId::Callback).unwrap().summary, "pasted redirected URL");
}

#[tokio::test]
async fn callback_wait_times_out() {
    let auth = oauth2(ClientAuth::BasicHeader, format!("http://127.0.0.1:{}/callback", free_port()), false);
    let request = oauth_request(&auth, &[token_endpoint("http://127.0.0.1:9/token".into())]);
    let runner =
        FlowRunner::new(FlowOptions { callback_timeout: Duration::from_millis(200), ..FlowOptions::default() })
            .unwrap();
    let driven = drive(request, &runner, |_, _| {}).await;
    assert_eq!(driven.failed_step(), StepId::Callback);
    assert!(driven.report.message.starts_with("No callback arrived within 200 ms"), "{}", driven.report.message);
}

// ---------------------------------------------------------------------------------------------
// Public client, JSON body, refresh, API-Key, Basic, saving.

#[tokio::test]
async fn public_client_with_json_body_sends_client_id_and_verifier() {
    let server = FakeServer::start(vec![(
        "/v1/oauth/token",
        json(serde_json::json!({"access_token": "secret_notion", "bot_id": "b1"})),
    )])
    .await;
    let redirect = format!("http://127.0.0.1:{}/callback", free_port());
    let auth = oauth2(ClientAuth::None, redirect.clone(), false);
    let mut token = token_endpoint(server.url("/v1/oauth/token"));
    token.body_kind = BodyKind::Json;
    token.body = r#"{"grant_type": "authorization_code", "code": "{{code}}", "redirect_uri": "{{redirect_uri}}", "code_verifier": "{{code_verifier}}"}"#.into();
    let driven = drive(oauth_request(&auth, &[token]), &runner(), paste_callback(redirect)).await;
    assert_eq!(driven.report.outcome, RunOutcome::Ok, "{}", driven.report.message);
    let sent = &server.seen()[0];
    assert_eq!(sent.headers["content-type"], "application/json");
    let body: serde_json::Value = serde_json::from_str(&sent.body).unwrap();
    assert_eq!(body["client_id"], "fake-client");
    assert_eq!(body["code"], CODE);
    assert!(body.get("client_secret").is_none());
    assert!(!sent.headers.contains_key("authorization"));
    let verifier = body["code_verifier"].as_str().unwrap();
    assert_eq!(verifier.len(), 43);
    assert_eq!(driven.report.step(StepId::UserInfo).unwrap().status, StepStatus::Skipped);
    assert_no_secrets(&driven, &[CODE, verifier, "secret_notion"]);
}

#[tokio::test]
async fn refresh_sends_a_standard_grant_and_keeps_the_unrotated_token() {
    let server = FakeServer::start(vec![
        ("/token", json(serde_json::json!({"access_token": "at-refreshed", "expires_in": 60, "token_type": "Bearer"}))),
        ("/me", json(serde_json::json!({"sub": "u1", "name": "Ann"}))),
    ])
    .await;
    let auth = oauth2(ClientAuth::BasicHeader, "http://127.0.0.1:8976/callback".into(), true);
    let endpoints = [token_endpoint(server.url("/token")), userinfo_endpoint(server.url("/me"))];
    let request = FlowRequest::refresh(&auth, &endpoints, 7, Sensitive::new("rt-old-123".into())).unwrap();
    assert_eq!(request.steps(), StepId::REFRESH.to_vec());
    let driven = drive(request, &runner(), |_, _| panic!("no authorization URL in a refresh")).await;
    assert_eq!(driven.report.outcome, RunOutcome::Ok, "{}", driven.report.message);
    assert_eq!(driven.report.on_connection, Some(7));
    let tokens = driven.report.tokens.as_ref().unwrap();
    assert_eq!(tokens.access_token.reveal(), "at-refreshed");
    assert_eq!(tokens.refresh_token.as_ref().unwrap().reveal(), "rt-old-123");
    assert!(driven.report.step(StepId::Refresh).unwrap().summary.ends_with("(same refresh token)"));
    let form: BTreeMap<String, String> =
        url::form_urlencoded::parse(server.seen()[0].body.as_bytes()).into_owned().collect();
    assert_eq!(
        form,
        BTreeMap::from([("grant_type".into(), "refresh_token".into()), ("refresh_token".into(), "rt-old-123".into())])
    );
    assert!(server.seen()[0].headers["authorization"].starts_with("Basic "));
    assert_eq!(driven.report.message, "Refreshed; the new access token works for Ann (u1).");
    assert_no_secrets(&driven, &["rt-old-123", "at-refreshed", CLIENT_SECRET]);
}

fn api_key_authorization(placement: KeyPlacement, param: &str, template: &str) -> Authorization {
    Authorization {
        id: 3,
        app_id: 1,
        name: "Key".into(),
        config: AuthConfig::ApiKey(ApiKeyConfig {
            placement,
            param_name: param.into(),
            value_template: template.into(),
            key_label: "API Key".into(),
            userinfo_endpoint: Some(2),
        }),
        last_test: None,
    }
}

#[tokio::test]
async fn api_key_in_a_header_or_a_query_parameter() {
    let server = FakeServer::start(vec![("/me", json(serde_json::json!({"sub": "k1", "email": "k@x.test"})))]).await;
    // The default user information endpoint's own Authorization header is replaced by the key's.
    let endpoints = [userinfo_endpoint(server.url("/me?v=2"))];
    let cases =
        [(KeyPlacement::Header, "Authorization", "Token {{api_key}}"), (KeyPlacement::Query, "key", "{{api_key}}")];
    for (placement, param, template) in cases {
        let auth = api_key_authorization(placement, param, template);
        let credentials = Credentials::ApiKey(Sensitive::new("key-secret-42".into()));
        let request = FlowRequest::test(&auth, &endpoints, credentials).unwrap();
        assert_eq!(request.steps(), StepId::CREDENTIALS.to_vec());
        let driven = drive(request, &runner(), |_, _| {}).await;
        assert_eq!(driven.report.outcome, RunOutcome::Ok, "{}", driven.report.message);
        assert_eq!(driven.report.message, "Connected as <k@x.test> (k1).");
        assert!(driven.report.tokens.is_none(), "an API key is never saved");
        if placement == KeyPlacement::Query {
            // The endpoint's "Authorization: Bearer {{access_token}}" has no value in a key test.
            let notes = &driven.report.step(StepId::UserInfo).unwrap().notes;
            assert!(notes[0].starts_with("Left out the header Authorization"), "{notes:?}");
        }
        assert_no_secrets(&driven, &["key-secret-42"]);
    }
    let seen = server.seen();
    assert_eq!(seen[0].headers["authorization"], "Token key-secret-42");
    assert_eq!(seen[1].target, "/me?v=2&key=key-secret-42");
    assert!(!seen[1].headers.contains_key("authorization"));
}

#[tokio::test]
async fn basic_credentials_and_a_401() {
    let server = FakeServer::start(vec![
        ("/me", json(serde_json::json!({"id": 5, "name": "Basic Bob"}))),
        ("/denied", Reply { status: 401, ..json(serde_json::json!({"message": "Bad credentials"})) }),
    ])
    .await;
    let auth = Authorization {
        id: 4,
        app_id: 1,
        name: "Basic".into(),
        config: AuthConfig::Basic(BasicConfig { userinfo_endpoint: Some(2), ..Default::default() }),
        last_test: None,
    };
    let credentials = || Credentials::Basic { username: "bob".into(), password: Sensitive::new("pa55-word".into()) };
    let mut me = userinfo_endpoint(server.url("/me"));
    me.mapping.user_id = "id".into();
    let driven = drive(FlowRequest::test(&auth, &[me], credentials()).unwrap(), &runner(), |_, _| {}).await;
    assert_eq!(driven.report.outcome, RunOutcome::Ok, "{}", driven.report.message);
    let expected = base64::engine::general_purpose::STANDARD.encode("bob:pa55-word");
    assert_eq!(server.seen()[0].headers["authorization"], format!("Basic {expected}"));
    assert_no_secrets(&driven, &["pa55-word", &expected]);

    let denied = userinfo_endpoint(server.url("/denied"));
    let driven = drive(FlowRequest::test(&auth, &[denied], credentials()).unwrap(), &runner(), |_, _| {}).await;
    assert_eq!(driven.report.outcome, RunOutcome::Failed);
    assert!(
        driven.report.message.contains("HTTP 401: error (Bad credentials)")
            || driven.report.message.contains("HTTP 401"),
        "{}",
        driven.report.message
    );
}

#[tokio::test]
async fn a_successful_test_is_saved_as_a_connection() {
    let server = FakeServer::start(vec![
        ("/token", json(serde_json::json!({"access_token": "at-save", "refresh_token": "rt-save", "expires_in": 3600, "scope": "read"}))),
        ("/me", json(serde_json::json!({"sub": "u9", "name": "Saved User", "email": "s@x.test"}))),
    ])
    .await;
    let mut store = Store::open_in_memory().unwrap();
    let app = store.create_app("Fake").unwrap();
    let mut token = token_endpoint(server.url("/token"));
    token.app_id = app.id;
    token.id = store.insert_endpoint(&token).unwrap();
    let mut me = userinfo_endpoint(server.url("/me"));
    me.app_id = app.id;
    me.id = store.insert_endpoint(&me).unwrap();
    let redirect = format!("http://127.0.0.1:{}/callback", free_port());
    let mut config = oauth2(ClientAuth::BasicHeader, redirect.clone(), true).config;
    config.set_endpoint_ids(Some(token.id), Some(me.id));
    let id = store.insert_authorization(app.id, "Saved", &config).unwrap();
    let auth = store.authorization(id).unwrap();
    let endpoints = store.endpoints(app.id).unwrap();

    let driven = drive(oauth_request(&auth, &endpoints), &runner(), paste_callback(redirect)).await;
    let mut report = driven.report;
    let recorded = store.record_flow(&mut report).unwrap();
    assert_eq!(report.steps.last().unwrap().step, StepId::Save);
    let connection = store.connection(recorded.connection_id.unwrap()).unwrap();
    assert_eq!(connection.identity.email.as_deref(), Some("s@x.test"));
    assert_eq!(connection.tokens.refresh_token.as_ref().unwrap().reveal(), "rt-save");
    assert_eq!(connection.tokens.scopes, "read");
    let run = &store.test_runs(id, 1).unwrap()[0];
    assert_eq!(run.outcome, Some(RunOutcome::Ok));
    assert_eq!(run.steps.len(), 6);
    let steps = serde_json::to_string(&run.steps).unwrap();
    for secret in ["at-save", "rt-save", CODE, CLIENT_SECRET] {
        assert!(!steps.contains(secret), "{secret} in the saved steps");
    }
}
