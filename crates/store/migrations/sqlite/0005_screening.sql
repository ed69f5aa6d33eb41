-- Call screening per line: a responder must press 1 before the caller is connected.
ALTER TABLE lines ADD COLUMN screening BOOLEAN NOT NULL DEFAULT FALSE;
