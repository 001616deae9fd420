//! The endpoint form: its fields (the response paths shown for the endpoint's purpose), how it
//! follows a change of purpose, and saving (also for a field of the form below it).

use super::{Field, FieldKey, Form, FormTarget, phrase};
use crate::app::data::{Data, Done, Job, JobError, Outcome};
use crate::app::{Command, Tab, report};
use crate::model::{BodyKind, Endpoint, EndpointField, EndpointPurpose, MappingField, Method, ResponseMapping};
use crate::store::StoreError;

/// The endpoint form, for a new endpoint pre-filled for `endpoint.purpose` (id 0) or an existing one.
pub fn form(endpoint: &Endpoint, target: FormTarget) -> Form {
    let title = match target {
        FormTarget::EditEndpoint(_) => format!("Edit endpoint \"{}\"", endpoint.name),
        _ => format!("New {} endpoint", endpoint.purpose.label().to_lowercase()),
    };
    let mut fields = vec![
        Field::text(EndpointField::Name, "Name", "How this endpoint is called in authdeck.", &endpoint.name),
        Field::choice(
            EndpointField::Purpose,
            "Purpose",
            "What the endpoint is for.",
            EndpointPurpose::ALL.iter().map(|p| p.label()).collect(),
            EndpointPurpose::ALL.iter().position(|p| *p == endpoint.purpose).unwrap_or(0),
        ),
        Field::choice(
            EndpointField::Method,
            "Method",
            "The HTTP method.",
            Method::ALL.iter().map(|m| m.as_str()).collect(),
            Method::ALL.iter().position(|m| *m == endpoint.method).unwrap_or(0),
        ),
        Field::text(
            EndpointField::Url,
            "URL",
            "The absolute https:// URL; may use {{templates}}, and what the run learnt: {{ callback.NAME }} (a callback parameter), {{ token.NAME }} (the token response, e.g. {{ token.instance_url }}/…), {{ userinfo.NAME }}.",
            &endpoint.url,
        ),
        Field::multiline(
            EndpointField::Headers,
            "Headers",
            "One Name: value per line; e.g. Authorization: Bearer {{access_token}}, X-Tenant: {{ callback.realmId }}.",
            &endpoint.headers,
        ),
        Field::choice(
            EndpointField::BodyKind,
            "Body as",
            "How the body is sent.",
            BodyKind::ALL.iter().map(|k| k.label()).collect(),
            BodyKind::ALL.iter().position(|k| *k == endpoint.body_kind).unwrap_or(0),
        ),
        Field::multiline(
            EndpointField::Body,
            "Body",
            "Form fields key=value per line, or a JSON template; e.g. code={{code}}. With PKCE on, code_verifier is added when the body doesn't place it.",
            &endpoint.body,
        ),
    ];
    fields.extend(MappingField::ALL.iter().map(|&field| {
        let (label, help) = mapping_text(field);
        Field::text(EndpointField::Response(field), label, help, endpoint.mapping.get(field))
    }));
    let button = if matches!(target, FormTarget::EditEndpoint(_)) { "Save" } else { "Create Endpoint" };
    fields.push(Field::button(button));
    let mut form = Form::new(title, target, fields);
    refresh_fields(&mut form);
    form
}

/// The label and help of a response path's field.
fn mapping_text(field: MappingField) -> (&'static str, &'static str) {
    match field {
        MappingField::AccessToken => (
            "Path: access token",
            "Where the response keeps the access token, e.g. authed_user.access_token. Any of these may be an expression instead (see the README): authed_user.access_token or access_token.",
        ),
        MappingField::RefreshToken => {
            ("Path: refresh token", "Where the refresh token is; empty if the provider sends none.")
        }
        MappingField::ExpiresIn => (
            "Path: expires in",
            "Seconds until the access token expires; expires_in / 1000 for milliseconds, expires_at | timestamp - now() for a time.",
        ),
        MappingField::IssuedAt => (
            "Path: issued at",
            "When the token was issued (Unix seconds or ms), if the provider says, e.g. created_at: expires in counts from it.",
        ),
        MappingField::RefreshExpiresIn => (
            "Path: refresh token expires in",
            "Seconds until the refresh token expires, e.g. refresh_token_expires_in.",
        ),
        MappingField::Scope => ("Path: granted scopes", "The scopes the provider granted."),
        MappingField::TokenType => ("Path: token type", "Usually token_type (Bearer)."),
        MappingField::UserId => {
            ("Path: user id", "The user's id, e.g. sub, id or data.0.id; a|b tries a, then b; or sub or id.")
        }
        MappingField::UserName => {
            ("Path: user name", "The user's name, e.g. name|login, or givenName ~ \" \" ~ familyName.")
        }
        MappingField::UserEmail => ("Path: user email", "The user's email, e.g. email."),
    }
}

/// Shows the response paths that fit the endpoint's purpose, hides the others (their values are kept).
fn refresh_fields(form: &mut Form) {
    let purpose = EndpointPurpose::ALL[form.choice(EndpointField::Purpose).min(EndpointPurpose::ALL.len() - 1)];
    for field in MappingField::ALL {
        if let Some(input) = form.field_mut(EndpointField::Response(field)) {
            input.hidden = purpose != field.purpose();
        }
    }
}

/// After the purpose changed from `old`: the fields still holding `old`'s pre-filled values take
/// the new purpose's (a token request becomes a user information request); edited ones are kept.
fn retarget_defaults(form: &mut Form, old: EndpointPurpose) {
    let new = EndpointPurpose::ALL[form.choice(EndpointField::Purpose).min(EndpointPurpose::ALL.len() - 1)];
    if new == old {
        return;
    }
    let (was, will) = (Endpoint::new_for(old), Endpoint::new_for(new));
    let mut texts: Vec<(EndpointField, &str, &str)> =
        vec![(EndpointField::Headers, &was.headers, &will.headers), (EndpointField::Body, &was.body, &will.body)];
    texts.extend(
        MappingField::ALL.iter().map(|&f| (EndpointField::Response(f), was.mapping.get(f), will.mapping.get(f))),
    );
    for (key, before, after) in texts {
        if form.text(key) == before {
            form.set_text(key, after);
        }
    }
    if Method::ALL.get(form.choice(EndpointField::Method)) == Some(&was.method) {
        form.set_choice(EndpointField::Method, Method::ALL.iter().position(|m| *m == will.method).unwrap_or(0));
    }
    refresh_fields(form);
}

/// The endpoint the form describes (id and app from `base`), or the problems to show.
pub fn to_endpoint(form: &Form, base: &Endpoint) -> Result<Endpoint, Vec<(FieldKey, String)>> {
    let text = |key: EndpointField| form.text(key).trim().to_owned();
    let mut endpoint = Endpoint {
        id: base.id,
        app_id: base.app_id,
        name: text(EndpointField::Name),
        purpose: EndpointPurpose::ALL[form.choice(EndpointField::Purpose).min(EndpointPurpose::ALL.len() - 1)],
        method: Method::ALL[form.choice(EndpointField::Method).min(Method::ALL.len() - 1)],
        url: text(EndpointField::Url),
        headers: form.text(EndpointField::Headers),
        body_kind: BodyKind::ALL[form.choice(EndpointField::BodyKind).min(BodyKind::ALL.len() - 1)],
        body: form.text(EndpointField::Body),
        mapping: ResponseMapping::default(),
    };
    for field in MappingField::ALL {
        endpoint.mapping.set(field, text(EndpointField::Response(field)));
    }
    let errors: Vec<_> = endpoint.validate().into_iter().map(|e| e.map(FieldKey::Endpoint)).collect();
    if errors.is_empty() { Ok(endpoint) } else { Err(phrase(form, errors)) }
}

/// What the form says for an empty field.
pub fn missing(field: EndpointField) -> String {
    match field {
        EndpointField::Name => "Give it a name.".into(),
        EndpointField::Url => "Enter the URL, e.g. https://provider.example/oauth/token.".into(),
        _ => "Fill this in.".into(),
    }
}

/// The purpose the form has chosen.
pub fn purpose(form: &Form) -> EndpointPurpose {
    EndpointPurpose::ALL[form.choice(EndpointField::Purpose).min(EndpointPurpose::ALL.len() - 1)]
}

/// The purpose changed from `old`: pre-filled values (and a pre-filled name) follow it.
pub fn purpose_changed(form: &mut Form, old: EndpointPurpose, data: &Data) {
    retarget_defaults(form, old);
    if matches!(form.target, FormTarget::NewEndpoint { .. }) {
        form.title = format!("New {} endpoint", purpose(form).label().to_lowercase());
    }
    // A name still as pre-filled ("Token endpoint", "Token endpoint 2") follows the purpose too.
    let name = form.text(EndpointField::Name);
    let old_name = Endpoint::new_for(old).name;
    let untouched =
        name.strip_prefix(&old_name).is_some_and(|rest| rest.is_empty() || rest.trim().parse::<u32>().is_ok());
    if untouched {
        let renamed = data.new_endpoint(purpose(form), None).name;
        form.set_text(EndpointField::Name, &renamed);
    }
}

/// Saves the endpoint the form describes, or shows its problems.
pub fn save(form: &mut Form) -> Vec<Command> {
    let id = match form.target {
        FormTarget::EditEndpoint(id) => id,
        _ => 0,
    };
    let base = Endpoint { id, ..Endpoint::new_for(EndpointPurpose::Other) };
    match to_endpoint(form, &base) {
        Ok(endpoint) => vec![Command::Store(Job::SaveEndpoint(endpoint))],
        Err(errors) => form.refuse(errors),
    }
}

/// How the save went: the form closes (choosing the new endpoint in the form below, when it was
/// made for one of its fields), or the problem is shown.
pub fn stored(form: &mut Form, outcome: Outcome) -> Vec<Command> {
    match outcome {
        Ok(Done::Saved { id }) => {
            let name = form.text(EndpointField::Name).trim().to_owned();
            let mut commands = vec![Command::Pop, Command::Select { tab: Tab::Endpoints, id }];
            let verb = match form.target {
                FormTarget::NewEndpoint { for_field: Some(field) } => {
                    commands.push(Command::SetEndpoint { field, id });
                    "Created"
                }
                FormTarget::EditEndpoint(_) => "Saved",
                _ => "Created",
            };
            commands.push(Command::Info(format!("{verb} the endpoint \"{name}\".")));
            commands
        }
        Err(JobError::Store(e @ StoreError::DuplicateName { .. })) => {
            form.refuse(vec![(EndpointField::Name.into(), e.to_string())])
        }
        other => report(other),
    }
}
