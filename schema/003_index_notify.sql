-- Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
--
-- Index changes travel between nodes.  Every hcd node keeps its own copy
-- of the check index in shared memory (common/index.c); these triggers
-- announce on channel hcd_index every change of what that index holds,
-- whoever makes it (a node's API, hcctl, psql), and the alerter of each
-- node applies them (alerter/listen.c, index_apply_notify in
-- common/index_db.c).  PostgreSQL sends a notification when its
-- transaction commits, in commit order, and never for one that rolls
-- back.
--
-- Payloads, fields separated by one space:
--   c <n> <check id> <project id> <ping uuid> <slug>   check added or changed
--   d <n> <ping uuid>                                  check gone
--   p <n> <project id> <ping key>                      ping key added
--   q <n> <ping key>                                   ping key gone
--   r <n>                                              table truncated: reload all
-- The slug and the ping key are the rest of the payload (a slug may be
-- empty).  Both are short (at most 100 and 128 characters), so a payload
-- stays far below NOTIFY's limit of 8000 bytes.  A changed ping uuid is
-- "d" of the old one, then "c"; a changed ping key is "q", then "p".
--
-- <n> comes from hcd_index_event and makes every payload distinct: a
-- transaction that sends one payload twice has it delivered once, at
-- the place of the first, so that without it "c .. a", "c .. b",
-- "c .. a" (a slug changed and changed back) would arrive as "a", "b".
--
-- The batch writer updates every check it writes, in every batch, but
-- never sets code, slug or project_id, so the UPDATE OF trigger never
-- fires for its rows.  That trigger is BEFORE, not AFTER, for the same
-- statement's sake: the writer's rows go through BEFORE triggers anyway
-- (api_check_rev), while any AFTER ROW UPDATE trigger, fired or not,
-- makes PostgreSQL fetch every updated row's old version once more
-- (measured: 5 to 10% more time for an UPDATE of 5,000 rows shaped like
-- the writer's; the BEFORE trigger cost nothing measurable).  Queued in
-- a BEFORE trigger, the notification is still sent only if the
-- transaction commits, and no trigger on api_check skips a row or
-- changes these columns.

CREATE SEQUENCE hcd_index_event;

CREATE FUNCTION hcd_index_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND NEW.code <> OLD.code) THEN
		PERFORM pg_notify('hcd_index', 'd ' ||
		    nextval('hcd_index_event') || ' ' || OLD.code);
	END IF;
	IF TG_OP = 'DELETE' THEN
		RETURN OLD;
	END IF;
	PERFORM pg_notify('hcd_index', 'c ' || nextval('hcd_index_event') ||
	    ' ' || NEW.id || ' ' || NEW.project_id || ' ' || NEW.code || ' ' ||
	    NEW.slug);
	RETURN NEW;
END
$$;

CREATE TRIGGER api_check_index AFTER INSERT OR DELETE ON api_check
    FOR EACH ROW EXECUTE FUNCTION hcd_index_check();
CREATE TRIGGER api_check_index_key BEFORE UPDATE OF code, slug, project_id
    ON api_check FOR EACH ROW
    WHEN (OLD.code IS DISTINCT FROM NEW.code OR
	OLD.slug IS DISTINCT FROM NEW.slug OR
	OLD.project_id IS DISTINCT FROM NEW.project_id)
    EXECUTE FUNCTION hcd_index_check();

CREATE FUNCTION hcd_index_project() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP <> 'INSERT' AND coalesce(OLD.ping_key, '') <> '' THEN
		PERFORM pg_notify('hcd_index', 'q ' ||
		    nextval('hcd_index_event') || ' ' || OLD.ping_key);
	END IF;
	IF TG_OP <> 'DELETE' AND coalesce(NEW.ping_key, '') <> '' THEN
		PERFORM pg_notify('hcd_index', 'p ' ||
		    nextval('hcd_index_event') || ' ' || NEW.id || ' ' ||
		    NEW.ping_key);
	END IF;
	RETURN NULL;
END
$$;

CREATE TRIGGER accounts_project_index AFTER INSERT OR DELETE
    ON accounts_project FOR EACH ROW EXECUTE FUNCTION hcd_index_project();
CREATE TRIGGER accounts_project_index_key AFTER UPDATE OF ping_key
    ON accounts_project FOR EACH ROW
    WHEN (OLD.ping_key IS DISTINCT FROM NEW.ping_key)
    EXECUTE FUNCTION hcd_index_project();

CREATE FUNCTION hcd_index_reload() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('hcd_index', 'r ' || nextval('hcd_index_event'));
	RETURN NULL;
END
$$;

CREATE TRIGGER api_check_index_truncate AFTER TRUNCATE ON api_check
    FOR EACH STATEMENT EXECUTE FUNCTION hcd_index_reload();
CREATE TRIGGER accounts_project_index_truncate AFTER TRUNCATE
    ON accounts_project FOR EACH STATEMENT EXECUTE FUNCTION hcd_index_reload();
