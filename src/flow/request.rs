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
use crate::model::context::RunContext;
use crate::model::template::{self, Variables};
use crate::model::{BodyKind, Endpoint};

/// The template values of one step. A variable marked *absent* exists in principle but has no value
/// in this run (no PKCE → no `code_verifier`, a public client → no `client_secret`): a form field or
/// header that uses it is left out rather than sent empty; elsewhere it renders as "".
#[derive(Debug, Clone, Default)]
pub(crate) struct TemplateVars {
    values: BTreeMap<&'static str, String>,
    absent: BTreeSet<&'static str>,
    /// What the run has learnt so far (`callback.…`, `token.…`, `userinfo.…`).
    context: RunContext,
    /// A check before anything is sent: every field of the run context stands in as `0`, and a
    /// URL built from one (`{{ token.instance_url }}/…`) is not parsed yet.
    stand_ins: bool,
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

    /// Makes what the run has learnt known to the templates.
    pub fn set_context(&mut self, context: &RunContext) {
        self.context = context.clone();
    }

    /// For a check before the run: any field of the run context renders as `0`.
    pub fn use_stand_ins(&mut self) {
        self.stand_ins = true;
    }

    /// Renders one template with these values.
    pub fn render(&self, text: &str) -> Result<String, String> {
        self.render_as(text, false)
    }

    fn namespaces(&self, escape_json: bool) -> BTreeMap<&'static str, minijinja::Value> {
        if self.stand_ins { crate::model::context::stand_ins() } else { self.context.template_values(escape_json) }
    }

    fn render_as(&self, text: &str, escape_json: bool) -> Result<String, String> {
        template::render_in(text, &self.render_map(escape_json), &self.namespaces(escape_json))
    }

    /// The absent variable a template uses, if any.
    fn absent_in(&self, template: &str) -> Option<&'static str> {
        self.absent.iter().copied().find(|name| uses_variable(template, name))
    }

    /// The value of a variable this run has.
    fn value(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// The JSON values with each absent variable standing for a marker that [`drop_absent`] finds
    /// after parsing, so `"code_verifier": "{{code_verifier}}"` goes when PKCE is off instead of
    /// being sent as `""`.
    fn json_map_with_markers(&self) -> BTreeMap<&str, String> {
        let mut map = self.render_map(true);
        for name in &self.absent {
            map.insert(name, crate::model::context::json_string_content(&absent_marker(name)));
        }
        map
    }

    fn render_map(&self, escape_json: bool) -> BTreeMap<&str, String> {
        let mut map: BTreeMap<&str, String> = self.absent.iter().map(|n| (*n, String::new())).collect();
        for (name, value) in &self.values {
            // A value dropped into `"{{code}}"` in a JSON template stays valid JSON whatever it holds.
            let value = if escape_json { crate::model::context::json_string_content(value) } else { value.clone() };
            map.insert(name, value);
        }
        map
    }
}

/// What an absent variable renders as in a JSON body, to be found and dropped once parsed.
fn absent_marker(name: &str) -> String {
    format!("\u{0}authdeck: no value for {name}\u{0}")
}

/// The variable a whole JSON string stands for when it is an absent variable's marker.
fn whole_marker(text: &str) -> Option<&str> {
    text.strip_prefix("\u{0}authdeck: no value for ")?.strip_suffix('\u{0}')
}

/// Drops the object members (and list items) whose value is an absent variable's marker, with a
/// note each; a marker inside a longer string is an error, since that value can't be sent whole.
fn drop_absent(value: &mut Value, path: &str, notes: &mut Vec<String>) -> Result<(), String> {
    match value {
        Value::Object(map) => {
            let mut dropped = Vec::new();
            for (key, member) in map.iter_mut() {
                let member_path = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                match member {
                    Value::String(text) if whole_marker(text).is_some() => {
                        let variable = whole_marker(text).unwrap_or_default();
                        notes.push(format!(
                            "Left out the body field {member_path}: it uses {{{{{variable}}}}}, which has no value in this run."
                        ));
                        dropped.push(key.clone());
                    }
                    _ => drop_absent(member, &member_path, notes)?,
                }
            }
            map.retain(|k, _| !dropped.contains(k));
        }
        Value::Array(items) => {
            items.retain(|item| !matches!(item, Value::String(t) if whole_marker(t).is_some()));
            for item in items.iter_mut() {
                drop_absent(item, path, notes)?;
            }
        }
        Value::String(text) if text.contains("\u{0}authdeck: no value for ") => {
            let variable = text.split("\u{0}authdeck: no value for ").nth(1).and_then(|r| r.split('\u{0}').next());
            return Err(format!(
                "{path} uses {{{{{}}}}} inside a longer value, and it has no value in this run: make it a field of its own.",
                variable.unwrap_or_default()
            ));
        }
        _ => {}
    }
    Ok(())
}

/// Renders an endpoint's method, URL, headers and body. Unknown variables and templates that can't
/// render are reported before anything is sent. `omit_headers` are left out (the credential the
/// flow places itself replaces them).
///
/// PKCE, one rule for form and JSON bodies: when this run has a verifier (PKCE on, at the code
/// exchange) it is sent — as the template places it, or added by authdeck as `code_verifier`; when
/// it has none (PKCE off) a field that uses `{{code_verifier}}` is left out, never sent empty.
/// What authdeck leaves out or adds is listed in the request's notes, shown in the step's detail.
pub(crate) fn render_endpoint(
    endpoint: &Endpoint,
    label: &str,
    vars: &TemplateVars,
    omit_headers: &[&str],
) -> Result<PreparedRequest, FlowError> {
    let template_error =
        |field: &'static str, message: String| FlowError::Template { endpoint: label.to_owned(), field, message };
    for (field, text) in [("URL", &endpoint.url), ("headers", &endpoint.headers), ("body", &endpoint.body)] {
        template::check(text, Variables::ENDPOINT).map_err(|m| template_error(field, m))?;
    }
    let render = |field: &'static str, text: &str, escape_json: bool| {
        vars.render_as(text, escape_json).map_err(|m| template_error(field, m))
    };

    let url_text = render("URL", endpoint.url.trim(), false)?;
    // Before the run, a URL whose host comes from it can't be parsed yet: only its template was checked.
    let url_text = if vars.stand_ins && endpoint.url.trim_start().starts_with("{{") {
        "https://from-the-run.invalid/".to_owned()
    } else {
        url_text
    };
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
        headers.push((name, render("headers", &value, false)?));
    }

    let body = match endpoint.body_kind {
        BodyKind::Form => {
            let mut fields = Vec::new();
            for (key, value) in endpoint.form_fields() {
                match vars.absent_in(&value) {
                    Some(variable) => omitted.push(format!(
                        "Left out the body field {key}: it uses {{{{{variable}}}}}, which has no value in this run."
                    )),
                    None => fields.push((key, render("body", &value, false)?)),
                }
            }
            if fields.is_empty() { RequestBody::None } else { RequestBody::Form(fields) }
        }
        BodyKind::Json if endpoint.body.trim().is_empty() => RequestBody::None,
        BodyKind::Json => {
            let text = template::render_in(&endpoint.body, &vars.json_map_with_markers(), &vars.namespaces(true))
                .map_err(|m| template_error("body", m))?;
            let mut value = serde_json::from_str::<Value>(&text).map_err(|e| {
                FlowError::Config(format!(
                    "The body of the {label} is not valid JSON once rendered ({e}). Fix the endpoint's body."
                ))
            })?;
            drop_absent(&mut value, "", &mut omitted).map_err(|m| template_error("body", m))?;
            RequestBody::Json(value.to_string())
        }
    };
    let mut body = body;
    if let Some(verifier) = vars.value("code_verifier")
        && !endpoint_uses(endpoint, "code_verifier")
        && !body_has_field(&body, "code_verifier")
    {
        add_body_field(&mut body, "code_verifier", verifier);
        omitted.push("Added code_verifier to the body: PKCE is on and the template doesn't place it.".into());
    }
    Ok(PreparedRequest {
        label: label.to_owned(),
        method: endpoint.method.as_str().to_owned(),
        url,
        headers,
        body,
        omitted,
    })
}

/// A `curl` command that calls `endpoint` (a user information endpoint) with a saved access token,
/// rendered as a test would send it, each argument quoted for a POSIX shell. It holds the token.
pub fn curl_command(endpoint: &Endpoint, client_id: &str, access_token: &str) -> Result<String, FlowError> {
    let mut vars = TemplateVars::default();
    vars.set("access_token", access_token);
    vars.set_opt("client_id", Some(client_id));
    for absent in ["client_secret", "code", "code_verifier", "refresh_token", "api_key", "username", "password"] {
        vars.set_opt(absent, None);
    }
    let label = format!("user information endpoint \"{}\"", endpoint.name);
    let request = render_endpoint(endpoint, &label, &vars, &[])?;
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let mut parts = vec!["curl".to_owned()];
    if request.method != "GET" {
        parts.push(format!("-X {}", request.method));
    }
    for (name, value) in &request.headers {
        parts.push(format!("-H {}", quote(&format!("{name}: {value}"))));
    }
    if let Some((body, content_type)) = request.encoded_body() {
        if request.header("content-type").is_none() {
            parts.push(format!("-H {}", quote(&format!("Content-Type: {content_type}"))));
        }
        parts.push(format!("--data-raw {}", quote(&body)));
    }
    parts.push(quote(request.url.as_str()));
    Ok(parts.join(" "))
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

/// Whether a form or JSON-object body has the field.
fn body_has_field(body: &RequestBody, key: &str) -> bool {
    match body {
        RequestBody::None => false,
        RequestBody::Form(fields) => fields.iter().any(|(k, _)| k == key),
        RequestBody::Json(text) => {
            matches!(serde_json::from_str::<Value>(text), Ok(Value::Object(map)) if map.contains_key(key))
        }
    }
}

/// Adds a field to a form or JSON-object body unless it is there already; true when it added it.
fn add_body_field(body: &mut RequestBody, key: &str, value: &str) -> bool {
    match body {
        RequestBody::None => {
            *body = RequestBody::Form(vec![(key.to_owned(), value.to_owned())]);
            true
        }
        RequestBody::Form(fields) => {
            let absent = !fields.iter().any(|(k, _)| k == key);
            if absent {
                fields.push((key.to_owned(), value.to_owned()));
            }
            absent
        }
        RequestBody::Json(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(mut map)) if !map.contains_key(key) => {
                map.insert(key.to_owned(), Value::String(value.to_owned()));
                *text = Value::Object(map).to_string();
                true
            }
            _ => false,
        },
    }
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
mod curl_tests {
    use super::*;
    use crate::model::EndpointPurpose;

    #[test]
    fn a_curl_command_carries_the_token_and_quotes_everything() {
        let endpoint = Endpoint {
            url: "https://api.example.test/me?x=it's".into(),
            ..Endpoint::new_for(EndpointPurpose::UserInfo)
        };
        let curl = curl_command(&endpoint, "client-1", "fake-token").unwrap();
        assert_eq!(
            curl,
            r"curl -H 'Authorization: Bearer fake-token' -H 'Accept: application/json' 'https://api.example.test/me?x=it%27s'"
        );
    }
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
    fn pkce_on_adds_the_verifier_to_form_and_json_bodies_the_template_doesnt_place_it_in() {
        let mut form = token_endpoint();
        form.body = "grant_type=authorization_code\ncode={{code}}".into();
        let r = render_endpoint(&form, "token endpoint", &vars(true), &[]).unwrap();
        assert!(
            matches!(&r.body, RequestBody::Form(f) if f.contains(&("code_verifier".into(), "verif".into()))),
            "{:?}",
            r.body
        );
        assert!(r.omitted.iter().any(|n| n.starts_with("Added code_verifier")), "{:?}", r.omitted);
        let mut json = token_endpoint();
        json.body_kind = BodyKind::Json;
        json.body = r#"{"grant_type": "authorization_code", "code": "{{code}}"}"#.into();
        let r = render_endpoint(&json, "token endpoint", &vars(true), &[]).unwrap();
        let RequestBody::Json(text) = &r.body else { panic!() };
        assert_eq!(serde_json::from_str::<Value>(text).unwrap()["code_verifier"], "verif");
        // PKCE off: nothing added.
        let r = render_endpoint(&json, "token endpoint", &vars(false), &[]).unwrap();
        let RequestBody::Json(text) = &r.body else { panic!() };
        assert!(serde_json::from_str::<Value>(text).unwrap().get("code_verifier").is_none());
    }

    #[test]
    fn pkce_off_leaves_a_json_verifier_out_instead_of_sending_it_empty() {
        let mut json = token_endpoint();
        json.body_kind = BodyKind::Json;
        json.body =
            r#"{"code": "{{code}}", "code_verifier": "{{code_verifier}}", "nested": {"v": "{{code_verifier}}"}}"#
                .into();
        let r = render_endpoint(&json, "token endpoint", &vars(false), &[]).unwrap();
        let RequestBody::Json(text) = &r.body else { panic!() };
        let value: Value = serde_json::from_str(text).unwrap();
        assert_eq!(value, serde_json::json!({"code": "c0de", "nested": {}}), "{text}");
        assert_eq!(r.omitted.len(), 2, "{:?}", r.omitted);
        assert!(r.omitted[0].contains("code_verifier") && r.omitted[1].contains("nested.v"), "{:?}", r.omitted);
        let r = render_endpoint(&json, "token endpoint", &vars(true), &[]).unwrap();
        let RequestBody::Json(text) = &r.body else { panic!() };
        assert_eq!(serde_json::from_str::<Value>(text).unwrap()["code_verifier"], "verif");
        json.body = r#"{"v": "x{{code_verifier}}"}"#.into();
        let err = render_endpoint(&json, "token endpoint", &vars(false), &[]).unwrap_err();
        assert!(err.to_string().contains("inside a longer value"), "{err}");
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
