//! What the store keeps of flows: the saved connections and the test runs, as the app reads them.

use super::events::{Identity, RunOutcome, StepRecord, Tokens};

/// A saved connection: the tokens and identity of a successful test (or the last refresh of it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    pub id: i64,
    pub authorization_id: i64,
    pub authorization_name: String,
    pub app_id: i64,
    pub tokens: Tokens,
    pub identity: Identity,
    /// When it was last tested or refreshed, `YYYY-MM-DDTHH:MM:SSZ`.
    pub tested_at: String,
}

/// A recorded test run with its (redacted) steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestRun {
    pub id: i64,
    pub authorization_id: i64,
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
