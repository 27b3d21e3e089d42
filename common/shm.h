/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The shared-memory segment: created by the master before it forks
 * (MAP_SHARED | MAP_ANONYMOUS, inherited across fork, never exec'd), it
 * holds the producer rings, the check index, and the counters that
 * `hcctl status` and the ack path read.
 */
#ifndef HC_SHM_H
#define HC_SHM_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "hcd.h"

#define SHM_MAGIC	0x6863642d73686d31ULL	/* "hcd-shm1" */

struct ring;
struct index;

/* The journal's state (alerter/journal.h), in sh_j_state. */
enum jstate {
	JS_OK,
	JS_FULL,	/* JOURNAL_MAX reached: no new segment until loaded */
	JS_FAILED	/* the disk refused a write or a new segment */
};

/*
 * The smtpd's counters (smtpd/; hcctl status prints them): written by
 * the smtpd only, relaxed atomics, totals since the master started.
 */
struct smtp_stats {
	_Atomic uint64_t ss_connections;	/* accepted */
	_Atomic uint64_t ss_open;		/* sessions now */
	_Atomic uint64_t ss_refused_all;	/* over SMTP_MAX_CONNECTIONS */
	_Atomic uint64_t ss_refused_client;	/* over ..._PER_CLIENT */
	_Atomic uint64_t ss_messages;		/* answered 250 after DATA */
	_Atomic uint64_t ss_pings;		/* records published */
	_Atomic uint64_t ss_rcpt_rejected;	/* 550: domain or mailbox */
	_Atomic uint64_t ss_unknown;		/* no such check (250) */
	_Atomic uint64_t ss_ambiguous;		/* slug of several checks */
	_Atomic uint64_t ss_too_many_rcpt;	/* 452: SMTP_MAX_RECIPIENTS */
	_Atomic uint64_t ss_too_big;		/* 552: SMTP_MAX_SIZE */
	_Atomic uint64_t ss_line_too_long;	/* 500: SMTP_MAX_LINE */
	_Atomic uint64_t ss_timeouts;		/* 421: SMTP_TIMEOUT */
	_Atomic uint64_t ss_data_timeouts;	/* 421: SMTP_DATA_TIMEOUT */
	_Atomic uint64_t ss_ring_full;		/* 451: nothing stored */
	_Atomic uint64_t ss_aborted;		/* closed in the middle of DATA */
	_Atomic uint64_t ss_errors;		/* other protocol errors */
	_Atomic uint64_t ss_tls;		/* STARTTLS handshakes done */
	_Atomic uint64_t ss_tls_failed;
};

struct shm {
	uint64_t	 sh_magic;
	uint64_t	 sh_segment;	/* random, new at every master start */
	size_t		 sh_size;
	int		 sh_nrings;
	size_t		 sh_ring_off[HC_MAX_PRODUCERS];
	size_t		 sh_index_off;

	/* The alerter sets this before it waits; a producer that finds it
	 * set clears it and writes to the alerter's wake pipe. */
	_Atomic int	 sh_alerter_sleeping;
	/* Set by the master when stopping: producers refuse new pings. */
	_Atomic int	 sh_stopping;

	/* Written by the alerter. */
	_Atomic int64_t	 sh_last_commit;	/* µs since the epoch */
	_Atomic uint64_t sh_commits;		/* transactions */
	_Atomic uint64_t sh_pings;		/* pings stored, as this alerter
						 * counts them (hcctl status counts
						 * the rings' r_committed, which
						 * survives an alerter's death) */
	_Atomic uint64_t sh_batch_last;		/* pings in the last batch */
	_Atomic uint64_t sh_batch_max;
	_Atomic uint64_t sh_db_errors;
	_Atomic uint64_t sh_redone;		/* batches redone: a check changed */
	/*
	 * The journal (ACK_MODE durable or fast; alerter/journal.h):
	 * positions and figures, written by the alerter's threads.
	 */
	_Atomic int	 sh_j_on;		/* pings go through the journal */
	_Atomic int	 sh_j_state;		/* enum jstate */
	_Atomic uint64_t sh_j_head;		/* synced */
	_Atomic uint64_t sh_j_loaded;		/* in PostgreSQL */
	_Atomic uint64_t sh_j_wanted;		/* a read waits for the loader
						 * to pass this (worker/dbq.c) */
	_Atomic uint64_t sh_j_disk;		/* bytes of segment files */
	_Atomic uint64_t sh_j_pings;		/* pings journaled, at the head */
	_Atomic uint64_t sh_j_pings_loaded;	/* ... of them loaded */
	_Atomic int64_t	 sh_j_oldest;		/* µs: oldest unloaded, or 0 */
	_Atomic int64_t	 sh_j_watermark;	/* µs: pings before are loaded */
	_Atomic uint64_t sh_j_refused;		/* pings answered 503 */
	_Atomic uint64_t sh_j_syncs;		/* fdatasyncs */
	_Atomic uint64_t sh_j_rate;		/* loaded per second (master) */
	_Atomic int64_t	 sh_j_lag;		/* µs, receipt to loaded: the
						 * last batch's oldest ping */
	/* Written by the master once a second: for pings/s. */
	_Atomic uint64_t sh_rate;		/* pings per second, last second */
	struct smtp_stats sh_smtp;
	/* Written by the notifier (alerter/notify/engine.c), this node's:
	 * attempts by outcome since the master started, and in flight. */
	struct notify_stats {
		_Atomic uint64_t ns_sent;	/* delivered */
		_Atomic uint64_t ns_retried;	/* transient error, again later */
		_Atomic uint64_t ns_failed;	/* final error */
		_Atomic uint64_t ns_disabled;	/* ... that disabled a channel */
		_Atomic int64_t	 ns_inflight;
	} sh_notify;
};

struct shm	*shm_create(uint64_t ring_size, int nrings, uint64_t max_checks);
struct ring	*shm_ring(struct shm *, int);
struct index	*shm_index(struct shm *);

#endif
