/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The HTTP worker: connections, the ping path, database jobs, the one
 * route table, the management API by resource, badges and metrics.
 */
#ifndef HC_WORKER_H
#define HC_WORKER_H

#include <sys/queue.h>

#include <stdint.h>
#include <libpq-fe.h>

#include "hcd.h"
#include "http_parse.h"
#include "route.h"

struct addrtab;
struct dbconn;
struct dbq;
struct event;
struct event_base;
struct job;
struct proc_env;
struct ring;

struct worker;

struct conn {
	struct worker		*c_w;
	int			 c_fd;
	struct event		*c_ev_read;
	struct event		*c_ev_write;
	struct buf		 c_in;		/* [c_in_off, b_len) unparsed */
	size_t			 c_in_off;
	struct buf		 c_out;
	struct buf		 c_scratch;	/* de-chunked bodies */
	size_t			 c_out_off;	/* written so far */
	int			 c_waiting;	/* response held for an ack */
	struct job		*c_job;		/* response held for a job */
	uint64_t		 c_ack_pos;	/* ring position to wait for */
	int			 c_ack_status;	/* 200 or 201 */
	int			 c_head;	/* HEAD: no body */
	int			 c_close;	/* close after the response */
	int			 c_continue_sent;
	int			 c_hdr_done;	/* the request's headers are in */
	int			 c_reading;	/* c_ev_read is added */
	int64_t			 c_active;	/* monotonic ms: last read */
	int64_t			 c_req_start;	/* the request's first byte, 0 */
	int64_t			 c_wactive;	/* output pending since, or
						   last written */
	int64_t			 c_held;	/* held since */
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
	struct event		*w_ev_resume;	/* accepting again after EMFILE */
	struct addrtab		*w_addrs;	/* connections per client */
	int64_t			 w_refused_logged;	/* monotonic ms */
	uint64_t		 w_refused;	/* since that log line */
	struct event		*w_ev_ack;
	struct event		*w_ev_tick;
	struct event		*w_ev_term;
	struct connq		 w_pending;
	struct connq		 w_conns;
	int			 w_nconns;
	int			 w_stopping;
	int64_t			 w_stop_deadline;	/* monotonic ms */
	struct dbq		*w_dbq;		/* database threads */
	int			 w_njobs;	/* jobs not answered yet */
	char			 w_prefix[256];	/* SITE_ROOT's path, no '/' at end */
	size_t			 w_prefix_len;
	char			 w_date[64];	/* Date: header, per second */
	int64_t			 w_date_sec;
	struct buf		 w_ok;		/* the usual ping answer ... */
	int64_t			 w_ok_sec;	/* ... built in this second */
};

/* A request as the handlers see it. */
#define RT_MAXARGS	4
struct req {
	struct worker		*q_w;
	struct conn		*q_conn;	/* NULL on a database thread */
	const struct http_req	*q_http;
	const char		*q_path;	/* after the SITE_ROOT prefix */
	size_t			 q_path_len;
	struct dbconn		*q_db;		/* on a database thread */
	const char		*q_arg[RT_MAXARGS];	/* route captures */
	size_t			 q_arglen[RT_MAXARGS];
	int			 q_nargs;
	int			 q_created;	/* ?create=1 done: -1 no, 0, 1 */
	int64_t			 q_check;	/* ... and the check it gave */
	struct job		*q_job;		/* the job it runs in, if any */
	char			 q_peer[64];	/* the client's address (jobs) */
};

/* Returned by handlers that did not answer yet (waiting for an ack). */
#define HANDLER_DEFERRED	1

typedef int (*handler_fn)(struct req *, struct resp *);

/* One entry of the route table (routes.c). */
struct route {
	const char	*rt_pattern;
	handler_fn	 rt_fn;
	int		 rt_flags;
};
#define RT_DB		0x01	/* runs on a database thread */

/* A database job (dbq.c): a request copied off the connection. */
/* Back on the loop for a live connection: a handler's return value. */
typedef int (*job_done_fn)(struct worker *, struct conn *, struct job *);
struct job {
	struct worker		*j_w;
	struct conn		*j_conn;	/* NULL once it closed */
	handler_fn		 j_fn;		/* on a database thread */
	job_done_fn		 j_done;	/* on the loop; NULL: answer */
	uint8_t			*j_raw;		/* the request's bytes */
	size_t			 j_rawlen;
	struct buf		 j_scratch;
	struct http_req		 j_http;	/* parsed from j_raw */
	struct req		 j_req;
	struct resp		 j_resp;
	int			 j_rv;
	uint64_t		 j_barrier;	/* journal head at receipt */
	int64_t			 j_project;	/* ?create=1: in */
	int64_t			 j_check;	/* ?create=1: out */
	char			 j_slug[ROUTE_SLUG_MAX + 1];
	TAILQ_ENTRY(job)	 j_entry;
};
TAILQ_HEAD(jobq, job);

/* worker.c */
void	 worker_hold(struct worker *, struct conn *, uint64_t pos, int status);
struct job *worker_job(struct req *, handler_fn, job_done_fn);
int	 worker_job_start(struct worker *, struct job *);
void	 worker_job_done(struct worker *, struct job *);
void	 resp_ping_ok(struct worker *, struct resp *, int created);
void	 ping_ok(struct worker *, struct conn *, int created);
void	 resp_init(struct resp *, int status);
void	 resp_text(struct resp *, int status, const char *text);
void	 resp_clear(struct resp *);
const char *http_status_text(int);

/* dbq.c */
struct dbq *dbq_new(struct worker *, int nthreads);
void	 dbq_free(struct dbq *);
void	 dbq_submit(struct dbq *, struct job *);
struct job *job_new(struct worker *, struct conn *, const uint8_t *raw,
	    size_t len, const struct req *, handler_fn);
void	 job_free(struct job *);

/* routes.c */
const struct route *rt_lookup(const char *path, size_t len, struct req *,
	    int *slash);

/* ping.c */
int	 ping_handle(struct req *, struct resp *);

/* api.c: the frame of every API endpoint */
struct json_doc;
struct json_w;
struct dbctx;
struct dberr;
struct api {
	struct req	*a_q;
	struct resp	*a_r;
	int		 a_version;	/* 1, 2, 3 */
	int64_t		 a_project;	/* authenticated project */
	int		 a_readonly;
	struct json_doc	*a_doc;		/* parsed POST body, if any */
	int		 a_root;
	struct dbctx	*a_x;
};
int	 api_begin(struct api *, struct req *, struct resp *, struct dbctx *,
	    const char *methods, int write);
void	 api_end(struct api *);
int	 api_run(struct req *, struct resp *, const char *methods, int write,
	    void (*)(struct api *));
int64_t	 api_check_id(struct api *, int by_key);
int	 api_method_is(const struct api *, const char *);
void	 api_json_error(struct resp *, int status, const char *msg);
void	 api_empty(struct resp *, int status);
void	 api_fail(struct api *, const struct dberr *);
void	 api_json_begin(struct api *, int status, struct json_w *);
void	 api_list_begin(struct api *, struct json_w *, const char *key);
void	 api_list_end(struct json_w *);
void	 api_arg(const struct req *, int, char *, size_t);
void	 api_ctx(struct req *, struct dbctx *);
int	 api_project_by_key(struct dbctx *, const char *secret,
	    const char *key, int accept_rw, int accept_ro, int64_t *project,
	    int *readonly);
int	 api_status(struct req *, struct resp *);

/* api_checks.c */
int	 api_checks(struct req *, struct resp *);
int	 api_check(struct req *, struct resp *);
int	 api_check_by_key(struct req *, struct resp *);
int	 api_check_pause(struct req *, struct resp *);
int	 api_check_resume(struct req *, struct resp *);
int	 api_ping_create(struct req *, struct resp *);

/* api_pings.c */
int	 api_check_pings(struct req *, struct resp *);
int	 api_ping_body(struct req *, struct resp *);
int	 api_check_flips(struct req *, struct resp *);
int	 api_check_flips_by_key(struct req *, struct resp *);

/* api_project.c */
int	 api_channels(struct req *, struct resp *);
int	 api_badges(struct req *, struct resp *);
int	 api_metrics(struct req *, struct resp *);

/* badge.c */
#define BADGE_SIG_LEN	8
struct evp_md_ctx_st;
struct badge_signer {				/* one badge key's HMAC */
	struct evp_md_ctx_st	*bs_inner, *bs_outer, *bs_work;
};
int	 badge_signer_init(struct badge_signer *, const char *secret,
	    const char *badge_key);
void	 badge_signer_sig(struct badge_signer *, const char *tag,
	    char out[BADGE_SIG_LEN + 1]);
void	 badge_signer_free(struct badge_signer *);
void	 badge_sig(const char *secret, const char *badge_key, const char *tag,
	    char out[BADGE_SIG_LEN + 1]);
void	 badge_tag_quote(struct buf *, const char *tag);
void	 badge_url_parts(struct buf *, const struct conf *,
	    const char *badge_key, const char *sig, const char *qtag,
	    const char *fmt, int with_late);
void	 badge_url(struct buf *, const struct conf *, const char *badge_key,
	    const char *tag, const char *fmt, int with_late);
int	 badge_width(const char *text);
void	 badge_svg(struct buf *, const char *label, const char *status);
int	 badge_check(struct req *, struct resp *);
int	 badge_project(struct req *, struct resp *);

/* metrics.c */
int	 metrics_project(struct req *, struct resp *);
int	 metrics_project_bearer(struct req *, struct resp *);

#endif
