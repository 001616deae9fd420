//! Test harness for the local OpenID Connect provider in `tests/oidc/` (npm `oidc-provider`).
//!
//! Include it from an integration test (a file directly under `tests/`) with
//!
//! ```ignore
//! #[path = "support/oidc.rs"]
//! mod oidc;
//! ```
//!
//! (`tests/support/` has no `main.rs`, so Cargo does not build it as a test target of its own.)
//!
//! Prerequisites: Node.js 20+ on `PATH` (or `$AUTHDECK_TEST_NODE` pointing at the `node`
//! binary) and `npm ci --prefix tests/oidc` once. Nothing talks to the internet: the provider
//! binds 127.0.0.1 on a free port and the scripted browser only visits the provider and the
//! redirect URI.
//!
//! Fixed fixtures (see `tests/oidc/provider.js` for the full list of facts):
//! * user `test-user-1` / `Test User` / `test.user@example.test`
//! * clients `basic-client` (`fake-basic-secret`, client_secret_basic), `post-client`
//!   (`fake-post-secret`, client_secret_post), `public-client` (none, PKCE S256 required); the
//!   first two may also use client credentials, all three the device flow; `ps256-client`,
//!   `es256-client`, `eddsa-client` get their ID tokens in those algorithms (RS256 otherwise)
//! * redirect URI `http://127.0.0.1:<any port>/callback` (or `http://localhost:<any port>/callback`)
//! * scopes `openid profile email offline_access`; a refresh token needs `offline_access`
//!   together with `prompt=consent`.
//!
//! `browser_login` blocks the calling thread while `node` runs. When `--deliver` makes the
//! script hit a callback listener served by the *same* tokio runtime (e.g. a
//! `#[tokio::test]`, which is single-threaded by default), call [`browser_login_async`]
//! instead, which runs it on tokio's blocking pool.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub const TEST_USER_ID: &str = "test-user-1";
pub const TEST_USER_NAME: &str = "Test User";
pub const TEST_USER_EMAIL: &str = "test.user@example.test";

pub const BASIC_CLIENT_ID: &str = "basic-client";
pub const BASIC_CLIENT_SECRET: &str = "fake-basic-secret";
pub const POST_CLIENT_ID: &str = "post-client";
pub const POST_CLIENT_SECRET: &str = "fake-post-secret";
pub const PUBLIC_CLIENT_ID: &str = "public-client";
/// Like `basic-client` (client_secret_basic, secret `fake-<alg>-secret`), with ID tokens signed in
/// another algorithm: `ps256-client`, `es256-client`, `eddsa-client`.
pub const ALG_CLIENTS: [(&str, &str, &str); 3] = [
    ("ps256-client", "fake-ps256-secret", "PS256"),
    ("es256-client", "fake-es256-secret", "ES256"),
    ("eddsa-client", "fake-eddsa-secret", "EdDSA"),
];

/// How long to wait for the `READY` line (Node start-up plus RSA key generation: well under a
/// second on a quiet machine). A provider that didn't print it by then is stopped and started once
/// more: on a loaded CI machine a start that never arrived was seen, while the next one took the
/// usual second.
const READY_TIMEOUT: Duration = Duration::from_secs(45);

fn oidc_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests").join("oidc")
}

fn node_binary() -> String {
    std::env::var("AUTHDECK_TEST_NODE").unwrap_or_else(|_| "node".to_string())
}

/// Panics with an actionable message unless `node` runs and `tests/oidc/node_modules` is installed.
fn check_prerequisites() {
    let node = node_binary();
    match Command::new(&node)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
    {
        Ok(out) if out.status.success() => {}
        Ok(out) => panic!(
            "Node.js not usable: `{node} --version` exited with {}: {}\n\
             install Node.js 20+ and run `npm ci` in tests/oidc (`npm ci --prefix tests/oidc`)",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(err) => panic!(
            "Node.js not found (`{node}`: {err}): install Node.js 20+ and run `npm ci` in tests/oidc \
             (`npm ci --prefix tests/oidc`); set AUTHDECK_TEST_NODE to use another node binary"
        ),
    }
    install_packages();
}

/// Installs the provider's npm packages from the lock file on first use, so `cargo test` alone sets
/// up a fresh clone. Tests of one binary run in parallel: one installs while the others wait.
fn install_packages() {
    static INSTALL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    let marker = oidc_dir().join("node_modules").join("oidc-provider").join("package.json");
    if marker.is_file() {
        return;
    }
    let npm = std::env::var("AUTHDECK_TEST_NPM").unwrap_or_else(|_| "npm".to_string());
    let out = Command::new(&npm)
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(oidc_dir())
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|err| {
            panic!("npm not found (`{npm}`: {err}): install Node.js 20.19+ with npm, or run `npm ci` in tests/oidc")
        });
    if !out.status.success() || !marker.is_file() {
        panic!(
            "`npm ci` in tests/oidc failed ({}): {}\nrun it by hand to see why (it needs the npm registry)",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// A running `tests/oidc/provider.js`. Dropping it kills the process; if the test process
/// dies without dropping it, the provider notices its stdin closing and exits by itself.
pub struct OidcProvider {
    /// `http://127.0.0.1:PORT`
    pub issuer: String,
    /// The parsed discovery document (`/.well-known/openid-configuration`).
    pub discovery: serde_json::Value,
    child: Child,
    /// Held open on purpose: closing it makes the provider exit.
    stdin: Option<ChildStdin>,
    /// The provider's stderr goes here (library notices, errors); see [`OidcProvider::logs`].
    log: tempfile::NamedTempFile,
}

/// How to start a provider beyond the defaults: a port (to restart on the same issuer), and the
/// environment of `provider.js` (`OIDC_PROVIDER_KEYS_FILE`, `OIDC_PROVIDER_STATE_FILE`…).
#[derive(Debug, Clone, Default)]
pub struct ProviderOptions {
    pub port: u16,
    pub env: Vec<(String, String)>,
}

impl OidcProvider {
    /// Spawns `node tests/oidc/provider.js 0`, waits (up to 45 s, then once more) for `READY <issuer>` and loads
    /// the discovery document. Panics with a clear message when something is missing.
    pub fn start() -> OidcProvider {
        OidcProvider::start_with(&ProviderOptions::default())
    }

    /// The port of the issuer (`http://127.0.0.1:PORT`).
    pub fn port(&self) -> u16 {
        self.issuer.rsplit(':').next().and_then(|p| p.parse().ok()).expect("the issuer has a port")
    }

    /// Stops this provider and starts another on the same port (so the same issuer), with `env`:
    /// a provider restarted, e.g. with rotated keys (`OIDC_PROVIDER_KEYS_FILE` to a new file).
    pub fn restart(mut self, env: Vec<(String, String)>) -> OidcProvider {
        let port = self.port();
        self.stop();
        OidcProvider::start_with(&ProviderOptions { port, env })
    }

    /// Like [`OidcProvider::start`], with `options`.
    pub fn start_with(options: &ProviderOptions) -> OidcProvider {
        match OidcProvider::try_start(options) {
            Ok(provider) => provider,
            Err(first) => {
                eprintln!("{first}\nStarting the OIDC provider once more.");
                OidcProvider::try_start(options).unwrap_or_else(|second| panic!("{second}"))
            }
        }
    }

    /// One start: the provider, or why it didn't print READY in time (other failures panic).
    fn try_start(options: &ProviderOptions) -> Result<OidcProvider, String> {
        check_prerequisites();
        let dir = oidc_dir();
        let log = tempfile::Builder::new()
            .prefix("authdeck-oidc-provider-")
            .suffix(".log")
            .tempfile()
            .expect("create a temp file for the OIDC provider log");
        let stderr = log.reopen().expect("reopen the OIDC provider log file");

        let mut child = Command::new(node_binary())
            .arg(dir.join("provider.js"))
            .arg(options.port.to_string())
            .current_dir(&dir)
            .envs(options.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env_remove("OIDC_PROVIDER_IGNORE_STDIN")
            .env_remove("OIDC_PROVIDER_PORT")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(stderr))
            .spawn()
            .unwrap_or_else(|err| {
                panic!("could not spawn Node.js ({err}): install Node.js 20+ and run `npm ci` in tests/oidc")
            });
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("provider stdout is piped");

        // Read stdout on a thread so the wait can time out; the thread keeps draining stdout
        // afterwards so the provider can never block on a full pipe.
        let (tx, rx) = mpsc::channel::<String>();
        std::thread::Builder::new()
            .name("oidc-provider-stdout".into())
            .spawn(move || {
                let mut reader = BufReader::new(stdout);
                let mut first = true;
                let mut line = String::new();
                loop {
                    line.clear();
                    match reader.read_line(&mut line) {
                        Ok(0) | Err(_) => break,
                        Ok(_) if first => {
                            first = false;
                            let _ = tx.send(line.trim_end().to_string());
                        }
                        Ok(_) => {}
                    }
                }
            })
            .expect("spawn stdout reader thread");

        let mut provider =
            OidcProvider { issuer: String::new(), discovery: serde_json::Value::Null, child, stdin, log };

        let line = match rx.recv_timeout(READY_TIMEOUT) {
            Ok(line) => line,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                provider.stop();
                return Err(format!(
                    "OIDC provider did not print READY within {READY_TIMEOUT:?}; its stderr:\n{}",
                    provider.logs()
                ));
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = provider.stop();
                panic!(
                    "OIDC provider exited before it was ready ({status}); did you run `npm ci` in tests/oidc? its stderr:\n{}",
                    provider.logs()
                );
            }
        };
        let Some(issuer) = line.strip_prefix("READY ") else {
            provider.stop();
            panic!("OIDC provider printed {line:?} instead of `READY <issuer>`; its stderr:\n{}", provider.logs());
        };
        provider.issuer = issuer.to_string();
        provider.discovery = match fetch_discovery(&provider.issuer) {
            Ok(doc) => doc,
            Err(err) => {
                provider.stop();
                panic!(
                    "could not load the OIDC discovery document of {}: {err}; provider stderr:\n{}",
                    provider.issuer,
                    provider.logs()
                );
            }
        };
        Ok(provider)
    }

    fn endpoint(&self, key: &str) -> String {
        self.discovery[key]
            .as_str()
            .unwrap_or_else(|| panic!("discovery document has no {key}: {}", self.discovery))
            .to_string()
    }

    /// `http://127.0.0.1:PORT/auth`
    pub fn authorization_endpoint(&self) -> String {
        self.endpoint("authorization_endpoint")
    }

    /// `http://127.0.0.1:PORT/token`
    pub fn token_endpoint(&self) -> String {
        self.endpoint("token_endpoint")
    }

    /// `http://127.0.0.1:PORT/me`
    pub fn userinfo_endpoint(&self) -> String {
        self.endpoint("userinfo_endpoint")
    }

    /// `http://127.0.0.1:PORT/.well-known/openid-configuration`
    pub fn discovery_url(&self) -> String {
        format!("{}/.well-known/openid-configuration", self.issuer)
    }

    /// Everything the provider wrote to stderr so far.
    pub fn logs(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    fn stop(&mut self) -> String {
        drop(self.stdin.take());
        let _ = self.child.kill();
        match self.child.wait() {
            Ok(status) => status.to_string(),
            Err(err) => format!("wait failed: {err}"),
        }
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Minimal HTTP/1.0 GET (no chunked encoding, server closes the connection) for the
/// discovery document, so `start()` needs no async runtime.
fn fetch_discovery(issuer: &str) -> Result<serde_json::Value, String> {
    let authority =
        issuer.strip_prefix("http://").ok_or_else(|| format!("issuer {issuer} is not http://"))?.trim_end_matches('/');
    let mut stream = TcpStream::connect(authority).map_err(|e| format!("connect {authority}: {e}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(10))).map_err(|e| e.to_string())?;
    stream.set_write_timeout(Some(Duration::from_secs(10))).map_err(|e| e.to_string())?;
    write!(
        stream,
        "GET /.well-known/openid-configuration HTTP/1.0\r\nHost: {authority}\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| format!("send request: {e}"))?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(|e| format!("read response: {e}"))?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").ok_or_else(|| format!("malformed HTTP response: {text}"))?;
    let status_line = head.lines().next().unwrap_or_default();
    if status_line.split_whitespace().nth(1) != Some("200") {
        return Err(format!("unexpected response {status_line:?}: {body}"));
    }
    serde_json::from_str(body).map_err(|e| format!("invalid JSON ({e}): {body}"))
}

/// Runs `node tests/oidc/browser.js <auth_url> [--deny] [--deliver]`: signs in the test user,
/// approves (or denies) consent and returns the URL the provider redirected to (the client's
/// redirect URI with `code`/`state`/`iss`, or `error=...`). With `deliver`, the script also
/// GETs that URL (so the app's loopback callback listener receives it) before returning.
/// Panics with the script's stderr on failure.
pub fn browser_login(auth_url: &str, deny: bool, deliver: bool) -> String {
    check_prerequisites();
    let mut cmd = Command::new(node_binary());
    cmd.arg(oidc_dir().join("browser.js")).arg(auth_url);
    if deny {
        cmd.arg("--deny");
    }
    if deliver {
        cmd.arg("--deliver");
    }
    let out = cmd
        .current_dir(oidc_dir())
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|err| panic!("could not run tests/oidc/browser.js with Node.js: {err}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        panic!("scripted browser failed ({}) for {auth_url}\nstderr:\n{stderr}\nstdout:\n{stdout}", out.status);
    }
    let url = stdout.lines().next().unwrap_or_default().trim().to_string();
    if url.is_empty() {
        panic!("scripted browser printed no URL for {auth_url}\nstderr:\n{stderr}");
    }
    url
}

/// Runs `node tests/oidc/browser.js --device <verification_uri_complete> [--deny]`: the user of a
/// device-code login (RFC 8628) opens the page with the code in it, confirms, signs in and approves
/// (or refuses) the consent. Returns `approved` or `denied`; panics with the script's stderr on
/// anything else.
pub fn device_login(verification_uri_complete: &str, deny: bool) -> String {
    check_prerequisites();
    let mut cmd = Command::new(node_binary());
    cmd.arg(oidc_dir().join("browser.js")).arg("--device").arg(verification_uri_complete);
    if deny {
        cmd.arg("--deny");
    }
    let out = cmd
        .current_dir(oidc_dir())
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|err| panic!("could not run tests/oidc/browser.js with Node.js: {err}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        panic!(
            "scripted device login failed ({}) for {verification_uri_complete}\nstderr:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    stdout.trim().trim_start_matches("device: ").to_string()
}

/// [`device_login`] on tokio's blocking pool.
pub async fn device_login_async(verification_uri_complete: &str, deny: bool) -> String {
    let url = verification_uri_complete.to_string();
    match tokio::task::spawn_blocking(move || device_login(&url, deny)).await {
        Ok(answer) => answer,
        Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
        Err(err) => panic!("scripted device login task failed: {err}"),
    }
}

/// [`browser_login`] on tokio's blocking pool, for tests whose callback listener runs on the
/// same runtime as the test.
pub async fn browser_login_async(auth_url: &str, deny: bool, deliver: bool) -> String {
    let auth_url = auth_url.to_string();
    match tokio::task::spawn_blocking(move || browser_login(&auth_url, deny, deliver)).await {
        Ok(url) => url,
        Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
        Err(err) => panic!("scripted browser task failed: {err}"),
    }
}
