//! Endpoints: reusable HTTP request definitions of an app (the token endpoint, the user information
//! endpoint), with templates in their values and a mapping of where the response keeps each value.

use serde::{Deserialize, Serialize};

use super::template::{self, Variables};
use super::{FieldError, check_len, check_name, limits};
use crate::model::authorization::check_http_url;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndpointPurpose {
    Token,
    #[serde(rename = "userinfo")]
    UserInfo,
    #[default]
    Other,
}

impl EndpointPurpose {
    pub const ALL: [EndpointPurpose; 3] = [EndpointPurpose::Token, EndpointPurpose::UserInfo, EndpointPurpose::Other];

    pub fn label(self) -> &'static str {
        match self {
            EndpointPurpose::Token => "Token",
            EndpointPurpose::UserInfo => "User information",
            EndpointPurpose::Other => "Other",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            EndpointPurpose::Token => "token",
            EndpointPurpose::UserInfo => "userinfo",
            EndpointPurpose::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<EndpointPurpose> {
        EndpointPurpose::ALL.into_iter().find(|p| p.code() == code)
    }
}

/// How the body is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyKind {
    /// `key=value` per line, sent as application/x-www-form-urlencoded.
    #[default]
    Form,
    /// A JSON template, sent as application/json.
    Json,
}

impl BodyKind {
    pub const ALL: [BodyKind; 2] = [BodyKind::Form, BodyKind::Json];

    pub fn label(self) -> &'static str {
        match self {
            BodyKind::Form => "Form fields (key=value per line)",
            BodyKind::Json => "JSON template",
        }
    }
}

/// The HTTP methods an endpoint can use.
pub const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// Dotted paths into the JSON response (`authed_user.access_token`, `data.0.email`). An unknown key
/// is refused, so a typo in an import file isn't silently dropped.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ResponseMapping {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: String,
    pub scope: String,
    pub token_type: String,
    pub user_id: String,
    pub user_name: String,
    pub user_email: String,
}

impl ResponseMapping {
    /// Every path, as (form field key, label, help, the purpose of endpoint that reads it), so the
    /// form lists, shows and reads them from one table; [`ResponseMapping::get`] and
    /// [`ResponseMapping::set`] take the key.
    pub const FIELDS: [(&str, &str, &str, EndpointPurpose); 8] = [
        (
            "map_access_token",
            "Path: access token",
            "Where the response keeps the access token, e.g. authed_user.access_token.",
            EndpointPurpose::Token,
        ),
        (
            "map_refresh_token",
            "Path: refresh token",
            "Where the refresh token is; empty if the provider sends none.",
            EndpointPurpose::Token,
        ),
        ("map_expires_in", "Path: expires in", "Seconds until the access token expires.", EndpointPurpose::Token),
        ("map_scope", "Path: granted scopes", "The scopes the provider granted.", EndpointPurpose::Token),
        ("map_token_type", "Path: token type", "Usually token_type (Bearer).", EndpointPurpose::Token),
        (
            "map_user_id",
            "Path: user id",
            "The user's id, e.g. sub, id or data.0.id; a|b tries a, then b.",
            EndpointPurpose::UserInfo,
        ),
        ("map_user_name", "Path: user name", "The user's name, e.g. name or login.", EndpointPurpose::UserInfo),
        ("map_user_email", "Path: user email", "The user's email, e.g. email.", EndpointPurpose::UserInfo),
    ];

    /// The path of the field `key` (one of [`ResponseMapping::FIELDS`]); "" for any other key.
    pub fn get(&self, key: &str) -> &str {
        self.field(key).map_or("", |f| f.as_str())
    }

    /// Sets the path of the field `key` (one of [`ResponseMapping::FIELDS`]); any other key changes nothing.
    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        if let Some(field) = self.field_mut(key) {
            *field = value.into();
        }
    }

    fn field(&self, key: &str) -> Option<&String> {
        Some(match key {
            "map_access_token" => &self.access_token,
            "map_refresh_token" => &self.refresh_token,
            "map_expires_in" => &self.expires_in,
            "map_scope" => &self.scope,
            "map_token_type" => &self.token_type,
            "map_user_id" => &self.user_id,
            "map_user_name" => &self.user_name,
            "map_user_email" => &self.user_email,
            _ => return None,
        })
    }

    fn field_mut(&mut self, key: &str) -> Option<&mut String> {
        Some(match key {
            "map_access_token" => &mut self.access_token,
            "map_refresh_token" => &mut self.refresh_token,
            "map_expires_in" => &mut self.expires_in,
            "map_scope" => &mut self.scope,
            "map_token_type" => &mut self.token_type,
            "map_user_id" => &mut self.user_id,
            "map_user_name" => &mut self.user_name,
            "map_user_email" => &mut self.user_email,
            _ => return None,
        })
    }

    pub fn for_purpose(purpose: EndpointPurpose) -> ResponseMapping {
        match purpose {
            EndpointPurpose::Token => ResponseMapping {
                access_token: "access_token".into(),
                refresh_token: "refresh_token".into(),
                expires_in: "expires_in".into(),
                scope: "scope".into(),
                token_type: "token_type".into(),
                ..Default::default()
            },
            EndpointPurpose::UserInfo => ResponseMapping {
                user_id: "sub|id".into(),
                user_name: "name|login".into(),
                user_email: "email".into(),
                ..Default::default()
            },
            EndpointPurpose::Other => ResponseMapping::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub id: i64,
    pub app_id: i64,
    pub name: String,
    pub purpose: EndpointPurpose,
    pub method: String,
    pub url: String,
    /// One `Name: value` per line.
    pub headers: String,
    pub body_kind: BodyKind,
    pub body: String,
    pub mapping: ResponseMapping,
}

impl Endpoint {
    /// A new endpoint pre-filled with the standard request for its purpose.
    pub fn new_for(purpose: EndpointPurpose) -> Endpoint {
        let (name, method, headers, body) = match purpose {
            EndpointPurpose::Token => (
                "Token endpoint",
                "POST",
                "Accept: application/json",
                "grant_type=authorization_code\ncode={{code}}\nredirect_uri={{redirect_uri}}\ncode_verifier={{code_verifier}}",
            ),
            EndpointPurpose::UserInfo => (
                "User information endpoint",
                "GET",
                "Authorization: Bearer {{access_token}}\nAccept: application/json",
                "",
            ),
            EndpointPurpose::Other => ("Endpoint", "GET", "Accept: application/json", ""),
        };
        Endpoint {
            id: 0,
            app_id: 0,
            name: name.into(),
            purpose,
            method: method.into(),
            url: String::new(),
            headers: headers.into(),
            body_kind: BodyKind::Form,
            body: body.into(),
            mapping: ResponseMapping::for_purpose(purpose),
        }
    }

    /// The headers as (name, value template) pairs; blank lines are skipped.
    pub fn header_lines(&self) -> Vec<(String, String)> {
        split_lines(&self.headers, ':')
    }

    /// The form fields as (key, value template) pairs; blank lines are skipped.
    pub fn form_fields(&self) -> Vec<(String, String)> {
        split_lines(&self.body, '=')
    }

    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        check_name("name", &self.name, &mut errors);
        let before = errors.len();
        check_len("url", &self.url, limits::URL, &mut errors);
        check_len("headers", &self.headers, limits::HEADERS, &mut errors);
        check_len("body", &self.body, limits::BODY, &mut errors);
        for (key, ..) in ResponseMapping::FIELDS {
            check_len(key, self.mapping.get(key), limits::PATH, &mut errors);
        }
        if errors.len() > before {
            // Nothing further is worth checking on an oversized value.
            return errors;
        }
        if !METHODS.contains(&self.method.as_str()) {
            errors.push(FieldError::new("method", format!("Choose one of {}.", METHODS.join(", "))));
        }
        // The URL may itself hold templates ({{client_id}} in a path); check it with them rendered empty.
        if let Err(message) = template::check(&self.url, Variables::ALL) {
            errors.push(FieldError::new("url", message));
        } else if let Err(message) = check_http_url(&template::render_for_check(&self.url), "the URL") {
            errors.push(FieldError::new("url", message));
        }
        for (number, line) in self.headers.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let Some((name, _)) = line.split_once(':') else {
                errors.push(FieldError::new("headers", format!("Line {}: write it as Name: value.", number + 1)));
                break;
            };
            if !crate::model::authorization::is_header_name(name.trim()) {
                errors.push(FieldError::new(
                    "headers",
                    format!(
                        "Line {}: \"{}\" is not a header name (no spaces or special characters).",
                        number + 1,
                        name.trim()
                    ),
                ));
                break;
            }
        }
        if let Err(message) = template::check(&self.headers, Variables::ALL) {
            errors.push(FieldError::new("headers", message));
        }
        match self.body_kind {
            BodyKind::Form => {
                if let Some((number, _)) =
                    self.body.lines().enumerate().find(|(_, l)| !l.trim().is_empty() && !l.contains('='))
                {
                    errors
                        .push(FieldError::new("body", format!("Line {}: write form fields as key=value.", number + 1)));
                }
            }
            BodyKind::Json => {
                if !self.body.trim().is_empty() {
                    let rendered = template::render_for_check(&self.body);
                    if let Err(e) = serde_json::from_str::<serde_json::Value>(&rendered) {
                        errors.push(FieldError::new("body", format!("Not valid JSON once rendered: {e}.")));
                    }
                }
            }
        }
        if errors.iter().all(|e| e.field != "body")
            && let Err(message) = template::check(&self.body, Variables::ALL)
        {
            errors.push(FieldError::new("body", message));
        }
        errors
    }
}

fn split_lines(text: &str, separator: char) -> Vec<(String, String)> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| match l.split_once(separator) {
            Some((k, v)) => (k.trim().to_owned(), v.trim().to_owned()),
            None => (l.trim().to_owned(), String::new()),
        })
        .collect()
}

/// Reads a dotted path (`authed_user.access_token`, `data.0.email`) from a JSON value; `a|b` tries
/// `a`, then `b` (`sub|id` fits both OpenID Connect and GitHub-style user endpoints).
/// Numbers and booleans are returned as their text; objects, arrays and null are not values.
pub fn read_path(value: &serde_json::Value, path: &str) -> Option<String> {
    path.split('|').find_map(|p| read_one_path(value, p))
}

fn read_one_path(value: &serde_json::Value, path: &str) -> Option<String> {
    let path = path.trim();
    if path.is_empty() {
        return None;
    }
    let mut current = value;
    for part in path.split('.') {
        current = match current {
            serde_json::Value::Object(map) => map.get(part)?,
            serde_json::Value::Array(items) => items.get(part.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    match current {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn token_endpoint_defaults_are_the_standard_request() {
        let e = Endpoint::new_for(EndpointPurpose::Token);
        assert_eq!(e.method, "POST");
        assert_eq!(e.form_fields()[0], ("grant_type".into(), "authorization_code".into()));
        assert_eq!(e.mapping.access_token, "access_token");
    }

    #[test]
    fn userinfo_defaults() {
        let e = Endpoint::new_for(EndpointPurpose::UserInfo);
        assert_eq!(e.method, "GET");
        assert_eq!(e.header_lines()[0], ("Authorization".into(), "Bearer {{access_token}}".into()));
        assert_eq!(e.mapping.user_id, "sub|id");
    }

    #[test]
    fn every_mapping_field_round_trips_through_its_key() {
        let mut mapping = ResponseMapping::default();
        for (key, ..) in ResponseMapping::FIELDS {
            mapping.set(key, format!("path.of.{key}"));
        }
        for (key, ..) in ResponseMapping::FIELDS {
            assert_eq!(mapping.get(key), format!("path.of.{key}"), "{key}");
        }
        // Each key reaches its own field: all eight differ, and none is left empty.
        let json = serde_json::to_value(&mapping).unwrap();
        let values: std::collections::BTreeSet<_> =
            json.as_object().unwrap().values().filter_map(|v| v.as_str()).collect();
        assert_eq!(values.len(), ResponseMapping::FIELDS.len(), "{json}");
        assert_eq!(mapping.get("map_nothing"), "");
        mapping.set("map_nothing", "x");
        assert_eq!(serde_json::to_value(&mapping).unwrap(), json);
    }

    #[test]
    fn mapping_fields_fit_their_purpose() {
        let token = ResponseMapping::for_purpose(EndpointPurpose::Token);
        for (key, _, _, purpose) in ResponseMapping::FIELDS {
            assert_eq!(token.get(key).is_empty(), purpose != EndpointPurpose::Token, "{key}");
        }
    }

    #[test]
    fn dotted_paths_read_nested_values() {
        let v = json!({"authed_user": {"access_token": "xoxp-fake"}, "data": [{"email": "a@b.test", "n": 3}]});
        assert_eq!(read_path(&v, "authed_user.access_token").as_deref(), Some("xoxp-fake"));
        assert_eq!(read_path(&v, "data.0.email").as_deref(), Some("a@b.test"));
        assert_eq!(read_path(&v, "data.0.n").as_deref(), Some("3"));
        assert_eq!(read_path(&v, "data.1.email"), None);
        assert_eq!(read_path(&v, "authed_user"), None);
        assert_eq!(read_path(&v, "sub|data.0.n").as_deref(), Some("3"));
    }

    #[test]
    fn validation_catches_unknown_variables_and_bad_lines() {
        let mut e = Endpoint::new_for(EndpointPurpose::Token);
        e.url = "https://x.example/token".into();
        assert_eq!(e.validate(), []);
        e.body.push_str("\nclient={{clinet_id}}");
        e.headers.push_str("\nno colon here");
        let errors = e.validate();
        assert!(errors.iter().any(|x| x.field == "body" && x.message.contains("clinet_id")), "{errors:?}");
        assert!(errors.iter().any(|x| x.field == "headers" && x.message.contains("Line 2")), "{errors:?}");
    }

    #[test]
    fn json_body_must_parse() {
        let mut e = Endpoint::new_for(EndpointPurpose::Token);
        e.url = "https://x.example/token".into();
        e.body_kind = BodyKind::Json;
        e.body = r#"{"grant_type": "authorization_code", "code": "{{code}}"}"#.into();
        assert_eq!(e.validate(), []);
        e.body = r#"{"code": {{code}"#.into();
        assert!(!e.validate().is_empty());
    }
}
