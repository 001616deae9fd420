//! Hardening of the command line, run as an attacker and a busy user would: hostile text never
//! reaches the terminal raw, templates can't hang an import, standard input that isn't UTF-8 is
//! refused line by line, file modes are never widened.

#[path = "support/cli.rs"]
mod cli;
use cli::isolated;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

fn authdeck(db: &Path, args: &[&str]) -> Output {
    isolated::authdeck(db).args(args).output().expect("run authdeck")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// What an attacker puts in a name: an OSC 52 that would fill the clipboard, a title change, a CSI
/// in its 8-bit form, DEL, a bidi override, a carriage return that hides the start of the line.
const HOSTILE: &str = "Evil\u{1b}]52;c;ZWNobyBQV05FRA==\u{7}\u{1b}]0;pwned\u{7}\u{9b}2J\u{7f}\u{202e}\r";

fn assert_no_raw_controls(what: &str, output: &str) {
    let raw: Vec<char> =
        output.chars().filter(|c| (c.is_control() && *c != '\n' && *c != '\t') || *c == '\u{202e}').collect();
    assert!(raw.is_empty(), "{what} has raw control characters {raw:?}:\n{output:?}");
}

fn hostile_export() -> String {
    serde_json::json!({
        "version": 1,
        "apps": [{
            "name": HOSTILE,
            "description": "",
            "endpoints": [],
            "authorizations": [{
                "kind": "basic", "name": format!("{HOSTILE} login\nfake line"),
                "username_label": "User", "password_label": "Password"
            }]
        }]
    })
    .to_string()
}

#[test]
fn hostile_names_are_escaped_in_list_list_json_and_export() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let out = cli::authdeck_with_stdin(&db, &["import", "-"], &hostile_export());
    assert!(out.status.success(), "{}", text(&out.stderr));

    let list = authdeck(&db, &["list"]);
    assert!(list.status.success(), "{}", text(&list.stderr));
    let shown = text(&list.stdout);
    assert_no_raw_controls("list", &shown);
    assert!(shown.contains("Evil\\u{1b}]52;c;"), "{shown}");
    // A newline in a name can't forge a line of its own.
    assert!(shown.contains("login\\nfake line"), "{shown}");

    let json = authdeck(&db, &["list", "--json"]);
    let shown = text(&json.stdout);
    assert_no_raw_controls("list --json", &shown);
    let value: serde_json::Value = serde_json::from_str(&shown).expect("list --json stays valid JSON");
    assert!(value.as_array().unwrap().iter().any(|e| e["app"] == HOSTILE.trim()), "{value}");

    let export = authdeck(&db, &["export"]);
    let shown = text(&export.stdout);
    assert_no_raw_controls("export", &shown);
    let file: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(file["apps"].as_array().unwrap().iter().filter(|a| a["name"] == HOSTILE.trim()).count(), 1);
}

#[test]
fn hostile_import_errors_are_escaped_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let broken = hostile_export().replace("\"User\"", "\"\"").replace("\"basic\"", "\"oauth2\"");
    let out = cli::authdeck_with_stdin(&db, &["import", "-"], &broken);
    assert!(!out.status.success());
    assert_no_raw_controls("stderr", &text(&out.stderr));
}

/// An OAuth 2.0 authorization whose redirect URI nobody listens on but this test.
fn oauth_database(dir: &Path) -> std::path::PathBuf {
    oauth_database_with_token_url(dir, "http://127.0.0.1:9/token")
}

fn oauth_database_with_token_url(dir: &Path, token_url: &str) -> std::path::PathBuf {
    use authdeck::model::{AuthConfig, Endpoint, EndpointPurpose, OAuth2Config};
    let db = dir.join("a.db");
    let mut store = isolated::open(&db).unwrap();
    let app = store.apps_or_first().unwrap().remove(0);
    let token = Endpoint { app_id: app.id, url: token_url.into(), ..Endpoint::new_for(EndpointPurpose::Token) };
    let token_id = store.insert_endpoint(&token).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let config = AuthConfig::OAuth2(OAuth2Config {
        client_id: "x".into(),
        client_secret: "fake-secret-for-tests".into(),
        authorization_uri: "https://provider.example/authorize".into(),
        token_endpoint: Some(token_id),
        redirect_uri: format!("http://127.0.0.1:{port}/callback"),
        ..Default::default()
    });
    store.insert_authorization(app.id, "OAuth", &config).unwrap();
    db
}

#[test]
fn a_hostile_pasted_callback_is_escaped_and_bad_bytes_are_refused_line_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = oauth_database(dir.path());
    let mut stdin = b"\xff\xfe not text\n".to_vec();
    stdin.extend_from_slice(b"not a url\n");
    stdin.extend_from_slice(
        b"http://127.0.0.1:1/callback?error=x%1B%5D52%3Bc%3BZWNobyBQV05FRA%3D%3D%07&error_description=%1B]0;t%07&state=%9B2J\n",
    );
    let out = cli::authdeck_with_stdin_bytes(&db, &["test", "OAuth", "--timeout", "2", "--json"], &stdin);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_no_raw_controls("stderr", &stderr);
    assert_no_raw_controls("stdout", &stdout);
    assert!(stderr.contains("not UTF-8 text"), "{stderr}");
    // Reading went on after the bad line: the next pastes were read too.
    assert!(stderr.contains("That is neither a URL nor a code"), "{stderr}");
    serde_json::from_str::<serde_json::Value>(&stdout).expect("--json stays valid JSON");
}

#[test]
fn a_template_that_would_hang_an_import_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let nested = "{% for a in client_id ~ client_id %}{% for b in client_id %}{% for c in client_id %}x{% endfor %}{% endfor %}{% endfor %}";
    let file = serde_json::json!({"version": 1, "apps": [{"name": "A", "endpoints": [{
        "name": "loop", "purpose": "other", "method": "GET",
        "url": format!("https://api.example.test/{nested}"),
    }]}]});
    let out = cli::authdeck_with_stdin(&db, &["import", "-"], &file.to_string());
    assert!(!out.status.success());
    let message = text(&out.stderr);
    assert!(message.contains("apps[0].endpoints[0].url") && message.contains("{% for %} is not allowed"), "{message}");
}

#[test]
fn opening_never_widens_a_mode_and_tightens_a_loose_one_saying_so() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    // `list` reads an existing database only: make one as the first start does.
    isolated::open(&db).unwrap().apps_or_first().unwrap();
    assert!(authdeck(&db, &["list"]).status.success());
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;

    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o400)).unwrap();
    let out = authdeck(&db, &["list"]);
    assert_eq!(mode(&db), 0o400, "a read-only database stays read-only");
    if !out.status.success() {
        // Not root: the file can't be written, and authdeck says so instead of a SQLite error.
        assert!(text(&out.stderr).contains("is read-only for you (mode 0400)"), "{}", text(&out.stderr));
    }

    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = authdeck(&db, &["list"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(mode(&db), 0o600);
    assert!(text(&out.stderr).contains("was readable by others (mode 0644)"), "{}", text(&out.stderr));
    let again = authdeck(&db, &["list"]);
    assert!(!text(&again.stderr).contains("readable by others"), "said once, when it changed");
}

#[test]
fn absurd_sizes_are_refused_with_what_the_limit_is() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let file = |app: &str, client_id: &str| {
        serde_json::json!({"version": 1, "apps": [{"name": app, "endpoints": [
            {"name": "T", "purpose": "token", "method": "POST", "url": "https://p.example/token"}],
            "authorizations": [{"kind": "oauth2", "name": "O", "client_id": client_id,
                "authorization_uri": "https://p.example/auth", "token_endpoint": "T",
                "redirect_uri": "http://127.0.0.1:8976/callback", "client_auth": "none"}]}]})
        .to_string()
    };
    let out = cli::authdeck_with_stdin(&db, &["import", "-"], &file(&"n".repeat(5_000_000), "id"));
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("apps[0].name: Keep it under 80 characters."), "{}", text(&out.stderr));

    let out = cli::authdeck_with_stdin(&db, &["import", "-"], &file("A", &"i".repeat(20_000)));
    assert!(!out.status.success());
    let message = text(&out.stderr);
    assert!(message.contains("client_id: Keep it under 1024 characters."), "{message}");

    let huge = format!("{{\"version\": 1, \"apps\": [], \"x\": \"{}\"}}", "x".repeat(33 * 1024 * 1024));
    let path = dir.path().join("huge.json");
    std::fs::write(&path, huge).unwrap();
    let out = authdeck(&db, &["import", path.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("larger than 32 MiB"), "{}", text(&out.stderr));
    // Nothing of it was kept.
    assert!(!text(&authdeck(&db, &["list"]).stdout).contains("\tO\t"));
}

#[test]
fn a_cleartext_token_endpoint_is_warned_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let db = oauth_database_with_token_url(dir.path(), "http://tokens.example.test/oauth/token");
    let out = cli::authdeck_with_stdin(&db, &["test", "OAuth", "--timeout", "1"], "");
    let stderr = text(&out.stderr);
    assert!(
        stderr
            .contains("note: Warning: The token endpoint \"Token endpoint\" uses plain http:// to tokens.example.test"),
        "{stderr}"
    );
    assert!(stderr.contains("the client secret, the code and the tokens would travel in clear"), "{stderr}");
}

#[test]
fn duplicate_names_in_an_import_are_reported_not_counted_twice() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let endpoint =
        serde_json::json!({"name": "Me", "purpose": "userinfo", "method": "GET", "url": "https://p.example/me"});
    let file = |apps: serde_json::Value| serde_json::json!({"version": 1, "apps": apps}).to_string();
    let out = cli::authdeck_with_stdin(
        &db,
        &["import", "-"],
        &file(serde_json::json!([{"name": "A", "endpoints": [endpoint, endpoint]}])),
    );
    assert!(!out.status.success());
    let message = text(&out.stderr);
    assert!(
        message.contains("At apps[0].endpoints[1].name: \"Me\" is also the name of apps[0].endpoints[0]"),
        "{message}"
    );
    assert!(message.contains("Nothing was imported"), "{message}");

    let out =
        cli::authdeck_with_stdin(&db, &["import", "-"], &file(serde_json::json!([{"name": "A"}, {"name": " A "}])));
    assert!(text(&out.stderr).contains("At apps[1].name: \"A\" is also the name of apps[0]"), "{}", text(&out.stderr));
}

#[test]
fn sigterm_and_sighup_cancel_a_headless_test_free_the_port_and_record_it() {
    use std::io::BufRead;
    for (signal, code) in [("TERM", 143), ("HUP", 129), ("INT", 130)] {
        let dir = tempfile::tempdir().unwrap();
        let db = oauth_database(dir.path());
        let mut child = isolated::authdeck(&db)
            .args(["test", "OAuth", "--timeout", "60"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
        let mut seen = String::new();
        // Wait (on its output, not a clock) until it listens.
        let port = loop {
            let mut line = String::new();
            assert!(stderr.read_line(&mut line).unwrap() > 0, "authdeck ended early: {seen}");
            seen.push_str(&line);
            if let Some(rest) = line.strip_prefix("Listening for the callback on http://127.0.0.1:") {
                break rest.split('/').next().unwrap().parse::<u16>().unwrap();
            }
        };
        let status = Command::new("kill").arg(format!("-{signal}")).arg(child.id().to_string()).status().unwrap();
        assert!(status.success());
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
        let exit = child.wait().unwrap();
        assert_eq!(exit.code(), Some(code), "SIG{signal}: {seen}{rest}");
        assert!(rest.contains("Cancelling…") && rest.contains("test cancelled"), "SIG{signal}: {rest}");
        std::net::TcpListener::bind(("127.0.0.1", port)).expect("the port is free");
        let list = authdeck(&db, &["list"]);
        assert!(text(&list.stdout).contains("\tcancelled "), "{}", text(&list.stdout));
    }
}
