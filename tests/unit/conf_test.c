/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Unit tests for common/conf.c, hcd.conf loading by the master and
 * hcctl: defaults, the file syntax, environment overrides (HCD_USER for
 * USER, KEY_FILE for secrets), booleans, bounded integers, "None",
 * ACK_MODE, SITE_ROOT and PING_ENDPOINT slashes, "file:line: KEY: ..."
 * errors, conf_dump with masked secrets, and conf_conninfo.
 *
 * Every test starts from an environment without any configuration key
 * (the group setup and each test's teardown unset them all).
 */

#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hcd.h"
#include "conf.h"

static char	**envkeys;	/* every key conf_dump lists */
static size_t	  nenvkeys;

/* Unset every configuration key, its _FILE form and HCD_USER. */
static void
env_clean(void)
{
	char	name[128];
	size_t	i;

	for (i = 0; i < nenvkeys; i++) {
		unsetenv(envkeys[i]);
		snprintf(name, sizeof(name), "%s_FILE", envkeys[i]);
		unsetenv(name);
	}
	unsetenv("HCD_USER");
}

static int
group_setup(void **state)
{
	struct conf	 cf;
	struct buf	 b;
	char		 err[256], *line, *save = NULL, *eq;

	/* Learn the key names from a dump of the defaults. */
	unsetenv("DEBUG");
	unsetenv("SITE_ROOT");
	if (conf_load(NULL, 0, &cf, err, sizeof(err)) == -1) {
		fprintf(stderr, "conf_load: %s\n", err);
		return -1;
	}
	buf_init(&b);
	conf_dump(&cf, &b);
	conf_free(&cf);
	for (line = strtok_r((char *)b.b_data, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if ((eq = strstr(line, " = ")) == NULL)
			return -1;
		envkeys = xreallocarray(envkeys, nenvkeys + 1,
		    sizeof(*envkeys));
		envkeys[nenvkeys++] = xstrndup(line, (size_t)(eq - line));
	}
	buf_clear(&b);
	env_clean();
	return nenvkeys > 20 ? 0 : -1;
}

static int
group_teardown(void **state)
{
	size_t i;

	for (i = 0; i < nenvkeys; i++)
		free(envkeys[i]);
	free(envkeys);
	return 0;
}

static int
teardown(void **state)
{
	env_clean();
	unsetenv("USER_FILE");
	unsetenv("SITE_NAME_FILE");
	return 0;
}

/* A temporary file with these contents; the caller unlinks it. */
static char *
tmpfile_with(const char *text)
{
	char	*path = xstrdup("/tmp/hcd-conf-test.XXXXXX");
	int	 fd;
	size_t	 n = strlen(text);

	if ((fd = mkstemp(path)) == -1)
		fail_msg("mkstemp");
	if (write(fd, text, n) != (ssize_t)n)
		fail_msg("write");
	close(fd);
	return path;
}

/* Load `text` as a file: returns conf_load's result, err filled. */
static int
load_text(const char *text, struct conf *cf, char *err, size_t errsz,
    char **pathp)
{
	char	*path = tmpfile_with(text);
	int	 rv;

	err[0] = '\0';
	rv = conf_load(path, 0, cf, err, errsz);
	if (pathp != NULL)
		*pathp = path;
	else {
		unlink(path);
		free(path);
	}
	return rv;
}

static void
test_sorted(void **state)
{
	assert_int_equal(conf_keys_sorted(), 1);
}

static void
test_defaults(void **state)
{
	struct conf	cf;
	char		err[256], host[256];

	assert_int_equal(conf_load(NULL, 0, &cf, err, sizeof(err)), 0);
	assert_null(cf.c_path);
	assert_string_equal(cf.site_root, HC_SITE_ROOT);
	assert_string_equal(cf.site_name, HC_SITE_NAME);
	assert_string_equal(cf.ping_endpoint, HC_SITE_ROOT "/ping/");
	assert_int_equal(cf.ping_body_limit, HC_PING_BODY_LIMIT);
	assert_string_equal(cf.ping_email_domain, HC_PING_EMAIL_DOMAIN);
	assert_string_equal(cf.secret_key, HC_SECRET_KEY);
	assert_int_equal(cf.debug, 0);
	assert_int_equal(cf.registration_open, 1);
	assert_string_equal(cf.allowed_hosts, "*");
	assert_string_equal(cf.master_badge_label, HC_SITE_NAME);
	assert_string_equal(cf.metrics_key, "");
	assert_int_equal(cf.prometheus_enabled, 1);
	assert_int_equal(cf.use_payments, 0);
	assert_string_equal(cf.default_from_email, "healthchecks@example.org");
	assert_string_equal(cf.email_host, "");
	assert_int_equal(cf.email_port, 587);
	assert_string_equal(cf.email_host_user, "");
	assert_string_equal(cf.email_host_password, "");
	assert_int_equal(cf.email_use_tls, 1);
	assert_int_equal(cf.email_use_ssl, 0);
	assert_int_equal(cf.email_use_verification, 1);
	assert_int_equal(cf.integrations_allow_private_ips, 0);
	assert_string_equal(cf.db, "postgres");
	assert_string_equal(cf.db_host, "");
	assert_string_equal(cf.db_port, "");
	assert_string_equal(cf.db_name, HC_DB_NAME);
	assert_string_equal(cf.db_user, HC_DB_USER);
	assert_string_equal(cf.db_password, "");
	assert_string_equal(cf.db_sslmode, HC_DB_SSLMODE);
	assert_string_equal(cf.db_target_session_attrs, "read-write");
	assert_string_equal(cf.database_url, "");
	assert_string_equal(cf.http_listen, HC_HTTP_LISTEN);
	assert_string_equal(cf.smtp_listen, "");
	assert_int_equal(cf.workers, 0);
	assert_string_equal(cf.user, HC_USER);
	assert_int_equal(cf.ack_mode, ACK_DURABLE);
	assert_int_equal(cf.ring_size, HC_RING_SIZE);
	assert_int_equal(cf.max_checks, HC_MAX_CHECKS);
	assert_string_equal(cf.control_socket, HC_CONTROL_SOCKET);
	/* NODE_NAME defaults to the host name and the listen address. */
	assert_int_equal(gethostname(host, sizeof(host)), 0);
	hc_strlcat(host, ":" HC_HTTP_LISTEN, sizeof(host));
	assert_string_equal(cf.node_name, host);
	conf_free(&cf);
	assert_null(cf.site_root);
	assert_null(cf.secret_key);
}

static void
test_file(void **state)
{
	struct conf	 cf;
	char		 err[256], *path;
	const char	*text =
	    "# hcd.conf\n"
	    "\n"
	    "   # indented comment\n"
	    "SITE_ROOT=https://hc.example.org/\n"
	    "  SITE_NAME   =   My   checks  \n"
	    "PING_BODY_LIMIT = None\n"
	    "DEBUG = True\n"
	    "REGISTRATION_OPEN = False\n"
	    "EMAIL_USE_TLS =\n"
	    "EMAIL_PORT = 465\n"
	    "ACK_MODE = fast\n"
	    "WORKERS = 63\n"
	    "RING_SIZE = 1048576\n"
	    "MAX_CHECKS = 16\n"
	    "DATABASE_URL = host=/run/postgresql dbname=hc\n"
	    "DEFAULT_FROM_EMAIL = \"  spaced@example.org \"\n"
	    "SMTP_LISTEN = 0.0.0.0:2525\n"
	    "NODE_NAME = node-1\n"
	    "ADMINS = root@example.org\n"	/* accepted, not used */
	    "REMOTE_USER_HEADER = whatever\n"
	    "SECRET_KEY = abc\r\n"
	    "USER = _hcd\n"
	    "EMPTY_LAST_LINE_FOLLOWS = ignored?\n";

	/* The last line is an unknown key: the error names its line. */
	assert_int_equal(load_text(text, &cf, err, sizeof(err), &path), -1);
	{
		char want[512];

		snprintf(want, sizeof(want), "%s:23: EMPTY_LAST_LINE_FOLLOWS: "
		    "unknown key", path);
		assert_string_equal(err, want);
	}
	conf_free(&cf);
	unlink(path);
	free(path);

	/* Without it. */
	text = strndup(text, strstr(text, "EMPTY_LAST") - text);
	assert_int_equal(load_text(text, &cf, err, sizeof(err), &path), 0);
	assert_string_equal(cf.c_path, path);
	assert_string_equal(cf.site_root, "https://hc.example.org");
	assert_string_equal(cf.ping_endpoint, "https://hc.example.org/ping/");
	assert_string_equal(cf.site_name, "My   checks");
	assert_string_equal(cf.master_badge_label, "My   checks");
	assert_int_equal(cf.ping_body_limit, -1);
	assert_int_equal(cf.debug, 1);
	assert_int_equal(cf.registration_open, 0);
	assert_int_equal(cf.email_use_tls, 0);
	assert_int_equal(cf.email_port, 465);
	assert_int_equal(cf.ack_mode, ACK_FAST);
	assert_int_equal(cf.workers, 63);
	assert_int_equal(conf_workers(&cf), 63);
	assert_int_equal(cf.ring_size, 1048576);
	assert_int_equal(cf.max_checks, 16);
	assert_string_equal(cf.database_url, "host=/run/postgresql dbname=hc");
	assert_string_equal(cf.default_from_email, "  spaced@example.org ");
	assert_string_equal(cf.smtp_listen, "0.0.0.0:2525");
	assert_string_equal(cf.node_name, "node-1");
	assert_string_equal(cf.secret_key, "abc");
	assert_string_equal(cf.user, "_hcd");
	conf_free(&cf);
	unlink(path);
	free(path);
	free((char *)text);
}

static void
test_missing_file(void **state)
{
	struct conf	cf;
	char		err[256];

	assert_int_equal(conf_load("/nonexistent/hcd.conf", 1, &cf, err,
	    sizeof(err)), 0);
	assert_null(cf.c_path);
	assert_string_equal(cf.site_root, HC_SITE_ROOT);
	conf_free(&cf);
	assert_int_equal(conf_load("/nonexistent/hcd.conf", 0, &cf, err,
	    sizeof(err)), -1);
	assert_string_equal(err,
	    "/nonexistent/hcd.conf: No such file or directory");
	conf_free(&cf);
}

/* Bad lines: the error is "<path><suffix>". */
static const struct {
	const char	*text;
	const char	*err;
} bad_lines[] = {
	{ "FOO = 1\n", ":1: FOO: unknown key" },
	{ "site_root = http://x\n", ":1: site_root: unknown key" },
	{ "SECRET_KEY_FILE = /x\n", ":1: SECRET_KEY_FILE: unknown key" },
	{ "HCD_USER = x\n", ":1: HCD_USER: unknown key" },
	{ "\n# c\nSITE_ROOT\n", ":3: expected KEY = value" },
	{ "DEBUG = yes\n", ":1: DEBUG: yes: must be True or False" },
	{ "DEBUG = true\n", ":1: DEBUG: true: must be True or False" },
	{ "DEBUG = 1\n", ":1: DEBUG: 1: must be True or False" },
	{ "DEBUG=False\nUSE_PAYMENTS = TRUE\n",
	    ":2: USE_PAYMENTS: TRUE: must be True or False" },
	{ "EMAIL_PORT = 0\n", ":1: EMAIL_PORT: 0: too small" },
	{ "EMAIL_PORT = 65536\n", ":1: EMAIL_PORT: 65536: too large" },
	{ "EMAIL_PORT = abc\n", ":1: EMAIL_PORT: abc: invalid" },
	{ "EMAIL_PORT = 25x\n", ":1: EMAIL_PORT: 25x: invalid" },
	{ "EMAIL_PORT = None\n", ":1: EMAIL_PORT: None: invalid" },
	{ "EMAIL_PORT =\n", ":1: EMAIL_PORT: : invalid" },
	{ "WORKERS = 64\n", ":1: WORKERS: 64: too large" },
	{ "WORKERS = -1\n", ":1: WORKERS: -1: too small" },
	{ "PING_BODY_LIMIT = -1\n", ":1: PING_BODY_LIMIT: -1: too small" },
	{ "PING_BODY_LIMIT = 104857601\n",
	    ":1: PING_BODY_LIMIT: 104857601: too large" },
	{ "PING_BODY_LIMIT = none\n", ":1: PING_BODY_LIMIT: none: invalid" },
	{ "RING_SIZE = 1000\n", ":1: RING_SIZE: 1000: too small" },
	{ "MAX_CHECKS = 99999999999999999999\n",
	    ":1: MAX_CHECKS: 99999999999999999999: too large" },
	{ "ACK_MODE = sync\n", ":1: ACK_MODE: sync: must be durable, committed or fast" },
	{ "ACK_MODE = Fast\n", ":1: ACK_MODE: Fast: must be durable, committed or fast" },
	{ "SMTP_MAX_SIZE = 1000\n", ":1: SMTP_MAX_SIZE: 1000: too small" },
	{ "SMTP_MAX_SIZE = 67108865\n",
	    ":1: SMTP_MAX_SIZE: 67108865: too large" },
	{ "SMTP_MAX_LINE = 999\n", ":1: SMTP_MAX_LINE: 999: too small" },
	{ "SMTP_MAX_RECIPIENTS = 0\n", ":1: SMTP_MAX_RECIPIENTS: 0: too small" },
	{ "SMTP_TIMEOUT = 0\n", ":1: SMTP_TIMEOUT: 0: too small" },
	{ "SMTP_MAX_CONNECTIONS_PER_CLIENT = x\n",
	    ":1: SMTP_MAX_CONNECTIONS_PER_CLIENT: x: invalid" },
};

/* Errors found after the file is read carry no line. */
static const struct {
	const char	*text;
	const char	*err;
} bad_values[] = {
	{ "DB = mysql\n", "DB: mysql: only postgres is supported" },
	{ "SITE_ROOT = ftp://x\n",
	    "SITE_ROOT: ftp://x: must start with http:// or https://" },
	{ "SITE_ROOT = example.org\n",
	    "SITE_ROOT: example.org: must start with http:// or https://" },
	{ "HTTP_LISTEN = 8000\n", "HTTP_LISTEN: 8000: expected host:port" },
	{ "SMTP_LISTEN = 25\n", "SMTP_LISTEN: 25: expected host:port" },
	{ "SMTP_TLS_CERT = /etc/ssl/x.pem\n",
	    "SMTP_TLS_CERT and SMTP_TLS_KEY: set both for STARTTLS, or neither" },
	{ "SMTP_TLS_KEY = /etc/ssl/x.key\n",
	    "SMTP_TLS_CERT and SMTP_TLS_KEY: set both for STARTTLS, or neither" },
};

static void
test_errors(void **state)
{
	struct conf	 cf;
	char		 err[512], want[512], *path;
	size_t		 i;

	for (i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++) {
		if (load_text(bad_lines[i].text, &cf, err, sizeof(err),
		    &path) != -1)
			fail_msg("accepted: %s", bad_lines[i].text);
		snprintf(want, sizeof(want), "%s%s", path, bad_lines[i].err);
		if (strcmp(err, want) != 0)
			fail_msg("%s: got \"%s\", expected \"%s\"",
			    bad_lines[i].text, err, want);
		conf_free(&cf);
		unlink(path);
		free(path);
	}
	for (i = 0; i < sizeof(bad_values) / sizeof(bad_values[0]); i++) {
		if (load_text(bad_values[i].text, &cf, err, sizeof(err),
		    NULL) != -1)
			fail_msg("accepted: %s", bad_values[i].text);
		if (strcmp(err, bad_values[i].err) != 0)
			fail_msg("%s: got \"%s\", expected \"%s\"",
			    bad_values[i].text, err, bad_values[i].err);
		conf_free(&cf);
	}
}

static void
test_values(void **state)
{
	struct conf	 cf;
	char		 err[256];

	/* PING_BODY_LIMIT: None or empty is unlimited, 0 is 0. */
	assert_int_equal(load_text("PING_BODY_LIMIT =\n", &cf, err,
	    sizeof(err), NULL), 0);
	assert_int_equal(cf.ping_body_limit, -1);
	conf_free(&cf);
	assert_int_equal(load_text("PING_BODY_LIMIT = 0\n", &cf, err,
	    sizeof(err), NULL), 0);
	assert_int_equal(cf.ping_body_limit, 0);
	conf_free(&cf);
	assert_int_equal(load_text("PING_BODY_LIMIT = 1048576\n", &cf, err,
	    sizeof(err), NULL), 0);
	assert_int_equal(cf.ping_body_limit, 1048576);
	conf_free(&cf);
	/* above HC_HTTP_MAX_BODY, up to HC_PING_BODY_LIMIT_MAX (100 MiB) */
	assert_int_equal(load_text("PING_BODY_LIMIT = 1048577\n", &cf, err,
	    sizeof(err), NULL), 0);
	assert_int_equal(cf.ping_body_limit, 1048577);
	conf_free(&cf);
	assert_int_equal(load_text("PING_BODY_LIMIT = 104857600\n", &cf, err,
	    sizeof(err), NULL), 0);
	assert_int_equal(cf.ping_body_limit, HC_PING_BODY_LIMIT_MAX);
	conf_free(&cf);
	/* Booleans: empty is False; quoted is fine. */
	assert_int_equal(load_text("PROMETHEUS_ENABLED =\n"
	    "DEBUG = \"True\"\n", &cf, err, sizeof(err), NULL), 0);
	assert_int_equal(cf.prometheus_enabled, 0);
	assert_int_equal(cf.debug, 1);
	conf_free(&cf);
	/* Later lines win. */
	assert_int_equal(load_text("ACK_MODE = fast\nACK_MODE = durable\n",
	    &cf, err, sizeof(err), NULL), 0);
	assert_int_equal(cf.ack_mode, ACK_DURABLE);
	assert_int_equal(conf_journaled(&cf), 1);
	assert_string_equal(cf.journal_dir, HC_JOURNAL_DIR);
	assert_int_equal(cf.journal_max, HC_JOURNAL_MAX);
	assert_int_equal(cf.node_timeout, HC_NODE_TIMEOUT);
	conf_free(&cf);
	assert_int_equal(load_text("ACK_MODE = committed\nJOURNAL_MAX = 524288\n"
	    "NODE_TIMEOUT = 5\n", &cf, err, sizeof(err), NULL), 0);
	assert_int_equal(cf.ack_mode, ACK_COMMITTED);
	assert_string_equal(conf_ack_name(cf.ack_mode), "committed");
	assert_int_equal(conf_journaled(&cf), 0);
	assert_int_equal(cf.journal_max, 524288);
	assert_int_equal(cf.node_timeout, 5);
	conf_free(&cf);
	assert_int_equal(load_text("JOURNAL_MAX = 524287\n", &cf, err,
	    sizeof(err), NULL), -1);
	conf_free(&cf);
	/* Slashes. */
	assert_int_equal(load_text("SITE_ROOT = http://x.org/hc///\n", &cf,
	    err, sizeof(err), NULL), 0);
	assert_string_equal(cf.site_root, "http://x.org/hc");
	assert_string_equal(cf.ping_endpoint, "http://x.org/hc/ping/");
	conf_free(&cf);
	assert_int_equal(load_text("PING_ENDPOINT = https://ping.x.org\n", &cf,
	    err, sizeof(err), NULL), 0);
	assert_string_equal(cf.site_root, HC_SITE_ROOT);
	assert_string_equal(cf.ping_endpoint, "https://ping.x.org/");
	conf_free(&cf);
	assert_int_equal(load_text("PING_ENDPOINT = https://ping.x.org/p/\n"
	    "SITE_ROOT = https://a.org\n", &cf, err, sizeof(err), NULL), 0);
	assert_string_equal(cf.ping_endpoint, "https://ping.x.org/p/");
	conf_free(&cf);
	/* MASTER_BADGE_LABEL set explicitly stays. */
	assert_int_equal(load_text("SITE_NAME = A\nMASTER_BADGE_LABEL = B\n",
	    &cf, err, sizeof(err), NULL), 0);
	assert_string_equal(cf.master_badge_label, "B");
	conf_free(&cf);
	/* An empty file is all defaults. */
	assert_int_equal(load_text("", &cf, err, sizeof(err), NULL), 0);
	assert_string_equal(cf.site_root, HC_SITE_ROOT);
	conf_free(&cf);
	/* A last line without a newline. */
	assert_int_equal(load_text("SITE_NAME = Last", &cf, err, sizeof(err),
	    NULL), 0);
	assert_string_equal(cf.site_name, "Last");
	conf_free(&cf);
}

static void
test_environment(void **state)
{
	struct conf	 cf;
	char		 err[256], *olduser;

	/* The environment wins over the file. */
	setenv("SITE_NAME", "From env", 1);
	setenv("PING_BODY_LIMIT", "None", 1);
	setenv("DEBUG", "", 1);
	setenv("SITE_ROOT", "https://env.example.org/", 1);
	assert_int_equal(load_text("SITE_NAME = From file\nDEBUG = True\n"
	    "PING_BODY_LIMIT = 5\n", &cf, err, sizeof(err), NULL), 0);
	assert_string_equal(cf.site_name, "From env");
	assert_int_equal(cf.ping_body_limit, -1);
	assert_int_equal(cf.debug, 0);
	assert_string_equal(cf.site_root, "https://env.example.org");
	assert_string_equal(cf.ping_endpoint, "https://env.example.org/ping/");
	conf_free(&cf);
	/* Also without a file. */
	assert_int_equal(conf_load(NULL, 0, &cf, err, sizeof(err)), 0);
	assert_string_equal(cf.site_name, "From env");
	conf_free(&cf);
	env_clean();

	/* A bad value in the environment. */
	setenv("DEBUG", "yes", 1);
	assert_int_equal(conf_load(NULL, 0, &cf, err, sizeof(err)), -1);
	assert_string_equal(err, "environment: DEBUG: yes: must be True or "
	    "False");
	conf_free(&cf);
	env_clean();
	setenv("WORKERS", "1000", 1);
	assert_int_equal(conf_load(NULL, 0, &cf, err, sizeof(err)), -1);
	assert_string_equal(err, "environment: WORKERS: 1000: too large");
	conf_free(&cf);
	env_clean();

	/* USER from the environment is the login name: not used. */
	olduser = getenv("USER") ? xstrdup(getenv("USER")) : NULL;
	setenv("USER", "someone", 1);
	assert_int_equal(load_text("USER = fromfile\n", &cf, err, sizeof(err),
	    NULL), 0);
	assert_string_equal(cf.user, "fromfile");
	conf_free(&cf);
	assert_int_equal(conf_load(NULL, 0, &cf, err, sizeof(err)), 0);
	assert_string_equal(cf.user, HC_USER);
	conf_free(&cf);
	/* HCD_USER is. */
	setenv("HCD_USER", "nobody", 1);
	assert_int_equal(load_text("USER = fromfile\n", &cf, err, sizeof(err),
	    NULL), 0);
	assert_string_equal(cf.user, "nobody");
	conf_free(&cf);
	if (olduser != NULL) {
		setenv("USER", olduser, 1);
		free(olduser);
	} else
		unsetenv("USER");
}

static void
test_secret_files(void **state)
{
	struct conf	 cf;
	char		 err[256], *p1, *p2, *p3;

	p1 = tmpfile_with("s3cr3t\n");
	p2 = tmpfile_with("pw\n\n");		/* one newline stripped */
	p3 = tmpfile_with("no newline");
	setenv("SECRET_KEY_FILE", p1, 1);
	setenv("DB_PASSWORD_FILE", p2, 1);
	setenv("METRICS_KEY_FILE", p3, 1);
	setenv("SITE_NAME_FILE", p1, 1);	/* not a secret: ignored */
	assert_int_equal(conf_load(NULL, 0, &cf, err, sizeof(err)), 0);
	assert_string_equal(cf.secret_key, "s3cr3t");
	assert_string_equal(cf.db_password, "pw\n");
	assert_string_equal(cf.metrics_key, "no newline");
	assert_string_equal(cf.site_name, HC_SITE_NAME);
	conf_free(&cf);
	/* Also over a value in the file. */
	assert_int_equal(load_text("SECRET_KEY = fromfile\n", &cf, err,
	    sizeof(err), NULL), 0);
	assert_string_equal(cf.secret_key, "s3cr3t");
	conf_free(&cf);

	/* A _FILE that cannot be read is an error. */
	setenv("EMAIL_HOST_PASSWORD_FILE", "/nonexistent/pw", 1);
	assert_int_equal(conf_load(NULL, 0, &cf, err, sizeof(err)), -1);
	assert_string_equal(err, "environment: EMAIL_HOST_PASSWORD_FILE: "
	    "/nonexistent/pw: No such file or directory");
	conf_free(&cf);
	unlink(p1);
	unlink(p2);
	unlink(p3);
	free(p1);
	free(p2);
	free(p3);
}

/* The value of KEY in a dump, or NULL if the key is not listed. */
static const char *
dump_value(const char *dump, const char *key, char *out, size_t outsz)
{
	char		 pat[128];
	const char	*p, *e;

	snprintf(pat, sizeof(pat), "\n%s = ", key);
	if (strncmp(dump, pat + 1, strlen(pat + 1)) == 0)
		p = dump + strlen(pat + 1);
	else if ((p = strstr(dump, pat)) != NULL)
		p += strlen(pat);
	else
		return NULL;
	if ((e = strchr(p, '\n')) == NULL)
		fail_msg("dump line of %s without newline", key);
	snprintf(out, outsz, "%.*s", (int)(e - p), p);
	return out;
}

static void
test_dump(void **state)
{
	struct conf	 cf;
	struct buf	 b;
	char		 err[256], v[256], prev[128] = "", *line, *save;
	char		*copy;
	int		 n = 0;

	assert_int_equal(load_text("SECRET_KEY = topsecret\n"
	    "DB_PASSWORD = hunter2\nPING_BODY_LIMIT = None\nACK_MODE = fast\n"
	    "EMAIL_PORT = 2525\nADMINS = a@b\n", &cf, err, sizeof(err), NULL),
	    0);
	buf_init(&b);
	conf_dump(&cf, &b);
	conf_free(&cf);
	assert_non_null(b.b_data);
	assert_null(strstr((char *)b.b_data, "topsecret"));
	assert_null(strstr((char *)b.b_data, "hunter2"));
	assert_string_equal(dump_value((char *)b.b_data, "SECRET_KEY", v,
	    sizeof(v)), "(set)");
	assert_string_equal(dump_value((char *)b.b_data, "DB_PASSWORD", v,
	    sizeof(v)), "(set)");
	/* An empty secret shows empty. */
	assert_string_equal(dump_value((char *)b.b_data, "EMAIL_HOST_PASSWORD",
	    v, sizeof(v)), "");
	assert_string_equal(dump_value((char *)b.b_data, "METRICS_KEY", v,
	    sizeof(v)), "");
	assert_string_equal(dump_value((char *)b.b_data, "PING_BODY_LIMIT", v,
	    sizeof(v)), "None");
	assert_string_equal(dump_value((char *)b.b_data, "ACK_MODE", v,
	    sizeof(v)), "fast");
	assert_string_equal(dump_value((char *)b.b_data, "EMAIL_PORT", v,
	    sizeof(v)), "2525");
	assert_string_equal(dump_value((char *)b.b_data, "DEBUG", v,
	    sizeof(v)), "False");
	assert_string_equal(dump_value((char *)b.b_data, "EMAIL_USE_TLS", v,
	    sizeof(v)), "True");
	assert_string_equal(dump_value((char *)b.b_data, "SITE_ROOT", v,
	    sizeof(v)), HC_SITE_ROOT);
	assert_string_equal(dump_value((char *)b.b_data, "PING_ENDPOINT", v,
	    sizeof(v)), HC_SITE_ROOT "/ping/");
	assert_string_equal(dump_value((char *)b.b_data, "WORKERS", v,
	    sizeof(v)), "0");
	assert_string_equal(dump_value((char *)b.b_data, "USER", v,
	    sizeof(v)), HC_USER);
	/* Keys accepted but not used are not listed. */
	assert_null(dump_value((char *)b.b_data, "ADMINS", v, sizeof(v)));
	/* One "KEY = value" line per key, sorted. */
	assert_int_equal(b.b_data[b.b_len - 1], '\n');
	copy = xstrdup((char *)b.b_data);
	save = NULL;
	for (line = strtok_r(copy, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char *eq = strstr(line, " = ");

		assert_non_null(eq);
		*eq = '\0';
		assert_true(strcmp(prev, line) < 0);
		hc_strlcpy(prev, line, sizeof(prev));
		n++;
	}
	assert_int_equal((size_t)n, nenvkeys);
	free(copy);
	buf_clear(&b);
}

static void
test_conninfo(void **state)
{
	struct conf	 cf;
	char		 err[256], *ci;

	/* Defaults. */
	assert_int_equal(conf_load(NULL, 0, &cf, err, sizeof(err)), 0);
	ci = conf_conninfo(&cf);
	assert_string_equal(ci, "dbname='hc' user='postgres' sslmode='prefer' "
	    "target_session_attrs='read-write'");
	free(ci);
	conf_free(&cf);

	/* All of DB_*, with quoting. */
	assert_int_equal(load_text("DB_HOST = db.example.org\nDB_PORT = 5433\n"
	    "DB_NAME = my db\nDB_USER = o'brien\nDB_PASSWORD = a\\b'c d\n"
	    "DB_SSLMODE = require\nDB_TARGET_SESSION_ATTRS = any\n", &cf, err,
	    sizeof(err), NULL), 0);
	ci = conf_conninfo(&cf);
	assert_string_equal(ci, "host='db.example.org' port='5433' "
	    "dbname='my db' user='o\\'brien' password='a\\\\b\\'c d' "
	    "sslmode='require' target_session_attrs='any'");
	free(ci);
	conf_free(&cf);

	/* DATABASE_URL wins, verbatim. */
	assert_int_equal(load_text("DB_HOST = ignored\n"
	    "DATABASE_URL = postgresql://u:p@h:5/d?sslmode=disable\n", &cf,
	    err, sizeof(err), NULL), 0);
	ci = conf_conninfo(&cf);
	assert_string_equal(ci, "postgresql://u:p@h:5/d?sslmode=disable");
	free(ci);
	conf_free(&cf);

	/* Everything empty: an empty string, not NULL. */
	assert_int_equal(load_text("DB_NAME =\nDB_USER =\nDB_SSLMODE =\n"
	    "DB_TARGET_SESSION_ATTRS =\n", &cf, err, sizeof(err), NULL), 0);
	ci = conf_conninfo(&cf);
	assert_non_null(ci);
	assert_string_equal(ci, "");
	free(ci);
	conf_free(&cf);
}

static void
test_workers(void **state)
{
	struct conf	cf;
	char		err[256];
	int		n;

	assert_int_equal(conf_load(NULL, 0, &cf, err, sizeof(err)), 0);
	n = conf_workers(&cf);
	assert_true(n >= 1 && n <= HC_MAX_PRODUCERS - 2);
	assert_int_equal(n, sysconf(_SC_NPROCESSORS_ONLN) > HC_MAX_PRODUCERS - 2
	    ? HC_MAX_PRODUCERS - 2 : sysconf(_SC_NPROCESSORS_ONLN));
	conf_free(&cf);
	setenv("WORKERS", "3", 1);
	assert_int_equal(conf_load(NULL, 0, &cf, err, sizeof(err)), 0);
	assert_int_equal(conf_workers(&cf), 3);
	conf_free(&cf);
}

/* What a ping URL reads and what a ping keeps, by PING_BODY_LIMIT. */
static void
test_ping_body_max(void **state)
{
	static const struct {
		const char	*text;
		size_t		 max, kept;
	} t[] = {
		{ "", 2621440, 10000 },
		{ "PING_BODY_LIMIT = 0\n", 2621440, 0 },
		{ "PING_BODY_LIMIT = None\n", 2621440, 2621440 },
		{ "PING_BODY_LIMIT = 1048577\n", 2621440, 1048577 },
		{ "PING_BODY_LIMIT = 2621440\n", 2621440, 2621440 },
		{ "PING_BODY_LIMIT = 2621441\n", 2621441, 2621441 },
		{ "PING_BODY_LIMIT = 104857600\n", 104857600, 104857600 },
	};
	struct conf	cf;
	char		err[256];
	size_t		i;

	assert_int_equal(HC_PING_UPLOAD_MAX, 2621440);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(load_text(t[i].text, &cf, err, sizeof(err),
		    NULL), 0);
		if (conf_ping_body_max(&cf) != t[i].max ||
		    conf_ping_body_kept(&cf) != t[i].kept)
			fail_msg("%s: max %zu kept %zu, expected %zu %zu",
			    t[i].text, conf_ping_body_max(&cf),
			    conf_ping_body_kept(&cf), t[i].max, t[i].kept);
		assert_true(conf_ping_body_kept(&cf) <=
		    conf_ping_body_max(&cf));
		conf_free(&cf);
	}
}

/*
 * The secrecy rule: a file holding a secret is refused when its group
 * or others have any access to it, with file, mode and the fix named;
 * HCD_ALLOW_INSECURE_CONF=1 lets it through and says so in c_insecure.
 */
static void
test_secrecy(void **state)
{
	static const struct {
		const char	*text;
		unsigned	 mode;
		const char	*key;		/* NULL: accepted */
	} t[] = {
		{ "SECRET_KEY = abc\n", 0600, NULL },
		{ "SECRET_KEY = abc\n", 0400, NULL },
		{ "SECRET_KEY = abc\n", 0644, "SECRET_KEY" },
		{ "SECRET_KEY = abc\n", 0640, "SECRET_KEY" },
		{ "SECRET_KEY = abc\n", 0604, "SECRET_KEY" },
		{ "SECRET_KEY = abc\n", 0620, "SECRET_KEY" },
		{ "SITE_NAME = x\nDB_PASSWORD = pw\n", 0644, "DB_PASSWORD" },
		{ "EMAIL_HOST_PASSWORD = pw\n", 0666, "EMAIL_HOST_PASSWORD" },
		{ "METRICS_KEY = k\n", 0644, "METRICS_KEY" },
		{ "DATABASE_URL = host=/tmp dbname=x password=pw\n", 0644,
		    "DATABASE_URL" },
		{ "DATABASE_URL = postgresql://u:pw@db.example/hc\n", 0644,
		    "DATABASE_URL" },
		{ "DATABASE_URL = postgresql://db.example/hc?password=pw\n",
		    0644, "DATABASE_URL" },
		/* no secret in it: any mode will do */
		{ "SITE_NAME = x\n", 0644, NULL },
		{ "SECRET_KEY =\n", 0644, NULL },
		{ "DATABASE_URL = host=/tmp dbname=x user=u\n", 0644, NULL },
		{ "DATABASE_URL = postgresql://u@db.example/hc\n", 0666, NULL },
	};
	struct conf	cf;
	char		err[512], want[128], *path;
	size_t		i;
	int		rv;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		path = tmpfile_with(t[i].text);
		assert_int_equal(chmod(path, t[i].mode), 0);
		err[0] = '\0';
		rv = conf_load(path, 0, &cf, err, sizeof(err));
		if (t[i].key == NULL) {
			if (rv != 0)
				fail_msg("%s (%o): refused: %s", t[i].text,
				    t[i].mode, err);
			assert_int_equal(cf.c_insecure, 0);
			conf_free(&cf);
		} else {
			if (rv != -1)
				fail_msg("%s (%o): accepted", t[i].text,
				    t[i].mode);
			snprintf(want, sizeof(want), "mode %04o", t[i].mode);
			assert_non_null(strstr(err, path));
			assert_non_null(strstr(err, want));
			assert_non_null(strstr(err, t[i].key));
			snprintf(want, sizeof(want), "chmod 600 %s", path);
			assert_non_null(strstr(err, want));
			/* the override */
			setenv("HCD_ALLOW_INSECURE_CONF", "1", 1);
			assert_int_equal(conf_load(path, 0, &cf, err,
			    sizeof(err)), 0);
			assert_int_equal(cf.c_insecure, 1);
			conf_free(&cf);
			setenv("HCD_ALLOW_INSECURE_CONF", "0", 1);
			assert_int_equal(conf_load(path, 0, &cf, err,
			    sizeof(err)), -1);
			unsetenv("HCD_ALLOW_INSECURE_CONF");
		}
		unlink(path);
		free(path);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_sorted, teardown),
		cmocka_unit_test_teardown(test_defaults, teardown),
		cmocka_unit_test_teardown(test_file, teardown),
		cmocka_unit_test_teardown(test_missing_file, teardown),
		cmocka_unit_test_teardown(test_errors, teardown),
		cmocka_unit_test_teardown(test_values, teardown),
		cmocka_unit_test_teardown(test_environment, teardown),
		cmocka_unit_test_teardown(test_secret_files, teardown),
		cmocka_unit_test_teardown(test_dump, teardown),
		cmocka_unit_test_teardown(test_conninfo, teardown),
		cmocka_unit_test_teardown(test_workers, teardown),
		cmocka_unit_test_teardown(test_ping_body_max, teardown),
		cmocka_unit_test_teardown(test_secrecy, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
