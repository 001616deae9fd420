//! Drawing only: reads the app's state and draws it. No I/O, no blocking, no state changes beyond
//! remembering scroll offsets.

mod form;
mod popups;
mod presets;
mod tabs;
mod test_pane;
pub mod theme;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::{App, Overlay, StatusKind, Tab};
use crate::keymap::{self, Action, Context};

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    // A long message takes up to three lines rather than being cut.
    let status_lines = app.status.as_ref().map_or(1, |s| wrapped_lines(&s.text, area.width).clamp(1, 3));
    let [header, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(status_lines),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_header(frame, header, app);
    match app.tabs.current {
        Tab::Authorizations => tabs::draw_authorizations(frame, body, app),
        Tab::Endpoints => tabs::draw_endpoints(frame, body, app),
        Tab::Connections => tabs::draw_connections(frame, body, app),
    }
    for overlay in &app.overlays {
        match overlay {
            Overlay::Form(f) => form::draw(frame, body, app, f),
            Overlay::AppPicker(picker) => popups::draw_app_picker(frame, body, app, picker.selected),
            Overlay::KindChooser(chooser) => popups::draw_kind_chooser(frame, body, chooser.selected),
            Overlay::PresetPicker(picker) => presets::draw_picker(frame, body, picker),
            Overlay::PresetNotes(notes) => presets::draw_notes(frame, body, app, notes),
            Overlay::Confirm(confirm) => popups::draw_confirm(frame, body, app, &confirm.message),
            Overlay::Prompt(prompt) => popups::draw_prompt(frame, body, app, prompt),
            Overlay::Help(help) => popups::draw_help(frame, body, app, help.context),
            Overlay::TestPane(pane) => test_pane::draw(frame, body, pane, app.env.can_open_browser),
        }
    }
    if app.data.is_slow() {
        let line = Line::styled("Waiting for the database (another authdeck may be writing to it)…", theme::focused());
        frame.render_widget(Paragraph::new(line).wrap(Wrap { trim: false }), status);
    } else if let Some(s) = &app.status {
        let style = if s.kind == StatusKind::Error { theme::error() } else { theme::ok() };
        frame.render_widget(Paragraph::new(Line::styled(s.text.as_str(), style)).wrap(Wrap { trim: false }), status);
    }
    draw_footer(frame, footer, app);
}

fn draw_header(frame: &mut Frame, area: Rect, app: &App) {
    let name = app.data.current_app().map(|a| a.name.as_str()).unwrap_or("(no app)");
    let mut spans = vec![Span::styled(format!(" authdeck · {name} "), theme::header()), Span::raw("  ")];
    for tab in Tab::ALL {
        let style = if tab == app.tabs.current { theme::focused() } else { theme::dim() };
        spans.push(Span::styled(format!(" {} ", tab.title()), style));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The keys of the current screen, from the key table; help first, so it shows on any width.
fn draw_footer(frame: &mut Frame, area: Rect, app: &App) {
    let context = app.context();
    let mut spans = key_hints(app, context);
    if context == Context::FormText {
        spans.push(Span::styled("type", theme::key()));
        spans.push(Span::raw(" to edit"));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// "key label" pairs of the bindings that apply now in `context`, help first.
pub(crate) fn key_hints(app: &App, context: Context) -> Vec<Span<'static>> {
    let mut bindings: Vec<_> = keymap::bindings(context, true).filter(|b| app.available(b.action)).collect();
    // Help, then the way out, come first: they matter most and survive a narrow terminal.
    bindings.sort_by_key(|b| match b.action {
        Action::Help => 0,
        Action::Cancel | Action::No => 1,
        _ => 2,
    });
    bindings
        .into_iter()
        .flat_map(|b| [Span::styled(keymap::describe_keys(b), theme::key()), Span::raw(format!(" {}  ", b.label))])
        .collect()
}

/// How many lines `text` takes when word-wrapped at `width`, as `Paragraph` wraps it.
pub(crate) fn wrapped_lines(text: &str, width: u16) -> u16 {
    let width = usize::from(width.max(1));
    let mut total = 0usize;
    for line in text.lines() {
        let (mut lines, mut used) = (1usize, 0usize);
        for word in line.split(' ') {
            let len = word.chars().count();
            let needed = if used == 0 { len } else { used + 1 + len };
            if needed <= width {
                used = needed;
            } else if len <= width {
                lines += 1;
                used = len;
            } else {
                // A word longer than the line is broken across lines.
                lines += (used + len).div_ceil(width).saturating_sub(1).max(1);
                used = (used + len) % width;
            }
        }
        total += lines;
    }
    total.clamp(1, usize::from(u16::MAX)) as u16
}

/// A rectangle of `width` × `height` centred in `area` (clipped to it).
pub(crate) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect { x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2, width, height }
}

#[cfg(test)]
mod tests {
    use super::wrapped_lines;

    #[test]
    fn wrapping_counts_words() {
        assert_eq!(wrapped_lines("short", 20), 1);
        assert_eq!(wrapped_lines("aaaa bbbb cccc", 9), 2);
        assert_eq!(wrapped_lines("aaaa bbbb cccc", 4), 3);
        assert_eq!(wrapped_lines("one\ntwo", 20), 2);
        assert!(wrapped_lines(&"x".repeat(50), 10) >= 5);
    }
}
