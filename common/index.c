/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The shared check index (see index.h for the concurrency rules).
 * Written by the master at start-up and reload, by workers that create,
 * change or delete checks, and by the alerter's listener thread with
 * what other nodes change; read by every worker and smtpd on each ping.
 * Writers in several threads of one process are as safe as writers in
 * several processes: the same mutex serialises them.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>

#include "hcd.h"
#include "index.h"
#include "log.h"

#define CHECKS(x)	((struct idx_check *)((char *)(x) + (x)->x_off_checks))
#define SLUGS(x)	((struct idx_slug *)((char *)(x) + (x)->x_off_slugs))
#define PROJECTS(x)	((struct idx_project *)((char *)(x) + (x)->x_off_projects))
/* Generation a is older than b (they wrap). */
#define GEN_BEFORE(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)

static size_t
round8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

size_t
index_size(uint64_t max_checks)
{
	uint64_t n = max_checks * 2;

	return round8(sizeof(struct index)) +
	    round8(n * sizeof(struct idx_check)) +
	    round8(n * sizeof(struct idx_slug)) +
	    round8(max_checks * sizeof(struct idx_project));
}

int
index_init(struct index *x, uint64_t max_checks)
{
	pthread_mutexattr_t	a;
	uint64_t		n = max_checks * 2;

	memset(x, 0, sizeof(*x));
	x->x_nchecks = n;
	x->x_nslugs = n;
	x->x_nprojects = max_checks;
	x->x_off_checks = round8(sizeof(struct index));
	x->x_off_slugs = x->x_off_checks + round8(n * sizeof(struct idx_check));
	x->x_off_projects = x->x_off_slugs + round8(n * sizeof(struct idx_slug));
	if (pthread_mutexattr_init(&a) != 0 ||
	    pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED) != 0 ||
	    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST) != 0 ||
	    pthread_mutex_init(&x->x_lock, &a) != 0)
		return -1;
	pthread_mutexattr_destroy(&a);
	return 0;
}

void
index_lock(struct index *x)
{
	int rc = pthread_mutex_lock(&x->x_lock);

	if (rc == EOWNERDEAD) {
		/*
		 * A writer died holding the lock.  Its change may be half
		 * done; the tables stay usable (every slot is either old or
		 * new) but a check may be missing until the next reload.
		 */
		log_warnx("%s: previous index writer died; recovering", __func__);
		if (atomic_load(&x->x_seq) & 1)
			atomic_fetch_add(&x->x_seq, 1);
		pthread_mutex_consistent(&x->x_lock);
	} else if (rc != 0)
		fatalx("%s: pthread_mutex_lock: %s", __func__, strerror(rc));
	atomic_fetch_add_explicit(&x->x_seq, 1, memory_order_acq_rel);
}

void
index_unlock(struct index *x)
{
	atomic_fetch_add_explicit(&x->x_seq, 1, memory_order_release);
	pthread_mutex_unlock(&x->x_lock);
}

/*
 * A writer that died inside its change leaves the counter odd.  After a
 * bounded spin a reader looks at the lock: if its owner is dead, the
 * reader recovers it (as index_lock does) instead of spinning for ever.
 */
static void
read_recover(struct index *x)
{
	int rc = pthread_mutex_trylock(&x->x_lock);

	if (rc == EBUSY)
		return;			/* a live writer: keep waiting */
	if (rc == EOWNERDEAD) {
		log_warnx("%s: previous index writer died; recovering",
		    __func__);
		pthread_mutex_consistent(&x->x_lock);
	} else if (rc != 0)
		return;
	if (atomic_load(&x->x_seq) & 1)
		atomic_fetch_add(&x->x_seq, 1);
	pthread_mutex_unlock(&x->x_lock);
}

static uint64_t
read_begin(struct index *x)
{
	uint64_t	s;
	unsigned	spins = 0;

	while ((s = atomic_load_explicit(&x->x_seq, memory_order_acquire)) & 1) {
		if (++spins % 4096 == 0) {
			read_recover(x);
			sched_yield();
		}
	}
	return s;
}

static int
read_retry(struct index *x, uint64_t s)
{
	atomic_thread_fence(memory_order_acquire);
	return atomic_load_explicit(&x->x_seq, memory_order_relaxed) != s;
}

static uint64_t
hash_code(const uint8_t code[16])
{
	uint64_t h;

	memcpy(&h, code + 8, sizeof(h));	/* random part of a UUIDv4 */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

static uint64_t
hash_str(int64_t salt, const char *s)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)salt;

	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 1099511628211ULL;
	}
	h ^= h >> 29;
	return h;
}

int64_t
index_find_code(struct index *x, const uint8_t code[16], int64_t *project)
{
	struct idx_check	*t = CHECKS(x), c;
	uint64_t		 s, i, n, probes;
	int64_t			 id, pid;

	do {
		s = read_begin(x);
		id = pid = 0;
		n = x->x_nchecks;
		i = hash_code(code) % n;
		for (probes = 0; probes < n; probes++, i = (i + 1) % n) {
			memcpy(&c.ic_code, t[i].ic_code, 16);
			c.ic_id = t[i].ic_id;
			c.ic_project = t[i].ic_project;
			if (c.ic_id == 0)
				break;
			if (memcmp(c.ic_code, code, 16) == 0) {
				id = c.ic_id;
				pid = c.ic_project;
				break;
			}
		}
	} while (read_retry(x, s));
	if (project != NULL)
		*project = pid;
	return id;
}

int64_t
index_find_project(struct index *x, const char *key)
{
	struct idx_project	*t = PROJECTS(x);
	uint64_t		 s, i, n, probes;
	int64_t			 id, pid;
	char			 k[IDX_KEY_MAX + 1];

	if (strlen(key) > IDX_KEY_MAX)
		return 0;
	do {
		s = read_begin(x);
		id = 0;
		n = x->x_nprojects;
		i = hash_str(0, key) % n;
		for (probes = 0; probes < n; probes++, i = (i + 1) % n) {
			pid = t[i].ip_id;
			if (pid == 0)
				break;
			memcpy(k, t[i].ip_key, sizeof(k));
			k[IDX_KEY_MAX] = '\0';
			if (strcmp(k, key) == 0) {
				id = pid;
				break;
			}
		}
	} while (read_retry(x, s));
	return id;
}

int64_t
index_find_slug(struct index *x, int64_t project, const char *slug)
{
	struct idx_slug	*t = SLUGS(x);
	uint64_t	 s, i, n, probes, h;
	int64_t		 found, p;
	int		 count;
	char		 sl[IDX_SLUG_MAX + 1];

	if (strlen(slug) > IDX_SLUG_MAX || *slug == '\0')
		return 0;
	h = hash_str(project, slug);
	do {
		s = read_begin(x);
		found = 0;
		count = 0;
		n = x->x_nslugs;
		i = h % n;
		for (probes = 0; probes < n; probes++, i = (i + 1) % n) {
			p = t[i].is_project;
			if (p == 0)
				break;
			if (p != project || t[i].is_hash != (uint32_t)h)
				continue;
			memcpy(sl, t[i].is_slug, sizeof(sl));
			sl[IDX_SLUG_MAX] = '\0';
			if (strcmp(sl, slug) == 0) {
				count++;
				found = t[i].is_check;
			}
		}
	} while (read_retry(x, s));
	return count > 1 ? -1 : found;
}

/*
 * Backward-shift deletion for linear probing: move later members of the
 * cluster into the hole when their home slot allows it.
 */
#define SHIFT_DELETE(T, tab, n, i, home_of, empty_field) do {		\
	uint64_t _i = (i), _j = (i), _k;				\
	for (;;) {							\
		_j = (_j + 1) % (n);					\
		if ((tab)[_j].empty_field == 0)				\
			break;						\
		_k = home_of(&(tab)[_j]) % (n);				\
		if ((_j > _i && (_k <= _i || _k > _j)) ||		\
		    (_j < _i && (_k <= _i && _k > _j))) {		\
			(tab)[_i] = (tab)[_j];				\
			_i = _j;					\
		}							\
	}								\
	memset(&(tab)[_i], 0, sizeof(T));				\
} while (0)

static uint64_t
home_check(const struct idx_check *c)
{
	return hash_code(c->ic_code);
}

static uint64_t
home_slug(const struct idx_slug *e)
{
	return hash_str(e->is_project, e->is_slug);
}

static uint64_t
home_project(const struct idx_project *p)
{
	return hash_str(0, p->ip_key);
}

static void
slug_del(struct index *x, int64_t project, const char *slug, int64_t check)
{
	struct idx_slug	*t = SLUGS(x);
	uint64_t	 n = x->x_nslugs, i, probes;

	if (*slug == '\0')
		return;
	i = hash_str(project, slug) % n;
	for (probes = 0; probes < n; probes++, i = (i + 1) % n) {
		if (t[i].is_project == 0)
			return;
		if (t[i].is_check == check) {
			SHIFT_DELETE(struct idx_slug, t, n, i, home_slug,
			    is_project);
			return;
		}
	}
}

static int
slug_put(struct index *x, int64_t project, const char *slug, int64_t check)
{
	struct idx_slug	*t = SLUGS(x);
	uint64_t	 n = x->x_nslugs, i, probes, h;

	if (*slug == '\0')
		return 0;
	h = hash_str(project, slug);
	i = h % n;
	for (probes = 0; probes < n; probes++, i = (i + 1) % n) {
		if (t[i].is_project == 0) {
			t[i].is_check = check;
			t[i].is_hash = (uint32_t)h;
			hc_strlcpy(t[i].is_slug, slug, sizeof(t[i].is_slug));
			t[i].is_project = project;
			return 0;
		}
	}
	return -1;
}

static int
check_del_locked(struct index *x, const uint8_t code[16])
{
	struct idx_check	*t = CHECKS(x);
	uint64_t		 n = x->x_nchecks, i, probes;

	i = hash_code(code) % n;
	for (probes = 0; probes < n; probes++, i = (i + 1) % n) {
		if (t[i].ic_id == 0)
			return 0;
		if (memcmp(t[i].ic_code, code, 16) == 0) {
			slug_del(x, t[i].ic_project, t[i].ic_slug, t[i].ic_id);
			SHIFT_DELETE(struct idx_check, t, n, i, home_check,
			    ic_id);
			x->x_used_checks--;
			return 1;
		}
	}
	return 0;
}

int
index_put_check(struct index *x, const uint8_t code[16], int64_t id,
    int64_t project, const char *slug)
{
	struct idx_check	*t = CHECKS(x);
	uint64_t		 n = x->x_nchecks, i, probes;
	int			 rv = -1;

	if (slug == NULL || strlen(slug) > IDX_SLUG_MAX)
		slug = "";
	index_lock(x);
	check_del_locked(x, code);
	if (x->x_used_checks >= n / 2)
		goto out;		/* keep the load factor at 1/2 */
	i = hash_code(code) % n;
	for (probes = 0; probes < n; probes++, i = (i + 1) % n) {
		if (t[i].ic_id != 0)
			continue;
		if (slug_put(x, project, slug, id) == -1)
			goto out;
		memcpy(t[i].ic_code, code, 16);
		t[i].ic_project = project;
		t[i].ic_gen = x->x_gen;
		hc_strlcpy(t[i].ic_slug, slug, sizeof(t[i].ic_slug));
		t[i].ic_id = id;
		x->x_used_checks++;
		rv = 0;
		break;
	}
out:
	index_unlock(x);
	return rv;
}

int
index_del_check(struct index *x, const uint8_t code[16])
{
	int found;

	index_lock(x);
	found = check_del_locked(x, code);
	index_unlock(x);
	return found ? 0 : -1;
}

int
index_put_project(struct index *x, const char *key, int64_t id)
{
	struct idx_project	*t = PROJECTS(x);
	uint64_t		 n = x->x_nprojects, i, probes;
	int			 rv = -1;

	if (*key == '\0' || strlen(key) > IDX_KEY_MAX)
		return -1;
	index_lock(x);
	i = hash_str(0, key) % n;
	for (probes = 0; probes < n; probes++, i = (i + 1) % n) {
		if (t[i].ip_id != 0 && strcmp(t[i].ip_key, key) != 0)
			continue;
		if (t[i].ip_id == 0) {
			if (x->x_used_projects >= n - 1)
				break;
			x->x_used_projects++;
		}
		hc_strlcpy(t[i].ip_key, key, sizeof(t[i].ip_key));
		t[i].ip_id = id;
		t[i].ip_gen = x->x_gen;
		rv = 0;
		break;
	}
	index_unlock(x);
	return rv;
}

int
index_del_project(struct index *x, const char *key)
{
	struct idx_project	*t = PROJECTS(x);
	uint64_t		 n = x->x_nprojects, i, probes;
	int			 rv = -1;

	index_lock(x);
	i = hash_str(0, key) % n;
	for (probes = 0; probes < n; probes++, i = (i + 1) % n) {
		if (t[i].ip_id == 0)
			break;
		if (strcmp(t[i].ip_key, key) == 0) {
			SHIFT_DELETE(struct idx_project, t, n, i, home_project,
			    ip_id);
			x->x_used_projects--;
			rv = 0;
			break;
		}
	}
	index_unlock(x);
	return rv;
}

void
index_clear(struct index *x)
{
	index_lock(x);
	memset(CHECKS(x), 0, x->x_nchecks * sizeof(struct idx_check));
	memset(SLUGS(x), 0, x->x_nslugs * sizeof(struct idx_slug));
	memset(PROJECTS(x), 0, x->x_nprojects * sizeof(struct idx_project));
	x->x_used_checks = x->x_used_projects = 0;
	index_unlock(x);
}

uint32_t
index_refresh_begin(struct index *x)
{
	uint32_t gen;

	index_lock(x);
	gen = ++x->x_gen;
	index_unlock(x);
	return gen;
}

uint64_t
index_refresh_end(struct index *x, uint32_t gen)
{
	struct idx_check	*c = CHECKS(x);
	struct idx_project	*p = PROJECTS(x);
	uint64_t		 i, n, removed = 0;

	index_lock(x);
	/*
	 * Deleting shifts later members of a cluster back into the hole,
	 * so a slot is looked at again after a deletion.
	 *
	 * Only entries put before this refresh began go: refreshes may
	 * overlap (the master's at reload, the alerter's listener after it
	 * reconnects, in another process), and an entry put since, by
	 * either or by a worker, carries a later generation.
	 */
	n = x->x_nchecks;
	for (i = 0; i < n; ) {
		if (c[i].ic_id != 0 && GEN_BEFORE(c[i].ic_gen, gen)) {
			check_del_locked(x, c[i].ic_code);
			removed++;
			continue;
		}
		i++;
	}
	n = x->x_nprojects;
	for (i = 0; i < n; ) {
		if (p[i].ip_id != 0 && GEN_BEFORE(p[i].ip_gen, gen)) {
			SHIFT_DELETE(struct idx_project, p, n, i, home_project,
			    ip_id);
			x->x_used_projects--;
			removed++;
			continue;
		}
		i++;
	}
	index_unlock(x);
	return removed;
}
