//! A scripted HTTP server on 127.0.0.1 and the authorizations, endpoints and driver the flow tests
//! share (tests/flow_fakes.rs, tests/flow_log.rs).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use authdeck::flow::{
    Credentials, FlowEvent, FlowHandle, FlowOptions, FlowReport, FlowRequest, FlowRunner, StepId, StepStatus,
};
use authdeck::model::{AuthConfig, Authorization, ClientAuth, Endpoint, EndpointPurpose, OAuth2Config};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

pub const CLIENT_SECRET: &str = "fake-client-secret-123";
pub const CODE: &str = "fake-code-456";
/// How long any test may wait for the engine.
pub const WAIT: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------------------------
// A scripted HTTP server.

#[derive(Clone)]
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    pub delay: Duration,
    /// Leave out Content-Length: the body is sent chunked (read by the client in chunks).
    pub no_length: bool,
    /// More response headers (a redirect's Location).
    pub headers: Vec<(String, String)>,
}

pub fn reply(status: u16, content_type: &'static str, body: &str) -> Reply {
    Reply {
        status,
        content_type,
        body: body.as_bytes().to_vec(),
        delay: Duration::ZERO,
        no_length: false,
        headers: Vec::new(),
    }
}

pub fn json(body: serde_json::Value) -> Reply {
    reply(200, "application/json", &body.to_string())
}

#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub target: String,
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

pub struct FakeServer {
    pub addr: SocketAddr,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

/// Answers one request (a fake provider's logic); also told how many requests this path had,
/// this one included.
pub type Handler = Arc<dyn Fn(&Seen, usize) -> Reply + Send + Sync>;

/// The reply of `routes` for a request: a path listed several times answers with each reply in
/// turn, the last one from then on.
fn route_reply(routes: &[(&'static str, Reply)], seen: &Seen, hits: usize) -> Reply {
    let path = seen.target.split('?').next().unwrap_or_default();
    let replies: Vec<&Reply> = routes.iter().filter(|(p, _)| *p == path).map(|(_, r)| r).collect();
    replies
        .get(hits.saturating_sub(1))
        .or(replies.last())
        .map(|r| (*r).clone())
        .unwrap_or_else(|| reply(404, "text/plain", "no route"))
}

impl FakeServer {
    /// Serves `routes` (path → reply); other paths get 404. A path listed several times answers
    /// with each reply in turn, the last one from then on (a poll that is pending, then succeeds).
    pub async fn start(routes: Vec<(&'static str, Reply)>) -> FakeServer {
        FakeServer::start_with(|_| routes).await
    }

    /// Like [`FakeServer::start`], with routes made once the server's base URL
    /// (`http://127.0.0.1:PORT`) is known: a discovery document names its own endpoints.
    pub async fn start_with(routes: impl FnOnce(&str) -> Vec<(&'static str, Reply)>) -> FakeServer {
        FakeServer::serving(|base| {
            let routes = routes(base);
            Arc::new(move |seen: &Seen, hits: usize| route_reply(&routes, seen, hits))
        })
        .await
    }

    /// Serves every request with `handler` (a fake provider's logic).
    pub async fn start_handler(handler: Handler) -> FakeServer {
        FakeServer::serving(|_| handler).await
    }

    async fn serving(handler: impl FnOnce(&str) -> Handler) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let handler = handler(&format!("http://{addr}"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, handler.clone(), log.clone()));
            }
        });
        FakeServer { addr, seen }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// Serves one connection with hyper's HTTP/1 server — the stack the callback listener uses, rather
/// than a second hand-written parser — recording each request and answering with `handler`.
pub async fn serve(stream: TcpStream, handler: Handler, seen: Arc<Mutex<Vec<Seen>>>) {
    let service = hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
        let (handler, seen) = (handler.clone(), seen.clone());
        async move { Ok::<_, std::convert::Infallible>(answer(request, &handler, &seen).await) }
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .keep_alive(false)
        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
        .await;
}

type FakeBody = http_body_util::combinators::BoxBody<hyper::body::Bytes, std::convert::Infallible>;

async fn answer(
    request: hyper::Request<hyper::body::Incoming>,
    handler: &Handler,
    seen: &Mutex<Vec<Seen>>,
) -> hyper::Response<FakeBody> {
    use http_body_util::BodyExt;
    let method = request.method().to_string();
    let target = request.uri().to_string();
    let headers: BTreeMap<String, String> = request
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let body = request.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let body = String::from_utf8_lossy(&body).into_owned();
    let path = target.split('?').next().unwrap_or_default().to_owned();
    let request = Seen { method, target, headers, body };
    let hits = {
        let mut seen = seen.lock().unwrap();
        seen.push(request.clone());
        seen.iter().filter(|s| s.target.split('?').next() == Some(path.as_str())).count()
    };
    let reply = handler(&request, hits);
    tokio::time::sleep(reply.delay).await;
    let body: FakeBody = if reply.no_length {
        // No Content-Length: hyper sends the body chunked, read by the client as it comes.
        let chunks: Vec<Result<hyper::body::Frame<hyper::body::Bytes>, std::convert::Infallible>> = reply
            .body
            .chunks(64 * 1024)
            .map(|part| Ok(hyper::body::Frame::data(hyper::body::Bytes::copy_from_slice(part))))
            .collect();
        http_body_util::StreamBody::new(futures_util::stream::iter(chunks)).boxed()
    } else {
        http_body_util::Full::new(hyper::body::Bytes::from(reply.body)).boxed()
    };
    let mut response = hyper::Response::new(body);
    *response.status_mut() = hyper::StatusCode::from_u16(reply.status).unwrap();
    response.headers_mut().insert("content-type", hyper::header::HeaderValue::from_static(reply.content_type));
    for (name, value) in &reply.headers {
        let name = hyper::header::HeaderName::from_bytes(name.as_bytes()).unwrap();
        response.headers_mut().append(name, hyper::header::HeaderValue::from_str(value).unwrap());
    }
    response
}

// ---------------------------------------------------------------------------------------------
// Authorizations and endpoints.

#[path = "ports.rs"]
mod ports;
pub use ports::free_port;

pub fn token_endpoint(url: String) -> Endpoint {
    Endpoint { id: 1, app_id: 1, url, ..Endpoint::new_for(EndpointPurpose::Token) }
}

pub fn userinfo_endpoint(url: String) -> Endpoint {
    Endpoint { id: 2, app_id: 1, url, ..Endpoint::new_for(EndpointPurpose::UserInfo) }
}

pub fn oauth2(auth: ClientAuth, redirect_uri: String, userinfo: bool) -> Authorization {
    Authorization {
        id: 1,
        app_id: 1,
        name: "Fake OAuth".into(),
        config: AuthConfig::OAuth2(OAuth2Config {
            client_id: "fake-client".into(),
            client_secret: if auth == ClientAuth::None { String::new() } else { CLIENT_SECRET.into() },
            authorization_uri: "https://provider.example/authorize?prompt=consent".into(),
            scopes: "read user:email".into(),
            token_endpoint: Some(1),
            userinfo_endpoint: userinfo.then_some(2),
            redirect_uri,
            client_auth: auth,
            pkce: true,
            ..Default::default()
        }),
        last_test: None,
    }
}

pub fn runner() -> FlowRunner {
    FlowRunner::new(FlowOptions { request_timeout: Duration::from_secs(5), ..FlowOptions::default() }).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Driving a run.

pub struct Driven {
    pub report: FlowReport,
    pub events: Vec<FlowEvent>,
}

impl Driven {
    pub fn failed_step(&self) -> StepId {
        self.report.steps.iter().find(|s| s.status == StepStatus::Failed).map(|s| s.step).expect("a failed step")
    }

    /// Everything that could be shown or saved: the report's JSON and every event's Debug text.
    pub fn shown(&self) -> String {
        format!("{}\n{:?}", serde_json::to_string(&self.report).unwrap(), self.events)
    }
}

pub fn state_of(url: &str) -> String {
    url::Url::parse(url).unwrap().query_pairs().find(|(k, _)| k == "state").unwrap().1.into_owned()
}

/// Runs the flow; when the authorization URL shows up, `on_url` acts like the user (pastes, hits
/// the listener…) through the handle. Returns once `Finished` arrives.
pub async fn drive(request: FlowRequest, runner: &FlowRunner, on_url: impl FnOnce(String, &FlowHandle)) -> Driven {
    let (tx, mut rx) = mpsc::channel(64);
    let handle = runner.spawn(request, tx);
    let mut on_url = Some(on_url);
    let mut events = Vec::new();
    let report = tokio::time::timeout(WAIT, async {
        while let Some(event) = rx.recv().await {
            match &event {
                FlowEvent::AuthorizationUrl { url, .. } => {
                    if let Some(act) = on_url.take() {
                        act(url.clone(), &handle);
                    }
                }
                FlowEvent::Finished(report) => return (**report).clone(),
                _ => {}
            }
            events.push(event);
        }
        panic!("the events ended without Finished")
    })
    .await
    .expect("the flow finished in time");
    Driven { report, events }
}

/// Pastes the redirected URL with the right state and the fake code.
pub fn paste_callback(redirect_uri: String) -> impl FnOnce(String, &FlowHandle) {
    move |url, handle| {
        assert!(handle.paste(format!("{redirect_uri}?code={CODE}&state={}&iss=x", state_of(&url))));
    }
}

pub fn oauth_request(auth: &Authorization, endpoints: &[Endpoint]) -> FlowRequest {
    FlowRequest::test(auth, endpoints, Credentials::None).unwrap()
}

pub fn assert_no_secrets(driven: &Driven, secrets: &[&str]) {
    let shown = driven.shown();
    for secret in secrets {
        assert!(!shown.contains(secret), "{secret} leaked into the report or events:\n{shown}");
    }
}
