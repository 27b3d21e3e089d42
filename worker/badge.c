/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Status badges (spec 7), served by the worker: project and tag badges
 * at /badge/<badge_key>/<signature>[/<tag>].<fmt>, whose signature is
 * Django's base64_hmac of the tag so that badge URLs cannot be guessed
 * for other tags, and per-check badges at /b/<2|3>/<badge_key>.<fmt>.
 * Formats: a flat SVG, JSON counts, and a shields.io endpoint document.
 * Badges are never cached and may be fetched from any origin.
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <ctype.h>
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

/*
 * Advance widths in pixels of Verdana at 11 px, rounded, for the
 * characters badge labels mostly hold; everything else counts 7.  The
 * figures are the ones Healthchecks' badge code uses (hc/lib/badges.py),
 * so that labels come out the same width.
 */
static const struct {
	char	c;
	uint8_t	w;
} widths[] = {
	{ 'a', 7 }, { 'b', 7 }, { 'c', 6 }, { 'd', 7 }, { 'e', 6 },
	{ 'f', 4 }, { 'g', 7 }, { 'h', 7 }, { 'i', 3 }, { 'j', 3 },
	{ 'k', 7 }, { 'l', 3 }, { 'm', 10 }, { 'n', 7 }, { 'o', 7 },
	{ 'p', 7 }, { 'q', 7 }, { 'r', 4 }, { 's', 6 }, { 't', 5 },
	{ 'u', 7 }, { 'v', 7 }, { 'w', 9 }, { 'x', 6 }, { 'y', 7 },
	{ 'z', 7 },
	{ '0', 7 }, { '1', 6 }, { '2', 7 }, { '3', 7 }, { '4', 7 },
	{ '5', 7 }, { '6', 7 }, { '7', 7 }, { '8', 7 }, { '9', 7 },
	{ 'A', 8 }, { 'B', 7 }, { 'C', 8 }, { 'D', 8 }, { 'E', 7 },
	{ 'F', 6 }, { 'G', 9 }, { 'H', 8 }, { 'I', 3 }, { 'J', 4 },
	{ 'K', 7 }, { 'L', 6 }, { 'M', 10 }, { 'N', 8 }, { 'O', 9 },
	{ 'P', 6 }, { 'Q', 9 }, { 'R', 7 }, { 'S', 7 }, { 'T', 7 },
	{ 'U', 8 }, { 'V', 8 }, { 'W', 11 }, { 'X', 7 }, { 'Y', 7 },
	{ 'Z', 7 },
	{ '-', 4 }, { '_', 6 },
};

#define WIDTH_DEFAULT	7
#define BADGE_PAD	10

/* Text width in pixels; one entry per code point of UTF-8 text. */
int
badge_width(const char *s)
{
	size_t	i;
	int	total = 0, w;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c & 0xc0) == 0x80)
			continue;	/* continuation byte */
		w = WIDTH_DEFAULT;
		for (i = 0; i < sizeof(widths) / sizeof(widths[0]); i++)
			if (widths[i].c == (char)c) {
				w = widths[i].w;
				break;
			}
		total += w;
	}
	return total;
}

/* Half of n as Python prints a float: "12.0" or "12.5". */
static void
half(char *out, size_t outsz, int n)
{
	snprintf(out, outsz, "%d.%d", n / 2, n % 2 ? 5 : 0);
}

static const char *
status_colour(const char *status)
{
	if (strcmp(status, "down") == 0)
		return "#e05d44";
	if (strcmp(status, "late") == 0)
		return "#fe7d37";
	return "#4c1";
}

/* A flat 20 px badge: grey label on the left, coloured status right. */
void
badge_svg(struct buf *b, const char *label, const char *status)
{
	int	w1 = badge_width(label) + BADGE_PAD;
	int	w2 = badge_width(status) + BADGE_PAD;
	char	x1[32], x2[32];

	half(x1, sizeof(x1), w1);
	half(x2, sizeof(x2), 2 * w1 + w2);
	buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"%d\" "
	    "height=\"20\">\n", w1 + w2);
	buf_addstr(b, "  <linearGradient id=\"smooth\" x2=\"0\" y2=\"100%\">\n"
	    "    <stop offset=\"0\" stop-color=\"#bbb\" stop-opacity=\".1\"/>\n"
	    "    <stop offset=\"1\" stop-opacity=\".1\"/>\n"
	    "  </linearGradient>\n\n");
	buf_printf(b, "  <mask id=\"round\">\n    <rect width=\"%d\" "
	    "height=\"20\" rx=\"3\" fill=\"#fff\"/>\n  </mask>\n\n", w1 + w2);
	buf_printf(b, "  <g mask=\"url(#round)\">\n"
	    "    <rect width=\"%d\" height=\"20\" fill=\"#555\"/>\n"
	    "    <rect x=\"%d\" width=\"%d\" height=\"20\" fill=\"%s\"/>\n"
	    "    <rect width=\"%d\" height=\"20\" fill=\"url(#smooth)\"/>\n"
	    "  </g>\n\n", w1, w1, w2, status_colour(status), w1 + w2);
	buf_addstr(b, "  <g fill=\"#fff\" text-anchor=\"middle\" "
	    "font-family=\"Verdana,Geneva,DejaVu Sans,sans-serif\" "
	    "text-rendering=\"geometricPrecision\" font-size=\"11\">\n");
	buf_printf(b, "    <text x=\"%s\" y=\"15\" fill=\"#010101\" "
	    "fill-opacity=\".3\">", x1);
	buf_add_html(b, label, strlen(label));
	buf_printf(b, "</text>\n    <text x=\"%s\" y=\"14\">", x1);
	buf_add_html(b, label, strlen(label));
	buf_printf(b, "</text>\n    <text x=\"%s\" y=\"15\" fill=\"#010101\" "
	    "fill-opacity=\".3\">", x2);
	buf_add_html(b, status, strlen(status));
	buf_printf(b, "</text>\n    <text x=\"%s\" y=\"14\">", x2);
	buf_add_html(b, status, strlen(status));
	buf_addstr(b, "</text>\n  </g>\n</svg>\n");
}

/*
 * Django's base64_hmac(badge_key, tag, SECRET_KEY)[:8]: HMAC-SHA1 of the
 * tag under the key SHA1(badge_key + SECRET_KEY), URL-safe base64.
 *
 * A project's badge listing signs every tag it has (50,000 and more), so
 * the key's inner and outer pads are hashed once (badge_signer_init) and
 * each tag costs two short digests from copies of those states.
 */
#define SHA1_BLOCK	64

int
badge_signer_init(struct badge_signer *bs, const char *secret,
    const char *badge_key)
{
	unsigned char	 key[SHA_DIGEST_LENGTH], pad[SHA1_BLOCK];
	char		*salted;
	int		 i, ok;

	salted = xasprintf("%s%s", badge_key, secret ? secret : "");
	SHA1((const unsigned char *)salted, strlen(salted), key);
	free(salted);
	bs->bs_inner = EVP_MD_CTX_new();
	bs->bs_outer = EVP_MD_CTX_new();
	bs->bs_work = EVP_MD_CTX_new();
	ok = bs->bs_inner != NULL && bs->bs_outer != NULL &&
	    bs->bs_work != NULL;
	memset(pad, 0x36, sizeof(pad));
	for (i = 0; i < SHA_DIGEST_LENGTH; i++)
		pad[i] ^= key[i];
	ok = ok && EVP_DigestInit_ex(bs->bs_inner, EVP_sha1(), NULL) &&
	    EVP_DigestUpdate(bs->bs_inner, pad, sizeof(pad));
	memset(pad, 0x5c, sizeof(pad));
	for (i = 0; i < SHA_DIGEST_LENGTH; i++)
		pad[i] ^= key[i];
	ok = ok && EVP_DigestInit_ex(bs->bs_outer, EVP_sha1(), NULL) &&
	    EVP_DigestUpdate(bs->bs_outer, pad, sizeof(pad));
	explicit_bzero(key, sizeof(key));
	explicit_bzero(pad, sizeof(pad));
	if (!ok) {
		badge_signer_free(bs);
		return -1;
	}
	return 0;
}

void
badge_signer_free(struct badge_signer *bs)
{
	EVP_MD_CTX_free(bs->bs_inner);
	EVP_MD_CTX_free(bs->bs_outer);
	EVP_MD_CTX_free(bs->bs_work);
	bs->bs_inner = bs->bs_outer = bs->bs_work = NULL;
}

void
badge_signer_sig(struct badge_signer *bs, const char *tag,
    char out[BADGE_SIG_LEN + 1])
{
	unsigned char	 in[SHA_DIGEST_LENGTH], mac[SHA_DIGEST_LENGTH];
	unsigned char	 b64[32];
	unsigned int	 n = 0;
	int		 i, ok;

	ok = EVP_MD_CTX_copy_ex(bs->bs_work, bs->bs_inner) &&
	    EVP_DigestUpdate(bs->bs_work, tag, strlen(tag)) &&
	    EVP_DigestFinal_ex(bs->bs_work, in, &n) &&
	    EVP_MD_CTX_copy_ex(bs->bs_work, bs->bs_outer) &&
	    EVP_DigestUpdate(bs->bs_work, in, sizeof(in)) &&
	    EVP_DigestFinal_ex(bs->bs_work, mac, &n);
	if (!ok)
		fatalx("%s: SHA-1 failed", __func__);
	EVP_EncodeBlock(b64, mac, (int)sizeof(mac));
	for (i = 0; i < BADGE_SIG_LEN; i++)
		out[i] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' :
		    (char)b64[i];
	out[BADGE_SIG_LEN] = '\0';
}

void
badge_sig(const char *secret, const char *badge_key, const char *tag,
    char out[BADGE_SIG_LEN + 1])
{
	struct badge_signer bs;

	if (badge_signer_init(&bs, secret, badge_key) == -1)
		fatalx("%s: SHA-1 failed", __func__);
	badge_signer_sig(&bs, tag, out);
	badge_signer_free(&bs);
}

/*
 * The tag as Healthchecks puts it in a badge URL: percent-encoded with
 * nothing safe, and then the '%' signs encoded once more by Django's
 * reverse() (the view decodes twice, so such URLs work).
 */
void
badge_tag_quote(struct buf *b, const char *tag)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *tag; tag++) {
		unsigned char c = (unsigned char)*tag;

		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
			buf_addc(b, c);
		else {
			buf_addstr(b, "%25");
			buf_addc(b, hex[c >> 4]);
			buf_addc(b, hex[c & 15]);
		}
	}
}

/*
 * A badge's URL from its parts: sig from badge_signer_sig, qtag from
 * badge_tag_quote (NULL for the project's "*" badge).
 */
void
badge_url_parts(struct buf *b, const struct conf *cf, const char *badge_key,
    const char *sig, const char *qtag, const char *fmt, int with_late)
{
	buf_addstr(b, cf->site_root);
	buf_addstr(b, "/badge/");
	buf_addstr(b, badge_key);
	buf_addc(b, '/');
	buf_addstr(b, sig);
	if (!with_late)
		buf_addstr(b, "-2");
	if (qtag != NULL) {
		buf_addc(b, '/');
		buf_addstr(b, qtag);
	}
	buf_addc(b, '.');
	buf_addstr(b, fmt);
}

void
badge_url(struct buf *b, const struct conf *cf, const char *badge_key,
    const char *tag, const char *fmt, int with_late)
{
	char		sig[BADGE_SIG_LEN + 1];
	struct buf	q;

	badge_sig(cf->secret_key, badge_key, tag, sig);
	buf_init(&q);
	if (strcmp(tag, "*") != 0)
		badge_tag_quote(&q, tag);
	badge_url_parts(b, cf, badge_key, sig,
	    strcmp(tag, "*") != 0 ? (char *)q.b_data : NULL, fmt, with_late);
	buf_clear(&q);
}

/* Django's slug converter: [-a-zA-Z0-9_]+ */
static int
is_slug(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return 0;
	return 1;
}

/* Lenient percent-decoding (Python's unquote): bad escapes stay. */
static char *
unquote(const char *s, size_t len)
{
	char	*out = xmalloc(len + 1), *o = out;
	size_t	 i;

	for (i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len &&
		    isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2])) {
			char h[3] = { s[i + 1], s[i + 2], '\0' };

			*o++ = (char)strtol(h, NULL, 16);
			i += 2;
		} else
			*o++ = s[i];
	}
	*o = '\0';
	return out;
}

static void
badge_answer(struct resp *r, const char *fmt, const char *label,
    const char *status, int total, int grace, int down)
{
	struct json_w j;

	r->r_status = 200;
	buf_reset(&r->r_body);
	if (strcmp(fmt, "svg") == 0) {
		r->r_ctype = "image/svg+xml";
		badge_svg(&r->r_body, label, status);
		return;
	}
	r->r_ctype = "application/json";
	json_w_init(&j, &r->r_body);
	json_w_obj_begin(&j);
	if (strcmp(fmt, "shields") == 0) {
		json_w_key(&j, "schemaVersion");
		json_w_int(&j, 1);
		json_w_key(&j, "label");
		json_w_str(&j, label);
		json_w_key(&j, "message");
		json_w_str(&j, status);
		json_w_key(&j, "color");
		json_w_str(&j, strcmp(status, "down") == 0 ? "critical" :
		    strcmp(status, "late") == 0 ? "important" : "success");
	} else {
		json_w_key(&j, "status");
		json_w_str(&j, status);
		json_w_key(&j, "total");
		json_w_int(&j, total);
		json_w_key(&j, "grace");
		json_w_int(&j, grace);
		json_w_key(&j, "down");
		json_w_int(&j, down);
	}
	json_w_obj_end(&j);
}

static int
fmt_ok(const char *fmt)
{
	return strcmp(fmt, "svg") == 0 || strcmp(fmt, "json") == 0 ||
	    strcmp(fmt, "shields") == 0;
}

/* /badge/<key>/<sig>.<fmt> and /badge/<key>/<sig>/<tag>.<fmt> */
static int
project_badge(struct req *q, struct resp *r, const char *p, size_t len)
{
	const struct conf	*cf = q->q_w->w_conf;
	const char		*s1, *s2, *dot, *end = p + len;
	char			*key = NULL, *sig = NULL, *tag = NULL, *fmt = NULL;
	char			*sql;
	char			 ours[BADGE_SIG_LEN + 1];
	const char		*params[2], *status = "up";
	struct dbctx		 x;
	struct dberr		 e;
	PGresult		*res;
	int			 with_late = 1, total = 0, grace = 0, down = 0;
	int			 i, st;
	int64_t			 now = hc_now_us();

	if ((s1 = memchr(p, '/', len)) == NULL || !is_slug(p, (size_t)(s1 - p)))
		goto notfound;
	key = xstrndup(p, (size_t)(s1 - p));
	s1++;
	s2 = memchr(s1, '/', (size_t)(end - s1));
	if (s2 == NULL) {
		/* <sig>.<fmt>: the signature has no '.' */
		if ((dot = memchr(s1, '.', (size_t)(end - s1))) == NULL)
			goto notfound;
		if (!is_slug(s1, (size_t)(dot - s1)) ||
		    !is_slug(dot + 1, (size_t)(end - dot - 1)))
			goto notfound;
		sig = xstrndup(s1, (size_t)(dot - s1));
		tag = xstrdup("*");
	} else {
		if (!is_slug(s1, (size_t)(s2 - s1)))
			goto notfound;
		sig = xstrndup(s1, (size_t)(s2 - s1));
		s2++;
		if (memchr(s2, '/', (size_t)(end - s2)) != NULL)
			goto notfound;
		for (dot = end - 1; dot > s2 && *dot != '.'; dot--)
			;
		if (dot <= s2 || !is_slug(dot + 1, (size_t)(end - dot - 1)))
			goto notfound;
		{
			/* The path is decoded once, the converter again. */
			char *once = unquote(s2, (size_t)(dot - s2));

			tag = unquote(once, strlen(once));
			free(once);
		}
	}
	fmt = xstrndup(dot + 1, (size_t)(end - dot - 1));
	if (!fmt_ok(fmt))
		goto notfound;
	if (strlen(sig) == 10 && strcmp(sig + 8, "-2") == 0)
		with_late = 0;
	badge_sig(cf->secret_key, key, tag, ours);
	if (strlen(sig) < BADGE_SIG_LEN || memcmp(sig, ours,
	    BADGE_SIG_LEN) != 0)
		goto notfound;

	api_ctx(q, &x);
	params[0] = key;
	params[1] = tag;
	sql = xasprintf("SELECT %s, c.tags "
	    "FROM api_check c JOIN accounts_project p ON p.id = c.project_id "
	    "WHERE p.badge_key = $1 AND ($2 = '*' OR strpos(c.tags, $2) > 0) "
	    "ORDER BY c.id", check_state_cols());
	res = cdb_exec(&x, sql, 2, params, &e);
	free(sql);
	if (res == NULL) {
		resp_text(r, 503, "database unavailable");
		goto out;
	}
	for (i = 0; i < PQntuples(res); i++) {
		struct check_state s;

		if (strcmp(tag, "*") != 0 && !check_has_tag(PQgetvalue(res, i,
		    check_state_ncols()), tag))
			continue;
		total++;
		check_state_decode(res, i, 0, &s);
		st = check_get_status(&s, now, 0);
		if (st == CS_DOWN) {
			down++;
			status = "down";
			if (strcmp(fmt, "svg") == 0)
				break;
		} else if (st == CS_GRACE) {
			grace++;
			if (strcmp(status, "up") == 0 && with_late)
				status = "late";
		}
	}
	PQclear(res);
	if (strcmp(tag, "*") == 0)
		badge_answer(r, fmt, cf->master_badge_label ?
		    cf->master_badge_label : cf->site_name ? cf->site_name :
		    "", status, total, grace, down);
	else
		badge_answer(r, fmt, tag, status, total, grace, down);
	goto out;
notfound:
	resp_text(r, 404, "not found");
out:
	free(key);
	free(sig);
	free(tag);
	free(fmt);
	return 0;
}

/* /b/<states>/<badge_key>.<fmt> */
static int
check_badge(struct req *q, struct resp *r, const char *p, size_t len)
{
	const char		*sl, *dot, *end = p + len;
	char			 key[37], *fmt = NULL, code[37], *sql;
	const char		*params[1] = { key }, *status = "up";
	const char		*label;
	struct dbctx		 x;
	struct dberr		 e;
	PGresult		*res;
	struct check_state	 s;
	size_t			 i;
	int			 states = 0, st;

	if ((sl = memchr(p, '/', len)) == NULL || sl == p || sl - p > 9)
		goto notfound;
	for (i = 0; i < (size_t)(sl - p); i++) {
		if (!isdigit((unsigned char)p[i]))
			goto notfound;
		states = states * 10 + (p[i] - '0');
	}
	sl++;
	if ((size_t)(end - sl) < 38 || sl[36] != '.')
		goto notfound;
	for (i = 0; i < 36; i++) {
		char c = sl[i];

		if (i == 8 || i == 13 || i == 18 || i == 23 ? c != '-' :
		    !(isdigit((unsigned char)c) || (c >= 'a' && c <= 'f')))
			goto notfound;
	}
	dot = sl + 36;
	if (!is_slug(dot + 1, (size_t)(end - dot - 1)))
		goto notfound;
	memcpy(key, sl, 36);
	key[36] = '\0';
	fmt = xstrndup(dot + 1, (size_t)(end - dot - 1));
	if (!fmt_ok(fmt))
		goto notfound;
	api_ctx(q, &x);
	sql = xasprintf("SELECT %s, c.name, c.code FROM api_check c "
	    "WHERE c.badge_key = $1", check_state_cols());
	res = cdb_exec(&x, sql, 1, params, &e);
	free(sql);
	if (res == NULL) {
		resp_text(r, 503, "database unavailable");
		goto out;
	}
	if (PQntuples(res) == 0) {
		PQclear(res);
		goto notfound;
	}
	check_state_decode(res, 0, 0, &s);
	st = check_get_status(&s, hc_now_us(), 0);
	if (st == CS_DOWN)
		status = "down";
	else if (st == CS_GRACE && states == 3)
		status = "late";
	hc_strlcpy(code, PQgetvalue(res, 0, check_state_ncols() + 1), sizeof(code));
	label = PQgetvalue(res, 0, check_state_ncols());
	badge_answer(r, fmt, *label ? label : code, status, 1,
	    st == CS_GRACE, st == CS_DOWN);
	PQclear(res);
	goto out;
notfound:
	resp_text(r, 404, "not found");
out:
	free(fmt);
	return 0;
}

/* CORS, OPTIONS and GET only: 1 when the handler should go on. */
static int
badge_frame(struct req *q, struct resp *r)
{
	const struct http_req *h = q->q_http;

	r->r_cors = 1;
	r->r_nocache = 1;
	buf_addstr(&r->r_hdrs, "Access-Control-Allow-Headers: X-Api-Key\r\n"
	    "Access-Control-Allow-Methods: GET, OPTIONS\r\n"
	    "Access-Control-Max-Age: 600\r\n");
	if (h->method_len == 7 && memcmp(h->method, "OPTIONS", 7) == 0) {
		r->r_status = 204;
		buf_reset(&r->r_body);
		return 0;
	}
	if (h->method_len != 3 || memcmp(h->method, "GET", 3) != 0) {
		r->r_status = 405;
		buf_reset(&r->r_body);
		return 0;
	}
	return 1;
}

/* /b/<states>/<badge_key>.<fmt> */
int
badge_check(struct req *q, struct resp *r)
{
	if (badge_frame(q, r))
		check_badge(q, r, q->q_path + 3, q->q_path_len - 3);
	return 0;
}

/* /badge/<key>/<sig>.<fmt>, /badge/<key>/<sig>/<tag>.<fmt> */
int
badge_project(struct req *q, struct resp *r)
{
	if (badge_frame(q, r))
		project_badge(q, r, q->q_path + 7, q->q_path_len - 7);
	return 0;
}
