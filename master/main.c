/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * hcd's main(): the master process.  It reads the configuration, checks
 * the schema, loads the check index, opens the sockets and the shared
 * segment, then forks and supervises the children (supervise.c).  It
 * never parses network input itself.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <libpq-fe.h>

#include "conf.h"
#include "db.h"
#include "dbconn.h"
#include "hcd.h"
#include "index.h"
#include "index_db.h"
#include "log.h"
#include "master.h"
#include "migrate.h"
#include "proc.h"
#include "sandbox.h"
#include "shm.h"

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: hcd [-dmnv] [-f file]\n");
	exit(1);
}

/*
 * Spreading connections over the workers.  Where the kernel balances
 * them (Linux's SO_REUSEPORT, FreeBSD's SO_REUSEPORT_LB), each worker
 * gets a listening socket of its own, all bound to the one address:
 * the kernel hashes each new connection to one of them, so one worker
 * cannot take all of a client's connections while the other sits idle.
 * The master keeps every socket open, so a worker's queue waits for
 * its successor when it dies.  Elsewhere (OpenBSD) the workers share
 * one socket, as before.
 *
 * Reuse would also let a second hcd join the group on the same port.
 * A plain bind first, without the option, fails if anything listens
 * there, so that a second hcd still stops with "address in use".
 */
#if defined(__linux__)
#define LISTEN_REUSE	SO_REUSEPORT
#elif defined(SO_REUSEPORT_LB)
#define LISTEN_REUSE	SO_REUSEPORT_LB
#endif

static int
listen_one(const struct sockaddr *sa, socklen_t salen, int reuse,
    int listening)
{
	int fd, on = 1;

	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
#ifdef LISTEN_REUSE
	if (reuse && setsockopt(fd, SOL_SOCKET, LISTEN_REUSE, &on,
	    sizeof(on)) == -1) {
		close(fd);
		return -1;
	}
#else
	(void)reuse;
#endif
	if (bind(fd, sa, salen) == -1 ||
	    (listening && listen(fd, 4096) == -1)) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * host:port, [v6]:port → n listening, non-blocking TCP sockets in
 * fds[] (the same one n times where the kernel does not balance).
 * Returns 0, or -1 with err set.
 */
static int
listen_tcp(const char *spec, int *fds, int n, char *err, size_t errsz)
{
	struct addrinfo		 hints, *res, *ai;
	struct sockaddr_storage	 ss;
	socklen_t		 slen;
	char			 host[256], *port;
	int			 fd = -1, rc, i;

	if (hc_strlcpy(host, spec, sizeof(host)) >= sizeof(host) ||
	    (port = strrchr(host, ':')) == NULL) {
		snprintf(err, errsz, "%s: expected host:port", spec);
		return -1;
	}
	*port++ = '\0';
	if (host[0] == '[' && port - host >= 3 && port[-2] == ']') {
		port[-2] = '\0';
		memmove(host, host + 1, strlen(host));
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(*host ? host : NULL, port, &hints, &res)) != 0) {
		snprintf(err, errsz, "%s: %s", spec, gai_strerror(rc));
		return -1;
	}
	/* The first address that binds plainly; port 0 gets its number. */
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = listen_one(ai->ai_addr, ai->ai_addrlen, 0, 1)) != -1)
			break;
		snprintf(err, errsz, "%s: %s", spec, strerror(errno));
	}
	freeaddrinfo(res);
	if (fd == -1)
		return -1;
	for (i = 0; i < n; i++)
		fds[i] = fd;
#ifdef LISTEN_REUSE
	if (n > 1) {
		slen = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &slen) == -1) {
			snprintf(err, errsz, "%s: %s", spec, strerror(errno));
			close(fd);
			return -1;
		}
		close(fd);
		for (i = 0; i < n; i++) {
			fds[i] = listen_one((struct sockaddr *)&ss, slen, 1, 1);
			if (fds[i] == -1) {
				snprintf(err, errsz, "%s: %s", spec,
				    strerror(errno));
				while (i-- > 0)
					close(fds[i]);
				return -1;
			}
		}
	}
#else
	(void)ss;
	(void)slen;
#endif
	return 0;
}

/* One socket, for SMTP_LISTEN. */
static int
listen_tcp1(const char *spec, char *err, size_t errsz)
{
	int fd;

	return listen_tcp(spec, &fd, 1, err, errsz) == -1 ? -1 : fd;
}

/*
 * Descriptors: a worker needs one per connection it may hold
 * (HTTP_MAX_CONNECTIONS) and a few of its own.  The soft limit is
 * raised to that, within the hard limit (LimitNOFILE, ulimit -Hn),
 * and the children inherit it; short of it, accept(2) fails with
 * EMFILE before the configured limit is reached (proc_accept copes,
 * but clients are turned away), so that is said at start.
 */
#define FD_RESERVE	128	/* database, pipes, log, epoll, guard */

static void
raise_nofile(const struct conf *cf)
{
	struct rlimit	rl;
	rlim_t		need = (rlim_t)cf->http_max_connections + FD_RESERVE;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= need)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ?
	    need : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		log_warn("%s: setrlimit", __func__);
	if (rl.rlim_cur < need)
		log_warnx("descriptor limit %llu is below HTTP_MAX_CONNECTIONS "
		    "+ %d: raise it (LimitNOFILE, ulimit -n) or lower "
		    "HTTP_MAX_CONNECTIONS", (unsigned long long)rl.rlim_cur,
		    FD_RESERVE);
}

static void
db_startup(struct master *m, int migrate)
{
	struct dbconn	*d;
	PGconn		*db;
	char		 err[512];
	int		 version, applied, n;
	int		 want = hc_migrations[hc_nmigrations - 1].m_version;

	d = dbconn_new(&m->m_conf, "hcd-master", NULL, NULL);
	if ((db = dbconn_get_now(d, err, sizeof(err))) == NULL)
		fatalx("database: %s", err);
	if (migrate) {
		/* A migration may rewrite a big table: no statement timeout. */
		if (db_exec(db, "SET statement_timeout = 0", err,
		    sizeof(err)) == -1 ||
		    db_migrate(db, &applied, err, sizeof(err)) == -1)
			fatalx("migrate: %s", err);
		if (applied)
			log_info("applied %d schema migration(s)", applied);
	}
	if (db_schema_version(db, &version) == -1)
		fatalx("database: cannot read the schema version");
	if (version < want)
		fatalx("database schema is at version %d, hcd needs %d: "
		    "run hcctl migrate (or hcd -m)", version, want);
	if ((n = index_load(shm_index(m->m_shm), db, err, sizeof(err))) == -1)
		fatalx("loading the check index: %s", err);
	log_info("check index loaded: %d checks", n);
	dbconn_free(d);
}

int
main(int argc, char *argv[])
{
	static struct master	 m;
	struct passwd		*pw;
	struct buf		 b;
	char			 err[512];
	int			 ch, debug = 0, check = 0, verbose = 0, migrate = 0;
	int			 i;

	m.m_conf_path = HC_CONF_FILE;
	while ((ch = getopt(argc, argv, "df:mnv")) != -1) {
		switch (ch) {
		case 'd':
			debug = 1;
			break;
		case 'f':
			m.m_conf_path = optarg;
			break;
		case 'm':
			migrate = 1;
			break;
		case 'n':
			check = 1;
			break;
		case 'v':
			verbose++;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	log_init(1, verbose);
	log_procinit("master");
	if (conf_load(m.m_conf_path, 0, &m.m_conf, err, sizeof(err)) == -1) {
		fprintf(stderr, "hcd: %s\n", err);
		return 1;
	}
	if (geteuid() == 0) {
		if ((pw = getpwnam(m.m_conf.user)) == NULL) {
			fprintf(stderr, "hcd: USER %s: no such user\n",
			    m.m_conf.user);
			return 1;
		}
		m.m_uid = pw->pw_uid;
		m.m_gid = pw->pw_gid;
		m.m_drop = 1;
	}
	m.m_nworkers = conf_workers(&m.m_conf);
	m.m_nproducers = sup_producers(&m);
	if (m.m_nproducers < 1 || m.m_nproducers > HC_MAX_PRODUCERS) {
		fprintf(stderr, "hcd: %d producers (workers and smtpd): at most "
		    "%d\n", m.m_nproducers, HC_MAX_PRODUCERS);
		return 1;
	}
	if (ring_fits(&m.m_conf, m.m_nproducers, err, sizeof(err)) == -1 ||
	    journal_fits(&m.m_conf, err, sizeof(err)) == -1) {
		fprintf(stderr, "hcd: %s\n", err);
		return 1;
	}
	if (check) {
		if (verbose) {
			buf_init(&b);
			conf_dump(&m.m_conf, &b);
			fputs((char *)b.b_data, stdout);
			buf_clear(&b);
		}
		sandbox_init(&m.m_conf);
		fprintf(stderr, "configuration OK (sandbox %s)\n",
		    sandbox_name());
		return 0;
	}
	if (m.m_conf.c_insecure)
		log_warnx("%s holds a secret and others may read it: allowed "
		    "by HCD_ALLOW_INSECURE_CONF=1; chmod 600 it", m.m_conf_path);
	if (strcmp(m.m_conf.secret_key, HC_SECRET_KEY) == 0)
		log_warnx("SECRET_KEY is the default: set it in %s",
		    m.m_conf_path);

	signal(SIGPIPE, SIG_IGN);

	m.m_shm = shm_create((uint64_t)m.m_conf.ring_size, m.m_nproducers,
	    (uint64_t)m.m_conf.max_checks);
	if (m.m_shm == NULL)
		fatalx("cannot create the shared segment");
	db_startup(&m, migrate);

	if (listen_tcp(m.m_conf.http_listen, m.m_http_fds, m.m_nworkers, err,
	    sizeof(err)) == -1)
		fatalx("HTTP_LISTEN %s", err);
	m.m_smtp_fd = -1;
	if (sup_count(&m, PROC_SMTPD) > 0 && (m.m_smtp_fd =
	    listen_tcp1(m.m_conf.smtp_listen, err, sizeof(err))) == -1)
		fatalx("SMTP_LISTEN %s", err);
	if ((m.m_ctl_fd = ctl_listen(m.m_conf.control_socket)) == -1)
		fatalx("CONTROL_SOCKET %s: cannot listen",
		    m.m_conf.control_socket);
	if (pipe2(m.m_wake, O_NONBLOCK | O_CLOEXEC) == -1 ||
	    pipe2(m.m_death, O_NONBLOCK | O_CLOEXEC) == -1)
		fatal("pipe");
	for (i = 0; i < m.m_nproducers; i++)
		if (pipe2(m.m_ack[i], O_NONBLOCK | O_CLOEXEC) == -1)
			fatal("pipe");

	/* Detach only now, so that a start-up error reaches the caller. */
	if (!debug) {
		if (daemon(0, 0) == -1)
			fatal("daemon");
		log_init(0, verbose);
	}
	m.m_pid = getpid();
	if (journal_dir_make(&m, err, sizeof(err)) == -1)
		fatalx("%s", err);
	raise_nofile(&m.m_conf);
	sandbox_init(&m.m_conf);
	log_info("hcd %s listening on %s, %d workers, ack mode %s, sandbox %s",
	    HC_VERSION, m.m_conf.http_listen, m.m_nworkers,
	    conf_ack_name(m.m_conf.ack_mode),
	    sandbox_name());
	sup_start(&m);		/* returns when stopped */
	ctl_cleanup(&m);
	log_info("stopped");
	return m.m_exit;
}
