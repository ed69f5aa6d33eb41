-- The hash (Argon2id, PHC string) of the PIN a responder calls back as a hotline with.
ALTER TABLE users ADD COLUMN callback_pin TEXT;
-- Every incoming call asks whether its caller is such a responder: only they are looked at.
CREATE INDEX users_with_callback_pin ON users (id) WHERE callback_pin IS NOT NULL;
