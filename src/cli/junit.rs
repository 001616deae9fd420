//! The JUnit XML report of `authdeck check --junit FILE`, as CI systems read it (GitHub Actions
//! through a test-report action, GitLab's `artifacts:reports:junit`, Jenkins' JUnit plugin): one
//! `<testsuite>`, one `<testcase>` per authorization (class name: its app), a `<failure>` for a
//! check that fails, its steps and drift in `<system-out>`.
//!
//! Written by hand rather than with an XML crate: the document is a few fixed elements, and what
//! takes care is the text, which comes from providers — a writer crate escapes `<&>"'` but passes
//! control characters through, and XML 1.0 can't carry most of them at all, not even as `&#1;`.
//! So every text goes through [`printable`]/[`printable_lines`] first (each control character
//! becomes a visible `\u{1b}`, as everywhere authdeck shows outside text), then the markup
//! characters are escaped; attribute values keep no raw line break, tab or carriage return.

use std::fmt::Write as _;

use crate::model::text::{printable, printable_lines};

/// One test case.
pub struct Case {
    /// The app (the test case's class name).
    pub class: String,
    /// The authorization.
    pub name: String,
    pub seconds: f64,
    /// Set when the case failed: its type (`fail`, `needs_login`, `warn`) and one-line message.
    pub failure: Option<(String, String)>,
    /// Set when it was not checked: why.
    pub skipped: Option<String>,
    /// The steps, drift and notes, one per line (already redacted).
    pub output: String,
}

/// The whole report; `timestamp` as `YYYY-MM-DDTHH:MM:SS` (UTC).
pub fn report(cases: &[Case], seconds: f64, timestamp: &str) -> String {
    let failures = cases.iter().filter(|c| c.failure.is_some()).count();
    let skipped = cases.iter().filter(|c| c.failure.is_none() && c.skipped.is_some()).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let counts = format!(
        "tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" time=\"{seconds:.3}\"",
        cases.len()
    );
    let _ = writeln!(out, "<testsuites name=\"authdeck check\" {counts}>");
    let _ = writeln!(out, "  <testsuite name=\"authdeck check\" {counts} timestamp=\"{}\">", attribute(timestamp));
    for case in cases {
        let _ = write!(
            out,
            "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\">",
            attribute(&case.class),
            attribute(&case.name),
            case.seconds
        );
        out.push('\n');
        if let Some((kind, message)) = &case.failure {
            let _ = writeln!(
                out,
                "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                attribute(kind),
                attribute(message),
                text(message)
            );
        } else if let Some(why) = &case.skipped {
            let _ = writeln!(out, "      <skipped message=\"{}\"/>", attribute(why));
        }
        if !case.output.is_empty() {
            let _ = writeln!(out, "      <system-out>{}</system-out>", text(&case.output));
        }
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// Element text: control characters made visible, markup escaped; line breaks and tabs kept.
pub fn text(value: &str) -> String {
    markup(&printable_lines(value), false)
}

/// An attribute value: on one line (line breaks and tabs made visible too), markup and quotes escaped.
pub fn attribute(value: &str) -> String {
    markup(&printable(value), true)
}

fn markup(value: &str, quotes: bool) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if quotes => out.push_str("&quot;"),
            '\'' if quotes => out.push_str("&apos;"),
            // Not characters XML 1.0 allows (section 2.2), and not control characters either.
            '\u{fffe}' | '\u{ffff}' => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_stays_well_formed_and_visible() {
        let hostile = "a<b>&\"c'\u{1b}]52;c;x\u{7}\u{0}\u{b}\r\n\tz\u{fffe}\u{202e}";
        assert_eq!(text(hostile), "a&lt;b&gt;&amp;\"c'\\u{1b}]52;c;x\\u{7}\\u{0}\\u{b}\\r\n\tz\\u{fffe}\\u{202e}");
        assert_eq!(attribute("x\"y\n\t'"), "x&quot;y\\n\\t&apos;");
    }

    #[test]
    fn the_counts_follow_the_cases() {
        let cases = [
            Case {
                class: "App".into(),
                name: "ok".into(),
                seconds: 0.5,
                failure: None,
                skipped: None,
                output: "[ok] step".into(),
            },
            Case {
                class: "App".into(),
                name: "bad".into(),
                seconds: 1.25,
                failure: Some(("fail".into(), "went wrong".into())),
                skipped: None,
                output: String::new(),
            },
        ];
        let xml = report(&cases, 1.75, "2026-01-01T00:00:00");
        assert!(xml.contains("tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"0\" time=\"1.750\""), "{xml}");
        assert!(xml.contains("<testcase classname=\"App\" name=\"bad\" time=\"1.250\">"), "{xml}");
        assert!(xml.contains("<failure type=\"fail\" message=\"went wrong\">went wrong</failure>"), "{xml}");
    }
}
