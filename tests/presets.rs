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

// ---------------------------------------------------------------------------------------------
// Each preset's whole flow against a fake of its provider, and an RFC 6749 configuration against
// the same fake.

#[path = "providers/business.rs"]
mod business;
#[path = "providers/developer.rs"]
mod developer;
// The shared fakes; these tests take their ports from the fakes themselves, not free_port.
#[allow(unused_imports)]
#[path = "support/fakes.rs"]
mod fakes;
#[path = "providers/identity.rs"]
mod identity;
#[path = "support/provider.rs"]
mod provider;

use authdeck::flow::RunOutcome;
use provider::{Provider, ProviderFake, Rfc};

fn secrets_of(driven: &fakes::Driven) -> Vec<String> {
    let mut secrets = vec![provider::CLIENT_SECRET.to_owned()];
    if let Some(tokens) = &driven.report.tokens {
        secrets.push(tokens.access_token.reveal().clone());
        secrets.extend(tokens.refresh_token.as_ref().map(|t| t.reveal().clone()));
    }
    secrets
}

/// The preset connects: code, token, user information (identity and expiry as documented), the
/// kept values, no secret shown; then a refresh where the provider has one.
async fn check_preset(p: &'static Provider) {
    let fake = ProviderFake::start(p).await;
    let mut c = provider::configure(p, &fake.base());
    let runner = fakes::runner();
    let (mut driven, refused) = provider::test_run(&c, &runner).await;
    assert!(!refused, "{}: the authorization request was refused: {:?}", p.preset, fake.refusals());
    provider::assert_ok(&driven, &fake, p.preset);
    let identity = driven.report.identity.as_ref().map(|i| i.display()).unwrap_or_default();
    assert_eq!(identity, p.expect.identity, "{}", p.preset);
    let tokens = driven.report.tokens.clone().expect("tokens");
    let now = authdeck::model::time::now();
    let left = |at: Option<i64>| at.map(|at| at - now);
    let near = |got: Option<i64>, want: Option<i64>| match (got, want) {
        (Some(got), Some(want)) => (want - 60..=want).contains(&got),
        (got, want) => got == want,
    };
    assert!(
        near(left(tokens.expires_at), p.expect.expires_in),
        "{}: expires in {:?}",
        p.preset,
        left(tokens.expires_at)
    );
    assert!(
        near(left(tokens.refresh_expires_at), p.expect.refresh_expires_in),
        "{}: the refresh token expires in {:?}",
        p.preset,
        left(tokens.refresh_expires_at)
    );
    let kept = provider::expected_kept(p, &fake.base());
    assert_eq!(provider::kept_of(&driven), kept, "{}: the values kept", p.preset);
    let secrets = secrets_of(&driven);
    fakes::assert_no_secrets(&driven, &secrets.iter().map(String::as_str).collect::<Vec<_>>());
    let connection = provider::save(&mut c, &mut driven);
    let saved: Vec<(String, String)> = connection.kept.iter().map(|k| (k.name.clone(), k.value.clone())).collect();
    assert_eq!(saved, kept, "{}: the connection keeps them", p.preset);
    let Some(refresh) = &p.refresh else {
        assert!(connection.tokens.refresh_token.is_none(), "{}: no refresh token expected", p.preset);
        return;
    };
    let refreshed = provider::refresh_run(&c, &connection, &runner).await;
    provider::assert_ok(&refreshed, &fake, &format!("{}: the refresh", p.preset));
    // The refresh starts from the kept values (a URL built from token.instance_url works again)
    // and keeps them.
    let refreshed_kept = provider::kept_of(&refreshed);
    assert!(refreshed_kept.is_empty() || refreshed_kept == kept, "{}: {refreshed_kept:?}", p.preset);
    let old = connection.tokens.refresh_token.as_ref().map(|t| t.reveal().clone());
    let new = refreshed.report.tokens.as_ref().and_then(|t| t.refresh_token.as_ref()).map(|t| t.reveal().clone());
    assert_eq!(old != new, refresh.rotates, "{}: the refresh token rotates: {}", p.preset, refresh.rotates);
}

/// The RFC 6749 configuration meets what the real provider would do.
async fn check_rfc(p: &'static Provider) {
    let fake = ProviderFake::start(p).await;
    let mut c = provider::configure_rfc(p, &fake.base(), p.rfc_scopes, p.rfc_userinfo);
    let runner = fakes::runner();
    let (mut driven, refused) = provider::test_run(&c, &runner).await;
    let what = provider::outcome(&driven, &fake);
    match p.rfc {
        Rfc::Works => {
            // It connects, but without what the preset carries: the identity as the provider
            // documents it, the values kept for later calls, or the expiry read as documented.
            assert!(driven.report.is_ok(), "{}: {what}", p.preset);
            let identity = driven.report.identity.as_ref().map(|i| i.display()).unwrap_or_default();
            let kept = provider::expected_kept(p, &fake.base());
            let now = authdeck::model::time::now();
            let left = driven.report.tokens.as_ref().and_then(|t| t.expires_at).map(|at| at - now);
            let expiry_as_documented = match (left, p.expect.expires_in) {
                (Some(got), Some(want)) => (want - 60..=want).contains(&got),
                (got, want) => got == want,
            };
            let lacks = [
                (identity != p.expect.identity).then(|| format!("identity {identity:?}")),
                (provider::kept_of(&driven) != kept).then(|| "the kept values".to_owned()),
                (!expiry_as_documented).then(|| format!("expiry in {left:?} s")),
            ];
            let lacks: Vec<String> = lacks.into_iter().flatten().collect();
            assert!(!lacks.is_empty(), "{}: the RFC 6749 configuration does everything the preset does", p.preset);
        }
        Rfc::AuthorizeRefused => assert!(refused, "{}: the authorization request should be refused: {what}", p.preset),
        Rfc::FailsAt(step, text) => {
            assert_eq!(driven.report.outcome, RunOutcome::Failed, "{}: {what}", p.preset);
            assert_eq!(driven.failed_step(), step, "{}: {what}", p.preset);
            assert!(driven.report.message.contains(text), "{}: {what}", p.preset);
        }
        Rfc::NoRefreshToken => {
            assert!(driven.report.is_ok(), "{}: {what}", p.preset);
            let tokens = driven.report.tokens.as_ref().expect("tokens");
            assert!(tokens.refresh_token.is_none(), "{}: the RFC configuration got a refresh token", p.preset);
        }
        Rfc::RefreshFails(text) => {
            assert!(driven.report.is_ok(), "{}: {what}", p.preset);
            let connection = provider::save(&mut c, &mut driven);
            let refreshed = provider::refresh_run(&c, &connection, &runner).await;
            let what = provider::outcome(&refreshed, &fake);
            assert_eq!(refreshed.report.outcome, RunOutcome::Failed, "{}: {what}", p.preset);
            assert!(refreshed.report.message.contains(text), "{}: {what}", p.preset);
        }
    }
}

/// Shopify signs its callback with the client secret: an altered callback, or only its code, is
/// refused at the callback check, which says why; nothing reaches the token endpoint.
#[tokio::test]
async fn a_shopify_callback_that_is_altered_or_unsigned_is_refused() {
    let p = &business::SHOPIFY;
    let fake = ProviderFake::start(p).await;
    let c = provider::configure(p, &fake.base());
    let runner = fakes::runner();
    let (altered, _) =
        provider::test_run_with(&c, &runner, |location| location.replace("shop=acme.", "shop=evil.")).await;
    assert_eq!(altered.failed_step(), authdeck::flow::StepId::CallbackCheck, "{}", provider::outcome(&altered, &fake));
    assert!(
        altered.report.message.contains("does not match: the callback was altered or forged"),
        "{}",
        altered.report.message
    );
    let check = altered.report.step(authdeck::flow::StepId::CallbackCheck).unwrap();
    assert!(check.checks.iter().any(|c| c.name == "signature" && !c.ok), "{:?}", check.checks);
    let code_only = |location: String| {
        url::Url::parse(&location).unwrap().query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned()
    };
    let (pasted, _) = provider::test_run_with(&c, &runner, code_only).await;
    assert_eq!(pasted.failed_step(), authdeck::flow::StepId::CallbackCheck);
    assert!(pasted.report.message.contains("paste the whole redirected URL"), "{}", pasted.report.message);
    assert!(fake.server.seen().iter().all(|s| !s.target.contains("access_token")), "no token request was sent");
}

/// One module per provider, each with both tests.
macro_rules! provider_tests {
    ($($name:ident => $entry:path),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn the_preset_connects_and_refreshes() {
                super::check_preset(&$entry).await;
            }

            #[tokio::test]
            async fn an_rfc_6749_configuration_meets_the_quirk() {
                super::check_rfc(&$entry).await;
            }
        }
    )*};
}

provider_tests! {
    github => crate::developer::GITHUB,
    slack => crate::developer::SLACK,
    notion => crate::developer::NOTION,
    twitch => crate::developer::TWITCH,
    atlassian => crate::developer::ATLASSIAN,
    linear => crate::developer::LINEAR,
    intercom => crate::developer::INTERCOM,
    asana => crate::developer::ASANA,
    discord => crate::developer::DISCORD,
    gitlab => crate::developer::GITLAB,
    google => crate::identity::GOOGLE,
    microsoft => crate::identity::MICROSOFT,
    dropbox => crate::identity::DROPBOX,
    spotify => crate::identity::SPOTIFY,
    zoom => crate::identity::ZOOM,
    linkedin => crate::identity::LINKEDIN,
    xero => crate::identity::XERO,
    boxcom => crate::identity::BOX,
    hubspot => crate::business::HUBSPOT,
    stripe => crate::business::STRIPE,
    quickbooks => crate::business::QUICKBOOKS,
    shopify => crate::business::SHOPIFY,
    salesforce => crate::business::SALESFORCE,
    pipedrive => crate::business::PIPEDRIVE,
    figma => crate::developer::FIGMA,
}

// ---------------------------------------------------------------------------------------------
// The TUI's "From a preset…": `n`, `p`, a filtered list, the preset's questions, then a test.

#[path = "support/tui.rs"]
mod tui;

use authdeck::app::{Effect, Environment};
use crossterm::event::KeyCode;

/// No part (10 characters in a row) of a secret was on any screen drawn.
fn assert_never_shown(h: &tui::Harness, secrets: &[String]) {
    // The client ID is no secret (and starts like the fake's secret).
    let pieces: Vec<&str> = secrets
        .iter()
        .flat_map(|s| (0..s.len().saturating_sub(9)).filter_map(move |i| s.get(i..i + 10)))
        .filter(|piece| !provider::CLIENT_ID.contains(piece))
        .collect();
    for screen in &h.screens {
        let flat: String = screen.lines().map(str::trim_end).collect();
        for piece in &pieces {
            assert!(!flat.contains(piece), "part of a secret ({piece}) was on screen:\n{screen}");
        }
    }
}

#[test]
fn from_a_preset_in_the_tui_to_a_tested_connection() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let fake = runtime.block_on(ProviderFake::start(&developer::SLACK));
    let port = fakes::free_port();
    let env = Environment { preset_base_url: Some(fake.base()), ..Environment::default() };
    let mut h = tui::Harness::setup().env(env).start();
    let count = preset::names().count();

    h.press("n");
    h.assert_shows("From a preset…");
    h.press("p");
    h.assert_shows(&format!("{count} of {count}"));
    h.assert_shows("Slack (user token)");
    h.press("slack");
    h.assert_shows(&format!("1 of {count}"));
    h.assert_shows("Docs: https://docs.slack.dev/authentication/installing-with-oauth");
    h.enter();
    h.assert_shows("New authorization from the Slack (user token) preset");
    // Slack asks nothing of its own: the Client ID comes first.
    h.press(provider::CLIENT_ID);
    h.focus("Client Secret");
    h.press(provider::CLIENT_SECRET);
    h.focus("Redirect URI");
    h.fill(&format!("http://127.0.0.1:{port}/callback"));
    h.ctrl('s');

    h.assert_shows("Slack (user token) added");
    h.assert_shows("Before testing, at the provider:");
    h.assert_shows(&format!("Register http://127.0.0.1:{port}/callback"));
    h.assert_shows(&format!("Its URLs point at {}", fake.base()));
    h.press("t");
    h.wait_for("Listening for the callback");
    h.press("c");
    let url = match h.take_effects().as_slice() {
        [Effect::CopyToClipboard(url)] => url.clone(),
        other => panic!("expected one copy, got {other:?}"),
    };
    assert!(url.starts_with(&fake.base()) && url.contains("user_scope=identity.basic"), "{url}");
    // The browser: the fake provider redirects back, and the redirect reaches authdeck's listener.
    let location = runtime.block_on(provider::browse(&url)).expect("the fake redirects back");
    runtime.block_on(async { reqwest::get(&location).await.map(|_| ()).unwrap_or_else(|e| panic!("{e}")) });
    h.wait_for("✓ Ann Lee");
    h.wait_for("✓ Connection saved");
    h.assert_shows("kept token.team.id: T0FAKE");
    h.assert_shows("kept token.team.name: Fake Team");

    let store = h.store();
    let connections = store.connections(h.app_id()).unwrap();
    assert_eq!(connections.len(), 1, "{}", h.screen());
    assert_eq!(connections[0].identity.display(), developer::SLACK.expect.identity);
    let kept: Vec<(&str, &str)> = connections[0].kept.iter().map(|k| (k.name.as_str(), k.value.as_str())).collect();
    assert_eq!(kept, developer::SLACK.expect.kept);
    let mut secrets = vec![provider::CLIENT_SECRET.to_owned(), connections[0].tokens.access_token.reveal().clone()];
    secrets.extend(connections[0].tokens.refresh_token.as_ref().map(|t| t.reveal().clone()));
    assert_never_shown(&h, &secrets);
}

#[test]
fn the_preset_form_says_beside_each_field_what_is_wrong() {
    let mut h = tui::Harness::new();
    h.press("np");
    h.press("shopify");
    h.enter();
    h.assert_shows("New authorization from the Shopify");
    h.press("bad shop!");
    h.focus("Redirect URI");
    h.fill("not a url");
    h.ctrl('s');
    h.assert_shows("4 fields to fix");
    h.assert_shows("can only have letters, digits, dots, hyphens and underscores");
    h.assert_shows("Enter the Client ID the provider gave your app.");
    h.assert_shows("Enter the Client Secret the provider gave your app");
    assert_eq!(h.store().authorization_rows(None).unwrap().len(), 1, "nothing was added");

    // Fixed, it is added with the shop in its URLs.
    h.focus("Shop");
    h.fill("acme");
    h.focus("Client ID");
    h.press("shop-client");
    h.focus("Client Secret");
    h.press("shpss_fake_secret");
    h.focus("Redirect URI");
    h.fill("http://127.0.0.1:48000/callback");
    h.ctrl('s');
    h.assert_shows("Shopify (authorization code grant) added");
    h.assert_shows(
        "Added the Shopify (authorization code grant) preset: the authorization \"Shopify\" and 2 endpoints.",
    );
    h.esc();
    h.assert_shows("client shop-client at acme.myshopify.com");
    let store = h.store();
    let endpoints = store.endpoints(h.app_id()).unwrap();
    assert!(endpoints.iter().any(|e| e.url.starts_with("https://acme.myshopify.com/")), "{endpoints:?}");
}

#[test]
fn a_filter_that_matches_nothing_says_so_and_escape_clears_it_first() {
    let mut h = tui::Harness::new();
    let count = preset::names().count();
    h.press("n");
    h.key(KeyCode::Down);
    h.key(KeyCode::Down);
    h.key(KeyCode::Down);
    h.enter();
    h.assert_shows(&format!("{count} of {count}"));
    h.press("zzzz");
    h.assert_shows(&format!("0 of {count}"));
    h.assert_shows("No preset matches \"zzzz\".");
    h.enter();
    h.assert_shows("Backspace widens the search");
    h.esc();
    h.assert_shows(&format!("{count} of {count}"));
    h.esc();
    h.assert_hides("provider preset");
    h.assert_shows("API-Key");
}

#[test]
fn the_oauth_form_shows_what_a_preset_set_and_an_edit_keeps_it() {
    let mut h = tui::Harness::setup()
        .seed(|store| {
            let app = store.apps().unwrap()[0].id;
            let applied = preset::find("figma").unwrap().apply(&BTreeMap::new(), "http://127.0.0.1:48976/callback");
            store.add_preset(app, &applied.unwrap(), "figma-client", Some("figma-secret-1")).unwrap();
        })
        .size(120, 60)
        .start();
    h.key(KeyCode::Down);
    h.press("e");
    h.assert_shows("Edit OAuth 2.0 authorization");
    h.assert_shows("Refresh Endpoint");
    h.assert_shows("Figma refresh  ▾");
    h.assert_shows("token.user_id_string");
    h.focus("Keep with the connection");
    h.press(", shop");
    h.ctrl('s');
    h.assert_shows("\"shop\" is not a value of the run: write callback.NAME");
    h.key(KeyCode::Backspace);
    h.key(KeyCode::Backspace);
    h.key(KeyCode::Backspace);
    h.key(KeyCode::Backspace);
    h.press("userinfo.handle");
    h.focus("Callback signature");
    h.key(KeyCode::Right);
    h.assert_shows("Shopify HMAC-SHA256");
    h.key(KeyCode::Left);
    h.focus("Refresh Endpoint");
    h.enter();
    h.assert_shows("(none)");
    h.esc();
    h.ctrl('s');
    h.assert_shows("Saved the OAuth 2.0 authorization \"Figma\"");

    let store = h.store();
    let auth = store.authorizations(h.app_id()).unwrap().into_iter().find(|a| a.name == "Figma").unwrap();
    let AuthConfig::OAuth2(c) = auth.config else { panic!("OAuth 2.0") };
    assert_eq!(c.keep, ["token.user_id_string", "userinfo.handle"]);
    let refresh = store.endpoint(c.refresh_endpoint.expect("the refresh endpoint is kept")).unwrap();
    assert_eq!(refresh.name, "Figma refresh");
}
