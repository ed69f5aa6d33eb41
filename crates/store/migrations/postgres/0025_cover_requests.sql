-- Cover requests: someone asks another to take a span of their time on a schedule. Accepted,
-- the same transaction adds the override (which records whom it covers).
CREATE TABLE cover_requests (
    id           BIGSERIAL PRIMARY KEY,
    schedule_id  BIGINT  NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
    requester    BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    coverer      BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    start_at     BIGINT  NOT NULL,
    end_at       BIGINT  NOT NULL,
    note         TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    decided_at   BIGINT
);
CREATE INDEX cover_requests_schedule ON cover_requests (schedule_id, id);
