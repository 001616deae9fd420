//! Redaction of secrets: what a step record, a log line or the screen shows in place of a client
//! secret, a code, a code verifier, a token, an API key, a password or a credential header. Pure.
//!
//! Two nets, so a secret is caught wherever it lands: by *name* (a header, form field, query
//! parameter or JSON key that holds secrets, such as `Authorization`, `client_secret`,
//! `authed_user.access_token`) and by *value* (every secret the flow knows is replaced wherever it
//! appears, also form- or percent-encoded, so an API key in a custom header or a URL path is hidden too).

use std::fmt;

use serde_json::Value;

/// What is shown in place of a secret.
pub const REDACTED: &str = "[redacted]";

/// Secrets at least this long are hidden wherever they appear, even inside a word. Shorter ones
/// (a three-letter "secret") are hidden wherever they stand on their own — as a query or form value,
/// a header value, a JSON string, between any non-alphanumeric characters — but not inside longer
/// words: replacing every "s" would garble every message while hiding nothing.
pub const WORD_SAFE_LEN: usize = 4;

/// What a masked secret shows in place of each character.
pub const MASK: char = '•';

/// Field names that always hold secrets (compared lower-case, with `-` read as `_`).
const SECRET_KEYS: &[&str] = &[
    "client_secret",
    "code",
    "code_verifier",
    "access_token",
    "refresh_token",
    "id_token",
    "token",
    "password",
    "passwd",
    "api_key",
    "apikey",
    "secret",
    "assertion",
    "client_assertion",
    "device_code",
    "authorization",
    "proxy_authorization",
    "cookie",
    "set_cookie",
];

/// True when a header, form field, query parameter or JSON key of this name holds a secret.
pub fn is_secret_key(name: &str) -> bool {
    let name = name.trim().to_ascii_lowercase().replace('-', "_");
    SECRET_KEYS.contains(&name.as_str())
        || ["_token", "_secret", "password", "api_key", "apikey"].iter().any(|suffix| name.ends_with(suffix))
}

/// A value that must not be shown or logged by accident: `Debug` prints [`REDACTED`], and it has no
/// `Display` or `Serialize`. The screen reveals it only on request, with [`Sensitive::reveal`].
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Sensitive<T>(T);

impl<T> Sensitive<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The secret itself: for sending it, saving it, or showing it after the user asked to.
    pub fn reveal(&self) -> &T {
        &self.0
    }

    pub fn into_revealed(self) -> T {
        self.0
    }
}

impl<T> From<T> for Sensitive<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

impl<T> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// Hides secrets in text, URLs, headers, form and JSON bodies. Knows the secret values of one run.
#[derive(Clone, Default)]
pub struct Redactor {
    /// Every known secret value and its encoded forms, longest first so a longer one wins.
    values: Vec<String>,
    /// Names that hold a secret in this run beyond the usual ones (an API key's own header name).
    names: Vec<String>,
    /// Formats without hiding anything: for the raw record a reveal key shows.
    reveal: bool,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Redactor({} values)", self.values.len())
    }
}

impl Redactor {
    pub fn new() -> Self {
        Self::default()
    }

    /// Formats like a redactor (pretty JSON…) but hides nothing: for what the user asked to reveal.
    pub fn revealing() -> Self {
        Self { values: Vec::new(), names: Vec::new(), reveal: true }
    }

    fn hides(&self, name: &str) -> bool {
        !self.reveal && (is_secret_key(name) || self.names.iter().any(|n| n.eq_ignore_ascii_case(name.trim())))
    }

    /// Remembers a header, parameter or field name whose value is secret in this run, however short
    /// the value (e.g. the header an API key is sent in, `X-Key`).
    pub fn add_name(&mut self, name: &str) {
        let name = name.trim();
        if !name.is_empty() && !self.names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            self.names.push(name.to_owned());
        }
    }

    /// Remembers a secret value, so it is hidden wherever it appears (raw, form-, percent- or
    /// JSON-encoded), whatever its length: a five-letter client secret in `?k={{client_secret}}`
    /// is as secret as a long one (see [`WORD_SAFE_LEN`] for the very shortest).
    pub fn add(&mut self, secret: &str) {
        if secret.is_empty() {
            return;
        }
        let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        let percent = form.replace('+', "%20");
        let json = serde_json::to_string(secret).unwrap_or_default();
        let json = json.trim_matches('"').to_owned();
        for variant in [secret.to_owned(), form, percent, json] {
            if !variant.is_empty() && !self.values.contains(&variant) {
                self.values.push(variant);
            }
        }
        self.values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    }

    /// True when `text` contains a known secret value.
    pub fn leaks(&self, text: &str) -> bool {
        self.values.iter().any(|v| !occurrences(text, v).is_empty())
    }

    /// Replaces every known secret value in free text.
    pub fn text(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for value in &self.values {
            let found = occurrences(&out, value);
            if found.is_empty() {
                continue;
            }
            let mut replaced = String::with_capacity(out.len());
            let mut last = 0;
            for start in found {
                replaced.push_str(&out[last..start]);
                replaced.push_str(REDACTED);
                last = start + value.len();
            }
            replaced.push_str(&out[last..]);
            out = replaced;
        }
        out
    }

    /// A header value for display: credential headers keep only their scheme (`Bearer [redacted]`).
    pub fn header(&self, name: &str, value: &str) -> String {
        if !self.hides(name) {
            return self.text(value);
        }
        match value.trim().split_once(' ') {
            Some((scheme, _)) if scheme.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') => {
                format!("{scheme} {REDACTED}")
            }
            _ => REDACTED.to_owned(),
        }
    }

    /// A URL for display: secret query parameters (and a password in it) hidden, the rest kept as sent.
    pub fn url(&self, url: &str) -> String {
        let (base, fragment) = match url.split_once('#') {
            Some((b, f)) => (b, Some(f)),
            None => (url, None),
        };
        let mut out = match base.split_once('?') {
            Some((path, query)) => format!("{path}?{}", self.form_text(query)),
            None => base.to_owned(),
        };
        if let Some(fragment) = fragment {
            out.push('#');
            out.push_str(&self.form_text(fragment));
        }
        if let Ok(mut parsed) = url::Url::parse(&out)
            && !self.reveal
            && parsed.password().is_some()
            && parsed.set_password(Some("redacted")).is_ok()
        {
            out = parsed.to_string();
        }
        self.text(&out)
    }

    /// A form-encoded body (or query string) for display: secret fields hidden, the rest as sent.
    pub fn form_text(&self, body: &str) -> String {
        let fields: Vec<String> = body
            .split('&')
            .map(|field| match field.split_once('=') {
                Some((key, _)) if self.hides(&decode(key)) => format!("{key}={REDACTED}"),
                _ => field.to_owned(),
            })
            .collect();
        self.text(&fields.join("&"))
    }

    /// A JSON value for display: values under secret keys hidden, known secrets hidden in all strings.
    pub fn json(&self, value: &Value) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(key, v)| {
                        let hidden = self.hides(key) && !matches!(v, Value::Object(_) | Value::Array(_) | Value::Null);
                        (key.clone(), if hidden { Value::String(REDACTED.into()) } else { self.json(v) })
                    })
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.json(v)).collect()),
            Value::String(s) => Value::String(self.text(s)),
            other => other.clone(),
        }
    }

    /// A body for display: pretty JSON when it parses, form fields when it is form-encoded, text otherwise.
    pub fn body(&self, content_type: Option<&str>, body: &str) -> String {
        let content_type = content_type.unwrap_or_default().to_ascii_lowercase();
        if let Ok(value) = serde_json::from_str::<Value>(body)
            && (value.is_object() || value.is_array())
        {
            return serde_json::to_string_pretty(&self.json(&value)).unwrap_or_else(|_| self.text(body));
        }
        if content_type.contains("x-www-form-urlencoded") || looks_like_form(body) {
            return self.form_text(body.trim());
        }
        self.text(body)
    }
}

/// Where `value` occurs in `text` (byte offsets, not overlapping): everywhere for a value of
/// [`WORD_SAFE_LEN`] characters or more, only where it stands on its own for a shorter one.
fn occurrences(text: &str, value: &str) -> Vec<usize> {
    let whole_word_only = value.chars().count() < WORD_SAFE_LEN;
    let alnum_at = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find(value).map(|i| i + from) {
        let end = at + value.len();
        let alone = !alnum_at(text[..at].chars().next_back()) && !alnum_at(text[end..].chars().next());
        if !whole_word_only || alone {
            found.push(at);
            from = end;
        } else {
            from = at + value.chars().next().map_or(1, char::len_utf8);
        }
    }
    found
}

/// True for a one-line `key=value&key=value` text.
pub fn looks_like_form(body: &str) -> bool {
    let body = body.trim();
    !body.is_empty()
        && !body.contains(char::is_whitespace)
        && body.split('&').all(|f| f.split_once('=').is_some_and(|(k, _)| !k.is_empty()))
}

fn decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("{text}=").as_bytes()).next().map(|(k, _)| k.into_owned()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn redactor(secrets: &[&str]) -> Redactor {
        let mut r = Redactor::new();
        for s in secrets {
            r.add(s);
        }
        r
    }

    #[test]
    fn a_name_added_for_the_run_hides_even_a_short_value() {
        let mut r = Redactor::new();
        r.add("k1");
        r.add_name("X-Key");
        assert_ne!(r.header("x-key", "k1"), "k1");
        assert_eq!(r.header("Accept", "text/plain"), "text/plain");
        assert!(!r.url("https://x.test/me?X-Key=k1").contains("=k1"));
    }

    #[test]
    fn secret_names() {
        for name in ["client_secret", "Code", "access_token", "X-API-Key", "Authorization", "x-auth-token", "Password"]
        {
            assert!(is_secret_key(name), "{name}");
        }
        for name in ["token_type", "expires_in", "scope", "state", "client_id", "Accept", "name"] {
            assert!(!is_secret_key(name), "{name}");
        }
    }

    #[test]
    fn credential_headers_keep_their_scheme() {
        let r = redactor(&[]);
        assert_eq!(r.header("Authorization", "Basic YWJjOmRlZg=="), "Basic [redacted]");
        assert_eq!(r.header("authorization", "Bearer tok"), "Bearer [redacted]");
        assert_eq!(r.header("X-API-Key", "k123"), REDACTED);
        assert_eq!(r.header("Accept", "application/json"), "application/json");
    }

    #[test]
    fn known_values_are_hidden_in_any_form() {
        let r = redactor(&["s3cr3t key+/"]);
        assert_eq!(r.text("a s3cr3t key+/ b"), "a [redacted] b");
        assert_eq!(r.text("x=s3cr3t+key%2B%2F"), "x=[redacted]");
        assert_eq!(r.header("X-Custom", "s3cr3t key+/"), REDACTED);
        assert!(r.leaks("..s3cr3t%20key%2B%2F.."));
    }

    #[test]
    fn the_shortest_values_are_hidden_where_they_stand_alone() {
        let r = redactor(&["s", "ab"]);
        assert_eq!(r.text("paste the redirected URL"), "paste the redirected URL");
        assert_eq!(r.url("https://x.test/me?k=s&q=ab"), "https://x.test/me?k=[redacted]&q=[redacted]");
        assert_eq!(r.text("Bearer s, \"ab\", x-ab-y, abc"), "Bearer [redacted], \"[redacted]\", x-[redacted]-y, abc");
    }

    #[test]
    fn short_values_are_hidden_wherever_they_appear() {
        let r = redactor(&["ab1c5", "pw"]);
        assert_eq!(r.url("https://x.test/me?k=ab1c5&scope=a"), "https://x.test/me?k=[redacted]&scope=a");
        assert_eq!(r.text("login pw: pw"), "login [redacted]: [redacted]");
        assert_eq!(r.form_text("client_secret=s&scope=sx"), "client_secret=[redacted]&scope=sx");
        assert!(!r.json(&json!({"echo": "ab1c5"})).to_string().contains("ab1c5"));
        assert_eq!(Redactor::new().text(""), "");
    }

    #[test]
    fn urls_and_forms_hide_secret_fields_only() {
        let r = redactor(&[]);
        assert_eq!(
            r.url("http://127.0.0.1:8976/callback?code=abc&state=xyz&iss=http%3A%2F%2Fp"),
            "http://127.0.0.1:8976/callback?code=[redacted]&state=xyz&iss=http%3A%2F%2Fp"
        );
        assert_eq!(
            r.form_text("grant_type=authorization_code&code=abc&client_secret=s&code_verifier=v"),
            "grant_type=authorization_code&code=[redacted]&client_secret=[redacted]&code_verifier=[redacted]"
        );
        assert!(!r.url("https://u:pw@x.example/a").contains("pw"));
    }

    #[test]
    fn json_hides_nested_tokens() {
        let r = redactor(&["custom-place-value"]);
        let v = json!({"ok": true, "authed_user": {"id": "U1", "access_token": "xoxp-1"}, "token_type": "bearer",
                       "data": {"tok": "custom-place-value"}, "refresh_token": null});
        let shown = r.json(&v);
        assert_eq!(shown["authed_user"]["access_token"], REDACTED);
        assert_eq!(shown["authed_user"]["id"], "U1");
        assert_eq!(shown["token_type"], "bearer");
        assert_eq!(shown["data"]["tok"], REDACTED);
        assert_eq!(shown["refresh_token"], Value::Null);
    }

    #[test]
    fn bodies_pretty_print_json_and_read_forms() {
        let r = redactor(&[]);
        let shown = r.body(Some("application/json"), r#"{"access_token":"t","expires_in":3600}"#);
        assert!(shown.contains("\n") && shown.contains(REDACTED) && shown.contains("3600"), "{shown}");
        let form = r.body(Some("application/x-www-form-urlencoded"), "access_token=gho_1&scope=repo&token_type=bearer");
        assert_eq!(form, "access_token=[redacted]&scope=repo&token_type=bearer");
        assert_eq!(r.body(Some("text/html"), "<html>hi</html>"), "<html>hi</html>");
    }

    #[test]
    fn revealing_formats_but_hides_nothing() {
        let r = Redactor::revealing();
        assert_eq!(r.header("Authorization", "Bearer t"), "Bearer t");
        assert_eq!(r.form_text("code=c&x=1"), "code=c&x=1");
        assert!(r.body(None, r#"{"access_token":"t"}"#).contains("\"t\""));
    }

    #[test]
    fn sensitive_debug_hides() {
        let s = Sensitive::new("tok".to_owned());
        assert_eq!(format!("{s:?}"), REDACTED);
        assert_eq!(s.reveal(), "tok");
    }
}
