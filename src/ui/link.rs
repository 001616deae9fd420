//! OSC 8 hyperlinks over text already drawn: ratatui has no hyperlink of its own, so the cells of
//! the link are rewritten to carry the escape sequence, two at a time (the first cell prints both
//! characters inside the sequence, the second is skipped), as ratatui's hyperlink example does.
//! Terminals without OSC 8 show the text alone.

use std::num::NonZeroU16;

use ratatui::buffer::{Buffer, CellDiffOption};
use ratatui::layout::Rect;

/// Makes the cells of `area` (a row or rows holding `url` as plain text) one link to `url`.
pub fn mark(buffer: &mut Buffer, area: Rect, url: &str) {
    let url: String = url.chars().filter(|c| !c.is_control()).collect();
    for y in area.top()..area.bottom() {
        let mut x = area.left();
        while x < area.right() {
            let first = buffer[(x, y)].symbol().to_owned();
            if first.trim().is_empty() || first.contains('\x1b') {
                x += 1;
                continue;
            }
            let second = if x + 1 < area.right() { buffer[(x + 1, y)].symbol().to_owned() } else { String::new() };
            let both = !second.trim().is_empty() && !second.contains('\x1b');
            let pair = if both { format!("{first}{second}") } else { first.clone() };
            // The sequence is as wide on screen as the characters inside it, not as its text.
            let width = NonZeroU16::new(if both { 2 } else { 1 }).unwrap_or(NonZeroU16::MIN);
            buffer[(x, y)]
                .set_symbol(&crate::platform::osc8_link(&url, &pair))
                .set_diff_option(CellDiffOption::ForcedWidth(width));
            if both {
                buffer[(x + 1, y)].set_diff_option(CellDiffOption::Skip);
                x += 2;
            } else {
                x += 1;
            }
        }
    }
}
