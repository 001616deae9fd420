//! mTLS client authentication (RFC 8705) against a fake TLS token endpoint: tls_client_auth with a
//! certificate a CA issued (files), self_signed_tls_client_auth with a pasted self-signed one, the
//! certificate presented on the token request the `oauth2` crate makes (client credentials) and on
//! the later user info call; a missing certificate named before anything is sent; a
//! certificate-bound access token (RFC 8705 section 3.1: a JWT whose `cnf.x5t#S256` names the
//! certificate) checked against the certificate presented.
//!
//! A fake rather than oidc-provider's mTLS feature: that feature reads the client certificate from
//! a header a TLS-terminating proxy sets, so the test would exercise a proxy of its own more than
//! authdeck. The fake is a real TLS server (rustls, as reqwest's), which sees the certificate the
//! TLS handshake carried and answers as RFC 8705 section 2 describes: `invalid_client` without one.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use super::fakes::{drive, oauth_request, oauth2};
use authdeck::flow::{FlowOptions, FlowRunner, RunOutcome, StepId};
use authdeck::model::{AuthConfig, ClientAuth, Endpoint, EndpointPurpose, Grant};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};
use sha2::{Digest, Sha256};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mtls").join(name)
}

/// Takes any client certificate (or none): the token endpoint decides, as a provider does with a
/// self-signed one it compares with the registered certificate.
#[derive(Debug)]
struct AnyClientCertificate(Arc<rustls::crypto::CryptoProvider>);

impl ClientCertVerifier for AnyClientCertificate {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }
    fn client_auth_mandatory(&self) -> bool {
        false
    }
    fn verify_client_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        Ok(ClientCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// What the fake saw: each request's path, and the thumbprint of the certificate it came with.
type Seen = Arc<Mutex<Vec<(String, Option<String>)>>>;

/// A TLS token endpoint (`/token`, client credentials) and user info endpoint (`/me`) that take
/// the client whose certificate has one of `allowed` thumbprints (x5t#S256).
struct MtlsProvider {
    base: String,
    /// (path, the thumbprint of the certificate the request came with).
    seen: Seen,
}

/// What the fake's access token says of its binding.
#[derive(Clone)]
enum Bound {
    /// An opaque token: nothing to see.
    Opaque,
    /// A JWT access token bound to the certificate the request came with (RFC 8705 section 3.1).
    ToPresented,
    /// A JWT access token bound to this thumbprint (another certificate).
    To(String),
}

/// An unsigned JWT (the client only reads its claims) carrying `cnf.x5t#S256`.
fn bound_token(thumbprint: &str) -> String {
    let part = |v: serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let header = part(serde_json::json!({"alg": "none", "typ": "at+jwt"}));
    let claims = part(serde_json::json!({"sub": "fake-client", "cnf": {"x5t#S256": thumbprint}}));
    format!("{header}.{claims}.")
}

impl MtlsProvider {
    async fn start(allowed: Vec<String>) -> MtlsProvider {
        MtlsProvider::start_bound(allowed, Bound::Opaque).await
    }

    async fn start_bound(allowed: Vec<String>, bound: Bound) -> MtlsProvider {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let chain: Vec<CertificateDer<'static>> =
            CertificateDer::pem_file_iter(fixture("server.pem")).unwrap().map(Result::unwrap).collect();
        let key = PrivateKeyDer::from_pem_file(fixture("server-key.pem")).unwrap();
        let config = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_client_cert_verifier(Arc::new(AnyClientCertificate(provider)))
            .with_single_cert(chain, key)
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("https://{}", listener.local_addr().unwrap());
        let seen: Seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let allowed = Arc::new(allowed);
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, log, allowed, bound) = (acceptor.clone(), log.clone(), allowed.clone(), bound.clone());
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else { return };
                    let thumbprint = tls
                        .get_ref()
                        .1
                        .peer_certificates()
                        .and_then(|c| c.first())
                        .map(|c| URL_SAFE_NO_PAD.encode(Sha256::digest(c.as_ref())));
                    let service = hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                        let (log, allowed, thumbprint, bound) =
                            (log.clone(), allowed.clone(), thumbprint.clone(), bound.clone());
                        async move {
                            let path = request.uri().path().to_owned();
                            let body = request.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                            log.lock().unwrap().push((path.clone(), thumbprint.clone()));
                            let known = thumbprint.as_ref().is_some_and(|t| allowed.contains(t));
                            let form: Vec<(String, String)> = url::form_urlencoded::parse(&body)
                                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                                .collect();
                            let (status, answer) = match (path.as_str(), known) {
                                (_, false) => (
                                    401,
                                    serde_json::json!({"error": "invalid_client", "error_description": "no known client certificate was presented"}),
                                ),
                                ("/token", true)
                                    if form.iter().any(|(k, v)| k == "client_id" && v == "fake-client") =>
                                {
                                    let access_token = match (&bound, &thumbprint) {
                                        (Bound::To(other), _) => bound_token(other),
                                        (Bound::ToPresented, Some(presented)) => bound_token(presented),
                                        _ => "at-fake-certificate-bound".to_owned(),
                                    };
                                    (
                                        200,
                                        serde_json::json!({
                                            "access_token": access_token,
                                            "token_type": "Bearer",
                                            "expires_in": 3600,
                                        }),
                                    )
                                }
                                ("/token", true) => (
                                    400,
                                    serde_json::json!({"error": "invalid_request", "error_description": "client_id is required (RFC 8705 section 2)"}),
                                ),
                                (_, true) => {
                                    (200, serde_json::json!({"sub": "fake-client", "name": "Certificate-bound client"}))
                                }
                            };
                            Ok::<_, std::convert::Infallible>(
                                hyper::Response::builder()
                                    .status(status)
                                    .header("content-type", "application/json")
                                    .body(Full::new(Bytes::from(answer.to_string())))
                                    .unwrap(),
                            )
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                        .await;
                });
            }
        });
        MtlsProvider { base, seen }
    }
}

fn thumbprint_of(path: &str) -> String {
    let der = CertificateDer::from_pem_file(fixture(path)).unwrap();
    URL_SAFE_NO_PAD.encode(Sha256::digest(der.as_ref()))
}

/// The runner trusts the fake's CA, as a user adds a company CA with AUTHDECK_CA_FILE.
fn runner() -> FlowRunner {
    let ca = std::fs::read(fixture("ca.pem")).unwrap();
    FlowRunner::new(FlowOptions { extra_roots: vec![ca], ..FlowOptions::default() }).unwrap()
}

fn machine_client(
    base: &str,
    auth: ClientAuth,
    certificate: String,
    key: String,
) -> (authdeck::model::Authorization, Vec<Endpoint>) {
    let mut authorization = oauth2(auth, String::new(), true);
    let AuthConfig::OAuth2(c) = &mut authorization.config else { unreachable!() };
    c.grant = Grant::ClientCredentials;
    c.client_secret.clear();
    c.scopes.clear();
    c.client_certificate = certificate;
    c.client_key = key;
    let endpoints = vec![
        Endpoint { id: 1, app_id: 1, url: format!("{base}/token"), ..Endpoint::new_for(EndpointPurpose::Token) },
        Endpoint { id: 2, app_id: 1, url: format!("{base}/me"), ..Endpoint::new_for(EndpointPurpose::UserInfo) },
    ];
    (authorization, endpoints)
}

#[tokio::test]
async fn tls_client_auth_presents_the_ca_issued_certificate_on_every_request() {
    let issued = thumbprint_of("client.pem");
    let fake = MtlsProvider::start(vec![issued.clone()]).await;
    let path = |name: &str| fixture(name).display().to_string();
    let (authorization, endpoints) =
        machine_client(&fake.base, ClientAuth::TlsClientAuth, path("client.pem"), path("client-key.pem"));
    let driven = drive(oauth_request(&authorization, &endpoints), &runner(), |_, _| {}).await;
    assert_eq!(driven.report.outcome, RunOutcome::Ok, "{}", driven.report.message);
    // The token request (made by the oauth2 crate) and the user info call both came with it.
    let seen = fake.seen.lock().unwrap().clone();
    assert_eq!(seen, [("/token".to_owned(), Some(issued.clone())), ("/me".to_owned(), Some(issued.clone()))]);
    // The step says which certificate.
    let step = driven.report.step(StepId::ClientCredentials).unwrap();
    let note =
        step.notes.iter().find(|n| n.starts_with("Presenting the client certificate")).expect("which certificate");
    assert!(note.contains("CN=authdeck-test-client, O=authdeck tests (issued by CN=authdeck test CA)"), "{note}");
    assert!(note.contains(&issued), "{note}");
    let body = step.exchanges[0].request.body.clone().unwrap();
    assert!(body.contains("client_id=fake-client") && !body.contains("client_secret"), "{body}");
}

#[tokio::test]
async fn a_certificate_bound_token_is_checked_against_the_certificate_presented() {
    let issued = thumbprint_of("client.pem");
    let path = |name: &str| fixture(name).display().to_string();
    let fake = MtlsProvider::start_bound(vec![issued.clone()], Bound::ToPresented).await;
    let (authorization, endpoints) =
        machine_client(&fake.base, ClientAuth::TlsClientAuth, path("client.pem"), path("client-key.pem"));
    let driven = drive(oauth_request(&authorization, &endpoints), &runner(), |_, _| {}).await;
    assert_eq!(driven.report.outcome, RunOutcome::Ok, "{}", driven.report.message);
    let step = driven.report.step(StepId::ClientCredentials).unwrap();
    let check = step.checks.iter().find(|c| c.name == "cnf.x5t#S256").expect("the binding is checked");
    assert!(check.ok && check.expected == issued && check.actual == issued, "{check:?}");

    // Bound to another certificate: the run fails and names both thumbprints.
    let fake = MtlsProvider::start_bound(vec![issued.clone()], Bound::To("b3RoZXItY2VydGlmaWNhdGU".into())).await;
    let (authorization, endpoints) =
        machine_client(&fake.base, ClientAuth::TlsClientAuth, path("client.pem"), path("client-key.pem"));
    let refused = drive(oauth_request(&authorization, &endpoints), &runner(), |_, _| {}).await;
    assert_eq!(refused.report.outcome, RunOutcome::Failed);
    let message = &refused.report.message;
    assert!(message.contains("bound to another certificate") && message.contains(&issued), "{message}");
    let step = refused.report.step(StepId::ClientCredentials).unwrap();
    assert!(step.checks.iter().any(|c| c.name == "cnf.x5t#S256" && !c.ok), "{:?}", step.checks);
}

#[tokio::test]
async fn self_signed_tls_client_auth_with_a_pasted_certificate() {
    let self_signed = thumbprint_of("self-signed.pem");
    let fake = MtlsProvider::start(vec![self_signed.clone()]).await;
    let read = |name: &str| std::fs::read_to_string(fixture(name)).unwrap();
    let (authorization, endpoints) = machine_client(
        &fake.base,
        ClientAuth::SelfSignedTlsClientAuth,
        read("self-signed.pem"),
        read("self-signed-key.pem"),
    );
    let driven = drive(oauth_request(&authorization, &endpoints), &runner(), |_, _| {}).await;
    assert_eq!(driven.report.outcome, RunOutcome::Ok, "{}", driven.report.message);
    let note = &driven.report.step(StepId::ClientCredentials).unwrap().notes;
    assert!(note.iter().any(|n| n.contains("CN=authdeck-test-self-signed (self-signed)")), "{note:?}");
    assert!(!driven.shown().contains("BEGIN PRIVATE KEY"), "the key never reaches a record");

    // Another certificate than the registered one: the provider refuses, and says so.
    let fake = MtlsProvider::start(vec![thumbprint_of("client.pem")]).await;
    let (authorization, endpoints) = machine_client(
        &fake.base,
        ClientAuth::SelfSignedTlsClientAuth,
        read("self-signed.pem"),
        read("self-signed-key.pem"),
    );
    let refused = drive(oauth_request(&authorization, &endpoints), &runner(), |_, _| {}).await;
    assert_eq!(refused.report.outcome, RunOutcome::Failed);
    assert!(refused.report.message.contains("invalid_client"), "{}", refused.report.message);
}

#[tokio::test]
async fn a_missing_certificate_is_named_before_anything_is_sent() {
    let fake = MtlsProvider::start(vec![]).await;
    let key = fixture("client-key.pem").display().to_string();
    let (authorization, endpoints) = machine_client(&fake.base, ClientAuth::TlsClientAuth, String::new(), key);
    let driven = drive(oauth_request(&authorization, &endpoints), &runner(), |_, _| {}).await;
    assert_eq!(driven.report.outcome, RunOutcome::Failed);
    assert!(driven.report.message.contains("The client certificate is empty"), "{}", driven.report.message);
    assert!(fake.seen.lock().unwrap().is_empty(), "nothing was sent");
}
