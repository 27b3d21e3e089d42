/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The master's event loop: forking the children from the role table
 * (roles[] below), reaping and respawning them with back-off, signals,
 * the once-a-second rate sample, reload and graceful stop.
 *
 * Policy (hcd.8 says the same):
 *  - A child that exits with HC_EXIT_FATAL (bad configuration, cannot
 *    drop privileges, database schema too old) is not respawned: the
 *    whole daemon stops, exit status 1.
 *  - Otherwise the first crash is respawned at once, later ones after
 *    100 ms, 200 ms, 400 ms ...; HC_RESPAWN_MAX crashes of one child
 *    within HC_RESPAWN_WINDOW seconds stop the daemon with a log line.
 *  - SIGTERM/SIGINT: stop accepting, let the workers answer what they
 *    hold, then let the alerter commit everything published, exit 0.
 *  - SIGHUP: re-read the configuration; on error keep the old one; else
 *    ask every child to finish and start its replacement as it exits
 *    (the listening socket stays open, so clients only wait).
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "conf.h"
#include "db.h"
#include "dbconn.h"
#include "hcd.h"
#include "index_db.h"
#include "index.h"
#include "journal.h"
#include "log.h"
#include "master.h"
#include "pingrec.h"
#include "proc.h"
#include "ring.h"
#include "shm.h"

#define STOP_GRACE_SEC	30	/* then SIGKILL */

static struct event	*ev_sig[6], *ev_tick, *ev_kill;

/*
 * The children, one row per role, started in this order.  r_count says
 * how many the configuration asks for; r_keep which of the master's
 * descriptors a child keeps in its proc_env: it closes every other one
 * at start (proc_close_inherited), so nothing the master opens (control
 * connections, a database session for a reload) lingers in a child.
 * Every child also keeps 0, 1 and 2 and connects to syslog afresh
 * (log_reopen), so logging needs no flag.  A producer has a ring and an ack pipe of its own, numbered in table
 * order (workers 0 .. n-1, then the smtpd), and stops before the
 * alerter, which drains the rings last.  A row whose entry point is
 * NULL is not built yet and starts nothing.
 *
 * The smtpd (smtpd/) starts when SMTP_LISTEN is set, with the socket
 * main.c opens for it, a ring and an ack pipe.
 *
 * The notifier (alerter/notify/) keeps nothing of the master's but the
 * death pipe: it works from the database alone.  It is stopped with the
 * producers (what it was sending is sent again from the outbox by its
 * successor), and is not restarted while stopping.
 */
#define KEEP_HTTP	0x01	/* the HTTP listening socket */
#define KEEP_SMTP	0x02	/* the SMTP listening socket */
#define KEEP_WAKE_R	0x04	/* the alerter's wake pipe, read end */
#define KEEP_WAKE_W	0x08	/* the same, write end */
#define KEEP_ACK_R	0x10	/* its own ack pipe, read end */
#define KEEP_ACK_W	0x20	/* every producer's ack pipe, write end */

static int	count_one(const struct master *);
static int	count_workers(const struct master *);
static int	count_smtpd(const struct master *);

static const struct role {
	enum proc_role	 r_role;
	const char	*r_name;
	int		(*r_count)(const struct master *);
	void		(*r_main)(struct proc_env *) __attribute__((noreturn));
	int		 r_producer;
	int		 r_keep;
} roles[] = {
	{ PROC_ALERTER, "alerter", count_one, alerter_main, 0,
	    KEEP_WAKE_R | KEEP_ACK_W },
	{ PROC_WORKER, "worker", count_workers, worker_main, 1,
	    KEEP_HTTP | KEEP_WAKE_W | KEEP_ACK_R },
	{ PROC_SMTPD, "smtpd", count_smtpd, smtpd_main, 1,
	    KEEP_SMTP | KEEP_WAKE_W | KEEP_ACK_R },
	{ PROC_NOTIFIER, "notifier", count_one, notifier_main, 0, 0 },
};
#define NROLES	(sizeof(roles) / sizeof(roles[0]))

static int
count_one(const struct master *m)
{
	return 1;
}

static int
count_workers(const struct master *m)
{
	return m->m_nworkers;
}

static int
count_smtpd(const struct master *m)
{
	return *m->m_conf.smtp_listen != '\0';
}

static const struct role *
role_get(enum proc_role id)
{
	size_t i;

	for (i = 0; i < NROLES; i++)
		if (roles[i].r_role == id)
			return &roles[i];
	return NULL;
}

static int
role_count(const struct master *m, const struct role *r)
{
	return r->r_main != NULL ? r->r_count(m) : 0;
}

static const char *
role_name(enum proc_role id)
{
	const struct role *r = role_get(id);

	return r != NULL ? r->r_name : "master";
}

int
sup_count(const struct master *m, enum proc_role id)
{
	const struct role *r = role_get(id);

	return r != NULL ? role_count(m, r) : 0;
}

int
sup_producers(const struct master *m)
{
	size_t	i;
	int	n = 0;

	for (i = 0; i < NROLES; i++)
		if (roles[i].r_producer)
			n += role_count(m, &roles[i]);
	return n;
}

static void __attribute__((noreturn))
child_run(struct master *m, struct child *c)
{
	const struct role *r = role_get(c->c_role);
	struct proc_env	 pe;
	int		 sigs[] = { SIGHUP, SIGTERM, SIGINT, SIGCHLD, SIGUSR1,
			    SIGQUIT };
	size_t		 i;
	int		 j;

	/*
	 * The master's event base is not ours: give it a backend of its own
	 * (event_reinit) so that freeing it cannot touch the epoll set the
	 * parent still uses, then free it, which also returns its signals.
	 * Only then may its descriptors be closed below.
	 */
	event_reinit(m->m_base);
	event_base_free(m->m_base);
	m->m_base = NULL;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	/*
	 * SIGTERM and PROC_SIG_STOP stay blocked: the child's guard thread
	 * takes them and passes on only the master's (proc.h).  The
	 * master's death sends PROC_SIG_STOP too (Linux), and closes the
	 * death pipe (everywhere); if it died before this line, the pipe
	 * says so.
	 */
	if (PROC_FILTER_TERM) {
		sigaddset(&m->m_sigmask, SIGTERM);
		sigaddset(&m->m_sigmask, PROC_SIG_STOP);
	}
	sigprocmask(SIG_SETMASK, &m->m_sigmask, NULL);
#ifdef __linux__
	(void)prctl(PR_SET_PDEATHSIG, PROC_SIG_STOP, 0, 0, 0);
#endif

	memset(&pe, 0, sizeof(pe));
	pe.pe_conf = &m->m_conf;
	pe.pe_shm = m->m_shm;
	pe.pe_role = c->c_role;
	pe.pe_master = m->m_pid;
	pe.pe_death_fd = m->m_death[0];
	pe.pe_id = c->c_ring != -1 ? c->c_ring : c->c_id;
	pe.pe_nrings = m->m_nproducers;
	pe.pe_drop = m->m_drop;
	pe.pe_uid = m->m_uid;
	pe.pe_gid = m->m_gid;
	pe.pe_http_fd = (r->r_keep & KEEP_HTTP) ? m->m_http_fds[c->c_id] : -1;
	pe.pe_smtp_fd = (r->r_keep & KEEP_SMTP) ? m->m_smtp_fd : -1;
	pe.pe_wake_rfd = (r->r_keep & KEEP_WAKE_R) ? m->m_wake[0] : -1;
	pe.pe_wake_wfd = (r->r_keep & KEEP_WAKE_W) ? m->m_wake[1] : -1;
	pe.pe_ack_rfd = (r->r_keep & KEEP_ACK_R) && c->c_ring != -1 ?
	    m->m_ack[c->c_ring][0] : -1;
	for (j = 0; j < HC_MAX_PRODUCERS; j++)
		pe.pe_ack_wfd[j] = (r->r_keep & KEEP_ACK_W) &&
		    j < m->m_nproducers ? m->m_ack[j][1] : -1;
	proc_close_inherited(&pe);

	r->r_main(&pe);
}

/*
 * Signals stay blocked across fork: a signal arriving in the new child
 * before it has reset its handlers would run the master's handler,
 * which only tells the master, and be lost to the child.  The child
 * unblocks them once its own dispositions are in place.
 */
static void
spawn(struct master *m, struct child *c)
{
	sigset_t	all, old;
	pid_t		pid;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	if ((pid = fork()) == -1) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		log_warn("%s: fork %s %d", __func__, role_name(c->c_role),
		    c->c_id);
		return;
	}
	if (pid == 0) {
		m->m_sigmask = old;
		child_run(m, c);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	c->c_pid = pid;
	c->c_retire = 0;
	c->c_started = hc_mono_ms();
	log_debug("started %s %d, pid %ld", role_name(c->c_role), c->c_id,
	    (long)pid);
}

static void
respawn_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct child	*c = arg;
	struct master	*m = event_get_callback_arg(ev_tick);

	if (c->c_pid == 0 && !(m->m_stopping && c->c_role != PROC_ALERTER))
		spawn(m, c);
}

static int
producers_running(struct master *m)
{
	int i, n = 0;

	for (i = 0; i < m->m_nchildren; i++)
		if (m->m_children[i].c_ring != -1 &&
		    m->m_children[i].c_pid != 0)
			n++;
	return n;
}

static struct child *
alerter_child(struct master *m)
{
	int i;

	for (i = 0; i < m->m_nchildren; i++)
		if (m->m_children[i].c_role == PROC_ALERTER)
			return &m->m_children[i];
	fatalx("%s: no alerter", __func__);
}

/* The children that are neither producers nor the alerter. */
static int
others_running(struct master *m)
{
	int i, n = 0;

	for (i = 0; i < m->m_nchildren; i++)
		if (m->m_children[i].c_ring == -1 &&
		    m->m_children[i].c_role != PROC_ALERTER &&
		    m->m_children[i].c_pid != 0)
			n++;
	return n;
}

/*
 * While stopping: once the producers are gone, let the alerter drain;
 * the daemon is done when it and the notifier have exited too.
 */
static void
stop_progress(struct master *m)
{
	struct child *a = alerter_child(m);

	if (producers_running(m) > 0)
		return;
	if (a->c_pid != 0) {
		if (!a->c_retire) {
			a->c_retire = 1;
			kill(a->c_pid, PROC_SIG_STOP);
		}
		return;
	}
	if (others_running(m) > 0)
		return;
	event_base_loopbreak(m->m_base);
}

static void
child_exited(struct master *m, struct child *c, int status)
{
	const char	*role = role_name(c->c_role);
	int64_t		 now = hc_mono_ms(), delay;
	int		 i, recent = 0, crashed;
	struct timeval	 tv;

	crashed = !(c->c_retire && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0);
	if (WIFSIGNALED(status))
		log_warnx("%s %d (pid %ld) killed by signal %d%s", role,
		    c->c_id, (long)c->c_pid, WTERMSIG(status),
		    WTERMSIG(status) == SIGSYS ? " (a system call its "
		    "sandbox forbids: SANDBOX = log in hcd.conf lets it "
		    "through and the kernel log names it)" : "");
	else if (crashed)
		log_warnx("%s %d (pid %ld) exited with status %d", role,
		    c->c_id, (long)c->c_pid, WEXITSTATUS(status));
	c->c_pid = 0;

	if (m->m_stopping) {
		/* The alerter is still needed to drain the ring. */
		if (c->c_role == PROC_ALERTER && !c->c_retire)
			spawn(m, c);
		stop_progress(m);
		return;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == HC_EXIT_FATAL) {
		sup_stop(m, "a child exited with a fatal error", 1);
		return;
	}
	if (!crashed) {
		spawn(m, c);		/* retired for a reload */
		return;
	}
	c->c_restarts++;
	c->c_crashes[c->c_ncrash++ % HC_RESPAWN_MAX] = now;
	for (i = 0; i < HC_RESPAWN_MAX && i < c->c_ncrash; i++)
		if (now - c->c_crashes[i] < HC_RESPAWN_WINDOW * 1000)
			recent++;
	if (recent >= HC_RESPAWN_MAX) {
		char why[128];

		snprintf(why, sizeof(why), "%s %d crashed %d times within "
		    "%d s; giving up", role, c->c_id, recent,
		    HC_RESPAWN_WINDOW);
		sup_stop(m, why, 1);
		return;
	}
	delay = recent <= 1 ? 0 : 100LL << (recent - 2);
	if (delay > 5000)
		delay = 5000;
	if (delay == 0) {
		spawn(m, c);
		return;
	}
	log_info("restarting %s %d in %lld ms", role, c->c_id,
	    (long long)delay);
	tv.tv_sec = delay / 1000;
	tv.tv_usec = (delay % 1000) * 1000;
	if (c->c_respawn == NULL)
		c->c_respawn = evtimer_new(m->m_base, respawn_cb, c);
	evtimer_add(c->c_respawn, &tv);
}

static void
reap(struct master *m)
{
	pid_t	pid;
	int	status, i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < m->m_nchildren; i++) {
			if (m->m_children[i].c_pid == pid) {
				child_exited(m, &m->m_children[i], status);
				break;
			}
		}
	}
}

static void
kill_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct master	*m = arg;
	int		 i;

	log_warnx("children did not stop within %d s; killing them",
	    STOP_GRACE_SEC);
	for (i = 0; i < m->m_nchildren; i++)
		if (m->m_children[i].c_pid != 0)
			kill(m->m_children[i].c_pid, SIGKILL);
	m->m_exit = 1;
	event_base_loopbreak(m->m_base);
}

void
sup_stop(struct master *m, const char *why, int status)
{
	struct timeval	tv = { STOP_GRACE_SEC, 0 };
	int		i;

	if (m->m_stopping)
		return;
	log_info("stopping: %s", why);
	m->m_stopping = 1;
	m->m_exit = status;
	atomic_store(&m->m_shm->sh_stopping, 1);
	for (i = 0; i < m->m_nchildren; i++) {
		struct child *c = &m->m_children[i];

		if (c->c_respawn != NULL)
			evtimer_del(c->c_respawn);
		if (c->c_role != PROC_ALERTER && c->c_pid != 0) {
			c->c_retire = 1;
			kill(c->c_pid, PROC_SIG_STOP);
		}
	}
	ev_kill = evtimer_new(m->m_base, kill_cb, m);
	evtimer_add(ev_kill, &tv);
	stop_progress(m);
}

/*
 * Each producer's ring must hold the largest ping record: a body of
 * PING_BODY_LIMIT bytes, or with None all that a ping URL reads
 * (conf_ping_body_max, 2.5 MB at least), and with SMTP_LISTEN the
 * smtpd's largest email.  The ring's capacity is computed as
 * shm_create computes it.
 */
int
ring_fits(const struct conf *cf, int nrings, char *err, size_t errsz)
{
	uint64_t	body, rec, per;

	body = conf_ping_body_kept(cf);
	rec = pingrec_max(body, 0, 0);
	per = ((uint64_t)cf->ring_size / (uint64_t)nrings) & ~(uint64_t)63;
	if (per < rec) {
		snprintf(err, errsz, "RING_SIZE %lld gives each of the %d "
		    "rings %llu bytes, less than one ping of PING_BODY_LIMIT "
		    "(%llu bytes): raise RING_SIZE", (long long)cf->ring_size,
		    nrings, (unsigned long long)per, (unsigned long long)rec);
		return -1;
	}
	/* The smtpd's: a whole message, its Subject and its text. */
	rec = pingrec_max((uint64_t)cf->smtp_max_size, HC_SMTP_SUBJECT_MAX,
	    HC_SMTP_TEXT_MAX);
	if (*cf->smtp_listen != '\0' && per < rec) {
		snprintf(err, errsz, "RING_SIZE %lld gives each of the %d "
		    "rings %llu bytes, less than one email ping of SMTP_MAX_SIZE "
		    "(%llu bytes): raise RING_SIZE or lower SMTP_MAX_SIZE",
		    (long long)cf->ring_size, nrings, (unsigned long long)per,
		    (unsigned long long)rec);
		return -1;
	}
	return 0;
}

int
journal_fits(const struct conf *cf, char *err, size_t errsz)
{
	uint64_t seg;

	if (!conf_journaled(cf))
		return 0;
	seg = journal_segsize_for((uint64_t)cf->journal_max,
	    conf_ping_rec_max(cf));
	if ((uint64_t)cf->journal_max < 2 * seg) {
		snprintf(err, errsz, "JOURNAL_MAX %lld is less than two "
		    "journal segments (%llu bytes each) for the largest ping: "
		    "raise it", (long long)cf->journal_max,
		    (unsigned long long)seg);
		return -1;
	}
	if (*cf->journal_dir != '/') {
		snprintf(err, errsz, "JOURNAL_DIR %s: must be an absolute path",
		    cf->journal_dir);
		return -1;
	}
	return 0;
}

/*
 * The journal's folder and its parents, made as needed; the folder
 * itself is the alerter's (USER), mode 0700.  An existing one owned by
 * someone else is taken over only if it is the master's own (root).
 */
int
journal_dir_make(struct master *m, char *err, size_t errsz)
{
	const struct conf	*cf = &m->m_conf;
	char			*p, *s;
	struct stat		 st;

	if (!conf_journaled(cf))
		return 0;
	p = xstrdup(cf->journal_dir);
	for (s = p + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) == -1 && errno != EEXIST) {
			snprintf(err, errsz, "JOURNAL_DIR: %s: %s", p,
			    strerror(errno));
			free(p);
			return -1;
		}
		*s = '/';
	}
	free(p);
	if (mkdir(cf->journal_dir, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errsz, "JOURNAL_DIR %s: %s", cf->journal_dir,
		    strerror(errno));
		return -1;
	}
	if (stat(cf->journal_dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errsz, "JOURNAL_DIR %s: not a folder",
		    cf->journal_dir);
		return -1;
	}
	if (m->m_drop && (st.st_uid != m->m_uid || st.st_gid != m->m_gid)) {
		if (st.st_uid != 0 && st.st_uid != m->m_uid) {
			snprintf(err, errsz, "JOURNAL_DIR %s belongs to uid "
			    "%ld, not to USER %s", cf->journal_dir,
			    (long)st.st_uid, cf->user);
			return -1;
		}
		if (chown(cf->journal_dir, m->m_uid, m->m_gid) == -1) {
			snprintf(err, errsz, "JOURNAL_DIR %s: chown: %s",
			    cf->journal_dir, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Keys that only take effect at a full restart. */
static void
reload_keep(struct conf *old, struct conf *nw)
{
#define KEEP_STR(f, name) do {						\
	if (strcmp(old->f, nw->f) != 0) {				\
		log_warnx("reload: %s changed; takes effect at restart",	\
		    name);						\
		free(nw->f);						\
		nw->f = xstrdup(old->f);				\
	}								\
} while (0)
#define KEEP_INT(f, name) do {						\
	if (old->f != nw->f) {						\
		log_warnx("reload: %s changed; takes effect at restart",	\
		    name);						\
		nw->f = old->f;						\
	}								\
} while (0)
	KEEP_STR(http_listen, "HTTP_LISTEN");
	KEEP_STR(smtp_listen, "SMTP_LISTEN");
	KEEP_STR(control_socket, "CONTROL_SOCKET");
	KEEP_STR(user, "USER");
	KEEP_INT(workers, "WORKERS");
	KEEP_INT(ring_size, "RING_SIZE");
	KEEP_INT(max_checks, "MAX_CHECKS");
	/* The alerter's ingest and the workers' holds go together. */
	KEEP_INT(ack_mode, "ACK_MODE");
	KEEP_STR(journal_dir, "JOURNAL_DIR");
	KEEP_INT(journal_max, "JOURNAL_MAX");
#undef KEEP_STR
#undef KEEP_INT
}

/*
 * Bring the shared index in line with the database: projects and checks
 * made or changed outside hcd (hcctl, psql) become visible to pings.
 */
static void
index_reload(struct master *m)
{
	struct dbconn	*d;
	PGconn		*db;
	char		 err[512];
	int		 n;

	d = dbconn_new(&m->m_conf, "hcd-master", NULL, NULL);
	if ((db = dbconn_get_now(d, err, sizeof(err))) == NULL)
		log_warnx("reload: check index not refreshed: %s", err);
	else if ((n = index_load(shm_index(m->m_shm), db, err,
	    sizeof(err))) == -1)
		log_warnx("reload: check index not refreshed: %s", err);
	else
		log_info("reload: check index refreshed, %d checks", n);
	dbconn_free(d);
}

void
sup_reload(struct master *m)
{
	struct conf	nw;
	char		err[512];
	int		i;

	if (m->m_stopping)
		return;
	if (conf_load(m->m_conf_path, 0, &nw, err, sizeof(err)) == -1) {
		log_warnx("reload: %s; keeping the old configuration", err);
		return;
	}
	reload_keep(&m->m_conf, &nw);
	if (ring_fits(&nw, m->m_nproducers, err, sizeof(err)) == -1) {
		log_warnx("reload: %s; keeping the old configuration", err);
		conf_free(&nw);
		return;
	}
	conf_free(&m->m_conf);
	m->m_conf = nw;
	log_info("reloaded %s; replacing the children", m->m_conf_path);
	index_reload(m);
	for (i = 0; i < m->m_nchildren; i++) {
		struct child *c = &m->m_children[i];

		if (c->c_pid != 0) {
			c->c_retire = 1;
			kill(c->c_pid, PROC_SIG_STOP);
		}
	}
}

static void
signal_cb(evutil_socket_t sig, short ev, void *arg)
{
	struct master *m = arg;

	switch (sig) {
	case SIGTERM:
	case SIGINT:
		sup_stop(m, sig == SIGTERM ? "got SIGTERM" : "got SIGINT", 0);
		break;
	case SIGQUIT:
		log_info("got SIGQUIT, exiting now");
		for (int i = 0; i < m->m_nchildren; i++)
			if (m->m_children[i].c_pid != 0)
				kill(m->m_children[i].c_pid, SIGKILL);
		ctl_cleanup(m);
		_exit(1);
	case SIGHUP:
		log_info("got SIGHUP, reloading");
		sup_reload(m);
		break;
	case SIGUSR1:
		log_info("got SIGUSR1: logs go to %s; nothing to reopen",
		    "stderr or syslog");
		break;
	case SIGCHLD:
		reap(m);
		break;
	}
}

/*
 * Pings stored: the ping records the alerter has passed on every ring
 * (ring_set_commit counts them), which unlike its own sh_pings also
 * counts a batch that an alerter committed and was killed before
 * counting (its successor passes it).
 */
static uint64_t
pings_stored(struct shm *sh)
{
	uint64_t	n = 0;
	int		i;

	for (i = 0; i < sh->sh_nrings; i++)
		n += atomic_load(&shm_ring(sh, i)->r_committed);
	return n;
}

static void
tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct master	*m = arg;
	uint64_t	 p = pings_stored(m->m_shm);

	atomic_store(&m->m_shm->sh_rate, p - m->m_last_pings);
	m->m_last_pings = p;
	p = atomic_load(&m->m_shm->sh_j_pings_loaded);
	atomic_store(&m->m_shm->sh_j_rate, m->m_last_loaded == 0 ||
	    p < m->m_last_loaded ? 0 : p - m->m_last_loaded);
	m->m_last_loaded = p;
	reap(m);	/* in case a SIGCHLD was coalesced */
}

/*
 * The journal's line: its files, what waits to be loaded (pings, bytes
 * and the age of the oldest), how fast the loader goes, refusals.
 */
static void
journal_status(struct master *m, struct buf *b)
{
	static const char *const states[] = { "ok", "full", "not writable" };
	struct shm	*sh = m->m_shm;
	uint64_t	 head = atomic_load(&sh->sh_j_head);
	uint64_t	 loaded = atomic_load(&sh->sh_j_loaded);
	uint64_t	 in = atomic_load(&sh->sh_j_pings);
	uint64_t	 out = atomic_load(&sh->sh_j_pings_loaded);
	int64_t		 oldest = atomic_load(&sh->sh_j_oldest);
	int		 st = atomic_load(&sh->sh_j_state);

	buf_printf(b, "journal: %s, %llu bytes on disk (max %lld), backlog "
	    "%llu pings, %llu bytes, oldest %.1f s, loader %llu pings/s, "
	    "lag %.1f ms, %llu refused\n", st >= 0 && st <= 2 ? states[st] : "?",
	    (unsigned long long)atomic_load(&sh->sh_j_disk),
	    (long long)m->m_conf.journal_max,
	    (unsigned long long)(in > out ? in - out : 0),
	    (unsigned long long)(head > loaded ? head - loaded : 0),
	    head > loaded && oldest > 0 ?
	    (double)(hc_now_us() - oldest) / 1e6 : 0.0,
	    (unsigned long long)atomic_load(&sh->sh_j_rate),
	    (double)atomic_load(&sh->sh_j_lag) / 1e3,
	    (unsigned long long)atomic_load(&sh->sh_j_refused));
}

void
sup_status(struct master *m, struct buf *b)
{
	struct shm	*sh = m->m_shm;
	struct index	*x = shm_index(sh);
	int64_t		 now = hc_mono_ms(), last;
	uint64_t	 used = 0, cap = 0, refused = 0;
	int		 i;

	buf_printf(b, "hcd %s, pid %ld, up %lld s, ack mode %s%s\n",
	    HC_VERSION, (long)getpid(), (long long)(now - m->m_started) / 1000,
	    conf_ack_name(m->m_conf.ack_mode),
	    m->m_stopping ? ", stopping" : "");
	buf_printf(b, "%-8s %3s %8s %9s %8s %6s\n", "role", "id", "pid",
	    "uptime", "restarts", "conns");
	for (i = 0; i < m->m_nchildren; i++) {
		struct child *c = &m->m_children[i];

		buf_printf(b, "%-8s %3d %8ld %8llds %8d", role_name(c->c_role),
		    c->c_id, (long)c->c_pid,
		    c->c_pid ? (long long)(now - c->c_started) / 1000 : 0LL,
		    c->c_restarts);
		/* Open HTTP connections, for a worker. */
		if (c->c_role == PROC_WORKER && c->c_ring != -1)
			buf_printf(b, " %6u", (unsigned)atomic_load(
			    &shm_ring(sh, c->c_ring)->r_conns));
		else
			buf_printf(b, " %6s", "-");
		buf_addc(b, '\n');
	}
	for (i = 0; i < sh->sh_nrings; i++) {
		struct ring *r = shm_ring(sh, i);

		used += ring_used(r);
		cap += r->r_cap;
		refused += atomic_load(&r->r_refused);
	}
	buf_printf(b, "ring: %d producers, %llu bytes, %llu in use, "
	    "%llu refused\n", sh->sh_nrings, (unsigned long long)cap,
	    (unsigned long long)used, (unsigned long long)refused);
	last = atomic_load(&sh->sh_last_commit);
	buf_printf(b, "pings: %llu stored, %llu/s, batches %llu (last %llu, "
	    "max %llu), redone %llu, database errors %llu\n",
	    (unsigned long long)pings_stored(sh),
	    (unsigned long long)atomic_load(&sh->sh_rate),
	    (unsigned long long)atomic_load(&sh->sh_commits),
	    (unsigned long long)atomic_load(&sh->sh_batch_last),
	    (unsigned long long)atomic_load(&sh->sh_batch_max),
	    (unsigned long long)atomic_load(&sh->sh_redone),
	    (unsigned long long)atomic_load(&sh->sh_db_errors));
	if (last)
		buf_printf(b, "last commit: %.3f s ago\n",
		    (double)(hc_now_us() - last) / 1e6);
	else
		buf_printf(b, "last commit: never\n");
	buf_printf(b, "index: %llu checks, %llu projects, capacity %llu "
	    "checks\n", (unsigned long long)x->x_used_checks,
	    (unsigned long long)x->x_used_projects,
	    (unsigned long long)x->x_nchecks / 2);
	buf_printf(b, "notifier: %llu sent, %llu retried, %llu failed (%llu "
	    "disabling their channel), %lld in flight\n",
	    (unsigned long long)atomic_load(&sh->sh_notify.ns_sent),
	    (unsigned long long)atomic_load(&sh->sh_notify.ns_retried),
	    (unsigned long long)atomic_load(&sh->sh_notify.ns_failed),
	    (unsigned long long)atomic_load(&sh->sh_notify.ns_disabled),
	    (long long)atomic_load(&sh->sh_notify.ns_inflight));
	if (atomic_load(&sh->sh_j_on))
		journal_status(m, b);
	if (sup_count(m, PROC_SMTPD) > 0)
		smtpd_status(sh, b);
}

void
sup_start(struct master *m)
{
	int		 sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGCHLD,
			    SIGQUIT };
	struct timeval	 one = { 1, 0 };
	struct child	*c;
	size_t		 i;
	int		 j, n, ring = 0;

	if ((m->m_base = event_base_new()) == NULL)
		fatalx("event_base_new");
	m->m_started = hc_mono_ms();
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		ev_sig[i] = evsignal_new(m->m_base, sigs[i], signal_cb, m);
		evsignal_add(ev_sig[i], NULL);
	}
	ev_tick = event_new(m->m_base, -1, EV_PERSIST, tick_cb, m);
	evtimer_add(ev_tick, &one);
	ctl_init(m);

	m->m_nchildren = 0;
	for (i = 0; i < NROLES; i++) {
		n = role_count(m, &roles[i]);
		for (j = 0; j < n; j++) {
			if (m->m_nchildren == (int)(sizeof(m->m_children) /
			    sizeof(m->m_children[0])))
				fatalx("%s: too many children", __func__);
			c = &m->m_children[m->m_nchildren++];
			c->c_role = roles[i].r_role;
			c->c_id = j;
			c->c_ring = roles[i].r_producer ? ring++ : -1;
		}
	}
	if (ring != m->m_nproducers)
		fatalx("%s: %d producers, %d rings", __func__, ring,
		    m->m_nproducers);
	for (j = 0; j < m->m_nchildren; j++)
		spawn(m, &m->m_children[j]);

	event_base_dispatch(m->m_base);
}
