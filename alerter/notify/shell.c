/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Shell commands (the shell kind, SHELL_ENABLED only), run by the
 * spawner: a small process the notifier forks before it drops into its
 * sandbox.  A seccomp filter is inherited across fork and execve, so a
 * command started by the sandboxed notifier itself would run under the
 * notifier's allow-list (and the list would need fork and exec); the
 * spawner has the notifier's unprivileged user but no filter, and only
 * runs /bin/sh -c with what the notifier sends it.
 *
 * Protocol over a socket pair, both ways one record at a time:
 *   notifier -> spawner   "<id> <length>\n" then <length> bytes of command
 *   spawner -> notifier   "<id> <status>\n": the exit code, 128+N for a
 *                         signal N, -1 when it ran out of time (30 s)
 * The notifier side is non-blocking (a bufferevent on its loop); the
 * spawner blocks, as it has nothing else to do.  When the notifier goes
 * (end of file), the spawner kills what still runs and exits.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "engine.h"
#include "hcd.h"
#include "log.h"
#include "proc.h"

#define SHELL_TIMEOUT_MS	NT_TIMEOUT_MS
#define SHELL_MAX_CMD		65536

struct shell {
	struct bufferevent	*sh_bev;
	void			(*sh_cb)(void *, int64_t, int);
	void			*sh_arg;
};

static int	shell_fd = -1;		/* the notifier's end */

struct running {
	pid_t		r_pid;
	int64_t		r_id;
	int64_t		r_started;
	int		r_killed;
};

static void
spawner_reply(int fd, int64_t id, int status)
{
	char	line[64];
	int	n;

	n = snprintf(line, sizeof(line), "%lld %d\n", (long long)id, status);
	if (n > 0)
		(void)write(fd, line, (size_t)n);
}

static void
spawner_exec(const char *cmd, const sigset_t *mask)
{
	int null;

	if ((null = open("/dev/null", O_RDWR)) != -1) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
	}
	sigprocmask(SIG_SETMASK, mask, NULL);
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}

static void __attribute__((noreturn))
spawner_main(int fd, const struct proc_env *pe)
{
	struct running	 run[64];
	struct pollfd	 pfd;
	struct buf	 in;
	sigset_t	 none;
	char		 tmp[4096], *nl, *cmd;
	long long	 id, len;
	int		 nrun = 0, i, status, eof = 0;
	pid_t		 pid;
	ssize_t		 n;

	log_procinit("spawner");
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (pe->pe_drop && (setgroups(1, &pe->pe_gid) == -1 ||
	    setresgid(pe->pe_gid, pe->pe_gid, pe->pe_gid) == -1 ||
	    setresuid(pe->pe_uid, pe->pe_uid, pe->pe_uid) == -1))
		fatal("spawner: cannot drop privileges");
	(void)prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	sigemptyset(&none);
	signal(SIGCHLD, SIG_DFL);
	buf_init(&in);
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (!eof || nrun > 0) {
		if (!eof && poll(&pfd, 1, 100) == 1) {
			if ((n = read(fd, tmp, sizeof(tmp))) <= 0)
				eof = 1;
			else
				buf_add(&in, tmp, (size_t)n);
		} else if (eof)
			usleep(100000);
		/* Requests that are whole. */
		while (in.b_len > 0 && (nl = memchr(in.b_data, '\n',
		    in.b_len)) != NULL) {
			*nl = '\0';
			if (sscanf((char *)in.b_data, "%lld %lld", &id,
			    &len) != 2 || len < 0 || len > SHELL_MAX_CMD)
				_exit(1);
			if ((size_t)(nl + 1 - (char *)in.b_data) + (size_t)len >
			    in.b_len) {
				*nl = '\n';
				break;
			}
			cmd = xstrndup(nl + 1, (size_t)len);
			buf_consume(&in, (size_t)(nl + 1 - (char *)in.b_data) +
			    (size_t)len);
			if (nrun == (int)(sizeof(run) / sizeof(run[0])) ||
			    (pid = fork()) == -1) {
				spawner_reply(fd, id, 126);
				free(cmd);
				continue;
			}
			if (pid == 0)
				spawner_exec(cmd, &none);
			free(cmd);
			run[nrun].r_pid = pid;
			run[nrun].r_id = id;
			run[nrun].r_started = hc_mono_ms();
			run[nrun].r_killed = 0;
			nrun++;
		}
		for (i = 0; i < nrun; i++) {
			if (eof || (!run[i].r_killed && hc_mono_ms() -
			    run[i].r_started > SHELL_TIMEOUT_MS)) {
				if (!run[i].r_killed)
					kill(run[i].r_pid, SIGKILL);
				run[i].r_killed = 1;
			}
			if (waitpid(run[i].r_pid, &status, WNOHANG) !=
			    run[i].r_pid)
				continue;
			spawner_reply(fd, run[i].r_id, run[i].r_killed ? -1 :
			    WIFEXITED(status) ? WEXITSTATUS(status) :
			    128 + WTERMSIG(status));
			run[i--] = run[--nrun];
		}
	}
	_exit(0);
}

void
shell_fork(const struct proc_env *pe)
{
	int	sv[2];
	pid_t	pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		log_warn("%s: socketpair", __func__);
		return;
	}
	if ((pid = fork()) == -1) {
		log_warn("%s: fork", __func__);
		close(sv[0]);
		close(sv[1]);
		return;
	}
	if (pid == 0) {
		close(sv[0]);
		spawner_main(sv[1], pe);
	}
	close(sv[1]);
	shell_fd = sv[0];
}

static void
shell_read_cb(struct bufferevent *bev, void *arg)
{
	struct shell	*sh = arg;
	char		*line;
	long long	 id;
	int		 status;
	size_t		 n;

	while ((line = evbuffer_readln(bufferevent_get_input(bev), &n,
	    EVBUFFER_EOL_LF)) != NULL) {
		if (sscanf(line, "%lld %d", &id, &status) == 2)
			sh->sh_cb(sh->sh_arg, id, status);
		free(line);
	}
}

static void
shell_event_cb(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		fatalx("notifier: the shell spawner is gone");
}

struct shell *
shell_attach(struct event_base *base, void (*cb)(void *, int64_t, int),
    void *arg)
{
	struct shell *sh;

	if (shell_fd == -1)
		return NULL;
	sh = xcalloc(1, sizeof(*sh));
	sh->sh_cb = cb;
	sh->sh_arg = arg;
	proc_set_nonblock(shell_fd);
	sh->sh_bev = bufferevent_socket_new(base, shell_fd,
	    BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(sh->sh_bev, shell_read_cb, NULL, shell_event_cb, sh);
	bufferevent_enable(sh->sh_bev, EV_READ | EV_WRITE);
	return sh;
}

int
shell_run(struct shell *sh, int64_t id, const char *cmd)
{
	size_t len = strlen(cmd);

	if (len > SHELL_MAX_CMD)
		return -1;
	if (evbuffer_add_printf(bufferevent_get_output(sh->sh_bev),
	    "%lld %zu\n", (long long)id, len) == -1 ||
	    bufferevent_write(sh->sh_bev, cmd, len) == -1)
		return -1;
	return 0;
}

void
shell_detach(struct shell *sh)
{
	if (sh == NULL)
		return;
	bufferevent_free(sh->sh_bev);
	shell_fd = -1;
	free(sh);
}
