//! End to end against the real OpenID Connect provider (oidc-provider, tests/oidc/): a code flow
//! with each client authentication method that signs (private_key_jwt with an EC key authdeck
//! made and with an RSA key from a PEM file, client_secret_jwt), the assertion fresh on every
//! token-endpoint request (refresh, introspection); pushed authorization requests required and
//! used; DPoP with the provider's nonce challenge, a bound token, refresh with the same key, user
//! info with the DPoP scheme, and the wrong key or a replayed proof refused.
//!
//! One provider for the file; every test has its own store and redirect port, and waits on the
//! engine's events with a timeout.

#[path = "support/ports.rs"]
mod ports;
use ports::free_port;
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
        // With PAR and DPoP too: every request that is sent again after a DPoP nonce challenge
        // carries a fresh assertion (the provider refuses a jti it has seen).
        c.par = true;
        c.dpop = true;
    })
    .await;
    let driven = drive(test_request(&s)).await;
    driven.assert_ok();
    // The token exchange used the newest nonce (no second try); its binding was checked by
    // introspection, itself authenticated with its own fresh assertion.
    let token = driven.step(StepId::TokenExchange);
    let statuses: Vec<u16> = token.exchanges.iter().filter_map(|e| e.response.as_ref().map(|r| r.status)).collect();
    assert_eq!(statuses, [200, 200], "the code exchange, then the introspection of the new token");
    assert!(token.checks.iter().any(|c| c.name == "cnf.jkt" && c.ok), "{:?}", token.checks);
    let assertions: Vec<_> = driven
        .step(StepId::PushedAuthorization)
        .jwts
        .iter()
        .filter(|j| j.label.starts_with("Client assertion"))
        .collect();
    assert_eq!(assertions.len(), 2, "the first pushed request and the one with the nonce");
    assert_ne!(assertions[0].claims["jti"], assertions[1].claims["jti"]);
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

// ---------------------------------------------------------------------------------------------
// Pushed authorization requests and DPoP.

/// The browser's URL, from the run's events.
fn browser_url(driven: &Driven) -> url::Url {
    let url = driven
        .events
        .iter()
        .find_map(|e| match e {
            FlowEvent::AuthorizationUrl { url, .. } => Some(url.clone()),
            _ => None,
        })
        .expect("an authorization URL");
    url::Url::parse(&url).unwrap()
}

/// par-client takes authorization requests only through PAR; with DPoP on too, the pushed request,
/// the code exchange and the user info call each carry a proof, and introspection shows the token
/// bound to the connection's key.
#[tokio::test]
async fn par_required_and_used_with_dpop_bound_tokens() {
    let s = setup(|c| {
        c.client_id = "par-client".into();
        c.client_secret = "fake-par-secret".into();
        c.client_auth = ClientAuth::BasicHeader;
        c.par = true;
        c.dpop = true;
        c.scopes = "openid email".into();
    })
    .await;
    let request = test_request(&s);
    assert_eq!(request.steps()[1..3], [StepId::PushedAuthorization, StepId::AuthorizationUrl]);
    let driven = drive(request).await;
    driven.assert_ok();
    // The browser gets only client_id and request_uri.
    let url = browser_url(&driven);
    let names: Vec<String> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
    assert_eq!(names, ["client_id", "request_uri"]);
    assert_eq!(url.as_str().split('?').next(), Some(provider().authorization_endpoint().as_str()));
    // The pushed request had the rest, with the client's authentication and a DPoP proof.
    let par = driven.step(StepId::PushedAuthorization);
    let exchange = par.exchanges.last().unwrap();
    assert_eq!(exchange.response.as_ref().unwrap().status, 201);
    let body = exchange.request.body.clone().unwrap();
    assert!(body.contains("code_challenge=") && body.contains("state=") && body.contains("prompt=consent"), "{body}");
    assert!(exchange.request.headers.iter().any(|(n, v)| n == "Authorization" && v == "Basic [redacted]"));
    assert!(par.jwts.iter().any(|j| j.label.starts_with("DPoP proof (POST")), "{:?}", par.jwts);
    assert!(par.summary.contains("request_uri urn:") && par.summary.contains("lives"), "{}", par.summary);
    let waiting = driven.step(StepId::Callback);
    assert!(waiting.notes.iter().any(|n| n.contains("request_uri) expires in")), "{:?}", waiting.notes);
    // The token is a DPoP token bound to the connection's key.
    let token = driven.step(StepId::TokenExchange);
    let checks: Vec<(&str, bool)> = token.checks.iter().map(|c| (c.name.as_str(), c.ok)).collect();
    assert_eq!(checks, [("DPoP token_type", true), ("cnf.jkt", true)], "{:?}", token.checks);
    let key = driven.report.tokens.as_ref().unwrap().dpop_key.clone().expect("the key goes with the tokens");
    let jkt = authdeck::flow::dpop::DpopKey::from_pem(key.reveal()).unwrap().thumbprint();
    assert_eq!(token.checks[1].actual, jkt);
    // User info with the DPoP scheme and a proof of the access token.
    let userinfo = driven.step(StepId::UserInfo);
    let call = userinfo.exchanges.last().unwrap();
    assert!(call.request.headers.iter().any(|(n, v)| n == "Authorization" && v == "DPoP [redacted]"), "{call:?}");
    let proof = userinfo.jwts.iter().rev().find(|j| j.label.starts_with("DPoP proof")).unwrap();
    assert!(proof.claims.get("ath").is_some(), "{:?}", proof.claims);
    assert!(!driven.shown().contains("BEGIN PRIVATE KEY"));
}

/// dpop-public-client: every proof meets the provider's nonce challenge first (retried once with
/// the nonce, which is then kept); the refresh token is bound to the key too, so a refresh later
/// (from the saved, sealed key) works with the same key and is refused with another one.
#[tokio::test]
async fn dpop_nonce_challenge_refresh_with_the_same_key_and_the_wrong_key_refused() {
    let mut s = setup(|c| {
        c.client_id = "dpop-public-client".into();
        c.client_auth = ClientAuth::None;
        c.dpop = true;
    })
    .await;
    let driven = drive(test_request(&s)).await;
    driven.assert_ok();
    let token = driven.step(StepId::TokenExchange);
    let statuses: Vec<u16> = token.exchanges.iter().map(|e| e.response.as_ref().unwrap().status).collect();
    assert_eq!(statuses, [400, 200], "use_dpop_nonce, then the same request with the nonce");
    assert!(token.notes.iter().any(|n| n.contains("use_dpop_nonce")), "{:?}", token.notes);
    let proofs: Vec<_> = token.jwts.iter().filter(|j| j.label.starts_with("DPoP proof")).collect();
    assert_eq!(proofs.len(), 2);
    assert!(proofs[0].claims.get("nonce").is_none() && proofs[1].claims.get("nonce").is_some());
    // The newest nonce is kept: the user info call needs no second try.
    assert_eq!(driven.step(StepId::UserInfo).exchanges.len(), 1);
    assert!(driven.report.grant.as_ref().unwrap().dpop);

    let mut report = driven.report;
    let id = s.store.record_flow(&mut report).unwrap().connection_id.unwrap();
    let connection = s.store.connection(id).unwrap();
    let saved = connection.tokens.dpop_key.clone().expect("the DPoP key is kept with the connection");
    let jkt = authdeck::flow::dpop::DpopKey::from_pem(saved.reveal()).unwrap().thumbprint();

    // Refresh later, with the key read back from the store.
    let refresh = FlowRequest::refresh_connection(&s.authorization, &s.endpoints, &connection).unwrap();
    let refreshed = drive(refresh).await;
    refreshed.assert_ok();
    let step = refreshed.step(StepId::Refresh);
    assert!(step.notes.iter().any(|n| n.contains("the connection's key pair") && n.contains(&jkt)), "{:?}", step.notes);
    assert_eq!(step.checks[0].name, "DPoP token_type");
    let mut report = refreshed.report;
    s.store.record_flow(&mut report).unwrap();
    let connection = s.store.connection(id).unwrap();
    assert_eq!(connection.tokens.dpop_key.as_ref(), Some(&saved), "the same key after the refresh");

    // Another key: the provider refuses the refresh (its refresh token is bound to the first key).
    let mut stolen = connection.clone();
    stolen.tokens.dpop_key =
        Some(authdeck::model::redact::Sensitive::new(authdeck::flow::dpop::DpopKey::generate().unwrap().to_pem()));
    let refresh = FlowRequest::refresh_connection(&s.authorization, &s.endpoints, &stolen).unwrap();
    let refused = drive(refresh).await;
    assert_eq!(refused.report.outcome, RunOutcome::Failed);
    assert!(refused.report.message.contains("bound to another DPoP key"), "{}", refused.report.message);
    assert_eq!(refused.report.connection_status, Some(authdeck::flow::ConnectionStatus::NeedsLogin));
}

/// A DPoP proof is good once: the provider refuses it the second time (RFC 9449 section 11.1).
#[tokio::test]
async fn a_replayed_dpop_proof_is_refused() {
    let s = setup(|c| {
        c.client_id = "dpop-public-client".into();
        c.client_auth = ClientAuth::None;
        c.dpop = true;
    })
    .await;
    let driven = drive(test_request(&s)).await;
    driven.assert_ok();
    let tokens = driven.report.tokens.clone().unwrap();
    let key = authdeck::flow::dpop::DpopKey::from_pem(tokens.dpop_key.unwrap().reveal()).unwrap();
    let access = tokens.access_token.reveal().clone();
    let userinfo = url::Url::parse(&provider().userinfo_endpoint()).unwrap();
    let client = reqwest::Client::new();
    let call = |proof: String| {
        client.get(userinfo.clone()).header("Authorization", format!("DPoP {access}")).header("DPoP", proof).send()
    };
    // A proof without a nonce is challenged; the nonce comes with the challenge.
    let (first, _) = key.proof("GET", &userinfo, Some(&access), None).unwrap();
    let challenge = call(first).await.unwrap();
    assert_eq!(challenge.status(), 401);
    let nonce = challenge.headers()["dpop-nonce"].to_str().unwrap().to_owned();
    let (proof, _) = key.proof("GET", &userinfo, Some(&access), Some(&nonce)).unwrap();
    assert_eq!(call(proof.clone()).await.unwrap().status(), 200);
    let replayed = call(proof).await.unwrap();
    assert_eq!(replayed.status(), 401);
    let challenge = replayed.headers()["www-authenticate"].to_str().unwrap().to_owned();
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    // The token itself is fine: a fresh proof works again, so it was the replay that was refused.
    let nonce = replayed.headers().get("dpop-nonce").map(|n| n.to_str().unwrap().to_owned()).unwrap_or(nonce);
    let (fresh, _) = key.proof("GET", &userinfo, Some(&access), Some(&nonce)).unwrap();
    assert_eq!(call(fresh).await.unwrap().status(), 200);
}
