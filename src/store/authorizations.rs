//! Authorizations: typed reads and writes. The kind-specific fields are one JSON column; the
//! endpoints they use are columns, so the database refuses to delete an endpoint still in use.

use rusqlite::{Connection, OptionalExtension, params};

use super::seal::{self, Vault};
use super::{Result, Store, StoreError, map_unique};
use crate::model::{AuthConfig, AuthKind, Authorization, EndpointRefs, LastTest};

/// An authorization with the name of its app, for listings across apps.
#[derive(Debug, Clone)]
pub struct AuthorizationRow {
    pub app: String,
    pub authorization: Authorization,
}

const SELECT: &str = "SELECT a.id, a.app_id, a.kind, a.name, a.config, a.token_endpoint_id, a.userinfo_endpoint_id,
        (SELECT t.outcome || char(31) || coalesce(t.finished_at, t.started_at) || char(31) || t.message
           FROM test_runs t WHERE t.authorization_id = a.id AND t.kind = 'test' ORDER BY t.id DESC LIMIT 1),
        p.name, a.device_endpoint_id, a.revocation_endpoint_id, a.introspection_endpoint_id, a.jwks_endpoint_id,
        a.refresh_endpoint_id
    FROM authorizations a JOIN apps p ON p.id = a.app_id";

fn row_to_authorization(
    row: &rusqlite::Row<'_>,
    vault: &Vault,
) -> rusqlite::Result<(AuthorizationRow, Option<String>)> {
    let kind_code: String = row.get(2)?;
    let config_text: String = row.get(4)?;
    let last: Option<String> = row.get(7)?;
    let mut problem = None;
    let kind = AuthKind::from_code(&kind_code);
    let config = match kind {
        Some(kind) => match decode_config(kind, &config_text, vault) {
            Ok(c) => c,
            Err(e) => {
                problem = Some(format!("authorization {} has unreadable fields: {e}", row.get::<_, i64>(0)?));
                AuthConfig::new_of_kind(kind)
            }
        },
        None => {
            problem = Some(format!("authorization {} has an unknown kind {kind_code:?}", row.get::<_, i64>(0)?));
            AuthConfig::new_of_kind(AuthKind::ApiKey)
        }
    };
    let mut config = config;
    config.set_endpoint_refs(EndpointRefs {
        token: row.get(5)?,
        userinfo: row.get(6)?,
        device: row.get(9)?,
        revocation: row.get(10)?,
        introspection: row.get(11)?,
        jwks: row.get(12)?,
    });
    config.set_refresh_endpoint_id(row.get(13)?);
    let authorization = Authorization {
        id: row.get(0)?,
        app_id: row.get(1)?,
        name: row.get(3)?,
        config,
        last_test: last.map(|l| last_test(&l)),
    };
    Ok((AuthorizationRow { app: row.get(8)?, authorization }, problem))
}

/// The kind-specific fields of a `config` column, its sealed secrets opened (one whose key isn't
/// here reads as empty: `Store::unreadable_secrets` lists it).
///
/// Every list read decodes every row, so this goes straight from the text to the typed fields
/// (and reads the sealed ones in a second, small pass only when there are any), rather than
/// through a `serde_json::Value` of each row: at 10,000 rows that tree of maps and strings was
/// most of the time to the first frame. Whatever the direct way can't read — a damaged row, a
/// sealed field that isn't a string — goes the general way ([`seal::open_config_secret`] on the
/// `Value`), so what a row reads as, and the error a damaged one gives, are as before.
fn decode_config(kind: AuthKind, text: &str, vault: &Vault) -> std::result::Result<AuthConfig, serde_json::Error> {
    let direct = AuthConfig::from_json_str(kind, text).ok().and_then(|mut config| {
        let sealed = seal::SealedFields::read(text)?;
        if let AuthConfig::OAuth2(c) = &mut config {
            let fields = [
                (sealed.secret, seal::Place::ClientSecret, &mut c.client_secret),
                (sealed.key, seal::Place::ClientKey, &mut c.client_key),
            ];
            for (stored, place, field) in fields {
                if let Some(Ok(plain)) = stored.map(|s| vault.open(place, &s)) {
                    *field = plain;
                }
            }
        } else if sealed.secret.is_some() || sealed.key.is_some() {
            // Sealed fields in another kind's row: the general way decides what they mean.
            return None;
        }
        Some(config)
    });
    if let Some(config) = direct {
        return Ok(config);
    }
    let mut value = serde_json::from_str::<serde_json::Value>(text)?;
    let _ = seal::open_config_secret(vault, &mut value);
    AuthConfig::from_json(kind, value)
}

/// The last test from the joined `outcome␟time␟message` of the query.
fn last_test(joined: &str) -> LastTest {
    let mut parts = joined.splitn(3, '\u{1f}');
    let outcome = parts.next().unwrap_or_default().to_owned();
    let at = parts.next().and_then(crate::model::time::parse_utc);
    let message = parts.next().unwrap_or_default().to_owned();
    LastTest { outcome, at, message }
}

fn collect(rows: Vec<(AuthorizationRow, Option<String>)>) -> Result<Vec<AuthorizationRow>> {
    let mut out = Vec::with_capacity(rows.len());
    for (row, problem) in rows {
        if let Some(problem) = problem {
            return Err(StoreError::Corrupt(problem));
        }
        out.push(row);
    }
    Ok(out)
}

/// What an import that leaves secrets out keeps of the stored ones: their sealed text, even when
/// its key isn't here to open it.
#[derive(Debug, Default)]
pub(super) struct KeptSealed {
    pub secret: Option<String>,
    pub key: Option<String>,
}

/// The `config` column of an authorization: its fields as JSON, the client secret and a pasted
/// private key sealed. An empty secret (or key) with a `keep` keeps that sealed text.
pub(super) fn config_column(
    conn: &Connection,
    vault: &mut Vault,
    config: &AuthConfig,
    keep: KeptSealed,
) -> Result<String> {
    let mut value = config.to_json();
    seal::seal_config_secret(conn, vault, &mut value)?;
    let AuthConfig::OAuth2(c) = config else { return Ok(value.to_string()) };
    let kept = [
        (keep.secret, seal::SEALED_SECRET_FIELD, c.client_secret.is_empty()),
        (keep.key, seal::SEALED_KEY_FIELD, c.client_key.is_empty()),
    ];
    if let Some(map) = value.as_object_mut() {
        for (sealed, field, empty) in kept {
            if let Some(sealed) = sealed
                && empty
                && !map.contains_key(field)
            {
                map.insert(field.into(), serde_json::Value::String(sealed));
            }
        }
    }
    Ok(value.to_string())
}

/// Inserts an authorization into an app; returns its id. Used by the store, new apps and import.
pub(super) fn insert_authorization(
    conn: &Connection,
    vault: &mut Vault,
    app_id: i64,
    name: &str,
    config: &AuthConfig,
) -> Result<i64> {
    let name = name.trim();
    check_authorization_name(name)?;
    let column = config_column(conn, vault, config, KeptSealed::default())?;
    write_authorization(
        conn,
        "INSERT INTO authorizations (app_id, kind, name, config, token_endpoint_id, userinfo_endpoint_id,
            device_endpoint_id, revocation_endpoint_id, introspection_endpoint_id, jwks_endpoint_id,
            refresh_endpoint_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        app_id,
        name,
        config,
        &column,
    )?;
    Ok(conn.last_insert_rowid())
}

/// Writes the name, kind and fields of the authorization `id` (`config` being its config column,
/// from [`config_column`]). Used by the store and by import.
pub(super) fn update_authorization(
    conn: &Connection,
    id: i64,
    name: &str,
    config: &AuthConfig,
    column: &str,
) -> Result<()> {
    let name = name.trim();
    check_authorization_name(name)?;
    let changed = write_authorization(
        conn,
        "UPDATE authorizations SET kind = ?2, name = ?3, config = ?4, token_endpoint_id = ?5,
            userinfo_endpoint_id = ?6, device_endpoint_id = ?7, revocation_endpoint_id = ?8,
            introspection_endpoint_id = ?9, jwks_endpoint_id = ?10, refresh_endpoint_id = ?11,
            updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
         WHERE id = ?1",
        id,
        name,
        config,
        column,
    )?;
    if changed == 0 {
        return Err(StoreError::NotFound(format!("authorization \"{name}\"")));
    }
    Ok(())
}

fn check_authorization_name(name: &str) -> Result<()> {
    crate::model::name_problem(name).map_err(|m| StoreError::Invalid(format!("The authorization's name: {m}")))
}

/// Runs `sql` with `?1` = `first` (the app for an insert, the authorization for an update) and
/// `?2`…`?10` the authorization's kind, name, fields (`column`, sealed) and endpoints, in the one
/// order both use.
fn write_authorization(
    conn: &Connection,
    sql: &str,
    first: i64,
    name: &str,
    config: &AuthConfig,
    column: &str,
) -> Result<usize> {
    let refs = config.endpoint_refs();
    conn.execute(
        sql,
        params![
            first,
            config.kind().code(),
            name,
            column,
            refs.token,
            refs.userinfo,
            refs.device,
            refs.revocation,
            refs.introspection,
            refs.jwks,
            config.refresh_endpoint_id(),
        ],
    )
    .map_err(|e| map_unique(e, "An authorization", name))
}

impl Store {
    /// The authorizations of one app, in the order they were made.
    pub fn authorizations(&self, app_id: i64) -> Result<Vec<Authorization>> {
        let mut stmt = self.conn.prepare_cached(&format!("{SELECT} WHERE a.app_id = ?1 ORDER BY a.id"))?;
        let rows = stmt
            .query_map([app_id], |r| row_to_authorization(r, &self.vault))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(collect(rows)?.into_iter().map(|r| r.authorization).collect())
    }

    /// The authorizations of every app (or of the app named), for `authdeck list`.
    pub fn authorization_rows(&self, app: Option<&str>) -> Result<Vec<AuthorizationRow>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{SELECT} WHERE ?1 IS NULL OR p.name = ?1 ORDER BY p.name COLLATE NOCASE, a.id"
        ))?;
        let rows =
            stmt.query_map([app], |r| row_to_authorization(r, &self.vault))?.collect::<rusqlite::Result<Vec<_>>>()?;
        collect(rows)
    }

    pub fn authorization(&self, id: i64) -> Result<Authorization> {
        let row = self
            .conn
            .query_row(&format!("{SELECT} WHERE a.id = ?1"), [id], |r| row_to_authorization(r, &self.vault))
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("authorization {id}")))?;
        Ok(collect(vec![row])?.remove(0).authorization)
    }

    pub fn insert_authorization(&mut self, app_id: i64, name: &str, config: &AuthConfig) -> Result<i64> {
        let tx = super::write(&mut self.conn)?;
        let id = insert_authorization(&tx, &mut self.vault, app_id, name, config)?;
        tx.commit()?;
        Ok(id)
    }

    pub fn update_authorization(&mut self, id: i64, name: &str, config: &AuthConfig) -> Result<()> {
        let tx = super::write(&mut self.conn)?;
        let column = config_column(&tx, &mut self.vault, config, KeptSealed::default())?;
        update_authorization(&tx, id, name, config, &column)?;
        tx.commit()?;
        Ok(())
    }

    pub fn delete_authorization(&mut self, id: i64) -> Result<()> {
        self.conn.execute("DELETE FROM authorizations WHERE id = ?1", [id])?;
        Ok(())
    }
}
