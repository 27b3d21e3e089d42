/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The check model of checkdef.h: the field table and what it drives.
 */
#include <openssl/sha.h>

#include <ctype.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "checkdef.h"
#include "cron.h"
#include "db.h"
#include "hcd.h"
#include "json.h"
#include "oncalendar.h"
#include "tz.h"

#define O(m)	((int)offsetof(struct check_row, m))
#define NO	(-1)

static const char *const methods_enum[] = { "", "POST", NULL };
static const char *const unique_enum[] = { "name", "slug", "tags", "timeout",
    "grace", NULL };

#define RW	(CF_RENDER | CF_RW_ONLY)
#define IN	(CF_INPUT | CF_STORE | CF_PLAIN)

/*
 * In the order of the check object (Check.to_dict()); f_vorder is the
 * order in which Healthchecks' schema declares the input fields, which
 * is the order it reports errors in (the first error wins).
 */
const struct check_field check_fields[] = {
	{ "name", CF_STR, "c.name", O(cr_name), 0, 100, NULL,
	    CF_INPUT | CF_STORE | CF_RENDER, CF_VALL, 11, CO_NONE },
	{ "slug", CF_STR, "c.slug", O(cr_slug), 0, 100, NULL,
	    IN | CF_RENDER | CF_SLUGPAT, CF_VALL, 13, CO_NONE },
	{ "tags", CF_STR, "c.tags", O(cr_tags), 0, 500, NULL,
	    IN | CF_RENDER, CF_VALL, 18, CO_NONE },
	{ "desc", CF_STR, "c.\"desc\"", O(cr_desc), 0, 0, NULL,
	    IN | CF_RENDER, CF_VALL, 2, CO_NONE },
	{ "grace", CF_SECS, "c.grace", O(cr_grace), 60, 31536000, NULL,
	    IN | CF_RENDER | CF_STATE, CF_VALL, 8, CO_NONE },
	{ "n_pings", CF_INT, "c.n_pings", O(cr_n_pings), 0, 0, NULL,
	    CF_RENDER, CF_VALL, 0, CO_NONE },
	{ "status", CF_STATUS, "c.status", O(cr_status), 0, 0, NULL,
	    CF_RENDER | CF_STATE, CF_VALL, 0, CO_STATUS },
	{ "started", CF_TIME, "c.last_start", O(cr_last_start), 0, 0, NULL,
	    CF_RENDER | CF_STATE, CF_VALL, 0, CO_STARTED },
	{ "last_ping", CF_TIME, "c.last_ping", O(cr_last_ping), 0, 0, NULL,
	    CF_RENDER | CF_NULLABLE | CF_STATE, CF_VALL, 0, CO_NONE },
	{ "next_ping", CF_OUT, NULL, NO, 0, 0, NULL,
	    CF_RENDER, CF_VALL, 0, CO_NEXT_PING },
	{ "manual_resume", CF_BOOL, "c.manual_resume", O(cr_manual_resume),
	    0, 0, NULL, IN | CF_RENDER, CF_VALL, 9, CO_NONE },
	{ "methods", CF_ENUM, "c.methods", O(cr_methods), 0, 0, methods_enum,
	    IN | CF_RENDER, CF_VALL, 10, CO_NONE },
	{ "subject", CF_STR, NULL, NO, 0, 200, NULL,
	    CF_INPUT | CF_RENDER, CF_VALL, 15, CO_SUBJECT },
	{ "subject_fail", CF_STR, NULL, NO, 0, 200, NULL,
	    CF_INPUT | CF_RENDER, CF_VALL, 16, CO_SUBJECT_FAIL },
	{ "start_kw", CF_STR, "c.start_kw", O(cr_start_kw), 0, 200, NULL,
	    IN | CF_RENDER, CF_VALL, 14, CO_NONE },
	{ "success_kw", CF_STR, "c.success_kw", O(cr_success_kw), 0, 200,
	    NULL, IN | CF_RENDER, CF_VALL, 17, CO_NONE },
	{ "failure_kw", CF_STR, "c.failure_kw", O(cr_failure_kw), 0, 200,
	    NULL, IN | CF_RENDER, CF_VALL, 3, CO_NONE },
	{ "filter_subject", CF_BOOL, "c.filter_subject",
	    O(cr_filter_subject), 0, 0, NULL, IN | CF_RENDER, CF_VALL, 7,
	    CO_NONE },
	{ "filter_body", CF_BOOL, "c.filter_body", O(cr_filter_body), 0, 0,
	    NULL, IN | CF_RENDER, CF_VALL, 4, CO_NONE },
	{ "filter_http_body", CF_BOOL, "c.filter_http_body",
	    O(cr_filter_http_body), 0, 0, NULL, IN | CF_RENDER, CF_VALL, 6,
	    CO_NONE },
	{ "filter_default_fail", CF_BOOL, "c.filter_default_fail",
	    O(cr_filter_default_fail), 0, 0, NULL, IN | CF_RENDER, CF_VALL, 5,
	    CO_NONE },
	{ "badge_url", CF_STR, "c.badge_key", O(cr_badge_key), 0, 0, NULL,
	    CF_RENDER, CF_VALL, 0, CO_BADGE_URL },
	{ "last_duration", CF_SECS, "c.last_duration", O(cr_last_duration),
	    0, 0, NULL, CF_RENDER | CF_NONZERO, CF_VALL, 0, CO_NONE },
	{ "uuid", CF_UUID, "c.code", O(cr_code), 0, 0, NULL,
	    RW, CF_VALL, 0, CO_NONE },
	{ "ping_url", CF_OUT, NULL, NO, 0, 0, NULL, RW, CF_VALL, 0,
	    CO_PING_URL },
	{ "update_url", CF_OUT, NULL, NO, 0, 0, NULL, RW, CF_VALL, 0,
	    CO_UPDATE_URL },
	{ "pause_url", CF_OUT, NULL, NO, 0, 0, NULL, RW, CF_VALL, 0,
	    CO_PAUSE_URL },
	{ "resume_url", CF_OUT, NULL, NO, 0, 0, NULL, RW, CF_VALL, 0,
	    CO_RESUME_URL },
	/* Input: the channel spec ("*", "", names or UUIDs); output: UUIDs. */
	{ "channels", CF_STR,
	    "(SELECT string_agg(ch.code::text, ',' ORDER BY ch.code::text) "
	    "FROM api_channel_checks cc JOIN api_channel ch "
	    "ON ch.id = cc.channel_id WHERE cc.check_id = c.id)",
	    O(cr_channels), 0, 0, NULL, CF_INPUT | RW | CF_COSTLY, CF_VALL, 1,
	    CO_NONE },
	{ "unique_key", CF_OUT, NULL, NO, 0, 0, NULL,
	    CF_RENDER | CF_RO_ONLY, CF_VALL, 0, CO_UNIQUE_KEY },
	{ "timeout", CF_SECS, "c.timeout", O(cr_timeout), 60, 31536000, NULL,
	    CF_INPUT | CF_STORE | CF_RENDER | CF_SIMPLE_ONLY | CF_STATE,
	    CF_VALL, 19,
	    CO_NONE },
	{ "schedule", CF_SCHEDULE, "c.schedule", O(cr_schedule), 0, 100, NULL,
	    CF_INPUT | CF_STORE | CF_RENDER | CF_SCHED_ONLY | CF_STATE,
	    CF_VALL, 12,
	    CO_NONE },
	{ "tz", CF_TZ, "c.tz", O(cr_tz), 0, 0, NULL,
	    IN | CF_RENDER | CF_SCHED_ONLY | CF_STATE, CF_VALL, 20, CO_NONE },
	{ "unique", CF_UNIQUE, NULL, NO, 0, 0, unique_enum, CF_INPUT, CF_VALL,
	    21, CO_NONE },
	/* Stored, not shown as such. */
	{ "id", CF_ID, "c.id", O(cr_id), 0, 0, NULL, 0, CF_VALL, 0, CO_NONE },
	{ "project_id", CF_ID, "c.project_id", O(cr_project), 0, 0, NULL, 0,
	    CF_VALL, 0, CO_NONE },
	{ "kind", CF_KIND, "c.kind", O(cr_kind), 0, 0, NULL,
	    CF_STORE | CF_STATE, CF_VALL, 0, CO_NONE },
};
const size_t check_nfields = sizeof(check_fields) / sizeof(check_fields[0]);

#undef RW
#undef IN

/* Healthchecks tests schedules for a next match after 2000-01-01. */
#define SCHEDULE_TEST_FROM	946684800LL

#define FIELD_PTR(r, f)	((char *)(r) + (f)->f_off)

int
check_field_index(const char *name)
{
	size_t i;

	for (i = 0; i < check_nfields; i++)
		if (strcmp(check_fields[i].f_name, name) == 0)
			return (int)i;
	return -1;
}

/* ---- validation (spec 6.4) ---- */

static size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static int
in_enum(const char *const *e, const char *s)
{
	for (; *e != NULL; e++)
		if (strcmp(*e, s) == 0)
			return 1;
	return 0;
}

static int
schedule_ok(const char *s)
{
	const char	*errstr;
	int64_t		 next;
	int		 ok;

	if (sched_kind_of(s)) {
		struct cron cr;

		ok = cron_parse(s, &cr, &errstr) == 0 &&
		    cron_next(&cr, tz_get("UTC"), SCHEDULE_TEST_FROM,
		    &next) == 0;
	} else {
		struct oncal *oc = oncal_parse(s, &errstr);

		ok = oc != NULL && oncal_next(oc, tz_get("UTC"),
		    SCHEDULE_TEST_FROM, &next) == 0;
		oncal_free(oc);
	}
	return ok;
}

#define FAIL(fmt) do {							\
	snprintf(msg, msgsz, fmt, subject);				\
	goto fail;							\
} while (0)

/* One value; the message (without the prefix) on error. */
static int
field_check(const struct json_doc *d, int tok, const struct check_field *f,
    enum cf_type type, const char *subject, char *msg, size_t msgsz)
{
	enum json_type	 t = json_type(d, tok);
	char		*s = NULL;
	const char	*p;
	size_t		 len;
	int64_t		 v;
	int		 i, n, rc;

	switch (type) {
	case CF_ENUM:
		/* A Literal: anything but one of its strings. */
		if (t != JSON_STRING)
			FAIL("%s has unexpected value");
		s = json_strn(d, tok, &len);
		if (s == NULL || strlen(s) != len || !in_enum(f->f_enum, s))
			FAIL("%s has unexpected value");
		break;
	case CF_STR:
	case CF_SCHEDULE:
	case CF_TZ:
		if (t != JSON_STRING)
			FAIL("%s is not a string");
		s = json_strn(d, tok, &len);
		/* NUL inside a string: PostgreSQL text cannot hold it. */
		if (s == NULL || strlen(s) != len)
			FAIL("%s does not match pattern");
		if (f->f_max && utf8_chars(s) > (size_t)f->f_max)
			FAIL("%s is too long");
		if (f->f_flags & CF_SLUGPAT) {
			for (p = s; *p; p++)
				if (!(islower((unsigned char)*p) ||
				    isdigit((unsigned char)*p) || *p == '-' ||
				    *p == '_'))
					break;
			if (*p)
				FAIL("%s does not match pattern");
		}
		if (type == CF_SCHEDULE && !schedule_ok(s))
			FAIL("%s is not a valid cron or OnCalendar expression");
		if (type == CF_TZ && tz_get(s) == NULL)
			FAIL("%s is not a valid timezone");
		break;
	case CF_SECS:
		/*
		 * Python's bool is an int (true is 1 second: too small);
		 * a float literal is not an int at all.
		 */
		if (t == JSON_TRUE || t == JSON_FALSE)
			v = t == JSON_TRUE;
		else if (t != JSON_NUMBER || !json_is_intlit(d, tok))
			FAIL("%s is not a number");
		else if ((rc = json_int(d, tok, &v)) != 0 && rc != -1)
			FAIL("%s is not a number");
		if (v < f->f_min)
			FAIL("%s is too small");
		if (v > f->f_max)
			FAIL("%s is too large");
		break;
	case CF_BOOL:
		if (t != JSON_TRUE && t != JSON_FALSE)
			FAIL("%s is not a boolean");
		break;
	case CF_UNIQUE:
		if (t != JSON_ARRAY)
			FAIL("%s is not an array");
		n = json_arr_len(d, tok);
		for (i = 0; i < n; i++)
			if (field_check(d, json_arr_get(d, tok, i), f, CF_ENUM,
			    "an item in 'unique'", msg, msgsz) == -1)
				return -1;
		break;
	default:
		break;
	}
	free(s);
	return 0;
fail:
	free(s);
	return -1;
}

#undef FAIL

int
check_validate(const struct json_doc *d, int root, char *msg, size_t msgsz)
{
	const struct check_field	*f;
	size_t				 i;
	int				 rank, tok, found;
	char				 m[160];

	if (d == NULL)
		return 0;
	for (rank = 1;; rank++) {
		for (i = 0, found = 0; i < check_nfields; i++) {
			f = &check_fields[i];
			if (f->f_vorder != rank)
				continue;
			found = 1;
			if ((tok = json_obj_get(d, root, f->f_name)) == -1)
				break;
			if (field_check(d, tok, f, f->f_type, f->f_name, m,
			    sizeof(m)) == -1) {
				snprintf(msg, msgsz, "json validation error: "
				    "%s", m);
				return -1;
			}
			break;
		}
		if (!found)
			return 0;
	}
}

/* ---- input ---- */

void
check_input_read(struct check_input *in, const struct json_doc *d, int root)
{
	const struct check_field	*f;
	size_t				 i;
	int				 tok, n, k;
	int64_t				 v;

	memset(in, 0, sizeof(*in));
	if (d == NULL)
		return;
	for (i = 0; i < check_nfields && i < CHECK_INPUT_MAX; i++) {
		f = &check_fields[i];
		if (!(f->f_flags & CF_INPUT) ||
		    (tok = json_obj_get(d, root, f->f_name)) == -1)
			continue;
		switch (f->f_type) {
		case CF_STR:
		case CF_ENUM:
		case CF_SCHEDULE:
		case CF_TZ:
			if ((in->ci_str[i] = json_str(d, tok)) == NULL)
				continue;
			if (f->f_type == CF_TZ) {
				/* Legacy names are stored as canonical. */
				const struct tz *z = tz_get(in->ci_str[i]);

				if (z != NULL && strcmp(tz_name(z),
				    in->ci_str[i]) != 0) {
					free(in->ci_str[i]);
					in->ci_str[i] = xstrdup(tz_name(z));
				}
			}
			break;
		case CF_SECS:
			if (json_int(d, tok, &v) != 0)
				continue;
			in->ci_int[i] = v;
			break;
		case CF_BOOL:
			in->ci_int[i] = json_type(d, tok) == JSON_TRUE;
			break;
		case CF_UNIQUE:
			n = json_arr_len(d, tok);
			for (k = 0; k < n; k++) {
				int it = json_arr_get(d, tok, k), u;

				for (u = 0; f->f_enum[u] != NULL; u++)
					if (json_str_eq(d, it, f->f_enum[u]))
						in->ci_unique |= 1u << u;
			}
			break;
		default:
			continue;
		}
		in->ci_set |= (uint64_t)1 << i;
	}
}

void
check_input_free(struct check_input *in)
{
	size_t i;

	for (i = 0; i < CHECK_INPUT_MAX; i++)
		free(in->ci_str[i]);
	free(in->ci_autoslug);
	memset(in, 0, sizeof(*in));
}

int
check_input_has(const struct check_input *in, const char *name)
{
	int i = check_field_index(name);

	return i >= 0 && (in->ci_set & ((uint64_t)1 << i)) != 0;
}

const char *
check_input_str(const struct check_input *in, const char *name)
{
	int i = check_field_index(name);

	return check_input_has(in, name) ? in->ci_str[i] : NULL;
}

int64_t
check_input_int(const struct check_input *in, const char *name, int64_t absent)
{
	int i = check_field_index(name);

	return check_input_has(in, name) ? in->ci_int[i] : absent;
}

static void
check_set(struct check_row *r, const struct check_field *f,
    const struct check_input *in, size_t i)
{
	switch (f->f_type) {
	case CF_SECS:
		if (in->ci_int[i] > 0)
			*(int64_t *)FIELD_PTR(r, f) = in->ci_int[i] * CT_SEC;
		break;
	case CF_BOOL:
		*(int *)FIELD_PTR(r, f) = (int)in->ci_int[i];
		break;
	default:
		*(const char **)FIELD_PTR(r, f) = in->ci_str[i];
		break;
	}
}

void
check_apply(struct check_row *r, struct check_input *in, int version)
{
	const char	*name, *sched, *s;
	int64_t		 timeout;
	size_t		 i;

	if ((name = check_input_str(in, "name")) != NULL &&
	    strcmp(name, r->cr_name) != 0) {
		r->cr_name = name;
		if (version < 3) {
			free(in->ci_autoslug);
			in->ci_autoslug = check_slugify(name);
			r->cr_slug = in->ci_autoslug;
		}
	}
	sched = check_input_str(in, "schedule");
	timeout = check_input_int(in, "timeout", -1);
	if (sched != NULL && *sched != '\0') {
		r->cr_kind = sched_kind_of(sched) ? CK_CRON : CK_ONCALENDAR;
		r->cr_schedule = sched;
	} else if (timeout > 0) {
		r->cr_kind = CK_SIMPLE;
		r->cr_timeout = timeout * CT_SEC;
	}
	if ((s = check_input_str(in, "subject")) != NULL) {
		r->cr_success_kw = s;
		r->cr_filter_subject = *r->cr_success_kw || *r->cr_failure_kw;
	}
	if ((s = check_input_str(in, "subject_fail")) != NULL) {
		r->cr_failure_kw = s;
		r->cr_filter_subject = *r->cr_success_kw || *r->cr_failure_kw;
	}
	for (i = 0; i < check_nfields && i < CHECK_INPUT_MAX; i++)
		if ((check_fields[i].f_flags & CF_PLAIN) &&
		    (in->ci_set & ((uint64_t)1 << i)))
			check_set(r, &check_fields[i], in, i);
}

/* ---- SQL ---- */

static pthread_once_t	 sql_once = PTHREAD_ONCE_INIT;
static char		*sql_select;
static char		*sql_select_list;
static char		*sql_state;
static int		 sql_nstate;
static char		*sql_update;
static int		 sql_nupdate;

static void
sql_build(void)
{
	const struct check_field	*f;
	struct buf			 b, l, u, st;
	size_t				 i;
	int				 n = 1;

	buf_init(&b);
	buf_init(&l);
	buf_init(&u);
	buf_init(&st);
	buf_addstr(&u, "UPDATE api_check c SET ");
	for (i = 0; i < check_nfields; i++) {
		f = &check_fields[i];
		if (f->f_column == NULL)
			continue;
		if (b.b_len) {
			buf_addstr(&b, ", ");
			buf_addstr(&l, ", ");
		}
		if (f->f_type == CF_SECS || f->f_type == CF_TIME) {
			buf_printf(&b, "(extract(epoch FROM %s) * 1000000)"
			    "::bigint", f->f_column);
			buf_printf(&l, "(extract(epoch FROM %s) * 1000000)"
			    "::bigint", f->f_column);
		} else {
			buf_addstr(&b, f->f_column);
			buf_addstr(&l, (f->f_flags & CF_COSTLY) ? "NULL::text" :
			    f->f_column);
		}
		if (f->f_flags & CF_STATE) {
			if (st.b_len)
				buf_addstr(&st, ", ");
			if (f->f_type == CF_SECS || f->f_type == CF_TIME)
				buf_printf(&st, "(extract(epoch FROM %s) * "
				    "1000000)::bigint", f->f_column);
			else
				buf_addstr(&st, f->f_column);
			sql_nstate++;
		}
		if (!(f->f_flags & CF_STORE))
			continue;
		n++;
		/* "c.name" → name */
		buf_printf(&u, "%s%s = ", n > 2 ? ", " : "", f->f_column + 2);
		if (f->f_type == CF_SECS)
			buf_printf(&u, "$%d::bigint * interval '1 microsecond'",
			    n);
		else if (f->f_type == CF_BOOL)
			buf_printf(&u, "$%d::boolean", n);
		else
			buf_printf(&u, "$%d", n);
	}
	n++;
	buf_printf(&u, ", alert_after = 'epoch'::timestamptz + $%d::bigint * "
	    "interval '1 microsecond' WHERE c.id = $1", n);
	sql_select = (char *)b.b_data;
	sql_select_list = (char *)l.b_data;
	sql_state = (char *)st.b_data;
	sql_update = (char *)u.b_data;
	sql_nupdate = n;
}

const char *
check_select_cols(void)
{
	pthread_once(&sql_once, sql_build);
	return sql_select;
}

const char *
check_state_cols(void)
{
	pthread_once(&sql_once, sql_build);
	return sql_state;
}

int
check_state_ncols(void)
{
	pthread_once(&sql_once, sql_build);
	return sql_nstate;
}

const char *
check_select_cols_list(void)
{
	pthread_once(&sql_once, sql_build);
	return sql_select_list;
}

const char *
check_update_sql(void)
{
	pthread_once(&sql_once, sql_build);
	return sql_update;
}

int
check_update_nparams(void)
{
	pthread_once(&sql_once, sql_build);
	return sql_nupdate;
}

/* One column into its place in a row. */
static void
field_decode(const struct check_field *f, const PGresult *res, int row,
    int col, struct check_row *r)
{
	char		*p = FIELD_PTR(r, f);
	const char	*s = PQgetvalue(res, row, col);
	int		 v;

	switch (f->f_type) {
	case CF_ID:
	case CF_INT:
	case CF_SECS:
	case CF_TIME:
		*(int64_t *)p = db_getint(res, row, col, CT_NONE);
		break;
	case CF_BOOL:
		*(int *)p = *s == 't';
		break;
	case CF_KIND:
		v = check_kind_parse(s);
		*(int *)p = v < 0 ? CK_SIMPLE : v;
		break;
	case CF_STATUS:
		v = check_status_parse(s);
		*(int *)p = v < 0 || v > CS_PAUSED ? CS_NEW : v;
		break;
	default:
		*(const char **)p = s;
		break;
	}
}

void
check_row_decode(const PGresult *res, int row, struct check_row *r)
{
	size_t	i;
	int	col = 0;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < check_nfields; i++)
		if (check_fields[i].f_column != NULL)
			field_decode(&check_fields[i], res, row, col++, r);
}

void
check_state_decode(const PGresult *res, int row, int col,
    struct check_state *s)
{
	struct check_row	r;
	size_t			i;

	memset(&r, 0, sizeof(r));
	r.cr_last_duration = CT_NONE;
	for (i = 0; i < check_nfields; i++)
		if (check_fields[i].f_flags & CF_STATE)
			field_decode(&check_fields[i], res, row, col++, &r);
	check_row_state(&r, s);
	s->cs_n_pings = 0;
	s->cs_manual_resume = 0;
}

void
check_update_params(const struct check_row *r, int64_t alert_after,
    const char **vals, char *scratch)
{
	const struct check_field	*f;
	size_t				 i;
	int				 n = 0;

#define NUM(v) do {							\
	snprintf(scratch + 24 * n, 24, "%lld", (long long)(v));	\
	vals[n] = scratch + 24 * n;					\
} while (0)
	NUM(r->cr_id);
	n++;
	for (i = 0; i < check_nfields; i++) {
		f = &check_fields[i];
		if (f->f_column == NULL || !(f->f_flags & CF_STORE))
			continue;
		switch (f->f_type) {
		case CF_SECS:
			NUM(*(const int64_t *)FIELD_PTR(r, f));
			break;
		case CF_BOOL:
			vals[n] = *(const int *)FIELD_PTR(r, f) ? "t" : "f";
			break;
		case CF_KIND:
			vals[n] = check_kind_name(*(const int *)FIELD_PTR(r,
			    f));
			break;
		default:
			vals[n] = *(const char *const *)FIELD_PTR(r, f);
			break;
		}
		n++;
	}
	if (alert_after == CT_NONE)
		vals[n] = NULL;
	else
		NUM(alert_after);
#undef NUM
}

void
check_row_state(const struct check_row *r, struct check_state *s)
{
	memset(s, 0, sizeof(*s));
	s->cs_kind = r->cr_kind;
	s->cs_timeout = r->cr_timeout;
	s->cs_grace = r->cr_grace;
	s->cs_schedule = r->cr_schedule;
	s->cs_tz = r->cr_tz;
	s->cs_status = r->cr_status;
	s->cs_last_ping = r->cr_last_ping;
	s->cs_last_start = r->cr_last_start;
	s->cs_last_duration = r->cr_last_duration;
	s->cs_alert_after = CT_NONE;
	s->cs_n_pings = r->cr_n_pings;
	s->cs_manual_resume = r->cr_manual_resume;
}

/* ---- JSON ---- */

static void
render_url(struct json_w *j, const char *fmt, const char *a, int v,
    const char *b)
{
	char *url = v ? xasprintf(fmt, a, v, b) : xasprintf(fmt, a, b);

	json_w_str(j, url);
	free(url);
}

static void
render_out(const struct check_row *r, const struct check_render *cx,
    const struct check_field *f, const struct check_state *s,
    struct json_w *j)
{
	int64_t	t;
	char	uk[41];

	switch (f->f_out) {
	case CO_STATUS:
		json_w_str(j, check_status_name(check_get_status(s,
		    cx->cx_now, cx->cx_version == 1)));
		break;
	case CO_STARTED:
		json_w_bool(j, r->cr_last_start != CT_NONE);
		break;
	case CO_NEXT_PING:
		if ((t = check_grace_start(s, 1)) == CT_NONE)
			json_w_null(j);
		else
			json_w_time(j, t);
		break;
	case CO_SUBJECT:
		json_w_str(j, r->cr_filter_subject ? r->cr_success_kw : "");
		break;
	case CO_SUBJECT_FAIL:
		json_w_str(j, r->cr_filter_subject ? r->cr_failure_kw : "");
		break;
	case CO_BADGE_URL:
		render_url(j, "%s/b/2/%s.svg", cx->cx_site_root, 0,
		    r->cr_badge_key);
		break;
	case CO_PING_URL:
		render_url(j, "%s%s", cx->cx_ping_endpoint, 0, r->cr_code);
		break;
	case CO_UPDATE_URL:
		render_url(j, "%s/api/v%d/checks/%s", cx->cx_site_root,
		    cx->cx_version, r->cr_code);
		break;
	case CO_PAUSE_URL:
		render_url(j, "%s/api/v%d/checks/%s/pause", cx->cx_site_root,
		    cx->cx_version, r->cr_code);
		break;
	case CO_RESUME_URL:
		render_url(j, "%s/api/v%d/checks/%s/resume", cx->cx_site_root,
		    cx->cx_version, r->cr_code);
		break;
	case CO_UNIQUE_KEY:
		check_unique_key(r->cr_code, uk);
		json_w_str(j, uk);
		break;
	default:
		json_w_null(j);
		break;
	}
}

void
check_render_json(const struct check_row *r, const struct check_render *cx,
    struct json_w *j)
{
	const struct check_field	*f;
	struct check_state		 s;
	const char			*p;
	size_t				 i;
	int64_t				 v;

	check_row_state(r, &s);
	json_w_obj_begin(j);
	for (i = 0; i < check_nfields; i++) {
		f = &check_fields[i];
		if (!(f->f_flags & CF_RENDER) ||
		    !(f->f_versions & (1u << (cx->cx_version - 1))))
			continue;
		if (((f->f_flags & CF_RW_ONLY) && cx->cx_readonly) ||
		    ((f->f_flags & CF_RO_ONLY) && !cx->cx_readonly) ||
		    ((f->f_flags & CF_SIMPLE_ONLY) && r->cr_kind != CK_SIMPLE) ||
		    ((f->f_flags & CF_SCHED_ONLY) && r->cr_kind == CK_SIMPLE))
			continue;
		if (f->f_flags & CF_NONZERO) {
			v = *(const int64_t *)FIELD_PTR(r, f);
			if (v == CT_NONE || v == 0)
				continue;
		}
		json_w_key(j, f->f_name);
		if (f->f_out != CO_NONE) {
			render_out(r, cx, f, &s, j);
			continue;
		}
		p = f->f_off >= 0 ? FIELD_PTR(r, f) : NULL;
		switch (f->f_type) {
		case CF_INT:
			json_w_int(j, *(const int64_t *)p);
			break;
		case CF_SECS:
			json_w_int(j, *(const int64_t *)p / CT_SEC);
			break;
		case CF_BOOL:
			json_w_bool(j, *(const int *)p);
			break;
		case CF_TIME:
			if (*(const int64_t *)p == CT_NONE)
				json_w_null(j);
			else
				json_w_time(j, *(const int64_t *)p);
			break;
		default:
			json_w_str(j, *(const char *const *)p ?
			    *(const char *const *)p : "");
			break;
		}
	}
	json_w_obj_end(j);
}

/* ---- helpers ---- */

void
check_unique_key(const char *code, char out[41])
{
	unsigned char	d[SHA_DIGEST_LENGTH];
	char		hex[33];
	size_t		i, n = 0;
	static const char x[] = "0123456789abcdef";

	for (i = 0; code[i] && n < 32; i++)
		if (code[i] != '-')
			hex[n++] = code[i];
	hex[n] = '\0';
	SHA1((const unsigned char *)hex, n < 16 ? n : 16, d);
	for (i = 0; i < SHA_DIGEST_LENGTH; i++) {
		out[2 * i] = x[d[i] >> 4];
		out[2 * i + 1] = x[d[i] & 15];
	}
	out[40] = '\0';
}

/*
 * Django's slugify on ASCII: drop what is not a word character,
 * whitespace or '-', lower-case, runs of '-' and whitespace become one
 * '-', and '-' and '_' are stripped from both ends.  Non-ASCII input is
 * dropped (Django first folds accents by NFKD; hcd does not).
 */
char *
check_slugify(const char *s)
{
	struct buf	b;
	int		sep = 0;
	size_t		st = 0, end;

	buf_init(&b);
	buf_addstr(&b, "");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x80)
			continue;
		if (isalnum(c) || c == '_') {
			if (sep && b.b_len)
				buf_addc(&b, '-');
			sep = 0;
			buf_addc(&b, tolower(c));
		} else if (c == '-' || isspace(c))
			sep = 1;
	}
	end = b.b_len;
	while (end > 0 && (b.b_data[end - 1] == '-' ||
	    b.b_data[end - 1] == '_'))
		end--;
	b.b_data[end] = '\0';
	while (st < end && (b.b_data[st] == '-' || b.b_data[st] == '_'))
		st++;
	memmove(b.b_data, b.b_data + st, end - st + 1);
	b.b_len = end - st;
	return (char *)b.b_data;
}

int
check_tags_each(const char *tags, int (*fn)(const char *, void *), void *arg)
{
	const char	*p = tags, *e, *s, *t;
	char		*tag;
	int		 rv = 0;

	while (rv == 0 && *p) {
		if ((e = strchr(p, ' ')) == NULL)
			e = p + strlen(p);
		s = p;
		t = e;
		while (s < t && isspace((unsigned char)*s))
			s++;
		while (t > s && isspace((unsigned char)t[-1]))
			t--;
		if (t > s) {
			tag = xstrndup(s, (size_t)(t - s));
			rv = fn(tag, arg);
			free(tag);
		}
		p = *e ? e + 1 : e;
	}
	return rv;
}

static int
tag_eq(const char *tag, void *arg)
{
	return strcmp(tag, (const char *)arg) == 0;
}

int
check_has_tag(const char *tags, const char *tag)
{
	return check_tags_each(tags, tag_eq, (void *)(uintptr_t)tag) != 0;
}

/* ---- tag sets ---- */

void
tagset_init(struct tagset *t)
{
	memset(t, 0, sizeof(*t));
}

void
tagset_free(struct tagset *t)
{
	size_t i;

	for (i = 0; i < t->ts_n; i++)
		free(t->ts_tag[i]);
	free(t->ts_tag);
	free(t->ts_val);
	free(t->ts_slot);
	memset(t, 0, sizeof(*t));
}

static uint32_t
tag_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static void
tagset_rehash(struct tagset *t, size_t nslot)
{
	size_t	i, k;

	free(t->ts_slot);
	t->ts_slot = xcalloc(nslot, sizeof(*t->ts_slot));
	t->ts_nslot = nslot;
	for (i = 0; i < t->ts_n; i++) {
		k = tag_hash(t->ts_tag[i]) & (nslot - 1);
		while (t->ts_slot[k] != 0)
			k = (k + 1) & (nslot - 1);
		t->ts_slot[k] = (uint32_t)(i + 1);
	}
}

size_t
tagset_add(struct tagset *t, const char *tag, int val)
{
	size_t	k, i;

	if (2 * (t->ts_n + 1) > t->ts_nslot)
		tagset_rehash(t, t->ts_nslot ? 2 * t->ts_nslot : 64);
	k = tag_hash(tag) & (t->ts_nslot - 1);
	while (t->ts_slot[k] != 0) {
		i = t->ts_slot[k] - 1;
		if (strcmp(t->ts_tag[i], tag) == 0) {
			t->ts_val[i] |= val;
			return i;
		}
		k = (k + 1) & (t->ts_nslot - 1);
	}
	if (t->ts_n == t->ts_cap) {
		t->ts_cap = t->ts_cap ? 2 * t->ts_cap : 16;
		t->ts_tag = xreallocarray(t->ts_tag, t->ts_cap,
		    sizeof(*t->ts_tag));
		t->ts_val = xreallocarray(t->ts_val, t->ts_cap,
		    sizeof(*t->ts_val));
	}
	i = t->ts_n++;
	t->ts_tag[i] = xstrdup(tag);
	t->ts_val[i] = val;
	t->ts_slot[k] = (uint32_t)(i + 1);
	return i;
}

struct tag_add_arg {
	struct tagset	*t;
	int		 val;
};

static int
tag_add_cb(const char *tag, void *arg)
{
	struct tag_add_arg *a = arg;

	tagset_add(a->t, tag, a->val);
	return 0;
}

void
tagset_add_tags(struct tagset *t, const char *tags, int val)
{
	struct tag_add_arg a = { t, val };

	check_tags_each(tags, tag_add_cb, &a);
}

static int
tag_order(const void *x, const void *y, void *arg)
{
	char **tags = arg;

	return strcmp(tags[*(const size_t *)x], tags[*(const size_t *)y]);
}

size_t *
tagset_sorted(const struct tagset *t)
{
	size_t *order = xcalloc(t->ts_n + 1, sizeof(*order)), i;

	for (i = 0; i < t->ts_n; i++)
		order[i] = i;
	if (t->ts_n > 1)
		qsort_r(order, t->ts_n, sizeof(*order), tag_order, t->ts_tag);
	return order;
}
