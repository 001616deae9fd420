//! `authdeck check` against a fake provider that changes between checks, for the drift a real
//! server won't show on demand: a token response that loses a mapped field (a failure) or gains
//! one (a warning), an identity whose id changed (a failure); and what needs no provider at all:
//! API-Key credentials from the environment or kept sealed, an authorization that needs a login,
//! usage mistakes. The binary runs as in CI: no terminal, its own key folder and data folder.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use authdeck::model::{ApiKeyConfig, AuthConfig, Endpoint, EndpointPurpose, KeyPlacement, ResponseMapping};
use authdeck::store::{KeySource, Store};
use serde_json::{Value, json};

#[path = "support/fakes.rs"]
mod fakes;
use fakes::*;

/// The fake provider's moods, switched by the test between checks.
const NORMAL: usize = 0;
const LOSES_EXPIRES_IN: usize = 1;
const GAINS_A_FIELD: usize = 2;
const OTHER_USER: usize = 3;
/// The refresh rotates the refresh token, then the user information endpoint fails.
const ROTATES_THEN_FAILS: usize = 4;

fn provider(phase: Arc<AtomicUsize>) -> Handler {
    Arc::new(move |seen: &Seen, hits: usize| {
        let phase = phase.load(Ordering::SeqCst);
        let path = seen.target.split('?').next().unwrap_or_default();
        match path {
            "/token" => {
                let refresh_token = if phase == ROTATES_THEN_FAILS { "fake-rt-rotated" } else { "fake-rt-1" };
                let mut body = json!({"access_token": format!("fake-at-{hits}"), "token_type": "Bearer",
                    "expires_in": 3600, "refresh_token": refresh_token, "scope": "read"});
                match phase {
                    LOSES_EXPIRES_IN => {
                        body.as_object_mut().unwrap().remove("expires_in");
                    }
                    GAINS_A_FIELD => body["x_new_field"] = json!("fake"),
                    _ => {}
                }
                json(body)
            }
            "/me" if phase == ROTATES_THEN_FAILS => reply(500, "text/plain", "down for maintenance"),
            "/me" => {
                let id = if phase == OTHER_USER { "u2" } else { "u1" };
                fakes::json(json!({"id": id, "name": "Ann", "email": "ann@example.test"}))
            }
            _ => reply(404, "text/plain", "no route"),
        }
    })
}

struct Place {
    dir: tempfile::TempDir,
}

impl Place {
    fn new() -> Place {
        Place { dir: tempfile::tempdir().unwrap() }
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("authdeck.db")
    }

    fn keys(&self) -> PathBuf {
        self.dir.path().join("keys")
    }

    fn store(&self) -> Store {
        Store::open_with_keys(&self.db(), KeySource::dir(self.keys())).unwrap()
    }
}

/// `authdeck --db DB ARGS…` as CI runs it: no terminal, nothing on stdin, its own key and data
/// folders, no colour asked for or refused, `env` added.
fn authdeck(place: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_authdeck"));
    command
        .arg("--db")
        .arg(place.join("authdeck.db"))
        .args(args)
        .env("AUTHDECK_KEY_DIR", place.join("keys"))
        .env("XDG_DATA_HOME", place.join("data"))
        .env_remove("AUTHDECK_PASSPHRASE")
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("run authdeck")
}

async fn check(place: &Place, args: &[&str]) -> (i32, String, String) {
    let dir = place.dir.path().to_owned();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let out = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        authdeck(&dir, &args, &[])
    })
    .await
    .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

fn json_of(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

/// A database with an OAuth 2.0 authorization of the fake, tested (its connection and baseline
/// saved, as after a login in the TUI).
async fn logged_in(place: &Place, server: &FakeServer) -> String {
    let mut store = place.store();
    let app = store.create_app("Fake App").unwrap();
    let token = store
        .insert_endpoint(&Endpoint {
            app_id: app.id,
            url: server.url("/token"),
            ..Endpoint::new_for(EndpointPurpose::Token)
        })
        .unwrap();
    let mut userinfo =
        Endpoint { app_id: app.id, url: server.url("/me"), ..Endpoint::new_for(EndpointPurpose::UserInfo) };
    userinfo.name = "Me".into();
    userinfo.mapping = ResponseMapping {
        user_id: "id".into(),
        user_name: "name".into(),
        user_email: "email".into(),
        ..Default::default()
    };
    let userinfo = store.insert_endpoint(&userinfo).unwrap();
    let redirect = format!("http://127.0.0.1:{}/callback", free_port());
    let mut authorization = oauth2(authdeck::model::ClientAuth::BasicHeader, redirect.clone(), true);
    if let AuthConfig::OAuth2(c) = &mut authorization.config {
        c.token_endpoint = Some(token);
        c.userinfo_endpoint = Some(userinfo);
    }
    let id = store.insert_authorization(app.id, "Fake OAuth", &authorization.config).unwrap();
    let authorization = store.authorization(id).unwrap();
    let endpoints = store.endpoints(app.id).unwrap();
    let driven = drive(oauth_request(&authorization, &endpoints), &runner(), paste_callback(redirect)).await;
    assert!(driven.report.is_ok(), "{}", driven.report.message);
    let mut report = driven.report;
    let recorded = store.record_flow(&mut report).unwrap();
    assert!(store.baseline(id, recorded.connection_id).unwrap().is_some(), "a test keeps its fingerprint");
    "Fake OAuth".into()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_responses_that_lose_or_gain_a_field_and_an_identity_that_changed() {
    let phase = Arc::new(AtomicUsize::new(NORMAL));
    let server = FakeServer::start_handler(provider(phase.clone())).await;
    let place = Place::new();
    let name = logged_in(&place, &server).await;

    // The first check that refreshes: its refresh response is what later ones compare with.
    let (code, stdout, stderr) = check(&place, &["check", &name, "--refresh"]).await;
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.starts_with("PASS   Fake App / Fake OAuth"), "{stdout}");
    assert!(stdout.contains("Refreshed; the new access token works for Ann <ann@example.test> (u1)."), "{stdout}");
    assert!(stdout.ends_with("1 check: 1 passed") || stdout.contains("\n1 check: 1 passed ("), "{stdout}");

    // The provider drops expires_in, which the mapping reads: a failure, named.
    phase.store(LOSES_EXPIRES_IN, Ordering::SeqCst);
    let (code, stdout, _) = check(&place, &["check", &name, "--refresh"]).await;
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.starts_with("FAIL "), "{stdout}");
    assert!(
        stdout.contains("failure refresh response: expires_in is gone (the response mapping reads it)"),
        "{stdout}"
    );
    assert!(!stdout.contains("the mapping of expires in"), "the field gone is said once: {stdout}");
    assert!(stdout.contains("But the provider's answers drifted."), "{stdout}");

    // It gains a field instead (compared with the last good run, not the failed one): a warning,
    // which fails the command only with --fail-on warn.
    phase.store(GAINS_A_FIELD, Ordering::SeqCst);
    let (code, stdout, _) = check(&place, &["check", &name, "--refresh", "--fail-on", "warn", "--json"]).await;
    assert_eq!(code, 1, "{stdout}");
    let doc = json_of(&stdout);
    let first = &doc["checks"][0];
    assert_eq!(first["result"], "warn", "{doc}");
    assert_eq!(first["drift"][0]["severity"], "warning");
    assert_eq!(first["drift"][0]["area"], "refresh_response");
    assert_eq!(first["drift"][0]["message"], "x_new_field is new (string)");
    assert_eq!(doc["summary"]["warned"], 1);
    assert_eq!(doc["exit_code"], 1);
    // A good run (warnings and all) is the new baseline: the same answer again is no drift.
    let (code, stdout, _) = check(&place, &["check", &name, "--refresh"]).await;
    assert_eq!((code, stdout.starts_with("PASS")), (0, true), "{stdout}");

    // Another user's id behind the same connection: a failure; the access token is reused.
    phase.store(OTHER_USER, Ordering::SeqCst);
    let (code, stdout, _) = check(&place, &["check", &name]).await;
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("failure identity: the user's id changed: the tokens are another account's, or the id field now holds something else (was u1, now u2)"),
        "{stdout}"
    );
    assert!(stdout.contains("The saved access token still works, for Ann"), "{stdout}");

    // Nothing secret reached the output, and the checks were recorded.
    for secret in [CLIENT_SECRET, "fake-rt-1", "fake-at-"] {
        assert!(!stdout.contains(secret), "{secret} in {stdout}");
    }
    let store = place.store();
    let rows = store.authorization_rows(None).unwrap();
    let authorization = &rows.iter().find(|r| r.authorization.name == name).unwrap().authorization;
    let checks = store.checks(authorization.id, 10).unwrap();
    assert_eq!(checks.len(), 5);
    assert_eq!(checks[0].drift[0].area, authdeck::model::fingerprint::Area::Identity);

    // The refresh rotates the refresh token, then user information fails: the check fails, but
    // the new refresh token is kept (the provider replaced the saved one; losing it loses the grant).
    phase.store(ROTATES_THEN_FAILS, Ordering::SeqCst);
    let (code, stdout, _) = check(&place, &["check", &name, "--refresh"]).await;
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("saved: connection 1: the renewed tokens kept"), "{stdout}");
    let connection = &place.store().connections(authorization.app_id).unwrap()[0];
    let kept = connection.tokens.refresh_token.as_ref().map(|t| t.reveal().as_str());
    assert_eq!(kept, Some("fake-rt-rotated"), "the rotated refresh token is saved");
    assert_eq!(connection.identity.id.as_deref(), Some("u1"), "the identity stays");

    // CI without the database's key: the tokens can't be opened, which is said as such (not
    // "no refresh token, log in again").
    let elsewhere = place.dir.path().join("other-keys");
    let out = authdeck(place.dir.path(), &["check", &name], &[("AUTHDECK_KEY_DIR", elsewhere.to_str().unwrap())]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("can't be opened here") && stdout.contains("AUTHDECK_KEY_DIR"), "{stdout}");
    assert!(!stdout.contains("interactive login"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_keys_come_from_the_environment_or_the_kept_credentials() {
    let server = FakeServer::start(vec![("/me", json(json!({"id": "k1", "name": "Key owner"})))]).await;
    let place = Place::new();
    let mut store = place.store();
    let app = store.create_app("Keys App").unwrap();
    let mut userinfo =
        Endpoint { app_id: app.id, url: server.url("/me"), ..Endpoint::new_for(EndpointPurpose::UserInfo) };
    userinfo.mapping = ResponseMapping { user_id: "id".into(), user_name: "name".into(), ..Default::default() };
    let userinfo = store.insert_endpoint(&userinfo).unwrap();
    let config = AuthConfig::ApiKey(ApiKeyConfig {
        placement: KeyPlacement::Header,
        param_name: "X-Api-Key".into(),
        userinfo_endpoint: Some(userinfo),
        ..match AuthConfig::new_of_kind(authdeck::model::AuthKind::ApiKey) {
            AuthConfig::ApiKey(c) => c,
            _ => unreachable!(),
        }
    });
    let key_auth = store.insert_authorization(app.id, "Stripe key", &config).unwrap();
    // The API-Key authorization a new app comes with is not this test's.
    let first = store.authorizations(app.id).unwrap().into_iter().find(|a| a.name != "Stripe key").unwrap();
    store.delete_authorization(first.id).unwrap();
    let mut oauth = AuthConfig::new_of_kind(authdeck::model::AuthKind::OAuth2);
    if let AuthConfig::OAuth2(c) = &mut oauth {
        c.token_endpoint = Some(userinfo);
    }
    store.insert_authorization(app.id, "Not logged in", &oauth).unwrap();
    drop(store);
    let dir = place.dir.path();

    // No key anywhere: a clear failure naming the variable; the OAuth one needs a login.
    let out = authdeck(dir, &["check", "--app", "Keys App"], &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    // Found by --app and never tested: skipped, saying what it needs.
    assert!(stdout.contains("SKIP   Keys App / Stripe key  -  Never tested, and no API key to check with: set AUTHDECK_STRIPE_KEY_KEY (or AUTHDECK_KEYS_APP_STRIPE_KEY_KEY)"), "{stdout}");
    assert!(stdout.contains("LOGIN  Keys App / Not logged in  -  \"Not logged in\" has no saved connection: it needs an interactive login first"), "{stdout}");
    assert!(stdout.contains("run: authdeck test 'Not logged in' --app 'Keys App'"), "{stdout}");
    assert!(stdout.contains("2 checks: 1 skipped, 1 needs an interactive login"), "{stdout}");
    let doc = json_of(&String::from_utf8_lossy(&authdeck(dir, &["check", "--app", "Keys App", "--json"], &[]).stdout));
    assert_eq!((doc["checks"][0]["result"].as_str(), doc["summary"]["skipped"].as_u64()), (Some("skip"), Some(1)));
    // Named, it is a failure: a CI that lost its secret must not pass.
    let out = authdeck(dir, &["check", "Stripe key"], &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.starts_with("FAIL   Keys App / Stripe key  -  No API key to check with"), "{stdout}");

    // From the environment: the key goes where the authorization says, and never to the output.
    // Named twice, checked once.
    let out = authdeck(dir, &["check", "Stripe key", "Stripe key"], &[("AUTHDECK_STRIPE_KEY_KEY", "fake-api-key-123")]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("1 check: 1 passed"), "{stdout}");
    assert!(
        stdout.contains("PASS   Keys App / Stripe key") && stdout.contains("The API key works, for Key owner (k1)."),
        "{stdout}"
    );
    assert!(!stdout.contains("fake-api-key-123"));
    let seen = server.seen();
    assert_eq!(seen.last().unwrap().headers.get("x-api-key").map(String::as_str), Some("Bearer fake-api-key-123"));

    // Kept (sealed) for checks: no variable needed; the environment wins over it.
    place.store().keep_credentials(key_auth, None, "fake-kept-key-456").unwrap();
    let out = authdeck(dir, &["check", "Stripe key", "--json"], &[]);
    let doc = json_of(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(doc["checks"][0]["result"], "pass", "{doc}");
    assert_eq!(
        server.seen().last().unwrap().headers.get("x-api-key").map(String::as_str),
        Some("Bearer fake-kept-key-456")
    );
    let out = authdeck(dir, &["credentials", "Stripe key"], &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("AUTHDECK_STRIPE_KEY_KEY (or AUTHDECK_KEYS_APP_STRIPE_KEY_KEY)")
            && stdout.contains("kept in the database (sealed)"),
        "{stdout}"
    );
    let out = authdeck(dir, &["credentials", "Stripe key", "--forget"], &[]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(place.store().kept_credentials(key_auth).unwrap(), None);
    // Checked once, it is no longer skipped when its key goes missing: --app fails on it too.
    let report = dir.join("report.xml");
    let out = authdeck(dir, &["check", "--app", "Keys App", "--junit", report.to_str().unwrap()], &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("FAIL   Keys App / Stripe key  -  No API key to check with: set"), "{stdout}");
    let xml = std::fs::read_to_string(&report).unwrap();
    assert!(xml.contains("failures=\"2\" errors=\"0\" skipped=\"0\""), "{xml}");
}

#[test]
fn usage_mistakes_exit_2_and_say_what_to_do() {
    let place = Place::new();
    let dir = place.dir.path();
    // No database yet: check never creates one.
    let out = authdeck(dir, &["check", "--all"], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("there is no database at") && stderr.contains("AUTHDECK_DB"), "{stderr}");
    assert!(!place.db().exists());
    place.store();
    for (args, expected) in [
        (&["check"][..], "Name the authorizations to check, or give --app APP or --all."),
        (&["check", "Nope"], "No authorization named \"Nope\". `authdeck list` shows them."),
        (&["check", "--app", "Nope"], "No app named \"Nope\"."),
        (&["check", "--all"], "This database has no authorization to check."),
    ] {
        let out = authdeck(dir, args, &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    let out = authdeck(dir, &["check", "--all", "--fail-on", "sometimes"], &[]);
    assert_eq!(out.status.code(), Some(2), "clap's own usage errors exit 2 too");
}

/// Runs a lab request in-process (a runner whose "second" is 5 ms) and records it.
async fn lab(place: &Place, lab: authdeck::flow::Lab) -> authdeck::flow::FlowReport {
    let mut store = place.store();
    let connection = store.connections(1).unwrap().into_iter().next().expect("a connection");
    let authorization = store.authorization(connection.authorization_id).unwrap();
    let endpoints = store.endpoints(authorization.app_id).unwrap();
    let request = authdeck::flow::FlowRequest::lab(&authorization, &endpoints, &connection, lab).unwrap();
    let runner = authdeck::flow::FlowRunner::new(authdeck::flow::FlowOptions {
        poll_second: std::time::Duration::from_millis(5),
        ..Default::default()
    })
    .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let handle = runner.spawn(request, tx);
    let mut report = tokio::time::timeout(WAIT, async {
        while let Some(event) = rx.recv().await {
            if let authdeck::flow::FlowEvent::Finished(report) = event {
                return *report;
            }
        }
        panic!("no Finished")
    })
    .await
    .expect("the lab finished in time");
    drop(handle);
    store.record_flow(&mut report).unwrap();
    report
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lab_forces_expiry_and_probes_the_lifetime() {
    // The access token works for three calls to /me after each refresh, then it is refused.
    let calls_since_refresh = Arc::new(AtomicUsize::new(0));
    let calls = calls_since_refresh.clone();
    let refuse_refresh = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let refuse = refuse_refresh.clone();
    let user_info_down = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let me_down = user_info_down.clone();
    let handler: Handler =
        Arc::new(move |seen: &Seen, hits: usize| match seen.target.split('?').next().unwrap_or_default() {
            "/token" if refuse.load(Ordering::SeqCst) && seen.body.contains("grant_type=refresh_token") => reply(
                400,
                "application/json",
                r#"{"error":"invalid_grant","error_description":"refresh token revoked"}"#,
            ),
            "/token" => {
                calls.store(0, Ordering::SeqCst);
                // A day, in real seconds: the probe's short seconds (5 ms) reach it under no load
                // however heavy, so the token is refused "sooner than said" in every run.
                json(json!({"access_token": format!("fake-at-{hits}"), "token_type": "Bearer", "expires_in": 86_400,
                    "refresh_token": "fake-rt-1"}))
            }
            "/me" if me_down.load(Ordering::SeqCst) => reply(500, "text/plain", "down for maintenance"),
            "/me" if calls.fetch_add(1, Ordering::SeqCst) >= 3 => {
                reply(401, "application/json", r#"{"error":"invalid_token"}"#)
            }
            "/me" => json(json!({"id": "u1", "name": "Ann"})),
            _ => reply(404, "text/plain", "no route"),
        });
    let server = FakeServer::start_handler(handler).await;
    let place = Place::new();
    logged_in(&place, &server).await;

    // Force expiry: the refresh path, as after a 401.
    let report = lab(&place, authdeck::flow::Lab::ForceExpiry).await;
    assert!(report.is_ok(), "{}", report.message);
    let steps: Vec<_> = report.steps.iter().map(|s| s.step).collect();
    use authdeck::flow::StepId;
    assert_eq!(steps, [StepId::MarkedExpired, StepId::Refresh, StepId::UserInfo, StepId::Save]);
    assert!(report.message.starts_with("Forced expiry: the refresh path works"), "{}", report.message);

    // The lifetime probe: refreshed, then called every "second" until refused.
    let report = lab(&place, authdeck::flow::Lab::Lifetime { every_secs: 2, max_secs: 100 }).await;
    assert!(report.is_ok(), "{}", report.message);
    let probe = report.step(StepId::LifetimeProbe).unwrap();
    // Three calls work, the fourth is refused; the times are in the runner's short seconds (the
    // calls' own time counts too, so only their order is asserted).
    let summary = &probe.summary;
    assert!(
        summary.starts_with("refused after ") && summary.contains(" s (4 calls, every 2 s); expires_in said "),
        "{summary}"
    );
    assert!(summary.ends_with("sooner than said"), "{summary}");
    // Bounded: a token that outlives the bound is said to.
    calls_since_refresh.store(0, Ordering::SeqCst);
    let report = lab(&place, authdeck::flow::Lab::Lifetime { every_secs: 1, max_secs: 1 }).await;
    assert!(report.step(StepId::LifetimeProbe).unwrap().summary.contains("the probe's bound"), "{:?}", report.steps);

    // A forced expiry whose refresh works but whose user-info call then fails: the new tokens
    // are saved, and not marked expired (they aren't), the connection active again.
    user_info_down.store(true, Ordering::SeqCst);
    let report = lab(&place, authdeck::flow::Lab::ForceExpiry).await;
    assert!(!report.is_ok(), "{}", report.message);
    let connection = place.store().connections(1).unwrap().remove(0);
    assert_eq!(connection.status, authdeck::flow::ConnectionStatus::Active);
    assert!(
        connection.tokens.expires_at.unwrap() > authdeck::model::time::now() + 3600,
        "{:?}",
        connection.tokens.expires_at
    );
    user_info_down.store(false, Ordering::SeqCst);

    // A forced expiry whose refresh is refused leaves the connection expired and in need of a login.
    refuse_refresh.store(true, Ordering::SeqCst);
    let report = lab(&place, authdeck::flow::Lab::ForceExpiry).await;
    assert!(!report.is_ok());
    let connection = place.store().connections(1).unwrap().remove(0);
    assert_eq!(connection.status, authdeck::flow::ConnectionStatus::NeedsLogin);
    assert!(connection.tokens.expires_at.unwrap() <= authdeck::model::time::now());
    let runs = place.store().test_runs(connection.authorization_id, 10).unwrap();
    let kinds: Vec<_> = runs.iter().filter_map(|r| r.kind).map(|k| k.code()).collect();
    assert_eq!(kinds, ["force_expiry", "force_expiry", "lifetime_probe", "lifetime_probe", "force_expiry", "test"]);
}
