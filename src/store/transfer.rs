//! Export and import: the whole of an app (or all apps) to the export format (JSON) and back. An
//! import is one transaction: a file with any error changes nothing. The TUI and the command line
//! both use [`Store::export_json`] and [`Store::import_json`], and get a [`TransferError`].

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};

use super::seal::{self, Vault};
use super::{Result, Store, StoreError, authorizations, endpoints};
use crate::model::transfer::{
    ApiKeyExport, AppExport, AuthorizationExport, BasicExport, EndpointExport, ExportFile, FORMAT_VERSION,
    OAuth2Export, authorization_problem, endpoint_problem,
};
use crate::model::{
    ApiKeyConfig, AuthConfig, AuthField, AuthKind, BasicConfig, Endpoint, Method, OAuth2Config, OAuth2Field, Problem,
};

/// What an import did, for the message.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub apps: usize,
    pub endpoints: usize,
    pub authorizations: usize,
    /// The names of the apps created or updated, in the file's order.
    pub app_names: Vec<String>,
    /// What was imported but looks wrong (a user information endpoint as the token endpoint).
    pub warnings: Vec<String>,
}

/// Why an export or an import could not be done.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    /// The text is not an authdeck export this binary reads; the message names the JSON path.
    #[error("{0}")]
    Unreadable(String),
    /// The file reads, but a value in it can't be imported (or the database failed).
    // Not a #[source]: the message holds it already, and an error chain would print it twice.
    #[error("{0} Nothing was imported.")]
    Import(ImportError),
    #[error("No app named \"{name}\". The apps here: {}.", quoted(apps))]
    NoSuchApp { name: String, apps: Vec<String> },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<ImportError> for TransferError {
    fn from(e: ImportError) -> Self {
        TransferError::Import(e)
    }
}

fn quoted(names: &[String]) -> String {
    names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
}

impl std::fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Imported {} app(s), {} endpoint(s) and {} authorization(s).",
            self.apps, self.endpoints, self.authorizations
        )?;
        for warning in &self.warnings {
            write!(f, "\nWarning: {warning}")?;
        }
        Ok(())
    }
}

/// Why an import changed nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A value in the file that can't be imported; `path` is its JSON path (`apps[0].endpoints[1].url`).
    #[error("At {path}: {message}")]
    Invalid { path: String, message: String },
    /// The database failed; `path` is the part of the file being written, if any.
    #[error("{}{source}", .path.as_ref().map(|p| format!("At {p}: ")).unwrap_or_default())]
    Database {
        path: Option<String>,
        #[source]
        source: StoreError,
    },
}

impl From<rusqlite::Error> for ImportError {
    fn from(e: rusqlite::Error) -> Self {
        ImportError::Database { path: None, source: e.into() }
    }
}

type ImportResult<T> = std::result::Result<T, ImportError>;

fn invalid(path: impl Into<String>, message: impl Into<String>) -> ImportError {
    ImportError::Invalid { path: path.into(), message: message.into() }
}

/// Locates a database error at the part of the file being written.
fn at<E: Into<StoreError>>(path: &str) -> impl Fn(E) -> ImportError + '_ {
    move |e| ImportError::Database { path: Some(path.to_owned()), source: e.into() }
}

impl Store {
    /// The apps (all, or the one named) as the export file's pretty JSON; secrets are null unless
    /// `include_secrets`.
    pub fn export_json(&self, app: Option<&str>, include_secrets: bool) -> std::result::Result<String, TransferError> {
        if let Some(name) = app
            && self.app_by_name(name)?.is_none()
        {
            let apps = self.apps()?.into_iter().map(|a| a.name).collect();
            return Err(TransferError::NoSuchApp { name: name.to_owned(), apps });
        }
        let file = self.export(app, include_secrets)?;
        Ok(serde_json::to_string_pretty(&file).expect("an export file (strings, numbers, lists) always serializes")
            + "\n")
    }

    /// Imports an export file's text: creates or updates, by name, what it holds.
    pub fn import_json(&mut self, text: &str) -> std::result::Result<ImportSummary, TransferError> {
        let file = crate::model::transfer::parse(text).map_err(TransferError::Unreadable)?;
        Ok(self.import(&file)?)
    }

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
                    AuthConfig::ApiKey(c) => AuthorizationExport::ApiKey(ApiKeyExport {
                        name: a.name,
                        placement: c.placement,
                        param_name: c.param_name,
                        value_template: c.value_template,
                        key_label: c.key_label,
                        userinfo_endpoint: name_of(c.userinfo_endpoint),
                    }),
                    AuthConfig::Basic(c) => AuthorizationExport::Basic(BasicExport {
                        name: a.name,
                        username_label: c.username_label,
                        password_label: c.password_label,
                        userinfo_endpoint: name_of(c.userinfo_endpoint),
                    }),
                    AuthConfig::OAuth2(c) => AuthorizationExport::OAuth2(OAuth2Export {
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
                        refresh_endpoint: name_of(c.refresh_endpoint),
                        keep: c.keep,
                        callback_signature: c.callback_signature,
                        grant: c.grant,
                        issuer: c.issuer,
                        device_endpoint: name_of(c.device_endpoint),
                        revocation_endpoint: name_of(c.revocation_endpoint),
                        introspection_endpoint: name_of(c.introspection_endpoint),
                        jwks_endpoint: name_of(c.jwks_endpoint),
                        response_mode: c.response_mode,
                        client_key: (include_secrets || !key_is_pasted(&c.client_key)).then_some(c.client_key),
                        key_id: c.key_id,
                        signing_alg: c.signing_alg,
                        assertion_audience: c.assertion_audience,
                        client_certificate: c.client_certificate,
                        par: c.par,
                        par_endpoint: c.par_endpoint,
                        dpop: c.dpop,
                    }),
                })
                .collect();
            let endpoints = endpoints
                .into_iter()
                .map(|e| EndpointExport {
                    headers: e.header_lines().into_iter().map(|(k, v)| format!("{k}: {v}")).collect(),
                    name: e.name,
                    purpose: e.purpose,
                    method: e.method.as_str().to_owned(),
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
    /// transaction. Any problem rolls everything back; the error names where in the file it is.
    pub fn import(&mut self, file: &ExportFile) -> ImportResult<ImportSummary> {
        check_duplicates(file)?;
        let tx = super::write(&mut self.conn)?;
        let mut summary = ImportSummary::default();
        for (i, app) in file.apps.iter().enumerate() {
            import_app(&tx, &mut self.vault, app, &format!("apps[{i}]"), &mut summary)?;
        }
        tx.commit()?;
        Ok(summary)
    }
}

/// Refuses a file that names two apps, or two endpoints or authorizations of one app, alike: the
/// second would silently overwrite the first (and both would be counted).
fn check_duplicates(file: &ExportFile) -> ImportResult<()> {
    fn first_duplicate<'a>(names: impl Iterator<Item = &'a str>) -> Option<(usize, usize, &'a str)> {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, name) in names.enumerate() {
            if let Some(first) = seen.insert(name.trim(), i) {
                return Some((first, i, name.trim()));
            }
        }
        None
    }
    let duplicate = |path: String, first: String, name: &str, what: &str| {
        invalid(
            path,
            format!(
                "\"{name}\" is also the name of {first}: each {what} needs its own name, or the second would overwrite the first."
            ),
        )
    };
    if let Some((first, i, name)) = first_duplicate(file.apps.iter().map(|a| a.name.as_str())) {
        return Err(duplicate(format!("apps[{i}].name"), format!("apps[{first}]"), name, "app"));
    }
    for (a, app) in file.apps.iter().enumerate() {
        if let Some((first, i, name)) = first_duplicate(app.endpoints.iter().map(|e| e.name.as_str())) {
            let at = format!("apps[{a}].endpoints");
            return Err(duplicate(format!("{at}[{i}].name"), format!("{at}[{first}]"), name, "endpoint of an app"));
        }
        if let Some((first, i, name)) = first_duplicate(app.authorizations.iter().map(|x| x.name())) {
            let at = format!("apps[{a}].authorizations");
            return Err(duplicate(
                format!("{at}[{i}].name"),
                format!("{at}[{first}]"),
                name,
                "authorization of an app",
            ));
        }
    }
    Ok(())
}

fn import_app(
    conn: &Connection,
    vault: &mut Vault,
    app: &AppExport,
    path: &str,
    summary: &mut ImportSummary,
) -> ImportResult<()> {
    let name = app.name.trim();
    if name.is_empty() {
        return Err(invalid(format!("{path}.name"), "write the app's name."));
    }
    crate::model::name_problem(name).map_err(|m| invalid(format!("{path}.name"), m))?;
    let mut problems = Vec::new();
    crate::model::check_len("description", &app.description, crate::model::limits::DESCRIPTION, &mut problems);
    if let Some(problem) = problems.first() {
        return Err(invalid(format!("{path}.description"), problem.problem.reason().unwrap_or_default()));
    }
    let existing: Option<i64> =
        conn.query_row("SELECT id FROM apps WHERE name = ?1", [name], |r| r.get(0)).optional().map_err(at(path))?;
    let app_id = match existing {
        Some(id) => {
            conn.execute("UPDATE apps SET description = ?2 WHERE id = ?1", params![id, app.description])
                .map_err(at(path))?;
            id
        }
        None => {
            conn.execute("INSERT INTO apps (name, description) VALUES (?1, ?2)", params![name, app.description])
                .map_err(at(path))?;
            conn.last_insert_rowid()
        }
    };
    summary.apps += 1;
    summary.app_names.push(name.to_owned());

    let mut endpoint_ids: HashMap<String, i64> = HashMap::new();
    for (j, e) in app.endpoints.iter().enumerate() {
        let path = format!("{path}.endpoints[{j}]");
        let (name, id) = import_endpoint(conn, app_id, e, &path)?;
        endpoint_ids.insert(name, id);
        summary.endpoints += 1;
    }
    for (j, a) in app.authorizations.iter().enumerate() {
        let path = format!("{path}.authorizations[{j}]");
        let config = import_authorization(conn, vault, app_id, a, &path, &endpoint_ids)?;
        summary.warnings.extend(endpoint_warnings(conn, &config, &path)?);
        summary.authorizations += 1;
    }
    Ok(())
}

/// Creates or updates one endpoint by name; its name and id.
pub(super) fn import_endpoint(
    conn: &Connection,
    app_id: i64,
    e: &EndpointExport,
    path: &str,
) -> ImportResult<(String, i64)> {
    let method = Method::parse(&e.method)
        .ok_or_else(|| invalid(format!("{path}.method"), format!("write one of {}.", Method::quoted_list())))?;
    let mut endpoint = Endpoint {
        id: 0,
        app_id,
        name: e.name.trim().to_owned(),
        purpose: e.purpose,
        method,
        url: e.url.clone(),
        headers: e.headers.join("\n"),
        body_kind: e.body_kind,
        body: e.body.clone(),
        mapping: e.response.clone(),
    };
    if let Some(problem) = endpoint.validate().first() {
        return Err(invalid(
            format!("{path}.{}", problem.field.code()),
            endpoint_problem(problem.field, &problem.problem),
        ));
    }
    match endpoints::endpoint_id_by_name(conn, app_id, &endpoint.name).map_err(at(path))? {
        Some(id) => {
            endpoint.id = id;
            endpoints::update_endpoint(conn, &endpoint).map_err(at(path))?;
        }
        None => endpoint.id = endpoints::insert_endpoint(conn, &endpoint).map_err(at(path))?,
    }
    Ok((endpoint.name, endpoint.id))
}

/// What looks wrong in an imported authorization's choice of endpoints: one of the other purpose.
fn endpoint_warnings(conn: &Connection, config: &AuthConfig, path: &str) -> ImportResult<Vec<String>> {
    let (token, userinfo) = config.endpoint_ids();
    let mut warnings = Vec::new();
    for (field, id, wanted) in [("token_endpoint", token, "token"), ("userinfo_endpoint", userinfo, "userinfo")] {
        let Some(id) = id else { continue };
        let (name, purpose): (String, String) = conn
            .query_row("SELECT name, purpose FROM endpoints WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(at(path))?;
        let mismatch = match (wanted, purpose.as_str()) {
            ("token", "userinfo") => {
                Some("a user information endpoint; the token endpoint exchanges the code for tokens")
            }
            ("userinfo", "token") => Some("a token endpoint; the user information endpoint returns the logged-in user"),
            _ => None,
        };
        if let Some(what) = mismatch {
            warnings.push(format!("at {path}.{field}: \"{name}\" is {what}."));
        }
    }
    Ok(warnings)
}

pub(super) fn import_authorization(
    conn: &Connection,
    vault: &mut Vault,
    app_id: i64,
    a: &AuthorizationExport,
    path: &str,
    endpoint_ids: &HashMap<String, i64>,
) -> ImportResult<AuthConfig> {
    let name = a.name().trim();
    if name.is_empty() {
        return Err(invalid(format!("{path}.name"), "write the authorization's name."));
    }
    crate::model::name_problem(name).map_err(|m| invalid(format!("{path}.name"), m))?;
    let existing: Option<(i64, String, String)> = conn
        .query_row(
            "SELECT id, kind, config FROM authorizations WHERE app_id = ?1 AND name = ?2",
            params![app_id, name],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .map_err(at(path))?;
    // Endpoints are named; they must be in the file or already in this app.
    let resolve = |field: &str, endpoint: &Option<String>| -> ImportResult<Option<i64>> {
        let Some(endpoint) = endpoint.as_deref().map(str::trim).filter(|e| !e.is_empty()) else { return Ok(None) };
        if let Some(id) = endpoint_ids.get(endpoint) {
            return Ok(Some(*id));
        }
        endpoints::endpoint_id_by_name(conn, app_id, endpoint).map_err(at(path))?.map(Some).ok_or_else(|| {
            invalid(
                format!("{path}.{field}"),
                format!("no endpoint named \"{endpoint}\" in this app; add it under \"endpoints\"."),
            )
        })
    };
    let config = match a {
        AuthorizationExport::ApiKey(a) => AuthConfig::ApiKey(ApiKeyConfig {
            placement: a.placement,
            param_name: a.param_name.clone(),
            value_template: a.value_template.clone(),
            key_label: a.key_label.clone(),
            userinfo_endpoint: resolve("userinfo_endpoint", &a.userinfo_endpoint)?,
        }),
        AuthorizationExport::Basic(a) => AuthConfig::Basic(BasicConfig {
            username_label: a.username_label.clone(),
            password_label: a.password_label.clone(),
            userinfo_endpoint: resolve("userinfo_endpoint", &a.userinfo_endpoint)?,
        }),
        AuthorizationExport::OAuth2(a) => {
            // A secret left out of the export (null) keeps the one stored here, if any: a secret
            // written before sealing as it is, a sealed one as its sealed text (kept below).
            let stored = existing
                .as_ref()
                .filter(|(_, kind, _)| kind == AuthKind::OAuth2.code())
                .and_then(|(_, _, config)| serde_json::from_str::<OAuth2Config>(config).ok())
                .unwrap_or_default();
            let stored_plain = stored.client_secret;
            AuthConfig::OAuth2(OAuth2Config {
                client_id: a.client_id.clone(),
                client_secret: a.client_secret.clone().unwrap_or(stored_plain),
                authorization_uri: a.authorization_uri.clone(),
                scopes: a.scopes.clone(),
                token_endpoint: resolve("token_endpoint", &a.token_endpoint)?,
                userinfo_endpoint: resolve("userinfo_endpoint", &a.userinfo_endpoint)?,
                redirect_uri: a.redirect_uri.clone(),
                client_auth: a.client_auth,
                pkce: a.pkce,
                refresh_endpoint: resolve("refresh_endpoint", &a.refresh_endpoint)?,
                keep: a.keep.clone(),
                callback_signature: a.callback_signature,
                grant: a.grant,
                issuer: a.issuer.trim().to_owned(),
                device_endpoint: resolve("device_endpoint", &a.device_endpoint)?,
                revocation_endpoint: resolve("revocation_endpoint", &a.revocation_endpoint)?,
                introspection_endpoint: resolve("introspection_endpoint", &a.introspection_endpoint)?,
                jwks_endpoint: resolve("jwks_endpoint", &a.jwks_endpoint)?,
                response_mode: a.response_mode,
                client_key: a.client_key.clone().unwrap_or(stored.client_key),
                key_id: a.key_id.trim().to_owned(),
                signing_alg: a.signing_alg,
                assertion_audience: a.assertion_audience,
                client_certificate: a.client_certificate.trim().to_owned(),
                par: a.par,
                par_endpoint: a.par_endpoint.trim().to_owned(),
                dpop: a.dpop,
            })
        }
    };
    // A secret (or a pasted key) may rightly be missing from an export; everything else must be as
    // the form demands.
    let secrets = [AuthField::OAuth2(OAuth2Field::ClientSecret), AuthField::OAuth2(OAuth2Field::ClientKey)];
    if let Some(problem) =
        config.validate().into_iter().find(|p| !secrets.contains(&p.field) || p.problem != Problem::Missing)
    {
        return Err(invalid(
            format!("{path}.{}", problem.field.code()),
            authorization_problem(problem.field, &problem.problem),
        ));
    }
    match existing {
        Some((id, kind, stored)) => {
            let oauth2 = kind == AuthKind::OAuth2.code();
            let secret_left_out = matches!(a, AuthorizationExport::OAuth2(a) if a.client_secret.is_none());
            let key_left_out = matches!(a, AuthorizationExport::OAuth2(a) if a.client_key.is_none());
            let keep = authorizations::KeptSealed {
                secret: (secret_left_out && oauth2).then(|| seal::stored_sealed_secret(&stored)).flatten(),
                key: (key_left_out && oauth2).then(|| seal::stored_sealed(&stored, seal::SEALED_KEY_FIELD)).flatten(),
            };
            authorizations::config_column(conn, vault, &config, keep)
                .and_then(|column| authorizations::update_authorization(conn, id, name, &config, &column))
        }
        None => authorizations::insert_authorization(conn, vault, app_id, name, &config).map(|_| ()),
    }
    .map_err(at(path))?;
    Ok(config)
}

/// A key pasted into the form (a secret), as opposed to the path of a key file (not one).
fn key_is_pasted(value: &str) -> bool {
    let value = value.trim();
    value.contains("-----BEGIN") || value.starts_with('{')
}
