-- Teams: they own lines, schedules and chat channels; their members act on those only.
-- A resource without a team is seen by admins and owners only. A team that still owns
-- something cannot be deleted (the store says what it owns).
CREATE TABLE teams (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    created_at  BIGINT  NOT NULL
);

CREATE TABLE team_members (
    team_id  BIGINT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id  BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id);

ALTER TABLE lines ADD COLUMN team_id BIGINT REFERENCES teams (id);
ALTER TABLE schedules ADD COLUMN team_id BIGINT REFERENCES teams (id);
ALTER TABLE channels ADD COLUMN team_id BIGINT REFERENCES teams (id);
CREATE INDEX lines_team ON lines (team_id);
