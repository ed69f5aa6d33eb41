-- Calls played by the dashboard's simulator: no phone rang, no alert, no audio fetched.
ALTER TABLE calls ADD COLUMN simulated BOOLEAN NOT NULL DEFAULT FALSE;
