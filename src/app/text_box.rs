//! Typing into a text box: ratatui-textarea's editing keys, except that `Ctrl-U` deletes to the
//! start of the line as in readline, bash and most terminal programs (ratatui-textarea makes it
//! undo, which surprised everyone who tried it), and undo is `Ctrl-Z`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;

/// Types `key` into `area`; true when the text changed.
pub fn type_into(area: &mut TextArea<'_>, key: KeyEvent) -> bool {
    if key.modifiers == KeyModifiers::CONTROL {
        match key.code {
            KeyCode::Char('u') => return area.delete_line_by_head(),
            KeyCode::Char('z') => return area.undo(),
            _ => {}
        }
    }
    area.input(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctrl(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    #[test]
    fn ctrl_u_deletes_to_the_start_of_the_line_and_ctrl_z_undoes_it() {
        let mut area = TextArea::new(vec!["http://127.0.0.1:8976/callback".to_owned()]);
        area.move_cursor(ratatui_textarea::CursorMove::End);
        assert!(type_into(&mut area, ctrl('u')));
        assert_eq!(area.lines(), [""]);
        assert!(type_into(&mut area, ctrl('z')));
        assert_eq!(area.lines(), ["http://127.0.0.1:8976/callback"]);
        assert!(type_into(&mut area, KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE)));
        assert_eq!(area.lines(), ["http://127.0.0.1:8976/callbackx"]);
    }
}
