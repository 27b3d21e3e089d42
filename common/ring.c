/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Single-producer rings in shared memory (see ring.h for who writes
 * which counter).  Used by HTTP workers and smtpd (producers) and the
 * alerter (consumer).
 *
 * Why one ring per producer rather than one multi-producer ring: with a
 * shared reserve counter, a producer that dies between reserving and
 * publishing leaves a hole the consumer cannot step over without knowing
 * the hole's length and owner, which takes a recovery protocol of its
 * own.  With one ring per producer, a dead producer has simply not
 * published; there is no contention on a shared counter on the hot path;
 * and per-producer order, the only order pings have, is kept.  The cost
 * is that RING_SIZE is divided among producers.
 */
#include <string.h>

#include "ring.h"

#define ALIGN(n)	(((n) + RING_ALIGN - 1) & ~(uint64_t)(RING_ALIGN - 1))
#define HDR		sizeof(struct ring_rec)

size_t
ring_size(uint64_t cap)
{
	return sizeof(struct ring) + (size_t)(cap & ~(uint64_t)(RING_ALIGN - 1));
}

void
ring_init(struct ring *r, uint64_t cap)
{
	memset(r, 0, sizeof(*r));
	r->r_cap = cap & ~(uint64_t)(RING_ALIGN - 1);
	atomic_store(&r->r_head, 0);
	atomic_store(&r->r_commit, 0);
}

uint64_t
ring_used(const struct ring *r)
{
	return atomic_load_explicit(&r->r_head, memory_order_relaxed) -
	    atomic_load_explicit(&r->r_commit, memory_order_acquire);
}

/*
 * Room for a payload of len bytes from position head on.  A record that
 * does not fit before the end is preceded by a pad record up to the
 * end; with publish_pad the pad is published on its own at once.
 */
static void *
reserve(struct ring *r, uint64_t head, size_t len, uint64_t *next,
    int publish_pad)
{
	uint64_t	 commit, off, need, pad;
	struct ring_rec	*rec;

	need = ALIGN(HDR + (uint64_t)len);
	if (need > r->r_cap || need > UINT32_MAX) {
		atomic_fetch_add_explicit(&r->r_refused, 1, memory_order_relaxed);
		return NULL;
	}
	commit = atomic_load_explicit(&r->r_commit, memory_order_acquire);
	off = head % r->r_cap;
	if (off + need > r->r_cap) {
		/*
		 * The record does not fit before the end: fill the end with
		 * a pad record.  Publish the pad on its own as soon as it
		 * fits, so that a record larger than what is free now is
		 * placed at offset 0 once the consumer has caught up,
		 * instead of being refused for ever.
		 */
		pad = r->r_cap - off;
		if (head + pad - commit > r->r_cap) {
			atomic_fetch_add_explicit(&r->r_refused, 1,
			    memory_order_relaxed);
			return NULL;
		}
		rec = (struct ring_rec *)(r->r_data + off);
		rec->rr_len = (uint32_t)pad;
		rec->rr_type = RING_REC_PAD;
		head += pad;
		if (publish_pad)
			atomic_store_explicit(&r->r_head, head,
			    memory_order_release);
		off = 0;
	}
	if (head + need - commit > r->r_cap) {
		atomic_fetch_add_explicit(&r->r_refused, 1, memory_order_relaxed);
		return NULL;
	}
	rec = (struct ring_rec *)(r->r_data + off);
	rec->rr_len = (uint32_t)need;
	rec->rr_type = RING_REC_PING;
	*next = head + need;
	return (uint8_t *)rec + HDR;
}

void *
ring_reserve(struct ring *r, size_t len, uint64_t *next)
{
	return reserve(r, atomic_load_explicit(&r->r_head,
	    memory_order_relaxed), len, next, 1);
}

void *
ring_reserve_more(struct ring *r, uint64_t from, size_t len, uint64_t *next)
{
	return reserve(r, from, len, next, 0);
}

void
ring_publish(struct ring *r, uint64_t next)
{
	atomic_fetch_add_explicit(&r->r_records, 1, memory_order_relaxed);
	atomic_store_explicit(&r->r_head, next, memory_order_release);
}

uint64_t
ring_head(const struct ring *r)
{
	return atomic_load_explicit(&r->r_head, memory_order_acquire);
}

const void *
ring_next(const struct ring *r, uint64_t *pos, uint64_t head, size_t *len)
{
	const struct ring_rec *rec;

	while (*pos < head) {
		rec = (const struct ring_rec *)(r->r_data + *pos % r->r_cap);
		*pos += rec->rr_len;
		if (rec->rr_type == RING_REC_PAD)
			continue;
		*len = rec->rr_len - HDR;
		return (const uint8_t *)rec + HDR;
	}
	return NULL;
}

/*
 * The count goes first: a consumer killed between the two lines has
 * counted a batch whose commit its successor then finds in the database
 * and passes again (counted twice); the other way round it would be
 * lost.  Either way a window of two instructions, where it used to be
 * the whole time from the commit to reading its result.
 */
void
ring_set_commit(struct ring *r, uint64_t pos)
{
	uint64_t old = atomic_load_explicit(&r->r_commit, memory_order_relaxed);

	if (pos > old)
		atomic_fetch_add_explicit(&r->r_committed, ring_count(r, old,
		    pos), memory_order_relaxed);
	atomic_store_explicit(&r->r_commit, pos, memory_order_release);
}

uint64_t
ring_commit(const struct ring *r)
{
	return atomic_load_explicit(&r->r_commit, memory_order_acquire);
}

uint64_t
ring_count(const struct ring *r, uint64_t from, uint64_t to)
{
	uint64_t	pos = from, n = 0;
	size_t		len;

	while (ring_next(r, &pos, to, &len) != NULL)
		n++;
	return n;
}

void
ring_refuse(struct ring *r, uint64_t from, uint64_t to)
{
	uint64_t	n = atomic_load_explicit(&r->r_nbad, memory_order_relaxed);
	size_t		k;

	if (to <= from)
		return;
	k = (size_t)((n - 1) % RING_BAD_MAX);
	if (n > 0 && atomic_load_explicit(&r->r_bad[k].to,
	    memory_order_relaxed) == from)
		atomic_store_explicit(&r->r_bad[k].to, to,
		    memory_order_relaxed);
	else {
		k = (size_t)(n % RING_BAD_MAX);
		atomic_store_explicit(&r->r_bad[k].from, from,
		    memory_order_relaxed);
		atomic_store_explicit(&r->r_bad[k].to, to,
		    memory_order_relaxed);
		atomic_store_explicit(&r->r_nbad, n + 1, memory_order_release);
	}
	/* Not counted in r_committed: they are not stored. */
	atomic_store_explicit(&r->r_commit, to, memory_order_release);
}

int
ring_refused(const struct ring *r, uint64_t end)
{
	uint64_t	n = atomic_load_explicit(&r->r_nbad, memory_order_acquire);
	uint64_t	i, lo, from, to;

	if (n == 0)
		return 0;
	/* The slot the consumer may be rewriting now is not read. */
	lo = n > RING_BAD_MAX - 1 ? n - (RING_BAD_MAX - 1) : 0;
	for (i = n; i-- > lo; ) {
		from = atomic_load_explicit(&r->r_bad[i % RING_BAD_MAX].from,
		    memory_order_relaxed);
		to = atomic_load_explicit(&r->r_bad[i % RING_BAD_MAX].to,
		    memory_order_relaxed);
		if (end > from && end <= to)
			return 1;
		if (end > to)
			return 0;	/* after it, and ranges ascend */
	}
	return lo > 0 ? -1 : 0;
}
