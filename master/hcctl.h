/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * hcctl's database commands (hcctl_db.c).  hcctl.c parses
 * `hcctl [-f FILE] COMMAND ...`, loads the configuration, connects, and
 * calls one of these.  argv[0] is the last command word ("migrate" or
 * "add"), as getopt expects; options and operands follow in any order:
 *
 *	migrate
 *	user add EMAIL [--password-stdin] [--superuser]
 *	project add NAME --owner EMAIL
 *	apikey add PROJECT_UUID [--read-only]
 *
 * Each prints its result on stdout and returns the exit status: 0, or
 * 1 after one line "hcctl: reason" on stderr.
 */
#ifndef HC_HCCTL_H
#define HC_HCCTL_H

#include <libpq-fe.h>

struct conf;

int	hcctl_migrate(const struct conf *, PGconn *, int, char **);
int	hcctl_user_add(const struct conf *, PGconn *, int, char **);
int	hcctl_project_add(const struct conf *, PGconn *, int, char **);
int	hcctl_apikey_add(const struct conf *, PGconn *, int, char **);

#endif
