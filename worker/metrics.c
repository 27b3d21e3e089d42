/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The Prometheus endpoint of a project (spec 8.3), served by the
 * worker: /projects/<uuid>/metrics/<read-only key>, the older
 * /projects/<uuid>/checks/metrics/<key>, and /projects/<uuid>/metrics/
 * with the key as "Authorization: Bearer <key>".  Only read-only keys
 * are accepted; as in Healthchecks the project in the path is not
 * compared with the key's.  Gauges per check and per tag in the text
 * exposition format.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "apikey.h"
#include "check.h"
#include "check_db.h"
#include "checkdef.h"
#include "conf.h"
#include "db.h"
#include "hcd.h"
#include "log.h"
#include "worker.h"

/* Label value escaping of the exposition format. */
static void
esc(struct buf *b, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '\\':
			buf_addstr(b, "\\\\");
			break;
		case '"':
			buf_addstr(b, "\\\"");
			break;
		case '\n':
			buf_addstr(b, "\\n");
			break;
		default:
			buf_addc(b, *s);
		}
}

static int
uuid_ok(const char *s, size_t len)
{
	size_t i;

	if (len != 36)
		return 0;
	for (i = 0; i < 36; i++)
		if (i == 8 || i == 13 || i == 18 || i == 23 ? s[i] != '-' :
		    !(isdigit((unsigned char)s[i]) || (s[i] >= 'a' &&
		    s[i] <= 'f')))
			return 0;
	return 1;
}

/*
 * Which form a path after "/projects/" has: 1 key in the path (*key,
 * *keylen set), 2 Bearer, 0 not a metrics path.
 */
static int
metrics_form(const char *p, size_t len, const char **key, size_t *keylen)
{
	const char	*rest;
	size_t		 rl;

	if (len < 37 || !uuid_ok(p, 36) || p[36] != '/')
		return 0;
	rest = p + 37;
	rl = len - 37;
	if (rl >= 7 && memcmp(rest, "checks/", 7) == 0) {
		rest += 7;
		rl -= 7;
		if (rl <= 8 || memcmp(rest, "metrics/", 8) != 0)
			return 0;
	} else if (rl == 8 && memcmp(rest, "metrics/", 8) == 0)
		return 2;
	if (rl <= 8 || memcmp(rest, "metrics/", 8) != 0)
		return 0;
	*key = rest + 8;
	*keylen = rl - 8;
	if (memchr(*key, '/', *keylen) != NULL)
		return 0;
	return 1;
}

struct mcheck {
	char	 labels[1024];
	int	 status;
	int	 started;
};

static void
gauge_head(struct buf *b, const char *name, const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

static void
metrics_body(struct buf *b, PGresult *res)
{
	struct buf	 lb;
	struct tagset	 ta;
	struct check_state s;
	int		 n = PQntuples(res), i, ndown = 0, *st, *started;
	int		 nc = check_state_ncols();
	char		**labels, uk[41];
	size_t		 k, *order;
	int64_t		 now = hc_now_us();

	labels = xcalloc((size_t)n + 1, sizeof(*labels));
	st = xcalloc((size_t)n + 1, sizeof(*st));
	started = xcalloc((size_t)n + 1, sizeof(*started));
	buf_init(&lb);
	tagset_init(&ta);
	for (i = 0; i < n; i++) {
		check_state_decode(res, i, 0, &s);
		st[i] = check_get_status(&s, now, 0);
		started[i] = s.cs_last_start != CT_NONE;
		check_unique_key(PQgetvalue(res, i, nc + 2), uk);
		buf_reset(&lb);
		buf_addstr(&lb, "{name=\"");
		esc(&lb, PQgetvalue(res, i, nc));
		buf_addstr(&lb, "\", tags=\"");
		esc(&lb, PQgetvalue(res, i, nc + 1));
		buf_printf(&lb, "\", unique_key=\"%s\"}", uk);
		labels[i] = xstrdup((char *)lb.b_data);
		if (st[i] == CS_DOWN)
			ndown++;
		tagset_add_tags(&ta, PQgetvalue(res, i, nc + 1),
		    st[i] == CS_DOWN);
	}
	buf_clear(&lb);

	gauge_head(b, "hc_check_up",
	    "Whether the check is currently up (1 for yes, 0 for no).");
	for (i = 0; i < n; i++)
		buf_printf(b, "hc_check_up%s %d\n", labels[i],
		    st[i] == CS_DOWN ? 0 : 1);
	buf_addstr(b, "\n");
	gauge_head(b, "hc_check_started",
	    "Whether the check is currently started (1 for yes, 0 for no).");
	for (i = 0; i < n; i++)
		buf_printf(b, "hc_check_started%s %d\n", labels[i],
		    started[i]);
	buf_addstr(b, "\n");
	gauge_head(b, "hc_check_grace", "Whether the check is currently in "
	    "the grace period (1 for yes, 0 for no).");
	for (i = 0; i < n; i++)
		buf_printf(b, "hc_check_grace%s %d\n", labels[i],
		    st[i] == CS_GRACE);
	buf_addstr(b, "\n");
	gauge_head(b, "hc_check_paused",
	    "Whether the check is currently paused (1 for yes, 0 for no).");
	for (i = 0; i < n; i++)
		buf_printf(b, "hc_check_paused%s %d\n", labels[i],
		    st[i] == CS_PAUSED);
	buf_addstr(b, "\n");
	gauge_head(b, "hc_tag_up",
	    "Whether all checks with this tag are up (1 for yes, 0 for no).");
	order = tagset_sorted(&ta);
	for (k = 0; k < ta.ts_n; k++) {
		buf_addstr(b, "hc_tag_up{tag=\"");
		esc(b, ta.ts_tag[order[k]]);
		buf_printf(b, "\"} %d\n", ta.ts_val[order[k]] ? 0 : 1);
	}
	buf_addstr(b, "\n");
	gauge_head(b, "hc_checks_total", "The total number of checks.");
	buf_printf(b, "hc_checks_total %d\n\n", n);
	gauge_head(b, "hc_checks_down_total",
	    "The number of checks currently down.");
	buf_printf(b, "hc_checks_down_total %d\n", ndown);

	for (i = 0; i < n; i++)
		free(labels[i]);
	free(labels);
	free(st);
	free(started);
	tagset_free(&ta);
	free(order);
}

static int
metrics_handle(struct req *q, struct resp *r)
{
	struct worker		*w = q->q_w;
	const struct http_hdr	*h;
	const char		*k = NULL;
	size_t			 kl = 0;
	char			 key[APIKEY_LEN * 3 + 1], pid[24], *sql;
	const char		*params[1] = { pid };
	struct dbctx		 x;
	struct dberr		 e;
	PGresult		*res;
	int64_t			 project = 0;
	int			 ro = 0, form, rc;

	form = metrics_form(q->q_path + 10, q->q_path_len - 10, &k, &kl);
	if (form == 0 || !w->w_conf->prometheus_enabled) {
		resp_text(r, 404, "not found");
		return 0;
	}
	if (form == 2) {
		h = http_req_header(q->q_http, "Authorization");
		if (h == NULL || h->value_len < 7 ||
		    memcmp(h->value, "Bearer ", 7) != 0) {
			resp_text(r, 401, "");
			return 0;
		}
		k = h->value + 7;
		kl = h->value_len - 7;
		if (kl != APIKEY_LEN) {
			resp_text(r, 400, "");
			return 0;
		}
		memcpy(key, k, kl);
		key[kl] = '\0';
	} else {
		/* The key in the path, percent-decoded as Django does. */
		if (kl >= sizeof(key) || (kl = http_urldecode(k, kl, key,
		    sizeof(key), 0)) == (size_t)-1 || kl != APIKEY_LEN ||
		    strlen(key) != APIKEY_LEN) {
			resp_text(r, 400, "");
			return 0;
		}
	}
	if (!hc_utf8_valid(key, strlen(key))) {
		resp_text(r, 403, "");		/* no such key */
		return 0;
	}
	api_ctx(q, &x);
	rc = api_project_by_key(&x, w->w_conf->secret_key, key, 0, 1,
	    &project, &ro);
	if (rc == -1) {
		resp_text(r, 503, "database unavailable");
		return 0;
	}
	if (rc == 0) {
		resp_text(r, 403, "");
		return 0;
	}
	snprintf(pid, sizeof(pid), "%lld", (long long)project);
	sql = xasprintf("SELECT %s, c.name, c.tags, c.code FROM api_check c "
	    "WHERE c.project_id = $1 ORDER BY c.id", check_state_cols());
	res = cdb_exec(&x, sql, 1, params, &e);
	free(sql);
	if (res == NULL) {
		resp_text(r, 503, "database unavailable");
		return 0;
	}
	r->r_status = 200;
	r->r_ctype = "text/plain";
	buf_reset(&r->r_body);
	metrics_body(&r->r_body, res);
	PQclear(res);
	return 0;
}

/* /projects/<uuid>/metrics/<key> and /projects/<uuid>/checks/metrics/<key> */
int
metrics_project(struct req *q, struct resp *r)
{
	return metrics_handle(q, r);
}

/* /projects/<uuid>/metrics/ with the key as a Bearer token */
int
metrics_project_bearer(struct req *q, struct resp *r)
{
	return metrics_handle(q, r);
}
