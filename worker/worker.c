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

#include "addrtab.h"
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
#define HOLD_INPUT_MAX	65536	/* read ahead while an answer is held */
#define CONN_BATCH	64	/* requests of one connection per turn */
#define REFUSED_LOG_MS	10000	/* refused connections: a line this often */

static void	conn_process(struct worker *, struct conn *);
static void	conn_close(struct worker *, struct conn *);
static void	conn_want_read(struct worker *, struct conn *);

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
	case 408: return "Request Timeout";
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
				/* HTTP_SEND_TIMEOUT counts from here. */
				if (c->c_wactive == 0)
					c->c_wactive = hc_mono_ms();
				event_add(c->c_ev_write, NULL);
				return 0;
			}
			conn_close(w, c);
			return -1;
		}
		c->c_out_off += (size_t)n;
		c->c_wactive = hc_mono_ms();
	}
	c->c_wactive = 0;
	/* A large answer's buffer goes with it. */
	if (c->c_out.b_cap > 4 * READ_CHUNK)
		buf_clear(&c->c_out);
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
	atomic_store(&w->w_ring->r_conns, (uint32_t)w->w_nconns);
	addrtab_dec(w->w_addrs, c->c_peer);
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

/* A held ping answered 503 with Retry-After and `text`. */
static void
conn_retry_later(struct worker *w, struct conn *c, const char *text)
{
	struct resp r;

	TAILQ_REMOVE(&w->w_pending, c, c_pending);
	c->c_waiting = 0;
	resp_init(&r, 503);
	resp_text(&r, 503, text);
	r.r_cors = r.r_nocache = 1;
	buf_printf(&r.r_hdrs, "Retry-After: %s\r\n", HC_RETRY_AFTER);
	conn_respond(w, c, &r);
	resp_clear(&r);
	if (conn_flush(w, c) == 0)
		conn_process(w, c);
}

/*
 * The held response of a ping the journal refused (JOURNAL_MAX reached,
 * or the disk refusing writes): the record is not stored.
 */
static void
conn_refused(struct worker *w, struct conn *c)
{
	conn_retry_later(w, c, atomic_load(&w->w_env->pe_shm->sh_j_state) ==
	    JS_FULL ? "ping journal full, retry later" :
	    "ping journal unavailable, retry later");
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
	    c->c_ack_pos <= commit) {
		if (ring_refused(w->w_ring, c->c_ack_pos) != 0)
			conn_refused(w, c);
		else
			conn_ack(w, c);
	}
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
 * start of the connection's unparsed input).  NULL if it cannot be made.
 */
struct job *
worker_job(struct req *q, handler_fn fn, job_done_fn done)
{
	struct conn	*c = q->q_conn;
	struct job	*j;

	j = job_new(q->q_w, c, c->c_in.b_data + c->c_in_off,
	    q->q_http->total_len, q, fn);
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

/* Bytes of output not written yet. */
static size_t
conn_unsent(const struct conn *c)
{
	return c->c_out.b_len - c->c_out_off;
}

/* The most unparsed input a connection may buffer now. */
static size_t
conn_in_limit(const struct worker *w, const struct conn *c)
{
	if (c->c_waiting || c->c_job != NULL)
		return HOLD_INPUT_MAX;
	return HC_HTTP_MAX_HEADER + conf_ping_body_max(w->w_conf) + 65536;
}

/*
 * Read from the client only while what it sent can be taken: nothing to
 * close, output below HTTP_OUTPUT_MAX (a client that does not read its
 * answers stops being read), and input below conn_in_limit.  While an
 * answer is held, a little is still read ahead, so that a client that
 * goes away is noticed.  The event is level-triggered: only removing it
 * stops it.
 */
static void
conn_want_read(struct worker *w, struct conn *c)
{
	int want = !c->c_close &&
	    conn_unsent(c) <= (size_t)w->w_conf->http_output_max &&
	    c->c_in.b_len - c->c_in_off < conn_in_limit(w, c);

	if (want && !c->c_reading)
		event_add(c->c_ev_read, NULL);
	else if (!want && c->c_reading)
		event_del(c->c_ev_read);
	c->c_reading = want;
}

/* Answer status with its text and close once it is written. */
static void
conn_fail(struct worker *w, struct conn *c, int status)
{
	struct resp r;

	resp_init(&r, status);
	resp_text(&r, status, http_status_text(status));
	c->c_close = 1;
	c->c_head = 0;
	conn_respond(w, c, &r);
	resp_clear(&r);
	c->c_in_off = c->c_in.b_len;	/* the rest is not read */
}

/*
 * Parse and answer buffered requests until one is held, input runs out,
 * unsent output passes HTTP_OUTPUT_MAX (write_cb goes on once it is
 * written) or CONN_BATCH requests were answered (then the connection
 * gives the others a turn: write_cb is made active, and goes on).
 *
 * Input is consumed by moving c_in_off; the unparsed rest is moved to
 * the front only when the buffer is full (read_cb), so that pipelined
 * requests cost what they weigh, not what is behind them.
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
	const uint8_t	*data;
	int		 rc, ping, budget = CONN_BATCH;
	size_t		 pingmax, len;

	pingmax = conf_ping_body_max(w->w_conf);
	while (!c->c_waiting && c->c_job == NULL &&
	    c->c_in.b_len > c->c_in_off) {
		if (conn_unsent(c) > (size_t)w->w_conf->http_output_max)
			break;
		if (budget-- == 0) {
			if (!event_pending(c->c_ev_write, EV_WRITE, NULL))
				event_active(c->c_ev_write, EV_WRITE, 0);
			break;
		}
		data = c->c_in.b_data + c->c_in_off;
		len = c->c_in.b_len - c->c_in_off;
		rc = http_parse_request(data, len, HC_HTTP_MAX_HEADER, pingmax,
		    &c->c_scratch, &h, &errstr);
		ping = h.header_len != 0 && route_is_ping(w->w_prefix,
		    w->w_prefix_len, h.path, h.path_len);
		if (rc != HTTP_PARSE_ERROR && h.header_len != 0 && !ping &&
		    (h.chunked || h.content_length > HC_HTTP_MAX_BODY))
			rc = http_parse_request(data, len, HC_HTTP_MAX_HEADER,
			    HC_HTTP_MAX_BODY, &c->c_scratch, &h, &errstr);
		/* Chunk framing can outweigh the body: input is capped too. */
		if (rc == HTTP_PARSE_INCOMPLETE && len >= conn_in_limit(w, c))
			rc = HTTP_PARSE_TOO_LARGE;
		if (rc == HTTP_PARSE_INCOMPLETE) {
			c->c_hdr_done = h.header_len != 0;
			if (h.header_len != 0 && h.expect_continue &&
			    !c->c_continue_sent) {
				buf_addstr(&c->c_out,
				    "HTTP/1.1 100 Continue\r\n\r\n");
				c->c_continue_sent = 1;
			}
			break;
		}
		if (rc != HTTP_PARSE_OK) {
			log_debug("%s: %s: %s", __func__, c->c_peer,
			    errstr ? errstr : "too large");
			conn_fail(w, c, rc != HTTP_PARSE_TOO_LARGE ? 400 :
			    h.header_len == 0 ? 431 : ping ? 400 : 413);
			break;
		}
		c->c_continue_sent = 0;
		c->c_hdr_done = 0;
		dispatch(w, c, &h);
		c->c_in_off += h.total_len;
		c->c_req_start = c->c_in_off < c->c_in.b_len ? hc_mono_ms() : 0;
		if (c->c_close && !c->c_waiting && c->c_job == NULL) {
			c->c_in_off = c->c_in.b_len;
			break;
		}
	}
	if (c->c_in_off == c->c_in.b_len) {
		c->c_in_off = 0;
		buf_reset(&c->c_in);
		c->c_req_start = 0;
		c->c_hdr_done = 0;
		/* A large request's buffers go with it. */
		if (c->c_in.b_cap > 4 * READ_CHUNK)
			buf_clear(&c->c_in);
	}
	if (c->c_scratch.b_cap > 4 * READ_CHUNK)
		buf_clear(&c->c_scratch);
	conn_want_read(w, c);
	if (conn_unsent(c))
		conn_flush(w, c);
}

static void
read_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct conn	*c = arg;
	struct worker	*w = c->c_w;
	size_t		 lim = conn_in_limit(w, c);
	ssize_t		 n;

	while (c->c_in.b_len - c->c_in_off < lim) {
		/* Full: move the unparsed rest to the front, once. */
		if (c->c_in_off > 0 &&
		    c->c_in.b_cap - c->c_in.b_len < READ_CHUNK + 1) {
			memmove(c->c_in.b_data, c->c_in.b_data + c->c_in_off,
			    c->c_in.b_len - c->c_in_off);
			c->c_in.b_len -= c->c_in_off;
			c->c_in_off = 0;
		}
		buf_reserve(&c->c_in, READ_CHUNK);
		n = read(fd, c->c_in.b_data + c->c_in.b_len,
		    c->c_in.b_cap - c->c_in.b_len - 1);
		if (n > 0) {
			c->c_in.b_len += (size_t)n;
			c->c_in.b_data[c->c_in.b_len] = '\0';
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
	if (c->c_req_start == 0 && c->c_in.b_len > c->c_in_off)
		c->c_req_start = c->c_active;
	if (!c->c_waiting && c->c_job == NULL)
		conn_process(w, c);
	else
		conn_want_read(w, c);
}

static void
write_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct conn	*c = arg;
	struct worker	*w = c->c_w;

	if (conn_flush(w, c) == 0 && c->c_out.b_len == 0)
		conn_process(w, c);
}

/*
 * A connection over HTTP_MAX_CONNECTIONS or its client's share: one
 * short answer, written if the socket takes it, and closed.  The count
 * is logged at most every REFUSED_LOG_MS.
 */
static void
refuse(struct worker *w, int fd, const char *peer, const char *why)
{
	static const char	msg[] = "HTTP/1.1 503 Service Unavailable\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 34\r\n"
	    "Retry-After: " HC_RETRY_AFTER "\r\nConnection: close\r\n\r\n"
	    "too many connections, retry later\n";
	int64_t			now = hc_mono_ms();

	(void)!write(fd, msg, sizeof(msg) - 1);
	close(fd);
	w->w_refused++;
	if (w->w_refused_logged == 0 || now - w->w_refused_logged >=
	    REFUSED_LOG_MS) {
		log_warnx("refused %llu connections (the last from %s: %s)",
		    (unsigned long long)w->w_refused, peer, why);
		w->w_refused_logged = now;
		w->w_refused = 0;
	}
}

static void
resume_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct worker *w = arg;

	if (!w->w_stopping)
		event_add(w->w_ev_accept, NULL);
}

static void
accept_cb(evutil_socket_t lfd, short ev, void *arg)
{
	struct worker		*w = arg;
	const struct conf	*cf = w->w_conf;
	struct conn		*c;
	struct timeval		 tv = { 0, PROC_ACCEPT_PAUSE_MS * 1000 };
	char			 peer[64];
	int			 fd, i, one = 1;

	for (i = 0; i < 64; i++) {
		if ((fd = proc_accept(lfd, peer, sizeof(peer))) == -1) {
			/* Out of descriptors: let some close first. */
			if (errno == EMFILE || errno == ENFILE) {
				event_del(w->w_ev_accept);
				evtimer_add(w->w_ev_resume, &tv);
			}
			return;
		}
		if (w->w_nconns >= cf->http_max_connections) {
			refuse(w, fd, peer, "HTTP_MAX_CONNECTIONS");
			continue;
		}
		if (addrtab_get(w->w_addrs, peer) >=
		    cf->http_max_connections_per_client) {
			refuse(w, fd, peer, "HTTP_MAX_CONNECTIONS_PER_CLIENT");
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c = xcalloc(1, sizeof(*c));
		c->c_w = w;
		c->c_fd = fd;
		buf_init(&c->c_in);
		buf_init(&c->c_out);
		buf_init(&c->c_scratch);
		hc_strlcpy(c->c_peer, peer, sizeof(c->c_peer));
		addrtab_inc(w->w_addrs, c->c_peer);
		c->c_active = hc_mono_ms();
		c->c_ev_read = event_new(w->w_base, fd, EV_READ | EV_PERSIST,
		    read_cb, c);
		c->c_ev_write = event_new(w->w_base, fd, EV_WRITE, write_cb, c);
		event_add(c->c_ev_read, NULL);
		c->c_reading = 1;
		TAILQ_INSERT_TAIL(&w->w_conns, c, c_all);
		w->w_nconns++;
		atomic_store(&w->w_ring->r_conns, (uint32_t)w->w_nconns);
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

/*
 * A ping held past ACK_TIMEOUT: its record is in the ring but not yet
 * committed (the database is slow or away).  The client is told 503
 * with Retry-After rather than left hanging until its own timeout; the
 * record stays and is stored once the database answers, so a client
 * that retries may be counted twice.  That is the at-least-once side of
 * the promise: an "OK" is never given for a ping not stored.
 */
static void
conn_ack_timeout(struct worker *w, struct conn *c)
{
	log_debug("%s: %s: ping not committed within ACK_TIMEOUT", __func__,
	    c->c_peer);
	conn_retry_later(w, c, "not confirmed in time, retry later");
}

/*
 * The connection deadlines, every tick:
 *   unsent output     no byte taken for HTTP_SEND_TIMEOUT: closed
 *   a request         its headers not in HTTP_HEADER_TIMEOUT after its
 *                     first byte, or all of it not in HTTP_REQUEST_TIMEOUT:
 *                     408 and closed
 *   nothing           HTTP_IDLE_TIMEOUT since the last read: closed
 * A connection whose answer is held is left alone (its wait is bounded
 * by ACK_TIMEOUT, a job's by the database timeouts).
 */
static void
conn_deadlines(struct worker *w, int64_t now)
{
	const struct conf	*cf = w->w_conf;
	struct conn		*c, *next;

	for (c = TAILQ_FIRST(&w->w_conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, c_all);
		if (c->c_waiting || c->c_job != NULL)
			continue;
		if (conn_unsent(c)) {
			if (c->c_wactive != 0 && now - c->c_wactive >
			    cf->http_send_timeout * 1000) {
				log_debug("%s: %s: send timeout", __func__,
				    c->c_peer);
				conn_close(w, c);
			}
			continue;
		}
		if (c->c_req_start != 0) {
			if ((!c->c_hdr_done && now - c->c_req_start >
			    cf->http_header_timeout * 1000) ||
			    now - c->c_req_start >
			    cf->http_request_timeout * 1000) {
				log_debug("%s: %s: request timeout (%s)",
				    __func__, c->c_peer, c->c_hdr_done ?
				    "body" : "headers");
				conn_fail(w, c, 408);
				conn_want_read(w, c);
				conn_flush(w, c);
			}
			continue;
		}
		if (now - c->c_active > cf->http_idle_timeout * 1000)
			conn_close(w, c);
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
	/* Held in order: the oldest first. */
	while ((c = TAILQ_FIRST(&w->w_pending)) != NULL &&
	    now - c->c_held > w->w_conf->ack_timeout * 1000)
		conn_ack_timeout(w, c);
	conn_deadlines(w, now);
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
	evtimer_del(w->w_ev_resume);
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
	atomic_store(&w.w_ring->r_conns, 0);
	TAILQ_INIT(&w.w_pending);
	TAILQ_INIT(&w.w_conns);
	w.w_addrs = addrtab_new();
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
	w.w_ev_resume = evtimer_new(w.w_base, resume_cb, &w);
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
	c->c_held = hc_mono_ms();
	TAILQ_INSERT_TAIL(&w->w_pending, c, c_pending);
}
