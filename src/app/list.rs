//! Long lists: a selection and the first row shown (kept between frames so scrolling is steady),
//! moving by row, by page and to either end, and a filter by name typed after `/`.

use std::cell::Cell;

use crossterm::event::KeyEvent;
use ratatui_textarea::TextArea;

use crate::keymap::Action;

#[derive(Debug, Default)]
pub struct ListCursor {
    pub selected: usize,
    /// The first row drawn last time; only the drawing code moves it.
    pub offset: Cell<usize>,
    /// How many rows the last frame showed: a page.
    pub page: Cell<usize>,
}

impl ListCursor {
    /// Moves by `delta` rows, staying within a list of `len`.
    pub fn step(&mut self, delta: isize, len: usize) {
        if len == 0 {
            self.selected = 0;
        } else {
            self.selected = (self.selected as isize).saturating_add(delta).clamp(0, len as isize - 1) as usize;
        }
    }

    /// Keeps the selection within a list of `len` (after the list changed).
    pub fn clamp(&mut self, len: usize) {
        self.step(0, len);
    }

    /// Moves as a list key asks (row, page, either end); false for any other action.
    pub fn navigate(&mut self, action: Action, len: usize) -> bool {
        let page = self.page.get().max(1) as isize;
        match action {
            Action::Up => self.step(-1, len),
            Action::Down => self.step(1, len),
            Action::ScrollUp => self.step(-page, len),
            Action::ScrollDown => self.step(page, len),
            Action::Top => self.selected = 0,
            Action::Bottom => self.selected = len.saturating_sub(1),
            _ => return false,
        }
        true
    }

    /// The first row to draw so the selection is visible in `height` rows of a list of `len`,
    /// and no row is left empty while rows above could fill it (a list that got shorter — a
    /// filter typed at its end — is shown from its start again).
    pub fn window(&self, height: usize, len: usize) -> usize {
        self.page.set(height);
        let mut offset = self.offset.get().min(len.saturating_sub(height));
        if self.selected < offset {
            offset = self.selected;
        } else if height > 0 && self.selected >= offset + height {
            offset = self.selected + 1 - height;
        }
        self.offset.set(offset);
        offset
    }
}

/// A table of the data's rows (all, or those whose name has the filter in it), and the selection
/// among those shown.
#[derive(Default)]
pub struct TableView {
    pub cursor: ListCursor,
    /// The filter box; `editing` while keys type into it.
    pub filter: TextArea<'static>,
    pub editing: bool,
    /// The indices, in the data's list, of the rows shown.
    rows: Vec<usize>,
    /// The ids of the rows shown: the selection follows its row's id when the list reorders
    /// (connections are ordered by when they were tested, and a refresh moves one to the top).
    ids: Vec<i64>,
    /// How many rows the data has.
    total: usize,
}

impl TableView {
    /// The filter as typed (trimmed); empty when there is none.
    pub fn filter_text(&self) -> String {
        self.filter.lines().join(" ").trim().to_owned()
    }

    pub fn is_filtered(&self) -> bool {
        !self.filter_text().is_empty()
    }

    /// Picks the rows to show from the data's (id, name) pairs (in the data's order) and keeps the
    /// selection within them; the selected row stays selected, by its id, when it is still shown.
    pub fn refresh<'a>(&mut self, items: impl Iterator<Item = (i64, &'a str)>) {
        let keep = self.ids.get(self.cursor.selected).copied();
        let needle = self.filter_text();
        self.rows.clear();
        self.ids.clear();
        self.total = 0;
        for (i, (id, name)) in items.enumerate() {
            self.total += 1;
            if needle.is_empty() || contains_ignoring_case(name, &needle) {
                self.rows.push(i);
                self.ids.push(id);
            }
        }
        if let Some(position) = keep.and_then(|id| self.ids.iter().position(|i| *i == id)) {
            self.cursor.selected = position;
        }
        self.cursor.clamp(self.rows.len());
    }

    /// The indices, in the data's list, of the rows shown.
    pub fn rows(&self) -> &[usize] {
        &self.rows
    }

    /// How many rows the data has, shown or not.
    pub fn total(&self) -> usize {
        self.total
    }

    /// The data index of the selected row.
    pub fn selected(&self) -> Option<usize> {
        self.rows.get(self.cursor.selected).copied()
    }

    /// Selects the row of data index `row`, if it is shown.
    pub fn select(&mut self, row: usize) {
        if let Some(position) = self.rows.iter().position(|r| *r == row) {
            self.cursor.selected = position;
        }
    }

    /// The keys of a table: moving, and opening the filter; false for any other action. The caller
    /// refreshes the rows when the filter changed (`Filter`, `Cancel`).
    pub fn navigate(&mut self, action: Action) -> bool {
        match action {
            Action::Filter => self.editing = true,
            _ => return self.cursor.navigate(action, self.rows.len()),
        }
        true
    }

    /// While the filter is edited: Enter keeps it, Esc drops it; the list keys still move.
    pub fn update_filter(&mut self, action: Action) -> bool {
        match action {
            Action::Submit => self.editing = false,
            Action::Cancel => self.clear_filter(),
            _ => return self.cursor.navigate(action, self.rows.len()),
        }
        true
    }

    pub fn clear_filter(&mut self) {
        self.filter = TextArea::default();
        self.editing = false;
    }

    /// A key typed into the filter; true when the filter changed.
    pub fn type_key(&mut self, key: KeyEvent) -> bool {
        self.editing && crate::app::text_box::type_into(&mut self.filter, key)
    }

    pub fn paste(&mut self, text: &str) -> bool {
        self.editing && {
            self.filter.insert_str(super::form::one_line(text));
            true
        }
    }
}

/// True when `haystack` has `needle` in it, ignoring case (without allocating for ASCII needles:
/// the filter runs over every row at each key).
pub fn contains_ignoring_case(haystack: &str, needle: &str) -> bool {
    if needle.is_ascii() {
        let (h, n) = (haystack.as_bytes(), needle.as_bytes());
        n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
    } else {
        haystack.to_lowercase().contains(&needle.to_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_ignores_case_and_keeps_the_selection() {
        let names = [(1, "GitHub"), (2, "Google"), (3, "Slack"), (4, "gitlab")];
        let mut view = TableView::default();
        view.refresh(names.iter().copied());
        view.cursor.selected = 3;
        view.filter.insert_str("GIT");
        view.refresh(names.iter().copied());
        assert_eq!(view.rows(), [0, 3]);
        assert_eq!(view.selected(), Some(3), "gitlab stays selected");
        assert_eq!(view.total(), 4);
        view.clear_filter();
        view.refresh(names.iter().copied());
        assert_eq!(view.rows().len(), 4);
        // Reordered (gitlab moved to the top), the selection follows it.
        let reordered = [(4, "gitlab"), (1, "GitHub"), (2, "Google"), (3, "Slack")];
        view.refresh(reordered.iter().copied());
        assert_eq!(view.selected(), Some(0), "gitlab, now first, stays selected");
        assert!(contains_ignoring_case("Zürich API", "zürich"));
    }

    #[test]
    fn pages_and_ends() {
        let mut cursor = ListCursor::default();
        cursor.window(10, 25);
        assert!(cursor.navigate(Action::ScrollDown, 25));
        assert_eq!(cursor.selected, 10);
        cursor.navigate(Action::Bottom, 25);
        assert_eq!(cursor.selected, 24);
        cursor.navigate(Action::ScrollDown, 25);
        assert_eq!(cursor.selected, 24);
        cursor.navigate(Action::Top, 25);
        assert_eq!(cursor.selected, 0);
        assert!(!cursor.navigate(Action::New, 25));
    }
}
