//! Drift: what a provider answered, kept as a fingerprint after each good run, and what changed
//! since. A fingerprint holds the discovery document's issuer, endpoints and `*_supported` lists,
//! the JWKS keys (id, type, algorithm, RFC 7638 thumbprint), the *shape* of the token, refresh and
//! user-information responses (field names and JSON types, never a value), whether each mapping
//! entry found its value, the granted scopes, the token lifetimes, whether the refresh token
//! rotated, and the identity. [`diff`] compares two, each change a warning (something new) or a
//! failure (something a connector relies on is gone or different). Pure: the engine observes, the
//! store keeps, `authdeck check` and the Connections tab show.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::authorization::parse_scopes;
use super::run::Identity;

/// How deep a response's shape is followed, and how many paths are kept: a provider's answer is
/// small; a huge one is cut rather than kept whole.
const MAX_DEPTH: usize = 5;
const MAX_PATHS: usize = 300;

/// A JSON value's type, as the shape records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JsonType {
    String,
    Number,
    Boolean,
    Null,
    Object,
    Array,
}

impl JsonType {
    pub fn of(value: &Value) -> JsonType {
        match value {
            Value::String(_) => JsonType::String,
            Value::Number(_) => JsonType::Number,
            Value::Bool(_) => JsonType::Boolean,
            Value::Null => JsonType::Null,
            Value::Object(_) => JsonType::Object,
            Value::Array(_) => JsonType::Array,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            JsonType::String => "string",
            JsonType::Number => "number",
            JsonType::Boolean => "boolean",
            JsonType::Null => "null",
            JsonType::Object => "object",
            JsonType::Array => "array",
        }
    }
}

/// A mapping entry as a run used it: what it says, which fields it reads, whether it found a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappedSeen {
    /// The entry as configured (`expires_in`, `sub or id`).
    pub entry: String,
    pub found: bool,
}

/// The shape of a JSON response: each field's dotted path (`authed_user.access_token`, array
/// elements as `emails[].value`) and type; and the mapping entries read from it, by name
/// (`access_token`, `expires_in`, `user_id`…). No value is ever kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shape {
    pub fields: BTreeMap<String, JsonType>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub mapped: BTreeMap<String, MappedSeen>,
}

impl Shape {
    /// The shape of `value` (its mapping entries added by the caller).
    pub fn of(value: &Value) -> Shape {
        let mut fields = BTreeMap::new();
        walk(value, "", 0, &mut fields);
        Shape { fields, mapped: BTreeMap::new() }
    }

    /// Records that the mapping entry `name` (configured as `entry`) found a value, or not.
    pub fn map(&mut self, name: &str, entry: &str, found: bool) {
        self.mapped.insert(name.to_owned(), MappedSeen { entry: entry.trim().to_owned(), found });
    }

    /// The fields the mapping entries read (the plain paths of each entry, an expression's names).
    fn mapped_paths(&self) -> BTreeSet<String> {
        self.mapped.values().flat_map(|m| super::mapping::referenced_paths(&m.entry)).collect()
    }
}

fn walk(value: &Value, prefix: &str, depth: usize, out: &mut BTreeMap<String, JsonType>) {
    if out.len() >= MAX_PATHS {
        return;
    }
    if !prefix.is_empty() {
        out.insert(prefix.to_owned(), JsonType::of(value));
    }
    if depth >= MAX_DEPTH {
        return;
    }
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                walk(v, &path, depth + 1, out);
            }
        }
        // The elements' shape, from the first object in the array.
        Value::Array(items) if !prefix.is_empty() => {
            if let Some(first) = items.iter().find(|v| v.is_object()) {
                walk(first, &format!("{prefix}[]"), depth + 1, out);
            }
        }
        _ => {}
    }
}

/// What a discovery document says that a connector relies on: the issuer, every endpoint
/// (`*_endpoint`, `*_uri`), every `*_supported` list (and flags, as `true`/`false`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscoverySeen {
    pub issuer: String,
    pub endpoints: BTreeMap<String, String>,
    pub supported: BTreeMap<String, Vec<String>>,
}

impl DiscoverySeen {
    /// Reads a discovery document (as JSON).
    pub fn of(document: &Value) -> DiscoverySeen {
        let mut seen = DiscoverySeen::default();
        let Some(map) = document.as_object() else { return seen };
        seen.issuer = map.get("issuer").and_then(Value::as_str).unwrap_or_default().to_owned();
        for (key, value) in map {
            let is_endpoint = key.ends_with("_endpoint") || key.ends_with("_uri");
            match value {
                Value::String(url) if is_endpoint => {
                    seen.endpoints.insert(key.clone(), url.clone());
                }
                Value::Array(items) if key.ends_with("_supported") => {
                    let mut values: Vec<String> = items.iter().map(scalar_text).collect();
                    values.sort();
                    values.dedup();
                    seen.supported.insert(key.clone(), values);
                }
                Value::Bool(flag) if key.ends_with("_supported") || key.starts_with("require") => {
                    seen.supported.insert(key.clone(), vec![flag.to_string()]);
                }
                _ => {}
            }
        }
        seen
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// One key of the issuer's JWKS: public, so kept whole but for the key material, which its
/// RFC 7638 thumbprint stands for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct KeySeen {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    pub kty: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_use: Option<String>,
    /// RFC 7638: base64url SHA-256 of the required public members; empty for a key type it
    /// doesn't define.
    pub thumbprint: String,
}

impl KeySeen {
    /// The keys of a JWK set (RFC 7517 section 5); what isn't a key object is left out.
    pub fn of_set(set: &Value) -> Vec<KeySeen> {
        let mut keys: Vec<KeySeen> = set
            .get("keys")
            .and_then(Value::as_array)
            .map(|keys| keys.iter().filter_map(KeySeen::of).collect())
            .unwrap_or_default();
        keys.sort();
        keys
    }

    fn of(key: &Value) -> Option<KeySeen> {
        let text = |name: &str| key.get(name).and_then(Value::as_str).map(str::to_owned);
        let kty = text("kty")?;
        Some(KeySeen { kid: text("kid"), alg: text("alg"), key_use: text("use"), thumbprint: thumbprint(key), kty })
    }

    /// "kid authdeck-test-rsa (RSA, RS256)".
    pub fn describe(&self) -> String {
        let mut kind = self.kty.clone();
        if let Some(alg) = &self.alg {
            kind.push_str(&format!(", {alg}"));
        }
        match &self.kid {
            Some(kid) => format!("kid {kid} ({kind})"),
            None => format!("a key without kid ({kind}, thumbprint {})", short(&self.thumbprint)),
        }
    }

    /// What identifies the key across two sets: its kid, else its thumbprint.
    fn identity(&self) -> String {
        self.kid.clone().unwrap_or_else(|| format!("#{}", self.thumbprint))
    }
}

fn short(text: &str) -> String {
    text.chars().take(12).collect()
}

/// RFC 7638 section 3: the required members, in lexicographic order, no whitespace.
fn thumbprint(key: &Value) -> String {
    use base64::Engine as _;
    let members: &[&str] = match key.get("kty").and_then(Value::as_str) {
        Some("RSA") => &["e", "kty", "n"],
        Some("EC") => &["crv", "kty", "x", "y"],
        Some("OKP") => &["crv", "kty", "x"],
        Some("oct") => return String::new(), // a symmetric key in a JWKS is not the issuer's to publish
        _ => return String::new(),
    };
    let mut canonical = serde_json::Map::new();
    for name in members {
        match key.get(*name) {
            Some(value @ Value::String(_)) => {
                canonical.insert((*name).to_owned(), value.clone());
            }
            _ => return String::new(),
        }
    }
    let text = Value::Object(canonical).to_string();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(text.as_bytes()))
}

/// The key an ID token named: its header's `kid` and `alg`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedBy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    pub alg: String,
}

/// What a refresh said of the refresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rotation {
    /// The answer carried a new refresh token.
    pub rotated: bool,
    /// It did, but the mapping read none, so the connection kept the old one (which a rotating
    /// provider has just invalidated).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub kept_old: bool,
}

/// What one run saw of the provider, and (merged over the last one) what is kept: each part is
/// there when the run saw it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discovery: Option<DiscoverySeen>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keys: Option<Vec<KeySeen>>,
    /// The token response of a login (code, device, client credentials).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<Shape>,
    /// The token response of the refresh-token grant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh: Option<Shape>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userinfo: Option<Shape>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<SignedBy>,
    /// The scopes granted, as the provider wrote them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<String>,
    /// `expires_in` of the access token, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_lifetime: Option<i64>,
    /// The refresh token's lifetime, seconds, when the provider says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_lifetime: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation: Option<Rotation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
}

impl Fingerprint {
    /// True when the run saw nothing worth keeping.
    pub fn is_empty(&self) -> bool {
        *self == Fingerprint::default()
    }

    /// This run's fingerprint, with what it didn't see taken from `older` (a check that reused
    /// the access token saw no token response: the last one stays the one to compare with).
    /// The last ID token's key is kept only while the keys have it: once a baseline is taken
    /// without it (accepted drift), that ID token is no one's to compare with.
    pub fn merged_over(self, older: &Fingerprint) -> Fingerprint {
        let mut merged = self.merge(older);
        if let (Some(SignedBy { kid: Some(kid), .. }), Some(keys)) = (&merged.id_token, &merged.keys)
            && !keys.iter().any(|k| k.kid.as_deref() == Some(kid.as_str()))
        {
            merged.id_token = None;
        }
        merged
    }

    fn merge(self, older: &Fingerprint) -> Fingerprint {
        Fingerprint {
            discovery: self.discovery.or_else(|| older.discovery.clone()),
            keys: self.keys.or_else(|| older.keys.clone()),
            token: self.token.or_else(|| older.token.clone()),
            refresh: self.refresh.or_else(|| older.refresh.clone()),
            userinfo: self.userinfo.or_else(|| older.userinfo.clone()),
            id_token: self.id_token.or_else(|| older.id_token.clone()),
            scopes: self.scopes.or_else(|| older.scopes.clone()),
            access_lifetime: self.access_lifetime.or(older.access_lifetime),
            refresh_lifetime: self.refresh_lifetime.or(older.refresh_lifetime),
            rotation: self.rotation.or(older.rotation),
            identity: self.identity.or_else(|| older.identity.clone()),
        }
    }
}

/// How much a change matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Something new or different that a connector may want to know of.
    Warning,
    /// Something a connector relies on is gone or different.
    Failure,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Failure => "failure",
        }
    }
}

/// Which part of the answer changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    Discovery,
    Keys,
    TokenResponse,
    RefreshResponse,
    UserInfo,
    Scopes,
    Lifetimes,
    Rotation,
    Identity,
}

impl Area {
    pub fn label(self) -> &'static str {
        match self {
            Area::Discovery => "discovery document",
            Area::Keys => "signing keys (JWKS)",
            Area::TokenResponse => "token response",
            Area::RefreshResponse => "refresh response",
            Area::UserInfo => "user information",
            Area::Scopes => "granted scopes",
            Area::Lifetimes => "token lifetimes",
            Area::Rotation => "refresh-token rotation",
            Area::Identity => "identity",
        }
    }
}

/// One change since the last good run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drift {
    pub severity: Severity,
    pub area: Area,
    /// One line that names the change and, for a failure, what breaks.
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

impl Drift {
    fn new(severity: Severity, area: Area, message: impl Into<String>) -> Drift {
        Drift { severity, area, message: message.into(), before: None, after: None }
    }

    fn was(mut self, before: impl Into<String>, after: impl Into<String>) -> Drift {
        self.before = Some(before.into());
        self.after = Some(after.into());
        self
    }

    /// "failure  token response: expires_in is gone (the mapping reads it)".
    pub fn line(&self) -> String {
        let mut line = format!("{} {}: {}", self.severity.label(), self.area.label(), self.message);
        if let (Some(before), Some(after)) = (&self.before, &self.after) {
            line.push_str(&format!(" (was {before}, now {after})"));
        }
        line
    }
}

/// What the comparison knows of the authorization beyond the two fingerprints.
#[derive(Debug, Clone, Default)]
pub struct DriftContext<'a> {
    /// The client authentication method as discovery names it (`client_secret_basic`).
    pub client_auth_method: Option<&'a str>,
    /// PKCE (S256) is on.
    pub pkce: bool,
    /// The identity the connection was saved with (else the baseline's is used).
    pub saved_identity: Option<&'a Identity>,
}

/// The worst severity of a list of changes.
pub fn worst(drift: &[Drift]) -> Option<Severity> {
    drift.iter().map(|d| d.severity).max()
}

/// What changed from `before` (the last good run) to `now`. A part either side didn't see is not
/// compared.
pub fn diff(before: &Fingerprint, now: &Fingerprint, context: &DriftContext<'_>) -> Vec<Drift> {
    let mut out = Vec::new();
    // The last ID token is this run's when it got one (a refresh after the keys rotated brings
    // one signed by a new key: the connection has caught up), else the last good run's.
    let last_id_token = now.id_token.as_ref().or(before.id_token.as_ref());
    if let (Some(b), Some(n)) = (&before.discovery, &now.discovery) {
        discovery_drift(b, n, context, last_id_token, &mut out);
    }
    if let (Some(b), Some(n)) = (&before.keys, &now.keys) {
        key_drift(b, n, last_id_token, &mut out);
    }
    for (area, b, n) in [
        (Area::TokenResponse, &before.token, &now.token),
        (Area::RefreshResponse, &before.refresh, &now.refresh),
        (Area::UserInfo, &before.userinfo, &now.userinfo),
    ] {
        if let (Some(b), Some(n)) = (b, n) {
            shape_drift(area, b, n, &mut out);
        }
    }
    // The first refresh seen: what the mapping found in the login's token response and not in
    // the refresh's is said (a refresh may leave out the scope, so not that one).
    if let (None, Some(login), Some(refresh)) = (&before.refresh, &before.token, &now.refresh) {
        for (name, seen) in &login.mapped {
            let missing = refresh.mapped.get(name).is_some_and(|n| !n.found);
            if seen.found && missing && !matches!(name.as_str(), "refresh_token" | "scope") {
                out.push(Drift::new(
                    Severity::Warning,
                    Area::RefreshResponse,
                    format!(
                        "the refresh response has no value for {} (\"{}\"), which the login's token response had",
                        mapping_label(name),
                        seen.entry
                    ),
                ));
            }
        }
    }
    if let (Some(b), Some(n)) = (&before.scopes, &now.scopes) {
        scope_drift(b, n, &mut out);
    }
    lifetime_drift(before, now, &mut out);
    rotation_drift(before.rotation, now.rotation, &mut out);
    let saved = context.saved_identity.filter(|i| !i.is_empty()).or(before.identity.as_ref());
    if let (Some(saved), Some(now)) = (saved, &now.identity) {
        identity_drift(saved, now, &mut out);
    }
    out.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.area.cmp(&b.area)));
    out
}

fn discovery_drift(
    before: &DiscoverySeen,
    now: &DiscoverySeen,
    context: &DriftContext<'_>,
    signed_by: Option<&SignedBy>,
    out: &mut Vec<Drift>,
) {
    use Severity::{Failure, Warning};
    if before.issuer != now.issuer {
        out.push(
            Drift::new(Failure, Area::Discovery, "the issuer changed: ID tokens and callbacks name another issuer")
                .was(&before.issuer, &now.issuer),
        );
    }
    for (key, url) in &before.endpoints {
        match now.endpoints.get(key) {
            None => {
                out.push(Drift::new(Warning, Area::Discovery, format!("{key} is no longer given")).was(url, "none"))
            }
            Some(new) if new != url => {
                out.push(Drift::new(Warning, Area::Discovery, format!("{key} moved")).was(url, new));
            }
            Some(_) => {}
        }
    }
    for (key, url) in &now.endpoints {
        if !before.endpoints.contains_key(key) {
            out.push(Drift::new(Warning, Area::Discovery, format!("{key} is new: {url}")));
        }
    }
    let empty = Vec::new();
    let keys: BTreeSet<&String> = before.supported.keys().chain(now.supported.keys()).collect();
    for key in keys {
        let old = before.supported.get(key).unwrap_or(&empty);
        let new = now.supported.get(key).unwrap_or(&empty);
        for value in old.iter().filter(|v| !new.contains(v)) {
            // What this client uses, gone from what the issuer supports, breaks it.
            let relied_on = match key.as_str() {
                "token_endpoint_auth_methods_supported" => context.client_auth_method == Some(value.as_str()),
                "code_challenge_methods_supported" => context.pkce && value == "S256",
                "id_token_signing_alg_values_supported" => signed_by.is_some_and(|s| s.alg == *value),
                _ => false,
            };
            let (severity, why) = if relied_on { (Failure, " (this client uses it)") } else { (Warning, "") };
            out.push(Drift::new(severity, Area::Discovery, format!("{key} no longer has {value}{why}")));
        }
        for value in new.iter().filter(|v| !old.contains(v)) {
            out.push(Drift::new(Warning, Area::Discovery, format!("{key} now has {value}")));
        }
    }
}

fn key_drift(before: &[KeySeen], now: &[KeySeen], signed_by: Option<&SignedBy>, out: &mut Vec<Drift>) {
    use Severity::{Failure, Warning};
    let by_id =
        |keys: &[KeySeen]| -> BTreeMap<String, KeySeen> { keys.iter().map(|k| (k.identity(), k.clone())).collect() };
    let (old, new) = (by_id(before), by_id(now));
    // The key that signed the last ID token: gone, or another key under its kid.
    let signing_gone = signed_by.and_then(|s| s.kid.as_deref()).filter(|kid| {
        let was = old.get(*kid);
        new.get(*kid).is_none_or(|n| was.is_some_and(|w| w.thumbprint != n.thumbprint))
    });
    for (id, key) in &old {
        match new.get(id) {
            // The signing key gone is said once, as the failure below.
            None if signing_gone == Some(id.as_str()) => {}
            None => out.push(Drift::new(Warning, Area::Keys, format!("{} was removed", key.describe()))),
            Some(n) if n.thumbprint != key.thumbprint => out.push(
                Drift::new(Warning, Area::Keys, format!("{} is another key now (same kid)", key.describe()))
                    .was(short(&key.thumbprint), short(&n.thumbprint)),
            ),
            Some(n) if n.alg != key.alg => {
                out.push(Drift::new(Warning, Area::Keys, format!("{} changed its algorithm", key.describe())).was(
                    key.alg.clone().unwrap_or_else(|| "none".into()),
                    n.alg.clone().unwrap_or_else(|| "none".into()),
                ))
            }
            Some(_) => {}
        }
    }
    for (id, key) in &new {
        if !old.contains_key(id) {
            out.push(Drift::new(Warning, Area::Keys, format!("{} was added", key.describe())));
        }
    }
    if let (Some(kid), Some(SignedBy { alg, .. })) = (signing_gone, signed_by) {
        out.push(Drift::new(
            Failure,
            Area::Keys,
            format!(
                "the key that signed the last ID token (kid {kid}, {alg}) is no longer in the JWKS: ID tokens signed before no longer verify, and a client that cached the keys must fetch them again"
            ),
        ));
    }
}

fn shape_drift(area: Area, before: &Shape, now: &Shape, out: &mut Vec<Drift>) {
    use Severity::{Failure, Warning};
    let mapped: BTreeSet<String> = before.mapped_paths().into_iter().chain(now.mapped_paths()).collect();
    let is_mapped = |path: &str| mapped.iter().any(|m| m == path || m.starts_with(&format!("{path}.")));
    for (name, seen) in &before.mapped {
        // A plain path gone is said once, below, as the field gone.
        let said_below = before.fields.contains_key(&seen.entry) && !now.fields.contains_key(&seen.entry);
        if seen.found && !said_below && now.mapped.get(name).is_some_and(|n| !n.found) {
            out.push(Drift::new(
                Failure,
                area,
                format!("the mapping of {} (\"{}\") finds no value any more", mapping_label(name), seen.entry),
            ));
        }
    }
    for (path, kind) in &before.fields {
        let parent_gone = parent_of(path).is_some_and(|p| !now.fields.contains_key(p) && before.fields.contains_key(p));
        match now.fields.get(path) {
            // A whole object gone is said once, of the object.
            None if parent_gone => {}
            None if is_mapped(path) => {
                out.push(Drift::new(Failure, area, format!("{path} is gone (the response mapping reads it)")));
            }
            None => out.push(Drift::new(Warning, area, format!("{path} is gone"))),
            Some(new) if new != kind => {
                let severity = if is_mapped(path) { Failure } else { Warning };
                let why = if severity == Failure { " (the response mapping reads it)" } else { "" };
                out.push(
                    Drift::new(severity, area, format!("{path} changed its type{why}")).was(kind.label(), new.label()),
                );
            }
            Some(_) => {}
        }
    }
    for (path, kind) in &now.fields {
        let parent_new = parent_of(path).is_some_and(|p| !before.fields.contains_key(p) && now.fields.contains_key(p));
        if !before.fields.contains_key(path) && !parent_new {
            out.push(Drift::new(Warning, area, format!("{path} is new ({})", kind.label())));
        }
    }
}

fn parent_of(path: &str) -> Option<&str> {
    let cut = path.rfind(['.', '['])?;
    Some(&path[..cut])
}

fn mapping_label(name: &str) -> String {
    name.replace('_', " ")
}

fn scope_drift(before: &str, now: &str, out: &mut Vec<Drift>) {
    let old: BTreeSet<String> = parse_scopes(before).into_iter().collect();
    let new: BTreeSet<String> = parse_scopes(now).into_iter().collect();
    for scope in old.difference(&new) {
        out.push(Drift::new(
            Severity::Failure,
            Area::Scopes,
            format!("{scope} is no longer granted: what needs it will be refused"),
        ));
    }
    for scope in new.difference(&old) {
        out.push(Drift::new(Severity::Warning, Area::Scopes, format!("{scope} is granted now")));
    }
}

fn lifetime_drift(before: &Fingerprint, now: &Fingerprint, out: &mut Vec<Drift>) {
    let pairs = [
        ("the access token's lifetime (expires_in)", before.access_lifetime, now.access_lifetime),
        ("the refresh token's lifetime", before.refresh_lifetime, now.refresh_lifetime),
    ];
    for (what, old, new) in pairs {
        let (Some(old), Some(new)) = (old, new) else { continue };
        // Lifetimes counted from the issue time drift by a second or two between runs.
        if old.abs_diff(new) * 20 <= old.unsigned_abs().max(1) {
            continue;
        }
        let change = if new < old { "is shorter" } else { "is longer" };
        out.push(
            Drift::new(Severity::Warning, Area::Lifetimes, format!("{what} {change}")).was(seconds(old), seconds(new)),
        );
    }
}

fn seconds(s: i64) -> String {
    match s {
        s if s >= 2 * 86_400 && s % 86_400 == 0 => format!("{} days", s / 86_400),
        s if s >= 7200 && s % 3600 == 0 => format!("{} h", s / 3600),
        s => format!("{s} s"),
    }
}

fn rotation_drift(before: Option<Rotation>, now: Option<Rotation>, out: &mut Vec<Drift>) {
    let Some(now) = now else { return };
    if now.kept_old {
        out.push(Drift::new(
            Severity::Failure,
            Area::Rotation,
            "the provider sent a new refresh token, but the response mapping reads none, so the connection keeps the old one, which a rotating provider no longer accepts: fix the mapping's refresh token",
        ));
        return;
    }
    match before {
        Some(b) if !b.rotated && now.rotated => out.push(Drift::new(
            Severity::Warning,
            Area::Rotation,
            "refresh tokens rotate now: each refresh returns a new one, and a connector must save it every time (the old one stops working)",
        )),
        Some(b) if b.rotated && !now.rotated => out.push(Drift::new(
            Severity::Warning,
            Area::Rotation,
            "refresh tokens no longer rotate: the same one is kept",
        )),
        _ => {}
    }
}

fn identity_drift(saved: &Identity, now: &Identity, out: &mut Vec<Drift>) {
    match (&saved.id, &now.id) {
        (Some(old), Some(new)) if old != new => out.push(
            Drift::new(
                Severity::Failure,
                Area::Identity,
                "the user's id changed: the tokens are another account's, or the id field now holds something else",
            )
            .was(old, new),
        ),
        (Some(old), None) => {
            out.push(Drift::new(Severity::Failure, Area::Identity, "the user's id is no longer given").was(old, "none"))
        }
        _ => {}
    }
    for (what, old, new) in [("name", &saved.name, &now.name), ("email", &saved.email, &now.email)] {
        if let (Some(old), Some(new)) = (old, new)
            && old != new
        {
            out.push(Drift::new(Severity::Warning, Area::Identity, format!("the user's {what} changed")).was(old, new));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn shape(value: Value, mapped: &[(&str, &str, bool)]) -> Shape {
        let mut shape = Shape::of(&value);
        for (name, entry, found) in mapped {
            shape.map(name, entry, *found);
        }
        shape
    }

    fn with_token(token: Shape) -> Fingerprint {
        Fingerprint { token: Some(token), ..Default::default() }
    }

    fn lines(drift: &[Drift]) -> Vec<String> {
        drift.iter().map(Drift::line).collect()
    }

    #[test]
    fn a_shape_has_names_and_types_never_values() {
        let s = Shape::of(&json!({"access_token": "secret-at", "expires_in": 3600, "authed_user": {"id": "U1"},
            "emails": [{"value": "a@x.test", "primary": true}], "scope": null}));
        let text = serde_json::to_string(&s).unwrap();
        assert!(!text.contains("secret-at") && !text.contains("U1") && !text.contains("a@x.test"), "{text}");
        assert_eq!(s.fields["expires_in"], JsonType::Number);
        assert_eq!(s.fields["authed_user.id"], JsonType::String);
        assert_eq!(s.fields["emails[].primary"], JsonType::Boolean);
        assert_eq!(s.fields["scope"], JsonType::Null);
    }

    #[test]
    fn a_mapped_field_gone_fails_and_a_new_field_warns() {
        let before = with_token(shape(
            json!({"access_token": "a", "expires_in": 1, "token_type": "Bearer"}),
            &[("access_token", "access_token", true), ("expires_in", "expires_in", true)],
        ));
        let lost = with_token(shape(
            json!({"access_token": "a", "token_type": "Bearer"}),
            &[("access_token", "access_token", true), ("expires_in", "expires_in", false)],
        ));
        let drift = diff(&before, &lost, &DriftContext::default());
        assert_eq!(worst(&drift), Some(Severity::Failure));
        let shown = lines(&drift).join("\n");
        assert!(shown.contains("expires_in is gone (the response mapping reads it)"), "{shown}");
        assert_eq!(shown.matches("expires_in").count(), 1, "said once: {shown}");
        // Still there but empty: the mapping finds nothing, though no field is gone.
        let emptied = with_token(shape(
            json!({"access_token": "a", "expires_in": "", "token_type": "Bearer"}),
            &[("access_token", "access_token", true), ("expires_in", "expires_in", false)],
        ));
        let shown = lines(&diff(&before, &emptied, &DriftContext::default())).join("\n");
        assert!(shown.contains("the mapping of expires in (\"expires_in\") finds no value any more"), "{shown}");

        let gained = with_token(shape(
            json!({"access_token": "a", "expires_in": 1, "token_type": "Bearer", "x_new": {"a": 1}}),
            &[("access_token", "access_token", true), ("expires_in", "expires_in", true)],
        ));
        let drift = diff(&before, &gained, &DriftContext::default());
        assert_eq!(lines(&drift), ["warning token response: x_new is new (object)"], "one line for the new object");
        // An unmapped field gone only warns.
        let gone = with_token(shape(
            json!({"access_token": "a", "expires_in": 1}),
            &[("access_token", "access_token", true), ("expires_in", "expires_in", true)],
        ));
        assert_eq!(
            lines(&diff(&before, &gone, &DriftContext::default())),
            ["warning token response: token_type is gone"]
        );
    }

    #[test]
    fn the_first_refresh_is_compared_with_the_login_for_what_the_mapping_finds() {
        let before = with_token(shape(
            json!({"access_token": "a", "expires_in": 1}),
            &[("expires_in", "expires_in", true), ("scope", "scope", true)],
        ));
        let now = Fingerprint {
            refresh: Some(shape(
                json!({"access_token": "a"}),
                &[("expires_in", "expires_in", false), ("scope", "scope", false)],
            )),
            ..Default::default()
        };
        assert_eq!(
            lines(&diff(&before, &now, &DriftContext::default())),
            [
                "warning refresh response: the refresh response has no value for expires in (\"expires_in\"), which the login's token response had"
            ]
        );
    }

    #[test]
    fn a_mapped_fields_type_change_fails() {
        let before = with_token(shape(json!({"data": {"email": "x"}}), &[("user_email", "data.email", true)]));
        let now = with_token(shape(json!({"data": {"email": ["x"]}}), &[("user_email", "data.email", true)]));
        let drift = diff(&before, &now, &DriftContext::default());
        assert_eq!(drift[0].severity, Severity::Failure);
        assert_eq!(
            drift[0].line(),
            "failure token response: data.email changed its type (the response mapping reads it) (was string, now array)"
        );
    }

    #[test]
    fn keys_added_and_removed_warn_the_signing_key_gone_fails() {
        let key = |kid: &str, n: &str| {
            KeySeen::of_set(&json!({"keys": [{"kty": "RSA", "kid": kid, "alg": "RS256", "n": n, "e": "AQAB"}]}))
        };
        let before = Fingerprint {
            keys: Some(key("k1", "nnn")),
            id_token: Some(SignedBy { kid: Some("k1".into()), alg: "RS256".into() }),
            ..Default::default()
        };
        let rotated = Fingerprint { keys: Some(key("k2", "mmm")), ..Default::default() };
        let drift = diff(&before, &rotated, &DriftContext::default());
        let shown = lines(&drift).join("\n");
        assert_eq!(worst(&drift), Some(Severity::Failure), "{shown}");
        assert!(!shown.contains("kid k1 (RSA, RS256) was removed"), "the failure says it: {shown}");
        assert!(shown.contains("kid k2 (RSA, RS256) was added"), "{shown}");
        assert!(
            shown.contains("the key that signed the last ID token (kid k1, RS256) is no longer in the JWKS"),
            "{shown}"
        );
        // Another key added beside the signing one: only a warning.
        let mut both = key("k1", "nnn");
        both.extend(key("k3", "ooo"));
        let added = Fingerprint { keys: Some(both), ..Default::default() };
        assert_eq!(worst(&diff(&before, &added, &DriftContext::default())), Some(Severity::Warning));
        // The same kid with other key material counts as gone for the signature.
        let replaced = Fingerprint { keys: Some(key("k1", "zzz")), ..Default::default() };
        assert_eq!(worst(&diff(&before, &replaced, &DriftContext::default())), Some(Severity::Failure));
        // A refresh after the rotation brought an ID token signed by the new key: only warnings.
        let caught_up =
            Fingerprint { id_token: Some(SignedBy { kid: Some("k2".into()), alg: "RS256".into() }), ..rotated.clone() };
        let drift = diff(&before, &caught_up, &DriftContext::default());
        assert_eq!(worst(&drift), Some(Severity::Warning), "{}", lines(&drift).join("\n"));
    }

    #[test]
    fn thumbprints_follow_rfc_7638() {
        // RFC 7638 section 3.1's example key and thumbprint.
        let key = json!({"kty": "RSA", "e": "AQAB", "alg": "RS256", "kid": "2011-04-29",
            "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"});
        assert_eq!(KeySeen::of(&key).unwrap().thumbprint, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    }

    #[test]
    fn discovery_methods_the_client_uses_fail_when_gone() {
        let doc = |methods: Value| {
            DiscoverySeen::of(&json!({"issuer": "https://i.test", "token_endpoint": "https://i.test/token",
                "token_endpoint_auth_methods_supported": methods, "jwks_uri": "https://i.test/jwks"}))
        };
        let before = Fingerprint {
            discovery: Some(doc(json!(["client_secret_basic", "private_key_jwt"]))),
            ..Default::default()
        };
        let now = Fingerprint { discovery: Some(doc(json!(["private_key_jwt", "none"]))), ..Default::default() };
        let context = DriftContext { client_auth_method: Some("client_secret_basic"), ..Default::default() };
        let shown = lines(&diff(&before, &now, &context));
        assert_eq!(
            shown,
            [
                "failure discovery document: token_endpoint_auth_methods_supported no longer has client_secret_basic (this client uses it)",
                "warning discovery document: token_endpoint_auth_methods_supported now has none",
            ]
        );
        let context = DriftContext { client_auth_method: Some("private_key_jwt"), ..Default::default() };
        assert_eq!(worst(&diff(&before, &now, &context)), Some(Severity::Warning));
    }

    #[test]
    fn scopes_identity_rotation_and_lifetimes() {
        let before = Fingerprint {
            scopes: Some("openid email offline_access".into()),
            access_lifetime: Some(3600),
            rotation: Some(Rotation { rotated: false, kept_old: false }),
            ..Default::default()
        };
        let now = Fingerprint {
            scopes: Some("openid offline_access profile".into()),
            access_lifetime: Some(600),
            rotation: Some(Rotation { rotated: true, kept_old: false }),
            identity: Some(Identity { id: Some("u2".into()), name: Some("Ann".into()), email: None }),
            ..Default::default()
        };
        let saved = Identity { id: Some("u1".into()), name: Some("Ann".into()), email: None };
        let context = DriftContext { saved_identity: Some(&saved), ..Default::default() };
        let shown = lines(&diff(&before, &now, &context));
        assert_eq!(
            shown,
            [
                "failure granted scopes: email is no longer granted: what needs it will be refused",
                "failure identity: the user's id changed: the tokens are another account's, or the id field now holds something else (was u1, now u2)",
                "warning granted scopes: profile is granted now",
                "warning token lifetimes: the access token's lifetime (expires_in) is shorter (was 3600 s, now 600 s)",
                "warning refresh-token rotation: refresh tokens rotate now: each refresh returns a new one, and a connector must save it every time (the old one stops working)",
            ]
        );
        let kept_old = Fingerprint { rotation: Some(Rotation { rotated: true, kept_old: true }), ..Default::default() };
        assert_eq!(worst(&diff(&before, &kept_old, &DriftContext::default())), Some(Severity::Failure));
        // A second or two between runs is no drift.
        let close = Fingerprint { access_lifetime: Some(3598), ..Default::default() };
        assert!(diff(&before, &close, &DriftContext::default()).is_empty());
    }

    #[test]
    fn what_a_run_did_not_see_is_kept_from_the_last() {
        let old = Fingerprint { scopes: Some("a".into()), access_lifetime: Some(60), ..Default::default() };
        let new = Fingerprint { scopes: Some("b".into()), ..Default::default() }.merged_over(&old);
        assert_eq!((new.scopes.as_deref(), new.access_lifetime), (Some("b"), Some(60)));
    }
}
