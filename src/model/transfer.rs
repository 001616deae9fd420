//! The export file format (version 3): apps with their endpoints and authorizations, endpoints
//! referred to by name, secrets written as null unless asked for. Version 1 files (before grants,
//! issuers and the device, revocation, introspection and JWKS endpoints) and version 2 files
//! (before client keys and certificates, PAR and DPoP) still read: what they lack takes its default. Pure: reading and writing the store is `store::transfer`.

use serde::de::{self, DeserializeOwned, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::authorization::{AuthKind, DEFAULT_REDIRECT_URI};
use super::signature::CallbackSignature;
use super::{
    ApiKeyField, AssertionAudience, AuthField, BasicField, BodyKind, ClientAuth, EndpointField, EndpointPurpose, Grant,
    KeyPlacement, OAuth2Field, Problem, ResponseMapping, ResponseMode, SigningAlg,
};

/// The format version this binary writes.
pub const FORMAT_VERSION: u32 = 3;
/// The versions this binary reads.
pub const READ_VERSIONS: std::ops::RangeInclusive<u32> = 1..=FORMAT_VERSION;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportFile {
    pub version: u32,
    pub apps: Vec<AppExport>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppExport {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub endpoints: Vec<EndpointExport>,
    #[serde(default)]
    pub authorizations: Vec<AuthorizationExport>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointExport {
    pub name: String,
    pub purpose: EndpointPurpose,
    /// Any case; read with [`Method::parse`](super::Method::parse) so an unknown one is named in the error.
    pub method: String,
    pub url: String,
    /// One `Name: value` per entry.
    #[serde(default)]
    pub headers: Vec<String>,
    #[serde(default)]
    pub body_kind: BodyKind,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub response: ResponseMapping,
}

/// An authorization: `"kind"` and the fields of that kind, in one JSON object. Read by hand (see the
/// `Deserialize` impl below) so that an error names the field inside it and an unknown field is refused.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
// One value per authorization of a file, made and read once: boxing the OAuth 2.0 fields would
// save nothing that matters and cost every match a deref.
#[allow(clippy::large_enum_variant)]
pub enum AuthorizationExport {
    ApiKey(ApiKeyExport),
    Basic(BasicExport),
    #[serde(rename = "oauth2")]
    OAuth2(OAuth2Export),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyExport {
    pub name: String,
    pub placement: KeyPlacement,
    pub param_name: String,
    pub value_template: String,
    pub key_label: String,
    #[serde(default)]
    pub userinfo_endpoint: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasicExport {
    pub name: String,
    pub username_label: String,
    pub password_label: String,
    #[serde(default)]
    pub userinfo_endpoint: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuth2Export {
    pub name: String,
    pub client_id: String,
    /// null when left out of the export; import then keeps the stored secret.
    #[serde(default)]
    pub client_secret: Option<String>,
    pub authorization_uri: String,
    #[serde(default)]
    pub scopes: String,
    #[serde(default)]
    pub token_endpoint: Option<String>,
    #[serde(default)]
    pub userinfo_endpoint: Option<String>,
    pub redirect_uri: String,
    #[serde(default)]
    pub client_auth: ClientAuth,
    #[serde(default = "yes")]
    pub pkce: bool,
    /// The endpoint of refresh-token grants, when not the token endpoint (by name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_endpoint: Option<String>,
    /// Run-context values saved with a connection: `callback.realmId`, `token.instance_url`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keep: Vec<String>,
    #[serde(default, skip_serializing_if = "CallbackSignature::is_none")]
    pub callback_signature: CallbackSignature,
    /// Version 2 on.
    #[serde(default)]
    pub grant: Grant,
    #[serde(default)]
    pub issuer: String,
    #[serde(default)]
    pub device_endpoint: Option<String>,
    #[serde(default)]
    pub revocation_endpoint: Option<String>,
    #[serde(default)]
    pub introspection_endpoint: Option<String>,
    #[serde(default)]
    pub jwks_endpoint: Option<String>,
    /// `query` (the default, left out of the file) or `form_post`.
    #[serde(default, skip_serializing_if = "ResponseMode::is_default")]
    pub response_mode: ResponseMode,
    /// Version 3 on. The private key of private_key_jwt or mTLS: null when left out of the export
    /// (a pasted key is a secret; the path of a key file is written as it is). Import then keeps
    /// the stored one.
    #[serde(default)]
    pub client_key: Option<String>,
    #[serde(default)]
    pub key_id: String,
    #[serde(default)]
    pub signing_alg: SigningAlg,
    #[serde(default)]
    pub assertion_audience: AssertionAudience,
    /// A certificate is public: always written.
    #[serde(default)]
    pub client_certificate: String,
    #[serde(default)]
    pub par: bool,
    #[serde(default)]
    pub par_endpoint: String,
    #[serde(default)]
    pub dpop: bool,
}

fn yes() -> bool {
    true
}

impl AuthorizationExport {
    pub fn name(&self) -> &str {
        match self {
            AuthorizationExport::ApiKey(a) => &a.name,
            AuthorizationExport::Basic(a) => &a.name,
            AuthorizationExport::OAuth2(a) => &a.name,
        }
    }
}

/// serde's internally tagged enums buffer the object, so an error inside it is reported at the object
/// without the field, and they don't refuse unknown fields (serde-rs/serde#2123). So: read the object,
/// take `kind`, then read the rest as that kind's struct, tracking the path inside it.
impl<'de> Deserialize<'de> for AuthorizationExport {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut fields = serde_json::Map::deserialize(deserializer)?;
        let kinds = AuthKind::ALL.map(|k| format!("\"{}\"", k.code())).join(", ");
        let kind = match fields.remove("kind") {
            None => return Err(de::Error::custom(format!("missing field `kind`: write one of {kinds}"))),
            Some(Value::String(kind)) => kind,
            Some(other) => {
                return Err(de::Error::custom(nested("kind", &format!("write one of {kinds}, not {other}"))));
            }
        };
        let rest = Value::Object(fields);
        match AuthKind::from_code(&kind) {
            Some(AuthKind::ApiKey) => kind_fields(rest).map(AuthorizationExport::ApiKey),
            Some(AuthKind::Basic) => kind_fields(rest).map(AuthorizationExport::Basic),
            Some(AuthKind::OAuth2) => kind_fields(rest).map(AuthorizationExport::OAuth2),
            None => Err(de::Error::custom(nested("kind", &format!("unknown kind \"{kind}\"; write one of {kinds}")))),
        }
    }
}

/// Reads the fields of one kind; an error carries the path inside the authorization.
fn kind_fields<T: DeserializeOwned, E: de::Error>(fields: Value) -> Result<T, E> {
    serde_path_to_error::deserialize(fields).map_err(|e| {
        let path = e.path().to_string();
        E::custom(nested(&path, &e.into_inner().to_string()))
    })
}

/// An error at `path` inside the value being read, as `.path: message`; [`parse`] joins it to the
/// path of that value. The root path (`.`) adds nothing.
fn nested(path: &str, message: &str) -> String {
    if path == "." { message.to_owned() } else { format!(".{path}: {message}") }
}

/// Joins the path inside a value (an error message written by [`nested`]) to the value's path.
fn join_nested(path: String, message: String) -> (String, String) {
    match message.strip_prefix('.').and_then(|m| m.split_once(": ")) {
        Some((inner, rest)) if path != "." => (format!("{path}.{inner}"), rest.to_owned()),
        _ => (path, message),
    }
}

/// Parses an export file; the error says where (the JSON path) and what was expected.
pub fn parse(text: &str) -> Result<ExportFile, String> {
    if text.len() > super::limits::IMPORT_FILE {
        return Err(too_large_message());
    }
    let de = &mut serde_json::Deserializer::from_str(text);
    let file: ExportFile = serde_path_to_error::deserialize(de).map_err(|e| {
        let (path, message) = join_nested(e.path().to_string(), e.into_inner().to_string());
        let at = if path == "." { String::new() } else { format!(" at {path}") };
        format!("The file is not a valid authdeck export{at}: {message}.")
    })?;
    if !READ_VERSIONS.contains(&file.version) {
        return Err(format!(
            "The file is export format version {}; this authdeck reads versions {} to {}. Use a newer authdeck.",
            file.version,
            READ_VERSIONS.start(),
            READ_VERSIONS.end()
        ));
    }
    Ok(file)
}

/// Why a file over [`super::limits::IMPORT_FILE`] is not read.
pub fn too_large_message() -> String {
    format!(
        "The file is larger than {} MiB, the most an authdeck export can be (it takes a few KiB per app). Check that it is the right file.",
        super::limits::IMPORT_FILE / (1024 * 1024)
    )
}

/// A problem with an authorization's field, worded for someone editing the file: what to write there.
pub fn authorization_problem(field: AuthField, problem: &Problem) -> String {
    problem.reason().unwrap_or_else(|| match field {
        AuthField::ApiKey(ApiKeyField::Name)
        | AuthField::Basic(BasicField::Name)
        | AuthField::OAuth2(OAuth2Field::Name) => "write the authorization's name.".into(),
        AuthField::ApiKey(ApiKeyField::ParamName) => "write the header or parameter name, e.g. \"X-API-Key\".".into(),
        AuthField::ApiKey(ApiKeyField::KeyLabel) => "write the label the end user sees, e.g. \"API Key\".".into(),
        AuthField::Basic(BasicField::UsernameLabel) => "write the label the end user sees, e.g. \"Username\".".into(),
        AuthField::Basic(BasicField::PasswordLabel) => "write the label the end user sees, e.g. \"Password\".".into(),
        AuthField::OAuth2(OAuth2Field::ClientId) => "write the Client ID the provider gave your app.".into(),
        AuthField::OAuth2(OAuth2Field::ClientSecret) => {
            "write the Client Secret, or set \"client_auth\" to \"none\" for a public client.".into()
        }
        AuthField::OAuth2(OAuth2Field::AuthorizationUri) => {
            "write the provider's authorization URL, e.g. \"https://provider.example/oauth/authorize\".".into()
        }
        AuthField::OAuth2(OAuth2Field::TokenEndpoint) => {
            "name one of this app's endpoints (a \"name\" under \"endpoints\") as the token endpoint.".into()
        }
        AuthField::OAuth2(OAuth2Field::DeviceEndpoint) => {
            "name one of this app's endpoints as the device_endpoint, or write the issuer (its discovery document names one).".into()
        }
        AuthField::OAuth2(OAuth2Field::RedirectUri) => {
            format!("write the redirect URI registered with the provider, e.g. \"{DEFAULT_REDIRECT_URI}\".")
        }
        AuthField::OAuth2(OAuth2Field::ClientKey) => {
            "write the private key (PEM or JWK) or the path of its file, as \"client_key\".".into()
        }
        AuthField::OAuth2(OAuth2Field::ClientCertificate) => {
            "write the client certificate (PEM) or the path of its file, as \"client_certificate\".".into()
        }
        AuthField::OAuth2(OAuth2Field::ParEndpoint) => {
            "write the PAR endpoint's URL as \"par_endpoint\", or the issuer (its discovery document names one).".into()
        }
        other => format!("write a value for \"{}\".", other.code()),
    })
}

/// A problem with an endpoint's field, worded for someone editing the file.
pub fn endpoint_problem(field: EndpointField, problem: &Problem) -> String {
    problem.reason().unwrap_or_else(|| match field {
        EndpointField::Name => "write the endpoint's name.".into(),
        EndpointField::Url => {
            "write the endpoint's absolute URL, e.g. \"https://provider.example/oauth/token\".".into()
        }
        other => format!("write a value for \"{}\".", other.code()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_json_path() {
        let text = r#"{"version": 1, "apps": [{"name": "A", "authorizations": [{"kind": "basic", "name": "B"}]}]}"#;
        let err = parse(text).unwrap_err();
        assert!(err.contains("apps[0].authorizations[0]"), "{err}");
        assert!(err.contains("username_label"), "{err}");
        let err = parse(r#"{"version": 1, "apps": [{"name": "A", "endpoints": [{"name": "t", "purpose": "tok"}]}]}"#)
            .unwrap_err();
        assert!(err.contains("apps[0].endpoints[0].purpose"), "{err}");
        assert!(parse(r#"{"version": 4, "apps": []}"#).unwrap_err().contains("version 4"));
        assert!(parse(r#"{"version": 0, "apps": []}"#).is_err());
    }

    #[test]
    fn an_error_inside_an_authorization_names_the_field() {
        let auth =
            |fields: &str| format!(r#"{{"version": 1, "apps": [{{"name": "A", "authorizations": [{fields}]}}]}}"#);
        let basic = r#""kind": "basic", "name": "B", "username_label": "U", "password_label": "P""#;
        assert!(parse(&auth(&format!("{{{basic}}}"))).is_ok());
        let err = parse(&auth(&format!(r#"{{{basic}, "userinfo_endpoint": 3}}"#))).unwrap_err();
        assert!(err.contains("at apps[0].authorizations[0].userinfo_endpoint: invalid type: integer `3`"), "{err}");
        let err = parse(&auth(&format!(r#"{{{basic}, "param_nme": "X"}}"#))).unwrap_err();
        assert!(err.contains("at apps[0].authorizations[0].param_nme: unknown field `param_nme`"), "{err}");
        let err = parse(&auth(r#"{"name": "B"}"#)).unwrap_err();
        assert!(err.contains("at apps[0].authorizations[0]: missing field `kind`"), "{err}");
        let err = parse(&auth(r#"{"kind": 2, "name": "B"}"#)).unwrap_err();
        assert!(err.contains("at apps[0].authorizations[0].kind: write one of"), "{err}");
    }

    #[test]
    fn the_json_format_is_unchanged() {
        let text = r#"{"kind":"oauth2","name":"O","client_id":"id","client_secret":null,"authorization_uri":"https://a.test/auth","scopes":"","token_endpoint":"T","userinfo_endpoint":null,"redirect_uri":"http://127.0.0.1:8976/callback","client_auth":"basic_header","pkce":true,"grant":"device_code","issuer":"https://a.test","device_endpoint":"D","revocation_endpoint":null,"introspection_endpoint":null,"jwks_endpoint":"K"}"#;
        let read: AuthorizationExport = serde_json::from_str(text).unwrap();
        assert_eq!(read.name(), "O");
        // Version 3's fields follow, with their defaults (a version 2 object reads as it was).
        let added = r#","client_key":null,"key_id":"","signing_alg":"RS256","assertion_audience":"token_endpoint","client_certificate":"","par":false,"par_endpoint":"","dpop":false}"#;
        let written = serde_json::to_string(&read).unwrap();
        assert_eq!(written, format!("{}{added}", text.trim_end_matches('}')));
        let again: AuthorizationExport = serde_json::from_str(&written).unwrap();
        assert_eq!(serde_json::to_string(&again).unwrap(), written);
    }

    #[test]
    fn the_quirk_fields_read_and_stay_out_when_unused() {
        let base = r#""kind":"oauth2","name":"O","client_id":"id","authorization_uri":"https://a.test/auth","redirect_uri":"http://127.0.0.1:8976/callback""#;
        let read: AuthorizationExport = serde_json::from_str(&format!(
            r#"{{{base},"refresh_endpoint":"R","keep":["callback.realmId"],"callback_signature":"shopify_hmac_sha256"}}"#
        ))
        .unwrap();
        let AuthorizationExport::OAuth2(o) = &read else { panic!() };
        assert_eq!(o.refresh_endpoint.as_deref(), Some("R"));
        assert_eq!(o.keep, ["callback.realmId"]);
        assert_eq!(o.callback_signature, CallbackSignature::ShopifyHmacSha256);
        let plain: AuthorizationExport = serde_json::from_str(&format!("{{{base}}}")).unwrap();
        let written = serde_json::to_string(&plain).unwrap();
        assert!(!written.contains("keep") && !written.contains("refresh_endpoint"), "{written}");
    }

    #[test]
    fn a_version_1_file_still_reads_with_the_defaults() {
        let text = r#"{"version": 1, "apps": [{"name": "A", "authorizations": [{"kind":"oauth2","name":"O","client_id":"id","authorization_uri":"https://a.test/auth","redirect_uri":"http://127.0.0.1:8976/callback"}]}]}"#;
        let file = parse(text).unwrap();
        let AuthorizationExport::OAuth2(o) = &file.apps[0].authorizations[0] else { panic!() };
        assert_eq!((o.grant, o.issuer.as_str(), o.device_endpoint.as_deref()), (Grant::AuthorizationCode, "", None));
        assert!(o.pkce);
    }

    #[test]
    fn file_messages_say_what_to_write() {
        use crate::model::{Endpoint, OAuth2Config};
        let oauth2 = OAuth2Config { redirect_uri: String::new(), ..Default::default() };
        let missing: Vec<_> = oauth2.validate().into_iter().filter(|p| p.problem == Problem::Missing).collect();
        assert_eq!(missing.len(), 5, "{missing:?}");
        for problem in missing {
            let message = authorization_problem(AuthField::OAuth2(problem.field), &problem.problem);
            assert!(message.starts_with("write ") || message.starts_with("name "), "{:?}: {message}", problem.field);
        }
        let endpoint = Endpoint { name: String::new(), ..Endpoint::new_for(EndpointPurpose::Token) };
        let messages: Vec<_> = endpoint.validate().iter().map(|p| endpoint_problem(p.field, &p.problem)).collect();
        assert_eq!(
            messages,
            [
                "write the endpoint's name.",
                "write the endpoint's absolute URL, e.g. \"https://provider.example/oauth/token\"."
            ]
        );
    }
}
