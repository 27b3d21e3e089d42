/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The notifier's database thread: the durable outbox (schema
 * 004_outbox.sql).  It alone talks to PostgreSQL, on its own
 * connection ("hcd-notify"), so the notifier's event loop (engine.c)
 * never waits for a query.  Each round it:
 *
 *  1. writes back the results the loop finished (one statement for the
 *     batch: the hcd_outbox rows, their api_notification rows, the
 *     channels' last_notify, last_notify_duration, last_error and, for
 *     a permanent error, disabled);
 *  2. turns pending flips (api_flip.processed NULL) into deliveries:
 *     the flips are locked FOR UPDATE SKIP LOCKED, their channels are
 *     chosen as spec 4.1 says (not up from new or paused; assigned, not
 *     disabled, not a no-op for the status by the kind's k_noop), one
 *     hcd_outbox row is inserted per channel and processed is set, all
 *     in one transaction: a flip is taken by one notifier, once, and a
 *     crash before the commit leaves it pending;
 *  3. claims due rows (FOR UPDATE SKIP LOCKED, then a lease of
 *     NT_LEASE_SEC in this node's name), inserts their api_notification
 *     rows ("Sending"), loads what the kinds need (the check, its last
 *     ping, the project's other checks that are down), builds the
 *     messages and hands the jobs to the loop;
 *  4. claims due system e-mails (hcd_mail, schema 005: the log-in
 *     links the dashboard queues) the same way, each a job of one
 *     NT_SMTP message, written back in step 1's transaction.
 *
 * It sleeps on the connection's socket (LISTEN hcd_outbox: the triggers
 * of 004 wake it for every new flip and row, on any node), on a pipe
 * the loop writes to when results are ready, and at most NT_POLL_MS
 * (rows whose retry time has come; other nodes' expired leases).
 *
 * Leases: a row is leased to NODE_NAME.  One node runs one notifier at
 * a time (the master starts a new one only once the old one is reaped),
 * so a notifier starting up releases its node's leases at once: what a
 * killed notifier held is sent again, with the same codes, without
 * waiting for the leases to run out.  A lease held by another node is
 * taken over only once it has expired.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "check.h"
#include "checkdef.h"
#include "conf.h"
#include "db.h"
#include "dbconn.h"
#include "engine.h"
#include "hcd.h"
#include "json.h"
#include "log.h"
#include "uuid.h"

#define US(col)	"(extract(epoch FROM " col ") * 1000000)::bigint"
#define TS(p)	"('epoch'::timestamptz + (" p ") * interval '1 microsecond')"
#define OUTBOX_CHANNEL	"hcd_outbox"
#define XSTR(x)	STR_(x)
#define STR_(x)	#x

struct outbox {
	const struct conf	*ob_cf;
	struct dbconn		*ob_db;
	pthread_t		 ob_thread;
	pthread_mutex_t		 ob_lock;	/* guards the next four */
	struct nt_job		*ob_ready;	/* to the loop */
	struct nt_job		*ob_done;	/* from the loop */
	int			 ob_inflight;	/* claimed, not written back */
	int			 ob_stop;
	int			 ob_wake[2];	/* the thread's pipe */
	int			 ob_loop_fd;	/* the loop's pipe */
	int			 ob_released;	/* own leases released */
	int64_t			 ob_pruned;	/* ms, last prune */
};

/* --- jobs ------------------------------------------------------------ */

const char *
nt_job_str(struct nt_job *j, const char *s, size_t len)
{
	char *p;

	if (s == NULL)
		return "";
	p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	if (j->j_nstrs == j->j_capstrs) {
		j->j_capstrs = j->j_capstrs ? j->j_capstrs * 2 : 32;
		j->j_strs = xreallocarray(j->j_strs, j->j_capstrs,
		    sizeof(*j->j_strs));
	}
	j->j_strs[j->j_nstrs++] = p;
	return p;
}

static const char *
jstr(struct nt_job *j, const char *s)
{
	return nt_job_str(j, s, s != NULL ? strlen(s) : 0);
}

void
nt_job_free(struct nt_job *j)
{
	size_t	i;
	int	k, s;

	if (j == NULL)
		return;
	for (k = 0; k < j->j_nmembers; k++) {
		struct nt_member *m = &j->j_members[k];

		for (s = 0; s < NT_MAXSTEPS; s++)
			nt_msg_clear(&m->nm_msgs[s]);
		free(m->nm_new_value);
	}
	free(j->j_members);
	for (i = 0; i < j->j_nstrs; i++)
		free(j->j_strs[i]);
	free(j->j_strs);
	free(j);
}

/* --- helpers --------------------------------------------------------- */

static void
arr_str(struct buf *b, const char *s)
{
	buf_addc(b, b->b_len == 0 ? '{' : ',');
	buf_addc(b, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			buf_addc(b, '\\');
		buf_addc(b, *s);
	}
	buf_addc(b, '"');
}

static const char *
arr_end(struct buf *b)
{
	if (b->b_len == 0)
		buf_addc(b, '{');
	buf_addc(b, '}');
	return (const char *)b->b_data;
}

static void
arr_int(struct buf *b, int64_t v)
{
	buf_printf(b, "%c%lld", b->b_len == 0 ? '{' : ',', (long long)v);
}

static int64_t
getint(const PGresult *r, int row, int col, int64_t null)
{
	return db_getint(r, row, col, null);
}

static const char *
getstr(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

/* --- the session ----------------------------------------------------- */

static int
outbox_setup(PGconn *c, void *arg, char *err, size_t errsz)
{
	return db_exec(c, "LISTEN " OUTBOX_CHANNEL, err, errsz);
}

static int
tx_begin(struct outbox *ob, char *err, size_t errsz)
{
	return dbconn_cmd(ob->ob_db, "BEGIN", 0, NULL, err, errsz);
}

static int
tx_end(struct outbox *ob, int ok, char *err, size_t errsz)
{
	char e2[256];

	if (ok)
		return dbconn_cmd(ob->ob_db, "COMMIT", 0, NULL, err, errsz);
	if (dbconn_ok(ob->ob_db))
		(void)dbconn_cmd(ob->ob_db, "ROLLBACK", 0, NULL, e2,
		    sizeof(e2));
	return -1;
}

/* --- 1. results ------------------------------------------------------ */

static const char *
outcome_word(const struct nt_job *j)
{
	if (j->j_outcome == NR_OK)
		return "ok";
	if (!j->j_final)
		return "retry";
	return j->j_outcome == NR_PERMANENT ? "perm" : "fail";
}

/* The hcd_mail rows of the list (j_mail): 0, or -1. */
static int
mail_results_write(struct outbox *ob, struct nt_job *list, char *err,
    size_t errsz)
{
	static const char sql[] =
	    "UPDATE hcd_mail x SET "
	    "    status = CASE r.outcome WHEN 'ok' THEN 'sent' "
	    "        WHEN 'retry' THEN 'pending' ELSE 'failed' END, "
	    "    lease_owner = NULL, lease_until = NULL, "
	    "    last_attempt = " TS("r.t0") ", last_error = r.err, "
	    "    next_attempt = CASE WHEN r.outcome = 'retry' "
	    "        THEN " TS("r.nxt") " ELSE x.next_attempt END, "
	    /* The link in a finished message is a credential: not kept. */
	    "    body_text = CASE WHEN r.outcome = 'retry' THEN x.body_text "
	    "        ELSE '' END, "
	    "    body_html = CASE WHEN r.outcome = 'retry' THEN x.body_html "
	    "        END "
	    "FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], "
	    "    $5::bigint[]) AS r(id, outcome, err, t0, nxt) "
	    "WHERE x.id = r.id AND x.lease_owner = $6";
	struct buf	 a[5];
	const char	*p[6];
	struct nt_job	*j;
	int		 i, rc;

	for (i = 0; i < 5; i++)
		buf_init(&a[i]);
	for (j = list; j != NULL; j = j->j_next) {
		if (!j->j_mail)
			continue;
		arr_int(&a[0], j->j_id);
		arr_str(&a[1], outcome_word(j));
		arr_str(&a[2], j->j_error);
		arr_int(&a[3], j->j_start);
		arr_int(&a[4], j->j_next_attempt);
	}
	for (i = 0; i < 5; i++)
		p[i] = arr_end(&a[i]);
	p[5] = ob->ob_cf->node_name;
	rc = dbconn_cmd(ob->ob_db, sql, 6, p, err, errsz);
	for (i = 0; i < 5; i++)
		buf_clear(&a[i]);
	return rc;
}

/*
 * One claimed hcd_mail row as a job: one member of no kind, its one
 * message NT_SMTP.  Columns as mail_round's claim returns them.
 */
static struct nt_job *
mail_job(const PGresult *r, int row)
{
	struct nt_job		*j = xcalloc(1, sizeof(*j));
	struct nt_member	*m;
	struct nt_msg		*msg;
	int			 s;

	j->j_mail = 1;
	j->j_id = getint(r, row, 0, 0);
	hc_strlcpy(j->j_code, PQgetvalue(r, row, 1), sizeof(j->j_code));
	j->j_attempts = (int)getint(r, row, 2, 1);
	j->j_created = getint(r, row, 3, hc_now_us());
	j->j_members = xcalloc(1, sizeof(*j->j_members));
	j->j_nmembers = 1;
	m = &j->j_members[0];
	m->nm_kind_name = (char *)jstr(j, "mail");
	for (s = 0; s < NT_MAXSTEPS; s++)
		nt_msg_init(&m->nm_msgs[s]);
	m->nm_nsteps = 1;
	msg = &m->nm_msgs[0];
	msg->m_transport = NT_SMTP;
	buf_addstr(&msg->m_rcpt, PQgetvalue(r, row, 4));
	buf_addstr(&msg->m_subject, PQgetvalue(r, row, 5));
	buf_addstr(&msg->m_text, PQgetvalue(r, row, 6));
	if (!PQgetisnull(r, row, 7))
		buf_addstr(&msg->m_html, PQgetvalue(r, row, 7));
	return j;
}

/* Claims due hcd_mail rows; returns the number of jobs, or -1. */
static int
mail_round(struct outbox *ob, int room, char *err, size_t errsz)
{
	static const char claim[] =
	    "WITH d AS (SELECT id FROM hcd_mail WHERE status = 'pending' "
	    "    AND next_attempt <= now() "
	    "    AND (lease_until IS NULL OR lease_until < now()) "
	    "    ORDER BY next_attempt, id LIMIT $2 FOR UPDATE SKIP LOCKED) "
	    "UPDATE hcd_mail m SET lease_owner = $1, "
	    "    lease_until = now() + interval '" XSTR(NT_LEASE_SEC) " s', "
	    "    attempts = m.attempts + 1 "
	    "FROM d WHERE m.id = d.id RETURNING m.id, m.code, m.attempts, "
	    US("m.created") ", m.recipient, m.subject, m.body_text, "
	    "m.body_html";
	struct nt_job	*head = NULL, **tail = &head, *j;
	const char	*p[2];
	char		 lim[16];
	PGresult	*res;
	int		 i, n;

	snprintf(lim, sizeof(lim), "%d", room < NT_MAIL_CLAIM_MAX ? room :
	    NT_MAIL_CLAIM_MAX);
	p[0] = ob->ob_cf->node_name;
	p[1] = lim;
	/* One statement: its own transaction. */
	if ((res = dbconn_exec(ob->ob_db, claim, 2, p, 0, err, errsz)) == NULL)
		return -1;
	if ((n = PQntuples(res)) == 0) {
		PQclear(res);
		return 0;
	}
	for (i = 0; i < n; i++) {
		j = mail_job(res, i);
		*tail = j;
		tail = &j->j_next;
	}
	PQclear(res);
	pthread_mutex_lock(&ob->ob_lock);
	*tail = ob->ob_ready;
	ob->ob_ready = head;
	ob->ob_inflight += n;
	pthread_mutex_unlock(&ob->ob_lock);
	while (write(ob->ob_loop_fd, "", 1) == -1 && errno == EINTR)
		;
	log_debug("notifier: claimed %d system e-mails", n);
	return n;
}

/*
 * One statement for the whole list.  Returns 0 (the list may be freed),
 * or -1 (keep it for the next round).
 */
static int
results_write(struct outbox *ob, struct nt_job *list, char *err, size_t errsz)
{
	static const char sql[] =
	    "WITH r AS (SELECT * FROM unnest($1::bigint[], $2::text[], "
	    "    $3::text[], $4::bigint[], $5::bigint[], $6::bigint[]) "
	    "    AS r(id, outcome, err, t0, dur, nxt)), "
	    "o AS (UPDATE hcd_outbox x SET "
	    "    status = CASE r.outcome WHEN 'ok' THEN 'sent' "
	    "        WHEN 'retry' THEN 'pending' ELSE 'failed' END, "
	    "    lease_owner = NULL, lease_until = NULL, "
	    "    last_attempt = " TS("r.t0") ", last_error = r.err, "
	    "    next_attempt = CASE WHEN r.outcome = 'retry' "
	    "        THEN " TS("r.nxt") " ELSE x.next_attempt END "
	    "    FROM r WHERE x.id = r.id AND x.lease_owner = $7 "
	    "    RETURNING x.id, x.code, x.channel_id, r.outcome, r.err, "
	    "        r.t0, r.dur), "
	    "n AS (UPDATE api_notification a SET error = o.err FROM o "
	    "    WHERE a.code = o.code AND o.outcome <> 'retry' RETURNING 1), "
	    "c AS (UPDATE api_channel ch SET "
	    "    last_notify = " TS("o.t0") ", "
	    "    last_notify_duration = o.dur * interval '1 microsecond', "
	    "    last_error = o.err, "
	    "    disabled = ch.disabled OR o.outcome = 'perm' "
	    "    FROM o WHERE ch.id = o.channel_id RETURNING 1) "
	    "SELECT (SELECT count(*) FROM o), (SELECT count(*) FROM n), "
	    "    (SELECT count(*) FROM c)";
	struct buf	 a[6];
	const char	*p[7];
	struct nt_job	*j;
	PGresult	*res;
	int		 i, k, nbox = 0, nmail = 0;

	for (i = 0; i < 6; i++)
		buf_init(&a[i]);
	for (j = list; j != NULL; j = j->j_next) {
		if (j->j_mail) {
			nmail++;
			continue;
		}
		nbox++;
		arr_int(&a[0], j->j_id);
		arr_str(&a[1], outcome_word(j));
		arr_str(&a[2], j->j_error);
		arr_int(&a[3], j->j_start);
		arr_int(&a[4], j->j_duration);
		arr_int(&a[5], j->j_next_attempt);
	}
	for (i = 0; i < 6; i++)
		p[i] = arr_end(&a[i]);
	p[6] = ob->ob_cf->node_name;
	if (tx_begin(ob, err, errsz) == -1)
		goto fail;
	if (nbox > 0) {
		res = dbconn_exec(ob->ob_db, sql, 7, p, 0, err, errsz);
		if (res == NULL)
			goto rollback;
		PQclear(res);
	}
	if (nmail > 0 && mail_results_write(ob, list, err, errsz) == -1)
		goto rollback;
	/* Values a kind asked to store (Telegram's new chat id). */
	for (j = list; j != NULL; j = j->j_next) {
		for (k = 0; k < j->j_nmembers; k++) {
			struct nt_member *m = &j->j_members[k];
			char id[24];

			if (m->nm_new_value == NULL)
				continue;
			snprintf(id, sizeof(id), "%lld", (long long)m->nm_channel);
			p[0] = id;
			p[1] = m->nm_new_value;
			if (dbconn_cmd(ob->ob_db, "UPDATE api_channel SET "
			    "value = $2 WHERE id = $1", 2, p, err, errsz) == -1)
				goto rollback;
		}
	}
	if (tx_end(ob, 1, err, errsz) == -1)
		goto fail;
	for (i = 0; i < 6; i++)
		buf_clear(&a[i]);
	return 0;
rollback:
	tx_end(ob, 0, err, errsz);
fail:
	for (i = 0; i < 6; i++)
		buf_clear(&a[i]);
	return -1;
}

static void
results_round(struct outbox *ob)
{
	struct nt_job	*list, *j, *next;
	char		 err[512];
	int		 n = 0;

	pthread_mutex_lock(&ob->ob_lock);
	list = ob->ob_done;
	ob->ob_done = NULL;
	pthread_mutex_unlock(&ob->ob_lock);
	if (list == NULL)
		return;
	if (results_write(ob, list, err, sizeof(err)) == -1) {
		log_warnx("notifier: results not stored yet: %s", err);
		/* Back on the list, for the next round. */
		pthread_mutex_lock(&ob->ob_lock);
		for (j = list; j->j_next != NULL; j = j->j_next)
			;
		j->j_next = ob->ob_done;
		ob->ob_done = list;
		pthread_mutex_unlock(&ob->ob_lock);
		return;
	}
	for (j = list; j != NULL; j = next) {
		next = j->j_next;
		nt_job_free(j);
		n++;
	}
	pthread_mutex_lock(&ob->ob_lock);
	ob->ob_inflight -= n;
	pthread_mutex_unlock(&ob->ob_lock);
}

/* --- 2. flips into deliveries ---------------------------------------- */

/* Returns the number of flips processed, or -1. */
static int
flips_round(struct outbox *ob, char *err, size_t errsz)
{
	static const char sel[] =
	    "SELECT f.id, f.owner_id, f.old_status, f.new_status, f.reason, "
	    US("f.created") " FROM api_flip f WHERE f.processed IS NULL "
	    "ORDER BY f.id LIMIT " "500" " FOR UPDATE SKIP LOCKED";
	static const char chans[] =
	    "SELECT cc.check_id, ch.id, ch.kind, ch.value "
	    "FROM api_channel_checks cc JOIN api_channel ch "
	    "ON ch.id = cc.channel_id WHERE cc.check_id = ANY($1::int[]) "
	    "AND NOT ch.disabled "
	    "ORDER BY ch.last_notify_duration ASC NULLS LAST, ch.id";
	static const char ins[] =
	    "INSERT INTO hcd_outbox (channel_id, check_id, flip_id, "
	    "check_status, old_status, reason, flip_time) "
	    "SELECT ch, ck, fl, st, os, rs, " TS("ft") " FROM unnest("
	    "$1::int[], $2::int[], $3::int[], $4::text[], $5::text[], "
	    "$6::text[], $7::bigint[]) AS t(ch, ck, fl, st, os, rs, ft)";
	PGresult	*fr = NULL, *cr = NULL;
	struct buf	 ids, a[7];
	const char	*p[7];
	int		 nf, nc, i, k, n = 0;

	buf_init(&ids);
	for (i = 0; i < 7; i++)
		buf_init(&a[i]);
	if (tx_begin(ob, err, errsz) == -1)
		goto fail;
	if ((fr = dbconn_exec(ob->ob_db, sel, 0, NULL, 0, err, errsz)) == NULL)
		goto rollback;
	if ((nf = PQntuples(fr)) == 0) {
		PQclear(fr);
		return tx_end(ob, 1, err, errsz) == -1 ? -1 : 0;
	}
	for (i = 0; i < nf; i++)
		arr_int(&ids, getint(fr, i, 1, 0));
	p[0] = arr_end(&ids);
	if ((cr = dbconn_exec(ob->ob_db, chans, 1, p, 0, err, errsz)) == NULL)
		goto rollback;
	nc = PQntuples(cr);
	for (i = 0; i < nf; i++) {
		int64_t		 check = getint(fr, i, 1, 0);
		const char	*old = PQgetvalue(fr, i, 2);
		const char	*st = PQgetvalue(fr, i, 3);

		/* Spec 4.1: nothing for up from new or paused. */
		if (strcmp(st, "up") != 0 && strcmp(st, "down") != 0)
			continue;
		if (strcmp(st, "up") == 0 && (strcmp(old, "new") == 0 ||
		    strcmp(old, "paused") == 0))
			continue;
		for (k = 0; k < nc; k++) {
			const struct nt_kind *kd;

			if (getint(cr, k, 0, -1) != check)
				continue;
			kd = nt_kind_find(PQgetvalue(cr, k, 2));
			if (kd != NULL && (kd->k_flags & NK_REMOVED))
				continue;
			if (kd != NULL && (kd->k_flags & NK_DOWN_ONLY) &&
			    strcmp(st, "down") != 0)
				continue;
			if (kd != NULL && kd->k_noop != NULL &&
			    kd->k_noop(PQgetvalue(cr, k, 3), st))
				continue;
			arr_int(&a[0], getint(cr, k, 1, 0));
			arr_int(&a[1], check);
			arr_int(&a[2], getint(fr, i, 0, 0));
			arr_str(&a[3], st);
			arr_str(&a[4], old);
			arr_str(&a[5], PQgetvalue(fr, i, 4));
			arr_int(&a[6], getint(fr, i, 5, 0));
			n++;
		}
	}
	if (n > 0) {
		for (i = 0; i < 7; i++)
			p[i] = arr_end(&a[i]);
		if (dbconn_cmd(ob->ob_db, ins, 7, p, err, errsz) == -1)
			goto rollback;
	}
	buf_reset(&ids);
	for (i = 0; i < nf; i++)
		arr_int(&ids, getint(fr, i, 0, 0));
	p[0] = arr_end(&ids);
	if (dbconn_cmd(ob->ob_db, "UPDATE api_flip SET processed = now() "
	    "WHERE id = ANY($1::int[])", 1, p, err, errsz) == -1)
		goto rollback;
	if (tx_end(ob, 1, err, errsz) == -1)
		goto fail;
	log_debug("notifier: %d flips, %d deliveries", nf, n);
	PQclear(fr);
	PQclear(cr);
	buf_clear(&ids);
	for (i = 0; i < 7; i++)
		buf_clear(&a[i]);
	return nf;
rollback:
	tx_end(ob, 0, err, errsz);
fail:
	PQclear(fr);
	PQclear(cr);
	buf_clear(&ids);
	for (i = 0; i < 7; i++)
		buf_clear(&a[i]);
	return -1;
}

/* --- 3. claims ------------------------------------------------------- */

/* The columns after the check's (check_select_cols), numbered from 0. */
enum {
	L_ID, L_CODE, L_CHANNEL, L_STATUS, L_OLD, L_REASON, L_FLIPTIME,
	L_ATTEMPTS, L_CREATED, L_TEST, L_CH_CODE, L_CH_KIND, L_CH_VALUE,
	L_CH_NAME, L_CH_PROJECT, L_P_NAME, L_NCHECKS, L_NDOWN, L_DOWNNAMES,
	L_LP_N, L_LP_TIME, L_LP_KIND, L_LP_EXIT, L_LP_BODY, L_LP_SCHEME,
	L_DOWNTIME, L_CH_VERIFIED, L_NCOLS
};

static char *
load_sql(void)
{
	/*
	 * The project-wide figures (spec 5.2: how many checks, which others
	 * are down) once per project in the batch, not once per row: 1,000
	 * checks of one project going down together would otherwise count
	 * the project 1,000 times.  dn holds the first eleven checks that
	 * are down as "id<RS>name"; load_job leaves out the row's own.
	 */
	return xasprintf("WITH pr AS (SELECT x.project_id, count(*) AS n, "
	    "count(*) FILTER (WHERE x.status = 'down') AS nd, "
	    "array_to_string((array_agg(x.id::text || E'\\x1e' || CASE WHEN "
	    "    x.name = '' THEN x.code::text ELSE x.name END ORDER BY x.id) "
	    "    FILTER (WHERE x.status = 'down'))[1:11], E'\\x1f') AS dn "
	    "FROM api_check x WHERE x.project_id IN (SELECT ch.project_id "
	    "    FROM hcd_outbox o JOIN api_channel ch ON ch.id = o.channel_id "
	    "    WHERE o.id = ANY($1::bigint[])) GROUP BY x.project_id) "
	    "SELECT %s, o.id, o.code, o.channel_id, "
	    "o.check_status, o.old_status, o.reason, " US("o.flip_time") ", "
	    "o.attempts, " US("o.created") ", o.check_id IS NULL, "
	    "ch.code, ch.kind, ch.value, ch.name, ch.project_id, p.name, "
	    "coalesce(pr.n, 0), coalesce(pr.nd, 0) - "
	    "    CASE WHEN c.status = 'down' THEN 1 ELSE 0 END, pr.dn, "
	    "lp.n, " US("lp.created") ", coalesce(lp.kind, ''), lp.exitstatus, "
	    "encode(substr(lp.body_raw, 1, 100000), 'hex'), lp.scheme, "
	    "CASE WHEN pf.new_status = 'down' THEN "
	    "    " US("(o.flip_time - pf.created)") " / 1000000 END, "
	    "ch.email_verified "
	    "FROM hcd_outbox o JOIN api_channel ch ON ch.id = o.channel_id "
	    "LEFT JOIN api_check c ON c.id = o.check_id "
	    "LEFT JOIN accounts_project p ON p.id = ch.project_id "
	    "LEFT JOIN pr ON pr.project_id = ch.project_id "
	    "LEFT JOIN LATERAL (SELECT n, created, kind, exitstatus, "
	    "    body_raw, scheme FROM api_ping WHERE owner_id = c.id "
	    "    AND created <= o.flip_time ORDER BY n DESC LIMIT 1) lp "
	    "    ON true "
	    "LEFT JOIN LATERAL (SELECT created, new_status FROM api_flip "
	    "    WHERE owner_id = c.id AND created < o.flip_time "
	    "    ORDER BY created DESC LIMIT 1) pf ON true "
	    "WHERE o.id = ANY($1::bigint[]) ORDER BY o.next_attempt, o.id",
	    check_select_cols());
}

static void
hexdecode(struct nt_job *j, const char *hex, const char **out, size_t *len)
{
	size_t	n = strlen(hex) / 2, i;
	char	*p = xmalloc(n + 1);

	for (i = 0; i < n; i++)
		p[i] = (char)(hc_hexval(hex[2 * i]) << 4 |
		    hc_hexval(hex[2 * i + 1]));
	p[n] = '\0';
	if (j->j_nstrs == j->j_capstrs) {
		j->j_capstrs = j->j_capstrs ? j->j_capstrs * 2 : 32;
		j->j_strs = xreallocarray(j->j_strs, j->j_capstrs,
		    sizeof(*j->j_strs));
	}
	j->j_strs[j->j_nstrs++] = p;
	*out = p;
	*len = n;
}

/*
 * A member whose kind cannot send: failed, with the kind's own text
 * ("Slack notifications are not enabled.") or "<kind> notifications
 * <why>".
 */
static void
member_off(struct nt_member *m, const char *why)
{
	m->nm_done = 1;
	m->nm_outcome = NR_FAILED;
	if (m->nm_kind->k_off_text != NULL)
		hc_strlcpy(m->nm_error, m->nm_kind->k_off_text,
		    sizeof(m->nm_error));
	else
		snprintf(m->nm_error, sizeof(m->nm_error),
		    "%s notifications %s", m->nm_kind->k_name, why);
}

/*
 * The kind's own switch (k_enabled), and the settings the engine checks
 * itself (notify.h): WEBHOOKS_ENABLED and SHELL_ENABLED.  SIGNAL_CLI_
 * SOCKET and EMAIL_HOST are the transports' (engine.c).
 */
static int
kind_enabled(const struct nt_kind *k, const struct conf *cf)
{
	if (k->k_enabled != NULL && !k->k_enabled(cf))
		return 0;
	if (strcmp(k->k_name, "webhook") == 0 && !cf->webhooks_enabled)
		return 0;
	if (strcmp(k->k_name, "shell") == 0 && !cf->shell_enabled)
		return 0;
	return 1;
}

void
nt_member_build(struct nt_member *m)
{
	struct nt_result	r;
	int			i, n;

	for (i = 0; i < NT_MAXSTEPS; i++) {
		nt_msg_clear(&m->nm_msgs[i]);
		nt_msg_init(&m->nm_msgs[i]);
	}
	m->nm_nsteps = 0;
	m->nm_step = 0;
	m->nm_done = 0;
	m->nm_error[0] = '\0';
	if (m->nm_kind == NULL) {
		m->nm_done = 1;
		m->nm_outcome = NR_FAILED;
		snprintf(m->nm_error, sizeof(m->nm_error),
		    "Unknown integration kind %s", m->nm_kind_name);
		return;
	}
	if (m->nm_kind->k_flags & NK_NOT_HERE) {
		member_off(m, "cannot be sent by hcd");
		return;
	}
	if (!kind_enabled(m->nm_kind, m->nm_ctx.conf)) {
		member_off(m, "are not enabled");
		return;
	}
	nt_result_init(&r);
	n = m->nm_kind->k_build(&m->nm_ctx, m->nm_msgs, &r);
	if (n <= 0) {
		m->nm_done = 1;
		m->nm_outcome = n == 0 ? NR_OK : NR_FAILED;
		hc_strlcpy(m->nm_error, n == 0 ? "" : r.r_error,
		    sizeof(m->nm_error));
	} else
		m->nm_nsteps = n > NT_MAXSTEPS ? NT_MAXSTEPS : n;
	nt_result_clear(&r);
}

/* A group's members: the channels of its project named in its value. */
static int
load_group(struct outbox *ob, struct nt_job *j, const char *list,
    int64_t project, char *err, size_t errsz)
{
	struct nt_member	 base = j->j_members[0];
	struct buf		 codes;
	PGresult		*res;
	const char		*p[2], *s, *e;
	char			 proj[24], code[37];
	uint8_t			 u[16];
	int			 i, n;

	buf_init(&codes);
	for (s = list; *s; s = *e ? e + 1 : e) {
		e = s + strcspn(s, ",");
		while (s < e && *s == ' ')
			s++;
		if ((size_t)(e - s) < 36)
			continue;
		memcpy(code, s, 36);
		code[36] = '\0';
		if (uuid_parse_text(code, u) == 0)
			arr_str(&codes, code);
	}
	snprintf(proj, sizeof(proj), "%lld", (long long)project);
	p[0] = arr_end(&codes);
	p[1] = proj;
	res = dbconn_exec(ob->ob_db, "SELECT id, code, kind, value, name "
	    "FROM api_channel WHERE code = ANY($1::uuid[]) AND "
	    "project_id = $2 AND kind <> 'group' AND NOT disabled "
	    "ORDER BY id", 2, p, 0, err, errsz);
	buf_clear(&codes);
	if (res == NULL)
		return -1;
	n = PQntuples(res);
	free(j->j_members);
	j->j_members = xcalloc((size_t)(n > 0 ? n : 1), sizeof(*j->j_members));
	j->j_nmembers = n;
	j->j_group = 1;
	for (i = 0; i < n; i++) {
		struct nt_member *m = &j->j_members[i];

		*m = base;
		m->nm_kind_name = (char *)jstr(j, PQgetvalue(res, i, 2));
		m->nm_kind = nt_kind_find(m->nm_kind_name);
		m->nm_channel = getint(res, i, 0, 0);
		hc_strlcpy(m->nm_ctx.channel_code, PQgetvalue(res, i, 1),
		    sizeof(m->nm_ctx.channel_code));
		m->nm_ctx.value = jstr(j, PQgetvalue(res, i, 3));
		m->nm_ctx.channel_name = jstr(j, PQgetvalue(res, i, 4));
		m->nm_new_value = NULL;
		memset(m->nm_msgs, 0, sizeof(m->nm_msgs));
		nt_member_build(m);
	}
	PQclear(res);
	return 0;
}

static struct nt_job *
load_job(struct outbox *ob, const PGresult *r, int row, int nc, char *err,
    size_t errsz)
{
	struct nt_job		*j = xcalloc(1, sizeof(*j));
	struct nt_member	*m;
	struct nt_ctx		*x;
	struct nt_check		*ck = &j->j_check;
	struct check_row	 cr;
	int64_t			 now = hc_now_us();
	const char		*s;
	char			*names, *q, *e;

#define C(k)	(nc + (k))
	j->j_id = getint(r, row, C(L_ID), 0);
	hc_strlcpy(j->j_code, PQgetvalue(r, row, C(L_CODE)),
	    sizeof(j->j_code));
	j->j_channel = getint(r, row, C(L_CHANNEL), 0);
	j->j_attempts = (int)getint(r, row, C(L_ATTEMPTS), 1);
	j->j_created = getint(r, row, C(L_CREATED), now);
	j->j_members = xcalloc(1, sizeof(*j->j_members));
	j->j_nmembers = 1;
	m = &j->j_members[0];
	x = &m->nm_ctx;
	m->nm_channel = j->j_channel;
	m->nm_kind_name = (char *)jstr(j, PQgetvalue(r, row, C(L_CH_KIND)));
	m->nm_kind = nt_kind_find(m->nm_kind_name);

	x->conf = ob->ob_cf;
	hc_strlcpy(x->code, j->j_code, sizeof(x->code));
	x->status = jstr(j, PQgetvalue(r, row, C(L_STATUS)));
	x->old_status = jstr(j, PQgetvalue(r, row, C(L_OLD)));
	x->reason = jstr(j, PQgetvalue(r, row, C(L_REASON)));
	x->flip_time = getint(r, row, C(L_FLIPTIME), now);
	x->now = now;
	x->downtime = getint(r, row, C(L_DOWNTIME), -1);
	x->is_test = *PQgetvalue(r, row, C(L_TEST)) == 't';
	j->j_test = x->is_test;
	x->check = ck;
	hc_strlcpy(x->channel_code, PQgetvalue(r, row, C(L_CH_CODE)),
	    sizeof(x->channel_code));
	x->channel_name = jstr(j, PQgetvalue(r, row, C(L_CH_NAME)));
	x->value = jstr(j, PQgetvalue(r, row, C(L_CH_VALUE)));
	x->project_nchecks = (int)getint(r, row, C(L_NCHECKS), 1);
	x->ndown_others = (int)getint(r, row, C(L_NDOWN), 0);
	if ((s = getstr(r, row, C(L_DOWNNAMES))) != NULL) {
		const char	*own = getstr(r, row, 0);	/* c.id */
		char		*rs;
		int		 i = 0;

		names = (char *)jstr(j, s);
		for (q = names; q != NULL && i < 10; q = e) {
			if ((e = strchr(q, '\x1f')) != NULL)
				*e++ = '\0';
			if ((rs = strchr(q, '\x1e')) == NULL)
				continue;
			*rs++ = '\0';
			if (own != NULL && strcmp(q, own) == 0)
				continue;
			x->down_others[i++] = rs;
		}
	}
	ck->project_name = jstr(j, getstr(r, row, C(L_P_NAME)));
	if (x->is_test) {
		/* A test: Healthchecks' dummy check, named TEST. */
		uint8_t rnd[16];

		arc4random_buf(rnd, sizeof(rnd));
		rnd[6] = (rnd[6] & 0x0f) | 0x40;
		rnd[8] = (rnd[8] & 0x3f) | 0x80;
		uuid_format(rnd, ck->code);
		ck->name = "TEST";
		ck->slug = "test";
		ck->desc = ck->tags = ck->schedule = "";
		ck->kind = "simple";
		ck->tz = "UTC";
		ck->timeout = 86400;
		ck->grace = 3600;
		ck->last_exit_status = -1;
		ck->last_ping_kind = "";
		ck->json = "{}";
		ck->unique_key = jstr(j, "");
	} else {
		struct buf		 jb;
		struct json_w		 w;
		struct check_render	 cx;
		char			 uk[41];

		check_row_decode(r, row, &cr);
		hc_strlcpy(ck->code, cr.cr_code, sizeof(ck->code));
		ck->name = jstr(j, cr.cr_name);
		ck->slug = jstr(j, cr.cr_slug);
		ck->desc = jstr(j, cr.cr_desc);
		ck->tags = jstr(j, cr.cr_tags);
		ck->kind = check_kind_name(cr.cr_kind);
		ck->timeout = cr.cr_timeout / 1000000;
		ck->grace = cr.cr_grace / 1000000;
		ck->schedule = jstr(j, cr.cr_schedule);
		ck->tz = jstr(j, cr.cr_tz);
		check_unique_key(cr.cr_code, uk);
		ck->unique_key = jstr(j, uk);
		ck->n_pings = getint(r, row, C(L_LP_N), 0);
		ck->last_ping = getint(r, row, C(L_LP_TIME), 0);
		ck->last_ping_kind = jstr(j, getstr(r, row, C(L_LP_KIND)));
		ck->last_exit_status = (int)getint(r, row, C(L_LP_EXIT), -1);
		if ((s = getstr(r, row, C(L_LP_BODY))) != NULL)
			hexdecode(j, s, &ck->last_ping_body,
			    &ck->last_ping_body_len);
		s = getstr(r, row, C(L_LP_SCHEME));
		ck->last_ping_is_email = s != NULL && strcmp(s, "email") == 0;
		buf_init(&jb);
		json_w_init(&w, &jb);
		memset(&cx, 0, sizeof(cx));
		cx.cx_version = 3;
		cx.cx_site_root = ob->ob_cf->site_root;
		cx.cx_ping_endpoint = ob->ob_cf->ping_endpoint;
		cx.cx_now = now;
		check_render_json(&cr, &cx, &w);
		ck->json = jstr(j, jb.b_data ? (const char *)jb.b_data : "{}");
		buf_clear(&jb);
	}
#undef C
	if (m->nm_kind != NULL && strcmp(m->nm_kind->k_name, "group") == 0) {
		nt_member_build(m);
		if (!m->nm_done && m->nm_msgs[0].m_transport == NT_GROUP) {
			char *list = xstrdup(m->nm_msgs[0].m_members.b_data ?
			    (const char *)m->nm_msgs[0].m_members.b_data : "");
			int rc;

			nt_msg_clear(&m->nm_msgs[0]);
			rc = load_group(ob, j, list,
			    getint(r, row, nc + L_CH_PROJECT, 0), err, errsz);
			free(list);
			if (rc == -1) {
				nt_job_free(j);
				return NULL;
			}
		}
	} else if (m->nm_kind != NULL && (m->nm_kind->k_flags & NK_VERIFIED) &&
	    *PQgetvalue(r, row, nc + L_CH_VERIFIED) != 't') {
		/* Spec 5.4: an address nobody confirmed gets nothing. */
		m->nm_done = 1;
		m->nm_outcome = NR_FAILED;
		hc_strlcpy(m->nm_error, "Email not verified",
		    sizeof(m->nm_error));
	} else
		nt_member_build(m);
	return j;
}

/*
 * The kind's rate limit (spec 9.2: api_tokenbucket, 6 a minute per
 * key): 1 if this notification may go, 0 if the bucket is empty (then
 * nothing is stored, as TokenBucket.authorize does), -1 on error.
 */
static int
bucket_take(struct outbox *ob, const char *key, char *err, size_t errsz)
{
	const char	*p[1] = { key };
	PGresult	*r;
	int		 ok;

	r = dbconn_exec(ob->ob_db, "INSERT INTO api_tokenbucket (value, "
	    "tokens, updated) VALUES ($1, 1.0 - 1.0 / 6, now()) "
	    "ON CONFLICT (value) DO UPDATE SET tokens = least(1.0, "
	    "api_tokenbucket.tokens + extract(epoch FROM now() - "
	    "api_tokenbucket.updated) / 60.0) - 1.0 / 6, updated = now() "
	    "WHERE least(1.0, api_tokenbucket.tokens + extract(epoch FROM "
	    "now() - api_tokenbucket.updated) / 60.0) - 1.0 / 6 >= 0 "
	    "RETURNING 1", 1, p, 0, err, errsz);
	if (r == NULL)
		return -1;
	ok = PQntuples(r) == 1;
	PQclear(r);
	return ok;
}

static int
buckets(struct outbox *ob, struct nt_job *j, char *err, size_t errsz)
{
	char	key[128];
	int	i, rc;

	for (i = 0; i < j->j_nmembers; i++) {
		struct nt_member	*m = &j->j_members[i];
		const char		*k;

		if (m->nm_done || m->nm_kind == NULL ||
		    m->nm_kind->k_bucket == NULL)
			continue;
		if ((k = m->nm_kind->k_bucket(&m->nm_ctx, key,
		    sizeof(key))) == NULL)
			continue;
		if ((rc = bucket_take(ob, k, err, errsz)) == -1)
			return -1;
		if (rc == 0) {
			m->nm_done = 1;
			m->nm_outcome = NR_FAILED;
			hc_strlcpy(m->nm_error, "Rate limit exceeded",
			    sizeof(m->nm_error));
		}
	}
	return 0;
}

/* Returns the number of jobs claimed, or -1. */
static int
claim_round(struct outbox *ob, int room, char *err, size_t errsz)
{
	/*
	 * At most half of NOTIFY_MAX_PARALLEL deliveries of one channel in
	 * flight, on all nodes together: a receiver that hangs holds that
	 * many of the places, never all of them.  The lease conditions
	 * stand again on o, the locked row: FOR UPDATE re-checks only the
	 * locked table's own conditions on a row another node has just
	 * claimed and committed, not those of the CTE's snapshot, so
	 * without them both nodes took the row and delivered it twice.
	 */
	static const char claim[] =
	    "WITH due AS (SELECT id, channel_id, next_attempt, row_number() "
	    "    OVER (PARTITION BY channel_id ORDER BY next_attempt, id) AS rn "
	    "    FROM hcd_outbox WHERE status = 'pending' "
	    "    AND next_attempt <= now() "
	    "    AND (lease_until IS NULL OR lease_until < now())), "
	    "busy AS (SELECT channel_id, count(*) AS n FROM hcd_outbox "
	    "    WHERE status = 'pending' AND lease_until >= now() "
	    "    GROUP BY channel_id), "
	    "d AS (SELECT o.id FROM hcd_outbox o WHERE o.id IN (SELECT due.id "
	    "    FROM due LEFT JOIN busy ON busy.channel_id = due.channel_id "
	    "    WHERE due.rn + coalesce(busy.n, 0) <= $3::int "
	    "    ) AND o.status = 'pending' "
	    "    AND (o.lease_until IS NULL OR o.lease_until < now()) "
	    "    ORDER BY o.next_attempt, o.id LIMIT $2 "
	    "    FOR UPDATE SKIP LOCKED) "
	    "UPDATE hcd_outbox o SET lease_owner = $1, "
	    "    lease_until = now() + interval '" XSTR(NT_LEASE_SEC) " s', "
	    "    attempts = o.attempts + 1 "
	    "FROM d WHERE o.id = d.id RETURNING o.id";
	static char	*load;
	struct buf	 ids;
	struct nt_job	*head = NULL, **tail = &head, *j;
	PGresult	*res = NULL, *lr = NULL;
	const char	*p[3];
	char		 lim[16], cap[24];
	int		 i, n, nc;

	int64_t		 t0 = hc_mono_ms(), tq, tl;

	if (load == NULL)
		load = load_sql();
	snprintf(lim, sizeof(lim), "%d", room < NT_CLAIM_MAX ? room :
	    NT_CLAIM_MAX);
	snprintf(cap, sizeof(cap), "%lld", (long long)(ob->ob_cf->
	    notify_max_parallel > 1 ? ob->ob_cf->notify_max_parallel / 2 : 1));
	p[0] = ob->ob_cf->node_name;
	p[1] = lim;
	p[2] = cap;
	buf_init(&ids);
	if (tx_begin(ob, err, errsz) == -1)
		goto fail;
	if ((res = dbconn_exec(ob->ob_db, claim, 3, p, 0, err, errsz)) == NULL)
		goto rollback;
	if ((n = PQntuples(res)) == 0) {
		PQclear(res);
		buf_clear(&ids);
		return tx_end(ob, 1, err, errsz) == -1 ? -1 : 0;
	}
	for (i = 0; i < n; i++)
		arr_int(&ids, getint(res, i, 0, 0));
	p[0] = arr_end(&ids);
	if (dbconn_cmd(ob->ob_db, "INSERT INTO api_notification (code, "
	    "owner_id, check_status, channel_id, error) SELECT code, "
	    "check_id, check_status, channel_id, 'Sending' FROM hcd_outbox "
	    "WHERE id = ANY($1::bigint[]) ON CONFLICT (code) DO NOTHING",
	    1, p, err, errsz) == -1)
		goto rollback;
	tq = hc_mono_ms();
	if ((lr = dbconn_exec(ob->ob_db, load, 1, p, 0, err, errsz)) == NULL)
		goto rollback;
	tl = hc_mono_ms();
	nc = PQnfields(lr) - L_NCOLS;
	for (i = 0; i < PQntuples(lr); i++) {
		if ((j = load_job(ob, lr, i, nc, err, errsz)) == NULL)
			goto rollback;
		*tail = j;
		if (buckets(ob, j, err, errsz) == -1)
			goto rollback;
		tail = &j->j_next;
	}
	if (tx_end(ob, 1, err, errsz) == -1)
		goto fail;
	PQclear(res);
	PQclear(lr);
	buf_clear(&ids);
	n = 0;
	for (j = head; j != NULL; j = j->j_next)
		n++;
	pthread_mutex_lock(&ob->ob_lock);
	*tail = ob->ob_ready;
	ob->ob_ready = head;
	ob->ob_inflight += n;
	pthread_mutex_unlock(&ob->ob_lock);
	while (write(ob->ob_loop_fd, "", 1) == -1 && errno == EINTR)
		;
	log_debug("notifier: claimed %d deliveries (claim %lld ms, load %lld "
	    "ms, build %lld ms)", n, (long long)(tq - t0),
	    (long long)(tl - tq), (long long)(hc_mono_ms() - tl));
	return n;
rollback:
	tx_end(ob, 0, err, errsz);
fail:
	while (head != NULL) {
		j = head->j_next;
		nt_job_free(head);
		head = j;
	}
	PQclear(res);
	PQclear(lr);
	buf_clear(&ids);
	return -1;
}

/* --- the thread ------------------------------------------------------ */

static int
release_own(struct outbox *ob, char *err, size_t errsz)
{
	const char *p[1] = { ob->ob_cf->node_name };

	if (dbconn_cmd(ob->ob_db, "UPDATE hcd_outbox SET lease_owner = "
	    "NULL, lease_until = NULL WHERE lease_owner = $1 AND "
	    "status = 'pending'", 1, p, err, errsz) == -1)
		return -1;
	return dbconn_cmd(ob->ob_db, "UPDATE hcd_mail SET lease_owner = "
	    "NULL, lease_until = NULL WHERE lease_owner = $1 AND "
	    "status = 'pending'", 1, p, err, errsz);
}

static void
prune(struct outbox *ob)
{
	char err[512];

	if (hc_mono_ms() - ob->ob_pruned < 600000)
		return;
	ob->ob_pruned = hc_mono_ms();
	if (dbconn_cmd(ob->ob_db, "DELETE FROM hcd_outbox WHERE status <> "
	    "'pending' AND created < now() - interval '" XSTR(NT_KEEP_DAYS)
	    " days'", 0, NULL, err, sizeof(err)) == -1)
		log_warnx("notifier: pruning the outbox: %s", err);
	if (dbconn_cmd(ob->ob_db, "DELETE FROM hcd_mail WHERE (status = "
	    "'sent' AND created < now() - interval '" XSTR(NT_MAIL_KEEP_DAYS)
	    " days') OR (status = 'failed' AND created < now() - interval '"
	    XSTR(NT_KEEP_DAYS) " days')", 0, NULL, err, sizeof(err)) == -1)
		log_warnx("notifier: pruning the mail queue: %s", err);
}

static int
room_left(struct outbox *ob)
{
	int room;

	pthread_mutex_lock(&ob->ob_lock);
	room = (int)ob->ob_cf->notify_max_parallel - ob->ob_inflight;
	pthread_mutex_unlock(&ob->ob_lock);
	return room;
}

static void
work(struct outbox *ob)
{
	char	err[512];
	int	n, room;

	if (!ob->ob_released) {
		if (release_own(ob, err, sizeof(err)) == -1) {
			log_warnx("notifier: %s", err);
			return;
		}
		ob->ob_released = 1;
	}
	int64_t	t0 = hc_mono_ms(), t1, t2 = 0;
	int	more;

	results_round(ob);
	t1 = hc_mono_ms();
	/* Flips and claims in turn: the first deliveries of a burst of
	 * flips go out while the rest of it is still being processed. */
	do {
		if ((more = flips_round(ob, err, sizeof(err))) == -1)
			log_warnx("notifier: flips: %s", err);
		more = more == NT_FLIPS_MAX;
		if (t2 == 0)
			t2 = hc_mono_ms();
		/* Log-in links first: someone is waiting for them. */
		if ((room = room_left(ob)) > 0 &&
		    mail_round(ob, room, err, sizeof(err)) == -1)
			log_warnx("notifier: mail claim: %s", err);
		while ((room = room_left(ob)) > 0) {
			if ((n = claim_round(ob, room, err, sizeof(err))) == -1)
				log_warnx("notifier: claim: %s", err);
			if (n < NT_CLAIM_MAX || n < room)
				break;
		}
		if (more)
			results_round(ob);
	} while (more);
	if (hc_mono_ms() - t0 > 50)
		log_debug("notifier: round of %lld ms: results %lld, flips "
		    "%lld, claims %lld", (long long)(hc_mono_ms() - t0),
		    (long long)(t1 - t0), (long long)(t2 - t1),
		    (long long)(hc_mono_ms() - t2));
	prune(ob);
}

static void *
outbox_run(void *arg)
{
	struct outbox	*ob = arg;
	struct pollfd	 pfd[2];
	PGconn		*c;
	PGnotify	*nf;
	char		 err[512], b[64];
	int64_t		 wait;
	int		 n, stop;

	pfd[0].fd = ob->ob_wake[0];
	pfd[0].events = POLLIN;
	for (;;) {
		pthread_mutex_lock(&ob->ob_lock);
		stop = ob->ob_stop;
		pthread_mutex_unlock(&ob->ob_lock);
		c = NULL;
		if ((wait = dbconn_retry_ms(ob->ob_db)) == 0 &&
		    (c = dbconn_get(ob->ob_db, err, sizeof(err))) == NULL) {
			wait = dbconn_retry_ms(ob->ob_db);
			log_warnx("database (notifier): %s (retry in %lld ms)",
			    err, (long long)wait);
		}
		if (stop) {
			if (c != NULL)
				results_round(ob);
			break;
		}
		if (c != NULL) {
			work(ob);
			if ((c = dbconn_ok(ob->ob_db) ? dbconn_get(ob->ob_db,
			    err, sizeof(err)) : NULL) != NULL) {
				while ((nf = PQnotifies(c)) != NULL)
					PQfreemem(nf);
				pfd[1].fd = PQsocket(c);
				pfd[1].events = POLLIN;
				pfd[1].revents = 0;
				wait = NT_POLL_MS;
			}
		}
		pfd[0].revents = 0;
		n = poll(pfd, c != NULL ? 2 : 1, (int)(wait > 0 ? wait : 100));
		if (n == -1 && errno != EINTR) {
			log_warn("notifier: poll");
			break;
		}
		if (n > 0 && pfd[0].revents != 0)
			while (read(ob->ob_wake[0], b, sizeof(b)) > 0)
				;
		if (c != NULL && n > 0 && pfd[1].revents != 0 &&
		    PQconsumeInput(c) != 1) {
			db_seterr(c, NULL, err, sizeof(err));
			log_warnx("notifier: %s", err);
			dbconn_reset(ob->ob_db);
		}
	}
	return NULL;
}

struct outbox *
outbox_start(const struct conf *cf, int loop_fd)
{
	struct outbox	*ob = xcalloc(1, sizeof(*ob));
	sigset_t	 all, old;

	ob->ob_cf = cf;
	ob->ob_loop_fd = loop_fd;
	ob->ob_pruned = hc_mono_ms() - 600000 + 10000;
	pthread_mutex_init(&ob->ob_lock, NULL);
	ob->ob_db = dbconn_new(cf, "hcd-notify", outbox_setup, ob);
	if (pipe2(ob->ob_wake, O_CLOEXEC | O_NONBLOCK) == -1)
		fatal("%s: pipe", __func__);
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	if (pthread_create(&ob->ob_thread, NULL, outbox_run, ob) != 0)
		fatalx("cannot start the notifier's database thread");
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ob;
}

void
outbox_stop(struct outbox *ob)
{
	struct nt_job *j;

	if (ob == NULL)
		return;
	pthread_mutex_lock(&ob->ob_lock);
	ob->ob_stop = 1;
	pthread_mutex_unlock(&ob->ob_lock);
	while (write(ob->ob_wake[1], "", 1) == -1 && errno == EINTR)
		;
	pthread_join(ob->ob_thread, NULL);
	while ((j = ob->ob_ready) != NULL) {
		ob->ob_ready = j->j_next;
		nt_job_free(j);
	}
	while ((j = ob->ob_done) != NULL) {
		ob->ob_done = j->j_next;
		nt_job_free(j);
	}
	close(ob->ob_wake[0]);
	close(ob->ob_wake[1]);
	dbconn_free(ob->ob_db);
	pthread_mutex_destroy(&ob->ob_lock);
	free(ob);
}

struct nt_job *
outbox_take(struct outbox *ob)
{
	struct nt_job *j;

	pthread_mutex_lock(&ob->ob_lock);
	j = ob->ob_ready;
	ob->ob_ready = NULL;
	pthread_mutex_unlock(&ob->ob_lock);
	return j;
}

void
outbox_done(struct outbox *ob, struct nt_job *j)
{
	pthread_mutex_lock(&ob->ob_lock);
	j->j_next = ob->ob_done;
	ob->ob_done = j;
	pthread_mutex_unlock(&ob->ob_lock);
	while (write(ob->ob_wake[1], "", 1) == -1 && errno == EINTR)
		;
}
