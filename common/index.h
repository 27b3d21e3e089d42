/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The check index in shared memory: what the ping path needs to answer
 * without a database round trip.  Three open-addressing tables:
 *   checks    ping UUID -> check id, project id
 *   slugs     (project id, slug) -> check id; a multimap, so that two
 *             checks with one slug are seen (409 ambiguous slug)
 *   projects  ping key -> project id
 * It is a cache of PostgreSQL, rebuilt from it at start.
 *
 * Concurrency: readers never block.  Writers serialise on a
 * process-shared robust mutex and bump a sequence counter before and
 * after each change (odd while changing); a reader copies what it needs
 * and retries if the counter moved (a seqlock).  Deletion uses backward
 * shifting, so there are no tombstones to accumulate.
 */
#ifndef HC_INDEX_H
#define HC_INDEX_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define IDX_SLUG_MAX	100
#define IDX_KEY_MAX	128

struct idx_check {
	uint8_t		 ic_code[16];
	int64_t		 ic_id;		/* 0: empty slot */
	int64_t		 ic_project;
	char		 ic_slug[IDX_SLUG_MAX + 1];	/* to remove its slug entry */
	uint32_t	 ic_gen;	/* x_gen when last put */
};

struct idx_slug {
	int64_t		 is_project;	/* 0: empty slot */
	int64_t		 is_check;
	uint32_t	 is_hash;
	char		 is_slug[IDX_SLUG_MAX + 1];
};

struct idx_project {
	int64_t		 ip_id;		/* 0: empty slot */
	char		 ip_key[IDX_KEY_MAX + 1];
	uint32_t	 ip_gen;
};

struct index {
	pthread_mutex_t	 x_lock;
	_Atomic uint64_t x_seq;
	uint64_t	 x_nchecks;	/* slots in each table */
	uint64_t	 x_nslugs;
	uint64_t	 x_nprojects;
	uint64_t	 x_used_checks;	/* entries, for status */
	uint64_t	 x_used_projects;
	uint32_t	 x_gen;		/* refresh generation */
	size_t		 x_off_checks;	/* offsets from the struct */
	size_t		 x_off_slugs;
	size_t		 x_off_projects;
};

/* Bytes needed for an index of up to `max_checks` checks. */
size_t	 index_size(uint64_t max_checks);
int	 index_init(struct index *, uint64_t max_checks);

/* Readers. */
int64_t	 index_find_code(struct index *, const uint8_t code[16],
	    int64_t *project);			/* check id, 0 if absent */
int64_t	 index_find_project(struct index *, const char *ping_key);
/* Check id for (project, slug); 0 if none, -1 if more than one. */
int64_t	 index_find_slug(struct index *, int64_t project, const char *slug);

/*
 * Writers; each returns 0, or -1 when the table is full.  A slug of ""
 * is not entered in the slug table.  index_del_check removes the check's
 * code and its slug entry.
 */
int	 index_put_check(struct index *, const uint8_t code[16], int64_t id,
	    int64_t project, const char *slug);
int	 index_del_check(struct index *, const uint8_t code[16]);
int	 index_put_project(struct index *, const char *ping_key, int64_t id);
int	 index_del_project(struct index *, const char *ping_key);
/* Empties every table. */
void	 index_clear(struct index *);
/*
 * A refresh from the database without emptying the index first (readers
 * must never miss a check that exists): index_refresh_begin starts a new
 * generation, the caller puts every row, index_refresh_end removes what
 * was last put before that generation began.  Refreshes may overlap
 * (several processes or threads): one never removes what another put.
 * Returns the number of entries removed.
 */
uint32_t index_refresh_begin(struct index *);
uint64_t index_refresh_end(struct index *, uint32_t gen);
void	 index_lock(struct index *);
void	 index_unlock(struct index *);

#endif
