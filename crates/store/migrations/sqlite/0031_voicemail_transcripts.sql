-- A voicemail's transcript as it stands (JSON: state transcribing / done / failed, with the
-- note, text or reason), and on its call the words alone, for the call list's search without
-- a subquery per call.
ALTER TABLE recordings ADD COLUMN transcript TEXT;
ALTER TABLE calls ADD COLUMN transcript_text TEXT;
