//! The app picker: switch to another app, create, rename or delete one.

use super::{Confirm, Prompt, PromptPurpose};
use crate::app::data::{Data, Deleted, Done, Job, Outcome};
use crate::app::{Command, Overlay, report};
use crate::keymap::{Action, Context, key_for};

pub struct AppPicker {
    pub selected: usize,
}

impl AppPicker {
    /// The picker with the current app selected.
    pub fn new(data: &Data) -> AppPicker {
        AppPicker { selected: data.apps.iter().position(|a| a.id == data.app_id).unwrap_or(0) }
    }

    pub fn update(&mut self, action: Action, data: &Data) -> Vec<Command> {
        let len = data.apps.len();
        let app = data.apps.get(self.selected);
        match action {
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Down => self.selected = (self.selected + 1).min(len.saturating_sub(1)),
            Action::Cancel => return vec![Command::Pop],
            Action::Submit => {
                if let Some(app) = app {
                    return vec![Command::Store(Job::SwitchApp(app.id))];
                }
            }
            Action::New => return vec![Command::Push(Prompt::open(PromptPurpose::NewApp, ""))],
            Action::Rename => {
                if let Some(app) = app {
                    return vec![Command::Push(Prompt::open(PromptPurpose::RenameApp(app.id), &app.name))];
                }
            }
            Action::Delete => {
                let Some(app) = app else { return Vec::new() };
                if len == 1 {
                    let new = key_for(Context::AppPicker, Action::New);
                    return vec![Command::Error(format!(
                        "This is the only app: create another one ({new}) before deleting it."
                    ))];
                }
                let count = data.counts.get(&app.id).copied().unwrap_or(0);
                let message = format!(
                    "Delete the app \"{}\"? Its {count} authorization{} and its endpoints go with it.",
                    app.name,
                    if count == 1 { "" } else { "s" }
                );
                let on_yes = vec![Command::Store(Job::DeleteApp(app.id))];
                return vec![Command::Push(Overlay::Confirm(Confirm::new(message, on_yes)))];
            }
            _ => {}
        }
        Vec::new()
    }

    pub fn stored(&mut self, outcome: Outcome) -> Vec<Command> {
        match outcome {
            Ok(Done::Switched { name }) => vec![Command::Pop, Command::Info(format!("Switched to {name}."))],
            Ok(Done::Deleted(Deleted::App)) => {
                self.selected = self.selected.saturating_sub(1);
                report(outcome)
            }
            other => report(other),
        }
    }
}
