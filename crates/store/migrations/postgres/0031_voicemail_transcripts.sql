-- A voicemail's transcript as it stands (JSON: state transcribing / done / failed, with the
-- note, text or reason), and its words alone for the call list's search.
ALTER TABLE recordings ADD COLUMN transcript TEXT;
ALTER TABLE recordings ADD COLUMN transcript_text TEXT;
