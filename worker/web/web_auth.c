/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Accounts (spec 8): log-in by password and by emailed link, sign-up
 * when REGISTRATION_OPEN (a user, a project with "My First Check" and
 * an email channel, as Healthchecks makes them), log-out, setting a
 * password (the reset path: log in by link, then set one), the account
 * page, and the /cloaked/<unique_key>/ redirect.  The rate limits are
 * spec 9.2's token buckets: auth-ip 20 an hour for every log-in and
 * sign-up POST, em- 10 an hour per address for links, pw- 20 a day per
 * address for passwords.
 *
 * Log-in links: profile.token holds "<sha256 of the token>:<expiry>";
 * a link is good for an hour and once.  With no EMAIL_HOST the link is
 * written to the log (the tests read it there); with EMAIL_HOST it is
 * queued as an e-mail in hcd_mail (schema 005), which the notifier
 * sends: the dashboard itself never connects outward.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "check_db.h"
#include "checkdef.h"
#include "check.h"
#include "conf.h"
#include "db.h"
#include "hcd.h"
#include "proc.h"
#include "json.h"
#include "log.h"
#include "notify.h"
#include "password.h"
#include "tmpl.h"
#include "web.h"
#include "worker.h"

#define WEB_AUTOLOGIN_COOKIE	"auto-login"

static int
limited(struct web *w, const char *prefix, const char *value, int cap,
    int refill)
{
	char	key[81], h[41];
	int	rc;

	if (prefix[0] == 'a')		/* auth-ip-<ip> as it is */
		snprintf(key, sizeof(key), "%s%s", prefix, value);
	else {
		web_key_hash(w->w_cf, "", value, h, sizeof(h));
		snprintf(key, sizeof(key), "%s%s", prefix, h);
	}
	if ((rc = web_bucket(w, key, cap, refill)) == 1)
		return 0;
	if (rc == -1)
		web_error(w, 503, "Service Unavailable", "The database is not "
		    "answering.");
	else
		web_page(w, 429, "try_later", "Too many attempts");
	return 1;
}

/*
 * The e-mail with a log-in link, queued in hcd_mail (schema 005) for
 * the notifier to send: the dashboard makes no outbound connections.
 * 0, or -1 (the error page is written).
 */
static int
queue_link(struct web *w, const char *email, const char *link)
{
	const char	*site = w->w_cf->site_name, *params[4];
	struct buf	 subj, text, html;
	struct dberr	 e;
	PGresult	*r;
	int		 rc = 0;

	buf_init(&subj);
	buf_init(&text);
	buf_init(&html);
	buf_printf(&subj, "Log in to %s", site);
	buf_printf(&text, "Hello,\n\nTo log in to %s, please open the link "
	    "below:\n\n%s\n\nThe link is valid for 1 hour and can be used "
	    "once.\n\n--\nRegards,\n%s\n", site, link, site);
	buf_addstr(&html, "<p>Hello,</p>\n<p>To log in to ");
	buf_add_html(&html, site, strlen(site));
	buf_addstr(&html, ", please open the link below:</p>\n<p><a href=\"");
	buf_add_html(&html, link, strlen(link));
	buf_addstr(&html, "\">");
	buf_add_html(&html, link, strlen(link));
	buf_addstr(&html, "</a></p>\n<p>The link is valid for 1 hour and can "
	    "be used once.</p>\n<p>--<br>\nRegards,<br>\n");
	buf_add_html(&html, site, strlen(site));
	buf_addstr(&html, "</p>\n");
	buf_addc(&subj, '\0');
	buf_addc(&text, '\0');
	buf_addc(&html, '\0');
	params[0] = email;
	params[1] = (const char *)subj.b_data;
	params[2] = (const char *)text.b_data;
	params[3] = (const char *)html.b_data;
	if ((r = cdb_exec(&w->w_x, "INSERT INTO hcd_mail (recipient, subject, "
	    "body_text, body_html) VALUES ($1, $2, $3, $4)", 4, params,
	    &e)) == NULL) {
		web_fail(w, &e);
		rc = -1;
	} else
		PQclear(r);
	buf_clear(&subj);
	explicit_bzero(text.b_data, text.b_len);
	explicit_bzero(html.b_data, html.b_len);
	buf_clear(&text);
	buf_clear(&html);
	return rc;
}

/*
 * A fresh log-in link for user `uid` (username `uname`): e-mailed
 * (queued) with EMAIL_HOST, else logged.
 */
static int
send_link(struct web *w, const char *uid, const char *uname,
    const char *email)
{
	char		 token[2 * WEB_TOKEN_BYTES + 1], hash[65], stored[128];
	char		*link;
	const char	*params[2];
	struct dberr	 e;
	PGresult	*r;
	int		 rc;

	web_token(token, sizeof(token));
	web_sha256_hex(token, strlen(token), hash);
	snprintf(stored, sizeof(stored), "%s:%lld", hash,
	    (long long)time(NULL) + WEB_LINK_AGE);
	params[0] = uid;
	params[1] = stored;
	if ((r = cdb_exec(&w->w_x, "UPDATE accounts_profile SET token = $2 "
	    "WHERE user_id = $1::int", 2, params, &e)) == NULL) {
		web_fail(w, &e);
		return -1;
	}
	PQclear(r);
	if (w->w_cf->email_host[0] == '\0')
		log_info("login link for %s: %s/accounts/check_token/%s/%s/",
		    email, w->w_cf->site_root, uname, token);
	else {
		link = xasprintf("%s/accounts/check_token/%s/%s/",
		    w->w_cf->site_root, uname, token);
		rc = queue_link(w, email, link);
		explicit_bzero(link, strlen(link));
		free(link);
		explicit_bzero(token, sizeof(token));
		if (rc == -1)
			return -1;
		log_info("login link for %s queued for e-mail", email);
	}
	/* The browser that asked may use the link without a confirm step. */
	buf_printf(&w->w_r->r_hdrs, "Set-Cookie: " WEB_AUTOLOGIN_COOKIE
	    "=1; Path=%s/accounts/check_token/; HttpOnly; SameSite=Lax; "
	    "Max-Age=%d%s\r\n", w->w_base, WEB_AUTOLOGIN_AGE,
	    w->w_secure ? "; Secure" : "");
	return 0;
}

static void
login_form(struct web *w, int status, const char *email, int bad)
{
	tset(w->w_ctx, "email", email);
	tset(w->w_ctx, "bad_login", bad ? "1" : "");
	web_page(w, status, "login", "Sign In");
}

static void
login_password(struct web *w, const char *email)
{
	char		 pw[1024], uid[24];
	const char	*params[1];
	struct dberr	 e;
	PGresult	*r;
	int		 ok = 0;

	if (web_form(w, "password", pw, sizeof(pw)) != 1)
		pw[0] = '\0';
	if (limited(w, "pw-", email, 20, 86400))
		return;
	params[0] = email;
	if ((r = cdb_exec(&w->w_x, "SELECT id, password FROM auth_user "
	    "WHERE lower(email) = $1 AND is_active", 1, params, &e)) == NULL) {
		web_fail(w, &e);
		return;
	}
	if (PQntuples(r) == 1 && pw[0] != '\0' &&
	    password_verify(pw, PQgetvalue(r, 0, 1)) == 1) {
		hc_strlcpy(uid, PQgetvalue(r, 0, 0), sizeof(uid));
		ok = 1;
	}
	PQclear(r);
	explicit_bzero(pw, sizeof(pw));
	if (!ok) {
		login_form(w, 200, email, 1);
		return;
	}
	if (web_login(w, strtoll(uid, NULL, 10)) == -1) {
		web_error(w, 503, "Service Unavailable", "The database is not "
		    "answering.");
		return;
	}
	web_redirect(w, "/");
}

static void
login_link(struct web *w, const char *email)
{
	const char	*params[1];
	struct dberr	 e;
	PGresult	*r;

	if (limited(w, "em-", email, 10, 3600))
		return;
	params[0] = email;
	if ((r = cdb_exec(&w->w_x, "SELECT id, username FROM auth_user "
	    "WHERE lower(email) = $1 AND is_active", 1, params, &e)) == NULL) {
		web_fail(w, &e);
		return;
	}
	if (PQntuples(r) == 1 && send_link(w, PQgetvalue(r, 0, 0),
	    PQgetvalue(r, 0, 1), email) == -1) {
		PQclear(r);
		return;
	}
	PQclear(r);
	tset(w->w_ctx, "email", email);
	web_page(w, 200, "link_sent", "Check your email");
}

/* GET, POST /accounts/login/ */
int
web_login_page(struct req *q, struct resp *r)
{
	struct web	w;
	char		action[16], raw[300], email[256];

	if (web_begin(&w, q, r, WEB_ANON) == -1 ||
	    !web_method(&w, "GET, POST"))
		goto out;
	if (!w.w_post) {
		if (w.w_user)
			web_redirect(&w, "/");
		else
			login_form(&w, 200, "", 0);
		goto out;
	}
	if (limited(&w, "auth-ip-", w.w_ip, 20, 3600))
		goto out;
	web_form(&w, "action", action, sizeof(action));
	if (web_form(&w, "email", raw, sizeof(raw)) != 1 ||
	    hc_email_normalize(raw, email, sizeof(email)) == -1) {
		login_form(&w, 200, "", strcmp(action, "login") == 0);
		goto out;
	}
	if (strcmp(action, "email") == 0)
		login_link(&w, email);
	else
		login_password(&w, email);
out:
	web_end(&w);
	return 0;
}

/* Make the user, profile, project, first check and email channel. */
static int
make_user(struct web *w, const char *email, char *uid, size_t uidsz,
    char *uname, size_t unamesz)
{
	struct dbctx		*x = &w->w_x;
	struct dberr		 e;
	PGresult		*r;
	const char		*params[3];
	char			 pw[PASSWORD_HASH_MAX], limit[16], pid[24],
				 code[37], slug[101], msg[256];
	struct check_new	 cn;
	struct check_input	 in;
	struct json_doc		*doc;
	const char		*errstr;
	static const char	 first[] = "{\"name\": \"My First Check\", "
				    "\"slug\": \"my-first-check\"}";
	int64_t			 cid;
	int			 created;

	if (password_unusable(pw, sizeof(pw)) == -1)
		return -1;
	if (cdb_begin(x, &e) == -1)
		return -1;
	params[0] = email;
	params[1] = pw;
	r = cdb_exec(x, "INSERT INTO auth_user (username, email, password, "
	    "date_joined) VALUES (substr(gen_random_uuid()::text, 1, 30), "
	    "$1, $2, now()) ON CONFLICT DO NOTHING RETURNING id, username",
	    2, params, &e);
	if (r == NULL)
		goto fail;
	if (PQntuples(r) != 1) {	/* signed up meanwhile */
		PQclear(r);
		cdb_rollback(x);
		return 1;
	}
	hc_strlcpy(uid, PQgetvalue(r, 0, 0), uidsz);
	hc_strlcpy(uname, PQgetvalue(r, 0, 1), unamesz);
	PQclear(r);
	snprintf(limit, sizeof(limit), "%d", HC_CHECK_LIMIT);
	params[0] = uid;
	params[1] = limit;
	r = w->w_cf->use_payments ?
	    cdb_exec(x, "INSERT INTO accounts_profile (user_id) VALUES "
	    "($1::int)", 1, params, &e) :
	    cdb_exec(x, "INSERT INTO accounts_profile (user_id, check_limit, "
	    "sms_limit, call_limit) VALUES ($1::int, $2::int, $2::int, "
	    "$2::int)", 2, params, &e);
	if (r == NULL)
		goto fail;
	PQclear(r);
	params[0] = uid;
	params[1] = uname;
	r = cdb_exec(x, "INSERT INTO accounts_project (name, owner_id, "
	    "badge_key) VALUES ('', $1::int, $2) RETURNING id", 2, params, &e);
	if (r == NULL)
		goto fail;
	hc_strlcpy(pid, PQgetvalue(r, 0, 0), sizeof(pid));
	PQclear(r);
	params[0] = pid;
	params[1] = email;
	r = cdb_exec(x, "INSERT INTO api_channel (project_id, kind, value, "
	    "email_verified) VALUES ($1::int, 'email', $2, true)", 2, params,
	    &e);
	if (r == NULL)
		goto fail;
	PQclear(r);

	/* The first check, through the check model. */
	if ((doc = json_parse(first, sizeof(first) - 1, &errstr)) == NULL)
		goto fail;
	if (check_validate(doc, json_root(doc), msg, sizeof(msg)) == -1) {
		json_doc_free(doc);
		goto fail;
	}
	check_input_read(&in, doc, json_root(doc));
	json_doc_free(doc);
	memset(&cn, 0, sizeof(cn));
	cn.cn_project = strtoll(pid, NULL, 10);
	cn.cn_limit_factor = 1;
	cn.cn_all_channels = 1;
	if (check_db_create(x, &cn, &cid, &created, &e) == -1 ||
	    check_db_update(x, cid, &in, 3, NULL, code, slug, &e) == -1) {
		check_input_free(&in);
		goto fail;
	}
	check_input_free(&in);
	if (cdb_commit(x, &e) == -1)
		return -1;
	check_db_publish(x, code, cid, cn.cn_project, slug);
	return 0;
fail:
	cdb_rollback(x);
	return -1;
}

/* GET, POST /accounts/signup/ */
int
web_signup(struct req *q, struct resp *r)
{
	struct web	 w;
	char		 raw[300], email[256], uid[24], uname[64];
	const char	*params[1];
	struct dberr	 e;
	PGresult	*res;
	int		 rc;

	if (web_begin(&w, q, r, WEB_ANON) == -1 ||
	    !web_method(&w, "GET, POST"))
		goto out;
	if (!w.w_cf->registration_open) {
		web_error(&w, 403, "Sign-up is closed", "Accounts on this site "
		    "are made by its administrator.");
		goto out;
	}
	if (!w.w_post) {
		web_page(&w, 200, "signup", "Sign Up");
		goto out;
	}
	if (limited(&w, "auth-ip-", w.w_ip, 20, 3600))
		goto out;
	if (web_form(&w, "email", raw, sizeof(raw)) != 1 ||
	    hc_email_normalize(raw, email, sizeof(email)) == -1) {
		web_error(&w, 400, "Bad Request", "Please enter a valid email "
		    "address.");
		goto out;
	}
	params[0] = email;
	for (;;) {
		res = cdb_exec(&w.w_x, "SELECT id, username FROM auth_user "
		    "WHERE lower(email) = $1", 1, params, &e);
		if (res == NULL) {
			web_fail(&w, &e);
			goto out;
		}
		if (PQntuples(res) == 1) {
			hc_strlcpy(uid, PQgetvalue(res, 0, 0), sizeof(uid));
			hc_strlcpy(uname, PQgetvalue(res, 0, 1), sizeof(uname));
			PQclear(res);
			break;
		}
		PQclear(res);
		if ((rc = make_user(&w, email, uid, sizeof(uid), uname,
		    sizeof(uname))) == -1) {
			web_error(&w, 503, "Service Unavailable", "The account "
			    "could not be made; please try again.");
			goto out;
		}
		if (rc == 0)
			break;
	}
	if (send_link(&w, uid, uname, email) == -1)
		goto out;
	tset(w.w_ctx, "email", email);
	tset(w.w_ctx, "signup", "1");
	web_page(&w, 200, "link_sent", "Check your email");
out:
	web_end(&w);
	return 0;
}

/* POST /accounts/logout/ */
int
web_logout_page(struct req *q, struct resp *r)
{
	struct web w;

	if (web_begin(&w, q, r, WEB_ANON) == 0 && web_method(&w, "POST")) {
		web_logout(&w);
		web_redirect(&w, "/accounts/login/");
	}
	web_end(&w);
	return 0;
}

static int
has_autologin(struct web *w)
{
	const struct http_hdr	*h;
	int			 i;

	for (i = 0; i < w->w_q->q_http->nhdrs; i++) {
		h = &w->w_q->q_http->hdrs[i];
		if (h->name_len == 6 && strncasecmp(h->name, "Cookie", 6) == 0 &&
		    memmem(h->value, h->value_len, WEB_AUTOLOGIN_COOKIE "=1",
		    sizeof(WEB_AUTOLOGIN_COOKIE "=1") - 1) != NULL)
			return 1;
	}
	return 0;
}

/* GET, POST /accounts/check_token/<username>/<token>/ */
int
web_check_token(struct req *q, struct resp *r)
{
	struct web	 w;
	char		 uname[160], token[128], hash[65], stored[160], *colon;
	const char	*params[3];
	struct dberr	 e;
	PGresult	*res;
	int64_t		 uid = 0;

	if (web_begin(&w, q, r, WEB_ANON) == -1 ||
	    !web_method(&w, "GET, POST"))
		goto out;
	web_arg(&w, 0, uname, sizeof(uname));
	web_arg(&w, 1, token, sizeof(token));
	if (!w.w_post && !has_autologin(&w)) {
		/* a link scanner's GET must not use the link up */
		web_page(&w, 200, "check_token", "Log In");
		goto out;
	}
	web_sha256_hex(token, strlen(token), hash);
	params[0] = uname;
	res = cdb_exec(&w.w_x, "SELECT u.id, p.token FROM auth_user u JOIN "
	    "accounts_profile p ON p.user_id = u.id WHERE u.username = $1 "
	    "AND u.is_active", 1, params, &e);
	if (res == NULL) {
		web_fail(&w, &e);
		goto out;
	}
	if (PQntuples(res) == 1) {
		hc_strlcpy(stored, PQgetvalue(res, 0, 1), sizeof(stored));
		if ((colon = strchr(stored, ':')) != NULL) {
			*colon = '\0';
			if (strlen(stored) == 64 &&
			    CRYPTO_memcmp(stored, hash, 64) == 0 &&
			    strtoll(colon + 1, NULL, 10) > time(NULL))
				uid = db_getint(res, 0, 0, 0);
			*colon = ':';
		}
	}
	PQclear(res);
	if (uid != 0) {
		/* once: only the request that clears it logs in */
		char sid[24];

		snprintf(sid, sizeof(sid), "%lld", (long long)uid);
		params[0] = sid;
		params[1] = stored;
		res = cdb_exec(&w.w_x, "UPDATE accounts_profile SET token = '' "
		    "WHERE user_id = $1::int AND token = $2", 2, params, &e);
		if (res == NULL) {
			web_fail(&w, &e);
			goto out;
		}
		if (strcmp(PQcmdTuples(res), "1") != 0)
			uid = 0;
		PQclear(res);
	}
	if (uid == 0) {
		tset(w.w_ctx, "flash", "The log-in link has expired or has "
		    "been used already. Please ask for a new one.");
		tset(w.w_ctx, "flash_kind", "error");
		login_form(&w, 400, "", 0);
		goto out;
	}
	if (web_login(&w, uid) == -1) {
		web_error(&w, 503, "Service Unavailable", "The database is not "
		    "answering.");
		goto out;
	}
	web_redirect(&w, "/");
out:
	web_end(&w);
	return 0;
}

static void
profile_page(struct web *w, int status)
{
	char		 uid[24];
	const char	*params[1];
	struct dberr	 e;
	PGresult	*res;
	struct tctx	*it;
	int		 i;

	snprintf(uid, sizeof(uid), "%lld", (long long)w->w_user);
	params[0] = uid;
	res = cdb_exec(&w->w_x, "SELECT p.code, p.name, CASE WHEN p.owner_id "
	    "= $1::int THEN 'o' ELSE m.role END FROM accounts_project p LEFT "
	    "JOIN accounts_member m ON m.project_id = p.id AND m.user_id = "
	    "$1::int WHERE p.owner_id = $1::int OR m.user_id IS NOT NULL "
	    "ORDER BY p.name, p.id", 1, params, &e);
	if (res == NULL) {
		web_fail(w, &e);
		return;
	}
	for (i = 0; i < PQntuples(res); i++) {
		const char *role = PQgetvalue(res, i, 2);

		it = tadd(w->w_ctx, "projects");
		tset(it, "code", PQgetvalue(res, i, 0));
		tset(it, "name", PQgetvalue(res, i, 1)[0] ?
		    PQgetvalue(res, i, 1) : "Default Project");
		tset(it, "role_name", role[0] == 'o' ? "Owner" : role[0] == 'r'
		    ? "Read-only" : role[0] == 'm' ? "Manager" : "Member");
	}
	PQclear(res);
	tset(w->w_ctx, "nav", "account");
	web_page(w, status, "profile", "Account Settings");
}

/* GET /accounts/profile/ */
int
web_profile(struct req *q, struct resp *r)
{
	struct web w;

	if (web_begin(&w, q, r, 0) == 0 && web_method(&w, "GET"))
		profile_page(&w, 200);
	web_end(&w);
	return 0;
}

/* POST /accounts/set_password/ */
int
web_set_password(struct req *q, struct resp *r)
{
	struct web	 w;
	char		 pw[1024], hash[PASSWORD_HASH_MAX], uid[24];
	const char	*params[2];
	struct dberr	 e;
	PGresult	*res;

	if (web_begin(&w, q, r, 0) == -1 || !web_method(&w, "GET, POST"))
		goto out;
	if (!w.w_post) {
		web_redirect(&w, "/accounts/profile/");
		goto out;
	}
	if (web_form(&w, "password", pw, sizeof(pw)) != 1 ||
	    strlen(pw) < WEB_PASSWORD_MIN) {
		tset(w.w_ctx, "pw_error", "The password must be at least 8 "
		    "characters long.");
		profile_page(&w, 400);
		goto out;
	}
	if (password_hash(pw, hash, sizeof(hash)) == -1) {
		explicit_bzero(pw, sizeof(pw));
		web_error(&w, 500, "Server Error", "Could not hash the "
		    "password.");
		goto out;
	}
	explicit_bzero(pw, sizeof(pw));
	snprintf(uid, sizeof(uid), "%lld", (long long)w.w_user);
	params[0] = uid;
	params[1] = hash;
	/* Other sessions of the account end; this one is renewed. */
	res = cdb_exec(&w.w_x, "WITH s AS (DELETE FROM hcd_session WHERE "
	    "user_id = $1::int) UPDATE auth_user SET password = $2 WHERE id = "
	    "$1::int", 2, params, &e);
	explicit_bzero(hash, sizeof(hash));
	if (res == NULL) {
		web_fail(&w, &e);
		goto out;
	}
	PQclear(res);
	w.w_session[0] = '\0';
	if (web_login(&w, w.w_user) == -1) {
		web_error(&w, 503, "Service Unavailable", "The database is not "
		    "answering.");
		goto out;
	}
	tset(w.w_ctx, "flash", "Your password has been set.");
	tset(w.w_ctx, "flash_kind", "ok");
	profile_page(&w, 200);
out:
	web_end(&w);
	return 0;
}

/* GET /cloaked/<unique_key>/: to the check's details if it is visible. */
int
web_cloaked(struct req *q, struct resp *r)
{
	struct web		 w;
	struct web_project	 p;
	char			 key[48], uk[41];
	const char		*params[1];
	struct dberr		 e;
	PGresult		*res;
	int			 i;

	if (web_begin(&w, q, r, 0) == -1 || !web_method(&w, "GET"))
		goto out;
	web_arg(&w, 0, key, sizeof(key));
	/* unique_key is computed, not stored: look among the checks of the
	   projects this user sees (Healthchecks scans the same way) */
	snprintf(uk, sizeof(uk), "%lld", (long long)w.w_user);
	params[0] = uk;
	res = cdb_exec(&w.w_x, "SELECT c.code, c.project_id FROM api_check c "
	    "JOIN accounts_project p ON p.id = c.project_id LEFT JOIN "
	    "accounts_member m ON m.project_id = p.id AND m.user_id = $1::int "
	    "WHERE p.owner_id = $1::int OR m.user_id IS NOT NULL", 1, params,
	    &e);
	if (res == NULL) {
		web_fail(&w, &e);
		goto out;
	}
	for (i = 0; i < PQntuples(res); i++) {
		check_unique_key(PQgetvalue(res, i, 0), uk);
		if (strcmp(uk, key) == 0 && web_project_by_id(&w,
		    db_getint(res, i, 1, 0), &p) == 0) {
			web_redirect(&w, "/checks/%s/details/",
			    PQgetvalue(res, i, 0));
			break;
		}
	}
	PQclear(res);
	if (!w.w_done)
		web_error(&w, 404, "Not Found", "There is no such check.");
out:
	web_end(&w);
	return 0;
}

/*
 * GET and POST /integrations/<channel>/unsub/<signature>/: the
 * List-Unsubscribe link of notification e-mails (kind_email.c).  The
 * signature (nt_unsub_sig) is the credential, so neither a log-in nor
 * the CSRF token is asked for: a mail client's one-click unsubscribe
 * (RFC 8058) POSTs "List-Unsubscribe=One-Click" with neither.  GET asks
 * to confirm; POST disables the channel, which is kept, as Healthchecks
 * keeps it, for a member to turn back on.
 */
int
web_unsub(struct req *q, struct resp *r)
{
	struct web	 w;
	char		 code[40], sig[40], want[33], email[256];
	const char	*params[1] = { code };
	struct dberr	 e;
	PGresult	*res;
	struct json_doc	*d;
	const char	*v, *jerr;

	if (web_begin(&w, q, r, WEB_ANON | WEB_NOCSRF) == -1 ||
	    !web_method(&w, "GET, POST"))
		goto out;
	web_arg(&w, 0, code, sizeof(code));
	web_arg(&w, 1, sig, sizeof(sig));
	nt_unsub_sig(w.w_cf, code, want);
	if (strlen(sig) != 32 || CRYPTO_memcmp(sig, want, 32) != 0) {
		web_error(&w, 400, "Bad Request", "This unsubscribe link is "
		    "not valid.");
		goto out;
	}
	res = cdb_exec(&w.w_x, "SELECT value FROM api_channel WHERE code = "
	    "$1::uuid AND kind = 'email'", 1, params, &e);
	if (res == NULL) {
		web_fail(&w, &e);
		goto out;
	}
	if (PQntuples(res) == 0) {
		PQclear(res);
		web_error(&w, 404, "Not Found", "This integration does not "
		    "exist any more.");
		goto out;
	}
	/* The address: the JSON value's "value", or a legacy bare one. */
	v = PQgetvalue(res, 0, 0);
	hc_strlcpy(email, v, sizeof(email));
	if ((d = json_parse(v, strlen(v), &jerr)) != NULL) {
		int	 i = -1;
		char	*s;

		if (json_type(d, json_root(d)) == JSON_OBJECT)
			i = json_obj_get(d, json_root(d), "value");
		if (i >= 0 && json_type(d, i) == JSON_STRING &&
		    (s = json_str(d, i)) != NULL) {
			hc_strlcpy(email, s, sizeof(email));
			free(s);
		}
		json_doc_free(d);
	}
	PQclear(res);
	tset(w.w_ctx, "email", email);
	if (w.w_post) {
		if ((res = cdb_exec(&w.w_x, "UPDATE api_channel SET disabled "
		    "= true WHERE code = $1::uuid", 1, params, &e)) == NULL) {
			web_fail(&w, &e);
			goto out;
		}
		PQclear(res);
		tset(w.w_ctx, "done", "1");
	}
	web_page(&w, 200, "unsub", "Unsubscribe");
out:
	web_end(&w);
	return 0;
}
