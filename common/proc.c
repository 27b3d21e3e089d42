/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Helpers for the children: dropping root, waking the alerter.
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdatomic.h>
#include <unistd.h>

#include "hcd.h"
#include "log.h"
#include "proc.h"
#include "shm.h"

/*
 * Drop root for good.  Failing to is fatal with HC_EXIT_FATAL (the
 * master will not respawn and stops); after it, a fatal error in the
 * child is an ordinary crash (exit 1), which the master restarts.
 */
void
proc_drop(const struct proc_env *pe, const char *title)
{
	log_procinit(title);
	if (pe->pe_drop && (setgroups(1, &pe->pe_gid) == -1 ||
	    setresgid(pe->pe_gid, pe->pe_gid, pe->pe_gid) == -1 ||
	    setresuid(pe->pe_uid, pe->pe_uid, pe->pe_uid) == -1))
		fatal("%s: cannot drop privileges", title);
	log_setfatalexit(1);
}

/*
 * After publishing to its ring, a producer wakes the alerter only if it
 * is waiting: the flag turns a write per ping into a write per idle
 * period.  The alerter re-checks the rings after setting the flag, so
 * a record published just before cannot be missed.
 */
void
proc_wake_alerter(const struct proc_env *pe)
{
	char c = 1;

	atomic_thread_fence(memory_order_seq_cst);	/* publish before flag */
	if (atomic_load_explicit(&pe->pe_shm->sh_alerter_sleeping,
	    memory_order_seq_cst) &&
	    atomic_exchange(&pe->pe_shm->sh_alerter_sleeping, 0))
		(void)write(pe->pe_wake_wfd, &c, 1);
}

int
proc_set_nonblock(int fd)
{
	int fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		return -1;
	return 0;
}
