//! "Two authdecks on one file wait for each other": several `authdeck import` processes write one
//! database at once, for a while, and not one fails nor loses a row.

#[path = "support/isolated.rs"]
mod isolated;

use std::sync::{Arc, Barrier};

const WRITERS: usize = 4;
const IMPORTS_EACH: usize = 8;

/// An export file with an app of its own and one endpoint more in the app all files share, so
/// every import both creates rows and updates rows the others update too.
fn import_file(writer: usize, round: usize) -> String {
    let endpoint = serde_json::json!({
        "name": format!("e-{writer}-{round}"), "purpose": "other", "method": "GET",
        "url": "https://api.example.test/ping", "headers": [], "body_kind": "form", "body": "",
        "response": {}
    });
    serde_json::json!({
        "version": 1,
        "apps": [
            {"name": format!("App {writer}-{round}"), "description": "", "endpoints": [], "authorizations": []},
            {"name": "Shared", "description": "every writer adds here", "endpoints": [endpoint], "authorizations": []}
        ]
    })
    .to_string()
}

#[test]
fn concurrent_imports_wait_for_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shared.db");
    isolated::open(&db).unwrap();
    let start = Arc::new(Barrier::new(WRITERS));
    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let (db, dir, start) = (db.clone(), dir.path().to_owned(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                let mut failures = Vec::new();
                for round in 0..IMPORTS_EACH {
                    let file = dir.join(format!("import-{writer}-{round}.json"));
                    std::fs::write(&file, import_file(writer, round)).unwrap();
                    let out = isolated::authdeck(&db).arg("import").arg(&file).output().unwrap();
                    if !out.status.success() {
                        failures.push(String::from_utf8_lossy(&out.stderr).into_owned());
                    }
                }
                failures
            })
        })
        .collect();
    let failures: Vec<String> = writers.into_iter().flat_map(|w| w.join().unwrap()).collect();
    assert!(failures.is_empty(), "{} of {} imports failed: {failures:?}", failures.len(), WRITERS * IMPORTS_EACH);

    let store = isolated::open(&db).unwrap();
    let apps = store.apps().unwrap();
    let own = apps.iter().filter(|a| a.name.starts_with("App ")).count();
    assert_eq!(own, WRITERS * IMPORTS_EACH, "every import's own app is there");
    let shared = store.app_by_name("Shared").unwrap().expect("the shared app");
    assert_eq!(store.endpoints(shared.id).unwrap().len(), WRITERS * IMPORTS_EACH, "no endpoint lost");
}
