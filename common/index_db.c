/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Filling the shared check index from PostgreSQL: the master does it at
 * start-up, before any child runs.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "hcd.h"
#include "index.h"
#include "index_db.h"
#include "log.h"
#include "uuid.h"

int
index_load(struct index *x, PGconn *db, char *err, size_t errsz)
{
	PGresult	*r;
	int		 i, n;
	uint8_t		 code[16];
	const char	*e;
	uint64_t	 removed;

	uint32_t	 gen = index_refresh_begin(x);

	if ((r = db_query(db, "SELECT id, ping_key FROM accounts_project "
	    "WHERE ping_key IS NOT NULL AND ping_key <> ''", 0, NULL, err,
	    errsz)) == NULL)
		return -1;
	n = PQntuples(r);
	for (i = 0; i < n; i++) {
		int64_t id = hc_strtonum(PQgetvalue(r, i, 0), 1, INT64_MAX, &e);

		if (e == NULL &&
		    index_put_project(x, PQgetvalue(r, i, 1), id) == -1) {
			snprintf(err, errsz, "project index full");
			PQclear(r);
			return -1;
		}
	}
	PQclear(r);

	if ((r = db_query(db, "SELECT id, code, project_id, slug FROM "
	    "api_check", 0, NULL, err, errsz)) == NULL)
		return -1;
	n = PQntuples(r);
	for (i = 0; i < n; i++) {
		int64_t id, pid;

		id = hc_strtonum(PQgetvalue(r, i, 0), 1, INT64_MAX, &e);
		if (e != NULL)
			continue;
		pid = hc_strtonum(PQgetvalue(r, i, 2), 1, INT64_MAX, &e);
		if (e != NULL || uuid_parse_text(PQgetvalue(r, i, 1), code) == -1)
			continue;
		if (index_put_check(x, code, id, pid, PQgetvalue(r, i, 3)) == -1) {
			snprintf(err, errsz, "check index full at %d checks: "
			    "raise MAX_CHECKS", i);
			PQclear(r);
			return -1;
		}
	}
	PQclear(r);
	removed = index_refresh_end(x, gen);
	if (removed)
		log_info("check index: %llu stale entries removed",
		    (unsigned long long)removed);
	return n;
}
