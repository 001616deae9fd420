//! Saving what discovery found: the endpoints it creates or updates, and the authorization it fills
//! in, in one transaction.

use rusqlite::{Connection, OptionalExtension};

use super::{Result, Store, StoreError, authorizations, endpoints};
use crate::model::discovery::{DiscoveryPlan, EndpointChange};
use crate::model::{AuthConfig, EndpointPurpose, OAuth2Config};

/// Creates or updates the planned endpoints of an app; the id each purpose now has.
fn write_endpoints(conn: &Connection, app_id: i64, plan: &DiscoveryPlan) -> Result<Vec<(EndpointPurpose, i64)>> {
    let existing = endpoints::endpoints_of(conn, app_id)?;
    let mut ids = Vec::new();
    for planned in &plan.endpoints {
        let id = match &planned.change {
            EndpointChange::Keep { id, .. } => *id,
            EndpointChange::Update { id, name, .. } => {
                let endpoint = plan
                    .endpoint_to_write(planned, app_id, &existing)
                    .ok_or_else(|| StoreError::NotFound(format!("endpoint \"{name}\"")))?;
                endpoints::update_endpoint(conn, &endpoint)?;
                *id
            }
            EndpointChange::Create { name } => {
                let endpoint = plan
                    .endpoint_to_write(planned, app_id, &existing)
                    .ok_or_else(|| StoreError::NotFound(format!("endpoint \"{name}\"")))?;
                endpoints::insert_endpoint(conn, &endpoint)?
            }
        };
        ids.push((planned.purpose, id));
    }
    Ok(ids)
}

impl Store {
    /// Creates or updates the endpoints discovery planned for an app (the form's discovery key):
    /// the id each purpose now has, to put in the form.
    pub fn save_discovered_endpoints(
        &mut self,
        app_id: i64,
        plan: &DiscoveryPlan,
    ) -> Result<Vec<(EndpointPurpose, i64)>> {
        let tx = super::write(&mut self.conn)?;
        let ids = write_endpoints(&tx, app_id, plan)?;
        tx.commit()?;
        Ok(ids)
    }

    /// Saves an OAuth 2.0 authorization filled in by discovery (`authdeck discover --name`): the
    /// planned endpoints, then the authorization `config` with the plan applied, inserted (or
    /// written over `existing`), all in one transaction. Its id.
    pub fn save_discovered_authorization(
        &mut self,
        app_id: i64,
        name: &str,
        existing: Option<i64>,
        mut config: OAuth2Config,
        plan: &DiscoveryPlan,
    ) -> Result<i64> {
        let tx = super::write(&mut self.conn)?;
        let ids = write_endpoints(&tx, app_id, plan)?;
        plan.apply(&mut config, &ids);
        let config = AuthConfig::OAuth2(config);
        let id = match existing {
            Some(id) => {
                // A secret that can't be opened here stays as it is sealed (a key found later opens it).
                let stored: Option<String> =
                    tx.query_row("SELECT config FROM authorizations WHERE id = ?1", [id], |r| r.get(0)).optional()?;
                let keep = authorizations::KeptSealed {
                    secret: stored.as_deref().and_then(super::seal::stored_sealed_secret),
                    key: stored.as_deref().and_then(|c| super::seal::stored_sealed(c, super::seal::SEALED_KEY_FIELD)),
                };
                let column = authorizations::config_column(&tx, &mut self.vault, &config, keep)?;
                authorizations::update_authorization(&tx, id, name, &config, &column)?;
                id
            }
            None => authorizations::insert_authorization(&tx, &mut self.vault, app_id, name, &config)?,
        };
        tx.commit()?;
        Ok(id)
    }
}
