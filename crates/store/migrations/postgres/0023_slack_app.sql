-- Slack app channels: the Slack channel, the bot token and the signing secret (the API
-- never shows the secrets once set), and the message each call's alert became, so the end
-- of the call updates it in place. A person's Slack user id, so a button press in Slack is
-- theirs.
ALTER TABLE channels ADD COLUMN slack_channel TEXT;
ALTER TABLE channels ADD COLUMN bot_token TEXT;
ALTER TABLE channels ADD COLUMN signing_secret TEXT;
ALTER TABLE users ADD COLUMN slack_user_id TEXT;
CREATE UNIQUE INDEX users_slack ON users (slack_user_id);

CREATE TABLE slack_messages (
    channel_id     BIGINT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    call_id        BIGINT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    slack_channel  TEXT   NOT NULL,
    ts             TEXT   NOT NULL,
    PRIMARY KEY (channel_id, call_id)
);
