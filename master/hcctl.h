/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * hcctl's commands.  One table in hcctl.c (struct hcctl_cmd) drives the
 * dispatch and the usage text; the commands that work on the database
 * are in hcctl_db.c, the others are sent to the master (control.c has
 * the other end's table).  hcctl.c parses `hcctl [-f FILE] COMMAND ...`,
 * loads the configuration, connects, and calls a data command with
 * argv[0] the last command word ("migrate" or "add"); its options and
 * its operand follow in any order:
 *
 *	migrate
 *	user add EMAIL [--password-stdin] [--superuser]
 *	project add NAME --owner EMAIL
 *	apikey add PROJECT_UUID [--read-only]
 *	channel add|list|remove|test|assign ...	(hcctl_channel.c)
 *
 * Each prints its result on stdout and returns the exit status: 0, or
 * 1 after one line "hcctl: reason" on stderr.
 */
#ifndef HC_HCCTL_H
#define HC_HCCTL_H

#include <libpq-fe.h>

struct conf;

struct hcctl_cmd {
	const char	*cm_name;	/* its words: "user add" */
	const char	*cm_args;	/* the rest of its usage line */
	/* A data command; NULL: the name is sent to the master. */
	int		(*cm_db)(const struct hcctl_cmd *, const struct conf *,
			    PGconn *, int, char **);
};

/* hcctl_db.c */
int	hcctl_migrate(const struct hcctl_cmd *, const struct conf *, PGconn *,
	    int, char **);
int	hcctl_user_add(const struct hcctl_cmd *, const struct conf *,
	    PGconn *, int, char **);
int	hcctl_project_add(const struct hcctl_cmd *, const struct conf *,
	    PGconn *, int, char **);
int	hcctl_apikey_add(const struct hcctl_cmd *, const struct conf *,
	    PGconn *, int, char **);

/* hcctl_channel.c */
int	hcctl_channel_add(const struct hcctl_cmd *, const struct conf *,
	    PGconn *, int, char **);
int	hcctl_channel_list(const struct hcctl_cmd *, const struct conf *,
	    PGconn *, int, char **);
int	hcctl_channel_remove(const struct hcctl_cmd *, const struct conf *,
	    PGconn *, int, char **);
int	hcctl_channel_test(const struct hcctl_cmd *, const struct conf *,
	    PGconn *, int, char **);
int	hcctl_channel_assign(const struct hcctl_cmd *, const struct conf *,
	    PGconn *, int, char **);
/* The notification lines of `hcctl status` (the outbox). */
void	hcctl_notify_status(PGconn *);

#endif
