//! The subcommands: list, export, import, test, refresh, revoke, introspect, discover, backup,
//! key, keys, presets, check, credentials, lab. Each prints for people (or JSON for scripts) and returns an error with a clear
//! message; `main` turns that into a non-zero exit.

pub mod check;
pub mod client_key;
pub mod connection;
pub mod credentials;
pub mod discover;
pub mod junit;
pub mod key;
pub mod lab;
pub mod output;
pub mod presets;
pub mod test;

use std::io::{Read, Write};
use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use serde::Serialize;

use crate::store::Store;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the authorizations (of every app, or of one).
    List(ListArgs),
    /// Write apps with their authorizations and endpoints as JSON (secrets left out unless asked for).
    Export(ExportArgs),
    /// Create or update apps, authorizations and endpoints by name from an export file (`-` for stdin).
    Import(ImportArgs),
    /// Test an authorization against the real provider: its OAuth 2.0 grant, or the key/credentials.
    Test(test::TestArgs),
    /// Refresh a saved connection's tokens (the refresh-token grant); rotated tokens are saved.
    Refresh(connection::RefreshArgs),
    /// Revoke a saved connection's tokens (RFC 7009); the connection then shows as revoked.
    Revoke(connection::RevokeArgs),
    /// Ask the provider about a saved connection's token (RFC 7662): active or not, scope, expiry.
    Introspect(connection::IntrospectArgs),
    /// Read an issuer's discovery document; with --name, create an OAuth 2.0 authorization from it.
    Discover(discover::DiscoverArgs),
    /// Write a consistent copy of the database to FILE, while authdeck runs (secrets stay sealed).
    Backup(BackupArgs),
    /// Where the key that seals the database's secrets is; `protect` / `unprotect` add or remove a passphrase. (A client's signing key: `authdeck client-key`.)
    Key(key::KeyArgs),
    /// List the provider presets (GitHub, Slack, Salesforce…), show one, or add one to an app.
    Presets(presets::PresetsArgs),
    /// An authorization's own client key (private_key_jwt, mTLS): print the public JWK to register with the provider, or make a new key pair. (`authdeck key` is the database's sealing key.)
    #[command(subcommand)]
    ClientKey(client_key::ClientKeyCommand),
    /// Check saved connections headless, for CI and cron: refresh (or reuse) the token, call the user information endpoint, report what the provider changed (drift). Exit 0 ok, 1 failed, 2 usage.
    Check(check::CheckArgs),
    /// Where `authdeck check` finds an API-Key or Basic authorization's credentials (the environment variables), whether some are kept; --forget forgets them.
    Credentials(credentials::CredentialsArgs),
    /// The refresh lab on a saved connection: force expiry, rotation test (--reuse asks the provider to refuse the old token), lifetime probe.
    #[command(subcommand)]
    Lab(lab::LabCommand),
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The new file (it must not exist yet).
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only the authorizations of this app.
    #[arg(long)]
    pub app: Option<String>,
    /// One JSON array (fields: app, id, kind, name, summary, last_test).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Only this app.
    #[arg(long)]
    pub app: Option<String>,
    /// Include client secrets (they are written as null otherwise).
    #[arg(long)]
    pub include_secrets: bool,
    /// Write to this file instead of standard output.
    #[arg(short = 'o', long = "output")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The export file, or `-` for standard input.
    pub file: String,
}

impl Command {
    /// True for the commands that read an existing database and must not create one.
    pub fn reads_only(&self) -> bool {
        matches!(
            self,
            Command::List(_)
                | Command::Export(_)
                | Command::Test(_)
                | Command::Refresh(_)
                | Command::Revoke(_)
                | Command::Introspect(_)
                | Command::Backup(_)
                | Command::ClientKey(_)
                | Command::Check(_)
                | Command::Credentials(_)
                | Command::Lab(_)
        )
    }

    /// What the command does, for a message.
    pub fn verb(&self) -> &'static str {
        match self {
            Command::List(_) => "list",
            Command::Export(_) => "export",
            Command::Import(_) => "import",
            Command::Test(_) => "test",
            Command::Refresh(_) => "refresh",
            Command::Revoke(_) => "revoke",
            Command::Introspect(_) => "introspect",
            Command::Discover(_) => "discover",
            Command::Backup(_) => "back up",
            Command::Key(_) => "do with the key",
            Command::Presets(_) => "add a preset to",
            Command::ClientKey(_) => "find an authorization's key in",
            Command::Check(_) => "check",
            Command::Credentials(_) => "keep or forget credentials in",
            Command::Lab(_) => "try on a connection in",
        }
    }
}

/// Runs a subcommand; the exit code on success.
pub async fn run(command: Command, store: &mut Store) -> anyhow::Result<i32> {
    match command {
        Command::List(args) => list(store, &args).map(|_| 0),
        Command::Export(args) => export(store, &args).map(|_| 0),
        Command::Import(args) => import(store, &args).map(|_| 0),
        Command::Test(args) => test::run(store, args).await,
        Command::Refresh(args) => connection::refresh(store, args).await,
        Command::Revoke(args) => connection::revoke(store, args).await,
        Command::Introspect(args) => connection::introspect(store, args).await,
        Command::Discover(args) => discover::run(store, args).await,
        Command::Backup(args) => backup(store, &args).map(|_| 0),
        Command::Key(args) => key::run(store, &args).map(|_| 0),
        Command::Presets(args) => presets::run(store, args),
        Command::ClientKey(command) => client_key::run(store, command),
        Command::Check(args) => check::run(store, args).await,
        Command::Credentials(args) => credentials::run(store, &args),
        Command::Lab(command) => lab::run(store, command).await,
    }
}

#[derive(Serialize)]
struct ListEntry<'a> {
    app: &'a str,
    id: i64,
    kind: &'static str,
    name: &'a str,
    summary: String,
    /// How the last test ended; null when never tested.
    last_test: Option<LastTestEntry<'a>>,
}

#[derive(Serialize)]
struct LastTestEntry<'a> {
    /// `ok`, `failed` or `cancelled`.
    outcome: &'a str,
    /// Unix seconds.
    at: Option<i64>,
    message: &'a str,
}

fn list(store: &mut Store, args: &ListArgs) -> anyhow::Result<()> {
    // A new database shows what the app's first start creates.
    store.apps_or_first()?;
    if let Some(app) = &args.app
        && store.app_by_name(app)?.is_none()
    {
        bail!("No app named \"{app}\". `authdeck list` without --app shows every app's authorizations.");
    }
    let rows = store.authorization_rows(args.app.as_deref())?;
    let entries: Vec<ListEntry> = rows
        .iter()
        .map(|r| ListEntry {
            app: &r.app,
            id: r.authorization.id,
            kind: r.authorization.kind().code(),
            name: &r.authorization.name,
            summary: r.authorization.summary(),
            last_test: r.authorization.last_test.as_ref().map(|t| LastTestEntry {
                outcome: &t.outcome,
                at: t.at,
                message: &t.message,
            }),
        })
        .collect();
    if args.json {
        return output::out_json(&entries);
    }
    for (row, entry) in rows.iter().zip(&entries) {
        let last = row
            .authorization
            .last_test
            .as_ref()
            .map_or_else(|| "never tested".into(), |t| t.describe(crate::model::time::now()));
        let cells = [entry.app, row.authorization.kind().label(), entry.name, &entry.summary, &last];
        let line: Vec<_> = cells.iter().map(|cell| output::one_line(cell)).collect();
        output::out_line(&line.join("\t"))?;
    }
    Ok(())
}

fn export(store: &Store, args: &ExportArgs) -> anyhow::Result<()> {
    // Valid JSON whatever the names hold: what serde_json leaves raw is escaped the JSON way.
    let text = output::escape_json(&store.export_json(args.app.as_deref(), args.include_secrets)?);
    match &args.output {
        Some(path) => write_private(path, &text, args.include_secrets)
            .with_context(|| format!("Cannot write {}; check the folder exists and is writable", path.display()))?,
        None => output::out_text(&text)?,
    }
    if args.include_secrets {
        let place = args.output.as_ref().map_or("This export".to_owned(), |p| format!("{} (mode 0600)", p.display()));
        output::err_line(&format!(
            "{place} holds the client secrets in clear, unlike the database: keep it private, and delete it when done."
        ));
    }
    Ok(())
}

fn backup(store: &Store, args: &BackupArgs) -> anyhow::Result<()> {
    if args.file.exists() {
        bail!("{} exists already; choose a new file for the backup.", args.file.display());
    }
    store.backup_to(&args.file).with_context(|| format!("Cannot back up to {}", args.file.display()))?;
    let key = match store.key_dir() {
        Some(dir) => {
            format!(" Its secrets stay sealed: to read them elsewhere, the key file in {} goes with it.", dir.display())
        }
        None => String::new(),
    };
    output::err_line(&format!("Backed up to {} (mode 0600).{key}", args.file.display()));
    Ok(())
}

/// Writes a file; one holding secrets ends up readable by its owner only, new or not.
fn write_private(path: &std::path::Path, text: &str, secret: bool) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    if secret {
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    if secret {
        // `mode` applies only when the file is created; an existing file would keep e.g. 0644. The
        // file is empty (truncated) until the secrets are written below.
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(text.as_bytes())
}

fn import(store: &mut Store, args: &ImportArgs) -> anyhow::Result<()> {
    // Read at most one byte over the limit: a huge file is refused without filling the memory.
    let limit = crate::model::limits::IMPORT_FILE as u64 + 1;
    let mut bytes = Vec::new();
    if args.file == "-" {
        std::io::stdin().take(limit).read_to_end(&mut bytes).context("Cannot read the export from standard input")?;
    } else {
        let file = std::fs::File::open(&args.file).with_context(|| format!("Cannot read {}", args.file))?;
        file.take(limit).read_to_end(&mut bytes).with_context(|| format!("Cannot read {}", args.file))?;
    }
    if bytes.len() as u64 >= limit {
        bail!("Importing {}: {}", args.file, crate::model::transfer::too_large_message());
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "Importing {}: the file is not UTF-8 text (byte {} is not); an authdeck export is JSON.",
            args.file,
            e.utf8_error().valid_up_to() + 1
        )
    })?;
    let summary = store.import_json(&text).with_context(|| format!("Importing {}", args.file))?;
    output::err_line(&summary.to_string());
    Ok(())
}
