-- Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
--
-- A revision number on every check, so that the batch writer can keep
-- the checks it writes in memory instead of reading and locking them
-- for every batch (alerter/writer.c).
--
-- The writer stores hcd_rev + 1 with each update it makes, and only
-- where the row still has the revision it last saw.  Any other update
-- of a check (the API, the deadline pass, an operator in psql, another
-- node's writer) leaves hcd_rev as it was, and the trigger below bumps
-- it: the writer's next update of that row then finds a revision it
-- did not expect, its batch fails as a whole, and it reads the check
-- again.  Nothing has to remember to bump the number by hand.

ALTER TABLE api_check ADD COLUMN hcd_rev bigint NOT NULL DEFAULT 0;

CREATE FUNCTION hcd_check_rev() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	NEW.hcd_rev := OLD.hcd_rev + 1;
	RETURN NEW;
END
$$;
CREATE TRIGGER api_check_rev BEFORE UPDATE ON api_check
    FOR EACH ROW WHEN (NEW.hcd_rev = OLD.hcd_rev)
    EXECUTE FUNCTION hcd_check_rev();

-- Raised by the writer's statement when a row it meant to update had
-- changed, or when the batch before it did not commit: SQLSTATE HC409.
CREATE FUNCTION hcd_stale(why text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'hcd: %', why USING ERRCODE = 'HC409';
END
$$;
