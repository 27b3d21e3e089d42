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
#include "index_db.h"
#include "hcd.h"
#include "log.h"
#include "ping.h"
#include "proc.h"
#include "ring.h"
#include "shm.h"

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

static int64_t
num_or_none(PGresult *r, int row, int col)
{
	const char *e;
	int64_t v;

	if (PQgetisnull(r, row, col))
		return CT_NONE;
	v = hc_strtonum(PQgetvalue(r, row, col), INT64_MIN + 1, INT64_MAX, &e);
	return e ? CT_NONE : v;
}

/* COPY text format: escape backslash and the separators. */
static void
copy_text(struct buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '\\':
			buf_add(b, "\\\\", 2);
			break;
		case '\t':
			buf_add(b, "\\t", 2);
			break;
		case '\n':
			buf_add(b, "\\n", 2);
			break;
		case '\r':
			buf_add(b, "\\r", 2);
			break;
		default:
			buf_addc(b, s[i]);
		}
	}
}

static void
copy_time(struct buf *b, int64_t t)
{
	time_t		s;
	struct tm	tm;
	int64_t		us;
	char		tmp[64];

	if (t == CT_NONE) {
		buf_add(b, "\\N", 2);
		return;
	}
	s = (time_t)(t / CT_SEC);
	us = t % CT_SEC;
	if (us < 0) {
		us += CT_SEC;
		s--;
	}
	gmtime_r(&s, &tm);
	strftime(tmp, sizeof(tmp), "%Y-%m-%d %H:%M:%S", &tm);
	buf_printf(b, "%s.%06lld+00", tmp, (long long)us);
}

static void
copy_uuid(struct buf *b, int has, const uint8_t u[16])
{
	int i;

	if (!has) {
		buf_add(b, "\\N", 2);
		return;
	}
	for (i = 0; i < 16; i++) {
		buf_printf(b, "%02x", u[i]);
		if (i == 3 || i == 5 || i == 7 || i == 9)
			buf_addc(b, '-');
	}
}

static int
copy_send(PGconn *db, const char *sql, struct buf *data, char *err,
    size_t errsz)
{
	PGresult	*r;
	int		 ok;

	r = PQexec(db, sql);
	if (PQresultStatus(r) != PGRES_COPY_IN) {
		db_seterr(db, r, err, errsz);
		PQclear(r);
		return -1;
	}
	PQclear(r);
	if ((data->b_len && PQputCopyData(db, (const char *)data->b_data,
	    (int)data->b_len) != 1) || PQputCopyEnd(db, NULL) != 1) {
		db_seterr(db, NULL, err, errsz);
		return -1;
	}
	r = PQgetResult(db);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		db_seterr(db, r, err, errsz);
	PQclear(r);
	while ((r = PQgetResult(db)) != NULL)
		PQclear(r);
	return ok ? 0 : -1;
}

static int
exec_ok(PGconn *db, const char *sql, char *err, size_t errsz)
{
	return db_exec(db, sql, err, errsz);
}

static int
prepare(PGconn *db, const char *name, const char *sql, char *err,
    size_t errsz)
{
	PGresult	*r = PQprepare(db, name, sql, 0, NULL);
	int		 ok = PQresultStatus(r) == PGRES_COMMAND_OK;

	if (!ok)
		db_seterr(db, r, err, errsz);
	PQclear(r);
	return ok ? 0 : -1;
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
	    prepare(a->a_db, "hcd_lock",
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
	    prepare(a->a_db, "hcd_update",
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
	    prepare(a->a_db, "hcd_ring",
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
 */
int
writer_sync_cursors(struct alerter *a)
{
	struct shm	*sh = a->a_env->pe_shm;
	PGresult	*r;
	char		 seg[24];
	const char	*params[2] = { a->a_node, seg };
	const char	*e;
	int		 i, ring;
	uint64_t	 pos;

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
load_checks(PGconn *db, struct item *it, size_t nit, int *nout, char *err,
    size_t errsz)
{
	struct buf	 ids;
	struct wcheck	*w;
	PGresult	*r;
	const char	*params[1];
	int64_t		 last = 0;
	size_t		 i;
	int		 n, k;

	buf_init(&ids);
	buf_addc(&ids, '{');
	for (i = 0; i < nit; i++) {
		if (it[i].it_rec->pr_check == last)
			continue;
		last = it[i].it_rec->pr_check;
		buf_printf(&ids, "%s%lld", ids.b_len > 1 ? "," : "",
		    (long long)last);
	}
	buf_addc(&ids, '}');
	params[0] = (const char *)ids.b_data;
	r = PQexecPrepared(db, "hcd_lock", 1, params, NULL, NULL, 0);
	buf_clear(&ids);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		db_seterr(db, r, err, errsz);
		PQclear(r);
		return NULL;
	}
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
		s->cs_timeout = num_or_none(r, k, 2);
		s->cs_grace = num_or_none(r, k, 3);
		c->wc_schedule = xstrdup(PQgetvalue(r, k, 4));
		c->wc_tz = xstrdup(PQgetvalue(r, k, 5));
		s->cs_schedule = c->wc_schedule;
		s->cs_tz = c->wc_tz;
		s->cs_status = check_status_parse(PQgetvalue(r, k, 6));
		if (s->cs_status < 0 || s->cs_status > CS_PAUSED)
			s->cs_status = CS_NEW;
		s->cs_last_ping = num_or_none(r, k, 7);
		s->cs_last_start = num_or_none(r, k, 8);
		s->cs_last_duration = num_or_none(r, k, 9);
		if (!PQgetisnull(r, k, 10)) {
			s->cs_has_rid = 1;
			uuid_from_text(PQgetvalue(r, k, 10),
			    s->cs_last_start_rid);
		}
		s->cs_n_pings = num_or_none(r, k, 11);
		s->cs_manual_resume = *PQgetvalue(r, k, 12) == 't';
		c->wc_methods_post = strcmp(PQgetvalue(r, k, 13), "POST") == 0;
		c->wc_filter_body = *PQgetvalue(r, k, 14) == 't';
		c->wc_default_fail = *PQgetvalue(r, k, 15) == 't';
		c->wc_kw[0] = xstrdup(PQgetvalue(r, k, 16));
		c->wc_kw[1] = xstrdup(PQgetvalue(r, k, 17));
		c->wc_kw[2] = xstrdup(PQgetvalue(r, k, 18));
		s->cs_has_confirmation_link = *PQgetvalue(r, k, 19) == 't';
		s->cs_alert_after = num_or_none(r, k, 20);
	}
	PQclear(r);
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

static void
add_ping_row(struct buf *b, const struct wcheck *c, const struct ping_rec *pr,
    int action)
{
	const char	*p = (const char *)(pr + 1);
	const uint8_t	*body;
	const char	*scheme;
	size_t		 i, mlen;
	static const char hex[] = "0123456789abcdef";

	/* n, owner_id, created, kind, scheme, remote_addr, method, ua,
	 * body_raw, exitstatus, rid */
	buf_printf(b, "%lld\t%lld\t", (long long)c->wc_st.cs_n_pings,
	    (long long)c->wc_id);
	copy_time(b, pr->pr_time);
	buf_addc(b, '\t');
	if (kind_col[action] == NULL)
		buf_add(b, "\\N", 2);
	else
		buf_addstr(b, kind_col[action]);
	scheme = pr->pr_scheme == PS_HTTPS ? "https" :
	    pr->pr_scheme == PS_EMAIL ? "email" : "http";
	buf_printf(b, "\t%s\t", scheme);
	if (pr->pr_addr_len)
		copy_text(b, p + pr->pr_method_len, pr->pr_addr_len);
	else
		buf_add(b, "\\N", 2);
	buf_addc(b, '\t');
	mlen = pr->pr_method_len > 10 ? 10 : pr->pr_method_len;
	copy_text(b, p, mlen);
	buf_addc(b, '\t');
	copy_text(b, p + pr->pr_method_len + pr->pr_addr_len, pr->pr_ua_len);
	buf_addc(b, '\t');
	body = (const uint8_t *)p + pr->pr_method_len + pr->pr_addr_len +
	    pr->pr_ua_len;
	buf_add(b, "\\\\x", 3);
	buf_reserve(b, (size_t)pr->pr_body_len * 2);
	for (i = 0; i < pr->pr_body_len; i++) {
		b->b_data[b->b_len++] = (uint8_t)hex[body[i] >> 4];
		b->b_data[b->b_len++] = (uint8_t)hex[body[i] & 15];
	}
	b->b_data[b->b_len] = '\0';
	if (pr->pr_exit >= 0)
		buf_printf(b, "\t%d\t", pr->pr_exit);
	else
		buf_add(b, "\t\\N\t", 4);
	copy_uuid(b, pr->pr_has_rid, pr->pr_rid);
	buf_addc(b, '\n');
}

/* The nine arrays of the hcd_update statement. */
struct upd {
	struct buf	u_col[9];
};

static void
arr_add(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
arr_add(struct buf *b, const char *fmt, ...)
{
	va_list	ap;
	char	tmp[64];

	buf_addc(b, b->b_len ? ',' : '{');
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	buf_addstr(b, tmp);
}

static void
arr_time(struct buf *b, int64_t t)
{
	if (t == CT_NONE)
		arr_add(b, "NULL");
	else
		arr_add(b, "%lld", (long long)t);
}

static void
add_check_row(struct upd *u, const struct wcheck *c)
{
	const struct check_state	*s = &c->wc_st;
	struct buf			 rid;

	arr_add(&u->u_col[0], "%lld", (long long)c->wc_id);
	arr_add(&u->u_col[1], "%s", check_status_name(s->cs_status));
	arr_time(&u->u_col[2], s->cs_last_ping);
	arr_time(&u->u_col[3], s->cs_last_start);
	buf_init(&rid);
	copy_uuid(&rid, s->cs_has_rid, s->cs_last_start_rid);
	arr_add(&u->u_col[4], "%s", s->cs_has_rid ? (char *)rid.b_data :
	    "NULL");
	buf_clear(&rid);
	arr_time(&u->u_col[5], s->cs_last_duration);
	arr_add(&u->u_col[6], "%lld", (long long)s->cs_n_pings);
	arr_time(&u->u_col[7], s->cs_alert_after);
	arr_add(&u->u_col[8], "%s", s->cs_has_confirmation_link ? "t" : "f");
}

static void
add_flip_row(struct buf *b, int64_t check, int64_t when,
    const struct check_flip *f)
{
	buf_printf(b, "%lld\t", (long long)check);
	copy_time(b, when);
	buf_printf(b, "\t\\N\t%s\t%s\t%s\n", check_status_name(f->cf_old),
	    check_status_name(f->cf_new), f->cf_reason);
}

int
writer_batch(struct alerter *a)
{
	struct shm	*sh = a->a_env->pe_shm;
	struct item	*items;
	struct wcheck	*checks = NULL, *c;
	struct buf	 pings, flips, rring, rpos;
	struct upd	 upd;
	uint64_t	 end[HC_MAX_PRODUCERS];
	size_t		 nit = 0, i, len;
	int		 nchecks = 0, r, stored = 0, nflips = 0;
	char		 err[512];
	const void	*rec;

	items = xreallocarray(NULL, HC_BATCH_MAX, sizeof(*items));
	for (r = 0; r < sh->sh_nrings; r++) {
		struct ring	*rg = shm_ring(sh, r);
		uint64_t	 head = ring_head(rg), pos = a->a_read[r];

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
	if (nit == 0) {
		free(items);
		return 0;
	}
	qsort(items, nit, sizeof(*items), item_cmp);

	buf_init(&pings);
	buf_init(&flips);
	buf_init(&rring);
	buf_init(&rpos);
	for (i = 0; i < 9; i++)
		buf_init(&upd.u_col[i]);
	if (db_exec(a->a_db, "BEGIN", err, sizeof(err)) == -1)
		goto fail;
	if ((checks = load_checks(a->a_db, items, nit, &nchecks, err,
	    sizeof(err))) == NULL)
		goto fail;
	for (i = 0; i < nit; i++) {
		const struct ping_rec	*pr = items[i].it_rec;
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
		add_ping_row(&pings, c, pr, action);
		if (f.cf_new != -1) {
			add_flip_row(&flips, c->wc_id, pr->pr_time, &f);
			nflips++;
		}
		stored++;
	}
	for (r = 0; r < nchecks; r++)
		if (checks[r].wc_changed)
			add_check_row(&upd, &checks[r]);
	for (i = 0; i < 9; i++)
		buf_addc(&upd.u_col[i], '}');
	for (r = 0; r < sh->sh_nrings; r++)
		if (end[r] != a->a_read[r]) {
			arr_add(&rring, "%d", r);
			arr_add(&rpos, "%llu", (unsigned long long)end[r]);
		}
	buf_addc(&rring, '}');
	buf_addc(&rpos, '}');

	if (stored > 0) {
		if (copy_send(a->a_db, "COPY api_ping (n, owner_id, created, "
		    "kind, scheme, remote_addr, method, ua, body_raw, "
		    "exitstatus, rid) FROM STDIN", &pings, err,
		    sizeof(err)) == -1)
			goto fail;
		{
			const char	*pv[9];
			PGresult	*res;

			for (i = 0; i < 9; i++)
				pv[i] = (const char *)upd.u_col[i].b_data;
			res = PQexecPrepared(a->a_db, "hcd_update", 9, pv, NULL,
			    NULL, 0);
			if (PQresultStatus(res) != PGRES_COMMAND_OK) {
				db_seterr(a->a_db, res, err, sizeof(err));
				PQclear(res);
				goto fail;
			}
			PQclear(res);
		}
		if (nflips && copy_send(a->a_db, "COPY api_flip (owner_id, "
		    "created, processed, old_status, new_status, reason) "
		    "FROM STDIN", &flips, err, sizeof(err)) == -1)
			goto fail;
	}
	{
		char		 seg[24];
		const char	*pv[4] = { a->a_env->pe_conf->node_name, seg,
				    (const char *)rring.b_data,
				    (const char *)rpos.b_data };
		PGresult	*res;

		snprintf(seg, sizeof(seg), "%lld", (long long)sh->sh_segment);
		res = PQexecPrepared(a->a_db, "hcd_ring", 4, pv, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			db_seterr(a->a_db, res, err, sizeof(err));
			PQclear(res);
			goto fail;
		}
		PQclear(res);
	}
	if (db_exec(a->a_db, "COMMIT", err, sizeof(err)) == -1)
		goto fail;

	/* Durable now: publish and wake the producers. */
	for (r = 0; r < sh->sh_nrings; r++) {
		if (end[r] == a->a_read[r])
			continue;
		a->a_read[r] = end[r];
		ring_set_commit(shm_ring(sh, r), end[r]);
		if (a->a_env->pe_ack_wfd[r] != -1)
			(void)write(a->a_env->pe_ack_wfd[r], "", 1);
	}
	atomic_fetch_add(&sh->sh_pings, (uint64_t)stored);
	atomic_fetch_add(&sh->sh_commits, 1);
	atomic_store(&sh->sh_batch_last, (uint64_t)nit);
	if ((uint64_t)nit > atomic_load(&sh->sh_batch_max))
		atomic_store(&sh->sh_batch_max, (uint64_t)nit);
	atomic_store(&sh->sh_last_commit, hc_now_us());
	wcheck_free(checks, nchecks);
	free(items);
	buf_clear(&pings);
	buf_clear(&flips);
	buf_clear(&rring);
	buf_clear(&rpos);
	for (i = 0; i < 9; i++)
		buf_clear(&upd.u_col[i]);
	return stored;
fail:
	log_warnx("%s: batch of %zu pings not stored: %s", __func__, nit, err);
	atomic_fetch_add(&sh->sh_db_errors, 1);
	if (PQstatus(a->a_db) == CONNECTION_OK)
		db_exec(a->a_db, "ROLLBACK", err, sizeof(err));
	if (checks != NULL)
		wcheck_free(checks, nchecks);
	free(items);
	buf_clear(&pings);
	buf_clear(&flips);
	buf_clear(&rring);
	buf_clear(&rpos);
	for (i = 0; i < 9; i++)
		buf_clear(&upd.u_col[i]);
	return -1;
}
