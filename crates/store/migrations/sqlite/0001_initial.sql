-- Switchboard's first schema (SQLite). Times are Unix milliseconds (INTEGER) so both
-- backends store them identically; JSON columns hold values that are only ever read and
-- written whole (a line's routing and messages, a call's plan and attempts).

CREATE TABLE users (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    email       TEXT    NOT NULL UNIQUE,
    phone       TEXT,
    time_zone   TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);

-- Lines are soft-deleted: their calls, which reference them, must survive.
CREATE TABLE lines (
    id                  INTEGER PRIMARY KEY,
    name                TEXT    NOT NULL,
    number              TEXT    NOT NULL,
    provider            TEXT    NOT NULL,
    webhook_token       TEXT    NOT NULL UNIQUE,
    auth_token          TEXT,
    routing             TEXT    NOT NULL,
    messages            TEXT    NOT NULL,
    recording           INTEGER NOT NULL,
    voicemail_max_secs  INTEGER NOT NULL,
    test_mode_user      INTEGER,
    test_mode_until     INTEGER,
    created_at          INTEGER NOT NULL,
    deleted_at          INTEGER
);
-- One live line per number; a deleted line's number may be reused.
CREATE UNIQUE INDEX lines_number_live ON lines (number) WHERE deleted_at IS NULL;

CREATE TABLE calls (
    id                INTEGER PRIMARY KEY,
    line_id           INTEGER NOT NULL REFERENCES lines (id),
    provider          TEXT    NOT NULL,
    provider_call_id  TEXT    NOT NULL,
    account_id        TEXT,
    caller            TEXT    NOT NULL,
    caller_number     TEXT    NOT NULL,
    started_at        INTEGER NOT NULL,
    ended_at          INTEGER,
    duration_secs     INTEGER,
    plan              TEXT    NOT NULL,
    phase             TEXT    NOT NULL,
    outcome           TEXT    NOT NULL,
    answered_by       INTEGER,
    attempts          TEXT    NOT NULL,
    test_call         INTEGER NOT NULL,
    archived          INTEGER NOT NULL DEFAULT 0,
    -- Optimistic concurrency: every save checks and bumps it.
    version           INTEGER NOT NULL DEFAULT 0,
    -- A provider retrying the first webhook must not create a second call.
    UNIQUE (line_id, provider_call_id)
);
CREATE INDEX calls_line_started ON calls (line_id, id DESC);

CREATE TABLE call_events (
    id       INTEGER PRIMARY KEY,
    call_id  INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    at       INTEGER NOT NULL,
    kind     TEXT    NOT NULL,
    message  TEXT    NOT NULL
);
CREATE INDEX call_events_call ON call_events (call_id, id);

CREATE TABLE recordings (
    id                     INTEGER PRIMARY KEY,
    call_id                INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    kind                   TEXT    NOT NULL,
    provider_recording_id  TEXT    NOT NULL,
    provider_url           TEXT    NOT NULL,
    duration_secs          INTEGER,
    status                 TEXT    NOT NULL,
    local_path             TEXT,
    created_at             INTEGER NOT NULL,
    UNIQUE (call_id, provider_recording_id)
);

CREATE TABLE api_tokens (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    -- SHA-256 of the token; the token itself is shown once and never stored.
    hash        TEXT    NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);

-- Background work (recording downloads, later chat alerts). A job is claimed by setting
-- locked_until; a worker that dies simply lets the lease run out.
CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY,
    kind          TEXT    NOT NULL,
    payload       TEXT    NOT NULL,
    status        TEXT    NOT NULL DEFAULT 'queued',
    run_at        INTEGER NOT NULL,
    locked_until  INTEGER,
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    created_at    INTEGER NOT NULL
);
CREATE INDEX jobs_due ON jobs (status, run_at);
