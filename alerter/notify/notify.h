/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Notifications: the contract between the delivery engine (alerter/notify/engine.c:
 * outbox, claims, libcurl multi loop, retries, address filter) and the
 * kinds (alerter/notify/kinds.c holds the table, kind_<name>.c one
 * file per kind).
 *
 * A kind is pure: given what the engine loaded from the database (a
 * struct nt_ctx) it builds the messages to send (struct nt_msg, one or
 * more steps) and, once a step is answered, classifies the answer.  It
 * does no I/O and reads no clock: the engine passes "now" in the
 * context.  Adding a kind is one row in kinds.c and one file.
 *
 * Thread-safety: every function here works on the objects it is given
 * only; the kind table is read-only.
 */
#ifndef HC_NOTIFY_H
#define HC_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "hcd.h"

struct conf;

/* How a message travels. */
enum nt_transport {
	NT_HTTP,		/* m_method m_url m_headers m_body */
	NT_SMTP,		/* m_rcpt m_subject m_text m_html m_headers */
	NT_SHELL,		/* m_cmd through /bin/sh -c */
	NT_SIGNAL,		/* m_rpc: one JSON-RPC line to signal-cli */
	NT_GROUP		/* m_members: the engine notifies each one */
};

/* The outcome of a step, or of the whole notification. */
enum nt_outcome {
	NR_OK,			/* delivered */
	NR_TRANSIENT,		/* try again later (connect, timeout, 5xx, 429) */
	NR_FAILED,		/* final: record the error, keep the channel */
	NR_PERMANENT,		/* final: record the error, disable the channel */
	NR_RESEND		/* build again now with r_value (Telegram's
				   migrate_to_chat_id): the engine stores
				   r_value as the channel's value first */
};

/* The check a notification is about, as the engine loaded it. */
struct nt_check {
	char		 code[37];		/* the check's UUID */
	const char	*name;			/* "" if none */
	const char	*slug;
	const char	*desc;
	const char	*tags;			/* space-separated, as stored */
	const char	*kind;			/* "simple", "cron", "oncalendar" */
	int64_t		 timeout;		/* seconds (simple) */
	int64_t		 grace;			/* seconds */
	const char	*schedule;		/* cron or OnCalendar text */
	const char	*tz;
	const char	*unique_key;		/* sha1 hex of the code, 40 */
	int64_t		 n_pings;		/* "Total Pings" (§5.2) */
	int64_t		 last_ping;		/* µs since the epoch, 0: never */
	const char	*last_ping_kind;	/* "", "fail", "start", "log", "ign" */
	int		 last_exit_status;	/* -1 if none */
	const char	*last_ping_body;	/* NULL if none; may be long */
	size_t		 last_ping_body_len;
	int		 last_ping_is_email;
	const char	*project_name;
	const char	*json;			/* the API v3 read-write object */
};

/* One notification: a flip (or a test) of one check to one channel. */
struct nt_ctx {
	const struct conf	*conf;		/* SITE_ROOT, SITE_NAME, keys */
	char			 code[37];	/* the notification's UUID: stable
						   across retries (the
						   X-Healthchecks-Notification header
						   carries it on webhooks) */
	const char		*status;	/* "down" or "up" */
	const char		*old_status;
	const char		*reason;	/* flip reason: "", "timeout",
						   "fail", "nag" */
	int64_t			 flip_time;	/* µs since the epoch ($NOW) */
	int64_t			 now;		/* µs since the epoch */
	int64_t			 downtime;	/* seconds down before this up,
						   -1 if unknown */
	int			 is_test;
	const struct nt_check	*check;
	/* The other checks of the project that are down (§5.2). */
	int			 project_nchecks;	/* this one included */
	int			 ndown_others;
	const char		*down_others[10];	/* their names, first 10 */
	/* The channel. */
	char			 channel_code[37];
	const char		*channel_name;
	const char		*value;		/* api_channel.value */
};

#define NT_MAXSTEPS	2

/* What to send.  Kinds fill it; the engine frees it (nt_msg_clear). */
struct nt_msg {
	int		 m_transport;		/* enum nt_transport */
	char		 m_method[8];		/* GET POST PUT */
	struct buf	 m_url;
	struct buf	 m_headers;		/* "Name: value" lines, CRLF each */
	struct buf	 m_body;
	const char	*m_userpwd;		/* basic auth "user:pass", or NULL
						   (points into ctx or conf) */
	int		 m_form;		/* body is form-encoded */
	/* NT_SMTP */
	struct buf	 m_rcpt;
	struct buf	 m_subject;
	struct buf	 m_text;
	struct buf	 m_html;
	/* NT_SHELL */
	struct buf	 m_cmd;
	/* NT_SIGNAL */
	struct buf	 m_rpc;			/* one line, '\n' at the end */
	char		 m_rpc_id[37];
	/* NT_GROUP */
	struct buf	 m_members;		/* channel UUIDs, comma-separated */
	/* Storage for an m_userpwd the kind composed (Twilio, Zulip). */
	struct buf	 m_auth;
};

/* The answer to one step, as the engine got it. */
struct nt_answer {
	long		 a_status;		/* HTTP status, or exit code */
	const char	*a_body;		/* response body, NUL-terminated */
	size_t		 a_len;
	const char	*a_retry_after;		/* Retry-After header or NULL */
};

/* What a kind says of an answer. */
struct nt_result {
	int		 r_outcome;		/* enum nt_outcome */
	char		 r_error[201];		/* spec §4.3/§5.4 text, "" if OK */
	struct buf	 r_value;		/* NR_RESEND: the new value */
};

/* Build flags: the statuses a kind can send. */
#define NK_DOWN_ONLY	0x01	/* call, github, trello */
#define NK_REMOVED	0x02	/* hipchat, pagerteam, ...: always a no-op */
#define NK_NOT_HERE	0x04	/* apprise: cannot be delivered from C */
#define NK_VERIFIED	0x08	/* email: sent only if api_channel.email_verified,
				   else the error "Email not verified" */

/*
 * A kind (kinds.c's table).  A NULL k_enabled means always enabled (or
 * enabled by a setting the engine checks: WEBHOOKS_ENABLED,
 * SHELL_ENABLED, SIGNAL_CLI_SOCKET, EMAIL_HOST), a NULL k_noop never a
 * no-op, a NULL k_classify nt_classify_http, a NULL k_bucket no rate
 * limit.  NK_REMOVED and NK_NOT_HERE kinds have no k_build.
 */
struct nt_kind {
	const char	*k_name;		/* api_channel.kind */
	int		 k_flags;
	/* 1 if the kind is enabled by its *_ENABLED setting (or key). */
	int		(*k_enabled)(const struct conf *);
	/* 0 if value is a valid stored value, else -1 with the reason. */
	int		(*k_validate)(const struct conf *, const char *value,
			    char *err, size_t errlen);
	/* 1 if sending this status is a no-op (§5.3). */
	int		(*k_noop)(const char *value, const char *status);
	/*
	 * The messages, in order (each step is sent once the previous
	 * one succeeded).  Returns the number of steps (1..NT_MAXSTEPS),
	 * 0 for nothing to send, or -1 with r_error set (the value
	 * cannot be used: NR_FAILED).
	 */
	int		(*k_build)(const struct nt_ctx *, struct nt_msg *msgs,
			    struct nt_result *);
	/* Classify step's answer; NULL: nt_classify_http. */
	void		(*k_classify)(const struct nt_ctx *, int step,
			    const struct nt_answer *, struct nt_result *);
	/* Rate-limit bucket (6 a minute) for this notification, or NULL. */
	const char	*(*k_bucket)(const struct nt_ctx *, char *buf,
			    size_t len);
	/* The error when k_enabled says no ("Slack notifications are not
	   enabled."), or for NK_NOT_HERE why it cannot be sent. */
	const char	*k_off_text;
};

/* kinds.c */
const struct nt_kind *nt_kind_find(const char *name);
const struct nt_kind *nt_kind_at(size_t i);	/* NULL past the end */
void	 nt_msg_init(struct nt_msg *);
void	 nt_msg_clear(struct nt_msg *);
void	 nt_result_init(struct nt_result *);
void	 nt_result_clear(struct nt_result *);
/*
 * Whether value is a valid stored value for kind, as at channel
 * creation: 0, or -1 with the reason in err (an unknown kind, a kind
 * that is gone, apprise, or the kind's k_validate).
 */
int	 nt_validate(const struct conf *, const char *kind, const char *value,
	    char *err, size_t errlen);
/* 1 if sending status to a channel of kind with value is a no-op
   (§5.3; an unknown, removed or apprise kind always is). */
int	 nt_noop(const char *kind, const char *value, const char *status);
/* 200, 201, 202, 204 OK; 429 and 5xx transient; others failed. */
void	 nt_classify_http(const struct nt_ctx *, int step,
	    const struct nt_answer *, struct nt_result *);

/* nt_text.c: message content shared by the kinds (§5.2) */
/* "1 day, 2 hours", "3 hours, 5 minutes", "4 minutes, 10 seconds" */
void	 nt_duration(struct buf *, int64_t seconds);
/* Webhook placeholders (§5.4): split on '$', first match per piece. */
enum nt_quote { NQ_RAW, NQ_URL, NQ_HEADER, NQ_SHELL };
void	 nt_subst(struct buf *, const char *tmpl, const struct nt_ctx *,
	    enum nt_quote);

/* kind_email.c */
/*
 * SITE_ROOT/integrations/<channel code>/unsub/<signature>/: the
 * List-Unsubscribe link.  The signature is nt_unsub_sig's, which the
 * page that serves the link checks.
 */
void	 nt_unsub_url(struct buf *, const struct conf *,
	    const char *channel_code);
/* Hex HMAC-SHA256(SECRET_KEY, "unsub:" code), first 32 digits. */
void	 nt_unsub_sig(const struct conf *, const char *channel_code,
	    char out[33]);

#endif
