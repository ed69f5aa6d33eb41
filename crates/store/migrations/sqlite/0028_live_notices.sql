-- Per chat channel: post a short "ringing now" notice when a call starts (the full alert
-- still follows when it ends). Slack app channels always post it and update it in place.
ALTER TABLE channels ADD COLUMN live_notices BOOLEAN NOT NULL DEFAULT FALSE;
