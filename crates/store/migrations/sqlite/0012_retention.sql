-- Per line, how many days our copies of recordings and voicemails are kept (NULL: for ever).
ALTER TABLE lines ADD COLUMN retention_days INTEGER;
CREATE INDEX recordings_created ON recordings (created_at);
