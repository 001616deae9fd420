//! The tabs: tables of the current app's authorizations and endpoints.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table};

use super::theme;
use crate::app::App;
use crate::app::list::ListCursor;
use crate::keymap::{Action, Context, key_for};

/// What a table shows besides its rows.
struct TableSpec<'a> {
    title: &'a str,
    header: Vec<&'a str>,
    widths: Vec<Constraint>,
    empty: &'a str,
}

/// Draws a table of `len` rows, building only the visible ones (the store may hold thousands).
fn draw_table<'a>(
    frame: &mut Frame,
    area: Rect,
    spec: TableSpec<'a>,
    len: usize,
    cursor: &ListCursor,
    row: impl Fn(usize) -> Row<'a>,
) {
    let TableSpec { title, header, widths, empty } = spec;
    let block =
        Block::default().borders(Borders::TOP).title(Line::styled(format!(" {title} ({len}) "), theme::title()));
    if len == 0 {
        frame.render_widget(Paragraph::new(Line::styled(empty, theme::dim())).block(block), area);
        return;
    }
    let visible = area.height.saturating_sub(2) as usize;
    let offset = cursor.window(visible);
    let rows = (offset..len.min(offset + visible)).map(|i| {
        let r = row(i);
        if i == cursor.selected { r.style(theme::selected()) } else { r }
    });
    let table = Table::new(rows, widths).header(Row::new(header).style(theme::title())).block(block).column_spacing(2);
    frame.render_widget(table, area);
}

pub fn draw_authorizations(frame: &mut Frame, area: Rect, app: &App) {
    let now = crate::model::time::now();
    let widths =
        vec![Constraint::Length(10), Constraint::Percentage(18), Constraint::Fill(1), Constraint::Percentage(20)];
    draw_table(
        frame,
        area,
        TableSpec {
            title: "Authorizations",
            header: vec!["Kind", "Name", "Summary", "Last test"],
            widths,
            empty: &format!(
                "No authorizations yet: press {} to create one.",
                key_for(Context::Authorizations, Action::New)
            ),
        },
        app.data.authorizations.len(),
        &app.tabs.authorizations.cursor,
        |i| {
            let a = &app.data.authorizations[i];
            let last = a.last_test.as_ref().map_or_else(|| "never tested".into(), |t| t.describe(now));
            Row::new(vec![a.kind().label().to_owned(), a.name.clone(), a.summary(), last])
        },
    );
}

pub fn draw_endpoints(frame: &mut Frame, area: Rect, app: &App) {
    let widths = vec![
        Constraint::Percentage(22),
        Constraint::Length(16),
        Constraint::Length(7),
        Constraint::Fill(1),
        Constraint::Length(8),
    ];
    draw_table(
        frame,
        area,
        TableSpec {
            title: "Endpoints",
            header: vec!["Name", "Purpose", "Method", "URL", "Used by"],
            widths,
            empty: &format!(
                "No endpoints yet: press {} to create one (or create them from an authorization's form).",
                key_for(Context::Endpoints, Action::New)
            ),
        },
        app.data.endpoints.len(),
        &app.tabs.endpoints.cursor,
        |i| {
            let e = &app.data.endpoints[i];
            let used = app.data.endpoint_users(e.id).len();
            Row::new(vec![
                e.name.clone(),
                e.purpose.label().to_owned(),
                e.method.as_str().to_owned(),
                e.url.clone(),
                used.to_string(),
            ])
        },
    );
}

pub fn draw_connections(frame: &mut Frame, area: Rect, app: &App) {
    let now = crate::model::time::now();
    let widths = vec![
        Constraint::Percentage(16),
        Constraint::Fill(2),
        Constraint::Fill(1),
        Constraint::Length(18),
        Constraint::Length(7),
        Constraint::Length(12),
        Constraint::Length(17),
    ];
    draw_table(
        frame,
        area,
        TableSpec {
            title: "Connections",
            header: vec!["Authorization", "Identity", "Scopes", "Expiry", "Refresh", "Tested", "State"],
            widths,
            empty: &format!(
                "No connections yet: test an OAuth 2.0 authorization ({} on the Authorizations tab).",
                key_for(Context::Authorizations, Action::Test)
            ),
        },
        app.data.connections.len(),
        &app.tabs.connections.cursor,
        |i| {
            let c = &app.data.connections[i];
            Row::new(vec![
                c.authorization_name.clone(),
                c.who(),
                c.tokens.scopes.clone(),
                crate::flow::describe_expiry(c.tokens.expires_at, now),
                if c.tokens.refresh_token.is_some() { "yes".into() } else { "no".into() },
                crate::model::time::parse_utc(&c.tested_at)
                    .map_or_else(|| c.tested_at.clone(), |at| crate::model::time::ago(at, now)),
                c.status.label().to_owned(),
            ])
            .style(match c.status {
                crate::flow::ConnectionStatus::Active => ratatui::style::Style::default(),
                crate::flow::ConnectionStatus::NeedsLogin => theme::error(),
                crate::flow::ConnectionStatus::Revoked => theme::dim(),
            })
        },
    );
}
