//! The schema, built by append-only migrations: each entry runs once, in order, and
//! `PRAGMA user_version` records how many have run. Never edit a shipped entry; add a new one.

pub const MIGRATIONS: &[&str] = &[
    // 1: apps and their authorizations.
    "CREATE TABLE apps (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        description TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
    );
    CREATE TABLE authorizations (
        id INTEGER PRIMARY KEY,
        app_id INTEGER NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        config TEXT NOT NULL,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
        updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
        UNIQUE (app_id, name)
    );
    CREATE INDEX authorizations_app ON authorizations(app_id);",
    // 2: reusable endpoints, and the authorizations' references to them.
    "CREATE TABLE endpoints (
        id INTEGER PRIMARY KEY,
        app_id INTEGER NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        purpose TEXT NOT NULL,
        method TEXT NOT NULL,
        url TEXT NOT NULL,
        headers TEXT NOT NULL DEFAULT '',
        body_kind TEXT NOT NULL DEFAULT 'form',
        body TEXT NOT NULL DEFAULT '',
        mapping TEXT NOT NULL DEFAULT '{}',
        UNIQUE (app_id, name)
    );
    ALTER TABLE authorizations ADD COLUMN token_endpoint_id INTEGER REFERENCES endpoints(id) ON DELETE RESTRICT;
    ALTER TABLE authorizations ADD COLUMN userinfo_endpoint_id INTEGER REFERENCES endpoints(id) ON DELETE RESTRICT;",
    // 3: test runs (every test, its steps and outcome) and connections (the result of a successful one).
    "CREATE TABLE test_runs (
        id INTEGER PRIMARY KEY,
        authorization_id INTEGER NOT NULL REFERENCES authorizations(id) ON DELETE CASCADE,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        outcome TEXT NOT NULL,
        message TEXT NOT NULL DEFAULT '',
        steps TEXT NOT NULL DEFAULT '[]'
    );
    CREATE INDEX test_runs_authorization ON test_runs(authorization_id, id);
    CREATE TABLE connections (
        id INTEGER PRIMARY KEY,
        authorization_id INTEGER NOT NULL REFERENCES authorizations(id) ON DELETE CASCADE,
        access_token TEXT NOT NULL DEFAULT '',
        refresh_token TEXT,
        token_type TEXT,
        expires_at INTEGER,
        scopes TEXT NOT NULL DEFAULT '',
        user_id TEXT,
        user_name TEXT,
        user_email TEXT,
        tested_at TEXT NOT NULL
    );
    CREATE INDEX connections_authorization ON connections(authorization_id);",
    // 4: the grants and OpenID Connect: the authorizations' device authorization, revocation,
    // introspection and JWKS endpoints; the ID token, the grant and the status of a connection;
    // what a run was (a test, or a refresh, revocation or introspection of a connection).
    "ALTER TABLE authorizations ADD COLUMN device_endpoint_id INTEGER REFERENCES endpoints(id) ON DELETE RESTRICT;
    ALTER TABLE authorizations ADD COLUMN revocation_endpoint_id INTEGER REFERENCES endpoints(id) ON DELETE RESTRICT;
    ALTER TABLE authorizations ADD COLUMN introspection_endpoint_id INTEGER REFERENCES endpoints(id) ON DELETE RESTRICT;
    ALTER TABLE authorizations ADD COLUMN jwks_endpoint_id INTEGER REFERENCES endpoints(id) ON DELETE RESTRICT;
    ALTER TABLE connections ADD COLUMN id_token TEXT;
    ALTER TABLE connections ADD COLUMN grant_type TEXT;
    ALTER TABLE connections ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
    ALTER TABLE connections ADD COLUMN status_note TEXT NOT NULL DEFAULT '';
    ALTER TABLE test_runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'test';",
    // 5: the keys that seal the secrets (store/seal.rs): their ids and a sealed check value, never the keys.
    "CREATE TABLE seal_keys (
        id TEXT PRIMARY KEY,
        check_value TEXT NOT NULL,
        created_at TEXT NOT NULL
    );",
    // 6: what the provider said of the tokens' lifetimes: the refresh token's expiry and the issue time.
    "ALTER TABLE connections ADD COLUMN refresh_expires_at INTEGER;
    ALTER TABLE connections ADD COLUMN issued_at INTEGER;",
    // 7: the run context: an authorization's own refresh endpoint, and the values a connection kept.
    "ALTER TABLE authorizations ADD COLUMN refresh_endpoint_id INTEGER REFERENCES endpoints(id) ON DELETE RESTRICT;
    ALTER TABLE connections ADD COLUMN kept TEXT NOT NULL DEFAULT '[]';",
    // 8: a connection's DPoP key pair (RFC 9449), sealed, so a refresh proves the key its tokens are bound to.
    "ALTER TABLE connections ADD COLUMN dpop_key TEXT;",
    // 9: health checks (`authdeck check`): each check's result and drift, the fingerprints of
    // good runs (what the provider answered; the newest is what the next check compares with),
    // and the API-Key / Basic credentials a user chose to keep for checks (the secret sealed).
    "CREATE TABLE checks (
        id INTEGER PRIMARY KEY,
        authorization_id INTEGER NOT NULL REFERENCES authorizations(id) ON DELETE CASCADE,
        connection_id INTEGER REFERENCES connections(id) ON DELETE CASCADE,
        run_id INTEGER REFERENCES test_runs(id) ON DELETE SET NULL,
        checked_at TEXT NOT NULL,
        result TEXT NOT NULL,
        message TEXT NOT NULL DEFAULT '',
        drift TEXT NOT NULL DEFAULT '[]'
    );
    CREATE INDEX checks_authorization ON checks(authorization_id, id);
    CREATE TABLE fingerprints (
        id INTEGER PRIMARY KEY,
        authorization_id INTEGER NOT NULL REFERENCES authorizations(id) ON DELETE CASCADE,
        connection_id INTEGER REFERENCES connections(id) ON DELETE CASCADE,
        run_id INTEGER REFERENCES test_runs(id) ON DELETE SET NULL,
        taken_at TEXT NOT NULL,
        fingerprint TEXT NOT NULL
    );
    CREATE INDEX fingerprints_authorization ON fingerprints(authorization_id, connection_id, id);
    CREATE TABLE kept_credentials (
        authorization_id INTEGER PRIMARY KEY REFERENCES authorizations(id) ON DELETE CASCADE,
        username TEXT,
        secret TEXT NOT NULL,
        kept_at TEXT NOT NULL
    );",
    // 10: settings of this database (the app used last), and a connection's last failed refresh.
    "CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    ALTER TABLE connections ADD COLUMN refresh_error TEXT;",
];
