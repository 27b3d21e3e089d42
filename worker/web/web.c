/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The frame of every dashboard page (web.h).  web_begin() reads the
 * cookies, finds the session in PostgreSQL (hcd_session holds the
 * SHA-256 of the cookie's key), sets up the CSRF token and refuses a
 * state-changing request that does not carry it; the handler fills
 * the page's context and renders it with web_page(), which puts it in
 * the layout with the security headers every page gets.
 *
 * Sessions live in hcd_session (schema/001_init.sql): its key column
 * holds the SHA-256 of the cookie's random key, never the key itself.
 *
 * CSRF: every visitor has a random hcd_csrf cookie (HttpOnly,
 * SameSite=Lax); forms and the pages' scripts carry HMAC(SECRET_KEY,
 * cookie) as the field "csrf" or the header X-CSRF-Token, and a POST
 * whose token does not match, or whose Origin header names another
 * site, is answered 403.  The cookie is replaced at log-in and
 * log-out.
 *
 * Runs on the workers' database threads only.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "check.h"
#include "conf.h"
#include "db.h"
#include "dbconn.h"
#include "hcd.h"
#include "proc.h"
#include "json.h"
#include "log.h"
#include "shm.h"
#include "tmpl.h"
#include "tz.h"
#include "web.h"
#include "worker.h"

#define CSP	"default-src 'self'; script-src 'self'; style-src 'self'; " \
		"img-src 'self' data:; connect-src 'self'; object-src 'none'; " \
		"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

static void
hex(const unsigned char *in, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = d[in[i] >> 4];
		out[2 * i + 1] = d[in[i] & 15];
	}
	out[2 * n] = '\0';
}

void
web_token(char *out, size_t outsz)
{
	unsigned char raw[WEB_TOKEN_BYTES];

	if (outsz < 2 * sizeof(raw) + 1)
		fatalx("%s: buffer", __func__);
	if (RAND_bytes(raw, sizeof(raw)) != 1)
		fatalx("%s: RAND_bytes failed", __func__);
	hex(raw, sizeof(raw), out);
}

void
web_sha256_hex(const char *s, size_t n, char out[65])
{
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned int	mdlen = 0;

	if (EVP_Digest(s, n, md, &mdlen, EVP_sha256(), NULL) != 1)
		fatalx("%s: EVP_Digest failed", __func__);
	hex(md, 32, out);
}

/* hex HMAC-SHA256(SECRET_KEY, prefix value), truncated to outsz - 1. */
void
web_key_hash(const struct conf *cf, const char *prefix, const char *value,
    char *out, size_t outsz)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	char		*msg, full[65];

	msg = xasprintf("%s%s", prefix, value);
	if (HMAC(EVP_sha256(), cf->secret_key, (int)strlen(cf->secret_key),
	    (unsigned char *)msg, strlen(msg), md, &mdlen) == NULL)
		fatalx("%s: HMAC failed", __func__);
	free(msg);
	hex(md, 32, full);
	hc_strlcpy(out, full, outsz);
}

/* The value of cookie `name`, 1 found, 0 not. */
static int
cookie_get(const struct http_req *h, const char *name, char *out,
    size_t outsz)
{
	const struct http_hdr	*c;
	const char		*p, *end, *semi, *eq;
	size_t			 nl = strlen(name), vl;
	int			 i;

	for (i = 0; i < h->nhdrs; i++) {
		c = &h->hdrs[i];
		if (c->name_len != 6 || strncasecmp(c->name, "Cookie", 6) != 0)
			continue;
		p = c->value;
		end = p + c->value_len;
		while (p < end) {
			while (p < end && (*p == ' ' || *p == ';'))
				p++;
			if ((semi = memchr(p, ';', (size_t)(end - p))) == NULL)
				semi = end;
			eq = memchr(p, '=', (size_t)(semi - p));
			if (eq != NULL && (size_t)(eq - p) == nl &&
			    memcmp(p, name, nl) == 0) {
				vl = (size_t)(semi - eq - 1);
				if (vl >= outsz)
					return 0;
				memcpy(out, eq + 1, vl);
				out[vl] = '\0';
				return 1;
			}
			p = semi;
		}
	}
	return 0;
}

static int
token_ok(const char *s)
{
	size_t n = strlen(s);

	if (n != 2 * WEB_TOKEN_BYTES)
		return 0;
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s))
			return 0;
	return 1;
}

static void
set_cookie(struct web *w, const char *name, const char *value, int64_t age)
{
	buf_printf(&w->w_r->r_hdrs, "Set-Cookie: %s=%s; Path=%s/; HttpOnly; "
	    "SameSite=Lax%s", name, value, w->w_base,
	    w->w_secure ? "; Secure" : "");
	if (age >= 0)
		buf_printf(&w->w_r->r_hdrs, "; Max-Age=%lld", (long long)age);
	buf_addstr(&w->w_r->r_hdrs, "\r\n");
}

/* A fresh CSRF cookie, and the token of it for this answer's forms. */
static void
csrf_new(struct web *w)
{
	char cookie[2 * WEB_TOKEN_BYTES + 1];

	web_token(cookie, sizeof(cookie));
	set_cookie(w, WEB_CSRF_COOKIE, cookie, -1);
	web_key_hash(w->w_cf, "csrf:", cookie, w->w_csrf, sizeof(w->w_csrf));
}

/* 1 if the request's Origin (if any) is SITE_ROOT's. */
static int
origin_ok(struct web *w)
{
	const struct http_hdr	*o = http_req_header(w->w_q->q_http, "Origin");
	const char		*root = w->w_cf->site_root, *p;
	size_t			 n;

	if (o == NULL || (o->value_len == 4 && memcmp(o->value, "null",
	    4) == 0))
		return o == NULL;
	/* SITE_ROOT's scheme://host[:port], without its path */
	p = strstr(root, "://");
	p = p ? strchr(p + 3, '/') : NULL;
	n = p ? (size_t)(p - root) : strlen(root);
	return o->value_len == n && strncasecmp(o->value, root, n) == 0;
}

static int
csrf_ok(struct web *w, const char *cookie_token)
{
	const struct http_hdr	*h;
	char			 given[80];

	if (cookie_token[0] == '\0' || !origin_ok(w))
		return 0;
	given[0] = '\0';
	if ((h = http_req_header(w->w_q->q_http, "X-CSRF-Token")) != NULL &&
	    h->value_len < sizeof(given)) {
		memcpy(given, h->value, h->value_len);
		given[h->value_len] = '\0';
	} else if (web_form(w, "csrf", given, sizeof(given)) != 1)
		return 0;
	return strlen(given) == strlen(cookie_token) &&
	    CRYPTO_memcmp(given, cookie_token, strlen(given)) == 0;
}

static void
session_load(struct web *w)
{
	char		 hash[65];
	const char	*params[1];
	struct dberr	 e;
	PGresult	*r;

	if (!cookie_get(w->w_q->q_http, WEB_SESSION_COOKIE, w->w_session,
	    sizeof(w->w_session)) || !token_ok(w->w_session)) {
		w->w_session[0] = '\0';
		return;
	}
	web_sha256_hex(w->w_session, strlen(w->w_session), hash);
	params[0] = hash;
	r = cdb_exec(&w->w_x, "SELECT u.id, u.email, u.is_superuser "
	    "FROM hcd_session s JOIN auth_user u ON u.id = s.user_id "
	    "WHERE s.key = $1 AND s.expires > now() AND u.is_active",
	    1, params, &e);
	if (r == NULL)
		return;
	if (PQntuples(r) == 1) {
		w->w_user = db_getint(r, 0, 0, 0);
		hc_strlcpy(w->w_email, PQgetvalue(r, 0, 1), sizeof(w->w_email));
		w->w_superuser = PQgetvalue(r, 0, 2)[0] == 't';
	}
	PQclear(r);
}

static void
client_ip(struct web *w)
{
	const struct http_hdr	*x;
	size_t			 n;
	const char		*comma;

	hc_strlcpy(w->w_ip, w->w_q->q_peer, sizeof(w->w_ip));
	if ((x = http_req_header(w->w_q->q_http, "X-Forwarded-For")) == NULL)
		return;
	comma = memchr(x->value, ',', x->value_len);
	n = comma ? (size_t)(comma - x->value) : x->value_len;
	while (n > 0 && x->value[n - 1] == ' ')
		n--;
	if (n > 0 && n < sizeof(w->w_ip)) {
		memcpy(w->w_ip, x->value, n);
		w->w_ip[n] = '\0';
	}
}

/*
 * Set up the frame: 0 when the handler should go on, -1 when the answer
 * is written (a redirect to the log-in page, a CSRF failure, no
 * database).  web_end() follows either way.
 */
int
web_begin(struct web *w, struct req *q, struct resp *r, int flags)
{
	const struct http_req	*h = q->q_http;
	char			 cookie[80];

	memset(w, 0, sizeof(*w));
	w->w_q = q;
	w->w_r = r;
	w->w_cf = q->q_w->w_conf;
	w->w_base = q->q_w->w_prefix;
	w->w_secure = strncmp(w->w_cf->site_root, "https:", 6) == 0;
	w->w_x.x_db = q->q_db;
	w->w_x.x_index = shm_index(q->q_w->w_env->pe_shm);
	w->w_x.x_conf = w->w_cf;
	w->w_ctx = tctx_new();
	w->w_post = h->method_len == 4 && memcmp(h->method, "POST", 4) == 0;
	client_ip(w);
	resp_init(r, 200);

	if (cookie_get(h, WEB_CSRF_COOKIE, cookie, sizeof(cookie)) &&
	    token_ok(cookie))
		web_key_hash(w->w_cf, "csrf:", cookie, w->w_csrf,
		    sizeof(w->w_csrf));
	if (w->w_post && !(flags & WEB_NOCSRF) && !csrf_ok(w, w->w_csrf)) {
		if (w->w_csrf[0] == '\0')
			csrf_new(w);
		web_error(w, 403, "Forbidden", "The form has expired or did "
		    "not come from this site (CSRF check failed). Go back, "
		    "reload the page and try again.");
		return -1;
	}
	if (w->w_csrf[0] == '\0')
		csrf_new(w);
	session_load(w);
	if (w->w_user == 0 && !(flags & WEB_ANON)) {
		if (flags & WEB_JSON) {
			struct buf b;

			buf_init(&b);
			buf_addstr(&b, "{\"error\": \"not logged in\"}");
			web_json(w, 403, &b);
			buf_clear(&b);
		} else if (w->w_post)
			web_error(w, 403, "Forbidden", "Please log in first.");
		else
			web_redirect(w, "/accounts/login/");
		return -1;
	}
	tset(w->w_ctx, "csrf", w->w_csrf);
	tset(w->w_ctx, "base", w->w_base);
	tset(w->w_ctx, "site_name", w->w_cf->site_name);
	tset(w->w_ctx, "site_root", w->w_cf->site_root);
	tset(w->w_ctx, "registration_open",
	    w->w_cf->registration_open ? "1" : "");
	if (w->w_user)
		tset(w->w_ctx, "user_email", w->w_email);
	return 0;
}

void
web_end(struct web *w)
{
	if (!w->w_done)
		web_error(w, 500, "Server Error", "Something went wrong.");
	tctx_free(w->w_ctx);
	w->w_ctx = NULL;
}

/* 1 if the method is one of "GET, POST" (as listed), else 405 and 0. */
int
web_method(struct web *w, const char *allowed)
{
	const struct http_req	*h = w->w_q->q_http;
	const char		*p = allowed, *c;

	while (*p) {
		if ((c = strchr(p, ',')) == NULL)
			c = p + strlen(p);
		if ((size_t)(c - p) == h->method_len && memcmp(p, h->method,
		    h->method_len) == 0)
			return 1;
		if ((size_t)(c - p) == 3 && memcmp(p, "GET", 3) == 0 &&
		    h->method_len == 4 && memcmp(h->method, "HEAD", 4) == 0)
			return 1;
		p = *c ? c + 2 : c;
	}
	buf_printf(&w->w_r->r_hdrs, "Allow: %s\r\n", allowed);
	web_error(w, 405, "Method Not Allowed", "This address does not take "
	    "that method.");
	return 0;
}

/* A field of a url-encoded POST body: 1 found, 0 absent, -1 bad. */
int
web_form(struct web *w, const char *name, char *out, size_t outsz)
{
	const struct http_req *h = w->w_q->q_http;

	out[0] = '\0';
	if (!w->w_post || h->body_len == 0)
		return 0;
	return http_query_get((const char *)h->body, h->body_len, name, out,
	    outsz);
}

int
web_query(struct web *w, const char *name, char *out, size_t outsz)
{
	const struct http_req *h = w->w_q->q_http;

	out[0] = '\0';
	return http_query_get(h->query, h->query_len, name, out, outsz);
}

void
web_arg(struct web *w, int i, char *out, size_t outsz)
{
	api_arg(w->w_q, i, out, outsz);
}

static void
security_headers(struct web *w)
{
	buf_addstr(&w->w_r->r_hdrs, "Content-Security-Policy: " CSP "\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "X-Frame-Options: DENY\r\n"
	    "Referrer-Policy: same-origin\r\n");
}

/* Render `tmpl` inside the layout as the answer. */
void
web_page(struct web *w, int status, const char *tmpl, const char *title)
{
	struct buf	content;
	struct resp	*r = w->w_r;

	buf_init(&content);
	if (tmpl_render(&content, tmpl, w->w_ctx) == -1) {
		buf_clear(&content);
		resp_text(r, 500, "template error");
		w->w_done = 1;
		return;
	}
	tsetn(w->w_ctx, "content", content.b_len ? (char *)content.b_data :
	    "", content.b_len);
	buf_clear(&content);
	if (title != NULL)
		tset(w->w_ctx, "title", title);
	buf_reset(&r->r_body);
	if (tmpl_render(&r->r_body, "layout", w->w_ctx) == -1) {
		resp_text(r, 500, "template error");
		w->w_done = 1;
		return;
	}
	r->r_status = status;
	r->r_ctype = "text/html; charset=utf-8";
	r->r_nocache = 1;
	security_headers(w);
	w->w_done = 1;
}

void
web_redirect(struct web *w, const char *fmt, ...)
{
	va_list	 ap;
	char	*path;

	va_start(ap, fmt);
	if (vasprintf(&path, fmt, ap) == -1)
		fatal("%s: vasprintf", __func__);
	va_end(ap);
	w->w_r->r_status = 302;
	w->w_r->r_ctype = "text/html; charset=utf-8";
	w->w_r->r_nocache = 1;
	buf_reset(&w->w_r->r_body);
	buf_printf(&w->w_r->r_hdrs, "Location: %s%s\r\n", w->w_base, path);
	free(path);
	w->w_done = 1;
}

void
web_error(struct web *w, int status, const char *title, const char *text)
{
	tset(w->w_ctx, "error_title", title);
	tset(w->w_ctx, "error_text", text);
	tset(w->w_ctx, "csrf", w->w_csrf);
	tset(w->w_ctx, "base", w->w_base);
	tset(w->w_ctx, "site_name", w->w_cf->site_name);
	web_page(w, status, "error", title);
}

void
web_fail(struct web *w, const struct dberr *e)
{
	switch (e->e_code) {
	case 400:
		web_error(w, 400, "Bad Request", e->e_msg);
		break;
	case 403:
		web_error(w, 403, "Forbidden", "You may not do that here.");
		break;
	case 404:
		web_error(w, 404, "Not Found", "There is nothing here.");
		break;
	case 409:
		web_error(w, 409, "Conflict", e->e_msg);
		break;
	default:
		web_error(w, 503, "Service Unavailable", "The database is "
		    "not answering. Please try again in a moment.");
		break;
	}
}

void
web_json(struct web *w, int status, const struct buf *b)
{
	struct resp *r = w->w_r;

	buf_reset(&r->r_body);
	if (b->b_len)
		buf_add(&r->r_body, b->b_data, b->b_len);
	r->r_status = status;
	r->r_ctype = "application/json";
	r->r_nocache = 1;
	security_headers(w);
	w->w_done = 1;
}

/*
 * Log `user` in: a new session key (any session this browser had is
 * dropped, so the id changes at every log-in), a new CSRF cookie.
 * 0 or -1 (database).
 */
int
web_login(struct web *w, int64_t user)
{
	char		 key[2 * WEB_TOKEN_BYTES + 1], hash[65], uid[24],
			 old[65], age[24];
	const char	*params[4];
	struct dberr	 e;
	PGresult	*r;

	web_token(key, sizeof(key));
	web_sha256_hex(key, strlen(key), hash);
	snprintf(uid, sizeof(uid), "%lld", (long long)user);
	snprintf(age, sizeof(age), "%d", WEB_SESSION_AGE);
	old[0] = '\0';
	if (w->w_session[0])
		web_sha256_hex(w->w_session, strlen(w->w_session), old);
	params[0] = hash;
	params[1] = uid;
	params[2] = age;
	params[3] = old;
	r = cdb_exec(&w->w_x, "WITH gone AS (DELETE FROM hcd_session WHERE "
	    "key = $4 OR (user_id = $2::int AND expires < now())), "
	    "u AS (UPDATE auth_user SET last_login = now() WHERE id = "
	    "$2::int) INSERT INTO hcd_session (key, user_id, expires) "
	    "VALUES ($1, $2::int, now() + make_interval(secs => $3::int))",
	    4, params, &e);
	if (r == NULL)
		return -1;
	PQclear(r);
	hc_strlcpy(w->w_session, key, sizeof(w->w_session));
	set_cookie(w, WEB_SESSION_COOKIE, key, WEB_SESSION_AGE);
	csrf_new(w);
	tset(w->w_ctx, "csrf", w->w_csrf);
	w->w_user = user;
	return 0;
}

void
web_logout(struct web *w)
{
	char		 hash[65];
	const char	*params[1];
	struct dberr	 e;
	PGresult	*r;

	if (w->w_session[0]) {
		web_sha256_hex(w->w_session, strlen(w->w_session), hash);
		params[0] = hash;
		if ((r = cdb_exec(&w->w_x, "DELETE FROM hcd_session WHERE "
		    "key = $1", 1, params, &e)) != NULL)
			PQclear(r);
	}
	set_cookie(w, WEB_SESSION_COOKIE, "", 0);
	csrf_new(w);
	w->w_user = 0;
	w->w_session[0] = '\0';
}

/*
 * Healthchecks' TokenBucket.authorize (spec 9.2) in one statement:
 * tokens = min(1, tokens + elapsed / refill) - 1 / capacity, saved only
 * when not below zero.  1 allowed, 0 refused, -1 database error.
 */
int
web_bucket(struct web *w, const char *key, int capacity, int refill_secs)
{
	char		 cap[16], refill[16];
	const char	*params[3];
	struct dberr	 e;
	PGresult	*r;
	int		 ok;

	snprintf(cap, sizeof(cap), "%d", capacity);
	snprintf(refill, sizeof(refill), "%d", refill_secs);
	params[0] = key;
	params[1] = cap;
	params[2] = refill;
	r = cdb_exec(&w->w_x, "INSERT INTO api_tokenbucket AS b (value, "
	    "tokens, updated) VALUES ($1, 1.0 - 1.0 / $2::int, now()) "
	    "ON CONFLICT (value) DO UPDATE SET tokens = least(1.0, b.tokens "
	    "+ extract(epoch FROM now() - b.updated) / $3::int) - "
	    "1.0 / $2::int, updated = now() WHERE least(1.0, b.tokens + "
	    "extract(epoch FROM now() - b.updated) / $3::int) - "
	    "1.0 / $2::int >= 0 RETURNING tokens", 3, params, &e);
	if (r == NULL)
		return -1;
	ok = PQntuples(r) == 1;
	PQclear(r);
	return ok;
}

static int
role_of(const char *owner, const char *member, int superuser)
{
	if (owner[0] == 't')
		return ROLE_OWNER;
	if (member[0] == 'r')
		return ROLE_READONLY;
	if (member[0] == 'w')
		return ROLE_MEMBER;
	if (member[0] == 'm')
		return ROLE_MANAGER;
	return superuser ? ROLE_MANAGER : ROLE_NONE;
}

static int
project_query(struct web *w, const char *where, const char *arg,
    struct web_project *p)
{
	char		 uid[24], *sql;
	const char	*params[2];
	struct dberr	 e;
	PGresult	*r;

	memset(p, 0, sizeof(*p));
	snprintf(uid, sizeof(uid), "%lld", (long long)w->w_user);
	params[0] = arg;
	params[1] = uid;
	sql = xasprintf("SELECT p.id, p.code, p.name, p.owner_id = $2::int, "
	    "coalesce(m.role, ''), p.show_slugs, coalesce(p.ping_key, ''), "
	    "p.owner_id FROM accounts_project p LEFT JOIN accounts_member m "
	    "ON m.project_id = p.id AND m.user_id = $2::int WHERE %s", where);
	r = cdb_exec(&w->w_x, sql, 2, params, &e);
	free(sql);
	if (r == NULL) {
		web_fail(w, &e);
		return -1;
	}
	if (PQntuples(r) == 1) {
		p->p_id = db_getint(r, 0, 0, 0);
		hc_strlcpy(p->p_code, PQgetvalue(r, 0, 1), sizeof(p->p_code));
		hc_strlcpy(p->p_name, PQgetvalue(r, 0, 2), sizeof(p->p_name));
		p->p_role = role_of(PQgetvalue(r, 0, 3), PQgetvalue(r, 0, 4),
		    w->w_superuser);
		p->p_show_slugs = PQgetvalue(r, 0, 5)[0] == 't';
		hc_strlcpy(p->p_ping_key, PQgetvalue(r, 0, 6),
		    sizeof(p->p_ping_key));
		p->p_owner = db_getint(r, 0, 7, 0);
	}
	PQclear(r);
	if (p->p_role == ROLE_NONE) {
		web_error(w, 404, "Not Found", "There is no such project, or "
		    "it is not yours to see.");
		return -1;
	}
	return 0;
}

/*
 * The project with UUID `code` if the user may see it: 0, or -1 with
 * the answer written (404 for a project that is not theirs).
 */
int
web_project_get(struct web *w, const char *code, struct web_project *p)
{
	uint8_t u[16];

	if (uuid_parse_ci(code, strlen(code), u) == -1) {
		web_error(w, 404, "Not Found", "There is no such project.");
		return -1;
	}
	return project_query(w, "p.code = $1::uuid", code, p);
}

int
web_project_by_id(struct web *w, int64_t id, struct web_project *p)
{
	char s[24];

	snprintf(s, sizeof(s), "%lld", (long long)id);
	return project_query(w, "p.id = $1::int", s, p);
}

/* 1 if the user may change things in p; else a 403 answer and 0. */
int
web_can_write(struct web *w, const struct web_project *p)
{
	if (p->p_role >= ROLE_MEMBER)
		return 1;
	web_error(w, 403, "Forbidden", "You have read-only access to this "
	    "project.");
	return 0;
}

const char *
web_role_name(int role)
{
	switch (role) {
	case ROLE_OWNER:	return "Owner";
	case ROLE_MANAGER:	return "Manager";
	case ROLE_MEMBER:	return "Member";
	case ROLE_READONLY:	return "Read-only";
	default:		return "";
	}
}

/* The project's name as shown ("Default Project" for an empty one; heap). */
char *
web_project_name(const struct web_project *p)
{
	return xstrdup(p->p_name[0] ? p->p_name : "Default Project");
}

/* The navigation bar's project. */
void
web_set_project(struct web *w, const struct web_project *p)
{
	char *n = web_project_name(p);

	tset(w->w_ctx, "project_code", p->p_code);
	tset(w->w_ctx, "project_name", n);
	tset(w->w_ctx, "readonly", p->p_role == ROLE_READONLY ? "1" : "");
	free(n);
}

/* "3 minutes ago", as Django's naturaltime says it (roughly). */
void
web_ago(struct buf *b, int64_t then, int64_t now)
{
	int64_t s;

	if (then == CT_NONE) {
		buf_addstr(b, "Never");
		return;
	}
	s = (now - then) / CT_SEC;
	if (s < 0)
		s = 0;
	if (s < 10)
		buf_addstr(b, "Just now");
	else if (s < 60)
		buf_printf(b, "%lld seconds ago", (long long)s);
	else if (s < 3600)
		buf_printf(b, "%lld minute%s ago", (long long)(s / 60),
		    s / 60 == 1 ? "" : "s");
	else if (s < 86400)
		buf_printf(b, "%lld hour%s ago", (long long)(s / 3600),
		    s / 3600 == 1 ? "" : "s");
	else
		buf_printf(b, "%lld day%s ago", (long long)(s / 86400),
		    s / 86400 == 1 ? "" : "s");
}

/* "1 day 2 hours", the two largest units, as hc_duration shows it. */
void
web_duration(struct buf *b, int64_t secs)
{
	static const struct { int64_t s; const char *n; } u[] = {
		{ 604800, "week" }, { 86400, "day" }, { 3600, "hour" },
		{ 60, "minute" }, { 1, "second" }
	};
	size_t	i;
	int	shown = 0;

	if (secs <= 0) {
		buf_addstr(b, "0 seconds");
		return;
	}
	for (i = 0; i < sizeof(u) / sizeof(u[0]) && shown < 2; i++) {
		int64_t n = secs / u[i].s;

		if (n == 0) {
			if (shown)
				break;
			continue;
		}
		buf_printf(b, "%s%lld %s%s", shown ? " " : "", (long long)n,
		    u[i].n, n == 1 ? "" : "s");
		secs -= n * u[i].s;
		shown++;
	}
}

/* "2026-12-01 22:44:43 UTC" or in zone tz (NULL: UTC). */
void
web_time(struct buf *b, int64_t us, const char *zone)
{
	const struct tz	*tz = zone ? tz_get(zone) : NULL;
	int64_t		 secs = us / CT_SEC, local = secs;
	struct tz_civil	 c;

	if (tz != NULL)
		local = tz_utc_to_local(tz, secs, NULL);
	tz_civil_from_secs(local, &c);
	buf_printf(b, "%04d-%02d-%02d %02d:%02d:%02d", c.tc_year,
	    c.tc_mon, c.tc_mday, c.tc_hour, c.tc_min, c.tc_sec);
	if (tz == NULL || strcmp(zone, "UTC") == 0)
		buf_addstr(b, " UTC");
	else
		buf_printf(b, " %s", zone);
}
