//! What an OAuth client should warn about (RFC 9700, OAuth 2.0 Security Best Current Practice, and
//! RFC 8252, OAuth 2.0 for Native Apps): secrets or codes that would travel in clear, and a public
//! client without PKCE. Pure: the test reports these as notes (and the form can show them).

use url::Url;

use super::template;
use super::{ClientAuth, Endpoint, OAuth2Config};

/// True for an address that never leaves this machine: 127.0.0.0/8, `[::1]`, or `localhost`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => {
            d.eq_ignore_ascii_case("localhost") || d.to_ascii_lowercase().ends_with(".localhost")
        }
        None => false,
    }
}

/// A warning when `url` (a template, rendered with stand-ins) is plain `http://` to another machine.
fn cleartext(url: &str, what: &str, carries: &str) -> Option<String> {
    let url = Url::parse(template::render_for_check(url.trim()).trim()).ok()?;
    (url.scheme() == "http" && !is_loopback(&url)).then(|| {
        format!(
            "The {what} uses plain http:// to {}: {carries} would travel in clear, readable and changeable on the way. Use https:// (RFC 9700 section 2.1).",
            url.host_str().unwrap_or("another machine")
        )
    })
}

/// The warnings for an OAuth 2.0 authorization and its endpoints.
pub fn oauth2_warnings(config: &OAuth2Config, token: Option<&Endpoint>, userinfo: Option<&Endpoint>) -> Vec<String> {
    let mut warnings = Vec::new();
    if let Some(endpoint) = token {
        let carries = if config.client_auth == ClientAuth::None {
            "the code and the tokens"
        } else {
            "the client secret, the code and the tokens"
        };
        warnings.extend(cleartext(&endpoint.url, &format!("token endpoint \"{}\"", endpoint.name), carries));
    }
    if let Some(endpoint) = userinfo {
        warnings.extend(cleartext(
            &endpoint.url,
            &format!("user information endpoint \"{}\"", endpoint.name),
            "the access token",
        ));
    }
    if let Ok(redirect) = Url::parse(config.redirect_uri.trim())
        && redirect.scheme() == "http"
        && !is_loopback(&redirect)
    {
        warnings.push(
            "The redirect URI uses plain http:// to another machine: the code would travel in clear. Use https://, or a loopback address (RFC 8252 section 8.3).".into(),
        );
    }
    if config.client_auth == ClientAuth::None && !config.pkce {
        warnings.push(
            "PKCE is off for a public client: anyone who intercepts the code can exchange it, since there is no secret to stop them. Turn PKCE on (RFC 9700 section 2.1.1, RFC 8252 section 8.1).".into(),
        );
    }
    warnings
}

/// The warnings for an API-Key or Basic authorization's user information endpoint.
pub fn credentials_warnings(userinfo: Option<&Endpoint>, what: &str) -> Vec<String> {
    userinfo
        .and_then(|e| cleartext(&e.url, &format!("user information endpoint \"{}\"", e.name), what))
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EndpointPurpose;

    fn endpoint(url: &str) -> Endpoint {
        Endpoint { url: url.into(), name: "E".into(), ..Endpoint::new_for(EndpointPurpose::Token) }
    }

    #[test]
    fn plain_http_off_this_machine_is_warned_loopback_is_not() {
        let config = OAuth2Config::default();
        assert!(oauth2_warnings(&config, Some(&endpoint("https://p.example/t")), None).is_empty());
        for local in ["http://127.0.0.1:9/t", "http://127.1.2.3/t", "http://[::1]/t", "http://localhost/t"] {
            assert!(oauth2_warnings(&config, Some(&endpoint(local)), None).is_empty(), "{local}");
        }
        let w = oauth2_warnings(
            &config,
            Some(&endpoint("http://p.example/{{client_id}}/t")),
            Some(&endpoint("http://q.example/me")),
        );
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[0].contains("p.example") && w[0].contains("client secret"), "{}", w[0]);
        assert!(w[1].contains("access token"), "{}", w[1]);
    }

    #[test]
    fn a_public_client_without_pkce_and_a_cleartext_redirect_are_warned() {
        let config = OAuth2Config {
            client_auth: ClientAuth::None,
            pkce: false,
            redirect_uri: "http://app.example/cb".into(),
            ..Default::default()
        };
        let w = oauth2_warnings(&config, None, None);
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[0].contains("redirect URI") && w[1].contains("PKCE is off"), "{w:?}");
        let confidential = OAuth2Config { pkce: false, ..Default::default() };
        assert!(oauth2_warnings(&confidential, None, None).is_empty());
    }
}
