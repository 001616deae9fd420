//! The OAuth 2.0 form warns, as the user edits, about what RFC 9700 and RFC 8252 advise against:
//! a public client without PKCE, a redirect URI or a token endpoint on plain http:// to another
//! machine; loopback stays quiet. And its response mode (query or form post) is saved.

#[path = "support/tui.rs"]
mod tui;

use authdeck::model::{AuthConfig, ResponseMode};
use crossterm::event::KeyCode;
use tui::Harness;

#[test]
fn the_form_warns_about_pkce_off_for_a_public_client_and_cleartext_redirects() {
    let mut h = Harness::with_size(120, 60);
    h.press("no");
    h.assert_shows("New OAuth 2.0 authorization");
    h.assert_hides("⚠");
    h.focus("Client authentication");
    h.key(KeyCode::Left);
    h.assert_shows("◀ None (public client) ▶");
    h.focus("PKCE (S256)");
    h.key(KeyCode::Char(' '));
    h.assert_shows("[ ] off");
    h.assert_shows("⚠ PKCE is off for a public client");
    h.key(KeyCode::Char(' '));
    h.assert_hides("PKCE is off for a public client");

    h.focus("Redirect URI");
    h.fill("http://app.example.test/callback");
    h.assert_shows("⚠ The redirect URI uses plain http:// to another machine");
    h.fill("http://127.0.0.1:38976/callback");
    h.assert_hides("⚠ The redirect URI");
}

#[test]
fn a_cleartext_token_endpoint_is_warned_where_it_is_chosen_and_form_post_is_saved() {
    let mut h = Harness::with_size(120, 60);
    h.press("no");
    h.focus("Client ID");
    h.press("fake-client");
    h.focus("Client Secret");
    h.press("fake-secret-warned");
    h.focus("Authorization URI");
    h.press("https://auth.example.test/authorize");
    h.focus("Token Endpoint");
    h.enter();
    h.assert_shows("+ Create a new endpoint");
    h.key(KeyCode::End);
    h.enter();
    h.focus("URL");
    h.press("http://tokens.example.test/oauth/token");
    h.ctrl('s');
    h.assert_shows("Token endpoint  ▾");
    h.assert_shows("⚠ The token endpoint \"Token endpoint\" uses plain http:// to tokens.example.test");
    h.focus("Response mode");
    h.key(KeyCode::Right);
    h.assert_shows("◀ Form post (response_mode=form_post) ▶");
    h.ctrl('s');
    h.assert_shows("Created the OAuth 2.0 authorization");
    let store = h.store();
    let auth = store.authorizations(h.app_id()).unwrap().into_iter().find(|a| a.kind().code() == "oauth2").unwrap();
    let AuthConfig::OAuth2(c) = auth.config else { panic!() };
    assert_eq!(c.response_mode, ResponseMode::FormPost);
}
