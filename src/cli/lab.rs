//! `authdeck lab expiry|rotation|lifetime NAME`: the refresh lab on a saved connection, headless.
//! `expiry` treats the access token as expired and runs the refresh path a client takes on a 401;
//! `rotation` refreshes twice and says whether the provider rotates refresh tokens, and with
//! `--reuse` uses the replaced one again (a strict provider then revokes the whole grant, so it is
//! asked for explicitly); `lifetime` calls the user information endpoint until the access token
//! is refused, within `--max` seconds, against what `expires_in` said. Each is saved as a run;
//! progress on stderr, the result (or `--json`) on stdout; exit 0 done, 1 failed.

use clap::{Args, Subcommand};

use super::connection::{ConnectionArgs, pick_connection};
use super::output::{err_line, one_line};
use super::test::{find_authorization, run_request};
use crate::flow::{FlowOptions, FlowRequest, Lab};
use crate::store::Store;

#[derive(Debug, Subcommand)]
pub enum LabCommand {
    /// Treat the access token as expired and run the refresh path, as a client does after a 401.
    Expiry(LabArgs),
    /// Refresh twice: does the provider rotate refresh tokens? --reuse also uses the replaced one again.
    Rotation(RotationArgs),
    /// Call the user information endpoint until the access token is refused: expires_in against its real life.
    Lifetime(LifetimeArgs),
}

#[derive(Debug, Args)]
pub struct LabArgs {
    #[command(flatten)]
    pub target: ConnectionArgs,
}

#[derive(Debug, Args)]
pub struct RotationArgs {
    #[command(flatten)]
    pub target: ConnectionArgs,
    /// Also use the replaced refresh token again, then the newest. A strict provider refuses the
    /// old one and may revoke the whole grant: the connection then needs a new login.
    #[arg(long)]
    pub reuse: bool,
}

#[derive(Debug, Args)]
pub struct LifetimeArgs {
    #[command(flatten)]
    pub target: ConnectionArgs,
    /// Seconds between two calls.
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub every: u64,
    /// Give up after this many seconds (the token still works then).
    #[arg(long, value_name = "SECS", default_value_t = 5400, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub max: u64,
}

pub async fn run(store: &mut Store, command: LabCommand) -> anyhow::Result<i32> {
    let (target, lab) = match command {
        LabCommand::Expiry(args) => (args.target, Lab::ForceExpiry),
        LabCommand::Rotation(args) => (args.target, Lab::Rotation { reuse: args.reuse }),
        LabCommand::Lifetime(args) => (args.target, Lab::Lifetime { every_secs: args.every, max_secs: args.max }),
    };
    let (app, authorization) = find_authorization(store, &target.name, target.app.as_deref())?;
    let connection = pick_connection(store, &authorization, target.connection)?;
    let endpoints = store.endpoints(authorization.app_id)?;
    let request = FlowRequest::lab(&authorization, &endpoints, &connection, lab)?;
    err_line(&format!(
        "Connection {} of \"{}\": {}",
        connection.id,
        one_line(&authorization.name),
        one_line(&connection.who())
    ));
    if let Lab::Lifetime { every_secs, max_secs } = lab {
        err_line(&format!(
            "Probing every {every_secs} s for at most {max_secs} s (Ctrl-C stops it; what was seen is kept)."
        ));
    }
    run_request(store, &app, &authorization, request, FlowOptions::from_environment()?, target.json).await
}
