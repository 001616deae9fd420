//! Drawing a form: one field per block (label, input, then its help or its problem), scrolled so the
//! focused field is visible; the endpoint list drawn over the form when open.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, List, ListItem, ListState, Paragraph, Wrap};

use super::{View, fit, wrapped_lines};
use crate::app::App;
use crate::app::PickerEntry;
use crate::app::form::{Field, FieldInput, FieldKey, Form};
use crate::model::authorization::{parse_scopes, query_params};
use crate::model::redact::MASK;
use crate::model::{ClientAuth, Grant, OAuth2Field};

/// Lines a field takes: its input, then its help or problem (wrapped to `width`), then extra lines.
fn field_height(v: &View, field: &Field, form: &Form, width: u16) -> u16 {
    let input = match &field.input {
        FieldInput::Text { area, multiline: true, .. } => (area.lines().len() as u16).clamp(3, 8),
        _ => 1,
    };
    let notes: u16 =
        notes(v, field, form).iter().map(|(n, _)| wrapped_lines(n, width.saturating_sub(LABEL_WIDTH))).sum();
    input + notes + extra_lines(field, form).len() as u16
}

/// The lines under a field: its problem when it has one (else its help), and a warning about
/// what was chosen.
fn notes(v: &View, field: &Field, form: &Form) -> Vec<(String, Style)> {
    let mut notes = vec![match form.error(field.key) {
        Some(message) => (format!("✗ {message}"), v.theme.error()),
        None => (field.help_text(crate::app::form::authorization::can_generate_key(form)), v.theme.dim()),
    }];
    if let Some(warning) = crate::app::form::warning(form, field, &v.app.data) {
        notes.push((format!("⚠ {warning}"), v.theme.warning()));
    }
    if let Some(warning) = security_warning(field, form, v.app) {
        notes.push((warning, v.theme.warning()));
    }
    notes
}

/// What RFC 9700 / RFC 8252 advise against in this field as it stands (a secret that would travel
/// over plain http, a public client without PKCE), shown under it while the user edits.
fn security_warning(field: &Field, form: &Form, app: &App) -> Option<String> {
    use crate::model::security::{self, EndpointRole};
    let FieldKey::OAuth2(key) = field.key else {
        let FieldInput::Endpoint { .. } = field.input else { return None };
        // An API-Key's or Basic's user information endpoint carries the credentials.
        let endpoint = app.data.endpoints.iter().find(|e| Some(e.id) == form.endpoint(field.key))?;
        return security::credentials_warnings(Some(endpoint), "the credentials").pop().map(|w| format!("⚠ {w}"));
    };
    let client_auth = ClientAuth::ALL[form.choice(OAuth2Field::ClientAuth).min(ClientAuth::ALL.len() - 1)];
    let code_grant = Grant::ALL[form.choice(OAuth2Field::Grant).min(Grant::ALL.len() - 1)] == Grant::AuthorizationCode;
    let role = match key {
        OAuth2Field::TokenEndpoint | OAuth2Field::RefreshEndpoint => Some(EndpointRole::Token),
        OAuth2Field::UserinfoEndpoint => Some(EndpointRole::UserInfo),
        OAuth2Field::DeviceEndpoint => Some(EndpointRole::DeviceAuthorization),
        OAuth2Field::RevocationEndpoint => Some(EndpointRole::Revocation),
        OAuth2Field::IntrospectionEndpoint => Some(EndpointRole::Introspection),
        _ => None,
    };
    let found = match (key, role) {
        (_, Some(role)) => {
            let endpoint = app.data.endpoints.iter().find(|e| Some(e.id) == form.endpoint(key))?;
            security::endpoint_warning(role, endpoint, client_auth)
        }
        (OAuth2Field::RedirectUri, _) if code_grant => security::redirect_warning(&form.text(key)),
        (OAuth2Field::Pkce, _) if code_grant => security::pkce_warning(client_auth, form.toggle(key)),
        _ => None,
    };
    found.map(|w| format!("⚠ {w}")).or_else(|| metadata_warning(key, form, app))
}

/// What in the form doesn't fit the issuer's metadata (read by the discovery key), beside the field
/// to change: the client authentication, the grant, PKCE, the scopes.
fn metadata_warning(key: OAuth2Field, form: &Form, app: &App) -> Option<String> {
    let metadata = form.metadata.as_deref()?;
    let check_names: &[&str] = match key {
        OAuth2Field::ClientAuth => &["client authentication"],
        OAuth2Field::Grant => &["grant type"],
        OAuth2Field::Pkce => &["PKCE"],
        OAuth2Field::Scopes => &["scopes", "openid scope"],
        _ => return None,
    };
    let config = crate::app::form::authorization::oauth2_config(form);
    let userinfo = config.userinfo_endpoint.and_then(|id| app.data.endpoint(id)).map(|e| e.url.clone());
    crate::model::discovery::metadata_checks(&config, metadata, userinfo.as_deref())
        .into_iter()
        .find(|c| !c.ok && check_names.contains(&c.name.as_str()))
        .map(|c| match c.detail {
            Some(detail) => format!("⚠ Issuer metadata: expected {}, found {} — {detail}", c.expected, c.actual),
            None => format!("⚠ Issuer metadata: expected {}, found {}", c.expected, c.actual),
        })
}

/// The width of the label column; inputs, help and problems start after it.
const LABEL_WIDTH: u16 = 28;

/// What the form shows under a field beyond its help, a row each (what, then the list, cut with
/// … to the width): the parameters found in the Authorization URI, the scopes as parsed.
fn extra_lines(field: &Field, form: &Form) -> Vec<(String, String)> {
    match field.key {
        FieldKey::OAuth2(OAuth2Field::AuthorizationUri) => {
            let params = query_params(&form.text(OAuth2Field::AuthorizationUri));
            if params.is_empty() {
                return Vec::new();
            }
            let list = params.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("  ");
            vec![("kept as typed: ".to_owned(), list)]
        }
        FieldKey::OAuth2(OAuth2Field::Scopes) => {
            let scopes = parse_scopes(&form.text(OAuth2Field::Scopes));
            if scopes.is_empty() {
                return Vec::new();
            }
            let text = format!("{} scope{}: ", scopes.len(), if scopes.len() == 1 { "" } else { "s" });
            vec![(text, scopes.join(" · "))]
        }
        _ => Vec::new(),
    }
}

pub fn draw(frame: &mut Frame, area: Rect, v: &View, form: &Form) {
    frame.render_widget(Clear, area);
    let title = fit(&form.title, usize::from(area.width.saturating_sub(4)));
    let block = Block::default().borders(Borders::ALL).title(Line::styled(format!(" {title} "), v.theme.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    // Scroll so the focused field is in view.
    let visible: Vec<(usize, &Field)> = form.fields.iter().enumerate().filter(|(_, f)| !f.hidden).collect();
    let heights: Vec<u16> = visible.iter().map(|(_, f)| field_height(v, f, form, inner.width)).collect();
    let focus_pos = visible.iter().position(|(i, _)| *i == form.focus).unwrap_or(0);
    let focus_pos = focus_pos.min(heights.len().saturating_sub(1));
    let focus_end: u16 = heights[..=focus_pos].iter().sum();
    // From a field's first row (never the tail of one cut off above, which would read as blank
    // rows), the first from which the focused field is in view.
    let needed = focus_end.saturating_sub(inner.height);
    let focus_top = focus_end - heights[focus_pos];
    let tops = heights[..focus_pos].iter().scan(0u16, |top, h| {
        let this = *top;
        *top += h;
        Some(this)
    });
    let scroll = tops.chain([focus_top]).find(|top| *top >= needed).unwrap_or(focus_top);

    let mut y = 0u16;
    let mut picker_anchor = None;
    for ((index, field), height) in visible.iter().zip(&heights) {
        let top = y;
        y += height;
        if top < scroll || y - scroll > inner.height {
            continue;
        }
        let rect = Rect { x: inner.x, y: inner.y + top - scroll, width: inner.width, height: *height };
        let focused = *index == form.focus;
        draw_field(frame, rect, v, form, field, focused);
        if focused && form.picker.is_some() {
            picker_anchor = Some(rect);
        }
    }
    if y > scroll + inner.height {
        let next = crate::keymap::key_for(crate::keymap::Context::FormText, crate::keymap::Action::NextField);
        let border =
            Rect { y: inner.y, height: area.height.saturating_sub(1), width: area.width.saturating_sub(1), ..area };
        super::more_below(frame, border, v.theme, &next);
    }
    if let (Some(anchor), Some(index)) = (picker_anchor, form.picker) {
        draw_picker(frame, area, anchor, v, form, index);
    }
}

fn draw_field(frame: &mut Frame, rect: Rect, v: &View, form: &Form, field: &Field, focused: bool) {
    let theme = v.theme;
    let marker = if focused { "▶ " } else { "  " };
    let label_style = if focused { theme.focused() } else { theme.title() };
    let mut row = rect.y;
    let label = if matches!(field.input, FieldInput::Button) { "" } else { field.label.as_ref() };
    frame.render_widget(Paragraph::new(Line::styled(format!("{marker}{label}"), label_style)), line(rect, row));
    let column = Rect { x: rect.x + LABEL_WIDTH, y: row, width: rect.width.saturating_sub(LABEL_WIDTH), height: 1 };
    match &field.input {
        FieldInput::Text { area, multiline, secret } => {
            let height = if *multiline { (area.lines().len() as u16).clamp(3, 8) } else { 1 };
            let input_rect = Rect { height, ..column };
            if focused {
                frame.render_widget(area, input_rect);
            } else {
                let width = usize::from(input_rect.width);
                let shown: Vec<Line> = area
                    .lines()
                    .iter()
                    .map(|l| {
                        if *secret && !form.revealed {
                            Line::raw(fit(&MASK.to_string().repeat(l.chars().count()), width))
                        } else {
                            Line::raw(fit(l, width))
                        }
                    })
                    .collect();
                let empty = shown.iter().all(|l| l.width() == 0);
                let text = if empty { vec![Line::styled("(empty)", theme.dim())] } else { shown };
                frame.render_widget(Paragraph::new(text), input_rect);
            }
            row += height;
        }
        FieldInput::Choice { options, selected } => {
            let value = options.get(*selected).copied().unwrap_or_default();
            let width = usize::from(column.width);
            let text =
                if focused { format!("◀ {} ▶", fit(value, width.saturating_sub(4))) } else { fit(value, width) };
            frame.render_widget(Paragraph::new(text), column);
            row += 1;
        }
        FieldInput::Toggle(on) => {
            let text = if *on { "[x] on" } else { "[ ] off" };
            frame.render_widget(Paragraph::new(text), column);
            row += 1;
        }
        FieldInput::Endpoint { selected, .. } => {
            let line = match selected.and_then(|id| v.app.data.endpoint_name(id)) {
                Some(name) => Line::raw(format!("{}  ▾", fit(name, usize::from(column.width.saturating_sub(3))))),
                None => Line::styled("(none chosen)  ▾", theme.dim()),
            };
            frame.render_widget(Paragraph::new(line), column);
            row += 1;
        }
        FieldInput::Button => {
            let style = if focused { theme.selected() } else { theme.title() };
            frame.render_widget(Paragraph::new(Line::styled(format!("[ {} ]", field.label), style)), column);
            row += 1;
        }
    }
    for (text, style) in notes(v, field, form) {
        let height = wrapped_lines(&text, column.width);
        frame.render_widget(
            Paragraph::new(Line::styled(text, style)).wrap(Wrap { trim: false }),
            Rect { y: row, height, ..column },
        );
        row += height;
    }
    for (what, list) in extra_lines(field, form) {
        let room = usize::from(column.width).saturating_sub(what.chars().count());
        let extra = Line::from(vec![Span::styled(what, theme.dim()), Span::raw(fit(&list, room))]);
        frame.render_widget(Paragraph::new(extra), Rect { y: row, ..column });
        row += 1;
    }
}

fn line(rect: Rect, y: u16) -> Rect {
    Rect { x: rect.x, y, width: rect.width, height: 1 }
}

fn draw_picker(frame: &mut Frame, bounds: Rect, anchor: Rect, v: &View, form: &Form, index: usize) {
    let theme = v.theme;
    let FieldInput::Endpoint { purpose, .. } = form.focused().input else { return };
    let entries = form.endpoint_entries(purpose, &v.app.data);
    let width = bounds.width.saturating_sub(8).min(80);
    let items: Vec<ListItem> = entries
        .iter()
        .map(|e| match e {
            PickerEntry::None => ListItem::new(Line::styled("(none)", theme.dim())),
            PickerEntry::Endpoint(id) => {
                let e = v.app.data.endpoint(*id);
                let text = e
                    .map(|e| format!("{}  ({}, {} {})", e.name, e.purpose.label(), e.method, e.url))
                    .unwrap_or_default();
                ListItem::new(fit(&text, usize::from(width.saturating_sub(4))))
            }
            PickerEntry::Create => ListItem::new(Line::styled("+ Create a new endpoint", theme.key())),
        })
        .collect();
    let height = (items.len() as u16 + 2).min(bounds.height);
    let y = (anchor.y + 1).min(bounds.bottom().saturating_sub(height));
    let x = (anchor.x + LABEL_WIDTH).min(bounds.right().saturating_sub(width));
    let rect = Rect { x, y, width, height };
    frame.render_widget(Clear, rect);
    let list = List::new(items)
        .block(Block::default().borders(Borders::ALL).title(" Choose an endpoint "))
        .highlight_style(theme.selected())
        .highlight_symbol("▶ ");
    let mut state = ListState::default().with_selected(Some(index));
    frame.render_stateful_widget(list, rect, &mut state);
}
