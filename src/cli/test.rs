//! `authdeck test NAME`: runs the connection test headless. The authorization URL and progress go
//! to stderr; a pasted redirected URL (or code) is read from stdin while the listener waits; the
//! result (or `--json`, one object) goes to stdout. Exit 0 on success, 1 on failure, 128 + the
//! signal's number when cancelled by one (130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP).

use std::io::BufRead;
use std::io::IsTerminal;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::Args;
use tokio::sync::mpsc;

use super::output::{self, err_line, one_line};
use crate::flow::{
    CredentialPrompt, Credentials, FlowEvent, FlowKind, FlowOptions, FlowReport, FlowRequest, FlowRunner,
    ListenerStatus, PollAnswer, RunOutcome, StepId, StepRecord, StepStatus, credential_prompts, describe_expiry,
};
use crate::model::{AuthConfig, Authorization, Grant};
use crate::signals::{SIGINT, Signals};
use crate::store::{RecordOutcome, Store};

#[derive(Debug, Args)]
pub struct TestArgs {
    /// The authorization's name (`authdeck list` shows them).
    pub name: String,
    /// The app it belongs to, when several apps have an authorization of that name.
    #[arg(long)]
    pub app: Option<String>,
    /// Print one JSON object (outcome, message, identity, grant, redacted steps) on stdout.
    #[arg(long)]
    pub json: bool,
    /// How long to wait for the callback or a paste, in seconds (1 to 86400, a day).
    #[arg(long, value_name = "SECS", default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub timeout: u64,
    /// API-Key and Basic: when the test passes, keep the key (or username and password) sealed in
    /// the database for `authdeck check` (`authdeck credentials NAME --forget` forgets them).
    #[arg(long)]
    pub keep_credentials: bool,
}

/// Runs the test; the exit code (0 ok, 1 failed, 128 + signal cancelled). Errors before the test starts
/// (unknown name, missing endpoint) are returned.
pub async fn run(store: &mut Store, args: TestArgs) -> anyhow::Result<i32> {
    let (app, authorization) = find_authorization(store, &args.name, args.app.as_deref())?;
    let endpoints = store.endpoints(authorization.app_id)?;
    // Checked before asking for a key or password that could not be used anyway.
    let mut request = FlowRequest::test(&authorization, &endpoints, Credentials::None)?;
    if args.keep_credentials && matches!(authorization.config, AuthConfig::OAuth2(_)) {
        bail!(
            "--keep-credentials is for API-Key and Basic authorizations: an OAuth 2.0 test keeps its tokens as a connection anyway."
        );
    }
    request.credentials = ask_credentials(&authorization.config).await?;
    let keep = args.keep_credentials.then(|| request.credentials.clone());
    let options =
        FlowOptions { callback_timeout: Duration::from_secs(args.timeout.max(1)), ..FlowOptions::from_environment()? };
    let code = run_request(store, &app, &authorization, request, options, args.json).await?;
    match keep {
        Some(Credentials::ApiKey(key)) if code == 0 => store.keep_credentials(authorization.id, None, key.reveal())?,
        Some(Credentials::Basic { username, password }) if code == 0 => {
            store.keep_credentials(authorization.id, Some(&username), password.reveal())?
        }
        Some(_) => err_line("The test did not pass, so the credentials were not kept."),
        None => return Ok(code),
    }
    if code == 0 {
        err_line(&format!(
            "Kept the credentials of \"{}\" for `authdeck check`, sealed like the other secrets.",
            one_line(&authorization.name)
        ));
    }
    Ok(code)
}

/// Runs a request to its end: progress on stderr (a pasted URL read from stdin while a code flow
/// waits), Ctrl-C cancels, the report saved, then the result on stdout (`json`: one object).
/// The exit code: 0 ok, 1 failed, 130 cancelled.
pub(super) async fn run_request(
    store: &mut Store,
    app: &str,
    authorization: &Authorization,
    request: FlowRequest,
    options: FlowOptions,
    json: bool,
) -> anyhow::Result<i32> {
    let runner = FlowRunner::new(options)?;
    let steps = request.steps();
    let pastes = request.kind() == FlowKind::Test && request.grant() == Some(Grant::AuthorizationCode);
    let (events_tx, mut events) = mpsc::channel(64);
    let handle = runner.spawn(request, events_tx);
    if pastes {
        forward_stdin(handle.control().paste_sender());
    }
    let mut printer = Progress { steps, redirect_uri: redirect_uri(&authorization.config) };
    let mut report = None;
    // Ctrl-C — or SIGTERM, SIGHUP (the terminal went away), SIGQUIT — cancels the run (the port is
    // freed, the run recorded as cancelled) instead of killing authdeck; the exit code then says
    // which signal it was (128 + its number), as a shell expects.
    let mut signals = Signals::new().context("Cannot listen for signals")?;
    let mut cancelled_by: Option<i32> = None;
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Some(FlowEvent::Finished(finished)) => {
                    report = Some(*finished);
                    break;
                }
                Some(event) => printer.show(&event),
                None => break,
            },
            signal = signals.next(), if cancelled_by.is_none() => {
                cancelled_by = Some(signal);
                err_line("Cancelling…");
                handle.cancel();
            }
        }
    }
    let mut report = match report {
        Some(report) => report,
        None => handle.join().await?,
    };
    let outcome = store.record_flow_or_keep(&mut report);
    if let Some(message) = outcome.message() {
        err_line(&format!("authdeck: {message}"));
    }
    let recorded = match &outcome {
        RecordOutcome::Saved(recorded) => Some(*recorded),
        _ => None,
    };
    if let Some(save) = report.step(StepId::Save) {
        printer.step(save);
    }

    if json {
        let mut value = serde_json::to_value(&report)?;
        value["app"] = app.into();
        value["authorization"] = authorization.name.clone().into();
        value["run_id"] = recorded.map(|r| r.run_id).into();
        value["connection_id"] = recorded.and_then(|r| r.connection_id).into();
        value["saved"] = recorded.is_some().into();
        value["checks"] = all_checks(&report).into();
        output::out_json(&value)?;
    } else {
        print_result(&report)?;
    }
    Ok(match report.outcome {
        // A result that couldn't be saved is a failure for a script, whatever the provider said.
        RunOutcome::Ok if recorded.is_none() => 1,
        RunOutcome::Ok => 0,
        RunOutcome::Failed => 1,
        RunOutcome::Cancelled => crate::signals::exit_code(cancelled_by.unwrap_or(SIGINT)),
    })
}

/// Every check of the run, each with the step it belongs to, for `--json`.
pub(super) fn all_checks(report: &FlowReport) -> Vec<serde_json::Value> {
    report
        .steps
        .iter()
        .flat_map(|step| {
            step.checks.iter().map(move |check| {
                let mut value = serde_json::to_value(check).unwrap_or_default();
                value["step"] = serde_json::to_value(step.step).unwrap_or_default();
                value
            })
        })
        .collect()
}

/// The authorization named, in the app named (or the only app that has one of that name).
pub(super) fn find_authorization(
    store: &mut Store,
    name: &str,
    app: Option<&str>,
) -> anyhow::Result<(String, Authorization)> {
    if let Some(app) = app
        && store.app_by_name(app)?.is_none()
    {
        bail!("No app named \"{app}\". `authdeck list` shows the apps and their authorizations.");
    }
    let mut matches: Vec<_> =
        store.authorization_rows(app)?.into_iter().filter(|row| row.authorization.name == name).collect();
    match matches.len() {
        0 => {
            let scope = app.map(|a| format!(" in the app \"{a}\"")).unwrap_or_default();
            bail!("No authorization named \"{name}\"{scope}. `authdeck list` shows them.")
        }
        1 => {
            let row = matches.remove(0);
            Ok((row.app, row.authorization))
        }
        _ => {
            let apps: Vec<String> = matches.iter().map(|r| format!("\"{}\"", r.app)).collect();
            bail!("\"{name}\" exists in the apps {}: choose one with --app.", apps.join(", "))
        }
    }
}

/// Asks for the API key or username and password on stderr, reads them from stdin; never echoes them.
async fn ask_credentials(config: &AuthConfig) -> anyhow::Result<Credentials> {
    let prompts = credential_prompts(config);
    if prompts.is_empty() {
        return Ok(Credentials::None);
    }
    let answers = tokio::task::spawn_blocking(move || read_answers(&prompts)).await??;
    Ok(Credentials::from_answers(config, answers))
}

fn read_answers(prompts: &[CredentialPrompt]) -> anyhow::Result<Vec<String>> {
    let stdin = std::io::stdin();
    let typed = stdin.is_terminal();
    let mut answers = Vec::new();
    for prompt in prompts {
        output::err_prompt(&format!("{}: ", one_line(&prompt.label)));
        let answer = if prompt.secret && typed {
            output::read_hidden_line().context("Cannot read from the terminal")?
        } else {
            let mut line = Vec::new();
            if stdin.lock().read_until(b'\n', &mut line)? == 0 {
                None
            } else {
                let line = String::from_utf8(line).map_err(|e| {
                    anyhow::anyhow!(
                        "The {} given on standard input is not UTF-8 text (byte {} is not): give it as text.",
                        one_line(&prompt.label),
                        e.utf8_error().valid_up_to() + 1
                    )
                })?;
                Some(line.trim_end_matches(['\r', '\n']).to_owned())
            }
        };
        let Some(answer) = answer else {
            bail!("Standard input ended before the {} was given.", prompt.label);
        };
        if prompt.secret && answer.is_empty() {
            bail!(
                "The {} is empty: there is nothing to test with. Give it (it is used once, never saved).",
                one_line(&prompt.label)
            );
        }
        answers.push(answer);
    }
    Ok(answers)
}

/// Hands each line of stdin to the flow as a paste. A plain thread: a blocking read must not hold
/// up the runtime's shutdown, and the thread ends with the process.
fn forward_stdin(paste: mpsc::Sender<String>) {
    let spawned = std::thread::Builder::new().name("authdeck-paste".into()).spawn(move || {
        read_pastes(std::io::stdin().lock(), |line| paste.blocking_send(line).is_ok());
    });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "no thread to read pasted URLs from stdin");
    }
}

/// The longest line read as a paste: a redirected URL is a few KiB at most.
const MAX_PASTE_LINE: usize = 64 * 1024;

/// Reads lines from `input` and hands each non-blank one to `send` until it returns false or the
/// input ends. A line that isn't UTF-8, or is absurdly long, is refused with a message and the
/// reading goes on: the next line may be the right paste.
fn read_pastes(mut input: impl BufRead, mut send: impl FnMut(String) -> bool) {
    let mut line = Vec::new();
    loop {
        line.clear();
        match std::io::Read::take(&mut input, MAX_PASTE_LINE as u64 + 1).read_until(b'\n', &mut line) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) => {
                err_line(&format!("Cannot read standard input any more ({e}); the listener still waits."));
                return;
            }
        }
        if line.len() > MAX_PASTE_LINE && !line.ends_with(b"\n") {
            err_line(&format!(
                "That line is longer than {} KiB, so it is not a redirected URL; it was skipped.",
                MAX_PASTE_LINE / 1024
            ));
            // Skip the rest of the overlong line.
            let mut rest = Vec::new();
            if input.read_until(b'\n', &mut rest).is_err() {
                return;
            }
            continue;
        }
        match std::str::from_utf8(&line) {
            Ok(text) if text.trim().is_empty() => {}
            Ok(text) => {
                if !send(text.trim_end_matches(['\r', '\n']).to_owned()) {
                    return;
                }
            }
            Err(e) => err_line(&format!(
                "That line is not UTF-8 text (byte {} is not), so it can't be the redirected URL: paste it as text. Still waiting.",
                e.valid_up_to() + 1
            )),
        }
    }
}

fn redirect_uri(config: &AuthConfig) -> String {
    match config {
        AuthConfig::OAuth2(c) => c.redirect_uri.trim().to_owned(),
        _ => String::new(),
    }
}

/// Prints the run's progress on stderr.
struct Progress {
    steps: Vec<StepId>,
    redirect_uri: String,
}

impl Progress {
    fn show(&mut self, event: &FlowEvent) {
        match event {
            FlowEvent::AuthorizationUrl { url, .. } => {
                err_line(&format!("\nOpen this URL in a browser and approve:\n\n  {}\n", one_line(url)));
            }
            FlowEvent::Listener(status @ ListenerStatus::Listening { .. }) => {
                // Only while authdeck listens: with the port taken, forwarding it would hand the
                // code to whoever holds it.
                let hint = crate::platform::Environment::from_process().ssh_forward_hint(&self.redirect_uri);
                if let Some(hint) = hint {
                    err_line(&format!(
                        "This is an SSH session. For the browser on your machine to reach the callback, forward the port first:\n\n  {}\n",
                        one_line(&hint)
                    ));
                }
                err_line(&status.message());
                err_line("Or paste the address the browser was sent to (or just the code) here and press Enter.\n");
            }
            FlowEvent::Listener(ListenerStatus::Closed { .. }) => {}
            FlowEvent::Listener(status) => {
                err_line(&status.message());
                err_line("Paste the address the browser was sent to (or just the code) here and press Enter.\n");
            }
            FlowEvent::DeviceCode(device) => {
                err_line(&format!(
                    "\nOn any device with a browser, open:\n\n  {}\n\nand enter the code:\n\n  {}\n",
                    one_line(&device.verification_uri),
                    one_line(device.user_code.reveal())
                ));
                if let Some(complete) = &device.verification_uri_complete {
                    err_line(&format!("(or open {}, which has the code in it)", one_line(complete.reveal())));
                }
                err_line(&format!(
                    "The code expires in {}. Waiting for the approval (Ctrl-C cancels)…\n",
                    describe_seconds(device.expires_in_secs)
                ));
            }
            // Every poll would fill the screen; what changes the wait is worth a line.
            FlowEvent::DevicePoll(poll) => {
                if poll.answer != PollAnswer::Pending || poll.polls == 1 {
                    err_line(&format!("  {}", one_line(&poll.message())));
                }
            }
            FlowEvent::PasteRejected { message } => err_line(message),
            FlowEvent::StrayRequest { method, path } => {
                err_line(&format!("(ignored a {} {} on the callback port)", one_line(method), one_line(path)))
            }
            FlowEvent::Notice { message, .. } => err_line(&format!("  note: {}", one_line(message))),
            FlowEvent::StepFinished { record } | FlowEvent::StepFailed { record, .. } => self.step(record),
            FlowEvent::StepStarted { .. } | FlowEvent::Exchange { .. } | FlowEvent::Finished(_) => {}
        }
    }

    fn step(&self, record: &StepRecord) {
        let number =
            self.steps.iter().position(|s| *s == record.step).map(|i| format!("{}. ", i + 1)).unwrap_or_default();
        let status = match record.status {
            StepStatus::Ok => "ok",
            StepStatus::Failed => "FAILED",
            StepStatus::Cancelled => "cancelled",
            StepStatus::Skipped => "skipped",
            StepStatus::Waiting | StepStatus::Running => "…",
        };
        err_line(&format!(
            "[{status}] {number}{} ({} ms): {}",
            record.step.label(),
            record.elapsed_ms,
            one_line(&record.summary)
        ));
        for check in &record.checks {
            err_line(&format!("      {}", one_line(&check.line())));
        }
        // The tokens the step sent or read, decoded (client assertions, DPoP proofs, the ID token):
        // their header and claims, never the token (its signature included).
        for jwt in &record.jwts {
            err_line(&format!(
                "      {}: header {} claims {}",
                one_line(&jwt.label),
                one_line(&jwt.header.to_string()),
                one_line(&jwt.claims.to_string())
            ));
        }
    }
}

/// "10 min", "90 s".
fn describe_seconds(seconds: u64) -> String {
    if seconds >= 120 && seconds.is_multiple_of(60) { format!("{} min", seconds / 60) } else { format!("{seconds} s") }
}

fn print_result(report: &FlowReport) -> anyhow::Result<()> {
    let what = report.kind.label().to_lowercase();
    if !report.is_ok() {
        err_line(&format!("\nauthdeck: {what} {}: {}", report.outcome.code(), one_line(&report.message)));
        return Ok(());
    }
    output::out_line(&one_line(&report.message))?;
    if let Some(identity) = &report.identity {
        for (label, value) in [("id", &identity.id), ("name", &identity.name), ("email", &identity.email)] {
            if let Some(value) = value {
                output::out_line(&format!("  {label}: {}", one_line(value)))?;
            }
        }
    }
    if let Some(grant) = &report.grant {
        let now = crate::model::time::now();
        if !grant.scopes.is_empty() {
            output::out_line(&format!("  scopes: {}", one_line(&grant.scopes)))?;
        }
        output::out_line(&format!("  access token: {}", describe_expiry(grant.expires_at, now)))?;
        let refresh =
            match (grant.refresh_token, crate::model::run::describe_refresh_expiry(grant.refresh_expires_at, now)) {
                (true, Some(expiry)) => format!("yes ({})", expiry.trim_start_matches("refresh token ")),
                (true, None) => "yes".to_owned(),
                (false, _) => "no".to_owned(),
            };
        output::out_line(&format!("  refresh token: {refresh}"))?;
        if grant.id_token {
            output::out_line("  ID token: yes")?;
        }
    }
    if let Some(introspection) = &report.introspection {
        for (name, value) in &introspection.claims {
            let value = match value {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            output::out_line(&format!("  {}: {}", one_line(name), one_line(&value)))?;
        }
    }
    for kept in &report.kept {
        output::out_line(&format!("  kept {}: {}", one_line(&kept.name), one_line(&kept.value)))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pastes_go_on_after_a_line_that_is_not_utf8_or_too_long() {
        let mut input = b"\xff\xfe bad\n\n".to_vec();
        input.extend(vec![b'x'; MAX_PASTE_LINE + 10]);
        input.extend(b"\nhttp://127.0.0.1:1/cb?code=c\r\nlast".iter());
        let mut got = Vec::new();
        read_pastes(&input[..], |line| {
            got.push(line);
            true
        });
        assert_eq!(got, ["http://127.0.0.1:1/cb?code=c", "last"]);
    }
}
