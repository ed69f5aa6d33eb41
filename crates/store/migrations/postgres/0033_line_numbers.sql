-- A line may own more numbers than its own (regional numbers of a follow-the-sun hotline),
-- and show responders either the caller's number or the line's as the caller.
ALTER TABLE lines ADD COLUMN other_numbers TEXT NOT NULL DEFAULT '[]';
ALTER TABLE lines ADD COLUMN caller_id TEXT NOT NULL DEFAULT 'caller';
-- Every number of every live line, once: a number belongs to one line at a time.
CREATE TABLE line_numbers (
    number   TEXT   PRIMARY KEY,
    line_id  BIGINT NOT NULL REFERENCES lines (id)
);
INSERT INTO line_numbers (number, line_id) SELECT number, id FROM lines WHERE deleted_at IS NULL;
-- The line's number a call or text came to.
ALTER TABLE calls ADD COLUMN called TEXT NOT NULL DEFAULT '';
