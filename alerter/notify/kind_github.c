/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * GitHub (spec §5.4), for down events only: an issue opened in the
 * repository, as the GitHub App (GITHUB_CLIENT_ID, GITHUB_PRIVATE_KEY)
 * installed there.  The value is JSON {installation_id, repo, labels}.
 *
 * Creating the issue needs an installation token, which GitHub hands
 * out for an hour in exchange for a JWT signed with the App's key.  A
 * kind builds its steps before any is sent, so the exchange is one
 * notification of its own: without a fresh token in the value the kind
 * asks for one; the answer is classified NR_RESEND with the token (and
 * its expiry) added to the value as "_token" and "_token_expires", the
 * engine stores that and builds again, and this time the issue is the
 * request.  Later notifications within the hour reuse the token.  A 410
 * (issues turned off in the repository) disables the channel.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "hcd.h"
#include "conf.h"
#include "json.h"
#include "notify.h"
#include "nt_text.h"

#define GH_API		"https://api.github.com"
#define GH_ACCEPT	"application/vnd.github+json"

static int
gh_enabled(const struct conf *cf)
{
	return *cf->github_client_id && *cf->github_private_key;
}

static int
gh_validate(const struct conf *cf, const char *value, char *err,
    size_t errlen)
{
	struct json_doc	*d = nt_json_obj(value);
	char		*repo = NULL;
	int64_t		 id;
	int		 l, ok, it = 0, v;

	ok = d != NULL && nt_jint(d, "installation_id", &id) == 0 &&
	    (repo = nt_jstr(d, "repo")) != NULL && strchr(repo, '/') != NULL &&
	    repo[0] != '/' && strpbrk(repo, " \t\r\n?#") == NULL;
	if (ok && (l = json_obj_get(d, json_root(d), "labels")) != -1) {
		ok = json_type(d, l) == JSON_ARRAY;
		while (ok && (it = json_arr_next(d, l, it, &v)) != -1)
			ok = json_type(d, v) == JSON_STRING;
	}
	free(repo);
	json_doc_free(d);
	if (!ok) {
		snprintf(err, errlen, "Expected JSON {installation_id: "
		    "integer, repo: \"owner/name\", labels: [strings]}");
		return -1;
	}
	return 0;
}

static int
gh_noop(const char *value, const char *status)
{
	return strcmp(status, "down") != 0;
}

static void
b64url(struct buf *b, const unsigned char *s, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		buf_addc(b, tab[s[i] >> 2]);
		buf_addc(b, tab[((s[i] & 3) << 4) | (s[i + 1] >> 4)]);
		buf_addc(b, tab[((s[i + 1] & 15) << 2) | (s[i + 2] >> 6)]);
		buf_addc(b, tab[s[i + 2] & 63]);
	}
	if (n - i == 1) {
		buf_addc(b, tab[s[i] >> 2]);
		buf_addc(b, tab[(s[i] & 3) << 4]);
	} else if (n - i == 2) {
		buf_addc(b, tab[s[i] >> 2]);
		buf_addc(b, tab[((s[i] & 3) << 4) | (s[i + 1] >> 4)]);
		buf_addc(b, tab[(s[i + 1] & 15) << 2]);
	}
}

/* The App's JWT (RS256), valid from a minute ago for nine minutes. */
static int
gh_jwt(struct buf *b, const struct conf *cf, int64_t now_us)
{
	struct buf	 claims;
	EVP_PKEY	*key;
	EVP_MD_CTX	*md;
	BIO		*bio;
	unsigned char	*sig = NULL;
	size_t		 siglen = 0, start;
	int64_t		 now = now_us / 1000000;
	int		 rv = -1;

	bio = BIO_new_mem_buf(cf->github_private_key, -1);
	key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	if (key == NULL)
		return -1;
	buf_init(&claims);
	start = b->b_len;	/* what is signed: header.claims, no prefix */
	b64url(b, (const unsigned char *)"{\"alg\":\"RS256\",\"typ\":\"JWT\"}",
	    27);
	buf_addc(b, '.');
	buf_addstr(&claims, "{\"iat\": ");
	buf_printf(&claims, "%lld, \"exp\": %lld, \"iss\": ",
	    (long long)(now - 60), (long long)(now + 540));
	buf_addc(&claims, '"');
	json_escape(&claims, cf->github_client_id,
	    strlen(cf->github_client_id));
	buf_addstr(&claims, "\"}");
	b64url(b, claims.b_data, claims.b_len);
	if ((md = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
	    EVP_DigestSign(md, NULL, &siglen, b->b_data + start,
	    b->b_len - start) == 1 && (sig = malloc(siglen)) != NULL &&
	    EVP_DigestSign(md, sig, &siglen, b->b_data + start,
	    b->b_len - start) == 1) {
		buf_addc(b, '.');
		b64url(b, sig, siglen);
		rv = 0;
	}
	free(sig);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	buf_clear(&claims);
	return rv;
}

static int
gh_build(const struct nt_ctx *ctx, struct nt_msg *m, struct nt_result *r)
{
	struct json_doc	*d = nt_json_obj(ctx->value);
	char		*repo = NULL, *token = NULL;
	struct json_w	 w;
	struct buf	 t;
	int64_t		 id = 0, expires = 0;
	int		 l, it = 0, v, rv = 1;

	if (d == NULL || nt_jint(d, "installation_id", &id) == -1 ||
	    (repo = nt_jstr(d, "repo")) == NULL) {
		nt_result_set(r, NR_FAILED, "Invalid GitHub settings");
		rv = -1;
		goto out;
	}
	buf_init(&t);
	hc_strlcpy(m->m_method, "POST", sizeof(m->m_method));
	nt_header(&m->m_headers, "Accept", GH_ACCEPT);
	nt_header(&m->m_headers, "X-GitHub-Api-Version", "2022-11-28");
	token = nt_jstr(d, "_token");
	nt_jint(d, "_token_expires", &expires);
	if (token == NULL || expires < ctx->now + 60 * 1000000LL) {
		/* Step one: an installation token. */
		buf_printf(&m->m_url, GH_API "/app/installations/%lld/"
		    "access_tokens", (long long)id);
		buf_addstr(&t, "Bearer ");
		if (gh_jwt(&t, ctx->conf, ctx->now) == -1) {
			nt_result_set(r, NR_FAILED, "GITHUB_PRIVATE_KEY is not "
			    "a usable private key");
			rv = -1;
		} else
			nt_header(&m->m_headers, "Authorization", nt_str(&t));
		buf_clear(&t);
		goto out;
	}
	buf_printf(&m->m_url, GH_API "/repos/%s/issues", repo);
	buf_printf(&t, "Bearer %s", token);
	nt_header(&m->m_headers, "Authorization", nt_str(&t));
	buf_reset(&t);
	nt_header(&m->m_headers, "Content-Type", "application/json");
	json_w_init(&w, &m->m_body);
	json_w_obj_begin(&w);
	json_w_key(&w, "title");
	buf_printf(&t, "%s is DOWN", nt_name(ctx));
	json_w_str(&w, nt_str(&t));
	buf_reset(&t);
	json_w_key(&w, "body");
	nt_message(&t, ctx, NM_MARKDOWN, NT_M_BODY);
	buf_addstr(&t, "\n\n[View on ");
	buf_addstr(&t, ctx->conf->site_name);
	buf_addstr(&t, "](");
	nt_cloaked_url(&t, ctx);
	buf_addc(&t, ')');
	json_w_str(&w, nt_str(&t));
	json_w_key(&w, "labels");
	json_w_arr_begin(&w);
	l = json_obj_get(d, json_root(d), "labels");
	while ((it = json_arr_next(d, l, it, &v)) != -1) {
		char *s = json_str(d, v);

		if (s != NULL)
			json_w_str(&w, s);
		free(s);
	}
	json_w_arr_end(&w);
	json_w_obj_end(&w);
	buf_clear(&t);
out:
	free(repo);
	free(token);
	json_doc_free(d);
	return rv;
}

/* GitHub's expires_at, "2026-01-02T03:04:05Z", as µs; 0 if not one. */
static int64_t
gh_time(const char *s)
{
	struct tm	tm;
	const char	*e;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || (e = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL ||
	    *e != 'Z')
		return 0;
	return (int64_t)timegm(&tm) * 1000000;
}

/* The value with the token and its expiry set. */
static void
gh_with_token(struct buf *b, const char *value, const char *token,
    int64_t expires)
{
	struct json_doc	*d = nt_json_obj(value);
	struct json_w	 w;
	int		 it = 0, k, v;

	json_w_init(&w, b);
	json_w_obj_begin(&w);
	while (d != NULL && (it = json_obj_next(d, json_root(d), it, &k,
	    &v)) != -1) {
		char	*key = json_str(d, k);
		int64_t	 n;

		if (strcmp(key, "_token") != 0 &&
		    strcmp(key, "_token_expires") != 0) {
			json_w_key(&w, key);
			if (json_type(d, v) == JSON_STRING) {
				char *s = json_str(d, v);

				json_w_str(&w, s);
				free(s);
			} else if (json_type(d, v) == JSON_NUMBER &&
			    json_int(d, v, &n) == 0)
				json_w_int(&w, n);
			else if (json_type(d, v) == JSON_ARRAY) {
				int it2 = 0, e;

				json_w_arr_begin(&w);
				while ((it2 = json_arr_next(d, v, it2, &e)) !=
				    -1) {
					char *s = json_str(d, e);

					if (s != NULL)
						json_w_str(&w, s);
					free(s);
				}
				json_w_arr_end(&w);
			} else
				json_w_null(&w);
		}
		free(key);
	}
	json_w_key(&w, "_token");
	json_w_str(&w, token);
	json_w_key(&w, "_token_expires");
	json_w_int(&w, expires);
	json_w_obj_end(&w);
	json_doc_free(d);
}

static void
gh_classify(const struct nt_ctx *ctx, int step, const struct nt_answer *a,
    struct nt_result *r)
{
	struct json_doc	*d = nt_json_obj(ctx->value);
	char		*token = NULL, *exp;
	int		 asked;

	/* Which request was it?  The one build made for this value. */
	asked = d == NULL || (token = nt_jstr(d, "_token")) == NULL;
	if (!asked) {
		int64_t e = 0;

		nt_jint(d, "_token_expires", &e);
		asked = e < ctx->now + 60 * 1000000LL;
	}
	free(token);
	json_doc_free(d);
	nt_classify_http(ctx, step, a, r);
	if (!asked) {
		if (a->a_status == 410)
			r->r_outcome = NR_PERMANENT;
		return;
	}
	if (r->r_outcome == NR_FAILED) {
		char			*repo = NULL;
		struct json_doc		*v = nt_json_obj(ctx->value);

		if (v != NULL)
			repo = nt_jstr(v, "repo");
		nt_result_set(r, NR_FAILED, "GitHub denied access to %s",
		    repo ? repo : "the repository");
		free(repo);
		json_doc_free(v);
	}
	if (r->r_outcome != NR_OK)
		return;
	token = nt_answer_str(a, "token");
	exp = nt_answer_str(a, "expires_at");
	if (token == NULL || gh_time(exp) == 0)
		nt_result_set(r, NR_TRANSIENT,
		    "GitHub gave no installation token");
	else {
		buf_reset(&r->r_value);
		gh_with_token(&r->r_value, ctx->value, token, gh_time(exp));
		nt_result_set(r, NR_RESEND, "%s", "");
	}
	free(token);
	free(exp);
}

const struct nt_kind nt_k_github = {
	.k_name = "github",
	.k_flags = NK_DOWN_ONLY,
	.k_enabled = gh_enabled,
	.k_validate = gh_validate,
	.k_noop = gh_noop,
	.k_build = gh_build,
	.k_classify = gh_classify,
	.k_off_text = "GitHub notifications are not enabled.",
};
