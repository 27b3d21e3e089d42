/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Between sandbox.c and the mechanism files (sandbox_seccomp.c,
 * sandbox_pledge.c, sandbox_null.c): the settings sandbox_init took
 * from the configuration.  Nothing else includes this.
 */
#ifndef HC_SANDBOX_IMPL_H
#define HC_SANDBOX_IMPL_H

#include "conf.h"

struct sandbox_cfg {
	const struct conf	*sc_conf;	/* the child's, read-only */
	enum sandbox_mode	sc_mode;
	int			sc_db_inet;	/* workers reach PostgreSQL by TCP */
};

extern struct sandbox_cfg	sandbox_cfg;

/* The role's name, for messages. */
const char	*sandbox_role(enum proc_role);

#endif
