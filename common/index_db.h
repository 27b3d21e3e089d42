/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Loading the shared check index from PostgreSQL, and applying the
 * changes that the triggers of schema/003 announce on INDEX_CHANNEL.
 * Safe from any thread or process (the index serialises its writers).
 */
#ifndef HC_INDEX_DB_H
#define HC_INDEX_DB_H

#include <stddef.h>
#include <stdint.h>
#include <libpq-fe.h>

struct index;

/*
 * Brings the index in line with the database without emptying it first
 * (so readers never miss a check that exists): puts every project and
 * check, then drops what the database no longer has.  Returns the
 * number of checks, or -1.
 */
int	 index_load(struct index *, PGconn *, char *err, size_t errsz);

/* The NOTIFY channel of schema/003_index_notify.sql. */
#define INDEX_CHANNEL	"hcd_index"

/*
 * Apply one payload of INDEX_CHANNEL (its grammar is in schema/003):
 * 0 when applied (deleting what is not there counts), 1 when it asks
 * for a full refresh (index_load), -1 when it is malformed or the index
 * is full, with the reason in err.
 */
int	 index_apply_notify(struct index *, const char *payload, char *err,
	    size_t errsz);

#endif
