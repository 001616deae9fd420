//! Shown once a preset was added: what it made, what to do at the provider before testing (the
//! preset's notes, with the redirect URI filled in) and its documentation; `t` tests it at once.

use std::cell::Cell;

use crate::app::Command;
use crate::keymap::Action;

pub struct PresetNotes {
    pub title: String,
    /// Paragraphs, drawn wrapped.
    pub lines: Vec<String>,
    /// The authorization made, for testing it from here.
    pub authorization_id: i64,
    pub scroll: u16,
    /// How far the last frame could scroll (the text's height less the window's); only the
    /// drawing code sets it.
    pub max_scroll: Cell<u16>,
}

impl PresetNotes {
    pub fn update(&mut self, action: Action) -> Vec<Command> {
        match action {
            Action::Test => {
                vec![Command::Pop, Command::Test { authorization_id: self.authorization_id, answers: None }]
            }
            Action::Cancel => vec![Command::Pop],
            Action::Down => {
                self.scroll = self.scroll.saturating_add(1).min(self.max_scroll.get());
                Vec::new()
            }
            Action::Up => {
                self.scroll = self.scroll.saturating_sub(1);
                Vec::new()
            }
            _ => Vec::new(),
        }
    }
}
