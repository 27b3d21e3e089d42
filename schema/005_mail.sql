-- Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
--
-- The system mail queue: e-mails hcd itself sends to a person (log-in
-- links, sign-up, password reset), not to a channel.  The dashboard
-- (worker/web/web_auth.c) inserts a row when EMAIL_HOST is set; only
-- the notifier connects outward, so it sends them (alerter/notify/
-- outbox.c claims them, engine.c's SMTP transport sends them).  A
-- notifier claims due rows with FOR UPDATE SKIP LOCKED and a lease
-- (lease_owner, lease_until), as hcd_outbox's rows.
--
-- status: 'pending' (to send, or to retry at next_attempt), 'sent',
-- 'failed' (final: a permanent SMTP error, or NOTIFY_RETRY_WINDOW ran
-- out).  Once a row is sent or failed its body (body_text, body_html)
-- is emptied: a log-in link is a credential.  Sent rows are deleted a
-- day after they were made, failed ones after a week.

CREATE TABLE hcd_mail (
	id		bigserial PRIMARY KEY,
	code		uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
	recipient	varchar(254) NOT NULL,
	subject		text NOT NULL,
	body_text	text NOT NULL,
	body_html	text NULL,
	created		timestamptz NOT NULL DEFAULT now(),
	status		varchar(8) NOT NULL DEFAULT 'pending',
	attempts	integer NOT NULL DEFAULT 0,
	next_attempt	timestamptz NOT NULL DEFAULT now(),
	lease_owner	text NULL,
	lease_until	timestamptz NULL,
	last_attempt	timestamptz NULL,
	last_error	varchar(200) NOT NULL DEFAULT '',
	CONSTRAINT hcd_mail_status_check
	    CHECK (status IN ('pending', 'sent', 'failed'))
);
CREATE INDEX hcd_mail_due ON hcd_mail (next_attempt)
    WHERE status = 'pending';
CREATE INDEX hcd_mail_created ON hcd_mail (created);

-- Wake the notifiers, as for a new hcd_outbox row (004).
CREATE TRIGGER hcd_mail_wake AFTER INSERT ON hcd_mail
    FOR EACH ROW EXECUTE FUNCTION hcd_outbox_wake();
