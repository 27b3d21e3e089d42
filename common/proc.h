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
	int		 pe_id;		/* a producer's ring (worker n: n) */
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

/* proc.c */
/*
 * In a new child: close every descriptor but 0, 1, 2 and those in pe,
 * then connect to syslog again (log_reopen).  Children are forked, not
 * exec'd, so close-on-exec does not help.
 */
void	 proc_close_inherited(const struct proc_env *);
void	 proc_drop(const struct proc_env *, const char *title);
void	 proc_wake_alerter(const struct proc_env *);
int	 proc_set_nonblock(int fd);

/*
 * Children's entry points (worker/worker.c, alerter/alerter.c,
 * smtpd/smtpd.c), named by the master's role table.  They are declared
 * here, beside the proc_env they take, so that their own files need no
 * master header.
 */
void	 worker_main(struct proc_env *) __attribute__((noreturn));
void	 alerter_main(struct proc_env *) __attribute__((noreturn));
void	 smtpd_main(struct proc_env *) __attribute__((noreturn));
/* The smtpd's counters (shm's sh_smtp) for hcctl status (smtpd/smtpd.c). */
void	 smtpd_status(struct shm *, struct buf *);

#endif
