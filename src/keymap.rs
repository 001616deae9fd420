//! The key table: every key that does something, per screen. Dispatch, the footer hints and the `?`
//! help screen all read this one table, so they cannot drift apart.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key asks for. The app's `update` is the one place that acts on these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    Help,
    Up,
    Down,
    NextTab,
    PrevTab,
    New,
    Edit,
    Delete,
    Test,
    Refresh,
    /// Revoke a saved connection's tokens (RFC 7009).
    Revoke,
    /// Ask the provider about a saved connection's token (RFC 7662).
    Introspect,
    /// Read the issuer's discovery document into the OAuth 2.0 form.
    Discover,
    Apps,
    Rename,
    Export,
    Import,
    Yes,
    No,
    Cancel,
    Submit,
    Save,
    NextField,
    PrevField,
    Reveal,
    Left,
    Right,
    ChooseApiKey,
    ChooseBasic,
    ChooseOAuth2,
    /// A new authorization made from one of the provider presets.
    ChoosePreset,
    /// Ctrl-G in the OAuth 2.0 form: a new key pair for private_key_jwt.
    GenerateKey,
    Copy,
    OpenBrowser,
    Paste,
    ScrollUp,
    ScrollDown,
    /// Ctrl-C: cancel what is open, or quit from the tabs.
    Interrupt,
}

/// Where the user is: each screen has its own keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Authorizations,
    Endpoints,
    Connections,
    AppPicker,
    KindChooser,
    /// A form whose focused field takes text: letters type, so only modified and special keys act.
    FormText,
    /// A form whose focused field is a choice, a toggle or the button.
    FormChoice,
    EndpointPicker,
    /// The provider presets: letters type into the filter.
    PresetPicker,
    /// What to do at the provider now that a preset was added.
    PresetNotes,
    Confirm,
    Prompt,
    Help,
    TestPane,
    /// The test pane while the paste box has the focus: keys type into it.
    TestPaste,
    /// Keys every tab shares (a tab's own keys come first).
    Tabs,
    /// Keys that work on every screen.
    Everywhere,
}

impl Context {
    /// The contexts whose keys also apply here, after its own.
    fn shared(self) -> &'static [Context] {
        match self {
            Context::Authorizations | Context::Endpoints | Context::Connections => {
                &[Context::Tabs, Context::Everywhere]
            }
            Context::Tabs | Context::Everywhere => &[],
            _ => &[Context::Everywhere],
        }
    }

    /// This context and those it shares keys with, in the order their keys apply.
    fn chain(self) -> impl Iterator<Item = Context> {
        std::iter::once(self).chain(self.shared().iter().copied())
    }
}

/// One entry of the key table.
pub struct Binding {
    pub context: Context,
    pub keys: &'static [Key],
    pub action: Action,
    /// What the footer and the help screen say it does.
    pub label: &'static str,
    /// Shown in the footer (the help screen shows every binding).
    pub footer: bool,
}

/// A key as the table writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

const fn ch(c: char) -> Key {
    Key { code: KeyCode::Char(c), ctrl: false }
}
const fn ctrl(c: char) -> Key {
    Key { code: KeyCode::Char(c), ctrl: true }
}
const fn code(code: KeyCode) -> Key {
    Key { code, ctrl: false }
}

const UP: Key = code(KeyCode::Up);
const DOWN: Key = code(KeyCode::Down);
const ENTER: Key = code(KeyCode::Enter);
const ESC: Key = code(KeyCode::Esc);
const TAB: Key = code(KeyCode::Tab);
const BACKTAB: Key = code(KeyCode::BackTab);
const LEFT: Key = code(KeyCode::Left);
const RIGHT: Key = code(KeyCode::Right);
const F1: Key = code(KeyCode::F(1));

macro_rules! bind {
    ($ctx:ident, [$($key:expr),+], $action:ident, $label:expr) => {
        Binding { context: Context::$ctx, keys: &[$($key),+], action: Action::$action, label: $label, footer: true }
    };
    ($ctx:ident, [$($key:expr),+], $action:ident, $label:expr, hidden) => {
        Binding { context: Context::$ctx, keys: &[$($key),+], action: Action::$action, label: $label, footer: false }
    };
}

/// The whole key table, in the order the help screen lists it.
pub static BINDINGS: &[Binding] = &[
    // The Authorizations tab.
    bind!(Authorizations, [ch('n')], New, "new authorization"),
    bind!(Authorizations, [ENTER, ch('e')], Edit, "edit"),
    bind!(Authorizations, [ch('t')], Test, "test connection"),
    bind!(Authorizations, [ch('d')], Delete, "delete"),
    bind!(Authorizations, [ch('k'), UP], Up, "move up", hidden),
    bind!(Authorizations, [ch('j'), DOWN], Down, "move down", hidden),
    bind!(Authorizations, [ch('x')], Export, "export to a file", hidden),
    bind!(Authorizations, [ch('i')], Import, "import from a file", hidden),
    // The Endpoints tab.
    bind!(Endpoints, [ch('n')], New, "new endpoint"),
    bind!(Endpoints, [ENTER, ch('e')], Edit, "edit"),
    bind!(Endpoints, [ch('d')], Delete, "delete"),
    bind!(Endpoints, [ch('k'), UP], Up, "move up", hidden),
    bind!(Endpoints, [ch('j'), DOWN], Down, "move down", hidden),
    // The Connections tab.
    bind!(Connections, [ch('r')], Refresh, "refresh the token"),
    bind!(Connections, [ch('i')], Introspect, "introspect"),
    bind!(Connections, [ch('v')], Revoke, "revoke"),
    bind!(Connections, [ch('d')], Delete, "delete"),
    bind!(Connections, [ch('k'), UP], Up, "move up", hidden),
    bind!(Connections, [ch('j'), DOWN], Down, "move down", hidden),
    // Keys every tab shares.
    bind!(Tabs, [ch('?'), F1], Help, "help"),
    bind!(Tabs, [ch('a')], Apps, "apps"),
    bind!(Tabs, [TAB], NextTab, "next tab", hidden),
    bind!(Tabs, [BACKTAB], PrevTab, "previous tab", hidden),
    bind!(Tabs, [ch('q')], Quit, "quit"),
    // Keys of every screen.
    bind!(Everywhere, [ctrl('c')], Interrupt, "cancel / quit", hidden),
    // The app picker.
    bind!(AppPicker, [ENTER], Submit, "switch to it"),
    bind!(AppPicker, [ch('n')], New, "new app"),
    bind!(AppPicker, [ch('r')], Rename, "rename"),
    bind!(AppPicker, [ch('d')], Delete, "delete"),
    bind!(AppPicker, [ch('k'), UP], Up, "move up", hidden),
    bind!(AppPicker, [ch('j'), DOWN], Down, "move down", hidden),
    bind!(AppPicker, [ESC, ch('q')], Cancel, "close"),
    bind!(AppPicker, [ch('?'), F1], Help, "help"),
    // Choosing the kind of a new authorization.
    bind!(KindChooser, [ch('a')], ChooseApiKey, "API-Key"),
    bind!(KindChooser, [ch('b')], ChooseBasic, "Basic"),
    bind!(KindChooser, [ch('o')], ChooseOAuth2, "OAuth 2.0"),
    bind!(KindChooser, [ch('p')], ChoosePreset, "From a preset…"),
    bind!(KindChooser, [ENTER], Submit, "choose"),
    bind!(KindChooser, [ch('k'), UP], Up, "move up", hidden),
    bind!(KindChooser, [ch('j'), DOWN], Down, "move down", hidden),
    bind!(KindChooser, [ESC], Cancel, "cancel"),
    bind!(KindChooser, [ch('?'), F1], Help, "help"),
    // Forms, while a text field has the focus.
    bind!(FormText, [ctrl('s')], Save, "save"),
    bind!(FormText, [TAB], NextField, "next field"),
    bind!(FormText, [BACKTAB], PrevField, "previous field", hidden),
    bind!(FormText, [DOWN], Down, "next field (or line)", hidden),
    bind!(FormText, [UP], Up, "previous field (or line)", hidden),
    bind!(FormText, [ENTER], Submit, "next field (new line in a multi-line field)", hidden),
    bind!(FormText, [ctrl('r')], Reveal, "reveal/hide the secret"),
    bind!(FormText, [ctrl('g')], GenerateKey, "generate a key pair", hidden),
    bind!(FormText, [ctrl('d')], Discover, "fill in from the issuer"),
    bind!(FormText, [ESC], Cancel, "cancel"),
    bind!(FormText, [F1], Help, "help"),
    // Forms, on a choice, a toggle or the button.
    bind!(FormChoice, [ctrl('s')], Save, "save"),
    bind!(FormChoice, [TAB, DOWN, ch('j')], NextField, "next field"),
    bind!(FormChoice, [BACKTAB, UP, ch('k')], PrevField, "previous field", hidden),
    bind!(FormChoice, [LEFT, ch('h')], Left, "previous choice"),
    bind!(FormChoice, [RIGHT, ch('l'), code(KeyCode::Char(' '))], Right, "next choice / toggle"),
    bind!(FormChoice, [ENTER], Submit, "open the list / press the button"),
    bind!(FormChoice, [ctrl('d')], Discover, "fill in from the issuer"),
    bind!(FormChoice, [ctrl('r')], Reveal, "reveal/hide the secret", hidden),
    bind!(FormChoice, [ctrl('g')], GenerateKey, "generate a key pair", hidden),
    bind!(FormChoice, [ESC], Cancel, "cancel"),
    bind!(FormChoice, [ch('?'), F1], Help, "help"),
    // The endpoint list opened from a form.
    bind!(EndpointPicker, [ENTER], Submit, "choose"),
    bind!(EndpointPicker, [ch('k'), UP], Up, "move up", hidden),
    bind!(EndpointPicker, [ch('j'), DOWN], Down, "move down", hidden),
    bind!(EndpointPicker, [ESC], Cancel, "close"),
    // The provider presets (letters type into the filter).
    bind!(PresetPicker, [ENTER], Submit, "use this preset"),
    bind!(PresetPicker, [ESC], Cancel, "clear the filter / close"),
    bind!(PresetPicker, [UP], Up, "move up", hidden),
    bind!(PresetPicker, [DOWN], Down, "move down", hidden),
    bind!(PresetPicker, [F1], Help, "help"),
    // What to do at the provider, once a preset was added.
    bind!(PresetNotes, [ch('t')], Test, "test it now"),
    bind!(PresetNotes, [ESC, ENTER, ch('q')], Cancel, "close"),
    bind!(PresetNotes, [ch('j'), DOWN], Down, "scroll down", hidden),
    bind!(PresetNotes, [ch('k'), UP], Up, "scroll up", hidden),
    bind!(PresetNotes, [ch('?'), F1], Help, "help"),
    // Yes/no questions.
    bind!(Confirm, [ch('y')], Yes, "yes"),
    bind!(Confirm, [ch('n'), ESC], No, "no"),
    // One-line prompts (a name, a path).
    bind!(Prompt, [ENTER], Submit, "OK"),
    bind!(Prompt, [ESC], Cancel, "cancel"),
    // The help screen.
    bind!(Help, [ESC, ch('q'), ch('?'), F1], Cancel, "close"),
    // The test-connection pane.
    bind!(TestPane, [ch('k'), UP], Up, "previous step"),
    bind!(TestPane, [ch('j'), DOWN], Down, "next step"),
    bind!(TestPane, [code(KeyCode::PageDown)], ScrollDown, "scroll the detail down", hidden),
    bind!(TestPane, [code(KeyCode::PageUp)], ScrollUp, "scroll the detail up", hidden),
    bind!(TestPane, [ch('c')], Copy, "copy the URL or the user code (OSC 52)"),
    bind!(TestPane, [ch('o')], OpenBrowser, "open in a browser"),
    bind!(TestPane, [ch('p'), ENTER], Paste, "paste the redirected URL or code"),
    bind!(TestPane, [ctrl('r')], Reveal, "reveal/hide secrets"),
    bind!(TestPane, [ch('r')], Refresh, "refresh the token"),
    bind!(TestPane, [ch('t')], Test, "test again"),
    // Not `q`: while waiting, letters may be the start of a pasted code.
    bind!(TestPane, [ESC], Cancel, "cancel / close"),
    bind!(TestPane, [ch('?'), F1], Help, "help"),
    bind!(TestPaste, [ENTER], Submit, "submit"),
    bind!(TestPaste, [ctrl('r')], Reveal, "show/hide what you pasted"),
    bind!(TestPaste, [ESC], Cancel, "leave the paste box"),
    bind!(TestPaste, [F1], Help, "help"),
];

impl Key {
    /// Shift is ignored (it makes the character, and Shift-Tab arrives as BackTab either way);
    /// Alt makes another key, which no binding uses.
    fn matches(&self, event: &KeyEvent) -> bool {
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        ctrl == self.ctrl && !event.modifiers.contains(KeyModifiers::ALT) && self.code == event.code
    }

    /// How the footer and help write the key.
    pub fn describe(&self) -> String {
        let name = match self.code {
            KeyCode::Char(' ') => "Space".to_owned(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "Shift-Tab".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::F(n) => format!("F{n}"),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            other => format!("{other:?}"),
        };
        if self.ctrl { format!("Ctrl-{}", name.to_uppercase()) } else { name }
    }
}

/// The action a key does in a context, if any. `available` filters out actions that don't apply now
/// (e.g. opening a browser over SSH), so they neither dispatch nor show.
pub fn lookup(context: Context, event: &KeyEvent, available: impl Fn(Action) -> bool) -> Option<Action> {
    bindings(context, false)
        .filter(|b| available(b.action))
        .find(|b| b.keys.iter().any(|k| k.matches(event)))
        .map(|b| b.action)
}

/// The bindings that apply in a context (its own, then the shared ones), for the footer
/// (`footer_only`) or the help screen.
pub fn bindings(context: Context, footer_only: bool) -> impl Iterator<Item = &'static Binding> {
    context
        .chain()
        .flat_map(|c| BINDINGS.iter().filter(move |b| b.context == c))
        .filter(move |b| !footer_only || b.footer)
}

/// How hints write the key that does `action` in `context` (its first key, e.g. "Esc"), so no hint
/// names a key by hand. A hint naming an action with no key there is a bug (caught in debug builds).
pub fn key_for(context: Context, action: Action) -> String {
    let key = bindings(context, false).find(|b| b.action == action).and_then(|b| b.keys.first());
    debug_assert!(key.is_some(), "no key does {action:?} in {context:?}");
    key.map(Key::describe).unwrap_or_default()
}

/// "n/Enter" — every key of a binding.
pub fn describe_keys(binding: &Binding) -> String {
    binding.keys.iter().map(Key::describe).collect::<Vec<_>>().join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn no_key_does_two_things_on_one_screen() {
        let contexts: std::collections::BTreeSet<String> =
            BINDINGS.iter().map(|b| format!("{:?}", b.context)).collect();
        for context in BINDINGS.iter().map(|b| b.context) {
            let all: Vec<&Binding> = bindings(context, false).collect();
            for (i, a) in all.iter().enumerate() {
                for b in &all[i + 1..] {
                    for k in a.keys {
                        assert!(!b.keys.contains(k), "{k:?} bound to {:?} and {:?} in {context:?}", a.action, b.action);
                    }
                }
            }
        }
        assert!(contexts.len() > 10);
    }

    #[test]
    fn every_action_has_a_key() {
        use Action::*;
        let all = [
            Quit,
            Help,
            Up,
            Down,
            NextTab,
            PrevTab,
            New,
            Edit,
            Delete,
            Test,
            Refresh,
            Apps,
            Rename,
            Export,
            Import,
            Yes,
            No,
            Cancel,
            Submit,
            Save,
            NextField,
            PrevField,
            Reveal,
            Left,
            Right,
            ChooseApiKey,
            ChooseBasic,
            ChooseOAuth2,
            ChoosePreset,
            GenerateKey,
            Copy,
            OpenBrowser,
            Paste,
            ScrollUp,
            ScrollDown,
            Interrupt,
            Revoke,
            Introspect,
            Discover,
        ];
        for action in all {
            // Listing a new action above is enforced by this match: it stops compiling without it.
            match action {
                Quit | Help | Up | Down | NextTab | PrevTab | New | Edit | Delete | Test | Refresh | Apps | Rename
                | Export | Import | Yes | No | Cancel | Submit | Save | NextField | PrevField | Reveal | Left
                | Right | ChooseApiKey | ChooseBasic | ChooseOAuth2 | ChoosePreset | GenerateKey | Copy
                | OpenBrowser | Paste | ScrollUp | ScrollDown | Interrupt | Revoke | Introspect | Discover => {}
            }
            assert!(BINDINGS.iter().any(|b| b.action == action), "{action:?} has no key: a dead action");
        }
    }

    #[test]
    fn hints_name_the_keys_of_the_table() {
        assert_eq!(key_for(Context::TestPane, Action::Cancel), "Esc");
        assert_eq!(key_for(Context::FormText, Action::Reveal), "Ctrl-R");
        // A tab's shared keys count too.
        assert_eq!(key_for(Context::Endpoints, Action::Apps), "a");
    }

    #[test]
    fn alt_keys_match_nothing() {
        let alt_n = KeyEvent::new(KeyCode::Char('n'), KeyModifiers::ALT);
        assert_eq!(lookup(Context::Authorizations, &alt_n, |_| true), None);
        let shift_tab = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(lookup(Context::Endpoints, &shift_tab, |_| true), Some(Action::PrevTab));
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(lookup(Context::FormText, &ctrl_c, |_| true), Some(Action::Interrupt));
    }

    #[test]
    fn lookup_finds_by_context() {
        let always = |_| true;
        assert_eq!(lookup(Context::Authorizations, &key(KeyCode::Char('n')), always), Some(Action::New));
        assert_eq!(lookup(Context::FormText, &key(KeyCode::Char('n')), always), None);
        let ctrl_s = KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL);
        assert_eq!(lookup(Context::FormText, &ctrl_s, always), Some(Action::Save));
        assert_eq!(lookup(Context::TestPane, &key(KeyCode::Char('o')), |a| a != Action::OpenBrowser), None);
    }
}
