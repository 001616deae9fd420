//! The SQLite store: opening (and refusing files that aren't ours), migrations, typed reads and writes.
//! Synchronous; the TUI caches what it reads. No UI code here.

mod apps;
mod authorizations;
mod checks;
mod connections;
mod discovery;
mod endpoints;
mod migrations;
mod presets;
pub mod seal;
mod secrets;
mod settings;
mod transfer;
mod unsaved;

use std::fs::{self, OpenOptions};
use std::io::Read;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};

pub use authorizations::AuthorizationRow;
pub use checks::{KeptCredentials, RecordedCheck};
pub use presets::AddedPreset;
pub use seal::KeySource;
pub use secrets::UnreadableSecret;
pub use settings::LAST_APP;
pub use transfer::{ImportError, ImportSummary, TransferError};
pub use unsaved::RecordOutcome;

/// Marks a SQLite file as authdeck's (`PRAGMA application_id`), so another program's database is refused.
pub const APPLICATION_ID: i32 = 0x6164_6b31; // "adk1"
/// How long a write waits for another authdeck holding the file.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "{path} is not an authdeck database ({reason}). It was left untouched. Choose another file with --db PATH."
    )]
    NotAuthdeck { path: PathBuf, reason: String },
    #[error(
        "{path} was written by a newer authdeck (schema version {found}; this one knows up to {known}). It was left untouched. Upgrade authdeck, or choose another file with --db PATH."
    )]
    TooNew { path: PathBuf, found: i64, known: usize },
    #[error("Cannot create the folder {dir}: {source}. Choose a writable place with --db PATH.")]
    CreateDir { dir: PathBuf, source: std::io::Error },
    #[error("Cannot open {path}: {source}. Check that it is a writable file, or choose another with --db PATH.")]
    Open { path: PathBuf, source: std::io::Error },
    #[error(
        "{path} is read-only for you (mode {mode:04o}), and authdeck writes to its database even to read it (test results, migrations). It was left untouched: make it writable (chmod u+w), or copy it and use the copy with --db PATH."
    )]
    ReadOnly { path: PathBuf, mode: u32 },
    #[error("{what} named \"{name}\" already exists here. Choose another name.")]
    DuplicateName { what: &'static str, name: String },
    #[error("The endpoint \"{endpoint}\" is used by {}: choose another endpoint there first.", users.join(", "))]
    EndpointInUse { endpoint: String, users: Vec<String> },
    /// A value the store refuses to keep (a name of 50 MB…); the message says what to change.
    #[error("{0}")]
    Invalid(String),
    #[error("Not found: {0}. It may have been deleted by another authdeck on the same file.")]
    NotFound(String),
    #[error("Stored data is damaged: {0}")]
    Corrupt(String),
    #[error("{}", sqlite_message(.0))]
    Sqlite(#[from] rusqlite::Error),
}

/// SQLite's own words, except for the one a user meets and can act on: another writer that
/// held the file longer than the busy timeout.
fn sqlite_message(error: &rusqlite::Error) -> String {
    use rusqlite::ErrorCode::{DatabaseBusy, DatabaseLocked};
    match error.sqlite_error_code() {
        Some(DatabaseBusy | DatabaseLocked) => format!(
            "The database is busy: another authdeck (or a backup) has been writing to it for more than {} s. Nothing was changed; try again when it has finished.",
            BUSY_TIMEOUT.as_secs()
        ),
        _ => format!("Database error: {error}"),
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// An open authdeck database.
pub struct Store {
    conn: Connection,
    path: Option<PathBuf>,
    /// The keys that seal the secrets in this database.
    vault: seal::Vault,
    /// What opening the file changed or found that the user should hear about (a mode tightened…).
    notices: Vec<String>,
}

impl Store {
    /// Opens (creating if needed) the database at `path`, its secrets sealed with the key from
    /// [`KeySource::from_environment`]. A file that isn't an authdeck database, or whose schema is
    /// newer than this binary's, is refused before anything is written to it.
    pub fn open(path: &Path) -> Result<Store> {
        let keys = KeySource::from_environment().map_err(StoreError::Invalid)?;
        Store::open_with_keys(path, keys)
    }

    /// Like [`Store::open`], with the keys from `keys`.
    pub fn open_with_keys(path: &Path, keys: KeySource) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir)?;
        }
        let existing = check_existing_file(path)?;
        if existing {
            check_writable(path)?;
        }
        if !existing {
            OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .map_err(|source| StoreError::Open { path: path.to_owned(), source })?;
        }
        let conn =
            Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
                .map_err(|e| StoreError::NotAuthdeck { path: path.to_owned(), reason: e.to_string() })?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // Closing the last connection to a WAL database checkpoints the -wal file into the main file
        // and deletes it, which would change a file we refuse. No checkpoint on close until the file
        // is known to be ours and not newer, which `migrate` checks again under the write lock
        // (https://sqlite.org/c3ref/c_dbconfig_defensive.html#sqlitedbconfignockptonclose).
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)?;
        // The header may be stale while changes sit in a WAL file: ask SQLite too, before writing anything.
        check_identity(&conn, path)?;
        // SQLite gives the -wal and -shm files the database's mode, so that one mode is what counts.
        let notices = tighten_mode(path)?.into_iter().collect();
        let mut store = Store { conn, path: Some(path.to_owned()), vault: seal::Vault::new(keys), notices };
        // SQLite sees no page yet: the file was made just now (or by another program, empty).
        let empty = fs::metadata(path).is_ok_and(|m| m.len() == 0);
        store.configure(empty)?;
        store.conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, false)?;
        Ok(store)
    }

    /// A database in memory, for tests and benchmarks.
    pub fn open_in_memory() -> Result<Store> {
        let conn = Connection::open_in_memory()?;
        let mut store = Store { conn, path: None, vault: seal::Vault::new(KeySource::memory()), notices: Vec::new() };
        store.configure(false)?;
        Ok(store)
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// What opening the database changed or found that the user should be told (once): the caller
    /// shows these (the command line on stderr, the TUI in its status line).
    pub fn take_notices(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notices)
    }

    /// `empty`: the file has no page yet (a new database).
    fn configure(&mut self, empty: bool) -> Result<()> {
        // Every transaction takes the write lock when it begins. A deferred one reads first and
        // upgrades to a write later, which WAL refuses at once (SQLITE_BUSY_SNAPSHOT, no busy
        // timeout) when another authdeck wrote in between: two authdecks on one file must wait
        // for each other instead (https://sqlite.org/lang_transaction.html#immediate).
        self.conn.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
        if empty {
            // Turning an empty file into a WAL database writes its first page in a rollback
            // transaction: a journal file made, synced, its folder synced, synced again, the
            // database synced — four of the six fsyncs a first start did before its first frame.
            // The journal would only bring back the empty file if that write were torn, so it is
            // kept in memory for that one write. The database file is still synced before any
            // WAL frame is written (its header says WAL, durably, before the data relies on it),
            // and from then on every commit is exactly as durable as before
            // (https://sqlite.org/pragma.html#pragma_journal_mode). Best effort: when another
            // authdeck made the file a WAL database in between, this changes nothing.
            let _ = self.conn.query_row("PRAGMA journal_mode = MEMORY", [], |_| Ok(()));
        }
        self.conn.pragma_update(None, "journal_mode", "WAL")?;
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        // Deleted and overwritten content is zeroed, not left in free space: a secret replaced by
        // its sealed form (or a deleted connection) leaves no readable trace in the file.
        self.conn.pragma_update(None, "secure_delete", "ON")?;
        self.migrate()?;
        self.vault.load(&self.conn)?;
        self.seal_plaintext()?;
        self.save_kept_results()?;
        let unreadable = self.unreadable_secrets()?;
        if !unreadable.is_empty() {
            let notice = self.unreadable_message(&unreadable);
            self.notices.push(notice);
        }
        Ok(())
    }

    /// Seals, in one transaction, the secrets a database written before sealing still holds in clear.
    fn seal_plaintext(&mut self) -> Result<()> {
        let like = format!("{}%", seal::SEALED_PREFIX);
        let plain: i64 = self.conn.query_row(
            "SELECT (SELECT count(*) FROM connections WHERE (access_token != '' AND access_token NOT LIKE ?1)
                        OR (coalesce(refresh_token, '') != '' AND refresh_token NOT LIKE ?1)
                        OR (coalesce(id_token, '') != '' AND id_token NOT LIKE ?1))
                  + (SELECT count(*) FROM authorizations WHERE kind = 'oauth2'
                        AND coalesce(json_extract(config, '$.client_secret'), '') != '')",
            [&like],
            |r| r.get(0),
        )?;
        if plain == 0 {
            return Ok(());
        }
        let tx = write(&mut self.conn)?;
        let sealed = seal::seal_plaintext(&tx, &mut self.vault)?;
        tx.commit()?;
        // The WAL still holds the pages as they were, plaintext and all: copy the sealed pages into
        // the file and empty the WAL (best effort: a reader of another authdeck may hold it).
        let _ = self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        tracing::info!(sealed, "sealed secrets kept in clear by an older authdeck");
        Ok(())
    }

    /// Runs the migrations this file hasn't had yet, all in one transaction.
    fn migrate(&mut self) -> Result<()> {
        let tx = write(&mut self.conn)?;
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let known = migrations::MIGRATIONS.len() as i64;
        if version > known {
            return Err(StoreError::TooNew {
                path: self.path.clone().unwrap_or_default(),
                found: version,
                known: migrations::MIGRATIONS.len(),
            });
        }
        if version == known {
            return Ok(());
        }
        for sql in &migrations::MIGRATIONS[version as usize..] {
            tx.execute_batch(sql)?;
        }
        tx.pragma_update(None, "user_version", known)?;
        tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        tx.commit()?;
        Ok(())
    }

    /// The schema version of this file.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }
}

/// Refuses, before SQLite touches it, a file this user may not write.
fn check_writable(path: &Path) -> Result<()> {
    match OpenOptions::new().write(true).open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            let mode = fs::metadata(path).map(|m| m.permissions().mode() & 0o7777).unwrap_or(0);
            Err(StoreError::ReadOnly { path: path.to_owned(), mode })
        }
        Err(source) => Err(StoreError::Open { path: path.to_owned(), source }),
    }
}

/// Takes away what group and others may do with an existing database file; never adds a
/// permission (a 0400 file stays 0400). Returns what it did, to tell the user.
fn tighten_mode(path: &Path) -> Result<Option<String>> {
    let open_error = |source| StoreError::Open { path: path.to_owned(), source };
    let mode = fs::metadata(path).map_err(open_error)?.permissions().mode() & 0o7777;
    let private = mode & 0o700;
    if private == mode {
        return Ok(None);
    }
    fs::set_permissions(path, fs::Permissions::from_mode(private)).map_err(open_error)?;
    Ok(Some(format!(
        "{} was readable by others (mode {mode:04o}); it holds your authorizations, so authdeck made it {private:04o} (owner only).",
        path.display()
    )))
}

fn create_private_dir(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|source| StoreError::CreateDir { dir: dir.to_owned(), source })
}

/// Looks at the file's header without opening it as a database: true when it is an authdeck (or an
/// empty) database to open, false when there is no file yet; an error for anything else.
fn check_existing_file(path: &Path) -> Result<bool> {
    let mut file = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(source) => return Err(StoreError::Open { path: path.to_owned(), source }),
    };
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(StoreError::NotAuthdeck { path: path.to_owned(), reason: "it is a folder".into() });
    }
    let mut header = Vec::with_capacity(100);
    file.by_ref()
        .take(100)
        .read_to_end(&mut header)
        .map_err(|source| StoreError::Open { path: path.to_owned(), source })?;
    if header.is_empty() {
        return Ok(true);
    }
    let not_ours = |reason: &str| StoreError::NotAuthdeck { path: path.to_owned(), reason: reason.into() };
    if header.len() < 100 || !header.starts_with(b"SQLite format 3\0") {
        return Err(not_ours("it is not a SQLite file"));
    }
    let user_version = i32::from_be_bytes([header[60], header[61], header[62], header[63]]);
    let application_id = i32::from_be_bytes([header[68], header[69], header[70], header[71]]);
    if application_id == APPLICATION_ID && user_version as usize > migrations::MIGRATIONS.len() {
        return Err(StoreError::TooNew {
            path: path.to_owned(),
            found: user_version.into(),
            known: migrations::MIGRATIONS.len(),
        });
    }
    if application_id != APPLICATION_ID && application_id != 0 {
        return Err(not_ours("it is another program's SQLite database"));
    }
    Ok(true)
}

/// Checks, through SQLite, that the file is ours or empty, and not newer than this binary.
fn check_identity(conn: &Connection, path: &Path) -> Result<()> {
    let not_ours = |reason: String| StoreError::NotAuthdeck { path: path.to_owned(), reason };
    let application_id: i32 =
        conn.query_row("PRAGMA application_id", [], |r| r.get(0)).map_err(|e| not_ours(e.to_string()))?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if application_id == APPLICATION_ID {
        if version as usize > migrations::MIGRATIONS.len() {
            return Err(StoreError::TooNew {
                path: path.to_owned(),
                found: version,
                known: migrations::MIGRATIONS.len(),
            });
        }
        return Ok(());
    }
    let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
    if application_id != 0 || tables > 0 || version != 0 {
        return Err(not_ours("it is a SQLite database holding another program's tables".into()));
    }
    Ok(())
}

/// A write transaction, holding the write lock from its start (waiting up to the busy timeout for
/// another authdeck to finish). Every change of more than one statement goes through one.
fn write(conn: &mut Connection) -> rusqlite::Result<rusqlite::Transaction<'_>> {
    conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
}

/// Turns a UNIQUE constraint failure into [`StoreError::DuplicateName`].
fn map_unique(e: rusqlite::Error, what: &'static str, name: &str) -> StoreError {
    match e {
        rusqlite::Error::SqliteFailure(f, _) if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE => {
            StoreError::DuplicateName { what, name: name.to_owned() }
        }
        other => StoreError::Sqlite(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_writer_that_outlasts_the_busy_timeout_is_named_with_what_to_do() {
        let busy = rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY), None);
        let message = StoreError::from(busy).to_string();
        assert!(message.contains("another authdeck") && message.contains("try again"), "{message}");
        let other = rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL), None);
        assert!(StoreError::from(other).to_string().starts_with("Database error: "));
    }
}
