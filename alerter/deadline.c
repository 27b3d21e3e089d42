/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The alerter's deadline pass (spec 4, "going-down pass") and the
 * automatic pruning of old pings (spec 9.1), on a thread of the alerter
 * with its own database connection ("hcd-deadlines"), so that neither
 * waits behind a batch and their queries (pruning deletes rows) never
 * hold up the batch writer, whose loop answers the held pings.  The
 * thread shares two queues of check ids with the writer, under
 * dl_lock: the checks to prune (the writer adds them once the batch
 * that crossed a hundred pings has committed) and the checks a pass
 * changed (the writer takes them before each batch and reads those
 * checks again instead of sending a batch that would fail on them).
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
 *
 * With the journal, a ping answered "OK" may not be in PostgreSQL yet
 * (the loader runs behind; PostgreSQL may have been away).  So a pass
 * judges at the watermark, not at now: the earliest of this node's
 * (every ping it received before is loaded, shared memory) and those
 * of the other live nodes (hcd_node).  A node whose row is older than
 * NODE_TIMEOUT, counted from this session's start at the latest (after
 * an outage every node gets that long to come back), is taken for
 * dead and not waited for.  While the watermark trails, checks due
 * wait; they go down dated at their deadline all the same.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "alerter.h"
#include "check.h"
#include "checkdef.h"
#include "conf.h"
#include "db.h"
#include "dbconn.h"
#include "hcd.h"
#include "log.h"
#include "shm.h"

#define DUE_MAX		1000	/* checks per pass */
#define PRUNE_MAX	1000	/* checks per pruning statement */

/* Check ids handed between the writer and the deadline thread. */
struct idq {
	int64_t			*q_ids;
	size_t			 q_n, q_cap;
};

struct deadline {
	struct dbconn		*dl_db;		/* the thread's only */
	const struct conf	*dl_cf;
	struct shm		*dl_sh;		/* the watermark, or NULL */
	pthread_t		 dl_thread;
	pthread_mutex_t		 dl_lock;	/* guards what follows */
	pthread_cond_t		 dl_cond;
	int			 dl_stop;
	struct idq		 dl_prune;	/* checks to prune */
	struct idq		 dl_stale;	/* checks a pass wrote */
};

/*
 * The session's setup (dbconn): statements prepared once per session.
 * TimeZone=UTC comes with the start-up packet.
 *
 * hcd_prune picks the pings to delete check by check, through a
 * LATERAL subquery on (owner_id, n) that OFFSET 0 keeps from being
 * flattened into a join, and deletes them by ctid.  As a join
 * ("DELETE ... USING lim"), the planner took "n <= thr" for a third of
 * the table and hashed a sequential scan of all of api_ping: 1 to 1.8 s
 * a pruning with 2 to 3.4 million rows and 300 busy checks, several
 * times in every 8 s of pings.
 */
static int
deadline_prepare(PGconn *db, void *arg, char *err, size_t errsz)
{
	char	*due;
	int	 rv;

	due = xasprintf("SELECT c.id, %s FROM api_check c "
	    "WHERE c.alert_after <= 'epoch'::timestamptz + "
	    "$1::bigint * interval '1 microsecond' AND c.status <> 'down' "
	    "ORDER BY c.alert_after LIMIT 1000 FOR UPDATE SKIP LOCKED",
	    check_state_cols());
	rv = db_prepare(db, "hcd_due", due, err, errsz);
	free(due);
	if (rv == -1 ||
	    db_prepare(db, "hcd_watermarks",
	    "SELECT (extract(epoch FROM min(watermark)) * 1000000)::bigint "
	    "FROM hcd_node WHERE node <> $1 AND greatest(seen, (SELECT "
	    "backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()))"
	    " > now() - $2::integer * interval '1 second'", err, errsz) == -1 ||
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
	    "  DELETE FROM api_ping x WHERE x.ctid = ANY (ARRAY("
	    "    SELECT y.ctid FROM lim CROSS JOIN LATERAL (SELECT ctid"
	    "    FROM api_ping z WHERE z.owner_id = lim.id"
	    "    AND z.n <= lim.thr OFFSET 0) y)) RETURNING 1"
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

/* A prepared statement; 0, or -1 with the reason in err.  *keep: rows. */
static int
exec_prepared(struct dbconn *db, const char *name, int n, const char **params,
    PGresult **keep, char *err, size_t errsz)
{
	PGresult *r;

	if ((r = dbconn_exec_prepared(db, name, n, params, 0, err,
	    errsz)) == NULL)
		return -1;
	if (keep != NULL)
		*keep = r;
	else
		PQclear(r);
	return 0;
}

/* Append ids[0..n) to a queue shared with the writer. */
static void
idq_add(struct deadline *dl, struct idq *q, const int64_t *ids, size_t n)
{
	if (n == 0)
		return;
	pthread_mutex_lock(&dl->dl_lock);
	if (q->q_n + n > q->q_cap) {
		while (q->q_n + n > q->q_cap)
			q->q_cap = q->q_cap ? q->q_cap * 2 : 256;
		q->q_ids = xreallocarray(q->q_ids, q->q_cap,
		    sizeof(*q->q_ids));
	}
	memcpy(q->q_ids + q->q_n, ids, n * sizeof(*ids));
	q->q_n += n;
	pthread_mutex_unlock(&dl->dl_lock);
}

/* Take the whole queue: its ids (to free) and their number. */
static int64_t *
idq_take(struct deadline *dl, struct idq *q, size_t *n)
{
	int64_t *ids;

	pthread_mutex_lock(&dl->dl_lock);
	ids = q->q_ids;
	*n = q->q_n;
	memset(q, 0, sizeof(*q));
	pthread_mutex_unlock(&dl->dl_lock);
	return ids;
}

/* After a failure inside the pass's transaction. */
static void
rollback(struct dbconn *db)
{
	if (!dbconn_lost(db))
		(void)dbconn_cmd(db, "ROLLBACK", 0, NULL, NULL, 0);
}

/*
 * One pass over the checks due at `now`.  Returns how many went down,
 * or -1 on a database error.  *more is set when the pass was full and
 * another should follow at once; *lag is the longest time between a
 * check's deadline and now, among those that went down.  The ids of
 * the checks it updated go to the stale queue after the commit.
 */
static int
deadline_pass(struct deadline *dl, int64_t now, int *more, int64_t *lag,
    char *err, size_t errsz)
{
	struct dbconn	*db = dl->dl_db;
	PGresult	*r = NULL;
	struct buf	 down, fc, fs, lid, laa;
	const char	*p[3];
	char		 nowtxt[24];
	int64_t		*ids = NULL;
	int		 i, n, ndown = 0, nlater = 0;

	*more = 0;
	*lag = 0;
	if (dbconn_cmd(db, "BEGIN", 0, NULL, err, errsz) == -1)
		return -1;
	snprintf(nowtxt, sizeof(nowtxt), "%lld", (long long)now);
	p[0] = nowtxt;
	if (exec_prepared(db, "hcd_due", 1, p, &r, err, errsz) == -1) {
		rollback(db);
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
		check_state_decode(r, i, 1, &s);
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
		if (exec_prepared(db, "hcd_down", 1, p, NULL, err,
		    errsz) == -1)
			goto fail;
		p[1] = db_arr_end(&fc);
		p[2] = db_arr_end(&fs);
		if (exec_prepared(db, "hcd_timeout_flips", 3, p, NULL, err,
		    errsz) == -1)
			goto fail;
	}
	if (nlater > 0) {
		p[0] = db_arr_end(&lid);
		p[1] = db_arr_end(&laa);
		if (exec_prepared(db, "hcd_later", 2, p, NULL, err,
		    errsz) == -1)
			goto fail;
	}
	if (dbconn_cmd(db, "COMMIT", 0, NULL, err, errsz) == -1)
		goto fail;
	*more = n == DUE_MAX;
	/*
	 * The writer's copies of these checks are out of date: telling it
	 * spares it a batch that would fail on their revision.
	 */
	idq_add(dl, &dl->dl_stale, ids, (size_t)n);
	goto out;
fail:
	rollback(db);
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
static int
deadline_next(struct dbconn *db, int64_t *next, char *err, size_t errsz)
{
	PGresult *r = NULL;

	if (exec_prepared(db, "hcd_next", 0, NULL, &r, err, errsz) == -1)
		return -1;
	*next = db_getint(r, 0, 0, CT_NONE);
	PQclear(r);
	return 0;
}

/* Prune the checks in ids[0..n) (spec 9.1).  0, or -1 on error. */
static int
deadline_prune(struct dbconn *db, const int64_t *ids, size_t n, char *err,
    size_t errsz)
{
	struct buf	 b;
	const char	*p[1];
	PGresult	*r = NULL;
	int		 rc;

	buf_init(&b);
	p[0] = db_arr_ids(&b, ids, n);
	rc = exec_prepared(db, "hcd_prune", 1, p, &r, err, errsz);
	if (rc == 0) {
		log_debug("pruned %zu checks: %s pings, %s notifications, "
		    "%s flips", n, PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1),
		    PQgetvalue(r, 0, 2));
		PQclear(r);
	}
	buf_clear(&b);
	return rc;
}

/*
 * The moment a pass may judge at: now, or the earliest watermark of the
 * live nodes (this one's from shared memory).  0, or -1 with err.
 */
static int
watermark(struct deadline *dl, int64_t *at, char *err, size_t errsz)
{
	PGresult	*r;
	const char	*p[2], *e;
	char		 tmo[24];
	int64_t		 now = hc_now_us(), v;

	*at = now;
	if (dl->dl_sh != NULL) {
		v = atomic_load(&dl->dl_sh->sh_j_watermark);
		if (v < *at)
			*at = v;
	}
	snprintf(tmo, sizeof(tmo), "%lld", (long long)dl->dl_cf->node_timeout);
	p[0] = dl->dl_cf->node_name;
	p[1] = tmo;
	if ((r = dbconn_exec_prepared(dl->dl_db, "hcd_watermarks", 2, p, 0, err,
	    errsz)) == NULL)
		return -1;
	if (PQntuples(r) == 1 && !PQgetisnull(r, 0, 0)) {
		v = hc_strtonum(PQgetvalue(r, 0, 0), INT64_MIN, INT64_MAX, &e);
		if (e == NULL && v < *at)
			*at = v;
	}
	PQclear(r);
	return 0;
}

/*
 * Mark down what is due and prune what was queued.  Returns how long
 * to sleep: until the next deadline, at most HC_DEADLINE_POLL_MS.
 */
static int64_t
deadline_round(struct deadline *dl)
{
	char		 err[512];
	int64_t		 now, next, lag, wait_ms = HC_DEADLINE_POLL_MS;
	int64_t		*ids;
	size_t		 n, k;
	int		 more = 0, down, rounds = 0;

	if (dbconn_retry_ms(dl->dl_db) > 0)
		return wait_ms;
	if (dbconn_get(dl->dl_db, err, sizeof(err)) == NULL) {
		log_warnx("database (deadlines): %s (retry in %lld ms)", err,
		    (long long)dbconn_retry_ms(dl->dl_db));
		return wait_ms;
	}
	do {
		if (watermark(dl, &now, err, sizeof(err)) == -1) {
			log_warnx("deadline pass: %s", err);
			return wait_ms;
		}
		if ((down = deadline_pass(dl, now, &more, &lag, err,
		    sizeof(err))) == -1) {
			log_warnx("deadline pass: %s", err);
			return wait_ms;
		}
		if (down > 0)
			log_info("%d check(s) went down, at most %lld ms after "
			    "their deadline", down, (long long)(lag / 1000));
	} while (more && ++rounds < 10);

	ids = idq_take(dl, &dl->dl_prune, &n);
	for (k = 0; k < n; k += PRUNE_MAX) {
		size_t m = n - k > PRUNE_MAX ? PRUNE_MAX : n - k;

		if (deadline_prune(dl->dl_db, ids + k, m, err,
		    sizeof(err)) == -1) {
			log_warnx("pruning: %s", err);
			break;
		}
	}
	free(ids);

	if (more)
		return 0;
	if (deadline_next(dl->dl_db, &next, err, sizeof(err)) == 0 &&
	    next != CT_NONE) {
		/* Due but not below the watermark yet: look again soon. */
		next = next <= hc_now_us() ? HC_WATERMARK_POLL_MS :
		    (next - now) / 1000 + 1;
		if (next < wait_ms)
			wait_ms = next < 0 ? 0 : next;
	}
	return wait_ms;
}

static void *
deadline_thread(void *arg)
{
	struct deadline	*dl = arg;
	struct timespec	 ts;
	int64_t		 wait_ms;

	pthread_mutex_lock(&dl->dl_lock);
	while (!dl->dl_stop) {
		pthread_mutex_unlock(&dl->dl_lock);
		wait_ms = deadline_round(dl);
		pthread_mutex_lock(&dl->dl_lock);
		if (dl->dl_stop || wait_ms == 0)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += wait_ms / 1000;
		ts.tv_nsec += (wait_ms % 1000) * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&dl->dl_cond, &dl->dl_lock, &ts);
	}
	pthread_mutex_unlock(&dl->dl_lock);
	return NULL;
}

struct deadline *
deadline_start(const struct conf *cf, struct shm *sh)
{
	struct deadline		*dl = xcalloc(1, sizeof(*dl));
	pthread_condattr_t	 ca;
	sigset_t		 all, old;

	dl->dl_cf = cf;
	dl->dl_sh = sh;
	dl->dl_db = dbconn_new(cf, "hcd-deadlines", deadline_prepare, dl);
	pthread_mutex_init(&dl->dl_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&dl->dl_cond, &ca);
	pthread_condattr_destroy(&ca);
	/* Signals are the event loop's: the thread starts with them blocked. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	if (pthread_create(&dl->dl_thread, NULL, deadline_thread, dl) != 0)
		fatalx("cannot start the deadline thread");
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return dl;
}

void
deadline_stop(struct deadline *dl)
{
	if (dl == NULL)
		return;
	pthread_mutex_lock(&dl->dl_lock);
	dl->dl_stop = 1;
	pthread_cond_signal(&dl->dl_cond);
	pthread_mutex_unlock(&dl->dl_lock);
	pthread_join(dl->dl_thread, NULL);
	dbconn_free(dl->dl_db);
	pthread_cond_destroy(&dl->dl_cond);
	pthread_mutex_destroy(&dl->dl_lock);
	free(dl->dl_prune.q_ids);
	free(dl->dl_stale.q_ids);
	free(dl);
}

void
deadline_prune_add(struct deadline *dl, const int64_t *ids, size_t n)
{
	idq_add(dl, &dl->dl_prune, ids, n);
}

int64_t *
deadline_stale_take(struct deadline *dl, size_t *n)
{
	return idq_take(dl, &dl->dl_stale, n);
}
