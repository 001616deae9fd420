//! The subcommands: list, export, import, test, presets. Each prints for people (or JSON for scripts) and
//! returns an error with a clear message; `main` turns that into a non-zero exit.

pub mod presets;
pub mod test;

use std::io::{Read, Write};
use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use serde::Serialize;

use crate::model::transfer;
use crate::store::{ImportError, Store};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the authorizations (of every app, or of one).
    List(ListArgs),
    /// Write apps with their authorizations and endpoints as JSON (secrets left out unless asked for).
    Export(ExportArgs),
    /// Create or update apps, authorizations and endpoints by name from an export file (`-` for stdin).
    Import(ImportArgs),
    /// Test an authorization against the real provider: the OAuth 2.0 flow, or the key/credentials.
    Test(test::TestArgs),
    /// List the provider presets (GitHub, Slack, Salesforce…), show one, or add one to an app.
    Presets(presets::PresetsArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only the authorizations of this app.
    #[arg(long)]
    pub app: Option<String>,
    /// One JSON array (fields: app, id, kind, name, summary).
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

/// Runs a subcommand; the exit code on success.
pub async fn run(command: Command, store: &mut Store) -> anyhow::Result<i32> {
    match command {
        Command::List(args) => list(store, &args).map(|_| 0),
        Command::Export(args) => export(store, &args).map(|_| 0),
        Command::Import(args) => import(store, &args).map(|_| 0),
        Command::Test(args) => test::run(store, args).await,
        Command::Presets(args) => presets::run(store, args),
    }
}

#[derive(Serialize)]
struct ListEntry<'a> {
    app: &'a str,
    id: i64,
    kind: &'static str,
    name: &'a str,
    summary: String,
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
        })
        .collect();
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &entries)?;
        writeln!(out)?;
    } else {
        for (row, entry) in rows.iter().zip(&entries) {
            writeln!(
                out,
                "{}\t{}\t{}\t{}\t{}",
                entry.app,
                row.authorization.kind().label(),
                entry.name,
                entry.summary,
                row.authorization
                    .last_test
                    .as_ref()
                    .map_or_else(|| "never tested".into(), |t| t.describe(crate::model::time::now()))
            )?;
        }
    }
    Ok(())
}

/// The export file as pretty JSON.
pub fn export_json(store: &Store, app: Option<&str>, include_secrets: bool) -> anyhow::Result<String> {
    let file = store.export(app, include_secrets)?;
    Ok(serde_json::to_string_pretty(&file)? + "\n")
}

/// Imports an export file's text; the summary of what changed.
pub fn import_json(store: &mut Store, text: &str) -> anyhow::Result<String> {
    let file = transfer::parse(text).map_err(anyhow::Error::msg)?;
    let summary = store.import(&file).map_err(|e: ImportError| anyhow::anyhow!("{e} Nothing was imported."))?;
    Ok(summary.to_string())
}

fn export(store: &Store, args: &ExportArgs) -> anyhow::Result<()> {
    let text = export_json(store, args.app.as_deref(), args.include_secrets)?;
    match &args.output {
        Some(path) => write_private(path, &text, args.include_secrets)
            .with_context(|| format!("Cannot write {}; check the folder exists and is writable", path.display()))?,
        None => std::io::stdout().lock().write_all(text.as_bytes())?,
    }
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
    let text = if args.file == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).context("Cannot read the export from standard input")?;
        text
    } else {
        std::fs::read_to_string(&args.file).with_context(|| format!("Cannot read {}", args.file))?
    };
    let summary = import_json(store, &text).with_context(|| format!("Importing {}", args.file))?;
    eprintln!("{summary}");
    Ok(())
}
