//! What the store says about its sealed secrets (which can't be read, and why), and the
//! consistent copy of the database (`authdeck backup`).

use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::time::Duration;

use super::seal::{SEALED_KEY_FIELD, SEALED_SECRET_FIELD, SealedFields, Unreadable, stored_sealed};
use super::{Result, Store, StoreError};

/// A secret the store holds but can't open here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadableSecret {
    /// What it is: `the client secret of "GitHub OAuth" (app "Connector")`.
    pub what: String,
    /// How to get it back: re-enter it, or test again.
    pub how: String,
    /// The key it was sealed with, when that is what is missing.
    pub key_id: Option<String>,
    /// The connection whose tokens these are, when they are tokens.
    pub connection_id: Option<i64>,
}

impl Store {
    /// Every sealed secret of this database that can't be opened here (its key file is missing or
    /// another one, its passphrase wasn't given, or the value is damaged). Everything else works.
    pub fn unreadable_secrets(&self) -> Result<Vec<UnreadableSecret>> {
        let mut out = Vec::new();
        let mut stmt = self.conn.prepare(
            "SELECT a.name, p.name, a.config FROM authorizations a JOIN apps p ON p.id = a.app_id
             WHERE a.kind = 'oauth2' ORDER BY p.name, a.id",
        )?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for (name, app, config) in rows {
            // Both sealed fields in one read of the text (this runs at every start, on every row).
            let sealed = match SealedFields::read(&config) {
                Some(fields) => [fields.secret, fields.key],
                None => [stored_sealed(&config, SEALED_SECRET_FIELD), stored_sealed(&config, SEALED_KEY_FIELD)],
            };
            for (what, sealed) in ["client secret", "private key"].into_iter().zip(sealed) {
                if let Some(sealed) = sealed
                    && let Err(why) = self.vault.check(&sealed)
                {
                    out.push(UnreadableSecret {
                        what: format!("the {what} of \"{name}\" (app \"{app}\")"),
                        how: "enter it again in the authorization's form, or import an export that has it".into(),
                        key_id: missing_key(why),
                        connection_id: None,
                    });
                }
            }
        }
        let mut stmt = self.conn.prepare(
            "SELECT c.id, a.name, coalesce(c.user_name, c.user_email, c.user_id, ''), c.access_token,
                    coalesce(c.refresh_token, ''), coalesce(c.id_token, '')
             FROM connections c JOIN authorizations a ON a.id = c.authorization_id ORDER BY c.id",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for (id, authorization, who, access, refresh, id_token) in rows {
            let failed = [access, refresh, id_token].into_iter().find_map(|stored| self.vault.check(&stored).err());
            if let Some(why) = failed {
                let who = if who.is_empty() { String::new() } else { format!(", {who}") };
                out.push(UnreadableSecret {
                    what: format!("the tokens of connection {id} (\"{authorization}\"{who})"),
                    how: "test the authorization again for new ones".into(),
                    key_id: missing_key(why),
                    connection_id: Some(id),
                });
            }
        }
        // Credentials kept for `authdeck check`.
        let mut stmt = self.conn.prepare(
            "SELECT a.name, p.name, k.secret FROM kept_credentials k JOIN authorizations a ON a.id = k.authorization_id
             JOIN apps p ON p.id = a.app_id ORDER BY p.name, a.id",
        )?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for (name, app, sealed) in rows {
            if let Err(why) = self.vault.check(&sealed) {
                out.push(UnreadableSecret {
                    what: format!("the credentials kept for checks of \"{name}\" (app \"{app}\")"),
                    how: format!("keep them again: `authdeck test \"{name}\" --app \"{app}\" --keep-credentials`"),
                    key_id: missing_key(why),
                    connection_id: None,
                });
            }
        }
        Ok(out)
    }

    /// One message for the user: which secrets can't be read, why, and how to get them back.
    pub fn unreadable_message(&self, unreadable: &[UnreadableSecret]) -> String {
        let mut lines =
            vec![format!("{} secret(s) in this database can't be read here; everything else works.", unreadable.len())];
        for (key_id, why) in self.vault.missing_keys() {
            if !unreadable.iter().any(|u| u.key_id.as_deref() == Some(key_id)) {
                continue;
            }
            if self.vault.is_locked(key_id) {
                lines.push(format!("Their key {key_id} is here but locked: {why}."));
                continue;
            }
            let copy = self
                .vault
                .key_path(key_id)
                .map(|p| {
                    format!(
                        " If you have the key file from the machine this database was made on, copy it to {}.",
                        p.display()
                    )
                })
                .unwrap_or_default();
            lines.push(format!("Their key {key_id} is missing: {why}.{copy}"));
        }
        for secret in unreadable {
            let how = match &secret.key_id {
                Some(id) if self.vault.is_locked(id) => "give the key's passphrase to read it".to_owned(),
                _ => secret.how.clone(),
            };
            lines.push(format!("  - {}: {how}", secret.what));
        }
        lines.join("\n")
    }

    /// The keys of this database, and whether each is here.
    pub fn key_statuses(&self) -> Result<Vec<super::seal::KeyStatus>> {
        self.vault.statuses(&self.conn)
    }

    /// Protects the key files of this database with `passphrase`, or removes the protection with
    /// `None`. Returns the files written.
    pub fn protect_keys(&self, passphrase: Option<&str>) -> Result<Vec<std::path::PathBuf>> {
        self.vault.rewrite_key_files(passphrase)
    }

    /// Where the key files of this database live, if they are files.
    pub fn key_dir(&self) -> Option<&Path> {
        self.vault.source().key_dir()
    }

    /// A consistent copy of the database in `target` (a new file, mode 0600), made with SQLite's
    /// online backup API: it works while other authdecks use the file, and holds what the WAL
    /// holds too (a plain copy of the file misses it). The secrets in it stay sealed.
    pub fn backup_to(&self, target: &Path) -> Result<()> {
        let open_error = |source| StoreError::Open { path: target.to_owned(), source };
        // Created owner-only before SQLite writes to it; an existing file is not overwritten.
        let file =
            std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(target).map_err(open_error)?;
        file.set_permissions(std::fs::Permissions::from_mode(0o600)).map_err(open_error)?;
        drop(file);
        let copy = || -> Result<()> {
            let mut destination = rusqlite::Connection::open(target)?;
            let backup = rusqlite::backup::Backup::new(&self.conn, &mut destination)?;
            // 256 pages a step, a short pause between steps so writers get their turn.
            backup.run_to_completion(256, Duration::from_millis(5), None)?;
            drop(backup);
            // The copy is a plain rollback-journal file: one file, nothing beside it to forget.
            destination.pragma_update(None, "journal_mode", "DELETE")?;
            let check: String = destination.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
            if check != "ok" {
                return Err(StoreError::Corrupt(format!("the backup does not check out: {check}")));
            }
            Ok(())
        };
        copy().inspect_err(|_| {
            let _ = std::fs::remove_file(target);
        })
    }
}

fn missing_key(why: Unreadable) -> Option<String> {
    match why {
        Unreadable::MissingKey { key_id } => Some(key_id),
        Unreadable::Damaged => None,
    }
}
