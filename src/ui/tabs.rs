//! The tabs: tables of the current app's authorizations, endpoints and connections, with the
//! position of the selection, the filter when there is one, and cells cut with "…" where they
//! don't fit.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, Wrap};

use super::{View, fit, fit_url};
use crate::app::Tab;
use crate::app::list::TableView;
use crate::flow::ConnectionStatus;
use crate::keymap::{Action, Context, key_for};
use crate::model::check::CheckResult;

/// What a table shows besides its rows.
struct TableSpec<'a> {
    title: &'a str,
    header: Vec<&'a str>,
    widths: Vec<Constraint>,
    empty: String,
}

const SPACING: u16 = 2;

/// Draws a table of the rows `view` shows, building only the visible ones (the store may hold
/// thousands); `cells` gives a row's cells for the column widths.
fn draw_table(
    frame: &mut Frame,
    area: Rect,
    v: &View,
    spec: TableSpec,
    view: &TableView,
    cells: impl Fn(usize, &[u16]) -> Vec<String>,
) {
    let TableSpec { title, header, widths, empty } = spec;
    let rows = view.rows();
    let position = match (rows.len(), view.is_filtered()) {
        (0, false) => String::new(),
        (0, true) => format!("0 of {}", view.total()),
        (n, false) => format!("{}/{n}", view.cursor.selected + 1),
        (n, true) => format!("{}/{n} of {}", view.cursor.selected + 1, view.total()),
    };
    let heading = if position.is_empty() { format!(" {title} ") } else { format!(" {title} {position} ") };
    let block = Block::default().borders(Borders::TOP).title(Line::styled(heading, v.theme.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let area = if view.editing || view.is_filtered() {
        let [filter, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
        draw_filter(frame, filter, v, view);
        rest
    } else {
        inner
    };
    if rows.is_empty() {
        let text = if view.is_filtered() { "No name has that in it.".to_owned() } else { empty };
        frame.render_widget(Paragraph::new(Line::styled(text, v.theme.dim())).wrap(Wrap { trim: false }), area);
        return;
    }
    // The columns' widths, computed once, so each cell is cut to its own with "…".
    let columns: Vec<u16> =
        Layout::horizontal(widths).spacing(SPACING).split(Rect { height: 1, ..area }).iter().map(|r| r.width).collect();
    let visible = area.height.saturating_sub(1) as usize;
    let offset = view.cursor.window(visible, rows.len());
    let shown = (offset..rows.len().min(offset + visible)).map(|i| {
        let texts = cells(rows[i], &columns);
        let row = Row::new(texts.into_iter().zip(&columns).map(|(t, w)| fit(&t, usize::from(*w))));
        if i == view.cursor.selected { row.style(v.theme.selected()) } else { row }
    });
    let header = Row::new(header.into_iter().zip(&columns).map(|(h, w)| fit(h, usize::from(*w))));
    let table = Table::new(shown, columns.iter().map(|w| Constraint::Length(*w)))
        .header(header.style(v.theme.title()))
        .column_spacing(SPACING);
    frame.render_widget(table, area);
}

/// The filter line: what is typed (with the cursor while typing), and how to keep or drop it.
fn draw_filter(frame: &mut Frame, area: Rect, v: &View, view: &TableView) {
    let [label, input, hint] =
        Layout::horizontal([Constraint::Length(2), Constraint::Length(30), Constraint::Min(0)]).areas(area);
    frame.render_widget(Paragraph::new(Span::styled("/ ", v.theme.key())), label);
    let hint_text = if view.editing {
        format!(
            "{} keeps it, {} clears it",
            key_for(Context::Filter, Action::Submit),
            key_for(Context::Filter, Action::Cancel)
        )
    } else {
        format!("{} clears the filter", key_for(Context::Authorizations, Action::Cancel))
    };
    if view.editing {
        frame.render_widget(&view.filter, input);
    } else {
        frame.render_widget(Paragraph::new(fit(&view.filter_text(), usize::from(input.width))), input);
    }
    frame.render_widget(Paragraph::new(Line::styled(format!(" {hint_text}"), v.theme.dim())), hint);
}

pub fn draw_authorizations(frame: &mut Frame, area: Rect, v: &View) {
    let data = &v.app.data;
    let widths = vec![Constraint::Length(9), Constraint::Fill(2), Constraint::Fill(3), Constraint::Percentage(20)];
    let spec = TableSpec {
        title: Tab::Authorizations.title(),
        header: vec!["Kind", "Name", "Summary", "Last test"],
        widths,
        empty: format!("No authorizations yet: press {} to create one.", key_for(Context::Authorizations, Action::New)),
    };
    draw_table(frame, area, v, spec, &v.app.tabs.authorizations.view, |i, _| {
        let a = &data.authorizations[i];
        let last = a.last_test.as_ref().map_or_else(|| "never tested".into(), |t| t.describe(v.unix));
        vec![a.kind().label().to_owned(), a.name.clone(), a.summary(), last]
    });
}

pub fn draw_endpoints(frame: &mut Frame, area: Rect, v: &View) {
    let data = &v.app.data;
    let widths = vec![
        Constraint::Percentage(22),
        Constraint::Length(16),
        Constraint::Length(6),
        Constraint::Fill(1),
        Constraint::Length(7),
    ];
    let spec = TableSpec {
        title: Tab::Endpoints.title(),
        header: vec!["Name", "Purpose", "Method", "URL", "Used by"],
        widths,
        empty: format!(
            "No endpoints yet: press {} to create one (or create them from an authorization's form).",
            key_for(Context::Endpoints, Action::New)
        ),
    };
    draw_table(frame, area, v, spec, &v.app.tabs.endpoints.view, |i, columns| {
        let e = &data.endpoints[i];
        // The URL is cut in its middle, so two endpoints of one host still differ on screen.
        let url_width = usize::from(columns.get(3).copied().unwrap_or(0));
        vec![
            e.name.clone(),
            e.purpose.label().to_owned(),
            e.method.as_str().to_owned(),
            fit_url(&e.url, url_width),
            data.endpoint_users(e.id).len().to_string(),
        ]
    });
}

pub fn draw_connections(frame: &mut Frame, area: Rect, v: &View) {
    let data = &v.app.data;
    // A narrow terminal leaves the scopes and the last check to the connection's detail (Enter),
    // so the identity fits.
    let wide = area.width >= 100;
    let mut header = vec!["Authorization", "Identity", "Scopes", "Expiry", "Refresh", "Tested", "State", "Check"];
    let mut widths = vec![
        Constraint::Percentage(18),
        // The identity before the scopes (the detail has them whole).
        Constraint::Fill(3),
        Constraint::Fill(1),
        Constraint::Length(18),
        Constraint::Length(7),
        Constraint::Length(11),
        Constraint::Length(7),
        Constraint::Length(7),
    ];
    if !wide {
        header.truncate(7);
        widths.truncate(7);
        header.remove(2);
        widths.remove(2);
    }
    let spec = TableSpec {
        title: Tab::Connections.title(),
        header,
        widths,
        empty: format!(
            "No connections yet: test an OAuth 2.0 authorization ({} on the Authorizations tab).",
            key_for(Context::Authorizations, Action::Test)
        ),
    };
    draw_table(frame, area, v, spec, &v.app.tabs.connections.view, |i, _| {
        let c = &data.connections[i];
        let refresh = match (&c.refresh_error, c.tokens.refresh_token.is_some()) {
            (Some(_), _) => "failed",
            (None, true) => "yes",
            (None, false) => "no",
        };
        let state = match c.status {
            ConnectionStatus::Active => "active",
            ConnectionStatus::NeedsLogin => "login",
            ConnectionStatus::Revoked => "revoked",
        };
        let mut cells = vec![
            c.authorization_name.clone(),
            c.who(),
            c.tokens.scopes.clone(),
            // A revoked token's expiry means nothing any more.
            if c.status == ConnectionStatus::Revoked {
                "—".to_owned()
            } else {
                crate::flow::describe_expiry(c.tokens.expires_at, v.unix)
            },
            refresh.into(),
            crate::model::time::parse_utc(&c.tested_at)
                .map_or_else(|| c.tested_at.clone(), |at| crate::model::time::ago(at, v.unix)),
            state.into(),
        ];
        if wide {
            // The result of the last `authdeck check`; its drift is in the detail.
            let check = data.last_check(c.id).and_then(|check| check.result);
            cells.push(
                match check {
                    None => "—",
                    Some(CheckResult::NeedsLogin) => "login",
                    Some(result) => result.word(),
                }
                .into(),
            );
        } else {
            cells.remove(2);
        }
        cells
    });
}
