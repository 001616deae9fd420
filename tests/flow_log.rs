//! At trace level, a whole code flow writes nothing secret to the log. Its own test binary, so the
//! subscriber can be the global one: no other test shares the process or tracing's interest cache.

use std::sync::{Arc, Mutex};

use authdeck::flow::RunOutcome;
use authdeck::model::ClientAuth;

#[path = "support/fakes.rs"]
mod fakes;
use fakes::*;

/// A log writer for the test below.
#[derive(Clone, Default)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn secrets_never_reach_the_log() {
    let log = LogBuffer::default();
    let writer = log.clone();
    // The global subscriber of this binary, its only test: a thread-local default would race with
    // other tests' threads over tracing's global callsite-interest cache.
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    let server = FakeServer::start(vec![
        ("/token", json(serde_json::json!({"access_token": "at-logged?", "refresh_token": "rt-logged?", "id_token": "idt-logged"}))),
        ("/me", json(serde_json::json!({"sub": "u1"}))),
    ])
    .await;
    let redirect = format!("http://127.0.0.1:{}/callback", free_port());
    let auth = oauth2(ClientAuth::RequestBody, redirect.clone(), true);
    let endpoints = [token_endpoint(server.url("/token")), userinfo_endpoint(server.url("/me"))];
    let driven = drive(oauth_request(&auth, &endpoints), &runner(), paste_callback(redirect)).await;
    assert_eq!(driven.report.outcome, RunOutcome::Ok, "{}", driven.report.message);
    let verifier: String = url::form_urlencoded::parse(server.seen()[0].body.as_bytes())
        .find(|(k, _)| k == "code_verifier")
        .map(|(_, v)| v.into_owned())
        .unwrap();

    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("step ok") && text.contains("flow finished"), "{text}");
    for secret in [CLIENT_SECRET, CODE, "at-logged", "rt-logged", "idt-logged", verifier.as_str()] {
        assert!(!text.contains(secret), "{secret} in the log:\n{text}");
    }
    assert_no_secrets(&driven, &[CLIENT_SECRET, CODE, "at-logged", "rt-logged", "idt-logged", &verifier]);

    // A device flow (through the oauth2 adapter): neither code, nor the tokens, reach the log.
    let device = FakeServer::start_with(|base| {
        vec![
            (
                "/device",
                json(serde_json::json!({"device_code": "dc-logged-device", "user_code": "LOGD-USER",
                    "verification_uri": format!("{base}/activate"),
                    "verification_uri_complete": format!("{base}/activate?user_code=LOGD-USER"), "expires_in": 60})),
            ),
            ("/token", Reply { status: 400, ..json(serde_json::json!({"error": "authorization_pending"})) }),
            (
                "/token",
                json(serde_json::json!({"access_token": "at-device-logged", "token_type": "Bearer",
                "refresh_token": "rt-device-logged", "id_token": "idt-device-logged"})),
            ),
        ]
    })
    .await;
    let mut auth = oauth2(ClientAuth::RequestBody, redirect_uri_unused(), false);
    if let authdeck::model::AuthConfig::OAuth2(c) = &mut auth.config {
        c.grant = authdeck::model::Grant::DeviceCode;
        c.device_endpoint = Some(3);
    }
    let endpoint = authdeck::model::Endpoint {
        id: 3,
        app_id: 1,
        url: device.url("/device"),
        ..authdeck::model::Endpoint::new_for(authdeck::model::EndpointPurpose::DeviceAuthorization)
    };
    let endpoints = [token_endpoint(device.url("/token")), endpoint];
    let runner = authdeck::flow::FlowRunner::new(authdeck::flow::FlowOptions {
        poll_second: std::time::Duration::from_millis(1),
        ..authdeck::flow::FlowOptions::default()
    })
    .unwrap();
    let driven = drive(oauth_request(&auth, &endpoints), &runner, |_, _| {}).await;
    assert_eq!(driven.report.outcome, RunOutcome::Ok, "{}", driven.report.message);
    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    let secrets = ["dc-logged-device", "LOGD-USER", "at-device-logged", "rt-device-logged", "idt-device-logged"];
    for secret in secrets.iter().chain(&[CLIENT_SECRET]) {
        assert!(!text.contains(secret), "{secret} in the log:\n{text}");
    }
    assert_no_secrets(&driven, &secrets);
}

fn redirect_uri_unused() -> String {
    "http://127.0.0.1:8976/callback".into()
}
