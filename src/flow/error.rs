//! Why a flow stopped: each error says what happened and what to check. Never holds a secret.

/// A fault that ends a flow. The message is shown as is (step detail, CLI, test run record).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlowError {
    /// The authorization or an endpoint can't be used as configured (missing endpoint, bad URL…).
    #[error("{0}")]
    Config(String),
    /// A template can't be rendered; nothing was sent.
    #[error("{endpoint}, {field}: {message} Fix the endpoint; nothing was sent.")]
    Template { endpoint: String, field: &'static str, message: String },
    #[error(
        "Could not connect to {host}: the connection was refused. Is the provider running, and are the host and port in the URL right?"
    )]
    Refused { host: String },
    #[error(
        "Could not find the host {host} (DNS lookup failed). Check the URL for a typo, and that this machine can resolve names."
    )]
    Dns { host: String },
    #[error(
        "The secure connection (TLS) to {host} failed: {detail}. Check that the URL uses https only where the server speaks TLS, and that its certificate is valid for this host name."
    )]
    Tls { host: String, detail: String },
    #[error(
        "{host} did not answer within {}. The provider may be down or slow, or a firewall drops the traffic: check the URL and try again.",
        describe_millis(*millis)
    )]
    Timeout { host: String, millis: u64 },
    #[error("The request to {host} failed: {detail}. Check the URL and the network.")]
    Network { host: String, detail: String },
    #[error(
        "The {endpoint} answered HTTP {status} with an HTML page (\"{title}\") where JSON was expected. Check the endpoint's URL: it may point at a web page or a login page instead of the API."
    )]
    HtmlPage { endpoint: String, status: u16, title: String },
    #[error(
        "The {endpoint} answered HTTP {status} with a body that is not valid JSON ({detail}). Check the endpoint's URL and its Accept header."
    )]
    InvalidJson { endpoint: String, status: u16, detail: String },
    #[error(
        "The {endpoint} sent more than {limit_kib} KiB, so authdeck stopped reading. Check the endpoint's URL: it should answer with a small JSON document."
    )]
    BodyTooLarge { endpoint: String, limit_kib: usize },
    /// The provider said no: an HTTP error with an OAuth `error`, or an HTTP 200 carrying `error` / `"ok": false`.
    #[error("The {endpoint} answered HTTP {status}{}: {error}{}. {hint}",
        if *status < 300 { ", but its body reports a failure" } else { "" },
        description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Provider { endpoint: String, status: u16, error: String, description: Option<String>, hint: String },
    #[error("The {endpoint} answered HTTP {status}: {excerpt}. Check the endpoint's URL, method and headers.")]
    Status { endpoint: String, status: u16, excerpt: String },
    #[error(
        "The {endpoint} answered with a redirect (HTTP {status}) to {location}. authdeck does not follow redirects for API calls: put the final URL in the endpoint."
    )]
    Redirect { endpoint: String, status: u16, location: String },
    #[error(
        "The response of the {endpoint} has no {what} at \"{path}\" (its fields: {fields}). Check the endpoint's response mapping."
    )]
    MissingValue { endpoint: String, what: &'static str, path: String, fields: String },
    /// The callback's signature is missing or wrong (Shopify's HMAC).
    #[error("The callback's signature check failed: {detail}.")]
    CallbackSignature { detail: String },
    /// A response-mapping expression could not be evaluated on the response.
    #[error(
        "The response mapping of the {endpoint} ({what}) can't be read: {message} Fix the endpoint's response mapping."
    )]
    Mapping { endpoint: String, what: &'static str, message: String },
    /// The provider sent an error back to the redirect URI instead of a code.
    #[error("The provider sent back the error {error}{}{}. {hint}",
        description.as_deref().map(|d| format!(": {d}")).unwrap_or_default(),
        uri.as_deref().map(|u| format!(" (see {u})")).unwrap_or_default())]
    Callback { error: String, description: Option<String>, uri: Option<String>, hint: String },
    #[error(
        "The state in the callback ({received}) is not the one authdeck sent ({expected}): this callback belongs to another attempt (an older tab?) or was forged. Start the test again and use the newest URL."
    )]
    StateMismatch { expected: String, received: String },
    #[error(
        "No callback arrived within {}. Open the authorization URL, approve, and let the browser reach the redirect URI, or paste the redirected URL.",
        describe_wait(*millis)
    )]
    CallbackTimeout { millis: u64 },
    /// RFC 9207 section 2.4: the callback's `iss` is another issuer's.
    #[error(
        "The callback's iss ({received}) is not this authorization's issuer ({expected}). That is what a mix-up attack looks like (RFC 9207): a response from another provider was sent to this client. Nothing was exchanged; start the test again, and check the Issuer field if you changed providers."
    )]
    IssuerMixUp { expected: String, received: String },
    /// RFC 9207 section 2.4: the issuer says its responses carry `iss`, and this one doesn't.
    #[error(
        "The callback has no iss, although the issuer {issuer} says its callbacks carry one (authorization_response_iss_parameter_supported): it may not come from this issuer (a mix-up attack, RFC 9207). Nothing was exchanged; start the test again."
    )]
    IssuerMissing { issuer: String },
    /// OpenID Connect Discovery 1.0 section 4.3, RFC 8414 section 3.3.
    #[error(
        "The discovery document at {url} names the issuer \"{found}\", not \"{asked}\" as asked. They must be identical (a trailing slash counts): a document that names another issuer may be an impostor's. If {found} is the provider you mean, use exactly that as the Issuer."
    )]
    DiscoveryIssuer { asked: String, found: String, url: String },
    #[error(
        "No discovery document for the issuer {issuer}: {detail}. Check the Issuer (it is the provider's base URL, e.g. https://accounts.example.com), or clear it and fill in the endpoints by hand."
    )]
    Discovery { issuer: String, detail: String },
    /// An ID token check failed; the step lists every check.
    #[error("The ID token's {check} check failed: expected {expected}, got {actual}. {detail}")]
    IdToken { check: String, expected: String, actual: String, detail: String },
    /// A standard response (device authorization, token, introspection) that doesn't read as one.
    #[error(
        "The {endpoint} answered HTTP {status} with something that isn't {what} ({detail}). Check the endpoint's URL, and that the provider supports this request."
    )]
    NotStandard { endpoint: String, status: u16, what: &'static str, detail: String },
    /// RFC 8628 section 3.5 `access_denied`.
    #[error("The user refused the request on the other device (access_denied{}). Start the test again and approve it.",
        description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    DeviceDenied { description: Option<String> },
    /// RFC 8628 section 3.5 `expired_token`, or the wait outlived `expires_in`.
    #[error(
        "The user code expired before it was approved ({detail}). Start the test again, and enter the new code within its time."
    )]
    DeviceExpired { detail: String },
    /// The provider refused a refresh token (`invalid_grant` at the refresh-token grant).
    #[error("The {endpoint} refused the refresh token (HTTP {status}: invalid_grant{}): it was revoked, has expired, or was already used (a provider that rotates refresh tokens accepts each one once). The connection needs a new login: test the authorization again.",
        description.as_deref().map(|d| format!(", {d}")).unwrap_or_default())]
    RefreshRefused { endpoint: String, status: u16, description: Option<String> },
    /// A refresh with DPoP refused: the refresh token may be bound to another key (RFC 9449 section 5).
    #[error("The {endpoint} refused the refresh token (HTTP {status}: invalid_grant{}): it was revoked, has expired, or was already used, or it is bound to another DPoP key than this connection's (jkt {jkt}). The connection needs a new login: test the authorization again.",
        description.as_deref().map(|d| format!(", {d}")).unwrap_or_default())]
    DpopRefreshRefused { endpoint: String, status: u16, description: Option<String>, jkt: String },
    #[error("Could not get random bytes from the system: {0}.")]
    Random(String),
    #[error("Cancelled.")]
    Cancelled,
}

fn describe_millis(millis: u64) -> String {
    if millis < 1000 || !millis.is_multiple_of(1000) { format!("{millis} ms") } else { format!("{} s", millis / 1000) }
}

fn describe_wait(millis: u64) -> String {
    if millis >= 60_000 && millis.is_multiple_of(60_000) {
        format!("{} min", millis / 60_000)
    } else {
        describe_millis(millis)
    }
}

/// What to check for a standard OAuth 2.0 error code (RFC 6749 sections 4.1.2.1 and 5.2).
pub fn hint_for(error: &str) -> String {
    let hint = match error {
        "invalid_client" => {
            "Check the Client ID, the Client Secret (or the private key and its registration) and the client authentication method the provider expects; for a signed assertion, also its audience and algorithm."
        }
        "invalid_request_uri" => {
            "The pushed authorization request (request_uri) expired or was used already: test again and log in before it expires."
        }
        "invalid_dpop_proof" => {
            "The provider refused the DPoP proof: its key is not the one the token is bound to, or the proof was replayed or is too old."
        }
        "use_dpop_nonce" => "The provider wants a DPoP nonce and refused the proof that carried it: try again.",
        "invalid_grant" => {
            "The code may have expired or been used already, or the redirect URI or PKCE verifier differ from the authorization request's: run the test again."
        }
        "unauthorized_client" => {
            "The provider does not allow this client this grant type: check the app's settings at the provider."
        }
        "unsupported_grant_type" => "Check grant_type in the token endpoint's body.",
        "invalid_scope" => "Check the Scopes field: a scope is unknown, or separated the wrong way for this provider.",
        "access_denied" => "The user (or the provider) refused access; approve the consent screen to finish the test.",
        "invalid_request" => "A parameter is missing or wrong: compare the request with the provider's documentation.",
        "unsupported_response_type" => "The provider does not accept response_type=code for this client.",
        "server_error" | "temporarily_unavailable" => "The provider had a problem; try again later.",
        _ => "See the response in the step detail and compare it with the provider's documentation.",
    };
    hint.to_owned()
}
