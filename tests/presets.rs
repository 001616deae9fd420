//! The provider presets compiled in from assets/presets/: each reads, cites its documentation,
//! asks what it needs, and adds a valid authorization and endpoints to an app.

use std::collections::BTreeMap;

use authdeck::model::preset;
use authdeck::model::transfer::AuthorizationExport;
use authdeck::model::{AuthConfig, EndpointPurpose};
use authdeck::store::Store;

/// The answers a preset's questions get in these tests: the example, else the default.
fn sample_answers(p: &preset::Preset) -> BTreeMap<String, String> {
    p.params
        .iter()
        .filter_map(|q| q.example.clone().or_else(|| q.default.clone()).map(|a| (q.name.clone(), a)))
        .collect()
}

#[test]
fn every_file_in_assets_presets_is_compiled_in() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets").join("presets");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let compiled: Vec<&str> = preset::names().collect();
    assert_eq!(files, compiled, "list every file of assets/presets in model::preset::FILES, in order");
    assert!(compiled.len() >= 25, "{compiled:?}");
}

#[test]
fn every_preset_applies_into_an_app_and_validates() {
    for p in preset::all().unwrap() {
        let name = &p.name;
        assert!(!p.docs.is_empty() && p.docs.iter().all(|d| d.starts_with("https://")), "{name} cites its docs");
        assert!(!p.notes.is_empty(), "{name} has notes");
        let applied =
            p.apply(&sample_answers(&p), "http://127.0.0.1:8976/callback").unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert!(applied.notes.iter().all(|n| !n.contains("${")), "{name}: {:?}", applied.notes);
        let mut store = Store::open_in_memory().unwrap();
        let app = store.create_app("Presets").unwrap();
        let added = store
            .add_preset(app.id, &applied, "test-client-id", Some("fake-secret-1"))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        for endpoint in store.endpoints(app.id).unwrap() {
            assert_eq!(endpoint.validate(), [], "{name}: {}", endpoint.name);
            assert!(!endpoint.url.contains("${"), "{name}: {}", endpoint.url);
        }
        let auth = store.authorization(added.authorization_id).unwrap();
        assert_eq!(auth.config.validate(), [], "{name}");
        let AuthConfig::OAuth2(c) = &auth.config else { panic!("{name} is OAuth 2.0") };
        let token = store.endpoint(c.token_endpoint.unwrap()).unwrap();
        assert_eq!(token.purpose, EndpointPurpose::Token, "{name}");
        let userinfo = store.endpoint(c.userinfo_endpoint.expect("a user information endpoint")).unwrap();
        assert_eq!(userinfo.purpose, EndpointPurpose::UserInfo, "{name}");
        assert!(!c.authorization_uri.contains("${"), "{name}: {}", c.authorization_uri);
    }
}

#[test]
fn presets_carry_no_secret_and_a_client_id_to_replace() {
    for p in preset::all().unwrap() {
        let AuthorizationExport::OAuth2(a) = &p.authorization else { panic!("{}", p.name) };
        assert_eq!(a.client_secret, None, "{}: a preset never carries a secret", p.name);
        assert_eq!(a.client_id, "replace-with-your-client-id", "{}", p.name);
    }
}

#[test]
fn a_preset_that_needs_an_answer_says_so() {
    let shopify = preset::find("shopify").unwrap();
    let problems = shopify.apply(&BTreeMap::new(), "http://127.0.0.1:8976/callback").unwrap_err();
    assert_eq!(problems.len(), 1);
    assert!(problems[0].starts_with("Shop is needed"), "{problems:?}");
    let microsoft = preset::find("microsoft").unwrap();
    let applied = microsoft.apply(&BTreeMap::new(), "http://127.0.0.1:8976/callback").unwrap();
    assert!(
        applied.endpoints[0].url.contains("/common/oauth2/v2.0/token"),
        "the default tenant: {}",
        applied.endpoints[0].url
    );
}
