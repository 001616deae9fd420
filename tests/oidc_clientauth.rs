//! End to end against the real OpenID Connect provider (oidc-provider, tests/oidc/): a code flow
//! with each client authentication method that signs (private_key_jwt with an EC key authdeck
//! made and with an RSA key from a PEM file, client_secret_jwt), the assertion fresh on every
//! token-endpoint request (refresh, introspection); pushed authorization requests required and
//! used; DPoP with the provider's nonce challenge, a bound token, refresh with the same key, user
//! info with the DPoP scheme, and the wrong key or a replayed proof refused.
//!
//! One provider for the file; every test has its own store and redirect port, and waits on the
//! engine's events with a timeout.

#[path = "support/oidc.rs"]
mod oidc;

use std::sync::OnceLock;
use std::time::Duration;

use authdeck::flow::keys::PrivateKey;
use authdeck::flow::{
    Credentials, FlowEvent, FlowOptions, FlowReport, FlowRequest, FlowRunner, RunOutcome, StepId, TokenChoice,
};
use authdeck::model::discovery::DiscoveryPlan;
use authdeck::model::{Authorization, ClientAuth, Endpoint, OAuth2Config, SigningAlg};
use authdeck::store::Store;
use oidc::{OidcProvider, browser_login_async};
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(60);
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

fn provider() -> &'static OidcProvider {
    static PROVIDER: OnceLock<OidcProvider> = OnceLock::new();
    PROVIDER.get_or_init(OidcProvider::start)
}

fn runner() -> FlowRunner {
    FlowRunner::new(FlowOptions::default()).unwrap()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// RFC 7591: registers a private_key_jwt client with the provider, as a user pastes the public JWK
/// authdeck printed into a registration form; its client id.
async fn register_key_client(jwk: serde_json::Value, alg: &str) -> String {
    let body = serde_json::json!({
        "application_type": "native",
        "redirect_uris": ["http://127.0.0.1/callback"],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "private_key_jwt",
        "token_endpoint_auth_signing_alg": alg,
        "jwks": {"keys": [jwk]},
    });
    let response = reqwest::Client::new()
        .post(format!("{}/reg", provider().issuer))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("the registration endpoint answers");
    let status = response.status();
    let answer: serde_json::Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert!(status.is_success(), "registration refused: {answer}\n{}", provider().logs());
    answer["client_id"].as_str().unwrap().to_owned()
}

struct Setup {
    store: Store,
    authorization: Authorization,
    endpoints: Vec<Endpoint>,
}

/// An authorization made with discovery, as a user makes one; `adjust` sets what the test is about.
async fn setup(adjust: impl FnOnce(&mut OAuth2Config)) -> Setup {
    let mut store = Store::open_in_memory().unwrap();
    let (found, _) = runner().discover(&provider().issuer).await;
    let found = found.unwrap_or_else(|e| panic!("discovery failed: {e}\n{}", provider().logs()));
    let app = store.apps_or_first().unwrap().remove(0);
    let mut config = OAuth2Config {
        scopes: "openid profile email offline_access".into(),
        authorization_uri: "?prompt=consent".into(),
        redirect_uri: format!("http://127.0.0.1:{}/callback", free_port()),
        ..Default::default()
    };
    adjust(&mut config);
    let name = format!("{} {:?}", config.client_id, config.client_auth);
    let plan = DiscoveryPlan::new(&found.metadata, &name, &config, &store.endpoints(app.id).unwrap());
    let id = store.save_discovered_authorization(app.id, &name, None, config, &plan).unwrap();
    let authorization = store.authorization(id).unwrap();
    let endpoints = store.endpoints(app.id).unwrap();
    Setup { store, authorization, endpoints }
}

struct Driven {
    report: FlowReport,
    events: Vec<FlowEvent>,
}

impl Driven {
    fn assert_ok(&self) {
        let statuses: Vec<_> = self.report.steps.iter().map(|s| (s.step, s.status, s.summary.clone())).collect();
        assert_eq!(
            self.report.outcome,
            RunOutcome::Ok,
            "{}\n{statuses:#?}\n{}",
            self.report.message,
            provider().logs()
        );
    }

    fn step(&self, step: StepId) -> &authdeck::flow::StepRecord {
        self.report.step(step).unwrap_or_else(|| panic!("no {step:?} step: {:?}", self.report.steps))
    }

    /// Everything a screen, a log or the step log could show.
    fn shown(&self) -> String {
        format!("{}\n{:?}", serde_json::to_string(&self.report).unwrap(), self.events)
    }
}

async fn drive(request: FlowRequest) -> Driven {
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
                        browser_login_async(&url, false, true).await;
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

/// The form body of a step's first exchange, as recorded (redacted).
fn request_body(driven: &Driven, step: StepId) -> String {
    driven.step(step).exchanges[0].request.body.clone().unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Client assertions.

#[tokio::test]
async fn private_key_jwt_with_a_key_authdeck_generated() {
    let key = PrivateKey::generate_p256().unwrap();
    let kid = key.thumbprint();
    let client_id = register_key_client(key.public_jwk(Some(&kid), Some("ES256")), "ES256").await;
    let s = setup(|c| {
        c.client_id = client_id.clone();
        c.client_auth = ClientAuth::PrivateKeyJwt;
        c.client_key = key.to_pem();
        c.key_id = kid.clone();
        c.signing_alg = SigningAlg::ES256;
    })
    .await;
    let driven = drive(test_request(&s)).await;
    driven.assert_ok();
    // The issuer offers the method and the algorithm: no warning.
    let discovery = driven.step(StepId::Discovery);
    assert!(discovery.checks.iter().all(|c| c.ok), "{:?}", discovery.checks);
    assert!(discovery.checks.iter().any(|c| c.name == "assertion algorithm"));
    // The code exchange carried a fresh assertion, shown decoded, never as sent.
    let exchange = driven.step(StepId::TokenExchange);
    let body = request_body(&driven, StepId::TokenExchange);
    assert!(body.contains("client_assertion=[redacted]"), "{body}");
    assert!(body.contains(&format!("client_assertion_type={}", urlencode(ASSERTION_TYPE))), "{body}");
    let jwt =
        exchange.jwts.iter().find(|j| j.label.starts_with("Client assertion")).expect("the assertion, decoded").clone();
    assert_eq!((jwt.header["alg"].as_str(), jwt.header["kid"].as_str()), (Some("ES256"), Some(kid.as_str())));
    assert_eq!(jwt.claims["iss"], client_id.as_str());
    assert_eq!(jwt.claims["sub"], client_id.as_str());
    assert_eq!(jwt.claims["aud"], provider().token_endpoint());
    assert!(!driven.shown().contains("BEGIN PRIVATE KEY"), "the key never reaches a record");

    // Refresh and introspection authenticate with new assertions (a replayed jti would be refused).
    let mut report = driven.report;
    let mut store = s.store;
    let id = store.record_flow(&mut report).unwrap().connection_id.unwrap();
    let connection = store.connection(id).unwrap();
    let refresh = FlowRequest::refresh_connection(&s.authorization, &s.endpoints, &connection).unwrap();
    let refreshed = drive(refresh).await;
    refreshed.assert_ok();
    let assertion = &refreshed.step(StepId::Refresh).jwts[0];
    assert_ne!(assertion.claims["jti"], jwt.claims["jti"]);
    let introspect =
        FlowRequest::introspect(&s.authorization, &s.endpoints, &connection, TokenChoice::Refresh).unwrap();
    let introspected = drive(introspect).await;
    introspected.assert_ok();
    let body = request_body(&introspected, StepId::Introspection);
    assert!(body.contains("client_assertion=[redacted]") && body.contains("client_id="), "{body}");
    assert_eq!(introspected.step(StepId::Introspection).jwts.len(), 1);
}

#[tokio::test]
async fn private_key_jwt_with_an_rsa_key_from_a_pem_file() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/client-rsa-key.pem");
    let key = PrivateKey::parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(key.describe(), "RSA 2048-bit key");
    for alg in [SigningAlg::RS256, SigningAlg::PS256] {
        let client_id = register_key_client(key.public_jwk(None, Some(alg.name())), alg.name()).await;
        let s = setup(|c| {
            c.client_id = client_id.clone();
            c.client_auth = ClientAuth::PrivateKeyJwt;
            c.client_key = path.display().to_string();
            c.signing_alg = alg;
            c.scopes = "openid".into();
        })
        .await;
        let driven = drive(test_request(&s)).await;
        driven.assert_ok();
        let jwt = &driven.step(StepId::TokenExchange).jwts[0];
        assert_eq!(jwt.header["alg"], alg.name());
        assert!(jwt.header.get("kid").is_none(), "no kid configured, none sent");
        let notes = &driven.step(StepId::AuthorizationUrl).notes;
        assert!(notes.iter().any(|n| n.contains("RSA 2048-bit key from ") && n.contains(alg.name())), "{notes:?}");
    }
}

#[tokio::test]
async fn client_secret_jwt_signs_with_the_secret() {
    let secret = "fake-client-secret-jwt-secret-0123456789";
    let s = setup(|c| {
        c.client_id = "jwt-secret-client".into();
        c.client_secret = secret.into();
        c.client_auth = ClientAuth::ClientSecretJwt;
        c.scopes = "openid email".into();
    })
    .await;
    let driven = drive(test_request(&s)).await;
    driven.assert_ok();
    let jwt = &driven.step(StepId::TokenExchange).jwts[0];
    assert_eq!(jwt.header["alg"], "HS256");
    assert_eq!(jwt.label, "Client assertion (client_secret_jwt)");
    let body = request_body(&driven, StepId::TokenExchange);
    assert!(!body.contains("client_secret="), "the secret itself never travels: {body}");
    assert!(!driven.shown().contains(secret));
}

/// The assertion's audience may be the issuer instead (RFC 7523 section 3 lets the provider choose).
#[tokio::test]
async fn an_assertion_for_the_issuer_is_accepted_too() {
    let s = setup(|c| {
        c.client_id = "jwt-secret-client".into();
        c.client_secret = "fake-client-secret-jwt-secret-0123456789".into();
        c.client_auth = ClientAuth::ClientSecretJwt;
        c.assertion_audience = authdeck::model::AssertionAudience::Issuer;
        c.scopes = "openid".into();
    })
    .await;
    let driven = drive(test_request(&s)).await;
    driven.assert_ok();
    assert_eq!(driven.step(StepId::TokenExchange).jwts[0].claims["aud"], provider().issuer.as_str());
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
