/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Creation and layout of the shared segment (see shm.h).  Only the
 * master calls shm_create; children find the parts with shm_ring and
 * shm_index in the mapping they inherited.
 */
#include <sys/mman.h>

#include <openssl/rand.h>
#include <string.h>

#include "hcd.h"
#include "index.h"
#include "log.h"
#include "ring.h"
#include "shm.h"

static size_t
round64(size_t n)
{
	return (n + 63) & ~(size_t)63;
}

struct shm *
shm_create(uint64_t ringbytes, int nrings, uint64_t max_checks)
{
	struct shm	*sh;
	size_t		 off, total, per;
	uint64_t	 cap;
	void		*p;
	int		 i;

	if (nrings < 1 || nrings > HC_MAX_PRODUCERS)
		return NULL;
	cap = (ringbytes / (uint64_t)nrings) & ~(uint64_t)63;
	per = round64(ring_size(cap));
	off = round64(sizeof(struct shm));
	total = off + per * (size_t)nrings + round64(index_size(max_checks));
	p = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	    -1, 0);
	if (p == MAP_FAILED) {
		log_warn("%s: mmap %zu bytes", __func__, total);
		return NULL;
	}
	sh = p;
	sh->sh_magic = SHM_MAGIC;
	sh->sh_size = total;
	sh->sh_nrings = nrings;
	if (RAND_bytes((unsigned char *)&sh->sh_segment,
	    sizeof(sh->sh_segment)) != 1)
		fatalx("%s: RAND_bytes failed", __func__);
	sh->sh_segment &= INT64_MAX;	/* stored in a bigint */
	for (i = 0; i < nrings; i++) {
		sh->sh_ring_off[i] = off;
		ring_init((struct ring *)((char *)p + off), cap);
		off += per;
	}
	sh->sh_index_off = off;
	if (index_init((struct index *)((char *)p + off), max_checks) == -1) {
		log_warnx("%s: index_init failed", __func__);
		munmap(p, total);
		return NULL;
	}
	return sh;
}

struct ring *
shm_ring(struct shm *sh, int i)
{
	if (i < 0 || i >= sh->sh_nrings)
		return NULL;
	return (struct ring *)((char *)sh + sh->sh_ring_off[i]);
}

struct index *
shm_index(struct shm *sh)
{
	return (struct index *)((char *)sh + sh->sh_index_off);
}
