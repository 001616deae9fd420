//! Prints figures (not a test): time from start to the first frame, time to draw one frame, and peak
//! memory, with 10,000 authorizations in the store. Run with `cargo run --release --example bench_tui`.

use std::time::{Duration, Instant};

use authdeck::app::App;
use authdeck::model::{AuthConfig, AuthKind};
use authdeck::store::Store;
use authdeck::tui;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const AUTHORIZATIONS: usize = 10_000;
const FRAMES: u32 = 2_000;

fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bench.db");
    {
        let mut store = Store::open(&path)?;
        let app = store.apps_or_first()?.remove(0);
        let kinds = [AuthKind::ApiKey, AuthKind::Basic, AuthKind::OAuth2];
        for i in 1..AUTHORIZATIONS {
            let config = AuthConfig::new_of_kind(kinds[i % 3]);
            store.insert_authorization(app.id, &format!("Authorization {i:05}"), &config)?;
        }
    }

    // Peak memory from here on: seeding the store is not what a user's start costs (Linux: writing
    // 5 to clear_refs resets VmHWM).
    let _ = std::fs::write("/proc/self/clear_refs", "5");

    // Start: open the store, load the app, draw the first frame — what `authdeck` does before the
    // user sees anything (terminal set-up aside).
    let start = Instant::now();
    let store = Store::open(&path)?;
    let mut app = App::new(store)?;
    let mut terminal = Terminal::new(TestBackend::new(160, 50))?;
    tui::draw(&mut terminal, &app)?;
    let first_frame = start.elapsed();
    assert_eq!(app.data.authorizations.len(), AUTHORIZATIONS);

    // Frames: move down the list and draw, as holding `j` does.
    let down = Event::Key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE));
    let mut total = Duration::ZERO;
    let mut worst = Duration::ZERO;
    for _ in 0..FRAMES {
        app.handle_event(down.clone());
        let t = Instant::now();
        tui::draw(&mut terminal, &app)?;
        let d = t.elapsed();
        total += d;
        worst = worst.max(d);
    }
    println!("authorizations in the store: {AUTHORIZATIONS}");
    println!("start to first frame:        {:.2} ms", first_frame.as_secs_f64() * 1e3);
    println!("one frame (mean of {FRAMES}):   {:.3} ms", total.as_secs_f64() * 1e3 / f64::from(FRAMES));
    println!("one frame (worst):           {:.3} ms", worst.as_secs_f64() * 1e3);
    match peak_memory_kib() {
        Some(kib) => println!("peak memory (VmHWM):         {:.1} MiB", kib as f64 / 1024.0),
        None => println!("peak memory: not available on this system"),
    }
    Ok(())
}
