/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * libFuzzer target for the smtpd's MIME text extraction (smtpd/mail.c,
 * over GMime) and its HTML reduction: any bytes as a message.  Beyond
 * memory safety (and no leak, under LeakSanitizer) it checks what the
 * writer relies on: the Subject and the text are valid UTF-8 without a
 * NUL and within their byte limits.
 *
 * `make fuzz` builds and runs it (tests/fuzz/mail.dict).
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hcd.h"
#include "../../smtpd/mail.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

#define SMAX	200
#define TMAX	4096

/* Valid UTF-8 and no NUL: what utf8_sanitize leaves unchanged. */
static void
check_utf8(const struct buf *b, size_t max)
{
	struct buf again;

	CHECK(b->b_len <= max);
	if (b->b_len == 0)
		return;
	CHECK(memchr(b->b_data, '\0', b->b_len) == NULL);
	buf_init(&again);
	utf8_sanitize(&again, b->b_data, b->b_len, (size_t)-1);
	CHECK(again.b_len == b->b_len &&
	    memcmp(again.b_data, b->b_data, b->b_len) == 0);
	buf_clear(&again);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	mail_init();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf subject, text, html;

	buf_init(&subject);
	buf_init(&text);
	mail_extract(data, size, &subject, SMAX, &text, TMAX);
	check_utf8(&subject, SMAX);
	check_utf8(&text, TMAX);
	buf_init(&html);
	mail_html_text((const char *)data, size, &html);
	buf_clear(&subject);
	buf_clear(&text);
	buf_clear(&html);
	return 0;
}
