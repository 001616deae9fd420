//! Adding a provider preset to an app: its endpoints and authorization, in one transaction,
//! under names the app doesn't use yet (a preset never overwrites what the user made).

use rusqlite::params;

use super::Store;
use super::transfer::{ImportError, import_authorization, import_endpoint};
use crate::model::preset::AppliedPreset;
use crate::model::transfer::AuthorizationExport;

/// What adding a preset made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddedPreset {
    pub authorization_id: i64,
    pub authorization_name: String,
    /// The endpoints' names, as created.
    pub endpoints: Vec<String>,
}

/// `base`, or `base 2`, `base 3`… whichever no name in `taken` is.
fn free_name(base: &str, taken: &[String]) -> String {
    std::iter::once(base.to_owned())
        .chain((2..).map(|n| format!("{base} {n}")))
        .find(|candidate| !taken.iter().any(|t| t == candidate))
        .unwrap_or_else(|| base.to_owned())
}

impl Store {
    /// Adds an applied preset to the app `app_id` with the client's credentials. Endpoints and the
    /// authorization whose names the app already uses get the next free name (`Slack token 2`),
    /// and the authorization refers to them by those.
    pub fn add_preset(
        &mut self,
        app_id: i64,
        applied: &AppliedPreset,
        client_id: &str,
        client_secret: Option<&str>,
    ) -> Result<AddedPreset, ImportError> {
        let tx = super::write(&mut self.conn)?;
        let names = |sql: &str| -> rusqlite::Result<Vec<String>> {
            let mut stmt = tx.prepare(sql)?;
            let rows = stmt.query_map(params![app_id], |r| r.get(0))?;
            rows.collect()
        };
        let mut taken_endpoints = names("SELECT name FROM endpoints WHERE app_id = ?1")?;
        let taken_authorizations = names("SELECT name FROM authorizations WHERE app_id = ?1")?;

        let mut renamed = Vec::new();
        let mut endpoints = Vec::new();
        for (i, endpoint) in applied.endpoints.iter().enumerate() {
            let name = free_name(&endpoint.name, &taken_endpoints);
            taken_endpoints.push(name.clone());
            renamed.push((endpoint.name.clone(), name.clone()));
            let endpoint = crate::model::transfer::EndpointExport { name, ..endpoint.clone() };
            let (name, _) = import_endpoint(&tx, app_id, &endpoint, &format!("endpoints[{i}]"))?;
            endpoints.push(name);
        }
        let new_name = |old: &Option<String>| {
            old.as_ref()
                .map(|o| renamed.iter().find(|(from, _)| from == o).map_or_else(|| o.clone(), |(_, to)| to.clone()))
        };
        let mut authorization = applied.authorization.clone();
        let base_name = authorization.name().to_owned();
        let authorization_name = free_name(&base_name, &taken_authorizations);
        match &mut authorization {
            AuthorizationExport::OAuth2(a) => {
                a.name = authorization_name.clone();
                a.client_id = client_id.trim().to_owned();
                a.client_secret = client_secret.map(str::to_owned);
                a.token_endpoint = new_name(&a.token_endpoint);
                a.userinfo_endpoint = new_name(&a.userinfo_endpoint);
                a.refresh_endpoint = new_name(&a.refresh_endpoint);
            }
            AuthorizationExport::ApiKey(a) => {
                a.name = authorization_name.clone();
                a.userinfo_endpoint = new_name(&a.userinfo_endpoint);
            }
            AuthorizationExport::Basic(a) => {
                a.name = authorization_name.clone();
                a.userinfo_endpoint = new_name(&a.userinfo_endpoint);
            }
        }
        let ids = endpoints
            .iter()
            .filter_map(|n| {
                super::endpoints::endpoint_id_by_name(&tx, app_id, n).ok().flatten().map(|id| (n.clone(), id))
            })
            .collect();
        import_authorization(&tx, &mut self.vault, app_id, &authorization, "authorization", &ids)?;
        let authorization_id: i64 = tx.query_row(
            "SELECT id FROM authorizations WHERE app_id = ?1 AND name = ?2",
            params![app_id, authorization_name],
            |r| r.get(0),
        )?;
        tx.commit()?;
        Ok(AddedPreset { authorization_id, authorization_name, endpoints })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AuthConfig;
    use std::collections::BTreeMap;

    #[test]
    fn a_preset_added_twice_gets_new_names_and_keeps_the_first() {
        let mut store = Store::open_in_memory().unwrap();
        let app = store.create_app("Connectors").unwrap();
        let preset = crate::model::preset::find("figma").unwrap();
        let applied = preset.apply(&BTreeMap::new(), "http://127.0.0.1:8976/callback").unwrap();
        let first = store.add_preset(app.id, &applied, "figma-client", Some("fake-secret")).unwrap();
        let second = store.add_preset(app.id, &applied, "other-client", None).unwrap();
        assert_eq!(first.authorization_name, "Figma");
        assert_eq!(second.authorization_name, "Figma 2");
        assert_eq!(second.endpoints, ["Figma token 2", "Figma refresh 2", "Figma me 2"]);
        // The app's own API-Key authorization, then the two presets'.
        let auths = store.authorizations(app.id).unwrap();
        let oauth: Vec<_> =
            auths.iter().filter_map(|a| if let AuthConfig::OAuth2(c) = &a.config { Some(c) } else { None }).collect();
        let [one, two] = oauth[..] else { panic!("{auths:?}") };
        assert_eq!((one.client_id.as_str(), one.client_secret.as_str()), ("figma-client", "fake-secret"));
        assert_eq!(two.client_id, "other-client");
        let endpoint_name = |id: Option<i64>| store.endpoint(id.unwrap()).unwrap().name;
        assert_eq!(endpoint_name(one.refresh_endpoint), "Figma refresh");
        assert_eq!(endpoint_name(two.refresh_endpoint), "Figma refresh 2");
        assert_eq!(endpoint_name(two.token_endpoint), "Figma token 2");
        assert_eq!(store.endpoints(app.id).unwrap().len(), 6);
    }
}
