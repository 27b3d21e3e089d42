/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The journal's appender (ACK_MODE durable and fast), on the alerter's
 * event loop: it takes what every producer ring has published, stages
 * it in the journal, writes and fdatasyncs it as one group, and then
 * moves each ring's commit position past it, which both answers the
 * held pings "OK" and frees the ring's space.  One fdatasync serves
 * every ping published since the last one: while one is running, the
 * next group gathers in the rings.
 *
 * Refusals: when the journal refuses (JOURNAL_MAX reached, the disk
 * refusing), the records are passed with ring_refuse instead, and their
 * producers answer 503: nothing refused is ever on disk.
 *
 * The mark that ends a group carries the time taken before the rings
 * were read: every ping published before it is in this group or an
 * earlier one.  The loader turns marks into the node's watermark.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "alerter.h"
#include "hcd.h"
#include "journal.h"
#include "log.h"
#include "pingrec.h"
#include "proc.h"
#include "ring.h"
#include "shm.h"

struct ingest {
	struct proc_env		*g_env;
	struct journal		*g_j;
	uint64_t		 g_read[HC_MAX_PRODUCERS];	/* done */
	uint64_t		 g_end[HC_MAX_PRODUCERS];	/* staged */
	uint64_t		 g_stop[HC_MAX_PRODUCERS];	/* at SIGTERM */
	int			 g_moved[HC_MAX_PRODUCERS];
	int			 g_synced;	/* the loader to wake */
	int64_t			 g_last_mark;
	int64_t			 g_warned;	/* ms: last refusal logged */
	uint64_t		 g_refused_since;
	void			(*g_notify)(void *);
	void			*g_notify_arg;
};

struct ingest *
ingest_new(struct proc_env *pe, struct journal *j, void (*notify)(void *),
    void *arg)
{
	struct ingest	*g = xcalloc(1, sizeof(*g));
	struct shm	*sh = pe->pe_shm;
	int		 r;

	g->g_env = pe;
	g->g_j = j;
	g->g_notify = notify;
	g->g_notify_arg = arg;
	const struct jmark	*m;
	const uint64_t		*pos;

	for (r = 0; r < sh->sh_nrings; r++)
		g->g_read[r] = g->g_end[r] = ring_commit(shm_ring(sh, r));
	/*
	 * An alerter before us under this master may have synced a group
	 * and died before moving the rings' commit positions: the journal's
	 * last mark says how far the rings are in.  Those pings are
	 * answered now; taking them again would store them twice.
	 */
	if ((m = journal_last_mark(j, &pos)) != NULL &&
	    m->jm_shm == sh->sh_segment)
		for (r = 0; r < sh->sh_nrings && r < (int)m->jm_nrings; r++) {
			if (pos[r] <= g->g_read[r] ||
			    pos[r] > ring_head(shm_ring(sh, r)))
				continue;
			log_info("ring %d: %llu bytes were journaled before a "
			    "restart; skipping them", r, (unsigned long long)
			    (pos[r] - g->g_read[r]));
			ring_set_commit(shm_ring(sh, r), pos[r]);
			g->g_read[r] = g->g_end[r] = pos[r];
			if (pe->pe_ack_wfd[r] != -1)
				(void)write(pe->pe_ack_wfd[r], "", 1);
		}
	g->g_last_mark = hc_now_us();
	return g;
}

void
ingest_free(struct ingest *g)
{
	free(g);
}

static void
publish(struct ingest *g)
{
	struct shm *sh = g->g_env->pe_shm;

	atomic_store(&sh->sh_j_head, journal_head(g->g_j));
	atomic_store(&sh->sh_j_pings, journal_pings(g->g_j));
	atomic_store(&sh->sh_j_disk, journal_disk(g->g_j));
	atomic_store(&sh->sh_j_state, (int)journal_state(g->g_j));
}

/* Ring r's records from g_read to g_end: refused (503), not stored. */
static void
refuse(struct ingest *g, int r)
{
	struct shm	*sh = g->g_env->pe_shm;
	struct ring	*rg = shm_ring(sh, r);
	uint64_t	 n = ring_count(rg, g->g_read[r], g->g_end[r]);

	atomic_fetch_add(&sh->sh_j_refused, n);
	g->g_refused_since += n;
	ring_refuse(rg, g->g_read[r], g->g_end[r]);
	g->g_read[r] = g->g_end[r];
	g->g_moved[r] = 1;
}

/* Flush the staged group; answer its records (OK or refused). */
static void
flush(struct ingest *g, int64_t mark)
{
	struct shm	*sh = g->g_env->pe_shm;
	struct jmark	 m;
	int		 r, ok;

	m.jm_time = mark;
	m.jm_pings = 0;
	m.jm_shm = sh->sh_segment;
	m.jm_nrings = (uint32_t)sh->sh_nrings;
	m.jm_zero = 0;
	ok = journal_flush(g->g_j, &m, g->g_end) == 0;
	if (ok)
		atomic_fetch_add(&sh->sh_j_syncs, 1);
	for (r = 0; r < sh->sh_nrings; r++) {
		if (g->g_end[r] == g->g_read[r])
			continue;
		if (!ok) {
			refuse(g, r);
			continue;
		}
		ring_set_commit(shm_ring(sh, r), g->g_end[r]);
		g->g_read[r] = g->g_end[r];
		g->g_moved[r] = 1;
	}
	publish(g);
	if (ok)
		g->g_synced = 1;
}

int
ingest_pending(struct ingest *g)
{
	struct shm	*sh = g->g_env->pe_shm;
	int		 r;

	for (r = 0; r < sh->sh_nrings; r++)
		if (ring_head(shm_ring(sh, r)) != g->g_read[r])
			return 1;
	return 0;
}

/* One group: 1 if records were taken, 0 if there were none. */
int
ingest_pump(struct ingest *g)
{
	struct shm	*sh = g->g_env->pe_shm;
	uint64_t	 head[HC_MAX_PRODUCERS], pos, p;
	const void	*rec;
	int64_t		 t0 = hc_now_us(), now;
	size_t		 len;
	int		 r, rc, refusing = 0, any = 0;

	for (r = 0; r < sh->sh_nrings; r++) {
		head[r] = ring_head(shm_ring(sh, r));
		g->g_end[r] = g->g_read[r];
		g->g_moved[r] = 0;
		if (head[r] != g->g_read[r])
			any = 1;
	}
	if (!any)
		return 0;
	for (r = 0; r < sh->sh_nrings && !refusing; r++) {
		struct ring *rg = shm_ring(sh, r);

		pos = g->g_read[r];
		for (;;) {
			p = pos;
			if ((rec = ring_next(rg, &p, head[r], &len)) == NULL) {
				g->g_end[r] = head[r];	/* pads at the end */
				break;
			}
			if (pingrec_valid(rec, len) == -1) {
				pos = g->g_end[r] = p;	/* cannot happen */
				continue;
			}
			if ((rc = journal_add(g->g_j, rec, len)) == 1) {
				/* The segment is full: this group goes now,
				 * under the last mark that holds for it. */
				flush(g, g->g_last_mark);
				rc = journal_add(g->g_j, rec, len);
			}
			if (rc != 0) {
				refusing = 1;
				break;
			}
			pos = g->g_end[r] = p;
		}
	}
	flush(g, t0);
	g->g_last_mark = t0;
	if (refusing) {
		/* The rest of what was published: refused. */
		for (r = 0; r < sh->sh_nrings; r++) {
			if (head[r] <= g->g_read[r])
				continue;
			g->g_end[r] = head[r];
			refuse(g, r);
		}
		publish(g);
		now = hc_mono_ms();
		if (now - g->g_warned >= 10000) {
			log_warnx("journal %s: %llu ping(s) refused (503) in the "
			    "last %lld s", journal_state(g->g_j) == JS_FULL ?
			    "full (JOURNAL_MAX)" : "not writable",
			    (unsigned long long)g->g_refused_since,
			    g->g_warned ? (long long)(now - g->g_warned) / 1000 :
			    0LL);
			g->g_warned = now;
			g->g_refused_since = 0;
		}
	}
	for (r = 0; r < sh->sh_nrings; r++)
		if (g->g_moved[r] && g->g_env->pe_ack_wfd[r] != -1)
			(void)write(g->g_env->pe_ack_wfd[r], "", 1);
	/* The loader after the producers: the acks are what pings wait for. */
	if (g->g_synced && g->g_notify != NULL)
		g->g_notify(g->g_notify_arg);
	g->g_synced = 0;
	return 1;
}

/* A state that refuses is left as soon as the journal allows. */
void
ingest_tick(struct ingest *g)
{
	if (journal_state(g->g_j) != JS_OK) {
		(void)journal_retry(g->g_j);
		publish(g);
	}
}

void
ingest_stop(struct ingest *g)
{
	struct shm	*sh = g->g_env->pe_shm;
	int		 r;

	for (r = 0; r < sh->sh_nrings; r++)
		g->g_stop[r] = ring_head(shm_ring(sh, r));
}

int
ingest_drained(struct ingest *g)
{
	struct shm	*sh = g->g_env->pe_shm;
	int		 r;

	for (r = 0; r < sh->sh_nrings; r++)
		if (g->g_read[r] < g->g_stop[r])
			return 0;
	return 1;
}
