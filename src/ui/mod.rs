//! Drawing only: reads the app's state and draws it. No I/O, no blocking, no state changes beyond
//! remembering scroll offsets and page heights for the next key.

mod connection;
mod form;
mod history;
mod link;
mod popups;
mod presets;
mod tabs;
mod test_pane;
mod text;
pub mod theme;

use std::time::Instant;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::{App, Overlay, StatusKind, Tab};
use crate::keymap::{self, Action, Binding, Context};
use theme::Theme;

pub use text::{fit, fit_url, wrap};

/// What every drawing function reads: the app's state, the styles, and the time the frame shows.
pub struct View<'a> {
    pub app: &'a App,
    pub theme: Theme,
    /// The moment this frame shows (the app's clock).
    pub now: Instant,
    /// The same in Unix seconds, for "3 min ago".
    pub unix: i64,
}

pub fn draw(frame: &mut Frame, app: &App) {
    let v = View { app, theme: Theme::of(app), now: app.clock.now(), unix: app.clock.unix() };
    let area = frame.area();
    let status_text = status_text(&v);
    // A long message takes up to three lines rather than being cut.
    let status_lines = status_text.as_ref().map_or(1, |(s, _)| wrapped_lines(s, area.width).clamp(1, 3));
    let [header, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(status_lines),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_header(frame, header, &v);
    match app.tabs.current {
        Tab::Authorizations => tabs::draw_authorizations(frame, body, &v),
        Tab::Endpoints => tabs::draw_endpoints(frame, body, &v),
        Tab::Connections => tabs::draw_connections(frame, body, &v),
    }
    for overlay in &app.overlays {
        match overlay {
            Overlay::Form(f) => form::draw(frame, body, &v, f),
            Overlay::AppPicker(picker) => popups::draw_app_picker(frame, body, &v, picker.selected),
            Overlay::KindChooser(chooser) => popups::draw_kind_chooser(frame, body, &v, chooser.selected),
            Overlay::PresetPicker(picker) => presets::draw_picker(frame, body, &v, picker),
            Overlay::PresetNotes(notes) => presets::draw_notes(frame, body, &v, notes),
            Overlay::Confirm(confirm) => popups::draw_confirm(frame, body, &v, confirm),
            Overlay::Prompt(prompt) => popups::draw_prompt(frame, body, &v, prompt),
            Overlay::Help(help) => popups::draw_help(frame, body, &v, help),
            Overlay::TestPane(pane) => test_pane::draw(frame, body, &v, pane),
            Overlay::UrlView(view) => test_pane::draw_url_view(frame, body, &v, view),
            Overlay::RunHistory(history) => history::draw(frame, body, &v, history),
            Overlay::ConnectionDetail(detail) => connection::draw(frame, body, &v, detail),
        }
    }
    if let Some((text, style)) = status_text {
        frame.render_widget(Paragraph::new(Line::styled(text, style)).wrap(Wrap { trim: false }), status);
    }
    draw_footer(frame, footer, &v);
}

/// The message bar: the wait for the database, else the last message.
fn status_text(v: &View) -> Option<(String, ratatui::style::Style)> {
    if v.app.data.is_slow() {
        let text = "Waiting for the database (another authdeck may be writing to it)…";
        return Some((text.into(), v.theme.focused()));
    }
    v.app.status.as_ref().map(|s| {
        let style = if s.kind == StatusKind::Error { v.theme.error() } else { v.theme.ok() };
        (s.text.clone(), style)
    })
}

fn draw_header(frame: &mut Frame, area: Rect, v: &View) {
    let name = v.app.data.current_app().map(|a| crate::model::text::printable(&a.name).into_owned());
    let name = name.unwrap_or_else(|| "(no app)".into());
    let mut spans = vec![Span::styled(format!(" authdeck · {name} "), v.theme.header()), Span::raw("  ")];
    for tab in Tab::ALL {
        let style = if tab == v.app.tabs.current { v.theme.current_tab() } else { v.theme.dim() };
        spans.push(Span::styled(format!(" {} ", tab.title()), style));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The keys of the current screen, from the key table, as many as fit.
fn draw_footer(frame: &mut Frame, area: Rect, v: &View) {
    let hints = key_hints(v, v.app.context(), area.width);
    frame.render_widget(Paragraph::new(Line::from(hints)), area);
}

/// "key label" pairs of the bindings that work now in `context`, as many as fit in `width`: in the
/// key table's order (its priority), whole or not at all, then "? help" when all fit, or "? more"
/// when some had to be left out.
pub(crate) fn key_hints(v: &View, context: Context, width: u16) -> Vec<Span<'static>> {
    let bindings: Vec<&Binding> = keymap::bindings(context, true).filter(|b| v.app.available(b.action)).collect();
    let help = bindings.iter().find(|b| b.action == Action::Help).map(|b| keymap::describe_keys(b));
    let pieces: Vec<(String, &str)> = bindings
        .iter()
        .filter(|b| b.action != Action::Help)
        .map(|b| (keymap::describe_keys(b), v.app.hint_label(b.action, b.label, false)))
        .collect();
    // "key label" and the two spaces after it.
    let measure = |keys: &str, label: &str| keys.chars().count() + 1 + label.chars().count() + 2;
    let width = usize::from(width);
    let everything: usize =
        pieces.iter().map(|(k, l)| measure(k, l)).sum::<usize>() + help.as_ref().map_or(0, |k| measure(k, "help"));
    let (shown, last) = if everything <= width + 2 {
        (pieces.len(), "help")
    } else {
        let reserve = help.as_ref().map_or(0, |k| measure(k, "more"));
        let mut used = 0;
        let fit = pieces.iter().take_while(|(k, l)| {
            used += measure(k, l);
            used + reserve <= width + 2
        });
        (fit.count(), "more")
    };
    let mut spans = Vec::new();
    for (keys, label) in &pieces[..shown] {
        spans.push(Span::styled(keys.clone(), v.theme.key()));
        spans.push(Span::raw(format!(" {label}  ")));
    }
    if let Some(keys) = help {
        spans.push(Span::styled(keys, v.theme.key()));
        spans.push(Span::raw(format!(" {last}")));
    }
    spans
}

/// Says, on the last row of `area`, that there is more below and which key shows it.
pub(crate) fn more_below(frame: &mut Frame, area: Rect, theme: Theme, key: &str) {
    if area.height == 0 {
        return;
    }
    let text = format!(" ↓ more ({key}) ");
    let width = (text.chars().count() as u16).min(area.width);
    let at = Rect { x: area.right().saturating_sub(width), y: area.bottom() - 1, width, height: 1 };
    frame.render_widget(ratatui::widgets::Clear, at);
    frame.render_widget(Paragraph::new(Span::styled(text, theme.key())), at);
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
