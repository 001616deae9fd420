//! Export and import: the whole of an app (or all apps) to the export format and back. An import is
//! one transaction: a file with any error changes nothing.

use std::collections::HashMap;

use rusqlite::{OptionalExtension, params};

use super::{Result, Store, StoreError};
use crate::model::transfer::{AppExport, AuthorizationExport, EndpointExport, ExportFile, FORMAT_VERSION};
use crate::model::{ApiKeyConfig, AuthConfig, BasicConfig, Endpoint, OAuth2Config};

/// What an import did, for the message.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub apps: usize,
    pub endpoints: usize,
    pub authorizations: usize,
}

impl std::fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Imported {} app(s), {} endpoint(s) and {} authorization(s).",
            self.apps, self.endpoints, self.authorizations
        )
    }
}

impl Store {
    /// The apps (all, or the one named) as an export file; secrets are null unless `include_secrets`.
    pub fn export(&self, app: Option<&str>, include_secrets: bool) -> Result<ExportFile> {
        let apps = self.apps()?;
        let selected: Vec<_> = apps.into_iter().filter(|a| app.is_none_or(|name| a.name == name)).collect();
        if let (Some(name), true) = (app, selected.is_empty()) {
            return Err(StoreError::NotFound(format!("app \"{name}\"")));
        }
        let mut out = Vec::new();
        for app in selected {
            let endpoints = self.endpoints(app.id)?;
            let names: HashMap<i64, String> = endpoints.iter().map(|e| (e.id, e.name.clone())).collect();
            let name_of = |id: Option<i64>| id.and_then(|id| names.get(&id).cloned());
            let authorizations = self
                .authorizations(app.id)?
                .into_iter()
                .map(|a| match a.config {
                    AuthConfig::ApiKey(c) => AuthorizationExport::ApiKey {
                        name: a.name,
                        placement: c.placement,
                        param_name: c.param_name,
                        value_template: c.value_template,
                        key_label: c.key_label,
                        userinfo_endpoint: name_of(c.userinfo_endpoint),
                    },
                    AuthConfig::Basic(c) => AuthorizationExport::Basic {
                        name: a.name,
                        username_label: c.username_label,
                        password_label: c.password_label,
                        userinfo_endpoint: name_of(c.userinfo_endpoint),
                    },
                    AuthConfig::OAuth2(c) => AuthorizationExport::OAuth2 {
                        name: a.name,
                        client_id: c.client_id,
                        client_secret: include_secrets.then_some(c.client_secret),
                        authorization_uri: c.authorization_uri,
                        scopes: c.scopes,
                        token_endpoint: name_of(c.token_endpoint),
                        userinfo_endpoint: name_of(c.userinfo_endpoint),
                        redirect_uri: c.redirect_uri,
                        client_auth: c.client_auth,
                        pkce: c.pkce,
                    },
                })
                .collect();
            let endpoints = endpoints
                .into_iter()
                .map(|e| EndpointExport {
                    headers: e.header_lines().into_iter().map(|(k, v)| format!("{k}: {v}")).collect(),
                    name: e.name,
                    purpose: e.purpose,
                    method: e.method,
                    url: e.url,
                    body_kind: e.body_kind,
                    body: e.body,
                    response: e.mapping,
                })
                .collect();
            out.push(AppExport { name: app.name, description: app.description, endpoints, authorizations });
        }
        Ok(ExportFile { version: FORMAT_VERSION, apps: out })
    }

    /// Creates or updates, by name, the apps, endpoints and authorizations of `file`, in one
    /// transaction. Any problem rolls everything back; the message names where in the file it is.
    pub fn import(&mut self, file: &ExportFile) -> std::result::Result<ImportSummary, String> {
        let tx = self.conn.transaction().map_err(|e| e.to_string())?;
        let mut summary = ImportSummary::default();
        for (i, app) in file.apps.iter().enumerate() {
            let at = format!("apps[{i}]");
            import_app(&tx, app, &at, &mut summary)?;
        }
        tx.commit().map_err(|e| e.to_string())?;
        Ok(summary)
    }
}

fn db(at: &str) -> impl Fn(rusqlite::Error) -> String + '_ {
    move |e| format!("At {at}: {e}")
}

fn import_app(
    tx: &rusqlite::Transaction<'_>,
    app: &AppExport,
    at: &str,
    summary: &mut ImportSummary,
) -> std::result::Result<(), String> {
    if app.name.trim().is_empty() {
        return Err(format!("At {at}.name: an app needs a name."));
    }
    let existing: Option<i64> = tx
        .query_row("SELECT id FROM apps WHERE name = ?1", [app.name.trim()], |r| r.get(0))
        .optional()
        .map_err(db(at))?;
    let app_id = match existing {
        Some(id) => {
            tx.execute("UPDATE apps SET description = ?2 WHERE id = ?1", params![id, app.description])
                .map_err(db(at))?;
            id
        }
        None => {
            tx.execute(
                "INSERT INTO apps (name, description) VALUES (?1, ?2)",
                params![app.name.trim(), app.description],
            )
            .map_err(db(at))?;
            tx.last_insert_rowid()
        }
    };
    summary.apps += 1;

    let mut endpoint_ids: HashMap<String, i64> = HashMap::new();
    for (j, e) in app.endpoints.iter().enumerate() {
        let at = format!("{at}.endpoints[{j}]");
        let endpoint = Endpoint {
            id: 0,
            app_id,
            name: e.name.trim().to_owned(),
            purpose: e.purpose,
            method: e.method.to_uppercase(),
            url: e.url.clone(),
            headers: e.headers.join("\n"),
            body_kind: e.body_kind,
            body: e.body.clone(),
            mapping: e.response.clone(),
        };
        if let Some(problem) = endpoint.validate().first() {
            return Err(format!("At {at}.{}: {}", problem.field, problem.message));
        }
        let mapping = serde_json::to_string(&endpoint.mapping).map_err(|e| e.to_string())?;
        tx.execute(
            "INSERT INTO endpoints (app_id, name, purpose, method, url, headers, body_kind, body, mapping)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (app_id, name) DO UPDATE SET purpose = excluded.purpose, method = excluded.method,
               url = excluded.url, headers = excluded.headers, body_kind = excluded.body_kind, body = excluded.body,
               mapping = excluded.mapping",
            params![
                app_id,
                endpoint.name,
                endpoint.purpose.code(),
                endpoint.method,
                endpoint.url,
                endpoint.headers,
                super::endpoints::body_kind_code(endpoint.body_kind),
                endpoint.body,
                mapping
            ],
        )
        .map_err(db(&at))?;
        let id: i64 = tx
            .query_row(
                "SELECT id FROM endpoints WHERE app_id = ?1 AND name = ?2",
                params![app_id, endpoint.name],
                |r| r.get(0),
            )
            .map_err(db(&at))?;
        endpoint_ids.insert(endpoint.name, id);
        summary.endpoints += 1;
    }

    for (j, a) in app.authorizations.iter().enumerate() {
        let at = format!("{at}.authorizations[{j}]");
        import_authorization(tx, app_id, a, &at, &endpoint_ids)?;
        summary.authorizations += 1;
    }
    Ok(())
}

fn import_authorization(
    tx: &rusqlite::Transaction<'_>,
    app_id: i64,
    a: &AuthorizationExport,
    at: &str,
    endpoint_ids: &HashMap<String, i64>,
) -> std::result::Result<(), String> {
    let name = a.name().trim();
    if name.is_empty() {
        return Err(format!("At {at}.name: an authorization needs a name."));
    }
    let existing: Option<(i64, String, String)> = tx
        .query_row(
            "SELECT id, kind, config FROM authorizations WHERE app_id = ?1 AND name = ?2",
            params![app_id, name],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .map_err(db(at))?;
    // Endpoints are named; they must be in the file or already in this app.
    let resolve = |field: &str, endpoint: &Option<String>| -> std::result::Result<Option<i64>, String> {
        let Some(endpoint) = endpoint.as_deref().map(str::trim).filter(|e| !e.is_empty()) else { return Ok(None) };
        if let Some(id) = endpoint_ids.get(endpoint) {
            return Ok(Some(*id));
        }
        tx.query_row("SELECT id FROM endpoints WHERE app_id = ?1 AND name = ?2", params![app_id, endpoint], |r| {
            r.get(0)
        })
        .optional()
        .map_err(db(at))?
        .map(Some)
        .ok_or_else(|| {
            format!("At {at}.{field}: no endpoint named \"{endpoint}\" in this app; add it under \"endpoints\".")
        })
    };
    let config = match a {
        AuthorizationExport::ApiKey { placement, param_name, value_template, key_label, userinfo_endpoint, .. } => {
            AuthConfig::ApiKey(ApiKeyConfig {
                placement: *placement,
                param_name: param_name.clone(),
                value_template: value_template.clone(),
                key_label: key_label.clone(),
                userinfo_endpoint: resolve("userinfo_endpoint", userinfo_endpoint)?,
            })
        }
        AuthorizationExport::Basic { username_label, password_label, userinfo_endpoint, .. } => {
            AuthConfig::Basic(BasicConfig {
                username_label: username_label.clone(),
                password_label: password_label.clone(),
                userinfo_endpoint: resolve("userinfo_endpoint", userinfo_endpoint)?,
            })
        }
        AuthorizationExport::OAuth2 {
            client_id,
            client_secret,
            authorization_uri,
            scopes,
            token_endpoint,
            userinfo_endpoint,
            redirect_uri,
            client_auth,
            pkce,
            ..
        } => {
            // A secret left out of the export (null) keeps the one stored here, if any.
            let stored_secret = existing
                .as_ref()
                .filter(|(_, kind, _)| kind == "oauth2")
                .and_then(|(_, _, config)| serde_json::from_str::<OAuth2Config>(config).ok())
                .map(|c| c.client_secret)
                .unwrap_or_default();
            AuthConfig::OAuth2(OAuth2Config {
                client_id: client_id.clone(),
                client_secret: client_secret.clone().unwrap_or(stored_secret),
                authorization_uri: authorization_uri.clone(),
                scopes: scopes.clone(),
                token_endpoint: resolve("token_endpoint", token_endpoint)?,
                userinfo_endpoint: resolve("userinfo_endpoint", userinfo_endpoint)?,
                redirect_uri: redirect_uri.clone(),
                client_auth: *client_auth,
                pkce: *pkce,
            })
        }
    };
    // A secret may rightly be missing from an export; everything else must be as the form demands.
    if let Some(problem) = config.validate().into_iter().find(|p| p.field != "client_secret") {
        return Err(format!("At {at}.{}: {}", problem.field, problem.message));
    }
    let (token, userinfo) = config.endpoint_ids();
    let json = config.to_json().to_string();
    match existing {
        Some((id, ..)) => tx.execute(
            "UPDATE authorizations SET kind = ?2, config = ?3, token_endpoint_id = ?4, userinfo_endpoint_id = ?5,
               updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?1",
            params![id, config.kind().code(), json, token, userinfo],
        ),
        None => tx.execute(
            "INSERT INTO authorizations (app_id, kind, name, config, token_endpoint_id, userinfo_endpoint_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![app_id, config.kind().code(), name, json, token, userinfo],
        ),
    }
    .map_err(db(at))?;
    Ok(())
}
