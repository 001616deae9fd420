//! A form: its fields (each keyed by its form's own typed key), which one has the focus, the
//! problems found, whether anything was typed, and the keys that edit it. What the fields of each
//! form are, and what saving does, is in `authorization.rs`, `endpoint.rs` and `credentials.rs`.

pub mod authorization;
pub mod credentials;
pub mod endpoint;
pub mod preset;

use std::borrow::Cow;

use crossterm::event::KeyEvent;
use ratatui_textarea::{CursorMove, TextArea};

use super::data::{Data, Outcome, PickerEntry};
use super::{Command, Overlay};
use crate::keymap::{self, Action, Context};
use crate::model::{ApiKeyField, BasicField, EndpointField, EndpointPurpose, FieldError, OAuth2Field};

/// A field of one of the forms: each form has its own typed keys (the model's, for the forms that
/// edit a record), so a misspelt field is a compile error, not an empty value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldKey {
    ApiKey(ApiKeyField),
    Basic(BasicField),
    OAuth2(OAuth2Field),
    Endpoint(EndpointField),
    /// The test-credentials form: the answer to its n-th question.
    Credential(usize),
    /// The form of a provider preset: its questions, the client's credentials.
    Preset(preset::PresetField),
    /// The button that saves the form.
    Submit,
}

impl From<ApiKeyField> for FieldKey {
    fn from(f: ApiKeyField) -> Self {
        FieldKey::ApiKey(f)
    }
}
impl From<BasicField> for FieldKey {
    fn from(f: BasicField) -> Self {
        FieldKey::Basic(f)
    }
}
impl From<OAuth2Field> for FieldKey {
    fn from(f: OAuth2Field) -> Self {
        FieldKey::OAuth2(f)
    }
}
impl From<EndpointField> for FieldKey {
    fn from(f: EndpointField) -> Self {
        FieldKey::Endpoint(f)
    }
}

/// What a field holds and how it is edited.
#[allow(clippy::large_enum_variant)] // a form has a dozen fields; boxing buys nothing
pub enum FieldInput {
    /// A text box; `secret` ones are masked unless revealed.
    Text {
        area: TextArea<'static>,
        multiline: bool,
        secret: bool,
    },
    /// One of a fixed list, cycled with ←/→.
    Choice {
        options: Vec<&'static str>,
        selected: usize,
    },
    Toggle(bool),
    /// One of the app's endpoints (or none), chosen from a list whose last entry creates a new one.
    Endpoint {
        purpose: EndpointPurpose,
        selected: Option<i64>,
    },
    /// The button that saves the form.
    Button,
}

pub struct Field {
    pub key: FieldKey,
    pub label: Cow<'static, str>,
    pub help: Cow<'static, str>,
    pub input: FieldInput,
    /// Hidden fields are skipped by the focus and not drawn (e.g. a token mapping on a user endpoint).
    pub hidden: bool,
}

impl Field {
    pub fn text(
        key: impl Into<FieldKey>,
        label: impl Into<Cow<'static, str>>,
        help: impl Into<Cow<'static, str>>,
        value: &str,
    ) -> Field {
        Field::text_input(key.into(), label.into(), help.into(), value, false, false)
    }

    pub fn secret(
        key: impl Into<FieldKey>,
        label: impl Into<Cow<'static, str>>,
        help: impl Into<Cow<'static, str>>,
        value: &str,
    ) -> Field {
        Field::text_input(key.into(), label.into(), help.into(), value, false, true)
    }

    /// A masked text of several lines (a pasted private key).
    pub fn secret_multiline(
        key: impl Into<FieldKey>,
        label: &'static str,
        help: impl Into<Cow<'static, str>>,
        value: &str,
    ) -> Field {
        Field::text_input(key.into(), label.into(), help.into(), value, true, true)
    }

    pub fn multiline(
        key: impl Into<FieldKey>,
        label: &'static str,
        help: impl Into<Cow<'static, str>>,
        value: &str,
    ) -> Field {
        Field::text_input(key.into(), label.into(), help.into(), value, true, false)
    }

    /// A text box holding `value`; a secret one is masked.
    fn text_input(
        key: FieldKey,
        label: Cow<'static, str>,
        help: Cow<'static, str>,
        value: &str,
        multiline: bool,
        secret: bool,
    ) -> Field {
        let mut area = text_area(value);
        if secret {
            area.set_mask_char(crate::model::redact::MASK);
        }
        Field { key, label, help, input: FieldInput::Text { area, multiline, secret }, hidden: false }
    }

    pub fn choice(
        key: impl Into<FieldKey>,
        label: &'static str,
        help: impl Into<Cow<'static, str>>,
        options: Vec<&'static str>,
        selected: usize,
    ) -> Field {
        Field {
            key: key.into(),
            label: label.into(),
            help: help.into(),
            input: FieldInput::Choice { options, selected },
            hidden: false,
        }
    }

    pub fn toggle(
        key: impl Into<FieldKey>,
        label: &'static str,
        help: impl Into<Cow<'static, str>>,
        on: bool,
    ) -> Field {
        Field { key: key.into(), label: label.into(), help: help.into(), input: FieldInput::Toggle(on), hidden: false }
    }

    pub fn endpoint(
        key: impl Into<FieldKey>,
        label: &'static str,
        help: impl Into<Cow<'static, str>>,
        purpose: EndpointPurpose,
        selected: Option<i64>,
    ) -> Field {
        Field {
            key: key.into(),
            label: label.into(),
            help: help.into(),
            input: FieldInput::Endpoint { purpose, selected },
            hidden: false,
        }
    }

    pub fn button(label: &'static str) -> Field {
        Field { key: FieldKey::Submit, label: label.into(), help: "".into(), input: FieldInput::Button, hidden: false }
    }

    /// The value as text, to tell whether anything changed.
    fn snapshot(&self) -> String {
        match &self.input {
            FieldInput::Text { area, .. } => area.lines().join("\n"),
            FieldInput::Choice { selected, .. } => selected.to_string(),
            FieldInput::Toggle(on) => on.to_string(),
            FieldInput::Endpoint { selected, .. } => format!("{selected:?}"),
            FieldInput::Button => String::new(),
        }
    }

    pub fn is_text(&self) -> bool {
        matches!(self.input, FieldInput::Text { .. })
    }

    pub fn is_secret(&self) -> bool {
        matches!(self.input, FieldInput::Text { secret: true, .. })
    }

    /// The line under the field: its help, then how to change it, with the keys of the key table
    /// (`offers_key_pair`: the private-key field says Ctrl-G makes one, where the form offers it).
    pub fn help_text(&self, offers_key_pair: bool) -> String {
        use keymap::key_for;
        let how = match &self.input {
            FieldInput::Text { secret: true, .. } => {
                format!("Masked; {} reveals it.", key_for(Context::FormText, Action::Reveal))
            }
            FieldInput::Choice { .. } => format!(
                "{}/{} to change.",
                key_for(Context::FormChoice, Action::Left),
                key_for(Context::FormChoice, Action::Right)
            ),
            FieldInput::Toggle(_) => format!("{} switches it.", key_for(Context::FormChoice, Action::Submit)),
            FieldInput::Endpoint { .. } => {
                format!("{} to choose one or create one.", key_for(Context::FormChoice, Action::Submit))
            }
            FieldInput::Text { .. } | FieldInput::Button => String::new(),
        };
        let how = if offers_key_pair && self.key == FieldKey::OAuth2(OAuth2Field::ClientKey) {
            format!("{how} {} generates a new EC P-256 key pair.", key_for(Context::FormText, Action::GenerateKey))
        } else {
            how
        };
        [self.help.as_ref(), how.as_str()].into_iter().filter(|t| !t.is_empty()).collect::<Vec<_>>().join(" ")
    }
}

fn text_area(value: &str) -> TextArea<'static> {
    let lines: Vec<String> =
        if value.is_empty() { vec![String::new()] } else { value.lines().map(str::to_owned).collect() };
    let mut area = TextArea::new(lines);
    area.move_cursor(CursorMove::Bottom);
    area.move_cursor(CursorMove::End);
    area
}

/// What saving the form does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormTarget {
    NewAuthorization(crate::model::AuthKind),
    EditAuthorization(i64, crate::model::AuthKind),
    /// A new endpoint; `for_field` is the field of the form below to select it in when saved.
    NewEndpoint {
        for_field: Option<FieldKey>,
    },
    EditEndpoint(i64),
    /// The key or credentials to test an authorization with (never saved).
    TestCredentials(i64),
    /// A new authorization (and its endpoints) from the preset at this index of the catalogue.
    Preset(usize),
}

pub struct Form {
    pub title: String,
    pub target: FormTarget,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// The problems shown beside their fields, phrased for the form.
    pub errors: Vec<(FieldKey, String)>,
    /// Secrets shown in clear (Ctrl-R).
    pub revealed: bool,
    /// The endpoint list, when open: the index of the highlighted entry.
    pub picker: Option<usize>,
    initial: Vec<String>,
    /// The issuer's metadata, once the discovery key read it: what doesn't fit it is shown beside
    /// the field concerned.
    pub metadata: Option<Box<crate::model::discovery::ProviderMetadata>>,
}

impl Form {
    pub fn new(title: impl Into<String>, target: FormTarget, fields: Vec<Field>) -> Form {
        let initial = fields.iter().map(Field::snapshot).collect();
        Form {
            title: title.into(),
            target,
            fields,
            focus: 0,
            errors: Vec::new(),
            revealed: false,
            picker: None,
            initial,
            metadata: None,
        }
    }

    /// True when the user changed anything since the form opened.
    pub fn is_dirty(&self) -> bool {
        self.fields.iter().map(Field::snapshot).ne(self.initial.iter().cloned())
    }

    pub fn focused(&self) -> &Field {
        &self.fields[self.focus]
    }

    pub fn focused_mut(&mut self) -> &mut Field {
        &mut self.fields[self.focus]
    }

    fn field(&self, key: impl Into<FieldKey>) -> Option<&Field> {
        let key = key.into();
        self.fields.iter().find(|f| f.key == key)
    }

    pub fn field_mut(&mut self, key: impl Into<FieldKey>) -> Option<&mut Field> {
        let key = key.into();
        self.fields.iter_mut().find(|f| f.key == key)
    }

    /// A text field's value (lines joined with `\n`); empty when there is no such field.
    pub fn text(&self, key: impl Into<FieldKey>) -> String {
        match self.field(key).map(|f| &f.input) {
            Some(FieldInput::Text { area, .. }) => area.lines().join("\n"),
            _ => String::new(),
        }
    }

    pub fn choice(&self, key: impl Into<FieldKey>) -> usize {
        match self.field(key).map(|f| &f.input) {
            Some(FieldInput::Choice { selected, .. }) => *selected,
            _ => 0,
        }
    }

    pub fn toggle(&self, key: impl Into<FieldKey>) -> bool {
        matches!(self.field(key).map(|f| &f.input), Some(FieldInput::Toggle(true)))
    }

    pub fn endpoint(&self, key: impl Into<FieldKey>) -> Option<i64> {
        match self.field(key).map(|f| &f.input) {
            Some(FieldInput::Endpoint { selected, .. }) => *selected,
            _ => None,
        }
    }

    /// Replaces a text field's value (the cursor goes to its end).
    pub fn set_text(&mut self, key: impl Into<FieldKey>, value: &str) {
        if let Some(Field { input: FieldInput::Text { area, secret, .. }, .. }) = self.field_mut(key) {
            let mask = area.mask_char();
            *area = text_area(value);
            if let (true, Some(mask)) = (*secret, mask) {
                area.set_mask_char(mask);
            }
        }
    }

    pub fn set_choice(&mut self, key: impl Into<FieldKey>, index: usize) {
        if let Some(Field { input: FieldInput::Choice { options, selected }, .. }) = self.field_mut(key) {
            *selected = index.min(options.len().saturating_sub(1));
        }
    }

    pub fn set_toggle(&mut self, key: impl Into<FieldKey>, value: bool) {
        if let Some(Field { input: FieldInput::Toggle(on), .. }) = self.field_mut(key) {
            *on = value;
        }
    }

    pub fn set_endpoint(&mut self, key: impl Into<FieldKey>, id: Option<i64>) {
        if let Some(Field { input: FieldInput::Endpoint { selected, .. }, .. }) = self.field_mut(key) {
            *selected = id;
        }
    }

    /// The problem shown beside a field, if any.
    pub fn error(&self, key: impl Into<FieldKey>) -> Option<&str> {
        let key = key.into();
        self.errors.iter().find(|(k, _)| *k == key).map(|(_, message)| message.as_str())
    }

    /// Moves the focus by `delta` visible fields, wrapping around.
    pub fn move_focus(&mut self, delta: isize) {
        let n = self.fields.len() as isize;
        let mut i = self.focus as isize;
        for _ in 0..n {
            i = (i + delta).rem_euclid(n);
            if !self.fields[i as usize].hidden {
                break;
            }
        }
        self.focus = i as usize;
        self.picker = None;
    }

    /// Shows the problems and puts the focus on the first one.
    pub fn show_errors(&mut self, errors: Vec<(FieldKey, String)>) {
        if let Some((first, _)) = errors.first()
            && let Some(i) = self.fields.iter().position(|f| f.key == *first)
        {
            self.focus = i;
        }
        self.errors = errors;
    }

    /// Cycles a choice or flips a toggle on the focused field.
    pub fn cycle(&mut self, delta: isize) {
        match &mut self.focused_mut().input {
            FieldInput::Choice { options, selected } => {
                *selected = (*selected as isize + delta).rem_euclid(options.len() as isize) as usize;
            }
            FieldInput::Toggle(on) => *on = !*on,
            _ => {}
        }
    }
}

/// The problems as the form words them beside their fields.
pub fn phrase(form: &Form, errors: Vec<FieldError<FieldKey>>) -> Vec<(FieldKey, String)> {
    errors
        .into_iter()
        .map(|e| {
            let text = e.problem.reason().unwrap_or_else(|| match e.field {
                FieldKey::Endpoint(field) => endpoint::missing(field),
                FieldKey::Credential(_) | FieldKey::Preset(_) | FieldKey::Submit => "Fill this in.".into(),
                key => authorization::missing(form, key),
            });
            (e.field, text)
        })
        .collect()
}

/// A remark on what a field holds that doesn't stop saving (an endpoint of the wrong purpose).
pub fn warning(form: &Form, field: &Field, data: &Data) -> Option<String> {
    let FieldInput::Endpoint { purpose, selected: Some(id) } = field.input else { return None };
    let chosen = data.endpoint(id)?;
    let name = crate::model::text::printable(&chosen.name);
    match (purpose, chosen.purpose) {
        (EndpointPurpose::Token, EndpointPurpose::UserInfo) => Some(format!(
            "\"{name}\" is a user information endpoint; the token endpoint is the one that exchanges the code for tokens."
        )),
        (EndpointPurpose::UserInfo, EndpointPurpose::Token)
            if matches!(form.target, FormTarget::NewAuthorization(_) | FormTarget::EditAuthorization(..)) =>
        {
            Some(format!(
                "\"{name}\" is a token endpoint; the user information endpoint is the one that returns the logged-in user."
            ))
        }
        _ => None,
    }
}

/// Pasted text for a one-line box: line breaks and tabs become spaces, other control characters
/// (an escape sequence copied along with the text) are dropped, the ends trimmed.
pub fn one_line(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let joined = text.split('\n').map(str::trim).collect::<Vec<_>>().join(" ");
    joined
        .chars()
        .filter_map(|c| if c == '\t' { Some(' ') } else { (!c.is_control()).then_some(c) })
        .collect::<String>()
        .trim()
        .to_owned()
}

/// Pasted text for a multi-line box: line breaks kept (as `\n`), other control characters dropped.
pub fn lines(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter(|c| *c == '\n' || *c == '\t' || !c.is_control())
        .collect()
}

impl Form {
    /// What the save key does here when it doesn't save: the form asking for a key to test with
    /// tests.
    pub fn save_hint(&self) -> Option<&'static str> {
        match self.target {
            FormTarget::TestCredentials(_) => Some("test"),
            _ => None,
        }
    }
    pub fn context(&self) -> Context {
        if self.picker.is_some() {
            Context::EndpointPicker
        } else if self.focused().is_text() {
            Context::FormText
        } else {
            Context::FormChoice
        }
    }

    pub fn available(&self, action: Action) -> bool {
        match action {
            Action::Reveal => self.fields.iter().any(Field::is_secret),
            Action::GenerateKey => authorization::can_generate_key(self),
            Action::Discover => self.fields.iter().any(|f| f.key == FieldKey::OAuth2(OAuth2Field::Issuer)),
            _ => true,
        }
    }

    /// Shows the problems beside their fields (the focus on the first) and says how many there are.
    pub fn refuse(&mut self, errors: Vec<(FieldKey, String)>) -> Vec<Command> {
        let count = errors.len();
        self.show_errors(errors);
        vec![Command::Error(format!(
            "{count} field{} to fix: see the messages beside them.",
            if count == 1 { "" } else { "s" }
        ))]
    }

    pub fn update(&mut self, action: Action, data: &Data) -> Vec<Command> {
        if self.picker.is_some() {
            return self.update_picker(action, data);
        }
        match action {
            Action::NextField => self.move_focus(1),
            Action::PrevField => self.move_focus(-1),
            Action::Up | Action::Down => {
                let down = action == Action::Down;
                if let FieldInput::Text { area, multiline: true, .. } = &mut self.focused_mut().input {
                    let row = area.cursor().0;
                    let last = area.lines().len().saturating_sub(1);
                    if (down && row < last) || (!down && row > 0) {
                        area.move_cursor(if down { CursorMove::Down } else { CursorMove::Up });
                        return Vec::new();
                    }
                }
                self.move_focus(if down { 1 } else { -1 });
            }
            Action::Left => {
                self.cycle_choice(-1, data);
                authorization::fields_changed(self);
            }
            Action::Right => {
                self.cycle_choice(1, data);
                authorization::fields_changed(self);
            }
            Action::GenerateKey => return authorization::generate_key(self),
            Action::Reveal => self.toggle_reveal(),
            Action::Submit => match &mut self.focused_mut().input {
                FieldInput::Text { area, multiline: true, .. } => area.insert_newline(),
                FieldInput::Text { .. } | FieldInput::Choice { .. } => self.move_focus(1),
                FieldInput::Toggle(on) => {
                    *on = !*on;
                    let key = self.focused().key;
                    self.edited(key);
                    authorization::fields_changed(self);
                }
                FieldInput::Endpoint { purpose, selected } => {
                    let (purpose, current) = (*purpose, selected.map_or(PickerEntry::None, PickerEntry::Endpoint));
                    let entries = self.endpoint_entries(purpose, data);
                    self.picker = Some(entries.iter().position(|e| *e == current).unwrap_or(0));
                }
                FieldInput::Button => return self.save(),
            },
            Action::Save => return self.save(),
            Action::Discover => return authorization::discover(self),
            Action::Cancel if self.is_dirty() => {
                let message = "Discard what you typed in this form?".to_owned();
                return vec![Command::Push(Overlay::Confirm(super::overlay::Confirm::new(
                    message,
                    vec![Command::Pop],
                )))];
            }
            Action::Cancel => return vec![Command::Pop],
            _ => {}
        }
        Vec::new()
    }

    /// The problems validation finds in the form as it is now (none for a form without rules).
    fn problems(&self) -> Vec<(FieldKey, String)> {
        match self.target {
            FormTarget::NewAuthorization(kind) | FormTarget::EditAuthorization(_, kind) => {
                authorization::to_authorization(self, kind).err().unwrap_or_default()
            }
            FormTarget::NewEndpoint { .. } | FormTarget::EditEndpoint(_) => {
                endpoint::to_endpoint(self, &crate::model::Endpoint::new_for(EndpointPurpose::Other))
                    .err()
                    .unwrap_or_default()
            }
            FormTarget::TestCredentials(_) => credentials::problems(self),
            FormTarget::Preset(index) => preset::problems(self, index),
        }
    }

    /// `key` was changed: its problem goes once it is fixed (or says what is still wrong). Other
    /// fields keep theirs until the next save.
    pub fn edited(&mut self, key: FieldKey) {
        if !self.errors.iter().any(|(k, _)| *k == key) {
            return;
        }
        match self.problems().into_iter().find(|(k, _)| *k == key) {
            Some((_, message)) => {
                if let Some(error) = self.errors.iter_mut().find(|(k, _)| *k == key) {
                    error.1 = message;
                }
            }
            None => self.errors.retain(|(k, _)| *k != key),
        }
    }

    /// What saving does depends on what the form is for.
    fn save(&mut self) -> Vec<Command> {
        match self.target {
            FormTarget::NewAuthorization(kind) => authorization::save(self, kind, None),
            FormTarget::EditAuthorization(id, kind) => authorization::save(self, kind, Some(id)),
            FormTarget::NewEndpoint { .. } | FormTarget::EditEndpoint(_) => endpoint::save(self),
            FormTarget::TestCredentials(id) => credentials::submit(self, id),
            FormTarget::Preset(index) => preset::save(self, index),
        }
    }

    /// How the save this form asked for went.
    pub fn stored(&mut self, outcome: Outcome) -> Vec<Command> {
        match self.target {
            FormTarget::NewAuthorization(kind) | FormTarget::EditAuthorization(_, kind) => {
                authorization::stored(self, kind, outcome)
            }
            FormTarget::NewEndpoint { .. } | FormTarget::EditEndpoint(_) => endpoint::stored(self, outcome),
            FormTarget::TestCredentials(_) => super::report(outcome),
            FormTarget::Preset(_) => preset::stored(self, outcome),
        }
    }

    fn toggle_reveal(&mut self) {
        self.revealed = !self.revealed;
        let revealed = self.revealed;
        for field in &mut self.fields {
            if let FieldInput::Text { area, secret: true, .. } = &mut field.input {
                if revealed { area.clear_mask_char() } else { area.set_mask_char(crate::model::redact::MASK) }
            }
        }
    }

    /// ←/→: the next choice, or on an endpoint field the next endpoint (without opening the list).
    fn cycle_choice(&mut self, delta: isize, data: &Data) {
        if let FieldInput::Endpoint { purpose, selected } = self.focused().input {
            // "Create a new endpoint" is only in the list.
            let key = self.focused().key;
            let entries: Vec<PickerEntry> =
                self.endpoint_entries(purpose, data).into_iter().filter(|e| *e != PickerEntry::Create).collect();
            let current = entries.iter().position(|e| *e == selected.map_or(PickerEntry::None, PickerEntry::Endpoint));
            let next = (current.unwrap_or(0) as isize + delta).rem_euclid(entries.len().max(1) as isize) as usize;
            let id = match entries.get(next) {
                Some(PickerEntry::Endpoint(id)) => Some(*id),
                _ => None,
            };
            self.set_endpoint(key, id);
            return self.edited(key);
        }
        let before = endpoint::purpose(self);
        self.cycle(delta);
        let key = self.focused().key;
        if key == FieldKey::Endpoint(EndpointField::Purpose) {
            endpoint::purpose_changed(self, before, data);
        }
        self.edited(key);
    }

    fn update_picker(&mut self, action: Action, data: &Data) -> Vec<Command> {
        let FieldInput::Endpoint { purpose, .. } = self.focused().input else { return Vec::new() };
        let key = self.focused().key;
        let entries = self.endpoint_entries(purpose, data);
        let Some(index) = self.picker else { return Vec::new() };
        match action {
            Action::Up => self.picker = Some(index.saturating_sub(1)),
            Action::Down => self.picker = Some((index + 1).min(entries.len().saturating_sub(1))),
            Action::Top => self.picker = Some(0),
            Action::Bottom => self.picker = Some(entries.len().saturating_sub(1)),
            Action::Cancel => self.picker = None,
            Action::Submit => {
                self.picker = None;
                match entries.get(index) {
                    Some(PickerEntry::Endpoint(id)) => self.set_endpoint(key, Some(*id)),
                    Some(PickerEntry::None) => self.set_endpoint(key, None),
                    Some(PickerEntry::Create) => {
                        let new = data.new_endpoint(purpose, self.auth_kind());
                        let form = endpoint::form(&new, FormTarget::NewEndpoint { for_field: Some(key) });
                        return vec![Command::Push(Overlay::Form(Box::new(form)))];
                    }
                    None => {}
                }
                self.edited(key);
            }
            _ => {}
        }
        Vec::new()
    }

    /// The entries of the focused endpoint field's list: "none" too where the field may stay empty
    /// (every endpoint field but the Token Endpoint; the Refresh Endpoint, a token request too).
    pub fn endpoint_entries(&self, purpose: EndpointPurpose, data: &Data) -> Vec<PickerEntry> {
        let mut entries = data.picker_entries(purpose);
        let optional = self.focused().key == FieldKey::OAuth2(OAuth2Field::RefreshEndpoint);
        if optional && entries.first() != Some(&PickerEntry::None) {
            entries.insert(0, PickerEntry::None);
        }
        entries
    }

    /// The kind of authorization this form edits, if it edits one.
    fn auth_kind(&self) -> Option<crate::model::AuthKind> {
        match self.target {
            FormTarget::NewAuthorization(kind) | FormTarget::EditAuthorization(_, kind) => Some(kind),
            _ => None,
        }
    }

    /// A key no binding took: typed into the focused text box.
    pub fn type_key(&mut self, key: KeyEvent) {
        if self.picker.is_none()
            && let FieldInput::Text { area, .. } = &mut self.focused_mut().input
            && crate::app::text_box::type_into(area, key)
        {
            let key = self.focused().key;
            self.edited(key);
        }
    }

    /// Pasted text goes into the focused text box; a one-line box takes it as one line.
    pub fn paste(&mut self, text: &str) {
        if self.picker.is_some() {
            return;
        }
        if let FieldInput::Text { area, multiline, .. } = &mut self.focused_mut().input {
            if *multiline {
                area.insert_str(lines(text));
            } else {
                area.insert_str(one_line(text));
            }
            let key = self.focused().key;
            self.edited(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn focus_skips_hidden_fields_and_wraps() {
        let mut hidden = Field::text(EndpointField::Url, "B", "", "");
        hidden.hidden = true;
        let mut form = Form::new(
            "t",
            FormTarget::EditEndpoint(1),
            vec![Field::text(EndpointField::Name, "A", "", "x"), hidden, Field::button("Save")],
        );
        form.move_focus(1);
        assert_eq!(form.focused().key, FieldKey::Submit);
        form.move_focus(1);
        assert_eq!(form.focused().key, FieldKey::Endpoint(EndpointField::Name));
        form.move_focus(-1);
        assert_eq!(form.focused().key, FieldKey::Submit);
    }

    #[test]
    fn pasted_control_characters_never_get_in() {
        assert_eq!(one_line("  abc\x1b]52;c;aGk=\x07def\r\n ghi\t "), "abc]52;c;aGk=def ghi");
        assert_eq!(lines("a\r\nb\x1b[2Jc\n"), "a\nb[2Jc\n");
    }

    #[test]
    fn dirty_only_after_a_change() {
        let pkce = OAuth2Field::Pkce;
        let mut form = Form::new("t", FormTarget::EditEndpoint(1), vec![Field::toggle(pkce, "P", "", true)]);
        assert!(!form.is_dirty());
        form.cycle(1);
        assert!(form.is_dirty());
        assert!(!form.toggle(pkce));
    }
}
