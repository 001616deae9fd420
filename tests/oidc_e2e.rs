//! End to end: the flow engine and `authdeck test` against a real OpenID Connect server (the npm
//! package oidc-provider, started on 127.0.0.1 by tests/support/oidc.rs) with a scripted browser.
//! Needs Node.js 20+ (`npm ci --prefix tests/oidc` is run on first use).
//!
//! Every test takes its own free port for the redirect URI, so they run in parallel against one
//! shared provider; they wait on the engine's events with a timeout, never on a sleep.

#[path = "support/isolated.rs"]
mod isolated;
#[path = "support/oidc.rs"]
mod oidc;
#[path = "support/ports.rs"]
mod ports;

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use authdeck::flow::{
    Credentials, FlowControl, FlowEvent, FlowOptions, FlowReport, FlowRequest, FlowRunner, RunOutcome, StepId,
    StepStatus,
};
use authdeck::model::{AuthConfig, Authorization, ClientAuth, Endpoint, EndpointPurpose, OAuth2Config};
use authdeck::store::Store;
use oidc::{OidcProvider, browser_login, browser_login_async};
use tokio::sync::mpsc;

const SCOPES: &str = "openid profile email offline_access";
const WAIT: Duration = Duration::from_secs(60);

/// One provider for the whole test binary; it exits when the test process closes its stdin.
fn provider() -> &'static OidcProvider {
    static PROVIDER: OnceLock<OidcProvider> = OnceLock::new();
    PROVIDER.get_or_init(OidcProvider::start)
}

use ports::free_port;

struct Client {
    id: &'static str,
    secret: &'static str,
    auth: ClientAuth,
}

const BASIC: Client =
    Client { id: oidc::BASIC_CLIENT_ID, secret: oidc::BASIC_CLIENT_SECRET, auth: ClientAuth::BasicHeader };
const POST: Client =
    Client { id: oidc::POST_CLIENT_ID, secret: oidc::POST_CLIENT_SECRET, auth: ClientAuth::RequestBody };
const PUBLIC: Client = Client { id: oidc::PUBLIC_CLIENT_ID, secret: "", auth: ClientAuth::None };

/// An app with the provider's token and user information endpoints (the defaults authdeck fills
/// in) and an OAuth 2.0 authorization for `client`, saved in a store as the TUI would.
struct Setup {
    store: Store,
    authorization: Authorization,
    endpoints: Vec<Endpoint>,
    redirect_uri: String,
}

fn setup(client: &Client, secret: Option<&str>) -> Setup {
    let provider = provider();
    let mut store = Store::open_in_memory().unwrap();
    let app = store.create_app("OIDC test app").unwrap();
    let mut token =
        Endpoint { app_id: app.id, url: provider.token_endpoint(), ..Endpoint::new_for(EndpointPurpose::Token) };
    token.id = store.insert_endpoint(&token).unwrap();
    let mut me =
        Endpoint { app_id: app.id, url: provider.userinfo_endpoint(), ..Endpoint::new_for(EndpointPurpose::UserInfo) };
    me.id = store.insert_endpoint(&me).unwrap();
    let redirect_uri = format!("http://127.0.0.1:{}/callback", free_port());
    let config = AuthConfig::OAuth2(OAuth2Config {
        client_id: client.id.into(),
        client_secret: secret.unwrap_or(client.secret).into(),
        // A refresh token needs offline_access together with prompt=consent (typed by the user, kept).
        authorization_uri: format!("{}?prompt=consent", provider.authorization_endpoint()),
        scopes: SCOPES.into(),
        token_endpoint: Some(token.id),
        userinfo_endpoint: Some(me.id),
        redirect_uri: redirect_uri.clone(),
        client_auth: client.auth,
        pkce: true,
        ..Default::default()
    });
    let id = store.insert_authorization(app.id, client.id, &config).unwrap();
    let authorization = store.authorization(id).unwrap();
    let endpoints = store.endpoints(app.id).unwrap();
    Setup { store, authorization, endpoints, redirect_uri }
}

fn runner() -> FlowRunner {
    FlowRunner::new(FlowOptions::default()).unwrap()
}

struct Driven {
    report: FlowReport,
    events: Vec<FlowEvent>,
}

/// Runs the flow; when the authorization URL shows up, `browse` plays the user (in a task) with
/// the URL and the run's control (to paste). Returns once `Finished` arrives.
async fn drive<F, Fut>(request: FlowRequest, browse: F) -> Driven
where
    F: FnOnce(String, FlowControl) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (tx, mut rx) = mpsc::channel(64);
    let handle = runner().spawn(request, tx);
    let mut browse = Some(browse);
    let mut events = Vec::new();
    let mut user = None;
    let report = tokio::time::timeout(WAIT, async {
        while let Some(event) = rx.recv().await {
            match &event {
                FlowEvent::AuthorizationUrl { url, .. } => {
                    if let Some(browse) = browse.take() {
                        user = Some(tokio::spawn(browse(url.clone(), handle.control())));
                    }
                }
                FlowEvent::Finished(report) => return (**report).clone(),
                _ => {}
            }
            events.push(event);
        }
        panic!("the events ended without Finished")
    })
    .await
    .unwrap_or_else(|_| panic!("the flow did not finish in time; provider log:\n{}", provider().logs()));
    if let Some(user) = user {
        user.await.expect("the scripted browser");
    }
    Driven { report, events }
}

/// The browser delivers the callback to authdeck's listener.
async fn login_via_listener(url: String, _control: FlowControl) {
    browser_login_async(&url, false, true).await;
}

/// The user copies the redirected URL from the browser and pastes it.
async fn login_and_paste(url: String, control: FlowControl) {
    let redirected = browser_login_async(&url, false, false).await;
    assert!(control.paste(redirected));
}

fn assert_connected(driven: &Driven) {
    let report = &driven.report;
    assert_eq!(report.outcome, RunOutcome::Ok, "{}\nprovider log:\n{}", report.message, provider().logs());
    assert_eq!(report.message, "Connected as Test User <test.user@example.test> (test-user-1).");
    let statuses: Vec<(StepId, StepStatus)> = report.steps.iter().map(|s| (s.step, s.status)).collect();
    assert_eq!(
        statuses,
        [
            StepId::AuthorizationUrl,
            StepId::Callback,
            StepId::CallbackCheck,
            StepId::TokenExchange,
            StepId::IdToken,
            StepId::UserInfo
        ]
        .map(|s| (s, StepStatus::Ok))
    );
    let tokens = report.tokens.as_ref().unwrap();
    assert!(tokens.refresh_token.is_some(), "offline_access + prompt=consent gives a refresh token");
    assert!(tokens.expires_at.is_some());
    assert!(tokens.scopes.contains("openid"), "{}", tokens.scopes);
    let shown = format!("{}\n{:?}", serde_json::to_string(report).unwrap(), driven.events);
    let mut secrets = vec![tokens.access_token.reveal().as_str()];
    secrets.extend(tokens.refresh_token.as_ref().map(|t| t.reveal().as_str()));
    secrets.extend([oidc::BASIC_CLIENT_SECRET, oidc::POST_CLIENT_SECRET]);
    for secret in secrets {
        assert!(!shown.contains(secret), "a secret leaked into the report or the events");
    }
}

fn test_request(s: &Setup) -> FlowRequest {
    FlowRequest::test(&s.authorization, &s.endpoints, Credentials::None).unwrap()
}

#[tokio::test]
async fn client_secret_basic_with_the_callback_through_the_listener() {
    let mut s = setup(&BASIC, None);
    let driven = drive(test_request(&s), login_via_listener).await;
    assert_connected(&driven);
    assert_eq!(driven.report.step(StepId::Callback).unwrap().summary, "received by the listener");
    let exchange = &driven.report.step(StepId::TokenExchange).unwrap().exchanges[0];
    assert!(exchange.request.headers.iter().any(|(n, v)| n == "Authorization" && v == "Basic [redacted]"));
    // The provider's own issuer check parameter came back too; the URL shown has every parameter once.
    let url = driven.events.iter().find_map(|e| match e {
        FlowEvent::AuthorizationUrl { url, .. } => Some(url.clone()),
        _ => None,
    });
    let url = url.unwrap();
    for name in ["prompt=", "response_type=", "client_id=", "redirect_uri=", "scope=", "state=", "code_challenge="] {
        assert_eq!(
            url.matches(&format!("&{name}")).count() + url.matches(&format!("?{name}")).count(),
            1,
            "{name} in {url}"
        );
    }
    std::net::TcpListener::bind(url::Url::parse(&s.redirect_uri).unwrap().socket_addrs(|| None).unwrap()[0])
        .expect("the port is free after the flow");

    let mut report = driven.report;
    let recorded = s.store.record_flow(&mut report).unwrap();
    let connection = s.store.connection(recorded.connection_id.unwrap()).unwrap();
    assert_eq!(connection.identity.id.as_deref(), Some(oidc::TEST_USER_ID));
    assert!(s.store.authorization(s.authorization.id).unwrap().last_test.unwrap().outcome == "ok");
}

#[tokio::test]
async fn client_secret_post_with_the_callback_pasted() {
    let s = setup(&POST, None);
    let driven = drive(test_request(&s), login_and_paste).await;
    assert_connected(&driven);
    assert_eq!(driven.report.step(StepId::Callback).unwrap().summary, "pasted redirected URL");
    let body = driven.report.step(StepId::TokenExchange).unwrap().exchanges[0].request.body.clone().unwrap();
    assert!(body.contains("client_id=post-client") && body.contains("client_secret=[redacted]"), "{body}");
}

#[tokio::test]
async fn public_client_with_pkce() {
    let s = setup(&PUBLIC, None);
    let driven = drive(test_request(&s), login_via_listener).await;
    assert_connected(&driven);
    let request = &driven.report.step(StepId::TokenExchange).unwrap().exchanges[0].request;
    let body = request.body.clone().unwrap();
    assert!(body.contains("client_id=public-client") && body.contains("code_verifier=[redacted]"), "{body}");
    assert!(!request.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("authorization")));
}

#[tokio::test]
async fn refresh_of_a_saved_connection_rotates_and_saves_the_tokens() {
    // The public client's refresh tokens rotate on every use, so the saved one must be replaced.
    let mut s = setup(&PUBLIC, None);
    let mut first = drive(test_request(&s), login_via_listener).await.report;
    let id = s.store.record_flow(&mut first).unwrap().connection_id.unwrap();
    let saved = s.store.connection(id).unwrap();
    let old_refresh = saved.tokens.refresh_token.clone().unwrap();

    let request = FlowRequest::refresh(&s.authorization, &s.endpoints, id, old_refresh.clone()).unwrap();
    let driven = drive(request, |_, _| async { panic!("a refresh opens no browser") }).await;
    let mut report = driven.report;
    assert_eq!(report.outcome, RunOutcome::Ok, "{}\n{}", report.message, provider().logs());
    assert_eq!(
        report.message,
        "Refreshed; the new access token works for Test User <test.user@example.test> (test-user-1)."
    );
    let body = report.step(StepId::Refresh).unwrap().exchanges[0].request.body.clone().unwrap();
    assert_eq!(body, "grant_type=refresh_token&refresh_token=[redacted]&client_id=public-client");

    let recorded = s.store.record_flow(&mut report).unwrap();
    assert_eq!(recorded.connection_id, Some(id));
    let refreshed = s.store.connection(id).unwrap();
    assert_ne!(refreshed.tokens.access_token, saved.tokens.access_token);
    assert_ne!(refreshed.tokens.refresh_token.unwrap(), old_refresh, "the rotated refresh token is saved");
    assert_eq!(s.store.connections(s.authorization.app_id).unwrap().len(), 1);
}

#[tokio::test]
async fn a_wrong_state_is_refused_and_the_real_callback_still_completes() {
    let s = setup(&BASIC, None);
    let driven = drive(test_request(&s), |url, control| async move {
        let redirected = browser_login_async(&url, false, false).await;
        let mut forged = url::Url::parse(&redirected).unwrap();
        let pairs: Vec<(String, String)> = forged
            .query_pairs()
            .map(|(k, v)| {
                let v = if k == "state" { "state-of-another-attempt".into() } else { v.into_owned() };
                (k.into_owned(), v)
            })
            .collect();
        forged.query_pairs_mut().clear().extend_pairs(pairs);
        // Another attempt's callback is refused on its own; the wait goes on for this one.
        assert!(control.paste(forged.to_string()));
        assert!(control.paste(redirected));
    })
    .await;
    let report = &driven.report;
    assert_eq!(report.outcome, RunOutcome::Ok, "{}", report.message);
    let notes = report.step(StepId::Callback).unwrap().notes.join("\n");
    assert!(notes.contains("the state \"state-of-another-attempt\", not this test's"), "{notes}");
    assert_eq!(report.step(StepId::TokenExchange).unwrap().exchanges.len(), 1, "the code is exchanged once");
}

#[tokio::test]
async fn response_mode_form_post_through_the_listener() {
    let mut s = setup(&BASIC, None);
    let AuthConfig::OAuth2(config) = &mut s.authorization.config else { unreachable!() };
    config.response_mode = authdeck::model::ResponseMode::FormPost;
    let driven = drive(test_request(&s), login_via_listener).await;
    assert_connected(&driven);
    // The provider posted the code to the listener: it never sat in an address.
    assert_eq!(driven.report.step(StepId::Callback).unwrap().summary, "received by the listener");
    let url = driven.events.iter().find_map(|e| match e {
        FlowEvent::AuthorizationUrl { url, .. } => Some(url.clone()),
        _ => None,
    });
    assert!(url.unwrap().contains("&response_mode=form_post"));
}

#[tokio::test]
async fn user_denies_consent() {
    let s = setup(&BASIC, None);
    let driven = drive(test_request(&s), |url, _| async move {
        browser_login_async(&url, true, true).await;
    })
    .await;
    let report = &driven.report;
    assert_eq!(report.outcome, RunOutcome::Failed);
    assert_eq!(report.steps.last().unwrap().step, StepId::CallbackCheck);
    assert!(
        report
            .message
            .starts_with("The provider sent back the error access_denied: End-User denied the authorization request."),
        "{}",
        report.message
    );
}

#[tokio::test]
async fn invalid_client_secret_fails_with_the_providers_error() {
    let s = setup(&BASIC, Some("not-the-secret"));
    let driven = drive(test_request(&s), login_via_listener).await;
    let report = &driven.report;
    assert_eq!(report.outcome, RunOutcome::Failed);
    assert_eq!(report.steps.last().unwrap().step, StepId::TokenExchange);
    assert!(report.message.contains("HTTP 401: invalid_client"), "{}", report.message);
    assert!(report.message.contains("Check the Client ID, the Client Secret"), "{}", report.message);
    let shown = serde_json::to_string(report).unwrap();
    assert!(!shown.contains("not-the-secret"));
}

#[tokio::test]
async fn the_wrong_client_authentication_method_is_reported() {
    // basic-client is registered for client_secret_basic; sending the secret in the body is refused.
    let s = setup(&Client { auth: ClientAuth::RequestBody, ..BASIC }, None);
    let driven = drive(test_request(&s), login_and_paste).await;
    let report = &driven.report;
    assert_eq!(report.outcome, RunOutcome::Failed);
    assert!(
        report.message.contains("invalid_client") && report.message.contains("Authorization: Basic header"),
        "{}",
        report.message
    );
}

// ---------------------------------------------------------------------------------------------
// The headless command, as a user runs it over SSH.

/// Saves the setup's store to a file the binary can open.
fn database_for(client: &Client, dir: &std::path::Path) -> (std::path::PathBuf, String) {
    let path = dir.join("authdeck.db");
    let provider = provider();
    let mut store = isolated::open(&path).unwrap();
    let app = store.create_app("OIDC test app").unwrap();
    let token =
        Endpoint { app_id: app.id, url: provider.token_endpoint(), ..Endpoint::new_for(EndpointPurpose::Token) };
    let token_id = store.insert_endpoint(&token).unwrap();
    let me =
        Endpoint { app_id: app.id, url: provider.userinfo_endpoint(), ..Endpoint::new_for(EndpointPurpose::UserInfo) };
    let me_id = store.insert_endpoint(&me).unwrap();
    let redirect_uri = format!("http://127.0.0.1:{}/callback", free_port());
    let config = AuthConfig::OAuth2(OAuth2Config {
        client_id: client.id.into(),
        client_secret: client.secret.into(),
        authorization_uri: format!("{}?prompt=consent", provider.authorization_endpoint()),
        scopes: SCOPES.into(),
        token_endpoint: Some(token_id),
        userinfo_endpoint: Some(me_id),
        redirect_uri: redirect_uri.clone(),
        client_auth: client.auth,
        pkce: true,
        ..Default::default()
    });
    store.insert_authorization(app.id, "OIDC", &config).unwrap();
    (path, redirect_uri)
}

/// What a headless run left behind.
struct CliRun {
    code: i32,
    json: serde_json::Value,
    stderr: String,
    elapsed: Duration,
    /// The log file authdeck wrote (at trace level) in its data directory.
    log: String,
    /// The secrets of the run: the authorization code, and the tokens saved.
    secrets: Vec<String>,
}

/// Runs `authdeck test OIDC --json`, completes the login when the URL is printed (delivering the
/// callback, or pasting the redirected URL on stdin).
fn run_cli(client: &Client, paste: bool) -> CliRun {
    let dir = tempfile::tempdir().unwrap();
    let (db, redirect_uri) = database_for(client, dir.path());
    let port = url::Url::parse(&redirect_uri).unwrap().port().unwrap();
    let started = Instant::now();
    let mut child = isolated::authdeck(&db)
        .args(["test", "OIDC", "--json", "--timeout", "60"])
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .env("AUTHDECK_LOG", "trace")
        .env("SSH_CONNECTION", "10.0.0.5 51234 10.0.0.9 22")
        .env("USER", "dev")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut shown = String::new();
    let mut url = None;
    let mut line = String::new();
    while url.is_none() || !shown.contains("Listening for the callback") {
        line.clear();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "authdeck stopped before printing the URL:\n{shown}");
        shown.push_str(&line);
        if line.trim_start().starts_with(&provider().authorization_endpoint()) {
            url = Some(line.trim().to_owned());
        }
    }
    let url = url.unwrap();
    assert!(shown.contains(&format!("ssh -L {port}:127.0.0.1:{port} dev@10.0.0.9")), "{shown}");
    let redirected = browser_login(&url, false, !paste);
    if paste {
        writeln!(stdin, "{redirected}").unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let elapsed = started.elapsed();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    shown.push_str(&rest);
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("stdout is not JSON ({e}): {}\nstderr:\n{shown}", String::from_utf8_lossy(&out.stdout))
    });
    let log =
        std::fs::read_to_string(dir.path().join("data").join("authdeck").join("authdeck.log")).unwrap_or_default();
    let code = url::Url::parse(&redirected).unwrap().query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned();
    let mut secrets = vec![code];
    for c in isolated::open(&db).unwrap().connections(1).unwrap() {
        secrets.push(c.tokens.access_token.reveal().clone());
        secrets.extend(c.tokens.refresh_token.map(|t| t.reveal().clone()));
    }
    CliRun { code: out.status.code().unwrap_or(-1), json, stderr: shown, elapsed, log, secrets }
}

#[test]
fn headless_test_with_the_callback_on_the_listener() {
    let run = run_cli(&BASIC, false);
    let CliRun { code, ref json, ref stderr, elapsed, .. } = run;
    assert_eq!(code, 0, "{json}\n{stderr}");
    assert_eq!(json["outcome"], "ok");
    assert_eq!(json["identity"]["email"], oidc::TEST_USER_EMAIL);
    assert_eq!(json["authorization"], "OIDC");
    assert!(json["connection_id"].is_i64());
    let steps: Vec<&str> = json["steps"].as_array().unwrap().iter().map(|s| s["step"].as_str().unwrap()).collect();
    assert_eq!(
        steps,
        ["authorization_url", "callback", "callback_check", "token_exchange", "id_token", "user_info", "save"]
    );
    assert!(stderr.contains("[ok] 4. Code exchanged for tokens"), "{stderr}");
    assert!(!json.to_string().contains(oidc::BASIC_CLIENT_SECRET) && !stderr.contains(oidc::BASIC_CLIENT_SECRET));
    // The log file, at trace level, holds the steps but no secret.
    assert!(run.log.contains("flow finished"), "log:\n{}", run.log);
    assert!(run.secrets.len() >= 2, "the code and at least the access token");
    for secret in run.secrets.iter().map(String::as_str).chain([oidc::BASIC_CLIENT_SECRET]) {
        assert!(!run.log.contains(secret), "a secret reached the log file");
        assert!(!json.to_string().contains(secret) && !stderr.contains(secret), "a secret was printed");
    }
    eprintln!("headless authdeck test (start to exit, browser included): {elapsed:?}");
}

#[test]
fn headless_test_with_the_url_pasted_on_stdin() {
    let CliRun { code, json, stderr, .. } = run_cli(&POST, true);
    assert_eq!(code, 0, "{json}\n{stderr}");
    assert_eq!(json["steps"][1]["summary"], "pasted redirected URL");
    assert!(!json.to_string().contains("code=") || json.to_string().contains("code=[redacted]"));
}
