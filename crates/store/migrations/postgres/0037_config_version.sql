-- One number that changes whenever what routes a call changes: a line, a user or a schedule.
-- Instances keep lines, users and schedules in memory and ask only for this number per
-- webhook; a change made through any instance (or a command beside them) changes it in the
-- same transaction, so the next webhook anywhere reads the change.
CREATE TABLE config_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT  NOT NULL
);
INSERT INTO config_version (id, version) VALUES (1, 0);

CREATE FUNCTION bump_config_version() RETURNS trigger AS $$
BEGIN
    UPDATE config_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER lines_config_version AFTER INSERT OR UPDATE OR DELETE ON lines
    FOR EACH STATEMENT EXECUTE FUNCTION bump_config_version();
CREATE TRIGGER users_config_version AFTER INSERT OR UPDATE OR DELETE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION bump_config_version();
CREATE TRIGGER schedules_config_version AFTER INSERT OR UPDATE OR DELETE ON schedules
    FOR EACH STATEMENT EXECUTE FUNCTION bump_config_version();

-- A call's caller is now matched against the users in memory.
DROP INDEX users_with_callback_pin;
