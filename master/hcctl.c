/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * hcctl: the operator's program.  Data commands (migrate, user,
 * project, apikey) talk to PostgreSQL directly (hcctl_db.c); control
 * commands (status, reload, stop) talk to the running master over its
 * control socket (ctl_client.c).  It reads the same configuration file
 * and environment as hcd.  One table, cmds[], drives both the dispatch
 * and usage().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "conf.h"
#include "dbconn.h"
#include "hcctl.h"
#include "hcd.h"
#include "log.h"
#include "master.h"

/* Every command, in the order usage() lists them. */
static const struct hcctl_cmd cmds[] = {
	{ "migrate",	 "",					hcctl_migrate },
	{ "user add",	 "EMAIL [--password-stdin] [--superuser]",
							hcctl_user_add },
	{ "project add", "NAME --owner EMAIL",		hcctl_project_add },
	{ "apikey add",	 "PROJECT_UUID [--read-only]",	hcctl_apikey_add },
	{ "channel add", "PROJECT_UUID KIND VALUE [--name NAME]",
							hcctl_channel_add },
	{ "channel list", "PROJECT_UUID",		hcctl_channel_list },
	{ "channel remove", "CHANNEL_UUID",		hcctl_channel_remove },
	{ "channel test", "CHANNEL_UUID",		hcctl_channel_test },
	{ "channel assign", "CHANNEL_UUID CHECK_UUID ...",
							hcctl_channel_assign },
	{ "status",	 "",					NULL },
	{ "reload",	 "",					NULL },
	{ "stop",	 "",					NULL },
};
#define NCMDS	(sizeof(cmds) / sizeof(cmds[0]))

static void __attribute__((noreturn))
usage(void)
{
	size_t i;

	fprintf(stderr, "usage: hcctl [-f file] command [argument ...]\n"
	    "commands:\n");
	for (i = 0; i < NCMDS; i++)
		fprintf(stderr, "  %s%s%s\n", cmds[i].cm_name,
		    *cmds[i].cm_args != '\0' ? " " : "", cmds[i].cm_args);
	exit(1);
}

/* How many of argv's words name the command, or 0 if they do not. */
static int
cmd_match(const char *name, int argc, char **argv)
{
	const char	*p = name;
	size_t		 len;
	int		 n = 0;

	while (*p != '\0') {
		len = strcspn(p, " ");
		if (n == argc || strlen(argv[n]) != len ||
		    strncmp(argv[n], p, len) != 0)
			return 0;
		n++;
		p += len;
		p += strspn(p, " ");
	}
	return n;
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
	const struct hcctl_cmd	*c = NULL;
	struct dbconn		*d;
	struct conf		 cf;
	const char		*path = HC_CONF_FILE;
	char			 err[512];
	PGconn			*db;
	size_t			 i;
	int			 ch, rv, n = 0, optional = 1;

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
	for (i = 0; i < NCMDS && n == 0; i++)
		if ((n = cmd_match(cmds[i].cm_name, argc, argv)) > 0)
			c = &cmds[i];
	if (c == NULL || (c->cm_db == NULL && argc != n))
		usage();
	/* argv[0] is the command's last word; its arguments follow. */
	argc -= n - 1;
	argv += n - 1;

	log_init(1, 0);
	log_procinit("hcctl");
	/* The default file may be absent: the environment may say it all. */
	if (conf_load(path, optional, &cf, err, sizeof(err)) == -1) {
		fprintf(stderr, "hcctl: %s\n", err);
		return 1;
	}
	if (c->cm_db == NULL) {
		rv = control(&cf, c->cm_name);
		/* The outbox is in the database, shared by every node. */
		if (rv == 0 && strcmp(c->cm_name, "status") == 0) {
			fflush(stdout);
			d = dbconn_new(&cf, "hcctl", NULL, NULL);
			if ((db = dbconn_get_now(d, err, sizeof(err))) == NULL)
				printf("notifications: database: %s\n", err);
			else
				hcctl_notify_status(db);
			dbconn_free(d);
		}
		conf_free(&cf);
		return rv;
	}
	/* connect_timeout and statement_timeout from the configuration */
	d = dbconn_new(&cf, "hcctl", NULL, NULL);
	if ((db = dbconn_get_now(d, err, sizeof(err))) == NULL) {
		fprintf(stderr, "hcctl: database: %s\n", err);
		rv = 1;
	} else
		rv = c->cm_db(c, &cf, db, argc, argv);
	dbconn_free(d);
	conf_free(&cf);
	return rv;
}
