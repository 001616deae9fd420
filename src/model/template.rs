//! Templates in endpoint values (`{{client_id}}`, `{{code}}`, `{{ token.instance_url }}`…),
//! rendered by minijinja with strict undefined variables, so a typo is an error shown before
//! anything is saved or sent.
//!
//! Templates come from the user and from imported files, so they are bounded: an endpoint value
//! needs variables, filters and conditionals, and nothing that repeats — `{% for %}`, macros,
//! `{% set %}`, function calls (`range(…)`) and the `*`/`**` operators (`"a" * 99999999`) are
//! refused when the template is checked (before it is saved) and again before it is rendered (an
//! old database or an imported file may hold one). What is left renders in time linear in its
//! size; a fuel limit and a cap on the output stand behind that, so no template can hang authdeck
//! or fill its memory, and a cancel never waits on a render.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use minijinja::machinery::ast::{BinOpKind, CallArg, Expr, Stmt, UnaryOpKind};
use minijinja::machinery::{WhitespaceConfig, parse, parse_expr};
use minijinja::{Environment, ErrorKind, UndefinedBehavior, Value};

use super::context::{self, NAMESPACES};

/// The longest template source accepted (a JSON body template is the longest real one).
pub const MAX_TEMPLATE_LEN: usize = 64 * 1024;
/// The most a rendered template may produce.
pub const MAX_OUTPUT_LEN: usize = 2 * 1024 * 1024;
/// Steps of the template engine per render: far more than any endpoint value takes (a few hundred),
/// far fewer than could take noticeable time.
const FUEL: u64 = 50_000;
/// The filters an endpoint template may use: none of them repeats its input.
const FILTERS: &[&str] =
    &["urlencode", "trim", "lower", "upper", "capitalize", "title", "default", "d", "string", "tojson", "length"];
/// The tests an `{% if %}` may use (`{% if scopes is defined %}`).
const TESTS: &[&str] = &["defined", "undefined", "none", "string", "number", "true", "false", "eq", "ne"];

/// What a template or expression may use: the endpoint templates' rules, or the response
/// mappings' (see [`MAPPING`]).
struct Shape {
    /// What is being checked, for the messages: "endpoint templates".
    what: &'static str,
    /// What it may hold, for the messages.
    takes: &'static str,
    filters: &'static [&'static str],
    tests: &'static [&'static str],
    /// The functions that may be called (none in templates).
    functions: &'static [&'static str],
}

const ENDPOINT: Shape = Shape {
    what: "endpoint templates",
    takes: "variables, filters and {% if %}",
    filters: FILTERS,
    tests: TESTS,
    functions: &[],
};

/// The rules of response-mapping expressions (`givenName ~ " " ~ familyName`): the same bounds as
/// templates — nothing repeats its input, no loops — with the filters a mapping needs to convert
/// a value, and `now()` for absolute expiry times. No `join` or `replace`: they can multiply a
/// large response (a list read by a plain path already joins with spaces).
const MAPPING: Shape = Shape {
    what: "response mappings",
    takes: "fields, operators, filters and now()",
    filters: &[
        "abs",
        "bool",
        "capitalize",
        "d",
        "default",
        "first",
        "float",
        "int",
        "last",
        "length",
        "lower",
        "round",
        "string",
        "timestamp",
        "title",
        "tojson",
        "trim",
        "upper",
        "urlencode",
    ],
    tests: TESTS,
    functions: &["now"],
};

/// The longest response-mapping expression accepted.
pub const MAX_EXPRESSION_LEN: usize = 1024;

/// The variables a template may use.
pub struct Variables;

impl Variables {
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
        // The run context's namespaces (context::NAMESPACES), last: ALL is the list without them.
        "callback",
        "token",
        "userinfo",
    ];
    /// The plain variables: [`Variables::ENDPOINT`] without the run context's namespaces.
    pub const ALL: &'static [&'static str] =
        Self::ENDPOINT.split_at(Self::ENDPOINT.len() - super::context::NAMESPACES.len()).0;
}

/// The environment every template and mapping expression is compiled in, so they share one set
/// of rules and limits.
pub(crate) fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_keep_trailing_newline(true);
    env.set_fuel(Some(FUEL));
    env
}

/// Refuses a template that is too long or uses more than an endpoint value needs (see the module doc).
fn check_shape(template: &str) -> Result<(), String> {
    if template.len() > MAX_TEMPLATE_LEN {
        return Err(format!(
            "The template is {} KiB; endpoint templates are limited to {} KiB.",
            template.len().div_ceil(1024),
            MAX_TEMPLATE_LEN / 1024
        ));
    }
    let parsed =
        parse(template, "<template>", Default::default(), WhitespaceConfig::default()).map_err(|e| describe(&e))?;
    ENDPOINT.statement(&parsed)
}

/// Refuses a response-mapping expression that is too long or uses more than [`MAPPING`] allows.
pub(crate) fn check_expression_shape(expression: &str) -> Result<(), String> {
    if expression.len() > MAX_EXPRESSION_LEN {
        return Err(format!(
            "The expression is {} characters; mappings are limited to {MAX_EXPRESSION_LEN}.",
            expression.len()
        ));
    }
    let parsed = parse_expr(expression).map_err(|e| describe(&e))?;
    MAPPING.expression(&parsed)
}

impl Shape {
    fn refused(&self, line: u16, what: &str) -> String {
        let at = if line > 0 { format!(" on line {line}") } else { String::new() };
        format!("Template error{at}: {what} is not allowed in {}, which take {} only.", self.what, self.takes)
    }

    fn statements(&self, list: &[Stmt<'_>]) -> Result<(), String> {
        list.iter().try_for_each(|s| self.statement(s))
    }

    fn statement(&self, stmt: &Stmt<'_>) -> Result<(), String> {
        match stmt {
            Stmt::Template(t) => self.statements(&t.children),
            Stmt::EmitRaw(_) => Ok(()),
            Stmt::EmitExpr(e) => self.expression(&e.expr),
            Stmt::IfCond(c) => {
                self.expression(&c.expr)?;
                self.statements(&c.true_body)?;
                self.statements(&c.false_body)
            }
            Stmt::ForLoop(s) => Err(self.refused(s.span().start_line, "{% for %}")),
            Stmt::Set(s) => Err(self.refused(s.span().start_line, "{% set %}")),
            Stmt::SetBlock(s) => Err(self.refused(s.span().start_line, "{% set %}")),
            Stmt::WithBlock(s) => Err(self.refused(s.span().start_line, "{% with %}")),
            Stmt::FilterBlock(s) => Err(self.refused(s.span().start_line, "{% filter %}")),
            Stmt::AutoEscape(s) => Err(self.refused(s.span().start_line, "{% autoescape %}")),
            Stmt::Do(s) => Err(self.refused(s.span().start_line, "{% do %}")),
            #[allow(unreachable_patterns)]
            // blocks, macros and imports exist only with minijinja features we don't enable
            _ => Err(self.refused(0, "this block")),
        }
    }

    fn expression(&self, expr: &Expr<'_>) -> Result<(), String> {
        let line = expr.span().start_line;
        match expr {
            Expr::Var(_) | Expr::Const(_) => Ok(()),
            Expr::UnaryOp(u) => match u.op {
                UnaryOpKind::Not | UnaryOpKind::Neg => self.expression(&u.expr),
            },
            Expr::BinOp(b) => match b.op {
                BinOpKind::Mul => Err(self.refused(line, "the * operator (it repeats text)")),
                BinOpKind::Pow => Err(self.refused(line, "the ** operator")),
                _ => {
                    self.expression(&b.left)?;
                    self.expression(&b.right)
                }
            },
            Expr::Compare(c) => {
                self.expression(&c.expr)?;
                c.ops.iter().try_for_each(|op| self.expression(&op.expr))
            }
            Expr::IfExpr(i) => {
                self.expression(&i.test_expr)?;
                self.expression(&i.true_expr)?;
                i.false_expr.as_ref().map_or(Ok(()), |e| self.expression(e))
            }
            Expr::Filter(f) => {
                if !self.filters.contains(&f.name) {
                    return Err(format!(
                        "Template error on line {line}: the filter \"{}\" is not allowed in {}; use one of {}.",
                        f.name,
                        self.what,
                        self.filters.join(", ")
                    ));
                }
                f.expr.as_ref().map_or(Ok(()), |e| self.expression(e))?;
                self.arguments(&f.args)
            }
            Expr::Test(t) => {
                if !self.tests.contains(&t.name) {
                    return Err(format!(
                        "Template error on line {line}: the test \"is {}\" is not allowed in {}; use one of {}.",
                        t.name,
                        self.what,
                        self.tests.join(", ")
                    ));
                }
                self.expression(&t.expr)?;
                self.arguments(&t.args)
            }
            Expr::GetAttr(g) => self.expression(&g.expr),
            Expr::GetItem(g) => {
                self.expression(&g.expr)?;
                self.expression(&g.subscript_expr)
            }
            Expr::Slice(s) => {
                self.expression(&s.expr)?;
                [&s.start, &s.stop, &s.step].into_iter().flatten().try_for_each(|e| self.expression(e))
            }
            Expr::List(l) => l.items.iter().try_for_each(|e| self.expression(e)),
            Expr::Map(m) => m.keys.iter().chain(&m.values).try_for_each(|e| self.expression(e)),
            Expr::Call(c) => match &c.expr {
                Expr::Var(v) if self.functions.contains(&v.id) && c.args.is_empty() => Ok(()),
                _ => Err(self.refused(line, "a function call")),
            },
        }
    }

    fn arguments(&self, args: &[CallArg<'_>]) -> Result<(), String> {
        args.iter().try_for_each(|arg| match arg {
            CallArg::Pos(e) | CallArg::Kwarg(_, e) => self.expression(e),
            CallArg::PosSplat(e) | CallArg::KwargSplat(e) => self.expression(e),
        })
    }
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
    check_shape(template)?;
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
    check_shape(template)?;
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
    let mut out = CappedOutput { text: Vec::new(), over: false };
    match compiled.render_captured_to(ctx, &mut out) {
        Ok(_) => String::from_utf8(out.text).map_err(|_| "The template rendered to text that isn't UTF-8.".to_owned()),
        Err(_) if out.over => Err(format!(
            "The template renders to more than {} MiB; endpoint values are limited to that.",
            MAX_OUTPUT_LEN / (1024 * 1024)
        )),
        Err(e) if e.kind() == ErrorKind::OutOfFuel => {
            Err(format!("The template takes more than {FUEL} steps to render; simplify it."))
        }
        Err(e) => Err(describe(&e)),
    }
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

/// Collects a render, failing the write (which stops the render) past [`MAX_OUTPUT_LEN`].
struct CappedOutput {
    text: Vec<u8>,
    over: bool,
}

impl Write for CappedOutput {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.text.len() + buf.len() > MAX_OUTPUT_LEN {
            self.over = true;
            return Err(std::io::Error::other("template output over the limit"));
        }
        self.text.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Renders with every known variable (and every field of the run context) set to `0`, to check
/// what the template becomes (a URL, JSON).
pub fn render_for_check(template: &str) -> String {
    let vars: BTreeMap<&str, String> = Variables::ALL.iter().map(|v| (*v, "0".to_owned())).collect();
    render_in(template, &vars, &context::stand_ins()).unwrap_or_else(|_| template.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_endpoint_variables_are_the_plain_ones_and_the_run_contexts_namespaces() {
        let (plain, namespaces) = Variables::ENDPOINT.split_at(Variables::ALL.len());
        assert_eq!(plain, Variables::ALL);
        assert_eq!(namespaces, super::super::context::NAMESPACES);
    }

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
    fn loops_calls_and_repetition_are_refused_with_the_line() {
        for (template, what) in [
            ("a\n{% for c in code %}{% for d in code %}x{% endfor %}{% endfor %}", "{% for %}"),
            ("{% set x = code %}{{x}}", "{% set %}"),
            ("{{ range(100000000) }}", "a function call"),
            ("{{ code * 99999999 }}", "the * operator"),
            ("{{ code ** 9 }}", "the ** operator"),
            ("{% macro m() %}x{% endmacro %}", "Template error"),
        ] {
            let err = check(template, Variables::ALL).unwrap_err();
            assert!(err.contains(what), "{template}: {err}");
            let vars: BTreeMap<&str, String> = Variables::ALL.iter().map(|v| (*v, "x".to_owned())).collect();
            assert!(render(template, &vars).is_err(), "{template} renders");
        }
        assert!(check("a\n{% for c in code %}{% endfor %}", Variables::ALL).unwrap_err().contains("line 2"));
        let err = check("{{ code | wordwrap }}", Variables::ALL).unwrap_err();
        assert!(err.contains("\"wordwrap\"") && err.contains("urlencode"), "{err}");
    }

    #[test]
    fn what_endpoint_values_need_still_works() {
        let mut vars = BTreeMap::new();
        vars.insert("scopes", "a b".to_owned());
        vars.insert("code", "c/1".to_owned());
        let t = "{% if scopes is defined and scopes != '' %}scope={{ scopes | urlencode }}{% else %}none{% endif %}&c={{ code[:1] ~ '-' }}";
        assert_eq!(render(t, &vars).unwrap(), "scope=a%20b&c=c-");
    }

    #[test]
    fn size_limits_on_the_template_and_its_output() {
        let long = "x".repeat(MAX_TEMPLATE_LEN + 1) + "{{code}}";
        assert!(check(&long, Variables::ALL).unwrap_err().contains("limited to 64 KiB"));
        let mut vars = BTreeMap::new();
        vars.insert("code", "y".repeat(MAX_OUTPUT_LEN / 4 + 1));
        let err = render("{{code}}{{code}}{{code}}{{code}}", &vars).unwrap_err();
        assert!(err.contains("more than 2 MiB"), "{err}");
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
    fn mapping_expressions_have_their_own_bounds() {
        assert_eq!(check_expression_shape(r#"givenName ~ " " ~ familyName"#), Ok(()));
        assert_eq!(check_expression_shape("expires_at | timestamp - now()"), Ok(()));
        let err = check_expression_shape("range(99999999)").unwrap_err();
        assert!(err.contains("a function call is not allowed in response mappings"), "{err}");
        assert!(check_expression_shape("name * 99999").unwrap_err().contains("the * operator"));
        let err = check_expression_shape(r#"scope | join(",")"#).unwrap_err();
        assert!(err.contains("\"join\" is not allowed in response mappings"), "{err}");
        assert!(check_expression_shape(&"a ~ ".repeat(300)).unwrap_err().contains("limited to 1024"));
    }

    #[test]
    fn plain_text_needs_no_engine() {
        assert_eq!(render("no braces", &BTreeMap::new()).unwrap(), "no braces");
    }
}
