//! Snapshots of the main screens at 80×24 and 120×40 (insta; reviewed files in tests/snapshots/):
//! each tab with data and empty, each form, the help, a connection, past runs, and the test pane
//! in each state of a run. The screens are reached by keys on the real event loop where keys get
//! there; the test pane's states are built from the events a run sends, since a real run's
//! timings and random state would differ each time. The clock stands still, and the one time the
//! database writes itself (when a connection was tested) is written as `<time>`. A last test
//! checks that no snapshot file holds any secret these tests used.

#[path = "support/tui.rs"]
mod tui;
use tui::isolated;

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Instant;

use authdeck::app::{App, Clock, Overlay};
use authdeck::flow::{
    FlowError, FlowEvent, FlowKind, FlowReport, FlowRequest, HttpExchange, Identity, ListenerStatus, RequestRecord,
    ResponseRecord, RunOutcome, StepId, StepRecord, StepStatus, Tokens,
};
use authdeck::model::context::KeptValue;
use authdeck::model::redact::Sensitive;
use authdeck::model::{AuthConfig, AuthKind, BasicConfig, ClientAuth, Endpoint, EndpointPurpose, OAuth2Config};
use authdeck::store::Store;
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tui::Harness;

/// Every secret the snapshots' data holds: none may be in a snapshot file.
const SECRETS: &[&str] = &[
    "fake-client-secret-snapshot",
    "fake-access-token-snapshot",
    "fake-refresh-token-snapshot",
    "fake-code-snapshot",
    "fake-verifier-snapshot",
    ID_TOKEN,
];

/// An ID token as a provider would send one (its signature is not real): its claims are shown
/// with the connection, the token itself never.
const ID_TOKEN: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6InNuYXBzaG90LWtleSJ9.eyJpc3MiOiJodHRwczovL2FjY291bnRzLmdvb2dsZS5jb20iLCJhdWQiOiIxMjM0NTY3ODkwLWFiYy5hcHBzLmdvb2dsZXVzZXJjb250ZW50LmNvbSIsInN1YiI6IjExMDI0ODQ5NTkyMTIzODk4NjQyMCIsImVtYWlsIjoidGVzdC51c2VyQGV4YW1wbGUudGVzdCIsImVtYWlsX3ZlcmlmaWVkIjp0cnVlLCJpYXQiOjE2OTk5OTY0MDAsImV4cCI6MTcwMDAwMDAwMCwibm9uY2UiOiJzbmFwc2hvdC1ub25jZSJ9.c25hcHNob3Qtc2lnbmF0dXJlLW5vdC1yZWFs";

/// The moment the snapshots show (14 November 2023, 22:13:20 UTC), before any real "now", so the
/// one time the database writes itself reads "just now".
const UNIX: i64 = 1_700_000_000;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn clock(at: Instant) -> Clock {
    Clock::fixed(at, UNIX)
}

/// The screen as a snapshot: rows without their trailing blanks, a stored timestamp as `<time>`.
fn snapshot_text(screen: &str) -> String {
    let rows: Vec<String> = screen.lines().map(|l| mask_timestamps(l.trim_end())).collect();
    rows.join("\n")
}

/// `2026-12-01 10:11:50Z` (or with a `T`) as `<time>`: the only time on screen the clock doesn't set.
fn mask_timestamps(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let shape = "dddd-dd-dd?dd:dd:ddZ";
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let fits = i + shape.len() <= chars.len()
            && shape.chars().zip(&chars[i..]).all(|(s, c)| match s {
                'd' => c.is_ascii_digit(),
                '?' => *c == 'T' || *c == ' ',
                other => other == *c,
            });
        if fits {
            out.push_str("<time>");
            i += shape.len();
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

fn assert_screen(name: &str, (w, h): (u16, u16), screen: &str) {
    insta::assert_snapshot!(format!("{name}_{w}x{h}"), snapshot_text(screen));
}

/// The data of the snapshots: an OAuth 2.0 authorization with both endpoints, a Basic one, the
/// first start's API-Key; two runs of the OAuth one; its connection.
fn seed(store: &mut Store) {
    let app = store.apps().unwrap()[0].id;
    let token = Endpoint {
        app_id: app,
        name: "Google token".into(),
        url: "https://oauth2.googleapis.com/token".into(),
        ..Endpoint::new_for(EndpointPurpose::Token)
    };
    let token = store.insert_endpoint(&token).unwrap();
    let me = Endpoint {
        app_id: app,
        name: "Google user".into(),
        url: "https://openidconnect.googleapis.com/v1/userinfo".into(),
        ..Endpoint::new_for(EndpointPurpose::UserInfo)
    };
    let me = store.insert_endpoint(&me).unwrap();
    let google = AuthConfig::OAuth2(OAuth2Config {
        client_id: "1234567890-abc.apps.googleusercontent.com".into(),
        client_secret: SECRETS[0].into(),
        authorization_uri: "https://accounts.google.com/o/oauth2/v2/auth?access_type=offline&prompt=consent".into(),
        scopes: "openid email profile".into(),
        token_endpoint: Some(token),
        userinfo_endpoint: Some(me),
        redirect_uri: "http://127.0.0.1:8976/callback".into(),
        client_auth: ClientAuth::RequestBody,
        pkce: true,
        ..Default::default()
    });
    let google = store.insert_authorization(app, "Google", &google).unwrap();
    let basic = BasicConfig { userinfo_endpoint: Some(me), ..Default::default() };
    store.insert_authorization(app, "Partner Basic", &AuthConfig::Basic(basic)).unwrap();
    store.record_flow(&mut report(google, RunOutcome::Failed, 3 * 3600)).unwrap();
    store.record_flow(&mut report(google, RunOutcome::Ok, 600)).unwrap();
}

fn record(step: StepId, status: StepStatus, summary: &str, elapsed_ms: u64) -> StepRecord {
    StepRecord { elapsed_ms, ..StepRecord::new(step, status, summary) }
}

fn token_exchange(status: u16) -> HttpExchange {
    HttpExchange {
        request: RequestRecord {
            method: "POST".into(),
            url: "https://oauth2.googleapis.com/token".into(),
            headers: vec![("Accept".into(), "application/json".into())],
            body: Some(
                "grant_type=authorization_code&code=[redacted]&redirect_uri=http%3A%2F%2F127.0.0.1%3A8976%2Fcallback&code_verifier=[redacted]&client_id=1234567890-abc.apps.googleusercontent.com&client_secret=[redacted]".into(),
            ),
        },
        response: Some(ResponseRecord {
            status,
            headers: vec![("content-type".into(), "application/json; charset=utf-8".into())],
            body: if status == 200 {
                "{\n  \"access_token\": \"[redacted]\",\n  \"expires_in\": 3599,\n  \"token_type\": \"Bearer\"\n}".into()
            } else {
                "{\n  \"error\": \"invalid_grant\",\n  \"error_description\": \"Bad Request\"\n}".into()
            },
        }),
        elapsed_ms: 184,
    }
}

/// A run of `authorization` that ended `ago` seconds before the snapshots' moment.
fn report(authorization: i64, outcome: RunOutcome, ago: i64) -> FlowReport {
    let ok = outcome == RunOutcome::Ok;
    let tokens = ok.then(|| Tokens {
        access_token: Sensitive::new(SECRETS[1].into()),
        refresh_token: Some(Sensitive::new(SECRETS[2].into())),
        token_type: Some("Bearer".into()),
        expires_at: Some(UNIX + 3000),
        scopes: "openid https://www.googleapis.com/auth/userinfo.email".into(),
        id_token: Some(Sensitive::new(ID_TOKEN.into())),
        refresh_expires_at: Some(UNIX + 90 * 86_400),
        issued_at: Some(UNIX - ago),
        dpop_key: None,
    });
    let mut exchange = record(
        StepId::TokenExchange,
        if ok { StepStatus::Ok } else { StepStatus::Failed },
        if ok { "HTTP 200, Bearer token, expires in 3599 s" } else { "HTTP 400: invalid_grant (Bad Request)" },
        190,
    );
    exchange.exchanges.push(token_exchange(if ok { 200 } else { 400 }));
    let mut steps = vec![
        record(StepId::AuthorizationUrl, StepStatus::Ok, "state and PKCE (S256) added", 0),
        record(StepId::Callback, StepStatus::Ok, "the callback reached the listener", 9_431),
        record(StepId::CallbackCheck, StepStatus::Ok, "state matches", 0),
        exchange,
    ];
    if ok {
        steps.push(record(StepId::UserInfo, StepStatus::Ok, "HTTP 200: Test User <test.user@example.test>", 120));
    }
    FlowReport {
        authorization_id: authorization,
        auth_kind: AuthKind::OAuth2,
        kind: FlowKind::Test,
        outcome,
        message: if ok {
            "Test User <test.user@example.test> (110248495921238986420)".into()
        } else {
            "The token endpoint refused the code: invalid_grant (Bad Request). The code may have expired or been used already: test again.".into()
        },
        started_at: UNIX - ago - 12,
        finished_at: UNIX - ago,
        steps,
        identity: ok.then(|| Identity {
            id: Some("110248495921238986420".into()),
            name: Some("Test User".into()),
            email: Some("test.user@example.test".into()),
        }),
        grant: tokens.as_ref().map(Tokens::summary),
        grant_type: Some(authdeck::model::Grant::AuthorizationCode),
        introspection: None,
        tokens,
        kept: if ok {
            vec![KeptValue { name: "token.instance_url".into(), value: "https://acme.my.example.test".into() }]
        } else {
            Vec::new()
        },
        on_connection: None,
        connection_status: None,
        observed: Default::default(),
    }
}

fn seeded(size: (u16, u16), at: Instant) -> Harness {
    Harness::setup().size(size.0, size.1).clock(clock(at)).seed(seed).start()
}

#[test]
fn the_tabs_with_data() {
    for size in SIZES {
        let mut h = seeded(size, Instant::now());
        h.key(KeyCode::Down);
        assert_screen("authorizations", size, &h.screen());
        h.tab(1);
        assert_screen("endpoints", size, &h.screen());
        h.tab(1);
        assert_screen("connections", size, &h.screen());
    }
}

#[test]
fn the_tabs_empty() {
    for size in SIZES {
        let mut h = Harness::setup()
            .size(size.0, size.1)
            .clock(clock(Instant::now()))
            .seed(|store| {
                let app = store.apps().unwrap()[0].id;
                let id = store.authorizations(app).unwrap()[0].id;
                store.delete_authorization(id).unwrap();
            })
            .start();
        assert_screen("authorizations_empty", size, &h.screen());
        h.tab(1);
        assert_screen("endpoints_empty", size, &h.screen());
        h.tab(1);
        assert_screen("connections_empty", size, &h.screen());
    }
}

#[test]
fn the_forms() {
    for size in SIZES {
        let mut h = seeded(size, Instant::now());
        h.press("na");
        assert_screen("form_api_key_new", size, &h.screen());
        h.esc();
        h.press("nb");
        assert_screen("form_basic_new", size, &h.screen());
        h.esc();
        h.key(KeyCode::Down);
        h.enter();
        assert_screen("form_oauth2_edit", size, &h.screen());
        h.esc();
        h.press("no");
        h.ctrl('s');
        assert_screen("form_oauth2_new_with_problems", size, &h.screen());
        h.esc();
        h.press("y");
        h.tab(1);
        h.press("n");
        assert_screen("form_endpoint_new", size, &h.screen());
        h.esc();
        h.tab(2);
        // Partner Basic: the username and password asked before its test.
        h.key(KeyCode::Down);
        h.press("t");
        assert_screen("form_credentials", size, &h.screen());
    }
}

#[test]
fn the_help_a_connection_and_past_runs() {
    for size in SIZES {
        let mut h = seeded(size, Instant::now());
        h.press("?");
        assert_screen("help_authorizations", size, &h.screen());
        h.esc();
        h.key(KeyCode::Down);
        h.press("h");
        assert_screen("run_history", size, &h.screen());
        h.key(KeyCode::Down);
        h.enter();
        assert_screen("run_history_failed_run", size, &h.screen());
        h.esc();
        h.esc();
        h.tab(2);
        h.enter();
        assert_screen("connection_detail", size, &h.screen());
    }
}

/// The last `authdeck check` of a connection: its result on the Connections tab (when wide enough),
/// and in the connection's detail its message and each change the provider made (the diff).
#[test]
fn a_connection_shows_its_last_check_and_drift() {
    use authdeck::model::check::CheckResult;
    use authdeck::model::fingerprint::{Area, Drift, Severity};
    let mut h = Harness::setup()
        .clock(clock(Instant::now()))
        .seed(|store| {
            seed(store);
            let app = store.apps().unwrap()[0].id;
            let connection = store.connections(app).unwrap().remove(0);
            let mut check = report(connection.authorization_id, RunOutcome::Ok, 300);
            check.kind = FlowKind::Check;
            check.tokens = None;
            check.on_connection = Some(connection.id);
            check.message = "The saved access token still works, for Test User.".into();
            let drift = [
                (
                    Severity::Failure,
                    "the key that signed the last ID token (kid snapshot-key, RS256) is no longer in the JWKS",
                ),
                (Severity::Warning, "kid new-key (RSA, RS256) was added"),
            ]
            .map(|(severity, message)| Drift {
                severity,
                area: Area::Keys,
                message: message.into(),
                before: None,
                after: None,
            });
            store.record_check(&mut check, CheckResult::Fail, &drift, false).unwrap();
        })
        .start();
    h.tab(2);
    h.assert_shows("Tested       State    Check");
    h.assert_shows("active   failed");
    h.enter();
    h.assert_shows("Last check      failed 5 min ago, 2 changes");
    h.assert_shows("                The saved access token still works, for Test User.");
    h.assert_shows(
        "  failure signing keys (JWKS): the key that signed the last ID token (kid snapshot-key, RS256) is no",
    );
    h.assert_shows("  warning signing keys (JWKS): kid new-key (RSA, RS256) was added");
    // 80 columns: the table leaves the check to the detail.
    let mut h = Harness::setup().size(80, 24).clock(clock(Instant::now())).seed(seed).start();
    h.tab(2);
    h.assert_hides("Check");
}

/// The test pane of a run of "Google", as its events build it, drawn at `size` by the app's own
/// drawing code.
struct PaneShot {
    app: App,
    at: Instant,
}

impl PaneShot {
    fn new(at: Instant) -> PaneShot {
        let dir = tempfile::tempdir().unwrap();
        let mut store = isolated::open(&dir.path().join("p.db")).unwrap();
        store.apps_or_first().unwrap();
        seed(&mut store);
        let mut app = App::new(store).unwrap();
        app.clock = clock(at);
        std::mem::forget(dir);
        PaneShot { app, at }
    }

    /// The pane after `events`, each `step_ms` after the last; `finish` ends it with a report.
    fn pane(&self, events: Vec<FlowEvent>, finish: Option<FlowReport>) -> authdeck::app::test_pane::TestPane {
        let google = self.app.data.authorizations.iter().find(|a| a.name == "Google").unwrap();
        let request = FlowRequest::test(google, &self.app.data.endpoints, Default::default()).unwrap();
        let mut pane = authdeck::app::test_pane::TestPane::new(1, &request, self.at);
        for event in events {
            pane.apply(event, self.at);
        }
        if let Some(report) = finish {
            pane.finish(report, Some(1));
        }
        pane
    }

    fn draw(&mut self, pane: authdeck::app::test_pane::TestPane, (w, h): (u16, u16)) -> String {
        self.app.overlays = vec![Overlay::TestPane(Box::new(pane))];
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        authdeck::tui::draw(&mut terminal, &self.app).unwrap();
        tui::screen_text(terminal.backend())
    }
}

const URL: &str = "https://accounts.google.com/o/oauth2/v2/auth?access_type=offline&prompt=consent&response_type=code&client_id=1234567890-abc.apps.googleusercontent.com&redirect_uri=http%3A%2F%2F127.0.0.1%3A8976%2Fcallback&scope=openid%20email%20profile&state=q7Jx2mT9vLcR0aKe4wYb8nPf&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256";

fn started(step: StepId) -> FlowEvent {
    FlowEvent::StepStarted { step }
}

fn finished(step: StepId, summary: &str, elapsed_ms: u64) -> FlowEvent {
    FlowEvent::StepFinished { record: record(step, StepStatus::Ok, summary, elapsed_ms) }
}

/// A run up to waiting for the callback: the URL made, the listener up.
fn waiting() -> Vec<FlowEvent> {
    vec![
        started(StepId::AuthorizationUrl),
        FlowEvent::AuthorizationUrl { url: URL.into(), redirect_uri: "http://127.0.0.1:8976/callback".into() },
        finished(StepId::AuthorizationUrl, "state and PKCE (S256) added", 0),
        started(StepId::Callback),
        FlowEvent::Listener(ListenerStatus::Listening {
            addresses: vec![SocketAddr::from((Ipv4Addr::LOCALHOST, 8976))],
            port: 8976,
            path: "/callback".into(),
        }),
    ]
}

/// … then the callback came and the code is being exchanged.
fn exchanging() -> Vec<FlowEvent> {
    let mut events = waiting();
    events.extend([
        finished(StepId::Callback, "the callback reached the listener", 9_431),
        FlowEvent::Listener(ListenerStatus::Closed { port: 8976 }),
        started(StepId::CallbackCheck),
        finished(StepId::CallbackCheck, "state matches", 0),
        started(StepId::TokenExchange),
    ]);
    events
}

#[test]
fn the_test_pane_in_each_state_of_a_run() {
    let at = Instant::now();
    for size in SIZES {
        let mut shot = PaneShot::new(at);
        let pane = shot.pane(waiting(), None);
        assert_screen("test_pane_waiting_for_the_callback", size, &shot.draw(pane, size));

        let mut pane = shot.pane(waiting(), None);
        pane.focus_paste();
        assert_screen("test_pane_paste_box", size, &shot.draw(pane, size));

        let pane = shot.pane(waiting(), None);
        let view = authdeck::app::test_pane::UrlView::new(URL.into());
        shot.app.overlays = vec![Overlay::TestPane(Box::new(pane)), Overlay::UrlView(view)];
        let mut terminal = Terminal::new(TestBackend::new(size.0, size.1)).unwrap();
        authdeck::tui::draw(&mut terminal, &shot.app).unwrap();
        assert_screen("test_pane_url_view", size, &tui::screen_text(terminal.backend()));

        let pane = shot.pane(exchanging(), None);
        assert_screen("test_pane_exchanging_the_code", size, &shot.draw(pane, size));

        let mut ok = exchanging();
        ok.push(FlowEvent::Exchange {
            step: StepId::TokenExchange,
            redacted: token_exchange(200),
            raw: Sensitive::new(token_exchange(200)),
        });
        ok.push(finished(StepId::TokenExchange, "HTTP 200, Bearer token, expires in 3599 s", 190));
        ok.push(started(StepId::UserInfo));
        ok.push(finished(StepId::UserInfo, "HTTP 200: Test User <test.user@example.test>", 120));
        let mut report_ok = report(1, RunOutcome::Ok, 0);
        report_ok.steps.push(record(StepId::Save, StepStatus::Ok, "saved as connection 1", 0));
        let pane = shot.pane(ok, Some(report_ok));
        assert_screen("test_pane_ok", size, &shot.draw(pane, size));

        let mut failed = exchanging();
        failed.push(FlowEvent::Exchange {
            step: StepId::TokenExchange,
            redacted: token_exchange(400),
            raw: Sensitive::new(token_exchange(400)),
        });
        let refused = "The token endpoint refused the code: invalid_grant (Bad Request).";
        failed.push(FlowEvent::StepFailed {
            record: record(StepId::TokenExchange, StepStatus::Failed, refused, 190),
            error: FlowError::Config(refused.into()),
        });
        let pane = shot.pane(failed, Some(report(1, RunOutcome::Failed, 0)));
        assert_screen("test_pane_failed", size, &shot.draw(pane, size));

        let mut cancelled = waiting();
        cancelled.push(FlowEvent::StepFailed {
            record: record(StepId::Callback, StepStatus::Cancelled, "cancelled", 4_000),
            error: FlowError::Config("Cancelled.".into()),
        });
        cancelled.push(FlowEvent::Listener(ListenerStatus::Closed { port: 8976 }));
        let mut report_cancelled = report(1, RunOutcome::Cancelled, 0);
        report_cancelled.message = "Cancelled.".into();
        report_cancelled.steps.truncate(1);
        report_cancelled.identity = None;
        let pane = shot.pane(cancelled, Some(report_cancelled));
        assert_screen("test_pane_cancelled", size, &shot.draw(pane, size));
    }
}

#[test]
fn no_snapshot_holds_a_secret() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).expect("tests/snapshots") {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "snap") {
            continue;
        }
        files += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        for secret in SECRETS {
            // Any 10 characters in a row of a secret count: a cell may show only part of one.
            for i in 0..=secret.len().saturating_sub(10) {
                let piece = &secret[i..i + 10];
                assert!(!text.contains(piece), "{} holds part of a secret ({piece})", path.display());
            }
        }
        // Nor anything redaction would have hidden, were it there.
        assert!(!text.contains("Bearer ey"), "{}", path.display());
    }
    assert!(files >= 30, "the snapshots are in tests/snapshots ({files} found)");
}
