//! The authorization forms (API-Key, Basic, OAuth 2.0): their fields, how the form's values become
//! an authorization again, how the form words a missing value, and saving.

use super::{Field, FieldKey, Form, FormTarget, phrase};
use crate::app::data::{Data, Done, Job, JobError, Outcome};
use crate::app::overlay::Confirm;
use crate::app::{Command, Overlay, Tab, report};
use crate::flow::Discovery;
use crate::keymap::{Action, Context, key_for};
use crate::model::authorization::{DEFAULT_REDIRECT_URI, parse_kept_names};
use crate::model::discovery::{DiscoveryPlan, EndpointChange, metadata_checks};
use crate::model::signature::CallbackSignature;
use crate::model::text::{printable, printable_lines};
use crate::model::{
    ApiKeyConfig, ApiKeyField, AssertionAudience, AuthConfig, AuthField, AuthKind, Authorization, BasicConfig,
    BasicField, ClientAuth, EndpointPurpose, FieldError, Grant, KeyPlacement, OAuth2Config, OAuth2Field, ResponseMode,
    SigningAlg, check_name,
};
use crate::store::StoreError;

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
pub fn form(kind: AuthKind, existing: Option<&Authorization>, new_name: &str) -> Form {
    let config = existing.map(|a| a.config.clone()).unwrap_or_else(|| AuthConfig::new_of_kind(kind));
    let name = existing.map_or(new_name, |a| a.name.as_str());
    let name_field = Field::text(name_key(kind), "Name", "How this authorization is called in authdeck.", name);
    let mut fields = vec![name_field];
    match &config {
        AuthConfig::ApiKey(c) => fields.extend([
            Field::choice(
                ApiKeyField::Placement,
                "Key goes in",
                "Where the key is sent: a header or a query parameter.",
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
                "Called with the key to test it.",
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
                "Called with the credentials to test them.",
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
    let mut fields = vec![
        Field::text(OAuth2Field::ClientId, "Client ID", "The client ID the provider gave your app.", &c.client_id),
        Field::secret(
            OAuth2Field::ClientSecret,
            "Client Secret",
            "Leave it empty only for a public client.",
            &c.client_secret,
        ),
        Field::choice(
            OAuth2Field::Grant,
            "Grant",
            "A browser login, a code typed on another device (best over SSH), or the client's own token.",
            Grant::ALL.iter().map(|g| g.label()).collect(),
            Grant::ALL.iter().position(|g| *g == c.grant).unwrap_or(0),
        ),
        Field::text(
            OAuth2Field::Issuer,
            "Issuer",
            format!(
                "OpenID Connect: the provider's base URL (https://accounts.example.com); {} fills in the rest.",
                key_for(Context::FormText, Action::Discover)
            ),
            &c.issuer,
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
            "Gives the tokens.",
            EndpointPurpose::Token,
            c.token_endpoint,
        ),
        Field::endpoint(
            OAuth2Field::UserinfoEndpoint,
            "User Information Endpoint",
            "Returns the logged-in user (with client credentials: any API, called as a check).",
            EndpointPurpose::UserInfo,
            c.userinfo_endpoint,
        ),
        Field::endpoint(
            OAuth2Field::RefreshEndpoint,
            "Refresh Endpoint",
            "Where refresh tokens go, if not to the Token Endpoint.",
            EndpointPurpose::Token,
            c.refresh_endpoint,
        ),
        Field::endpoint(
            OAuth2Field::DeviceEndpoint,
            "Device Endpoint",
            "The device authorization endpoint: gives a device login's user code (RFC 8628); none: the issuer's.",
            EndpointPurpose::DeviceAuthorization,
            c.device_endpoint,
        ),
        Field::endpoint(
            OAuth2Field::RevocationEndpoint,
            "Revocation Endpoint",
            "Revokes a connection's tokens (RFC 7009); none: the issuer's.",
            EndpointPurpose::Revocation,
            c.revocation_endpoint,
        ),
        Field::endpoint(
            OAuth2Field::IntrospectionEndpoint,
            "Introspection Endpoint",
            "Says whether a token is still active (RFC 7662); none: the issuer's.",
            EndpointPurpose::Introspection,
            c.introspection_endpoint,
        ),
        Field::endpoint(
            OAuth2Field::JwksEndpoint,
            "JWKS Endpoint",
            "The issuer's signing keys, to check ID tokens; none: the issuer's.",
            EndpointPurpose::Jwks,
            c.jwks_endpoint,
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
            "How the client authenticates at the token endpoint (and at PAR, revocation, introspection).",
            ClientAuth::ALL.iter().map(|a| a.label()).collect(),
            ClientAuth::ALL.iter().position(|a| *a == c.client_auth).unwrap_or(0),
        ),
        Field::secret_multiline(
            OAuth2Field::ClientKey,
            "Private key",
            "PEM or JWK, pasted, or the path of its file.",
            &c.client_key,
        ),
        Field::text(
            OAuth2Field::KeyId,
            "Key ID (kid)",
            "The kid the key is registered under with the provider; optional.",
            &c.key_id,
        ),
        Field::choice(
            OAuth2Field::SigningAlg,
            "Signing algorithm",
            "RS256 and PS256 need an RSA key, ES256 an EC P-256 key.",
            SigningAlg::ALL.iter().map(|a| a.name()).collect(),
            SigningAlg::ALL.iter().position(|a| *a == c.signing_alg).unwrap_or(0),
        ),
        Field::choice(
            OAuth2Field::AssertionAudience,
            "Assertion audience (aud)",
            "What the client assertion's aud names; most providers take the token endpoint.",
            AssertionAudience::ALL.iter().map(|a| a.label()).collect(),
            AssertionAudience::ALL.iter().position(|a| *a == c.assertion_audience).unwrap_or(0),
        ),
        Field::multiline(
            OAuth2Field::ClientCertificate,
            "Client certificate",
            "PEM (its chain may follow), pasted, or the path of its file; its key goes in Private key.",
            &c.client_certificate,
        ),
        Field::toggle(
            OAuth2Field::Pkce,
            "PKCE (S256)",
            "Proof Key for Code Exchange; turn off only for providers that reject it.",
            c.pkce,
        ),
        Field::choice(
            OAuth2Field::ResponseMode,
            "Response mode",
            "How the callback comes back: in the address (query), or posted as a form (response_mode=form_post).",
            ResponseMode::ALL.iter().map(|m| m.label()).collect(),
            ResponseMode::ALL.iter().position(|m| *m == c.response_mode).unwrap_or(0),
        ),
        Field::text(
            OAuth2Field::Keep,
            "Keep with the connection",
            "Run values saved with the connection, e.g. token.instance_url, callback.realmId.",
            &c.keep.join(", "),
        ),
        Field::choice(
            OAuth2Field::CallbackSignature,
            "Callback signature",
            "Checked on the callback before the code is used.",
            CallbackSignature::ALL.iter().map(|s| s.label()).collect(),
            CallbackSignature::ALL.iter().position(|s| *s == c.callback_signature).unwrap_or(0),
        ),
        Field::toggle(
            OAuth2Field::Par,
            "Pushed request (PAR)",
            "RFC 9126: the parameters are POSTed first; the browser gets only a request_uri.",
            c.par,
        ),
        Field::text(
            OAuth2Field::ParEndpoint,
            "PAR endpoint",
            "Empty: the one the Issuer's discovery document names.",
            &c.par_endpoint,
        ),
        Field::toggle(
            OAuth2Field::Dpop,
            "DPoP",
            "RFC 9449: tokens bound to a key pair kept with the connection; every call carries a proof.",
            c.dpop,
        ),
    ];
    let (grant, auth, par) = (c.grant, c.client_auth, c.par);
    for field in &mut fields {
        field.hidden = !shown(field.key, grant, auth, par);
    }
    fields
}

/// Whether a field of the OAuth 2.0 form is shown: the Authorization URI, Redirect URI, PKCE and
/// response mode only for the code grant (the only one with a browser login), the device endpoint
/// only for the device grant, the key and certificate fields only for the client authentication
/// that uses them, the PAR endpoint only with PAR on. A hidden field keeps its value.
fn shown(key: FieldKey, grant: Grant, auth: ClientAuth, par: bool) -> bool {
    let FieldKey::OAuth2(key) = key else { return true };
    match key {
        OAuth2Field::AuthorizationUri | OAuth2Field::RedirectUri | OAuth2Field::Pkce | OAuth2Field::ResponseMode => {
            grant == Grant::AuthorizationCode
        }
        OAuth2Field::Par | OAuth2Field::CallbackSignature => grant == Grant::AuthorizationCode,
        OAuth2Field::ParEndpoint => grant == Grant::AuthorizationCode && par,
        OAuth2Field::DeviceEndpoint => grant == Grant::DeviceCode,
        OAuth2Field::ClientSecret => auth.uses_secret(),
        OAuth2Field::ClientKey => auth.uses_key(),
        OAuth2Field::KeyId | OAuth2Field::SigningAlg => auth == ClientAuth::PrivateKeyJwt,
        OAuth2Field::AssertionAudience => auth.uses_assertion(),
        OAuth2Field::ClientCertificate => auth.uses_certificate(),
        _ => true,
    }
}

/// After a choice or toggle changed: the fields the grant, the client authentication and PAR use
/// are shown, the others hidden (their values kept).
pub fn fields_changed(form: &mut Form) {
    if !matches!(
        form.target,
        FormTarget::NewAuthorization(AuthKind::OAuth2) | FormTarget::EditAuthorization(_, AuthKind::OAuth2)
    ) {
        return;
    }
    let grant = Grant::ALL[form.choice(OAuth2Field::Grant).min(Grant::ALL.len() - 1)];
    let (auth, par) = (client_auth_of(form), form.toggle(OAuth2Field::Par));
    for field in &mut form.fields {
        field.hidden = !shown(field.key, grant, auth, par);
    }
}

fn client_auth_of(form: &Form) -> ClientAuth {
    ClientAuth::ALL[form.choice(OAuth2Field::ClientAuth).min(ClientAuth::ALL.len() - 1)]
}

/// Ctrl-G in the OAuth 2.0 form: a new EC P-256 key pair into Private key (ES256, its RFC 7638
/// thumbprint as kid unless one is set), and its public JWK on the user's clipboard to register.
pub fn generate_key(form: &mut Form) -> Vec<Command> {
    if !can_generate_key(form) {
        return Vec::new();
    }
    // A key already there is asked about first: replacing it loses it (the CLI wants --force).
    if !form.text(OAuth2Field::ClientKey).trim().is_empty() {
        let message = "Replace the private key in the form with a new key pair?\n\nThe key there now is lost unless it is kept elsewhere, and the provider must be given the new public key.".to_owned();
        let question = Confirm::new(message, vec![Command::GenerateKey]).titled("Replace the key?");
        return vec![Command::Push(Overlay::Confirm(question))];
    }
    new_key_pair(form)
}

/// Whether Ctrl-G makes sense here: an OAuth 2.0 form with a private key field, and not for mTLS,
/// whose key must match the certificate (a new one can't).
pub fn can_generate_key(form: &Form) -> bool {
    matches!(
        form.target,
        FormTarget::NewAuthorization(AuthKind::OAuth2) | FormTarget::EditAuthorization(_, AuthKind::OAuth2)
    ) && form.fields.iter().any(|f| f.key == FieldKey::OAuth2(OAuth2Field::ClientKey))
        && !client_auth_of(form).uses_certificate()
}

/// Generates an EC P-256 key pair into the form, its public JWK set onto the clipboard.
pub fn new_key_pair(form: &mut Form) -> Vec<Command> {
    let key = match crate::flow::keys::PrivateKey::generate_p256() {
        Ok(key) => key,
        Err(e) => return vec![Command::Error(e.to_string())],
    };
    if !client_auth_of(form).uses_key() {
        let index = ClientAuth::ALL.iter().position(|a| *a == ClientAuth::PrivateKeyJwt).unwrap_or(0);
        form.set_choice(OAuth2Field::ClientAuth, index);
    }
    if client_auth_of(form) == ClientAuth::PrivateKeyJwt {
        let es256 = SigningAlg::ALL.iter().position(|a| *a == SigningAlg::ES256).unwrap_or(0);
        form.set_choice(OAuth2Field::SigningAlg, es256);
    }
    if form.text(OAuth2Field::KeyId).trim().is_empty() {
        form.set_text(OAuth2Field::KeyId, &key.thumbprint());
    }
    form.set_text(OAuth2Field::ClientKey, key.to_pem().trim_end());
    fields_changed(form);
    let kid = form.text(OAuth2Field::KeyId);
    let jwks = serde_json::json!({"keys": [key.public_jwk(Some(kid.trim()), Some("ES256"))]});
    vec![
        Command::Effect(crate::platform::Effect::CopyToClipboard(jwks.to_string())),
        Command::Info(format!(
            "Generated an EC P-256 key pair (ES256, kid {}). Its public JWK set is on your clipboard (OSC 52): register it with the provider. After saving, `authdeck client-key public NAME` prints it again.",
            kid.trim()
        )),
    ]
}

/// The OAuth 2.0 fields as the form has them now (unchecked).
pub fn oauth2_config(form: &Form) -> OAuth2Config {
    OAuth2Config {
        client_id: form.text(OAuth2Field::ClientId).trim().to_owned(),
        client_secret: form.text(OAuth2Field::ClientSecret),
        authorization_uri: form.text(OAuth2Field::AuthorizationUri).trim().to_owned(),
        scopes: form.text(OAuth2Field::Scopes),
        token_endpoint: form.endpoint(OAuth2Field::TokenEndpoint),
        userinfo_endpoint: form.endpoint(OAuth2Field::UserinfoEndpoint),
        redirect_uri: form.text(OAuth2Field::RedirectUri).trim().to_owned(),
        client_auth: ClientAuth::ALL[form.choice(OAuth2Field::ClientAuth).min(ClientAuth::ALL.len() - 1)],
        pkce: form.toggle(OAuth2Field::Pkce),
        response_mode: ResponseMode::ALL[form.choice(OAuth2Field::ResponseMode).min(ResponseMode::ALL.len() - 1)],
        grant: Grant::ALL[form.choice(OAuth2Field::Grant).min(Grant::ALL.len() - 1)],
        issuer: form.text(OAuth2Field::Issuer).trim().to_owned(),
        device_endpoint: form.endpoint(OAuth2Field::DeviceEndpoint),
        revocation_endpoint: form.endpoint(OAuth2Field::RevocationEndpoint),
        introspection_endpoint: form.endpoint(OAuth2Field::IntrospectionEndpoint),
        jwks_endpoint: form.endpoint(OAuth2Field::JwksEndpoint),
        client_key: form.text(OAuth2Field::ClientKey).trim().to_owned(),
        key_id: form.text(OAuth2Field::KeyId).trim().to_owned(),
        signing_alg: SigningAlg::ALL[form.choice(OAuth2Field::SigningAlg).min(SigningAlg::ALL.len() - 1)],
        assertion_audience: AssertionAudience::ALL
            [form.choice(OAuth2Field::AssertionAudience).min(AssertionAudience::ALL.len() - 1)],
        client_certificate: form.text(OAuth2Field::ClientCertificate).trim().to_owned(),
        par: form.toggle(OAuth2Field::Par),
        par_endpoint: form.text(OAuth2Field::ParEndpoint).trim().to_owned(),
        dpop: form.toggle(OAuth2Field::Dpop),
        refresh_endpoint: form.endpoint(OAuth2Field::RefreshEndpoint),
        keep: parse_kept_names(&form.text(OAuth2Field::Keep)),
        callback_signature: CallbackSignature::ALL
            [form.choice(OAuth2Field::CallbackSignature).min(CallbackSignature::ALL.len() - 1)],
    }
}

/// The discovery key: reads the Issuer's discovery document (the answer comes back to
/// [`discovered`]).
pub fn discover(form: &mut Form) -> Vec<Command> {
    let issuer = form.text(OAuth2Field::Issuer).trim().to_owned();
    let key = FieldKey::OAuth2(OAuth2Field::Issuer);
    if issuer.is_empty() {
        let message =
            "Enter the issuer first, e.g. https://accounts.example.com: its discovery document fills in the rest.";
        return form.refuse(vec![(key, message.into())]);
    }
    if let Err(message) = crate::model::authorization::check_issuer(&issuer) {
        return form.refuse(vec![(key, message)]);
    }
    form.errors.retain(|(k, _)| *k != key);
    vec![
        Command::Discover { issuer: issuer.clone() },
        Command::Info(format!("Reading the discovery document of {issuer}…")),
    ]
}

/// The discovery document came (or didn't): what it would change is asked first.
pub fn discovered(form: &mut Form, result: Result<Discovery, String>, data: &Data) -> Vec<Command> {
    let discovery = match result {
        Ok(discovery) => discovery,
        Err(message) => return form.refuse(vec![(OAuth2Field::Issuer.into(), printable(&message).into_owned())]),
    };
    form.metadata = Some(Box::new(discovery.metadata.clone()));
    let name = form.text(OAuth2Field::Name).trim().to_owned();
    let name = if name.is_empty() { "Discovered".to_owned() } else { name };
    let config = oauth2_config(form);
    let plan = DiscoveryPlan::new(&discovery.metadata, &name, &config, &data.endpoints);
    let mut preview = config.clone();
    plan.apply(&mut preview, &[]);
    let userinfo = plan
        .endpoints
        .iter()
        .find(|p| p.purpose == EndpointPurpose::UserInfo)
        .map(|p| p.url.clone())
        .or_else(|| config.userinfo_endpoint.and_then(|id| data.endpoint(id)).map(|e| e.url.clone()));
    let warnings: Vec<String> = metadata_checks(&preview, &discovery.metadata, userinfo.as_deref())
        .into_iter()
        .filter(|c| !c.ok)
        .map(|c| format!("  ! {}", c.line().trim_start_matches("warning ")))
        .collect();
    let mut message = format!("Fill in the form from {} ({})?\n", discovery.url, discovery.source.label());
    for line in plan.describe() {
        message.push_str(&format!("\n  {line}"));
    }
    if !warnings.is_empty() {
        message.push_str("\n\nWhat doesn't fit the issuer (change it in the form):");
        for warning in &warnings {
            message.push_str(&format!("\n{warning}"));
        }
    }
    let on_yes = vec![Command::Store(Job::SaveDiscoveredEndpoints(Box::new(plan)))];
    vec![
        Command::Info(format!("Read {}: what it would change is asked first.", printable(&discovery.url))),
        Command::Push(Overlay::Confirm(Confirm::new(printable_lines(&message).into_owned(), on_yes))),
    ]
}

/// The planned endpoints were saved: the form gets the issuer, the Authorization URI (the query
/// typed into it kept) and the endpoints.
fn fill_from_discovery(form: &mut Form, plan: &DiscoveryPlan, ids: &[(EndpointPurpose, i64)]) -> Vec<Command> {
    form.set_text(OAuth2Field::Issuer, &plan.issuer);
    if let Some(uri) = &plan.authorization_uri {
        form.set_text(OAuth2Field::AuthorizationUri, uri);
    }
    // RFC 9126 section 5: the issuer takes authorization requests only through PAR (the question
    // said so); the form shows the PAR fields that come with it.
    if plan.requires_par {
        form.set_toggle(OAuth2Field::Par, true);
        fields_changed(form);
    }
    for (purpose, id) in ids {
        let key = match purpose {
            EndpointPurpose::Token => OAuth2Field::TokenEndpoint,
            EndpointPurpose::UserInfo => OAuth2Field::UserinfoEndpoint,
            EndpointPurpose::DeviceAuthorization => OAuth2Field::DeviceEndpoint,
            EndpointPurpose::Revocation => OAuth2Field::RevocationEndpoint,
            EndpointPurpose::Introspection => OAuth2Field::IntrospectionEndpoint,
            EndpointPurpose::Jwks => OAuth2Field::JwksEndpoint,
            EndpointPurpose::Other => continue,
        };
        form.set_endpoint(key, Some(*id));
    }
    form.errors.clear();
    let created = plan.endpoints.iter().filter(|p| matches!(p.change, EndpointChange::Create { .. })).count();
    let updated = plan.endpoints.iter().filter(|p| matches!(p.change, EndpointChange::Update { .. })).count();
    vec![Command::Info(format!(
        "Filled in from the discovery document: {created} endpoint(s) created, {updated} updated. Save the form to keep the authorization."
    ))]
}

/// The name and fields of the authorization the form describes, or the problems to show.
pub fn to_authorization(form: &Form, kind: AuthKind) -> Result<(String, AuthConfig), Vec<(FieldKey, String)>> {
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
        AuthKind::OAuth2 => AuthConfig::OAuth2(oauth2_config(form)),
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
    if let AuthConfig::OAuth2(c) = &config {
        errors.extend(check_pasted_key(c));
    }
    if errors.is_empty() { Ok((name, config)) } else { Err(phrase(form, errors)) }
}

/// A pasted key or certificate is read before it is saved, so a bad one is said at once (a file is
/// read when the authorization is tested: the form does no file I/O).
fn check_pasted_key(c: &OAuth2Config) -> Vec<FieldError<FieldKey>> {
    let mut errors = Vec::new();
    let pasted = |v: &str| v.contains("-----BEGIN") || v.trim_start().starts_with('{');
    if c.client_auth.uses_key() && pasted(&c.client_key) {
        match crate::flow::keys::PrivateKey::parse(&c.client_key) {
            Err(e) => errors.push(FieldError::invalid(OAuth2Field::ClientKey.into(), e.to_string())),
            Ok(key) if c.client_auth == ClientAuth::PrivateKeyJwt => {
                if let Err(e) = key.fits(c.signing_alg) {
                    errors.push(FieldError::invalid(OAuth2Field::SigningAlg.into(), e.to_string()));
                }
            }
            Ok(_) => {}
        }
    }
    if c.client_auth.uses_certificate()
        && pasted(&c.client_certificate)
        && let Err(e) = crate::flow::keys::certificate_info(&c.client_certificate)
    {
        errors.push(FieldError::invalid(OAuth2Field::ClientCertificate.into(), e.to_string()));
    }
    errors
}

/// What the form says for an empty field: what to put there.
pub fn missing(form: &Form, field: FieldKey) -> String {
    match field {
        FieldKey::ApiKey(ApiKeyField::Name)
        | FieldKey::Basic(BasicField::Name)
        | FieldKey::OAuth2(OAuth2Field::Name) => "Give it a name.".into(),
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
        FieldKey::OAuth2(OAuth2Field::TokenEndpoint) => {
            format!("Choose a token endpoint, or create one ({}).", key_for(Context::FormChoice, Action::Submit))
        }
        FieldKey::OAuth2(OAuth2Field::RedirectUri) => {
            format!("Enter the redirect URI registered with the provider, e.g. {DEFAULT_REDIRECT_URI}.")
        }
        // mTLS: the key of the certificate, which a new key pair can't be.
        FieldKey::OAuth2(OAuth2Field::ClientKey) if client_auth_of(form).uses_certificate() => {
            "Paste the private key of the client certificate (PEM or JWK) or give its file's path.".into()
        }
        FieldKey::OAuth2(OAuth2Field::ClientKey) => {
            format!(
                "Paste the private key (PEM or JWK) or give its file's path; {} generates a new key pair.",
                key_for(Context::FormText, Action::GenerateKey)
            )
        }
        FieldKey::OAuth2(OAuth2Field::ClientCertificate) => {
            "Paste the client certificate (PEM) or give its file's path.".into()
        }
        FieldKey::OAuth2(OAuth2Field::ParEndpoint) => {
            "Enter the PAR endpoint's URL, or set the Issuer so discovery finds it.".into()
        }
        FieldKey::OAuth2(OAuth2Field::DeviceEndpoint) => format!(
            "Choose a device authorization endpoint, or create one ({}); or set the Issuer, whose discovery document names one.",
            key_for(Context::FormChoice, Action::Submit)
        ),
        _ => "Fill this in.".into(),
    }
}

/// Saves the authorization the form describes (a new one without `id`), or shows its problems.
pub fn save(form: &mut Form, kind: AuthKind, id: Option<i64>) -> Vec<Command> {
    match to_authorization(form, kind) {
        Ok((name, config)) => vec![Command::Store(Job::SaveAuthorization { id, name, config })],
        Err(errors) => form.refuse(errors),
    }
}

/// How the save went: the form closes and the authorization is selected, or the problem is shown.
pub fn stored(form: &mut Form, kind: AuthKind, outcome: Outcome) -> Vec<Command> {
    match outcome {
        Ok(Done::Saved { id }) => {
            let verb = if matches!(form.target, FormTarget::EditAuthorization(..)) { "Saved" } else { "Created" };
            let name = form.text(name_key(kind)).trim().to_owned();
            vec![
                Command::Pop,
                Command::ShowTab(Tab::Authorizations),
                Command::Select { tab: Tab::Authorizations, id },
                Command::Info(format!("{verb} the {} authorization \"{name}\".", kind.label())),
            ]
        }
        // A duplicate name is a problem of the Name field.
        Err(JobError::Store(e @ StoreError::DuplicateName { .. })) => {
            form.refuse(vec![(name_key(kind), e.to_string())])
        }
        Ok(Done::DiscoveredEndpoints { plan, ids }) => fill_from_discovery(form, &plan, &ids),
        other => report(other),
    }
}

/// What stops `authorization` from being tested, as its form would show it: the form opened at
/// the first problem (the problems beside their fields), and one line saying what is missing. A
/// placeholder Client ID (an export file's `replace-with-your-client-id`), a confidential client
/// without a secret, an API-Key or Basic authorization without a user information endpoint, an
/// endpoint deleted since: all are caught before the browser trip, not after it.
pub fn blockers(authorization: &Authorization, data: &Data) -> Option<(Form, String)> {
    let kind = authorization.kind();
    let mut form = form(kind, Some(authorization), &authorization.name);
    let mut problems = to_authorization(&form, kind).err().unwrap_or_default();
    let mut add = |key: FieldKey, message: String| {
        if !problems.iter().any(|(k, _)| *k == key) {
            problems.push((key, message));
        }
    };
    let (token, userinfo) = authorization.config.endpoint_ids();
    let gone = "That endpoint no longer exists: choose another, or create one.";
    match &authorization.config {
        AuthConfig::OAuth2(c) => {
            if is_placeholder(&c.client_id) {
                add(
                    OAuth2Field::ClientId.into(),
                    "This is still a placeholder: put in the Client ID the provider gave your app.".into(),
                );
            }
            if c.client_auth != ClientAuth::None && is_placeholder(&c.client_secret) {
                add(OAuth2Field::ClientSecret.into(), "This is still a placeholder: put in your Client Secret.".into());
            }
            if token.is_some_and(|id| data.endpoint(id).is_none()) {
                add(OAuth2Field::TokenEndpoint.into(), gone.into());
            }
            if userinfo.is_some_and(|id| data.endpoint(id).is_none()) {
                add(OAuth2Field::UserinfoEndpoint.into(), gone.into());
            }
        }
        AuthConfig::ApiKey(_) | AuthConfig::Basic(_) => {
            let key = match kind {
                AuthKind::ApiKey => ApiKeyField::UserinfoEndpoint.into(),
                _ => BasicField::UserinfoEndpoint.into(),
            };
            match userinfo {
                None => add(
                    key,
                    format!(
                        "A test calls the user information endpoint with the {}: choose one, or create one ({}).",
                        if kind == AuthKind::ApiKey { "key" } else { "credentials" },
                        key_for(Context::FormChoice, Action::Submit)
                    ),
                ),
                Some(id) if data.endpoint(id).is_none() => add(key, gone.into()),
                Some(_) => {}
            }
        }
    }
    // In the form's order, so the first one said is the first one met.
    let position = |key: &FieldKey| form.fields.iter().position(|f| f.key == *key).unwrap_or(usize::MAX);
    problems.sort_by_key(|(key, _)| position(key));
    let (first, message) = problems.first()?.clone();
    let label = form.fields.iter().find(|f| f.key == first).map(|f| f.label.to_string()).unwrap_or_default();
    let more = match problems.len() {
        1 => String::new(),
        n => format!(" ({} more to fix)", n - 1),
    };
    form.show_errors(problems);
    Some((form, format!("\"{}\" can't be tested yet. {label}: {message}{more}", authorization.name)))
}

/// A value a preset ships for the user to replace (`replace-with-your-client-id`).
fn is_placeholder(value: &str) -> bool {
    let value = value.to_ascii_lowercase();
    value.contains("replace-with") || value.contains("your-client-id") || value.contains("your-client-secret")
}
