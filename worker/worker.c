/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The HTTP worker process: accepts on the listening socket it shares
 * with the other workers, reads and parses requests (http_parse.c),
 * hands them to the ping path (ping.c) or, through the route table
 * (routes.c), to the API, badges and metrics, whose database work runs
 * as jobs on the worker's database threads (dbq.c), and writes the
 * responses.  The loop itself never waits on a query.
 *
 * Durable acknowledgement: a ping's response is held (the connection is
 * put on w_pending with the ring position of its record) until the
 * alerter has committed the record and written to this worker's ack
 * pipe.  A request handed to a database job is held the same way
 * (c_job) until the job is done.  Responses on a connection go out in
 * request order: while one is held, later pipelined requests wait
 * unparsed in c_in.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "conf.h"
#include "hcd.h"
#include "http_parse.h"
#include "log.h"
#include "proc.h"
#include "ring.h"
#include "route.h"
#include "shm.h"
#include "worker.h"

#define READ_CHUNK	16384
#define STOP_WAIT_SEC	10	/* held responses at most this long at stop */
#define STOP_GRACE_MS	250	/* at stop, a quiet connection's last chance */

static void	conn_process(struct worker *, struct conn *);
static void	conn_close(struct worker *, struct conn *);

const char *
http_status_text(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

void
resp_init(struct resp *r, int status)
{
	memset(r, 0, sizeof(*r));
	r->r_status = status;
	buf_init(&r->r_body);
	buf_init(&r->r_hdrs);
}

void
resp_text(struct resp *r, int status, const char *text)
{
	r->r_status = status;
	buf_reset(&r->r_body);
	buf_addstr(&r->r_body, text);
}

void
resp_clear(struct resp *r)
{
	buf_clear(&r->r_body);
	buf_clear(&r->r_hdrs);
}

static const char *
http_date(struct worker *w)
{
	time_t		now = time(NULL);
	struct tm	tm;

	if (now != w->w_date_sec) {
		gmtime_r(&now, &tm);
		strftime(w->w_date, sizeof(w->w_date),
		    "%a, %d %b %Y %H:%M:%S GMT", &tm);
		w->w_date_sec = now;
	}
	return w->w_date;
}

/* Serialise a response into the connection's output buffer. */
static void
conn_respond(struct worker *w, struct conn *c, struct resp *r)
{
	struct buf	*o = &c->c_out;
	const char	*d = http_date(w);

	buf_printf(o, "HTTP/1.1 %d %s\r\nDate: %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\n", r->r_status, http_status_text(r->r_status),
	    d, r->r_ctype ? r->r_ctype : "text/plain; charset=utf-8",
	    r->r_body.b_len);
	if (r->r_cors)
		buf_addstr(o, "Access-Control-Allow-Origin: *\r\n");
	if (r->r_nocache)
		buf_printf(o, "Expires: %s\r\nCache-Control: max-age=0, "
		    "no-cache, no-store, must-revalidate, private\r\n", d);
	if (r->r_hdrs.b_len)
		buf_add(o, r->r_hdrs.b_data, r->r_hdrs.b_len);
	if (c->c_close)
		buf_addstr(o, "Connection: close\r\n");
	buf_addstr(o, "\r\n");
	if (!c->c_head && r->r_body.b_len)
		buf_add(o, r->r_body.b_data, r->r_body.b_len);
}

/* Write what we can; arm EV_WRITE for the rest. 0 ok, -1 closed. */
static int
conn_flush(struct worker *w, struct conn *c)
{
	ssize_t n;

	while (c->c_out_off < c->c_out.b_len) {
		n = write(c->c_fd, c->c_out.b_data + c->c_out_off,
		    c->c_out.b_len - c->c_out_off);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				event_add(c->c_ev_write, NULL);
				return 0;
			}
			conn_close(w, c);
			return -1;
		}
		c->c_out_off += (size_t)n;
	}
	buf_reset(&c->c_out);
	c->c_out_off = 0;
	if (c->c_close) {
		conn_close(w, c);
		return -1;
	}
	return 0;
}

static void
conn_close(struct worker *w, struct conn *c)
{
	if (c->c_waiting)
		TAILQ_REMOVE(&w->w_pending, c, c_pending);
	if (c->c_job != NULL)
		c->c_job->j_conn = NULL;	/* its answer goes nowhere */
	TAILQ_REMOVE(&w->w_conns, c, c_all);
	w->w_nconns--;
	event_free(c->c_ev_read);
	event_free(c->c_ev_write);
	close(c->c_fd);
	buf_clear(&c->c_in);
	buf_clear(&c->c_out);
	buf_clear(&c->c_scratch);
	free(c);
}

void
resp_ping_ok(struct worker *w, struct resp *r, int created)
{
	resp_text(r, created ? 201 : 200, created ? "Created" : "OK");
	r->r_cors = r->r_nocache = 1;
	if (w->w_conf->ping_body_limit >= 0)
		buf_printf(&r->r_hdrs, "Ping-Body-Limit: %lld\r\n",
		    (long long)w->w_conf->ping_body_limit);
}

/*
 * Answer a ping.  The usual answer (200, keep-alive, not HEAD) is the
 * same bytes for a whole second: it is built once per second.
 */
void
ping_ok(struct worker *w, struct conn *c, int created)
{
	struct resp r;

	if (!created && !c->c_close && !c->c_head) {
		if (w->w_ok_sec != time(NULL) || w->w_ok.b_len == 0) {
			struct conn tmp;

			memset(&tmp, 0, sizeof(tmp));
			buf_reset(&w->w_ok);
			resp_init(&r, 200);
			resp_ping_ok(w, &r, 0);
			tmp.c_out = w->w_ok;
			conn_respond(w, &tmp, &r);
			w->w_ok = tmp.c_out;
			resp_clear(&r);
			w->w_ok_sec = w->w_date_sec;
		}
		buf_add(&c->c_out, w->w_ok.b_data, w->w_ok.b_len);
		return;
	}
	resp_init(&r, created ? 201 : 200);
	resp_ping_ok(w, &r, created);
	conn_respond(w, c, &r);
	resp_clear(&r);
}

/* The held response of a ping whose record is now committed. */
static void
conn_ack(struct worker *w, struct conn *c)
{
	TAILQ_REMOVE(&w->w_pending, c, c_pending);
	c->c_waiting = 0;
	ping_ok(w, c, c->c_ack_status == 201);
	if (conn_flush(w, c) == 0)
		conn_process(w, c);	/* pipelined requests */
}

static void
ack_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct worker	*w = arg;
	struct conn	*c;
	uint64_t	 commit;

	proc_drain(fd);
	commit = ring_commit(w->w_ring);
	while ((c = TAILQ_FIRST(&w->w_pending)) != NULL &&
	    c->c_ack_pos <= commit)
		conn_ack(w, c);
}

/*
 * Django's APPEND_SLASH: a path that matches no route but would with a
 * '/' appended is answered 301 with that path (query string kept).
 */
static void
resp_append_slash(struct worker *w, struct resp *r, const struct http_req *h)
{
	r->r_status = 301;
	r->r_ctype = "text/html; charset=utf-8";
	buf_reset(&r->r_body);
	buf_printf(&r->r_hdrs, "Location: %.*s/%s%.*s\r\n",
	    (int)h->path_len, h->path, h->query_len ? "?" : "",
	    (int)h->query_len, h->query_len ? h->query : "");
}

static void
dispatch(struct worker *w, struct conn *c, const struct http_req *h)
{
	const struct route	*rt;
	struct req		 q;
	struct resp		 r;
	int			 rv = 0, slash;
	const char		*p = h->path;
	size_t			 len = h->path_len;

	memset(&q, 0, sizeof(q));
	q.q_w = w;
	q.q_conn = c;
	q.q_http = h;
	q.q_created = -1;
	resp_init(&r, 404);
	c->c_head = h->method_len == 4 && memcmp(h->method, "HEAD", 4) == 0;
	if (!h->keep_alive || w->w_stopping)
		c->c_close = 1;

	/* Everything lives under SITE_ROOT's path. */
	if (w->w_prefix_len) {
		if (len < w->w_prefix_len ||
		    memcmp(p, w->w_prefix, w->w_prefix_len) != 0 ||
		    (len > w->w_prefix_len && p[w->w_prefix_len] != '/')) {
			resp_text(&r, 404, "not found");
			goto out;
		}
		p += w->w_prefix_len;
		len -= w->w_prefix_len;
	}
	q.q_path = p;
	q.q_path_len = len;
	if (len >= 6 && memcmp(p, "/ping/", 6) == 0)
		rv = ping_handle(&q, &r);
	else if ((rt = rt_lookup(p, len, &q, &slash)) == NULL) {
		if (slash)
			resp_append_slash(w, &r, h);
		else
			resp_text(&r, 404, "not found");
	} else if (rt->rt_flags & RT_DB) {
		struct job *j = worker_job(&q, rt->rt_fn, NULL);

		if (j == NULL)
			resp_text(&r, 503, "database unavailable");
		else
			rv = worker_job_start(w, j);
	} else
		rv = rt->rt_fn(&q, &r);
	if (rv == HANDLER_DEFERRED) {
		resp_clear(&r);
		return;
	}
out:
	conn_respond(w, c, &r);
	resp_clear(&r);
}

/*
 * A database job for the request being dispatched (its bytes are at the
 * start of the connection's input).  NULL if it cannot be made.
 */
struct job *
worker_job(struct req *q, handler_fn fn, job_done_fn done)
{
	struct conn	*c = q->q_conn;
	struct job	*j;

	j = job_new(q->q_w, c, c->c_in.b_data, q->q_http->total_len, q, fn);
	if (j != NULL)
		j->j_done = done;
	return j;
}

/* Queue the job and hold its connection's answer: HANDLER_DEFERRED. */
int
worker_job_start(struct worker *w, struct job *j)
{
	j->j_conn->c_job = j;
	w->w_njobs++;
	dbq_submit(w->w_dbq, j);
	return HANDLER_DEFERRED;
}

/* A job is done (called by dbq.c on the loop): answer, go on. */
void
worker_job_done(struct worker *w, struct job *j)
{
	struct conn	*c = j->j_conn;
	int		 rv = 0;

	w->w_njobs--;
	if (c == NULL) {
		job_free(j);
		return;
	}
	c->c_job = NULL;
	if (j->j_done != NULL)
		rv = j->j_done(w, c, j);
	if (rv != HANDLER_DEFERRED)
		conn_respond(w, c, &j->j_resp);
	job_free(j);
	c->c_active = hc_mono_ms();
	if (conn_flush(w, c) == 0 && !c->c_waiting)
		conn_process(w, c);	/* pipelined requests */
}

/*
 * Parse and answer buffered requests until one is held or input runs out.
 *
 * Body caps: a ping URL's body is read up to conf_ping_body_max() bytes
 * (2.5 MB, or PING_BODY_LIMIT when larger) and a larger one is answered
 * 400, as Healthchecks answers Django's RequestDataTooBig; the ring
 * record keeps the first PING_BODY_LIMIT bytes (ping.c).  Every other
 * request's body is read up to HC_HTTP_MAX_BODY and a larger one is
 * 413: the API's JSON needs little, and its key is checked only once
 * the body is in.  Which cap applies is known once the request line is,
 * so a request that is not a ping and may carry a large body is parsed
 * again with the smaller cap.
 */
static void
conn_process(struct worker *w, struct conn *c)
{
	struct http_req	 h;
	const char	*errstr;
	int		 rc, ping;
	size_t		 pingmax;

	pingmax = conf_ping_body_max(w->w_conf);
	while (!c->c_waiting && c->c_job == NULL && c->c_in.b_len > 0) {
		rc = http_parse_request(c->c_in.b_data, c->c_in.b_len,
		    HC_HTTP_MAX_HEADER, pingmax, &c->c_scratch, &h, &errstr);
		ping = h.header_len != 0 && route_is_ping(w->w_prefix,
		    w->w_prefix_len, h.path, h.path_len);
		if (rc != HTTP_PARSE_ERROR && h.header_len != 0 && !ping &&
		    (h.chunked || h.content_length > HC_HTTP_MAX_BODY))
			rc = http_parse_request(c->c_in.b_data, c->c_in.b_len,
			    HC_HTTP_MAX_HEADER, HC_HTTP_MAX_BODY, &c->c_scratch,
			    &h, &errstr);
		if (rc == HTTP_PARSE_INCOMPLETE) {
			if (h.header_len != 0 && h.expect_continue &&
			    !c->c_continue_sent) {
				buf_addstr(&c->c_out,
				    "HTTP/1.1 100 Continue\r\n\r\n");
				c->c_continue_sent = 1;
			}
			break;
		}
		if (rc != HTTP_PARSE_OK) {
			struct resp r;
			int st = rc != HTTP_PARSE_TOO_LARGE ? 400 :
			    h.header_len == 0 ? 431 : ping ? 400 : 413;

			log_debug("%s: %s: %s", __func__, c->c_peer,
			    errstr ? errstr : "too large");
			resp_init(&r, st);
			resp_text(&r, st, http_status_text(st));
			c->c_close = 1;
			c->c_head = 0;
			conn_respond(w, c, &r);
			resp_clear(&r);
			buf_reset(&c->c_in);
			break;
		}
		c->c_continue_sent = 0;
		dispatch(w, c, &h);
		buf_consume(&c->c_in, h.total_len);
		if (c->c_close && !c->c_waiting && c->c_job == NULL) {
			buf_reset(&c->c_in);
			break;
		}
	}
	/* A large request's buffers go with it, not with the connection. */
	if (c->c_in.b_len == 0 && c->c_in.b_cap > 4 * READ_CHUNK)
		buf_clear(&c->c_in);
	if (c->c_scratch.b_cap > 4 * READ_CHUNK)
		buf_clear(&c->c_scratch);
	/* read_cb stopped reading while a response was held */
	if (!c->c_waiting && c->c_job == NULL &&
	    !event_pending(c->c_ev_read, EV_READ, NULL))
		event_add(c->c_ev_read, NULL);
	if (c->c_out.b_len)
		conn_flush(w, c);
}

static void
read_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct conn	*c = arg;
	struct worker	*w = c->c_w;
	ssize_t		 n;

	for (;;) {
		buf_reserve(&c->c_in, READ_CHUNK);
		n = read(fd, c->c_in.b_data + c->c_in.b_len,
		    c->c_in.b_cap - c->c_in.b_len - 1);
		if (n > 0) {
			c->c_in.b_len += (size_t)n;
			c->c_in.b_data[c->c_in.b_len] = '\0';
			/*
			 * Past the largest request, parse before reading
			 * on; while a response is held, stop reading until
			 * it is answered (the event is level-triggered:
			 * only removing it stops it; conn_process adds it
			 * back).
			 */
			if (c->c_in.b_len > HC_HTTP_MAX_HEADER +
			    conf_ping_body_max(w->w_conf) + 65536) {
				if (c->c_waiting || c->c_job != NULL)
					event_del(c->c_ev_read);
				break;
			}
			if ((size_t)n < READ_CHUNK)
				break;
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			/* Peer closed: a held response has no one to go to. */
			conn_close(w, c);
			return;
		}
		if (errno == EAGAIN)
			break;
	}
	c->c_active = hc_mono_ms();
	if (!c->c_waiting && c->c_job == NULL)
		conn_process(w, c);
}

static void
write_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct conn	*c = arg;
	struct worker	*w = c->c_w;

	if (conn_flush(w, c) == 0 && c->c_out.b_len == 0)
		conn_process(w, c);
}

static void
accept_cb(evutil_socket_t lfd, short ev, void *arg)
{
	struct worker		*w = arg;
	struct conn		*c;
	char			 peer[64];
	int			 fd, i, one = 1;

	for (i = 0; i < 64; i++) {
		if ((fd = proc_accept(lfd, peer, sizeof(peer))) == -1)
			return;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c = xcalloc(1, sizeof(*c));
		c->c_w = w;
		c->c_fd = fd;
		buf_init(&c->c_in);
		buf_init(&c->c_out);
		buf_init(&c->c_scratch);
		hc_strlcpy(c->c_peer, peer, sizeof(c->c_peer));
		c->c_active = hc_mono_ms();
		c->c_ev_read = event_new(w->w_base, fd, EV_READ | EV_PERSIST,
		    read_cb, c);
		c->c_ev_write = event_new(w->w_base, fd, EV_WRITE, write_cb, c);
		event_add(c->c_ev_read, NULL);
		TAILQ_INSERT_TAIL(&w->w_conns, c, c_all);
		w->w_nconns++;
	}
}

static void
maybe_exit(struct worker *w)
{
	/* Every connection answered and closed (tick_cb closes the quiet). */
	if (w->w_stopping && TAILQ_EMPTY(&w->w_pending) && w->w_njobs == 0 &&
	    w->w_nconns == 0) {
		log_debug("stopped");
		event_base_loopbreak(w->w_base);
	}
}

static void
tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct worker	*w = arg;
	struct conn	*c, *next;
	int64_t		 now = hc_mono_ms();

	/* A missed wake-up costs at most one tick. */
	ack_cb(w->w_env->pe_ack_rfd, EV_READ, w);
	for (c = TAILQ_FIRST(&w->w_conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, c_all);
		if (!c->c_waiting && c->c_job == NULL && c->c_out.b_len == 0 &&
		    now - c->c_active > HC_HTTP_IDLE_SEC * 1000)
			conn_close(w, c);
	}
	if (w->w_stopping) {
		/*
		 * Quiet connections go: nothing held, nothing to write,
		 * nothing half read, and nothing read for STOP_GRACE_MS.  The
		 * grace is for a connection accepted just before the stop,
		 * whose request is on its way: closed unread, its client
		 * would see a reset instead of an answer.  The others are
		 * answered with "Connection: close" (dispatch).
		 */
		for (c = TAILQ_FIRST(&w->w_conns); c != NULL; c = next) {
			next = TAILQ_NEXT(c, c_all);
			if (!c->c_waiting && c->c_job == NULL &&
			    c->c_out.b_len == 0 && c->c_in.b_len == 0 &&
			    now - c->c_active >= STOP_GRACE_MS)
				conn_close(w, c);
		}
		if (now > w->w_stop_deadline) {
			log_warnx("stopping with responses still held");
			event_base_loopbreak(w->w_base);
		}
	}
	maybe_exit(w);
}

static void
term_cb(evutil_socket_t sig, short ev, void *arg)
{
	struct worker *w = arg;

	if (w->w_stopping)
		return;
	log_debug("got SIGTERM: no new connections");
	w->w_stopping = 1;
	w->w_stop_deadline = hc_mono_ms() + STOP_WAIT_SEC * 1000;
	event_del(w->w_ev_accept);
	maybe_exit(w);
}

void
worker_main(struct proc_env *pe)
{
	static struct worker	 w;
	struct timeval		 tv = { 0, 100000 };
	char			 title[32];
	const char		*p;

	snprintf(title, sizeof(title), "worker %d", pe->pe_id);
	proc_drop(pe, title);
	signal(SIGPIPE, SIG_IGN);

	w.w_env = pe;
	w.w_conf = pe->pe_conf;
	w.w_ring = shm_ring(pe->pe_shm, pe->pe_id);
	atomic_store(&w.w_ring->r_pid, (int32_t)getpid());
	TAILQ_INIT(&w.w_pending);
	TAILQ_INIT(&w.w_conns);
	/* SITE_ROOT "http://host:port/prefix" → "/prefix". */
	p = strstr(w.w_conf->site_root, "://");
	p = p ? strchr(p + 3, '/') : NULL;
	if (p != NULL && strcmp(p, "/") != 0) {
		hc_strlcpy(w.w_prefix, p, sizeof(w.w_prefix));
		w.w_prefix_len = strlen(w.w_prefix);
	}

	if ((w.w_base = event_base_new()) == NULL)
		fatalx("event_base_new");
	w.w_ev_accept = event_new(w.w_base, pe->pe_http_fd,
	    EV_READ | EV_PERSIST, accept_cb, &w);
	event_add(w.w_ev_accept, NULL);
	w.w_ev_ack = event_new(w.w_base, pe->pe_ack_rfd, EV_READ | EV_PERSIST,
	    ack_cb, &w);
	event_add(w.w_ev_ack, NULL);
	w.w_ev_tick = event_new(w.w_base, -1, EV_PERSIST, tick_cb, &w);
	evtimer_add(w.w_ev_tick, &tv);
	w.w_dbq = dbq_new(&w, (int)w.w_conf->db_threads);
	w.w_ev_term = evsignal_new(w.w_base, SIGTERM, term_cb, &w);
	evsignal_add(w.w_ev_term, NULL);
	signal(SIGINT, SIG_IGN);	/* the master decides */
	signal(SIGHUP, SIG_IGN);

	event_base_dispatch(w.w_base);
	dbq_free(w.w_dbq);
	exit(0);
}

/* Hold the connection's response until ring position `pos` commits. */
void
worker_hold(struct worker *w, struct conn *c, uint64_t pos, int status)
{
	c->c_waiting = 1;
	c->c_ack_pos = pos;
	c->c_ack_status = status;
	TAILQ_INSERT_TAIL(&w->w_pending, c, c_pending);
}
