//! The provider presets in assets/presets/ are valid export files that import cleanly.

use authdeck::model::AuthConfig;
use authdeck::model::transfer;
use authdeck::store::Store;

#[test]
fn every_preset_imports_into_an_empty_database() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets").join("presets");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let file = transfer::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut store = Store::open_in_memory().unwrap();
        store.import(&file).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for app in store.apps().unwrap() {
            for endpoint in store.endpoints(app.id).unwrap() {
                assert_eq!(endpoint.validate(), [], "{}: {}", path.display(), endpoint.name);
            }
            for auth in store.authorizations(app.id).unwrap() {
                let AuthConfig::OAuth2(c) = &auth.config else { continue };
                assert!(c.token_endpoint.is_some() && c.userinfo_endpoint.is_some(), "{}", path.display());
                assert!(c.client_secret.is_empty(), "a preset never carries a secret");
            }
        }
        seen += 1;
    }
    assert!(seen >= 2, "presets found: {seen}");
}
