-- On-call schedules. Layers and overrides are JSON documents read and written whole with
-- their schedule; feed_token is the secret in the schedule's iCalendar URL.
CREATE TABLE schedules (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    time_zone   TEXT    NOT NULL,
    layers      TEXT    NOT NULL,
    overrides   TEXT    NOT NULL,
    feed_token  TEXT    NOT NULL UNIQUE,
    created_at  BIGINT  NOT NULL,
    -- Optimistic concurrency: two people adding overrides at once must not lose one.
    version     BIGINT  NOT NULL DEFAULT 0
);

-- The secret in a user's personal iCalendar URL (set when first asked for).
ALTER TABLE users ADD COLUMN feed_token TEXT;
CREATE UNIQUE INDEX users_feed_token ON users (feed_token);
