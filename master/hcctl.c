/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * hcctl: the operator's program.  Data commands (migrate, user,
 * project, apikey) talk to PostgreSQL directly (hcctl_db.c); control
 * commands (status, reload, stop) talk to the running master over its
 * control socket (ctl_client.c).  It reads the same configuration file
 * and environment as hcd.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "conf.h"
#include "db.h"
#include "hcctl.h"
#include "hcd.h"
#include "log.h"
#include "master.h"

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: hcctl [-f file] command [argument ...]\n"
	    "commands:\n"
	    "  migrate\n"
	    "  user add EMAIL [--password-stdin] [--superuser]\n"
	    "  project add NAME --owner EMAIL\n"
	    "  apikey add PROJECT_UUID [--read-only]\n"
	    "  status\n"
	    "  reload\n"
	    "  stop\n");
	exit(1);
}

static int
control(const struct conf *cf, const char *cmd)
{
	struct buf	 b;
	const char	*body;
	int		 rv;

	buf_init(&b);
	if (ctl_request(cf->control_socket, cmd, &b) == -1) {
		fprintf(stderr, "hcctl: %s: %s (is hcd running?)\n",
		    cf->control_socket, strerror(errno));
		return 1;
	}
	body = b.b_len ? (const char *)b.b_data : "";
	if (strncmp(body, "ok", 2) == 0) {
		const char *nl = strchr(body, '\n');

		/* "ok <word>" is the short answer; the rest is the report. */
		if (nl != NULL && nl[1] != '\0')
			fputs(nl + 1, stdout);
		else if (strlen(body) > 3)
			printf("%s", body + 3);
		rv = 0;
	} else {
		fprintf(stderr, "hcctl: %s", *body ? body : "no answer\n");
		rv = 1;
	}
	buf_clear(&b);
	return rv;
}

int
main(int argc, char *argv[])
{
	struct conf	 cf;
	const char	*path = HC_CONF_FILE, *cmd;
	char		 err[512], *ci;
	PGconn		*db;
	int		 ch, rv, optional = 1;
	int		 (*fn)(const struct conf *, PGconn *, int, char **) = NULL;

	while ((ch = getopt(argc, argv, "+f:h")) != -1) {
		switch (ch) {
		case 'f':
			path = optarg;
			optional = 0;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	log_init(1, 0);
	log_procinit("hcctl");
	/* The default file may be absent: the environment may say it all. */
	if (conf_load(path, optional, &cf, err, sizeof(err)) == -1) {
		fprintf(stderr, "hcctl: %s\n", err);
		return 1;
	}
	cmd = argv[0];
	if (strcmp(cmd, "status") == 0 || strcmp(cmd, "reload") == 0 ||
	    strcmp(cmd, "stop") == 0) {
		if (argc != 1)
			usage();
		rv = control(&cf, cmd);
		conf_free(&cf);
		return rv;
	}
	if (strcmp(cmd, "migrate") == 0)
		fn = hcctl_migrate;
	else if (argc >= 2 && strcmp(argv[1], "add") == 0) {
		if (strcmp(cmd, "user") == 0)
			fn = hcctl_user_add;
		else if (strcmp(cmd, "project") == 0)
			fn = hcctl_project_add;
		else if (strcmp(cmd, "apikey") == 0)
			fn = hcctl_apikey_add;
		argc--;
		argv++;
	}
	if (fn == NULL)
		usage();
	ci = conf_conninfo(&cf);
	db = db_connect(ci, err, sizeof(err));
	free(ci);
	if (db == NULL) {
		fprintf(stderr, "hcctl: database: %s\n", err);
		return 1;
	}
	rv = fn(&cf, db, argc, argv);
	PQfinish(db);
	conf_free(&cf);
	return rv;
}
