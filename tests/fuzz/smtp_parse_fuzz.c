/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * libFuzzer target for the smtpd's parsers (smtpd/smtp_parse.c): the
 * input is split into lines as the session splits them, and each line
 * goes through every parser the session may hand it to: the command
 * line, the MAIL and RCPT arguments, the recipient patterns of spec 2,
 * and the DATA line.  Beyond memory safety it checks what the session
 * relies on: arguments stay inside the line, addresses are
 * NUL-terminated within SMTP_PATH_MAX, every error comes with a reply
 * line that starts with its code, and a DATA line never grows.
 *
 * `make fuzz` builds and runs it (tests/fuzz/smtp_parse.dict).
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hcd.h"
#include "../../smtpd/smtp_parse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

static void
check_reply(int code, const char *e)
{
	CHECK(e != NULL && strlen(e) > 10);
	CHECK(e[0] == '0' + code / 100 && e[3] == ' ' && e[5] == '.');
}

static void
one_line(const char *line, size_t len)
{
	struct smtp_cmd		 c;
	struct smtp_path	 p;
	struct smtp_rcpt	 r;
	const char		*e, *o;
	size_t			 n;
	int			 rc;

	if (smtp_data_line(line, len, &o, &n) == 0)
		CHECK(o >= line && n <= len && o + n == line + len);
	if (smtp_parse_cmd(line, len, &c, &e) == -1) {
		CHECK(e != NULL && e[0] == '5');
		return;
	}
	CHECK(c.sc_arg >= line && c.sc_arg + c.sc_arglen <= line + len);
	if ((rc = smtp_parse_mail(c.sc_arg, c.sc_arglen, &p, &e)) != 0)
		check_reply(rc, e);
	else
		CHECK(strlen(p.sp_addr) == p.sp_len &&
		    p.sp_len + 2 <= SMTP_PATH_MAX);
	if ((rc = smtp_parse_rcpt(c.sc_arg, c.sc_arglen, &p, &e)) != 0) {
		check_reply(rc, e);
		return;
	}
	CHECK(strlen(p.sp_addr) == p.sp_len);
	switch (smtp_parse_rcpt_addr(p.sp_addr, p.sp_len, "hc.example", &r)) {
	case SMTP_RCPT_OK:
		CHECK(strlen(r.sr_addr) == p.sp_len);
		if (r.sr_by_slug)
			CHECK(strlen(r.sr_key) == SMTP_KEY_LEN &&
			    strlen(r.sr_slug) > 0);
		break;
	case SMTP_RCPT_BAD_DOMAIN:
	case SMTP_RCPT_BAD_MAILBOX:
		break;
	default:
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t	*p = data, *end = data + size, *lf;
	char		*line;
	size_t		 n;

	while (p < end) {
		lf = memchr(p, '\n', (size_t)(end - p));
		n = lf ? (size_t)(lf - p) + 1 : (size_t)(end - p);
		/* An exact copy, so that ASan sees a read past the line. */
		if ((line = malloc(n)) == NULL)
			abort();
		memcpy(line, p, n);
		one_line(line, n);
		/* As the session hands commands: no line end. */
		one_line(line, n - (lf ? 1 : 0));
		free(line);
		p += n;
	}
	return 0;
}
