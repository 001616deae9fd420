//! What a test run is and what is kept of it: its steps with their (redacted) exchanges, the
//! outcome, the identity and tokens it got, and the records the store keeps (connections, test
//! runs). Pure data: the engine (`flow`) produces it, the store saves it, the UI shows it.

use serde::{Deserialize, Serialize};

use crate::model::context::KeptValue;
use crate::model::fingerprint::Fingerprint;
use crate::model::redact::Sensitive;
use crate::model::{AuthKind, Grant};

/// The steps of a flow, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepId {
    /// The issuer's discovery document read and checked (OpenID Connect Discovery, RFC 8414).
    Discovery,
    /// RFC 9126: the authorization parameters pushed to the PAR endpoint.
    PushedAuthorization,
    AuthorizationUrl,
    Callback,
    CallbackCheck,
    TokenExchange,
    /// RFC 8628 section 3.1: the device code and the user code asked for.
    DeviceAuthorization,
    /// RFC 8628 section 3.4: the token endpoint polled until the user approved on another device.
    DeviceApproval,
    /// RFC 6749 section 4.4: the client's own token.
    ClientCredentials,
    Refresh,
    /// A check: the issuer's JWKS read, for what the fingerprint keeps of its keys.
    SigningKeys,
    /// A check: the saved access token tried at the user information endpoint (a 401 sends the
    /// check on to the refresh-token grant, as a client does).
    SavedToken,
    /// Refresh lab: the access token marked expired, as a client treats it after a 401.
    MarkedExpired,
    /// Refresh lab, rotation test: the second refresh, with the refresh token the first returned.
    SecondRefresh,
    /// Refresh lab, rotation test: the refresh token the second refresh replaced, used again.
    ReuseOld,
    /// Refresh lab, rotation test: the newest refresh token, after the old one was reused.
    AfterReuse,
    /// Refresh lab: the user information endpoint called until the access token stops working.
    LifetimeProbe,
    /// The ID token's signature and claims, each check on its own line.
    IdToken,
    UserInfo,
    /// RFC 7009.
    Revocation,
    /// RFC 7662.
    Introspection,
    Save,
}

impl StepId {
    /// The steps of an OAuth 2.0 authorization-code test without OpenID Connect.
    pub const OAUTH2: &'static [StepId] = &[
        StepId::AuthorizationUrl,
        StepId::Callback,
        StepId::CallbackCheck,
        StepId::TokenExchange,
        StepId::UserInfo,
        StepId::Save,
    ];
    /// The steps of a refresh of a saved connection.
    pub const REFRESH: &'static [StepId] = &[StepId::Refresh, StepId::UserInfo, StepId::Save];
    /// The steps of an API-Key or Basic test.
    pub const CREDENTIALS: &'static [StepId] = &[StepId::UserInfo];

    pub fn label(self) -> &'static str {
        match self {
            StepId::Discovery => "Issuer metadata",
            StepId::PushedAuthorization => "Pushed request (PAR)",
            StepId::AuthorizationUrl => "Authorization URL",
            StepId::Callback => "Waiting for the callback",
            StepId::CallbackCheck => "Callback checked",
            StepId::TokenExchange => "Code exchanged for tokens",
            StepId::DeviceAuthorization => "Device code requested",
            StepId::DeviceApproval => "Waiting for approval",
            StepId::ClientCredentials => "Client-credentials token",
            StepId::Refresh => "Refresh-token grant",
            StepId::SigningKeys => "Issuer's signing keys",
            StepId::SavedToken => "Saved access token",
            StepId::MarkedExpired => "Token marked expired",
            StepId::SecondRefresh => "Second refresh",
            StepId::ReuseOld => "Old refresh token reused",
            StepId::AfterReuse => "Newest token after reuse",
            StepId::LifetimeProbe => "Lifetime probe",
            StepId::IdToken => "ID token checked",
            StepId::UserInfo => "User information",
            StepId::Revocation => "Token revoked",
            StepId::Introspection => "Token introspected",
            StepId::Save => "Connection saved",
        }
    }
}

impl std::fmt::Display for StepId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// The state of a step. The engine reports `Ok`, `Failed`, `Skipped` and `Cancelled` when a step
/// ends; `Waiting` and `Running` are there for a screen that draws the list as it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Waiting,
    Running,
    Ok,
    Failed,
    Skipped,
    Cancelled,
}

/// One ended step, as shown and as saved with the test run. Redacted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    pub step: StepId,
    pub status: StepStatus,
    pub elapsed_ms: u64,
    /// One line: what happened ("state matches", "HTTP 200, bearer token, expires in 3600 s").
    pub summary: String,
    /// Further lines worth reading (a provider quirk worked around, a value not found…).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The HTTP requests of this step and their responses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exchanges: Vec<HttpExchange>,
    /// What the step verified, one line per check (the ID token's signature, `iss`, `aud`…; the
    /// callback's `state` and `iss`; the issuer's metadata).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<CheckRecord>,
    /// JSON Web Tokens the step read, decoded (never the token itself).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub jwts: Vec<DecodedJwt>,
}

impl StepRecord {
    /// A record with nothing but its summary, for steps that send nothing.
    pub fn new(step: StepId, status: StepStatus, summary: impl Into<String>) -> StepRecord {
        StepRecord {
            step,
            status,
            elapsed_ms: 0,
            summary: summary.into(),
            notes: Vec::new(),
            exchanges: Vec::new(),
            checks: Vec::new(),
            jwts: Vec::new(),
        }
    }
}

/// One thing a step verified: what was expected, what came, and whether that is right. A
/// `warning` check that fails only warns (an issuer's metadata that doesn't fit the form); any
/// other failed check fails its step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckRecord {
    /// Short and stable: `signature`, `iss`, `aud`, `azp`, `exp`, `iat`, `nonce`, `at_hash`…
    pub name: String,
    pub ok: bool,
    pub expected: String,
    pub actual: String,
    /// What to change when it failed, or what was done (a key fetched again after rotation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub warning: bool,
}

impl CheckRecord {
    pub fn new(name: &str, ok: bool, expected: impl Into<String>, actual: impl Into<String>) -> CheckRecord {
        CheckRecord {
            name: name.to_owned(),
            ok,
            expected: expected.into(),
            actual: actual.into(),
            detail: None,
            warning: false,
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> CheckRecord {
        self.detail = Some(detail.into());
        self
    }

    pub fn as_warning(mut self) -> CheckRecord {
        self.warning = true;
        self
    }

    /// One line: "ok  aud: expected basic-client, got [basic-client]".
    pub fn line(&self) -> String {
        let status = match (self.ok, self.warning) {
            (true, _) => "ok",
            (false, true) => "warning",
            (false, false) => "FAILED",
        };
        let mut line = format!("{status} {}: expected {}, got {}", self.name, self.expected, self.actual);
        if let Some(detail) = &self.detail {
            line.push_str(&format!(" ({detail})"));
        }
        line
    }
}

/// A JSON Web Token as shown: which token it is, its header and its claims. The signature and the
/// token's text are not kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecodedJwt {
    /// "ID token".
    pub label: String,
    pub header: serde_json::Value,
    pub claims: serde_json::Value,
}

/// An HTTP request and its response (absent when none came), for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpExchange {
    pub request: RequestRecord,
    pub response: Option<ResponseRecord>,
    pub elapsed_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRecord {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseRecord {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// Pretty-printed JSON when the body is JSON, else the text as received (cut at 64 KiB).
    pub body: String,
}

/// The user's identity, read from the user information endpoint by its response mapping.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub id: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
}

impl Identity {
    pub fn is_empty(&self) -> bool {
        self.id.is_none() && self.name.is_none() && self.email.is_none()
    }

    /// "Test User <test.user@example.test> (test-user-1)", with what is known.
    pub fn display(&self) -> String {
        let mut parts = Vec::new();
        if let Some(name) = &self.name {
            parts.push(name.clone());
        }
        if let Some(email) = &self.email {
            parts.push(format!("<{email}>"));
        }
        match (&self.id, parts.is_empty()) {
            (Some(id), true) => id.clone(),
            (Some(id), false) => format!("{} ({id})", parts.join(" ")),
            (None, true) => "an unknown user".to_owned(),
            (None, false) => parts.join(" "),
        }
    }
}

/// The tokens a successful flow got. Secret: never shown, logged or serialized; saved by the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tokens {
    pub access_token: Sensitive<String>,
    pub refresh_token: Option<Sensitive<String>>,
    /// The OpenID Connect ID token, when the token response had one.
    pub id_token: Option<Sensitive<String>>,
    pub token_type: Option<String>,
    /// When the access token expires, Unix seconds; `None` when the provider gave no expiry
    /// (GitHub's and Salesforce's tokens), which is shown as "no expiry given", never guessed.
    pub expires_at: Option<i64>,
    /// The granted scopes as the provider wrote them (or the requested ones when it didn't say).
    pub scopes: String,
    /// When the refresh token expires, Unix seconds, when the provider says
    /// (`refresh_token_expires_in`, QuickBooks' `x_refresh_token_expires_in`).
    pub refresh_expires_at: Option<i64>,
    /// When the provider says it issued the token (Salesforce's `issued_at` in ms, GitLab's
    /// `created_at`), Unix seconds.
    pub issued_at: Option<i64>,
    /// The DPoP key pair the tokens are bound to (RFC 9449), as PKCS#8 PEM: kept with the
    /// connection so a refresh proves the same key.
    pub dpop_key: Option<Sensitive<String>>,
}

/// What may be shown of the tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantSummary {
    pub token_type: Option<String>,
    pub expires_at: Option<i64>,
    pub scopes: String,
    pub refresh_token: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_expires_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_at: Option<i64>,
    #[serde(default)]
    pub id_token: bool,
    /// Bound to a DPoP key kept with the connection.
    #[serde(default)]
    pub dpop: bool,
}

impl Tokens {
    pub fn summary(&self) -> GrantSummary {
        GrantSummary {
            token_type: self.token_type.clone(),
            expires_at: self.expires_at,
            scopes: self.scopes.clone(),
            refresh_token: self.refresh_token.is_some(),
            refresh_expires_at: self.refresh_expires_at,
            issued_at: self.issued_at,
            id_token: self.id_token.is_some(),
            dpop: self.dpop_key.is_some(),
        }
    }
}

/// "expires in 54 min", "expired", "no expiry given": for the Connections tab.
pub fn describe_expiry(expires_at: Option<i64>, now: i64) -> String {
    let Some(at) = expires_at else { return "no expiry given".to_owned() };
    describe_left(at.saturating_sub(now))
}

/// The refresh token's expiry, when the provider gave one: "refresh token expires in 101 days".
pub fn describe_refresh_expiry(refresh_expires_at: Option<i64>, now: i64) -> Option<String> {
    let at = refresh_expires_at?;
    Some(match describe_left(at.saturating_sub(now)).as_str() {
        "expired" => "refresh token expired".to_owned(),
        left => format!("refresh token {left}"),
    })
}

fn describe_left(left: i64) -> String {
    match left {
        ..=0 => "expired".to_owned(),
        1..60 => format!("expires in {left} s"),
        60..7200 => format!("expires in {} min", left / 60),
        7200..172_800 => format!("expires in {} h", left / 3600),
        _ => format!("expires in {} days", left / 86_400),
    }
}

/// The outcome codes stored in `test_runs.outcome`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunOutcome {
    Ok,
    Failed,
    Cancelled,
}

impl RunOutcome {
    pub fn code(self) -> &'static str {
        match self {
            RunOutcome::Ok => "ok",
            RunOutcome::Failed => "failed",
            RunOutcome::Cancelled => "cancelled",
        }
    }

    pub fn from_code(code: &str) -> Option<RunOutcome> {
        [RunOutcome::Ok, RunOutcome::Failed, RunOutcome::Cancelled].into_iter().find(|o| o.code() == code)
    }
}

/// A test of an authorization, or work on one of its saved connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlowKind {
    Test,
    Refresh,
    /// RFC 7009 on a saved connection's tokens.
    Revoke,
    /// RFC 7662 on a saved connection's token.
    Introspect,
    /// `authdeck check`: headless, with the saved connection or kept credentials.
    Check,
    /// Refresh lab: the access token treated as expired, and the refresh path run as on a 401.
    ForceExpiry,
    /// Refresh lab: two refreshes, and (when asked) the replaced refresh token used again.
    RotationTest,
    /// Refresh lab: the user information endpoint called until the access token stops working.
    LifetimeProbe,
}

impl FlowKind {
    pub const ALL: [FlowKind; 8] = [
        FlowKind::Test,
        FlowKind::Refresh,
        FlowKind::Revoke,
        FlowKind::Introspect,
        FlowKind::Check,
        FlowKind::ForceExpiry,
        FlowKind::RotationTest,
        FlowKind::LifetimeProbe,
    ];

    /// True for the refresh lab's runs, which work on a connection's tokens.
    pub fn is_lab(self) -> bool {
        matches!(self, FlowKind::ForceExpiry | FlowKind::RotationTest | FlowKind::LifetimeProbe)
    }

    /// The name stored in `test_runs.kind`.
    pub fn code(self) -> &'static str {
        match self {
            FlowKind::Test => "test",
            FlowKind::Refresh => "refresh",
            FlowKind::Revoke => "revoke",
            FlowKind::Introspect => "introspect",
            FlowKind::Check => "check",
            FlowKind::ForceExpiry => "force_expiry",
            FlowKind::RotationTest => "rotation_test",
            FlowKind::LifetimeProbe => "lifetime_probe",
        }
    }

    pub fn from_code(code: &str) -> Option<FlowKind> {
        FlowKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// "Test", "Refresh"…: what a pane or a line calls the run.
    pub fn label(self) -> &'static str {
        match self {
            FlowKind::Test => "Test",
            FlowKind::Refresh => "Refresh",
            FlowKind::Revoke => "Revoke",
            FlowKind::Introspect => "Introspect",
            FlowKind::Check => "Check",
            FlowKind::ForceExpiry => "Force expiry",
            FlowKind::RotationTest => "Rotation test",
            FlowKind::LifetimeProbe => "Lifetime probe",
        }
    }
}

/// Whether a saved connection's tokens can still be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionStatus {
    #[default]
    Active,
    /// The provider refused its refresh token (`invalid_grant`): only a new login gets tokens again.
    NeedsLogin,
    /// Its tokens were revoked (RFC 7009).
    Revoked,
}

impl ConnectionStatus {
    pub fn code(self) -> &'static str {
        match self {
            ConnectionStatus::Active => "active",
            ConnectionStatus::NeedsLogin => "needs_login",
            ConnectionStatus::Revoked => "revoked",
        }
    }

    pub fn from_code(code: &str) -> Option<ConnectionStatus> {
        [ConnectionStatus::Active, ConnectionStatus::NeedsLogin, ConnectionStatus::Revoked]
            .into_iter()
            .find(|s| s.code() == code)
    }

    /// "active", "needs a new login", "revoked".
    pub fn label(self) -> &'static str {
        match self {
            ConnectionStatus::Active => "active",
            ConnectionStatus::NeedsLogin => "needs a new login",
            ConnectionStatus::Revoked => "revoked",
        }
    }
}

/// What an introspection (RFC 7662) said of a token. The claims are as the provider sent them
/// (no token in them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Introspection {
    pub active: bool,
    /// Which token was asked about: `access_token` or `refresh_token`.
    pub token_type_hint: String,
    pub claims: serde_json::Map<String, serde_json::Value>,
}

/// How a flow ended. The caller saves it (see `Store::record_flow`), which adds the Save step.
/// It reads back (`Deserialize`) for a result kept in a file while the database couldn't be written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowReport {
    pub authorization_id: i64,
    pub auth_kind: AuthKind,
    pub kind: FlowKind,
    pub outcome: RunOutcome,
    /// One line: the identity on success, else what went wrong and what to check.
    pub message: String,
    /// Unix seconds.
    pub started_at: i64,
    pub finished_at: i64,
    pub steps: Vec<StepRecord>,
    pub identity: Option<Identity>,
    pub grant: Option<GrantSummary>,
    /// The run-context values the authorization keeps (`callback.realmId` = …), saved with the
    /// connection.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kept: Vec<KeptValue>,
    /// The grant a test ran (an OAuth 2.0 test only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_type: Option<Grant>,
    /// What an introspection answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub introspection: Option<Introspection>,
    /// What the provider answered, as drift compares it: shapes, keys, scopes, lifetimes (no
    /// value of a response, no secret).
    #[serde(default, skip_serializing_if = "Fingerprint::is_empty")]
    pub observed: Fingerprint,
    /// The tokens to save; only on success of an OAuth 2.0 test or refresh.
    #[serde(skip)]
    pub tokens: Option<Tokens>,
    /// The saved connection a refresh, revoke or introspect ran on.
    #[serde(skip)]
    pub on_connection: Option<i64>,
    /// The state that connection is in now, when the run changed it (revoked, or a refresh the
    /// provider refused), to save with it.
    #[serde(skip)]
    pub connection_status: Option<ConnectionStatus>,
}

impl FlowReport {
    pub fn is_ok(&self) -> bool {
        self.outcome == RunOutcome::Ok
    }

    /// The record of one step, when it ran.
    pub fn step(&self, step: StepId) -> Option<&StepRecord> {
        self.steps.iter().find(|s| s.step == step)
    }

    /// The last step of a run that got tokens: they were kept as the connection `connection_id`
    /// (called by whoever saves the run, in the same transaction as the connection).
    pub fn add_save_step(&mut self, connection_id: i64) {
        let summary = match self.kind {
            FlowKind::Test => format!("saved as connection {connection_id}"),
            _ => format!("connection {connection_id} updated"),
        };
        let mut record = StepRecord::new(StepId::Save, StepStatus::Ok, summary);
        // What the connection keeps of the run, shown with it (values the provider sent: escaped).
        record.notes = self
            .kept
            .iter()
            .map(|k| format!("kept {}: {}", super::text::printable(&k.name), super::text::printable(&k.value)))
            .collect();
        self.steps.retain(|s| s.step != StepId::Save);
        self.steps.push(record);
    }

    /// The last step of a run that renewed its connection's tokens and then failed: they were
    /// saved all the same (a rotated refresh token must not be lost).
    pub fn add_renewed_step(&mut self, connection_id: i64) {
        self.steps.retain(|s| s.step != StepId::Save);
        let summary = format!("connection {connection_id}: the renewed tokens kept (the run failed after the refresh)");
        self.steps.push(StepRecord::new(StepId::Save, StepStatus::Ok, summary));
    }

    /// The last step of a run that changed its connection's status (revoked): it was saved with it.
    pub fn add_status_step(&mut self, connection_id: i64, status: ConnectionStatus) {
        self.steps.retain(|s| s.step != StepId::Save);
        let summary = format!("connection {connection_id} marked {}", status.label());
        self.steps.push(StepRecord::new(StepId::Save, StepStatus::Ok, summary));
    }
}

/// A saved connection: the tokens and identity of a successful test (or the last refresh of it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    pub id: i64,
    pub authorization_id: i64,
    pub authorization_name: String,
    pub app_id: i64,
    pub tokens: Tokens,
    pub identity: Identity,
    /// The run-context values kept from the run that made it (`token.instance_url` = …).
    pub kept: Vec<KeptValue>,
    /// When it was last tested or refreshed, `YYYY-MM-DDTHH:MM:SSZ`.
    pub tested_at: String,
    /// The grant that got its tokens (`None` for connections saved before grants were kept).
    pub grant: Option<Grant>,
    pub status: ConnectionStatus,
    /// Why it is in that status ("the refresh token was refused: invalid_grant …"), when not active.
    pub status_note: String,
    /// Why its last refresh failed, whatever the failure (a refused one also changes the status),
    /// until one succeeds.
    pub refresh_error: Option<String>,
}

impl Connection {
    /// Whose connection: the user, or for client credentials the client itself.
    pub fn who(&self) -> String {
        if self.identity.is_empty() && self.grant == Some(Grant::ClientCredentials) {
            "the client itself (client credentials)".to_owned()
        } else {
            self.identity.display()
        }
    }
}

/// A recorded test run with its (redacted) steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestRun {
    pub id: i64,
    pub authorization_id: i64,
    /// What the run was; `None` for a kind this version doesn't know.
    pub kind: Option<FlowKind>,
    /// `YYYY-MM-DDTHH:MM:SSZ`.
    pub started_at: String,
    pub finished_at: Option<String>,
    /// `None` for an outcome code this version doesn't know.
    pub outcome: Option<RunOutcome>,
    pub message: String,
    pub steps: Vec<StepRecord>,
}

/// What `Store::record_flow` wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordedRun {
    pub run_id: i64,
    /// The connection saved or updated, when the flow got tokens.
    pub connection_id: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refresh_labs_step_labels_fit_the_test_panes_step_column() {
        // The pane gives a label 26 characters and a space before the elapsed time.
        for step in
            [StepId::MarkedExpired, StepId::SecondRefresh, StepId::ReuseOld, StepId::AfterReuse, StepId::LifetimeProbe]
        {
            assert!(step.label().chars().count() <= 26, "{:?}: {}", step, step.label());
        }
    }

    #[test]
    fn identity_display_uses_what_is_known() {
        let full = Identity { id: Some("u1".into()), name: Some("Ann".into()), email: Some("a@x.test".into()) };
        assert_eq!(full.display(), "Ann <a@x.test> (u1)");
        assert_eq!(Identity { id: Some("u1".into()), ..Default::default() }.display(), "u1");
        assert!(Identity::default().is_empty());
    }

    #[test]
    fn expiry_labels() {
        assert_eq!(describe_expiry(None, 0), "no expiry given");
        assert_eq!(describe_refresh_expiry(None, 0), None);
        assert_eq!(
            describe_refresh_expiry(Some(101 * 86_400), 0).as_deref(),
            Some("refresh token expires in 101 days")
        );
        assert_eq!(describe_refresh_expiry(Some(10), 20).as_deref(), Some("refresh token expired"));
        assert_eq!(describe_expiry(Some(100), 200), "expired");
        assert_eq!(describe_expiry(Some(3240), 0), "expires in 54 min");
        assert_eq!(describe_expiry(Some(30), 0), "expires in 30 s");
        assert_eq!(describe_expiry(Some(10 * 3600), 0), "expires in 10 h");
    }

    #[test]
    fn outcome_codes_round_trip() {
        for o in [RunOutcome::Ok, RunOutcome::Failed, RunOutcome::Cancelled] {
            assert_eq!(RunOutcome::from_code(o.code()), Some(o));
        }
    }
}
