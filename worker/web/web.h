/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The dashboard: the frame every page handler runs in (web.c: session,
 * CSRF, forms, the layout, redirects, access to projects and checks,
 * rate limits) and the pages by subject (web_auth.c, web_projects.c,
 * web_checks.c, web_check.c).  Every page handler is an RT_DB route: it
 * runs on one of the worker's database threads, never on the loop.
 * Static files (web_static) are served on the loop from memory.
 */
#ifndef HC_WEB_H
#define HC_WEB_H

#include <stdint.h>
#include <libpq-fe.h>

#include "check_db.h"
#include "checkdef.h"

struct buf;
struct conf;
struct req;
struct resp;
struct tctx;

#define WEB_SESSION_AGE		1209600		/* s: Django's two weeks */
#define WEB_LINK_AGE		3600		/* s a log-in link is valid */
#define WEB_AUTOLOGIN_AGE	300		/* s of the auto-login cookie */
#define WEB_SESSION_COOKIE	"hcd_session"
#define WEB_CSRF_COOKIE		"hcd_csrf"
#define WEB_TOKEN_BYTES		24		/* random bytes of a key */
#define WEB_PASSWORD_MIN	8

/* Who may do what in a project. */
enum web_role { ROLE_NONE = 0, ROLE_READONLY, ROLE_MEMBER, ROLE_MANAGER,
	ROLE_OWNER };

struct web {
	struct req		*w_q;
	struct resp		*w_r;
	struct dbctx		 w_x;
	const struct conf	*w_cf;
	struct tctx		*w_ctx;		/* the page's values */
	int			 w_post;
	int			 w_done;	/* an answer is written */
	int64_t			 w_user;	/* 0: anonymous */
	char			 w_email[256];
	int			 w_superuser;
	char			 w_session[128];	/* cookie value, "" none */
	char			 w_csrf[65];	/* what forms must carry */
	const char		*w_base;	/* SITE_ROOT's path, "" or "/x" */
	int			 w_secure;	/* SITE_ROOT is https */
	char			 w_ip[64];
};

/* A project as the signed-in user sees it. */
struct web_project {
	int64_t		 p_id;
	char		 p_code[37];
	char		 p_name[256];
	int		 p_role;		/* enum web_role */
	int		 p_show_slugs;
	char		 p_ping_key[129];
	int64_t		 p_owner;
};

/* web_begin flags */
#define WEB_ANON	0x01	/* anonymous visitors too */
#define WEB_JSON	0x02	/* answers JSON: failures too */
#define WEB_NOCSRF	0x04	/* a POST without the CSRF token: the URL
				   carries its own signature */

/* web.c */
int	 web_begin(struct web *, struct req *, struct resp *, int flags);
void	 web_end(struct web *);
int	 web_method(struct web *, const char *allowed);
int	 web_form(struct web *, const char *name, char *out, size_t outsz);
int	 web_query(struct web *, const char *name, char *out, size_t outsz);
void	 web_arg(struct web *, int i, char *out, size_t outsz);
void	 web_page(struct web *, int status, const char *tmpl,
	    const char *title);
void	 web_redirect(struct web *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	 web_error(struct web *, int status, const char *title,
	    const char *text);
void	 web_fail(struct web *, const struct dberr *);
void	 web_json(struct web *, int status, const struct buf *);
int	 web_login(struct web *, int64_t user);
void	 web_logout(struct web *);
int	 web_bucket(struct web *, const char *key, int capacity,
	    int refill_secs);
void	 web_key_hash(const struct conf *, const char *prefix,
	    const char *value, char *out, size_t outsz);
int	 web_project_get(struct web *, const char *code,
	    struct web_project *);
int	 web_project_by_id(struct web *, int64_t id, struct web_project *);
int	 web_can_write(struct web *, const struct web_project *);
void	 web_token(char *out, size_t outsz);
void	 web_sha256_hex(const char *, size_t, char out[65]);
void	 web_ago(struct buf *, int64_t then_us, int64_t now_us);
void	 web_duration(struct buf *, int64_t secs);
void	 web_time(struct buf *, int64_t us, const char *tz);
const char *web_role_name(int);
void	 web_set_project(struct web *, const struct web_project *);
char	*web_project_name(const struct web_project *);

/* web_auth.c */
int	 web_login_page(struct req *, struct resp *);
int	 web_signup(struct req *, struct resp *);
int	 web_logout_page(struct req *, struct resp *);
int	 web_check_token(struct req *, struct resp *);
int	 web_set_password(struct req *, struct resp *);
int	 web_profile(struct req *, struct resp *);
int	 web_cloaked(struct req *, struct resp *);
int	 web_unsub(struct req *, struct resp *);

/* web_projects.c */
int	 web_index(struct req *, struct resp *);
int	 web_project_add(struct req *, struct resp *);
int	 web_project_settings(struct req *, struct resp *);
int	 web_project_remove(struct req *, struct resp *);

/* web_checks.c */
int	 web_checks(struct req *, struct resp *);
int	 web_checks_status(struct req *, struct resp *);
int	 web_checks_add(struct req *, struct resp *);
void	 web_check_status(const struct check_row *, int64_t now,
	    const char **status, int *started);
int	 web_check_write(struct web *, int64_t project, int64_t id,
	    const struct buf *json, int all_channels, int64_t *out_id,
	    char code[37]);
void	 web_ping_url(struct buf *, struct web *, const struct web_project *,
	    const struct check_row *, int by_slug);
struct json_w;
void	 web_check_form_json(struct web *, struct json_w *, int sched_only);
void	 web_schedule_text(struct buf *, const struct check_row *);

/* web_check.c */
int	 web_check_details(struct req *, struct resp *);
int	 web_check_status_json(struct req *, struct resp *);
int	 web_check_name(struct req *, struct resp *);
int	 web_check_timeout(struct req *, struct resp *);
int	 web_check_filtering(struct req *, struct resp *);
int	 web_check_pause(struct req *, struct resp *);
int	 web_check_resume(struct req *, struct resp *);
int	 web_check_copy(struct req *, struct resp *);
int	 web_check_transfer(struct req *, struct resp *);
int	 web_check_clear(struct req *, struct resp *);
int	 web_check_remove(struct req *, struct resp *);
int	 web_check_log(struct req *, struct resp *);
int	 web_check_ping(struct req *, struct resp *);
int	 web_schedule_preview(struct req *, struct resp *);

/* web_static.c (on the loop) */
int	 web_static(struct req *, struct resp *);

#endif
