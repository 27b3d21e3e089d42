/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The one connection object for PostgreSQL, used by the worker's
 * database threads, the alerter's writer, listener and deadline thread,
 * and hcctl.  It owns what every session needs and that used to be
 * written out at each call site:
 *
 *  - the conninfo (DATABASE_URL or DB_*), with connect_timeout from
 *    DB_CONNECT_TIMEOUT and, in the start-up packet, TimeZone=UTC and
 *    statement_timeout from DB_STATEMENT_TIMEOUT (no round trip for
 *    SETs);
 *  - the application name (pg_stat_activity shows who is who);
 *  - an on-connect hook (prepared statements, LISTEN, reading state);
 *  - reconnection with back-off: 100 ms after a failure, doubling up to
 *    5 s; while backing off, dbconn_get() answers NULL at once;
 *  - a client-side deadline on every query run through dbconn_exec():
 *    a server or network that stops answering costs the caller the
 *    statement timeout plus one second, never the kernel's TCP timeout.
 *    A query that runs out of time drops the session (its state is
 *    unknown); the next dbconn_get() connects afresh.  A session found
 *    dead when a SELECT or a BEGIN is sent on it idle (the server
 *    restarted meanwhile) is replaced at once and the statement sent
 *    once more, since neither changes anything by itself.
 *
 * One object is used by one thread at a time; distinct objects may be
 * used on distinct threads (libpq is thread-safe per connection).
 */
#ifndef HC_DBCONN_H
#define HC_DBCONN_H

#include <stddef.h>
#include <stdint.h>
#include <libpq-fe.h>

struct conf;
struct dbconn;

/*
 * Called on every new session, after the start-up options are in
 * force.  Returns 0, or -1 with the reason in err (the session is then
 * dropped and the back-off applies).
 */
typedef int (*dbconn_setup_fn)(PGconn *, void *arg, char *err, size_t errsz);

/* A new, unconnected object.  setup may be NULL. */
struct dbconn	*dbconn_new(const struct conf *, const char *appname,
		    dbconn_setup_fn setup, void *arg);
void		 dbconn_free(struct dbconn *);

/*
 * The open session, connecting first if there is none (blocking, at most
 * DB_CONNECT_TIMEOUT).  NULL with the reason in err while the database
 * cannot be reached or during the back-off after a failure.
 */
PGconn		*dbconn_get(struct dbconn *, char *err, size_t errsz);
/* The same, ignoring the back-off (hcctl, start-up). */
PGconn		*dbconn_get_now(struct dbconn *, char *err, size_t errsz);
/*
 * While backing off after a failure: the ms until dbconn_get() tries
 * again; 0 when it would try now (or a session is open).  Lets a caller
 * log a failed attempt once instead of every refusal in between.
 */
int64_t		 dbconn_retry_ms(const struct dbconn *);
/* 1 if a session is open (no connection attempt). */
int		 dbconn_ok(const struct dbconn *);
/* Drop the session (after an error that leaves it unusable). */
void		 dbconn_reset(struct dbconn *);

/*
 * Run one statement with text parameters and wait for its result within
 * the client-side deadline.  Returns the result when the server answered
 * with PGRES_COMMAND_OK or PGRES_TUPLES_OK; otherwise NULL with the
 * reason in err (first line) and the SQLSTATE in dbconn_sqlstate().  A
 * timeout or a lost connection also drops the session.  `binary` asks
 * for binary results.
 */
PGresult	*dbconn_exec(struct dbconn *, const char *sql, int nparams,
		    const char *const *params, int binary, char *err,
		    size_t errsz);
/* The same for a statement prepared by the setup hook. */
PGresult	*dbconn_exec_prepared(struct dbconn *, const char *name,
		    int nparams, const char *const *params, int binary,
		    char *err, size_t errsz);
/* A statement whose result only matters as success: 0 or -1. */
int		 dbconn_cmd(struct dbconn *, const char *sql, int nparams,
		    const char *const *params, char *err, size_t errsz);
/* SQLSTATE of the last failed dbconn_exec(), "" if none or no answer. */
const char	*dbconn_sqlstate(const struct dbconn *);
/* 1 if the last failure was a timeout or a lost connection. */
int		 dbconn_lost(const struct dbconn *);
/* The client-side deadline of one statement, in ms. */
int		 dbconn_timeout_ms(const struct dbconn *);

#endif
