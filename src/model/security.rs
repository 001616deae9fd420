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

/// What an endpoint of an OAuth 2.0 authorization is for, which says what would travel in clear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointRole {
    Token,
    UserInfo,
    DeviceAuthorization,
    Revocation,
    Introspection,
}

impl EndpointRole {
    fn label(self) -> &'static str {
        match self {
            EndpointRole::Token => "token endpoint",
            EndpointRole::UserInfo => "user information endpoint",
            EndpointRole::DeviceAuthorization => "device authorization endpoint",
            EndpointRole::Revocation => "revocation endpoint",
            EndpointRole::Introspection => "introspection endpoint",
        }
    }

    fn carries(self, public: bool) -> &'static str {
        match (self, public) {
            (EndpointRole::UserInfo, _) => "the access token",
            (EndpointRole::Token, false) => "the client secret, the code and the tokens",
            (EndpointRole::Token, true) => "the code and the tokens",
            (EndpointRole::DeviceAuthorization, false) => "the client secret and the device code",
            (EndpointRole::DeviceAuthorization, true) => "the device code",
            (_, false) => "the client secret and the tokens",
            (_, true) => "the tokens",
        }
    }
}

/// A warning when `endpoint`, in this role, is plain http:// to another machine.
pub fn endpoint_warning(role: EndpointRole, endpoint: &Endpoint, client_auth: ClientAuth) -> Option<String> {
    let what = format!("{} \"{}\"", role.label(), endpoint.name);
    cleartext(&endpoint.url, &what, role.carries(client_auth == ClientAuth::None))
}

/// A warning when the redirect URI sends the code over plain http to another machine.
pub fn redirect_warning(redirect_uri: &str) -> Option<String> {
    let redirect = Url::parse(redirect_uri.trim()).ok()?;
    (redirect.scheme() == "http" && !is_loopback(&redirect)).then(|| {
        "The redirect URI uses plain http:// to another machine: the code would travel in clear. Use https://, or a loopback address (RFC 8252 section 8.3).".to_owned()
    })
}

/// A warning when a public client turns PKCE off (the authorization-code grant).
pub fn pkce_warning(client_auth: ClientAuth, pkce: bool) -> Option<String> {
    (client_auth == ClientAuth::None && !pkce).then(|| {
        "PKCE is off for a public client: anyone who intercepts the code can exchange it, since there is no secret to stop them. Turn PKCE on (RFC 9700 section 2.1.1, RFC 8252 section 8.1).".to_owned()
    })
}

/// The warnings for an OAuth 2.0 authorization and the endpoints a run of it uses.
pub fn oauth2_warnings(config: &OAuth2Config, endpoints: &[(EndpointRole, &Endpoint)]) -> Vec<String> {
    let mut warnings: Vec<String> =
        endpoints.iter().filter_map(|(role, e)| endpoint_warning(*role, e, config.client_auth)).collect();
    // The redirect URI and PKCE matter to the authorization-code grant only.
    if config.grant == super::Grant::AuthorizationCode {
        warnings.extend(redirect_warning(&config.redirect_uri));
        warnings.extend(pkce_warning(config.client_auth, config.pkce));
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
        let token = |url: &str| endpoint(url);
        assert!(oauth2_warnings(&config, &[(EndpointRole::Token, &token("https://p.example/t"))]).is_empty());
        for local in ["http://127.0.0.1:9/t", "http://127.1.2.3/t", "http://[::1]/t", "http://localhost/t"] {
            assert!(oauth2_warnings(&config, &[(EndpointRole::Token, &token(local))]).is_empty(), "{local}");
        }
        let (t, u) = (endpoint("http://p.example/{{client_id}}/t"), endpoint("http://q.example/me"));
        let w = oauth2_warnings(&config, &[(EndpointRole::Token, &t), (EndpointRole::UserInfo, &u)]);
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
        let w = oauth2_warnings(&config, &[]);
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[0].contains("redirect URI") && w[1].contains("PKCE is off"), "{w:?}");
        let confidential = OAuth2Config { pkce: false, ..Default::default() };
        assert!(oauth2_warnings(&confidential, &[]).is_empty());
    }
}
