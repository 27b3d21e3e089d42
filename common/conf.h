/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * hcd.conf: KEY = value lines, keys named as Healthchecks names its
 * settings, plus hcd's own.  An environment variable of the same name
 * overrides the file (except USER: see conf.c).  One table in conf.c
 * drives parsing, defaults, validation and `hcd -nv`.
 *
 * Not thread-safe: conf_load and conf_free run in the master, before
 * any thread; a struct conf is read-only afterwards and may then be read
 * from any thread.
 */
#ifndef HC_CONF_H
#define HC_CONF_H

#include <stddef.h>
#include <stdint.h>

struct buf;

enum ack_mode { ACK_DURABLE, ACK_COMMITTED, ACK_FAST };
enum sandbox_mode { SANDBOX_ON, SANDBOX_LOG, SANDBOX_OFF };	/* sandbox.h */

struct conf {
	/* Healthchecks' settings */
	char	*site_root;		/* SITE_ROOT, no trailing slash */
	char	*site_name;		/* SITE_NAME */
	char	*ping_endpoint;		/* PING_ENDPOINT, ends with '/' */
	int64_t	 ping_body_limit;	/* PING_BODY_LIMIT, -1 = None */
	char	*ping_email_domain;	/* PING_EMAIL_DOMAIN */
	char	*secret_key;		/* SECRET_KEY */
	int	 debug;			/* DEBUG */
	int	 registration_open;	/* REGISTRATION_OPEN */
	char	*allowed_hosts;		/* ALLOWED_HOSTS */
	char	*master_badge_label;	/* MASTER_BADGE_LABEL */
	char	*metrics_key;		/* METRICS_KEY */
	int	 prometheus_enabled;	/* PROMETHEUS_ENABLED */
	int	 use_payments;		/* USE_PAYMENTS */
	char	*default_from_email;	/* DEFAULT_FROM_EMAIL */
	char	*email_host;		/* EMAIL_HOST */
	int64_t	 email_port;		/* EMAIL_PORT */
	char	*email_host_user;	/* EMAIL_HOST_USER */
	char	*email_host_password;	/* EMAIL_HOST_PASSWORD */
	int	 email_use_tls;		/* EMAIL_USE_TLS */
	int	 email_use_ssl;		/* EMAIL_USE_SSL */
	int	 email_use_verification; /* EMAIL_USE_VERIFICATION */
	int	 integrations_allow_private_ips;
	/* Notifications: the delivery engine's keys (alerter/notify) */
	int	 webhooks_enabled;	/* WEBHOOKS_ENABLED */
	int	 shell_enabled;		/* SHELL_ENABLED */
	char	*signal_cli_socket;	/* SIGNAL_CLI_SOCKET: path or host:port */
	int64_t	 notify_retry_window;	/* NOTIFY_RETRY_WINDOW s of retrying */
	int64_t	 notify_max_parallel;	/* NOTIFY_MAX_PARALLEL requests at once */
	char	*notify_connect_to;	/* NOTIFY_CONNECT_TO host:port:to:port ... */
	char	*notify_ca_file;	/* NOTIFY_CA_FILE: CAs for https, PEM */
	char	*db;			/* DB: only "postgres" */
	char	*db_host, *db_port, *db_name, *db_user, *db_password;
	char	*db_sslmode, *db_target_session_attrs;
	int64_t	 db_connect_timeout;	/* DB_CONNECT_TIMEOUT seconds */
	int64_t	 db_statement_timeout;	/* DB_STATEMENT_TIMEOUT seconds */
	int64_t	 db_threads;		/* DB_THREADS per worker */
	/* hcd's own */
	char	*database_url;		/* DATABASE_URL: libpq conninfo, wins over DB_* */
	char	*http_listen;		/* HTTP_LISTEN host:port */
	char	*smtp_listen;		/* SMTP_LISTEN host:port, "" = off */
	char	*smtp_tls_cert;		/* SMTP_TLS_CERT: PEM chain, "" = no STARTTLS */
	char	*smtp_tls_key;		/* SMTP_TLS_KEY: PEM key, read as root */
	int64_t	 smtp_max_size;		/* SMTP_MAX_SIZE bytes of a message */
	int64_t	 smtp_max_recipients;	/* SMTP_MAX_RECIPIENTS per message */
	int64_t	 smtp_max_line;		/* SMTP_MAX_LINE bytes */
	int64_t	 smtp_timeout;		/* SMTP_TIMEOUT s for a command */
	int64_t	 smtp_data_timeout;	/* SMTP_DATA_TIMEOUT s for DATA */
	int64_t	 smtp_max_connections;	/* SMTP_MAX_CONNECTIONS in all */
	int64_t	 smtp_max_connections_per_client;
	int64_t	 workers;		/* WORKERS, 0 = number of cores */
	char	*user;			/* USER children run as when root */
	enum ack_mode ack_mode;		/* ACK_MODE durable|committed|fast */
	char		*journal_dir;	/* JOURNAL_DIR (durable, fast) */
	int64_t		 journal_max;	/* JOURNAL_MAX, bytes */
	int64_t		 node_timeout;	/* NODE_TIMEOUT, s */
	int64_t	 ack_timeout;		/* ACK_TIMEOUT s a held ping waits */
	int64_t	 http_max_connections;	/* HTTP_MAX_CONNECTIONS per worker */
	int64_t	 http_max_connections_per_client; /* ... per address too */
	int64_t	 http_header_timeout;	/* HTTP_HEADER_TIMEOUT s */
	int64_t	 http_request_timeout;	/* HTTP_REQUEST_TIMEOUT s */
	int64_t	 http_send_timeout;	/* HTTP_SEND_TIMEOUT s */
	int64_t	 http_idle_timeout;	/* HTTP_IDLE_TIMEOUT s */
	int64_t	 http_output_max;	/* HTTP_OUTPUT_MAX bytes unsent */
	int64_t	 ring_size;		/* RING_SIZE bytes, all producers together */
	int64_t	 max_checks;		/* MAX_CHECKS index capacity */
	char	*control_socket;	/* CONTROL_SOCKET path */
	char	*node_name;		/* NODE_NAME: this node's name among several */
	enum sandbox_mode sandbox;	/* SANDBOX on|log|off */

	/* The integration kinds' settings (alerter/notify/kind_*.c) */
	int	 apprise_enabled;	/* APPRISE_ENABLED (apprise cannot be sent) */
	char	*discord_client_id, *discord_client_secret;
	char	*github_client_id, *github_client_secret;
	char	*github_private_key;	/* GITHUB_PRIVATE_KEY: PEM of the App */
	char	*github_public_link;
	char	*matrix_access_token;	/* MATRIX_ACCESS_TOKEN */
	char	*matrix_homeserver;	/* MATRIX_HOMESERVER, https://... */
	char	*matrix_user_id;	/* MATRIX_USER_ID */
	int	 mattermost_enabled;	/* MATTERMOST_ENABLED */
	int	 msteams_enabled;	/* MSTEAMS_ENABLED */
	char	*ntfy_sh_token;		/* NTFY_SH_TOKEN for https://ntfy.sh */
	int	 opsgenie_enabled;	/* OPSGENIE_ENABLED */
	int	 pagertree_enabled;	/* PAGERTREE_ENABLED */
	char	*pd_app_id;		/* PD_APP_ID */
	int	 pd_enabled;		/* PD_ENABLED */
	char	*pushbullet_client_id, *pushbullet_client_secret;
	char	*pushover_api_token;	/* PUSHOVER_API_TOKEN: enables pushover */
	int64_t	 pushover_emergency_expiration;	/* seconds, -1 = None */
	int64_t	 pushover_emergency_retry_delay;	/* seconds, -1 = None */
	char	*pushover_subscription_url;
	int	 rocketchat_enabled;	/* ROCKETCHAT_ENABLED */
	char	*site_logo_url;		/* SITE_LOGO_URL, "" = SITE_ROOT's logo */
	char	*slack_client_id, *slack_client_secret;
	int	 slack_enabled;		/* SLACK_ENABLED */
	int	 spike_enabled;		/* SPIKE_ENABLED */
	char	*telegram_bot_name;	/* TELEGRAM_BOT_NAME */
	char	*telegram_token;	/* TELEGRAM_TOKEN: enables telegram */
	char	*trello_app_key;	/* TRELLO_APP_KEY: enables trello */
	char	*twilio_account;	/* TWILIO_ACCOUNT (SID) */
	char	*twilio_auth;		/* TWILIO_AUTH */
	char	*twilio_from;		/* TWILIO_FROM number */
	char	*twilio_messaging_service_sid;
	int	 twilio_use_whatsapp;	/* TWILIO_USE_WHATSAPP */
	int	 victorops_enabled;	/* VICTOROPS_ENABLED */
	char	*whatsapp_down_content_sid, *whatsapp_up_content_sid;
	int	 zulip_enabled;		/* ZULIP_ENABLED */

	char	*c_path;		/* file it came from, NULL if none */
	int	 c_insecure;		/* it holds a secret others may read, and
					 * HCD_ALLOW_INSECURE_CONF=1 let it pass */
};

/*
 * Load defaults, then `path` (may be NULL: defaults and environment only;
 * a missing file is an error unless `optional`), then the environment.
 * On error returns -1, having freed what it loaded, and writes
 * "file:line: KEY: reason" into err.
 *
 * A file holding a secret (SECRET_KEY, DB_PASSWORD, EMAIL_HOST_PASSWORD,
 * METRICS_KEY, or a DATABASE_URL with a password) whose mode gives its
 * group or others any access is refused, naming the file, its mode and
 * `chmod 600 FILE`, unless HCD_ALLOW_INSECURE_CONF=1 is in the
 * environment (then c_insecure is set, for the caller to warn).
 */
int	 conf_load(const char *path, int optional, struct conf *,
	    char *err, size_t errsz);
void	 conf_free(struct conf *);
/* Every key with its effective value, one "KEY = value" line each. */
void	 conf_dump(const struct conf *, struct buf *);
/* libpq connection string for the configured database (heap). */
char	*conf_conninfo(const struct conf *);
/*
 * Bytes of request body read on a ping URL: Django's
 * DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB), raised to PING_BODY_LIMIT when
 * that is larger, as Healthchecks' settings do.  A larger body is 400.
 */
size_t	 conf_ping_body_max(const struct conf *);
/* Bytes of it a ping keeps: PING_BODY_LIMIT, or all of it when None. */
size_t	 conf_ping_body_kept(const struct conf *);
/* "durable", "committed" or "fast". */
const char *conf_ack_name(enum ack_mode);
/* 1 when pings go through the local journal (durable, fast). */
int	 conf_journaled(const struct conf *);
/* Payload bytes of the largest ping record a producer may write. */
uint64_t conf_ping_rec_max(const struct conf *);
/* Number of workers to start (WORKERS or the number of cores). */
int	 conf_workers(const struct conf *);
/* 1 if the key table is sorted (for the unit test). */
int	 conf_keys_sorted(void);

#endif
