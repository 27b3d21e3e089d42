/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The one encoder and decoder of ping records (the layout is struct
 * ping_rec in ping.h): the HTTP workers (worker/ping.c) and the smtpd
 * (smtpd/smtp_session.c) encode, the alerter's writer decodes, and the
 * master sizes the rings with pingrec_max, so that the largest record
 * a producer may write is known in one place.
 *
 * An email ping carries, besides the raw message as its body, the
 * decoded Subject and the text of its body parts (smtpd/mail.c): the
 * writer applies the check's subject and body keyword filters to them
 * from its cached copy of the check, so the smtpd needs no database.
 */
#ifndef HC_PINGREC_H
#define HC_PINGREC_H

#include <stddef.h>
#include <stdint.h>

#include "hcd.h"
#include "ping.h"

struct ring;

/* The most bytes each string may take in a record; longer is cut. */
#define PINGREC_METHOD_MAX	32
#define PINGREC_ADDR_MAX	64		/* an IPv6 address is 45 */
#define PINGREC_UA_MAX		(4 * HC_UA_MAX)	/* HC_UA_MAX characters */

/* What a producer puts in a record.  NULL strings count as empty. */
struct ping_data {
	int64_t		 pd_check;	/* api_check.id */
	int64_t		 pd_time;	/* µs since the epoch */
	int		 pd_action;	/* enum ping_action */
	int		 pd_scheme;	/* enum ping_scheme */
	int		 pd_exit;	/* -1: none */
	int		 pd_flags;	/* PR_* */
	const uint8_t	*pd_rid;	/* 16 bytes; NULL: none */
	const char	*pd_method;
	size_t		 pd_method_len;
	const char	*pd_addr;
	size_t		 pd_addr_len;
	const char	*pd_ua;		/* valid UTF-8 (utf8_sanitize) */
	size_t		 pd_ua_len;
	const void	*pd_body;
	size_t		 pd_body_len;
	const char	*pd_subject;	/* email only */
	size_t		 pd_subject_len;
	const char	*pd_text;	/* email only */
	size_t		 pd_text_len;
};

/* pingrec.c */
/* Bytes of the record for *d (the payload ring_reserve is asked for). */
size_t	 pingrec_size(const struct ping_data *);
/*
 * Ring bytes (record header and alignment included) that the largest
 * record with at most these body, subject and text lengths takes.
 */
uint64_t pingrec_max(uint64_t body, uint64_t subject, uint64_t text);
/* Write the record for *d at dst, pingrec_size(d) bytes. */
void	 pingrec_encode(void *dst, const struct ping_data *);
/*
 * Reserve room for *d in the ring and encode it there; nothing is
 * visible until ring_publish(*next).  -1 when the ring is full.
 */
int	 pingrec_put(struct ring *, const struct ping_data *, uint64_t *next);

/*
 * Consumer: 0 if the `len` bytes at p hold a whole record whose string
 * lengths add up, else -1.  The accessors below assume a valid record;
 * the strings are not NUL-terminated.
 */
int	 pingrec_valid(const void *p, size_t len);
const char	*pingrec_method(const struct ping_rec *);
const char	*pingrec_addr(const struct ping_rec *);
const char	*pingrec_ua(const struct ping_rec *);
const uint8_t	*pingrec_body(const struct ping_rec *);
const char	*pingrec_subject(const struct ping_rec *);
const char	*pingrec_text(const struct ping_rec *);

#endif
