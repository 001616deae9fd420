//! A health check's verdict (`authdeck check`): what the run and the drift since the last good
//! run add up to, and the record the store keeps of it for the Connections tab.

use serde::{Deserialize, Serialize};

use super::fingerprint::{Drift, Severity, worst};
use super::run::{ConnectionStatus, FlowReport, RunOutcome};

/// How a check ended, worst last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckResult {
    Pass,
    /// Not checked: an API-Key or Basic authorization never tested, with no credentials to check
    /// it with (the API-Key authorization a new app comes with, say). Only when not named.
    Skip,
    /// It works; something changed that a connector may want to know of.
    Warn,
    Fail,
    /// No token can be had without a person: no connection yet, or its refresh token refused.
    NeedsLogin,
}

impl CheckResult {
    pub const ALL: [CheckResult; 5] =
        [CheckResult::Pass, CheckResult::Skip, CheckResult::Warn, CheckResult::Fail, CheckResult::NeedsLogin];

    pub fn code(self) -> &'static str {
        match self {
            CheckResult::Pass => "pass",
            CheckResult::Skip => "skip",
            CheckResult::Warn => "warn",
            CheckResult::Fail => "fail",
            CheckResult::NeedsLogin => "needs_login",
        }
    }

    pub fn from_code(code: &str) -> Option<CheckResult> {
        CheckResult::ALL.into_iter().find(|r| r.code() == code)
    }

    /// "PASS", "WARN", "FAIL", "LOGIN": the first word of a check's line.
    pub fn tag(self) -> &'static str {
        match self {
            CheckResult::Pass => "PASS",
            CheckResult::Skip => "SKIP",
            CheckResult::Warn => "WARN",
            CheckResult::Fail => "FAIL",
            CheckResult::NeedsLogin => "LOGIN",
        }
    }

    /// One word (or two) for a table cell: "passed", "warned", "needs login".
    pub fn word(self) -> &'static str {
        match self {
            CheckResult::Pass => "passed",
            CheckResult::Skip => "skipped",
            CheckResult::Warn => "warned",
            CheckResult::Fail => "failed",
            CheckResult::NeedsLogin => "needs login",
        }
    }

    /// "passed", "warned", "failed", "needs an interactive login".
    pub fn label(self) -> &'static str {
        match self {
            CheckResult::Pass => "passed",
            CheckResult::Skip => "skipped",
            CheckResult::Warn => "passed with warnings",
            CheckResult::Fail => "failed",
            CheckResult::NeedsLogin => "needs an interactive login",
        }
    }

    /// True when the run's answers may become the baseline later checks compare with.
    pub fn is_good(self) -> bool {
        matches!(self, CheckResult::Pass | CheckResult::Warn)
    }

    /// The verdict of a finished check run and its drift.
    pub fn of(report: &FlowReport, drift: &[Drift]) -> CheckResult {
        if report.connection_status == Some(ConnectionStatus::NeedsLogin) {
            return CheckResult::NeedsLogin;
        }
        if report.outcome != RunOutcome::Ok {
            return CheckResult::Fail;
        }
        match worst(drift) {
            Some(Severity::Failure) => CheckResult::Fail,
            Some(Severity::Warning) => CheckResult::Warn,
            None => CheckResult::Pass,
        }
    }
}

/// What `--fail-on` makes a failure of the whole command (exit 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailOn {
    /// Warnings too.
    Warn,
    /// Failures and needed logins only (the default).
    #[default]
    Fail,
}

impl FailOn {
    pub fn fails(self, result: CheckResult) -> bool {
        match self {
            FailOn::Warn => !matches!(result, CheckResult::Pass | CheckResult::Skip),
            FailOn::Fail => matches!(result, CheckResult::Fail | CheckResult::NeedsLogin),
        }
    }
}

/// What a name is in an environment variable: ASCII letters and digits upper-cased, every run of
/// anything else one `_`, none at either end (`GitHub API (v2)` is `GITHUB_API_V2`).
pub fn variable_part(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_uppercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_owned()
}

/// The environment variables a check reads an API-Key or Basic authorization's `what` (`KEY`,
/// `USERNAME`, `PASSWORD`) from, first found wins: `AUTHDECK_<APP>_<NAME>_<WHAT>` (for a name
/// several apps share), then `AUTHDECK_<NAME>_<WHAT>`. A name with no ASCII letter or digit is
/// named by its id, `ID<id>`.
pub fn credential_variables(app: &str, name: &str, authorization_id: i64, what: &str) -> [String; 2] {
    let name = match variable_part(name) {
        part if part.is_empty() => format!("ID{authorization_id}"),
        part => part,
    };
    let app = variable_part(app);
    let qualified =
        if app.is_empty() { format!("AUTHDECK_{name}_{what}") } else { format!("AUTHDECK_{app}_{name}_{what}") };
    [qualified, format!("AUTHDECK_{name}_{what}")]
}

/// A check as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckSummary {
    pub id: i64,
    pub authorization_id: i64,
    pub connection_id: Option<i64>,
    /// The test run of kind `check` with its steps.
    pub run_id: Option<i64>,
    /// `YYYY-MM-DDTHH:MM:SSZ`.
    pub checked_at: String,
    /// `None` for a result this version doesn't know.
    pub result: Option<CheckResult>,
    pub message: String,
    pub drift: Vec<Drift>,
}

impl CheckSummary {
    /// "failed 5 min ago, 2 changes" for a table cell.
    pub fn describe(&self, now: i64) -> String {
        let when = super::time::parse_utc(&self.checked_at)
            .map_or_else(|| self.checked_at.clone(), |at| super::time::ago(at, now));
        let result = self.result.map_or("unknown", CheckResult::word);
        match self.drift.len() {
            0 => format!("{result} {when}"),
            1 => format!("{result} {when}, 1 change"),
            n => format!("{result} {when}, {n} changes"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variable_names_are_mangled_predictably() {
        assert_eq!(variable_part("GitHub API (v2)"), "GITHUB_API_V2");
        assert_eq!(variable_part("  stripe--key "), "STRIPE_KEY");
        assert_eq!(
            credential_variables("My Connector", "Stripe key", 7, "KEY"),
            ["AUTHDECK_MY_CONNECTOR_STRIPE_KEY_KEY", "AUTHDECK_STRIPE_KEY_KEY"]
        );
        assert_eq!(credential_variables("Ünïcode", "日本", 7, "PASSWORD")[1], "AUTHDECK_ID7_PASSWORD");
        assert_eq!(credential_variables("Ünïcode", "日本", 7, "PASSWORD")[0], "AUTHDECK_N_CODE_ID7_PASSWORD");
    }

    #[test]
    fn fail_on_warn_counts_warnings() {
        assert!(FailOn::Warn.fails(CheckResult::Warn) && !FailOn::Fail.fails(CheckResult::Warn));
        assert!(FailOn::Fail.fails(CheckResult::NeedsLogin) && !FailOn::Warn.fails(CheckResult::Pass));
        for r in CheckResult::ALL {
            assert_eq!(CheckResult::from_code(r.code()), Some(r));
        }
    }
}
