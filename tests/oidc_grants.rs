//! End to end against the real OpenID Connect provider (oidc-provider, tests/oidc/): discovery
//! filling a working authorization; the code flow's ID token passing every check, in each signing
//! algorithm; the device flow approved and refused on the provider's own pages; client credentials
//! with Basic and body authentication; refresh rotation and reuse refused; revoke, then introspect
//! says inactive; `authdeck discover`, `refresh`, `revoke` and `introspect` headless.
//!
//! Every test has its own store and redirect port, and waits on the engine's events with a
//! timeout (the device flow's polling interval is shortened by `FlowOptions::poll_second`).

#[path = "support/cli.rs"]
mod cli;
use cli::isolated;
#[path = "support/oidc.rs"]
mod oidc;
#[path = "support/ports.rs"]
mod ports;

use std::sync::OnceLock;
use std::time::Duration;

use authdeck::flow::{
    ConnectionStatus, Credentials, FlowEvent, FlowOptions, FlowReport, FlowRequest, FlowRunner, PollAnswer, RunOutcome,
    StepId, StepStatus, TokenChoice,
};
use authdeck::model::discovery::DiscoveryPlan;
use authdeck::model::{AuthConfig, Authorization, ClientAuth, Endpoint, EndpointPurpose, Grant, OAuth2Config};
use authdeck::store::Store;
use oidc::{OidcProvider, browser_login_async, device_login_async};
use tokio::sync::mpsc;

const SCOPES: &str = "openid profile email offline_access";
const WAIT: Duration = Duration::from_secs(60);

fn provider() -> &'static OidcProvider {
    static PROVIDER: OnceLock<OidcProvider> = OnceLock::new();
    PROVIDER.get_or_init(OidcProvider::start)
}

/// A runner whose device-flow "second" is 20 ms: the provider's 5 s interval takes 100 ms.
fn runner() -> FlowRunner {
    FlowRunner::new(FlowOptions { poll_second: Duration::from_millis(20), ..FlowOptions::default() }).unwrap()
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

/// An authorization made as a user makes it with discovery: the Issuer typed, the document read,
/// the endpoints it names created, the rest as the user would fill it in. A refresh token needs
/// `prompt=consent` with offline_access, which the user typed into the Authorization URI (kept).
struct Setup {
    store: Store,
    authorization: Authorization,
    endpoints: Vec<Endpoint>,
    plan: DiscoveryPlan,
}

async fn discovered(store: Store, client: &Client, grant: Grant, scopes: &str) -> Setup {
    let mut store = store;
    let provider = provider();
    let (found, _) = runner().discover(&provider.issuer).await;
    let found = found.unwrap_or_else(|e| panic!("discovery failed: {e}\n{}", provider.logs()));
    let app = store.apps_or_first().unwrap().remove(0);
    let config = OAuth2Config {
        client_id: client.id.into(),
        client_secret: client.secret.into(),
        client_auth: client.auth,
        scopes: scopes.into(),
        grant,
        authorization_uri: "?prompt=consent".into(),
        redirect_uri: format!("http://127.0.0.1:{}/callback", free_port()),
        ..Default::default()
    };
    let name = format!("{} {}", client.id, grant.code());
    let plan = DiscoveryPlan::new(&found.metadata, &name, &config, &store.endpoints(app.id).unwrap());
    let id = store.save_discovered_authorization(app.id, &name, None, config, &plan).unwrap();
    let authorization = store.authorization(id).unwrap();
    let endpoints = store.endpoints(app.id).unwrap();
    Setup { store, authorization, endpoints, plan }
}

async fn setup(client: &Client, grant: Grant, scopes: &str) -> Setup {
    discovered(Store::open_in_memory().unwrap(), client, grant, scopes).await
}

struct Driven {
    report: FlowReport,
    events: Vec<FlowEvent>,
}

impl Driven {
    fn statuses(&self) -> Vec<(StepId, StepStatus)> {
        self.report.steps.iter().map(|s| (s.step, s.status)).collect()
    }

    fn shown(&self) -> String {
        format!("{}\n{:?}", serde_json::to_string(&self.report).unwrap(), self.events)
    }

    fn assert_ok(&self) {
        assert_eq!(
            self.report.outcome,
            RunOutcome::Ok,
            "{}\n{:?}\n{}",
            self.report.message,
            self.statuses(),
            provider().logs()
        );
    }
}

/// Runs the request; the user logs in through the browser (the callback reaching the listener) or,
/// for a device code, on the provider's device page (`deny` refuses there).
async fn drive(request: FlowRequest, deny: bool) -> Driven {
    let (tx, mut rx) = mpsc::channel(64);
    let handle = runner().spawn(request, tx);
    let mut events = Vec::new();
    let mut user = None;
    let report = tokio::time::timeout(WAIT, async {
        while let Some(event) = rx.recv().await {
            match &event {
                FlowEvent::AuthorizationUrl { url, .. } => {
                    let url = url.clone();
                    user = Some(tokio::spawn(async move {
                        browser_login_async(&url, deny, true).await;
                    }));
                }
                FlowEvent::DeviceCode(device) => {
                    let url = device.verification_uri_complete.as_ref().expect("the provider gives the complete URI");
                    let url = url.reveal().clone();
                    user = Some(tokio::spawn(async move {
                        let answer = device_login_async(&url, deny).await;
                        assert_eq!(answer, if deny { "denied" } else { "approved" });
                    }));
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
    drop(handle);
    if let Some(user) = user {
        user.await.expect("the scripted user");
    }
    Driven { report, events }
}

fn test_request(s: &Setup) -> FlowRequest {
    FlowRequest::test(&s.authorization, &s.endpoints, Credentials::None).unwrap()
}

fn check_names(driven: &Driven, step: StepId) -> Vec<(String, bool)> {
    driven.report.step(step).unwrap().checks.iter().map(|c| (c.name.clone(), c.ok)).collect()
}

// ---------------------------------------------------------------------------------------------
// Discovery and the ID token.

#[tokio::test]
async fn discovery_fills_an_authorization_whose_code_flow_passes_every_check() {
    let mut s = setup(&BASIC, Grant::AuthorizationCode, SCOPES).await;
    let created: Vec<EndpointPurpose> = s.plan.endpoints.iter().map(|p| p.purpose).collect();
    assert_eq!(
        created,
        [
            EndpointPurpose::Token,
            EndpointPurpose::UserInfo,
            EndpointPurpose::DeviceAuthorization,
            EndpointPurpose::Revocation,
            EndpointPurpose::Introspection,
            EndpointPurpose::Jwks
        ]
    );
    let AuthConfig::OAuth2(config) = &s.authorization.config else { panic!() };
    assert_eq!(config.issuer, provider().issuer);
    assert_eq!(config.authorization_uri, format!("{}?prompt=consent", provider().authorization_endpoint()));

    let driven = drive(test_request(&s), false).await;
    driven.assert_ok();
    let statuses = driven.statuses();
    let ran: Vec<StepId> = statuses.iter().map(|(s, _)| *s).collect();
    assert_eq!(
        ran,
        [
            StepId::Discovery,
            StepId::AuthorizationUrl,
            StepId::Callback,
            StepId::CallbackCheck,
            StepId::TokenExchange,
            StepId::IdToken,
            StepId::UserInfo
        ]
    );
    assert!(statuses.iter().all(|(_, status)| *status == StepStatus::Ok));
    // The issuer's metadata fits the authorization: no warning.
    assert!(driven.report.step(StepId::Discovery).unwrap().checks.iter().all(|c| c.ok), "{:?}", driven.report.steps[0]);
    // RFC 9207: the callback's iss is the issuer's (oidc-provider sends it and says so).
    assert!(check_names(&driven, StepId::CallbackCheck).contains(&("iss".into(), true)));
    // Every ID token check, each its own line, passes.
    let checks = check_names(&driven, StepId::IdToken);
    let names: Vec<&str> = checks.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["alg", "signature", "iss", "aud", "exp", "iat", "nonce", "sub"]);
    assert!(checks.iter().all(|(_, ok)| *ok), "{checks:?}");
    let jwt = &driven.report.step(StepId::IdToken).unwrap().jwts[0];
    assert_eq!((jwt.header["alg"].as_str(), jwt.header["kid"].as_str()), (Some("RS256"), Some("authdeck-test-rsa")));
    assert_eq!(jwt.claims["sub"], oidc::TEST_USER_ID);
    let tokens = driven.report.tokens.clone().unwrap();
    let id_token = tokens.id_token.as_ref().unwrap().reveal().clone();
    assert!(!driven.shown().contains(&id_token), "the ID token itself is never shown");
    assert!(!driven.shown().contains(oidc::BASIC_CLIENT_SECRET));

    let mut report = driven.report;
    let saved = s.store.record_flow(&mut report).unwrap().connection_id.unwrap();
    let connection = s.store.connection(saved).unwrap();
    assert_eq!(connection.tokens.id_token.unwrap().reveal(), &id_token);
    assert_eq!(connection.grant, Some(Grant::AuthorizationCode));
    assert!(connection.tokens.refresh_token.is_some(), "offline_access with prompt=consent");
}

#[tokio::test]
async fn id_tokens_in_each_signing_algorithm_verify() {
    for (id, secret, alg) in oidc::ALG_CLIENTS {
        let client = Client { id, secret, auth: ClientAuth::BasicHeader };
        let s = setup(&client, Grant::AuthorizationCode, "openid email").await;
        let driven = drive(test_request(&s), false).await;
        driven.assert_ok();
        let step = driven.report.step(StepId::IdToken).unwrap();
        assert_eq!(step.jwts[0].header["alg"], alg, "{id}");
        let signature = step.checks.iter().find(|c| c.name == "signature").unwrap();
        assert!(signature.ok && signature.actual.starts_with("valid, key authdeck-test-"), "{id}: {signature:?}");
        assert!(step.summary.contains(alg), "{}", step.summary);
    }
}

// ---------------------------------------------------------------------------------------------
// The device authorization grant (RFC 8628).

#[tokio::test]
async fn device_flow_approved_on_the_providers_page() {
    let s = setup(&PUBLIC, Grant::DeviceCode, SCOPES).await;
    let request = test_request(&s);
    assert_eq!(
        request.steps(),
        [
            StepId::Discovery,
            StepId::DeviceAuthorization,
            StepId::DeviceApproval,
            StepId::IdToken,
            StepId::UserInfo,
            StepId::Save
        ]
    );
    let driven = drive(request, false).await;
    driven.assert_ok();
    assert_eq!(driven.report.message, "Connected as Test User <test.user@example.test> (test-user-1).");
    let device = driven
        .events
        .iter()
        .find_map(|e| match e {
            FlowEvent::DeviceCode(d) => Some(d.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(device.verification_uri, format!("{}/device", provider().issuer));
    assert_eq!(device.interval_secs, 5, "the RFC's default: the provider says none");
    assert!(device.expires_at > authdeck::model::time::now());
    // The user took a while: the provider answered authorization_pending at least once.
    assert!(driven.events.iter().any(|e| matches!(e, FlowEvent::DevicePoll(p) if p.answer == PollAnswer::Pending)));
    // The codes never reach the report or the events' debug text (what a log would hold).
    let user_code = device.user_code.reveal();
    assert!(!driven.shown().contains(user_code.as_str()), "the user code leaked");
    let authorization = &driven.report.step(StepId::DeviceAuthorization).unwrap().exchanges[0];
    let body = authorization.response.as_ref().unwrap().body.clone();
    assert!(
        body.contains("\"device_code\": \"[redacted]\"") && body.contains("\"user_code\": \"[redacted]\""),
        "{body}"
    );
    let approval = driven.report.step(StepId::DeviceApproval).unwrap();
    let poll = approval.exchanges[0].request.body.clone().unwrap();
    assert_eq!(
        poll,
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=[redacted]&client_id=public-client"
    );
    let checks = check_names(&driven, StepId::IdToken);
    assert!(checks.iter().all(|(_, ok)| *ok), "{checks:?}");
    assert!(driven.report.tokens.as_ref().unwrap().refresh_token.is_some());
}

#[tokio::test]
async fn device_flow_refused_on_the_providers_page() {
    let s = setup(&BASIC, Grant::DeviceCode, "openid").await;
    let driven = drive(test_request(&s), true).await;
    assert_eq!(driven.report.outcome, RunOutcome::Failed);
    assert_eq!(driven.report.steps.last().unwrap().step, StepId::DeviceApproval);
    assert!(
        driven.report.message.starts_with("The user refused the request on the other device (access_denied"),
        "{}",
        driven.report.message
    );
    assert!(driven.report.tokens.is_none());
}

// ---------------------------------------------------------------------------------------------
// Client credentials (RFC 6749 section 4.4).

#[tokio::test]
async fn client_credentials_with_basic_and_with_post() {
    for client in [BASIC, POST] {
        let mut s = setup(&client, Grant::ClientCredentials, "").await;
        assert!(s.plan.endpoints.iter().all(|p| p.purpose != EndpointPurpose::UserInfo), "no user to ask about");
        let driven = drive(test_request(&s), false).await;
        driven.assert_ok();
        assert_eq!(driven.report.message, "Got a client-credentials access token for the client itself.");
        assert_eq!(
            driven.statuses(),
            [
                (StepId::Discovery, StepStatus::Ok),
                (StepId::ClientCredentials, StepStatus::Ok),
                (StepId::UserInfo, StepStatus::Skipped)
            ]
        );
        let request = &driven.report.step(StepId::ClientCredentials).unwrap().exchanges[0].request;
        let body = request.body.clone().unwrap();
        assert!(body.starts_with("grant_type=client_credentials"), "{body}");
        match client.auth {
            ClientAuth::BasicHeader => {
                assert!(request.headers.iter().any(|(n, v)| n == "Authorization" && v == "Basic [redacted]"));
                assert!(!body.contains("client_secret"), "{body}");
            }
            _ => assert!(body.contains("client_id=post-client&client_secret=[redacted]"), "{body}"),
        }
        assert!(!driven.shown().contains(client.secret));
        let mut report = driven.report;
        let id = s.store.record_flow(&mut report).unwrap().connection_id.unwrap();
        let connection = s.store.connection(id).unwrap();
        assert_eq!(connection.who(), "the client itself (client credentials)");
    }
}

// ---------------------------------------------------------------------------------------------
// A saved connection: refresh, revoke, introspect, headless.

/// A database file with a tested connection of `client` (code flow, refresh token), as a user
/// has after `t` in the TUI or `authdeck test`.
async fn database_with_a_connection(client: &Client, dir: &std::path::Path) -> (std::path::PathBuf, String, i64) {
    let path = dir.join("authdeck.db");
    let mut s = discovered(isolated::open(&path).unwrap(), client, Grant::AuthorizationCode, SCOPES).await;
    let driven = drive(test_request(&s), false).await;
    driven.assert_ok();
    let mut report = driven.report;
    let id = s.store.record_flow(&mut report).unwrap().connection_id.unwrap();
    (path, s.authorization.name.clone(), id)
}

fn json_of(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_rotates_a_public_clients_token_and_its_reuse_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (db, name, id) = database_with_a_connection(&PUBLIC, dir.path()).await;
    let before = isolated::open(&db).unwrap().connection(id).unwrap();
    let old_refresh = before.tokens.refresh_token.clone().unwrap();

    // Headless: the rotated tokens are saved.
    let out = cli::authdeck_with_stdin(&db, &["refresh", &name, "--json"], "");
    let json = json_of(&out);
    assert_eq!(out.status.code(), Some(0), "{json}");
    assert_eq!(json["kind"], "refresh");
    assert_eq!(json["connection_id"], id);
    let steps: Vec<&str> = json["steps"].as_array().unwrap().iter().map(|s| s["step"].as_str().unwrap()).collect();
    assert_eq!(steps, ["discovery", "refresh", "id_token", "user_info", "save"]);
    let store = isolated::open(&db).unwrap();
    let after = store.connection(id).unwrap();
    assert_ne!(after.tokens.refresh_token.as_ref().unwrap(), &old_refresh, "the public client's refresh token rotated");
    assert_ne!(after.tokens.access_token, before.tokens.access_token);

    // The old refresh token again: refused, explained, and the connection needs a new login.
    let authorization = store.authorization(after.authorization_id).unwrap();
    let endpoints = store.endpoints(authorization.app_id).unwrap();
    let request = FlowRequest::refresh(&authorization, &endpoints, id, old_refresh).unwrap();
    let driven = drive(request, false).await;
    assert_eq!(driven.report.outcome, RunOutcome::Failed);
    let message = &driven.report.message;
    assert!(message.contains("refused the refresh token") && message.contains("already used"), "{message}");
    assert!(message.contains("test the authorization again"), "{message}");
    let mut report = driven.report;
    let mut store = store;
    store.record_flow(&mut report).unwrap();
    let marked = store.connection(id).unwrap();
    assert_eq!(marked.status, ConnectionStatus::NeedsLogin);
    assert!(marked.status_note.contains("invalid_grant"), "{}", marked.status_note);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoke_then_introspect_says_inactive() {
    let dir = tempfile::tempdir().unwrap();
    let (db, name, id) = database_with_a_connection(&BASIC, dir.path()).await;

    let out = cli::authdeck_with_stdin(&db, &["introspect", &name, "--json"], "");
    let json = json_of(&out);
    assert_eq!(out.status.code(), Some(0), "{json}");
    assert_eq!(json["introspection"]["active"], true, "{json}");
    assert_eq!(json["introspection"]["claims"]["client_id"], oidc::BASIC_CLIENT_ID);

    let out = cli::authdeck_with_stdin(&db, &["revoke", &name], "");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert_eq!(stdout.trim(), format!("Revoked the refresh token and the access token of connection {id}."));
    assert!(
        stderr.contains("[ok] 1. Token revoked") && stderr.contains("refresh token and access token revoked"),
        "{stderr}"
    );
    assert_eq!(isolated::open(&db).unwrap().connection(id).unwrap().status, ConnectionStatus::Revoked);

    let out = cli::authdeck_with_stdin(&db, &["introspect", &name, "--json"], "");
    let json = json_of(&out);
    assert_eq!(json["introspection"]["active"], false, "{json}");
    assert!(json["message"].as_str().unwrap().contains("is inactive"), "{json}");

    // A revoked connection is not refreshed: nothing is sent, and the message says what to do.
    let out = cli::authdeck_with_stdin(&db, &["refresh", &name], "");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr.contains("were revoked") && stderr.contains("again to log in anew"), "{stderr}");
    // The connection's tokens never reach the output.
    let tokens = isolated::open(&db).unwrap().connection(id).unwrap().tokens;
    for out in [&stdout, &stderr] {
        assert!(!out.contains(tokens.access_token.reveal().as_str()));
    }
}

#[test]
fn discover_command_prints_the_document_and_creates_the_authorization() {
    let provider = provider();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let out = cli::authdeck_with_stdin(&db, &["discover", &provider.issuer], "");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.starts_with(&format!("Issuer: {}\n", provider.issuer)), "{stdout}");
    assert!(stdout.contains(&format!("Device authorization endpoint: {}/device/auth", provider.issuer)), "{stdout}");
    assert!(stdout.contains("Callbacks carry iss: yes (RFC 9207)"), "{stdout}");
    assert!(
        stdout.contains(&format!("Pushed authorization request endpoint: {}/request", provider.issuer)),
        "{stdout}"
    );
    assert!(stdout.contains("DPoP algorithms: ") && stdout.contains("Client assertion algorithms: "), "{stdout}");

    let args = [
        "discover",
        &provider.issuer,
        "--name",
        "Local",
        "--client-id",
        "post-client",
        "--client-secret-stdin",
        "--json",
    ];
    let out = cli::authdeck_with_stdin(&db, &args, "fake-post-secret\n");
    let json = json_of(&out);
    assert_eq!(out.status.code(), Some(0), "{json}");
    assert_eq!(json["metadata"]["issuer"], provider.issuer.as_str());
    let created = &json["authorization"];
    assert_eq!((created["name"].as_str(), created["created"].as_bool()), (Some("Local"), Some(true)));
    assert_eq!(created["plan"]["endpoints"].as_array().unwrap().len(), 6);
    // The issuer offers client_secret_basic first; this client must use the body: a warning says so.
    let auth = created["checks"].as_array().unwrap().iter().find(|c| c["name"] == "client authentication").unwrap();
    assert_eq!(auth["ok"], true, "basic is offered: {auth}");
    assert!(!json.to_string().contains("fake-post-secret"));

    let store = isolated::open(&db).unwrap();
    let app = store.apps().unwrap().remove(0);
    let authorization = store.authorizations(app.id).unwrap().into_iter().find(|a| a.name == "Local").unwrap();
    let AuthConfig::OAuth2(config) = &authorization.config else { panic!() };
    assert_eq!((config.client_secret.as_str(), config.scopes.as_str()), ("fake-post-secret", "openid profile email"));
    assert_eq!(config.client_auth, ClientAuth::BasicHeader, "the first method offered");
    assert!(authorization.config.endpoint_refs().jwks.is_some());

    // Again: the same authorization and endpoints are updated, none added.
    let out = cli::authdeck_with_stdin(&db, &["discover", &provider.issuer, "--name", "Local"], "");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Updated the OAuth 2.0 authorization \"Local\""));
    assert_eq!(isolated::open(&db).unwrap().endpoints(app.id).unwrap().len(), 6);

    // A client that signs its assertions: the key file is asked for, then its path kept.
    let signed = ["discover", &provider.issuer, "--name", "Signed", "--client-id", "jwt-client"];
    let out = cli::authdeck_with_stdin(&db, &[&signed[..], &["--client-auth", "private-key-jwt"]].concat(), "");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.code() == Some(1) && stderr.contains("--client-key PATH"), "{stderr}");
    let key = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mtls/client-key.pem");
    let key = key.display().to_string();
    let with_key = [&signed[..], &["--client-auth", "private-key-jwt", "--client-key", &key]].concat();
    let out = cli::authdeck_with_stdin(&db, &with_key, "");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let store = isolated::open(&db).unwrap();
    let signed = store.authorizations(app.id).unwrap().into_iter().find(|a| a.name == "Signed").unwrap();
    let AuthConfig::OAuth2(config) = &signed.config else { panic!() };
    assert_eq!((config.client_auth, config.client_key.as_str()), (ClientAuth::PrivateKeyJwt, key.as_str()));

    let out = cli::authdeck_with_stdin(&db, &["discover", &provider.issuer, "--name", "New one"], "");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--client-id"), "{}", String::from_utf8_lossy(&out.stderr));
    let out = cli::authdeck_with_stdin(&db, &["discover", &format!("{}/", provider.issuer)], "");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("a trailing slash counts") || stderr.contains("No discovery document"), "{stderr}");
}

#[tokio::test]
async fn revoking_only_the_access_token_sends_it_with_its_hint() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _, id) = database_with_a_connection(&POST, dir.path()).await;
    let store = isolated::open(&db).unwrap();
    let connection = store.connection(id).unwrap();
    let authorization = store.authorization(connection.authorization_id).unwrap();
    let endpoints = store.endpoints(authorization.app_id).unwrap();
    let request = FlowRequest::revoke(&authorization, &endpoints, &connection, TokenChoice::Access).unwrap();
    let driven = drive(request, false).await;
    driven.assert_ok();
    assert_eq!(driven.report.message, format!("Revoked the access token of connection {id}."));
    let body = driven.report.step(StepId::Revocation).unwrap().exchanges[0].request.body.clone().unwrap();
    assert_eq!(body, "token=[redacted]&token_type_hint=access_token&client_id=post-client&client_secret=[redacted]");
    // oidc-provider revokes every token of the grant whichever one is revoked: the refresh token too.
    let request = FlowRequest::introspect(&authorization, &endpoints, &connection, TokenChoice::Refresh).unwrap();
    let driven = drive(request, false).await;
    driven.assert_ok();
    let introspection = driven.report.introspection.as_ref().unwrap();
    assert_eq!((introspection.active, introspection.token_type_hint.as_str()), (false, "refresh_token"));
    let body = driven.report.step(StepId::Introspection).unwrap().exchanges[0].request.body.clone().unwrap();
    assert!(body.starts_with("token=[redacted]&token_type_hint=refresh_token&"), "{body}");
}
