/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The management API of the worker (spec 6), versions 1, 2 and 3 from
 * one code path.  Authentication by project API key (X-Api-Key, or
 * api_key in a JSON body), CORS, and the endpoints: status, checks
 * (list, create or upsert, get by UUID or unique_key, update, delete,
 * pause, resume), a check's pings, ping bodies and flips, channels,
 * badges and the operator's metrics.  Validation follows Healthchecks'
 * schema: fields in its order, first error only, exact messages.
 *
 * These handlers use the worker's own blocking libpq connection: a
 * management request holds up that worker's other connections for the
 * length of its queries.  The ping path never waits on it.  A change
 * that the ping path must see (a check created, re-slugged or deleted)
 * goes into the shared index right after its commit.
 */
#include <openssl/sha.h>

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "apikey.h"
#include "check.h"
#include "conf.h"
#include "cron.h"
#include "db.h"
#include "hcd.h"
#include "index.h"
#include "json.h"
#include "log.h"
#include "oncalendar.h"
#include "proc.h"
#include "route.h"
#include "shm.h"
#include "tz.h"
#include "worker.h"

#define MAX_DURATION_US		(72LL * 3600 * CT_SEC)	/* spec 1.7 */
#define PINGS_MAX		1000
#define DURATION_MISSES_MAX	10
#define TAGS_MAX		32	/* ?tag= values used in the SQL prefilter */

struct api {
	struct req	*a_q;
	struct resp	*a_r;
	int		 a_version;	/* 1, 2, 3 */
	const char	*a_rest;	/* after "/api/vN/" */
	size_t		 a_rest_len;
	int64_t		 a_project;	/* authenticated project */
	int		 a_readonly;
	struct json_doc	*a_doc;		/* parsed POST body, if any */
	int		 a_root;
};

PGconn *
worker_db(struct worker *w)
{
	char	 err[512], *ci;

	if (w->w_db != NULL && PQstatus(w->w_db) == CONNECTION_OK)
		return w->w_db;
	if (w->w_db != NULL) {
		PQfinish(w->w_db);
		w->w_db = NULL;
	}
	ci = conf_conninfo(w->w_conf);
	w->w_db = db_connect(ci, err, sizeof(err));
	free(ci);
	if (w->w_db == NULL) {
		log_warnx("database: %s", err);
		return NULL;
	}
	if (db_exec(w->w_db, "SET TIME ZONE 'UTC'", err, sizeof(err)) == -1) {
		PQfinish(w->w_db);
		w->w_db = NULL;
		return NULL;
	}
	return w->w_db;
}

static void
json_error(struct resp *r, int status, const char *msg)
{
	struct json_w j;

	r->r_status = status;
	r->r_ctype = "application/json";
	buf_reset(&r->r_body);
	json_w_init(&j, &r->r_body);
	json_w_obj_begin(&j);
	json_w_key(&j, "error");
	json_w_str(&j, msg);
	json_w_obj_end(&j);
}

static void
empty(struct resp *r, int status)
{
	r->r_status = status;
	r->r_ctype = NULL;
	buf_reset(&r->r_body);
}

static void
cors(struct resp *r, const char *methods)
{
	r->r_cors = 1;
	buf_printf(&r->r_hdrs, "Access-Control-Allow-Headers: X-Api-Key\r\n"
	    "Access-Control-Allow-Methods: %s, OPTIONS\r\n"
	    "Access-Control-Max-Age: 600\r\n", methods);
}

static int
method_is(const struct api *a, const char *m)
{
	const struct http_req *h = a->a_q->q_http;

	return h->method_len == strlen(m) && memcmp(h->method, m,
	    h->method_len) == 0;
}

static void
json_begin(struct api *a, int status, struct json_w *j)
{
	a->a_r->r_status = status;
	a->a_r->r_ctype = "application/json";
	buf_reset(&a->a_r->r_body);
	json_w_init(j, &a->a_r->r_body);
}

/* A 200 answer {"<key>": [ ... ]}: open it, then close it. */
static void
list_begin(struct api *a, struct json_w *j, const char *key)
{
	json_begin(a, 200, j);
	json_w_obj_begin(j);
	json_w_key(j, key);
	json_w_arr_begin(j);
}

static void
list_end(struct json_w *j)
{
	json_w_arr_end(j);
	json_w_obj_end(j);
}

/*
 * The project of a 32-char key: 1 found (*project, *readonly set), 0 no
 * such key among those accepted, -1 database error.  Hashed hcw_/hcr_
 * keys by their 8-char prefix, legacy plain keys whole.
 */
int
api_project_by_key(PGconn *db, const char *secret, const char *key,
    int accept_rw, int accept_ro, int64_t *project, int *readonly)
{
	char		 prefix[APIKEY_PREFIX_LEN + 1];
	char		 like[APIKEY_PREFIX_LEN + 2];
	const char	*params[1];
	PGresult	*r;
	int		 i, found = 0;

	if (apikey_lookup_prefix(key, prefix) == 0) {
		snprintf(like, sizeof(like), "%s%%", prefix);
		params[0] = like;
		r = PQexecParams(db, "SELECT id, api_key, api_key_readonly "
		    "FROM accounts_project WHERE api_key LIKE $1 OR "
		    "api_key_readonly LIKE $1", 1, NULL, params, NULL, NULL, 0);
	} else {
		params[0] = key;
		r = PQexecParams(db, "SELECT id, api_key, api_key_readonly "
		    "FROM accounts_project WHERE api_key = $1 OR "
		    "api_key_readonly = $1", 1, NULL, params, NULL, NULL, 0);
	}
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		log_warnx("%s: %s", __func__, PQerrorMessage(db));
		PQclear(r);
		return -1;
	}
	for (i = 0; i < PQntuples(r) && !found; i++) {
		const char *e;
		int64_t id = hc_strtonum(PQgetvalue(r, i, 0), 1, INT64_MAX, &e);

		if (accept_rw && apikey_matches(secret, key,
		    PQgetvalue(r, i, 1))) {
			*project = id;
			*readonly = 0;
			found = 1;
		} else if (accept_ro && apikey_matches(secret, key,
		    PQgetvalue(r, i, 2))) {
			*project = id;
			*readonly = 1;
			found = 1;
		}
	}
	PQclear(r);
	return found;
}

/*
 * Find the project of an API key.  Returns 0 (a_project, a_readonly
 * set), or -1 with the 401 answer written.  `write` endpoints refuse
 * read-only keys.
 */
static int
api_auth(struct api *a, int write)
{
	struct worker		*w = a->a_q->q_w;
	const struct http_hdr	*h;
	char			 key[APIKEY_LEN + 1];
	PGconn			*db;
	int			 tok, rv;
	size_t			 n = 0;

	key[0] = '\0';
	if ((h = http_req_header(a->a_q->q_http, "X-Api-Key")) != NULL) {
		n = h->value_len;
		if (n == APIKEY_LEN)
			memcpy(key, h->value, n);
	} else if (a->a_doc != NULL &&
	    (tok = json_obj_get(a->a_doc, a->a_root, "api_key")) != -1 &&
	    json_type(a->a_doc, tok) == JSON_STRING) {
		char *s = json_str(a->a_doc, tok);

		n = s == NULL ? 0 : strlen(s);
		if (n == APIKEY_LEN)
			memcpy(key, s, n);
		free(s);
	}
	if (n != APIKEY_LEN) {
		json_error(a->a_r, 401, "missing api key");
		return -1;
	}
	key[APIKEY_LEN] = '\0';
	if ((db = worker_db(w)) == NULL) {
		json_error(a->a_r, 503, "database unavailable");
		return -1;
	}
	rv = api_project_by_key(db, w->w_conf->secret_key, key, 1, 1,
	    &a->a_project, &a->a_readonly);
	if (rv == -1) {
		json_error(a->a_r, 503, "database unavailable");
		return -1;
	}
	if (rv == 0 || (write && a->a_readonly)) {
		json_error(a->a_r, 401, "wrong api key");
		return -1;
	}
	return 0;
}

/* ---- checks as stored, and as the API shows them ---- */

#define CHECK_COLS							\
	"c.id, c.code, c.name, c.slug, c.tags, c.\"desc\", c.kind, "	\
	"(extract(epoch FROM c.timeout) * 1000000)::bigint, "		\
	"(extract(epoch FROM c.grace) * 1000000)::bigint, "		\
	"c.schedule, c.tz, c.status, "					\
	"(extract(epoch FROM c.last_ping) * 1000000)::bigint, "		\
	"(extract(epoch FROM c.last_start) * 1000000)::bigint, "	\
	"(extract(epoch FROM c.last_duration) * 1000000)::bigint, "	\
	"c.n_pings, c.manual_resume, c.methods, c.filter_subject, "	\
	"c.filter_body, c.filter_http_body, c.filter_default_fail, "	\
	"c.start_kw, c.success_kw, c.failure_kw, c.badge_key, "		\
	"c.project_id, "						\
	"(SELECT string_agg(ch.code::text, ',' ORDER BY ch.code::text) "\
	"   FROM api_channel_checks cc JOIN api_channel ch "		\
	"   ON ch.id = cc.channel_id WHERE cc.check_id = c.id) "

enum {
	COL_ID, COL_CODE, COL_NAME, COL_SLUG, COL_TAGS, COL_DESC, COL_KIND,
	COL_TIMEOUT, COL_GRACE, COL_SCHEDULE, COL_TZ, COL_STATUS,
	COL_LAST_PING, COL_LAST_START, COL_LAST_DURATION, COL_N_PINGS,
	COL_MANUAL_RESUME, COL_METHODS, COL_FILTER_SUBJECT, COL_FILTER_BODY,
	COL_FILTER_HTTP_BODY, COL_FILTER_DEFAULT_FAIL, COL_START_KW,
	COL_SUCCESS_KW, COL_FAILURE_KW, COL_BADGE_KEY, COL_PROJECT,
	COL_CHANNELS
};

static int
col_bool(PGresult *r, int row, int col)
{
	return *PQgetvalue(r, row, col) == 't';
}

/* COL_KIND to COL_LAST_START are DB_STATE_COLS, in their order. */
static void
state_from_row(PGresult *r, int row, struct check_state *s)
{
	db_check_state(r, row, COL_KIND, s);
	s->cs_last_duration = db_getint(r, row, COL_LAST_DURATION, CT_NONE);
}

/* unique_key: hex SHA-1 of the first 16 hex digits of the UUID. */
void
api_unique_key(const char *code, char out[41])
{
	unsigned char	d[SHA_DIGEST_LENGTH];
	char		hex[33];
	size_t		i, n = 0;
	static const char x[] = "0123456789abcdef";

	for (i = 0; code[i] && n < 32; i++)
		if (code[i] != '-')
			hex[n++] = code[i];
	hex[n] = '\0';
	SHA1((const unsigned char *)hex, n < 16 ? n : 16, d);
	for (i = 0; i < SHA_DIGEST_LENGTH; i++) {
		out[2 * i] = x[d[i] >> 4];
		out[2 * i + 1] = x[d[i] & 15];
	}
	out[40] = '\0';
}

/*
 * Check.tags_list(): split on single spaces, strip surrounding
 * whitespace, drop the empty ones.  Calls fn for each tag (a NUL-
 * terminated copy); stops early when fn returns nonzero, and returns that.
 */
int
api_tags_each(const char *tags, int (*fn)(const char *, void *), void *arg)
{
	const char	*p = tags, *e, *s, *t;
	char		*tag;
	int		 rv = 0;

	while (rv == 0 && *p) {
		if ((e = strchr(p, ' ')) == NULL)
			e = p + strlen(p);
		s = p;
		t = e;
		while (s < t && isspace((unsigned char)*s))
			s++;
		while (t > s && isspace((unsigned char)t[-1]))
			t--;
		if (t > s) {
			tag = xstrndup(s, (size_t)(t - s));
			rv = fn(tag, arg);
			free(tag);
		}
		p = *e ? e + 1 : e;
	}
	return rv;
}

static int
tag_eq(const char *tag, void *arg)
{
	return strcmp(tag, (const char *)arg) == 0;
}

/* 1 if `tag` is one of the tags in `tags`. */
int
api_has_tag(const char *tags, const char *tag)
{
	return api_tags_each(tags, tag_eq, (void *)(uintptr_t)tag) != 0;
}

static void
check_json(struct api *a, struct json_w *j, PGresult *r, int row)
{
	const struct conf	*cf = a->a_q->q_w->w_conf;
	struct check_state	 s;
	const char		*code = PQgetvalue(r, row, COL_CODE);
	int64_t			 now = hc_now_us(), t;
	int			 st, fs = col_bool(r, row, COL_FILTER_SUBJECT);
	char			*url;

	state_from_row(r, row, &s);
	st = check_get_status(&s, now, a->a_version == 1);
	json_w_obj_begin(j);
	json_w_key(j, "name");
	json_w_str(j, PQgetvalue(r, row, COL_NAME));
	json_w_key(j, "slug");
	json_w_str(j, PQgetvalue(r, row, COL_SLUG));
	json_w_key(j, "tags");
	json_w_str(j, PQgetvalue(r, row, COL_TAGS));
	json_w_key(j, "desc");
	json_w_str(j, PQgetvalue(r, row, COL_DESC));
	json_w_key(j, "grace");
	json_w_int(j, s.cs_grace / CT_SEC);
	json_w_key(j, "n_pings");
	json_w_int(j, db_getint(r, row, COL_N_PINGS, CT_NONE));
	json_w_key(j, "status");
	json_w_str(j, check_status_name(st));
	json_w_key(j, "started");
	json_w_bool(j, s.cs_last_start != CT_NONE);
	json_w_key(j, "last_ping");
	if (s.cs_last_ping == CT_NONE)
		json_w_null(j);
	else
		json_w_time(j, s.cs_last_ping);
	json_w_key(j, "next_ping");
	if ((t = check_grace_start(&s, 1)) == CT_NONE)
		json_w_null(j);
	else
		json_w_time(j, t);
	json_w_key(j, "manual_resume");
	json_w_bool(j, col_bool(r, row, COL_MANUAL_RESUME));
	json_w_key(j, "methods");
	json_w_str(j, PQgetvalue(r, row, COL_METHODS));
	json_w_key(j, "subject");
	json_w_str(j, fs ? PQgetvalue(r, row, COL_SUCCESS_KW) : "");
	json_w_key(j, "subject_fail");
	json_w_str(j, fs ? PQgetvalue(r, row, COL_FAILURE_KW) : "");
	json_w_key(j, "start_kw");
	json_w_str(j, PQgetvalue(r, row, COL_START_KW));
	json_w_key(j, "success_kw");
	json_w_str(j, PQgetvalue(r, row, COL_SUCCESS_KW));
	json_w_key(j, "failure_kw");
	json_w_str(j, PQgetvalue(r, row, COL_FAILURE_KW));
	json_w_key(j, "filter_subject");
	json_w_bool(j, fs);
	json_w_key(j, "filter_body");
	json_w_bool(j, col_bool(r, row, COL_FILTER_BODY));
	json_w_key(j, "filter_http_body");
	json_w_bool(j, col_bool(r, row, COL_FILTER_HTTP_BODY));
	json_w_key(j, "filter_default_fail");
	json_w_bool(j, col_bool(r, row, COL_FILTER_DEFAULT_FAIL));
	url = xasprintf("%s/b/2/%s.svg", cf->site_root,
	    PQgetvalue(r, row, COL_BADGE_KEY));
	json_w_key(j, "badge_url");
	json_w_str(j, url);
	free(url);
	if (s.cs_last_duration != CT_NONE && s.cs_last_duration != 0) {
		json_w_key(j, "last_duration");
		json_w_int(j, s.cs_last_duration / CT_SEC);
	}
	if (!a->a_readonly) {
		json_w_key(j, "uuid");
		json_w_str(j, code);
		url = xasprintf("%s%s", cf->ping_endpoint, code);
		json_w_key(j, "ping_url");
		json_w_str(j, url);
		free(url);
		url = xasprintf("%s/api/v%d/checks/%s", cf->site_root,
		    a->a_version, code);
		json_w_key(j, "update_url");
		json_w_str(j, url);
		free(url);
		url = xasprintf("%s/api/v%d/checks/%s/pause", cf->site_root,
		    a->a_version, code);
		json_w_key(j, "pause_url");
		json_w_str(j, url);
		free(url);
		url = xasprintf("%s/api/v%d/checks/%s/resume", cf->site_root,
		    a->a_version, code);
		json_w_key(j, "resume_url");
		json_w_str(j, url);
		free(url);
		json_w_key(j, "channels");
		json_w_str(j, PQgetvalue(r, row, COL_CHANNELS));
	} else {
		char uk[41];

		api_unique_key(code, uk);
		json_w_key(j, "unique_key");
		json_w_str(j, uk);
	}
	if (s.cs_kind == CK_SIMPLE) {
		json_w_key(j, "timeout");
		json_w_int(j, s.cs_timeout / CT_SEC);
	} else {
		json_w_key(j, "schedule");
		json_w_str(j, s.cs_schedule);
		json_w_key(j, "tz");
		json_w_str(j, s.cs_tz);
	}
	json_w_obj_end(j);
}

static void
reply_check(struct api *a, int status, PGresult *r, int row)
{
	struct json_w j;

	json_begin(a, status, &j);
	check_json(a, &j, r, row);
}

/* ---- validation (spec 6.4) ---- */

enum ftype { F_STR, F_INT, F_BOOL, F_ENUM, F_SCHEDULE, F_TZ, F_ARRAY };

struct field {
	const char	*f_name;
	enum ftype	 f_type;
	int		 f_max;		/* F_STR length; F_INT max */
	int		 f_min;		/* F_INT min */
	const char	*f_pattern;	/* F_STR: "slug" */
	const char	*f_enum[6];	/* F_ENUM / F_ARRAY items */
};

/*
 * In the order Healthchecks' schema (a pydantic model) declares them,
 * which is the order it reports errors in: the first error wins.
 */
static const struct field check_fields[] = {
	{ "channels", F_STR, 0, 0, NULL, { NULL } },
	{ "desc", F_STR, 0, 0, NULL, { NULL } },
	{ "failure_kw", F_STR, 200, 0, NULL, { NULL } },
	{ "filter_body", F_BOOL, 0, 0, NULL, { NULL } },
	{ "filter_default_fail", F_BOOL, 0, 0, NULL, { NULL } },
	{ "filter_http_body", F_BOOL, 0, 0, NULL, { NULL } },
	{ "filter_subject", F_BOOL, 0, 0, NULL, { NULL } },
	{ "grace", F_INT, 31536000, 60, NULL, { NULL } },
	{ "manual_resume", F_BOOL, 0, 0, NULL, { NULL } },
	{ "methods", F_ENUM, 0, 0, NULL, { "", "POST", NULL } },
	{ "name", F_STR, 100, 0, NULL, { NULL } },
	{ "schedule", F_SCHEDULE, 100, 0, NULL, { NULL } },
	{ "slug", F_STR, 100, 0, "slug", { NULL } },
	{ "start_kw", F_STR, 200, 0, NULL, { NULL } },
	{ "subject", F_STR, 200, 0, NULL, { NULL } },
	{ "subject_fail", F_STR, 200, 0, NULL, { NULL } },
	{ "success_kw", F_STR, 200, 0, NULL, { NULL } },
	{ "tags", F_STR, 0, 0, NULL, { NULL } },
	{ "timeout", F_INT, 31536000, 60, NULL, { NULL } },
	{ "tz", F_TZ, 0, 0, NULL, { NULL } },
	{ "unique", F_ARRAY, 0, 0, NULL,
	    { "name", "slug", "tags", "timeout", "grace", NULL } },
};
#define NFIELDS	(sizeof(check_fields) / sizeof(check_fields[0]))

/* Healthchecks tests schedules for a next match after 2000-01-01. */
#define SCHEDULE_TEST_FROM	946684800LL

static size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static int
in_enum(const char *const *e, const char *s)
{
	for (; *e != NULL; e++)
		if (strcmp(*e, s) == 0)
			return 1;
	return 0;
}

static int
schedule_ok(const char *s)
{
	const char	*errstr;
	int64_t		 next;
	int		 ok;

	if (sched_kind_of(s)) {
		struct cron cr;

		ok = cron_parse(s, &cr, &errstr) == 0 &&
		    cron_next(&cr, tz_get("UTC"), SCHEDULE_TEST_FROM,
		    &next) == 0;
	} else {
		struct oncal *oc = oncal_parse(s, &errstr);

		ok = oc != NULL && oncal_next(oc, tz_get("UTC"),
		    SCHEDULE_TEST_FROM, &next) == 0;
		oncal_free(oc);
	}
	return ok;
}

#define FAIL(fmt) do {							\
	snprintf(msg, msgsz, fmt, subject);				\
	goto fail;							\
} while (0)

/* Validates one value; writes the message (without the prefix) on error. */
static int
field_check(const struct json_doc *d, int tok, const struct field *f,
    const char *subject, char *msg, size_t msgsz)
{
	enum json_type	 t = json_type(d, tok);
	char		*s = NULL;
	const char	*p;
	size_t		 len;
	int64_t		 v;
	int		 i, n, rc;

	switch (f->f_type) {
	case F_ENUM:
		/* A Literal: anything but one of its strings. */
		if (t != JSON_STRING)
			FAIL("%s has unexpected value");
		s = json_strn(d, tok, &len);
		if (s == NULL || strlen(s) != len || !in_enum(f->f_enum, s))
			FAIL("%s has unexpected value");
		break;
	case F_STR:
	case F_SCHEDULE:
	case F_TZ:
		if (t != JSON_STRING)
			FAIL("%s is not a string");
		s = json_strn(d, tok, &len);
		/* NUL inside a string: PostgreSQL text cannot hold it. */
		if (s == NULL || strlen(s) != len)
			FAIL("%s does not match pattern");
		if (f->f_max && utf8_chars(s) > (size_t)f->f_max)
			FAIL("%s is too long");
		if (f->f_pattern != NULL) {
			for (p = s; *p; p++)
				if (!(islower((unsigned char)*p) ||
				    isdigit((unsigned char)*p) || *p == '-' ||
				    *p == '_'))
					break;
			if (*p)
				FAIL("%s does not match pattern");
		}
		if (f->f_type == F_SCHEDULE && !schedule_ok(s))
			FAIL("%s is not a valid cron or OnCalendar expression");
		if (f->f_type == F_TZ && tz_get(s) == NULL)
			FAIL("%s is not a valid timezone");
		break;
	case F_INT:
		/*
		 * Python's bool is an int (true is 1 second: too small);
		 * a float literal is not an int at all.
		 */
		if (t == JSON_TRUE || t == JSON_FALSE)
			v = t == JSON_TRUE;
		else if (t != JSON_NUMBER || !json_is_intlit(d, tok))
			FAIL("%s is not a number");
		else if ((rc = json_int(d, tok, &v)) != 0 && rc != -1)
			FAIL("%s is not a number");
		if (v < f->f_min)
			FAIL("%s is too small");
		if (v > f->f_max)
			FAIL("%s is too large");
		break;
	case F_BOOL:
		if (t != JSON_TRUE && t != JSON_FALSE)
			FAIL("%s is not a boolean");
		break;
	case F_ARRAY:
		if (t != JSON_ARRAY)
			FAIL("%s is not an array");
		n = json_arr_len(d, tok);
		for (i = 0; i < n; i++) {
			struct field item = *f;
			int it = json_arr_get(d, tok, i);

			item.f_type = F_ENUM;
			if (field_check(d, it, &item, "an item in 'unique'",
			    msg, msgsz) == -1)
				return -1;
		}
		break;
	}
	free(s);
	return 0;
fail:
	free(s);
	return -1;
}

#undef FAIL

/* 0, or -1 with the whole "json validation error: ..." text in msg. */
static int
validate_check(struct api *a, char *msg, size_t msgsz)
{
	size_t	i;
	int	tok;
	char	m[160];

	if (a->a_doc == NULL)
		return 0;
	for (i = 0; i < NFIELDS; i++) {
		const struct field *f = &check_fields[i];

		if ((tok = json_obj_get(a->a_doc, a->a_root, f->f_name)) == -1)
			continue;
		if (field_check(a->a_doc, tok, f, f->f_name, m,
		    sizeof(m)) == -1) {
			snprintf(msg, msgsz, "json validation error: %s", m);
			return -1;
		}
	}
	return 0;
}

/*
 * Django's slugify on ASCII: drop what is not a word character,
 * whitespace or '-', lower-case, runs of '-' and whitespace become one
 * '-', and '-' and '_' are stripped from both ends.  Non-ASCII input is
 * dropped (Django first folds accents by NFKD; hcd does not).
 */
char *
api_slugify(const char *s)
{
	struct buf	b;
	int		sep = 0;
	size_t		end;

	buf_init(&b);
	buf_addstr(&b, "");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x80)
			continue;
		if (isalnum(c) || c == '_') {
			if (sep)
				buf_addc(&b, '-');
			sep = 0;
			buf_addc(&b, tolower(c));
		} else if (c == '-' || isspace(c))
			sep = 1;
	}
	if (sep)
		buf_addc(&b, '-');
	/* strip("-_") */
	end = b.b_len;
	while (end > 0 && (b.b_data[end - 1] == '-' ||
	    b.b_data[end - 1] == '_'))
		end--;
	b.b_data[end] = '\0';
	b.b_len = end;
	{
		size_t st = 0;

		while (st < b.b_len && (b.b_data[st] == '-' ||
		    b.b_data[st] == '_'))
			st++;
		memmove(b.b_data, b.b_data + st, b.b_len - st + 1);
		b.b_len -= st;
	}
	return (char *)b.b_data;
}

/* The fields of one create/update request, after validation. */
enum { U_NAME = 1, U_SLUG = 2, U_TAGS = 4, U_TIMEOUT = 8, U_GRACE = 16 };

struct spec {
	char	*s_name, *s_slug, *s_tags, *s_desc, *s_schedule, *s_tz;
	char	*s_methods, *s_start_kw, *s_success_kw, *s_failure_kw;
	char	*s_subject, *s_subject_fail, *s_channels;
	int64_t	 s_timeout, s_grace;		/* seconds, -1 absent */
	int	 s_manual_resume, s_filter_subject, s_filter_body;
	int	 s_filter_http_body, s_filter_default_fail;	/* -1 absent */
	int	 s_unique;			/* U_* bits */
};

static char *
doc_str(struct api *a, const char *key)
{
	int tok;

	if (a->a_doc == NULL ||
	    (tok = json_obj_get(a->a_doc, a->a_root, key)) == -1)
		return NULL;
	return json_str(a->a_doc, tok);
}

static int
doc_bool(struct api *a, const char *key)
{
	int tok;

	if (a->a_doc == NULL ||
	    (tok = json_obj_get(a->a_doc, a->a_root, key)) == -1)
		return -1;
	return json_type(a->a_doc, tok) == JSON_TRUE;
}

static int64_t
doc_secs(struct api *a, const char *key)
{
	int64_t	v = -1;
	int	tok;

	if (a->a_doc == NULL ||
	    (tok = json_obj_get(a->a_doc, a->a_root, key)) == -1)
		return -1;
	if (json_int(a->a_doc, tok, &v) != 0)
		return -1;
	return v;
}

static void
spec_parse(struct api *a, struct spec *sp)
{
	int	tok, i, n;

	memset(sp, 0, sizeof(*sp));
	sp->s_name = doc_str(a, "name");
	sp->s_slug = doc_str(a, "slug");
	sp->s_tags = doc_str(a, "tags");
	sp->s_desc = doc_str(a, "desc");
	sp->s_schedule = doc_str(a, "schedule");
	sp->s_tz = doc_str(a, "tz");
	if (sp->s_tz != NULL) {
		/* Legacy names are stored by their canonical name. */
		const struct tz *z = tz_get(sp->s_tz);

		if (z != NULL && strcmp(tz_name(z), sp->s_tz) != 0) {
			char *c = xstrdup(tz_name(z));

			free(sp->s_tz);
			sp->s_tz = c;
		}
	}
	sp->s_methods = doc_str(a, "methods");
	sp->s_start_kw = doc_str(a, "start_kw");
	sp->s_success_kw = doc_str(a, "success_kw");
	sp->s_failure_kw = doc_str(a, "failure_kw");
	sp->s_subject = doc_str(a, "subject");
	sp->s_subject_fail = doc_str(a, "subject_fail");
	sp->s_channels = doc_str(a, "channels");
	sp->s_timeout = doc_secs(a, "timeout");
	sp->s_grace = doc_secs(a, "grace");
	sp->s_manual_resume = doc_bool(a, "manual_resume");
	sp->s_filter_subject = doc_bool(a, "filter_subject");
	sp->s_filter_body = doc_bool(a, "filter_body");
	sp->s_filter_http_body = doc_bool(a, "filter_http_body");
	sp->s_filter_default_fail = doc_bool(a, "filter_default_fail");
	if (a->a_doc != NULL &&
	    (tok = json_obj_get(a->a_doc, a->a_root, "unique")) != -1) {
		static const char *names[] = { "name", "slug", "tags",
		    "timeout", "grace" };

		n = json_arr_len(a->a_doc, tok);
		for (i = 0; i < n; i++) {
			int it = json_arr_get(a->a_doc, tok, i), k;

			for (k = 0; k < 5; k++)
				if (json_str_eq(a->a_doc, it, names[k]))
					sp->s_unique |= 1 << k;
		}
	}
}

static void
spec_free(struct spec *sp)
{
	free(sp->s_name);
	free(sp->s_slug);
	free(sp->s_tags);
	free(sp->s_desc);
	free(sp->s_schedule);
	free(sp->s_tz);
	free(sp->s_methods);
	free(sp->s_start_kw);
	free(sp->s_success_kw);
	free(sp->s_failure_kw);
	free(sp->s_subject);
	free(sp->s_subject_fail);
	free(sp->s_channels);
}

/* ---- database helpers ---- */

static PGresult *
select_checks(PGconn *db, const char *where, int nparams,
    const char *const *params)
{
	char		*sql;
	PGresult	*r;

	sql = xasprintf("SELECT " CHECK_COLS "FROM api_check c WHERE %s "
	    "ORDER BY c.created, c.id", where);
	r = PQexecParams(db, sql, nparams, NULL, params, NULL, NULL, 0);
	free(sql);
	return r;
}

static int
db_failed(struct api *a, PGconn *db, PGresult *r, ExecStatusType want)
{
	if (PQresultStatus(r) == want)
		return 0;
	log_warnx("api: %s", PQerrorMessage(db));
	PQclear(r);
	json_error(a->a_r, 503, "database unavailable");
	return 1;
}

/* A statement whose result does not matter beyond success. */
static int
exec_params(struct api *a, PGconn *db, const char *sql, int n,
    const char *const *params)
{
	PGresult *r = PQexecParams(db, sql, n, NULL, params, NULL, NULL, 0);

	if (PQresultStatus(r) != PGRES_COMMAND_OK &&
	    PQresultStatus(r) != PGRES_TUPLES_OK) {
		db_failed(a, db, r, PGRES_COMMAND_OK);
		return -1;
	}
	PQclear(r);
	return 0;
}

static void
rollback(PGconn *db)
{
	char err[128];

	db_exec(db, "ROLLBACK", err, sizeof(err));
}

static int
begin(struct api *a, PGconn *db)
{
	char err[256];

	if (db_exec(db, "BEGIN", err, sizeof(err)) == -1) {
		log_warnx("api: %s", err);
		json_error(a->a_r, 503, "database unavailable");
		return -1;
	}
	return 0;
}

static int
commit(struct api *a, PGconn *db)
{
	char err[256];

	if (db_exec(db, "COMMIT", err, sizeof(err)) == -1) {
		log_warnx("api: %s", err);
		json_error(a->a_r, 503, "database unavailable");
		rollback(db);
		return -1;
	}
	return 0;
}

static void
fmt_id(char *out, size_t outsz, int64_t id)
{
	snprintf(out, outsz, "%lld", (long long)id);
}

/* Answer with the check `id` as it is now. */
static void
reply_check_id(struct api *a, PGconn *db, int status, int64_t id)
{
	char		 ids[24];
	const char	*p[1] = { ids };
	PGresult	*r;

	fmt_id(ids, sizeof(ids), id);
	r = select_checks(db, "c.id = $1", 1, p);
	if (db_failed(a, db, r, PGRES_TUPLES_OK))
		return;
	if (PQntuples(r) == 0)
		empty(a->a_r, 404);
	else
		reply_check(a, status, r, 0);
	PQclear(r);
}

/* The ping log limit of the project's owner (Profile.ping_log_limit). */
static int64_t
ping_log_limit(PGconn *db, int64_t project)
{
	char		 pid[24];
	const char	*p[1] = { pid };
	PGresult	*r;
	int64_t		 v = 100;
	const char	*e;

	fmt_id(pid, sizeof(pid), project);
	r = PQexecParams(db, "SELECT pr.ping_log_limit FROM accounts_project p "
	    "JOIN accounts_profile pr ON pr.user_id = p.owner_id "
	    "WHERE p.id = $1", 1, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
		v = hc_strtonum(PQgetvalue(r, 0, 0), 0, INT32_MAX, &e);
		if (e != NULL)
			v = 100;
	}
	PQclear(r);
	return v;
}

/*
 * Look up a check by its UUID text for an endpoint of the key's project.
 * 0 with *id (and code[] if not NULL); -1 with 404 or 403 answered.
 */
static int
find_check(struct api *a, PGconn *db, const char *uuid, int64_t *id,
    int64_t *n_pings)
{
	const char	*p[1] = { uuid };
	PGresult	*r;
	const char	*e;
	int64_t		 proj;

	r = PQexecParams(db, "SELECT id, project_id, n_pings FROM api_check "
	    "WHERE code = $1", 1, NULL, p, NULL, NULL, 0);
	if (db_failed(a, db, r, PGRES_TUPLES_OK))
		return -1;
	if (PQntuples(r) == 0) {
		PQclear(r);
		resp_text(a->a_r, 404, "not found");
		return -1;
	}
	*id = hc_strtonum(PQgetvalue(r, 0, 0), 1, INT64_MAX, &e);
	proj = hc_strtonum(PQgetvalue(r, 0, 1), 1, INT64_MAX, &e);
	if (n_pings != NULL)
		*n_pings = hc_strtonum(PQgetvalue(r, 0, 2), 0, INT64_MAX, &e);
	PQclear(r);
	if (proj != a->a_project) {
		empty(a->a_r, 403);
		return -1;
	}
	return 0;
}

/* A check of the key's project by unique_key: its id, or 0. */
static int64_t
find_by_unique_key(struct api *a, PGconn *db, const char *uk, int *err)
{
	char		 pid[24], k[41];
	const char	*p[1] = { pid };
	PGresult	*r;
	int64_t		 id = 0;
	int		 i;
	const char	*e;

	*err = 0;
	fmt_id(pid, sizeof(pid), a->a_project);
	r = PQexecParams(db, "SELECT id, code FROM api_check WHERE "
	    "project_id = $1 ORDER BY id", 1, NULL, p, NULL, NULL, 0);
	if (db_failed(a, db, r, PGRES_TUPLES_OK)) {
		*err = 1;
		return 0;
	}
	for (i = 0; i < PQntuples(r); i++) {
		api_unique_key(PQgetvalue(r, i, 1), k);
		if (strcmp(k, uk) == 0) {
			id = hc_strtonum(PQgetvalue(r, i, 0), 1, INT64_MAX, &e);
			break;
		}
	}
	PQclear(r);
	return id;
}

/* ---- writing a check (Healthchecks' _update) ---- */

/* The writable columns of one check, locked FOR UPDATE. */
struct crow {
	char	*w_name, *w_slug, *w_tags, *w_desc, *w_kind, *w_schedule;
	char	*w_tz, *w_methods, *w_start_kw, *w_success_kw, *w_failure_kw;
	int64_t	 w_timeout, w_grace;		/* µs */
	int	 w_manual_resume, w_filter_subject, w_filter_body;
	int	 w_filter_http_body, w_filter_default_fail;
	int	 w_status;
	int64_t	 w_last_ping, w_last_start;
	uint8_t	 w_code[16];
};

static void
crow_free(struct crow *c)
{
	free(c->w_name);
	free(c->w_slug);
	free(c->w_tags);
	free(c->w_desc);
	free(c->w_kind);
	free(c->w_schedule);
	free(c->w_tz);
	free(c->w_methods);
	free(c->w_start_kw);
	free(c->w_success_kw);
	free(c->w_failure_kw);
}

static void
set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

static int
crow_load(struct api *a, PGconn *db, int64_t id, struct crow *c)
{
	char		 ids[24];
	const char	*p[1] = { ids };
	PGresult	*r;

	memset(c, 0, sizeof(*c));
	fmt_id(ids, sizeof(ids), id);
	r = PQexecParams(db, "SELECT name, slug, tags, \"desc\", kind, "
	    "schedule, tz, methods, start_kw, success_kw, failure_kw, "
	    "(extract(epoch FROM timeout) * 1000000)::bigint, "
	    "(extract(epoch FROM grace) * 1000000)::bigint, manual_resume, "
	    "filter_subject, filter_body, filter_http_body, "
	    "filter_default_fail, status, "
	    "(extract(epoch FROM last_ping) * 1000000)::bigint, "
	    "(extract(epoch FROM last_start) * 1000000)::bigint, code "
	    "FROM api_check WHERE id = $1 FOR UPDATE", 1, NULL, p, NULL, NULL,
	    0);
	if (db_failed(a, db, r, PGRES_TUPLES_OK))
		return -1;
	if (PQntuples(r) == 0) {
		PQclear(r);
		resp_text(a->a_r, 404, "not found");
		return -1;
	}
	c->w_name = xstrdup(PQgetvalue(r, 0, 0));
	c->w_slug = xstrdup(PQgetvalue(r, 0, 1));
	c->w_tags = xstrdup(PQgetvalue(r, 0, 2));
	c->w_desc = xstrdup(PQgetvalue(r, 0, 3));
	c->w_kind = xstrdup(PQgetvalue(r, 0, 4));
	c->w_schedule = xstrdup(PQgetvalue(r, 0, 5));
	c->w_tz = xstrdup(PQgetvalue(r, 0, 6));
	c->w_methods = xstrdup(PQgetvalue(r, 0, 7));
	c->w_start_kw = xstrdup(PQgetvalue(r, 0, 8));
	c->w_success_kw = xstrdup(PQgetvalue(r, 0, 9));
	c->w_failure_kw = xstrdup(PQgetvalue(r, 0, 10));
	c->w_timeout = db_getint(r, 0, 11, CT_NONE);
	c->w_grace = db_getint(r, 0, 12, CT_NONE);
	c->w_manual_resume = col_bool(r, 0, 13);
	c->w_filter_subject = col_bool(r, 0, 14);
	c->w_filter_body = col_bool(r, 0, 15);
	c->w_filter_http_body = col_bool(r, 0, 16);
	c->w_filter_default_fail = col_bool(r, 0, 17);
	c->w_status = check_status_parse(PQgetvalue(r, 0, 18));
	if (c->w_status < 0 || c->w_status > CS_PAUSED)
		c->w_status = CS_NEW;
	c->w_last_ping = db_getint(r, 0, 19, CT_NONE);
	c->w_last_start = db_getint(r, 0, 20, CT_NONE);
	uuid_parse_text(PQgetvalue(r, 0, 21), c->w_code);
	PQclear(r);
	return 0;
}

/* Apply the provided fields, in Healthchecks' order. */
static void
crow_apply(struct crow *c, const struct spec *sp, int version)
{
	if (sp->s_name != NULL && strcmp(c->w_name, sp->s_name) != 0) {
		set_str(&c->w_name, sp->s_name);
		if (version < 3) {
			free(c->w_slug);
			c->w_slug = api_slugify(sp->s_name);
		}
	}
	if (sp->s_schedule != NULL && sp->s_schedule[0] != '\0') {
		set_str(&c->w_kind, check_kind_name(sched_kind_of(
		    sp->s_schedule) ? CK_CRON : CK_ONCALENDAR));
		set_str(&c->w_schedule, sp->s_schedule);
	} else if (sp->s_timeout > 0) {
		set_str(&c->w_kind, check_kind_name(CK_SIMPLE));
		c->w_timeout = sp->s_timeout * CT_SEC;
	}
	if (sp->s_subject != NULL) {
		set_str(&c->w_success_kw, sp->s_subject);
		c->w_filter_subject = c->w_success_kw[0] || c->w_failure_kw[0];
	}
	if (sp->s_subject_fail != NULL) {
		set_str(&c->w_failure_kw, sp->s_subject_fail);
		c->w_filter_subject = c->w_success_kw[0] || c->w_failure_kw[0];
	}
	if (sp->s_slug != NULL)
		set_str(&c->w_slug, sp->s_slug);
	if (sp->s_tags != NULL)
		set_str(&c->w_tags, sp->s_tags);
	if (sp->s_desc != NULL)
		set_str(&c->w_desc, sp->s_desc);
	if (sp->s_manual_resume != -1)
		c->w_manual_resume = sp->s_manual_resume;
	if (sp->s_methods != NULL)
		set_str(&c->w_methods, sp->s_methods);
	if (sp->s_tz != NULL)
		set_str(&c->w_tz, sp->s_tz);
	if (sp->s_start_kw != NULL)
		set_str(&c->w_start_kw, sp->s_start_kw);
	if (sp->s_success_kw != NULL)
		set_str(&c->w_success_kw, sp->s_success_kw);
	if (sp->s_failure_kw != NULL)
		set_str(&c->w_failure_kw, sp->s_failure_kw);
	if (sp->s_filter_subject != -1)
		c->w_filter_subject = sp->s_filter_subject;
	if (sp->s_filter_body != -1)
		c->w_filter_body = sp->s_filter_body;
	if (sp->s_filter_http_body != -1)
		c->w_filter_http_body = sp->s_filter_http_body;
	if (sp->s_filter_default_fail != -1)
		c->w_filter_default_fail = sp->s_filter_default_fail;
	if (sp->s_grace > 0)
		c->w_grace = sp->s_grace * CT_SEC;
}

static int
crow_store(struct api *a, PGconn *db, int64_t id, struct crow *c)
{
	struct check_state	 s;
	char			 ids[24], to[24], gr[24], aa[24];
	const char		*p[20];
	int64_t			 t;

	memset(&s, 0, sizeof(s));
	s.cs_kind = check_kind_parse(c->w_kind);
	if (s.cs_kind < 0)
		s.cs_kind = CK_SIMPLE;
	s.cs_timeout = c->w_timeout;
	s.cs_grace = c->w_grace;
	s.cs_schedule = c->w_schedule;
	s.cs_tz = c->w_tz;
	s.cs_status = c->w_status;
	s.cs_last_ping = c->w_last_ping;
	s.cs_last_start = c->w_last_start;
	s.cs_last_duration = CT_NONE;
	s.cs_alert_after = CT_NONE;
	t = check_going_down_after(&s);

	fmt_id(ids, sizeof(ids), id);
	fmt_id(to, sizeof(to), c->w_timeout);
	fmt_id(gr, sizeof(gr), c->w_grace);
	fmt_id(aa, sizeof(aa), t);
	p[0] = ids;
	p[1] = c->w_name;
	p[2] = c->w_slug;
	p[3] = c->w_tags;
	p[4] = c->w_desc;
	p[5] = c->w_kind;
	p[6] = to;
	p[7] = gr;
	p[8] = c->w_schedule;
	p[9] = c->w_tz;
	p[10] = c->w_methods;
	p[11] = c->w_start_kw;
	p[12] = c->w_success_kw;
	p[13] = c->w_failure_kw;
	p[14] = c->w_manual_resume ? "t" : "f";
	p[15] = c->w_filter_subject ? "t" : "f";
	p[16] = c->w_filter_body ? "t" : "f";
	p[17] = c->w_filter_http_body ? "t" : "f";
	p[18] = c->w_filter_default_fail ? "t" : "f";
	p[19] = t == CT_NONE ? NULL : aa;
	return exec_params(a, db, "UPDATE api_check SET name = $2, slug = $3, "
	    "tags = $4, \"desc\" = $5, kind = $6, "
	    "timeout = $7::bigint * interval '1 microsecond', "
	    "grace = $8::bigint * interval '1 microsecond', schedule = $9, "
	    "tz = $10, methods = $11, start_kw = $12, success_kw = $13, "
	    "failure_kw = $14, manual_resume = $15, filter_subject = $16, "
	    "filter_body = $17, filter_http_body = $18, "
	    "filter_default_fail = $19, alert_after = 'epoch'::timestamptz + "
	    "$20::bigint * interval '1 microsecond' WHERE id = $1", 20, p);
}

/*
 * The channels named by spec's "channels" value, as a PostgreSQL int
 * array literal into *out.  0; 1 with a 400 answered; -1 db error.
 */
static int
channels_resolve(struct api *a, PGconn *db, const char *spec, char **out)
{
	char		 pid[24], *list, *item, *next, msg[200];
	const char	*p[1] = { pid };
	PGresult	*r;
	struct buf	 b;
	int		 i, n, match, rv = 0;

	buf_init(&b);
	buf_addc(&b, '{');
	if (strcmp(spec, "") == 0) {
		buf_addc(&b, '}');
		*out = (char *)b.b_data;
		return 0;
	}
	fmt_id(pid, sizeof(pid), a->a_project);
	r = PQexecParams(db, "SELECT id, code::text, name FROM api_channel "
	    "WHERE project_id = $1 ORDER BY id", 1, NULL, p, NULL, NULL, 0);
	if (db_failed(a, db, r, PGRES_TUPLES_OK)) {
		buf_clear(&b);
		return -1;
	}
	n = PQntuples(r);
	if (strcmp(spec, "*") == 0) {
		for (i = 0; i < n; i++)
			buf_printf(&b, "%s%s", i ? "," : "",
			    PQgetvalue(r, i, 0));
	} else {
		list = xstrdup(spec);
		for (item = list; item != NULL; item = next) {
			int found = -1;

			if ((next = strchr(item, ',')) != NULL)
				*next++ = '\0';
			if (*item == '\0') {
				json_error(a->a_r, 400,
				    "empty channel identifier");
				rv = 1;
				break;
			}
			for (i = 0, match = 0; i < n; i++)
				if (strcmp(PQgetvalue(r, i, 1), item) == 0 ||
				    strcmp(PQgetvalue(r, i, 2), item) == 0) {
					if (match++ == 0)
						found = i;
				}
			if (match == 0 || match > 1) {
				snprintf(msg, sizeof(msg), "%s channel "
				    "identifier: %s", match ? "non-unique" :
				    "invalid", item);
				json_error(a->a_r, 400, msg);
				rv = 1;
				break;
			}
			buf_printf(&b, "%s%s", b.b_len > 1 ? "," : "",
			    PQgetvalue(r, found, 0));
		}
		free(list);
	}
	PQclear(r);
	if (rv != 0) {
		buf_clear(&b);
		return rv;
	}
	buf_addc(&b, '}');
	*out = (char *)b.b_data;
	return 0;
}

static int
channels_store(struct api *a, PGconn *db, int64_t id, const char *arr)
{
	char		 ids[24];
	const char	*p[2] = { ids, arr };

	fmt_id(ids, sizeof(ids), id);
	if (exec_params(a, db, "DELETE FROM api_channel_checks WHERE "
	    "check_id = $1", 1, p) == -1)
		return -1;
	return exec_params(a, db, "INSERT INTO api_channel_checks "
	    "(channel_id, check_id) SELECT DISTINCT unnest($2::integer[]), "
	    "$1::integer", 2, p);
}

/*
 * Healthchecks' _lookup: with `unique` given and every field it names
 * present, the first check of the project equal in all of them.
 * Returns its id, 0 if none, -1 on a database error (answered).
 */
static int64_t
unique_lookup(struct api *a, PGconn *db, const struct spec *sp)
{
	struct buf	 w;
	const char	*p[6];
	char		 pid[24], to[24], gr[24];
	int		 n = 0;
	int64_t		 id = 0;
	PGresult	*r;
	const char	*e;

	if (sp->s_unique == 0)
		return 0;
	if (((sp->s_unique & U_NAME) && sp->s_name == NULL) ||
	    ((sp->s_unique & U_SLUG) && sp->s_slug == NULL) ||
	    ((sp->s_unique & U_TAGS) && sp->s_tags == NULL) ||
	    ((sp->s_unique & U_TIMEOUT) && sp->s_timeout < 0) ||
	    ((sp->s_unique & U_GRACE) && sp->s_grace < 0))
		return 0;
	fmt_id(pid, sizeof(pid), a->a_project);
	p[n++] = pid;
	buf_init(&w);
	buf_addstr(&w, "SELECT id FROM api_check WHERE project_id = $1");
	if (sp->s_unique & U_NAME) {
		p[n++] = sp->s_name;
		buf_printf(&w, " AND name = $%d", n);
	}
	if (sp->s_unique & U_SLUG) {
		p[n++] = sp->s_slug;
		buf_printf(&w, " AND slug = $%d", n);
	}
	if (sp->s_unique & U_TAGS) {
		p[n++] = sp->s_tags;
		buf_printf(&w, " AND tags = $%d", n);
	}
	if (sp->s_unique & U_TIMEOUT) {
		fmt_id(to, sizeof(to), sp->s_timeout);
		p[n++] = to;
		buf_printf(&w, " AND timeout = $%d::bigint * "
		    "interval '1 second'", n);
	}
	if (sp->s_unique & U_GRACE) {
		fmt_id(gr, sizeof(gr), sp->s_grace);
		p[n++] = gr;
		buf_printf(&w, " AND grace = $%d::bigint * interval '1 second'",
		    n);
	}
	buf_addstr(&w, " ORDER BY id LIMIT 1");
	r = PQexecParams(db, (char *)w.b_data, n, NULL, p, NULL, NULL, 0);
	buf_clear(&w);
	if (db_failed(a, db, r, PGRES_TUPLES_OK))
		return -1;
	if (PQntuples(r) == 1)
		id = hc_strtonum(PQgetvalue(r, 0, 0), 1, INT64_MAX, &e);
	PQclear(r);
	return id;
}

/* 1 if the owner of the key's project may not have another check. */
static int
over_check_limit(struct api *a, PGconn *db)
{
	char		 pid[24];
	const char	*p[1] = { pid };
	PGresult	*r;
	int		 over;

	fmt_id(pid, sizeof(pid), a->a_project);
	r = PQexecParams(db,
	    "SELECT (SELECT count(*) FROM api_check c JOIN accounts_project p2 "
	    "        ON p2.id = c.project_id WHERE p2.owner_id = p.owner_id) "
	    "       >= coalesce(pr.check_limit, 0) "
	    "FROM accounts_project p "
	    "LEFT JOIN accounts_profile pr ON pr.user_id = p.owner_id "
	    "WHERE p.id = $1", 1, NULL, p, NULL, NULL, 0);
	if (db_failed(a, db, r, PGRES_TUPLES_OK))
		return -1;
	over = PQntuples(r) == 0 || strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	return over;
}

/*
 * Create (id == 0) or update check `id` from the request body in one
 * transaction, then answer with the check.  With `upsert`, the `unique`
 * fields may pick an existing check (200) instead of a new one (201).
 */
static void
check_write(struct api *a, int64_t id, int upsert)
{
	struct worker	*w = a->a_q->q_w;
	PGconn		*db = worker_db(w);
	struct spec	 sp;
	struct crow	 c;
	char		 msg[256], pid[24], *chans = NULL;
	const char	*p[1] = { pid };
	PGresult	*r;
	int		 status = 200, rc, loaded = 0;
	const char	*e;

	if (validate_check(a, msg, sizeof(msg)) == -1) {
		json_error(a->a_r, 400, msg);
		return;
	}
	spec_parse(a, &sp);
	if (begin(a, db) == -1)
		goto out;
	if (upsert) {
		/* One creator at a time per project: the limit and unique. */
		fmt_id(pid, sizeof(pid), a->a_project);
		if (exec_params(a, db, "SELECT 1 FROM accounts_project "
		    "WHERE id = $1 FOR UPDATE", 1, p) == -1)
			goto fail;
		if ((id = unique_lookup(a, db, &sp)) == -1)
			goto fail;
		if (id == 0) {
			if ((rc = over_check_limit(a, db)) == -1)
				goto fail;
			if (rc) {
				empty(a->a_r, 403);
				goto fail;
			}
			status = 201;
		}
	}
	if (sp.s_channels != NULL &&
	    channels_resolve(a, db, sp.s_channels, &chans) != 0)
		goto fail;
	if (id == 0) {
		r = PQexecParams(db, "INSERT INTO api_check (project_id) "
		    "VALUES ($1) RETURNING id", 1, NULL, p, NULL, NULL, 0);
		if (db_failed(a, db, r, PGRES_TUPLES_OK))
			goto fail;
		id = hc_strtonum(PQgetvalue(r, 0, 0), 1, INT64_MAX, &e);
		PQclear(r);
	}
	if (crow_load(a, db, id, &c) == -1)
		goto fail;
	loaded = 1;
	crow_apply(&c, &sp, a->a_version);
	if (crow_store(a, db, id, &c) == -1)
		goto fail;
	if (chans != NULL && channels_store(a, db, id, chans) == -1)
		goto fail;
	if (commit(a, db) == -1)
		goto out;
	/* The ping path sees the new check, or its new slug, from now on. */
	if (index_put_check(shm_index(w->w_env->pe_shm), c.w_code, id,
	    a->a_project, c.w_slug) == -1)
		log_warnx("api: check index full; pings of check %lld wait "
		    "for the next refresh", (long long)id);
	reply_check_id(a, db, status, id);
	goto out;
fail:
	rollback(db);
out:
	if (loaded)
		crow_free(&c);
	free(chans);
	spec_free(&sp);
}

/* ---- endpoints ---- */

/* Every value of `key` in the query string, decoded; returns the count. */
static int
query_all(const struct http_req *h, const char *key, char **out, int max)
{
	const char	*p = h->query, *end, *amp, *eq;
	size_t		 klen = strlen(key), n;
	int		 cnt = 0;
	char		 kbuf[64], *v;

	if (p == NULL || h->query_len == 0)
		return 0;
	end = p + h->query_len;
	while (p < end && cnt < max) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		eq = memchr(p, '=', (size_t)(amp - p));
		n = http_urldecode(p, (size_t)((eq ? eq : amp) - p), kbuf,
		    sizeof(kbuf), 1);
		if (n != (size_t)-1 && n == klen && memcmp(kbuf, key, n) == 0) {
			size_t vl = eq ? (size_t)(amp - eq - 1) : 0;

			v = xmalloc(vl + 1);
			if (http_urldecode(eq ? eq + 1 : amp, vl, v, vl + 1,
			    1) == (size_t)-1)
				v[0] = '\0';
			out[cnt++] = v;
		}
		p = amp + 1;
	}
	return cnt;
}

struct tagset {
	char	**t_tags;
	int	  t_n;
};

static int
tags_all_in(const char *tags, const struct tagset *ts)
{
	int i;

	for (i = 0; i < ts->t_n; i++)
		if (!api_has_tag(tags, ts->t_tags[i]))
			return 0;
	return 1;
}

static void
checks_list(struct api *a)
{
	PGconn		*db = worker_db(a->a_q->q_w);
	PGresult	*r;
	struct json_w	 j;
	struct buf	 where;
	char		 pid[24], *tags[TAGS_MAX], slug[256];
	const char	*params[TAGS_MAX + 2];
	struct tagset	 ts;
	int		 i, np = 0, nt;

	fmt_id(pid, sizeof(pid), a->a_project);
	buf_init(&where);
	params[np++] = pid;
	buf_addstr(&where, "c.project_id = $1");
	nt = query_all(a->a_q->q_http, "tag", tags, TAGS_MAX);
	for (i = 0; i < nt; i++) {
		params[np++] = tags[i];
		buf_printf(&where, " AND strpos(c.tags, $%d) > 0", np);
	}
	if (http_query_get(a->a_q->q_http->query, a->a_q->q_http->query_len,
	    "slug", slug, sizeof(slug)) == 1 && slug[0] != '\0') {
		params[np++] = slug;
		buf_printf(&where, " AND c.slug = $%d", np);
	}
	r = select_checks(db, (char *)where.b_data, np, params);
	buf_clear(&where);
	ts.t_tags = tags;
	ts.t_n = nt;
	if (db_failed(a, db, r, PGRES_TUPLES_OK))
		goto out;
	list_begin(a, &j, "checks");
	for (i = 0; i < PQntuples(r); i++)
		if (nt == 0 || tags_all_in(PQgetvalue(r, i, COL_TAGS), &ts))
			check_json(a, &j, r, i);
	list_end(&j);
	PQclear(r);
out:
	for (i = 0; i < nt; i++)
		free(tags[i]);
}

/*
 * The check named by a UUID or a unique_key in the request's project;
 * 0 when it was not found or an error was answered already.
 */
static int64_t
resolve_check(struct api *a, PGconn *db, const char *ident, int is_uuid)
{
	int64_t	id;
	int	err;

	if (is_uuid)
		return find_check(a, db, ident, &id, NULL) == -1 ? 0 : id;
	id = find_by_unique_key(a, db, ident, &err);
	if (err)
		return 0;
	if (id == 0)
		empty(a->a_r, 404);
	return id;
}

static void
check_get(struct api *a, const char *ident, int is_uuid)
{
	PGconn	*db = worker_db(a->a_q->q_w);
	int64_t	 id;

	if ((id = resolve_check(a, db, ident, is_uuid)) != 0)
		reply_check_id(a, db, 200, id);
}

static void
check_update(struct api *a, const char *uuid)
{
	PGconn	*db = worker_db(a->a_q->q_w);
	int64_t	 id;

	if (find_check(a, db, uuid, &id, NULL) == -1)
		return;
	check_write(a, id, 0);
}

static void
check_delete(struct api *a, const char *uuid)
{
	struct worker	*w = a->a_q->q_w;
	PGconn		*db = worker_db(w);
	PGresult	*r;
	int64_t		 id;
	char		 ids[24];
	const char	*p[1] = { ids };
	uint8_t		 code[16];

	if (find_check(a, db, uuid, &id, NULL) == -1)
		return;
	if (begin(a, db) == -1)
		return;
	fmt_id(ids, sizeof(ids), id);
	if (exec_params(a, db, "SELECT 1 FROM api_check WHERE id = $1 "
	    "FOR UPDATE", 1, p) == -1)
		goto fail;
	r = select_checks(db, "c.id = $1", 1, p);
	if (db_failed(a, db, r, PGRES_TUPLES_OK))
		goto fail;
	if (PQntuples(r) == 0) {
		PQclear(r);
		resp_text(a->a_r, 404, "not found");
		goto fail;
	}
	/* The answer is the check as it was. */
	reply_check(a, 200, r, 0);
	uuid_parse_text(PQgetvalue(r, 0, COL_CODE), code);
	PQclear(r);
	if (exec_params(a, db, "DELETE FROM api_check WHERE id = $1", 1,
	    p) == -1)
		goto fail;
	if (commit(a, db) == -1)
		return;
	index_del_check(shm_index(w->w_env->pe_shm), code);
	return;
fail:
	rollback(db);
}

/* Pause (spec 3.4): a processed flip unless paused already. */
static void
check_pause(struct api *a, const char *uuid)
{
	PGconn		*db = worker_db(a->a_q->q_w);
	int64_t		 id;
	char		 ids[24];
	const char	*p[1] = { ids };

	if (find_check(a, db, uuid, &id, NULL) == -1)
		return;
	fmt_id(ids, sizeof(ids), id);
	if (begin(a, db) == -1)
		return;
	if (exec_params(a, db, "INSERT INTO api_flip (owner_id, created, "
	    "processed, old_status, new_status) SELECT id, now(), now(), "
	    "status, 'paused' FROM api_check WHERE id = $1 AND "
	    "status <> 'paused'", 1, p) == -1 ||
	    exec_params(a, db, "UPDATE api_check SET status = 'paused', "
	    "last_start = NULL, alert_after = NULL WHERE id = $1", 1, p) == -1) {
		rollback(db);
		return;
	}
	if (commit(a, db) == -1)
		return;
	reply_check_id(a, db, 200, id);
}

static void
check_resume(struct api *a, const char *uuid)
{
	PGconn		*db = worker_db(a->a_q->q_w);
	PGresult	*r;
	int64_t		 id;
	char		 ids[24];
	const char	*p[1] = { ids };
	int		 paused;

	if (find_check(a, db, uuid, &id, NULL) == -1)
		return;
	fmt_id(ids, sizeof(ids), id);
	if (begin(a, db) == -1)
		return;
	r = PQexecParams(db, "SELECT status FROM api_check WHERE id = $1 "
	    "FOR UPDATE", 1, NULL, p, NULL, NULL, 0);
	if (db_failed(a, db, r, PGRES_TUPLES_OK))
		goto fail;
	paused = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0),
	    "paused") == 0;
	PQclear(r);
	if (!paused) {
		resp_text(a->a_r, 409, "check is not paused");
		a->a_r->r_ctype = "text/html; charset=utf-8";
		goto fail;
	}
	if (exec_params(a, db, "INSERT INTO api_flip (owner_id, created, "
	    "processed, old_status, new_status) VALUES ($1, now(), now(), "
	    "'paused', 'new')", 1, p) == -1 ||
	    exec_params(a, db, "UPDATE api_check SET status = 'new', "
	    "last_start = NULL, last_ping = NULL, alert_after = NULL "
	    "WHERE id = $1", 1, p) == -1)
		goto fail;
	if (commit(a, db) == -1)
		return;
	reply_check_id(a, db, 200, id);
	return;
fail:
	rollback(db);
}

enum { P_N, P_KIND, P_CREATED, P_SCHEME, P_ADDR, P_METHOD, P_UA, P_RID,
    P_HASBODY };

static int
ping_is_completion(const char *kind)
{
	return *kind == '\0' || strcmp(kind, "fail") == 0;
}

/* Ping.duration, the slow way: one query for one ping (spec 1.7). */
static int64_t
ping_duration_slow(PGconn *db, int64_t check, PGresult *r, int row)
{
	char		 ids[24];
	const char	*p[4];
	PGresult	*q;
	int64_t		 d = CT_NONE, created = db_getint(r, row, P_CREATED, CT_NONE);

	fmt_id(ids, sizeof(ids), check);
	p[0] = ids;
	p[1] = PQgetvalue(r, row, P_N);
	p[2] = PQgetvalue(r, row, P_CREATED);
	p[3] = PQgetisnull(r, row, P_RID) ? NULL : PQgetvalue(r, row, P_RID);
	q = PQexecParams(db, "SELECT coalesce(kind, ''), "
	    "(extract(epoch FROM created) * 1000000)::bigint FROM api_ping "
	    "WHERE owner_id = $1 AND n < $2::integer AND created >= "
	    "'epoch'::timestamptz + ($3::bigint - 259200000000) * "
	    "interval '1 microsecond' AND rid IS NOT DISTINCT FROM $4::uuid "
	    "AND (kind IS NULL OR kind IN ('', 'fail', 'start')) "
	    "ORDER BY n DESC LIMIT 1", 4, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(q) == PGRES_TUPLES_OK && PQntuples(q) == 1 &&
	    strcmp(PQgetvalue(q, 0, 0), "start") == 0)
		d = created - db_getint(q, 0, 1, CT_NONE);
	PQclear(q);
	return d;
}

/*
 * Durations of a newest-first list of pings (prepare_durations): a
 * success or fail takes its duration from the latest earlier start with
 * the same rid; with more than ten pings that need the per-ping
 * fallback, no durations at all.
 */
static void
ping_durations(PGconn *db, int64_t check, PGresult *r, int64_t *dur)
{
	struct start {
		char	rid[40];
		int	set;		/* seen */
		int64_t	t;		/* CT_NONE: consumed */
	}		*st;
	int		 n = PQntuples(r), ns = 0, i, k, misses = 0;
	int		*miss;

	st = xcalloc((size_t)n + 1, sizeof(*st));
	miss = xcalloc((size_t)n + 1, sizeof(*miss));
	for (i = n - 1; i >= 0; i--) {
		const char	*kind = PQgetvalue(r, i, P_KIND);
		const char	*rid = PQgetisnull(r, i, P_RID) ? "" :
				    PQgetvalue(r, i, P_RID);
		int64_t		 t = db_getint(r, i, P_CREATED, CT_NONE);

		dur[i] = CT_NONE;
		for (k = 0; k < ns; k++)
			if (strcmp(st[k].rid, rid) == 0)
				break;
		if (strcmp(kind, "start") == 0) {
			if (k == ns) {
				hc_strlcpy(st[ns].rid, rid, sizeof(st[ns].rid));
				ns++;
			}
			st[k].t = t;
			st[k].set = 1;
		} else if (ping_is_completion(kind)) {
			if (k == ns) {
				miss[misses++] = i;
				hc_strlcpy(st[ns].rid, rid, sizeof(st[ns].rid));
				ns++;
			} else if (st[k].t != CT_NONE &&
			    t - st[k].t < MAX_DURATION_US)
				dur[i] = t - st[k].t;
			st[k].t = CT_NONE;
			st[k].set = 1;
		}
	}
	if (misses > DURATION_MISSES_MAX) {
		for (i = 0; i < n; i++)
			dur[i] = CT_NONE;
	} else {
		for (k = 0; k < misses; k++)
			dur[miss[k]] = ping_duration_slow(db, check, r,
			    miss[k]);
	}
	free(st);
	free(miss);
}

static void
check_pings(struct api *a, const char *uuid)
{
	const struct conf	*cf = a->a_q->q_w->w_conf;
	PGconn			*db = worker_db(a->a_q->q_w);
	PGresult		*r;
	struct json_w		 j;
	int64_t			 id, limit, *dur;
	char			 ids[24], lim[24];
	const char		*p[2] = { ids, lim };
	int			 i, n;

	if (find_check(a, db, uuid, &id, NULL) == -1)
		return;
	limit = ping_log_limit(db, a->a_project);
	if (limit > PINGS_MAX)
		limit = PINGS_MAX;
	fmt_id(ids, sizeof(ids), id);
	fmt_id(lim, sizeof(lim), limit);
	r = PQexecParams(db, "SELECT n, coalesce(kind, ''), "
	    "(extract(epoch FROM created) * 1000000)::bigint, scheme, "
	    "host(remote_addr), method, ua, rid, "
	    "coalesce(body <> '', false) OR coalesce(length(body_raw) > 0, "
	    "false) OR coalesce(object_size > 0, false) "
	    "FROM api_ping WHERE owner_id = $1 ORDER BY n DESC, id DESC "
	    "LIMIT $2", 2, NULL, p, NULL, NULL, 0);
	if (db_failed(a, db, r, PGRES_TUPLES_OK))
		return;
	n = PQntuples(r);
	dur = xcalloc((size_t)n + 1, sizeof(*dur));
	ping_durations(db, id, r, dur);
	list_begin(a, &j, "pings");
	for (i = 0; i < n; i++) {
		const char *kind = PQgetvalue(r, i, P_KIND);

		json_w_obj_begin(&j);
		json_w_key(&j, "type");
		json_w_str(&j, *kind ? kind : "success");
		json_w_key(&j, "date");
		json_w_time_us(&j, db_getint(r, i, P_CREATED, CT_NONE));
		json_w_key(&j, "n");
		json_w_int(&j, db_getint(r, i, P_N, CT_NONE));
		json_w_key(&j, "scheme");
		json_w_str(&j, PQgetvalue(r, i, P_SCHEME));
		json_w_key(&j, "remote_addr");
		if (PQgetisnull(r, i, P_ADDR))
			json_w_null(&j);
		else
			json_w_str(&j, PQgetvalue(r, i, P_ADDR));
		json_w_key(&j, "method");
		json_w_str(&j, PQgetvalue(r, i, P_METHOD));
		json_w_key(&j, "ua");
		json_w_str(&j, PQgetvalue(r, i, P_UA));
		json_w_key(&j, "rid");
		if (PQgetisnull(r, i, P_RID))
			json_w_null(&j);
		else
			json_w_str(&j, PQgetvalue(r, i, P_RID));
		if (dur[i] != CT_NONE) {
			json_w_key(&j, "duration");
			json_w_double(&j, (double)dur[i] / CT_SEC, 2);
		}
		json_w_key(&j, "body_url");
		if (col_bool(r, i, P_HASBODY)) {
			char *url = xasprintf("%s/api/v%d/checks/%s/pings/%s/"
			    "body", cf->site_root, a->a_version, uuid,
			    PQgetvalue(r, i, P_N));

			json_w_str(&j, url);
			free(url);
		} else
			json_w_null(&j);
		json_w_obj_end(&j);
	}
	list_end(&j);
	free(dur);
	PQclear(r);
}

static void
ping_body(struct api *a, const char *uuid, const char *nstr)
{
	PGconn		*db = worker_db(a->a_q->q_w);
	PGresult	*r;
	int64_t		 id, n_pings, n, limit;
	char		 ids[24], ns[24];
	const char	*p[2] = { ids, ns }, *e;

	if (find_check(a, db, uuid, &id, &n_pings) == -1)
		return;
	n = hc_strtonum(nstr, 0, INT32_MAX, &e);
	limit = ping_log_limit(db, a->a_project);
	if (e != NULL || n <= n_pings - limit) {
		resp_text(a->a_r, 404, "not found");
		return;
	}
	fmt_id(ids, sizeof(ids), id);
	fmt_id(ns, sizeof(ns), n);
	/* Binary results: the body's bytes as they are. */
	r = PQexecParams(db, "SELECT coalesce(convert_to(body, 'UTF8'), "
	    "body_raw) FROM api_ping WHERE owner_id = $1 AND n = $2 "
	    "ORDER BY id LIMIT 1", 2, NULL, p, NULL, NULL, 1);
	if (db_failed(a, db, r, PGRES_TUPLES_OK))
		return;
	if (PQntuples(r) == 0 || PQgetisnull(r, 0, 0) ||
	    PQgetlength(r, 0, 0) == 0) {
		PQclear(r);
		resp_text(a->a_r, 404, "not found");
		return;
	}
	a->a_r->r_status = 200;
	a->a_r->r_ctype = "text/plain";
	buf_reset(&a->a_r->r_body);
	buf_add(&a->a_r->r_body, PQgetvalue(r, 0, 0),
	    (size_t)PQgetlength(r, 0, 0));
	PQclear(r);
}

/*
 * A query parameter as Django's IntegerField or the flips form's
 * TimestampField would take it: optional surrounding whitespace and
 * sign, digits (IntegerField also drops a trailing ".000").  -1 if
 * present and malformed or out of [min, max]; 0 absent or empty and
 * `empty_ok`; 1 with *out.
 */
static int
query_int(const struct http_req *h, const char *key, int empty_ok,
    int decimals_ok, int64_t min, int64_t max, int64_t *out)
{
	char		 v[64], *s, *t;
	const char	*e;
	int		 rc;

	rc = http_query_get(h->query, h->query_len, key, v, sizeof(v));
	if (rc == 0)
		return 0;
	if (rc == -1)
		return -1;
	s = v;
	while (isspace((unsigned char)*s))
		s++;
	t = s + strlen(s);
	while (t > s && isspace((unsigned char)t[-1]))
		*--t = '\0';
	if (*s == '\0')
		return empty_ok ? 0 : -1;
	if (decimals_ok && (t = strchr(s, '.')) != NULL) {
		char *q = t + 1;

		while (*q == '0')
			q++;
		if (*q != '\0')
			return -1;
		*t = '\0';
	}
	if (*s == '+')
		s++;
	for (t = *s == '-' ? s + 1 : s; *t; t++)
		if (!isdigit((unsigned char)*t))
			return -1;
	*out = hc_strtonum(s, min, max, &e);
	return e == NULL ? 1 : -1;
}

static void
check_flips(struct api *a, int64_t id)
{
	const struct http_req	*h = a->a_q->q_http;
	PGconn			*db = worker_db(a->a_q->q_w);
	PGresult		*r;
	struct json_w		 j;
	struct buf		 sql;
	int64_t			 start, end, secs;
	int			 hs, he, hsec, np = 0, i;
	char			 ids[24], s1[24], s2[24], s3[24];
	const char		*p[4];

	hs = query_int(h, "start", 0, 0, 0, 10000000000LL, &start);
	he = query_int(h, "end", 0, 0, 0, 10000000000LL, &end);
	hsec = query_int(h, "seconds", 1, 1, 0, 31536000, &secs);
	if (hs == -1 || he == -1 || hsec == -1) {
		empty(a->a_r, 400);
		return;
	}
	fmt_id(ids, sizeof(ids), id);
	p[np++] = ids;
	buf_init(&sql);
	buf_addstr(&sql, "SELECT (extract(epoch FROM created) * 1000000)"
	    "::bigint, new_status FROM api_flip WHERE owner_id = $1");
	if (hs == 1) {
		fmt_id(s1, sizeof(s1), start);
		p[np++] = s1;
		buf_printf(&sql, " AND created >= to_timestamp($%d::bigint)",
		    np);
	}
	if (he == 1) {
		fmt_id(s2, sizeof(s2), end);
		p[np++] = s2;
		buf_printf(&sql, " AND created < to_timestamp($%d::bigint)",
		    np);
	}
	if (hsec == 1 && secs > 0) {
		fmt_id(s3, sizeof(s3), secs);
		p[np++] = s3;
		buf_printf(&sql, " AND created >= now() - $%d::bigint * "
		    "interval '1 second'", np);
	}
	buf_addstr(&sql, " ORDER BY id DESC");
	r = PQexecParams(db, (char *)sql.b_data, np, NULL, p, NULL, NULL, 0);
	buf_clear(&sql);
	if (db_failed(a, db, r, PGRES_TUPLES_OK))
		return;
	list_begin(a, &j, "flips");
	for (i = 0; i < PQntuples(r); i++) {
		json_w_obj_begin(&j);
		json_w_key(&j, "timestamp");
		json_w_time(&j, db_getint(r, i, 0, CT_NONE));
		json_w_key(&j, "up");
		json_w_int(&j, strcmp(PQgetvalue(r, i, 1), "up") == 0);
		json_w_obj_end(&j);
	}
	list_end(&j);
	PQclear(r);
}

static void
flips_get(struct api *a, const char *ident, int is_uuid)
{
	int64_t id;

	if ((id = resolve_check(a, worker_db(a->a_q->q_w), ident,
	    is_uuid)) != 0)
		check_flips(a, id);
}

static void
channels_list(struct api *a)
{
	PGconn		*db = worker_db(a->a_q->q_w);
	PGresult	*r;
	struct json_w	 j;
	char		 pid[24];
	const char	*p[1] = { pid };
	int		 i;

	fmt_id(pid, sizeof(pid), a->a_project);
	r = PQexecParams(db, "SELECT code, name, kind FROM api_channel "
	    "WHERE project_id = $1 ORDER BY id", 1, NULL, p, NULL, NULL, 0);
	if (db_failed(a, db, r, PGRES_TUPLES_OK))
		return;
	list_begin(a, &j, "channels");
	for (i = 0; i < PQntuples(r); i++) {
		json_w_obj_begin(&j);
		json_w_key(&j, "id");
		json_w_str(&j, PQgetvalue(r, i, 0));
		json_w_key(&j, "name");
		json_w_str(&j, PQgetvalue(r, i, 1));
		json_w_key(&j, "kind");
		json_w_str(&j, PQgetvalue(r, i, 2));
		json_w_obj_end(&j);
	}
	list_end(&j);
	PQclear(r);
}

struct taglist {
	char	**l_v;
	size_t	  l_n, l_cap;
};

static int
taglist_add(const char *tag, void *arg)
{
	struct taglist	*l = arg;
	size_t		 i;

	for (i = 0; i < l->l_n; i++)
		if (strcmp(l->l_v[i], tag) == 0)
			return 0;
	if (l->l_n == l->l_cap) {
		l->l_cap = l->l_cap ? 2 * l->l_cap : 16;
		l->l_v = xreallocarray(l->l_v, l->l_cap, sizeof(*l->l_v));
	}
	l->l_v[l->l_n++] = xstrdup(tag);
	return 0;
}

static int
str_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static void
badges_list(struct api *a)
{
	const struct conf	*cf = a->a_q->q_w->w_conf;
	PGconn			*db = worker_db(a->a_q->q_w);
	PGresult		*r;
	struct json_w		 j;
	struct taglist		 l;
	struct buf		 u;
	char			 pid[24], *key;
	const char		*p[1] = { pid };
	static const char	*fmts[] = { "svg", "json", "shields" };
	size_t			 i;
	int			 k, f;

	fmt_id(pid, sizeof(pid), a->a_project);
	r = PQexecParams(db, "SELECT badge_key FROM accounts_project "
	    "WHERE id = $1", 1, NULL, p, NULL, NULL, 0);
	if (db_failed(a, db, r, PGRES_TUPLES_OK))
		return;
	key = xstrdup(PQntuples(r) ? PQgetvalue(r, 0, 0) : "");
	PQclear(r);
	r = PQexecParams(db, "SELECT tags FROM api_check WHERE "
	    "project_id = $1", 1, NULL, p, NULL, NULL, 0);
	if (db_failed(a, db, r, PGRES_TUPLES_OK)) {
		free(key);
		return;
	}
	memset(&l, 0, sizeof(l));
	for (k = 0; k < PQntuples(r); k++)
		api_tags_each(PQgetvalue(r, k, 0), taglist_add, &l);
	PQclear(r);
	if (l.l_n > 1)
		qsort(l.l_v, l.l_n, sizeof(*l.l_v), str_cmp);
	json_begin(a, 200, &j);
	json_w_obj_begin(&j);
	json_w_key(&j, "badges");
	json_w_obj_begin(&j);
	buf_init(&u);
	for (i = 0; i <= l.l_n; i++) {
		const char *tag = i == 0 ? "*" : l.l_v[i - 1];

		json_w_key(&j, tag);
		json_w_obj_begin(&j);
		for (f = 0; f < 3; f++)
			for (k = 0; k < 2; k++) {
				char name[16];

				snprintf(name, sizeof(name), "%s%s", fmts[f],
				    k ? "3" : "");
				buf_reset(&u);
				badge_url(&u, cf, key, tag, fmts[f], k);
				json_w_key(&j, name);
				json_w_str(&j, (char *)u.b_data);
			}
		json_w_obj_end(&j);
	}
	buf_clear(&u);
	json_w_obj_end(&j);
	json_w_obj_end(&j);
	for (i = 0; i < l.l_n; i++)
		free(l.l_v[i]);
	free(l.l_v);
	free(key);
}

/* GET metrics/: the operator's counters, behind X-Metrics-Key. */
static void
metrics_json(struct api *a)
{
	const struct conf	*cf = a->a_q->q_w->w_conf;
	const struct http_hdr	*h;
	PGconn			*db;
	PGresult		*r;
	struct json_w		 j;

	h = http_req_header(a->a_q->q_http, "X-Metrics-Key");
	if (cf->metrics_key == NULL || cf->metrics_key[0] == '\0' ||
	    h == NULL || h->value_len != strlen(cf->metrics_key) ||
	    memcmp(h->value, cf->metrics_key, h->value_len) != 0) {
		empty(a->a_r, 403);
		return;
	}
	if ((db = worker_db(a->a_q->q_w)) == NULL) {
		json_error(a->a_r, 503, "database unavailable");
		return;
	}
	r = PQexec(db, "SELECT (SELECT max(id) FROM api_ping), "
	    "(SELECT max(id) FROM api_notification), "
	    "(SELECT count(*) FROM api_flip WHERE processed IS NULL)");
	if (db_failed(a, db, r, PGRES_TUPLES_OK))
		return;
	json_begin(a, 200, &j);
	json_w_obj_begin(&j);
	json_w_key(&j, "ts");
	json_w_int(&j, hc_now_us() / CT_SEC);
	json_w_key(&j, "max_ping_id");
	if (PQgetisnull(r, 0, 0))
		json_w_null(&j);
	else
		json_w_int(&j, db_getint(r, 0, 0, CT_NONE));
	json_w_key(&j, "max_notification_id");
	if (PQgetisnull(r, 0, 1))
		json_w_null(&j);
	else
		json_w_int(&j, db_getint(r, 0, 1, CT_NONE));
	json_w_key(&j, "num_unprocessed_flips");
	json_w_int(&j, db_getint(r, 0, 2, CT_NONE));
	json_w_obj_end(&j);
	PQclear(r);
}

static int
parse_body(struct api *a)
{
	const struct http_req	*h = a->a_q->q_http;
	const char		*errstr;

	if (h->body_len == 0)
		return 0;
	a->a_doc = json_parse((const char *)h->body, h->body_len, &errstr);
	if (a->a_doc == NULL) {
		json_error(a->a_r, 400, "could not parse request body");
		return -1;
	}
	a->a_root = json_root(a->a_doc);
	if (json_type(a->a_doc, a->a_root) != JSON_OBJECT) {
		json_error(a->a_r, 400,
		    "json validation error: value is not an object");
		return -1;
	}
	return 0;
}

/* ---- routing ---- */

/* Django's uuid path converter: lower-case 8-4-4-4-12 hex. */
static int
is_uuid(const char *s, size_t len)
{
	uint8_t u[16];

	return uuid_parse(s, len, u) == 0;
}

/* Healthchecks' sha1 converter: [A-z0-9]{40} (A-z includes [\]^_`). */
static int
is_sha1(const char *s, size_t len)
{
	size_t i;

	if (len != 40)
		return 0;
	for (i = 0; i < 40; i++)
		if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'A' &&
		    s[i] <= 'z'))
			return 0;
	return 1;
}

/*
 * The common frame of an endpoint: CORS headers, OPTIONS, the allowed
 * methods (else 405), the body for POST, the key.  Returns 1 when the
 * handler should run.
 */
static int
endpoint(struct api *a, const char *methods, int write)
{
	const char	*m = methods, *c;
	size_t		 ml = a->a_q->q_http->method_len;
	int		 ok = 0;

	cors(a->a_r, methods);
	if (method_is(a, "OPTIONS")) {
		empty(a->a_r, 204);
		return 0;
	}
	while (*m) {
		if ((c = strchr(m, ',')) == NULL)
			c = m + strlen(m);
		if ((size_t)(c - m) == ml && memcmp(m, a->a_q->q_http->method,
		    ml) == 0)
			ok = 1;
		m = *c ? c + 2 : c;
	}
	if (!ok) {
		empty(a->a_r, 405);
		return 0;
	}
	if (method_is(a, "POST") && parse_body(a) == -1)
		return 0;
	return api_auth(a, write) == 0;
}

static int
api_route(struct api *a)
{
	const char	*rest = a->a_rest, *id, *sub;
	size_t		 len = a->a_rest_len, idlen, sublen;
	char		 ident[64], nbuf[16];
	int		 uu;

#define IS(s)	(len == strlen(s) && memcmp(rest, s, len) == 0)
	if (IS("checks/")) {
		if (method_is(a, "POST")) {
			if (endpoint(a, "GET, POST", 1))
				check_write(a, 0, 1);
		} else if (endpoint(a, "GET, POST", 0))
			checks_list(a);
		return 0;
	}
	if (IS("channels/")) {
		if (endpoint(a, "GET", 1))
			channels_list(a);
		return 0;
	}
	if (IS("badges/")) {
		if (endpoint(a, "GET", 0))
			badges_list(a);
		return 0;
	}
	if (IS("metrics/")) {
		metrics_json(a);
		return 0;
	}
#undef IS
	if (len <= 7 || memcmp(rest, "checks/", 7) != 0)
		return -1;
	id = rest + 7;
	if ((sub = memchr(id, '/', len - 7)) == NULL)
		sub = rest + len;
	idlen = (size_t)(sub - id);
	sublen = (size_t)(rest + len - sub);
	uu = is_uuid(id, idlen);
	if (!uu && !is_sha1(id, idlen))
		return -1;
	memcpy(ident, id, idlen);
	ident[idlen] = '\0';

#define SUB(s)	(sublen == strlen(s) && memcmp(sub, s, sublen) == 0)
	if (sublen == 0) {
		if (!uu) {
			if (endpoint(a, "GET", 0))
				check_get(a, ident, 0);
		} else if (method_is(a, "POST")) {
			if (endpoint(a, "POST, DELETE, GET", 1))
				check_update(a, ident);
		} else if (method_is(a, "DELETE")) {
			if (endpoint(a, "POST, DELETE, GET", 1))
				check_delete(a, ident);
		} else if (endpoint(a, "POST, DELETE, GET", 0))
			check_get(a, ident, 1);
		return 0;
	}
	if (SUB("/flips/")) {
		if (endpoint(a, "GET", 0))
			flips_get(a, ident, uu);
		return 0;
	}
	if (!uu)
		return -1;
	if (SUB("/pause")) {
		if (endpoint(a, "POST", 1))
			check_pause(a, ident);
		return 0;
	}
	if (SUB("/resume")) {
		if (endpoint(a, "POST", 1))
			check_resume(a, ident);
		return 0;
	}
	if (SUB("/pings/")) {
		if (endpoint(a, "GET", 1))
			check_pings(a, ident);
		return 0;
	}
#undef SUB
	/* /pings/<n>/body */
	if (sublen >= 13 && memcmp(sub, "/pings/", 7) == 0 &&
	    memcmp(rest + len - 5, "/body", 5) == 0) {
		const char	*ns = sub + 7;
		size_t		 nl = sublen - 12, i;

		if (nl == 0 || nl >= sizeof(nbuf))
			return -1;
		for (i = 0; i < nl; i++)
			if (!isdigit((unsigned char)ns[i]))
				return -1;
		memcpy(nbuf, ns, nl);
		nbuf[nl] = '\0';
		if (endpoint(a, "GET", 1))
			ping_body(a, ident, nbuf);
		return 0;
	}
	return -1;
}

int
api_handle(struct req *q, struct resp *r)
{
	struct api	 a;
	const char	*p = q->q_path + 5;	/* after "/api/" */
	size_t		 len = q->q_path_len - 5;

	memset(&a, 0, sizeof(a));
	a.a_q = q;
	a.a_r = r;
	if (len < 3 || p[0] != 'v' || p[1] < '1' || p[1] > '3' || p[2] != '/') {
		resp_text(r, 404, "not found");
		return 0;
	}
	a.a_version = p[1] - '0';
	a.a_rest = p + 3;
	a.a_rest_len = len - 3;

	if (a.a_rest_len == 7 && memcmp(a.a_rest, "status/", 7) == 0) {
		PGconn		*db = worker_db(q->q_w);
		PGresult	*res;

		if (db == NULL) {
			resp_text(r, 503, "database unavailable");
			return 0;
		}
		res = PQexec(db, "SELECT 1");
		if (PQresultStatus(res) == PGRES_TUPLES_OK)
			resp_text(r, 200, "OK");
		else
			resp_text(r, 503, "database unavailable");
		PQclear(res);
		return 0;
	}
	if (a.a_rest_len > 0 && worker_db(q->q_w) == NULL) {
		json_error(r, 503, "database unavailable");
		return 0;
	}
	if (api_route(&a) == -1) {
		buf_reset(&r->r_hdrs);
		r->r_cors = 0;
		resp_text(r, 404, "not found");
	}
	if (a.a_doc != NULL)
		json_doc_free(a.a_doc);
	return 0;
}
