//! Step 2: the callback. A listener on the redirect URI's loopback port (never 0.0.0.0), and the
//! parsing of what the user pastes instead: the redirected URL, or just the code.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use futures_util::future::select_all;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
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

/// What the listener saw.
#[derive(Debug)]
pub(crate) enum ListenerMessage {
    Callback(CallbackParams),
    /// A request that isn't the callback, answered and ignored.
    Stray {
        method: String,
        path: String,
    },
}

/// A one-shot HTTP server on the redirect URI's loopback port. Dropping it closes the port at once.
pub(crate) struct CallbackListener {
    listeners: Vec<TcpListener>,
    addresses: Vec<SocketAddr>,
    port: u16,
    path: String,
    connections: JoinSet<()>,
    sender: mpsc::Sender<ListenerMessage>,
    receiver: mpsc::Receiver<ListenerMessage>,
}

impl CallbackListener {
    /// Binds the redirect URI's loopback address(es); the status says why not when it can't.
    pub async fn bind(redirect_uri: &str) -> Result<CallbackListener, ListenerStatus> {
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
        Ok(CallbackListener { listeners, addresses, port, path, connections: JoinSet::new(), sender, receiver })
    }

    pub fn status(&self) -> ListenerStatus {
        ListenerStatus::Listening { addresses: self.addresses.clone(), port: self.port, path: self.path.clone() }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Accepts connections until one brings the callback or a stray request to report.
    pub async fn next(&mut self) -> ListenerMessage {
        loop {
            tokio::select! {
                Some(message) = self.receiver.recv() => return message,
                (accepted, _, _) = select_all(self.listeners.iter().map(|l| Box::pin(l.accept()))) => {
                    while self.connections.try_join_next().is_some() {}
                    if let Ok((stream, _)) = accepted {
                        let path = self.path.clone();
                        let sender = self.sender.clone();
                        self.connections.spawn(serve_connection(stream, path, sender));
                    }
                }
            }
        }
    }
}

/// The page the browser shows after the redirect.
const RECEIVED_PAGE: &str = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>authdeck</title></head>\
<body style=\"font-family:sans-serif;margin:3em\"><h1>authdeck received the callback</h1>\
<p>You can close this tab and go back to the terminal.</p></body></html>";
const NO_PARAMS_PAGE: &str = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>authdeck</title></head>\
<body style=\"font-family:sans-serif;margin:3em\"><h1>No code here</h1>\
<p>This address has neither a code nor an error parameter; authdeck is still waiting for the callback.</p></body></html>";

/// Reads one request (5 s at most), answers it, and reports it.
async fn serve_connection(mut stream: TcpStream, path: String, sender: mpsc::Sender<ListenerMessage>) {
    let Ok(Some((method, target))) = tokio::time::timeout(Duration::from_secs(5), read_request_line(&mut stream)).await
    else {
        return;
    };
    let url = Url::parse(&format!("http://localhost{target}")).ok();
    let on_path = url.as_ref().is_some_and(|u| u.path() == path) && method == "GET";
    let params = url
        .as_ref()
        .filter(|_| on_path)
        .and_then(|u| u.query())
        .and_then(|q| CallbackParams::from_query(q, CallbackSource::Listener));
    let (status, page) = match (&params, on_path) {
        (Some(_), _) => ("200 OK", RECEIVED_PAGE),
        (None, true) => ("400 Bad Request", NO_PARAMS_PAGE),
        (None, false) => ("404 Not Found", "<!DOCTYPE html><title>Not found</title>"),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{page}",
        page.len()
    );
    // The page is written before the flow hears of the callback, which then closes the listener.
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
    let message = match params {
        Some(params) => ListenerMessage::Callback(params),
        None => ListenerMessage::Stray { method, path: url.map(|u| u.path().to_owned()).unwrap_or(target) },
    };
    let _ = sender.send(message).await;
}

/// The method and target of an HTTP/1 request; the headers are read and ignored (16 KiB at most).
async fn read_request_line(stream: &mut TcpStream) -> Option<(String, String)> {
    let mut buffer = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !buffer.windows(4).any(|w| w == b"\r\n\r\n") && !buffer.windows(2).any(|w| w == b"\n\n") {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 || buffer.len() > 16 * 1024 {
            break;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    let text = String::from_utf8_lossy(&buffer);
    let mut parts = text.lines().next()?.split_whitespace();
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    target.starts_with('/').then_some((method, target))
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

    async fn get(port: u16, target: &str) -> String {
        let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        s.write_all(format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").as_bytes()).await.unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        out
    }

    #[tokio::test]
    async fn listener_answers_ignores_strays_and_frees_the_port() {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let redirect = format!("http://127.0.0.1:{port}/callback");
        let mut listener = CallbackListener::bind(&redirect).await.unwrap();
        let taken = CallbackListener::bind(&redirect).await.err().unwrap();
        assert!(matches!(taken, ListenerStatus::PortTaken { .. }), "{taken:?}");

        let stray = tokio::spawn(get(port, "/favicon.ico"));
        let message = tokio::time::timeout(Duration::from_secs(5), listener.next()).await.unwrap();
        assert!(matches!(message, ListenerMessage::Stray { ref path, .. } if path == "/favicon.ico"), "{message:?}");
        assert!(stray.await.unwrap().starts_with("HTTP/1.1 404"));

        let hit = tokio::spawn(get(port, "/callback?code=c1&state=s1"));
        let message = tokio::time::timeout(Duration::from_secs(5), listener.next()).await.unwrap();
        let ListenerMessage::Callback(params) = message else { panic!("{message:?}") };
        assert_eq!(params.state.as_deref(), Some("s1"));
        let page = hit.await.unwrap();
        assert!(page.starts_with("HTTP/1.1 200") && page.contains("authdeck received the callback"), "{page}");

        drop(listener);
        std::net::TcpListener::bind(("127.0.0.1", port)).expect("the port is free once the listener is dropped");
    }
}
