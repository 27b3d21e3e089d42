/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The control socket: a UNIX stream socket on which hcctl sends one
 * command line ("status", "reload", "stop") and reads the answer until
 * the master closes the connection.  The first line of an answer is
 * "ok" or "error: <reason>".  Only root and the master's own user may
 * talk to it (SO_PEERCRED / getpeereid), and it is created under umask
 * 077.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "hcd.h"
#include "log.h"
#include "master.h"

/*
 * Open control connections.  A child forked while one is open does not
 * keep a copy (it closes whatever its role does not name), which would
 * keep hcctl waiting for EOF.
 */
#define CTL_MAXCONN	32
static int	ctl_nconns;

static void	ctl_status(struct master *, struct buf *);
static void	ctl_reload(struct master *, struct buf *);
static void	ctl_stop(struct master *, struct buf *);

/*
 * The commands, as hcctl sends them (its own table in hcctl.c names
 * them too): the first line of the answer, then what the command adds.
 */
static const struct ctl_cmd {
	const char	*cc_name;
	const char	*cc_reply;
	void		(*cc_fn)(struct master *, struct buf *);
} ctl_cmds[] = {
	{ "status",	"ok",		ctl_status },
	{ "reload",	"ok reloading",	ctl_reload },
	{ "stop",	"ok stopping",	ctl_stop },
};

static void
ctl_status(struct master *m, struct buf *b)
{
	sup_status(m, b);
}

static void
ctl_reload(struct master *m, struct buf *b)
{
	sup_reload(m);
}

static void
ctl_stop(struct master *m, struct buf *b)
{
	sup_stop(m, "hcctl stop", 0);
}

static void
ctl_free(struct bufferevent *bev)
{
	ctl_nconns--;
	bufferevent_free(bev);
}

int
ctl_listen(const char *path)
{
	struct sockaddr_un	 sun;
	mode_t			 old;
	int			 fd, probe;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (hc_strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		log_warnx("%s: %s: path too long", __func__, path);
		return -1;
	}
	/* A socket that still answers belongs to a running hcd. */
	if ((probe = socket(AF_UNIX, SOCK_STREAM, 0)) != -1) {
		if (connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			close(probe);
			log_warnx("%s: %s: another hcd is running", __func__,
			    path);
			return -1;
		}
		close(probe);
	}
	unlink(path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return -1;
	old = umask(077);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		log_warn("%s: bind %s", __func__, path);
		umask(old);
		close(fd);
		return -1;
	}
	umask(old);
	if (listen(fd, 16) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
ctl_peer_ok(int fd)
{
#ifdef SO_PEERCRED
	struct ucred	cr;
	socklen_t	len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == -1)
		return 0;
	return cr.uid == 0 || cr.uid == geteuid();
#else
	uid_t	uid;
	gid_t	gid;

	if (getpeereid(fd, &uid, &gid) == -1)
		return 0;
	return uid == 0 || uid == geteuid();
#endif
}

static void
ctl_done(struct bufferevent *bev, void *arg)
{
	struct evbuffer *out = bufferevent_get_output(bev);

	if (evbuffer_get_length(out) == 0)
		ctl_free(bev);
}

static void
ctl_event(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		ctl_free(bev);
}

static void
ctl_read(struct bufferevent *bev, void *arg)
{
	struct master	*m = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	struct buf	 b;
	char		*line;
	size_t		 n, i;

	if ((line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF)) == NULL) {
		if (evbuffer_get_length(in) > 1024)
			ctl_free(bev);
		return;
	}
	buf_init(&b);
	for (i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++)
		if (strcmp(line, ctl_cmds[i].cc_name) == 0)
			break;
	if (i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0])) {
		buf_printf(&b, "%s\n", ctl_cmds[i].cc_reply);
		ctl_cmds[i].cc_fn(m, &b);
	} else
		buf_addstr(&b, "error: unknown command\n");
	free(line);
	bufferevent_setcb(bev, NULL, ctl_done, ctl_event, m);
	bufferevent_write(bev, b.b_data, b.b_len);
	buf_clear(&b);
}

static void
ctl_accept(evutil_socket_t lfd, short ev, void *arg)
{
	struct master		*m = arg;
	struct bufferevent	*bev;
	int			 fd;

	if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) == -1)
		return;
	if (!ctl_peer_ok(fd)) {
		log_warnx("control: connection from another user refused");
		close(fd);
		return;
	}
	if (ctl_nconns == CTL_MAXCONN) {
		log_warnx("control: too many connections");
		close(fd);
		return;
	}
	ctl_nconns++;
	bev = bufferevent_socket_new(m->m_base, fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(bev, ctl_read, NULL, ctl_event, m);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

void
ctl_init(struct master *m)
{
	m->m_ev_ctl = event_new(m->m_base, m->m_ctl_fd, EV_READ | EV_PERSIST,
	    ctl_accept, m);
	event_add(m->m_ev_ctl, NULL);
}

void
ctl_cleanup(struct master *m)
{
	if (m->m_ctl_fd != -1) {
		unlink(m->m_conf.control_socket);
		close(m->m_ctl_fd);
		m->m_ctl_fd = -1;
	}
}
