-- Chat channels (Slack or Microsoft Teams incoming webhooks) and which lines alert them.
-- The webhook URL is the channel's secret.
CREATE TABLE channels (
    id           BIGSERIAL PRIMARY KEY,
    name         TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    webhook_url  TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL
);

-- A line's channels, as a JSON list of channel ids (read and written with the line).
ALTER TABLE lines ADD COLUMN channels TEXT NOT NULL DEFAULT '[]';

-- Jobs about a call (its alerts) name it, so the call log can show their delivery.
ALTER TABLE jobs ADD COLUMN call_id BIGINT;
CREATE INDEX jobs_call ON jobs (call_id);
