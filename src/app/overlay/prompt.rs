//! A one-line prompt: a new app's name, a new name, the file to export to or import from. Its
//! problem is shown in it, keeping what was typed.

use std::path::PathBuf;

use crossterm::event::KeyEvent;
use ratatui_textarea::{CursorMove, TextArea};

use super::Confirm;
use crate::app::data::{Data, Done, Job, JobError, Outcome};
use crate::app::{Command, Overlay, report};
use crate::keymap::{Action, Context, key_for};
use crate::model::text::printable;
use crate::store::ImportSummary;

/// What a prompt asks for.
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

impl Prompt {
    /// The prompt for `purpose`, holding `value`, as an overlay.
    pub fn open(purpose: PromptPurpose, value: &str) -> Overlay {
        let (title, help) = match purpose {
            PromptPurpose::NewApp => ("New app", "The name of the connector you are building."),
            PromptPurpose::RenameApp(_) => ("Rename app", "The app's new name."),
            PromptPurpose::ExportPath => ("Export this app", "Path of the JSON file to write (secrets are left out)."),
            PromptPurpose::ImportPath => ("Import", "Path of an authdeck export file to read."),
        };
        let mut input = TextArea::new(vec![value.to_owned()]);
        input.move_cursor(CursorMove::End);
        Overlay::Prompt(Box::new(Prompt { title: title.into(), help: help.into(), input, purpose, error: None }))
    }

    fn value(&self) -> String {
        self.input.lines().join(" ").trim().to_owned()
    }

    pub fn update(&mut self, action: Action) -> Vec<Command> {
        match action {
            Action::Cancel => vec![Command::Pop],
            Action::Submit => self.submit(),
            _ => Vec::new(),
        }
    }

    fn submit(&mut self) -> Vec<Command> {
        let value = self.value();
        if value.is_empty() {
            let what = match self.purpose {
                PromptPurpose::NewApp | PromptPurpose::RenameApp(_) => "name",
                _ => "path",
            };
            self.error = Some(format!("Type a {what}, or {} to cancel.", key_for(Context::Prompt, Action::Cancel)));
            return Vec::new();
        }
        let job = match self.purpose {
            PromptPurpose::NewApp => Job::CreateApp(value),
            PromptPurpose::RenameApp(id) => Job::RenameApp { id, name: value },
            PromptPurpose::ExportPath => Job::Export { path: expand_home(&value), replace: false },
            PromptPurpose::ImportPath => Job::Import { path: expand_home(&value) },
        };
        vec![Command::Store(job)]
    }

    pub fn type_key(&mut self, key: KeyEvent) {
        crate::app::text_box::type_into(&mut self.input, key);
    }

    pub fn paste(&mut self, text: &str) {
        self.input.insert_str(crate::app::form::one_line(text));
    }

    /// How the job went: the prompt closes with a message, or shows the problem and stays.
    pub fn stored(&mut self, outcome: Outcome, data: &Data) -> Vec<Command> {
        let message = match outcome {
            Ok(Done::Switched { name }) => {
                // The new app is the current one: the picker under the prompt closes too.
                let commands = vec![
                    Command::Pop,
                    Command::Close(|o| matches!(o, Overlay::AppPicker(_))),
                    Command::Info(format!("Created the app \"{name}\" with its API-Key authorization.")),
                ];
                return commands;
            }
            Ok(Done::Renamed) => format!("Renamed the app to \"{}\".", self.value()),
            Ok(Done::Exported { path }) => format!("Exported to {} (secrets left out).", path.display()),
            Ok(Done::Imported(summary)) => return imported(&summary, data),
            Ok(other) => return report(Ok(other)),
            Err(JobError::Exists(path)) => {
                let message = format!("{} exists. Replace it with this export?", path.display());
                let on_yes = vec![Command::Store(Job::Export { path, replace: true })];
                return vec![Command::Push(Overlay::Confirm(Confirm::new(message, on_yes)))];
            }
            Err(e) => {
                self.error = Some(e.to_string());
                return Vec::new();
            }
        };
        vec![Command::Pop, Command::Info(message)]
    }
}

/// An import's message: what it did and which apps it went into; when that is another app than
/// the one shown, a question offers to switch to it.
fn imported(summary: &ImportSummary, data: &Data) -> Vec<Command> {
    let names: Vec<String> = summary.app_names.iter().map(|n| format!("\"{}\"", printable(n))).collect();
    let into = if names.is_empty() { String::new() } else { format!(" It went into {}.", names.join(", ")) };
    let message = format!("{}{into}", printable(&summary.to_string()));
    let current = data.current_app().map(|a| a.name.as_str());
    let other = summary.app_names.iter().find(|n| Some(n.as_str()) != current);
    match other.and_then(|name| data.apps.iter().find(|a| &a.name == name)) {
        Some(app) => {
            let question = format!("{message}\n\nSwitch to \"{}\" now?", printable(&app.name));
            let on_yes = vec![Command::Store(Job::SwitchApp(app.id))];
            vec![Command::Pop, Command::Push(Overlay::Confirm(Confirm::new(question, on_yes).titled("Imported")))]
        }
        None => vec![Command::Pop, Command::Info(message)],
    }
}

/// `~/x` means the home folder's `x`, as in a shell.
fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}
