-- Caller rules per line: blocked numbers (or prefixes ending in *), numbers exempt from flood
-- protection, and the flood limit (at most `flood_calls` calls from one number within
-- `flood_window_secs`; NULL when off). JSON lists, read and written with the line.
ALTER TABLE lines ADD COLUMN blocked_callers TEXT NOT NULL DEFAULT '[]';
ALTER TABLE lines ADD COLUMN allowed_callers TEXT NOT NULL DEFAULT '[]';
ALTER TABLE lines ADD COLUMN flood_calls BIGINT;
ALTER TABLE lines ADD COLUMN flood_window_secs BIGINT;
