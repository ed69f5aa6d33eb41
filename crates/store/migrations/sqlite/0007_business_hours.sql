-- Business hours per line (JSON: zone, open windows, what happens after hours); NULL when
-- the line is always open.
ALTER TABLE lines ADD COLUMN business_hours TEXT;
