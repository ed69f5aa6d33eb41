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

-- Deferred to the commit: the counter's row is then locked last, when every other row the
-- transaction changes is already locked, so two changes touching several tables in different
-- orders cannot deadlock on it (an immediate trigger would lock it at the first statement).
CREATE CONSTRAINT TRIGGER lines_config_version AFTER INSERT OR UPDATE OR DELETE ON lines
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_config_version();
CREATE CONSTRAINT TRIGGER users_config_version AFTER INSERT OR UPDATE OR DELETE ON users
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_config_version();
CREATE CONSTRAINT TRIGGER schedules_config_version AFTER INSERT OR UPDATE OR DELETE ON schedules
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_config_version();

-- A call's caller is now matched against the users in memory.
DROP INDEX users_with_callback_pin;
