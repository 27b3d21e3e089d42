/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * systemd OnCalendar= parsing and next-elapse search.  The grammar and
 * the search loop follow systemd's calendar spec behaviour (checked
 * against `systemd-analyze calendar'); where systemd leans on mktime()
 * to normalise broken-down times we use tz.c and reproduce glibc's
 * choices: a wall time in a gap moves forward by the gap, an ambiguous
 * one keeps the UTC offset most recently seen.  Used by schedule
 * validation and by the master's scheduler.
 */

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hcd.h"
#include "oncalendar.h"
#include "tz.h"

#define OC_MAX_COMPS	64	/* values in one field's list */
#define OC_MIN_YEAR	1970
#define OC_MAX_YEAR	2199
#define OC_MAX_LOOPS	200000

/* One list item: start, start..stop, start/repeat, start..stop/repeat. */
struct oc_comp {
	int	start;
	int	stop;		/* -1: none */
	int	repeat;		/* 0: none */
};

/* A field; n == 0 means "any value" (systemd's empty chain). */
struct oc_chain {
	int		n;
	struct oc_comp	c[OC_MAX_COMPS];
};

enum { OC_YEAR, OC_MON, OC_DAY, OC_HOUR, OC_MIN, OC_SEC, OC_NCHAINS };

struct oc_expr {
	struct oc_chain		 e_ch[OC_NCHAINS];
	uint8_t			 e_wdays;	/* bit 0 = Monday; 0 = any */
	int			 e_eom;		/* day counts from month end */
	int			 e_utc;
	const struct tz		*e_tz;		/* NULL: caller's default */
};

struct oncal {
	size_t		 o_n;
	struct oc_expr	*o_e;
};

/* Parsing. */

static int
oc_set_const(struct oc_chain *ch, int v)
{
	ch->n = 1;
	ch->c[0].start = v;
	ch->c[0].stop = -1;
	ch->c[0].repeat = 0;
	return 0;
}

/* Decimal; for seconds a ".fraction" must be zero. */
static int
oc_decimal(const char **pp, int secs, int *out)
{
	const char *p = *pp;
	long v = 0;

	if (*p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (*p++ - '0');
		if (v > 100000)
			return -1;
	}
	if (secs && p[0] == '.' && p[1] != '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9')
			if (*p++ != '0')
				return -1;
	}
	*pp = p;
	*out = (int)v;
	return 0;
}

static int
oc_chain(const char **pp, int secs, struct oc_chain *ch)
{
	const char *p = *pp;
	struct oc_comp *c;

	ch->n = 0;
	if (*p == '*') {
		/* "*" seconds means every whole second. */
		if (secs) {
			ch->n = 1;
			ch->c[0].start = 0;
			ch->c[0].stop = -1;
			ch->c[0].repeat = 1;
		}
		*pp = p + 1;
		return 0;
	}
	for (;;) {
		if (ch->n == OC_MAX_COMPS)
			return -1;
		c = &ch->c[ch->n++];
		c->stop = -1;
		c->repeat = 0;
		if (oc_decimal(&p, secs, &c->start) == -1)
			return -1;
		if (p[0] == '.' && p[1] == '.') {
			p += 2;
			if (oc_decimal(&p, secs, &c->stop) == -1)
				return -1;
			c->repeat = 1;
		}
		if (*p == '/') {
			p++;
			if (oc_decimal(&p, secs, &c->repeat) == -1 ||
			    c->repeat == 0)
				return -1;
		} else if (secs && c->stop >= 0 && c->start + 1 > c->stop)
			return -1;	/* systemd refuses "52..52" seconds */
		if (strchr(" ,-~:", *p) == NULL)
			return -1;
		if (*p != ',')
			break;
		p++;
	}
	*pp = p;
	return 0;
}

static int
oc_weekdays(const char **pp, struct oc_expr *e)
{
	static const struct {
		const char	*name;
		int		 nr;
	} days[] = {
		{ "Monday", 0 }, { "Mon", 0 }, { "Tuesday", 1 }, { "Tue", 1 },
		{ "Wednesday", 2 }, { "Wed", 2 }, { "Thursday", 3 },
		{ "Thu", 3 }, { "Friday", 4 }, { "Fri", 4 },
		{ "Saturday", 5 }, { "Sat", 5 }, { "Sunday", 6 }, { "Sun", 6 },
	};
	const char *p = *pp;
	size_t i, len;
	int l = -1, first = 1, j;

	for (;;) {
		for (i = 0; i < sizeof(days) / sizeof(days[0]); i++) {
			len = strlen(days[i].name);
			if (strncasecmp(p, days[i].name, len) == 0)
				break;
		}
		if (i == sizeof(days) / sizeof(days[0])) {
			/* Not a weekday: the spec starts with the date. */
			if (!first)
				return -1;
			*pp = p;
			return 0;
		}
		if (strchr(" -.,", p[len]) == NULL)
			return -1;	/* also catches the NUL */
		e->e_wdays |= 1U << days[i].nr;
		if (l >= 0) {
			if (l > days[i].nr)
				return -1;
			for (j = l + 1; j < days[i].nr; j++)
				e->e_wdays |= 1U << j;
		}
		p += len;
		if (*p == '\0' || *p == ' ')
			break;
		if (*p == '.') {
			if (l >= 0 || p[1] != '.')
				return -1;
			l = days[i].nr;
			p += 2;
		} else if (*p == '-') {
			if (l >= 0)
				return -1;
			l = days[i].nr;
			p++;
		} else if (*p == ',') {
			l = -1;
			p++;
		}
		/* A trailing comma is fine, an open range is not. */
		if (*p == '\0' || *p == ' ') {
			if (l >= 0)
				return -1;
			break;
		}
		first = 0;
	}
	while (*p == ' ')
		p++;
	*pp = p;
	return 0;
}

static int
oc_epoch(const char *p, struct oc_expr *e)
{
	struct tz_civil tc;
	int64_t v = 0;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (*p - '0');
		if (v > 7258118400LL)	/* 2200-01-01 */
			return -1;
	}
	if (*p != '\0')
		return -1;
	tz_civil_from_secs(v, &tc);
	oc_set_const(&e->e_ch[OC_YEAR], tc.tc_year);
	oc_set_const(&e->e_ch[OC_MON], tc.tc_mon);
	oc_set_const(&e->e_ch[OC_DAY], tc.tc_mday);
	oc_set_const(&e->e_ch[OC_HOUR], tc.tc_hour);
	oc_set_const(&e->e_ch[OC_MIN], tc.tc_min);
	oc_set_const(&e->e_ch[OC_SEC], tc.tc_sec);
	e->e_utc = 1;
	return 0;
}

/* Returns 1 if the date was "@EPOCH" (nothing may follow). */
static int
oc_date(const char **pp, struct oc_expr *e)
{
	struct oc_chain first, second, third;
	const char *t = *pp;

	if (*t == '\0')
		return 0;
	if (*t == '@')
		return oc_epoch(t + 1, e) == -1 ? -1 : 1;
	if (oc_chain(&t, 0, &first) == -1)
		return -1;
	if (*t == '\0' || *t == ':')
		return 0;	/* it was a time, not a date */
	if (*t == '~')
		e->e_eom = 1;
	else if (*t != '-')
		return -1;
	t++;
	if (oc_chain(&t, 0, &second) == -1)
		return -1;
	if (*t == '\0' || *t == ' ') {
		while (*t == ' ')
			t++;
		e->e_ch[OC_MON] = first;
		e->e_ch[OC_DAY] = second;
		*pp = t;
		return 0;
	}
	if (e->e_eom)
		return -1;
	if (*t == '~')
		e->e_eom = 1;
	else if (*t != '-')
		return -1;
	t++;
	if (oc_chain(&t, 0, &third) == -1)
		return -1;
	if (*t != '\0' && *t != ' ')
		return -1;
	while (*t == ' ')
		t++;
	e->e_ch[OC_YEAR] = first;
	e->e_ch[OC_MON] = second;
	e->e_ch[OC_DAY] = third;
	*pp = t;
	return 0;
}

static int
oc_time(const char **pp, struct oc_expr *e)
{
	const char *t = *pp;

	if (*t == '\0') {
		oc_set_const(&e->e_ch[OC_HOUR], 0);
		oc_set_const(&e->e_ch[OC_MIN], 0);
		oc_set_const(&e->e_ch[OC_SEC], 0);
		return 0;
	}
	if (oc_chain(&t, 0, &e->e_ch[OC_HOUR]) == -1 || *t != ':')
		return -1;
	t++;
	if (oc_chain(&t, 0, &e->e_ch[OC_MIN]) == -1)
		return -1;
	if (*t == '\0') {
		oc_set_const(&e->e_ch[OC_SEC], 0);
		*pp = t;
		return 0;
	}
	if (*t != ':')
		return -1;
	t++;
	if (oc_chain(&t, 1, &e->e_ch[OC_SEC]) == -1 || *t != '\0')
		return -1;
	*pp = t;
	return 0;
}

static int
oc_chain_valid(const struct oc_chain *ch, int from, int to, int eom)
{
	const struct oc_comp *c;
	int i;

	for (i = 0; i < ch->n; i++) {
		c = &ch->c[i];
		if (c->start < from || c->start > to || c->repeat > to - from)
			return 0;
		if (c->stop >= 0) {
			if (c->stop < from || c->stop > to || c->start > c->stop)
				return 0;
		} else if (c->repeat > 0) {
			if (eom && c->start - c->repeat < from)
				return 0;
			if (!eom && c->start + c->repeat > to)
				return 0;
		}
	}
	return 1;
}

static int
oc_shorthand(const char *s, struct oc_expr *e)
{
	static const char *annual[] = { "annually", "yearly", "anually" };
	static const char *semi[] = { "semiannually", "semi-annually",
	    "biannually", "bi-annually" };
	struct oc_chain *mon = &e->e_ch[OC_MON];
	size_t i;

	if (strcasecmp(s, "minutely") == 0) {
		oc_set_const(&e->e_ch[OC_SEC], 0);
		return 1;
	}
	if (strcasecmp(s, "hourly") == 0) {
		oc_set_const(&e->e_ch[OC_MIN], 0);
		oc_set_const(&e->e_ch[OC_SEC], 0);
		return 1;
	}
	oc_set_const(&e->e_ch[OC_HOUR], 0);
	oc_set_const(&e->e_ch[OC_MIN], 0);
	oc_set_const(&e->e_ch[OC_SEC], 0);
	if (strcasecmp(s, "daily") == 0)
		return 1;
	if (strcasecmp(s, "weekly") == 0) {
		e->e_wdays = 1;
		return 1;
	}
	oc_set_const(&e->e_ch[OC_DAY], 1);
	if (strcasecmp(s, "monthly") == 0)
		return 1;
	for (i = 0; i < sizeof(annual) / sizeof(annual[0]); i++)
		if (strcasecmp(s, annual[i]) == 0)
			return oc_set_const(mon, 1) + 1;
	if (strcasecmp(s, "quarterly") == 0) {
		oc_set_const(mon, 1);
		mon->n = 4;
		for (i = 1; i < 4; i++)
			mon->c[i] = (struct oc_comp){ 1 + 3 * (int)i, -1, 0 };
		return 1;
	}
	for (i = 0; i < sizeof(semi) / sizeof(semi[0]); i++)
		if (strcasecmp(s, semi[i]) == 0) {
			oc_set_const(mon, 1);
			mon->n = 2;
			mon->c[1] = (struct oc_comp){ 7, -1, 0 };
			return 1;
		}
	for (i = 0; i < OC_NCHAINS; i++)
		e->e_ch[i].n = 0;
	return 0;
}

static const char *
oc_parse_line(char *s, struct oc_expr *e)
{
	const char *p;
	char *sp = NULL;
	size_t n = strlen(s);
	int i, j, r;

	memset(e, 0, sizeof(*e));
	/* Zone suffix. */
	if (n > 4 && strcasecmp(s + n - 4, " UTC") == 0) {
		e->e_utc = 1;
		s[n - 4] = '\0';
	} else if ((sp = strrchr(s, ' ')) != NULL &&
	    (e->e_tz = tz_get(sp + 1)) != NULL)
		*sp = '\0';
	if (*s == '\0')
		return "empty expression";

	if (!oc_shorthand(s, e)) {
		p = s;
		if (oc_weekdays(&p, e) == -1)
			return "bad weekday";
		if ((r = oc_date(&p, e)) == -1)
			return "bad date";
		if (r == 0 && oc_time(&p, e) == -1)
			return "bad time";
		if (r == 0 && *p != '\0')
			return "trailing characters";
	}
	/* Two-digit years. */
	for (i = 0; i < e->e_ch[OC_YEAR].n; i++) {
		struct oc_comp *c = &e->e_ch[OC_YEAR].c[i];

		if (c->start >= 0 && c->start < 70)
			c->start += 2000;
		else if (c->start >= 70 && c->start < 100)
			c->start += 1900;
		if (c->stop >= 0 && c->stop < 70)
			c->stop += 2000;
		else if (c->stop >= 70 && c->stop < 100)
			c->stop += 1900;
	}
	/* Ranges end at the last value their step reaches. */
	for (j = 0; j < OC_NCHAINS; j++)
		for (i = 0; i < e->e_ch[j].n; i++) {
			struct oc_comp *c = &e->e_ch[j].c[i];

			if (c->stop < c->start || c->repeat <= 0)
				continue;
			c->stop = c->start + c->repeat *
			    ((c->stop - c->start) / c->repeat);
			if (c->stop == c->start) {
				c->stop = -1;
				c->repeat = 0;
			}
		}
	if (!oc_chain_valid(&e->e_ch[OC_YEAR], OC_MIN_YEAR, OC_MAX_YEAR, 0) ||
	    !oc_chain_valid(&e->e_ch[OC_MON], 1, 12, 0) ||
	    !oc_chain_valid(&e->e_ch[OC_DAY], 1, 31, e->e_eom) ||
	    !oc_chain_valid(&e->e_ch[OC_HOUR], 0, 23, 0) ||
	    !oc_chain_valid(&e->e_ch[OC_MIN], 0, 59, 0) ||
	    !oc_chain_valid(&e->e_ch[OC_SEC], 0, 59, 0))
		return "value out of range";
	return NULL;
}

struct oncal *
oncal_parse(const char *schedule, const char **errstr)
{
	struct oncal *o;
	struct oc_expr e;
	const char *err = NULL, *p, *nl;
	char *line;
	size_t a, b;

	o = xcalloc(1, sizeof(*o));
	for (p = schedule; err == NULL && *p != '\0'; p = *nl ? nl + 1 : nl) {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p);
		/* Trim blanks (and a CR) on both ends. */
		a = 0;
		b = nl - p;
		while (a < b && strchr(" \t\r", p[a]) != NULL)
			a++;
		while (b > a && strchr(" \t\r", p[b - 1]) != NULL)
			b--;
		if (a == b)
			continue;
		line = xstrndup(p + a, b - a);
		if ((err = oc_parse_line(line, &e)) == NULL) {
			o->o_e = xreallocarray(o->o_e, o->o_n + 1,
			    sizeof(*o->o_e));
			o->o_e[o->o_n++] = e;
		}
		free(line);
	}
	if (err == NULL && o->o_n == 0)
		err = "empty schedule";
	if (err != NULL) {
		oncal_free(o);
		if (errstr != NULL)
			*errstr = err;
		return NULL;
	}
	return o;
}

void
oncal_free(struct oncal *o)
{
	if (o == NULL)
		return;
	free(o->o_e);
	free(o);
}

/*
 * The search, after systemd's find_next().  A broken-down time whose
 * fields may be out of range; "normalising" it goes through the zone
 * like mktime() with tm_isdst = -1.
 */
struct oc_tm {
	int	y, mon, d, h, mi, s;
};

struct oc_ctx {
	const struct oc_expr	*x_e;
	const struct tz		*x_tz;
	int64_t			 x_hint;	/* last offset mktime() saw */
};

static int64_t
oc_mktime(struct oc_ctx *x, struct oc_tm *tm)
{
	struct tz_civil tc;
	int64_t local, u0, u1, pick;
	int r;

	local = tz_days_from_civil(tm->y, tm->mon, tm->d) * 86400 +
	    (int64_t)tm->h * 3600 + (int64_t)tm->mi * 60 + tm->s;
	r = tz_local_to_utc(x->x_tz, local, 0, &u0);
	pick = u0;
	if (r == 2) {
		tz_local_to_utc(x->x_tz, local, 1, &u1);
		if (local - u0 == x->x_hint)
			pick = u0;
		else if (local - u1 == x->x_hint)
			pick = u1;
		else if (tz_offset(x->x_tz, local - x->x_hint) == local - u1)
			pick = u1;
	}
	x->x_hint = tz_offset(x->x_tz, pick);
	tz_civil_from_secs(pick + x->x_hint, &tc);
	tm->y = tc.tc_year;
	tm->mon = tc.tc_mon;
	tm->d = tc.tc_mday;
	tm->h = tc.tc_hour;
	tm->mi = tc.tc_min;
	tm->s = tc.tc_sec;
	return pick;
}

static int
oc_cmp(int a, int b)
{
	return (a > b) - (a < b);
}

/* 1: in range; 0: normalised forward (tm updated); -1: out of range. */
static int
oc_within(struct oc_ctx *x, struct oc_tm *tm)
{
	struct oc_tm t;
	int cmp;

	if (tm->y > OC_MAX_YEAR)
		return -1;
	t = *tm;
	oc_mktime(x, &t);
	if ((cmp = oc_cmp(t.y, tm->y)) != 0)
		t.mon = 1;
	else if ((cmp = oc_cmp(t.mon, tm->mon)) != 0)
		t.d = 1;
	else if ((cmp = oc_cmp(t.d, tm->d)) != 0)
		t.h = 0;
	else if ((cmp = oc_cmp(t.h, tm->h)) != 0)
		t.mi = 0;
	else if ((cmp = oc_cmp(t.mi, tm->mi)) != 0)
		t.s = 0;
	else
		cmp = oc_cmp(t.s, tm->s);
	if (cmp < 0)
		return -1;
	if (cmp > 0) {
		*tm = t;
		return 0;
	}
	return 1;
}

/* Day of month `day' counted from the end; -1 if not in this month. */
static int
oc_end_of_month(const struct oc_tm *tm, int day)
{
	struct tz_civil tc;

	tz_civil_from_secs(tz_days_from_civil(tm->y, tm->mon + 1,
	    1 - day) * 86400, &tc);
	return tc.tc_mon == tm->mon ? tc.tc_mday : -1;
}

/* 0: *val matches; 1: moved to a later match; -1: none left. */
static int
oc_match(const struct oc_expr *e, int which, const struct oc_tm *tm,
    int *val)
{
	const struct oc_chain *ch = &e->e_ch[which];
	const struct oc_comp *c;
	int i, d = -1, start, stop, k, tmp;

	if (ch->n == 0)
		return 0;
	for (i = 0; i < ch->n; i++) {
		c = &ch->c[i];
		start = c->start;
		stop = c->stop;
		if (which == OC_DAY && e->e_eom) {
			start = oc_end_of_month(tm, c->start);
			stop = c->stop >= 0 ? oc_end_of_month(tm, c->stop) : -1;
			if (stop > 0) {
				tmp = start;
				start = stop;
				stop = tmp;
			}
		}
		if (start >= *val) {
			if (d < 0 || start < d)
				d = start;
		} else if (c->repeat > 0) {
			k = start + c->repeat *
			    ((*val - start + c->repeat - 1) / c->repeat);
			if ((d < 0 || k < d) && (stop < 0 || k <= stop))
				d = k;
		}
	}
	if (d < 0)
		return -1;
	if (d == *val)
		return 0;
	*val = d;
	return 1;
}

static int
oc_weekday_ok(const struct oc_expr *e, const struct oc_tm *tm)
{
	struct tz_civil tc;

	if (e->e_wdays == 0 || e->e_wdays == 0x7f)
		return 1;
	tz_civil_from_secs(tz_days_from_civil(tm->y, tm->mon, tm->d) * 86400,
	    &tc);
	return (e->e_wdays >> ((tc.tc_wday + 6) % 7)) & 1;
}

static int
oc_next_one(const struct oc_expr *e, const struct tz *tz, int64_t after,
    int64_t *next)
{
	struct oc_ctx x;
	struct oc_tm c;
	struct tz_civil tc;
	int r, loops, first = 1;

	x.x_e = e;
	x.x_tz = tz;
	x.x_hint = tz_offset(tz, after + 1);
	tz_civil_from_secs(after + 1 + x.x_hint, &tc);
	c = (struct oc_tm){ tc.tc_year, tc.tc_mon, tc.tc_mday, tc.tc_hour,
	    tc.tc_min, tc.tc_sec };

	for (loops = 0; loops < OC_MAX_LOOPS; loops++) {
		if (!first)
			oc_mktime(&x, &c);
		first = 0;

		if ((r = oc_match(e, OC_YEAR, &c, &c.y)) > 0)
			c = (struct oc_tm){ c.y, 1, 1, 0, 0, 0 };
		if (r < 0 || oc_within(&x, &c) <= 0)
			return -1;

		if ((r = oc_match(e, OC_MON, &c, &c.mon)) > 0)
			c.d = 1, c.h = c.mi = c.s = 0;
		if (r < 0 || (r = oc_within(&x, &c)) < 0) {
			c = (struct oc_tm){ c.y + 1, 1, 1, 0, 0, 0 };
			continue;
		}
		if (r == 0)
			continue;

		if ((r = oc_match(e, OC_DAY, &c, &c.d)) > 0)
			c.h = c.mi = c.s = 0;
		if (r < 0 || (r = oc_within(&x, &c)) < 0) {
			c.mon++;
			c.d = 1, c.h = c.mi = c.s = 0;
			continue;
		}
		if (r == 0)
			continue;

		if (!oc_weekday_ok(e, &c)) {
			c.d++;
			c.h = c.mi = c.s = 0;
			continue;
		}

		if ((r = oc_match(e, OC_HOUR, &c, &c.h)) > 0)
			c.mi = c.s = 0;
		if (r < 0 || (r = oc_within(&x, &c)) < 0) {
			c.d++;
			c.h = c.mi = c.s = 0;
			continue;
		}
		if (r == 0)
			continue;

		if ((r = oc_match(e, OC_MIN, &c, &c.mi)) > 0)
			c.s = 0;
		if (r < 0 || (r = oc_within(&x, &c)) < 0) {
			c.h++;
			c.mi = c.s = 0;
			continue;
		}
		if (r == 0)
			continue;

		r = oc_match(e, OC_SEC, &c, &c.s);
		if (r < 0 || (r = oc_within(&x, &c)) < 0) {
			c.mi++;
			c.s = 0;
			continue;
		}
		if (r == 0)
			continue;

		*next = oc_mktime(&x, &c);
		return 0;
	}
	return -1;
}

int
oncal_next(const struct oncal *o, const struct tz *default_tz,
    int64_t after_utc, int64_t *next_utc)
{
	const struct oc_expr *e;
	const struct tz *tz;
	int64_t t, best = 0;
	size_t i;
	int found = 0;

	if (default_tz == NULL)
		default_tz = tz_get("UTC");
	for (i = 0; i < o->o_n; i++) {
		e = &o->o_e[i];
		tz = e->e_utc ? tz_get("UTC") : e->e_tz ? e->e_tz : default_tz;
		if (oc_next_one(e, tz, after_utc, &t) == 0 &&
		    (!found || t < best)) {
			best = t;
			found = 1;
		}
	}
	if (!found)
		return -1;
	*next_utc = best;
	return 0;
}
