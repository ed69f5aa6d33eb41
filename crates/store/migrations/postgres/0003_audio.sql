-- Uploaded audio messages. They live in the database (not in data_dir) so every instance can
-- serve them; the providers fetch them from /media/<token>, the token being the secret.
CREATE TABLE audio (
    token         TEXT    PRIMARY KEY,
    content_type  TEXT    NOT NULL,
    bytes         BYTEA    NOT NULL,
    created_at    BIGINT  NOT NULL
);
