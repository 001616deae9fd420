//! Hardening of the command line, run as an attacker and a busy user would: hostile text never
//! reaches the terminal raw, templates can't hang an import, standard input that isn't UTF-8 is
//! refused line by line, file modes are never widened.

#[path = "support/cli.rs"]
mod cli;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

fn authdeck(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_authdeck")).arg("--db").arg(db).args(args).output().expect("run authdeck")
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
    use authdeck::model::{AuthConfig, Endpoint, EndpointPurpose, OAuth2Config};
    let db = dir.join("a.db");
    let mut store = authdeck::store::Store::open(&db).unwrap();
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
