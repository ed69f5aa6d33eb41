-- Removals ("nobody from this schedule between…") and temporary schedules (a span whose
-- layers replace all the others), as JSON lists like layers and overrides.
ALTER TABLE schedules ADD COLUMN removals TEXT NOT NULL DEFAULT '[]';
ALTER TABLE schedules ADD COLUMN temporary TEXT NOT NULL DEFAULT '[]';
