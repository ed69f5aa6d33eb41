-- Texts to a line's number: a conversation is a row of the call log whose medium is 'text',
-- with its texts (JSON, like attempts). Existing rows are phone calls.
ALTER TABLE calls ADD COLUMN medium TEXT NOT NULL DEFAULT 'voice';
ALTER TABLE calls ADD COLUMN texts TEXT NOT NULL DEFAULT '[]';
-- A sender's latest conversation on a line, and a line's recent conversations.
CREATE INDEX calls_text_conversations ON calls (line_id, medium, caller_number, started_at);
