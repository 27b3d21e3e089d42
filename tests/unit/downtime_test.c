/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Unit tests for common/downtime.c: period starts (months, ISO weeks,
 * days) in zones east and west of UTC and in both hemispheres, local
 * midnights inside DST gaps and overlaps, the newest-to-oldest walk of
 * flips (splits across period starts, counts, paused stretches, the
 * tie order at equal instants, the "created after" no-data rule), DST
 * aware period lengths and the flips API's down_duration.
 *
 * The expected rows of the summary table were produced by a Python
 * model of Healthchecks' code (hc/api/models.py downtimes_by_boundary
 * and DowntimeRecorder, hc/lib/date.py month_boundaries,
 * week_boundaries, seconds_in_month; day starts are our extension,
 * built the same way) run with /usr/bin/python3 3.11 and its zoneinfo:
 *
 *	from datetime import datetime, timedelta as td, timezone, date
 *	from zoneinfo import ZoneInfo
 *	UTC = timezone.utc
 *
 *	def boundaries(kind, n, tzstr, now):
 *	    tz = ZoneInfo(tzstr)
 *	    loc = now.astimezone(tz)
 *	    out = []
 *	    if kind == "month":
 *	        y, m = loc.year, loc.month
 *	        for _ in range(n):
 *	            out.append(datetime(y, m, 1, tzinfo=tz))
 *	            m -= 1
 *	            if m == 0:
 *	                y, m = y - 1, 12
 *	    else:
 *	        d = loc.date()
 *	        step = 7 if kind == "week" else 1
 *	        if kind == "week":
 *	            d -= td(days=d.weekday())
 *	        for _ in range(n):
 *	            out.append(datetime(d.year, d.month, d.day, tzinfo=tz))
 *	            d -= td(days=step)
 *	    return out
 *
 *	def summary(kind, n, tzstr, now, created, status, flips):
 *	    bs = boundaries(kind, n, tzstr, now)
 *	    recs, prev = [], None
 *	    for b in bs:
 *	        recs.append([b, prev is not None and created > prev, td(), 0])
 *	        prev = b
 *	    events = [(b, "---") for b in bs]
 *	    events += [(c, old) for (c, old, new) in flips if c > min(bs)]
 *	    dt, st = now, status
 *	    for pdt, pst in sorted(events, reverse=True):
 *	        if st == "down":
 *	            delta = dt.astimezone(UTC) - pdt.astimezone(UTC)
 *	            for r in recs:
 *	                if pdt >= r[0]:
 *	                    r[2] += delta
 *	                    r[3] += 1
 *	                    break
 *	        dt = pdt
 *	        if pst != "---":
 *	            st = pst
 *	    return recs
 *
 *	def seconds_in_month(d, tzstr):
 *	    tz = ZoneInfo(tzstr)
 *	    s = datetime(d.year, d.month, 1, tzinfo=tz).astimezone(UTC)
 *	    y, m = d.year, d.month + 1
 *	    if m > 12:
 *	        y, m = y + 1, 1
 *	    e = datetime(y, m, 1, tzinfo=tz).astimezone(UTC)
 *	    return int((e - s).total_seconds())
 *
 * Each case's times were given as UTC datetimes, and each row printed
 * as boundary.astimezone(UTC), duration // td(microseconds=1), count,
 * no_data.  Week and day lengths: the UTC distance between
 * datetime(d, tzinfo=tz) and datetime(d + 7 or 1 days, tzinfo=tz).
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "check.h"
#include "tz.h"
#include "downtime.h"

#define MAXFLIPS	8
#define MAXREC		3

/* "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC to µs since the epoch. */
static int64_t
ts(const char *s)
{
	int	 y, mo, d, h, mi, sec, n = 0, us = 0;
	char	 frac[8];

	assert_int_equal(sscanf(s, "%d-%d-%d %d:%d:%d%n", &y, &mo, &d, &h,
	    &mi, &sec, &n), 6);
	if (s[n] == '.') {
		assert_int_equal(strlen(s + n + 1), 6);
		memcpy(frac, s + n + 1, 7);
		assert_int_equal(sscanf(frac, "%d", &us), 1);
	} else
		assert_int_equal(s[n], '\0');
	return ((tz_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 +
	    sec) * INT64_C(1000000)) + us;
}

struct tflip {
	const char	*at;
	int		 old_status;
	int		 new_status;
};

struct trec {
	const char	*boundary;
	int64_t		 duration;	/* µs */
	int		 count;
	int		 no_data;
};

struct tcase {
	const char	*name;
	enum dt_period	 period;
	int		 n;
	const char	*zone;
	const char	*now;
	const char	*created;
	int		 status;
	size_t		 nflips;
	struct tflip	 flips[MAXFLIPS];
	struct trec	 want[MAXREC];
};

static const struct tcase cases[] = {
	{ "up all along", DT_MONTH, 3, "UTC",
	    "2024-03-15 12:00:00", "2023-06-01 00:00:00", CS_UP, 0, {
	    }, {
		{ "2024-03-01 00:00:00", INT64_C(0), 0, 0 },
		{ "2024-02-01 00:00:00", INT64_C(0), 0, 0 },
		{ "2024-01-01 00:00:00", INT64_C(0), 0, 0 },
	} },
	{ "down all along", DT_MONTH, 3, "UTC",
	    "2024-03-15 12:00:00", "2023-06-01 00:00:00", CS_DOWN, 0, {
	    }, {
		{ "2024-03-01 00:00:00", INT64_C(1252800000000), 1, 0 },
		{ "2024-02-01 00:00:00", INT64_C(2505600000000), 1, 0 },
		{ "2024-01-01 00:00:00", INT64_C(2678400000000), 1, 0 },
	} },
	{ "flip before window ignored", DT_MONTH, 3, "UTC",
	    "2024-03-15 12:00:00", "2023-06-01 00:00:00", CS_DOWN, 1, {
		{ "2023-11-20 08:00:00", CS_UP, CS_DOWN },
	    }, {
		{ "2024-03-01 00:00:00", INT64_C(1252800000000), 1, 0 },
		{ "2024-02-01 00:00:00", INT64_C(2505600000000), 1, 0 },
		{ "2024-01-01 00:00:00", INT64_C(2678400000000), 1, 0 },
	} },
	{ "downtime across month start", DT_MONTH, 3, "UTC",
	    "2024-03-15 12:00:00", "2023-06-01 00:00:00", CS_UP, 2, {
		{ "2024-02-28 22:00:00", CS_UP, CS_DOWN },
		{ "2024-03-01 02:00:00", CS_DOWN, CS_UP },
	    }, {
		{ "2024-03-01 00:00:00", INT64_C(7200000000), 1, 0 },
		{ "2024-02-01 00:00:00", INT64_C(93600000000), 1, 0 },
		{ "2024-01-01 00:00:00", INT64_C(0), 0, 0 },
	} },
	{ "several in one month, shuffled", DT_MONTH, 3, "UTC",
	    "2024-03-15 12:00:00", "2023-06-01 00:00:00", CS_UP, 8, {
		{ "2024-02-10 00:20:00", CS_DOWN, CS_UP },
		{ "2024-02-03 10:00:00", CS_UP, CS_DOWN },
		{ "2024-02-20 06:00:00", CS_DOWN, CS_UP },
		{ "2024-01-05 00:00:00", CS_UP, CS_DOWN },
		{ "2024-02-10 00:00:00", CS_UP, CS_DOWN },
		{ "2024-02-03 10:10:00", CS_DOWN, CS_UP },
		{ "2024-02-20 05:00:00", CS_UP, CS_DOWN },
		{ "2024-01-05 00:30:00", CS_DOWN, CS_UP },
	    }, {
		{ "2024-03-01 00:00:00", INT64_C(0), 0, 0 },
		{ "2024-02-01 00:00:00", INT64_C(5400000000), 3, 0 },
		{ "2024-01-01 00:00:00", INT64_C(1800000000), 1, 0 },
	} },
	{ "paused stretches do not count", DT_MONTH, 3, "UTC",
	    "2024-03-15 12:00:00", "2023-06-01 00:00:00", CS_PAUSED, 6, {
		{ "2024-02-10 00:00:00", CS_UP, CS_DOWN },
		{ "2024-02-10 01:00:00", CS_DOWN, CS_PAUSED },
		{ "2024-02-12 00:00:00", CS_PAUSED, CS_NEW },
		{ "2024-02-12 00:05:00", CS_NEW, CS_UP },
		{ "2024-03-02 00:00:00", CS_UP, CS_DOWN },
		{ "2024-03-03 00:00:00", CS_DOWN, CS_PAUSED },
	    }, {
		{ "2024-03-01 00:00:00", INT64_C(86400000000), 1, 0 },
		{ "2024-02-01 00:00:00", INT64_C(3600000000), 1, 0 },
		{ "2024-01-01 00:00:00", INT64_C(0), 0, 0 },
	} },
	{ "created mid-window", DT_MONTH, 3, "UTC",
	    "2024-03-15 12:00:00", "2024-02-10 08:00:00", CS_DOWN, 2, {
		{ "2024-02-10 09:00:00", CS_NEW, CS_UP },
		{ "2024-03-05 00:00:00", CS_UP, CS_DOWN },
	    }, {
		{ "2024-03-01 00:00:00", INT64_C(907200000000), 1, 0 },
		{ "2024-02-01 00:00:00", INT64_C(0), 0, 0 },
		{ "2024-01-01 00:00:00", INT64_C(0), 0, 1 },
	} },
	{ "created exactly at a boundary", DT_MONTH, 3, "UTC",
	    "2024-03-15 12:00:00", "2024-02-01 00:00:00", CS_NEW, 0, {
	    }, {
		{ "2024-03-01 00:00:00", INT64_C(0), 0, 0 },
		{ "2024-02-01 00:00:00", INT64_C(0), 0, 0 },
		{ "2024-01-01 00:00:00", INT64_C(0), 0, 0 },
	} },
	{ "created 1us after a boundary", DT_MONTH, 3, "UTC",
	    "2024-03-15 12:00:00.000000", "2024-02-01 00:00:00.000001",
	    CS_DOWN, 2, {
		{ "2024-03-15 11:59:59.999999", CS_UP, CS_DOWN },
		{ "2024-02-01 00:00:00.000002", CS_NEW, CS_UP },
	    }, {
		{ "2024-03-01 00:00:00", INT64_C(1), 1, 0 },
		{ "2024-02-01 00:00:00", INT64_C(0), 0, 0 },
		{ "2024-01-01 00:00:00", INT64_C(0), 0, 1 },
	} },
	{ "flip at a period start sorts first", DT_MONTH, 3, "UTC",
	    "2024-03-15 12:00:00", "2023-06-01 00:00:00", CS_UP, 2, {
		{ "2024-01-20 00:00:00", CS_UP, CS_DOWN },
		{ "2024-02-01 00:00:00", CS_DOWN, CS_UP },
	    }, {
		{ "2024-03-01 00:00:00", INT64_C(0), 0, 0 },
		{ "2024-02-01 00:00:00", INT64_C(0), 1, 0 },
		{ "2024-01-01 00:00:00", INT64_C(1036800000000), 1, 0 },
	} },
	{ "flip at the oldest start is left out", DT_MONTH, 3, "UTC",
	    "2024-03-15 12:00:00", "2023-06-01 00:00:00", CS_UP, 1, {
		{ "2024-01-01 00:00:00", CS_DOWN, CS_UP },
	    }, {
		{ "2024-03-01 00:00:00", INT64_C(0), 0, 0 },
		{ "2024-02-01 00:00:00", INT64_C(0), 0, 0 },
		{ "2024-01-01 00:00:00", INT64_C(0), 0, 0 },
	} },
	{ "weeks east of UTC (Tokyo)", DT_WEEK, 3, "Asia/Tokyo",
	    "2024-03-10 16:00:00", "2023-06-01 00:00:00", CS_UP, 2, {
		{ "2024-03-10 14:00:00", CS_UP, CS_DOWN },
		{ "2024-03-10 15:30:00", CS_DOWN, CS_UP },
	    }, {
		{ "2024-03-10 15:00:00", INT64_C(1800000000), 1, 0 },
		{ "2024-03-03 15:00:00", INT64_C(3600000000), 1, 0 },
		{ "2024-02-25 15:00:00", INT64_C(0), 0, 0 },
	} },
	{ "weeks west of UTC (New York, DST week)", DT_WEEK, 3,
	    "America/New_York",
	    "2024-03-11 02:00:00", "2023-06-01 00:00:00", CS_DOWN, 1, {
		{ "2024-03-04 04:00:00", CS_UP, CS_DOWN },
	    }, {
		{ "2024-03-04 05:00:00", INT64_C(594000000000), 1, 0 },
		{ "2024-02-26 05:00:00", INT64_C(3600000000), 1, 0 },
		{ "2024-02-19 05:00:00", INT64_C(0), 0, 0 },
	} },
	{ "days in Riga over spring forward", DT_DAY, 3, "Europe/Riga",
	    "2024-03-31 12:00:00", "2023-06-01 00:00:00", CS_DOWN, 1, {
		{ "2024-03-29 12:00:00", CS_UP, CS_DOWN },
	    }, {
		{ "2024-03-30 22:00:00", INT64_C(50400000000), 1, 0 },
		{ "2024-03-29 22:00:00", INT64_C(86400000000), 1, 0 },
		{ "2024-03-28 22:00:00", INT64_C(36000000000), 1, 0 },
	} },
	{ "days, midnight in a gap (Santiago)", DT_DAY, 3, "America/Santiago",
	    "2024-09-08 12:00:00", "2023-06-01 00:00:00", CS_DOWN, 1, {
		{ "2024-09-06 12:00:00", CS_UP, CS_DOWN },
	    }, {
		{ "2024-09-08 04:00:00", INT64_C(28800000000), 1, 0 },
		{ "2024-09-07 04:00:00", INT64_C(86400000000), 1, 0 },
		{ "2024-09-06 04:00:00", INT64_C(57600000000), 1, 0 },
	} },
	{ "months, 1st 00:00 in a gap (Asuncion)", DT_MONTH, 3,
	    "America/Asuncion",
	    "2023-10-15 12:00:00", "2023-01-01 00:00:00", CS_DOWN, 1, {
		{ "2023-09-30 12:00:00", CS_UP, CS_DOWN },
	    }, {
		{ "2023-10-01 04:00:00", INT64_C(1238400000000), 1, 0 },
		{ "2023-09-01 04:00:00", INT64_C(57600000000), 1, 0 },
		{ "2023-08-01 04:00:00", INT64_C(0), 0, 0 },
	} },
	{ "months, 1st 00:00 twice (Havana)", DT_MONTH, 3, "America/Havana",
	    "2020-11-10 12:00:00", "2020-01-01 00:00:00", CS_DOWN, 0, {
	    }, {
		{ "2020-11-01 04:00:00", INT64_C(806400000000), 1, 0 },
		{ "2020-10-01 04:00:00", INT64_C(2678400000000), 1, 0 },
		{ "2020-09-01 04:00:00", INT64_C(2592000000000), 1, 0 },
	} },
	{ "months over DST (Riga)", DT_MONTH, 3, "Europe/Riga",
	    "2024-04-10 12:00:00", "2023-01-01 00:00:00", CS_DOWN, 0, {
	    }, {
		{ "2024-03-31 21:00:00", INT64_C(831600000000), 1, 0 },
		{ "2024-02-29 22:00:00", INT64_C(2674800000000), 1, 0 },
		{ "2024-01-31 22:00:00", INT64_C(2505600000000), 1, 0 },
	} },
	{ "southern hemisphere (Sydney)", DT_MONTH, 3, "Australia/Sydney",
	    "2024-04-20 00:00:00", "2023-01-01 00:00:00", CS_UP, 4, {
		{ "2024-04-06 15:00:00", CS_UP, CS_DOWN },
		{ "2024-04-06 17:00:00", CS_DOWN, CS_UP },
		{ "2024-03-31 12:00:00", CS_UP, CS_DOWN },
		{ "2024-03-31 14:00:00", CS_DOWN, CS_UP },
	    }, {
		{ "2024-03-31 13:00:00", INT64_C(10800000000), 2, 0 },
		{ "2024-02-29 13:00:00", INT64_C(3600000000), 1, 0 },
		{ "2024-01-31 13:00:00", INT64_C(0), 0, 0 },
	} },
};

static void
test_summary_table(void **state)
{
	struct dt_flip	 fl[MAXFLIPS];
	struct dt_record out[MAXREC];
	const struct tcase *c;
	const struct tz	*z;
	size_t		 i, j;
	int		 k;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = &cases[i];
		z = tz_get(c->zone);
		if (z == NULL)
			fail_msg("%s: no zone %s", c->name, c->zone);
		for (j = 0; j < c->nflips; j++) {
			fl[j].created = ts(c->flips[j].at);
			fl[j].old_status = c->flips[j].old_status;
			fl[j].new_status = c->flips[j].new_status;
		}
		memset(out, 0xa5, sizeof(out));
		if (downtime_summary(c->period, c->n, z, ts(c->now),
		    ts(c->created), c->status, fl, c->nflips, out) != 0)
			fail_msg("%s: failed", c->name);
		for (k = 0; k < c->n; k++) {
			if (out[k].boundary != ts(c->want[k].boundary) ||
			    out[k].duration != c->want[k].duration ||
			    out[k].count != c->want[k].count ||
			    out[k].no_data != c->want[k].no_data)
				fail_msg("%s: record %d: got boundary %lld "
				    "duration %lld count %d no_data %d, want "
				    "%s %lld %d %d", c->name, k,
				    (long long)out[k].boundary,
				    (long long)out[k].duration, out[k].count,
				    out[k].no_data, c->want[k].boundary,
				    (long long)c->want[k].duration,
				    c->want[k].count, c->want[k].no_data);
		}
	}
}

/* The input order of flips does not matter, nor is the array changed. */
static void
test_flip_order(void **state)
{
	struct dt_flip	 a[4], b[4], keep[4];
	struct dt_record ra[3], rb[3];
	const struct tz	*z = tz_get("Europe/Riga");
	int		 k;

	a[0] = (struct dt_flip){ ts("2024-02-28 22:00:00"), CS_UP, CS_DOWN };
	a[1] = (struct dt_flip){ ts("2024-03-01 02:00:00"), CS_DOWN, CS_UP };
	a[2] = (struct dt_flip){ ts("2024-03-10 00:00:00"), CS_UP, CS_DOWN };
	a[3] = (struct dt_flip){ ts("2024-03-10 00:00:30"), CS_DOWN, CS_UP };
	b[0] = a[3];
	b[1] = a[0];
	b[2] = a[2];
	b[3] = a[1];
	memcpy(keep, b, sizeof(b));
	assert_int_equal(downtime_summary(DT_MONTH, 3, z,
	    ts("2024-03-15 12:00:00"), ts("2023-01-01 00:00:00"), CS_UP, a, 4,
	    ra), 0);
	assert_int_equal(downtime_summary(DT_MONTH, 3, z,
	    ts("2024-03-15 12:00:00"), ts("2023-01-01 00:00:00"), CS_UP, b, 4,
	    rb), 0);
	assert_memory_equal(b, keep, sizeof(b));
	for (k = 0; k < 3; k++) {
		assert_true(ra[k].boundary == rb[k].boundary);
		assert_true(ra[k].duration == rb[k].duration);
		assert_int_equal(ra[k].count, rb[k].count);
	}
	/*
	 * Riga's March starts at 2024-02-29 22:00Z: the first downtime
	 * gives February 24 h and March 4 h, the second March 30 s.
	 */
	assert_true(ra[0].duration == INT64_C(14430) * 1000000);
	assert_int_equal(ra[0].count, 2);
	assert_true(ra[1].duration == INT64_C(86400) * 1000000);
	assert_int_equal(ra[1].count, 1);
	assert_int_equal(ra[2].count, 0);
}

/* The walk for a single period and for many. */
static void
test_period_counts(void **state)
{
	struct dt_record out[DOWNTIME_MAX_PERIODS];
	int64_t		 b[DOWNTIME_MAX_PERIODS];
	const struct tz	*z = tz_get("UTC");
	int64_t		 now = ts("2024-03-15 12:00:00");

	assert_int_equal(downtime_summary(DT_DAY, 1, z, now, 0, CS_DOWN,
	    NULL, 0, out), 0);
	assert_true(out[0].boundary == ts("2024-03-15 00:00:00"));
	assert_true(out[0].duration == INT64_C(43200) * 1000000);
	assert_int_equal(out[0].count, 1);
	assert_int_equal(out[0].no_data, 0);

	assert_int_equal(downtime_boundaries(DT_MONTH, DOWNTIME_MAX_PERIODS,
	    z, now, b), 0);
	assert_true(b[12] == ts("2023-03-01 00:00:00"));
	assert_true(b[DOWNTIME_MAX_PERIODS - 1] == ts("1940-12-01 00:00:00"));
	assert_int_equal(downtime_summary(DT_WEEK, DOWNTIME_MAX_PERIODS, z,
	    now, ts("2024-03-01 00:00:00"), CS_DOWN, NULL, 0, out), 0);
	/* 2024-03-15 was a Friday. */
	assert_true(out[0].boundary == ts("2024-03-11 00:00:00"));
	assert_true(out[1].boundary == ts("2024-03-04 00:00:00"));
	assert_int_equal(out[1].no_data, 0);
	assert_int_equal(out[2].no_data, 0);	/* Feb 26 week has Mar 1 */
	assert_int_equal(out[3].no_data, 1);	/* created after Feb 26 */
	assert_int_equal(out[3].count, 1);	/* counted all the same */
	assert_int_equal(out[999].count, 1);
}

static void
test_period_seconds(void **state)
{
	static const struct {
		enum dt_period	 period;
		const char	*zone;
		const char	*boundary;
		int64_t		 secs;
	} t[] = {
		{ DT_MONTH, "UTC", "2024-02-01 00:00:00", 29 * 86400 },
		{ DT_MONTH, "UTC", "2023-12-01 00:00:00", 31 * 86400 },
		{ DT_MONTH, "Europe/Riga", "2023-09-30 21:00:00",
		    31 * 86400 + 3600 },		/* October 2023 */
		{ DT_MONTH, "Europe/Riga", "2024-02-29 22:00:00",
		    31 * 86400 - 3600 },		/* March 2024 */
		{ DT_MONTH, "Europe/Riga", "2024-01-31 22:00:00",
		    29 * 86400 },
		{ DT_MONTH, "Australia/Sydney", "2024-03-31 13:00:00",
		    30 * 86400 + 3600 },		/* April 2024 */
		{ DT_MONTH, "Australia/Sydney", "2024-09-30 14:00:00",
		    31 * 86400 - 3600 },		/* October 2024 */
		{ DT_MONTH, "America/Asuncion", "2023-10-01 04:00:00",
		    31 * 86400 - 3600 },		/* 1st 00:00 skipped */
		{ DT_MONTH, "America/Havana", "2020-11-01 04:00:00",
		    30 * 86400 + 3600 },		/* 1st 00:00 twice */
		{ DT_WEEK, "America/New_York", "2024-03-04 05:00:00",
		    7 * 86400 - 3600 },
		{ DT_WEEK, "Europe/Riga", "2024-10-20 21:00:00",
		    7 * 86400 + 3600 },
		{ DT_DAY, "Europe/Riga", "2024-03-30 22:00:00", 23 * 3600 },
		{ DT_DAY, "America/Santiago", "2024-09-08 04:00:00",
		    23 * 3600 },
		{ DT_DAY, "America/Santiago", "2024-09-07 04:00:00", 86400 },
		{ DT_DAY, "Asia/Tokyo", "2024-03-10 15:00:00", 86400 },
	};
	size_t		 i;
	int64_t		 got;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		got = downtime_period_seconds(t[i].period, tz_get(t[i].zone),
		    ts(t[i].boundary));
		if (got != t[i].secs)
			fail_msg("%s %s: got %lld, want %lld", t[i].zone,
			    t[i].boundary, (long long)got,
			    (long long)t[i].secs);
	}
	assert_true(downtime_period_seconds(DT_MONTH, NULL, 0) == -1);
	assert_true(downtime_period_seconds((enum dt_period)7, tz_get("UTC"),
	    0) == -1);
}

static void
test_bad_input(void **state)
{
	struct dt_record out[3];
	struct dt_flip	 f = { 0, 9, CS_UP };
	int64_t		 b[3];
	const struct tz	*z = tz_get("UTC");

	assert_int_equal(downtime_summary(DT_MONTH, 0, z, 0, 0, CS_UP, NULL,
	    0, out), -1);
	assert_int_equal(downtime_summary(DT_MONTH, DOWNTIME_MAX_PERIODS + 1,
	    z, 0, 0, CS_UP, NULL, 0, out), -1);
	assert_int_equal(downtime_summary(DT_MONTH, 3, NULL, 0, 0, CS_UP,
	    NULL, 0, out), -1);
	assert_int_equal(downtime_summary(DT_MONTH, 3, z, 0, 0, CS_UP, NULL,
	    0, NULL), -1);
	assert_int_equal(downtime_summary(DT_MONTH, 3, z, 0, 0, CS_UP, NULL,
	    1, out), -1);
	assert_int_equal(downtime_summary(DT_MONTH, 3, z, 0, 0, 42, NULL, 0,
	    out), -1);
	assert_int_equal(downtime_summary(DT_MONTH, 3, z, 0, 0, CS_UP, &f, 1,
	    out), -1);
	assert_int_equal(downtime_summary((enum dt_period)5, 3, z, 0, 0,
	    CS_UP, NULL, 0, out), -1);
	assert_int_equal(downtime_boundaries(DT_DAY, 3, z, 0, NULL), -1);
	/* Before 1970 works too: floor, not truncation, of the µs. */
	assert_int_equal(downtime_boundaries(DT_DAY, 3, z, -1, b), 0);
	assert_true(b[0] == ts("1969-12-31 00:00:00"));
}

static void
test_flip_duration(void **state)
{
	struct dt_flip	 f[5];

	f[0] = (struct dt_flip){ ts("2024-03-01 00:00:00"), CS_NEW, CS_UP };
	f[1] = (struct dt_flip){ ts("2024-03-02 00:00:00"), CS_UP, CS_DOWN };
	f[2] = (struct dt_flip){ ts("2024-03-02 01:30:00"), CS_DOWN, CS_UP };
	f[3] = (struct dt_flip){ ts("2024-03-03 00:00:00"), CS_UP,
	    CS_PAUSED };
	f[4] = (struct dt_flip){ ts("2024-03-04 00:00:00"), CS_PAUSED, CS_UP };

	assert_true(downtime_flip_duration(f, 5, 2) == INT64_C(5400000000));
	assert_true(downtime_flip_duration(f, 5, 0) == -1);	/* first */
	assert_true(downtime_flip_duration(f, 5, 1) == -1);	/* →down */
	assert_true(downtime_flip_duration(f, 5, 4) == -1);	/* was paused */
	assert_true(downtime_flip_duration(f, 5, 5) == -1);	/* too far */
	assert_true(downtime_flip_duration(NULL, 0, 0) == -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_summary_table),
		cmocka_unit_test(test_flip_order),
		cmocka_unit_test(test_period_counts),
		cmocka_unit_test(test_period_seconds),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_flip_duration),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
