//! Popups drawn over the tabs: the app picker, the kind chooser, yes/no questions, prompts, help.
//! Their key hints come from the key table, like the footer's.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, List, ListItem, ListState, Paragraph, Wrap};

use super::theme::Theme;
use super::{View, centered, fit, key_hints};
use crate::app::overlay::{Confirm, Help, NEW_CHOICES, Prompt};
use crate::keymap::{self, Action, Context};
use crate::model::text::printable;

pub(crate) fn popup(frame: &mut Frame, area: Rect, theme: Theme, title: &str) -> Rect {
    frame.render_widget(Clear, area);
    let title = fit(title, usize::from(area.width.saturating_sub(4)));
    let block = Block::default().borders(Borders::ALL).title(Line::styled(format!(" {title} "), theme.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}

fn draw_list(frame: &mut Frame, area: Rect, theme: Theme, items: Vec<ListItem>, selected: usize) {
    let list = List::new(items).highlight_style(theme.selected()).highlight_symbol("▶ ");
    let mut state = ListState::default().with_selected(Some(selected));
    frame.render_stateful_widget(list, area, &mut state);
}

pub fn draw_app_picker(frame: &mut Frame, area: Rect, v: &View, selected: usize) {
    let apps = &v.app.data.apps;
    let height = (apps.len() as u16 + 2).min(area.height);
    let rect = centered(area, 60, height);
    let inner = popup(frame, rect, v.theme, "Apps");
    let items = apps
        .iter()
        .map(|a| {
            let current = if a.id == v.app.data.app_id { "  (current)" } else { "" };
            let name = fit(&a.name, usize::from(inner.width.saturating_sub(14)));
            ListItem::new(Line::from(vec![Span::raw(name), Span::styled(current, v.theme.dim())]))
        })
        .collect();
    draw_list(frame, inner, v.theme, items, selected);
}

pub fn draw_kind_chooser(frame: &mut Frame, area: Rect, v: &View, selected: usize) {
    let height = NEW_CHOICES.len() as u16 + 2;
    let inner = popup(frame, centered(area, 50, height), v.theme, "New authorization: choose its kind");
    let items = NEW_CHOICES
        .iter()
        .map(|choice| {
            let key = keymap::key_for(Context::KindChooser, choice.action());
            ListItem::new(Line::from(vec![Span::styled(format!("{key}  "), v.theme.key()), Span::raw(choice.label())]))
        })
        .collect();
    draw_list(frame, inner, v.theme, items, selected);
}

pub fn draw_confirm(frame: &mut Frame, area: Rect, v: &View, confirm: &Confirm) {
    // A long question (what discovery would change) gets the width its lines need, as the screen allows.
    let longest = confirm.message.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    let width = (longest as u16 + 2).clamp(72, 110).min(area.width);
    let rows: Vec<String> =
        confirm.message.lines().flat_map(|l| hanging(&printable(l), usize::from(width.saturating_sub(2)))).collect();
    // The question, a blank row, the keys; taller than the screen, the question scrolls.
    let height = (rows.len() as u16).saturating_add(4).min(area.height);
    let inner = popup(frame, centered(area, width, height), v.theme, &confirm.title);
    let room = inner.height.saturating_sub(2);
    let max_scroll = (rows.len() as u16).saturating_sub(room);
    confirm.max_scroll.set(max_scroll);
    let scroll = confirm.scroll.min(max_scroll);
    let text: Vec<Line> = rows.into_iter().skip(usize::from(scroll)).take(usize::from(room)).map(Line::raw).collect();
    let text_area = Rect { height: room, ..inner };
    frame.render_widget(Paragraph::new(text), text_area);
    if scroll < max_scroll {
        // On the blank row under the question, so it covers none of it.
        let with_blank = Rect { height: room + 1, ..inner };
        super::more_below(frame, with_blank, v.theme, &keymap::key_for(Context::Confirm, Action::Down));
    }
    frame.render_widget(
        Paragraph::new(Line::from(key_hints(v, Context::Confirm, inner.width))),
        Rect { y: inner.bottom().saturating_sub(1), height: 1, ..inner },
    );
}

/// `line` wrapped to `width`; an indented line's next rows go further in, under its text (a list
/// item stays one item).
fn hanging(line: &str, width: usize) -> Vec<String> {
    let lead = line.chars().take_while(|c| *c == ' ').count();
    if lead == 0 || lead + 12 > width {
        return super::wrap(line, width);
    }
    let body = &line[lead..];
    super::wrap(body, width - lead - 2)
        .into_iter()
        .enumerate()
        .map(|(i, row)| format!("{}{row}", " ".repeat(if i == 0 { lead } else { lead + 2 })))
        .collect()
}

pub fn draw_prompt(frame: &mut Frame, area: Rect, v: &View, prompt: &Prompt) {
    let inner = popup(frame, centered(area, 76, 8), v.theme, &prompt.title);
    frame.render_widget(
        Paragraph::new(Line::styled(prompt.help.as_str(), v.theme.dim())).wrap(Wrap { trim: false }),
        Rect { height: 2, ..inner },
    );
    frame.render_widget(&prompt.input, Rect { y: inner.y + 2, height: 1, ..inner });
    let note = match &prompt.error {
        Some(e) => Line::styled(format!("✗ {e}"), v.theme.error()),
        None => Line::from(key_hints(v, Context::Prompt, inner.width)),
    };
    let rest = Rect { y: inner.y + 3, height: inner.height.saturating_sub(3), ..inner };
    frame.render_widget(Paragraph::new(note).wrap(Wrap { trim: false }), rest);
}

/// Every key that works on the screen below, from the key table; a text box's own editing keys
/// where one has the focus. Scrolls when taller than the screen.
pub fn draw_help(frame: &mut Frame, area: Rect, v: &View, help: &Help) {
    let context = help.context;
    let bindings: Vec<_> = keymap::bindings(context, false).filter(|b| v.app.available_under_help(b.action)).collect();
    let key = |keys: String, label: &str| {
        Line::from(vec![Span::styled(format!("{keys:>22}  "), v.theme.key()), Span::raw(label.to_owned())])
    };
    let mut lines: Vec<Line> =
        bindings.iter().map(|b| key(keymap::describe_keys(b), v.app.hint_label(b.action, b.label, true))).collect();
    if keymap::edits_text(context) {
        lines.push(Line::raw(""));
        lines.push(Line::styled("In the text box:", v.theme.title()));
        lines.extend(keymap::TEXT_EDITING.iter().map(|(keys, label)| key((*keys).to_owned(), label)));
    }
    let close = keymap::key_for(Context::Help, Action::Cancel);
    let rect = centered(area, 72, (lines.len() as u16 + 4).min(area.height));
    let inner = popup(frame, rect, v.theme, "Keys on this screen");
    let text_height = inner.height.saturating_sub(2);
    help.height.set(text_height);
    help.lines.set(lines.len() as u16);
    let scroll = help.scroll.min((lines.len() as u16).saturating_sub(text_height));
    let more = lines.len() as u16 > text_height + scroll;
    frame.render_widget(Paragraph::new(lines).scroll((scroll, 0)), Rect { height: text_height, ..inner });
    let footer = if more || scroll > 0 {
        let (down, up) = (keymap::key_for(Context::Help, Action::Down), keymap::key_for(Context::Help, Action::Up));
        let where_ = if more { "more below" } else { "the end" };
        format!("{down}/{up} scroll ({where_}) · {close} closes this help.")
    } else {
        format!("{close} closes this help.")
    };
    frame.render_widget(
        Paragraph::new(Line::styled(footer, v.theme.dim())),
        Rect { y: inner.y + inner.height.saturating_sub(1), height: 1, ..inner },
    );
}
