/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * What every hcd source file shares: compile-time defaults (each one
 * lives here once; conf/hcd.conf and hcd.conf.5 restate them), process
 * roles, exit codes, and the small utilities of util.c.
 *
 * The rule of common/: every function is thread-safe unless its header
 * says otherwise.  Objects (a struct buf, a struct dbconn, a JSON
 * document) belong to one thread at a time; what is shared between
 * threads or processes (the check index, the time-zone cache, the
 * generated SQL of the check model) guards itself.  The exceptions are
 * written in their headers: start-up calls (log_init, conf_load) made
 * before any thread exists, and the rings, which have one producer and
 * one consumer each by design.
 */
#ifndef HC_HCD_H
#define HC_HCD_H

#include <stddef.h>
#include <stdint.h>

#define HC_VERSION		"0.1.0"

/* Defaults of the configuration keys (conf.c holds the table). */
#define HC_CONF_FILE		HC_SYSCONFDIR "/hcd.conf"
#define HC_HTTP_LISTEN		"127.0.0.1:8000"
#define HC_SITE_ROOT		"http://localhost:8000"
#define HC_SITE_NAME		"Mychecks"
#define HC_PING_BODY_LIMIT	10000
#define HC_PING_BODY_LIMIT_MAX	(100 * 1024 * 1024)	/* its upper bound */
#define HC_PING_EMAIL_DOMAIN	"localhost"
#define HC_SECRET_KEY		"---"
#define HC_USER			"hcd"
#define HC_RING_SIZE		67108864	/* 64 MiB */
#define HC_MAX_CHECKS		100000
#define HC_CONTROL_SOCKET	"/var/run/hcd.sock"
#define HC_ACK_MODE		"durable"
#define HC_JOURNAL_DIR		"/var/lib/hcd/journal"
#define HC_JOURNAL_MAX		1073741824	/* 1 GiB */
#define HC_NODE_TIMEOUT		60	/* s: a silent node no longer holds deadlines */
#define HC_SANDBOX		"on"	/* on | log | off (sandbox.h) */
#define HC_DB			"postgres"
#define HC_DB_NAME		"hc"
#define HC_DB_USER		"postgres"
#define HC_DB_SSLMODE		"prefer"
#define HC_DB_CONNECT_TIMEOUT	5	/* seconds */
#define HC_DB_STATEMENT_TIMEOUT	10	/* seconds; the client waits 1 s more */
#define HC_DB_THREADS		1	/* database threads per worker */
#define HC_CHECK_LIMIT		10000	/* new profiles, USE_PAYMENTS=False */
#define HC_PING_LOG_LIMIT	100
/* SMTP intake (smtpd/); SMTP_LISTEN is empty by default: no smtpd. */
#define HC_SMTP_MAX_SIZE	1048576		/* SIZE: bytes of a message */
#define HC_SMTP_MAX_SIZE_MAX	(64 * 1024 * 1024)	/* its upper bound */
#define HC_SMTP_MAX_RECIPIENTS	100		/* per message (RFC 5321) */
#define HC_SMTP_MAX_LINE	8192		/* bytes of a command or text line */
#define HC_SMTP_TIMEOUT		300		/* s waiting for a command */
#define HC_SMTP_DATA_TIMEOUT	600		/* s for a whole DATA phase */
#define HC_SMTP_MAX_CONNECTIONS	100		/* in all; each may hold a message */
#define HC_SMTP_MAX_CONNECTIONS_PER_CLIENT 20	/* from one address */
/* Notifications (alerter/notify/) */
#define HC_NOTIFY_RETRY_WINDOW	3600	/* s: transient errors retried this long */
#define HC_NOTIFY_MAX_PARALLEL	1024	/* requests in flight in one notifier */

/* Tunables that are not configuration keys. */
#define HC_BATCH_MAX		8192	/* ring records per transaction */
#define HC_BATCH_BYTES		(256 * 1024 * 1024)	/* ... and bytes */
#define HC_WRITER_DEPTH		2	/* batches in flight on the writer's connection */
#define HC_FEED_POLL_US		50	/* look at the rings this often meanwhile */
#define HC_MAX_PRODUCERS	64	/* workers + smtpd */
#define HC_DEADLINE_POLL_MS	500	/* deadline pass at least this often */
/* A ping is stamped a moment before it is published: the watermark
 * trails the journal's marks by this much (alerter/writer.c). */
#define HC_WATERMARK_SLACK_US	100000
#define HC_NODE_BEAT_MS		1000	/* watermark stored this often when idle */
#define HC_WATERMARK_POLL_MS	20	/* a pass waiting for the watermark */
#define HC_LOAD_INTERVAL_MS	100	/* the loader batches this often, */
#define HC_LOAD_BYTES		(1024 * 1024)	/* at this backlog, */
#define HC_LOAD_NAP_MS		1	/* or this soon for a waiting read */
#define HC_LISTEN_CHECK_MS	30000	/* index listener: query an idle session */
#define HC_DB_THREAD_NICE	10	/* workers' database threads (Linux) */
#define HC_HTTP_MAX_HEADER	32768	/* request line + headers, as uWSGI */
#define HC_HTTP_MAX_BODY	(1024 * 1024)	/* any body but a ping's */
/*
 * A ping's body is read up to max(HC_PING_UPLOAD_MAX, PING_BODY_LIMIT)
 * bytes, as Healthchecks raises Django's DATA_UPLOAD_MAX_MEMORY_SIZE
 * (2.5 MB) to PING_BODY_LIMIT; a larger one is answered 400.
 */
#define HC_PING_UPLOAD_MAX	2621440
#define HC_HTTP_IDLE_TIMEOUT	75	/* s a keep-alive connection may sit idle */
#define HC_HTTP_HEADER_TIMEOUT	20	/* s to send a request line and headers */
#define HC_HTTP_REQUEST_TIMEOUT	60	/* s to send a whole request */
#define HC_HTTP_SEND_TIMEOUT	60	/* s a client may take no output */
#define HC_HTTP_OUTPUT_MAX	1048576	/* unsent bytes before reading stops */
#define HC_HTTP_MAX_CONNECTIONS	10000	/* per worker */
#define HC_HTTP_MAX_CONNECTIONS_PER_CLIENT 1000	/* per worker and address */
#define HC_ACK_TIMEOUT		5	/* s a held ping waits for its commit */
#define HC_UA_MAX		200
#define HC_RESPAWN_MAX		5	/* crashes of one role ... */
#define HC_RESPAWN_WINDOW	60	/* ... within this many seconds */
#define HC_RETRY_AFTER		"1"
#define HC_SMTP_SUBJECT_MAX	4096	/* bytes of decoded Subject a record keeps */
#define HC_SMTP_TEXT_MAX	(256 * 1024)	/* bytes of body text a record keeps */
#define HC_SMTP_MAX_ERRORS	10	/* protocol errors, then 421 and close */

/* Defaults of the integration kinds' keys (conf.c, conf_kind_keys). */
#define HC_PUSHOVER_EMERGENCY_RETRY_DELAY	300	/* seconds */
#define HC_PUSHOVER_EMERGENCY_EXPIRATION	86400	/* seconds */
#define HC_TELEGRAM_BOT_NAME	"ExampleBot"

/* Exit status of a child that must not be respawned (config, privileges). */
#define HC_EXIT_FATAL		2

enum proc_role {
	PROC_MASTER,
	PROC_WORKER,
	PROC_ALERTER,
	PROC_SMTPD,
	PROC_NOTIFIER,
	PROC_MAX
};

struct buf {
	uint8_t	*b_data;	/* always NUL-terminated after b_len */
	size_t	 b_len;
	size_t	 b_cap;
};

/* util.c */
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));
int	 hc_hexval(int);		/* hex digit, either case; else -1 */
size_t	 hc_strlcpy(char *, const char *, size_t);
size_t	 hc_strlcat(char *, const char *, size_t);
long long hc_strtonum(const char *, long long, long long, const char **);
void	 buf_init(struct buf *);
void	 buf_clear(struct buf *);
void	 buf_reset(struct buf *);
void	 buf_reserve(struct buf *, size_t);
void	 buf_add(struct buf *, const void *, size_t);
void	 buf_addstr(struct buf *, const char *);
void	 buf_addc(struct buf *, int);
/* s[0..n) as HTML or XML text: & < > " ' become &amp; &lt; &gt; &quot;
   &#x27; (Python's html.escape); other bytes, NUL included, are kept. */
void	 buf_add_html(struct buf *, const char *s, size_t n);
void	 buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 buf_consume(struct buf *, size_t);
void	 utf8_sanitize(struct buf *, const void *, size_t, size_t maxchars);
/* 1 if s[0..n) is well-formed UTF-8 without NUL (PostgreSQL text takes it). */
int	 hc_utf8_valid(const void *s, size_t n);
#define HC_EMAIL_MAX	254	/* bytes of an account's e-mail address */
int	 hc_email_normalize(const char *in, char *out, size_t outsz);
int64_t	 hc_now_us(void);
int64_t	 hc_mono_ms(void);

#endif
