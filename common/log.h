/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Logging shared by every hcd process: stderr in the foreground (-d),
 * syslog otherwise, each line prefixed by the process title.
 *
 * The log_* and fatal* calls are thread-safe (a line is formatted in a
 * buffer of the caller's and written with one call).  Not thread-safe:
 * log_init, log_procinit, log_setverbose and log_setfatalexit, which a
 * process calls before it starts threads.
 */
#ifndef HC_LOG_H
#define HC_LOG_H

#include <stdarg.h>

void	log_init(int foreground, int verbose);
void	log_procinit(const char *title);
void	log_setverbose(int verbose);
int	log_getverbose(void);
/* Exit status of fatal()/fatalx(); HC_EXIT_FATAL until changed. */
void	log_setfatalexit(int);
/*
 * In a child that has just closed the descriptors it inherited (proc.c):
 * the syslog socket was one of them, so forget it and connect again.
 */
void	log_reopen(void);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
