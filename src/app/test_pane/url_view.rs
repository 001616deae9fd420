//! The authorization URL on a screen of its own: whole, across the full width, with no border
//! beside it, so the terminal's own selection picks it up cleanly (and as an OSC 8 link).

use super::copy_url;
use crate::app::Command;
use crate::keymap::Action;
use crate::platform::Environment;

pub struct UrlView {
    pub url: String,
}

impl UrlView {
    pub fn new(url: String) -> UrlView {
        UrlView { url }
    }

    pub fn update(&mut self, action: Action, env: &Environment) -> Vec<Command> {
        match action {
            Action::Copy => copy_url(&self.url, env),
            Action::Cancel => vec![Command::Pop],
            _ => Vec::new(),
        }
    }
}
