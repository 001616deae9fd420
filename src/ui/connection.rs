//! A saved connection in full: who, which scopes, until when, when it was tested, its refresh
//! token and the last failed refresh, its last `authdeck check` with what drifted, the values kept
//! from its run, its ID token's claims. The tokens themselves are never drawn.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::View;
use super::popups::popup;
use crate::app::overlay::ConnectionDetail;
use crate::flow::ConnectionStatus;
use crate::keymap::{Action, Context, key_for};
use crate::model::check::CheckResult;
use crate::model::fingerprint::Severity;
use crate::model::text::printable;

/// The width of the label column; values start after it.
const LABEL_WIDTH: u16 = 16;

pub fn draw(frame: &mut Frame, area: Rect, v: &View, detail: &ConnectionDetail) {
    frame.render_widget(Clear, area);
    let Some(c) = v.app.data.connection(detail.connection_id) else {
        let inner = popup(frame, area, v.theme, "Connection");
        let text = "This connection is gone (deleted here or by another authdeck on the same file).";
        frame.render_widget(Paragraph::new(Line::styled(text, v.theme.dim())), inner);
        return;
    };
    let title = format!("Connection of \"{}\"", printable(&c.authorization_name));
    let inner = popup(frame, area, v.theme, &title);
    // A value longer than its column goes on below, under itself (not under the labels).
    let value_width = usize::from(inner.width.saturating_sub(LABEL_WIDTH)).max(8);
    let field = |label: &str, value: String, style: Style| -> Vec<Line<'static>> {
        let rows = super::wrap(&value, value_width).into_iter().enumerate();
        rows.map(|(i, row)| {
            let width = usize::from(LABEL_WIDTH);
            let head = if i == 0 { format!("{label:<width$}") } else { " ".repeat(width) };
            Line::from(vec![Span::styled(head, v.theme.title()), Span::styled(row, style)])
        })
        .collect()
    };
    let plain = Style::new();
    let none = || "—".to_owned();
    let identity = &c.identity;
    let tested = crate::model::time::parse_utc(&c.tested_at).map_or_else(
        || c.tested_at.clone(),
        |at| format!("{} ({})", c.tested_at.replace('T', " "), crate::model::time::ago(at, v.unix)),
    );
    let status = match c.status {
        ConnectionStatus::Active => field("Status", "active".into(), v.theme.ok()),
        other => {
            let note =
                if c.status_note.is_empty() { String::new() } else { format!(": {}", printable(&c.status_note)) };
            field("Status", format!("{}{note}", other.label()), v.theme.error())
        }
    };
    let refresh = match (
        &c.tokens.refresh_token,
        crate::model::run::describe_refresh_expiry(c.tokens.refresh_expires_at, v.unix),
    ) {
        (None, _) => "no (the provider sent none)".to_owned(),
        (Some(_), None) => "yes".to_owned(),
        (Some(_), Some(expiry)) => format!("yes, {}", expiry.trim_start_matches("refresh token ")),
    };
    let mut lines: Vec<Line> = [
        status,
        field("User", printable(&c.who()).into_owned(), plain),
        field("User id", identity.id.as_deref().map_or_else(none, |s| printable(s).into_owned()), plain),
        field("Name", identity.name.as_deref().map_or_else(none, |s| printable(s).into_owned()), plain),
        field("Email", identity.email.as_deref().map_or_else(none, |s| printable(s).into_owned()), plain),
        vec![Line::raw("")],
        field(
            "Scopes",
            if c.tokens.scopes.is_empty() { none() } else { printable(&c.tokens.scopes).into_owned() },
            plain,
        ),
        field("Grant", c.grant.map_or_else(none, |g| g.label().to_owned()), plain),
        field("Token type", c.tokens.token_type.as_deref().map_or_else(none, |s| printable(s).into_owned()), plain),
        field(
            "Access token",
            if c.status == ConnectionStatus::Revoked {
                "revoked".to_owned()
            } else {
                crate::flow::describe_expiry(c.tokens.expires_at, v.unix)
            },
            plain,
        ),
        field("Refresh token", refresh, plain),
        field("Tested", tested, plain),
    ]
    .into_iter()
    .flatten()
    .collect();
    if c.tokens.dpop_key.is_some() {
        lines.extend(field("Bound", "to a DPoP key kept with it (RFC 9449)".into(), plain));
    }
    lines.extend(last_check(v, c.id));
    // A refused refresh already says so in the status; another failure is said here.
    if let Some(error) = c.refresh_error.as_ref().filter(|e| c.status_note != **e) {
        lines.push(Line::raw(""));
        lines.extend(field("Last refresh", format!("failed: {}", printable(error)), v.theme.error()));
    }
    if !c.kept.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::styled("Kept from the run (the next refresh starts from them):", v.theme.title()));
        for kept in &c.kept {
            lines.push(Line::raw(format!("  {} = {}", printable(&kept.name), printable(&kept.value))));
        }
    }
    if let Some(token) = &c.tokens.id_token {
        lines.push(Line::raw(""));
        match crate::flow::decoded_id_token(token.reveal()) {
            Ok(jwt) => {
                lines.push(Line::styled("ID token claims (checked when it was received):", v.theme.title()));
                let pretty = serde_json::to_string_pretty(&jwt.claims).unwrap_or_default();
                lines.extend(pretty.lines().map(|l| Line::raw(format!("  {}", printable(l)))));
            }
            Err(e) => {
                lines.extend(field("ID token", format!("kept, but unreadable: {}", printable(&e)), v.theme.error()))
            }
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "The tokens are kept in the database and never shown; copying one asks first.",
        v.theme.dim(),
    ));
    let total: u16 = lines
        .iter()
        .map(|l| super::wrapped_lines(&l.spans.iter().map(|s| s.content.as_ref()).collect::<String>(), inner.width))
        .sum();
    // With more than fits, the last row says so (and never covers a row of text).
    let room = if total > inner.height { inner.height.saturating_sub(1) } else { inner.height };
    let max_scroll = total.saturating_sub(room);
    detail.max_scroll.set(max_scroll);
    let scroll = detail.scroll.min(max_scroll);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).scroll((scroll, 0)),
        Rect { height: room, ..inner },
    );
    if scroll < max_scroll {
        super::more_below(frame, inner, v.theme, &key_for(Context::ConnectionDetail, Action::Down));
    }
}

/// The connection's last `authdeck check`: its result, when, its message, and each change the
/// provider made since the last good run (the diff), worst first.
fn last_check(v: &View, connection_id: i64) -> Vec<Line<'static>> {
    let label = |style: Style| Span::styled(format!("{:<16}", "Last check"), style);
    let Some(check) = v.app.data.last_check(connection_id) else {
        let none = "none yet (`authdeck check` runs one headless)";
        return vec![Line::from(vec![label(v.theme.title()), Span::styled(none, v.theme.dim())])];
    };
    let style = match check.result {
        Some(CheckResult::Pass) => v.theme.ok(),
        Some(CheckResult::Warn | CheckResult::Skip) => v.theme.warning(),
        _ => v.theme.error(),
    };
    let mut lines = vec![Line::from(vec![label(v.theme.title()), Span::styled(check.describe(v.unix), style)])];
    if !check.message.is_empty() {
        lines.push(Line::raw(format!("{:<16}{}", "", printable(&check.message))));
    }
    for drift in &check.drift {
        let style = if drift.severity == Severity::Failure { v.theme.error() } else { v.theme.warning() };
        lines.push(Line::styled(format!("  {}", printable(&drift.line())), style));
    }
    lines
}
