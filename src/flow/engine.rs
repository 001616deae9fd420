//! The steps of a run, in order, with their events and records; cancellation around all of them.

use std::time::Instant;

use serde_json::Value;
use tokio::sync::{mpsc, watch};

use super::assertion::ClientAuthenticator;
use super::authorize::{AuthorizationRequest, Pkce, authorization_url, random_token};
use super::callback::{CallbackListener, CallbackParams, CallbackSource, ListenerMessage, belongs_to_run, parse_paste};
use super::error::{FlowError, hint_for};
use super::events::{FlowEvent, ListenerStatus, millis};
use super::http::{HttpClient, PreparedRequest, exchange_records, read_response};
use super::oidc::IdTokenContext;
use super::request::{TemplateVars, basic_credentials, endpoint_uses, refresh_endpoint, render_endpoint};
use super::standard::Recording;
use super::{Credentials, FlowAction, FlowInputs, FlowOptions, FlowRequest, RefreshPolicy, redactor_for};
use crate::model::context::{KeptValue, RunContext};
use crate::model::discovery::ProviderMetadata;
use crate::model::fingerprint::{Fingerprint, Rotation, Shape};
use crate::model::mapping;
use crate::model::redact::{Redactor, Sensitive};
use crate::model::run::{
    CheckRecord, ConnectionStatus, DecodedJwt, FlowKind, FlowReport, HttpExchange, Identity, Introspection, RunOutcome,
    StepId, StepRecord, StepStatus, Tokens,
};
use crate::model::signature::{self, CallbackSignature, SignatureCheck};
use crate::model::{AuthConfig, AuthKind, Endpoint, Grant, KeyPlacement, OAuth2Config, ResponseMapping};

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
    // mTLS: every request of the run presents the client certificate (RFC 8705).
    let mtls = super::assertion::mtls_client(http, &request);
    let (http, mtls_note) = match &mtls {
        Ok(Some((client, note))) => (client, Some(Ok(note.clone()))),
        Ok(None) => (http, None),
        Err(e) => (http, Some(Err(e.clone()))),
    };
    let mut run = Run {
        mtls_note,
        http,
        options,
        events,
        redactor: redactor_for(&request),
        steps: Vec::new(),
        current: None,
        listening_port: None,
        identity: None,
        tokens: None,
        metadata: None,
        keys: None,
        connection_status: None,
        introspection: None,
        done: None,
        client_auth: None,
        dpop: None,
        // A refresh starts from what the connection kept of its test (`callback.realmId`…).
        context: RunContext::from_kept(&request.kept),
        kept: Vec::new(),
        renewed: false,
        observed: Fingerprint::default(),
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
    checks: Vec<CheckRecord>,
    jwts: Vec<DecodedJwt>,
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
            checks: self.checks,
            jwts: self.jwts,
        }
    }
}

/// A run in progress: its steps so far and what they learned. The steps of each grant live in
/// `engine` (the code flow, refresh, API-Key/Basic), `grants` (device, client credentials,
/// revocation, introspection) and `oidc` (discovery, the ID token).
pub(super) struct Run<'a> {
    pub(super) http: &'a HttpClient,
    pub(super) options: &'a FlowOptions,
    pub(super) events: mpsc::Sender<FlowEvent>,
    pub(super) redactor: Redactor,
    steps: Vec<StepRecord>,
    current: Option<Current>,
    listening_port: Option<u16>,
    pub(super) identity: Option<Identity>,
    pub(super) tokens: Option<Tokens>,
    /// The issuer's discovery document, once read.
    pub(super) metadata: Option<ProviderMetadata>,
    /// The issuer's signing keys, once fetched, and whether they were fetched again (rotation).
    pub(super) keys: Option<(Vec<jsonwebtoken::jwk::Jwk>, bool)>,
    /// The state the run leaves its connection in, when it changes it.
    pub(super) connection_status: Option<ConnectionStatus>,
    pub(super) introspection: Option<Introspection>,
    /// A revocation's or introspection's own success message.
    pub(super) done: Option<String>,
    /// How the client authenticates, its key read: made by the first step that needs it.
    pub(super) client_auth: Option<std::sync::Arc<ClientAuthenticator>>,
    /// The connection's DPoP key and the newest nonce the servers gave (RFC 9449), when DPoP is on.
    pub(super) dpop: Option<super::dpop::DpopState>,
    /// mTLS: which certificate the run presents (said by the first step), or why it can't.
    pub(super) mtls_note: Option<Result<String, FlowError>>,
    /// What the steps learnt, for later templates: the callback's parameters, the token and user
    /// information responses.
    pub(super) context: RunContext,
    /// The values of the context the authorization keeps, saved with the connection.
    kept: Vec<KeptValue>,
    /// A refresh-token grant of this run succeeded: `tokens` are new ones the provider issued.
    renewed: bool,
    /// What the provider answered, for drift: shapes, keys, scopes, lifetimes.
    pub(super) observed: Fingerprint,
}

impl Run<'_> {
    /// The step running now, if any.
    pub(super) fn current_step(&self) -> Option<StepId> {
        self.current.as_ref().map(|c| c.step)
    }

    pub(super) async fn emit(&self, event: FlowEvent) {
        // A caller that stopped listening still gets the report from `run`.
        let _ = self.events.send(event).await;
    }

    pub(super) async fn begin(&mut self, step: StepId) {
        tracing::info!(step = %step, "step started");
        self.current = Some(Current {
            step,
            started: Instant::now(),
            notes: Vec::new(),
            exchanges: Vec::new(),
            checks: Vec::new(),
            jwts: Vec::new(),
        });
        self.emit(FlowEvent::StepStarted { step }).await;
    }

    /// Adds a check line to the running step.
    pub(super) fn check(&mut self, check: CheckRecord) {
        let check = CheckRecord {
            expected: self.redactor.text(&check.expected),
            actual: self.redactor.text(&check.actual),
            detail: check.detail.map(|d| self.redactor.text(&d)),
            ..check
        };
        if let Some(current) = &mut self.current {
            current.checks.push(check);
        }
    }

    /// Adds a decoded token (header and claims, no signature) to the running step.
    pub(super) fn jwt(&mut self, jwt: DecodedJwt) {
        let jwt =
            DecodedJwt { header: self.redactor.json(&jwt.header), claims: self.redactor.json(&jwt.claims), ..jwt };
        if let Some(current) = &mut self.current {
            current.jwts.push(jwt);
        }
    }

    /// Takes what an `oauth2` request recorded into the running step: its exchanges (already
    /// sent as events) and the secrets its responses held.
    pub(super) fn absorb(&mut self, recording: Recording) {
        for secret in &recording.secrets {
            self.redactor.add(secret);
        }
        for jwt in recording.jwts {
            self.jwt(jwt);
        }
        if let Some(current) = &mut self.current {
            current.exchanges.extend(recording.exchanges);
        }
    }

    /// Keeps the first and the last `keep` exchanges of the running step; how many were dropped.
    pub(super) fn trim_exchanges(&mut self, keep: usize) -> usize {
        let Some(current) = &mut self.current else { return 0 };
        let n = current.exchanges.len();
        if n <= 2 * keep {
            return 0;
        }
        current.exchanges.drain(keep..n - keep);
        n - 2 * keep
    }

    /// Records exchanges made outside [`Run::exchange`] (discovery) and sends them as events.
    pub(super) async fn record_exchanges(&mut self, exchanges: Vec<(HttpExchange, HttpExchange)>) {
        let step = self.current.as_ref().map(|c| c.step).unwrap_or(StepId::Discovery);
        for (redacted, raw) in exchanges {
            if let Some(current) = &mut self.current {
                current.exchanges.push(redacted.clone());
            }
            self.emit(FlowEvent::Exchange { step, redacted, raw: Sensitive::new(raw) }).await;
        }
    }

    pub(super) async fn note(&mut self, message: String) {
        let message = self.redactor.text(&message);
        let Some(current) = &mut self.current else { return };
        current.notes.push(message.clone());
        let step = current.step;
        self.emit(FlowEvent::Notice { step, message }).await;
    }

    /// A note on the step that ended last (what the run as a whole found: a value not kept).
    async fn note_after(&mut self, message: String) {
        let message = self.redactor.text(&message);
        let Some(last) = self.steps.last_mut() else { return };
        last.notes.push(message.clone());
        let step = last.step;
        self.emit(FlowEvent::Notice { step, message }).await;
    }

    /// Ends the running step with its result: `Ok((value, summary))` or the error that stops the flow.
    pub(super) async fn end<T>(&mut self, result: Result<(T, String), FlowError>) -> Result<T, FlowError> {
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

    pub(super) async fn skip(&mut self, step: StepId, reason: &str) {
        let record = StepRecord::new(step, StepStatus::Skipped, reason);
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
        let kind = request.kind();
        let (outcome, message) = match result {
            Ok(()) => (RunOutcome::Ok, self.success_message(kind, request.authorization.kind(), request.grant())),
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
        // A run on a saved connection that renewed its tokens and then failed or was cancelled
        // (user info refused, a check's identity changed, a lab stopped) still hands them on: a
        // rotated refresh token replaced the saved one at the provider, and losing it would lose
        // the grant at the next refresh (reuse detection).
        let renewed_on_connection = self.renewed && request.connection_id().is_some();
        let tokens = if outcome == RunOutcome::Ok || renewed_on_connection { self.tokens.clone() } else { None };
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
            kept: if outcome == RunOutcome::Ok { self.kept.clone() } else { Vec::new() },
            grant_type: request.grant(),
            introspection: self.introspection.clone(),
            observed: self.observed.clone(),
            tokens,
            on_connection: request.connection_id(),
            connection_status: self.connection_status,
        }
    }

    fn success_message(&self, kind: FlowKind, auth: AuthKind, grant: Option<Grant>) -> String {
        if let Some(done) = &self.done {
            return done.clone();
        }
        let who = self.identity.as_ref().filter(|i| !i.is_empty()).map(Identity::display);
        let credentials = match auth {
            AuthKind::ApiKey => Some("The API key works"),
            AuthKind::Basic => Some("The username and password work"),
            AuthKind::OAuth2 => None,
        };
        if let (FlowKind::Check, Some(credentials)) = (kind, credentials) {
            return match who {
                Some(who) => format!("{credentials}, for {who}."),
                None => format!("{credentials}."),
            };
        }
        match (kind, grant, who) {
            (FlowKind::Refresh, _, Some(who)) => format!("Refreshed; the new access token works for {who}."),
            (FlowKind::Refresh, _, None) => "Refreshed: got a new access token.".into(),
            (FlowKind::Check, _, Some(who))
                if self.steps.iter().any(|s| s.step == StepId::Refresh && s.status == StepStatus::Ok) =>
            {
                format!("Refreshed; the new access token works for {who}.")
            }
            (FlowKind::Check, _, None)
                if self.steps.iter().any(|s| s.step == StepId::Refresh && s.status == StepStatus::Ok) =>
            {
                "Refreshed: got a new access token.".into()
            }
            (FlowKind::Check, Some(Grant::ClientCredentials), _) => "Got a new client-credentials access token.".into(),
            (FlowKind::Check, _, Some(who)) if self.tokens.is_none() => {
                format!("The saved access token still works, for {who}.")
            }
            (FlowKind::Check, _, None) if self.tokens.is_none() => "The saved access token is still valid.".into(),
            (_, Some(Grant::ClientCredentials), Some(who)) => {
                format!("Got a client-credentials access token; the API check answered for {who}.")
            }
            (_, Some(Grant::ClientCredentials), None) => {
                "Got a client-credentials access token for the client itself.".into()
            }
            (_, _, Some(who)) => format!("Connected as {who}."),
            (_, _, None) => "Got an access token (no user information endpoint to say whose).".into(),
        }
    }

    async fn all_steps(&mut self, request: &FlowRequest, paste: &mut mpsc::Receiver<String>) -> Result<(), FlowError> {
        let config = match &request.authorization.config {
            AuthConfig::OAuth2(config) => config,
            AuthConfig::ApiKey(_) | AuthConfig::Basic(_) => return self.credentials_test(request).await,
        };
        if request.discovers()
            && let Some(issuer) = config.issuer()
        {
            self.discovery(request, config, issuer).await?;
        }
        match &request.action {
            FlowAction::Test => match config.grant {
                Grant::AuthorizationCode => self.oauth2_test(request, config, paste).await,
                Grant::DeviceCode => self.device_test(request, config).await,
                Grant::ClientCredentials => self.client_credentials_test(request, config).await,
            }?,
            FlowAction::Refresh { refresh_token, .. } => self.refresh(request, config, refresh_token).await?,
            FlowAction::Revoke { tokens, .. } => return self.revoke(request, config, tokens).await,
            FlowAction::Introspect { token, .. } => return self.introspect(request, config, token).await,
            FlowAction::Check { .. } if config.grant == Grant::ClientCredentials => {
                self.client_credentials_test(request, config).await?
            }
            FlowAction::Lab { saved, lab, .. } => self.lab(request, config, saved, *lab).await?,
            FlowAction::Check { saved, refresh, .. } => {
                let Some(saved) = saved else {
                    return Err(FlowError::Config("A check of this grant needs a saved connection.".into()));
                };
                self.check_connection(request, config, saved, *refresh).await?
            }
        }
        self.keep_values(config).await;
        Ok(())
    }

    /// The values the authorization keeps, read from what the run learnt. A name the run has no
    /// value for, or one that holds a secret (which is saved sealed, with the tokens, or not at
    /// all), is said in a note of the last step instead.
    async fn keep_values(&mut self, config: &OAuth2Config) {
        let (kept, missing) = self.context.keep(&config.keep);
        let (kept, secret): (Vec<KeptValue>, Vec<KeptValue>) = kept.into_iter().partition(|k| {
            let last = k.name.rsplit('.').next().unwrap_or_default();
            !crate::model::redact::is_secret_key(last) && !self.redactor.leaks(&k.value)
        });
        if !missing.is_empty() {
            let names = missing.join(", ");
            self.note_after(format!("Not kept: {names} had no value in this run.")).await;
        }
        if !secret.is_empty() {
            let names = secret.iter().map(|k| k.name.as_str()).collect::<Vec<_>>().join(", ");
            self.note_after(format!("Not kept: {names} holds a secret, which is never saved in the clear.")).await;
        }
        self.kept = kept;
    }

    async fn oauth2_test(
        &mut self,
        request: &FlowRequest,
        config: &OAuth2Config,
        paste: &mut mpsc::Receiver<String>,
    ) -> Result<(), FlowError> {
        // 1: the authorization URL (its parameters pushed first with PAR), after checking the
        // endpoints' templates so no login is wasted.
        let par = config.par;
        self.begin(if par { StepId::PushedAuthorization } else { StepId::AuthorizationUrl }).await;
        // The client's key is read now, so a bad one is said before the user logs in.
        let ready = match self.authenticator(request, config).await {
            Ok(_) => self.prepare_dpop(request, config).await,
            Err(e) => Err(e),
        };
        let prepared = ready.and_then(|()| preflight(request, config)).and_then(|()| prepare_authorization(config));
        self.security_notes(request, config).await;
        if let Ok(auth) = &prepared {
            for note in auth.notes.clone() {
                self.note(note).await;
            }
        }
        let mut summary =
            if config.pkce { "state and PKCE (S256) added" } else { "state added (PKCE is off)" }.to_owned();
        if prepared.as_ref().is_ok_and(|a| a.nonce.is_some()) {
            summary.push_str(", nonce added (OpenID Connect)");
        }
        let mut pushed = None;
        let prepared = if par {
            let result = match prepared {
                Ok(auth) => self.push_authorization(request, config, auth).await,
                Err(e) => Err(e),
            };
            let (auth, answer) = self.end(result).await?;
            pushed = Some(answer);
            self.begin(StepId::AuthorizationUrl).await;
            summary = format!("only client_id and request_uri: the rest was pushed ({summary})");
            Ok(auth)
        } else {
            prepared
        };
        if let Ok(auth) = &prepared {
            let redirect_uri = config.redirect_uri.trim().to_owned();
            self.emit(FlowEvent::AuthorizationUrl { url: auth.url.clone(), redirect_uri }).await;
        }
        let auth = self.end(prepared.map(|a| (a, summary))).await?;

        // 2: the callback, through the listener or pasted.
        self.begin(StepId::Callback).await;
        if let Some(pushed) = &pushed {
            self.note(super::par::expiry_note(pushed)).await;
        }
        let params = self.wait_for_callback(config.redirect_uri.trim(), &auth.state, paste).await;
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

        // 3: the callback checked: its state, and its issuer (RFC 9207).
        self.begin(StepId::CallbackCheck).await;
        if let Some(code) = &params.code {
            self.redactor.add(code.reveal());
        }
        let issuer = self.expected_issuer(config);
        let iss_required = self.metadata.as_ref().is_some_and(|m| m.authorization_response_iss_parameter_supported);
        let (checks, checked) = check_callback(&params, &auth.state, issuer.as_deref(), iss_required);
        for check in checks {
            self.check(check);
        }
        if checked.is_ok() && params.source == CallbackSource::PastedCode {
            self.note("Only the code was pasted, so its state could not be checked, nor its issuer.".into()).await;
        }
        if checked.is_ok() && params.iss.is_some() && issuer.is_none() {
            self.note("The callback names its issuer (iss), but the authorization has no Issuer to compare it with: set the Issuer to guard against mix-up attacks (RFC 9207).".into()).await;
        }
        let checked = match checked {
            Ok((code, summary)) => self.check_signature(config, &params).map(|line| match line {
                Some(line) => (code, format!("{summary}, {line}")),
                None => (code, summary),
            }),
            Err(e) => Err(e),
        };
        self.context.set_callback(params.all.reveal());
        let code = self.end(checked).await?;

        // 4: the code exchanged for tokens.
        self.begin(StepId::TokenExchange).await;
        let exchanged = self.exchange_code(request, config, &auth, &code).await;
        let tokens = self.end(exchanged).await?;
        self.tokens = Some(tokens.clone());

        // 5: the ID token, when OpenID Connect.
        let context = IdTokenContext { nonce: auth.nonce.clone(), code: Some(code.clone()), expected: true };
        self.id_token(request, config, &tokens, context).await?;

        // 6: who the tokens belong to.
        self.user_info(request, config, &tokens, true).await
    }

    /// The callback's signature, when the authorization asks for one (Shopify's HMAC): a check line
    /// either way, and what to add to the summary; a failure when missing or wrong.
    fn check_signature(&mut self, config: &OAuth2Config, params: &CallbackParams) -> Result<Option<String>, FlowError> {
        if config.callback_signature == CallbackSignature::None {
            return Ok(None);
        }
        let found = signature::check(config.callback_signature, params.all.reveal(), &config.client_secret);
        let expected = "a signature made with the Client Secret";
        let actual = match &found {
            SignatureCheck::Valid => "valid",
            SignatureCheck::Missing => "none",
            SignatureCheck::Invalid | SignatureCheck::NotAsked => "does not match",
        };
        self.check(CheckRecord::new("signature", found == SignatureCheck::Valid, expected, actual));
        match found {
            SignatureCheck::Valid | SignatureCheck::NotAsked => Ok(Some(found.describe(config.callback_signature))),
            other => Err(FlowError::CallbackSignature { detail: other.describe(config.callback_signature) }),
        }
    }

    /// The issuer the callback and the ID token must name: the configured one (discovery checked
    /// that its document says the same).
    pub(super) fn expected_issuer(&self, config: &OAuth2Config) -> Option<String> {
        config.issuer().map(str::to_owned).or_else(|| self.metadata.as_ref().map(|m| m.issuer.clone()))
    }

    async fn wait_for_callback(
        &mut self,
        redirect_uri: &str,
        expected_state: &str,
        paste: &mut mpsc::Receiver<String>,
    ) -> Result<CallbackParams, FlowError> {
        let mut listener = match CallbackListener::bind(redirect_uri, expected_state).await {
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
        let result = self.first_callback(listener.as_mut(), redirect_uri, expected_state, paste).await;
        if let Some(listener) = listener {
            let port = listener.port();
            drop(listener);
            self.listening_port = None;
            self.emit(FlowEvent::Listener(ListenerStatus::Closed { port })).await;
        }
        result
    }

    /// Whichever comes first: the listener's callback or a usable paste of this run. Stray
    /// requests, unusable pastes and callbacks of another attempt (a wrong state) are reported and
    /// the wait goes on, up to the callback timeout: one stray request must not end a login the
    /// user may be minutes into.
    async fn first_callback(
        &mut self,
        mut listener: Option<&mut CallbackListener>,
        redirect_uri: &str,
        expected_state: &str,
        paste: &mut mpsc::Receiver<String>,
    ) -> Result<CallbackParams, FlowError> {
        let deadline = tokio::time::sleep(self.options.callback_timeout);
        tokio::pin!(deadline);
        let mut paste_open = true;
        let mut ignored = IgnoredRequests::default();
        loop {
            tokio::select! {
                message = next_message(listener.as_deref_mut()) => match message {
                    ListenerMessage::Callback(params) => return Ok(params),
                    ListenerMessage::WrongState { state } => {
                        self.refuse_callback("The listener", state.as_deref(), false).await;
                    }
                    ListenerMessage::Stray { method, path } => {
                        tracing::debug!(%method, %path, "stray request on the callback listener");
                        match ignored.stray(method, path) {
                            Some(Ok(event)) => self.emit(event).await,
                            Some(Err(notice)) => self.note(notice).await,
                            None => {}
                        }
                    }
                    ListenerMessage::Refused { reason } => {
                        tracing::debug!(%reason, "request refused on the callback listener");
                        if ignored.refused() {
                            self.note(format!("Refused {reason} on the callback port; still waiting.")).await;
                        }
                    }
                },
                text = paste.recv(), if paste_open => match text {
                    None => paste_open = false,
                    Some(text) => match parse_paste(&text, redirect_uri) {
                        Ok(params) if belongs_to_run(&params, expected_state) => return Ok(params),
                        Ok(params) => self.refuse_callback("The pasted URL", params.state.as_deref(), true).await,
                        Err(message) => self.emit(FlowEvent::PasteRejected { message }).await,
                    },
                },
                () = &mut deadline => {
                    return Err(FlowError::CallbackTimeout { millis: millis(self.options.callback_timeout) });
                }
            }
        }
    }

    /// What RFC 9700 and RFC 8252 advise against in this authorization and the endpoints this run
    /// uses (a secret over plain http, a public client without PKCE), as warnings on the running step.
    pub(super) async fn security_notes(&mut self, request: &FlowRequest, config: &OAuth2Config) {
        use crate::model::security::{EndpointRole, oauth2_warnings};
        let e = &request.endpoints;
        let endpoints: Vec<(EndpointRole, &Endpoint)> = [
            (EndpointRole::Token, &e.token),
            (EndpointRole::UserInfo, &e.userinfo),
            (EndpointRole::DeviceAuthorization, &e.device),
            (EndpointRole::Revocation, &e.revocation),
            (EndpointRole::Introspection, &e.introspection),
        ]
        .into_iter()
        .filter_map(|(role, endpoint)| endpoint.as_ref().map(|endpoint| (role, endpoint)))
        .collect();
        for warning in oauth2_warnings(config, &endpoints) {
            self.note(format!("Warning: {warning}")).await;
        }
    }

    /// A callback of another attempt: listed in the step's notes (a paste's also answered as a
    /// rejected paste, where the user pasted it), and the wait goes on.
    async fn refuse_callback(&mut self, what: &str, state: Option<&str>, pasted: bool) {
        let state = match state {
            None => "no state".to_owned(),
            Some(s) if s.chars().count() > 48 => format!("the state \"{}…\"", s.chars().take(48).collect::<String>()),
            Some(s) => format!("the state \"{s}\""),
        };
        let message = format!(
            "{what} brought a callback with {state}, not this test's: it belongs to another attempt (an older tab?) or was forged. It was refused; still waiting for this test's callback."
        );
        tracing::info!("refused a callback whose state is not this run's");
        if !pasted {
            return self.note(message).await;
        }
        let message = self.redactor.text(&message);
        if let Some(current) = &mut self.current {
            current.notes.push(message.clone());
        }
        self.emit(FlowEvent::PasteRejected { message }).await;
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
        vars.set_context(&self.context);
        let label = format!("token endpoint \"{}\"", endpoint.name);
        let mut prepared = render_endpoint(endpoint, &label, &vars, &[])?;
        self.authenticate(request, config, &mut prepared).await?;
        let requested = config.scopes.trim().to_owned();
        let ((tokens, response), status) = self
            .exchange_dpop(&prepared, None, |value| {
                read_tokens(value, &endpoint.mapping, &label, &requested, None)
                    .map(|(tokens, secrets)| ((tokens, value.clone()), secrets))
            })
            .await?;
        self.context.set_token(&response);
        self.observed.token = Some(token_shape(&response, &endpoint.mapping, true));
        self.observe_grant(&tokens);
        let tokens = self.bind_tokens(request, config, tokens).await?;
        Ok((tokens.clone(), token_summary(status, &tokens)))
    }

    pub(super) async fn refresh(
        &mut self,
        request: &FlowRequest,
        config: &OAuth2Config,
        refresh_token: &Sensitive<String>,
    ) -> Result<(), FlowError> {
        self.begin(StepId::Refresh).await;
        let refreshed = match self.refresh_grant(request, config, refresh_token).await {
            // The refresh token is no good any more: only a new login helps, and the connection says so.
            Err(FlowError::Provider { endpoint, status, error, description, .. }) if error == "invalid_grant" => {
                self.connection_status = Some(ConnectionStatus::NeedsLogin);
                match self.dpop.as_ref().map(|d| d.key.thumbprint()) {
                    Some(jkt) => Err(FlowError::DpopRefreshRefused { endpoint, status, description, jkt }),
                    None => Err(FlowError::RefreshRefused { endpoint, status, description }),
                }
            }
            other => other,
        };
        let tokens = self.end(refreshed).await?;
        self.tokens = Some(tokens.clone());
        // A refresh may bring a new ID token (OpenID Connect Core section 12.2); it is checked, without a nonce.
        let context = IdTokenContext { nonce: None, code: None, expected: false };
        self.id_token(request, config, &tokens, context).await?;
        self.user_info(request, config, &tokens, true).await
    }

    pub(super) async fn refresh_grant(
        &mut self,
        request: &FlowRequest,
        config: &OAuth2Config,
        refresh_token: &Sensitive<String>,
    ) -> Result<(Tokens, String), FlowError> {
        self.prepare_dpop(request, config).await?;
        // The authorization's own refresh endpoint (Figma's) as it is; else the token endpoint's
        // request turned into a refresh-token grant.
        let (endpoint, label) = match &request.endpoints.refresh {
            Some(own) => (own.clone(), format!("refresh endpoint \"{}\"", own.name)),
            None => {
                let token = token_endpoint(request)?;
                (refresh_endpoint(token), format!("token endpoint \"{}\"", token.name))
            }
        };
        let mut vars = client_vars(config);
        vars.set("refresh_token", refresh_token.reveal().clone());
        vars.set_context(&self.context);
        let mut prepared = render_endpoint(&endpoint, &label, &vars, &[])?;
        self.authenticate(request, config, &mut prepared).await?;
        let requested = config.scopes.trim().to_owned();
        let ((tokens, response), status) = self
            .exchange_dpop(&prepared, None, |value| {
                read_tokens(value, &endpoint.mapping, &label, &requested, Some(refresh_token))
                    .map(|(tokens, secrets)| ((tokens, value.clone()), secrets))
            })
            .await?;
        self.context.set_token(&response);
        self.observed.refresh = Some(token_shape(&response, &endpoint.mapping, false));
        self.observe_grant(&tokens);
        self.observed.rotation = Some(rotation(&response, refresh_token, tokens.refresh_token.as_ref()));
        // The provider issued them (and may have replaced the refresh token): they go with the
        // run's report from here on, even if a check below fails or the run is cancelled.
        self.tokens = Some(tokens.clone());
        self.renewed = true;
        let tokens = self.bind_tokens(request, config, tokens).await?;
        self.tokens = Some(tokens.clone());
        let mut summary = token_summary(status, &tokens);
        if tokens.refresh_token.as_ref() == Some(refresh_token) {
            summary.push_str(" (same refresh token)");
        }
        Ok((tokens, summary))
    }

    /// The last step of OAuth 2.0: the user information endpoint with the access token. With
    /// `need_identity` false (client credentials, which have no user) it is an API check: any
    /// successful answer will do, and an identity in it is shown.
    pub(super) async fn user_info(
        &mut self,
        request: &FlowRequest,
        config: &OAuth2Config,
        tokens: &Tokens,
        need_identity: bool,
    ) -> Result<(), FlowError> {
        let Some(endpoint) = &request.endpoints.userinfo else {
            let reason = if need_identity {
                "No user information endpoint is configured, so the identity is unknown."
            } else {
                "A client-credentials token has no user; set a User Information Endpoint to call an API with it as a check."
            };
            self.skip(StepId::UserInfo, reason).await;
            return Ok(());
        };
        self.begin(StepId::UserInfo).await;
        let result = self.userinfo_call(config, endpoint, tokens, need_identity).await;
        let identity = self.end(result).await?;
        self.identity = Some(identity).filter(|i| !i.is_empty());
        Ok(())
    }

    /// The user information endpoint called with the access token (as an API check when
    /// `need_identity` is false), inside the running step.
    pub(super) async fn userinfo_call(
        &mut self,
        config: &OAuth2Config,
        endpoint: &Endpoint,
        tokens: &Tokens,
        need_identity: bool,
    ) -> Result<(Identity, String), FlowError> {
        let mut vars = client_vars(config);
        vars.set("access_token", tokens.access_token.reveal().clone());
        vars.set_opt("refresh_token", tokens.refresh_token.as_ref().map(|t| t.reveal().as_str()));
        vars.set_context(&self.context);
        let label = format!("user information endpoint \"{}\"", endpoint.name);
        match render_endpoint(endpoint, &label, &vars, &[]) {
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
                self.dpop_scheme(&mut prepared, tokens).await;
                let token = Some(tokens.access_token.reveal().as_str());
                if need_identity {
                    self.identity_from(&prepared, endpoint, &label, token).await
                } else {
                    self.api_check(&prepared, endpoint, &label, token).await
                }
            }
            Err(e) => Err(e),
        }
    }

    /// The observed lifetimes and scopes of new tokens.
    pub(super) fn observe_grant(&mut self, tokens: &Tokens) {
        let from = tokens.issued_at.unwrap_or_else(unix_now);
        self.observed.access_lifetime = tokens.expires_at.map(|at| at - from);
        self.observed.refresh_lifetime = tokens.refresh_expires_at.map(|at| at - from);
        self.observed.scopes = Some(tokens.scopes.clone());
    }

    /// What a token response of the `oauth2` crate (device, client credentials) was: its shape.
    pub(super) fn observe_standard_token<T: serde::Serialize>(&mut self, response: &T, tokens: &Tokens) {
        if let Ok(value) = serde_json::to_value(response) {
            self.observed.token = Some(Shape::of(&value));
        }
        self.observe_grant(tokens);
    }

    /// A check of a saved connection: its access token tried while valid (the user information
    /// endpoint called with it); refreshed when it has expired, when the provider no longer takes
    /// it (HTTP 401, as a client refreshes on a 401), or always with [`RefreshPolicy::Always`].
    async fn check_connection(
        &mut self,
        request: &FlowRequest,
        config: &OAuth2Config,
        saved: &Tokens,
        policy: RefreshPolicy,
    ) -> Result<(), FlowError> {
        if request.knows_signing_keys() {
            self.signing_keys_step(request, config).await?;
        }
        let now = unix_now();
        let left = saved.expires_at.map(|at| at.saturating_sub(now));
        let expired = left.is_some_and(|left| left <= super::REUSE_MARGIN_SECS);
        let has_access = !saved.access_token.reveal().is_empty();
        let refresh_token = saved.refresh_token.clone().filter(|t| !t.reveal().is_empty());
        let no_refresh_token = || {
            FlowError::Config(format!(
                "The connection has no refresh token to get a new access token with: it needs an interactive login (`authdeck test \"{}\"`), with offline access asked for so the provider issues one.",
                request.authorization.name
            ))
        };
        let reuse = policy != RefreshPolicy::Always && has_access && !expired;
        if !reuse {
            let why = match (policy, has_access, left) {
                (RefreshPolicy::Always, ..) => "refreshing as asked (--refresh)".to_owned(),
                (_, false, _) => "the connection has no access token".to_owned(),
                (_, true, Some(left)) if left <= 0 => {
                    format!("it expired {} ago", crate::model::time::ago(now + left, now).trim_end_matches(" ago"))
                }
                _ => "it expires within a few seconds".to_owned(),
            };
            if policy == RefreshPolicy::Never {
                self.begin(StepId::SavedToken).await;
                let error = FlowError::Config(format!(
                    "The saved access token can't be used ({why}), and --no-refresh forbids refreshing it."
                ));
                return self.end::<()>(Err(error)).await;
            }
            self.skip(StepId::SavedToken, &format!("Not tried: {why}.")).await;
            let Some(refresh_token) = refresh_token else {
                self.begin(StepId::Refresh).await;
                return self.end::<()>(Err(no_refresh_token())).await;
            };
            return self.refresh(request, config, &refresh_token).await;
        }
        let Some(endpoint) = request.endpoints.userinfo.clone() else {
            self.skip(StepId::SavedToken, "No user information endpoint to call with the saved token.").await;
            let Some(refresh_token) = refresh_token.filter(|_| policy != RefreshPolicy::Never) else {
                self.skip(StepId::Refresh, "The saved access token is still valid.").await;
                return Ok(());
            };
            return self.refresh(request, config, &refresh_token).await;
        };
        self.begin(StepId::SavedToken).await;
        self.prepare_dpop(request, config).await?;
        let tried = self.userinfo_call(config, &endpoint, saved, true).await;
        match tried {
            Ok((identity, summary)) => {
                self.end(Ok(((), summary))).await?;
                self.identity = Some(identity).filter(|i| !i.is_empty());
                self.skip(StepId::Refresh, "The saved access token still works, so it was not refreshed.").await;
                Ok(())
            }
            Err(error) if is_unauthorized(&error) && policy != RefreshPolicy::Never => {
                let Some(refresh_token) = refresh_token else {
                    return self.end::<()>(Err(no_refresh_token())).await;
                };
                self.note(format!("Not accepted: {error}")).await;
                let summary = "HTTP 401: no longer accepted, so the check refreshes it, as a client does on a 401";
                self.end(Ok(((), summary.to_owned()))).await?;
                self.refresh(request, config, &refresh_token).await
            }
            Err(error) if is_unauthorized(&error) => {
                let error = FlowError::Config(format!(
                    "The saved access token is no longer accepted ({error}), and --no-refresh forbids refreshing it."
                ));
                self.end::<()>(Err(error)).await
            }
            Err(error) => self.end::<()>(Err(error)).await,
        }
    }

    /// Calls an endpoint as an API check: a successful answer passes; an identity in it is read.
    async fn api_check(
        &mut self,
        prepared: &PreparedRequest,
        endpoint: &Endpoint,
        label: &str,
        access_token: Option<&str>,
    ) -> Result<(Identity, String), FlowError> {
        let (identity, status) = self
            .exchange_dpop(prepared, access_token, |value| {
                let identity = read_identity(value, &endpoint.mapping, label).map(|(i, _)| i).unwrap_or_default();
                Ok((identity, Vec::new()))
            })
            .await?;
        let summary = if identity.is_empty() {
            format!("HTTP {status}: the API accepted the token")
        } else {
            format!("HTTP {status}: the API accepted the token, for {}", identity.display())
        };
        Ok((identity, summary))
    }

    /// API-Key and Basic: the user information endpoint with the credentials placed as configured.
    async fn credentials_test(&mut self, request: &FlowRequest) -> Result<(), FlowError> {
        self.begin(StepId::UserInfo).await;
        let what = match request.authorization.config {
            AuthConfig::Basic(_) => "the username and password",
            _ => "the API key",
        };
        for warning in crate::model::security::credentials_warnings(request.endpoints.userinfo.as_ref(), what) {
            self.note(format!("Warning: {warning}")).await;
        }
        let result = self.credentials_call(request).await;
        let identity = self.end(result).await?;
        self.identity = Some(identity);
        Ok(())
    }

    async fn credentials_call(&mut self, request: &FlowRequest) -> Result<(Identity, String), FlowError> {
        let endpoint = request.endpoints.userinfo.as_ref().ok_or_else(|| {
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
        self.identity_from(&prepared, endpoint, &label, None).await
    }

    async fn identity_from(
        &mut self,
        prepared: &PreparedRequest,
        endpoint: &Endpoint,
        label: &str,
        access_token: Option<&str>,
    ) -> Result<(Identity, String), FlowError> {
        let ((identity, response), status) = self
            .exchange_dpop(prepared, access_token, |value| {
                read_identity(value, &endpoint.mapping, label)
                    .map(|(identity, secrets)| ((identity, value.clone()), secrets))
            })
            .await?;
        self.context.set_userinfo(&response);
        let mut shape = Shape::of(&response);
        let mapping = &endpoint.mapping;
        for (name, entry) in
            [("user_id", &mapping.user_id), ("user_name", &mapping.user_name), ("user_email", &mapping.user_email)]
        {
            if !entry.trim().is_empty() {
                let found = mapping::read(&response, entry).ok().flatten().is_some_and(|v| !v.trim().is_empty());
                shape.map(name, entry, found);
            }
        }
        self.observed.userinfo = Some(shape);
        Ok((identity.clone(), format!("HTTP {status}: {}", identity.display())))
    }

    /// Sends a request, reads its response with `read` (which also names the secrets found in it),
    /// and records the exchange with those secrets already hidden.
    pub(super) async fn exchange<T>(
        &mut self,
        request: &PreparedRequest,
        read: impl Fn(&Value) -> Result<(T, Vec<String>), FlowError>,
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
            self.dpop_saw(reply);
        }
        let step = self.current.as_ref().map(|c| c.step).unwrap_or(StepId::UserInfo);
        if let Some(current) = &mut self.current {
            current.exchanges.push(redacted.clone());
        }
        self.emit(FlowEvent::Exchange { step, redacted, raw: Sensitive::new(raw) }).await;
        outcome.map(|(value, _, status)| (value, status))
    }
}

/// How many ignored requests are reported one by one; past that they are counted, not kept, so a
/// flood of requests to the callback port can't fill the memory or the screen.
const REPORTED_IGNORED: usize = 20;

#[derive(Default)]
struct IgnoredRequests {
    strays: usize,
    refused: usize,
}

impl IgnoredRequests {
    /// The event for a stray request while few enough have come; then, once, a notice that the
    /// rest go unlisted; then nothing.
    fn stray(&mut self, method: String, path: String) -> Option<Result<FlowEvent, String>> {
        self.strays += 1;
        match self.strays {
            n if n <= REPORTED_IGNORED => {
                let path = if path.chars().count() > 200 {
                    format!("{}…", path.chars().take(200).collect::<String>())
                } else {
                    path
                };
                Some(Ok(FlowEvent::StrayRequest { method: method.chars().take(32).collect(), path }))
            }
            n if n == REPORTED_IGNORED + 1 => Some(Err(format!(
                "More than {REPORTED_IGNORED} stray requests came to the callback port: the rest are answered but not listed."
            ))),
            _ => None,
        }
    }

    /// Whether to note this refused request (the first few only).
    fn refused(&mut self) -> bool {
        self.refused += 1;
        self.refused <= REPORTED_IGNORED
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
    // OpenID Connect Core section 3.1.2.1: a nonce binds the ID token to this login.
    let nonce = if config.wants_openid() { Some(random_token(24)?) } else { None };
    authorization_url(config, &state, pkce.as_ref(), nonce.as_deref())
}

/// Renders the token and user information endpoints with stand-in values, so a template mistake
/// is reported at step 1, before the user logs in, and nothing is sent.
fn preflight(request: &FlowRequest, config: &OAuth2Config) -> Result<(), FlowError> {
    let mut vars = client_vars(config);
    vars.use_stand_ins();
    for name in ["code", "code_verifier", "access_token", "refresh_token"] {
        vars.set(name, "x");
    }
    if let Some(endpoint) = &request.endpoints.token {
        render_endpoint(endpoint, &format!("token endpoint \"{}\"", endpoint.name), &vars, &[])?;
    }
    if let Some(endpoint) = &request.endpoints.userinfo {
        render_endpoint(endpoint, &format!("user information endpoint \"{}\"", endpoint.name), &vars, &[])?;
    }
    Ok(())
}

pub(super) fn token_endpoint(request: &FlowRequest) -> Result<&Endpoint, FlowError> {
    request
        .endpoints
        .token
        .as_ref()
        .ok_or_else(|| FlowError::Config("Choose a token endpoint for this authorization.".into()))
}

/// The values every OAuth 2.0 request may use.
pub(super) fn client_vars(config: &OAuth2Config) -> TemplateVars {
    let mut vars = TemplateVars::default();
    vars.set("client_id", config.client_id.trim());
    vars.set_opt("client_secret", Some(config.client_secret.as_str()));
    vars.set("redirect_uri", config.redirect_uri.trim());
    vars.set("scopes", config.scopes.trim());
    vars
}

/// The code of a callback that passed its checks, and the step's summary.
type CheckedCallback = (Sensitive<String>, String);

/// Step 3: the state must be the one sent, the issuer the expected one (RFC 9207: when the
/// callback names one, and always when the issuer says it does), and an error is reported as the
/// provider sent it. Each check is also a line of the step.
fn check_callback(
    params: &CallbackParams,
    expected_state: &str,
    issuer: Option<&str>,
    iss_required: bool,
) -> (Vec<CheckRecord>, Result<CheckedCallback, FlowError>) {
    let mut checks = Vec::new();
    let pasted_code = params.source == CallbackSource::PastedCode;
    let state_shown = params.state.clone().unwrap_or_else(|| "(none)".into());
    if !pasted_code {
        checks.push(CheckRecord::new(
            "state",
            params.state.as_deref() == Some(expected_state),
            expected_state,
            &state_shown,
        ));
    }
    let state_error = match (&params.state, pasted_code) {
        (Some(state), _) if state != expected_state => {
            Some(FlowError::StateMismatch { expected: expected_state.to_owned(), received: state.clone() })
        }
        (None, false) => {
            Some(FlowError::StateMismatch { expected: expected_state.to_owned(), received: "none".into() })
        }
        _ => None,
    };
    if let Some(error) = state_error {
        return (checks, Err(error));
    }
    let iss_error = match (issuer, &params.iss) {
        (Some(expected), Some(received)) => {
            checks.push(CheckRecord::new("iss", received == expected, expected, received));
            (received != expected)
                .then(|| FlowError::IssuerMixUp { expected: expected.to_owned(), received: received.clone() })
        }
        (Some(expected), None) if iss_required && !pasted_code => {
            checks.push(CheckRecord::new("iss", false, expected, "(none)"));
            Some(FlowError::IssuerMissing { issuer: expected.to_owned() })
        }
        _ => None,
    };
    if let Some(error) = iss_error {
        return (checks, Err(error));
    }
    if let Some(error) = &params.error {
        return (
            checks,
            Err(FlowError::Callback {
                error: error.clone(),
                description: params.error_description.clone(),
                uri: params.error_uri.clone(),
                hint: hint_for(error),
            }),
        );
    }
    let Some(code) = params.code.clone() else {
        return (checks, Err(FlowError::Config("The callback has no code.".into())));
    };
    let mut summary = if params.state.is_some() { "state matches, code received" } else { "code received" }.to_owned();
    if params.iss.is_some() && issuer.is_some() {
        summary = format!("state and issuer match, code received{}", if iss_required { " (RFC 9207)" } else { "" });
    }
    (checks, Ok((code, summary)))
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
        .map(|e| from.saturating_add(e as i64));
    let refresh_expires_at = read_number(value, &mapping.refresh_expires_in, "", label, "refresh token expires in")?
        .filter(|e| *e > 0.0)
        .map(|e| from.saturating_add(e as i64));
    let scopes = read_entry(value, &mapping.scope, "scope", label, "granted scopes")?
        .unwrap_or_else(|| requested_scopes.to_owned());
    let token_type = read_entry(value, &mapping.token_type, "token_type", label, "token type")?;
    let mut secrets = vec![access_token.clone()];
    secrets.extend(refresh_token.as_ref().map(|t| t.reveal().clone()));
    // An OpenID Connect ID token is a credential too.
    let id_token = mapping::read_path(value, "id_token").filter(|t| !t.is_empty());
    secrets.extend(id_token.clone());
    let tokens = Tokens {
        access_token: Sensitive::new(access_token),
        refresh_token,
        id_token: id_token.map(Sensitive::new),
        token_type,
        expires_at,
        scopes,
        dpop_key: None,
        refresh_expires_at,
        issued_at,
    };
    Ok((tokens, secrets))
}

pub(super) fn token_summary(status: u16, tokens: &Tokens) -> String {
    let now = unix_now();
    let mut parts = vec![format!("HTTP {status}: {} access token", tokens.token_type.as_deref().unwrap_or("an"))];
    match tokens.expires_at {
        Some(at) => parts.push(format!("expires in {} s", at.saturating_sub(now).max(0))),
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
    if tokens.id_token.is_some() {
        parts.push("ID token".into());
    }
    if !tokens.scopes.is_empty() {
        parts.push(format!("scopes: {}", tokens.scopes));
    }
    parts.join(", ")
}

/// The shape of a token response, with which of its mapping entries found a value. A refresh
/// response leaves the refresh token out of the mapped entries: whether one comes is rotation.
fn token_shape(response: &Value, mapping: &ResponseMapping, with_refresh_token: bool) -> Shape {
    let mut shape = Shape::of(response);
    let entries = [
        ("access_token", &mapping.access_token, "access_token"),
        ("refresh_token", &mapping.refresh_token, "refresh_token"),
        ("expires_in", &mapping.expires_in, "expires_in"),
        ("scope", &mapping.scope, "scope"),
        ("token_type", &mapping.token_type, "token_type"),
        ("issued_at", &mapping.issued_at, ""),
        ("refresh_expires_in", &mapping.refresh_expires_in, ""),
    ];
    for (name, entry, default) in entries {
        if name == "refresh_token" && !with_refresh_token {
            continue;
        }
        let entry = if entry.trim().is_empty() { default } else { entry.trim() };
        if entry.is_empty() {
            continue;
        }
        let found = mapping::read(response, entry).ok().flatten().is_some_and(|v| !v.trim().is_empty());
        shape.map(name, entry, found);
    }
    shape
}

/// Whether a refresh answered with a new refresh token, and whether the connection keeps it: a
/// field named `refresh_token` anywhere in the answer with another value than the one sent, that
/// the mapping didn't read, is a rotation the connection misses.
fn rotation(response: &Value, sent: &Sensitive<String>, kept: Option<&Sensitive<String>>) -> Rotation {
    fn find(value: &Value, depth: usize, out: &mut Vec<String>) {
        if let Value::Object(map) = value {
            for (key, v) in map {
                match v {
                    Value::String(s) if key == "refresh_token" && !s.is_empty() => out.push(s.clone()),
                    Value::Object(_) if depth < 3 => find(v, depth + 1, out),
                    _ => {}
                }
            }
        }
    }
    let mut found = Vec::new();
    find(response, 0, &mut found);
    let mapped_new = kept.is_some_and(|k| k != sent);
    let unread_new = found.iter().any(|t| t != sent.reveal() && kept.is_none_or(|k| k.reveal() != t));
    Rotation { rotated: mapped_new || unread_new, kept_old: !mapped_new && unread_new }
}

/// The provider no longer takes the access token: HTTP 401 (RFC 6750 section 3.1 `invalid_token`).
pub(super) fn is_unauthorized(error: &FlowError) -> bool {
    match error {
        FlowError::Provider { status, error, .. } => *status == 401 || error == "invalid_token",
        FlowError::Status { status, .. } => *status == 401,
        _ => false,
    }
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
            iss: None,
            source: CallbackSource::Listener,
            all: Sensitive::new(Vec::new()),
        }
    }

    fn checked(params: &CallbackParams, issuer: Option<&str>, required: bool) -> Result<String, FlowError> {
        check_callback(params, "s", issuer, required).1.map(|(_, summary)| summary)
    }

    #[test]
    fn callback_checks() {
        assert!(checked(&listener_params(Some("s"), Some("c"), None), None, false).is_ok());
        let e = checked(&listener_params(Some("other"), Some("c"), None), None, false).unwrap_err();
        assert!(matches!(e, FlowError::StateMismatch { .. }));
        let e = checked(&listener_params(None, Some("c"), None), None, false).unwrap_err();
        assert!(e.to_string().contains("(none)"), "{e}");
        let e = checked(&listener_params(Some("s"), None, Some("access_denied")), None, false).unwrap_err();
        assert!(e.to_string().contains("access_denied: End-User denied"), "{e}");
        let mut pasted = listener_params(None, Some("c"), None);
        pasted.source = CallbackSource::PastedCode;
        assert_eq!(checked(&pasted, Some("https://i.test"), true).unwrap(), "code received");
    }

    #[test]
    fn the_issuer_of_a_callback_is_checked() {
        let mut params = listener_params(Some("s"), Some("c"), None);
        params.iss = Some("https://other.test".into());
        let (checks, result) = check_callback(&params, "s", Some("https://i.test"), false);
        let e = result.unwrap_err();
        assert!(matches!(&e, FlowError::IssuerMixUp { .. }) && e.to_string().contains("mix-up attack"), "{e}");
        assert_eq!((checks[1].name.as_str(), checks[1].ok), ("iss", false));
        params.iss = Some("https://i.test".into());
        assert_eq!(
            checked(&params, Some("https://i.test"), true).unwrap(),
            "state and issuer match, code received (RFC 9207)"
        );
        params.iss = None;
        assert!(matches!(checked(&params, Some("https://i.test"), true), Err(FlowError::IssuerMissing { .. })));
        assert!(checked(&params, Some("https://i.test"), false).is_ok(), "not required: nothing to compare");
        // A state mismatch is named before an issuer: the callback is not for this test at all.
        params.state = Some("x".into());
        params.iss = Some("https://other.test".into());
        assert!(matches!(checked(&params, Some("https://i.test"), false), Err(FlowError::StateMismatch { .. })));
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
    fn an_absurd_lifetime_is_the_farthest_expiry_not_an_overflow() {
        let mapping = ResponseMapping::for_purpose(crate::model::EndpointPurpose::Token);
        for lifetime in [json!(1e300), json!(i64::MAX), json!(u64::MAX)] {
            let v = json!({"access_token": "a", "expires_in": lifetime, "refresh_token_expires_in": lifetime});
            let (tokens, _) = read_tokens(&v, &mapping, "t", "", None).unwrap();
            assert_eq!(tokens.expires_at, Some(i64::MAX), "{lifetime}");
            assert!(token_summary(200, &tokens).contains("expires in"), "{}", token_summary(200, &tokens));
        }
        let v = json!({"access_token": "a", "issued_at": i64::MIN, "expires_in": 60});
        assert!(read_tokens(&v, &mapping, "t", "", None).is_ok());
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
