/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Unit tests for common/index.c, the shared check index that workers
 * and smtpd read on every ping: put/find/del on the three tables, slug
 * ambiguity, slug moves, capacity, backward-shift deletion against a
 * reference model (randomised with fixed seeds, clusters of colliding
 * keys that wrap around the end of the table), index_clear, a reader
 * process that must never miss a present check while the test inserts
 * and deletes others in the same clusters, refreshes that overlap,
 * writers in two threads of one process (the alerter's listener beside
 * the rest), and the NOTIFY payloads of schema/003 (index_apply_notify).
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/mman.h>
#include <sys/wait.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hcd.h"
#include "index.h"
#include "index_db.h"
#include "shm.h"
#include "uuid.h"

static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * The index hashes only the last 8 bytes of a UUID (its random part),
 * so codes that share those bytes share a home slot.
 */
static void
mkcode(uint8_t c[16], uint64_t uniq, uint64_t tail)
{
	memcpy(c, &uniq, 8);
	memcpy(c + 8, &tail, 8);
}

static struct index *
index_new(uint64_t max_checks)
{
	struct index *x;

	x = xcalloc(1, index_size(max_checks));
	assert_int_equal(index_init(x, max_checks), 0);
	return x;
}

static void
index_free(struct index *x)
{
	pthread_mutex_destroy(&x->x_lock);
	free(x);
}

/* The slot where a lone code with this tail lands: its home slot. */
static uint64_t
home_of_tail(struct index *scratch, uint64_t tail)
{
	struct idx_check	*t;
	uint8_t			 c[16];
	uint64_t		 i;

	t = (struct idx_check *)((char *)scratch + scratch->x_off_checks);
	index_clear(scratch);
	mkcode(c, 1, tail);
	assert_int_equal(index_put_check(scratch, c, 1, 1, ""), 0);
	for (i = 0; i < scratch->x_nchecks; i++)
		if (t[i].ic_id == 1)
			break;
	assert_true(i < scratch->x_nchecks);
	index_clear(scratch);
	return i;
}

/* A tail whose home is one of the last `within` slots of the table. */
static uint64_t
tail_near_end(struct index *scratch, uint64_t *s, uint64_t within)
{
	uint64_t tail;

	do
		tail = rnd(s);
	while (home_of_tail(scratch, tail) < scratch->x_nchecks - within);
	return tail;
}

static void
test_checks_basic(void **state)
{
	struct index	*x = index_new(100);
	uint8_t		 a[16], b[16], c[16];
	int64_t		 proj = 77;

	assert_int_equal(x->x_nchecks, 200);
	mkcode(a, 1, 1111);
	mkcode(b, 2, 2222);
	mkcode(c, 3, 1111);
	assert_int_equal(index_find_code(x, a, &proj), 0);
	assert_int_equal(proj, 0);
	assert_int_equal(index_find_code(x, a, NULL), 0);

	assert_int_equal(index_put_check(x, a, 10, 5, "alpha"), 0);
	assert_int_equal(index_put_check(x, b, 11, 6, NULL), 0);
	assert_int_equal(x->x_used_checks, 2);
	assert_int_equal(index_find_code(x, a, &proj), 10);
	assert_int_equal(proj, 5);
	assert_int_equal(index_find_code(x, b, &proj), 11);
	assert_int_equal(proj, 6);
	assert_int_equal(index_find_code(x, b, NULL), 11);
	/* Same home slot as a, not stored. */
	assert_int_equal(index_find_code(x, c, &proj), 0);
	assert_int_equal(proj, 0);

	/* Re-put replaces, does not duplicate. */
	assert_int_equal(index_put_check(x, a, 10, 7, "alpha"), 0);
	assert_int_equal(x->x_used_checks, 2);
	assert_int_equal(index_find_code(x, a, &proj), 10);
	assert_int_equal(proj, 7);

	assert_int_equal(index_del_check(x, a), 0);
	assert_int_equal(index_del_check(x, a), -1);
	assert_int_equal(index_del_check(x, c), -1);
	assert_int_equal(index_find_code(x, a, NULL), 0);
	assert_int_equal(index_find_code(x, b, NULL), 11);
	assert_int_equal(index_find_slug(x, 7, "alpha"), 0);
	assert_int_equal(x->x_used_checks, 1);
	index_free(x);
}

static void
test_projects_basic(void **state)
{
	struct index	*x = index_new(100);
	char		 longkey[IDX_KEY_MAX + 2];

	assert_int_equal(index_find_project(x, "k1"), 0);
	assert_int_equal(index_put_project(x, "k1", 1), 0);
	assert_int_equal(index_put_project(x, "k2", 2), 0);
	assert_int_equal(index_find_project(x, "k1"), 1);
	assert_int_equal(index_find_project(x, "k2"), 2);
	assert_int_equal(index_find_project(x, "k3"), 0);
	assert_int_equal(index_find_project(x, "K1"), 0);
	assert_int_equal(index_find_project(x, ""), 0);
	assert_int_equal(x->x_used_projects, 2);
	/* Update in place. */
	assert_int_equal(index_put_project(x, "k1", 9), 0);
	assert_int_equal(index_find_project(x, "k1"), 9);
	assert_int_equal(x->x_used_projects, 2);
	assert_int_equal(index_del_project(x, "k1"), 0);
	assert_int_equal(index_del_project(x, "k1"), -1);
	assert_int_equal(index_find_project(x, "k1"), 0);
	assert_int_equal(index_find_project(x, "k2"), 2);
	assert_int_equal(x->x_used_projects, 1);

	assert_int_equal(index_put_project(x, "", 3), -1);
	/* The longest key fits; one more byte does not. */
	memset(longkey, 'k', IDX_KEY_MAX);
	longkey[IDX_KEY_MAX] = '\0';
	assert_int_equal(index_put_project(x, longkey, 4), 0);
	assert_int_equal(index_find_project(x, longkey), 4);
	longkey[IDX_KEY_MAX] = 'k';
	longkey[IDX_KEY_MAX + 1] = '\0';
	assert_int_equal(index_put_project(x, longkey, 5), -1);
	assert_int_equal(index_find_project(x, longkey), 0);
	index_free(x);
}

static void
test_slugs(void **state)
{
	struct index	*x = index_new(100);
	uint8_t		 a[16], b[16], c[16], d[16];
	char		 sl[IDX_SLUG_MAX + 2];

	mkcode(a, 1, 100);
	mkcode(b, 2, 200);
	mkcode(c, 3, 300);
	mkcode(d, 4, 400);

	assert_int_equal(index_put_check(x, a, 1, 10, "backup"), 0);
	assert_int_equal(index_find_slug(x, 10, "backup"), 1);
	assert_int_equal(index_find_slug(x, 11, "backup"), 0);
	assert_int_equal(index_find_slug(x, 10, "Backup"), 0);
	assert_int_equal(index_find_slug(x, 10, "backu"), 0);
	assert_int_equal(index_find_slug(x, 10, ""), 0);

	/* Same slug in another project: each is found. */
	assert_int_equal(index_put_check(x, b, 2, 11, "backup"), 0);
	assert_int_equal(index_find_slug(x, 10, "backup"), 1);
	assert_int_equal(index_find_slug(x, 11, "backup"), 2);

	/* Same slug twice in one project: ambiguous. */
	assert_int_equal(index_put_check(x, c, 3, 10, "backup"), 0);
	assert_int_equal(index_find_slug(x, 10, "backup"), -1);
	assert_int_equal(index_find_slug(x, 11, "backup"), 2);
	/* Three times, still ambiguous; two removed, found again. */
	assert_int_equal(index_put_check(x, d, 4, 10, "backup"), 0);
	assert_int_equal(index_find_slug(x, 10, "backup"), -1);
	assert_int_equal(index_del_check(x, a), 0);
	assert_int_equal(index_find_slug(x, 10, "backup"), -1);
	assert_int_equal(index_del_check(x, d), 0);
	assert_int_equal(index_find_slug(x, 10, "backup"), 3);
	assert_int_equal(index_find_code(x, c, NULL), 3);

	/* Renaming the slug moves its entry. */
	assert_int_equal(index_put_check(x, c, 3, 10, "nightly"), 0);
	assert_int_equal(index_find_slug(x, 10, "backup"), 0);
	assert_int_equal(index_find_slug(x, 10, "nightly"), 3);
	/* So does moving the check to another project. */
	assert_int_equal(index_put_check(x, c, 3, 11, "nightly"), 0);
	assert_int_equal(index_find_slug(x, 10, "nightly"), 0);
	assert_int_equal(index_find_slug(x, 11, "nightly"), 3);
	assert_int_equal(index_find_slug(x, 11, "backup"), 2);
	/* And clearing it removes it. */
	assert_int_equal(index_put_check(x, c, 3, 11, ""), 0);
	assert_int_equal(index_find_slug(x, 11, "nightly"), 0);
	assert_int_equal(index_find_code(x, c, NULL), 3);
	/* An ambiguity undone by a rename. */
	assert_int_equal(index_put_check(x, a, 1, 11, "backup"), 0);
	assert_int_equal(index_find_slug(x, 11, "backup"), -1);
	assert_int_equal(index_put_check(x, a, 1, 11, "other"), 0);
	assert_int_equal(index_find_slug(x, 11, "backup"), 2);
	assert_int_equal(index_find_slug(x, 11, "other"), 1);

	/* A 100-character slug is indexed; longer ones are not. */
	memset(sl, 's', IDX_SLUG_MAX);
	sl[IDX_SLUG_MAX] = '\0';
	assert_int_equal(index_put_check(x, d, 4, 12, sl), 0);
	assert_int_equal(index_find_slug(x, 12, sl), 4);
	sl[IDX_SLUG_MAX] = 's';
	sl[IDX_SLUG_MAX + 1] = '\0';
	assert_int_equal(index_put_check(x, b, 2, 12, sl), 0);
	assert_int_equal(index_find_slug(x, 12, sl), 0);
	assert_int_equal(index_find_code(x, b, NULL), 2);
	index_free(x);
}

static void
test_capacity(void **state)
{
	struct index	*x = index_new(16);
	uint8_t		 c[16];
	uint64_t	 i;
	char		 key[32];

	assert_int_equal(x->x_nchecks, 32);
	for (i = 0; i < 16; i++) {
		mkcode(c, i, i * 7919);
		assert_int_equal(index_put_check(x, c, (int64_t)i + 1, 1,
		    "same"), 0);
	}
	assert_int_equal(x->x_used_checks, 16);
	mkcode(c, 100, 100);
	assert_int_equal(index_put_check(x, c, 101, 1, "x"), -1);
	assert_int_equal(index_find_code(x, c, NULL), 0);
	assert_int_equal(index_find_slug(x, 1, "x"), 0);
	assert_int_equal(x->x_used_checks, 16);
	/* Updating one that is there still works when full. */
	mkcode(c, 3, 3 * 7919);
	assert_int_equal(index_put_check(x, c, 4, 2, "moved"), 0);
	assert_int_equal(index_find_slug(x, 2, "moved"), 4);
	assert_int_equal(x->x_used_checks, 16);
	/* Room again after a delete. */
	assert_int_equal(index_del_check(x, c), 0);
	mkcode(c, 100, 100);
	assert_int_equal(index_put_check(x, c, 101, 1, "x"), 0);
	for (i = 0; i < 16; i++) {
		if (i == 3)
			continue;
		mkcode(c, i, i * 7919);
		assert_int_equal(index_find_code(x, c, NULL), (int64_t)i + 1);
	}
	assert_int_equal(index_find_slug(x, 1, "same"), -1);

	/* Projects: one slot always stays empty. */
	for (i = 0; i < 15; i++) {
		snprintf(key, sizeof(key), "key%llu", (unsigned long long)i);
		assert_int_equal(index_put_project(x, key, (int64_t)i + 1), 0);
	}
	assert_int_equal(index_put_project(x, "one-more", 99), -1);
	assert_int_equal(index_find_project(x, "one-more"), 0);
	assert_int_equal(index_put_project(x, "key3", 33), 0);
	assert_int_equal(index_find_project(x, "key3"), 33);
	assert_int_equal(index_del_project(x, "key3"), 0);
	assert_int_equal(index_put_project(x, "one-more", 99), 0);
	for (i = 0; i < 15; i++) {
		snprintf(key, sizeof(key), "key%llu", (unsigned long long)i);
		assert_int_equal(index_find_project(x, key),
		    i == 3 ? 0 : (int64_t)i + 1);
	}
	index_free(x);
}

static void
test_clear(void **state)
{
	struct index	*x = index_new(32);
	uint8_t		 c[16];
	uint64_t	 i, seq;

	for (i = 0; i < 32; i++) {
		mkcode(c, i, i);
		assert_int_equal(index_put_check(x, c, (int64_t)i + 1, 1, "s"),
		    0);
	}
	assert_int_equal(index_put_project(x, "pk", 1), 0);
	seq = atomic_load(&x->x_seq);
	assert_int_equal(seq % 2, 0);
	index_clear(x);
	assert_int_equal(atomic_load(&x->x_seq), seq + 2);
	assert_int_equal(x->x_used_checks, 0);
	assert_int_equal(x->x_used_projects, 0);
	for (i = 0; i < 32; i++) {
		mkcode(c, i, i);
		assert_int_equal(index_find_code(x, c, NULL), 0);
	}
	assert_int_equal(index_find_slug(x, 1, "s"), 0);
	assert_int_equal(index_find_project(x, "pk"), 0);
	/* Full capacity is available again. */
	for (i = 0; i < 32; i++) {
		mkcode(c, i + 50, i);
		assert_int_equal(index_put_check(x, c, (int64_t)i + 51, 2, "t"),
		    0);
	}
	assert_int_equal(index_find_slug(x, 2, "t"), -1);
	index_free(x);
}

/*
 * Randomised against a reference model.  Most codes fall into a few
 * collision groups (same home slot), two of them homed in the last
 * slots so that their clusters wrap around the end of the table.
 * After every operation every key of the pool and every (project,
 * slug) pair is checked.
 */
#define RM_MAX		64		/* max_checks: 128 slots */
#define RM_POOL		160
#define RM_OPS		100000
#define RM_PROJECTS	3

struct rm_key {
	uint8_t		 k_code[16];
	int		 k_present;
	int64_t		 k_id;
	int64_t		 k_project;
	int		 k_slug;	/* index into rm_slugs */
};

static const char *rm_slugs[8];
static char rm_long[IDX_SLUG_MAX + 1], rm_toolong[IDX_SLUG_MAX + 2];

/* Expected index_find_slug answers for every (project, slug) pair. */
static void
rm_expect_slugs(const struct rm_key *keys, int64_t want[][8])
{
	int	n[RM_PROJECTS + 1][8];
	int	i, p, s;

	memset(n, 0, sizeof(n));
	for (p = 0; p <= RM_PROJECTS; p++)
		for (s = 0; s < 8; s++)
			want[p][s] = 0;
	for (i = 0; i < RM_POOL; i++) {
		if (!keys[i].k_present)
			continue;
		s = keys[i].k_slug;
		/* "" and over-long slugs are not in the slug table. */
		if (*rm_slugs[s] == '\0' || strlen(rm_slugs[s]) > IDX_SLUG_MAX)
			continue;
		p = (int)keys[i].k_project;
		want[p][s] = ++n[p][s] > 1 ? -1 : keys[i].k_id;
	}
}

static void
rm_verify(struct index *x, const struct rm_key *keys, int nlive, int op)
{
	int64_t	proj, id, want[RM_PROJECTS + 1][8], got;
	int	i, p, s;

	rm_expect_slugs(keys, want);
	for (i = 0; i < RM_POOL; i++) {
		id = index_find_code(x, keys[i].k_code, &proj);
		if (!keys[i].k_present) {
			if (id != 0)
				fail_msg("op %d: deleted key %d found", op, i);
			continue;
		}
		if (id != keys[i].k_id || proj != keys[i].k_project)
			fail_msg("op %d: key %d: got %lld/%lld, expected "
			    "%lld/%lld", op, i, (long long)id, (long long)proj,
			    (long long)keys[i].k_id,
			    (long long)keys[i].k_project);
	}
	for (p = 1; p <= RM_PROJECTS; p++)
		for (s = 0; s < 8; s++)
			if ((got = index_find_slug(x, p, rm_slugs[s])) !=
			    want[p][s])
				fail_msg("op %d: slug %d/%d: got %lld, "
				    "expected %lld", op, p, s, (long long)got,
				    (long long)want[p][s]);
	if ((int)x->x_used_checks != nlive)
		fail_msg("op %d: x_used_checks %llu, expected %d", op,
		    (unsigned long long)x->x_used_checks, nlive);
}

static void
test_random_checks(void **state)
{
	struct index	*x = index_new(RM_MAX);
	struct index	*scratch = index_new(RM_MAX);
	struct rm_key	*keys;
	uint64_t	 s = 20260101, tails[6];
	int		 i, k, op, nlive = 0, rv, version = 0;

	memset(rm_long, 'L', IDX_SLUG_MAX);
	memset(rm_toolong, 'T', IDX_SLUG_MAX + 1);
	rm_slugs[0] = "";
	rm_slugs[1] = "a";
	rm_slugs[2] = "b";
	rm_slugs[3] = "backup";
	rm_slugs[4] = "db-dump";
	rm_slugs[5] = "x";
	rm_slugs[6] = rm_long;
	rm_slugs[7] = rm_toolong;

	tails[0] = tail_near_end(scratch, &s, 1);	/* home = last slot */
	tails[1] = tail_near_end(scratch, &s, 4);
	for (i = 2; i < 6; i++)
		tails[i] = rnd(&s);
	keys = xcalloc(RM_POOL, sizeof(*keys));
	for (i = 0; i < RM_POOL; i++) {
		/* Two thirds in collision groups, the rest anywhere. */
		mkcode(keys[i].k_code, (uint64_t)i + 1,
		    i % 3 != 2 ? tails[i % 6] : rnd(&s));
	}
	for (op = 0; op < RM_OPS; op++) {
		k = (int)(rnd(&s) % RM_POOL);
		if (keys[k].k_present && rnd(&s) % 3 != 0) {
			assert_int_equal(index_del_check(x, keys[k].k_code), 0);
			keys[k].k_present = 0;
			nlive--;
		} else if (!keys[k].k_present && rnd(&s) % 4 == 0) {
			/* Deleting an absent key changes nothing. */
			assert_int_equal(index_del_check(x, keys[k].k_code),
			    -1);
		} else {
			int64_t	id, proj;
			int	sl;

			id = k + 1 + 1000 * (int64_t)(++version % 50);
			proj = 1 + (int64_t)(rnd(&s) % RM_PROJECTS);
			sl = (int)(rnd(&s) % 8);

			rv = index_put_check(x, keys[k].k_code, id, proj,
			    rm_slugs[sl]);
			if (!keys[k].k_present && nlive == RM_MAX) {
				assert_int_equal(rv, -1);
			} else {
				assert_int_equal(rv, 0);
				if (!keys[k].k_present)
					nlive++;
				keys[k].k_present = 1;
				keys[k].k_id = id;
				keys[k].k_project = proj;
				keys[k].k_slug = sl;
			}
		}
		rm_verify(x, keys, nlive, op);
	}
	free(keys);
	index_free(x);
	index_free(scratch);
}

static void
test_random_projects(void **state)
{
	struct index	*x = index_new(64);	/* 64 project slots */
	char		 names[200][IDX_KEY_MAX + 1];
	int64_t		 model[200];
	uint64_t	 s = 777;
	int		 i, k, op, nlive = 0;
	size_t		 len;

	for (i = 0; i < 200; i++) {
		len = 1 + rnd(&s) % IDX_KEY_MAX;
		snprintf(names[i], sizeof(names[i]), "%d-", i);
		while (strlen(names[i]) < len)
			hc_strlcat(names[i], "k", sizeof(names[i]));
		model[i] = 0;
	}
	for (op = 0; op < 10000; op++) {
		k = (int)(rnd(&s) % 200);
		if (model[k] != 0 && rnd(&s) % 2) {
			assert_int_equal(index_del_project(x, names[k]), 0);
			model[k] = 0;
			nlive--;
		} else if (model[k] == 0 && nlive == 63) {
			assert_int_equal(index_put_project(x, names[k], 1), -1);
		} else {
			int64_t id = 1 + (int64_t)(rnd(&s) % 1000);

			assert_int_equal(index_put_project(x, names[k], id), 0);
			if (model[k] == 0)
				nlive++;
			model[k] = id;
		}
		for (i = 0; i < 200; i++)
			if (index_find_project(x, names[i]) != model[i])
				fail_msg("op %d: project %d: got %lld, "
				    "expected %lld", op, i,
				    (long long)index_find_project(x, names[i]),
				    (long long)model[i]);
		assert_int_equal((int)x->x_used_projects, nlive);
	}
	index_free(x);
}

/*
 * Reader processes look up checks that are always present while this
 * process inserts and deletes others homed in the same clusters.
 */
#define CC_FIXED	40
#define CC_CHURN	120
#define CC_MS		1000
#define CC_READERS	3

struct cc_shared {
	_Atomic int	 cc_stop;
	_Atomic int	 cc_started;	/* readers running */
	_Atomic uint64_t cc_rounds;
};

static void
cc_reader(struct index *x, struct cc_shared *sh, uint8_t fixed[][16])
{
	char	 slug[32];
	int64_t	 proj;
	int	 i, bad = 0;

	atomic_fetch_add(&sh->cc_started, 1);
	while (!atomic_load(&sh->cc_stop)) {
		for (i = 0; i < CC_FIXED; i++) {
			if (index_find_code(x, fixed[i], &proj) != 1000 + i ||
			    proj != 1)
				bad++;
			snprintf(slug, sizeof(slug), "fixed-%d", i);
			if (index_find_slug(x, 1, slug) != 1000 + i)
				bad++;
		}
		if (index_find_project(x, "fixed-key") != 1)
			bad++;
		atomic_fetch_add(&sh->cc_rounds, 1);
	}
	if (bad)
		fprintf(stderr, "reader: %d misses\n", bad);
	_exit(bad ? 1 : 0);
}

static void
test_concurrent_reader(void **state)
{
	struct shm		*seg;
	struct index		*x;
	struct cc_shared	*sh;
	uint8_t			 fixed[CC_FIXED][16];
	uint8_t			 churn[CC_CHURN][16];
	int			 present[CC_CHURN] = { 0 };
	uint64_t		 s = 4242, tails[2];
	int64_t			 t0;
	pid_t			 pids[CC_READERS];
	int			 i, k, status, ops = 0;
	char			 slug[32], key[32];

	assert_non_null(seg = shm_create(64, 1, 256));
	x = shm_index(seg);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(sh != MAP_FAILED);
	memset(sh, 0, sizeof(*sh));

	/* Two long clusters (about 80 each, in 512 slots). */
	for (i = 0; i < 2; i++)
		tails[i] = rnd(&s);
	/* Churn keys first, so that fixed ones sit behind them in their
	 * clusters and get shifted back when churn keys are deleted. */
	for (i = 0; i < CC_CHURN; i++) {
		mkcode(churn[i], 5000 + (uint64_t)i, tails[i % 2]);
		snprintf(slug, sizeof(slug), "churn-%d", i % 10);
		assert_int_equal(index_put_check(x, churn[i], 2000 + i,
		    1 + i % 2, slug), 0);
		present[i] = 1;
	}
	for (i = 0; i < CC_FIXED; i++) {
		mkcode(fixed[i], 100 + (uint64_t)i, tails[i % 2]);
		snprintf(slug, sizeof(slug), "fixed-%d", i);
		assert_int_equal(index_put_check(x, fixed[i], 1000 + i, 1,
		    slug), 0);
	}
	for (i = 0; i < 50; i++) {
		snprintf(key, sizeof(key), "churn-key-%d", i);
		assert_int_equal(index_put_project(x, key, 10 + i), 0);
	}
	assert_int_equal(index_put_project(x, "fixed-key", 1), 0);

	/* More readers than cores: readers get preempted in the middle of
	 * a probe sequence, which is when a torn view would show. */
	for (i = 0; i < CC_READERS; i++) {
		if ((pids[i] = fork()) == -1)
			fail_msg("fork");
		if (pids[i] == 0)
			cc_reader(x, sh, fixed);
	}
	while (atomic_load(&sh->cc_started) < CC_READERS)
		usleep(100);

	t0 = hc_mono_ms();
	while (hc_mono_ms() - t0 < CC_MS) {
		k = (int)(rnd(&s) % CC_CHURN);
		if (present[k]) {
			assert_int_equal(index_del_check(x, churn[k]), 0);
			present[k] = 0;
		} else {
			snprintf(slug, sizeof(slug), "churn-%d",
			    (int)(rnd(&s) % 10));
			assert_int_equal(index_put_check(x, churn[k], 2000 + k,
			    1 + (int64_t)(rnd(&s) % 2), slug), 0);
			present[k] = 1;
		}
		snprintf(key, sizeof(key), "churn-key-%d", (int)(rnd(&s) % 50));
		if (index_del_project(x, key) == -1)
			assert_int_equal(index_put_project(x, key, 10), 0);
		ops++;
	}
	atomic_store(&sh->cc_stop, 1);
	for (i = 0; i < CC_READERS; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_true(atomic_load(&sh->cc_rounds) > 100);
	assert_true(ops > 1000);
	for (i = 0; i < CC_FIXED; i++)
		assert_int_equal(index_find_code(x, fixed[i], NULL), 1000 + i);
	munmap(sh, sizeof(*sh));
}

/*
 * BUG (not in the group; the lead enables it once fixed): index.h says
 * readers never block, and index_lock recovers from a writer that died
 * holding the lock (EOWNERDEAD), but only when the next writer comes.
 * Until then x_seq stays odd and every reader spins in read_begin: a
 * worker killed inside index_put_check (OOM killer, SIGKILL, a crash)
 * hangs every other worker and smtpd at their next lookup, at 100%
 * CPU, until some process happens to write to the index.
 */
static void
test_dead_writer_does_not_block_readers(void **state)
{
	struct shm	*seg;
	struct index	*x;
	uint8_t		 c[16];
	pid_t		 pid;
	int		 status;

	assert_non_null(seg = shm_create(64, 1, 16));
	x = shm_index(seg);
	mkcode(c, 1, 1);
	assert_int_equal(index_put_check(x, c, 7, 1, "s"), 0);
	/* A writer dies in the middle of a change. */
	if ((pid = fork()) == 0) {
		index_lock(x);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	/* A reader must still answer (within 2 s here). */
	if ((pid = fork()) == 0) {
		alarm(2);
		_exit(index_find_code(x, c, NULL) == 7 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		fail_msg("reader still spinning after 2 s (signal %d)",
		    WTERMSIG(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/*
 * Two refreshes at once (the master's at reload, the alerter's listener
 * after a reconnect): the one that ends first must not remove what the
 * other, or anybody, put after it began.
 */
static void
test_overlapping_refreshes(void **state)
{
	struct index	*x = index_new(64);
	uint8_t		 a[16], b[16], c[16], d[16];
	uint32_t	 g1, g2;

	mkcode(a, 1, 101);
	mkcode(b, 2, 102);
	mkcode(c, 3, 103);
	mkcode(d, 4, 104);
	assert_int_equal(index_put_check(x, a, 1, 9, "a"), 0);
	assert_int_equal(index_put_check(x, b, 2, 9, "b"), 0);
	assert_int_equal(index_put_check(x, c, 3, 9, "c"), 0);
	assert_int_equal(index_put_project(x, "key-old", 9), 0);
	assert_int_equal(index_put_project(x, "key-gone", 8), 0);

	g1 = index_refresh_begin(x);		/* R1 reads a, b */
	assert_int_equal(index_put_check(x, a, 1, 9, "a"), 0);
	g2 = index_refresh_begin(x);		/* R2 reads a, b */
	assert_int_equal(index_put_check(x, b, 2, 9, "b"), 0);	/* R1 */
	assert_int_equal(index_put_project(x, "key-old", 9), 0);
	assert_int_equal(index_put_check(x, a, 1, 9, "a"), 0);	/* R2 */
	assert_int_equal(index_put_check(x, b, 2, 9, "b"), 0);
	assert_int_equal(index_put_project(x, "key-old", 9), 0);
	/* R1 ends: c and key-gone were in neither; a and b stay. */
	assert_int_equal(index_refresh_end(x, g1), 2);
	assert_int_equal(index_find_code(x, a, NULL), 1);
	assert_int_equal(index_find_code(x, b, NULL), 2);
	assert_int_equal(index_find_code(x, c, NULL), 0);
	assert_int_equal(index_find_project(x, "key-old"), 9);
	assert_int_equal(index_find_project(x, "key-gone"), 0);
	/* A worker creates d; R2 ends and keeps it. */
	assert_int_equal(index_put_check(x, d, 4, 9, "d"), 0);
	assert_int_equal(index_refresh_end(x, g2), 0);
	assert_int_equal(index_find_code(x, a, NULL), 1);
	assert_int_equal(index_find_code(x, b, NULL), 2);
	assert_int_equal(index_find_code(x, d, NULL), 4);
	assert_int_equal(index_find_slug(x, 9, "d"), 4);
	assert_int_equal(index_find_project(x, "key-old"), 9);
	/* An ordinary refresh still removes what it did not see. */
	g1 = index_refresh_begin(x);
	assert_int_equal(index_put_check(x, a, 1, 9, "a"), 0);
	assert_int_equal(index_refresh_end(x, g1), 3);	/* b, d, key-old */
	assert_int_equal(index_find_code(x, a, NULL), 1);
	assert_int_equal(index_find_code(x, b, NULL), 0);
	assert_int_equal(index_find_slug(x, 9, "d"), 0);
	assert_int_equal(index_find_project(x, "key-old"), 0);
	index_free(x);
}

struct writer_arg {
	struct index	*x;
	int		 t;
};

#define WT_N	2000

/* Puts WT_N checks of its own, deletes every other one, re-puts some. */
static void *
writer_thread(void *arg)
{
	struct writer_arg	*w = arg;
	uint8_t			 c[16];
	char			 slug[32];
	int			 i;

	for (i = 0; i < WT_N; i++) {
		/* Both threads share home slots: tails collide. */
		mkcode(c, (uint64_t)w->t << 32 | (uint64_t)i, (uint64_t)i % 97);
		snprintf(slug, sizeof(slug), "s%d-%d", w->t, i);
		if (index_put_check(w->x, c, w->t * 100000 + i + 1, w->t + 1,
		    slug) == -1)
			return (void *)1;
		if (i % 2 == 1) {
			mkcode(c, (uint64_t)w->t << 32 | (uint64_t)(i - 1),
			    (uint64_t)(i - 1) % 97);
			if (index_del_check(w->x, c) == -1)
				return (void *)1;
		}
	}
	return NULL;
}

/* The alerter's listener writes beside another thread of the process. */
static void
test_two_writer_threads(void **state)
{
	struct index		*x = index_new(4 * WT_N);
	struct writer_arg	 wa[2];
	pthread_t		 th[2];
	void			*rv;
	uint8_t			 c[16];
	char			 slug[32];
	int			 t, i;

	for (t = 0; t < 2; t++) {
		wa[t].x = x;
		wa[t].t = t;
		assert_int_equal(pthread_create(&th[t], NULL, writer_thread,
		    &wa[t]), 0);
	}
	for (t = 0; t < 2; t++) {
		assert_int_equal(pthread_join(th[t], &rv), 0);
		assert_null(rv);
	}
	assert_int_equal(x->x_used_checks, WT_N);
	assert_int_equal(x->x_seq % 2, 0);
	for (t = 0; t < 2; t++)
		for (i = 0; i < WT_N; i++) {
			mkcode(c, (uint64_t)t << 32 | (uint64_t)i,
			    (uint64_t)i % 97);
			snprintf(slug, sizeof(slug), "s%d-%d", t, i);
			if (i % 2 == 0) {
				assert_int_equal(index_find_code(x, c, NULL), 0);
				assert_int_equal(index_find_slug(x, t + 1, slug),
				    0);
			} else {
				assert_int_equal(index_find_code(x, c, NULL),
				    t * 100000 + i + 1);
				assert_int_equal(index_find_slug(x, t + 1, slug),
				    t * 100000 + i + 1);
			}
		}
	index_free(x);
}

static void
test_apply_notify(void **state)
{
	static const char *bad[] = {
		"", "c", "c ", "x 1", "c 1 2 3", "c 1 2 3 not-a-uuid slug",
		"c 1 0 3 6f2b8c1e-4a57-4b1f-9a0e-0c1d2e3f4a5b s",
		"c1 2 3 6f2b8c1e-4a57-4b1f-9a0e-0c1d2e3f4a5b s",
		"d 1", "d 1 6f2b8c1e-4a57-4b1f-9a0e-0c1d2e3f4a5b extra",
		"d x 6f2b8c1e-4a57-4b1f-9a0e-0c1d2e3f4a5b",
		"p 1 5", "p 1 5 ", "p 1 -5 key", "q 1", "q 1 ", "r 1 x", "r",
	};
	struct index	*x = index_new(64);
	const char	*u = "6f2b8c1e-4a57-4b1f-9a0e-0c1d2e3f4a5b";
	const char	*v = "0e4a2b6c-8d1f-4e3a-b5c7-d9e1f3a5b7c9";
	uint8_t		 cu[16], cv[16];
	char		 err[128], pl[256];
	int64_t		 proj;
	size_t		 i;

	assert_int_equal(uuid_parse_text(u, cu), 0);
	assert_int_equal(uuid_parse_text(v, cv), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (index_apply_notify(x, bad[i], err, sizeof(err)) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
	assert_non_null(strstr(err, "malformed"));
	assert_int_equal(x->x_used_checks, 0);
	assert_int_equal(x->x_used_projects, 0);

	/* A project's key, then a check without a slug, then with one. */
	assert_int_equal(index_apply_notify(x, "p 1 5 abc_DEF-123", err,
	    sizeof(err)), 0);
	assert_int_equal(index_find_project(x, "abc_DEF-123"), 5);
	snprintf(pl, sizeof(pl), "c 2 17 5 %s ", u);
	assert_int_equal(index_apply_notify(x, pl, err, sizeof(err)), 0);
	assert_int_equal(index_find_code(x, cu, &proj), 17);
	assert_int_equal(proj, 5);
	snprintf(pl, sizeof(pl), "c 3 17 5 %s", u);	/* no space: no slug */
	assert_int_equal(index_apply_notify(x, pl, err, sizeof(err)), 0);
	snprintf(pl, sizeof(pl), "c 4 17 5 %s nightly backup", u);
	assert_int_equal(index_apply_notify(x, pl, err, sizeof(err)), 0);
	assert_int_equal(index_find_slug(x, 5, "nightly backup"), 17);
	assert_int_equal(x->x_used_checks, 1);
	/* The slug changes, then the check moves to another project. */
	snprintf(pl, sizeof(pl), "c 5 17 5 %s nightly", u);
	assert_int_equal(index_apply_notify(x, pl, err, sizeof(err)), 0);
	assert_int_equal(index_find_slug(x, 5, "nightly backup"), 0);
	assert_int_equal(index_find_slug(x, 5, "nightly"), 17);
	snprintf(pl, sizeof(pl), "c 6 17 6 %s nightly", u);
	assert_int_equal(index_apply_notify(x, pl, err, sizeof(err)), 0);
	assert_int_equal(index_find_slug(x, 5, "nightly"), 0);
	assert_int_equal(index_find_slug(x, 6, "nightly"), 17);
	/* Its ping uuid changes: "d" of the old one, then "c". */
	snprintf(pl, sizeof(pl), "d 7 %s", u);
	assert_int_equal(index_apply_notify(x, pl, err, sizeof(err)), 0);
	snprintf(pl, sizeof(pl), "c 8 17 6 %s nightly", v);
	assert_int_equal(index_apply_notify(x, pl, err, sizeof(err)), 0);
	assert_int_equal(index_find_code(x, cu, NULL), 0);
	assert_int_equal(index_find_code(x, cv, NULL), 17);
	assert_int_equal(index_find_slug(x, 6, "nightly"), 17);
	/* Deleting what is not there is no error. */
	snprintf(pl, sizeof(pl), "d 9 %s", u);
	assert_int_equal(index_apply_notify(x, pl, err, sizeof(err)), 0);
	snprintf(pl, sizeof(pl), "d 10 %s", v);
	assert_int_equal(index_apply_notify(x, pl, err, sizeof(err)), 0);
	assert_int_equal(index_find_code(x, cv, NULL), 0);
	assert_int_equal(index_find_slug(x, 6, "nightly"), 0);
	assert_int_equal(x->x_used_checks, 0);
	/* A key with a space in it is the rest of the payload. */
	assert_int_equal(index_apply_notify(x, "p 11 6 two words", err,
	    sizeof(err)), 0);
	assert_int_equal(index_find_project(x, "two words"), 6);
	assert_int_equal(index_apply_notify(x, "q 12 two words", err,
	    sizeof(err)), 0);
	assert_int_equal(index_apply_notify(x, "q 13 abc_DEF-123", err,
	    sizeof(err)), 0);
	assert_int_equal(index_apply_notify(x, "q 14 never-there", err,
	    sizeof(err)), 0);
	assert_int_equal(x->x_used_projects, 0);
	/* A truncated table: the caller reloads. */
	assert_int_equal(index_apply_notify(x, "r 15", err, sizeof(err)), 1);
	index_free(x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checks_basic),
		cmocka_unit_test(test_projects_basic),
		cmocka_unit_test(test_slugs),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_clear),
		cmocka_unit_test(test_random_checks),
		cmocka_unit_test(test_random_projects),
		cmocka_unit_test(test_concurrent_reader),
		cmocka_unit_test(test_dead_writer_does_not_block_readers),
		cmocka_unit_test(test_overlapping_refreshes),
		cmocka_unit_test(test_two_writer_threads),
		cmocka_unit_test(test_apply_notify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
