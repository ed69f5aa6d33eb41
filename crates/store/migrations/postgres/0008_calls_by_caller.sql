-- Flood protection counts a caller's recent calls on the incoming-call webhook; without this
-- index that count scans every call of the line.
CREATE INDEX calls_line_caller ON calls (line_id, caller_number, started_at);
