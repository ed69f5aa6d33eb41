-- Incidents: something being handled. The status only moves forward (triggered,
-- acknowledged, resolved); every change is a line of its timeline; calls are linked to them.
-- An incident outlives its team (then only admins see it) and its assignee.
CREATE TABLE incidents (
    id               INTEGER PRIMARY KEY,
    title            TEXT    NOT NULL,
    status           TEXT    NOT NULL,
    severity         TEXT    NOT NULL,
    team_id          BIGINT  REFERENCES teams (id) ON DELETE SET NULL,
    line_id          BIGINT  REFERENCES lines (id),
    caller_number    TEXT,
    assignee         BIGINT  REFERENCES users (id) ON DELETE SET NULL,
    created_at       BIGINT  NOT NULL,
    acknowledged_at  BIGINT,
    resolved_at      BIGINT,
    last_call_at     BIGINT,
    version          BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX incidents_created ON incidents (created_at);
-- A repeat caller's open incident, found in the transaction that saves their call.
CREATE INDEX incidents_caller ON incidents (line_id, caller_number, status);

CREATE TABLE incident_calls (
    incident_id  BIGINT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    call_id      BIGINT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    PRIMARY KEY (incident_id, call_id)
);
CREATE INDEX incident_calls_call ON incident_calls (call_id);

CREATE TABLE incident_events (
    id             INTEGER PRIMARY KEY,
    incident_id    BIGINT  NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    at             BIGINT  NOT NULL,
    actor_user_id  BIGINT,
    actor          TEXT    NOT NULL,
    kind           TEXT    NOT NULL,
    message        TEXT    NOT NULL
);
CREATE INDEX incident_events_incident ON incident_events (incident_id, id);

-- Which of a line's calls open incidents by themselves (core::incident::auto::IncidentPolicy).
ALTER TABLE lines ADD COLUMN incident_policy TEXT;
