/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The batch writer of the alerter (ARCHITECTURE.md, "durable group
 * commit").  One call of writer_batch takes what the producers have
 * published, and in one transaction:
 *   1. locks the affected checks in id order (SELECT ... FOR UPDATE);
 *   2. applies each ping to its check's state (check.c), in order of
 *      arrival, after the methods / body-keyword filters;
 *   3. COPYs the pings, the new check states (into a temporary table
 *      that one UPDATE joins) and the flips;
 *   4. records in hcd_ring how far each ring is now committed;
 *   5. commits, then publishes the watermarks and wakes the workers.
 * Step 4 makes a replay harmless: an alerter that died after COMMIT but
 * before step 5 leaves the shared watermark behind; its successor reads
 * hcd_ring (writer_sync_cursors) and skips what is already stored.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "alerter.h"
#include "check.h"
#include "conf.h"
#include "db.h"
#include "hcd.h"
#include "log.h"
#include "ping.h"
#include "proc.h"
#include "ring.h"
#include "shm.h"
#include "uuid.h"

struct item {
	const struct ping_rec	*it_rec;
	int			 it_ring;
	uint32_t		 it_seq;
};

struct wcheck {
	int64_t			 wc_id;
	struct check_state	 wc_st;
	int			 wc_methods_post;
	int			 wc_filter_body;
	int			 wc_default_fail;
	char			*wc_kw[3];	/* start, success, failure */
	char			*wc_schedule;
	char			*wc_tz;
	int			 wc_changed;
	int64_t			 wc_aa_db;	/* alert_after as stored */
	int64_t			 wc_n_db;	/* n_pings as stored */
	int			 wc_status_db;
};

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



/* A UUID array element, or NULL. */
static void
arr_uuid(struct buf *b, int has, const uint8_t u[16])
{
	char t[37];

	if (!has) {
		db_arr_add(b, "NULL");
		return;
	}
	uuid_format(u, t);
	db_arr_add(b, "%s", t);
}


static int
exec_ok(PGconn *db, const char *sql, char *err, size_t errsz)
{
	return db_exec(db, sql, err, errsz);
}

/*
 * Statements prepared once per connection: planning them for every
 * batch cost more than the rows did.  Times travel as microseconds since
 * the epoch in bigint, converted exactly on the server.
 */
int
writer_prepare(struct alerter *a)
{
	char err[256];

	if (exec_ok(a->a_db, "SET TIME ZONE 'UTC'", err, sizeof(err)) == -1 ||
	    db_prepare(a->a_db, "hcd_lock",
	    "SELECT id, kind, (extract(epoch FROM timeout) * 1000000)::bigint,"
	    " (extract(epoch FROM grace) * 1000000)::bigint, schedule, tz,"
	    " status, (extract(epoch FROM last_ping) * 1000000)::bigint,"
	    " (extract(epoch FROM last_start) * 1000000)::bigint,"
	    " (extract(epoch FROM last_duration) * 1000000)::bigint,"
	    " last_start_rid, n_pings, manual_resume, methods,"
	    " filter_http_body, filter_default_fail, start_kw, success_kw,"
	    " failure_kw, has_confirmation_link,"
	    " (extract(epoch FROM alert_after) * 1000000)::bigint "
	    "FROM api_check WHERE id = ANY($1::integer[]) ORDER BY id "
	    "FOR UPDATE", err, sizeof(err)) == -1 ||
	    db_prepare(a->a_db, "hcd_update",
	    "UPDATE api_check c SET status = u.status,"
	    " last_ping = 'epoch'::timestamptz + u.lp * interval '1 microsecond',"
	    " last_start = 'epoch'::timestamptz + u.ls * interval '1 microsecond',"
	    " last_start_rid = u.rid,"
	    " last_duration = u.dur * interval '1 microsecond',"
	    " n_pings = u.n,"
	    " alert_after = 'epoch'::timestamptz + u.aa * interval '1 microsecond',"
	    " has_confirmation_link = u.conf "
	    "FROM unnest($1::integer[], $2::text[], $3::bigint[], $4::bigint[],"
	    " $5::uuid[], $6::bigint[], $7::integer[], $8::bigint[],"
	    " $9::boolean[]) AS u(id, status, lp, ls, rid, dur, n, aa, conf) "
	    "WHERE c.id = u.id", err, sizeof(err)) == -1 ||
	    db_prepare(a->a_db, "hcd_pings",
	    "INSERT INTO api_ping (n, owner_id, created, kind, scheme,"
	    " remote_addr, method, ua, body_raw, exitstatus, rid) "
	    "SELECT n, o, 'epoch'::timestamptz + c * interval '1 microsecond',"
	    " k, s, a, m, u, b, e, r "
	    "FROM unnest($1::integer[], $2::integer[], $3::bigint[], $4::text[],"
	    " $5::text[], $6::inet[], $7::text[], $8::text[], $9::bytea[],"
	    " $10::smallint[], $11::uuid[]) AS t(n, o, c, k, s, a, m, u, b, e, r)",
	    err, sizeof(err)) == -1 ||
	    db_prepare(a->a_db, "hcd_flips",
	    "INSERT INTO api_flip (owner_id, created, old_status, new_status,"
	    " reason) "
	    "SELECT o, 'epoch'::timestamptz + c * interval '1 microsecond',"
	    " os, ns, r FROM unnest($1::integer[], $2::bigint[], $3::text[],"
	    " $4::text[], $5::text[]) AS t(o, c, os, ns, r)",
	    err, sizeof(err)) == -1 ||
	    db_prepare(a->a_db, "hcd_ring",
	    "INSERT INTO hcd_ring (node, ring, segment, pos) "
	    "SELECT $1, r, $2, p FROM unnest($3::integer[], $4::bigint[]) "
	    "AS u(r, p) ON CONFLICT (node, ring) DO UPDATE SET "
	    "segment = excluded.segment, pos = excluded.pos",
	    err, sizeof(err)) == -1) {
		log_warnx("%s: %s", __func__, err);
		return -1;
	}
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
writer_end_predecessors(struct alerter *a)
{
	PGresult	*r;
	const char	*p[1] = { a->a_appname };
	int		 i, left = 1;

	for (i = 0; i < 1000 && left; i++) {
		r = PQexecParams(a->a_db, "SELECT count(pg_terminate_backend(pid)) "
		    "FROM pg_stat_activity WHERE application_name = $1 AND "
		    "pid <> pg_backend_pid()", 1, NULL, p, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_TUPLES_OK) {
			log_warnx("%s: %s", __func__, PQerrorMessage(a->a_db));
			PQclear(r);
			return -1;
		}
		left = strcmp(PQgetvalue(r, 0, 0), "0") != 0;
		PQclear(r);
		if (left)
			usleep(10000);
	}
	if (left) {
		log_warnx("%s: the previous writer's session does not end",
		    __func__);
		return -1;
	}
	return 0;
}

int
writer_sync_cursors(struct alerter *a)
{
	struct shm	*sh = a->a_env->pe_shm;
	PGresult	*r;
	char		 seg[24];
	const char	*params[2] = { a->a_env->pe_conf->node_name, seg };
	const char	*e;
	int		 i, ring;
	uint64_t	 pos;

	if (writer_end_predecessors(a) == -1)
		return -1;
	snprintf(seg, sizeof(seg), "%lld", (long long)sh->sh_segment);
	r = PQexecParams(a->a_db, "SELECT ring, pos FROM hcd_ring "
	    "WHERE node = $1 AND segment = $2", 2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		log_warnx("%s: %s", __func__, PQerrorMessage(a->a_db));
		PQclear(r);
		return -1;
	}
	for (i = 0; i < sh->sh_nrings; i++)
		a->a_read[i] = ring_commit(shm_ring(sh, i));
	for (i = 0; i < PQntuples(r); i++) {
		ring = (int)hc_strtonum(PQgetvalue(r, i, 0), 0,
		    sh->sh_nrings - 1, &e);
		if (e != NULL)
			continue;
		pos = (uint64_t)hc_strtonum(PQgetvalue(r, i, 1), 0, INT64_MAX,
		    &e);
		if (e == NULL && pos > a->a_read[ring]) {
			log_info("ring %d: %llu bytes were committed before "
			    "a restart; skipping them", ring,
			    (unsigned long long)(pos - a->a_read[ring]));
			a->a_read[ring] = pos;
			ring_set_commit(shm_ring(sh, ring), pos);
		}
	}
	PQclear(r);
	a->a_ready = 1;
	return 0;
}

static void
wcheck_free(struct wcheck *w, int n)
{
	int i, k;

	for (i = 0; i < n; i++) {
		for (k = 0; k < 3; k++)
			free(w[i].wc_kw[k]);
		free(w[i].wc_schedule);
		free(w[i].wc_tz);
	}
	free(w);
}

static struct wcheck *
find_check(struct wcheck *w, int n, int64_t id)
{
	int lo = 0, hi = n;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (w[mid].wc_id == id)
			return &w[mid];
		if (w[mid].wc_id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static struct wcheck *
load_checks(PGresult *r, int *nout)
{
	struct wcheck	*w;
	int		 n, k;

	n = PQntuples(r);
	w = xcalloc((size_t)n + 1, sizeof(*w));
	for (k = 0; k < n; k++) {
		struct wcheck		*c = &w[k];
		struct check_state	*s = &c->wc_st;
		const char		*e;

		c->wc_id = hc_strtonum(PQgetvalue(r, k, 0), 1, INT64_MAX, &e);
		s->cs_kind = check_kind_parse(PQgetvalue(r, k, 1));
		if (s->cs_kind < 0)
			s->cs_kind = CK_SIMPLE;
		s->cs_timeout = db_getint(r, k, 2, CT_NONE);
		s->cs_grace = db_getint(r, k, 3, CT_NONE);
		c->wc_schedule = xstrdup(PQgetvalue(r, k, 4));
		c->wc_tz = xstrdup(PQgetvalue(r, k, 5));
		s->cs_schedule = c->wc_schedule;
		s->cs_tz = c->wc_tz;
		s->cs_status = check_status_parse(PQgetvalue(r, k, 6));
		if (s->cs_status < 0 || s->cs_status > CS_PAUSED)
			s->cs_status = CS_NEW;
		s->cs_last_ping = db_getint(r, k, 7, CT_NONE);
		s->cs_last_start = db_getint(r, k, 8, CT_NONE);
		s->cs_last_duration = db_getint(r, k, 9, CT_NONE);
		if (!PQgetisnull(r, k, 10)) {
			s->cs_has_rid = 1;
			uuid_parse_text(PQgetvalue(r, k, 10),
			    s->cs_last_start_rid);
		}
		s->cs_n_pings = db_getint(r, k, 11, CT_NONE);
		s->cs_manual_resume = *PQgetvalue(r, k, 12) == 't';
		c->wc_methods_post = strcmp(PQgetvalue(r, k, 13), "POST") == 0;
		c->wc_filter_body = *PQgetvalue(r, k, 14) == 't';
		c->wc_default_fail = *PQgetvalue(r, k, 15) == 't';
		c->wc_kw[0] = xstrdup(PQgetvalue(r, k, 16));
		c->wc_kw[1] = xstrdup(PQgetvalue(r, k, 17));
		c->wc_kw[2] = xstrdup(PQgetvalue(r, k, 18));
		s->cs_has_confirmation_link = *PQgetvalue(r, k, 19) == 't';
		s->cs_alert_after = db_getint(r, k, 20, CT_NONE);
		c->wc_aa_db = s->cs_alert_after;
		c->wc_n_db = s->cs_n_pings;
		c->wc_status_db = s->cs_status;
	}
	*nout = n;
	return w;
}

static const char *kind_col[] = {
	[PA_SUCCESS] = NULL, [PA_START] = "start", [PA_FAIL] = "fail",
	[PA_LOG] = "log", [PA_IGN] = "ign"
};

/* The action after the check's filters (spec 1.4 steps 7-8). */
static int
final_action(const struct wcheck *c, const struct ping_rec *pr,
    const uint8_t *body)
{
	int action = pr->pr_action;

	if (pr->pr_scheme == PS_EMAIL)
		return action;		/* smtpd classified it already */
	if (c->wc_methods_post && !(pr->pr_flags & PR_POST))
		return PA_IGN;
	if (c->wc_filter_body)
		action = check_classify((const char *)body, pr->pr_body_len,
		    c->wc_kw[0], c->wc_kw[1], c->wc_kw[2], c->wc_default_fail);
	return action;
}

/* The nine arrays of the hcd_update statement. */
struct upd {
	struct buf	u_col[9];
};

static void
arr_time(struct buf *b, int64_t t)
{
	if (t == CT_NONE)
		db_arr_add(b, "NULL");
	else
		db_arr_add(b, "%lld", (long long)t);
}

/* Columns of the hcd_pings statement, as array literals. */
#define PCOLS	11
struct pcols {
	struct buf	p_col[PCOLS];
};

/* A quoted array element: backslash and double quote escaped. */
static void
arr_quoted(struct buf *b, const char *s, size_t n)
{
	size_t i;

	buf_addc(b, b->b_len ? ',' : '{');
	buf_addc(b, '"');
	for (i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\')
			buf_addc(b, '\\');
		buf_addc(b, s[i]);
	}
	buf_addc(b, '"');
}

static void
add_ping_row(struct pcols *pc, const struct wcheck *c,
    const struct ping_rec *pr, int action)
{
	const char	*p = (const char *)(pr + 1);
	const uint8_t	*body;
	struct buf	*b;
	size_t		 i, mlen;
	static const char hex[] = "0123456789abcdef";

	db_arr_add(&pc->p_col[0], "%lld", (long long)c->wc_st.cs_n_pings);
	db_arr_add(&pc->p_col[1], "%lld", (long long)c->wc_id);
	db_arr_add(&pc->p_col[2], "%lld", (long long)pr->pr_time);
	db_arr_add(&pc->p_col[3], "%s", kind_col[action] ? kind_col[action] :
	    "NULL");
	db_arr_add(&pc->p_col[4], "%s", pr->pr_scheme == PS_HTTPS ? "https" :
	    pr->pr_scheme == PS_EMAIL ? "email" : "http");
	if (pr->pr_addr_len)
		arr_quoted(&pc->p_col[5], p + pr->pr_method_len,
		    pr->pr_addr_len);
	else
		db_arr_add(&pc->p_col[5], "NULL");
	mlen = pr->pr_method_len > 10 ? 10 : pr->pr_method_len;
	arr_quoted(&pc->p_col[6], p, mlen);
	arr_quoted(&pc->p_col[7], p + pr->pr_method_len + pr->pr_addr_len,
	    pr->pr_ua_len);
	body = (const uint8_t *)p + pr->pr_method_len + pr->pr_addr_len +
	    pr->pr_ua_len;
	b = &pc->p_col[8];
	buf_addc(b, b->b_len ? ',' : '{');
	buf_add(b, "\"\\\\x", 4);
	buf_reserve(b, (size_t)pr->pr_body_len * 2 + 1);
	for (i = 0; i < pr->pr_body_len; i++) {
		b->b_data[b->b_len++] = (uint8_t)hex[body[i] >> 4];
		b->b_data[b->b_len++] = (uint8_t)hex[body[i] & 15];
	}
	b->b_data[b->b_len++] = '"';
	b->b_data[b->b_len] = '\0';
	if (pr->pr_exit >= 0)
		db_arr_add(&pc->p_col[9], "%d", pr->pr_exit);
	else
		db_arr_add(&pc->p_col[9], "NULL");
	arr_uuid(&pc->p_col[10], pr->pr_has_rid, pr->pr_rid);
}

#define FCOLS	5
struct fcols {
	struct buf	f_col[FCOLS];
};

static void
add_flip_row(struct fcols *fc, int64_t check, int64_t when,
    const struct check_flip *f)
{
	db_arr_add(&fc->f_col[0], "%lld", (long long)check);
	db_arr_add(&fc->f_col[1], "%lld", (long long)when);
	db_arr_add(&fc->f_col[2], "%s", check_status_name(f->cf_old));
	db_arr_add(&fc->f_col[3], "%s", check_status_name(f->cf_new));
	arr_quoted(&fc->f_col[4], f->cf_reason, strlen(f->cf_reason));
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
add_check_row(struct upd *u, const struct wcheck *c)
{
	const struct check_state	*s = &c->wc_st;

	db_arr_add(&u->u_col[0], "%lld", (long long)c->wc_id);
	db_arr_add(&u->u_col[1], "%s", check_status_name(s->cs_status));
	arr_time(&u->u_col[2], s->cs_last_ping);
	arr_time(&u->u_col[3], s->cs_last_start);
	arr_uuid(&u->u_col[4], s->cs_has_rid, s->cs_last_start_rid);
	arr_time(&u->u_col[5], s->cs_last_duration);
	db_arr_add(&u->u_col[6], "%lld", (long long)s->cs_n_pings);
	arr_time(&u->u_col[7], stored_alert_after(c));
	db_arr_add(&u->u_col[8], "%s", s->cs_has_confirmation_link ? "t" : "f");
}

/* One statement of a pipeline. */
struct pq {
	const char	 *q_stmt;	/* prepared statement, or NULL: q_sql */
	const char	 *q_sql;
	int		  q_nparams;
	const char	**q_params;
	ExecStatusType	  q_want;
	PGresult	**q_keep;	/* where to keep the result, or NULL */
};

/*
 * Send the statements in one pipeline and read every result: one round
 * trip for all of them.  Returns n if each gave q_want, else the index
 * of the first that did not, with its error in err (the server skips
 * the rest after an error); 0 when nothing could be sent.
 */
static int
pipeline(PGconn *db, struct pq *q, int n, char *err, size_t errsz)
{
	PGresult	*r;
	int		 i, ok = 1, failed = n;

	if (PQenterPipelineMode(db) != 1) {
		db_seterr(db, NULL, err, errsz);
		return 0;
	}
	for (i = 0; i < n; i++) {
		int sent = q[i].q_stmt != NULL ?
		    PQsendQueryPrepared(db, q[i].q_stmt, q[i].q_nparams,
		    q[i].q_params, NULL, NULL, 0) :
		    PQsendQueryParams(db, q[i].q_sql, 0, NULL, NULL, NULL,
		    NULL, 0);

		if (sent != 1) {
			db_seterr(db, NULL, err, errsz);
			PQexitPipelineMode(db);
			return 0;
		}
	}
	if (PQpipelineSync(db) != 1) {
		db_seterr(db, NULL, err, errsz);
		return 0;
	}
	for (i = 0; i < n; i++) {
		if ((r = PQgetResult(db)) == NULL) {
			db_seterr(db, NULL, err, errsz);
			return ok ? i : failed;
		}
		if (PQresultStatus(r) != q[i].q_want) {
			if (ok && PQresultStatus(r) != PGRES_PIPELINE_ABORTED)
				db_seterr(db, r, err, errsz);
			if (ok)
				failed = i;
			ok = 0;
		}
		if (q[i].q_keep != NULL && PQresultStatus(r) == q[i].q_want)
			*q[i].q_keep = r;
		else
			PQclear(r);
		while ((r = PQgetResult(db)) != NULL)	/* end of this one */
			PQclear(r);
	}
	/* The sync point. */
	while ((r = PQgetResult(db)) != NULL) {
		int sync = PQresultStatus(r) == PGRES_PIPELINE_SYNC;

		PQclear(r);
		if (sync)
			break;
	}
	if (PQexitPipelineMode(db) != 1 && ok) {
		db_seterr(db, NULL, err, errsz);
		failed = 0;
	}
	return failed;
}

static void
cols_init(struct buf *b, int n)
{
	int i;

	for (i = 0; i < n; i++)
		buf_init(&b[i]);
}

static void
cols_close(struct buf *b, int n, const char **params)
{
	int i;

	for (i = 0; i < n; i++)
		params[i] = db_arr_end(&b[i]);
}

static void
cols_clear(struct buf *b, int n)
{
	int i;

	for (i = 0; i < n; i++)
		buf_clear(&b[i]);
}

/*
 * Read up to HC_BATCH_MAX published records from all rings, each ring
 * from position from[r]; end[r] is where the batch stops.
 */
static size_t
collect(struct alerter *a, const uint64_t *from, struct item *items,
    uint64_t *end)
{
	struct shm	*sh = a->a_env->pe_shm;
	size_t		 nit = 0, len;
	const void	*rec;
	int		 r;

	for (r = 0; r < sh->sh_nrings; r++) {
		struct ring	*rg = shm_ring(sh, r);
		uint64_t	 head = ring_head(rg), pos = from[r];

		while (nit < HC_BATCH_MAX &&
		    (rec = ring_next(rg, &pos, head, &len)) != NULL) {
			if (len < sizeof(struct ping_rec))
				continue;	/* cannot happen: skip */
			items[nit].it_rec = rec;
			items[nit].it_ring = r;
			items[nit].it_seq = (uint32_t)nit;
			nit++;
		}
		end[r] = pos;
	}
	return nit;
}

/* The check ids of a batch as an array literal, in id order. */
static void
batch_ids(struct batch *b)
{
	int64_t	last = 0;
	size_t	i;

	buf_reset(&b->b_ids);
	for (i = 0; i < b->b_nit; i++) {
		if (b->b_items[i].it_rec->pr_check == last)
			continue;
		last = b->b_items[i].it_rec->pr_check;
		db_arr_add(&b->b_ids, "%lld", (long long)last);
	}
	db_arr_end(&b->b_ids);
}

/* Collect a batch starting at from[]; sorted, ids ready.  0 if empty. */
static size_t
batch_collect(struct alerter *a, struct batch *b, const uint64_t *from)
{
	if (b->b_items == NULL)
		b->b_items = xreallocarray(NULL, HC_BATCH_MAX,
		    sizeof(*b->b_items));
	b->b_nit = collect(a, from, b->b_items, b->b_end);
	if (b->b_nit == 0)
		return 0;
	qsort(b->b_items, b->b_nit, sizeof(*b->b_items), item_cmp);
	batch_ids(b);
	return b->b_nit;
}

static void
batch_drop(struct batch *b)
{
	if (b->b_locked != NULL)
		PQclear(b->b_locked);
	b->b_locked = NULL;
	b->b_nit = 0;
	b->b_ready = 0;
}

void
writer_reset(struct alerter *a)
{
	batch_drop(&a->a_batch[0]);
	batch_drop(&a->a_batch[1]);
}

int
writer_has_next(struct alerter *a)
{
	return a->a_batch[a->a_cur].b_ready;
}

/*
 * Store one batch.  Its checks are already locked when the previous
 * batch's round trip also began this one (b_ready); else a first round
 * trip begins and locks.  The second sends the rows, the ring positions
 * and COMMIT, and then, in the same pipeline, BEGIN and the lock of the
 * next batch if records are waiting: under load every batch costs one
 * round trip.  Returns the pings stored, 0 if there was nothing, or -1
 * on a database error (nothing advanced; the caller retries).
 */
int
writer_batch(struct alerter *a)
{
	struct shm	*sh = a->a_env->pe_shm;
	struct batch	*b = &a->a_batch[a->a_cur];
	struct batch	*nb = &a->a_batch[!a->a_cur];
	struct wcheck	*checks = NULL, *c;
	struct pcols	 pc;
	struct fcols	 fc;
	struct upd	 upd;
	struct buf	 rcol[2];
	const char	*p_ids[1], *p_nids[1], *p_pings[PCOLS], *p_upd[9];
	const char	*p_flips[FCOLS], *p_ring[4];
	char		 seg[24], err[512];
	size_t		 i;
	int		 nchecks = 0, r, stored = 0, nflips = 0, nq, ncur, done;
	struct pq	 q[8];
	int64_t		 t0, t1, t2, t3;

	t0 = hc_now_us();
	if (!b->b_ready) {
		/*
		 * Under sustained load (a commit a moment ago), wait a little
		 * for more records: every batch has a fixed cost in the
		 * database, so fewer, larger batches store more pings per
		 * second.  An idle alerter does not wait.
		 */
		if (t0 - a->a_last_commit < HC_BATCH_BUSY_US)
			usleep(HC_BATCH_GATHER_US);
		if (batch_collect(a, b, a->a_read) == 0)
			return 0;
		/* Round trip 1: begin, and lock the checks in id order. */
		memset(q, 0, sizeof(q));
		p_ids[0] = (const char *)b->b_ids.b_data;
		q[0].q_sql = "BEGIN";
		q[0].q_want = PGRES_COMMAND_OK;
		q[1].q_stmt = "hcd_lock";
		q[1].q_nparams = 1;
		q[1].q_params = p_ids;
		q[1].q_want = PGRES_TUPLES_OK;
		q[1].q_keep = &b->b_locked;
		if (pipeline(a->a_db, q, 2, err, sizeof(err)) != 2) {
			log_warnx("%s: %s", __func__, err);
			atomic_fetch_add(&sh->sh_db_errors, 1);
			if (PQstatus(a->a_db) == CONNECTION_OK)
				db_exec(a->a_db, "ROLLBACK", err, sizeof(err));
			batch_drop(b);
			return -1;
		}
		b->b_ready = 1;
	}
	checks = load_checks(b->b_locked, &nchecks);
	PQclear(b->b_locked);
	b->b_locked = NULL;
	t1 = hc_now_us();

	cols_init(pc.p_col, PCOLS);
	cols_init(fc.f_col, FCOLS);
	cols_init(upd.u_col, 9);
	cols_init(rcol, 2);
	for (i = 0; i < b->b_nit; i++) {
		const struct ping_rec	*pr = b->b_items[i].it_rec;
		const uint8_t		*body;
		struct check_flip	 f;
		int			 action;

		if ((c = find_check(checks, nchecks, pr->pr_check)) == NULL)
			continue;	/* deleted since: its pings go too */
		body = (const uint8_t *)(pr + 1) + pr->pr_method_len +
		    pr->pr_addr_len + pr->pr_ua_len;
		action = final_action(c, pr, body);
		action = check_apply_ping(&c->wc_st, action, pr->pr_has_rid,
		    pr->pr_rid, pr->pr_time, &f);
		c->wc_st.cs_has_confirmation_link =
		    check_has_confirm(body, pr->pr_body_len);
		c->wc_changed = 1;
		add_ping_row(&pc, c, pr, action);
		if (f.cf_new != -1) {
			add_flip_row(&fc, c->wc_id, pr->pr_time, &f);
			nflips++;
		}
		stored++;
	}
	for (r = 0; r < nchecks; r++)
		if (checks[r].wc_changed)
			add_check_row(&upd, &checks[r]);
	for (r = 0; r < sh->sh_nrings; r++)
		if (b->b_end[r] != a->a_read[r]) {
			db_arr_add(&rcol[0], "%d", r);
			db_arr_add(&rcol[1], "%llu",
			    (unsigned long long)b->b_end[r]);
		}
	cols_close(pc.p_col, PCOLS, p_pings);
	cols_close(fc.f_col, FCOLS, p_flips);
	cols_close(upd.u_col, 9, p_upd);
	snprintf(seg, sizeof(seg), "%lld", (long long)sh->sh_segment);
	p_ring[0] = a->a_env->pe_conf->node_name;
	p_ring[1] = seg;
	cols_close(rcol, 2, p_ring + 2);
	t2 = hc_now_us();

	/* Round trip 2: the rows, the ring positions, the commit ... */
	memset(q, 0, sizeof(q));
	nq = 0;
	if (stored > 0) {
		q[nq].q_stmt = "hcd_pings";
		q[nq].q_nparams = PCOLS;
		q[nq].q_params = p_pings;
		q[nq++].q_want = PGRES_COMMAND_OK;
		q[nq].q_stmt = "hcd_update";
		q[nq].q_nparams = 9;
		q[nq].q_params = p_upd;
		q[nq++].q_want = PGRES_COMMAND_OK;
	}
	if (nflips > 0) {
		q[nq].q_stmt = "hcd_flips";
		q[nq].q_nparams = FCOLS;
		q[nq].q_params = p_flips;
		q[nq++].q_want = PGRES_COMMAND_OK;
	}
	q[nq].q_stmt = "hcd_ring";
	q[nq].q_nparams = 4;
	q[nq].q_params = p_ring;
	q[nq++].q_want = PGRES_COMMAND_OK;
	q[nq].q_sql = "COMMIT";
	q[nq++].q_want = PGRES_COMMAND_OK;
	ncur = nq;
	/* ... and the next batch's beginning, if one is waiting. */
	if (batch_collect(a, nb, b->b_end) > 0) {
		p_nids[0] = (const char *)nb->b_ids.b_data;
		q[nq].q_sql = "BEGIN";
		q[nq++].q_want = PGRES_COMMAND_OK;
		q[nq].q_stmt = "hcd_lock";
		q[nq].q_nparams = 1;
		q[nq].q_params = p_nids;
		q[nq].q_want = PGRES_TUPLES_OK;
		q[nq++].q_keep = &nb->b_locked;
	}
	done = pipeline(a->a_db, q, nq, err, sizeof(err));
	if (done < ncur) {
		/* This batch is not stored; nor was the next one begun. */
		log_warnx("%s: batch of %zu pings not stored: %s", __func__,
		    b->b_nit, err);
		atomic_fetch_add(&sh->sh_db_errors, 1);
		if (PQstatus(a->a_db) == CONNECTION_OK)
			db_exec(a->a_db, "ROLLBACK", err, sizeof(err));
		batch_drop(b);
		batch_drop(nb);
		r = -1;
		goto out;
	}
	t3 = hc_now_us();
	a->a_prof[0] += t1 - t0;
	a->a_prof[1] += t2 - t1;
	a->a_prof[2] += t3 - t2;
	a->a_prof[3]++;
	a->a_prof[4] += (int64_t)b->b_nit;
	if (log_getverbose() && t3 - a->a_prof[5] > 5 * CT_SEC) {
		log_debug("batches %lld, %lld pings/batch; µs per batch: "
		    "lock %lld, apply %lld, write+commit(+next lock) %lld",
		    (long long)a->a_prof[3],
		    (long long)(a->a_prof[4] / a->a_prof[3]),
		    (long long)(a->a_prof[0] / a->a_prof[3]),
		    (long long)(a->a_prof[1] / a->a_prof[3]),
		    (long long)(a->a_prof[2] / a->a_prof[3]));
		memset(a->a_prof, 0, sizeof(a->a_prof));
		a->a_prof[5] = t3;
	}

	/* Durable now: publish and wake the producers. */
	for (r = 0; r < sh->sh_nrings; r++) {
		if (b->b_end[r] == a->a_read[r])
			continue;
		a->a_read[r] = b->b_end[r];
		ring_set_commit(shm_ring(sh, r), b->b_end[r]);
		if (a->a_env->pe_ack_wfd[r] != -1)
			(void)write(a->a_env->pe_ack_wfd[r], "", 1);
	}
	atomic_fetch_add(&sh->sh_pings, (uint64_t)stored);
	atomic_fetch_add(&sh->sh_commits, 1);
	atomic_store(&sh->sh_batch_last, (uint64_t)b->b_nit);
	if ((uint64_t)b->b_nit > atomic_load(&sh->sh_batch_max))
		atomic_store(&sh->sh_batch_max, (uint64_t)b->b_nit);
	atomic_store(&sh->sh_last_commit, hc_now_us());
	a->a_last_commit = hc_now_us();
	/* Every 100th ping of a check, its old pings go (spec 9.1). */
	for (r = 0; r < nchecks; r++)
		if (checks[r].wc_changed && checks[r].wc_n_db / 100 !=
		    checks[r].wc_st.cs_n_pings / 100)
			alerter_prune_add(a, checks[r].wc_id);
	batch_drop(b);
	if (nq > ncur) {
		if (done == nq)
			nb->b_ready = 1;	/* begun and locked */
		else {
			/* The next batch's BEGIN or lock failed; retry it. */
			if (PQstatus(a->a_db) == CONNECTION_OK)
				db_exec(a->a_db, "ROLLBACK", err, sizeof(err));
			batch_drop(nb);
		}
		a->a_cur = !a->a_cur;
	}
	r = stored;
out:
	if (checks != NULL)
		wcheck_free(checks, nchecks);
	cols_clear(pc.p_col, PCOLS);
	cols_clear(fc.f_col, FCOLS);
	cols_clear(upd.u_col, 9);
	cols_clear(rcol, 2);
	return r;
}
