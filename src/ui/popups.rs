//! Popups drawn over the tabs: the app picker, the kind chooser, yes/no questions, prompts, help.
//! Their key hints come from the key table, like the footer's.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, List, ListItem, ListState, Paragraph, Wrap};

use super::{centered, key_hints, theme, wrapped_lines};
use crate::app::App;
use crate::app::overlay::{NEW_CHOICES, Prompt};
use crate::keymap::{self, Action, Context};

fn popup(frame: &mut Frame, area: Rect, title: &str) -> Rect {
    frame.render_widget(Clear, area);
    let block = Block::default().borders(Borders::ALL).title(Line::styled(format!(" {title} "), theme::title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}

fn draw_list(frame: &mut Frame, area: Rect, items: Vec<ListItem>, selected: usize) {
    let list = List::new(items).highlight_style(theme::selected()).highlight_symbol("▶ ");
    let mut state = ListState::default().with_selected(Some(selected));
    frame.render_stateful_widget(list, area, &mut state);
}

pub fn draw_app_picker(frame: &mut Frame, area: Rect, app: &App, selected: usize) {
    let height = (app.data.apps.len() as u16 + 2).min(area.height);
    let inner = popup(frame, centered(area, 60, height), "Apps");
    let items = app
        .data
        .apps
        .iter()
        .map(|a| {
            let current = if a.id == app.data.app_id { "  (current)" } else { "" };
            ListItem::new(Line::from(vec![Span::raw(a.name.clone()), Span::styled(current, theme::dim())]))
        })
        .collect();
    draw_list(frame, inner, items, selected);
}

pub fn draw_kind_chooser(frame: &mut Frame, area: Rect, selected: usize) {
    let height = NEW_CHOICES.len() as u16 + 2;
    let inner = popup(frame, centered(area, 50, height), "New authorization: choose its kind");
    let items = NEW_CHOICES
        .iter()
        .map(|choice| {
            let key = keymap::bindings(Context::KindChooser, false)
                .find(|b| b.action == choice.action())
                .map(keymap::describe_keys)
                .unwrap_or_default();
            ListItem::new(Line::from(vec![Span::styled(format!("{key}  "), theme::key()), Span::raw(choice.label())]))
        })
        .collect();
    draw_list(frame, inner, items, selected);
}

pub fn draw_confirm(frame: &mut Frame, area: Rect, app: &App, message: &str) {
    // A long question (what discovery would change) gets the width its lines need, as the screen allows.
    let longest = message.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    let width = (longest as u16 + 2).clamp(64, 110).min(area.width);
    let height = wrapped_lines(message, width.saturating_sub(2)) + 4;
    let inner = popup(frame, centered(area, width, height), "Are you sure?");
    let mut text: Vec<Line> = message.lines().map(|l| Line::raw(l.to_owned())).collect();
    text.extend([Line::raw(""), Line::from(key_hints(app, Context::Confirm))]);
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), inner);
}

pub fn draw_prompt(frame: &mut Frame, area: Rect, app: &App, prompt: &Prompt) {
    let inner = popup(frame, centered(area, 76, 8), &prompt.title);
    frame.render_widget(
        Paragraph::new(Line::styled(prompt.help.as_str(), theme::dim())).wrap(Wrap { trim: false }),
        Rect { height: 2, ..inner },
    );
    frame.render_widget(&prompt.input, Rect { y: inner.y + 2, height: 1, ..inner });
    let note = match &prompt.error {
        Some(e) => Line::styled(format!("✗ {e}"), theme::error()),
        None => Line::from(key_hints(app, Context::Prompt)),
    };
    frame.render_widget(Paragraph::new(note).wrap(Wrap { trim: false }), Rect { y: inner.y + 3, height: 3, ..inner });
}

/// Every key that works on the screen below, from the key table.
pub fn draw_help(frame: &mut Frame, area: Rect, app: &App, context: Context) {
    let bindings: Vec<_> = keymap::bindings(context, false).filter(|b| app.available(b.action)).collect();
    let height = (bindings.len() as u16 + 4).min(area.height);
    let inner = popup(frame, centered(area, 64, height), "Keys on this screen");
    let mut lines: Vec<Line> = bindings
        .iter()
        .map(|b| {
            Line::from(vec![
                Span::styled(format!("{:>16}  ", keymap::describe_keys(b)), theme::key()),
                Span::raw(b.label),
            ])
        })
        .collect();
    lines.push(Line::raw(""));
    let close = keymap::key_for(Context::Help, Action::Cancel);
    lines.push(Line::styled(format!("{close} closes this help."), theme::dim()));
    frame.render_widget(Paragraph::new(lines), inner);
}
