//! kill -9 during writes, again and again: after each kill the database passes SQLite's integrity
//! check, and the import that was killed is there whole or not at all, its secrets readable.
//! (The delays are the test's point — when the kill lands — not waits for work to finish.)

use std::process::{Command, Stdio};
use std::time::Duration;

use authdeck::model::AuthConfig;
use authdeck::store::{KeySource, Store};

const APPS: usize = 300;
const KILLS: usize = 25;

fn import_file(batch: usize) -> String {
    let apps: Vec<_> = (0..APPS)
        .map(|i| {
            serde_json::json!({
                "name": format!("Batch {batch} app {i}"),
                "endpoints": [
                    {"name": "T", "purpose": "token", "method": "POST", "url": "https://p.example/token"},
                    {"name": "U", "purpose": "userinfo", "method": "GET", "url": "https://p.example/me"}
                ],
                "authorizations": [{
                    "kind": "oauth2", "name": "O", "client_id": "id", "client_secret": format!("cs-crash-{batch}-{i}"),
                    "authorization_uri": "https://p.example/auth", "token_endpoint": "T", "userinfo_endpoint": "U",
                    "redirect_uri": "http://127.0.0.1:8976/callback"
                }]
            })
        })
        .collect();
    serde_json::json!({"version": 1, "apps": apps}).to_string()
}

#[test]
fn kill_9_during_imports_leaves_each_whole_or_absent() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    let keys = dir.path().join("keys");
    let mut whole = 0;
    for batch in 0..KILLS {
        let file = dir.path().join(format!("batch-{batch}.json"));
        std::fs::write(&file, import_file(batch)).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_authdeck"))
            .arg("--db")
            .arg(&db)
            .arg("import")
            .arg(&file)
            .env("AUTHDECK_KEY_DIR", &keys)
            .env("XDG_DATA_HOME", dir.path().join("data"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // When the kill lands, from right at the start to well past the end of a debug build's
        // import: a deliberate delay that picks the moment, not a wait for work to finish —
        // every assertion below holds wherever it lands (whole or absent), and the last import
        // is left to finish, so at least one is whole however slow the machine.
        if batch + 1 < KILLS {
            std::thread::sleep(Duration::from_millis((batch * 9) as u64));
            let _ = child.kill(); // SIGKILL
        }
        let _ = child.wait();

        let store = Store::open_with_keys(&db, KeySource::dir(&keys)).expect("the database opens after a kill");
        drop(store);
        let raw = rusqlite::Connection::open(&db).unwrap();
        let check: String = raw.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(check, "ok", "after the kill of batch {batch}");
        let count = |sql: &str| -> usize {
            raw.query_row(sql, [format!("Batch {batch} app %")], |r| r.get::<_, i64>(0)).unwrap() as usize
        };
        let apps = count("SELECT count(*) FROM apps WHERE name LIKE ?1");
        let authorizations = count(
            "SELECT count(*) FROM authorizations a JOIN apps p ON p.id = a.app_id WHERE p.name LIKE ?1 AND a.kind = 'oauth2'",
        );
        let endpoints = count("SELECT count(*) FROM endpoints e JOIN apps p ON p.id = e.app_id WHERE p.name LIKE ?1");
        assert!(
            (apps, authorizations, endpoints) == (0, 0, 0)
                || (apps, authorizations, endpoints) == (APPS, APPS, 2 * APPS),
            "batch {batch} is partly there: {apps} apps, {authorizations} authorizations, {endpoints} endpoints"
        );
        if apps == APPS {
            whole += 1;
        }
    }
    assert!(whole > 0, "the last import, not killed, is whole");
    // Every secret that made it is readable: no key file was lost to a kill.
    let store = Store::open_with_keys(&db, KeySource::dir(&keys)).unwrap();
    assert!(store.unreadable_secrets().unwrap().is_empty());
    let app = store.apps().unwrap().into_iter().find(|a| a.name.ends_with(" app 7")).expect("one import finished");
    let AuthConfig::OAuth2(c) = &store.authorizations(app.id).unwrap()[0].config else { panic!() };
    assert!(c.client_secret.starts_with("cs-crash-"), "{}", c.client_secret);
}
