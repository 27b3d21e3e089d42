/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The Linux sandbox (sandbox.h): a seccomp allow-list per role, built
 * with libseccomp and loaded on every thread of the child (TSYNC: the
 * guard thread already runs) after proc_drop has set NoNewPrivs.  A
 * call outside the list kills the whole process (SECCOMP_RET_KILL_
 * PROCESS: a killed thread alone would leave a worker half alive); the
 * master logs "killed by signal 31" and restarts it as after a crash.
 *
 * The tables below are the source of truth for what each role may do.
 * They were drawn from strace of the integration suite (`strace -f -ff`
 * of hcd, each child's calls sorted by role) and are checked by running
 * the whole suite with SANDBOX = on, plain and under ASan; hcd.8
 * SECURITY says the same in prose.  A new system call in a child needs
 * a line here (STYLE.md 12), and SANDBOX = log (the kernel logs the
 * call and lets it through) finds the ones missed.
 *
 * The profiles:
 *   every child  memory (no page both writable and executable), its
 *                descriptors, time, threads (clone only for a thread:
 *                no fork, no exec; nice values lowered), signals to
 *                itself, epoll, pipes, read-only opens, unix sockets
 *                (syslog)
 *   worker       + accept; IPv4/IPv6 sockets only when the database is
 *                reached over TCP (sandbox_db_inet): see below
 *   smtpd        + accept; no other socket than a unix one (it has no
 *                database connection)
 *   alerter      + IPv4/IPv6 sockets always (the database), and files
 *                it may write (the journal)
 *   notifier     + IPv4/IPv6 sockets always: the only role that connects
 *                to the outside world (webhooks, SMTP, signal-cli); no
 *                files written, no fork or exec (shell commands are run
 *                by its spawner, forked before this filter: shell.c)
 *
 * Workers and connect(2).  A worker's database threads connect to
 * PostgreSQL, and reconnect after a failure, so connect stays; seccomp
 * cannot look at the address it is given.  What the filter can hold is
 * the socket's family: with the database on a unix socket (the usual
 * local set-up, and the test suite's), a worker can make no IPv4 or
 * IPv6 socket at all, so no outbound connection.  With the database
 * over TCP it can (and so may resolve names: UDP and netlink sockets),
 * which hcd.8 states as a limit of today's sandbox.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <linux/netlink.h>
#include <linux/sched.h>

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "hcd.h"
#include "log.h"
#include "sandbox.h"
#include "sandbox_impl.h"

/* Every child: allowed with any arguments. */
static const char *const sc_base[] = {
	/* memory (mmap and mprotect: below, never W and X together) */
	"brk", "munmap", "mremap", "madvise",
	/* descriptors */
	"read", "readv", "pread64", "write", "writev", "close", "lseek",
	"fstat", "newfstatat", "statx", "fcntl", "dup", "dup3",
	"access", "faccessat", "faccessat2", "getdents64",
	/* time */
	"clock_gettime", "clock_getres", "gettimeofday", "time",
	"nanosleep", "clock_nanosleep",
	/* threads (clone: below) */
	"futex", "set_robust_list", "get_robust_list", "rseq",
	"sched_yield", "sched_getaffinity", "gettid", "getpid", "getppid",
	"exit", "exit_group", "restart_syscall", "membarrier",
	/* signals (tgkill: below) */
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigtimedwait",
	"sigaltstack",
	/* event loops and wake-ups */
	"epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait",
	"epoll_pwait2", "poll", "ppoll", "pselect6", "select", "eventfd2",
	"pipe2",
	/* sockets of any family it may create (socket: below) */
	"connect", "sendto", "sendmsg", "recvfrom", "recvmsg", "getsockopt",
	"setsockopt", "getsockname", "getpeername", "shutdown",
	/* who and where it is (libpq, libc, OpenSSL) */
	"getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid",
	"getrandom", "uname", "prlimit64", "getrlimit", "sysinfo",
	NULL
};

/* Roles that accept connections on the listening socket they keep. */
static const char *const sc_server[] = {
	"accept4", "accept", NULL
};

/* Name resolution and the database over TCP (glibc's resolver). */
static const char *const sc_inet[] = {
	"sendmmsg", "recvmmsg", "bind", NULL
};

/* The alerter's files (its journal): written, synced, renamed. */
static const char *const sc_files[] = {
	"pwrite64", "fsync", "fdatasync", "msync", "ftruncate", "fallocate",
	"rename", "renameat", "renameat2", "unlink", "unlinkat", "mkdir",
	"mkdirat", "flock", NULL
};

#ifdef HC_SANITIZE
/*
 * ASan and UBSan's runtimes, in the sanitizer build only: reports
 * (reading /proc/self/maps, symbolising) and LeakSanitizer at exit,
 * which stops the threads with a tracer of its own (clone without
 * CLONE_THREAD, ptrace).  None of it is in the plain build.
 */
static const char *const sc_sanitizer[] = {
	"clone", "ptrace", "wait4", "waitid", "prctl", "readlink",
	"readlinkat", "sched_getparam", "sched_getscheduler", "getdents",
	NULL
};
#endif

static enum proc_role	sc_role = PROC_MASTER;

#ifdef HC_SECCOMP_DEBUG
/*
 * -DHC_SECCOMP_DEBUG: the filter traps instead of killing; say which
 * call it was (names resolved before, since nothing may be allocated
 * here), then die of SIGSYS as the kill would have.
 */
#define SC_NAMES	512
static char	*sc_names[SC_NAMES];

static void
sc_catch(int sig, siginfo_t *si, void *uc)
{
	char		 msg[160];
	const char	*name = "?";
	int		 nr = si->si_syscall, n;

	if (nr >= 0 && nr < SC_NAMES && sc_names[nr] != NULL)
		name = sc_names[nr];
	n = snprintf(msg, sizeof(msg), "hcd %s[%ld]: sandbox: system call %s "
	    "(%d) is not in its profile\n", sandbox_role(sc_role),
	    (long)getpid(), name, nr);
	if (n > 0)
		(void)write(STDERR_FILENO, msg, (size_t)n);
	signal(SIGSYS, SIG_DFL);
	raise(SIGSYS);
}

static void
sc_debug_init(void)
{
	struct sigaction	sa;
	int			i;

	for (i = 0; i < SC_NAMES; i++)
		sc_names[i] = seccomp_syscall_resolve_num_arch(
		    SCMP_ARCH_NATIVE, i);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sc_catch;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSYS, &sa, NULL);
}
#endif

/*
 * For the test suite only (test_security.py): with HCD_SANDBOX_SELFTEST
 * set in its environment, a child makes a call no profile allows
 * (acct, harmless when allowed: it needs a capability) each time it
 * gets SIGUSR2.  Nothing else in hcd uses SIGUSR2, and without the
 * variable it keeps its default action.
 */
static void
sc_selftest(int sig)
{
	(void)syscall(SYS_acct, NULL);
}

static int
sc_add(scmp_filter_ctx ctx, const char *name, unsigned cnt,
    const struct scmp_arg_cmp *cmp)
{
	int nr, rc;

	if ((nr = seccomp_syscall_resolve_name(name)) == __NR_SCMP_ERROR)
		return 0;	/* not on this architecture */
	if ((rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, cnt,
	    cmp)) < 0) {
		log_warnx("sandbox: %s: %s", name, strerror(-rc));
		return -1;
	}
	return 0;
}

static int
sc_add_list(scmp_filter_ctx ctx, const char *const *names)
{
	for (; *names != NULL; names++)
		if (sc_add(ctx, *names, 0, NULL) == -1)
			return -1;
	return 0;
}

/* One argument compared: arg `a` & mask == val. */
static int
sc_add_masked(scmp_filter_ctx ctx, const char *name, unsigned a,
    uint64_t mask, uint64_t val)
{
	struct scmp_arg_cmp c = { a, SCMP_CMP_MASKED_EQ, mask, val };

	return sc_add(ctx, name, 1, &c);
}

static int
sc_add_eq(scmp_filter_ctx ctx, const char *name, unsigned a, uint64_t val)
{
	struct scmp_arg_cmp c = { a, SCMP_CMP_EQ, val, 0 };

	return sc_add(ctx, name, 1, &c);
}

/* socket(family, ...), and for netlink only the routing protocol. */
static int
sc_add_family(scmp_filter_ctx ctx, int family)
{
	struct scmp_arg_cmp c[2] = {
		{ 0, SCMP_CMP_EQ, (uint64_t)family, 0 },
		{ 2, SCMP_CMP_EQ, NETLINK_ROUTE, 0 },
	};

	return sc_add(ctx, "socket", family == AF_NETLINK ? 2 : 1, c);
}

/* The conditional rules: what every child may do with some arguments. */
static int
sc_add_base(scmp_filter_ctx ctx, enum proc_role role)
{
	const uint64_t	wr = O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND;
	int		rc = 0;

	/* Pages writable or executable, never both. */
	rc |= sc_add_masked(ctx, "mmap", 2, PROT_EXEC, 0);
	rc |= sc_add_masked(ctx, "mmap", 2, PROT_WRITE, 0);
	rc |= sc_add_masked(ctx, "mprotect", 2, PROT_EXEC, 0);
	rc |= sc_add_masked(ctx, "mprotect", 2, PROT_WRITE, 0);
	/* Threads, never processes.  glibc tries clone3 first: ENOSYS
	 * (clone3 passes its flags in memory, which seccomp cannot read)
	 * sends it back to clone. */
	rc |= sc_add_masked(ctx, "clone", 0, CLONE_THREAD, CLONE_THREAD);
	if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
	    SCMP_SYS(clone3), 0) < 0)
		rc = -1;
	/* Nice values, lowered only (no CAP_SYS_NICE): a worker's
	 * database threads run below its loop (dbq.c). */
	rc |= sc_add_eq(ctx, "setpriority", 0, PRIO_PROCESS);
	rc |= sc_add_eq(ctx, "getpriority", 0, PRIO_PROCESS);
	/* ... or SCHED_IDLE, lowering only as well. */
	rc |= sc_add_eq(ctx, "sched_setscheduler", 1, SCHED_IDLE);
	/* Signals to itself only (raise, abort, pthread_kill). */
	rc |= sc_add_eq(ctx, "tgkill", 0, (uint64_t)getpid());
	/* isatty, and how much a socket holds. */
	rc |= sc_add_eq(ctx, "ioctl", 1, TCGETS);
	rc |= sc_add_eq(ctx, "ioctl", 1, FIONREAD);
	rc |= sc_add_eq(ctx, "ioctl", 1, FIONBIO);
	/* Opening files: to read them, but for the alerter's journal. */
	if (role == PROC_ALERTER) {
		rc |= sc_add(ctx, "openat", 0, NULL);
		rc |= sc_add(ctx, "open", 0, NULL);
	} else {
		rc |= sc_add_masked(ctx, "openat", 2, wr, 0);
		rc |= sc_add_masked(ctx, "open", 1, wr, 0);
	}
	/* Unix sockets: syslog, a database on a socket, libevent's pairs. */
	rc |= sc_add_family(ctx, AF_UNIX);
	rc |= sc_add_eq(ctx, "socketpair", 0, AF_UNIX);
	return rc ? -1 : 0;
}

static int
sc_add_inet(scmp_filter_ctx ctx)
{
	int rc = 0;

	rc |= sc_add_family(ctx, AF_INET);
	rc |= sc_add_family(ctx, AF_INET6);
	rc |= sc_add_family(ctx, AF_NETLINK);	/* getaddrinfo's __check_pf */
	rc |= sc_add_list(ctx, sc_inet);
	return rc ? -1 : 0;
}

static int
sc_build(scmp_filter_ctx ctx, enum proc_role role)
{
	if (sc_add_list(ctx, sc_base) == -1 || sc_add_base(ctx, role) == -1)
		return -1;
	switch (role) {
	case PROC_WORKER:
		if (sc_add_list(ctx, sc_server) == -1)
			return -1;
		if (sandbox_cfg.sc_db_inet && sc_add_inet(ctx) == -1)
			return -1;
		break;
	case PROC_SMTPD:
		if (sc_add_list(ctx, sc_server) == -1)
			return -1;
		break;
	case PROC_ALERTER:
		if (sc_add_inet(ctx) == -1 || sc_add_list(ctx, sc_files) == -1)
			return -1;
		break;
	case PROC_NOTIFIER:
		if (sc_add_inet(ctx) == -1)
			return -1;
		break;
	default:
		log_warnx("sandbox: no profile for %s", sandbox_role(role));
		return -1;
	}
#ifdef HC_SANITIZE
	if (sc_add_list(ctx, sc_sanitizer) == -1)
		return -1;
#endif
	return 0;
}

int
sandbox_enter(enum proc_role role)
{
	scmp_filter_ctx	ctx;
	uint32_t	deny;
	int		rc;

	sc_role = role;
	if (sandbox_cfg.sc_mode == SANDBOX_OFF)
		return 0;
	if (getenv("HCD_SANDBOX_SELFTEST") != NULL)
		signal(SIGUSR2, sc_selftest);
	if (sandbox_cfg.sc_mode == SANDBOX_LOG)
		deny = SCMP_ACT_LOG;
	else {
#ifdef HC_SECCOMP_DEBUG
		sc_debug_init();
		deny = SCMP_ACT_TRAP;
#else
		deny = SCMP_ACT_KILL_PROCESS;
#endif
	}
	if ((ctx = seccomp_init(deny)) == NULL) {
		log_warnx("sandbox: seccomp_init failed");
		return -1;
	}
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1)) < 0 ||
	    (rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)) < 0) {
		log_warnx("sandbox: seccomp_attr_set: %s", strerror(-rc));
		seccomp_release(ctx);
		return -1;
	}
	if (sc_build(ctx, role) == -1) {
		seccomp_release(ctx);
		return -1;
	}
	if ((rc = seccomp_load(ctx)) < 0) {
		log_warnx("sandbox: seccomp_load: %s", strerror(-rc));
		seccomp_release(ctx);
		return -1;
	}
	seccomp_release(ctx);
	log_debug("sandbox: seccomp profile of the %s%s", sandbox_role(role),
	    sandbox_cfg.sc_mode == SANDBOX_LOG ? " (log only)" : "");
	return 0;
}

const char *
sandbox_name(void)
{
	switch (sandbox_cfg.sc_mode) {
	case SANDBOX_LOG:
		return "seccomp (log)";
	case SANDBOX_OFF:
		return "seccomp (off)";
	default:
		return "seccomp";
	}
}
