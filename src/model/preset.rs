//! Provider presets: ready configurations of real providers (their endpoints, the authorization,
//! the questions they need such as a tenant or a shop, and notes such as the redirect URI to
//! register), shipped inside the binary from `assets/presets/` so a release needs no files beside
//! it. Each preset cites the provider documentation it follows.
//!
//! A preset file is the export format's endpoints and authorization, plus `params` (asked when the
//! preset is used) that are written `${name}` in its URLs, headers, bodies, scopes and notes.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::transfer::{AuthorizationExport, EndpointExport};

/// The preset format this binary reads.
pub const PRESET_FORMAT: u32 = 1;

/// The presets compiled in, by name (the file name without `.json`).
const FILES: &[(&str, &str)] = &[
    ("asana", include_str!("../../assets/presets/asana.json")),
    ("atlassian", include_str!("../../assets/presets/atlassian.json")),
    ("box", include_str!("../../assets/presets/box.json")),
    ("discord", include_str!("../../assets/presets/discord.json")),
    ("dropbox", include_str!("../../assets/presets/dropbox.json")),
    ("figma", include_str!("../../assets/presets/figma.json")),
    ("github", include_str!("../../assets/presets/github.json")),
    ("gitlab", include_str!("../../assets/presets/gitlab.json")),
    ("google", include_str!("../../assets/presets/google.json")),
    ("hubspot", include_str!("../../assets/presets/hubspot.json")),
    ("intercom", include_str!("../../assets/presets/intercom.json")),
    ("linear", include_str!("../../assets/presets/linear.json")),
    ("linkedin", include_str!("../../assets/presets/linkedin.json")),
    ("microsoft", include_str!("../../assets/presets/microsoft.json")),
    ("notion", include_str!("../../assets/presets/notion.json")),
    ("pipedrive", include_str!("../../assets/presets/pipedrive.json")),
    ("quickbooks", include_str!("../../assets/presets/quickbooks.json")),
    ("salesforce", include_str!("../../assets/presets/salesforce.json")),
    ("shopify", include_str!("../../assets/presets/shopify.json")),
    ("slack", include_str!("../../assets/presets/slack.json")),
    ("spotify", include_str!("../../assets/presets/spotify.json")),
    ("stripe", include_str!("../../assets/presets/stripe.json")),
    ("twitch", include_str!("../../assets/presets/twitch.json")),
    ("xero", include_str!("../../assets/presets/xero.json")),
    ("zoom", include_str!("../../assets/presets/zoom.json")),
];

/// The names of the compiled-in presets, in order.
pub fn names() -> impl Iterator<Item = &'static str> {
    FILES.iter().map(|(name, _)| *name)
}

/// Every compiled-in preset. A preset that doesn't read is a bug of this build (the tests read
/// them all); the error names it.
pub fn all() -> Result<Vec<Preset>, String> {
    FILES.iter().map(|(name, text)| parse(name, text)).collect()
}

/// The preset named `name` (case-insensitive), or a message that lists the names.
pub fn find(name: &str) -> Result<Preset, String> {
    let wanted = name.trim().to_lowercase();
    match FILES.iter().find(|(n, _)| *n == wanted) {
        Some((name, text)) => parse(name, text),
        None => Err(format!(
            "There is no preset \"{}\". The presets are: {}.",
            super::text::printable(name.trim()),
            names().collect::<Vec<_>>().join(", ")
        )),
    }
}

/// Reads a preset file; the error names the file and where in it.
pub fn parse(name: &str, text: &str) -> Result<Preset, String> {
    let de = &mut serde_json::Deserializer::from_str(text);
    let file: PresetFile = serde_path_to_error::deserialize(de)
        .map_err(|e| format!("The preset \"{name}\" does not read at {}: {}.", e.path(), e.inner()))?;
    if file.preset != PRESET_FORMAT {
        return Err(format!("The preset \"{name}\" is format {}; this authdeck reads {PRESET_FORMAT}.", file.preset));
    }
    Ok(Preset {
        name: name.to_owned(),
        title: file.title,
        summary: file.summary,
        docs: file.docs,
        params: file.params,
        notes: file.notes,
        endpoints: file.endpoints,
        authorization: file.authorization,
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PresetFile {
    preset: u32,
    title: String,
    summary: String,
    docs: Vec<String>,
    #[serde(default)]
    params: Vec<PresetParam>,
    #[serde(default)]
    notes: Vec<String>,
    endpoints: Vec<EndpointExport>,
    authorization: AuthorizationExport,
}

/// A ready configuration of one provider.
#[derive(Debug, Clone, PartialEq)]
pub struct Preset {
    /// How it is named on the command line: `slack`, `microsoft`.
    pub name: String,
    /// How it is shown: "Slack (user token)".
    pub title: String,
    /// One line: what it sets up.
    pub summary: String,
    /// The provider documentation it follows.
    pub docs: Vec<String>,
    /// The questions to ask when it is used.
    pub params: Vec<PresetParam>,
    /// What to do at the provider (redirect URI to register, scopes to enable), shown once applied.
    pub notes: Vec<String>,
    pub endpoints: Vec<EndpointExport>,
    pub authorization: AuthorizationExport,
}

/// A question a preset asks: a tenant, a shop, a region.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresetParam {
    /// As written in the preset: `${tenant}`.
    pub name: String,
    /// The label of the question: "Tenant".
    pub label: String,
    /// What to answer: "Your directory (tenant) id or domain, or common, organizations, consumers."
    pub help: String,
    #[serde(default)]
    pub example: Option<String>,
    /// The answer when none is given; a parameter without one must be answered.
    #[serde(default)]
    pub default: Option<String>,
    /// When set, the answer is one of these, and each stands for its `value` in the preset.
    #[serde(default)]
    pub choices: Vec<PresetChoice>,
}

/// One allowed answer to a parameter and what it stands for.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresetChoice {
    /// What the user answers: `eu`.
    pub answer: String,
    /// What is written in the preset for it: `.eu`.
    pub value: String,
}

/// A preset with its parameters answered: what to add to an app.
#[derive(Debug, Clone, PartialEq)]
pub struct AppliedPreset {
    pub endpoints: Vec<EndpointExport>,
    pub authorization: AuthorizationExport,
    pub notes: Vec<String>,
}

/// The environment variable that points presets at a local mock of their providers (see
/// [`AppliedPreset::rebase`]).
pub const BASE_URL_VARIABLE: &str = "AUTHDECK_PRESET_BASE_URL";

impl AppliedPreset {
    /// Points every `https://host` of the preset (endpoints and Authorization URI) at `base`
    /// (`http://127.0.0.1:8080`), paths and queries kept: for trying a preset against a local mock
    /// of the provider (a fake, WireMock, a recording proxy) before the real one. A URL built from
    /// the run (`{{ token.instance_url }}/…`) is left alone: the mock's answers name its host.
    pub fn rebase(&mut self, base: &str) -> Result<(), String> {
        let url = url::Url::parse(base.trim())
            .map_err(|_| format!("The base URL \"{}\" is not a URL.", super::text::printable(base)))?;
        if !matches!(url.scheme(), "http" | "https")
            || url.host_str().is_none()
            || url.path() != "/"
            || url.query().is_some()
        {
            return Err(format!(
                "The base URL must be http(s)://host[:port] with nothing after it, not \"{}\".",
                super::text::printable(base)
            ));
        }
        let base = base.trim().trim_end_matches('/');
        for endpoint in &mut self.endpoints {
            endpoint.url = rebase_url(&endpoint.url, base);
        }
        if let AuthorizationExport::OAuth2(a) = &mut self.authorization {
            a.authorization_uri = rebase_url(&a.authorization_uri, base);
        }
        Ok(())
    }
}

/// `https://host/path…` → `{base}/path…`; any other URL as it is.
pub fn rebase_url(url: &str, base: &str) -> String {
    match url.strip_prefix("https://") {
        Some(rest) => match rest.find(['/', '?']) {
            Some(i) => format!("{base}{}", &rest[i..]),
            None => base.to_owned(),
        },
        None => url.to_owned(),
    }
}

impl PresetParam {
    /// The answer checked (and, for a choice, what it stands for); the message says what to give.
    /// A form checks each answer with this as it is typed; [`Preset::apply`] checks them all.
    pub fn resolve(&self, answer: Option<&str>) -> Result<String, String> {
        let answer = answer.map(str::trim).filter(|a| !a.is_empty()).or(self.default.as_deref());
        let Some(answer) = answer else {
            return Err(format!("{} is needed: {}", self.label, self.help));
        };
        if !self.choices.is_empty() {
            let answers: Vec<&str> = self.choices.iter().map(|c| c.answer.as_str()).collect();
            return self
                .choices
                .iter()
                .find(|c| c.answer.eq_ignore_ascii_case(answer))
                .map(|c| c.value.clone())
                .ok_or_else(|| {
                    format!(
                        "{} \"{}\" is not one of {}.",
                        self.label,
                        super::text::printable(answer),
                        answers.join(", ")
                    )
                });
        }
        // The answer goes into URLs: a host name, a path segment.
        if answer.len() > 253 || !answer.chars().all(|c| c.is_ascii_alphanumeric() || "-._".contains(c)) {
            return Err(format!(
                "{} \"{}\" can only have letters, digits, dots, hyphens and underscores{}.",
                self.label,
                super::text::printable(answer),
                self.example.as_deref().map(|e| format!(", e.g. {e}")).unwrap_or_default()
            ));
        }
        Ok(answer.to_owned())
    }
}

impl Preset {
    /// Whether the preset is one a filter typed over the list asks for: every word of `filter`
    /// (case-insensitive) is in its name, title or summary. An empty filter takes every preset.
    pub fn matches(&self, filter: &str) -> bool {
        let haystack = format!("{} {} {}", self.name, self.title, self.summary).to_lowercase();
        filter.to_lowercase().split_whitespace().all(|word| haystack.contains(word))
    }

    /// The preset with its parameters substituted; `answers` by parameter name. Every problem is
    /// listed (each missing or bad answer), so a command line can say all that is missing at once.
    pub fn apply(&self, answers: &BTreeMap<String, String>, redirect_uri: &str) -> Result<AppliedPreset, Vec<String>> {
        let mut problems = Vec::new();
        for name in answers.keys() {
            if !self.params.iter().any(|p| &p.name == name) {
                problems.push(match self.params.is_empty() {
                    true => {
                        format!("The {} preset asks nothing, so \"{name}\" is not one of its questions.", self.title)
                    }
                    false => format!(
                        "\"{name}\" is not a question of the {} preset (its questions: {}).",
                        self.title,
                        self.params.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                });
            }
        }
        let mut values = BTreeMap::new();
        for param in &self.params {
            match param.resolve(answers.get(&param.name).map(String::as_str)) {
                Ok(value) => {
                    values.insert(param.name.clone(), value);
                }
                Err(problem) => problems.push(problem),
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        values.insert("redirect_uri".to_owned(), redirect_uri.to_owned());
        let mut substitute = |text: &str| substitute(text, &values).map_err(|p| problems.push(p)).unwrap_or_default();
        let endpoints = self
            .endpoints
            .iter()
            .map(|e| EndpointExport {
                url: substitute(&e.url),
                headers: e.headers.iter().map(|h| substitute(h)).collect(),
                body: substitute(&e.body),
                ..e.clone()
            })
            .collect();
        let mut authorization = self.authorization.clone();
        if let AuthorizationExport::OAuth2(a) = &mut authorization {
            a.authorization_uri = substitute(&a.authorization_uri);
            a.scopes = substitute(&a.scopes);
            a.redirect_uri = redirect_uri.to_owned();
        }
        let notes = self.notes.iter().map(|n| substitute(n)).collect();
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(AppliedPreset { endpoints, authorization, notes })
    }
}

/// Replaces each `${name}` by its value; an unknown name is a fault of the preset.
fn substitute(text: &str, values: &BTreeMap<String, String>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or_else(|| format!("The preset has an unclosed ${{ in \"{text}\"."))?;
        let name = &after[..end];
        let value = values.get(name).ok_or_else(|| format!("The preset uses ${{{name}}}, which it doesn't ask."))?;
        out.push_str(value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{
        "preset": 1, "title": "Sample", "summary": "A sample.", "docs": ["https://docs.example/oauth"],
        "params": [
            {"name": "tenant", "label": "Tenant", "help": "Your tenant id.", "example": "contoso.example"},
            {"name": "region", "label": "Region", "help": "us or eu.", "default": "us",
             "choices": [{"answer": "us", "value": ""}, {"answer": "eu", "value": ".eu"}]}
        ],
        "notes": ["Register ${redirect_uri} at https://app${region}.example/${tenant}."],
        "endpoints": [{"name": "Sample token", "purpose": "token", "method": "POST",
            "url": "https://api${region}.example/${tenant}/token", "body": "code={{code}}"}],
        "authorization": {"kind": "oauth2", "name": "Sample", "client_id": "replace-with-your-client-id",
            "authorization_uri": "https://app${region}.example/${tenant}/authorize", "token_endpoint": "Sample token",
            "redirect_uri": "http://127.0.0.1:8976/callback"}
    }"#;

    fn answers(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn answers_are_substituted_into_urls_and_notes() {
        let preset = parse("sample", SAMPLE).unwrap();
        let applied =
            preset.apply(&answers(&[("tenant", "contoso"), ("region", "EU")]), "http://127.0.0.1:9/cb").unwrap();
        assert_eq!(applied.endpoints[0].url, "https://api.eu.example/contoso/token");
        assert_eq!(applied.endpoints[0].body, "code={{code}}", "templates are left alone");
        assert_eq!(applied.notes, ["Register http://127.0.0.1:9/cb at https://app.eu.example/contoso."]);
        let AuthorizationExport::OAuth2(a) = &applied.authorization else { panic!() };
        assert_eq!(a.authorization_uri, "https://app.eu.example/contoso/authorize");
        assert_eq!(a.redirect_uri, "http://127.0.0.1:9/cb");
        // A default answers for itself.
        let applied = preset.apply(&answers(&[("tenant", "contoso")]), "http://x.test/cb").unwrap();
        assert_eq!(applied.endpoints[0].url, "https://api.example/contoso/token");
    }

    #[test]
    fn every_missing_or_bad_answer_is_named() {
        let preset = parse("sample", SAMPLE).unwrap();
        let problems = preset.apply(&answers(&[("region", "mars"), ("shop", "x")]), "http://x.test/cb").unwrap_err();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("\"shop\" is not a question") && problems[0].contains("tenant, region"));
        assert!(problems[1].starts_with("Tenant is needed: Your tenant id."), "{problems:?}");
        assert!(problems[2].contains("\"mars\" is not one of us, eu"), "{problems:?}");
        let problems = preset.apply(&answers(&[("tenant", "a/b?c")]), "http://x.test/cb").unwrap_err();
        assert!(
            problems[0].contains("letters, digits") && problems[0].contains("e.g. contoso.example"),
            "{problems:?}"
        );
    }

    #[test]
    fn a_preset_can_point_at_a_local_mock() {
        let preset = parse("sample", SAMPLE).unwrap();
        let mut applied = preset.apply(&answers(&[("tenant", "t")]), "http://127.0.0.1:9/cb").unwrap();
        applied.rebase("http://127.0.0.1:4000/").unwrap();
        assert_eq!(applied.endpoints[0].url, "http://127.0.0.1:4000/t/token");
        let AuthorizationExport::OAuth2(a) = &applied.authorization else { panic!() };
        assert_eq!(a.authorization_uri, "http://127.0.0.1:4000/t/authorize");
        assert!(applied.rebase("http://127.0.0.1:4000/api").unwrap_err().contains("nothing after it"));
        assert!(applied.rebase("not a url").is_err());
        assert_eq!(rebase_url("{{ token.instance_url }}/x", "http://b"), "{{ token.instance_url }}/x");
    }

    #[test]
    fn a_filter_takes_presets_by_every_word() {
        let preset = parse("sample", SAMPLE).unwrap();
        assert!(preset.matches(""));
        assert!(preset.matches("SAM"));
        assert!(preset.matches("sample a"));
        assert!(!preset.matches("sample slack"));
        let slack: Vec<String> = all().unwrap().into_iter().filter(|p| p.matches("slack")).map(|p| p.name).collect();
        assert_eq!(slack, ["slack"]);
    }

    #[test]
    fn unknown_presets_list_the_names() {
        let err = find("nope\u{1b}").unwrap_err();
        assert!(err.contains("\"nope\\u{1b}\"") && err.contains("slack") && err.contains("github"), "{err}");
        assert_eq!(find(" Slack ").unwrap().name, "slack");
    }

    #[test]
    fn a_preset_that_names_an_unasked_parameter_is_refused() {
        let broken = SAMPLE.replace("/${tenant}/token", "/${tennant}/token");
        let problems =
            parse("broken", &broken).unwrap().apply(&answers(&[("tenant", "t")]), "http://x.test/cb").unwrap_err();
        assert_eq!(problems, ["The preset uses ${tennant}, which it doesn't ask."]);
    }
}
