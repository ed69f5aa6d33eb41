-- A line's caller menu (JSON: prompt, options with their own routing, default key), or null.
ALTER TABLE lines ADD COLUMN menu TEXT;
