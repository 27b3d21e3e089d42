-- Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
--
-- The notification outbox (alerter/notify/outbox.c).  A flip still
-- pending (api_flip.processed NULL) becomes one hcd_outbox row per
-- selected channel in the transaction that sets processed, so a crash
-- never loses a flip's alerts and two notifiers never both take one.
-- A notifier claims due rows with FOR UPDATE SKIP LOCKED and a lease
-- (lease_owner, lease_until); a row whose lease ran out (its notifier
-- died) is claimed again and sent with the same code, the UUID the
-- receiver sees (X-Healthchecks-Notification on webhooks) and the code
-- of its api_notification row.
--
-- status: 'pending' (to send, or to retry at next_attempt), 'sent',
-- 'failed' (final: a permanent error, or retries ran out).  check_id
-- NULL: a test notification (hcctl channel test).  Rows that are done
-- are deleted a week after they were made.

CREATE TABLE hcd_outbox (
	id		bigserial PRIMARY KEY,
	code		uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
	channel_id	integer NOT NULL
			    REFERENCES api_channel (id) ON DELETE CASCADE,
	check_id	integer NULL
			    REFERENCES api_check (id) ON DELETE CASCADE,
	flip_id		integer NULL
			    REFERENCES api_flip (id) ON DELETE SET NULL,
	check_status	varchar(6) NOT NULL,
	old_status	varchar(8) NOT NULL DEFAULT '',
	reason		varchar(8) NOT NULL DEFAULT '',
	flip_time	timestamptz NOT NULL DEFAULT now(),
	status		varchar(8) NOT NULL DEFAULT 'pending',
	attempts	integer NOT NULL DEFAULT 0,
	next_attempt	timestamptz NOT NULL DEFAULT now(),
	lease_owner	text NULL,
	lease_until	timestamptz NULL,
	last_attempt	timestamptz NULL,
	last_error	varchar(200) NOT NULL DEFAULT '',
	created		timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT hcd_outbox_status_check
	    CHECK (status IN ('pending', 'sent', 'failed'))
);
-- What a claim reads: the due pending rows, oldest first.
CREATE INDEX hcd_outbox_due ON hcd_outbox (next_attempt)
    WHERE status = 'pending';
CREATE INDEX hcd_outbox_channel ON hcd_outbox (channel_id);
CREATE INDEX hcd_outbox_check ON hcd_outbox (check_id);
CREATE INDEX hcd_outbox_created ON hcd_outbox (created);

-- Wake the notifiers (of every node) when there is something to do: a
-- flip to process or a row to send.  Once per row inserted (PostgreSQL
-- folds equal payloads of one transaction into one), not per statement:
-- a statement trigger fires for an INSERT of no rows too, and the batch
-- writer's every statement inserts into api_flip only the flips it
-- found, mostly none; waking the notifiers for each cost PostgreSQL
-- four transactions per batch and the ping path a fifth of its rate.
CREATE FUNCTION hcd_outbox_wake() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('hcd_outbox', '');
	RETURN NULL;
END $$;

CREATE TRIGGER api_flip_wake AFTER INSERT ON api_flip
    FOR EACH ROW EXECUTE FUNCTION hcd_outbox_wake();
CREATE TRIGGER hcd_outbox_wake AFTER INSERT ON hcd_outbox
    FOR EACH ROW EXECUTE FUNCTION hcd_outbox_wake();
