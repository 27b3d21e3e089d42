/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The connection object of dbconn.h.  Queries go through libpq's
 * asynchronous calls (PQsendQueryParams, then poll() on the socket until
 * the deadline) so that a silent server or network costs a bounded wait.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpq-fe.h>

#include "conf.h"
#include "db.h"
#include "dbconn.h"
#include "hcd.h"
#include "log.h"

#define BACKOFF_MIN_MS	100
#define BACKOFF_MAX_MS	5000

struct dbconn {
	char		*d_conninfo;
	char		*d_appname;
	char		 d_connect_timeout[16];
	char		*d_options;
	int		 d_timeout_ms;		/* client-side, per statement */
	dbconn_setup_fn	 d_setup;
	void		*d_arg;
	PGconn		*d_conn;
	int64_t		 d_retry;		/* monotonic ms */
	int		 d_backoff;		/* ms, 0 after a success */
	char		 d_sqlstate[6];
	int		 d_lost;
};

static void
dbconn_notice(void *arg, const char *msg)
{
	size_t len = strlen(msg);

	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
		len--;
	log_debug("postgres: %.*s", (int)len, msg);
}

struct dbconn *
dbconn_new(const struct conf *cf, const char *appname, dbconn_setup_fn setup,
    void *arg)
{
	struct dbconn		*d;
	PQconninfoOption	*opts, *o;
	const char		*user = "";
	char			*errmsg = NULL;

	d = xcalloc(1, sizeof(*d));
	d->d_conninfo = conf_conninfo(cf);
	d->d_appname = xstrdup(appname != NULL ? appname : "hcd");
	snprintf(d->d_connect_timeout, sizeof(d->d_connect_timeout), "%lld",
	    (long long)cf->db_connect_timeout);
	d->d_timeout_ms = (int)(cf->db_statement_timeout * 1000 + 1000);
	/*
	 * JIT off: every statement hcd runs is short, but a batch's or a
	 * pruning's row estimates can pass jit_above_cost, and compiling
	 * then costs tens of milliseconds of a core per statement (58 ms
	 * for one pruning of 300 checks, measured).  The caller's own
	 * options (a URI's ?options=) come next and may turn it back on;
	 * ours after them hold.
	 */
	if ((opts = PQconninfoParse(d->d_conninfo, &errmsg)) != NULL) {
		for (o = opts; o->keyword != NULL; o++)
			if (strcmp(o->keyword, "options") == 0 &&
			    o->val != NULL)
				user = o->val;
	} else
		PQfreemem(errmsg);	/* libpq says what is wrong at connect */
	d->d_options = xasprintf("-c jit=off %s%s-c TimeZone=UTC "
	    "-c statement_timeout=%lld", user, *user ? " " : "",
	    (long long)cf->db_statement_timeout * 1000);
	PQconninfoFree(opts);		/* user pointed into it; NULL is fine */
	d->d_setup = setup;
	d->d_arg = arg;
	return d;
}

void
dbconn_free(struct dbconn *d)
{
	if (d == NULL)
		return;
	if (d->d_conn != NULL)
		PQfinish(d->d_conn);
	if (d->d_conninfo != NULL) {
		explicit_bzero(d->d_conninfo, strlen(d->d_conninfo));
		free(d->d_conninfo);
	}
	free(d->d_appname);
	free(d->d_options);
	free(d);
}

void
dbconn_reset(struct dbconn *d)
{
	if (d->d_conn != NULL) {
		PQfinish(d->d_conn);
		d->d_conn = NULL;
	}
}

int
dbconn_ok(const struct dbconn *d)
{
	return d->d_conn != NULL && PQstatus(d->d_conn) == CONNECTION_OK;
}

int64_t
dbconn_retry_ms(const struct dbconn *d)
{
	int64_t left;

	if (dbconn_ok(d) || d->d_backoff == 0)
		return 0;
	left = d->d_retry - hc_mono_ms();
	return left > 0 ? left : 0;
}

int
dbconn_timeout_ms(const struct dbconn *d)
{
	return d->d_timeout_ms;
}

const char *
dbconn_sqlstate(const struct dbconn *d)
{
	return d->d_sqlstate;
}

int
dbconn_lost(const struct dbconn *d)
{
	return d->d_lost;
}

static void
dbconn_failed(struct dbconn *d)
{
	d->d_backoff = d->d_backoff ? d->d_backoff * 2 : BACKOFF_MIN_MS;
	if (d->d_backoff > BACKOFF_MAX_MS)
		d->d_backoff = BACKOFF_MAX_MS;
	d->d_retry = hc_mono_ms() + d->d_backoff;
}

static PGconn *
dbconn_connect(struct dbconn *d, char *err, size_t errsz)
{
	const char	*keys[] = { "dbname", "application_name",
			    "connect_timeout", "options", NULL };
	const char	*vals[] = { d->d_conninfo, d->d_appname,
			    d->d_connect_timeout, d->d_options, NULL };
	PGconn		*c;

	dbconn_reset(d);
	c = PQconnectdbParams(keys, vals, 1);
	if (c == NULL) {
		snprintf(err, errsz, "out of memory");
		dbconn_failed(d);
		return NULL;
	}
	if (PQstatus(c) != CONNECTION_OK) {
		db_seterr(c, NULL, err, errsz);
		PQfinish(c);
		dbconn_failed(d);
		return NULL;
	}
	PQsetNoticeProcessor(c, dbconn_notice, NULL);
	d->d_conn = c;
	if (d->d_setup != NULL && d->d_setup(c, d->d_arg, err, errsz) == -1) {
		dbconn_reset(d);
		dbconn_failed(d);
		return NULL;
	}
	d->d_backoff = 0;
	return c;
}

PGconn *
dbconn_get(struct dbconn *d, char *err, size_t errsz)
{
	if (dbconn_ok(d))
		return d->d_conn;
	if (d->d_backoff != 0 && hc_mono_ms() < d->d_retry) {
		snprintf(err, errsz, "database unreachable; next try in "
		    "%lld ms", (long long)(d->d_retry - hc_mono_ms()));
		return NULL;
	}
	return dbconn_connect(d, err, errsz);
}

PGconn *
dbconn_get_now(struct dbconn *d, char *err, size_t errsz)
{
	if (dbconn_ok(d))
		return d->d_conn;
	return dbconn_connect(d, err, errsz);
}

/* Wait for the socket until `deadline` (monotonic ms): 0, or -1 timeout. */
static int
dbconn_wait(PGconn *c, short events, int64_t deadline)
{
	struct pollfd	pfd;
	int64_t		left;
	int		n;

	pfd.fd = PQsocket(c);
	pfd.events = events;
	for (;;) {
		left = deadline - hc_mono_ms();
		if (left <= 0)
			return -1;
		n = poll(&pfd, 1, (int)left);
		if (n > 0)
			return 0;
		if (n == -1 && errno != EINTR)
			return -1;
	}
}

/*
 * One try of dbconn_run.  *again is set when the session turned out to
 * be gone (the server restarted, say) and the statement may be sent
 * once more on a new one: the session was open and idle, and the
 * statement is a SELECT or a BEGIN, which change nothing themselves.
 */
static PGresult *
dbconn_try(struct dbconn *d, int prepared, const char *q, int nparams,
    const char *const *params, int binary, char *err, size_t errsz,
    int *again)
{
	PGconn		*c;
	PGresult	*r, *res = NULL;
	int64_t		 deadline;
	int		 f, was_open = dbconn_ok(d), idle;

	*again = 0;
	d->d_sqlstate[0] = '\0';
	d->d_lost = 0;
	if ((c = dbconn_get(d, err, errsz)) == NULL) {
		d->d_lost = 1;
		return NULL;
	}
	/*
	 * Only a statement that changes nothing by itself is sent again: a
	 * write whose answer was lost may have committed.
	 */
	idle = was_open && PQtransactionStatus(c) == PQTRANS_IDLE &&
	    !prepared && (strncasecmp(q, "SELECT", 6) == 0 ||
	    strncasecmp(q, "BEGIN", 5) == 0);
	deadline = hc_mono_ms() + d->d_timeout_ms;
	if (prepared)
		f = PQsendQueryPrepared(c, q, nparams, params, NULL, NULL,
		    binary);
	else
		f = PQsendQueryParams(c, q, nparams, NULL, params, NULL, NULL,
		    binary);
	if (!f)
		goto lost;
	/* Blocking sockets: PQflush would not return 1, but be general. */
	while ((f = PQflush(c)) == 1)
		if (dbconn_wait(c, POLLOUT | POLLIN, deadline) == -1)
			goto timeout;
	if (f == -1)
		goto lost;
	for (;;) {
		while (PQisBusy(c)) {
			if (dbconn_wait(c, POLLIN, deadline) == -1)
				goto timeout;
			if (!PQconsumeInput(c))
				goto lost;
		}
		if ((r = PQgetResult(c)) == NULL)
			break;
		if (res == NULL)
			res = r;
		else
			PQclear(r);
	}
	if (res == NULL)
		goto lost;
	f = PQresultStatus(res);
	if (f == PGRES_COMMAND_OK || f == PGRES_TUPLES_OK)
		return res;
	db_seterr(c, res, err, errsz);
	if (PQresultErrorField(res, PG_DIAG_SQLSTATE) != NULL)
		hc_strlcpy(d->d_sqlstate, PQresultErrorField(res,
		    PG_DIAG_SQLSTATE), sizeof(d->d_sqlstate));
	PQclear(res);
	if (PQstatus(c) != CONNECTION_OK) {
		d->d_lost = 1;
		dbconn_reset(d);
		if (!(*again = idle))
			dbconn_failed(d);
	}
	return NULL;
timeout:
	snprintf(err, errsz, "no answer from the database within %d ms",
	    d->d_timeout_ms);
	PQclear(res);
	d->d_lost = 1;
	dbconn_reset(d);
	dbconn_failed(d);
	return NULL;
lost:
	db_seterr(c, NULL, err, errsz);
	PQclear(res);
	d->d_lost = 1;
	dbconn_reset(d);
	if (!(*again = idle))
		dbconn_failed(d);
	return NULL;
}

/* dbconn_exec() and dbconn_exec_prepared(): q is the SQL or the name. */
static PGresult *
dbconn_run(struct dbconn *d, int prepared, const char *q, int nparams,
    const char *const *params, int binary, char *err, size_t errsz)
{
	PGresult	*r;
	int		 again;

	r = dbconn_try(d, prepared, q, nparams, params, binary, err, errsz,
	    &again);
	if (r == NULL && again) {
		log_debug("database: %s; once more on a new session", err);
		r = dbconn_try(d, prepared, q, nparams, params, binary, err,
		    errsz, &again);
	}
	return r;
}

PGresult *
dbconn_exec(struct dbconn *d, const char *sql, int nparams,
    const char *const *params, int binary, char *err, size_t errsz)
{
	return dbconn_run(d, 0, sql, nparams, params, binary, err, errsz);
}

PGresult *
dbconn_exec_prepared(struct dbconn *d, const char *name, int nparams,
    const char *const *params, int binary, char *err, size_t errsz)
{
	return dbconn_run(d, 1, name, nparams, params, binary, err, errsz);
}

int
dbconn_cmd(struct dbconn *d, const char *sql, int nparams,
    const char *const *params, char *err, size_t errsz)
{
	PGresult *r = dbconn_exec(d, sql, nparams, params, 0, err, errsz);

	if (r == NULL)
		return -1;
	PQclear(r);
	return 0;
}
