//! The form of a provider preset: the preset's own questions (tenant, shop, subdomain…), then the
//! Client ID and Secret and the redirect URI. Saving adds the authorization and its endpoints to
//! the current app; what to do at the provider is shown next.

use std::collections::BTreeMap;

use super::{Field, FieldKey, Form, FormTarget};
use crate::app::data::{Done, JobError, Outcome, PresetAdded, PresetRequest};
use crate::app::overlay::PresetNotes;
use crate::app::{Command, Overlay, Tab, report};
use crate::keymap::{Action, Context, key_for};
use crate::model::authorization::{DEFAULT_REDIRECT_URI, check_redirect_uri};
use crate::model::preset::{self, Preset, PresetParam};
use crate::model::redact::Sensitive;
use crate::model::transfer::AuthorizationExport;
use crate::model::{ClientAuth, limits};

/// A field of the preset form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PresetField {
    /// The answer to the preset's n-th question.
    Param(usize),
    ClientId,
    ClientSecret,
    RedirectUri,
}

impl From<PresetField> for FieldKey {
    fn from(f: PresetField) -> Self {
        FieldKey::Preset(f)
    }
}

/// The form for the preset at `index` of the catalogue.
pub fn form(preset: &Preset, index: usize) -> Form {
    let mut fields: Vec<Field> = preset
        .params
        .iter()
        .enumerate()
        .map(|(i, p)| {
            Field::text(PresetField::Param(i), p.label.clone(), question_help(p), p.default.as_deref().unwrap_or(""))
        })
        .collect();
    if let AuthorizationExport::OAuth2(a) = &preset.authorization {
        fields.push(Field::text(PresetField::ClientId, "Client ID", "The client ID the provider gave your app.", ""));
        let secret_help = match a.client_auth {
            ClientAuth::None => "A public client sends none: leave it empty.",
            _ => "The client secret the provider gave your app; saved sealed.",
        };
        fields.push(Field::secret(PresetField::ClientSecret, "Client Secret", secret_help, ""));
        fields.push(Field::text(
            PresetField::RedirectUri,
            "Redirect URI",
            "Register it with the provider; a loopback one lets authdeck listen.",
            DEFAULT_REDIRECT_URI,
        ));
    }
    fields.push(Field::button("Add the preset"));
    Form::new(format!("New authorization from the {} preset", preset.title), FormTarget::Preset(index), fields)
}

/// What a question asks, its answers when it has a fixed list, and an example.
fn question_help(p: &PresetParam) -> String {
    let mut help = p.help.trim().to_owned();
    if !p.choices.is_empty() {
        let answers: Vec<&str> = p.choices.iter().map(|c| c.answer.as_str()).collect();
        help.push_str(&format!(" One of: {}.", answers.join(", ")));
    }
    if let Some(example) = p.example.as_deref().filter(|e| !help.contains(*e)) {
        help.push_str(&format!(" e.g. {example}."));
    }
    help
}

/// The preset at `index` of the catalogue.
fn preset_at(index: usize) -> Result<Preset, String> {
    let name = preset::names().nth(index).ok_or_else(|| format!("There is no preset number {index}."))?;
    preset::find(name)
}

/// The problems in the form as it is now, each for its field (none: it can be added).
pub fn problems(form: &Form, index: usize) -> Vec<(FieldKey, String)> {
    match preset_at(index) {
        Ok(preset) => check(form, &preset).1,
        Err(_) => Vec::new(),
    }
}

/// Every answer checked: the answers given, and the problems found, each for its field.
fn check(form: &Form, preset: &Preset) -> (BTreeMap<String, String>, Vec<(FieldKey, String)>) {
    let mut errors: Vec<(FieldKey, String)> = Vec::new();
    let mut answers = BTreeMap::new();
    for (i, param) in preset.params.iter().enumerate() {
        let key = FieldKey::Preset(PresetField::Param(i));
        let answer = form.text(key).trim().to_owned();
        match param.resolve(Some(&answer)) {
            Ok(_) if answer.is_empty() => {}
            Ok(_) => {
                answers.insert(param.name.clone(), answer);
            }
            Err(problem) => errors.push((key, problem)),
        }
    }
    let oauth2 = match &preset.authorization {
        AuthorizationExport::OAuth2(a) => Some(a),
        _ => None,
    };
    let client_id = form.text(PresetField::ClientId).trim().to_owned();
    let client_secret = form.text(PresetField::ClientSecret);
    let redirect_uri = form.text(PresetField::RedirectUri).trim().to_owned();
    if let Some(a) = oauth2 {
        if client_id.is_empty() {
            errors.push((PresetField::ClientId.into(), "Enter the Client ID the provider gave your app.".into()));
        } else if client_id.len() > limits::CLIENT_ID {
            errors.push((
                PresetField::ClientId.into(),
                format!("A Client ID is at most {} bytes; this one is {}.", limits::CLIENT_ID, client_id.len()),
            ));
        }
        if client_secret.is_empty() && a.client_auth != ClientAuth::None {
            errors.push((
                PresetField::ClientSecret.into(),
                format!(
                    "Enter the Client Secret the provider gave your app: {} authenticates the client with it.",
                    provider_name(&preset.title)
                ),
            ));
        } else if client_secret.len() > limits::SECRET {
            errors.push((
                PresetField::ClientSecret.into(),
                format!("A Client Secret is at most {} bytes; this one is {}.", limits::SECRET, client_secret.len()),
            ));
        }
        if let Err(problem) = check_redirect_uri(&redirect_uri) {
            errors.push((PresetField::RedirectUri.into(), problem));
        }
    }
    (answers, errors)
}

/// Checks every answer (each problem beside its field), applies the preset, and asks the app to
/// add it.
pub fn save(form: &mut Form, index: usize) -> Vec<Command> {
    let preset = match preset_at(index) {
        Ok(preset) => preset,
        Err(e) => return vec![Command::Error(e)],
    };
    let (answers, errors) = check(form, &preset);
    let oauth2 = matches!(&preset.authorization, AuthorizationExport::OAuth2(_));
    let client_id = form.text(PresetField::ClientId).trim().to_owned();
    let client_secret = form.text(PresetField::ClientSecret);
    let redirect_uri = form.text(PresetField::RedirectUri).trim().to_owned();
    if !errors.is_empty() {
        return form.refuse(errors);
    }
    let applied = match preset.apply(&answers, if oauth2 { &redirect_uri } else { DEFAULT_REDIRECT_URI }) {
        Ok(applied) => applied,
        Err(problems) => return vec![Command::Error(problems.join(" "))],
    };
    let request = PresetRequest {
        title: preset.title.clone(),
        docs: preset.docs.clone(),
        applied,
        client_id,
        client_secret: (!client_secret.is_empty()).then(|| Sensitive::new(client_secret)),
        base_url: None,
    };
    vec![Command::AddPreset(Box::new(request))]
}

/// How adding went: the form closes, the new authorization is selected and what to do at the
/// provider is shown; or the problem is said and nothing was added.
pub fn stored(_form: &mut Form, outcome: Outcome) -> Vec<Command> {
    match outcome {
        Ok(Done::PresetAdded(added)) => {
            let id = added.added.authorization_id;
            let info = format!(
                "Added the {} preset: the authorization \"{}\" and {} endpoint{}.",
                added.title,
                added.added.authorization_name,
                added.added.endpoints.len(),
                if added.added.endpoints.len() == 1 { "" } else { "s" }
            );
            vec![
                Command::Pop,
                Command::ShowTab(Tab::Authorizations),
                Command::Select { tab: Tab::Authorizations, id },
                Command::Push(Overlay::PresetNotes(Box::new(notes(&added)))),
                Command::Info(info),
            ]
        }
        Err(JobError::Transfer(e)) => vec![Command::Error(format!("{e} Nothing was added."))],
        other => report(other),
    }
}

/// The notes shown once a preset was added.
fn notes(added: &PresetAdded) -> PresetNotes {
    let mut lines = vec![format!(
        "Created the authorization \"{}\" with the endpoints {}.",
        added.added.authorization_name,
        added.added.endpoints.iter().map(|e| format!("\"{e}\"")).collect::<Vec<_>>().join(", ")
    )];
    if let Some(base) = &added.base_url {
        lines.push(format!(
            "Its URLs point at {base} ({}), not at the provider: a mock of it is expected there.",
            preset::BASE_URL_VARIABLE
        ));
    }
    if !added.notes.is_empty() {
        lines.push(String::new());
        lines.push("Before testing, at the provider:".into());
        lines.extend(added.notes.iter().map(|n| format!("• {n}")));
    }
    if !added.docs.is_empty() {
        lines.push(String::new());
        lines.push("Documentation:".into());
        lines.extend(added.docs.iter().cloned());
    }
    lines.push(String::new());
    lines.push(format!(
        "{} tests it now; it is selected on the Authorizations tab, where {} edits it.",
        key_for(Context::PresetNotes, Action::Test),
        key_for(Context::Authorizations, Action::Edit)
    ));
    PresetNotes {
        title: format!("{} added", added.title),
        lines,
        authorization_id: added.added.authorization_id,
        scroll: 0,
        max_scroll: Default::default(),
    }
}

/// "Slack" of "Slack (user token)".
fn provider_name(title: &str) -> &str {
    title.split(" (").next().unwrap_or(title).trim()
}
