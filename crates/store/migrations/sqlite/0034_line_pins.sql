-- A line's PIN gate: the codes (each with whose it is) a caller must enter before anyone is
-- rung; none: no gate.
ALTER TABLE lines ADD COLUMN pins TEXT NOT NULL DEFAULT '[]';
