//! Property tests of everything that reads outside input: the paste parser, the callback query
//! parser, template checking and rendering under their limits, and the import file reader. Each
//! runs on arbitrary and on adversarially shaped input: no panic, and the limits hold (time is
//! bounded by construction — no loops in templates, fuel, size caps — and measured in the notes,
//! never asserted here).

use std::collections::BTreeMap;

use authdeck::flow::{CallbackParams, CallbackSource, parse_paste};
use authdeck::model::template::{self, MAX_OUTPUT_LEN, Variables};
use authdeck::model::transfer;
use authdeck::store::Store;
use proptest::prelude::*;

const REDIRECT: &str = "http://127.0.0.1:8976/callback";

fn config() -> ProptestConfig {
    // Deterministic: the same cases on every run and machine (failures are reproducible).
    // PROPTEST_CASES=50000 runs more by hand.
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(512);
    ProptestConfig {
        cases,
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(10),
        ..ProptestConfig::default()
    }
}

/// Text made of the pieces the parsers care about, so the cases hit their branches.
fn shaped(pieces: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::collection::vec(prop_oneof![prop::sample::select(pieces).prop_map(str::to_owned), any::<String>()], 0..24)
        .prop_map(|parts| parts.concat())
}

const URL_PIECES: &[&str] = &[
    "http://",
    "https://",
    "127.0.0.1:8976",
    "/callback",
    "?",
    "#",
    "&",
    "=",
    "code",
    "state",
    "error",
    "error_description",
    "%",
    "%00",
    "%1b",
    "%zz",
    "+",
    " ",
    "\n",
    "\u{1b}]52;",
    "://",
    "localhost",
    "[::1]",
    "com.example.app:/",
    "ab",
    "code=",
    "state=",
];

proptest! {
    #![proptest_config(config())]

    #[test]
    fn the_paste_parser_never_panics(text in shaped(URL_PIECES)) {
        match parse_paste(&text, REDIRECT) {
            Ok(params) => prop_assert!(params.code.is_some() || params.error.is_some()),
            Err(message) => prop_assert!(message.contains("Paste the whole address")),
        }
    }

    #[test]
    fn the_callback_query_parser_never_panics_and_reads_what_was_encoded(
        noise in shaped(URL_PIECES),
        code in "[ -~]{1,64}",
        state in any::<String>(),
    ) {
        let _ = CallbackParams::from_query(&noise, CallbackSource::Listener);
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("state", &state)
            .append_pair("code", &code)
            .finish();
        let params = CallbackParams::from_query(&format!("{query}&{noise}"), CallbackSource::Listener);
        // A later `code` or `state` in the noise may win; the parse never fails or panics.
        prop_assert!(params.is_some());
    }
}

const TEMPLATE_PIECES: &[&str] = &[
    "{{",
    "}}",
    "{%",
    "%}",
    "{#",
    "#}",
    " for ",
    " in ",
    " endfor ",
    " if ",
    " else ",
    " endif ",
    " set ",
    "=",
    "code",
    "client_id",
    "scopes",
    "|",
    "urlencode",
    "trim",
    "default(",
    ")",
    "(",
    "range(",
    "*",
    "**",
    "~",
    "+",
    "99999999",
    "'",
    "\"",
    "[",
    "]",
    ":",
    ".",
    "loop",
    "macro",
    "include",
    "raw",
    "endraw",
    "-",
    "not ",
    " and ",
];

proptest! {
    #![proptest_config(config())]

    #[test]
    fn templates_check_and_render_within_their_limits(text in shaped(TEMPLATE_PIECES), value in "[a-z]{0,64}") {
        let checked = template::check(&text, Variables::ALL);
        let vars: BTreeMap<&str, String> = Variables::ALL.iter().map(|v| (*v, value.clone())).collect();
        match template::render(&text, &vars) {
            Ok(out) => {
                prop_assert!(out.len() <= MAX_OUTPUT_LEN);
                // What renders has passed the same shape check as saving does.
                prop_assert!(checked.is_ok() || checked.as_ref().is_err_and(|e| e.contains("Unknown variable")));
            }
            Err(message) => prop_assert!(!message.is_empty()),
        }
    }

    #[test]
    fn nested_loops_are_always_refused(depth in 1usize..6, var in prop::sample::select(Variables::ALL)) {
        let open: String = (0..depth).map(|i| format!("{{% for x{i} in {var} %}}")).collect();
        let close = "{% endfor %}".repeat(depth);
        let err = template::check(&format!("{open}x{close}"), Variables::ALL).unwrap_err();
        prop_assert!(err.contains("{% for %} is not allowed"), "{}", err);
    }
}

/// Export files: valid JSON with arbitrary (and wrong) values where the format has fields.
fn export_file() -> impl Strategy<Value = String> {
    let name = prop_oneof![any::<String>(), "[A-Za-z ]{1,12}", Just(String::new())];
    let kind = prop::sample::select(&["oauth2", "basic", "api_key", "nope"][..]);
    let endpoint = (name.clone(), prop::sample::select(&["token", "userinfo", "other", "x"][..]), any::<String>())
        .prop_map(
            |(name, purpose, url)| serde_json::json!({"name": name, "purpose": purpose, "method": "GET", "url": url}),
        );
    let authorization = (name.clone(), kind, any::<bool>()).prop_map(|(name, kind, pkce)| {
        serde_json::json!({"kind": kind, "name": name, "client_id": "id", "authorization_uri": "https://p.example/a",
            "redirect_uri": "http://127.0.0.1:8976/callback", "pkce": pkce, "username_label": "U", "password_label": "P",
            "token_endpoint": "T"})
    });
    let app = (name, prop::collection::vec(endpoint, 0..3), prop::collection::vec(authorization, 0..3))
        .prop_map(|(name, endpoints, authorizations)| serde_json::json!({"name": name, "endpoints": endpoints, "authorizations": authorizations}));
    (prop::collection::vec(app, 0..3), prop_oneof![Just(1u32), any::<u32>()])
        .prop_map(|(apps, version)| serde_json::json!({"version": version, "apps": apps}).to_string())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: config().cases / 2, ..config() })]

    #[test]
    fn the_import_reader_never_panics_and_a_refused_file_changes_nothing(
        file in prop_oneof![export_file(), shaped(&["{", "}", "[", "]", "\"version\"", ":", "1", ",", "\"apps\"", "null"])],
    ) {
        let mut store = Store::open_in_memory().unwrap();
        let before = serde_json::to_string(&store.export(None, true).unwrap()).unwrap();
        match transfer::parse(&file) {
            Err(message) => prop_assert!(!message.is_empty()),
            Ok(parsed) => {
                if store.import(&parsed).is_err() {
                    let after = serde_json::to_string(&store.export(None, true).unwrap()).unwrap();
                    prop_assert_eq!(before, after, "a refused import changed something");
                }
            }
        }
    }
}
