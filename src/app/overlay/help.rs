//! The help screen: every key that works on the screen below it, from the key table.

use crate::app::Command;
use crate::keymap::{Action, Context};

pub struct Help {
    /// The screen it describes.
    pub context: Context,
}

impl Help {
    pub fn new(context: Context) -> Help {
        Help { context }
    }

    pub fn update(&mut self, _action: Action) -> Vec<Command> {
        // Its only keys close it.
        vec![Command::Pop]
    }
}
