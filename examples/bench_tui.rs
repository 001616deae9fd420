//! Prints figures (not a test), with 10,000 authorizations in the store: the time from start to the
//! first frame, the time to draw a frame, the time from a key press to the frame it causes (j/k
//! moving down the list; typing a filter after `/`, each key re-filtering all 10,000 rows), and
//! the peak memory. Run with `cargo run --release --example bench_tui`.

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

fn key(c: char) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

/// Mean, median and worst of some durations, in milliseconds.
fn summary(mut times: Vec<Duration>) -> String {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
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

    // Frames alone: the same screen drawn again, as a spinner tick does.
    let mut frames = Vec::with_capacity(FRAMES as usize);
    for _ in 0..FRAMES {
        let t = Instant::now();
        tui::draw(&mut terminal, &app)?;
        frames.push(t.elapsed());
    }

    // j and k: down the list and back up, each press to its frame.
    let down = press_to_frame(&mut app, &mut terminal, &vec![key('j'); FRAMES as usize])?;
    let up = press_to_frame(&mut app, &mut terminal, &vec![key('k'); FRAMES as usize])?;

    // `/` then a filter typed a key at a time, each key re-filtering the 10,000 names; then Esc.
    let mut typed = vec![key('/')];
    typed.extend("authorization 042".chars().map(key));
    let mut filter = Vec::new();
    for _ in 0..50 {
        filter.extend(press_to_frame(&mut app, &mut terminal, &typed)?);
        let esc = Event::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
        filter.extend(press_to_frame(&mut app, &mut terminal, &[esc])?);
    }

    println!("authorizations in the store: {AUTHORIZATIONS}");
    println!("start to first frame:        {:.2} ms", first_frame.as_secs_f64() * 1e3);
    println!("one frame ({FRAMES}):           {}", summary(frames));
    println!("j, press to frame ({FRAMES}):  {}", summary(down));
    println!("k, press to frame ({FRAMES}):  {}", summary(up));
    println!("/ filter, press to frame:    {} ({} presses)", summary(filter.clone()), filter.len());
    match peak_memory_kib() {
        Some(kib) => println!("peak memory (VmHWM):         {:.1} MiB", kib as f64 / 1024.0),
        None => println!("peak memory: not available on this system"),
    }
    Ok(())
}
