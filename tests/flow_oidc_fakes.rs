//! What a real OpenID Connect provider won't do, from fake issuers on 127.0.0.1: ID tokens signed by
//! another key, for another audience, expired, with another nonce, unsigned (`alg: none`), with a
//! `kid` the JWKS lacks (and one it gains after a rotation); a callback whose `iss` is another
//! issuer's (a mix-up attack, RFC 9207); a discovery document naming another issuer; RFC 8414's
//! metadata URL; a device flow told to `slow_down`, answered GitHub's way (HTTP 200 with an error),
//! refused or expired; client credentials with an extra parameter. The fakes follow the specs they
//! cite: OpenID Connect Core 1.0 section 3.1.3.7, Discovery 1.0 section 4, RFC 8414, RFC 8628
//! section 3.5, RFC 9207 section 2.4, and GitHub's device flow
//! (<https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps#device-flow>).

use std::time::Duration;

use authdeck::flow::{
    Credentials, FlowEvent, FlowOptions, FlowRequest, FlowRunner, PollAnswer, RunOutcome, StepId, StepStatus,
};
use authdeck::model::{AuthConfig, Authorization, ClientAuth, Endpoint, EndpointPurpose, Grant, OAuth2Config};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use serde_json::{Value, json};

#[path = "support/fakes.rs"]
mod fakes;
use fakes::*;

const CLIENT_ID: &str = "fake-client";
const NONCE: &str = "nonce-typed-in-the-uri";
const ACCESS_TOKEN: &str = "at-fake-oidc-1";

/// An ES256 key: what signs, and its public JWK.
struct Key {
    pkcs8: Vec<u8>,
    x: String,
    y: String,
}

impl Key {
    fn new() -> Key {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap().as_ref().to_vec();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &pkcs8, &rng).unwrap();
        // An uncompressed point: 0x04, x, y.
        let point = pair.public_key().as_ref();
        Key { x: URL_SAFE_NO_PAD.encode(&point[1..33]), y: URL_SAFE_NO_PAD.encode(&point[33..65]), pkcs8 }
    }

    fn jwk(&self, kid: &str) -> Value {
        json!({"kty": "EC", "crv": "P-256", "x": self.x, "y": self.y, "kid": kid, "use": "sig", "alg": "ES256"})
    }

    fn sign(&self, kid: &str, claims: &Value) -> String {
        let header = Header { kid: Some(kid.into()), ..Header::new(Algorithm::ES256) };
        jsonwebtoken::encode(&header, claims, &EncodingKey::from_ec_der(&self.pkcs8)).unwrap()
    }
}

/// The claims a good ID token of the fake issuer has.
fn claims(issuer: &str) -> Value {
    let now = authdeck::model::time::now();
    let at_hash =
        URL_SAFE_NO_PAD.encode(&ring::digest::digest(&ring::digest::SHA256, ACCESS_TOKEN.as_bytes()).as_ref()[..16]);
    json!({"iss": issuer, "sub": "u-42", "aud": CLIENT_ID, "exp": now + 600, "iat": now - 2, "nonce": NONCE,
           "at_hash": at_hash})
}

/// The discovery document of an issuer at `base` (its issuer is `base` unless told otherwise).
fn discovery(base: &str, issuer: &str, iss_parameter: bool) -> Reply {
    json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "jwks_uri": format!("{base}/jwks"),
        "device_authorization_endpoint": format!("{base}/device"),
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": iss_parameter,
        "id_token_signing_alg_values_supported": ["ES256"]
    }))
}

fn authorization(issuer: &str, grant: Grant, redirect_uri: &str) -> Authorization {
    Authorization {
        id: 1,
        app_id: 1,
        name: "Fake OIDC".into(),
        config: AuthConfig::OAuth2(OAuth2Config {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            // The user's own nonce is adopted, so the fake can sign a token for it.
            authorization_uri: format!("{issuer}/authorize?nonce={NONCE}"),
            scopes: "openid".into(),
            token_endpoint: Some(1),
            redirect_uri: redirect_uri.into(),
            client_auth: ClientAuth::BasicHeader,
            grant,
            issuer: issuer.into(),
            ..Default::default()
        }),
        last_test: None,
    }
}

fn token_endpoint_at(base: &str) -> Endpoint {
    Endpoint { id: 1, app_id: 1, url: format!("{base}/token"), ..Endpoint::new_for(EndpointPurpose::Token) }
}

fn fast_runner() -> FlowRunner {
    FlowRunner::new(FlowOptions {
        request_timeout: Duration::from_secs(5),
        poll_second: Duration::from_millis(2),
        ..FlowOptions::default()
    })
    .unwrap()
}

/// A code flow against a fake issuer whose token endpoint answers `id_token` (and whose JWKS
/// answers `jwks`, in turn).
async fn code_flow(id_token: impl FnOnce(&str) -> String, jwks: Vec<Value>) -> (Driven, FakeServer) {
    let server = FakeServer::start_with(|base| {
        let mut routes = vec![
            ("/.well-known/openid-configuration", discovery(base, base, false)),
            (
                "/token",
                json(json!({"access_token": ACCESS_TOKEN, "token_type": "Bearer", "expires_in": 300,
                            "id_token": id_token(base)})),
            ),
        ];
        routes.extend(jwks.into_iter().map(|set| ("/jwks", json(set))));
        routes
    })
    .await;
    let base = server.url("");
    let redirect = format!("http://127.0.0.1:{}/callback", free_port());
    let auth = authorization(&base, Grant::AuthorizationCode, &redirect);
    let request = FlowRequest::test(&auth, &[token_endpoint_at(&base)], Credentials::None).unwrap();
    let issuer = url::form_urlencoded::byte_serialize(base.as_bytes()).collect::<String>();
    let driven = drive(request, &runner(), move |url, handle| {
        assert!(handle.paste(format!("{redirect}?code={CODE}&state={}&iss={issuer}", state_of(&url))));
    })
    .await;
    (driven, server)
}

/// The ID token check that failed, and the run's message.
fn failed_check(driven: &Driven) -> (String, String, String) {
    assert_eq!(driven.report.outcome, RunOutcome::Failed, "{}", driven.report.message);
    assert_eq!(driven.failed_step(), StepId::IdToken, "{}", driven.report.message);
    assert!(driven.report.tokens.is_none(), "tokens of a failed check are not saved");
    let step = driven.report.step(StepId::IdToken).unwrap();
    let check = step.checks.iter().find(|c| !c.ok && !c.warning).expect("a failed check");
    (check.name.clone(), check.expected.clone(), check.actual.clone())
}

#[tokio::test]
async fn a_good_id_token_passes_every_check_and_at_hash() {
    let key = Key::new();
    let (driven, _) = code_flow(|base| key.sign("k1", &claims(base)), vec![json!({"keys": [key.jwk("k1")]})]).await;
    assert_eq!(driven.report.outcome, RunOutcome::Ok, "{}", driven.report.message);
    let step = driven.report.step(StepId::IdToken).unwrap();
    let names: Vec<(&str, bool)> = step.checks.iter().map(|c| (c.name.as_str(), c.ok)).collect();
    assert_eq!(
        names,
        [
            ("alg", true),
            ("signature", true),
            ("iss", true),
            ("aud", true),
            ("exp", true),
            ("iat", true),
            ("nonce", true),
            ("at_hash", true),
            ("sub", true)
        ]
    );
    assert_eq!(step.summary, "9 of 9 checks passed (ES256)");
    assert_eq!(step.jwts[0].claims["nonce"], NONCE);
    let id_token = driven.report.tokens.as_ref().unwrap().id_token.as_ref().unwrap().reveal().clone();
    assert_no_secrets(&driven, &[&id_token, ACCESS_TOKEN, CLIENT_SECRET]);
}

#[tokio::test]
async fn a_token_signed_by_another_key_is_refused() {
    let (published, other) = (Key::new(), Key::new());
    let (driven, _) =
        code_flow(|base| other.sign("k1", &claims(base)), vec![json!({"keys": [published.jwk("k1")]})]).await;
    let (check, _, actual) = failed_check(&driven);
    assert_eq!(check, "signature");
    assert!(actual.starts_with("invalid: it does not verify with the key k1"), "{actual}");
    assert!(driven.report.message.starts_with("The ID token's signature check failed"), "{}", driven.report.message);
}

#[tokio::test]
async fn another_audience_is_refused_naming_both() {
    let key = Key::new();
    let sign = |base: &str| {
        let mut c = claims(base);
        c["aud"] = json!("someone-else");
        key.sign("k1", &c)
    };
    let (driven, _) = code_flow(sign, vec![json!({"keys": [key.jwk("k1")]})]).await;
    assert_eq!(failed_check(&driven), ("aud".into(), CLIENT_ID.into(), "someone-else".into()));
    assert!(
        driven.report.message.contains("aud check failed: expected fake-client, got someone-else"),
        "{}",
        driven.report.message
    );
}

#[tokio::test]
async fn several_audiences_need_azp_to_name_the_client() {
    let key = Key::new();
    let sign = |base: &str| {
        let mut c = claims(base);
        c["aud"] = json!([CLIENT_ID, "api"]);
        c["azp"] = json!("api");
        key.sign("k1", &c)
    };
    let (driven, _) = code_flow(sign, vec![json!({"keys": [key.jwk("k1")]})]).await;
    assert_eq!(failed_check(&driven), ("azp".into(), CLIENT_ID.into(), "api".into()));
}

#[tokio::test]
async fn an_expired_token_is_refused_with_the_leeway_stated() {
    let key = Key::new();
    let sign = |base: &str| {
        let mut c = claims(base);
        c["exp"] = json!(authdeck::model::time::now() - 3600);
        key.sign("k1", &c)
    };
    let (driven, _) = code_flow(sign, vec![json!({"keys": [key.jwk("k1")]})]).await;
    let (check, expected, actual) = failed_check(&driven);
    assert_eq!(check, "exp");
    assert!(expected.contains("with 60 s leeway"), "{expected}");
    assert!(actual.ends_with("ago)"), "{actual}");
}

#[tokio::test]
async fn another_nonce_is_refused() {
    let key = Key::new();
    let sign = |base: &str| {
        let mut c = claims(base);
        c["nonce"] = json!("a-nonce-of-another-login");
        key.sign("k1", &c)
    };
    let (driven, _) = code_flow(sign, vec![json!({"keys": [key.jwk("k1")]})]).await;
    assert_eq!(failed_check(&driven), ("nonce".into(), NONCE.into(), "a-nonce-of-another-login".into()));
    assert!(driven.report.message.contains("replayed or injected"), "{}", driven.report.message);
}

#[tokio::test]
async fn an_unsigned_token_is_refused() {
    let key = Key::new();
    let unsigned = |base: &str| {
        let part = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
        format!("{}.{}.", part(&json!({"alg": "none", "typ": "JWT"})), part(&claims(base)))
    };
    let (driven, server) = code_flow(unsigned, vec![json!({"keys": [key.jwk("k1")]})]).await;
    let (check, _, actual) = failed_check(&driven);
    assert_eq!((check.as_str(), actual.as_str()), ("alg", "none"));
    let signature = driven.report.step(StepId::IdToken).unwrap().checks.iter().find(|c| c.name == "signature").cloned();
    assert!(signature.unwrap().actual.contains("not signed at all"));
    assert!(server.seen().iter().all(|s| s.target != "/jwks"), "no key is fetched for an unsigned token");
}

#[tokio::test]
async fn a_kid_missing_from_the_jwks_is_fetched_again_once_then_refused() {
    let key = Key::new();
    let (driven, server) =
        code_flow(|base| key.sign("k-new", &claims(base)), vec![json!({"keys": [key.jwk("k-old")]})]).await;
    let (check, _, actual) = failed_check(&driven);
    assert_eq!(check, "signature");
    assert_eq!(actual, "no a key with kid k-new in the JWKS, also after fetching it again");
    assert_eq!(server.seen().iter().filter(|s| s.target == "/jwks").count(), 2, "one re-fetch, no more");
    let notes = &driven.report.step(StepId::IdToken).unwrap().notes;
    assert!(notes.iter().any(|n| n.contains("in case the keys were rotated")), "{notes:?}");
}

#[tokio::test]
async fn a_rotated_key_is_found_by_fetching_the_jwks_again() {
    let (old, new) = (Key::new(), Key::new());
    let jwks = vec![json!({"keys": [old.jwk("k-old")]}), json!({"keys": [old.jwk("k-old"), new.jwk("k-new")]})];
    let (driven, server) = code_flow(|base| new.sign("k-new", &claims(base)), jwks).await;
    assert_eq!(driven.report.outcome, RunOutcome::Ok, "{}", driven.report.message);
    let signature =
        driven.report.step(StepId::IdToken).unwrap().checks.iter().find(|c| c.name == "signature").cloned().unwrap();
    assert_eq!(signature.actual, "valid, key k-new");
    assert_eq!(signature.detail.as_deref(), Some("the key was found after fetching the JWKS again (key rotation)"));
    assert_eq!(server.seen().iter().filter(|s| s.target == "/jwks").count(), 2);
}

#[tokio::test]
async fn a_wrong_at_hash_and_a_foreign_issuer_are_named() {
    let key = Key::new();
    let sign = |_: &str| {
        let mut c = claims("https://another-issuer.example");
        c["at_hash"] = json!("AAAAAAAAAAAAAAAAAAAAAA");
        key.sign("k1", &c)
    };
    let (driven, _) = code_flow(sign, vec![json!({"keys": [key.jwk("k1")]})]).await;
    let step = driven.report.step(StepId::IdToken).unwrap();
    let failed: Vec<&str> = step.checks.iter().filter(|c| !c.ok).map(|c| c.name.as_str()).collect();
    assert_eq!(failed, ["iss", "at_hash"], "each failure on its own line");
    assert!(driven.report.message.starts_with("The ID token's iss check failed"), "{}", driven.report.message);
}

// ---------------------------------------------------------------------------------------------
// RFC 9207 and discovery.

async fn callback_with_iss(iss: Option<&str>, iss_parameter: bool) -> (Driven, FakeServer) {
    let server = FakeServer::start_with(|base| {
        vec![("/.well-known/openid-configuration", discovery(base, base, iss_parameter))]
    })
    .await;
    let base = server.url("");
    let redirect = format!("http://127.0.0.1:{}/callback", free_port());
    let auth = authorization(&base, Grant::AuthorizationCode, &redirect);
    let request = FlowRequest::test(&auth, &[token_endpoint_at(&base)], Credentials::None).unwrap();
    let iss = iss.map(|i| format!("&iss={}", url::form_urlencoded::byte_serialize(i.as_bytes()).collect::<String>()));
    let driven = drive(request, &runner(), move |url, handle| {
        assert!(handle.paste(format!("{redirect}?code={CODE}&state={}{}", state_of(&url), iss.unwrap_or_default())));
    })
    .await;
    (driven, server)
}

#[tokio::test]
async fn a_callback_from_another_issuer_is_a_mix_up_attack() {
    let (driven, server) = callback_with_iss(Some("https://attacker.example"), false).await;
    assert_eq!(driven.failed_step(), StepId::CallbackCheck);
    let message = &driven.report.message;
    assert!(message.contains("(https://attacker.example) is not this authorization's issuer"), "{message}");
    assert!(message.contains("a mix-up attack looks like (RFC 9207)"), "{message}");
    assert!(server.seen().iter().all(|s| s.target != "/token"), "the code is never exchanged");
    let check = driven.report.step(StepId::CallbackCheck).unwrap().checks.iter().find(|c| c.name == "iss").cloned();
    assert!(!check.unwrap().ok);
}

#[tokio::test]
async fn a_callback_without_iss_fails_when_the_issuer_says_it_sends_one() {
    let (driven, _) = callback_with_iss(None, true).await;
    assert_eq!(driven.failed_step(), StepId::CallbackCheck);
    assert!(
        driven.report.message.contains("authorization_response_iss_parameter_supported"),
        "{}",
        driven.report.message
    );
}

#[tokio::test]
async fn a_discovery_document_naming_another_issuer_is_refused() {
    let server = FakeServer::start_with(|base| {
        vec![("/.well-known/openid-configuration", discovery(base, "https://impostor.example", true))]
    })
    .await;
    let base = server.url("");
    let (found, exchanges) = runner().discover(&base).await;
    let error = found.unwrap_err().to_string();
    assert!(error.contains(&format!("names the issuer \"https://impostor.example\", not \"{base}\"")), "{error}");
    assert_eq!(exchanges.len(), 1);
    // In a test run, the first step fails and nothing else is sent.
    let redirect = format!("http://127.0.0.1:{}/callback", free_port());
    let auth = authorization(&base, Grant::AuthorizationCode, &redirect);
    let request = FlowRequest::test(&auth, &[token_endpoint_at(&base)], Credentials::None).unwrap();
    let driven = drive(request, &runner(), |_, _| panic!("no login after a failed discovery")).await;
    assert_eq!(driven.failed_step(), StepId::Discovery);
    let check = &driven.report.step(StepId::Discovery).unwrap().checks[0];
    assert_eq!((check.name.as_str(), check.actual.as_str()), ("issuer", "https://impostor.example"));
}

#[tokio::test]
async fn rfc_8414_metadata_is_found_when_there_is_no_openid_configuration() {
    let server = FakeServer::start_with(|base| {
        vec![("/.well-known/oauth-authorization-server/tenant", discovery(base, &format!("{base}/tenant"), false))]
    })
    .await;
    let issuer = server.url("/tenant");
    let (found, exchanges) = runner().discover(&issuer).await;
    let found = found.unwrap();
    assert_eq!(found.url, server.url("/.well-known/oauth-authorization-server/tenant"));
    assert_eq!(found.source, authdeck::model::discovery::MetadataSource::OAuthAuthorizationServer);
    assert_eq!(exchanges.len(), 2, "the OpenID Connect URL was tried first: {exchanges:?}");
    assert_eq!(exchanges[0].response.as_ref().unwrap().status, 404);
}

// ---------------------------------------------------------------------------------------------
// The device flow (RFC 8628 section 3.5).

async fn device_flow(token_replies: Vec<Reply>) -> (Driven, FakeServer) {
    let server = FakeServer::start_with(|base| {
        let mut routes = vec![(
            "/device",
            json(json!({"device_code": "dc-fake-device-code", "user_code": "WDJB-MJHT",
                        "verification_uri": format!("{base}/activate"),
                        "verification_uri_complete": format!("{base}/activate?user_code=WDJB-MJHT"),
                        "expires_in": 900, "interval": 1})),
        )];
        routes.extend(token_replies.into_iter().map(|r| ("/token", r)));
        routes
    })
    .await;
    let base = server.url("");
    let mut auth = authorization(&base, Grant::DeviceCode, "http://127.0.0.1:8976/callback");
    if let AuthConfig::OAuth2(c) = &mut auth.config {
        // No issuer: the device endpoint is the authorization's own.
        c.issuer.clear();
        c.scopes = "repo user".into();
        c.device_endpoint = Some(3);
    }
    let device = Endpoint {
        id: 3,
        app_id: 1,
        url: format!("{base}/device"),
        ..Endpoint::new_for(EndpointPurpose::DeviceAuthorization)
    };
    let request = FlowRequest::test(&auth, &[token_endpoint_at(&base), device], Credentials::None).unwrap();
    let driven = drive(request, &fast_runner(), |_, _| panic!("no authorization URL in a device flow")).await;
    (driven, server)
}

fn oauth_error(status: u16, error: &str) -> Reply {
    Reply { status, ..json(json!({"error": error})) }
}

fn success() -> Reply {
    json(json!({"access_token": "at-device-1", "token_type": "bearer", "expires_in": 3600}))
}

#[tokio::test]
async fn slow_down_adds_five_seconds_then_the_approval_gets_tokens() {
    let (driven, server) =
        device_flow(vec![oauth_error(400, "authorization_pending"), oauth_error(400, "slow_down"), success()]).await;
    assert_eq!(driven.report.outcome, RunOutcome::Ok, "{}", driven.report.message);
    let polls: Vec<(PollAnswer, u64)> = driven
        .events
        .iter()
        .filter_map(|e| match e {
            FlowEvent::DevicePoll(p) => Some((p.answer.clone(), p.next_in_secs)),
            _ => None,
        })
        .collect();
    assert_eq!(polls, [(PollAnswer::Pending, 1), (PollAnswer::SlowDown, 6)], "interval 1 s, then 1 + 5 s");
    let step = driven.report.step(StepId::DeviceApproval).unwrap();
    assert!(step.summary.starts_with("approved after 3 poll(s)"), "{}", step.summary);
    assert!(step.notes.iter().any(|n| n.contains("slow_down") && n.contains("6 s")), "{:?}", step.notes);
    let seen = server.seen();
    let device_request: std::collections::BTreeMap<String, String> =
        url::form_urlencoded::parse(seen[0].body.as_bytes()).into_owned().collect();
    assert_eq!(device_request["scope"], "repo user", "the scopes as typed");
    assert!(seen[1].body.contains("device_code=dc-fake-device-code"));
    assert_no_secrets(&driven, &["dc-fake-device-code", "WDJB-MJHT", "at-device-1", CLIENT_SECRET]);
    assert_eq!(driven.report.step(StepId::UserInfo).unwrap().status, StepStatus::Skipped);
}

#[tokio::test]
async fn polls_answered_with_http_200_errors_like_github_still_wait() {
    let pending_at_200 = json(json!({"error": "authorization_pending", "error_description": "waiting"}));
    let (driven, _) = device_flow(vec![pending_at_200.clone(), pending_at_200, success()]).await;
    assert_eq!(driven.report.outcome, RunOutcome::Ok, "{}", driven.report.message);
    assert_eq!(driven.events.iter().filter(|e| matches!(e, FlowEvent::DevicePoll(_))).count(), 2);
}

#[tokio::test]
async fn refused_and_expired_device_codes_say_so() {
    let (driven, _) =
        device_flow(vec![oauth_error(400, "authorization_pending"), oauth_error(400, "access_denied")]).await;
    assert_eq!(driven.failed_step(), StepId::DeviceApproval);
    assert!(
        driven.report.message.starts_with("The user refused the request on the other device"),
        "{}",
        driven.report.message
    );
    let (driven, _) = device_flow(vec![oauth_error(400, "expired_token")]).await;
    assert!(
        driven.report.message.starts_with("The user code expired before it was approved"),
        "{}",
        driven.report.message
    );
}

#[tokio::test]
async fn the_device_code_event_carries_what_the_user_needs() {
    let (driven, _) = device_flow(vec![success()]).await;
    let device = driven
        .events
        .iter()
        .find_map(|e| match e {
            FlowEvent::DeviceCode(d) => Some(d.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(device.user_code.reveal(), "WDJB-MJHT");
    assert!(device.verification_uri.ends_with("/activate"));
    assert!(device.verification_uri_complete.unwrap().reveal().ends_with("user_code=WDJB-MJHT"));
    assert_eq!((device.expires_in_secs, device.interval_secs), (900, 1));
    let record = driven.report.step(StepId::DeviceAuthorization).unwrap();
    assert!(!record.summary.contains("WDJB-MJHT"), "{}", record.summary);
}

// ---------------------------------------------------------------------------------------------
// Client credentials.

#[tokio::test]
async fn client_credentials_send_the_endpoints_extra_fields_and_the_scopes_as_typed() {
    let server = FakeServer::start(vec![(
        "/token",
        json(json!({"access_token": "at-machine-1", "token_type": "Bearer", "expires_in": 86400, "scope": "read:all"})),
    )])
    .await;
    let base = server.url("");
    let mut auth = authorization(&base, Grant::ClientCredentials, "");
    if let AuthConfig::OAuth2(c) = &mut auth.config {
        c.issuer.clear();
        c.scopes = "read:all,write:none".into();
    }
    // Auth0 wants an audience (https://auth0.com/docs/get-started/authentication-and-authorization-flow/client-credentials-flow).
    let mut token = token_endpoint_at(&base);
    token.body.push_str("\naudience=https://api.example.test");
    let request = FlowRequest::test(&auth, &[token], Credentials::None).unwrap();
    let driven = drive(request, &runner(), |_, _| panic!("no browser")).await;
    assert_eq!(driven.report.outcome, RunOutcome::Ok, "{}", driven.report.message);
    let form: std::collections::BTreeMap<String, String> =
        url::form_urlencoded::parse(server.seen()[0].body.as_bytes()).into_owned().collect();
    assert_eq!(
        form,
        [
            ("grant_type", "client_credentials"),
            ("scope", "read:all,write:none"),
            ("audience", "https://api.example.test")
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    );
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"));
    assert_eq!(server.seen()[0].headers["authorization"], format!("Basic {basic}"));
    assert_eq!(server.seen()[0].headers["accept"], "application/json", "the endpoint's header");
    assert_eq!(driven.report.tokens.as_ref().unwrap().scopes, "read:all");
}
