//! Health checks (`authdeck check`): each check's result and drift, the fingerprints of good runs
//! (the newest is the baseline the next check compares with), and the API-Key / Basic credentials
//! a user chose to keep for checks, sealed like every other secret. A check writes all of its
//! record — rotated tokens, the test run, the check, the fingerprint — in one transaction.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::seal::Place;
use super::{Result, Store, StoreError};
use crate::model::check::{CheckResult, CheckSummary};
use crate::model::fingerprint::{Drift, Fingerprint};
use crate::model::redact::Sensitive;
use crate::model::run::{FlowReport, RecordedRun};

const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')";
/// Fingerprints kept per connection (or per authorization without one): the newest is the
/// baseline; a few older ones show what came before.
const KEPT_FINGERPRINTS: i64 = 5;
/// Checks (and their runs) kept per authorization: a check every five minutes keeps about the
/// last day of them, so a cron job can't grow the file without bound.
const KEPT_CHECKS: i64 = 300;

/// What recording a check wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordedCheck {
    pub run: RecordedRun,
    pub check_id: i64,
    /// The run's answers are the baseline now.
    pub baseline: bool,
}

/// API-Key or Basic credentials kept for checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptCredentials {
    /// Basic's username (none for an API key).
    pub username: Option<String>,
    /// The API key or password.
    pub secret: Sensitive<String>,
    pub kept_at: String,
}

fn baseline_in(conn: &Connection, authorization_id: i64, connection_id: Option<i64>) -> Result<Option<Fingerprint>> {
    let text: Option<String> = conn
        .query_row(
            "SELECT fingerprint FROM fingerprints WHERE authorization_id = ?1 AND connection_id IS ?2
             ORDER BY id DESC LIMIT 1",
            params![authorization_id, connection_id],
            |r| r.get(0),
        )
        .optional()?;
    // A fingerprint written by another version may not read: then there is no baseline.
    Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
}

/// Keeps what a good run saw, over the baseline it didn't see again, as the new baseline.
pub(super) fn keep_fingerprint(
    tx: &Transaction<'_>,
    report: &FlowReport,
    connection_id: Option<i64>,
    run_id: i64,
) -> Result<()> {
    let mut seen = report.observed.clone();
    seen.identity = report.identity.clone().filter(|i| !i.is_empty());
    let older = baseline_in(tx, report.authorization_id, connection_id)?.unwrap_or_default();
    let fingerprint = seen.merged_over(&older);
    if fingerprint.is_empty() {
        return Ok(());
    }
    let text = serde_json::to_string(&fingerprint).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    tx.execute(
        &format!(
            "INSERT INTO fingerprints (authorization_id, connection_id, run_id, taken_at, fingerprint)
             VALUES (?1, ?2, ?3, {NOW}, ?4)"
        ),
        params![report.authorization_id, connection_id, run_id, text],
    )?;
    tx.execute(
        "DELETE FROM fingerprints WHERE authorization_id = ?1 AND connection_id IS ?2 AND id NOT IN
            (SELECT id FROM fingerprints WHERE authorization_id = ?1 AND connection_id IS ?2 ORDER BY id DESC LIMIT ?3)",
        params![report.authorization_id, connection_id, KEPT_FINGERPRINTS],
    )?;
    Ok(())
}

fn row_to_check(row: &rusqlite::Row<'_>) -> rusqlite::Result<CheckSummary> {
    let result: String = row.get(5)?;
    let drift: String = row.get(7)?;
    Ok(CheckSummary {
        id: row.get(0)?,
        authorization_id: row.get(1)?,
        connection_id: row.get(2)?,
        run_id: row.get(3)?,
        checked_at: row.get(4)?,
        result: CheckResult::from_code(&result),
        message: row.get(6)?,
        // Drift written by another version may not read; the check still shows.
        drift: serde_json::from_str::<Vec<Drift>>(&drift).unwrap_or_default(),
    })
}

const SELECT_CHECK: &str =
    "SELECT id, authorization_id, connection_id, run_id, checked_at, result, message, drift FROM checks";

impl Store {
    /// The fingerprint a check of this connection (or of the authorization, without one) compares
    /// with: the newest good run's.
    pub fn baseline(&self, authorization_id: i64, connection_id: Option<i64>) -> Result<Option<Fingerprint>> {
        baseline_in(&self.conn, authorization_id, connection_id)
    }

    /// Records a finished check in one transaction: the connection's rotated (or new) tokens and
    /// status, the run with its steps, the check with its result and drift, and — for a good run,
    /// or one the user `accept`s as it is — its fingerprint as the new baseline. Old checks past
    /// [`KEPT_CHECKS`] go, with their runs.
    pub fn record_check(
        &mut self,
        report: &mut FlowReport,
        result: CheckResult,
        drift: &[Drift],
        accept: bool,
    ) -> Result<RecordedCheck> {
        let tx = super::write(&mut self.conn)?;
        let run = super::connections::record_in(&tx, &mut self.vault, report)?;
        let connection_id = report.on_connection;
        let drift_text = serde_json::to_string(drift).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        tx.execute(
            "INSERT INTO checks (authorization_id, connection_id, run_id, checked_at, result, message, drift)
             VALUES (?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%SZ', ?4, 'unixepoch'), ?5, ?6, ?7)",
            params![
                report.authorization_id,
                connection_id,
                run.run_id,
                report.finished_at,
                result.code(),
                report.message,
                drift_text
            ],
        )?;
        let check_id = tx.last_insert_rowid();
        let baseline = result.is_good() || (accept && report.is_ok());
        if baseline {
            keep_fingerprint(&tx, report, connection_id, run.run_id)?;
        }
        tx.execute(
            "DELETE FROM test_runs WHERE id IN (SELECT run_id FROM checks WHERE authorization_id = ?1 AND id NOT IN
                (SELECT id FROM checks WHERE authorization_id = ?1 ORDER BY id DESC LIMIT ?2))",
            params![report.authorization_id, KEPT_CHECKS],
        )?;
        tx.execute(
            "DELETE FROM checks WHERE authorization_id = ?1 AND id NOT IN
                (SELECT id FROM checks WHERE authorization_id = ?1 ORDER BY id DESC LIMIT ?2)",
            params![report.authorization_id, KEPT_CHECKS],
        )?;
        tx.commit()?;
        Ok(RecordedCheck { run, check_id, baseline })
    }

    /// The newest check of each connection of an app's authorizations (and of each authorization
    /// checked without one), for the Connections tab.
    pub fn last_checks(&self, app_id: i64) -> Result<Vec<CheckSummary>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{SELECT_CHECK} WHERE id IN (SELECT max(c.id) FROM checks c JOIN authorizations a ON a.id = c.authorization_id
                WHERE a.app_id = ?1 GROUP BY c.authorization_id, c.connection_id) ORDER BY id DESC"
        ))?;
        let rows = stmt.query_map([app_id], row_to_check)?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// An authorization's checks, newest first (at most `limit`).
    pub fn checks(&self, authorization_id: i64, limit: usize) -> Result<Vec<CheckSummary>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{SELECT_CHECK} WHERE authorization_id = ?1 ORDER BY id DESC LIMIT ?2"))?;
        let rows = stmt
            .query_map(params![authorization_id, limit as i64], row_to_check)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Keeps an API-Key or Basic authorization's credentials for `authdeck check` (the secret
    /// sealed), replacing any kept before.
    pub fn keep_credentials(&mut self, authorization_id: i64, username: Option<&str>, secret: &str) -> Result<()> {
        let tx = super::write(&mut self.conn)?;
        let sealed = self.vault.seal(&tx, Place::KeptCredential, secret)?;
        tx.execute(
            &format!(
                "INSERT INTO kept_credentials (authorization_id, username, secret, kept_at) VALUES (?1, ?2, ?3, {NOW})
                 ON CONFLICT (authorization_id) DO UPDATE SET username = ?2, secret = ?3, kept_at = {NOW}"
            ),
            params![authorization_id, username, sealed],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The credentials kept for an authorization's checks, if any. A secret whose key isn't here
    /// is an error that says so (`Store::unreadable_secrets` lists it too).
    pub fn kept_credentials(&self, authorization_id: i64) -> Result<Option<KeptCredentials>> {
        let row: Option<(Option<String>, String, String)> = self
            .conn
            .query_row(
                "SELECT username, secret, kept_at FROM kept_credentials WHERE authorization_id = ?1",
                [authorization_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((username, sealed, kept_at)) = row else { return Ok(None) };
        let secret = self.vault.open(Place::KeptCredential, &sealed).map_err(|_| {
            StoreError::Invalid(
                "The credentials kept for checks can't be read here (their key is missing or locked): keep them again with `authdeck test NAME --keep-credentials`.".into(),
            )
        })?;
        Ok(Some(KeptCredentials { username, secret: Sensitive::new(secret), kept_at }))
    }

    /// Forgets the credentials kept for an authorization's checks; false when none were kept.
    pub fn forget_credentials(&mut self, authorization_id: i64) -> Result<bool> {
        Ok(self.conn.execute("DELETE FROM kept_credentials WHERE authorization_id = ?1", [authorization_id])? > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fingerprint::{Area, Severity};
    use crate::model::run::{FlowKind, Identity, RunOutcome};
    use crate::model::{AuthConfig, AuthKind};

    fn report(authorization_id: i64, scopes: &str) -> FlowReport {
        FlowReport {
            authorization_id,
            auth_kind: AuthKind::ApiKey,
            kind: FlowKind::Check,
            outcome: RunOutcome::Ok,
            message: "ok".into(),
            started_at: 1_800_000_000,
            finished_at: 1_800_000_001,
            steps: Vec::new(),
            identity: Some(Identity { id: Some("u1".into()), ..Default::default() }),
            grant: None,
            kept: Vec::new(),
            grant_type: None,
            introspection: None,
            observed: Fingerprint { scopes: Some(scopes.into()), ..Default::default() },
            tokens: None,
            on_connection: None,
            connection_status: None,
        }
    }

    #[test]
    fn a_good_check_becomes_the_baseline_a_failed_one_does_not() {
        let mut store = Store::open_in_memory().unwrap();
        let app = store.create_app("A").unwrap();
        let auth = store.insert_authorization(app.id, "Key", &AuthConfig::new_of_kind(AuthKind::ApiKey)).unwrap();
        assert_eq!(store.baseline(auth, None).unwrap(), None);
        let recorded = store.record_check(&mut report(auth, "read"), CheckResult::Pass, &[], false).unwrap();
        assert!(recorded.baseline);
        let baseline = store.baseline(auth, None).unwrap().unwrap();
        assert_eq!(baseline.scopes.as_deref(), Some("read"));
        assert_eq!(baseline.identity.and_then(|i| i.id).as_deref(), Some("u1"));

        let drift = vec![Drift {
            severity: Severity::Failure,
            area: Area::Scopes,
            message: "read is no longer granted".into(),
            before: None,
            after: None,
        }];
        let failed = store.record_check(&mut report(auth, ""), CheckResult::Fail, &drift, false).unwrap();
        assert!(!failed.baseline);
        assert_eq!(store.baseline(auth, None).unwrap().unwrap().scopes.as_deref(), Some("read"));
        let last = store.last_checks(app.id).unwrap();
        assert_eq!(last.len(), 1);
        assert_eq!((last[0].result, last[0].drift.clone()), (Some(CheckResult::Fail), drift));
        assert_eq!(store.test_runs(auth, 5).unwrap()[0].kind, Some(FlowKind::Check));
        // Accepted as it is: the drift is the new baseline.
        store.record_check(&mut report(auth, ""), CheckResult::Fail, &[], true).unwrap();
        assert_eq!(store.baseline(auth, None).unwrap().unwrap().scopes.as_deref(), Some(""));
        assert_eq!(store.checks(auth, 10).unwrap().len(), 3);
    }

    #[test]
    fn kept_credentials_are_sealed_and_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.db");
        let mut store = Store::open_with_keys(&path, super::super::KeySource::dir(dir.path().join("keys"))).unwrap();
        let app = store.create_app("A").unwrap();
        let auth = store.insert_authorization(app.id, "Basic", &AuthConfig::new_of_kind(AuthKind::Basic)).unwrap();
        store.keep_credentials(auth, Some("ann"), "fake-password-kept-1").unwrap();
        let kept = store.kept_credentials(auth).unwrap().unwrap();
        assert_eq!((kept.username.as_deref(), kept.secret.reveal().as_str()), (Some("ann"), "fake-password-kept-1"));
        drop(store);
        let bytes = std::fs::read(&path).unwrap();
        let wal = std::fs::read(dir.path().join("k.db-wal")).unwrap_or_default();
        for file in [&bytes, &wal] {
            assert!(!file.windows(20).any(|w| w == b"fake-password-kept-1"), "the password is sealed");
        }
        // Another machine's key folder: the kept password can't be read, and is listed as such.
        let elsewhere = Store::open_with_keys(&path, super::super::KeySource::dir(dir.path().join("other"))).unwrap();
        assert!(elsewhere.kept_credentials(auth).is_err());
        let unreadable = elsewhere.unreadable_secrets().unwrap();
        assert_eq!(unreadable.len(), 1, "{unreadable:?}");
        assert_eq!(unreadable[0].what, "the credentials kept for checks of \"Basic\" (app \"A\")");
        assert_eq!(unreadable[0].how, "keep them again: `authdeck test \"Basic\" --app \"A\" --keep-credentials`");
        drop(elsewhere);
        let mut store = Store::open_with_keys(&path, super::super::KeySource::dir(dir.path().join("keys"))).unwrap();
        assert!(store.unreadable_secrets().unwrap().is_empty());
        assert!(store.forget_credentials(auth).unwrap());
        assert_eq!(store.kept_credentials(auth).unwrap(), None);
        assert!(!store.forget_credentials(auth).unwrap());
    }
}
