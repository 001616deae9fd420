//! The Authorizations tab, its forms and the app picker, driven by keys as a user would.

#[path = "support/tui.rs"]
mod tui;
use tui::isolated;

use authdeck::model::{AuthConfig, KeyPlacement};
use crossterm::event::KeyCode;
use tui::Harness;

#[test]
fn first_start_shows_the_default_api_key_authorization() {
    let h = Harness::new();
    h.assert_shows("authdeck · My App");
    h.assert_shows("API-Key");
    h.assert_shows("header Authorization: Bearer {{api_key}}");
    h.assert_shows("never tested");
    // The footer is drawn from the key table.
    h.assert_shows("n new");
}

#[test]
fn creating_an_api_key_authorization_adds_a_row_and_saves_it() {
    let mut h = Harness::new();
    h.press("na");
    h.assert_shows("New API-Key authorization");
    h.fill("Partner key");
    h.focus("Key goes in");
    h.key(KeyCode::Right);
    h.focus("Header / parameter name");
    h.fill("api_key");
    h.focus("Value");
    h.fill("{{api_key}}");
    h.ctrl('s');
    h.assert_shows("Created the API-Key authorization \"Partner key\"");
    h.assert_shows("query ?api_key={{api_key}}");

    let store = h.store();
    let app = store.apps().unwrap().remove(0);
    let saved = store.authorizations(app.id).unwrap();
    assert_eq!(saved.len(), 2);
    assert_eq!(saved[1].name, "Partner key");
    match &saved[1].config {
        AuthConfig::ApiKey(c) => {
            assert_eq!(c.placement, KeyPlacement::Query);
            assert_eq!(c.param_name, "api_key");
        }
        other => panic!("saved as {other:?}"),
    }
}

#[test]
fn basic_authorization_can_be_chosen_with_arrows_and_enter() {
    let mut h = Harness::new();
    h.press("n");
    h.assert_shows("choose its kind");
    h.key(KeyCode::Down);
    h.enter();
    h.assert_shows("New Basic authorization");
    h.focus("Username label");
    h.fill("Email");
    h.ctrl('s');
    h.assert_shows("username \"Email\", password \"Password\"");
}

#[test]
fn delete_asks_first_and_n_keeps_it() {
    let mut h = Harness::new();
    h.press("d");
    h.assert_shows("Delete the API-Key authorization \"API-Key\"?");
    h.press("n");
    h.assert_shows("header Authorization");
    assert_eq!(h.store().authorization_rows(None).unwrap().len(), 1);

    h.press("dy");
    h.assert_shows("Deleted the authorization.");
    h.assert_shows("No authorizations yet");
    assert!(h.store().authorization_rows(None).unwrap().is_empty());
}

#[test]
fn escape_on_a_form_with_typed_text_asks_first_and_keeps_the_text() {
    let mut h = Harness::new();
    h.press("nb");
    h.press(" typed");
    h.esc();
    h.assert_shows("Discard what you typed in this form?");
    h.press("n");
    h.assert_shows("Basic typed");
    h.esc();
    h.press("y");
    h.assert_shows("Authorizations 1/1");
    h.assert_hides("Basic typed");
}

#[test]
fn escape_on_an_untouched_form_closes_it_at_once() {
    let mut h = Harness::new();
    h.press("nb");
    h.esc();
    h.assert_hides("Discard");
    h.assert_shows("Authorizations 1/1");
}

#[test]
fn invalid_fields_show_their_message_beside_them_and_keep_the_text() {
    let mut h = Harness::new();
    h.press("na");
    h.focus("Header / parameter name");
    h.fill("X API: Key");
    h.focus("Value");
    h.fill("Bearer token");
    h.ctrl('s');
    h.assert_shows("A header name has no spaces, colons or special characters");
    h.assert_shows("Put {{api_key}} where the key goes");
    h.assert_shows("2 fields to fix");
    // Nothing typed is lost, and the focus went to the first problem.
    h.assert_shows("X API: Key");
    h.assert_shows("Bearer token");
    h.assert_shows("▶ Header / parameter name");
    assert_eq!(h.store().authorization_rows(None).unwrap().len(), 1);
}

#[test]
fn an_empty_name_is_refused() {
    let mut h = Harness::new();
    h.press("nb");
    h.clear_field();
    h.ctrl('s');
    h.assert_shows("Give it a name.");
}

#[test]
fn a_duplicate_name_is_shown_beside_the_name() {
    let mut h = Harness::new();
    h.press("na");
    h.fill("API-Key");
    h.ctrl('s');
    h.assert_shows("An authorization named \"API-Key\" already exists here.");
    h.assert_shows("▶ Name");
}

#[test]
fn edit_keeps_unchanged_fields() {
    let mut h = Harness::new();
    h.enter();
    h.assert_shows("Edit API-Key authorization");
    h.focus("Key label");
    h.fill("Your key");
    h.ctrl('s');
    h.assert_shows("Saved the API-Key authorization \"API-Key\"");
    let rows = h.store().authorization_rows(None).unwrap();
    match &rows[0].authorization.config {
        AuthConfig::ApiKey(c) => {
            assert_eq!(c.key_label, "Your key");
            assert_eq!(c.param_name, "Authorization");
            assert_eq!(c.value_template, "Bearer {{api_key}}");
        }
        other => panic!("saved as {other:?}"),
    }
}

#[test]
fn help_lists_every_binding_of_the_screen() {
    let mut h = Harness::new();
    h.press("?");
    h.assert_shows("Keys on this screen");
    for label in ["new", "edit", "delete", "move up", "move down", "apps", "quit", "next tab"] {
        h.assert_shows(label);
    }
    h.esc();
    h.assert_hides("Keys on this screen");
}

#[test]
fn the_app_picker_creates_and_switches_apps() {
    let mut h = Harness::new();
    h.press("a");
    h.assert_shows("My App  (current)");
    h.press("n");
    h.press("Stripe connector");
    h.enter();
    h.assert_shows("authdeck · Stripe connector");
    h.assert_shows("Created the app \"Stripe connector\" with its API-Key authorization.");
    h.assert_shows("Authorizations 1/1");

    // Switch back with the picker (apps are listed by name: My App, Stripe connector).
    h.press("a");
    h.key(KeyCode::Up);
    h.enter();
    h.assert_shows("authdeck · My App");
    assert_eq!(h.store().apps().unwrap().len(), 2);
}

#[test]
fn the_app_picker_renames_and_deletes_after_asking() {
    let mut h = Harness::new();
    h.press("an");
    h.press("Second");
    h.enter();
    h.press("a");
    h.press("r");
    h.fill("Renamed");
    h.enter();
    h.assert_shows("Renamed  (current)");
    h.press("d");
    h.assert_shows("Delete the app \"Renamed\"? Its 1 authorization and its");
    h.press("y");
    assert_eq!(h.store().apps().unwrap().len(), 1);
    h.esc();
    h.assert_shows("authdeck · My App");
}

#[test]
fn the_only_app_cannot_be_deleted() {
    let mut h = Harness::new();
    h.press("ad");
    h.assert_shows("This is the only app");
    assert_eq!(h.store().apps().unwrap().len(), 1);
}

#[test]
fn a_second_app_with_the_same_name_is_refused_in_the_prompt() {
    let mut h = Harness::new();
    h.press("an");
    h.press("My App");
    h.enter();
    h.assert_shows("An app named \"My App\" already exists here.");
    h.assert_shows("My App");
}

#[test]
fn quit_stops_the_app() {
    let mut h = Harness::new();
    h.press("q");
    assert!(h.finish().quit);
}

#[tokio::test]
async fn the_real_event_loop_runs_on_the_test_backend() {
    use crossterm::event::{Event, KeyEvent, KeyModifiers};
    let dir = tempfile::tempdir().unwrap();
    let store = isolated::open(&dir.path().join("a.db")).unwrap();
    let mut app = authdeck::app::App::new(store).unwrap();
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 30)).unwrap();
    let keys = "nbq".chars().map(|c| Ok(Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))));
    let mut events: Vec<std::io::Result<Event>> = keys.collect();
    // Escape the form (untouched, so it closes at once) before `q` quits.
    events.insert(2, Ok(Event::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE))));
    authdeck::tui::run(&mut terminal, &mut app, futures_util::stream::iter(events), &mut |_| Ok(())).await.unwrap();
    assert!(app.quit);
}

#[test]
fn help_lists_exactly_the_keys_that_work_here() {
    let mut h = Harness::new();
    // With an authorization selected, every key of the tab works (but clearing a filter, with none).
    let context = authdeck::keymap::Context::Authorizations;
    let expected: Vec<String> = authdeck::keymap::bindings(context, false)
        .filter(|b| b.action != authdeck::keymap::Action::Cancel)
        .map(|b| format!("{}  {}", authdeck::keymap::describe_keys(b), b.label))
        .collect();
    h.press("?");
    for line in &expected {
        h.assert_shows(line);
    }
    // The test key is listed because an authorization is selected; with none, it isn't.
    h.assert_shows("t  test");
    h.esc();
    h.press("dy");
    h.press("?");
    h.assert_hides("t  test");
    h.assert_hides("edit");
}

#[test]
fn on_an_80_by_24_terminal_messages_wrap_and_help_stays_in_the_footer() {
    let mut h = Harness::with_size(80, 24);
    h.press("no");
    h.ctrl('s');
    // The problem under Client Secret is long: it wraps instead of being cut.
    h.assert_shows("authentication to None for a public client.");
    let footer = h.screen().lines().last().unwrap().trim_end().to_owned();
    assert!(footer.starts_with("Ctrl-S save  Esc cancel"), "the most important keys first: {footer}");
    assert!(footer.ends_with("F1 help") || footer.ends_with("F1 more"), "help last, never cut: {footer}");
    h.esc();
    h.press("y");
    h.press("?");
    h.assert_shows("Keys on this screen");
}

#[test]
fn a_second_new_authorization_of_a_kind_gets_a_free_name_and_esc_does_not_ask() {
    let mut h = Harness::new();
    h.press("na");
    h.assert_shows("API-Key 2");
    h.esc();
    h.assert_hides("Discard");
    h.assert_hides("New API-Key authorization");
}

#[test]
fn alt_keys_do_nothing() {
    let mut h = Harness::new();
    h.event(crossterm::event::Event::Key(crossterm::event::KeyEvent::new(
        KeyCode::Char('n'),
        crossterm::event::KeyModifiers::ALT,
    )));
    h.assert_hides("choose its kind");
}

#[test]
fn ctrl_c_cancels_an_overlay_then_quits() {
    let mut h = Harness::new();
    h.press("n");
    h.ctrl('c');
    h.assert_hides("choose its kind");
    h.assert_shows("Authorizations 1/1");
    h.ctrl('c');
    assert!(h.finish().quit);
}

#[test]
fn a_write_waiting_for_another_authdecks_lock_keeps_the_screen_alive_and_loses_no_key() {
    let mut h = Harness::new();
    // Another authdeck on the same file, in the middle of a write (an import, say).
    let other = rusqlite::Connection::open(&h.db).unwrap();
    other.execute_batch("BEGIN IMMEDIATE; INSERT INTO apps (name) VALUES ('Imported');").unwrap();
    h.press("d");
    h.send(crossterm::event::Event::Key(crossterm::event::KeyEvent::new(
        KeyCode::Char('y'),
        crossterm::event::KeyModifiers::NONE,
    )));
    // The screen is drawn again while the delete waits for the lock, and says why.
    h.watch_for("Waiting for the database");
    // A key typed meanwhile waits for the delete, then acts on what it left: the new-kind chooser.
    h.send(crossterm::event::Event::Key(crossterm::event::KeyEvent::new(
        KeyCode::Char('n'),
        crossterm::event::KeyModifiers::NONE,
    )));
    other.execute_batch("COMMIT").unwrap();
    h.settled();
    h.assert_hides("Waiting for the database");
    h.assert_shows("choose its kind");
    h.esc();
    h.assert_shows("No authorizations yet");
    assert!(h.store().authorization_rows(None).unwrap().is_empty());
    assert!(h.store().app_by_name("Imported").unwrap().is_some());
}
