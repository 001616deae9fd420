//! The OAuth 2.0 form's client authentication fields, driven by keys as a user would: the fields
//! each method uses appear as it is chosen, Ctrl-G makes a key pair (its public JWK set copied for
//! registering, the key itself masked), a bad pasted key is refused beside its field, PAR and DPoP
//! are switches, and all of it is saved.

#[path = "support/tui.rs"]
mod tui;

use authdeck::model::{AuthConfig, ClientAuth, SigningAlg};
use authdeck::platform::Effect;
use crossterm::event::KeyCode;
use tui::Harness;

/// A new OAuth 2.0 form with a name and a client id; the focus on Client authentication.
fn new_form(h: &mut Harness) {
    h.press("no");
    h.assert_shows("New OAuth 2.0 authorization");
    h.fill("Signed");
    h.focus("Client ID");
    h.press("fake-key-client");
    h.focus("Client authentication");
}

#[test]
fn choosing_private_key_jwt_shows_its_fields_and_ctrl_g_makes_a_key_pair() {
    let mut h = Harness::with_size(110, 100);
    new_form(&mut h);
    h.assert_shows("Client Secret");
    h.assert_hides("Private key");
    // Basic header → Request body → private_key_jwt.
    h.key(KeyCode::Right);
    h.key(KeyCode::Right);
    h.assert_shows("◀ private_key_jwt (signed with a private key) ▶");
    h.assert_shows("Private key");
    h.assert_shows("Signing algorithm");
    h.assert_shows("Assertion audience (aud)");
    h.assert_hides("Client Secret");
    h.assert_hides("Client certificate");

    h.focus("Private key");
    h.assert_shows("Masked; Ctrl-R reveals it. Ctrl-G");
    h.ctrl('g');
    h.assert_shows("Generated an EC P-256 key pair (ES256, kid ");
    h.assert_shows("Signing algorithm         ES256");
    h.assert_hides("BEGIN PRIVATE KEY");
    // The public JWK set went to the user's clipboard, to paste into the provider's registration.
    let effects = h.take_effects();
    let copied = effects
        .iter()
        .find_map(|e| match e {
            Effect::CopyToClipboard(text) => Some(text.clone()),
            _ => None,
        })
        .expect("the public JWK set is copied");
    let jwks: serde_json::Value = serde_json::from_str(&copied).unwrap();
    assert_eq!(jwks["keys"][0]["kty"], "EC");
    assert!(jwks["keys"][0].get("d").is_none(), "never the private part");
    // Again, with that key in the form: asked first, and "no" keeps it.
    h.focus("Private key");
    h.ctrl('g');
    h.assert_shows("Replace the key?");
    h.press("n");
    assert!(h.take_effects().is_empty(), "no new key pair without a yes");

    // PAR and DPoP switched on; the PAR endpoint field appears with PAR.
    h.assert_hides("PAR endpoint");
    h.focus("Pushed request (PAR)");
    h.key(KeyCode::Char(' '));
    // The form grew with the grants' fields: the PAR endpoint is the next field, maybe below the fold.
    h.focus("PAR endpoint");
    h.focus("DPoP");
    h.key(KeyCode::Char(' '));
    h.ctrl('s');
    // Not ready yet: the problems say so beside their fields, and nothing is lost.
    h.assert_shows("✗ Enter the Authorization URI");
    h.press("https://par.example.test/authorize");
    h.focus("PAR endpoint");
    h.assert_shows("✗ Enter the PAR endpoint's URL, or set the Issuer");
    h.press("https://par.example.test/par");
    h.focus("Token Endpoint");
    h.enter();
    for _ in 0..10 {
        h.key(KeyCode::Down);
    }
    h.enter();
    h.focus("URL");
    h.press("https://par.example.test/token");
    h.ctrl('s');
    h.assert_shows("New OAuth 2.0 authorization");
    h.ctrl('s');
    h.assert_shows("Created the OAuth 2.0 authorization \"Signed\"");

    let store = h.store();
    let app = store.apps().unwrap().remove(0);
    let auth = store.authorizations(app.id).unwrap().into_iter().find(|a| a.name == "Signed").unwrap();
    let AuthConfig::OAuth2(c) = auth.config else { panic!("not OAuth 2.0") };
    assert_eq!(c.client_auth, ClientAuth::PrivateKeyJwt);
    assert_eq!(c.signing_alg, SigningAlg::ES256);
    assert!(c.client_key.starts_with("-----BEGIN PRIVATE KEY-----"), "the generated key is kept (sealed)");
    let key = authdeck::flow::keys::PrivateKey::parse(&c.client_key).unwrap();
    assert_eq!(c.key_id, key.thumbprint(), "kid: the key's RFC 7638 thumbprint");
    assert_eq!(jwks["keys"][0]["kid"], c.key_id.as_str());
    assert!(c.par && c.dpop);
    assert_eq!(c.par_endpoint, "https://par.example.test/par");
}

#[test]
fn a_bad_pasted_key_is_refused_beside_its_field_and_kept() {
    let mut h = Harness::with_size(110, 100);
    new_form(&mut h);
    h.key(KeyCode::Right);
    h.key(KeyCode::Right);
    h.focus("Private key");
    h.paste("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----");
    h.ctrl('s');
    h.focus("Private key");
    h.assert_shows("✗ The PKCS#8 key is damaged");
    // An RSA-only algorithm for an EC key says what to change.
    h.focus("Private key");
    // A key is there (a bad one): replacing it is asked first.
    h.ctrl('g');
    h.assert_shows("Replace the private key in the form with a new key pair?");
    h.press("y");
    h.assert_shows("Generated an EC P-256 key pair");
    h.focus("Signing algorithm");
    h.key(KeyCode::Left);
    h.assert_shows("◀ PS256 ▶");
    h.ctrl('s');
    h.focus("Signing algorithm");
    h.assert_shows("✗ The key is an EC P-256 key, which can't sign PS256: choose ES256, or an");
}

#[test]
fn the_mtls_methods_ask_for_a_certificate_and_its_key() {
    let mut h = Harness::with_size(110, 100);
    new_form(&mut h);
    for _ in 0..4 {
        h.key(KeyCode::Right);
    }
    h.assert_shows("◀ tls_client_auth (mTLS, CA-issued certificate) ▶");
    h.assert_shows("Client certificate");
    h.assert_shows("Private key");
    h.assert_hides("Signing algorithm");
    h.assert_hides("Client Secret");
    // The key of the certificate: its help offers no new key pair.
    h.focus("Private key");
    h.assert_shows("Masked; Ctrl-R reveals it.");
    h.assert_hides("generates a new EC P-256 key pair");
    h.ctrl('s');
    h.focus("Client certificate");
    h.assert_shows("✗ Paste the client certificate (PEM) or give its file's path.");
    // The key of the certificate: no new key pair is offered for it (it couldn't match).
    h.assert_shows("✗ Paste the private key of the client certificate (PEM or JWK)");
    h.focus("Private key");
    h.ctrl('g');
    h.assert_hides("Generated an EC P-256 key pair");
    h.assert_hides("Replace the private key");
    assert!(h.take_effects().is_empty(), "no key pair for mTLS");
    h.focus("Client certificate");
    h.paste("{\"kty\": \"EC\"}");
    h.ctrl('s');
    h.focus("Client certificate");
    h.assert_shows("✗ A client certificate is PEM (-----BEGIN CERTIFICATE-----), not a JWK.");
}
