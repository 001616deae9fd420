//! The Authorizations tab: the app's authorizations; new, edit, delete, test, export, import.

use crate::app::data::Data;
use crate::app::form::authorization;
use crate::app::list::TableView;
use crate::app::overlay::{Confirm, KindChooser, Prompt, PromptPurpose, RunHistory};
use crate::app::{Command, Job, Overlay};
use crate::keymap::Action;
use crate::model::Authorization;

#[derive(Default)]
pub struct AuthorizationsTab {
    pub view: TableView,
}

impl AuthorizationsTab {
    pub fn selected<'a>(&self, data: &'a Data) -> Option<&'a Authorization> {
        self.view.selected().and_then(|i| data.authorizations.get(i))
    }

    pub fn available(&self, action: Action, data: &Data) -> bool {
        match action {
            Action::Edit | Action::Delete | Action::Test | Action::History => self.selected(data).is_some(),
            _ => true,
        }
    }

    pub fn update(&mut self, action: Action, data: &Data) -> Vec<Command> {
        match action {
            Action::New => return vec![Command::Push(Overlay::KindChooser(KindChooser::default()))],
            Action::Edit => {
                if let Some(a) = self.selected(data) {
                    let form = authorization::form(a.kind(), Some(a), &a.name);
                    return vec![Command::Push(Overlay::Form(Box::new(form)))];
                }
            }
            Action::Delete => {
                if let Some(a) = self.selected(data) {
                    let message = format!(
                        "Delete the {} authorization \"{}\"? Its saved connections and test runs go with it.",
                        a.kind().label(),
                        a.name
                    );
                    let on_yes = vec![Command::Store(Job::DeleteAuthorization(a.id))];
                    return vec![Command::Push(Overlay::Confirm(Confirm::new(message, on_yes)))];
                }
            }
            Action::Test => {
                if let Some(a) = self.selected(data) {
                    return vec![Command::Test { authorization_id: a.id, answers: None }];
                }
            }
            Action::History => {
                if let Some(a) = self.selected(data) {
                    return RunHistory::open(a);
                }
            }
            Action::Export => {
                let name = data.current_app().map(|a| file_stem(&a.name)).unwrap_or_else(|| "authdeck".into());
                return vec![Command::Push(Prompt::open(PromptPurpose::ExportPath, &format!("{name}.authdeck.json")))];
            }
            Action::Import => return vec![Command::Push(Prompt::open(PromptPurpose::ImportPath, ""))],
            _ => {}
        }
        Vec::new()
    }
}

/// A file name made from an app's name: letters, digits and dashes.
fn file_stem(name: &str) -> String {
    let stem: String = name.chars().map(|c| if c.is_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    let stem = stem.split('-').filter(|p| !p.is_empty()).collect::<Vec<_>>().join("-");
    if stem.is_empty() { "authdeck".into() } else { stem }
}
