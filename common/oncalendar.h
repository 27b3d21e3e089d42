/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * systemd OnCalendar= schedules (man systemd.time, "Calendar Events"),
 * evaluated the way `systemd-analyze calendar' (systemd 252) does.
 * Used by API/form validation of check schedules and by the master's
 * scheduler for checks of kind "oncalendar".
 *
 * A schedule is one or more lines; blank lines and surrounding blanks
 * are ignored; the schedule fires whenever any line does.  A line is
 *
 *	[WEEKDAYS] [DATE] [TIME] [ZONE]
 *
 * WEEKDAYS: Mon..Sun or Monday..Sunday, any case, in ','-lists and
 * ".." (or '-') ranges, e.g. "Mon..Fri", "Sat,Sun".  DATE: [YEAR-]
 * MONTH-DAY, or MONTH~DAY / YEAR-MONTH~DAY where "~N" counts days from
 * the end of the month (~1 is the last day); two-digit years mean
 * 1970..2069.  TIME: HOUR:MINUTE[:SECOND], 00:00:00 when absent.  Each
 * number may be "*", a value, a range "A..B", a repetition "A/S" or
 * "A..B/S", or a ','-list of those.  Seconds may carry a fraction only
 * if it is zero (".0").  ZONE: " UTC" (any case) or an IANA zone name;
 * without it the caller's default zone applies.  "@EPOCH" names one
 * instant.  The shorthands minutely, hourly, daily, weekly, monthly,
 * yearly, annually, quarterly, semiannually (and systemd's other
 * spellings) are accepted in any case.
 *
 * DST as in systemd: wall times inside a spring-forward gap do not
 * fire (that day's 03:30 is skipped in Europe/Riga); in a fall-back
 * overlap the pass the search is already in is kept, so searching from
 * before the overlap fires in the first pass only, and from inside the
 * second pass fires there.
 */
#ifndef HC_ONCALENDAR_H
#define HC_ONCALENDAR_H

#include <stdint.h>

struct tz;
struct oncal;

/*
 * Parse a schedule.  Returns a heap object to release with
 * oncal_free(), or NULL with *errstr (if not NULL) set to a static
 * message naming the problem.
 */
struct oncal	*oncal_parse(const char *schedule, const char **errstr);

void		 oncal_free(struct oncal *);

/*
 * The earliest instant strictly after `after_utc' (whole seconds) at
 * which any line of the schedule fires.  Lines without a zone are
 * evaluated in `default_tz' (NULL means UTC).  Returns 0 and sets
 * *next_utc, or -1 when no line fires again (systemd searches up to
 * the year 2199).
 */
int		 oncal_next(const struct oncal *, const struct tz *default_tz,
		    int64_t after_utc, int64_t *next_utc);

#endif
