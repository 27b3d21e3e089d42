/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * What a child process is handed by the master at fork, the descriptors
 * it keeps, and the privilege drop every child does before it touches
 * network input.
 */
#ifndef HC_PROC_H
#define HC_PROC_H

#include <sys/types.h>

#include "hcd.h"

struct buf;
struct conf;
struct shm;

/*
 * The descriptors here are the only ones a child keeps of the master's
 * (besides 0, 1 and 2): which of them a role gets is its row in the
 * master's role table (master/supervise.c); the others are -1.
 */
struct proc_env {
	const struct conf *pe_conf;
	struct shm	*pe_shm;
	enum proc_role	 pe_role;	/* its sandbox profile */
	pid_t		 pe_master;	/* the only sender of SIGTERM it obeys */
	int		 pe_id;		/* a producer's ring (worker n: n) */
	int		 pe_death_fd;	/* every child: read end of a pipe whose
					 * write end only the master holds */
	int		 pe_http_fd;	/* worker: listening socket */
	int		 pe_smtp_fd;	/* smtpd: listening socket */
	int		 pe_ack_rfd;	/* producers: woken after commits */
	int		 pe_wake_wfd;	/* producers: wake the alerter */
	int		 pe_wake_rfd;	/* alerter: its wake pipe */
	int		 pe_ack_wfd[HC_MAX_PRODUCERS];	/* alerter */
	int		 pe_nrings;
	int		 pe_drop;	/* drop to pe_uid/pe_gid */
	uid_t		 pe_uid;
	gid_t		 pe_gid;
};

/*
 * The signal by which the master stops a child.  A real-time signal
 * where there are some: they queue and are never merged with a SIGTERM
 * that someone else sent at the same moment (standard signals are, and
 * the master's would then be lost).  The guard turns it into the
 * SIGTERM the role's handler waits for.
 */
#include <signal.h>
#if defined(SIGRTMIN) && (defined(__linux__) || defined(__FreeBSD__) || \
    defined(__NetBSD__))
#define PROC_SIG_STOP	(SIGRTMIN + 1)
#define PROC_FILTER_TERM	1	/* sigtimedwait: SIGTERM filtered */
#else
#define PROC_SIG_STOP	SIGTERM
#define PROC_FILTER_TERM	0
#endif

/* proc.c */
/*
 * In a new child: close every descriptor but 0, 1, 2 and those in pe,
 * then connect to syslog again (log_reopen).  Children are forked, not
 * exec'd, so close-on-exec does not help.
 */
void	 proc_close_inherited(const struct proc_env *);
/*
 * Every child calls this first (worker_main, alerter_main, smtpd_main):
 * it drops root for good, starts the guard thread (below) and enters
 * the role's sandbox (sandbox.h).  Failing to drop privileges or to
 * enter the sandbox is fatal with HC_EXIT_FATAL: the master does not
 * respawn, it stops.
 *
 * The guard.  A child obeys only its master: the master forks it with
 * SIGTERM and PROC_SIG_STOP blocked, and they stay blocked in every
 * thread of the child (threads inherit the mask).  The guard thread
 * takes both with sigtimedwait.  PROC_SIG_STOP, which only the master
 * sends, it passes on to the role's own handler (libevent's, installed
 * by the role's main) as a SIGTERM; a SIGTERM from anyone else (a kill
 * of the whole process group, systemd's control-group stop) is logged
 * and dropped, so that the master alone orders the stop: producers
 * first, then the alerter, and nobody is respawned on the way.  The
 * guard also notices the master's death: PR_SET_PDEATHSIG (Linux)
 * sends PROC_SIG_STOP as the master dies, and on every system the
 * death pipe reaches end-of-file.  A producer then
 * stops at once (it answers what gets committed and exits); the alerter
 * first waits for the producers to be gone, committing and
 * acknowledging all the while, then stops, committing what it read.
 * Where there are no real-time signals or no sigtimedwait (OpenBSD),
 * PROC_SIG_STOP is SIGTERM, it is not filtered, and the guard only
 * watches the pipe.
 */
void	 proc_drop(const struct proc_env *, const char *title);
void	 proc_wake_alerter(const struct proc_env *);
int	 proc_set_nonblock(int fd);
/* Read a non-blocking wake-up pipe empty (its bytes mean nothing); for
 * descriptors watched level-triggered, which all of ours are. */
void	 proc_drain(int fd);
/*
 * Accept one connection on a listening socket (non-blocking, close-on-
 * exec), its peer's address as text in peer (an IPv4-mapped IPv6
 * address as IPv4).  The new descriptor, or -1 with errno: EAGAIN when
 * none is waiting, EMFILE or ENFILE when the process or the system is
 * out of descriptors.  Then the waiting connection is accepted on a
 * reserve descriptor and closed, so the backlog drains instead of
 * spinning the loop; the caller should stop accepting for a moment
 * (PROC_ACCEPT_PAUSE_MS).  Out-of-descriptor events are logged at most
 * once every 10 s, with a count.  For the workers and the smtpd alike;
 * the loop thread's only.
 */
#define PROC_ACCEPT_PAUSE_MS	100
int	 proc_accept(int lfd, char *peer, size_t peersz);

/*
 * Children's entry points (worker/worker.c, alerter/alerter.c,
 * smtpd/smtpd.c), named by the master's role table.  They are declared
 * here, beside the proc_env they take, so that their own files need no
 * master header.
 */
void	 worker_main(struct proc_env *) __attribute__((noreturn));
void	 alerter_main(struct proc_env *) __attribute__((noreturn));
void	 smtpd_main(struct proc_env *) __attribute__((noreturn));
/* The notifier (alerter/notify/engine.c): delivers notifications. */
void	 notifier_main(struct proc_env *) __attribute__((noreturn));
/* The smtpd's counters (shm's sh_smtp) for hcctl status (smtpd/smtpd.c). */
void	 smtpd_status(struct shm *, struct buf *);

#endif
