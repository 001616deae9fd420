//! A yes/no question; "yes" does what it was asked about.

use crate::app::Command;
use crate::keymap::Action;

pub struct Confirm {
    pub title: String,
    /// The question; blank lines part its paragraphs.
    pub message: String,
    /// What "yes" does, after the question closes.
    on_yes: Vec<Command>,
}

impl Confirm {
    pub fn new(message: String, on_yes: Vec<Command>) -> Confirm {
        Confirm { title: "Are you sure?".into(), message, on_yes }
    }

    /// The same question under another title.
    pub fn titled(mut self, title: &str) -> Confirm {
        self.title = title.into();
        self
    }

    pub fn update(&mut self, action: Action) -> Vec<Command> {
        let mut commands = vec![Command::Pop];
        if action == Action::Yes {
            commands.append(&mut self.on_yes);
        }
        commands
    }
}
