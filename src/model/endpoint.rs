//! Endpoints: reusable HTTP request definitions of an app (the token endpoint, the user information
//! endpoint), with templates in their values and a mapping of where the response keeps each value.

use serde::{Deserialize, Serialize};

use super::mapping;
use super::template::{self, Variables};
use super::{FieldError, check_name};
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

/// Where the JSON response keeps each value: a dotted path (`authed_user.access_token`,
/// `data.0.email`, `sub|id`) or an expression over the response (`givenName ~ " " ~ familyName`,
/// `expires_in / 1000`); see [`super::mapping`]. An unknown key is refused, so a typo in an import
/// file isn't silently dropped; a key left out is empty, so older files read as they did.
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
    /// When the token was issued (Unix seconds, or milliseconds as Salesforce's `issued_at`):
    /// `expires_in` then counts from it instead of from now (GitLab's `created_at`).
    pub issued_at: String,
    /// Seconds until the refresh token expires, for providers that say.
    pub refresh_expires_in: String,
}

impl ResponseMapping {
    /// Every path, as (form field key, label, help, the purpose of endpoint that reads it), so the
    /// form lists, shows and reads them from one table; [`ResponseMapping::get`] and
    /// [`ResponseMapping::set`] take the key.
    pub const FIELDS: [(&str, &str, &str, EndpointPurpose); 10] = [
        (
            "map_access_token",
            "Path: access token",
            "Where the response keeps the access token, e.g. authed_user.access_token. Any field may be an expression instead of a path: see the help for the syntax.",
            EndpointPurpose::Token,
        ),
        (
            "map_refresh_token",
            "Path: refresh token",
            "Where the refresh token is; empty if the provider sends none.",
            EndpointPurpose::Token,
        ),
        (
            "map_expires_in",
            "Path: expires in",
            "Seconds until the access token expires; e.g. expires_in / 1000 for milliseconds, or expires_at | timestamp - now() for an absolute time.",
            EndpointPurpose::Token,
        ),
        (
            "map_issued_at",
            "Path: issued at",
            "When the token was issued (Unix seconds or ms), if the provider says: e.g. created_at or issued_at.",
            EndpointPurpose::Token,
        ),
        (
            "map_refresh_expires_in",
            "Path: refresh token expires in",
            "Seconds until the refresh token expires, e.g. refresh_token_expires_in.",
            EndpointPurpose::Token,
        ),
        ("map_scope", "Path: granted scopes", "The scopes the provider granted.", EndpointPurpose::Token),
        ("map_token_type", "Path: token type", "Usually token_type (Bearer).", EndpointPurpose::Token),
        (
            "map_user_id",
            "Path: user id",
            "The user's id, e.g. sub, id or data.0.id; a|b tries a, then b; or an expression such as sub or id.",
            EndpointPurpose::UserInfo,
        ),
        (
            "map_user_name",
            "Path: user name",
            "The user's name, e.g. name|login, or givenName ~ \" \" ~ familyName.",
            EndpointPurpose::UserInfo,
        ),
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
            "map_issued_at" => &self.issued_at,
            "map_refresh_expires_in" => &self.refresh_expires_in,
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
            "map_issued_at" => &mut self.issued_at,
            "map_refresh_expires_in" => &mut self.refresh_expires_in,
            _ => return None,
        })
    }

    /// Every entry that doesn't read: an expression that doesn't compile, with the reason.
    pub fn validate(&self) -> Vec<FieldError> {
        Self::FIELDS
            .iter()
            .filter_map(|(key, ..)| mapping::check(self.get(key)).err().map(|message| FieldError::new(key, message)))
            .collect()
    }

    pub fn for_purpose(purpose: EndpointPurpose) -> ResponseMapping {
        match purpose {
            EndpointPurpose::Token => ResponseMapping {
                access_token: "access_token".into(),
                refresh_token: "refresh_token".into(),
                expires_in: "expires_in".into(),
                scope: "scope".into(),
                token_type: "token_type".into(),
                refresh_expires_in: "refresh_token_expires_in|x_refresh_token_expires_in|refresh_expires_in".into(),
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
        if !METHODS.contains(&self.method.as_str()) {
            errors.push(FieldError::new("method", format!("Choose one of {}.", METHODS.join(", "))));
        }
        // The URL may itself hold templates ({{client_id}} in a path); check it with them rendered
        // as stand-ins. One that starts with a template (`{{ token.instance_url }}/…`) gets its
        // scheme and host from the run, so only its syntax can be checked now.
        if let Err(message) = template::check(&self.url, Variables::ENDPOINT) {
            errors.push(FieldError::new("url", message));
        } else if !self.url.trim_start().starts_with("{{")
            && let Err(message) = check_http_url(&template::render_for_check(&self.url), "the URL")
        {
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
        if let Err(message) = template::check(&self.headers, Variables::ENDPOINT) {
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
            && let Err(message) = template::check(&self.body, Variables::ENDPOINT)
        {
            errors.push(FieldError::new("body", message));
        }
        errors.extend(self.mapping.validate());
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

#[cfg(test)]
mod tests {
    use super::*;

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
        // Only when the token was issued has no standard field (and none by default).
        for (key, _, _, purpose) in ResponseMapping::FIELDS.into_iter().filter(|(key, ..)| *key != "map_issued_at") {
            assert_eq!(token.get(key).is_empty(), purpose != EndpointPurpose::Token, "{key}");
        }
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
    fn a_mapping_expression_that_does_not_compile_is_refused() {
        let mut e = Endpoint::new_for(EndpointPurpose::UserInfo);
        e.url = "https://x.example/me".into();
        e.mapping.user_name = r#"givenName ~ " " ~ familyName"#.into();
        assert_eq!(e.validate(), []);
        e.mapping.user_name = "givenName ~ ".into();
        let errors = e.validate();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].field, "map_user_name");
        assert!(errors[0].message.contains("has an error"), "{}", errors[0].message);
    }

    #[test]
    fn an_older_mapping_without_the_new_fields_still_reads() {
        let old: ResponseMapping = serde_json::from_str(r#"{"access_token": "authed_user.access_token"}"#).unwrap();
        assert_eq!(old.access_token, "authed_user.access_token");
        assert_eq!(old.issued_at, "");
        assert!(serde_json::from_str::<ResponseMapping>(r#"{"acces_token": "x"}"#).is_err());
    }

    #[test]
    fn a_url_from_the_run_context_is_checked_for_syntax_only() {
        let mut e = Endpoint::new_for(EndpointPurpose::UserInfo);
        e.url = "{{ token.instance_url }}/services/oauth2/userinfo".into();
        assert_eq!(e.validate(), []);
        e.url = "https://{{ callback.shop }}/admin/api/shop.json".into();
        assert_eq!(e.validate(), []);
        e.url = "{{ token.instance_url /services".into();
        assert_eq!(e.validate()[0].field, "url");
        e.url = "{{ tokn.instance_url }}/x".into();
        assert!(e.validate()[0].message.contains("{{tokn}}"), "{:?}", e.validate());
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
