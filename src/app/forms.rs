//! The forms of authdeck: which fields each kind of authorization and an endpoint has, and how a
//! form's values become the model's types again.

use super::form::{Field, FieldKey, Form, FormTarget};
use crate::model::AuthField;
use crate::model::authorization::DEFAULT_REDIRECT_URI;
use crate::model::{
    ApiKeyConfig, ApiKeyField, AuthConfig, AuthKind, Authorization, BasicConfig, BasicField, BodyKind, ClientAuth,
    Endpoint, EndpointField, EndpointPurpose, FieldError, KeyPlacement, MappingField, Method, OAuth2Config,
    OAuth2Field, Problem, ResponseMapping, check_name,
};

const PLACEMENTS: [KeyPlacement; 2] = [KeyPlacement::Header, KeyPlacement::Query];

/// The key of the Name field of an authorization form of `kind`.
pub fn name_key(kind: AuthKind) -> FieldKey {
    match kind {
        AuthKind::ApiKey => ApiKeyField::Name.into(),
        AuthKind::Basic => BasicField::Name.into(),
        AuthKind::OAuth2 => OAuth2Field::Name.into(),
    }
}

/// The form for editing `existing`, or for a new authorization of `kind` called `new_name`.
pub fn authorization_form(kind: AuthKind, existing: Option<&Authorization>, new_name: &str) -> Form {
    let config = existing.map(|a| a.config.clone()).unwrap_or_else(|| AuthConfig::new_of_kind(kind));
    let name = existing.map_or(new_name, |a| a.name.as_str());
    let name_field = Field::text(name_key(kind), "Name", "How this authorization is called in authdeck.", name);
    let mut fields = vec![name_field];
    match &config {
        AuthConfig::ApiKey(c) => fields.extend([
            Field::choice(
                ApiKeyField::Placement,
                "Key goes in",
                "Where the key is sent: a header or a query parameter (←/→ to change).",
                PLACEMENTS.iter().map(|p| p.label()).collect(),
                PLACEMENTS.iter().position(|p| *p == c.placement).unwrap_or(0),
            ),
            Field::text(
                ApiKeyField::ParamName,
                "Header / parameter name",
                "e.g. Authorization, X-API-Key, key.",
                &c.param_name,
            ),
            Field::text(
                ApiKeyField::ValueTemplate,
                "Value",
                "The value sent; {{api_key}} is replaced by the key.",
                &c.value_template,
            ),
            Field::text(
                ApiKeyField::KeyLabel,
                "Key label",
                "What the end user is asked for, e.g. API Key.",
                &c.key_label,
            ),
            Field::endpoint(
                ApiKeyField::UserinfoEndpoint,
                "User Information Endpoint",
                "Called with the key to test it (Enter to choose or create).",
                EndpointPurpose::UserInfo,
                c.userinfo_endpoint,
            ),
        ]),
        AuthConfig::Basic(c) => fields.extend([
            Field::text(
                BasicField::UsernameLabel,
                "Username label",
                "What the end user is asked for, e.g. Username.",
                &c.username_label,
            ),
            Field::text(
                BasicField::PasswordLabel,
                "Password label",
                "What the end user is asked for, e.g. Password.",
                &c.password_label,
            ),
            Field::endpoint(
                BasicField::UserinfoEndpoint,
                "User Information Endpoint",
                "Called with the credentials to test them (Enter to choose or create).",
                EndpointPurpose::UserInfo,
                c.userinfo_endpoint,
            ),
        ]),
        AuthConfig::OAuth2(c) => fields.extend(oauth2_fields(c)),
    }
    let (title, target, button) = match existing {
        Some(a) => (format!("Edit {} authorization", kind.label()), FormTarget::EditAuthorization(a.id, kind), "Save"),
        None => {
            (format!("New {} authorization", kind.label()), FormTarget::NewAuthorization(kind), "Create Authorization")
        }
    };
    fields.push(Field::button(button));
    Form::new(title, target, fields)
}

fn oauth2_fields(c: &OAuth2Config) -> Vec<Field> {
    vec![
        Field::text(OAuth2Field::ClientId, "Client ID", "The client ID the provider gave your app.", &c.client_id),
        Field::secret(
            OAuth2Field::ClientSecret,
            "Client Secret",
            "The client secret; masked, Ctrl-R reveals it. Leave empty only for a public client.",
            &c.client_secret,
        ),
        Field::text(
            OAuth2Field::AuthorizationUri,
            "Authorization URI",
            "Where users authorize; query parameters typed here (response_type=code…) are kept.",
            &c.authorization_uri,
        ),
        Field::text(
            OAuth2Field::Scopes,
            "Scopes",
            "Separated by comma or space, or however your provider wants them.",
            &c.scopes,
        ),
        Field::endpoint(
            OAuth2Field::TokenEndpoint,
            "Token Endpoint",
            "Exchanges the code for tokens (Enter to choose or create one).",
            EndpointPurpose::Token,
            c.token_endpoint,
        ),
        Field::endpoint(
            OAuth2Field::UserinfoEndpoint,
            "User Information Endpoint",
            "Returns the logged-in user (Enter to choose or create one).",
            EndpointPurpose::UserInfo,
            c.userinfo_endpoint,
        ),
        Field::text(
            OAuth2Field::RedirectUri,
            "Redirect URI",
            "Registered with the provider; a loopback one lets authdeck listen.",
            &c.redirect_uri,
        ),
        Field::choice(
            OAuth2Field::ClientAuth,
            "Client authentication",
            "How the client authenticates at the token endpoint (←/→ to change).",
            ClientAuth::ALL.iter().map(|a| a.label()).collect(),
            ClientAuth::ALL.iter().position(|a| *a == c.client_auth).unwrap_or(0),
        ),
        Field::toggle(
            OAuth2Field::Pkce,
            "PKCE (S256)",
            "Proof Key for Code Exchange; turn off only for providers that reject it.",
            c.pkce,
        ),
    ]
}

/// The name and fields of the authorization the form describes, or the problems to show.
pub fn form_to_authorization(form: &Form, kind: AuthKind) -> Result<(String, AuthConfig), Vec<(FieldKey, String)>> {
    let name_key = name_key(kind);
    let name = form.text(name_key).trim().to_owned();
    let config = match kind {
        AuthKind::ApiKey => AuthConfig::ApiKey(ApiKeyConfig {
            placement: PLACEMENTS[form.choice(ApiKeyField::Placement).min(PLACEMENTS.len() - 1)],
            param_name: form.text(ApiKeyField::ParamName).trim().to_owned(),
            value_template: form.text(ApiKeyField::ValueTemplate),
            key_label: form.text(ApiKeyField::KeyLabel).trim().to_owned(),
            userinfo_endpoint: form.endpoint(ApiKeyField::UserinfoEndpoint),
        }),
        AuthKind::Basic => AuthConfig::Basic(BasicConfig {
            username_label: form.text(BasicField::UsernameLabel).trim().to_owned(),
            password_label: form.text(BasicField::PasswordLabel).trim().to_owned(),
            userinfo_endpoint: form.endpoint(BasicField::UserinfoEndpoint),
        }),
        AuthKind::OAuth2 => AuthConfig::OAuth2(OAuth2Config {
            client_id: form.text(OAuth2Field::ClientId).trim().to_owned(),
            client_secret: form.text(OAuth2Field::ClientSecret),
            authorization_uri: form.text(OAuth2Field::AuthorizationUri).trim().to_owned(),
            scopes: form.text(OAuth2Field::Scopes),
            token_endpoint: form.endpoint(OAuth2Field::TokenEndpoint),
            userinfo_endpoint: form.endpoint(OAuth2Field::UserinfoEndpoint),
            redirect_uri: form.text(OAuth2Field::RedirectUri).trim().to_owned(),
            client_auth: ClientAuth::ALL[form.choice(OAuth2Field::ClientAuth).min(ClientAuth::ALL.len() - 1)],
            pkce: form.toggle(OAuth2Field::Pkce),
            ..OAuth2Config::default()
        }),
    };
    let mut errors: Vec<FieldError<FieldKey>> = Vec::new();
    check_name(name_key, &name, &mut errors);
    errors.extend(config.validate().into_iter().map(|e| {
        e.map(|field| match field {
            AuthField::ApiKey(f) => f.into(),
            AuthField::Basic(f) => f.into(),
            AuthField::OAuth2(f) => f.into(),
        })
    }));
    if errors.is_empty() { Ok((name, config)) } else { Err(phrase(form, errors)) }
}

/// The problems as the form words them beside their fields.
pub fn phrase(form: &Form, errors: Vec<FieldError<FieldKey>>) -> Vec<(FieldKey, String)> {
    errors.into_iter().map(|e| (e.field, form_message(form, e.field, &e.problem))).collect()
}

/// How the form says what is wrong with a field: for an empty one, what to put there.
fn form_message(form: &Form, field: FieldKey, problem: &Problem) -> String {
    if let Some(reason) = problem.reason() {
        return reason;
    }
    match field {
        FieldKey::ApiKey(ApiKeyField::Name)
        | FieldKey::Basic(BasicField::Name)
        | FieldKey::OAuth2(OAuth2Field::Name)
        | FieldKey::Endpoint(EndpointField::Name) => "Give it a name.".into(),
        FieldKey::ApiKey(ApiKeyField::ParamName) => match PLACEMENTS.get(form.choice(ApiKeyField::Placement)) {
            Some(KeyPlacement::Query) => "Give the parameter name, e.g. key or api_key.".into(),
            _ => "Give the header name, e.g. Authorization or X-API-Key.".into(),
        },
        FieldKey::ApiKey(ApiKeyField::KeyLabel) => "Give the label the end user sees, e.g. API Key.".into(),
        FieldKey::Basic(BasicField::UsernameLabel) => "Give the label the end user sees, e.g. Username.".into(),
        FieldKey::Basic(BasicField::PasswordLabel) => "Give the label the end user sees, e.g. Password.".into(),
        FieldKey::OAuth2(OAuth2Field::ClientId) => "Enter the Client ID the provider gave your app.".into(),
        FieldKey::OAuth2(OAuth2Field::ClientSecret) => {
            "Enter the Client Secret, or set Client authentication to None for a public client.".into()
        }
        FieldKey::OAuth2(OAuth2Field::AuthorizationUri) => {
            "Enter the Authorization URI, e.g. https://provider.example/oauth/authorize.".into()
        }
        FieldKey::OAuth2(OAuth2Field::TokenEndpoint) => "Choose a token endpoint, or create one (Enter).".into(),
        FieldKey::OAuth2(OAuth2Field::RedirectUri) => {
            format!("Enter the redirect URI registered with the provider, e.g. {DEFAULT_REDIRECT_URI}.")
        }
        FieldKey::Endpoint(EndpointField::Url) => "Enter the URL, e.g. https://provider.example/oauth/token.".into(),
        _ => "Fill this in.".into(),
    }
}

/// The endpoint form, for a new endpoint pre-filled for `endpoint.purpose` (id 0) or an existing one.
pub fn endpoint_form(endpoint: &Endpoint, target: FormTarget) -> Form {
    let title = match target {
        FormTarget::EditEndpoint(_) => format!("Edit endpoint \"{}\"", endpoint.name),
        _ => format!("New {} endpoint", endpoint.purpose.label().to_lowercase()),
    };
    let mut fields = vec![
        Field::text(EndpointField::Name, "Name", "How this endpoint is called in authdeck.", &endpoint.name),
        Field::choice(
            EndpointField::Purpose,
            "Purpose",
            "What the endpoint is for (←/→ to change).",
            EndpointPurpose::ALL.iter().map(|p| p.label()).collect(),
            EndpointPurpose::ALL.iter().position(|p| *p == endpoint.purpose).unwrap_or(0),
        ),
        Field::choice(
            EndpointField::Method,
            "Method",
            "The HTTP method (←/→ to change).",
            Method::ALL.iter().map(|m| m.as_str()).collect(),
            Method::ALL.iter().position(|m| *m == endpoint.method).unwrap_or(0),
        ),
        Field::text(EndpointField::Url, "URL", "The absolute https:// URL; may use {{templates}}.", &endpoint.url),
        Field::multiline(
            EndpointField::Headers,
            "Headers",
            "One Name: value per line; e.g. Authorization: Bearer {{access_token}}.",
            &endpoint.headers,
        ),
        Field::choice(
            EndpointField::BodyKind,
            "Body as",
            "How the body is sent (←/→ to change).",
            BodyKind::ALL.iter().map(|k| k.label()).collect(),
            BodyKind::ALL.iter().position(|k| *k == endpoint.body_kind).unwrap_or(0),
        ),
        Field::multiline(
            EndpointField::Body,
            "Body",
            "Form fields key=value per line, or a JSON template; e.g. code={{code}}.",
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
    refresh_endpoint_fields(&mut form);
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
pub fn refresh_endpoint_fields(form: &mut Form) {
    let purpose = EndpointPurpose::ALL[form.choice(EndpointField::Purpose).min(EndpointPurpose::ALL.len() - 1)];
    for field in MappingField::ALL {
        if let Some(input) = form.field_mut(EndpointField::Response(field)) {
            input.hidden = purpose != field.purpose();
        }
    }
}

/// After the purpose changed from `old`: the fields still holding `old`'s pre-filled values take
/// the new purpose's (a token request becomes a user information request); edited ones are kept.
pub fn retarget_endpoint_defaults(form: &mut Form, old: EndpointPurpose) {
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
    refresh_endpoint_fields(form);
}

/// The endpoint the form describes (id and app from `base`), or the problems to show.
pub fn form_to_endpoint(form: &Form, base: &Endpoint) -> Result<Endpoint, Vec<(FieldKey, String)>> {
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
