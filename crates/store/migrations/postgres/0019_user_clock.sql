-- How the dashboard writes a person's times: '24h' (14:05) or '12h' (2:05 PM).
ALTER TABLE users ADD COLUMN clock TEXT NOT NULL DEFAULT '24h';
