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
    /// The first row (or the top of a text).
    Top,
    /// The last row.
    Bottom,
    /// Type a filter by name over a list.
    Filter,
    /// The recorded runs of an authorization.
    History,
    /// The authorization URL on a screen of its own, whole.
    ShowUrl,
    /// A curl command that calls the user information endpoint with the saved token.
    CopyCurl,
    NextTab,
    PrevTab,
    /// Straight to a tab: 1, 2, 3.
    GoAuthorizations,
    GoEndpoints,
    GoConnections,
    New,
    Edit,
    Delete,
    Test,
    Refresh,
    /// Revoke a saved connection's tokens (RFC 7009).
    Revoke,
    /// Ask the provider about a saved connection's token (RFC 7662).
    Introspect,
    /// The refresh lab: the access token treated as expired, then the refresh path.
    ForceExpiry,
    /// The refresh lab: two refreshes, does the provider rotate refresh tokens?
    RotationTest,
    /// The refresh lab: the rotation test, then the replaced refresh token used again (asks first).
    ReuseTest,
    /// The refresh lab: user information called until the access token is refused (asks first).
    LifetimeProbe,
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
    /// A tab while its filter is typed into.
    Filter,
    /// An authorization's recorded runs.
    RunHistory,
    /// A saved connection, in full.
    ConnectionDetail,
    /// The authorization URL, whole, on a screen of its own.
    UrlView,
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
const HOME: Key = code(KeyCode::Home);
const END: Key = code(KeyCode::End);
const PGUP: Key = code(KeyCode::PageUp);
const PGDN: Key = code(KeyCode::PageDown);

macro_rules! bind {
    ($ctx:ident, [$($key:expr),+], $action:ident, $label:expr) => {
        Binding { context: Context::$ctx, keys: &[$($key),+], action: Action::$action, label: $label, footer: true }
    };
    ($ctx:ident, [$($key:expr),+], $action:ident, $label:expr, hidden) => {
        Binding { context: Context::$ctx, keys: &[$($key),+], action: Action::$action, label: $label, footer: false }
    };
}

/// The whole key table, in the order the help screen lists it. Within a screen, the order is also
/// the footer's priority: when the width runs out, the last ones give way to "? more".
pub static BINDINGS: &[Binding] = &[
    // The Authorizations tab.
    bind!(Authorizations, [ch('n')], New, "new"),
    bind!(Authorizations, [ENTER, ch('e')], Edit, "edit"),
    bind!(Authorizations, [ch('t')], Test, "test"),
    bind!(Authorizations, [ch('h')], History, "past runs"),
    bind!(Authorizations, [ch('d')], Delete, "delete"),
    bind!(Authorizations, [ch('/')], Filter, "filter"),
    bind!(Authorizations, [ESC], Cancel, "clear the filter"),
    bind!(Authorizations, [ch('x')], Export, "export to a file"),
    bind!(Authorizations, [ch('i')], Import, "import from a file"),
    // The Endpoints tab.
    bind!(Endpoints, [ch('n')], New, "new"),
    bind!(Endpoints, [ENTER, ch('e')], Edit, "edit"),
    bind!(Endpoints, [ch('d')], Delete, "delete"),
    bind!(Endpoints, [ch('/')], Filter, "filter"),
    bind!(Endpoints, [ESC], Cancel, "clear the filter"),
    // The Connections tab.
    bind!(Connections, [ENTER], Submit, "details"),
    bind!(Connections, [ch('r')], Refresh, "refresh the token"),
    bind!(Connections, [ch('i')], Introspect, "introspect"),
    bind!(Connections, [ch('v')], Revoke, "revoke"),
    bind!(Connections, [ch('e')], ForceExpiry, "lab: force expiry", hidden),
    bind!(Connections, [ch('o')], RotationTest, "lab: rotation test", hidden),
    bind!(Connections, [ch('O')], ReuseTest, "lab: rotation and reuse test (asks first)", hidden),
    bind!(Connections, [ch('l')], LifetimeProbe, "lab: lifetime probe (asks first)", hidden),
    bind!(Connections, [ch('d')], Delete, "delete"),
    bind!(Connections, [ch('/')], Filter, "filter"),
    bind!(Connections, [ESC], Cancel, "clear the filter"),
    // Keys every tab shares.
    bind!(Tabs, [ch('?'), F1], Help, "help"),
    bind!(Tabs, [ch('a')], Apps, "apps"),
    bind!(Tabs, [ch('q')], Quit, "quit"),
    bind!(Tabs, [TAB], NextTab, "next tab"),
    bind!(Tabs, [BACKTAB], PrevTab, "previous tab", hidden),
    bind!(Tabs, [ch('1')], GoAuthorizations, "the Authorizations tab", hidden),
    bind!(Tabs, [ch('2')], GoEndpoints, "the Endpoints tab", hidden),
    bind!(Tabs, [ch('3')], GoConnections, "the Connections tab", hidden),
    bind!(Tabs, [ch('k'), UP], Up, "move up", hidden),
    bind!(Tabs, [ch('j'), DOWN], Down, "move down", hidden),
    bind!(Tabs, [PGUP], ScrollUp, "page up", hidden),
    bind!(Tabs, [PGDN], ScrollDown, "page down", hidden),
    bind!(Tabs, [ch('g'), HOME], Top, "first row", hidden),
    bind!(Tabs, [ch('G'), END], Bottom, "last row", hidden),
    // Keys of every screen.
    bind!(Everywhere, [ctrl('c')], Interrupt, "cancel / quit", hidden),
    // A tab's filter, while typed into.
    bind!(Filter, [ENTER], Submit, "keep the filter"),
    bind!(Filter, [ESC], Cancel, "clear the filter"),
    bind!(Filter, [UP], Up, "move up", hidden),
    bind!(Filter, [DOWN], Down, "move down", hidden),
    bind!(Filter, [PGUP], ScrollUp, "page up", hidden),
    bind!(Filter, [PGDN], ScrollDown, "page down", hidden),
    bind!(Filter, [F1], Help, "help"),
    // The app picker.
    bind!(AppPicker, [ENTER], Submit, "switch to it"),
    bind!(AppPicker, [ESC, ch('q')], Cancel, "close"),
    bind!(AppPicker, [ch('n')], New, "new app"),
    bind!(AppPicker, [ch('r')], Rename, "rename"),
    bind!(AppPicker, [ch('d')], Delete, "delete"),
    bind!(AppPicker, [ch('k'), UP], Up, "move up", hidden),
    bind!(AppPicker, [ch('j'), DOWN], Down, "move down", hidden),
    bind!(AppPicker, [ch('?'), F1], Help, "help"),
    // Choosing the kind of a new authorization.
    bind!(KindChooser, [ch('a')], ChooseApiKey, "API-Key"),
    bind!(KindChooser, [ch('b')], ChooseBasic, "Basic"),
    bind!(KindChooser, [ch('o')], ChooseOAuth2, "OAuth 2.0"),
    bind!(KindChooser, [ch('p')], ChoosePreset, "From a preset…"),
    bind!(KindChooser, [ENTER], Submit, "choose"),
    bind!(KindChooser, [ESC], Cancel, "cancel"),
    bind!(KindChooser, [ch('k'), UP], Up, "move up", hidden),
    bind!(KindChooser, [ch('j'), DOWN], Down, "move down", hidden),
    bind!(KindChooser, [ch('?'), F1], Help, "help"),
    // Forms, while a text field has the focus.
    bind!(FormText, [ctrl('s')], Save, "save"),
    bind!(FormText, [ESC], Cancel, "cancel"),
    bind!(FormText, [TAB], NextField, "next field"),
    bind!(FormText, [BACKTAB], PrevField, "previous field", hidden),
    bind!(FormText, [DOWN], Down, "next field (or line)", hidden),
    bind!(FormText, [UP], Up, "previous field (or line)", hidden),
    bind!(FormText, [ENTER], Submit, "next field (new line in a multi-line field)", hidden),
    bind!(FormText, [ctrl('r')], Reveal, "reveal/hide the secret"),
    bind!(FormText, [ctrl('d')], Discover, "fill in from the issuer"),
    bind!(FormText, [ctrl('g')], GenerateKey, "generate a key pair", hidden),
    bind!(FormText, [F1], Help, "help"),
    // Forms, on a choice, a toggle or the button.
    bind!(FormChoice, [ctrl('s')], Save, "save"),
    bind!(FormChoice, [ESC], Cancel, "cancel"),
    bind!(FormChoice, [ENTER], Submit, "open the list / press the button"),
    bind!(FormChoice, [LEFT, ch('h')], Left, "previous choice"),
    bind!(FormChoice, [RIGHT, ch('l'), code(KeyCode::Char(' '))], Right, "next choice / toggle"),
    bind!(FormChoice, [TAB, DOWN, ch('j')], NextField, "next field"),
    bind!(FormChoice, [BACKTAB, UP, ch('k')], PrevField, "previous field", hidden),
    bind!(FormChoice, [ctrl('r')], Reveal, "reveal/hide the secret", hidden),
    bind!(FormChoice, [ctrl('d')], Discover, "fill in from the issuer"),
    bind!(FormChoice, [ctrl('g')], GenerateKey, "generate a key pair", hidden),
    bind!(FormChoice, [ch('?'), F1], Help, "help"),
    // The endpoint list opened from a form.
    bind!(EndpointPicker, [ENTER], Submit, "choose"),
    bind!(EndpointPicker, [ESC], Cancel, "close"),
    bind!(EndpointPicker, [ch('k'), UP], Up, "move up", hidden),
    bind!(EndpointPicker, [ch('j'), DOWN], Down, "move down", hidden),
    bind!(EndpointPicker, [ch('g'), HOME], Top, "first entry", hidden),
    bind!(EndpointPicker, [ch('G'), END], Bottom, "last entry (create a new one)", hidden),
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
    bind!(Confirm, [ch('j'), DOWN], Down, "scroll down", hidden),
    bind!(Confirm, [ch('k'), UP], Up, "scroll up", hidden),
    // One-line prompts (a name, a path).
    bind!(Prompt, [ENTER], Submit, "OK"),
    bind!(Prompt, [ESC], Cancel, "cancel"),
    bind!(Prompt, [F1], Help, "help"),
    // The help screen.
    bind!(Help, [ESC, ch('q'), ch('?'), F1], Cancel, "close"),
    bind!(Help, [ch('j'), DOWN], Down, "scroll down", hidden),
    bind!(Help, [ch('k'), UP], Up, "scroll up", hidden),
    bind!(Help, [PGDN], ScrollDown, "page down", hidden),
    bind!(Help, [PGUP], ScrollUp, "page up", hidden),
    // The test-connection pane.
    bind!(TestPane, [ESC], Cancel, "cancel/close"),
    bind!(TestPane, [ch('t')], Test, "test again"),
    bind!(TestPane, [ch('r')], Refresh, "refresh"),
    bind!(TestPane, [ch('c')], Copy, "copy URL/code"),
    bind!(TestPane, [ch('p')], Paste, "paste URL or code"),
    bind!(TestPane, [ch('u')], ShowUrl, "show whole URL"),
    bind!(TestPane, [ch('o')], OpenBrowser, "open browser"),
    bind!(TestPane, [ch('k'), UP], Up, "previous step"),
    bind!(TestPane, [ch('j'), DOWN], Down, "next step"),
    bind!(TestPane, [PGDN], ScrollDown, "scroll the detail down", hidden),
    bind!(TestPane, [PGUP], ScrollUp, "scroll the detail up", hidden),
    bind!(TestPane, [ctrl('r')], Reveal, "reveal/hide secrets"),
    bind!(TestPane, [ch('?'), F1], Help, "help"),
    bind!(TestPaste, [ENTER], Submit, "submit"),
    bind!(TestPaste, [ESC], Cancel, "leave the paste box"),
    bind!(TestPaste, [ctrl('r')], Reveal, "show/hide what you pasted"),
    bind!(TestPaste, [F1], Help, "help"),
    // The authorization URL, whole.
    bind!(UrlView, [ESC, ch('q')], Cancel, "back"),
    bind!(UrlView, [ch('c')], Copy, "copy it"),
    bind!(UrlView, [ch('?'), F1], Help, "help"),
    // An authorization's recorded runs.
    bind!(RunHistory, [ENTER], Submit, "show the run"),
    bind!(RunHistory, [ESC, ch('q')], Cancel, "close"),
    bind!(RunHistory, [ch('k'), UP], Up, "move up", hidden),
    bind!(RunHistory, [ch('j'), DOWN], Down, "move down", hidden),
    bind!(RunHistory, [ch('g'), HOME], Top, "newest", hidden),
    bind!(RunHistory, [ch('G'), END], Bottom, "oldest", hidden),
    bind!(RunHistory, [ch('?'), F1], Help, "help"),
    // A saved connection.
    bind!(ConnectionDetail, [ESC, ch('q')], Cancel, "close"),
    bind!(ConnectionDetail, [ch('c')], Copy, "copy the access token"),
    bind!(ConnectionDetail, [ch('u')], CopyCurl, "copy a curl command"),
    bind!(ConnectionDetail, [ch('r')], Refresh, "refresh the token"),
    bind!(ConnectionDetail, [ch('v')], Revoke, "revoke"),
    bind!(ConnectionDetail, [ch('i')], Introspect, "introspect"),
    bind!(ConnectionDetail, [ch('e')], ForceExpiry, "lab: force expiry"),
    bind!(ConnectionDetail, [ch('o')], RotationTest, "lab: rotation test"),
    bind!(ConnectionDetail, [ch('O')], ReuseTest, "lab: rotation and reuse test (asks first)", hidden),
    bind!(ConnectionDetail, [ch('l')], LifetimeProbe, "lab: lifetime probe (asks first)", hidden),
    bind!(ConnectionDetail, [ch('d')], Delete, "delete"),
    bind!(ConnectionDetail, [ch('j'), DOWN], Down, "scroll down", hidden),
    bind!(ConnectionDetail, [ch('k'), UP], Up, "scroll up", hidden),
    bind!(ConnectionDetail, [ch('?'), F1], Help, "help"),
];

/// The editing keys of a text box (ratatui-textarea's own, with readline's Ctrl-U: see
/// app::text_box; not in the table above: they act on the text, not the screen), for the help
/// of screens where one has the focus.
pub const TEXT_EDITING: &[(&str, &str)] = &[
    ("←/→, Ctrl-B/F", "move by character"),
    ("Home/End, Ctrl-A/E", "to the start/end of the line"),
    ("Ctrl-←/→, Alt-B/F", "move by word"),
    ("Backspace, Ctrl-H", "delete the character before the cursor"),
    ("Delete", "delete the character under the cursor"),
    ("Ctrl-W, Alt-Backspace", "delete the word before the cursor"),
    ("Alt-D", "delete the word after the cursor"),
    ("Ctrl-K", "delete to the end of the line"),
    ("Ctrl-U, Ctrl-J", "delete to the start of the line"),
    ("Ctrl-Z", "undo"),
    ("Ctrl-Y", "put back what was deleted"),
];

/// True when a text box has the focus on this screen, so its editing keys apply.
pub fn edits_text(context: Context) -> bool {
    matches!(context, Context::FormText | Context::Prompt | Context::TestPaste | Context::Filter)
}

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
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
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
            Top,
            Bottom,
            Filter,
            History,
            ShowUrl,
            CopyCurl,
            NextTab,
            PrevTab,
            GoAuthorizations,
            GoEndpoints,
            GoConnections,
            New,
            Edit,
            Delete,
            Test,
            Refresh,
            Revoke,
            Introspect,
            ForceExpiry,
            RotationTest,
            ReuseTest,
            LifetimeProbe,
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
            ChoosePreset,
            GenerateKey,
            Copy,
            OpenBrowser,
            Paste,
            ScrollUp,
            ScrollDown,
            Interrupt,
        ];
        for action in all {
            // Listing a new action above is enforced by this match: it stops compiling without it.
            match action {
                Quit | Help | Up | Down | Top | Bottom | Filter | History | ShowUrl | CopyCurl | NextTab | PrevTab
                | GoAuthorizations | GoEndpoints | GoConnections | New | Edit | Delete | Test | Refresh | Revoke
                | Introspect | ForceExpiry | RotationTest | ReuseTest | LifetimeProbe | Discover | Apps | Rename
                | Export | Import | Yes | No | Cancel | Submit | Save | NextField | PrevField | Reveal | Left
                | Right | ChooseApiKey | ChooseBasic | ChooseOAuth2 | ChoosePreset | GenerateKey | Copy
                | OpenBrowser | Paste | ScrollUp | ScrollDown | Interrupt => {}
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
