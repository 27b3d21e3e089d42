/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Connections per client address (addrtab.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addrtab.h"
#include "hcd.h"

struct slot {
	char		 s_key[ADDRTAB_KEY];	/* "" = empty */
	uint32_t	 s_hash;
	int		 s_count;
};

struct addrtab {
	struct slot	*t_slots;
	size_t		 t_cap;			/* a power of two */
	size_t		 t_len;
};

static uint32_t
addr_hash(const char *s)
{
	uint32_t h = 2166136261u;		/* FNV-1a */

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

/* A peer whose address is unknown counts as one client, "?". */
static const char *
norm(const char *addr)
{
	return addr[0] != '\0' ? addr : "?";
}

struct addrtab *
addrtab_new(void)
{
	struct addrtab *t = xcalloc(1, sizeof(*t));

	t->t_cap = 64;
	t->t_slots = xcalloc(t->t_cap, sizeof(*t->t_slots));
	return t;
}

void
addrtab_free(struct addrtab *t)
{
	if (t == NULL)
		return;
	free(t->t_slots);
	free(t);
}

/* The slot holding key, or the empty slot where it would go. */
static struct slot *
find(const struct addrtab *t, const char *key, uint32_t h)
{
	size_t		 i = h & (t->t_cap - 1);
	struct slot	*s;

	for (;;) {
		s = &t->t_slots[i];
		if (s->s_key[0] == '\0' ||
		    (s->s_hash == h && strncmp(s->s_key, key,
		    ADDRTAB_KEY - 1) == 0))
			return s;
		i = (i + 1) & (t->t_cap - 1);
	}
}

static void
grow(struct addrtab *t)
{
	struct slot	*old = t->t_slots;
	size_t		 i, ocap = t->t_cap;

	t->t_cap *= 2;
	t->t_slots = xcalloc(t->t_cap, sizeof(*t->t_slots));
	for (i = 0; i < ocap; i++)
		if (old[i].s_key[0] != '\0')
			*find(t, old[i].s_key, old[i].s_hash) = old[i];
	free(old);
}

int
addrtab_inc(struct addrtab *t, const char *addr)
{
	uint32_t	 h;
	struct slot	*s;

	addr = norm(addr);
	h = addr_hash(addr);
	if ((t->t_len + 1) * 2 > t->t_cap)
		grow(t);
	s = find(t, addr, h);
	if (s->s_key[0] == '\0') {
		hc_strlcpy(s->s_key, addr, ADDRTAB_KEY);
		s->s_hash = h;
		s->s_count = 0;
		t->t_len++;
	}
	return ++s->s_count;
}

void
addrtab_dec(struct addrtab *t, const char *addr)
{
	struct slot	*s;
	size_t		 i, j, home;

	addr = norm(addr);
	s = find(t, addr, addr_hash(addr));
	if (s->s_key[0] == '\0' || --s->s_count > 0)
		return;
	/* Backward shift: pull later members of the run into the hole. */
	i = (size_t)(s - t->t_slots);
	j = i;
	for (;;) {
		j = (j + 1) & (t->t_cap - 1);
		if (t->t_slots[j].s_key[0] == '\0')
			break;
		home = t->t_slots[j].s_hash & (t->t_cap - 1);
		/* Leave j where it is if its home lies in (i, j]. */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		t->t_slots[i] = t->t_slots[j];
		i = j;
	}
	memset(&t->t_slots[i], 0, sizeof(t->t_slots[i]));
	t->t_len--;
}

int
addrtab_get(const struct addrtab *t, const char *addr)
{
	const struct slot *s;

	addr = norm(addr);
	s = find(t, addr, addr_hash(addr));

	return s->s_key[0] == '\0' ? 0 : s->s_count;
}

size_t
addrtab_len(const struct addrtab *t)
{
	return t->t_len;
}
