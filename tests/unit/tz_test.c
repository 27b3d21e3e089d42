/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Unit tests for common/tz.c: zone lookup and name safety, UTC offsets
 * on both sides of DST transitions (checked against zdump -v, including
 * instants past 2037 that come from the POSIX footer rule), local to
 * UTC conversion in gaps and overlaps, and threads that load zones at
 * once (the same ones and different ones) while others look up cached
 * ones; under ThreadSanitizer (make tsan) that last test is the one
 * that would report a race on the cache.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <string.h>

#include "tz.h"

static void
test_lookup(void **state)
{
	const struct tz *a, *b;

	assert_non_null(a = tz_get("UTC"));
	assert_string_equal(tz_name(a), "UTC");
	assert_int_equal(tz_offset(a, 1700000000), 0);
	assert_non_null(a = tz_get("Europe/Riga"));
	assert_ptr_equal(a, tz_get("Europe/Riga"));	/* cached */
	assert_string_equal(tz_name(a), "Europe/Riga");
	/* Healthchecks maps the old spelling to the new one. */
	assert_non_null(b = tz_get("Europe/Kiev"));
	assert_string_equal(tz_name(b), "Europe/Kyiv");
	assert_ptr_equal(b, tz_get("Europe/Kyiv"));
	/* A 'backward' link that exists as a file works as given. */
	assert_non_null(b = tz_get("Asia/Calcutta"));
	assert_string_equal(tz_name(b), "Asia/Calcutta");
	assert_int_equal(tz_offset(b, 1700000000), 19800);
	assert_non_null(tz_get("Etc/GMT+5"));
	assert_int_equal(tz_offset(tz_get("Etc/GMT+5"), 0), -18000);
}

static void
test_bad_names(void **state)
{
	static const char *bad[] = {
		"", "Nowhere/Zone", "../etc/passwd", "/etc/localtime",
		"Europe/../Europe/Riga", "Europe/Riga ", "Europe/Riga;",
		"Europe//../x", "zone.tab", "Europe", "europe/riga",
		"right/UTC", "Europe/Riga\n", "%2e%2e/x",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (tz_get(bad[i]) != NULL)
			fail_msg("accepted \"%s\"", bad[i]);
	assert_null(tz_get(NULL));
}

/*
 * Offsets just before and at each transition.  Oracle: zdump -v -c
 * Y,Y+1 ZONE (tzdata 2025b on Debian 12), e.g.
 *   Europe/Riga  Sun Mar 31 00:59:59 2024 UT = ... EET isdst=0 gmtoff=7200
 *   Europe/Riga  Sun Mar 31 01:00:00 2024 UT = ... EEST isdst=1 gmtoff=10800
 *   Europe/Riga  Sun Oct 27 00:59:59 2024 UT = ... EEST isdst=1 gmtoff=10800
 *   Europe/Riga  Sun Oct 27 01:00:00 2024 UT = ... EET isdst=0 gmtoff=7200
 *   Australia/Lord_Howe  Sat Apr  6 15:00:00 2024 UT = Sun Apr  7 01:30:00
 *     2024 +1030 isdst=0 gmtoff=37800
 *   America/Santiago  Sun Sep  8 04:00:00 2024 UT = Sun Sep  8 01:00:00
 *     2024 -03 isdst=1 gmtoff=-10800
 *   Australia/Sydney  Sat Oct  2 16:00:00 2100 UT = Sun Oct  3 03:00:00
 *     2100 AEDT isdst=1 gmtoff=39600
 * Each row below is one zdump line: the UT side as an epoch, gmtoff.
 */
static const struct {
	const char	*zone;
	int64_t		 utc;
	int64_t		 off;
} offsets[] = {
	{ "Europe/Riga", 1711846799, 7200 },
	{ "Europe/Riga", 1711846800, 10800 },
	{ "Europe/Riga", 1729990799, 10800 },
	{ "Europe/Riga", 1729990800, 7200 },
	{ "Australia/Sydney", 1712419199, 39600 },
	{ "Australia/Sydney", 1712419200, 36000 },
	{ "Australia/Sydney", 1728143999, 36000 },
	{ "Australia/Sydney", 1728144000, 39600 },
	{ "America/Santiago", 1712458799, -10800 },
	{ "America/Santiago", 1712458800, -14400 },
	{ "America/Santiago", 1725767999, -14400 },
	{ "America/Santiago", 1725768000, -10800 },
	{ "Australia/Lord_Howe", 1712415599, 39600 },
	{ "Australia/Lord_Howe", 1712415600, 37800 },
	{ "Australia/Lord_Howe", 1728142199, 37800 },
	{ "Australia/Lord_Howe", 1728142200, 39600 },
	{ "Australia/Adelaide", 1712420999, 37800 },
	{ "Australia/Adelaide", 1712421000, 34200 },
	{ "Australia/Adelaide", 1728145799, 34200 },
	{ "Australia/Adelaide", 1728145800, 37800 },
	{ "America/New_York", 1710053999, -18000 },
	{ "America/New_York", 1710054000, -14400 },
	{ "America/New_York", 1730613599, -14400 },
	{ "America/New_York", 1730613600, -18000 },
	{ "Australia/Sydney", 4110451199, 39600 },
	{ "Australia/Sydney", 4110451200, 36000 },
	{ "Australia/Sydney", 4126175999, 36000 },
	{ "Australia/Sydney", 4126176000, 39600 },
	{ "America/Santiago", 4110490799, -10800 },
	{ "America/Santiago", 4110490800, -14400 },
	{ "America/Santiago", 4123799999, -14400 },
	{ "America/Santiago", 4123800000, -10800 },
	{ "Europe/Riga", 4109878799, 7200 },
	{ "Europe/Riga", 4109878800, 10800 },
	{ "Europe/Riga", 4128627599, 10800 },
	{ "Europe/Riga", 4128627600, 7200 },
	/* No DST since 1945: zdump Asia/Kolkata -> IST, +05:30. */
	{ "Asia/Kolkata", 1711846800, 19800 },
	{ "Asia/Kolkata", 4102444800, 19800 },
};

static void
test_offsets(void **state)
{
	const struct tz *z;
	size_t i;

	for (i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		assert_non_null(z = tz_get(offsets[i].zone));
		if (tz_offset(z, offsets[i].utc) != offsets[i].off)
			fail_msg("%s at %lld: %lld, want %lld",
			    offsets[i].zone, (long long)offsets[i].utc,
			    (long long)tz_offset(z, offsets[i].utc),
			    (long long)offsets[i].off);
	}
}

/*
 * Local -> UTC.  Local values are wall times encoded as if UTC; the
 * expected results follow from the zdump lines above.
 */
static const struct {
	const char	*zone;
	const char	*what;
	int64_t		 local;
	int		 rc;
	int64_t		 fold0;
	int64_t		 fold1;
} l2u[] = {
	/* Riga 2024-03-31 03:30 is skipped (03:00 EET -> 04:00 EEST):
	 * 03:30 - 2h = 01:30Z, shown as 04:30 EEST. */
	{ "Europe/Riga", "gap", 1711855800, 1, 1711848600, 1711848600 },
	/* Riga 2024-03-31 02:59 EET and 04:00 EEST are ordinary. */
	{ "Europe/Riga", "before gap", 1711853940, 0, 1711846740,
	    1711846740 },
	{ "Europe/Riga", "after gap", 1711857600, 0, 1711846800,
	    1711846800 },
	/* Riga 2024-10-27 03:30 happens at 00:30Z (EEST) and 01:30Z (EET). */
	{ "Europe/Riga", "overlap", 1729999800, 2, 1729989000, 1729992600 },
	/* Sydney 2024-04-07 02:30 at 15:30Z (AEDT) and 16:30Z (AEST). */
	{ "Australia/Sydney", "overlap", 1712457000, 2, 1712417400,
	    1712421000 },
	/* Sydney 2024-10-06 02:30 is skipped: 02:30 - 10h = 16:30Z. */
	{ "Australia/Sydney", "gap", 1728181800, 1, 1728145800, 1728145800 },
	/* Lord Howe 2024-04-07 01:45 at 14:45Z (+11) and 15:15Z (+10:30). */
	{ "Australia/Lord_Howe", "overlap 30m", 1712454300, 2, 1712414700,
	    1712416500 },
	/* Lord Howe 2024-10-06 02:15 is skipped: - 10:30 = 15:45Z. */
	{ "Australia/Lord_Howe", "gap 30m", 1728180900, 1, 1728143100,
	    1728143100 },
	/* Santiago 2024-09-08 00:30 is skipped: + 4h = 04:30Z (01:30 -03). */
	{ "America/Santiago", "gap at midnight", 1725755400, 1, 1725769800,
	    1725769800 },
	/* Santiago 2024-04-06 23:30 at 02:30Z (-03) and 03:30Z (-04). */
	{ "America/Santiago", "overlap", 1712446200, 2, 1712457000,
	    1712460600 },
	/* Adelaide 2024-10-06 02:15 is skipped: - 9:30 = 16:45Z. */
	{ "Australia/Adelaide", "gap", 1728180900, 1, 1728146700, 1728146700 },
	/* Sydney 2100-10-03 02:30 (footer rule): - 10h = 2100-10-02 16:30Z. */
	{ "Australia/Sydney", "gap 2100", 4126213800, 1, 4126177800,
	    4126177800 },
	{ "UTC", "utc", 1700000000, 0, 1700000000, 1700000000 },
};

static void
test_local_to_utc(void **state)
{
	const struct tz *z;
	int64_t u;
	int fold;
	size_t i;

	for (i = 0; i < sizeof(l2u) / sizeof(l2u[0]); i++) {
		assert_non_null(z = tz_get(l2u[i].zone));
		if (tz_local_to_utc(z, l2u[i].local, 0, &u) != l2u[i].rc ||
		    u != l2u[i].fold0)
			fail_msg("%s %s fold 0: %lld", l2u[i].zone, l2u[i].what,
			    (long long)u);
		if (tz_local_to_utc(z, l2u[i].local, 1, &u) != l2u[i].rc ||
		    u != l2u[i].fold1)
			fail_msg("%s %s fold 1: %lld", l2u[i].zone, l2u[i].what,
			    (long long)u);
		/* Round trip for the instants that exist. */
		if (l2u[i].rc != 1) {
			assert_int_equal(tz_utc_to_local(z, l2u[i].fold1,
			    &fold), l2u[i].local);
			assert_int_equal(fold, l2u[i].rc == 2);
			assert_int_equal(tz_utc_to_local(z, l2u[i].fold0,
			    &fold), l2u[i].local);
			assert_int_equal(fold, 0);
		}
	}
}

static void
test_civil(void **state)
{
	struct tz_civil tc;

	/* date -u -d @951782400: Tue Feb 29 00:00:00 UTC 2000 */
	tz_civil_from_secs(951782400, &tc);
	assert_int_equal(tc.tc_year, 2000);
	assert_int_equal(tc.tc_mon, 2);
	assert_int_equal(tc.tc_mday, 29);
	assert_int_equal(tc.tc_wday, 2);
	assert_int_equal(tz_secs_from_civil(&tc), 951782400);
	/* date -u -d @-1: Wed Dec 31 23:59:59 UTC 1969 */
	tz_civil_from_secs(-1, &tc);
	assert_int_equal(tc.tc_year, 1969);
	assert_int_equal(tc.tc_mday, 31);
	assert_int_equal(tc.tc_sec, 59);
	assert_int_equal(tc.tc_wday, 3);
	/* Month 13 rolls into the next year, day 0 is the previous day. */
	assert_int_equal(tz_days_from_civil(2023, 13, 1),
	    tz_days_from_civil(2024, 1, 1));
	assert_int_equal(tz_days_from_civil(2024, 3, 0),
	    tz_days_from_civil(2024, 2, 29));
	assert_int_equal(tz_days_in_month(2100, 2), 28);
	assert_int_equal(tz_days_in_month(2000, 2), 29);
}

/*
 * Zones that no other test here loads, so that the threads below are
 * the first to read them; with their offset at 1700000000 (2023-11-14,
 * from `TZ=<zone> date -d @1700000000 +%z`).
 */
static const struct {
	const char	*name;
	int64_t		 off;
} tzs[] = {
	/* Loaded by every thread at once, one name per round. */
	{ "Europe/Paris", 3600 }, { "Europe/London", 0 },
	{ "Europe/Berlin", 3600 }, { "Europe/Madrid", 3600 },
	{ "Europe/Helsinki", 7200 }, { "Europe/Lisbon", 0 },
	{ "Europe/Athens", 7200 }, { "Europe/Istanbul", 10800 },
	{ "Europe/Moscow", 10800 }, { "America/Chicago", -21600 },
	{ "America/Denver", -25200 }, { "America/Los_Angeles", -28800 },
	{ "America/Phoenix", -25200 }, { "America/Anchorage", -32400 },
	{ "America/Halifax", -14400 }, { "America/St_Johns", -12600 },
	{ "America/Sao_Paulo", -10800 }, { "America/Mexico_City", -21600 },
	{ "America/Bogota", -18000 }, { "America/Lima", -18000 },
	/* Loaded by one thread each, all threads at once. */
	{ "Asia/Kathmandu", 20700 }, { "Asia/Shanghai", 28800 },
	{ "Asia/Singapore", 28800 }, { "Asia/Dubai", 14400 },
	{ "Asia/Tehran", 12600 }, { "Asia/Karachi", 18000 },
	{ "Asia/Dhaka", 21600 }, { "Asia/Seoul", 32400 },
	{ "Asia/Jakarta", 25200 }, { "Africa/Cairo", 7200 },
	{ "Africa/Lagos", 3600 }, { "Africa/Johannesburg", 7200 },
	{ "Africa/Nairobi", 10800 }, { "Pacific/Auckland", 46800 },
	{ "Pacific/Chatham", 49500 }, { "Pacific/Honolulu", -36000 },
	{ "Pacific/Kiritimati", 50400 }, { "Pacific/Marquesas", -34200 },
	{ "Atlantic/Azores", -3600 }, { "Atlantic/Reykjavik", 0 },
};
#define NTZ		(sizeof(tzs) / sizeof(tzs[0]))
#define NSHARED		20		/* tzs[0..NSHARED) */
#define NTHREADS	4
#define NOWN		((NTZ - NSHARED) / NTHREADS)	/* each thread's own */

struct tz_worker {
	int			 t_id;
	pthread_barrier_t	*t_bar;
	const struct tz		*t_zone[NTZ];	/* what tz_get() answered */
	int64_t			 t_off[NTZ];
	int			 t_moved[NTZ];	/* later answers differed */
};

static void
tz_worker_get(struct tz_worker *w, size_t k)
{
	const struct tz *z = tz_get(tzs[k].name);

	w->t_zone[k] = z;
	w->t_off[k] = z != NULL ? tz_offset(z, 1700000000) : INT64_MIN;
}

static void *
tz_worker_run(void *arg)
{
	struct tz_worker	*w = arg;
	size_t			 k, j;
	int			 pass;

	/* The same new zone in every thread, released together. */
	for (k = 0; k < NSHARED; k++) {
		pthread_barrier_wait(w->t_bar);
		tz_worker_get(w, k);
	}
	/*
	 * Each thread its own new zones, interleaved with lookups of the
	 * cached ones while the other threads append to the cache.
	 */
	pthread_barrier_wait(w->t_bar);
	for (j = 0; j < NOWN; j++) {
		tz_worker_get(w, NSHARED + (size_t)w->t_id * NOWN + j);
		for (pass = 0; pass < 50; pass++)
			for (k = 0; k < NSHARED; k++)
				if (tz_get(tzs[k].name) != w->t_zone[k])
					w->t_moved[k]++;
	}
	return NULL;
}

static void
test_threads(void **state)
{
	pthread_t		 th[NTHREADS];
	pthread_barrier_t	 bar;
	static struct tz_worker	 w[NTHREADS];
	const struct tz		*z;
	size_t			 k;
	int			 t;

	assert_int_equal(NTZ - NSHARED, NOWN * NTHREADS);
	assert_int_equal(pthread_barrier_init(&bar, NULL, NTHREADS), 0);
	for (t = 0; t < NTHREADS; t++) {
		w[t].t_id = t;
		w[t].t_bar = &bar;
		assert_int_equal(pthread_create(&th[t], NULL, tz_worker_run,
		    &w[t]), 0);
	}
	for (t = 0; t < NTHREADS; t++)
		assert_int_equal(pthread_join(th[t], NULL), 0);
	pthread_barrier_destroy(&bar);

	for (k = 0; k < NTZ; k++) {
		if ((z = tz_get(tzs[k].name)) == NULL)
			fail_msg("%s: not found", tzs[k].name);
		assert_string_equal(tz_name(z), tzs[k].name);
		for (t = 0; t < NTHREADS; t++) {
			if (k >= NSHARED &&
			    (k - NSHARED) / NOWN != (size_t)t)
				continue;	/* another thread's own zone */
			/* One copy of each zone is cached, whoever won. */
			if (w[t].t_zone[k] != z)
				fail_msg("thread %d, %s: zone %p, cached %p",
				    t, tzs[k].name, (const void *)w[t].t_zone[k],
				    (const void *)z);
			if (w[t].t_moved[k] != 0)
				fail_msg("thread %d, %s: %d later lookups gave "
				    "another zone", t, tzs[k].name,
				    w[t].t_moved[k]);
			if (w[t].t_off[k] != tzs[k].off)
				fail_msg("thread %d, %s: offset %lld, want %lld",
				    t, tzs[k].name, (long long)w[t].t_off[k],
				    (long long)tzs[k].off);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_local_to_utc),
		cmocka_unit_test(test_civil),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
