//! The requests the `oauth2` crate builds and reads (device authorization and device token, client
//! credentials, revocation, introspection), sent through [`StandardHttp`]: the one
//! `oauth2::AsyncHttpClient` of authdeck, over the engine's shared [`HttpClient`]. So these
//! exchanges get what every other one gets: redirects refused, the timeouts and the body cap, the
//! endpoint's own headers (GitHub's `Accept: application/json`…) and extra form fields (Auth0's
//! `audience`…), and a redacted record in the step log and on the screen.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use oauth2::basic::{BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenType};
use oauth2::{
    AuthType, ClientId, ClientSecret, EndpointMaybeSet, EndpointNotSet, ErrorResponse, HttpRequest, HttpResponse,
    RequestTokenError, StandardErrorResponse, StandardRevocableToken, StandardTokenIntrospectionResponse,
    StandardTokenResponse, TokenResponse as _,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::mpsc;

use super::assertion::ClientAuthenticator;
use super::dpop::DpopKey;
use super::error::{FlowError, hint_for};
use super::events::{FlowEvent, millis};
use super::http::{HttpClient, HttpReply, PreparedRequest, RequestBody, exchange_records, form_to_json};
use crate::model::redact::{Redactor, Sensitive};
use crate::model::run::{DecodedJwt, HttpExchange, StepId, Tokens};
use crate::model::{ClientAuth, OAuth2Config};

/// Every field of a response beyond the standard ones (an `id_token`, Salesforce's
/// `instance_url`…), kept as sent. Never printed: it may hold tokens.
#[derive(Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct OtherFields(pub serde_json::Map<String, Value>);

impl std::fmt::Debug for OtherFields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OtherFields({} fields)", self.0.len())
    }
}

impl oauth2::ExtraTokenFields for OtherFields {}

pub(crate) type AnyTokenResponse = StandardTokenResponse<OtherFields, BasicTokenType>;
pub(crate) type AnyIntrospection = StandardTokenIntrospectionResponse<OtherFields, BasicTokenType>;

/// The `oauth2` client of a run: every endpoint optional (set per request).
pub(crate) type StandardClient = oauth2::Client<
    BasicErrorResponse,
    AnyTokenResponse,
    AnyIntrospection,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// The URLs a standard request goes to; each set only for the request that needs it.
#[derive(Debug, Default)]
pub(crate) struct StandardUrls {
    pub token: Option<url::Url>,
    pub device: Option<url::Url>,
    pub revocation: Option<url::Url>,
    pub introspection: Option<url::Url>,
}

/// The client for `config`: its id, its secret and how it authenticates.
/// A client that signs assertions or presents a certificate is given no secret: the crate sends
/// `client_id` in the body, and [`StandardHttp`] adds a fresh assertion to each request.
pub(crate) fn standard_client(config: &OAuth2Config, urls: StandardUrls) -> StandardClient {
    let auth_type = match config.client_auth {
        ClientAuth::BasicHeader => AuthType::BasicAuth,
        _ => AuthType::RequestBody,
    };
    let client = oauth2::Client::new(ClientId::new(config.client_id.trim().to_owned()))
        .set_auth_type(auth_type)
        .set_token_uri_option(urls.token.map(oauth2::TokenUrl::from_url))
        .set_device_authorization_url_option(urls.device.map(oauth2::DeviceAuthorizationUrl::from_url))
        .set_revocation_url_option(urls.revocation.map(oauth2::RevocationUrl::from_url))
        .set_introspection_url_option(urls.introspection.map(oauth2::IntrospectionUrl::from_url));
    match config.client_auth {
        ClientAuth::BasicHeader | ClientAuth::RequestBody => {
            client.set_client_secret(ClientSecret::new(config.client_secret.clone()))
        }
        _ => client,
    }
}

/// What the last response answered, for a device-flow poll report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LastAnswer {
    /// An OAuth error code (`authorization_pending`, `slow_down`…).
    Error(String),
    /// No answer: the request failed (the crate then backs off and tries again).
    Failed(String),
    Success,
}

/// What the adapter saw during one `oauth2` request (several, for a device-flow poll).
#[derive(Default)]
pub(crate) struct Recording {
    /// The redacted exchanges, for the step's record.
    pub exchanges: Vec<HttpExchange>,
    /// The secrets the responses carried, for the run's redactor.
    pub secrets: Vec<String>,
    pub last_status: Option<u16>,
    pub last_answer: Option<LastAnswer>,
    /// The last successful response, as JSON (every field, for what the typed response drops).
    pub last_json: Option<Value>,
    pub requests: u32,
    /// The client assertions and DPoP proofs sent, decoded (the first and the last ones of a long
    /// device-flow wait).
    pub jwts: Vec<DecodedJwt>,
    /// The newest DPoP nonce a response gave.
    pub dpop_nonce: Option<String>,
}

/// The one `oauth2::AsyncHttpClient` of authdeck. One per standard request: it knows the
/// endpoint's name, headers and the step it belongs to, and records what it sends and receives.
/// It holds a clone of the engine's client (the same connection pool): a borrowed one would give
/// it a lifetime that the crate's `AsyncHttpClient<'c>` can't be implemented generally enough for.
pub(crate) struct StandardHttp {
    http: HttpClient,
    step: StepId,
    label: String,
    /// The endpoint's own headers, rendered; they replace the crate's of the same name.
    headers: Vec<(String, String)>,
    redactor: Mutex<Redactor>,
    events: mpsc::Sender<FlowEvent>,
    recording: Mutex<Recording>,
    /// Where to send instead of the crate's URL (see [`StandardHttp::send_to`]).
    send_to: Option<url::Url>,
    /// Adds a fresh client assertion to each request (private_key_jwt, client_secret_jwt).
    authenticator: Option<Arc<ClientAuthenticator>>,
    /// Adds a DPoP proof to each request (RFC 9449), with the newest nonce a server gave.
    dpop: Option<(DpopKey, Mutex<Option<String>>)>,
}

/// Response fields whose values are secrets, wherever a standard response has them.
const SECRET_FIELDS: [&str; 5] = ["access_token", "refresh_token", "id_token", "device_code", "user_code"];

impl StandardHttp {
    pub fn new(
        http: HttpClient,
        step: StepId,
        label: String,
        headers: Vec<(String, String)>,
        redactor: Redactor,
        events: mpsc::Sender<FlowEvent>,
    ) -> StandardHttp {
        StandardHttp {
            http,
            step,
            label,
            headers,
            redactor: Mutex::new(redactor),
            events,
            recording: Mutex::new(Recording::default()),
            send_to: None,
            authenticator: None,
            dpop: None,
        }
    }

    /// Proves the connection's DPoP key on each request (`nonce`: the newest the servers gave).
    pub fn dpop(mut self, key: DpopKey, nonce: Option<String>) -> StandardHttp {
        self.dpop = Some((key, Mutex::new(nonce)));
        self
    }

    /// Authenticates each request with the run's client authentication (a fresh assertion each).
    pub fn authenticated(mut self, authenticator: Arc<ClientAuthenticator>) -> StandardHttp {
        self.authenticator = Some(authenticator);
        self
    }

    /// Sends every request to `url`, whatever the crate's says: for a plain-http endpoint the
    /// crate refuses to build a request for (revocation, RFC 7009 section 2, which the crate
    /// enforces), given to it as https.
    pub fn send_to(mut self, url: url::Url) -> StandardHttp {
        self.send_to = Some(url);
        self
    }

    /// What the last response answered (for the device flow's poll reports).
    pub fn last_answer(&self) -> Option<LastAnswer> {
        self.lock_recording().last_answer.clone()
    }

    pub fn requests(&self) -> u32 {
        self.lock_recording().requests
    }

    /// Everything recorded, for the step.
    pub fn finish(self) -> Recording {
        self.recording.into_inner().unwrap_or_else(|e| e.into_inner())
    }

    fn lock_recording(&self) -> std::sync::MutexGuard<'_, Recording> {
        self.recording.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn redactor(&self) -> Redactor {
        self.redactor.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The crate's request as authdeck's, with the endpoint's headers on top.
    fn prepare(&self, request: &HttpRequest) -> Result<PreparedRequest, FlowError> {
        let url = match &self.send_to {
            Some(url) => url.clone(),
            None => url::Url::parse(&request.uri().to_string())
                .map_err(|e| FlowError::Config(format!("The URL of the {} is not valid ({e}).", self.label)))?,
        };
        let mut prepared = PreparedRequest {
            label: self.label.clone(),
            method: request.method().as_str().to_owned(),
            url,
            headers: request
                .headers()
                .iter()
                .map(|(n, v)| (canonical_header(n.as_str()), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                .collect(),
            body: RequestBody::None,
            omitted: Vec::new(),
        };
        let mut fields: Vec<(String, String)> =
            url::form_urlencoded::parse(request.body()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        if let Some(authenticator) = &self.authenticator
            && let Some((token, decoded)) = authenticator.apply_to_form(&mut fields)?.assertion
        {
            self.redactor.lock().unwrap_or_else(|e| e.into_inner()).add(&token);
            let mut recording = self.lock_recording();
            recording.secrets.push(token);
            keep_jwt(&mut recording.jwts, decoded);
        }
        if let Some((key, nonce)) = &self.dpop {
            let nonce = nonce.lock().unwrap_or_else(|e| e.into_inner()).clone();
            let (proof, decoded) = key.proof(&prepared.method, &prepared.url, None, nonce.as_deref())?;
            prepared.headers.push(("DPoP".into(), proof));
            keep_jwt(&mut self.lock_recording().jwts, decoded);
        }
        if !fields.is_empty() {
            prepared.body = RequestBody::Form(fields);
        }
        for (name, value) in &self.headers {
            // The body is the crate's form; its type is not the endpoint's to change.
            if !name.eq_ignore_ascii_case("content-type") {
                prepared.set_header(name, value.clone());
            }
        }
        Ok(prepared)
    }

    /// Sends a request; a DPoP `use_dpop_nonce` answer sends it once more, with the server's nonce.
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, FlowError> {
        let (response, challenged) = self.send_once(&request).await?;
        if !challenged {
            return Ok(response);
        }
        Ok(self.send_once(&request).await?.0)
    }

    async fn send_once(&self, request: &HttpRequest) -> Result<(HttpResponse, bool), FlowError> {
        let prepared = self.prepare(request)?;
        let redactor = self.redactor();
        tracing::info!(method = %prepared.method, url = %redactor.url(prepared.url.as_str()), "request");
        let started = Instant::now();
        let sent = self.http.send(&prepared).await;
        let elapsed = started.elapsed();
        let outcome = sent.as_ref().map_err(Clone::clone).and_then(|reply| self.read(reply));
        let mut redactor = redactor;
        if let Ok((_, Some(value))) = &outcome {
            let secrets = secrets_in(value);
            for secret in &secrets {
                redactor.add(secret);
            }
            self.redactor.lock().unwrap_or_else(|e| e.into_inner()).clone_from(&redactor);
            self.lock_recording().secrets.extend(secrets);
        }
        let (redacted, raw) = exchange_records(&prepared, sent.as_ref().ok(), elapsed, &redactor);
        if let Ok(reply) = &sent {
            tracing::info!(status = reply.status, elapsed_ms = millis(elapsed), "response");
        }
        {
            let mut recording = self.lock_recording();
            recording.requests += 1;
            recording.exchanges.push(redacted.clone());
            recording.last_status = sent.as_ref().ok().map(|r| r.status);
            recording.last_answer = Some(match &outcome {
                Err(e) => LastAnswer::Failed(redactor.text(&e.to_string())),
                Ok((_, value)) => match value.as_ref().and_then(|v| v.get("error")).and_then(Value::as_str) {
                    Some(code) => LastAnswer::Error(code.to_owned()),
                    None => LastAnswer::Success,
                },
            });
            if let Ok((response, Some(value))) = &outcome
                && response.status().is_success()
            {
                recording.last_json = Some(value.clone());
            }
        }
        let _ = self.events.send(FlowEvent::Exchange { step: self.step, redacted, raw: Sensitive::new(raw) }).await;
        let challenged = match (&self.dpop, &sent) {
            (Some((_, nonce)), Ok(reply)) => {
                let fresh = super::dpop::nonce_of(&reply.headers);
                if let Some(fresh) = &fresh {
                    *nonce.lock().unwrap_or_else(|e| e.into_inner()) = Some(fresh.clone());
                    self.lock_recording().dpop_nonce = Some(fresh.clone());
                }
                fresh.is_some() && super::dpop::asks_for_nonce(reply.status, &reply.headers, &reply.body)
            }
            _ => false,
        };
        outcome.map(|(response, _)| (response, challenged))
    }

    /// The reply as the crate reads it. What isn't an OAuth answer at all (too large, a redirect,
    /// an HTML page) is an error here, named as the engine names it for every endpoint. A
    /// form-encoded body becomes JSON (GitHub answers so unless asked for JSON), and an HTTP 200
    /// that carries `error` (GitHub's device-flow polls do,
    /// <https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps#device-flow>)
    /// is handed on as the HTTP 400 error response it means.
    fn read(&self, reply: &HttpReply) -> Result<(HttpResponse, Option<Value>), FlowError> {
        let limit_kib = self.http.body_limit() / 1024;
        if reply.too_large {
            return Err(FlowError::BodyTooLarge { endpoint: self.label.clone(), limit_kib });
        }
        let content_type = reply
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
            .map(|(_, v)| v.to_ascii_lowercase())
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&reply.body);
        if (300..400).contains(&reply.status) {
            let location = reply
                .headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("location"))
                .map(|(_, v)| self.redactor().url(v))
                .unwrap_or_else(|| "nowhere (no Location header)".into());
            return Err(FlowError::Redirect { endpoint: self.label.clone(), status: reply.status, location });
        }
        if content_type.contains("html") || text.trim_start().starts_with('<') {
            return Err(FlowError::HtmlPage {
                endpoint: self.label.clone(),
                status: reply.status,
                title: super::http::html_title(&text),
            });
        }
        let value = if content_type.contains("x-www-form-urlencoded") {
            Some(form_to_json(text.trim()))
        } else {
            serde_json::from_str::<Value>(&text).ok()
        };
        let mut status = reply.status;
        let error_at_200 = value.as_ref().is_some_and(|v| v.get("error").is_some() && v.get("access_token").is_none());
        if status == 200 && error_at_200 {
            status = 400;
        }
        let mut builder = oauth2::http::Response::builder().status(status);
        let body = match &value {
            Some(v) => {
                builder = builder.header(oauth2::http::header::CONTENT_TYPE, "application/json");
                serde_json::to_vec(v).unwrap_or_default()
            }
            None => {
                if !content_type.is_empty() {
                    builder = builder.header(oauth2::http::header::CONTENT_TYPE, content_type.as_str());
                }
                reply.body.clone()
            }
        };
        let response = builder
            .body(body)
            .map_err(|e| FlowError::Config(format!("The answer of the {} could not be read ({e}).", self.label)))?;
        Ok((response, value))
    }

    /// A failed standard request as the error to show, named as the engine names it elsewhere.
    pub fn error<T>(
        &self,
        error: RequestTokenError<FlowError, StandardErrorResponse<T>>,
        what: &'static str,
    ) -> FlowError
    where
        T: oauth2::ErrorResponseType + AsRef<str> + 'static,
        StandardErrorResponse<T>: ErrorResponse,
    {
        let status = self.lock_recording().last_status.unwrap_or(0);
        let redactor = self.redactor();
        match error {
            RequestTokenError::Request(e) => e,
            RequestTokenError::ServerResponse(response) => {
                let code = response.error().as_ref().to_owned();
                FlowError::Provider {
                    endpoint: self.label.clone(),
                    status,
                    hint: hint_for(&code),
                    error: redactor.text(&code),
                    description: response.error_description().map(|d| redactor.text(d)),
                }
            }
            RequestTokenError::Parse(e, _) => FlowError::NotStandard {
                endpoint: self.label.clone(),
                status,
                what,
                detail: redactor.text(&e.to_string()),
            },
            RequestTokenError::Other(detail) => {
                FlowError::NotStandard { endpoint: self.label.clone(), status, what, detail: redactor.text(&detail) }
            }
        }
    }
}

impl<'c> oauth2::AsyncHttpClient<'c> for StandardHttp {
    type Error = FlowError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, FlowError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.send(request))
    }
}

/// Keeps a decoded assertion or proof for the step: the first two and the latest two (a device-flow
/// wait sends one per poll).
fn keep_jwt(jwts: &mut Vec<DecodedJwt>, jwt: DecodedJwt) {
    if jwts.len() >= 4 {
        jwts.remove(2);
    }
    jwts.push(jwt);
}

/// The secrets of a standard response: the values of its token and code fields.
fn secrets_in(value: &Value) -> Vec<String> {
    SECRET_FIELDS.iter().filter_map(|k| value.get(*k).and_then(Value::as_str)).map(str::to_owned).collect()
}

/// `accept` → `Accept`, as the engine's own requests write header names.
fn canonical_header(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// The tokens of a standard token response; `requested_scopes` when it doesn't say which were granted.
pub(crate) fn tokens_of(response: &AnyTokenResponse, requested_scopes: &str) -> Tokens {
    let token_type = match response.token_type() {
        BasicTokenType::Bearer => "Bearer".to_owned(),
        BasicTokenType::Mac => "MAC".to_owned(),
        BasicTokenType::Extension(other) => other.clone(),
    };
    let scopes = response
        .scopes()
        .map(|s| s.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| requested_scopes.to_owned());
    let extra = &response.extra_fields().0;
    let id_token = extra.get("id_token").and_then(Value::as_str).filter(|t| !t.is_empty());
    // The refresh token's lifetime, when the provider says (not part of the crate's typed fields).
    let refresh_expires_at = ["refresh_token_expires_in", "x_refresh_token_expires_in", "refresh_expires_in"]
        .iter()
        .find_map(|k| extra.get(*k).and_then(Value::as_i64))
        .filter(|s| *s > 0)
        .map(|s| crate::model::time::now().saturating_add(s));
    Tokens {
        access_token: Sensitive::new(response.access_token().secret().clone()),
        refresh_token: response.refresh_token().map(|t| Sensitive::new(t.secret().clone())),
        id_token: id_token.map(|t| Sensitive::new(t.to_owned())),
        token_type: Some(token_type),
        expires_at: response
            .expires_in()
            .filter(|d| !d.is_zero())
            .map(|d| crate::model::time::now().saturating_add(i64::try_from(d.as_secs()).unwrap_or(i64::MAX))),
        scopes,
        dpop_key: None,
        refresh_expires_at,
        issued_at: None,
    }
}

/// The parameters a standard request sends itself; an endpoint's form field of the same name is
/// left out (the crate's would be sent twice otherwise).
pub(crate) const STANDARD_PARAMETERS: [&str; 13] = [
    "grant_type",
    "code",
    "redirect_uri",
    "code_verifier",
    "refresh_token",
    "device_code",
    "client_id",
    "client_secret",
    "scope",
    "token",
    "token_type_hint",
    "client_assertion",
    "client_assertion_type",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_read_as_usual() {
        assert_eq!(canonical_header("accept"), "Accept");
        assert_eq!(canonical_header("content-type"), "Content-Type");
    }

    #[test]
    fn the_secrets_of_a_device_response_are_found() {
        let v = serde_json::json!({"device_code": "dc-123456", "user_code": "ABCD-EFGH", "interval": 5});
        assert_eq!(secrets_in(&v), ["dc-123456", "ABCD-EFGH"]);
    }

    #[test]
    fn other_fields_never_print_their_values() {
        let fields: OtherFields = serde_json::from_value(serde_json::json!({"id_token": "eyJ.secret"})).unwrap();
        assert_eq!(format!("{fields:?}"), "OtherFields(1 fields)");
    }
}
