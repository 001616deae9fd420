//! Step 2: the callback. A listener on the redirect URI's loopback port (never 0.0.0.0), and the
//! parsing of what the user pastes instead: the redirected URL, or just the code.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::select_all;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use url::Url;

use super::events::ListenerStatus;
use crate::model::redact::Sensitive;

/// How the callback reached authdeck.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackSource {
    Listener,
    PastedUrl,
    PastedCode,
}

/// The parameters of an authorization response (RFC 6749 section 4.1.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackParams {
    pub code: Option<Sensitive<String>>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
    pub error_uri: Option<String>,
    /// RFC 9207: the issuer that sent the response, when it says.
    pub iss: Option<String>,
    pub source: CallbackSource,
    /// Every query parameter as received (decoded, in order): the run context's `callback.NAME`
    /// (QuickBooks' realmId, Shopify's shop) and a signature's input. Secret: holds the code.
    pub all: Sensitive<Vec<(String, String)>>,
}

impl CallbackParams {
    /// The parameters of a query string; `None` when it has neither `code` nor `error`.
    pub fn from_query(query: &str, source: CallbackSource) -> Option<CallbackParams> {
        let mut params = CallbackParams {
            code: None,
            state: None,
            error: None,
            error_description: None,
            error_uri: None,
            iss: None,
            source,
            all: Sensitive::new(Vec::new()),
        };
        let mut all = Vec::new();
        for (key, value) in url::form_urlencoded::parse(query.trim_start_matches(['?', '#']).as_bytes()) {
            let value = value.into_owned();
            all.push((key.clone().into_owned(), value.clone()));
            match key.as_ref() {
                "code" if !value.is_empty() => params.code = Some(Sensitive::new(value)),
                "state" => params.state = Some(value),
                "error" if !value.is_empty() => params.error = Some(value),
                "error_description" => params.error_description = Some(value),
                "error_uri" => params.error_uri = Some(value),
                "iss" => params.iss = Some(value),
                _ => {}
            }
        }
        params.all = Sensitive::new(all);
        (params.code.is_some() || params.error.is_some()).then_some(params)
    }
}

/// Reads a pasted text: the full redirected URL (or its query), or just the code. Anything else is
/// refused with a message saying what to paste.
pub fn parse_paste(text: &str, redirect_uri: &str) -> Result<CallbackParams, String> {
    let text = text.trim();
    let what = format!(
        "Paste the whole address the browser went to after you approved (it starts with {}), or just the value of its code parameter.",
        redirect_uri.trim()
    );
    if text.is_empty() {
        return Err(what);
    }
    let url = Url::parse(text).ok().filter(|u| u.has_host() || u.scheme() != "http").or_else(|| {
        // "127.0.0.1:8976/callback?code=…" copied without its scheme.
        text.contains(['/', '?']).then(|| Url::parse(&format!("http://{text}")).ok()).flatten()
    });
    if let Some(url) = url.filter(|u| u.query().is_some() || u.fragment().is_some()) {
        let from_query = url.query().and_then(|q| CallbackParams::from_query(q, CallbackSource::PastedUrl));
        let from_fragment = url.fragment().and_then(|f| CallbackParams::from_query(f, CallbackSource::PastedUrl));
        return from_query.or(from_fragment).ok_or_else(|| format!("That URL has no code or error parameter. {what}"));
    }
    if text.contains('=') && !text.contains(char::is_whitespace) {
        return CallbackParams::from_query(text, CallbackSource::PastedUrl)
            .ok_or_else(|| format!("That text has no code or error parameter. {what}"));
    }
    if looks_like_code(text) {
        return Ok(CallbackParams {
            code: Some(Sensitive::new(text.to_owned())),
            state: None,
            error: None,
            error_description: None,
            error_uri: None,
            iss: None,
            source: CallbackSource::PastedCode,
            all: Sensitive::new(Vec::new()),
        });
    }
    Err(format!("That is neither a URL nor a code. {what}"))
}

/// An authorization code: printable ASCII without spaces or markup (RFC 6749 appendix A.11 allows
/// any visible character), at least 4 long, and not an address.
fn looks_like_code(text: &str) -> bool {
    (4..=4096).contains(&text.len())
        && text.bytes().all(|b| b.is_ascii_graphic() && !b"<>\"'`{}|\\^".contains(&b))
        && !text.contains("://")
}

/// The loopback address and port of a redirect URI a listener can serve (`http` on 127.0.0.1,
/// `[::1]` or localhost); otherwise why not.
pub fn loopback_target(redirect_uri: &str) -> Result<(Vec<IpAddr>, u16, String), String> {
    let url = Url::parse(redirect_uri.trim()).map_err(|_| {
        format!("The redirect URI \"{}\" is not a URL, so there is nothing to listen on.", redirect_uri.trim())
    })?;
    let addresses = match url.host() {
        Some(url::Host::Ipv4(ip)) if ip == Ipv4Addr::LOCALHOST => vec![IpAddr::V4(ip)],
        Some(url::Host::Ipv6(ip)) if ip == Ipv6Addr::LOCALHOST => vec![IpAddr::V6(ip)],
        Some(url::Host::Domain(d)) if d.eq_ignore_ascii_case("localhost") => {
            vec![IpAddr::V4(Ipv4Addr::LOCALHOST), IpAddr::V6(Ipv6Addr::LOCALHOST)]
        }
        _ => return Err("The redirect URI is not a loopback address (127.0.0.1, [::1] or localhost), so authdeck can't receive the callback itself.".into()),
    };
    if url.scheme() != "http" {
        return Err(format!(
            "The redirect URI uses {}:, and authdeck's listener speaks plain http only.",
            url.scheme()
        ));
    }
    let port = url.port_or_known_default().unwrap_or(80);
    Ok((addresses, port, url.path().to_owned()))
}

/// Whether a callback belongs to this run: its `state` is the one sent. A pasted code alone has no
/// state to compare and is taken (the check step notes it).
pub fn belongs_to_run(params: &CallbackParams, expected_state: &str) -> bool {
    match params.source {
        CallbackSource::PastedCode => params.state.as_deref().is_none_or(|s| s == expected_state),
        CallbackSource::Listener | CallbackSource::PastedUrl => params.state.as_deref() == Some(expected_state),
    }
}

/// What the listener saw.
#[derive(Debug)]
pub(crate) enum ListenerMessage {
    /// The callback of this run (its state matches): answered, and the wait is over.
    Callback(CallbackParams),
    /// A callback whose state isn't this run's (another attempt, a forgery): answered with a page
    /// saying so, and ignored.
    WrongState { state: Option<String> },
    /// A request that isn't a callback (a favicon, a HEAD, a prefetch…): answered and ignored.
    Stray { method: String, path: String },
    /// A request refused before it could be read as a callback (too long, malformed, too slow).
    Refused { reason: String },
}

/// Limits of the listener, against a slow or flooding local client.
mod limits {
    use std::time::Duration;

    /// The longest request target read as a callback (real ones are a few KiB at most).
    pub const TARGET: usize = 16 * 1024;
    /// The longest request head (line and headers); hyper answers 431 past it.
    pub const HEAD: usize = 64 * 1024;
    pub const HEADERS: usize = 64;
    /// The longest form_post body.
    pub const BODY: usize = 64 * 1024;
    /// Time to send the request head (slowloris).
    pub const HEAD_TIMEOUT: Duration = Duration::from_secs(5);
    /// Time for a whole connection, request to response.
    pub const CONNECTION_TIMEOUT: Duration = Duration::from_secs(10);
    /// Connections served at once; more wait in the kernel's backlog.
    pub const CONNECTIONS: usize = 16;
    /// The longest pause after failing accepts (out of file descriptors…).
    pub const MAX_BACKOFF: Duration = Duration::from_secs(1);
}

/// The pause after accepts fail in a row: 5 ms, doubling up to a second, so a listener out of file
/// descriptors waits instead of spinning; reset by the next accept that works.
#[derive(Debug, Default)]
struct AcceptBackoff {
    delay: Option<Duration>,
}

impl AcceptBackoff {
    fn failed(&mut self) -> Duration {
        let next = self.delay.map_or(Duration::from_millis(5), |d| (d * 2).min(limits::MAX_BACKOFF));
        self.delay = Some(next);
        next
    }

    fn succeeded(&mut self) {
        self.delay = None;
    }
}

/// A one-shot HTTP server on the redirect URI's loopback port, on hyper's HTTP/1 server (request
/// parsing, header and line limits), one request per connection with timeouts, a cap on
/// connections served at once. Dropping it closes the port at once.
pub(crate) struct CallbackListener {
    listeners: Vec<TcpListener>,
    addresses: Vec<SocketAddr>,
    port: u16,
    shared: Arc<Shared>,
    connections: JoinSet<()>,
    backoff: AcceptBackoff,
    resume_at: Option<tokio::time::Instant>,
    receiver: mpsc::Receiver<ListenerMessage>,
    /// How many accepts fail on purpose before the real ones: a hook for the back-off test, 0 otherwise.
    failing_accepts: usize,
    /// The limits::HEAD_TIMEOUT, CONNECTION_TIMEOUT and CONNECTIONS this listener applies (the
    /// tests shorten them).
    timeouts: Timeouts,
    max_connections: usize,
}

/// How long one connection may take.
#[derive(Debug, Clone, Copy)]
struct Timeouts {
    head: Duration,
    connection: Duration,
}

/// What every connection of a listener knows.
struct Shared {
    path: String,
    expected_state: String,
    sender: mpsc::Sender<ListenerMessage>,
}

impl CallbackListener {
    /// Binds the redirect URI's loopback address(es); the status says why not when it can't.
    /// Callbacks whose state isn't `expected_state` are answered and reported as such.
    pub async fn bind(redirect_uri: &str, expected_state: &str) -> Result<CallbackListener, ListenerStatus> {
        let (ips, port, path) =
            loopback_target(redirect_uri).map_err(|reason| ListenerStatus::Unavailable { reason })?;
        let mut listeners = Vec::new();
        let mut first_error = None;
        for ip in &ips {
            match TcpListener::bind(SocketAddr::new(*ip, port)).await {
                Ok(l) => listeners.push(l),
                Err(e) => first_error = first_error.or(Some(e)),
            }
        }
        // localhost binds both families; one is enough (IPv6 may be off), but a taken port is taken.
        match first_error {
            Some(e) if listeners.is_empty() || e.kind() == std::io::ErrorKind::AddrInUse => {
                return Err(match e.kind() {
                    std::io::ErrorKind::AddrInUse => {
                        ListenerStatus::PortTaken { port, detail: "another program listens on it".into() }
                    }
                    _ => ListenerStatus::Unavailable { reason: format!("Could not listen on port {port}: {e}.") },
                });
            }
            _ => {}
        }
        let addresses = listeners.iter().filter_map(|l| l.local_addr().ok()).collect();
        let (sender, receiver) = mpsc::channel(16);
        let shared = Arc::new(Shared { path, expected_state: expected_state.to_owned(), sender });
        Ok(CallbackListener {
            listeners,
            addresses,
            port,
            shared,
            connections: JoinSet::new(),
            backoff: AcceptBackoff::default(),
            resume_at: None,
            receiver,
            failing_accepts: 0,
            timeouts: Timeouts { head: limits::HEAD_TIMEOUT, connection: limits::CONNECTION_TIMEOUT },
            max_connections: limits::CONNECTIONS,
        })
    }

    pub fn status(&self) -> ListenerStatus {
        ListenerStatus::Listening { addresses: self.addresses.clone(), port: self.port, path: self.shared.path.clone() }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Accepts connections until one brings something to report.
    pub async fn next(&mut self) -> ListenerMessage {
        loop {
            let can_accept = self.connections.len() < self.max_connections && self.resume_at.is_none();
            tokio::select! {
                Some(message) = self.receiver.recv() => return message,
                Some(_) = self.connections.join_next(), if !self.connections.is_empty() => {}
                () = sleep_until(self.resume_at) => self.resume_at = None,
                accepted = accept_any(&self.listeners, &mut self.failing_accepts), if can_accept => match accepted {
                    Ok(stream) => {
                        self.backoff.succeeded();
                        self.connections.spawn(serve_connection(stream, self.shared.clone(), self.timeouts));
                    }
                    Err(e) => {
                        let pause = self.backoff.failed();
                        tracing::warn!(error = %e, pause_ms = pause.as_millis() as u64, "accept failed on the callback port");
                        self.resume_at = Some(tokio::time::Instant::now() + pause);
                    }
                },
            }
        }
    }
}

/// The next connection on any of the listeners.
async fn accept_any(listeners: &[TcpListener], failing: &mut usize) -> std::io::Result<TcpStream> {
    if *failing > 0 {
        *failing -= 1;
        return Err(std::io::Error::from_raw_os_error(24)); // EMFILE, as when out of file descriptors
    }
    let (accepted, _, _) = select_all(listeners.iter().map(|l| Box::pin(l.accept()))).await;
    accepted.map(|(stream, _)| stream)
}

async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Serves one request on one connection, within the limits; reports what hyper refused.
async fn serve_connection(stream: TcpStream, shared: Arc<Shared>, timeouts: Timeouts) {
    let service_shared = shared.clone();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(timeouts.head)
        .keep_alive(false)
        .max_buf_size(limits::HEAD)
        .max_headers(limits::HEADERS);
    let connection = builder.serve_connection(
        hyper_util::rt::TokioIo::new(stream),
        hyper::service::service_fn(move |request| {
            let shared = service_shared.clone();
            async move { Ok::<_, std::convert::Infallible>(answer(request, &shared).await) }
        }),
    );
    let reason = match tokio::time::timeout(timeouts.connection, connection).await {
        Ok(Ok(())) => return,
        Ok(Err(e)) if e.is_parse_too_large() => format!(
            "a request whose head is over {} KiB (answered 431 Request Header Fields Too Large)",
            limits::HEAD / 1024
        ),
        Ok(Err(e)) if e.is_parse() => format!("a request that isn't valid HTTP/1 ({e}; answered 400 Bad Request)"),
        // A client that goes away, or sends nothing before the header timeout: nothing to tell.
        Ok(Err(_)) => return,
        Err(_) => format!("a connection still open after {} s (closed)", timeouts.connection.as_secs()),
    };
    let _ = shared.sender.send(ListenerMessage::Refused { reason }).await;
}

type Page = hyper::Response<http_body_util::Full<hyper::body::Bytes>>;

/// Answers one request, reports it, and returns the page the browser shows.
async fn answer(request: hyper::Request<hyper::body::Incoming>, shared: &Shared) -> Page {
    use hyper::{Method, StatusCode};
    let method = request.method().clone();
    let target = request.uri().to_string();
    let path = request.uri().path().to_owned();
    let report = |message| async { shared.sender.send(message).await.is_ok() };
    if target.len() > limits::TARGET {
        let reason = format!(
            "a request line of {} KiB, over the {} KiB a callback may take (answered 414 URI Too Long)",
            target.len().div_ceil(1024),
            limits::TARGET / 1024
        );
        report(ListenerMessage::Refused { reason }).await;
        return page(
            StatusCode::URI_TOO_LONG,
            "Address too long",
            "This address is longer than any callback authdeck accepts.",
        );
    }
    let stray = ListenerMessage::Stray { method: method.to_string(), path: path.clone() };
    if path != shared.path {
        report(stray).await;
        return page(
            StatusCode::NOT_FOUND,
            "Not found",
            "authdeck is waiting for its callback elsewhere on this port.",
        );
    }
    let params = match method {
        Method::GET => request.uri().query().and_then(|q| CallbackParams::from_query(q, CallbackSource::Listener)),
        // response_mode=form_post (OpenID Connect Form Post Response Mode): the parameters in the body.
        Method::POST => match read_form(request).await {
            Ok(body) => CallbackParams::from_query(&body, CallbackSource::Listener),
            Err(reason) => {
                report(ListenerMessage::Refused { reason }).await;
                return page(
                    StatusCode::BAD_REQUEST,
                    "Not a callback",
                    "authdeck could not read this request as a callback.",
                );
            }
        },
        // A HEAD (a link preview, a prefetch) is answered but never taken for the callback, which
        // would leave the browser's real GET to a closed port.
        _ => {
            report(stray).await;
            let status = if method == Method::HEAD { StatusCode::OK } else { StatusCode::METHOD_NOT_ALLOWED };
            return page(status, "authdeck", "authdeck is waiting for the callback here.");
        }
    };
    let Some(params) = params else {
        report(stray).await;
        return page(
            StatusCode::BAD_REQUEST,
            "No code here",
            "This address has neither a code nor an error parameter; authdeck is still waiting for the callback.",
        );
    };
    if !belongs_to_run(&params, &shared.expected_state) {
        report(ListenerMessage::WrongState { state: params.state }).await;
        return page(
            StatusCode::BAD_REQUEST,
            "Not this test's callback",
            "This callback was not for the authdeck test that is running now (its state is another one): it belongs to an older attempt, or was not sent by your provider. authdeck is still waiting; use the newest authorization URL.",
        );
    }
    let refused = params.error.clone();
    report(ListenerMessage::Callback(params)).await;
    match refused {
        Some(error) => page(
            StatusCode::OK,
            "The provider refused",
            &format!(
                "The provider refused the authorization and sent back the error \"{}\". authdeck shows the details in the terminal; you can close this tab.",
                html_escape(&error)
            ),
        ),
        None => page(
            StatusCode::OK,
            "authdeck received the callback",
            "You can close this tab and go back to the terminal.",
        ),
    }
}

/// The body of a form_post callback, as text (a form-encoded body of at most 64 KiB).
async fn read_form(request: hyper::Request<hyper::body::Incoming>) -> Result<String, String> {
    use http_body_util::BodyExt;
    let form = request
        .headers()
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
    if !form {
        return Err("a POST that isn't a form (form_post callbacks are application/x-www-form-urlencoded)".into());
    }
    let body = http_body_util::Limited::new(request.into_body(), limits::BODY)
        .collect()
        .await
        .map_err(|_| format!("a POST whose body is over {} KiB, or was cut off", limits::BODY / 1024))?
        .to_bytes();
    String::from_utf8(body.to_vec()).map_err(|_| "a POST whose body isn't UTF-8 text".to_owned())
}

fn page(status: hyper::StatusCode, title: &str, text: &str) -> Page {
    let html = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>authdeck</title></head>\
<body style=\"font-family:sans-serif;margin:3em\"><h1>{title}</h1><p>{text}</p></body></html>"
    );
    let mut response = hyper::Response::new(http_body_util::Full::new(hyper::body::Bytes::from(html)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(hyper::header::CACHE_CONTROL, hyper::header::HeaderValue::from_static("no-store"));
    // The page shows nothing from elsewhere and runs nothing.
    headers.insert(
        hyper::header::CONTENT_SECURITY_POLICY,
        hyper::header::HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
    );
    headers.insert(hyper::header::REFERRER_POLICY, hyper::header::HeaderValue::from_static("no-referrer"));
    response
}

fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const REDIRECT: &str = "http://127.0.0.1:8976/callback";

    #[test]
    fn pasted_urls_queries_and_codes() {
        let p = parse_paste(" http://127.0.0.1:8976/callback?code=abc&state=s1&iss=x \n", REDIRECT).unwrap();
        assert_eq!(p.code.as_ref().map(|c| c.reveal().as_str()), Some("abc"));
        assert_eq!(p.state.as_deref(), Some("s1"));
        assert_eq!(p.iss.as_deref(), Some("x"));
        assert_eq!(p.source, CallbackSource::PastedUrl);
        let p = parse_paste("127.0.0.1:8976/callback?error=access_denied&state=s", REDIRECT).unwrap();
        assert_eq!(p.error.as_deref(), Some("access_denied"));
        let p = parse_paste("code=xyz&state=s", REDIRECT).unwrap();
        assert_eq!(p.code.unwrap().reveal(), "xyz");
        let p = parse_paste("4/0AX4XfWh-abc_DEF.123", REDIRECT).unwrap();
        assert_eq!(p.source, CallbackSource::PastedCode);
        assert!(p.state.is_none());
        let p = parse_paste("com.example.app:/oauth?code=c", REDIRECT).unwrap();
        assert_eq!(p.code.unwrap().reveal(), "c");
    }

    #[test]
    fn other_pastes_are_refused_with_what_to_paste() {
        for text in ["", "hello world", "http://127.0.0.1:8976/callback", "http://x/cb?foo=1", "<html>", "ab"] {
            let err = parse_paste(text, REDIRECT).unwrap_err();
            assert!(err.contains("Paste the whole address") && err.contains(REDIRECT), "{text}: {err}");
        }
    }

    #[test]
    fn only_loopback_http_redirects_are_served() {
        assert_eq!(
            loopback_target(REDIRECT).unwrap(),
            (vec![IpAddr::V4(Ipv4Addr::LOCALHOST)], 8976, "/callback".into())
        );
        assert_eq!(loopback_target("http://[::1]/cb").unwrap().1, 80);
        assert_eq!(loopback_target("http://localhost:9/cb").unwrap().0.len(), 2);
        assert!(loopback_target("https://app.example/cb").unwrap_err().contains("not a loopback"));
        assert!(loopback_target("https://127.0.0.1:9/cb").unwrap_err().contains("plain http"));
        assert!(loopback_target("http://0.0.0.0:9/cb").is_err());
    }

    async fn request(port: u16, raw: String) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        // The listener may close before reading it all (a request over its limits).
        let _ = s.write_all(raw.as_bytes()).await;
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out).await;
        String::from_utf8_lossy(&out).into_owned()
    }

    async fn get(port: u16, target: impl std::fmt::Display) -> String {
        request(port, format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")).await
    }

    async fn listening() -> (CallbackListener, u16) {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let listener = CallbackListener::bind(&format!("http://127.0.0.1:{port}/callback"), "s1").await.unwrap();
        (listener, port)
    }

    async fn next(listener: &mut CallbackListener) -> ListenerMessage {
        tokio::time::timeout(Duration::from_secs(10), listener.next()).await.expect("the listener reports")
    }

    #[tokio::test]
    async fn listener_answers_ignores_strays_and_frees_the_port() {
        let (mut listener, port) = listening().await;
        let redirect = format!("http://127.0.0.1:{port}/callback");
        let taken = CallbackListener::bind(&redirect, "s1").await.err().unwrap();
        assert!(matches!(taken, ListenerStatus::PortTaken { .. }), "{taken:?}");

        let stray = tokio::spawn(get(port, "/favicon.ico"));
        let message = next(&mut listener).await;
        assert!(matches!(message, ListenerMessage::Stray { ref path, .. } if path == "/favicon.ico"), "{message:?}");
        assert!(stray.await.unwrap().starts_with("HTTP/1.1 404"));

        let hit = tokio::spawn(get(port, "/callback?code=c1&state=s1"));
        let message = next(&mut listener).await;
        let ListenerMessage::Callback(params) = message else { panic!("{message:?}") };
        assert_eq!(params.state.as_deref(), Some("s1"));
        let page = hit.await.unwrap();
        assert!(page.starts_with("HTTP/1.1 200") && page.contains("authdeck received the callback"), "{page}");

        drop(listener);
        std::net::TcpListener::bind(("127.0.0.1", port)).expect("the port is free once the listener is dropped");
    }

    #[tokio::test]
    async fn a_wrong_state_is_answered_as_not_this_tests_and_the_listener_goes_on() {
        let (mut listener, port) = listening().await;
        let forged = tokio::spawn(get(port, "/callback?code=c1&state=forged"));
        let message = next(&mut listener).await;
        assert!(matches!(message, ListenerMessage::WrongState { ref state } if state.as_deref() == Some("forged")));
        let page = forged.await.unwrap();
        assert!(page.starts_with("HTTP/1.1 400") && page.contains("was not for the authdeck test"), "{page}");

        let refused = tokio::spawn(get(port, "/callback?error=access_denied&state=s1"));
        assert!(matches!(next(&mut listener).await, ListenerMessage::Callback(p) if p.error.is_some()));
        let page = refused.await.unwrap();
        assert!(page.contains("The provider refused") && page.contains("access_denied"), "{page}");
        assert!(!page.contains("received the callback"), "{page}");
    }

    #[tokio::test]
    async fn head_is_answered_but_never_taken_and_post_is_form_post() {
        let (mut listener, port) = listening().await;
        let head = tokio::spawn(request(port, "HEAD /callback?code=c1&state=s1 HTTP/1.1\r\nHost: x\r\n\r\n".into()));
        assert!(matches!(next(&mut listener).await, ListenerMessage::Stray { ref method, .. } if method == "HEAD"));
        let head = head.await.unwrap();
        assert!(head.starts_with("HTTP/1.1 200") && !head.contains("<html"), "{head}");

        let body = "code=c2&state=s1";
        let post = tokio::spawn(request(
            port,
            format!(
                "POST /callback HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            ),
        ));
        let ListenerMessage::Callback(params) = next(&mut listener).await else { panic!("no callback") };
        assert_eq!(params.code.unwrap().reveal(), "c2");
        assert!(post.await.unwrap().starts_with("HTTP/1.1 200"));
    }

    #[tokio::test]
    async fn an_overlong_request_line_is_414_and_named_so() {
        let (mut listener, port) = listening().await;
        let target = format!("/callback?code=c&state={}", "s".repeat(20 * 1024));
        let long = tokio::spawn(get(port, target));
        let message = next(&mut listener).await;
        assert!(
            matches!(message, ListenerMessage::Refused { ref reason } if reason.contains("414 URI Too Long")),
            "{message:?}"
        );
        assert!(long.await.unwrap().starts_with("HTTP/1.1 414"));
        // Past the head limit hyper answers 431 itself (the reply may be lost to the reset of a
        // connection closed with unread data, so only the report is checked).
        let huge = tokio::spawn(get(port, format!("/callback?x={}", "y".repeat(100 * 1024))));
        let message = next(&mut listener).await;
        assert!(matches!(message, ListenerMessage::Refused { ref reason } if reason.contains("431")), "{message:?}");
        huge.await.unwrap();
    }

    /// A client that opens a connection and sends part of a request head, then nothing.
    async fn slow_client(port: u16) -> TcpStream {
        use tokio::io::AsyncWriteExt;
        let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        s.write_all(b"GET /callback?code=c1&st").await.unwrap();
        s
    }

    /// Reads until the listener closes the connection.
    async fn closed(mut s: TcpStream) {
        use tokio::io::AsyncReadExt;
        let mut rest = Vec::new();
        let _ = s.read_to_end(&mut rest).await;
    }

    #[tokio::test]
    async fn a_client_that_never_finishes_its_request_is_closed_slowloris() {
        let (mut listener, port) = listening().await;
        listener.timeouts.head = Duration::from_millis(200);
        let slow = tokio::spawn(closed(slow_client(port).await));
        // The listener closes it (hyper's header timeout) and has nothing to report of it.
        tokio::select! {
            message = listener.next() => panic!("nothing to report of a slow client: {message:?}"),
            done = tokio::time::timeout(Duration::from_secs(10), slow) => done.expect("closed by the listener").unwrap(),
        }
        // It took nothing from a real callback.
        let hit = tokio::spawn(get(port, "/callback?code=c1&state=s1"));
        assert!(matches!(next(&mut listener).await, ListenerMessage::Callback(_)));
        hit.await.unwrap();
    }

    #[tokio::test]
    async fn connections_past_the_cap_wait_for_a_free_one() {
        let (mut listener, port) = listening().await;
        listener.max_connections = 2;
        listener.timeouts.head = Duration::from_secs(60);
        let (first, second) = (slow_client(port).await, slow_client(port).await);
        let hit = tokio::spawn(get(port, "/callback?code=c1&state=s1"));
        // Both slots held by the slow clients: the callback waits in the kernel's backlog.
        let waited = tokio::time::timeout(Duration::from_millis(300), listener.next()).await;
        assert!(waited.is_err(), "served past the cap: {waited:?}");
        // One of them goes away: its slot serves the callback.
        drop(first);
        assert!(matches!(next(&mut listener).await, ListenerMessage::Callback(_)));
        assert!(hit.await.unwrap().starts_with("HTTP/1.1 200"));
        drop(second);
    }

    #[tokio::test]
    async fn failing_accepts_back_off_instead_of_spinning() {
        let (mut listener, port) = listening().await;
        listener.failing_accepts = 6;
        let started = std::time::Instant::now();
        let hit = tokio::spawn(get(port, "/callback?code=c1&state=s1"));
        assert!(matches!(next(&mut listener).await, ListenerMessage::Callback(_)));
        // Six failures in a row waited 5 + 10 + 20 + 40 + 80 + 160 ms at least, where a spinning
        // loop waits none (a lower bound: it holds however loaded the machine is).
        let waited = started.elapsed();
        assert!(waited >= Duration::from_millis(315), "{waited:?}");
        assert_eq!(listener.backoff.delay, None, "reset after an accept that works");
        hit.await.unwrap();
    }

    #[test]
    fn backoff_doubles_up_to_a_second() {
        let mut b = AcceptBackoff::default();
        let delays: Vec<u64> = (0..10).map(|_| b.failed().as_millis() as u64).collect();
        assert_eq!(delays, [5, 10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
        b.succeeded();
        assert_eq!(b.failed(), Duration::from_millis(5));
    }

    #[test]
    fn html_is_escaped_in_the_page() {
        assert_eq!(html_escape("<script>\"x\"&\u{1b}"), "&lt;script&gt;&quot;x&quot;&amp;\u{fffd}");
    }
}
