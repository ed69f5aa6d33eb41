-- Lines being set up on the dashboard, one step at a time: the person's draft (JSON) and,
-- from the step that connects the provider on, the line it became.
CREATE TABLE line_drafts (
    id          INTEGER PRIMARY KEY,
    user_id     BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    data        TEXT    NOT NULL,
    line_id     BIGINT  REFERENCES lines (id),
    created_at  BIGINT  NOT NULL
);
