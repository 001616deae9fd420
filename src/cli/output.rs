//! The one way the command line writes to the terminal or a pipe: every text goes through here, and
//! here every control character that came from outside (a provider's `error_description`, a forged
//! callback's `state`, a stray request's method, a name from an imported file) is escaped with
//! [`printable_lines`], so no escape sequence (an OSC 52 that fills the clipboard, a title change)
//! reaches the terminal. JSON keeps its meaning: C0 controls are escaped by serde_json, and what it
//! writes raw (DEL, the C1 controls, bidirectional overrides) is written as `\uXXXX` escapes here.
//!
//! A value that must stay on one line (a cell of `authdeck list`, a method or a path) is escaped
//! with [`one_line`] where it is formatted, so a newline in it can't forge another line.

use std::fmt::Write as _;
use std::io::Write;

use crate::model::text::{is_unsafe, printable, printable_lines};

/// A value shown inside one line: line breaks and tabs escaped too.
pub fn one_line(text: &str) -> std::borrow::Cow<'_, str> {
    printable(text)
}

/// Writes `text` and a line break to stdout.
pub fn out_line(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", printable_lines(text))?;
    out.flush()
}

/// How a tag is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Good,
    Warn,
    Bad,
}

/// True when stdout may get colour: a terminal, and no `NO_COLOR` (https://no-color.org: set and
/// not empty turns colour off).
pub fn colour_on_stdout() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}

/// Writes a line that starts with a short tag of authdeck's own (`PASS`, `FAIL`), in colour where
/// [`colour_on_stdout`] allows, then `rest` escaped.
pub fn out_tagged(tag: &str, tone: Tone, rest: &str) -> std::io::Result<()> {
    let tag = format!("{tag:<5}");
    let tag = if colour_on_stdout() {
        let code = match tone {
            Tone::Good => "32",
            Tone::Warn => "33",
            Tone::Bad => "1;31",
        };
        format!("\u{1b}[{code}m{tag}\u{1b}[0m")
    } else {
        tag
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "{tag}  {}", printable_lines(rest))?;
    out.flush()
}

/// Writes `text` to stdout as it is, after escaping (for a document that ends in its own newline).
pub fn out_text(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(printable_lines(text).as_bytes())?;
    out.flush()
}

/// Writes `text` and a line break to stderr. Errors are ignored, as `eprintln!` would panic on them:
/// a closed stderr is no reason to stop.
pub fn err_line(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{}", printable_lines(text));
}

/// Writes `text` to stderr without a line break (a prompt).
pub fn err_prompt(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "{}", printable_lines(text));
    let _ = err.flush();
}

/// Reads one line from the terminal without showing it (a secret typed at a prompt). Raw mode is
/// on only while reading; Ctrl-C or Ctrl-D gives up (None).
pub fn read_hidden_line() -> std::io::Result<Option<String>> {
    use crossterm::event::{Event, KeyCode, KeyEventKind, KeyModifiers, read};
    crossterm::terminal::enable_raw_mode()?;
    let mut line = String::new();
    let result = loop {
        match read() {
            Ok(Event::Key(key)) if key.kind != KeyEventKind::Release => {
                let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
                match key.code {
                    KeyCode::Enter => break Ok(Some(line)),
                    KeyCode::Char('c' | 'd') if ctrl => break Ok(None),
                    KeyCode::Char('u') if ctrl => line.clear(),
                    KeyCode::Backspace => {
                        line.pop();
                    }
                    KeyCode::Char(c) if !ctrl => line.push(c),
                    _ => {}
                }
            }
            Ok(Event::Paste(text)) => line.push_str(text.trim_end_matches(['\r', '\n'])),
            Ok(_) => {}
            Err(e) => break Err(e),
        }
    };
    let _ = crossterm::terminal::disable_raw_mode();
    err_line("");
    result
}

/// Pretty JSON of `value`, every control character escaped the JSON way.
pub fn json_text<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let text = serde_json::to_string_pretty(value)?;
    Ok(escape_json(&text))
}

/// Writes `value` as pretty JSON and a line break to stdout.
pub fn out_json<T: serde::Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", json_text(value)?)?;
    out.flush()?;
    Ok(())
}

/// serde_json's output with what it leaves raw — DEL, C1 controls, bidi overrides — as `\uXXXX`.
/// Outside strings JSON has only ASCII punctuation, so every such character is inside a string,
/// where the escape means the same character.
pub fn escape_json(text: &str) -> String {
    if !text.chars().any(|c| c != '\n' && is_unsafe(c)) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if c != '\n' && is_unsafe(c) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_stays_json_with_every_control_escaped() {
        let hostile = "x\u{1b}]52;c;ZWNobyBQV05FRA==\u{7}\u{9b}2J\u{7f}\u{202e}y\r\n";
        let text = json_text(&serde_json::json!({ "name": hostile, "n": 1 })).unwrap();
        assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{text:?}");
        assert!(!text.contains('\u{202e}'), "{text:?}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["name"], hostile, "the same value, escaped");
    }

    #[test]
    fn plain_json_is_untouched() {
        let text = json_text(&serde_json::json!({"a": "é 🙂 <b>"})).unwrap();
        assert_eq!(text, "{\n  \"a\": \"é 🙂 <b>\"\n}");
    }
}
