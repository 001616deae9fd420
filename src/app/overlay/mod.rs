//! What is drawn over the tabs: popups (app picker, kind chooser, yes/no question, prompt, help),
//! forms and the test pane. The topmost gets the keys; each keeps its own state in its own module.

mod app_picker;
mod confirm;
pub mod connection_detail;
mod help;
mod kind_chooser;
mod preset_notes;
mod preset_picker;
mod prompt;
mod run_history;

pub use app_picker::AppPicker;
pub use confirm::Confirm;
pub use connection_detail::ConnectionDetail;
pub use help::Help;
pub use kind_chooser::{CHOICES as NEW_CHOICES, KindChooser, NewChoice};
pub use preset_notes::PresetNotes;
pub use preset_picker::PresetPicker;
pub use prompt::{Prompt, PromptPurpose};
pub use run_history::RunHistory;

use crossterm::event::KeyEvent;

use super::data::{Data, Outcome};
use super::form::Form;
use super::test_pane::{TestPane, UrlView};
use super::{Command, Ctx, report};
use crate::keymap::{Action, Context};

pub enum Overlay {
    AppPicker(AppPicker),
    KindChooser(KindChooser),
    PresetPicker(Box<PresetPicker>),
    PresetNotes(Box<PresetNotes>),
    Form(Box<Form>),
    Confirm(Confirm),
    Prompt(Box<Prompt>),
    Help(Help),
    TestPane(Box<TestPane>),
    UrlView(UrlView),
    RunHistory(RunHistory),
    ConnectionDetail(ConnectionDetail),
}

impl Overlay {
    /// The screen whose keys apply while this is on top.
    pub fn context(&self) -> Context {
        match self {
            Overlay::AppPicker(_) => Context::AppPicker,
            Overlay::KindChooser(_) => Context::KindChooser,
            Overlay::PresetPicker(_) => Context::PresetPicker,
            Overlay::PresetNotes(_) => Context::PresetNotes,
            Overlay::Form(form) => form.context(),
            Overlay::Confirm(_) => Context::Confirm,
            Overlay::Prompt(_) => Context::Prompt,
            Overlay::Help(_) => Context::Help,
            Overlay::TestPane(pane) => pane.context(),
            Overlay::UrlView(_) => Context::UrlView,
            Overlay::RunHistory(_) => Context::RunHistory,
            Overlay::ConnectionDetail(_) => Context::ConnectionDetail,
        }
    }

    /// What a key's hint says here when it isn't the key table's word: a form's save key does
    /// what its button says ("test" in the form asking for a key to test with).
    pub fn hint_label(&self, action: Action) -> Option<&'static str> {
        match self {
            Overlay::Form(form) if action == Action::Save => form.save_hint(),
            _ => None,
        }
    }

    /// Whether an action applies now.
    pub fn available(&self, action: Action, ctx: &Ctx) -> bool {
        match self {
            Overlay::Form(form) => form.available(action),
            Overlay::TestPane(pane) => pane.available(action),
            Overlay::ConnectionDetail(detail) => detail.available(action, ctx),
            Overlay::RunHistory(history) => action != Action::Submit || history.selected().is_some(),
            _ => true,
        }
    }

    pub fn update(&mut self, action: Action, ctx: &Ctx) -> Vec<Command> {
        match self {
            Overlay::AppPicker(picker) => picker.update(action, ctx.data),
            Overlay::KindChooser(chooser) => chooser.update(action, ctx.data),
            Overlay::PresetPicker(picker) => picker.update(action, ctx.data),
            Overlay::PresetNotes(notes) => notes.update(action),
            Overlay::Form(form) => form.update(action, ctx.data),
            Overlay::Confirm(confirm) => confirm.update(action),
            Overlay::Prompt(prompt) => prompt.update(action),
            Overlay::Help(help) => help.update(action),
            Overlay::TestPane(pane) => pane.update(action, ctx.env),
            Overlay::UrlView(view) => view.update(action, ctx.env),
            Overlay::RunHistory(history) => history.update(action, ctx),
            Overlay::ConnectionDetail(detail) => detail.update(action, ctx),
        }
    }

    /// A key no binding took.
    pub fn type_key(&mut self, key: KeyEvent) {
        match self {
            Overlay::Form(form) => form.type_key(key),
            Overlay::PresetPicker(picker) => picker.type_key(key),
            Overlay::Prompt(prompt) => prompt.type_key(key),
            Overlay::TestPane(pane) => pane.type_key(key),
            _ => {}
        }
    }

    pub fn paste(&mut self, text: &str) {
        match self {
            Overlay::Form(form) => form.paste(text),
            Overlay::PresetPicker(picker) => picker.paste(text),
            Overlay::Prompt(prompt) => prompt.paste(text),
            Overlay::TestPane(pane) => pane.paste(text),
            _ => {}
        }
    }

    /// The outcome of a store job this overlay asked for.
    pub fn stored(&mut self, outcome: Outcome, data: &Data) -> Vec<Command> {
        match self {
            Overlay::AppPicker(picker) => picker.stored(outcome),
            Overlay::Form(form) => form.stored(outcome),
            Overlay::Prompt(prompt) => prompt.stored(outcome, data),
            Overlay::RunHistory(history) => history.stored(outcome),
            Overlay::ConnectionDetail(detail) => detail.stored(outcome),
            _ => report(outcome),
        }
    }
}
