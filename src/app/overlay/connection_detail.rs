//! A saved connection in full: identity, scopes, expiry, when it was tested, the last failed
//! refresh, the last `authdeck check` and its drift; keys to copy the access token or a ready curl
//! command (each asks first: they are secrets), to refresh, revoke (asks first), introspect, run
//! the refresh lab (force expiry, rotation test; the reuse test and the lifetime probe ask first)
//! and delete.

use std::cell::Cell;

use super::Confirm;
use crate::app::data::{Deleted, Done, Job, Outcome};
use crate::app::{Command, Ctx, Overlay, report};
use crate::flow::{Connection, ConnectionStatus, Lab};
use crate::keymap::Action;
use crate::model::AuthConfig;
use crate::model::text::printable;
use crate::platform::Effect;

pub struct ConnectionDetail {
    pub connection_id: i64,
    /// How far the detail is scrolled down, in lines.
    pub scroll: u16,
    /// How far it can be scrolled, as last drawn (its wrapped lines less the rows shown).
    pub max_scroll: Cell<u16>,
}

/// What copying a secret to the clipboard risks, said before it is done.
const SECRET_WARNING: &str =
    "It is a secret: whatever can read your clipboard (or your terminal's history of it) can use it until it expires.";

impl ConnectionDetail {
    pub fn new(connection_id: i64) -> ConnectionDetail {
        ConnectionDetail { connection_id, scroll: 0, max_scroll: Cell::new(u16::MAX) }
    }

    pub fn available(&self, action: Action, ctx: &Ctx) -> bool {
        let connection = ctx.data.connection(self.connection_id);
        match action {
            // A revoked token is of no use to anyone: nothing to copy.
            Action::Copy => connection
                .is_some_and(|c| c.status != ConnectionStatus::Revoked && !c.tokens.access_token.reveal().is_empty()),
            Action::CopyCurl => {
                connection.is_some_and(|c| c.status != ConnectionStatus::Revoked && curl(c, ctx).is_some())
            }
            Action::Refresh => {
                connection.is_some_and(|c| c.tokens.refresh_token.is_some() && c.status != ConnectionStatus::Revoked)
            }
            Action::Revoke | Action::Introspect => connection.is_some_and(|c| c.status != ConnectionStatus::Revoked),
            Action::Delete => connection.is_some(),
            Action::ForceExpiry | Action::RotationTest | Action::ReuseTest | Action::LifetimeProbe => {
                connection.is_some_and(|c| lab_available(action, c))
            }
            _ => true,
        }
    }

    pub fn update(&mut self, action: Action, ctx: &Ctx) -> Vec<Command> {
        let Some(connection) = ctx.data.connection(self.connection_id) else {
            return match action {
                Action::Cancel => vec![Command::Pop],
                _ => Vec::new(),
            };
        };
        match action {
            Action::Down => self.scroll = self.scroll.saturating_add(1).min(self.max_scroll.get()),
            Action::Up => self.scroll = self.scroll.saturating_sub(1),
            Action::Cancel => return vec![Command::Pop],
            Action::Copy => {
                let token = connection.tokens.access_token.reveal().clone();
                let message = format!(
                    "Copy the access token of \"{}\" to your clipboard?\n\n{SECRET_WARNING}",
                    printable(&connection.authorization_name)
                );
                let on_yes = vec![
                    Command::Effect(Effect::CopyToClipboard(token)),
                    Command::Info(format!(
                        "Sent the access token to your terminal's clipboard (OSC 52). {}",
                        ctx.env.clipboard_advice()
                    )),
                ];
                return vec![Command::Push(Overlay::Confirm(Confirm::new(message, on_yes).titled("Copy a secret")))];
            }
            Action::CopyCurl => {
                return match curl(connection, ctx) {
                    Some(Ok(command)) => {
                        let message = format!(
                            "Copy a curl command that calls the user information endpoint with the access token?\n\nIt holds the token. {SECRET_WARNING}"
                        );
                        let on_yes = vec![
                            Command::Effect(Effect::CopyToClipboard(command)),
                            Command::Info(format!(
                                "Sent the curl command to your terminal's clipboard (OSC 52). {}",
                                ctx.env.clipboard_advice()
                            )),
                        ];
                        vec![Command::Push(Overlay::Confirm(Confirm::new(message, on_yes).titled("Copy a secret")))]
                    }
                    Some(Err(problem)) => vec![Command::Error(problem)],
                    None => Vec::new(),
                };
            }
            Action::Refresh => return vec![Command::Refresh { connection_id: connection.id }],
            Action::ForceExpiry | Action::RotationTest | Action::ReuseTest | Action::LifetimeProbe => {
                return lab_commands(action, connection);
            }
            Action::Introspect => return vec![Command::Introspect { connection_id: connection.id }],
            Action::Revoke => {
                let message = format!(
                    "Revoke the tokens of \"{}\" as {}?\n\nThe provider forgets them (the refresh token first): the connection stays, marked revoked, until a new test.",
                    printable(&connection.authorization_name),
                    printable(&connection.who())
                );
                let on_yes = vec![Command::Revoke { connection_id: connection.id }];
                return vec![Command::Push(Overlay::Confirm(Confirm::new(message, on_yes).titled("Revoke")))];
            }
            Action::Delete => {
                let message = format!(
                    "Delete the saved connection of \"{}\" as {}? Its tokens are forgotten.",
                    printable(&connection.authorization_name),
                    printable(&connection.identity.display())
                );
                let on_yes = vec![Command::Store(Job::DeleteConnection(connection.id))];
                return vec![Command::Push(Overlay::Confirm(Confirm::new(message, on_yes)))];
            }
            _ => {}
        }
        Vec::new()
    }

    pub fn stored(&mut self, outcome: Outcome) -> Vec<Command> {
        match outcome {
            Ok(Done::Deleted(Deleted::Connection)) => {
                let mut commands = vec![Command::Pop];
                commands.extend(report(outcome));
                commands
            }
            other => report(other),
        }
    }
}

/// Whether the refresh lab's `action` can run on `connection`: the refresh path needs a refresh
/// token, the probe a token the provider still honours; nothing on a revoked one.
pub fn lab_available(action: Action, connection: &Connection) -> bool {
    match action {
        Action::ForceExpiry | Action::RotationTest | Action::ReuseTest => {
            connection.tokens.refresh_token.is_some() && connection.status == ConnectionStatus::Active
        }
        Action::LifetimeProbe => connection.status == ConnectionStatus::Active,
        _ => false,
    }
}

/// The refresh lab's `action` on `connection`: the reuse test and the lifetime probe ask first
/// (the one may cost the grant, the other calls the provider for up to 90 minutes).
pub fn lab_commands(action: Action, connection: &Connection) -> Vec<Command> {
    let connection_id = connection.id;
    let (lab, question) = match action {
        Action::ForceExpiry => (Lab::ForceExpiry, None),
        Action::RotationTest => (Lab::Rotation { reuse: false }, None),
        Action::ReuseTest => (
            Lab::Rotation { reuse: true },
            Some((
                "Reuse test",
                format!(
                    "Refresh \"{}\" twice, then send the replaced refresh token again?\n\nA strict provider refuses it and revokes the whole grant (RFC 9700 section 4.14.2): the connection then needs a new login.",
                    printable(&connection.authorization_name)
                ),
            )),
        ),
        Action::LifetimeProbe => {
            let Lab::Lifetime { every_secs, max_secs } = Lab::LIFETIME else { return Vec::new() };
            (
                Lab::LIFETIME,
                Some((
                    "Lifetime probe",
                    format!(
                        "Call the user information endpoint of \"{}\" every {every_secs} s until the access token is refused, for at most {} min?\n\nIt compares expires_in with the token's real life. Esc stops it; what was seen is kept.",
                        printable(&connection.authorization_name),
                        max_secs / 60
                    ),
                )),
            )
        }
        _ => return Vec::new(),
    };
    let run = vec![Command::Lab { connection_id, lab }];
    match question {
        None => run,
        Some((title, message)) => vec![Command::Push(Overlay::Confirm(Confirm::new(message, run).titled(title)))],
    }
}

/// The curl command for the connection's user information endpoint (none when its authorization
/// has none), or why it can't be made.
pub fn curl(connection: &Connection, ctx: &Ctx) -> Option<Result<String, String>> {
    let authorization = ctx.data.authorization(connection.authorization_id)?;
    let endpoint = ctx.data.endpoint(authorization.config.endpoint_ids().1?)?;
    let client_id = match &authorization.config {
        AuthConfig::OAuth2(c) => c.client_id.trim(),
        _ => "",
    };
    Some(
        crate::flow::curl_command(endpoint, client_id, connection.tokens.access_token.reveal())
            .map_err(|e| e.to_string()),
    )
}
