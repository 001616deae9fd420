//! A harness that runs the app's real event loop (`tui::run`) on ratatui's TestBackend, in a thread
//! of its own, feeds it key events as a terminal would, and reads back every screen it draws. A key
//! press returns once the loop has taken it in and nothing it caused is still waiting for the
//! store's thread; the test runs' events are waited for on screen (`wait_for`), never by sleeping.

use std::path::PathBuf;

#[path = "isolated.rs"]
pub mod isolated;
use std::sync::mpsc as std_mpsc;
use std::time::Duration;

use authdeck::app::{App, Clock, Effect, Environment};
use authdeck::store::Store;
use authdeck::tui::{self, Host, Turn};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use tokio::sync::mpsc;

/// How long a wait may take before the test fails (a loaded CI machine is slow, never this slow).
const PATIENCE: Duration = Duration::from_secs(30);

/// One turn of the loop, as the harness sees it.
struct Frame {
    screen: String,
    buffer: Buffer,
    turn: Turn,
    effects: Vec<Effect>,
}

/// The harness's side of the loop: effects are kept, each turn's screen sent to the test.
struct Watcher {
    frames: std_mpsc::Sender<Frame>,
    effects: Vec<Effect>,
}

impl Host<TestBackend> for Watcher {
    fn effect(&mut self, effect: Effect) -> Result<(), String> {
        self.effects.push(effect);
        Ok(())
    }

    fn turned(&mut self, terminal: &Terminal<TestBackend>, turn: Turn) {
        let screen = screen_text(terminal.backend());
        let buffer = terminal.backend().buffer().clone();
        let _ = self.frames.send(Frame { screen, buffer, turn, effects: std::mem::take(&mut self.effects) });
    }
}

/// The screen as a person reads it: one line per row, a link's escape sequence left out (its
/// cells hold the text inside it, and skip the cell it covers).
pub fn screen_text(backend: &TestBackend) -> String {
    use ratatui::buffer::CellDiffOption;
    let buffer = backend.buffer();
    let mut out = String::new();
    for y in 0..buffer.area.height {
        let mut x = 0;
        while x < buffer.area.width {
            let cell = &buffer[(x, y)];
            let text = visible(cell.symbol());
            out.push_str(text);
            // A link's cell prints the characters of the cells it covers, which the terminal
            // never receives again (a test backend keeps what they held before).
            let covers = if text.len() < cell.symbol().len() { text.chars().count().max(1) } else { 1 };
            x += if cell.diff_option == CellDiffOption::Skip { 1 } else { covers as u16 };
        }
        out.push('\n');
    }
    out
}

/// A cell's text without the OSC 8 link around it.
fn visible(symbol: &str) -> &str {
    match symbol.strip_prefix("\x1b]8;;").and_then(|rest| rest.split_once("\x1b\\")) {
        Some((_, text)) => text.strip_suffix("\x1b]8;;\x1b\\").unwrap_or(text),
        None => symbol,
    }
}

/// Arranges the database before the app opens it.
type Seed = Box<dyn FnOnce(&mut Store)>;

/// How to start the app: screen size, environment, what the database holds first.
pub struct Setup {
    width: u16,
    height: u16,
    env: Environment,
    clock: Clock,
    seed: Option<Seed>,
    db: Option<(PathBuf, tempfile::TempDir)>,
}

#[allow(dead_code)]
impl Setup {
    pub fn size(mut self, width: u16, height: u16) -> Setup {
        self.width = width;
        self.height = height;
        self
    }

    pub fn env(mut self, env: Environment) -> Setup {
        self.env = env;
        self
    }

    /// A clock that stands still, so times on screen don't change from run to run.
    pub fn clock(mut self, clock: Clock) -> Setup {
        self.clock = clock;
        self
    }

    /// Starts on the database another harness used (see [`Harness::close`]).
    pub fn database(mut self, db: (PathBuf, tempfile::TempDir)) -> Setup {
        self.db = Some(db);
        self
    }

    /// Arranges the database before the app opens it (the first app already exists).
    pub fn seed(mut self, seed: impl FnOnce(&mut Store) + 'static) -> Setup {
        self.seed = Some(Box::new(seed));
        self
    }

    pub fn start(self) -> Harness {
        let (db, dir) = self.db.unwrap_or_else(|| {
            let dir = tempfile::tempdir().expect("temp dir");
            (dir.path().join("authdeck.db"), dir)
        });
        let mut store = isolated::open(&db).expect("open store");
        store.apps_or_first().expect("first app");
        if let Some(seed) = self.seed {
            seed(&mut store);
        }
        let mut app = App::new(store).expect("app");
        app.env = self.env;
        app.clock = self.clock;
        let (keys, key_queue) = mpsc::unbounded_channel::<std::io::Result<Event>>();
        let (frames_tx, frames) = std_mpsc::channel();
        let (width, height) = (self.width, self.height);
        let thread = std::thread::Builder::new()
            .name("tui-under-test".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("runtime");
                let mut queue = key_queue;
                let events = futures_util::stream::poll_fn(move |cx| queue.poll_recv(cx));
                let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
                let mut watcher = Watcher { frames: frames_tx, effects: Vec::new() };
                runtime.block_on(tui::run(&mut terminal, &mut app, events, &mut watcher)).expect("the event loop");
                app
            })
            .expect("loop thread");
        let mut h = Harness {
            keys: Some(keys),
            frames,
            thread: Some(thread),
            sent: 0,
            last_turn: None,
            screen: String::new(),
            buffer: Buffer::empty(ratatui::layout::Rect::new(0, 0, width, height)),
            screens: Vec::new(),
            effects: Vec::new(),
            db,
            _dir: dir,
        };
        h.settle();
        h
    }
}

pub struct Harness {
    keys: Option<mpsc::UnboundedSender<std::io::Result<Event>>>,
    frames: std_mpsc::Receiver<Frame>,
    thread: Option<std::thread::JoinHandle<App>>,
    /// Terminal events sent so far.
    sent: u64,
    /// The last turn the loop reported since the last event was sent.
    last_turn: Option<Turn>,
    screen: String,
    /// The last screen's cells, with their styles and any link sequences.
    buffer: Buffer,
    /// Every screen drawn, to check that no secret was ever on it.
    pub screens: Vec<String>,
    effects: Vec<Effect>,
    pub db: PathBuf,
    _dir: tempfile::TempDir,
}

#[allow(dead_code)]
impl Harness {
    /// The app on a new database in a temporary folder, on a 120×40 screen.
    pub fn new() -> Harness {
        Harness::setup().start()
    }

    pub fn with_size(width: u16, height: u16) -> Harness {
        Harness::setup().size(width, height).start()
    }

    pub fn setup() -> Setup {
        Setup { width: 120, height: 40, env: Environment::default(), clock: Clock::default(), seed: None, db: None }
    }

    /// A second connection to the same database, to arrange or check what was saved.
    pub fn store(&self) -> Store {
        isolated::open(&self.db).expect("reopen store")
    }

    /// The id of the first app (the one a new database starts with).
    pub fn app_id(&self) -> i64 {
        self.store().apps().expect("apps")[0].id
    }

    /// The next turn of the loop; false when the loop has ended.
    fn next_frame(&mut self, what: &str) -> bool {
        match self.frames.recv_timeout(PATIENCE) {
            Ok(frame) => {
                if frame.screen != self.screen {
                    self.screens.push(frame.screen.clone());
                }
                self.screen = frame.screen;
                self.buffer = frame.buffer;
                self.effects.extend(frame.effects);
                self.last_turn = Some(frame.turn);
                true
            }
            Err(std_mpsc::RecvTimeoutError::Disconnected) => false,
            Err(std_mpsc::RecvTimeoutError::Timeout) => {
                panic!("timed out waiting for {what}; the screen:\n{}", self.screen)
            }
        }
    }

    /// Waits until the loop has taken in every event sent and nothing is waiting for the store.
    fn settle(&mut self) {
        loop {
            if self.last_turn.is_some_and(|t| t.inputs >= self.sent && t.settled) {
                return;
            }
            if !self.next_frame("the app to take the keys in") {
                return;
            }
        }
    }

    /// Waits (on the loop's turns, never by sleeping) until `text` is on screen.
    pub fn wait_for(&mut self, text: &str) {
        self.settle();
        while !self.screen.contains(text) {
            assert!(self.next_frame(&format!("{text:?} on screen")), "the app ended before showing {text:?}");
        }
    }

    pub fn event(&mut self, event: Event) {
        self.send(event);
        self.settle();
    }

    /// Sends an event without waiting for what it causes (see [`Harness::watch_for`]).
    pub fn send(&mut self, event: Event) {
        if let Some(keys) = &self.keys
            && keys.send(Ok(event)).is_ok()
        {
            self.sent += 1;
            self.last_turn = None;
        }
    }

    /// Waits until `text` is on screen, even while something the user did is still pending.
    pub fn watch_for(&mut self, text: &str) {
        while !self.screen.contains(text) {
            assert!(self.next_frame(&format!("{text:?} on screen")), "the app ended before showing {text:?}");
        }
    }

    /// Waits until nothing the user did is pending any more.
    pub fn settled(&mut self) {
        self.settle();
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

    pub fn paste(&mut self, text: &str) {
        self.event(Event::Paste(text.into()));
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
            if self.screen.lines().any(|l| l.contains(&format!("▶ {label}"))) {
                return;
            }
            self.tab(1);
        }
        panic!("no field {label:?} on screen:\n{}", self.screen);
    }

    /// What the app asked the terminal to do (copy, open a browser) since the last call.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }

    /// The screen as text, one line per row.
    pub fn screen(&self) -> String {
        self.screen.clone()
    }

    /// The last screen's cells (styles, link sequences).
    pub fn buffer(&self) -> &Buffer {
        &self.buffer
    }

    /// Quits (as `q` does on the tabs) and hands back the database, for a next start on it.
    pub fn close(mut self) -> (PathBuf, tempfile::TempDir) {
        self.keys = None;
        while self.next_frame("the app to quit") {}
        if let Some(thread) = self.thread.take() {
            thread.join().expect("the event loop panicked");
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let dir = std::mem::replace(&mut self._dir, dir);
        (self.db.clone(), dir)
    }

    /// Waits for the loop to end (after `q`, or because the keys ended) and gives the app back.
    pub fn finish(mut self) -> App {
        self.keys = None;
        while self.next_frame("the app to quit") {}
        self.thread.take().expect("loop thread").join().expect("the event loop panicked")
    }

    #[track_caller]
    pub fn assert_shows(&self, text: &str) {
        assert!(self.screen.contains(text), "expected {text:?} on screen:\n{}", self.screen);
    }

    #[track_caller]
    pub fn assert_hides(&self, text: &str) {
        assert!(!self.screen.contains(text), "did not expect {text:?} on screen:\n{}", self.screen);
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        // The keys end, so the loop ends (cancelling any run) and the app closes its database.
        self.keys = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
