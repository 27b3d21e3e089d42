-- Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
--
-- hcd's first schema migration (PostgreSQL 13 or later).  Table and
-- column names, types and nullability follow the tables Healthchecks'
-- Django models produce, so a Healthchecks database can be read by hcd
-- and the other way round.  Defaults that Django keeps in Python are
-- SQL defaults here, so a short INSERT gives a usable row.  hcd's own
-- tables are prefixed hcd_.  db.c runs this file in one transaction
-- and records it in hcd_migration: no BEGIN/COMMIT in here.

-- Django's contrib.auth user.  username is a 30-char uuid4 prefix.
CREATE TABLE auth_user (
	id		serial PRIMARY KEY,
	password	varchar(128) NOT NULL DEFAULT '!',
	last_login	timestamptz NULL,
	is_superuser	boolean NOT NULL DEFAULT false,
	username	varchar(150) NOT NULL UNIQUE,
	first_name	varchar(150) NOT NULL DEFAULT '',
	last_name	varchar(150) NOT NULL DEFAULT '',
	email		varchar(254) NOT NULL DEFAULT '',
	is_staff	boolean NOT NULL DEFAULT false,
	is_active	boolean NOT NULL DEFAULT true,
	date_joined	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_user_username_like ON auth_user
    (username varchar_pattern_ops);
-- Healthchecks stores e-mail addresses lower-cased and one account per
-- address; the index makes that hold under concurrent sign-ups.
CREATE UNIQUE INDEX auth_user_email_unique ON auth_user (lower(email))
    WHERE email <> '';

CREATE TABLE accounts_profile (
	id			serial PRIMARY KEY,
	user_id			integer NOT NULL UNIQUE
				    REFERENCES auth_user (id) ON DELETE CASCADE,
	next_report_date	timestamptz NULL,
	reports			varchar(10) NOT NULL DEFAULT 'monthly',
	nag_period		interval NOT NULL DEFAULT '0',
	next_nag_date		timestamptz NULL,
	ping_log_limit		integer NOT NULL DEFAULT 100,
	check_limit		integer NOT NULL DEFAULT 20,
	token			varchar(128) NOT NULL DEFAULT '',
	last_sms_date		timestamptz NULL,
	sms_limit		integer NOT NULL DEFAULT 5,
	sms_sent		integer NOT NULL DEFAULT 0,
	last_call_date		timestamptz NULL,
	call_limit		integer NOT NULL DEFAULT 0,
	calls_sent		integer NOT NULL DEFAULT 0,
	sort			varchar(20) NOT NULL DEFAULT 'created',
	deletion_notice_date	timestamptz NULL,
	deletion_scheduled_date	timestamptz NULL,
	over_limit_date		timestamptz NULL,
	last_active_date	timestamptz NULL,
	tz			varchar(36) NOT NULL DEFAULT 'UTC',
	theme			varchar(10) NULL,
	totp			varchar(32) NULL,
	totp_created		timestamptz NULL
);
CREATE INDEX accounts_profile_next_report_date ON accounts_profile
    (next_report_date) WHERE next_report_date IS NOT NULL;
CREATE INDEX accounts_profile_next_nag_date ON accounts_profile
    (next_nag_date) WHERE next_nag_date IS NOT NULL;

-- api_key and api_key_readonly hold either a legacy 32-char plain key or
-- "<8 chars>.<64 hex>" (apikey.c); lookups are `= key` or
-- `LIKE '<8 chars>%'`, which need the pattern_ops indexes.
CREATE TABLE accounts_project (
	id			serial PRIMARY KEY,
	code			uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
	name			varchar(200) NOT NULL DEFAULT '',
	owner_id		integer NOT NULL
				    REFERENCES auth_user (id) ON DELETE CASCADE,
	api_key			varchar(128) NOT NULL DEFAULT '',
	api_key_readonly	varchar(128) NOT NULL DEFAULT '',
	badge_key		varchar(150) NOT NULL UNIQUE,
	ping_key		varchar(128) NULL UNIQUE,
	show_slugs		boolean NOT NULL DEFAULT false
);
CREATE INDEX accounts_project_owner_id ON accounts_project (owner_id);
CREATE INDEX accounts_project_api_key ON accounts_project (api_key);
CREATE INDEX accounts_project_api_key_like ON accounts_project
    (api_key varchar_pattern_ops);
CREATE INDEX accounts_project_api_key_readonly ON accounts_project
    (api_key_readonly);
CREATE INDEX accounts_project_api_key_readonly_like ON accounts_project
    (api_key_readonly varchar_pattern_ops);

CREATE TABLE accounts_member (
	id			serial PRIMARY KEY,
	user_id			integer NOT NULL
				    REFERENCES auth_user (id) ON DELETE CASCADE,
	project_id		integer NOT NULL
				    REFERENCES accounts_project (id) ON DELETE CASCADE,
	transfer_request_date	timestamptz NULL,
	role			varchar(1) NOT NULL DEFAULT 'w',
	CONSTRAINT accounts_member_no_duplicates UNIQUE (user_id, project_id)
);
CREATE INDEX accounts_member_project_id ON accounts_member (project_id);

-- WebAuthn credentials.
CREATE TABLE accounts_credential (
	id		serial PRIMARY KEY,
	code		uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
	name		varchar(100) NOT NULL,
	user_id		integer NOT NULL
			    REFERENCES auth_user (id) ON DELETE CASCADE,
	created		timestamptz NOT NULL DEFAULT now(),
	data		bytea NOT NULL
);
CREATE INDEX accounts_credential_user_id ON accounts_credential (user_id);

CREATE TABLE api_check (
	id			serial PRIMARY KEY,
	name			varchar(100) NOT NULL DEFAULT '',
	slug			varchar(100) NOT NULL DEFAULT '',
	tags			varchar(500) NOT NULL DEFAULT '',
	code			uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
	"desc"			text NOT NULL DEFAULT '',
	project_id		integer NOT NULL
				    REFERENCES accounts_project (id) ON DELETE CASCADE,
	created			timestamptz NOT NULL DEFAULT now(),
	kind			varchar(10) NOT NULL DEFAULT 'simple',
	timeout			interval NOT NULL DEFAULT '1 day',
	grace			interval NOT NULL DEFAULT '1 hour',
	schedule		varchar(100) NOT NULL DEFAULT '* * * * *',
	tz			varchar(36) NOT NULL DEFAULT 'UTC',
	filter_subject		boolean NOT NULL DEFAULT false,
	filter_body		boolean NOT NULL DEFAULT false,
	filter_http_body	boolean NOT NULL DEFAULT false,
	filter_default_fail	boolean NOT NULL DEFAULT false,
	start_kw		varchar(200) NOT NULL DEFAULT '',
	success_kw		varchar(200) NOT NULL DEFAULT '',
	failure_kw		varchar(200) NOT NULL DEFAULT '',
	methods			varchar(30) NOT NULL DEFAULT '',
	manual_resume		boolean NOT NULL DEFAULT false,
	badge_key		uuid NULL UNIQUE DEFAULT gen_random_uuid(),
	n_pings			integer NOT NULL DEFAULT 0,
	last_ping		timestamptz NULL,
	last_start		timestamptz NULL,
	last_start_rid		uuid NULL,
	last_duration		interval NULL,
	has_confirmation_link	boolean NOT NULL DEFAULT false,
	alert_after		timestamptz NULL,
	status			varchar(6) NOT NULL DEFAULT 'new'
);
-- Every batch of pings rewrites its checks' rows.  Room on each page lets
-- those updates be HOT (no new index entries) as long as no indexed
-- column changes; the writer keeps alert_after unchanged on a routine
-- ping for that reason (see alerter/writer.c).
ALTER TABLE api_check SET (fillfactor = 50);
CREATE INDEX api_check_project_id ON api_check (project_id);
CREATE INDEX api_check_aa_not_down ON api_check (alert_after)
    WHERE status <> 'down';
CREATE INDEX api_check_project_slug ON api_check (project_id, slug);

-- Pings are read per check, newest first, by n or by created; never
-- sort them by id (the pkey index would scan the whole table).
-- api_ping.owner_id has no foreign key: its per-row check would cost
-- the ping writer about a sixth of its database time, and the writer
-- already holds the check row locked while it inserts the check's pings.
-- Deleting a check still deletes its pings, by the trigger below.
CREATE TABLE api_ping (
	id		bigserial PRIMARY KEY,
	n		integer NULL,
	owner_id	integer NOT NULL,
	created		timestamptz NOT NULL DEFAULT now(),
	kind		varchar(6) NULL,
	scheme		varchar(10) NOT NULL DEFAULT 'http',
	remote_addr	inet NULL,
	method		varchar(10) NOT NULL DEFAULT '',
	ua		varchar(200) NOT NULL DEFAULT '',
	body		text NULL,
	body_raw	bytea NULL,
	object_size	integer NULL,
	exitstatus	smallint NULL,
	rid		uuid NULL
);
-- One index serves "a check's pings by n" and "by created" alike: the
-- writer numbers a check's pings in the order they arrived.
CREATE INDEX api_ping_owner_n ON api_ping (owner_id, n);

CREATE FUNCTION hcd_check_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM api_ping WHERE owner_id = OLD.id;
	RETURN OLD;
END
$$;
CREATE TRIGGER api_check_delete_pings AFTER DELETE ON api_check
    FOR EACH ROW EXECUTE FUNCTION hcd_check_deleted();

CREATE TABLE api_flip (
	id		serial PRIMARY KEY,
	owner_id	integer NOT NULL
			    REFERENCES api_check (id) ON DELETE CASCADE,
	created		timestamptz NOT NULL DEFAULT now(),
	processed	timestamptz NULL,
	old_status	varchar(8) NOT NULL,
	new_status	varchar(8) NOT NULL,
	reason		varchar(8) NOT NULL DEFAULT ''
);
CREATE INDEX api_flip_not_processed ON api_flip (processed)
    WHERE processed IS NULL;
CREATE INDEX api_flip_owner_created ON api_flip (owner_id, created);

CREATE TABLE api_channel (
	id			serial PRIMARY KEY,
	name			varchar(100) NOT NULL DEFAULT '',
	code			uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
	project_id		integer NOT NULL
				    REFERENCES accounts_project (id) ON DELETE CASCADE,
	created			timestamptz NOT NULL DEFAULT now(),
	kind			varchar(20) NOT NULL,
	value			text NOT NULL DEFAULT '',
	email_verified		boolean NOT NULL DEFAULT false,
	disabled		boolean NOT NULL DEFAULT false,
	last_notify		timestamptz NULL,
	last_notify_duration	interval NULL,
	last_error		varchar(200) NOT NULL DEFAULT ''
);
CREATE INDEX api_channel_project_id ON api_channel (project_id);

CREATE TABLE api_channel_checks (
	id		serial PRIMARY KEY,
	channel_id	integer NOT NULL
			    REFERENCES api_channel (id) ON DELETE CASCADE,
	check_id	integer NOT NULL
			    REFERENCES api_check (id) ON DELETE CASCADE,
	CONSTRAINT api_channel_checks_channel_id_check_id_uniq
	    UNIQUE (channel_id, check_id)
);
CREATE INDEX api_channel_checks_check_id ON api_channel_checks (check_id);

-- owner_id is NULL for test notifications.
CREATE TABLE api_notification (
	id		serial PRIMARY KEY,
	code		uuid NULL UNIQUE DEFAULT gen_random_uuid(),
	owner_id	integer NULL
			    REFERENCES api_check (id) ON DELETE CASCADE,
	check_status	varchar(6) NOT NULL,
	channel_id	integer NOT NULL
			    REFERENCES api_channel (id) ON DELETE CASCADE,
	created		timestamptz NOT NULL DEFAULT now(),
	error		varchar(200) NOT NULL DEFAULT ''
);
CREATE INDEX api_notification_owner_created ON api_notification
    (owner_id, created);
CREATE INDEX api_notification_channel_id ON api_notification (channel_id);

CREATE TABLE api_tokenbucket (
	id		serial PRIMARY KEY,
	value		varchar(80) NOT NULL UNIQUE,
	tokens		double precision NOT NULL DEFAULT 1.0,
	updated		timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_tokenbucket_updated ON api_tokenbucket (updated);

CREATE TABLE logs_record (
	id		serial PRIMARY KEY,
	created		timestamptz NOT NULL DEFAULT now(),
	host		varchar(50) NOT NULL DEFAULT '',
	name		varchar(100) NOT NULL,
	level		smallint NOT NULL CHECK (level >= 0),
	message		text NOT NULL,
	traceback	text NOT NULL DEFAULT ''
);
CREATE INDEX logs_record_created ON logs_record (created);

-- hcd's own tables.

-- Dashboard sessions (instead of django_session).  user_id is NULL
-- before login (CSRF token, sign-in flow).
CREATE TABLE hcd_session (
	key		text PRIMARY KEY,
	user_id		integer NULL
			    REFERENCES auth_user (id) ON DELETE CASCADE,
	created		timestamptz NOT NULL DEFAULT now(),
	expires		timestamptz NOT NULL,
	data		jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX hcd_session_expires ON hcd_session (expires);
CREATE INDEX hcd_session_user_id ON hcd_session (user_id);

-- How far the ping writer of node `node` has committed producer ring
-- `ring` of shared-memory segment `segment`, updated in the same
-- transaction as the pings, so that a batch replayed after a crash is
-- recognised and skipped.
CREATE TABLE hcd_ring (
	node		text NOT NULL,
	ring		integer NOT NULL,
	segment		bigint NOT NULL,
	pos		bigint NOT NULL,
	PRIMARY KEY (node, ring)
);
