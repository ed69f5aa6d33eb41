-- The hash (Argon2id, PHC string) of the PIN a responder calls back as a hotline with.
ALTER TABLE users ADD COLUMN callback_pin TEXT;
