//! Response mapping entries: where a response keeps a value. An entry is either the original form
//! — a dotted path (`authed_user.access_token`, `data.0.email`) with `a|b` alternatives — or a
//! minijinja expression over the response (`givenName ~ " " ~ familyName`, `expires_in / 1000`,
//! `data[0].email`, `sub or id`). Both read the same JSON; the expression form exists because real
//! providers need arithmetic, concatenation and fallbacks that a path can't say.
//!
//! An entry made only of plain paths joined by `|` keeps its old meaning (the first path that
//! holds a value), so every file written before expressions existed reads as it did — unless a
//! name after a `|` is a filter (`expires_in | int`, `name|title`), which
//! makes it an expression. Anything else is compiled as an expression: a mistake is refused with
//! minijinja's reason when the endpoint is saved or imported, never found out at the provider.

use minijinja::value::{Value, ValueKind};
use minijinja::{Error, ErrorKind, UndefinedBehavior};

use super::template;

/// How an entry reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MappingEntry<'a> {
    /// Nothing to read.
    Empty,
    /// Dotted paths; the first that holds a value wins.
    Paths(Vec<&'a str>),
    /// A minijinja expression over the response.
    Expression(&'a str),
}

impl<'a> MappingEntry<'a> {
    pub fn parse(entry: &'a str) -> MappingEntry<'a> {
        let entry = entry.trim();
        if entry.is_empty() {
            return MappingEntry::Empty;
        }
        let paths: Vec<&str> = entry.split('|').map(str::trim).collect();
        if paths.iter().all(|p| is_plain_path(p)) && !paths[1..].iter().any(|p| FILTERS.contains(p)) {
            MappingEntry::Paths(paths)
        } else {
            MappingEntry::Expression(entry)
        }
    }
}

/// The filters an expression may use (minijinja's built-in ones and authdeck's `timestamp`): a
/// name after `|` that is one of them is a filter, not an alternative field.
const FILTERS: &[&str] = &[
    "abs",
    "attr",
    "batch",
    "bool",
    "capitalize",
    "chain",
    "count",
    "d",
    "default",
    "dictsort",
    "e",
    "escape",
    "first",
    "float",
    "format",
    "groupby",
    "indent",
    "int",
    "items",
    "join",
    "last",
    "length",
    "lines",
    "list",
    "lower",
    "map",
    "max",
    "min",
    "pprint",
    "reject",
    "rejectattr",
    "replace",
    "reverse",
    "round",
    "safe",
    "select",
    "selectattr",
    "slice",
    "sort",
    "split",
    "string",
    "sum",
    "timestamp",
    "title",
    "tojson",
    "trim",
    "unique",
    "upper",
    "urlencode",
    "zip",
];

/// `a.b.0.c`: segments of letters, digits, `_`, `-`, `$`, `@` and `:` (header-like or namespaced
/// keys such as `x-user-id` or `urn:id` are fields, as they always were).
fn is_plain_path(path: &str) -> bool {
    !path.is_empty()
        && path
            .split('.')
            .all(|segment| !segment.is_empty() && segment.chars().all(|c| c.is_alphanumeric() || "_-$@:".contains(c)))
}

/// The expression environment: authdeck's template environment (its fuel limit included), but a
/// missing field reads as nothing — `sub or id` falls back, `data[0].email` on an empty list is
/// no value — rather than an error. Adds `now()` (Unix seconds) and the `timestamp` filter (an
/// RFC 3339 time, or Unix seconds or milliseconds, as Unix seconds) for providers that give an
/// absolute expiry.
fn environment() -> minijinja::Environment<'static> {
    let mut env = template::environment();
    env.set_undefined_behavior(UndefinedBehavior::Chainable);
    env.add_function("now", super::time::now);
    env.add_filter("timestamp", timestamp_filter);
    env
}

fn timestamp_filter(value: Value) -> Result<Value, Error> {
    let seconds = match value.kind() {
        ValueKind::Number => value.as_i64().or_else(|| f64::try_from(value.clone()).ok().map(|f| f as i64)),
        ValueKind::String => value.as_str().and_then(|s| {
            let s = s.trim();
            s.parse::<f64>().ok().map(|f| f as i64).or_else(|| super::time::parse_rfc3339(s))
        }),
        _ => None,
    };
    let seconds = seconds
        .ok_or_else(|| Error::new(ErrorKind::InvalidOperation, format!("timestamp can't read {value} as a time")))?;
    Ok(Value::from(super::time::seconds_from_unix(seconds)))
}

/// Checks an entry: plain paths always pass; an expression must compile. The message says what
/// is wrong, for the form or the importer to show beside the field.
pub fn check(entry: &str) -> Result<(), String> {
    match MappingEntry::parse(entry) {
        MappingEntry::Empty | MappingEntry::Paths(_) => Ok(()),
        MappingEntry::Expression(expression) => {
            template::check_expression_shape(expression).map_err(|reason| in_expression(expression, &reason))?;
            let env = environment();
            let compiled = env.compile_expression(expression).map_err(|e| describe(expression, &e))?;
            // Filters and functions are looked up when the expression runs: a trial run on an
            // empty response finds a misspelt one now (other failures depend on the response).
            match compiled.eval(expression_context(&serde_json::Value::Null)) {
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::UnknownFilter | ErrorKind::UnknownFunction | ErrorKind::UnknownTest
                    ) =>
                {
                    Err(describe(expression, &e))
                }
                _ => Ok(()),
            }
        }
    }
}

/// Reads an entry from a response: `Ok(None)` when it holds no value (a missing field, null, an
/// object), `Err` when an expression fails (dividing a string, say), with the reason.
///
/// Strings are returned as they are, numbers as their text (`3600`, and `3600` for `3600.0`),
/// booleans as `true`/`false`, and a list of plain values as its items joined by spaces (Twitch
/// and Linear send `scope` as a JSON array).
pub fn read(response: &serde_json::Value, entry: &str) -> Result<Option<String>, String> {
    match MappingEntry::parse(entry) {
        MappingEntry::Empty => Ok(None),
        MappingEntry::Paths(paths) => Ok(paths.iter().find_map(|p| read_path(response, p))),
        MappingEntry::Expression(expression) => {
            // Checked again here: an old database or an imported file may hold anything.
            template::check_expression_shape(expression).map_err(|reason| in_expression(expression, &reason))?;
            let env = environment();
            let compiled = env.compile_expression(expression).map_err(|e| describe(expression, &e))?;
            let value = compiled.eval(expression_context(response)).map_err(|e| describe_failure(expression, &e))?;
            Ok(as_text(&value))
        }
    }
}

/// The response fields an entry reads, as a response's shape names them (`data.0.email` as
/// `data[].email`): each plain path, or the names an expression uses (`givenName ~ " " ~
/// familyName` reads `givenName` and `familyName`). An expression that doesn't compile reads none.
pub fn referenced_paths(entry: &str) -> Vec<String> {
    let raw: Vec<String> = match MappingEntry::parse(entry) {
        MappingEntry::Empty => Vec::new(),
        MappingEntry::Paths(paths) => paths.into_iter().map(str::to_owned).collect(),
        MappingEntry::Expression(expression) => match environment().compile_expression(expression) {
            Ok(compiled) => {
                let mut names: Vec<String> = compiled.undeclared_variables(true).into_iter().collect();
                names.sort();
                names.retain(|n| n != "response" && !n.starts_with("response."));
                names
            }
            Err(_) => Vec::new(),
        },
    };
    raw.iter()
        .map(|path| {
            let mut out = String::new();
            for segment in path.split('.') {
                if segment.chars().all(|c| c.is_ascii_digit()) && !out.is_empty() {
                    out.push_str("[]");
                } else {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(segment);
                }
            }
            out
        })
        .collect()
}

/// The names an expression sees: the response's top-level fields, and `response` for the whole
/// (a response that is a list: `response[0].tenantId`) unless the response has a field of that name.
fn expression_context(response: &serde_json::Value) -> Value {
    let mut map = match response {
        serde_json::Value::Object(fields) => fields.clone(),
        _ => serde_json::Map::new(),
    };
    map.entry("response").or_insert_with(|| response.clone());
    Value::from_serialize(&map)
}

fn as_text(value: &Value) -> Option<String> {
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => None,
        ValueKind::String => value.as_str().map(str::to_owned),
        ValueKind::Bool => Some(value.is_true().to_string()),
        ValueKind::Number => Some(number_text(value)),
        ValueKind::Seq => {
            let items: Vec<String> = value.try_iter().ok()?.map(|item| scalar_text(&item)).collect::<Option<_>>()?;
            Some(items.join(" "))
        }
        _ => None,
    }
}

fn scalar_text(value: &Value) -> Option<String> {
    match value.kind() {
        ValueKind::String => value.as_str().map(str::to_owned),
        ValueKind::Number => Some(number_text(value)),
        ValueKind::Bool => Some(value.is_true().to_string()),
        _ => None,
    }
}

/// `3600` for 3600 and 3600.0; `1.5` for 1.5.
fn number_text(value: &Value) -> String {
    if let Some(i) = value.as_i64() {
        return i.to_string();
    }
    match f64::try_from(value.clone()) {
        Ok(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => format!("{}", f as i64),
        Ok(f) => f.to_string(),
        Err(_) => value.to_string(),
    }
}

/// A refusal of the template rules, said of the expression.
fn in_expression(expression: &str, reason: &str) -> String {
    // "Template error on line 1: what" — an expression is one line.
    let detail = reason
        .strip_prefix("Template error")
        .map_or(reason, |rest| rest.split_once(": ").map_or(rest, |(_, detail)| detail));
    format!("The expression `{expression}` has an error: {detail}")
}

/// An expression error as one line: the expression and what is wrong with it.
fn describe(expression: &str, e: &Error) -> String {
    describe_as(expression, e, "has an error")
}

/// An error of an expression that compiled but failed on this response.
fn describe_failure(expression: &str, e: &Error) -> String {
    describe_as(expression, e, "failed")
}

fn describe_as(expression: &str, e: &Error, what: &str) -> String {
    let detail = e.detail().map(str::to_owned).unwrap_or_else(|| e.kind().to_string());
    format!("The expression `{expression}` {what}: {detail}.")
}

/// Reads a dotted path (`authed_user.access_token`, `data.0.email`) from a JSON value; `a|b` tries
/// `a`, then `b` (`sub|id` fits both OpenID Connect and GitHub-style user endpoints).
/// Numbers and booleans are returned as their text, a list of them as its items joined by spaces;
/// objects, other lists and null are not values.
pub fn read_path(value: &serde_json::Value, path: &str) -> Option<String> {
    path.split('|').find_map(|p| read_one_path(value, p))
}

fn read_one_path(value: &serde_json::Value, path: &str) -> Option<String> {
    let path = path.trim();
    if path.is_empty() {
        return None;
    }
    let mut current = value;
    for part in path.split('.') {
        current = match current {
            serde_json::Value::Object(map) => map.get(part)?,
            serde_json::Value::Array(items) => items.get(part.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    match current {
        serde_json::Value::Array(items) => {
            items.iter().map(json_scalar).collect::<Option<Vec<_>>>().map(|items| items.join(" "))
        }
        other => json_scalar(other),
    }
}

fn json_scalar(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn plain_paths_and_alternatives_keep_their_old_meaning() {
        assert_eq!(MappingEntry::parse(" sub|id "), MappingEntry::Paths(vec!["sub", "id"]));
        assert_eq!(MappingEntry::parse("sub | id"), MappingEntry::Paths(vec!["sub", "id"]));
        assert_eq!(MappingEntry::parse("data.0.x-user-id"), MappingEntry::Paths(vec!["data.0.x-user-id"]));
        assert_eq!(MappingEntry::parse(""), MappingEntry::Empty);
        assert!(matches!(MappingEntry::parse("sub or id"), MappingEntry::Expression(_)));
        assert!(matches!(MappingEntry::parse("data[0].email"), MappingEntry::Expression(_)));
        // A name after | that is a filter makes it an expression.
        assert!(matches!(MappingEntry::parse("expires_in|int"), MappingEntry::Expression(_)));
        assert!(matches!(MappingEntry::parse("x | timestamp"), MappingEntry::Expression(_)));
        assert_eq!(MappingEntry::parse("int|id"), MappingEntry::Paths(vec!["int", "id"]), "first is always a field");
        let v = json!({"id": 7, "login": "octo", "data": [{"email": "a@b.test"}]});
        assert_eq!(read(&v, "sub|id").unwrap().as_deref(), Some("7"));
        assert_eq!(read(&v, "name|login").unwrap().as_deref(), Some("octo"));
        assert_eq!(read(&v, "data.0.email").unwrap().as_deref(), Some("a@b.test"));
        assert_eq!(read(&v, "nothing").unwrap(), None);
    }

    #[test]
    fn expressions_compute_from_the_response() {
        let v = json!({
            "givenName": "Ann", "familyName": "Lee", "expires_in": 3_600_000, "data": [{"email": "a@b.test"}],
            "id": 42, "scope": ["read", "write"], "ok": true, "ratio": 1.5
        });
        let r = |e: &str| read(&v, e).unwrap();
        assert_eq!(r(r#"givenName ~ " " ~ familyName"#).as_deref(), Some("Ann Lee"));
        assert_eq!(r("expires_in / 1000").as_deref(), Some("3600"));
        assert_eq!(r("expires_in // 1000").as_deref(), Some("3600"));
        assert_eq!(r("data[0].email").as_deref(), Some("a@b.test"));
        assert_eq!(r("sub or id").as_deref(), Some("42"));
        assert_eq!(r("scope").as_deref(), Some("read write"));
        assert_eq!(r("scope | length").as_deref(), Some("2"));
        assert_eq!(r("ok").as_deref(), Some("true"));
        assert_eq!(r("ratio").as_deref(), Some("1.5"));
        // Missing fields are no value, however deep: no error.
        assert_eq!(r("missing.deeper[3].x"), None);
        assert_eq!(r("data[5].email"), None);
        assert_eq!(r("data[0]"), None, "an object is not a value");
    }

    #[test]
    fn a_response_that_is_a_list_is_read_through_response() {
        let v = json!([{"tenantId": "t-1"}]);
        assert_eq!(read(&v, "response[0].tenantId").unwrap().as_deref(), Some("t-1"));
        assert_eq!(read(&v, "0.tenantId").unwrap().as_deref(), Some("t-1"));
    }

    #[test]
    fn absolute_times_become_seconds_from_now() {
        let in_an_hour = crate::model::time::now() + 3600;
        let v = json!({"expires_at": in_an_hour, "expires_at_ms": in_an_hour * 1000, "iso": "2100-01-01T00:00:00Z"});
        let left = |e: &str| read(&v, e).unwrap().and_then(|s| s.parse::<i64>().ok()).unwrap();
        assert!((3590..=3600).contains(&left("expires_at | timestamp - now()")), "seconds");
        assert!((3590..=3600).contains(&left("expires_at_ms | timestamp - now()")), "milliseconds");
        assert!(left("iso | timestamp - now()") > 2_000_000_000);
        let err = read(&json!({"x": "soon"}), "x | timestamp").unwrap_err();
        assert!(err.contains("can't read"), "{err}");
    }

    #[test]
    fn bad_expressions_are_refused_with_the_reason() {
        let err = check("givenName ~ ").unwrap_err();
        assert!(err.starts_with("The expression `givenName ~` has an error:"), "{err}");
        let err = check("(name) | no_such_filter").unwrap_err();
        assert!(err.contains("no_such_filter") && err.contains("not allowed in response mappings"), "{err}");
        let err = check(r#"range(999999999) | length"#).unwrap_err();
        assert!(err.contains("a function call is not allowed"), "{err}");
        let err = check(r#"name ~ ("x" * 99999999)"#).unwrap_err();
        assert!(err.contains("the * operator"), "{err}");
        assert_eq!(check("sub|id"), Ok(()));
        assert_eq!(check("a.b.c"), Ok(()));
        let err = read(&json!({"expires_in": "3600"}), "expires_in / 1000").unwrap_err();
        assert!(err.starts_with("The expression `expires_in / 1000` failed:"), "{err}");
        assert_eq!(
            read(&json!({"expires_in": "3600000"}), "expires_in | int / 1000").unwrap().as_deref(),
            Some("3600")
        );
    }

    #[test]
    fn the_fields_an_entry_reads() {
        assert_eq!(referenced_paths("sub|id"), ["sub", "id"]);
        assert_eq!(referenced_paths("data.0.email"), ["data[].email"]);
        assert_eq!(referenced_paths(r#"givenName ~ " " ~ familyName"#), ["familyName", "givenName"]);
        assert_eq!(referenced_paths("user.profile.name or login"), ["login", "user.profile.name"]);
        assert!(referenced_paths("").is_empty());
    }

    #[test]
    fn dotted_paths_read_nested_values() {
        let v = json!({"authed_user": {"access_token": "xoxp-fake"}, "data": [{"email": "a@b.test", "n": 3}]});
        assert_eq!(read_path(&v, "authed_user.access_token").as_deref(), Some("xoxp-fake"));
        assert_eq!(read_path(&v, "data.0.email").as_deref(), Some("a@b.test"));
        assert_eq!(read_path(&v, "data.0.n").as_deref(), Some("3"));
        assert_eq!(read_path(&v, "data.1.email"), None);
        assert_eq!(read_path(&v, "authed_user"), None);
        assert_eq!(read_path(&json!({"scope": ["a", "b"]}), "scope").as_deref(), Some("a b"));
        assert_eq!(read_path(&json!({"l": [{"a": 1}]}), "l"), None);
        assert_eq!(read_path(&v, "sub|data.0.n").as_deref(), Some("3"));
    }
}
