//! Where authdeck runs: over SSH or not (and the `ssh -L` command that forwards the callback port),
//! inside tmux, whether a browser can be opened here, and the escape sequences that reach the
//! user's own terminal (OSC 52 to copy, OSC 8 for a hyperlink).

use std::io::Write;
use std::net::IpAddr;

use base64::Engine as _;

/// What authdeck needs to know of where it runs, read once at start.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// `AUTHDECK_PRESET_BASE_URL`: presets added from the TUI point at this local mock of their
    /// provider instead of the provider (see `model::preset::AppliedPreset::rebase`).
    pub preset_base_url: Option<String>,
    /// `SSH_CONNECTION` ("client_ip client_port server_ip server_port"), when working over SSH.
    pub ssh_connection: Option<String>,
    pub user: Option<String>,
    /// A local display and no SSH session: a browser can be opened here.
    pub can_open_browser: bool,
    /// `SSH_TTY` or `SSH_CLIENT` is set (an SSH session even without `SSH_CONNECTION`).
    pub ssh_tty: bool,
    /// Inside tmux: the clipboard sequence is wrapped for it too.
    pub in_tmux: bool,
    /// `NO_COLOR` is set (https://no-color.org): no colours, only reverse video and bold.
    pub no_color: bool,
}

impl Environment {
    pub fn from_process() -> Environment {
        Environment::from_vars(|name| std::env::var(name).ok())
    }

    /// The environment as `var` reads it (tests pass their own).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Environment {
        let var = |name: &str| var(name).filter(|v| !v.is_empty());
        Environment {
            preset_base_url: var(crate::model::preset::BASE_URL_VARIABLE),
            ssh_connection: var("SSH_CONNECTION"),
            user: var("USER").or_else(|| var("LOGNAME")),
            can_open_browser: can_open_browser(var),
            ssh_tty: var("SSH_TTY").is_some() || var("SSH_CLIENT").is_some(),
            in_tmux: var("TMUX").is_some(),
            no_color: var("NO_COLOR").is_some(),
        }
    }

    /// True when working over SSH.
    pub fn over_ssh(&self) -> bool {
        self.ssh_connection.is_some()
    }

    /// Why no browser can be opened here, when none can.
    pub fn no_browser_reason(&self) -> Option<String> {
        if self.can_open_browser {
            None
        } else if self.over_ssh() || self.ssh_tty {
            Some(
                "No browser here: this is an SSH session, so one would open on the server, not in front of you.".into(),
            )
        } else {
            Some("No browser here: there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set).".into())
        }
    }

    /// How to make OSC 52 copies arrive, for where this runs.
    pub fn clipboard_advice(&self) -> &'static str {
        if self.in_tmux {
            "In tmux, turn on `set -g set-clipboard on` (and allow OSC 52 in the terminal outside it)."
        } else {
            "Your terminal must allow OSC 52 (most do; some ask first or need it turned on)."
        }
    }

    /// The `ssh -L` command that forwards the redirect URI's port from the user's machine to this
    /// one, when working over SSH and the redirect URI is one authdeck listens on.
    pub fn ssh_forward_hint(&self, redirect_uri: &str) -> Option<String> {
        ssh_forward_hint(redirect_uri, self.ssh_connection.as_deref(), self.user.as_deref())
    }
}

/// The `ssh -L` command that forwards the redirect URI's port, for an SSH session described by
/// `ssh_connection` ("client_ip client_port server_ip server_port").
pub fn ssh_forward_hint(redirect_uri: &str, ssh_connection: Option<&str>, user: Option<&str>) -> Option<String> {
    let fields: Vec<&str> = ssh_connection?.split_whitespace().collect();
    let (&server_ip, &server_port) = (fields.get(2)?, fields.get(3)?);
    let (addresses, port, _) = crate::flow::loopback_target(redirect_uri).ok()?;
    let target = match addresses.first()? {
        IpAddr::V6(_) => "[::1]".to_owned(),
        IpAddr::V4(_) => "127.0.0.1".to_owned(),
    };
    // ssh takes an IPv6 host as it is (`user@fe80::1`); brackets are for URLs and scp, not here.
    let user = user.filter(|u| !u.is_empty()).unwrap_or("<user>");
    let login = format!("{user}@{server_ip}");
    let ssh_port = if server_port == "22" { String::new() } else { format!(" -p {server_port}") };
    Some(format!("ssh -L {port}:{target}:{port}{ssh_port} {login}"))
}

/// Whether opening a browser here makes sense: a local display (or macOS) and no SSH session.
fn can_open_browser(var: impl Fn(&str) -> Option<String>) -> bool {
    let set = |name: &str| var(name).is_some();
    let ssh = set("SSH_CONNECTION") || set("SSH_TTY") || set("SSH_CLIENT");
    let display = cfg!(target_os = "macos") || set("DISPLAY") || set("WAYLAND_DISPLAY");
    !ssh && display
}

/// The escape sequence that puts `text` on the clipboard of the terminal the user sits at (OSC 52),
/// which travels through SSH. Inside tmux it is also wrapped for tmux's passthrough, so it reaches
/// the outer terminal whether tmux's `set-clipboard` or `allow-passthrough` is on.
pub fn osc52_sequence(text: &str, in_tmux: bool) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let plain = format!("\x1b]52;c;{encoded}\x07");
    if in_tmux { format!("{plain}\x1bPtmux;\x1b\x1b]52;c;{encoded}\x07\x1b\\") } else { plain }
}

/// `text` as a hyperlink to `url` (OSC 8), for terminals that make links clickable; others show
/// the text alone. Control characters in either never reach the terminal.
pub fn osc8_link(url: &str, text: &str) -> String {
    let url: String = url.chars().filter(|c| !c.is_control()).collect();
    let text = crate::model::text::printable(text);
    format!("\x1b]8;;{url}\x1b\\{text}\x1b]8;;\x1b\\")
}

/// What the app asks of the terminal around it; the event loop's caller carries these out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Put text on the user's own clipboard with the OSC 52 escape sequence (works through SSH).
    CopyToClipboard(String),
    /// Open a URL in the local browser.
    OpenBrowser(String),
}

/// Carries out an effect on the real terminal; the message to show when it can't.
pub fn carry_out(effect: Effect, env: &Environment) -> Result<(), String> {
    match effect {
        Effect::CopyToClipboard(text) => {
            let sequence = osc52_sequence(&text, env.in_tmux);
            let mut out = std::io::stdout().lock();
            out.write_all(sequence.as_bytes()).and_then(|_| out.flush()).map_err(|e| format!("Copying failed: {e}"))
        }
        Effect::OpenBrowser(url) => open_browser(&url),
    }
}

fn open_browser(url: &str) -> Result<(), String> {
    let opener = if cfg!(target_os = "macos") { "open" } else { "xdg-open" };
    std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        // Reaped in the background so no zombie is left behind.
        .map(|mut child| drop(std::thread::spawn(move || child.wait())))
        .map_err(|e| format!("Could not start {opener} to open the browser ({e}): copy the URL with c instead."))
}

#[cfg(test)]
mod tests {
    use super::*;

    const REDIRECT: &str = "http://127.0.0.1:8976/callback";

    fn env(vars: &[(&str, &str)]) -> Environment {
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Environment::from_vars(move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    #[test]
    fn ssh_hint_names_the_port_and_server() {
        let hint = ssh_forward_hint(REDIRECT, Some("10.0.0.5 51234 10.0.0.9 22"), Some("ann"));
        assert_eq!(hint.as_deref(), Some("ssh -L 8976:127.0.0.1:8976 ann@10.0.0.9"));
        let hint = ssh_forward_hint("http://localhost:7000/cb", Some("::1 5 fe80::1 2222"), None);
        assert_eq!(hint.as_deref(), Some("ssh -L 7000:127.0.0.1:7000 -p 2222 <user>@fe80::1"));
        let hint = ssh_forward_hint(REDIRECT, Some("::1 5 ::1 22"), Some("dev"));
        assert_eq!(hint.as_deref(), Some("ssh -L 8976:127.0.0.1:8976 dev@::1"));
        assert_eq!(ssh_forward_hint(REDIRECT, None, Some("ann")), None);
        assert_eq!(ssh_forward_hint("https://app.example/cb", Some("a 1 b 22"), None), None);
    }

    #[test]
    fn a_browser_opens_only_on_a_local_display() {
        assert!(env(&[("DISPLAY", ":0")]).can_open_browser);
        assert!(!env(&[("DISPLAY", ":0"), ("SSH_CONNECTION", "a 1 b 22")]).can_open_browser);
        assert!(!env(&[("WAYLAND_DISPLAY", "w"), ("SSH_TTY", "/dev/pts/1")]).can_open_browser);
        assert!(!env(&[("DISPLAY", "")]).can_open_browser || cfg!(target_os = "macos"));
        if !cfg!(target_os = "macos") {
            assert!(!env(&[]).can_open_browser);
        }
    }

    #[test]
    fn the_environment_reads_ssh_user_and_tmux() {
        let e = env(&[("SSH_CONNECTION", "a 1 b 22"), ("LOGNAME", "dev"), ("TMUX", "/tmp/t,1,0")]);
        assert!(e.over_ssh() && e.in_tmux);
        assert_eq!(e.user.as_deref(), Some("dev"));
        assert_eq!(e.ssh_forward_hint(REDIRECT).as_deref(), Some("ssh -L 8976:127.0.0.1:8976 dev@b"));
    }

    #[test]
    fn osc8_links_carry_no_control_characters() {
        assert_eq!(osc8_link("https://a.test/x", "x"), "\x1b]8;;https://a.test/x\x1b\\x\x1b]8;;\x1b\\");
        let evil = osc8_link("https://a.test/\x1b]52;c;aGk=\x07", "t\x1bx");
        assert_eq!(evil.matches('\x1b').count(), 4, "only the link's own escapes: {evil:?}");
        assert!(!evil.contains('\x07'));
    }

    #[test]
    fn osc52_wraps_for_tmux() {
        assert_eq!(osc52_sequence("hi", false), "\x1b]52;c;aGk=\x07");
        assert!(osc52_sequence("hi", true).contains("\x1bPtmux;"));
    }
}
