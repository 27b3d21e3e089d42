/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Helpers for the children: closing what they inherited but do not
 * need, dropping root, waking the alerter.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>
#ifdef __linux__
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "hcd.h"
#include "log.h"
#include "proc.h"
#include "sandbox.h"
#include "shm.h"


#define GUARD_POLL_MS	100	/* how often the guard looks at the pipe */
#define GUARD_WAIT_SEC	15	/* the alerter waits this long for producers
				 * after the master's death (a worker holds a
				 * response 10 s at most) */

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
	int	keep[6 + HC_MAX_PRODUCERS], nkeep = 0, max = 2, fd, i;

	keep[nkeep++] = pe->pe_http_fd;
	keep[nkeep++] = pe->pe_smtp_fd;
	keep[nkeep++] = pe->pe_ack_rfd;
	keep[nkeep++] = pe->pe_wake_wfd;
	keep[nkeep++] = pe->pe_wake_rfd;
	keep[nkeep++] = pe->pe_death_fd;
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

/* --- the guard (proc.h) -------------------------------------------------- */

static pthread_t	guard_thread;

/*
 * Pass a stop on to the role: raise SIGTERM on this thread, the only
 * one where it is ever unblocked, so that the role's handler runs here
 * (libevent's handler only writes to its loop's socket).  A role that
 * has not installed its handler yet (just forked) gets it once it has:
 * the default action would kill it, which looks like a crash.
 */
static void
guard_forward(void)
{
	struct sigaction	sa;
	struct timespec		ts = { 0, 10 * 1000000 };
	sigset_t		term;
	int			i;

	for (i = 0; i < 500; i++) {
		if (sigaction(SIGTERM, NULL, &sa) == 0 &&
		    sa.sa_handler != SIG_DFL)
			break;
		nanosleep(&ts, NULL);
	}
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	pthread_sigmask(SIG_UNBLOCK, &term, NULL);
	pthread_kill(pthread_self(), SIGTERM);	/* delivered before it returns */
	pthread_sigmask(SIG_BLOCK, &term, NULL);
}

/* Has the master died?  Its end of the death pipe is closed. */
static int
guard_master_gone(const struct proc_env *pe)
{
	struct pollfd	pfd;

	if (pe->pe_death_fd == -1)
		return getppid() != pe->pe_master;
	pfd.fd = pe->pe_death_fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	return poll(&pfd, 1, 0) == 1;
}

/*
 * The alerter, orphaned: are producers still running?  With the master
 * gone, a producer is the only reader of its ack pipe, whose write end
 * the alerter holds: once it has exited, the pipe has no reader, and
 * poll says so (POLLERR on Linux, POLLHUP elsewhere).  A zombie counts
 * as gone (its sockets are closed), which a pid would not tell.
 */
static int
guard_producers_left(const struct proc_env *pe)
{
	struct pollfd	pfd;
	int		i, n = 0;

	for (i = 0; i < pe->pe_nrings && i < HC_MAX_PRODUCERS; i++) {
		if ((pfd.fd = pe->pe_ack_wfd[i]) == -1)
			continue;
		pfd.events = POLLOUT;
		pfd.revents = 0;
		if (poll(&pfd, 1, 0) == 1 &&
		    (pfd.revents & (POLLERR | POLLHUP)) == 0)
			n++;
	}
	return n;
}

static void
guard_orphaned(const struct proc_env *pe)
{
	struct timespec	ts = { 0, GUARD_POLL_MS * 1000000 };
	int		i;

	if (pe->pe_role == PROC_ALERTER) {
		log_warnx("the master is gone: committing until the producers "
		    "have stopped, then stopping");
		for (i = 0; i < GUARD_WAIT_SEC * 1000 / GUARD_POLL_MS &&
		    guard_producers_left(pe) > 0; i++)
			nanosleep(&ts, NULL);
	} else
		log_warnx("the master is gone: stopping");
	guard_forward();
}

static void *
guard_main(void *arg)
{
	const struct proc_env	*pe = arg;
	int			 orphan = 0;
#if PROC_FILTER_TERM
	struct timespec		 ts = { 0, GUARD_POLL_MS * 1000000 };
	sigset_t		 set;
	siginfo_t		 si;
	int			 sig;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, PROC_SIG_STOP);
	for (;;) {
		sig = sigtimedwait(&set, &si, &ts);
		if (!orphan && guard_master_gone(pe)) {
			orphan = 1;
			guard_orphaned(pe);
		} else if (sig == PROC_SIG_STOP || (sig == SIGTERM && orphan))
			guard_forward();
		else if (sig == SIGTERM)
			log_info("ignoring SIGTERM from pid %ld: the master "
			    "stops its children, in order", (long)si.si_pid);
	}
#else
	struct pollfd		 pfd;

	pfd.fd = pe->pe_death_fd;
	pfd.events = POLLIN;
	while (!orphan) {
		if (poll(&pfd, 1, -1) == 1) {
			orphan = 1;
			guard_orphaned(pe);
		}
	}
	for (;;)
		pause();
#endif
	return NULL;
}

/*
 * The guard thread itself blocks every signal; SIGTERM is already
 * blocked in the whole child (the master forks it so, child_run).
 * Where SIGTERM cannot be filtered, it is unblocked again for the
 * role's handler to take directly.
 */
static void
guard_start(const struct proc_env *pe)
{
	sigset_t	all, old, term;
	int		rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&guard_thread, NULL, guard_main, (void *)pe);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		errno = rc;
		fatal("%s: cannot start the guard thread", __func__);
	}
	if (!PROC_FILTER_TERM) {
		sigemptyset(&term);
		sigaddset(&term, SIGTERM);
		pthread_sigmask(SIG_UNBLOCK, &term, NULL);
	}
}

/* --- dropping privileges ------------------------------------------------- */

#ifdef __linux__
/*
 * Root's capabilities: empty the bounding set while we may (it needs
 * CAP_SETPCAP), so that nothing executed later could regain one.  A
 * master started without CAP_SETPCAP (a service manager's narrower
 * bounding set that leaves it out) cannot: it says so once and goes on,
 * NoNewPrivs and the sandbox (no execve) standing for it.
 */
static void
caps_bound(const char *title)
{
	static int	warned;
	int		c;

	if (geteuid() != 0)
		return;
	for (c = 0; prctl(PR_CAPBSET_READ, c, 0, 0, 0) >= 0; c++) {
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 0)
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) == 0)
			continue;
		if (errno != EPERM)
			fatal("%s: cannot drop capability %d from the "
			    "bounding set", title, c);
		if (!warned++)
			log_warnx("%s: no CAP_SETPCAP: the capability bounding "
			    "set is left as it was", title);
		return;
	}
}

/*
 * After setresuid a former root holds no capability any more (no
 * SECBIT_KEEP_CAPS); clearing them all makes it so even when USER is
 * root itself, and checks it.  The ambient set goes with the permitted.
 */
static void
caps_clear(const char *title)
{
	struct __user_cap_header_struct	h;
	struct __user_cap_data_struct	d[2];
	int				i;

	memset(&h, 0, sizeof(h));
	memset(d, 0, sizeof(d));
	h.version = _LINUX_CAPABILITY_VERSION_3;
	if (syscall(SYS_capset, &h, d) == -1)
		fatal("%s: cannot clear its capabilities", title);
	if (syscall(SYS_capget, &h, d) == -1)
		fatal("%s: capget", title);
	for (i = 0; i < 2; i++)
		if (d[i].effective || d[i].permitted || d[i].inheritable)
			fatalx("%s: capabilities left after dropping them",
			    title);
}
#endif

/*
 * Drop root for good, then confine the process.  Failing to is fatal
 * with HC_EXIT_FATAL (the master will not respawn and stops); after
 * it, a fatal error in the child is an ordinary crash (exit 1), which
 * the master restarts.
 */
void
proc_drop(const struct proc_env *pe, const char *title)
{
	log_procinit(title);
#ifdef __linux__
	if (pe->pe_drop)
		caps_bound(title);
#endif
	if (pe->pe_drop && (setgroups(1, &pe->pe_gid) == -1 ||
	    setresgid(pe->pe_gid, pe->pe_gid, pe->pe_gid) == -1 ||
	    setresuid(pe->pe_uid, pe->pe_uid, pe->pe_uid) == -1))
		fatal("%s: cannot drop privileges", title);
#ifdef __linux__
	caps_clear(title);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("%s: PR_SET_NO_NEW_PRIVS", title);
#endif
	guard_start(pe);
	sandbox_init(pe->pe_conf);
	if (sandbox_enter(pe->pe_role) == -1)
		fatalx("%s: cannot enter its sandbox (%s)", title,
		    sandbox_name());
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

/*
 * The reserve descriptor: when accept fails for want of descriptors,
 * the waiting connection would stay in the backlog and keep the
 * listening socket readable, so that the loop spins on it.  Closing
 * the reserve makes room to accept it and close it at once (its client
 * sees the connection closed, not a hang), then the reserve is taken
 * again.  It is a duplicate of the listening socket, which needs no
 * path and no system call that a sandbox refuses.
 */
static int	accept_reserve = -1;
static int64_t	accept_logged;		/* monotonic ms of the last line */
static uint64_t	accept_refused;		/* since that line */

#define ACCEPT_LOG_MS	10000

int
proc_accept(int lfd, char *peer, size_t peersz)
{
	struct sockaddr_storage	 ss;
	socklen_t		 slen = sizeof(ss);
	int64_t			 now;
	int			 fd, saved;

	if (accept_reserve == -1)
		accept_reserve = fcntl(lfd, F_DUPFD_CLOEXEC, 0);
	fd = accept4(lfd, (struct sockaddr *)&ss, &slen,
	    SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd == -1) {
		if (errno != EMFILE && errno != ENFILE)
			return -1;
		saved = errno;
		if (accept_reserve != -1) {
			close(accept_reserve);
			if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) != -1)
				close(fd);
			accept_reserve = fcntl(lfd, F_DUPFD_CLOEXEC, 0);
		}
		accept_refused++;
		now = hc_mono_ms();
		if (accept_logged == 0 || now - accept_logged >=
		    ACCEPT_LOG_MS) {
			log_warnx("%s: out of descriptors (%s): %llu "
			    "connections closed unanswered since the last "
			    "report; raise the limit (LimitNOFILE, ulimit -n)",
			    __func__, strerror(saved),
			    (unsigned long long)accept_refused);
			accept_logged = now;
			accept_refused = 0;
		}
		errno = saved;
		return -1;
	}
	peer[0] = '\0';
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)&ss)->sin_addr,
		    peer, peersz);
	else if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 =
		    (const struct sockaddr_in6 *)&ss;

		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], peer,
			    peersz);
		else
			inet_ntop(AF_INET6, &s6->sin6_addr, peer, peersz);
	}
	return fd;
}

/*
 * A short read has taken all there was: a byte written after it makes
 * the (level-triggered) descriptor readable again, so there is no need
 * for the read that would say EAGAIN, one system call per wake-up.
 */
void
proc_drain(int fd)
{
	char	tmp[256];

	while (read(fd, tmp, sizeof(tmp)) == (ssize_t)sizeof(tmp))
		;
}
