//! The tabs and the keys they share (switching tab, the app picker, quitting); each tab's own keys
//! and selection are in its own module.

mod authorizations;
mod connections;
mod endpoints;

pub use authorizations::AuthorizationsTab;
pub use connections::ConnectionsTab;
pub use endpoints::EndpointsTab;

use crossterm::event::KeyEvent;

use super::data::Data;
use super::list::TableView;
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
        let mut tabs = Tabs {
            current: Tab::Authorizations,
            authorizations: AuthorizationsTab::default(),
            endpoints: EndpointsTab::default(),
            connections: ConnectionsTab::default(),
            app_id: data.app_id,
        };
        tabs.sync(data);
        tabs
    }

    /// The lists changed: keep the selections within them (from the top for another app).
    pub fn sync(&mut self, data: &Data) {
        if data.app_id != self.app_id {
            self.app_id = data.app_id;
            self.authorizations = AuthorizationsTab::default();
            self.endpoints = EndpointsTab::default();
            self.connections = ConnectionsTab::default();
        }
        for tab in Tab::ALL {
            self.refresh(tab, data);
        }
    }

    /// A tab's table view (its selection and filter).
    pub fn view(&self, tab: Tab) -> &TableView {
        match tab {
            Tab::Authorizations => &self.authorizations.view,
            Tab::Endpoints => &self.endpoints.view,
            Tab::Connections => &self.connections.view,
        }
    }

    fn view_mut(&mut self, tab: Tab) -> &mut TableView {
        match tab {
            Tab::Authorizations => &mut self.authorizations.view,
            Tab::Endpoints => &mut self.endpoints.view,
            Tab::Connections => &mut self.connections.view,
        }
    }

    /// Picks the rows a tab shows (its filter over the names of its list).
    fn refresh(&mut self, tab: Tab, data: &Data) {
        let view = self.view_mut(tab);
        match tab {
            Tab::Authorizations => view.refresh(data.authorizations.iter().map(|a| (a.id, a.name.as_str()))),
            Tab::Endpoints => view.refresh(data.endpoints.iter().map(|e| (e.id, e.name.as_str()))),
            Tab::Connections => view.refresh(data.connections.iter().map(|c| (c.id, c.authorization_name.as_str()))),
        }
    }

    /// Shows `tab` with the row of `id` selected (dropping a filter that hides it).
    pub fn select(&mut self, tab: Tab, id: i64, data: &Data) {
        let index = match tab {
            Tab::Authorizations => data.authorizations.iter().position(|a| a.id == id),
            Tab::Endpoints => data.endpoints.iter().position(|e| e.id == id),
            Tab::Connections => data.connections.iter().position(|c| c.id == id),
        };
        let Some(index) = index else { return };
        if !self.view(tab).rows().contains(&index) {
            self.view_mut(tab).clear_filter();
            self.refresh(tab, data);
        }
        self.view_mut(tab).select(index);
    }

    /// The screen whose keys apply: the current tab's, or its filter's while it is typed into.
    pub fn context(&self) -> Context {
        if self.view(self.current).editing { Context::Filter } else { self.current.context() }
    }

    pub fn available(&self, action: Action, data: &Data) -> bool {
        if action == Action::Cancel {
            return self.view(self.current).is_filtered() || self.view(self.current).editing;
        }
        match self.current {
            Tab::Authorizations => self.authorizations.available(action, data),
            Tab::Endpoints => self.endpoints.available(action, data),
            Tab::Connections => self.connections.available(action, data),
        }
    }

    pub fn update(&mut self, action: Action, data: &Data) -> Vec<Command> {
        let tab = self.current;
        if self.view(tab).editing {
            let view = self.view_mut(tab);
            let changes = matches!(action, Action::Cancel);
            view.update_filter(action);
            if changes {
                self.refresh(tab, data);
            }
            return Vec::new();
        }
        match action {
            Action::Quit => return vec![Command::Quit],
            Action::NextTab => self.current = tab.next(),
            Action::PrevTab => self.current = tab.prev(),
            Action::GoAuthorizations => self.current = Tab::Authorizations,
            Action::GoEndpoints => self.current = Tab::Endpoints,
            Action::GoConnections => self.current = Tab::Connections,
            Action::Apps => return vec![Command::Push(Overlay::AppPicker(AppPicker::new(data)))],
            Action::Cancel => {
                self.view_mut(tab).clear_filter();
                self.refresh(tab, data);
            }
            _ if self.view_mut(tab).navigate(action) => {}
            _ => {
                return match tab {
                    Tab::Authorizations => self.authorizations.update(action, data),
                    Tab::Endpoints => self.endpoints.update(action, data),
                    Tab::Connections => self.connections.update(action, data),
                };
            }
        }
        Vec::new()
    }

    /// A key typed into the current tab's filter.
    pub fn type_key(&mut self, key: KeyEvent, data: &Data) {
        let tab = self.current;
        if self.view_mut(tab).type_key(key) {
            self.refresh(tab, data);
        }
    }

    pub fn paste(&mut self, text: &str, data: &Data) {
        let tab = self.current;
        if self.view_mut(tab).paste(text) {
            self.refresh(tab, data);
        }
    }
}
