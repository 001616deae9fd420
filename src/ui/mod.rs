//! Drawing only: reads the app's state and draws it. No I/O, no blocking, no state changes beyond
//! remembering scroll offsets.

mod form;
mod popups;
mod tabs;
mod test_pane;
pub mod theme;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::{App, Overlay, StatusKind, Tab};
use crate::keymap::{self, Context};

pub fn draw(frame: &mut Frame, app: &App) {
    let [header, body, status, footer] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1), Constraint::Length(1), Constraint::Length(1)])
            .areas(frame.area());
    draw_header(frame, header, app);
    match app.tab {
        Tab::Authorizations => tabs::draw_authorizations(frame, body, app),
        Tab::Endpoints => tabs::draw_endpoints(frame, body, app),
        Tab::Connections => tabs::draw_connections(frame, body, app),
    }
    for overlay in &app.overlays {
        match overlay {
            Overlay::Form(f) => form::draw(frame, body, app, f),
            Overlay::AppPicker { selected } => popups::draw_app_picker(frame, body, app, *selected),
            Overlay::KindChooser { selected } => popups::draw_kind_chooser(frame, body, *selected),
            Overlay::Confirm { message, .. } => popups::draw_confirm(frame, body, message),
            Overlay::Prompt(prompt) => popups::draw_prompt(frame, body, prompt),
            Overlay::Help { context } => popups::draw_help(frame, body, *context),
            Overlay::TestPane(pane) => test_pane::draw(frame, body, pane, app.env.can_open_browser),
        }
    }
    if let Some(s) = &app.status {
        let style = if s.kind == StatusKind::Error { theme::error() } else { theme::ok() };
        frame.render_widget(Paragraph::new(Line::styled(s.text.as_str(), style)), status);
    }
    draw_footer(frame, footer, app);
}

fn draw_header(frame: &mut Frame, area: Rect, app: &App) {
    let name = app.current_app().map(|a| a.name.as_str()).unwrap_or("(no app)");
    let mut spans = vec![Span::styled(format!(" authdeck · {name} "), theme::header()), Span::raw("  ")];
    for tab in Tab::ALL {
        let style = if tab == app.tab { theme::focused() } else { theme::dim() };
        spans.push(Span::styled(format!(" {} ", tab.title()), style));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The keys of the current screen, from the key table.
fn draw_footer(frame: &mut Frame, area: Rect, app: &App) {
    let context = app.context();
    let mut spans = Vec::new();
    for binding in keymap::bindings(context, true).filter(|b| app.available(b.action)) {
        spans.push(Span::styled(keymap::describe_keys(binding), theme::key()));
        spans.push(Span::raw(format!(" {}  ", binding.label)));
    }
    if context == Context::FormText {
        spans.push(Span::styled("type", theme::key()));
        spans.push(Span::raw(" to edit"));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// A rectangle of `width` × `height` centred in `area` (clipped to it).
pub(crate) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect { x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2, width, height }
}
