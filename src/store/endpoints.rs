//! Endpoints: typed reads and writes, and who uses each one.

use rusqlite::{Connection, OptionalExtension, params};

use super::{Result, Store, StoreError, map_unique};
use crate::model::{BodyKind, Endpoint, EndpointPurpose, Method, ResponseMapping};

const SELECT: &str = "SELECT id, app_id, name, purpose, method, url, headers, body_kind, body, mapping FROM endpoints";

/// A row as an endpoint; the inner error names a column that doesn't decode (a damaged row).
fn row_to_endpoint(row: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Endpoint>> {
    let id: i64 = row.get(0)?;
    let name: String = row.get(2)?;
    let decoded = decode_columns(
        &row.get::<_, String>(3)?,
        &row.get::<_, String>(4)?,
        &row.get::<_, String>(7)?,
        &row.get::<_, String>(9)?,
    );
    let (purpose, method, body_kind, mapping) = match decoded {
        Ok(columns) => columns,
        Err(what) => return Ok(Err(StoreError::Corrupt(format!("endpoint {id} \"{name}\" has {what}")))),
    };
    Ok(Ok(Endpoint {
        id,
        app_id: row.get(1)?,
        name,
        purpose,
        method,
        url: row.get(5)?,
        headers: row.get(6)?,
        body_kind,
        body: row.get(8)?,
        mapping,
    }))
}

/// The coded columns of an endpoint row, or what is wrong with them.
fn decode_columns(
    purpose: &str,
    method: &str,
    body_kind: &str,
    mapping: &str,
) -> std::result::Result<(EndpointPurpose, Method, BodyKind, ResponseMapping), String> {
    let purpose = EndpointPurpose::from_code(purpose).ok_or_else(|| format!("an unknown purpose {purpose:?}"))?;
    let method = Method::parse(method).ok_or_else(|| format!("an unknown HTTP method {method:?}"))?;
    let body_kind = body_kind_from_code(body_kind).ok_or_else(|| format!("an unknown body kind {body_kind:?}"))?;
    let mapping = serde_json::from_str(mapping).map_err(|e| format!("an unreadable response mapping ({e})"))?;
    Ok((purpose, method, body_kind, mapping))
}

fn body_kind_code(kind: BodyKind) -> &'static str {
    match kind {
        BodyKind::Form => "form",
        BodyKind::Json => "json",
    }
}

fn body_kind_from_code(code: &str) -> Option<BodyKind> {
    BodyKind::ALL.into_iter().find(|k| body_kind_code(*k) == code)
}

/// Inserts a new endpoint for `endpoint.app_id`; returns its id. Used by the store and by import.
pub(super) fn insert_endpoint(conn: &Connection, endpoint: &Endpoint) -> Result<i64> {
    write_endpoint(
        conn,
        "INSERT INTO endpoints (app_id, name, purpose, method, url, headers, body_kind, body, mapping)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        endpoint.app_id,
        endpoint,
    )?;
    Ok(conn.last_insert_rowid())
}

/// Writes every field of the endpoint `endpoint.id`. Used by the store and by import.
pub(super) fn update_endpoint(conn: &Connection, endpoint: &Endpoint) -> Result<()> {
    let changed = write_endpoint(
        conn,
        "UPDATE endpoints SET name = ?2, purpose = ?3, method = ?4, url = ?5, headers = ?6, body_kind = ?7,
            body = ?8, mapping = ?9 WHERE id = ?1",
        endpoint.id,
        endpoint,
    )?;
    if changed == 0 {
        return Err(StoreError::NotFound(format!("endpoint \"{}\"", endpoint.name)));
    }
    Ok(())
}

/// Runs `sql` with `?1` = `first` (the app for an insert, the endpoint for an update) and `?2`…`?9`
/// the endpoint's fields, in the one order both statements use.
fn write_endpoint(conn: &Connection, sql: &str, first: i64, endpoint: &Endpoint) -> Result<usize> {
    conn.execute(
        sql,
        params![
            first,
            endpoint.name.trim(),
            endpoint.purpose.code(),
            endpoint.method.as_str(),
            endpoint.url.trim(),
            endpoint.headers,
            body_kind_code(endpoint.body_kind),
            endpoint.body,
            mapping_json(endpoint),
        ],
    )
    .map_err(|e| map_unique(e, "An endpoint", endpoint.name.trim()))
}

/// The id of the endpoint named `name` in an app, if there is one.
pub(super) fn endpoint_id_by_name(conn: &Connection, app_id: i64, name: &str) -> Result<Option<i64>> {
    Ok(conn
        .query_row("SELECT id FROM endpoints WHERE app_id = ?1 AND name = ?2", params![app_id, name.trim()], |r| {
            r.get(0)
        })
        .optional()?)
}

fn mapping_json(endpoint: &Endpoint) -> String {
    serde_json::to_string(&endpoint.mapping).expect("a struct of strings always serializes")
}

/// The endpoints of one app, by name. Used by the store and inside its transactions.
pub(super) fn endpoints_of(conn: &Connection, app_id: i64) -> Result<Vec<Endpoint>> {
    // Sorted here rather than by `ORDER BY name COLLATE NOCASE, id`: SQLite's sorter copied every
    // whole row (headers, body, mapping) to sort 10,000 of them, a third of the query's time.
    let mut stmt = conn.prepare_cached(&format!("{SELECT} WHERE app_id = ?1"))?;
    let rows = stmt.query_map([app_id], row_to_endpoint)?.collect::<rusqlite::Result<Vec<_>>>()?;
    let mut endpoints = rows.into_iter().collect::<Result<Vec<_>>>()?;
    endpoints.sort_by(|a, b| nocase(&a.name).cmp(nocase(&b.name)).then(a.id.cmp(&b.id)));
    Ok(endpoints)
}

/// A name as SQLite's NOCASE collation compares it: ASCII letters folded, every other byte as it is
/// (https://sqlite.org/datatype3.html#collating_sequences).
fn nocase(name: &str) -> impl Iterator<Item = u8> + '_ {
    name.bytes().map(|b| b.to_ascii_lowercase())
}

impl Store {
    /// The endpoints of one app, by name.
    pub fn endpoints(&self, app_id: i64) -> Result<Vec<Endpoint>> {
        endpoints_of(&self.conn, app_id)
    }

    pub fn endpoint(&self, id: i64) -> Result<Endpoint> {
        self.conn
            .query_row(&format!("{SELECT} WHERE id = ?1"), [id], row_to_endpoint)
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("endpoint {id}")))?
    }

    /// The names of the authorizations that use an endpoint.
    pub fn endpoint_users(&self, endpoint_id: i64) -> Result<Vec<String>> {
        endpoint_users(&self.conn, endpoint_id)
    }

    /// Inserts a new endpoint for `endpoint.app_id`; returns its id.
    pub fn insert_endpoint(&mut self, endpoint: &Endpoint) -> Result<i64> {
        insert_endpoint(&self.conn, endpoint)
    }

    pub fn update_endpoint(&mut self, endpoint: &Endpoint) -> Result<()> {
        update_endpoint(&self.conn, endpoint)
    }

    /// Deletes an endpoint; refused, naming them, while authorizations use it.
    pub fn delete_endpoint(&mut self, id: i64) -> Result<()> {
        // Checked and deleted under the write lock: no authorization can start using it in between.
        let tx = super::write(&mut self.conn)?;
        let users = endpoint_users(&tx, id)?;
        if !users.is_empty() {
            let endpoint: Option<String> =
                tx.query_row("SELECT name FROM endpoints WHERE id = ?1", [id], |r| r.get(0)).optional()?;
            let endpoint = endpoint.ok_or_else(|| StoreError::NotFound(format!("endpoint {id}")))?;
            return Err(StoreError::EndpointInUse { endpoint, users });
        }
        tx.execute("DELETE FROM endpoints WHERE id = ?1", [id])?;
        tx.commit()?;
        Ok(())
    }
}

fn endpoint_users(conn: &Connection, endpoint_id: i64) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT name FROM authorizations WHERE ?1 IN (token_endpoint_id, userinfo_endpoint_id, device_endpoint_id,
            revocation_endpoint_id, introspection_endpoint_id, jwks_endpoint_id, refresh_endpoint_id) ORDER BY name",
    )?;
    let names = stmt.query_map([endpoint_id], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(names)
}
