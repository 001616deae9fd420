//! `authdeck client-key`: the client's keys of an OAuth 2.0 authorization. `client-key public NAME` prints the
//! public JWK (or `--jwks`, a JWK set) of its private_key_jwt or mTLS key, to register with the
//! provider; `client-key generate NAME` gives it a new EC P-256 key pair (private_key_jwt, ES256) and
//! prints the public side. The private key is never printed.

use anyhow::bail;
use clap::{Args, Subcommand};

use super::output;
use super::test::find_authorization;
use crate::flow::keys::{PrivateKey, read_material};
use crate::model::{AuthConfig, ClientAuth, OAuth2Config, SigningAlg};
use crate::store::Store;

#[derive(Debug, Subcommand)]
pub enum ClientKeyCommand {
    /// Print the public JWK of an authorization's private key (never the private key).
    Public(PublicArgs),
    /// Make a new EC P-256 key pair for an authorization (private_key_jwt, ES256) and print its public JWK.
    Generate(GenerateArgs),
}

#[derive(Debug, Args)]
pub struct PublicArgs {
    /// The authorization's name (`authdeck list` shows them).
    pub name: String,
    #[arg(long)]
    pub app: Option<String>,
    /// A JWK set (`{"keys": [...]}`), as a jwks_uri serves and most registration forms take.
    #[arg(long)]
    pub jwks: bool,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    pub name: String,
    #[arg(long)]
    pub app: Option<String>,
    /// Replace a key the authorization already has.
    #[arg(long)]
    pub force: bool,
    #[arg(long)]
    pub jwks: bool,
}

pub fn run(store: &mut Store, command: ClientKeyCommand) -> anyhow::Result<i32> {
    match command {
        ClientKeyCommand::Public(args) => public(store, &args),
        ClientKeyCommand::Generate(args) => generate(store, &args),
    }
}

fn oauth2(authorization: &crate::model::Authorization) -> anyhow::Result<&OAuth2Config> {
    match &authorization.config {
        AuthConfig::OAuth2(config) => Ok(config),
        _ => bail!("\"{}\" is not an OAuth 2.0 authorization: only those have client keys.", authorization.name),
    }
}

fn public(store: &mut Store, args: &PublicArgs) -> anyhow::Result<i32> {
    let (_, authorization) = find_authorization(store, &args.name, args.app.as_deref())?;
    let config = oauth2(&authorization)?;
    if config.client_key.trim().is_empty() {
        bail!(
            "\"{}\" has no private key. `authdeck client-key generate \"{}\"` makes one, or paste one into its form (Ctrl-G there generates one too).",
            authorization.name,
            authorization.name
        );
    }
    let (text, _) = read_material(&config.client_key, "private key")?;
    let key = PrivateKey::parse(&text)?;
    print_public(&key, config, args.jwks)?;
    Ok(0)
}

fn generate(store: &mut Store, args: &GenerateArgs) -> anyhow::Result<i32> {
    let (_, authorization) = find_authorization(store, &args.name, args.app.as_deref())?;
    let mut config = oauth2(&authorization)?.clone();
    if !config.client_key.trim().is_empty() && !args.force {
        bail!(
            "\"{}\" has a private key already: `authdeck client-key public \"{}\"` prints its public JWK; --force replaces it (the provider must then be given the new one).",
            authorization.name,
            authorization.name
        );
    }
    let key = PrivateKey::generate_p256()?;
    config.client_key = key.to_pem();
    config.key_id = key.thumbprint();
    if !config.client_auth.uses_key() {
        config.client_auth = ClientAuth::PrivateKeyJwt;
    }
    if config.client_auth == ClientAuth::PrivateKeyJwt {
        config.signing_alg = SigningAlg::ES256;
    }
    store.update_authorization(authorization.id, &authorization.name, &AuthConfig::OAuth2(config.clone()))?;
    output::err_line(&format!(
        "\"{}\" now signs its client assertions (private_key_jwt, ES256) with a new EC P-256 key, kid {}. Register this public key with the provider:",
        output::one_line(&authorization.name),
        config.key_id
    ));
    print_public(&key, &config, args.jwks)?;
    Ok(0)
}

/// The public JWK, with the authorization's `kid` (or the one the JWK had) and algorithm.
fn print_public(key: &PrivateKey, config: &OAuth2Config, jwks: bool) -> anyhow::Result<()> {
    let kid = Some(config.key_id.trim()).filter(|k| !k.is_empty()).map(str::to_owned).or_else(|| key.kid.clone());
    let alg = match config.client_auth {
        ClientAuth::PrivateKeyJwt => Some(config.signing_alg.name()),
        _ => None,
    };
    let jwk = key.public_jwk(kid.as_deref(), alg);
    let value = if jwks { serde_json::json!({"keys": [jwk]}) } else { jwk };
    output::out_json(&value)
}
