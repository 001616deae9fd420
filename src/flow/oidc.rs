//! The OpenID Connect steps: the issuer's discovery document read and checked (the issuer must be
//! the one configured; what doesn't fit the authorization is a warning), and the ID token's checks,
//! each on its own line, with the issuer's keys fetched (and fetched once more when the token's
//! key is missing, as after a key rotation).

use jsonwebtoken::jwk::Jwk;

use super::engine::{Run, client_vars};
use super::error::FlowError;
use super::id_token::{self, Expected, Signature};
use super::request::render_endpoint;
use super::{FlowRequest, discovery};
use crate::model::discovery::metadata_checks;
use crate::model::fingerprint::{DiscoverySeen, KeySeen, SignedBy};
use crate::model::redact::Sensitive;
use crate::model::run::{CheckRecord, DecodedJwt, StepId, Tokens};
use crate::model::{Endpoint, EndpointPurpose, OAuth2Config};

/// What an ID token is checked against beyond the authorization: the login it came from.
pub(super) struct IdTokenContext {
    /// The nonce sent with the authorization request (code flow).
    pub nonce: Option<String>,
    /// The authorization code, for `c_hash`.
    pub code: Option<Sensitive<String>>,
    /// An ID token must come (a code or device login with `openid`); not so for a refresh.
    pub expected: bool,
}

impl Run<'_> {
    /// The first step when the authorization has an Issuer: its metadata, read and checked.
    pub(super) async fn discovery(
        &mut self,
        request: &FlowRequest,
        config: &OAuth2Config,
        issuer: &str,
    ) -> Result<(), FlowError> {
        self.begin(StepId::Discovery).await;
        let fetched = discovery::fetch(self.http, issuer, &self.redactor).await;
        self.record_exchanges(fetched.exchanges).await;
        let result = match fetched.result {
            Ok(found) => {
                self.check(CheckRecord::new("issuer", true, issuer, &found.metadata.issuer));
                let userinfo = request.endpoints.userinfo.as_ref().map(|e| e.url.as_str());
                let checks = metadata_checks(config, &found.metadata, userinfo);
                let warnings = checks.iter().filter(|c| !c.ok).count();
                for check in checks {
                    self.check(check);
                }
                let warned = match warnings {
                    0 => String::new(),
                    1 => ", 1 warning".into(),
                    n => format!(", {n} warnings"),
                };
                let summary = format!("{} at {}: the issuer matches{warned}", found.source.label(), found.url);
                if let Ok(document) = serde_json::to_value(&found.metadata) {
                    self.observed.discovery = Some(DiscoverySeen::of(&document));
                }
                self.metadata = Some(found.metadata);
                Ok(((), summary))
            }
            Err(FlowError::DiscoveryIssuer { asked, found, url }) => {
                self.check(CheckRecord::new("issuer", false, &asked, &found));
                Err(FlowError::DiscoveryIssuer { asked, found, url })
            }
            Err(e) => Err(e),
        };
        self.end(result).await
    }

    /// The endpoint for a purpose: the authorization's own, else one made from the URL in the
    /// issuer's discovery document; with the label messages name it by.
    pub(super) fn endpoint_for(
        &self,
        configured: Option<&Endpoint>,
        purpose: EndpointPurpose,
    ) -> Result<(Endpoint, String), FlowError> {
        if let Some(endpoint) = configured {
            return Ok((endpoint.clone(), format!("{} \"{}\"", purpose.noun(), endpoint.name)));
        }
        match self.metadata.as_ref().and_then(|m| m.endpoint(purpose)) {
            Some(url) => {
                let endpoint = Endpoint {
                    name: format!("the issuer's {}", purpose.noun()),
                    url: url.to_owned(),
                    ..Endpoint::new_for(purpose)
                };
                Ok((endpoint, format!("issuer's {} ({url})", purpose.noun())))
            }
            None => Err(FlowError::Config(format!(
                "Neither the authorization nor the issuer's discovery document names a {}: choose or create one in the authorization's form.",
                purpose.noun()
            ))),
        }
    }

    /// The ID-token step, when the token response has one (or must have one).
    pub(super) async fn id_token(
        &mut self,
        request: &FlowRequest,
        config: &OAuth2Config,
        tokens: &Tokens,
        context: IdTokenContext,
    ) -> Result<(), FlowError> {
        let Some(token) = tokens.id_token.clone() else {
            if context.expected && config.wants_openid() {
                if self.expected_issuer(config).is_some() {
                    self.begin(StepId::IdToken).await;
                    let check = CheckRecord::new("id_token", false, "an ID token (openid was requested)", "none");
                    self.check(check);
                    let error = FlowError::IdToken {
                        check: "id_token".into(),
                        expected: "an id_token in the token response, since openid was requested".into(),
                        actual: "none".into(),
                        detail: "An OpenID Connect provider must send one: check the Scopes and the token endpoint's response mapping.".into(),
                    };
                    return self.end::<()>(Err(error)).await;
                }
                let reason = "The token response has no id_token, although openid was requested: the provider may not do OpenID Connect.";
                self.skip(StepId::IdToken, reason).await;
            } else if config.wants_openid() {
                // OpenID Connect Core section 12.2: a refresh may or may not bring a new ID token.
                self.skip(
                    StepId::IdToken,
                    "No new ID token came with the refreshed tokens (a provider may leave it out).",
                )
                .await;
            }
            return Ok(());
        };
        if !config.wants_openid() && self.expected_issuer(config).is_none() {
            let reason = "The token response has an id_token, though this isn't an OpenID Connect login: not checked (add openid to Scopes, or set the Issuer, to check it).";
            self.skip(StepId::IdToken, reason).await;
            return Ok(());
        }
        self.begin(StepId::IdToken).await;
        let result = self.verify_id_token(request, config, token.reveal(), tokens, &context).await;
        self.end(result).await
    }

    async fn verify_id_token(
        &mut self,
        request: &FlowRequest,
        config: &OAuth2Config,
        token: &str,
        tokens: &Tokens,
        context: &IdTokenContext,
    ) -> Result<((), String), FlowError> {
        let decoded = match id_token::decode(token) {
            Ok(decoded) => decoded,
            Err(reason) => {
                let expected = "a signed JWT (three base64url parts)";
                self.check(CheckRecord::new("format", false, expected, &reason));
                let detail = "Check that the provider signs ID tokens (JWS), as OpenID Connect requires.".into();
                return Err(FlowError::IdToken {
                    check: "format".into(),
                    expected: expected.into(),
                    actual: reason,
                    detail,
                });
            }
        };
        self.jwt(DecodedJwt {
            label: "ID token".into(),
            header: decoded.header.clone(),
            claims: decoded.claims.clone(),
        });
        self.observed.id_token =
            Some(SignedBy { kid: decoded.kid().map(str::to_owned), alg: decoded.alg().to_owned() });
        let issuer = self.expected_issuer(config);
        let algorithms = self.metadata.as_ref().and_then(|m| m.id_token_signing_alg_values_supported.clone());
        let expected = Expected {
            issuer: issuer.as_deref(),
            client_id: config.client_id.trim(),
            nonce: context.nonce.as_deref(),
            access_token: Some(tokens.access_token.reveal()),
            code: context.code.as_ref().map(|c| c.reveal().as_str()),
            algorithms: algorithms.as_deref(),
            now: crate::model::time::now(),
        };
        let mut checks = vec![id_token::alg_check(&decoded, &expected)];
        checks.push(match id_token::algorithm(&decoded) {
            Err(reason) => CheckRecord::new("signature", false, "a signature to verify", reason),
            Ok(alg) => self.signature(request, config, &decoded, alg).await?,
        });
        checks.extend(id_token::claim_checks(&decoded, &expected));
        let failed = checks.iter().find(|c| !c.ok && !c.warning).cloned();
        let warnings: Vec<String> = checks.iter().filter(|c| !c.ok && c.warning).map(|c| c.name.clone()).collect();
        let passed = checks.iter().filter(|c| c.ok).count();
        let total = checks.len();
        for check in checks {
            self.check(check);
        }
        if let Some(failed) = failed {
            return Err(FlowError::IdToken {
                check: failed.name,
                expected: failed.expected,
                actual: failed.actual,
                detail: failed.detail.map(|d| format!("{}.", capitalize(&d))).unwrap_or_default(),
            });
        }
        let mut summary = format!("{passed} of {total} checks passed ({})", decoded.alg());
        if !warnings.is_empty() {
            summary.push_str(&format!("; not checked: {}", warnings.join(", ")));
        }
        Ok(((), summary))
    }

    /// The signature's check: with the client secret (HS*), or with the issuer's keys, fetched
    /// once more when none fits (the issuer may have rotated them since they were fetched).
    async fn signature(
        &mut self,
        request: &FlowRequest,
        config: &OAuth2Config,
        decoded: &id_token::Decoded<'_>,
        alg: jsonwebtoken::Algorithm,
    ) -> Result<CheckRecord, FlowError> {
        let secret = &config.client_secret;
        if matches!(
            alg,
            jsonwebtoken::Algorithm::HS256 | jsonwebtoken::Algorithm::HS384 | jsonwebtoken::Algorithm::HS512
        ) {
            return Ok(id_token::signature_check(decoded.alg(), &id_token::verify(decoded, alg, &[], secret), false));
        }
        let Some(keys) = self.signing_keys(request, config, false).await? else {
            return Ok(CheckRecord::new("signature", false, "a valid signature by the issuer's key", "not checked")
                .with_detail(
                    "there is no JWKS endpoint and no Issuer to find one: set the Issuer, or choose a JWKS endpoint",
                )
                .as_warning());
        };
        let mut found = id_token::verify(decoded, alg, &keys, secret);
        let mut refetched = false;
        if matches!(found, Signature::NoKey { .. }) && !self.keys.as_ref().is_some_and(|(_, again)| *again) {
            self.note(
                "No key of the issuer's JWKS fits the token: fetching the JWKS again, in case the keys were rotated."
                    .into(),
            )
            .await;
            if let Some(keys) = self.signing_keys(request, config, true).await? {
                found = id_token::verify(decoded, alg, &keys, secret);
                refetched = true;
            }
        }
        Ok(id_token::signature_check(decoded.alg(), &found, refetched))
    }

    /// A check's step: the issuer's keys read, for the fingerprint (and kept for the ID token).
    pub(super) async fn signing_keys_step(
        &mut self,
        request: &FlowRequest,
        config: &OAuth2Config,
    ) -> Result<(), FlowError> {
        self.begin(StepId::SigningKeys).await;
        let result = match self.signing_keys(request, config, false).await {
            Ok(Some(keys)) => {
                let kids: Vec<String> =
                    keys.iter().map(|k| k.common.key_id.clone().unwrap_or_else(|| "(no kid)".into())).collect();
                Ok(((), format!("{} key(s): {}", keys.len(), kids.join(", "))))
            }
            Ok(None) => Err(FlowError::Config(
                "Neither the authorization nor the issuer's discovery document names a JWKS endpoint.".into(),
            )),
            Err(e) => Err(e),
        };
        self.end(result).await
    }

    /// The issuer's keys: fetched the first time (or again with `again`), then kept for the run.
    /// `None` when there is no JWKS endpoint to ask.
    async fn signing_keys(
        &mut self,
        request: &FlowRequest,
        config: &OAuth2Config,
        again: bool,
    ) -> Result<Option<Vec<Jwk>>, FlowError> {
        if !again && let Some((keys, _)) = &self.keys {
            return Ok(Some(keys.clone()));
        }
        let Ok((endpoint, label)) = self.endpoint_for(request.endpoints.jwks.as_ref(), EndpointPurpose::Jwks) else {
            return Ok(None);
        };
        let prepared = render_endpoint(&endpoint, &label, &client_vars(config), &[])?;
        let read_label = label.clone();
        let (((keys, skipped), seen), _) = self
            .exchange(&prepared, move |value| {
                id_token::read_key_set(value).map(|set| ((set, KeySeen::of_set(value)), Vec::new())).map_err(|detail| {
                    FlowError::NotStandard {
                        endpoint: read_label.clone(),
                        status: 200,
                        what: "a JWK set (RFC 7517)",
                        detail,
                    }
                })
            })
            .await?;
        self.observed.keys = Some(seen);
        if skipped > 0 {
            self.note(format!("{skipped} key(s) of the JWKS are of a kind authdeck can't use and were left aside."))
                .await;
        }
        self.keys = Some((keys.clone(), again));
        Ok(Some(keys))
    }
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
