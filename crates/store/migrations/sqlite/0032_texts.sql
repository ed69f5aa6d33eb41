-- Texts to a line's number: a conversation is a row of the call log whose medium is 'text',
-- with its texts (JSON, like attempts). Existing rows are phone calls.
ALTER TABLE calls ADD COLUMN medium TEXT NOT NULL DEFAULT 'voice';
ALTER TABLE calls ADD COLUMN texts TEXT NOT NULL DEFAULT '[]';
-- A line's recent conversations (a sender's are found through calls_line_caller). Partial:
-- a phone call's insert does not pay for it.
CREATE INDEX calls_text_conversations ON calls (line_id, started_at) WHERE medium = 'text';
