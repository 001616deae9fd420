//! A harness that drives the app with key events through the same `handle_event` and draw the
//! real event loop uses, on ratatui's TestBackend, and reads the screen back.

use std::path::PathBuf;
use std::time::Duration;

use authdeck::app::App;
use authdeck::flow::FlowEvent;
use authdeck::store::Store;
use authdeck::tui;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;

pub struct Harness {
    pub app: App,
    pub terminal: Terminal<TestBackend>,
    pub db: PathBuf,
    /// The test runs' events, as the event loop would receive them.
    flow: mpsc::Receiver<(u64, FlowEvent)>,
    /// Every screen drawn, to check that no secret was ever on it.
    pub screens: Vec<String>,
    _dir: tempfile::TempDir,
}

#[allow(dead_code)]
impl Harness {
    /// The app on a new database in a temporary folder, on a 120×40 screen.
    pub fn new() -> Harness {
        Harness::with_size(120, 40)
    }

    pub fn with_size(width: u16, height: u16) -> Harness {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("authdeck.db");
        let store = Store::open(&db).expect("open store");
        let mut app = App::new(store).expect("app");
        let flow = app.take_flow_events().expect("flow events");
        let terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
        let mut h = Harness { app, terminal, db, flow, screens: Vec::new(), _dir: dir };
        h.draw();
        h
    }

    /// A second connection to the same database, to check what was saved.
    pub fn store(&self) -> Store {
        Store::open(&self.db).expect("reopen store")
    }

    fn draw(&mut self) {
        tui::draw(&mut self.terminal, &self.app).expect("draw");
        let screen = self.screen();
        self.screens.push(screen);
    }

    /// Feeds the test run's events to the app (as the event loop does) until `text` is on screen.
    pub async fn wait_for(&mut self, text: &str) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while !self.screen().contains(text) {
            match tokio::time::timeout_at(deadline, self.flow.recv()).await {
                Ok(Some((run, event))) => {
                    self.app.update(authdeck::app::Message::Flow { run, event });
                    self.draw();
                }
                Ok(None) => panic!("the flow channel closed while waiting for {text:?}"),
                Err(_) => panic!("timed out waiting for {text:?} on screen:\n{}", self.screen()),
            }
        }
    }

    pub fn event(&mut self, event: Event) {
        if self.app.handle_event(event) {
            self.draw();
        }
    }

    pub fn key(&mut self, code: KeyCode) {
        self.event(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    /// Each character as its own key press (so `"n"` is the `n` key).
    pub fn press(&mut self, keys: &str) {
        for c in keys.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    pub fn ctrl(&mut self, c: char) {
        self.event(Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)));
    }

    pub fn tab(&mut self, times: usize) {
        for _ in 0..times {
            self.key(KeyCode::Tab);
        }
    }

    pub fn enter(&mut self) {
        self.key(KeyCode::Enter);
    }

    pub fn esc(&mut self) {
        self.key(KeyCode::Esc);
    }

    /// Empties the focused one-line text field (End, then delete to the start of the line).
    pub fn clear_field(&mut self) {
        self.key(KeyCode::End);
        self.ctrl('j');
    }

    /// Empties the focused field and types `text` into it.
    pub fn fill(&mut self, text: &str) {
        self.clear_field();
        self.press(text);
    }

    /// Moves the focus to the field whose label starts a line of the form (by Tab, at most 30 times).
    pub fn focus(&mut self, label: &str) {
        for _ in 0..30 {
            if self.screen().lines().any(|l| l.contains(&format!("▶ {label}"))) {
                return;
            }
            self.tab(1);
        }
        panic!("no field {label:?} on screen:\n{}", self.screen());
    }

    /// The screen as text, one line per row.
    pub fn screen(&self) -> String {
        let buffer = self.terminal.backend().buffer();
        let mut out = String::new();
        for y in 0..buffer.area.height {
            for x in 0..buffer.area.width {
                out.push_str(buffer[(x, y)].symbol());
            }
            out.push('\n');
        }
        out
    }

    #[track_caller]
    pub fn assert_shows(&self, text: &str) {
        let screen = self.screen();
        assert!(screen.contains(text), "expected {text:?} on screen:\n{screen}");
    }

    #[track_caller]
    pub fn assert_hides(&self, text: &str) {
        let screen = self.screen();
        assert!(!screen.contains(text), "did not expect {text:?} on screen:\n{screen}");
    }
}
