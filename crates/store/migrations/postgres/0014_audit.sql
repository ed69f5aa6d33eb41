-- The audit trail: appended to, never changed. The actor's user id is kept without a foreign
-- key, so an entry outlives the account it names.
CREATE TABLE audit_events (
    id             BIGSERIAL PRIMARY KEY,
    at             BIGINT  NOT NULL,
    actor_user_id  BIGINT,
    actor          TEXT    NOT NULL,
    address        TEXT,
    action         TEXT    NOT NULL,
    target         TEXT,
    status         BIGINT  NOT NULL,
    before_state   TEXT,
    after_state    TEXT
);
CREATE INDEX audit_events_at ON audit_events (at);
CREATE INDEX audit_events_target ON audit_events (target);
