//! Prints figures (not a test) for two databases: a small one (a new database: one app, its
//! API-Key authorization) and a large one (10,000 authorizations, 10,000 endpoints, 1,000
//! connections with their test runs, all in one app). For each: the time from start to the first
//! frame (median of several starts, with where it goes: opening the store, reading the lists,
//! the first draw), the time to draw a frame, the time from a key press to the frame it causes
//! (j/k moving down the list; typing a filter after `/`, each key re-filtering every row) and the
//! peak memory of a process that does only that.
//!
//! Run with `cargo run --release --example bench_tui` (`-- --quick` for fewer rounds). Each
//! database is measured in a child process of its own, so one's memory isn't the other's.
//! The terminal itself (a real pty, the escape sequences) is measured by `bench/startup.sh`.

use std::path::Path;
use std::time::{Duration, Instant};

use authdeck::app::App;
use authdeck::flow::{FlowKind, FlowReport, Identity, RunOutcome, StepId, StepRecord, StepStatus, Tokens};
use authdeck::model::redact::Sensitive;
use authdeck::model::{AuthConfig, AuthKind, Endpoint, EndpointPurpose, Grant};
use authdeck::store::{KeySource, Store};
use authdeck::tui;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const AUTHORIZATIONS: usize = 10_000;
const ENDPOINTS: usize = 10_000;
const CONNECTIONS: usize = 1_000;
const WIDTH: u16 = 160;
const HEIGHT: u16 = 50;

fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn key(c: char) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

/// Mean, median and worst of some durations, in milliseconds.
fn summary(mut times: Vec<Duration>) -> String {
    times.sort();
    let mean = times.iter().map(|d| ms(*d)).sum::<f64>() / times.len().max(1) as f64;
    let median = times.get(times.len() / 2).copied().map_or(0.0, ms);
    let worst = times.last().copied().map_or(0.0, ms);
    format!("mean {mean:.3} ms, median {median:.3} ms, worst {worst:.3} ms")
}

/// Each event's key press to its frame: handled, then drawn.
fn press_to_frame(
    app: &mut App,
    terminal: &mut Terminal<TestBackend>,
    events: &[Event],
) -> anyhow::Result<Vec<Duration>> {
    let mut times = Vec::with_capacity(events.len());
    for event in events {
        let t = Instant::now();
        app.handle_event(event.clone());
        tui::draw(terminal, app)?;
        times.push(t.elapsed());
    }
    Ok(times)
}

fn keys(dir: &Path) -> KeySource {
    KeySource::dir(dir.join("keys"))
}

/// A finished, successful test of `authorization_id` with its tokens, as the engine reports it.
fn report(authorization_id: i64, n: usize) -> FlowReport {
    let tokens = Tokens {
        access_token: Sensitive::new(format!("fake-access-token-{n:05}")),
        refresh_token: Some(Sensitive::new(format!("fake-refresh-token-{n:05}"))),
        id_token: None,
        token_type: Some("Bearer".into()),
        expires_at: Some(1_900_000_000),
        scopes: "openid email profile".into(),
        refresh_expires_at: None,
        issued_at: None,
        dpop_key: None,
    };
    let step = |id, summary: &str| StepRecord::new(id, StepStatus::Ok, summary);
    FlowReport {
        authorization_id,
        auth_kind: AuthKind::OAuth2,
        kind: FlowKind::Test,
        outcome: RunOutcome::Ok,
        message: format!("user {n} <user{n}@example.test>"),
        started_at: 1_800_000_000 + n as i64,
        finished_at: 1_800_000_003 + n as i64,
        steps: vec![
            step(StepId::AuthorizationUrl, "state and PKCE added"),
            step(StepId::Callback, "state matches"),
            step(StepId::TokenExchange, "200 OK, access and refresh token"),
            step(StepId::UserInfo, "200 OK"),
        ],
        identity: Some(Identity {
            id: Some(n.to_string()),
            name: Some(format!("user {n}")),
            email: Some(format!("user{n}@example.test")),
        }),
        grant: Some(tokens.summary()),
        kept: Vec::new(),
        grant_type: Some(Grant::AuthorizationCode),
        introspection: None,
        observed: Default::default(),
        tokens: Some(tokens),
        on_connection: None,
        connection_status: None,
    }
}

/// The large database: every OAuth 2.0 authorization with a (sealed) client secret and its
/// endpoints, the first 1,000 of them tested once with tokens kept.
fn seed_large(path: &Path, dir: &Path) -> anyhow::Result<()> {
    let mut store = Store::open_with_keys(path, keys(dir))?;
    let app = store.apps_or_first()?.remove(0);
    let mut endpoint_ids = Vec::with_capacity(ENDPOINTS);
    let purposes = [EndpointPurpose::Token, EndpointPurpose::UserInfo, EndpointPurpose::Other];
    for i in 0..ENDPOINTS {
        let mut endpoint = Endpoint::new_for(purposes[i % 3]);
        endpoint.app_id = app.id;
        endpoint.name = format!("Endpoint {i:05}");
        endpoint.url = format!("https://api{i}.example.test/v1/oauth/resource");
        endpoint_ids.push(store.insert_endpoint(&endpoint)?);
    }
    let kinds = [AuthKind::ApiKey, AuthKind::Basic, AuthKind::OAuth2];
    let mut oauth = Vec::new();
    // The first app already has one (API-Key) authorization.
    for i in 1..AUTHORIZATIONS {
        let mut config = AuthConfig::new_of_kind(kinds[i % 3]);
        if let AuthConfig::OAuth2(c) = &mut config {
            c.client_id = format!("client-{i:05}");
            c.client_secret = format!("fake-client-secret-{i:05}");
            c.authorization_uri = format!("https://login{i}.example.test/oauth/authorize?prompt=consent");
            c.scopes = "openid email profile offline_access".into();
            c.token_endpoint = Some(endpoint_ids[(i * 3) % ENDPOINTS]);
            c.userinfo_endpoint = Some(endpoint_ids[(i * 3 + 1) % ENDPOINTS]);
        }
        let id = store.insert_authorization(app.id, &format!("Authorization {i:05}"), &config)?;
        if kinds[i % 3] == AuthKind::OAuth2 {
            oauth.push(id);
        }
    }
    for (n, id) in oauth.into_iter().take(CONNECTIONS).enumerate() {
        store.record_flow(&mut report(id, n))?;
    }
    Ok(())
}

fn seed_small(path: &Path, dir: &Path) -> anyhow::Result<()> {
    let mut store = Store::open_with_keys(path, keys(dir))?;
    store.apps_or_first()?;
    Ok(())
}

/// Starts (open the store, load the app, draw the first frame) `rounds` times, and says where
/// the time went; then measures frames and key presses, and the process's peak memory.
fn measure(name: &str, path: &Path, dir: &Path, rounds: usize, presses: usize) -> anyhow::Result<()> {
    let (mut open, mut lists, mut draw, mut first) = (vec![], vec![], vec![], vec![]);
    let mut kept = None;
    for _ in 0..rounds {
        drop(kept.take());
        let start = Instant::now();
        let store = Store::open_with_keys(path, keys(dir))?;
        let opened = Instant::now();
        let app = App::new(store)?;
        let loaded = Instant::now();
        let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT))?;
        tui::draw(&mut terminal, &app)?;
        let drawn = Instant::now();
        open.push(opened - start);
        lists.push(loaded - opened);
        draw.push(drawn - loaded);
        first.push(drawn - start);
        kept = Some((app, terminal));
    }
    let Some((mut app, mut terminal)) = kept else { anyhow::bail!("no rounds") };
    let rows = (app.data.authorizations.len(), app.data.endpoints.len(), app.data.connections.len());

    // Frames alone: the same screen drawn again, as a spinner tick does.
    let mut frames = Vec::with_capacity(presses);
    for _ in 0..presses {
        let t = Instant::now();
        tui::draw(&mut terminal, &app)?;
        frames.push(t.elapsed());
    }
    // j and k: down the list and back up, each press to its frame.
    let down = press_to_frame(&mut app, &mut terminal, &vec![key('j'); presses])?;
    let up = press_to_frame(&mut app, &mut terminal, &vec![key('k'); presses])?;
    // `/` then a filter typed a key at a time, each key re-filtering every name; then Esc.
    let mut typed = vec![key('/')];
    typed.extend("authorization 042".chars().map(key));
    let mut filter = Vec::new();
    for _ in 0..(presses / 40).max(5) {
        filter.extend(press_to_frame(&mut app, &mut terminal, &typed)?);
        let esc = Event::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
        filter.extend(press_to_frame(&mut app, &mut terminal, &[esc])?);
    }

    println!("== {name} database: {} authorizations, {} endpoints, {} connections", rows.0, rows.1, rows.2);
    println!(
        "start to first frame:        median {:.2} ms of {rounds} (open the store {:.2}, read the lists {:.2}, first draw {:.2})",
        ms(median(first)),
        ms(median(open)),
        ms(median(lists)),
        ms(median(draw))
    );
    println!("one frame ({presses}):           {}", summary(frames));
    println!("j, press to frame ({presses}):  {}", summary(down));
    println!("k, press to frame ({presses}):  {}", summary(up));
    println!("/ filter, press to frame:    {} ({} presses)", summary(filter.clone()), filter.len());
    drop((app, terminal));
    match peak_memory_kib() {
        Some(kib) => println!("peak memory (VmHWM):         {:.1} MiB", kib as f64 / 1024.0),
        None => println!("peak memory: not available on this system"),
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let (rounds, presses) = if quick { (3, 200) } else { (9, 2000) };
    // `--starts`: only starts, many of them (for a profiler: `perf record … --measure … --starts`).
    let (rounds, presses) = if args.iter().any(|a| a == "--starts") { (30, 1) } else { (rounds, presses) };
    // A child: measure one database.
    if let [_, flag, name, path, dir, ..] = args.as_slice()
        && flag == "--measure"
    {
        return measure(name, Path::new(path), Path::new(dir), rounds, presses);
    }
    // `--seed DIR`: only make the large database (DIR/large.db, its key in DIR/keys), for
    // bench/startup.py to start the real binary on.
    if let [_, flag, dir, ..] = args.as_slice()
        && flag == "--seed"
    {
        let dir = Path::new(dir);
        std::fs::create_dir_all(dir)?;
        return seed_large(&dir.join("large.db"), dir);
    }
    let dir = tempfile::tempdir()?;
    let seeded = Instant::now();
    let small = dir.path().join("small.db");
    seed_small(&small, dir.path())?;
    let large = dir.path().join("large.db");
    seed_large(&large, dir.path())?;
    eprintln!("(seeded in {:.1} s)", seeded.elapsed().as_secs_f64());
    let me = std::env::current_exe()?;
    for (name, path) in [("small", &small), ("large", &large)] {
        let mut child = std::process::Command::new(&me);
        child.args(["--measure", name]).arg(path).arg(dir.path());
        if quick {
            child.arg("--quick");
        }
        let status = child.status()?;
        anyhow::ensure!(status.success(), "measuring the {name} database failed");
    }
    Ok(())
}
