/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The check state machine of spec 1.5 and 3.2-3.4, in one place: the
 * alerter's batch writer applies pings with it, the deadline scheduler
 * asks it when a check goes down, and the API and badges compute the
 * derived status with it.  Every function takes `now`; none reads the
 * clock.  Times are microseconds since the epoch, CT_NONE for NULL.
 */
#ifndef HC_CHECK_H
#define HC_CHECK_H

#include <stdint.h>

#define CT_NONE		INT64_MIN
#define CT_SEC		1000000LL

enum check_kind { CK_SIMPLE, CK_CRON, CK_ONCALENDAR };

/* Stored statuses first; CS_GRACE and CS_STARTED are only derived. */
enum check_status { CS_NEW, CS_UP, CS_DOWN, CS_PAUSED, CS_GRACE, CS_STARTED };

struct check_state {
	int		 cs_kind;		/* enum check_kind */
	int64_t		 cs_timeout;		/* µs, simple checks */
	int64_t		 cs_grace;		/* µs */
	const char	*cs_schedule;		/* cron / OnCalendar */
	const char	*cs_tz;
	int		 cs_status;		/* stored: new up down paused */
	int64_t		 cs_last_ping;
	int64_t		 cs_last_start;
	int64_t		 cs_last_duration;
	int		 cs_has_rid;		/* last_start_rid is not NULL */
	uint8_t		 cs_last_start_rid[16];
	int64_t		 cs_alert_after;
	int64_t		 cs_n_pings;
	int		 cs_manual_resume;
	int		 cs_has_confirmation_link;
};

/* A flip produced by applying a ping. */
struct check_flip {
	int		 cf_old;		/* enum check_status */
	int		 cf_new;
	const char	*cf_reason;		/* "", "fail", "timeout" */
};

/* check.c */
const char	*check_status_name(int);
int		 check_status_parse(const char *);	/* -1 if unknown */
const char	*check_kind_name(int);
int		 check_kind_parse(const char *);
/* Next schedule match strictly after `after`, in the check's zone. */
int64_t		 check_next_match(const struct check_state *, int64_t after);
int64_t		 check_grace_start(const struct check_state *, int with_started);
int64_t		 check_going_down_after(const struct check_state *);
int		 check_get_status(const struct check_state *, int64_t now,
		    int with_started);
/*
 * Apply one ping (spec 1.5).  `action` is the final action (after the
 * methods and body filters); returns the action actually applied (a
 * paused check with manual_resume turns everything into PA_IGN) and
 * fills *flip when the status changed (returns it in flip->cf_new != -1).
 * A start, success or fail received before the check's last start or
 * ping (another node's journal loaded later) is only counted.
 */
int		 check_apply_ping(struct check_state *, int action, int has_rid,
		    const uint8_t rid[16], int64_t now, struct check_flip *flip);
/*
 * Classify a body by keywords (spec 1.4 step 8): the action for the
 * first list that matches, in the order failure, success, start; else
 * PA_FAIL with default_fail, else PA_IGN.
 */
int		 check_classify(const char *text, size_t len,
		    const char *start_kw, const char *success_kw,
		    const char *failure_kw, int default_fail);
/* "confirm" in the lowercased text (spec 1.5). */
int		 check_has_confirm(const uint8_t *body, size_t len);

#endif
