/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The alerter: the single consumer of the producer rings.  It writes
 * pings to PostgreSQL in batches, applies the state machine, publishes
 * the commit watermark and wakes the workers.
 */
#ifndef HC_ALERTER_H
#define HC_ALERTER_H

#include <stdint.h>
#include <libpq-fe.h>

#include "hcd.h"

struct proc_env;
struct event_base;
struct event;

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
	char			*a_node;
};

/* writer.c */
int	 writer_prepare(struct alerter *);
/* One batch: -1 on database error, else the number of pings stored. */
int	 writer_batch(struct alerter *);
int	 writer_sync_cursors(struct alerter *);

#endif
