/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Helpers for the children: closing what they inherited but do not
 * need, dropping root, waking the alerter.
 */
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <unistd.h>

#include "hcd.h"
#include "log.h"
#include "proc.h"
#include "shm.h"

/*
 * closefrom(2): OpenBSD, FreeBSD, NetBSD, DragonFly, glibc 2.34 and
 * later (Debian 12 has 2.36).  Elsewhere (musl, older glibc, macOS) the
 * fallback below.  -DHAVE_CLOSEFROM=0 forces the fallback.
 */
#ifndef HAVE_CLOSEFROM
#if defined(__OpenBSD__) || defined(__FreeBSD__) || defined(__NetBSD__) || \
    defined(__DragonFly__) || (defined(__GLIBC__) && (__GLIBC__ > 2 || \
    (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34)))
#define HAVE_CLOSEFROM	1
#else
#define HAVE_CLOSEFROM	0
#endif
#endif

static void	proc_closefrom(int);
static int	proc_kept(const int *, int, int);

/* Close every descriptor from lowfd up. */
static void
proc_closefrom(int lowfd)
{
#if HAVE_CLOSEFROM
	closefrom(lowfd);
#else
	struct dirent	*de;
	const char	*errstr;
	DIR		*d;
	long long	 fd;
	int		 max;

	/* Only what is open (the table size may be a million or more). */
	if ((d = opendir("/proc/self/fd")) != NULL) {
		while ((de = readdir(d)) != NULL) {
			fd = hc_strtonum(de->d_name, lowfd, INT_MAX, &errstr);
			if (errstr == NULL && fd != dirfd(d))
				(void)close((int)fd);
		}
		closedir(d);
		return;
	}
	if ((max = getdtablesize()) < 0)
		max = 1024;
	for (; lowfd < max; lowfd++)
		(void)close(lowfd);
#endif
}

static int
proc_kept(const int *keep, int nkeep, int fd)
{
	int i;

	for (i = 0; i < nkeep; i++)
		if (keep[i] == fd)
			return 1;
	return 0;
}

/*
 * The kept descriptors are few and low-numbered: close the gaps between
 * them one by one, then everything above the highest at once.  The
 * syslog socket is among the closed, hence log_reopen().
 */
void
proc_close_inherited(const struct proc_env *pe)
{
	int	keep[5 + HC_MAX_PRODUCERS], nkeep = 0, max = 2, fd, i;

	keep[nkeep++] = pe->pe_http_fd;
	keep[nkeep++] = pe->pe_smtp_fd;
	keep[nkeep++] = pe->pe_ack_rfd;
	keep[nkeep++] = pe->pe_wake_wfd;
	keep[nkeep++] = pe->pe_wake_rfd;
	for (i = 0; i < HC_MAX_PRODUCERS; i++)
		keep[nkeep++] = pe->pe_ack_wfd[i];
	for (i = 0; i < nkeep; i++)
		if (keep[i] > max)
			max = keep[i];
	for (fd = 3; fd < max; fd++)
		if (!proc_kept(keep, nkeep, fd))
			(void)close(fd);
	proc_closefrom(max + 1);
	log_reopen();
}

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
