-- One number that changes whenever what routes a call changes: a line, a user or a schedule.
-- Instances keep lines, users and schedules in memory and ask only for this number per
-- webhook; a change made through any instance (or a command beside them) changes it in the
-- same transaction, so the next webhook anywhere reads the change.
CREATE TABLE config_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO config_version (id, version) VALUES (1, 0);

CREATE TRIGGER lines_insert_config_version AFTER INSERT ON lines BEGIN
    UPDATE config_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER lines_update_config_version AFTER UPDATE ON lines BEGIN
    UPDATE config_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER lines_delete_config_version AFTER DELETE ON lines BEGIN
    UPDATE config_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER users_insert_config_version AFTER INSERT ON users BEGIN
    UPDATE config_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER users_update_config_version AFTER UPDATE ON users BEGIN
    UPDATE config_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER users_delete_config_version AFTER DELETE ON users BEGIN
    UPDATE config_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER schedules_insert_config_version AFTER INSERT ON schedules BEGIN
    UPDATE config_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER schedules_update_config_version AFTER UPDATE ON schedules BEGIN
    UPDATE config_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER schedules_delete_config_version AFTER DELETE ON schedules BEGIN
    UPDATE config_version SET version = version + 1 WHERE id = 1;
END;

-- A call's caller is now matched against the users in memory.
DROP INDEX users_with_callback_pin;
