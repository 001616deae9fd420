//! Endpoints: reusable HTTP request definitions of an app (the token endpoint, the user information
//! endpoint), with templates in their values and a mapping of where the response keeps each value.

use serde::{Deserialize, Serialize};

use super::field::{FieldError, check_name};
use super::mapping;
use super::template::{self, Variables};
use super::{check_len, limits};
use crate::model::authorization::url_problem;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndpointPurpose {
    Token,
    #[serde(rename = "userinfo")]
    UserInfo,
    /// RFC 8628 section 3.1: where a device asks for its user code.
    DeviceAuthorization,
    /// RFC 7009: where a token is revoked.
    Revocation,
    /// RFC 7662: where a token's state is asked for.
    Introspection,
    /// The issuer's signing keys (`jwks_uri`), for ID-token signatures.
    Jwks,
    #[default]
    Other,
}

impl EndpointPurpose {
    pub const ALL: [EndpointPurpose; 7] = [
        EndpointPurpose::Token,
        EndpointPurpose::UserInfo,
        EndpointPurpose::DeviceAuthorization,
        EndpointPurpose::Revocation,
        EndpointPurpose::Introspection,
        EndpointPurpose::Jwks,
        EndpointPurpose::Other,
    ];

    pub fn label(self) -> &'static str {
        match self {
            EndpointPurpose::Token => "Token",
            EndpointPurpose::UserInfo => "User information",
            EndpointPurpose::DeviceAuthorization => "Device authorization",
            EndpointPurpose::Revocation => "Revocation",
            EndpointPurpose::Introspection => "Introspection",
            EndpointPurpose::Jwks => "JWKS (signing keys)",
            EndpointPurpose::Other => "Other",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            EndpointPurpose::Token => "token",
            EndpointPurpose::UserInfo => "userinfo",
            EndpointPurpose::DeviceAuthorization => "device_authorization",
            EndpointPurpose::Revocation => "revocation",
            EndpointPurpose::Introspection => "introspection",
            EndpointPurpose::Jwks => "jwks",
            EndpointPurpose::Other => "other",
        }
    }

    /// How messages name an endpoint of this purpose: "token endpoint", "JWKS endpoint".
    pub fn noun(self) -> &'static str {
        match self {
            EndpointPurpose::Token => "token endpoint",
            EndpointPurpose::UserInfo => "user information endpoint",
            EndpointPurpose::DeviceAuthorization => "device authorization endpoint",
            EndpointPurpose::Revocation => "revocation endpoint",
            EndpointPurpose::Introspection => "introspection endpoint",
            EndpointPurpose::Jwks => "JWKS endpoint",
            EndpointPurpose::Other => "endpoint",
        }
    }

    /// True for the endpoints whose request the `oauth2` crate builds (device authorization,
    /// revocation, introspection): their headers apply and their form fields are sent as extra
    /// parameters, but the standard parameters are the crate's.
    pub fn is_standard_request(self) -> bool {
        matches!(
            self,
            EndpointPurpose::DeviceAuthorization | EndpointPurpose::Revocation | EndpointPurpose::Introspection
        )
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

/// The HTTP method of an endpoint. Stored and exported as its upper-case name; a name that is none
/// of these is an error where it is read, never taken for GET.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub const ALL: [Method; 5] = [Method::Get, Method::Post, Method::Put, Method::Patch, Method::Delete];

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// The method named `text`, in any case (`post` is POST).
    pub fn parse(text: &str) -> Option<Method> {
        let text = text.trim();
        Method::ALL.into_iter().find(|m| m.as_str().eq_ignore_ascii_case(text))
    }

    /// `"GET", "POST", …` for a message that lists them.
    pub fn quoted_list() -> String {
        Method::ALL.map(|m| format!("\"{}\"", m.as_str())).join(", ")
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

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

/// One path of a [`ResponseMapping`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MappingField {
    AccessToken,
    RefreshToken,
    ExpiresIn,
    Scope,
    TokenType,
    UserId,
    UserName,
    UserEmail,
    IssuedAt,
    RefreshExpiresIn,
}

impl MappingField {
    pub const ALL: [MappingField; 10] = [
        MappingField::AccessToken,
        MappingField::RefreshToken,
        MappingField::ExpiresIn,
        MappingField::IssuedAt,
        MappingField::RefreshExpiresIn,
        MappingField::Scope,
        MappingField::TokenType,
        MappingField::UserId,
        MappingField::UserName,
        MappingField::UserEmail,
    ];

    /// The key in export files (under `response`).
    pub fn code(self) -> &'static str {
        match self {
            MappingField::AccessToken => "access_token",
            MappingField::RefreshToken => "refresh_token",
            MappingField::ExpiresIn => "expires_in",
            MappingField::Scope => "scope",
            MappingField::TokenType => "token_type",
            MappingField::UserId => "user_id",
            MappingField::UserName => "user_name",
            MappingField::UserEmail => "user_email",
            MappingField::IssuedAt => "issued_at",
            MappingField::RefreshExpiresIn => "refresh_expires_in",
        }
    }

    /// The purpose of endpoint whose response holds this value.
    pub fn purpose(self) -> EndpointPurpose {
        match self {
            MappingField::AccessToken
            | MappingField::RefreshToken
            | MappingField::ExpiresIn
            | MappingField::Scope
            | MappingField::TokenType
            | MappingField::IssuedAt
            | MappingField::RefreshExpiresIn => EndpointPurpose::Token,
            MappingField::UserId | MappingField::UserName | MappingField::UserEmail => EndpointPurpose::UserInfo,
        }
    }
}

impl ResponseMapping {
    pub fn get(&self, field: MappingField) -> &str {
        match field {
            MappingField::AccessToken => &self.access_token,
            MappingField::RefreshToken => &self.refresh_token,
            MappingField::ExpiresIn => &self.expires_in,
            MappingField::Scope => &self.scope,
            MappingField::TokenType => &self.token_type,
            MappingField::UserId => &self.user_id,
            MappingField::UserName => &self.user_name,
            MappingField::UserEmail => &self.user_email,
            MappingField::IssuedAt => &self.issued_at,
            MappingField::RefreshExpiresIn => &self.refresh_expires_in,
        }
    }

    pub fn set(&mut self, field: MappingField, value: impl Into<String>) {
        let slot = match field {
            MappingField::AccessToken => &mut self.access_token,
            MappingField::RefreshToken => &mut self.refresh_token,
            MappingField::ExpiresIn => &mut self.expires_in,
            MappingField::Scope => &mut self.scope,
            MappingField::TokenType => &mut self.token_type,
            MappingField::UserId => &mut self.user_id,
            MappingField::UserName => &mut self.user_name,
            MappingField::UserEmail => &mut self.user_email,
            MappingField::IssuedAt => &mut self.issued_at,
            MappingField::RefreshExpiresIn => &mut self.refresh_expires_in,
        };
        *slot = value.into();
    }

    /// Every entry that doesn't read: an expression that doesn't compile, with the reason.
    pub fn validate(&self) -> Vec<FieldError<MappingField>> {
        MappingField::ALL
            .into_iter()
            .filter_map(|field| mapping::check(self.get(field)).err().map(|reason| FieldError::invalid(field, reason)))
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
            _ => ResponseMapping::default(),
        }
    }
}

/// The fields of an endpoint, as its form and the importer know them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EndpointField {
    Name,
    Purpose,
    Method,
    Url,
    Headers,
    BodyKind,
    Body,
    /// A path of the response mapping.
    Response(MappingField),
}

impl EndpointField {
    /// The field's path in export files (`url`, `response.access_token`).
    pub fn code(self) -> String {
        match self {
            EndpointField::Name => "name".into(),
            EndpointField::Purpose => "purpose".into(),
            EndpointField::Method => "method".into(),
            EndpointField::Url => "url".into(),
            EndpointField::Headers => "headers".into(),
            EndpointField::BodyKind => "body_kind".into(),
            EndpointField::Body => "body".into(),
            EndpointField::Response(f) => format!("response.{}", f.code()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub id: i64,
    pub app_id: i64,
    pub name: String,
    pub purpose: EndpointPurpose,
    pub method: Method,
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
                Method::Post,
                "Accept: application/json",
                "grant_type=authorization_code\ncode={{code}}\nredirect_uri={{redirect_uri}}\ncode_verifier={{code_verifier}}",
            ),
            EndpointPurpose::UserInfo => (
                "User information endpoint",
                Method::Get,
                "Authorization: Bearer {{access_token}}\nAccept: application/json",
                "",
            ),
            EndpointPurpose::DeviceAuthorization => {
                ("Device authorization endpoint", Method::Post, "Accept: application/json", "")
            }
            EndpointPurpose::Revocation => ("Revocation endpoint", Method::Post, "Accept: application/json", ""),
            EndpointPurpose::Introspection => ("Introspection endpoint", Method::Post, "Accept: application/json", ""),
            EndpointPurpose::Jwks => {
                ("JWKS endpoint", Method::Get, "Accept: application/jwk-set+json, application/json", "")
            }
            EndpointPurpose::Other => ("Endpoint", Method::Get, "Accept: application/json", ""),
        };
        Endpoint {
            id: 0,
            app_id: 0,
            name: name.into(),
            purpose,
            method,
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

    pub fn validate(&self) -> Vec<FieldError<EndpointField>> {
        let mut errors = Vec::new();
        check_name(EndpointField::Name, &self.name, &mut errors);
        let before = errors.len();
        check_len(EndpointField::Url, &self.url, limits::URL, &mut errors);
        check_len(EndpointField::Headers, &self.headers, limits::HEADERS, &mut errors);
        check_len(EndpointField::Body, &self.body, limits::BODY, &mut errors);
        for field in MappingField::ALL {
            check_len(EndpointField::Response(field), self.mapping.get(field), limits::PATH, &mut errors);
        }
        if errors.len() > before {
            // Nothing further is worth checking on an oversized value.
            return errors;
        }
        // The URL may itself hold templates ({{client_id}} in a path); check it with them rendered
        // as stand-ins. One that starts with a template (`{{ token.instance_url }}/…`) gets its
        // scheme and host from the run, so only its syntax can be checked now.
        if let Err(message) = template::check(&self.url, Variables::ENDPOINT) {
            errors.push(FieldError::invalid(EndpointField::Url, message));
        } else if self.url.trim().is_empty() {
            errors.push(FieldError::missing(EndpointField::Url));
        } else if !self.url.trim_start().starts_with("{{")
            && let Some(problem) = url_problem(&template::render_for_check(&self.url), "the URL")
        {
            errors.push(FieldError::new(EndpointField::Url, problem));
        }
        if let Some(reason) = header_problem(&self.headers) {
            errors.push(FieldError::invalid(EndpointField::Headers, reason));
        }
        if let Err(message) = template::check(&self.headers, Variables::ENDPOINT) {
            errors.push(FieldError::invalid(EndpointField::Headers, message));
        }
        let body = match self.body_kind {
            BodyKind::Form => self
                .body
                .lines()
                .enumerate()
                .find(|(_, l)| !l.trim().is_empty() && !l.contains('='))
                .map(|(number, _)| format!("Line {}: write form fields as key=value.", number + 1)),
            BodyKind::Json if !self.body.trim().is_empty() => {
                let rendered = template::render_for_check(&self.body);
                serde_json::from_str::<serde_json::Value>(&rendered)
                    .err()
                    .map(|e| format!("Not valid JSON once rendered: {e}."))
            }
            BodyKind::Json => None,
        };
        match body.map_or_else(|| template::check(&self.body, Variables::ENDPOINT), Err) {
            Ok(()) => {}
            Err(reason) => errors.push(FieldError::invalid(EndpointField::Body, reason)),
        }
        errors.extend(self.mapping.validate().into_iter().map(|e| e.map(EndpointField::Response)));
        errors
    }
}

/// What is wrong with the first bad line of the headers, if any.
fn header_problem(headers: &str) -> Option<String> {
    for (number, line) in headers.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let Some((name, _)) = line.split_once(':') else {
            return Some(format!("Line {}: write it as Name: value.", number + 1));
        };
        if !crate::model::authorization::is_header_name(name.trim()) {
            return Some(format!(
                "Line {}: \"{}\" is not a header name (no spaces or special characters).",
                number + 1,
                name.trim()
            ));
        }
    }
    None
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
        assert_eq!(e.method, Method::Post);
        assert_eq!(e.form_fields()[0], ("grant_type".into(), "authorization_code".into()));
        assert_eq!(e.mapping.access_token, "access_token");
    }

    #[test]
    fn userinfo_defaults() {
        let e = Endpoint::new_for(EndpointPurpose::UserInfo);
        assert_eq!(e.method, Method::Get);
        assert_eq!(e.header_lines()[0], ("Authorization".into(), "Bearer {{access_token}}".into()));
        assert_eq!(e.mapping.user_id, "sub|id");
    }

    #[test]
    fn every_mapping_field_round_trips_through_its_key() {
        let mut mapping = ResponseMapping::default();
        for field in MappingField::ALL {
            mapping.set(field, format!("path.of.{}", field.code()));
        }
        for field in MappingField::ALL {
            assert_eq!(mapping.get(field), format!("path.of.{}", field.code()), "{field:?}");
        }
        // Each key reaches its own field, named as in export files.
        let json = serde_json::to_value(&mapping).unwrap();
        for field in MappingField::ALL {
            assert_eq!(json[field.code()], format!("path.of.{}", field.code()), "{json}");
        }
    }

    #[test]
    fn mapping_fields_fit_their_purpose() {
        let token = ResponseMapping::for_purpose(EndpointPurpose::Token);
        // Only when the token was issued has no standard field (and none by default).
        for field in MappingField::ALL.into_iter().filter(|f| *f != MappingField::IssuedAt) {
            assert_eq!(token.get(field).is_empty(), field.purpose() != EndpointPurpose::Token, "{field:?}");
        }
    }

    #[test]
    fn methods_parse_in_any_case_and_nothing_else() {
        assert_eq!(Method::parse(" post "), Some(Method::Post));
        assert_eq!(Method::parse("DELETE"), Some(Method::Delete));
        assert_eq!(Method::parse("FETCH"), None);
        assert_eq!(Method::parse(""), None);
        for m in Method::ALL {
            assert_eq!(Method::parse(m.as_str()), Some(m));
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
        let reason = |field| errors.iter().find(|x| x.field == field).and_then(|x| x.problem.reason());
        assert!(reason(EndpointField::Body).is_some_and(|r| r.contains("clinet_id")), "{errors:?}");
        assert!(reason(EndpointField::Headers).is_some_and(|r| r.contains("Line 2")), "{errors:?}");
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
        assert_eq!(errors[0].field, EndpointField::Response(MappingField::UserName));
        assert!(errors[0].problem.reason().unwrap().contains("has an error"), "{errors:?}");
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
        assert_eq!(e.validate()[0].field, EndpointField::Url);
        e.url = "{{ tokn.instance_url }}/x".into();
        let errors = e.validate();
        assert!(errors[0].problem.reason().unwrap().contains("{{tokn}}"), "{errors:?}");
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
