//! Authorizations: how an app authorizes (API-Key, Basic, OAuth 2.0), their fields and validation.

use serde::{Deserialize, Serialize};
use url::Url;

use super::EndpointPurpose;
use super::context::NAMESPACES;
use super::field::{FieldError, Problem, check_len};
use super::limits;
use super::signature::CallbackSignature;
use super::template;

/// The kinds of authorization authdeck knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthKind {
    ApiKey,
    Basic,
    #[serde(rename = "oauth2")]
    OAuth2,
}

impl AuthKind {
    pub const ALL: [AuthKind; 3] = [AuthKind::ApiKey, AuthKind::Basic, AuthKind::OAuth2];

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            AuthKind::ApiKey => "API-Key",
            AuthKind::Basic => "Basic",
            AuthKind::OAuth2 => "OAuth 2.0",
        }
    }

    /// The name stored in the database and in export files.
    pub fn code(self) -> &'static str {
        match self {
            AuthKind::ApiKey => "api_key",
            AuthKind::Basic => "basic",
            AuthKind::OAuth2 => "oauth2",
        }
    }

    pub fn from_code(code: &str) -> Option<AuthKind> {
        AuthKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// The fields of an API-Key authorization, as its form and the importer know them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiKeyField {
    Name,
    Placement,
    ParamName,
    ValueTemplate,
    KeyLabel,
    UserinfoEndpoint,
}

/// The fields of a Basic authorization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BasicField {
    Name,
    UsernameLabel,
    PasswordLabel,
    UserinfoEndpoint,
}

/// The fields of an OAuth 2.0 authorization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OAuth2Field {
    Name,
    ClientId,
    ClientSecret,
    AuthorizationUri,
    Scopes,
    TokenEndpoint,
    UserinfoEndpoint,
    RedirectUri,
    ClientAuth,
    Pkce,
    RefreshEndpoint,
    /// The run-context values kept with the connection.
    Keep,
    CallbackSignature,
    ResponseMode,
    Grant,
    Issuer,
    DeviceEndpoint,
    RevocationEndpoint,
    IntrospectionEndpoint,
    JwksEndpoint,
    /// The private key of private_key_jwt and of a client certificate (mTLS).
    ClientKey,
    KeyId,
    SigningAlg,
    AssertionAudience,
    ClientCertificate,
    Par,
    ParEndpoint,
    Dpop,
}

/// A field of an authorization of any kind, for code that handles every kind (the importer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthField {
    ApiKey(ApiKeyField),
    Basic(BasicField),
    OAuth2(OAuth2Field),
}

impl ApiKeyField {
    /// The field's name in export files.
    pub fn code(self) -> &'static str {
        match self {
            ApiKeyField::Name => "name",
            ApiKeyField::Placement => "placement",
            ApiKeyField::ParamName => "param_name",
            ApiKeyField::ValueTemplate => "value_template",
            ApiKeyField::KeyLabel => "key_label",
            ApiKeyField::UserinfoEndpoint => "userinfo_endpoint",
        }
    }
}

impl BasicField {
    /// The field's name in export files.
    pub fn code(self) -> &'static str {
        match self {
            BasicField::Name => "name",
            BasicField::UsernameLabel => "username_label",
            BasicField::PasswordLabel => "password_label",
            BasicField::UserinfoEndpoint => "userinfo_endpoint",
        }
    }
}

impl OAuth2Field {
    /// The field's name in export files.
    pub fn code(self) -> &'static str {
        match self {
            OAuth2Field::Name => "name",
            OAuth2Field::ClientId => "client_id",
            OAuth2Field::ClientSecret => "client_secret",
            OAuth2Field::AuthorizationUri => "authorization_uri",
            OAuth2Field::Scopes => "scopes",
            OAuth2Field::TokenEndpoint => "token_endpoint",
            OAuth2Field::UserinfoEndpoint => "userinfo_endpoint",
            OAuth2Field::RedirectUri => "redirect_uri",
            OAuth2Field::ClientAuth => "client_auth",
            OAuth2Field::Pkce => "pkce",
            OAuth2Field::RefreshEndpoint => "refresh_endpoint",
            OAuth2Field::Keep => "keep",
            OAuth2Field::CallbackSignature => "callback_signature",
            OAuth2Field::ResponseMode => "response_mode",
            OAuth2Field::Grant => "grant",
            OAuth2Field::Issuer => "issuer",
            OAuth2Field::DeviceEndpoint => "device_endpoint",
            OAuth2Field::RevocationEndpoint => "revocation_endpoint",
            OAuth2Field::IntrospectionEndpoint => "introspection_endpoint",
            OAuth2Field::JwksEndpoint => "jwks_endpoint",
            OAuth2Field::ClientKey => "client_key",
            OAuth2Field::KeyId => "key_id",
            OAuth2Field::SigningAlg => "signing_alg",
            OAuth2Field::AssertionAudience => "assertion_audience",
            OAuth2Field::ClientCertificate => "client_certificate",
            OAuth2Field::Par => "par",
            OAuth2Field::ParEndpoint => "par_endpoint",
            OAuth2Field::Dpop => "dpop",
        }
    }
}

impl AuthField {
    /// The field's name in export files.
    pub fn code(self) -> &'static str {
        match self {
            AuthField::ApiKey(f) => f.code(),
            AuthField::Basic(f) => f.code(),
            AuthField::OAuth2(f) => f.code(),
        }
    }
}

/// One authorization of an app.
#[derive(Debug, Clone, PartialEq)]
pub struct Authorization {
    pub id: i64,
    pub app_id: i64,
    pub name: String,
    pub config: AuthConfig,
    /// How its last test ended; `None` when never tested.
    pub last_test: Option<LastTest>,
}

/// How the last test of an authorization ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastTest {
    /// `ok`, `failed` or `cancelled`.
    pub outcome: String,
    /// When it ended, in Unix seconds.
    pub at: Option<i64>,
    pub message: String,
}

impl LastTest {
    /// "ok 3 min ago", "failed 2 h ago: invalid_client…".
    pub fn describe(&self, now: i64) -> String {
        let when = self.at.map(|at| format!(" {}", super::time::ago(at, now))).unwrap_or_default();
        match self.outcome.as_str() {
            "ok" => format!("ok{when}"),
            _ if self.message.is_empty() => format!("{}{when}", self.outcome),
            _ => format!("{}{when}: {}", self.outcome, self.message),
        }
    }
}

impl Authorization {
    pub fn kind(&self) -> AuthKind {
        self.config.kind()
    }

    /// A one-line summary for the table.
    pub fn summary(&self) -> String {
        self.config.summary()
    }
}

/// The fields of an authorization, per kind.
#[allow(clippy::large_enum_variant)] // a handful live at a time; boxing OAuth 2.0's would buy nothing
#[derive(Debug, Clone, PartialEq)]
pub enum AuthConfig {
    ApiKey(ApiKeyConfig),
    Basic(BasicConfig),
    OAuth2(OAuth2Config),
}

impl AuthConfig {
    pub fn kind(&self) -> AuthKind {
        match self {
            AuthConfig::ApiKey(_) => AuthKind::ApiKey,
            AuthConfig::Basic(_) => AuthKind::Basic,
            AuthConfig::OAuth2(_) => AuthKind::OAuth2,
        }
    }

    /// The defaults of a new authorization of this kind.
    pub fn new_of_kind(kind: AuthKind) -> AuthConfig {
        match kind {
            AuthKind::ApiKey => AuthConfig::ApiKey(ApiKeyConfig::default()),
            AuthKind::Basic => AuthConfig::Basic(BasicConfig::default()),
            AuthKind::OAuth2 => AuthConfig::OAuth2(OAuth2Config::default()),
        }
    }

    pub fn summary(&self) -> String {
        match self {
            AuthConfig::ApiKey(c) => match c.placement {
                KeyPlacement::Header => format!("header {}: {}", c.param_name, c.value_template),
                KeyPlacement::Query => format!("query ?{}={}", c.param_name, c.value_template),
            },
            AuthConfig::Basic(c) => format!("username \"{}\", password \"{}\"", c.username_label, c.password_label),
            AuthConfig::OAuth2(c) => {
                let place = if c.issuer.trim().is_empty() { &c.authorization_uri } else { &c.issuer };
                let host = Url::parse(place.trim())
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_owned))
                    .unwrap_or_else(|| "no authorization URI".to_owned());
                let scopes = parse_scopes(&c.scopes);
                let grant = match c.grant {
                    Grant::AuthorizationCode => String::new(),
                    other => format!(", {}", other.label().to_lowercase()),
                };
                format!("client {} at {host}, {} scope(s){grant}", c.client_id, scopes.len())
            }
        }
    }

    /// The endpoints this authorization uses: (token, user information).
    pub fn endpoint_ids(&self) -> (Option<i64>, Option<i64>) {
        match self {
            AuthConfig::ApiKey(c) => (None, c.userinfo_endpoint),
            AuthConfig::Basic(c) => (None, c.userinfo_endpoint),
            AuthConfig::OAuth2(c) => (c.token_endpoint, c.userinfo_endpoint),
        }
    }

    /// The endpoint refresh-token grants go to, when it isn't the token endpoint (OAuth 2.0 only).
    pub fn refresh_endpoint_id(&self) -> Option<i64> {
        match self {
            AuthConfig::OAuth2(c) => c.refresh_endpoint,
            _ => None,
        }
    }

    pub fn set_refresh_endpoint_id(&mut self, id: Option<i64>) {
        if let AuthConfig::OAuth2(c) = self {
            c.refresh_endpoint = id;
        }
    }

    /// Whether this authorization uses the endpoint in any of its fields (as the store's
    /// `endpoint_users` query counts them: every purpose and the refresh endpoint).
    pub fn uses_endpoint(&self, id: i64) -> bool {
        self.refresh_endpoint_id() == Some(id) || self.endpoint_refs().by_purpose().iter().any(|(_, e)| *e == Some(id))
    }

    /// Sets the endpoints from the database columns.
    pub fn set_endpoint_ids(&mut self, token: Option<i64>, userinfo: Option<i64>) {
        let refs = EndpointRefs { token, userinfo, ..self.endpoint_refs() };
        self.set_endpoint_refs(refs);
    }

    /// Every endpoint this authorization refers to, by what it uses it for.
    pub fn endpoint_refs(&self) -> EndpointRefs {
        match self {
            AuthConfig::ApiKey(c) => EndpointRefs { userinfo: c.userinfo_endpoint, ..EndpointRefs::default() },
            AuthConfig::Basic(c) => EndpointRefs { userinfo: c.userinfo_endpoint, ..EndpointRefs::default() },
            AuthConfig::OAuth2(c) => c.endpoint_refs(),
        }
    }

    /// Sets every endpoint reference (the database columns); API-Key and Basic keep only user information.
    pub fn set_endpoint_refs(&mut self, refs: EndpointRefs) {
        match self {
            AuthConfig::ApiKey(c) => c.userinfo_endpoint = refs.userinfo,
            AuthConfig::Basic(c) => c.userinfo_endpoint = refs.userinfo,
            AuthConfig::OAuth2(c) => c.set_endpoint_refs(refs),
        }
    }

    /// Every problem with these fields (the name aside); empty when they can be saved.
    pub fn validate(&self) -> Vec<FieldError<AuthField>> {
        match self {
            AuthConfig::ApiKey(c) => c.validate().into_iter().map(|e| e.map(AuthField::ApiKey)).collect(),
            AuthConfig::Basic(c) => c.validate().into_iter().map(|e| e.map(AuthField::Basic)).collect(),
            AuthConfig::OAuth2(c) => c.validate().into_iter().map(|e| e.map(AuthField::OAuth2)).collect(),
        }
    }

    /// The kind-specific fields as stored in the database's `config` column (endpoints live in columns).
    pub fn to_json(&self) -> serde_json::Value {
        let value = match self {
            AuthConfig::ApiKey(c) => serde_json::to_value(c),
            AuthConfig::Basic(c) => serde_json::to_value(c),
            AuthConfig::OAuth2(c) => serde_json::to_value(c),
        };
        value.unwrap_or(serde_json::Value::Null)
    }

    /// Like [`AuthConfig::from_json`], from the column's text itself (no `Value` in between).
    pub fn from_json_str(kind: AuthKind, text: &str) -> Result<AuthConfig, serde_json::Error> {
        Ok(match kind {
            AuthKind::ApiKey => AuthConfig::ApiKey(serde_json::from_str(text)?),
            AuthKind::Basic => AuthConfig::Basic(serde_json::from_str(text)?),
            AuthKind::OAuth2 => AuthConfig::OAuth2(serde_json::from_str(text)?),
        })
    }

    pub fn from_json(kind: AuthKind, value: serde_json::Value) -> Result<AuthConfig, serde_json::Error> {
        Ok(match kind {
            AuthKind::ApiKey => AuthConfig::ApiKey(serde_json::from_value(value)?),
            AuthKind::Basic => AuthConfig::Basic(serde_json::from_value(value)?),
            AuthKind::OAuth2 => AuthConfig::OAuth2(serde_json::from_value(value)?),
        })
    }
}

/// The endpoints an authorization refers to (ids of its app's endpoints), one per use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EndpointRefs {
    pub token: Option<i64>,
    pub userinfo: Option<i64>,
    /// RFC 8628 device authorization endpoint.
    pub device: Option<i64>,
    /// RFC 7009 token revocation endpoint.
    pub revocation: Option<i64>,
    /// RFC 7662 token introspection endpoint.
    pub introspection: Option<i64>,
    /// The issuer's signing keys (RFC 7517 JWK set), for ID-token signatures.
    pub jwks: Option<i64>,
}

impl EndpointRefs {
    /// The references with the purpose each one is for, in the order a form shows them.
    pub fn by_purpose(&self) -> [(EndpointPurpose, Option<i64>); 6] {
        [
            (EndpointPurpose::Token, self.token),
            (EndpointPurpose::UserInfo, self.userinfo),
            (EndpointPurpose::DeviceAuthorization, self.device),
            (EndpointPurpose::Revocation, self.revocation),
            (EndpointPurpose::Introspection, self.introspection),
            (EndpointPurpose::Jwks, self.jwks),
        ]
    }

    /// The reference for one purpose (`None` for `Other`, which no authorization refers to by use).
    pub fn get(&self, purpose: EndpointPurpose) -> Option<i64> {
        self.by_purpose().into_iter().find(|(p, _)| *p == purpose).and_then(|(_, id)| id)
    }

    /// Sets the reference for one purpose; `Other` changes nothing.
    pub fn set(&mut self, purpose: EndpointPurpose, id: Option<i64>) {
        let slot = match purpose {
            EndpointPurpose::Token => &mut self.token,
            EndpointPurpose::UserInfo => &mut self.userinfo,
            EndpointPurpose::DeviceAuthorization => &mut self.device,
            EndpointPurpose::Revocation => &mut self.revocation,
            EndpointPurpose::Introspection => &mut self.introspection,
            EndpointPurpose::Jwks => &mut self.jwks,
            EndpointPurpose::Other => return,
        };
        *slot = id;
    }

    /// True when any reference is this endpoint.
    pub fn uses(&self, endpoint_id: i64) -> bool {
        self.by_purpose().iter().any(|(_, id)| *id == Some(endpoint_id))
    }
}

/// Where an API key is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyPlacement {
    #[default]
    Header,
    Query,
}

impl KeyPlacement {
    pub fn label(self) -> &'static str {
        match self {
            KeyPlacement::Header => "Header",
            KeyPlacement::Query => "Query parameter",
        }
    }
}

/// The template variable an API-Key value must contain.
pub const API_KEY_VARIABLE: &str = "{{api_key}}";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApiKeyConfig {
    pub placement: KeyPlacement,
    /// The header or query parameter name.
    pub param_name: String,
    /// The value, with `{{api_key}}` where the key goes.
    pub value_template: String,
    /// The label the end user sees when asked for the key.
    pub key_label: String,
    #[serde(skip)]
    pub userinfo_endpoint: Option<i64>,
}

impl Default for ApiKeyConfig {
    fn default() -> Self {
        Self {
            placement: KeyPlacement::Header,
            param_name: "Authorization".into(),
            value_template: format!("Bearer {API_KEY_VARIABLE}"),
            key_label: "API Key".into(),
            userinfo_endpoint: None,
        }
    }
}

impl ApiKeyConfig {
    pub fn validate(&self) -> Vec<FieldError<ApiKeyField>> {
        let mut errors = Vec::new();
        let name = self.param_name.trim();
        if name.is_empty() {
            errors.push(FieldError::missing(ApiKeyField::ParamName));
        } else if self.placement == KeyPlacement::Header && !is_header_name(name) {
            errors.push(FieldError::invalid(
                ApiKeyField::ParamName,
                "A header name has no spaces, colons or special characters (e.g. X-API-Key).",
            ));
        } else if self.placement == KeyPlacement::Query && name.contains(['&', '=', '#', ' ']) {
            errors
                .push(FieldError::invalid(ApiKeyField::ParamName, "A parameter name has no spaces, '&', '=' or '#'."));
        }
        if let Err(message) = template::check(&self.value_template, &["api_key"]) {
            errors.push(FieldError::invalid(ApiKeyField::ValueTemplate, message));
        } else if !uses_variable(&self.value_template, "api_key") {
            errors.push(FieldError::invalid(
                ApiKeyField::ValueTemplate,
                format!("Put {API_KEY_VARIABLE} where the key goes, e.g. Bearer {API_KEY_VARIABLE}."),
            ));
        }
        if self.key_label.trim().is_empty() {
            errors.push(FieldError::missing(ApiKeyField::KeyLabel));
        }
        check_len(ApiKeyField::ParamName, &self.param_name, limits::LABEL, &mut errors);
        check_len(ApiKeyField::ValueTemplate, &self.value_template, limits::SECRET, &mut errors);
        check_len(ApiKeyField::KeyLabel, &self.key_label, limits::LABEL, &mut errors);
        errors
    }
}

/// True when `template` uses the variable `name` (`{{name}}`, `{{ name | urlencode }}`…); false
/// for a template minijinja can't parse.
pub fn uses_variable(template: &str, name: &str) -> bool {
    template::variables(template).is_ok_and(|used| used.contains(name))
}

/// An HTTP header name: an RFC 9110 token.
pub fn is_header_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BasicConfig {
    pub username_label: String,
    pub password_label: String,
    #[serde(skip)]
    pub userinfo_endpoint: Option<i64>,
}

impl Default for BasicConfig {
    fn default() -> Self {
        Self { username_label: "Username".into(), password_label: "Password".into(), userinfo_endpoint: None }
    }
}

impl BasicConfig {
    pub fn validate(&self) -> Vec<FieldError<BasicField>> {
        let mut errors = Vec::new();
        if self.username_label.trim().is_empty() {
            errors.push(FieldError::missing(BasicField::UsernameLabel));
        }
        if self.password_label.trim().is_empty() {
            errors.push(FieldError::missing(BasicField::PasswordLabel));
        }
        check_len(BasicField::UsernameLabel, &self.username_label, limits::LABEL, &mut errors);
        check_len(BasicField::PasswordLabel, &self.password_label, limits::LABEL, &mut errors);
        errors
    }
}

/// How the client authenticates at the token endpoint (and the other endpoints that authenticate
/// it: PAR, revocation, introspection). The names are those of RFC 8414 / RFC 7591 in the
/// comments; `auth_method_name` in `discovery` maps them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuth {
    /// `Authorization: Basic base64(client_id:client_secret)` (client_secret_basic).
    #[default]
    BasicHeader,
    /// `client_id` and `client_secret` in the form body (client_secret_post).
    RequestBody,
    /// A public client: only `client_id` is sent.
    None,
    /// A JWT signed with the client's private key (private_key_jwt, RFC 7523, OpenID Connect Core section 9).
    PrivateKeyJwt,
    /// A JWT signed with HS256 over the client secret (client_secret_jwt).
    ClientSecretJwt,
    /// A client certificate issued by a CA the provider trusts (tls_client_auth, RFC 8705 section 2.1).
    TlsClientAuth,
    /// A self-signed client certificate registered with the provider (self_signed_tls_client_auth, RFC 8705 section 2.2).
    SelfSignedTlsClientAuth,
}

impl ClientAuth {
    /// In the order the form offers them (a public client last: one step left of the default).
    pub const ALL: [ClientAuth; 7] = [
        ClientAuth::BasicHeader,
        ClientAuth::RequestBody,
        ClientAuth::PrivateKeyJwt,
        ClientAuth::ClientSecretJwt,
        ClientAuth::TlsClientAuth,
        ClientAuth::SelfSignedTlsClientAuth,
        ClientAuth::None,
    ];

    pub fn label(self) -> &'static str {
        match self {
            ClientAuth::BasicHeader => "Basic header",
            ClientAuth::RequestBody => "Request body",
            ClientAuth::None => "None (public client)",
            ClientAuth::PrivateKeyJwt => "private_key_jwt (signed with a private key)",
            ClientAuth::ClientSecretJwt => "client_secret_jwt (HS256 over the secret)",
            ClientAuth::TlsClientAuth => "tls_client_auth (mTLS, CA-issued certificate)",
            ClientAuth::SelfSignedTlsClientAuth => "self_signed_tls_client_auth (mTLS, self-signed)",
        }
    }

    /// The method signs or sends the client secret.
    pub fn uses_secret(self) -> bool {
        matches!(self, ClientAuth::BasicHeader | ClientAuth::RequestBody | ClientAuth::ClientSecretJwt)
    }

    /// The method needs the client's private key.
    pub fn uses_key(self) -> bool {
        matches!(self, ClientAuth::PrivateKeyJwt | ClientAuth::TlsClientAuth | ClientAuth::SelfSignedTlsClientAuth)
    }

    /// The method presents a client certificate over TLS (RFC 8705).
    pub fn uses_certificate(self) -> bool {
        matches!(self, ClientAuth::TlsClientAuth | ClientAuth::SelfSignedTlsClientAuth)
    }

    /// The method sends a signed client assertion (RFC 7523 section 2.2).
    pub fn uses_assertion(self) -> bool {
        matches!(self, ClientAuth::PrivateKeyJwt | ClientAuth::ClientSecretJwt)
    }

    /// A confidential client: it proves who it is (a public client only names itself).
    pub fn authenticates(self) -> bool {
        self != ClientAuth::None
    }
}

/// The algorithm a private_key_jwt assertion is signed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum SigningAlg {
    /// RSASSA-PKCS1-v1_5 with SHA-256: what most providers expect by default.
    #[default]
    RS256,
    /// RSASSA-PSS with SHA-256 (FAPI profiles ask for it).
    PS256,
    /// ECDSA P-256 with SHA-256 (the keys authdeck generates).
    ES256,
}

impl SigningAlg {
    pub const ALL: [SigningAlg; 3] = [SigningAlg::RS256, SigningAlg::PS256, SigningAlg::ES256];

    /// The JOSE name (`alg`).
    pub fn name(self) -> &'static str {
        match self {
            SigningAlg::RS256 => "RS256",
            SigningAlg::PS256 => "PS256",
            SigningAlg::ES256 => "ES256",
        }
    }

    /// True for the algorithms of RSA keys.
    pub fn is_rsa(self) -> bool {
        matches!(self, SigningAlg::RS256 | SigningAlg::PS256)
    }
}

/// What a client assertion's `aud` names. RFC 7523 section 3 leaves it to the provider: most take
/// the token endpoint's URL, some (and FAPI 2.0) want the issuer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssertionAudience {
    #[default]
    TokenEndpoint,
    Issuer,
}

impl AssertionAudience {
    pub const ALL: [AssertionAudience; 2] = [AssertionAudience::TokenEndpoint, AssertionAudience::Issuer];

    pub fn label(self) -> &'static str {
        match self {
            AssertionAudience::TokenEndpoint => "The token endpoint's URL",
            AssertionAudience::Issuer => "The issuer",
        }
    }
}

/// How the provider returns the authorization response to the redirect URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseMode {
    /// In the query of a GET (RFC 6749 section 4.1.2): the default, and what can be pasted.
    #[default]
    Query,
    /// In the body of a POST the browser is made to send (OAuth 2.0 Form Post Response Mode),
    /// so the code never sits in the address bar or the history; sends `response_mode=form_post`.
    FormPost,
}

impl ResponseMode {
    pub const ALL: [ResponseMode; 2] = [ResponseMode::Query, ResponseMode::FormPost];

    pub fn label(self) -> &'static str {
        match self {
            ResponseMode::Query => "Query (default)",
            ResponseMode::FormPost => "Form post (response_mode=form_post)",
        }
    }

    pub fn is_default(&self) -> bool {
        *self == ResponseMode::Query
    }
}

/// How an OAuth 2.0 authorization gets its tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grant {
    /// RFC 6749 section 4.1, with PKCE (RFC 7636): a browser login and a callback.
    #[default]
    AuthorizationCode,
    /// RFC 8628: a user code entered on another device; nothing comes back to a redirect URI.
    DeviceCode,
    /// RFC 6749 section 4.4: the client's own token, no user.
    ClientCredentials,
}

impl Grant {
    pub const ALL: [Grant; 3] = [Grant::AuthorizationCode, Grant::DeviceCode, Grant::ClientCredentials];

    pub fn label(self) -> &'static str {
        match self {
            Grant::AuthorizationCode => "Authorization code",
            Grant::DeviceCode => "Device code",
            Grant::ClientCredentials => "Client credentials",
        }
    }

    /// The name stored in the database and export files.
    pub fn code(self) -> &'static str {
        match self {
            Grant::AuthorizationCode => "authorization_code",
            Grant::DeviceCode => "device_code",
            Grant::ClientCredentials => "client_credentials",
        }
    }

    pub fn from_code(code: &str) -> Option<Grant> {
        Grant::ALL.into_iter().find(|g| g.code() == code)
    }

    /// The `grant_type` a token request of this grant sends (as discovery lists them in `grant_types_supported`).
    pub fn grant_type(self) -> &'static str {
        match self {
            Grant::AuthorizationCode => "authorization_code",
            Grant::DeviceCode => "urn:ietf:params:oauth:grant-type:device_code",
            Grant::ClientCredentials => "client_credentials",
        }
    }
}

/// The default redirect URI: a loopback port authdeck can listen on.
pub const DEFAULT_REDIRECT_URI: &str = "http://127.0.0.1:8976/callback";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OAuth2Config {
    pub client_id: String,
    pub client_secret: String,
    pub authorization_uri: String,
    /// As the user separated them; sent as typed.
    pub scopes: String,
    #[serde(skip)]
    pub token_endpoint: Option<i64>,
    #[serde(skip)]
    pub userinfo_endpoint: Option<i64>,
    pub redirect_uri: String,
    pub client_auth: ClientAuth,
    pub pkce: bool,
    /// Where refresh-token grants go when not to the token endpoint (Figma's `/v1/oauth/refresh`);
    /// `None` derives the refresh request from the token endpoint.
    #[serde(skip)]
    pub refresh_endpoint: Option<i64>,
    /// The run-context values saved with the connection (`callback.realmId`, `token.instance_url`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keep: Vec<String>,
    /// The signature the callback must carry (Shopify's HMAC).
    #[serde(skip_serializing_if = "CallbackSignature::is_none")]
    pub callback_signature: CallbackSignature,
    /// How the callback comes back: in the query (default) or as a form post.
    pub response_mode: ResponseMode,
    /// How the tokens are obtained.
    pub grant: Grant,
    /// The OpenID Connect / RFC 8414 issuer, when the provider has one: its discovery document is
    /// read at each test, and the ID token's `iss` and a callback's `iss` (RFC 9207) must equal it.
    pub issuer: String,
    #[serde(skip)]
    pub device_endpoint: Option<i64>,
    #[serde(skip)]
    pub revocation_endpoint: Option<i64>,
    #[serde(skip)]
    pub introspection_endpoint: Option<i64>,
    #[serde(skip)]
    pub jwks_endpoint: Option<i64>,
    /// The private key of private_key_jwt, or of the client certificate (mTLS): PEM (PKCS#8,
    /// PKCS#1 or SEC1) or a JWK, pasted, or the path of a file holding one. A secret when pasted.
    pub client_key: String,
    /// The `kid` of the key as registered with the provider; optional.
    pub key_id: String,
    /// The algorithm of a private_key_jwt assertion.
    pub signing_alg: SigningAlg,
    /// What a client assertion's `aud` is.
    pub assertion_audience: AssertionAudience,
    /// The client certificate of tls_client_auth / self_signed_tls_client_auth: PEM (its chain may
    /// follow), pasted, or the path of a file.
    pub client_certificate: String,
    /// Pushed authorization requests (RFC 9126): the authorization parameters are POSTed first
    /// and the browser gets only `client_id` and `request_uri`.
    pub par: bool,
    /// The PAR endpoint; empty: the one the issuer's discovery document names.
    pub par_endpoint: String,
    /// Sender-constrained tokens with DPoP proofs (RFC 9449), a key pair per connection.
    pub dpop: bool,
}

impl Default for OAuth2Config {
    fn default() -> Self {
        Self {
            client_id: String::new(),
            client_secret: String::new(),
            authorization_uri: String::new(),
            scopes: String::new(),
            token_endpoint: None,
            userinfo_endpoint: None,
            redirect_uri: DEFAULT_REDIRECT_URI.into(),
            client_auth: ClientAuth::BasicHeader,
            pkce: true,
            refresh_endpoint: None,
            keep: Vec::new(),
            callback_signature: CallbackSignature::None,
            response_mode: ResponseMode::Query,
            grant: Grant::AuthorizationCode,
            issuer: String::new(),
            device_endpoint: None,
            revocation_endpoint: None,
            introspection_endpoint: None,
            jwks_endpoint: None,
            client_key: String::new(),
            key_id: String::new(),
            signing_alg: SigningAlg::RS256,
            assertion_audience: AssertionAudience::TokenEndpoint,
            client_certificate: String::new(),
            par: false,
            par_endpoint: String::new(),
            dpop: false,
        }
    }
}

/// The longest Client ID accepted: real ones are tens of characters (a URL at most, for a client
/// ID metadata document); anything longer is a paste gone wrong.
pub const CLIENT_ID_MAX: usize = 1024;
/// The longest Client Secret accepted (a signed JWT, as Apple's, fits many times over).
pub const CLIENT_SECRET_MAX: usize = 8192;
/// The longest private key or certificate (chain) accepted: a 4096-bit RSA key in PEM is 3.3 KB,
/// a chain of a few certificates some more.
pub const KEY_MATERIAL_MAX: usize = 64 * 1024;

impl OAuth2Config {
    pub fn validate(&self) -> Vec<FieldError<OAuth2Field>> {
        let mut errors = Vec::new();
        let client_id = self.client_id.trim();
        if client_id.is_empty() {
            errors.push(FieldError::missing(OAuth2Field::ClientId));
        } else if client_id.chars().count() > CLIENT_ID_MAX {
            errors.push(FieldError::new(OAuth2Field::ClientId, Problem::TooLong { max: CLIENT_ID_MAX }));
        } else if client_id.chars().any(|c| c.is_whitespace() || c.is_control()) {
            errors.push(FieldError::invalid(
                OAuth2Field::ClientId,
                "A Client ID has no spaces, line breaks or control characters: copy it again from the provider.",
            ));
        }
        if self.grant == Grant::ClientCredentials && self.client_auth == ClientAuth::None {
            errors.push(FieldError::invalid(
                OAuth2Field::ClientAuth,
                "A client-credentials client must authenticate: choose Basic header, Request body, or a key or certificate method.",
            ));
        }
        self.validate_key_material(&mut errors);
        if self.client_secret.is_empty() && self.client_auth.uses_secret() {
            errors.push(FieldError::missing(OAuth2Field::ClientSecret));
        } else if self.client_secret.chars().count() > CLIENT_SECRET_MAX {
            errors.push(FieldError::new(OAuth2Field::ClientSecret, Problem::TooLong { max: CLIENT_SECRET_MAX }));
        } else if self.client_secret.chars().any(char::is_control) {
            errors.push(FieldError::invalid(
                OAuth2Field::ClientSecret,
                "The Client Secret has a line break or control character in it: copy it again from the provider.",
            ));
        }
        if let Err(message) = check_issuer(&self.issuer) {
            errors.push(FieldError::invalid(OAuth2Field::Issuer, message));
        }
        // Only the code grant sends the user to an authorization page and back to a redirect URI.
        if self.grant == Grant::AuthorizationCode
            && let Some(problem) = url_problem(&self.authorization_uri, "the Authorization URI")
        {
            errors.push(FieldError::new(OAuth2Field::AuthorizationUri, problem));
        }
        if self.token_endpoint.is_none() {
            errors.push(FieldError::missing(OAuth2Field::TokenEndpoint));
        }
        if self.grant == Grant::DeviceCode && self.device_endpoint.is_none() && self.issuer.trim().is_empty() {
            errors.push(FieldError::missing(OAuth2Field::DeviceEndpoint));
        }
        if self.par
            && let Some(Problem::Invalid(message)) =
                url_problem(&self.par_endpoint, "the PAR endpoint").filter(|_| !self.par_endpoint.trim().is_empty())
        {
            errors.push(FieldError::invalid(OAuth2Field::ParEndpoint, message));
        }
        if self.par
            && self.grant == Grant::AuthorizationCode
            && self.par_endpoint.trim().is_empty()
            && self.issuer().is_none()
        {
            errors.push(FieldError::missing(OAuth2Field::ParEndpoint));
        }
        if self.grant == Grant::AuthorizationCode {
            if self.redirect_uri.trim().is_empty() {
                errors.push(FieldError::missing(OAuth2Field::RedirectUri));
            } else if let Err(message) = check_redirect_uri(&self.redirect_uri) {
                errors.push(FieldError::invalid(OAuth2Field::RedirectUri, message));
            }
        }
        if let Some(message) = self.keep.iter().find_map(|name| check_kept_name(name).err()) {
            errors.push(FieldError::invalid(OAuth2Field::Keep, message));
        }
        if !self.callback_signature.is_none() && self.client_auth == ClientAuth::None {
            errors.push(FieldError::invalid(
                OAuth2Field::CallbackSignature,
                "The callback signature is keyed with the Client Secret: use a client authentication with the secret, or check no signature.",
            ));
        }
        // The Client ID and Secret have their own limits above.
        for (field, value, max) in [
            (OAuth2Field::AuthorizationUri, &self.authorization_uri, limits::URL),
            (OAuth2Field::Scopes, &self.scopes, limits::SCOPES),
            (OAuth2Field::RedirectUri, &self.redirect_uri, limits::URL),
        ] {
            check_len(field, value, max, &mut errors);
        }
        errors
    }

    /// The key and certificate the client authentication method needs: present, not absurdly
    /// long, and (when pasted) of the right shape. Reading and checking the key itself is the
    /// engine's (`flow::keys`), which says what is wrong with it.
    fn validate_key_material(&self, errors: &mut Vec<FieldError<OAuth2Field>>) {
        let checks = [
            (OAuth2Field::ClientKey, &self.client_key, self.client_auth.uses_key(), KeyShape::Key),
            (
                OAuth2Field::ClientCertificate,
                &self.client_certificate,
                self.client_auth.uses_certificate(),
                KeyShape::Certificate,
            ),
        ];
        for (field, value, needed, shape) in checks {
            let value = value.trim();
            if value.is_empty() {
                if needed {
                    errors.push(FieldError::missing(field));
                }
                continue;
            }
            if value.chars().count() > KEY_MATERIAL_MAX {
                errors.push(FieldError::new(field, Problem::TooLong { max: KEY_MATERIAL_MAX }));
            } else if let Err(message) = shape.check(value) {
                errors.push(FieldError::invalid(field, message));
            }
        }
        if self.key_id.chars().any(char::is_control) || self.key_id.chars().count() > 256 {
            errors.push(FieldError::invalid(
                OAuth2Field::KeyId,
                "A key id is one short line, as registered with the provider.",
            ));
        }
    }

    pub fn endpoint_refs(&self) -> EndpointRefs {
        EndpointRefs {
            token: self.token_endpoint,
            userinfo: self.userinfo_endpoint,
            device: self.device_endpoint,
            revocation: self.revocation_endpoint,
            introspection: self.introspection_endpoint,
            jwks: self.jwks_endpoint,
        }
    }

    pub fn set_endpoint_refs(&mut self, refs: EndpointRefs) {
        self.token_endpoint = refs.token;
        self.userinfo_endpoint = refs.userinfo;
        self.device_endpoint = refs.device;
        self.revocation_endpoint = refs.revocation;
        self.introspection_endpoint = refs.introspection;
        self.jwks_endpoint = refs.jwks;
    }

    /// True when the scopes ask for OpenID Connect (`openid`): an ID token is expected, and the
    /// code flow sends a `nonce`.
    pub fn wants_openid(&self) -> bool {
        parse_scopes(&self.scopes).iter().any(|s| s == "openid")
    }

    /// The issuer as configured, without surrounding spaces; `None` when there is none.
    pub fn issuer(&self) -> Option<&str> {
        Some(self.issuer.trim()).filter(|i| !i.is_empty())
    }

    /// The query parameters already in the Authorization URI, as typed.
    pub fn authorization_params(&self) -> Vec<(String, String)> {
        query_params(&self.authorization_uri)
    }
}

/// What a key or certificate field holds, for its shape check.
#[derive(Debug, Clone, Copy)]
enum KeyShape {
    Key,
    Certificate,
}

impl KeyShape {
    /// A pasted value must look like what it is; anything else on one line is taken for a file path.
    fn check(self, value: &str) -> Result<(), String> {
        let pasted_pem = value.contains("-----BEGIN");
        let pasted_json = value.starts_with('{');
        let one_line = !value.contains('\n');
        match self {
            KeyShape::Key if pasted_pem && value.contains("CERTIFICATE-----") && !value.contains("PRIVATE KEY") => Err(
                "This is a certificate, not its private key: paste the key (-----BEGIN PRIVATE KEY-----), or its file's path.".into(),
            ),
            KeyShape::Key if pasted_pem && !value.contains("PRIVATE KEY-----") => Err(
                "A private key in PEM begins with -----BEGIN PRIVATE KEY----- (or RSA PRIVATE KEY, EC PRIVATE KEY): paste the whole key, or its file's path.".into(),
            ),
            KeyShape::Certificate if pasted_json => {
                Err("A client certificate is PEM (-----BEGIN CERTIFICATE-----), not a JWK.".into())
            }
            KeyShape::Certificate if pasted_pem && !value.contains("BEGIN CERTIFICATE-----") => Err(
                "A certificate in PEM begins with -----BEGIN CERTIFICATE-----: paste it whole, or its file's path.".into(),
            ),
            _ if pasted_pem || pasted_json || one_line => Ok(()),
            _ => Err("Paste the whole PEM (with its -----BEGIN line) or a JWK, or give the path of the file.".into()),
        }
    }
}

/// Parses the "Keep from the run" field: names separated by commas or white space.
pub fn parse_kept_names(text: &str) -> Vec<String> {
    text.split(|c: char| c == ',' || c.is_whitespace()).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// A value to keep is named `callback.NAME`, `token.PATH` or `userinfo.PATH`.
pub fn check_kept_name(name: &str) -> Result<(), String> {
    let valid = name.split_once('.').is_some_and(|(namespace, path)| {
        NAMESPACES.contains(&namespace)
            && !path.is_empty()
            && path.split('.').all(|p| !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || "_-$@:".contains(c)))
    });
    if valid {
        Ok(())
    } else {
        Err(format!(
            "\"{name}\" is not a value of the run: write callback.NAME (a callback parameter), token.NAME (a field of the token response) or userinfo.NAME, e.g. callback.realmId or token.instance_url."
        ))
    }
}

/// The query parameters of a URL, decoded, in order; empty when it isn't a URL.
pub fn query_params(url: &str) -> Vec<(String, String)> {
    Url::parse(url.trim())
        .map(|u| u.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
        .unwrap_or_default()
}

/// What is wrong with an absolute http(s) URL field, if anything: missing when empty.
pub fn url_problem(value: &str, what: &str) -> Option<Problem> {
    if value.trim().is_empty() {
        return Some(Problem::Missing);
    }
    check_http_url(value, what).err().map(Problem::Invalid)
}

/// Checks an absolute http(s) URL without a fragment; the message says what to fix.
pub fn check_http_url(value: &str, what: &str) -> Result<Url, String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(format!("Enter {what}, e.g. https://provider.example/oauth/authorize."));
    }
    let url = Url::parse(value)
        .map_err(|_| format!("{} must be an absolute URL starting with https:// or http://.", capitalize(what)))?;
    if url.scheme() != "https" && url.scheme() != "http" {
        return Err(format!("{} must start with https:// or http://, not {}:.", capitalize(what), url.scheme()));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("{} needs a host name.", capitalize(what)));
    }
    if url.fragment().is_some() {
        return Err(format!("{} can't have a #fragment: remove the part from '#'.", capitalize(what)));
    }
    Ok(url)
}

/// Checks an issuer (empty is fine: there is none): an `https://` URL (or `http://` for a local
/// provider) with no query or fragment (OpenID Connect Discovery 1.0 section 2, RFC 8414 section 2).
pub fn check_issuer(value: &str) -> Result<(), String> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(());
    }
    let url = check_http_url(value, "the Issuer")?;
    if url.query().is_some() {
        return Err(
            "The Issuer can't have a ?query: it is the provider's base URL, e.g. https://accounts.example.com.".into(),
        );
    }
    Ok(())
}

/// Checks the redirect URI: an absolute URL (custom schemes are allowed, since some providers use them).
pub fn check_redirect_uri(value: &str) -> Result<Url, String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(format!("Enter the redirect URI registered with the provider, e.g. {DEFAULT_REDIRECT_URI}."));
    }
    let url = Url::parse(value)
        .map_err(|_| format!("The redirect URI must be an absolute URL, e.g. {DEFAULT_REDIRECT_URI}."))?;
    if (url.scheme() == "http" || url.scheme() == "https") && url.host_str().is_none_or(str::is_empty) {
        return Err("The redirect URI needs a host name.".into());
    }
    if url.fragment().is_some() {
        return Err("The redirect URI can't have a #fragment.".into());
    }
    Ok(url)
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// The scopes as a list, split at commas and white space, for showing the user what they typed.
/// The request sends the field exactly as typed, not this list.
pub fn parse_scopes(scopes: &str) -> Vec<String> {
    scopes.split(|c: char| c == ',' || c.is_whitespace()).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_split_at_commas_and_spaces() {
        assert_eq!(parse_scopes("read,write profile"), ["read", "write", "profile"]);
        assert_eq!(parse_scopes(" a ,, b\tc "), ["a", "b", "c"]);
        assert!(parse_scopes("  ").is_empty());
    }

    #[test]
    fn api_key_checks_header_name_and_template() {
        let mut c =
            ApiKeyConfig { param_name: "X API:Key".into(), value_template: "Bearer".into(), ..Default::default() };
        let fields: Vec<_> = c.validate().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, [ApiKeyField::ParamName, ApiKeyField::ValueTemplate]);
        c.param_name = "X-API-Key".into();
        c.value_template = "Token {{ api_key }}".into();
        assert!(c.validate().is_empty());
    }

    #[test]
    fn api_key_template_is_checked_by_the_template_engine() {
        let problem = |template: &str| {
            let c = ApiKeyConfig { value_template: template.into(), ..Default::default() };
            c.validate().into_iter().find(|e| e.field == ApiKeyField::ValueTemplate).and_then(|e| e.problem.reason())
        };
        assert_eq!(problem("Bearer {{ api_key | trim }}"), None);
        let unknown = problem("Bearer {{api_key}} {{oops}}").expect("an unknown variable is refused");
        assert!(unknown.contains("{{oops}}"), "{unknown}");
        let syntax = problem("Bearer {{ api_key").expect("a syntax error is refused");
        assert!(syntax.contains("Template error"), "{syntax}");
        assert_eq!(problem("Bearer").as_deref(), Some("Put {{api_key}} where the key goes, e.g. Bearer {{api_key}}."));
        assert_eq!(
            problem("Bearer {{ other }}").as_deref(),
            Some("Unknown variable {{other}}: use one of {{api_key}}.")
        );
    }

    #[test]
    fn oauth2_validation_names_each_field() {
        let c = OAuth2Config {
            authorization_uri: "https://x.example/auth#frag".into(),
            redirect_uri: "not a url".into(),
            ..Default::default()
        };
        let errors = c.validate();
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        use OAuth2Field::*;
        assert_eq!(fields, [ClientId, ClientSecret, AuthorizationUri, TokenEndpoint, RedirectUri]);
        assert_eq!(errors[0].problem, Problem::Missing);
        assert!(errors[2].problem.reason().unwrap().contains("#fragment"));
        assert!(errors[4].problem.reason().unwrap().contains("absolute URL"));
    }

    #[test]
    fn each_grant_asks_for_what_it_uses() {
        use OAuth2Field::{AuthorizationUri, DeviceEndpoint, Issuer};
        let fields = |c: &OAuth2Config| c.validate().into_iter().map(|e| e.field).collect::<Vec<_>>();
        let base = OAuth2Config {
            client_id: "id".into(),
            client_secret: "s".into(),
            token_endpoint: Some(1),
            ..Default::default()
        };
        // No authorization URI or redirect URI without a browser login.
        let device = OAuth2Config { grant: Grant::DeviceCode, redirect_uri: String::new(), ..base.clone() };
        assert_eq!(fields(&device), [DeviceEndpoint]);
        let with_issuer = OAuth2Config { issuer: "https://id.example.test".into(), ..device };
        assert!(fields(&with_issuer).is_empty(), "discovery names the device endpoint");
        let machine = OAuth2Config { grant: Grant::ClientCredentials, client_auth: ClientAuth::None, ..base.clone() };
        assert_eq!(fields(&machine), [OAuth2Field::ClientAuth]);
        let code = OAuth2Config { issuer: "https://id.example.test/?tenant=x".into(), ..base };
        assert_eq!(fields(&code), [Issuer, AuthorizationUri]);
        assert!(check_issuer("https://id.example.test/tenant").is_ok() && check_issuer("").is_ok());
    }

    #[test]
    fn public_client_needs_no_secret() {
        let c = OAuth2Config {
            client_id: "id".into(),
            authorization_uri: "https://x.example/auth?response_type=code&prompt=consent".into(),
            token_endpoint: Some(1),
            client_auth: ClientAuth::None,
            ..Default::default()
        };
        assert!(c.validate().is_empty());
        assert_eq!(
            c.authorization_params(),
            [("response_type".to_owned(), "code".to_owned()), ("prompt".to_owned(), "consent".to_owned())]
        );
    }

    #[test]
    fn kept_names_and_signature_are_checked() {
        let mut c = OAuth2Config {
            client_id: "id".into(),
            client_secret: "s".into(),
            authorization_uri: "https://x.example/auth".into(),
            token_endpoint: Some(1),
            keep: parse_kept_names("callback.realmId, token.instance_url userinfo.data.0.id"),
            callback_signature: CallbackSignature::ShopifyHmacSha256,
            ..Default::default()
        };
        assert_eq!(c.validate(), []);
        c.keep.push("instance_url".into());
        c.client_auth = ClientAuth::None;
        let fields: Vec<_> = c.validate().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, [OAuth2Field::Keep, OAuth2Field::CallbackSignature]);
        assert!(check_kept_name("tokens.x").unwrap_err().contains("callback.realmId"));
        // The stored form of an authorization without these fields is unchanged.
        let plain = serde_json::to_value(OAuth2Config::default()).unwrap();
        assert!(plain.get("keep").is_none() && plain.get("callback_signature").is_none(), "{plain}");
    }

    #[test]
    fn absurd_client_ids_are_refused_with_a_reason() {
        let with_id = |id: String| OAuth2Config { client_id: id, ..Default::default() }.validate();
        let problem = |id: &str| with_id(id.into()).into_iter().find(|e| e.field == OAuth2Field::ClientId);
        let long = with_id("x".repeat(20_000)).into_iter().find(|e| e.field == OAuth2Field::ClientId).unwrap();
        assert_eq!(long.problem, Problem::TooLong { max: CLIENT_ID_MAX });
        assert!(problem("abc def").unwrap().problem.reason().unwrap().contains("no spaces"));
        assert!(problem("abc\tdef").is_some());
        assert!(problem("  Iv1.abc  ").is_none(), "surrounding spaces are trimmed, not refused");
    }

    #[test]
    fn relative_or_ftp_uris_are_refused() {
        assert!(check_http_url("/oauth/authorize", "the Authorization URI").is_err());
        assert!(check_http_url("ftp://x.example/a", "the Authorization URI").unwrap_err().contains("ftp"));
    }
}
