/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * IANA time zones without the C library's process-wide TZ state: zones
 * are read from the TZif files under /usr/share/zoneinfo (64-bit v2+
 * data plus the POSIX TZ footer rule for instants after the last
 * listed transition) and cached for the life of the process.  Used by
 * the cron and OnCalendar schedulers (common/cron.c, common/oncalendar.c)
 * wherever a check's next expected ping is computed, and by API
 * validation of a check's "tz" field.
 *
 * Everything here is thread-safe: a zone, once returned, is never
 * changed or freed, and the functions below only read it.
 *
 * Time values are int64_t seconds.  A "UTC" value counts seconds since
 * 1970-01-01 00:00:00 UTC.  A "local" value is the wall clock reading
 * encoded the same way, as if the wall clock were UTC: local = utc +
 * tz_offset(tz, utc).
 */
#ifndef HC_TZ_H
#define HC_TZ_H

#include <stddef.h>
#include <stdint.h>

struct tz;

/*
 * Look up a zone by IANA name ("Europe/Riga", "UTC", "Etc/GMT+5").
 * Returns a cached zone that lives until exit, or NULL when the name is
 * unsafe (empty, longer than 100 bytes, a leading '/', a "..", or any
 * byte outside [A-Za-z0-9_+-/]), when no such file exists under the
 * zoneinfo directory, or when the file is not valid TZif (v2 or later)
 * or carries leap second records ("right/..." zones).  "UTC" always
 * works, even without tzdata installed.  Legacy names that the tz
 * "backward" file keeps as links work as the files exist; a few names
 * Healthchecks renames (Europe/Kiev -> Europe/Kyiv) are mapped, and
 * tz_name() then gives the canonical name.
 * Thread-safe: any number of threads may call it at once (cached
 * zones are found without a lock; loading a new one locks only to add
 * it).  The cache holds at most TZ_CACHE_MAX zones; lookups beyond that
 * still work but are not cached and leak one zone each.
 */
const struct tz	*tz_get(const char *name);

/*
 * A zone parsed from data[0..len), the bytes of a TZif file, and named
 * `name' (truncated to 100 bytes).  Unlike tz_get() the zone is not
 * cached: the caller owns it and gives it back with tz_release().
 * NULL when the bytes are not TZif v2 or later, carry leap second
 * records or exceed 1 MiB.  tz_get() reads its files through this;
 * the fuzzer (tests/fuzz/tz_fuzz.c) feeds it arbitrary bytes.
 */
struct tz	*tz_from_tzif(const char *name, const uint8_t *data,
		    size_t len);

/* Free a zone from tz_from_tzif(); NULL is a no-op. */
void		 tz_release(struct tz *);

/* The zone's name as given to tz_get(), or its canonical form if mapped. */
const char	*tz_name(const struct tz *);

/* Seconds east of UTC in effect at the instant `utc'. */
int64_t		 tz_offset(const struct tz *, int64_t utc);

/*
 * Convert a local wall time to UTC.  Returns:
 *   0  the wall time exists exactly once; *utc is that instant;
 *   1  the wall time falls in a gap (clocks jumped over it, e.g. 03:30
 *      on a spring-forward day in Europe/Riga); *utc = local minus the
 *      offset in effect before the gap, i.e. the wall time shifted
 *      forward by the gap length (03:30 -> the instant shown as 04:30),
 *      the same as Python's zoneinfo with fold=0;  `fold' is ignored;
 *   2  the wall time is ambiguous (it occurs twice in a fall-back
 *      overlap); fold == 0 gives the earlier instant, fold != 0 the
 *      later one.
 */
int		 tz_local_to_utc(const struct tz *, int64_t local, int fold,
		    int64_t *utc);

/*
 * UTC to local wall time; *fold (if not NULL) is set to 1 when the
 * instant is the second occurrence of an ambiguous wall time, else 0.
 */
int64_t		 tz_utc_to_local(const struct tz *, int64_t utc, int *fold);

/*
 * Proleptic Gregorian calendar helpers shared by the schedulers.
 * Months are 1..12, days 1..31; out-of-range months and days are
 * accepted by tz_days_from_civil() and roll over as mktime() would.
 * Weekday: 0 = Sunday .. 6 = Saturday.
 */
struct tz_civil {
	int	tc_year;
	int	tc_mon;		/* 1..12 */
	int	tc_mday;	/* 1..31 */
	int	tc_hour;
	int	tc_min;
	int	tc_sec;
	int	tc_wday;	/* 0 = Sunday */
};

int64_t		 tz_days_from_civil(int64_t year, int64_t mon, int64_t mday);
void		 tz_civil_from_secs(int64_t secs, struct tz_civil *);
int64_t		 tz_secs_from_civil(const struct tz_civil *);
int		 tz_is_leap(int64_t year);
int		 tz_days_in_month(int64_t year, int mon);

#define TZ_CACHE_MAX	512

#endif
