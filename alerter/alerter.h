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

/* A batch of ring records on its way into the database. */
struct batch {
	struct item		*b_items;	/* HC_BATCH_MAX, sorted */
	size_t			 b_nit;
	uint64_t		 b_end[HC_MAX_PRODUCERS];	/* ring positions */
	struct buf		 b_ids;		/* check ids, array literal */
	PGresult		*b_locked;	/* the locked check rows */
	int			 b_ready;	/* begun and locked already */
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
	uint64_t		 a_read[HC_MAX_PRODUCERS];	/* read cursors */
	uint64_t		 a_stop_head[HC_MAX_PRODUCERS];	/* at SIGTERM */
	int			 a_stopping;
	int			 a_ready;	/* cursors synced with the DB */
	char			 a_appname[64];	/* the writer's application_name */
	int64_t			 a_prof[6];	/* -v: time spent per phase */
	struct batch		 a_batch[2];	/* current and next */
	int			 a_cur;
	/* The second connection: deadline passes and pruning. */
	PGconn			*a_ddb;
	int64_t			 a_ddb_retry;	/* monotonic ms */
	int			 a_ddb_backoff;
	pthread_t		 a_dl_thread;	/* runs deadlines and pruning */
	pthread_mutex_t		 a_dl_lock;	/* guards what follows */
	pthread_cond_t		 a_dl_cond;
	int			 a_dl_stop;
	int64_t			*a_prune;	/* checks to prune */
	size_t			 a_nprune, a_prune_cap;
	int64_t			 a_last_commit;
};

/* deadline.c */
int	 deadline_prepare(PGconn *, char *, size_t);
int	 deadline_pass(PGconn *, int64_t now, int *more, int64_t *lag, char *,
	    size_t);
int	 deadline_next(PGconn *, int64_t *next, char *, size_t);
int	 deadline_prune(PGconn *, const int64_t *, size_t, char *, size_t);

/* alerter.c */
void	 alerter_prune_add(struct alerter *, int64_t check);

/* writer.c */
int	 writer_prepare(struct alerter *);
/* One batch: -1 on database error, else the number of pings stored. */
int	 writer_batch(struct alerter *);
int	 writer_sync_cursors(struct alerter *);
/* Forget a prefetched batch (its transaction went with the connection). */
void	 writer_reset(struct alerter *);
/* A batch is already begun and locked: run writer_batch again. */
int	 writer_has_next(struct alerter *);

#endif
