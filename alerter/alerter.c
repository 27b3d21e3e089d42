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
 */
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/event.h>

#include "alerter.h"
#include "hcd.h"
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
};

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

static void
wake_cb(evutil_socket_t fd, short ev, void *arg)
{
	proc_drain(fd);
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
	writer_stop(a->a_writer);
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
	a.a_deadline = deadline_start(pe->pe_conf);
	a.a_writer = writer_new(pe, a.a_deadline);
	a.a_listener = listener_start(pe->pe_conf, shm_index(pe->pe_shm));

	run(&a);
	event_base_dispatch(a.a_base);
	listener_stop(a.a_listener);
	deadline_stop(a.a_deadline);
	writer_free(a.a_writer);
	event_free(a.a_ev_wake);
	event_free(a.a_ev_tick);
	event_free(a.a_ev_now);
	event_free(a.a_ev_term);
	event_base_free(a.a_base);
	exit(0);
}
