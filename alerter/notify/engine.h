/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The delivery engine's private header: the notifier process (engine.c:
 * its event loop, libcurl's multi interface and the other transports),
 * its database thread (outbox.c: flips into deliveries, claims with a
 * lease, results written back) and the pure helpers both use and the
 * unit tests call (netfilter.c: the outbound address filter, back-off,
 * error texts).  notify.h is the contract with the kinds; this header
 * is the engine's own.
 *
 * Threads of the notifier: the loop (engine.c) never touches the
 * database; the outbox thread (outbox.c) never touches the network
 * beyond PostgreSQL.  They meet in struct outbox's two queues, under
 * its mutex, each woken by a pipe.
 */
#ifndef HC_NOTIFY_ENGINE_H
#define HC_NOTIFY_ENGINE_H

#include <sys/socket.h>

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "notify.h"

struct conf;
struct outbox;

/* The header a webhook request carries the notification's code in. */
#define NT_CODE_HEADER		"X-Healthchecks-Notification"
#define NT_USER_AGENT		"healthchecks.io"
#define NT_TIMEOUT_MS		30000	/* one request, redirects included */
#define NT_SIGNAL_TIMEOUT_MS	60000	/* signal-cli's answer */
#define NT_MAX_REDIRS		3
#define NT_LEASE_SEC		300	/* a claim; longer than any attempt */
#define NT_CLAIM_MAX		500	/* rows per claim */
#define NT_FLIPS_MAX		500	/* flips per transaction */
#define NT_POLL_MS		1000	/* look for due rows at least this often */
#define NT_BACKOFF_FIRST_MS	2000	/* back-off after the first failure */
#define NT_BACKOFF_MAX_MS	600000	/* ... doubling up to 10 minutes */
#define NT_BODY_MAX		65536	/* bytes of an answer kept */
#define NT_KEEP_DAYS		7	/* finished rows kept this long */
#define NT_MAIL_KEEP_DAYS	1	/* sent hcd_mail rows kept this long */
#define NT_MAIL_CLAIM_MAX	50	/* hcd_mail rows per claim */

/*
 * One member of a delivery: the channel it goes to and what was loaded
 * for it.  A delivery to a group channel has one member per channel of
 * the group (each with its own kind and value); any other has one.
 */
struct nt_member {
	const struct nt_kind	*nm_kind;	/* NULL: unknown kind */
	char			*nm_kind_name;
	int64_t			 nm_channel;	/* api_channel.id */
	struct nt_ctx		 nm_ctx;
	/* Progress of its messages (engine.c). */
	struct nt_msg		 nm_msgs[NT_MAXSTEPS];
	int			 nm_nsteps, nm_step, nm_resends;
	int			 nm_outcome;	/* enum nt_outcome, when done */
	char			 nm_error[201];
	int64_t			 nm_retry_after; /* s, from the answer; 0 */
	char			*nm_new_value;	/* NR_RESEND: to store */
	int			 nm_done;
};

/*
 * A claimed delivery (an hcd_outbox row) and what it became.  A system
 * e-mail (an hcd_mail row: a log-in link) is a job too, with j_mail
 * set, no channel and one member of no kind whose one message is
 * NT_SMTP.
 */
struct nt_job {
	struct nt_job		*j_next;
	int64_t			 j_id;		/* hcd_outbox.id */
	char			 j_code[37];
	int64_t			 j_channel;	/* the row's channel */
	int			 j_attempts;	/* this one included */
	int64_t			 j_created;	/* µs: the retry window's start */
	int			 j_group;	/* a group channel */
	int			 j_test;	/* a test: no retries */
	int			 j_mail;	/* an hcd_mail row (005), not
						   an hcd_outbox one */
	struct nt_member	*j_members;
	int			 j_nmembers;
	int			 j_pending;	/* members not done */
	/* Storage the contexts point into (freed with the job). */
	struct nt_check		 j_check;
	char			**j_strs;
	size_t			 j_nstrs, j_capstrs;
	/* The outcome, filled by the loop. */
	int64_t			 j_start;	/* µs */
	int64_t			 j_duration;	/* µs */
	int			 j_outcome;	/* enum nt_outcome */
	char			 j_error[201];
	int64_t			 j_next_attempt; /* µs, for a retry */
	int			 j_final;	/* 0: retry at j_next_attempt */
};

/* netfilter.c */
/*
 * 1 if an outbound connection to this address is refused unless
 * INTEGRATIONS_ALLOW_PRIVATE_IPS: private, loopback, link-local,
 * multicast, broadcast, "this network", shared (CGNAT), documentation,
 * benchmarking and reserved IPv4 ranges; loopback, unspecified,
 * every IPv6 address outside global unicast (2000::/3: loopback,
 * unspecified, unique-local, link-local, site-local, multicast,
 * discard ...) and the documentation, benchmarking, ORCHID and segment
 * routing ranges within it; and the IPv4-mapped, IPv4-compatible,
 * NAT64 and 6to4 forms of the refused IPv4 ones.  Any family but IPv4 and IPv6
 * is refused too.
 */
int	 nt_addr_refused(const struct sockaddr *, socklen_t);
/*
 * Delay before retry number `attempt` (1: after the first failure), in
 * ms: NT_BACKOFF_FIRST_MS doubling up to NT_BACKOFF_MAX_MS, then a
 * random part taken off (jitter: between half and all of it); `rnd` is
 * a random 32-bit number.  A Retry-After of ra_sec > 0 seconds wins
 * when it is longer.
 */
int64_t	 nt_backoff_ms(int attempt, uint32_t rnd, int64_t ra_sec);
/* Retry-After: delta-seconds or an HTTP date, as seconds from now (0). */
int64_t	 nt_retry_after(const char *, int64_t now_us);
/* The spec's text (4.3) for a libcurl error code; *transient set. */
const char *nt_curl_error(int curlcode, int *transient);

/* outbox.c */
/* Start the database thread.  wake_fd: written when jobs are ready. */
struct outbox	*outbox_start(const struct conf *, int wake_fd);
void		 outbox_stop(struct outbox *);
/* The jobs ready to send (a list, to free with nt_job_free), or NULL. */
struct nt_job	*outbox_take(struct outbox *);
/* A finished job: its result goes back to the database, then it is freed. */
void		 outbox_done(struct outbox *, struct nt_job *);
void		 nt_job_free(struct nt_job *);
/* Build (again) a member's messages with the kind's k_build. */
void		 nt_member_build(struct nt_member *);
/* A string the job owns (copied); "" for NULL. */
const char	*nt_job_str(struct nt_job *, const char *, size_t len);

/* engine.c */
struct notify_stats;
void	 notifier_main_loop(const struct conf *, struct notify_stats *);

/* shell.c: the spawner of shell commands */
struct event_base;
struct proc_env;
struct shell;
/* Before the sandbox: fork the spawner (SHELL_ENABLED only). */
void	 shell_fork(const struct proc_env *);
/* Its end on the loop; NULL if there is no spawner.  cb(arg, id, status). */
struct shell *shell_attach(struct event_base *,
	    void (*cb)(void *, int64_t, int), void *arg);
/* Run cmd; its status comes to cb with id.  0, or -1. */
int	 shell_run(struct shell *, int64_t id, const char *cmd);
void	 shell_detach(struct shell *);

#endif
