//! Reading an issuer's discovery document: `{issuer}/.well-known/openid-configuration`
//! (OpenID Connect Discovery 1.0), else RFC 8414's `/.well-known/oauth-authorization-server`; the
//! `issuer` in it must be the one asked for, character for character.

use std::time::Instant;

use super::error::FlowError;
use super::events::millis;
use super::http::{HttpClient, PreparedRequest, RequestBody, exchange_records, read_response};
use crate::model::discovery::{MetadataSource, ProviderMetadata, well_known_urls};
use crate::model::redact::Redactor;
use crate::model::run::HttpExchange;

/// A discovery document read and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Discovery {
    pub metadata: ProviderMetadata,
    pub source: MetadataSource,
    /// Where it was found.
    pub url: String,
}

/// What fetching did: the result, and each exchange (redacted, then raw), the failed tries included.
pub(crate) struct Fetched {
    pub result: Result<Discovery, FlowError>,
    pub exchanges: Vec<(HttpExchange, HttpExchange)>,
}

/// Fetches and checks the issuer's metadata. Only a document that isn't there (HTTP 404, an
/// HTML "not found" page) sends authdeck on to the next well-known URL; a network fault ends it.
pub(crate) async fn fetch(http: &HttpClient, issuer: &str, redactor: &Redactor) -> Fetched {
    let issuer = issuer.trim();
    let mut exchanges = Vec::new();
    let Some(urls) = well_known_urls(issuer) else {
        let detail = "it is not an http(s) URL".to_owned();
        return Fetched { result: Err(FlowError::Discovery { issuer: issuer.to_owned(), detail }), exchanges };
    };
    let mut misses = Vec::new();
    for (source, url) in urls {
        let Ok(parsed) = url::Url::parse(&url) else { continue };
        let label = format!("discovery document ({})", source.label());
        let request = PreparedRequest {
            label: label.clone(),
            method: "GET".into(),
            url: parsed,
            headers: vec![("Accept".into(), "application/json".into())],
            body: RequestBody::None,
            omitted: Vec::new(),
        };
        tracing::info!(url = %url, "discovery request");
        let started = Instant::now();
        let sent = http.send(&request).await;
        let elapsed = started.elapsed();
        exchanges.push(exchange_records(&request, sent.as_ref().ok(), elapsed, redactor));
        let reply = match sent {
            Ok(reply) => reply,
            Err(e) => return Fetched { result: Err(e), exchanges },
        };
        tracing::info!(status = reply.status, elapsed_ms = millis(elapsed), "discovery response");
        let value = match read_response(&label, &reply, http.body_limit(), redactor) {
            Ok(value) => value,
            Err(_) if reply.status == 404 || reply.status == 410 => {
                misses.push(format!("{url} answered HTTP {}", reply.status));
                continue;
            }
            Err(e) => return Fetched { result: Err(e), exchanges },
        };
        let result = ProviderMetadata::from_json(&value)
            .map_err(|detail| FlowError::Discovery {
                issuer: issuer.to_owned(),
                detail: format!("{url} is not a valid discovery document ({detail})"),
            })
            .and_then(|metadata| {
                if metadata.issuer == issuer {
                    Ok(Discovery { metadata, source, url: url.clone() })
                } else {
                    Err(FlowError::DiscoveryIssuer {
                        asked: issuer.to_owned(),
                        found: metadata.issuer,
                        url: url.clone(),
                    })
                }
            });
        return Fetched { result, exchanges };
    }
    let detail = misses.join("; ");
    Fetched { result: Err(FlowError::Discovery { issuer: issuer.to_owned(), detail }), exchanges }
}
