//! The OAuth 2.0 form, endpoints created on the way, the Endpoints tab, and export/import from the
//! TUI, driven by keys as a user would.

#[path = "support/tui.rs"]
mod tui;
use tui::isolated;

use authdeck::model::{AuthConfig, ClientAuth, EndpointPurpose};
use crossterm::event::KeyCode;
use tui::Harness;

const SECRET: &str = "fake-client-secret-1234";

/// Fills the OAuth 2.0 form up to the token endpoint; the focus ends on the Token Endpoint field.
fn fill_oauth_basics(h: &mut Harness, authorization_uri: &str) {
    h.press("no");
    h.assert_shows("New OAuth 2.0 authorization");
    h.fill("GitHub");
    h.focus("Client ID");
    h.press("Iv1.fake-client-id");
    h.focus("Client Secret");
    h.press(SECRET);
    h.focus("Authorization URI");
    h.press(authorization_uri);
    h.focus("Scopes");
    h.press("read,write profile");
    h.focus("Token Endpoint");
}

/// From an endpoint field, opens its list, picks "Create a new endpoint", fills the URL and saves.
fn create_endpoint_on_the_spot(h: &mut Harness, url: &str) {
    h.enter();
    h.assert_shows("+ Create a new endpoint");
    // "Create a new endpoint" is the last entry.
    for _ in 0..10 {
        h.key(KeyCode::Down);
    }
    h.enter();
    h.focus("URL");
    h.press(url);
    h.ctrl('s');
}

#[test]
fn an_oauth2_authorization_with_every_field_and_both_endpoints_created_on_the_way() {
    let mut h = Harness::new();
    fill_oauth_basics(&mut h, "https://github.com/login/oauth/authorize");
    h.assert_shows("3 scopes: read · write · profile");

    create_endpoint_on_the_spot(&mut h, "https://github.com/login/oauth/access_token");
    // Back in the OAuth form, with the new endpoint selected and nothing typed lost.
    h.assert_shows("New OAuth 2.0 authorization");
    h.assert_shows("Created the endpoint \"Token endpoint\"");
    h.assert_shows("Token endpoint  ▾");
    h.assert_shows("Iv1.fake-client-id");
    h.assert_shows("read,write profile");

    h.focus("User Information Endpoint");
    create_endpoint_on_the_spot(&mut h, "https://api.github.com/user");
    h.assert_shows("User information endpoint  ▾");

    h.focus("Redirect URI");
    h.fill("http://127.0.0.1:9000/callback");
    h.focus("Client authentication");
    h.key(KeyCode::Right);
    h.assert_shows("◀ Request body ▶");
    h.focus("PKCE (S256)");
    h.key(KeyCode::Char(' '));
    h.assert_shows("[ ] off");
    // Enter on the button (below the last field) creates it.
    while !h.screen().contains("▶                           [ Create Authorization ]") {
        h.tab(1);
    }
    h.enter();
    h.assert_shows("Created the OAuth 2.0 authorization \"GitHub\"");
    // The summary column is narrower since names got more room: "3 scope(s)" may end in "…".
    h.assert_shows("client Iv1.fake-client-id at github.com, 3 scope");
    h.assert_hides(SECRET);

    let store = h.store();
    let app = store.apps().unwrap().remove(0);
    let endpoints = store.endpoints(app.id).unwrap();
    let token = endpoints.iter().find(|e| e.purpose == EndpointPurpose::Token).unwrap();
    let user = endpoints.iter().find(|e| e.purpose == EndpointPurpose::UserInfo).unwrap();
    assert_eq!(token.method, authdeck::model::Method::Post);
    assert!(token.body.contains("code={{code}}"));
    assert_eq!(user.headers.lines().next(), Some("Authorization: Bearer {{access_token}}"));
    let auth = store.authorizations(app.id).unwrap().into_iter().find(|a| a.name == "GitHub").unwrap();
    let AuthConfig::OAuth2(c) = auth.config else { panic!("not OAuth 2.0") };
    assert_eq!(c.client_id, "Iv1.fake-client-id");
    assert_eq!(c.client_secret, SECRET);
    assert_eq!(c.scopes, "read,write profile");
    assert_eq!(c.token_endpoint, Some(token.id));
    assert_eq!(c.userinfo_endpoint, Some(user.id));
    assert_eq!(c.redirect_uri, "http://127.0.0.1:9000/callback");
    assert_eq!(c.client_auth, ClientAuth::RequestBody);
    assert!(!c.pkce);

    // And in `authdeck list --json`.
    let out = isolated::authdeck(&h.db).args(["list", "--json"]).output().unwrap();
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(list.as_array().unwrap().iter().any(|a| a["kind"] == "oauth2" && a["name"] == "GitHub"), "{list}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains(SECRET));
}

#[test]
fn each_validation_message_appears_beside_its_field_and_the_cursor_goes_to_the_first() {
    let mut h = Harness::new();
    h.press("no");
    h.focus("Authorization URI");
    h.press("https://auth.example.test/authorize#section");
    h.focus("Redirect URI");
    h.fill("not a url");
    h.ctrl('s');
    h.assert_shows("✗ Enter the Client ID the provider gave your app.");
    h.assert_shows("✗ Enter the Client Secret, or set Client authentication to None");
    h.assert_shows("✗ The Authorization URI can't have a #fragment");
    h.assert_shows("✗ Choose a token endpoint, or create one (Enter).");
    h.assert_shows("✗ The redirect URI must be an absolute URL");
    h.assert_shows("▶ Client ID");
    // Nothing typed is lost.
    h.assert_shows("https://auth.example.test/authorize#section");
    h.assert_shows("not a url");

    // A relative URI says what it must be.
    h.focus("Authorization URI");
    h.fill("/oauth/authorize");
    h.ctrl('s');
    h.assert_shows("✗ The Authorization URI must be an absolute URL starting with https:// or http://.");
}

#[test]
fn a_public_client_needs_no_secret() {
    let mut h = Harness::new();
    h.press("no");
    h.focus("Client authentication");
    h.key(KeyCode::Left);
    h.assert_shows("◀ None (public client) ▶");
    h.ctrl('s');
    h.assert_hides("Enter the Client Secret");
}

#[test]
fn the_secret_is_never_on_screen_unless_revealed() {
    let mut h = Harness::new();
    fill_oauth_basics(&mut h, "https://auth.example.test/authorize");
    h.assert_hides(SECRET);
    h.focus("Client Secret");
    // Masked while focused too.
    h.assert_hides(SECRET);
    h.assert_shows(&"•".repeat(SECRET.len()));
    h.ctrl('r');
    h.assert_shows(SECRET);
    h.ctrl('r');
    h.assert_hides(SECRET);
    // Validation errors don't reveal it either.
    h.ctrl('s');
    h.assert_hides(SECRET);
}

#[test]
fn authorization_uri_parameters_are_kept_as_typed() {
    let mut h = Harness::new();
    fill_oauth_basics(&mut h, "https://accounts.example.test/o/oauth2/auth?response_type=code&prompt=consent");
    h.assert_shows("kept as typed: response_type=code  prompt=consent");
    create_endpoint_on_the_spot(&mut h, "https://accounts.example.test/token");
    h.ctrl('s');
    h.assert_shows("Created the OAuth 2.0 authorization \"GitHub\"");
    let store = h.store();
    let app = store.apps().unwrap().remove(0);
    let auth = store.authorizations(app.id).unwrap().into_iter().find(|a| a.name == "GitHub").unwrap();
    let AuthConfig::OAuth2(c) = auth.config else { panic!("not OAuth 2.0") };
    assert_eq!(c.authorization_uri, "https://accounts.example.test/o/oauth2/auth?response_type=code&prompt=consent");
}

#[test]
fn editing_keeps_unchanged_fields_and_says_save() {
    let mut h = Harness::new();
    fill_oauth_basics(&mut h, "https://auth.example.test/authorize?audience=api");
    create_endpoint_on_the_spot(&mut h, "https://auth.example.test/token");
    h.ctrl('s');
    // The new authorization is selected; edit it.
    h.enter();
    h.assert_shows("Edit OAuth 2.0 authorization");
    // The form is taller than the screen: Shift-Tab from the first field wraps to its button.
    h.key(KeyCode::BackTab);
    h.assert_shows("[ Save ]");
    h.focus("Scopes");
    h.fill("openid");
    h.ctrl('s');
    h.assert_shows("Saved the OAuth 2.0 authorization \"GitHub\"");
    let store = h.store();
    let app = store.apps().unwrap().remove(0);
    let auth = store.authorizations(app.id).unwrap().into_iter().find(|a| a.name == "GitHub").unwrap();
    let AuthConfig::OAuth2(c) = auth.config else { panic!("not OAuth 2.0") };
    assert_eq!(c.scopes, "openid");
    assert_eq!(c.client_secret, SECRET);
    assert_eq!(c.client_id, "Iv1.fake-client-id");
    assert_eq!(c.authorization_uri, "https://auth.example.test/authorize?audience=api");
    assert!(c.token_endpoint.is_some());
    assert!(c.pkce);
}

#[test]
fn the_endpoints_tab_lists_them_and_refuses_to_delete_a_used_one() {
    let mut h = Harness::new();
    fill_oauth_basics(&mut h, "https://auth.example.test/authorize");
    create_endpoint_on_the_spot(&mut h, "https://auth.example.test/token");
    h.ctrl('s');
    h.tab(1);
    h.assert_shows("Endpoints 1/1");
    h.assert_shows("Token endpoint");
    h.assert_shows("auth.example.test/token");
    h.press("d");
    h.assert_shows("The endpoint \"Token endpoint\" is used by GitHub");
    assert_eq!(h.store().endpoints(h.app_id()).unwrap().len(), 1);

    // An unused one goes, after asking.
    h.press("n");
    h.focus("URL");
    h.press("https://auth.example.test/other");
    h.focus("Name");
    h.fill("Spare");
    h.ctrl('s');
    h.assert_shows("Endpoints 1/2");
    h.press("d");
    h.assert_shows("Delete the endpoint \"Spare\"?");
    h.press("y");
    h.assert_shows("Endpoints 1/1");
}

#[test]
fn an_unknown_template_variable_is_shown_before_saving() {
    let mut h = Harness::new();
    h.tab(1);
    h.press("n");
    h.focus("URL");
    h.press("https://auth.example.test/token");
    h.focus("Body");
    h.key(KeyCode::End);
    h.enter();
    h.press("client={{clinet_id}}");
    h.ctrl('s');
    h.assert_shows("✗ Unknown variable {{clinet_id}}");
    h.assert_shows("client={{clinet_id}}");
    assert!(h.store().endpoints(h.app_id()).unwrap().is_empty());
}

#[test]
fn a_user_information_endpoint_shows_its_own_response_paths() {
    let mut h = Harness::new();
    h.tab(1);
    h.press("n");
    h.assert_shows("Path: access token");
    h.focus("Purpose");
    h.key(KeyCode::Right);
    h.assert_shows("◀ User information ▶");
    h.assert_shows("Path: user email");
    h.assert_hides("Path: access token");
    // Untouched pre-filled values follow the purpose: a user endpoint is a GET with the token.
    h.focus("URL");
    h.press("https://api.example.test/me");
    h.ctrl('s');
    let saved = h.store().endpoints(h.app_id()).unwrap().remove(0);
    assert_eq!(saved.method, authdeck::model::Method::Get);
    assert_eq!(saved.headers, "Authorization: Bearer {{access_token}}\nAccept: application/json");
    assert_eq!(saved.body, "");
    assert_eq!(saved.mapping.user_id, "sub|id");
    assert_eq!(saved.name, "User information endpoint");
}

#[test]
fn changing_the_purpose_keeps_what_was_edited() {
    let mut h = Harness::new();
    h.tab(1);
    h.press("n");
    h.focus("Headers");
    h.key(KeyCode::End);
    h.enter();
    h.press("X-Custom: 1");
    h.focus("Purpose");
    h.key(KeyCode::Right);
    h.focus("URL");
    h.press("https://api.example.test/me");
    h.ctrl('s');
    let saved = h.store().endpoints(h.app_id()).unwrap().remove(0);
    assert_eq!(saved.headers, "Accept: application/json\nX-Custom: 1", "edited headers are kept");
    assert_eq!(saved.method, authdeck::model::Method::Get, "the untouched method follows the purpose");
}

#[test]
fn export_and_import_from_the_tui() {
    let mut h = Harness::new();
    fill_oauth_basics(&mut h, "https://auth.example.test/authorize");
    create_endpoint_on_the_spot(&mut h, "https://auth.example.test/token");
    h.ctrl('s');
    let file = h.db.with_file_name("export.json");
    h.press("x");
    h.assert_shows("Export this app");
    h.assert_shows("my-app.authdeck.json");
    h.fill(file.to_str().unwrap());
    h.enter();
    h.assert_shows("Exported to");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("\"version\": 3") && text.contains("\"token_endpoint\": \"Token endpoint\""));
    assert!(!text.contains(SECRET));

    // A broken file: the prompt says where, keeps the path, and nothing changes.
    let broken = h.db.with_file_name("broken.json");
    std::fs::write(&broken, text.replace("\"kind\": \"oauth2\"", "\"kind\": \"oauth3\"")).unwrap();
    h.press("i");
    h.press(broken.to_str().unwrap());
    h.enter();
    h.assert_shows("apps[0].authorizations");
    h.assert_shows("broken.json");
    h.esc();

    h.press("i");
    h.press(file.to_str().unwrap());
    h.enter();
    h.assert_shows("Imported 1 app(s), 1 endpoint(s) and 2 authorization(s).");
    // The stored secret survives a secret-less import.
    let store = h.store();
    let auth = store.authorizations(h.app_id()).unwrap().into_iter().find(|a| a.name == "GitHub").unwrap();
    let AuthConfig::OAuth2(c) = auth.config else { panic!("not OAuth 2.0") };
    assert_eq!(c.client_secret, SECRET);
}

#[test]
fn exporting_over_an_existing_file_asks_first() {
    let mut h = Harness::new();
    let file = h.db.with_file_name("existing.json");
    std::fs::write(&file, "keep me").unwrap();
    h.press("x");
    h.fill(file.to_str().unwrap());
    h.enter();
    h.assert_shows("exists. Replace it with this");
    h.press("n");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me");
    h.assert_shows("Export this app");
    h.enter();
    h.press("y");
    h.assert_shows("Exported to");
    assert!(std::fs::read_to_string(&file).unwrap().contains("\"version\": 3"));
}

#[test]
fn a_second_token_endpoint_gets_a_free_name() {
    let mut h = Harness::new();
    h.tab(1);
    h.press("n");
    h.focus("URL");
    h.press("https://a.example.test/token");
    h.ctrl('s');
    h.press("n");
    h.assert_shows("Token endpoint 2");
}
