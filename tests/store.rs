//! The SQLite store: migrations, persistence, file modes, refusing foreign files, concurrent writers.

#[path = "support/isolated.rs"]
mod isolated;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use authdeck::model::transfer;
use authdeck::model::{AuthConfig, AuthKind, Endpoint, EndpointPurpose, EndpointRefs, Grant, OAuth2Config};
use authdeck::store::{ImportError, Store, StoreError};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn migrates_an_empty_file_and_creates_the_first_app() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = isolated::open(&dir.path().join("new.db")).unwrap();
    assert_eq!(store.schema_version().unwrap(), 10);
    let apps = store.apps_or_first().unwrap();
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0].name, "My App");
    let auths = store.authorizations(apps[0].id).unwrap();
    assert_eq!(auths.len(), 1);
    assert_eq!(auths[0].kind(), AuthKind::ApiKey);
}

#[test]
fn reopening_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keep.db");
    {
        let mut store = isolated::open(&path).unwrap();
        let app = store.create_app("Keeper").unwrap();
        let mut endpoint = Endpoint::new_for(EndpointPurpose::UserInfo);
        endpoint.app_id = app.id;
        endpoint.url = "https://api.example.test/me".into();
        let id = store.insert_endpoint(&endpoint).unwrap();
        let mut config = AuthConfig::new_of_kind(AuthKind::Basic);
        config.set_endpoint_ids(None, Some(id));
        store.insert_authorization(app.id, "Basic login", &config).unwrap();
    }
    let store = isolated::open(&path).unwrap();
    let app = store.app_by_name("Keeper").unwrap().unwrap();
    let auths = store.authorizations(app.id).unwrap();
    assert_eq!(auths.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["API-Key", "Basic login"]);
    let endpoints = store.endpoints(app.id).unwrap();
    assert_eq!(auths[1].config.endpoint_ids(), (None, Some(endpoints[0].id)));
    assert_eq!(endpoints[0].url, "https://api.example.test/me");
}

#[test]
fn the_file_and_its_wal_files_are_private() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("private.db");
    let mut store = isolated::open(&path).unwrap();
    store.create_app("Write something").unwrap();
    assert_eq!(mode(&path), 0o600);
    for suffix in ["-wal", "-shm"] {
        let side = dir.path().join(format!("private.db{suffix}"));
        assert!(side.exists(), "{suffix} should exist while open in WAL mode");
        assert_eq!(mode(&side), 0o600, "{suffix}");
    }
}

#[test]
fn a_file_that_is_not_a_database_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    let content = b"These are my notes, not a database.\n".repeat(20);
    std::fs::write(&path, &content).unwrap();
    let err = isolated::open(&path).err().expect("refused");
    assert!(matches!(err, StoreError::NotAuthdeck { .. }), "{err}");
    let message = err.to_string();
    assert!(message.contains("notes.txt") && message.contains("--db"), "{message}");
    assert_eq!(std::fs::read(&path).unwrap(), content);
    assert!(!dir.path().join("notes.txt-wal").exists());
}

#[test]
fn another_programs_database_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE songs (title TEXT); INSERT INTO songs VALUES ('x');").unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let err = isolated::open(&path).err().expect("refused");
    assert!(err.to_string().contains("another program"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn a_newer_schema_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("future.db");
    drop(isolated::open(&path).unwrap());
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let err = isolated::open(&path).err().expect("refused");
    assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{err}");
    assert!(err.to_string().contains("Upgrade authdeck"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn a_folder_that_cannot_be_created_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, b"x").unwrap();
    let err = isolated::open(&blocker.join("sub").join("a.db")).err().expect("refused");
    assert!(matches!(err, StoreError::CreateDir { .. }), "{err}");
    assert!(err.to_string().contains("--db"), "{err}");
}

#[test]
fn two_connections_writing_at_once_both_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.db");
    drop(isolated::open(&path).unwrap());
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut store = isolated::open(&path).unwrap();
                for i in 0..25 {
                    store.create_app(&format!("writer {w} app {i}")).unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    let store = isolated::open(&path).unwrap();
    assert_eq!(store.apps().unwrap().len(), 50);
    // Each app came with its API-Key authorization, in the same transaction.
    assert_eq!(store.authorization_rows(None).unwrap().len(), 50);
}

#[test]
fn a_used_endpoint_cannot_be_deleted() {
    let mut store = Store::open_in_memory().unwrap();
    let app = store.create_app("A").unwrap();
    let mut endpoint = Endpoint::new_for(EndpointPurpose::Token);
    endpoint.app_id = app.id;
    endpoint.url = "https://auth.example.test/token".into();
    let id = store.insert_endpoint(&endpoint).unwrap();
    let mut config = AuthConfig::new_of_kind(AuthKind::OAuth2);
    config.set_endpoint_ids(Some(id), None);
    store.insert_authorization(app.id, "OAuth", &config).unwrap();
    let err = store.delete_endpoint(id).unwrap_err();
    assert!(err.to_string().contains("used by OAuth"), "{err}");
    assert_eq!(store.endpoints(app.id).unwrap().len(), 1);
}

#[test]
fn every_endpoint_an_authorization_refers_to_is_kept_and_protected() {
    let mut store = Store::open_in_memory().unwrap();
    let app = store.create_app("A").unwrap();
    let mut refs = EndpointRefs::default();
    for purpose in EndpointPurpose::ALL.into_iter().filter(|p| *p != EndpointPurpose::Other) {
        let endpoint = Endpoint {
            app_id: app.id,
            name: purpose.label().into(),
            url: "https://auth.example.test/x".into(),
            ..Endpoint::new_for(purpose)
        };
        refs.set(purpose, Some(store.insert_endpoint(&endpoint).unwrap()));
    }
    let mut config = AuthConfig::OAuth2(OAuth2Config {
        grant: Grant::DeviceCode,
        issuer: "https://auth.example.test".into(),
        ..Default::default()
    });
    config.set_endpoint_refs(refs);
    let id = store.insert_authorization(app.id, "OIDC", &config).unwrap();
    let read = store.authorization(id).unwrap();
    assert_eq!(read.config, config, "the grant, the issuer and all six endpoints come back");
    for (purpose, endpoint) in refs.by_purpose() {
        let err = store.delete_endpoint(endpoint.unwrap()).unwrap_err();
        assert!(err.to_string().contains("used by OIDC"), "{purpose:?}: {err}");
    }
}

/// Copies a database and its -wal file while `conn` still has them open (so nothing is checkpointed),
/// as a crash or another running program would leave them.
fn copy_with_wal(from: &Path, to: &Path) {
    std::fs::copy(from, to).unwrap();
    let wal = |p: &Path| p.with_file_name(format!("{}-wal", p.file_name().unwrap().to_str().unwrap()));
    std::fs::copy(wal(from), wal(to)).unwrap();
    assert!(std::fs::metadata(wal(to)).unwrap().len() > 0, "the change should sit in the -wal file");
}

/// The bytes of a database and of its -wal file.
fn files_of(path: &Path) -> (Vec<u8>, Vec<u8>) {
    let wal = path.with_file_name(format!("{}-wal", path.file_name().unwrap().to_str().unwrap()));
    (std::fs::read(path).unwrap(), std::fs::read(wal).expect("the -wal file must not be checkpointed away"))
}

#[test]
fn a_newer_schema_still_in_the_wal_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let original = dir.path().join("original.db");
    let mut store = isolated::open(&original).unwrap();
    store.create_app("Before the upgrade").unwrap();
    drop(store);
    let conn = rusqlite::Connection::open(&original).unwrap();
    conn.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    let path = dir.path().join("future.db");
    copy_with_wal(&original, &path);
    drop(conn);

    let before = files_of(&path);
    let err = isolated::open(&path).err().expect("refused");
    assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{err}");
    assert!(files_of(&path) == before, "the database and its -wal file must be byte-identical");
}

#[test]
fn another_programs_wal_database_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let original = dir.path().join("original.db");
    let conn = rusqlite::Connection::open(&original).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
    conn.execute_batch("CREATE TABLE songs (title TEXT); INSERT INTO songs VALUES ('x');").unwrap();
    let path = dir.path().join("other.db");
    copy_with_wal(&original, &path);
    drop(conn);

    let before = files_of(&path);
    let err = isolated::open(&path).err().expect("refused");
    assert!(err.to_string().contains("another program"), "{err}");
    assert!(files_of(&path) == before, "the database and its -wal file must be byte-identical");
}

#[test]
fn a_damaged_endpoint_row_is_reported_not_defaulted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("damaged.db");
    let mut store = isolated::open(&path).unwrap();
    let app = store.create_app("A").unwrap();
    let mut endpoint = Endpoint::new_for(EndpointPurpose::Token);
    endpoint.app_id = app.id;
    endpoint.url = "https://auth.example.test/token".into();
    let id = store.insert_endpoint(&endpoint).unwrap();
    let other = rusqlite::Connection::open(&path).unwrap();
    let damages = [
        ("purpose", "tok", "an unknown purpose \"tok\""),
        ("method", "FETCH", "an unknown HTTP method \"FETCH\""),
        ("body_kind", "xml", "an unknown body kind \"xml\""),
        ("mapping", "{\"access_token\": ", "an unreadable response mapping"),
        ("mapping", "{\"acess_token\": \"a\"}", "an unreadable response mapping (unknown field `acess_token`"),
    ];
    for (column, damage, expected) in damages {
        let sound: String =
            other.query_row(&format!("SELECT {column} FROM endpoints WHERE id = ?1"), [id], |r| r.get(0)).unwrap();
        other
            .execute(&format!("UPDATE endpoints SET {column} = ?1 WHERE id = ?2"), rusqlite::params![damage, id])
            .unwrap();
        for err in [store.endpoints(app.id).unwrap_err(), store.endpoint(id).unwrap_err()] {
            assert!(matches!(err, StoreError::Corrupt(_)), "{column}: {err}");
            let message = err.to_string();
            assert!(message.contains(&format!("endpoint {id} \"Token endpoint\" has {expected}")), "{message}");
        }
        other
            .execute(&format!("UPDATE endpoints SET {column} = ?1 WHERE id = ?2"), rusqlite::params![sound, id])
            .unwrap();
        assert_eq!(store.endpoint(id).unwrap().purpose, EndpointPurpose::Token);
    }
}

const IMPORT: &str = r#"{"version": 1, "apps": [{"name": "Imported", "endpoints": [
    {"name": "Me", "purpose": "userinfo", "method": "GET", "url": "https://api.example.test/me"}],
  "authorizations": [{"kind": "basic", "name": "Login", "username_label": "User", "password_label": "Pass",
    "userinfo_endpoint": "Me"}]}]}"#;

#[test]
fn an_import_error_is_typed_and_says_where() {
    let mut store = Store::open_in_memory().unwrap();
    let file =
        transfer::parse(&IMPORT.replace(r#""userinfo_endpoint": "Me""#, r#""userinfo_endpoint": "You""#)).unwrap();
    match store.import(&file) {
        Err(ImportError::Invalid { path, message }) => {
            assert_eq!(path, "apps[0].authorizations[0].userinfo_endpoint");
            assert!(message.contains("no endpoint named \"You\""), "{message}");
        }
        other => panic!("expected ImportError::Invalid, got {other:?}"),
    }
    assert!(store.app_by_name("Imported").unwrap().is_none(), "nothing was imported");
}

#[test]
fn a_second_import_updates_endpoints_and_authorizations_in_place() {
    let mut store = Store::open_in_memory().unwrap();
    store.import(&transfer::parse(IMPORT).unwrap()).unwrap();
    let app = store.app_by_name("Imported").unwrap().unwrap();
    let (endpoint, authorization) = (store.endpoints(app.id).unwrap(), store.authorizations(app.id).unwrap());

    let changed = IMPORT.replace("/me", "/v2/me").replace(r#""User""#, r#""Email""#);
    let summary = store.import(&transfer::parse(&changed).unwrap()).unwrap();
    assert_eq!((summary.apps, summary.endpoints, summary.authorizations), (1, 1, 1));
    let endpoints = store.endpoints(app.id).unwrap();
    assert_eq!((endpoints.len(), endpoints[0].id), (1, endpoint[0].id));
    assert_eq!(endpoints[0].url, "https://api.example.test/v2/me");
    let authorizations = store.authorizations(app.id).unwrap();
    assert_eq!((authorizations.len(), authorizations[0].id), (1, authorization[0].id));
    let AuthConfig::Basic(basic) = &authorizations[0].config else { panic!("still Basic") };
    assert_eq!(basic.username_label, "Email");
    assert_eq!(basic.userinfo_endpoint, Some(endpoint[0].id));
}

#[test]
fn a_new_database_is_a_wal_database_and_lists_endpoints_as_sqlite_orders_names() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("order.db");
    let mut store = isolated::open(&path).unwrap();
    let app = store.apps_or_first().unwrap().remove(0);
    let names = ["beta", "Alpha", "alpha", "Émile", "émile", "_under", "Zed", "zed 2", "a", "ALPHA"];
    for name in names {
        let mut endpoint = Endpoint::new_for(EndpointPurpose::Other);
        endpoint.app_id = app.id;
        endpoint.name = name.into();
        store.insert_endpoint(&endpoint).unwrap();
    }
    let listed: Vec<String> = store.endpoints(app.id).unwrap().into_iter().map(|e| e.name).collect();
    // SQLite's own NOCASE order, ties by id (the order they were made in).
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mut stmt = conn.prepare("SELECT name FROM endpoints ORDER BY name COLLATE NOCASE, id").unwrap();
    let expected: Vec<String> = stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    assert_eq!(listed, expected);
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
}
