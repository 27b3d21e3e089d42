/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The smtpd process: SMTP intake of email pings (spec 2).  One child of
 * the master when SMTP_LISTEN is set (the role table's smtpd row), a
 * producer with a ring of its own, no database connection.
 *
 *   smtpd.c        the process: listener, connection limits, TLS
 *                  context, acks, signals, counters for hcctl status
 *   smtp_session.c one connection: the state machine, replies, DATA,
 *                  and a message's ping records
 *   smtp_parse.c   command, path, recipient and DATA line parsers
 *   mail.c         the Subject and body text for keyword filters
 */
#ifndef HC_SMTPD_H
#define HC_SMTPD_H

#include <sys/queue.h>

#include <stdint.h>

#include "hcd.h"
#include "smtp_parse.h"

struct bufferevent;
struct event;
struct event_base;
struct index;
struct proc_env;
struct ring;
struct smtp_stats;
struct ssl_ctx_st;

enum smtp_state {
	SS_CMD,			/* no transaction */
	SS_MAIL,		/* MAIL given */
	SS_RCPT,		/* at least one recipient accepted */
	SS_DATA,		/* reading the message */
	SS_TLS			/* STARTTLS handshake */
};

struct session {
	struct smtpd		*s_d;
	struct bufferevent	*s_bev;		/* the socket, or TLS over it */
	enum smtp_state		 s_state;
	int			 s_helo;	/* HELO or EHLO said */
	int			 s_esmtp;	/* EHLO: enhanced status codes */
	int			 s_tls;		/* STARTTLS done */
	int			 s_errors;	/* protocol errors so far */
	int			 s_closing;	/* close once the output is out */
	int			 s_polls;	/* ... looked at so many times */
	int			 s_held;	/* 250 waits for s_ack_pos */
	uint64_t		 s_ack_pos;
	int			 s_skip_line;	/* dropping a line too long */
	int			 s_too_big;	/* DATA past SMTP_MAX_SIZE */
	int			 s_too_long;	/* DATA line past SMTP_MAX_LINE */
	struct buf		 s_msg;		/* the message, dot-unstuffed */
	char			 s_from[SMTP_PATH_MAX + 1];
	struct smtp_rcpt	*s_rcpt;
	size_t			 s_nrcpt, s_rcpt_cap;
	struct event		*s_ev_data;	/* SMTP_DATA_TIMEOUT */
	char			 s_peer[64];	/* the client's address */
	TAILQ_ENTRY(session)	 s_entry;
	TAILQ_ENTRY(session)	 s_pending;	/* held, in ring order */
};
TAILQ_HEAD(sessionq, session);

struct smtpd {
	struct proc_env		*d_env;
	const struct conf	*d_conf;
	struct event_base	*d_base;
	struct ring		*d_ring;
	struct index		*d_index;
	struct smtp_stats	*d_stats;
	_Atomic int		*d_jstate;	/* the journal's (shm.h) */
	_Atomic uint64_t	*d_jrefused;
	struct ssl_ctx_st	*d_tls;		/* NULL: no STARTTLS */
	struct event		*d_ev_accept;
	struct event		*d_ev_resume;	/* accepting again after EMFILE */
	struct event		*d_ev_ack;
	struct event		*d_ev_tick;
	struct event		*d_ev_term;
	struct sessionq		 d_sessions;
	struct sessionq		 d_pending;
	int			 d_nsessions;
	int			 d_stopping;
	int64_t			 d_stop_deadline;	/* monotonic ms */
	char			 d_host[256];	/* for the banner and EHLO */
};

/* smtpd.c */
void	 smtpd_ack(struct smtpd *);

/* smtp_session.c */
void	 session_start(struct smtpd *, int fd, const char *peer);
void	 session_free(struct session *);
/* A held 250 may go: its records are committed. */
/* The held answer after DATA: 250, or 451 if the journal refused it. */
void	 session_acked(struct session *, int refused);
/* SIGTERM: an idle session is told 421 and closed. */
void	 session_stop(struct session *);

#endif
