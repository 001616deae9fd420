//! The forms of authdeck: which fields each kind of authorization and an endpoint has, and how a
//! form's values become the model's types again.

use super::form::{Field, Form, FormTarget};
use crate::model::endpoint::METHODS;
use crate::model::{
    ApiKeyConfig, AuthConfig, AuthKind, Authorization, BasicConfig, BodyKind, ClientAuth, Endpoint, EndpointPurpose,
    FieldError, KeyPlacement, OAuth2Config, ResponseMapping, check_name,
};

const PLACEMENTS: [KeyPlacement; 2] = [KeyPlacement::Header, KeyPlacement::Query];

/// The form for editing `existing`, or for a new authorization of `kind` called `new_name`.
pub fn authorization_form(kind: AuthKind, existing: Option<&Authorization>, new_name: &str) -> Form {
    let config = existing.map(|a| a.config.clone()).unwrap_or_else(|| AuthConfig::new_of_kind(kind));
    let name = existing.map_or(new_name, |a| a.name.as_str());
    let name_field = Field::text("name", "Name", "How this authorization is called in authdeck.", name);
    let mut fields = vec![name_field];
    match &config {
        AuthConfig::ApiKey(c) => fields.extend([
            Field::choice(
                "placement",
                "Key goes in",
                "Where the key is sent: a header or a query parameter (←/→ to change).",
                PLACEMENTS.iter().map(|p| p.label()).collect(),
                PLACEMENTS.iter().position(|p| *p == c.placement).unwrap_or(0),
            ),
            Field::text("param_name", "Header / parameter name", "e.g. Authorization, X-API-Key, key.", &c.param_name),
            Field::text(
                "value_template",
                "Value",
                "The value sent; {{api_key}} is replaced by the key.",
                &c.value_template,
            ),
            Field::text("key_label", "Key label", "What the end user is asked for, e.g. API Key.", &c.key_label),
            Field::endpoint(
                "userinfo_endpoint",
                "User Information Endpoint",
                "Called with the key to test it (Enter to choose or create).",
                EndpointPurpose::UserInfo,
                c.userinfo_endpoint,
            ),
        ]),
        AuthConfig::Basic(c) => fields.extend([
            Field::text(
                "username_label",
                "Username label",
                "What the end user is asked for, e.g. Username.",
                &c.username_label,
            ),
            Field::text(
                "password_label",
                "Password label",
                "What the end user is asked for, e.g. Password.",
                &c.password_label,
            ),
            Field::endpoint(
                "userinfo_endpoint",
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
        Field::text("client_id", "Client ID", "The client ID the provider gave your app.", &c.client_id),
        Field::secret(
            "client_secret",
            "Client Secret",
            "The client secret; masked, Ctrl-R reveals it. Leave empty only for a public client.",
            &c.client_secret,
        ),
        Field::text(
            "authorization_uri",
            "Authorization URI",
            "Where users authorize; query parameters typed here (response_type=code…) are kept.",
            &c.authorization_uri,
        ),
        Field::text("scopes", "Scopes", "Separated by comma or space, or however your provider wants them.", &c.scopes),
        Field::endpoint(
            "token_endpoint",
            "Token Endpoint",
            "Exchanges the code for tokens (Enter to choose or create one).",
            EndpointPurpose::Token,
            c.token_endpoint,
        ),
        Field::endpoint(
            "userinfo_endpoint",
            "User Information Endpoint",
            "Returns the logged-in user (Enter to choose or create one).",
            EndpointPurpose::UserInfo,
            c.userinfo_endpoint,
        ),
        Field::text(
            "redirect_uri",
            "Redirect URI",
            "Registered with the provider; a loopback one lets authdeck listen.",
            &c.redirect_uri,
        ),
        Field::choice(
            "client_auth",
            "Client authentication",
            "How the client authenticates at the token endpoint (←/→ to change).",
            ClientAuth::ALL.iter().map(|a| a.label()).collect(),
            ClientAuth::ALL.iter().position(|a| *a == c.client_auth).unwrap_or(0),
        ),
        Field::toggle(
            "pkce",
            "PKCE (S256)",
            "Proof Key for Code Exchange; turn off only for providers that reject it.",
            c.pkce,
        ),
    ]
}

/// The name and fields of the authorization the form describes, or the problems to show.
pub fn form_to_authorization(form: &Form, kind: AuthKind) -> Result<(String, AuthConfig), Vec<FieldError>> {
    let name = form.text("name").trim().to_owned();
    let config = match kind {
        AuthKind::ApiKey => AuthConfig::ApiKey(ApiKeyConfig {
            placement: PLACEMENTS[form.choice("placement").min(PLACEMENTS.len() - 1)],
            param_name: form.text("param_name").trim().to_owned(),
            value_template: form.text("value_template"),
            key_label: form.text("key_label").trim().to_owned(),
            userinfo_endpoint: form.endpoint("userinfo_endpoint"),
        }),
        AuthKind::Basic => AuthConfig::Basic(BasicConfig {
            username_label: form.text("username_label").trim().to_owned(),
            password_label: form.text("password_label").trim().to_owned(),
            userinfo_endpoint: form.endpoint("userinfo_endpoint"),
        }),
        AuthKind::OAuth2 => AuthConfig::OAuth2(OAuth2Config {
            client_id: form.text("client_id").trim().to_owned(),
            client_secret: form.text("client_secret"),
            authorization_uri: form.text("authorization_uri").trim().to_owned(),
            scopes: form.text("scopes"),
            token_endpoint: form.endpoint("token_endpoint"),
            userinfo_endpoint: form.endpoint("userinfo_endpoint"),
            redirect_uri: form.text("redirect_uri").trim().to_owned(),
            client_auth: ClientAuth::ALL[form.choice("client_auth").min(ClientAuth::ALL.len() - 1)],
            pkce: form.toggle("pkce"),
            ..OAuth2Config::default()
        }),
    };
    let mut errors = Vec::new();
    check_name("name", &name, &mut errors);
    errors.extend(config.validate());
    if errors.is_empty() { Ok((name, config)) } else { Err(errors) }
}

/// The endpoint form, for a new endpoint pre-filled for `endpoint.purpose` (id 0) or an existing one.
pub fn endpoint_form(endpoint: &Endpoint, target: FormTarget) -> Form {
    let title = match target {
        FormTarget::EditEndpoint(_) => format!("Edit endpoint \"{}\"", endpoint.name),
        _ => format!("New {} endpoint", endpoint.purpose.label().to_lowercase()),
    };
    let mut fields = vec![
        Field::text("name", "Name", "How this endpoint is called in authdeck.", &endpoint.name),
        Field::choice(
            "purpose",
            "Purpose",
            "What the endpoint is for (←/→ to change).",
            EndpointPurpose::ALL.iter().map(|p| p.label()).collect(),
            EndpointPurpose::ALL.iter().position(|p| *p == endpoint.purpose).unwrap_or(0),
        ),
        Field::choice(
            "method",
            "Method",
            "The HTTP method (←/→ to change).",
            METHODS.to_vec(),
            METHODS.iter().position(|m| *m == endpoint.method).unwrap_or(0),
        ),
        Field::text("url", "URL", "The absolute https:// URL; may use {{templates}}.", &endpoint.url),
        Field::multiline(
            "headers",
            "Headers",
            "One Name: value per line; e.g. Authorization: Bearer {{access_token}}.",
            &endpoint.headers,
        ),
        Field::choice(
            "body_kind",
            "Body as",
            "How the body is sent (←/→ to change).",
            BodyKind::ALL.iter().map(|k| k.label()).collect(),
            BodyKind::ALL.iter().position(|k| *k == endpoint.body_kind).unwrap_or(0),
        ),
        Field::multiline(
            "body",
            "Body",
            "Form fields key=value per line, or a JSON template; e.g. code={{code}}.",
            &endpoint.body,
        ),
    ];
    fields.extend(
        ResponseMapping::FIELDS
            .iter()
            .map(|(key, label, help, _)| Field::text(key, *label, help, endpoint.mapping.get(key))),
    );
    let button = if matches!(target, FormTarget::EditEndpoint(_)) { "Save" } else { "Create Endpoint" };
    fields.push(Field::button(button));
    let mut form = Form::new(title, target, fields);
    refresh_endpoint_fields(&mut form);
    form
}

/// Shows the response paths that fit the endpoint's purpose, hides the others (their values are kept).
pub fn refresh_endpoint_fields(form: &mut Form) {
    let purpose = EndpointPurpose::ALL[form.choice("purpose").min(EndpointPurpose::ALL.len() - 1)];
    for (key, _, _, for_purpose) in ResponseMapping::FIELDS {
        if let Some(field) = form.field_mut(key) {
            field.hidden = purpose != for_purpose;
        }
    }
}

/// After the purpose changed from `old`: the fields still holding `old`'s pre-filled values take
/// the new purpose's (a token request becomes a user information request); edited ones are kept.
pub fn retarget_endpoint_defaults(form: &mut Form, old: EndpointPurpose) {
    let new = EndpointPurpose::ALL[form.choice("purpose").min(EndpointPurpose::ALL.len() - 1)];
    if new == old {
        return;
    }
    let (was, will) = (Endpoint::new_for(old), Endpoint::new_for(new));
    let mut texts: Vec<(&str, &str, &str)> =
        vec![("headers", &was.headers, &will.headers), ("body", &was.body, &will.body)];
    texts.extend(ResponseMapping::FIELDS.iter().map(|(key, ..)| (*key, was.mapping.get(key), will.mapping.get(key))));
    for (key, before, after) in texts {
        if form.text(key) == before {
            form.set_text(key, after);
        }
    }
    if METHODS.get(form.choice("method")) == Some(&was.method.as_str()) {
        form.set_choice("method", METHODS.iter().position(|m| *m == will.method).unwrap_or(0));
    }
    refresh_endpoint_fields(form);
}

/// The endpoint the form describes (id and app from `base`), or the problems to show.
pub fn form_to_endpoint(form: &Form, base: &Endpoint) -> Result<Endpoint, Vec<FieldError>> {
    let text = |key: &str| form.text(key).trim().to_owned();
    let mut endpoint = Endpoint {
        id: base.id,
        app_id: base.app_id,
        name: text("name"),
        purpose: EndpointPurpose::ALL[form.choice("purpose").min(EndpointPurpose::ALL.len() - 1)],
        method: METHODS[form.choice("method").min(METHODS.len() - 1)].to_owned(),
        url: text("url"),
        headers: form.text("headers"),
        body_kind: BodyKind::ALL[form.choice("body_kind").min(BodyKind::ALL.len() - 1)],
        body: form.text("body"),
        mapping: ResponseMapping::default(),
    };
    for (key, ..) in ResponseMapping::FIELDS {
        endpoint.mapping.set(key, text(key));
    }
    let errors = endpoint.validate();
    if errors.is_empty() { Ok(endpoint) } else { Err(errors) }
}
