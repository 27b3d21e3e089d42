-- Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
--
-- The dashboard's log-in sessions (worker/web/web.c).  The cookie holds
-- a random key; the table holds only its SHA-256, so that a copy of the
-- database gives no one a session.  A session is replaced by a fresh
-- key at every log-in and deleted at log-out; rows past `expires` are
-- never accepted and are deleted by the next log-in.

CREATE TABLE hcd_session (
	key_hash	char(64) PRIMARY KEY,
	user_id		integer NOT NULL
			    REFERENCES auth_user (id) ON DELETE CASCADE,
	created		timestamptz NOT NULL DEFAULT now(),
	expires		timestamptz NOT NULL
);
CREATE INDEX hcd_session_user_id ON hcd_session (user_id);
CREATE INDEX hcd_session_expires ON hcd_session (expires);
