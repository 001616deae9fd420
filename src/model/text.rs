//! Text from outside (a provider's answer, a callback, an imported file) made safe to show: control
//! characters become visible escapes, so no escape sequence from a web page reaches the terminal
//! (an OSC 52 that fills the clipboard, a title change, a cursor move that hides a line).

use std::borrow::Cow;
use std::fmt::Write as _;

/// `text` with every control character escaped: C0 and C1 controls, DEL, and the bidirectional
/// overrides that reorder what is shown ("Trojan Source", CVE-2021-42574). Line breaks and tabs are
/// escaped too: use [`printable_lines`] where a multi-line text is shown as lines.
pub fn printable(text: &str) -> Cow<'_, str> {
    escape(text, false)
}

/// Like [`printable`], but keeps `\n` and `\t` as they are (a response body shown as lines).
pub fn printable_lines(text: &str) -> Cow<'_, str> {
    escape(text, true)
}

/// True for a character [`printable`] escapes: a control character or a bidirectional override.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

fn needs_escape(c: char, keep_lines: bool) -> bool {
    if keep_lines && (c == '\n' || c == '\t') {
        return false;
    }
    is_unsafe(c)
}

fn escape(text: &str, keep_lines: bool) -> Cow<'_, str> {
    if !text.chars().any(|c| needs_escape(c, keep_lines)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            c if !needs_escape(c, keep_lines) => out.push(c),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_as_is() {
        assert!(matches!(printable("Ann <a@x.test> é 🙂"), Cow::Borrowed(_)));
    }

    #[test]
    fn escape_sequences_become_visible() {
        let osc52 = "x\u{1b}]52;c;ZWNobyBQV05FRA==\u{7}y";
        assert_eq!(printable(osc52), "x\\u{1b}]52;c;ZWNobyBQV05FRA==\\u{7}y");
        assert_eq!(printable("a\r\nb\tc\u{7f}\u{9b}"), "a\\r\\nb\\tc\\u{7f}\\u{9b}");
        assert_eq!(printable("abc\u{202e}fed"), "abc\\u{202e}fed");
    }

    #[test]
    fn lines_keep_their_breaks() {
        assert_eq!(printable_lines("a\nb\tc\u{1b}[2J"), "a\nb\tc\\u{1b}[2J");
    }
}
