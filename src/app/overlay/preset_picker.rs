//! The provider presets (`n`, then "From a preset…"): a list filtered as you type; Enter opens the
//! chosen preset's questions.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui_textarea::TextArea;

use crate::app::data::Data;
use crate::app::form::{one_line, preset as preset_form};
use crate::app::list::ListCursor;
use crate::app::{Command, Overlay};
use crate::keymap::{Action, Context, key_for};
use crate::model::preset::{self, Preset};

pub struct PresetPicker {
    /// Every compiled-in preset, in the catalogue's order.
    pub presets: Vec<Preset>,
    pub filter: TextArea<'static>,
    /// The selection among the presets the filter shows.
    pub cursor: ListCursor,
}

impl PresetPicker {
    /// The list of every preset, nothing filtered yet. A preset that doesn't read is a bug of this
    /// build; the message names it.
    pub fn open() -> Result<PresetPicker, String> {
        let presets = preset::all()?;
        Ok(PresetPicker { presets, filter: filter_area(), cursor: ListCursor::default() })
    }

    pub fn filter_text(&self) -> String {
        self.filter.lines().join(" ")
    }

    /// The indexes of the presets the filter shows, in order.
    pub fn shown(&self) -> Vec<usize> {
        let filter = self.filter_text();
        self.presets.iter().enumerate().filter(|(_, p)| p.matches(&filter)).map(|(i, _)| i).collect()
    }

    /// The preset the selection is on, with its index in the catalogue.
    pub fn selected(&self) -> Option<(usize, &Preset)> {
        let index = *self.shown().get(self.cursor.selected)?;
        Some((index, &self.presets[index]))
    }

    pub fn update(&mut self, action: Action, _data: &Data) -> Vec<Command> {
        let len = self.shown().len();
        match action {
            Action::Up => self.cursor.step(-1, len),
            Action::Down => self.cursor.step(1, len),
            Action::Cancel if !self.filter_text().is_empty() => self.set_filter(""),
            Action::Cancel => return vec![Command::Pop],
            Action::Submit => {
                let Some((index, preset)) = self.selected() else {
                    return vec![Command::Error(format!(
                        "No preset matches \"{}\": Backspace widens the search, {} clears it.",
                        crate::model::text::printable(&self.filter_text()),
                        key_for(Context::PresetPicker, Action::Cancel)
                    ))];
                };
                let form = preset_form::form(preset, index);
                return vec![Command::Pop, Command::Push(Overlay::Form(Box::new(form)))];
            }
            _ => {}
        }
        Vec::new()
    }

    fn set_filter(&mut self, text: &str) {
        self.filter = filter_area();
        self.filter.insert_str(text);
        self.cursor.selected = 0;
    }

    /// A key no binding took: typed into the filter (the selection goes back to the first match).
    pub fn type_key(&mut self, key: KeyEvent) {
        // The filter is one line: no tabs or line breaks in it.
        if matches!(key.code, KeyCode::Tab | KeyCode::BackTab | KeyCode::Enter) {
            return;
        }
        if crate::app::text_box::type_into(&mut self.filter, key) {
            self.cursor.selected = 0;
        }
    }

    pub fn paste(&mut self, text: &str) {
        self.filter.insert_str(one_line(text));
        self.cursor.selected = 0;
    }
}

fn filter_area() -> TextArea<'static> {
    let mut area = TextArea::default();
    area.set_placeholder_text("type to filter by name or a word of the summary");
    area
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyModifiers;

    fn typed(picker: &mut PresetPicker, text: &str) {
        for c in text.chars() {
            picker.type_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
    }

    #[test]
    fn typing_filters_and_backspace_widens() {
        let mut picker = PresetPicker::open().unwrap();
        let all = picker.shown().len();
        assert_eq!(all, preset::names().count());
        typed(&mut picker, "slack");
        assert_eq!(picker.selected().map(|(_, p)| p.name.as_str()), Some("slack"));
        typed(&mut picker, "x");
        assert!(picker.shown().is_empty());
        assert!(picker.selected().is_none());
        picker.type_key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE));
        assert_eq!(picker.shown().len(), 1);
        picker.set_filter("");
        assert_eq!(picker.shown().len(), all);
        picker.paste("git\nlab");
        assert_eq!(picker.filter_text(), "git lab");
    }
}
