/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The check state machine (see check.h).  Pure functions over a
 * struct check_state: no I/O, no clock, no allocation that outlives a
 * call.
 */
#include <ctype.h>
#include <string.h>

#include "check.h"
#include "cron.h"
#include "hcd.h"
#include "oncalendar.h"
#include "ping.h"
#include "tz.h"

static const char *status_names[] = {
	"new", "up", "down", "paused", "grace", "started"
};
static const char *kind_names[] = { "simple", "cron", "oncalendar" };

const char *
check_status_name(int s)
{
	if (s < 0 || s > CS_STARTED)
		return "new";
	return status_names[s];
}

int
check_status_parse(const char *s)
{
	int i;

	for (i = 0; i <= CS_STARTED; i++)
		if (strcmp(s, status_names[i]) == 0)
			return i;
	return -1;
}

const char *
check_kind_name(int k)
{
	if (k < 0 || k > CK_ONCALENDAR)
		return "simple";
	return kind_names[k];
}

int
check_kind_parse(const char *s)
{
	int i;

	for (i = 0; i <= CK_ONCALENDAR; i++)
		if (strcmp(s, kind_names[i]) == 0)
			return i;
	return -1;
}

int64_t
check_next_match(const struct check_state *c, int64_t after)
{
	const struct tz	*z;
	const char	*errstr;
	int64_t		 next, secs;

	if ((z = tz_get(c->cs_tz ? c->cs_tz : "UTC")) == NULL)
		z = tz_get("UTC");
	/* Schedules have whole-second resolution: the next match is after
	 * the second that holds `after`. */
	secs = after / CT_SEC;
	if (after < 0 && after % CT_SEC != 0)
		secs--;
	if (c->cs_kind == CK_CRON) {
		struct cron cr;

		if (cron_parse(c->cs_schedule, &cr, &errstr) == -1 ||
		    cron_next(&cr, z, secs, &next) == -1)
			return CT_NONE;
		return next * CT_SEC;
	}
	if (c->cs_kind == CK_ONCALENDAR) {
		struct oncal	*oc;
		int		 rc;

		if ((oc = oncal_parse(c->cs_schedule, &errstr)) == NULL)
			return CT_NONE;
		rc = oncal_next(oc, z, secs, &next);
		oncal_free(oc);
		return rc == -1 ? CT_NONE : next * CT_SEC;
	}
	return CT_NONE;
}

int64_t
check_grace_start(const struct check_state *c, int with_started)
{
	int64_t r = CT_NONE;

	if (c->cs_status == CS_UP && c->cs_last_ping != CT_NONE) {
		if (c->cs_kind == CK_SIMPLE)
			r = c->cs_last_ping + c->cs_timeout;
		else
			r = check_next_match(c, c->cs_last_ping);
	}
	if (with_started && c->cs_last_start != CT_NONE &&
	    c->cs_status != CS_DOWN) {
		if (r == CT_NONE || c->cs_last_start < r)
			r = c->cs_last_start;
	}
	return r;
}

int64_t
check_going_down_after(const struct check_state *c)
{
	int64_t gs = check_grace_start(c, 1);

	return gs == CT_NONE ? CT_NONE : gs + c->cs_grace;
}

int
check_get_status(const struct check_state *c, int64_t now, int with_started)
{
	int64_t gs;

	if (c->cs_last_start != CT_NONE) {
		if (now >= c->cs_last_start + c->cs_grace)
			return CS_DOWN;
		if (with_started)
			return CS_STARTED;
	}
	if (c->cs_status == CS_NEW || c->cs_status == CS_PAUSED ||
	    c->cs_status == CS_DOWN)
		return c->cs_status;
	if ((gs = check_grace_start(c, 0)) == CT_NONE)
		return CS_UP;
	if (now >= gs + c->cs_grace)
		return CS_DOWN;
	if (now >= gs)
		return CS_GRACE;
	return CS_UP;
}

int
check_apply_ping(struct check_state *c, int action, int has_rid,
    const uint8_t rid[16], int64_t now, struct check_flip *flip)
{
	int same_rid, ns, late;

	flip->cf_new = -1;
	if (c->cs_status == CS_PAUSED && c->cs_manual_resume)
		action = PA_IGN;
	/*
	 * A ping received before the check's latest start or ping may
	 * reach the database after them (another node's journal loaded
	 * later).  It leaves what the later events would have left had it
	 * come in order: a start or ping before the last ping changes
	 * nothing (it is logged and counted); a ping between the last ping
	 * and a later start sets the status and last_ping, and leaves the
	 * start running.
	 */
	late = c->cs_last_start != CT_NONE && now < c->cs_last_start;
	if ((action == PA_START && late) || ((action == PA_START ||
	    action == PA_SUCCESS || action == PA_FAIL) &&
	    c->cs_last_ping != CT_NONE && now < c->cs_last_ping)) {
		c->cs_n_pings++;
		return action;
	}
	switch (action) {
	case PA_START:
		c->cs_last_start = now;
		c->cs_has_rid = has_rid;
		if (has_rid)
			memcpy(c->cs_last_start_rid, rid, 16);
		break;
	case PA_SUCCESS:
	case PA_FAIL:
		c->cs_last_ping = now;
		if (!late) {		/* else the later start runs on */
			c->cs_last_duration = CT_NONE;
			same_rid = c->cs_has_rid == has_rid && (!has_rid ||
			    memcmp(c->cs_last_start_rid, rid, 16) == 0);
			if (c->cs_last_start == CT_NONE)
				;
			else if (same_rid) {
				c->cs_last_duration = now - c->cs_last_start;
				c->cs_last_start = CT_NONE;
			} else if (action == PA_FAIL || !has_rid)
				c->cs_last_start = CT_NONE;
		}
		ns = action == PA_FAIL ? CS_DOWN : CS_UP;
		if (ns != c->cs_status) {
			flip->cf_old = c->cs_status;
			flip->cf_new = ns;
			flip->cf_reason = action == PA_FAIL ? "fail" : "";
			c->cs_status = ns;
		}
		break;
	default:
		break;
	}
	c->cs_alert_after = check_going_down_after(c);
	c->cs_n_pings++;
	return action;
}

/* Does text contain any of the comma-separated, trimmed keywords? */
static int
kw_match(const char *text, size_t len, const char *kws)
{
	const char	*p = kws, *e, *s;
	size_t		 n;

	if (kws == NULL)
		return 0;
	while (*p) {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		s = p;
		while (s < e && isspace((unsigned char)*s))
			s++;
		n = (size_t)(e - s);
		while (n > 0 && isspace((unsigned char)s[n - 1]))
			n--;
		if (n > 0 && n <= len && memmem(text, len, s, n) != NULL)
			return 1;
		p = *e ? e + 1 : e;
	}
	return 0;
}

int
check_classify(const char *text, size_t len, const char *start_kw,
    const char *success_kw, const char *failure_kw, int default_fail)
{
	if (kw_match(text, len, failure_kw))
		return PA_FAIL;
	if (kw_match(text, len, success_kw))
		return PA_SUCCESS;
	if (kw_match(text, len, start_kw))
		return PA_START;
	return default_fail ? PA_FAIL : PA_IGN;
}

int
check_has_confirm(const uint8_t *body, size_t len)
{
	static const char	w[] = "confirm";
	size_t			i, k;

	for (i = 0; i + sizeof(w) - 1 <= len; i++) {
		for (k = 0; k < sizeof(w) - 1; k++)
			if (tolower(body[i + k]) != w[k])
				break;
		if (k == sizeof(w) - 1)
			return 1;
	}
	return 0;
}
