/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The alerter's index listener: keeps this node's check index (shared
 * memory, common/index.c) in line with changes made anywhere else, by
 * another node's API, hcctl or psql.  The triggers of
 * schema/003_index_notify.sql announce every change on INDEX_CHANNEL;
 * this thread LISTENs on its own connection ("hcd-index") and applies
 * each announcement as it arrives (index_apply_notify).
 *
 * Its own thread, not the writer's loop or the deadline thread: the
 * full refresh it does on every new session reads every check and must
 * not hold up the batches, and a long deadline pass or pruning run must
 * not hold up the index.  It shares nothing with the other threads but
 * the index, whose writers serialise on its process-shared mutex.
 *
 * A new session first LISTENs and then refreshes the whole index
 * (index_load): what changed while no session listened was announced
 * to nobody, and what changes from the LISTEN on is announced to us,
 * so nothing falls in between.  Announcements come in commit order;
 * those that arrive during the refresh are applied after it.  An idle
 * session is asked a trivial query every HC_LISTEN_CHECK_MS, so that a
 * server or network that went away silently is noticed, and with it
 * the announcements it would have missed.
 *
 * Stopping: listener_stop() writes to a pipe the thread polls beside
 * the socket.  The thread blocks signals; the event loop handles them.
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

#include "alerter.h"
#include "db.h"
#include "dbconn.h"
#include "hcd.h"
#include "index_db.h"
#include "log.h"

struct listener {
	struct index		*l_index;
	struct dbconn		*l_db;		/* the thread's only */
	pthread_t		 l_thread;
	int			 l_stop[2];	/* pipe: a byte means stop */
};

/* The setup of every new session (dbconn). */
static int
listener_setup(PGconn *c, void *arg, char *err, size_t errsz)
{
	struct listener	*l = arg;
	int		 n;

	if (db_exec(c, "LISTEN " INDEX_CHANNEL, err, errsz) == -1)
		return -1;
	if ((n = index_load(l->l_index, c, err, errsz)) == -1)
		return -1;
	log_debug("index listener: listening; index refreshed, %d checks", n);
	return 0;
}

/* Apply what libpq has received.  0, or -1 if the session went. */
static int
listener_drain(struct listener *l, PGconn *c)
{
	PGnotify	*nf;
	char		 err[512];
	int		 n;

	while ((nf = PQnotifies(c)) != NULL) {
		if (strcmp(nf->relname, INDEX_CHANNEL) != 0) {
			PQfreemem(nf);
			continue;
		}
		log_debug("index listener: %s", nf->extra);
		switch (index_apply_notify(l->l_index, nf->extra, err,
		    sizeof(err))) {
		case 1:
			if ((n = index_load(l->l_index, c, err,
			    sizeof(err))) == -1) {
				log_warnx("index listener: refresh: %s", err);
				PQfreemem(nf);
				dbconn_reset(l->l_db);	/* the next one will */
				return -1;
			}
			log_info("check index refreshed: %d checks", n);
			break;
		case -1:
			log_warnx("index listener: %s", err);
			break;
		}
		PQfreemem(nf);
	}
	return 0;
}

static void *
listener_run(void *arg)
{
	struct listener	*l = arg;
	struct pollfd	 pfd[2];
	PGconn		*c;
	char		 err[512], b;
	int64_t		 wait;
	int		 n;

	pfd[0].fd = l->l_stop[0];
	pfd[0].events = POLLIN;
	for (;;) {
		c = NULL;
		if ((wait = dbconn_retry_ms(l->l_db)) == 0 &&
		    (c = dbconn_get(l->l_db, err, sizeof(err))) == NULL) {
			wait = dbconn_retry_ms(l->l_db);
			log_warnx("database (index listener): %s (retry in "
			    "%lld ms)", err, (long long)wait);
		}
		if (c != NULL) {
			if (listener_drain(l, c) == -1)
				continue;
			pfd[1].fd = PQsocket(c);
			pfd[1].events = POLLIN;
			pfd[1].revents = 0;
			wait = HC_LISTEN_CHECK_MS;
		}
		pfd[0].revents = 0;
		n = poll(pfd, c != NULL ? 2 : 1, (int)wait);
		if (n == -1 && errno != EINTR) {
			log_warn("index listener: poll");
			break;
		}
		if (pfd[0].revents != 0)
			break;
		if (c == NULL || n == -1)
			continue;
		if (n == 0) {
			/* Quiet for a while: is the session still there? */
			if (dbconn_cmd(l->l_db, "SELECT 1", 0, NULL, err,
			    sizeof(err)) == -1)
				log_warnx("index listener: %s", err);
			continue;
		}
		if (PQconsumeInput(c) != 1) {
			db_seterr(c, NULL, err, sizeof(err));
			log_warnx("index listener: %s", err);
			dbconn_reset(l->l_db);
		}
	}
	while (read(l->l_stop[0], &b, 1) == 1)
		;
	return NULL;
}

struct listener *
listener_start(const struct conf *cf, struct index *x)
{
	struct listener	*l = xcalloc(1, sizeof(*l));
	sigset_t	 all, old;

	l->l_index = x;
	l->l_db = dbconn_new(cf, "hcd-index", listener_setup, l);
	if (pipe(l->l_stop) == -1)
		fatal("%s: pipe", __func__);
	if (fcntl(l->l_stop[0], F_SETFD, FD_CLOEXEC) == -1 ||
	    fcntl(l->l_stop[1], F_SETFD, FD_CLOEXEC) == -1 ||
	    fcntl(l->l_stop[0], F_SETFL, O_NONBLOCK) == -1)
		fatal("%s: fcntl", __func__);
	/* Signals are the event loop's: the thread starts with them blocked. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	if (pthread_create(&l->l_thread, NULL, listener_run, l) != 0)
		fatalx("cannot start the index listener thread");
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return l;
}

void
listener_stop(struct listener *l)
{
	if (l == NULL)
		return;
	while (write(l->l_stop[1], "", 1) == -1 && errno == EINTR)
		;
	pthread_join(l->l_thread, NULL);
	close(l->l_stop[0]);
	close(l->l_stop[1]);
	dbconn_free(l->l_db);
	free(l);
}
