-- Several people on call at once: `user_id` is the first, `others` the rest in order
-- (user ids separated by commas), null when one person or nobody was on call.
ALTER TABLE schedule_history ADD COLUMN others TEXT;
