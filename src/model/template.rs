//! Templates in endpoint values (`{{client_id}}`, `{{code}}`, `{{ token.instance_url }}`…),
//! rendered by minijinja with strict undefined variables, so a typo is an error shown before
//! anything is saved or sent.

use std::collections::{BTreeMap, BTreeSet};

use minijinja::{Environment, UndefinedBehavior, Value};

use super::context::{self, NAMESPACES};

/// The variables a template may use.
pub struct Variables;

impl Variables {
    pub const ALL: &'static [&'static str] = &[
        "client_id",
        "client_secret",
        "code",
        "code_verifier",
        "redirect_uri",
        "refresh_token",
        "access_token",
        "scopes",
        "api_key",
        "username",
        "password",
    ];
    /// The variables of an endpoint: [`Variables::ALL`] and the run context's namespaces
    /// (`{{ callback.realmId }}`, `{{ token.instance_url }}`, `{{ userinfo.id }}`).
    pub const ENDPOINT: &'static [&'static str] = &[
        "client_id",
        "client_secret",
        "code",
        "code_verifier",
        "redirect_uri",
        "refresh_token",
        "access_token",
        "scopes",
        "api_key",
        "username",
        "password",
        "callback",
        "token",
        "userinfo",
    ];
}

/// The environment every template and mapping expression is compiled in, so they share one set
/// of rules and limits.
pub(crate) fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_keep_trailing_newline(true);
    env
}

/// Checks the syntax and that every variable is one of `allowed`; the message says what to fix.
pub fn check(template: &str, allowed: &[&str]) -> Result<(), String> {
    let unknown: Vec<String> = variables(template)?.into_iter().filter(|v| !allowed.contains(&v.as_str())).collect();
    match unknown.as_slice() {
        [] => Ok(()),
        [one] => Err(format!("Unknown variable {{{{{one}}}}}: use one of {}.", list(allowed))),
        many => Err(format!(
            "Unknown variables {}: use one of {}.",
            many.iter().map(|v| format!("{{{{{v}}}}}")).collect::<Vec<_>>().join(", "),
            list(allowed)
        )),
    }
}

/// The variables a template uses (`{{ code | urlencode }}` uses `code`), or its syntax error.
pub fn variables(template: &str) -> Result<BTreeSet<String>, String> {
    if !template.contains("{{") && !template.contains("{%") {
        return Ok(BTreeSet::new());
    }
    let env = environment();
    let compiled = env.template_from_str(template).map_err(|e| describe(&e))?;
    Ok(compiled.undeclared_variables(false).into_iter().collect())
}

fn list(allowed: &[&str]) -> String {
    allowed
        .iter()
        .map(|v| if NAMESPACES.contains(v) { format!("{{{{{v}.…}}}}") } else { format!("{{{{{v}}}}}") })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A template error as one line: what is wrong and on which line.
fn describe(e: &minijinja::Error) -> String {
    let detail = e.detail().map(str::to_owned).unwrap_or_else(|| e.kind().to_string());
    match e.line() {
        Some(line) => format!("Template error on line {line}: {detail}."),
        None => format!("Template error: {detail}."),
    }
}

/// Renders `template` with `vars`; a variable it uses but `vars` lacks is an error that names it.
pub fn render(template: &str, vars: &BTreeMap<&str, String>) -> Result<String, String> {
    render_in(template, vars, &BTreeMap::new())
}

/// Renders `template` with `vars` and the run context's namespaces known at this step (see
/// [`context::RunContext::template_values`]). A namespace used before its step ran, or a field the
/// response didn't have, is an error that says which and what there is.
pub fn render_in(
    template: &str,
    vars: &BTreeMap<&str, String>,
    namespaces: &BTreeMap<&'static str, Value>,
) -> Result<String, String> {
    if !template.contains("{{") && !template.contains("{%") {
        return Ok(template.to_owned());
    }
    let env = environment();
    let compiled = env.template_from_str(template).map_err(|e| describe(&e))?;
    let used = compiled.undeclared_variables(false);
    if let Some(name) = used.iter().find(|v| !vars.contains_key(v.as_str()) && !namespaces.contains_key(v.as_str())) {
        return Err(match NAMESPACES.iter().position(|n| n == name) {
            Some(0) => format!("The template uses {{{{ {name}.… }}}}, but the callback had no such parameters."),
            Some(_) => format!(
                "The template uses {{{{ {name}.… }}}}, which has no value at this step: the {} response comes later.",
                if name == "token" { "token" } else { "user information" }
            ),
            None => format!("The template uses {{{{{name}}}}}, which has no value at this step."),
        });
    }
    for nested in compiled.undeclared_variables(true) {
        let Some((namespace, path)) = nested.split_once('.') else { continue };
        let Some(value) = namespaces.get(namespace) else { continue };
        if !has_path(value, path) {
            let fields =
                value.try_iter().map(|keys| keys.map(|k| k.to_string()).collect::<Vec<_>>()).unwrap_or_default();
            return Err(format!(
                "The template uses {{{{ {nested} }}}}, but {} has no {path} (it has: {}).",
                match namespace {
                    "callback" => "the callback",
                    "token" => "the token response",
                    _ => "the user information response",
                },
                if fields.is_empty() { "nothing".to_owned() } else { fields.join(", ") }
            ));
        }
    }
    let mut ctx: BTreeMap<&str, Value> = vars.iter().map(|(k, v)| (*k, Value::from(v.as_str()))).collect();
    ctx.extend(namespaces.iter().map(|(k, v)| (*k, v.clone())));
    compiled.render(ctx).map_err(|e| describe(&e))
}

fn has_path(value: &Value, path: &str) -> bool {
    let mut current = value.clone();
    for part in path.split('.') {
        match current.get_attr(part) {
            Ok(next) if !next.is_undefined() => current = next,
            _ => return false,
        }
    }
    true
}

/// Renders with every known variable set to `0`, to check what the template becomes (a URL, JSON).
pub fn render_for_check(template: &str) -> String {
    let vars: BTreeMap<&str, String> = Variables::ALL.iter().map(|v| (*v, "0".to_owned())).collect();
    render_in(template, &vars, &context::stand_ins()).unwrap_or_else(|_| template.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_variables_pass_and_unknown_ones_are_named() {
        assert_eq!(check("code={{code}}", Variables::ALL), Ok(()));
        assert_eq!(check("code={{ code | urlencode }}", Variables::ALL), Ok(()));
        let err = check("x={{clinet_id}}", Variables::ALL).unwrap_err();
        assert!(err.contains("{{clinet_id}}"), "{err}");
    }

    #[test]
    fn syntax_errors_say_the_line() {
        let err = check("a\nb={{ code ", Variables::ALL).unwrap_err();
        assert!(err.contains("line 2"), "{err}");
    }

    #[test]
    fn render_is_strict() {
        let mut vars = BTreeMap::new();
        vars.insert("code", "abc".to_owned());
        assert_eq!(render("code={{code}}", &vars).unwrap(), "code=abc");
        assert!(render("{{refresh_token}}", &vars).unwrap_err().contains("refresh_token"));
    }

    #[test]
    fn variables_are_the_ones_used_whatever_the_filters() {
        let used = variables("Bearer {{ api_key | trim }} {{code}}{% if scopes %}{{ scopes }}{% endif %}").unwrap();
        assert_eq!(used.into_iter().collect::<Vec<_>>(), ["api_key", "code", "scopes"]);
        assert!(variables("no braces").unwrap().is_empty());
        assert!(variables("{{ api_key ").unwrap_err().contains("line 1"));
    }

    #[test]
    fn the_run_context_is_named_by_namespace() {
        assert_eq!(check("{{ token.instance_url }}/me", Variables::ENDPOINT), Ok(()));
        assert_eq!(check("{{ callback.realmId }}", Variables::ENDPOINT), Ok(()));
        let err = check("{{ tokens.x }}", Variables::ENDPOINT).unwrap_err();
        assert!(err.contains("{{tokens}}") && err.contains("{{token.…}}"), "{err}");
        assert_eq!(render_for_check("{{ token.instance_url }}/services"), "0/services");
        let mut c = context::RunContext::default();
        c.set_token(&serde_json::json!({"instance_url": "https://na1.example", "access_token": "at"}));
        let vars = BTreeMap::new();
        let rendered = render_in("{{ token.instance_url }}/x", &vars, &c.template_values(false)).unwrap();
        assert_eq!(rendered, "https://na1.example/x");
        let err = render_in("{{ token.api_domain }}/x", &vars, &c.template_values(false)).unwrap_err();
        assert!(err.contains("the token response has no api_domain (it has: access_token, instance_url)"), "{err}");
        let err = render_in("{{ userinfo.id }}", &vars, &c.template_values(false)).unwrap_err();
        assert!(err.contains("user information response comes later"), "{err}");
    }

    #[test]
    fn plain_text_needs_no_engine() {
        assert_eq!(render("no braces", &BTreeMap::new()).unwrap(), "no braces");
    }
}
