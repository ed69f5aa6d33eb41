-- Switchboard's first schema (PostgreSQL). Same tables, columns and meaning as
-- migrations/sqlite/0001_initial.sql: times are Unix milliseconds (BIGINT), JSON columns are
-- TEXT holding values only ever read and written whole.

CREATE TABLE users (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT    NOT NULL,
    email       TEXT    NOT NULL UNIQUE,
    phone       TEXT,
    time_zone   TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL
);

-- Lines are soft-deleted: their calls, which reference them, must survive.
CREATE TABLE lines (
    id                  BIGSERIAL PRIMARY KEY,
    name                TEXT     NOT NULL,
    number              TEXT     NOT NULL,
    provider            TEXT     NOT NULL,
    webhook_token       TEXT     NOT NULL UNIQUE,
    auth_token          TEXT,
    routing             TEXT     NOT NULL,
    messages            TEXT     NOT NULL,
    recording           BOOLEAN  NOT NULL,
    voicemail_max_secs  BIGINT   NOT NULL,
    test_mode_user      BIGINT,
    test_mode_until     BIGINT,
    created_at          BIGINT   NOT NULL,
    deleted_at          BIGINT
);
CREATE UNIQUE INDEX lines_number_live ON lines (number) WHERE deleted_at IS NULL;

CREATE TABLE calls (
    id                BIGSERIAL PRIMARY KEY,
    line_id           BIGINT   NOT NULL REFERENCES lines (id),
    provider          TEXT     NOT NULL,
    provider_call_id  TEXT     NOT NULL,
    account_id        TEXT,
    caller            TEXT     NOT NULL,
    caller_number     TEXT     NOT NULL,
    started_at        BIGINT   NOT NULL,
    ended_at          BIGINT,
    duration_secs     BIGINT,
    plan              TEXT     NOT NULL,
    phase             TEXT     NOT NULL,
    outcome           TEXT     NOT NULL,
    answered_by       BIGINT,
    attempts          TEXT     NOT NULL,
    test_call         BOOLEAN  NOT NULL,
    archived          BOOLEAN  NOT NULL DEFAULT FALSE,
    -- Optimistic concurrency: every save checks and bumps it.
    version           BIGINT   NOT NULL DEFAULT 0,
    -- A provider retrying the first webhook must not create a second call.
    UNIQUE (line_id, provider_call_id)
);
CREATE INDEX calls_line_started ON calls (line_id, id DESC);

CREATE TABLE call_events (
    id       BIGSERIAL PRIMARY KEY,
    call_id  BIGINT  NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    at       BIGINT  NOT NULL,
    kind     TEXT    NOT NULL,
    message  TEXT    NOT NULL
);
CREATE INDEX call_events_call ON call_events (call_id, id);

CREATE TABLE recordings (
    id                     BIGSERIAL PRIMARY KEY,
    call_id                BIGINT  NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    kind                   TEXT    NOT NULL,
    provider_recording_id  TEXT    NOT NULL,
    provider_url           TEXT    NOT NULL,
    duration_secs          BIGINT,
    status                 TEXT    NOT NULL,
    local_path             TEXT,
    created_at             BIGINT  NOT NULL,
    UNIQUE (call_id, provider_recording_id)
);

CREATE TABLE api_tokens (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT    NOT NULL,
    -- SHA-256 of the token; the token itself is shown once and never stored.
    hash        TEXT    NOT NULL UNIQUE,
    created_at  BIGINT  NOT NULL
);

-- Background work. Claimed with FOR UPDATE SKIP LOCKED plus a lease (locked_until), so
-- several instances never run one job at once, and a dead worker's job comes back.
CREATE TABLE jobs (
    id            BIGSERIAL PRIMARY KEY,
    kind          TEXT    NOT NULL,
    payload       TEXT    NOT NULL,
    status        TEXT    NOT NULL DEFAULT 'queued',
    run_at        BIGINT  NOT NULL,
    locked_until  BIGINT,
    attempts      BIGINT  NOT NULL DEFAULT 0,
    last_error    TEXT,
    created_at    BIGINT  NOT NULL
);
CREATE INDEX jobs_due ON jobs (status, run_at);
