//! The app's state and the one place where it changes. Every change arrives as a [`Message`] (a
//! key's action, typed text, a paste, a test run's event, a store job's outcome) and goes to
//! [`App::update`]; the tab or overlay it concerns updates its own state and returns [`Command`]s
//! (open an overlay, change the store, start a run, copy…) that only [`App::apply`] carries out.
//!
//! Where things live: `tabs/` (each tab's keys and selection), `overlay/` (the popups: app picker,
//! kind chooser, questions, prompts, help), `form/` (the forms and their typed fields),
//! `test_pane/` (a run as it happens), `runs.rs` (starting runs and feeding them their events),
//! `data.rs` (the store and the cached lists).

pub mod data;
pub mod form;
pub mod list;
pub mod overlay;
mod runs;
pub mod tabs;
pub mod test_pane;
pub mod text_box;

use std::collections::VecDeque;
use std::time::Instant;

use crossterm::event::{Event, KeyEvent, KeyEventKind};
use tokio::sync::mpsc;

pub use crate::platform::{Effect, Environment};
pub use data::{Data, Deleted, Done, Job, JobError, Lists, Outcome, PickerEntry, PresetAdded, PresetRequest, Stored};
pub use overlay::Overlay;
pub use tabs::{Tab, Tabs};

use crate::flow::{FlowEvent, FlowKind};
use crate::keymap::{self, Action, Context};
use crate::store::{Store, StoreError};
use form::FieldKey;
use runs::Runs;
use test_pane::TestPane;

/// Everything that changes the app, in one type.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // one at a time passes through update; boxing buys nothing
pub enum Message {
    /// A key bound to an action on the current screen.
    Action(Action),
    /// A key no binding took: typed into the focused text box, if there is one.
    Text(KeyEvent),
    /// Text pasted into the terminal (bracketed paste).
    Paste(String),
    /// The terminal changed size (or regained focus): only a redraw.
    Resize,
    /// An event of the test run `run`.
    Flow { run: u64, event: FlowEvent },
    /// A store job ended; its outcome goes to the pane that asked for it.
    Stored(Box<Stored>),
    /// An issuer's discovery document was read (or not) for the form at this height of the stack.
    Discovered { overlay: usize, result: Result<Box<crate::flow::Discovery>, String> },
    /// The process got SIGTERM, SIGINT, SIGHUP or SIGQUIT (its number): quit as `q` does —
    /// running tests cancelled, their ports freed and their runs recorded — then exit `128 + n`.
    Signal(i32),
}

/// Who asked for a store job, and so gets its outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The tabs (no overlay was open).
    Tabs,
    /// The overlay at this height of the stack.
    Overlay(usize),
    /// The end of this test run (its record).
    Run(u64),
}

/// What a tab or overlay asks the app to do; only [`App::apply`] does it.
#[allow(clippy::large_enum_variant)] // a handful live for one update; boxing buys nothing
pub enum Command {
    /// Open an overlay on top of the others.
    Push(Overlay),
    /// Close the topmost overlay.
    Pop,
    /// Close every overlay this says yes to.
    Close(fn(&Overlay) -> bool),
    Info(String),
    Error(String),
    Quit,
    /// Change the store (or re-read it); the outcome comes back to the pane on top when it is asked.
    Store(Job),
    /// Test an authorization: with the answers to its questions (key, password), or asking them first.
    Test {
        authorization_id: i64,
        answers: Option<Vec<String>>,
    },
    /// Run a refresh-token grant on a saved connection.
    Refresh {
        connection_id: i64,
    },
    /// Revoke a saved connection's tokens (RFC 7009).
    Revoke {
        connection_id: i64,
    },
    /// Ask the provider about a saved connection's access token (RFC 7662).
    Introspect {
        connection_id: i64,
    },
    /// The refresh lab on a saved connection: force expiry, rotation test, lifetime probe.
    Lab {
        connection_id: i64,
        lab: crate::flow::Lab,
    },
    /// Read an issuer's discovery document for the form on top.
    Discover {
        issuer: String,
    },
    /// Something for the terminal around the app (copy, open a browser).
    Effect(Effect),
    /// Show this tab.
    ShowTab(Tab),
    /// Select the row of this id in a tab's table.
    Select {
        tab: Tab,
        id: i64,
    },
    /// Add a provider preset to the current app: pointed first at the local mock the environment
    /// names, if it names one.
    AddPreset(Box<PresetRequest>),
    /// The endpoint `id` was made for this field of the form now on top: choose it there.
    SetEndpoint {
        field: FieldKey,
        id: i64,
    },
    /// A new key pair in the form now on top (asked first when it replaces a key).
    GenerateKey,
}

/// What a pane may read while it handles a key: the cached data, where authdeck runs, the time.
pub struct Ctx<'a> {
    pub data: &'a Data,
    pub env: &'a Environment,
    pub now: Instant,
}

/// The time the app shows and measures by: the real clock, or a fixed one (tests and snapshots,
/// so elapsed times and "3 min ago" don't change from run to run).
#[derive(Debug, Clone, Copy, Default)]
pub struct Clock {
    fixed: Option<(Instant, i64)>,
}

impl Clock {
    /// A clock that always says `at`, which is `unix` in Unix seconds.
    pub fn fixed(at: Instant, unix: i64) -> Clock {
        Clock { fixed: Some((at, unix)) }
    }

    pub fn now(&self) -> Instant {
        self.fixed.map_or_else(Instant::now, |(at, _)| at)
    }

    /// Now in Unix seconds.
    pub fn unix(&self) -> i64 {
        self.fixed.map_or_else(crate::model::time::now, |(_, unix)| unix)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusKind {
    Info,
    Error,
}

/// The message bar.
#[derive(Debug, Clone)]
pub struct Status {
    pub kind: StatusKind,
    pub text: String,
}

pub struct App {
    pub data: Data,
    pub tabs: Tabs,
    /// What is drawn over the tabs, topmost last; the topmost gets the keys.
    pub overlays: Vec<Overlay>,
    pub status: Option<Status>,
    pub env: Environment,
    pub clock: Clock,
    pub quit: bool,
    /// The signal that made the app quit, if one did (for the exit code).
    pub quit_by_signal: Option<i32>,
    runs: Runs,
    /// A sender into the inbox, for whoever outside has something to tell the app (a signal).
    inbox_tx: mpsc::Sender<Message>,
    effects: Vec<Effect>,
    /// Where the store's thread and the test runs send their messages; the event loop takes it.
    inbox: Option<mpsc::Receiver<Message>>,
    /// Terminal events that arrived while a pane's store job was pending: they act once it ended,
    /// on what it changed (as typed-ahead keys do).
    held: VecDeque<Event>,
}

impl App {
    /// Loads the apps (creating the first one on a new database) and shows the first.
    pub fn new(store: Store) -> Result<App, StoreError> {
        let (inbox_tx, inbox) = mpsc::channel(256);
        let data = Data::load(store, inbox_tx.clone())?;
        let tabs = Tabs::new(&data);
        Ok(App {
            data,
            tabs,
            overlays: Vec::new(),
            status: None,
            env: Environment::default(),
            clock: Clock::default(),
            quit: false,
            quit_by_signal: None,
            runs: Runs::new(inbox_tx.clone()),
            inbox_tx,
            effects: Vec::new(),
            inbox: Some(inbox),
            held: VecDeque::new(),
        })
    }

    /// A sender of messages to the app, for what happens outside it (a signal to the process).
    pub fn sender(&self) -> mpsc::Sender<Message> {
        self.inbox_tx.clone()
    }

    /// The messages of the store's thread and the test runs, for the event loop (taken once).
    pub fn take_inbox(&mut self) -> Option<mpsc::Receiver<Message>> {
        self.inbox.take()
    }

    /// True when nothing the user did waits: no pane's store job pending, no key held for one.
    pub fn is_settled(&self) -> bool {
        !self.data.is_busy() && self.held.is_empty()
    }

    /// The message a terminal event makes, if any: a key becomes its action on the current screen
    /// (from the key table) or typed text.
    pub fn message_for(&self, event: Event) -> Option<Message> {
        match event {
            Event::Key(key) if key.kind != KeyEventKind::Release => {
                Some(match keymap::lookup(self.context(), &key, |a| self.available(a)) {
                    Some(action) => Message::Action(action),
                    None => Message::Text(key),
                })
            }
            Event::Paste(text) => Some(Message::Paste(text)),
            Event::Resize(..) | Event::FocusGained => Some(Message::Resize),
            _ => None,
        }
    }

    /// Handles one terminal event; true when the screen should be drawn again.
    pub fn handle_event(&mut self, event: Event) -> bool {
        if self.data.is_busy() && !matches!(event, Event::Resize(..) | Event::FocusGained | Event::FocusLost) {
            self.held.push_back(event);
            return false;
        }
        match self.message_for(event) {
            Some(message) => {
                self.update(message);
                true
            }
            None => false,
        }
    }

    /// The one place the state changes.
    pub fn update(&mut self, message: Message) {
        match message {
            Message::Action(action) => {
                self.status = None;
                self.act(action);
            }
            Message::Text(key) => {
                self.status = None;
                match self.overlays.last_mut() {
                    Some(top) => top.type_key(key),
                    None => self.tabs.type_key(key, &self.data),
                }
            }
            Message::Paste(text) => match self.overlays.last_mut() {
                Some(top) => top.paste(&text),
                None => self.tabs.paste(&text, &self.data),
            },
            Message::Resize => {}
            Message::Flow { run, event } => self.flow_event(run, event),
            Message::Stored(stored) => self.stored(*stored),
            Message::Discovered { overlay, result } => {
                let commands = match self.overlays.get_mut(overlay) {
                    Some(Overlay::Form(form)) => form::authorization::discovered(form, result.map(|d| *d), &self.data),
                    // The form was closed meanwhile: nothing to fill in.
                    _ => Vec::new(),
                };
                self.apply(commands);
            }
            Message::Signal(signal) => {
                tracing::info!(signal, "quitting on a signal");
                self.quit_by_signal = Some(signal);
                self.quit = true;
            }
        }
    }

    fn act(&mut self, action: Action) {
        let commands = match action {
            Action::Interrupt if self.overlays.is_empty() => vec![Command::Quit],
            Action::Interrupt => return self.act(Action::Cancel),
            Action::Help => vec![Command::Push(Overlay::Help(overlay::Help::new(self.context())))],
            _ => {
                let ctx = Ctx { data: &self.data, env: &self.env, now: self.clock.now() };
                match self.overlays.last_mut() {
                    None => self.tabs.update(action, ctx.data),
                    Some(top) => top.update(action, &ctx),
                }
            }
        };
        self.apply(commands);
    }

    /// Carries out what a pane asked for, in order.
    pub fn apply(&mut self, commands: Vec<Command>) {
        for command in commands {
            match command {
                Command::Push(overlay) => self.overlays.push(overlay),
                Command::Pop => {
                    self.overlays.pop();
                }
                Command::Close(which) => self.overlays.retain(|o| !which(o)),
                Command::Info(text) => self.status = Some(Status { kind: StatusKind::Info, text }),
                Command::Error(text) => self.status = Some(Status { kind: StatusKind::Error, text }),
                Command::Quit => self.quit = true,
                Command::Store(job) => {
                    let origin = match self.overlays.len() {
                        0 => Origin::Tabs,
                        n => Origin::Overlay(n - 1),
                    };
                    self.submit(origin, job);
                }
                Command::AddPreset(mut request) => {
                    if let Some(base) = self.env.preset_base_url.clone() {
                        if let Err(e) = request.applied.rebase(&base) {
                            self.error(format!(
                                "{e} (from {}); nothing was added.",
                                crate::model::preset::BASE_URL_VARIABLE
                            ));
                            continue;
                        }
                        request.base_url = Some(base);
                    }
                    let origin = match self.overlays.len() {
                        0 => Origin::Tabs,
                        n => Origin::Overlay(n - 1),
                    };
                    self.submit(origin, Job::AddPreset(request));
                }
                Command::Test { authorization_id, answers } => self.start_test(authorization_id, answers),
                Command::Refresh { connection_id } => self.start_on_connection(connection_id, FlowKind::Refresh),
                Command::Revoke { connection_id } => self.start_on_connection(connection_id, FlowKind::Revoke),
                Command::Introspect { connection_id } => self.start_on_connection(connection_id, FlowKind::Introspect),
                Command::Lab { connection_id, lab } => self.start_lab(connection_id, lab),
                Command::Discover { issuer } => {
                    let overlay = self.overlays.len().saturating_sub(1);
                    if let Err(message) = self.runs.discover(issuer, overlay) {
                        self.error(message);
                    }
                }
                Command::Effect(effect) => self.effects.push(effect),
                Command::ShowTab(tab) => self.tabs.current = tab,
                Command::Select { tab, id } => self.tabs.select(tab, id, &self.data),
                Command::SetEndpoint { field, id } => {
                    if let Some(Overlay::Form(form)) = self.overlays.last_mut() {
                        form.set_endpoint(field, Some(id));
                        form.edited(field);
                    }
                }
                Command::GenerateKey => {
                    if let Some(Overlay::Form(form)) = self.overlays.last_mut() {
                        let done = form::authorization::new_key_pair(form);
                        self.apply(done);
                    }
                }
            }
        }
    }

    /// Hands a job to the store's thread (or, when it is gone, says so at once).
    fn submit(&mut self, origin: Origin, job: Job) {
        if let Err(refused) = self.data.submit(origin, job) {
            self.stored(*refused);
        }
    }

    /// A store job ended: the lists may have changed; the pane that asked hears how it went; then
    /// the keys that waited for it act.
    fn stored(&mut self, mut stored: Stored) {
        self.data.ended(&mut stored);
        self.tabs.sync(&self.data);
        let Stored { origin, outcome, reload_error, .. } = stored;
        let mut commands = match origin {
            Origin::Overlay(i) if i < self.overlays.len() => self.overlays[i].stored(outcome, &self.data),
            Origin::Run(run) => self.run_recorded(run, outcome),
            Origin::Tabs | Origin::Overlay(_) => report(outcome),
        };
        if let Some(e) = reload_error {
            commands.push(Command::Error(format!("Saved, but reading the database back failed: {e}")));
        }
        self.apply(commands);
        while !self.data.is_busy()
            && let Some(event) = self.held.pop_front()
        {
            self.handle_event(event);
        }
    }

    /// Shows `text` in the message bar as an error.
    pub fn error(&mut self, text: impl Into<String>) {
        self.status = Some(Status { kind: StatusKind::Error, text: text.into() });
    }

    /// What the terminal around the app should do (copy, open a browser), taken once.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }

    /// The overlays without the help screen on top: what the help describes, and what decides
    /// which keys are available.
    fn beneath_help(&self) -> &[Overlay] {
        let end = self.overlays.iter().rposition(|o| !matches!(o, Overlay::Help(_))).map_or(0, |i| i + 1);
        &self.overlays[..end]
    }

    /// The test pane, when it is the topmost overlay (under the help screen, if that is open).
    pub fn test_pane(&self) -> Option<&TestPane> {
        match self.beneath_help().last() {
            Some(Overlay::TestPane(pane)) => Some(pane),
            _ => None,
        }
    }

    /// The screen whose keys apply now.
    pub fn context(&self) -> Context {
        match self.overlays.last() {
            None => self.tabs.context(),
            Some(top) => top.context(),
        }
    }

    /// Whether an action applies now (an action that doesn't neither dispatches nor shows in the
    /// footer).
    pub fn available(&self, action: Action) -> bool {
        self.available_in(&self.overlays, action)
    }

    /// The words of a key's hint on the screen on top (or, `under_help`, the one the help
    /// describes): the key table's, unless that screen says otherwise.
    pub fn hint_label(&self, action: Action, label: &'static str, under_help: bool) -> &'static str {
        let overlays = if under_help { self.beneath_help() } else { &self.overlays };
        overlays.last().and_then(|top| top.hint_label(action)).unwrap_or(label)
    }

    /// Whether an action applies on the screen the help describes (the one under it).
    pub fn available_under_help(&self, action: Action) -> bool {
        self.available_in(self.beneath_help(), action)
    }

    fn available_in(&self, overlays: &[Overlay], action: Action) -> bool {
        let ctx = Ctx { data: &self.data, env: &self.env, now: self.clock.now() };
        match overlays.last() {
            None => self.tabs.available(action, &self.data),
            Some(top) => top.available(action, &ctx),
        }
    }
}

/// The usual words for a job's outcome, for a pane that has nothing of its own to say.
pub fn report(outcome: Outcome) -> Vec<Command> {
    match outcome {
        Ok(Done::Deleted(what)) => vec![Command::Info(
            match what {
                Deleted::App => "Deleted the app.",
                Deleted::Authorization => "Deleted the authorization.",
                Deleted::Endpoint => "Deleted the endpoint.",
                Deleted::Connection => "Deleted the connection and forgot its tokens.",
            }
            .into(),
        )],
        Ok(Done::Switched { name }) => vec![Command::Info(format!("Switched to {name}."))],
        Ok(_) => Vec::new(),
        Err(e) => vec![Command::Error(e.to_string())],
    }
}
