//! The tabs and the keys they share (switching tab, the app picker, quitting); each tab's own keys
//! and selection are in its own module.

mod authorizations;
mod connections;
mod endpoints;

pub use authorizations::AuthorizationsTab;
pub use connections::ConnectionsTab;
pub use endpoints::EndpointsTab;

use super::data::Data;
use super::overlay::AppPicker;
use super::{Command, Overlay};
use crate::keymap::{Action, Context};

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

    pub fn context(self) -> Context {
        match self {
            Tab::Authorizations => Context::Authorizations,
            Tab::Endpoints => Context::Endpoints,
            Tab::Connections => Context::Connections,
        }
    }

    fn index(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }

    pub fn next(self) -> Tab {
        self.step(1)
    }

    pub fn prev(self) -> Tab {
        self.step(-1)
    }

    fn step(self, delta: isize) -> Tab {
        Tab::ALL[(self.index() as isize + delta).rem_euclid(Tab::ALL.len() as isize) as usize]
    }
}

pub struct Tabs {
    pub current: Tab,
    pub authorizations: AuthorizationsTab,
    pub endpoints: EndpointsTab,
    pub connections: ConnectionsTab,
    /// The app the tabs show; when the data shows another, the selections start from the top.
    app_id: i64,
}

impl Tabs {
    pub fn new(data: &Data) -> Tabs {
        Tabs {
            current: Tab::Authorizations,
            authorizations: AuthorizationsTab::default(),
            endpoints: EndpointsTab::default(),
            connections: ConnectionsTab::default(),
            app_id: data.app_id,
        }
    }

    /// The lists changed: keep the selections within them (from the top for another app).
    pub fn sync(&mut self, data: &Data) {
        if data.app_id != self.app_id {
            self.app_id = data.app_id;
            self.authorizations = AuthorizationsTab::default();
            self.endpoints = EndpointsTab::default();
            self.connections = ConnectionsTab::default();
        }
        self.authorizations.cursor.clamp(data.authorizations.len());
        self.endpoints.cursor.clamp(data.endpoints.len());
        self.connections.cursor.clamp(data.connections.len());
    }

    /// Selects the row of `id` in `tab`.
    pub fn select(&mut self, tab: Tab, id: i64, data: &Data) {
        let index = match tab {
            Tab::Authorizations => data.authorizations.iter().position(|a| a.id == id),
            Tab::Endpoints => data.endpoints.iter().position(|e| e.id == id),
            Tab::Connections => data.connections.iter().position(|c| c.id == id),
        };
        if let Some(index) = index {
            match tab {
                Tab::Authorizations => self.authorizations.cursor.selected = index,
                Tab::Endpoints => self.endpoints.cursor.selected = index,
                Tab::Connections => self.connections.cursor.selected = index,
            }
        }
    }

    pub fn available(&self, action: Action, data: &Data) -> bool {
        match self.current {
            Tab::Authorizations => self.authorizations.available(action, data),
            Tab::Endpoints => self.endpoints.available(action, data),
            Tab::Connections => self.connections.available(action, data),
        }
    }

    pub fn update(&mut self, action: Action, data: &Data) -> Vec<Command> {
        match action {
            Action::Quit => vec![Command::Quit],
            Action::NextTab => {
                self.current = self.current.next();
                Vec::new()
            }
            Action::PrevTab => {
                self.current = self.current.prev();
                Vec::new()
            }
            Action::Apps => vec![Command::Push(Overlay::AppPicker(AppPicker::new(data)))],
            _ => match self.current {
                Tab::Authorizations => self.authorizations.update(action, data),
                Tab::Endpoints => self.endpoints.update(action, data),
                Tab::Connections => self.connections.update(action, data),
            },
        }
    }
}
