/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The master process: configuration, sockets, the shared segment,
 * forking and supervising the children, signals, the control socket.
 */
#ifndef HC_MASTER_H
#define HC_MASTER_H

#include <sys/types.h>

#include <signal.h>

#include <stdint.h>

#include "conf.h"
#include "hcd.h"

struct event_base;
struct shm;

struct child {
	pid_t		 c_pid;		/* 0: not running */
	enum proc_role	 c_role;
	int		 c_id;		/* number within its role */
	int		 c_ring;	/* a producer's ring; -1: not one */
	int64_t		 c_started;	/* monotonic ms */
	int		 c_restarts;
	int		 c_retire;	/* asked to exit for a reload */
	int64_t		 c_crashes[HC_RESPAWN_MAX];	/* ring of times */
	int		 c_ncrash;
	struct event	*c_respawn;
};

/* Everything the children inherit. */
struct master {
	struct conf	 m_conf;
	const char	*m_conf_path;
	struct shm	*m_shm;
	struct event_base *m_base;
	struct event	*m_ev_ctl;		/* control socket */
	int		 m_http_fds[HC_MAX_PRODUCERS];	/* one per worker, or
						 * one shared (main.c) */
	int		 m_smtp_fd;		/* -1: no smtpd */
	int		 m_ctl_fd;
	int		 m_wake[2];		/* alerter's wake pipe */
	int		 m_death[2];		/* children keep [0]; EOF when
						 * the master is gone */
	pid_t		 m_pid;
	int		 m_ack[HC_MAX_PRODUCERS][2];	/* one per producer */
	int		 m_nworkers;
	int		 m_nproducers;		/* rings: workers, smtpd */
	struct child	 m_children[HC_MAX_PRODUCERS + 2];	/* + alerter,
							 * notifier */
	int		 m_nchildren;
	int		 m_stopping;
	int64_t		 m_started;
	uint64_t	 m_last_pings;
	uint64_t	 m_last_loaded;	/* journal: pings loaded, last tick */
	uid_t		 m_uid;			/* children's, when root */
	gid_t		 m_gid;
	int		 m_drop;
	int		 m_exit;		/* exit status when stopped */
	sigset_t	 m_sigmask;		/* a child's, before fork */
};

/* supervise.c */
int	 ring_fits(const struct conf *, int nrings, char *err, size_t);
/* JOURNAL_MAX holds two segments of the largest ping: 0, or -1. */
int	 journal_fits(const struct conf *, char *err, size_t);
/* Make JOURNAL_DIR (journaled modes), owned by USER: 0, or -1. */
int	 journal_dir_make(struct master *, char *err, size_t);
/* How many children of the role the configuration asks for (0: none). */
int	 sup_count(const struct master *, enum proc_role);
/* How many producers (children with a ring and an ack pipe). */
int	 sup_producers(const struct master *);
void	 sup_start(struct master *);
void	 sup_stop(struct master *, const char *why, int status);
void	 sup_reload(struct master *);
void	 sup_status(struct master *, struct buf *);

/* control.c */
int	 ctl_listen(const char *path);
void	 ctl_init(struct master *);
void	 ctl_cleanup(struct master *);

/* hcctl.c and ctl_client.c */
int	 ctl_request(const char *path, const char *cmd, struct buf *reply);

#endif
