//! A form's state: its fields, which one has the focus, the problems found, and whether anything was
//! typed. What the fields mean is decided by the builders in `forms.rs`.

use std::borrow::Cow;

use ratatui_textarea::{CursorMove, TextArea};

use crate::model::{ApiKeyField, BasicField, EndpointField, EndpointPurpose, OAuth2Field};

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
    pub help: &'static str,
    pub input: FieldInput,
    /// Hidden fields are skipped by the focus and not drawn (e.g. a token mapping on a user endpoint).
    pub hidden: bool,
}

impl Field {
    pub fn text(
        key: impl Into<FieldKey>,
        label: impl Into<Cow<'static, str>>,
        help: &'static str,
        value: &str,
    ) -> Field {
        Field {
            key: key.into(),
            label: label.into(),
            help,
            input: FieldInput::Text { area: text_area(value), multiline: false, secret: false },
            hidden: false,
        }
    }

    pub fn secret(
        key: impl Into<FieldKey>,
        label: impl Into<Cow<'static, str>>,
        help: &'static str,
        value: &str,
    ) -> Field {
        let mut area = text_area(value);
        area.set_mask_char(crate::model::redact::MASK);
        Field {
            key: key.into(),
            label: label.into(),
            help,
            input: FieldInput::Text { area, multiline: false, secret: true },
            hidden: false,
        }
    }

    pub fn multiline(key: impl Into<FieldKey>, label: &'static str, help: &'static str, value: &str) -> Field {
        Field {
            key: key.into(),
            label: label.into(),
            help,
            input: FieldInput::Text { area: text_area(value), multiline: true, secret: false },
            hidden: false,
        }
    }

    pub fn choice(
        key: impl Into<FieldKey>,
        label: &'static str,
        help: &'static str,
        options: Vec<&'static str>,
        selected: usize,
    ) -> Field {
        Field {
            key: key.into(),
            label: label.into(),
            help,
            input: FieldInput::Choice { options, selected },
            hidden: false,
        }
    }

    pub fn toggle(key: impl Into<FieldKey>, label: &'static str, help: &'static str, on: bool) -> Field {
        Field { key: key.into(), label: label.into(), help, input: FieldInput::Toggle(on), hidden: false }
    }

    pub fn endpoint(
        key: impl Into<FieldKey>,
        label: &'static str,
        help: &'static str,
        purpose: EndpointPurpose,
        selected: Option<i64>,
    ) -> Field {
        Field {
            key: key.into(),
            label: label.into(),
            help,
            input: FieldInput::Endpoint { purpose, selected },
            hidden: false,
        }
    }

    pub fn button(label: &'static str) -> Field {
        Field { key: FieldKey::Submit, label: label.into(), help: "", input: FieldInput::Button, hidden: false }
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
    fn dirty_only_after_a_change() {
        let pkce = OAuth2Field::Pkce;
        let mut form = Form::new("t", FormTarget::EditEndpoint(1), vec![Field::toggle(pkce, "P", "", true)]);
        assert!(!form.is_dirty());
        form.cycle(1);
        assert!(form.is_dirty());
        assert!(!form.toggle(pkce));
    }
}
