//! A test's authdeck keeps everything in the test's temporary folder, beside the database: the
//! sealing key in `keys/` (never the user's `~/.config/authdeck/keys`) and, for the binary, the
//! log in `data/` (never the user's `~/.local/share/authdeck`).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use authdeck::store::{KeySource, Store};

/// The key folder of the database at `db`.
pub fn key_dir(db: &Path) -> PathBuf {
    folder(db).join("keys")
}

fn folder(db: &Path) -> &Path {
    db.parent().unwrap_or_else(|| Path::new("."))
}

/// Opens (or creates) the database at `db` with its key beside it.
pub fn open(db: &Path) -> authdeck::store::Result<Store> {
    Store::open_with_keys(db, KeySource::dir(key_dir(db)))
}

/// The authdeck binary on `db` (`--db DB`), its key and its log beside it.
pub fn authdeck(db: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_authdeck"));
    command.arg("--db").arg(db).env("AUTHDECK_KEY_DIR", key_dir(db)).env("XDG_DATA_HOME", folder(db).join("data"));
    command
}
