/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * What the sandbox mechanisms share (sandbox.h): the mode, and how the
 * workers reach the database, which decides whether their profile
 * allows IPv4 and IPv6 sockets at all.  Run by the master (to log the
 * choice) and by each child before it enters its sandbox.
 */
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "conf.h"
#include "hcd.h"
#include "sandbox.h"
#include "sandbox_impl.h"

struct sandbox_cfg	sandbox_cfg = { NULL, SANDBOX_ON, 1 };

/* A host of a libpq host list that is a socket directory (or abstract). */
static int
host_is_socket(const char *h, size_t len)
{
	return len == 0 || h[0] == '/' || h[0] == '@';
}

/*
 * libpq's rules: hostaddr means TCP; host is a comma-separated list,
 * each a name or address (TCP) or a socket directory; none at all means
 * PGHOST, then the default socket directory.  A service file could name
 * anything, so a service counts as TCP.
 */
int
sandbox_db_inet(const struct conf *cf)
{
	PQconninfoOption	*opts, *o;
	const char		*host = NULL, *p, *e;
	char			*ci;
	int			 inet = 0;

	ci = conf_conninfo(cf);
	opts = PQconninfoParse(ci, NULL);
	free(ci);
	if (opts == NULL)
		return 1;		/* libpq will refuse it anyway */
	for (o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL || *o->val == '\0')
			continue;
		if (strcmp(o->keyword, "hostaddr") == 0 ||
		    strcmp(o->keyword, "service") == 0)
			inet = 1;
		else if (strcmp(o->keyword, "host") == 0)
			host = o->val;
	}
	if (host == NULL) {
		if (getenv("PGHOSTADDR") != NULL || getenv("PGSERVICE") != NULL)
			inet = 1;
		host = getenv("PGHOST");
	}
	for (p = host; !inet && p != NULL && *p != '\0'; p = *e ? e + 1 : e) {
		if ((e = strchr(p, ',')) == NULL)
			e = p + strlen(p);
		if (!host_is_socket(p, (size_t)(e - p)))
			inet = 1;
	}
	PQconninfoFree(opts);
	return inet;
}

void
sandbox_init(const struct conf *cf)
{
	sandbox_cfg.sc_conf = cf;
	sandbox_cfg.sc_mode = cf->sandbox;
	sandbox_cfg.sc_db_inet = sandbox_db_inet(cf);
}

const char *
sandbox_role(enum proc_role r)
{
	switch (r) {
	case PROC_MASTER: return "master";
	case PROC_WORKER: return "worker";
	case PROC_ALERTER: return "alerter";
	case PROC_SMTPD: return "smtpd";
	case PROC_NOTIFIER: return "notifier";
	default: return "?";
	}
}
