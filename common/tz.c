/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Time zone support for the schedulers: reads TZif files (RFC 8536)
 * from /usr/share/zoneinfo, evaluates their POSIX TZ footer rules for
 * instants past the last transition, and converts between UTC and wall
 * time in both directions, reporting DST gaps and overlaps.  Nothing
 * here touches the process-wide TZ, tzset() or localtime().  Used by
 * any process that computes a check's next expected ping.
 */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hcd.h"
#include "tz.h"

#define TZ_DIR		"/usr/share/zoneinfo/"
#define TZ_NAME_MAX	100
#define TZ_FILE_MAX	(1024 * 1024)
#define TZ_OFF_MIN	(-89999)	/* RFC 8536 3.2: more than -25 h */
#define TZ_OFF_MAX	93599		/* ... and less than 26 h */

/* One POSIX TZ transition rule ("M3.5.0/3", "J60", "59/-1"). */
struct tz_rule {
	char		r_kind;		/* 'J', 'N' (zero-based), 'M' */
	int		r_mon;
	int		r_week;
	int		r_wday;
	int		r_day;
	int32_t		r_time;		/* seconds after local midnight */
};

struct tz {
	char		 tz_name[TZ_NAME_MAX + 1];
	size_t		 tz_ntrans;
	int64_t		*tz_trans;	/* transition instants, ascending */
	uint8_t		*tz_tidx;	/* type index per transition */
	size_t		 tz_ntypes;
	int32_t		*tz_toff;	/* UT offset per type */
	int		 tz_has_rule;	/* footer present and parsed */
	int32_t		 tz_std_off;	/* footer: standard offset (east) */
	int32_t		 tz_dst_off;
	int		 tz_has_dst;
	struct tz_rule	 tz_start;
	struct tz_rule	 tz_end;
};

static struct tz	 tz_utc_zone = { .tz_name = "UTC", .tz_has_rule = 1 };

/*
 * The zone cache, shared by every thread (the alerter's writer and
 * deadline threads, the worker's database threads).  Zones are only
 * appended, never changed or freed, so lookups take no lock: a new
 * zone is stored in its slot first and published by a release store of
 * tz_ncache; a reader loads tz_ncache with acquire order and looks only
 * at the slots below it.  Appending is serialised by tz_lock.  A zone
 * that two threads load at once is cached once; the copy that lost is
 * freed and its thread gets the cached one.
 */
static struct tz	*tz_cache[TZ_CACHE_MAX];
static _Atomic size_t	 tz_ncache;
static pthread_mutex_t	 tz_lock = PTHREAD_MUTEX_INITIALIZER;

/* Names Healthchecks rewrites to their current spelling. */
static const struct {
	const char	*old;
	const char	*new;
} tz_renames[] = {
	{ "Europe/Kiev", "Europe/Kyiv" },
	{ "Europe/Uzhgorod", "Europe/Kyiv" },
	{ "Europe/Zaporozhye", "Europe/Kyiv" },
};

/* Calendar arithmetic (proleptic Gregorian, days since 1970-01-01). */

static int64_t
tz_floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

int
tz_is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
tz_days_in_month(int64_t y, int m)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };

	if (m == 2 && tz_is_leap(y))
		return 29;
	return mdays[(m - 1) % 12];
}

int64_t
tz_days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe, mp;

	/* Fold out-of-range months into the year first. */
	y += tz_floordiv(m - 1, 12);
	m = m - 1 - tz_floordiv(m - 1, 12) * 12 + 1;

	/* Count from March so the leap day ends the year. */
	if (m <= 2)
		y--;
	era = tz_floordiv(y, 400);
	yoe = y - era * 400;
	mp = (m + 9) % 12;
	doy = (153 * mp + 2) / 5;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468 + (d - 1);
}

void
tz_civil_from_secs(int64_t secs, struct tz_civil *tc)
{
	int64_t days, rem, era, doe, yoe, doy, mp, y;

	days = tz_floordiv(secs, 86400);
	rem = secs - days * 86400;
	tc->tc_hour = rem / 3600;
	tc->tc_min = rem % 3600 / 60;
	tc->tc_sec = rem % 60;
	/* 1970-01-01 was a Thursday. */
	tc->tc_wday = (int)(((days % 7) + 11) % 7);

	days += 719468;
	era = tz_floordiv(days, 146097);
	doe = days - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	tc->tc_mday = doy - (153 * mp + 2) / 5 + 1;
	tc->tc_mon = mp < 10 ? mp + 3 : mp - 9;
	y = yoe + era * 400 + (tc->tc_mon <= 2);
	tc->tc_year = (int)y;
}

int64_t
tz_secs_from_civil(const struct tz_civil *tc)
{
	return tz_days_from_civil(tc->tc_year, tc->tc_mon, tc->tc_mday) *
	    86400 + (int64_t)tc->tc_hour * 3600 + tc->tc_min * 60 + tc->tc_sec;
}

/* POSIX TZ footer parsing. */

static const char *
tz_parse_abbr(const char *p)
{
	const char *s = p;

	if (*p == '<') {
		while (*p != '\0' && *p != '>')
			p++;
		return *p == '>' ? p + 1 : NULL;
	}
	while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
		p++;
	return p - s >= 3 ? p : NULL;
}

static const char *
tz_parse_num(const char *p, int max, int *out)
{
	int v = 0;

	if (*p < '0' || *p > '9')
		return NULL;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (*p++ - '0');
		if (v > max)
			return NULL;
	}
	*out = v;
	return p;
}

/* [+-]hh[:mm[:ss]] with hours up to `maxh'; result in seconds. */
static const char *
tz_parse_hms(const char *p, int maxh, int32_t *out)
{
	int sign = 1, h, m = 0, s = 0;

	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	if ((p = tz_parse_num(p, maxh, &h)) == NULL)
		return NULL;
	if (*p == ':') {
		if ((p = tz_parse_num(p + 1, 59, &m)) == NULL)
			return NULL;
		if (*p == ':' && (p = tz_parse_num(p + 1, 59, &s)) == NULL)
			return NULL;
	}
	*out = sign * (h * 3600 + m * 60 + s);
	return p;
}

static const char *
tz_parse_rule(const char *p, struct tz_rule *r)
{
	memset(r, 0, sizeof(*r));
	r->r_time = 2 * 3600;
	if (*p == 'J') {
		r->r_kind = 'J';
		if ((p = tz_parse_num(p + 1, 365, &r->r_day)) == NULL ||
		    r->r_day < 1)
			return NULL;
	} else if (*p == 'M') {
		r->r_kind = 'M';
		if ((p = tz_parse_num(p + 1, 12, &r->r_mon)) == NULL ||
		    r->r_mon < 1 || *p != '.')
			return NULL;
		if ((p = tz_parse_num(p + 1, 5, &r->r_week)) == NULL ||
		    r->r_week < 1 || *p != '.')
			return NULL;
		if ((p = tz_parse_num(p + 1, 6, &r->r_wday)) == NULL)
			return NULL;
	} else {
		r->r_kind = 'N';
		if ((p = tz_parse_num(p, 365, &r->r_day)) == NULL)
			return NULL;
	}
	if (*p == '/')
		p = tz_parse_hms(p + 1, 167, &r->r_time);
	return p;
}

static int
tz_parse_footer(struct tz *z, const char *p)
{
	int32_t off;

	if (*p == '\0')
		return -1;
	if ((p = tz_parse_abbr(p)) == NULL)
		return -1;
	if ((p = tz_parse_hms(p, 24, &off)) == NULL)
		return -1;
	z->tz_std_off = -off;
	z->tz_dst_off = z->tz_std_off;
	if (*p == '\0') {
		z->tz_has_rule = 1;
		return 0;
	}
	if ((p = tz_parse_abbr(p)) == NULL)
		return -1;
	z->tz_has_dst = 1;
	z->tz_dst_off = z->tz_std_off + 3600;
	if (*p != ',' && *p != '\0') {
		if ((p = tz_parse_hms(p, 24, &off)) == NULL)
			return -1;
		z->tz_dst_off = -off;
	}
	if (*p == '\0') {
		/* No rules given: POSIX leaves it open; use the US rules. */
		p = ",M3.2.0,M11.1.0";
	}
	if (*p != ',' || (p = tz_parse_rule(p + 1, &z->tz_start)) == NULL)
		return -1;
	if (*p != ',' || (p = tz_parse_rule(p + 1, &z->tz_end)) == NULL)
		return -1;
	if (*p != '\0')
		return -1;
	z->tz_has_rule = 1;
	return 0;
}

/* Local seconds (standard or DST wall clock) at which a rule fires. */
static int64_t
tz_rule_local(const struct tz_rule *r, int64_t year)
{
	int64_t days;
	int first_wday, mday;

	switch (r->r_kind) {
	case 'J':
		days = tz_days_from_civil(year, 1, 1) + r->r_day - 1;
		if (tz_is_leap(year) && r->r_day >= 60)
			days++;
		break;
	case 'N':
		days = tz_days_from_civil(year, 1, 1) + r->r_day;
		break;
	default:
		days = tz_days_from_civil(year, r->r_mon, 1);
		first_wday = (int)(((days % 7) + 11) % 7);
		mday = 1 + (r->r_wday - first_wday + 7) % 7 +
		    (r->r_week - 1) * 7;
		while (mday > tz_days_in_month(year, r->r_mon))
			mday -= 7;
		days += mday - 1;
		break;
	}
	return days * 86400 + r->r_time;
}

static int64_t
tz_rule_offset(const struct tz *z, int64_t t)
{
	struct tz_civil tc;
	int64_t start, end;

	if (!z->tz_has_dst)
		return z->tz_std_off;
	tz_civil_from_secs(t + z->tz_std_off, &tc);
	start = tz_rule_local(&z->tz_start, tc.tc_year) - z->tz_std_off;
	end = tz_rule_local(&z->tz_end, tc.tc_year) - z->tz_dst_off;
	if (start < end)
		return (t >= start && t < end) ? z->tz_dst_off : z->tz_std_off;
	/* Southern hemisphere: DST spans the new year. */
	return (t >= end && t < start) ? z->tz_std_off : z->tz_dst_off;
}

/* TZif loading. */

static uint32_t
tz_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static int64_t
tz_be64(const uint8_t *p)
{
	return (int64_t)((uint64_t)tz_be32(p) << 32 | tz_be32(p + 4));
}

static int
tz_read_file(const char *path, struct buf *b)
{
	uint8_t chunk[8192];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		buf_add(b, chunk, (size_t)n);
		if (b->b_len > TZ_FILE_MAX) {
			n = -1;
			break;
		}
	}
	close(fd);
	return n == 0 ? 0 : -1;
}

static int
tz_parse_tzif(struct tz *z, const uint8_t *d, size_t len)
{
	uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
	const uint8_t *p, *end = d + len, *nl;
	size_t i, v1len;
	char footer[256];

	if (len < 44 || memcmp(d, "TZif", 4) != 0 || d[4] < '2')
		return -1;
	/* Skip the v1 (32-bit) block to reach the v2 header. */
	isutcnt = tz_be32(d + 20);
	isstdcnt = tz_be32(d + 24);
	leapcnt = tz_be32(d + 28);
	timecnt = tz_be32(d + 32);
	typecnt = tz_be32(d + 36);
	charcnt = tz_be32(d + 40);
	v1len = (size_t)timecnt * 5 + (size_t)typecnt * 6 + charcnt +
	    (size_t)leapcnt * 8 + isstdcnt + isutcnt;
	if (v1len > len - 44 || len - 44 - v1len < 44)
		return -1;
	p = d + 44 + v1len;
	if (memcmp(p, "TZif", 4) != 0)
		return -1;
	isutcnt = tz_be32(p + 20);
	isstdcnt = tz_be32(p + 24);
	leapcnt = tz_be32(p + 28);
	timecnt = tz_be32(p + 32);
	typecnt = tz_be32(p + 36);
	charcnt = tz_be32(p + 40);
	p += 44;
	if (leapcnt != 0 || typecnt == 0 || typecnt > 256 ||
	    timecnt > 100000 || charcnt > 100000 || isstdcnt > 256 ||
	    isutcnt > 256)
		return -1;
	if ((size_t)(end - p) < (size_t)timecnt * 9 + (size_t)typecnt * 6 +
	    charcnt + isstdcnt + isutcnt)
		return -1;

	z->tz_ntrans = timecnt;
	z->tz_trans = xcalloc(timecnt ? timecnt : 1, sizeof(int64_t));
	z->tz_tidx = xcalloc(timecnt ? timecnt : 1, 1);
	/*
	 * RFC 8536 3.2: transition times strictly ascending, and UT offsets
	 * above -25 and below 26 hours.  The lookups rely on the first,
	 * the schedulers' searches on the second: a file that breaks either
	 * is refused rather than evaluated.
	 */
	for (i = 0; i < timecnt; i++) {
		z->tz_trans[i] = tz_be64(p + i * 8);
		if (i > 0 && z->tz_trans[i] <= z->tz_trans[i - 1])
			return -1;
	}
	p += (size_t)timecnt * 8;
	for (i = 0; i < timecnt; i++) {
		if (p[i] >= typecnt)
			return -1;
		z->tz_tidx[i] = p[i];
	}
	p += timecnt;
	z->tz_ntypes = typecnt;
	z->tz_toff = xcalloc(typecnt, sizeof(int32_t));
	for (i = 0; i < typecnt; i++) {
		z->tz_toff[i] = (int32_t)tz_be32(p + i * 6);
		if (z->tz_toff[i] < TZ_OFF_MIN || z->tz_toff[i] > TZ_OFF_MAX)
			return -1;
	}
	p += (size_t)typecnt * 6 + charcnt + isstdcnt + isutcnt;

	/* Footer: "\n<POSIX TZ>\n"; an empty string means "no rule". */
	if (p < end && *p == '\n' &&
	    (nl = memchr(p + 1, '\n', (size_t)(end - p - 1))) != NULL &&
	    (size_t)(nl - p - 1) < sizeof(footer)) {
		memcpy(footer, p + 1, (size_t)(nl - p - 1));
		footer[nl - p - 1] = '\0';
		if (footer[0] != '\0' && tz_parse_footer(z, footer) == -1)
			z->tz_has_rule = 0;
	}
	return 0;
}

static int
tz_name_ok(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > TZ_NAME_MAX || name[0] == '/' ||
	    strstr(name, "..") != NULL)
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '+' ||
		    c == '-' || c == '/'))
			return 0;
	}
	return 1;
}

/* The cached zone called `name' among slots [from, to), or NULL. */
static struct tz *
tz_find(const char *name, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++)
		if (strcmp(tz_cache[i]->tz_name, name) == 0)
			return tz_cache[i];
	return NULL;
}

static void
tz_free(struct tz *z)
{
	free(z->tz_trans);
	free(z->tz_tidx);
	free(z->tz_toff);
	free(z);
}

struct tz *
tz_from_tzif(const char *name, const uint8_t *data, size_t len)
{
	struct tz *z;

	if (len > TZ_FILE_MAX)
		return NULL;
	z = xcalloc(1, sizeof(*z));
	hc_strlcpy(z->tz_name, name, sizeof(z->tz_name));
	if (tz_parse_tzif(z, data, len) == -1) {
		tz_free(z);
		return NULL;
	}
	return z;
}

void
tz_release(struct tz *z)
{
	if (z != NULL && z != &tz_utc_zone)
		tz_free(z);
}

/* A zone read from its file, not cached yet; NULL if it cannot be. */
static struct tz *
tz_load(const char *name)
{
	struct tz *z;
	struct buf b;
	char path[sizeof(TZ_DIR) + TZ_NAME_MAX + 1];

	if ((size_t)snprintf(path, sizeof(path), "%s%s", TZ_DIR, name) >=
	    sizeof(path))
		return NULL;
	buf_init(&b);
	if (tz_read_file(path, &b) == -1) {
		buf_clear(&b);
		return NULL;
	}
	z = tz_from_tzif(name, b.b_data, b.b_len);
	buf_clear(&b);
	return z;
}

const struct tz *
tz_get(const char *name)
{
	struct tz *z, *c;
	size_t i, n, m;

	if (name == NULL || !tz_name_ok(name))
		return NULL;
	for (i = 0; i < sizeof(tz_renames) / sizeof(tz_renames[0]); i++)
		if (strcmp(name, tz_renames[i].old) == 0)
			name = tz_renames[i].new;
	if (strcmp(name, "UTC") == 0)
		return &tz_utc_zone;
	n = atomic_load_explicit(&tz_ncache, memory_order_acquire);
	if ((c = tz_find(name, 0, n)) != NULL)
		return c;

	/* Read the file outside the lock: lookups of other zones go on. */
	if ((z = tz_load(name)) == NULL)
		return NULL;
	pthread_mutex_lock(&tz_lock);
	m = atomic_load_explicit(&tz_ncache, memory_order_relaxed);
	if ((c = tz_find(name, n, m)) != NULL) {
		/* Another thread cached it meanwhile. */
		pthread_mutex_unlock(&tz_lock);
		tz_free(z);
		return c;
	}
	if (m < TZ_CACHE_MAX) {
		tz_cache[m] = z;
		atomic_store_explicit(&tz_ncache, m + 1, memory_order_release);
	}
	pthread_mutex_unlock(&tz_lock);
	return z;
}

const char *
tz_name(const struct tz *z)
{
	return z->tz_name;
}

int64_t
tz_offset(const struct tz *z, int64_t t)
{
	size_t lo, hi, mid;

	if (z->tz_ntrans == 0 || t >= z->tz_trans[z->tz_ntrans - 1]) {
		if (z->tz_has_rule)
			return tz_rule_offset(z, t);
		if (z->tz_ntrans == 0)
			return z->tz_ntypes ? z->tz_toff[0] : 0;
		return z->tz_toff[z->tz_tidx[z->tz_ntrans - 1]];
	}
	if (t < z->tz_trans[0])
		return z->tz_toff[0];
	/* Last transition at or before t. */
	lo = 0;
	hi = z->tz_ntrans - 1;
	while (lo < hi) {
		mid = lo + (hi - lo + 1) / 2;
		if (z->tz_trans[mid] <= t)
			lo = mid;
		else
			hi = mid - 1;
	}
	return z->tz_toff[z->tz_tidx[lo]];
}

int
tz_local_to_utc(const struct tz *z, int64_t local, int fold, int64_t *utc)
{
	int64_t cand[8], sol[8], o, lo, hi;
	size_t ncand = 0, nsol = 0, i, j;

	/*
	 * Gather the offsets in effect around the instant: sample a day
	 * either side, then let each sample's answer pull in its own.
	 */
	cand[ncand++] = tz_offset(z, local - 86400);
	cand[ncand++] = tz_offset(z, local);
	cand[ncand++] = tz_offset(z, local + 86400);
	for (i = 0; i < 3; i++)
		cand[ncand++] = tz_offset(z, local - cand[i]);

	for (i = 0; i < ncand; i++) {
		o = cand[i];
		if (tz_offset(z, local - o) != o)
			continue;
		for (j = 0; j < nsol; j++)
			if (sol[j] == o)
				break;
		if (j == nsol)
			sol[nsol++] = o;
	}
	if (nsol == 1) {
		*utc = local - sol[0];
		return 0;
	}
	if (nsol >= 2) {
		lo = hi = sol[0];
		for (i = 1; i < nsol; i++) {
			if (sol[i] < lo)
				lo = sol[i];
			if (sol[i] > hi)
				hi = sol[i];
		}
		/* The larger offset gives the earlier instant. */
		*utc = fold ? local - lo : local - hi;
		return 2;
	}
	/* Gap: use the offset in effect just before it. */
	hi = cand[0];
	for (i = 1; i < ncand; i++)
		if (cand[i] > hi)
			hi = cand[i];
	*utc = local - tz_offset(z, local - hi);
	return 1;
}

int64_t
tz_utc_to_local(const struct tz *z, int64_t utc, int *fold)
{
	int64_t local, first;

	local = utc + tz_offset(z, utc);
	if (fold != NULL) {
		*fold = 0;
		if (tz_local_to_utc(z, local, 0, &first) == 2 && first != utc)
			*fold = 1;
	}
	return local;
}
