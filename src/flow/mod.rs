//! The connection test engine: runs an OAuth 2.0 authorization's grant (authorization code with
//! PKCE, device code, client credentials), a refresh, a revocation or an introspection of a saved
//! connection, or an API-Key / Basic check, against the real provider; reports each step as a typed
//! event over a channel; can be cancelled at any step. No UI code; the TUI and the command line
//! both drive it.
//!
//! # Which part sends what, and why
//! **authdeck's own endpoint engine** sends the two requests the user's endpoint definitions shape
//! freely: the authorization-code exchange and the refresh-token grant. Their method, headers and
//! body templates (`code={{code}}`…) and the response mapping that says where the token is
//! (`access_token`, or Slack's `authed_user.access_token`) are the user's; the `oauth2` crate
//! builds its own token request and parses a standard JSON response, so it would have to be bent
//! around both ends. So, directly and showing exactly what is sent:
//! 1. render the endpoint definition with the run's template variables (`request.rs`);
//! 2. apply client authentication as configured: a Basic header of the form-urlencoded id and
//!    secret (RFC 6749 section 2.3.1), or `client_id`/`client_secret` added to the body unless the
//!    template has them, or for a public client `client_id` alone;
//! 3. send it with one shared `reqwest` client (redirects off, timeouts, 1 MiB body cap read in
//!    chunks; `http.rs`);
//! 4. normalize the response: JSON, or form-encoded as GitHub sends; an HTTP 200 that carries
//!    `error` or `"ok": false` is a failure;
//! 5. read the values by the endpoint's dotted-path [`ResponseMapping`](crate::model::ResponseMapping).
//!
//! **The `oauth2` crate** owns the standard requests it models well, and their typed responses:
//! the device authorization request and the device-token polling loop (RFC 8628: the interval,
//! +5 s on `slow_down`, the expiry), client credentials (RFC 6749 section 4.4), revocation (RFC
//! 7009) and introspection (RFC 7662); and the PKCE and random-state primitives (`authorize.rs`).
//! It sends them through **one** `oauth2::AsyncHttpClient`, `StandardHttp` in `standard.rs`, over
//! the same shared client: every exchange gets the same recording, redaction, body cap and
//! timeouts as the engine's own, the endpoint's extra headers (GitHub's `Accept: application/json`)
//! apply and its extra form fields (Auth0's `audience`) are sent as extra parameters; replies the
//! crate would misread are put right first (form-encoded bodies, GitHub's HTTP 200 poll errors).
//!
//! **OpenID Connect** (`oidc.rs`, `discovery.rs`, `id_token.rs`): with an Issuer, a run starts by
//! reading its discovery document (OpenID Connect Discovery, else RFC 8414; the issuer in it must be
//! identical), whose metadata checks are warnings and whose endpoints stand in for the ones the
//! authorization lacks; the callback's `iss` is checked (RFC 9207); `nonce` is sent whenever `openid`
//! is asked for; the ID token is checked line by line, its signature by `jsonwebtoken` (ring)
//! against the issuer's JWKS (found by `kid`, fetched once more after a rotation) — never by hand.
//!
//! PKCE is S256 with a 32-byte random verifier; `state` and `nonce` are 24 random bytes.
//!
//! # Driving it (the TUI pane, `authdeck test`)
//! ```text
//! let runner = FlowRunner::new(FlowOptions::default())?;     // once, kept in the app; shares one HTTP client
//! let request = FlowRequest::test(&authorization, &endpoints, credentials)?;  // or refresh_connection, revoke, introspect
//! let steps = request.steps();                                 // draw the list up front, all Waiting
//! let (events_tx, mut events) = tokio::sync::mpsc::channel(64);
//! let handle = runner.spawn(request, events_tx);              // a tokio task; keep the handle in the pane
//! handle.paste(text);                                          // Enter in the paste box, at any time
//! // a device-code run sends FlowEvent::DeviceCode (show the user code big) and DevicePoll events
//! handle.cancel();                                             // Esc; dropping the handle cancels too
//! // in the event loop's select!: events.recv() → update the pane; the last event is
//! // FlowEvent::Finished(report); then:
//! store.record_flow(&mut report)?;                             // test run + connection, adds the Save step
//! ```
//! Keep receiving events while the flow runs (the channel is bounded: an unread channel stalls it).
//! API-Key and Basic tests need [`Credentials`]: ask for the [`credential_prompts`] first.
//! `crate::platform` gives the `ssh -L` line for the waiting step and says whether to offer opening
//! the URL; [`describe_expiry`] labels a [`Connection`]'s expiry, and
//! [`FlowEvent::Exchange`] carries the raw exchange for a reveal key.
//!
//! The engine never touches the store: the store is synchronous and lives with the UI state, so the
//! caller saves the [`FlowReport`] it ends with (`Store::record_flow`), which records the test run
//! and saves or updates the connection in one transaction.
//!
//! [`FlowRunner::discover`] reads an issuer's document on its own (`authdeck discover`, the form's
//! discovery key); [`crate::model::discovery`] says what in an authorization doesn't fit it and
//! plans the endpoints it fills in.
//!
//! Secrets (client secret, code, verifier, tokens, ID token, device and user codes, API key,
//! password, credential headers) never reach the events' redacted records, the step log or
//! `tracing`: every record goes through a [`Redactor`] that knows the run's secrets; the raw
//! exchange (and the user code, shown to the user) travels only inside a [`Sensitive`].

mod assertion;
mod authorize;
mod binding;
mod callback;
mod discovery;
pub mod dpop;
mod engine;
mod error;
mod events;
mod grants;
mod http;
mod id_token;
pub mod keys;
mod lab;
mod oidc;
mod par;
mod request;
mod standard;

use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

pub use authorize::{AuthorizationRequest, Pkce, authorization_url, random_token, s256_challenge};
pub use callback::{CallbackParams, CallbackSource, loopback_target, parse_paste};
pub use discovery::Discovery;
pub use error::{FlowError, hint_for};
pub use events::{DeviceCode, DevicePoll, FlowEvent, ListenerStatus, PollAnswer};
pub use id_token::{LEEWAY_SECS as ID_TOKEN_LEEWAY_SECS, decoded_id_token};
pub use request::curl_command;
// The records a run produces live in the model (the store keeps them); re-exported for the callers.
pub use crate::model::run::{
    CheckRecord, Connection, ConnectionStatus, DecodedJwt, FlowKind, FlowReport, GrantSummary, HttpExchange, Identity,
    Introspection, RecordedRun, RequestRecord, ResponseRecord, RunOutcome, StepId, StepRecord, StepStatus, TestRun,
    Tokens, describe_expiry,
};

use crate::model::redact::{Redactor, Sensitive};
use crate::model::{AuthConfig, Authorization, ClientAuth, Endpoint, Grant};

/// Limits of a run. The defaults are those of the product; tests shorten them.
#[derive(Debug, Clone)]
pub struct FlowOptions {
    /// Per HTTP request, connection to last byte.
    pub request_timeout: Duration,
    /// How long step 2 waits for the callback or a paste.
    pub callback_timeout: Duration,
    /// The largest response body read.
    pub body_limit: usize,
    /// How long one second of a device flow's polling interval lasts: a second. Tests shorten it,
    /// so a provider's `interval: 5` and `slow_down` (+5 s) take milliseconds; the events still
    /// report the provider's seconds.
    pub poll_second: Duration,
    /// CA certificates (PEM) trusted besides the built-in web roots: a company's or a local
    /// provider's CA (`AUTHDECK_CA_FILE`), the fakes' in tests.
    pub extra_roots: Vec<Vec<u8>>,
}

impl Default for FlowOptions {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(30),
            callback_timeout: Duration::from_secs(10 * 60),
            body_limit: 1024 * 1024,
            poll_second: Duration::from_secs(1),
            extra_roots: Vec::new(),
        }
    }
}

impl FlowOptions {
    /// The defaults, trusting the CA certificates of `AUTHDECK_CA_FILE` (PEM files, `:`-separated)
    /// too: a company CA, or a local provider's for mTLS. The error names the file that can't be read.
    pub fn from_environment() -> Result<FlowOptions, FlowError> {
        let mut options = FlowOptions::default();
        let Some(files) = std::env::var_os("AUTHDECK_CA_FILE").filter(|f| !f.is_empty()) else { return Ok(options) };
        for path in std::env::split_paths(&files) {
            let pem = std::fs::read(&path).map_err(|e| {
                FlowError::Config(format!("AUTHDECK_CA_FILE names {}, which can't be read: {e}.", path.display()))
            })?;
            options.extra_roots.push(pem);
        }
        Ok(options)
    }
}

/// What the user typed for an API-Key or Basic test (never saved).
#[derive(Debug, Clone, Default)]
pub enum Credentials {
    #[default]
    None,
    ApiKey(Sensitive<String>),
    Basic {
        username: String,
        password: Sensitive<String>,
    },
}

/// A field to ask the user for before an API-Key or Basic test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialPrompt {
    /// The label the end user sees (from the authorization's fields).
    pub label: String,
    /// Masked while typed.
    pub secret: bool,
}

/// What to ask before testing this authorization: the key, or username and password; nothing for OAuth 2.0.
pub fn credential_prompts(config: &AuthConfig) -> Vec<CredentialPrompt> {
    match config {
        AuthConfig::ApiKey(c) => vec![CredentialPrompt { label: c.key_label.clone(), secret: true }],
        AuthConfig::Basic(c) => vec![
            CredentialPrompt { label: c.username_label.clone(), secret: false },
            CredentialPrompt { label: c.password_label.clone(), secret: true },
        ],
        AuthConfig::OAuth2(_) => Vec::new(),
    }
}

impl Credentials {
    /// The credentials from the answers to [`credential_prompts`], in order.
    pub fn from_answers(config: &AuthConfig, mut answers: Vec<String>) -> Credentials {
        let mut next = || if answers.is_empty() { String::new() } else { answers.remove(0) };
        match config {
            AuthConfig::ApiKey(_) => Credentials::ApiKey(Sensitive::new(next())),
            AuthConfig::Basic(_) => Credentials::Basic { username: next(), password: Sensitive::new(next()) },
            AuthConfig::OAuth2(_) => Credentials::None,
        }
    }
}

/// The endpoints a run may use, resolved from the app's by the authorization's references.
#[derive(Debug, Clone, Default)]
pub(crate) struct RunEndpoints {
    pub token: Option<Endpoint>,
    pub userinfo: Option<Endpoint>,
    pub device: Option<Endpoint>,
    pub revocation: Option<Endpoint>,
    pub introspection: Option<Endpoint>,
    pub jwks: Option<Endpoint>,
    /// The authorization's own refresh endpoint; without one, refreshes go to the token endpoint.
    pub refresh: Option<Endpoint>,
}

/// Which of a connection's tokens a revocation or an introspection is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenChoice {
    Access,
    Refresh,
    /// Both, refresh token first (revoking it usually ends the whole grant).
    #[default]
    Both,
}

/// A token a run works on, named as RFC 7009 / RFC 7662 hint it.
#[derive(Debug, Clone)]
pub(crate) struct HintedToken {
    /// `access_token` or `refresh_token`.
    pub hint: &'static str,
    pub token: Sensitive<String>,
}

/// What a run does.
#[derive(Debug, Clone)]
pub(crate) enum FlowAction {
    /// Test the authorization with its grant (or its key or credentials).
    Test,
    /// The refresh-token grant on a saved connection (with the DPoP key its tokens are bound to).
    Refresh { connection_id: i64, refresh_token: Sensitive<String>, dpop_key: Option<Sensitive<String>> },
    /// RFC 7009 on a saved connection's tokens.
    Revoke { connection_id: i64, tokens: Vec<HintedToken> },
    /// RFC 7662 on one of a saved connection's tokens.
    Introspect { connection_id: i64, token: HintedToken },
    /// `authdeck check`: the saved connection's access token tried (or refreshed, as `refresh`
    /// allows), the user information endpoint called, headless; a client-credentials
    /// authorization gets a new token; API-Key and Basic call with their credentials.
    Check { connection_id: Option<i64>, saved: Option<Box<Tokens>>, refresh: RefreshPolicy },
    /// The refresh lab on a saved connection.
    Lab { connection_id: i64, saved: Box<Tokens>, lab: Lab },
}

/// What the refresh lab tries on a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lab {
    /// The access token treated as expired (as a client does after a 401), then the refresh path:
    /// refresh, the ID token, the user information endpoint.
    ForceExpiry,
    /// Two refreshes: does the provider rotate refresh tokens? With `reuse`, the replaced refresh
    /// token is used again (a strict provider refuses it and may revoke the whole grant: ask
    /// first), then the newest.
    Rotation { reuse: bool },
    /// A fresh access token (refreshed first when the connection can), then the user information
    /// endpoint called every `every_secs` until it is refused, for at most `max_secs`: `expires_in`
    /// against the token's real life.
    Lifetime { every_secs: u64, max_secs: u64 },
}

impl Lab {
    /// The lifetime probe's defaults: a call every 30 s, for at most 90 minutes (past a one-hour
    /// token's end).
    pub const LIFETIME: Lab = Lab::Lifetime { every_secs: 30, max_secs: 90 * 60 };
}

impl FlowAction {
    /// The DPoP key a run on a saved connection proves (its tokens are bound to it).
    pub(crate) fn saved_dpop_key(&self) -> Option<Sensitive<String>> {
        match self {
            FlowAction::Refresh { dpop_key, .. } => dpop_key.clone(),
            FlowAction::Check { saved, .. } => saved.as_ref().and_then(|t| t.dpop_key.clone()),
            FlowAction::Lab { saved, .. } => saved.dpop_key.clone(),
            _ => None,
        }
    }

    /// True for a run that refreshes a saved connection's tokens.
    pub(crate) fn works_on_saved_tokens(&self) -> bool {
        matches!(self, FlowAction::Refresh { .. } | FlowAction::Check { saved: Some(_), .. } | FlowAction::Lab { .. })
    }
}

/// When a check may use the refresh-token grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RefreshPolicy {
    /// Reuse the access token while it is valid (and accepted); refresh once it isn't, as a client
    /// does on expiry or on a 401.
    #[default]
    WhenNeeded,
    /// Never refresh (`--no-refresh`): an expired or refused access token fails the check.
    Never,
    /// Refresh every time (`--refresh`), to see the token response, its lifetimes and rotation.
    Always,
}

/// How long before its expiry a saved access token is no longer reused by a check: a request
/// made with it could meet the expiry on the way.
pub const REUSE_MARGIN_SECS: i64 = 30;

/// Everything a run needs, resolved from the store up front so the engine never reads it.
#[derive(Debug, Clone)]
pub struct FlowRequest {
    pub(crate) authorization: Authorization,
    pub(crate) endpoints: RunEndpoints,
    pub(crate) credentials: Credentials,
    pub(crate) action: FlowAction,
    /// The run-context values a saved connection kept (`callback.realmId`…): a refresh starts
    /// from them, so its templates find what the test learnt.
    pub(crate) kept: Vec<crate::model::context::KeptValue>,
}

impl FlowRequest {
    /// A test of the authorization. `endpoints` are the app's (the ones it uses are picked by id).
    pub fn test(
        authorization: &Authorization,
        endpoints: &[Endpoint],
        credentials: Credentials,
    ) -> Result<FlowRequest, FlowError> {
        let refs = authorization.config.endpoint_refs();
        let find = |id: Option<i64>, what: &str| -> Result<Option<Endpoint>, FlowError> {
            match id {
                None => Ok(None),
                Some(id) => endpoints.iter().find(|e| e.id == id).cloned().map(Some).ok_or_else(|| {
                    FlowError::Config(format!(
                        "The {what} of \"{}\" no longer exists: choose another in its form.",
                        authorization.name
                    ))
                }),
            }
        };
        let resolved = RunEndpoints {
            token: find(refs.token, "token endpoint")?,
            userinfo: find(refs.userinfo, "user information endpoint")?,
            device: find(refs.device, "device authorization endpoint")?,
            revocation: find(refs.revocation, "revocation endpoint")?,
            introspection: find(refs.introspection, "introspection endpoint")?,
            jwks: find(refs.jwks, "JWKS endpoint")?,
            refresh: find(authorization.config.refresh_endpoint_id(), "refresh endpoint")?,
        };
        match &authorization.config {
            AuthConfig::OAuth2(_) if resolved.token.is_none() => {
                return Err(FlowError::Config(format!(
                    "\"{}\" has no token endpoint: choose or create one in its form.",
                    authorization.name
                )));
            }
            AuthConfig::OAuth2(c)
                if c.grant == Grant::DeviceCode && resolved.device.is_none() && c.issuer().is_none() =>
            {
                return Err(FlowError::Config(format!(
                    "\"{}\" uses the device code grant but has no device authorization endpoint: choose or create one in its form, or set its Issuer to find it by discovery.",
                    authorization.name
                )));
            }
            AuthConfig::OAuth2(c) if c.grant == Grant::ClientCredentials && c.client_auth == ClientAuth::None => {
                return Err(FlowError::Config(format!(
                    "\"{}\" uses the client credentials grant as a public client: choose Basic header or Request body as its client authentication, with its Client Secret.",
                    authorization.name
                )));
            }
            AuthConfig::ApiKey(_) | AuthConfig::Basic(_) if resolved.userinfo.is_none() => {
                return Err(FlowError::Config(format!(
                    "\"{}\" has no user information endpoint to test it with: choose or create one in its form.",
                    authorization.name
                )));
            }
            _ => {}
        }
        Ok(FlowRequest {
            authorization: authorization.clone(),
            endpoints: resolved,
            credentials,
            action: FlowAction::Test,
            kept: Vec::new(),
        })
    }

    /// A refresh-token grant on a saved connection of this (OAuth 2.0) authorization.
    pub fn refresh(
        authorization: &Authorization,
        endpoints: &[Endpoint],
        connection_id: i64,
        refresh_token: Sensitive<String>,
    ) -> Result<FlowRequest, FlowError> {
        oauth2_only(authorization, "refreshed")?;
        if refresh_token.reveal().is_empty() {
            return Err(FlowError::Config(
                "This connection has no refresh token. Providers issue one only when asked (e.g. scope offline_access, or access_type=offline with prompt=consent).".into(),
            ));
        }
        let mut request = FlowRequest::test(authorization, endpoints, Credentials::None)?;
        request.action = FlowAction::Refresh { connection_id, refresh_token, dpop_key: None };
        Ok(request)
    }

    /// A refresh of a saved connection: refused for a revoked one, whose tokens are gone.
    pub fn refresh_connection(
        authorization: &Authorization,
        endpoints: &[Endpoint],
        connection: &Connection,
    ) -> Result<FlowRequest, FlowError> {
        if connection.status == ConnectionStatus::Revoked {
            return Err(FlowError::Config(format!(
                "The tokens of connection {} were revoked: test \"{}\" again to log in anew.",
                connection.id, authorization.name
            )));
        }
        let token = connection.tokens.refresh_token.clone().unwrap_or_default();
        let mut request = FlowRequest::refresh(authorization, endpoints, connection.id, token)?;
        if let FlowAction::Refresh { dpop_key, .. } = &mut request.action {
            dpop_key.clone_from(&connection.tokens.dpop_key);
        }
        request.kept = connection.kept.clone();
        Ok(request)
    }

    /// RFC 7009: revokes a saved connection's tokens (`which`; both by default, the refresh token first).
    pub fn revoke(
        authorization: &Authorization,
        endpoints: &[Endpoint],
        connection: &Connection,
        which: TokenChoice,
    ) -> Result<FlowRequest, FlowError> {
        let config = oauth2_only(authorization, "revoked")?;
        let mut request = FlowRequest::test(authorization, endpoints, Credentials::None)?;
        if request.endpoints.revocation.is_none() && config.issuer().is_none() {
            return Err(FlowError::Config(format!(
                "\"{}\" has no revocation endpoint: choose or create one in its form, or set its Issuer to find it by discovery.",
                authorization.name
            )));
        }
        let tokens = connection_tokens(connection, which)?;
        request.action = FlowAction::Revoke { connection_id: connection.id, tokens };
        Ok(request)
    }

    /// RFC 7662: asks the provider about one of a saved connection's tokens (the access token by default).
    pub fn introspect(
        authorization: &Authorization,
        endpoints: &[Endpoint],
        connection: &Connection,
        which: TokenChoice,
    ) -> Result<FlowRequest, FlowError> {
        let config = oauth2_only(authorization, "introspected")?;
        let mut request = FlowRequest::test(authorization, endpoints, Credentials::None)?;
        if request.endpoints.introspection.is_none() && config.issuer().is_none() {
            return Err(FlowError::Config(format!(
                "\"{}\" has no introspection endpoint: choose or create one in its form, or set its Issuer to find it by discovery.",
                authorization.name
            )));
        }
        let which = if which == TokenChoice::Both { TokenChoice::Access } else { which };
        let token = connection_tokens(connection, which)?.remove(0);
        request.action = FlowAction::Introspect { connection_id: connection.id, token };
        Ok(request)
    }

    /// A headless check (`authdeck check`) of an authorization: of its saved `connection`
    /// (needed by the code and device grants), with the `credentials` an API-Key or Basic one
    /// needs. A connection whose refresh token was refused or revoked needs an interactive login,
    /// which is the error's message.
    pub fn check(
        authorization: &Authorization,
        endpoints: &[Endpoint],
        connection: Option<&Connection>,
        credentials: Credentials,
        refresh: RefreshPolicy,
    ) -> Result<FlowRequest, FlowError> {
        let mut request = FlowRequest::test(authorization, endpoints, credentials)?;
        let name = &authorization.name;
        let needs_connection =
            matches!(&authorization.config, AuthConfig::OAuth2(c) if c.grant != Grant::ClientCredentials);
        if let Some(connection) = connection {
            match connection.status {
                ConnectionStatus::Revoked => {
                    return Err(FlowError::Config(format!(
                        "Connection {} of \"{name}\" was revoked: it needs an interactive login (`authdeck test \"{name}\"`).",
                        connection.id
                    )));
                }
                ConnectionStatus::NeedsLogin if needs_connection => {
                    let why = if connection.status_note.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", connection.status_note.trim_end_matches('.'))
                    };
                    return Err(FlowError::Config(format!(
                        "The provider refused the refresh token of connection {}{why}: it needs an interactive login (`authdeck test \"{name}\"`).",
                        connection.id
                    )));
                }
                _ => {}
            }
            request.kept = connection.kept.clone();
        } else if needs_connection {
            return Err(FlowError::Config(format!(
                "\"{name}\" has no saved connection: it needs an interactive login first (`authdeck test \"{name}\"`)."
            )));
        }
        let saved = connection.filter(|_| needs_connection).map(|c| Box::new(c.tokens.clone()));
        request.action = FlowAction::Check { connection_id: connection.map(|c| c.id), saved, refresh };
        Ok(request)
    }

    /// The refresh lab on a saved connection of an OAuth 2.0 authorization (one that can't be
    /// refreshed, revoked or in need of a login, is refused with what to do).
    pub fn lab(
        authorization: &Authorization,
        endpoints: &[Endpoint],
        connection: &Connection,
        lab: Lab,
    ) -> Result<FlowRequest, FlowError> {
        let mut request = FlowRequest::refresh_connection(authorization, endpoints, connection)?;
        if connection.status == ConnectionStatus::NeedsLogin {
            return Err(FlowError::Config(format!(
                "The provider already refused the refresh token of connection {}: test \"{}\" again to log in anew first.",
                connection.id, authorization.name
            )));
        }
        if matches!(lab, Lab::Lifetime { .. }) && request.endpoints.userinfo.is_none() {
            return Err(FlowError::Config(format!(
                "The lifetime probe calls the user information endpoint until the token is refused, and \"{}\" has none: choose one in its form.",
                authorization.name
            )));
        }
        request.action =
            FlowAction::Lab { connection_id: connection.id, saved: Box::new(connection.tokens.clone()), lab };
        Ok(request)
    }

    /// What this run is: a test of the authorization, or work on one of its connections.
    pub fn kind(&self) -> FlowKind {
        match self.action {
            FlowAction::Lab { lab: Lab::ForceExpiry, .. } => FlowKind::ForceExpiry,
            FlowAction::Lab { lab: Lab::Rotation { .. }, .. } => FlowKind::RotationTest,
            FlowAction::Lab { lab: Lab::Lifetime { .. }, .. } => FlowKind::LifetimeProbe,
            FlowAction::Check { .. } => FlowKind::Check,
            FlowAction::Test => FlowKind::Test,
            FlowAction::Refresh { .. } => FlowKind::Refresh,
            FlowAction::Revoke { .. } => FlowKind::Revoke,
            FlowAction::Introspect { .. } => FlowKind::Introspect,
        }
    }

    /// The grant a test runs (`None` for API-Key, Basic and runs on a connection).
    pub fn grant(&self) -> Option<Grant> {
        match (&self.authorization.config, &self.action) {
            (AuthConfig::OAuth2(c), FlowAction::Test | FlowAction::Check { .. }) => Some(c.grant),
            _ => None,
        }
    }

    /// True when the run starts by reading the issuer's discovery document: a test or a refresh of
    /// an authorization with an Issuer, or a revocation or introspection that needs the endpoint from it.
    pub(crate) fn discovers(&self) -> bool {
        let AuthConfig::OAuth2(config) = &self.authorization.config else { return false };
        config.issuer().is_some()
            && match &self.action {
                FlowAction::Test | FlowAction::Refresh { .. } | FlowAction::Check { .. } | FlowAction::Lab { .. } => {
                    true
                }
                FlowAction::Revoke { .. } => self.endpoints.revocation.is_none(),
                FlowAction::Introspect { .. } => self.endpoints.introspection.is_none(),
            }
    }

    /// The steps this run will go through, for drawing the list before they run (an ID token the
    /// provider sends unasked adds its step as it happens).
    pub fn steps(&self) -> Vec<StepId> {
        let AuthConfig::OAuth2(config) = &self.authorization.config else { return StepId::CREDENTIALS.to_vec() };
        let mut steps = Vec::new();
        if self.discovers() {
            steps.push(StepId::Discovery);
        }
        match &self.action {
            FlowAction::Test => {
                if config.grant == Grant::AuthorizationCode && config.par {
                    steps.push(StepId::PushedAuthorization);
                }
                steps.extend_from_slice(match config.grant {
                    Grant::AuthorizationCode => {
                        &[StepId::AuthorizationUrl, StepId::Callback, StepId::CallbackCheck, StepId::TokenExchange][..]
                    }
                    Grant::DeviceCode => &[StepId::DeviceAuthorization, StepId::DeviceApproval],
                    Grant::ClientCredentials => &[StepId::ClientCredentials],
                });
                if config.wants_openid() && config.grant != Grant::ClientCredentials {
                    steps.push(StepId::IdToken);
                }
                steps.extend([StepId::UserInfo, StepId::Save]);
            }
            FlowAction::Refresh { .. } => {
                steps.push(StepId::Refresh);
                if config.wants_openid() {
                    steps.push(StepId::IdToken);
                }
                steps.extend([StepId::UserInfo, StepId::Save]);
            }
            FlowAction::Revoke { .. } => steps.extend([StepId::Revocation, StepId::Save]),
            FlowAction::Introspect { .. } => steps.push(StepId::Introspection),
            FlowAction::Lab { lab, .. } => {
                steps.extend(match lab {
                    Lab::ForceExpiry => &[StepId::MarkedExpired, StepId::Refresh][..],
                    Lab::Rotation { reuse: false } => &[StepId::Refresh, StepId::SecondRefresh],
                    Lab::Rotation { reuse: true } => {
                        &[StepId::Refresh, StepId::SecondRefresh, StepId::ReuseOld, StepId::AfterReuse]
                    }
                    Lab::Lifetime { .. } => &[StepId::Refresh, StepId::LifetimeProbe],
                });
                if *lab == Lab::ForceExpiry {
                    if config.wants_openid() {
                        steps.push(StepId::IdToken);
                    }
                    steps.push(StepId::UserInfo);
                }
                steps.push(StepId::Save);
            }
            FlowAction::Check { .. } if config.grant == Grant::ClientCredentials => {
                steps.push(StepId::ClientCredentials);
                steps.extend([StepId::UserInfo, StepId::Save]);
            }
            FlowAction::Check { .. } => {
                if self.knows_signing_keys() {
                    steps.push(StepId::SigningKeys);
                }
                steps.extend([StepId::SavedToken, StepId::Refresh]);
                if config.wants_openid() {
                    steps.push(StepId::IdToken);
                }
                steps.extend([StepId::UserInfo, StepId::Save]);
            }
        }
        steps
    }

    /// True when the run can read the issuer's signing keys: a JWKS endpoint, or an Issuer whose
    /// document names one.
    pub(crate) fn knows_signing_keys(&self) -> bool {
        let AuthConfig::OAuth2(config) = &self.authorization.config else { return false };
        self.endpoints.jwks.is_some() || config.issuer().is_some()
    }

    /// The saved connection this run works on.
    pub(crate) fn connection_id(&self) -> Option<i64> {
        match &self.action {
            FlowAction::Test => None,
            FlowAction::Check { connection_id, .. } => *connection_id,
            FlowAction::Lab { connection_id, .. } => Some(*connection_id),
            FlowAction::Refresh { connection_id, .. }
            | FlowAction::Revoke { connection_id, .. }
            | FlowAction::Introspect { connection_id, .. } => Some(*connection_id),
        }
    }
}

fn oauth2_only<'a>(authorization: &'a Authorization, what: &str) -> Result<&'a crate::model::OAuth2Config, FlowError> {
    match &authorization.config {
        AuthConfig::OAuth2(config) => Ok(config),
        _ => Err(FlowError::Config(format!("Only OAuth 2.0 connections can be {what}."))),
    }
}

/// The tokens of a connection a revocation or introspection asks for, refresh token first.
fn connection_tokens(connection: &Connection, which: TokenChoice) -> Result<Vec<HintedToken>, FlowError> {
    let refresh = connection.tokens.refresh_token.clone().filter(|t| !t.reveal().is_empty());
    let access = Some(connection.tokens.access_token.clone()).filter(|t| !t.reveal().is_empty());
    let mut tokens = Vec::new();
    if matches!(which, TokenChoice::Refresh | TokenChoice::Both) {
        match refresh {
            Some(token) => tokens.push(HintedToken { hint: "refresh_token", token }),
            None if which == TokenChoice::Refresh => {
                return Err(FlowError::Config(format!("Connection {} has no refresh token.", connection.id)));
            }
            None => {}
        }
    }
    if matches!(which, TokenChoice::Access | TokenChoice::Both) {
        match access {
            Some(token) => tokens.push(HintedToken { hint: "access_token", token }),
            None => return Err(FlowError::Config(format!("Connection {} has no access token.", connection.id))),
        }
    }
    Ok(tokens)
}

/// The caller's side of a run: paste text into it, cancel it. Dropping it cancels the run.
#[derive(Debug, Clone)]
pub struct FlowControl {
    paste: mpsc::Sender<String>,
    cancel: std::sync::Arc<watch::Sender<bool>>,
}

/// The engine's side of [`FlowControl`].
#[derive(Debug)]
pub struct FlowInputs {
    pub(crate) paste: mpsc::Receiver<String>,
    pub(crate) cancel: watch::Receiver<bool>,
}

/// A connected [`FlowControl`] and [`FlowInputs`], for [`FlowRunner::run`].
pub fn control_channel() -> (FlowControl, FlowInputs) {
    let (paste_tx, paste_rx) = mpsc::channel(16);
    let (cancel_tx, cancel_rx) = watch::channel(false);
    (
        FlowControl { paste: paste_tx, cancel: std::sync::Arc::new(cancel_tx) },
        FlowInputs { paste: paste_rx, cancel: cancel_rx },
    )
}

impl FlowControl {
    /// Hands a pasted redirected URL or code to the waiting step. False when the run is over (or
    /// 16 pastes are already queued).
    pub fn paste(&self, text: impl Into<String>) -> bool {
        self.paste.try_send(text.into()).is_ok()
    }

    /// Cancels the run at whatever step it is: the listener's port is freed and the report says cancelled.
    pub fn cancel(&self) {
        self.cancel.send_replace(true);
    }

    /// A sender for pasted text, e.g. for a thread that reads stdin.
    pub fn paste_sender(&self) -> mpsc::Sender<String> {
        self.paste.clone()
    }
}

/// A run in a tokio task.
#[derive(Debug)]
pub struct FlowHandle {
    control: FlowControl,
    task: JoinHandle<FlowReport>,
}

impl FlowHandle {
    pub fn paste(&self, text: impl Into<String>) -> bool {
        self.control.paste(text)
    }

    pub fn cancel(&self) {
        self.control.cancel();
    }

    pub fn control(&self) -> FlowControl {
        self.control.clone()
    }

    /// Waits for the report (also sent as the last event).
    pub async fn join(self) -> Result<FlowReport, FlowError> {
        self.task.await.map_err(|e| FlowError::Config(format!("The test stopped unexpectedly: {e}.")))
    }
}

/// Runs flows. Cheap to clone; every run shares its HTTP client.
#[derive(Debug, Clone)]
pub struct FlowRunner {
    http: http::HttpClient,
    options: FlowOptions,
}

impl FlowRunner {
    pub fn new(options: FlowOptions) -> Result<FlowRunner, FlowError> {
        Ok(FlowRunner { http: http::HttpClient::new(&options)?, options })
    }

    /// Runs the flow to its end, reporting on `events`; returns the report (also sent as the last event).
    pub async fn run(&self, request: FlowRequest, events: mpsc::Sender<FlowEvent>, inputs: FlowInputs) -> FlowReport {
        engine::run(&self.http, &self.options, request, events, inputs).await
    }

    /// Runs the flow in a tokio task (call from within a runtime).
    pub fn spawn(&self, request: FlowRequest, events: mpsc::Sender<FlowEvent>) -> FlowHandle {
        let (control, inputs) = control_channel();
        let runner = self.clone();
        let task = tokio::spawn(async move { runner.run(request, events, inputs).await });
        FlowHandle { control, task }
    }

    /// Reads and checks an issuer's discovery document (for `authdeck discover` and the form's
    /// discovery key): the issuer in it must be the one asked for. The exchanges are redacted.
    pub async fn discover(&self, issuer: &str) -> (Result<Discovery, FlowError>, Vec<HttpExchange>) {
        let fetched = discovery::fetch(&self.http, issuer, &Redactor::new()).await;
        (fetched.result, fetched.exchanges.into_iter().map(|(redacted, _)| redacted).collect())
    }
}

/// The redactor for a run: knows the authorization's configured secrets from the start.
fn redactor_for(request: &FlowRequest) -> Redactor {
    let mut redactor = Redactor::new();
    if let AuthConfig::OAuth2(c) = &request.authorization.config {
        redactor.add(&c.client_secret);
    }
    match &request.credentials {
        Credentials::None => {}
        Credentials::ApiKey(key) => redactor.add(key.reveal()),
        Credentials::Basic { password, .. } => redactor.add(password.reveal()),
    }
    match &request.action {
        FlowAction::Test => {}
        FlowAction::Refresh { refresh_token, .. } => redactor.add(refresh_token.reveal()),
        FlowAction::Revoke { tokens, .. } => tokens.iter().for_each(|t| redactor.add(t.token.reveal())),
        FlowAction::Introspect { token, .. } => redactor.add(token.token.reveal()),
        FlowAction::Lab { saved, .. } => {
            for token in
                [Some(&saved.access_token), saved.refresh_token.as_ref(), saved.id_token.as_ref()].into_iter().flatten()
            {
                redactor.add(token.reveal());
            }
        }
        FlowAction::Check { saved, .. } => {
            let tokens =
                saved.iter().flat_map(|t| [Some(&t.access_token), t.refresh_token.as_ref(), t.id_token.as_ref()]);
            for token in tokens.flatten() {
                redactor.add(token.reveal());
            }
        }
    }
    redactor
}
