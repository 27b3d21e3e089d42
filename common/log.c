/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Logging for all processes.  Every function keeps errno as it found it,
 * so a caller may log and then still look at errno.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "hcd.h"

static int	log_foreground = 1;
static int	log_verbose;
static int	log_fatal_exit = HC_EXIT_FATAL;
static char	log_title[32] = "hcd";

void
log_init(int foreground, int verbose)
{
	log_foreground = foreground;
	log_verbose = verbose;
	if (!foreground)
		openlog("hcd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

/*
 * closelog() forgets the old socket; the number it closes is no longer
 * open (the caller closed it and has opened nothing since), so no
 * descriptor in use is touched.  No-op in the foreground (stderr).
 */
void
log_reopen(void)
{
	if (log_foreground)
		return;
	closelog();
	openlog("hcd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_procinit(const char *title)
{
	if (title != NULL)
		hc_strlcpy(log_title, title, sizeof(log_title));
}

void
log_setverbose(int verbose)
{
	log_verbose = verbose;
}

void
log_setfatalexit(int status)
{
	log_fatal_exit = status;
}

int
log_getverbose(void)
{
	return log_verbose;
}

static void
vlog(int pri, const char *fmt, va_list ap, int with_errno)
{
	char	msg[1024];
	int	saved = errno;
	int	n;

	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		msg[0] = '\0';
	if (with_errno) {
		size_t len = strlen(msg);
		snprintf(msg + len, sizeof(msg) - len, ": %s", strerror(saved));
	}
	if (log_foreground) {
		struct timespec	ts;
		struct tm	tm;
		char		tbuf[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(tbuf, sizeof(tbuf), "%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ld %s[%ld]: %s\n", tbuf,
		    ts.tv_nsec / 1000000, log_title, (long)getpid(), msg);
	} else
		syslog(pri, "%s: %s", log_title, msg);
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, 1);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, 0);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap, 0);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap, 0);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, 1);
	va_end(ap);
	exit(log_fatal_exit);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, 0);
	va_end(ap);
	exit(log_fatal_exit);
}
