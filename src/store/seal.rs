//! Secrets sealed at rest: every client secret and token is kept in the database encrypted with
//! AES-256-GCM under a key that lives outside it, so the database file alone — a copy, a backup,
//! a file sent with a bug report — reveals none. Names, URLs and everything else stay plain.
//!
//! # The key
//! One random 256-bit key per database, in a key file of its own, `<key dir>/<key id>.key`
//! (mode 0600, its folder 0700). The key dir is `$AUTHDECK_KEY_DIR`, else `keys/` in the platform
//! config directory (`~/.config/authdeck/keys` on Linux), a different place from the database's
//! data directory, so copying the data folder doesn't copy the key. The key file may be protected
//! by a passphrase (argon2id): when `AUTHDECK_PASSPHRASE` is set as the key is made, or later with
//! `authdeck key protect`; a protected key asks for it (that variable, or a prompt).
//!
//! A sealed value is `adk1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>`, its place (table and
//! column) as additional data, so a value moved to another column doesn't open. The database keeps
//! the ids of its keys with a sealed check value (`seal_keys`): a missing or wrong key file is
//! known at once, the secrets it sealed are listed as unreadable (with how to re-enter them), and
//! everything else works; new secrets are then sealed under a new key.
//!
//! # Why these choices
//! - `ring`'s AEAD: ring is already in the tree (rustls uses it), so sealing adds no crypto stack;
//!   AES-256-GCM with random 96-bit nonces is safe far beyond the number of secrets a database
//!   will ever hold (NIST SP 800-38D's 2^32 messages per key).
//! - No OS keyring (`keyring` crate) on Linux: its Secret Service backend needs libdbus at build
//!   time (breaking `cargo test` on a fresh machine) or zbus (dozens of crates), and over SSH —
//!   where authdeck is mostly used — there is usually no unlocked keyring to talk to. The macOS
//!   Keychain backend would cost nothing here, but this project's CI can neither build nor test
//!   it, so it isn't shipped untested; the key file works everywhere, and the README says where.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use rusqlite::{Connection, OptionalExtension, params};

use super::{Result, StoreError};

/// The start of every sealed value.
pub const SEALED_PREFIX: &str = "adk1:";
const KEY_LEN: usize = 32;
const CHECK_PLACE: &str = "seal_keys.check";
const CHECK_TEXT: &str = "authdeck key check";
const KEY_FILE_HEADER: &str = "authdeck key v1";

/// Where a value is kept: the additional data it is sealed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    ClientSecret,
    AccessToken,
    RefreshToken,
    IdToken,
    /// A private key pasted into an authorization (private_key_jwt, mTLS).
    ClientKey,
    /// A connection's DPoP key pair (RFC 9449).
    DpopKey,
    /// An API key or Basic password kept for `authdeck check`.
    KeptCredential,
}

impl Place {
    fn aad(self) -> &'static str {
        match self {
            Place::ClientSecret => "authorizations.client_secret",
            Place::AccessToken => "connections.access_token",
            Place::RefreshToken => "connections.refresh_token",
            Place::IdToken => "connections.id_token",
            Place::ClientKey => "authorizations.client_key",
            Place::DpopKey => "connections.dpop_key",
            Place::KeptCredential => "kept_credentials.secret",
        }
    }
}

/// Where the keys are, and how to ask for a passphrase.
pub struct KeySource {
    kind: SourceKind,
    /// Asked when a key file is protected by a passphrase; `None` when nobody can answer.
    passphrase: Box<dyn Fn() -> Option<String> + Send>,
    /// Protect newly made key files with this passphrase.
    protect_new_with: Option<String>,
}

enum SourceKind {
    Dir(PathBuf),
    /// A key that lives as long as the store (in-memory databases).
    Memory,
}

impl KeySource {
    /// Key files in `dir`; a protected key asks `passphrase`.
    pub fn dir(dir: impl Into<PathBuf>) -> KeySource {
        KeySource { kind: SourceKind::Dir(dir.into()), passphrase: Box::new(|| None), protect_new_with: None }
    }

    /// `$AUTHDECK_KEY_DIR`, else `keys` in the platform config directory; `AUTHDECK_PASSPHRASE`
    /// protects a new key file and opens a protected one.
    pub fn from_environment() -> std::result::Result<KeySource, String> {
        let dir = match std::env::var_os("AUTHDECK_KEY_DIR").filter(|d| !d.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => directories::ProjectDirs::from("", "", "authdeck").map(|d| d.config_dir().join("keys")).ok_or(
                "Cannot find a home directory to keep the database's key in; set AUTHDECK_KEY_DIR to a private folder.",
            )?,
        };
        let passphrase = std::env::var("AUTHDECK_PASSPHRASE").ok().filter(|p| !p.is_empty());
        let mut source = KeySource::dir(dir);
        source.protect_new_with = passphrase.clone();
        source.passphrase = Box::new(move || passphrase.clone());
        Ok(source)
    }

    /// A key kept in memory only.
    pub fn memory() -> KeySource {
        KeySource { kind: SourceKind::Memory, passphrase: Box::new(|| None), protect_new_with: None }
    }

    /// Asks `ask` for the passphrase of a protected key file (a prompt), after the environment.
    pub fn with_passphrase_prompt(mut self, ask: impl Fn() -> Option<String> + Send + 'static) -> KeySource {
        let from_env = std::mem::replace(&mut self.passphrase, Box::new(|| None));
        self.passphrase = Box::new(move || from_env().or_else(&ask));
        self
    }

    /// Protect key files made from now on with `passphrase`.
    pub fn protect_new_keys(mut self, passphrase: Option<String>) -> KeySource {
        self.protect_new_with = passphrase;
        self
    }

    /// The folder of the key files, if they are files.
    pub fn key_dir(&self) -> Option<&Path> {
        match &self.kind {
            SourceKind::Dir(dir) => Some(dir),
            SourceKind::Memory => None,
        }
    }
}

/// Why a sealed value can't be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unreadable {
    /// Its key isn't here (no key file, a wrong one, or a passphrase not given).
    MissingKey { key_id: String },
    /// The value is damaged, or was moved from another place.
    Damaged,
}

/// The keys of one database: the ones found, the current one (for sealing), the ones missing.
pub struct Vault {
    source: KeySource,
    keys: HashMap<String, LessSafeKey>,
    current: Option<String>,
    /// Key ids the database knows whose key isn't here, with why.
    missing: Vec<(String, String)>,
    /// Keys that are here but protected by a passphrase that wasn't given (or was wrong): new
    /// secrets are then refused rather than sealed under a new key the user didn't ask for.
    locked: Vec<String>,
    rng: SystemRandom,
}

impl Vault {
    pub fn new(source: KeySource) -> Vault {
        Vault {
            source,
            keys: HashMap::new(),
            current: None,
            missing: Vec::new(),
            locked: Vec::new(),
            rng: SystemRandom::new(),
        }
    }

    pub fn source(&self) -> &KeySource {
        &self.source
    }

    /// The key ids the database knows but whose key isn't here, with why.
    pub fn missing_keys(&self) -> &[(String, String)] {
        &self.missing
    }

    /// Whether the key `key_id` is here but locked by a passphrase not given.
    pub fn is_locked(&self, key_id: &str) -> bool {
        self.locked.iter().any(|id| id == key_id)
    }

    /// The key file of `key_id`.
    pub fn key_path(&self, key_id: &str) -> Option<PathBuf> {
        self.source.key_dir().map(|dir| dir.join(format!("{key_id}.key")))
    }

    /// Reads the database's key ids and loads every key that is here; the newest one found
    /// becomes the current key.
    pub fn load(&mut self, conn: &Connection) -> Result<()> {
        let mut stmt = conn.prepare("SELECT id, check_value FROM seal_keys ORDER BY created_at, rowid")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        self.missing.clear();
        self.locked.clear();
        for (id, check) in rows {
            if self.keys.contains_key(&id) {
                self.current = Some(id);
                continue;
            }
            match self.read_key(&id).and_then(|key| verify(&key, &check).map(|()| key).map_err(KeyError::Missing)) {
                Ok(key) => {
                    self.keys.insert(id.clone(), key);
                    self.current = Some(id);
                }
                Err(KeyError::Locked(why)) => {
                    self.locked.push(id.clone());
                    self.missing.push((id, why));
                }
                Err(KeyError::Missing(why)) => self.missing.push((id, why)),
            }
        }
        Ok(())
    }

    /// Seals `plaintext` for `place` under the current key, making one (and its key file) first if
    /// there is none. Call inside the write transaction that stores the value.
    pub fn seal(&mut self, conn: &Connection, place: Place, plaintext: &str) -> Result<String> {
        let id = self.current_key(conn)?;
        self.seal_under(&id, place, plaintext)
    }

    /// Seals under the current key without touching the database; `None` when there is no key yet.
    pub fn seal_without_database(&self, place: Place, plaintext: &str) -> Option<String> {
        let id = self.current.as_ref()?;
        self.seal_under(id, place, plaintext).ok()
    }

    fn seal_under(&self, id: &str, place: Place, plaintext: &str) -> Result<String> {
        let key = self.keys.get(id).ok_or_else(|| StoreError::Corrupt("the current key went missing".into()))?;
        let mut nonce = [0u8; NONCE_LEN];
        self.rng.fill(&mut nonce).map_err(|_| seal_error("no random bytes from the system"))?;
        let mut data = plaintext.as_bytes().to_vec();
        key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(place.aad()), &mut data)
            .map_err(|_| seal_error("sealing failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&data);
        Ok(format!("{SEALED_PREFIX}{id}:{}", URL_SAFE_NO_PAD.encode(out)))
    }

    /// Opens a value sealed for `place`; a value without the prefix (written before sealing) is
    /// returned as it is.
    pub fn open(&self, place: Place, stored: &str) -> std::result::Result<String, Unreadable> {
        let Some(rest) = stored.strip_prefix(SEALED_PREFIX) else { return Ok(stored.to_owned()) };
        let (key_id, data) = rest.split_once(':').ok_or(Unreadable::Damaged)?;
        let key = self.keys.get(key_id).ok_or_else(|| Unreadable::MissingKey { key_id: key_id.to_owned() })?;
        open_with(key, place.aad(), data).ok_or(Unreadable::Damaged)
    }

    /// Whether a stored value can be opened here, without opening it: its key is here (a value whose
    /// key is here but that is damaged shows when it is read). For listing unreadable secrets at
    /// every start without decrypting them all.
    pub fn check(&self, stored: &str) -> std::result::Result<(), Unreadable> {
        let Some(rest) = stored.strip_prefix(SEALED_PREFIX) else { return Ok(()) };
        let (key_id, _) = rest.split_once(':').ok_or(Unreadable::Damaged)?;
        if self.keys.contains_key(key_id) { Ok(()) } else { Err(Unreadable::MissingKey { key_id: key_id.to_owned() }) }
    }

    /// The key id a sealed value names.
    pub fn key_of(stored: &str) -> Option<&str> {
        stored.strip_prefix(SEALED_PREFIX)?.split_once(':').map(|(id, _)| id)
    }

    fn current_key(&mut self, conn: &Connection) -> Result<String> {
        if let Some(id) = &self.current {
            return Ok(id.clone());
        }
        // Another authdeck may have made one since this one opened (we hold the write lock now).
        self.load(conn)?;
        if let Some(id) = &self.current {
            return Ok(id.clone());
        }
        if !self.locked.is_empty() {
            return Err(StoreError::Invalid(
                "The database's key is protected by a passphrase that wasn't given (or isn't right), so no secret can be stored: set AUTHDECK_PASSPHRASE, or run authdeck in a terminal to be asked.".into(),
            ));
        }
        let mut raw = [0u8; KEY_LEN];
        self.rng.fill(&mut raw).map_err(|_| seal_error("no random bytes from the system"))?;
        let mut id_bytes = [0u8; 8];
        self.rng.fill(&mut id_bytes).map_err(|_| seal_error("no random bytes from the system"))?;
        let id: String = id_bytes.iter().map(|b| format!("{b:02x}")).collect();
        let key = aead_key(&raw)?;
        if let SourceKind::Dir(dir) = &self.source.kind {
            write_key_file(dir, &id, &raw, self.source.protect_new_with.as_deref(), &self.rng)?;
        }
        let check = seal_check(&key, &self.rng)?;
        conn.execute(
            "INSERT INTO seal_keys (id, check_value, created_at) VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
            params![id, check],
        )?;
        self.keys.insert(id.clone(), key);
        self.current = Some(id.clone());
        Ok(id)
    }

    fn read_key(&self, id: &str) -> std::result::Result<LessSafeKey, KeyError> {
        let dir = match &self.source.kind {
            SourceKind::Dir(dir) => dir,
            SourceKind::Memory => return Err(KeyError::Missing("it was kept in memory by another process".into())),
        };
        let path = dir.join(format!("{id}.key"));
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(KeyError::Missing(format!("there is no key file {}", path.display())));
            }
            Err(e) => return Err(KeyError::Missing(format!("{} can't be read ({e})", path.display()))),
        };
        let protected = text.lines().any(|l| l.starts_with("argon2id:"));
        let raw = parse_key_file(&text, &*self.source.passphrase).map_err(|why| {
            let why = format!("{}: {why}", path.display());
            if protected { KeyError::Locked(why) } else { KeyError::Missing(why) }
        })?;
        aead_key(&raw).map_err(|e| KeyError::Missing(e.to_string()))
    }
}

/// What a key of the database is, for `authdeck key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyStatus {
    pub id: String,
    /// Its key file (none for a key kept in memory).
    pub path: Option<PathBuf>,
    /// Here and opened: whether its file is protected by a passphrase. Missing: why.
    pub state: std::result::Result<bool, String>,
    /// Here, but protected by a passphrase that wasn't given (or isn't right).
    pub locked: bool,
}

impl Vault {
    /// Every key the database knows, and whether it is here.
    pub fn statuses(&self, conn: &Connection) -> Result<Vec<KeyStatus>> {
        let ids: Vec<String> = conn
            .prepare("SELECT id FROM seal_keys ORDER BY created_at, rowid")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(ids
            .into_iter()
            .map(|id| {
                let path = self.key_path(&id);
                let state = match self.missing.iter().find(|(m, _)| *m == id) {
                    Some((_, why)) => Err(why.clone()),
                    None => Ok(path
                        .as_ref()
                        .and_then(|p| fs::read_to_string(p).ok())
                        .is_some_and(|text| text.lines().any(|l| l.starts_with("argon2id:")))),
                };
                let locked = self.is_locked(&id);
                KeyStatus { id, path, state, locked }
            })
            .collect())
    }

    /// Writes the key files of the keys that are here again, protected by `passphrase` (or not,
    /// with `None`); each is replaced whole (written beside, then renamed). The files written.
    pub fn rewrite_key_files(&self, passphrase: Option<&str>) -> Result<Vec<PathBuf>> {
        let SourceKind::Dir(dir) = &self.source.kind else { return Ok(Vec::new()) };
        let mut written = Vec::new();
        let mut ids: Vec<&String> = self.keys.keys().collect();
        ids.sort();
        for id in ids {
            let path = dir.join(format!("{id}.key"));
            let text = fs::read_to_string(&path).map_err(|source| StoreError::Open { path: path.clone(), source })?;
            let raw = parse_key_file(&text, &*self.source.passphrase)
                .map_err(|why| StoreError::Invalid(format!("{}: {why}", path.display())))?;
            let replacement = dir.join(format!("{id}.key.new"));
            let _ = fs::remove_file(&replacement);
            write_key_file_at(&replacement, &raw, passphrase, &self.rng)?;
            fs::rename(&replacement, &path).map_err(|source| StoreError::Open { path: path.clone(), source })?;
            written.push(path);
        }
        Ok(written)
    }
}

/// Why a key file gave no key.
enum KeyError {
    /// Not there, not this database's, or damaged.
    Missing(String),
    /// Protected by a passphrase that wasn't given or isn't right.
    Locked(String),
}

fn seal_error(what: &str) -> StoreError {
    StoreError::Invalid(format!("Could not seal a secret: {what}."))
}

fn aead_key(raw: &[u8]) -> Result<LessSafeKey> {
    let unbound = UnboundKey::new(&AES_256_GCM, raw).map_err(|_| seal_error("the key has the wrong length"))?;
    Ok(LessSafeKey::new(unbound))
}

fn open_with(key: &LessSafeKey, aad: &str, data: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(data).ok()?;
    if bytes.len() < NONCE_LEN + AES_256_GCM.tag_len() {
        return None;
    }
    let (nonce, sealed) = bytes.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
    let mut sealed = sealed.to_vec();
    let plain = key.open_in_place(nonce, Aad::from(aad), &mut sealed).ok()?;
    String::from_utf8(plain.to_vec()).ok()
}

fn seal_check(key: &LessSafeKey, rng: &SystemRandom) -> Result<String> {
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill(&mut nonce).map_err(|_| seal_error("no random bytes from the system"))?;
    let mut data = CHECK_TEXT.as_bytes().to_vec();
    key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(CHECK_PLACE), &mut data)
        .map_err(|_| seal_error("sealing failed"))?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&data);
    Ok(URL_SAFE_NO_PAD.encode(out))
}

fn verify(key: &LessSafeKey, check: &str) -> std::result::Result<(), String> {
    match open_with(key, CHECK_PLACE, check) {
        Some(text) if text == CHECK_TEXT => Ok(()),
        _ => Err("the key file there is not this database's key".into()),
    }
}

/// Argon2id parameters for a passphrase-protected key file: OWASP's first recommendation
/// (19 MiB, 2 passes, 1 lane), about 50 ms here — once per start.
const ARGON2_M_KIB: u32 = 19 * 1024;
const ARGON2_T: u32 = 2;
const ARGON2_P: u32 = 1;

fn derive(passphrase: &str, salt: &[u8], m: u32, t: u32, p: u32) -> std::result::Result<[u8; KEY_LEN], String> {
    let params = argon2::Params::new(m, t, p, Some(KEY_LEN)).map_err(|e| format!("bad argon2 parameters ({e})"))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut out = [0u8; KEY_LEN];
    argon.hash_password_into(passphrase.as_bytes(), salt, &mut out).map_err(|e| format!("argon2 failed ({e})"))?;
    Ok(out)
}

/// The key file's text: the key itself, or the key sealed under a key derived from a passphrase.
fn key_file_text(raw: &[u8], passphrase: Option<&str>, rng: &SystemRandom) -> Result<String> {
    let Some(passphrase) = passphrase else {
        return Ok(format!("{KEY_FILE_HEADER}\nkey: {}\n", STANDARD.encode(raw)));
    };
    let mut salt = [0u8; 16];
    rng.fill(&mut salt).map_err(|_| seal_error("no random bytes from the system"))?;
    let wrapping = derive(passphrase, &salt, ARGON2_M_KIB, ARGON2_T, ARGON2_P).map_err(|e| seal_error(&e))?;
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill(&mut nonce).map_err(|_| seal_error("no random bytes from the system"))?;
    let mut data = raw.to_vec();
    aead_key(&wrapping)?
        .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(KEY_FILE_HEADER), &mut data)
        .map_err(|_| seal_error("sealing the key failed"))?;
    let mut sealed = nonce.to_vec();
    sealed.extend_from_slice(&data);
    Ok(format!(
        "{KEY_FILE_HEADER}\nargon2id: m={ARGON2_M_KIB} t={ARGON2_T} p={ARGON2_P} salt={}\nsealed-key: {}\n",
        STANDARD.encode(salt),
        STANDARD.encode(sealed)
    ))
}

fn parse_key_file(text: &str, passphrase: &dyn Fn() -> Option<String>) -> std::result::Result<Vec<u8>, String> {
    let mut lines = text.lines();
    if lines.next().map(str::trim) != Some(KEY_FILE_HEADER) {
        return Err("not an authdeck key file".into());
    }
    let fields: HashMap<&str, &str> =
        lines.filter_map(|l| l.split_once(": ")).map(|(k, v)| (k.trim(), v.trim())).collect();
    if let Some(key) = fields.get("key") {
        return STANDARD.decode(key).map_err(|_| "the key in it is damaged".into());
    }
    let (Some(kdf), Some(sealed)) = (fields.get("argon2id"), fields.get("sealed-key")) else {
        return Err("it holds no key".into());
    };
    let param = |name: &str| {
        kdf.split_whitespace().find_map(|p| p.strip_prefix(name).and_then(|v| v.strip_prefix('='))).map(str::to_owned)
    };
    let number = |name: &str| param(name).and_then(|v| v.parse::<u32>().ok()).ok_or("its argon2id line is damaged");
    let (m, t, p) = (number("m")?, number("t")?, number("p")?);
    let salt = param("salt").and_then(|s| STANDARD.decode(s).ok()).ok_or("its argon2id line is damaged")?;
    let passphrase = passphrase().ok_or(
        "it is protected by a passphrase: set AUTHDECK_PASSPHRASE (or run authdeck in a terminal to be asked)",
    )?;
    let wrapping = derive(&passphrase, &salt, m, t, p)?;
    let sealed = STANDARD.decode(sealed).map_err(|_| "the sealed key in it is damaged")?;
    if sealed.len() < NONCE_LEN {
        return Err("the sealed key in it is damaged".into());
    }
    let (nonce, data) = sealed.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| "the sealed key in it is damaged")?;
    let mut data = data.to_vec();
    let key = aead_key(&wrapping).map_err(|e| e.to_string())?;
    let raw = key
        .open_in_place(nonce, Aad::from(KEY_FILE_HEADER), &mut data)
        .map_err(|_| "the passphrase is not the one it was protected with")?;
    Ok(raw.to_vec())
}

fn write_key_file(dir: &Path, id: &str, raw: &[u8], passphrase: Option<&str>, rng: &SystemRandom) -> Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|source| StoreError::CreateDir { dir: dir.to_owned(), source })?;
    write_key_file_at(&dir.join(format!("{id}.key")), raw, passphrase, rng)
}

fn write_key_file_at(path: &Path, raw: &[u8], passphrase: Option<&str>, rng: &SystemRandom) -> Result<()> {
    let text = key_file_text(raw, passphrase, rng)?;
    let open_error = |source| StoreError::Open { path: path.to_owned(), source };
    let mut file = fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map_err(open_error)?;
    file.set_permissions(fs::Permissions::from_mode(0o600)).map_err(open_error)?;
    file.write_all(text.as_bytes()).and_then(|()| file.sync_all()).map_err(open_error)
}

/// The secret values of a database that aren't sealed yet (written before sealing), sealed in the
/// transaction `conn` is in. Returns how many were sealed.
pub fn seal_plaintext(conn: &Connection, vault: &mut Vault) -> Result<usize> {
    let mut sealed = 0;
    let like = format!("{SEALED_PREFIX}%");
    let connections: Vec<(i64, String, Option<String>, Option<String>)> = conn
        .prepare(
            "SELECT id, access_token, refresh_token, id_token FROM connections
             WHERE (access_token != '' AND access_token NOT LIKE ?1)
                OR (coalesce(refresh_token, '') != '' AND refresh_token NOT LIKE ?1)
                OR (coalesce(id_token, '') != '' AND id_token NOT LIKE ?1)",
        )?
        .query_map([&like], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, access, refresh, id_token) in connections {
        let access = seal_if_plain(conn, vault, Place::AccessToken, &access)?;
        let refresh = refresh.map(|r| seal_if_plain(conn, vault, Place::RefreshToken, &r)).transpose()?;
        let id_token = id_token.map(|t| seal_if_plain(conn, vault, Place::IdToken, &t)).transpose()?;
        conn.execute(
            "UPDATE connections SET access_token = ?2, refresh_token = ?3, id_token = ?4 WHERE id = ?1",
            params![id, access, refresh, id_token],
        )?;
        sealed += 1;
    }
    let configs: Vec<(i64, String)> = conn
        .prepare(
            "SELECT id, config FROM authorizations WHERE kind = 'oauth2'
             AND coalesce(json_extract(config, '$.client_secret'), '') != ''",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, config) in configs {
        let mut value: serde_json::Value = serde_json::from_str(&config)
            .map_err(|e| StoreError::Corrupt(format!("authorization {id} has unreadable fields: {e}")))?;
        seal_config_secret(conn, vault, &mut value)?;
        conn.execute("UPDATE authorizations SET config = ?2 WHERE id = ?1", params![id, value.to_string()])?;
        sealed += 1;
    }
    Ok(sealed)
}

fn seal_if_plain(conn: &Connection, vault: &mut Vault, place: Place, value: &str) -> Result<String> {
    if value.is_empty() || value.starts_with(SEALED_PREFIX) {
        return Ok(value.to_owned());
    }
    vault.seal(conn, place, value)
}

/// The JSON field that holds an OAuth 2.0 configuration's sealed client secret; `client_secret`
/// itself is then stored empty.
pub const SEALED_SECRET_FIELD: &str = "client_secret_sealed";
/// The JSON field of a configuration's sealed private key (a pasted one: a key file's path is no
/// secret and stays as it is).
pub const SEALED_KEY_FIELD: &str = "client_key_sealed";

/// The secrets of an OAuth 2.0 configuration's JSON: the plain field, the field its sealed text
/// goes in, and its place.
const CONFIG_SECRETS: [(&str, &str, Place); 2] =
    [("client_secret", SEALED_SECRET_FIELD, Place::ClientSecret), ("client_key", SEALED_KEY_FIELD, Place::ClientKey)];

/// A private key field holds the key itself (PEM or a JWK), not the path of its file.
fn pasted_key(value: &str) -> bool {
    let value = value.trim();
    value.contains("-----BEGIN") || value.starts_with('{')
}

/// Moves a configuration JSON's plaintext secrets (`client_secret`, a pasted `client_key`) into
/// their sealed fields.
pub fn seal_config_secret(conn: &Connection, vault: &mut Vault, config: &mut serde_json::Value) -> Result<()> {
    let Some(map) = config.as_object_mut() else { return Ok(()) };
    for (field, sealed_field, place) in CONFIG_SECRETS {
        let plain = map.get(field).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
        if plain.is_empty() || (place == Place::ClientKey && !pasted_key(&plain)) {
            continue;
        }
        let sealed = vault.seal(conn, place, &plain)?;
        map.insert(field.into(), serde_json::Value::String(String::new()));
        map.insert(sealed_field.into(), serde_json::Value::String(sealed));
    }
    Ok(())
}

/// Takes a configuration JSON's sealed secrets out and opens them into their fields; the sealed
/// text of the first that can't be opened (it is kept, so a key found later still opens it).
pub fn open_config_secret(
    vault: &Vault,
    config: &mut serde_json::Value,
) -> std::result::Result<(), (String, Unreadable)> {
    let Some(map) = config.as_object_mut() else { return Ok(()) };
    let mut failed = None;
    for (field, sealed_field, place) in CONFIG_SECRETS {
        let Some(serde_json::Value::String(sealed)) = map.remove(sealed_field) else { continue };
        match vault.open(place, &sealed) {
            Ok(plain) => {
                map.insert(field.into(), serde_json::Value::String(plain));
            }
            Err(why) => {
                failed.get_or_insert((sealed, why));
            }
        }
    }
    failed.map_or(Ok(()), Err)
}

/// The sealed client secret stored in a configuration's JSON text, if any.
pub fn stored_sealed_secret(config_text: &str) -> Option<String> {
    stored_sealed(config_text, SEALED_SECRET_FIELD)
}

/// The sealed value of `sealed_field` in a configuration's JSON text, if any.
pub fn stored_sealed(config_text: &str, sealed_field: &str) -> Option<String> {
    if let Some(fields) = SealedFields::read(config_text) {
        match sealed_field {
            SEALED_SECRET_FIELD => return fields.secret,
            SEALED_KEY_FIELD => return fields.key,
            _ => {}
        }
    }
    let value: serde_json::Value = serde_json::from_str(config_text).ok()?;
    value.get(sealed_field)?.as_str().map(str::to_owned)
}

/// The sealed secrets of a configuration's JSON text, read straight from the text: every start
/// looks for them in every OAuth 2.0 row (and every list read opens them), and a
/// `serde_json::Value` of each row was much of the time to the first frame at 10,000 rows.
#[derive(Debug, Default, serde::Deserialize)]
pub struct SealedFields {
    #[serde(rename = "client_secret_sealed")]
    pub secret: Option<String>,
    #[serde(rename = "client_key_sealed")]
    pub key: Option<String>,
}

impl SealedFields {
    /// `None` when the direct read can't say what a `Value` would (not an object, a sealed
    /// field that isn't a string, a field named twice): the caller goes the general way then.
    pub fn read(config_text: &str) -> Option<SealedFields> {
        if !config_text.trim_start().starts_with('{') {
            return None;
        }
        // Neither name is in the text (not even spelled with \u escapes): nothing is sealed.
        if !config_text.contains("_sealed") && !config_text.contains("\\u") {
            return Some(SealedFields::default());
        }
        serde_json::from_str(config_text).ok()
    }
}

/// Whether the database has a key table row for this id (for messages).
pub fn knows_key(conn: &Connection, id: &str) -> Result<bool> {
    Ok(conn.query_row("SELECT 1 FROM seal_keys WHERE id = ?1", [id], |_| Ok(())).optional()?.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vault_with_table() -> (Connection, Vault, tempfile::TempDir) {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE seal_keys (id TEXT PRIMARY KEY, check_value TEXT NOT NULL, created_at TEXT NOT NULL);",
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        (conn, Vault::new(KeySource::dir(dir.path().join("keys"))), dir)
    }

    #[test]
    fn sealed_values_open_in_their_place_only() {
        let (conn, mut vault, dir) = vault_with_table();
        let sealed = vault.seal(&conn, Place::AccessToken, "at-secret-value").unwrap();
        assert!(sealed.starts_with(SEALED_PREFIX) && !sealed.contains("at-secret-value"));
        assert_eq!(vault.open(Place::AccessToken, &sealed).unwrap(), "at-secret-value");
        assert_eq!(vault.open(Place::RefreshToken, &sealed), Err(Unreadable::Damaged));
        assert_ne!(
            sealed,
            vault.seal(&conn, Place::AccessToken, "at-secret-value").unwrap(),
            "a fresh nonce each time"
        );
        // The key file is private, in a private folder.
        let id = Vault::key_of(&sealed).unwrap().to_owned();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir.path().join("keys")), 0o700);
        assert_eq!(mode(&dir.path().join(format!("keys/{id}.key"))), 0o600);

        // Another process on the same database and key folder opens it.
        let mut other = Vault::new(KeySource::dir(dir.path().join("keys")));
        other.load(&conn).unwrap();
        assert_eq!(other.open(Place::AccessToken, &sealed).unwrap(), "at-secret-value");
        // Without the key file it can't, and says which key is missing.
        fs::remove_file(dir.path().join(format!("keys/{id}.key"))).unwrap();
        let mut lost = Vault::new(KeySource::dir(dir.path().join("keys")));
        lost.load(&conn).unwrap();
        assert_eq!(lost.open(Place::AccessToken, &sealed), Err(Unreadable::MissingKey { key_id: id.clone() }));
        assert!(lost.missing_keys()[0].1.contains("there is no key file"), "{:?}", lost.missing_keys());
        // Plaintext from before sealing reads as it is.
        assert_eq!(lost.open(Place::AccessToken, "old-plain"), Ok("old-plain".into()));
    }

    #[test]
    fn a_passphrase_protects_the_key_file() {
        let (conn, vault, dir) = vault_with_table();
        let keys = dir.path().join("keys");
        let mut vault = Vault { source: KeySource::dir(&keys).protect_new_keys(Some("correct horse".into())), ..vault };
        let sealed = vault.seal(&conn, Place::ClientSecret, "cs-value").unwrap();
        let id = Vault::key_of(&sealed).unwrap();
        let text = fs::read_to_string(keys.join(format!("{id}.key"))).unwrap();
        assert!(text.contains("argon2id: m=19456 t=2 p=1") && !text.contains("\nkey: "), "{text}");

        let open_with_passphrase = |p: Option<&'static str>| {
            let mut source = KeySource::dir(&keys);
            source.passphrase = Box::new(move || p.map(str::to_owned));
            let mut v = Vault::new(source);
            v.load(&conn).unwrap();
            v
        };
        assert_eq!(open_with_passphrase(Some("correct horse")).open(Place::ClientSecret, &sealed).unwrap(), "cs-value");
        let wrong = open_with_passphrase(Some("wrong"));
        assert!(wrong.missing_keys()[0].1.contains("not the one it was protected with"), "{:?}", wrong.missing_keys());
        let none = open_with_passphrase(None);
        assert!(none.missing_keys()[0].1.contains("AUTHDECK_PASSPHRASE"), "{:?}", none.missing_keys());
    }
}
