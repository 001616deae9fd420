//! authdeck's entry point: arguments, logging to a file (never the terminal), the panic hook that
//! restores the terminal, opening the store, then the TUI or a subcommand.

use std::io::{IsTerminal, stdout};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use crossterm::event::{DisableBracketedPaste, EventStream};
use crossterm::execute;
use crossterm::terminal::{LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

use authdeck::app::App;
use authdeck::cli::{self, Command};
use authdeck::platform::{self, Environment};
use authdeck::store::{KeySource, Store};
use authdeck::tui;

#[derive(Debug, Parser)]
#[command(
    name = "authdeck",
    version,
    about = "Configure and live-test the authorizations of the apps you build connectors for."
)]
struct Cli {
    /// The database file (default: authdeck.db in the platform data directory).
    #[arg(long, global = true, env = "AUTHDECK_DB", value_name = "PATH")]
    db: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code.clamp(0, 255) as u8),
        Err(e) => {
            cli::output::err_line(&format!("authdeck: {e:#}"));
            ExitCode::FAILURE
        }
    }
}

fn data_dir() -> anyhow::Result<PathBuf> {
    directories::ProjectDirs::from("", "", "authdeck")
        .map(|d| d.data_dir().to_owned())
        .context("Cannot find a home directory for the default database; choose a file with --db PATH")
}

fn run(cli: Cli) -> anyhow::Result<i32> {
    let data_dir = data_dir();
    let db = match (cli.db, &data_dir) {
        (Some(path), _) => path,
        (None, Ok(dir)) => dir.join("authdeck.db"),
        (None, Err(e)) => anyhow::bail!("{e}"),
    };
    // `authdeck check` runs in CI and cron: it never creates a database (a wrong --db would pass
    // with nothing checked) and never asks anything.
    let checking = matches!(cli.command, Some(Command::Check(_)));
    if checking && !db.exists() {
        cli::output::err_line(&format!(
            "authdeck: there is no database at {}: log in once (the TUI, or `authdeck test NAME`) on it, or point --db (AUTHDECK_DB) at the one you logged in with.",
            db.display()
        ));
        return Ok(cli::check::USAGE);
    }
    // Only the TUI and `import` make a database; reading one that isn't there is a mistake in --db.
    if let Some(command) = cli.command.as_ref().filter(|c| c.reads_only())
        && !db.exists()
    {
        anyhow::bail!(
            "{} does not exist, so there is nothing to {}. Check --db (or AUTHDECK_DB); `authdeck` or `authdeck import FILE` creates a database.",
            db.display(),
            command.verb()
        );
    }
    // A key file protected by a passphrase asks for it on the terminal when AUTHDECK_PASSPHRASE is unset.
    let keys = KeySource::from_environment().map_err(anyhow::Error::msg)?.with_passphrase_prompt(move || {
        if checking || !std::io::stdin().is_terminal() {
            return None;
        }
        cli::output::err_prompt("Passphrase of authdeck's key: ");
        cli::output::read_hidden_line().ok().flatten()
    });
    let mut store = Store::open_with_keys(&db, keys)?;
    let notices = store.take_notices();
    for notice in &notices {
        cli::output::err_line(&format!("authdeck: {notice}"));
    }
    // The log lives in the data directory whatever --db says; without one, authdeck runs unlogged.
    let _log = data_dir.ok().and_then(|dir| init_logging(&dir));
    tracing::info!(db = %db.display(), "authdeck started");
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    match cli.command {
        Some(command) => runtime.block_on(cli::run(command, &mut store)),
        None => {
            if !stdout().is_terminal() {
                anyhow::bail!(
                    "authdeck needs a terminal; for scripts use a subcommand such as `authdeck list` (see --help)."
                );
            }
            let mut app = App::new(store)?;
            app.env = Environment::from_process();
            // What opening the database found (secrets it can't read, a mode tightened, a test
            // result saved from where it was kept) stays on screen too: the first line of each.
            if !notices.is_empty() {
                let first_lines: Vec<&str> = notices.iter().filter_map(|n| n.lines().next()).collect();
                app.error(format!("{} (`authdeck list` prints the details.)", first_lines.join(" ")));
            }
            runtime.block_on(run_tui(&mut app))?;
            // Quit on a signal: the terminal is restored and the tests recorded; say which one it was.
            Ok(app.quit_by_signal.map_or(0, authdeck::signals::exit_code))
        }
    }
}

/// Logs to authdeck.log in the data directory; never to the terminal, never secrets. A log that
/// can't be written (a read-only folder, another user's file) is no reason to stop: no log then.
fn init_logging(dir: &Path) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    use tracing_subscriber::util::SubscriberInitExt;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).ok()?;
    // Created owner-only before the appender opens it.
    std::fs::OpenOptions::new().append(true).create(true).mode(0o600).open(dir.join("authdeck.log")).ok()?;
    let appender = tracing_appender::rolling::RollingFileAppender::builder()
        .rotation(tracing_appender::rolling::Rotation::NEVER)
        .filename_prefix("authdeck.log")
        .build(dir)
        .ok()?;
    // The writer thread's queue: tracing-appender's default of 128,000 lines is a channel of
    // 4 MB allocated and touched up front — a third of the memory of an idle authdeck. authdeck
    // logs a few lines per action; 2,048 lines (64 KB) absorb any burst it makes, and lines past
    // that are dropped (lossy, as before) rather than slowing the screen down.
    let (writer, guard) =
        tracing_appender::non_blocking::NonBlockingBuilder::default().buffered_lines_limit(2048).finish(appender);
    let asked = std::env::var("AUTHDECK_LOG").ok();
    let (filter, not_understood) = log_filter(asked.as_deref());
    log_subscriber(writer, filter).try_init().ok()?;
    if let Some(value) = not_understood {
        tracing::warn!(
            "AUTHDECK_LOG={value:?} is not a level (error, warn, info, debug, trace) or target=level list: logging at info"
        );
    }
    Some(guard)
}

/// `AUTHDECK_LOG=debug`, or per module (`authdeck::flow=trace,info`): `Targets` reads what the
/// README promises without `EnvFilter`'s regex engine (~270 KB of the binary). Unset: info; a
/// value it can't read: info, and the value, to say so in the log.
fn log_filter(asked: Option<&str>) -> (tracing_subscriber::filter::Targets, Option<String>) {
    use tracing_subscriber::filter::Targets;
    let info = || Targets::new().with_default(tracing::Level::INFO);
    match asked.map(str::trim).filter(|v| !v.is_empty()) {
        None => (info(), None),
        Some(value) => match value.parse::<Targets>() {
            Ok(targets) => (targets, None),
            Err(_) => (info(), Some(value.to_owned())),
        },
    }
}

/// The log's subscriber: lines to `writer`, as `filter` lets through. The fmt builder has a level
/// filter of its own (info by default): it is opened all the way so that `filter` alone decides.
fn log_subscriber<W>(writer: W, filter: tracing_subscriber::filter::Targets) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'a> tracing_subscriber::fmt::MakeWriter<'a> + Send + Sync + 'static,
{
    use tracing_subscriber::layer::SubscriberExt;
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(writer)
        .with_ansi(false)
        .finish()
        .with(filter)
}

fn restore_terminal() {
    let _ = disable_raw_mode();
    let _ = execute!(stdout(), DisableBracketedPaste, LeaveAlternateScreen, crossterm::cursor::Show);
}

async fn run_tui(app: &mut App) -> anyhow::Result<()> {
    // A panic of the app itself (the event loop and drawing run on the main thread) leaves the
    // terminal as it found it, then says what went wrong. A panic in a run's task, on a worker
    // thread, is contained by tokio while the app goes on (that run never reports its end): the
    // terminal must stay as the app needs it then (the app restores it when it ends, as always),
    // and the message goes to the log, not over the screen.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() == Some("main") {
            restore_terminal();
            default_hook(info);
        } else {
            tracing::error!(panic = %info, "a task panicked; the app goes on");
        }
    }));
    // SIGTERM, SIGINT, SIGHUP and SIGQUIT become a message: the app quits as with `q` — tests
    // cancelled (ports freed, runs recorded) — and the terminal is restored below, as on any exit.
    let mut signals = authdeck::signals::Signals::new().context("Cannot listen for signals")?;
    let sender = app.sender();
    tokio::spawn(async move {
        loop {
            let signal = signals.next().await;
            if sender.send(authdeck::app::Message::Signal(signal)).await.is_err() {
                break;
            }
        }
    });
    enable_raw_mode().context("Cannot put the terminal in raw mode")?;
    let result = async {
        // Never `terminal.clear()`: it asks the terminal where the cursor is (tui::enter_screen).
        tui::enter_screen(&mut stdout())?;
        let mut terminal = Terminal::new(CrosstermBackend::new(stdout()))?;
        let env = app.env.clone();
        tui::run(&mut terminal, app, EventStream::new(), &mut |effect| platform::carry_out(effect, &env)).await
    }
    .await;
    restore_terminal();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authdeck_log_decides_the_level_alone() {
        let (debug, none) = log_filter(Some("debug"));
        assert!(none.is_none());
        tracing::subscriber::with_default(log_subscriber(std::io::sink, debug), || {
            assert!(tracing::enabled!(tracing::Level::DEBUG), "AUTHDECK_LOG=debug lets debug lines through");
            assert!(!tracing::enabled!(tracing::Level::TRACE));
        });
        let (info, _) = log_filter(None);
        tracing::subscriber::with_default(log_subscriber(std::io::sink, info), || {
            assert!(tracing::enabled!(tracing::Level::INFO) && !tracing::enabled!(tracing::Level::DEBUG));
        });
        let (_, not_understood) = log_filter(Some("authdeck=loud"));
        assert_eq!(not_understood.as_deref(), Some("authdeck=loud"));
    }
}
