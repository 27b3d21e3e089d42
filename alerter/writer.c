/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The batch writer of the alerter (ARCHITECTURE.md, "durable group
 * commit").  A batch is what the producers have published since the
 * last one; it is written by one statement (hcd_write), which
 *   1. updates the state of the batch's checks, each only if its row
 *      still has the revision (hcd_rev, schema/002) the writer knows;
 *   2. inserts the pings and the flips;
 *   3. records in hcd_ring how far each ring is now stored, and moves
 *      this node's batch counter (ring -1) from n-1 to n;
 *   4. raises SQLSTATE HC409 if a row had changed or the counter was
 *      not at n-1, so that nothing of the batch is stored;
 * and the implicit transaction commits at the pipeline's sync point.
 * Then the writer publishes the watermarks and wakes the workers.
 *
 * The writer keeps the checks it writes in memory (w_cache): their
 * state after every batch sent, so a batch needs no read of the check
 * rows and no lock round trip; only checks it has not seen yet are
 * read first.  Batches go back to back on one connection in libpq's
 * pipeline mode: while batch n is executed and committed, batch n+1 is
 * gathered and sent, computed from the state n leaves.  If batch n
 * fails, n+1 finds the counter at n-1 and fails too (step 3), and so
 * on; the writer forgets its copies, starts again from the last
 * committed positions, and re-reads the checks.  Another writer of a
 * row (the API, the deadline pass, psql) makes the trigger bump its
 * revision, and that batch fails the same way.
 *
 * Step 3 makes a replay harmless: an alerter that died after a commit
 * but before publishing leaves the shared watermark behind; its
 * successor reads hcd_ring (writer_sync_cursors) and skips what is
 * already stored.
 *
 * The connection is a dbconn ("hcd-writer-<segment>"): its setup, run
 * on every new session before anything else, forgets the batches in
 * flight and the cached checks, prepares the statements and re-reads
 * the committed positions (writer_setup).  Waits for a batch's result
 * are bounded like dbconn_exec()'s: DB_STATEMENT_TIMEOUT plus one
 * second, then the session is dropped.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <poll.h>

#include <libpq-fe.h>

#include "alerter.h"
#include "check.h"
#include "checkdef.h"
#include "conf.h"
#include "db.h"
#include "dbconn.h"
#include "hcd.h"
#include "journal.h"
#include "log.h"
#include "pgarr.h"
#include "ping.h"
#include "pingrec.h"
#include "proc.h"
#include "ring.h"
#include "shm.h"
#include "uuid.h"

struct item {
	const struct ping_rec	*it_rec;
	uint32_t		 it_seq;
};

/*
 * A check as the writer knows it: as stored once every batch sent so
 * far has committed.
 */
struct wcheck {
	int64_t			 wc_id;
	int64_t			 wc_rev;	/* hcd_rev */
	int			 wc_gone;	/* no such row */
	int			 wc_stale;	/* changed by someone else: re-read */
	struct check_state	 wc_st;
	int			 wc_methods_post;
	int			 wc_filter_body;
	int			 wc_default_fail;
	int			 wc_filter_subject;	/* email */
	int			 wc_filter_email;	/* email: filter_body */
	char			*wc_kw[3];	/* start, success, failure */
	char			*wc_schedule;
	char			*wc_tz;
	int64_t			 wc_aa_db;	/* alert_after as stored */
	int64_t			 wc_n_db;	/* n_pings as stored */
	int			 wc_status_db;
};

/*
 * A batch of ring records on its way into the database: sent, its
 * result not read yet.  Batches are sent back to back on the writer's
 * connection (libpq pipeline mode) and commit in the order sent.
 */
struct batch {
	struct item		*b_items;	/* HC_BATCH_MAX, sorted */
	size_t			 b_nit;
	uint64_t		 b_end[HC_MAX_PRODUCERS];	/* ring positions */
	int64_t			 b_mark;	/* journal: watermark once stored */
	uint64_t		 b_mark_pings;
	int64_t			 b_seq;		/* this node's batch number */
	int			 b_stored;	/* pings written */
	int64_t			*b_prune;	/* checks to prune once stored */
	size_t			 b_nprune, b_prune_cap;
	int64_t			 b_sent;	/* µs, when sent */
};

/* The writer's copy of the checks it writes, by id. */
struct wcache {
	struct wcheck		**wc_slot;	/* open addressing */
	size_t			 wc_cap, wc_n;
};

struct writer {
	struct proc_env		*w_env;
	struct deadline		*w_dl;		/* its prune and stale queues */
	struct dbconn		*w_db;
	PGconn			*w_pg;		/* w_db's session, or NULL */
	char			 w_appname[64];	/* see writer_end_predecessors */
	uint64_t		 w_read[HC_MAX_PRODUCERS];	/* committed */
	uint64_t		 w_sent[HC_MAX_PRODUCERS];	/* sent */
	uint64_t		 w_stop_head[HC_MAX_PRODUCERS];	/* at SIGTERM */
	struct {			/* -v: where the time goes */
		int64_t		 compute;	/* µs building batches */
		int64_t		 wait;		/* µs from sent to stored */
		int64_t		 batches, records;
		int64_t		 ringwait;	/* µs from receipt to sent */
		int64_t		 total;		/* µs from receipt to stored */
		int64_t		 since;		/* µs, last report */
	}			 w_prof;
	struct batch		 w_fifo[HC_WRITER_DEPTH];	/* in flight */
	int			 w_fifo_head, w_fifo_n;
	int64_t			 w_seq;		/* last batch number sent */
	int			 w_pipeline;	/* connection in pipeline mode */
	struct wcache		 w_cache;
	/*
	 * The source: the rings (ACK_MODE committed; a cursor per ring)
	 * or the journal (one cursor, w_read[0]; hcd_ring's row -2).
	 */
	struct journal		*w_j;
	struct jreader		*w_jr;
	int			 w_ncur;	/* cursors */
	uint64_t		 w_key;		/* hcd_ring.segment */
	int64_t			 w_mark;	/* last mark sent */
	uint64_t		 w_mark_pings;
	int64_t			 w_beat;	/* ms: watermark last stored */
	int64_t			 w_last_send;	/* ms: the last batch sent */
	int			 w_draining;	/* stopping: no coalescing */
};

static void	writer_reset(struct writer *);
static int	batch_due(struct writer *);
static int	result_wait(struct writer *, int64_t *);

/* The node's watermark (journal only): it never goes back. */
static void
writer_watermark(struct writer *w, int64_t mark)
{
	struct shm	*sh = w->w_env->pe_shm;
	int64_t		 v = mark - HC_WATERMARK_SLACK_US;

	if (mark != 0 && v > atomic_load(&sh->sh_j_watermark))
		atomic_store(&sh->sh_j_watermark, v);
}

static int
item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->it_rec->pr_check != y->it_rec->pr_check)
		return x->it_rec->pr_check < y->it_rec->pr_check ? -1 : 1;
	if (x->it_rec->pr_time != y->it_rec->pr_time)
		return x->it_rec->pr_time < y->it_rec->pr_time ? -1 : 1;
	return x->it_seq < y->it_seq ? -1 : x->it_seq > y->it_seq;
}

/*
 * Statements prepared once per connection: planning them for every
 * batch cost more than the rows did.  Times travel as microseconds since
 * the epoch in bigint, converted exactly on the server.  The writer's
 * statements look rows up by key only; a sequential scan of a small
 * api_check table looks cheaper to the planner, and is not.
 */
static int
writer_prepare(PGconn *c, char *err, size_t errsz)
{
	char	*load;
	int	 rv;

	/* The check model's state columns, then the writer's own. */
	load = xasprintf("SELECT c.id, %s,"
	    " (extract(epoch FROM c.last_duration) * 1000000)::bigint,"
	    " c.last_start_rid, c.n_pings, c.manual_resume, c.methods,"
	    " c.filter_http_body, c.filter_default_fail, c.start_kw,"
	    " c.success_kw, c.failure_kw, c.has_confirmation_link,"
	    " (extract(epoch FROM c.alert_after) * 1000000)::bigint, c.hcd_rev,"
	    " c.filter_subject, c.filter_body "
	    "FROM api_check c WHERE c.id = ANY($1::integer[])",
	    check_state_cols());
	rv = db_exec(c, "SET enable_seqscan = off; SET enable_bitmapscan = off",
	    err, errsz);
	if (rv == 0)
		rv = db_prepare(c, "hcd_load", load, err, errsz);
	free(load);
	if (rv == -1 ||
	    db_prepare(c, "hcd_write",
	    "WITH u AS ("
	    "UPDATE api_check c SET status = u.status, last_ping = u.lp,"
	    " last_start = u.ls, last_start_rid = u.rid, last_duration = u.dur,"
	    " n_pings = u.n, alert_after = u.aa, has_confirmation_link = u.conf,"
	    " hcd_rev = u.rev + 1 "
	    "FROM unnest($4::integer[], $5::bigint[], $6::text[],"
	    " $7::timestamptz[], $8::timestamptz[], $9::uuid[], $10::interval[],"
	    " $11::integer[], $12::timestamptz[], $13::boolean[])"
	    " AS u(id, rev, status, lp, ls, rid, dur, n, aa, conf) "
	    "WHERE c.id = u.id AND c.hcd_rev = u.rev RETURNING 1), "
	    "p AS (INSERT INTO api_ping (n, owner_id, created, kind, scheme,"
	    " remote_addr, method, ua, body_raw, exitstatus, rid) "
	    "SELECT * FROM unnest($14::integer[], $15::integer[],"
	    " $16::timestamptz[], $17::text[], $18::text[], $19::inet[],"
	    " $20::text[], $21::text[], $22::bytea[], $23::smallint[],"
	    " $24::uuid[])), "
	    "f AS (INSERT INTO api_flip (owner_id, created, old_status,"
	    " new_status, reason) "
	    "SELECT * FROM unnest($25::integer[], $26::timestamptz[],"
	    " $27::text[], $28::text[], $29::text[])), "
	    "r AS (INSERT INTO hcd_ring (node, ring, segment, pos) "
	    "SELECT $1, r, $2, p FROM unnest($30::integer[], $31::bigint[]) "
	    "AS x(r, p) ON CONFLICT (node, ring) DO UPDATE SET "
	    "segment = excluded.segment, pos = excluded.pos), "
	    "s AS (UPDATE hcd_ring SET pos = $3 WHERE node = $1 AND ring = -1"
	    " AND segment = $2 AND pos = $3 - 1 RETURNING 1), "
	    "n AS (INSERT INTO hcd_node (node, watermark, seen) SELECT $1,"
	    " 'epoch'::timestamptz + $32::bigint * interval '1 microsecond',"
	    " now() WHERE $32::bigint IS NOT NULL ON CONFLICT (node) DO UPDATE"
	    " SET watermark = excluded.watermark, seen = excluded.seen) "
	    "SELECT CASE WHEN (SELECT count(*) FROM s) <> 1 THEN"
	    " hcd_stale('the batch before this one was not stored')"
	    " WHEN (SELECT count(*) FROM u) <>"
	    " coalesce(array_length($4::integer[], 1), 0) THEN"
	    " hcd_stale('a check changed or went') ELSE 'ok' END",
	    err, errsz) == -1)
		return -1;
	return 0;
}

/*
 * After a (re)start: move the read cursors past what hcd_ring says this
 * segment already committed, and publish that as the watermark.
 *
 * A writer killed right after sending its COMMIT may still commit after
 * we look: its session on the server lives on until the server notices.
 * So first end every other session of this segment's writer (they are
 * named hcd-writer-<segment>) and wait until they are gone; what they
 * committed is then final and visible, and nothing is stored twice.
 */
static int
writer_end_predecessors(struct writer *w, PGconn *c, char *err, size_t errsz)
{
	PGresult	*r;
	const char	*p[1] = { w->w_appname };
	int		 i, left = 1;

	for (i = 0; i < 1000 && left; i++) {
		if ((r = db_query(c, "SELECT count(pg_terminate_backend("
		    "pid)) FROM pg_stat_activity WHERE application_name = $1 "
		    "AND pid <> pg_backend_pid()", 1, p, err, errsz)) == NULL)
			return -1;
		left = strcmp(PQgetvalue(r, 0, 0), "0") != 0;
		PQclear(r);
		if (left)
			usleep(10000);
	}
	if (left) {
		snprintf(err, errsz, "the previous writer's session does not "
		    "end");
		return -1;
	}
	return 0;
}

static int	writer_count_from_1(struct writer *, PGconn *, const char **,
		    char *, size_t);

/*
 * The journal's cursor: hcd_ring's row -2 for this journal (its id in
 * `segment`), or the journal's oldest byte if the database has none (a
 * new journal, or one it never loaded from).
 */
/*
 * The backlog after a (re)start: its pings counted, for hcctl status,
 * and the oldest one's receipt, the watermark until more is loaded.
 */
static void
backlog_scan(struct writer *w, uint64_t pos, uint64_t head)
{
	struct shm		*sh = w->w_env->pe_shm;
	const struct ping_rec	*pr;
	uint64_t		 n = 0, p = pos, total;
	int64_t			 oldest = 0;
	size_t			 len;
	int			 type;

	while ((pr = jreader_next(w->w_jr, &p, head, &len, &type)) != NULL) {
		if (type != JREC_PING || pingrec_valid(pr, len) == -1)
			continue;
		if (n++ == 0)
			oldest = pr->pr_time;
	}
	total = journal_pings(w->w_j);
	w->w_mark_pings = total > n ? total - n : 0;
	atomic_store(&sh->sh_j_pings_loaded, w->w_mark_pings);
	atomic_store(&sh->sh_j_oldest, oldest);
	if (n > 0) {
		log_info("journal: %llu ping(s) to load (%llu bytes), the "
		    "oldest received %.1f s ago", (unsigned long long)n,
		    (unsigned long long)(head - pos),
		    (double)(hc_now_us() - oldest) / 1e6);
		/* Nothing after the oldest is loaded: the watermark. */
		w->w_mark = oldest;
	}
}

/*
 * The database this journal is loaded into, named by its name and oid
 * (a database dropped and made again is another one): journal.db.
 */
static int
writer_bind(struct writer *w, PGconn *c, char *err, size_t errsz)
{
	PGresult	*r;
	int		 rc;

	r = PQexec(c, "SELECT current_database() || ' ' || oid FROM "
	    "pg_database WHERE datname = current_database()");
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		db_seterr(c, r, err, errsz);
		PQclear(r);
		return -1;
	}
	rc = journal_bind_db(w->w_j, PQgetvalue(r, 0, 0), err, errsz);
	PQclear(r);
	return rc;
}

static int
writer_sync_journal(struct writer *w, PGconn *c, PGresult *r,
    const char **params, char *err, size_t errsz)
{
	struct shm	*sh = w->w_env->pe_shm;
	uint64_t	 pos = journal_first(w->w_j), head, got;
	const char	*e;
	int		 i, found = 0;

	if (writer_bind(w, c, err, errsz) == -1) {
		PQclear(r);
		return -1;
	}
	head = journal_head(w->w_j);
	for (i = 0; i < PQntuples(r); i++) {
		if (strcmp(PQgetvalue(r, i, 0), "-2") != 0)
			continue;
		got = (uint64_t)hc_strtonum(PQgetvalue(r, i, 1), 0, INT64_MAX,
		    &e);
		if (e != NULL)
			continue;
		found = 1;
		if (got > head)
			log_warnx("journal: the database has it loaded to %llu, "
			    "past its end (%llu): loading it from %llu",
			    (unsigned long long)got, (unsigned long long)head,
			    (unsigned long long)pos);
		else if (got < pos)
			log_warnx("journal: the database has it loaded to %llu, "
			    "before its oldest segment (%llu)",
			    (unsigned long long)got, (unsigned long long)pos);
		else
			pos = got;
	}
	PQclear(r);
	if (!found && head > pos)
		log_info("journal %llu: new to the database; loading it from "
		    "%llu", (unsigned long long)w->w_key,
		    (unsigned long long)pos);
	backlog_scan(w, pos, head);
	w->w_read[0] = pos;
	journal_set_loaded(w->w_j, pos);
	atomic_store(&sh->sh_j_loaded, pos);
	return writer_count_from_1(w, c, params, err, errsz);
}

static int
writer_sync_cursors(struct writer *w, PGconn *c, char *err, size_t errsz)
{
	struct shm	*sh = w->w_env->pe_shm;
	PGresult	*r;
	char		 seg[24];
	const char	*params[2] = { w->w_env->pe_conf->node_name, seg };
	const char	*e;
	int		 i, ring;
	uint64_t	 pos;

	if (writer_end_predecessors(w, c, err, errsz) == -1)
		return -1;
	snprintf(seg, sizeof(seg), "%lld", (long long)w->w_key);
	if ((r = db_query(c, "SELECT ring, pos FROM hcd_ring WHERE "
	    "node = $1 AND segment = $2", 2, params, err, errsz)) == NULL)
		return -1;
	if (w->w_j != NULL)
		return writer_sync_journal(w, c, r, params, err, errsz);
	for (i = 0; i < sh->sh_nrings; i++)
		w->w_read[i] = ring_commit(shm_ring(sh, i));
	for (i = 0; i < PQntuples(r); i++) {
		ring = (int)hc_strtonum(PQgetvalue(r, i, 0), 0,
		    sh->sh_nrings - 1, &e);
		if (e != NULL)
			continue;	/* the batch counter, ring -1 */
		pos = (uint64_t)hc_strtonum(PQgetvalue(r, i, 1), 0, INT64_MAX,
		    &e);
		if (e == NULL && pos > w->w_read[ring]) {
			log_info("ring %d: %llu bytes were committed before "
			    "a restart; skipping them", ring,
			    (unsigned long long)(pos - w->w_read[ring]));
			w->w_read[ring] = pos;
			ring_set_commit(shm_ring(sh, ring), pos);
		}
	}
	PQclear(r);
	return writer_count_from_1(w, c, params, err, errsz);
}

/* This session's batches count from 1. */
static int
writer_count_from_1(struct writer *w, PGconn *c, const char **params,
    char *err, size_t errsz)
{
	PGresult *r;

	r = PQexecParams(c, "INSERT INTO hcd_ring (node, ring, segment,"
	    " pos) VALUES ($1, -1, $2, 0) ON CONFLICT (node, ring) DO UPDATE"
	    " SET segment = excluded.segment, pos = 0", 2, NULL, params, NULL,
	    NULL, 0);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		db_seterr(c, r, err, errsz);
		PQclear(r);
		return -1;
	}
	PQclear(r);
	w->w_seq = 0;
	memcpy(w->w_sent, w->w_read, sizeof(w->w_sent));
	return 0;
}

/*
 * The setup of every new session (dbconn): a COMMIT may have been in
 * flight on the old one, so forget what was in flight and cached, and
 * re-read the committed positions before writing again.  A failure
 * drops the session and the back-off applies.
 */
static int
writer_setup(PGconn *c, void *arg, char *err, size_t errsz)
{
	struct writer	*w = arg;
	char		 why[384];

	writer_reset(w);
	w->w_pg = NULL;
	if (writer_prepare(c, why, sizeof(why)) == -1) {
		snprintf(err, errsz, "preparing the writer's statements: %s",
		    why);
		return -1;
	}
	if (writer_sync_cursors(w, c, why, sizeof(why)) == -1) {
		snprintf(err, errsz, "reading the committed positions: %s",
		    why);
		return -1;
	}
	return 0;
}

/* --- the cache of checks ------------------------------------------------- */

static void
wcheck_free(struct wcheck *w)
{
	int k;

	if (w == NULL)
		return;
	for (k = 0; k < 3; k++)
		free(w->wc_kw[k]);
	free(w->wc_schedule);
	free(w->wc_tz);
	free(w);
}

static size_t
cache_slot(const struct wcache *c, int64_t id)
{
	uint64_t h = (uint64_t)id * 0x9e3779b97f4a7c15ULL;

	return (size_t)(h ^ (h >> 31)) & (c->wc_cap - 1);
}

static struct wcheck *
cache_get(const struct wcache *c, int64_t id)
{
	size_t i;

	if (c->wc_cap == 0)
		return NULL;
	for (i = cache_slot(c, id); c->wc_slot[i] != NULL;
	    i = (i + 1) & (c->wc_cap - 1))
		if (c->wc_slot[i]->wc_id == id)
			return c->wc_slot[i];
	return NULL;
}

/* Add w, replacing a copy of the same check. */
static void
cache_put(struct wcache *c, struct wcheck *w)
{
	struct wcheck	**old;
	size_t		  i, ocap;

	if ((c->wc_n + 1) * 2 > c->wc_cap) {
		old = c->wc_slot;
		ocap = c->wc_cap;
		c->wc_cap = ocap ? ocap * 2 : 1024;
		c->wc_slot = xcalloc(c->wc_cap, sizeof(*c->wc_slot));
		c->wc_n = 0;
		for (i = 0; i < ocap; i++)
			if (old[i] != NULL)
				cache_put(c, old[i]);
		free(old);
	}
	for (i = cache_slot(c, w->wc_id); c->wc_slot[i] != NULL;
	    i = (i + 1) & (c->wc_cap - 1))
		if (c->wc_slot[i]->wc_id == w->wc_id) {
			wcheck_free(c->wc_slot[i]);
			c->wc_slot[i] = w;
			return;
		}
	c->wc_slot[i] = w;
	c->wc_n++;
}

static void
cache_clear(struct wcache *c)
{
	size_t i;

	for (i = 0; i < c->wc_cap; i++) {
		wcheck_free(c->wc_slot[i]);
		c->wc_slot[i] = NULL;
	}
	c->wc_n = 0;
}

/* A check from a row of hcd_load. */
static struct wcheck *
wcheck_from_row(const PGresult *r, int k)
{
	struct wcheck		*c = xcalloc(1, sizeof(*c));
	struct check_state	*s = &c->wc_st;
	const char		*e;
	int			 b = 1 + check_state_ncols();	/* past them */

	c->wc_id = hc_strtonum(PQgetvalue(r, k, 0), 1, INT64_MAX, &e);
	check_state_decode(r, k, 1, s);
	/* The cache outlives the result: its own copies. */
	c->wc_schedule = xstrdup(s->cs_schedule);
	c->wc_tz = xstrdup(s->cs_tz);
	s->cs_schedule = c->wc_schedule;
	s->cs_tz = c->wc_tz;
	s->cs_last_duration = db_getint(r, k, b, CT_NONE);
	if (!PQgetisnull(r, k, b + 1)) {
		s->cs_has_rid = 1;
		uuid_parse_text(PQgetvalue(r, k, b + 1), s->cs_last_start_rid);
	}
	s->cs_n_pings = db_getint(r, k, b + 2, CT_NONE);
	s->cs_manual_resume = *PQgetvalue(r, k, b + 3) == 't';
	c->wc_methods_post = strcmp(PQgetvalue(r, k, b + 4), "POST") == 0;
	c->wc_filter_body = *PQgetvalue(r, k, b + 5) == 't';
	c->wc_default_fail = *PQgetvalue(r, k, b + 6) == 't';
	c->wc_kw[0] = xstrdup(PQgetvalue(r, k, b + 7));
	c->wc_kw[1] = xstrdup(PQgetvalue(r, k, b + 8));
	c->wc_kw[2] = xstrdup(PQgetvalue(r, k, b + 9));
	s->cs_has_confirmation_link = *PQgetvalue(r, k, b + 10) == 't';
	s->cs_alert_after = db_getint(r, k, b + 11, CT_NONE);
	c->wc_rev = db_getint(r, k, b + 12, 0);
	c->wc_filter_subject = *PQgetvalue(r, k, b + 13) == 't';
	c->wc_filter_email = *PQgetvalue(r, k, b + 14) == 't';
	c->wc_aa_db = s->cs_alert_after;
	c->wc_n_db = s->cs_n_pings;
	c->wc_status_db = s->cs_status;
	return c;
}

/*
 * Read the checks of ids[] that the cache lacks.  A check that is not
 * in the database (deleted since its pings were taken) is remembered
 * as gone: its pings go with it.  Outside pipeline mode only.  0, or -1
 * (logged).
 */
static int
cache_load(struct writer *w, const int64_t *ids, size_t n)
{
	struct buf	 arr;
	PGresult	*r;
	const char	*p[1];
	char		 err[512];
	size_t		 i;
	int		 k;

	/*
	 * Checks deleted stay as "gone": with much churn the cache would
	 * only grow.  Past twice the index's capacity start afresh (no
	 * batch is in flight here, so nothing relies on the copies).
	 */
	if (w->w_cache.wc_n + n > 2 * (uint64_t)w->w_env->pe_conf->max_checks)
		cache_clear(&w->w_cache);
	/* A new session would re-read the cursors under the batch's feet. */
	if (!dbconn_ok(w->w_db)) {
		log_warnx("reading checks: the session is gone");
		return -1;
	}
	buf_init(&arr);
	p[0] = db_arr_ids(&arr, ids, n);
	r = dbconn_exec_prepared(w->w_db, "hcd_load", 1, p, 0, err,
	    sizeof(err));
	buf_clear(&arr);
	if (r == NULL) {
		log_warnx("reading checks: %s", err);
		if (dbconn_lost(w->w_db))
			w->w_pg = NULL;		/* dbconn dropped it */
		return -1;
	}
	for (k = 0; k < PQntuples(r); k++)
		cache_put(&w->w_cache, wcheck_from_row(r, k));
	PQclear(r);
	for (i = 0; i < n; i++)
		if (cache_get(&w->w_cache, ids[i]) == NULL) {
			struct wcheck *g = xcalloc(1, sizeof(*g));

			g->wc_id = ids[i];
			g->wc_gone = 1;
			cache_put(&w->w_cache, g);
		}
	return 0;
}

static const char *kind_col[] = {
	[PA_SUCCESS] = NULL, [PA_START] = "start", [PA_FAIL] = "fail",
	[PA_LOG] = "log", [PA_IGN] = "ign"
};

/*
 * An email's action (spec 2): with the subject or body filter on, the
 * keywords decide on the text Healthchecks joins, "\n".join of the
 * Subject and the body's text, both extracted by the smtpd into the
 * record; `methods` and filter_http_body do not apply.
 */
static int
email_action(const struct wcheck *c, const struct ping_rec *pr)
{
	struct buf	 t;
	int		 action;

	if (!c->wc_filter_subject && !c->wc_filter_email)
		return pr->pr_action;
	buf_init(&t);
	if (c->wc_filter_subject)
		buf_add(&t, pingrec_subject(pr), pr->pr_subject_len);
	if (c->wc_filter_email && pr->pr_text_len > 0) {
		if (c->wc_filter_subject)
			buf_addc(&t, '\n');
		buf_add(&t, pingrec_text(pr), pr->pr_text_len);
	}
	action = check_classify((const char *)t.b_data, t.b_len, c->wc_kw[0],
	    c->wc_kw[1], c->wc_kw[2], c->wc_default_fail);
	buf_clear(&t);
	return action;
}

/* The action after the check's filters (spec 1.4 steps 7-8). */
static int
final_action(const struct wcheck *c, const struct ping_rec *pr,
    const uint8_t *body)
{
	int action = pr->pr_action;

	if (pr->pr_scheme == PS_EMAIL)
		return email_action(c, pr);
	if (c->wc_methods_post && !(pr->pr_flags & PR_POST))
		return PA_IGN;
	if (c->wc_filter_body)
		action = check_classify((const char *)body, pr->pr_body_len,
		    c->wc_kw[0], c->wc_kw[1], c->wc_kw[2], c->wc_default_fail);
	return action;
}

/*
 * The columns of hcd_write travel as binary arrays (common/pgarr.c): the
 * server reads them with each type's receive function, which costs a
 * fraction of parsing array literals, and the writer formats no
 * numbers, times or hex.
 */
/* The array parameters of hcd_write, $4 to $31, in order. */
enum {
	U_ID, U_REV, U_STATUS, U_LP, U_LS, U_RID, U_DUR, U_N, U_AA, U_CONF,
	P_N, P_OWNER, P_CREATED, P_KIND, P_SCHEME, P_ADDR, P_METHOD, P_UA,
	P_BODY, P_EXIT, P_RID,
	F_OWNER, F_CREATED, F_OLD, F_NEW, F_REASON,
	R_RING, R_POS,
	NCOLS
};
static const uint32_t col_oid[NCOLS] = {
	[U_ID] = OID_INT4, [U_REV] = OID_INT8, [U_STATUS] = OID_TEXT,
	[U_LP] = OID_TIMESTAMPTZ, [U_LS] = OID_TIMESTAMPTZ, [U_RID] = OID_UUID,
	[U_DUR] = OID_INTERVAL, [U_N] = OID_INT4, [U_AA] = OID_TIMESTAMPTZ,
	[U_CONF] = OID_BOOL,
	[P_N] = OID_INT4, [P_OWNER] = OID_INT4, [P_CREATED] = OID_TIMESTAMPTZ,
	[P_KIND] = OID_TEXT, [P_SCHEME] = OID_TEXT, [P_ADDR] = OID_INET,
	[P_METHOD] = OID_TEXT, [P_UA] = OID_TEXT, [P_BODY] = OID_BYTEA,
	[P_EXIT] = OID_INT2, [P_RID] = OID_UUID,
	[F_OWNER] = OID_INT4, [F_CREATED] = OID_TIMESTAMPTZ,
	[F_OLD] = OID_TEXT, [F_NEW] = OID_TEXT, [F_REASON] = OID_TEXT,
	[R_RING] = OID_INT4, [R_POS] = OID_INT8
};

static void
add_ping_row(struct pgarr *col, const struct wcheck *c,
    const struct ping_rec *pr, int action)
{
	size_t		 mlen;

	pgarr_i32(&col[P_N], (int32_t)c->wc_st.cs_n_pings);
	pgarr_i32(&col[P_OWNER], (int32_t)c->wc_id);
	pgarr_time(&col[P_CREATED], pr->pr_time);
	if (kind_col[action] != NULL)
		pgarr_str(&col[P_KIND], kind_col[action]);
	else
		pgarr_null(&col[P_KIND]);
	pgarr_str(&col[P_SCHEME], pr->pr_scheme == PS_HTTPS ? "https" :
	    pr->pr_scheme == PS_EMAIL ? "email" : "http");
	pgarr_inet(&col[P_ADDR], pingrec_addr(pr), pr->pr_addr_len);
	mlen = pr->pr_method_len > 10 ? 10 : pr->pr_method_len;
	pgarr_bytes(&col[P_METHOD], pingrec_method(pr), mlen);
	pgarr_bytes(&col[P_UA], pingrec_ua(pr), pr->pr_ua_len);
	pgarr_bytes(&col[P_BODY], pingrec_body(pr), pr->pr_body_len);
	if (pr->pr_exit >= 0)
		pgarr_i16(&col[P_EXIT], pr->pr_exit);
	else
		pgarr_null(&col[P_EXIT]);
	pgarr_uuid(&col[P_RID], pr->pr_has_rid, pr->pr_rid);
}

static void
add_flip_row(struct pgarr *col, int64_t check, int64_t when,
    const struct check_flip *f)
{
	pgarr_i32(&col[F_OWNER], (int32_t)check);
	pgarr_time(&col[F_CREATED], when);
	pgarr_str(&col[F_OLD], check_status_name(f->cf_old));
	pgarr_str(&col[F_NEW], check_status_name(f->cf_new));
	pgarr_str(&col[F_REASON], f->cf_reason);
}

/*
 * The alert_after to store.  A routine ping only moves the deadline
 * later; storing that would change an indexed column and make the row
 * update non-HOT, on every ping.  A stored deadline that is earlier
 * than the real one is harmless: the deadline pass re-computes the
 * status when it comes, finds the check not down, and stores the real
 * deadline (spec 4, "not down -> UPDATE alert_after").  So the stored
 * value changes only when the deadline moves earlier, appears, goes, or
 * the status changed.
 */
static int64_t
stored_alert_after(const struct wcheck *c)
{
	int64_t nw = c->wc_st.cs_alert_after, old = c->wc_aa_db;

	if (c->wc_st.cs_status != c->wc_status_db || old == CT_NONE ||
	    nw == CT_NONE || nw < old)
		return nw;
	return old;
}

static void
add_check_row(struct pgarr *col, const struct wcheck *c, int64_t rev)
{
	const struct check_state	*s = &c->wc_st;

	pgarr_i32(&col[U_ID], (int32_t)c->wc_id);
	pgarr_i64(&col[U_REV], rev);
	pgarr_str(&col[U_STATUS], check_status_name(s->cs_status));
	pgarr_time(&col[U_LP], s->cs_last_ping);
	pgarr_time(&col[U_LS], s->cs_last_start);
	pgarr_uuid(&col[U_RID], s->cs_has_rid, s->cs_last_start_rid);
	pgarr_interval(&col[U_DUR], s->cs_last_duration);
	pgarr_i32(&col[U_N], (int32_t)s->cs_n_pings);
	pgarr_time(&col[U_AA], stored_alert_after(c));
	pgarr_bool(&col[U_CONF], s->cs_has_confirmation_link);
}

/* A record into a batch, if whole (it cannot be otherwise). */
static void
item_add(struct item *items, size_t *nit, size_t *bytes, const void *rec,
    size_t len)
{
	if (pingrec_valid(rec, len) == -1)
		return;
	items[*nit].it_rec = rec;
	items[*nit].it_seq = (uint32_t)*nit;
	(*nit)++;
	*bytes += len;
}

/*
 * Read up to HC_BATCH_MAX published records from all rings, each ring
 * from position from[r]; end[r] is where the batch stops (collect,
 * below).  A batch also stops once it holds HC_BATCH_BYTES (it always
 * takes one record): its bodies travel in one bytea[] parameter, and
 * PostgreSQL refuses a value or a message of 1 GB, which a few pings
 * of a large PING_BODY_LIMIT in a large RING_SIZE would reach.
 *
 * The same from the journal, up to its synced head.  Marks are not
 * items: the last one passed dates the batch (b_mark), the node's
 * watermark once the batch is stored.
 */
static size_t
collect_journal(struct writer *w, const uint64_t *from, struct item *items,
    uint64_t *end, struct batch *b)
{
	uint64_t	 head = journal_head(w->w_j), pos = from[0];
	size_t		 nit = 0, len, bytes = 0;
	const void	*rec;
	struct jmark	 m;
	int		 type;

	b->b_mark = w->w_mark;
	b->b_mark_pings = w->w_mark_pings;
	while (nit < HC_BATCH_MAX && bytes < HC_BATCH_BYTES &&
	    (rec = jreader_next(w->w_jr, &pos, head, &len, &type)) != NULL) {
		if (type == JREC_MARK) {
			memcpy(&m, rec, sizeof(m));
			b->b_mark = m.jm_time;
			b->b_mark_pings = m.jm_pings;
			continue;
		}
		item_add(items, &nit, &bytes, rec, len);
	}
	end[0] = pos;
	return nit;
}

static size_t
collect(struct writer *w, const uint64_t *from, struct item *items,
    uint64_t *end, struct batch *b)
{
	struct shm	*sh = w->w_env->pe_shm;
	size_t		 nit = 0, len, bytes = 0;
	const void	*rec;
	int		 r;

	if (w->w_j != NULL)
		return collect_journal(w, from, items, end, b);
	for (r = 0; r < sh->sh_nrings; r++) {
		struct ring	*rg = shm_ring(sh, r);
		uint64_t	 head = ring_head(rg), pos = from[r];

		while (nit < HC_BATCH_MAX && bytes < HC_BATCH_BYTES &&
		    (rec = ring_next(rg, &pos, head, &len)) != NULL)
			item_add(items, &nit, &bytes, rec, len);
		end[r] = pos;
	}
	return nit;
}

/* --- batches ------------------------------------------------------------- */

/*
 * Close the connection after trouble: the next one re-reads what is
 * committed (writer_setup).  Not at once: the alerter's loop tries again
 * at its next tick, since a statement that fails for its data would
 * fail again.
 */
static void
writer_drop_conn(struct writer *w)
{
	writer_reset(w);
	dbconn_reset(w->w_db);
	w->w_pg = NULL;
}

static struct batch *
fifo_at(struct writer *w, int k)
{
	return &w->w_fifo[(w->w_fifo_head + k) % HC_WRITER_DEPTH];
}

static void
batch_prune_add(struct batch *b, int64_t id)
{
	if (b->b_nprune == b->b_prune_cap) {
		b->b_prune_cap = b->b_prune_cap ? b->b_prune_cap * 2 : 64;
		b->b_prune = xreallocarray(b->b_prune, b->b_prune_cap,
		    sizeof(*b->b_prune));
	}
	b->b_prune[b->b_nprune++] = id;
}

/* Records published and not sent yet. */
static int
records_waiting(struct writer *w)
{
	struct shm	*sh = w->w_env->pe_shm;
	int		 i;

	if (w->w_j != NULL)
		return journal_head(w->w_j) != w->w_sent[0];
	for (i = 0; i < sh->sh_nrings; i++)
		if (ring_head(shm_ring(sh, i)) != w->w_sent[i])
			return 1;
	return 0;
}

int
writer_pending(struct writer *w)
{
	return w->w_fifo_n > 0 || records_waiting(w);
}

/*
 * The checks of a batch (sorted by check) that the cache lacks, into
 * *ids; returns how many.
 */
static size_t
batch_missing(struct writer *w, const struct batch *b, int64_t **ids)
{
	struct wcheck	*c;
	size_t		 i, n = 0;
	int64_t		 last = 0, *st;

	/* What the deadline pass changed is read again before use. */
	if ((st = deadline_stale_take(w->w_dl, &n)) != NULL) {
		for (i = 0; i < n; i++)
			if ((c = cache_get(&w->w_cache, st[i])) != NULL)
				c->wc_stale = 1;
		free(st);
		n = 0;
	}

	*ids = NULL;
	for (i = 0; i < b->b_nit; i++) {
		int64_t id = b->b_items[i].it_rec->pr_check;

		if (id == last)
			continue;
		last = id;
		if ((c = cache_get(&w->w_cache, id)) != NULL && !c->wc_stale)
			continue;
		if (*ids == NULL)
			*ids = xreallocarray(NULL, b->b_nit, sizeof(**ids));
		(*ids)[n++] = id;
	}
	return n;
}

/* -v: the time since their receipt, summed over a batch's pings. */
static int64_t
wait_sum(const struct batch *b, int64_t now)
{
	int64_t	 sum = 0;
	size_t	 i;

	for (i = 0; i < b->b_nit; i++)
		sum += now - b->b_items[i].it_rec->pr_time;
	return sum;
}

/*
 * Gather the next batch from a_sent on, compute it from the cached
 * checks and send it.  Returns 1 when sent, 0 when it needs checks
 * read first and batches are still in flight (wait for them), -1 on a
 * database error.
 */
/*
 * Journal mode: a batch's pings go by COPY, in a transaction that the
 * batch's statement and a COMMIT then end (batch_send).  PostgreSQL
 * writes COPY's rows by pages (heap_multi_insert), about a third
 * cheaper than INSERT ... SELECT FROM unnest(), and the loader is what
 * PostgreSQL spends most on.  COPY cannot go in a pipeline, so this runs
 * with no batch in flight (writer_pump sends one at a time then).  0,
 * or -1 with the reason in err (the session is then to be dropped).
 */
#define COPY_PINGS "BEGIN; COPY api_ping (n, owner_id, created, kind," \
	" scheme, remote_addr, method, ua, body_raw, exitstatus, rid)" \
	" FROM STDIN (FORMAT binary)"

static int
copy_pings(struct writer *w, struct pgarr *col, char *err, size_t errsz)
{
	struct pgarr	*cols[P_RID - P_N + 1];
	struct buf	 data;
	PGresult	*r;
	int64_t		 deadline = 0;
	int		 i, st, copied = 0, rv = -1;

	for (i = 0; i <= P_RID - P_N; i++)
		cols[i] = &col[P_N + i];
	buf_init(&data);
	pgarr_copy(&data, cols, P_RID - P_N + 1);
	*err = '\0';
	if (PQsendQuery(w->w_pg, COPY_PINGS) != 1) {
		db_seterr(w->w_pg, NULL, err, errsz);
		goto out;
	}
	for (;;) {
		if (result_wait(w, &deadline) == -1) {
			snprintf(err, errsz, "no answer from the database "
			    "within %d ms", dbconn_timeout_ms(w->w_db));
			goto out;
		}
		if ((r = PQgetResult(w->w_pg)) == NULL)
			break;
		st = PQresultStatus(r);
		if (st == PGRES_COPY_IN && !copied) {
			PQclear(r);
			copied = 1;
			if (PQputCopyData(w->w_pg, (const char *)data.b_data,
			    (int)data.b_len) != 1 ||
			    PQputCopyEnd(w->w_pg, NULL) != 1) {
				db_seterr(w->w_pg, NULL, err, errsz);
				goto out;
			}
			continue;
		}
		if (st != PGRES_COMMAND_OK && *err == '\0')
			db_seterr(w->w_pg, r, err, errsz);
		PQclear(r);
	}
	if (*err == '\0' && !copied)
		snprintf(err, errsz, "COPY did not start");
	if (*err == '\0')
		rv = 0;
out:
	buf_clear(&data);
	return rv;
}

static int
batch_send(struct writer *w)
{
	struct batch	*b = fifo_at(w, w->w_fifo_n);
	struct pgarr	 col[NCOLS];
	const char	*params[3 + NCOLS + 1];
	int		 lens[3 + NCOLS + 1], fmts[3 + NCOLS + 1];
	char		 seg[24], seq[24], mark[24];
	int64_t		*missing, t0, rev;
	size_t		 i, j, nmiss;
	int		 r, ok, copy;

	t0 = hc_now_us();
	if (b->b_items == NULL)
		b->b_items = xreallocarray(NULL, HC_BATCH_MAX,
		    sizeof(*b->b_items));
	b->b_nit = collect(w, w->w_sent, b->b_items, b->b_end, b);
	qsort(b->b_items, b->b_nit, sizeof(*b->b_items), item_cmp);
	if ((nmiss = batch_missing(w, b, &missing)) > 0) {
		if (w->w_fifo_n > 0) {
			free(missing);
			return 0;
		}
		r = cache_load(w, missing, nmiss);
		free(missing);
		if (r == -1)
			return -1;
	}

	b->b_seq = w->w_seq + 1;
	b->b_stored = 0;
	b->b_nprune = 0;
	for (r = 0; r < NCOLS; r++)
		pgarr_init(&col[r], col_oid[r]);
	for (i = 0; i < b->b_nit; i = j) {
		struct wcheck	*c;
		int64_t		 id = b->b_items[i].it_rec->pr_check;

		for (j = i; j < b->b_nit &&
		    b->b_items[j].it_rec->pr_check == id; j++)
			;
		c = cache_get(&w->w_cache, id);
		if (c == NULL || c->wc_gone)
			continue;	/* deleted since: its pings go too */
		rev = c->wc_rev;
		for (; i < j; i++) {
			const struct ping_rec	*pr = b->b_items[i].it_rec;
			const uint8_t		*body;
			struct check_flip	 f;
			int			 action;

			body = pingrec_body(pr);
			action = final_action(c, pr, body);
			action = check_apply_ping(&c->wc_st, action,
			    pr->pr_has_rid, pr->pr_rid, pr->pr_time, &f);
			c->wc_st.cs_has_confirmation_link =
			    check_has_confirm(body, pr->pr_body_len);
			add_ping_row(col, c, pr, action);
			if (f.cf_new != -1)
				add_flip_row(col, c->wc_id, pr->pr_time, &f);
			b->b_stored++;
		}
		/* Every 100th ping of a check, its old pings go (spec 9.1). */
		if (c->wc_n_db / 100 != c->wc_st.cs_n_pings / 100)
			batch_prune_add(b, c->wc_id);
		add_check_row(col, c, rev);
		/* What the row holds once this batch commits. */
		c->wc_aa_db = stored_alert_after(c);
		c->wc_n_db = c->wc_st.cs_n_pings;
		c->wc_status_db = c->wc_st.cs_status;
		c->wc_rev = rev + 1;
	}
	for (r = 0; r < w->w_ncur; r++)
		if (b->b_end[r] != w->w_sent[r]) {
			pgarr_i32(&col[R_RING], w->w_j != NULL ? -2 : r);
			pgarr_i64(&col[R_POS], (int64_t)b->b_end[r]);
		}
	copy = w->w_j != NULL && b->b_stored > 0;
	if (copy) {
		char err[512];

		if (copy_pings(w, col, err, sizeof(err)) == -1) {
			log_warnx("sending a batch's pings: %s", err);
			for (r = 0; r < NCOLS; r++)
				pgarr_clear(&col[r]);
			writer_drop_conn(w);	/* the cache ran ahead */
			return -1;
		}
		/* The statement inserts none of them now. */
		for (r = P_N; r <= P_RID; r++) {
			pgarr_clear(&col[r]);
			pgarr_init(&col[r], col_oid[r]);
		}
	}
	snprintf(seg, sizeof(seg), "%lld", (long long)w->w_key);
	snprintf(seq, sizeof(seq), "%lld", (long long)b->b_seq);
	params[0] = w->w_env->pe_conf->node_name;
	params[1] = seg;
	params[2] = seq;
	for (r = 0; r < 3; r++)
		lens[r] = fmts[r] = 0;		/* text */
	for (r = 0; r < NCOLS; r++) {
		pgarr_end(&col[r], &params[3 + r], &lens[3 + r]);
		fmts[3 + r] = 1;		/* binary */
	}
	/* The watermark (journal only): the batch's mark, less the slack. */
	snprintf(mark, sizeof(mark), "%lld", (long long)(b->b_mark -
	    HC_WATERMARK_SLACK_US));
	params[3 + NCOLS] = w->w_j != NULL && b->b_mark != 0 ? mark : NULL;
	lens[3 + NCOLS] = fmts[3 + NCOLS] = 0;

	ok = (w->w_pipeline || PQenterPipelineMode(w->w_pg) == 1) &&
	    PQsendQueryPrepared(w->w_pg, "hcd_write", 3 + NCOLS + 1, params, lens,
	    fmts, 0) == 1 && (!copy ||
	    PQsendQueryParams(w->w_pg, "COMMIT", 0, NULL, NULL, NULL, NULL,
	    0) == 1) && PQpipelineSync(w->w_pg) == 1;
	w->w_pipeline = PQpipelineStatus(w->w_pg) != PQ_PIPELINE_OFF;
	for (r = 0; r < NCOLS; r++)
		pgarr_clear(&col[r]);
	if (!ok) {
		char err[512];

		db_seterr(w->w_pg, NULL, err, sizeof(err));
		log_warnx("sending a batch: %s", err);
		writer_drop_conn(w);	/* the cache ran ahead */
		return -1;
	}
	w->w_seq = b->b_seq;
	w->w_last_send = hc_mono_ms();
	memcpy(w->w_sent, b->b_end, sizeof(w->w_sent));
	w->w_fifo_n++;
	b->b_sent = hc_now_us();
	w->w_prof.compute += b->b_sent - t0;
	if (log_getverbose())
		w->w_prof.ringwait += wait_sum(b, b->b_sent);
	return 1;
}

/*
 * Wait until a result can be read without blocking, up to *deadline
 * (monotonic ms; set here on the first wait, if 0).  0, or -1 when the
 * database did not answer in time.  Where the result is there already,
 * this costs what PQgetResult's own wait would: nothing more.
 */
static int
result_wait(struct writer *w, int64_t *deadline)
{
	struct pollfd	pfd;
	int64_t		left;

	while (PQisBusy(w->w_pg)) {
		if (*deadline == 0)
			*deadline = hc_mono_ms() + dbconn_timeout_ms(w->w_db);
		if ((left = *deadline - hc_mono_ms()) <= 0)
			return -1;
		pfd.fd = PQsocket(w->w_pg);
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)left) == -1 && errno != EINTR)
			return 0;	/* PQgetResult says what is wrong */
		if (pfd.revents != 0 && PQconsumeInput(w->w_pg) != 1)
			return 0;	/* the error comes with the result */
	}
	return 0;
}

/*
 * Read the result of the oldest batch in flight: 1 if it was stored,
 * 0 if it failed with HC409 (stale), -1 on any other error (the text
 * in err).  A database that does not answer by *deadline costs the
 * session: w_pg is NULL after that.
 */
static int
batch_result(struct writer *w, int64_t *deadline, char *err, size_t errsz)
{
	PGresult	*r;
	int		 ret = 1, got = 0;

	*err = '\0';
	if (w->w_pg == NULL) {
		snprintf(err, errsz, "no session");
		return -1;
	}
	for (;;) {
		if (result_wait(w, deadline) == -1) {
			snprintf(err, errsz, "no answer from the database "
			    "within %d ms", dbconn_timeout_ms(w->w_db));
			/* What it did is unknown: writer_setup will tell. */
			dbconn_reset(w->w_db);
			w->w_pg = NULL;
			return -1;
		}
		if ((r = PQgetResult(w->w_pg)) == NULL) {
			/* Once, at the end of the statement's results. */
			if (got == 1 && PQstatus(w->w_pg) == CONNECTION_OK) {
				got = 2;
				continue;
			}
			db_seterr(w->w_pg, NULL, err, errsz);
			return -1;
		}
		got = 1;
		switch (PQresultStatus(r)) {
		case PGRES_PIPELINE_SYNC:
			PQclear(r);
			return ret;
		case PGRES_TUPLES_OK:
		case PGRES_COMMAND_OK:		/* the COMMIT after a COPY */
			break;
		default:
			if (ret == 1) {
				const char *st = PQresultErrorField(r,
				    PG_DIAG_SQLSTATE);

				ret = st != NULL && strcmp(st, "HC409") == 0 ?
				    0 : -1;
				db_seterr(w->w_pg, r, err, errsz);
			}
			if (PQstatus(w->w_pg) != CONNECTION_OK) {
				PQclear(r);
				return -1;
			}
			break;
		}
		PQclear(r);
	}
}

/* The oldest batch is stored: publish it and wake its producers. */
static void
batch_done(struct writer *w, struct batch *b)
{
	struct shm	*sh = w->w_env->pe_shm;
	int64_t		 now = hc_now_us();
	int		 r;

	w->w_prof.wait += now - b->b_sent;
	if (log_getverbose())
		w->w_prof.total += wait_sum(b, now);
	w->w_prof.batches++;
	w->w_prof.records += (int64_t)b->b_nit;
	if (log_getverbose() && now - w->w_prof.since > 5 * CT_SEC) {
		log_debug("per ping: receipt to sent %lld, to stored %lld; "
		    "batches %lld, %lld pings/batch; µs per batch: "
		    "compute %lld, sent to stored %lld",
		    (long long)(w->w_prof.ringwait / w->w_prof.records),
		    (long long)(w->w_prof.total / w->w_prof.records),
		    (long long)w->w_prof.batches,
		    (long long)(w->w_prof.records / w->w_prof.batches),
		    (long long)(w->w_prof.compute / w->w_prof.batches),
		    (long long)(w->w_prof.wait / w->w_prof.batches));
		memset(&w->w_prof, 0, sizeof(w->w_prof));
		w->w_prof.since = now;
	}
	if (w->w_j != NULL) {
		int64_t	 oldest = now;
		size_t	 k;

		for (k = 0; k < b->b_nit; k++)
			if (b->b_items[k].it_rec->pr_time < oldest)
				oldest = b->b_items[k].it_rec->pr_time;
		if (b->b_nit > 0)
			atomic_store(&sh->sh_j_lag, now - oldest);
		w->w_read[0] = b->b_end[0];
		w->w_mark = b->b_mark;
		w->w_mark_pings = b->b_mark_pings;
		journal_set_loaded(w->w_j, b->b_end[0]);
		jreader_release(w->w_jr, b->b_end[0]);
		atomic_store(&sh->sh_j_loaded, b->b_end[0]);
		atomic_store(&sh->sh_j_pings_loaded, b->b_mark_pings);
		writer_watermark(w, b->b_mark);
		w->w_beat = hc_mono_ms();
	}
	for (r = 0; r < sh->sh_nrings && w->w_j == NULL; r++) {
		if (b->b_end[r] == w->w_read[r])
			continue;
		w->w_read[r] = b->b_end[r];
		ring_set_commit(shm_ring(sh, r), b->b_end[r]);
		if (w->w_env->pe_ack_wfd[r] != -1)
			(void)write(w->w_env->pe_ack_wfd[r], "", 1);
	}
	atomic_fetch_add(&sh->sh_pings, (uint64_t)b->b_stored);
	atomic_fetch_add(&sh->sh_commits, 1);
	atomic_store(&sh->sh_batch_last, (uint64_t)b->b_nit);
	if ((uint64_t)b->b_nit > atomic_load(&sh->sh_batch_max))
		atomic_store(&sh->sh_batch_max, (uint64_t)b->b_nit);
	atomic_store(&sh->sh_last_commit, now);
	if (b->b_nprune > 0)
		deadline_prune_add(w->w_dl, b->b_prune, b->b_nprune);
}

static void
fifo_pop(struct writer *w)
{
	w->w_fifo_head = (w->w_fifo_head + 1) % HC_WRITER_DEPTH;
	if (--w->w_fifo_n == 0 && w->w_pipeline && w->w_pg != NULL) {
		(void)PQexitPipelineMode(w->w_pg);
		w->w_pipeline = PQpipelineStatus(w->w_pg) != PQ_PIPELINE_OFF;
	}
}

/*
 * A batch failed.  The ones sent after it fail too (they find the
 * batch counter behind), so read their results, forget the cached
 * checks, and start again from what is committed.  If anything went
 * other than so, the positions in the database are the truth: drop the
 * connection, and the next one re-reads them (writer_setup).
 */
static int
batch_failed(struct writer *w, int stale, const char *why)
{
	struct shm	*sh = w->w_env->pe_shm;
	char		 err[512];
	int64_t		 seq = fifo_at(w, 0)->b_seq;
	int		 r, clean = stale;

	if (!stale) {
		log_warnx("batch of %zu pings not stored: %s",
		    fifo_at(w, 0)->b_nit, why);
		atomic_fetch_add(&sh->sh_db_errors, 1);
	} else {
		log_debug("batch %lld not stored: %s; reading its checks "
		    "again", (long long)fifo_at(w, 0)->b_seq, why);
		atomic_fetch_add(&sh->sh_redone, 1);
	}
	fifo_pop(w);
	while (w->w_fifo_n > 0) {
		int64_t deadline = 0;

		if ((r = batch_result(w, &deadline, err, sizeof(err))) != 0)
			clean = 0;
		if (r == -1 && (w->w_pg == NULL ||
		    PQstatus(w->w_pg) != CONNECTION_OK))
			break;
		if (r == 1)
			log_warnx("batch %lld was stored after a failed one",
			    (long long)fifo_at(w, 0)->b_seq);
		fifo_pop(w);
	}
	cache_clear(&w->w_cache);
	/* A batch by COPY leaves its failed transaction open. */
	if (clean && w->w_pg != NULL && !w->w_pipeline &&
	    PQtransactionStatus(w->w_pg) != PQTRANS_IDLE &&
	    dbconn_cmd(w->w_db, "ROLLBACK", 0, NULL, err, sizeof(err)) == -1)
		clean = 0;
	if (!clean || w->w_fifo_n > 0 || w->w_pipeline) {
		writer_drop_conn(w);
		return -1;
	}
	w->w_seq = seq - 1;	/* the next is numbered as the failed one */
	memcpy(w->w_sent, w->w_read, sizeof(w->w_sent));
	return 0;
}

/*
 * The server is on the last batch sent and nothing else waits.  Rather
 * than block on its result (the server then idles for a round trip
 * once it is done), wait for the result or for the next batch to be
 * due (batch_due), whichever comes first, looking every
 * HC_FEED_POLL_US.  1 if a batch came due first, 0 if the result did,
 * or if the server has been
 * quiet for the client-side deadline (then *deadline is set to now, and
 * batch_result gives up at once).  The quiet time is counted in polls,
 * not read from the clock: each quiet poll lasts HC_FEED_POLL_US at
 * least.
 */
static int
feed_wait(struct writer *w, int64_t *deadline)
{
	struct pollfd	 pfd;
	struct timespec	 ts = { 0, HC_FEED_POLL_US * 1000 };
	int64_t		 quiet = 0, quiet_max;
	int		 n;

	quiet_max = (int64_t)dbconn_timeout_ms(w->w_db) * 1000 /
	    HC_FEED_POLL_US;
	pfd.fd = PQsocket(w->w_pg);
	pfd.events = POLLIN;
	for (;;) {
		if (!PQisBusy(w->w_pg))
			return 0;
		if (records_waiting(w) && batch_due(w))
			return 1;
		pfd.revents = 0;
		if ((n = ppoll(&pfd, 1, &ts, NULL)) > 0 &&
		    PQconsumeInput(w->w_pg) != 1)
			return 0;	/* the error comes with the result */
		if (n == 0 && ++quiet >= quiet_max) {
			*deadline = hc_mono_ms();
			return 0;
		}
	}
}

/*
 * With the journal the acks do not wait for the loader, so it need not
 * send each group as it comes: it sends a batch once HC_LOAD_BYTES of
 * journal wait, or HC_LOAD_INTERVAL_MS have passed since the last one,
 * or at once when a read waits for pings not sent yet (worker/dbq.c
 * sets sh_j_wanted).  Fewer, larger transactions cost PostgreSQL less
 * per ping and leave the CPU to the ping path, while the API and the
 * dashboard still read their writes within milliseconds.  The rings'
 * writer (committed) sends at once.
 */
static int
batch_due(struct writer *w)
{
	if (w->w_j == NULL || w->w_draining)
		return 1;
	return journal_head(w->w_j) - w->w_sent[0] >= HC_LOAD_BYTES ||
	    atomic_load(&w->w_env->pe_shm->sh_j_wanted) > w->w_sent[0] ||
	    hc_mono_ms() - w->w_last_send >= HC_LOAD_INTERVAL_MS;
}

/* How long the loader may nap: a read that comes meanwhile is seen
 * within HC_LOAD_NAP_MS. */
int64_t
writer_due_in(struct writer *w)
{
	int64_t left;

	if (batch_due(w))
		return 0;
	left = w->w_last_send + HC_LOAD_INTERVAL_MS - hc_mono_ms();
	if (left > HC_LOAD_NAP_MS)
		left = HC_LOAD_NAP_MS;
	return left > 0 ? left : 0;
}

/* Batches in flight at most: the journal's go by COPY, outside a pipeline. */
static int
writer_depth(const struct writer *w)
{
	return w->w_j != NULL ? 1 : HC_WRITER_DEPTH;
}

/*
 * One step of the writer: send a batch while fewer than writer_depth
 * are in flight and records wait; else wait for the oldest in flight
 * (with room for another, for new records too: feed_wait).
 */
int
writer_pump(struct writer *w)
{
	struct batch	*b;
	char		 err[512];
	int64_t		 deadline = 0;	/* set by the first wait */
	int		 r, more;

	more = w->w_fifo_n < writer_depth(w) && records_waiting(w) &&
	    batch_due(w);
	if (more) {
		if ((r = batch_send(w)) != 0)
			return r;
		/* Deferred: it needs checks read once the others are in. */
	} else if (w->w_fifo_n > 0 && w->w_fifo_n < writer_depth(w) &&
	    feed_wait(w, &deadline))
		return 1;
	if (w->w_fifo_n == 0)
		return more;
	b = fifo_at(w, 0);
	switch (batch_result(w, &deadline, err, sizeof(err))) {
	case 1:
		batch_done(w, b);
		fifo_pop(w);
		return 1;
	case 0:
		return batch_failed(w, 1, err) == -1 ? -1 : 1;
	default:
		(void)batch_failed(w, 0, err);
		return -1;
	}
}

/* Forget the batches in flight and the cached checks. */
static void
writer_reset(struct writer *w)
{
	w->w_fifo_n = 0;
	w->w_fifo_head = 0;
	w->w_pipeline = 0;
	cache_clear(&w->w_cache);
}

/*
 * The backlog's age, for hcctl status: the receipt of the first ping
 * not loaded yet (a look at one record), 0 when there is none.  Called
 * whether or not the database is there.
 */
void
writer_backlog(struct writer *w)
{
	struct shm		*sh = w->w_env->pe_shm;
	const struct ping_rec	*pr;
	uint64_t		 pos, head;
	size_t			 len;
	int			 type;

	if (w->w_j == NULL)
		return;
	head = journal_head(w->w_j);
	pos = w->w_read[0];
	while ((pr = jreader_next(w->w_jr, &pos, head, &len, &type)) != NULL)
		if (type == JREC_PING && pingrec_valid(pr, len) == 0) {
			atomic_store(&sh->sh_j_oldest, pr->pr_time);
			return;
		}
	atomic_store(&sh->sh_j_oldest, 0);
}

/*
 * The loader is idle (nothing to load, nothing in flight): everything
 * published before now is journaled and loaded if the rings are empty
 * and the cursor is at the journal's head, and the watermark moves to
 * now.  Once a second it is stored for the other nodes (hcd_node).
 */
void
writer_idle(struct writer *w)
{
	struct shm	*sh = w->w_env->pe_shm;
	const char	*p[2];
	char		 v[24], err[512];
	int64_t		 t0 = hc_now_us(), now;
	int		 i, clean = 1;

	if (w->w_j == NULL || w->w_fifo_n > 0)
		return;
	for (i = 0; i < sh->sh_nrings && clean; i++)
		if (ring_head(shm_ring(sh, i)) != ring_commit(shm_ring(sh, i)))
			clean = 0;
	now = hc_mono_ms();
	if (clean && w->w_read[0] == journal_head(w->w_j)) {
		writer_watermark(w, t0);
		/* Nothing loaded for a while: no lag to speak of. */
		if (now - w->w_last_send > 1000)
			atomic_store(&sh->sh_j_lag, 0);
	}
	writer_backlog(w);
	if (now - w->w_beat < HC_NODE_BEAT_MS || w->w_pg == NULL ||
	    w->w_pipeline || !dbconn_ok(w->w_db))
		return;
	w->w_beat = now;
	snprintf(v, sizeof(v), "%lld", (long long)atomic_load(
	    &sh->sh_j_watermark));
	p[0] = w->w_env->pe_conf->node_name;
	p[1] = v;
	if (dbconn_cmd(w->w_db, "INSERT INTO hcd_node (node, watermark,"
	    " seen) VALUES ($1, 'epoch'::timestamptz + $2::bigint * interval "
	    "'1 microsecond', now()) ON CONFLICT (node) DO UPDATE SET "
	    "watermark = excluded.watermark, seen = excluded.seen", 2, p, err,
	    sizeof(err)) == -1) {
		log_warnx("storing the watermark: %s", err);
		if (dbconn_lost(w->w_db))
			w->w_pg = NULL;
	}
}

/*
 * A graceful stop with everything loaded: this node holds nobody's
 * deadlines back any more, so its watermark goes.
 */
void
writer_leave(struct writer *w)
{
	const char	*p[1] = { w->w_env->pe_conf->node_name };
	char		 err[512];

	if (w->w_j == NULL || w->w_pg == NULL || w->w_pipeline ||
	    !dbconn_ok(w->w_db))
		return;
	if (dbconn_cmd(w->w_db, "DELETE FROM hcd_node WHERE node = $1", 1, p,
	    err, sizeof(err)) == -1)
		log_warnx("removing the watermark: %s", err);
}

struct writer *
writer_new(struct proc_env *pe, struct deadline *dl, struct journal *j)
{
	struct writer *w = xcalloc(1, sizeof(*w));

	w->w_env = pe;
	w->w_dl = dl;
	w->w_j = j;
	if (j != NULL) {
		w->w_jr = jreader_new(j);
		w->w_ncur = 1;
		/*
		 * Until the database says how far it has loaded (never, while
		 * it refuses this journal: journal.db names another), the
		 * cursor is the journal's oldest byte; 0 could name a segment
		 * long recycled, which writer_backlog looked for at every turn.
		 */
		w->w_read[0] = journal_first(j);
		w->w_key = journal_id(j);
	} else {
		w->w_ncur = pe->pe_shm->sh_nrings;
		w->w_key = pe->pe_shm->sh_segment;
	}
	/* Named after the segment: see writer_end_predecessors. */
	snprintf(w->w_appname, sizeof(w->w_appname), "hcd-writer-%lld",
	    (long long)pe->pe_shm->sh_segment);
	w->w_db = dbconn_new(pe->pe_conf, w->w_appname, writer_setup, w);
	return w;
}

int
writer_ready(struct writer *w)
{
	char err[512];

	if (w->w_pg != NULL && PQstatus(w->w_pg) == CONNECTION_OK)
		return 0;
	if (dbconn_retry_ms(w->w_db) > 0)
		return -1;		/* backing off: said when it failed */
	if ((w->w_pg = dbconn_get(w->w_db, err, sizeof(err))) == NULL) {
		log_warnx("database: %s (retry in %lld ms)", err,
		    (long long)dbconn_retry_ms(w->w_db));
		return -1;
	}
	return 0;
}

void
writer_stop(struct writer *w)
{
	struct shm	*sh = w->w_env->pe_shm;
	int		 i;

	if (w->w_j != NULL) {
		w->w_stop_head[0] = journal_head(w->w_j);
		w->w_draining = 1;
		return;
	}
	for (i = 0; i < sh->sh_nrings; i++)
		w->w_stop_head[i] = ring_head(shm_ring(sh, i));
}

int
writer_drained(struct writer *w)
{
	int i;

	for (i = 0; i < w->w_ncur; i++)
		if (w->w_read[i] < w->w_stop_head[i])
			return 0;
	return 1;
}

void
writer_free(struct writer *w)
{
	int i;

	if (w == NULL)
		return;
	writer_reset(w);
	free(w->w_cache.wc_slot);
	for (i = 0; i < HC_WRITER_DEPTH; i++) {
		free(w->w_fifo[i].b_items);
		free(w->w_fifo[i].b_prune);
	}
	dbconn_free(w->w_db);
	jreader_free(w->w_jr);
	free(w);
}
