/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * A ping as it travels through the ring: written by a worker or smtpd,
 * read by the alerter's batch writer.  Fixed header, then the variable
 * strings in the order of their lengths below.  Producers build it with
 * pingrec_encode and the writer reads it with pingrec_valid and the
 * pingrec_* accessors (common/pingrec.h): nothing else lays it out.
 */
#ifndef HC_PING_H
#define HC_PING_H

#include <stdint.h>

enum ping_action {
	PA_SUCCESS = 0,
	PA_START,
	PA_FAIL,
	PA_LOG,
	PA_IGN
};

enum ping_scheme {
	PS_HTTP = 0,
	PS_HTTPS,
	PS_EMAIL
};

struct ping_rec {
	int64_t		pr_check;	/* api_check.id */
	int64_t		pr_time;	/* received, µs since the epoch */
	uint8_t		pr_action;	/* enum ping_action, from the URL */
	uint8_t		pr_scheme;	/* enum ping_scheme */
	uint8_t		pr_has_rid;
	uint8_t		pr_flags;	/* PR_* */
	int16_t		pr_exit;	/* -1: none */
	uint16_t	pr_method_len;
	uint16_t	pr_addr_len;
	uint16_t	pr_ua_len;
	uint32_t	pr_body_len;
	uint8_t		pr_rid[16];
	uint32_t	pr_subject_len;	/* email: Subject, decoded to UTF-8 */
	uint32_t	pr_text_len;	/* email: text of its body parts */
	/* method, remote address, user agent, body, subject, text follow */
};

#define PR_POST		0x01	/* method was POST (for methods=POST) */

#endif
