//! The run context: what one step of a test learns and a later step may use. Every callback
//! query parameter is `callback.NAME` (QuickBooks' `{{ callback.realmId }}`, Shopify's
//! `{{ callback.shop }}`), every field of the token response `token.NAME` (Salesforce's
//! `{{ token.instance_url }}`, Pipedrive's `{{ token.api_domain }}`), every field of the user
//! information response `userinfo.NAME`. Templates name them; the authorization lists the ones
//! worth keeping, which are saved with the connection and give a refresh its values back.
//!
//! This is how a provider's quirk becomes configuration instead of code per provider.

use std::collections::BTreeMap;
use std::sync::Arc;

use minijinja::value::{Object, Value};
use serde::{Deserialize, Serialize};

/// The names of the context, in the order the steps fill them.
pub const NAMESPACES: [&str; 3] = ["callback", "token", "userinfo"];

/// The callback parameters that are not kept in the context: the code is a secret with its own
/// `{{code}}`, and the state is authdeck's own.
const CALLBACK_SKIPPED: [&str; 2] = ["code", "state"];

/// A value kept from a run, saved with the connection: `token.instance_url` = `https://…`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptValue {
    pub name: String,
    pub value: String,
}

/// What the steps of one run have learnt so far.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunContext {
    callback: BTreeMap<String, String>,
    token: Option<serde_json::Value>,
    userinfo: Option<serde_json::Value>,
}

impl RunContext {
    /// A context seeded with values kept from an earlier run (a refresh starts from them).
    pub fn from_kept(kept: &[KeptValue]) -> RunContext {
        let mut context = RunContext::default();
        for KeptValue { name, value } in kept {
            let Some((namespace, path)) = name.split_once('.') else { continue };
            match namespace {
                "callback" => {
                    context.callback.insert(path.to_owned(), value.clone());
                }
                "token" => insert_path(context.token.get_or_insert_with(empty_object), path, value),
                "userinfo" => insert_path(context.userinfo.get_or_insert_with(empty_object), path, value),
                _ => {}
            }
        }
        context
    }

    /// Every query parameter of the callback, as received (the code and state excepted).
    pub fn set_callback(&mut self, params: &[(String, String)]) {
        for (name, value) in params.iter().filter(|(n, _)| !CALLBACK_SKIPPED.contains(&n.as_str())) {
            self.callback.insert(name.clone(), value.clone());
        }
    }

    /// The token response; its fields are laid over what is known (a refresh response that lacks
    /// `instance_url` keeps the kept one).
    pub fn set_token(&mut self, response: &serde_json::Value) {
        merge(self.token.get_or_insert_with(empty_object), response);
    }

    /// The user information response.
    pub fn set_userinfo(&mut self, response: &serde_json::Value) {
        merge(self.userinfo.get_or_insert_with(empty_object), response);
    }

    pub fn has(&self, namespace: &str) -> bool {
        match namespace {
            "callback" => !self.callback.is_empty(),
            "token" => self.token.is_some(),
            "userinfo" => self.userinfo.is_some(),
            _ => false,
        }
    }

    /// The value of `callback.realmId`, `token.instance_url`, `userinfo.data.0.id`.
    pub fn get(&self, name: &str) -> Option<String> {
        let (namespace, path) = name.split_once('.')?;
        match namespace {
            "callback" => self.callback.get(path).cloned(),
            "token" => self.token.as_ref().and_then(|t| super::mapping::read_path(t, path)),
            "userinfo" => self.userinfo.as_ref().and_then(|u| super::mapping::read_path(u, path)),
            _ => None,
        }
    }

    /// The top-level field names of a namespace, for a message about a missing one (never values).
    pub fn field_names(&self, namespace: &str) -> Vec<String> {
        let object_keys = |v: &Option<serde_json::Value>| match v {
            Some(serde_json::Value::Object(map)) => map.keys().cloned().collect(),
            _ => Vec::new(),
        };
        match namespace {
            "callback" => self.callback.keys().cloned().collect(),
            "token" => object_keys(&self.token),
            "userinfo" => object_keys(&self.userinfo),
            _ => Vec::new(),
        }
    }

    /// The values to keep, by name, and the names that had no value in this run.
    pub fn keep(&self, names: &[String]) -> (Vec<KeptValue>, Vec<String>) {
        let mut kept = Vec::new();
        let mut missing = Vec::new();
        for name in names {
            match self.get(name) {
                Some(value) => kept.push(KeptValue { name: name.clone(), value }),
                None => missing.push(name.clone()),
            }
        }
        (kept, missing)
    }

    /// The namespaces known at this step, for a template. In a JSON body every string is escaped
    /// so that `"{{ token.x }}"` stays valid JSON whatever the value holds.
    pub(crate) fn template_values(&self, escape_json: bool) -> BTreeMap<&'static str, Value> {
        let leaf = |s: &str| if escape_json { json_string_content(s) } else { s.to_owned() };
        let mut values = BTreeMap::new();
        if !self.callback.is_empty() {
            let map: BTreeMap<String, String> = self.callback.iter().map(|(k, v)| (k.clone(), leaf(v))).collect();
            values.insert("callback", Value::from_serialize(&map));
        }
        for (namespace, value) in [("token", &self.token), ("userinfo", &self.userinfo)] {
            if let Some(value) = value {
                values.insert(namespace, Value::from_serialize(map_strings(value, &leaf)));
            }
        }
        values
    }
}

/// Stand-ins for every namespace, for checking a template before any step ran: any field of them
/// renders as `0`, as the other variables do.
pub(crate) fn stand_ins() -> BTreeMap<&'static str, Value> {
    NAMESPACES.iter().map(|n| (*n, Value::from_object(StandIn))).collect()
}

#[derive(Debug)]
struct StandIn;

impl Object for StandIn {
    fn get_value(self: &Arc<Self>, _key: &Value) -> Option<Value> {
        Some(Value::from_object(StandIn))
    }

    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("0")
    }
}

fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(serde_json::Map::new())
}

/// Lays the fields of `from` over `into` (objects merged key by key, anything else replaced).
fn merge(into: &mut serde_json::Value, from: &serde_json::Value) {
    match (into, from) {
        (serde_json::Value::Object(into), serde_json::Value::Object(from)) => {
            for (key, value) in from {
                match into.get_mut(key) {
                    Some(existing) if existing.is_object() && value.is_object() => merge(existing, value),
                    _ => {
                        into.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (into, from) => *into = from.clone(),
    }
}

/// Sets `a.b.c` in a JSON object, making the objects on the way.
fn insert_path(into: &mut serde_json::Value, path: &str, value: &str) {
    let mut current = into;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        let serde_json::Value::Object(map) = current else { return };
        if parts.peek().is_none() {
            map.insert(part.to_owned(), serde_json::Value::String(value.to_owned()));
            return;
        }
        current = map.entry(part.to_owned()).or_insert_with(empty_object);
    }
}

fn map_strings(value: &serde_json::Value, leaf: &impl Fn(&str) -> String) -> serde_json::Value {
    match value {
        serde_json::Value::String(s) => serde_json::Value::String(leaf(s)),
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.iter().map(|v| map_strings(v, leaf)).collect())
        }
        serde_json::Value::Object(map) => {
            serde_json::Value::Object(map.iter().map(|(k, v)| (k.clone(), map_strings(v, leaf))).collect())
        }
        other => other.clone(),
    }
}

/// The text of a JSON string literal without its quotes.
pub(crate) fn json_string_content(value: &str) -> String {
    let quoted = serde_json::to_string(value).unwrap_or_else(|_| "\"\"".to_owned());
    quoted.get(1..quoted.len().saturating_sub(1)).unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn context() -> RunContext {
        let mut c = RunContext::default();
        c.set_callback(&[
            ("code".into(), "secret-code".into()),
            ("state".into(), "s".into()),
            ("realmId".into(), "9341453474484455".into()),
        ]);
        c.set_token(&json!({"access_token": "at", "instance_url": "https://na1.example", "team": {"id": "T1"}}));
        c
    }

    #[test]
    fn values_are_found_by_their_names() {
        let c = context();
        assert_eq!(c.get("callback.realmId").as_deref(), Some("9341453474484455"));
        assert_eq!(c.get("callback.code"), None, "the code is not part of the context");
        assert_eq!(c.get("token.instance_url").as_deref(), Some("https://na1.example"));
        assert_eq!(c.get("token.team.id").as_deref(), Some("T1"));
        assert_eq!(c.get("userinfo.id"), None);
        assert!(c.has("token") && !c.has("userinfo"));
        assert_eq!(c.field_names("token"), ["access_token", "instance_url", "team"]);
    }

    #[test]
    fn kept_values_come_back_for_a_refresh() {
        let (kept, missing) = context().keep(&["callback.realmId".into(), "token.team.id".into(), "token.nope".into()]);
        assert_eq!(kept.iter().map(|k| k.name.as_str()).collect::<Vec<_>>(), ["callback.realmId", "token.team.id"]);
        assert_eq!(missing, ["token.nope"]);
        let mut again = RunContext::from_kept(&kept);
        assert_eq!(again.get("token.team.id").as_deref(), Some("T1"));
        // A refresh response is laid over the kept values.
        again.set_token(&json!({"access_token": "at2", "team": {"name": "Team"}}));
        assert_eq!(again.get("token.team.id").as_deref(), Some("T1"));
        assert_eq!(again.get("token.team.name").as_deref(), Some("Team"));
        assert_eq!(again.get("callback.realmId").as_deref(), Some("9341453474484455"));
    }

    #[test]
    fn json_bodies_get_escaped_strings() {
        let mut c = RunContext::default();
        c.set_token(&json!({"x": "a\"b"}));
        let values = c.template_values(true);
        assert_eq!(values["token"].get_attr("x").unwrap().as_str(), Some("a\\\"b"));
        let values = c.template_values(false);
        assert_eq!(values["token"].get_attr("x").unwrap().as_str(), Some("a\"b"));
    }
}
