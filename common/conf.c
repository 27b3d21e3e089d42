/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Configuration: one table of keys, each with its type, default and
 * bounds, drives parsing of hcd.conf, the environment override, the
 * defaults and `hcd -nv`.  The master and hcctl load it; children get
 * the master's copy across fork.
 *
 * The environment variable USER is not consulted for the USER key: every
 * login shell sets it to the invoking user's name, which would silently
 * override the file.  HCD_USER overrides USER instead.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "hcd.h"
#include "pingrec.h"
#include "conf.h"
#include "log.h"

enum ctype { C_STR, C_BOOL, C_INT, C_ACK, C_SANDBOX };

#define NOSTORE	((size_t)-1)	/* Healthchecks key accepted, not used yet */

struct ckey {
	const char	*k_name;
	enum ctype	 k_type;
	size_t		 k_off;
	const char	*k_def;		/* NULL: empty string */
	int64_t		 k_min, k_max;	/* C_INT bounds */
	int		 k_none;	/* C_INT: "None" allowed, stored as -1 */
	int		 k_secret;	/* KEY_FILE also read; masked in dumps */
};

#define O(f)	offsetof(struct conf, f)
#define STR(n, f, d)	{ n, C_STR, O(f), d, 0, 0, 0, 0 }
#define SECRET(n, f, d)	{ n, C_STR, O(f), d, 0, 0, 0, 1 }
#define BOOL(n, f, d)	{ n, C_BOOL, O(f), d, 0, 0, 0, 0 }
#define INT(n, f, d, lo, hi, none) { n, C_INT, O(f), d, lo, hi, none, 0 }
#define LATER(n)	{ n, C_STR, NOSTORE, NULL, 0, 0, 0, 0 }
#define XS(x)	S_(x)
#define S_(x)	#x

/* Sorted by name (a unit test keeps it so). */
static const struct ckey conf_keys[] = {
	{ "ACK_MODE", C_ACK, O(ack_mode), HC_ACK_MODE, 0, 0, 0, 0 },
	INT("ACK_TIMEOUT", ack_timeout, XS(HC_ACK_TIMEOUT), 1, 3600, 0),
	LATER("ADMINS"),
	STR("ALLOWED_HOSTS", allowed_hosts, "*"),
	BOOL("APPRISE_ENABLED", apprise_enabled, "False"),
	STR("CONTROL_SOCKET", control_socket, HC_CONTROL_SOCKET),
	STR("DATABASE_URL", database_url, NULL),
	STR("DB", db, HC_DB),
	INT("DB_CONNECT_TIMEOUT", db_connect_timeout,
	    XS(HC_DB_CONNECT_TIMEOUT), 1, 3600, 0),
	LATER("DB_CONN_MAX_AGE"),
	STR("DB_HOST", db_host, NULL),
	STR("DB_NAME", db_name, HC_DB_NAME),
	SECRET("DB_PASSWORD", db_password, NULL),
	STR("DB_PORT", db_port, NULL),
	STR("DB_SSLMODE", db_sslmode, HC_DB_SSLMODE),
	INT("DB_STATEMENT_TIMEOUT", db_statement_timeout,
	    XS(HC_DB_STATEMENT_TIMEOUT), 1, 86400, 0),
	STR("DB_TARGET_SESSION_ATTRS", db_target_session_attrs, "read-write"),
	INT("DB_THREADS", db_threads, XS(HC_DB_THREADS), 1, 64, 0),
	STR("DB_USER", db_user, HC_DB_USER),
	BOOL("DEBUG", debug, "False"),
	STR("DEFAULT_FROM_EMAIL", default_from_email, "healthchecks@example.org"),
	STR("DISCORD_CLIENT_ID", discord_client_id, NULL),
	SECRET("DISCORD_CLIENT_SECRET", discord_client_secret, NULL),
	STR("EMAIL_HOST", email_host, NULL),
	SECRET("EMAIL_HOST_PASSWORD", email_host_password, NULL),
	STR("EMAIL_HOST_USER", email_host_user, NULL),
	LATER("EMAIL_MAIL_FROM_TMPL"),
	INT("EMAIL_PORT", email_port, "587", 1, 65535, 0),
	BOOL("EMAIL_USE_SSL", email_use_ssl, "False"),
	BOOL("EMAIL_USE_TLS", email_use_tls, "True"),
	BOOL("EMAIL_USE_VERIFICATION", email_use_verification, "True"),
	STR("GITHUB_CLIENT_ID", github_client_id, NULL),
	SECRET("GITHUB_CLIENT_SECRET", github_client_secret, NULL),
	SECRET("GITHUB_PRIVATE_KEY", github_private_key, NULL),
	STR("GITHUB_PUBLIC_LINK", github_public_link, NULL),
	INT("HTTP_HEADER_TIMEOUT", http_header_timeout,
	    XS(HC_HTTP_HEADER_TIMEOUT), 1, 3600, 0),
	INT("HTTP_IDLE_TIMEOUT", http_idle_timeout, XS(HC_HTTP_IDLE_TIMEOUT),
	    1, 86400, 0),
	STR("HTTP_LISTEN", http_listen, HC_HTTP_LISTEN),
	INT("HTTP_MAX_CONNECTIONS", http_max_connections,
	    XS(HC_HTTP_MAX_CONNECTIONS), 1, 1000000, 0),
	INT("HTTP_MAX_CONNECTIONS_PER_CLIENT", http_max_connections_per_client,
	    XS(HC_HTTP_MAX_CONNECTIONS_PER_CLIENT), 1, 1000000, 0),
	INT("HTTP_OUTPUT_MAX", http_output_max, XS(HC_HTTP_OUTPUT_MAX), 16384,
	    (int64_t)1024 * 1024 * 1024, 0),
	INT("HTTP_REQUEST_TIMEOUT", http_request_timeout,
	    XS(HC_HTTP_REQUEST_TIMEOUT), 1, 86400, 0),
	INT("HTTP_SEND_TIMEOUT", http_send_timeout, XS(HC_HTTP_SEND_TIMEOUT),
	    1, 86400, 0),
	BOOL("INTEGRATIONS_ALLOW_PRIVATE_IPS", integrations_allow_private_ips,
	    "False"),
	STR("JOURNAL_DIR", journal_dir, HC_JOURNAL_DIR),
	INT("JOURNAL_MAX", journal_max, XS(HC_JOURNAL_MAX), 512 * 1024,
	    (int64_t)1024 * 1024 * 1024 * 1024, 0),
	STR("MASTER_BADGE_LABEL", master_badge_label, NULL),
	SECRET("MATRIX_ACCESS_TOKEN", matrix_access_token, NULL),
	STR("MATRIX_HOMESERVER", matrix_homeserver, NULL),
	STR("MATRIX_USER_ID", matrix_user_id, NULL),
	BOOL("MATTERMOST_ENABLED", mattermost_enabled, "True"),
	INT("MAX_CHECKS", max_checks, XS(HC_MAX_CHECKS), 16, 10000000, 0),
	SECRET("METRICS_KEY", metrics_key, NULL),
	BOOL("MSTEAMS_ENABLED", msteams_enabled, "True"),
	STR("NODE_NAME", node_name, NULL),
	INT("NODE_TIMEOUT", node_timeout, XS(HC_NODE_TIMEOUT), 5, 86400, 0),
	STR("NOTIFY_CA_FILE", notify_ca_file, NULL),
	STR("NOTIFY_CONNECT_TO", notify_connect_to, NULL),
	INT("NOTIFY_MAX_PARALLEL", notify_max_parallel,
	    XS(HC_NOTIFY_MAX_PARALLEL), 1, 10000, 0),
	INT("NOTIFY_RETRY_WINDOW", notify_retry_window,
	    XS(HC_NOTIFY_RETRY_WINDOW), 0, 7 * 86400, 0),
	SECRET("NTFY_SH_TOKEN", ntfy_sh_token, NULL),
	BOOL("OPSGENIE_ENABLED", opsgenie_enabled, "True"),
	BOOL("PAGERTREE_ENABLED", pagertree_enabled, "True"),
	STR("PD_APP_ID", pd_app_id, NULL),
	BOOL("PD_ENABLED", pd_enabled, "True"),
	INT("PING_BODY_LIMIT", ping_body_limit, XS(HC_PING_BODY_LIMIT), 0,
	    HC_PING_BODY_LIMIT_MAX, 1),
	STR("PING_EMAIL_DOMAIN", ping_email_domain, HC_PING_EMAIL_DOMAIN),
	STR("PING_ENDPOINT", ping_endpoint, NULL),
	BOOL("PROMETHEUS_ENABLED", prometheus_enabled, "True"),
	STR("PUSHBULLET_CLIENT_ID", pushbullet_client_id, NULL),
	SECRET("PUSHBULLET_CLIENT_SECRET", pushbullet_client_secret, NULL),
	SECRET("PUSHOVER_API_TOKEN", pushover_api_token, NULL),
	INT("PUSHOVER_EMERGENCY_EXPIRATION", pushover_emergency_expiration,
	    XS(HC_PUSHOVER_EMERGENCY_EXPIRATION), 0, 10800000, 1),
	INT("PUSHOVER_EMERGENCY_RETRY_DELAY", pushover_emergency_retry_delay,
	    XS(HC_PUSHOVER_EMERGENCY_RETRY_DELAY), 0, 10800000, 1),
	STR("PUSHOVER_SUBSCRIPTION_URL", pushover_subscription_url, NULL),
	BOOL("REGISTRATION_OPEN", registration_open, "True"),
	LATER("REMOTE_USER_HEADER"),
	INT("RING_SIZE", ring_size, XS(HC_RING_SIZE), 1024 * 1024,
	    (int64_t)16 * 1024 * 1024 * 1024, 0),
	BOOL("ROCKETCHAT_ENABLED", rocketchat_enabled, "True"),
	{ "SANDBOX", C_SANDBOX, O(sandbox), HC_SANDBOX, 0, 0, 0, 0 },
	SECRET("SECRET_KEY", secret_key, HC_SECRET_KEY),
	LATER("SECURE_PROXY_SSL_HEADER"),
	BOOL("SHELL_ENABLED", shell_enabled, "False"),
	STR("SIGNAL_CLI_SOCKET", signal_cli_socket, NULL),
	STR("SITE_LOGO_URL", site_logo_url, NULL),
	STR("SITE_NAME", site_name, HC_SITE_NAME),
	STR("SITE_ROOT", site_root, HC_SITE_ROOT),
	STR("SLACK_CLIENT_ID", slack_client_id, NULL),
	SECRET("SLACK_CLIENT_SECRET", slack_client_secret, NULL),
	BOOL("SLACK_ENABLED", slack_enabled, "True"),
	INT("SMTP_DATA_TIMEOUT", smtp_data_timeout, XS(HC_SMTP_DATA_TIMEOUT),
	    1, 86400, 0),
	STR("SMTP_LISTEN", smtp_listen, NULL),
	INT("SMTP_MAX_CONNECTIONS", smtp_max_connections,
	    XS(HC_SMTP_MAX_CONNECTIONS), 1, 100000, 0),
	INT("SMTP_MAX_CONNECTIONS_PER_CLIENT", smtp_max_connections_per_client,
	    XS(HC_SMTP_MAX_CONNECTIONS_PER_CLIENT), 1, 100000, 0),
	INT("SMTP_MAX_LINE", smtp_max_line, XS(HC_SMTP_MAX_LINE), 1000,
	    1048576, 0),
	INT("SMTP_MAX_RECIPIENTS", smtp_max_recipients,
	    XS(HC_SMTP_MAX_RECIPIENTS), 1, 10000, 0),
	INT("SMTP_MAX_SIZE", smtp_max_size, XS(HC_SMTP_MAX_SIZE), 1024,
	    HC_SMTP_MAX_SIZE_MAX, 0),
	INT("SMTP_TIMEOUT", smtp_timeout, XS(HC_SMTP_TIMEOUT), 1, 86400, 0),
	STR("SMTP_TLS_CERT", smtp_tls_cert, NULL),
	STR("SMTP_TLS_KEY", smtp_tls_key, NULL),
	BOOL("SPIKE_ENABLED", spike_enabled, "True"),
	LATER("SUPPORT_EMAIL"),
	STR("TELEGRAM_BOT_NAME", telegram_bot_name, HC_TELEGRAM_BOT_NAME),
	SECRET("TELEGRAM_TOKEN", telegram_token, NULL),
	SECRET("TRELLO_APP_KEY", trello_app_key, NULL),
	STR("TWILIO_ACCOUNT", twilio_account, NULL),
	SECRET("TWILIO_AUTH", twilio_auth, NULL),
	STR("TWILIO_FROM", twilio_from, NULL),
	STR("TWILIO_MESSAGING_SERVICE_SID", twilio_messaging_service_sid, NULL),
	BOOL("TWILIO_USE_WHATSAPP", twilio_use_whatsapp, "False"),
	STR("USER", user, HC_USER),
	BOOL("USE_PAYMENTS", use_payments, "False"),
	BOOL("VICTOROPS_ENABLED", victorops_enabled, "True"),
	BOOL("WEBHOOKS_ENABLED", webhooks_enabled, "True"),
	STR("WHATSAPP_DOWN_CONTENT_SID", whatsapp_down_content_sid, NULL),
	STR("WHATSAPP_UP_CONTENT_SID", whatsapp_up_content_sid, NULL),
	INT("WORKERS", workers, "0", 0, HC_MAX_PRODUCERS - 1, 0),
	BOOL("ZULIP_ENABLED", zulip_enabled, "True"),
};
#define NKEYS	(sizeof(conf_keys) / sizeof(conf_keys[0]))


/* The i-th key, NULL past the end. */
static const struct ckey *
conf_key_at(size_t i)
{
	return i < NKEYS ? &conf_keys[i] : NULL;
}

static const struct ckey *
conf_search(const struct ckey *tab, size_t n, const char *name)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t	mid = (lo + hi) / 2;
		int	c = strcmp(name, tab[mid].k_name);

		if (c == 0)
			return &tab[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static const struct ckey *
conf_find(const char *name)
{
	return conf_search(conf_keys, NKEYS, name);
}

int
conf_keys_sorted(void)
{
	size_t i;

	for (i = 1; i < NKEYS; i++)
		if (strcmp(conf_keys[i - 1].k_name, conf_keys[i].k_name) >= 0)
			return 0;
	return 1;
}

static int
conf_set(struct conf *cf, const struct ckey *k, const char *val,
    const char **errstr)
{
	char		*base = (char *)cf;
	const char	*e;
	int64_t		 v;

	*errstr = NULL;
	if (k->k_off == NOSTORE)
		return 0;
	switch (k->k_type) {
	case C_STR: {
		char **p = (char **)(base + k->k_off);

		free(*p);
		*p = xstrdup(val);
		return 0;
	}
	case C_BOOL:
		/* Healthchecks: only True, False or empty. */
		if (strcmp(val, "True") == 0)
			*(int *)(base + k->k_off) = 1;
		else if (strcmp(val, "False") == 0 || *val == '\0')
			*(int *)(base + k->k_off) = 0;
		else {
			*errstr = "must be True or False";
			return -1;
		}
		return 0;
	case C_INT:
		if (k->k_none && (strcmp(val, "None") == 0 || *val == '\0')) {
			*(int64_t *)(base + k->k_off) = -1;
			return 0;
		}
		v = hc_strtonum(val, k->k_min, k->k_max, &e);
		if (e != NULL) {
			*errstr = e;
			return -1;
		}
		*(int64_t *)(base + k->k_off) = v;
		return 0;
	case C_ACK:
		if (strcmp(val, "durable") == 0)
			cf->ack_mode = ACK_DURABLE;
		else if (strcmp(val, "committed") == 0)
			cf->ack_mode = ACK_COMMITTED;
		else if (strcmp(val, "fast") == 0)
			cf->ack_mode = ACK_FAST;
		else {
			*errstr = "must be durable, committed or fast";
			return -1;
		}
		return 0;
	case C_SANDBOX:
		if (strcmp(val, "on") == 0)
			cf->sandbox = SANDBOX_ON;
		else if (strcmp(val, "log") == 0)
			cf->sandbox = SANDBOX_LOG;
		else if (strcmp(val, "off") == 0)
			cf->sandbox = SANDBOX_OFF;
		else {
			*errstr = "must be on, log or off";
			return -1;
		}
		return 0;
	}
	return -1;
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Reads a secret from the file named by KEY_FILE; strips one newline. */
static int
conf_readfile(const char *path, char **out)
{
	FILE	*f;
	char	 line[4096];
	size_t	 n;

	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(line, 1, sizeof(line) - 1, f);
	fclose(f);
	line[n] = '\0';
	if (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	*out = xstrdup(line);
	return 0;
}

/*
 * Does a DATABASE_URL (a libpq conninfo: "key=value ..." or a
 * postgresql:// URI) carry a password?  One that libpq cannot parse
 * counts as a secret if it mentions one, to be safe.
 */
static int
conninfo_has_password(const char *ci)
{
	PQconninfoOption	*opts, *o;
	int			 has = 0;

	if (*ci == '\0')
		return 0;
	if ((opts = PQconninfoParse(ci, NULL)) == NULL)
		return strstr(ci, "password") != NULL || strchr(ci, '@') != NULL;
	for (o = opts; o->keyword != NULL; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val != NULL &&
		    *o->val != '\0')
			has = 1;
	PQconninfoFree(opts);
	return has;
}

/*
 * The secrecy rule: a file that holds a secret (a key of the table
 * marked secret, or a DATABASE_URL with a password) must not be
 * readable or writable by its group or others, as OpenBSD daemons
 * check theirs.  HCD_ALLOW_INSECURE_CONF=1 in the environment lets it
 * through (cf->c_insecure is set, for the caller to warn).  The mode
 * is that of the open file, so a rename cannot slip another one in.
 */
static int
conf_secrecy(FILE *f, const char *path, const char *key, int lineno,
    struct conf *cf, char *err, size_t errsz)
{
	struct stat	 st;
	const char	*ok;

	if (key == NULL)
		return 0;
	if (fstat(fileno(f), &st) == -1) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) == 0)
		return 0;
	if ((ok = getenv("HCD_ALLOW_INSECURE_CONF")) != NULL &&
	    strcmp(ok, "1") == 0) {
		cf->c_insecure = 1;
		return 0;
	}
	snprintf(err, errsz, "%s: mode %04o lets its group or others read "
	    "or write it, and it holds a secret (%s, line %d): run chmod 600 "
	    "%s (or set HCD_ALLOW_INSECURE_CONF=1 to accept it)", path,
	    (unsigned)(st.st_mode & 07777), key, lineno, path);
	return -1;
}

static int
conf_file(const char *path, struct conf *cf, char *err, size_t errsz)
{
	FILE		*f;
	char		*line = NULL, *p, *key, *val;
	size_t		 cap = 0;
	ssize_t		 n;
	int		 lineno = 0, rv = 0, secret_line = 0;
	const struct ckey *k;
	const char	*e, *secret = NULL;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = getline(&line, &cap, f)) != -1) {
		lineno++;
		p = trim(line);
		if (*p == '\0' || *p == '#')
			continue;
		if ((val = strchr(p, '=')) == NULL) {
			snprintf(err, errsz, "%s:%d: expected KEY = value", path,
			    lineno);
			rv = -1;
			break;
		}
		*val++ = '\0';
		key = trim(p);
		val = trim(val);
		/* Allow "quoted values" for strings with spaces at the ends. */
		if (strlen(val) >= 2 && val[0] == '"' &&
		    val[strlen(val) - 1] == '"') {
			val[strlen(val) - 1] = '\0';
			val++;
		}
		if ((k = conf_find(key)) == NULL) {
			snprintf(err, errsz, "%s:%d: %s: unknown key", path,
			    lineno, key);
			rv = -1;
			break;
		}
		if (conf_set(cf, k, val, &e) == -1) {
			snprintf(err, errsz, "%s:%d: %s: %s: %s", path, lineno,
			    key, val, e);
			rv = -1;
			break;
		}
		if (secret == NULL && *val != '\0' && (k->k_secret ||
		    (strcmp(k->k_name, "DATABASE_URL") == 0 &&
		    conninfo_has_password(val)))) {
			secret = k->k_name;
			secret_line = lineno;
		}
	}
	if (rv == 0)
		rv = conf_secrecy(f, path, secret, secret_line, cf, err, errsz);
	free(line);
	fclose(f);
	return rv;
}

static int
conf_load_all(const char *path, int optional, struct conf *cf, char *err,
    size_t errsz)
{
	const struct ckey *k;
	const char	*e, *val;
	char		 fname[128], *sval;
	size_t		 i;

	memset(cf, 0, sizeof(*cf));
	for (i = 0; (k = conf_key_at(i)) != NULL; i++) {
		if (conf_set(cf, k, k->k_def ? k->k_def : "", &e) == -1) {
			snprintf(err, errsz, "default of %s: %s", k->k_name, e);
			return -1;
		}
	}
	if (path != NULL) {
		if (optional && access(path, F_OK) == -1)
			path = NULL;
		else if (conf_file(path, cf, err, errsz) == -1)
			return -1;
		if (path != NULL)
			cf->c_path = xstrdup(path);
	}
	for (i = 0; (k = conf_key_at(i)) != NULL; i++) {
		if (strcmp(k->k_name, "USER") == 0)
			val = getenv("HCD_USER");
		else
			val = getenv(k->k_name);
		if (val != NULL && conf_set(cf, k, val, &e) == -1) {
			snprintf(err, errsz, "environment: %s: %s: %s",
			    k->k_name, val, e);
			return -1;
		}
		if (k->k_secret) {
			snprintf(fname, sizeof(fname), "%s_FILE", k->k_name);
			if ((val = getenv(fname)) == NULL)
				continue;
			if (conf_readfile(val, &sval) == -1) {
				snprintf(err, errsz, "environment: %s: %s: %s",
				    fname, val, strerror(errno));
				return -1;
			}
			conf_set(cf, k, sval, &e);
			free(sval);
		}
	}

	/* Derived values and checks across keys. */
	if (strcmp(cf->db, "postgres") != 0) {
		snprintf(err, errsz, "DB: %s: only postgres is supported", cf->db);
		return -1;
	}
	i = strlen(cf->site_root);
	while (i > 0 && cf->site_root[i - 1] == '/')
		cf->site_root[--i] = '\0';
	if (strncmp(cf->site_root, "http://", 7) != 0 &&
	    strncmp(cf->site_root, "https://", 8) != 0) {
		snprintf(err, errsz, "SITE_ROOT: %s: must start with http:// "
		    "or https://", cf->site_root);
		return -1;
	}
	if (*cf->ping_endpoint == '\0') {
		free(cf->ping_endpoint);
		cf->ping_endpoint = xasprintf("%s/ping/", cf->site_root);
	} else if (cf->ping_endpoint[strlen(cf->ping_endpoint) - 1] != '/') {
		sval = xasprintf("%s/", cf->ping_endpoint);
		free(cf->ping_endpoint);
		cf->ping_endpoint = sval;
	}
	if (*cf->master_badge_label == '\0') {
		free(cf->master_badge_label);
		cf->master_badge_label = xstrdup(cf->site_name);
	}
	if (strchr(cf->http_listen, ':') == NULL) {
		snprintf(err, errsz, "HTTP_LISTEN: %s: expected host:port",
		    cf->http_listen);
		return -1;
	}
	if (*cf->smtp_listen != '\0' && strchr(cf->smtp_listen, ':') == NULL) {
		snprintf(err, errsz, "SMTP_LISTEN: %s: expected host:port",
		    cf->smtp_listen);
		return -1;
	}
	if ((*cf->smtp_tls_cert == '\0') != (*cf->smtp_tls_key == '\0')) {
		snprintf(err, errsz, "SMTP_TLS_CERT and SMTP_TLS_KEY: set both "
		    "for STARTTLS, or neither");
		return -1;
	}
	if (*cf->node_name == '\0') {
		char host[256];

		if (gethostname(host, sizeof(host)) == -1)
			hc_strlcpy(host, "localhost", sizeof(host));
		host[sizeof(host) - 1] = '\0';
		free(cf->node_name);
		/* Two instances on one machine differ by their address. */
		cf->node_name = xasprintf("%s:%s", host, cf->http_listen);
	}
	return 0;
}

/* On failure nothing stays allocated (conf_free after it is harmless). */
int
conf_load(const char *path, int optional, struct conf *cf, char *err,
    size_t errsz)
{
	if (conf_load_all(path, optional, cf, err, errsz) == 0)
		return 0;
	conf_free(cf);
	return -1;
}

void
conf_free(struct conf *cf)
{
	size_t i;

	for (i = 0; conf_key_at(i) != NULL; i++) {
		const struct ckey *k = conf_key_at(i);

		if (k->k_off != NOSTORE && k->k_type == C_STR) {
			char **p = (char **)((char *)cf + k->k_off);

			if (k->k_secret && *p != NULL)
				explicit_bzero(*p, strlen(*p));
			free(*p);
			*p = NULL;
		}
	}
	free(cf->c_path);
	cf->c_path = NULL;
}

void
conf_dump(const struct conf *cf, struct buf *b)
{
	const char	*base = (const char *)cf;
	size_t		 i;

	for (i = 0; i < NKEYS; i++) {
		const struct ckey *k = &conf_keys[i];

		if (k->k_off == NOSTORE)
			continue;
		buf_printf(b, "%s = ", k->k_name);
		switch (k->k_type) {
		case C_STR: {
			const char *s = *(char *const *)(base + k->k_off);

			if (k->k_secret && *s)
				buf_addstr(b, k->k_def && strcmp(s, k->k_def) == 0 ?
				    "(the default)" : "(set)");
			else
				buf_addstr(b, s);
			break;
		}
		case C_BOOL:
			buf_addstr(b, *(const int *)(base + k->k_off) ?
			    "True" : "False");
			break;
		case C_INT: {
			int64_t v = *(const int64_t *)(base + k->k_off);

			if (k->k_none && v == -1)
				buf_addstr(b, "None");
			else
				buf_printf(b, "%lld", (long long)v);
			break;
		}
		case C_ACK:
			buf_addstr(b, conf_ack_name(cf->ack_mode));
			break;
		case C_SANDBOX:
			buf_addstr(b, cf->sandbox == SANDBOX_ON ? "on" :
			    cf->sandbox == SANDBOX_LOG ? "log" : "off");
			break;
		}
		buf_addc(b, '\n');
	}
}

static void
conninfo_add(struct buf *b, const char *key, const char *val)
{
	const char *p;

	if (val == NULL || *val == '\0')
		return;
	buf_printf(b, "%s%s='", b->b_len ? " " : "", key);
	for (p = val; *p; p++) {
		if (*p == '\'' || *p == '\\')
			buf_addc(b, '\\');
		buf_addc(b, *p);
	}
	buf_addc(b, '\'');
}

char *
conf_conninfo(const struct conf *cf)
{
	struct buf b;

	if (*cf->database_url != '\0')
		return xstrdup(cf->database_url);
	buf_init(&b);
	conninfo_add(&b, "host", cf->db_host);
	conninfo_add(&b, "port", cf->db_port);
	conninfo_add(&b, "dbname", cf->db_name);
	conninfo_add(&b, "user", cf->db_user);
	conninfo_add(&b, "password", cf->db_password);
	conninfo_add(&b, "sslmode", cf->db_sslmode);
	conninfo_add(&b, "target_session_attrs", cf->db_target_session_attrs);
	if (b.b_len == 0)
		buf_addstr(&b, "");
	return (char *)b.b_data;
}

size_t
conf_ping_body_max(const struct conf *cf)
{
	if (cf->ping_body_limit > HC_PING_UPLOAD_MAX)
		return (size_t)cf->ping_body_limit;
	return HC_PING_UPLOAD_MAX;
}

size_t
conf_ping_body_kept(const struct conf *cf)
{
	if (cf->ping_body_limit >= 0)
		return (size_t)cf->ping_body_limit;
	return conf_ping_body_max(cf);
}

const char *
conf_ack_name(enum ack_mode m)
{
	return m == ACK_FAST ? "fast" : m == ACK_COMMITTED ? "committed" :
	    "durable";
}

int
conf_journaled(const struct conf *cf)
{
	return cf->ack_mode != ACK_COMMITTED;
}

uint64_t
conf_ping_rec_max(const struct conf *cf)
{
	uint64_t http, mail = 0;

	http = pingrec_max(conf_ping_body_kept(cf), 0, 0);
	if (cf->smtp_listen != NULL && *cf->smtp_listen != '\0')
		mail = pingrec_max((uint64_t)cf->smtp_max_size,
		    HC_SMTP_SUBJECT_MAX, HC_SMTP_TEXT_MAX);
	return http > mail ? http : mail;
}

int
conf_workers(const struct conf *cf)
{
	long n;

	if (cf->workers > 0)
		return (int)cf->workers;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	if (n > HC_MAX_PRODUCERS - 2)
		n = HC_MAX_PRODUCERS - 2;
	return (int)n;
}
