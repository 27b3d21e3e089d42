/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Small blocking helpers over libpq shared by every process (db.c says
 * who uses what): connecting, commands and queries, a check's state
 * columns, array literals, and applying the compiled-in schema
 * migrations (migrate.h) under an advisory lock.
 */
#ifndef HC_DB_H
#define HC_DB_H

#include <stddef.h>
#include <stdint.h>
#include <libpq-fe.h>

/* Key of the advisory lock taken while migrating ("hcdmigr"). */
#define HC_DB_MIGRATE_LOCK	0x6863646d69677200LL

/*
 * Create hcd_migration if missing, then apply, in order and each in its
 * own transaction, every hc_migrations[] entry not yet recorded there.
 * pg_advisory_xact_lock(HC_DB_MIGRATE_LOCK) serialises concurrent
 * migrators.  *applied (may be NULL) counts what this call applied.
 * Returns 0, or -1 with the reason in err.
 */
int	 db_migrate(PGconn *, int *applied, char *err, size_t errsz);

/* Highest applied version into *version: 0 if none or no table. 0/-1. */
int	 db_schema_version(PGconn *, int *version);

/* Run one command without parameters.  0, or -1 with the reason in err. */
int	 db_exec(PGconn *, const char *sql, char *err, size_t errsz);

/*
 * A query that returns rows, with text parameters (nparams may be 0):
 * the result, or NULL with the reason in err.
 */
PGresult *db_query(PGconn *, const char *sql, int nparams,
	    const char *const *params, char *err, size_t errsz);

/* Prepare a statement.  0, or -1 with the reason in err. */
int	 db_prepare(PGconn *, const char *name, const char *sql, char *err,
	    size_t errsz);

/* An integer column; `null` when it is NULL or not an integer. */
int64_t	 db_getint(const PGresult *, int row, int col, int64_t null);

/*
 * Array literals for parameters ("{1,2,NULL}"): db_arr_add appends one
 * element (at most 63 bytes, unquoted), db_arr_end closes the literal
 * (an empty one is "{}") and returns it.
 */
struct buf;
void	 db_arr_add(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
const char *db_arr_end(struct buf *);
/* The literal of ids[0..n), closed, in b (initialised by the caller). */
const char *db_arr_ids(struct buf *, const int64_t *ids, size_t n);


/* Copy the connection's or result's error, first line only, into err. */
void	 db_seterr(PGconn *, const PGresult *, char *err, size_t errsz);

#endif
