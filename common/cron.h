/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Cron expressions as Healthchecks evaluates them (its "cronsim"
 * library, which mimics Debian's Vixie cron, DST quirks included).
 * Used by API/form validation of check schedules and by the master's
 * scheduler when it computes when a cron check is next due.
 *
 * Syntax: exactly five whitespace-separated fields, case-insensitive:
 *
 *	minute 0-59, hour 0-23, day-of-month 1-31, month 1-12 or JAN-DEC,
 *	day-of-week 0-7 (0 and 7 are Sunday) or SUN-SAT
 *
 * Each field is a comma list of terms: "*", "N", "A-B" (A <= B; names
 * allowed), "T/S" where T is "*", "A-B" or "N" (a single "N" means "N
 * to the field's maximum"; S >= 1).  Day-of-month also takes "L" (the
 * last day of the month) and "LW" (the last weekday, Mon-Fri, of the
 * month).  Day-of-week also takes "D#N" (the N-th weekday D of the
 * month, N 1..5) and "DL" (the last weekday D of the month; D numeric).
 * When both the day-of-month and the day-of-week field start with
 * something other than "*", a day matches if either matches (OR);
 * otherwise both must match.  An expression whose smallest
 * day-of-month exceeds 29 and that no selected month can hold
 * ("0 0 30 2 *") is rejected as "Bad day-of-month", as cronsim does.
 */
#ifndef HC_CRON_H
#define HC_CRON_H

#include <stdint.h>

struct tz;

#define CRON_DOM_LAST		0x01	/* "L" */
#define CRON_DOM_LASTWD		0x02	/* "LW" */

/* A parsed expression: plain value, no heap, safe to copy. */
struct cron {
	uint64_t	cr_min;		/* bit n: minute n */
	uint32_t	cr_hour;	/* bit n: hour n */
	uint32_t	cr_dom;		/* bit n: day n (1..31) */
	uint16_t	cr_mon;		/* bit n: month n (1..12) */
	uint8_t		cr_dow;		/* bit n: weekday n (0 = Sunday) */
	uint8_t		cr_dom_flags;	/* CRON_DOM_* */
	uint8_t		cr_dow_last;	/* bit n: "nL" */
	uint8_t		cr_dow_nth[6];	/* [k] bit n: "n#k", k 1..5 */
	uint8_t		cr_day_or;	/* day-of-month OR day-of-week */
	uint8_t		cr_wall;	/* minute and hour both specific */
};

/*
 * Parse `expr'.  Returns 0 and fills *out, or -1 and sets *errstr (if
 * not NULL) to a static message in cronsim's words: "Wrong number of
 * fields", "Bad minute", "Bad hour", "Bad day-of-month", "Bad month",
 * "Bad day-of-week".
 */
int	cron_parse(const char *expr, struct cron *out, const char **errstr);

/*
 * The first match after `after_utc', evaluated in zone `tz' (NULL
 * means UTC), as cronsim's next() would compute it from the wall time
 * of `after_utc' with seconds dropped.  Returns 0 and sets *next_utc,
 * or -1 when nothing matches within 50 years.
 *
 * DST follows Debian cron:
 *  - when neither the minute nor the hour field starts with "*" (a job
 *    at specific times like "30 3 * * *"; an hour field "*" followed
 *    by a step does not count, "1-23/2" does), matching runs on the
 *    wall clock: a wall time skipped by a spring-forward gap fires at
 *    the first minute after the gap (03:30 -> 04:00 in Europe/Riga),
 *    and a wall time repeated in a fall-back overlap fires once, at
 *    its first occurrence;
 *  - otherwise matching runs on real elapsed time: every-15-minutes
 *    ("*" step 15 in the minute field) fires during both passes of an
 *    overlap and not at all inside a gap.
 * Quirk kept from cronsim: when `after_utc' lies in the second pass of
 * an overlap, a wall-clock job due later in that same pass is reported
 * at its first occurrence, which is before `after_utc'.
 */
int	cron_next(const struct cron *, const struct tz *, int64_t after_utc,
	    int64_t *next_utc);

/*
 * Healthchecks' rule for telling schedule kinds apart: 1 if `schedule'
 * is a single line (no '\n') of exactly five whitespace-separated
 * fields, meaning cron; 0 otherwise, meaning OnCalendar.
 */
int	sched_kind_of(const char *schedule);

#endif
