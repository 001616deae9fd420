//! The grants and token requests the `oauth2` crate models (through the one adapter in
//! `standard`): the device authorization grant (RFC 8628), client credentials (RFC 6749 section
//! 4.4), revocation (RFC 7009) and introspection (RFC 7662). Each is a step with its exchanges,
//! like the code flow's.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use oauth2::{
    AccessToken, DeviceCodeErrorResponseType, EmptyExtraDeviceAuthorizationFields, RefreshToken, RequestTokenError,
    Scope, StandardRevocableToken, TokenIntrospectionResponse,
};

use super::engine::{Run, client_vars, token_endpoint, token_summary};
use super::error::FlowError;
use super::events::{DeviceCode, DevicePoll, FlowEvent, PollAnswer};
use super::http::RequestBody;
use super::oidc::IdTokenContext;
use super::request::render_endpoint;
use super::standard::{LastAnswer, STANDARD_PARAMETERS, StandardHttp, StandardUrls, standard_client, tokens_of};
use super::{FlowRequest, HintedToken};
use crate::model::authorization::uses_variable;
use crate::model::redact::Sensitive;
use crate::model::run::{ConnectionStatus, Introspection, StepId, Tokens};
use crate::model::{BodyKind, Endpoint, EndpointPurpose, OAuth2Config};

type DeviceDetails = oauth2::DeviceAuthorizationResponse<EmptyExtraDeviceAuthorizationFields>;

/// Where a standard request goes, and what of its endpoint's definition applies.
struct Target {
    label: String,
    url: url::Url,
    headers: Vec<(String, String)>,
    /// The endpoint's own form fields (an `audience`, a `resource`…), sent as extra parameters.
    extra: Vec<(String, String)>,
    notes: Vec<String>,
}

/// How many polls of a device-flow wait stay in the saved record: the first and the last ones.
const KEPT_POLLS: usize = 3;

impl Run<'_> {
    /// The endpoint rendered for a standard request: its URL, headers and extra fields. The token
    /// endpoint's body is the code grant's template: only its other fields (an `audience`…) are kept.
    fn target(&self, endpoint: &Endpoint, label: String, config: &OAuth2Config) -> Result<Target, FlowError> {
        let mut endpoint = endpoint.clone();
        let mut notes = Vec::new();
        if endpoint.body_kind == BodyKind::Json && !endpoint.body.trim().is_empty() {
            notes.push(format!(
                "The {label} has a JSON body, which is not sent: this standard request is a form (RFC 6749 section 3.2)."
            ));
            endpoint.body.clear();
        }
        let code_grant = ["code", "code_verifier", "redirect_uri", "refresh_token", "access_token"];
        endpoint.body = endpoint
            .form_fields()
            .into_iter()
            .filter(|(key, value)| {
                !STANDARD_PARAMETERS.contains(&key.as_str()) && !code_grant.iter().any(|v| uses_variable(value, v))
            })
            .map(|(key, value)| format!("{key}={value}"))
            .collect::<Vec<_>>()
            .join("\n");
        if endpoint.method != crate::model::Method::Post {
            notes.push(format!("The {label} is called with POST, as the standard demands."));
        }
        let mut vars = client_vars(config);
        for name in ["access_token", "refresh_token", "code", "code_verifier"] {
            vars.set_opt(name, None);
        }
        let prepared = render_endpoint(&endpoint, &label, &vars, &[])?;
        notes.extend(prepared.omitted);
        let extra = match prepared.body {
            RequestBody::Form(fields) => fields,
            RequestBody::None | RequestBody::Json(_) => Vec::new(),
        };
        Ok(Target { label, url: prepared.url, headers: prepared.headers, extra, notes })
    }

    fn standard_http(&self, step: StepId, target: &Target) -> StandardHttp {
        let http = StandardHttp::new(
            self.http.clone(),
            step,
            target.label.clone(),
            target.headers.clone(),
            self.redactor.clone(),
            self.events.clone(),
        );
        match &self.client_auth {
            Some(auth) => http.authenticated(auth.clone()),
            None => http,
        }
    }

    async fn notes(&mut self, notes: Vec<String>) {
        for note in notes {
            self.note(note).await;
        }
    }

    // -----------------------------------------------------------------------------------------
    // RFC 8628: the device authorization grant.

    pub(super) async fn device_test(&mut self, request: &FlowRequest, config: &OAuth2Config) -> Result<(), FlowError> {
        self.begin(StepId::DeviceAuthorization).await;
        self.security_notes(request, config).await;
        let result = self.device_authorization(request, config).await;
        let details = self.end(result).await?;

        self.begin(StepId::DeviceApproval).await;
        let result = self.device_approval(request, config, &details).await;
        let tokens = self.end(result).await?;
        self.tokens = Some(tokens.clone());

        let context = IdTokenContext { nonce: None, code: None, expected: true };
        self.id_token(request, config, &tokens, context).await?;
        self.user_info(request, config, &tokens, true).await
    }

    /// RFC 8628 section 3.1: the device code and the user code.
    async fn device_authorization(
        &mut self,
        request: &FlowRequest,
        config: &OAuth2Config,
    ) -> Result<(DeviceDetails, String), FlowError> {
        self.authenticator(request, config).await?;
        let (endpoint, label) =
            self.endpoint_for(request.endpoints.device.as_ref(), EndpointPurpose::DeviceAuthorization)?;
        let target = self.target(&endpoint, label, config)?;
        let notes = target.notes.clone();
        self.notes(notes).await;
        let client = standard_client(config, StandardUrls { device: Some(target.url.clone()), ..Default::default() });
        let http = self.standard_http(StepId::DeviceAuthorization, &target);
        let result = async {
            let mut call = client.exchange_device_code().map_err(|e| FlowError::Config(e.to_string()))?;
            if !config.scopes.trim().is_empty() {
                call = call.add_scope(Scope::new(config.scopes.trim().to_owned()));
            }
            for (key, value) in &target.extra {
                call = call.add_extra_param(key.as_str(), value.as_str());
            }
            call.request_async::<_, EmptyExtraDeviceAuthorizationFields>(&http)
                .await
                .map_err(|e| http.error(e, "a device authorization response (RFC 8628 section 3.2)"))
        }
        .await;
        let status = http.finish();
        let last_status = status.last_status.unwrap_or(200);
        self.absorb(status);
        let details = result?;
        // The codes are secrets of this run: hidden in every record from here on.
        self.redactor.add(details.device_code().secret());
        self.redactor.add(details.user_code().secret());
        let complete = details.verification_uri_complete().map(|c| c.secret().clone());
        if let Some(complete) = &complete {
            self.redactor.add(complete);
        }
        let expires_in_secs = details.expires_in().as_secs();
        let interval_secs = details.interval().as_secs();
        let verification_uri = details.verification_uri().url().to_string();
        self.emit(FlowEvent::DeviceCode(DeviceCode {
            user_code: Sensitive::new(details.user_code().secret().clone()),
            verification_uri: verification_uri.clone(),
            verification_uri_complete: complete.map(Sensitive::new),
            expires_at: crate::model::time::now().saturating_add(i64::try_from(expires_in_secs).unwrap_or(i64::MAX)),
            expires_in_secs,
            interval_secs,
        }))
        .await;
        let summary = format!(
            "HTTP {last_status}: a user code to enter at {verification_uri}; it expires in {expires_in_secs} s, polling every {interval_secs} s"
        );
        Ok((details, summary))
    }

    /// RFC 8628 section 3.4: the token endpoint polled at the interval (5 s more after each
    /// `slow_down`, 5 s when the provider says none) until the user approves, refuses, or the code expires.
    async fn device_approval(
        &mut self,
        request: &FlowRequest,
        config: &OAuth2Config,
        details: &DeviceDetails,
    ) -> Result<(Tokens, String), FlowError> {
        self.authenticator(request, config).await?;
        let endpoint = token_endpoint(request)?;
        let target = self.target(endpoint, format!("token endpoint \"{}\"", endpoint.name), config)?;
        self.notes(target.notes.clone()).await;
        self.prepare_dpop(request, config).await?;
        let client = standard_client(config, StandardUrls { token: Some(target.url.clone()), ..Default::default() });
        let http = self.with_dpop(self.standard_http(StepId::DeviceApproval, &target));
        let events = self.events.clone();
        let poll_second = self.options.poll_second;
        let slow_downs = AtomicU32::new(0);
        let last_interval = AtomicU64::new(details.interval().as_secs());
        let (http_ref, slow_ref, interval_ref) = (&http, &slow_downs, &last_interval);
        let sleep = move |interval: Duration| {
            let events = events.clone();
            let answer = match http_ref.last_answer() {
                Some(LastAnswer::Error(code)) if code == "slow_down" => {
                    slow_ref.fetch_add(1, Ordering::Relaxed);
                    PollAnswer::SlowDown
                }
                Some(LastAnswer::Failed(why)) => PollAnswer::NoAnswer(why),
                _ => PollAnswer::Pending,
            };
            let next_in_secs = interval.as_secs();
            interval_ref.store(next_in_secs, Ordering::Relaxed);
            let poll = DevicePoll { polls: http_ref.requests(), answer, next_in_secs };
            async move {
                let _ = events.send(FlowEvent::DevicePoll(poll)).await;
                tokio::time::sleep(poll_second.saturating_mul(u32::try_from(next_in_secs).unwrap_or(u32::MAX))).await;
            }
        };
        let result = async {
            let mut call =
                client.exchange_device_access_token(details).map_err(|e| FlowError::Config(e.to_string()))?;
            for (key, value) in &target.extra {
                call = call.add_extra_param(key.as_str(), value.as_str());
            }
            call.request_async(&http, sleep, None).await.map_err(|e| match e {
                RequestTokenError::ServerResponse(response) => {
                    let description = response.error_description().cloned();
                    match response.error() {
                        DeviceCodeErrorResponseType::AccessDenied => FlowError::DeviceDenied { description },
                        DeviceCodeErrorResponseType::ExpiredToken => {
                            FlowError::DeviceExpired { detail: description.unwrap_or_else(|| "expired_token".into()) }
                        }
                        _ => http.error(RequestTokenError::ServerResponse(response), "a token response"),
                    }
                }
                other => http.error(other, "a token response (RFC 6749 section 5.1)"),
            })
        }
        .await;
        let polls = http.requests();
        let recording = http.finish();
        let status = recording.last_status.unwrap_or(200);
        self.learn_nonce(recording.dpop_nonce.clone());
        self.absorb(recording);
        self.keep_first_and_last_exchanges(polls).await;
        let slow = slow_downs.load(Ordering::Relaxed);
        if slow > 0 {
            self.note(format!(
                "The provider asked to poll less often {slow} time(s) (slow_down): the interval grew to {} s.",
                last_interval.load(Ordering::Relaxed)
            ))
            .await;
        }
        let response = result?;
        let tokens = tokens_of(&response, config.scopes.trim());
        self.learn(&tokens);
        self.observe_standard_token(&response, &tokens);
        let tokens = self.bind_tokens(request, config, tokens).await?;
        let summary = format!("approved after {polls} poll(s); {}", token_summary(status, &tokens));
        Ok((tokens, summary))
    }

    /// A long wait polls many times: the saved record keeps the first and the last polls.
    async fn keep_first_and_last_exchanges(&mut self, polls: u32) {
        let dropped = self.trim_exchanges(KEPT_POLLS);
        if dropped > 0 {
            self.note(format!(
                "{polls} polls in all; the record keeps the first {KEPT_POLLS} and the last {KEPT_POLLS} ({dropped} in between answered the same)."
            ))
            .await;
        }
    }

    /// The secrets of new tokens, hidden in every record from here on.
    fn learn(&mut self, tokens: &Tokens) {
        self.redactor.add(tokens.access_token.reveal());
        for token in [&tokens.refresh_token, &tokens.id_token].into_iter().flatten() {
            self.redactor.add(token.reveal());
        }
    }

    // -----------------------------------------------------------------------------------------
    // RFC 6749 section 4.4: client credentials.

    pub(super) async fn client_credentials_test(
        &mut self,
        request: &FlowRequest,
        config: &OAuth2Config,
    ) -> Result<(), FlowError> {
        self.begin(StepId::ClientCredentials).await;
        self.security_notes(request, config).await;
        let result = self.client_credentials(request, config).await;
        let tokens = self.end(result).await?;
        self.tokens = Some(tokens.clone());
        if tokens.id_token.is_some() {
            let context = IdTokenContext { nonce: None, code: None, expected: false };
            self.id_token(request, config, &tokens, context).await?;
        }
        self.user_info(request, config, &tokens, false).await
    }

    async fn client_credentials(
        &mut self,
        request: &FlowRequest,
        config: &OAuth2Config,
    ) -> Result<(Tokens, String), FlowError> {
        self.authenticator(request, config).await?;
        let endpoint = token_endpoint(request)?;
        let target = self.target(endpoint, format!("token endpoint \"{}\"", endpoint.name), config)?;
        self.notes(target.notes.clone()).await;
        self.prepare_dpop(request, config).await?;
        let client = standard_client(config, StandardUrls { token: Some(target.url.clone()), ..Default::default() });
        let http = self.with_dpop(self.standard_http(StepId::ClientCredentials, &target));
        let result = async {
            let mut call = client.exchange_client_credentials().map_err(|e| FlowError::Config(e.to_string()))?;
            if !config.scopes.trim().is_empty() {
                // The scopes go as the user separated them: one value, exactly as typed.
                call = call.add_scope(Scope::new(config.scopes.trim().to_owned()));
            }
            for (key, value) in &target.extra {
                call = call.add_extra_param(key.as_str(), value.as_str());
            }
            call.request_async(&http).await.map_err(|e| http.error(e, "a token response (RFC 6749 section 5.1)"))
        }
        .await;
        let recording = http.finish();
        let status = recording.last_status.unwrap_or(200);
        self.learn_nonce(recording.dpop_nonce.clone());
        self.absorb(recording);
        let response = result?;
        let tokens = tokens_of(&response, config.scopes.trim());
        self.learn(&tokens);
        self.observe_standard_token(&response, &tokens);
        let tokens = self.bind_tokens(request, config, tokens).await?;
        Ok((tokens.clone(), token_summary(status, &tokens)))
    }

    // -----------------------------------------------------------------------------------------
    // RFC 7009: revocation.

    pub(super) async fn revoke(
        &mut self,
        request: &FlowRequest,
        config: &OAuth2Config,
        tokens: &[HintedToken],
    ) -> Result<(), FlowError> {
        self.begin(StepId::Revocation).await;
        let result = self.revoke_tokens(request, config, tokens).await;
        self.end(result).await?;
        self.connection_status = Some(ConnectionStatus::Revoked);
        let which: Vec<&str> = tokens.iter().map(|t| hint_name(t.hint)).collect();
        let connection = request.connection_id().map(|id| format!(" of connection {id}")).unwrap_or_default();
        self.done = Some(format!("Revoked the {}{connection}.", which.join(" and the ")));
        Ok(())
    }

    async fn revoke_tokens(
        &mut self,
        request: &FlowRequest,
        config: &OAuth2Config,
        tokens: &[HintedToken],
    ) -> Result<((), String), FlowError> {
        self.authenticator(request, config).await?;
        let (endpoint, label) =
            self.endpoint_for(request.endpoints.revocation.as_ref(), EndpointPurpose::Revocation)?;
        let target = self.target(&endpoint, label, config)?;
        self.notes(target.notes.clone()).await;
        // RFC 7009 section 2 has the client refuse a plain-http revocation endpoint, and the crate
        // does; a test against a local provider needs it all the same: said, and sent.
        let mut http = self.standard_http(StepId::Revocation, &target);
        let mut crate_url = target.url.clone();
        if crate_url.scheme() == "http" {
            self.note(format!(
                "The {} is plain http, which RFC 7009 forbids a client to use outside tests: the token travels in clear.",
                target.label
            ))
            .await;
            let _ = crate_url.set_scheme("https");
            http = http.send_to(target.url.clone());
        }
        let client = standard_client(config, StandardUrls { revocation: Some(crate_url), ..Default::default() });
        let mut done = Vec::new();
        let mut result = Ok(());
        for token in tokens {
            let revocable = match token.hint {
                "refresh_token" => {
                    StandardRevocableToken::RefreshToken(RefreshToken::new(token.token.reveal().clone()))
                }
                _ => StandardRevocableToken::AccessToken(AccessToken::new(token.token.reveal().clone())),
            };
            let sent = async {
                let mut call = client.revoke_token(revocable).map_err(|e| FlowError::Config(e.to_string()))?;
                for (key, value) in &target.extra {
                    call = call.add_extra_param(key.as_str(), value.as_str());
                }
                call.request_async(&http)
                    .await
                    .map_err(|e| http.error(e, "a revocation response (RFC 7009 section 2.2)"))
            }
            .await;
            match sent {
                Ok(()) => done.push(hint_name(token.hint)),
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        let recording = http.finish();
        let status = recording.last_status.unwrap_or(200);
        self.absorb(recording);
        result?;
        self.note(
            "A provider answers a revocation with HTTP 200 even for a token it doesn't know (RFC 7009 section 2.2): introspect to see a token's state."
                .into(),
        )
        .await;
        Ok(((), format!("HTTP {status}: {} revoked", done.join(" and "))))
    }

    // -----------------------------------------------------------------------------------------
    // RFC 7662: introspection.

    pub(super) async fn introspect(
        &mut self,
        request: &FlowRequest,
        config: &OAuth2Config,
        token: &HintedToken,
    ) -> Result<(), FlowError> {
        self.begin(StepId::Introspection).await;
        let result = self.introspect_token(request, config, token).await;
        let introspection = self.end(result).await?;
        let which = hint_name(token.hint);
        let connection = request.connection_id().map(|id| format!(" of connection {id}")).unwrap_or_default();
        self.done = Some(if introspection.active {
            format!("The {which}{connection} is active.")
        } else {
            format!(
                "The {which}{connection} is inactive: the provider no longer accepts it (revoked, expired, or not this client's to ask about)."
            )
        });
        self.introspection = Some(introspection);
        Ok(())
    }

    pub(super) async fn introspect_token(
        &mut self,
        request: &FlowRequest,
        config: &OAuth2Config,
        token: &HintedToken,
    ) -> Result<(Introspection, String), FlowError> {
        self.authenticator(request, config).await?;
        let (endpoint, label) =
            self.endpoint_for(request.endpoints.introspection.as_ref(), EndpointPurpose::Introspection)?;
        let target = self.target(&endpoint, label, config)?;
        self.notes(target.notes.clone()).await;
        let client =
            standard_client(config, StandardUrls { introspection: Some(target.url.clone()), ..Default::default() });
        // Its exchange belongs to the step that asks (a DPoP binding check asks from the token step).
        let http = self.standard_http(self.current_step().unwrap_or(StepId::Introspection), &target);
        let access = AccessToken::new(token.token.reveal().clone());
        let result = async {
            let mut call = client.introspect(&access).map_err(|e| FlowError::Config(e.to_string()))?;
            call = call.set_token_type_hint(token.hint);
            for (key, value) in &target.extra {
                call = call.add_extra_param(key.as_str(), value.as_str());
            }
            call.request_async(&http)
                .await
                .map_err(|e| http.error(e, "an introspection response (RFC 7662 section 2.2)"))
        }
        .await;
        let recording = http.finish();
        let status = recording.last_status.unwrap_or(200);
        self.absorb(recording);
        let response = result?;
        let claims = match self.redactor.json(&serde_json::to_value(&response).unwrap_or_default()) {
            serde_json::Value::Object(map) => map,
            _ => serde_json::Map::new(),
        };
        let active = response.active();
        let mut parts = vec![format!("HTTP {status}: active: {active}")];
        if let Some(scopes) = response.scopes() {
            parts.push(format!("scope {}", scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")));
        }
        if let Some(client) = response.client_id() {
            parts.push(format!("client {}", client.as_str()));
        }
        if let Some(exp) = response.exp() {
            parts.push(crate::model::run::describe_expiry(Some(exp.timestamp()), crate::model::time::now()));
        }
        let introspection = Introspection { active, token_type_hint: token.hint.to_owned(), claims };
        Ok((introspection, parts.join(", ")))
    }
}

/// "refresh token" for `refresh_token`.
fn hint_name(hint: &str) -> &'static str {
    if hint == "refresh_token" { "refresh token" } else { "access token" }
}
