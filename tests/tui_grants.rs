//! The grants in the TUI, driven by keys on TestBackend against the real OpenID Connect provider:
//! the OAuth 2.0 form filled from the issuer's discovery document (Ctrl-D, after asking) and its
//! fields following the grant; a device-code login in the test pane (the code, the countdown, the
//! QR code, `c` copying the code), approved on the provider's page; the ID token's checks in the
//! pane; introspection and revocation from the Connections tab, the revoked state shown.

#[path = "support/oidc.rs"]
mod oidc;
#[path = "support/tui.rs"]
mod tui;

use std::sync::OnceLock;

use authdeck::app::Effect;
use authdeck::model::discovery::{DiscoveryPlan, ProviderMetadata};
use authdeck::model::{AuthConfig, ClientAuth, Grant, OAuth2Config};
use crossterm::event::KeyCode;
use oidc::OidcProvider;
use tui::Harness;

fn provider() -> &'static OidcProvider {
    static PROVIDER: OnceLock<OidcProvider> = OnceLock::new();
    PROVIDER.get_or_init(OidcProvider::start)
}

#[test]
fn discovery_fills_the_form_after_asking_and_the_fields_follow_the_grant() {
    let provider = provider();
    let mut h = Harness::new();
    h.press("n");
    h.press("o");
    h.assert_shows("New OAuth 2.0 authorization");
    h.focus("Name");
    h.fill("Local");
    h.focus("Client ID");
    h.press(oidc::BASIC_CLIENT_ID);
    h.focus("Client Secret");
    h.press(oidc::BASIC_CLIENT_SECRET);
    h.focus("Scopes");
    h.press("openid profile email");

    // The grant decides what the form asks for.
    h.focus("Grant");
    h.key(KeyCode::Right);
    h.assert_shows("◀ Device code ▶");
    h.assert_shows("Device Endpoint");
    h.assert_hides("Redirect URI");
    h.assert_hides("Authorization URI");
    h.key(KeyCode::Left);
    h.assert_shows("Authorization URI");
    h.assert_hides("Device Endpoint");

    // Without an issuer, the discovery key says what to type.
    h.ctrl('d');
    h.assert_shows("Enter the issuer first");
    h.focus("Issuer");
    h.press(&provider.issuer);
    h.ctrl('d');
    h.wait_for("Fill in the form from");
    // Where the answer came from is said (under the question).
    h.assert_shows(&format!("Read {}/.well-known/openid-configuration", provider.issuer));
    h.assert_shows("Token: create \"Local token\"");
    h.assert_shows("JWKS (signing keys): create \"Local JWKS\"");
    h.press("y");
    h.wait_for("Filled in from the discovery document: 6 endpoint(s) created");
    h.assert_shows("Local token  ▾");
    // What doesn't fit the metadata is said beside the field, while the form is open.
    h.focus("Scopes");
    h.press(" bogus");
    h.assert_shows("found not listed:");
    for _ in 0..6 {
        h.key(KeyCode::Backspace);
    }
    h.assert_hides("found not listed");
    h.ctrl('s');
    h.wait_for("Created the OAuth 2.0 authorization \"Local\"");

    let store = h.store();
    let app = store.apps().unwrap().remove(0);
    let auth = store.authorizations(app.id).unwrap().into_iter().find(|a| a.name == "Local").unwrap();
    let AuthConfig::OAuth2(c) = &auth.config else { panic!("not OAuth 2.0") };
    assert_eq!(c.issuer, provider.issuer);
    assert_eq!(c.authorization_uri, provider.authorization_endpoint());
    let refs = auth.config.endpoint_refs();
    assert!(refs.by_purpose().iter().all(|(_, id)| id.is_some()), "{refs:?}");
    assert_eq!(store.endpoints(app.id).unwrap().len(), 6);
}

#[test]
fn a_question_taller_than_the_screen_scrolls_and_keeps_its_keys_in_sight() {
    let provider = provider();
    let issuer = provider.issuer.clone();
    let mut h = Harness::setup()
        .size(80, 16)
        .seed(move |store| {
            let app_id = store.apps_or_first().unwrap()[0].id;
            let config = OAuth2Config { issuer, client_id: "some-client".into(), ..Default::default() };
            store.insert_authorization(app_id, "Short", &AuthConfig::OAuth2(config)).unwrap();
        })
        .start();
    // (A new database has examples too; the seeded one is named last.)
    h.press("/Short");
    h.enter();
    h.enter();
    h.assert_shows("Edit OAuth 2.0 authorization");
    h.ctrl('d');
    h.wait_for("Fill in the form from");
    h.assert_shows("↓ more (j)");
    h.assert_shows("y yes");
    h.assert_hides("JWKS (signing keys)");
    for _ in 0..30 {
        h.press("j");
    }
    h.assert_shows("JWKS (signing keys)");
    h.assert_hides("↓ more (j)");
    h.assert_hides("Fill in the form from");
    h.assert_shows("y yes");
    h.press("k");
    h.assert_shows("↓ more (j)");
    // Scrolling is not an answer: n still says no, and nothing was created.
    h.press("n");
    h.assert_hides("Fill in the form from");
    assert!(h.store().endpoints(h.app_id()).unwrap().is_empty());
}

/// A device-code authorization of the public client, made from the provider's discovery document.
fn seed_device_authorization(store: &mut authdeck::store::Store) {
    let provider = provider();
    let metadata = ProviderMetadata::from_json(&provider.discovery).unwrap();
    let app_id = store.apps_or_first().unwrap()[0].id;
    let config = OAuth2Config {
        client_id: oidc::PUBLIC_CLIENT_ID.into(),
        client_auth: ClientAuth::None,
        scopes: "openid profile email offline_access".into(),
        grant: Grant::DeviceCode,
        ..Default::default()
    };
    let plan = DiscoveryPlan::new(&metadata, "Device", &config, &store.endpoints(app_id).unwrap());
    store.save_discovered_authorization(app_id, "Device", None, config, &plan).unwrap();
}

/// The user code on screen: its letters are drawn spaced out ("W D J B - M J H T").
fn user_code_on(screen: &str) -> Option<String> {
    screen.lines().find_map(|line| {
        let chars: Vec<char> = line.chars().collect();
        chars.windows(17).find_map(|w| {
            let code: String = w.iter().step_by(2).collect();
            let spaced = w.iter().skip(1).step_by(2).all(|c| *c == ' ');
            let shape = code.chars().enumerate().all(|(i, c)| if i == 4 { c == '-' } else { c.is_ascii_uppercase() });
            (spaced && shape).then_some(code)
        })
    })
}

#[test]
fn at_80_by_24_the_verification_page_has_its_qr_code_whole_and_shorter_says_where_it_is() {
    // Started here, not first in the seed (as the other device test does).
    provider();
    let mut h = Harness::setup().size(80, 24).seed(seed_device_authorization).start();
    h.key(KeyCode::Down);
    h.press("t");
    h.wait_for("and enter the code:");
    h.press("u");
    h.assert_shows("The verification page of the device login, whole");
    // The whole QR code: both top finder patterns on one row, the bottom one's last row below it.
    let screen = h.screen();
    let rows: Vec<&str> = screen.lines().collect();
    let top = rows
        .iter()
        .position(|r| r.matches("█▀▀▀▀▀█").count() == 2)
        .unwrap_or_else(|| panic!("the top of the QR code:\n{screen}"));
    assert!(rows[top..].iter().any(|r| r.trim_start().starts_with("▀▀▀▀▀▀▀ ")), "its bottom:\n{screen}");
    h.assert_hides("A taller terminal");
    h.esc();
    h.esc();
    h.wait_for("Cancelled");
    drop(h);

    // Shorter than that, it says where the code is instead: further down the pane.
    let mut h = Harness::setup().size(80, 18).seed(seed_device_authorization).start();
    h.key(KeyCode::Down);
    h.press("t");
    h.wait_for("On any device with a browser, open:");
    h.press("u");
    h.assert_shows("A taller terminal shows a QR code of the page here; the test pane has it");
    h.assert_shows("further down: Esc, then PgDn.");
    h.esc();
    let mut qr = false;
    for _ in 0..30 {
        h.key(KeyCode::PageDown);
        qr = h.screen().contains("█▀▀▀▀▀█");
        if qr {
            break;
        }
    }
    assert!(qr, "a QR code's finder pattern further down the pane:\n{}", h.screen());
    h.esc();
    h.wait_for("Cancelled");
}

#[test]
fn a_device_login_in_the_pane_then_introspect_and_revoke_from_the_connections_tab() {
    let provider = provider();
    let mut h = Harness::setup().size(130, 60).seed(seed_device_authorization).start();
    h.key(KeyCode::Down);
    h.assert_shows("Device");
    h.press("t");
    h.wait_for("and enter the code:");
    h.assert_shows(&format!("{}/device", provider.issuer));
    // A countdown from 10:00 (the provider's 600 s), whichever second this screen was drawn in.
    assert!(h.screen().contains("The code expires in 10:00") || h.screen().contains("The code expires in 9:5"));
    h.assert_shows("Or scan it");
    let code = user_code_on(&h.screen()).expect("the user code on screen");
    // The page with the code already in it, as text too (RFC 8628 verification_uri_complete).
    h.assert_shows("Or open the page with the code already in it:");
    h.assert_shows(&format!("{}/device?user_code={code}", provider.issuer));
    // c copies the code (OSC 52), to paste on the page.
    h.press("c");
    h.assert_shows("Sent the user code (9 characters)");
    assert_eq!(h.take_effects(), [Effect::CopyToClipboard(code.clone())]);
    // u: the page with the code in it, whole, with the code and a QR code of it.
    h.assert_shows("c copies the code · u shows the page whole");
    h.press("u");
    h.assert_shows("The verification page of the device login, whole");
    h.assert_shows(&format!("{}/device?user_code={code}", provider.issuer));
    h.assert_shows(&format!("The code:  {code}"));
    assert!(h.screen().contains("█▀▀▀▀▀█"), "a QR code's finder pattern:\n{}", h.screen());
    h.esc();
    // o with no display says why, and where to go instead.
    h.press("o");
    h.assert_shows("No browser here");
    // (The message wraps at the screen's width: its start, then its end.)
    h.assert_shows(&format!("Open {}/device on any", provider.issuer));
    h.assert_shows("u shows the page and a QR code of it.");
    assert!(h.take_effects().is_empty(), "no browser started");

    // The user approves on another device.
    let page = format!("{}/device?user_code={code}", provider.issuer);
    let approved = std::thread::spawn(move || oidc::device_login(&page, false));
    h.wait_for("✓ Test User");
    assert_eq!(approved.join().unwrap(), "approved");
    h.assert_shows("Connection saved");

    // The ID token's checks, one a line, and its decoded claims.
    h.key(KeyCode::Up);
    h.key(KeyCode::Up);
    h.assert_shows("ID token checked");
    h.assert_shows("✓ signature: valid, key authdeck-test-rsa");
    h.assert_shows(&format!("✓ iss: {}", provider.issuer));
    h.assert_shows("✓ aud: public-client");
    h.assert_shows("ID token claims (the token itself is not shown):");
    assert!(h.screens.iter().all(|s| !s.contains(&format!("\"{code}\""))), "the code is never in a record on screen");

    // The Connections tab: introspect, then revoke (asked first), then introspect again.
    h.esc();
    h.tab(2);
    h.assert_shows("Connections 1/1");
    h.assert_shows("active");
    h.press("i");
    h.wait_for("The access token of connection 1 is active.");
    h.esc();
    h.press("v");
    h.assert_shows("Revoke the tokens of \"Device\"");
    h.press("y");
    h.wait_for("Revoked the refresh token and the access token of connection 1.");
    h.esc();
    h.assert_shows("revoked");
    // Its expiry means nothing any more.
    let screen = h.screen();
    let row = screen.lines().find(|l| l.starts_with("Device")).expect("the connection's row");
    assert!(row.contains(" — ") && !row.contains("expires in"), "{row}");
    h.press("i");
    h.wait_for("is inactive");
    h.esc();
    // A revoked connection is neither revoked again nor refreshed.
    h.press("r");
    h.assert_shows("were revoked");
    // Nor are its tokens offered for copying in its detail.
    h.enter();
    h.assert_shows("Status          revoked");
    h.assert_shows("Access token    revoked");
    h.assert_hides("c copy the access token");
    h.press("c");
    assert!(h.take_effects().is_empty(), "a revoked token is not copied");
    h.assert_hides("Copy a secret");
}
