//! `authdeck check` and the refresh lab against the real OpenID Connect provider (oidc-provider,
//! tests/oidc/): a login, then `check --junit` passes and the report parses as JUnit; the provider
//! restarted with rotated keys (a new `OIDC_PROVIDER_KEYS_FILE`, its grants kept in a state file)
//! and the JWKS drift named; a public client's refresh-token rotation found by the lab, and the
//! reuse refused; a refresh token revoked between two checks gives a clear failure and the
//! "needs an interactive login" hint.
//!
//! Each test logs in through the scripted browser once, then runs the real binary as CI does (no
//! terminal, its own key and data folders).

#[path = "support/oidc.rs"]
mod oidc;
#[path = "support/ports.rs"]
mod ports;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use authdeck::flow::{
    Credentials, FlowEvent, FlowOptions, FlowReport, FlowRequest, FlowRunner, RunOutcome, TokenChoice,
};
use authdeck::model::discovery::DiscoveryPlan;
use authdeck::model::{ClientAuth, Grant, OAuth2Config};
use authdeck::store::{KeySource, Store};
use oidc::{OidcProvider, ProviderOptions, browser_login_async};
use serde_json::Value;
use tokio::sync::mpsc;

const SCOPES: &str = "openid profile email offline_access";
const WAIT: Duration = Duration::from_secs(60);

fn shared_provider() -> &'static OidcProvider {
    static PROVIDER: OnceLock<OidcProvider> = OnceLock::new();
    PROVIDER.get_or_init(OidcProvider::start)
}

struct Client {
    id: &'static str,
    secret: &'static str,
    auth: ClientAuth,
}

const BASIC: Client =
    Client { id: oidc::BASIC_CLIENT_ID, secret: oidc::BASIC_CLIENT_SECRET, auth: ClientAuth::BasicHeader };
const PUBLIC: Client = Client { id: oidc::PUBLIC_CLIENT_ID, secret: "", auth: ClientAuth::None };

fn runner() -> FlowRunner {
    FlowRunner::new(FlowOptions::default()).unwrap()
}

fn store_at(dir: &Path) -> Store {
    Store::open_with_keys(&dir.join("authdeck.db"), KeySource::dir(dir.join("keys"))).unwrap()
}

/// Runs a request to its end; a login goes through the scripted browser.
async fn drive(request: FlowRequest, provider: &OidcProvider) -> FlowReport {
    let (tx, mut rx) = mpsc::channel(64);
    let handle = runner().spawn(request, tx);
    let mut user = None;
    let report = tokio::time::timeout(WAIT, async {
        while let Some(event) = rx.recv().await {
            match event {
                FlowEvent::AuthorizationUrl { url, .. } => {
                    user = Some(tokio::spawn(async move { browser_login_async(&url, false, true).await }));
                }
                FlowEvent::Finished(report) => return *report,
                _ => {}
            }
        }
        panic!("the events ended without Finished")
    })
    .await
    .unwrap_or_else(|_| panic!("the flow did not finish in time; provider log:\n{}", provider.logs()));
    drop(handle);
    if let Some(user) = user {
        user.await.expect("the scripted user");
    }
    report
}

/// A database in `dir` with an authorization of `client` made by discovery, logged in once (its
/// connection and baseline fingerprint saved, as after `t` in the TUI). Its name.
async fn logged_in(provider: &OidcProvider, client: &Client, dir: &Path) -> String {
    let mut store = store_at(dir);
    let (found, _) = runner().discover(&provider.issuer).await;
    let found = found.unwrap_or_else(|e| panic!("discovery failed: {e}\n{}", provider.logs()));
    let app = store.apps_or_first().unwrap().remove(0);
    let config = OAuth2Config {
        client_id: client.id.into(),
        client_secret: client.secret.into(),
        client_auth: client.auth,
        scopes: SCOPES.into(),
        grant: Grant::AuthorizationCode,
        authorization_uri: "?prompt=consent".into(),
        redirect_uri: format!("http://127.0.0.1:{}/callback", ports::free_port()),
        ..Default::default()
    };
    let name = format!("Local {}", client.id);
    let plan = DiscoveryPlan::new(&found.metadata, &name, &config, &store.endpoints(app.id).unwrap());
    let id = store.save_discovered_authorization(app.id, &name, None, config, &plan).unwrap();
    let authorization = store.authorization(id).unwrap();
    let endpoints = store.endpoints(app.id).unwrap();
    let mut report = drive(FlowRequest::test(&authorization, &endpoints, Credentials::None).unwrap(), provider).await;
    assert_eq!(report.outcome, RunOutcome::Ok, "{}\n{}", report.message, provider.logs());
    store.record_flow(&mut report).unwrap();
    name
}

/// `authdeck --db DIR/authdeck.db ARGS…` as CI runs it: no terminal, its own key and data folders.
fn authdeck(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_authdeck"))
        .arg("--db")
        .arg(dir.join("authdeck.db"))
        .args(args)
        .env("AUTHDECK_KEY_DIR", dir.join("keys"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("NO_COLOR", "1")
        .env_remove("AUTHDECK_PASSPHRASE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("run authdeck")
}

/// [`authdeck`] off the test's runtime threads (the binary talks to nothing of the test's, but
/// a blocked runtime would stall the provider's scripted browser of another test).
async fn authdeck_async(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let dir = dir.to_owned();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let out = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        authdeck(&dir, &args)
    })
    .await
    .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
}

fn json_of(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {stdout}"))
}

/// The JUnit report, parsed by a strict XML parser and read as CI systems read it.
fn junit_cases(path: &Path) -> Vec<(String, String, Option<String>, String)> {
    let text = std::fs::read_to_string(path).expect("the report was written");
    let doc = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("not XML ({e}):\n{text}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let suites: Vec<_> = root.children().filter(|n| n.has_tag_name("testsuite")).collect();
    assert_eq!(suites.len(), 1, "{text}");
    let suite = suites[0];
    for attribute in ["name", "tests", "failures", "errors", "skipped", "time", "timestamp"] {
        assert!(suite.attribute(attribute).is_some(), "testsuite has no {attribute}: {text}");
    }
    let cases: Vec<_> = suite.children().filter(|n| n.has_tag_name("testcase")).collect();
    assert_eq!(suite.attribute("tests"), Some(cases.len().to_string().as_str()));
    let failures = cases.iter().filter(|c| c.children().any(|n| n.has_tag_name("failure"))).count();
    assert_eq!(suite.attribute("failures"), Some(failures.to_string().as_str()));
    let skipped = cases.iter().filter(|c| c.children().any(|n| n.has_tag_name("skipped"))).count();
    assert_eq!(suite.attribute("skipped"), Some(skipped.to_string().as_str()));
    cases
        .iter()
        .map(|case| {
            assert!(case.attribute("time").is_some_and(|t| t.parse::<f64>().is_ok()), "{text}");
            let failure = case
                .children()
                .find(|n| n.has_tag_name("failure"))
                .map(|f| f.attribute("message").unwrap_or_default().to_owned());
            let out = case.children().find(|n| n.has_tag_name("system-out")).and_then(|n| n.text()).unwrap_or_default();
            (
                case.attribute("classname").unwrap_or_default().to_owned(),
                case.attribute("name").unwrap_or_default().to_owned(),
                failure,
                out.to_owned(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_then_check_junit_passes_as_valid_junit() {
    let dir = tempfile::tempdir().unwrap();
    let provider = shared_provider();
    let name = logged_in(provider, &BASIC, dir.path()).await;
    let report = dir.path().join("report.xml");
    let (code, stdout, stderr) =
        authdeck_async(dir.path(), &["check", "--all", "--junit", report.to_str().unwrap()]).await;
    // The app's first API-Key authorization, never tested and without a key, is skipped.
    assert!(stdout.contains(&format!("PASS   My App / {name}")), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("The saved access token still works, for Test User <test.user@example.test> (test-user-1)."),
        "{stdout}"
    );
    assert!(stdout.contains("SKIP   My App / API-Key  -  Never tested, and no API key to check with"), "{stdout}");
    assert!(stdout.contains("2 checks: 1 passed, 1 skipped"), "{stdout}");
    assert_eq!(code, 0, "{stdout}");
    let cases = junit_cases(&report);
    assert_eq!(cases.len(), 2);

    let (code, stdout, stderr) =
        authdeck_async(dir.path(), &["check", &name, "--refresh", "--junit", report.to_str().unwrap()]).await;
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("1 check: 1 passed"), "{stdout}");
    let cases = junit_cases(&report);
    assert_eq!(cases.len(), 1);
    let (class, case, failure, out) = &cases[0];
    assert_eq!((class.as_str(), case.as_str(), failure), ("My App", name.as_str(), &None));
    for step in [
        "Issuer metadata",
        "Issuer's signing keys",
        "Saved access token",
        "Refresh-token grant",
        "ID token checked",
        "User information",
    ] {
        assert!(out.contains(step), "{step} is not in the report's output:\n{out}");
    }
    // Redacted: the connection's tokens appear nowhere.
    let connection = store_at(dir.path()).connections(1).unwrap().remove(0);
    let xml = std::fs::read_to_string(&report).unwrap();
    for token in [connection.tokens.access_token.reveal(), connection.tokens.refresh_token.as_ref().unwrap().reveal()] {
        assert!(!xml.contains(token.as_str()) && !stdout.contains(token.as_str()));
    }
    assert!(!xml.contains(oidc::BASIC_CLIENT_SECRET));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_restarted_with_rotated_keys_shows_the_jwks_drift() {
    let dir = tempfile::tempdir().unwrap();
    let env = |keys: &str| {
        vec![
            ("OIDC_PROVIDER_KEYS_FILE".to_owned(), dir.path().join(keys).display().to_string()),
            ("OIDC_PROVIDER_STATE_FILE".to_owned(), dir.path().join("provider-state.json").display().to_string()),
        ]
    };
    let provider = OidcProvider::start_with(&ProviderOptions { port: 0, env: env("keys-1.json") });
    let name = logged_in(&provider, &BASIC, dir.path()).await;
    let (code, stdout, _) = authdeck_async(dir.path(), &["check", &name]).await;
    assert_eq!(code, 0, "{stdout}\n{}", provider.logs());

    // Same issuer, same grants, new signing keys.
    let provider = provider.restart(env("keys-2.json"));
    let (code, stdout, stderr) = authdeck_async(dir.path(), &["check", &name, "--json"]).await;
    assert_eq!(code, 1, "{stdout}\n{stderr}\n{}", provider.logs());
    let doc = json_of(&stdout);
    let check = &doc["checks"][0];
    assert_eq!(check["result"], "fail", "{doc}");
    let drift: Vec<(String, String, String)> = check["drift"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["severity"].as_str().unwrap().into(),
                d["area"].as_str().unwrap().into(),
                d["message"].as_str().unwrap().into(),
            )
        })
        .collect();
    let has =
        |severity: &str, text: &str| drift.iter().any(|(s, a, m)| s == severity && a == "keys" && m.contains(text));
    assert!(has("failure", "the key that signed the last ID token (kid authdeck-test-rsa-"), "{drift:?}");
    assert!(has("failure", ") is no longer in the JWKS"), "{drift:?}");
    assert!(has("warning", "was removed") && has("warning", "was added"), "{drift:?}");
    let signing_removed =
        |(s, _, m): &(String, String, String)| s == "warning" && m.contains("-rsa-") && m.ends_with("was removed");
    assert!(!drift.iter().any(signing_removed), "the signing key gone is said once, as the failure: {drift:?}");
    // The token itself still works (the grants outlived the restart): only the keys drifted.
    assert!(check["message"].as_str().unwrap().contains("still works"), "{check}");
    // A refresh brings an ID token signed by a new key: the connection caught up, so the keys'
    // change is only a warning, said once.
    let (code, stdout, _) = authdeck_async(dir.path(), &["check", &name, "--refresh"]).await;
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.starts_with("WARN ") && stdout.contains("kid authdeck-test-rsa-"), "{stdout}");
    assert!(!stdout.contains("the key that signed the last ID token"), "{stdout}");
    let (code, stdout, _) = authdeck_async(dir.path(), &["check", &name]).await;
    assert!(code == 0 && stdout.starts_with("PASS "), "{stdout}");

    // Rotated again, no refresh: the failed check is no baseline, so the drift is reported again
    // until accepted.
    let provider = provider.restart(env("keys-3.json"));
    let (code, stdout, _) = authdeck_async(dir.path(), &["check", &name]).await;
    assert_eq!(code, 1, "{stdout}\n{}", provider.logs());
    let (code, stdout, _) = authdeck_async(dir.path(), &["check", &name, "--accept"]).await;
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("failure signing keys (JWKS): the key that signed the last ID token"), "{stdout}");
    assert!(stdout.contains("Accepted: what the provider answers now is the new baseline."), "{stdout}");
    let (code, stdout, _) = authdeck_async(dir.path(), &["check", &name]).await;
    assert_eq!(code, 0, "after --accept the new keys are the baseline: {stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_refresh_lab_finds_a_public_clients_rotation_and_the_reuse_refused() {
    let dir = tempfile::tempdir().unwrap();
    let provider = shared_provider();
    let name = logged_in(provider, &PUBLIC, dir.path()).await;

    // Without --reuse nothing is put at risk: two refreshes, and the verdict.
    let (code, stdout, stderr) = authdeck_async(dir.path(), &["lab", "rotation", &name]).await;
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("The provider rotates refresh tokens: each refresh returned a new one."), "{stdout}");
    assert!(stdout.contains("(The reuse test, which may revoke the grant, was not asked for.)"), "{stdout}");

    let (code, stdout, stderr) = authdeck_async(dir.path(), &["lab", "rotation", &name, "--reuse", "--json"]).await;
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let doc = json_of(&stdout);
    assert_eq!(doc["kind"], "rotation_test");
    let steps: Vec<(&str, &str)> = doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["step"].as_str().unwrap(), s["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        steps,
        [
            ("discovery", "ok"),
            ("refresh", "ok"),
            ("second_refresh", "ok"),
            ("reuse_old", "ok"),
            ("after_reuse", "ok"),
            ("save", "ok")
        ],
        "{doc}"
    );
    let summary = |step: &str| {
        doc["steps"].as_array().unwrap().iter().find(|s| s["step"] == step).unwrap()["summary"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(summary("reuse_old").starts_with("refused (invalid_grant)"), "{doc}");
    // oidc-provider detects the reuse and revokes the whole grant (RFC 9700 section 4.14.2).
    assert!(summary("after_reuse").starts_with("refused too: the provider revoked the whole grant"), "{doc}");
    let message = doc["message"].as_str().unwrap();
    assert!(
        message.contains("The replaced one was refused when reused, and then the newest too")
            && message.contains("the connection needs a new login"),
        "{message}"
    );

    // The connection says so, and a check says what to run, without asking the provider.
    let connection = store_at(dir.path()).connections(1).unwrap().remove(0);
    assert_eq!(connection.status, authdeck::flow::ConnectionStatus::NeedsLogin);
    let (code, stdout, _) = authdeck_async(dir.path(), &["check", &name]).await;
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.starts_with("LOGIN ") && stdout.contains("run: authdeck test"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_token_revoked_between_two_checks_needs_an_interactive_login() {
    let dir = tempfile::tempdir().unwrap();
    let provider = shared_provider();
    let name = logged_in(provider, &BASIC, dir.path()).await;
    let (code, stdout, _) = authdeck_async(dir.path(), &["check", &name]).await;
    assert_eq!(code, 0, "{stdout}");

    // Revoked at the provider, behind authdeck's back (the user removed the app's access there).
    let store = store_at(dir.path());
    let connection = store.connections(1).unwrap().remove(0);
    let authorization = store.authorization(connection.authorization_id).unwrap();
    let endpoints = store.endpoints(authorization.app_id).unwrap();
    let revoke = FlowRequest::revoke(&authorization, &endpoints, &connection, TokenChoice::Refresh).unwrap();
    assert!(drive(revoke, provider).await.is_ok());
    drop(store);

    let (code, stdout, stderr) = authdeck_async(dir.path(), &["check", &name]).await;
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(stdout.starts_with(&format!("LOGIN  My App / {name}")), "{stdout}");
    assert!(stdout.contains("refused the refresh token (HTTP 400: invalid_grant"), "{stdout}");
    assert!(stdout.contains(&format!("run: authdeck test '{name}' --app 'My App'")), "{stdout}");
    assert!(stdout.contains("1 check: 1 needs an interactive login"), "{stdout}");
    // From then on the check knows without asking the provider.
    let (code, stdout, _) = authdeck_async(dir.path(), &["check", &name, "--json"]).await;
    let doc = json_of(&stdout);
    assert_eq!((code, doc["checks"][0]["result"].as_str()), (1, Some("needs_login")), "{doc}");
    assert!(doc["checks"][0]["message"].as_str().unwrap().contains("it needs an interactive login"), "{doc}");
    assert_eq!(doc["checks"][0]["steps"], serde_json::json!([]), "nothing was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_credentials_authorization_is_checked_without_a_connection() {
    let dir = tempfile::tempdir().unwrap();
    let provider = shared_provider();
    let mut store = store_at(dir.path());
    let (found, _) = runner().discover(&provider.issuer).await;
    let found = found.unwrap();
    let app = store.apps_or_first().unwrap().remove(0);
    let config = OAuth2Config {
        client_id: BASIC.id.into(),
        client_secret: BASIC.secret.into(),
        client_auth: BASIC.auth,
        grant: Grant::ClientCredentials,
        ..Default::default()
    };
    let plan = DiscoveryPlan::new(&found.metadata, "Machine", &config, &store.endpoints(app.id).unwrap());
    let id = store.save_discovered_authorization(app.id, "Machine", None, config, &plan).unwrap();
    // No user information endpoint: client-credentials tokens are not for oidc-provider's.
    let mut authorization = store.authorization(id).unwrap();
    if let authdeck::model::AuthConfig::OAuth2(c) = &mut authorization.config {
        c.userinfo_endpoint = None;
    }
    store.update_authorization(id, "Machine", &authorization.config).unwrap();
    drop(store);
    let (code, stdout, stderr) = authdeck_async(dir.path(), &["check", "Machine"]).await;
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.starts_with("PASS   My App / Machine") && stdout.contains("Got a new client-credentials access token."),
        "{stdout}"
    );
    assert!(store_at(dir.path()).connections(app.id).unwrap().is_empty(), "a check makes no connection");
}
