//! A URL on a screen of its own: whole, across the full width, with no border beside it, so the
//! terminal's own selection picks it up cleanly (and as an OSC 8 link). The authorization URL of
//! a browser login, or a device login's verification page with its user code and a QR code of
//! the page for a phone.

use super::copy_url;
use crate::app::Command;
use crate::keymap::Action;
use crate::platform::Environment;

pub struct UrlView {
    pub url: String,
    /// A device login's user code, when the URL is its verification page.
    pub user_code: Option<String>,
}

impl UrlView {
    /// The authorization URL of a browser login.
    pub fn new(url: String) -> UrlView {
        UrlView { url, user_code: None }
    }

    /// A device login's verification page (with the code in it, where the provider gave one).
    pub fn verification(url: String, user_code: String) -> UrlView {
        UrlView { url, user_code: Some(user_code) }
    }

    pub fn update(&mut self, action: Action, env: &Environment) -> Vec<Command> {
        match action {
            Action::Copy => copy_url(&self.url, env, true),
            Action::Cancel => vec![Command::Pop],
            _ => Vec::new(),
        }
    }
}
