/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The alerter's deadline pass (spec 4, "going-down pass") and the
 * automatic pruning of old pings (spec 9.1), on the alerter's second
 * database connection, so that neither waits behind a batch.
 *
 * Deadlines live in PostgreSQL (api_check.alert_after, with the partial
 * index api_check_aa_not_down): nothing is lost when an alerter
 * restarts, and several alerters, on one node or many, can share the
 * work.  A pass locks the checks that are due with FOR UPDATE SKIP
 * LOCKED, so two alerters never handle the same check at once and a
 * pass never waits for the batch writer; it then decides with the state
 * machine whether each is really down.  A check that is down gets
 * status 'down' and a flip dated when it went down (its computed
 * deadline, not now); one that is not (alert_after is only a lower
 * bound, see writer.c) gets its real deadline back.  The pass reads the
 * index only where alert_after <= now: it never walks the whole table.
 * Between passes the alerter sleeps until the earliest deadline, and at
 * most HC_DEADLINE_POLL_MS, so deadlines set by other processes or
 * nodes are seen in time.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "alerter.h"
#include "check.h"
#include "conf.h"
#include "db.h"
#include "hcd.h"
#include "index_db.h"
#include "log.h"

#define DUE_MAX		1000	/* checks per pass */

int
deadline_prepare(PGconn *db, char *err, size_t errsz)
{
	if (db_exec(db, "SET TIME ZONE 'UTC'", err, errsz) == -1 ||
	    db_prepare(db, "hcd_due",
	    "SELECT c.id, " DB_STATE_COLS " FROM api_check c "
	    "WHERE c.alert_after <= 'epoch'::timestamptz + "
	    "$1::bigint * interval '1 microsecond' AND c.status <> 'down' "
	    "ORDER BY c.alert_after LIMIT 1000 FOR UPDATE SKIP LOCKED",
	    err, errsz) == -1 ||
	    db_prepare(db, "hcd_down",
	    "UPDATE api_check SET status = 'down', alert_after = NULL "
	    "WHERE id = ANY($1::integer[])", err, errsz) == -1 ||
	    db_prepare(db, "hcd_later",
	    "UPDATE api_check c SET alert_after = 'epoch'::timestamptz + "
	    "u.aa * interval '1 microsecond' FROM unnest($1::integer[], "
	    "$2::bigint[]) AS u(id, aa) WHERE c.id = u.id", err, errsz) == -1 ||
	    db_prepare(db, "hcd_timeout_flips",
	    "INSERT INTO api_flip (owner_id, created, old_status, new_status,"
	    " reason) SELECT o, 'epoch'::timestamptz + c * interval "
	    "'1 microsecond', os, 'down', 'timeout' FROM unnest($1::integer[],"
	    " $2::bigint[], $3::text[]) AS t(o, c, os)", err, errsz) == -1 ||
	    db_prepare(db, "hcd_next",
	    "SELECT (extract(epoch FROM min(alert_after)) * 1000000)::bigint "
	    "FROM api_check WHERE status <> 'down'", err, errsz) == -1 ||
	    db_prepare(db, "hcd_prune",
	    "WITH lim AS ("
	    "  SELECT c.id, c.n_pings - coalesce(pr.ping_log_limit, 100) AS thr"
	    "  FROM api_check c JOIN accounts_project p ON p.id = c.project_id"
	    "  LEFT JOIN accounts_profile pr ON pr.user_id = p.owner_id"
	    "  WHERE c.id = ANY($1::integer[])"
	    "), dp AS ("
	    "  DELETE FROM api_ping x USING lim"
	    "  WHERE x.owner_id = lim.id AND x.n <= lim.thr RETURNING 1"
	    "), oldest AS ("
	    "  SELECT lim.id, (SELECT created FROM api_ping x"
	    "    WHERE x.owner_id = lim.id AND x.n > lim.thr"
	    "    ORDER BY x.n LIMIT 1) AS t FROM lim"
	    "), dn AS ("
	    "  DELETE FROM api_notification x USING oldest"
	    "  WHERE x.owner_id = oldest.id AND x.created < oldest.t RETURNING 1"
	    "), df AS ("
	    "  DELETE FROM api_flip x USING oldest"
	    "  WHERE x.owner_id = oldest.id"
	    "  AND x.created < least(oldest.t, now() - interval '93 days')"
	    "  RETURNING 1"
	    ") SELECT (SELECT count(*) FROM dp), (SELECT count(*) FROM dn),"
	    " (SELECT count(*) FROM df)", err, errsz) == -1)
		return -1;
	return 0;
}

static int
exec_prepared(PGconn *db, const char *name, int n, const char **params,
    ExecStatusType want, PGresult **keep, char *err, size_t errsz)
{
	PGresult	*r = PQexecPrepared(db, name, n, params, NULL, NULL, 0);
	int		 ok = PQresultStatus(r) == want;

	if (!ok)
		db_seterr(db, r, err, errsz);
	if (ok && keep != NULL)
		*keep = r;
	else
		PQclear(r);
	return ok ? 0 : -1;
}

/*
 * One pass over the checks due at `now`.  Returns how many went down,
 * or -1 on a database error.  *more is set when the pass was full and
 * another should follow at once; *lag is the longest time between a
 * check's deadline and now, among those that went down.  The ids of
 * the checks it updated go to changed(arg, id) after the commit.
 */
int
deadline_pass(PGconn *db, int64_t now, int *more, int64_t *lag,
    void (*changed)(void *, int64_t), void *arg, char *err, size_t errsz)
{
	PGresult	*r = NULL;
	struct buf	 down, fc, fs, lid, laa;
	const char	*p[3];
	char		 nowtxt[24];
	int64_t		*ids = NULL;
	int		 i, n, ndown = 0, nlater = 0;

	*more = 0;
	*lag = 0;
	if (db_exec(db, "BEGIN", err, errsz) == -1)
		return -1;
	snprintf(nowtxt, sizeof(nowtxt), "%lld", (long long)now);
	p[0] = nowtxt;
	if (exec_prepared(db, "hcd_due", 1, p, PGRES_TUPLES_OK, &r, err,
	    errsz) == -1) {
		db_exec(db, "ROLLBACK", NULL, 0);
		return -1;
	}
	n = PQntuples(r);
	ids = xreallocarray(NULL, (size_t)n + 1, sizeof(*ids));
	buf_init(&down);
	buf_init(&fc);
	buf_init(&fs);
	buf_init(&lid);
	buf_init(&laa);
	for (i = 0; i < n; i++) {
		struct check_state	s;
		const char		*e;
		int64_t			 id, gda;

		id = hc_strtonum(PQgetvalue(r, i, 0), 1, INT64_MAX, &e);
		ids[i] = id;
		db_check_state(r, i, 1, &s);
		gda = check_going_down_after(&s);
		if (check_get_status(&s, now, 0) == CS_DOWN) {
			db_arr_add(&down, "%lld", (long long)id);
			db_arr_add(&fc, "%lld", (long long)(gda != CT_NONE ? gda : now));
			db_arr_add(&fs, "%s", check_status_name(s.cs_status));
			if (gda != CT_NONE && now - gda > *lag)
				*lag = now - gda;
			ndown++;
		} else {
			db_arr_add(&lid, "%lld", (long long)id);
			if (gda == CT_NONE)
				db_arr_add(&laa, "NULL");
			else
				db_arr_add(&laa, "%lld", (long long)gda);
			nlater++;
		}
	}
	PQclear(r);
	if (ndown > 0) {
		/* The same ids: the checks down and their flips' owners. */
		p[0] = db_arr_end(&down);
		if (exec_prepared(db, "hcd_down", 1, p, PGRES_COMMAND_OK, NULL,
		    err, errsz) == -1)
			goto fail;
		p[1] = db_arr_end(&fc);
		p[2] = db_arr_end(&fs);
		if (exec_prepared(db, "hcd_timeout_flips", 3, p,
		    PGRES_COMMAND_OK, NULL, err, errsz) == -1)
			goto fail;
	}
	if (nlater > 0) {
		p[0] = db_arr_end(&lid);
		p[1] = db_arr_end(&laa);
		if (exec_prepared(db, "hcd_later", 2, p, PGRES_COMMAND_OK, NULL,
		    err, errsz) == -1)
			goto fail;
	}
	if (db_exec(db, "COMMIT", err, errsz) == -1)
		goto fail;
	*more = n == DUE_MAX;
	for (i = 0; i < n && changed != NULL; i++)
		changed(arg, ids[i]);
	goto out;
fail:
	db_exec(db, "ROLLBACK", NULL, 0);
	ndown = -1;
out:
	free(ids);
	buf_clear(&down);
	buf_clear(&fc);
	buf_clear(&fs);
	buf_clear(&lid);
	buf_clear(&laa);
	return ndown;
}

/* The earliest deadline of a check not down, CT_NONE if none; -1 error. */
int
deadline_next(PGconn *db, int64_t *next, char *err, size_t errsz)
{
	PGresult *r = NULL;

	if (exec_prepared(db, "hcd_next", 0, NULL, PGRES_TUPLES_OK, &r, err,
	    errsz) == -1)
		return -1;
	*next = db_getint(r, 0, 0, CT_NONE);
	PQclear(r);
	return 0;
}

/* Prune the checks in ids[0..n) (spec 9.1).  0, or -1 on error. */
int
deadline_prune(PGconn *db, const int64_t *ids, size_t n, char *err,
    size_t errsz)
{
	struct buf	 b;
	const char	*p[1];
	PGresult	*r = NULL;
	int		 rc;

	buf_init(&b);
	p[0] = db_arr_ids(&b, ids, n);
	rc = exec_prepared(db, "hcd_prune", 1, p, PGRES_TUPLES_OK, &r, err,
	    errsz);
	if (rc == 0) {
		log_debug("pruned %zu checks: %s pings, %s notifications, "
		    "%s flips", n, PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1),
		    PQgetvalue(r, 0, 2));
		PQclear(r);
	}
	buf_clear(&b);
	return rc;
}
