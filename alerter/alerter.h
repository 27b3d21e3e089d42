/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The alerter: the single consumer of the producer rings.  It writes
 * pings to PostgreSQL in batches, applies the state machine, publishes
 * the commit watermark and wakes the workers.
 */
#ifndef HC_ALERTER_H
#define HC_ALERTER_H

#include <pthread.h>
#include <stdint.h>
#include <libpq-fe.h>

#include "hcd.h"

struct proc_env;
struct event_base;
struct event;

struct item;
struct wcheck;

/* Check ids handed between the writer and the deadline thread. */
struct idq {
	int64_t			*q_ids;
	size_t			 q_n, q_cap;
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
	int64_t			 b_seq;		/* this node's batch number */
	int			 b_stored;	/* pings written */
	int64_t			*b_prune;	/* checks to prune once stored */
	size_t			 b_nprune, b_prune_cap;
	int64_t			 b_sent;	/* µs, when sent */
};

/* The writer's copy of the checks it writes, by id (writer.c). */
struct wcache {
	struct wcheck		**wc_slot;	/* open addressing */
	size_t			 wc_cap, wc_n;
};

struct alerter {
	struct proc_env		*a_env;
	struct event_base	*a_base;
	struct event		*a_ev_wake;
	struct event		*a_ev_tick;
	struct event		*a_ev_term;
	struct event		*a_ev_now;	/* run again at once */
	PGconn			*a_db;
	int64_t			 a_db_retry;	/* monotonic ms */
	int			 a_db_backoff;	/* ms */
	uint64_t		 a_read[HC_MAX_PRODUCERS];	/* committed */
	uint64_t		 a_sent[HC_MAX_PRODUCERS];	/* sent */
	uint64_t		 a_stop_head[HC_MAX_PRODUCERS];	/* at SIGTERM */
	int			 a_stopping;
	int			 a_ready;	/* cursors synced with the DB */
	char			 a_appname[64];	/* the writer's application_name */
	struct {			/* -v: where the time goes */
		int64_t		 compute;	/* µs building batches */
		int64_t		 wait;		/* µs from sent to stored */
		int64_t		 batches, records;
		int64_t		 ringwait;	/* µs from receipt to sent */
		int64_t		 total;		/* µs from receipt to stored */
		int64_t		 since;		/* µs, last report */
	}			 a_prof;
	struct batch		 a_fifo[HC_WRITER_DEPTH];	/* in flight */
	int			 a_fifo_head, a_fifo_n;
	int64_t			 a_seq;		/* last batch number sent */
	int			 a_pipeline;	/* connection in pipeline mode */
	struct wcache		 a_cache;
	/* The second connection: deadline passes and pruning. */
	PGconn			*a_ddb;
	int64_t			 a_ddb_retry;	/* monotonic ms */
	int			 a_ddb_backoff;
	pthread_t		 a_dl_thread;	/* runs deadlines and pruning */
	pthread_mutex_t		 a_dl_lock;	/* guards what follows */
	pthread_cond_t		 a_dl_cond;
	int			 a_dl_stop;
	struct idq		 a_prune;	/* checks to prune */
	struct idq		 a_stale;	/* checks the deadline pass wrote */
};

/* deadline.c */
int	 deadline_prepare(PGconn *, char *, size_t);
int	 deadline_pass(PGconn *, int64_t now, int *more, int64_t *lag,
	    void (*)(void *, int64_t), void *, char *, size_t);
int	 deadline_next(PGconn *, int64_t *next, char *, size_t);
int	 deadline_prune(PGconn *, const int64_t *, size_t, char *, size_t);

/* alerter.c */
void	 alerter_prune_add(struct alerter *, int64_t check);
/* The checks the deadline thread changed since the last call. */
int64_t	*alerter_stale_take(struct alerter *, size_t *);

/* writer.c */
int	 writer_prepare(struct alerter *);
/*
 * One step: send a batch, or wait for the oldest one sent.  -1 on a
 * database error, 0 when there was nothing to do, else 1.
 */
int	 writer_pump(struct alerter *);
int	 writer_sync_cursors(struct alerter *);
/* Forget the batches in flight and the cached checks (new connection). */
void	 writer_reset(struct alerter *);
/* Records published but not sent yet, or batches in flight. */
int	 writer_pending(struct alerter *);
void	 writer_free(struct alerter *);

#endif
