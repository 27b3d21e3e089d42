/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The management API of the worker (spec 6), versions 1, 2 and 3 from
 * one code path.  Authentication by project API key (X-Api-Key, or
 * api_key in a JSON body), CORS, and the endpoints: status, checks list
 * and create, one check by UUID or unique_key.
 *
 * These handlers use the worker's own blocking libpq connection: a
 * management request holds up that worker's other connections for the
 * length of its queries.  The ping path never waits on it.
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
#include "index_db.h"
#include "json.h"
#include "log.h"
#include "oncalendar.h"
#include "proc.h"
#include "route.h"
#include "shm.h"
#include "tz.h"
#include "worker.h"

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
	char			 key[APIKEY_LEN + 1], prefix[APIKEY_PREFIX_LEN + 1];
	char			 like[APIKEY_PREFIX_LEN + 2];
	const char		*params[2];
	PGconn			*db;
	PGresult		*r;
	int			 i, tok;
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

		n = strlen(s);
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
		json_error(a->a_r, 503, "database unavailable");
		return -1;
	}
	for (i = 0; i < PQntuples(r); i++) {
		const char *e;
		int64_t id = hc_strtonum(PQgetvalue(r, i, 0), 1, INT64_MAX, &e);

		if (apikey_matches(w->w_conf->secret_key, key,
		    PQgetvalue(r, i, 1))) {
			a->a_project = id;
			a->a_readonly = 0;
			break;
		}
		if (apikey_matches(w->w_conf->secret_key, key,
		    PQgetvalue(r, i, 2))) {
			a->a_project = id;
			a->a_readonly = 1;
			break;
		}
	}
	PQclear(r);
	if (a->a_project == 0 || (write && a->a_readonly)) {
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

static int64_t
col_time(PGresult *r, int row, int col)
{
	const char *e;
	int64_t v;

	if (PQgetisnull(r, row, col))
		return CT_NONE;
	v = hc_strtonum(PQgetvalue(r, row, col), INT64_MIN + 1, INT64_MAX, &e);
	return e ? CT_NONE : v;
}

static int
col_bool(PGresult *r, int row, int col)
{
	return *PQgetvalue(r, row, col) == 't';
}

static void
state_from_row(PGresult *r, int row, struct check_state *s)
{
	memset(s, 0, sizeof(*s));
	s->cs_kind = check_kind_parse(PQgetvalue(r, row, COL_KIND));
	if (s->cs_kind < 0)
		s->cs_kind = CK_SIMPLE;
	s->cs_timeout = col_time(r, row, COL_TIMEOUT);
	s->cs_grace = col_time(r, row, COL_GRACE);
	s->cs_schedule = PQgetvalue(r, row, COL_SCHEDULE);
	s->cs_tz = PQgetvalue(r, row, COL_TZ);
	s->cs_status = check_status_parse(PQgetvalue(r, row, COL_STATUS));
	if (s->cs_status < 0)
		s->cs_status = CS_NEW;
	s->cs_last_ping = col_time(r, row, COL_LAST_PING);
	s->cs_last_start = col_time(r, row, COL_LAST_START);
	s->cs_last_duration = col_time(r, row, COL_LAST_DURATION);
}

/* unique_key: hex SHA-1 of the first 16 hex digits of the UUID. */
static void
unique_key(const char *code, char out[41])
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
	json_w_int(j, col_time(r, row, COL_N_PINGS));
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

		unique_key(code, uk);
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

	a->a_r->r_status = status;
	a->a_r->r_ctype = "application/json";
	buf_reset(&a->a_r->r_body);
	json_w_init(&j, &a->a_r->r_body);
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

/* In the order Healthchecks' schema lists them: the first error wins. */
static const struct field check_fields[] = {
	{ "name", F_STR, 100, 0, NULL, { NULL } },
	{ "slug", F_STR, 100, 0, "slug", { NULL } },
	{ "tags", F_STR, 500, 0, NULL, { NULL } },
	{ "desc", F_STR, 0, 0, NULL, { NULL } },
	{ "timeout", F_INT, 31536000, 60, NULL, { NULL } },
	{ "grace", F_INT, 31536000, 60, NULL, { NULL } },
	{ "schedule", F_SCHEDULE, 100, 0, NULL, { NULL } },
	{ "tz", F_TZ, 36, 0, NULL, { NULL } },
	{ "manual_resume", F_BOOL, 0, 0, NULL, { NULL } },
	{ "methods", F_ENUM, 0, 0, NULL, { "", "POST", NULL } },
	{ "channels", F_STR, 0, 0, NULL, { NULL } },
	{ "filter_subject", F_BOOL, 0, 0, NULL, { NULL } },
	{ "filter_body", F_BOOL, 0, 0, NULL, { NULL } },
	{ "filter_http_body", F_BOOL, 0, 0, NULL, { NULL } },
	{ "filter_default_fail", F_BOOL, 0, 0, NULL, { NULL } },
	{ "start_kw", F_STR, 200, 0, NULL, { NULL } },
	{ "success_kw", F_STR, 200, 0, NULL, { NULL } },
	{ "failure_kw", F_STR, 200, 0, NULL, { NULL } },
	{ "subject", F_STR, 200, 0, NULL, { NULL } },
	{ "subject_fail", F_STR, 200, 0, NULL, { NULL } },
	{ "unique", F_ARRAY, 0, 0, NULL,
	    { "name", "slug", "tags", "timeout", "grace", NULL } },
};
#define NFIELDS	(sizeof(check_fields) / sizeof(check_fields[0]))

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

/* Validates one value; writes the message (without the prefix) on error. */
static int
field_check(const struct json_doc *d, int tok, const struct field *f,
    const char *subject, char *msg, size_t msgsz)
{
	enum json_type	 t = json_type(d, tok);
	char		*s = NULL;
	double		 v;
	const char	*p;
	size_t		 len;
	int		 i, n;

	switch (f->f_type) {
	case F_STR:
	case F_SCHEDULE:
	case F_TZ:
	case F_ENUM:
		if (t != JSON_STRING) {
			snprintf(msg, msgsz, "%s is not a string", subject);
			return -1;
		}
		s = json_strn(d, tok, &len);
		if (strlen(s) != len) {
			snprintf(msg, msgsz, "%s does not match pattern",
			    subject);
			free(s);
			return -1;
		}
		if (f->f_type == F_ENUM) {
			if (!in_enum(f->f_enum, s)) {
				snprintf(msg, msgsz, "%s has unexpected value",
				    subject);
				free(s);
				return -1;
			}
			break;
		}
		if (f->f_max && utf8_chars(s) > (size_t)f->f_max) {
			snprintf(msg, msgsz, "%s is too long", subject);
			free(s);
			return -1;
		}
		if (f->f_pattern != NULL) {
			for (p = s; *p; p++)
				if (!(islower((unsigned char)*p) ||
				    isdigit((unsigned char)*p) || *p == '-' ||
				    *p == '_'))
					break;
			if (*p) {
				snprintf(msg, msgsz, "%s does not match pattern",
				    subject);
				free(s);
				return -1;
			}
		}
		if (f->f_type == F_SCHEDULE) {
			const char	*errstr;
			int		 ok;

			if (sched_kind_of(s)) {
				struct cron	cr;
				int64_t		next;

				ok = cron_parse(s, &cr, &errstr) == 0 &&
				    cron_next(&cr, tz_get("UTC"),
				    hc_now_us() / CT_SEC, &next) == 0;
			} else {
				struct oncal	*oc = oncal_parse(s, &errstr);
				int64_t		 next;

				ok = oc != NULL && oncal_next(oc, tz_get("UTC"),
				    hc_now_us() / CT_SEC, &next) == 0;
				oncal_free(oc);
			}
			if (!ok) {
				snprintf(msg, msgsz, "%s is not a valid cron or "
				    "OnCalendar expression", subject);
				free(s);
				return -1;
			}
		}
		if (f->f_type == F_TZ && tz_get(s) == NULL) {
			snprintf(msg, msgsz, "%s is not a valid timezone",
			    subject);
			free(s);
			return -1;
		}
		break;
	case F_INT:
		if (t != JSON_NUMBER || json_num(d, tok, &v) == -1) {
			snprintf(msg, msgsz, "%s is not a number", subject);
			return -1;
		}
		if (v < f->f_min) {
			snprintf(msg, msgsz, "%s is too small", subject);
			return -1;
		}
		if (v > f->f_max) {
			snprintf(msg, msgsz, "%s is too large", subject);
			return -1;
		}
		break;
	case F_BOOL:
		if (t != JSON_TRUE && t != JSON_FALSE) {
			snprintf(msg, msgsz, "%s is not a boolean", subject);
			return -1;
		}
		break;
	case F_ARRAY:
		if (t != JSON_ARRAY) {
			snprintf(msg, msgsz, "%s is not an array", subject);
			return -1;
		}
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
}

static int
validate_check(struct api *a, char *msg, size_t msgsz)
{
	size_t	i;
	int	tok;
	char	m[160];

	for (i = 0; i < NFIELDS; i++) {
		const struct field *f = &check_fields[i];

		if (f->f_pattern != NULL && a->a_version < 3)
			continue;	/* v1/v2 derive the slug from the name */
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

/* Django's slugify: ASCII letters, digits, '_', '-'; spaces to '-'. */
static char *
slugify(const char *s)
{
	struct buf	b;
	int		dash = 0;

	buf_init(&b);
	buf_addstr(&b, "");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || c == '_') {
			if (dash && b.b_len)
				buf_addc(&b, '-');
			dash = 0;
			buf_addc(&b, tolower(c));
		} else if (c == ' ' || c == '-')
			dash = 1;
	}
	return (char *)b.b_data;
}

static char *
doc_str(struct api *a, const char *key)
{
	int tok = json_obj_get(a->a_doc, a->a_root, key);

	return tok == -1 ? NULL : json_str(a->a_doc, tok);
}

static int
doc_has(struct api *a, const char *key)
{
	return json_obj_get(a->a_doc, a->a_root, key) != -1;
}

/* ---- endpoints ---- */

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

static void
checks_list(struct api *a)
{
	PGconn		*db = worker_db(a->a_q->q_w);
	PGresult	*r;
	struct json_w	 j;
	char		 pid[24];
	const char	*params[1] = { pid };
	int		 i;

	snprintf(pid, sizeof(pid), "%lld", (long long)a->a_project);
	r = select_checks(db, "c.project_id = $1", 1, params);
	if (db_failed(a, db, r, PGRES_TUPLES_OK))
		return;
	a->a_r->r_status = 200;
	a->a_r->r_ctype = "application/json";
	json_w_init(&j, &a->a_r->r_body);
	json_w_obj_begin(&j);
	json_w_key(&j, "checks");
	json_w_arr_begin(&j);
	for (i = 0; i < PQntuples(r); i++)
		check_json(a, &j, r, i);
	json_w_arr_end(&j);
	json_w_obj_end(&j);
	PQclear(r);
}

static void
checks_create(struct api *a)
{
	struct worker	*w = a->a_q->q_w;
	PGconn		*db = worker_db(w);
	PGresult	*r;
	struct buf	 cols, vals;
	char		*vs[24], pid[24], msg[256], *name, *slug = NULL;
	const char	*params[24];
	int		 np = 0, i, kind = -1, tok;
	int64_t		 id;
	uint8_t		 code[16];
	double		 v;

	if (validate_check(a, msg, sizeof(msg)) == -1) {
		json_error(a->a_r, 400, msg);
		return;
	}
	snprintf(pid, sizeof(pid), "%lld", (long long)a->a_project);
	if (db_exec(db, "BEGIN", msg, sizeof(msg)) == -1) {
		json_error(a->a_r, 503, "database unavailable");
		return;
	}
	/* The check limit of the project's owner, over all their projects. */
	params[0] = pid;
	r = PQexecParams(db,
	    "SELECT (SELECT count(*) FROM api_check c JOIN accounts_project p2 "
	    "        ON p2.id = c.project_id WHERE p2.owner_id = p.owner_id) "
	    "       >= coalesce(pr.check_limit, 0) "
	    "FROM accounts_project p "
	    "LEFT JOIN accounts_profile pr ON pr.user_id = p.owner_id "
	    "WHERE p.id = $1 FOR UPDATE OF p", 1, NULL, params, NULL, NULL, 0);
	if (db_failed(a, db, r, PGRES_TUPLES_OK))
		goto rollback;
	if (PQntuples(r) == 0 || strcmp(PQgetvalue(r, 0, 0), "t") == 0) {
		PQclear(r);
		empty(a->a_r, 403);
		goto rollback;
	}
	PQclear(r);

	buf_init(&cols);
	buf_init(&vals);
	memset(vs, 0, sizeof(vs));
#define ADD(col, val) do {						\
	vs[np] = (val);							\
	params[np] = vs[np];						\
	np++;								\
	buf_printf(&cols, ", %s", col);					\
	buf_printf(&vals, ", $%d", np);					\
} while (0)
	ADD("project_id", xstrdup(pid));
	name = doc_str(a, "name");
	if (name != NULL)
		ADD("name", name);
	if (a->a_version >= 3)
		slug = doc_str(a, "slug");
	else if (name != NULL)
		slug = slugify(name);
	if (slug != NULL)
		ADD("slug", slug);
	if (doc_has(a, "tags"))
		ADD("tags", doc_str(a, "tags"));
	if (doc_has(a, "desc"))
		ADD("\"desc\"", doc_str(a, "desc"));
	if ((tok = json_obj_get(a->a_doc, a->a_root, "timeout")) != -1) {
		json_num(a->a_doc, tok, &v);
		ADD("timeout", xasprintf("%.6f seconds", v));
		kind = CK_SIMPLE;
	}
	if ((tok = json_obj_get(a->a_doc, a->a_root, "grace")) != -1) {
		json_num(a->a_doc, tok, &v);
		ADD("grace", xasprintf("%.6f seconds", v));
	}
	if (doc_has(a, "schedule")) {
		char *s = doc_str(a, "schedule");

		kind = sched_kind_of(s) ? CK_CRON : CK_ONCALENDAR;
		ADD("schedule", s);
	}
	if (doc_has(a, "tz"))
		ADD("tz", doc_str(a, "tz"));
	if (kind != -1)
		ADD("kind", xstrdup(check_kind_name(kind)));
	{
		static const char *bools[] = { "manual_resume",
		    "filter_subject", "filter_body", "filter_http_body",
		    "filter_default_fail" };
		static const char *strs[] = { "methods", "start_kw",
		    "success_kw", "failure_kw" };

		for (i = 0; i < 5; i++)
			if ((tok = json_obj_get(a->a_doc, a->a_root,
			    bools[i])) != -1)
				ADD(bools[i], xstrdup(json_type(a->a_doc, tok) ==
				    JSON_TRUE ? "t" : "f"));
		for (i = 0; i < 4; i++)
			if (doc_has(a, strs[i]))
				ADD(strs[i], doc_str(a, strs[i]));
	}
#undef ADD
	{
		char *sql = xasprintf("INSERT INTO api_check (%s) VALUES (%s) "
		    "RETURNING id, code", (char *)cols.b_data + 2,
		    (char *)vals.b_data + 2);

		r = PQexecParams(db, sql, np, NULL, params, NULL, NULL, 0);
		free(sql);
	}
	for (i = 0; i < np; i++)
		free(vs[i]);
	buf_clear(&cols);
	buf_clear(&vals);
	if (db_failed(a, db, r, PGRES_TUPLES_OK))
		goto rollback;
	{
		const char *e;

		id = hc_strtonum(PQgetvalue(r, 0, 0), 1, INT64_MAX, &e);
		uuid_from_text(PQgetvalue(r, 0, 1), code);
	}
	PQclear(r);
	if (db_exec(db, "COMMIT", msg, sizeof(msg)) == -1) {
		json_error(a->a_r, 503, "database unavailable");
		goto rollback;
	}
	{
		char		 ids[24];
		const char	*p1[1] = { ids };

		snprintf(ids, sizeof(ids), "%lld", (long long)id);
		r = select_checks(db, "c.id = $1", 1, p1);
		if (db_failed(a, db, r, PGRES_TUPLES_OK))
			return;
		index_put_check(shm_index(w->w_env->pe_shm), code, id,
		    a->a_project, PQgetvalue(r, 0, COL_SLUG));
		reply_check(a, 201, r, 0);
		PQclear(r);
	}
	return;
rollback:
	db_exec(db, "ROLLBACK", msg, sizeof(msg));
}

static void
check_get(struct api *a, const char *ident, size_t len)
{
	PGconn		*db = worker_db(a->a_q->q_w);
	PGresult	*r;
	uint8_t		 u[16];
	char		 text[64], pid[24], uk[41];
	const char	*params[1] = { text };
	int		 i, row = -1;
	const char	*e;

	if (len == 36 && uuid_parse(ident, len, u) == 0) {
		uuid_format(u, text);
		r = select_checks(db, "c.code = $1", 1, params);
		if (db_failed(a, db, r, PGRES_TUPLES_OK))
			return;
		if (PQntuples(r) == 1)
			row = 0;
	} else if (len == 40) {
		/* unique_key: scan the project's checks. */
		snprintf(pid, sizeof(pid), "%lld", (long long)a->a_project);
		params[0] = pid;
		r = select_checks(db, "c.project_id = $1", 1, params);
		if (db_failed(a, db, r, PGRES_TUPLES_OK))
			return;
		for (i = 0; i < PQntuples(r); i++) {
			unique_key(PQgetvalue(r, i, COL_CODE), uk);
			if (len == 40 && memcmp(uk, ident, 40) == 0) {
				row = i;
				break;
			}
		}
	} else {
		json_error(a->a_r, 404, "not found");
		return;
	}
	if (row == -1) {
		PQclear(r);
		empty(a->a_r, 404);
		return;
	}
	if (hc_strtonum(PQgetvalue(r, row, COL_PROJECT), 1, INT64_MAX, &e) !=
	    a->a_project) {
		PQclear(r);
		empty(a->a_r, 403);
		return;
	}
	reply_check(a, 200, r, row);
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

#define IS(s)	(a.a_rest_len == strlen(s) && memcmp(a.a_rest, s, a.a_rest_len) == 0)
	if (IS("status/")) {
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
	if (IS("checks/")) {
		cors(r, "GET, POST");
		if (method_is(&a, "OPTIONS")) {
			empty(r, 204);
			return 0;
		}
		if (method_is(&a, "GET")) {
			if (api_auth(&a, 0) == 0)
				checks_list(&a);
		} else if (method_is(&a, "POST")) {
			if (parse_body(&a) == 0 && api_auth(&a, 1) == 0)
				checks_create(&a);
		} else
			empty(r, 405);
		goto out;
	}
	if (a.a_rest_len > 7 && memcmp(a.a_rest, "checks/", 7) == 0 &&
	    memchr(a.a_rest + 7, '/', a.a_rest_len - 7) == NULL) {
		cors(r, "GET, POST, DELETE");
		if (method_is(&a, "OPTIONS")) {
			empty(r, 204);
			return 0;
		}
		if (method_is(&a, "GET")) {
			if (api_auth(&a, 0) == 0)
				check_get(&a, a.a_rest + 7, a.a_rest_len - 7);
		} else
			empty(r, 405);
		goto out;
	}
#undef IS
	resp_text(r, 404, "not found");
out:
	if (a.a_doc != NULL)
		json_doc_free(a.a_doc);
	return 0;
}
