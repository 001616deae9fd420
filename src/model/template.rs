//! Templates in endpoint values (`{{client_id}}`, `{{code}}`…), rendered by minijinja with strict
//! undefined variables, so a typo is an error shown before anything is saved or sent.

use std::collections::{BTreeMap, BTreeSet};

use minijinja::{Environment, UndefinedBehavior};

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
    allowed.iter().map(|v| format!("{{{{{v}}}}}")).collect::<Vec<_>>().join(" ")
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
    if !template.contains("{{") && !template.contains("{%") {
        return Ok(template.to_owned());
    }
    let env = environment();
    let compiled = env.template_from_str(template).map_err(|e| describe(&e))?;
    let missing: Vec<String> =
        compiled.undeclared_variables(false).into_iter().filter(|v| !vars.contains_key(v.as_str())).collect();
    if let Some(name) = missing.first() {
        return Err(format!("The template uses {{{{{name}}}}}, which has no value at this step."));
    }
    compiled.render(vars).map_err(|e| describe(&e))
}

/// Renders with every known variable set to `0`, to check what the template becomes (a URL, JSON).
pub fn render_for_check(template: &str) -> String {
    let vars: BTreeMap<&str, String> = Variables::ALL.iter().map(|v| (*v, "0".to_owned())).collect();
    render(template, &vars).unwrap_or_else(|_| template.to_owned())
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
    fn plain_text_needs_no_engine() {
        assert_eq!(render("no braces", &BTreeMap::new()).unwrap(), "no braces");
    }
}
