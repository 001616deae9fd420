//! A finished test's result is never lost: saving waits for another authdeck and is retried, and
//! when the database still can't be written (full disk, a lock held for minutes, a file gone
//! read-only) the result — tokens sealed — is kept in a private file beside the database, and
//! saved from there the next time authdeck opens it.

use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::seal::Place;
use super::{Result, Store, StoreError};
use crate::model::redact::Sensitive;
use crate::model::run::{FlowReport, RecordedRun, Tokens};

/// How many times saving is tried (each waits up to the busy timeout for the write lock).
const ATTEMPTS: usize = 3;

/// Where a test's result went.
#[derive(Debug)]
pub enum RecordOutcome {
    Saved(RecordedRun),
    /// Not saved, kept in `path` (tokens sealed) to be saved at the next start.
    Kept {
        path: PathBuf,
        error: StoreError,
    },
    /// Not saved, and not kept either (the message says why).
    Lost {
        error: StoreError,
        why_not_kept: String,
    },
}

impl RecordOutcome {
    /// What to tell the user when the result wasn't saved.
    pub fn message(&self) -> Option<String> {
        match self {
            RecordOutcome::Saved(_) => None,
            RecordOutcome::Kept { path, error } => Some(format!(
                "The test's result could not be saved ({error}). It is kept in {} (tokens sealed) and will be saved the next time authdeck opens this database.",
                path.display()
            )),
            RecordOutcome::Lost { error, why_not_kept } => Some(format!(
                "The test's result could not be saved ({error}), nor kept in a file ({why_not_kept}): run the test again once the database can be written."
            )),
        }
    }
}

/// A result kept in a file.
#[derive(Serialize, Deserialize)]
struct KeptResult {
    report: FlowReport,
    on_connection: Option<i64>,
    tokens: Option<KeptTokens>,
    error: String,
}

#[derive(Serialize, Deserialize)]
struct KeptTokens {
    access_token: String,
    refresh_token: Option<String>,
    #[serde(default)]
    id_token: Option<String>,
    #[serde(default)]
    dpop_key: Option<String>,
    token_type: Option<String>,
    expires_at: Option<i64>,
    scopes: String,
    #[serde(default)]
    refresh_expires_at: Option<i64>,
    #[serde(default)]
    issued_at: Option<i64>,
}

fn is_busy(error: &StoreError) -> bool {
    matches!(error, StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, _))
        if matches!(f.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked))
}

impl Store {
    /// Records a finished flow like [`Store::record_flow`], retrying while another authdeck holds
    /// the database, and keeping the result in a file when it still can't be saved.
    pub fn record_flow_or_keep(&mut self, report: &mut FlowReport) -> RecordOutcome {
        let mut attempt = 1;
        let error = loop {
            match self.record_flow(report) {
                Ok(recorded) => return RecordOutcome::Saved(recorded),
                Err(e) if is_busy(&e) && attempt < ATTEMPTS => {
                    tracing::warn!(attempt, error = %e, "saving the test's result waits for another authdeck");
                    attempt += 1;
                    std::thread::sleep(Duration::from_millis(200));
                }
                Err(e) => break e,
            }
        };
        tracing::error!(error = %error, "the test's result could not be saved");
        match self.keep(report, &error) {
            Ok(path) => RecordOutcome::Kept { path, error },
            Err(why_not_kept) => RecordOutcome::Lost { error, why_not_kept },
        }
    }

    /// The folder of kept results: beside the database.
    fn unsaved_dir(&self) -> Option<PathBuf> {
        let path = self.path.as_ref()?;
        let mut name = path.file_name()?.to_os_string();
        name.push(".unsaved");
        Some(path.with_file_name(name))
    }

    fn keep(&self, report: &FlowReport, error: &StoreError) -> std::result::Result<PathBuf, String> {
        let dir = self.unsaved_dir().ok_or("the database is in memory")?;
        let tokens = match &report.tokens {
            None => None,
            Some(t) => {
                let seal = |place, value: &str| {
                    self.vault.seal_without_database(place, value).ok_or("there is no key to seal the tokens with")
                };
                Some(KeptTokens {
                    access_token: seal(Place::AccessToken, t.access_token.reveal())?,
                    refresh_token: t
                        .refresh_token
                        .as_ref()
                        .map(|r| seal(Place::RefreshToken, r.reveal()))
                        .transpose()?,
                    id_token: t.id_token.as_ref().map(|r| seal(Place::IdToken, r.reveal())).transpose()?,
                    dpop_key: t.dpop_key.as_ref().map(|k| seal(Place::DpopKey, k.reveal())).transpose()?,
                    token_type: t.token_type.clone(),
                    expires_at: t.expires_at,
                    scopes: t.scopes.clone(),
                    refresh_expires_at: t.refresh_expires_at,
                    issued_at: t.issued_at,
                })
            }
        };
        let kept = KeptResult {
            report: report.clone(),
            on_connection: report.on_connection,
            tokens,
            error: error.to_string(),
        };
        let text = serde_json::to_string_pretty(&kept).map_err(|e| e.to_string())?;
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(&dir).map_err(|e| e.to_string())?;
        let path = dir.join(format!("run-{}-{}.json", report.finished_at, std::process::id()));
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        use std::io::Write;
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(path)
    }

    /// Saves the results kept by an earlier failure, deleting each file once saved; a notice for each.
    pub(super) fn save_kept_results(&mut self) -> Result<()> {
        let Some(dir) = self.unsaved_dir() else { return Ok(()) };
        let Ok(entries) = std::fs::read_dir(&dir) else { return Ok(()) };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        for file in files {
            match self.save_kept(&file) {
                Ok(message) => {
                    let _ = std::fs::remove_file(&file);
                    self.notices.push(message);
                }
                Err(why) => self.notices.push(format!(
                    "A test result kept in {} could not be saved yet ({why}); it stays there.",
                    file.display()
                )),
            }
        }
        let _ = std::fs::remove_dir(&dir);
        Ok(())
    }

    fn save_kept(&mut self, file: &Path) -> std::result::Result<String, String> {
        let text = std::fs::read_to_string(file).map_err(|e| e.to_string())?;
        let kept: KeptResult = serde_json::from_str(&text).map_err(|e| format!("it is not a kept result: {e}"))?;
        let mut report = kept.report;
        report.on_connection = kept.on_connection;
        if let Some(t) = kept.tokens {
            let open = |place, value: &str| {
                self.vault.open(place, value).map_err(|_| "its tokens' key is not here".to_owned())
            };
            report.tokens = Some(Tokens {
                access_token: Sensitive::new(open(Place::AccessToken, &t.access_token)?),
                refresh_token: t
                    .refresh_token
                    .map(|r| open(Place::RefreshToken, &r).map(Sensitive::new))
                    .transpose()?,
                id_token: t.id_token.map(|r| open(Place::IdToken, &r).map(Sensitive::new)).transpose()?,
                dpop_key: t.dpop_key.map(|k| open(Place::DpopKey, &k).map(Sensitive::new)).transpose()?,
                token_type: t.token_type,
                expires_at: t.expires_at,
                scopes: t.scopes,
                refresh_expires_at: t.refresh_expires_at,
                issued_at: t.issued_at,
            });
        }
        // The authorization may have been deleted since.
        if self.authorization(report.authorization_id).is_err() {
            return Ok(format!(
                "A test result kept in {} was dropped: its authorization no longer exists.",
                file.display()
            ));
        }
        let recorded = self.record_flow(&mut report).map_err(|e| e.to_string())?;
        let what = match recorded.connection_id {
            Some(id) => format!(" (connection {id})"),
            None => String::new(),
        };
        Ok(format!(
            "Saved the result of a test that finished while the database couldn't be written{what}: {}",
            report.message
        ))
    }
}
