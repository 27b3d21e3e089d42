/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Loading the shared check index from PostgreSQL.
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

#endif
