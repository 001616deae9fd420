//! Testing from the TUI: starting a test or a refresh in the test pane, feeding it the run's
//! events (and saving every run's end), and the pane's keys. The pane's own state is `test_pane`.

use tokio::sync::mpsc;

use super::form::{Field, FieldKey, Form, FormTarget};
use super::test_pane::TestPane;
use super::{App, Effect, Overlay};
use crate::flow::{Credentials, FlowEvent, FlowRequest, FlowRunner, credential_prompts};
use crate::keymap::Action;

impl App {
    /// Tests an authorization: asks for the key or credentials first where it needs them (`answers`
    /// are the user's replies), then runs the flow in the test pane.
    pub(super) fn start_test(&mut self, authorization_id: i64, answers: Option<Vec<String>>) {
        let Some(auth) = self.authorizations.iter().find(|a| a.id == authorization_id).cloned() else { return };
        let prompts = credential_prompts(&auth.config);
        let credentials = match answers {
            None if !prompts.is_empty() => {
                let mut fields: Vec<Field> = prompts
                    .iter()
                    .enumerate()
                    .map(|(i, p)| {
                        let key = FieldKey::Credential(i);
                        let help = "Used for this test only; never saved.";
                        if p.secret {
                            Field::secret(key, p.label.clone(), help, "")
                        } else {
                            Field::text(key, p.label.clone(), help, "")
                        }
                    })
                    .collect();
                fields.push(Field::button("Test"));
                let title = format!("Test \"{}\"", auth.name);
                let form = Form::new(title, FormTarget::TestCredentials(auth.id), fields);
                self.overlays.push(Overlay::Form(Box::new(form)));
                return;
            }
            None => Credentials::None,
            Some(answers) => Credentials::from_answers(&auth.config, answers),
        };
        match FlowRequest::test(&auth, &self.endpoints, credentials) {
            Ok(request) => self.launch(request),
            Err(e) => self.error(e.to_string()),
        }
    }

    /// Runs a refresh-token grant on a saved connection, in the test pane.
    pub(super) fn start_refresh(&mut self, connection_id: i64) {
        let Some(connection) = self.connections.iter().find(|c| c.id == connection_id) else {
            return self.error("That connection is gone: it may have been deleted.");
        };
        let Some(auth) = self.authorizations.iter().find(|a| a.id == connection.authorization_id).cloned() else {
            return self.error("The authorization of that connection is gone.");
        };
        let token = connection.tokens.refresh_token.clone().unwrap_or_else(|| String::new().into());
        match FlowRequest::refresh(&auth, &self.endpoints, connection_id, token) {
            Ok(request) => self.launch(request),
            Err(e) => self.error(e.to_string()),
        }
    }

    fn launch(&mut self, request: FlowRequest) {
        let runner = match &self.runner {
            Some(runner) => runner.clone(),
            None => match FlowRunner::new(self.flow_options.clone()) {
                Ok(runner) => self.runner.insert(runner).clone(),
                Err(e) => return self.error(e.to_string()),
            },
        };
        self.next_run += 1;
        let run_id = self.next_run;
        let auth = &request.authorization;
        let mut pane = TestPane::new(run_id, auth.id, auth.name.clone(), request.kind(), request.steps());
        // Tag the run's events with its id, so a late event of a closed run never lands in a new pane.
        let (tx, mut rx) = mpsc::channel(64);
        let tagged = self.flow_tx.clone();
        tokio::spawn(async move {
            while let Some(event) = rx.recv().await {
                if tagged.send((run_id, event)).await.is_err() {
                    break;
                }
            }
        });
        pane.handle = Some(runner.spawn(request, tx));
        self.running.insert(run_id);
        // A pane showing a finished run gives way to the new one.
        if matches!(self.overlays.last(), Some(Overlay::TestPane(p)) if !p.is_running()) {
            self.overlays.pop();
        }
        self.overlays.push(Overlay::TestPane(Box::new(pane)));
    }

    /// One event of a test run. The run's end is saved even when its pane was closed.
    pub fn handle_flow_event(&mut self, run_id: u64, event: FlowEvent) {
        let event = match event {
            FlowEvent::Finished(report) => {
                self.running.remove(&run_id);
                let mut report = *report;
                let recorded = self.store.record_flow(&mut report);
                if let Err(e) = self.reload() {
                    self.error(e.to_string());
                }
                let connection_id = match recorded {
                    Ok(run) => run.connection_id,
                    Err(e) => {
                        self.error(format!("The test ended but could not be saved: {e}"));
                        None
                    }
                };
                if let Some(pane) = self.pane_of_run(run_id) {
                    pane.finish(report, connection_id);
                }
                return;
            }
            FlowEvent::AuthorizationUrl { url, redirect_uri } => {
                let hint = self.env.ssh_forward_hint(&redirect_uri);
                if let Some(pane) = self.pane_of_run(run_id) {
                    pane.ssh_hint = hint;
                }
                FlowEvent::AuthorizationUrl { url, redirect_uri }
            }
            other => other,
        };
        if let Some(pane) = self.pane_of_run(run_id) {
            pane.apply(event);
        }
    }

    /// True while some test run has not ended yet.
    pub fn has_running_tests(&self) -> bool {
        !self.running.is_empty()
    }

    /// Cancels every run still going (on quit), so each ends, frees its port and is recorded.
    pub fn cancel_all_tests(&mut self) {
        for overlay in &mut self.overlays {
            if let Overlay::TestPane(pane) = overlay
                && let Some(handle) = &pane.handle
            {
                handle.cancel();
            }
        }
    }

    fn pane_of_run(&mut self, run_id: u64) -> Option<&mut TestPane> {
        self.overlays.iter_mut().find_map(|o| match o {
            Overlay::TestPane(p) if p.run_id == run_id => Some(p.as_mut()),
            _ => None,
        })
    }

    pub(super) fn update_test_pane(&mut self, action: Action) {
        let Some(pane) = self.test_pane_mut() else { return };
        match action {
            Action::Up => pane.select(pane.selected.saturating_sub(1)),
            Action::Down => pane.select(pane.selected + 1),
            Action::ScrollDown => pane.detail_scroll = pane.detail_scroll.saturating_add(10),
            Action::ScrollUp => pane.detail_scroll = pane.detail_scroll.saturating_sub(10),
            Action::Reveal => pane.toggle_reveal(),
            Action::Copy => {
                if let Some(url) = pane.auth_url.clone() {
                    self.effects.push(Effect::CopyToClipboard(url));
                    self.info("Copied the authorization URL to your clipboard (OSC 52; your terminal must allow it).");
                }
            }
            Action::OpenBrowser => {
                if let Some(url) = pane.auth_url.clone() {
                    self.effects.push(Effect::OpenBrowser(url));
                    self.info("Opening the authorization URL in your browser…");
                }
            }
            Action::Paste if pane.paste_focused => self.submit_paste(),
            Action::Paste => pane.focus_paste(),
            Action::Submit => self.submit_paste(),
            Action::Test => {
                let id = pane.authorization_id;
                self.start_test(id, None);
            }
            Action::Refresh => {
                if let Some(id) = pane.connection_id {
                    self.start_refresh(id);
                }
            }
            Action::Cancel if pane.paste_focused => pane.paste_focused = false,
            Action::Cancel if pane.is_running() && !pane.cancelling => {
                if let Some(handle) = &pane.handle {
                    handle.cancel();
                }
                pane.cancelling = true;
                self.info("Cancelling the test… (Esc again closes the pane)");
            }
            Action::Cancel => {
                self.overlays.pop();
            }
            _ => {}
        }
    }

    /// Hands the paste box's text to the waiting flow.
    fn submit_paste(&mut self) {
        let Some(pane) = self.test_pane_mut() else { return };
        let text = pane.paste.lines().join("").trim().to_owned();
        if text.is_empty() {
            pane.paste_error =
                Some("Paste the redirected URL from the browser's address bar, or just the code.".into());
            return;
        }
        // The text stays in the box until the flow accepts it, so a refused paste can be fixed.
        let sent = pane.handle.as_ref().is_some_and(|h| h.paste(text));
        if sent {
            pane.paste_error = None;
        } else {
            pane.paste_error = Some("The test is no longer waiting for a callback.".into());
        }
    }
}
