/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The OpenBSD sandbox (sandbox.h): pledge(2) promises and unveil(2)
 * paths per role, with the intent of sandbox_seccomp.c's tables.  Not
 * built or tested on Linux; written from the manual pages and to be
 * checked on an OpenBSD host (STYLE.md 8).
 *
 *   worker   stdio rpath unix inet, dns too when the database is reached
 *            over TCP.  "inet" cannot be left out: accept(2) on the TCP
 *            listening socket needs it, and pledge does not tell accept
 *            from connect, so an OpenBSD worker could connect out (the
 *            seccomp profile can forbid it; hcd.8 says so).
 *   smtpd    stdio inet (its listening socket); no unix, no files
 *   alerter  stdio rpath wpath cpath flock unix inet dns: the database,
 *            notifications (the only role with outbound network) and
 *            its journal
 *
 * unveil: the time-zone files (cron checks), the resolver's files and
 * CA certificates where a role resolves or speaks TLS, the database's
 * socket directory where it is a path, and nothing else; then locked.
 * syslog goes through sendsyslog(2), which needs neither.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "conf.h"
#include "hcd.h"
#include "log.h"
#include "sandbox.h"
#include "sandbox_impl.h"

static int
pl_unveil(const char *path, const char *perm)
{
	if (unveil(path, perm) == -1 && errno != ENOENT) {
		log_warn("sandbox: unveil %s", path);
		return -1;
	}
	return 0;
}

/* The socket directories of the database's host list (libpq's rules). */
static int
pl_unveil_db(void)
{
	PQconninfoOption	*opts, *o;
	char			*ci, *h, *p, *save = NULL;
	int			 rc = 0, any = 0;

	if (sandbox_cfg.sc_conf == NULL)
		return 0;
	ci = conf_conninfo(sandbox_cfg.sc_conf);
	opts = PQconninfoParse(ci, NULL);
	free(ci);
	if (opts == NULL)
		return 0;
	for (o = opts; o->keyword != NULL; o++) {
		if (strcmp(o->keyword, "host") != 0 || o->val == NULL)
			continue;
		h = xstrdup(o->val);
		for (p = strtok_r(h, ",", &save); p != NULL;
		    p = strtok_r(NULL, ",", &save))
			if (*p == '/') {
				rc |= pl_unveil(p, "rw");
				any = 1;
			}
		free(h);
	}
	PQconninfoFree(opts);
	if (!any && getenv("PGHOST") == NULL)
		rc |= pl_unveil("/tmp", "rw");	/* libpq's default on OpenBSD */
	return rc ? -1 : 0;
}

static int
pl_unveil_resolver(void)
{
	int rc = 0;

	rc |= pl_unveil("/etc/hosts", "r");
	rc |= pl_unveil("/etc/resolv.conf", "r");
	rc |= pl_unveil("/etc/services", "r");
	return rc;
}

int
sandbox_enter(enum proc_role role)
{
	const char	*promises;
	char		 buf[128];
	int		 rc = 0;

	if (sandbox_cfg.sc_mode == SANDBOX_OFF)
		return 0;
	switch (role) {
	case PROC_WORKER:
		promises = sandbox_cfg.sc_db_inet ?
		    "stdio rpath unix inet dns" : "stdio rpath unix inet";
		rc |= pl_unveil("/usr/share/zoneinfo", "r");
		rc |= pl_unveil_db();
		if (sandbox_cfg.sc_db_inet)
			rc |= pl_unveil_resolver();
		break;
	case PROC_SMTPD:
		promises = "stdio inet";
		break;
	case PROC_ALERTER:
		promises = "stdio rpath wpath cpath flock unix inet dns";
		rc |= pl_unveil("/usr/share/zoneinfo", "r");
		rc |= pl_unveil("/etc/ssl", "r");
		rc |= pl_unveil_db();
		rc |= pl_unveil_resolver();
		/* The journal (ACK_MODE durable, fast). */
		if (conf_journaled(sandbox_cfg.sc_conf))
			rc |= pl_unveil(sandbox_cfg.sc_conf->journal_dir,
			    "rwc");
		break;
	case PROC_NOTIFIER:
		promises = "stdio rpath unix inet dns";
		rc |= pl_unveil("/etc/ssl", "r");
		rc |= pl_unveil_db();
		rc |= pl_unveil_resolver();
		break;
	default:
		log_warnx("sandbox: no profile for %s", sandbox_role(role));
		return -1;
	}
	if (rc != 0 || unveil(NULL, NULL) == -1) {
		log_warn("sandbox: unveil");
		return -1;
	}
	/* "error": a call outside the promises fails with ENOSYS and is
	 * logged by the kernel, instead of killing the process. */
	snprintf(buf, sizeof(buf), "%s%s", promises,
	    sandbox_cfg.sc_mode == SANDBOX_LOG ? " error" : "");
	if (pledge(buf, NULL) == -1) {
		log_warn("sandbox: pledge \"%s\"", buf);
		return -1;
	}
	return 0;
}

const char *
sandbox_name(void)
{
	switch (sandbox_cfg.sc_mode) {
	case SANDBOX_LOG:
		return "pledge (log)";
	case SANDBOX_OFF:
		return "pledge (off)";
	default:
		return "pledge";
	}
}
