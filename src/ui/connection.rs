//! A saved connection in full: who, which scopes, until when, when it was tested, its refresh
//! token and the last failed refresh. The tokens themselves are never drawn.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::View;
use super::popups::popup;
use crate::app::overlay::ConnectionDetail;
use crate::flow::ConnectionStatus;
use crate::model::text::printable;

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
    let field = |label: &str, value: String, style: Style| {
        Line::from(vec![Span::styled(format!("{label:<16}"), v.theme.title()), Span::styled(value, style)])
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
    let mut lines = vec![
        status,
        field("User", printable(&c.who()).into_owned(), plain),
        field("User id", identity.id.as_deref().map_or_else(none, |s| printable(s).into_owned()), plain),
        field("Name", identity.name.as_deref().map_or_else(none, |s| printable(s).into_owned()), plain),
        field("Email", identity.email.as_deref().map_or_else(none, |s| printable(s).into_owned()), plain),
        Line::raw(""),
        field(
            "Scopes",
            if c.tokens.scopes.is_empty() { none() } else { printable(&c.tokens.scopes).into_owned() },
            plain,
        ),
        field("Token type", c.tokens.token_type.as_deref().map_or_else(none, |s| printable(s).into_owned()), plain),
        field("Access token", crate::flow::describe_expiry(c.tokens.expires_at, v.unix), plain),
        field(
            "Refresh token",
            if c.tokens.refresh_token.is_some() { "yes".into() } else { "no (the provider sent none)".into() },
            plain,
        ),
        field("Tested", tested, plain),
    ];
    // A refused refresh already says so in the status; another failure is said here.
    if let Some(error) = c.refresh_error.as_ref().filter(|e| c.status_note != **e) {
        lines.push(Line::raw(""));
        lines.push(field("Last refresh", format!("failed: {}", printable(error)), v.theme.error()));
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
                lines.push(field("ID token", format!("kept, but unreadable: {}", printable(&e)), v.theme.error()))
            }
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "The tokens are kept in the database and never shown; copying one asks first.",
        v.theme.dim(),
    ));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).scroll((detail.scroll, 0)), inner);
}
