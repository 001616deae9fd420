//! A fake OAuth 2.0 provider driven by one table entry, and the driver of a preset's whole flow
//! against it (tests/presets.rs). Each entry (tests/providers/*.rs) says, from the provider's own
//! documentation, what its authorization, token, refresh and user-information endpoints accept and
//! how they answer; the fake refuses anything else the way the provider documents it. Everything is
//! on 127.0.0.1: the preset's `https://host` prefixes are replaced by the fake's address, paths
//! kept, so the fake also checks that the preset calls the documented paths.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use authdeck::flow::{Credentials, FlowRequest, FlowRunner, RunOutcome, StepId};
use authdeck::model::preset;
use authdeck::model::run::Connection;
use authdeck::model::signature::shopify_hmac;
use authdeck::model::{AuthConfig, Authorization, ClientAuth, Endpoint, EndpointPurpose, OAuth2Config};
use authdeck::store::Store;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::fakes::{self, Driven, FakeServer, Reply, Seen, reply};

pub const CLIENT_ID: &str = "fake-client-id";
pub const CLIENT_SECRET: &str = fakes::CLIENT_SECRET;
/// Not a loopback address: the test pastes the redirected URL, as a user over SSH would.
pub const REDIRECT_URI: &str = "https://connector.example.test/oauth/callback";

// ---------------------------------------------------------------------------------------------
// The table.

/// One provider, as its documentation describes it.
pub struct Provider {
    /// The preset that configures it.
    pub preset: &'static str,
    /// The answers to the preset's questions.
    pub answers: &'static [(&'static str, &'static str)],
    pub authorize: Authorize,
    pub token: Token,
    /// The refresh-token grant, where the provider has one.
    pub refresh: Option<Refresh>,
    pub userinfo: UserInfo,
    pub expect: Expect,
    /// What an unmodified RFC 6749 configuration meets at this provider.
    pub rfc: Rfc,
    /// The scopes of the RFC configuration, where the preset's carry a quirk (`offline_access`).
    pub rfc_scopes: Option<&'static str>,
    /// The user-information URL of the RFC configuration, where the preset's is built from the run.
    pub rfc_userinfo: Option<&'static str>,
}

pub struct Authorize {
    pub path: &'static str,
    /// Parameters the provider requires beyond RFC 6749's (`owner=user`, `audience=…`); `""` for any value.
    /// Without them it shows an error page (no redirect back).
    pub requires: &'static [(&'static str, &'static str)],
    pub callback: Callback,
    /// The provider verifies PKCE (RFC 7636): a challenge sent means the verifier must match.
    pub pkce: bool,
}

/// What the redirect back carries beside `code` and `state`.
pub enum Callback {
    Plain,
    Extra(&'static [(&'static str, &'static str)]),
    /// Shopify: `shop`, `host`, `timestamp`, and an `hmac` of them all keyed with the client secret.
    ShopifySigned {
        shop: &'static str,
    },
}

/// How the token endpoint wants the client authenticated.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ClientAuthRule {
    /// `Authorization: Basic` of the id and secret.
    Basic,
    /// `client_id` and `client_secret` in the body.
    Body,
    Either,
    /// Stripe: the platform's secret key as the bearer.
    BearerSecret,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum BodyRule {
    Form,
    Json,
}

/// What the fake issued for one grant, for the response builders.
pub struct Issued {
    pub access_token: String,
    pub refresh_token: Option<String>,
    /// The scopes asked for at the authorization step.
    pub scope: String,
    /// The fake's base URL (`http://127.0.0.1:PORT`), for fields that name a host.
    pub base: String,
    /// An OpenID Connect ID token for the grant (the authorization request's nonce in it), for the
    /// providers that send one. Signed by no key authdeck can fetch, as a preset without an
    /// Issuer meets it: its signature and issuer are reported as not checked.
    pub id_token: String,
}

fn id_token(base: &str, nonce: Option<&str>) -> String {
    let encode = |v: Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let now = authdeck::model::time::now();
    let mut claims = json!({"iss": base, "sub": "fake-subject", "aud": CLIENT_ID, "iat": now, "exp": now + 3600});
    if let Some(nonce) = nonce {
        claims["nonce"] = json!(nonce);
    }
    let header = encode(json!({"alg": "RS256", "typ": "JWT", "kid": "fake-key"}));
    format!("{header}.{}.{}", encode(claims), URL_SAFE_NO_PAD.encode("not a real signature"))
}

/// When the provider gives a refresh token.
pub enum RefreshWhen {
    Always,
    /// Only when the authorization request had this parameter (Google's `access_type=offline`).
    Param(&'static str, &'static str),
    /// Only when this scope was asked for (`offline_access`).
    Scope(&'static str),
    Never,
}

pub struct Token {
    pub path: &'static str,
    pub auth: ClientAuthRule,
    pub body: BodyRule,
    /// The redirect URI of the authorization request must be sent again (RFC 6749 §4.1.3).
    pub redirect_uri: bool,
    pub refresh_when: RefreshWhen,
    pub response: fn(&Issued) -> Value,
    /// How the provider answers a request it refuses (the reason, for the message).
    pub refuse: fn(&str) -> Reply,
}

pub struct Refresh {
    pub path: &'static str,
    /// The body must say `grant_type=refresh_token`.
    pub grant_type: bool,
    /// A new refresh token each time (the old one stops working).
    pub rotates: bool,
    pub response: fn(&Issued) -> Value,
}

/// Where the user-information endpoint wants the access token.
pub enum TokenIn {
    Bearer,
    Header(&'static str),
    /// At the end of the path (HubSpot's `/oauth/v1/access-tokens/{token}`).
    Path,
}

pub struct UserInfo {
    pub method: &'static str,
    /// The paths it answers on (an instance path, and the login host's).
    pub paths: &'static [&'static str],
    pub token: TokenIn,
    /// Headers it requires (lower-case name, value; `""` for any value).
    pub headers: &'static [(&'static str, &'static str)],
    /// What the body must contain; `None`: no body, and no Content-Type (Dropbox's RPC endpoints).
    pub body: Option<&'static str>,
    pub response: fn(&str) -> Value,
    pub refuse: fn(&str) -> Reply,
}

pub struct Expect {
    /// `Identity::display()` of the user.
    pub identity: &'static str,
    /// Seconds the access token lasts; `None`: no expiry given.
    pub expires_in: Option<i64>,
    pub refresh_expires_in: Option<i64>,
    /// Values the connection keeps (name, value; a value `{base}` is the fake's address).
    pub kept: &'static [(&'static str, &'static str)],
}

/// What an RFC 6749 configuration (the preset's URLs and scopes, the default token request and
/// mapping, Basic client authentication, PKCE, no extra authorization parameters) meets.
pub enum Rfc {
    /// It works: the provider follows RFC 6749 where it matters.
    Works,
    /// The provider refuses it at this step; the message contains this text.
    FailsAt(StepId, &'static str),
    /// The provider refuses the authorization request (an error page, no redirect back).
    AuthorizeRefused,
    /// It connects, but gets no refresh token, so the connection can't be refreshed.
    NoRefreshToken,
    /// It connects, but the refresh the RFC way is refused; the message contains this text.
    RefreshFails(&'static str),
}

// ---------------------------------------------------------------------------------------------
// Replies the entries share.

pub fn json_reply(status: u16, body: Value) -> Reply {
    Reply { status, ..fakes::json(body) }
}

/// RFC 6749 §5.2.
pub fn oauth_error(reason: &str) -> Reply {
    let error = if reason.contains("client") { "invalid_client" } else { "invalid_request" };
    json_reply(if error == "invalid_client" { 401 } else { 400 }, json!({"error": error, "error_description": reason}))
}

pub fn unauthorized(reason: &str) -> Reply {
    json_reply(401, json!({"error": "unauthorized", "message": reason}))
}

// ---------------------------------------------------------------------------------------------
// The fake.

#[derive(Default)]
struct State {
    base: String,
    /// code → the authorization request's parameters.
    codes: BTreeMap<String, BTreeMap<String, String>>,
    access_tokens: Vec<String>,
    /// refresh token → the scope of its grant.
    refresh_tokens: BTreeMap<String, String>,
    issued: usize,
    /// What was refused, for the test to show.
    refusals: Vec<String>,
}

pub struct ProviderFake {
    pub server: FakeServer,
    state: Arc<Mutex<State>>,
}

impl ProviderFake {
    pub async fn start(provider: &'static Provider) -> ProviderFake {
        let state = Arc::new(Mutex::new(State::default()));
        let handler_state = state.clone();
        let server = FakeServer::start_handler(Arc::new(move |seen: &Seen, _hits: usize| {
            let mut state = handler_state.lock().unwrap();
            let reply = answer(provider, &mut state, seen);
            if reply.status >= 400 {
                let body = String::from_utf8_lossy(&reply.body).into_owned();
                state.refusals.push(format!("{} {} → {} {body}", seen.method, seen.target, reply.status));
            }
            reply
        }))
        .await;
        state.lock().unwrap().base = format!("http://{}", server.addr);
        ProviderFake { server, state }
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.server.addr)
    }

    pub fn refusals(&self) -> Vec<String> {
        self.state.lock().unwrap().refusals.clone()
    }
}

fn query(target: &str) -> BTreeMap<String, String> {
    target
        .split_once('?')
        .map(|(_, q)| url::form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default()
}

fn answer(p: &Provider, state: &mut State, seen: &Seen) -> Reply {
    let path = seen.target.split('?').next().unwrap_or_default().to_owned();
    if path == p.authorize.path {
        return authorize(p, state, seen);
    }
    if let Some(refresh) = p.refresh.as_ref().filter(|r| r.path == path && r.path != p.token.path) {
        return token_request(p, state, seen, Some(refresh));
    }
    if path == p.token.path {
        let body = body_params(p.token.body, seen);
        let refresh = match body.get("grant_type").map(String::as_str) {
            Some("refresh_token") => match p.refresh.as_ref().filter(|r| r.path == p.token.path) {
                Some(refresh) => Some(refresh),
                // Figma refreshes elsewhere: its token endpoint takes codes only.
                None => return (p.token.refuse)("unsupported grant_type refresh_token at this endpoint"),
            },
            _ => None,
        };
        return token_request(p, state, seen, refresh);
    }
    if let Some(prefix) = p.userinfo.paths.iter().find(|u| match p.userinfo.token {
        TokenIn::Path => path.starts_with(*u),
        _ => path == **u,
    }) {
        return userinfo(p, state, seen, prefix);
    }
    reply(404, "text/plain", "no such path at this provider")
}

fn authorize(p: &Provider, state: &mut State, seen: &Seen) -> Reply {
    let params = query(&seen.target);
    for (name, value) in p.authorize.requires {
        match params.get(*name) {
            Some(v) if value.is_empty() || v == value => {}
            _ => return reply(400, "text/html", &format!("<html><title>Error</title>{name} is required</html>")),
        }
    }
    for required in ["client_id", "redirect_uri", "state"] {
        if !params.contains_key(required) {
            return reply(400, "text/html", &format!("<html><title>Error</title>{required} is missing</html>"));
        }
    }
    if params.get("client_id").map(String::as_str) != Some(CLIENT_ID) {
        return reply(400, "text/html", "<html><title>Error</title>unknown client_id</html>");
    }
    state.issued += 1;
    let code = format!("fake-code-{}-{}", p.preset, state.issued);
    state.codes.insert(code.clone(), params.clone());
    let mut back = vec![("code".to_owned(), code), ("state".to_owned(), params["state"].clone())];
    match &p.authorize.callback {
        Callback::Plain => {}
        Callback::Extra(extra) => back.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))),
        Callback::ShopifySigned { shop } => {
            back.push(("shop".into(), (*shop).into()));
            back.push(("host".into(), STANDARD.encode(format!("{shop}/admin"))));
            back.push(("timestamp".into(), "1337178173".into()));
            let hmac = shopify_hmac(&back, CLIENT_SECRET);
            back.push(("hmac".into(), hmac));
        }
    }
    let location = format!(
        "{}?{}",
        params["redirect_uri"],
        url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&back).finish()
    );
    Reply { status: 302, headers: vec![("Location".into(), location)], ..reply(302, "text/html", "") }
}

fn body_params(rule: BodyRule, seen: &Seen) -> BTreeMap<String, String> {
    match rule {
        BodyRule::Form => url::form_urlencoded::parse(seen.body.as_bytes()).into_owned().collect(),
        BodyRule::Json => serde_json::from_str::<serde_json::Map<String, Value>>(&seen.body)
            .map(|m| m.into_iter().filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_owned()))).collect())
            .unwrap_or_default(),
    }
}

/// The client's credentials as the rule wants them, or why not.
fn client_authenticated(rule: ClientAuthRule, seen: &Seen, body: &BTreeMap<String, String>) -> Result<(), String> {
    let header = seen.headers.get("authorization").cloned().unwrap_or_default();
    let basic = format!("Basic {}", STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}")));
    let in_body = body.get("client_id").map(String::as_str) == Some(CLIENT_ID)
        && body.get("client_secret").map(String::as_str) == Some(CLIENT_SECRET);
    let ok = match rule {
        ClientAuthRule::Basic => header == basic,
        ClientAuthRule::Body => in_body,
        ClientAuthRule::Either => header == basic || in_body,
        ClientAuthRule::BearerSecret => header == format!("Bearer {CLIENT_SECRET}"),
    };
    if ok { Ok(()) } else { Err(format!("client authentication: this provider wants {rule:?}")) }
}

fn token_request(p: &Provider, state: &mut State, seen: &Seen, refresh: Option<&Refresh>) -> Reply {
    if seen.method != "POST" {
        return (p.token.refuse)("the token endpoint takes POST");
    }
    let wanted = match p.token.body {
        BodyRule::Form => "application/x-www-form-urlencoded",
        BodyRule::Json => "application/json",
    };
    if !seen.headers.get("content-type").is_some_and(|c| c.starts_with(wanted)) {
        return (p.token.refuse)(&format!("the body must be {wanted}"));
    }
    let body = body_params(p.token.body, seen);
    if let Err(reason) = client_authenticated(p.token.auth, seen, &body) {
        return (p.token.refuse)(&reason);
    }
    let mut nonce = None;
    let (scope, refresh_token) = match refresh {
        Some(r) => {
            if r.grant_type && body.get("grant_type").map(String::as_str) != Some("refresh_token") {
                return (p.token.refuse)("grant_type must be refresh_token");
            }
            let Some(old) = body.get("refresh_token") else { return (p.token.refuse)("refresh_token is missing") };
            let Some(scope) = state.refresh_tokens.get(old).cloned() else {
                return json_reply(
                    400,
                    json!({"error": "invalid_grant", "error_description": "unknown or used refresh token"}),
                );
            };
            if r.rotates {
                state.refresh_tokens.remove(old);
                (scope, Some(new_token(state, p, "rt")))
            } else {
                (scope, None)
            }
        }
        None => match code_grant(p, state, &body) {
            Ok((scope, refresh_token, asked_nonce)) => {
                nonce = asked_nonce;
                (scope, refresh_token)
            }
            Err(reply) => return reply,
        },
    };
    if let Some(rt) = &refresh_token {
        state.refresh_tokens.insert(rt.clone(), scope.clone());
    }
    let access_token = new_token(state, p, "at");
    state.access_tokens.push(access_token.clone());
    let id_token = id_token(&state.base, nonce.as_deref());
    let issued = Issued { access_token, refresh_token, scope, base: state.base.clone(), id_token };
    let response = match refresh {
        Some(r) => (r.response)(&issued),
        None => (p.token.response)(&issued),
    };
    fakes::json(response)
}

fn new_token(state: &mut State, p: &Provider, kind: &str) -> String {
    state.issued += 1;
    format!("fake-{kind}-{}-{}", p.preset, state.issued)
}

/// Checks the authorization-code grant; the scope, the refresh token it earns and the nonce asked.
fn code_grant(
    p: &Provider,
    state: &mut State,
    body: &BTreeMap<String, String>,
) -> Result<(String, Option<String>, Option<String>), Reply> {
    let Some(code) = body.get("code") else { return Err((p.token.refuse)("code is missing")) };
    let Some(asked) = state.codes.remove(code) else {
        return Err(json_reply(400, json!({"error": "invalid_grant", "error_description": "unknown or used code"})));
    };
    if p.token.redirect_uri && body.get("redirect_uri") != asked.get("redirect_uri") {
        return Err(json_reply(400, json!({"error": "invalid_grant", "error_description": "redirect_uri differs"})));
    }
    if p.authorize.pkce
        && let Some(challenge) = asked.get("code_challenge")
    {
        let verified = body
            .get("code_verifier")
            .is_some_and(|v| URL_SAFE_NO_PAD.encode(Sha256::digest(v.as_bytes())) == *challenge);
        if !verified {
            return Err(json_reply(
                400,
                json!({"error": "invalid_grant", "error_description": "PKCE verification failed"}),
            ));
        }
    }
    let scope = asked.get("scope").cloned().unwrap_or_default();
    let earns = match p.token.refresh_when {
        RefreshWhen::Always => true,
        RefreshWhen::Param(name, value) => asked.get(name).map(String::as_str) == Some(value),
        RefreshWhen::Scope(needed) => scope.split([' ', ',']).any(|s| s == needed),
        RefreshWhen::Never => false,
    };
    let refresh_token = earns.then(|| new_token(state, p, "rt"));
    Ok((scope, refresh_token, asked.get("nonce").cloned()))
}

fn userinfo(p: &Provider, state: &mut State, seen: &Seen, prefix: &str) -> Reply {
    let u = &p.userinfo;
    if seen.method != u.method {
        return (u.refuse)(&format!("this endpoint takes {}", u.method));
    }
    let token = match u.token {
        TokenIn::Bearer => seen.headers.get("authorization").and_then(|h| h.strip_prefix("Bearer ")).map(str::to_owned),
        TokenIn::Header(name) => seen.headers.get(name).cloned(),
        TokenIn::Path => seen.target.split('?').next().and_then(|p| p.strip_prefix(prefix)).map(str::to_owned),
    };
    if !token.is_some_and(|t| state.access_tokens.contains(&t)) {
        return (u.refuse)("invalid or missing access token");
    }
    for (name, value) in u.headers {
        match seen.headers.get(*name) {
            Some(v) if value.is_empty() || v == value => {}
            _ => return (u.refuse)(&format!("the header {name} is required")),
        }
    }
    match u.body {
        None if !seen.body.is_empty() || seen.headers.contains_key("content-type") => {
            return (u.refuse)("this endpoint takes no body and no Content-Type");
        }
        Some(needle) if !seen.body.contains(needle) => return (u.refuse)(&format!("the body must contain {needle}")),
        _ => {}
    }
    fakes::json((u.response)(&state.base))
}

// ---------------------------------------------------------------------------------------------
// Driving a preset against its fake.

/// The preset applied (with the entry's answers) into a fresh store, its URLs pointed at the fake.
pub struct Configured {
    pub store: Store,
    pub authorization: Authorization,
    pub endpoints: Vec<Endpoint>,
}

/// `https://host/path…` → `{base}/path…`, as the preset's own rebase does.
pub fn to_fake(url: &str, base: &str) -> String {
    preset::rebase_url(url, base)
}

pub fn configure(p: &Provider, base: &str) -> Configured {
    let preset = preset::find(p.preset).unwrap();
    let answers = p.answers.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    let mut applied = preset.apply(&answers, REDIRECT_URI).unwrap_or_else(|e| panic!("{}: {e:?}", p.preset));
    // As `authdeck presets add --base-url` does.
    applied.rebase(base).unwrap();
    let mut store = Store::open_in_memory().unwrap();
    let app = store.create_app("Preset test").unwrap();
    let added = store.add_preset(app.id, &applied, CLIENT_ID, Some(CLIENT_SECRET)).unwrap();
    let authorization = store.authorization(added.authorization_id).unwrap();
    let endpoints = store.endpoints(app.id).unwrap();
    Configured { store, authorization, endpoints }
}

/// The same provider configured the RFC 6749 way: the preset's URLs (query left out) and scopes,
/// the default token request and mappings, Basic client authentication, PKCE, nothing kept.
pub fn configure_rfc(p: &Provider, base: &str, rfc_scopes: Option<&str>, userinfo_url: Option<&str>) -> Configured {
    let Configured { mut store, authorization, endpoints } = configure(p, base);
    let AuthConfig::OAuth2(preset) = &authorization.config else { panic!("{} is OAuth 2.0", p.preset) };
    let url_of = |id: Option<i64>| endpoints.iter().find(|e| Some(e.id) == id).map(|e| e.url.clone()).unwrap();
    let token = Endpoint {
        app_id: authorization.app_id,
        name: "RFC token".into(),
        url: url_of(preset.token_endpoint),
        ..Endpoint::new_for(EndpointPurpose::Token)
    };
    let userinfo = Endpoint {
        app_id: authorization.app_id,
        name: "RFC user".into(),
        url: userinfo_url.map(|u| to_fake(u, base)).unwrap_or_else(|| url_of(preset.userinfo_endpoint)),
        ..Endpoint::new_for(EndpointPurpose::UserInfo)
    };
    let token_id = store.insert_endpoint(&token).unwrap();
    let userinfo_id = store.insert_endpoint(&userinfo).unwrap();
    let config = AuthConfig::OAuth2(OAuth2Config {
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        authorization_uri: preset.authorization_uri.split('?').next().unwrap_or_default().to_owned(),
        scopes: rfc_scopes.unwrap_or(&preset.scopes).to_owned(),
        token_endpoint: Some(token_id),
        userinfo_endpoint: Some(userinfo_id),
        redirect_uri: REDIRECT_URI.into(),
        client_auth: ClientAuth::BasicHeader,
        pkce: true,
        ..Default::default()
    });
    let id = store.insert_authorization(authorization.app_id, "RFC 6749", &config).unwrap();
    let authorization = store.authorization(id).unwrap();
    let endpoints = store.endpoints(authorization.app_id).unwrap();
    Configured { store, authorization, endpoints }
}

/// Runs the test of `c` against the fake: the browser step is a GET of the authorization URL whose
/// redirect is pasted back; an error page cancels the run (as a user would, after reading it).
pub async fn test_run(c: &Configured, runner: &FlowRunner) -> (Driven, bool) {
    test_run_with(c, runner, |location| location).await
}

/// Like [`test_run`], with what is pasted made from the redirect by `paste` (a tampered callback,
/// only the code).
pub async fn test_run_with(c: &Configured, runner: &FlowRunner, paste: fn(String) -> String) -> (Driven, bool) {
    let refused = Arc::new(Mutex::new(false));
    let flag = refused.clone();
    let request = FlowRequest::test(&c.authorization, &c.endpoints, Credentials::None).unwrap();
    let driven = fakes::drive(request, runner, move |url, handle| {
        let control = handle.control();
        tokio::spawn(async move {
            match browse(&url).await {
                Some(location) => {
                    control.paste(paste(location));
                }
                None => {
                    *flag.lock().unwrap() = true;
                    control.cancel();
                }
            }
        });
    })
    .await;
    let refused = *refused.lock().unwrap();
    (driven, refused)
}

/// The redirect an authorization URL answers with, or `None` for an error page.
pub async fn browse(url: &str) -> Option<String> {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().ok()?;
    let response = client.get(url).send().await.ok()?;
    if response.status().as_u16() != 302 {
        return None;
    }
    response.headers().get("location")?.to_str().ok().map(str::to_owned)
}

/// Records the run and returns the connection it saved.
pub fn save(c: &mut Configured, driven: &mut Driven) -> Connection {
    let recorded = c.store.record_flow(&mut driven.report).unwrap();
    c.store.connection(recorded.connection_id.expect("a connection was saved")).unwrap()
}

/// A refresh of the saved connection (from the values it kept), as the Connections tab runs one.
pub async fn refresh_run(c: &Configured, connection: &Connection, runner: &FlowRunner) -> Driven {
    assert!(connection.tokens.refresh_token.is_some(), "the connection has a refresh token");
    let request = FlowRequest::refresh_connection(&c.authorization, &c.endpoints, connection).unwrap();
    fakes::drive(request, runner, |_, _| {}).await
}

/// The kept values a run should have, `{base}` being the fake's address.
pub fn expected_kept(p: &Provider, base: &str) -> Vec<(String, String)> {
    p.expect.kept.iter().map(|(k, v)| ((*k).to_owned(), v.replace("{base}", base))).collect()
}

pub fn kept_of(driven: &Driven) -> Vec<(String, String)> {
    driven.report.kept.iter().map(|k| (k.name.clone(), k.value.clone())).collect()
}

/// Whether a run ended as expected, with the fake's refusals to explain a failure.
pub fn outcome(driven: &Driven, fake: &ProviderFake) -> String {
    format!("{:?}: {} (the fake refused: {:?})", driven.report.outcome, driven.report.message, fake.refusals())
}

pub fn assert_ok(driven: &Driven, fake: &ProviderFake, what: &str) {
    assert_eq!(driven.report.outcome, RunOutcome::Ok, "{what}: {}", outcome(driven, fake));
}
