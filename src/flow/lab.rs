//! The refresh lab on a saved connection: force expiry (the refresh path a client takes on a
//! 401), the rotation test (two refreshes, then — when asked — the replaced refresh token reused,
//! and the newest tried after it), and the lifetime probe (`expires_in` against the time the
//! access token really stops working). Each is a run with its steps, saved like any other.

use std::time::{Duration, Instant};

use super::FlowRequest;
use super::engine::{Run, is_unauthorized};
use super::error::FlowError;
use super::{Lab, REUSE_MARGIN_SECS};
use crate::model::OAuth2Config;
use crate::model::redact::Sensitive;
use crate::model::run::{ConnectionStatus, StepId, Tokens};

/// How many exchanges of a long probe the record keeps at each end.
const KEPT_PROBES: usize = 3;

/// True for a refresh token the provider refused (RFC 6749 section 5.2 `invalid_grant`).
fn refused(error: &FlowError) -> bool {
    matches!(error, FlowError::Provider { error, .. } if error == "invalid_grant")
        || matches!(error, FlowError::RefreshRefused { .. } | FlowError::DpopRefreshRefused { .. })
}

impl Run<'_> {
    pub(super) async fn lab(
        &mut self,
        request: &FlowRequest,
        config: &OAuth2Config,
        saved: &Tokens,
        lab: Lab,
    ) -> Result<(), FlowError> {
        let Some(refresh_token) = saved.refresh_token.clone().filter(|t| !t.reveal().is_empty()) else {
            return Err(FlowError::Config("This connection has no refresh token.".into()));
        };
        match lab {
            Lab::ForceExpiry => self.force_expiry(request, config, saved, &refresh_token).await,
            Lab::Rotation { reuse } => self.rotation_test(request, config, &refresh_token, reuse).await,
            Lab::Lifetime { every_secs, max_secs } => {
                self.lifetime_probe(request, config, &refresh_token, every_secs, max_secs).await
            }
        }
    }

    async fn force_expiry(
        &mut self,
        request: &FlowRequest,
        config: &OAuth2Config,
        saved: &Tokens,
        refresh_token: &Sensitive<String>,
    ) -> Result<(), FlowError> {
        self.begin(StepId::MarkedExpired).await;
        let now = crate::model::time::now();
        let was = match saved.expires_at {
            Some(at) if at.saturating_sub(now) > REUSE_MARGIN_SECS => {
                format!("it had {} s left", at.saturating_sub(now))
            }
            Some(_) => "it had expired already".to_owned(),
            None => "the provider gave no expiry".to_owned(),
        };
        let summary = format!("treated as expired ({was}), as a client does after a 401: the refresh path follows");
        self.end(Ok(((), summary))).await?;
        self.refresh(request, config, refresh_token).await?;
        let who = self.identity.as_ref().map(|i| i.display()).unwrap_or_else(|| "the connection".into());
        self.done = Some(format!(
            "Forced expiry: the refresh path works, as a client on a 401 would take it; the new access token works for {who}."
        ));
        Ok(())
    }

    /// One refresh-token grant as the step `step`; a refused refresh token also marks the
    /// connection as needing a new login.
    async fn refresh_as(
        &mut self,
        step: StepId,
        request: &FlowRequest,
        config: &OAuth2Config,
        refresh_token: &Sensitive<String>,
    ) -> Result<Tokens, FlowError> {
        self.begin(step).await;
        let result = self.refresh_grant(request, config, refresh_token).await;
        if result.as_ref().is_err_and(refused) {
            self.connection_status = Some(ConnectionStatus::NeedsLogin);
        }
        self.end(result).await
    }

    async fn rotation_test(
        &mut self,
        request: &FlowRequest,
        config: &OAuth2Config,
        first: &Sensitive<String>,
        reuse: bool,
    ) -> Result<(), FlowError> {
        let after_first = self.refresh_as(StepId::Refresh, request, config, first).await?;
        let second = after_first.refresh_token.clone().unwrap_or_else(|| first.clone());
        self.tokens = Some(after_first.clone());
        let after_second = self.refresh_as(StepId::SecondRefresh, request, config, &second).await?;
        let newest = after_second.refresh_token.clone().unwrap_or_else(|| second.clone());
        self.tokens = Some(after_second.clone());
        let rotates = second != *first || newest != second;
        let verdict = match (second != *first, newest != second) {
            (true, true) => "The provider rotates refresh tokens: each refresh returned a new one.",
            (false, false) => "The provider does not rotate refresh tokens: both refreshes kept the same one.",
            _ => {
                "The provider rotated the refresh token on one of the two refreshes only (it may rotate late in a token's life)."
            }
        };
        if !reuse {
            self.done = Some(if rotates {
                format!(
                    "{verdict} A connector must save the new one after every refresh. (The reuse test, which may revoke the grant, was not asked for.)"
                )
            } else {
                verdict.to_owned()
            });
            return Ok(());
        }
        if newest == second {
            let why = "The second refresh kept the same refresh token: there is no replaced one to reuse.";
            self.skip(StepId::ReuseOld, why).await;
            self.skip(StepId::AfterReuse, why).await;
            self.done = Some(verdict.to_owned());
            return Ok(());
        }
        // The replaced token, again: what two workers of a connector racing to refresh would send.
        self.begin(StepId::ReuseOld).await;
        let reused = match self.refresh_grant(request, config, &second).await {
            Ok((tokens, summary)) => {
                self.tokens = Some(tokens);
                Ok((true, format!("accepted: the replaced refresh token still works ({summary})")))
            }
            Err(e) if refused(&e) => Ok((
                false,
                "refused (invalid_grant), as RFC 9700 section 4.14.2 advises for a rotated token".to_owned(),
            )),
            Err(e) => Err(e),
        };
        let old_works = self.end(reused).await?;
        self.begin(StepId::AfterReuse).await;
        let after = match self.refresh_grant(request, config, &newest).await {
            Ok((tokens, _)) => {
                self.tokens = Some(tokens);
                Ok((true, "the newest refresh token still works".to_owned()))
            }
            Err(e) if refused(&e) => Ok((
                false,
                "refused too: the provider revoked the whole grant when the replaced token came back (reuse detection)"
                    .to_owned(),
            )),
            Err(e) => Err(e),
        };
        let newest_works = self.end(after).await?;
        if !newest_works {
            self.tokens = None;
            self.connection_status = Some(ConnectionStatus::NeedsLogin);
        }
        self.done = Some(match (old_works, newest_works) {
            (false, false) => format!(
                "{verdict} The replaced one was refused when reused, and then the newest too: a strict provider revokes the grant on reuse, so the connection needs a new login."
            ),
            (false, true) => format!("{verdict} The replaced one was refused when reused; the newest still works."),
            (true, _) => {
                format!("{verdict} The replaced one still works when reused (a grace period, or no reuse detection).")
            }
        });
        Ok(())
    }

    async fn lifetime_probe(
        &mut self,
        request: &FlowRequest,
        config: &OAuth2Config,
        refresh_token: &Sensitive<String>,
        every_secs: u64,
        max_secs: u64,
    ) -> Result<(), FlowError> {
        let tokens = self.refresh_as(StepId::Refresh, request, config, refresh_token).await?;
        self.tokens = Some(tokens.clone());
        let Some(endpoint) = request.endpoints.userinfo.clone() else {
            return Err(FlowError::Config("The lifetime probe needs a user information endpoint.".into()));
        };
        self.begin(StepId::LifetimeProbe).await;
        let said = tokens.expires_at.map(|at| at.saturating_sub(crate::model::time::now()));
        let second = self.options.poll_second.as_secs_f64().max(f64::EPSILON);
        let every = self.options.poll_second.saturating_mul(u32::try_from(every_secs.max(1)).unwrap_or(u32::MAX));
        let max = self.options.poll_second.saturating_mul(u32::try_from(max_secs).unwrap_or(u32::MAX));
        let started = Instant::now();
        let seconds = |d: Duration| (d.as_secs_f64() / second).round() as i64;
        let mut last_ok = Duration::ZERO;
        let mut calls = 0u32;
        let refused_at = loop {
            calls += 1;
            match self.userinfo_call(config, &endpoint, &tokens, true).await {
                Ok(_) => last_ok = started.elapsed(),
                Err(e) if is_unauthorized(&e) => break Some(started.elapsed()),
                Err(e) => return self.end::<()>(Err(e)).await,
            }
            self.trim_exchanges(KEPT_PROBES);
            if started.elapsed() + every > max {
                break None;
            }
            tokio::time::sleep(every).await;
        };
        let said_text = said.map_or("no expires_in was given".to_owned(), |s| format!("expires_in said {s} s"));
        let (summary, done) = match refused_at {
            Some(at) => {
                let (from, to) = (seconds(last_ok), seconds(at));
                let off = said.map(|s| match (from + to) / 2 - s {
                    d if d.abs() <= every_secs as i64 => " — as said".to_owned(),
                    d if d > 0 => format!(" — about {d} s longer than said"),
                    d => format!(" — about {} s sooner than said", -d),
                });
                let line = format!(
                    "refused after {from}–{to} s ({calls} calls, every {every_secs} s); {said_text}{}",
                    off.unwrap_or_default()
                );
                (line.clone(), format!("Lifetime probe: the access token was {line}."))
            }
            None => {
                let line = format!(
                    "still accepted after {} s ({calls} calls, every {every_secs} s), the probe's bound; {said_text}",
                    seconds(last_ok)
                );
                (line.clone(), format!("Lifetime probe: the access token was {line}."))
            }
        };
        self.end(Ok(((), summary))).await?;
        self.done = Some(done);
        Ok(())
    }
}
