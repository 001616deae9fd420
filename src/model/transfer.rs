//! The export file format (version 1): apps with their endpoints and authorizations, endpoints
//! referred to by name, secrets written as null unless asked for. Pure: reading and writing the
//! store is `store::transfer`.

use serde::{Deserialize, Serialize};

use super::{BodyKind, ClientAuth, EndpointPurpose, KeyPlacement, ResponseMapping};

/// The format version this binary writes and reads.
pub const FORMAT_VERSION: u32 = 1;

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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AuthorizationExport {
    ApiKey {
        name: String,
        placement: KeyPlacement,
        param_name: String,
        value_template: String,
        key_label: String,
        #[serde(default)]
        userinfo_endpoint: Option<String>,
    },
    Basic {
        name: String,
        username_label: String,
        password_label: String,
        #[serde(default)]
        userinfo_endpoint: Option<String>,
    },
    #[serde(rename = "oauth2")]
    OAuth2 {
        name: String,
        client_id: String,
        /// null when left out of the export; import then keeps the stored secret.
        #[serde(default)]
        client_secret: Option<String>,
        authorization_uri: String,
        #[serde(default)]
        scopes: String,
        #[serde(default)]
        token_endpoint: Option<String>,
        #[serde(default)]
        userinfo_endpoint: Option<String>,
        redirect_uri: String,
        #[serde(default)]
        client_auth: ClientAuth,
        #[serde(default = "yes")]
        pkce: bool,
    },
}

fn yes() -> bool {
    true
}

impl AuthorizationExport {
    pub fn name(&self) -> &str {
        match self {
            AuthorizationExport::ApiKey { name, .. }
            | AuthorizationExport::Basic { name, .. }
            | AuthorizationExport::OAuth2 { name, .. } => name,
        }
    }
}

/// Parses an export file; the error says where (the JSON path) and what was expected.
pub fn parse(text: &str) -> Result<ExportFile, String> {
    let de = &mut serde_json::Deserializer::from_str(text);
    let file: ExportFile = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let at = if path == "." { String::new() } else { format!(" at {path}") };
        format!("The file is not a valid authdeck export{at}: {inner}.")
    })?;
    if file.version != FORMAT_VERSION {
        return Err(format!(
            "The file is export format version {}; this authdeck reads version {FORMAT_VERSION}. Use a matching authdeck.",
            file.version
        ));
    }
    Ok(file)
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
        assert!(parse(r#"{"version": 2, "apps": []}"#).unwrap_err().contains("version 2"));
    }
}
