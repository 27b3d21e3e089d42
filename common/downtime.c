/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Downtime statistics from a check's flips, bucketed by local months,
 * weeks or days in a user's time zone (the details page's three-month
 * table, the monthly/weekly reports).  Pure computation over arrays the
 * caller fetched from the database; used by the master process.  The
 * period starts and the newest-to-oldest walk follow Healthchecks'
 * hc/lib/date.py and Check.downtimes_by_boundary(); see downtime.h.
 */

#include <stdint.h>
#include <stdlib.h>

#include "hcd.h"
#include "check.h"
#include "tz.h"
#include "downtime.h"

#define US_PER_SEC	INT64_C(1000000)
#define SECS_PER_DAY	INT64_C(86400)

/* One step of the walk: a period start (marker) or a flip. */
struct dt_event {
	int64_t		 ev_time;	/* µs */
	int		 ev_rank;	/* order at equal times, below */
	int		 ev_bucket;	/* marker: its period; flip: -1 */
	int		 ev_status;	/* flips: old_status */
};

/*
 * Healthchecks sorts (time, old_status) pairs, with "---" standing for
 * a period start, and walks them in reverse; at equal times the larger
 * string goes first.  Rank 0 is "---", then the status names in
 * alphabetical order.
 */
static int
downtime_status_rank(int status)
{
	switch (status) {
	case CS_DOWN:
		return 1;
	case CS_GRACE:
		return 2;
	case CS_NEW:
		return 3;
	case CS_PAUSED:
		return 4;
	case CS_STARTED:
		return 5;
	case CS_UP:
		return 6;
	default:
		return -1;
	}
}

static int64_t
downtime_floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

/* The UTC instant (seconds) of local midnight starting day `days'. */
static int64_t
downtime_midnight(const struct tz *tz, int64_t days)
{
	int64_t utc;

	/* Gap: shifted forward; overlap: the earlier one (fold 0). */
	(void)tz_local_to_utc(tz, days * SECS_PER_DAY, 0, &utc);
	return utc;
}

/* The local calendar day (days since 1970-01-01) of a µs instant. */
static int64_t
downtime_local_day(const struct tz *tz, int64_t when, struct tz_civil *tc)
{
	int64_t local;

	local = tz_utc_to_local(tz, downtime_floordiv(when, US_PER_SEC),
	    NULL);
	tz_civil_from_secs(local, tc);
	return downtime_floordiv(local, SECS_PER_DAY);
}

int
downtime_boundaries(enum dt_period period, int nperiods, const struct tz *tz,
    int64_t now, int64_t *out)
{
	struct tz_civil	 tc;
	int64_t		 day, y, m;
	int		 i;

	if (tz == NULL || out == NULL || nperiods < 1 ||
	    nperiods > DOWNTIME_MAX_PERIODS)
		return -1;
	day = downtime_local_day(tz, now, &tc);

	switch (period) {
	case DT_MONTH:
		y = tc.tc_year;
		m = tc.tc_mon;
		for (i = 0; i < nperiods; i++) {
			out[i] = downtime_midnight(tz,
			    tz_days_from_civil(y, m, 1)) * US_PER_SEC;
			if (--m == 0) {
				m = 12;
				y--;
			}
		}
		return 0;
	case DT_WEEK:
		/* Back to Monday; tc_wday counts from Sunday. */
		day -= (tc.tc_wday + 6) % 7;
		for (i = 0; i < nperiods; i++)
			out[i] = downtime_midnight(tz, day - 7 * i) *
			    US_PER_SEC;
		return 0;
	case DT_DAY:
		for (i = 0; i < nperiods; i++)
			out[i] = downtime_midnight(tz, day - i) * US_PER_SEC;
		return 0;
	}
	return -1;
}

/* Descending by time, then by rank; period starts newest first. */
static int
downtime_event_cmp(const void *a, const void *b)
{
	const struct dt_event *x = a, *y = b;

	if (x->ev_time != y->ev_time)
		return x->ev_time > y->ev_time ? -1 : 1;
	if (x->ev_rank != y->ev_rank)
		return x->ev_rank > y->ev_rank ? -1 : 1;
	if (x->ev_bucket != y->ev_bucket)
		return x->ev_bucket < y->ev_bucket ? -1 : 1;
	return 0;
}

int
downtime_summary(enum dt_period period, int nperiods, const struct tz *tz,
    int64_t now, int64_t created, int status, const struct dt_flip *flips,
    size_t nflips, struct dt_record *out)
{
	struct dt_event	*ev;
	int64_t		 b[DOWNTIME_MAX_PERIODS], t, oldest;
	size_t		 nev, i;
	int		 k, s;

	if (out == NULL || (flips == NULL && nflips > 0) ||
	    downtime_status_rank(status) < 0)
		return -1;
	if (downtime_boundaries(period, nperiods, tz, now, b) == -1)
		return -1;
	for (i = 0; i < nflips; i++)
		if (downtime_status_rank(flips[i].old_status) < 0)
			return -1;
	if (nflips > SIZE_MAX / sizeof(*ev) - (size_t)nperiods)
		return -1;

	for (k = 0; k < nperiods; k++) {
		out[k].boundary = b[k];
		out[k].duration = 0;
		out[k].count = 0;
		/* Created after the next newer period began? */
		out[k].no_data = k > 0 && created > b[k - 1];
	}

	ev = xcalloc((size_t)nperiods + nflips, sizeof(*ev));
	nev = 0;
	for (k = 0; k < nperiods; k++) {
		ev[nev].ev_time = b[k];
		ev[nev].ev_rank = 0;
		ev[nev].ev_bucket = k;
		ev[nev].ev_status = -1;
		nev++;
	}
	oldest = b[nperiods - 1];
	for (i = 0; i < nflips; i++) {
		if (flips[i].created <= oldest)
			continue;
		ev[nev].ev_time = flips[i].created;
		ev[nev].ev_rank = downtime_status_rank(flips[i].old_status);
		ev[nev].ev_bucket = -1;
		ev[nev].ev_status = flips[i].old_status;
		nev++;
	}
	qsort(ev, nev, sizeof(*ev), downtime_event_cmp);

	t = now;
	s = status;
	for (i = 0; i < nev; i++) {
		if (s == CS_DOWN) {
			k = ev[i].ev_bucket;
			if (k < 0)
				/* The newest period that began by then. */
				for (k = 0; k < nperiods - 1; k++)
					if (ev[i].ev_time >= b[k])
						break;
			out[k].duration += t - ev[i].ev_time;
			out[k].count++;
		}
		t = ev[i].ev_time;
		if (ev[i].ev_bucket < 0)
			s = ev[i].ev_status;
	}
	free(ev);
	return 0;
}

int64_t
downtime_period_seconds(enum dt_period period, const struct tz *tz,
    int64_t boundary)
{
	struct tz_civil	 tc;
	int64_t		 day, next;

	if (tz == NULL)
		return -1;
	/* The period's first local day, as Healthchecks' boundary.date(). */
	day = downtime_local_day(tz, boundary, &tc);
	switch (period) {
	case DT_MONTH:
		day = tz_days_from_civil(tc.tc_year, tc.tc_mon, 1);
		next = tz_days_from_civil(tc.tc_year, tc.tc_mon + 1, 1);
		break;
	case DT_WEEK:
		next = day + 7;
		break;
	case DT_DAY:
		next = day + 1;
		break;
	default:
		return -1;
	}
	return downtime_midnight(tz, next) - downtime_midnight(tz, day);
}

int64_t
downtime_flip_duration(const struct dt_flip *flips, size_t nflips, size_t i)
{
	if (flips == NULL || i == 0 || i >= nflips)
		return -1;
	if (flips[i].new_status != CS_UP || flips[i - 1].new_status != CS_DOWN)
		return -1;
	return flips[i].created - flips[i - 1].created;
}
