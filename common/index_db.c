/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Filling the shared check index from PostgreSQL: the master does it at
 * start-up, before any child runs, and at reload; the alerter's
 * listener (alerter/listen.c) at each new session, and then applies
 * the changes announced on INDEX_CHANNEL as they come.
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

/*
 * The next space-separated field of *p into out (at most outsz - 1
 * bytes); *p moves past it and its space.  0, or -1 if there is none
 * or it is too long.
 */
static int
notify_field(const char **p, char *out, size_t outsz)
{
	size_t n = strcspn(*p, " ");

	if (n == 0 || n >= outsz)
		return -1;
	memcpy(out, *p, n);
	out[n] = '\0';
	*p += n;
	if (**p == ' ')
		(*p)++;
	return 0;
}

static int
notify_id(const char **p, int64_t *id)
{
	char		 f[24];
	const char	*e;

	if (notify_field(p, f, sizeof(f)) == -1)
		return -1;
	*id = hc_strtonum(f, 1, INT64_MAX, &e);
	return e == NULL ? 0 : -1;
}

static int
notify_code(const char **p, uint8_t code[16])
{
	char f[40];

	if (notify_field(p, f, sizeof(f)) == -1)
		return -1;
	return uuid_parse_text(f, code);
}

int
index_apply_notify(struct index *x, const char *payload, char *err,
    size_t errsz)
{
	const char	*p = payload;
	char		 kind;
	int64_t		 id, pid, n;
	uint8_t		 code[16];

	kind = *p;
	if (kind == '\0' || p[1] != ' ')
		goto bad;
	p += 2;
	if (notify_id(&p, &n) == -1)	/* keeps payloads distinct; unused */
		goto bad;
	switch (kind) {
	case 'c':
		/* The slug is the rest: "" is a check without one. */
		if (notify_id(&p, &id) == -1 || notify_id(&p, &pid) == -1 ||
		    notify_code(&p, code) == -1)
			goto bad;
		if (index_put_check(x, code, id, pid, p) == -1) {
			snprintf(err, errsz, "check index full: raise "
			    "MAX_CHECKS");
			return -1;
		}
		return 0;
	case 'd':
		if (notify_code(&p, code) == -1 || *p != '\0')
			goto bad;
		(void)index_del_check(x, code);
		return 0;
	case 'p':
		if (notify_id(&p, &id) == -1 || *p == '\0')
			goto bad;
		if (strlen(p) > IDX_KEY_MAX)
			return 0;	/* as index_load: no ping by key */
		if (index_put_project(x, p, id) == -1) {
			snprintf(err, errsz, "project index full: raise "
			    "MAX_CHECKS");
			return -1;
		}
		return 0;
	case 'q':
		if (*p == '\0')
			goto bad;
		(void)index_del_project(x, p);
		return 0;
	case 'r':
		if (*p != '\0')
			goto bad;
		return 1;
	}
bad:
	snprintf(err, errsz, "malformed payload \"%.64s\"", payload);
	return -1;
}
