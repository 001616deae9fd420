//! `authdeck refresh | revoke | introspect NAME`: work on a saved connection of an OAuth 2.0
//! authorization, headless: the refresh-token grant (rotated tokens saved; a refused refresh token
//! marks the connection as needing a new login), RFC 7009 revocation (the connection then shows as
//! revoked), RFC 7662 introspection. Progress on stderr, the result (or `--json`) on stdout; exit 0
//! on success, 1 on failure, 130 if cancelled.

use anyhow::bail;
use clap::{Args, ValueEnum};

use super::output::{err_line, one_line};
use super::test::{find_authorization, run_request};
use crate::flow::{Connection, FlowOptions, FlowRequest, TokenChoice};
use crate::model::Authorization;
use crate::store::Store;

/// Which saved connection: the authorization's, and which of them.
#[derive(Debug, Args)]
pub struct ConnectionArgs {
    /// The authorization's name (`authdeck list` shows them).
    pub name: String,
    /// The app it belongs to, when several apps have an authorization of that name.
    #[arg(long)]
    pub app: Option<String>,
    /// The connection's id, when the authorization has several (one per user); the most recently
    /// tested by default.
    #[arg(long, value_name = "ID")]
    pub connection: Option<i64>,
    /// Print one JSON object (outcome, message, redacted steps and checks) on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RefreshArgs {
    #[command(flatten)]
    pub target: ConnectionArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum WhichToken {
    Access,
    Refresh,
    Both,
}

impl From<WhichToken> for TokenChoice {
    fn from(which: WhichToken) -> TokenChoice {
        match which {
            WhichToken::Access => TokenChoice::Access,
            WhichToken::Refresh => TokenChoice::Refresh,
            WhichToken::Both => TokenChoice::Both,
        }
    }
}

#[derive(Debug, Args)]
pub struct RevokeArgs {
    #[command(flatten)]
    pub target: ConnectionArgs,
    /// Which token to revoke: both (the refresh token first, which usually ends the whole grant),
    /// or only one.
    #[arg(long, value_enum, default_value = "both")]
    pub token: WhichToken,
}

#[derive(Debug, Args)]
pub struct IntrospectArgs {
    #[command(flatten)]
    pub target: ConnectionArgs,
    /// Which token to ask about.
    #[arg(long, value_enum, default_value = "access")]
    pub token: WhichToken,
}

/// What to do with the connection.
enum Work {
    Refresh,
    Revoke(TokenChoice),
    Introspect(TokenChoice),
}

pub async fn refresh(store: &mut Store, args: RefreshArgs) -> anyhow::Result<i32> {
    run(store, &args.target, Work::Refresh).await
}

pub async fn revoke(store: &mut Store, args: RevokeArgs) -> anyhow::Result<i32> {
    run(store, &args.target, Work::Revoke(args.token.into())).await
}

pub async fn introspect(store: &mut Store, args: IntrospectArgs) -> anyhow::Result<i32> {
    if matches!(args.token, WhichToken::Both) {
        bail!("Introspection asks about one token: use --token access or --token refresh.");
    }
    run(store, &args.target, Work::Introspect(args.token.into())).await
}

async fn run(store: &mut Store, args: &ConnectionArgs, work: Work) -> anyhow::Result<i32> {
    let (app, authorization) = find_authorization(store, &args.name, args.app.as_deref())?;
    let connection = pick_connection(store, &authorization, args.connection)?;
    let endpoints = store.endpoints(authorization.app_id)?;
    let request = match work {
        Work::Refresh => FlowRequest::refresh_connection(&authorization, &endpoints, &connection)?,
        Work::Revoke(which) => FlowRequest::revoke(&authorization, &endpoints, &connection, which)?,
        Work::Introspect(which) => FlowRequest::introspect(&authorization, &endpoints, &connection, which)?,
    };
    err_line(&format!(
        "Connection {} of \"{}\": {}",
        connection.id,
        one_line(&authorization.name),
        one_line(&connection.who())
    ));
    run_request(store, &app, &authorization, request, FlowOptions::from_environment()?, args.json).await
}

/// The connection asked for, or the authorization's most recently tested one.
pub(super) fn pick_connection(
    store: &Store,
    authorization: &Authorization,
    id: Option<i64>,
) -> anyhow::Result<Connection> {
    let mut connections: Vec<Connection> = store
        .connections(authorization.app_id)?
        .into_iter()
        .filter(|c| c.authorization_id == authorization.id)
        .collect();
    let name = one_line(&authorization.name).into_owned();
    match id {
        Some(id) => match connections.iter().position(|c| c.id == id) {
            Some(i) => Ok(connections.remove(i)),
            None => {
                let ids: Vec<String> = connections.iter().map(|c| c.id.to_string()).collect();
                let have = if ids.is_empty() { "none".to_owned() } else { ids.join(", ") };
                bail!("\"{name}\" has no connection {id} (its connections: {have}).")
            }
        },
        // Most recently tested first.
        None if connections.is_empty() => {
            bail!("\"{name}\" has no saved connection yet: run `authdeck test \"{name}\"` and log in first.")
        }
        None => Ok(connections.remove(0)),
    }
}
