//! Apps: list, create (with their default API-Key authorization), rename, delete.

use rusqlite::{OptionalExtension, params};

use super::{Result, Store, StoreError, authorizations, map_unique};
use crate::model::app::FIRST_APP_NAME;
use crate::model::{App, AuthConfig, AuthKind};

/// The name of the API-Key authorization every new app gets.
pub const DEFAULT_AUTHORIZATION_NAME: &str = "API-Key";

fn row_to_app(row: &rusqlite::Row<'_>) -> rusqlite::Result<App> {
    Ok(App { id: row.get(0)?, name: row.get(1)?, description: row.get(2)? })
}

impl Store {
    /// Every app, by name.
    pub fn apps(&self) -> Result<Vec<App>> {
        let mut stmt =
            self.conn.prepare_cached("SELECT id, name, description FROM apps ORDER BY name COLLATE NOCASE, id")?;
        let apps = stmt.query_map([], row_to_app)?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(apps)
    }

    pub fn app_by_name(&self, name: &str) -> Result<Option<App>> {
        Ok(self
            .conn
            .query_row("SELECT id, name, description FROM apps WHERE name = ?1", [name], row_to_app)
            .optional()?)
    }

    /// Creates an app and its default API-Key authorization, in one transaction.
    pub fn create_app(&mut self, name: &str) -> Result<App> {
        let name = name.trim();
        crate::model::name_problem(name).map_err(|m| StoreError::Invalid(format!("The app's name: {m}")))?;
        let tx = super::write(&mut self.conn)?;
        tx.execute("INSERT INTO apps (name) VALUES (?1)", [name]).map_err(|e| map_unique(e, "An app", name))?;
        let id = tx.last_insert_rowid();
        let config = AuthConfig::new_of_kind(AuthKind::ApiKey);
        authorizations::insert_authorization(&tx, &mut self.vault, id, DEFAULT_AUTHORIZATION_NAME, &config)?;
        tx.commit()?;
        Ok(App { id, name: name.to_owned(), description: String::new() })
    }

    pub fn rename_app(&mut self, id: i64, name: &str) -> Result<()> {
        let name = name.trim();
        crate::model::name_problem(name).map_err(|m| StoreError::Invalid(format!("The app's name: {m}")))?;
        let changed = self
            .conn
            .execute("UPDATE apps SET name = ?1 WHERE id = ?2", params![name, id])
            .map_err(|e| map_unique(e, "An app", name))?;
        if changed == 0 {
            return Err(StoreError::NotFound(format!("app {id}")));
        }
        Ok(())
    }

    /// Deletes an app with its authorizations, endpoints, connections and test runs.
    pub fn delete_app(&mut self, id: i64) -> Result<()> {
        let tx = super::write(&mut self.conn)?;
        // Authorizations go first: they refer to the endpoints, which refuse to go while used.
        tx.execute("DELETE FROM authorizations WHERE app_id = ?1", [id])?;
        tx.execute("DELETE FROM endpoints WHERE app_id = ?1", [id])?;
        tx.execute("DELETE FROM apps WHERE id = ?1", [id])?;
        tx.commit()?;
        Ok(())
    }

    pub fn count_authorizations(&self, app_id: i64) -> Result<usize> {
        let n: i64 =
            self.conn.query_row("SELECT count(*) FROM authorizations WHERE app_id = ?1", [app_id], |r| r.get(0))?;
        Ok(n as usize)
    }

    /// How many authorizations each app has, by app id (apps without any are left out).
    pub fn authorization_counts(&self) -> Result<std::collections::HashMap<i64, usize>> {
        let mut stmt = self.conn.prepare_cached("SELECT app_id, count(*) FROM authorizations GROUP BY app_id")?;
        let counts = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)? as usize)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(counts)
    }

    /// The apps, creating "My App" first when there are none (the first start).
    pub fn apps_or_first(&mut self) -> Result<Vec<App>> {
        let apps = self.apps()?;
        if !apps.is_empty() {
            return Ok(apps);
        }
        self.create_app(FIRST_APP_NAME)?;
        self.apps()
    }
}
