//! The client's keys at rest: a pasted private key (private_key_jwt, mTLS) and a connection's DPoP
//! key are sealed like the other secrets — the database file alone reveals neither — while a key
//! file's path stays as it is; export leaves a pasted key out unless asked, and an import that
//! leaves it out keeps the stored one.

use authdeck::flow::keys::PrivateKey;
use authdeck::flow::{FlowKind, FlowReport, Identity, RunOutcome, Tokens};
use authdeck::model::redact::Sensitive;
use authdeck::model::{AuthConfig, AuthKind, ClientAuth, Endpoint, EndpointPurpose, OAuth2Config, SigningAlg};
use authdeck::store::{KeySource, Store};

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// The base64 body of a PEM: what would be in the file if the key were stored in clear.
fn body(pem: &str) -> String {
    pem.lines().filter(|l| !l.starts_with("-----")).collect::<Vec<_>>().join("")
}

#[test]
fn pasted_and_dpop_keys_are_sealed_and_key_paths_stay_plain() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let mut store = Store::open_with_keys(&db, KeySource::dir(dir.path().join("keys"))).unwrap();
    let app = store.create_app("Keys").unwrap();
    let token =
        Endpoint { app_id: app.id, url: "https://p.example/token".into(), ..Endpoint::new_for(EndpointPurpose::Token) };
    let token_id = store.insert_endpoint(&token).unwrap();
    let client_key = PrivateKey::generate_p256().unwrap().to_pem();
    let dpop_key = PrivateKey::generate_p256().unwrap().to_pem();
    let pasted = OAuth2Config {
        client_id: "cid".into(),
        authorization_uri: "https://p.example/auth".into(),
        token_endpoint: Some(token_id),
        client_auth: ClientAuth::PrivateKeyJwt,
        client_key: client_key.clone(),
        signing_alg: SigningAlg::ES256,
        dpop: true,
        ..Default::default()
    };
    let auth = store.insert_authorization(app.id, "Pasted", &AuthConfig::OAuth2(pasted.clone())).unwrap();
    let by_path = OAuth2Config { client_key: "/home/dev/keys/client-key.pem".into(), ..pasted };
    let path_auth = store.insert_authorization(app.id, "From a file", &AuthConfig::OAuth2(by_path)).unwrap();
    let tokens = Tokens {
        access_token: Sensitive::new("at-fake-dpop-bound".into()),
        refresh_token: Some(Sensitive::new("rt-fake-dpop-bound".into())),
        id_token: None,
        token_type: Some("DPoP".into()),
        expires_at: None,
        scopes: "openid".into(),
        dpop_key: Some(Sensitive::new(dpop_key.clone())),
        refresh_expires_at: None,
        issued_at: None,
    };
    let mut report = FlowReport {
        authorization_id: auth,
        auth_kind: AuthKind::OAuth2,
        kind: FlowKind::Test,
        outcome: RunOutcome::Ok,
        message: "Connected.".into(),
        started_at: 1_800_000_000,
        finished_at: 1_800_000_001,
        steps: vec![],
        identity: Some(Identity { id: Some("u1".into()), ..Default::default() }),
        grant: Some(tokens.summary()),
        tokens: Some(tokens),
        grant_type: None,
        introspection: None,
        observed: Default::default(),
        on_connection: None,
        connection_status: None,
        kept: Vec::new(),
    };
    let connection = store.record_flow(&mut report).unwrap().connection_id.unwrap();

    // Read back: the keys are there.
    let AuthConfig::OAuth2(c) = store.authorization(auth).unwrap().config else { panic!() };
    assert_eq!(c.client_key, client_key);
    let AuthConfig::OAuth2(c) = store.authorization(path_auth).unwrap().config else { panic!() };
    assert_eq!(c.client_key, "/home/dev/keys/client-key.pem");
    assert_eq!(store.connection(connection).unwrap().tokens.dpop_key.unwrap().reveal(), &dpop_key);
    drop(store);

    // In the file: neither key, the path as it is.
    let mut bytes = std::fs::read(&db).unwrap();
    bytes.extend(std::fs::read(format!("{}-wal", db.display())).unwrap_or_default());
    for (what, key) in [("client key", &client_key), ("DPoP key", &dpop_key)] {
        let line = body(key).chars().take(40).collect::<String>();
        assert!(!contains(&bytes, &line), "the {what} is in the database file");
    }
    assert!(contains(&bytes, "/home/dev/keys/client-key.pem"), "a key file's path is no secret");

    // Export: a pasted key only with --include-secrets; the path always.
    let store = Store::open_with_keys(&db, KeySource::dir(dir.path().join("keys"))).unwrap();
    let plain = store.export_json(None, false).unwrap();
    assert!(!plain.contains(&body(&client_key)[..40]) && plain.contains("\"client_key\": null"), "{plain}");
    assert!(plain.contains("/home/dev/keys/client-key.pem"));
    let with_secrets = store.export_json(None, true).unwrap();
    assert!(with_secrets.contains(&body(&client_key)[..40]));

    // Importing the export without secrets keeps the stored (sealed) key.
    let mut store = store;
    store.import_json(&plain).unwrap();
    let AuthConfig::OAuth2(c) = store.authorization(auth).unwrap().config else { panic!() };
    assert_eq!(c.client_key, client_key, "an import that leaves the key out keeps the stored one");
}
