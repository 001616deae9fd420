//! A yes/no question; "yes" does what it was asked about.

use std::cell::Cell;

use crate::app::Command;
use crate::keymap::Action;

pub struct Confirm {
    pub title: String,
    /// The question; blank lines part its paragraphs.
    pub message: String,
    /// What "yes" does, after the question closes.
    on_yes: Vec<Command>,
    /// How far a question taller than the screen is scrolled down, in lines.
    pub scroll: u16,
    /// How far it can be, as last drawn.
    pub max_scroll: Cell<u16>,
}

impl Confirm {
    pub fn new(message: String, on_yes: Vec<Command>) -> Confirm {
        Confirm { title: "Are you sure?".into(), message, on_yes, scroll: 0, max_scroll: Cell::new(0) }
    }

    /// The same question under another title.
    pub fn titled(mut self, title: &str) -> Confirm {
        self.title = title.into();
        self
    }

    pub fn update(&mut self, action: Action) -> Vec<Command> {
        match action {
            Action::Down => {
                self.scroll = self.scroll.saturating_add(1).min(self.max_scroll.get());
                return Vec::new();
            }
            Action::Up => {
                self.scroll = self.scroll.saturating_sub(1);
                return Vec::new();
            }
            _ => {}
        }
        let mut commands = vec![Command::Pop];
        if action == Action::Yes {
            commands.append(&mut self.on_yes);
        }
        commands
    }
}
