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
 * connection is re-made with back-off up to 5 s (common/dbconn).
 *
 * Deadlines and pruning run on a thread of their own (deadline.c), and
 * so does the listener that applies index changes announced by other
 * nodes (listen.c): neither can hold up the loop.
 *
 * SIGTERM: commit everything published so far, stop the threads, exit 0.
 *
 * ACK_MODE durable and fast put the journal in between (ingest.c,
 * journal.c): the loop appends what the rings publish to the journal
 * and answers the pings once it is synced, and the batch writer becomes
 * the loader, on a thread of its own, reading the journal instead of
 * the rings.  The loop then never waits for PostgreSQL; the loader may
 * fall behind (PostgreSQL away or slow) up to JOURNAL_MAX.  At SIGTERM
 * the loop journals what was published, and the loader gets a few
 * seconds to load what it can: the rest waits in the journal.
 */
#include <sys/stat.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/event.h>

#include "alerter.h"
#include "conf.h"
#include "hcd.h"
#include "journal.h"
#include "log.h"
#include "proc.h"
#include "shm.h"

struct alerter {
	struct proc_env		*a_env;
	struct event_base	*a_base;
	struct event		*a_ev_wake;
	struct event		*a_ev_tick;
	struct event		*a_ev_term;
	struct event		*a_ev_now;	/* run again at once */
	struct writer		*a_writer;
	struct deadline		*a_deadline;
	struct listener		*a_listener;
	int			 a_stopping;
	/* The journal (durable, fast). */
	struct journal		*a_j;
	struct ingest		*a_ingest;
	pthread_t		 a_loader;
	pthread_mutex_t		 a_lock;	/* guards what follows */
	pthread_cond_t		 a_cond;
	uint64_t		 a_lseq;	/* groups synced: wakes it */
	int			 a_ldrain;	/* SIGTERM: load, then end */
};

#define LOADER_STOP_MS	5000	/* at SIGTERM, loading may take this long */

static void
run(struct alerter *a)
{
	struct shm	*sh = a->a_env->pe_shm;
	struct writer	*w = a->a_writer;
	int		 rounds = 0;

	for (;;) {
		if (writer_ready(w) == -1)
			return;		/* the tick retries */
		while (writer_pending(w) &&
		    !(a->a_stopping && writer_drained(w))) {
			if (writer_pump(w) == -1)
				return;	/* the tick retries */
			/* Let the loop breathe now and then. */
			if (++rounds >= 64) {
				event_active(a->a_ev_now, EV_TIMEOUT, 0);
				return;
			}
		}
		if (a->a_stopping && writer_drained(w)) {
			log_debug("rings drained; exiting");
			event_base_loopbreak(a->a_base);
			return;
		}
		atomic_store(&sh->sh_alerter_sleeping, 1);
		atomic_thread_fence(memory_order_seq_cst);
		if (!writer_pending(w))
			return;		/* wait for the pipe */
		atomic_store(&sh->sh_alerter_sleeping, 0);
	}
}

/* The loop with the journal: ingest what the rings publish. */
static void
run_journal(struct alerter *a)
{
	struct shm	*sh = a->a_env->pe_shm;
	int		 rounds = 0;

	for (;;) {
		while (ingest_pending(a->a_ingest) &&
		    !(a->a_stopping && ingest_drained(a->a_ingest))) {
			(void)ingest_pump(a->a_ingest);
			if (++rounds >= 64) {
				event_active(a->a_ev_now, EV_TIMEOUT, 0);
				return;
			}
		}
		if (a->a_stopping && ingest_drained(a->a_ingest)) {
			log_debug("rings drained into the journal");
			event_base_loopbreak(a->a_base);
			return;
		}
		atomic_store(&sh->sh_alerter_sleeping, 1);
		atomic_thread_fence(memory_order_seq_cst);
		if (!ingest_pending(a->a_ingest))
			return;		/* wait for the pipe */
		atomic_store(&sh->sh_alerter_sleeping, 0);
	}
}

static void
loader_wake(void *arg)
{
	struct alerter *a = arg;

	pthread_mutex_lock(&a->a_lock);
	a->a_lseq++;
	pthread_cond_signal(&a->a_cond);
	pthread_mutex_unlock(&a->a_lock);
}

static void
cond_wait_ms(struct alerter *a, int64_t ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(&a->a_cond, &a->a_lock, &ts);
}

/*
 * The loader's thread: the batch writer on the journal.  It sleeps
 * until a group is synced (or 50 ms, for the watermark), and backs off
 * while the database is away (writer_ready).
 */
static void *
loader_main(void *arg)
{
	struct alerter	*a = arg;
	struct writer	*w = a->a_writer;
	uint64_t	 seen = 0;
	int64_t		 until = 0, due;
	int		 ok, rc, rounds, drain = 0;

	pthread_mutex_lock(&a->a_lock);
	for (;;) {
		if (a->a_ldrain && !drain) {
			drain = 1;
			writer_stop(w);
			until = hc_mono_ms() + LOADER_STOP_MS;
		}
		seen = a->a_lseq;
		pthread_mutex_unlock(&a->a_lock);
		if (drain && (writer_drained(w) || hc_mono_ms() >= until))
			break;
		if (!drain) {
			(void)journal_prepare(a->a_j);	/* the spare segment */
			/* A spare made counts on disk before any ping comes. */
			atomic_store(&a->a_env->pe_shm->sh_j_disk,
			    journal_disk(a->a_j));
		}
		ok = writer_ready(w) == 0;
		if (drain && !ok)
			break;		/* no database: the journal keeps them */
		for (rounds = 0; ok && writer_pending(w) && rounds < 256;
		    rounds++) {
			if ((rc = writer_pump(w)) == -1)
				ok = 0;
			if (rc != 1)
				break;
		}
		if (ok && !writer_pending(w))
			writer_idle(w);
		else
			writer_backlog(w);
		/* Records wait for the next batch to be due: a nap. */
		if (ok && (due = writer_due_in(w)) > 0) {
			struct timespec ts = { 0, due * 1000000 };

			nanosleep(&ts, NULL);
			pthread_mutex_lock(&a->a_lock);
			continue;
		}
		pthread_mutex_lock(&a->a_lock);
		if (a->a_lseq == seen && !(ok && writer_pending(w)))
			cond_wait_ms(a, ok ? 50 : 250);
	}
	if (!writer_drained(w))
		log_warnx("stopping with pings in the journal not loaded yet "
		    "(the next start loads them)");
	else
		writer_leave(w);
	return NULL;
}

/* Open the journal; the master made its folder. */
static struct journal *
journal_start(struct proc_env *pe)
{
	const struct conf	*cf = pe->pe_conf;
	struct journal		*j;
	char			 err[512];

	if ((j = journal_open(cf->journal_dir, (uint64_t)cf->journal_max,
	    conf_ping_rec_max(cf), err, sizeof(err))) == NULL)
		fatalx("journal: %s", err);
	return j;
}

static void
dispatch(struct alerter *a)
{
	if (a->a_ingest != NULL)
		run_journal(a);
	else
		run(a);
}

static void
wake_cb(evutil_socket_t fd, short ev, void *arg)
{
	proc_drain(fd);
	dispatch(arg);
}

static void
now_cb(evutil_socket_t fd, short ev, void *arg)
{
	dispatch(arg);
}

static void
tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct alerter *a = arg;

	if (a->a_ingest != NULL)
		ingest_tick(a->a_ingest);
	dispatch(arg);
}

static void
term_cb(evutil_socket_t sig, short ev, void *arg)
{
	struct alerter *a = arg;

	log_debug("got SIGTERM: draining the rings");
	if (a->a_ingest != NULL)
		ingest_stop(a->a_ingest);
	else
		writer_stop(a->a_writer);
	a->a_stopping = 1;
	dispatch(a);
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
	signal(SIGXFSZ, SIG_IGN);	/* a file size limit: EFBIG, refused */
	a.a_env = pe;
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
	if (conf_journaled(pe->pe_conf)) {
		a.a_j = journal_start(pe);
		a.a_ingest = ingest_new(pe, a.a_j, loader_wake, &a);
		atomic_store(&pe->pe_shm->sh_j_on, 1);
		atomic_store(&pe->pe_shm->sh_j_head, journal_head(a.a_j));
		atomic_store(&pe->pe_shm->sh_j_disk, journal_disk(a.a_j));
		atomic_store(&pe->pe_shm->sh_j_pings, journal_pings(a.a_j));
	}
	a.a_deadline = deadline_start(pe->pe_conf, a.a_j != NULL ?
	    pe->pe_shm : NULL);
	a.a_writer = writer_new(pe, a.a_deadline, a.a_j);
	a.a_listener = listener_start(pe->pe_conf, shm_index(pe->pe_shm));
	if (a.a_j != NULL) {
		pthread_condattr_t	ca;
		sigset_t		all, old;

		pthread_mutex_init(&a.a_lock, NULL);
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&a.a_cond, &ca);
		pthread_condattr_destroy(&ca);
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &old);
		if (pthread_create(&a.a_loader, NULL, loader_main, &a) != 0)
			fatalx("cannot start the loader thread");
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}

	dispatch(&a);
	event_base_dispatch(a.a_base);
	if (a.a_j != NULL) {
		pthread_mutex_lock(&a.a_lock);
		a.a_ldrain = 1;
		pthread_cond_signal(&a.a_cond);
		pthread_mutex_unlock(&a.a_lock);
		pthread_join(a.a_loader, NULL);
	}
	listener_stop(a.a_listener);
	deadline_stop(a.a_deadline);
	writer_free(a.a_writer);
	ingest_free(a.a_ingest);
	journal_close(a.a_j);
	event_free(a.a_ev_wake);
	event_free(a.a_ev_tick);
	event_free(a.a_ev_now);
	event_free(a.a_ev_term);
	event_base_free(a.a_base);
	exit(0);
}
