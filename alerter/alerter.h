/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The alerter: the single consumer of the producer rings.  It writes
 * pings to PostgreSQL in batches, applies the state machine, publishes
 * the commit watermark and wakes the workers.
 *
 * Three threads, each with its own database connection (common/dbconn):
 *   the event loop    alerter.c, writer.c: the batch writer, which
 *                     answers the held pings; nothing else may run here
 *   the deadline      deadline.c: checks going down, pruning
 *   thread
 *   the listener      listen.c: index changes made elsewhere (NOTIFY)
 * The writer and the deadline thread share two queues of check ids
 * (deadline.c); the listener shares nothing with them.  Their state is
 * private to each file.
 */
#ifndef HC_ALERTER_H
#define HC_ALERTER_H

#include <stddef.h>
#include <stdint.h>

struct conf;
struct deadline;
struct index;
struct ingest;
struct journal;
struct listener;
struct shm;
struct proc_env;
struct writer;

/* deadline.c */
/* Start the thread (its connection is made there).  Never NULL. */
/* sh: the node's watermark to respect (journal), or NULL. */
struct deadline	*deadline_start(const struct conf *, struct shm *);
/* Stop the thread, wait for it, close its connection, free. */
void		 deadline_stop(struct deadline *);
/* The writer stored these checks' hundredth ping: prune them. */
void		 deadline_prune_add(struct deadline *, const int64_t *ids,
		    size_t n);
/*
 * The checks the deadline thread changed since the last call, to free;
 * NULL and *n = 0 if none.
 */
int64_t		*deadline_stale_take(struct deadline *, size_t *n);

/* ingest.c: the rings into the journal, on the alerter's loop. */
/* notify(arg) is called after every group synced. */
struct ingest	*ingest_new(struct proc_env *, struct journal *,
		    void (*notify)(void *), void *arg);
void		 ingest_free(struct ingest *);
/* Records published and not journaled (or refused) yet. */
int		 ingest_pending(struct ingest *);
/* One group: journal, sync, answer.  1 if there was one. */
int		 ingest_pump(struct ingest *);
/* Every tick: leave a refusing state once the journal allows. */
void		 ingest_tick(struct ingest *);
/* At SIGTERM: note the rings' heads; 1 once all is journaled. */
void		 ingest_stop(struct ingest *);
int		 ingest_drained(struct ingest *);

/* listen.c */
/* Start the index listener thread.  Never NULL. */
struct listener	*listener_start(const struct conf *, struct index *);
/* Stop it, wait for it, close its connection, free. */
void		 listener_stop(struct listener *);

/* writer.c */
/* Not connected yet: writer_ready() connects. */
/* Loading the journal j, or the rings (ACK_MODE committed) if NULL. */
struct writer	*writer_new(struct proc_env *, struct deadline *,
		    struct journal *);
/* Records wait, but the next batch is not due for this many ms. */
int64_t		 writer_due_in(struct writer *);
/* Nothing to do: move and store the watermark (journal only). */
void		 writer_idle(struct writer *);
/* The backlog's age into shared memory (journal only). */
void		 writer_backlog(struct writer *);
/* Stopped with everything loaded: remove the node's watermark. */
void		 writer_leave(struct writer *);
void		 writer_free(struct writer *);
/*
 * A session whose cursors match what is committed, connecting first
 * (with back-off) if there is none: 0, or -1 (logged) to try later.
 */
int		 writer_ready(struct writer *);
/*
 * One step: send a batch, or wait for the oldest one sent.  -1 on a
 * database error, 0 when there was nothing to do, else 1.
 */
int		 writer_pump(struct writer *);
/* Records published but not sent yet, or batches in flight. */
int		 writer_pending(struct writer *);
/* At SIGTERM: note how far the rings are published now. */
void		 writer_stop(struct writer *);
/* 1 once everything published before writer_stop() is committed. */
int		 writer_drained(struct writer *);

#endif
