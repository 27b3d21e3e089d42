/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Downtime statistics computed from a check's flips: per-month (details
 * page), per-week or per-day (reports) totals of time spent "down" and
 * the number of downtime stretches, bucketed by local calendar periods
 * in a user's time zone, plus the "downtime lasted" helper of the flips
 * API.  Pure functions without I/O, for the dashboard's details page and
 * the flips API (both in the workers) and the alerter's reports; only
 * tests/unit/downtime_test.c calls them so far.  Matches Healthchecks'
 * Check.downtimes_by_boundary().
 */
#ifndef HC_DOWNTIME_H
#define HC_DOWNTIME_H

#include <stddef.h>
#include <stdint.h>

struct tz;

enum dt_period { DT_MONTH, DT_WEEK, DT_DAY };

/* One status change; times are µs since the epoch (UTC). */
struct dt_flip {
	int64_t		 created;
	int		 old_status;	/* enum check_status (check.h) */
	int		 new_status;
};

/* Totals for one period. */
struct dt_record {
	int64_t		 boundary;	/* µs UTC, start of the period */
	int64_t		 duration;	/* µs down within the period */
	int		 count;		/* down stretches in the period */
	int		 no_data;	/* check created after it ended */
};

#define DOWNTIME_MAX_PERIODS	1000

/*
 * The starts of the current period and of the nperiods-1 before it, in
 * zone tz as seen at `now' (µs), newest first, as µs UTC instants:
 * months start on the 1st at 00:00 local, weeks on Monday 00:00, days
 * at 00:00.  A local midnight that falls in a DST gap maps to the wall
 * time shifted forward by the gap (the instant shown as 01:00 when
 * 00:00 is skipped); one that occurs twice maps to the earlier instant.
 * Both are what Python's zoneinfo gives with fold=0, as Healthchecks
 * does.  Returns 0, or -1 on bad input (nperiods outside
 * 1..DOWNTIME_MAX_PERIODS, unknown period, NULL pointers).
 */
int		 downtime_boundaries(enum dt_period, int nperiods,
		    const struct tz *, int64_t now, int64_t *out);

/*
 * Fill out[0..nperiods-1] (newest first) with the downtime per period.
 * flips may come in any order and are not modified; only those created
 * strictly after the oldest boundary count.  status is the check's
 * stored status (CS_NEW, CS_UP, CS_DOWN, CS_PAUSED), created its
 * creation time, now the current time, all µs.
 *
 * The walk goes from (now, status) back through the flips and the
 * period starts, newest first (a flip sorts before a period start at
 * the same instant, as Healthchecks' sort does): whenever the status
 * in force is down, the time back to the event is added to the period
 * the event falls in and that period's count goes up by one, so a
 * downtime crossing a period start counts once in each period.  After
 * a flip the status in force becomes its old_status.
 * A period is no_data when `created' is after the next newer period's
 * start (never for the current period).
 * Returns 0, or -1 on bad input (as downtime_boundaries(), or flips
 * NULL with nflips > 0, or a status outside enum check_status).
 */
int		 downtime_summary(enum dt_period, int nperiods,
		    const struct tz *, int64_t now, int64_t created, int status,
		    const struct dt_flip *flips, size_t nflips,
		    struct dt_record *out);

/*
 * Length in seconds of the local period that starts at `boundary' (µs,
 * as in dt_record): for months the UTC distance between this month's
 * 1st 00:00 local and the next month's, so 31 days minus an hour for
 * March in Europe/Riga; likewise 7 or 1 local days for weeks and days.
 * For "uptime = 1 - duration / 1e6 / seconds".  -1 on bad input.
 */
int64_t		 downtime_period_seconds(enum dt_period, const struct tz *,
		    int64_t boundary);

/*
 * The "down_duration" of flip i in the API: flips sorted oldest first
 * (by created, as the database returns them); if flip i goes to up and
 * flip i-1 went to down, returns flips[i].created - flips[i-1].created
 * (µs), else -1.
 */
int64_t		 downtime_flip_duration(const struct dt_flip *flips,
		    size_t nflips, size_t i);

#endif
