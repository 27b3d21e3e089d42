/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Unit tests for common/oncalendar.c: the OnCalendar grammar (weekday
 * lists and ranges, dates, "~" end-of-month days, ranges, repetitions,
 * lists, shorthands, zone suffixes, "@epoch"), rejected expressions,
 * multi-line unions, and next-elapse tables with DST gaps and overlaps
 * in six zones, every row checked against systemd-analyze.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "oncalendar.h"
#include "tz.h"

/*
 * Next-elapse table.  Each row: expression, default zone, start (UTC
 * epoch), number of chained elapses (-1: expect none), the elapses.
 * Oracle: systemd 252's systemd-analyze (Debian 12), output pasted
 * above each row; tests/unit/gen/oncal_oracle.sh turns it into epochs.
 * Notable rows: 03:30 on Riga's spring-forward day is skipped, not
 * moved (unlike cron); in the fall-back overlap a search from before
 * it stays in the first pass, one from inside the second pass stays
 * there; Santiago's non-existent midnight skips that day's "daily".
 */
static const struct {
	const char	*expr;
	const char	*zone;
	int64_t		 after;
	int		 n;
	int64_t		 want[6];
} nexts[] = {
	/*
	 * $ TZ=Europe/Riga systemd-analyze calendar --base-time=@1711756800 --iterations=3 '*-*-* 03:00'
	 *   Next elapse: Sat 2024-03-30 03:00:00 EET
	 *   (in UTC): Sat 2024-03-30 01:00:00 UTC
	 *   Iter. #2: Mon 2024-04-01 03:00:00 EEST
	 *   (in UTC): Mon 2024-04-01 00:00:00 UTC
	 *   Iter. #3: Tue 2024-04-02 03:00:00 EEST
	 *   (in UTC): Tue 2024-04-02 00:00:00 UTC
	 */
	{ "*-*-* 03:00", "Europe/Riga", 1711756800, 3,
	    { 1711760400, 1711929600, 1712016000 } },
	/*
	 * $ TZ=Europe/Riga systemd-analyze calendar --base-time=@1729900800 --iterations=3 '*-*-* 03:00'
	 *   Next elapse: Sun 2024-10-27 03:00:00 EEST
	 *   (in UTC): Sun 2024-10-27 00:00:00 UTC
	 *   Iter. #2: Mon 2024-10-28 03:00:00 EET
	 *   (in UTC): Mon 2024-10-28 01:00:00 UTC
	 *   Iter. #3: Tue 2024-10-29 03:00:00 EET
	 *   (in UTC): Tue 2024-10-29 01:00:00 UTC
	 */
	{ "*-*-* 03:00", "Europe/Riga", 1729900800, 3,
	    { 1729987200, 1730077200, 1730163600 } },
	/*
	 * $ TZ=Europe/Riga systemd-analyze calendar --base-time=@1711756800 --iterations=3 '*-*-* 03:30'
	 *   Next elapse: Sat 2024-03-30 03:30:00 EET
	 *   (in UTC): Sat 2024-03-30 01:30:00 UTC
	 *   Iter. #2: Mon 2024-04-01 03:30:00 EEST
	 *   (in UTC): Mon 2024-04-01 00:30:00 UTC
	 *   Iter. #3: Tue 2024-04-02 03:30:00 EEST
	 *   (in UTC): Tue 2024-04-02 00:30:00 UTC
	 */
	{ "*-*-* 03:30", "Europe/Riga", 1711756800, 3,
	    { 1711762200, 1711931400, 1712017800 } },
	/*
	 * $ TZ=UTC systemd-analyze calendar --base-time=@1729900800 --iterations=3 '*-*-* 03:30 Europe/Riga'
	 *   Next elapse: Sat 2024-10-26 00:30:00 UTC
	 *   Iter. #2: Sun 2024-10-27 00:30:00 UTC
	 *   Iter. #3: Mon 2024-10-28 01:30:00 UTC
	 */
	{ "*-*-* 03:30 Europe/Riga", "UTC", 1729900800, 3,
	    { 1729902600, 1729989000, 1730079000 } },
	/*
	 * $ TZ=Europe/Riga systemd-analyze calendar --base-time=@1729989600 --iterations=6 '*:0/20'
	 *   Next elapse: Sun 2024-10-27 04:00:00 EET
	 *   (in UTC): Sun 2024-10-27 02:00:00 UTC
	 *   Iter. #2: Sun 2024-10-27 04:20:00 EET
	 *   (in UTC): Sun 2024-10-27 02:20:00 UTC
	 *   Iter. #3: Sun 2024-10-27 04:40:00 EET
	 *   (in UTC): Sun 2024-10-27 02:40:00 UTC
	 *   Iter. #4: Sun 2024-10-27 05:00:00 EET
	 *   (in UTC): Sun 2024-10-27 03:00:00 UTC
	 *   Iter. #5: Sun 2024-10-27 05:20:00 EET
	 *   (in UTC): Sun 2024-10-27 03:20:00 UTC
	 *   Iter. #6: Sun 2024-10-27 05:40:00 EET
	 *   (in UTC): Sun 2024-10-27 03:40:00 UTC
	 */
	{ "*:0/20", "Europe/Riga", 1729989600, 6,
	    { 1729994400, 1729995600, 1729996800, 1729998000, 1729999200, 1730000400 } },
	/*
	 * $ TZ=Europe/Riga systemd-analyze calendar --base-time=@1729991400 --iterations=4 '*:0/20'
	 *   Next elapse: Sun 2024-10-27 03:20:00 EET
	 *   (in UTC): Sun 2024-10-27 01:20:00 UTC
	 *   Iter. #2: Sun 2024-10-27 03:40:00 EET
	 *   (in UTC): Sun 2024-10-27 01:40:00 UTC
	 *   Iter. #3: Sun 2024-10-27 04:00:00 EET
	 *   (in UTC): Sun 2024-10-27 02:00:00 UTC
	 *   Iter. #4: Sun 2024-10-27 04:20:00 EET
	 *   (in UTC): Sun 2024-10-27 02:20:00 UTC
	 */
	{ "*:0/20", "Europe/Riga", 1729991400, 4,
	    { 1729992000, 1729993200, 1729994400, 1729995600 } },
	/*
	 * $ TZ=Europe/Riga systemd-analyze calendar --base-time=@1711843200 --iterations=4 '*:0/20'
	 *   Next elapse: Sun 2024-03-31 02:20:00 EET
	 *   (in UTC): Sun 2024-03-31 00:20:00 UTC
	 *   Iter. #2: Sun 2024-03-31 02:40:00 EET
	 *   (in UTC): Sun 2024-03-31 00:40:00 UTC
	 *   Iter. #3: Sun 2024-03-31 04:00:00 EEST
	 *   (in UTC): Sun 2024-03-31 01:00:00 UTC
	 *   Iter. #4: Sun 2024-03-31 04:20:00 EEST
	 *   (in UTC): Sun 2024-03-31 01:20:00 UTC
	 */
	{ "*:0/20", "Europe/Riga", 1711843200, 4,
	    { 1711844400, 1711845600, 1711846800, 1711848000 } },
	/*
	 * $ TZ=Australia/Sydney systemd-analyze calendar --base-time=@1712412000 --iterations=4 'hourly'
	 *   Next elapse: Sun 2024-04-07 02:00:00 AEDT
	 *   (in UTC): Sat 2024-04-06 15:00:00 UTC
	 *   Iter. #2: Sun 2024-04-07 03:00:00 AEST
	 *   (in UTC): Sat 2024-04-06 17:00:00 UTC
	 *   Iter. #3: Sun 2024-04-07 04:00:00 AEST
	 *   (in UTC): Sat 2024-04-06 18:00:00 UTC
	 *   Iter. #4: Sun 2024-04-07 05:00:00 AEST
	 *   (in UTC): Sat 2024-04-06 19:00:00 UTC
	 */
	{ "hourly", "Australia/Sydney", 1712412000, 4,
	    { 1712415600, 1712422800, 1712426400, 1712430000 } },
	/*
	 * $ TZ=Australia/Sydney systemd-analyze calendar --base-time=@1728057600 --iterations=3 '*-*-* 02:30'
	 *   Next elapse: Sat 2024-10-05 02:30:00 AEST
	 *   (in UTC): Fri 2024-10-04 16:30:00 UTC
	 *   Iter. #2: Mon 2024-10-07 02:30:00 AEDT
	 *   (in UTC): Sun 2024-10-06 15:30:00 UTC
	 *   Iter. #3: Tue 2024-10-08 02:30:00 AEDT
	 *   (in UTC): Mon 2024-10-07 15:30:00 UTC
	 */
	{ "*-*-* 02:30", "Australia/Sydney", 1728057600, 3,
	    { 1728059400, 1728228600, 1728315000 } },
	/*
	 * $ TZ=America/Santiago systemd-analyze calendar --base-time=@1725667200 --iterations=3 'daily'
	 *   Next elapse: Sat 2024-09-07 00:00:00 -04
	 *   (in UTC): Sat 2024-09-07 04:00:00 UTC
	 *   Iter. #2: Mon 2024-09-09 00:00:00 -03
	 *   (in UTC): Mon 2024-09-09 03:00:00 UTC
	 *   Iter. #3: Tue 2024-09-10 00:00:00 -03
	 *   (in UTC): Tue 2024-09-10 03:00:00 UTC
	 */
	{ "daily", "America/Santiago", 1725667200, 3,
	    { 1725681600, 1725850800, 1725937200 } },
	/*
	 * $ TZ=America/Santiago systemd-analyze calendar --base-time=@1712361600 --iterations=3 '*-*-* 23:00'
	 *   Next elapse: Fri 2024-04-05 23:00:00 -03
	 *   (in UTC): Sat 2024-04-06 02:00:00 UTC
	 *   Iter. #2: Sat 2024-04-06 23:00:00 -03
	 *   (in UTC): Sun 2024-04-07 02:00:00 UTC
	 *   Iter. #3: Sun 2024-04-07 23:00:00 -04
	 *   (in UTC): Mon 2024-04-08 03:00:00 UTC
	 */
	{ "*-*-* 23:00", "America/Santiago", 1712361600, 3,
	    { 1712368800, 1712455200, 1712545200 } },
	/*
	 * $ TZ=Australia/Lord_Howe systemd-analyze calendar --base-time=@1712361600 --iterations=3 '*-*-* 01:45'
	 *   Next elapse: Sun 2024-04-07 01:45:00 +11
	 *   (in UTC): Sat 2024-04-06 14:45:00 UTC
	 *   Iter. #2: Mon 2024-04-08 01:45:00 +1030
	 *   (in UTC): Sun 2024-04-07 15:15:00 UTC
	 *   Iter. #3: Tue 2024-04-09 01:45:00 +1030
	 *   (in UTC): Mon 2024-04-08 15:15:00 UTC
	 */
	{ "*-*-* 01:45", "Australia/Lord_Howe", 1712361600, 3,
	    { 1712414700, 1712502900, 1712589300 } },
	/*
	 * $ TZ=Australia/Lord_Howe systemd-analyze calendar --base-time=@1712414400 --iterations=5 '*:0/15'
	 *   Next elapse: Sun 2024-04-07 01:45:00 +11
	 *   (in UTC): Sat 2024-04-06 14:45:00 UTC
	 *   Iter. #2: Sun 2024-04-07 02:00:00 +1030
	 *   (in UTC): Sat 2024-04-06 15:30:00 UTC
	 *   Iter. #3: Sun 2024-04-07 02:15:00 +1030
	 *   (in UTC): Sat 2024-04-06 15:45:00 UTC
	 *   Iter. #4: Sun 2024-04-07 02:30:00 +1030
	 *   (in UTC): Sat 2024-04-06 16:00:00 UTC
	 *   Iter. #5: Sun 2024-04-07 02:45:00 +1030
	 *   (in UTC): Sat 2024-04-06 16:15:00 UTC
	 */
	{ "*:0/15", "Australia/Lord_Howe", 1712414400, 5,
	    { 1712414700, 1712417400, 1712418300, 1712419200, 1712420100 } },
	/*
	 * $ TZ=Australia/Adelaide systemd-analyze calendar --base-time=@1728057600 --iterations=3 '*-*-* 02:30'
	 *   Next elapse: Sat 2024-10-05 02:30:00 ACST
	 *   (in UTC): Fri 2024-10-04 17:00:00 UTC
	 *   Iter. #2: Mon 2024-10-07 02:30:00 ACDT
	 *   (in UTC): Sun 2024-10-06 16:00:00 UTC
	 *   Iter. #3: Tue 2024-10-08 02:30:00 ACDT
	 *   (in UTC): Mon 2024-10-07 16:00:00 UTC
	 */
	{ "*-*-* 02:30", "Australia/Adelaide", 1728057600, 3,
	    { 1728061200, 1728230400, 1728316800 } },
	/*
	 * $ TZ=UTC systemd-analyze calendar --base-time=@1704067200 --iterations=2 '12:00 Asia/Kolkata'
	 *   Next elapse: Mon 2024-01-01 06:30:00 UTC
	 *   Iter. #2: Tue 2024-01-02 06:30:00 UTC
	 */
	{ "12:00 Asia/Kolkata", "UTC", 1704067200, 2,
	    { 1704090600, 1704177000 } },
	/*
	 * $ TZ=UTC systemd-analyze calendar --base-time=@1704067200 --iterations=6 'Mon..Fri 09:30 Europe/Riga'
	 *   Next elapse: Mon 2024-01-01 07:30:00 UTC
	 *   Iter. #2: Tue 2024-01-02 07:30:00 UTC
	 *   Iter. #3: Wed 2024-01-03 07:30:00 UTC
	 *   Iter. #4: Thu 2024-01-04 07:30:00 UTC
	 *   Iter. #5: Fri 2024-01-05 07:30:00 UTC
	 *   Iter. #6: Mon 2024-01-08 07:30:00 UTC
	 */
	{ "Mon..Fri 09:30 Europe/Riga", "UTC", 1704067200, 6,
	    { 1704094200, 1704180600, 1704267000, 1704353400, 1704439800, 1704699000 } },
	/*
	 * $ TZ=UTC systemd-analyze calendar --base-time=@1704067200 --iterations=4 'Mon,Wed *-*-* 12:00'
	 *   Next elapse: Mon 2024-01-01 12:00:00 UTC
	 *   Iter. #2: Wed 2024-01-03 12:00:00 UTC
	 *   Iter. #3: Mon 2024-01-08 12:00:00 UTC
	 *   Iter. #4: Wed 2024-01-10 12:00:00 UTC
	 */
	{ "Mon,Wed *-*-* 12:00", "UTC", 1704067200, 4,
	    { 1704110400, 1704283200, 1704715200, 1704888000 } },
	/*
	 * $ TZ=UTC systemd-analyze calendar --base-time=@1704067200 --iterations=4 'Sat,Sun *-*-1..7 18:00:00'
	 *   Next elapse: Sat 2024-01-06 18:00:00 UTC
	 *   Iter. #2: Sun 2024-01-07 18:00:00 UTC
	 *   Iter. #3: Sat 2024-02-03 18:00:00 UTC
	 *   Iter. #4: Sun 2024-02-04 18:00:00 UTC
	 */
	{ "Sat,Sun *-*-1..7 18:00:00", "UTC", 1704067200, 4,
	    { 1704564000, 1704650400, 1706983200, 1707069600 } },
	/*
	 * $ TZ=UTC systemd-analyze calendar --base-time=@1704067200 --iterations=2 'mon *-*-* 12:00'
	 *   Next elapse: Mon 2024-01-01 12:00:00 UTC
	 *   Iter. #2: Mon 2024-01-08 12:00:00 UTC
	 */
	{ "mon *-*-* 12:00", "UTC", 1704067200, 2,
	    { 1704110400, 1704715200 } },
	/*
	 * $ TZ=UTC systemd-analyze calendar --base-time=@1704067200 --iterations=3 '*-02-29 12:00'
	 *   Next elapse: Thu 2024-02-29 12:00:00 UTC
	 *   Iter. #2: Tue 2028-02-29 12:00:00 UTC
	 *   Iter. #3: Sun 2032-02-29 12:00:00 UTC
	 */
	{ "*-02-29 12:00", "UTC", 1704067200, 3,
	    { 1709208000, 1835438400, 1961668800 } },
	/*
	 * $ TZ=UTC systemd-analyze calendar --base-time=@1704067200 --iterations=3 '*-02~01'
	 *   Next elapse: Thu 2024-02-29 00:00:00 UTC
	 *   Iter. #2: Fri 2025-02-28 00:00:00 UTC
	 *   Iter. #3: Sat 2026-02-28 00:00:00 UTC
	 */
	{ "*-02~01", "UTC", 1704067200, 3,
	    { 1709164800, 1740700800, 1772236800 } },
	/*
	 * $ TZ=UTC systemd-analyze calendar --base-time=@1704067200 --iterations=3 '*-02~03'
	 *   Next elapse: Tue 2024-02-27 00:00:00 UTC
	 *   Iter. #2: Wed 2025-02-26 00:00:00 UTC
	 *   Iter. #3: Thu 2026-02-26 00:00:00 UTC
	 */
	{ "*-02~03", "UTC", 1704067200, 3,
	    { 1708992000, 1740528000, 1772064000 } },
	/*
	 * $ TZ=UTC systemd-analyze calendar --base-time=@1704067200 --iterations=3 'Mon *-05~07/1'
	 *   Next elapse: Mon 2024-05-27 00:00:00 UTC
	 *   Iter. #2: Mon 2025-05-26 00:00:00 UTC
	 *   Iter. #3: Mon 2026-05-25 00:00:00 UTC
	 */
	{ "Mon *-05~07/1", "UTC", 1704067200, 3,
	    { 1716768000, 1748217600, 1779667200 } },
	/*
	 * $ TZ=UTC systemd-analyze calendar --base-time=@1704067200 --iterations=3 '*-*~1..7 12:00'
	 *   Next elapse: Thu 2024-01-25 12:00:00 UTC
	 *   Iter. #2: Fri 2024-01-26 12:00:00 UTC
	 *   Iter. #3: Sat 2024-01-27 12:00:00 UTC
	 */
	{ "*-*~1..7 12:00", "UTC", 1704067200, 3,
	    { 1706184000, 1706270400, 1706356800 } },
	/*
	 * $ TZ=UTC systemd-analyze calendar --base-time=@1704067200 --iterations=4 '*-*-1/10'
	 *   Next elapse: Thu 2024-01-11 00:00:00 UTC
	 *   Iter. #2: Sun 2024-01-21 00:00:00 UTC
	 *   Iter. #3: Wed 2024-01-31 00:00:00 UTC
	 *   Iter. #4: Thu 2024-02-01 00:00:00 UTC
	 */
	{ "*-*-1/10", "UTC", 1704067200, 4,
	    { 1704931200, 1705795200, 1706659200, 1706745600 } },
	/*
	 * $ TZ=UTC systemd-analyze calendar --base-time=@1704067200 --iterations=4 '*-1..12/3-1 06:00'
	 *   Next elapse: Mon 2024-01-01 06:00:00 UTC
	 *   Iter. #2: Mon 2024-04-01 06:00:00 UTC
	 *   Iter. #3: Mon 2024-07-01 06:00:00 UTC
	 *   Iter. #4: Tue 2024-10-01 06:00:00 UTC
	 */
	{ "*-1..12/3-1 06:00", "UTC", 1704067200, 4,
	    { 1704088800, 1711951200, 1719813600, 1727762400 } },
	/*
	 * $ TZ=UTC systemd-analyze calendar --base-time=@1704067200 --iterations=4 '*-*-* 0/6:0'
	 *   Next elapse: Mon 2024-01-01 06:00:00 UTC
	 *   Iter. #2: Mon 2024-01-01 12:00:00 UTC
	 *   Iter. #3: Mon 2024-01-01 18:00:00 UTC
	 *   Iter. #4: Tue 2024-01-02 00:00:00 UTC
	 */
	{ "*-*-* 0/6:0", "UTC", 1704067200, 4,
	    { 1704088800, 1704110400, 1704132000, 1704153600 } },
	/*
	 * $ TZ=UTC systemd-analyze calendar --base-time=@1704067200 --iterations=5 '*-*-* *:*:0/15'
	 *   Next elapse: Mon 2024-01-01 00:00:15 UTC
	 *   Iter. #2: Mon 2024-01-01 00:00:30 UTC
	 *   Iter. #3: Mon 2024-01-01 00:00:45 UTC
	 *   Iter. #4: Mon 2024-01-01 00:01:00 UTC
	 *   Iter. #5: Mon 2024-01-01 00:01:15 UTC
	 */
	{ "*-*-* *:*:0/15", "UTC", 1704067200, 5,
	    { 1704067215, 1704067230, 1704067245, 1704067260, 1704067275 } },
	/*
	 * $ TZ=UTC systemd-analyze calendar --base-time=@1704067200 --iterations=5 '*-*-* 12,13:0,30'
	 *   Next elapse: Mon 2024-01-01 12:00:00 UTC
	 *   Iter. #2: Mon 2024-01-01 12:30:00 UTC
	 *   Iter. #3: Mon 2024-01-01 13:00:00 UTC
	 *   Iter. #4: Mon 2024-01-01 13:30:00 UTC
	 *   Iter. #5: Tue 2024-01-02 12:00:00 UTC
	 */
	{ "*-*-* 12,13:0,30", "UTC", 1704067200, 5,
	    { 1704110400, 1704112200, 1704114000, 1704115800, 1704196800 } },
	/*
	 * $ TZ=UTC systemd-analyze calendar --base-time=@1704067200 --iterations=5 '*-*-* 08..10:00..59/20'
	 *   Next elapse: Mon 2024-01-01 08:00:00 UTC
	 *   Iter. #2: Mon 2024-01-01 08:20:00 UTC
	 *   Iter. #3: Mon 2024-01-01 08:40:00 UTC
	 *   Iter. #4: Mon 2024-01-01 09:00:00 UTC
	 *   Iter. #5: Mon 2024-01-01 09:20:00 UTC
	 */
	{ "*-*-* 08..10:00..59/20", "UTC", 1704067200, 5,
	    { 1704096000, 1704097200, 1704098400, 1704099600, 1704100800 } },
	/*
	 * $ TZ=UTC systemd-analyze calendar --base-time=@1704067200 --iterations=2 '2024-03-05 UTC'
	 *   Next elapse: Tue 2024-03-05 00:00:00 UTC
	 */
	{ "2024-03-05 UTC", "UTC", 1704067200, 1,
	    { 1709596800 } },
	/*
	 * $ TZ=UTC systemd-analyze calendar --base-time=@1704067200 --iterations=2 '24-03-05'
	 *   Next elapse: Tue 2024-03-05 00:00:00 UTC
	 */
	{ "24-03-05", "UTC", 1704067200, 1,
	    { 1709596800 } },
	/*
	 * $ TZ=UTC systemd-analyze calendar --base-time=@1704067200 --iterations=4 '2025..2027-01-01'
	 *   Next elapse: Wed 2025-01-01 00:00:00 UTC
	 *   Iter. #2: Thu 2026-01-01 00:00:00 UTC
	 *   Iter. #3: Fri 2027-01-01 00:00:00 UTC
	 */
	{ "2025..2027-01-01", "UTC", 1704067200, 3,
	    { 1735689600, 1767225600, 1798761600 } },
	/*
	 * $ TZ=UTC systemd-analyze calendar --base-time=@1704067210 --iterations=2 'minutely'
	 *   Next elapse: Mon 2024-01-01 00:01:00 UTC
	 *   Iter. #2: Mon 2024-01-01 00:02:00 UTC
	 */
	{ "minutely", "UTC", 1704067210, 2,
	    { 1704067260, 1704067320 } },
	/*
	 * $ TZ=UTC systemd-analyze calendar --base-time=@1704067200 --iterations=2 'hourly'
	 *   Next elapse: Mon 2024-01-01 01:00:00 UTC
	 *   Iter. #2: Mon 2024-01-01 02:00:00 UTC
	 */
	{ "hourly", "UTC", 1704067200, 2,
	    { 1704070800, 1704074400 } },
	/*
	 * $ TZ=UTC systemd-analyze calendar --base-time=@1704067200 --iterations=2 'daily'
	 *   Next elapse: Tue 2024-01-02 00:00:00 UTC
	 *   Iter. #2: Wed 2024-01-03 00:00:00 UTC
	 */
	{ "daily", "UTC", 1704067200, 2,
	    { 1704153600, 1704240000 } },
	/*
	 * $ TZ=UTC systemd-analyze calendar --base-time=@1704067200 --iterations=2 'weekly'
	 *   Next elapse: Mon 2024-01-08 00:00:00 UTC
	 *   Iter. #2: Mon 2024-01-15 00:00:00 UTC
	 */
	{ "weekly", "UTC", 1704067200, 2,
	    { 1704672000, 1705276800 } },
	/*
	 * $ TZ=UTC systemd-analyze calendar --base-time=@1704067200 --iterations=2 'monthly'
	 *   Next elapse: Thu 2024-02-01 00:00:00 UTC
	 *   Iter. #2: Fri 2024-03-01 00:00:00 UTC
	 */
	{ "monthly", "UTC", 1704067200, 2,
	    { 1706745600, 1709251200 } },
	/*
	 * $ TZ=UTC systemd-analyze calendar --base-time=@1704067200 --iterations=2 'yearly'
	 *   Next elapse: Wed 2025-01-01 00:00:00 UTC
	 *   Iter. #2: Thu 2026-01-01 00:00:00 UTC
	 */
	{ "yearly", "UTC", 1704067200, 2,
	    { 1735689600, 1767225600 } },
	/*
	 * $ TZ=UTC systemd-analyze calendar --base-time=@1704067200 --iterations=2 'annually'
	 *   Next elapse: Wed 2025-01-01 00:00:00 UTC
	 *   Iter. #2: Thu 2026-01-01 00:00:00 UTC
	 */
	{ "annually", "UTC", 1704067200, 2,
	    { 1735689600, 1767225600 } },
	/*
	 * $ TZ=UTC systemd-analyze calendar --base-time=@1704067200 --iterations=3 'quarterly'
	 *   Next elapse: Mon 2024-04-01 00:00:00 UTC
	 *   Iter. #2: Mon 2024-07-01 00:00:00 UTC
	 *   Iter. #3: Tue 2024-10-01 00:00:00 UTC
	 */
	{ "quarterly", "UTC", 1704067200, 3,
	    { 1711929600, 1719792000, 1727740800 } },
	/*
	 * $ TZ=UTC systemd-analyze calendar --base-time=@1704067200 --iterations=3 'semiannually'
	 *   Next elapse: Mon 2024-07-01 00:00:00 UTC
	 *   Iter. #2: Wed 2025-01-01 00:00:00 UTC
	 *   Iter. #3: Tue 2025-07-01 00:00:00 UTC
	 */
	{ "semiannually", "UTC", 1704067200, 3,
	    { 1719792000, 1735689600, 1751328000 } },
	/*
	 * $ TZ=Europe/Riga systemd-analyze calendar --base-time=@1704067200 --iterations=2 'Daily UTC'
	 *   Next elapse: Tue 2024-01-02 02:00:00 EET
	 *   (in UTC): Tue 2024-01-02 00:00:00 UTC
	 *   Iter. #2: Wed 2024-01-03 02:00:00 EET
	 *   (in UTC): Wed 2024-01-03 00:00:00 UTC
	 */
	{ "Daily UTC", "Europe/Riga", 1704067200, 2,
	    { 1704153600, 1704240000 } },
	/*
	 * $ TZ=UTC systemd-analyze calendar --base-time=@1704067200 --iterations=2 'weekly Europe/Riga'
	 *   Next elapse: Sun 2024-01-07 22:00:00 UTC
	 *   Iter. #2: Sun 2024-01-14 22:00:00 UTC
	 */
	{ "weekly Europe/Riga", "UTC", 1704067200, 2,
	    { 1704664800, 1705269600 } },
	/*
	 * $ TZ=UTC systemd-analyze calendar --base-time=@1704067200 --iterations=1 '2024-2-30'
	 *   Next elapse: never
	 */
	{ "2024-2-30", "UTC", 1704067200, -1,
	    { 0 } },
	/*
	 * $ TZ=UTC systemd-analyze calendar --base-time=@1600000000 --iterations=2 '@1700000000'
	 *   Next elapse: Tue 2023-11-14 22:13:20 UTC
	 */
	{ "@1700000000", "UTC", 1600000000, 1,
	    { 1700000000 } },
	/*
	 * $ TZ=UTC systemd-analyze calendar --base-time=@1704067200 --iterations=2 '*:*:00.000'
	 *   Next elapse: Mon 2024-01-01 00:01:00 UTC
	 *   Iter. #2: Mon 2024-01-01 00:02:00 UTC
	 */
	{ "*:*:00.000", "UTC", 1704067200, 2,
	    { 1704067260, 1704067320 } },
};

static void
test_next(void **state)
{
	struct oncal *o;
	const struct tz *z;
	const char *err = NULL;
	int64_t t;
	size_t i;
	int k;

	for (i = 0; i < sizeof(nexts) / sizeof(nexts[0]); i++) {
		if ((o = oncal_parse(nexts[i].expr, &err)) == NULL)
			fail_msg("\"%s\": %s", nexts[i].expr, err);
		assert_non_null(z = tz_get(nexts[i].zone));
		t = nexts[i].after;
		if (nexts[i].n < 0) {
			if (oncal_next(o, z, t, &t) != -1)
				fail_msg("\"%s\": %lld, want none",
				    nexts[i].expr, (long long)t);
		}
		for (k = 0; k < nexts[i].n; k++) {
			if (oncal_next(o, z, t, &t) != 0)
				fail_msg("\"%s\" #%d: none", nexts[i].expr, k);
			if (t != nexts[i].want[k])
				fail_msg("\"%s\" %s #%d: %lld, want %lld",
				    nexts[i].expr, nexts[i].zone, k,
				    (long long)t, (long long)nexts[i].want[k]);
		}
		oncal_free(o);
	}
}

/*
 * Several lines: the earliest of each line's next elapse.
 * $ systemd-analyze calendar --base-time='2024-01-01 00:00:00 UTC' \
 *     --iterations=4 'Mon 09:00' 'Fri 17:00 Europe/Riga'
 *   Original form: Mon 09:00
 *     Next elapse: Mon 2024-01-01 09:00:00 UTC
 *        Iter. #2: Mon 2024-01-08 09:00:00 UTC
 *   Original form: Fri 17:00 Europe/Riga
 *     Next elapse: Fri 2024-01-05 15:00:00 UTC
 *        Iter. #2: Fri 2024-01-12 15:00:00 UTC
 */
static void
test_multiline(void **state)
{
	static const int64_t want[] = { 1704099600, 1704466800, 1704704400,
	    1705071600 };
	struct oncal *o;
	int64_t t = 1704067200;
	size_t i;

	assert_non_null(o = oncal_parse("Mon 09:00\r\n\n  Fri 17:00 "
	    "Europe/Riga  \n", NULL));
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_int_equal(oncal_next(o, NULL, t, &t), 0);
		assert_int_equal(t, want[i]);
	}
	oncal_free(o);

	/* A line that never fires does not hide the others. */
	assert_non_null(o = oncal_parse("2024-2-30\ndaily", NULL));
	assert_int_equal(oncal_next(o, NULL, 1704067200, &t), 0);
	assert_int_equal(t, 1704153600);
	oncal_free(o);
	assert_non_null(o = oncal_parse("2020-01-01\n2021-01-01", NULL));
	assert_int_equal(oncal_next(o, NULL, 1704067200, &t), -1);
	oncal_free(o);
}

/* Whole seconds: strictly after, and every second for "*:*:*". */
static void
test_strictly_after(void **state)
{
	struct oncal *o;
	int64_t t;

	assert_non_null(o = oncal_parse("*:*:*", NULL));
	assert_int_equal(oncal_next(o, NULL, 1704067200, &t), 0);
	assert_int_equal(t, 1704067201);
	oncal_free(o);
	assert_non_null(o = oncal_parse("daily", NULL));
	assert_int_equal(oncal_next(o, NULL, 1704067199, &t), 0);
	assert_int_equal(t, 1704067200);
	assert_int_equal(oncal_next(o, NULL, 1704067200, &t), 0);
	assert_int_equal(t, 1704153600);
	/* Nothing after 2199. */
	assert_int_equal(oncal_next(o, NULL, 7258118400LL, &t), -1);
	oncal_free(o);
}

/*
 * Rejected: each of these makes systemd-analyze calendar print
 * "Failed to parse calendar specification" (checked one by one).
 */
static void
test_invalid(void **state)
{
	static const char *bad[] = {
		"", "\n \n", "*", "12", "12 UTC", "*:*/15", "*:50/15",
		"*:0/60", "12:0/0", "*-*-* 24:00", "*-*-* 12:60",
		"*-*-* 12:00:60", "*-02~0", "*-*~01/2", "*-*~7..1",
		"*:5..1", "1969-01-01", "2200-01-01", "*-13-01",
		"*-*-32", "*-*-0", "Mo 1-1", "Mon.. 12:00", "Mon,,Tue 12:00",
		"Mon..Wed..Fri 12:00", "Sun..Mon", "Wed-Mon", "Mon-Tue-Wed",
		"*-*-*/2", "*-*-1/2 12", "2024-01-01T12:00",
		"*-*-* 12:00 europe/riga", "*-*-* 12:00 Nowhere/Zone",
		"*:*:*.5", "*-*-* 12:00:52..52", "daily weekly",
		"12:00\nbogus",
	};
	const char *err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = NULL;
		if (oncal_parse(bad[i], &err) != NULL)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_non_null(err);
	}
	/*
	 * systemd accepts sub-second steps; hcd works in whole seconds and
	 * refuses any non-zero fraction.
	 */
	assert_null(oncal_parse("*:*:0/0.5", NULL));
}

/* Accepted spellings (systemd-analyze accepts each). */
static void
test_valid(void **state)
{
	static const char *good[] = {
		"Mon, 12:00", "Monday..Friday", "mon", "MON 1-1",
		"*-*-1..1", "*:0/59", "*-*-* 1:2:3", "00:00:00",
		"*-*-*  12:00", "Mon  12:00", "*:*:0.0", "*:*:1.000000",
		"*-*-* *:*", "*-*-*", "*-*", "1-1", "weekly utc",
		"Anually", "semi-annually", "bi-annually", "SEMIANNUALLY",
		"Mon..Tue,Wed..Thu", "Mon,Tue-Wed", "*:1..5/10",
		"1,2,3-4-5", "*-*~1..7/2", "69-1-1", "2199-12-31",
		"Sat,Sun *-*-1..7 UTC", "12:00 Etc/GMT+5",
	};
	struct oncal *o;
	const char *err = NULL;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if ((o = oncal_parse(good[i], &err)) == NULL)
			fail_msg("rejected \"%s\": %s", good[i], err);
		oncal_free(o);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_next),
		cmocka_unit_test(test_multiline),
		cmocka_unit_test(test_strictly_after),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_valid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
