/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Blocking libpq helpers for every process on a connection it already
 * holds (opened through dbconn.h): run a command, a query or a
 * prepare with the error as one line (db_seterr), read integers, build
 * array literals, report the schema version and apply the migrations
 * compiled in from schema/
 * (hcctl migrate, hcd -m).  The master, the workers, the alerter's
 * threads and hcctl use them; there is no shared state, so any thread
 * may call them on its own connection.
 *
 * Each migration runs in its own transaction together with the row
 * that records it in hcd_migration, under a transaction-scoped advisory
 * lock, so two migrators started at once apply each file exactly once.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "check.h"
#include "db.h"
#include "hcd.h"
#include "log.h"
#include "migrate.h"

static void	db_rollback(PGconn *);
static int	db_begin_locked(PGconn *, char *, size_t);
static int	db_is_applied(PGconn *, int, int *, char *, size_t);
static int	db_apply(PGconn *, const struct hc_migration *, int *,
		    char *, size_t);

void
db_seterr(PGconn *conn, const PGresult *res, char *err, size_t errsz)
{
	const char	*msg = NULL;
	size_t		 len;

	if (err == NULL || errsz == 0)
		return;
	/* the server's own sentence, without "ERROR:  " in front */
	if (res != NULL &&
	    (msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)) == NULL)
		msg = PQresultErrorMessage(res);
	if ((msg == NULL || *msg == '\0') && conn != NULL)
		msg = PQerrorMessage(conn);
	if (msg == NULL || *msg == '\0')
		msg = "unknown database error";
	len = strcspn(msg, "\n");
	if (len >= errsz)
		len = errsz - 1;
	memcpy(err, msg, len);
	err[len] = '\0';
}

int
db_exec(PGconn *conn, const char *sql, char *err, size_t errsz)
{
	PGresult	*res;
	int		 rv = 0;

	res = PQexec(conn, sql);
	if (res == NULL || (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK)) {
		db_seterr(conn, res, err, errsz);
		rv = -1;
	}
	PQclear(res);
	return rv;
}

static void
db_rollback(PGconn *conn)
{
	PGresult	*res;

	if (PQtransactionStatus(conn) == PQTRANS_IDLE)
		return;
	res = PQexec(conn, "ROLLBACK");
	PQclear(res);
}

/* BEGIN, then wait for the migration lock (released at COMMIT). */
static int
db_begin_locked(PGconn *conn, char *err, size_t errsz)
{
	char	sql[96];

	if (db_exec(conn, "BEGIN", err, errsz) == -1)
		return -1;
	snprintf(sql, sizeof(sql), "SELECT pg_advisory_xact_lock(%lld)",
	    (long long)HC_DB_MIGRATE_LOCK);
	if (db_exec(conn, sql, err, errsz) == -1) {
		db_rollback(conn);
		return -1;
	}
	return 0;
}

static int
db_is_applied(PGconn *conn, int version, int *yes, char *err, size_t errsz)
{
	PGresult	*res;
	const char	*params[1];
	char		 v[16];

	snprintf(v, sizeof(v), "%d", version);
	params[0] = v;
	res = PQexecParams(conn,
	    "SELECT 1 FROM hcd_migration WHERE version = $1::int",
	    1, NULL, params, NULL, NULL, 0);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		db_seterr(conn, res, err, errsz);
		PQclear(res);
		return -1;
	}
	*yes = PQntuples(res) > 0;
	PQclear(res);
	return 0;
}

/* One migration in one transaction; *done is 1 if it was applied now. */
static int
db_apply(PGconn *conn, const struct hc_migration *m, int *done,
    char *err, size_t errsz)
{
	PGresult	*res;
	const char	*params[2];
	char		 v[16], why[512];
	int		 yes;

	*done = 0;
	if (db_begin_locked(conn, err, errsz) == -1)
		return -1;
	if (db_is_applied(conn, m->m_version, &yes, err, errsz) == -1)
		goto fail;
	if (yes) {
		db_rollback(conn);
		return 0;
	}
	if (db_exec(conn, m->m_sql, why, sizeof(why)) == -1) {
		snprintf(err, errsz, "%s: %s", m->m_name, why);
		goto fail;
	}
	snprintf(v, sizeof(v), "%d", m->m_version);
	params[0] = v;
	params[1] = m->m_name;
	res = PQexecParams(conn,
	    "INSERT INTO hcd_migration (version, name) VALUES ($1::int, $2)",
	    2, NULL, params, NULL, NULL, 0);
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
		db_seterr(conn, res, err, errsz);
		PQclear(res);
		goto fail;
	}
	PQclear(res);
	if (db_exec(conn, "COMMIT", err, errsz) == -1)
		goto fail;
	log_info("schema migration %s applied", m->m_name);
	*done = 1;
	return 0;
fail:
	db_rollback(conn);
	return -1;
}

int
db_migrate(PGconn *conn, int *applied, char *err, size_t errsz)
{
	size_t	i;
	int	done, n = 0, last = 0;

	if (applied != NULL)
		*applied = 0;
	if (PQtransactionStatus(conn) != PQTRANS_IDLE) {
		snprintf(err, errsz, "migrate: connection is inside a "
		    "transaction");
		return -1;
	}
	if (db_begin_locked(conn, err, errsz) == -1)
		return -1;
	if (db_exec(conn,
	    "CREATE TABLE IF NOT EXISTS hcd_migration ("
	    " version integer PRIMARY KEY,"
	    " name text NOT NULL,"
	    " applied timestamptz NOT NULL DEFAULT now())",
	    err, errsz) == -1 ||
	    db_exec(conn, "COMMIT", err, errsz) == -1) {
		db_rollback(conn);
		return -1;
	}

	for (i = 0; i < hc_nmigrations; i++) {
		const struct hc_migration *m = &hc_migrations[i];

		if (m->m_version <= last) {
			snprintf(err, errsz, "migration %s: version %d out of "
			    "order", m->m_name, m->m_version);
			return -1;
		}
		last = m->m_version;
		if (db_apply(conn, m, &done, err, errsz) == -1)
			return -1;
		n += done;
		if (applied != NULL)
			*applied = n;
	}
	return 0;
}

int
db_schema_version(PGconn *conn, int *version)
{
	PGresult	*res;
	int		 present;

	*version = 0;
	res = PQexec(conn, "SELECT to_regclass('hcd_migration') IS NOT NULL");
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK ||
	    PQntuples(res) != 1) {
		PQclear(res);
		return -1;
	}
	present = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (!present)
		return 0;

	res = PQexec(conn,
	    "SELECT coalesce(max(version), 0) FROM hcd_migration");
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK ||
	    PQntuples(res) != 1) {
		PQclear(res);
		return -1;
	}
	*version = (int)strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return 0;
}

PGresult *
db_query(PGconn *conn, const char *sql, int nparams,
    const char *const *params, char *err, size_t errsz)
{
	PGresult *r;

	r = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		db_seterr(conn, r, err, errsz);
		PQclear(r);
		return NULL;
	}
	return r;
}

int
db_prepare(PGconn *conn, const char *name, const char *sql, char *err,
    size_t errsz)
{
	PGresult	*r = PQprepare(conn, name, sql, 0, NULL);
	int		 ok = PQresultStatus(r) == PGRES_COMMAND_OK;

	if (!ok)
		db_seterr(conn, r, err, errsz);
	PQclear(r);
	return ok ? 0 : -1;
}

int64_t
db_getint(const PGresult *r, int row, int col, int64_t null)
{
	const char	*e;
	int64_t		 v;

	if (PQgetisnull(r, row, col))
		return null;
	v = hc_strtonum(PQgetvalue(r, row, col), INT64_MIN + 1, INT64_MAX, &e);
	return e != NULL ? null : v;
}

void
db_arr_add(struct buf *b, const char *fmt, ...)
{
	va_list	ap;
	char	tmp[64];

	buf_addc(b, b->b_len ? ',' : '{');
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	buf_addstr(b, tmp);
}

const char *
db_arr_end(struct buf *b)
{
	if (b->b_len == 0)
		buf_addc(b, '{');
	buf_addc(b, '}');
	return (const char *)b->b_data;
}

const char *
db_arr_ids(struct buf *b, const int64_t *ids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		db_arr_add(b, "%lld", (long long)ids[i]);
	return db_arr_end(b);
}

