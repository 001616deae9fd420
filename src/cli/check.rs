//! `authdeck check [NAME…] [--app APP] [--all]`: the health check for CI and cron. For each
//! authorization, headless: the saved connection's access token tried (refreshed when it expired
//! or is refused, as a client would), the user information endpoint called, the identity compared
//! with the saved one; API-Key and Basic call it with credentials from the environment or kept
//! for checks; a client-credentials authorization gets a new token. What the provider answered is
//! compared with the last good run (drift). Authorizations that can't be checked without a person
//! say so, with the command to run.
//!
//! One line per check on stdout (its result, time and message, its drift below), a summary;
//! `--json` one document, `--junit FILE` a JUnit XML report. Exit 0 when every check passed (or
//! only warned, unless `--fail-on warn`), 1 when one failed or needs a login, 2 for a usage
//! mistake. No terminal needed, nothing ever asked. Checks run in parallel (`--jobs`). The
//! database is written only to save rotated tokens and the record of each check, in one
//! transaction per check.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;

use super::junit;
use super::output::{self, err_line, one_line};
use crate::flow::{
    Connection, Credentials, FlowEvent, FlowOptions, FlowReport, FlowRequest, FlowRunner, RefreshPolicy, RunOutcome,
    StepRecord, StepStatus,
};
use crate::model::check::{CheckResult, FailOn, credential_variables};
use crate::model::discovery::auth_method_name;
use crate::model::fingerprint::{Drift, DriftContext, diff};
use crate::model::redact::Sensitive;
use crate::model::{AuthConfig, Authorization};
use crate::signals::Signals;
use crate::store::{RecordOutcome, Store, UnreadableSecret};

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The authorizations to check, by name (`authdeck list` shows them).
    pub names: Vec<String>,
    /// Check the authorizations of this app (with names: look them up in it).
    #[arg(long)]
    pub app: Option<String>,
    /// Check every authorization of every app.
    #[arg(long, conflicts_with = "names")]
    pub all: bool,
    /// Print one JSON document (every check, its drift and redacted steps, the summary) on stdout.
    #[arg(long)]
    pub json: bool,
    /// Also write a JUnit XML report to FILE, for CI systems to show each check as a test.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// What makes the exit code 1: failures (and needed logins) only, or warnings too.
    #[arg(long, value_enum, value_name = "LEVEL", default_value = "fail")]
    pub fail_on: FailOnArg,
    /// Never use the refresh-token grant: an expired or refused access token fails the check.
    #[arg(long)]
    pub no_refresh: bool,
    /// Refresh even while the access token is valid, to check the refresh path, the token
    /// response, its lifetimes and rotation every time.
    #[arg(long, conflicts_with = "no_refresh")]
    pub refresh: bool,
    /// The longest a request may take, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout: u64,
    /// How many checks run at once.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=64))]
    pub jobs: u64,
    /// Take what the provider answers now as the new baseline, even where it drifted (after
    /// you looked at the drift and adapted the connector).
    #[arg(long)]
    pub accept: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FailOnArg {
    Warn,
    Fail,
}

impl From<FailOnArg> for FailOn {
    fn from(level: FailOnArg) -> FailOn {
        match level {
            FailOnArg::Warn => FailOn::Warn,
            FailOnArg::Fail => FailOn::Fail,
        }
    }
}

/// The exit code of a usage mistake (as clap's own).
pub const USAGE: i32 = 2;

/// One authorization to check, and how.
struct Target {
    /// Named on the command line (else found by --app or --all).
    named: bool,
    app: String,
    authorization: Authorization,
    connection: Option<Connection>,
    /// The run, or why there is none.
    plan: Result<FlowRequest, Unrunnable>,
}

/// Why an authorization is not checked.
struct Unrunnable {
    result: CheckResult,
    message: String,
    /// What to run to fix it.
    hint: Option<String>,
}

/// A check's end.
struct Checked {
    app: String,
    authorization: Authorization,
    result: CheckResult,
    message: String,
    hint: Option<String>,
    seconds: f64,
    drift: Vec<Drift>,
    report: Option<FlowReport>,
    /// What saving it said, when it is worth saying (the first check's baseline, a save that failed).
    notes: Vec<String>,
    run_id: Option<i64>,
    connection_id: Option<i64>,
}

pub async fn run(store: &mut Store, args: CheckArgs) -> anyhow::Result<i32> {
    let started = Instant::now();
    let targets = match select(store, &args) {
        Ok(targets) => targets,
        Err(message) => {
            err_line(&format!("authdeck: {message}"));
            return Ok(USAGE);
        }
    };
    let policy = match (args.no_refresh, args.refresh) {
        (true, _) => RefreshPolicy::Never,
        (_, true) => RefreshPolicy::Always,
        _ => RefreshPolicy::WhenNeeded,
    };
    // Tokens sealed with a key that isn't here read as empty: such a connection is named as
    // unreadable, not taken for one without a refresh token.
    let unreadable = store.unreadable_secrets().unwrap_or_default();
    let targets: Vec<Target> = targets.into_iter().map(|t| plan(store, t, policy, &unreadable)).collect();
    let options = FlowOptions {
        request_timeout: Duration::from_secs(args.timeout),
        // Nothing waits for a person in a check.
        callback_timeout: Duration::from_secs(1),
        ..FlowOptions::from_environment()?
    };
    let runner = FlowRunner::new(options)?;
    let (cancel_tx, cancel_rx) = watch::channel(false);
    let jobs = Arc::new(Semaphore::new(usize::try_from(args.jobs).unwrap_or(4)));
    let mut running = JoinSet::new();
    let mut done: Vec<Option<Checked>> = Vec::new();
    let mut waiting: HashMap<usize, Target> = HashMap::new();
    for (index, mut target) in targets.into_iter().enumerate() {
        done.push(None);
        match std::mem::replace(&mut target.plan, Err(Unrunnable::placeholder())) {
            Ok(request) => {
                let (runner, jobs, cancel) = (runner.clone(), jobs.clone(), cancel_rx.clone());
                running.spawn(async move { (index, run_one(&runner, request, &jobs, cancel).await) });
                waiting.insert(index, target);
            }
            Err(why) => {
                let checked = unrun(target, why);
                print_line(&checked, args.json)?;
                done[index] = Some(checked);
            }
        }
    }
    let mut signals = Signals::new().context("Cannot listen for signals")?;
    let mut cancelled_by = None;
    loop {
        tokio::select! {
            joined = running.join_next() => match joined {
                None => break,
                Some(Ok((index, (report, seconds)))) => {
                    let Some(target) = waiting.remove(&index) else { continue };
                    let checked = finish(store, target, report, seconds, args.accept);
                    print_line(&checked, args.json)?;
                    done[index] = Some(checked);
                }
                Some(Err(e)) => err_line(&format!("authdeck: a check stopped unexpectedly: {e}")),
            },
            signal = signals.next(), if cancelled_by.is_none() => {
                cancelled_by = Some(signal);
                err_line("Cancelling the checks…");
                cancel_tx.send_replace(true);
            }
        }
    }
    let checked: Vec<Checked> = done.into_iter().flatten().collect();
    let seconds = started.elapsed().as_secs_f64();
    let fail_on = FailOn::from(args.fail_on);
    let failed = checked.iter().any(|c| fail_on.fails(c.result));
    let mut code = if failed { 1 } else { 0 };
    if let Some(path) = &args.junit {
        let xml = junit_report(&checked, seconds, fail_on);
        if let Err(e) = std::fs::write(path, xml) {
            err_line(&format!(
                "authdeck: cannot write the JUnit report to {}: {e}. Check that its folder exists and is writable.",
                path.display()
            ));
            code = 1;
        }
    }
    if args.json {
        output::out_json(&json_document(&checked, seconds, code))?;
    } else {
        output::out_line(&summary(&checked, seconds))?;
    }
    if let Some(signal) = cancelled_by {
        return Ok(crate::signals::exit_code(signal));
    }
    Ok(code)
}

impl Unrunnable {
    fn placeholder() -> Unrunnable {
        Unrunnable { result: CheckResult::Fail, message: String::new(), hint: None }
    }
}

/// The authorizations asked for: by name (in `--app`, or in the one app that has the name), every
/// one of `--app`, or with `--all` every one. A name that matches none, or several apps, is a
/// usage mistake.
fn select(store: &Store, args: &CheckArgs) -> Result<Vec<Target>, String> {
    let app = args.app.as_deref();
    if let Some(app) = app
        && store.app_by_name(app).map_err(|e| e.to_string())?.is_none()
    {
        return Err(format!("No app named \"{}\". `authdeck list` shows the apps.", one_line(app)));
    }
    let rows = store.authorization_rows(app).map_err(|e| e.to_string())?;
    let target = |row: &crate::store::AuthorizationRow| Target {
        named: !args.names.is_empty(),
        app: row.app.clone(),
        authorization: row.authorization.clone(),
        connection: None,
        plan: Err(Unrunnable::placeholder()),
    };
    if args.names.is_empty() {
        if !args.all && app.is_none() {
            return Err("Name the authorizations to check, or give --app APP or --all.".into());
        }
        if rows.is_empty() {
            let place = app.map(|a| format!("The app \"{}\"", one_line(a))).unwrap_or_else(|| "This database".into());
            return Err(format!(
                "{place} has no authorization to check. Is --db (or AUTHDECK_DB) the database you logged in with?"
            ));
        }
        return Ok(rows.iter().map(target).collect());
    }
    let mut targets: Vec<Target> = Vec::new();
    for name in &args.names {
        // Named twice, checked once: two checks of one connection at once would refresh twice
        // in parallel (and a rotating provider would take the second for a reuse).
        if targets.iter().any(|t| t.authorization.name == *name) {
            continue;
        }
        let matches: Vec<_> = rows.iter().filter(|r| r.authorization.name == *name).collect();
        match matches.as_slice() {
            [] => {
                let scope = app.map(|a| format!(" in the app \"{}\"", one_line(a))).unwrap_or_default();
                return Err(format!(
                    "No authorization named \"{}\"{scope}. `authdeck list` shows them.",
                    one_line(name)
                ));
            }
            [row] => targets.push(target(row)),
            several => {
                let apps: Vec<String> = several.iter().map(|r| format!("\"{}\"", one_line(&r.app))).collect();
                return Err(format!(
                    "\"{}\" exists in the apps {}: choose one with --app.",
                    one_line(name),
                    apps.join(", ")
                ));
            }
        }
    }
    Ok(targets)
}

/// How a target is checked: its most recently tested connection, its credentials.
fn plan(store: &Store, mut target: Target, policy: RefreshPolicy, unreadable: &[UnreadableSecret]) -> Target {
    let authorization = &target.authorization;
    let login = login_command(&target.app, &authorization.name);
    let endpoints = match store.endpoints(authorization.app_id) {
        Ok(endpoints) => endpoints,
        Err(e) => {
            target.plan = Err(Unrunnable { result: CheckResult::Fail, message: e.to_string(), hint: None });
            return target;
        }
    };
    let connection = store
        .connections(authorization.app_id)
        .map(|all| all.into_iter().find(|c| c.authorization_id == authorization.id))
        .unwrap_or_default();
    let sealed_away = connection.as_ref().and_then(|c| unreadable.iter().find(|u| u.connection_id == Some(c.id)));
    if let Some(sealed) = sealed_away {
        let message = format!(
            "The saved tokens can't be opened here: {} Set AUTHDECK_KEY_DIR to the folder holding the database's key (copy it from the machine that logged in), or log in again.",
            one_line(&store.unreadable_message(std::slice::from_ref(sealed)))
        );
        target.plan = Err(Unrunnable { result: CheckResult::Fail, message, hint: None });
        return target;
    }
    let credentials = match credentials(store, &target.app, authorization) {
        Ok(credentials) => credentials,
        Err(message) => {
            let hint = Some(format!("{} --keep-credentials", login));
            // One never tested (nor checked) that nobody named, like the API-Key authorization a
            // new app comes with: nothing to check yet, which is no failure. Named, or tested
            // once, a missing secret fails: a CI job that lost its secret must not pass.
            let checked_before = store.checks(authorization.id, 1).map_or(true, |c| !c.is_empty());
            let (result, message) = if target.named || authorization.last_test.is_some() || checked_before {
                (CheckResult::Fail, message)
            } else {
                (CheckResult::Skip, format!("Never tested, and {}", lowercase_first(&message)))
            };
            target.plan = Err(Unrunnable { result, message, hint });
            return target;
        }
    };
    target.plan =
        FlowRequest::check(authorization, &endpoints, connection.as_ref(), credentials, policy).map_err(|e| {
            let message = e.to_string();
            let needs_login = message.contains("needs an interactive login");
            Unrunnable {
                result: if needs_login { CheckResult::NeedsLogin } else { CheckResult::Fail },
                message,
                hint: needs_login.then_some(login),
            }
        });
    target.connection = connection;
    target
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_lowercase().chain(chars).collect()).unwrap_or_default()
}

/// `authdeck test 'NAME' --app 'APP'`, quoted for a shell.
fn login_command(app: &str, name: &str) -> String {
    format!("authdeck test {} --app {}", shell_quote(name), shell_quote(app))
}

fn shell_quote(text: &str) -> String {
    let safe = !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || "_-./:@,+=".contains(c));
    if safe { text.to_owned() } else { format!("'{}'", text.replace('\'', "'\\''")) }
}

/// The credentials an API-Key or Basic check uses: from the environment (see
/// [`credential_variables`]), else kept for checks; none for OAuth 2.0.
fn credentials(store: &Store, app: &str, authorization: &Authorization) -> Result<Credentials, String> {
    let from_env = |what: &str| -> Option<String> {
        credential_variables(app, &authorization.name, authorization.id, what)
            .iter()
            .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    };
    let kept = || store.kept_credentials(authorization.id).map_err(|e| e.to_string());
    let names = |what: &str| credential_variables(app, &authorization.name, authorization.id, what)[1].clone();
    match &authorization.config {
        AuthConfig::OAuth2(_) => Ok(Credentials::None),
        AuthConfig::ApiKey(_) => match from_env("KEY") {
            Some(key) => Ok(Credentials::ApiKey(Sensitive::new(key))),
            None => match kept()? {
                Some(kept) => Ok(Credentials::ApiKey(kept.secret)),
                None => Err(format!(
                    "No API key to check with: set {} (or {}), or keep the key for checks.",
                    names("KEY"),
                    credential_variables(app, &authorization.name, authorization.id, "KEY")[0]
                )),
            },
        },
        AuthConfig::Basic(_) => {
            let kept = if from_env("USERNAME").is_some() && from_env("PASSWORD").is_some() { None } else { kept()? };
            let username = from_env("USERNAME").or_else(|| kept.as_ref().and_then(|k| k.username.clone()));
            let password = from_env("PASSWORD").map(Sensitive::new).or_else(|| kept.map(|k| k.secret));
            match (username, password) {
                (Some(username), Some(password)) => Ok(Credentials::Basic { username, password }),
                _ => Err(format!(
                    "No username and password to check with: set {} and {}, or keep them for checks.",
                    names("USERNAME"),
                    names("PASSWORD")
                )),
            }
        }
    }
}

/// Runs one check when a slot is free; cancelled with the others on a signal.
async fn run_one(
    runner: &FlowRunner,
    request: FlowRequest,
    jobs: &Semaphore,
    mut cancel: watch::Receiver<bool>,
) -> (FlowReport, f64) {
    let _slot = jobs.acquire().await;
    let started = Instant::now();
    let (events_tx, mut events) = mpsc::channel(64);
    let handle = runner.spawn(request, events_tx);
    let mut report = None;
    let mut cancelled = *cancel.borrow();
    if cancelled {
        handle.cancel();
    }
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Some(FlowEvent::Finished(finished)) => report = Some(*finished),
                Some(_) => {}
                None => break,
            },
            changed = cancel.changed(), if !cancelled => {
                cancelled = true;
                if changed.is_ok() && *cancel.borrow() {
                    handle.cancel();
                }
            }
        }
    }
    let report = match report {
        Some(report) => report,
        None => match handle.join().await {
            Ok(report) => report,
            Err(e) => unreachable_report(e.to_string()),
        },
    };
    (report, started.elapsed().as_secs_f64())
}

/// A report for a run whose task failed (it never does but through a bug): a failed check.
fn unreachable_report(message: String) -> FlowReport {
    FlowReport {
        authorization_id: 0,
        auth_kind: crate::model::AuthKind::OAuth2,
        kind: crate::flow::FlowKind::Check,
        outcome: RunOutcome::Failed,
        message,
        started_at: crate::model::time::now(),
        finished_at: crate::model::time::now(),
        steps: Vec::new(),
        identity: None,
        grant: None,
        kept: Vec::new(),
        grant_type: None,
        introspection: None,
        observed: Default::default(),
        tokens: None,
        on_connection: None,
        connection_status: None,
    }
}

fn unrun(target: Target, why: Unrunnable) -> Checked {
    Checked {
        app: target.app,
        connection_id: target.connection.as_ref().map(|c| c.id),
        authorization: target.authorization,
        result: why.result,
        message: why.message,
        hint: why.hint,
        seconds: 0.0,
        drift: Vec::new(),
        report: None,
        notes: Vec::new(),
        run_id: None,
    }
}

/// What the comparison knows beyond the fingerprints: the client authentication, PKCE, the saved identity.
fn drift_context<'a>(authorization: &Authorization, connection: Option<&'a Connection>) -> DriftContext<'a> {
    let (method, pkce) = match &authorization.config {
        AuthConfig::OAuth2(c) => (Some(auth_method_name(c.client_auth)), c.pkce),
        _ => (None, false),
    };
    DriftContext { client_auth_method: method, pkce, saved_identity: connection.map(|c| &c.identity) }
}

/// A check's run ended: its drift since the last good run, its verdict, its record (one
/// transaction); a record that can't be written keeps the tokens (a rotated refresh token must
/// not be lost) through the store's own fallback.
fn finish(store: &mut Store, target: Target, mut report: FlowReport, seconds: f64, accept: bool) -> Checked {
    let authorization = &target.authorization;
    let connection_id = report.on_connection;
    let mut notes = Vec::new();
    let baseline = match store.baseline(authorization.id, connection_id) {
        Ok(baseline) => baseline,
        Err(e) => {
            notes.push(format!("The last good run's fingerprint can't be read ({e}), so drift is not compared."));
            None
        }
    };
    let mut now = report.observed.clone();
    now.identity = report.identity.clone().filter(|i| !i.is_empty());
    let context = drift_context(authorization, target.connection.as_ref());
    let drift = match &baseline {
        Some(baseline) => diff(baseline, &now, &context),
        None => Vec::new(),
    };
    let result = CheckResult::of(&report, &drift);
    if baseline.is_none() && result.is_good() {
        notes.push("First check with a fingerprint: what the provider answered is the baseline from now on.".into());
    }
    let mut run_id = None;
    match store.record_check(&mut report, result, &drift, accept) {
        Ok(recorded) => {
            run_id = Some(recorded.run.run_id);
            if accept && recorded.baseline && !result.is_good() {
                notes.push("Accepted: what the provider answers now is the new baseline.".into());
            }
        }
        Err(e) => {
            notes.push(format!("The check could not be recorded ({e})."));
            let outcome = store.record_flow_or_keep(&mut report);
            if let RecordOutcome::Saved(saved) = &outcome {
                run_id = Some(saved.run_id);
            }
            if let Some(message) = outcome.message() {
                notes.push(message);
            }
        }
    }
    let message = match result {
        CheckResult::Fail if report.is_ok() => format!("{} But the provider's answers drifted.", report.message),
        _ => report.message.clone(),
    };
    let hint = (result == CheckResult::NeedsLogin).then(|| login_command(&target.app, &authorization.name));
    Checked {
        app: target.app,
        authorization: target.authorization,
        result,
        message,
        hint,
        seconds,
        drift,
        report: Some(report),
        notes,
        run_id,
        connection_id,
    }
}

/// The check's line on stdout (and its drift, notes and hint below it); nothing with `--json`.
fn print_line(checked: &Checked, json: bool) -> anyhow::Result<()> {
    if json {
        return Ok(());
    }
    let time = if checked.report.is_some() { format!("{:.2} s", checked.seconds) } else { "-".to_owned() };
    let rest = format!(
        "{} / {}  {time}  {}",
        one_line(&checked.app),
        one_line(&checked.authorization.name),
        one_line(&checked.message)
    );
    output::out_tagged(checked.result.tag(), tag_style(checked.result), &rest)?;
    for drift in &checked.drift {
        output::out_line(&format!("       {}", one_line(&drift.line())))?;
    }
    if checked.result != CheckResult::Pass
        && let Some(step) = failed_step(checked)
    {
        output::out_line(&format!("       failed at: {}", one_line(&step_line(step))))?;
        // A run that renewed the tokens before it failed saved them all the same: say so.
        if let Some(saved) =
            checked.report.as_ref().and_then(|r| r.steps.iter().find(|s| s.step == crate::flow::StepId::Save))
        {
            output::out_line(&format!("       saved: {}", one_line(&saved.summary)))?;
        }
    }
    for note in &checked.notes {
        output::out_line(&format!("       note: {}", one_line(note)))?;
    }
    if let Some(hint) = &checked.hint {
        output::out_line(&format!("       run: {}", one_line(hint)))?;
    }
    Ok(())
}

fn tag_style(result: CheckResult) -> output::Tone {
    match result {
        CheckResult::Pass => output::Tone::Good,
        CheckResult::Skip => output::Tone::Warn,
        CheckResult::Warn => output::Tone::Warn,
        CheckResult::Fail | CheckResult::NeedsLogin => output::Tone::Bad,
    }
}

fn failed_step(checked: &Checked) -> Option<&StepRecord> {
    checked.report.as_ref()?.steps.iter().find(|s| matches!(s.status, StepStatus::Failed | StepStatus::Cancelled))
}

/// "[ok] Refresh-token grant (120 ms): HTTP 200: …".
fn step_line(step: &StepRecord) -> String {
    let status = match step.status {
        StepStatus::Ok => "ok",
        StepStatus::Failed => "FAILED",
        StepStatus::Cancelled => "cancelled",
        StepStatus::Skipped => "skipped",
        StepStatus::Waiting | StepStatus::Running => "…",
    };
    format!("[{status}] {} ({} ms): {}", step.step.label(), step.elapsed_ms, step.summary)
}

/// Every line of a check worth keeping in CI's report: steps with their checks and notes, drift,
/// notes, the hint. All redacted (the steps are as recorded).
fn transcript(checked: &Checked) -> String {
    let mut lines = Vec::new();
    if let Some(report) = &checked.report {
        for step in &report.steps {
            lines.push(step_line(step));
            lines.extend(step.notes.iter().map(|n| format!("      note: {n}")));
            lines.extend(step.checks.iter().map(|c| format!("      {}", c.line())));
        }
    }
    lines.extend(checked.drift.iter().map(|d| format!("drift: {}", d.line())));
    lines.extend(checked.notes.iter().map(|n| format!("note: {n}")));
    if let Some(hint) = &checked.hint {
        lines.push(format!("run: {hint}"));
    }
    lines.join("\n")
}

/// "3 checks: 2 passed, 1 failed (1.52 s)".
fn summary(checked: &[Checked], seconds: f64) -> String {
    let count = |r: CheckResult| checked.iter().filter(|c| c.result == r).count();
    let parts: Vec<String> =
        CheckResult::ALL.into_iter().filter(|r| count(*r) > 0).map(|r| format!("{} {}", count(r), r.label())).collect();
    let noun = if checked.len() == 1 { "check" } else { "checks" };
    format!("{} {noun}: {} ({seconds:.2} s)", checked.len(), parts.join(", "))
}

fn junit_report(checked: &[Checked], seconds: f64, fail_on: FailOn) -> String {
    let cases: Vec<junit::Case> = checked
        .iter()
        .map(|c| {
            let mut message = c.message.clone();
            if let Some(first) = c.drift.first() {
                message = format!("{message} Drift: {}", first.line());
            }
            junit::Case {
                class: c.app.clone(),
                name: c.authorization.name.clone(),
                seconds: c.seconds,
                failure: fail_on.fails(c.result).then(|| (c.result.code().to_owned(), message)),
                skipped: (c.result == CheckResult::Skip).then(|| c.message.clone()),
                output: transcript(c),
            }
        })
        .collect();
    let timestamp = crate::model::time::format_utc(crate::model::time::now());
    junit::report(&cases, seconds, timestamp.trim_end_matches('Z'))
}

fn json_document(checked: &[Checked], seconds: f64, exit_code: i32) -> serde_json::Value {
    let checks: Vec<serde_json::Value> = checked
        .iter()
        .map(|c| {
            serde_json::json!({
                "app": c.app,
                "authorization": c.authorization.name,
                "authorization_id": c.authorization.id,
                "kind": c.authorization.kind().code(),
                "connection_id": c.connection_id,
                "result": c.result.code(),
                "message": c.message,
                "hint": c.hint,
                "seconds": (c.seconds * 1000.0).round() / 1000.0,
                "drift": c.drift,
                "notes": c.notes,
                "run_id": c.run_id,
                "steps": c.report.as_ref().map(|r| r.steps.clone()).unwrap_or_default(),
                "checks": c.report.as_ref().map(super::test::all_checks).unwrap_or_default(),
            })
        })
        .collect();
    let count = |r: CheckResult| checked.iter().filter(|c| c.result == r).count();
    serde_json::json!({
        "checks": checks,
        "summary": {
            "total": checked.len(),
            "passed": count(CheckResult::Pass),
            "skipped": count(CheckResult::Skip),
            "warned": count(CheckResult::Warn),
            "failed": count(CheckResult::Fail),
            "needs_login": count(CheckResult::NeedsLogin),
            "seconds": (seconds * 1000.0).round() / 1000.0,
        },
        "exit_code": exit_code,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_quoted_for_a_shell() {
        assert_eq!(login_command("Connector", "GitHub"), "authdeck test GitHub --app Connector");
        assert_eq!(login_command("My App", "it's"), "authdeck test 'it'\\''s' --app 'My App'");
    }
}
