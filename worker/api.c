/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The frame of the management API (spec 6), versions 1, 2 and 3 from
 * one code path: CORS, OPTIONS and the allowed methods of each URL,
 * the JSON body, authentication by project API key (X-Api-Key, or
 * api_key in a JSON body), and the rendering of a data function's
 * failure as Healthchecks answers it.  The endpoints live by resource
 * in api_checks.c, api_pings.c and api_project.c; routes.c maps URLs
 * to them.
 *
 * Every handler here runs on one of the worker's database threads
 * (dbq.c) with that thread's own session, never on the event loop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "apikey.h"
#include "check_db.h"
#include "conf.h"
#include "db.h"
#include "dbconn.h"
#include "hcd.h"
#include "json.h"
#include "log.h"
#include "proc.h"
#include "shm.h"
#include "worker.h"

void
api_json_error(struct resp *r, int status, const char *msg)
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

void
api_empty(struct resp *r, int status)
{
	r->r_status = status;
	r->r_ctype = NULL;
	buf_reset(&r->r_body);
}

/* A data function's failure, answered as Healthchecks does. */
void
api_fail(struct api *a, const struct dberr *e)
{
	switch (e->e_code) {
	case 400:
		api_json_error(a->a_r, 400, e->e_msg);
		break;
	case 403:
		api_empty(a->a_r, 403);
		break;
	case 404:
		resp_text(a->a_r, 404, "not found");
		break;
	case 409:
		resp_text(a->a_r, 409, e->e_msg);
		a->a_r->r_ctype = "text/html; charset=utf-8";
		break;
	default:
		/* "database unavailable", or what else made it a 503 */
		api_json_error(a->a_r, 503, e->e_msg[0] ? e->e_msg :
		    "database unavailable");
		break;
	}
}

int
api_method_is(const struct api *a, const char *m)
{
	const struct http_req *h = a->a_q->q_http;

	return h->method_len == strlen(m) && memcmp(h->method, m,
	    h->method_len) == 0;
}

void
api_json_begin(struct api *a, int status, struct json_w *j)
{
	a->a_r->r_status = status;
	a->a_r->r_ctype = "application/json";
	buf_reset(&a->a_r->r_body);
	json_w_init(j, &a->a_r->r_body);
}

/* A 200 answer {"<key>": [ ... ]}: open it, then close it. */
void
api_list_begin(struct api *a, struct json_w *j, const char *key)
{
	api_json_begin(a, 200, j);
	json_w_obj_begin(j);
	json_w_key(j, key);
	json_w_arr_begin(j);
}

void
api_list_end(struct json_w *j)
{
	json_w_arr_end(j);
	json_w_obj_end(j);
}

/* Route capture i as a string (truncated to outsz). */
void
api_arg(const struct req *q, int i, char *out, size_t outsz)
{
	size_t n = i < q->q_nargs ? q->q_arglen[i] : 0;

	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, i < q->q_nargs ? q->q_arg[i] : "", n);
	out[n] = '\0';
}

void
api_ctx(struct req *q, struct dbctx *x)
{
	x->x_db = q->q_db;
	x->x_index = shm_index(q->q_w->w_env->pe_shm);
	x->x_conf = q->q_w->w_conf;
}

/*
 * The project of a 32-char key: 1 found (*project, *readonly set), 0 no
 * such key among those accepted, -1 database error.  Hashed hcw_/hcr_
 * keys by their 8-char prefix, legacy plain keys whole.
 */
int
api_project_by_key(struct dbctx *x, const char *secret, const char *key,
    int accept_rw, int accept_ro, int64_t *project, int *readonly)
{
	char		 prefix[APIKEY_PREFIX_LEN + 1];
	char		 like[APIKEY_PREFIX_LEN + 2];
	const char	*params[1];
	PGresult	*r;
	struct dberr	 e;
	int		 i, found = 0;

	if (apikey_lookup_prefix(key, prefix) == 0) {
		snprintf(like, sizeof(like), "%s%%", prefix);
		params[0] = like;
		r = cdb_exec(x, "SELECT id, api_key, api_key_readonly "
		    "FROM accounts_project WHERE api_key LIKE $1 OR "
		    "api_key_readonly LIKE $1", 1, params, &e);
	} else {
		params[0] = key;
		r = cdb_exec(x, "SELECT id, api_key, api_key_readonly "
		    "FROM accounts_project WHERE api_key = $1 OR "
		    "api_key_readonly = $1", 1, params, &e);
	}
	if (r == NULL)
		return -1;
	for (i = 0; i < PQntuples(r) && !found; i++) {
		int64_t id = db_getint(r, i, 0, 0);

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
 * Find the project of an API key.  0 (a_project, a_readonly set), or -1
 * with the 401 (or 503) answered.  `write` endpoints refuse read-only
 * keys.
 */
static int
api_auth(struct api *a, int write)
{
	const struct http_hdr	*h;
	char			 key[APIKEY_LEN + 1];
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
		api_json_error(a->a_r, 401, "missing api key");
		return -1;
	}
	key[APIKEY_LEN] = '\0';
	/* No key of ours is not UTF-8: no need to ask PostgreSQL. */
	if (!hc_utf8_valid(key, APIKEY_LEN)) {
		api_json_error(a->a_r, 401, "wrong api key");
		return -1;
	}
	rv = api_project_by_key(a->a_x, a->a_q->q_w->w_conf->secret_key, key,
	    1, 1, &a->a_project, &a->a_readonly);
	if (rv == -1) {
		api_json_error(a->a_r, 503, "database unavailable");
		return -1;
	}
	if (rv == 0 || (write && a->a_readonly)) {
		api_json_error(a->a_r, 401, "wrong api key");
		return -1;
	}
	return 0;
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
		api_json_error(a->a_r, 400, "could not parse request body");
		return -1;
	}
	a->a_root = json_root(a->a_doc);
	if (json_type(a->a_doc, a->a_root) != JSON_OBJECT) {
		api_json_error(a->a_r, 400,
		    "json validation error: value is not an object");
		return -1;
	}
	return 0;
}

/*
 * The common frame of an endpoint: CORS headers, OPTIONS, the allowed
 * methods of its URL (else 405), the body for POST, the key.  Returns 1
 * when the handler should go on, 0 when the answer is written; either
 * way api_end() follows.
 */
int
api_begin(struct api *a, struct req *q, struct resp *r, struct dbctx *x,
    const char *methods, int write)
{
	const char	*m = methods, *c;
	size_t		 ml = q->q_http->method_len;
	int		 ok = 0;

	memset(a, 0, sizeof(*a));
	a->a_q = q;
	a->a_r = r;
	a->a_x = x;
	a->a_version = q->q_nargs > 0 ? q->q_arg[0][0] - '0' : 3;
	api_ctx(q, x);
	r->r_cors = 1;
	buf_printf(&r->r_hdrs, "Access-Control-Allow-Headers: X-Api-Key\r\n"
	    "Access-Control-Allow-Methods: %s, OPTIONS\r\n"
	    "Access-Control-Max-Age: 600\r\n", methods);
	if (api_method_is(a, "OPTIONS")) {
		api_empty(r, 204);
		return 0;
	}
	while (*m) {
		if ((c = strchr(m, ',')) == NULL)
			c = m + strlen(m);
		if ((size_t)(c - m) == ml && memcmp(m, q->q_http->method,
		    ml) == 0)
			ok = 1;
		m = *c ? c + 2 : c;
	}
	if (!ok) {
		api_empty(r, 405);
		return 0;
	}
	if (api_method_is(a, "POST") && parse_body(a) == -1)
		return 0;
	return api_auth(a, write) == 0;
}

void
api_end(struct api *a)
{
	if (a->a_doc != NULL)
		json_doc_free(a->a_doc);
	a->a_doc = NULL;
}

/* An endpoint: the frame, then fn when it should go on. */
int
api_run(struct req *q, struct resp *r, const char *methods, int write,
    void (*fn)(struct api *))
{
	struct api	a;
	struct dbctx	x;

	if (api_begin(&a, q, r, &x, methods, write))
		fn(&a);
	api_end(&a);
	return 0;
}

/*
 * The check named by route capture 1, a UUID (or a unique_key when
 * `by_key`), in the key's project: its id, or 0 with the failure
 * answered (an unknown unique_key is an empty 404).
 */
int64_t
api_check_id(struct api *a, int by_key)
{
	struct dberr	e;
	char		ident[41];
	int64_t		id;
	int		rc;

	api_arg(a->a_q, 1, ident, sizeof(ident));
	if (by_key)
		rc = check_db_find_key(a->a_x, a->a_project, ident, &id, &e);
	else
		rc = check_db_find(a->a_x, a->a_project, ident, &id, NULL, &e);
	if (rc == 0)
		return id;
	if (by_key && e.e_code == 404)
		api_empty(a->a_r, 404);
	else
		api_fail(a, &e);
	return 0;
}

/* GET status/: the database answers (no key, no CORS). */
int
api_status(struct req *q, struct resp *r)
{
	struct dbctx	 x;
	struct dberr	 e;
	PGresult	*res;

	api_ctx(q, &x);
	if ((res = cdb_exec(&x, "SELECT 1", 0, NULL, &e)) == NULL) {
		resp_text(r, 503, "database unavailable");
		return 0;
	}
	PQclear(res);
	resp_text(r, 200, "OK");
	return 0;
}
