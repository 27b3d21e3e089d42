/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The sandbox where the system has no mechanism the build knows (or
 * Linux without libseccomp): nothing beyond what proc_drop does for
 * every system (root dropped; on Linux no capabilities and
 * PR_SET_NO_NEW_PRIVS).  See sandbox.h.
 */
#include "hcd.h"
#include "sandbox.h"
#include "sandbox_impl.h"

int
sandbox_enter(enum proc_role role)
{
	return 0;
}

const char *
sandbox_name(void)
{
	return "none";
}
