/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * A count per client address: how many connections each address holds
 * open, for the per-client limits.  A hash table with linear probing
 * and backward-shift deletion (no tombstones), so that a worker with
 * ten thousand connections pays the same for an accept as one with ten.
 *
 * One loop's object: not thread-safe.
 */
#ifndef HC_ADDRTAB_H
#define HC_ADDRTAB_H

#include <stddef.h>

#define ADDRTAB_KEY	48	/* an IPv6 address as text fits (45 + NUL) */

struct addrtab;

struct addrtab	*addrtab_new(void);
void		 addrtab_free(struct addrtab *);
/* Count one more connection from addr; returns the new count. */
int		 addrtab_inc(struct addrtab *, const char *addr);
/* Count one less; the entry goes at zero.  Unknown addresses: no-op. */
void		 addrtab_dec(struct addrtab *, const char *addr);
/* The count for addr (0 if none). */
int		 addrtab_get(const struct addrtab *, const char *addr);
/* Addresses holding at least one connection. */
size_t		 addrtab_len(const struct addrtab *);

#endif
