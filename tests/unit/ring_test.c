/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Unit tests for common/ring.c, the single-producer rings between the
 * producers (workers, smtpd) and the alerter: reserve/publish/next/commit,
 * wrap-around through pad records over many laps, a full ring and the
 * refusal counter, oversized records, the invisibility of a reservation
 * that was never published, chained reservations published at once
 * (ring_reserve_more, across a wrap and when full), and a multi-process
 * run in a segment from
 * shm_create with forked producers and the test as the consumer.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/wait.h>

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hcd.h"
#include "ring.h"
#include "shm.h"

#define HDRSZ	sizeof(struct ring_rec)
#define AL(n)	(((n) + RING_ALIGN - 1) & ~(size_t)(RING_ALIGN - 1))

static struct ring *
ring_new(uint64_t cap)
{
	struct ring *r;

	r = xcalloc(1, ring_size(cap));
	ring_init(r, cap);
	return r;
}

/* Small deterministic generator, so failures can be replayed. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void
test_basics(void **state)
{
	struct ring	*r = ring_new(1024);
	uint64_t	 next, pos = 0, head;
	const char	*p;
	size_t		 len = 0;
	void		*w;

	assert_int_equal(r->r_cap, 1024);
	assert_int_equal(ring_size(1024), sizeof(struct ring) + 1024);
	assert_int_equal(ring_head(r), 0);
	assert_int_equal(ring_commit(r), 0);
	assert_int_equal(ring_used(r), 0);
	/* Nothing to read in an empty ring. */
	assert_null(ring_next(r, &pos, ring_head(r), &len));
	assert_int_equal(pos, 0);

	assert_non_null(w = ring_reserve(r, 5, &next));
	assert_int_equal(next, AL(HDRSZ + 5));
	memcpy(w, "hello", 5);
	/* Reserved, not published: still invisible. */
	assert_int_equal(ring_head(r), 0);
	ring_publish(r, next);
	assert_int_equal(ring_head(r), 16);
	assert_int_equal(ring_used(r), 16);
	assert_int_equal(atomic_load(&r->r_records), 1);

	assert_non_null(w = ring_reserve(r, 16, &next));
	memcpy(w, "0123456789abcdef", 16);
	ring_publish(r, next);
	assert_int_equal(ring_head(r), 16 + 24);

	head = ring_head(r);
	assert_non_null(p = ring_next(r, &pos, head, &len));
	/* The length given back is the aligned payload room. */
	assert_true(len >= 5 && len < 5 + RING_ALIGN);
	assert_memory_equal(p, "hello", 5);
	assert_int_equal(pos, 16);
	assert_non_null(p = ring_next(r, &pos, head, &len));
	assert_int_equal(len, 16);
	assert_memory_equal(p, "0123456789abcdef", 16);
	assert_int_equal(pos, head);
	assert_null(ring_next(r, &pos, head, &len));
	assert_int_equal(pos, head);

	/* Reading does not free space; committing does. */
	assert_int_equal(ring_used(r), 40);
	ring_set_commit(r, pos);
	assert_int_equal(ring_commit(r), 40);
	assert_int_equal(ring_used(r), 0);

	/* A zero-length payload is a header-only record. */
	assert_non_null(ring_reserve(r, 0, &next));
	assert_int_equal(next, 40 + HDRSZ);
	ring_publish(r, next);
	assert_non_null(ring_next(r, &pos, ring_head(r), &len));
	assert_int_equal(len, 0);
	assert_int_equal(atomic_load(&r->r_refused), 0);

	/* A capacity that is not a multiple of 8 is rounded down. */
	free(r);
	r = ring_new(1001);
	assert_int_equal(r->r_cap, 1000);
	free(r);
}

/*
 * Fill the ring until it refuses, drain, commit, again, for many laps
 * with record sizes that do not divide the capacity.
 */
static void
laps(uint64_t cap, size_t maxlen, uint64_t seed, int nrec)
{
	struct ring	*r = ring_new(cap);
	uint64_t	 s = seed, next, pos = 0, head, wseq = 0, rseq = 0;
	uint64_t	 refused = 0;
	size_t		 len, want, i;
	uint8_t		*w;
	const uint8_t	*p;

	while (rseq < (uint64_t)nrec) {
		/* Produce until full (or done). */
		while (wseq < (uint64_t)nrec) {
			want = sizeof(uint64_t) * 2 + rnd(&s) % maxlen;
			if ((w = ring_reserve(r, want, &next)) == NULL) {
				refused++;
				assert_int_equal(atomic_load(&r->r_refused),
				    refused);
				break;
			}
			/* Never beyond the end of the data area. */
			assert_true(w >= r->r_data + HDRSZ);
			assert_true(w + want <= r->r_data + r->r_cap);
			memcpy(w, &wseq, sizeof(wseq));
			memcpy(w + 8, &want, sizeof(want));
			for (i = 16; i < want; i++)
				w[i] = (uint8_t)(wseq + i);
			ring_publish(r, next);
			assert_true(ring_used(r) <= r->r_cap);
			wseq++;
		}
		/* Consume everything published, then commit it. */
		head = ring_head(r);
		while ((p = ring_next(r, &pos, head, &len)) != NULL) {
			uint64_t	 q;
			size_t		 l;

			memcpy(&q, p, sizeof(q));
			memcpy(&l, p + 8, sizeof(l));
			assert_int_equal(q, rseq);
			assert_true(len >= l && len < l + RING_ALIGN);
			for (i = 16; i < l; i++)
				if (p[i] != (uint8_t)(q + i))
					fail_msg("record %llu byte %zu",
					    (unsigned long long)q, i);
			rseq++;
		}
		assert_int_equal(pos, head);
		ring_set_commit(r, pos);
		assert_int_equal(ring_used(r), 0);
	}
	assert_int_equal(rseq, (uint64_t)nrec);
	/* Many laps, through many pad records. */
	assert_true(ring_head(r) > 50 * cap);
	assert_int_equal(atomic_load(&r->r_records), (uint64_t)nrec);
	free(r);
}

static void
test_wrap(void **state)
{
	laps(1000, 97, 1, 20000);	/* capacity not a power of two */
	laps(1024, 200, 2, 20000);
	laps(4096, 1500, 3, 5000);	/* records up to 1/3 of the ring */
	laps(64, 1, 4, 5000);		/* 24-byte records in 64 bytes */
}

/*
 * Alternate producer and consumer one record at a time, committing
 * only now and then: the ring must keep per-record order and never let
 * a reservation overlap what is not yet committed.
 */
static void
test_wrap_interleaved(void **state)
{
	struct ring	*r = ring_new(512);
	uint64_t	 s = 99, next, pos = 0, wseq = 0, rseq = 0;
	size_t		 len, want;
	uint8_t		*w;
	const uint8_t	*p;
	int		 step;

	for (step = 0; step < 200000; step++) {
		switch (rnd(&s) % 3) {
		case 0:
			want = 9 + rnd(&s) % 120;
			if ((w = ring_reserve(r, want, &next)) == NULL)
				break;
			memset(w, (int)(wseq & 0xff), want);
			memcpy(w, &wseq, 8);
			ring_publish(r, next);
			wseq++;
			break;
		case 1:
			p = ring_next(r, &pos, ring_head(r), &len);
			if (p == NULL)
				break;
			{
				uint64_t q;

				memcpy(&q, p, 8);
				assert_int_equal(q, rseq);
				assert_true(len >= 9);
				assert_int_equal(p[8], (uint8_t)q);
			}
			rseq++;
			break;
		case 2:
			ring_set_commit(r, pos);
			break;
		}
		assert_true(ring_used(r) <= r->r_cap);
	}
	assert_true(rseq > 10000);
	free(r);
}

static void
test_full(void **state)
{
	struct ring	*r = ring_new(256);
	uint64_t	 next, pos = 0, before, n = 0;
	size_t		 len;

	/*
	 * 24-byte records: 10 fit in 256 bytes (240), the 11th not.  Its
	 * try publishes a pad over the 16 bytes left at the end, so that it
	 * can go to offset 0 once space is committed.
	 */
	while (ring_reserve(r, 16, &next) != NULL) {
		ring_publish(r, next);
		n++;
	}
	assert_int_equal(n, 10);
	assert_int_equal(atomic_load(&r->r_refused), 1);
	assert_int_equal(ring_used(r), 256);
	/* Nothing fits now, not even a smaller or an empty record. */
	assert_null(ring_reserve(r, 8, &next));
	assert_int_equal(ring_used(r), 256);
	assert_null(ring_reserve(r, 0, &next));
	assert_int_equal(atomic_load(&r->r_refused), 3);

	/* Reading everything frees nothing. */
	while (ring_next(r, &pos, ring_head(r), &len) != NULL)
		;
	assert_int_equal(pos, 256);
	assert_null(ring_reserve(r, 16, &next));
	assert_int_equal(atomic_load(&r->r_refused), 4);
	before = ring_head(r);

	/* A partial commit frees exactly that much. */
	ring_set_commit(r, 48);
	assert_non_null(ring_reserve(r, 16, &next));
	ring_publish(r, next);
	assert_non_null(ring_reserve(r, 16, &next));
	ring_publish(r, next);
	assert_null(ring_reserve(r, 0, &next));
	assert_int_equal(ring_head(r), before + 48);
	assert_int_equal(atomic_load(&r->r_refused), 5);

	/* Full commit: the whole ring again. */
	while (ring_next(r, &pos, ring_head(r), &len) != NULL)
		;
	ring_set_commit(r, pos);
	assert_int_equal(ring_used(r), 0);
	assert_non_null(ring_reserve(r, 16, &next));
	free(r);
}

static void
test_too_large(void **state)
{
	struct ring	*r = ring_new(1024);
	uint64_t	 next, pos = 0;
	size_t		 len;
	const void	*p;

	assert_null(ring_reserve(r, 1024, &next));
	assert_null(ring_reserve(r, 1024 - HDRSZ + 1, &next));
	assert_null(ring_reserve(r, SIZE_MAX - 16, &next));
	assert_null(ring_reserve(r, (size_t)1 << 33, &next));
	assert_int_equal(atomic_load(&r->r_refused), 4);
	assert_int_equal(ring_head(r), 0);
	/* Exactly the capacity fits in an empty ring at offset 0. */
	assert_non_null(ring_reserve(r, 1024 - HDRSZ, &next));
	assert_int_equal(next, 1024);
	ring_publish(r, next);
	assert_non_null(p = ring_next(r, &pos, ring_head(r), &len));
	assert_int_equal(len, 1024 - HDRSZ);
	ring_set_commit(r, pos);
	/* Still at offset 0 after a whole lap. */
	assert_non_null(ring_reserve(r, 1024 - HDRSZ, &next));
	assert_int_equal(next, 2048);
	free(r);
}

/*
 * BUG (not in the group; the lead enables it once fixed): a record that
 * is no larger than the ring, but larger than the room between the
 * current offset and the end plus the room before it, is refused even
 * when the ring is empty, and it stays refused for as long as only such
 * records arrive, because nothing moves the head.  ring_reserve computes
 * pad + need > cap and gives up; a client retrying the same big ping
 * receives 503 forever although the consumer has committed everything.
 * With RING_SIZE = 1 MiB and 63 producers (16 KiB per ring) a
 * 10000-byte ping body already hits this.
 */
static void
test_big_record_placed_after_pad(void **state)
{
	struct ring	*r = ring_new(1024);
	uint64_t	 next, pos = 0;
	size_t		 len;
	int		 i;

	assert_non_null(ring_reserve(r, 400, &next));
	ring_publish(r, next);
	while (ring_next(r, &pos, ring_head(r), &len) != NULL)
		;
	ring_set_commit(r, pos);
	assert_int_equal(ring_used(r), 0);	/* empty, head at 408 */
	/* 708 + 8 <= 1024: fits the ring; the producer retries, the
	 * consumer keeps committing whatever there is. */
	for (i = 0; i < 10; i++) {
		if (ring_reserve(r, 700, &next) != NULL)
			break;
		while (ring_next(r, &pos, ring_head(r), &len) != NULL)
			;
		ring_set_commit(r, pos);
	}
	if (i == 10)
		fail_msg("a 708-byte record is refused forever by an empty "
		    "1024-byte ring");
	free(r);
}

/*
 * A producer that dies between reserve and publish leaves nothing the
 * consumer can see; its successor reserves at the same head.
 */
static void
test_dead_producer(void **state)
{
	struct ring	*r = ring_new(256);
	uint64_t	 next, next2, pos = 0;
	size_t		 len;
	uint8_t		*w, *w2;
	const uint8_t	*p;

	assert_non_null(w = ring_reserve(r, 40, &next));
	memset(w, 'A', 40);
	/* ... dies here.  The consumer sees nothing. */
	assert_null(ring_next(r, &pos, ring_head(r), &len));
	assert_int_equal(pos, 0);
	/* The successor: same place. */
	assert_non_null(w2 = ring_reserve(r, 24, &next2));
	assert_ptr_equal(w, w2);
	memset(w2, 'B', 24);
	ring_publish(r, next2);
	assert_non_null(p = ring_next(r, &pos, ring_head(r), &len));
	assert_int_equal(len, 24);
	assert_int_equal(p[0], 'B');
	assert_int_equal(p[23], 'B');
	assert_null(ring_next(r, &pos, ring_head(r), &len));
	ring_set_commit(r, pos);

	/* Again across the end of the ring: the dead producer's try has
	 * published a pad over the end and written a header at offset 0;
	 * the record itself was never published. */
	while (ring_head(r) % 256 < 200) {
		assert_non_null(ring_reserve(r, 8, &next));
		ring_publish(r, next);
	}
	while (ring_next(r, &pos, ring_head(r), &len) != NULL)
		;
	ring_set_commit(r, pos);
	assert_non_null(w = ring_reserve(r, 100, &next));
	assert_ptr_equal(w, r->r_data + HDRSZ);	/* wrapped */
	memset(w, 'C', 100);
	/* The consumer steps over the pad and finds nothing. */
	assert_null(ring_next(r, &pos, ring_head(r), &len));
	/* The successor writes at offset 0, over the dead record. */
	assert_non_null(w2 = ring_reserve(r, 8, &next2));
	assert_ptr_equal(w2, w);
	memset(w2, 'D', 8);
	ring_publish(r, next2);
	assert_non_null(p = ring_next(r, &pos, ring_head(r), &len));
	assert_int_equal(len, 8);
	assert_int_equal(p[0], 'D');
	assert_null(ring_next(r, &pos, ring_head(r), &len));
	free(r);
}

/* The multi-process test. */
#define MP_PRODUCERS	4
#define MP_RECORDS	200000
#define MP_RINGBYTES	(64 * 1024)

struct mp_hdr {
	uint32_t	 m_producer;
	uint32_t	 m_seq;
	uint32_t	 m_len;		/* filler bytes */
	uint32_t	 m_sum;		/* of the filler */
};

static uint32_t
mp_sum(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;

	while (n--) {
		h ^= *p++;
		h *= 16777619u;
	}
	return h;
}

static void
mp_producer(struct ring *r, uint32_t id)
{
	uint64_t	 s = 0x9e3779b97f4a7c15ULL * (id + 1), next;
	struct mp_hdr	 h;
	uint8_t		 fill[600], *w;
	uint32_t	 seq, i;
	int64_t		 since;

	atomic_store(&r->r_pid, (int32_t)getpid());
	for (seq = 0; seq < MP_RECORDS; seq++) {
		h.m_producer = id;
		h.m_seq = seq;
		h.m_len = (uint32_t)(rnd(&s) % 300);
		if (seq % 1000 == 0)
			h.m_len = 500 + (uint32_t)(rnd(&s) % 100);
		for (i = 0; i < h.m_len; i++)
			fill[i] = (uint8_t)rnd(&s);
		h.m_sum = mp_sum(fill, h.m_len);
		since = hc_mono_ms();
		while ((w = ring_reserve(r, sizeof(h) + h.m_len, &next)) ==
		    NULL) {
			/* The consumer has failed: do not spin forever. */
			if (hc_mono_ms() - since > 30000)
				_exit(3);
			sched_yield();
		}
		memcpy(w, &h, sizeof(h));
		memcpy(w + sizeof(h), fill, h.m_len);
		ring_publish(r, next);
	}
	_exit(0);
}

static void
test_multiprocess(void **state)
{
	struct shm	*sh;
	struct ring	*r;
	pid_t		 pids[MP_PRODUCERS], pid;
	uint64_t	 pos[MP_PRODUCERS], head;
	uint32_t	 expect[MP_PRODUCERS];
	const uint8_t	*p;
	struct mp_hdr	 h;
	size_t		 len;
	int		 i, status, done, idle;

	assert_non_null(sh = shm_create((uint64_t)MP_RINGBYTES * MP_PRODUCERS,
	    MP_PRODUCERS, 16));
	for (i = 0; i < MP_PRODUCERS; i++) {
		assert_non_null(r = shm_ring(sh, i));
		assert_int_equal(r->r_cap, MP_RINGBYTES);
		pos[i] = 0;
		expect[i] = 0;
	}
	assert_null(shm_ring(sh, MP_PRODUCERS));
	for (i = 0; i < MP_PRODUCERS; i++) {
		if ((pid = fork()) == -1)
			fail_msg("fork");
		if (pid == 0)
			mp_producer(shm_ring(sh, i), (uint32_t)i);
		pids[i] = pid;
	}

	idle = 0;
	do {
		done = 0;
		for (i = 0; i < MP_PRODUCERS; i++) {
			int got = 0;

			r = shm_ring(sh, i);
			head = ring_head(r);
			while ((p = ring_next(r, &pos[i], head, &len)) !=
			    NULL) {
				if (len < sizeof(h))
					fail_msg("ring %d: short record", i);
				memcpy(&h, p, sizeof(h));
				if (h.m_producer != (uint32_t)i ||
				    h.m_seq != expect[i])
					fail_msg("ring %d: got %u/%u, expected "
					    "%d/%u", i, h.m_producer, h.m_seq,
					    i, expect[i]);
				if (len < sizeof(h) + h.m_len ||
				    len >= sizeof(h) + h.m_len + RING_ALIGN)
					fail_msg("ring %d seq %u: length %zu",
					    i, h.m_seq, len);
				if (mp_sum(p + sizeof(h), h.m_len) != h.m_sum)
					fail_msg("ring %d seq %u: checksum",
					    i, h.m_seq);
				expect[i]++;
				got = 1;
			}
			assert_int_equal(pos[i], head);
			if (got)
				ring_set_commit(r, pos[i]);
			if (expect[i] == MP_RECORDS)
				done++;
			idle = got ? 0 : idle + 1;
		}
		if (idle > 1000) {
			usleep(1000);
			if (idle > 20000)
				fail_msg("no progress for about 20 s");
		} else if (idle > 0)
			sched_yield();
	} while (done < MP_PRODUCERS);

	for (i = 0; i < MP_PRODUCERS; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
		r = shm_ring(sh, i);
		assert_int_equal(atomic_load(&r->r_records), MP_RECORDS);
		assert_int_equal(ring_used(r), 0);
		/* Many laps. */
		assert_true(ring_head(r) > 100 * r->r_cap);
		assert_int_equal(atomic_load(&r->r_pid), pids[i]);
	}
}

/*
 * ring_reserve_more: records chained after an unpublished one become
 * visible together at the last one's publication; across the end of
 * the ring (a pad in the middle, published with them); and a chain that
 * does not fit publishes nothing.
 */
static void
test_reserve_more(void **state)
{
	struct ring	*r = ring_new(256);
	uint64_t	 n1, n2, n3, pos = 0, head;
	const char	*p;
	size_t		 len;
	char		*w;
	int		 k;

	assert_non_null(w = ring_reserve(r, 8, &n1));
	memcpy(w, "first..1", 8);
	assert_non_null(w = ring_reserve_more(r, n1, 8, &n2));
	memcpy(w, "second.2", 8);
	assert_int_equal(n2, 2 * AL(HDRSZ + 8));
	assert_int_equal(ring_head(r), 0);	/* nothing visible yet */
	ring_publish(r, n2);
	head = ring_head(r);
	assert_non_null(p = ring_next(r, &pos, head, &len));
	assert_memory_equal(p, "first..1", 8);
	assert_non_null(p = ring_next(r, &pos, head, &len));
	assert_memory_equal(p, "second.2", 8);
	assert_null(ring_next(r, &pos, head, &len));
	ring_set_commit(r, pos);

	/* Up to 16 bytes before the end (offset 240), then a chain of 3. */
	while (ring_head(r) % 256 != 240) {
		assert_non_null(ring_reserve(r, 0, &n1));
		ring_publish(r, n1);
	}
	ring_set_commit(r, ring_head(r));
	pos = ring_head(r);
	assert_non_null(w = ring_reserve(r, 8, &n1));	/* fits: 240..256 */
	memcpy(w, "a.......", 8);
	assert_non_null(w = ring_reserve_more(r, n1, 8, &n2));	/* wraps */
	memcpy(w, "b.......", 8);
	assert_non_null(w = ring_reserve_more(r, n2, 8, &n3));
	memcpy(w, "c.......", 8);
	assert_int_equal(n2 % 256, 16);	/* at offset 0, no pad needed */
	ring_publish(r, n3);
	head = ring_head(r);
	for (k = 0; k < 3; k++) {
		assert_non_null(p = ring_next(r, &pos, head, &len));
		assert_int_equal(p[0], "abc"[k]);
	}
	assert_null(ring_next(r, &pos, head, &len));
	ring_set_commit(r, pos);

	/* A record that needs a pad in the middle of a chain. */
	while (ring_head(r) % 256 != 232) {
		assert_non_null(ring_reserve(r, 0, &n1));
		ring_publish(r, n1);
	}
	ring_set_commit(r, ring_head(r));
	pos = ring_head(r);
	assert_non_null(w = ring_reserve(r, 0, &n1));	/* 232..240 */
	assert_non_null(w = ring_reserve_more(r, n1, 24, &n2));	/* pad */
	memcpy(w, "after the pad, 24 bytes.", 24);
	assert_int_equal(ring_head(r), pos);	/* the pad waits too */
	ring_publish(r, n2);
	head = ring_head(r);
	assert_non_null(p = ring_next(r, &pos, head, &len));
	assert_int_equal(len, 0);
	assert_non_null(p = ring_next(r, &pos, head, &len));
	assert_memory_equal(p, "after the pad, 24 bytes.", 24);
	assert_int_equal(pos, head);
	ring_set_commit(r, pos);

	/* A chain larger than the free room: refused, nothing published. */
	head = ring_head(r);
	assert_non_null(ring_reserve(r, 100, &n1));
	assert_null(ring_reserve_more(r, n1, 200, &n2));
	assert_int_equal(ring_head(r), head);
	assert_int_equal(atomic_load(&r->r_refused), 1);
	free(r);
}

/*
 * ring_count: the ping records between two positions, pad records not
 * counted, over a wrap; and ring_set_commit, which counts what it passes
 * in r_committed (the stored count of hcctl status), a skip included.
 */
static void
test_count(void **state)
{
	struct ring	*r = ring_new(256);
	uint64_t	 next, pos[16], commit;
	int		 i, k = 0;

	/* 40-byte records (header + 30, aligned): six fill 240 bytes. */
	pos[k++] = ring_head(r);
	for (i = 0; i < 6; i++) {
		assert_non_null(ring_reserve(r, 30, &next));
		ring_publish(r, next);
		pos[k++] = next;
	}
	assert_int_equal(ring_count(r, 0, ring_head(r)), 6);
	assert_int_equal(ring_count(r, pos[2], pos[5]), 3);
	assert_int_equal(ring_count(r, pos[3], pos[3]), 0);
	/* Commit four, then two more records: the second wraps (pad). */
	ring_set_commit(r, pos[4]);
	commit = pos[4];
	for (i = 0; i < 2; i++) {
		assert_non_null(ring_reserve(r, 30, &next));
		ring_publish(r, next);
	}
	assert_true(ring_head(r) > commit + 2 * 40);	/* a pad between */
	assert_int_equal(ring_count(r, commit, ring_head(r)), 4);
	assert_int_equal(atomic_load(&r->r_committed), 4);
	ring_set_commit(r, ring_head(r));	/* a successor's skip */
	assert_int_equal(atomic_load(&r->r_committed), 8);
	ring_set_commit(r, ring_head(r));	/* again: nothing new */
	assert_int_equal(atomic_load(&r->r_committed), 8);
	free(r);
}

/*
 * Refused ranges (the journal full): the producer learns which of its
 * records were refused; adjacent ranges merge; a record older than the
 * ranges kept cannot be told apart and counts as refused; refused
 * records are not counted as committed.
 */
static void
test_refused(void **state)
{
	struct ring	*r = ring_new(4096);
	uint64_t	 end[60], next;
	int		 i;

	for (i = 0; i < 60; i++) {
		assert_non_null(ring_reserve(r, 16, &next));
		ring_publish(r, next);
		end[i] = next;
	}
	/* 0-4 stored, 5-9 refused (in two steps: one range), 10 stored. */
	ring_set_commit(r, end[4]);
	ring_refuse(r, end[4], end[7]);
	ring_refuse(r, end[7], end[9]);
	ring_set_commit(r, end[10]);
	assert_int_equal(atomic_load(&r->r_nbad), 1);
	assert_int_equal(ring_commit(r), end[10]);
	assert_int_equal(atomic_load(&r->r_committed), 6);
	for (i = 0; i <= 10; i++)
		assert_int_equal(ring_refused(r, end[i]), i >= 5 && i <= 9);
	/* 24 more single refusals, each between stored records. */
	for (i = 11; i + 1 < 60; i += 2) {
		ring_refuse(r, end[i - 1], end[i]);
		ring_set_commit(r, end[i + 1]);
	}
	assert_int_equal(atomic_load(&r->r_nbad), 25);
	for (i = 40; i < 59; i++)
		assert_int_equal(ring_refused(r, end[i]), i % 2 == 1);
	/* The first range is long gone from the slots: cannot tell. */
	assert_int_equal(ring_refused(r, end[6]), -1);
	free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basics),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_wrap_interleaved),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_dead_producer),
		cmocka_unit_test(test_multiprocess),
		cmocka_unit_test(test_big_record_placed_after_pad),
		cmocka_unit_test(test_reserve_more),
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
