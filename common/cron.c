/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Cron expression parsing and next-match search with the semantics of
 * Healthchecks' cronsim library (Debian/Vixie cron, DST handling
 * included).  The search walks month, day, hour and minute forward the
 * way cronsim does, on the wall clock for jobs at specific times and on
 * real elapsed time otherwise, so DST corner cases come out the same.
 * Used by schedule validation and by the master's alert scheduler.
 */

#include <stdlib.h>
#include <string.h>

#include "hcd.h"
#include "cron.h"
#include "tz.h"

enum cron_field {
	CF_MIN, CF_HOUR, CF_DOM, CF_MON, CF_DOW, CF_NFIELDS
};

static const int cron_lo[CF_NFIELDS] = { 0, 0, 1, 1, 0 };
static const int cron_hi[CF_NFIELDS] = { 59, 23, 31, 12, 7 };
static const char *cron_errs[CF_NFIELDS] = {
	"Bad minute", "Bad hour", "Bad day-of-month", "Bad month",
	"Bad day-of-week"
};
static const char *cron_months[] = { "JAN", "FEB", "MAR", "APR", "MAY",
    "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC" };
static const char *cron_days[] = { "SUN", "MON", "TUE", "WED", "THU",
    "FRI", "SAT" };

/* What one field (or one term of it) selects. */
struct cron_set {
	uint64_t	cs_bits;
	uint8_t		cs_flags;	/* CRON_DOM_* */
	uint8_t		cs_last;	/* day-of-week "nL" */
	uint8_t		cs_nth[6];	/* day-of-week "n#k" */
};

/* A span of the upper-cased expression. */
struct cron_span {
	const char	*s;
	size_t		 n;
};

static const char *
cron_memchr(struct cron_span sp, int c)
{
	return memchr(sp.s, c, sp.n);
}

static int
cron_span_is(struct cron_span sp, const char *lit)
{
	return strlen(lit) == sp.n && memcmp(sp.s, lit, sp.n) == 0;
}

/* Digits only, not empty; saturates at 1000000 (always out of range). */
static int
cron_digits(struct cron_span sp, long *out)
{
	long v = 0;
	size_t i;

	if (sp.n == 0)
		return -1;
	for (i = 0; i < sp.n; i++) {
		if (sp.s[i] < '0' || sp.s[i] > '9')
			return -1;
		if (v < 1000000)
			v = v * 10 + (sp.s[i] - '0');
	}
	*out = v;
	return 0;
}

/* A single value: a name where the field has them, else a number. */
static int
cron_value(int f, struct cron_span sp, int *out)
{
	long v;
	int i;

	if (f == CF_MON)
		for (i = 0; i < 12; i++)
			if (cron_span_is(sp, cron_months[i])) {
				*out = i + 1;
				return 0;
			}
	if (f == CF_DOW)
		for (i = 0; i < 7; i++)
			if (cron_span_is(sp, cron_days[i])) {
				*out = i;
				return 0;
			}
	if (cron_digits(sp, &v) == -1 || v < cron_lo[f] || v > cron_hi[f])
		return -1;
	*out = (int)v;
	return 0;
}

static int
cron_term(int f, struct cron_span sp, struct cron_set *out)
{
	struct cron_span a, b;
	struct cron_set items;
	const char *p;
	long step, nth;
	int lo, hi, v, i, k;

	memset(out, 0, sizeof(*out));
	if (cron_span_is(sp, "*")) {
		for (v = cron_lo[f]; v <= cron_hi[f]; v++)
			out->cs_bits |= 1ULL << v;
		return 0;
	}
	if ((p = cron_memchr(sp, ',')) != NULL) {
		/* A list: the union of its terms. */
		a.s = sp.s;
		for (;;) {
			p = memchr(a.s, ',', (size_t)(sp.s + sp.n - a.s));
			a.n = (p ? p : sp.s + sp.n) - a.s;
			if (cron_term(f, a, &items) == -1)
				return -1;
			out->cs_bits |= items.cs_bits;
			out->cs_flags |= items.cs_flags;
			out->cs_last |= items.cs_last;
			for (k = 0; k < 6; k++)
				out->cs_nth[k] |= items.cs_nth[k];
			if (p == NULL)
				return 0;
			a.s = p + 1;
		}
	}
	if (f == CF_DOW && cron_memchr(sp, 'L') != NULL) {
		/* "nL": digits, then one more character (the L). */
		a.s = sp.s;
		a.n = sp.n ? sp.n - 1 : 0;
		if (cron_digits(a, &step) == -1 || cron_value(f, a, &v) == -1)
			return -1;
		out->cs_last = 1U << (v % 7);
		return 0;
	}
	if (f == CF_DOW && (p = cron_memchr(sp, '#')) != NULL) {
		a.s = sp.s;
		a.n = p - sp.s;
		b.s = p + 1;
		b.n = sp.s + sp.n - b.s;
		if (cron_digits(b, &nth) == -1 || nth < 1 || nth > 5 ||
		    cron_value(f, a, &v) == -1)
			return -1;
		out->cs_nth[nth] = 1U << (v % 7);
		return 0;
	}
	if ((p = cron_memchr(sp, '/')) != NULL) {
		a.s = sp.s;
		a.n = p - sp.s;
		b.s = p + 1;
		b.n = sp.s + sp.n - b.s;
		if (cron_digits(b, &step) == -1 || step == 0)
			return -1;
		if (cron_term(f, a, &items) == -1)
			return -1;
		if (items.cs_bits == 0) {
			/* "L/n" or "LW/n": the step is ignored. */
			*out = items;
			return 0;
		}
		if ((items.cs_bits & (items.cs_bits - 1)) == 0) {
			/* One value: from it to the field's maximum. */
			lo = __builtin_ctzll(items.cs_bits);
			for (v = lo; v <= cron_hi[f]; v += (int)step)
				out->cs_bits |= 1ULL << v;
			return 0;
		}
		/* Every step-th selected value, in ascending order. */
		for (v = 0, i = 0; v < 64; v++) {
			if ((items.cs_bits & (1ULL << v)) == 0)
				continue;
			if (i++ % step == 0)
				out->cs_bits |= 1ULL << v;
		}
		return 0;
	}
	if ((p = cron_memchr(sp, '-')) != NULL) {
		a.s = sp.s;
		a.n = p - sp.s;
		b.s = p + 1;
		b.n = sp.s + sp.n - b.s;
		if (cron_value(f, a, &lo) == -1 || cron_value(f, b, &hi) == -1 ||
		    hi < lo)
			return -1;
		for (v = lo; v <= hi; v++)
			out->cs_bits |= 1ULL << v;
		return 0;
	}
	if (f == CF_DOM && cron_span_is(sp, "LW")) {
		out->cs_flags = CRON_DOM_LASTWD;
		return 0;
	}
	if (f == CF_DOM && cron_span_is(sp, "L")) {
		out->cs_flags = CRON_DOM_LAST;
		return 0;
	}
	if (cron_value(f, sp, &v) == -1)
		return -1;
	out->cs_bits = 1ULL << v;
	return 0;
}

static int
cron_isspace(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

/* Split on whitespace as Python's str.split(); returns the field count. */
static size_t
cron_split(const char *s, struct cron_span *f, size_t max)
{
	size_t n = 0;

	for (;;) {
		while (*s != '\0' && cron_isspace((unsigned char)*s))
			s++;
		if (*s == '\0')
			return n;
		if (n < max)
			f[n].s = s;
		while (*s != '\0' && !cron_isspace((unsigned char)*s))
			s++;
		if (n < max)
			f[n].n = s - f[n].s;
		n++;
	}
}

int
cron_parse(const char *expr, struct cron *out, const char **errstr)
{
	static const int febmax[13] = { 0, 31, 29, 31, 30, 31, 30, 31, 31,
	    30, 31, 30, 31 };
	struct cron_span f[CF_NFIELDS];
	struct cron_set set[CF_NFIELDS];
	const char *err = NULL;
	char *up, *p;
	int i, k, mind, maxd;

	up = xstrdup(expr);
	for (p = up; *p != '\0'; p++)
		if (*p >= 'a' && *p <= 'z')
			*p -= 'a' - 'A';
	if (cron_split(up, f, CF_NFIELDS) != CF_NFIELDS) {
		err = "Wrong number of fields";
		goto fail;
	}
	for (i = 0; i < CF_NFIELDS; i++)
		if (cron_term(i, f[i], &set[i]) == -1) {
			err = cron_errs[i];
			goto fail;
		}

	memset(out, 0, sizeof(*out));
	out->cr_min = set[CF_MIN].cs_bits;
	out->cr_hour = (uint32_t)set[CF_HOUR].cs_bits;
	out->cr_dom = (uint32_t)set[CF_DOM].cs_bits;
	out->cr_dom_flags = set[CF_DOM].cs_flags;
	out->cr_mon = (uint16_t)set[CF_MON].cs_bits;
	/* Day-of-week 7 is Sunday again. */
	out->cr_dow = (uint8_t)((set[CF_DOW].cs_bits & 0x7f) |
	    ((set[CF_DOW].cs_bits >> 7) & 1));
	out->cr_dow_last = set[CF_DOW].cs_last;
	for (k = 0; k < 6; k++)
		out->cr_dow_nth[k] = set[CF_DOW].cs_nth[k];
	out->cr_day_or = f[CF_DOM].s[0] != '*' && f[CF_DOW].s[0] != '*';
	out->cr_wall = f[CF_MIN].s[0] != '*' && f[CF_HOUR].s[0] != '*';

	/* Reject day sets that no selected month can hold ("30 2"). */
	if (out->cr_dom_flags == 0 && out->cr_dom != 0) {
		mind = __builtin_ctz(out->cr_dom);
		maxd = 0;
		for (i = 1; i <= 12; i++)
			if ((out->cr_mon & (1U << i)) && febmax[i] > maxd)
				maxd = febmax[i];
		if (mind > 29 && mind > maxd) {
			err = cron_errs[CF_DOM];
			goto fail;
		}
	}
	free(up);
	return 0;
fail:
	free(up);
	if (errstr != NULL)
		*errstr = err;
	return -1;
}

int
sched_kind_of(const char *schedule)
{
	struct cron_span f[6];

	if (strchr(schedule, '\n') != NULL)
		return 0;
	return cron_split(schedule, f, 6) == 5;
}

/* Day matching. */

static int
cron_last_weekday(int y, int m)
{
	int last = tz_days_in_month(y, m);
	int wd = (int)(((tz_days_from_civil(y, m, last) % 7) + 11) % 7);

	if (wd == 0)
		return last - 2;
	if (wd == 6)
		return last - 1;
	return last;
}

static int
cron_match_dom(const struct cron *c, int y, int m, int d)
{
	if (c->cr_dom & (1U << d))
		return 1;
	if ((c->cr_dom_flags & CRON_DOM_LASTWD) && d >= 26 &&
	    d == cron_last_weekday(y, m))
		return 1;
	if ((c->cr_dom_flags & CRON_DOM_LAST) && d == tz_days_in_month(y, m))
		return 1;
	return 0;
}

static int
cron_match_dow(const struct cron *c, int y, int m, int d, int wd)
{
	if (c->cr_dow & (1U << wd))
		return 1;
	if ((c->cr_dow_last & (1U << wd)) && d + 7 > tz_days_in_month(y, m))
		return 1;
	if (c->cr_dow_nth[(d + 6) / 7] & (1U << wd))
		return 1;
	return 0;
}

static int
cron_match_day(const struct cron *c, int y, int m, int d, int wd)
{
	if (c->cr_day_or)
		return cron_match_dom(c, y, m, d) ||
		    cron_match_dow(c, y, m, d, wd);
	return cron_match_dom(c, y, m, d) && cron_match_dow(c, y, m, d, wd);
}

/*
 * The walk.  `local' is the candidate wall time and `fold' which pass
 * of an overlap it means.  In wall mode the walk is pure wall-clock
 * arithmetic; otherwise each step goes through UTC, so the candidate
 * always names a real instant (except right after a jump to a
 * midnight, as in cronsim).
 */
struct cron_walk {
	const struct cron	*w_c;
	const struct tz		*w_tz;
	int64_t			 w_local;
	int			 w_fold;
	struct tz_civil		 w_tc;
};

static void
cron_set_local(struct cron_walk *w, int64_t local, int fold)
{
	w->w_local = local;
	w->w_fold = fold;
	tz_civil_from_secs(local, &w->w_tc);
}

static void
cron_tick(struct cron_walk *w, int minutes)
{
	int64_t utc, local;
	int fold;

	if (w->w_c->cr_wall) {
		cron_set_local(w, w->w_local + minutes * 60, 0);
		return;
	}
	tz_local_to_utc(w->w_tz, w->w_local, w->w_fold, &utc);
	utc += minutes * 60;
	local = tz_utc_to_local(w->w_tz, utc, &fold);
	cron_set_local(w, local, fold);
}

static void
cron_midnight(struct cron_walk *w, int y, int m, int d)
{
	cron_set_local(w, tz_days_from_civil(y, m, d) * 86400, 0);
}

static void
cron_advance_month(struct cron_walk *w)
{
	int y = w->w_tc.tc_year, m = w->w_tc.tc_mon;

	if (w->w_c->cr_mon & (1U << m))
		return;
	do {
		if (++m > 12) {
			m = 1;
			y++;
		}
	} while ((w->w_c->cr_mon & (1U << m)) == 0);
	cron_midnight(w, y, m, 1);
}

static int
cron_advance_day(struct cron_walk *w)
{
	int y = w->w_tc.tc_year, m = w->w_tc.tc_mon, d = w->w_tc.tc_mday;
	int wd = w->w_tc.tc_wday;

	if (cron_match_day(w->w_c, y, m, d, wd))
		return 0;
	do {
		wd = (wd + 1) % 7;
		if (++d > tz_days_in_month(y, m)) {
			/* New month: let the caller check the month again. */
			d = 1;
			if (++m > 12) {
				m = 1;
				y++;
			}
			break;
		}
	} while (!cron_match_day(w->w_c, y, m, d, wd));
	cron_midnight(w, y, m, d);
	return 1;
}

static int
cron_advance_hour(struct cron_walk *w)
{
	if (w->w_c->cr_hour & (1U << w->w_tc.tc_hour))
		return 0;
	cron_set_local(w, w->w_local - w->w_tc.tc_min * 60, w->w_fold);
	while ((w->w_c->cr_hour & (1U << w->w_tc.tc_hour)) == 0) {
		cron_tick(w, 60);
		if (w->w_tc.tc_hour == 0)
			break;
	}
	return 1;
}

static int
cron_advance_minute(struct cron_walk *w)
{
	uint64_t mins = w->w_c->cr_min;
	int target;

	if (mins & (1ULL << w->w_tc.tc_min))
		return 0;
	if ((mins & (mins - 1)) == 0) {
		/* A single allowed minute: jump straight to it. */
		target = __builtin_ctzll(mins);
		cron_tick(w, ((target - w->w_tc.tc_min) % 60 + 60) % 60);
	}
	while ((mins & (1ULL << w->w_tc.tc_min)) == 0) {
		cron_tick(w, 1);
		if (w->w_tc.tc_min == 0)
			break;
	}
	return 1;
}

int
cron_next(const struct cron *c, const struct tz *tz, int64_t after_utc,
    int64_t *next_utc)
{
	struct cron_walk w;
	int64_t local, utc;
	int fold, start_year;

	if (tz == NULL)
		tz = tz_get("UTC");
	if (c->cr_min == 0 || c->cr_hour == 0 || c->cr_mon == 0)
		return -1;
	memset(&w, 0, sizeof(w));
	w.w_c = c;
	w.w_tz = tz;
	local = tz_utc_to_local(tz, after_utc, &fold);
	local -= ((local % 60) + 60) % 60;
	cron_set_local(&w, local, c->cr_wall ? 0 : fold);
	cron_tick(&w, 1);

	start_year = w.w_tc.tc_year;
	for (;;) {
		cron_advance_month(&w);
		if (w.w_tc.tc_year > start_year + 50)
			return -1;
		if (cron_advance_day(&w) || cron_advance_hour(&w) ||
		    cron_advance_minute(&w))
			continue;
		break;
	}
	if (c->cr_wall) {
		/* A wall time inside a gap runs at the gap's end. */
		while (tz_local_to_utc(tz, w.w_local, 0, &utc) == 1)
			w.w_local += 60;
		*next_utc = utc;
		return 0;
	}
	tz_local_to_utc(tz, w.w_local, w.w_fold, &utc);
	*next_utc = utc;
	return 0;
}
