//! The test-connection pane: the steps of a run as they happen, the authorization URL, the
//! listener, the paste box, and the report the run ended with. The run's events change it in
//! [`TestPane::apply`]; its keys in [`TestPane::update`].

mod url_view;

pub use url_view::UrlView;

use std::cell::Cell;
use std::time::Instant;

use crossterm::event::KeyEvent;
use ratatui_textarea::TextArea;

use super::{Command, Overlay};
use crate::flow::{
    DeviceCode, DevicePoll, FlowEvent, FlowHandle, FlowKind, FlowReport, FlowRequest, HttpExchange, ListenerStatus,
    RunOutcome, StepId, StepRecord, StepStatus, TestRun,
};
use crate::keymap::{self, Action, Context};
use crate::model::Authorization;
use crate::model::redact::{MASK, Sensitive};
use crate::model::text::printable;
use crate::platform::{Effect, Environment};

/// The paste box: what is pasted holds the authorization code, so it is masked unless revealed.
fn paste_box(revealed: bool) -> TextArea<'static> {
    let mut area = TextArea::default();
    if !revealed {
        area.set_mask_char(MASK);
    }
    area
}

/// One step as the pane shows it.
pub struct StepView {
    pub id: StepId,
    pub status: StepStatus,
    /// When it started, for the elapsed time while it runs.
    pub started: Option<Instant>,
    /// How it ended (summary, notes, elapsed time).
    pub record: Option<StepRecord>,
    /// Its HTTP requests and responses, redacted.
    pub exchanges: Vec<HttpExchange>,
    /// The same, unredacted, shown only on request (Ctrl-R).
    pub raw: Vec<Sensitive<HttpExchange>>,
    pub notices: Vec<String>,
    /// What went wrong, when it failed.
    pub error: Option<String>,
}

impl StepView {
    fn new(id: StepId) -> StepView {
        StepView {
            id,
            status: StepStatus::Waiting,
            started: None,
            record: None,
            exchanges: Vec::new(),
            raw: Vec::new(),
            notices: Vec::new(),
            error: None,
        }
    }
}

pub struct TestPane {
    /// Which run this pane shows (events of other runs are not its own).
    pub run_id: u64,
    pub authorization_id: i64,
    pub authorization_name: String,
    pub kind: FlowKind,
    pub steps: Vec<StepView>,
    pub selected: usize,
    pub started: Instant,
    pub auth_url: Option<String>,
    pub redirect_uri: Option<String>,
    pub listener: Option<ListenerStatus>,
    /// The `ssh -L` command that forwards the callback port, when working over SSH.
    pub ssh_hint: Option<String>,
    /// Requests on the listener that weren't the callback, and similar remarks.
    pub log: Vec<String>,
    pub paste: TextArea<'static>,
    pub paste_focused: bool,
    /// Why the last pasted text was refused (the text stays in the box to be fixed).
    pub paste_error: Option<String>,
    /// Show what was pasted in clear (it holds the code).
    pub paste_revealed: bool,
    /// Show requests and responses unredacted.
    pub revealed: bool,
    /// How far the detail is scrolled down, in lines.
    pub detail_scroll: u16,
    /// How many lines of detail the last frame showed: a page.
    pub detail_height: Cell<u16>,
    /// The recorded run this pane shows (from the history), instead of a live one.
    pub recorded: Option<RecordedRunView>,
    /// The running flow; `None` once it ended.
    pub handle: Option<FlowHandle>,
    /// Cancel was asked for; waiting for the flow to wind down.
    pub cancelling: bool,
    pub report: Option<FlowReport>,
    /// The connection the run saved or updated, for `r`.
    pub connection_id: Option<i64>,
    /// A device-code login: the user code and where to enter it.
    pub device: Option<DeviceCode>,
    /// The last poll of a device-code login that didn't end the wait.
    pub device_poll: Option<DevicePoll>,
}

/// Which recorded run a pane shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRunView {
    pub id: i64,
    /// When it started, as the store keeps it (`YYYY-MM-DDTHH:MM:SSZ`).
    pub started_at: String,
}

impl TestPane {
    /// The pane of the run `run_id` of `request`, its steps all waiting, started `now`.
    pub fn new(run_id: u64, request: &FlowRequest, now: Instant) -> TestPane {
        let auth = &request.authorization;
        TestPane::empty(run_id, auth, request.kind(), &request.steps(), now)
    }

    /// A recorded run of `authorization`, as it ended: its steps with their redacted requests and
    /// responses, in the same pane as a live test.
    pub fn from_run(run: &TestRun, authorization: &Authorization, now: Instant) -> TestPane {
        let kind = run.kind.unwrap_or(FlowKind::Test);
        let steps: Vec<StepId> = run.steps.iter().map(|s| s.step).collect();
        let mut pane = TestPane::empty(0, authorization, kind, &steps, now);
        for record in &run.steps {
            let view = pane.step_mut(record.step);
            view.status = record.status;
            view.exchanges = record.exchanges.clone();
            view.record = Some(record.clone());
        }
        let time = |at: &str| crate::model::time::parse_utc(at).unwrap_or_default();
        pane.report = Some(FlowReport {
            authorization_id: authorization.id,
            auth_kind: authorization.kind(),
            kind,
            outcome: run.outcome.unwrap_or(RunOutcome::Failed),
            message: run.message.clone(),
            started_at: time(&run.started_at),
            finished_at: run.finished_at.as_deref().map_or(0, time),
            steps: run.steps.clone(),
            identity: None,
            grant: None,
            grant_type: None,
            introspection: None,
            tokens: None,
            kept: Vec::new(),
            on_connection: None,
            connection_status: None,
            observed: Default::default(),
        });
        if let Some(i) = pane.steps.iter().rposition(|v| matches!(v.status, StepStatus::Failed | StepStatus::Ok)) {
            pane.select(i);
        }
        pane.recorded = Some(RecordedRunView { id: run.id, started_at: run.started_at.clone() });
        pane
    }

    fn empty(run_id: u64, auth: &Authorization, kind: FlowKind, steps: &[StepId], now: Instant) -> TestPane {
        TestPane {
            run_id,
            authorization_id: auth.id,
            authorization_name: auth.name.clone(),
            kind,
            steps: steps.iter().map(|s| StepView::new(*s)).collect(),
            selected: 0,
            started: now,
            auth_url: None,
            redirect_uri: None,
            listener: None,
            ssh_hint: None,
            log: Vec::new(),
            paste: paste_box(false),
            paste_focused: false,
            paste_error: None,
            paste_revealed: false,
            revealed: false,
            detail_scroll: 0,
            detail_height: Cell::new(0),
            recorded: None,
            handle: None,
            cancelling: false,
            report: None,
            connection_id: None,
            device: None,
            device_poll: None,
        }
    }

    pub fn is_running(&self) -> bool {
        self.report.is_none()
    }

    /// True while the flow waits for the browser's callback or a paste.
    pub fn is_waiting_for_callback(&self) -> bool {
        self.is_running() && self.step(StepId::Callback).is_some_and(|s| s.status == StepStatus::Running)
    }

    pub fn step(&self, id: StepId) -> Option<&StepView> {
        self.steps.iter().find(|s| s.id == id)
    }

    fn step_mut(&mut self, id: StepId) -> &mut StepView {
        if let Some(i) = self.steps.iter().position(|s| s.id == id) {
            return &mut self.steps[i];
        }
        self.steps.push(StepView::new(id));
        let last = self.steps.len() - 1;
        &mut self.steps[last]
    }

    pub fn selected_step(&self) -> Option<&StepView> {
        self.steps.get(self.selected)
    }

    /// Applies one event of the run, which happened `now`.
    pub fn apply(&mut self, event: FlowEvent, now: Instant) {
        match event {
            FlowEvent::StepStarted { step } => {
                let view = self.step_mut(step);
                view.status = StepStatus::Running;
                view.started = Some(now);
                self.follow(step);
            }
            FlowEvent::StepFinished { record } => {
                if record.step == StepId::Callback {
                    // The callback came: the paste box has done its job.
                    self.paste = paste_box(self.paste_revealed);
                    self.paste_error = None;
                    self.paste_focused = false;
                }
                self.end_step(record, None)
            }
            FlowEvent::StepFailed { record, error } => {
                let step = record.step;
                self.end_step(record, Some(error.to_string()));
                self.follow(step);
            }
            FlowEvent::AuthorizationUrl { url, redirect_uri } => {
                self.auth_url = Some(url);
                self.redirect_uri = Some(redirect_uri);
            }
            FlowEvent::Listener(status) => self.listener = Some(status),
            FlowEvent::PasteRejected { message } => {
                self.paste_error = Some(message);
                self.focus_paste();
            }
            FlowEvent::StrayRequest { method, path } => {
                self.log.push(format!("Ignored a request that isn't the callback: {method} {path}"));
            }
            FlowEvent::Notice { step, message } => self.step_mut(step).notices.push(message),
            FlowEvent::DeviceCode(device) => self.device = Some(device),
            FlowEvent::DevicePoll(poll) => self.device_poll = Some(poll),
            FlowEvent::Exchange { step, redacted, raw } => {
                let view = self.step_mut(step);
                view.exchanges.push(redacted);
                view.raw.push(raw);
            }
            // The app saves the report first, then calls `finish`.
            FlowEvent::Finished(_) => {}
        }
    }

    fn end_step(&mut self, record: StepRecord, error: Option<String>) {
        let view = self.step_mut(record.step);
        view.status = record.status;
        view.error = error;
        // The record carries the step's notes: those already shown as they came are not repeated.
        view.notices.retain(|n| !record.notes.contains(n));
        view.record = Some(record);
    }

    /// Moves the selection to the step that is happening.
    fn follow(&mut self, step: StepId) {
        if let Some(i) = self.steps.iter().position(|s| s.id == step) {
            self.select(i);
        }
    }

    /// Puts the focus in the paste box, and shows the step it belongs to (it is drawn there).
    pub fn focus_paste(&mut self) {
        self.paste_focused = true;
        if let Some(i) = self.steps.iter().position(|s| s.id == StepId::Callback) {
            self.select(i);
        }
    }

    /// Shows or hides the secrets in the requests and responses.
    pub fn toggle_reveal(&mut self) {
        self.revealed = !self.revealed;
    }

    /// Shows or hides what was pasted (it holds the code), and only that.
    pub fn toggle_paste_reveal(&mut self) {
        self.paste_revealed = !self.paste_revealed;
        if self.paste_revealed { self.paste.clear_mask_char() } else { self.paste.set_mask_char(MASK) }
    }

    pub fn select(&mut self, index: usize) {
        let index = index.min(self.steps.len().saturating_sub(1));
        if index != self.selected {
            self.selected = index;
            self.detail_scroll = 0;
        }
    }

    /// The run ended (and was saved): keep the report, and mark the steps it never reached.
    pub fn finish(&mut self, report: FlowReport, connection_id: Option<i64>) {
        for record in &report.steps {
            if self.step(record.step).is_none_or(|v| v.record.is_none()) {
                let record = record.clone();
                let view = self.step_mut(record.step);
                view.status = record.status;
                view.record = Some(record);
            }
        }
        let unreached = match report.outcome {
            crate::flow::RunOutcome::Cancelled => StepStatus::Cancelled,
            _ => StepStatus::Skipped,
        };
        for view in &mut self.steps {
            if matches!(view.status, StepStatus::Waiting | StepStatus::Running) {
                view.status = unreached;
            }
        }
        // Show the step that tells most: the one that failed, or the last that ran.
        if let Some(i) = self.steps.iter().rposition(|v| matches!(v.status, StepStatus::Failed | StepStatus::Ok)) {
            self.select(i);
        }
        self.handle = None;
        self.cancelling = false;
        self.paste_focused = false;
        self.connection_id = connection_id;
        self.report = Some(report);
    }
}

impl TestPane {
    pub fn context(&self) -> Context {
        if self.paste_focused { Context::TestPaste } else { Context::TestPane }
    }

    pub fn available(&self, action: Action) -> bool {
        match action {
            Action::Copy => self.auth_url.is_some() || (self.device.is_some() && self.is_running()),
            Action::ShowUrl => self.auth_url.is_some() || (self.device.is_some() && self.is_running()),
            Action::OpenBrowser => (self.auth_url.is_some() || self.device.is_some()) && self.is_running(),
            Action::Paste => self.is_waiting_for_callback(),
            Action::Test => !self.is_running() && self.kind == FlowKind::Test,
            Action::Refresh => {
                !self.is_running()
                    && self.connection_id.is_some()
                    && self.report.as_ref().is_some_and(|r| r.grant.as_ref().is_some_and(|g| g.refresh_token))
            }
            _ => true,
        }
    }

    /// Asks the run to stop (it ends on its own, freeing its port, and is recorded as cancelled).
    pub fn cancel(&self) {
        if let Some(handle) = &self.handle {
            handle.cancel();
        }
    }

    pub fn update(&mut self, action: Action, env: &Environment) -> Vec<Command> {
        let page = self.detail_height.get().saturating_sub(1).max(1);
        match action {
            Action::Up => self.select(self.selected.saturating_sub(1)),
            Action::Down => self.select(self.selected + 1),
            Action::ScrollDown => self.detail_scroll = self.detail_scroll.saturating_add(page),
            Action::ScrollUp => self.detail_scroll = self.detail_scroll.saturating_sub(page),
            Action::Reveal if self.paste_focused => self.toggle_paste_reveal(),
            Action::Reveal => self.toggle_reveal(),
            // A device login: the user code, to type (or paste) on the verification page.
            Action::Copy if self.device.is_some() => {
                if let Some(device) = &self.device {
                    let code = device.user_code.reveal();
                    return vec![
                        Command::Effect(Effect::CopyToClipboard(code.clone())),
                        Command::Info(format!(
                            "Sent the user code ({} characters) to your terminal's clipboard (OSC 52). Nothing to paste? {}",
                            code.chars().count(),
                            env.clipboard_advice()
                        )),
                    ];
                }
            }
            Action::OpenBrowser if self.device.is_some() => {
                if let Some(device) = &self.device {
                    return match env.no_browser_reason() {
                        Some(why) => vec![Command::Info(format!(
                            "{why} Open {} on any device and enter the code; {} shows the page and a QR code of it.",
                            printable(&device.verification_uri),
                            keymap::key_for(Context::TestPane, Action::ShowUrl),
                        ))],
                        None => vec![
                            Command::Effect(Effect::OpenBrowser(verification_page(device))),
                            Command::Info("Opening the verification page in your browser…".into()),
                        ],
                    };
                }
            }
            Action::ShowUrl if self.auth_url.is_none() => {
                if let Some(device) = &self.device {
                    let view = UrlView::verification(verification_page(device), device.user_code.reveal().clone());
                    return vec![Command::Push(Overlay::UrlView(view))];
                }
            }
            Action::Copy => {
                if let Some(url) = &self.auth_url {
                    return copy_url(url, env, false);
                }
            }
            Action::ShowUrl => {
                if let Some(url) = &self.auth_url {
                    return vec![Command::Push(Overlay::UrlView(UrlView::new(url.clone())))];
                }
            }
            Action::OpenBrowser => {
                let Some(url) = self.auth_url.clone() else { return Vec::new() };
                return match env.no_browser_reason() {
                    Some(why) => vec![Command::Info(format!(
                        "{why} Open the URL on your own machine: {} copies it, {} shows it whole.",
                        keymap::key_for(Context::TestPane, Action::Copy),
                        keymap::key_for(Context::TestPane, Action::ShowUrl),
                    ))],
                    None => vec![
                        Command::Effect(Effect::OpenBrowser(url)),
                        Command::Info("Opening the authorization URL in your browser…".into()),
                    ],
                };
            }
            Action::Paste => self.focus_paste(),
            Action::Submit => self.submit_paste(),
            Action::Test => return vec![Command::Test { authorization_id: self.authorization_id, answers: None }],
            Action::Refresh => {
                if let Some(connection_id) = self.connection_id {
                    return vec![Command::Refresh { connection_id }];
                }
            }
            Action::Cancel if self.paste_focused => self.paste_focused = false,
            Action::Cancel if self.is_running() && !self.cancelling => {
                self.cancel();
                self.cancelling = true;
                let close = keymap::key_for(Context::TestPane, Action::Cancel);
                return vec![Command::Info(format!("Cancelling the test… ({close} again closes the pane)"))];
            }
            Action::Cancel => return vec![Command::Pop],
            _ => {}
        }
        Vec::new()
    }

    /// A key no binding took: typed into the paste box when it has the focus (only `p` or a paste
    /// gives it the focus, so a stray letter does nothing).
    pub fn type_key(&mut self, key: KeyEvent) {
        if self.paste_focused && self.is_waiting_for_callback() {
            crate::app::text_box::type_into(&mut self.paste, key);
        }
    }

    /// Pasted text, while waiting for the callback, goes into the paste box as one line.
    pub fn paste(&mut self, text: &str) {
        if self.is_waiting_for_callback() {
            self.focus_paste();
            self.paste.insert_str(super::form::one_line(text));
        }
    }

    /// Hands the paste box's text to the waiting flow.
    fn submit_paste(&mut self) {
        if !self.paste_focused {
            return;
        }
        let text = self.paste.lines().join("").trim().to_owned();
        if text.is_empty() {
            self.paste_error =
                Some("Paste the redirected URL from the browser's address bar, or just the code.".into());
            return;
        }
        // The text stays in the box until the flow accepts it, so a refused paste can be fixed.
        let sent = self.handle.as_ref().is_some_and(|h| h.paste(text));
        self.paste_error = if sent { None } else { Some("The test is no longer waiting for a callback.".into()) };
    }
}

/// A device login's verification page: with the code in it where the provider gave that.
fn verification_page(device: &DeviceCode) -> String {
    device.verification_uri_complete.as_ref().map_or_else(|| device.verification_uri.clone(), |c| c.reveal().clone())
}

/// Copies the authorization URL with OSC 52, saying what was sent and how to check it arrived:
/// authdeck can't know whether the terminal accepted it. `shown_whole`: the URL is on screen
/// whole already (the URL view), to be selected there.
pub fn copy_url(url: &str, env: &Environment, shown_whole: bool) -> Vec<Command> {
    let instead = if shown_whole {
        "Or select it above.".to_owned()
    } else {
        format!("Or press {} to show it whole and select it.", keymap::key_for(Context::TestPane, Action::ShowUrl))
    };
    vec![
        Command::Effect(Effect::CopyToClipboard(url.to_owned())),
        Command::Info(format!(
            "Sent the URL ({} characters) to your terminal's clipboard (OSC 52). Nothing to paste? {} {instead}",
            url.chars().count(),
            env.clipboard_advice()
        )),
    ]
}
