/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Unit tests for common/cron.c: cronsim-compatible parsing (names,
 * ranges, steps, lists, L, LW, D#N, DL, rejected expressions), the
 * day-of-month/day-of-week OR rule, next-match tables including DST
 * gaps and overlaps in six zones, leap days and the 50-year "never",
 * and sched_kind_of().
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "cron.h"
#include "tz.h"

/*
 * Next-match table.  Each row: expression, zone, start (UTC epoch), how
 * many matches to chain (-1: expect "never"), and the matches; each
 * match is computed from the previous one, as Healthchecks computes
 * one grace start after each ping.
 *
 * Oracle: tests/unit/gen/cron_oracle.py (Debian's python3-croniter
 * 1.3.5) run as `cron_oracle.py EXPR ZONE START N'; its output is in
 * the comment above each row.  croniter is not cronsim: where they
 * differ the comment says why the row follows cronsim / Debian cron
 * (a wall time skipped by a gap runs at the first minute after the
 * gap; a repeated wall time runs once, at its first pass; jobs with a
 * '*' minute or hour field follow elapsed time), checked by hand
 * against zdump -v for the zone (see tz_test.c).
 */
static const struct {
	const char	*expr;
	const char	*zone;
	int64_t		 after;
	int		 n;
	int64_t		 want[6];
} nexts[] = {
	/*
	 * Riga spring-forward 2024-03-31: 03:00 does not exist; runs at
	 * 04:00 EEST (01:00Z).
	 * croniter: same
	 */
	{ "0 3 * * *", "Europe/Riga", 1711756800, 4,
	    { 1711760400, 1711846800, 1711929600, 1712016000 } },
	/*
	 * Riga fall-back 2024-10-27: 03:00 runs once, at the first pass
	 * (00:00Z); next day 03:00 EET = 01:00Z. croniter drifts to 04:00
	 * EET.
	 * croniter: 1729987200 1730080800 1730163600 1730250000
	 */
	{ "0 3 * * *", "Europe/Riga", 1729900800, 4,
	    { 1729987200, 1730077200, 1730163600, 1730250000 } },
	/*
	 * 03:30 in the gap runs at the first minute after it, 04:00 EEST
	 * (Vixie); croniter says 04:30.
	 * croniter: 1711762200 1711848600 1711931400
	 */
	{ "30 3 * * *", "Europe/Riga", 1711756800, 3,
	    { 1711762200, 1711846800, 1711931400 } },
	/*
	 * overlap: first 03:30 only (00:30Z); croniter drifts an hour after.
	 * croniter: 1729902600 1729989000 1730082600
	 */
	{ "30 3 * * *", "Europe/Riga", 1729900800, 3,
	    { 1729902600, 1729989000, 1730079000 } },
	/*
	 * '*' hour: real elapsed time, so both passes of 03:xx fire
	 * (01:00Z..01:40Z EET); croniter skips the second pass.
	 * croniter: 1729994400 1729995600 1729996800 1729998000 1729999200
	 * 1730000400
	 */
	{ "*/20 * * * *", "Europe/Riga", 1729989600, 6,
	    { 1729990800, 1729992000, 1729993200, 1729994400, 1729995600, 1729996800 } },
	/*
	 * spring: nothing fires in the gap, 02:40 EET is followed by 04:00
	 * EEST.
	 * croniter: same
	 */
	{ "*/20 * * * *", "Europe/Riga", 1711843200, 4,
	    { 1711844400, 1711845600, 1711846800, 1711848000 } },
	/*
	 * Sydney fall-back 2024-04-07: 02:30 once at the AEDT pass (15:30Z),
	 * then 02:30 AEST on Apr 8 (16:30Z).
	 * croniter: 1712331000 1712417400 1712511000
	 */
	{ "30 2 * * *", "Australia/Sydney", 1712325600, 3,
	    { 1712331000, 1712417400, 1712507400 } },
	/*
	 * Sydney spring-forward 2024-10-06: 02:30 runs at 03:00 AEDT
	 * (16:00Z).
	 * croniter: 1728059400 1728145800 1728228600
	 */
	{ "30 2 * * *", "Australia/Sydney", 1728057600, 3,
	    { 1728059400, 1728144000, 1728228600 } },
	/*
	 * hourly fires in both passes of 02:00 (15:00Z AEDT, 16:00Z AEST).
	 * croniter: 1712415600 1712422800 1712426400 1712430000
	 */
	{ "0 * * * *", "Australia/Sydney", 1712412000, 4,
	    { 1712415600, 1712419200, 1712422800, 1712426400 } },
	/*
	 * Santiago 2024-09-08 midnight does not exist: runs at 01:00 -03
	 * (04:00Z).
	 * croniter: same
	 */
	{ "0 0 * * *", "America/Santiago", 1725667200, 3,
	    { 1725681600, 1725768000, 1725850800 } },
	/*
	 * Santiago fall-back at midnight: 23:00 of Apr 6 runs once, at -03
	 * (02:00Z).
	 * croniter: 1712368800 1712455200 1712548800
	 */
	{ "0 23 * * *", "America/Santiago", 1712361600, 3,
	    { 1712368800, 1712455200, 1712545200 } },
	/*
	 * Lord Howe 30-minute fall-back: 01:45 once at +11 (14:45Z), then
	 * 01:45 +10:30 (15:15Z); croniter is 30 min late.
	 * croniter: 1712414700 1712504700 1712589300
	 */
	{ "45 1 * * *", "Australia/Lord_Howe", 1712361600, 3,
	    { 1712414700, 1712502900, 1712589300 } },
	/*
	 * Lord Howe 30-minute gap 02:00-02:30: 02:15 runs at 02:30 +11
	 * (15:30Z); croniter says 02:45.
	 * croniter: 1728143100 1728227700 1728314100
	 */
	{ "15 2 * * *", "Australia/Lord_Howe", 1728057600, 3,
	    { 1728142200, 1728227700, 1728314100 } },
	/*
	 * Lord Howe overlap 01:30-02:00 repeats; elapsed-time job fires at
	 * 01:45 +11, 01:30, 01:45 +10:30, 02:00, 02:15.
	 * croniter: 1712414700 1712417400 1712418300 1712419200 1712420100
	 */
	{ "*/15 * * * *", "Australia/Lord_Howe", 1712414400, 5,
	    { 1712414700, 1712415600, 1712416500, 1712417400, 1712418300 } },
	/*
	 * Adelaide (+9:30) gap: 02:30 runs at 03:00 ACDT (16:30Z).
	 * croniter: 1728061200 1728147600 1728230400
	 */
	{ "30 2 * * *", "Australia/Adelaide", 1728057600, 3,
	    { 1728061200, 1728145800, 1728230400 } },
	/*
	 * croniter: same
	 */
	{ "0 9 * * *", "Asia/Kolkata", 1704067200, 2,
	    { 1704079800, 1704166200 } },
	/*
	 * New York fall-back: 01:30 EDT only (05:30Z), then 01:30 EST next
	 * day (06:30Z).
	 * croniter: 1730611800 1730705400 1730788200
	 */
	{ "30 1 * * *", "America/New_York", 1730527200, 3,
	    { 1730611800, 1730701800, 1730788200 } },
	/*
	 * croniter: same
	 */
	{ "0 12 29 2 *", "UTC", 1704067200, 3,
	    { 1709208000, 1835438400, 1961668800 } },
	/*
	 * croniter: same
	 */
	{ "0 0 L * *", "UTC", 1704067200, 4,
	    { 1706659200, 1709164800, 1711843200, 1714435200 } },
	/*
	 * croniter: same
	 */
	{ "0 12 L 2 *", "UTC", 1704067200, 3,
	    { 1709208000, 1740744000, 1772280000 } },
	/*
	 * last Friday: 2024-01-26, 02-23, 03-29, 04-26 (cal 2024); croniter
	 * lacks 'L' in day-of-week.
	 * croniter: (rejects the expression)
	 */
	{ "0 9 * * 5L", "UTC", 1704067200, 4,
	    { 1706259600, 1708678800, 1711702800, 1714122000 } },
	/*
	 * last Sunday: 2024-01-28, 02-25.
	 * croniter: (rejects the expression)
	 */
	{ "0 9 * * 7L", "UTC", 1704067200, 2,
	    { 1706432400, 1708851600 } },
	/*
	 * croniter: same
	 */
	{ "0 9 * * fri#2", "UTC", 1704067200, 4,
	    { 1705050000, 1707469200, 1709888400, 1712912400 } },
	/*
	 * croniter: same
	 */
	{ "0 9 * * 1#5", "UTC", 1704067200, 4,
	    { 1706518800, 1714381200, 1722243600, 1727686800 } },
	/*
	 * last weekday: Jan 31 (Wed), Feb 29 (Thu), Mar 29 (Fri; 31st is
	 * Sunday), Apr 30; croniter lacks LW.
	 * croniter: (rejects the expression)
	 */
	{ "0 0 LW * *", "UTC", 1704067200, 4,
	    { 1706659200, 1709164800, 1711670400, 1714435200 } },
	/*
	 * croniter: same
	 */
	{ "15 10 1,15 * MON", "UTC", 1704067200, 6,
	    { 1704104100, 1704708900, 1705313700, 1705918500, 1706523300, 1706782500 } },
	/*
	 * day-of-month starts with '*': AND (cronsim/Debian), odd days that
	 * are Mondays; croniter ORs.
	 * croniter: 1704240000 1704412800 1704585600 1704672000
	 */
	{ "0 0 */2 * MON", "UTC", 1704067200, 4,
	    { 1705276800, 1706486400, 1707091200, 1708300800 } },
	/*
	 * croniter: same
	 */
	{ "0 8 * JAN,jul mon-fri", "UTC", 1704067200, 3,
	    { 1704096000, 1704182400, 1704268800 } },
	/*
	 * croniter: same
	 */
	{ "5-10/2 * * * *", "UTC", 1704067200, 5,
	    { 1704067500, 1704067620, 1704067740, 1704071100, 1704071220 } },
	/*
	 * croniter: same
	 */
	{ "5/20 4 * * *", "UTC", 1704067200, 4,
	    { 1704081900, 1704083100, 1704084300, 1704168300 } },
	/*
	 * croniter: same
	 */
	{ "0 0 1 */3 *", "UTC", 1704067200, 4,
	    { 1711929600, 1719792000, 1727740800, 1735689600 } },
	/*
	 * cronsim quirk: a stepped range of one value runs to the field's
	 * end: 4,6,8,10,12; croniter gives April only.
	 * croniter: 1711929600 1743465600 1775001600
	 */
	{ "0 0 1 4-4/2 *", "UTC", 1704067200, 3,
	    { 1711929600, 1717200000, 1722470400 } },
	/*
	 * croniter: same
	 */
	{ "0 12 * * 7", "Europe/Riga", 1704067200, 2,
	    { 1704621600, 1705226400 } },
	/*
	 * croniter: same
	 */
	{ "0 0 * 2 MON#5", "UTC", 1704067200, 2,
	    { 2340316800, 3223929600 } },
	/*
	 * day 1 AND second Monday (days 8-14): never; croniter gives up too.
	 * croniter: ERR:CroniterBadDateError
	 */
	{ "0 0 */31 * MON#2", "UTC", 1704067200, -1,
	    { 0 } },
	/*
	 * Feb 29 on a Monday: 2112, then 2140 (2100 is not leap).
	 * croniter: same
	 */
	{ "0 0 * 2 MON#5", "UTC", 3250368000, 2,
	    { 4486147200, 5369760000 } },
};

static void
test_next(void **state)
{
	const struct tz *z;
	struct cron c;
	const char *err = NULL;
	int64_t t;
	size_t i;
	int k;

	for (i = 0; i < sizeof(nexts) / sizeof(nexts[0]); i++) {
		if (cron_parse(nexts[i].expr, &c, &err) != 0)
			fail_msg("\"%s\": %s", nexts[i].expr, err);
		assert_non_null(z = tz_get(nexts[i].zone));
		t = nexts[i].after;
		if (nexts[i].n < 0) {
			if (cron_next(&c, z, t, &t) != -1)
				fail_msg("\"%s\": %lld, want never",
				    nexts[i].expr, (long long)t);
			continue;
		}
		for (k = 0; k < nexts[i].n; k++) {
			if (cron_next(&c, z, t, &t) != 0)
				fail_msg("\"%s\" #%d: never", nexts[i].expr, k);
			if (t != nexts[i].want[k])
				fail_msg("\"%s\" %s #%d: %lld, want %lld",
				    nexts[i].expr, nexts[i].zone, k,
				    (long long)t, (long long)nexts[i].want[k]);
		}
	}
}

/* Seconds are dropped; the match is strictly after the minute. */
static void
test_strictly_after(void **state)
{
	struct cron c;
	int64_t t;

	assert_int_equal(cron_parse("* * * * *", &c, NULL), 0);
	assert_int_equal(cron_next(&c, NULL, 1704067200, &t), 0);
	assert_int_equal(t, 1704067260);
	assert_int_equal(cron_next(&c, NULL, 1704067259, &t), 0);
	assert_int_equal(t, 1704067260);
	assert_int_equal(cron_parse("0 0 * * *", &c, NULL), 0);
	assert_int_equal(cron_next(&c, tz_get("UTC"), 1704067199, &t), 0);
	assert_int_equal(t, 1704067200);
	/* Before 1970 works too (cronsim has no lower bound). */
	assert_int_equal(cron_next(&c, NULL, -86400 - 1, &t), 0);
	assert_int_equal(t, -86400);
}

/* Equivalent spellings give the same bitmaps. */
static void
test_equivalent(void **state)
{
	static const char *same[][2] = {
		{ "0 0 * jan-mar mon-fri", "0 0 * 1-3 1-5" },
		{ "0 0 * JAN,Jul *", "0 0 * 1,7 *" },
		{ "0 0 * * 7", "0 0 * * 0" },
		{ "0 0 * * sun", "0 0 * * 0" },
		{ "*/15 * * * *", "0,15,30,45 * * * *" },
		{ "5/20 * * * *", "5,25,45 * * * *" },
		{ "10-20/5 * * * *", "10,15,20 * * * *" },
		{ "0 0 * * 1/2", "0 0 * * 1,3,5,0" },
		{ "0 0 L/2 * *", "0 0 L * *" },
		{ "0 0 * * 5L", "0 0 * * 5l" },
		{ "0 0 * * mon#2", "0 0 * * 1#2" },
		{ "  0\t0  *  *  * ", "0 0 * * *" },
	};
	struct cron a, b;
	size_t i;

	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		assert_int_equal(cron_parse(same[i][0], &a, NULL), 0);
		assert_int_equal(cron_parse(same[i][1], &b, NULL), 0);
		if (memcmp(&a, &b, sizeof(a)) != 0)
			fail_msg("\"%s\" != \"%s\"", same[i][0], same[i][1]);
	}
}

/* Messages as cronsim gives them (CronSimError text). */
static void
test_invalid(void **state)
{
	static const char *bad[][2] = {
		{ "", "Wrong number of fields" },
		{ "* * * *", "Wrong number of fields" },
		{ "* * * * * *", "Wrong number of fields" },
		{ "0 0 * * *\n0", "Wrong number of fields" },
		{ "60 * * * *", "Bad minute" },
		{ "-1 * * * *", "Bad minute" },
		{ "*/0 * * * *", "Bad minute" },
		{ "5-1 * * * *", "Bad minute" },
		{ "1,,2 * * * *", "Bad minute" },
		{ "a * * * *", "Bad minute" },
		{ "1- * * * *", "Bad minute" },
		{ "* 24 * * *", "Bad hour" },
		{ "* * 0 * *", "Bad day-of-month" },
		{ "* * 32 * *", "Bad day-of-month" },
		{ "* * L5 * *", "Bad day-of-month" },
		{ "* * 1#2 * *", "Bad day-of-month" },
		{ "0 0 30 2 *", "Bad day-of-month" },
		{ "0 0 31 4,6 *", "Bad day-of-month" },
		{ "* * * 13 *", "Bad month" },
		{ "* * * 0 *", "Bad month" },
		{ "* * * janu *", "Bad month" },
		{ "* * * mon *", "Bad month" },
		{ "* * * * 8", "Bad day-of-week" },
		{ "* * * * jan", "Bad day-of-week" },
		{ "* * * * mon-sun", "Bad day-of-week" },
		{ "* * * * 1#6", "Bad day-of-week" },
		{ "* * * * 1#0", "Bad day-of-week" },
		{ "* * * * L", "Bad day-of-week" },
		{ "* * * * monL", "Bad day-of-week" },
		{ "* * * * 8L", "Bad day-of-week" },
		{ "* * * * 1-5L", "Bad day-of-week" },
	};
	struct cron c;
	const char *err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = NULL;
		if (cron_parse(bad[i][0], &c, &err) != -1)
			fail_msg("accepted \"%s\"", bad[i][0]);
		if (err == NULL || strcmp(err, bad[i][1]) != 0)
			fail_msg("\"%s\": \"%s\", want \"%s\"", bad[i][0],
			    err ? err : "(null)", bad[i][1]);
	}
	/* Days 30/31 are fine when some month has them. */
	assert_int_equal(cron_parse("0 0 30 2,4 *", &c, NULL), 0);
	assert_int_equal(cron_parse("0 0 29 2 *", &c, NULL), 0);
	assert_int_equal(cron_parse("0 0 L 2 *", &c, NULL), 0);
}

static void
test_kind(void **state)
{
	assert_int_equal(sched_kind_of("* * * * *"), 1);
	assert_int_equal(sched_kind_of(" 0  0\t* * MON "), 1);
	assert_int_equal(sched_kind_of("0 0 30 2 *"), 1);
	assert_int_equal(sched_kind_of("* * * *"), 0);
	assert_int_equal(sched_kind_of("* * * * * *"), 0);
	assert_int_equal(sched_kind_of("daily"), 0);
	assert_int_equal(sched_kind_of("Mon..Fri *-*-* 09:00:00"), 0);
	assert_int_equal(sched_kind_of("* * * * *\n"), 0);
	assert_int_equal(sched_kind_of("daily\nweekly"), 0);
	assert_int_equal(sched_kind_of(""), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_next),
		cmocka_unit_test(test_strictly_after),
		cmocka_unit_test(test_equivalent),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_kind),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
