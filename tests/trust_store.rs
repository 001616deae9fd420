//! Secrets at rest: the database file alone reveals none (grepped for every secret stored), an
//! older database's plaintext secrets are sealed when it is opened, a lost key names what can't be
//! read and everything else works, export and import move secrets between machines, and a backup
//! taken while authdeck runs is consistent.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use authdeck::flow::{FlowKind, FlowReport, Identity, RunOutcome, Tokens};
use authdeck::model::redact::Sensitive;
use authdeck::model::{AuthConfig, AuthKind, ClientAuth, Endpoint, EndpointPurpose, OAuth2Config};
use authdeck::store::{KeySource, Store};

const CLIENT_SECRET: &str = "cs-fake-sealed-client-secret";
const ACCESS: &str = "at-fake-sealed-access-token";
const REFRESH: &str = "rt-fake-sealed-refresh-token";
const ID_TOKEN: &str = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJmYWtlLXNlYWxlZCJ9.fake-sealed-id-token";

struct Place {
    dir: tempfile::TempDir,
}

impl Place {
    fn new() -> Place {
        Place { dir: tempfile::tempdir().unwrap() }
    }
    fn db(&self) -> PathBuf {
        self.dir.path().join("a.db")
    }
    fn keys(&self) -> PathBuf {
        self.dir.path().join("keys")
    }
    fn open(&self) -> Store {
        Store::open_with_keys(&self.db(), KeySource::dir(self.keys())).unwrap()
    }
    /// The binary on this database, its keys in this place.
    fn authdeck(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_authdeck"))
            .arg("--db")
            .arg(self.db())
            .args(args)
            .env("AUTHDECK_KEY_DIR", self.keys())
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env_remove("AUTHDECK_PASSPHRASE")
            .output()
            .unwrap()
    }
    /// The binary with extra environment variables.
    fn authdeck_with(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_authdeck"))
            .arg("--db")
            .arg(self.db())
            .args(args)
            .env("AUTHDECK_KEY_DIR", self.keys())
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env_remove("AUTHDECK_PASSPHRASE")
            .envs(env.iter().copied())
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    }
    /// Every byte of the database and its side files.
    fn bytes(&self) -> Vec<u8> {
        let mut all = Vec::new();
        for suffix in ["", "-wal", "-shm", "-journal"] {
            if let Ok(bytes) = std::fs::read(format!("{}{suffix}", self.db().display())) {
                all.extend(bytes);
            }
        }
        all
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// An OAuth 2.0 authorization with a secret, and a saved connection with both tokens.
fn fill(store: &mut Store) -> (i64, i64) {
    let app = store.create_app("Sealed").unwrap();
    let token =
        Endpoint { app_id: app.id, url: "https://p.example/token".into(), ..Endpoint::new_for(EndpointPurpose::Token) };
    let token_id = store.insert_endpoint(&token).unwrap();
    let config = AuthConfig::OAuth2(OAuth2Config {
        client_id: "cid".into(),
        client_secret: CLIENT_SECRET.into(),
        authorization_uri: "https://p.example/auth".into(),
        token_endpoint: Some(token_id),
        client_auth: ClientAuth::BasicHeader,
        ..Default::default()
    });
    let auth = store.insert_authorization(app.id, "OAuth", &config).unwrap();
    let tokens = Tokens {
        access_token: Sensitive::new(ACCESS.into()),
        refresh_token: Some(Sensitive::new(REFRESH.into())),
        id_token: Some(Sensitive::new(ID_TOKEN.into())),
        token_type: Some("Bearer".into()),
        expires_at: None,
        scopes: "read".into(),
        dpop_key: None,
        refresh_expires_at: None,
        issued_at: None,
    };
    let mut report = FlowReport {
        authorization_id: auth,
        auth_kind: AuthKind::OAuth2,
        kind: FlowKind::Test,
        outcome: RunOutcome::Ok,
        message: "Connected as Ann.".into(),
        started_at: 1_800_000_000,
        finished_at: 1_800_000_001,
        steps: vec![],
        identity: Some(Identity { id: Some("u1".into()), name: Some("Ann".into()), email: None }),
        grant: Some(tokens.summary()),
        tokens: Some(tokens),
        grant_type: None,
        introspection: None,
        observed: Default::default(),
        on_connection: None,
        connection_status: None,
        kept: Vec::new(),
    };
    let connection = store.record_flow(&mut report).unwrap().connection_id.unwrap();
    (auth, connection)
}

#[test]
fn the_database_file_alone_reveals_no_secret() {
    let place = Place::new();
    let mut store = place.open();
    let (auth, connection) = fill(&mut store);
    // Read back through the store: the secrets are there.
    let AuthConfig::OAuth2(c) = store.authorization(auth).unwrap().config else { panic!() };
    assert_eq!(c.client_secret, CLIENT_SECRET);
    let saved = store.connection(connection).unwrap();
    assert_eq!(saved.tokens.access_token.reveal(), ACCESS);
    assert_eq!(saved.tokens.refresh_token.unwrap().reveal(), REFRESH);
    assert_eq!(saved.tokens.id_token.unwrap().reveal(), ID_TOKEN);
    // In the files, while open (the WAL) and after closing: none of them.
    for when in ["open", "closed"] {
        let bytes = place.bytes();
        assert!(!bytes.is_empty());
        for secret in [CLIENT_SECRET, ACCESS, REFRESH, ID_TOKEN] {
            assert!(!contains(&bytes, secret), "{secret} is in the database files ({when})");
        }
        assert!(contains(&bytes, "Sealed") && contains(&bytes, "https://p.example/auth"), "the rest stays plain");
        if when == "open" {
            drop(std::mem::replace(&mut store, Store::open_in_memory().unwrap()));
        }
    }
    // The key is in a file of its own, owner-only.
    use std::os::unix::fs::PermissionsExt;
    let keys: Vec<_> = std::fs::read_dir(place.keys()).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert_eq!(std::fs::metadata(&keys[0]).unwrap().permissions().mode() & 0o777, 0o600);
}

#[test]
fn plaintext_secrets_of_an_older_database_are_sealed_when_it_is_opened() {
    let place = Place::new();
    let mut store = place.open();
    let (auth, connection) = fill(&mut store);
    drop(store);
    // As an authdeck from before sealing left them: in clear.
    let raw = rusqlite::Connection::open(place.db()).unwrap();
    raw.execute(
        "UPDATE connections SET access_token = ?1, refresh_token = ?2, id_token = ?3",
        [ACCESS, REFRESH, ID_TOKEN],
    )
    .unwrap();
    raw.execute(
        "UPDATE authorizations SET config = json_remove(json_set(config, '$.client_secret', ?1), '$.client_secret_sealed')
         WHERE kind = 'oauth2'",
        [CLIENT_SECRET],
    )
    .unwrap();
    raw.execute("DELETE FROM seal_keys", []).unwrap();
    drop(raw);
    std::fs::remove_dir_all(place.keys()).unwrap();
    assert!(contains(&place.bytes(), ACCESS) && contains(&place.bytes(), CLIENT_SECRET));

    let store = place.open();
    for secret in [CLIENT_SECRET, ACCESS, REFRESH, ID_TOKEN] {
        assert!(!contains(&place.bytes(), secret), "{secret} left in clear");
    }
    let AuthConfig::OAuth2(c) = store.authorization(auth).unwrap().config else { panic!() };
    assert_eq!(c.client_secret, CLIENT_SECRET);
    assert_eq!(store.connection(connection).unwrap().tokens.access_token.reveal(), ACCESS);
    assert!(store.unreadable_secrets().unwrap().is_empty());
}

#[test]
fn a_lost_key_names_what_is_unreadable_and_everything_else_works() {
    let place = Place::new();
    let mut store = place.open();
    let (auth, _) = fill(&mut store);
    drop(store);
    std::fs::remove_dir_all(place.keys()).unwrap();

    let out = place.authdeck(&["list"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("2 secret(s) in this database can't be read here; everything else works."), "{stderr}");
    assert!(stderr.contains("the client secret of \"OAuth\" (app \"Sealed\"): enter it again"), "{stderr}");
    assert!(stderr.contains("the tokens of connection 1 (\"OAuth\", Ann): test the authorization again"), "{stderr}");
    assert!(stderr.contains("there is no key file") && stderr.contains("copy it to"), "{stderr}");
    assert!(text(&out.stdout).contains("\tOAuth\t"), "the rest is listed");

    // Re-entering the secret works, under a new key; the tokens stay listed until tested again.
    let mut store = place.open();
    let mut authorization = store.authorization(auth).unwrap();
    let AuthConfig::OAuth2(c) = &mut authorization.config else { panic!() };
    assert_eq!(c.client_secret, "", "unreadable reads as empty, never as sealed text");
    c.client_secret = "cs-entered-again".into();
    store.update_authorization(auth, "OAuth", &authorization.config).unwrap();
    let unreadable = store.unreadable_secrets().unwrap();
    assert_eq!(unreadable.len(), 1, "{unreadable:?}");
    assert!(unreadable[0].what.starts_with("the tokens of connection"));
    drop(store);
    let AuthConfig::OAuth2(c) = place.open().authorization(auth).unwrap().config else { panic!() };
    assert_eq!(c.client_secret, "cs-entered-again");
}

#[test]
fn export_with_secrets_is_in_clear_and_imports_on_another_machine() {
    let here = Place::new();
    let mut store = here.open();
    fill(&mut store);
    drop(store);
    let file = here.dir.path().join("export.json");
    let out = here.authdeck(&["export", "--include-secrets", "-o", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("holds the client secrets in clear"), "{}", text(&out.stderr));
    assert!(std::fs::read_to_string(&file).unwrap().contains(CLIENT_SECRET));

    // Another machine: another database, another key folder.
    let there = Place::new();
    let out = there.authdeck(&["import", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!contains(&there.bytes(), CLIENT_SECRET));
    let exported = there.authdeck(&["export", "--include-secrets"]);
    assert!(text(&exported.stdout).contains(CLIENT_SECRET), "readable there with its own key");
    // An export without secrets re-imported keeps the stored (sealed) secret.
    let plain = there.authdeck(&["export"]);
    assert!(!text(&plain.stdout).contains(CLIENT_SECRET));
    let out = cli_import(&there.db(), &there.keys(), &text(&plain.stdout));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&there.authdeck(&["export", "--include-secrets"]).stdout).contains(CLIENT_SECRET));
}

fn cli_import(db: &Path, keys: &Path, file: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_authdeck"))
        .arg("--db")
        .arg(db)
        .args(["import", "-"])
        .env("AUTHDECK_KEY_DIR", keys)
        .env("XDG_DATA_HOME", keys.with_file_name("data"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(file.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn a_backup_while_authdeck_runs_holds_what_the_wal_holds() {
    use std::os::unix::fs::PermissionsExt;
    let place = Place::new();
    let mut running = place.open();
    fill(&mut running);
    running.create_app("Only in the WAL so far").unwrap();
    assert!(std::path::Path::new(&format!("{}-wal", place.db().display())).exists());

    let backup = place.dir.path().join("backup.db");
    let out = place.authdeck(&["backup", backup.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("the key file in"), "{}", text(&out.stderr));
    assert_eq!(std::fs::metadata(&backup).unwrap().permissions().mode() & 0o777, 0o600);
    let copy = Store::open_with_keys(&backup, KeySource::dir(place.keys())).unwrap();
    assert!(copy.app_by_name("Only in the WAL so far").unwrap().is_some());
    let bytes = std::fs::read(&backup).unwrap();
    assert!(!contains(&bytes, CLIENT_SECRET) && !contains(&bytes, ACCESS), "still sealed");
    let again = place.authdeck(&["backup", backup.to_str().unwrap()]);
    assert!(!again.status.success() && text(&again.stderr).contains("exists already"));
    drop(running);
}

#[test]
fn a_result_that_cannot_be_saved_is_kept_sealed_and_saved_at_the_next_start() {
    use authdeck::store::RecordOutcome;
    let place = Place::new();
    let mut store = place.open();
    let (auth, _) = fill(&mut store);
    // The database refuses the write (as a full disk or a damaged file would).
    rusqlite::Connection::open(place.db())
        .unwrap()
        .execute_batch(
            "CREATE TRIGGER refuse BEFORE INSERT ON test_runs BEGIN SELECT RAISE(ABORT, 'disk full (simulated)'); END;",
        )
        .unwrap();
    let mut report = FlowReport {
        authorization_id: auth,
        auth_kind: AuthKind::OAuth2,
        kind: FlowKind::Test,
        outcome: RunOutcome::Ok,
        message: "Connected as Bob.".into(),
        started_at: 1_800_000_100,
        finished_at: 1_800_000_101,
        steps: vec![],
        identity: Some(Identity { id: Some("u2".into()), name: Some("Bob".into()), email: None }),
        grant: None,
        tokens: Some(Tokens {
            access_token: Sensitive::new("at-kept-while-the-disk-was-full".into()),
            refresh_token: None,
            id_token: None,
            token_type: None,
            expires_at: None,
            scopes: String::new(),
            dpop_key: None,
            refresh_expires_at: None,
            issued_at: None,
        }),
        grant_type: None,
        introspection: None,
        observed: Default::default(),
        on_connection: None,
        connection_status: None,
        kept: Vec::new(),
    };
    let outcome = store.record_flow_or_keep(&mut report);
    let RecordOutcome::Kept { path, .. } = &outcome else { panic!("{outcome:?}") };
    let message = outcome.message().unwrap();
    assert!(message.contains("disk full (simulated)") && message.contains("will be saved the next time"), "{message}");
    let kept = std::fs::read_to_string(path).unwrap();
    assert!(kept.contains("Connected as Bob.") && !kept.contains("at-kept-while-the-disk-was-full"), "{kept}");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(path).unwrap().permissions().mode() & 0o777, 0o600);
    drop(store);

    rusqlite::Connection::open(place.db()).unwrap().execute_batch("DROP TRIGGER refuse;").unwrap();
    let mut store = place.open();
    let notices = store.take_notices();
    assert!(notices.iter().any(|n| n.contains("Saved the result of a test that finished while")), "{notices:?}");
    assert!(!path.exists(), "the kept file goes once saved");
    let app = store.app_by_name("Sealed").unwrap().unwrap();
    let saved = store.connections(app.id).unwrap();
    assert!(
        saved.iter().any(|c| c.tokens.access_token.reveal() == "at-kept-while-the-disk-was-full"),
        "the tokens were saved"
    );
}

#[test]
fn a_passphrase_can_be_put_on_the_key_and_taken_off() {
    let place = Place::new();
    let mut store = place.open();
    fill(&mut store);
    drop(store);
    let status = place.authdeck(&["key"]);
    assert!(text(&status.stdout).contains("(here, not protected by a passphrase)"), "{}", text(&status.stdout));

    let out = place.authdeck_with(&["key", "protect"], &[("AUTHDECK_NEW_PASSPHRASE", "correct horse battery")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("is now protected by the passphrase"), "{}", text(&out.stderr));
    let key_file = std::fs::read_dir(place.keys()).unwrap().next().unwrap().unwrap().path();
    assert!(std::fs::read_to_string(&key_file).unwrap().contains("argon2id:"));

    // Without the passphrase (no terminal to ask on) the secrets can't be read, and it says how.
    let out = place.authdeck(&["list"]);
    assert!(out.status.success(), "everything else works: {}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("is here but locked") && stderr.contains("set AUTHDECK_PASSPHRASE"), "{stderr}");
    assert!(stderr.contains("give the key's passphrase") && !stderr.contains("copy it to"), "{stderr}");
    assert!(text(&place.authdeck(&["key"]).stdout).contains("(LOCKED: "), "authdeck key says it too");
    let with = [("AUTHDECK_PASSPHRASE", "correct horse battery")];
    let export = place.authdeck_with(&["export", "--include-secrets"], &with);
    assert!(text(&export.stdout).contains(CLIENT_SECRET), "{}", text(&export.stderr));
    // No new secret is sealed under a key of its own behind the user's back meanwhile.
    let file = here_export(&place);
    let refused = place.authdeck_with(&["import", file.to_str().unwrap()], &[]);
    assert!(!refused.status.success());
    assert!(text(&refused.stderr).contains("protected by a passphrase that wasn't given"), "{}", text(&refused.stderr));
    let wrong = place.authdeck_with(&["list"], &[("AUTHDECK_PASSPHRASE", "wrong horse")]);
    assert!(
        text(&wrong.stderr).contains("the passphrase is not the one it was protected with"),
        "{}",
        text(&wrong.stderr)
    );

    let out = place.authdeck_with(&["key", "unprotect"], &with);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!std::fs::read_to_string(&key_file).unwrap().contains("argon2id:"));
    assert!(text(&place.authdeck(&["export", "--include-secrets"]).stdout).contains(CLIENT_SECRET));
}

/// A small export with a client secret of its own, written beside the database.
fn here_export(place: &Place) -> PathBuf {
    let file = place.dir.path().join("new-secret.json");
    let text = serde_json::json!({"version": 1, "apps": [{"name": "More", "endpoints": [
        {"name": "T", "purpose": "token", "method": "POST", "url": "https://p.example/token"}],
        "authorizations": [{"kind": "oauth2", "name": "O2", "client_id": "id", "client_secret": "cs-while-locked",
            "authorization_uri": "https://p.example/auth", "token_endpoint": "T",
            "redirect_uri": "http://127.0.0.1:8976/callback"}]}]});
    std::fs::write(&file, text.to_string()).unwrap();
    file
}
