/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Unit tests for common/proc.c's proc_close_inherited, which a new child
 * of the master calls to keep only the descriptors its role names in
 * its proc_env: those and 0, 1, 2 stay open, everything else is closed,
 * below the highest kept descriptor (the gaps) and above it.  Each case
 * runs in a forked child, since it closes the test's own descriptors.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/wait.h>

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "hcd.h"
#include "proc.h"

static void
pe_none(struct proc_env *pe)
{
	int i;

	memset(pe, 0, sizeof(*pe));
	pe->pe_http_fd = pe->pe_smtp_fd = pe->pe_ack_rfd = -1;
	pe->pe_wake_rfd = pe->pe_wake_wfd = pe->pe_death_fd = -1;
	for (i = 0; i < HC_MAX_PRODUCERS; i++)
		pe->pe_ack_wfd[i] = -1;
}

static int
is_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

/*
 * In a child: close, then check fds[0..n) against keep[].  The exit
 * status is 0, or 10 + the index of the first descriptor found wrong.
 */
static void
run_case(struct proc_env *pe, const int *fds, const int *keep, int n)
{
	pid_t	pid;
	int	status, i;

	if ((pid = fork()) == -1)
		fail_msg("fork");
	if (pid == 0) {
		proc_close_inherited(pe);
		for (i = 0; i < 3; i++)
			if (!is_open(i))
				_exit(1);
		for (i = 0; i < n; i++)
			if (is_open(fds[i]) != keep[i])
				_exit(10 + i);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* A worker's set: some kept, some in the gaps, some above. */
static void
test_keeps_only_named(void **state)
{
	struct proc_env	pe;
	int		p[4][2], fds[10], keep[10], i, n = 0;

	for (i = 0; i < 4; i++)
		assert_int_equal(pipe(p[i]), 0);
	/* the highest kept one well above the rest, one more above it */
	assert_int_equal(dup2(p[0][0], 200), 200);
	assert_int_equal(dup2(p[0][0], 300), 300);
	pe_none(&pe);
	pe.pe_http_fd = p[1][0];
	pe.pe_wake_wfd = p[2][1];
	pe.pe_ack_rfd = 200;
	for (i = 0; i < 4; i++) {
		fds[n] = p[i][0];
		keep[n++] = i == 1;
		fds[n] = p[i][1];
		keep[n++] = i == 2;
	}
	fds[n] = 200;
	keep[n++] = 1;
	fds[n] = 300;
	keep[n++] = 0;
	run_case(&pe, fds, keep, n);
	for (i = 0; i < n; i++)
		close(fds[i]);
}

/* The alerter's set: every producer's ack pipe, write end. */
static void
test_keeps_ack_writers(void **state)
{
	struct proc_env	pe;
	int		p[8][2], fds[16], keep[16], i, n = 0;

	pe_none(&pe);
	for (i = 0; i < 8; i++) {
		assert_int_equal(pipe(p[i]), 0);
		if (i < 6)
			pe.pe_ack_wfd[i] = p[i][1];
	}
	pe.pe_wake_rfd = p[7][0];
	for (i = 0; i < 8; i++) {
		fds[n] = p[i][0];
		keep[n++] = i == 7;
		fds[n] = p[i][1];
		keep[n++] = i < 6;
	}
	run_case(&pe, fds, keep, n);
	for (i = 0; i < n; i++)
		close(fds[i]);
}

/* Nothing named: only 0, 1 and 2 remain. */
static void
test_keeps_nothing(void **state)
{
	struct proc_env	pe;
	int		p[2], fds[2], keep[2] = { 0, 0 };

	assert_int_equal(pipe(p), 0);
	fds[0] = p[0];
	fds[1] = p[1];
	pe_none(&pe);
	run_case(&pe, fds, keep, 2);
	close(p[0]);
	close(p[1]);
}

/* proc_drain empties a pipe, whatever it holds: none, one byte, less
 * than its buffer, exactly its buffer, several buffers and a part. */
static void
test_drain(void **state)
{
	static const size_t	 sizes[] = { 0, 1, 255, 256, 512, 1000, 4096 };
	char			 b[4096], c;
	size_t			 i;
	int			 p[2];

	(void)state;
	memset(b, 'x', sizeof(b));
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		if (sizes[i] > 0)
			assert_int_equal(write(p[1], b, sizes[i]),
			    (ssize_t)sizes[i]);
		proc_drain(p[0]);
		assert_int_equal(read(p[0], &c, 1), -1);
	}
	close(p[0]);
	close(p[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keeps_only_named),
		cmocka_unit_test(test_keeps_ack_writers),
		cmocka_unit_test(test_keeps_nothing),
		cmocka_unit_test(test_drain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
