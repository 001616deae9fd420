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
            "Check the Client ID, the Client Secret and the client authentication method (Basic header or request body) the provider expects."
        }
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
