//! `authdeck presets`: the provider presets compiled into authdeck — list them, show one, and add
//! one to an app headless (`authdeck presets add shopify --param shop=acme --client-id …`).

use std::collections::BTreeMap;
use std::io::BufRead;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use serde::Serialize;

use super::output::{self, one_line};
use crate::model::authorization::DEFAULT_REDIRECT_URI;
use crate::model::preset::{self, Preset};
use crate::store::Store;

#[derive(Debug, Args)]
pub struct PresetsArgs {
    #[command(subcommand)]
    pub action: Option<PresetAction>,
    /// List as one JSON array (name, title, summary, docs, questions).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum PresetAction {
    /// Show a preset: what it sets up, its documentation, its questions and notes.
    Show {
        /// The preset's name (`authdeck presets` lists them).
        name: String,
    },
    /// Add a preset's authorization and endpoints to an app.
    Add(AddArgs),
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The preset's name (`authdeck presets` lists them).
    pub name: String,
    /// The app to add it to (created if there is none of that name). Default: an app named after
    /// the provider.
    #[arg(long)]
    pub app: Option<String>,
    /// An answer to one of the preset's questions, e.g. `--param shop=acme` (repeat for each).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// The Client ID the provider gave your app.
    #[arg(long)]
    pub client_id: Option<String>,
    /// Read the Client Secret from the first line of standard input (kept off the command line).
    #[arg(long)]
    pub client_secret_stdin: bool,
    /// The redirect URI registered with the provider.
    #[arg(long, default_value = DEFAULT_REDIRECT_URI)]
    pub redirect_uri: String,
    /// Point the preset's URLs at a local mock of the provider (`http://127.0.0.1:8080`): the
    /// scheme and host of each https URL are replaced, paths kept.
    #[arg(long, value_name = "URL", env = preset::BASE_URL_VARIABLE)]
    pub base_url: Option<String>,
}

pub fn run(store: &mut Store, args: PresetsArgs) -> anyhow::Result<i32> {
    match args.action {
        None => list(args.json),
        Some(PresetAction::Show { name }) => show(&preset::find(&name).map_err(anyhow::Error::msg)?),
        Some(PresetAction::Add(add_args)) => add(store, &add_args),
    }?;
    Ok(0)
}

#[derive(Serialize)]
struct Listed<'a> {
    name: &'a str,
    title: &'a str,
    summary: &'a str,
    docs: &'a [String],
    questions: Vec<&'a str>,
}

fn list(json: bool) -> anyhow::Result<()> {
    let presets = preset::all().map_err(anyhow::Error::msg)?;
    if json {
        let listed: Vec<Listed> = presets
            .iter()
            .map(|p| Listed {
                name: &p.name,
                title: &p.title,
                summary: &p.summary,
                docs: &p.docs,
                questions: p.params.iter().map(|q| q.name.as_str()).collect(),
            })
            .collect();
        return output::out_json(&listed);
    }
    let width = presets.iter().map(|p| p.name.len()).max().unwrap_or(0);
    for p in &presets {
        let asks = match p.params.is_empty() {
            true => String::new(),
            false => format!("  [asks: {}]", p.params.iter().map(|q| q.name.as_str()).collect::<Vec<_>>().join(", ")),
        };
        output::out_line(&format!("{:width$}  {}{asks}", p.name, p.title))?;
    }
    output::out_line(
        "\n`authdeck presets show NAME` tells more; `authdeck presets add NAME --client-id ID` adds one.",
    )?;
    Ok(())
}

fn show(p: &Preset) -> anyhow::Result<()> {
    output::out_line(&format!("{} ({})\n{}\n", p.title, p.name, p.summary))?;
    output::out_line("Documentation:")?;
    for doc in &p.docs {
        output::out_line(&format!("  {doc}"))?;
    }
    if !p.params.is_empty() {
        output::out_line("\nQuestions (answer with --param NAME=VALUE):")?;
        for q in &p.params {
            let default =
                q.default.as_deref().map(|d| format!(" [default: {}]", display_default(d))).unwrap_or_default();
            let choices = match q.choices.is_empty() {
                true => String::new(),
                false => {
                    format!(" One of: {}.", q.choices.iter().map(|c| c.answer.as_str()).collect::<Vec<_>>().join(", "))
                }
            };
            output::out_line(&format!("  {}: {}{default} — {}{choices}", q.name, q.label, q.help))?;
        }
    }
    output::out_line("\nCreates the endpoints:")?;
    for e in &p.endpoints {
        output::out_line(&format!("  {} ({} {} {})", e.name, e.purpose.code(), e.method, e.url))?;
    }
    output::out_line("\nNotes:")?;
    for note in &p.notes {
        output::out_line(&format!("  - {}", note.replace("${redirect_uri}", "<your redirect URI>")))?;
    }
    Ok(())
}

fn display_default(default: &str) -> &str {
    if default.is_empty() { "none" } else { default }
}

/// `name=value` pairs; the error says which is malformed.
fn parse_params(params: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    let mut answers = BTreeMap::new();
    for param in params {
        let Some((name, value)) = param.split_once('=') else {
            bail!("--param {} is not NAME=VALUE, e.g. --param shop=acme.", one_line(param));
        };
        answers.insert(name.trim().to_owned(), value.trim().to_owned());
    }
    Ok(answers)
}

fn add(store: &mut Store, args: &AddArgs) -> anyhow::Result<()> {
    let preset = preset::find(&args.name).map_err(anyhow::Error::msg)?;
    crate::model::authorization::check_redirect_uri(&args.redirect_uri).map_err(anyhow::Error::msg)?;
    let answers = parse_params(&args.params)?;
    // Everything that is missing, said at once.
    let mut missing = match preset.apply(&answers, args.redirect_uri.trim()) {
        Ok(_) => Vec::new(),
        Err(problems) => problems,
    };
    let client_id = args.client_id.as_deref().map(str::trim).filter(|c| !c.is_empty());
    if client_id.is_none() {
        missing
            .push("The Client ID is needed: --client-id ID (the provider gives it when you register your app).".into());
    }
    if !missing.is_empty() {
        let mut message = format!("The {} preset can't be added yet:", preset.title);
        for problem in &missing {
            message.push_str(&format!("\n  - {problem}"));
        }
        message.push_str(&format!("\n`authdeck presets show {}` lists its questions.", preset.name));
        bail!(message);
    }
    let mut applied = preset.apply(&answers, args.redirect_uri.trim()).map_err(|p| anyhow::anyhow!(p.join(" ")))?;
    if let Some(base) = &args.base_url {
        applied.rebase(base).map_err(anyhow::Error::msg)?;
    }
    let client_secret = if args.client_secret_stdin { Some(read_secret()?) } else { None };

    let app_name = args.app.clone().unwrap_or_else(|| provider_name(&preset.title).to_owned());
    let (app, created) = match store.app_by_name(&app_name)? {
        Some(app) => (app, false),
        None => (store.create_app(&app_name)?, true),
    };
    let added = store
        .add_preset(app.id, &applied, client_id.unwrap_or_default(), client_secret.as_deref())
        .map_err(|e| anyhow::anyhow!("{e} Nothing was added."))?;

    output::out_line(&format!(
        "Added the {} preset to the app \"{}\"{}: the OAuth 2.0 authorization \"{}\" with the endpoints {}.",
        preset.title,
        one_line(&app.name),
        if created { " (a new app)" } else { "" },
        added.authorization_name,
        added.endpoints.iter().map(|e| format!("\"{e}\"")).collect::<Vec<_>>().join(", ")
    ))?;
    if client_secret.is_none() {
        output::out_line(
            "No Client Secret was given: enter it in the authorization's form, or add again with --client-secret-stdin (a public client needs none).",
        )?;
    }
    output::out_line("\nBefore testing:")?;
    for note in &applied.notes {
        output::out_line(&format!("  - {}", one_line(note)))?;
    }
    output::out_line(&format!(
        "\nThen: authdeck test \"{}\" --app \"{}\"",
        added.authorization_name,
        one_line(&app.name)
    ))?;
    Ok(())
}

/// "Slack" of "Slack (user token)".
fn provider_name(title: &str) -> &str {
    title.split(" (").next().unwrap_or(title).trim()
}

fn read_secret() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("Cannot read the Client Secret from standard input")?;
    let secret = line.trim_end_matches(['\r', '\n']).to_owned();
    if secret.is_empty() {
        bail!("--client-secret-stdin was given, but standard input had no secret on its first line.");
    }
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_are_name_value_pairs() {
        let answers = parse_params(&["shop=acme".into(), " region = eu ".into()]).unwrap();
        assert_eq!(answers["shop"], "acme");
        assert_eq!(answers["region"], "eu");
        let err = parse_params(&["shop".into()]).unwrap_err().to_string();
        assert!(err.contains("--param shop is not NAME=VALUE"), "{err}");
    }

    #[test]
    fn the_app_is_named_after_the_provider() {
        assert_eq!(provider_name("Slack (user token)"), "Slack");
        assert_eq!(provider_name("Figma"), "Figma");
    }
}
