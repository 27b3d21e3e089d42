/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * hcctl's channel commands (integrations), on the database directly:
 *
 *	channel add PROJECT_UUID KIND VALUE [--name NAME]
 *	channel list PROJECT_UUID
 *	channel remove CHANNEL_UUID
 *	channel test CHANNEL_UUID
 *	channel assign CHANNEL_UUID CHECK_UUID ...
 *
 * A value is checked by its kind's own k_validate (alerter/notify), so
 * hcctl and the notifier agree on what a kind stores.  A test is a row
 * of the outbox with no check: the running notifier sends it once (no
 * retries) and hcctl waits for its outcome.  Also the notification
 * lines of `hcctl status` (hcctl_notify_status).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "conf.h"
#include "db.h"
#include "hcctl.h"
#include "hcd.h"
#include "uuid.h"
#include "../alerter/notify/notify.h"

#define TEST_WAIT_MS	60000

static int
fail(PGconn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
fail(PGconn *c, const char *fmt, ...)
{
	va_list ap;

	if (c != NULL && PQtransactionStatus(c) != PQTRANS_IDLE)
		PQclear(PQexec(c, "ROLLBACK"));
	fputs("hcctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static int
usage_of(const struct hcctl_cmd *c)
{
	return fail(NULL, "usage: %s %s", c->cm_name, c->cm_args);
}

static int
is_uuid(const char *s)
{
	uint8_t u[16];

	return uuid_parse_text(s, u) == 0 && strlen(s) == 36;
}

static PGresult *
q(PGconn *c, const char *sql, int n, const char *const *p, char *err,
    size_t errsz)
{
	return db_query(c, sql, n, p, err, errsz);
}

int
hcctl_channel_add(const struct hcctl_cmd *cmd, const struct conf *cf,
    PGconn *c, int argc, char **argv)
{
	const struct nt_kind	*k;
	const char		*ops[3], *name = "", *p[5];
	char			 err[512], verr[256];
	PGresult		*r, *r2;
	int			 i, n = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
			name = argv[++i];
		else if (strncmp(argv[i], "--name=", 7) == 0)
			name = argv[i] + 7;
		else if (n < 3)
			ops[n++] = argv[i];
		else
			return usage_of(cmd);
	}
	if (n != 3)
		return usage_of(cmd);
	if (!is_uuid(ops[0]))
		return fail(NULL, "%s: not a project UUID", ops[0]);
	if ((k = nt_kind_find(ops[1])) == NULL)
		return fail(NULL, "%s: unknown integration kind", ops[1]);
	if (k->k_flags & (NK_REMOVED | NK_NOT_HERE))
		return fail(NULL, "%s: this kind cannot be delivered by hcd",
		    ops[1]);
	if (k->k_validate != NULL && k->k_validate(cf, ops[2], verr,
	    sizeof(verr)) == -1)
		return fail(NULL, "%s: invalid value: %s", ops[1], verr);
	if (strlen(name) > 100)
		return fail(NULL, "--name: at most 100 characters");
	if (db_exec(c, "BEGIN", err, sizeof(err)) == -1)
		return fail(c, "%s", err);
	p[0] = ops[0];
	p[1] = ops[1];
	p[2] = ops[2];
	p[3] = name;
	r = q(c, "INSERT INTO api_channel (project_id, kind, value, name, "
	    "email_verified) SELECT id, $2, $3, $4, true FROM "
	    "accounts_project WHERE code = $1::uuid RETURNING id, code", 4, p,
	    err, sizeof(err));
	if (r == NULL)
		return fail(c, "%s", err);
	if (PQntuples(r) != 1) {
		PQclear(r);
		return fail(c, "%s: no such project", ops[0]);
	}
	p[0] = PQgetvalue(r, 0, 0);
	/* As a channel made in the dashboard: on every check of the project. */
	if ((r2 = q(c, "INSERT INTO api_channel_checks (channel_id, "
	    "check_id) SELECT ch.id, c.id FROM api_channel ch JOIN api_check c "
	    "ON c.project_id = ch.project_id WHERE ch.id = $1 RETURNING 1", 1,
	    p, err, sizeof(err))) == NULL) {
		PQclear(r);
		return fail(c, "%s", err);
	}
	PQclear(r2);
	if (db_exec(c, "COMMIT", err, sizeof(err)) == -1) {
		PQclear(r);
		return fail(c, "%s", err);
	}
	printf("%s\n", PQgetvalue(r, 0, 1));
	PQclear(r);
	return 0;
}

int
hcctl_channel_list(const struct hcctl_cmd *cmd, const struct conf *cf,
    PGconn *c, int argc, char **argv)
{
	const char	*p[1];
	char		 err[512];
	PGresult	*r;
	int		 i;

	if (argc != 2)
		return usage_of(cmd);
	if (!is_uuid(argv[1]))
		return fail(NULL, "%s: not a project UUID", argv[1]);
	p[0] = argv[1];
	r = q(c, "SELECT p.id FROM accounts_project p WHERE p.code = $1::uuid",
	    1, p, err, sizeof(err));
	if (r == NULL)
		return fail(c, "%s", err);
	if (PQntuples(r) == 0) {
		PQclear(r);
		return fail(c, "%s: no such project", argv[1]);
	}
	PQclear(r);
	r = q(c, "SELECT ch.code, ch.kind, ch.name, coalesce(to_char("
	    "ch.last_notify AT TIME ZONE 'UTC', "
	    "'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"'), '-'), ch.last_error, "
	    "ch.disabled FROM api_channel ch JOIN accounts_project p ON "
	    "p.id = ch.project_id WHERE p.code = $1::uuid ORDER BY ch.created, "
	    "ch.id", 1, p, err, sizeof(err));
	if (r == NULL)
		return fail(c, "%s", err);
	for (i = 0; i < PQntuples(r); i++)
		printf("%s\t%s\t%s\t%s\t%s%s\n", PQgetvalue(r, i, 0),
		    PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
		    PQgetvalue(r, i, 3), PQgetvalue(r, i, 4),
		    *PQgetvalue(r, i, 5) == 't' ? "\t(disabled)" : "");
	PQclear(r);
	return 0;
}

int
hcctl_channel_remove(const struct hcctl_cmd *cmd, const struct conf *cf,
    PGconn *c, int argc, char **argv)
{
	const char	*p[1];
	char		 err[512];
	PGresult	*r;
	int		 n;

	if (argc != 2)
		return usage_of(cmd);
	if (!is_uuid(argv[1]))
		return fail(NULL, "%s: not a channel UUID", argv[1]);
	p[0] = argv[1];
	if ((r = q(c, "DELETE FROM api_channel WHERE code = $1::uuid "
	    "RETURNING id", 1, p, err, sizeof(err))) == NULL)
		return fail(c, "%s", err);
	n = PQntuples(r);
	PQclear(r);
	if (n == 0)
		return fail(c, "%s: no such channel", argv[1]);
	return 0;
}

int
hcctl_channel_assign(const struct hcctl_cmd *cmd, const struct conf *cf,
    PGconn *c, int argc, char **argv)
{
	const char	*p[2];
	char		 err[512];
	PGresult	*r;
	int		 i;

	if (argc < 3)
		return usage_of(cmd);
	for (i = 1; i < argc; i++)
		if (!is_uuid(argv[i]))
			return fail(NULL, "%s: not a UUID", argv[i]);
	if (db_exec(c, "BEGIN", err, sizeof(err)) == -1)
		return fail(c, "%s", err);
	p[0] = argv[1];
	if ((r = q(c, "SELECT id FROM api_channel WHERE code = $1::uuid", 1,
	    p, err, sizeof(err))) == NULL)
		return fail(c, "%s", err);
	if (PQntuples(r) == 0) {
		PQclear(r);
		return fail(c, "%s: no such channel", argv[1]);
	}
	PQclear(r);
	for (i = 2; i < argc; i++) {
		p[1] = argv[i];
		if ((r = q(c, "INSERT INTO api_channel_checks (channel_id, "
		    "check_id) SELECT ch.id, k.id FROM api_channel ch JOIN "
		    "api_check k ON k.project_id = ch.project_id WHERE ch.code = "
		    "$1::uuid AND k.code = $2::uuid ON CONFLICT DO NOTHING "
		    "RETURNING 1", 2, p, err, sizeof(err))) == NULL)
			return fail(c, "%s", err);
		PQclear(r);
		if ((r = q(c, "SELECT 1 FROM api_check k JOIN api_channel ch ON "
		    "ch.project_id = k.project_id WHERE ch.code = $1::uuid AND "
		    "k.code = $2::uuid", 2, p, err, sizeof(err))) == NULL)
			return fail(c, "%s", err);
		if (PQntuples(r) == 0) {
			PQclear(r);
			return fail(c, "%s: no such check in the channel's "
			    "project", argv[i]);
		}
		PQclear(r);
	}
	if (db_exec(c, "COMMIT", err, sizeof(err)) == -1)
		return fail(c, "%s", err);
	return 0;
}

int
hcctl_channel_test(const struct hcctl_cmd *cmd, const struct conf *cf,
    PGconn *c, int argc, char **argv)
{
	const char	*p[1];
	char		 err[512], id[24];
	PGresult	*r;
	int64_t		 until = hc_mono_ms() + TEST_WAIT_MS;
	struct timespec	 ts = { 0, 100 * 1000000 };

	if (argc != 2)
		return usage_of(cmd);
	if (!is_uuid(argv[1]))
		return fail(NULL, "%s: not a channel UUID", argv[1]);
	p[0] = argv[1];
	if ((r = q(c, "INSERT INTO hcd_outbox (channel_id, check_status) "
	    "SELECT id, 'down' FROM api_channel WHERE code = $1::uuid "
	    "RETURNING id", 1, p, err, sizeof(err))) == NULL)
		return fail(c, "%s", err);
	if (PQntuples(r) == 0) {
		PQclear(r);
		return fail(c, "%s: no such channel", argv[1]);
	}
	hc_strlcpy(id, PQgetvalue(r, 0, 0), sizeof(id));
	PQclear(r);
	p[0] = id;
	while (hc_mono_ms() < until) {
		if ((r = q(c, "SELECT status, last_error FROM hcd_outbox "
		    "WHERE id = $1", 1, p, err, sizeof(err))) == NULL)
			return fail(c, "%s", err);
		if (PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0),
		    "pending") != 0) {
			int ok = strcmp(PQgetvalue(r, 0, 0), "sent") == 0;

			if (ok)
				printf("OK\n");
			else
				printf("Error: %s\n", PQgetvalue(r, 0, 1));
			PQclear(r);
			return ok ? 0 : 1;
		}
		PQclear(r);
		nanosleep(&ts, NULL);
	}
	return fail(NULL, "no answer within %d s: is hcd (its notifier) "
	    "running?", TEST_WAIT_MS / 1000);
}

void
hcctl_notify_status(PGconn *c)
{
	char		 err[512];
	PGresult	*r;

	r = q(c, "SELECT (SELECT count(*) FROM hcd_outbox WHERE status = "
	    "'pending'), (SELECT coalesce(extract(epoch FROM now() - "
	    "min(created))::bigint, 0) FROM hcd_outbox WHERE status = "
	    "'pending'), (SELECT count(*) FROM hcd_outbox WHERE "
	    "last_error <> '' AND last_attempt > now() - interval '1 hour')",
	    0, NULL, err, sizeof(err));
	if (r == NULL) {
		printf("notifications: %s\n", err);
		return;
	}
	printf("notifications: %s pending, oldest %s s, %s failed in the "
	    "last hour\n", PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1),
	    PQgetvalue(r, 0, 2));
	PQclear(r);
}
