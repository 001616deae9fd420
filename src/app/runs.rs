//! Test runs from the TUI: starting a test or a refresh in a test pane, tagging each run's events
//! for the event loop, and keeping every run's end (even when its pane was closed).

use std::collections::BTreeMap;

use tokio::sync::mpsc;

use super::form::{authorization, credentials};
use super::overlay::Confirm;
use super::{App, Command, Done, Job, Message, Origin, Outcome, Overlay, report};
use crate::flow::{
    Connection, Credentials, FlowError, FlowEvent, FlowKind, FlowOptions, FlowRequest, FlowRunner, Lab, TokenChoice,
    credential_prompts,
};
use crate::model::{AuthConfig, Authorization, Endpoint};

use super::test_pane::TestPane;

/// The runs of this app: the shared runner, the channel their tagged events arrive on, and which
/// runs have not ended yet.
pub struct Runs {
    /// Made on the first test: it holds the shared HTTP client.
    runner: Option<FlowRunner>,
    pub options: FlowOptions,
    /// The app's inbox: each run's events arrive there tagged with the run's id.
    inbox: mpsc::Sender<Message>,
    next: u64,
    /// Runs started and not yet ended (a closed pane's run ends on its own, cancelled), with the
    /// saved connection each works on, if any.
    running: BTreeMap<u64, Option<i64>>,
}

impl Runs {
    /// True while a run on the saved connection `connection_id` hasn't ended.
    fn busy_with(&self, connection_id: i64) -> bool {
        self.running.values().any(|c| *c == Some(connection_id))
    }

    pub fn new(inbox: mpsc::Sender<Message>) -> Runs {
        Runs { runner: None, options: FlowOptions::default(), inbox, next: 0, running: BTreeMap::new() }
    }

    /// Starts a run in a tokio task; the pane that shows it.
    fn launch(&mut self, request: FlowRequest, now: std::time::Instant) -> Result<TestPane, String> {
        let runner = match &self.runner {
            Some(runner) => runner.clone(),
            None => {
                // The CAs of AUTHDECK_CA_FILE, unless the options were set otherwise (tests).
                let mut options = self.options.clone();
                if options.extra_roots.is_empty() {
                    options.extra_roots = FlowOptions::from_environment().map_err(|e| e.to_string())?.extra_roots;
                }
                self.runner.insert(FlowRunner::new(options).map_err(|e| e.to_string())?).clone()
            }
        };
        self.next += 1;
        let run_id = self.next;
        let mut pane = TestPane::new(run_id, &request, now);
        // Tag the run's events with its id, so a late event of a closed run never lands in a new pane.
        let (tx, mut rx) = mpsc::channel(64);
        let inbox = self.inbox.clone();
        tokio::spawn(async move {
            while let Some(event) = rx.recv().await {
                if inbox.send(Message::Flow { run: run_id, event }).await.is_err() {
                    break;
                }
            }
        });
        let connection = request.connection_id();
        pane.handle = Some(runner.spawn(request, tx));
        self.running.insert(run_id, connection);
        Ok(pane)
    }
}

impl Runs {
    /// Reads an issuer's discovery document in a task; the answer comes back as
    /// [`Message::Discovered`] for the form at `overlay`.
    pub fn discover(&mut self, issuer: String, overlay: usize) -> Result<(), String> {
        let runner = match &self.runner {
            Some(runner) => runner.clone(),
            None => self.runner.insert(FlowRunner::new(self.options.clone()).map_err(|e| e.to_string())?).clone(),
        };
        let inbox = self.inbox.clone();
        tokio::spawn(async move {
            let (result, _) = runner.discover(&issuer).await;
            let result = result.map(Box::new).map_err(|e| e.to_string());
            let _ = inbox.send(Message::Discovered { overlay, result }).await;
        });
        Ok(())
    }
}

impl App {
    /// True while a test runs in a pane (the spinner and elapsed times need redrawing).
    pub fn is_testing(&self) -> bool {
        self.overlays.iter().any(|o| matches!(o, Overlay::TestPane(p) if p.is_running()))
    }

    /// True while some test run has not ended yet.
    pub fn has_running_tests(&self) -> bool {
        !self.runs.running.is_empty()
    }

    /// Cancels every run still going (on quit), so each ends, frees its port and is recorded.
    pub fn cancel_all_tests(&mut self) {
        for overlay in &self.overlays {
            if let Overlay::TestPane(pane) = overlay {
                pane.cancel();
            }
        }
    }

    /// Tests an authorization: asks for the key or credentials first where it needs them (`answers`
    /// are the user's replies), then runs the flow in the test pane.
    pub(super) fn start_test(&mut self, authorization_id: i64, answers: Option<Vec<String>>) {
        let Some(auth) = self.data.authorization(authorization_id).cloned() else { return };
        // What is missing is said now, not after the browser trip; yes opens the form at it.
        if answers.is_none()
            && let Some((form, message)) = authorization::blockers(&auth, &self.data)
        {
            let question = format!("{message}\n\nOpen its form at that field?");
            let on_yes = vec![Command::Push(Overlay::Form(Box::new(form)))];
            let confirm = Confirm::new(question, on_yes).titled("Not ready to test");
            return self.apply(vec![Command::Push(Overlay::Confirm(confirm))]);
        }
        let prompts = credential_prompts(&auth.config);
        let credentials = match answers {
            None if !prompts.is_empty() => {
                let form = credentials::form(&auth, &prompts);
                return self.apply(vec![Command::Push(Overlay::Form(Box::new(form)))]);
            }
            None => Credentials::None,
            Some(answers) => Credentials::from_answers(&auth.config, answers),
        };
        match FlowRequest::test(&auth, &self.data.endpoints, credentials) {
            Ok(request) => self.show_run(request),
            Err(e) => self.error(e.to_string()),
        }
    }

    /// Runs a refresh-token grant, a revocation or an introspection on a saved connection, in the
    /// test pane.
    pub(super) fn start_on_connection(&mut self, connection_id: i64, kind: FlowKind) {
        self.run_on_connection(connection_id, |auth, endpoints, connection| match kind {
            FlowKind::Revoke => FlowRequest::revoke(auth, endpoints, connection, TokenChoice::Both),
            FlowKind::Introspect => FlowRequest::introspect(auth, endpoints, connection, TokenChoice::Access),
            FlowKind::ForceExpiry => FlowRequest::lab(auth, endpoints, connection, Lab::ForceExpiry),
            FlowKind::RotationTest => FlowRequest::lab(auth, endpoints, connection, Lab::Rotation { reuse: false }),
            FlowKind::LifetimeProbe => FlowRequest::lab(auth, endpoints, connection, Lab::LIFETIME),
            FlowKind::Check => FlowRequest::check(
                auth,
                endpoints,
                Some(connection),
                Credentials::None,
                crate::flow::RefreshPolicy::WhenNeeded,
            ),
            FlowKind::Refresh | FlowKind::Test => FlowRequest::refresh_connection(auth, endpoints, connection),
        })
    }

    /// The refresh lab on a saved connection, in the test pane.
    pub(super) fn start_lab(&mut self, connection_id: i64, lab: Lab) {
        self.run_on_connection(connection_id, |auth, endpoints, connection| {
            FlowRequest::lab(auth, endpoints, connection, lab)
        })
    }

    fn run_on_connection(
        &mut self,
        connection_id: i64,
        request: impl FnOnce(&Authorization, &[Endpoint], &Connection) -> Result<FlowRequest, FlowError>,
    ) {
        let Some(connection) = self.data.connection(connection_id).cloned() else {
            return self.error("That connection is gone: it may have been deleted.");
        };
        // Two refreshes of one connection at once would send the same refresh token twice, which
        // a rotating provider takes for a stolen token's reuse (and revokes the grant).
        if self.runs.busy_with(connection_id) {
            return self.error("A run on this connection is still going: wait for it to end (or cancel it) first.");
        }
        let Some(auth) = self.data.authorization(connection.authorization_id).cloned() else {
            return self.error("The authorization of that connection is gone.");
        };
        match request(&auth, &self.data.endpoints, &connection) {
            Ok(request) => self.show_run(request),
            Err(e) => self.error(e.to_string()),
        }
    }

    fn show_run(&mut self, request: FlowRequest) {
        let mut pane = match self.runs.launch(request, self.clock.now()) {
            Ok(pane) => pane,
            Err(message) => return self.error(message),
        };
        if let Some(AuthConfig::OAuth2(c)) = self.data.authorization(pane.authorization_id).map(|a| &a.config) {
            pane.ssh_hint = self.env.ssh_forward_hint(&c.redirect_uri);
        }
        // A pane showing a finished run gives way to the new one.
        if matches!(self.overlays.last(), Some(Overlay::TestPane(p)) if !p.is_running()) {
            self.overlays.pop();
        }
        self.overlays.push(Overlay::TestPane(Box::new(pane)));
    }

    /// One event of a test run. The run's end is kept even when its pane was closed.
    pub(super) fn flow_event(&mut self, run: u64, event: FlowEvent) {
        if let FlowEvent::Finished(report) = event {
            self.runs.running.remove(&run);
            return self.submit(Origin::Run(run), Job::RecordFlow(report));
        }
        let now = self.clock.now();
        if let Some(pane) = self.pane_of_run(run) {
            pane.apply(event, now);
        }
    }

    /// A run's record was written (or not): its pane shows how it ended.
    pub(super) fn run_recorded(&mut self, run: u64, outcome: Outcome) -> Vec<Command> {
        let Ok(Done::Recorded { report, recorded }) = outcome else { return report(outcome) };
        let mut commands = Vec::new();
        let connection_id = match recorded {
            Ok(run) => run.connection_id,
            Err(message) => {
                commands.push(Command::Error(message));
                None
            }
        };
        if let Some(pane) = self.pane_of_run(run) {
            pane.finish(*report, connection_id);
        }
        commands
    }

    fn pane_of_run(&mut self, run: u64) -> Option<&mut TestPane> {
        self.overlays.iter_mut().find_map(|o| match o {
            Overlay::TestPane(p) if p.run_id == run => Some(p.as_mut()),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_is_busy_while_a_run_on_it_has_not_ended() {
        let (inbox, _) = mpsc::channel(1);
        let mut runs = Runs::new(inbox);
        runs.running.insert(1, None);
        runs.running.insert(2, Some(7));
        assert!(runs.busy_with(7) && !runs.busy_with(8));
        runs.running.remove(&2);
        assert!(!runs.busy_with(7));
    }
}
