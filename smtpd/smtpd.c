/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The smtpd process (see smtpd.h): started by the master when
 * SMTP_LISTEN is set, it accepts on the socket the master opened,
 * runs the sessions (smtp_session.c) on one libevent loop, writes email
 * pings to its own ring, and answers a message's final 250 once the
 * alerter has committed them (ACK_MODE=durable).  It has no database
 * connection: recipients are resolved through the shared check index,
 * and the check's keyword filters are applied by the alerter's writer
 * to the Subject and text each record carries.
 *
 * Privileges: the TLS certificate and key (SMTP_TLS_CERT, SMTP_TLS_KEY)
 * are read first, while the process may still be root, then it drops
 * to USER like every child (proc_drop).  A certificate or key that
 * cannot be read is a configuration error: exit HC_EXIT_FATAL, and the
 * master stops the daemon.
 *
 * Limits: SMTP_MAX_CONNECTIONS sessions in all and
 * SMTP_MAX_CONNECTIONS_PER_CLIENT from one address; a connection over
 * either is told 421 and closed at once.  The rest are per session.
 * A session holds at most one message (SMTP_MAX_SIZE) in memory, so
 * SMTP_MAX_CONNECTIONS times SMTP_MAX_SIZE bounds what clients can
 * make the smtpd hold.
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
#include <unistd.h>

#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "conf.h"
#include "hcd.h"
#include "log.h"
#include "mail.h"
#include "proc.h"
#include "ring.h"
#include "shm.h"
#include "smtpd.h"

#define STOP_WAIT_SEC	10	/* sessions may finish this long at stop */

static SSL_CTX *
tls_ctx(const struct conf *cf)
{
	SSL_CTX	*ctx;
	char	 e[256];

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		fatalx("%s: SSL_CTX_new failed", __func__);
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
#ifdef SSL_OP_NO_RENEGOTIATION
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
#endif
	if (SSL_CTX_use_certificate_chain_file(ctx, cf->smtp_tls_cert) != 1) {
		ERR_error_string_n(ERR_get_error(), e, sizeof(e));
		fatalx("SMTP_TLS_CERT %s: %s", cf->smtp_tls_cert, e);
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, cf->smtp_tls_key,
	    SSL_FILETYPE_PEM) != 1) {
		ERR_error_string_n(ERR_get_error(), e, sizeof(e));
		fatalx("SMTP_TLS_KEY %s: %s", cf->smtp_tls_key, e);
	}
	if (SSL_CTX_check_private_key(ctx) != 1)
		fatalx("SMTP_TLS_KEY %s does not match SMTP_TLS_CERT %s",
		    cf->smtp_tls_key, cf->smtp_tls_cert);
	return ctx;
}

/* Told at once, before any session: the greeting is the refusal. */
static void
refuse(int fd, const char *line)
{
	(void)write(fd, line, strlen(line));
	close(fd);
}

static int
sessions_from(struct smtpd *d, const char *peer)
{
	struct session	*s;
	int		 n = 0;

	TAILQ_FOREACH(s, &d->d_sessions, s_entry)
		if (strcmp(s->s_peer, peer) == 0)
			n++;
	return n;
}

static void
accept_cb(evutil_socket_t lfd, short ev, void *arg)
{
	struct smtpd		*d = arg;
	const struct conf	*cf = d->d_conf;
	char			 peer[64];
	int			 fd, i, one = 1;

	for (i = 0; i < 64; i++) {
		if ((fd = proc_accept(lfd, peer, sizeof(peer))) == -1) {
			/* Out of descriptors: let some close first. */
			if (errno == EMFILE || errno == ENFILE) {
				struct timeval tv = { 0,
				    PROC_ACCEPT_PAUSE_MS * 1000 };

				event_del(d->d_ev_accept);
	evtimer_del(d->d_ev_resume);
				evtimer_add(d->d_ev_resume, &tv);
			}
			return;
		}
		if (d->d_nsessions >= cf->smtp_max_connections) {
			atomic_fetch_add(&d->d_stats->ss_refused_all, 1);
			refuse(fd, "421 4.7.0 Too many connections, try again "
			    "later\r\n");
			continue;
		}
		if (sessions_from(d, peer) >=
		    cf->smtp_max_connections_per_client) {
			atomic_fetch_add(&d->d_stats->ss_refused_client, 1);
			log_debug("%s: %s: too many connections", __func__,
			    peer);
			refuse(fd, "421 4.7.0 Too many connections from your "
			    "address, try again later\r\n");
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		session_start(d, fd, peer);
	}
}

static void
resume_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct smtpd *d = arg;

	if (!d->d_stopping)
		event_add(d->d_ev_accept, NULL);
}

/* Send the held 250s whose records are now committed. */
void
smtpd_ack(struct smtpd *d)
{
	struct session	*s;
	uint64_t	 commit = ring_commit(d->d_ring);

	while ((s = TAILQ_FIRST(&d->d_pending)) != NULL &&
	    s->s_ack_pos <= commit) {
		TAILQ_REMOVE(&d->d_pending, s, s_pending);
		session_acked(s, ring_refused(d->d_ring, s->s_ack_pos) != 0);
	}
}

static void
ack_cb(evutil_socket_t fd, short ev, void *arg)
{
	proc_drain(fd);
	smtpd_ack(arg);
}

static void
tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct smtpd *d = arg;

	smtpd_ack(d);		/* a missed wake-up costs one tick */
	if (!d->d_stopping)
		return;
	if (TAILQ_EMPTY(&d->d_sessions)) {
		log_debug("stopped");
		event_base_loopbreak(d->d_base);
	} else if (hc_mono_ms() > d->d_stop_deadline) {
		log_warnx("stopping with %d sessions still open",
		    d->d_nsessions);
		event_base_loopbreak(d->d_base);
	}
}

/*
 * SIGTERM (stop or reload): no new connections; idle sessions are told
 * 421 at once, the others when their transaction is over.
 */
static void
term_cb(evutil_socket_t sig, short ev, void *arg)
{
	struct smtpd	*d = arg;
	struct session	*s;

	if (d->d_stopping)
		return;
	log_debug("got SIGTERM: no new connections");
	d->d_stopping = 1;
	d->d_stop_deadline = hc_mono_ms() + STOP_WAIT_SEC * 1000;
	event_del(d->d_ev_accept);
	evtimer_del(d->d_ev_resume);
	TAILQ_FOREACH(s, &d->d_sessions, s_entry)
		session_stop(s);
}

void
smtpd_main(struct proc_env *pe)
{
	static struct smtpd	 d;
	const struct conf	*cf = pe->pe_conf;
	struct timeval		 tv = { 0, 100000 };
	struct session		*s;

	d.d_env = pe;
	d.d_conf = cf;
	TAILQ_INIT(&d.d_sessions);
	TAILQ_INIT(&d.d_pending);
	if (gethostname(d.d_host, sizeof(d.d_host)) == -1 || *d.d_host == '\0')
		hc_strlcpy(d.d_host, "localhost", sizeof(d.d_host));
	d.d_host[sizeof(d.d_host) - 1] = '\0';
	/* Before the drop: the key may be readable by root only. */
	if (*cf->smtp_tls_cert != '\0')
		d.d_tls = tls_ctx(cf);
	proc_drop(pe, "smtpd");
	signal(SIGPIPE, SIG_IGN);
	mail_init();

	d.d_ring = shm_ring(pe->pe_shm, pe->pe_id);
	d.d_index = shm_index(pe->pe_shm);
	d.d_stats = &pe->pe_shm->sh_smtp;
	d.d_jstate = &pe->pe_shm->sh_j_state;
	d.d_jrefused = &pe->pe_shm->sh_j_refused;
	atomic_store(&d.d_ring->r_pid, (int32_t)getpid());
	/* A predecessor's sessions died with it. */
	atomic_store(&d.d_stats->ss_open, 0);

	if ((d.d_base = event_base_new()) == NULL)
		fatalx("event_base_new");
	d.d_ev_accept = event_new(d.d_base, pe->pe_smtp_fd,
	    EV_READ | EV_PERSIST, accept_cb, &d);
	event_add(d.d_ev_accept, NULL);
	d.d_ev_resume = evtimer_new(d.d_base, resume_cb, &d);
	d.d_ev_ack = event_new(d.d_base, pe->pe_ack_rfd, EV_READ | EV_PERSIST,
	    ack_cb, &d);
	event_add(d.d_ev_ack, NULL);
	d.d_ev_tick = event_new(d.d_base, -1, EV_PERSIST, tick_cb, &d);
	evtimer_add(d.d_ev_tick, &tv);
	d.d_ev_term = evsignal_new(d.d_base, SIGTERM, term_cb, &d);
	evsignal_add(d.d_ev_term, NULL);
	signal(SIGINT, SIG_IGN);	/* the master decides */
	signal(SIGHUP, SIG_IGN);
	log_debug("listening on %s%s", cf->smtp_listen,
	    d.d_tls != NULL ? ", STARTTLS offered" : "");

	event_base_dispatch(d.d_base);
	while ((s = TAILQ_FIRST(&d.d_sessions)) != NULL)
		session_free(s);
	exit(0);
}

void
smtpd_status(struct shm *sh, struct buf *b)
{
	struct smtp_stats *st = &sh->sh_smtp;

#define V(f)	(unsigned long long)atomic_load_explicit(&st->f, \
		    memory_order_relaxed)
	buf_printf(b, "smtp: %llu connections (%llu open, %llu TLS, %llu TLS "
	    "failed), %llu messages, %llu pings\n", V(ss_connections),
	    V(ss_open), V(ss_tls), V(ss_tls_failed), V(ss_messages),
	    V(ss_pings));
	buf_printf(b, "smtp recipients: %llu rejected, %llu unknown, %llu "
	    "ambiguous, %llu over SMTP_MAX_RECIPIENTS\n", V(ss_rcpt_rejected),
	    V(ss_unknown), V(ss_ambiguous), V(ss_too_many_rcpt));
	buf_printf(b, "smtp refused: %llu over SMTP_MAX_CONNECTIONS, %llu "
	    "over SMTP_MAX_CONNECTIONS_PER_CLIENT, %llu too big, %llu lines "
	    "too long, %llu ring full, %llu timeouts, %llu DATA timeouts, "
	    "%llu closed in DATA, %llu other errors\n", V(ss_refused_all),
	    V(ss_refused_client), V(ss_too_big), V(ss_line_too_long),
	    V(ss_ring_full), V(ss_timeouts), V(ss_data_timeouts),
	    V(ss_aborted), V(ss_errors));
#undef V
}
