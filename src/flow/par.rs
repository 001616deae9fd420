//! Pushed authorization requests (RFC 9126): the authorization parameters (authdeck's and the
//! ones typed into the Authorization URI) are POSTed to the PAR endpoint with the client's
//! authentication (and a DPoP proof when DPoP is on, RFC 9449 section 10.1); the browser then gets
//! only `client_id` and the `request_uri` the provider answered, which lives `expires_in` seconds.

use serde_json::Value;

use super::FlowRequest;
use super::authorize::AuthorizationRequest;
use super::engine::Run;
use super::error::FlowError;
use super::http::{PreparedRequest, RequestBody};
use crate::model::OAuth2Config;
use crate::model::authorization::check_http_url;

/// What the provider answered a pushed request with.
#[derive(Debug, Clone)]
pub(crate) struct Pushed {
    pub request_uri: String,
    pub expires_in: Option<u64>,
}

impl Run<'_> {
    /// The PAR endpoint: the one typed in the form, else the issuer's (discovery).
    fn par_endpoint(&self, config: &OAuth2Config) -> Result<url::Url, FlowError> {
        let typed = config.par_endpoint.trim();
        if !typed.is_empty() {
            return check_http_url(typed, "the PAR endpoint").map_err(FlowError::Config);
        }
        let found = self.metadata.as_ref().and_then(|m| m.pushed_authorization_request_endpoint.as_deref());
        match found.map(str::trim).filter(|u| !u.is_empty()) {
            Some(url) => url::Url::parse(url).map_err(|e| {
                FlowError::Config(format!("The issuer's pushed_authorization_request_endpoint is not a URL ({e})."))
            }),
            None => Err(FlowError::Config(
                "PAR is on, but there is no PAR endpoint: type its URL in the form's PAR endpoint, or set the Issuer so discovery finds it (pushed_authorization_request_endpoint).".into(),
            )),
        }
    }

    /// Pushes the authorization request; the browser's URL becomes `client_id` + `request_uri`.
    pub(super) async fn push_authorization(
        &mut self,
        request: &FlowRequest,
        config: &OAuth2Config,
        mut auth: AuthorizationRequest,
    ) -> Result<((AuthorizationRequest, Pushed), String), FlowError> {
        let endpoint = self.par_endpoint(config)?;
        let full = url::Url::parse(&auth.url)
            .map_err(|e| FlowError::Config(format!("The authorization URL is not valid ({e}).")))?;
        let fields: Vec<(String, String)> = full.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        let mut prepared = PreparedRequest {
            label: format!("PAR endpoint ({endpoint})"),
            method: "POST".into(),
            url: endpoint.clone(),
            headers: vec![("Accept".into(), "application/json".into())],
            body: RequestBody::Form(fields),
            omitted: Vec::new(),
        };
        self.authenticate(request, config, &mut prepared).await?;
        let label = prepared.label.clone();
        let (pushed, status) = self
            .exchange_dpop(&prepared, None, |value| {
                let request_uri = value.get("request_uri").and_then(Value::as_str).filter(|u| !u.is_empty());
                let Some(request_uri) = request_uri else {
                    return Err(FlowError::NotStandard {
                        endpoint: label.clone(),
                        status: 201,
                        what: "a pushed authorization response (RFC 9126 section 2.2)",
                        detail: "it has no request_uri".into(),
                    });
                };
                let expires_in = value.get("expires_in").and_then(|e| e.as_u64().or_else(|| e.as_str()?.parse().ok()));
                Ok((Pushed { request_uri: request_uri.to_owned(), expires_in }, Vec::new()))
            })
            .await?;
        let mut browser = full;
        browser.set_query(None);
        browser
            .query_pairs_mut()
            .append_pair("client_id", config.client_id.trim())
            .append_pair("request_uri", &pushed.request_uri);
        auth.url = browser.to_string();
        let lives = pushed.expires_in.map(|s| format!(", it lives {s} s")).unwrap_or_default();
        let summary = format!("HTTP {status}: request_uri {}{lives}", pushed.request_uri);
        Ok(((auth, pushed), summary))
    }
}

/// What the waiting step says of the pushed request: how long its `request_uri` lives.
pub(crate) fn expiry_note(pushed: &Pushed) -> String {
    match pushed.expires_in {
        Some(secs) => format!(
            "The pushed request (request_uri) expires in {secs} s, at {}: open the URL and log in before then, or the provider refuses it (invalid_request_uri).",
            crate::model::time::format_utc(
                crate::model::time::now().saturating_add(i64::try_from(secs).unwrap_or(i64::MAX))
            )
        ),
        None => "The provider did not say when the pushed request (request_uri) expires: log in soon.".into(),
    }
}
