//! Fitting text into a width: cut with "…" where it doesn't fit (never silently), and URLs cut in
//! the middle so their host and their last part both stay in view.

use unicode_width::UnicodeWidthChar;

/// `text` (made printable) in at most `width` columns, ending with "…" when it had to be cut.
pub fn fit(text: &str, width: usize) -> String {
    let text = crate::model::text::printable(text);
    if display_width(&text) <= width {
        return text.into_owned();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// A URL in at most `width` columns: without its `https://`, and when still too long, its start and
/// its last path segment around a "…", so two endpoints of one host can be told apart.
pub fn fit_url(url: &str, width: usize) -> String {
    let url = crate::model::text::printable(url);
    let short = url.strip_prefix("https://").unwrap_or(&url);
    if display_width(short) <= width {
        return short.to_owned();
    }
    let tail = short.rsplit_once('/').map(|(_, last)| last).filter(|t| !t.is_empty()).unwrap_or("");
    let tail_width = display_width(tail) + 1;
    // The last segment says most (`/revocation` and `/introspection` of one host): kept whole
    // while at least 8 columns of the start stay beside it.
    if width < 12 || tail_width + 9 > width {
        return fit(short, width);
    }
    let head: String = {
        let mut out = String::new();
        let mut used = 0;
        for c in short.chars() {
            let w = c.width().unwrap_or(0);
            if used + w > width - tail_width - 1 {
                break;
            }
            used += w;
            out.push(c);
        }
        out
    };
    format!("{head}…/{tail}")
}

/// `text` word-wrapped into rows of at most `width` columns (a word longer than a row is broken).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    if display_width(text) <= width {
        return vec![text.to_owned()];
    }
    let mut rows = Vec::new();
    let mut row = String::new();
    let mut used = 0;
    for (i, word) in text.split(' ').enumerate() {
        let w = display_width(word);
        let gap = usize::from(i > 0 && used > 0);
        if used + gap + w <= width {
            if gap == 1 {
                row.push(' ');
            }
            row.push_str(word);
            used += gap + w;
            continue;
        }
        if used > 0 {
            rows.push(std::mem::take(&mut row));
            used = 0;
        }
        // A word wider than a row goes on as many rows as it needs.
        for c in word.chars() {
            let cw = c.width().unwrap_or(0);
            if used + cw > width {
                rows.push(std::mem::take(&mut row));
                used = 0;
            }
            row.push(c);
            used += cw;
        }
    }
    if !row.is_empty() || rows.is_empty() {
        rows.push(row);
    }
    rows
}

fn display_width(text: &str) -> usize {
    text.chars().map(|c| c.width().unwrap_or(0)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_text_ends_with_an_ellipsis() {
        assert_eq!(fit("GitHub", 10), "GitHub");
        assert_eq!(fit("GitHub OAuth app", 10), "GitHub OA…");
        assert_eq!(fit("x\u{1b}y", 10), "x\\u{1b}y");
        assert_eq!(fit("abc", 0), "");
    }

    #[test]
    fn wrapping_breaks_at_spaces_and_inside_long_words() {
        assert_eq!(wrap("short", 10), ["short"]);
        assert_eq!(wrap("aaaa bbbb cccc", 9), ["aaaa bbbb", "cccc"]);
        assert_eq!(wrap("x abcdefghijk", 5), ["x", "abcde", "fghij", "k"]);
        assert_eq!(wrap("", 5), [""]);
    }

    #[test]
    fn urls_keep_their_host_and_last_part() {
        let a = fit_url("https://api.example.test/v2/organizations/accounts/token", 34);
        let b = fit_url("https://api.example.test/v2/organizations/accounts/userinfo", 34);
        assert_eq!(a, "api.example.test/v2/organiz…/token");
        assert!(b.ends_with("…/userinfo") && b.starts_with("api.example.test/"), "{b}");
        // One host, long last parts (a local provider's revocation and introspection).
        let r = fit_url("http://127.0.0.1:18977/token/revocation", 25);
        let i = fit_url("http://127.0.0.1:18977/token/introspection", 25);
        assert_eq!((r.as_str(), i.as_str()), ("http://127.0.…/revocation", "http://127…/introspection"));
        assert_eq!(fit_url("https://a.test/t", 34), "a.test/t");
        assert!(fit_url("https://a.test/t", 34).chars().count() <= 34);
    }
}
