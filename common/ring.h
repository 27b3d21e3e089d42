/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The ping ring: one single-producer ring per producing process (each
 * HTTP worker, the smtpd), all read by the one consumer, the alerter.
 * Together they are "the ring" of ARCHITECTURE.md; splitting it per
 * producer is deliberate (see the comment in ring.c).
 *
 * Who writes what:
 *   r_head    the producer, after a record is completely written
 *             (release); the consumer reads it (acquire).
 *   r_commit  the consumer, after the records below it are committed
 *             to PostgreSQL; the producer reads it to know (a) which of
 *             its requests may be answered "OK" and (b) how much space
 *             it may reuse.  Space is reused only after commit, so a
 *             consumer that dies between reading and committing loses
 *             nothing: its successor reads again from r_commit.
 *   r_cap     immutable after ring_init.
 * Counters r_refused and r_records are the producer's, for statistics;
 * r_committed the consumer's: ring_set_commit counts the ping records
 * it passes, so that `hcctl status` counts what is stored even when a
 * consumer died after committing a batch and before counting it (its
 * successor skips the batch with ring_set_commit, which counts it).
 *
 * Not thread-safe beyond that: one thread produces into a ring (a
 * worker's event loop, never its database threads) and one consumes.
 *
 * Positions are monotonic 64-bit byte counts; position p lives at
 * data[p % cap].  Records are 8-byte aligned: a header then the payload.
 * A record never wraps: when it does not fit before the end, the
 * producer writes a pad record up to the end and starts at offset 0.
 *
 * A producer that dies while writing has not advanced r_head, so the
 * half-written bytes are invisible and its successor overwrites them.
 */
#ifndef HC_RING_H
#define HC_RING_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define RING_ALIGN	8
#define RING_REC_PAD	1
#define RING_REC_PING	2
#define RING_BAD_MAX	16

struct ring_rec {
	uint32_t	rr_len;		/* header + payload, aligned */
	uint32_t	rr_type;	/* RING_REC_* */
};

struct ring {
	_Atomic uint64_t r_head;
	char		 r_pad1[56];	/* keep producer and consumer lines apart */
	_Atomic uint64_t r_commit;
	_Atomic uint64_t r_committed;	/* ping records below r_commit */
	char		 r_pad2[48];
	_Atomic uint64_t r_refused;
	_Atomic uint64_t r_records;
	_Atomic int32_t	 r_pid;		/* current producer, for status */
	_Atomic uint32_t r_conns;	/* its open connections, for status */
	/*
	 * Records the consumer refused (the journal full or the disk
	 * refusing): ranges [from, to) of positions, the last RING_BAD_MAX
	 * of them, written before r_commit passes them (ring_refuse).
	 */
	_Atomic uint64_t r_nbad;	/* ranges so far */
	struct {
		_Atomic uint64_t from, to;
	}		 r_bad[RING_BAD_MAX];
	uint64_t	 r_cap;		/* bytes in r_data, multiple of 8 */
	uint8_t		 r_data[];
};

/* Bytes needed for a ring with `cap` data bytes. */
size_t	 ring_size(uint64_t cap);
void	 ring_init(struct ring *, uint64_t cap);

/*
 * Producer: reserve room for a payload of `len` bytes.  Returns where to
 * write it, or NULL when the ring is full (the caller answers 503 and
 * nothing is lost).  Nothing is visible until ring_publish(*next).
 */
void	*ring_reserve(struct ring *, size_t len, uint64_t *next);
/*
 * Producer: reserve one more record after one reserved and not yet
 * published, whose *next was `from`.  ring_publish of the last *next
 * then publishes them all at once, so that a reader sees all or none
 * (the smtpd's records of one message to several checks).  NULL when
 * the ring is full; the earlier reservations stay unpublished.
 */
void	*ring_reserve_more(struct ring *, uint64_t from, size_t len,
	    uint64_t *next);
void	 ring_publish(struct ring *, uint64_t next);
/* Producer: bytes in use (published and not yet committed). */
uint64_t ring_used(const struct ring *);

/*
 * Consumer: the record at position *pos if one is published below
 * `head`; pad records are skipped.  Returns the payload (valid until the
 * producer may reuse it, i.e. until r_commit passes it) and its length,
 * and advances *pos past it; NULL when *pos has reached head.
 */
const void *ring_next(const struct ring *, uint64_t *pos, uint64_t head,
	    size_t *len);
uint64_t ring_head(const struct ring *);
void	 ring_set_commit(struct ring *, uint64_t);
/*
 * The ping records between two positions (from <= to <= head, and not
 * yet reusable: at or above the commit position).
 */
uint64_t ring_count(const struct ring *, uint64_t from, uint64_t to);
/*
 * Consumer: the records in [from, to) are refused, not stored: their
 * producer answers them "retry later".  Moves the commit position to
 * `to` without counting them.
 */
void	 ring_refuse(struct ring *, uint64_t from, uint64_t to);
/*
 * Producer: was the record that ends at `end` (its *next), at or below
 * the commit position, refused?  1 yes, 0 no, -1 cannot tell (its
 * range is older than the ranges kept): answer it as refused.
 */
int	 ring_refused(const struct ring *, uint64_t end);
uint64_t ring_commit(const struct ring *);

#endif
