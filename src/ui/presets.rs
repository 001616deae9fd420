//! The provider presets: the filterable list, and the notes shown once one was added.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::popups::popup;
use super::{View, centered, fit, key_hints, wrap};
use crate::app::overlay::{PresetNotes, PresetPicker};
use crate::keymap::Context;

/// The filter on top, the matching presets (title and summary), the chosen one's documentation at
/// the bottom (the keys are in the footer).
pub fn draw_picker(frame: &mut Frame, area: Rect, v: &View, picker: &PresetPicker) {
    let shown = picker.shown();
    let rect = centered(area, 100, (picker.presets.len() as u16).saturating_add(6));
    let inner = popup(frame, rect, v.theme, "New authorization from a provider preset");
    if inner.height < 4 || inner.width < 20 {
        return;
    }
    let count = format!("{} of {}", shown.len(), picker.presets.len());
    let label = "Filter: ";
    let filter_width = inner.width.saturating_sub(label.len() as u16 + count.len() as u16 + 2);
    frame.render_widget(Paragraph::new(Span::styled(label, v.theme.title())), Rect { height: 1, ..inner });
    frame.render_widget(
        &picker.filter,
        Rect { x: inner.x + label.len() as u16, y: inner.y, width: filter_width, height: 1 },
    );
    frame.render_widget(
        Paragraph::new(Span::styled(count.clone(), v.theme.dim())),
        Rect { x: inner.right().saturating_sub(count.len() as u16), y: inner.y, width: count.len() as u16, height: 1 },
    );

    // The list, between the filter (and a blank line) and the documentation line.
    let list = Rect { y: inner.y + 2, height: inner.height.saturating_sub(3), ..inner };
    let width = usize::from(list.width);
    if shown.is_empty() {
        let text = format!("No preset matches \"{}\".", crate::model::text::printable(&picker.filter_text()));
        frame.render_widget(Paragraph::new(Line::styled(text, v.theme.dim())), Rect { height: 1, ..list });
    } else {
        let title_width = picker.presets.iter().map(|p| p.title.chars().count()).max().unwrap_or(0).min(width * 2 / 5);
        let offset = picker.cursor.window(usize::from(list.height), shown.len());
        for (row, &index) in shown.iter().enumerate().skip(offset).take(usize::from(list.height)) {
            let p = &picker.presets[index];
            let selected = row == picker.cursor.selected;
            let marker = if selected { "▶ " } else { "  " };
            let text = format!("{marker}{:<title_width$}  {}", fit(&p.title, title_width), p.summary);
            let style = if selected { v.theme.selected() } else { ratatui::style::Style::new() };
            let y = list.y + (row - offset) as u16;
            frame.render_widget(Paragraph::new(Line::styled(fit(&text, width), style)), Rect { y, height: 1, ..list });
        }
    }

    let docs = picker.selected().and_then(|(_, p)| p.docs.first()).map(|d| format!("Docs: {d}")).unwrap_or_default();
    frame.render_widget(
        Paragraph::new(Line::styled(fit(&docs, width), v.theme.dim())),
        Rect { y: inner.bottom().saturating_sub(1), height: 1, ..inner },
    );
}

/// What was made and what to do at the provider, wrapped and scrollable.
pub fn draw_notes(frame: &mut Frame, area: Rect, v: &View, notes: &PresetNotes) {
    let width = 96.min(area.width);
    let text_width = usize::from(width.saturating_sub(2));
    let lines: Vec<Line> = notes.lines.iter().flat_map(|l| bullet(l, text_width)).map(Line::raw).collect();
    let text_height = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    let rect = centered(area, width, text_height.saturating_add(4));
    let inner = popup(frame, rect, v.theme, &notes.title);
    let window = inner.height.saturating_sub(2);
    notes.max_scroll.set(text_height.saturating_sub(window));
    frame.render_widget(
        Paragraph::new(lines).scroll((notes.scroll.min(notes.max_scroll.get()), 0)),
        Rect { height: window, ..inner },
    );
    frame.render_widget(
        Paragraph::new(Line::from(key_hints(v, Context::PresetNotes, inner.width))),
        Rect { y: inner.bottom().saturating_sub(1), height: 1, ..inner },
    );
}

/// A note wrapped to `width`; a bullet's (`• …`) next lines indented under its text.
fn bullet(text: &str, width: usize) -> Vec<String> {
    match text.strip_prefix("• ") {
        Some(rest) => wrap(rest, width.saturating_sub(2))
            .into_iter()
            .enumerate()
            .map(|(i, line)| format!("{}{line}", if i == 0 { "• " } else { "  " }))
            .collect(),
        None => wrap(text, width),
    }
}
