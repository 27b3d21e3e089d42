/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The sandbox of each child process: one interface, one file per
 * mechanism, chosen by the GNUmakefile (SANDBOX_KIND=seccomp|pledge|null):
 *
 *   sandbox_seccomp.c  Linux with libseccomp: an allow-list of system
 *                      calls per role (the tables there are the source
 *                      of truth; hcd.8 SECURITY describes them)
 *   sandbox_pledge.c   OpenBSD: pledge(2) promises and unveil(2) per role
 *   sandbox_null.c     anything else: nothing beyond dropping root
 *
 * What every system gets before this, in proc_drop (proc.c): root
 * dropped to USER, and on Linux an empty capability bounding set, no
 * capabilities and PR_SET_NO_NEW_PRIVS.
 *
 * The SANDBOX key (hcd.conf.5, enum sandbox_mode in conf.h) picks the
 * mode: "on" (a call outside
 * the profile kills the process, which the master restarts as after a
 * crash), "log" (the call is allowed and the kernel logs it: seccomp's
 * SECCOMP_RET_LOG, or pledge's "error" mode), "off".  Building with
 * -DHC_SECCOMP_DEBUG makes "on" trap instead: the process names the
 * call on stderr, then dies of SIGSYS as it would have.
 *
 * Not thread-safe: a child calls both from proc_drop, before it starts
 * any thread but the guard's (which the filter then covers too).
 */
#ifndef HC_SANDBOX_H
#define HC_SANDBOX_H

#include "hcd.h"

struct conf;

/*
 * What the profiles depend on in the configuration: the mode, and
 * whether the workers' database connections go over TCP (then their
 * profile allows IPv4 and IPv6 sockets, else only unix sockets).  The
 * master calls it once to log the choice; each child again.
 */
void		 sandbox_init(const struct conf *);
/* Confine the calling process to its role's profile.  0, or -1 (logged). */
int		 sandbox_enter(enum proc_role);
/* "seccomp", "pledge" or "none" (with " (log)" or " (off)" by mode). */
const char	*sandbox_name(void);
/* Whether the configured database is reached over TCP (sandbox.c). */
int		 sandbox_db_inet(const struct conf *);

#endif
