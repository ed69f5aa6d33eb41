-- The home page's chart counts a month of calls per day and outcome: with the columns it
-- reads in the index, the count never visits the calls themselves, for everyone
-- (calls_started) and for a member, whose calls are those of their teams' lines
-- (calls_line_day).
DROP INDEX calls_started;
CREATE INDEX calls_started ON calls (started_at, outcome, test_call, line_id);
CREATE INDEX calls_line_day ON calls (line_id, started_at, outcome, test_call);
