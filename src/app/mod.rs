//! The app's state, the one `update` that changes it, and the event loop. Keys become actions through
//! the key table; actions change the state here; `ui` draws the state.

pub mod form;
pub mod forms;
pub mod test_pane;
mod testing;

use std::cell::Cell;
use std::path::PathBuf;

use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use futures_util::{Stream, StreamExt};
use ratatui::{Terminal, backend::Backend};
use ratatui_textarea::{CursorMove, TextArea};
use tokio::sync::mpsc;

use crate::flow::{Connection, FlowEvent, FlowKind, FlowOptions, FlowRunner};
use crate::keymap::{self, Action, Context};
use crate::model::{self, AuthKind, Authorization, Endpoint, EndpointField, EndpointPurpose};
pub use crate::platform::{Effect, Environment};
use crate::store::{Store, StoreError};
use form::{FieldInput, FieldKey, Form, FormTarget};
use test_pane::TestPane;

/// The tabs, left to right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Authorizations,
    Endpoints,
    Connections,
}

impl Tab {
    pub const ALL: [Tab; 3] = [Tab::Authorizations, Tab::Endpoints, Tab::Connections];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Authorizations => "Authorizations",
            Tab::Endpoints => "Endpoints",
            Tab::Connections => "Connections",
        }
    }

    fn index(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }

    fn step(self, delta: isize) -> Tab {
        Tab::ALL[(self.index() as isize + delta).rem_euclid(Tab::ALL.len() as isize) as usize]
    }
}

/// What a yes/no question does on "yes".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pending {
    DeleteAuthorization(i64),
    DeleteEndpoint(i64),
    DeleteApp(i64),
    DeleteConnection(i64),
    /// Close the form below, losing what was typed.
    DiscardForm,
    /// Write the export of the prompt below over an existing file.
    ReplaceExport,
}

/// What a one-line prompt asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptPurpose {
    NewApp,
    RenameApp(i64),
    ExportPath,
    ImportPath,
}

pub struct Prompt {
    pub title: String,
    pub help: String,
    pub input: TextArea<'static>,
    pub purpose: PromptPurpose,
    pub error: Option<String>,
}

/// What is drawn over the tabs, topmost last; the topmost gets the keys.
pub enum Overlay {
    AppPicker { selected: usize },
    KindChooser { selected: usize },
    Form(Box<Form>),
    Confirm { message: String, on_yes: Pending },
    Prompt(Box<Prompt>),
    Help { context: Context },
    TestPane(Box<TestPane>),
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

/// An entry of the endpoint list opened from a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickerEntry {
    None,
    Endpoint(i64),
    Create,
}

/// A selection in a long list, and the first row shown (kept between frames so scrolling is steady).
#[derive(Debug, Default)]
pub struct ListCursor {
    pub selected: usize,
    pub offset: Cell<usize>,
}

impl ListCursor {
    fn step(&mut self, delta: isize, len: usize) {
        if len == 0 {
            self.selected = 0;
        } else {
            self.selected = (self.selected as isize + delta).clamp(0, len as isize - 1) as usize;
        }
    }

    /// The first row to draw so the selection is visible in `height` rows.
    pub fn window(&self, height: usize) -> usize {
        let mut offset = self.offset.get();
        if self.selected < offset {
            offset = self.selected;
        } else if height > 0 && self.selected >= offset + height {
            offset = self.selected + 1 - height;
        }
        self.offset.set(offset);
        offset
    }
}

pub struct App {
    pub store: Store,
    pub apps: Vec<model::App>,
    pub app_id: i64,
    pub authorizations: Vec<Authorization>,
    pub endpoints: Vec<Endpoint>,
    pub connections: Vec<Connection>,
    pub tab: Tab,
    pub auth_cursor: ListCursor,
    pub endpoint_cursor: ListCursor,
    pub connection_cursor: ListCursor,
    pub overlays: Vec<Overlay>,
    pub status: Option<Status>,
    pub quit: bool,
    pub env: Environment,
    /// Limits of test runs (tests shorten them).
    pub flow_options: FlowOptions,
    /// Made on the first test: it holds the shared HTTP client.
    runner: Option<FlowRunner>,
    flow_tx: mpsc::Sender<(u64, FlowEvent)>,
    flow_rx: Option<mpsc::Receiver<(u64, FlowEvent)>>,
    next_run: u64,
    /// Runs started and not yet ended (a closed pane's run ends on its own, cancelled).
    running: std::collections::BTreeSet<u64>,
    effects: Vec<Effect>,
}

impl App {
    /// Loads the apps (creating the first one on a new database) and shows the first.
    pub fn new(mut store: Store) -> Result<App, StoreError> {
        let apps = store.apps_or_first()?;
        let app_id = apps.first().map(|a| a.id).unwrap_or_default();
        let (flow_tx, flow_rx) = mpsc::channel(256);
        let mut app = App {
            store,
            apps,
            app_id,
            authorizations: Vec::new(),
            endpoints: Vec::new(),
            connections: Vec::new(),
            tab: Tab::Authorizations,
            auth_cursor: ListCursor::default(),
            endpoint_cursor: ListCursor::default(),
            connection_cursor: ListCursor::default(),
            overlays: Vec::new(),
            status: None,
            quit: false,
            env: Environment::default(),
            flow_options: FlowOptions::default(),
            runner: None,
            flow_tx,
            flow_rx: Some(flow_rx),
            next_run: 0,
            running: Default::default(),
            effects: Vec::new(),
        };
        app.reload()?;
        Ok(app)
    }

    /// Re-reads the current app's data from the store.
    pub fn reload(&mut self) -> Result<(), StoreError> {
        self.apps = self.store.apps()?;
        if !self.apps.iter().any(|a| a.id == self.app_id) {
            // The current app is gone (deleted here or elsewhere): show the first, from its top.
            self.app_id = self.apps.first().map(|a| a.id).unwrap_or_default();
            self.auth_cursor = ListCursor::default();
            self.endpoint_cursor = ListCursor::default();
            self.connection_cursor = ListCursor::default();
        }
        self.authorizations = self.store.authorizations(self.app_id)?;
        self.endpoints = self.store.endpoints(self.app_id)?;
        self.connections = self.store.connections(self.app_id)?;
        self.auth_cursor.step(0, self.authorizations.len());
        self.endpoint_cursor.step(0, self.endpoints.len());
        self.connection_cursor.step(0, self.connections.len());
        Ok(())
    }

    pub fn current_app(&self) -> Option<&model::App> {
        self.apps.iter().find(|a| a.id == self.app_id)
    }

    pub fn selected_authorization(&self) -> Option<&Authorization> {
        self.authorizations.get(self.auth_cursor.selected)
    }

    pub fn selected_endpoint(&self) -> Option<&Endpoint> {
        self.endpoints.get(self.endpoint_cursor.selected)
    }

    pub fn selected_connection(&self) -> Option<&Connection> {
        self.connections.get(self.connection_cursor.selected)
    }

    /// The receiver of the test runs' events, for the event loop (taken once).
    pub fn take_flow_events(&mut self) -> Option<mpsc::Receiver<(u64, FlowEvent)>> {
        self.flow_rx.take()
    }

    /// What the terminal around the app should do (copy, open a browser), taken once.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }

    /// The test pane, when it is the topmost overlay.
    pub fn test_pane(&self) -> Option<&TestPane> {
        match self.beneath_help().last() {
            Some(Overlay::TestPane(pane)) => Some(pane),
            _ => None,
        }
    }

    fn test_pane_mut(&mut self) -> Option<&mut TestPane> {
        match self.overlays.last_mut() {
            Some(Overlay::TestPane(pane)) => Some(pane),
            _ => None,
        }
    }

    /// True while a test runs in a pane (the spinner and elapsed times need redrawing).
    pub fn is_testing(&self) -> bool {
        self.overlays.iter().any(|o| matches!(o, Overlay::TestPane(p) if p.is_running()))
    }

    /// A new endpoint of this app for `purpose`, pre-filled, with a name no endpoint has yet.
    fn new_endpoint(&self, purpose: EndpointPurpose) -> Endpoint {
        let template = Endpoint::new_for(purpose);
        let name = free_name(&template.name, self.endpoints.iter().map(|e| e.name.as_str()));
        Endpoint { app_id: self.app_id, name, ..template }
    }

    /// How many authorizations use an endpoint.
    pub fn endpoint_use_count(&self, id: i64) -> usize {
        self.authorizations
            .iter()
            .filter(|a| {
                let (token, userinfo) = a.config.endpoint_ids();
                token == Some(id) || userinfo == Some(id)
            })
            .count()
    }

    /// The entries of the endpoint list for a field: endpoints of that purpose first, then the others,
    /// "none" where the field is optional, and "Create a new endpoint" last.
    pub fn picker_entries(&self, purpose: EndpointPurpose) -> Vec<PickerEntry> {
        let mut entries = Vec::new();
        if purpose != EndpointPurpose::Token {
            entries.push(PickerEntry::None);
        }
        let (same, other): (Vec<&Endpoint>, Vec<&Endpoint>) = self.endpoints.iter().partition(|e| e.purpose == purpose);
        entries.extend(same.into_iter().chain(other).map(|e| PickerEntry::Endpoint(e.id)));
        entries.push(PickerEntry::Create);
        entries
    }

    pub fn endpoint_name(&self, id: i64) -> Option<&str> {
        self.endpoints.iter().find(|e| e.id == id).map(|e| e.name.as_str())
    }

    /// The screen whose keys apply now.
    pub fn context(&self) -> Context {
        match self.overlays.last() {
            None => match self.tab {
                Tab::Authorizations => Context::Authorizations,
                Tab::Endpoints => Context::Endpoints,
                Tab::Connections => Context::Connections,
            },
            Some(Overlay::AppPicker { .. }) => Context::AppPicker,
            Some(Overlay::KindChooser { .. }) => Context::KindChooser,
            Some(Overlay::Form(form)) if form.picker.is_some() => Context::EndpointPicker,
            Some(Overlay::Form(form)) if form.focused().is_text() => Context::FormText,
            Some(Overlay::Form(_)) => Context::FormChoice,
            Some(Overlay::Confirm { .. }) => Context::Confirm,
            Some(Overlay::Prompt(_)) => Context::Prompt,
            Some(Overlay::Help { .. }) => Context::Help,
            Some(Overlay::TestPane(pane)) if pane.paste_focused => Context::TestPaste,
            Some(Overlay::TestPane(_)) => Context::TestPane,
        }
    }

    /// The overlays without the help screen on top: what the help describes, and what decides
    /// which keys are available.
    fn beneath_help(&self) -> &[Overlay] {
        let end = self.overlays.iter().rposition(|o| !matches!(o, Overlay::Help { .. })).map_or(0, |i| i + 1);
        &self.overlays[..end]
    }

    /// Whether an action applies now (an action that doesn't neither dispatches nor shows in the footer).
    pub fn available(&self, action: Action) -> bool {
        match action {
            Action::Reveal if self.test_pane().is_some() => true,
            Action::Reveal => self.top_form().is_some_and(|f| f.fields.iter().any(is_secret)),
            Action::Copy => self.test_pane().is_some_and(|p| p.auth_url.is_some()),
            Action::OpenBrowser => {
                self.env.can_open_browser && self.test_pane().is_some_and(|p| p.auth_url.is_some() && p.is_running())
            }
            Action::Paste => self.test_pane().is_some_and(TestPane::is_waiting_for_callback),
            Action::Test if self.beneath_help().is_empty() => self.selected_authorization().is_some(),
            Action::Test => self.test_pane().is_some_and(|p| !p.is_running() && p.kind == FlowKind::Test),
            Action::Refresh if self.beneath_help().is_empty() => self.selected_connection().is_some(),
            Action::Refresh => self.test_pane().is_some_and(|p| {
                !p.is_running() && p.report.as_ref().is_some_and(|r| r.grant.as_ref().is_some_and(|g| g.refresh_token))
            }),
            Action::Edit | Action::Delete if self.beneath_help().is_empty() => match self.tab {
                Tab::Authorizations => self.selected_authorization().is_some(),
                Tab::Endpoints => self.selected_endpoint().is_some(),
                Tab::Connections => self.selected_connection().is_some(),
            },
            _ => true,
        }
    }

    fn top_form(&self) -> Option<&Form> {
        match self.beneath_help().last() {
            Some(Overlay::Form(form)) => Some(form),
            _ => None,
        }
    }

    fn top_form_mut(&mut self) -> Option<&mut Form> {
        match self.overlays.last_mut() {
            Some(Overlay::Form(form)) => Some(form),
            _ => None,
        }
    }

    /// Handles one terminal event; true when the screen should be drawn again.
    pub fn handle_event(&mut self, event: Event) -> bool {
        match event {
            Event::Key(key) if key.kind != KeyEventKind::Release => {
                self.handle_key(key);
                true
            }
            Event::Paste(text) => {
                self.paste(&text);
                true
            }
            Event::Resize(..) | Event::FocusGained => true,
            _ => false,
        }
    }

    pub fn handle_key(&mut self, key: KeyEvent) {
        self.status = None;
        let context = self.context();
        match keymap::lookup(context, &key, |a| self.available(a)) {
            Some(action) => self.update(action),
            None => self.type_key(key),
        }
    }

    /// A key no binding took: typed into the focused text box, if there is one.
    fn type_key(&mut self, key: KeyEvent) {
        match self.overlays.last_mut() {
            Some(Overlay::Form(form)) if form.picker.is_none() => {
                if let FieldInput::Text { area, .. } = &mut form.focused_mut().input {
                    area.input(key);
                }
            }
            Some(Overlay::Prompt(prompt)) => {
                prompt.input.input(key);
            }
            Some(Overlay::TestPane(pane)) if pane.is_waiting_for_callback() => {
                // Typing anything that isn't a key of the pane starts filling the paste box.
                let printable = matches!(key.code, KeyCode::Char(_)) && !key.modifiers.contains(KeyModifiers::CONTROL);
                if pane.paste_focused || printable {
                    pane.focus_paste();
                    pane.paste.input(key);
                }
            }
            _ => {}
        }
    }

    /// Pasted text goes into the focused text box; single-line boxes take it as one line.
    fn paste(&mut self, text: &str) {
        let area = match self.overlays.last_mut() {
            Some(Overlay::Form(form)) if form.picker.is_none() => match &mut form.focused_mut().input {
                FieldInput::Text { area, multiline, .. } => Some((area, *multiline)),
                _ => None,
            },
            Some(Overlay::Prompt(prompt)) => Some((&mut prompt.input, false)),
            Some(Overlay::TestPane(pane)) if pane.is_waiting_for_callback() => {
                pane.focus_paste();
                Some((&mut pane.paste, false))
            }
            _ => None,
        };
        if let Some((area, multiline)) = area {
            let text = text.replace("\r\n", "\n").replace('\r', "\n");
            if multiline {
                area.insert_str(text);
            } else {
                area.insert_str(text.split('\n').map(str::trim).collect::<Vec<_>>().join(" ").trim());
            }
        }
    }

    fn info(&mut self, text: impl Into<String>) {
        self.status = Some(Status { kind: StatusKind::Info, text: text.into() });
    }

    fn error(&mut self, text: impl Into<String>) {
        self.status = Some(Status { kind: StatusKind::Error, text: text.into() });
    }

    /// The one place actions change the state.
    pub fn update(&mut self, action: Action) {
        if action == Action::Interrupt {
            let action = if self.overlays.is_empty() { Action::Quit } else { Action::Cancel };
            return self.update(action);
        }
        if action == Action::Help {
            let context = self.context();
            self.overlays.push(Overlay::Help { context });
            return;
        }
        match self.overlays.last() {
            None => self.update_tab(action),
            Some(Overlay::AppPicker { .. }) => self.update_app_picker(action),
            Some(Overlay::KindChooser { .. }) => self.update_kind_chooser(action),
            Some(Overlay::Form(_)) => self.update_form(action),
            Some(Overlay::Confirm { .. }) => self.update_confirm(action),
            Some(Overlay::Prompt(_)) => self.update_prompt(action),
            Some(Overlay::Help { .. }) => {
                self.overlays.pop();
            }
            Some(Overlay::TestPane(_)) => self.update_test_pane(action),
        }
    }

    fn update_tab(&mut self, action: Action) {
        match (self.tab, action) {
            (_, Action::Quit) => self.quit = true,
            (_, Action::NextTab) => self.tab = self.tab.step(1),
            (_, Action::PrevTab) => self.tab = self.tab.step(-1),
            (_, Action::Apps) => {
                let selected = self.apps.iter().position(|a| a.id == self.app_id).unwrap_or(0);
                self.overlays.push(Overlay::AppPicker { selected });
            }
            (Tab::Authorizations, Action::Up) => self.auth_cursor.step(-1, self.authorizations.len()),
            (Tab::Authorizations, Action::Down) => self.auth_cursor.step(1, self.authorizations.len()),
            (Tab::Authorizations, Action::New) => self.overlays.push(Overlay::KindChooser { selected: 0 }),
            (Tab::Authorizations, Action::Edit) => {
                if let Some(a) = self.selected_authorization() {
                    let form = forms::authorization_form(a.kind(), Some(a), &a.name);
                    self.overlays.push(Overlay::Form(Box::new(form)));
                }
            }
            (Tab::Authorizations, Action::Delete) => {
                if let Some(a) = self.selected_authorization() {
                    let message = format!(
                        "Delete the {} authorization \"{}\"? Its saved connections and test runs go with it.",
                        a.kind().label(),
                        a.name
                    );
                    let on_yes = Pending::DeleteAuthorization(a.id);
                    self.overlays.push(Overlay::Confirm { message, on_yes });
                }
            }
            (Tab::Authorizations, Action::Test) => {
                if let Some(a) = self.selected_authorization() {
                    self.start_test(a.id, None);
                }
            }
            (Tab::Authorizations, Action::Export) => {
                let name = self.current_app().map(|a| file_stem(&a.name)).unwrap_or_else(|| "authdeck".into());
                self.open_prompt(PromptPurpose::ExportPath, &format!("{name}.authdeck.json"));
            }
            (Tab::Authorizations, Action::Import) => self.open_prompt(PromptPurpose::ImportPath, ""),
            (Tab::Endpoints, Action::Up) => self.endpoint_cursor.step(-1, self.endpoints.len()),
            (Tab::Endpoints, Action::Down) => self.endpoint_cursor.step(1, self.endpoints.len()),
            (Tab::Endpoints, Action::New) => {
                let endpoint = self.new_endpoint(EndpointPurpose::Token);
                let form = forms::endpoint_form(&endpoint, FormTarget::NewEndpoint { for_field: None });
                self.overlays.push(Overlay::Form(Box::new(form)));
            }
            (Tab::Endpoints, Action::Edit) => {
                if let Some(e) = self.selected_endpoint() {
                    let form = forms::endpoint_form(e, FormTarget::EditEndpoint(e.id));
                    self.overlays.push(Overlay::Form(Box::new(form)));
                }
            }
            (Tab::Endpoints, Action::Delete) => self.ask_delete_endpoint(),
            (Tab::Connections, Action::Up) => self.connection_cursor.step(-1, self.connections.len()),
            (Tab::Connections, Action::Down) => self.connection_cursor.step(1, self.connections.len()),
            (Tab::Connections, Action::Refresh) => {
                if let Some(c) = self.selected_connection() {
                    self.start_refresh(c.id);
                }
            }
            (Tab::Connections, Action::Delete) => {
                if let Some(c) = self.selected_connection() {
                    let who = c.identity.display();
                    let message = format!(
                        "Delete the saved connection of \"{}\" as {who}? Its tokens are forgotten.",
                        c.authorization_name
                    );
                    let on_yes = Pending::DeleteConnection(c.id);
                    self.overlays.push(Overlay::Confirm { message, on_yes });
                }
            }
            _ => {}
        }
    }

    fn ask_delete_endpoint(&mut self) {
        let Some(e) = self.selected_endpoint() else { return };
        let (id, name) = (e.id, e.name.clone());
        match self.store.endpoint_users(id) {
            Ok(users) if !users.is_empty() => {
                self.error(StoreError::EndpointInUse { endpoint: name, users }.to_string());
            }
            Ok(_) => {
                let message = format!("Delete the endpoint \"{name}\"?");
                self.overlays.push(Overlay::Confirm { message, on_yes: Pending::DeleteEndpoint(id) });
            }
            Err(e) => self.error(e.to_string()),
        }
    }

    fn update_app_picker(&mut self, action: Action) {
        let Some(Overlay::AppPicker { selected }) = self.overlays.last_mut() else { return };
        let len = self.apps.len();
        match action {
            Action::Up => *selected = selected.saturating_sub(1),
            Action::Down => *selected = (*selected + 1).min(len.saturating_sub(1)),
            Action::Cancel => {
                self.overlays.pop();
            }
            Action::Submit => {
                let index = *selected;
                if let Some(app) = self.apps.get(index) {
                    self.app_id = app.id;
                    self.overlays.pop();
                    self.auth_cursor = ListCursor::default();
                    self.endpoint_cursor = ListCursor::default();
                    let name = app.name.clone();
                    match self.reload() {
                        Ok(()) => self.info(format!("Switched to {name}.")),
                        Err(e) => self.error(e.to_string()),
                    }
                }
            }
            Action::New => self.open_prompt(PromptPurpose::NewApp, ""),
            Action::Rename => {
                if let Some(app) = self.apps.get(*selected) {
                    let (id, name) = (app.id, app.name.clone());
                    self.open_prompt(PromptPurpose::RenameApp(id), &name);
                }
            }
            Action::Delete => {
                let Some(app) = self.apps.get(*selected) else { return };
                if len == 1 {
                    return self.error("This is the only app: create another one (n) before deleting it.");
                }
                let (id, name) = (app.id, app.name.clone());
                let count = self.store.count_authorizations(id).unwrap_or(0);
                let message = format!(
                    "Delete the app \"{name}\"? Its {count} authorization{} and its endpoints go with it.",
                    if count == 1 { "" } else { "s" }
                );
                self.overlays.push(Overlay::Confirm { message, on_yes: Pending::DeleteApp(id) });
            }
            _ => {}
        }
    }

    fn update_kind_chooser(&mut self, action: Action) {
        let Some(Overlay::KindChooser { selected }) = self.overlays.last_mut() else { return };
        let kind = match action {
            Action::Up => return *selected = selected.saturating_sub(1),
            Action::Down => return *selected = (*selected + 1).min(AuthKind::ALL.len() - 1),
            Action::Cancel => {
                self.overlays.pop();
                return;
            }
            Action::Submit => AuthKind::ALL[*selected],
            Action::ChooseApiKey => AuthKind::ApiKey,
            Action::ChooseBasic => AuthKind::Basic,
            Action::ChooseOAuth2 => AuthKind::OAuth2,
            _ => return,
        };
        self.overlays.pop();
        // A free name, so a second authorization of a kind doesn't start with a clash.
        let name = free_name(kind.label(), self.authorizations.iter().map(|a| a.name.as_str()));
        let form = forms::authorization_form(kind, None, &name);
        self.overlays.push(Overlay::Form(Box::new(form)));
    }

    fn update_form(&mut self, action: Action) {
        if self.top_form().is_some_and(|f| f.picker.is_some()) {
            return self.update_endpoint_picker(action);
        }
        let Some(form) = self.top_form_mut() else { return };
        match action {
            Action::NextField => form.move_focus(1),
            Action::PrevField => form.move_focus(-1),
            Action::Up | Action::Down => {
                let down = action == Action::Down;
                if let FieldInput::Text { area, multiline: true, .. } = &mut form.focused_mut().input {
                    let row = area.cursor().0;
                    let last = area.lines().len().saturating_sub(1);
                    if (down && row < last) || (!down && row > 0) {
                        area.move_cursor(if down { CursorMove::Down } else { CursorMove::Up });
                        return;
                    }
                }
                form.move_focus(if down { 1 } else { -1 });
            }
            Action::Left => self.cycle_choice(-1),
            Action::Right => self.cycle_choice(1),
            Action::Reveal => {
                form.revealed = !form.revealed;
                let revealed = form.revealed;
                for field in &mut form.fields {
                    if let FieldInput::Text { area, secret: true, .. } = &mut field.input {
                        if revealed { area.clear_mask_char() } else { area.set_mask_char(crate::model::redact::MASK) }
                    }
                }
            }
            Action::Submit => match &mut form.focused_mut().input {
                FieldInput::Text { area, multiline: true, .. } => area.insert_newline(),
                FieldInput::Text { .. } | FieldInput::Choice { .. } => form.move_focus(1),
                FieldInput::Toggle(on) => *on = !*on,
                FieldInput::Endpoint { purpose, selected } => {
                    let (purpose, selected) = (*purpose, *selected);
                    let entries = self.picker_entries(purpose);
                    let current =
                        entries.iter().position(|e| *e == selected.map_or(PickerEntry::None, PickerEntry::Endpoint));
                    if let Some(form) = self.top_form_mut() {
                        form.picker = Some(current.unwrap_or(0));
                    }
                }
                FieldInput::Button => self.save_form(),
            },
            Action::Save => self.save_form(),
            Action::Cancel => {
                if form.is_dirty() {
                    let message = "Discard what you typed in this form?".to_owned();
                    self.overlays.push(Overlay::Confirm { message, on_yes: Pending::DiscardForm });
                } else {
                    self.overlays.pop();
                }
            }
            _ => {}
        }
    }

    fn cycle_choice(&mut self, delta: isize) {
        let Some(form) = self.top_form() else { return };
        if let FieldInput::Endpoint { purpose, selected } = form.focused().input {
            // ←/→ step through the endpoints without opening the list ("Create" is only in the list).
            let key = form.focused().key;
            let entries: Vec<PickerEntry> =
                self.picker_entries(purpose).into_iter().filter(|e| *e != PickerEntry::Create).collect();
            let current = entries.iter().position(|e| *e == selected.map_or(PickerEntry::None, PickerEntry::Endpoint));
            let next = (current.unwrap_or(0) as isize + delta).rem_euclid(entries.len().max(1) as isize) as usize;
            let id = match entries.get(next) {
                Some(PickerEntry::Endpoint(id)) => Some(*id),
                _ => None,
            };
            if let Some(form) = self.top_form_mut() {
                form.set_endpoint(key, id);
            }
            return;
        }
        let Some(form) = self.top_form_mut() else { return };
        let old_purpose = EndpointPurpose::ALL.get(form.choice(EndpointField::Purpose)).copied();
        form.cycle(delta);
        let (Some(old), FieldKey::Endpoint(EndpointField::Purpose)) = (old_purpose, form.focused().key) else {
            return;
        };
        forms::retarget_endpoint_defaults(form, old);
        // A name still as pre-filled ("Token endpoint", "Token endpoint 2") follows the purpose too.
        let name = form.text(EndpointField::Name);
        let new = EndpointPurpose::ALL[form.choice(EndpointField::Purpose).min(2)];
        let old_name = Endpoint::new_for(old).name;
        let untouched =
            name.strip_prefix(&old_name).is_some_and(|rest| rest.is_empty() || rest.trim().parse::<u32>().is_ok());
        if untouched {
            let renamed = self.new_endpoint(new).name;
            if let Some(form) = self.top_form_mut() {
                form.set_text(EndpointField::Name, &renamed);
            }
        }
    }

    fn update_endpoint_picker(&mut self, action: Action) {
        let Some(form) = self.top_form() else { return };
        let FieldInput::Endpoint { purpose, .. } = form.focused().input else { return };
        let key = form.focused().key;
        let entries = self.picker_entries(purpose);
        let Some(form) = self.top_form_mut() else { return };
        let Some(index) = form.picker else { return };
        match action {
            Action::Up => form.picker = Some(index.saturating_sub(1)),
            Action::Down => form.picker = Some((index + 1).min(entries.len().saturating_sub(1))),
            Action::Cancel => form.picker = None,
            Action::Submit => {
                form.picker = None;
                match entries.get(index) {
                    Some(PickerEntry::Endpoint(id)) => form.set_endpoint(key, Some(*id)),
                    Some(PickerEntry::None) => form.set_endpoint(key, None),
                    Some(PickerEntry::Create) => {
                        let endpoint = self.new_endpoint(purpose);
                        let target = FormTarget::NewEndpoint { for_field: Some(key) };
                        let form = forms::endpoint_form(&endpoint, target);
                        self.overlays.push(Overlay::Form(Box::new(form)));
                    }
                    None => {}
                }
            }
            _ => {}
        }
    }

    /// Validates and saves the topmost form; problems are shown beside their fields.
    fn save_form(&mut self) {
        let Some(form) = self.top_form() else { return };
        let saved = match form.target {
            FormTarget::NewAuthorization(kind) | FormTarget::EditAuthorization(_, kind) => {
                self.save_authorization(kind, form.target)
            }
            FormTarget::NewEndpoint { for_field } => self.save_endpoint(None, for_field),
            FormTarget::EditEndpoint(id) => self.save_endpoint(Some(id), None),
            FormTarget::TestCredentials(id) => {
                let answers: Vec<String> =
                    form.fields.iter().filter(|f| f.is_text()).map(|f| form.text(f.key)).collect();
                self.overlays.pop();
                self.start_test(id, Some(answers));
                return;
            }
        };
        match saved {
            Ok(message) => self.info(message),
            Err(SaveError::Fields(errors)) => {
                let count = errors.len();
                if let Some(form) = self.top_form_mut() {
                    form.show_errors(errors);
                }
                self.error(format!(
                    "{count} field{} to fix: see the messages beside them.",
                    if count == 1 { "" } else { "s" }
                ));
            }
            Err(SaveError::Store(e)) => self.error(e.to_string()),
        }
    }

    fn save_authorization(&mut self, kind: AuthKind, target: FormTarget) -> Result<String, SaveError> {
        let Some(form) = self.top_form() else { return Err(SaveError::Fields(Vec::new())) };
        let (name, mut config) = forms::form_to_authorization(form, kind).map_err(SaveError::Fields)?;
        if let FormTarget::EditAuthorization(id, _) = target
            && let Some(stored) = self.authorizations.iter().find(|a| a.id == id)
        {
            config.carry_over_unshown(&stored.config);
        }
        let id = match target {
            FormTarget::EditAuthorization(id, _) => {
                self.store.update_authorization(id, &name, &config).map_err(name_error(forms::name_key(kind)))?;
                id
            }
            _ => self
                .store
                .insert_authorization(self.app_id, &name, &config)
                .map_err(name_error(forms::name_key(kind)))?,
        };
        self.overlays.pop();
        self.reload()?;
        self.tab = Tab::Authorizations;
        if let Some(index) = self.authorizations.iter().position(|a| a.id == id) {
            self.auth_cursor.selected = index;
        }
        let verb = if matches!(target, FormTarget::EditAuthorization(..)) { "Saved" } else { "Created" };
        Ok(format!("{verb} the {} authorization \"{name}\".", kind.label()))
    }

    fn save_endpoint(&mut self, id: Option<i64>, for_field: Option<FieldKey>) -> Result<String, SaveError> {
        let Some(form) = self.top_form() else { return Err(SaveError::Fields(Vec::new())) };
        let base = Endpoint { id: id.unwrap_or(0), app_id: self.app_id, ..Endpoint::new_for(EndpointPurpose::Other) };
        let endpoint = forms::form_to_endpoint(form, &base).map_err(SaveError::Fields)?;
        let id = match id {
            Some(_) => {
                self.store.update_endpoint(&endpoint).map_err(name_error(EndpointField::Name.into()))?;
                endpoint.id
            }
            None => self.store.insert_endpoint(&endpoint).map_err(name_error(EndpointField::Name.into()))?,
        };
        self.overlays.pop();
        self.reload()?;
        if let Some(index) = self.endpoints.iter().position(|e| e.id == id) {
            self.endpoint_cursor.selected = index;
        }
        if let (Some(key), Some(parent)) = (for_field, self.top_form_mut()) {
            parent.set_endpoint(key, Some(id));
            parent.errors.retain(|(field, _)| *field != key);
        }
        let verb = if for_field.is_none() && base.id != 0 { "Saved" } else { "Created" };
        Ok(format!("{verb} the endpoint \"{}\".", endpoint.name))
    }

    fn update_confirm(&mut self, action: Action) {
        let Some(Overlay::Confirm { on_yes, .. }) = self.overlays.pop() else { return };
        if action != Action::Yes {
            return;
        }
        let result = match on_yes {
            Pending::DiscardForm => {
                self.overlays.pop();
                Ok(None)
            }
            Pending::ReplaceExport => {
                self.submit_prompt();
                return;
            }
            Pending::DeleteAuthorization(id) => {
                self.store.delete_authorization(id).map(|_| Some("Deleted the authorization."))
            }
            Pending::DeleteEndpoint(id) => self.store.delete_endpoint(id).map(|_| Some("Deleted the endpoint.")),
            Pending::DeleteConnection(id) => {
                self.store.delete_connection(id).map(|_| Some("Deleted the connection and forgot its tokens."))
            }
            Pending::DeleteApp(id) => {
                let result = self.store.delete_app(id).map(|_| Some("Deleted the app."));
                if let Some(Overlay::AppPicker { selected }) = self.overlays.last_mut() {
                    *selected = selected.saturating_sub(1);
                }
                result
            }
        };
        match result.and_then(|message| self.reload().map(|_| message)) {
            Ok(Some(message)) => self.info(message),
            Ok(None) => {}
            Err(e) => self.error(e.to_string()),
        }
    }

    fn open_prompt(&mut self, purpose: PromptPurpose, value: &str) {
        let (title, help) = match purpose {
            PromptPurpose::NewApp => ("New app", "The name of the connector you are building."),
            PromptPurpose::RenameApp(_) => ("Rename app", "The app's new name."),
            PromptPurpose::ExportPath => ("Export this app", "Path of the JSON file to write (secrets are left out)."),
            PromptPurpose::ImportPath => ("Import", "Path of an authdeck export file to read."),
        };
        let mut input = TextArea::new(vec![value.to_owned()]);
        input.move_cursor(CursorMove::End);
        let prompt = Prompt { title: title.into(), help: help.into(), input, purpose, error: None };
        self.overlays.push(Overlay::Prompt(Box::new(prompt)));
    }

    fn update_prompt(&mut self, action: Action) {
        let Some(Overlay::Prompt(prompt)) = self.overlays.last() else { return };
        match action {
            Action::Cancel => {
                self.overlays.pop();
            }
            Action::Submit => {
                let value = prompt.input.lines().join(" ").trim().to_owned();
                let purpose = prompt.purpose;
                if purpose == PromptPurpose::ExportPath && !value.is_empty() && expand_home(&value).exists() {
                    let message = format!("{} exists. Replace it with this export?", expand_home(&value).display());
                    self.overlays.push(Overlay::Confirm { message, on_yes: Pending::ReplaceExport });
                    return;
                }
                self.submit_prompt();
            }
            _ => {}
        }
    }

    /// Does what the topmost prompt asks; its problem is shown in it, keeping what was typed.
    fn submit_prompt(&mut self) {
        let Some(Overlay::Prompt(prompt)) = self.overlays.last() else { return };
        let value = prompt.input.lines().join(" ").trim().to_owned();
        let purpose = prompt.purpose;
        match self.run_prompt(purpose, &value) {
            Ok(message) => {
                self.overlays.pop();
                self.info(message);
            }
            Err(message) => {
                if let Some(Overlay::Prompt(prompt)) = self.overlays.last_mut() {
                    prompt.error = Some(message);
                }
            }
        }
    }

    fn run_prompt(&mut self, purpose: PromptPurpose, value: &str) -> Result<String, String> {
        if value.is_empty() {
            return Err(match purpose {
                PromptPurpose::NewApp | PromptPurpose::RenameApp(_) => "Type a name, or Esc to cancel.".into(),
                _ => "Type a path, or Esc to cancel.".into(),
            });
        }
        match purpose {
            PromptPurpose::NewApp => {
                let app = self.store.create_app(value).map_err(|e| e.to_string())?;
                self.app_id = app.id;
                self.auth_cursor = ListCursor::default();
                self.endpoint_cursor = ListCursor::default();
                self.reload().map_err(|e| e.to_string())?;
                // Close the picker under the prompt too: the new app is the current one now.
                self.overlays.retain(|o| !matches!(o, Overlay::AppPicker { .. }));
                Ok(format!("Created the app \"{}\" with its API-Key authorization.", app.name))
            }
            PromptPurpose::RenameApp(id) => {
                self.store.rename_app(id, value).map_err(|e| e.to_string())?;
                self.reload().map_err(|e| e.to_string())?;
                Ok(format!("Renamed the app to \"{value}\"."))
            }
            PromptPurpose::ExportPath => {
                let path = expand_home(value);
                let app = self.current_app().map(|a| a.name.clone());
                let text = self.store.export_json(app.as_deref(), false).map_err(|e| e.to_string())?;
                std::fs::write(&path, text).map_err(|e| {
                    format!("Cannot write {}: {e}. Check the folder exists and is writable.", path.display())
                })?;
                Ok(format!("Exported to {} (secrets left out).", path.display()))
            }
            PromptPurpose::ImportPath => {
                let path = expand_home(value);
                let text =
                    std::fs::read_to_string(&path).map_err(|e| format!("Cannot read {}: {e}.", path.display()))?;
                let summary = self.store.import_json(&text).map_err(|e| e.to_string())?;
                self.reload().map_err(|e| e.to_string())?;
                Ok(summary.to_string())
            }
        }
    }
}

/// Why a form could not be saved.
enum SaveError {
    Fields(Vec<(FieldKey, String)>),
    Store(StoreError),
}

impl From<StoreError> for SaveError {
    fn from(e: StoreError) -> Self {
        SaveError::Store(e)
    }
}

/// A duplicate name is a problem of the Name field; other store errors go to the message bar.
fn name_error(name_key: FieldKey) -> impl Fn(StoreError) -> SaveError {
    move |e| match e {
        StoreError::DuplicateName { .. } => SaveError::Fields(vec![(name_key, e.to_string())]),
        other => SaveError::Store(other),
    }
}

/// `base`, or `base 2`, `base 3`… whichever no name in `taken` is.
fn free_name<'a>(base: &str, taken: impl Iterator<Item = &'a str> + Clone) -> String {
    std::iter::once(base.to_owned())
        .chain((2..).map(|n| format!("{base} {n}")))
        .find(|candidate| !taken.clone().any(|t| t == candidate))
        .unwrap_or_else(|| base.to_owned())
}

/// `~/x` means the home folder's `x`, as in a shell.
fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

/// A file name made from an app's name: letters, digits and dashes.
fn file_stem(name: &str) -> String {
    let stem: String = name.chars().map(|c| if c.is_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    let stem = stem.split('-').filter(|p| !p.is_empty()).collect::<Vec<_>>().join("-");
    if stem.is_empty() { "authdeck".into() } else { stem }
}

fn is_secret(field: &form::Field) -> bool {
    matches!(field.input, FieldInput::Text { secret: true, .. })
}

/// Runs the app until the user quits: draws, then waits for a terminal event and draws again only
/// when something changed. Generic over the backend so tests run this very loop on `TestBackend`.
/// `effects` carries out what the app asks of the terminal (copying, opening a browser); an error
/// it returns is shown in the message bar.
pub async fn run<B, S, F>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    mut events: S,
    mut effects: F,
) -> anyhow::Result<()>
where
    B: Backend,
    S: Stream<Item = std::io::Result<Event>> + Unpin,
    F: FnMut(Effect) -> Result<(), String>,
{
    let mut flow_events = app.take_flow_events().ok_or_else(|| anyhow::anyhow!("the event loop runs once per app"))?;
    // Only while a test runs: the spinner and elapsed times move. An idle app wakes for nothing.
    let mut ticker = tokio::time::interval(Duration::from_millis(250));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    draw(terminal, app)?;
    while !app.quit {
        let redraw = tokio::select! {
            event = events.next() => match event {
                Some(Ok(event)) => app.handle_event(event),
                Some(Err(e)) => return Err(anyhow::anyhow!("Reading the terminal failed: {e}")),
                None => break,
            },
            Some((run, event)) = flow_events.recv() => {
                app.handle_flow_event(run, event);
                true
            }
            _ = ticker.tick(), if app.is_testing() => true,
        };
        for effect in app.take_effects() {
            if let Err(message) = effects(effect) {
                app.error(message);
            }
        }
        if redraw {
            draw(terminal, app)?;
        }
    }
    // Quitting mid-test: cancel, and wait briefly for each run to end so it is recorded.
    if app.has_running_tests() {
        app.cancel_all_tests();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while app.has_running_tests() {
            match tokio::time::timeout_at(deadline, flow_events.recv()).await {
                Ok(Some((run, event))) => app.handle_flow_event(run, event),
                _ => break,
            }
        }
    }
    Ok(())
}

pub fn draw<B: Backend>(terminal: &mut Terminal<B>, app: &App) -> anyhow::Result<()> {
    terminal.draw(|frame| crate::ui::draw(frame, app)).map_err(|e| anyhow::anyhow!("Drawing failed: {e}"))?;
    Ok(())
}
