//! The test-connection pane, driven by keys on TestBackend through whole flows against the real
//! OpenID Connect provider (oidc-provider, with a scripted browser), and the Connections tab.

#[path = "support/ports.rs"]
mod ports;
use ports::free_port;
#[path = "support/oidc.rs"]
mod oidc;
#[path = "support/tui.rs"]
mod tui;
use tui::isolated;

use std::sync::{Arc, Mutex, OnceLock};

use authdeck::app::Effect;
use authdeck::model::{AuthConfig, ClientAuth, Endpoint, EndpointPurpose, OAuth2Config};
use crossterm::event::{Event, KeyCode};
use oidc::{OidcProvider, browser_login};
use tui::Harness;

fn provider() -> &'static OidcProvider {
    static PROVIDER: OnceLock<OidcProvider> = OnceLock::new();
    PROVIDER.get_or_init(OidcProvider::start)
}

/// Everything the app logs (at TRACE) during these tests, to check no secret reaches a log.
fn log() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = LogWriter(buffer.clone());
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("one subscriber");
        buffer
    })
}

#[derive(Clone)]
struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The app on a `width`×`height` screen with an OAuth 2.0 authorization (client_secret_basic)
/// pointing at the provider, selected; and its redirect URI's port.
fn start(setup: tui::Setup) -> (Harness, u16) {
    let port = free_port();
    let mut h = setup.seed(move |store| add_authorization(store, port)).start();
    h.key(KeyCode::Down);
    (h, port)
}

/// Saves the authorization of [`start`] in the store, its redirect URI on `port`.
fn add_authorization(store: &mut authdeck::store::Store, port: u16) {
    let provider = provider();
    let app_id = store.apps_or_first().unwrap()[0].id;
    let token = Endpoint { app_id, url: provider.token_endpoint(), ..Endpoint::new_for(EndpointPurpose::Token) };
    let token_id = store.insert_endpoint(&token).unwrap();
    let me = Endpoint { app_id, url: provider.userinfo_endpoint(), ..Endpoint::new_for(EndpointPurpose::UserInfo) };
    let me_id = store.insert_endpoint(&me).unwrap();
    let config = AuthConfig::OAuth2(OAuth2Config {
        client_id: oidc::BASIC_CLIENT_ID.into(),
        client_secret: oidc::BASIC_CLIENT_SECRET.into(),
        authorization_uri: format!("{}?prompt=consent", provider.authorization_endpoint()),
        scopes: "openid profile email offline_access".into(),
        token_endpoint: Some(token_id),
        userinfo_endpoint: Some(me_id),
        redirect_uri: format!("http://127.0.0.1:{port}/callback"),
        client_auth: ClientAuth::BasicHeader,
        pkce: true,
        // The revocation and introspection endpoints are found by discovery.
        issuer: provider.discovery_url().trim_end_matches("/.well-known/openid-configuration").to_owned(),
        ..Default::default()
    });
    store.insert_authorization(app_id, "Local OIDC", &config).unwrap();
}

/// Starts the test with `t` and copies the authorization URL with `c`, as the user does.
fn start_and_copy_url(h: &mut Harness) -> String {
    h.press("t");
    h.assert_shows("Test \"Local OIDC\"");
    h.wait_for("Listening for the callback");
    h.press("c");
    h.assert_shows("Sent the URL (");
    match h.take_effects().as_slice() {
        [Effect::CopyToClipboard(url)] => url.clone(),
        other => panic!("expected one copy, got {other:?}"),
    }
}

/// No secret of the run was ever on screen or in the log: the client secret, the code, the tokens.
fn assert_no_secret_was_shown(h: &Harness, code: &str) {
    let logged = String::from_utf8_lossy(&log().lock().unwrap()).into_owned();
    let connections = h.store().connections(h.app_id()).unwrap();
    let mut secrets = vec![oidc::BASIC_CLIENT_SECRET.to_owned(), code.to_owned()];
    for c in &connections {
        secrets.push(c.tokens.access_token.reveal().clone());
        if let Some(r) = &c.tokens.refresh_token {
            secrets.push(r.reveal().clone());
        }
    }
    // Any 10 characters in a row of a secret count: a box may show only part of it.
    let pieces: Vec<&str> =
        secrets.iter().flat_map(|s| (0..s.len().saturating_sub(9)).filter_map(move |i| s.get(i..i + 10))).collect();
    for screen in &h.screens {
        let flat: String = screen.lines().map(str::trim_end).collect();
        for piece in &pieces {
            assert!(!flat.contains(piece), "part of a secret ({piece}) was on screen:\n{screen}");
        }
    }
    for secret in &secrets {
        assert!(!logged.contains(secret.as_str()), "a secret reached the log");
    }
}

fn code_of(url: &str) -> String {
    url::Url::parse(url).unwrap().query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned()
}

#[test]
fn a_whole_flow_with_the_callback_reaching_the_listener() {
    log();
    let (mut h, _) = start(Harness::setup().size(140, 45));
    let url = start_and_copy_url(&mut h);
    assert!(url.contains("prompt=consent") && url.contains("code_challenge_method=S256"), "{url}");
    h.assert_shows("Waiting for the callback");

    // The scripted browser logs in, consents, and its redirect reaches authdeck's listener.
    let redirected = browser_login(&url, false, true);
    h.wait_for("✓ Test User");
    h.assert_shows("test.user@example.test");
    h.assert_shows("Connection saved");
    assert_no_secret_was_shown(&h, &code_of(&redirected));

    // Walk the steps (up past user information and the ID token): the token exchange shows its
    // request and response, redacted.
    h.key(KeyCode::Up);
    h.key(KeyCode::Up);
    h.key(KeyCode::Up);
    h.assert_shows("→ POST");
    h.assert_shows("← HTTP 200");
    assert_no_secret_was_shown(&h, &code_of(&redirected));

    // Esc closes the finished pane; the Authorizations tab shows the last result.
    h.esc();
    h.assert_shows("ok ");
    h.tab(2);
    h.assert_shows("Connections 1/1");
    h.assert_shows("Test User <test.user@example.test>");
    h.assert_shows("expires in");

    // The log file never holds a secret: the harness logs nowhere, so check the store's test runs.
    let id = h.store().authorization_rows(None).unwrap()[1].authorization.id;
    let runs = h.store().test_runs(id, 10).unwrap();
    let steps = serde_json::to_string(&runs[0].steps).unwrap();
    assert!(!steps.contains(oidc::BASIC_CLIENT_SECRET) && !steps.contains(&code_of(&redirected)));
}

#[test]
fn a_whole_flow_with_the_redirected_url_pasted_then_refresh() {
    log();
    let (mut h, _) = start(Harness::setup().size(140, 45));
    let url = start_and_copy_url(&mut h);
    // The browser is on another machine: the redirect doesn't reach the listener; the user pastes it.
    let redirected = browser_login(&url, false, false);

    // A URL without a code first: refused with a message, kept in the box, the flow keeps waiting.
    h.press("p");
    h.paste("https://elsewhere.example.test/page");
    h.enter();
    h.wait_for("✗ That is neither a URL nor a code");
    h.assert_shows("Waiting for the callback");
    // What was pasted is kept, masked (a real redirect holds the code); Ctrl-R shows it.
    h.assert_hides("https://elsewhere.example.test/page");
    h.assert_shows("••••••••••");
    h.ctrl('r');
    h.assert_shows("https://elsewhere.example.test/page");
    h.ctrl('r');

    h.ctrl('a');
    h.ctrl('k');
    h.paste(&redirected);
    h.enter();
    h.wait_for("✓ Test User");
    assert_no_secret_was_shown(&h, &code_of(&redirected));

    // r runs a refresh-token grant on the saved connection.
    h.press("r");
    h.wait_for("Refresh \"Local OIDC\"");
    h.wait_for("✓ Test User");
    h.assert_shows("Refresh-token grant");
    assert_no_secret_was_shown(&h, &code_of(&redirected));

    // The connection in full: introspect says it is active; revoke (after asking) marks it revoked.
    h.esc();
    h.tab(2);
    h.enter();
    h.assert_shows("Connection of \"Local OIDC\"");
    h.assert_shows("Last check      none yet (`authdeck check` runs one headless)");
    // The refresh lab, on the connection: force expiry, then the rotation test; the reuse test
    // asks first (it may cost the grant).
    h.press("e");
    h.wait_for("Force expiry \"Local OIDC\" · done");
    h.assert_shows("✓ Token marked expired       ");
    h.assert_shows("✓ Test User");
    h.esc();
    h.press("o");
    h.wait_for("Rotation test \"Local OIDC\" · done");
    h.assert_shows("The provider does not rotate refresh tokens");
    h.esc();
    h.press("O");
    h.assert_shows("then send the replaced refresh token again?");
    h.esc();
    h.assert_shows("Connection of \"Local OIDC\"");
    h.press("i");
    h.wait_for("Introspect \"Local OIDC\" · done");
    h.assert_shows("active");
    h.esc();
    h.press("v");
    h.assert_shows("Revoke the tokens of \"Local OIDC\"");
    h.press("y");
    h.wait_for("Revoke \"Local OIDC\" · done");
    h.esc();
    h.wait_for("revoked");
    h.assert_hides("r refresh");
    assert_no_secret_was_shown(&h, &code_of(&redirected));
}

#[test]
fn escape_cancels_the_run_frees_the_port_and_records_it() {
    let (mut h, port) = start(Harness::setup().size(140, 45));
    h.press("t");
    h.wait_for("Listening for the callback");
    h.esc();
    h.wait_for("Cancelled: the port was freed");
    std::net::TcpListener::bind(("127.0.0.1", port)).expect("the port is free again");
    h.esc();
    h.assert_shows("cancelled");
}

#[test]
fn the_user_denying_consent_is_shown_as_the_provider_said() {
    let (mut h, _) = start(Harness::setup().size(140, 45));
    let url = start_and_copy_url(&mut h);
    browser_login(&url, true, true);
    h.wait_for("✗");
    h.assert_shows("access_denied");
}

#[test]
fn over_ssh_the_pane_shows_the_forwarding_command_and_offers_no_browser() {
    // On a small terminal too: the steps go above, what to do comes first.
    let env = authdeck::platform::Environment {
        ssh_connection: Some("203.0.113.9 50000 198.51.100.7 22".into()),
        user: Some("dev".into()),
        ..Default::default()
    };
    let (mut h, port) = start(Harness::setup().size(80, 24).env(env));
    h.press("t");
    h.wait_for("Listening for the callback");
    h.assert_shows(&format!("ssh -L {port}:127.0.0.1:{port} dev@198.51.100.7"));
    h.assert_hides("opens it in a browser");
    // `o` says why there is no browser, and opens none.
    h.press("o");
    h.assert_shows("No browser here: this is an SSH session");
    assert!(h.take_effects().is_empty());
    // A letter that is no key does nothing: it doesn't start the paste box.
    h.press("x");
    h.assert_hides("Paste the redirected URL or code ·");
    h.esc();
    h.wait_for("Cancelled: the port was freed");
}

/// A user information endpoint that knows one API key: `Bearer fake-key-123`. Serves until the
/// test process ends.
fn key_checking_server() -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/me", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut socket in listener.incoming().flatten() {
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match socket.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let text = String::from_utf8_lossy(&request).to_lowercase();
            let (status, body) = if text.contains("authorization: bearer fake-key-123") {
                ("200 OK", r#"{"id": 42, "name": "Key User", "email": "key.user@example.test"}"#)
            } else {
                ("401 Unauthorized", r#"{"error": "bad key"}"#)
            };
            let response = format!(
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(response.as_bytes());
        }
    });
    url
}

#[test]
fn an_api_key_is_asked_for_masked_and_tested_at_the_user_endpoint() {
    let url = key_checking_server();
    let mut h = Harness::setup()
        .size(140, 45)
        .seed(move |store| {
            let app_id = store.apps().unwrap()[0].id;
            // A header that uses the access token, which a key test has not: it is left out, with a note.
            let headers = "Accept: application/json\nX-Token: {{access_token}}".into();
            let me = Endpoint { app_id, url, headers, ..Endpoint::new_for(EndpointPurpose::UserInfo) };
            let me_id = store.insert_endpoint(&me).unwrap();
            let mut auth = store.authorizations(app_id).unwrap().remove(0);
            auth.config.set_endpoint_ids(None, Some(me_id));
            store.update_authorization(auth.id, &auth.name, &auth.config).unwrap();
        })
        .start();

    h.press("t");
    h.assert_shows("Test \"API-Key\"");
    h.assert_shows("API Key");
    // Its Ctrl-S tests (what its button says), in the footer and the help.
    h.assert_shows("Ctrl-S test");
    h.assert_hides("Ctrl-S save");
    h.key(KeyCode::F(1));
    h.assert_shows("Ctrl-S  test");
    h.esc();
    h.press("fake-key-123");
    h.assert_hides("fake-key-123");
    h.ctrl('s');
    h.wait_for("✓ Key User <key.user@example.test> (42)");
    assert!(h.screens.iter().all(|s| !s.contains("fake-key-123")));
    // The note is said once, not once as it came and again with the step's record.
    assert_eq!(h.screen().matches("Left out the header X-Token").count(), 1, "{}", h.screen());

    // A wrong key fails with the provider's answer.
    h.press("t");
    h.press("wrong-key-456");
    h.ctrl('s');
    h.wait_for("✗");
    h.assert_shows("401");
    assert!(h.screens.iter().all(|s| !s.contains("wrong-key-456")));
}

/// Through the real event loop: `t`, Esc (cancel), Esc (close), `q` in one burst still records the
/// run as cancelled, and the port is free afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quitting_mid_test_records_the_run_and_frees_the_port() {
    use crossterm::event::{KeyEvent, KeyModifiers};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.db");
    let port = free_port();
    let mut store = isolated::open(&path).unwrap();
    add_authorization(&mut store, port);
    let mut app = authdeck::app::App::new(store).unwrap();
    let key = |code| Ok(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    let events: Vec<std::io::Result<Event>> = vec![
        key(KeyCode::Down),
        key(KeyCode::Char('t')),
        key(KeyCode::Esc),
        key(KeyCode::Esc),
        key(KeyCode::Char('q')),
    ];
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 30)).unwrap();
    authdeck::tui::run(&mut terminal, &mut app, futures_util::stream::iter(events), &mut |_| Ok(())).await.unwrap();
    assert!(app.quit);
    drop(app);
    let store = isolated::open(&path).unwrap();
    let id = store.authorization_rows(None).unwrap()[1].authorization.id;
    let runs = store.test_runs(id, 10).unwrap();
    assert_eq!(runs.len(), 1, "the run was recorded");
    assert_eq!(runs[0].outcome, Some(authdeck::flow::RunOutcome::Cancelled));
    std::net::TcpListener::bind(("127.0.0.1", port)).expect("the port is free");
}
