//! The steps of a run, in order, with their events and records; cancellation around all of them.

use std::time::Instant;

use serde_json::Value;
use tokio::sync::{mpsc, watch};

use super::authorize::{AuthorizationRequest, Pkce, authorization_url, random_token};
use super::callback::{CallbackListener, CallbackParams, CallbackSource, ListenerMessage, parse_paste};
use super::error::{FlowError, hint_for};
use super::events::{FlowEvent, ListenerStatus, millis};
use super::http::{HttpClient, PreparedRequest, exchange_records, read_response};
use super::request::{
    TemplateVars, apply_client_auth, basic_credentials, endpoint_uses, refresh_endpoint, render_endpoint,
};
use super::{Credentials, FlowInputs, FlowOptions, FlowRequest, redactor_for};
use crate::model::mapping;
use crate::model::redact::{Redactor, Sensitive};
use crate::model::run::{
    FlowKind, FlowReport, HttpExchange, Identity, RunOutcome, StepId, StepRecord, StepStatus, Tokens,
};
use crate::model::{AuthConfig, Endpoint, KeyPlacement, OAuth2Config, ResponseMapping};

/// Runs every step of `request`, stopping at the first failure or at a cancel.
pub(crate) async fn run(
    http: &HttpClient,
    options: &FlowOptions,
    request: FlowRequest,
    events: mpsc::Sender<FlowEvent>,
    inputs: FlowInputs,
) -> FlowReport {
    let FlowInputs { mut paste, mut cancel } = inputs;
    let started_at = unix_now();
    let mut run = Run {
        http,
        options,
        events,
        redactor: redactor_for(&request),
        steps: Vec::new(),
        current: None,
        listening_port: None,
        identity: None,
        tokens: None,
    };
    let result = tokio::select! {
        biased;
        () = cancelled(&mut cancel) => Err(FlowError::Cancelled),
        result = run.all_steps(&request, &mut paste) => result,
    };
    if let Err(FlowError::Cancelled) = &result {
        run.close_cancelled().await;
    }
    let report = run.report(&request, started_at, result);
    tracing::info!(outcome = report.outcome.code(), result = %report.message, "flow finished");
    let _ = run.events.send(FlowEvent::Finished(Box::new(report.clone()))).await;
    report
}

/// Resolves when the caller cancels or drops its [`super::FlowControl`].
async fn cancelled(cancel: &mut watch::Receiver<bool>) {
    loop {
        if *cancel.borrow_and_update() {
            return;
        }
        if cancel.changed().await.is_err() {
            return;
        }
    }
}

fn unix_now() -> i64 {
    crate::model::time::now()
}

/// The step running now.
struct Current {
    step: StepId,
    started: Instant,
    notes: Vec<String>,
    exchanges: Vec<HttpExchange>,
}

impl Current {
    fn record(self, status: StepStatus, summary: String) -> StepRecord {
        StepRecord {
            step: self.step,
            status,
            elapsed_ms: millis(self.started.elapsed()),
            summary,
            notes: self.notes,
            exchanges: self.exchanges,
        }
    }
}

struct Run<'a> {
    http: &'a HttpClient,
    options: &'a FlowOptions,
    events: mpsc::Sender<FlowEvent>,
    redactor: Redactor,
    steps: Vec<StepRecord>,
    current: Option<Current>,
    listening_port: Option<u16>,
    identity: Option<Identity>,
    tokens: Option<Tokens>,
}

impl Run<'_> {
    async fn emit(&self, event: FlowEvent) {
        // A caller that stopped listening still gets the report from `run`.
        let _ = self.events.send(event).await;
    }

    async fn begin(&mut self, step: StepId) {
        tracing::info!(step = %step, "step started");
        self.current = Some(Current { step, started: Instant::now(), notes: Vec::new(), exchanges: Vec::new() });
        self.emit(FlowEvent::StepStarted { step }).await;
    }

    async fn note(&mut self, message: String) {
        let message = self.redactor.text(&message);
        let Some(current) = &mut self.current else { return };
        current.notes.push(message.clone());
        let step = current.step;
        self.emit(FlowEvent::Notice { step, message }).await;
    }

    /// Ends the running step with its result: `Ok((value, summary))` or the error that stops the flow.
    async fn end<T>(&mut self, result: Result<(T, String), FlowError>) -> Result<T, FlowError> {
        let Some(current) = self.current.take() else { return result.map(|(value, _)| value) };
        match result {
            Ok((value, summary)) => {
                let record = current.record(StepStatus::Ok, self.redactor.text(&summary));
                tracing::info!(step = %record.step, elapsed_ms = record.elapsed_ms, summary = %record.summary, "step ok");
                self.steps.push(record.clone());
                self.emit(FlowEvent::StepFinished { record }).await;
                Ok(value)
            }
            Err(error) => {
                let error = self.scrub(error);
                let record = current.record(StepStatus::Failed, error.to_string());
                tracing::warn!(step = %record.step, elapsed_ms = record.elapsed_ms, error = %record.summary, "step failed");
                self.steps.push(record.clone());
                self.emit(FlowEvent::StepFailed { record, error: error.clone() }).await;
                Err(error)
            }
        }
    }

    /// The error as it may be shown: one whose text holds a known secret (a rendered URL in a
    /// configuration error…) is replaced by its redacted text.
    fn scrub(&self, error: FlowError) -> FlowError {
        let text = error.to_string();
        if self.redactor.leaks(&text) { FlowError::Config(self.redactor.text(&text)) } else { error }
    }

    async fn skip(&mut self, step: StepId, reason: &str) {
        let record = StepRecord {
            step,
            status: StepStatus::Skipped,
            elapsed_ms: 0,
            summary: reason.to_owned(),
            notes: Vec::new(),
            exchanges: Vec::new(),
        };
        self.steps.push(record.clone());
        self.emit(FlowEvent::StepFinished { record }).await;
    }

    /// After a cancel: the step that was running is recorded as cancelled; a listener is gone with it.
    async fn close_cancelled(&mut self) {
        if let Some(port) = self.listening_port.take() {
            self.emit(FlowEvent::Listener(ListenerStatus::Closed { port })).await;
        }
        if let Some(current) = self.current.take() {
            let record = current.record(StepStatus::Cancelled, "Cancelled.".into());
            tracing::info!(step = %record.step, "step cancelled");
            self.steps.push(record.clone());
            self.emit(FlowEvent::StepFailed { record, error: FlowError::Cancelled }).await;
        }
    }

    fn report(&self, request: &FlowRequest, started_at: i64, result: Result<(), FlowError>) -> FlowReport {
        let kind = if request.refresh.is_some() { FlowKind::Refresh } else { FlowKind::Test };
        let (outcome, message) = match result {
            Ok(()) => (RunOutcome::Ok, self.success_message(kind)),
            Err(FlowError::Cancelled) => {
                let at = match self.steps.last() {
                    Some(s) if s.status == StepStatus::Cancelled => format!(" during \"{}\"", s.step.label()),
                    Some(s) => format!(" after \"{}\"", s.step.label()),
                    None => String::new(),
                };
                (RunOutcome::Cancelled, format!("Cancelled{at}."))
            }
            Err(error) => (RunOutcome::Failed, error.to_string()),
        };
        let tokens = if outcome == RunOutcome::Ok { self.tokens.clone() } else { None };
        FlowReport {
            authorization_id: request.authorization.id,
            auth_kind: request.authorization.kind(),
            kind,
            outcome,
            message,
            started_at,
            finished_at: unix_now(),
            steps: self.steps.clone(),
            identity: self.identity.clone(),
            grant: tokens.as_ref().map(Tokens::summary),
            kept: Vec::new(),
            tokens,
            refresh_of: request.refresh.as_ref().map(|(id, _)| *id),
        }
    }

    fn success_message(&self, kind: FlowKind) -> String {
        let who = self.identity.as_ref().map(Identity::display);
        match (kind, who) {
            (FlowKind::Refresh, Some(who)) => format!("Refreshed; the new access token works for {who}."),
            (FlowKind::Refresh, None) => "Refreshed: got a new access token.".into(),
            (FlowKind::Test, Some(who)) => format!("Connected as {who}."),
            (FlowKind::Test, None) => "Got an access token (no user information endpoint to say whose).".into(),
        }
    }

    async fn all_steps(&mut self, request: &FlowRequest, paste: &mut mpsc::Receiver<String>) -> Result<(), FlowError> {
        match &request.authorization.config {
            AuthConfig::OAuth2(config) => match &request.refresh {
                None => self.oauth2_test(request, config, paste).await,
                Some((_, refresh_token)) => self.refresh(request, config, refresh_token).await,
            },
            AuthConfig::ApiKey(_) | AuthConfig::Basic(_) => self.credentials_test(request).await,
        }
    }

    async fn oauth2_test(
        &mut self,
        request: &FlowRequest,
        config: &OAuth2Config,
        paste: &mut mpsc::Receiver<String>,
    ) -> Result<(), FlowError> {
        // 1: the authorization URL, after checking the endpoints' templates so no login is wasted.
        self.begin(StepId::AuthorizationUrl).await;
        let prepared = preflight(request, config).and_then(|()| prepare_authorization(config));
        if let Ok(auth) = &prepared {
            for note in auth.notes.clone() {
                self.note(note).await;
            }
            let redirect_uri = config.redirect_uri.trim().to_owned();
            self.emit(FlowEvent::AuthorizationUrl { url: auth.url.clone(), redirect_uri }).await;
        }
        let summary = if config.pkce { "state and PKCE (S256) added" } else { "state added (PKCE is off)" };
        let auth = self.end(prepared.map(|a| (a, summary.to_owned()))).await?;

        // 2: the callback, through the listener or pasted.
        self.begin(StepId::Callback).await;
        let params = self.wait_for_callback(config.redirect_uri.trim(), paste).await;
        let params = self
            .end(params.map(|p| {
                let how = match p.source {
                    CallbackSource::Listener => "received by the listener",
                    CallbackSource::PastedUrl => "pasted redirected URL",
                    CallbackSource::PastedCode => "pasted code",
                };
                (p, how.to_owned())
            }))
            .await?;

        // 3: the callback checked.
        self.begin(StepId::CallbackCheck).await;
        let checked = check_callback(&params, &auth.state);
        if let Ok((code, _)) = &checked {
            self.redactor.add(code.reveal());
            if params.source == CallbackSource::PastedCode {
                self.note("Only the code was pasted, so its state could not be checked.".into()).await;
            }
        }
        let code = self.end(checked).await?;

        // 4: the code exchanged for tokens.
        self.begin(StepId::TokenExchange).await;
        let exchanged = self.exchange_code(request, config, &auth, &code).await;
        let tokens = self.end(exchanged).await?;
        self.tokens = Some(tokens.clone());

        // 5: who the tokens belong to.
        self.user_info(request, config, &tokens).await
    }

    async fn wait_for_callback(
        &mut self,
        redirect_uri: &str,
        paste: &mut mpsc::Receiver<String>,
    ) -> Result<CallbackParams, FlowError> {
        let mut listener = match CallbackListener::bind(redirect_uri).await {
            Ok(listener) => {
                self.listening_port = Some(listener.port());
                self.emit(FlowEvent::Listener(listener.status())).await;
                Some(listener)
            }
            Err(status) => {
                self.emit(FlowEvent::Listener(status)).await;
                None
            }
        };
        let result = self.first_callback(listener.as_mut(), redirect_uri, paste).await;
        if let Some(listener) = listener {
            let port = listener.port();
            drop(listener);
            self.listening_port = None;
            self.emit(FlowEvent::Listener(ListenerStatus::Closed { port })).await;
        }
        result
    }

    /// Whichever comes first: the listener's callback or a usable paste. Stray requests and
    /// unusable pastes are reported and the wait goes on, up to the callback timeout.
    async fn first_callback(
        &mut self,
        mut listener: Option<&mut CallbackListener>,
        redirect_uri: &str,
        paste: &mut mpsc::Receiver<String>,
    ) -> Result<CallbackParams, FlowError> {
        let deadline = tokio::time::sleep(self.options.callback_timeout);
        tokio::pin!(deadline);
        let mut paste_open = true;
        loop {
            tokio::select! {
                message = next_message(listener.as_deref_mut()) => match message {
                    ListenerMessage::Callback(params) => return Ok(params),
                    ListenerMessage::Stray { method, path } => {
                        tracing::debug!(%method, %path, "stray request on the callback listener");
                        self.emit(FlowEvent::StrayRequest { method, path }).await;
                    }
                },
                text = paste.recv(), if paste_open => match text {
                    None => paste_open = false,
                    Some(text) => match parse_paste(&text, redirect_uri) {
                        Ok(params) => return Ok(params),
                        Err(message) => self.emit(FlowEvent::PasteRejected { message }).await,
                    },
                },
                () = &mut deadline => {
                    return Err(FlowError::CallbackTimeout { millis: millis(self.options.callback_timeout) });
                }
            }
        }
    }

    async fn exchange_code(
        &mut self,
        request: &FlowRequest,
        config: &OAuth2Config,
        auth: &AuthorizationRequest,
        code: &Sensitive<String>,
    ) -> Result<(Tokens, String), FlowError> {
        let endpoint = token_endpoint(request)?;
        let mut vars = client_vars(config);
        vars.set("code", code.reveal().clone());
        vars.set_opt("code_verifier", auth.code_verifier.as_ref().map(|v| v.reveal().as_str()));
        let label = format!("token endpoint \"{}\"", endpoint.name);
        let mut prepared = render_endpoint(endpoint, &label, &vars, &[])?;
        apply_client_auth(&mut prepared, config);
        let requested = config.scopes.trim().to_owned();
        let (tokens, status) =
            self.exchange(&prepared, |value| read_tokens(value, &endpoint.mapping, &label, &requested, None)).await?;
        Ok((tokens.clone(), token_summary(status, &tokens)))
    }

    async fn refresh(
        &mut self,
        request: &FlowRequest,
        config: &OAuth2Config,
        refresh_token: &Sensitive<String>,
    ) -> Result<(), FlowError> {
        self.begin(StepId::Refresh).await;
        let refreshed = self.refresh_grant(request, config, refresh_token).await;
        let tokens = self.end(refreshed).await?;
        self.tokens = Some(tokens.clone());
        self.user_info(request, config, &tokens).await
    }

    async fn refresh_grant(
        &mut self,
        request: &FlowRequest,
        config: &OAuth2Config,
        refresh_token: &Sensitive<String>,
    ) -> Result<(Tokens, String), FlowError> {
        let endpoint = refresh_endpoint(token_endpoint(request)?);
        let mut vars = client_vars(config);
        vars.set("refresh_token", refresh_token.reveal().clone());
        let label = format!("token endpoint \"{}\"", endpoint.name);
        let mut prepared = render_endpoint(&endpoint, &label, &vars, &[])?;
        apply_client_auth(&mut prepared, config);
        let requested = config.scopes.trim().to_owned();
        let (tokens, status) = self
            .exchange(&prepared, |value| read_tokens(value, &endpoint.mapping, &label, &requested, Some(refresh_token)))
            .await?;
        let mut summary = token_summary(status, &tokens);
        if tokens.refresh_token.as_ref() == Some(refresh_token) {
            summary.push_str(" (same refresh token)");
        }
        Ok((tokens, summary))
    }

    /// Step 5 of OAuth 2.0: the user information endpoint with the access token.
    async fn user_info(
        &mut self,
        request: &FlowRequest,
        config: &OAuth2Config,
        tokens: &Tokens,
    ) -> Result<(), FlowError> {
        let Some(endpoint) = &request.userinfo_endpoint else {
            self.skip(StepId::UserInfo, "No user information endpoint is configured, so the identity is unknown.")
                .await;
            return Ok(());
        };
        self.begin(StepId::UserInfo).await;
        let mut vars = client_vars(config);
        vars.set("access_token", tokens.access_token.reveal().clone());
        vars.set_opt("refresh_token", tokens.refresh_token.as_ref().map(|t| t.reveal().as_str()));
        let label = format!("user information endpoint \"{}\"", endpoint.name);
        let result = match render_endpoint(endpoint, &label, &vars, &[]) {
            Ok(mut prepared) => {
                if !endpoint_uses(endpoint, "access_token") && prepared.header("authorization").is_none() {
                    let scheme = bearer_scheme(tokens.token_type.as_deref());
                    prepared.set_header("Authorization", format!("{scheme} {}", tokens.access_token.reveal()));
                    self.note(
                        "The endpoint doesn't use {{access_token}}, so authdeck sent it as an Authorization header."
                            .into(),
                    )
                    .await;
                }
                self.identity_from(&prepared, endpoint, &label).await
            }
            Err(e) => Err(e),
        };
        let identity = self.end(result).await?;
        self.identity = Some(identity);
        Ok(())
    }

    /// API-Key and Basic: the user information endpoint with the credentials placed as configured.
    async fn credentials_test(&mut self, request: &FlowRequest) -> Result<(), FlowError> {
        self.begin(StepId::UserInfo).await;
        let result = self.credentials_call(request).await;
        let identity = self.end(result).await?;
        self.identity = Some(identity);
        Ok(())
    }

    async fn credentials_call(&mut self, request: &FlowRequest) -> Result<(Identity, String), FlowError> {
        let endpoint = request.userinfo_endpoint.as_ref().ok_or_else(|| {
            FlowError::Config("Choose a user information endpoint to test this authorization with.".into())
        })?;
        let label = format!("user information endpoint \"{}\"", endpoint.name);
        // The endpoint may be shared with an OAuth 2.0 authorization: what uses a token is left out.
        let mut vars = TemplateVars::default();
        vars.set_opt("access_token", None);
        vars.set_opt("refresh_token", None);
        let prepared = match (&request.authorization.config, &request.credentials) {
            (AuthConfig::ApiKey(config), Credentials::ApiKey(key)) => {
                vars.set("api_key", key.reveal().clone());
                let value = vars.render(&config.value_template).map_err(|message| FlowError::Template {
                    endpoint: "API key".into(),
                    field: "value",
                    message,
                })?;
                self.redactor.add(&value);
                // However short the key, its own header or parameter is hidden by name.
                self.redactor.add_name(&config.param_name);
                let name = config.param_name.trim();
                let omit: &[&str] = if config.placement == KeyPlacement::Header { &[name] } else { &[] };
                let mut prepared = render_endpoint(endpoint, &label, &vars, omit)?;
                match config.placement {
                    KeyPlacement::Header => prepared.set_header(name, value),
                    KeyPlacement::Query => set_query_param(&mut prepared.url, name, &value),
                }
                prepared
            }
            (AuthConfig::Basic(_), Credentials::Basic { username, password }) => {
                vars.set("username", username.clone());
                vars.set("password", password.reveal().clone());
                let mut prepared = render_endpoint(endpoint, &label, &vars, &["Authorization"])?;
                prepared.set_header("Authorization", basic_credentials(username, password.reveal()));
                prepared
            }
            _ => return Err(FlowError::Config("Enter the credentials to test this authorization with.".into())),
        };
        self.identity_from(&prepared, endpoint, &label).await
    }

    async fn identity_from(
        &mut self,
        prepared: &PreparedRequest,
        endpoint: &Endpoint,
        label: &str,
    ) -> Result<(Identity, String), FlowError> {
        let (identity, status) =
            self.exchange(prepared, |value| read_identity(value, &endpoint.mapping, label)).await?;
        Ok((identity.clone(), format!("HTTP {status}: {}", identity.display())))
    }

    /// Sends a request, reads its response with `read` (which also names the secrets found in it),
    /// and records the exchange with those secrets already hidden.
    async fn exchange<T>(
        &mut self,
        request: &PreparedRequest,
        read: impl FnOnce(&Value) -> Result<(T, Vec<String>), FlowError>,
    ) -> Result<(T, u16), FlowError> {
        for note in &request.omitted {
            self.note(note.clone()).await;
        }
        tracing::info!(method = %request.method, url = %self.redactor.url(request.url.as_str()), "request");
        let started = Instant::now();
        let sent = self.http.send(request).await;
        let elapsed = started.elapsed();
        let outcome = match &sent {
            Ok(reply) => read_response(&request.label, reply, self.http.body_limit(), &self.redactor)
                .and_then(|value| read(&value))
                .map(|(value, secrets)| (value, secrets, reply.status)),
            Err(error) => Err(error.clone()),
        };
        if let Ok((_, secrets, _)) = &outcome {
            for secret in secrets {
                self.redactor.add(secret);
            }
        }
        let (redacted, raw) = exchange_records(request, sent.as_ref().ok(), elapsed, &self.redactor);
        if let Ok(reply) = &sent {
            tracing::info!(status = reply.status, elapsed_ms = millis(elapsed), "response");
        }
        let step = self.current.as_ref().map(|c| c.step).unwrap_or(StepId::UserInfo);
        if let Some(current) = &mut self.current {
            current.exchanges.push(redacted.clone());
        }
        self.emit(FlowEvent::Exchange { step, redacted, raw: Sensitive::new(raw) }).await;
        outcome.map(|(value, _, status)| (value, status))
    }
}

async fn next_message(listener: Option<&mut CallbackListener>) -> ListenerMessage {
    match listener {
        Some(listener) => listener.next().await,
        None => std::future::pending().await,
    }
}

fn prepare_authorization(config: &OAuth2Config) -> Result<AuthorizationRequest, FlowError> {
    let state = random_token(24)?;
    let pkce = if config.pkce { Some(Pkce::generate()?) } else { None };
    authorization_url(config, &state, pkce.as_ref())
}

/// Renders the token and user information endpoints with stand-in values, so a template mistake
/// is reported at step 1, before the user logs in, and nothing is sent.
fn preflight(request: &FlowRequest, config: &OAuth2Config) -> Result<(), FlowError> {
    let mut vars = client_vars(config);
    for name in ["code", "code_verifier", "access_token", "refresh_token"] {
        vars.set(name, "x");
    }
    if let Some(endpoint) = &request.token_endpoint {
        render_endpoint(endpoint, &format!("token endpoint \"{}\"", endpoint.name), &vars, &[])?;
    }
    if let Some(endpoint) = &request.userinfo_endpoint {
        render_endpoint(endpoint, &format!("user information endpoint \"{}\"", endpoint.name), &vars, &[])?;
    }
    Ok(())
}

fn token_endpoint(request: &FlowRequest) -> Result<&Endpoint, FlowError> {
    request
        .token_endpoint
        .as_ref()
        .ok_or_else(|| FlowError::Config("Choose a token endpoint for this authorization.".into()))
}

/// The values every OAuth 2.0 request may use.
fn client_vars(config: &OAuth2Config) -> TemplateVars {
    let mut vars = TemplateVars::default();
    vars.set("client_id", config.client_id.trim());
    vars.set_opt("client_secret", Some(config.client_secret.as_str()));
    vars.set("redirect_uri", config.redirect_uri.trim());
    vars.set("scopes", config.scopes.trim());
    vars
}

/// Step 3: the state must be the one sent, and an error is reported as the provider sent it.
fn check_callback(params: &CallbackParams, expected: &str) -> Result<(Sensitive<String>, String), FlowError> {
    match (&params.state, params.source) {
        (Some(state), _) if state != expected => {
            return Err(FlowError::StateMismatch { expected: expected.to_owned(), received: state.clone() });
        }
        (None, CallbackSource::Listener | CallbackSource::PastedUrl) => {
            return Err(FlowError::StateMismatch { expected: expected.to_owned(), received: "none".into() });
        }
        _ => {}
    }
    if let Some(error) = &params.error {
        return Err(FlowError::Callback {
            error: error.clone(),
            description: params.error_description.clone(),
            uri: params.error_uri.clone(),
            hint: hint_for(error),
        });
    }
    let code = params.code.clone().ok_or_else(|| FlowError::Config("The callback has no code.".into()))?;
    let summary = if params.state.is_some() { "state matches, code received" } else { "code received" };
    Ok((code, summary.to_owned()))
}

/// One entry of a mapping read from a response, `default` when the entry is empty.
fn read_entry(
    value: &Value,
    entry: &str,
    default: &str,
    label: &str,
    what: &'static str,
) -> Result<Option<String>, FlowError> {
    let entry = if entry.trim().is_empty() { default } else { entry };
    mapping::read(value, entry).map(|v| v.filter(|v| !v.trim().is_empty())).map_err(|message| FlowError::Mapping {
        endpoint: label.to_owned(),
        what,
        message,
    })
}

/// A number of seconds (or a time) read by the mapping; a value that isn't a number is no value.
fn read_number(
    value: &Value,
    entry: &str,
    default: &str,
    label: &str,
    what: &'static str,
) -> Result<Option<f64>, FlowError> {
    Ok(read_entry(value, entry, default, label, what)?.and_then(|v| v.trim().parse::<f64>().ok()))
}

/// The tokens of a token response, read by the mapping; the secrets found are returned to be hidden.
///
/// Expiry: `expires_in` counts from the time the provider says it issued the token when the
/// mapping reads one (`issued_at`, in seconds or milliseconds), else from now; no `expires_in` is
/// no expiry (never a guessed one). The refresh token's lifetime is kept when the provider gives it.
fn read_tokens(
    value: &Value,
    mapping: &ResponseMapping,
    label: &str,
    requested_scopes: &str,
    previous_refresh: Option<&Sensitive<String>>,
) -> Result<(Tokens, Vec<String>), FlowError> {
    let access_entry =
        if mapping.access_token.trim().is_empty() { "access_token" } else { mapping.access_token.trim() };
    let access_token = read_entry(value, access_entry, "access_token", label, "access token")?.ok_or_else(|| {
        FlowError::MissingValue {
            endpoint: label.to_owned(),
            what: "access token",
            path: access_entry.to_owned(),
            fields: field_paths(value),
        }
    })?;
    let refresh_token = read_entry(value, &mapping.refresh_token, "refresh_token", label, "refresh token")?
        .map(Sensitive::new)
        .or_else(|| previous_refresh.cloned());
    let now = unix_now();
    let issued_at = read_number(value, &mapping.issued_at, "", label, "issued at")?
        .map(|t| crate::model::time::seconds_from_unix(t as i64))
        .filter(|t| *t > 0);
    let from = issued_at.unwrap_or(now);
    let expires_at = read_number(value, &mapping.expires_in, "expires_in", label, "expires in")?
        .filter(|e| *e > 0.0)
        .map(|e| from + e as i64);
    let refresh_expires_at = read_number(value, &mapping.refresh_expires_in, "", label, "refresh token expires in")?
        .filter(|e| *e > 0.0)
        .map(|e| from + e as i64);
    let scopes = read_entry(value, &mapping.scope, "scope", label, "granted scopes")?
        .unwrap_or_else(|| requested_scopes.to_owned());
    let token_type = read_entry(value, &mapping.token_type, "token_type", label, "token type")?;
    let mut secrets = vec![access_token.clone()];
    secrets.extend(refresh_token.as_ref().map(|t| t.reveal().clone()));
    // An OpenID Connect ID token is a credential too.
    secrets.extend(mapping::read_path(value, "id_token"));
    let tokens = Tokens {
        access_token: Sensitive::new(access_token),
        refresh_token,
        token_type,
        expires_at,
        scopes,
        refresh_expires_at,
        issued_at,
    };
    Ok((tokens, secrets))
}

fn token_summary(status: u16, tokens: &Tokens) -> String {
    let now = unix_now();
    let mut parts = vec![format!("HTTP {status}: {} access token", tokens.token_type.as_deref().unwrap_or("an"))];
    match tokens.expires_at {
        Some(at) => parts.push(format!("expires in {} s", (at - now).max(0))),
        None => parts.push("no expiry given".into()),
    }
    if let Some(at) = tokens.issued_at {
        parts.push(format!("issued {}", crate::model::time::ago(at, now)));
    }
    if tokens.refresh_token.is_some() {
        match crate::model::run::describe_refresh_expiry(tokens.refresh_expires_at, now) {
            Some(expiry) => parts.push(expiry.replacen("refresh token ", "refresh token, ", 1)),
            None => parts.push("refresh token".into()),
        }
    }
    if !tokens.scopes.is_empty() {
        parts.push(format!("scopes: {}", tokens.scopes));
    }
    parts.join(", ")
}

/// "Bearer", whatever case the provider wrote its token type in (RFC 6750 section 2.1).
fn bearer_scheme(token_type: Option<&str>) -> String {
    match token_type {
        Some(t) if !t.is_empty() && !t.eq_ignore_ascii_case("bearer") => t.to_owned(),
        _ => "Bearer".to_owned(),
    }
}

/// The identity of a user information response, read by the mapping.
fn read_identity(value: &Value, mapping: &ResponseMapping, label: &str) -> Result<(Identity, Vec<String>), FlowError> {
    let identity = Identity {
        id: read_entry(value, &mapping.user_id, "", label, "user id")?,
        name: read_entry(value, &mapping.user_name, "", label, "user name")?,
        email: read_entry(value, &mapping.user_email, "", label, "user email")?,
    };
    if identity.is_empty() {
        let paths: Vec<&str> = [&mapping.user_id, &mapping.user_name, &mapping.user_email]
            .into_iter()
            .map(|p| p.trim())
            .filter(|p| !p.is_empty())
            .collect();
        return Err(FlowError::MissingValue {
            endpoint: label.to_owned(),
            what: "user id, name or email",
            path: if paths.is_empty() { "(no mapping set)".into() } else { paths.join("\", \"") },
            fields: field_paths(value),
        });
    }
    Ok((identity, Vec::new()))
}

/// The dotted paths of a response's values (names only, never values), to help fix a mapping.
fn field_paths(value: &Value) -> String {
    fn walk(value: &Value, prefix: &str, depth: usize, out: &mut Vec<String>) {
        match value {
            Value::Object(map) if depth < 3 => {
                for (key, v) in map {
                    let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                    walk(v, &path, depth + 1, out);
                }
            }
            _ if !prefix.is_empty() => out.push(prefix.to_owned()),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, "", 0, &mut out);
    if out.is_empty() {
        return "none".into();
    }
    let more = out.len().saturating_sub(20);
    out.truncate(20);
    if more > 0 {
        out.push(format!("and {more} more"));
    }
    out.join(", ")
}

/// Sets a query parameter, replacing any of the same name.
fn set_query_param(url: &mut url::Url, name: &str, value: &str) {
    let kept: Vec<(String, String)> =
        url.query_pairs().filter(|(k, _)| k != name).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    url.query_pairs_mut().clear().extend_pairs(kept).append_pair(name, value);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn listener_params(state: Option<&str>, code: Option<&str>, error: Option<&str>) -> CallbackParams {
        CallbackParams {
            code: code.map(|c| Sensitive::new(c.to_owned())),
            state: state.map(str::to_owned),
            error: error.map(str::to_owned),
            error_description: error.map(|_| "End-User denied".to_owned()),
            error_uri: None,
            source: CallbackSource::Listener,
        }
    }

    #[test]
    fn callback_checks() {
        assert!(check_callback(&listener_params(Some("s"), Some("c"), None), "s").is_ok());
        let e = check_callback(&listener_params(Some("other"), Some("c"), None), "s").unwrap_err();
        assert!(matches!(e, FlowError::StateMismatch { .. }));
        let e = check_callback(&listener_params(None, Some("c"), None), "s").unwrap_err();
        assert!(e.to_string().contains("(none)"), "{e}");
        let e = check_callback(&listener_params(Some("s"), None, Some("access_denied")), "s").unwrap_err();
        assert!(e.to_string().contains("access_denied: End-User denied"), "{e}");
        let mut pasted = listener_params(None, Some("c"), None);
        pasted.source = CallbackSource::PastedCode;
        assert_eq!(check_callback(&pasted, "s").unwrap().1, "code received");
    }

    #[test]
    fn tokens_by_mapping_with_nested_paths_and_strings() {
        let mapping = ResponseMapping {
            access_token: "authed_user.access_token".into(),
            scope: "authed_user.scope".into(),
            ..ResponseMapping::default()
        };
        let v =
            json!({"ok": true, "authed_user": {"access_token": "xoxp-1", "scope": "identify"}, "expires_in": "3600"});
        let (tokens, secrets) = read_tokens(&v, &mapping, "token endpoint", "requested", None).unwrap();
        assert_eq!(tokens.access_token.reveal(), "xoxp-1");
        assert_eq!(tokens.scopes, "identify");
        assert!(tokens.expires_at.unwrap() > unix_now() + 3500);
        assert_eq!(secrets, ["xoxp-1"]);
        let e =
            read_tokens(&json!({"ok": true, "team": {"id": "T1"}}), &mapping, "token endpoint", "", None).unwrap_err();
        assert!(e.to_string().contains("authed_user.access_token") && e.to_string().contains("team.id"), "{e}");
    }

    #[test]
    fn expiry_counts_from_the_issue_time_and_keeps_the_refresh_lifetime() {
        let mapping = ResponseMapping {
            issued_at: "created_at".into(),
            ..ResponseMapping::for_purpose(crate::model::EndpointPurpose::Token)
        };
        let v = json!({"access_token": "a", "refresh_token": "r", "expires_in": 7200, "created_at": 1_000_000_000,
            "x_refresh_token_expires_in": 8_726_400});
        let (tokens, _) = read_tokens(&v, &mapping, "t", "", None).unwrap();
        assert_eq!(tokens.issued_at, Some(1_000_000_000));
        assert_eq!(tokens.expires_at, Some(1_000_007_200));
        assert_eq!(tokens.refresh_expires_at, Some(1_008_726_400));
        // Salesforce: issued_at in milliseconds, as a string, and no expires_in at all.
        let mapping = ResponseMapping { issued_at: "issued_at".into(), ..mapping };
        let v = json!({"access_token": "a", "issued_at": "1278448832702", "instance_url": "https://na1.example"});
        let (tokens, _) = read_tokens(&v, &mapping, "t", "", None).unwrap();
        assert_eq!((tokens.issued_at, tokens.expires_at), (Some(1_278_448_832), None));
        assert!(token_summary(200, &tokens).contains("no expiry given"), "{}", token_summary(200, &tokens));
    }

    #[test]
    fn mapping_expressions_read_tokens_and_identity() {
        let mapping = ResponseMapping {
            expires_in: "expires_in / 1000".into(),
            scope: "scope".into(),
            ..ResponseMapping::for_purpose(crate::model::EndpointPurpose::Token)
        };
        let v = json!({"access_token": "a", "expires_in": 3_600_000, "scope": ["user:read:email", "chat:read"]});
        let (tokens, _) = read_tokens(&v, &mapping, "t", "", None).unwrap();
        assert!((unix_now() + 3590..=unix_now() + 3600).contains(&tokens.expires_at.unwrap()));
        assert_eq!(tokens.scopes, "user:read:email chat:read");
        let mapping = ResponseMapping {
            user_name: r#"givenName ~ " " ~ familyName"#.into(),
            user_id: "sub".into(),
            ..Default::default()
        };
        let (identity, _) =
            read_identity(&json!({"sub": "s1", "givenName": "Ann", "familyName": "Lee"}), &mapping, "u").unwrap();
        assert_eq!(identity.display(), "Ann Lee (s1)");
        let bad = ResponseMapping { user_id: "id / 2".into(), ..Default::default() };
        let e = read_identity(&json!({"id": "x"}), &bad, "user information endpoint").unwrap_err();
        assert!(matches!(e, FlowError::Mapping { what: "user id", .. }), "{e}");
    }

    #[test]
    fn refresh_keeps_the_old_refresh_token_when_not_rotated() {
        let old = Sensitive::new("rt-old".to_owned());
        let (tokens, _) =
            read_tokens(&json!({"access_token": "a2"}), &ResponseMapping::default(), "t", "s", Some(&old)).unwrap();
        assert_eq!(tokens.refresh_token, Some(old));
        assert_eq!(tokens.scopes, "s");
    }

    #[test]
    fn identity_needs_one_value() {
        let mapping = ResponseMapping { user_id: "id".into(), user_email: "emails.0".into(), ..Default::default() };
        let (identity, _) = read_identity(&json!({"id": 42, "emails": ["a@x.test"]}), &mapping, "u").unwrap();
        assert_eq!(identity.id.as_deref(), Some("42"));
        assert_eq!(identity.email.as_deref(), Some("a@x.test"));
        let e = read_identity(&json!({"user": {"login": "x"}}), &mapping, "u").unwrap_err();
        assert!(e.to_string().contains("user.login"), "{e}");
    }

    #[test]
    fn query_params_are_replaced() {
        let mut url = url::Url::parse("https://x.example/me?key=old&a=1").unwrap();
        set_query_param(&mut url, "key", "new value");
        assert_eq!(url.as_str(), "https://x.example/me?a=1&key=new+value");
    }
}
