-- The tools a team already uses (PagerDuty, incident.io, Standard Webhooks receivers): each is
-- told every status change of the team's incidents. The secret is the routing key, the
-- alert source's token or the signing secret; it is never shown again after it is set.
CREATE TABLE integrations (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    url         TEXT    NOT NULL,
    secret      TEXT    NOT NULL,
    team_id     BIGINT  REFERENCES teams (id),
    created_at  BIGINT  NOT NULL
);
CREATE INDEX integrations_team ON integrations (team_id);

-- Jobs of one queue (one incident's events for one integration) run in the order queued.
ALTER TABLE jobs ADD COLUMN queue TEXT;
CREATE INDEX jobs_queue ON jobs (queue, id);
