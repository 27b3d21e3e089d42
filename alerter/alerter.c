/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The alerter process: its event loop.  It sleeps until a producer
 * wakes it (or a 1 s tick), then writes batches (writer.c) until the
 * rings are empty.  The wake-up protocol is a flag in shared memory:
 * the alerter sets sh_alerter_sleeping, looks at the rings once more,
 * and only then waits on its pipe; a producer that publishes and sees
 * the flag clears it and writes one byte.  Under load the flag is never
 * set and producers make no system call for it.
 *
 * Database trouble: a batch that fails is not advanced past; the rings
 * keep the pings (producers answer 503 once theirs is full) and the
 * connection is re-made with back-off up to 5 s.
 *
 * SIGTERM: commit everything published so far, then exit 0.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <libpq-fe.h>

#include "alerter.h"
#include "check.h"
#include "conf.h"
#include "db.h"
#include "hcd.h"
#include "log.h"
#include "proc.h"
#include "ring.h"
#include "shm.h"

/* Everything published before SIGTERM is committed. */
static int
drained(struct alerter *a)
{
	int i;

	for (i = 0; i < a->a_env->pe_shm->sh_nrings; i++)
		if (a->a_read[i] < a->a_stop_head[i])
			return 0;
	return 1;
}

/* After a failed connection: wait 100 ms, doubling up to 5 s.  The wait. */
static int
backoff(int64_t *retry, int *ms)
{
	*ms = *ms ? *ms * 2 : 100;
	if (*ms > 5000)
		*ms = 5000;
	*retry = hc_mono_ms() + *ms;
	return *ms;
}

static int
db_ensure(struct alerter *a)
{
	char	 err[512], *ci;

	if (a->a_db != NULL && PQstatus(a->a_db) == CONNECTION_OK)
		return 0;
	if (hc_mono_ms() < a->a_db_retry)
		return -1;
	if (a->a_db != NULL) {
		PQfinish(a->a_db);
		a->a_db = NULL;
	}
	/* A COMMIT may have been in flight on the old session: re-read
	 * the committed positions before writing again. */
	a->a_ready = 0;
	writer_reset(a);
	ci = conf_conninfo(a->a_env->pe_conf);
	a->a_db = db_connect_as(ci, a->a_appname, err, sizeof(err));
	free(ci);
	if (a->a_db == NULL || writer_prepare(a) == -1) {
		if (a->a_db != NULL)
			snprintf(err, sizeof(err), "%s",
			    PQerrorMessage(a->a_db));
		log_warnx("database: %s (retry in %d ms)", err,
		    backoff(&a->a_db_retry, &a->a_db_backoff));
		if (a->a_db != NULL) {
			PQfinish(a->a_db);
			a->a_db = NULL;
		}
		return -1;
	}
	a->a_db_backoff = 0;
	if (!a->a_ready && writer_sync_cursors(a) == -1)
		return -1;
	return 0;
}

/*
 * The deadline pass and pruning run on a thread of their own, with
 * their own connection: their queries (pruning deletes rows) must not
 * hold up the batch writer, whose loop answers the held pings.  The
 * thread shares only the prune queue (under a_dl_lock) with the loop.
 */
static int
ddb_ensure(struct alerter *a)
{
	char	 err[512], *ci;

	if (a->a_ddb != NULL && PQstatus(a->a_ddb) == CONNECTION_OK)
		return 0;
	if (hc_mono_ms() < a->a_ddb_retry)
		return -1;
	if (a->a_ddb != NULL)
		PQfinish(a->a_ddb);
	ci = conf_conninfo(a->a_env->pe_conf);
	a->a_ddb = db_connect_as(ci, "hcd-deadlines", err, sizeof(err));
	free(ci);
	if (a->a_ddb == NULL || deadline_prepare(a->a_ddb, err,
	    sizeof(err)) == -1) {
		log_warnx("database (deadlines): %s (retry in %d ms)", err,
		    backoff(&a->a_ddb_retry, &a->a_ddb_backoff));
		if (a->a_ddb != NULL) {
			PQfinish(a->a_ddb);
			a->a_ddb = NULL;
		}
		return -1;
	}
	a->a_ddb_backoff = 0;
	return 0;
}

/* Append to a queue shared with the deadline thread. */
static void
idq_add(struct alerter *a, struct idq *q, int64_t id)
{
	pthread_mutex_lock(&a->a_dl_lock);
	if (q->q_n == q->q_cap) {
		q->q_cap = q->q_cap ? q->q_cap * 2 : 256;
		q->q_ids = xreallocarray(q->q_ids, q->q_cap,
		    sizeof(*q->q_ids));
	}
	q->q_ids[q->q_n++] = id;
	pthread_mutex_unlock(&a->a_dl_lock);
}

/* Take the whole queue: its ids (to free) and their number. */
static int64_t *
idq_take(struct alerter *a, struct idq *q, size_t *n)
{
	int64_t *ids;

	pthread_mutex_lock(&a->a_dl_lock);
	ids = q->q_ids;
	*n = q->q_n;
	memset(q, 0, sizeof(*q));
	pthread_mutex_unlock(&a->a_dl_lock);
	return ids;
}

void
alerter_prune_add(struct alerter *a, int64_t check)
{
	idq_add(a, &a->a_prune, check);
}

/*
 * The deadline pass changed a check: the writer's copy is out of date.
 * Telling it spares it a batch that would fail on the revision.
 */
static void
stale_add(void *arg, int64_t check)
{
	struct alerter *a = arg;

	idq_add(a, &a->a_stale, check);
}

int64_t *
alerter_stale_take(struct alerter *a, size_t *n)
{
	return idq_take(a, &a->a_stale, n);
}

/*
 * Mark down what is due and prune what was queued.  Returns how long
 * to sleep: until the next deadline, at most HC_DEADLINE_POLL_MS.
 */
static int64_t
deadline_round(struct alerter *a)
{
	char		 err[512];
	int64_t		 now, next, lag, wait_ms = HC_DEADLINE_POLL_MS;
	int64_t		*ids;
	size_t		 n, k;
	int		 more = 0, down, rounds = 0;

	if (ddb_ensure(a) == -1)
		return wait_ms;
	do {
		now = hc_now_us();
		if ((down = deadline_pass(a->a_ddb, now, &more, &lag,
		    stale_add, a, err, sizeof(err))) == -1) {
			log_warnx("deadline pass: %s", err);
			return wait_ms;
		}
		if (down > 0)
			log_info("%d check(s) went down, at most %lld ms after "
			    "their deadline", down, (long long)(lag / 1000));
	} while (more && ++rounds < 10);

	ids = idq_take(a, &a->a_prune, &n);
	for (k = 0; k < n; k += 1000) {
		size_t m = n - k > 1000 ? 1000 : n - k;

		if (deadline_prune(a->a_ddb, ids + k, m, err,
		    sizeof(err)) == -1) {
			log_warnx("pruning: %s", err);
			break;
		}
	}
	free(ids);

	if (more)
		return 0;
	if (deadline_next(a->a_ddb, &next, err, sizeof(err)) == 0 &&
	    next != CT_NONE) {
		next = (next - hc_now_us()) / 1000 + 1;
		if (next < wait_ms)
			wait_ms = next < 0 ? 0 : next;
	}
	return wait_ms;
}

static void *
deadline_thread(void *arg)
{
	struct alerter	*a = arg;
	struct timespec	 ts;
	int64_t		 wait_ms;

	pthread_mutex_lock(&a->a_dl_lock);
	while (!a->a_dl_stop) {
		pthread_mutex_unlock(&a->a_dl_lock);
		wait_ms = deadline_round(a);
		pthread_mutex_lock(&a->a_dl_lock);
		if (a->a_dl_stop || wait_ms == 0)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += wait_ms / 1000;
		ts.tv_nsec += (wait_ms % 1000) * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&a->a_dl_cond, &a->a_dl_lock, &ts);
	}
	pthread_mutex_unlock(&a->a_dl_lock);
	return NULL;
}

static void
deadline_start(struct alerter *a)
{
	pthread_condattr_t	ca;

	pthread_mutex_init(&a->a_dl_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&a->a_dl_cond, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&a->a_dl_thread, NULL, deadline_thread, a) != 0)
		fatalx("cannot start the deadline thread");
}

static void
deadline_stop(struct alerter *a)
{
	pthread_mutex_lock(&a->a_dl_lock);
	a->a_dl_stop = 1;
	pthread_cond_signal(&a->a_dl_cond);
	pthread_mutex_unlock(&a->a_dl_lock);
	pthread_join(a->a_dl_thread, NULL);
}

static void
run(struct alerter *a)
{
	struct shm	*sh = a->a_env->pe_shm;
	int		 rounds = 0;

	for (;;) {
		if (db_ensure(a) == -1)
			return;		/* the tick retries */
		while (writer_pending(a) && !(a->a_stopping && drained(a))) {
			if (writer_pump(a) == -1) {
				if (a->a_db != NULL &&
				    PQstatus(a->a_db) != CONNECTION_OK)
					a->a_db_retry = 0;
				return;
			}
			/* Let the loop breathe now and then. */
			if (++rounds >= 64) {
				event_active(a->a_ev_now, EV_TIMEOUT, 0);
				return;
			}
		}
		if (a->a_stopping && drained(a)) {
			log_debug("rings drained; exiting");
			event_base_loopbreak(a->a_base);
			return;
		}
		atomic_store(&sh->sh_alerter_sleeping, 1);
		atomic_thread_fence(memory_order_seq_cst);
		if (!writer_pending(a))
			return;		/* wait for the pipe */
		atomic_store(&sh->sh_alerter_sleeping, 0);
	}
}

static void
wake_cb(evutil_socket_t fd, short ev, void *arg)
{
	char tmp[256];

	while (read(fd, tmp, sizeof(tmp)) > 0)
		;
	run(arg);
}

static void
now_cb(evutil_socket_t fd, short ev, void *arg)
{
	run(arg);
}

static void
tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	run(arg);
}

static void
term_cb(evutil_socket_t sig, short ev, void *arg)
{
	struct alerter *a = arg;

	log_debug("got SIGTERM: draining the rings");
	for (int i = 0; i < a->a_env->pe_shm->sh_nrings; i++)
		a->a_stop_head[i] = ring_head(shm_ring(a->a_env->pe_shm, i));
	a->a_stopping = 1;
	run(a);
}

void
alerter_main(struct proc_env *pe)
{
	static struct alerter	 a;
	struct timeval		 tick = { 0, 250000 };

	proc_drop(pe, "alerter");
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	a.a_env = pe;
	/* The writer's session is named after the segment: see writer.c. */
	snprintf(a.a_appname, sizeof(a.a_appname), "hcd-writer-%lld",
	    (long long)pe->pe_shm->sh_segment);
	if ((a.a_base = event_base_new()) == NULL)
		fatalx("event_base_new");
	a.a_ev_wake = event_new(a.a_base, pe->pe_wake_rfd, EV_READ | EV_PERSIST,
	    wake_cb, &a);
	event_add(a.a_ev_wake, NULL);
	a.a_ev_tick = event_new(a.a_base, -1, EV_PERSIST, tick_cb, &a);
	evtimer_add(a.a_ev_tick, &tick);
	a.a_ev_now = event_new(a.a_base, -1, 0, now_cb, &a);
	a.a_ev_term = evsignal_new(a.a_base, SIGTERM, term_cb, &a);
	evsignal_add(a.a_ev_term, NULL);
	deadline_start(&a);

	run(&a);
	event_base_dispatch(a.a_base);
	deadline_stop(&a);
	writer_free(&a);
	if (a.a_db != NULL)
		PQfinish(a.a_db);
	if (a.a_ddb != NULL)
		PQfinish(a.a_ddb);
	free(a.a_prune.q_ids);
	free(a.a_stale.q_ids);
	exit(0);
}
