//! The help screen: every key that works on the screen below it, from the key table (and a text
//! box's editing keys where one has the focus); it scrolls when taller than the screen.

use std::cell::Cell;

use crate::app::Command;
use crate::keymap::{Action, Context};

pub struct Help {
    /// The screen it describes.
    pub context: Context,
    /// How far it is scrolled down, in lines.
    pub scroll: u16,
    /// How many lines the last frame showed (a page), and how many there are.
    pub height: Cell<u16>,
    pub lines: Cell<u16>,
}

impl Help {
    pub fn new(context: Context) -> Help {
        Help { context, scroll: 0, height: Cell::new(0), lines: Cell::new(0) }
    }

    pub fn update(&mut self, action: Action) -> Vec<Command> {
        let page = self.height.get().saturating_sub(1).max(1);
        match action {
            Action::Down => self.scroll = self.scroll.saturating_add(1),
            Action::Up => self.scroll = self.scroll.saturating_sub(1),
            Action::ScrollDown => self.scroll = self.scroll.saturating_add(page),
            Action::ScrollUp => self.scroll = self.scroll.saturating_sub(page),
            _ => return vec![Command::Pop],
        }
        self.scroll = self.scroll.min(self.lines.get().saturating_sub(self.height.get()));
        Vec::new()
    }
}
