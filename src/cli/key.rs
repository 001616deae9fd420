//! `authdeck key`: where the key that seals this database's secrets is, and whether a passphrase
//! protects it; `protect` adds one (or changes it), `unprotect` removes it.

use anyhow::bail;
use clap::{Args, Subcommand};

use super::output::{self, err_line, one_line};
use crate::store::Store;

#[derive(Debug, Args)]
pub struct KeyArgs {
    #[command(subcommand)]
    pub action: Option<KeyAction>,
}

#[derive(Debug, Subcommand)]
pub enum KeyAction {
    /// Protect the key file with a passphrase (AUTHDECK_NEW_PASSPHRASE, or asked twice).
    Protect,
    /// Remove the passphrase from the key file.
    Unprotect,
}

pub fn run(store: &Store, args: &KeyArgs) -> anyhow::Result<()> {
    match args.action {
        None => status(store),
        Some(KeyAction::Protect) => {
            let passphrase = new_passphrase()?;
            let written = store.protect_keys(Some(&passphrase))?;
            report(&written, "protected by the passphrase")
        }
        Some(KeyAction::Unprotect) => {
            let written = store.protect_keys(None)?;
            report(&written, "no longer protected by a passphrase (keep the files private: they are the key)")
        }
    }
}

fn status(store: &Store) -> anyhow::Result<()> {
    let keys = store.key_statuses()?;
    if keys.is_empty() {
        output::out_line("No key yet: one is made (in a file of its own) when the first secret is stored.")?;
    }
    for key in keys {
        let file = key.path.map_or("kept in memory".to_owned(), |p| p.display().to_string());
        let state = match key.state {
            Ok(true) => "here, protected by a passphrase".to_owned(),
            Ok(false) => "here, not protected by a passphrase".to_owned(),
            Err(why) if key.locked => format!("LOCKED: {why}"),
            Err(why) => format!("MISSING: {why}"),
        };
        output::out_line(&format!("key {}: {} ({state})", key.id, one_line(&file)))?;
    }
    Ok(())
}

fn report(written: &[std::path::PathBuf], what: &str) -> anyhow::Result<()> {
    if written.is_empty() {
        bail!("This database has no key file here to change (`authdeck key` says where its keys are).");
    }
    for path in written {
        err_line(&format!("{} is now {what}.", path.display()));
    }
    Ok(())
}

/// The new passphrase: AUTHDECK_NEW_PASSPHRASE, else typed twice on the terminal.
fn new_passphrase() -> anyhow::Result<String> {
    if let Some(p) = std::env::var("AUTHDECK_NEW_PASSPHRASE").ok().filter(|p| !p.is_empty()) {
        return Ok(p);
    }
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        bail!("Set AUTHDECK_NEW_PASSPHRASE, or run this in a terminal to type the new passphrase.");
    }
    let ask = |prompt: &str| -> anyhow::Result<String> {
        output::err_prompt(prompt);
        output::read_hidden_line()?.ok_or_else(|| anyhow::anyhow!("No passphrase given; nothing changed."))
    };
    let first = ask("New passphrase: ")?;
    if first.chars().count() < 8 {
        bail!("Use a passphrase of at least 8 characters; nothing changed.");
    }
    if ask("The same again: ")? != first {
        bail!("The two passphrases differ; nothing changed.");
    }
    Ok(first)
}
