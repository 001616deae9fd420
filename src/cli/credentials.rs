//! `authdeck credentials NAME [--forget]`: where `authdeck check` finds an API-Key or Basic
//! authorization's credentials — the environment variables it reads, and whether credentials are
//! kept (sealed) in the database — and `--forget` to drop the kept ones.

use anyhow::bail;
use clap::Args;

use super::output::{self, err_line, one_line};
use super::test::find_authorization;
use crate::model::AuthConfig;
use crate::model::check::credential_variables;
use crate::store::Store;

#[derive(Debug, Args)]
pub struct CredentialsArgs {
    /// The authorization's name (`authdeck list` shows them).
    pub name: String,
    /// The app it belongs to, when several apps have an authorization of that name.
    #[arg(long)]
    pub app: Option<String>,
    /// Forget the credentials kept for checks.
    #[arg(long)]
    pub forget: bool,
}

pub fn run(store: &mut Store, args: &CredentialsArgs) -> anyhow::Result<i32> {
    let (app, authorization) = find_authorization(store, &args.name, args.app.as_deref())?;
    let name = one_line(&authorization.name).into_owned();
    let whats: &[&str] = match authorization.config {
        AuthConfig::ApiKey(_) => &["KEY"],
        AuthConfig::Basic(_) => &["USERNAME", "PASSWORD"],
        AuthConfig::OAuth2(_) => bail!(
            "\"{name}\" is an OAuth 2.0 authorization: `authdeck check` uses its saved connection (`authdeck test \"{name}\"` makes one), not credentials."
        ),
    };
    if args.forget {
        let forgot = store.forget_credentials(authorization.id)?;
        err_line(&if forgot {
            format!("Forgot the credentials kept for \"{name}\".")
        } else {
            format!("No credentials were kept for \"{name}\".")
        });
        return Ok(0);
    }
    output::out_line(&format!("`authdeck check` reads the credentials of \"{name}\" from, first found:"))?;
    for what in whats {
        let [qualified, plain] = credential_variables(&app, &authorization.name, authorization.id, what);
        output::out_line(&format!("  {plain} (or {qualified})"))?;
    }
    match store.kept_credentials(authorization.id) {
        Ok(Some(kept)) => output::out_line(&format!(
            "then the ones kept in the database (sealed) since {}; `--forget` forgets them.",
            kept.kept_at
        ))?,
        Ok(None) => output::out_line(&format!(
            "None are kept in the database: `authdeck test \"{name}\" --keep-credentials` keeps them (sealed) when the test passes."
        ))?,
        Err(e) => output::out_line(&e.to_string())?,
    }
    Ok(0)
}
