//! The one HTTP client of the engine (redirects off, timeouts, 1 MiB body cap read in chunks), the
//! prepared request it sends, and how a response is read: JSON or form-encoded, failures recognized.

use std::time::Duration;

use serde_json::{Map, Value};
use url::Url;

use super::FlowOptions;
use super::error::{FlowError, hint_for};
use crate::model::redact::{Redactor, looks_like_form};
use crate::model::run::{HttpExchange, RequestRecord, ResponseRecord};

/// How much of a body a record keeps for display.
const RECORD_BODY_LIMIT: usize = 64 * 1024;

/// A request ready to send: templates rendered, client authentication applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PreparedRequest {
    /// Names the endpoint in messages: "token endpoint \"GitHub token\"".
    pub label: String,
    pub method: String,
    pub url: Url,
    pub headers: Vec<(String, String)>,
    pub body: RequestBody,
    /// What authdeck changed from the template, worth a note in the step's detail: what it left out
    /// (a variable with no value in this run) and what it added on its own (client authentication,
    /// the PKCE verifier).
    pub omitted: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RequestBody {
    None,
    Form(Vec<(String, String)>),
    Json(String),
}

impl PreparedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Sets a header, replacing any of the same name.
    pub fn set_header(&mut self, name: &str, value: String) {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.to_owned(), value));
    }

    /// The body as sent, with the content type it goes with.
    pub(crate) fn encoded_body(&self) -> Option<(String, &'static str)> {
        match &self.body {
            RequestBody::None => None,
            RequestBody::Form(fields) => Some((
                url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish(),
                "application/x-www-form-urlencoded",
            )),
            RequestBody::Json(text) => Some((text.clone(), "application/json")),
        }
    }

    fn host(&self) -> String {
        match (self.url.host_str(), self.url.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            (None, _) => self.url.to_string(),
        }
    }

    /// The request for display, secrets hidden by `redactor` (pass an empty one for the raw record).
    pub fn record(&self, redactor: &Redactor) -> RequestRecord {
        let mut headers: Vec<(String, String)> =
            self.headers.iter().map(|(n, v)| (n.clone(), redactor.header(n, v))).collect();
        let body = self.encoded_body().map(|(text, content_type)| {
            if self.header("content-type").is_none() {
                headers.push(("Content-Type".into(), content_type.into()));
            }
            redactor.body(Some(content_type), &text)
        });
        RequestRecord { method: self.method.clone(), url: redactor.url(self.url.as_str()), headers, body }
    }
}

/// A response: status, headers and the body read so far.
#[derive(Debug, Clone)]
pub(crate) struct HttpReply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The body went over the limit; `body` holds its first part.
    pub too_large: bool,
}

impl HttpReply {
    fn content_type(&self) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("content-type")).map(|(_, v)| v.as_str())
    }

    pub fn record(&self, redactor: &Redactor) -> ResponseRecord {
        let mut text = String::from_utf8_lossy(&self.body[..self.body.len().min(RECORD_BODY_LIMIT)]).into_owned();
        if self.body.len() > RECORD_BODY_LIMIT || self.too_large {
            text.push_str("\n… (cut)");
        }
        ResponseRecord {
            status: self.status,
            headers: self.headers.iter().map(|(n, v)| (n.clone(), redactor.header(n, v))).collect(),
            body: redactor.body(self.content_type(), &text),
        }
    }
}

/// Both records of one exchange: for display, and raw for the reveal key.
pub(crate) fn exchange_records(
    request: &PreparedRequest,
    reply: Option<&HttpReply>,
    elapsed: Duration,
    redactor: &Redactor,
) -> (HttpExchange, HttpExchange) {
    let elapsed_ms = super::events::millis(elapsed);
    let raw = Redactor::revealing();
    let make = |r: &Redactor| HttpExchange {
        request: request.record(r),
        response: reply.map(|reply| reply.record(r)),
        elapsed_ms,
    };
    (make(redactor), make(&raw))
}

/// One `reqwest::Client` shared by every request of every flow: redirects disabled (a token
/// endpoint that redirects is misconfigured, and a redirect would leak credentials to another host),
/// a per-request timeout, and a cap on the body size.
#[derive(Debug, Clone)]
pub(crate) struct HttpClient {
    client: reqwest::Client,
    timeout: Duration,
    body_limit: usize,
    /// What it was built with, to build it again with a client certificate.
    options: FlowOptions,
}

/// The settings every client of the engine has: redirects off, timeouts, the extra trusted CAs.
fn builder(options: &FlowOptions) -> Result<reqwest::ClientBuilder, FlowError> {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(options.request_timeout)
        .connect_timeout(options.request_timeout.min(Duration::from_secs(10)))
        .user_agent(concat!("authdeck/", env!("CARGO_PKG_VERSION")));
    for pem in &options.extra_roots {
        for root in reqwest::Certificate::from_pem_bundle(pem)
            .map_err(|e| FlowError::Config(format!("A CA certificate to trust can't be read ({e}).")))?
        {
            builder = builder.add_root_certificate(root);
        }
    }
    Ok(builder)
}

impl HttpClient {
    pub fn new(options: &FlowOptions) -> Result<HttpClient, FlowError> {
        let client = builder(options)?
            .build()
            .map_err(|e| FlowError::Config(format!("Could not set up the HTTP client: {e}.")))?;
        Ok(HttpClient {
            client,
            timeout: options.request_timeout,
            body_limit: options.body_limit,
            options: options.clone(),
        })
    }

    /// The same client presenting a TLS client certificate (mTLS, RFC 8705): `identity` is the
    /// certificate (chain) and its private key, in PEM. rustls through reqwest: no second TLS stack.
    pub fn with_identity(&self, identity: &str) -> Result<HttpClient, FlowError> {
        let identity = reqwest::Identity::from_pem(identity.as_bytes()).map_err(|e| {
            FlowError::Config(format!(
                "The client certificate and its private key can't be used for TLS ({e}): check that the key belongs to the certificate."
            ))
        })?;
        let client = builder(&self.options)?.identity(identity).build().map_err(|e| {
            FlowError::Config(format!("Could not set up the HTTP client with the client certificate: {e}."))
        })?;
        Ok(HttpClient { client, ..self.clone() })
    }

    pub fn body_limit(&self) -> usize {
        self.body_limit
    }

    /// Sends the request and reads the body in chunks, stopping past the limit.
    pub async fn send(&self, request: &PreparedRequest) -> Result<HttpReply, FlowError> {
        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|_| FlowError::Config(format!("{} has an unknown method {}.", request.label, request.method)))?;
        let mut builder = self.client.request(method, request.url.clone());
        for (name, value) in &request.headers {
            let name = reqwest::header::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| FlowError::Config(format!("{}: \"{name}\" is not a header name.", request.label)))?;
            let value = reqwest::header::HeaderValue::from_str(value).map_err(|_| {
                FlowError::Config(format!(
                    "{}: the value of the header {name} has characters a header can't carry.",
                    request.label
                ))
            })?;
            builder = builder.header(name, value);
        }
        if let Some((text, content_type)) = request.encoded_body() {
            if request.header("content-type").is_none() {
                builder = builder.header(reqwest::header::CONTENT_TYPE, content_type);
            }
            builder = builder.body(text);
        }
        let mut response = builder.send().await.map_err(|e| self.classify(&e, request))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let mut reply = HttpReply { status, headers, body: Vec::new(), too_large: false };
        if response.content_length().is_some_and(|n| n > self.body_limit as u64) {
            reply.too_large = true;
            return Ok(reply);
        }
        while let Some(chunk) = response.chunk().await.map_err(|e| self.classify(&e, request))? {
            if reply.body.len() + chunk.len() > self.body_limit {
                let room = self.body_limit - reply.body.len();
                reply.body.extend_from_slice(&chunk[..room]);
                reply.too_large = true;
                break;
            }
            reply.body.extend_from_slice(&chunk);
        }
        Ok(reply)
    }

    /// Names the fault: refused, DNS, TLS, timeout, or else the library's words.
    fn classify(&self, e: &reqwest::Error, request: &PreparedRequest) -> FlowError {
        let host = request.host();
        if e.is_timeout() {
            return FlowError::Timeout { host, millis: super::events::millis(self.timeout) };
        }
        // The top error's text holds the URL (and so a query-placed API key): read its causes only.
        let mut chain = Vec::new();
        let mut refused = false;
        let mut source = std::error::Error::source(e);
        while let Some(err) = source {
            if let Some(io) = err.downcast_ref::<std::io::Error>() {
                refused |= io.kind() == std::io::ErrorKind::ConnectionRefused;
                if io.kind() == std::io::ErrorKind::TimedOut {
                    return FlowError::Timeout { host, millis: super::events::millis(self.timeout) };
                }
            }
            chain.push(err.to_string());
            source = err.source();
        }
        let text = chain.join(": ").to_ascii_lowercase();
        let detail = chain.last().cloned().unwrap_or_else(|| "no detail".into());
        let tls_words = ["certificate", "tls", "handshake", "ssl", "corrupt message", "alert", "peer"];
        if refused || text.contains("connection refused") {
            FlowError::Refused { host }
        } else if text.contains("dns error")
            || text.contains("failed to lookup address")
            || text.contains("name or service not known")
        {
            FlowError::Dns { host }
        } else if request.url.scheme() == "https" && (e.is_connect() || tls_words.iter().any(|w| text.contains(w))) {
            FlowError::Tls { host, detail }
        } else {
            FlowError::Network { host, detail: if chain.is_empty() { "no detail".into() } else { chain.join(": ") } }
        }
    }
}

/// Reads a response as a JSON value: JSON, or `application/x-www-form-urlencoded` as GitHub sends
/// unless asked for JSON (<https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps>).
/// An HTTP error, an HTML page, invalid JSON, an oversized body, a redirect, and an HTTP 200 that
/// carries `error` or `"ok": false` (Slack, <https://api.slack.com/web#responses>) are errors.
pub(crate) fn read_response(
    endpoint: &str,
    reply: &HttpReply,
    body_limit: usize,
    redactor: &Redactor,
) -> Result<Value, FlowError> {
    let status = reply.status;
    if reply.too_large {
        return Err(FlowError::BodyTooLarge { endpoint: endpoint.to_owned(), limit_kib: body_limit / 1024 });
    }
    if (300..400).contains(&status) {
        let location = reply
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("location"))
            .map(|(_, v)| redactor.url(v))
            .unwrap_or_else(|| "nowhere (no Location header)".into());
        return Err(FlowError::Redirect { endpoint: endpoint.to_owned(), status, location });
    }
    let text = String::from_utf8_lossy(&reply.body);
    let content_type = reply.content_type().unwrap_or_default().to_ascii_lowercase();
    let parsed = parse_body(&content_type, &text);
    let success = (200..300).contains(&status);
    match parsed {
        Body::Value(value) => {
            if let Some((error, description)) = reported_error(&value) {
                let hint = hint_for(&error);
                return Err(FlowError::Provider {
                    endpoint: endpoint.to_owned(),
                    status,
                    error: redactor.text(&error),
                    description: description.map(|d| redactor.text(&d)),
                    hint,
                });
            }
            if !success {
                let excerpt = excerpt(&serde_json::to_string(&redactor.json(&value)).unwrap_or_default());
                return Err(FlowError::Status { endpoint: endpoint.to_owned(), status, excerpt });
            }
            Ok(value)
        }
        Body::Html(title) => Err(FlowError::HtmlPage { endpoint: endpoint.to_owned(), status, title }),
        Body::Invalid(detail) if success => {
            Err(FlowError::InvalidJson { endpoint: endpoint.to_owned(), status, detail })
        }
        Body::Invalid(_) => {
            let shown =
                if text.trim().is_empty() { "an empty body".to_owned() } else { excerpt(&redactor.text(&text)) };
            Err(FlowError::Status { endpoint: endpoint.to_owned(), status, excerpt: shown })
        }
    }
}

enum Body {
    Value(Value),
    Html(String),
    Invalid(String),
}

fn parse_body(content_type: &str, text: &str) -> Body {
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Body::Invalid("the body is empty".into());
    }
    if content_type.contains("x-www-form-urlencoded") {
        return Body::Value(form_to_json(text.trim()));
    }
    if content_type.contains("html") || trimmed.starts_with('<') {
        return Body::Html(html_title(text));
    }
    match serde_json::from_str::<Value>(text) {
        Ok(value) => Body::Value(value),
        // Some providers send form-encoded bodies labelled text/plain.
        Err(_) if !content_type.contains("json") && looks_like_form(text) => Body::Value(form_to_json(text.trim())),
        Err(e) => Body::Invalid(format!("{e}, body starts with \"{}\"", excerpt_chars(trimmed, 40))),
    }
}

/// A form-encoded body as a JSON object of strings.
pub(crate) fn form_to_json(text: &str) -> Value {
    let map: Map<String, Value> = url::form_urlencoded::parse(text.as_bytes())
        .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
        .collect();
    Value::Object(map)
}

/// The error a body reports: an OAuth `error` (+ `error_description`), an `{"error": {"message"}}`
/// object, or `"ok": false` (+ `error`).
fn reported_error(value: &Value) -> Option<(String, Option<String>)> {
    let text = |v: &Value| match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let description =
        ["error_description", "message", "error_message"].iter().find_map(|k| value.get(k).and_then(text));
    match value.get("error") {
        Some(Value::Object(inner)) => {
            let code =
                ["code", "type", "status"].iter().find_map(|k| inner.get(*k).and_then(text)).unwrap_or("error".into());
            let message = ["message", "description"].iter().find_map(|k| inner.get(*k).and_then(text));
            return Some((code, message.or(description)));
        }
        Some(v) if text(v).is_some() => return text(v).map(|e| (e, description)),
        _ => {}
    }
    if value.get("ok") == Some(&Value::Bool(false)) {
        return Some(("\"ok\": false".into(), description));
    }
    None
}

pub(crate) fn html_title(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let title = lower
        .find("<title>")
        .and_then(|start| {
            lower[start + 7..].find("</title>").map(|end| text[start + 7..start + 7 + end].trim().to_owned())
        })
        .filter(|t| !t.is_empty());
    title.unwrap_or_else(|| "untitled".into())
}

fn excerpt(text: &str) -> String {
    excerpt_chars(text.trim(), 200)
}

fn excerpt_chars(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).collect();
    if text.chars().count() > max {
        out.push('…');
    }
    out.replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, content_type: &str, body: &str) -> HttpReply {
        HttpReply {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.as_bytes().to_vec(),
            too_large: false,
        }
    }

    fn read(r: &HttpReply) -> Result<Value, FlowError> {
        read_response("token endpoint", r, 1 << 20, &Redactor::new())
    }

    #[test]
    fn json_and_form_bodies_become_values() {
        let v =
            read(&reply(200, "application/json; charset=utf-8", r#"{"access_token":"a","expires_in":60}"#)).unwrap();
        assert_eq!(v["expires_in"], 60);
        let v = read(&reply(
            200,
            "application/x-www-form-urlencoded",
            "access_token=gho_x&scope=repo%2Cgist&token_type=bearer",
        ))
        .unwrap();
        assert_eq!(v["scope"], "repo,gist");
        let v = read(&reply(200, "text/plain", "access_token=x&token_type=bearer")).unwrap();
        assert_eq!(v["access_token"], "x");
    }

    #[test]
    fn failures_reported_in_a_200_are_errors() {
        let e = read(&reply(200, "application/json", r#"{"ok":false,"error":"invalid_code"}"#)).unwrap_err();
        assert!(e.to_string().contains("invalid_code") && e.to_string().contains("reports a failure"), "{e}");
        let e = read(&reply(
            200,
            "application/x-www-form-urlencoded",
            "error=bad_verification_code&error_description=The+code+passed+is+incorrect",
        ))
        .unwrap_err();
        assert!(e.to_string().contains("bad_verification_code (The code passed is incorrect)"), "{e}");
        let e = read(&reply(400, "application/json", r#"{"error":"invalid_client","error_description":"no"}"#))
            .unwrap_err();
        assert!(
            e.to_string().contains("HTTP 400: invalid_client (no)") && e.to_string().contains("Client Secret"),
            "{e}"
        );
    }

    #[test]
    fn html_invalid_json_and_bare_errors() {
        let e = read(&reply(404, "text/html", "<html><head><title>Not Found</title></head></html>")).unwrap_err();
        assert!(matches!(&e, FlowError::HtmlPage { status: 404, title, .. } if title == "Not Found"), "{e:?}");
        let e = read(&reply(200, "application/json", "{\"a\": ")).unwrap_err();
        assert!(matches!(e, FlowError::InvalidJson { .. }), "{e:?}");
        let e = read(&reply(500, "text/plain", "boom")).unwrap_err();
        assert!(e.to_string().contains("HTTP 500: boom"), "{e}");
        let e = read(&reply(200, "application/json", "")).unwrap_err();
        assert!(e.to_string().contains("empty"), "{e}");
    }

    #[test]
    fn too_large_and_redirects() {
        let mut r = reply(200, "application/json", "{}");
        r.too_large = true;
        assert!(matches!(read(&r).unwrap_err(), FlowError::BodyTooLarge { limit_kib: 1024, .. }));
        let r = HttpReply {
            status: 302,
            headers: vec![("location".into(), "https://x.example/login?code=zz".into())],
            body: vec![],
            too_large: false,
        };
        let e = read(&r).unwrap_err();
        assert!(e.to_string().contains("https://x.example/login?code=[redacted]"), "{e}");
    }

    #[test]
    fn records_redact_credentials() {
        let mut redactor = Redactor::new();
        redactor.add("the-secret");
        let request = PreparedRequest {
            label: "token endpoint".into(),
            method: "POST".into(),
            url: Url::parse("https://x.example/token?key=the-secret").unwrap(),
            headers: vec![("Authorization".into(), "Basic Zm9vOmJhcg==".into())],
            body: RequestBody::Form(vec![
                ("code".into(), "c0de".into()),
                ("grant_type".into(), "authorization_code".into()),
            ]),
            omitted: Vec::new(),
        };
        let (shown, raw) = exchange_records(&request, None, Duration::from_millis(5), &redactor);
        assert_eq!(shown.request.url, "https://x.example/token?key=[redacted]");
        assert_eq!(shown.request.headers[0].1, "Basic [redacted]");
        assert_eq!(shown.request.headers[1], ("Content-Type".into(), "application/x-www-form-urlencoded".into()));
        assert_eq!(shown.request.body.as_deref(), Some("code=[redacted]&grant_type=authorization_code"));
        assert_eq!(raw.request.body.as_deref(), Some("code=c0de&grant_type=authorization_code"));
    }
}
