//! From an endpoint definition to a request: templates rendered with the run's values, then the
//! credentials placed (an API key, Basic credentials; OAuth 2.0 client authentication is
//! `assertion`'s).

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use url::Url;

use super::error::FlowError;
use super::http::{PreparedRequest, RequestBody};
use crate::model::authorization::uses_variable;
use crate::model::template::{self, Variables};
use crate::model::{BodyKind, Endpoint};

/// The template values of one step. A variable marked *absent* exists in principle but has no value
/// in this run (no PKCE → no `code_verifier`, a public client → no `client_secret`): a form field or
/// header that uses it is left out rather than sent empty; elsewhere it renders as "".
#[derive(Debug, Clone, Default)]
pub(crate) struct TemplateVars {
    values: BTreeMap<&'static str, String>,
    absent: BTreeSet<&'static str>,
}

impl TemplateVars {
    pub fn set(&mut self, name: &'static str, value: impl Into<String>) {
        self.absent.remove(name);
        self.values.insert(name, value.into());
    }

    /// Sets the value, or marks the variable absent when there is none.
    pub fn set_opt(&mut self, name: &'static str, value: Option<&str>) {
        match value.filter(|v| !v.is_empty()) {
            Some(v) => self.set(name, v),
            None => {
                self.values.remove(name);
                self.absent.insert(name);
            }
        }
    }

    /// Renders one template with these values.
    pub fn render(&self, text: &str) -> Result<String, String> {
        template::render(text, &self.render_map(false))
    }

    /// The absent variable a template uses, if any.
    fn absent_in(&self, template: &str) -> Option<&'static str> {
        self.absent.iter().copied().find(|name| uses_variable(template, name))
    }

    fn render_map(&self, escape_json: bool) -> BTreeMap<&str, String> {
        let mut map: BTreeMap<&str, String> = self.absent.iter().map(|n| (*n, String::new())).collect();
        for (name, value) in &self.values {
            let value = if escape_json { json_string_content(value) } else { value.clone() };
            map.insert(name, value);
        }
        map
    }
}

/// The text of a JSON string literal without its quotes: a value dropped into `"{{code}}"` in a JSON
/// template stays valid JSON whatever characters it has.
fn json_string_content(value: &str) -> String {
    let quoted = serde_json::to_string(value).unwrap_or_else(|_| "\"\"".to_owned());
    quoted.get(1..quoted.len().saturating_sub(1)).unwrap_or_default().to_owned()
}

/// Renders an endpoint's method, URL, headers and body. Unknown variables and templates that can't
/// render are reported before anything is sent. `omit_headers` are left out (the credential the
/// flow places itself replaces them).
pub(crate) fn render_endpoint(
    endpoint: &Endpoint,
    label: &str,
    vars: &TemplateVars,
    omit_headers: &[&str],
) -> Result<PreparedRequest, FlowError> {
    let template_error =
        |field: &'static str, message: String| FlowError::Template { endpoint: label.to_owned(), field, message };
    for (field, text) in [("URL", &endpoint.url), ("headers", &endpoint.headers), ("body", &endpoint.body)] {
        template::check(text, Variables::ALL).map_err(|m| template_error(field, m))?;
    }
    let plain = vars.render_map(false);
    let render = |field: &'static str, text: &str, map: &BTreeMap<&str, String>| {
        template::render(text, map).map_err(|m| template_error(field, m))
    };

    let url_text = render("URL", endpoint.url.trim(), &plain)?;
    let url = Url::parse(&url_text)
        .map_err(|e| FlowError::Config(format!("The URL of the {label} is not a valid URL ({e}): \"{url_text}\".")))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(FlowError::Config(format!("The URL of the {label} must start with https:// or http://.")));
    }

    let mut omitted = Vec::new();
    let mut headers = Vec::new();
    for (name, value) in endpoint.header_lines() {
        if omit_headers.iter().any(|o| o.eq_ignore_ascii_case(&name)) {
            continue;
        }
        if let Some(variable) = vars.absent_in(&value) {
            omitted.push(format!(
                "Left out the header {name}: it uses {{{{{variable}}}}}, which has no value in this run."
            ));
            continue;
        }
        headers.push((name, render("headers", &value, &plain)?));
    }

    let body = match endpoint.body_kind {
        BodyKind::Form => {
            let mut fields = Vec::new();
            for (key, value) in endpoint.form_fields() {
                match vars.absent_in(&value) {
                    Some(variable) => omitted.push(format!(
                        "Left out the body field {key}: it uses {{{{{variable}}}}}, which has no value in this run."
                    )),
                    None => fields.push((key, render("body", &value, &plain)?)),
                }
            }
            if fields.is_empty() { RequestBody::None } else { RequestBody::Form(fields) }
        }
        BodyKind::Json if endpoint.body.trim().is_empty() => RequestBody::None,
        BodyKind::Json => {
            let text = render("body", &endpoint.body, &vars.render_map(true))?;
            serde_json::from_str::<Value>(&text).map_err(|e| {
                FlowError::Config(format!(
                    "The body of the {label} is not valid JSON once rendered ({e}). Fix the endpoint's body."
                ))
            })?;
            RequestBody::Json(text)
        }
    };
    Ok(PreparedRequest {
        label: label.to_owned(),
        method: endpoint.method.as_str().to_owned(),
        url,
        headers,
        body,
        omitted,
    })
}

/// The token endpoint's request for a refresh-token grant (RFC 6749 section 6).
///
/// The endpoint's body template is written for the authorization-code grant (`code`,
/// `redirect_uri`, `code_verifier`, which have no value now), so the body is built from the
/// standard fields `grant_type=refresh_token` and `refresh_token`, in the endpoint's body kind (form
/// or JSON, as Notion wants). Extra form fields of the template that don't belong to the code grant
/// (an `audience`, a `resource`…) are kept; the endpoint's URL, method, headers and client
/// authentication are used as they are. No `scope` is sent, which asks for the same scopes again.
pub(crate) fn refresh_endpoint(endpoint: &Endpoint) -> Endpoint {
    const CODE_GRANT_FIELDS: [&str; 5] = ["grant_type", "code", "redirect_uri", "code_verifier", "refresh_token"];
    let mut refresh = endpoint.clone();
    refresh.body = match endpoint.body_kind {
        BodyKind::Form => {
            let mut lines = vec!["grant_type=refresh_token".to_owned(), "refresh_token={{refresh_token}}".to_owned()];
            for (key, value) in endpoint.form_fields() {
                let code_grant = CODE_GRANT_FIELDS.contains(&key.as_str())
                    || ["code", "code_verifier", "redirect_uri"].iter().any(|v| uses_variable(&value, v));
                if !code_grant {
                    lines.push(format!("{key}={value}"));
                }
            }
            lines.join("\n")
        }
        BodyKind::Json => r#"{"grant_type": "refresh_token", "refresh_token": "{{refresh_token}}"}"#.to_owned(),
    };
    refresh
}

/// `Basic base64(username:password)` (RFC 7617).
pub(crate) fn basic_credentials(username: &str, password: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{username}:{password}")))
}

/// True when any part of the endpoint uses the variable.
pub(crate) fn endpoint_uses(endpoint: &Endpoint, variable: &str) -> bool {
    [&endpoint.url, &endpoint.headers, &endpoint.body].iter().any(|t| uses_variable(t, variable))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EndpointPurpose;

    fn token_endpoint() -> Endpoint {
        let mut e = Endpoint::new_for(EndpointPurpose::Token);
        e.url = "https://p.example/token".into();
        e
    }

    fn vars(pkce: bool) -> TemplateVars {
        let mut v = TemplateVars::default();
        v.set("client_id", "my id");
        v.set("client_secret", "s:cr&t");
        v.set("code", "c0de");
        v.set("redirect_uri", "http://127.0.0.1:8976/callback");
        v.set_opt("code_verifier", pkce.then_some("verif"));
        v
    }

    #[test]
    fn default_token_request_renders_and_drops_absent_verifier() {
        let r = render_endpoint(&token_endpoint(), "token endpoint", &vars(false), &[]).unwrap();
        assert_eq!(r.method, "POST");
        let RequestBody::Form(fields) = &r.body else { panic!("{:?}", r.body) };
        let keys: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["grant_type", "code", "redirect_uri"]);
        let r = render_endpoint(&token_endpoint(), "token endpoint", &vars(true), &[]).unwrap();
        assert!(
            matches!(&r.body, RequestBody::Form(f) if f.len() == 4 && f[3] == ("code_verifier".into(), "verif".into()))
        );
    }

    #[test]
    fn json_body_gets_escaped_values() {
        let mut e = token_endpoint();
        e.body_kind = BodyKind::Json;
        e.body = r#"{"grant_type": "authorization_code", "code": "{{code}}"}"#.into();
        let mut v = vars(false);
        v.set("code", "a\"b");
        let r = render_endpoint(&e, "token endpoint", &v, &[]).unwrap();
        let RequestBody::Json(text) = &r.body else { panic!() };
        let value: Value = serde_json::from_str(text).unwrap();
        assert_eq!(value["code"], "a\"b");
    }

    #[test]
    fn unknown_and_valueless_variables_are_named() {
        let mut e = token_endpoint();
        e.body.push_str("\nx={{clinet_id}}");
        let err = render_endpoint(&e, "token endpoint", &vars(false), &[]).unwrap_err();
        assert!(err.to_string().contains("{{clinet_id}}") && err.to_string().contains("nothing was sent"), "{err}");
        let mut e = Endpoint::new_for(EndpointPurpose::UserInfo);
        e.url = "https://p.example/me".into();
        let err = render_endpoint(&e, "user information endpoint", &TemplateVars::default(), &[]).unwrap_err();
        assert!(err.to_string().contains("{{access_token}}"), "{err}");
        // The header the flow places itself is not rendered.
        let r = render_endpoint(&e, "user information endpoint", &TemplateVars::default(), &["Authorization"]).unwrap();
        assert!(r.header("authorization").is_none());
    }

    #[test]
    fn refresh_body_is_standard_and_keeps_extras() {
        let mut e = token_endpoint();
        e.body.push_str("\naudience=api");
        let refresh = refresh_endpoint(&e);
        assert_eq!(refresh.body, "grant_type=refresh_token\nrefresh_token={{refresh_token}}\naudience=api");
        let mut v = TemplateVars::default();
        v.set("refresh_token", "rt");
        let r = render_endpoint(&refresh, "token endpoint", &v, &[]).unwrap();
        assert!(matches!(&r.body, RequestBody::Form(f) if f[1] == ("refresh_token".into(), "rt".into())));
    }

    #[test]
    fn basic_credentials_are_plain() {
        assert_eq!(basic_credentials("a", "b"), format!("Basic {}", STANDARD.encode("a:b")));
    }
}
