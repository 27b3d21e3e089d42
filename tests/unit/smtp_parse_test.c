/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Unit tests for smtpd/smtp_parse.c: verbs in any case and their
 * arguments, NUL and empty lines; MAIL FROM and RCPT TO paths (angle
 * brackets or none, blanks after the colon, quoted local parts, source
 * routes, the null sender, the path length limit) and parameters (SIZE,
 * BODY, SMTPUTF8, unknown ones); spec 2's recipient patterns (domain
 * exact, UUID version 4 in either case, key+slug); DATA lines (end,
 * dot-unstuffing, bare LF).  Every parse runs on an exactly-sized heap
 * copy so that ASan flags a read past the end.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hcd.h"
#include "../../smtpd/smtp_parse.h"

#define U4	"5f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0"
#define KEY	"abcdefghijKLMNOPQR_-09"		/* 22 characters */

static char *copy;

static const char *
dup_n(const char *s)
{
	size_t n = strlen(s);

	free(copy);
	copy = malloc(n ? n : 1);
	assert_non_null(copy);
	memcpy(copy, s, n);
	return copy;
}

static int
cmd(const char *s, struct smtp_cmd *c, const char **e)
{
	return smtp_parse_cmd(dup_n(s), strlen(s), c, e);
}

static void
test_verbs(void **state)
{
	struct smtp_cmd	 c;
	const char	*e;

	assert_int_equal(cmd("EHLO client.example", &c, &e), 0);
	assert_int_equal(c.sc_verb, SMTP_EHLO);
	assert_int_equal(c.sc_arglen, 14);
	assert_memory_equal(c.sc_arg, "client.example", 14);
	assert_int_equal(cmd("helo x", &c, &e), 0);
	assert_int_equal(c.sc_verb, SMTP_HELO);
	assert_int_equal(cmd("mail FROM:<a@b>", &c, &e), 0);
	assert_int_equal(c.sc_verb, SMTP_MAIL);
	assert_memory_equal(c.sc_arg, "FROM:<a@b>", 10);
	assert_int_equal(cmd("RcPt TO:<a@b>", &c, &e), 0);
	assert_int_equal(c.sc_verb, SMTP_RCPT);
	assert_int_equal(cmd("DATA", &c, &e), 0);
	assert_int_equal(c.sc_verb, SMTP_DATA);
	assert_int_equal(c.sc_arglen, 0);
	/* Trailing blanks and a stray CR go. */
	assert_int_equal(cmd("QUIT  \r", &c, &e), 0);
	assert_int_equal(c.sc_verb, SMTP_QUIT);
	assert_int_equal(c.sc_arglen, 0);
	assert_int_equal(cmd("STARTTLS", &c, &e), 0);
	assert_int_equal(c.sc_verb, SMTP_STARTTLS);
	assert_int_equal(cmd("VRFY root", &c, &e), 0);
	assert_int_equal(c.sc_verb, SMTP_VRFY);
	assert_int_equal(cmd("NOOP", &c, &e), 0);
	assert_int_equal(c.sc_verb, SMTP_NOOP);
	assert_int_equal(cmd("RSET", &c, &e), 0);
	assert_int_equal(c.sc_verb, SMTP_RSET);
	assert_int_equal(cmd("HELP", &c, &e), 0);
	assert_int_equal(c.sc_verb, SMTP_HELP);
	assert_int_equal(cmd("EXPN list", &c, &e), 0);
	assert_int_equal(c.sc_verb, SMTP_EXPN);
	/* Unknown and prefix-alike verbs. */
	assert_int_equal(cmd("AUTH PLAIN x", &c, &e), 0);
	assert_int_equal(c.sc_verb, SMTP_UNKNOWN);
	assert_int_equal(cmd("MAILX FROM:<a@b>", &c, &e), 0);
	assert_int_equal(c.sc_verb, SMTP_UNKNOWN);
	assert_int_equal(cmd("HEL", &c, &e), 0);
	assert_int_equal(c.sc_verb, SMTP_UNKNOWN);
	/* Errors. */
	assert_int_equal(cmd("", &c, &e), -1);
	assert_string_equal(e, "500 5.5.2 Error: bad syntax");
	assert_int_equal(smtp_parse_cmd("NO\0OP", 5, &c, &e), -1);
}

static int
mail(const char *s, struct smtp_path *p, const char **e)
{
	return smtp_parse_mail(dup_n(s), strlen(s), p, e);
}

static int
rcpt(const char *s, struct smtp_path *p, const char **e)
{
	return smtp_parse_rcpt(dup_n(s), strlen(s), p, e);
}

static void
test_paths(void **state)
{
	struct smtp_path	 p;
	const char		*e;
	char			 longp[400];

	assert_int_equal(mail("FROM:<user@example.org>", &p, &e), 0);
	assert_string_equal(p.sp_addr, "user@example.org");
	assert_int_equal(p.sp_len, 16);
	assert_int_equal(mail("from: <user@example.org>", &p, &e), 0);
	assert_string_equal(p.sp_addr, "user@example.org");
	/* The null sender. */
	assert_int_equal(mail("FROM:<>", &p, &e), 0);
	assert_string_equal(p.sp_addr, "");
	/* Without brackets, as some clients send it. */
	assert_int_equal(mail("FROM:user@example.org", &p, &e), 0);
	assert_string_equal(p.sp_addr, "user@example.org");
	/* A quoted local part may hold '>' and blanks. */
	assert_int_equal(mail("FROM:<\"a >b\"@x.org> SIZE=10", &p, &e), 0);
	assert_string_equal(p.sp_addr, "\"a >b\"@x.org");
	assert_int_equal(p.sp_size, 10);
	/* A source route is dropped. */
	assert_int_equal(rcpt("TO:<@relay.example,@b.example:u@x.org>", &p,
	    &e), 0);
	assert_string_equal(p.sp_addr, "u@x.org");
	assert_int_equal(rcpt("TO:<@relay.example>", &p, &e), 501);

	/* Syntax errors. */
	assert_int_equal(mail("FROM <a@b>", &p, &e), 501);
	assert_string_equal(e, "501 5.5.4 Syntax: MAIL FROM:<address>");
	assert_int_equal(mail("FROM:<a@b", &p, &e), 501);
	assert_int_equal(mail("FROM:", &p, &e), 501);
	assert_int_equal(mail("FROM:<a@b>x", &p, &e), 501);
	assert_int_equal(mail("", &p, &e), 501);
	assert_int_equal(rcpt("FROM:<a@b>", &p, &e), 501);
	assert_string_equal(e, "501 5.5.4 Syntax: RCPT TO:<address>");
	assert_int_equal(rcpt("TO:<a\x01@b>", &p, &e), 501);

	/* The path limit: 256 with the brackets. */
	memset(longp, 'a', sizeof(longp));
	memcpy(longp, "TO:<", 4);
	longp[4 + 254] = '>';
	longp[4 + 255] = '\0';
	assert_int_equal(rcpt(longp, &p, &e), 0);
	assert_int_equal(p.sp_len, 254);
	longp[4 + 254] = 'a';
	longp[4 + 255] = '>';
	longp[4 + 256] = '\0';
	assert_int_equal(rcpt(longp, &p, &e), 501);
	assert_string_equal(e, "501 5.1.3 Path too long");
}

static void
test_params(void **state)
{
	struct smtp_path	 p;
	const char		*e;

	assert_int_equal(mail("FROM:<a@b> SIZE=1048576 BODY=8BITMIME "
	    "SMTPUTF8", &p, &e), 0);
	assert_int_equal(p.sp_size, 1048576);
	assert_int_equal(p.sp_8bit, 1);
	assert_int_equal(p.sp_smtputf8, 1);
	assert_int_equal(mail("FROM:<a@b> body=7bit size=0", &p, &e), 0);
	assert_int_equal(p.sp_8bit, 0);
	assert_int_equal(p.sp_size, 0);
	assert_int_equal(mail("FROM:<a@b>  SIZE=99999999999999999", &p, &e),
	    0);
	assert_int_equal(p.sp_size, 99999999999999999ULL);
	assert_int_equal(mail("FROM:<a@b> SIZE=", &p, &e), 501);
	assert_string_equal(e, "501 5.5.4 Syntax error in SIZE parameter");
	assert_int_equal(mail("FROM:<a@b> SIZE=12x", &p, &e), 501);
	assert_int_equal(mail("FROM:<a@b> SIZE=99999999999999999999", &p, &e),
	    501);
	assert_int_equal(mail("FROM:<a@b> BODY=BINARYMIME", &p, &e), 501);
	assert_int_equal(mail("FROM:<a@b> AUTH=<>", &p, &e), 555);
	assert_string_equal(e, "555 5.5.4 Unsupported parameter");
	assert_int_equal(mail("FROM:<a@b> SMTPUTF8=yes", &p, &e), 555);
	/* RCPT takes no parameters (no DSN). */
	assert_int_equal(rcpt("TO:<a@b>", &p, &e), 0);
	assert_int_equal(rcpt("TO:<a@b> NOTIFY=NEVER", &p, &e), 555);
}

static int
addr(const char *s, struct smtp_rcpt *r)
{
	return smtp_parse_rcpt_addr(dup_n(s), strlen(s), "hc.example", r);
}

static void
test_rcpt_addr(void **state)
{
	struct smtp_rcpt	r;
	static const uint8_t	code[16] = { 0x5f, 0x1e, 0x2d, 0x3c, 0x4b,
	    0x5a, 0x49, 0x78, 0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0 };

	assert_int_equal(addr(U4 "@hc.example", &r), SMTP_RCPT_OK);
	assert_int_equal(r.sr_by_slug, 0);
	assert_memory_equal(r.sr_code, code, 16);
	assert_string_equal(r.sr_addr, U4 "@hc.example");
	/* Either case, as the spec's pattern. */
	assert_int_equal(addr("5F1E2D3C-4B5A-4978-B796-A5B4C3D2E1F0"
	    "@hc.example", &r), SMTP_RCPT_OK);
	/* Version 4 and the variant are required. */
	assert_int_equal(addr("5f1e2d3c-4b5a-1978-8796-a5b4c3d2e1f0"
	    "@hc.example", &r), SMTP_RCPT_BAD_MAILBOX);
	assert_int_equal(addr("5f1e2d3c-4b5a-4978-c796-a5b4c3d2e1f0"
	    "@hc.example", &r), SMTP_RCPT_BAD_MAILBOX);
	assert_int_equal(addr("5f1e2d3c-4b5a-4978-|796-a5b4c3d2e1f0"
	    "@hc.example", &r), SMTP_RCPT_BAD_MAILBOX);
	assert_int_equal(addr("5f1e2d3c4b5a49788796a5b4c3d2e1f0"
	    "@hc.example", &r), SMTP_RCPT_BAD_MAILBOX);

	assert_int_equal(addr(KEY "+backup-db_1@hc.example", &r),
	    SMTP_RCPT_OK);
	assert_int_equal(r.sr_by_slug, 1);
	assert_string_equal(r.sr_key, KEY);
	assert_string_equal(r.sr_slug, "backup-db_1");
	/* Slugs are lowercase; keys are 22 characters. */
	assert_int_equal(addr(KEY "+Backup@hc.example", &r),
	    SMTP_RCPT_BAD_MAILBOX);
	assert_int_equal(addr(KEY "+@hc.example", &r), SMTP_RCPT_BAD_MAILBOX);
	assert_int_equal(addr("abc+backup@hc.example", &r),
	    SMTP_RCPT_BAD_MAILBOX);
	assert_int_equal(addr(KEY "x+backup@hc.example", &r),
	    SMTP_RCPT_BAD_MAILBOX);
	assert_int_equal(addr(KEY "+back.up@hc.example", &r),
	    SMTP_RCPT_BAD_MAILBOX);
	assert_int_equal(addr("abcdefghijKLMNOPQR_-0!+x@hc.example", &r),
	    SMTP_RCPT_BAD_MAILBOX);
	assert_int_equal(addr("postmaster@hc.example", &r),
	    SMTP_RCPT_BAD_MAILBOX);

	/* The domain: exact, case and all; the last '@' splits. */
	assert_int_equal(addr(U4 "@HC.example", &r), SMTP_RCPT_BAD_DOMAIN);
	assert_int_equal(addr(U4 "@hc.example.org", &r),
	    SMTP_RCPT_BAD_DOMAIN);
	assert_int_equal(addr(U4 "@x.hc.example", &r), SMTP_RCPT_BAD_DOMAIN);
	assert_int_equal(addr(U4, &r), SMTP_RCPT_BAD_DOMAIN);
	assert_int_equal(addr("", &r), SMTP_RCPT_BAD_DOMAIN);
	assert_int_equal(addr("a@b@hc.example", &r), SMTP_RCPT_BAD_MAILBOX);
	assert_int_equal(addr("@hc.example", &r), SMTP_RCPT_BAD_MAILBOX);
}

static int
dline(const char *s, const char **o, size_t *n)
{
	return smtp_data_line(dup_n(s), strlen(s), o, n);
}

static void
test_data_line(void **state)
{
	const char	*o;
	size_t		 n;

	assert_int_equal(dline(".\r\n", &o, &n), 1);
	assert_int_equal(dline(".\n", &o, &n), 1);	/* bare LF */
	assert_int_equal(dline("hello\r\n", &o, &n), 0);
	assert_int_equal(n, 7);
	assert_memory_equal(o, "hello\r\n", 7);
	/* Dot-unstuffing. */
	assert_int_equal(dline("..\r\n", &o, &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(o, ".\r\n", 3);
	assert_int_equal(dline("..x\n", &o, &n), 0);
	assert_memory_equal(o, ".x\n", 3);
	assert_int_equal(dline(". \r\n", &o, &n), 0);
	assert_memory_equal(o, " \r\n", 3);
	assert_int_equal(dline(".\r\r\n", &o, &n), 0);
	assert_int_equal(dline("\r\n", &o, &n), 0);
	assert_int_equal(n, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verbs),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_rcpt_addr),
		cmocka_unit_test(test_data_line),
	};
	int rc;

	rc = cmocka_run_group_tests(tests, NULL, NULL);
	free(copy);
	return rc;
}
