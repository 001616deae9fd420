//! The headless commands, run as a user would run them: the real binary on a temporary database.

#[path = "support/cli.rs"]
mod cli;
use cli::isolated;

use std::path::Path;
use std::process::{Command, Output};

fn authdeck(db: &Path, args: &[&str]) -> Output {
    isolated::authdeck(db).args(args).output().expect("run authdeck")
}

/// A database as the first start of the TUI leaves it: "My App" with its API-Key authorization.
fn first_start(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("a.db");
    isolated::open(&db).unwrap().apps_or_first().unwrap();
    db
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn list_json_prints_the_default_api_key_authorization() {
    let dir = tempfile::tempdir().unwrap();
    let db = first_start(dir.path());
    let out = authdeck(&db, &["list", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let value: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("valid JSON");
    let items = value.as_array().expect("an array");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["app"], "My App");
    assert_eq!(items[0]["kind"], "api_key");
    assert_eq!(items[0]["name"], "API-Key");
    assert!(items[0]["id"].is_i64());
    assert!(items[0]["summary"].as_str().unwrap().contains("Authorization"));
    assert!(items[0]["last_test"].is_null(), "never tested: {}", items[0]);
}

#[test]
fn list_prints_one_line_per_authorization() {
    let dir = tempfile::tempdir().unwrap();
    let db = first_start(dir.path());
    let out = authdeck(&db, &["list", "--app", "My App"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 1);
    assert!(stdout(&out).contains("API-Key"));
}

#[test]
fn list_of_an_unknown_app_fails_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = authdeck(&first_start(dir.path()), &["list", "--app", "Nope"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("No app named \"Nope\""), "{}", stderr(&out));
}

#[test]
fn export_of_an_unknown_app_names_the_apps_there_are() {
    let dir = tempfile::tempdir().unwrap();
    let out = authdeck(&first_start(dir.path()), &["export", "--app", "Nope"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("No app named \"Nope\". The apps here: \"My App\"."), "{}", stderr(&out));
}

#[test]
fn reading_commands_refuse_a_database_that_isnt_there_and_create_none() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("typo.db");
    for args in [&["list"][..], &["export"], &["test", "API-Key"]] {
        let out = authdeck(&db, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(stderr(&out).contains("typo.db does not exist"), "{args:?}: {}", stderr(&out));
        assert!(!db.exists(), "{args:?} created the database");
    }
    // Import creates one, as the TUI does.
    let out = cli::authdeck_with_stdin(&db, &["import", "-"], EXPORT);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(db.exists());
}

#[test]
fn a_zero_timeout_and_an_empty_api_key_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = first_start(dir.path());
    let out = authdeck(&db, &["test", "API-Key", "--timeout", "0"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--timeout") && stderr(&out).contains("0 is not in 1..=86400"), "{}", stderr(&out));
    // The default API-Key authorization needs a user information endpoint first.
    let mut store = isolated::open(&db).unwrap();
    let app = store.apps().unwrap().remove(0);
    let me = authdeck::model::Endpoint {
        app_id: app.id,
        url: "http://127.0.0.1:9/me".into(),
        ..authdeck::model::Endpoint::new_for(authdeck::model::EndpointPurpose::UserInfo)
    };
    let me = store.insert_endpoint(&me).unwrap();
    let mut auth = store.authorizations(app.id).unwrap().remove(0);
    auth.config.set_endpoint_ids(None, Some(me));
    store.update_authorization(auth.id, &auth.name, &auth.config).unwrap();
    drop(store);
    let out = cli::authdeck_with_stdin(&db, &["test", "API-Key"], "\n");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("The API Key is empty"), "{}", stderr(&out));
}

#[test]
fn a_file_that_is_not_a_database_fails_clearly_and_stays_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("notes.txt");
    std::fs::write(&db, "not a database at all, just some text that is long enough\n".repeat(4)).unwrap();
    let before = std::fs::read(&db).unwrap();
    let out = authdeck(&db, &["list"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("is not an authdeck database"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&db).unwrap(), before);
}

#[test]
fn the_env_var_chooses_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("from-env.db");
    // `authdeck list` with no --db: the database is the one AUTHDECK_DB names.
    let list = || {
        Command::new(env!("CARGO_BIN_EXE_authdeck"))
            .env("AUTHDECK_DB", &db)
            .env("AUTHDECK_KEY_DIR", isolated::key_dir(&db))
            .env("XDG_DATA_HOME", dir.path().join("data"))
            .args(["list"])
            .output()
            .unwrap()
    };
    let out = list();
    assert!(stderr(&out).contains("from-env.db does not exist"), "{}", stderr(&out));
    let out = cli::authdeck_with_stdin(&db, &["import", "-"], EXPORT);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = list();
    assert!(stdout(&out).contains("GitHub connector"), "{}", stderr(&out));
}

const EXPORT: &str = r#"{
  "version": 1,
  "apps": [
    {
      "name": "GitHub connector",
      "endpoints": [
        {
          "name": "GitHub token",
          "purpose": "token",
          "method": "POST",
          "url": "https://github.com/login/oauth/access_token",
          "headers": ["Accept: application/json"],
          "body_kind": "form",
          "body": "grant_type=authorization_code\ncode={{code}}\nredirect_uri={{redirect_uri}}",
          "response": {"access_token": "access_token", "scope": "scope", "token_type": "token_type"}
        },
        {
          "name": "GitHub user",
          "purpose": "userinfo",
          "method": "GET",
          "url": "https://api.github.com/user",
          "headers": ["Authorization: Bearer {{access_token}}", "Accept: application/json"],
          "response": {"user_id": "id", "user_name": "login", "user_email": "email"}
        }
      ],
      "authorizations": [
        {
          "kind": "oauth2",
          "name": "GitHub OAuth",
          "client_id": "Iv1.fakeclientid",
          "client_secret": "fake-secret-for-tests",
          "authorization_uri": "https://github.com/login/oauth/authorize?allow_signup=false",
          "scopes": "read:user user:email",
          "token_endpoint": "GitHub token",
          "userinfo_endpoint": "GitHub user",
          "redirect_uri": "http://127.0.0.1:8976/callback",
          "client_auth": "request_body",
          "pkce": true
        }
      ]
    }
  ]
}
"#;

#[test]
fn export_then_import_into_an_empty_database_gives_the_same_data() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.db");
    let out = cli::authdeck_with_stdin(&first, &["import", "-"], EXPORT);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("Imported 1 app(s), 2 endpoint(s) and 1 authorization(s)."), "{}", stderr(&out));

    let exported = dir.path().join("export.json");
    let out = authdeck(&first, &["export", "--include-secrets", "-o", exported.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&exported).unwrap();
    let original: serde_json::Value = serde_json::from_str(EXPORT).unwrap();
    let mut round: serde_json::Value = serde_json::from_str(&text).unwrap();
    // The export writes every field; the example (a version 1 file) left out some defaults, and
    // the fields versions 2 and 3 added.
    round["apps"][0]["description"].take();
    assert_eq!(round["version"], 3);
    let authorization = round["apps"][0]["authorizations"][0].as_object_mut().unwrap();
    assert_eq!(authorization["grant"], "authorization_code");
    assert_eq!(authorization["client_key"], "", "an empty key is no secret: written as it is");
    for field in [
        "grant",
        "issuer",
        "device_endpoint",
        "revocation_endpoint",
        "introspection_endpoint",
        "jwks_endpoint",
        "client_key",
        "key_id",
        "signing_alg",
        "assertion_audience",
        "client_certificate",
        "par",
        "par_endpoint",
        "dpop",
    ] {
        authorization.remove(field);
    }
    assert_eq!(round["apps"][0]["authorizations"], original["apps"][0]["authorizations"]);
    assert_eq!(round["apps"][0]["endpoints"][0]["url"], original["apps"][0]["endpoints"][0]["url"]);

    let second = dir.path().join("second.db");
    let out = authdeck(&second, &["import", exported.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let again = authdeck(&second, &["export", "--include-secrets"]);
    assert_eq!(stdout(&again), text, "export → import → export is identical");
}

#[test]
fn export_leaves_secrets_out_unless_asked_and_import_keeps_the_stored_one() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    assert!(cli::authdeck_with_stdin(&db, &["import", "-"], EXPORT).status.success());
    let out = authdeck(&db, &["export"]);
    let text = stdout(&out);
    assert!(!text.contains("fake-secret-for-tests"));
    assert!(text.contains("\"client_secret\": null"));
    // Importing the secret-less file keeps the stored secret.
    assert!(cli::authdeck_with_stdin(&db, &["import", "-"], &text).status.success());
    assert!(stdout(&authdeck(&db, &["export", "--include-secrets"])).contains("fake-secret-for-tests"));
}

#[test]
fn a_broken_import_changes_nothing_and_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    assert!(cli::authdeck_with_stdin(&db, &["import", "-"], EXPORT).status.success());
    let before = stdout(&authdeck(&db, &["export", "--include-secrets"]));

    // A valid first app, then an authorization naming an endpoint that doesn't exist.
    let broken = EXPORT
        .replace("\"name\": \"GitHub connector\"", "\"name\": \"Renamed connector\"")
        .replace("\"userinfo_endpoint\": \"GitHub user\"", "\"userinfo_endpoint\": \"No such endpoint\"");
    let out = cli::authdeck_with_stdin(&db, &["import", "-"], &broken);
    assert!(!out.status.success());
    let message = stderr(&out);
    assert!(message.contains("apps[0].authorizations[0].userinfo_endpoint"), "{message}");
    assert!(message.contains("Nothing was imported"), "{message}");
    assert_eq!(stdout(&authdeck(&db, &["export", "--include-secrets"])), before);

    // A type error names its JSON path.
    let out = cli::authdeck_with_stdin(&db, &["import", "-"], &EXPORT.replace("\"pkce\": true", "\"pkce\": \"yes\""));
    assert!(!out.status.success());
    assert!(stderr(&out).contains("apps[0].authorizations[0]"), "{}", stderr(&out));
}

#[test]
fn an_export_with_secrets_into_an_existing_file_makes_it_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    assert!(cli::authdeck_with_stdin(&db, &["import", "-"], EXPORT).status.success());
    let file = dir.path().join("export.json");
    std::fs::write(&file, "an older export").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();

    let out = authdeck(&db, &["export", "--include-secrets", "-o", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(std::fs::read_to_string(&file).unwrap().contains("fake-secret-for-tests"));
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "a file holding secrets is readable by its owner only");
}

/// Imports `text` into a fresh database; the error message (the import must fail).
fn import_error(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = cli::authdeck_with_stdin(&dir.path().join("a.db"), &["import", "-"], text);
    assert!(!out.status.success(), "the import should fail");
    stderr(&out)
}

#[test]
fn an_import_error_inside_an_authorization_names_the_field_and_what_was_expected() {
    let message = import_error(&EXPORT.replace("\"pkce\": true", "\"pkce\": \"yes\""));
    assert!(message.contains("at apps[0].authorizations[0].pkce: "), "{message}");
    assert!(message.contains("expected a boolean"), "{message}");

    let message = import_error(&EXPORT.replace("\"kind\": \"oauth2\"", "\"kind\": \"oauth\""));
    assert!(message.contains("at apps[0].authorizations[0].kind: "), "{message}");
    assert!(message.contains("\"api_key\", \"basic\", \"oauth2\""), "{message}");
}

#[test]
fn an_unknown_field_in_an_import_is_refused_not_dropped() {
    let message = import_error(&EXPORT.replace("\"scopes\":", "\"scope\":"));
    assert!(message.contains("at apps[0].authorizations[0].scope: unknown field `scope`"), "{message}");

    let message = import_error(&EXPORT.replace("\"user_email\": \"email\"", "\"user_mail\": \"email\""));
    assert!(message.contains("at apps[0].endpoints[1].response.user_mail: unknown field"), "{message}");
}

#[test]
fn import_messages_say_what_to_write_in_the_file() {
    let message = import_error(&EXPORT.replace("\"token_endpoint\": \"GitHub token\",", ""));
    assert!(
        message.contains("At apps[0].authorizations[0].token_endpoint: name one of this app's endpoints"),
        "{message}"
    );
    assert!(!message.contains("(Enter)") && !message.contains("Choose"), "{message}");

    let message = import_error(&EXPORT.replace("\"method\": \"POST\"", "\"method\": \"FETCH\""));
    assert!(message.contains("At apps[0].endpoints[0].method: write one of \"GET\", \"POST\""), "{message}");
    assert!(message.contains("Nothing was imported."), "{message}");
}

#[test]
fn presets_lists_the_catalogue_as_text_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let out = authdeck(&db, &["presets"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.lines().any(|l| l.starts_with("slack ") && l.contains("Slack (user token)")), "{text}");
    assert!(text.lines().any(|l| l.starts_with("shopify ") && l.contains("[asks: shop]")), "{text}");
    let out = authdeck(&db, &["presets", "--json"]);
    let value: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("valid JSON");
    let microsoft = value.as_array().unwrap().iter().find(|p| p["name"] == "microsoft").expect("microsoft");
    assert_eq!(microsoft["questions"], serde_json::json!(["tenant"]));
    assert!(microsoft["docs"][0].as_str().unwrap().starts_with("https://learn.microsoft.com/"));
}

#[test]
fn presets_add_says_everything_that_is_missing_and_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let out = authdeck(&db, &["presets", "add", "shopify", "--param", "region=eu"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("\"region\" is not a question of the Shopify"), "{err}");
    assert!(err.contains("Shop is needed"), "{err}");
    assert!(err.contains("The Client ID is needed: --client-id ID"), "{err}");
    assert!(err.contains("authdeck presets show shopify"), "{err}");
    let out = authdeck(&db, &["presets", "add", "nosuch"]);
    assert!(stderr(&out).contains("There is no preset \"nosuch\". The presets are: asana,"), "{}", stderr(&out));
    let out = authdeck(&db, &["list", "--json"]);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&stdout(&out)).unwrap().as_array().unwrap().len(), 1);
}

#[test]
fn presets_add_creates_the_authorization_headless() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let args = ["presets", "add", "Shopify", "--param", "shop=acme", "--client-id", "fake-id", "--client-secret-stdin"];
    let out = cli::authdeck_with_stdin(&db, &args, "fake-secret-42\n");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("to the app \"Shopify\" (a new app)"), "{text}");
    assert!(text.contains("\"Shopify token\", \"Shopify shop\""), "{text}");
    assert!(text.contains("authdeck test \"Shopify\" --app \"Shopify\""), "{text}");
    assert!(!text.contains("fake-secret-42"), "{text}");
    let export = stdout(&authdeck(&db, &["export", "--app", "Shopify", "--include-secrets"]));
    assert!(export.contains("https://acme.myshopify.com/admin/oauth/access_token"), "{export}");
    assert!(export.contains("\"client_secret\": \"fake-secret-42\""), "{export}");
    assert!(export.contains("\"callback_signature\": \"shopify_hmac_sha256\""), "{export}");
    // Added again into the same app: new names, the first one untouched.
    let out = authdeck(
        &db,
        &["presets", "add", "shopify", "--param", "shop=other", "--client-id", "id2", "--app", "Shopify"],
    );
    assert!(stdout(&out).contains("authorization \"Shopify 2\""), "{}", stdout(&out));
    assert!(stdout(&out).contains("No Client Secret was given"), "{}", stdout(&out));
}

#[test]
fn client_key_makes_a_key_pair_and_prints_only_its_public_half() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    assert!(cli::authdeck_with_stdin(&db, &["import", "-"], EXPORT).status.success());
    let out = authdeck(&db, &["client-key", "public", "GitHub OAuth"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("has no private key") && stderr(&out).contains("client-key generate"),
        "{}",
        stderr(&out)
    );

    let out = authdeck(&db, &["client-key", "generate", "GitHub OAuth"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let jwk: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("a JWK on stdout");
    assert_eq!((jwk["kty"].as_str(), jwk["crv"].as_str()), (Some("EC"), Some("P-256")), "{jwk}");
    assert!(jwk.get("d").is_none(), "never the private part: {jwk}");

    // A second generate would lose the key registered with the provider: refused without --force.
    let out = authdeck(&db, &["client-key", "generate", "GitHub OAuth"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    let out = authdeck(&db, &["client-key", "public", "GitHub OAuth", "--jwks"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let set: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(set["keys"][0]["x"], jwk["x"], "the same key: {set}");
    assert!(!stdout(&out).contains("PRIVATE KEY"));
}
