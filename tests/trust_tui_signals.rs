//! Signals to the TUI, on a real terminal (a pseudo-terminal made by util-linux's `script`):
//! SIGTERM, SIGHUP, SIGQUIT and SIGINT each leave the alternate screen, show the cursor again,
//! cancel the running test (its port freed, its run recorded as cancelled) and exit 128 + the signal.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use authdeck::model::{AuthConfig, Endpoint, EndpointPurpose, OAuth2Config};
use authdeck::store::{KeySource, Store};

const ENTER_ALTERNATE: &str = "\u{1b}[?1049h";
const LEAVE_ALTERNATE: &str = "\u{1b}[?1049l";
const SHOW_CURSOR: &str = "\u{1b}[?25h";
/// How long a wait on the terminal's output may take before the test fails.
const PATIENCE: Duration = Duration::from_secs(30);

fn database(dir: &Path, port: u16) {
    let mut store = Store::open_with_keys(&dir.join("a.db"), KeySource::dir(dir.join("keys"))).unwrap();
    let app = store.apps_or_first().unwrap().remove(0);
    let token = Endpoint {
        app_id: app.id,
        url: "http://127.0.0.1:9/token".into(),
        ..Endpoint::new_for(EndpointPurpose::Token)
    };
    let token_id = store.insert_endpoint(&token).unwrap();
    let config = AuthConfig::OAuth2(OAuth2Config {
        client_id: "x".into(),
        client_secret: "fake-secret-for-tests".into(),
        authorization_uri: "https://provider.example/authorize".into(),
        token_endpoint: Some(token_id),
        redirect_uri: format!("http://127.0.0.1:{port}/callback"),
        ..Default::default()
    });
    store.insert_authorization(app.id, "OAuth", &config).unwrap();
    // The OAuth one is second in the list: select it when the TUI starts.
}

/// The output of the terminal so far, read on a thread, and a way to wait for a text in it. It
/// answers the cursor-position queries a real terminal would (`ESC [ 6 n`, sent when the screen
/// is first cleared).
struct Screen {
    chunks: mpsc::Receiver<Vec<u8>>,
    keys: std::process::ChildStdin,
    seen: String,
    answered: usize,
}

impl Screen {
    fn wait_for(&mut self, text: &str) {
        let deadline = std::time::Instant::now() + PATIENCE;
        while !self.seen.contains(text) {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.chunks.recv_timeout(left) {
                Ok(chunk) => self.seen.push_str(&String::from_utf8_lossy(&chunk)),
                Err(_) => panic!("{text:?} never came; the terminal showed:\n{:?}", self.seen),
            }
            while self.seen.matches("\u{1b}[6n").count() > self.answered {
                self.answered += 1;
                self.press(b"\x1b[1;1R");
            }
        }
    }

    fn press(&mut self, keys: &[u8]) {
        self.keys.write_all(keys).unwrap();
        self.keys.flush().unwrap();
    }

    fn rest(&mut self) -> String {
        let mut rest = String::new();
        while let Ok(chunk) = self.chunks.recv_timeout(PATIENCE) {
            rest.push_str(&String::from_utf8_lossy(&chunk));
        }
        rest
    }
}

#[test]
fn a_signal_restores_the_terminal_cancels_the_test_and_exits_with_its_code() {
    for (signal, number) in [("TERM", 15), ("HUP", 1), ("QUIT", 3), ("INT", 2)] {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        database(dir.path(), port);
        // A pty of its own has no size until one is set: 80x24, like the smallest terminal authdeck fits.
        let command = format!(
            "stty rows 24 cols 80; exec '{}' --db '{}'",
            env!("CARGO_BIN_EXE_authdeck"),
            dir.path().join("a.db").display()
        );
        let mut script = Command::new("script")
            .args(["-qfec", &command, "/dev/null"])
            .env("AUTHDECK_KEY_DIR", dir.path().join("keys"))
            .env("XDG_DATA_HOME", dir.path().join("data"))
            .env("TERM", "xterm")
            .env_remove("SSH_CONNECTION")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("util-linux's script runs authdeck on a pseudo-terminal");
        let mut stdout = script.stdout.take().unwrap();
        let (tx, chunks) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buffer) {
                if n == 0 || tx.send(buffer[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        let keys = script.stdin.take().unwrap();
        let mut screen = Screen { chunks, keys, seen: String::new(), answered: 0 };
        screen.wait_for(ENTER_ALTERNATE);
        screen.wait_for("OAuth");
        screen.press(b"jt"); // down to "OAuth", test it
        screen.wait_for("Listening");
        assert!(std::net::TcpListener::bind(("127.0.0.1", port)).is_err(), "the test listens");

        // `exec` made authdeck the shell's process: script's only child.
        let children = std::fs::read_to_string(format!("/proc/{0}/task/{0}/children", script.id())).unwrap();
        let authdeck: u32 = children.split_whitespace().next().expect("authdeck runs").parse().unwrap();
        let before = screen.seen.len();
        assert!(Command::new("kill").arg(format!("-{signal}")).arg(authdeck.to_string()).status().unwrap().success());
        let after = screen.rest();
        let status = script.wait().unwrap();
        assert_eq!(status.code(), Some(128 + number), "SIG{signal}");
        assert!(after.contains(LEAVE_ALTERNATE), "SIG{signal}: the alternate screen is left: {after:?}");
        assert!(after.contains(SHOW_CURSOR), "SIG{signal}: the cursor is shown again: {after:?}");
        assert!(before > 0);
        std::net::TcpListener::bind(("127.0.0.1", port)).expect("the port is free");
        let store = Store::open_with_keys(&dir.path().join("a.db"), KeySource::dir(dir.path().join("keys"))).unwrap();
        let app = store.apps().unwrap().remove(0);
        let auth = store.authorizations(app.id).unwrap().into_iter().find(|a| a.name == "OAuth").unwrap();
        assert_eq!(auth.last_test.map(|t| t.outcome).as_deref(), Some("cancelled"), "SIG{signal}: the run is recorded");
        drop(screen);
    }
}
