//! What an issuer says of itself (OpenID Connect Discovery 1.0, RFC 8414 authorization server
//! metadata), what in an authorization doesn't fit it (warnings that say what to change), and the
//! changes discovery makes to an authorization and its app's endpoints. Pure: fetching the
//! document is `flow::discovery`, saving the changes `store`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use url::Url;

use super::authorization::parse_scopes;
use super::run::CheckRecord;
use super::{ClientAuth, Endpoint, EndpointPurpose, Grant, OAuth2Config};

/// Where a discovery document was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetadataSource {
    /// `{issuer}/.well-known/openid-configuration` (OpenID Connect Discovery 1.0 section 4).
    OpenIdConfiguration,
    /// `/.well-known/oauth-authorization-server{path}` (RFC 8414 section 3).
    OAuthAuthorizationServer,
}

impl MetadataSource {
    pub fn label(self) -> &'static str {
        match self {
            MetadataSource::OpenIdConfiguration => "OpenID Connect discovery",
            MetadataSource::OAuthAuthorizationServer => "RFC 8414 authorization server metadata",
        }
    }
}

/// The URLs to try for an issuer, in order: OpenID Connect's, then RFC 8414's. `None` for an issuer
/// that isn't an http(s) URL.
pub fn well_known_urls(issuer: &str) -> Option<[(MetadataSource, String); 2]> {
    let issuer = issuer.trim();
    let url = Url::parse(issuer).ok().filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())?;
    let openid = format!("{}/.well-known/openid-configuration", issuer.trim_end_matches('/'));
    // RFC 8414 section 3.1: the well-known part goes between the host and the issuer's path.
    let path = url.path().trim_end_matches('/');
    let mut rfc8414 = url.clone();
    rfc8414.set_path(&format!("/.well-known/oauth-authorization-server{path}"));
    Some([
        (MetadataSource::OpenIdConfiguration, openid),
        (MetadataSource::OAuthAuthorizationServer, rfc8414.to_string()),
    ])
}

/// The fields of a discovery document authdeck reads; everything else is kept in `other`, so the
/// document round-trips whole.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProviderMetadata {
    pub issuer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userinfo_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_authorization_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introspection_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes_supported: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_types_supported: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_types_supported: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint_auth_methods_supported: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint_auth_signing_alg_values_supported: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_challenge_methods_supported: Option<Vec<String>>,
    /// RFC 9126 section 5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pushed_authorization_request_endpoint: Option<String>,
    /// RFC 9126 section 5: the issuer takes authorization requests only through PAR.
    #[serde(default)]
    pub require_pushed_authorization_requests: bool,
    /// RFC 9449 section 5.1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_signing_alg_values_supported: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token_signing_alg_values_supported: Option<Vec<String>>,
    /// RFC 9207 section 3: the authorization response carries `iss`, and a client must check it.
    #[serde(default)]
    pub authorization_response_iss_parameter_supported: bool,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl ProviderMetadata {
    /// Reads a discovery document; the error names the field that is wrong.
    pub fn from_json(value: &Value) -> Result<ProviderMetadata, String> {
        serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            if path == "." { e.into_inner().to_string() } else { format!("{path}: {}", e.into_inner()) }
        })
    }

    /// The URL the document gives for an endpoint purpose.
    pub fn endpoint(&self, purpose: EndpointPurpose) -> Option<&str> {
        let url = match purpose {
            EndpointPurpose::Token => &self.token_endpoint,
            EndpointPurpose::UserInfo => &self.userinfo_endpoint,
            EndpointPurpose::DeviceAuthorization => &self.device_authorization_endpoint,
            EndpointPurpose::Revocation => &self.revocation_endpoint,
            EndpointPurpose::Introspection => &self.introspection_endpoint,
            EndpointPurpose::Jwks => &self.jwks_uri,
            EndpointPurpose::Other => &None,
        };
        url.as_deref().map(str::trim).filter(|u| !u.is_empty())
    }

    /// RFC 8414 section 2: omitted means `client_secret_basic` only.
    pub fn token_auth_methods(&self) -> Vec<String> {
        self.token_endpoint_auth_methods_supported.clone().unwrap_or_else(|| vec!["client_secret_basic".into()])
    }

    /// RFC 8414 section 2: omitted means `authorization_code` and `implicit`.
    pub fn grant_types(&self) -> Vec<String> {
        self.grant_types_supported.clone().unwrap_or_else(|| vec!["authorization_code".into(), "implicit".into()])
    }

    /// The client authentication this provider would have this client use: the first method it
    /// offers that the client has what it takes for (a secret, a private key, a certificate; none
    /// without a secret), else the first it offers at all (the client must then be given what
    /// that method takes: [`client_auth_advice`] says what), else the one chosen.
    pub fn preferred_client_auth(&self, config: &OAuth2Config) -> ClientAuth {
        let methods = self.token_auth_methods();
        let offered = |auth: &ClientAuth| methods.iter().any(|m| m == auth_method_name(*auth));
        let ranked = || PREFERENCE.iter().copied().filter(offered);
        ranked()
            .find(|auth| missing_for(*auth, config).is_none())
            .or_else(|| ranked().next())
            .unwrap_or(config.client_auth)
    }

    /// The scopes a new authorization asks for: `openid` with `profile` and `email` when offered
    /// (none for client credentials, which has no user).
    pub fn default_scopes(&self, grant: Grant) -> String {
        let Some(supported) = &self.scopes_supported else { return String::new() };
        if grant == Grant::ClientCredentials {
            return String::new();
        }
        let scopes: Vec<&str> =
            ["openid", "profile", "email"].into_iter().filter(|s| supported.iter().any(|x| x == s)).collect();
        scopes.join(" ")
    }
}

/// The name of the method as discovery documents write it (RFC 8414 section 2, RFC 7591 section 2).
pub fn auth_method_name(auth: ClientAuth) -> &'static str {
    match auth {
        ClientAuth::BasicHeader => "client_secret_basic",
        ClientAuth::RequestBody => "client_secret_post",
        ClientAuth::None => "none",
        ClientAuth::PrivateKeyJwt => "private_key_jwt",
        ClientAuth::ClientSecretJwt => "client_secret_jwt",
        ClientAuth::TlsClientAuth => "tls_client_auth",
        ClientAuth::SelfSignedTlsClientAuth => "self_signed_tls_client_auth",
    }
}

/// The order authdeck prefers the methods in, when an issuer offers several: the form's order —
/// the secret as a header (the RFC 6749 default), then in the body; the signed assertions; the
/// certificates; a public client last.
const PREFERENCE: [ClientAuth; 7] = ClientAuth::ALL;

/// What the client lacks for `auth`, if anything: a secret, a private key, a certificate (or has
/// a secret a public client wouldn't send).
fn missing_for(auth: ClientAuth, config: &OAuth2Config) -> Option<&'static str> {
    let has = |value: &str| !value.trim().is_empty();
    match auth {
        ClientAuth::BasicHeader | ClientAuth::RequestBody | ClientAuth::ClientSecretJwt
            if !has(&config.client_secret) =>
        {
            Some("the Client Secret")
        }
        ClientAuth::PrivateKeyJwt if !has(&config.client_key) => Some("a Private key (Ctrl-G in the form makes one)"),
        ClientAuth::TlsClientAuth | ClientAuth::SelfSignedTlsClientAuth
            if !has(&config.client_certificate) || !has(&config.client_key) =>
        {
            Some("the Client certificate and its Private key")
        }
        ClientAuth::None if has(&config.client_secret) => Some("no Client Secret (a public client sends none)"),
        _ => None,
    }
}

/// What to change for `better` (a method the issuer offers): its name, and what else it takes.
pub fn client_auth_advice(better: ClientAuth, config: &OAuth2Config) -> String {
    let (label, name) = (better.label(), auth_method_name(better));
    let set = if label.contains(name) {
        format!("set Client authentication to {label}")
    } else {
        format!("set Client authentication to {label} ({name})")
    };
    match missing_for(better, config) {
        Some(what) => format!("{set} and give it {what}"),
        None => set,
    }
}

/// The `alg` a client assertion of this authorization is signed with, when it sends one.
pub fn assertion_alg(config: &OAuth2Config) -> Option<&'static str> {
    match config.client_auth {
        ClientAuth::PrivateKeyJwt => Some(config.signing_alg.name()),
        ClientAuth::ClientSecretJwt => Some("HS256"),
        _ => None,
    }
}

fn list(values: &[String]) -> String {
    if values.is_empty() { "none".into() } else { values.join(", ") }
}

/// How the authorization fits the issuer's metadata: one check per point, `warning` set, `ok` false
/// where it doesn't fit (each with what to change). `userinfo_url` is the URL of the
/// authorization's user information endpoint, when it has one.
pub fn metadata_checks(
    config: &OAuth2Config,
    metadata: &ProviderMetadata,
    userinfo_url: Option<&str>,
) -> Vec<CheckRecord> {
    let mut checks = Vec::new();
    let method = auth_method_name(config.client_auth);
    let methods = metadata.token_auth_methods();
    let mut auth = CheckRecord::new(
        "client authentication",
        methods.iter().any(|m| m == method),
        format!("{method} in token_endpoint_auth_methods_supported"),
        list(&methods),
    );
    if !auth.ok {
        let better = metadata.preferred_client_auth(config);
        auth = auth.with_detail(client_auth_advice(better, config));
    }
    checks.push(auth);

    if let Some(alg) = assertion_alg(config) {
        // RFC 8414 section 2: the list is there when the issuer takes signed assertions; absent, unknown.
        let listed = metadata.token_endpoint_auth_signing_alg_values_supported.clone();
        let ok = listed.as_ref().is_none_or(|algs| algs.iter().any(|a| a == alg));
        let mut check = CheckRecord::new(
            "assertion algorithm",
            ok,
            format!("{alg} in token_endpoint_auth_signing_alg_values_supported"),
            listed.as_deref().map_or_else(|| "(not listed)".to_owned(), list),
        );
        if !ok {
            check = check.with_detail(if config.client_auth == ClientAuth::ClientSecretJwt {
                "the issuer doesn't list HS256: choose private_key_jwt with a key instead".to_owned()
            } else {
                "choose a Signing algorithm the issuer lists (and a key of that type)".to_owned()
            });
        }
        checks.push(check);
    }

    if config.grant == Grant::AuthorizationCode && metadata.require_pushed_authorization_requests {
        let mut par = CheckRecord::new(
            "PAR",
            config.par,
            "pushed authorization requests on (require_pushed_authorization_requests)",
            if config.par { "on" } else { "off" },
        );
        if !par.ok {
            par = par.with_detail(
                "the issuer takes authorization requests only through PAR: switch on Pushed request (PAR) in the form",
            );
        }
        checks.push(par);
    }
    if config.par && config.grant == Grant::AuthorizationCode && config.par_endpoint.trim().is_empty() {
        let found = metadata.pushed_authorization_request_endpoint.as_deref().filter(|u| !u.trim().is_empty());
        let mut par = CheckRecord::new(
            "PAR endpoint",
            found.is_some(),
            "pushed_authorization_request_endpoint in the metadata",
            found.unwrap_or("(none)"),
        );
        if !par.ok {
            par = par.with_detail("the issuer names no PAR endpoint: type its URL in PAR endpoint, or switch PAR off");
        }
        checks.push(par);
    }
    if config.dpop
        && let Some(algs) = &metadata.dpop_signing_alg_values_supported
        && !algs.iter().any(|a| a == "ES256")
    {
        checks.push(
            CheckRecord::new("DPoP algorithm", false, "ES256 in dpop_signing_alg_values_supported", list(algs))
                .with_detail("authdeck's DPoP keys are ES256, which the issuer doesn't list: it may refuse the proofs"),
        );
    }

    let grant_types = metadata.grant_types();
    let grant_type = config.grant.grant_type();
    let mut grant = CheckRecord::new(
        "grant type",
        grant_types.iter().any(|g| g == grant_type),
        format!("{grant_type} in grant_types_supported"),
        list(&grant_types),
    );
    if !grant.ok {
        grant = grant.with_detail("the provider may refuse this grant: choose another, or check the client's settings");
    }
    checks.push(grant);

    if config.grant == Grant::AuthorizationCode && config.pkce {
        let methods = metadata.code_challenge_methods_supported.clone().unwrap_or_default();
        let mut pkce = CheckRecord::new(
            "PKCE",
            methods.iter().any(|m| m == "S256"),
            "S256 in code_challenge_methods_supported",
            if metadata.code_challenge_methods_supported.is_some() { list(&methods) } else { "(not listed)".into() },
        );
        if !pkce.ok {
            pkce = pkce.with_detail(
                "the issuer doesn't say it supports PKCE with S256; if the test fails with invalid_request, turn PKCE off",
            );
        }
        checks.push(pkce);
    }

    let requested = parse_scopes(&config.scopes);
    if let Some(supported) = &metadata.scopes_supported
        && !requested.is_empty()
    {
        let unknown: Vec<String> = requested.iter().filter(|s| !supported.contains(s)).cloned().collect();
        let mut scopes = CheckRecord::new(
            "scopes",
            unknown.is_empty(),
            "every requested scope in scopes_supported",
            if unknown.is_empty() { "all listed".to_owned() } else { format!("not listed: {}", unknown.join(", ")) },
        );
        if !scopes.ok {
            scopes = scopes.with_detail(format!(
                "check the Scopes field: the issuer lists {} (a provider may still accept others)",
                list(supported)
            ));
        }
        checks.push(scopes);
    }

    let issuers_userinfo = metadata
        .endpoint(EndpointPurpose::UserInfo)
        .zip(userinfo_url)
        .is_some_and(|(theirs, ours)| theirs == ours.trim());
    if issuers_userinfo {
        let has_openid = config.wants_openid();
        let mut openid = CheckRecord::new(
            "openid scope",
            has_openid,
            "openid in Scopes (the issuer's user info endpoint needs it)",
            if has_openid { "openid requested".to_owned() } else { "not requested".to_owned() },
        );
        if !openid.ok {
            openid = openid.with_detail("add openid to Scopes, or the user information call will be refused");
        }
        checks.push(openid);
    }
    checks.into_iter().map(CheckRecord::as_warning).collect()
}

/// What discovery does to one endpoint of the authorization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum EndpointChange {
    /// A new endpoint of the app, pre-filled for its purpose, with the discovered URL.
    Create { name: String },
    /// An existing endpoint gets the discovered URL (its headers, body and mapping are kept).
    Update { id: i64, name: String, old_url: String },
    /// An existing endpoint already has the discovered URL.
    Keep { id: i64, name: String },
}

/// One endpoint discovery fills in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedEndpoint {
    pub purpose: EndpointPurpose,
    pub url: String,
    #[serde(flatten)]
    pub change: EndpointChange,
}

impl PlannedEndpoint {
    /// One line for a confirmation: "create \"Acme token\" at https://…".
    pub fn describe(&self) -> String {
        let what = self.purpose.label();
        match &self.change {
            EndpointChange::Create { name } => format!("{what}: create \"{name}\" at {}", self.url),
            EndpointChange::Update { name, old_url, .. } => {
                format!("{what}: \"{name}\" changes from {old_url} to {}", self.url)
            }
            EndpointChange::Keep { name, .. } => format!("{what}: \"{name}\" already at {}", self.url),
        }
    }
}

/// Everything discovery changes in an authorization: its issuer, its Authorization URI (the query
/// parameters the user typed are kept), and its endpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiscoveryPlan {
    pub issuer: String,
    /// `None` when the document has no authorization endpoint (a device- or machine-only issuer).
    pub authorization_uri: Option<String>,
    pub endpoints: Vec<PlannedEndpoint>,
    /// The issuer requires pushed authorization requests: PAR is switched on.
    pub requires_par: bool,
}

/// The endpoints discovery fills, and the short word each new one is named with.
const DISCOVERED: [(EndpointPurpose, &str); 6] = [
    (EndpointPurpose::Token, "token"),
    (EndpointPurpose::UserInfo, "user info"),
    (EndpointPurpose::DeviceAuthorization, "device authorization"),
    (EndpointPurpose::Revocation, "revocation"),
    (EndpointPurpose::Introspection, "introspection"),
    (EndpointPurpose::Jwks, "JWKS"),
];

impl DiscoveryPlan {
    /// The plan for an authorization (`config`, whose endpoint references are looked at) of an app
    /// with `endpoints`; new endpoints are named after `name` ("Acme token"). An endpoint the
    /// authorization already uses is updated; else one of the app's for the same purpose at the
    /// discovered URL is reused; else one of the new name is updated (as import does, by name);
    /// else one is created. A client-credentials authorization gets no user information endpoint:
    /// its token has no user (one can be added by hand, as an API check).
    pub fn new(
        metadata: &ProviderMetadata,
        name: &str,
        config: &OAuth2Config,
        endpoints: &[Endpoint],
    ) -> DiscoveryPlan {
        let refs = config.endpoint_refs();
        let mut planned = Vec::new();
        for (purpose, word) in DISCOVERED {
            if purpose == EndpointPurpose::UserInfo && config.grant == Grant::ClientCredentials {
                continue;
            }
            let Some(url) = metadata.endpoint(purpose) else { continue };
            let used = refs.get(purpose).and_then(|id| endpoints.iter().find(|e| e.id == id));
            let same_url = || endpoints.iter().find(|e| e.purpose == purpose && e.url.trim() == url);
            let new_name = format!("{} {word}", name.trim());
            let by_name = || endpoints.iter().find(|e| e.name == new_name);
            let change = match used.or_else(same_url).or_else(by_name) {
                Some(e) if e.url.trim() == url => EndpointChange::Keep { id: e.id, name: e.name.clone() },
                Some(e) => EndpointChange::Update { id: e.id, name: e.name.clone(), old_url: e.url.clone() },
                None => EndpointChange::Create { name: new_name },
            };
            planned.push(PlannedEndpoint { purpose, url: url.to_owned(), change });
        }
        let authorization_uri = metadata
            .authorization_endpoint
            .as_deref()
            .map(|uri| keep_typed_query(uri.trim(), &config.authorization_uri));
        DiscoveryPlan {
            issuer: metadata.issuer.clone(),
            authorization_uri,
            endpoints: planned,
            requires_par: metadata.require_pushed_authorization_requests,
        }
    }

    /// Lines for a confirmation: what is filled in, created and changed.
    pub fn describe(&self) -> Vec<String> {
        let mut lines = vec![format!("Issuer: {}", self.issuer)];
        if let Some(uri) = &self.authorization_uri {
            lines.push(format!("Authorization URI: {uri}"));
        }
        if self.requires_par {
            lines.push("Pushed authorization requests: on (the issuer requires them)".into());
        }
        lines.extend(self.endpoints.iter().map(PlannedEndpoint::describe));
        lines
    }

    /// The endpoint (pre-filled for its purpose, with the discovered URL) to insert for a planned
    /// creation, or the existing one with its URL changed.
    pub fn endpoint_to_write(&self, planned: &PlannedEndpoint, app_id: i64, existing: &[Endpoint]) -> Option<Endpoint> {
        match &planned.change {
            EndpointChange::Create { name } => Some(Endpoint {
                app_id,
                name: name.clone(),
                url: planned.url.clone(),
                ..Endpoint::new_for(planned.purpose)
            }),
            EndpointChange::Update { id, .. } => {
                existing.iter().find(|e| e.id == *id).map(|e| Endpoint { url: planned.url.clone(), ..e.clone() })
            }
            EndpointChange::Keep { .. } => None,
        }
    }

    /// Applies the plan to an authorization's fields, given the ids the planned endpoints have once saved.
    pub fn apply(&self, config: &mut OAuth2Config, ids: &[(EndpointPurpose, i64)]) {
        config.issuer = self.issuer.clone();
        // RFC 9126 section 5: an issuer that takes authorization requests only through PAR.
        if self.requires_par {
            config.par = true;
        }
        if let Some(uri) = &self.authorization_uri {
            config.authorization_uri = uri.clone();
        }
        let mut refs = config.endpoint_refs();
        for (purpose, id) in ids {
            refs.set(*purpose, Some(*id));
        }
        config.set_endpoint_refs(refs);
    }
}

/// The discovered authorization endpoint with the query parameters typed into the old one
/// (`prompt=consent`, `access_type=offline`…), which the user put there on purpose.
fn keep_typed_query(discovered: &str, typed: &str) -> String {
    let typed_query = typed.trim().split_once('?').map(|(_, q)| q.trim()).filter(|q| !q.is_empty());
    match typed_query {
        None => discovered.to_owned(),
        Some(query) if discovered.contains('?') => format!("{discovered}&{query}"),
        Some(query) => format!("{discovered}?{query}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn metadata() -> ProviderMetadata {
        ProviderMetadata::from_json(&json!({
            "issuer": "https://id.example.test",
            "authorization_endpoint": "https://id.example.test/auth",
            "token_endpoint": "https://id.example.test/token",
            "userinfo_endpoint": "https://id.example.test/me",
            "jwks_uri": "https://id.example.test/jwks",
            "device_authorization_endpoint": "https://id.example.test/device/auth",
            "scopes_supported": ["openid", "email", "offline_access"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "none"],
            "code_challenge_methods_supported": ["S256"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "authorization_response_iss_parameter_supported": true,
            "end_session_endpoint": "https://id.example.test/logout"
        }))
        .unwrap()
    }

    #[test]
    fn well_known_urls_follow_each_spec() {
        let [(_, openid), (_, rfc8414)] = well_known_urls("https://id.example.test/tenant/").unwrap();
        assert_eq!(openid, "https://id.example.test/tenant/.well-known/openid-configuration");
        assert_eq!(rfc8414, "https://id.example.test/.well-known/oauth-authorization-server/tenant");
        let [(_, _), (_, root)] = well_known_urls("http://127.0.0.1:9").unwrap();
        assert_eq!(root, "http://127.0.0.1:9/.well-known/oauth-authorization-server");
        assert!(well_known_urls("id.example.test").is_none());
    }

    #[test]
    fn unknown_fields_are_kept_and_wrong_types_named() {
        let m = metadata();
        assert_eq!(m.other["end_session_endpoint"], "https://id.example.test/logout");
        assert_eq!(serde_json::to_value(&m).unwrap()["end_session_endpoint"], "https://id.example.test/logout");
        let e = ProviderMetadata::from_json(&json!({"issuer": "x", "scopes_supported": "openid"})).unwrap_err();
        assert!(e.starts_with("scopes_supported: invalid type"), "{e}");
        let e = ProviderMetadata::from_json(&json!({"token_endpoint": "x"})).unwrap_err();
        assert!(e.contains("issuer"), "{e}");
    }

    #[test]
    fn what_does_not_fit_is_a_warning_with_what_to_change() {
        let config = OAuth2Config {
            client_secret: "s".into(),
            client_auth: ClientAuth::BasicHeader,
            scopes: "email profile".into(),
            ..Default::default()
        };
        let checks = metadata_checks(&config, &metadata(), Some("https://id.example.test/me"));
        assert!(checks.iter().all(|c| c.warning));
        let failed: Vec<&str> = checks.iter().filter(|c| !c.ok).map(|c| c.name.as_str()).collect();
        assert_eq!(failed, ["client authentication", "scopes", "openid scope"]);
        let auth = &checks[0];
        assert_eq!(auth.detail.as_deref(), Some("set Client authentication to Request body (client_secret_post)"));
        assert_eq!(checks.iter().find(|c| c.name == "scopes").unwrap().actual, "not listed: profile");
        let fine = OAuth2Config { client_auth: ClientAuth::RequestBody, scopes: "openid email".into(), ..config };
        assert!(metadata_checks(&fine, &metadata(), Some("https://id.example.test/me")).iter().all(|c| c.ok));
        let device = OAuth2Config { grant: Grant::DeviceCode, ..fine };
        let grant = metadata_checks(&device, &metadata(), None).into_iter().find(|c| c.name == "grant type").unwrap();
        assert!(!grant.ok && grant.expected.contains("device_code"), "{grant:?}");
    }

    #[test]
    fn pkce_without_s256_is_named() {
        let m = ProviderMetadata { code_challenge_methods_supported: None, ..metadata() };
        let check = metadata_checks(&OAuth2Config::default(), &m, None).into_iter().find(|c| c.name == "PKCE").unwrap();
        assert!(!check.ok && check.actual == "(not listed)" && check.detail.unwrap().contains("turn PKCE off"));
    }

    #[test]
    fn an_issuer_that_takes_only_keys_or_certificates_gets_advice_that_fits() {
        // Okta-style: private_key_jwt only; a FAPI profile: mTLS only.
        let jwt_only = ProviderMetadata {
            token_endpoint_auth_methods_supported: Some(vec!["private_key_jwt".into()]),
            ..ProviderMetadata::default()
        };
        let with_secret = OAuth2Config { client_secret: "fake-secret".into(), ..OAuth2Config::default() };
        assert_eq!(jwt_only.preferred_client_auth(&with_secret), ClientAuth::PrivateKeyJwt);
        let check = metadata_checks(&with_secret, &jwt_only, None).into_iter().next().unwrap();
        assert!(!check.ok, "{check:?}");
        assert_eq!(
            check.detail.as_deref(),
            Some(
                "set Client authentication to private_key_jwt (signed with a private key) and give it a Private key (Ctrl-G in the form makes one)"
            )
        );
        let mtls_only = ProviderMetadata {
            token_endpoint_auth_methods_supported: Some(vec![
                "self_signed_tls_client_auth".into(),
                "tls_client_auth".into(),
            ]),
            ..ProviderMetadata::default()
        };
        let with_certificate = OAuth2Config {
            client_certificate: "/etc/client.pem".into(),
            client_key: "/etc/client-key.pem".into(),
            ..OAuth2Config::default()
        };
        // authdeck's order, not the document's: CA-issued first.
        assert_eq!(mtls_only.preferred_client_auth(&with_certificate), ClientAuth::TlsClientAuth);
        let advice = client_auth_advice(mtls_only.preferred_client_auth(&with_secret), &with_secret);
        assert!(advice.ends_with("and give it the Client certificate and its Private key"), "{advice}");
        // A method the client can do wins over an earlier one it can't.
        let both = ProviderMetadata {
            token_endpoint_auth_methods_supported: Some(vec!["client_secret_basic".into(), "private_key_jwt".into()]),
            ..ProviderMetadata::default()
        };
        let with_key = OAuth2Config { client_key: "/etc/key.pem".into(), ..OAuth2Config::default() };
        assert_eq!(both.preferred_client_auth(&with_key), ClientAuth::PrivateKeyJwt);
        assert_eq!(both.preferred_client_auth(&with_secret), ClientAuth::BasicHeader);
    }

    #[test]
    fn defaults_from_the_metadata() {
        let m = metadata();
        assert_eq!(m.default_scopes(Grant::AuthorizationCode), "openid email");
        assert_eq!(m.default_scopes(Grant::ClientCredentials), "");
        let with_secret = OAuth2Config { client_secret: "fake-secret".into(), ..OAuth2Config::default() };
        assert_eq!(m.preferred_client_auth(&with_secret), ClientAuth::RequestBody);
        assert_eq!(m.preferred_client_auth(&OAuth2Config::default()), ClientAuth::None);
        assert_eq!(ProviderMetadata::default().token_auth_methods(), ["client_secret_basic"]);
    }

    fn endpoint(id: i64, name: &str, purpose: EndpointPurpose, url: &str) -> Endpoint {
        Endpoint { id, app_id: 1, name: name.into(), url: url.into(), ..Endpoint::new_for(purpose) }
    }

    #[test]
    fn the_plan_updates_what_is_used_reuses_what_fits_and_creates_the_rest() {
        let endpoints = [
            endpoint(1, "Old token", EndpointPurpose::Token, "https://old.example.test/token"),
            endpoint(2, "Shared me", EndpointPurpose::UserInfo, "https://id.example.test/me"),
            endpoint(3, "Acme JWKS", EndpointPurpose::Other, "https://elsewhere.test/keys"),
        ];
        let config = OAuth2Config {
            token_endpoint: Some(1),
            authorization_uri: "https://old.example.test/authorize?prompt=consent".into(),
            ..Default::default()
        };
        let plan = DiscoveryPlan::new(&metadata(), "Acme", &config, &endpoints);
        assert_eq!(plan.authorization_uri.as_deref(), Some("https://id.example.test/auth?prompt=consent"));
        let changes: Vec<(EndpointPurpose, &EndpointChange)> =
            plan.endpoints.iter().map(|p| (p.purpose, &p.change)).collect();
        assert_eq!(
            changes,
            [
                (
                    EndpointPurpose::Token,
                    &EndpointChange::Update {
                        id: 1,
                        name: "Old token".into(),
                        old_url: "https://old.example.test/token".into()
                    }
                ),
                (EndpointPurpose::UserInfo, &EndpointChange::Keep { id: 2, name: "Shared me".into() }),
                (
                    EndpointPurpose::DeviceAuthorization,
                    &EndpointChange::Create { name: "Acme device authorization".into() }
                ),
                (
                    EndpointPurpose::Jwks,
                    &EndpointChange::Update {
                        id: 3,
                        name: "Acme JWKS".into(),
                        old_url: "https://elsewhere.test/keys".into()
                    }
                ),
            ]
        );
        let created = plan.endpoint_to_write(&plan.endpoints[2], 1, &endpoints).unwrap();
        assert_eq!((created.method.as_str(), created.purpose), ("POST", EndpointPurpose::DeviceAuthorization));
        let mut config = config;
        plan.apply(&mut config, &[(EndpointPurpose::Token, 1), (EndpointPurpose::DeviceAuthorization, 9)]);
        assert_eq!((config.issuer.as_str(), config.device_endpoint), ("https://id.example.test", Some(9)));
        assert!(plan.describe().iter().any(|l| l.contains("create \"Acme device authorization\"")));
        let machine = OAuth2Config { grant: Grant::ClientCredentials, ..OAuth2Config::default() };
        let plan = DiscoveryPlan::new(&metadata(), "Acme", &machine, &endpoints);
        assert!(plan.endpoints.iter().all(|p| p.purpose != EndpointPurpose::UserInfo), "no user to ask about");
    }
}
