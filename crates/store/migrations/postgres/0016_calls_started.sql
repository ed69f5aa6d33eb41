-- Charts count the calls since a day: by when they started, without reading every call.
CREATE INDEX calls_started ON calls (started_at);
