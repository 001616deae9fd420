//! Settings of one database: small values kept by key (the app used last).

use rusqlite::{OptionalExtension, params};

use super::{Result, Store};

/// The key of the app shown last, so the next start opens it.
pub const LAST_APP: &str = "last_app";

impl Store {
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self.conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }

    pub fn set_setting(&mut self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = ?2",
            params![key, value],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_kept_by_key() {
        let mut store = Store::open_in_memory().unwrap();
        assert_eq!(store.setting(LAST_APP).unwrap(), None);
        store.set_setting(LAST_APP, "3").unwrap();
        store.set_setting(LAST_APP, "4").unwrap();
        assert_eq!(store.setting(LAST_APP).unwrap().as_deref(), Some("4"));
    }
}
