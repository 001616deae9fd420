//! Endpoints: typed reads and writes, and who uses each one.

use rusqlite::{OptionalExtension, params};

use super::{Result, Store, StoreError, map_unique};
use crate::model::{BodyKind, Endpoint, EndpointPurpose};

const SELECT: &str = "SELECT id, app_id, name, purpose, method, url, headers, body_kind, body, mapping FROM endpoints";

fn row_to_endpoint(row: &rusqlite::Row<'_>) -> rusqlite::Result<Endpoint> {
    let purpose: String = row.get(3)?;
    let body_kind: String = row.get(7)?;
    let mapping: String = row.get(9)?;
    Ok(Endpoint {
        id: row.get(0)?,
        app_id: row.get(1)?,
        name: row.get(2)?,
        purpose: EndpointPurpose::from_code(&purpose).unwrap_or_default(),
        method: row.get(4)?,
        url: row.get(5)?,
        headers: row.get(6)?,
        body_kind: if body_kind == "json" { BodyKind::Json } else { BodyKind::Form },
        body: row.get(8)?,
        mapping: serde_json::from_str(&mapping).unwrap_or_default(),
    })
}

pub(super) fn body_kind_code(kind: BodyKind) -> &'static str {
    match kind {
        BodyKind::Form => "form",
        BodyKind::Json => "json",
    }
}

impl Store {
    /// The endpoints of one app, by name.
    pub fn endpoints(&self, app_id: i64) -> Result<Vec<Endpoint>> {
        let mut stmt =
            self.conn.prepare_cached(&format!("{SELECT} WHERE app_id = ?1 ORDER BY name COLLATE NOCASE, id"))?;
        let rows = stmt.query_map([app_id], row_to_endpoint)?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    pub fn endpoint(&self, id: i64) -> Result<Endpoint> {
        self.conn
            .query_row(&format!("{SELECT} WHERE id = ?1"), [id], row_to_endpoint)
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("endpoint {id}")))
    }

    /// The names of the authorizations that use an endpoint.
    pub fn endpoint_users(&self, endpoint_id: i64) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT name FROM authorizations WHERE token_endpoint_id = ?1 OR userinfo_endpoint_id = ?1 ORDER BY name",
        )?;
        let names = stmt.query_map([endpoint_id], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(names)
    }

    /// Inserts a new endpoint for `endpoint.app_id`; returns its id.
    pub fn insert_endpoint(&mut self, endpoint: &Endpoint) -> Result<i64> {
        self.conn
            .execute(
                "INSERT INTO endpoints (app_id, name, purpose, method, url, headers, body_kind, body, mapping)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    endpoint.app_id,
                    endpoint.name.trim(),
                    endpoint.purpose.code(),
                    endpoint.method,
                    endpoint.url.trim(),
                    endpoint.headers,
                    body_kind_code(endpoint.body_kind),
                    endpoint.body,
                    serde_json::to_string(&endpoint.mapping).unwrap_or_else(|_| "{}".into()),
                ],
            )
            .map_err(|e| map_unique(e, "An endpoint", endpoint.name.trim()))?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn update_endpoint(&mut self, endpoint: &Endpoint) -> Result<()> {
        let changed = self
            .conn
            .execute(
                "UPDATE endpoints SET name = ?2, purpose = ?3, method = ?4, url = ?5, headers = ?6, body_kind = ?7,
                    body = ?8, mapping = ?9 WHERE id = ?1",
                params![
                    endpoint.id,
                    endpoint.name.trim(),
                    endpoint.purpose.code(),
                    endpoint.method,
                    endpoint.url.trim(),
                    endpoint.headers,
                    body_kind_code(endpoint.body_kind),
                    endpoint.body,
                    serde_json::to_string(&endpoint.mapping).unwrap_or_else(|_| "{}".into()),
                ],
            )
            .map_err(|e| map_unique(e, "An endpoint", endpoint.name.trim()))?;
        if changed == 0 {
            return Err(StoreError::NotFound(format!("endpoint \"{}\"", endpoint.name)));
        }
        Ok(())
    }

    /// Deletes an endpoint; refused, naming them, while authorizations use it.
    pub fn delete_endpoint(&mut self, id: i64) -> Result<()> {
        let users = self.endpoint_users(id)?;
        if !users.is_empty() {
            let endpoint = self.endpoint(id)?.name;
            return Err(StoreError::EndpointInUse { endpoint, users });
        }
        self.conn.execute("DELETE FROM endpoints WHERE id = ?1", [id])?;
        Ok(())
    }
}
