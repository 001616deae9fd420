//! Sender-constrained tokens: after a token request, whether the access token is bound to what
//! this client proves possession of — the connection's DPoP key (RFC 9449 section 6, `cnf.jkt`)
//! or the client certificate presented over mTLS (RFC 8705 section 3, `cnf.x5t#S256`). The
//! binding is read from the token's `cnf` claim (RFC 7800) when the access token is a JWT, else
//! by introspection (RFC 7662) when the client may ask; each comparison is its own check line.
//!
//! A DPoP token must be bound: one the provider sent as Bearer fails the run. A certificate-bound
//! token is the provider's choice (`tls_client_certificate_bound_access_tokens`): one bound to
//! another certificate fails the run, one not bound at all is said in a note.

use serde_json::Value;

use super::assertion::certificate_thumbprint;
use super::engine::Run;
use super::error::FlowError;
use super::{FlowRequest, HintedToken};
use crate::model::redact::Sensitive;
use crate::model::run::{CheckRecord, Tokens};
use crate::model::{EndpointPurpose, OAuth2Config};

/// The access token's `cnf` claim as far as it can be seen, and how it was seen.
struct Confirmation {
    /// `None` when the token (or introspection) shows no `cnf` at all.
    cnf: Option<Value>,
    how: &'static str,
}

impl Confirmation {
    fn member(&self, name: &str) -> Option<&str> {
        self.cnf.as_ref().and_then(|c| c.get(name)).and_then(Value::as_str)
    }
}

impl Run<'_> {
    /// After a token request (code exchange, refresh, client credentials, device): checks the
    /// token's binding to the DPoP key and the client certificate this run uses, if any; the
    /// DPoP key then goes with the tokens, to be kept sealed with the connection.
    pub(super) async fn bind_tokens(
        &mut self,
        request: &FlowRequest,
        config: &OAuth2Config,
        mut tokens: Tokens,
    ) -> Result<Tokens, FlowError> {
        let dpop_key = self.dpop.as_ref().map(|d| d.key.clone());
        let certificate = if config.client_auth.uses_certificate() { certificate_thumbprint(config) } else { None };
        if dpop_key.is_none() && certificate.is_none() {
            return Ok(tokens);
        }
        if dpop_key.is_some() {
            self.check_dpop_token_type(&tokens)?;
        }
        let seen = self.confirmation(request, config, &tokens).await;
        if let Some(thumbprint) = certificate {
            self.check_certificate_binding(&thumbprint, seen.as_ref()).await?;
        }
        if let Some(key) = dpop_key {
            let jkt = key.thumbprint();
            match (&seen, seen.as_ref().and_then(|s| s.member("jkt"))) {
                (Some(seen), Some(actual)) => {
                    let ok = actual == jkt;
                    self.check(CheckRecord::new("cnf.jkt", ok, &jkt, actual).with_detail(seen.how));
                    if !ok {
                        return Err(FlowError::Config(format!(
                            "The token is bound to another key (cnf.jkt {actual}, this connection's is {jkt})."
                        )));
                    }
                }
                (Some(seen), None) => self.check(
                    CheckRecord::new("cnf.jkt", false, &jkt, "(none in the token)")
                        .with_detail(format!(
                            "{}: no cnf.jkt, and nothing else to ask; the binding can't be seen from here",
                            seen.how
                        ))
                        .as_warning(),
                ),
                (None, _) => self.check(
                    CheckRecord::new("cnf.jkt", false, &jkt, "not visible")
                        .with_detail("the access token is opaque and there is no introspection to ask: the binding can't be seen from here")
                        .as_warning(),
                ),
            }
            tokens.dpop_key = Some(Sensitive::new(key.to_pem()));
        }
        Ok(tokens)
    }

    /// A DPoP token request must give a DPoP token (RFC 9449 section 5).
    fn check_dpop_token_type(&mut self, tokens: &Tokens) -> Result<(), FlowError> {
        let token_type = tokens.token_type.clone().unwrap_or_else(|| "(none)".into());
        let is_dpop = token_type.eq_ignore_ascii_case("DPoP");
        let check = CheckRecord::new("DPoP token_type", is_dpop, "DPoP", &token_type);
        if !is_dpop {
            self.check(check.with_detail(
                "the provider ignored the proof: check that the client may use DPoP (dpop_bound_access_tokens)",
            ));
            return Err(FlowError::Config(format!(
                "The provider sent a {token_type} token, not a DPoP one: it did not bind the token to the key. Check that DPoP is enabled for this client, or switch DPoP off."
            )));
        }
        self.check(check);
        Ok(())
    }

    /// RFC 8705 section 3.1: a certificate-bound token names the SHA-256 thumbprint of the
    /// certificate it was issued to.
    async fn check_certificate_binding(
        &mut self,
        thumbprint: &str,
        seen: Option<&Confirmation>,
    ) -> Result<(), FlowError> {
        let Some(seen) = seen else { return Ok(()) };
        match seen.member("x5t#S256") {
            Some(actual) => {
                let ok = actual == thumbprint;
                self.check(CheckRecord::new("cnf.x5t#S256", ok, thumbprint, actual).with_detail(seen.how));
                if !ok {
                    return Err(FlowError::Config(format!(
                        "The token is bound to another certificate (cnf.x5t#S256 {actual}; the one presented is {thumbprint}). Check the certificate registered for this client."
                    )));
                }
            }
            None => {
                self.note(format!(
                    "The access token is not bound to the client certificate (no cnf.x5t#S256, {}): the provider issues plain bearer tokens to this client. For certificate-bound tokens, register the client with tls_client_certificate_bound_access_tokens.",
                    seen.how
                ))
                .await
            }
        }
        Ok(())
    }

    /// The access token's `cnf` claim: from its claims when it is a JWT, else by introspection
    /// when the client may ask; `None` when it can't be seen from here.
    async fn confirmation(
        &mut self,
        request: &FlowRequest,
        config: &OAuth2Config,
        tokens: &Tokens,
    ) -> Option<Confirmation> {
        let from_jwt = super::id_token::decode(tokens.access_token.reveal()).ok().map(|decoded| Confirmation {
            cnf: decoded.claims.get("cnf").cloned(),
            how: "read from the JWT access token's claims",
        });
        if from_jwt.as_ref().is_some_and(|c| c.cnf.is_some()) {
            return from_jwt;
        }
        // A JWT without `cnf` may still be bound where only introspection tells (RFC 7662 section 2.2).
        let introspection = request.endpoints.introspection.is_some()
            || self.metadata.as_ref().is_some_and(|m| m.endpoint(EndpointPurpose::Introspection).is_some());
        if !introspection || !config.client_auth.authenticates() {
            return from_jwt;
        }
        let hinted = HintedToken { hint: "access_token", token: tokens.access_token.clone() };
        match self.introspect_token(request, config, &hinted).await {
            Ok((answer, _)) => {
                Some(Confirmation { cnf: answer.claims.get("cnf").cloned(), how: "as introspection says" })
            }
            Err(e) => {
                self.note(format!("Introspecting the new token to see its binding failed: {e}")).await;
                None
            }
        }
    }
}
