-- Accounts: a user with a password can log in, with a role. Sessions, failed logins and the
-- first-run setup link are kept here so that every instance shares them.
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'member';
-- Argon2id in PHC string form; NULL: this user cannot log in with a password.
ALTER TABLE users ADD COLUMN password_hash TEXT;

CREATE TABLE sessions (
    -- SHA-256 of the cookie's value; the value itself is never stored.
    id_hash       TEXT    PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf          TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- One row per failed login, under each key it counts against (account, address).
CREATE TABLE login_failures (
    key  TEXT    NOT NULL,
    at   INTEGER NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (key, at);

CREATE TABLE setup_links (
    hash        TEXT    PRIMARY KEY,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);

-- One row that setting up the first owner locks, so that setups running at once take turns.
CREATE TABLE owner_setup (id INTEGER PRIMARY KEY CHECK (id = 1));
INSERT INTO owner_setup (id) VALUES (1);
