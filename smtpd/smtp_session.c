/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * One SMTP connection of the smtpd: the state machine (EHLO/HELO, MAIL,
 * RCPT, DATA, RSET, NOOP, QUIT, HELP, STARTTLS; VRFY and EXPN refused),
 * the replies of spec 2, the limits, and what an accepted message
 * becomes: one ping record per recipient that names a check, all
 * published at once in the smtpd's ring.
 *
 * Commands are read line by line from the connection's bufferevent and
 * answered in order, so PIPELINING needs nothing more.  With
 * ACK_MODE=durable the 250 after DATA is held (s_held, on the smtpd's
 * d_pending list in ring order) until the alerter has committed the
 * message's records and written to this process's ack pipe
 * (smtpd.c, smtpd_ack); meanwhile later pipelined commands wait unread.
 * A message whose records do not fit in the ring is answered 451 and
 * nothing of it is published; a client that goes away before the final
 * "." has published nothing.
 *
 * Enhanced status codes (RFC 2034) are in every reply to a client that
 * said EHLO; after HELO they are left out, except in the texts spec 2
 * gives with them ("550 5.1.1 Recipient rejected"), so that a HELO
 * client sees Healthchecks' replies exactly ("250 OK").
 *
 * A session is freed only from a libevent callback (event_cb, write_cb,
 * the timer), never inside command handling, so that the handlers may
 * always touch it after replying.
 */
#include <sys/types.h>

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "conf.h"
#include "hcd.h"
#include "index.h"
#include "log.h"
#include "mail.h"
#include "ping.h"
#include "pingrec.h"
#include "proc.h"
#include "ring.h"
#include "shm.h"
#include "smtpd.h"

#define OUT_MAX		(256 * 1024)	/* replies unread: stop reading */
#define MSG_KEEP	(256 * 1024)	/* message buffer kept between messages */
#define CLOSE_POLL_MS	20		/* TLS: wait for the last bytes */
#define CLOSE_POLLS	250

#define R_KEEP		0x01	/* the spec's text has the code: keep it */

#define STAT(s, f)	atomic_fetch_add_explicit(&(s)->s_d->d_stats->f, 1, \
			    memory_order_relaxed)

static void	session_process(struct session *);
static void	read_cb(struct bufferevent *, void *);
static void	write_cb(struct bufferevent *, void *);
static void	event_cb(struct bufferevent *, short, void *);
static void	timer_cb(evutil_socket_t, short, void *);

/* A reply line verbatim (the greeting, EHLO's name, 354). */
static void
reply_raw(struct session *s, const char *fmt, ...)
{
	struct evbuffer	*out = bufferevent_get_output(s->s_bev);
	va_list		 ap;

	va_start(ap, fmt);
	evbuffer_add_vprintf(out, fmt, ap);
	va_end(ap);
	evbuffer_add(out, "\r\n", 2);
}

/*
 * A reply "ddd x.y.z text": without EHLO it goes out as "ddd text"
 * unless R_KEEP.
 */
static void
reply(struct session *s, int flags, const char *line)
{
	struct evbuffer	*out = bufferevent_get_output(s->s_bev);
	const char	*text;

	if (!s->s_esmtp && !(flags & R_KEEP) && strlen(line) > 4 &&
	    (text = strchr(line + 4, ' ')) != NULL) {
		evbuffer_add(out, line, 4);
		evbuffer_add(out, text + 1, strlen(text + 1));
	} else
		evbuffer_add(out, line, strlen(line));
	evbuffer_add(out, "\r\n", 2);
}

static struct bufferevent *
underlying(struct session *s)
{
	return s->s_tls || s->s_state == SS_TLS ?
	    bufferevent_get_underlying(s->s_bev) : NULL;
}

/* Close once what was replied is out: write_cb, or the timer for TLS. */
static void
close_after(struct session *s)
{
	s->s_closing = 1;
	bufferevent_disable(s->s_bev, EV_READ);
	evtimer_del(s->s_ev_data);
}

static int
closing_done(struct session *s)
{
	struct bufferevent *u = underlying(s);

	return evbuffer_get_length(bufferevent_get_output(s->s_bev)) == 0 &&
	    (u == NULL || evbuffer_get_length(bufferevent_get_output(u)) == 0);
}

static void
closing_check(struct session *s)
{
	struct timeval tv = { 0, CLOSE_POLL_MS * 1000 };

	if (closing_done(s) || ++s->s_polls > CLOSE_POLLS) {
		session_free(s);
		return;
	}
	evtimer_add(s->s_ev_data, &tv);
}

/*
 * A protocol error: its reply, and past HC_SMTP_MAX_ERRORS the end.
 * Counted as "other errors" unless a limit's own counter has it.
 */
static void
session_error(struct session *s, const char *line, int other)
{
	if (other)
		STAT(s, ss_errors);
	reply(s, 0, line);
	if (++s->s_errors >= HC_SMTP_MAX_ERRORS) {
		log_debug("%s: %s: too many errors", __func__, s->s_peer);
		reply(s, 0, "421 4.7.0 Too many errors, closing connection");
		close_after(s);
	}
}

static void
error_reply(struct session *s, const char *line)
{
	session_error(s, line, 1);
}

static void
set_timeouts(struct session *s)
{
	struct timeval tv = { (time_t)s->s_d->d_conf->smtp_timeout, 0 };

	/* A held 250 is ours to send: the client waits for it. */
	bufferevent_set_timeouts(s->s_bev, s->s_held ? NULL : &tv, &tv);
}

static void
setup_bev(struct session *s)
{
	const struct conf *cf = s->s_d->d_conf;

	bufferevent_setcb(s->s_bev, read_cb, write_cb, event_cb, s);
	/* Room for the longest line and some pipelined commands. */
	bufferevent_setwatermark(s->s_bev, EV_READ, 0,
	    (size_t)cf->smtp_max_line + 65536);
	set_timeouts(s);
	bufferevent_enable(s->s_bev, EV_READ | EV_WRITE);
}

static void
reset_txn(struct session *s)
{
	s->s_state = SS_CMD;
	s->s_from[0] = '\0';
	s->s_nrcpt = 0;
	s->s_too_big = s->s_too_long = 0;
	if (s->s_msg.b_cap > MSG_KEEP)
		buf_clear(&s->s_msg);
	else
		buf_reset(&s->s_msg);
}

void
session_start(struct smtpd *d, int fd, const char *peer)
{
	struct session *s;

	s = xcalloc(1, sizeof(*s));
	s->s_d = d;
	hc_strlcpy(s->s_peer, peer, sizeof(s->s_peer));
	if ((s->s_bev = bufferevent_socket_new(d->d_base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		log_warnx("%s: bufferevent_socket_new failed", __func__);
		close(fd);
		free(s);
		return;
	}
	buf_init(&s->s_msg);
	s->s_ev_data = evtimer_new(d->d_base, timer_cb, s);
	s->s_state = SS_CMD;
	setup_bev(s);
	TAILQ_INSERT_TAIL(&d->d_sessions, s, s_entry);
	d->d_nsessions++;
	atomic_fetch_add(&d->d_stats->ss_open, 1);
	STAT(s, ss_connections);
	reply_raw(s, "220 %s ESMTP hcd", d->d_host);
}

void
session_free(struct session *s)
{
	struct smtpd *d = s->s_d;

	if (s->s_held)
		TAILQ_REMOVE(&d->d_pending, s, s_pending);
	TAILQ_REMOVE(&d->d_sessions, s, s_entry);
	d->d_nsessions--;
	atomic_fetch_sub(&d->d_stats->ss_open, 1);
	event_free(s->s_ev_data);
	bufferevent_free(s->s_bev);
	buf_clear(&s->s_msg);
	free(s->s_rcpt);
	free(s);
}

/* --- STARTTLS ------------------------------------------------------------ */

static void
start_tls(struct session *s)
{
	struct smtpd		*d = s->s_d;
	struct bufferevent	*tb;
	SSL			*ssl;

	if ((ssl = SSL_new(d->d_tls)) == NULL) {
		reply(s, 0, "454 4.7.0 TLS not available due to temporary "
		    "reason");
		return;
	}
	reply(s, 0, "220 2.0.0 Ready to start TLS");
	/*
	 * What the client sent after STARTTLS before the handshake is
	 * not to be trusted as coming over TLS (RFC 3207 5): dropped.
	 */
	evbuffer_drain(bufferevent_get_input(s->s_bev),
	    evbuffer_get_length(bufferevent_get_input(s->s_bev)));
	tb = bufferevent_openssl_filter_new(d->d_base, s->s_bev, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (tb == NULL) {
		SSL_free(ssl);
		log_warnx("%s: bufferevent_openssl_filter_new failed",
		    __func__);
		close_after(s);
		return;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(tb, 1);
	s->s_bev = tb;
	s->s_state = SS_TLS;
	setup_bev(s);
}

/* --- the message --------------------------------------------------------- */

/* The check a recipient names: its id, 0 if none, -1 if ambiguous. */
static int64_t
resolve(struct smtpd *d, const struct smtp_rcpt *r)
{
	int64_t project;

	if (!r->sr_by_slug)
		return index_find_code(d->d_index, r->sr_code, &project);
	if ((project = index_find_project(d->d_index, r->sr_key)) == 0 ||
	    strlen(r->sr_slug) > IDX_SLUG_MAX)
		return 0;
	return index_find_slug(d->d_index, project, r->sr_slug);
}

/*
 * One record per check in ids[], published together.  0 with *pos the
 * ring position to wait for; -1 when the ring has no room now; -2 when
 * it never could have (records of one message beyond half the ring).
 */
static int
publish(struct session *s, const int64_t *ids, size_t n, uint64_t *pos)
{
	struct smtpd		*d = s->s_d;
	struct ping_data	 pd;
	struct buf		 subject, text, ua;
	char			*from;
	uint64_t		 next = 0, need;
	size_t			 i, size;
	void			*p = NULL;
	int			 rv = 0;

	buf_init(&subject);
	buf_init(&text);
	buf_init(&ua);
	mail_extract(s->s_msg.b_data, s->s_msg.b_len, &subject,
	    HC_SMTP_SUBJECT_MAX, &text, HC_SMTP_TEXT_MAX);
	from = xasprintf("Email from %s", s->s_from);
	utf8_sanitize(&ua, from, strlen(from), HC_UA_MAX);
	free(from);

	memset(&pd, 0, sizeof(pd));
	pd.pd_time = hc_now_us();
	pd.pd_action = PA_SUCCESS;	/* the writer applies the filters */
	pd.pd_scheme = PS_EMAIL;
	pd.pd_exit = -1;
	pd.pd_method = "";
	pd.pd_addr = s->s_peer;
	pd.pd_addr_len = strlen(s->s_peer);
	pd.pd_ua = (const char *)ua.b_data;
	pd.pd_ua_len = ua.b_len;
	pd.pd_body = s->s_msg.b_data;
	pd.pd_body_len = s->s_msg.b_len;
	pd.pd_subject = (const char *)subject.b_data;
	pd.pd_subject_len = subject.b_len;
	pd.pd_text = (const char *)text.b_data;
	pd.pd_text_len = text.b_len;
	size = pingrec_size(&pd);
	need = (sizeof(struct ring_rec) + size + RING_ALIGN - 1) &
	    ~(uint64_t)(RING_ALIGN - 1);
	/*
	 * Records of one message are published at once; the ring holds
	 * any that take at most half of it (see ring_reserve_more), so
	 * more is refused for good rather than for now.
	 */
	if (n > 1 && need * n > d->d_ring->r_cap / 2)
		rv = -2;
	for (i = 0; rv == 0 && i < n; i++) {
		p = i == 0 ? ring_reserve(d->d_ring, size, &next) :
		    ring_reserve_more(d->d_ring, next, size, &next);
		if (p == NULL) {
			rv = -1;
			break;
		}
		pd.pd_check = ids[i];
		pingrec_encode(p, &pd);
	}
	buf_clear(&subject);
	buf_clear(&text);
	buf_clear(&ua);
	if (rv != 0)
		return rv;
	ring_publish(d->d_ring, next);
	proc_wake_alerter(d->d_env);
	*pos = next;
	return 0;
}

static void
data_end(struct session *s)
{
	struct smtpd	*d = s->s_d;
	int64_t		*ids, id;
	uint64_t	 pos = 0;
	size_t		 i, n = 0;
	int		 rv;

	evtimer_del(s->s_ev_data);
	if (s->s_too_big) {
		STAT(s, ss_too_big);
		reply(s, 0, "552 5.3.4 Message size exceeds fixed maximum "
		    "message size");
		reset_txn(s);
		return;
	}
	if (s->s_too_long) {
		STAT(s, ss_line_too_long);
		reply(s, 0, "500 5.5.2 Line too long");
		reset_txn(s);
		return;
	}
	if (atomic_load_explicit(&d->d_env->pe_shm->sh_stopping,
	    memory_order_relaxed)) {
		reply(s, 0, "421 4.3.2 Service shutting down, try again later");
		reset_txn(s);
		close_after(s);
		return;
	}
	ids = xreallocarray(NULL, s->s_nrcpt, sizeof(*ids));
	for (i = 0; i < s->s_nrcpt; i++) {
		const struct smtp_rcpt *r = &s->s_rcpt[i];

		if ((id = resolve(d, r)) > 0)
			ids[n++] = id;
		else if (id == 0) {
			STAT(s, ss_unknown);
			log_info("Check not found: %s", r->sr_addr);
		} else {
			STAT(s, ss_ambiguous);
			log_info("Ambiguous slug: %s", r->sr_addr);
		}
	}
	/* The journal refusing: said at once, nothing queued. */
	if (n > 0 && atomic_load(d->d_jstate) != JS_OK) {
		atomic_fetch_add(d->d_jrefused, n);
		free(ids);
		reset_txn(s);
		STAT(s, ss_ring_full);
		reply(s, 0, "451 4.3.1 Ping journal cannot take it now, try "
		    "again later");
		return;
	}
	rv = n > 0 ? publish(s, ids, n, &pos) : 0;
	free(ids);
	reset_txn(s);
	switch (rv) {
	case -1:
		STAT(s, ss_ring_full);
		log_debug("%s: %s: ring full", __func__, s->s_peer);
		reply(s, 0, "451 4.3.0 Ping queue full, try again later");
		return;
	case -2:
		STAT(s, ss_too_big);
		reply(s, 0, "552 5.3.4 Message too big for its number of "
		    "recipients");
		return;
	}
	atomic_fetch_add_explicit(&d->d_stats->ss_pings, n,
	    memory_order_relaxed);
	if (n == 0 || d->d_conf->ack_mode == ACK_FAST) {
		STAT(s, ss_messages);
		reply(s, 0, "250 2.0.0 OK");
		return;
	}
	s->s_held = 1;
	s->s_ack_pos = pos;
	TAILQ_INSERT_TAIL(&d->d_pending, s, s_pending);
	set_timeouts(s);
}

void
session_acked(struct session *s, int refused)
{
	s->s_held = 0;
	if (refused) {
		STAT(s, ss_ring_full);
		reply(s, 0, "451 4.3.1 Ping journal cannot take it now, try "
		    "again later");
		set_timeouts(s);
		session_process(s);
		return;
	}
	STAT(s, ss_messages);
	reply(s, 0, "250 2.0.0 OK");
	set_timeouts(s);
	session_process(s);
}

static void
data_line(struct session *s, const char *line, size_t len)
{
	const char	*o;
	size_t		 olen;

	if (smtp_data_line(line, len, &o, &olen) == 1) {
		data_end(s);
		return;
	}
	if (s->s_too_big || s->s_too_long)
		return;
	if (s->s_msg.b_len + olen > (size_t)s->s_d->d_conf->smtp_max_size) {
		s->s_too_big = 1;
		return;
	}
	buf_add(&s->s_msg, o, olen);
}

/* --- commands ------------------------------------------------------------ */

static void
cmd_ehlo(struct session *s, int ehlo)
{
	struct smtpd	*d = s->s_d;
	struct evbuffer	*out = bufferevent_get_output(s->s_bev);

	reset_txn(s);
	s->s_helo = 1;
	s->s_esmtp = ehlo;
	if (!ehlo) {
		reply_raw(s, "250 %s", d->d_host);
		return;
	}
	evbuffer_add_printf(out, "250-%s\r\n250-SIZE %lld\r\n"
	    "250-PIPELINING\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n"
	    "250-ENHANCEDSTATUSCODES\r\n%s250 HELP\r\n", d->d_host,
	    (long long)d->d_conf->smtp_max_size,
	    d->d_tls != NULL && !s->s_tls ? "250-STARTTLS\r\n" : "");
}

static void
cmd_mail(struct session *s, const struct smtp_cmd *c)
{
	struct smtp_path	 sp;
	const char		*e;

	if (!s->s_helo) {
		error_reply(s, "503 5.5.1 Error: send HELO first");
		return;
	}
	if (s->s_state != SS_CMD) {
		error_reply(s, "503 5.5.1 Error: nested MAIL command");
		return;
	}
	if (smtp_parse_mail(c->sc_arg, c->sc_arglen, &sp, &e) != 0) {
		error_reply(s, e);
		return;
	}
	if (sp.sp_size > (uint64_t)s->s_d->d_conf->smtp_max_size) {
		STAT(s, ss_too_big);
		reply(s, 0, "552 5.3.4 Message size exceeds fixed maximum "
		    "message size");
		return;
	}
	hc_strlcpy(s->s_from, sp.sp_addr, sizeof(s->s_from));
	s->s_state = SS_MAIL;
	reply(s, 0, "250 2.1.0 OK");
}

static void
cmd_rcpt(struct session *s, const struct smtp_cmd *c)
{
	const struct conf	*cf = s->s_d->d_conf;
	struct smtp_path	 sp;
	struct smtp_rcpt	 r;
	const char		*e;

	if (s->s_state != SS_MAIL && s->s_state != SS_RCPT) {
		error_reply(s, "503 5.5.1 Error: need MAIL command");
		return;
	}
	if (smtp_parse_rcpt(c->sc_arg, c->sc_arglen, &sp, &e) != 0) {
		error_reply(s, e);
		return;
	}
	if (s->s_nrcpt >= (size_t)cf->smtp_max_recipients) {
		STAT(s, ss_too_many_rcpt);
		log_debug("%s: %s: over SMTP_MAX_RECIPIENTS: %s", __func__,
		    s->s_peer, sp.sp_addr);
		reply(s, 0, "452 4.5.3 Too many recipients");
		return;
	}
	switch (smtp_parse_rcpt_addr(sp.sp_addr, sp.sp_len,
	    cf->ping_email_domain, &r)) {
	case SMTP_RCPT_BAD_DOMAIN:
		STAT(s, ss_rcpt_rejected);
		log_debug("%s: %s: recipient rejected: %s", __func__,
		    s->s_peer, sp.sp_addr);
		reply(s, R_KEEP, "550 5.1.1 Recipient rejected");
		return;
	case SMTP_RCPT_BAD_MAILBOX:
		STAT(s, ss_rcpt_rejected);
		log_debug("%s: %s: invalid mailbox: %s", __func__, s->s_peer,
		    sp.sp_addr);
		reply(s, R_KEEP, "550 5.1.1 Invalid mailbox");
		return;
	}
	if (s->s_nrcpt == s->s_rcpt_cap) {
		s->s_rcpt_cap = s->s_rcpt_cap ? s->s_rcpt_cap * 2 : 4;
		s->s_rcpt = xreallocarray(s->s_rcpt, s->s_rcpt_cap,
		    sizeof(*s->s_rcpt));
	}
	s->s_rcpt[s->s_nrcpt++] = r;
	s->s_state = SS_RCPT;
	reply(s, 0, "250 2.1.5 OK");
}

static void
cmd_data(struct session *s, const struct smtp_cmd *c)
{
	struct timeval tv = { (time_t)s->s_d->d_conf->smtp_data_timeout, 0 };

	if (c->sc_arglen != 0) {
		error_reply(s, "501 5.5.4 Syntax: DATA");
		return;
	}
	if (s->s_state == SS_CMD) {
		error_reply(s, "503 5.5.1 Error: need MAIL command");
		return;
	}
	if (s->s_state == SS_MAIL) {
		error_reply(s, "503 5.5.1 Error: need RCPT command");
		return;
	}
	s->s_state = SS_DATA;
	s->s_too_big = s->s_too_long = 0;
	buf_reset(&s->s_msg);
	evtimer_add(s->s_ev_data, &tv);
	reply_raw(s, "354 End data with <CR><LF>.<CR><LF>");
}

static void
command(struct session *s, const char *line, size_t len)
{
	struct smtp_cmd	 c;
	const char	*e;

	if (smtp_parse_cmd(line, len, &c, &e) == -1) {
		error_reply(s, e);
		return;
	}
	if (s->s_d->d_stopping && s->s_state == SS_CMD &&
	    c.sc_verb != SMTP_QUIT) {
		reply(s, 0, "421 4.3.2 Service shutting down, try again later");
		close_after(s);
		return;
	}
	switch (c.sc_verb) {
	case SMTP_HELO:
	case SMTP_EHLO:
		if (c.sc_arglen == 0)
			error_reply(s, c.sc_verb == SMTP_HELO ?
			    "501 5.5.4 Syntax: HELO hostname" :
			    "501 5.5.4 Syntax: EHLO hostname");
		else
			cmd_ehlo(s, c.sc_verb == SMTP_EHLO);
		break;
	case SMTP_MAIL:
		cmd_mail(s, &c);
		break;
	case SMTP_RCPT:
		cmd_rcpt(s, &c);
		break;
	case SMTP_DATA:
		cmd_data(s, &c);
		break;
	case SMTP_RSET:
		reset_txn(s);
		reply(s, 0, "250 2.0.0 OK");
		break;
	case SMTP_NOOP:
		reply(s, 0, "250 2.0.0 OK");
		break;
	case SMTP_QUIT:
		reply(s, 0, "221 2.0.0 Bye");
		close_after(s);
		break;
	case SMTP_HELP:
		reply(s, 0, s->s_d->d_tls != NULL ? "214 2.0.0 Commands: EHLO "
		    "HELO MAIL RCPT DATA RSET NOOP QUIT HELP STARTTLS" :
		    "214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA RSET NOOP "
		    "QUIT HELP");
		break;
	case SMTP_VRFY:
		reply(s, 0, "502 5.5.1 VRFY command is disabled");
		break;
	case SMTP_EXPN:
		reply(s, 0, "502 5.5.1 EXPN command is disabled");
		break;
	case SMTP_STARTTLS:
		if (s->s_d->d_tls == NULL)
			error_reply(s, "500 5.5.2 Error: command not "
			    "recognized");
		else if (s->s_tls)
			error_reply(s, "503 5.5.1 Error: TLS already active");
		else if (c.sc_arglen != 0)
			error_reply(s, "501 5.5.4 Syntax: STARTTLS");
		else if (s->s_state != SS_CMD)
			error_reply(s, "503 5.5.1 Error: MAIL transaction in "
			    "progress");
		else
			start_tls(s);
		break;
	default:
		error_reply(s, "500 5.5.2 Error: command not recognized");
		break;
	}
}

/* A line longer than SMTP_MAX_LINE: n of its bytes are in the input. */
static void
too_long(struct session *s, struct evbuffer *in, size_t n, int partial)
{
	if (s->s_state == SS_DATA)
		s->s_too_long = 1;
	else if (!s->s_skip_line) {
		STAT(s, ss_line_too_long);
		session_error(s, "500 5.5.2 Line too long", 0);
	}
	evbuffer_drain(in, n);
	s->s_skip_line = partial;
}

/* Handle complete lines until one is held or the input runs out. */
static void
session_process(struct session *s)
{
	const struct conf	*cf = s->s_d->d_conf;
	struct evbuffer		*in;
	struct evbuffer_ptr	 p;
	struct buf		 cmd;
	const char		*line;
	size_t			 eol, n, avail;

	while (!s->s_closing && !s->s_held && s->s_state != SS_TLS) {
		if (evbuffer_get_length(bufferevent_get_output(s->s_bev)) >
		    OUT_MAX)
			break;	/* write_cb calls again */
		in = bufferevent_get_input(s->s_bev);
		if ((avail = evbuffer_get_length(in)) == 0)
			break;
		p = evbuffer_search_eol(in, NULL, &eol, EVBUFFER_EOL_LF);
		if (p.pos == -1) {
			/* The line so far, a CR maybe, and no LF yet. */
			if (avail > (size_t)cf->smtp_max_line + 1)
				too_long(s, in, avail, 1);
			break;
		}
		n = (size_t)p.pos + eol;
		if (s->s_skip_line) {		/* the end of a long line */
			evbuffer_drain(in, n);
			s->s_skip_line = 0;
			continue;
		}
		if (n > (size_t)cf->smtp_max_line + 2) {
			too_long(s, in, n, 0);
			continue;
		}
		line = (const char *)evbuffer_pullup(in, (ssize_t)n);
		if (s->s_state == SS_DATA) {
			data_line(s, line, n);
			evbuffer_drain(in, n);
			continue;
		}
		/* A copy: STARTTLS replaces the bufferevent. */
		n = (size_t)p.pos;
		if (n > 0 && line[n - 1] == '\r')
			n--;
		buf_init(&cmd);
		buf_add(&cmd, line, n);
		evbuffer_drain(in, (size_t)p.pos + eol);
		command(s, (const char *)cmd.b_data, cmd.b_len);
		buf_clear(&cmd);
	}
}

void
session_stop(struct session *s)
{
	if (s->s_held || s->s_closing || s->s_state != SS_CMD)
		return;
	reply(s, 0, "421 4.3.2 Service shutting down, try again later");
	close_after(s);
}

/* --- callbacks ----------------------------------------------------------- */

static void
read_cb(struct bufferevent *bev, void *arg)
{
	session_process(arg);
}

static void
write_cb(struct bufferevent *bev, void *arg)
{
	struct session *s = arg;

	if (s->s_closing)
		closing_check(s);
	else
		session_process(s);
}

static void
event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct session	*s = arg;
	unsigned long	 e;

	if (what & BEV_EVENT_CONNECTED) {
		/* The TLS handshake is done: start afresh (RFC 3207 4.2). */
		s->s_tls = 1;
		s->s_helo = s->s_esmtp = 0;
		reset_txn(s);
		STAT(s, ss_tls);
		session_process(s);
		return;
	}
	if (s->s_closing) {
		session_free(s);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		if (what & BEV_EVENT_WRITING) {
			session_free(s);	/* it reads nothing we send */
			return;
		}
		STAT(s, ss_timeouts);
		log_debug("%s: %s: timeout", __func__, s->s_peer);
		reply(s, 0, "421 4.4.2 Error: timeout exceeded");
		close_after(s);
		bufferevent_enable(s->s_bev, EV_WRITE);
		return;
	}
	if (s->s_state == SS_TLS) {
		STAT(s, ss_tls_failed);
		e = bufferevent_get_openssl_error(bev);
		log_debug("%s: %s: TLS handshake failed: %s", __func__,
		    s->s_peer, e ? ERR_error_string(e, NULL) : "closed");
	} else if (s->s_state == SS_DATA) {
		STAT(s, ss_aborted);
		log_debug("%s: %s: closed during DATA: nothing recorded",
		    __func__, s->s_peer);
	}
	session_free(s);
}

/* SMTP_DATA_TIMEOUT, or the last bytes of a closing TLS session. */
static void
timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct session *s = arg;

	if (s->s_closing) {
		closing_check(s);
		return;
	}
	STAT(s, ss_data_timeouts);
	log_debug("%s: %s: DATA took too long", __func__, s->s_peer);
	reply(s, 0, "421 4.4.2 Error: timeout exceeded during DATA");
	reset_txn(s);
	close_after(s);
}
