//! `authdeck discover ISSUER`: reads the issuer's discovery document (OpenID Connect, else RFC
//! 8414) and prints what it says; with `--name`, creates (or updates) an OAuth 2.0 authorization
//! and its endpoints from it, and says what in it doesn't fit the issuer.

use std::io::BufRead;

use anyhow::{Context as _, bail};
use clap::{Args, ValueEnum};
use serde::Serialize;

use super::output::{self, one_line};
use crate::flow::{Discovery, FlowOptions, FlowRunner};
use crate::model::discovery::{DiscoveryPlan, MetadataSource, ProviderMetadata, metadata_checks};
use crate::model::{AuthConfig, ClientAuth, EndpointPurpose, Grant, OAuth2Config, OAuth2Field};
use crate::store::Store;

#[derive(Debug, Args)]
pub struct DiscoverArgs {
    /// The issuer, e.g. https://accounts.example.com (exactly as the provider names itself).
    pub issuer: String,
    /// Create (or update) an OAuth 2.0 authorization of this name from the document.
    #[arg(long)]
    pub name: Option<String>,
    /// The app to put it in (needed when there are several).
    #[arg(long)]
    pub app: Option<String>,
    /// The Client ID the provider gave your app (needed for a new authorization).
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
    /// Read the Client Secret from the first line of standard input (never from the command line,
    /// where other users and the shell's history would see it).
    #[arg(long)]
    pub client_secret_stdin: bool,
    /// How the client authenticates (default: the first the issuer offers that the client has
    /// what it takes for).
    #[arg(long, value_enum, value_name = "HOW")]
    pub client_auth: Option<ClientAuthArg>,
    /// The client's private key, a PEM or JWK file (private_key_jwt, mTLS); its path is stored.
    #[arg(long, value_name = "PATH")]
    pub client_key: Option<String>,
    /// The client certificate, a PEM file (mTLS); its path is stored.
    #[arg(long, value_name = "PATH")]
    pub client_certificate: Option<String>,
    /// The scopes, as the provider wants them separated (default: openid profile email, those offered).
    #[arg(long)]
    pub scopes: Option<String>,
    /// The grant the authorization uses (a new one: code).
    #[arg(long, value_enum)]
    pub grant: Option<GrantArg>,
    /// The redirect URI registered with the provider (for the code grant).
    #[arg(long, value_name = "URI")]
    pub redirect_uri: Option<String>,
    /// Print one JSON object (the document, and what was created) on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ClientAuthArg {
    /// client_secret_basic: an Authorization: Basic header.
    Basic,
    /// client_secret_post: client_id and client_secret in the body.
    Post,
    /// A public client: client_id only.
    None,
    /// private_key_jwt: a JWT signed with the client's private key (--client-key PATH).
    PrivateKeyJwt,
    /// client_secret_jwt: a JWT signed (HS256) with the Client Secret.
    ClientSecretJwt,
    /// tls_client_auth: a client certificate a CA issued (--client-certificate PATH --client-key PATH).
    TlsClientAuth,
    /// self_signed_tls_client_auth: a self-signed client certificate registered with the provider
    /// (--client-certificate PATH --client-key PATH).
    SelfSignedTlsClientAuth,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum GrantArg {
    Code,
    Device,
    ClientCredentials,
}

impl From<GrantArg> for Grant {
    fn from(grant: GrantArg) -> Grant {
        match grant {
            GrantArg::Code => Grant::AuthorizationCode,
            GrantArg::Device => Grant::DeviceCode,
            GrantArg::ClientCredentials => Grant::ClientCredentials,
        }
    }
}

#[derive(Serialize)]
struct Output<'a> {
    issuer: &'a str,
    source: &'static str,
    url: &'a str,
    metadata: &'a ProviderMetadata,
    #[serde(skip_serializing_if = "Option::is_none")]
    authorization: Option<Created>,
}

#[derive(Serialize)]
struct Created {
    app: String,
    name: String,
    id: i64,
    created: bool,
    plan: DiscoveryPlan,
    checks: Vec<crate::flow::CheckRecord>,
}

pub async fn run(store: &mut Store, args: DiscoverArgs) -> anyhow::Result<i32> {
    let runner = FlowRunner::new(FlowOptions::from_environment()?)?;
    let (result, _) = runner.discover(&args.issuer).await;
    let discovery = result?;
    let created = match &args.name {
        Some(name) => Some(save(store, &args, name, &discovery)?),
        None => None,
    };
    if args.json {
        let source = match discovery.source {
            MetadataSource::OpenIdConfiguration => "openid_configuration",
            MetadataSource::OAuthAuthorizationServer => "oauth_authorization_server",
        };
        let output = Output {
            issuer: &discovery.metadata.issuer,
            source,
            url: &discovery.url,
            metadata: &discovery.metadata,
            authorization: created,
        };
        output::out_json(&output)?;
        return Ok(0);
    }
    let mut lines = metadata_lines(&discovery);
    if let Some(created) = created {
        let verb = if created.created { "Created" } else { "Updated" };
        let (name, app) = (one_line(&created.name), one_line(&created.app));
        lines.push(format!("\n{verb} the OAuth 2.0 authorization \"{name}\" in the app \"{app}\":"));
        lines.extend(created.plan.describe().iter().map(|line| format!("  {}", one_line(line))));
        let warnings: Vec<_> = created.checks.iter().filter(|c| !c.ok).collect();
        if !warnings.is_empty() {
            lines.push("\nWhat doesn't fit the issuer:".into());
            lines.extend(warnings.iter().map(|check| format!("  {}", one_line(&check.line()))));
        }
        lines.push(format!("\nTest it with: authdeck test \"{name}\" --app \"{app}\""));
    }
    for line in lines {
        output::out_line(&line)?;
    }
    Ok(0)
}

fn metadata_lines(discovery: &Discovery) -> Vec<String> {
    let m = &discovery.metadata;
    let mut lines = vec![
        format!("Issuer: {}", one_line(&m.issuer)),
        format!("  ({} at {})", discovery.source.label(), one_line(&discovery.url)),
    ];
    if let Some(auth) = &m.authorization_endpoint {
        lines.push(format!("Authorization endpoint: {}", one_line(auth)));
    }
    if let Some(par) = &m.pushed_authorization_request_endpoint {
        let required = if m.require_pushed_authorization_requests { " (required)" } else { "" };
        lines.push(format!("Pushed authorization request endpoint{required}: {}", one_line(par)));
    }
    for purpose in [
        EndpointPurpose::Token,
        EndpointPurpose::UserInfo,
        EndpointPurpose::DeviceAuthorization,
        EndpointPurpose::Revocation,
        EndpointPurpose::Introspection,
        EndpointPurpose::Jwks,
    ] {
        if let Some(url) = m.endpoint(purpose) {
            lines.push(format!("{}: {}", capitalize(purpose.noun()), one_line(url)));
        }
    }
    let lists = [
        ("Scopes", &m.scopes_supported),
        ("Grant types", &m.grant_types_supported),
        ("Client authentication", &m.token_endpoint_auth_methods_supported),
        ("PKCE methods", &m.code_challenge_methods_supported),
        ("Client assertion algorithms", &m.token_endpoint_auth_signing_alg_values_supported),
        ("ID token algorithms", &m.id_token_signing_alg_values_supported),
        ("DPoP algorithms", &m.dpop_signing_alg_values_supported),
    ];
    for (label, values) in lists {
        if let Some(values) = values {
            lines.push(format!("{label}: {}", one_line(&values.join(", "))));
        }
    }
    let iss = if m.authorization_response_iss_parameter_supported { "yes (RFC 9207)" } else { "not said" };
    lines.push(format!("Callbacks carry iss: {iss}"));
    lines
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// Creates or updates the authorization `name` from the document, with its endpoints.
fn save(store: &mut Store, args: &DiscoverArgs, name: &str, discovery: &Discovery) -> anyhow::Result<Created> {
    let metadata = &discovery.metadata;
    let name = name.trim();
    if name.is_empty() {
        bail!("Give the authorization a name: --name \"Acme\".");
    }
    let apps = store.apps_or_first()?;
    let app = match &args.app {
        Some(wanted) => apps
            .into_iter()
            .find(|a| a.name == *wanted)
            .with_context(|| format!("No app named \"{}\". `authdeck list` shows the apps.", one_line(wanted)))?,
        None if apps.len() == 1 => apps.into_iter().next().context("no app")?,
        None => bail!("There are several apps: choose the one to put \"{}\" in with --app.", one_line(name)),
    };
    let existing = store.authorizations(app.id)?.into_iter().find(|a| a.name == name);
    let mut config = match &existing {
        Some(a) => match &a.config {
            AuthConfig::OAuth2(c) => c.clone(),
            other => bail!(
                "\"{}\" in \"{}\" is a {} authorization; discovery fills in OAuth 2.0 ones: choose another --name.",
                one_line(name),
                one_line(&app.name),
                other.kind().label()
            ),
        },
        None => OAuth2Config::default(),
    };
    if let Some(id) = &args.client_id {
        config.client_id = id.trim().to_owned();
    }
    if args.client_secret_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).context("Cannot read the Client Secret from standard input")?;
        config.client_secret = line.trim_end_matches(['\r', '\n']).to_owned();
    }
    if let Some(path) = &args.client_key {
        config.client_key = path.trim().to_owned();
    }
    if let Some(path) = &args.client_certificate {
        config.client_certificate = path.trim().to_owned();
    }
    config.client_auth = match args.client_auth {
        Some(ClientAuthArg::Basic) => ClientAuth::BasicHeader,
        Some(ClientAuthArg::Post) => ClientAuth::RequestBody,
        Some(ClientAuthArg::None) => ClientAuth::None,
        Some(ClientAuthArg::PrivateKeyJwt) => ClientAuth::PrivateKeyJwt,
        Some(ClientAuthArg::ClientSecretJwt) => ClientAuth::ClientSecretJwt,
        Some(ClientAuthArg::TlsClientAuth) => ClientAuth::TlsClientAuth,
        Some(ClientAuthArg::SelfSignedTlsClientAuth) => ClientAuth::SelfSignedTlsClientAuth,
        None if existing.is_some() => config.client_auth,
        None => metadata.preferred_client_auth(&config),
    };
    if let Some(grant) = args.grant {
        config.grant = grant.into();
    }
    match &args.scopes {
        Some(scopes) => config.scopes = scopes.clone(),
        None if existing.is_none() => config.scopes = metadata.default_scopes(config.grant),
        None => {}
    }
    if let Some(uri) = &args.redirect_uri {
        config.redirect_uri = uri.trim().to_owned();
    }
    if config.client_id.is_empty() {
        bail!("A new authorization needs the Client ID the provider gave your app: --client-id ID.");
    }
    let endpoints = store.endpoints(app.id)?;
    let plan = DiscoveryPlan::new(metadata, name, &config, &endpoints);
    // Checked as it will be saved (endpoints about to be created count as there).
    let mut preview = config.clone();
    let placeholders: Vec<(EndpointPurpose, i64)> = plan.endpoints.iter().map(|p| (p.purpose, i64::MAX)).collect();
    plan.apply(&mut preview, &placeholders);
    if let Some(problem) = preview.validate().first() {
        let message = match (problem.field, problem.problem.reason()) {
            (OAuth2Field::ClientSecret, None) => {
                "Give the Client Secret on standard input with --client-secret-stdin, or use --client-auth none for a public client.".to_owned()
            }
            (OAuth2Field::TokenEndpoint, None) => "The discovery document names no token endpoint.".to_owned(),
            (OAuth2Field::AuthorizationUri, None) => {
                "The discovery document names no authorization endpoint: choose another --grant.".to_owned()
            }
            (OAuth2Field::ClientKey, None) => {
                "This client authentication signs with the client's private key: --client-key PATH (a PEM or JWK file).".to_owned()
            }
            (OAuth2Field::ClientCertificate, None) => {
                "mTLS presents a client certificate: --client-certificate PATH (PEM) with its --client-key PATH.".to_owned()
            }
            (OAuth2Field::ClientAuth, Some(reason)) => format!("{reason} (--client-auth HOW: see --help)"),
            (field, reason) => reason.unwrap_or_else(|| format!("Give a value for {}.", field.code())),
        };
        bail!("{message}");
    }
    let userinfo = plan.endpoints.iter().find(|p| p.purpose == EndpointPurpose::UserInfo).map(|p| p.url.clone());
    let checks = metadata_checks(&preview, metadata, userinfo.as_deref());
    let id = store.save_discovered_authorization(app.id, name, existing.as_ref().map(|a| a.id), config, &plan)?;
    Ok(Created { app: app.name, name: name.to_owned(), id, created: existing.is_none(), plan, checks })
}
