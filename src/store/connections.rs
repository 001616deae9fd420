//! Test runs (every test, its redacted steps and outcome) and connections (the tokens and identity
//! of a successful one): recording a finished flow, listing, refreshing, deleting.

use rusqlite::{OptionalExtension, Transaction, params};

use super::seal::{Place, Vault};
use super::{Result, Store, StoreError};
use crate::model::Grant;
use crate::model::context::KeptValue;
use crate::model::redact::Sensitive;
use crate::model::run::{
    Connection, ConnectionStatus, FlowKind, FlowReport, Identity, RecordedRun, RunOutcome, TestRun, Tokens,
};

const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')";

const SELECT_CONNECTION: &str = "SELECT c.id, c.authorization_id, a.name, a.app_id, c.access_token, c.refresh_token,
        c.token_type, c.expires_at, c.scopes, c.user_id, c.user_name, c.user_email, c.tested_at, c.id_token,
        c.grant_type, c.status, c.status_note, c.refresh_expires_at, c.issued_at, c.kept, c.dpop_key,
        c.refresh_error
    FROM connections c JOIN authorizations a ON a.id = c.authorization_id";

/// A connection as read, its tokens opened; a token whose key isn't here reads as empty
/// (`Store::unreadable_secrets` lists it).
fn row_to_connection(row: &rusqlite::Row<'_>, vault: &Vault) -> rusqlite::Result<Connection> {
    let secret = |i: usize, place: Place| -> rusqlite::Result<Option<Sensitive<String>>> {
        Ok(row
            .get::<_, Option<String>>(i)?
            .map(|stored| vault.open(place, &stored).unwrap_or_default())
            .filter(|t| !t.is_empty())
            .map(Sensitive::new))
    };
    let grant: Option<String> = row.get(14)?;
    let status: String = row.get(15)?;
    Ok(Connection {
        id: row.get(0)?,
        authorization_id: row.get(1)?,
        authorization_name: row.get(2)?,
        app_id: row.get(3)?,
        tokens: Tokens {
            access_token: Sensitive::new(
                secret(4, Place::AccessToken)?.map(Sensitive::into_revealed).unwrap_or_default(),
            ),
            refresh_token: secret(5, Place::RefreshToken)?,
            id_token: secret(13, Place::IdToken)?,
            token_type: row.get(6)?,
            expires_at: row.get(7)?,
            scopes: row.get(8)?,
            refresh_expires_at: row.get(17)?,
            issued_at: row.get(18)?,
            dpop_key: secret(20, Place::DpopKey)?,
        },
        identity: Identity { id: row.get(9)?, name: row.get(10)?, email: row.get(11)? },
        // Kept values written by another version may not read; the connection still shows.
        kept: serde_json::from_str(&row.get::<_, String>(19)?).unwrap_or_default(),
        tested_at: row.get(12)?,
        grant: grant.as_deref().and_then(Grant::from_code),
        // A status this version doesn't know reads as active: the provider says the rest.
        status: ConnectionStatus::from_code(&status).unwrap_or_default(),
        status_note: row.get(16)?,
        refresh_error: row.get(21)?,
    })
}

fn row_to_test_run(row: &rusqlite::Row<'_>) -> rusqlite::Result<TestRun> {
    let outcome: String = row.get(4)?;
    let steps: String = row.get(6)?;
    let kind: String = row.get(7)?;
    Ok(TestRun {
        kind: FlowKind::from_code(&kind),
        id: row.get(0)?,
        authorization_id: row.get(1)?,
        started_at: row.get(2)?,
        finished_at: row.get(3)?,
        outcome: RunOutcome::from_code(&outcome),
        message: row.get(5)?,
        // Steps written by another version may not read; the run still shows with its message.
        steps: serde_json::from_str(&steps).unwrap_or_default(),
    })
}

fn kept_json(kept: &[KeptValue]) -> String {
    serde_json::to_string(kept).unwrap_or_else(|_| "[]".into())
}

/// Saves the tokens as a connection of the authorization: the one of the same user is updated (a
/// re-test replaces it), another user's gets its own row.
fn upsert_connection(
    tx: &Transaction<'_>,
    vault: &mut Vault,
    authorization_id: i64,
    tokens: &Tokens,
    identity: &Identity,
    grant: Option<Grant>,
    kept: &[KeptValue],
) -> Result<i64> {
    let existing: Option<i64> = tx
        .query_row(
            "SELECT id FROM connections WHERE authorization_id = ?1 AND user_id IS ?2 ORDER BY id DESC LIMIT 1",
            params![authorization_id, identity.id],
            |r| r.get(0),
        )
        .optional()?;
    let id = match existing {
        Some(id) => {
            update_connection(tx, vault, id, tokens, Some(identity), kept)?;
            id
        }
        None => {
            let (access, refresh, id_token) = sealed_tokens(tx, vault, tokens)?;
            tx.execute(
                &format!(
                    "INSERT INTO connections (authorization_id, access_token, refresh_token, token_type, expires_at,
                        scopes, user_id, user_name, user_email, id_token, refresh_expires_at, issued_at, kept,
                        tested_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, {NOW})"
                ),
                params![
                    authorization_id,
                    access,
                    refresh,
                    tokens.token_type,
                    tokens.expires_at,
                    tokens.scopes,
                    identity.id,
                    identity.name,
                    identity.email,
                    id_token,
                    tokens.refresh_expires_at,
                    tokens.issued_at,
                    kept_json(kept),
                ],
            )?;
            tx.last_insert_rowid()
        }
    };
    if let Some(grant) = grant {
        tx.execute("UPDATE connections SET grant_type = ?2 WHERE id = ?1", params![id, grant.code()])?;
    }
    Ok(id)
}

/// The tokens as stored, sealed: access, refresh and ID token.
fn sealed_tokens(
    tx: &Transaction<'_>,
    vault: &mut Vault,
    tokens: &Tokens,
) -> Result<(String, Option<String>, Option<String>)> {
    let access = vault.seal(tx, Place::AccessToken, tokens.access_token.reveal())?;
    let mut seal = |place, token: &Option<Sensitive<String>>| -> Result<Option<String>> {
        token.as_ref().map(|t| vault.seal(tx, place, t.reveal())).transpose()
    };
    let refresh = seal(Place::RefreshToken, &tokens.refresh_token)?;
    let id_token = seal(Place::IdToken, &tokens.id_token)?;
    Ok((access, refresh, id_token))
}

/// New tokens (and, when known, identity) for a connection, which is active again; false when it
/// no longer exists. A refresh that brings no new ID token keeps the one saved; one that keeps the
/// same refresh token and says nothing of its lifetime keeps the known lifetime; one that kept no
/// values keeps the ones the connection has.
fn update_connection(
    tx: &Transaction<'_>,
    vault: &mut Vault,
    id: i64,
    tokens: &Tokens,
    identity: Option<&Identity>,
    kept: &[KeptValue],
) -> Result<bool> {
    let refresh_expires_at = match tokens.refresh_expires_at {
        Some(at) => Some(at),
        None => kept_refresh_lifetime(tx, vault, id, tokens)?,
    };
    let (access, refresh, id_token) = sealed_tokens(tx, vault, tokens)?;
    let changed = tx.execute(
        &format!(
            "UPDATE connections SET access_token = ?2, refresh_token = ?3, token_type = ?4, expires_at = ?5,
                scopes = ?6, id_token = coalesce(?7, id_token), status = 'active', status_note = '',
                refresh_expires_at = ?8, issued_at = ?9, kept = CASE WHEN ?10 = '[]' THEN kept ELSE ?10 END,
                refresh_error = NULL, tested_at = {NOW} WHERE id = ?1"
        ),
        params![
            id,
            access,
            refresh,
            tokens.token_type,
            tokens.expires_at,
            tokens.scopes,
            id_token,
            refresh_expires_at,
            tokens.issued_at,
            kept_json(kept)
        ],
    )?;
    if let Some(identity) = identity.filter(|i| !i.is_empty()) {
        tx.execute(
            "UPDATE connections SET user_id = ?2, user_name = ?3, user_email = ?4 WHERE id = ?1",
            params![id, identity.id, identity.name, identity.email],
        )?;
    }
    Ok(changed > 0)
}

/// The stored refresh token's lifetime, when the new tokens keep that same refresh token (the
/// stored one is sealed: compared opened).
fn kept_refresh_lifetime(tx: &Transaction<'_>, vault: &Vault, id: i64, tokens: &Tokens) -> Result<Option<i64>> {
    let stored: Option<(Option<String>, Option<i64>)> = tx
        .query_row("SELECT refresh_token, refresh_expires_at FROM connections WHERE id = ?1", [id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let Some((Some(sealed), lifetime)) = stored else { return Ok(None) };
    let same = match (vault.open(Place::RefreshToken, &sealed), &tokens.refresh_token) {
        (Ok(old), Some(new)) => old == *new.reveal(),
        _ => false,
    };
    Ok(if same { lifetime } else { None })
}

/// The DPoP key the tokens are bound to (RFC 9449), sealed. A new test's tokens replace the key
/// (none, when the test ran without DPoP); a refresh without one keeps the key saved.
fn save_dpop_key(tx: &Transaction<'_>, vault: &mut Vault, id: i64, tokens: &Tokens, replace: bool) -> Result<()> {
    let sealed = tokens.dpop_key.as_ref().map(|k| vault.seal(tx, Place::DpopKey, k.reveal())).transpose()?;
    if sealed.is_some() || replace {
        tx.execute("UPDATE connections SET dpop_key = ?2 WHERE id = ?1", params![id, sealed])?;
    }
    Ok(())
}

/// Puts a connection in `status` (the run's message says why); false when it no longer exists.
fn set_connection_status(tx: &Transaction<'_>, id: i64, status: ConnectionStatus, note: &str) -> Result<bool> {
    let changed = tx.execute(
        "UPDATE connections SET status = ?2, status_note = ?3 WHERE id = ?1",
        params![id, status.code(), note],
    )?;
    Ok(changed > 0)
}

fn insert_test_run(tx: &Transaction<'_>, report: &FlowReport) -> Result<i64> {
    let steps = serde_json::to_string(&report.steps).unwrap_or_else(|_| "[]".into());
    tx.execute(
        "INSERT INTO test_runs (authorization_id, started_at, finished_at, outcome, message, steps, kind)
         VALUES (?1, strftime('%Y-%m-%dT%H:%M:%SZ', ?2, 'unixepoch'), strftime('%Y-%m-%dT%H:%M:%SZ', ?3, 'unixepoch'),
                 ?4, ?5, ?6, ?7)",
        params![
            report.authorization_id,
            report.started_at,
            report.finished_at,
            report.outcome.code(),
            report.message,
            steps,
            report.kind.code()
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

/// [`Store::record_flow`]'s writes, inside the caller's transaction. A check updates the
/// connection it ran on (rotated or new tokens) and never makes one, nor changes its identity
/// (an identity that changed is the check's failure, until a new login).
pub(super) fn record_in(tx: &Transaction<'_>, vault: &mut Vault, report: &mut FlowReport) -> Result<RecordedRun> {
    let mut connection_id = None;
    let saves = report.kind != FlowKind::Check || report.on_connection.is_some();
    if let (RunOutcome::Ok, Some(tokens), true) = (report.outcome, &report.tokens, saves) {
        let identity = report.identity.clone().unwrap_or_default();
        let id = match (report.kind, report.on_connection) {
            (kind, Some(id))
                if (kind == FlowKind::Check || kind.is_lab())
                    && update_connection(tx, vault, id, tokens, None, &report.kept)? =>
            {
                id
            }
            (FlowKind::Refresh, Some(id))
                if update_connection(tx, vault, id, tokens, Some(&identity), &report.kept)? =>
            {
                id
            }
            _ => upsert_connection(
                tx,
                vault,
                report.authorization_id,
                tokens,
                &identity,
                report.grant_type,
                &report.kept,
            )?,
        };
        let replaces_key = report.kind == FlowKind::Test;
        save_dpop_key(tx, vault, id, tokens, replaces_key)?;
        connection_id = Some(id);
        report.add_save_step(id);
    } else if let (Some(tokens), Some(id)) = (&report.tokens, report.on_connection)
        && report.outcome != RunOutcome::Ok
        && update_connection(tx, vault, id, tokens, None, &[])?
    {
        // The run renewed the connection's tokens, then failed or was cancelled: the new ones
        // are what works at the provider now (a rotated refresh token replaced the saved one),
        // so they are kept; identity and kept values stay as they were.
        save_dpop_key(tx, vault, id, tokens, false)?;
        connection_id = Some(id);
        report.add_renewed_step(id);
    }
    if let (Some(status), Some(id)) = (report.connection_status, report.on_connection)
        && set_connection_status(tx, id, status, &report.message)?
    {
        connection_id = Some(id);
        if report.outcome == RunOutcome::Ok {
            report.add_status_step(id, status);
        }
    }
    // The lab's forced expiry stays on the connection when the refresh path failed (not when the
    // refresh itself worked and a later step failed: its new tokens were just saved above).
    if let (FlowKind::ForceExpiry, false, Some(id), None) =
        (report.kind, report.is_ok(), report.on_connection, &report.tokens)
    {
        tx.execute(
            "UPDATE connections SET expires_at = ?2 WHERE id = ?1 AND (expires_at IS NULL OR expires_at > ?2)",
            params![id, report.finished_at],
        )?;
    }
    // A failed refresh stays on its connection (whatever failed), for the TUI to show.
    if let (FlowKind::Refresh, Some(id), RunOutcome::Failed) = (report.kind, report.on_connection, report.outcome) {
        tx.execute("UPDATE connections SET refresh_error = ?2 WHERE id = ?1", params![id, report.message])?;
    }
    let run_id = insert_test_run(tx, report)?;
    Ok(RecordedRun { run_id, connection_id })
}

impl Store {
    /// Records a finished flow in one transaction: its tokens saved as a connection (a test) or
    /// written over the refreshed one (a refresh), the connection's new status (revoked, or in need
    /// of a new login after a refused refresh), then the test run with its steps, the Save step
    /// ([`FlowReport::add_save_step`]) among them.
    ///
    /// A successful test also keeps its fingerprint (what the provider answered), the baseline
    /// that `authdeck check` compares with.
    pub fn record_flow(&mut self, report: &mut FlowReport) -> Result<RecordedRun> {
        let tx = super::write(&mut self.conn)?;
        let recorded = record_in(&tx, &mut self.vault, report)?;
        if report.kind == FlowKind::Test && report.is_ok() {
            super::checks::keep_fingerprint(&tx, report, recorded.connection_id, recorded.run_id)?;
        }
        tx.commit()?;
        Ok(recorded)
    }

    /// The test runs of an authorization, newest first (at most `limit`).
    pub fn test_runs(&self, authorization_id: i64, limit: usize) -> Result<Vec<TestRun>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, authorization_id, started_at, finished_at, outcome, message, steps, kind FROM test_runs
             WHERE authorization_id = ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let runs = stmt
            .query_map(params![authorization_id, limit as i64], row_to_test_run)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(runs)
    }

    /// The saved connections of an app's authorizations, most recently tested first.
    pub fn connections(&self, app_id: i64) -> Result<Vec<Connection>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{SELECT_CONNECTION} WHERE a.app_id = ?1 ORDER BY c.tested_at DESC, c.id DESC"))?;
        let rows =
            stmt.query_map([app_id], |r| row_to_connection(r, &self.vault))?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    pub fn connection(&self, id: i64) -> Result<Connection> {
        self.conn
            .query_row(&format!("{SELECT_CONNECTION} WHERE c.id = ?1"), [id], |r| row_to_connection(r, &self.vault))
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("connection {id}")))
    }

    pub fn delete_connection(&mut self, id: i64) -> Result<()> {
        self.conn.execute("DELETE FROM connections WHERE id = ?1", [id])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::run::{StepId, StepRecord, StepStatus};
    use crate::model::{AuthConfig, AuthKind};

    fn store_with_authorization() -> (Store, i64, i64) {
        let mut store = Store::open_in_memory().unwrap();
        let app = store.create_app("Test App").unwrap();
        let id = store.insert_authorization(app.id, "OIDC", &AuthConfig::new_of_kind(AuthKind::OAuth2)).unwrap();
        (store, app.id, id)
    }

    fn tokens(access: &str) -> Tokens {
        Tokens {
            dpop_key: None,
            access_token: Sensitive::new(access.into()),
            refresh_token: Some(Sensitive::new("rt".into())),
            id_token: None,
            token_type: Some("Bearer".into()),
            expires_at: Some(1_900_000_000),
            scopes: "openid email".into(),
            refresh_expires_at: None,
            issued_at: None,
        }
    }

    fn report(authorization_id: i64, outcome: RunOutcome, user: &str) -> FlowReport {
        let tokens = (outcome == RunOutcome::Ok).then(|| tokens("at-1"));
        FlowReport {
            authorization_id,
            auth_kind: AuthKind::OAuth2,
            kind: FlowKind::Test,
            outcome,
            message: "message".into(),
            started_at: 1_800_000_000,
            finished_at: 1_800_000_003,
            steps: vec![StepRecord::new(StepId::AuthorizationUrl, StepStatus::Ok, "state added")],
            identity: Some(Identity { id: Some(user.into()), name: Some("Ann".into()), email: None }),
            grant: tokens.as_ref().map(Tokens::summary),
            grant_type: Some(Grant::AuthorizationCode),
            kept: vec![KeptValue { name: "callback.realmId".into(), value: "9341453474484455".into() }],
            introspection: None,
            observed: Default::default(),
            tokens,
            on_connection: None,
            connection_status: None,
        }
    }

    #[test]
    fn a_successful_test_saves_a_connection_and_its_run() {
        let (mut store, app_id, auth) = store_with_authorization();
        let mut r = report(auth, RunOutcome::Ok, "u1");
        let recorded = store.record_flow(&mut r).unwrap();
        assert_eq!(r.steps.last().unwrap().step, StepId::Save);
        let connections = store.connections(app_id).unwrap();
        assert_eq!(connections.len(), 1);
        let c = &connections[0];
        assert_eq!(Some(c.id), recorded.connection_id);
        assert_eq!(c.authorization_name, "OIDC");
        assert_eq!(c.tokens.access_token.reveal(), "at-1");
        assert_eq!(c.identity.name.as_deref(), Some("Ann"));
        let runs = store.test_runs(auth, 10).unwrap();
        assert_eq!(runs[0].outcome, Some(RunOutcome::Ok));
        assert_eq!(runs[0].started_at, "2027-01-15T08:00:00Z");
        assert_eq!(runs[0].steps.len(), 2);
        assert!(store.authorization(auth).unwrap().last_test.unwrap().outcome == "ok");
    }

    #[test]
    fn a_retest_of_the_same_user_replaces_and_another_user_adds() {
        let (mut store, app_id, auth) = store_with_authorization();
        store.record_flow(&mut report(auth, RunOutcome::Ok, "u1")).unwrap();
        store.record_flow(&mut report(auth, RunOutcome::Ok, "u1")).unwrap();
        assert_eq!(store.connections(app_id).unwrap().len(), 1);
        store.record_flow(&mut report(auth, RunOutcome::Ok, "u2")).unwrap();
        assert_eq!(store.connections(app_id).unwrap().len(), 2);
    }

    #[test]
    fn failed_and_cancelled_runs_save_no_connection() {
        let (mut store, app_id, auth) = store_with_authorization();
        for outcome in [RunOutcome::Failed, RunOutcome::Cancelled] {
            let recorded = store.record_flow(&mut report(auth, outcome, "u1")).unwrap();
            assert_eq!(recorded.connection_id, None);
        }
        assert!(store.connections(app_id).unwrap().is_empty());
        let last = store.authorization(auth).unwrap().last_test.unwrap();
        assert_eq!((last.outcome.as_str(), last.message.as_str()), ("cancelled", "message"));
        assert!(last.describe(last.at.unwrap_or_default()).starts_with("cancelled just now: message"));
        assert_eq!(store.test_runs(auth, 1).unwrap().len(), 1);
    }

    #[test]
    fn refresh_updates_the_connection_and_delete_removes_it() {
        let (mut store, app_id, auth) = store_with_authorization();
        let id = store.record_flow(&mut report(auth, RunOutcome::Ok, "u1")).unwrap().connection_id.unwrap();
        let mut refreshed = report(auth, RunOutcome::Ok, "u1");
        refreshed.kind = FlowKind::Refresh;
        refreshed.on_connection = Some(id);
        refreshed.tokens = Some(tokens("at-2"));
        let recorded = store.record_flow(&mut refreshed).unwrap();
        assert_eq!(recorded.connection_id, Some(id));
        assert_eq!(store.connection(id).unwrap().tokens.access_token.reveal(), "at-2");
        store.delete_connection(id).unwrap();
        assert!(store.connections(app_id).unwrap().is_empty());
        assert!(matches!(store.connection(id), Err(StoreError::NotFound(_))));
    }

    #[test]
    fn a_failed_refresh_stays_on_the_connection_until_one_succeeds() {
        let (mut store, _, auth) = store_with_authorization();
        let id = store.record_flow(&mut report(auth, RunOutcome::Ok, "u1")).unwrap().connection_id.unwrap();
        let mut failed = report(auth, RunOutcome::Failed, "u1");
        (failed.kind, failed.on_connection, failed.message) =
            (FlowKind::Refresh, Some(id), "The token endpoint answered HTTP 503".into());
        store.record_flow(&mut failed).unwrap();
        let error = store.connection(id).unwrap().refresh_error;
        assert_eq!(error.as_deref(), Some("The token endpoint answered HTTP 503"));
        let mut ok = report(auth, RunOutcome::Ok, "u1");
        (ok.kind, ok.on_connection) = (FlowKind::Refresh, Some(id));
        store.record_flow(&mut ok).unwrap();
        assert_eq!(store.connection(id).unwrap().refresh_error, None);
    }

    #[test]
    fn the_id_token_grant_and_status_are_kept() {
        let (mut store, _, auth) = store_with_authorization();
        let mut first = report(auth, RunOutcome::Ok, "u1");
        first.tokens.as_mut().unwrap().id_token = Some(Sensitive::new("idt-1".into()));
        let id = store.record_flow(&mut first).unwrap().connection_id.unwrap();
        let saved = store.connection(id).unwrap();
        assert_eq!(saved.tokens.id_token.as_ref().map(|t| t.reveal().as_str()), Some("idt-1"));
        assert_eq!((saved.grant, saved.status), (Some(Grant::AuthorizationCode), ConnectionStatus::Active));

        // A refresh the provider refuses: the run fails, and the connection needs a new login.
        let mut refused = report(auth, RunOutcome::Failed, "u1");
        refused.kind = FlowKind::Refresh;
        refused.on_connection = Some(id);
        refused.connection_status = Some(ConnectionStatus::NeedsLogin);
        refused.message = "The token endpoint refused the refresh token".into();
        assert_eq!(store.record_flow(&mut refused).unwrap().connection_id, Some(id));
        let needs = store.connection(id).unwrap();
        assert_eq!(needs.status, ConnectionStatus::NeedsLogin);
        assert!(needs.status_note.contains("refused the refresh token"));
        assert!(refused.steps.iter().all(|s| s.step != StepId::Save), "a failed run saves nothing but the status");
        // The authorization's last test is still the test: a refresh is a run of its own kind.
        assert_eq!(store.authorization(auth).unwrap().last_test.unwrap().outcome, "ok");
        assert_eq!(store.test_runs(auth, 1).unwrap()[0].kind, Some(FlowKind::Refresh));

        // A refresh that works makes it active again and keeps the ID token it brought none of.
        let mut refreshed = report(auth, RunOutcome::Ok, "u1");
        refreshed.kind = FlowKind::Refresh;
        refreshed.on_connection = Some(id);
        store.record_flow(&mut refreshed).unwrap();
        let active = store.connection(id).unwrap();
        assert_eq!((active.status, active.status_note.as_str()), (ConnectionStatus::Active, ""));
        assert_eq!(active.tokens.id_token.as_ref().map(|t| t.reveal().as_str()), Some("idt-1"));

        // Revoked: the run says so in its Save step.
        let mut revoked = report(auth, RunOutcome::Ok, "u1");
        revoked.kind = FlowKind::Revoke;
        revoked.tokens = None;
        revoked.on_connection = Some(id);
        revoked.connection_status = Some(ConnectionStatus::Revoked);
        store.record_flow(&mut revoked).unwrap();
        assert_eq!(revoked.steps.last().unwrap().summary, format!("connection {id} marked revoked"));
        assert_eq!(store.connection(id).unwrap().status, ConnectionStatus::Revoked);
    }

    #[test]
    fn the_refresh_tokens_lifetime_and_the_kept_values_last_until_they_change() {
        let (mut store, _, auth) = store_with_authorization();
        let mut first = report(auth, RunOutcome::Ok, "u1");
        if let Some(t) = first.tokens.as_mut() {
            t.refresh_expires_at = Some(1_950_000_000);
            t.issued_at = Some(1_800_000_000);
        }
        let id = store.record_flow(&mut first).unwrap().connection_id.unwrap();
        let saved = store.connection(id).unwrap();
        assert_eq!(
            (saved.tokens.refresh_expires_at, saved.tokens.issued_at),
            (Some(1_950_000_000), Some(1_800_000_000))
        );
        assert_eq!(saved.kept, first.kept);
        // A refresh that returns the same refresh token and no lifetime keeps the known lifetime…
        let mut same = report(auth, RunOutcome::Ok, "u1");
        same.kind = FlowKind::Refresh;
        same.on_connection = Some(id);
        same.kept.clear();
        store.record_flow(&mut same).unwrap();
        let after = store.connection(id).unwrap();
        assert_eq!(after.tokens.refresh_expires_at, Some(1_950_000_000));
        assert_eq!(after.kept.len(), 1, "a refresh that kept nothing keeps the connection's values");
        // …a rotated refresh token without one has no known lifetime.
        let mut rotated = report(auth, RunOutcome::Ok, "u1");
        rotated.kind = FlowKind::Refresh;
        rotated.on_connection = Some(id);
        if let Some(t) = rotated.tokens.as_mut() {
            t.refresh_token = Some(Sensitive::new("rt-2".into()));
        }
        store.record_flow(&mut rotated).unwrap();
        assert_eq!(store.connection(id).unwrap().tokens.refresh_expires_at, None);
    }

    #[test]
    fn deleting_the_authorization_deletes_its_connections_and_runs() {
        let (mut store, app_id, auth) = store_with_authorization();
        store.record_flow(&mut report(auth, RunOutcome::Ok, "u1")).unwrap();
        store.delete_authorization(auth).unwrap();
        assert!(store.connections(app_id).unwrap().is_empty());
        assert!(store.test_runs(auth, 10).unwrap().is_empty());
    }

    #[test]
    fn a_finished_test_waits_for_another_writer_instead_of_failing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("busy.db");
        let mut store = Store::open_with_keys(&path, crate::store::KeySource::dir(dir.path().join("keys"))).unwrap();
        let app = store.create_app("Test App").unwrap();
        let auth = store.insert_authorization(app.id, "OIDC", &AuthConfig::new_of_kind(AuthKind::OAuth2)).unwrap();
        // Another authdeck on the same file, in the middle of a write (an import, say).
        let other = rusqlite::Connection::open(&path).unwrap();
        other.execute_batch("BEGIN IMMEDIATE; INSERT INTO apps (name) VALUES ('Imported');").unwrap();
        let (started_tx, started) = std::sync::mpsc::channel();
        let saver = std::thread::spawn(move || {
            started_tx.send(()).unwrap();
            let mut r = report(auth, RunOutcome::Ok, "u1");
            store.record_flow(&mut r).map(|recorded| (store, recorded))
        });
        started.recv().unwrap();
        // The other writer holds the lock a while (a deliberate delay, not a wait for async work),
        // commits, and the test's result is saved after it rather than lost.
        std::thread::sleep(std::time::Duration::from_millis(300));
        other.execute_batch("COMMIT").unwrap();
        let (store, recorded) = saver.join().unwrap().expect("saved after the other writer");
        assert!(recorded.connection_id.is_some());
        assert_eq!(store.connections(app.id).unwrap().len(), 1);
        assert!(store.app_by_name("Imported").unwrap().is_some());
    }
}
