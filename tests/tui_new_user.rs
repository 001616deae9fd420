//! What a new user hit (issue 9), each tried through the real key handling on the real event loop:
//! lists, footer and help, the test pane's URL and keys, forms, run history, connection detail,
//! start-up, colour.

#[path = "support/ports.rs"]
mod ports;
use ports::free_port;
#[path = "support/tui.rs"]
mod tui;

use authdeck::flow::{FlowKind, FlowReport, Identity, RunOutcome, StepId, StepRecord, StepStatus, Tokens};
use authdeck::model::context::KeptValue;
use authdeck::model::redact::Sensitive;
use authdeck::model::{AuthConfig, AuthKind, ClientAuth, Endpoint, EndpointPurpose, OAuth2Config};
use authdeck::platform::{Effect, Environment};
use authdeck::store::Store;
use crossterm::event::KeyCode;
use tui::Harness;

fn first_app(store: &Store) -> i64 {
    store.apps().unwrap()[0].id
}

/// An OAuth 2.0 authorization whose provider is never reached (a test stops at the callback),
/// listening on `port`; its id.
fn oauth(store: &mut Store, name: &str, port: u16) -> i64 {
    let app_id = first_app(store);
    let token = Endpoint {
        app_id,
        name: format!("{name} token"),
        url: "https://provider.example.test/oauth/token".into(),
        ..Endpoint::new_for(EndpointPurpose::Token)
    };
    let token = store.insert_endpoint(&token).unwrap();
    let me = Endpoint {
        app_id,
        name: format!("{name} user"),
        url: "https://api.provider.example.test/v1/me".into(),
        ..Endpoint::new_for(EndpointPurpose::UserInfo)
    };
    let me = store.insert_endpoint(&me).unwrap();
    let config = AuthConfig::OAuth2(OAuth2Config {
        client_id: "client-for-tests".into(),
        client_secret: "fake-secret-for-tests".into(),
        authorization_uri: "https://provider.example.test/oauth/authorize?prompt=consent&access_type=offline".into(),
        scopes: "openid profile email offline_access https://www.example.test/auth/calendar.readonly".into(),
        token_endpoint: Some(token),
        userinfo_endpoint: Some(me),
        redirect_uri: format!("http://127.0.0.1:{port}/callback"),
        client_auth: ClientAuth::BasicHeader,
        pkce: true,
        ..Default::default()
    });
    store.insert_authorization(app_id, name, &config).unwrap()
}

fn step(step: StepId, status: StepStatus, summary: &str) -> StepRecord {
    StepRecord { elapsed_ms: 12, ..StepRecord::new(step, status, summary) }
}

/// A finished run of `authorization`, `minutes` ago, as the engine reports it.
fn report(authorization: i64, outcome: RunOutcome, minutes: i64) -> FlowReport {
    let at = authdeck::model::time::now() - minutes * 60;
    let ok = outcome == RunOutcome::Ok;
    let tokens = ok.then(|| Tokens {
        access_token: Sensitive::new("fake-access-token-0123456789".into()),
        refresh_token: Some(Sensitive::new("fake-refresh-token-0123456789".into())),
        token_type: Some("Bearer".into()),
        expires_at: Some(authdeck::model::time::now() + 3600),
        scopes: "openid email".into(),
        id_token: None,
        refresh_expires_at: None,
        issued_at: Some(at),
        dpop_key: None,
    });
    let mut exchange_step =
        step(StepId::TokenExchange, if ok { StepStatus::Ok } else { StepStatus::Failed }, "HTTP 200");
    exchange_step.exchanges.push(authdeck::flow::HttpExchange {
        request: authdeck::flow::RequestRecord {
            method: "POST".into(),
            url: "https://provider.example.test/oauth/token".into(),
            headers: vec![("Authorization".into(), "Basic [redacted]".into())],
            body: Some("grant_type=authorization_code&code=[redacted]".into()),
        },
        response: Some(authdeck::flow::ResponseRecord {
            status: if ok { 200 } else { 400 },
            headers: vec![],
            body: if ok {
                "{\"access_token\": \"[redacted]\"}".into()
            } else {
                "{\"error\": \"invalid_grant\"}".into()
            },
        }),
        elapsed_ms: 12,
    });
    FlowReport {
        authorization_id: authorization,
        auth_kind: AuthKind::OAuth2,
        kind: FlowKind::Test,
        outcome,
        message: if ok {
            "Test User <test.user@example.test>".into()
        } else {
            "invalid_grant: the code expired".into()
        },
        started_at: at,
        finished_at: at + 3,
        steps: vec![step(StepId::AuthorizationUrl, StepStatus::Ok, "state and PKCE added"), exchange_step],
        identity: ok.then(|| Identity {
            id: Some("user-1".into()),
            name: Some("Test User".into()),
            email: Some("test.user@example.test".into()),
        }),
        grant: tokens.as_ref().map(Tokens::summary),
        grant_type: None,
        introspection: None,
        tokens,
        kept: Vec::new(),
        on_connection: None,
        connection_status: None,
        observed: Default::default(),
    }
}

// 1. The URL at 80×24: whole on its own screen, as a link; PgDn scrolls by a page; c says what it sent.

#[test]
fn at_80_by_24_the_url_is_reachable_whole_and_copying_says_what_was_sent() {
    let port = free_port();
    let env = Environment { in_tmux: true, ..Default::default() };
    let mut h = Harness::setup()
        .size(80, 24)
        .env(env)
        .seed(move |s| {
            oauth(s, "Google", port);
        })
        .start();
    h.key(KeyCode::Down);
    h.press("t");
    h.wait_for("Listening for the callback");
    h.press("c");
    let url = match h.take_effects().as_slice() {
        [Effect::CopyToClipboard(url)] => url.clone(),
        other => panic!("expected one copy, got {other:?}"),
    };
    assert!(url.len() > 3 * 80, "a long URL, wider than three lines: {}", url.len());
    h.assert_shows(&format!("Sent the URL ({} characters)", url.chars().count()));
    h.assert_shows("set -g set-clipboard on");

    // u: the URL alone, across the whole width, no border beside it.
    h.press("u");
    h.assert_shows("The authorization URL, whole");
    let rows: Vec<String> = h.screen().lines().map(str::to_owned).collect();
    let start = rows
        .iter()
        .position(|r| r.trim_end().len() > 20 && url.starts_with(r.trim_end()))
        .expect("the URL's first row");
    let whole: String = rows[start..].iter().map(|r| r.trim_end()).collect();
    assert!(whole.starts_with(&url), "the URL, whole and unbroken:\n{}", h.screen());
    assert!(!rows[start].contains('│'), "no border beside it");
    // And it is an OSC 8 link: the first cells carry the link sequence with the URL.
    let first = h.buffer()[(0, start as u16)].symbol().to_owned();
    assert!(first.starts_with(&format!("\u{1b}]8;;{url}\u{1b}\\")), "{first:?}");
    // Copied from here, the way round is the URL on this screen, not the key that shows it.
    h.press("c");
    assert_eq!(h.take_effects(), [Effect::CopyToClipboard(url.clone())]);
    h.assert_shows("Or select it above.");
    h.assert_hides("Or press u");
    h.esc();

    // In the pane, PgDn moves a page (less one line): every row of the URL comes into view.
    let mut seen = String::new();
    for _ in 0..6 {
        for line in h.screen().lines() {
            let row = line.trim_start_matches('│').trim_end_matches('│').trim_end().trim_start();
            if row.len() > 20 && url.contains(row) && !seen.contains(row) {
                seen.push_str(row);
            }
        }
        h.key(KeyCode::PageDown);
    }
    assert!(seen.len() >= url.len() - 2, "the whole URL was on screen, page by page");
    h.esc();
    h.wait_for("Cancelled");
}

// 7. Test pane keys: only p or a real paste opens the paste box; Ctrl-R there shows the paste only.

#[test]
fn only_p_or_a_paste_opens_the_paste_box_and_its_reveal_shows_only_the_paste() {
    let port = free_port();
    let mut h = Harness::setup()
        .size(120, 40)
        .seed(move |s| {
            oauth(s, "Google", port);
        })
        .start();
    h.key(KeyCode::Down);
    h.press("t");
    h.wait_for("Listening for the callback");
    h.press("zq");
    h.assert_hides("Paste the redirected URL or code ·");
    h.press("p");
    h.assert_shows("Paste the redirected URL or code ·");
    h.press("not-a-code");
    h.assert_hides("not-a-code");
    h.ctrl('r');
    h.assert_shows("not-a-code");
    h.assert_hides("Secrets shown");
    h.esc();
    h.esc();
    h.wait_for("Cancelled");
}

// 2. t on an incomplete authorization says what is missing and offers the form at that field.

#[test]
fn testing_an_imported_placeholder_offers_the_form_at_the_client_id() {
    let mut h = Harness::setup()
        .seed(|store| {
            let text = std::fs::read_to_string("tests/fixtures/github-placeholder-export.json").unwrap();
            store.import_json(&text).unwrap();
            let app = store.app_by_name("GitHub").unwrap().unwrap();
            store.set_setting(authdeck::store::LAST_APP, &app.id.to_string()).unwrap();
        })
        .start();
    h.assert_shows("authdeck · GitHub");
    h.press("t");
    h.assert_shows("Not ready to test");
    h.assert_shows("can't be tested yet. Client ID: This is still a placeholder");
    h.press("y");
    h.assert_shows("Edit OAuth 2.0 authorization");
    h.assert_shows("▶ Client ID");
    h.assert_shows("✗ This is still a placeholder");
    // Fixing it makes its message go at once.
    h.fill("Iv1.0123456789abcdef");
    h.assert_hides("✗ This is still a placeholder");
}

#[test]
fn testing_an_api_key_without_a_user_endpoint_says_so_before_asking_for_the_key() {
    let mut h = Harness::new();
    h.press("t");
    h.assert_shows("\"API-Key\" can't be tested yet. User Information Endpoint: A");
    h.assert_shows("Open its form at that field?");
    h.press("n");
    h.assert_hides("API Key:");
    h.assert_shows("Authorizations 1/1");
}

// 3. Run history: newest first; Enter shows a run in the test pane.

#[test]
fn past_runs_are_listed_newest_first_and_shown_in_the_test_pane() {
    let mut h = Harness::setup()
        .seed(|store| {
            let id = oauth(store, "Google", 1);
            store.record_flow(&mut report(id, RunOutcome::Failed, 90)).unwrap();
            store.record_flow(&mut report(id, RunOutcome::Ok, 5)).unwrap();
        })
        .start();
    h.key(KeyCode::Down);
    h.press("h");
    h.assert_shows("Past runs of \"Google\"");
    let screen = h.screen();
    let (ok, failed) = (screen.find("5 min ago").unwrap(), screen.find("1 h ago").unwrap());
    assert!(ok < failed, "newest first:\n{screen}");
    h.key(KeyCode::Down);
    h.enter();
    h.assert_shows("Run ");
    h.assert_shows("✗ invalid_grant: the code expired");
    h.assert_shows("→ POST https://provider.example.test/oauth/token");
    h.assert_shows("← HTTP 400");
    h.esc();
    h.assert_shows("Past runs of \"Google\"");
    h.esc();
    h.assert_shows("Authorizations 2/2");
}

#[test]
fn a_message_longer_than_the_pane_s_two_summary_rows_ends_with_an_ellipsis() {
    let long = "The user information endpoint \"Provider me\" answered HTTP 401: invalid_token (invalid token \
        provided). See the response in the step detail and compare it with the provider's documentation.";
    let mut h = Harness::setup()
        .size(80, 24)
        .seed(move |store| {
            let id = oauth(store, "Google", 1);
            let mut failed = report(id, RunOutcome::Failed, 5);
            failed.message = long.into();
            store.record_flow(&mut failed).unwrap();
        })
        .start();
    h.key(KeyCode::Down);
    h.press("h");
    h.enter();
    h.assert_shows("Run ");
    let screen = h.screen();
    let rows: Vec<&str> = screen.lines().skip(2).take(2).map(|r| r.trim_matches('│').trim_end()).collect();
    assert!(rows[0].starts_with("✗ The user information endpoint"), "{}", h.screen());
    assert!(rows[1].ends_with('…'), "the second row says there is more:\n{}", h.screen());
}

// 4. Connection detail: everything known; copying the token or a curl command asks first.

#[test]
fn a_connection_shows_in_full_and_copies_its_token_or_a_curl_command_after_asking() {
    let mut h = Harness::setup()
        .seed(|store| {
            let id = oauth(store, "Google", 1);
            let mut ok = report(id, RunOutcome::Ok, 2);
            ok.kept = vec![KeptValue { name: "token.instance_url".into(), value: "https://acme.example.test".into() }];
            let connection = store.record_flow(&mut ok).unwrap().connection_id.unwrap();
            let mut failed = report(id, RunOutcome::Failed, 1);
            (failed.kind, failed.on_connection, failed.message) =
                (FlowKind::Refresh, Some(connection), "invalid_grant: the refresh token was revoked, has expired, or was already used (a provider that rotates refresh tokens accepts each one once)".into());
            store.record_flow(&mut failed).unwrap();
        })
        .start();
    h.tab(2);
    h.assert_shows("Connections 1/1");
    h.assert_shows("failed");
    h.enter();
    h.assert_shows("Connection of \"Google\"");
    h.assert_shows("Test User <test.user@example.test> (user-1)");
    h.assert_shows("openid email");
    h.assert_shows("expires in");
    h.assert_shows("failed: invalid_grant: the refresh token was revoked");
    // Too long for one row, it goes on under itself, not under the labels.
    let screen = h.screen();
    let more = screen.lines().find(|l| l.contains("accepts each one once")).expect("the rest of the failure");
    assert!(more.starts_with(&format!("│{}", " ".repeat(16))) && !more.contains("failed:"), "{screen}");
    h.assert_shows("token.instance_url = https://acme.example.test");
    h.assert_hides("fake-access-token");

    h.press("c");
    h.assert_shows("Copy a secret");
    h.assert_shows("It is a secret:");
    h.press("n");
    assert!(h.take_effects().is_empty(), "no copy without a yes");
    h.press("c");
    h.press("y");
    assert_eq!(h.take_effects(), [Effect::CopyToClipboard("fake-access-token-0123456789".into())]);

    h.press("u");
    h.press("y");
    match h.take_effects().as_slice() {
        [Effect::CopyToClipboard(curl)] => assert_eq!(
            curl,
            "curl -H 'Authorization: Bearer fake-access-token-0123456789' -H 'Accept: application/json' 'https://api.provider.example.test/v1/me'"
        ),
        other => panic!("expected the curl command, got {other:?}"),
    }
    assert!(h.screens.iter().all(|s| !s.contains("fake-access-token")), "never on screen");

    h.press("d");
    h.press("y");
    h.assert_shows("Deleted the connection");
    h.assert_shows("Connections ");
    h.assert_shows("No connections yet");
}

/// Answers every request on `listener` with HTTP 200 and the JSON `respond` gives for it.
fn serve_json(listener: std::net::TcpListener, respond: impl Fn(&[u8]) -> String + Send + 'static) {
    use std::io::{Read, Write};
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
            let body = respond(&request);
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(response.as_bytes());
        }
    });
}

/// A token endpoint that hands out a new token to any POST, and a user endpoint (any GET).
fn token_server() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    serve_json(listener, |request| {
        if request.starts_with(b"POST") {
            r#"{"access_token": "fake-access-token-refreshed", "token_type": "Bearer", "expires_in": 3600, "refresh_token": "fake-refresh-token-refreshed"}"#.into()
        } else {
            // A name with an escape sequence in it: shown escaped, never sent to the terminal.
            r#"{"sub": "user-1", "name": "Mallory\u001b[2J", "email": "test.user@example.test"}"#.into()
        }
    });
    base
}

#[test]
fn after_a_refresh_reorders_the_connections_the_same_one_stays_selected() {
    let base = token_server();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("authdeck.db");
    {
        let mut store = tui::isolated::open(&db).unwrap();
        let app_id = store.apps_or_first().unwrap()[0].id;
        for name in ["Alpha", "Beta"] {
            let token = Endpoint {
                app_id,
                name: format!("{name} token"),
                url: format!("{base}/token"),
                ..Endpoint::new_for(EndpointPurpose::Token)
            };
            let token = store.insert_endpoint(&token).unwrap();
            let me = Endpoint {
                app_id,
                name: format!("{name} me"),
                url: format!("{base}/me"),
                ..Endpoint::new_for(EndpointPurpose::UserInfo)
            };
            let me = store.insert_endpoint(&me).unwrap();
            let config = OAuth2Config {
                client_id: "client-for-tests".into(),
                client_secret: "fake-secret-for-tests".into(),
                authorization_uri: format!("{base}/authorize"),
                token_endpoint: Some(token),
                userinfo_endpoint: Some(me),
                redirect_uri: "http://127.0.0.1:1/callback".into(),
                ..Default::default()
            };
            let id = store.insert_authorization(app_id, name, &AuthConfig::OAuth2(config)).unwrap();
            store.record_flow(&mut report(id, RunOutcome::Ok, 1)).unwrap();
        }
        // Alpha tested an hour before Beta: the list shows Beta first.
        let sql = rusqlite::Connection::open(&db).unwrap();
        sql.execute_batch(
            "UPDATE connections SET tested_at = '2026-01-01T09:00:00Z' WHERE authorization_id = (SELECT id FROM authorizations WHERE name = 'Alpha');
             UPDATE connections SET tested_at = '2026-01-01T10:00:00Z' WHERE authorization_id = (SELECT id FROM authorizations WHERE name = 'Beta');",
        )
        .unwrap();
    }
    let mut h = Harness::setup().database((db, dir)).start();
    // 3: straight to the Connections tab.
    h.press("3");
    let rows = |h: &Harness| {
        h.screen()
            .lines()
            .filter(|l| l.starts_with("Alpha") || l.starts_with("Beta"))
            .map(|l| l[..5].to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(rows(&h), ["Beta ", "Alpha"]);
    h.key(KeyCode::Down);
    h.assert_shows("Connections 2/2");
    // r on Alpha: refreshed, it is now the most recently tested, first in the list.
    h.press("r");
    h.wait_for("Refresh \"Alpha\" · done");
    h.esc();
    assert_eq!(rows(&h), ["Alpha", "Beta "]);
    // The selection moved with it: the next key acts on Alpha, not on Beta.
    h.assert_shows("Connections 1/2");
    h.enter();
    h.assert_shows("Connection of \"Alpha\"");
    h.esc();
    // The provider's name for the user, in the revoke question: its escape sequence shown escaped.
    h.press("v");
    h.assert_shows("Revoke the tokens of \"Alpha\" as Mallory\\u{1b}[2J");
    h.esc();
    // 2 and 1: the other tabs.
    h.press("2");
    h.assert_shows("Endpoints 1/4");
    h.press("1");
    h.assert_shows("Authorizations 1/3");
}

#[test]
fn discovery_of_an_issuer_that_requires_par_switches_par_on_in_the_form() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    let document = serde_json::json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "pushed_authorization_request_endpoint": format!("{issuer}/par"),
        "require_pushed_authorization_requests": true,
        "response_types_supported": ["code"],
    })
    .to_string();
    serve_json(listener, move |_| document.clone());
    let mut h = Harness::new();
    h.press("no");
    h.focus("Client ID");
    h.press("client-for-tests");
    h.focus("Client Secret");
    h.press("fake-secret-for-tests");
    h.focus("Issuer");
    h.press(&issuer);
    h.ctrl('d');
    h.wait_for("Fill in the form from");
    h.assert_shows("Pushed authorization requests: on (the issuer requires them)");
    h.press("y");
    h.wait_for("Filled in from the discovery document");
    h.focus("Pushed request (PAR)");
    h.assert_shows("[x] on");
    // With PAR on, its endpoint field is there (empty: the discovery document's).
    h.focus("PAR endpoint");
    h.assert_shows("Empty: the one the Issuer's discovery document names.");
}

#[test]
fn a_connection_taller_than_the_screen_says_so_and_scrolls_to_its_end_and_no_further() {
    let mut h = Harness::setup()
        .size(80, 16)
        .seed(|store| {
            let id = oauth(store, "Google", 1);
            store.record_flow(&mut report(id, RunOutcome::Ok, 2)).unwrap();
        })
        .start();
    h.tab(2);
    h.enter();
    h.assert_shows("↓ more (j)");
    h.assert_hides("copying one asks first");
    for _ in 0..30 {
        h.press("j");
    }
    h.assert_shows("copying one asks first");
    h.assert_hides("↓ more");
    // Scrolled no further than the end: one k brings the mark back.
    h.press("k");
    h.assert_shows("↓ more (j)");
}

// 5. Lists: ends, pages, position, filter, cut cells.

#[test]
fn long_lists_move_by_page_and_to_the_ends_and_filter_by_name() {
    let mut h = Harness::setup()
        .size(80, 24)
        .seed(|store| {
            let app = first_app(store);
            for i in 1..60 {
                let name = format!("Row {i:02} of sixty, with a rather long name");
                store.insert_authorization(app, &name, &AuthConfig::new_of_kind(AuthKind::Basic)).unwrap();
            }
        })
        .start();
    h.assert_shows("Authorizations 1/60");
    h.press("G");
    h.assert_shows("Authorizations 60/60");
    h.assert_shows("Row 59 of sixty");
    h.press("g");
    h.assert_shows("Authorizations 1/60");
    h.key(KeyCode::PageDown);
    let page = h.screen();
    assert!(!page.contains("Authorizations 1/60") && page.contains("/60"), "a page down:\n{page}");
    h.key(KeyCode::End);
    h.assert_shows("Authorizations 60/60");
    h.key(KeyCode::Home);
    h.assert_shows("Authorizations 1/60");
    // Cut cells end with an ellipsis.
    h.assert_shows("Row 01 of sixty, …");

    h.press("/");
    h.press("ROW 4");
    h.assert_shows("Authorizations 1/10 of 60");
    h.assert_shows("Row 40 of sixty");
    h.assert_hides("Row 39 of sixty");
    h.enter();
    h.assert_shows("Esc clears the filter");
    // The filter stays while moving; Esc clears it.
    h.key(KeyCode::Down);
    h.assert_shows("Authorizations 2/10 of 60");
    // Clearing the filter keeps the row selected (Row 41: the 42nd, after the API-Key).
    h.esc();
    h.assert_shows("Authorizations 42/60");
    h.press("/zzz");
    h.assert_shows("No name has that in it.");
    h.esc();
    // Filtered from the end of the list, every row found is shown (none left above the view).
    h.press("G");
    h.press("/ROW 1");
    h.assert_shows("Authorizations 10/10 of 60");
    for i in 10..20 {
        h.assert_shows(&format!("Row {i} of sixty"));
    }
}

#[test]
fn endpoints_of_one_host_can_be_told_apart() {
    let mut h = Harness::setup()
        .size(80, 24)
        .seed(|store| {
            let app = first_app(store);
            for (name, path) in [("Accounts token", "token"), ("Accounts user", "userinfo")] {
                let e = Endpoint {
                    app_id: app,
                    name: name.into(),
                    url: format!("https://login.accounts.example.test/oauth2/v2.0/tenants/common/{path}"),
                    ..Endpoint::new_for(EndpointPurpose::Other)
                };
                store.insert_endpoint(&e).unwrap();
            }
            // What discovery creates on a local provider: one host, long last parts.
            let mut ids = Vec::new();
            for (name, path, purpose) in [
                ("Local introspection", "introspection", EndpointPurpose::Introspection),
                ("Local revocation", "revocation", EndpointPurpose::Revocation),
            ] {
                let url = format!("http://127.0.0.1:18977/token/{path}");
                ids.push(
                    store
                        .insert_endpoint(&Endpoint {
                            app_id: app,
                            name: name.into(),
                            url,
                            ..Endpoint::new_for(purpose)
                        })
                        .unwrap(),
                );
            }
            let config =
                OAuth2Config { client_id: "c".into(), revocation_endpoint: Some(ids[1]), ..Default::default() };
            store.insert_authorization(app, "Revokes", &AuthConfig::OAuth2(config)).unwrap();
        })
        .start();
    h.tab(1);
    h.assert_shows("…/token");
    h.assert_shows("…/userinfo");
    h.assert_shows("login.accounts.");
    h.assert_shows("…/introspection");
    h.assert_shows("…/revocation");
    // An endpoint used only as a revocation endpoint is counted as used, and kept.
    let row = |h: &Harness, name: &str| h.screen().lines().find(|l| l.starts_with(name)).unwrap_or_default().to_owned();
    assert!(row(&h, "Local revocation").trim_end().ends_with(" 1"), "{}", h.screen());
    assert!(row(&h, "Local introspecti").trim_end().ends_with(" 0"), "{}", h.screen());
    h.press("G");
    h.press("d");
    h.assert_shows("The endpoint \"Local revocation\" is used by Revokes");
    h.assert_hides("Delete the endpoint");
}

// 6. Footer and help.

#[test]
fn the_footer_fits_by_priority_and_the_help_scrolls_with_the_editing_keys() {
    let mut h = Harness::with_size(80, 24);
    let footer = h.screen().lines().last().unwrap().trim_end().to_owned();
    assert!(footer.starts_with("n new  Enter/e edit  t test"), "{footer}");
    assert!(footer.ends_with("?/F1 more"), "{footer}");
    // Nothing is cut: every hint shown is whole.
    for label in ["n new", "Enter/e edit", "t test"] {
        assert!(footer.contains(label), "{footer}");
    }

    h.press("?");
    h.assert_shows("more below");
    h.assert_shows("n  new");
    h.assert_hides("Ctrl-C  cancel / quit");
    for _ in 0..20 {
        h.press("j");
    }
    h.assert_shows("Ctrl-C  cancel / quit");
    h.assert_shows("(the end)");
    h.esc();

    // In a form's text field, the help has the text box's own keys.
    h.press("nb");
    h.key(KeyCode::F(1));
    h.assert_shows("In the text box:");
    for _ in 0..20 {
        h.press("j");
    }
    h.assert_shows("Ctrl-K");
}

// 8. Forms.

#[test]
fn a_form_follows_what_is_typed() {
    let mut h = Harness::new();
    // An error goes once its field is fixed; others stay until saved again.
    h.press("no");
    h.ctrl('s');
    h.assert_shows("✗ Enter the Client ID");
    h.assert_shows("✗ Choose a token endpoint");
    h.press("Iv1.client");
    h.assert_hides("✗ Enter the Client ID");
    h.assert_shows("✗ Choose a token endpoint");
    // A 20,000-character Client ID, or one with a space, is refused with a reason.
    h.clear_field();
    h.paste(&"x".repeat(20_000));
    h.ctrl('s');
    h.assert_shows("✗ Keep it under 1024 characters.");
    h.clear_field();
    h.press("Iv1 client");
    h.ctrl('s');
    h.assert_shows("✗ A Client ID has no spaces");
    // Scopes as parsed, cut with … where the row ends (not cut silently at the border).
    h.focus("Scopes");
    let scopes: Vec<String> = (1..=9).map(|i| format!("https://scopes.example.test/auth/scope-{i}")).collect();
    h.paste(&scopes.join(" "));
    let row = h.screen().lines().find(|l| l.contains("9 scopes: ")).expect("the scopes as parsed").to_owned();
    assert!(row.contains("scope-1 · ") && row.trim_end_matches([' ', '│']).ends_with('…'), "{row}");
    assert!(!row.contains("scope-9"), "{row}");
    h.esc();
    h.press("y");

    // A new endpoint's title follows its purpose; its response expressions are checked.
    h.tab(1);
    h.press("n");
    h.assert_shows("New token endpoint");
    h.focus("Purpose");
    h.key(KeyCode::Right);
    h.assert_shows("New user information endpoint");
    h.focus("URL");
    h.press("https://api.example.test/me");
    h.focus("Path: user email");
    h.fill("profile email");
    h.ctrl('s');
    h.assert_shows("✗ The expression `profile email` has an error");
    h.fill("profile.email");
    h.assert_hides("has an error");
    h.ctrl('s');
    h.assert_shows("Created the endpoint \"User information endpoint\"");

    // Chosen as a token endpoint, a user information endpoint gets a warning.
    h.tab(2);
    h.press("no");
    h.focus("Token Endpoint");
    h.enter();
    h.assert_shows("User information endpoint  (User information");
    h.enter();
    h.assert_shows("⚠ \"User information endpoint\" is a user information endpoint");
}

#[test]
fn a_form_scrolled_at_80_by_24_starts_at_a_field_never_at_blank_rows() {
    let mut h = Harness::with_size(80, 24);
    h.press("no");
    h.assert_shows("New OAuth 2.0 authorization");
    for _ in 0..14 {
        h.key(KeyCode::Tab);
        let screen = h.screen();
        let first = screen.lines().nth(2).unwrap_or_default().trim_matches(['│', ' ']).to_owned();
        assert!(!first.is_empty(), "the form's first row is blank:\n{screen}");
        assert!(screen.contains("▶ "), "the focused field is in view:\n{screen}");
    }
}

// 9. A user information endpoint made from an API-Key form carries no bearer-token header.

#[test]
fn a_user_endpoint_made_from_an_api_key_form_is_prefilled_for_a_key() {
    let mut h = Harness::new();
    h.press("na");
    h.focus("User Information Endpoint");
    h.enter();
    // G/End: the last entry, creating one; g/Home: the first.
    h.press("G");
    h.assert_shows("▶ + Create a new endpoint");
    h.key(KeyCode::Home);
    h.assert_shows("▶ (none)");
    h.key(KeyCode::End);
    h.enter();
    h.assert_shows("New user information endpoint");
    h.focus("Headers");
    let screen = h.screen();
    let headers = screen.lines().skip_while(|l| !l.contains("▶ Headers")).take(3).collect::<Vec<_>>().join("\n");
    assert!(headers.contains("Accept: application/json") && !headers.contains("Authorization: Bearer"), "{headers}");
}

// 10. Start-up opens the app used last; an import says where it went and offers to switch.

#[test]
fn the_app_used_last_opens_and_an_import_offers_to_switch() {
    let mut h = Harness::new();
    h.press("an");
    h.press("Second");
    h.enter();
    h.assert_shows("authdeck · Second");
    let db = h.close();
    let mut h = Harness::setup().database(db).start();
    h.assert_shows("authdeck · Second");

    let file = h.db.with_file_name("github.json");
    std::fs::copy("tests/fixtures/github-placeholder-export.json", &file).unwrap();
    h.press("i");
    h.press(file.to_str().unwrap());
    h.enter();
    h.assert_shows("It went into");
    h.assert_shows("Switch to \"GitHub\" now?");
    h.press("y");
    h.assert_shows("authdeck · GitHub");
    h.assert_shows("Switched to GitHub.");
}

// 11. The ssh -L hint with an IPv6 server and no USER.

#[test]
fn the_ssh_hint_takes_an_ipv6_host_as_ssh_does() {
    let port = free_port();
    let env = Environment { ssh_connection: Some("fe80::2 50000 fe80::1 22".into()), ..Default::default() };
    let mut h = Harness::setup()
        .size(120, 40)
        .env(env)
        .seed(move |s| {
            oauth(s, "Google", port);
        })
        .start();
    h.key(KeyCode::Down);
    h.press("t");
    h.wait_for("Listening for the callback");
    h.assert_shows(&format!("ssh -L {port}:127.0.0.1:{port} <user>@fe80::1"));
    h.esc();
    h.wait_for("Cancelled");
}

// 12. NO_COLOR: no colour anywhere; the selection is reverse video.

#[test]
fn with_no_color_nothing_is_coloured_and_the_selection_is_reversed() {
    use ratatui::style::{Color, Modifier};
    let env = Environment { no_color: true, ..Default::default() };
    let mut h = Harness::setup().env(env).start();
    h.press("no");
    h.ctrl('s');
    h.esc();
    h.press("y");
    let buffer = h.buffer();
    for cell in buffer.content() {
        assert!(matches!(cell.fg, Color::Reset) && matches!(cell.bg, Color::Reset), "a coloured cell: {cell:?}");
    }
    let row = h.screen().lines().position(|l| l.contains("never tested")).unwrap() as u16;
    assert!(buffer[(2, row)].modifier.contains(Modifier::REVERSED), "the selected row is reversed");
}

/// Ctrl-U in a text box deletes to the start of the line, as in readline (ratatui-textarea's own
/// Ctrl-U is undo, which surprised everyone who tried it); Ctrl-Z undoes.
#[test]
fn ctrl_u_clears_a_prefilled_field_as_in_a_shell_and_ctrl_z_brings_it_back() {
    let mut h = Harness::new();
    h.press("n");
    h.press("o");
    h.focus("Redirect URI");
    h.assert_shows("http://127.0.0.1:8976/callback");
    h.key(KeyCode::End);
    h.ctrl('u');
    h.assert_hides("http://127.0.0.1:8976/callback");
    h.press("http://127.0.0.1:9000/cb");
    h.assert_shows("http://127.0.0.1:9000/cb");
    h.ctrl('z');
    h.assert_hides("http://127.0.0.1:9000/cb");
    h.ctrl('u');
    h.press("http://127.0.0.1:9001/cb");
    h.assert_shows("http://127.0.0.1:9001/cb");
    h.key(KeyCode::F(1));
    while !h.screen().contains("Ctrl-U, Ctrl-J") && h.screen().contains("more below") {
        h.press("j");
    }
    h.assert_shows("Ctrl-U, Ctrl-J  delete to the start of the line");
}
