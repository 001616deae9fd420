//! What is drawn over the tabs: popups (app picker, kind chooser, yes/no question, prompt, help),
//! forms and the test pane. The topmost gets the keys; each keeps its own state in its own module.

mod app_picker;
mod confirm;
mod help;
mod kind_chooser;
mod preset_notes;
mod preset_picker;
mod prompt;

pub use app_picker::AppPicker;
pub use confirm::Confirm;
pub use help::Help;
pub use kind_chooser::{CHOICES as NEW_CHOICES, KindChooser, NewChoice};
pub use preset_notes::PresetNotes;
pub use preset_picker::PresetPicker;
pub use prompt::{Prompt, PromptPurpose};

use crossterm::event::KeyEvent;

use super::data::{Data, Outcome};
use super::form::Form;
use super::test_pane::TestPane;
use super::{Command, report};
use crate::keymap::{Action, Context};
use crate::platform::Environment;

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
        }
    }

    /// Whether an action applies now.
    pub fn available(&self, action: Action, env: &Environment) -> bool {
        match self {
            Overlay::Form(form) => form.available(action),
            Overlay::TestPane(pane) => pane.available(action, env),
            _ => true,
        }
    }

    pub fn update(&mut self, action: Action, data: &Data) -> Vec<Command> {
        match self {
            Overlay::AppPicker(picker) => picker.update(action, data),
            Overlay::KindChooser(chooser) => chooser.update(action, data),
            Overlay::PresetPicker(picker) => picker.update(action, data),
            Overlay::PresetNotes(notes) => notes.update(action),
            Overlay::Form(form) => form.update(action, data),
            Overlay::Confirm(confirm) => confirm.update(action),
            Overlay::Prompt(prompt) => prompt.update(action),
            Overlay::Help(help) => help.update(action),
            Overlay::TestPane(pane) => pane.update(action),
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
    pub fn stored(&mut self, outcome: Outcome) -> Vec<Command> {
        match self {
            Overlay::AppPicker(picker) => picker.stored(outcome),
            Overlay::Form(form) => form.stored(outcome),
            Overlay::Prompt(prompt) => prompt.stored(outcome),
            _ => report(outcome),
        }
    }
}
