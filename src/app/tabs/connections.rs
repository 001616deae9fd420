//! The Connections tab: the saved results of successful tests, with their last `authdeck check`;
//! refresh, introspect, revoke, the refresh lab, delete.

use crate::app::data::Data;
use crate::app::list::TableView;
use crate::app::overlay::connection_detail::{lab_available, lab_commands};
use crate::app::overlay::{Confirm, ConnectionDetail};
use crate::app::{Command, Job, Overlay};
use crate::flow::Connection;
use crate::keymap::Action;
use crate::model::text::printable;

#[derive(Default)]
pub struct ConnectionsTab {
    pub view: TableView,
}

impl ConnectionsTab {
    pub fn selected<'a>(&self, data: &'a Data) -> Option<&'a Connection> {
        self.view.selected().and_then(|i| data.connections.get(i))
    }

    pub fn available(&self, action: Action, data: &Data) -> bool {
        match action {
            Action::Submit | Action::Delete => self.selected(data).is_some(),
            Action::Refresh => self.selected(data).is_some_and(|c| c.tokens.refresh_token.is_some()),
            Action::ForceExpiry | Action::RotationTest | Action::ReuseTest | Action::LifetimeProbe => {
                self.selected(data).is_some_and(|c| lab_available(action, c))
            }
            _ => true,
        }
    }

    pub fn update(&mut self, action: Action, data: &Data) -> Vec<Command> {
        match action {
            Action::Submit => {
                if let Some(c) = self.selected(data) {
                    return vec![Command::Push(Overlay::ConnectionDetail(ConnectionDetail::new(c.id)))];
                }
            }
            Action::Refresh => {
                if let Some(c) = self.selected(data) {
                    return vec![Command::Refresh { connection_id: c.id }];
                }
            }
            Action::Introspect => {
                if let Some(c) = self.selected(data) {
                    return vec![Command::Introspect { connection_id: c.id }];
                }
            }
            Action::ForceExpiry | Action::RotationTest | Action::ReuseTest | Action::LifetimeProbe => {
                if let Some(c) = self.selected(data) {
                    return lab_commands(action, c);
                }
            }
            Action::Revoke => {
                if let Some(c) = self.selected(data) {
                    let message = format!(
                        "Revoke the tokens of \"{}\" as {} at the provider? The connection can't be used or refreshed afterwards.",
                        printable(&c.authorization_name),
                        printable(&c.who())
                    );
                    let on_yes = vec![Command::Revoke { connection_id: c.id }];
                    return vec![Command::Push(Overlay::Confirm(Confirm::new(message, on_yes)))];
                }
            }
            Action::Delete => {
                if let Some(c) = self.selected(data) {
                    let message = format!(
                        "Delete the saved connection of \"{}\" as {}? Its tokens are forgotten.",
                        printable(&c.authorization_name),
                        printable(&c.identity.display())
                    );
                    let on_yes = vec![Command::Store(Job::DeleteConnection(c.id))];
                    return vec![Command::Push(Overlay::Confirm(Confirm::new(message, on_yes)))];
                }
            }
            _ => {}
        }
        Vec::new()
    }
}
