/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The ping path of the worker (spec 1.1-1.4): route the URL, find the
 * check in the shared index (no database round trip), write a record
 * to this worker's ring, and hold the answer until the alerter has
 * committed it (ACK_MODE=durable) or answer at once (fast).
 *
 * What depends on the check's stored settings (methods=POST, body
 * keyword filters, manual_resume) is decided by the alerter, which
 * holds the check row locked while it applies the ping: the worker
 * always answers "OK" for a known check, as Healthchecks does.
 *
 * The only database work here is ?create=1 for an unknown slug, which
 * is rare: it runs as a database job (api_checks.c, api_ping_create)
 * and the ping is handled again when the job is done.
 */
#include <arpa/inet.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "conf.h"
#include "db.h"
#include "hcd.h"
#include "index.h"
#include "log.h"
#include "ping.h"
#include "pingrec.h"
#include "proc.h"
#include "ring.h"
#include "route.h"
#include "shm.h"
#include "worker.h"

/*
 * The client's address: the first item of X-Forwarded-For if present,
 * else the peer.  "a.b.c.d:port" loses its port; anything that is still
 * not an IP address is stored as NULL (empty here).
 */
static void
remote_addr(const struct req *q, char *out, size_t outsz)
{
	const struct http_hdr	*xff;
	char			 tmp[128], *p;
	unsigned char		 a[16];
	size_t			 n;

	out[0] = '\0';
	xff = http_req_header(q->q_http, "X-Forwarded-For");
	if (xff == NULL) {
		hc_strlcpy(out, q->q_conn->c_peer, outsz);
		return;
	}
	n = xff->value_len;
	if ((p = memchr(xff->value, ',', n)) != NULL)
		n = (size_t)(p - xff->value);
	if (n >= sizeof(tmp))
		return;
	memcpy(tmp, xff->value, n);
	tmp[n] = '\0';
	while (n > 0 && (tmp[n - 1] == ' ' || tmp[n - 1] == '\t'))
		tmp[--n] = '\0';
	p = tmp;
	while (*p == ' ' || *p == '\t')
		p++;
	if (inet_pton(AF_INET, p, a) == 1 || inet_pton(AF_INET6, p, a) == 1) {
		hc_strlcpy(out, p, outsz);
		return;
	}
	if ((n = strcspn(p, ":")) < strlen(p) && strchr(p + n + 1, ':') == NULL) {
		p[n] = '\0';
		if (inet_pton(AF_INET, p, a) == 1)
			hc_strlcpy(out, p, outsz);
	}
}

/*
 * Back from ?create=1's database job (api_ping_create): handle the ping
 * again, now that the index has the check.
 */
static int
ping_created(struct worker *w, struct conn *c, struct job *j)
{
	struct req *q = &j->j_req;

	if (j->j_rv == -1) {
		resp_text(&j->j_resp, 404, "not found");
		return 0;
	}
	if (j->j_rv < 0)
		return 0;	/* the job wrote its 503 */
	q->q_conn = c;
	q->q_created = j->j_rv;
	q->q_check = j->j_check;
	resp_init(&j->j_resp, 404);
	return ping_handle(q, &j->j_resp);
}

int
ping_handle(struct req *q, struct resp *r)
{
	struct worker		*w = q->q_w;
	const struct http_req	*h = q->q_http;
	struct index		*x = shm_index(w->w_env->pe_shm);
	struct ping_route	 rt;
	struct ping_data	 pd;
	struct buf		 ua;
	const struct http_hdr	*hd;
	char			 addr[64], qv[64], dpath[512];
	uint8_t			 rid[16];
	int64_t			 id = 0, project = 0;
	uint64_t		 next;
	size_t			 body_len;
	int			 rc, js, has_rid = 0, created = 0, scheme = PS_HTTP;

	/* Django routes on the percent-decoded path. */
	if (memchr(q->q_path + 6, '%', q->q_path_len - 6) != NULL) {
		size_t n = http_urldecode(q->q_path + 6, q->q_path_len - 6,
		    dpath, sizeof(dpath), 0);

		if (n == (size_t)-1) {
			resp_text(r, 404, "not found");
			return 0;
		}
		rc = route_ping(dpath, n, &rt);
	} else
		rc = route_ping(q->q_path + 6, q->q_path_len - 6, &rt);
	if (rc == ROUTE_NOT_FOUND) {
		resp_text(r, 404, "not found");
		return 0;
	}
	if (rc == ROUTE_BAD_URL && rt.exitstatus != ROUTE_EXIT_TOO_BIG) {
		resp_text(r, 400, "invalid url format");
		return 0;
	}
	if (!rt.by_slug)
		id = index_find_code(x, rt.uuid, &project);
	else if ((project = index_find_project(x, rt.ping_key)) != 0) {
		if ((id = index_find_slug(x, project, rt.slug)) == -1) {
			resp_text(r, 409, "ambiguous slug");
			return 0;
		}
	}
	if (id == 0) {
		if (!rt.by_slug || project == 0 ||
		    http_query_get(h->query, h->query_len, "create", qv,
		    sizeof(qv)) != 1 || strcmp(qv, "1") != 0) {
			resp_text(r, 404, "not found");
			return 0;
		}
		if (q->q_created < 0) {
			/* The database's part runs off the loop. */
			struct job *j = worker_job(q, api_ping_create,
			    ping_created);

			if (j == NULL) {
				resp_text(r, 503, "database unavailable");
				return 0;
			}
			j->j_project = project;
			hc_strlcpy(j->j_slug, rt.slug, sizeof(j->j_slug));
			return worker_job_start(w, j);
		}
		/* Created or found, but not in the index (it is full). */
		id = q->q_check;
		created = q->q_created == 1;
	} else if (q->q_created == 1)
		created = 1;
	if (rc == ROUTE_BAD_URL) {
		resp_text(r, 400, "invalid url format");
		return 0;
	}
	switch (http_query_get(h->query, h->query_len, "rid", qv, sizeof(qv))) {
	case 0:
		break;
	case 1:
		if (uuid_parse_ci(qv, strlen(qv), rid) == 0) {
			has_rid = 1;
			break;
		}
		/* FALLTHROUGH */
	default:
		resp_text(r, 400, "invalid uuid format");
		return 0;
	}
	if (atomic_load_explicit(&w->w_env->pe_shm->sh_stopping,
	    memory_order_relaxed)) {
		resp_text(r, 503, "shutting down");
		buf_printf(&r->r_hdrs, "Retry-After: %s\r\n", HC_RETRY_AFTER);
		return 0;
	}

	remote_addr(q, addr, sizeof(addr));
	if ((hd = http_req_header(h, "X-Forwarded-Proto")) != NULL &&
	    hd->value_len == 5 && memcmp(hd->value, "https", 5) == 0)
		scheme = PS_HTTPS;
	body_len = h->body_len;
	if (w->w_conf->ping_body_limit >= 0 &&
	    body_len > (size_t)w->w_conf->ping_body_limit)
		body_len = (size_t)w->w_conf->ping_body_limit;
	buf_init(&ua);
	if ((hd = http_req_header(h, "User-Agent")) != NULL)
		utf8_sanitize(&ua, hd->value, hd->value_len, HC_UA_MAX);

	memset(&pd, 0, sizeof(pd));
	pd.pd_check = id;
	pd.pd_time = hc_now_us();
	pd.pd_action = rt.action;
	pd.pd_scheme = scheme;
	pd.pd_exit = rt.exitstatus;
	if (h->method_len == 4 && memcmp(h->method, "POST", 4) == 0)
		pd.pd_flags |= PR_POST;
	pd.pd_rid = has_rid ? rid : NULL;
	pd.pd_method = h->method;
	pd.pd_method_len = h->method_len;	/* cut at PINGREC_METHOD_MAX */
	pd.pd_addr = addr;
	pd.pd_addr_len = strlen(addr);
	pd.pd_ua = (const char *)ua.b_data;
	pd.pd_ua_len = ua.b_len;
	pd.pd_body = h->body;
	pd.pd_body_len = body_len;
	/*
	 * The journal refusing (full, or the disk refusing writes): said
	 * at once, the record not even queued.  What was queued before
	 * the journal refused is answered 503 by the ack path instead.
	 */
	if ((js = atomic_load(&w->w_env->pe_shm->sh_j_state)) != JS_OK) {
		buf_clear(&ua);
		atomic_fetch_add(&w->w_env->pe_shm->sh_j_refused, 1);
		resp_text(r, 503, js == JS_FULL ?
		    "ping journal full, retry later" :
		    "ping journal unavailable, retry later");
		buf_printf(&r->r_hdrs, "Retry-After: %s\r\n", HC_RETRY_AFTER);
		return 0;
	}
	rc = pingrec_put(w->w_ring, &pd, &next);
	buf_clear(&ua);
	if (rc == -1) {
		resp_text(r, 503, "ping queue full, retry later");
		buf_printf(&r->r_hdrs, "Retry-After: %s\r\n", HC_RETRY_AFTER);
		log_debug("%s: ring full", __func__);
		return 0;
	}
	ring_publish(w->w_ring, next);
	proc_wake_alerter(w->w_env);

	if (w->w_conf->ack_mode == ACK_FAST) {
		resp_ping_ok(w, r, created);
		return 0;
	}
	worker_hold(w, q->q_conn, next, created ? 201 : 200);
	return HANDLER_DEFERRED;
}
