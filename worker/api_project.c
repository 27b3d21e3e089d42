/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * API endpoints at the project level (spec 6.2): the channels, the
 * badge URLs of every tag, and the operator's metrics.  Run on a
 * database thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "check.h"
#include "check_db.h"
#include "checkdef.h"
#include "conf.h"
#include "db.h"
#include "hcd.h"
#include "json.h"
#include "log.h"
#include "worker.h"

static void
channels_list(struct api *a)
{
	struct dberr	 e;
	PGresult	*r;
	struct json_w	 j;
	char		 pid[24];
	const char	*p[1] = { pid };
	int		 i;

	snprintf(pid, sizeof(pid), "%lld", (long long)a->a_project);
	r = cdb_exec(a->a_x, "SELECT code, name, kind FROM api_channel "
	    "WHERE project_id = $1 ORDER BY id", 1, p, &e);
	if (r == NULL) {
		api_fail(a, &e);
		return;
	}
	api_list_begin(a, &j, "channels");
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
	api_list_end(&j);
	PQclear(r);
}

static void
badges_list(struct api *a)
{
	const struct conf	*cf = a->a_q->q_w->w_conf;
	struct dberr		 e;
	PGresult		*r;
	struct json_w		 j;
	struct tagset		 l;
	struct buf		 u, qt, pre;
	struct badge_signer	 bs;
	char			 pid[24], *key, sig[BADGE_SIG_LEN + 1];
	const char		*p[1] = { pid };
	static const char	*fmts[] = { "svg", "json", "shields" };
	static const char	*names[3][2] = { { "svg", "svg3" },
	    { "json", "json3" }, { "shields", "shields3" } };
	size_t			 i, *order, tagbytes;
	int			 k, f;

	snprintf(pid, sizeof(pid), "%lld", (long long)a->a_project);
	if ((r = cdb_exec(a->a_x, "SELECT badge_key FROM accounts_project "
	    "WHERE id = $1", 1, p, &e)) == NULL) {
		api_fail(a, &e);
		return;
	}
	key = xstrdup(PQntuples(r) ? PQgetvalue(r, 0, 0) : "");
	PQclear(r);
	if ((r = cdb_exec(a->a_x, "SELECT tags FROM api_check WHERE "
	    "project_id = $1", 1, p, &e)) == NULL) {
		api_fail(a, &e);
		free(key);
		return;
	}
	tagset_init(&l);
	for (k = 0; k < PQntuples(r); k++)
		tagset_add_tags(&l, PQgetvalue(r, k, 0), 0);
	PQclear(r);
	order = tagset_sorted(&l);
	api_json_begin(a, 200, &j);
	json_w_obj_begin(&j);
	json_w_key(&j, "badges");
	json_w_obj_begin(&j);
	/*
	 * 50,000 tags make 300,000 URLs (29 MB): the part every URL shares
	 * is escaped once, the rest is safe as it is (a signature in URL-
	 * safe base64, a percent-encoded tag), and the answer's buffer is
	 * sized once.
	 */
	buf_init(&u);
	buf_init(&qt);
	buf_init(&pre);
	buf_addc(&pre, '"');
	json_escape(&pre, cf->site_root, strlen(cf->site_root));
	buf_addstr(&pre, "/badge/");
	json_escape(&pre, key, strlen(key));
	buf_addc(&pre, '/');
	for (i = 0, tagbytes = 0; i < l.ts_n; i++)
		tagbytes += strlen(l.ts_tag[i]);
	buf_reserve(j.b, (l.ts_n + 1) * (6 * (pre.b_len + 40) + 100) +
	    tagbytes * 24);
	if (badge_signer_init(&bs, cf->secret_key, key) == -1)
		fatalx("%s: SHA-1 failed", __func__);
	for (i = 0; i <= l.ts_n; i++) {
		const char *tag = i == 0 ? "*" : l.ts_tag[order[i - 1]];

		/* One signature and one quoting per tag, six URLs. */
		badge_signer_sig(&bs, tag, sig);
		buf_reset(&qt);
		if (i != 0) {
			buf_addc(&qt, '/');
			badge_tag_quote(&qt, tag);
		}
		json_w_key(&j, tag);
		json_w_obj_begin(&j);
		for (f = 0; f < 3; f++)
			for (k = 0; k < 2; k++) {
				buf_reset(&u);
				buf_add(&u, pre.b_data, pre.b_len);
				buf_addstr(&u, sig);
				if (!k)
					buf_addstr(&u, "-2");
				buf_add(&u, qt.b_data, qt.b_len);
				buf_addc(&u, '.');
				buf_addstr(&u, fmts[f]);
				buf_addc(&u, '"');
				json_w_key(&j, names[f][k]);
				json_w_rawn(&j, (char *)u.b_data, u.b_len);
			}
		json_w_obj_end(&j);
	}
	buf_clear(&pre);
	badge_signer_free(&bs);
	buf_clear(&qt);
	buf_clear(&u);
	json_w_obj_end(&j);
	json_w_obj_end(&j);
	tagset_free(&l);
	free(order);
	free(key);
}

/* GET metrics/: the operator's counters, behind X-Metrics-Key. */
static void
metrics_json(struct api *a)
{
	const struct conf	*cf = a->a_q->q_w->w_conf;
	const struct http_hdr	*h;
	struct dberr		 e;
	PGresult		*r;
	struct json_w		 j;

	h = http_req_header(a->a_q->q_http, "X-Metrics-Key");
	if (cf->metrics_key == NULL || cf->metrics_key[0] == '\0' ||
	    h == NULL || h->value_len != strlen(cf->metrics_key) ||
	    memcmp(h->value, cf->metrics_key, h->value_len) != 0) {
		api_empty(a->a_r, 403);
		return;
	}
	if ((r = cdb_exec(a->a_x, "SELECT (SELECT max(id) FROM api_ping), "
	    "(SELECT max(id) FROM api_notification), "
	    "(SELECT count(*) FROM api_flip WHERE processed IS NULL)", 0,
	    NULL, &e)) == NULL) {
		api_fail(a, &e);
		return;
	}
	api_json_begin(a, 200, &j);
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

/* GET channels/ */
int
api_channels(struct req *q, struct resp *r)
{
	return api_run(q, r, "GET", 1, channels_list);
}

/* GET badges/ */
int
api_badges(struct req *q, struct resp *r)
{
	return api_run(q, r, "GET", 0, badges_list);
}

/* GET metrics/: no CORS frame, no API key; X-Metrics-Key instead. */
int
api_metrics(struct req *q, struct resp *r)
{
	struct api	a;
	struct dbctx	x;

	memset(&a, 0, sizeof(a));
	a.a_q = q;
	a.a_r = r;
	a.a_x = &x;
	api_ctx(q, &x);
	metrics_json(&a);
	return 0;
}
