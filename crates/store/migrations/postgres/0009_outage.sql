-- One row the readiness check rewrites: proves the store can take a write, not only answer.
CREATE TABLE store_health (id INTEGER PRIMARY KEY CHECK (id = 1), checked_at BIGINT NOT NULL);
INSERT INTO store_health (id, checked_at) VALUES (1, 0);

-- Why Switchboard fell back to its apology and voicemail during a call, when it did.
ALTER TABLE calls ADD COLUMN failsafe TEXT;
