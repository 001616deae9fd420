//! A selection in a long list (a tab's table, a picker), and the first row shown, kept between
//! frames so scrolling is steady.

use std::cell::Cell;

#[derive(Debug, Default)]
pub struct ListCursor {
    pub selected: usize,
    /// The first row drawn last time; only the drawing code moves it.
    pub offset: Cell<usize>,
}

impl ListCursor {
    /// Moves by `delta` rows, staying within a list of `len`.
    pub fn step(&mut self, delta: isize, len: usize) {
        if len == 0 {
            self.selected = 0;
        } else {
            self.selected = (self.selected as isize + delta).clamp(0, len as isize - 1) as usize;
        }
    }

    /// Keeps the selection within a list of `len` (after the list changed).
    pub fn clamp(&mut self, len: usize) {
        self.step(0, len);
    }

    /// The first row to draw so the selection is visible in `height` rows.
    pub fn window(&self, height: usize) -> usize {
        let mut offset = self.offset.get();
        if self.selected < offset {
            offset = self.selected;
        } else if height > 0 && self.selected >= offset + height {
            offset = self.selected + 1 - height;
        }
        self.offset.set(offset);
        offset
    }
}
