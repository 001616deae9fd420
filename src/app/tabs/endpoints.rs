//! The Endpoints tab: the app's reusable requests; new, edit, delete (refused while used).

use crate::app::data::Data;
use crate::app::form::{FormTarget, endpoint};
use crate::app::list::TableView;
use crate::app::overlay::Confirm;
use crate::app::{Command, Job, Overlay};
use crate::keymap::Action;
use crate::model::{Endpoint, EndpointPurpose};
use crate::store::StoreError;

#[derive(Default)]
pub struct EndpointsTab {
    pub view: TableView,
}

impl EndpointsTab {
    pub fn selected<'a>(&self, data: &'a Data) -> Option<&'a Endpoint> {
        self.view.selected().and_then(|i| data.endpoints.get(i))
    }

    pub fn available(&self, action: Action, data: &Data) -> bool {
        match action {
            Action::Edit | Action::Delete => self.selected(data).is_some(),
            _ => true,
        }
    }

    pub fn update(&mut self, action: Action, data: &Data) -> Vec<Command> {
        match action {
            Action::New => {
                let form = endpoint::form(
                    &data.new_endpoint(EndpointPurpose::Token, None),
                    FormTarget::NewEndpoint { for_field: None },
                );
                return vec![Command::Push(Overlay::Form(Box::new(form)))];
            }
            Action::Edit => {
                if let Some(e) = self.selected(data) {
                    let form = endpoint::form(e, FormTarget::EditEndpoint(e.id));
                    return vec![Command::Push(Overlay::Form(Box::new(form)))];
                }
            }
            Action::Delete => {
                let Some(e) = self.selected(data) else { return Vec::new() };
                let users = data.endpoint_users(e.id);
                if !users.is_empty() {
                    // The store refuses too; saying so now spares a question whose yes can't work.
                    let refused = StoreError::EndpointInUse { endpoint: e.name.clone(), users };
                    return vec![Command::Error(refused.to_string())];
                }
                let message = format!("Delete the endpoint \"{}\"?", e.name);
                let on_yes = vec![Command::Store(Job::DeleteEndpoint(e.id))];
                return vec![Command::Push(Overlay::Confirm(Confirm::new(message, on_yes)))];
            }
            _ => {}
        }
        Vec::new()
    }
}
