/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Database jobs of a worker: a small pool of threads, each with its own
 * PostgreSQL session (struct dbconn), that runs the management API,
 * badges, metrics and (next) the dashboard's pages, so that the event
 * loop, which answers pings and acks, never waits on a query.
 *
 * The loop hands over a job that owns a copy of the request's bytes,
 * parsed again into j_http (conn_process consumes the connection's
 * input right after dispatch), and holds the connection: its later
 * pipelined requests wait unparsed, as behind a held ping.  A thread
 * runs the handler into j_resp; the finished job goes on the done list
 * and one byte on a pipe wakes the loop, which answers (worker.c,
 * worker_job_done).  A connection closed meanwhile only loses its
 * answer: the job runs to its end and is freed.
 *
 * Locking: dq_lock guards both lists and dq_stop; everything else in a
 * job belongs to the loop until it is queued, to one thread until it
 * is on the done list, and to the loop again after.
 */
#include <sys/resource.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "conf.h"
#include "dbconn.h"
#include "hcd.h"
#include "log.h"
#include "proc.h"
#include "shm.h"
#include "worker.h"

struct dbq {
	pthread_mutex_t		 dq_lock;
	pthread_cond_t		 dq_cond;
	struct jobq		 dq_todo;
	struct jobq		 dq_done;
	int			 dq_stop;
	int			 dq_pipe[2];	/* threads → loop */
	struct event		*dq_ev;
	int			 dq_nthreads;
	pthread_t		*dq_threads;
	struct dbconn		**dq_db;
	struct worker		*dq_w;
};

struct dbq_thread {
	struct dbq	*t_q;
	int		 t_n;
};

/*
 * Reads see what was acknowledged before them: with the journal, a
 * ping answered "OK" reaches PostgreSQL a few milliseconds later, so a
 * job first waits (on its database thread, never on the loop) until
 * the loader has passed the journal's head as it was when the request
 * came, at most READ_BARRIER_MS; past that (PostgreSQL was away, the
 * loader is catching up) it reads what is there.
 */
#define READ_BARRIER_MS	1000

static void
read_barrier(const struct job *j)
{
	struct shm	*sh = j->j_w->w_env->pe_shm;
	struct timespec	 ts = { 0, 200000 };
	int64_t		 until;
	uint64_t	 want;

	if (j->j_barrier == 0 ||
	    atomic_load(&sh->sh_j_loaded) >= j->j_barrier)
		return;
	/* The loader sends at once what a read waits for (writer.c). */
	want = atomic_load(&sh->sh_j_wanted);
	while (want < j->j_barrier &&
	    !atomic_compare_exchange_weak(&sh->sh_j_wanted, &want,
	    j->j_barrier))
		;
	until = hc_mono_ms() + READ_BARRIER_MS;
	while (atomic_load(&sh->sh_j_loaded) < j->j_barrier &&
	    hc_mono_ms() < until)
		nanosleep(&ts, NULL);
}

static void *
dbq_thread(void *arg)
{
	struct dbq_thread	*t = arg;
	struct dbq		*q = t->t_q;
	struct dbconn		*db = q->dq_db[t->t_n];
	struct job		*j;
	char			 one = 1;

	free(t);
#ifdef __linux__
	/*
	 * Below the loop: with both cores busy, the pings' acks and answers
	 * go first.  On Linux a thread has its own scheduling policy and
	 * nice value (its id is a process id to the calls): SCHED_IDLE, to
	 * run only on a core nothing else wants, or if that is refused a
	 * nice value, which says much the same.
	 */
	{
		struct sched_param sp;

		memset(&sp, 0, sizeof(sp));
		if (sched_setscheduler((pid_t)syscall(SYS_gettid), SCHED_IDLE,
		    &sp) == -1 && setpriority(PRIO_PROCESS,
		    (id_t)syscall(SYS_gettid), HC_DB_THREAD_NICE) == -1)
			log_debug("%s: setpriority: %s", __func__,
			    strerror(errno));
	}
#endif
	pthread_mutex_lock(&q->dq_lock);
	for (;;) {
		while (!q->dq_stop && TAILQ_EMPTY(&q->dq_todo))
			pthread_cond_wait(&q->dq_cond, &q->dq_lock);
		if ((j = TAILQ_FIRST(&q->dq_todo)) == NULL)
			break;		/* stopping, nothing left */
		TAILQ_REMOVE(&q->dq_todo, j, j_entry);
		pthread_mutex_unlock(&q->dq_lock);

		read_barrier(j);
		j->j_req.q_db = db;
		j->j_rv = j->j_fn(&j->j_req, &j->j_resp);
		j->j_req.q_db = NULL;

		pthread_mutex_lock(&q->dq_lock);
		TAILQ_INSERT_TAIL(&q->dq_done, j, j_entry);
		/* A full pipe already holds a wake-up. */
		while (write(q->dq_pipe[1], &one, 1) == -1 && errno == EINTR)
			;
	}
	pthread_mutex_unlock(&q->dq_lock);
	return NULL;
}

/* On the loop: answer every finished job. */
static void
dbq_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct dbq	*q = arg;
	struct jobq	 done;
	struct job	*j;

	proc_drain(fd);
	TAILQ_INIT(&done);
	pthread_mutex_lock(&q->dq_lock);
	TAILQ_CONCAT(&done, &q->dq_done, j_entry);
	pthread_mutex_unlock(&q->dq_lock);
	while ((j = TAILQ_FIRST(&done)) != NULL) {
		TAILQ_REMOVE(&done, j, j_entry);
		worker_job_done(q->dq_w, j);
	}
}

struct dbq *
dbq_new(struct worker *w, int nthreads)
{
	struct dbq		*q;
	struct dbq_thread	*t;
	char			 name[64];
	int			 i;

	q = xcalloc(1, sizeof(*q));
	q->dq_w = w;
	pthread_mutex_init(&q->dq_lock, NULL);
	pthread_cond_init(&q->dq_cond, NULL);
	TAILQ_INIT(&q->dq_todo);
	TAILQ_INIT(&q->dq_done);
	if (pipe2(q->dq_pipe, O_NONBLOCK | O_CLOEXEC) == -1)
		fatal("%s: pipe2", __func__);
	q->dq_ev = event_new(w->w_base, q->dq_pipe[0], EV_READ | EV_PERSIST,
	    dbq_cb, q);
	event_add(q->dq_ev, NULL);
	q->dq_nthreads = nthreads;
	q->dq_threads = xcalloc((size_t)nthreads, sizeof(*q->dq_threads));
	q->dq_db = xcalloc((size_t)nthreads, sizeof(*q->dq_db));
	for (i = 0; i < nthreads; i++) {
		snprintf(name, sizeof(name), "hcd-worker-%d-db%d",
		    w->w_env->pe_id, i);
		q->dq_db[i] = dbconn_new(w->w_conf, name, NULL, NULL);
		t = xcalloc(1, sizeof(*t));
		t->t_q = q;
		t->t_n = i;
		if (pthread_create(&q->dq_threads[i], NULL, dbq_thread,
		    t) != 0)
			fatalx("%s: cannot start a database thread", __func__);
	}
	return q;
}

/* Finish the queued jobs, stop the threads, free everything. */
void
dbq_free(struct dbq *q)
{
	struct job	*j;
	int		 i;

	if (q == NULL)
		return;
	pthread_mutex_lock(&q->dq_lock);
	q->dq_stop = 1;
	pthread_cond_broadcast(&q->dq_cond);
	pthread_mutex_unlock(&q->dq_lock);
	for (i = 0; i < q->dq_nthreads; i++) {
		pthread_join(q->dq_threads[i], NULL);
		dbconn_free(q->dq_db[i]);
	}
	while ((j = TAILQ_FIRST(&q->dq_done)) != NULL) {
		TAILQ_REMOVE(&q->dq_done, j, j_entry);
		job_free(j);
	}
	event_free(q->dq_ev);
	close(q->dq_pipe[0]);
	close(q->dq_pipe[1]);
	free(q->dq_threads);
	free(q->dq_db);
	pthread_mutex_destroy(&q->dq_lock);
	pthread_cond_destroy(&q->dq_cond);
	free(q);
}

/*
 * A job for request `h` of connection `c`, whose bytes are raw[0..len):
 * copied and parsed again, so that the job owns everything it reads.
 * NULL if the copy does not parse as the original did (cannot happen).
 */
struct job *
job_new(struct worker *w, struct conn *c, const uint8_t *raw, size_t len,
    const struct req *orig, handler_fn fn)
{
	struct job	*j;
	const char	*errstr;
	int		 i;

	j = xcalloc(1, sizeof(*j));
	j->j_raw = xmalloc(len + 1);
	memcpy(j->j_raw, raw, len);
	j->j_raw[len] = '\0';
	j->j_rawlen = len;
	buf_init(&j->j_scratch);
	if (http_parse_request(j->j_raw, len, len, len, &j->j_scratch,
	    &j->j_http, &errstr) != HTTP_PARSE_OK) {
		log_warnx("%s: a request copy does not parse", __func__);
		job_free(j);
		return NULL;
	}
	j->j_w = w;
	j->j_conn = c;
	j->j_fn = fn;
	j->j_barrier = atomic_load(&w->w_env->pe_shm->sh_j_head);
	j->j_req = *orig;
	j->j_req.q_http = &j->j_http;
	j->j_req.q_conn = NULL;		/* never touched off the loop */
	if (c != NULL)			/* the dashboard's rate limits */
		hc_strlcpy(j->j_req.q_peer, c->c_peer, sizeof(j->j_req.q_peer));
	j->j_req.q_job = j;
	/*
	 * The path and the route's captures point into the copy now, at the
	 * same offsets (the captures are always within the path).
	 */
	j->j_req.q_path = j->j_http.path + (orig->q_path - orig->q_http->path);
	for (i = 0; i < orig->q_nargs && i < RT_MAXARGS; i++)
		j->j_req.q_arg[i] = j->j_http.path +
		    (orig->q_arg[i] - orig->q_http->path);
	resp_init(&j->j_resp, 500);
	return j;
}

void
job_free(struct job *j)
{
	if (j == NULL)
		return;
	resp_clear(&j->j_resp);
	buf_clear(&j->j_scratch);
	free(j->j_raw);
	free(j);
}

/* Queue a job: a thread will run it. */
void
dbq_submit(struct dbq *q, struct job *j)
{
	pthread_mutex_lock(&q->dq_lock);
	TAILQ_INSERT_TAIL(&q->dq_todo, j, j_entry);
	pthread_cond_signal(&q->dq_cond);
	pthread_mutex_unlock(&q->dq_lock);
}
