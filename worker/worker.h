/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The HTTP worker: connections, the ping path, the management API.
 */
#ifndef HC_WORKER_H
#define HC_WORKER_H

#include <sys/queue.h>

#include <stdint.h>
#include <libpq-fe.h>

#include "hcd.h"
#include "http_parse.h"

struct event;
struct event_base;
struct proc_env;
struct ring;

struct worker;

struct conn {
	struct worker		*c_w;
	int			 c_fd;
	struct event		*c_ev_read;
	struct event		*c_ev_write;
	struct buf		 c_in;
	struct buf		 c_out;
	struct buf		 c_scratch;	/* de-chunked bodies */
	size_t			 c_out_off;	/* written so far */
	int			 c_waiting;	/* response held for an ack */
	uint64_t		 c_ack_pos;	/* ring position to wait for */
	int			 c_ack_status;	/* 200 or 201 */
	int			 c_head;	/* HEAD: no body */
	int			 c_close;	/* close after the response */
	int			 c_continue_sent;
	int64_t			 c_active;	/* monotonic ms */
	char			 c_peer[64];	/* address text */
	TAILQ_ENTRY(conn)	 c_pending;	/* waiting for ack, FIFO */
	TAILQ_ENTRY(conn)	 c_all;
};
TAILQ_HEAD(connq, conn);

/* The response being built for one request. */
struct resp {
	int		 r_status;
	const char	*r_ctype;		/* NULL: text/plain; charset=utf-8 */
	struct buf	 r_body;
	struct buf	 r_hdrs;		/* extra header lines, CRLF each */
	int		 r_cors;		/* Access-Control-Allow-Origin: * */
	int		 r_nocache;
};

struct worker {
	struct proc_env		*w_env;
	const struct conf	*w_conf;
	struct event_base	*w_base;
	struct ring		*w_ring;
	struct event		*w_ev_accept;
	struct event		*w_ev_ack;
	struct event		*w_ev_tick;
	struct event		*w_ev_term;
	struct connq		 w_pending;
	struct connq		 w_conns;
	int			 w_nconns;
	int			 w_stopping;
	int64_t			 w_stop_deadline;	/* monotonic ms */
	PGconn			*w_db;		/* management API, lazily */
	char			 w_prefix[256];	/* SITE_ROOT's path, no '/' at end */
	size_t			 w_prefix_len;
	char			 w_date[64];	/* Date: header, per second */
	int64_t			 w_date_sec;
	struct buf		 w_ok;		/* the usual ping answer ... */
	int64_t			 w_ok_sec;	/* ... built in this second */
};

/* A request as the handlers see it. */
struct req {
	struct worker		*q_w;
	struct conn		*q_conn;
	const struct http_req	*q_http;
	const char		*q_path;	/* after the SITE_ROOT prefix */
	size_t			 q_path_len;
};

/* Returned by handlers that did not answer yet (waiting for an ack). */
#define HANDLER_DEFERRED	1

/* worker.c */
void	 worker_hold(struct worker *, struct conn *, uint64_t pos, int status);
void	 resp_ping_ok(struct worker *, struct resp *, int created);
void	 ping_ok(struct worker *, struct conn *, int created);
void	 resp_init(struct resp *, int status);
void	 resp_text(struct resp *, int status, const char *text);
void	 resp_clear(struct resp *);
const char *status_text(int);

/* ping.c */
int	 ping_handle(struct req *, struct resp *);

/* api.c */
int	 api_handle(struct req *, struct resp *);
PGconn	*worker_db(struct worker *);

/* api.c: helpers shared with badge.c and metrics.c */
struct check_state;
struct conf;
void	 api_unique_key(const char *code, char out[41]);
int	 api_tags_each(const char *tags, int (*)(const char *, void *),
	    void *);
int	 api_has_tag(const char *tags, const char *tag);
char	*api_slugify(const char *);
int	 api_project_by_key(PGconn *, const char *secret, const char *key,
	    int accept_rw, int accept_ro, int64_t *project, int *readonly);

/* badge.c */
#define BADGE_SIG_LEN	8
void	 badge_sig(const char *secret, const char *badge_key, const char *tag,
	    char out[BADGE_SIG_LEN + 1]);
void	 badge_url(struct buf *, const struct conf *, const char *badge_key,
	    const char *tag, const char *fmt, int with_late);
int	 badge_width(const char *text);
void	 badge_svg(struct buf *, const char *label, const char *status);
int	 badge_handle(struct req *, struct resp *);

/* metrics.c (also routes /b/, /badge/ and /projects/.../metrics) */
int	 metrics_handle(struct req *, struct resp *);
int	 public_match(const char *path, size_t len);
int	 public_handle(struct req *, struct resp *);

#endif
