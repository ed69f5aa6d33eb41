-- What was actually on call, kept as it happened: appended as time passes (and before an
-- edit), never changed, so editing a layer later does not rewrite the past. `user_id` null
-- is a gap. `history_until` is where the record stops.
CREATE TABLE schedule_history (
    schedule_id  BIGINT NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
    start_at     BIGINT NOT NULL,
    end_at       BIGINT NOT NULL,
    user_id      BIGINT,
    source       TEXT,
    PRIMARY KEY (schedule_id, start_at)
);
ALTER TABLE schedules ADD COLUMN history_until BIGINT;
