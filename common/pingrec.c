/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Ping records (see pingrec.h): encoded by the producers (workers,
 * smtpd), decoded by the alerter's writer, sized by the master.
 */
#include <string.h>

#include "pingrec.h"
#include "ring.h"

static size_t
min_sz(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* The lengths actually stored, as pingrec_encode cuts them. */
static void
lengths(const struct ping_data *d, size_t *m, size_t *a, size_t *u)
{
	*m = d->pd_method ? min_sz(d->pd_method_len, PINGREC_METHOD_MAX) : 0;
	*a = d->pd_addr ? min_sz(d->pd_addr_len, PINGREC_ADDR_MAX) : 0;
	*u = d->pd_ua ? min_sz(d->pd_ua_len, PINGREC_UA_MAX) : 0;
}

size_t
pingrec_size(const struct ping_data *d)
{
	size_t m, a, u;

	lengths(d, &m, &a, &u);
	return sizeof(struct ping_rec) + m + a + u +
	    (d->pd_body ? d->pd_body_len : 0) +
	    (d->pd_subject ? d->pd_subject_len : 0) +
	    (d->pd_text ? d->pd_text_len : 0);
}

uint64_t
pingrec_max(uint64_t body, uint64_t subject, uint64_t text)
{
	uint64_t n;

	n = sizeof(struct ring_rec) + sizeof(struct ping_rec) +
	    PINGREC_METHOD_MAX + PINGREC_ADDR_MAX + PINGREC_UA_MAX +
	    body + subject + text;
	return (n + RING_ALIGN - 1) & ~(uint64_t)(RING_ALIGN - 1);
}

static uint8_t *
put(uint8_t *p, const void *s, size_t n)
{
	if (n > 0)
		memcpy(p, s, n);
	return p + n;
}

void
pingrec_encode(void *dst, const struct ping_data *d)
{
	struct ping_rec	*pr = dst;
	uint8_t		*p = (uint8_t *)(pr + 1);
	size_t		 m, a, u, b, s, t;

	lengths(d, &m, &a, &u);
	b = d->pd_body ? d->pd_body_len : 0;
	s = d->pd_subject ? d->pd_subject_len : 0;
	t = d->pd_text ? d->pd_text_len : 0;
	memset(pr, 0, sizeof(*pr));
	pr->pr_check = d->pd_check;
	pr->pr_time = d->pd_time;
	pr->pr_action = (uint8_t)d->pd_action;
	pr->pr_scheme = (uint8_t)d->pd_scheme;
	pr->pr_flags = (uint8_t)d->pd_flags;
	pr->pr_exit = (int16_t)d->pd_exit;
	pr->pr_method_len = (uint16_t)m;
	pr->pr_addr_len = (uint16_t)a;
	pr->pr_ua_len = (uint16_t)u;
	pr->pr_body_len = (uint32_t)b;
	pr->pr_subject_len = (uint32_t)s;
	pr->pr_text_len = (uint32_t)t;
	if (d->pd_rid != NULL) {
		pr->pr_has_rid = 1;
		memcpy(pr->pr_rid, d->pd_rid, sizeof(pr->pr_rid));
	}
	p = put(p, d->pd_method, m);
	p = put(p, d->pd_addr, a);
	p = put(p, d->pd_ua, u);
	p = put(p, d->pd_body, b);
	p = put(p, d->pd_subject, s);
	(void)put(p, d->pd_text, t);
}

int
pingrec_put(struct ring *r, const struct ping_data *d, uint64_t *next)
{
	void *p;

	if ((p = ring_reserve(r, pingrec_size(d), next)) == NULL)
		return -1;
	pingrec_encode(p, d);
	return 0;
}

int
pingrec_valid(const void *p, size_t len)
{
	const struct ping_rec	*pr = p;
	uint64_t		 n;

	if (len < sizeof(*pr))
		return -1;
	n = (uint64_t)sizeof(*pr) + pr->pr_method_len + pr->pr_addr_len +
	    pr->pr_ua_len + pr->pr_body_len + pr->pr_subject_len +
	    pr->pr_text_len;
	return n <= len ? 0 : -1;
}

const char *
pingrec_method(const struct ping_rec *pr)
{
	return (const char *)(pr + 1);
}

const char *
pingrec_addr(const struct ping_rec *pr)
{
	return pingrec_method(pr) + pr->pr_method_len;
}

const char *
pingrec_ua(const struct ping_rec *pr)
{
	return pingrec_addr(pr) + pr->pr_addr_len;
}

const uint8_t *
pingrec_body(const struct ping_rec *pr)
{
	return (const uint8_t *)pingrec_ua(pr) + pr->pr_ua_len;
}

const char *
pingrec_subject(const struct ping_rec *pr)
{
	return (const char *)pingrec_body(pr) + pr->pr_body_len;
}

const char *
pingrec_text(const struct ping_rec *pr)
{
	return pingrec_subject(pr) + pr->pr_subject_len;
}
