//! `authdeck test` run as a user runs it (the real binary, a temporary database) against a fake
//! user information endpoint: the API-Key and Basic prompts on stdin, the exit codes, the messages,
//! and that nothing typed is printed back.

#[path = "support/cli.rs"]
mod cli;
use cli::isolated;

use std::io::Write;
use std::net::SocketAddr;

use authdeck::model::{ApiKeyConfig, AuthConfig, BasicConfig, Endpoint, EndpointPurpose, KeyPlacement, OAuth2Config};

/// A one-thread HTTP server answering every request with `status` and `body`; returns its address
/// and a receiver of the requests' heads.
fn fake_server(status: u16, body: &'static str) -> (SocketAddr, std::sync::mpsc::Receiver<String>) {
    use std::io::{BufRead, BufReader};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            let mut head = String::new();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                head.push_str(&line);
            }
            let _ = tx.send(head);
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (addr, rx)
}

/// A database with one app "Fake" holding `config` named "Under test", its user information
/// endpoint at `url`.
fn database(dir: &std::path::Path, config: AuthConfig, url: String) -> std::path::PathBuf {
    let path = dir.join("a.db");
    let mut store = isolated::open(&path).unwrap();
    let app = store.create_app("Fake").unwrap();
    let mut me = Endpoint { app_id: app.id, url, ..Endpoint::new_for(EndpointPurpose::UserInfo) };
    me.mapping.user_id = "id".into();
    let id = store.insert_endpoint(&me).unwrap();
    let mut config = config;
    config.set_endpoint_ids(None, Some(id));
    store.insert_authorization(app.id, "Under test", &config).unwrap();
    path
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn api_key_test_asks_for_the_key_and_prints_the_identity() {
    let (addr, requests) = fake_server(200, r#"{"id": "k-user", "name": "Key User"}"#);
    let dir = tempfile::tempdir().unwrap();
    let config = AuthConfig::ApiKey(ApiKeyConfig {
        placement: KeyPlacement::Header,
        param_name: "X-API-Key".into(),
        value_template: "{{api_key}}".into(),
        key_label: "Your API key".into(),
        userinfo_endpoint: None,
    });
    let db = database(dir.path(), config, format!("http://{addr}/me"));
    let out = cli::authdeck_with_stdin(&db, &["test", "Under test"], "typed-key-123\n");
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stderr.contains("Your API key: "), "{stderr}");
    assert!(stderr.contains("[ok] 1. User information"), "{stderr}");
    assert!(stdout.starts_with("Connected as Key User (k-user)."), "{stdout}");
    assert!(!stdout.contains("typed-key-123") && !stderr.contains("typed-key-123"));
    let head = requests.recv().unwrap().to_ascii_lowercase();
    assert!(head.contains("x-api-key: typed-key-123"), "{head}");

    // The run is recorded: `authdeck list` shows the last result.
    let list = cli::authdeck_with_stdin(&db, &["list"], "");
    assert!(text(&list.stdout).contains("\tok "), "{}", text(&list.stdout));
}

#[test]
fn basic_test_failure_exits_non_zero_with_the_reason() {
    let (addr, _) = fake_server(401, r#"{"error": "invalid_token", "error_description": "Bad credentials"}"#);
    let dir = tempfile::tempdir().unwrap();
    let config = AuthConfig::Basic(BasicConfig::default());
    let db = database(dir.path(), config, format!("http://{addr}/me"));
    let out = cli::authdeck_with_stdin(&db, &["test", "Under test", "--json"], "bob\nhunter2-pw\n");
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stderr.contains("Username: ") && stderr.contains("Password: "), "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["outcome"], "failed");
    let message = json["message"].as_str().unwrap();
    assert!(message.contains("HTTP 401: invalid_token (Bad credentials)"), "{message}");
    assert!(!stdout.contains("hunter2-pw") && !stderr.contains("hunter2-pw"));
    let headers = json["steps"][0]["exchanges"][0]["request"]["headers"].as_array().unwrap();
    assert!(headers.iter().any(|h| h[0] == "Authorization" && h[1] == "Basic [redacted]"), "{headers:?}");
}

#[test]
fn unknown_names_and_missing_endpoints_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    isolated::open(&db).unwrap().apps_or_first().unwrap();
    let out = cli::authdeck_with_stdin(&db, &["test", "Nope"], "");
    assert_ne!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains("No authorization named \"Nope\""), "{}", text(&out.stderr));

    let mut store = isolated::open(&db).unwrap();
    let app = store.apps_or_first().unwrap().remove(0);
    let config = AuthConfig::OAuth2(OAuth2Config { client_id: "x".into(), ..Default::default() });
    store.insert_authorization(app.id, "No endpoints", &config).unwrap();
    drop(store);
    let out = cli::authdeck_with_stdin(&db, &["test", "No endpoints"], "");
    assert_ne!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains("has no token endpoint"), "{}", text(&out.stderr));

    let out = cli::authdeck_with_stdin(&db, &["test", "API-Key", "--app", "Other"], "");
    assert!(text(&out.stderr).contains("No app named \"Other\""), "{}", text(&out.stderr));
}

#[test]
fn a_callback_that_never_comes_times_out() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let mut store = isolated::open(&db).unwrap();
    let app = store.apps_or_first().unwrap().remove(0);
    let token = Endpoint {
        app_id: app.id,
        url: "http://127.0.0.1:9/token".into(),
        ..Endpoint::new_for(EndpointPurpose::Token)
    };
    let token_id = store.insert_endpoint(&token).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let config = AuthConfig::OAuth2(OAuth2Config {
        client_id: "x".into(),
        client_secret: "fake-secret".into(),
        authorization_uri: "https://provider.example/authorize".into(),
        token_endpoint: Some(token_id),
        redirect_uri: format!("http://127.0.0.1:{port}/callback"),
        ..Default::default()
    });
    store.insert_authorization(app.id, "Slow user", &config).unwrap();
    drop(store);
    let out = cli::authdeck_with_stdin(&db, &["test", "Slow user", "--timeout", "1"], "not a url\n");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("https://provider.example/authorize?response_type=code&client_id=x&"), "{stderr}");
    assert!(stderr.contains("That is neither a URL nor a code"), "{stderr}");
    assert!(stderr.contains("No callback arrived within 1 s"), "{stderr}");
}
