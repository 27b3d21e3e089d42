/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * What a child process is handed by the master at fork, and the
 * privilege drop every child does before it touches network input.
 */
#ifndef HC_PROC_H
#define HC_PROC_H

#include <sys/types.h>

#include "hcd.h"

struct conf;
struct shm;

struct proc_env {
	const struct conf *pe_conf;
	struct shm	*pe_shm;
	int		 pe_id;		/* worker number = its ring */
	int		 pe_http_fd;	/* worker: listening socket */
	int		 pe_ack_rfd;	/* worker: woken after commits */
	int		 pe_wake_wfd;	/* producers: wake the alerter */
	int		 pe_wake_rfd;	/* alerter: its wake pipe */
	int		 pe_ack_wfd[HC_MAX_PRODUCERS];	/* alerter */
	int		 pe_nrings;
	int		 pe_drop;	/* drop to pe_uid/pe_gid */
	uid_t		 pe_uid;
	gid_t		 pe_gid;
};

/* proc.c */
void	 proc_drop(const struct proc_env *, const char *title);
void	 proc_wake_alerter(const struct proc_env *);
int	 proc_set_nonblock(int fd);

/* Children's entry points (worker/worker.c, alerter/alerter.c). */
void	 worker_main(struct proc_env *) __attribute__((noreturn));
void	 alerter_main(struct proc_env *) __attribute__((noreturn));

#endif
