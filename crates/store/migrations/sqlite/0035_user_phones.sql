-- A responder's numbers after their first (with labels), and whether a routing step rings
-- them one after another or all at once.
ALTER TABLE users ADD COLUMN other_phones TEXT NOT NULL DEFAULT '[]';
ALTER TABLE users ADD COLUMN ring_phones TEXT NOT NULL DEFAULT 'in_order';
