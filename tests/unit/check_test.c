/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Unit tests for common/check.c, the check state machine the alerter,
 * the API and the badges share (spec 1.5, 3.2-3.4): every transition of
 * check_apply_ping including run ids, paused checks and alert_after;
 * grace start and derived status of simple, cron and OnCalendar checks
 * at each edge; keyword classification and the "confirm" test.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "check.h"
#include "hcd.h"
#include "ping.h"

#define S		CT_SEC
/* 2024-01-15 12:00 UTC */
#define T0		((int64_t)1705320000 * S)
#define TIMEOUT		(3600 * S)
#define GRACE		(300 * S)

static const uint8_t rid_a[16] = { 0xaa, 1, 2, 3 };
static const uint8_t rid_b[16] = { 0xbb, 1, 2, 3 };

static void
simple(struct check_state *c)
{
	memset(c, 0, sizeof(*c));
	c->cs_kind = CK_SIMPLE;
	c->cs_timeout = TIMEOUT;
	c->cs_grace = GRACE;
	c->cs_status = CS_NEW;
	c->cs_last_ping = CT_NONE;
	c->cs_last_start = CT_NONE;
	c->cs_last_duration = CT_NONE;
	c->cs_alert_after = CT_NONE;
}

/* Apply and check the returned action and the flip, if any. */
static void
apply(struct check_state *c, int action, const uint8_t *rid, int64_t now,
    int want_action, int want_old, int want_new, const char *want_reason)
{
	struct check_flip	f;
	int			a;

	memset(&f, 0x5a, sizeof(f));
	a = check_apply_ping(c, action, rid != NULL, rid, now, &f);
	assert_int_equal(a, want_action);
	assert_int_equal(f.cf_new, want_new);
	if (want_new != -1) {
		assert_int_equal(f.cf_old, want_old);
		assert_string_equal(f.cf_reason, want_reason);
	}
	/* alert_after is always going_down_after(). */
	assert_int_equal(c->cs_alert_after, check_going_down_after(c));
}

/* Field by field: struct padding is not part of the state. */
static void
same_state(const struct check_state *a, const struct check_state *b)
{
	assert_int_equal(a->cs_kind, b->cs_kind);
	assert_int_equal(a->cs_timeout, b->cs_timeout);
	assert_int_equal(a->cs_grace, b->cs_grace);
	assert_ptr_equal(a->cs_schedule, b->cs_schedule);
	assert_ptr_equal(a->cs_tz, b->cs_tz);
	assert_int_equal(a->cs_status, b->cs_status);
	assert_int_equal(a->cs_last_ping, b->cs_last_ping);
	assert_int_equal(a->cs_last_start, b->cs_last_start);
	assert_int_equal(a->cs_last_duration, b->cs_last_duration);
	assert_int_equal(a->cs_has_rid, b->cs_has_rid);
	assert_memory_equal(a->cs_last_start_rid, b->cs_last_start_rid, 16);
	assert_int_equal(a->cs_alert_after, b->cs_alert_after);
	assert_int_equal(a->cs_n_pings, b->cs_n_pings);
	assert_int_equal(a->cs_manual_resume, b->cs_manual_resume);
	assert_int_equal(a->cs_has_confirmation_link,
	    b->cs_has_confirmation_link);
}

static void
test_names(void **state)
{
	int i;

	for (i = CS_NEW; i <= CS_STARTED; i++)
		assert_int_equal(check_status_parse(check_status_name(i)), i);
	assert_string_equal(check_status_name(CS_GRACE), "grace");
	assert_string_equal(check_status_name(99), "new");
	assert_int_equal(check_status_parse("UP"), -1);
	assert_int_equal(check_status_parse(""), -1);
	for (i = CK_SIMPLE; i <= CK_ONCALENDAR; i++)
		assert_int_equal(check_kind_parse(check_kind_name(i)), i);
	assert_string_equal(check_kind_name(CK_ONCALENDAR), "oncalendar");
	assert_string_equal(check_kind_name(-1), "simple");
	assert_int_equal(check_kind_parse("Cron"), -1);
}

static void
test_success_fail(void **state)
{
	struct check_state c;

	simple(&c);
	/* new -> up: a flip with an empty reason. */
	apply(&c, PA_SUCCESS, NULL, T0, PA_SUCCESS, CS_NEW, CS_UP, "");
	assert_int_equal(c.cs_status, CS_UP);
	assert_int_equal(c.cs_last_ping, T0);
	assert_int_equal(c.cs_last_duration, CT_NONE);
	assert_int_equal(c.cs_n_pings, 1);
	assert_int_equal(c.cs_alert_after, T0 + TIMEOUT + GRACE);
	/* up -> up: no flip. */
	apply(&c, PA_SUCCESS, NULL, T0 + S, PA_SUCCESS, 0, -1, NULL);
	assert_int_equal(c.cs_last_ping, T0 + S);
	assert_int_equal(c.cs_alert_after, T0 + S + TIMEOUT + GRACE);
	/* up -> down on a fail ping. */
	apply(&c, PA_FAIL, NULL, T0 + 2 * S, PA_FAIL, CS_UP, CS_DOWN, "fail");
	assert_int_equal(c.cs_status, CS_DOWN);
	assert_int_equal(c.cs_last_ping, T0 + 2 * S);
	assert_int_equal(c.cs_alert_after, CT_NONE);
	/* down -> down: no flip. */
	apply(&c, PA_FAIL, NULL, T0 + 3 * S, PA_FAIL, 0, -1, NULL);
	/* down -> up. */
	apply(&c, PA_SUCCESS, NULL, T0 + 4 * S, PA_SUCCESS, CS_DOWN, CS_UP, "");
	assert_int_equal(c.cs_n_pings, 5);

	/* A fail (e.g. a non-zero exit status) on a new check. */
	simple(&c);
	apply(&c, PA_FAIL, rid_a, T0, PA_FAIL, CS_NEW, CS_DOWN, "fail");
	assert_int_equal(c.cs_last_ping, T0);
	assert_int_equal(c.cs_last_start, CT_NONE);
	assert_int_equal(c.cs_alert_after, CT_NONE);
}

static void
test_start_rid(void **state)
{
	struct check_state c;

	/* start, then success, both without rid: a duration. */
	simple(&c);
	apply(&c, PA_START, NULL, T0, PA_START, 0, -1, NULL);
	assert_int_equal(c.cs_status, CS_NEW);
	assert_int_equal(c.cs_last_start, T0);
	assert_int_equal(c.cs_last_ping, CT_NONE);
	assert_false(c.cs_has_rid);
	/* A start on a new check can go down after grace. */
	assert_int_equal(c.cs_alert_after, T0 + GRACE);
	apply(&c, PA_SUCCESS, NULL, T0 + 42 * S, PA_SUCCESS, CS_NEW, CS_UP, "");
	assert_int_equal(c.cs_last_duration, 42 * S);
	assert_int_equal(c.cs_last_start, CT_NONE);
	assert_int_equal(c.cs_alert_after, T0 + 42 * S + TIMEOUT + GRACE);

	/* Same rid: a duration. */
	simple(&c);
	apply(&c, PA_START, rid_a, T0, PA_START, 0, -1, NULL);
	assert_true(c.cs_has_rid);
	assert_memory_equal(c.cs_last_start_rid, rid_a, 16);
	apply(&c, PA_SUCCESS, rid_a, T0 + 7 * S, PA_SUCCESS, CS_NEW, CS_UP,
	    "");
	assert_int_equal(c.cs_last_duration, 7 * S);
	assert_int_equal(c.cs_last_start, CT_NONE);

	/* Same rid on a fail: a duration too. */
	apply(&c, PA_START, rid_b, T0 + 10 * S, PA_START, 0, -1, NULL);
	apply(&c, PA_FAIL, rid_b, T0 + 13 * S, PA_FAIL, CS_UP, CS_DOWN, "fail");
	assert_int_equal(c.cs_last_duration, 3 * S);
	assert_int_equal(c.cs_last_start, CT_NONE);

	/* Start A, success B: still running, no duration. */
	simple(&c);
	apply(&c, PA_START, rid_a, T0, PA_START, 0, -1, NULL);
	apply(&c, PA_SUCCESS, rid_b, T0 + 5 * S, PA_SUCCESS, CS_NEW, CS_UP,
	    "");
	assert_int_equal(c.cs_last_start, T0);
	assert_memory_equal(c.cs_last_start_rid, rid_a, 16);
	assert_int_equal(c.cs_last_duration, CT_NONE);
	assert_int_equal(c.cs_last_ping, T0 + 5 * S);
	/* The running start is earlier than last_ping + timeout. */
	assert_int_equal(c.cs_alert_after, T0 + GRACE);
	/* Then A completes. */
	apply(&c, PA_SUCCESS, rid_a, T0 + 9 * S, PA_SUCCESS, 0, -1, NULL);
	assert_int_equal(c.cs_last_duration, 9 * S);
	assert_int_equal(c.cs_last_start, CT_NONE);

	/* Start A, fail B: the start is cleared, no duration. */
	simple(&c);
	apply(&c, PA_START, rid_a, T0, PA_START, 0, -1, NULL);
	apply(&c, PA_FAIL, rid_b, T0 + 5 * S, PA_FAIL, CS_NEW, CS_DOWN, "fail");
	assert_int_equal(c.cs_last_start, CT_NONE);
	assert_int_equal(c.cs_last_duration, CT_NONE);

	/* Start A, success without rid: cleared, no duration. */
	simple(&c);
	apply(&c, PA_START, rid_a, T0, PA_START, 0, -1, NULL);
	apply(&c, PA_SUCCESS, NULL, T0 + 5 * S, PA_SUCCESS, CS_NEW, CS_UP, "");
	assert_int_equal(c.cs_last_start, CT_NONE);
	assert_int_equal(c.cs_last_duration, CT_NONE);

	/* Start without rid, success with rid: NULL != B and the success
	 * has a rid, so the check keeps running. */
	simple(&c);
	apply(&c, PA_START, NULL, T0, PA_START, 0, -1, NULL);
	apply(&c, PA_SUCCESS, rid_b, T0 + 5 * S, PA_SUCCESS, CS_NEW, CS_UP,
	    "");
	assert_int_equal(c.cs_last_start, T0);
	assert_int_equal(c.cs_last_duration, CT_NONE);
	/* ... and a fail with a rid clears it. */
	apply(&c, PA_FAIL, rid_b, T0 + 6 * S, PA_FAIL, CS_UP, CS_DOWN, "fail");
	assert_int_equal(c.cs_last_start, CT_NONE);

	/* A second start replaces the first (time and rid). */
	simple(&c);
	apply(&c, PA_START, rid_a, T0, PA_START, 0, -1, NULL);
	apply(&c, PA_START, NULL, T0 + S, PA_START, 0, -1, NULL);
	assert_int_equal(c.cs_last_start, T0 + S);
	assert_false(c.cs_has_rid);
	apply(&c, PA_SUCCESS, NULL, T0 + 3 * S, PA_SUCCESS, CS_NEW, CS_UP, "");
	assert_int_equal(c.cs_last_duration, 2 * S);

	/* A start on an up check leaves status and last_ping alone. */
	apply(&c, PA_START, rid_a, T0 + 10 * S, PA_START, 0, -1, NULL);
	assert_int_equal(c.cs_status, CS_UP);
	assert_int_equal(c.cs_last_ping, T0 + 3 * S);
	assert_int_equal(c.cs_alert_after, T0 + 10 * S + GRACE);
	/* On a down check too; a down check's start does not count for
	 * the grace start (spec 3.2), so nothing is due. */
	apply(&c, PA_FAIL, rid_a, T0 + 11 * S, PA_FAIL, CS_UP, CS_DOWN, "fail");
	apply(&c, PA_START, rid_a, T0 + 12 * S, PA_START, 0, -1, NULL);
	assert_int_equal(c.cs_status, CS_DOWN);
	assert_int_equal(c.cs_last_start, T0 + 12 * S);
	assert_int_equal(c.cs_alert_after, CT_NONE);
}

static void
test_log_ign(void **state)
{
	struct check_state	c, before;
	int			a;
	static const int	acts[] = { PA_LOG, PA_IGN };

	for (a = 0; a < 2; a++) {
		simple(&c);
		apply(&c, PA_START, rid_a, T0 - 10 * S, PA_START, 0, -1, NULL);
		apply(&c, PA_SUCCESS, rid_b, T0, PA_SUCCESS, CS_NEW, CS_UP, "");
		c.cs_alert_after = 12345;	/* stale: recomputed */
		before = c;
		apply(&c, acts[a], rid_a, T0 + S, acts[a], 0, -1, NULL);
		assert_int_equal(c.cs_n_pings, before.cs_n_pings + 1);
		assert_int_equal(c.cs_alert_after, T0 - 10 * S + GRACE);
		/* Nothing else moved. */
		c.cs_n_pings = before.cs_n_pings;
		c.cs_alert_after = before.cs_alert_after;
		same_state(&c, &before);
	}
}

static void
test_paused(void **state)
{
	struct check_state	c, before;
	static const int	acts[] = { PA_SUCCESS, PA_FAIL, PA_START,
				    PA_LOG };
	int			i;

	/* Paused with manual_resume: every ping is ignored. */
	for (i = 0; i < 4; i++) {
		simple(&c);
		c.cs_status = CS_PAUSED;
		c.cs_manual_resume = 1;
		c.cs_last_ping = T0 - 100 * S;
		before = c;
		apply(&c, acts[i], NULL, T0, PA_IGN, 0, -1, NULL);
		assert_int_equal(c.cs_status, CS_PAUSED);
		assert_int_equal(c.cs_last_ping, T0 - 100 * S);
		assert_int_equal(c.cs_last_start, CT_NONE);
		assert_int_equal(c.cs_n_pings, 1);
		assert_int_equal(c.cs_alert_after, CT_NONE);
		c.cs_n_pings = 0;
		same_state(&c, &before);
	}

	/* Paused without manual_resume: success and fail leave it. */
	simple(&c);
	c.cs_status = CS_PAUSED;
	apply(&c, PA_SUCCESS, NULL, T0, PA_SUCCESS, CS_PAUSED, CS_UP, "");
	assert_int_equal(c.cs_status, CS_UP);
	assert_int_equal(c.cs_alert_after, T0 + TIMEOUT + GRACE);
	simple(&c);
	c.cs_status = CS_PAUSED;
	apply(&c, PA_FAIL, NULL, T0, PA_FAIL, CS_PAUSED, CS_DOWN, "fail");
	/* A start keeps it paused but sets alert_after (spec 1.5 note). */
	simple(&c);
	c.cs_status = CS_PAUSED;
	apply(&c, PA_START, NULL, T0, PA_START, 0, -1, NULL);
	assert_int_equal(c.cs_status, CS_PAUSED);
	assert_int_equal(c.cs_alert_after, T0 + GRACE);
	assert_int_equal(check_get_status(&c, T0 + GRACE - 1, 1), CS_STARTED);
	assert_int_equal(check_get_status(&c, T0 + GRACE - 1, 0), CS_PAUSED);
	assert_int_equal(check_get_status(&c, T0 + GRACE, 0), CS_DOWN);
	/* A log ping on a paused check (no manual_resume) is a log. */
	simple(&c);
	c.cs_status = CS_PAUSED;
	apply(&c, PA_LOG, NULL, T0, PA_LOG, 0, -1, NULL);
	assert_int_equal(c.cs_status, CS_PAUSED);
}

static void
test_simple_status(void **state)
{
	struct check_state	c;
	int64_t			gs = T0 + TIMEOUT;

	simple(&c);
	/* new: never due. */
	assert_int_equal(check_grace_start(&c, 1), CT_NONE);
	assert_int_equal(check_going_down_after(&c), CT_NONE);
	assert_int_equal(check_get_status(&c, T0, 1), CS_NEW);
	assert_int_equal(check_get_status(&c, T0 + 1000 * TIMEOUT, 0), CS_NEW);

	c.cs_status = CS_UP;
	c.cs_last_ping = T0;
	assert_int_equal(check_grace_start(&c, 0), gs);
	assert_int_equal(check_grace_start(&c, 1), gs);
	assert_int_equal(check_going_down_after(&c), gs + GRACE);
	assert_int_equal(check_get_status(&c, T0, 0), CS_UP);
	assert_int_equal(check_get_status(&c, gs - 1, 0), CS_UP);
	assert_int_equal(check_get_status(&c, gs, 0), CS_GRACE);
	assert_int_equal(check_get_status(&c, gs, 1), CS_GRACE);
	assert_int_equal(check_get_status(&c, gs + GRACE - 1, 0), CS_GRACE);
	assert_int_equal(check_get_status(&c, gs + GRACE, 0), CS_DOWN);
	assert_int_equal(check_get_status(&c, gs + GRACE, 1), CS_DOWN);
	/* The stored status lags: a stored down stays down. */
	c.cs_status = CS_DOWN;
	assert_int_equal(check_grace_start(&c, 1), CT_NONE);
	assert_int_equal(check_get_status(&c, T0, 0), CS_DOWN);
	c.cs_status = CS_PAUSED;
	assert_int_equal(check_grace_start(&c, 1), CT_NONE);
	assert_int_equal(check_get_status(&c, gs + GRACE, 0), CS_PAUSED);

	/* Running: last_start before last_ping + timeout. */
	c.cs_status = CS_UP;
	c.cs_last_start = T0 + 60 * S;
	assert_int_equal(check_grace_start(&c, 1), T0 + 60 * S);
	assert_int_equal(check_grace_start(&c, 0), gs);
	assert_int_equal(check_going_down_after(&c), T0 + 60 * S + GRACE);
	assert_int_equal(check_get_status(&c, T0 + 60 * S, 1), CS_STARTED);
	assert_int_equal(check_get_status(&c, T0 + 60 * S, 0), CS_UP);
	assert_int_equal(check_get_status(&c, T0 + 60 * S + GRACE - 1, 1),
	    CS_STARTED);
	/* last_start + grace passed: down although stored status is up. */
	assert_int_equal(check_get_status(&c, T0 + 60 * S + GRACE, 1), CS_DOWN);
	assert_int_equal(check_get_status(&c, T0 + 60 * S + GRACE, 0), CS_DOWN);
	/* A start later than last_ping + timeout does not move it. */
	c.cs_last_start = gs + S;
	assert_int_equal(check_grace_start(&c, 1), gs);
	assert_int_equal(check_get_status(&c, gs, 0), CS_GRACE);
	assert_int_equal(check_get_status(&c, gs, 1), CS_STARTED);
	/* last_start == grace start. */
	c.cs_last_start = gs;
	assert_int_equal(check_grace_start(&c, 1), gs);

	/* Started on a stored-down check: started, then down. */
	c.cs_status = CS_DOWN;
	c.cs_last_start = T0;
	assert_int_equal(check_grace_start(&c, 1), CT_NONE);
	assert_int_equal(check_going_down_after(&c), CT_NONE);
	assert_int_equal(check_get_status(&c, T0 + 1, 1), CS_STARTED);
	assert_int_equal(check_get_status(&c, T0 + 1, 0), CS_DOWN);

	/* Started new check. */
	c.cs_status = CS_NEW;
	c.cs_last_ping = CT_NONE;
	assert_int_equal(check_grace_start(&c, 1), T0);
	assert_int_equal(check_grace_start(&c, 0), CT_NONE);
	assert_int_equal(check_get_status(&c, T0 + GRACE - 1, 0), CS_NEW);
	assert_int_equal(check_get_status(&c, T0 + GRACE - 1, 1), CS_STARTED);
	assert_int_equal(check_get_status(&c, T0 + GRACE, 0), CS_DOWN);

	/* Up without a last_ping (not reachable by pings): up. */
	simple(&c);
	c.cs_status = CS_UP;
	assert_int_equal(check_grace_start(&c, 1), CT_NONE);
	assert_int_equal(check_get_status(&c, T0, 0), CS_UP);
}

static void
test_cron(void **state)
{
	struct check_state	c;
	int64_t			gs;

	simple(&c);
	c.cs_kind = CK_CRON;
	c.cs_schedule = "0 3 * * *";
	c.cs_tz = "Europe/Riga";
	c.cs_timeout = 0;	/* not used by cron checks */
	c.cs_status = CS_UP;

	/* Winter, EET: 03:00 Riga is 01:00 UTC the next day. */
	c.cs_last_ping = T0;
	gs = (int64_t)1705366800 * S;		/* 2024-01-16 01:00 UTC */
	assert_int_equal(check_next_match(&c, T0), gs);
	assert_int_equal(check_grace_start(&c, 0), gs);
	assert_int_equal(check_going_down_after(&c), gs + GRACE);
	assert_int_equal(check_get_status(&c, gs - 1, 0), CS_UP);
	assert_int_equal(check_get_status(&c, gs, 0), CS_GRACE);
	assert_int_equal(check_get_status(&c, gs + GRACE - 1, 0), CS_GRACE);
	assert_int_equal(check_get_status(&c, gs + GRACE, 0), CS_DOWN);
	/* Strictly after: a ping at the match itself, or within its
	 * second, waits for the next day. */
	c.cs_last_ping = gs;
	assert_int_equal(check_grace_start(&c, 0), (int64_t)1705453200 * S);
	c.cs_last_ping = gs + S / 2;
	assert_int_equal(check_grace_start(&c, 0), (int64_t)1705453200 * S);
	c.cs_last_ping = gs - 1;
	assert_int_equal(check_grace_start(&c, 0), gs);
	/* Summer, EEST: 00:00 UTC. */
	c.cs_last_ping = (int64_t)1721044800 * S;	/* 2024-07-15 12:00 */
	assert_int_equal(check_grace_start(&c, 0), (int64_t)1721088000 * S);
	/* 03:00 does not exist on 2024-03-31 (03:00 EET -> 04:00 EEST):
	 * like cron, run at the end of the gap, 01:00 UTC. */
	c.cs_last_ping = (int64_t)1711800000 * S;	/* 2024-03-30 12:00 */
	assert_int_equal(check_grace_start(&c, 0), (int64_t)1711846800 * S);
	/* A running start earlier than the next match wins. */
	c.cs_last_ping = T0;
	c.cs_last_start = T0 + S;
	assert_int_equal(check_grace_start(&c, 1), T0 + S);
	assert_int_equal(check_grace_start(&c, 0), gs);
	c.cs_last_start = CT_NONE;
	/* No zone given: UTC. */
	c.cs_tz = NULL;
	c.cs_last_ping = T0;
	assert_int_equal(check_grace_start(&c, 0), T0 + 15 * 3600 * S);
	/* An unknown zone falls back to UTC. */
	c.cs_tz = "Nowhere/Zone";
	assert_int_equal(check_grace_start(&c, 0), T0 + 15 * 3600 * S);
	/* A schedule that does not parse: never due. */
	c.cs_schedule = "61 * * * *";
	assert_int_equal(check_grace_start(&c, 0), CT_NONE);
	assert_int_equal(check_get_status(&c, T0 + 1000 * TIMEOUT, 0), CS_UP);
	/* A schedule that can never match (Feb 30, rejected): never due. */
	c.cs_schedule = "0 0 30 2 *";
	assert_int_equal(check_grace_start(&c, 0), CT_NONE);
	/* Cron and simple checks alike: new is new. */
	c.cs_schedule = "0 3 * * *";
	c.cs_status = CS_NEW;
	assert_int_equal(check_grace_start(&c, 0), CT_NONE);
}

static void
test_oncalendar(void **state)
{
	struct check_state	c;
	/* Friday 2024-01-19 10:00 UTC */
	int64_t			fri = (int64_t)1705658400 * S;

	simple(&c);
	c.cs_kind = CK_ONCALENDAR;
	c.cs_schedule = "Mon..Fri 09:00";
	c.cs_tz = "UTC";
	c.cs_status = CS_UP;
	/* Friday 10:00 -> Monday 09:00. */
	c.cs_last_ping = fri;
	assert_int_equal(check_grace_start(&c, 0), (int64_t)1705914000 * S);
	assert_int_equal(check_going_down_after(&c),
	    (int64_t)1705914000 * S + GRACE);
	assert_int_equal(check_get_status(&c, (int64_t)1705914000 * S - 1, 0),
	    CS_UP);
	assert_int_equal(check_get_status(&c, (int64_t)1705914000 * S, 0),
	    CS_GRACE);
	assert_int_equal(check_get_status(&c,
	    (int64_t)1705914000 * S + GRACE, 0), CS_DOWN);
	/* Thursday 09:00:00 exactly -> Friday 09:00. */
	c.cs_last_ping = (int64_t)1705568400 * S;
	assert_int_equal(check_grace_start(&c, 0), (int64_t)1705654800 * S);
	/* Thursday 08:59:59 -> Thursday 09:00. */
	c.cs_last_ping = (int64_t)1705568399 * S;
	assert_int_equal(check_grace_start(&c, 0), (int64_t)1705568400 * S);
	/* Garbage: never due. */
	c.cs_schedule = "Mon..Fri 25:00";
	assert_int_equal(check_grace_start(&c, 0), CT_NONE);
	assert_int_equal(check_get_status(&c, fri + 1000 * TIMEOUT, 0), CS_UP);
}

static int
classify(const char *text, const char *st, const char *su, const char *fa,
    int def)
{
	return check_classify(text, strlen(text), st, su, fa, def);
}

static void
test_classify(void **state)
{
	/* Order: failure, then success, then start. */
	assert_int_equal(classify("job ok but ERROR", "ok", "ok", "ERROR", 0),
	    PA_FAIL);
	assert_int_equal(classify("job ok started", "started", "ok", "ERROR",
	    0), PA_SUCCESS);
	assert_int_equal(classify("job started", "started", "ok", "ERROR", 0),
	    PA_START);
	assert_int_equal(classify("nothing here", "started", "ok", "ERROR", 0),
	    PA_IGN);
	assert_int_equal(classify("nothing here", "started", "ok", "ERROR", 1),
	    PA_FAIL);
	/* Case-sensitive. */
	assert_int_equal(classify("JOB OK", "", "ok", "", 0), PA_IGN);
	assert_int_equal(classify("Error", "", "", "ERROR", 0), PA_IGN);
	/* Trimmed items, empty items ignored. */
	assert_int_equal(classify("all done", "", " , nope ,  done  ,", "", 0),
	    PA_SUCCESS);
	assert_int_equal(classify("x", ", ,  ,", ",", " ", 0), PA_IGN);
	assert_int_equal(classify("", "a", "b", "c", 0), PA_IGN);
	assert_int_equal(classify("", "a", "b", "c", 1), PA_FAIL);
	/* Inner spaces are part of the keyword. */
	assert_int_equal(classify("backup complete", "", "backup complete", "",
	    0), PA_SUCCESS);
	assert_int_equal(classify("backup  complete", "", "backup complete",
	    "", 0), PA_IGN);
	/* Tabs and newlines around an item are trimmed too. */
	assert_int_equal(classify("it FAILED", "", "", "\tFAILED\n", 0),
	    PA_FAIL);
	/* NULL lists. */
	assert_int_equal(classify("ok", NULL, NULL, NULL, 0), PA_IGN);
	assert_int_equal(classify("ok", NULL, "ok", NULL, 0), PA_SUCCESS);
	/* A keyword longer than the text. */
	assert_int_equal(classify("ok", "", "okay", "", 0), PA_IGN);
	/* Only the first len bytes count; bytes may be anything. */
	assert_int_equal(check_classify("okFAIL", 2, "", "ok", "FAIL", 0),
	    PA_SUCCESS);
	assert_int_equal(check_classify("a\0FAIL", 6, "", "", "FAIL", 0),
	    PA_FAIL);
	assert_int_equal(classify("stra\xc3\x9f" "e", "", "\xc3\x9f", "", 0),
	    PA_SUCCESS);
}

static int
confirm(const char *s)
{
	return check_has_confirm((const uint8_t *)s, strlen(s));
}

static void
test_confirm(void **state)
{
	assert_true(confirm("confirm"));
	assert_true(confirm("Please CONFIRM your subscription"));
	assert_true(confirm("ConfirmationLink"));
	assert_true(confirm("xxcOnFiRm"));
	assert_false(confirm("confir"));
	assert_false(confirm("conf irm"));
	assert_false(confirm(""));
	assert_false(confirm("\xff\xfe confirn"));
	assert_true(check_has_confirm((const uint8_t *)"confirm", 7));
	assert_false(check_has_confirm((const uint8_t *)"confirm", 6));
	assert_true(check_has_confirm((const uint8_t *)"\0confirm\0", 9));
}

/*
 * A ping received before the latest start or ping, loaded after them
 * (another node's journal): it leaves what in-order pings would have.
 */
static void
test_late_arrival(void **state)
{
	struct check_state c, before;

	simple(&c);
	apply(&c, PA_SUCCESS, NULL, T0, PA_SUCCESS, CS_NEW, CS_UP, "");
	apply(&c, PA_START, NULL, T0 + 20 * S, PA_START, 0, -1, NULL);
	/* A start and a success from before the last ping: counted only. */
	apply(&c, PA_SUCCESS, NULL, T0 + 30 * S, PA_SUCCESS, 0, -1, NULL);
	before = c;
	apply(&c, PA_START, NULL, T0 + 25 * S, PA_START, 0, -1, NULL);
	apply(&c, PA_FAIL, NULL, T0 + 26 * S, PA_FAIL, 0, -1, NULL);
	assert_int_equal(c.cs_n_pings, before.cs_n_pings + 2);
	c.cs_n_pings = before.cs_n_pings;
	same_state(&c, &before);

	/* A success, then a start on one node; the success loaded last. */
	simple(&c);
	apply(&c, PA_START, NULL, T0 + 20 * S, PA_START, 0, -1, NULL);
	apply(&c, PA_SUCCESS, NULL, T0 + 10 * S, PA_SUCCESS, CS_NEW, CS_UP,
	    "");
	assert_int_equal(c.cs_last_ping, T0 + 10 * S);
	assert_int_equal(c.cs_last_start, T0 + 20 * S);	/* still running */
	assert_int_equal(c.cs_last_duration, CT_NONE);
	/* An older start than the running one: nothing. */
	before = c;
	apply(&c, PA_START, NULL, T0 + 15 * S, PA_START, 0, -1, NULL);
	c.cs_n_pings = before.cs_n_pings;
	same_state(&c, &before);
	/* The run's own success: its duration. */
	apply(&c, PA_SUCCESS, NULL, T0 + 27 * S, PA_SUCCESS, 0, -1, NULL);
	assert_int_equal(c.cs_last_duration, 7 * S);
	assert_int_equal(c.cs_last_start, CT_NONE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_success_fail),
		cmocka_unit_test(test_start_rid),
		cmocka_unit_test(test_late_arrival),
		cmocka_unit_test(test_log_ign),
		cmocka_unit_test(test_paused),
		cmocka_unit_test(test_simple_status),
		cmocka_unit_test(test_cron),
		cmocka_unit_test(test_oncalendar),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_confirm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
