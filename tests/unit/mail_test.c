/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Unit tests for smtpd/mail.c, the text that email keyword filters see:
 * Subjects with RFC 2047 encoded words (UTF-8 and ISO-8859-1, Q and B,
 * folded, several words), raw 8-bit Subjects; which part is the body
 * (first text/plain, first text/html, in alternative, mixed, nested and
 * related forms, attachments skipped), quoted-printable and base64,
 * charsets converted to UTF-8 (and unknown ones kept valid); html2text
 * (tags, comments, script and style, character references, white
 * space); the cuts at a character boundary; and input that is not MIME
 * at all.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hcd.h"
#include "../../smtpd/mail.h"

static struct buf subj, text;

static void
extract_max(const char *msg, size_t smax, size_t tmax)
{
	size_t	 n = strlen(msg);
	char	*copy = malloc(n ? n : 1);

	assert_non_null(copy);
	memcpy(copy, msg, n);
	buf_reset(&subj);
	buf_reset(&text);
	mail_extract(copy, n, &subj, smax, &text, tmax);
	free(copy);
}

static void
extract(const char *msg)
{
	extract_max(msg, 4096, 65536);
}

static const char *
str(struct buf *b)
{
	return b->b_len ? (const char *)b->b_data : "";
}

static void
test_subject(void **state)
{
	extract("Subject: Backup OK\r\n\r\nbody\r\n");
	assert_string_equal(str(&subj), "Backup OK");
	assert_string_equal(str(&text), "body\r\n");

	extract("Subject: =?UTF-8?Q?Sauvegarde_r=C3=A9ussie?=\r\n\r\nx\r\n");
	assert_string_equal(str(&subj), "Sauvegarde r\xc3\xa9" "ussie");

	extract("Subject: =?UTF-8?B?0KDQtdC30LXRgNCy0L3QsNGPINC60L7Qv9C40Y8g"
	    "0YPRgdC/0LXRiNC90LA=?=\r\n\r\n");
	assert_string_equal(str(&subj), "\xd0\xa0\xd0\xb5\xd0\xb7\xd0\xb5"
	    "\xd1\x80\xd0\xb2\xd0\xbd\xd0\xb0\xd1\x8f \xd0\xba\xd0\xbe\xd0\xbf"
	    "\xd0\xb8\xd1\x8f \xd1\x83\xd1\x81\xd0\xbf\xd0\xb5\xd1\x88\xd0\xbd"
	    "\xd0\xb0");

	/* ISO-8859-1, Q and B: "Sicherung fehlgeschlagen für Büro". */
	extract("Subject: =?ISO-8859-1?Q?Sicherung_fehlgeschlagen_f=FCr_B=FC"
	    "ro?=\r\n\r\n");
	assert_string_equal(str(&subj),
	    "Sicherung fehlgeschlagen f\xc3\xbc" "r B\xc3\xbc" "ro");
	extract("Subject: =?iso-8859-1?b?U2ljaGVydW5nIGb8cg==?=\r\n\r\n");
	assert_string_equal(str(&subj), "Sicherung f\xc3\xbc" "r");

	/* Folded, two words: the blanks between them go. */
	extract("Subject: =?UTF-8?Q?Job_?=\r\n =?UTF-8?Q?=C3=A9chou=C3=A9?= "
	    "now\r\n\r\n");
	assert_string_equal(str(&subj), "Job \xc3\xa9" "chou\xc3\xa9 now");
	extract("Subject: a long\r\n\tsubject\r\n\r\n");
	assert_string_equal(str(&subj), "a long\tsubject");

	/* Raw 8-bit: UTF-8 as is, else the fallback charset. */
	extract("Subject: r\xc3\xa9" "ussi\r\n\r\n");
	assert_string_equal(str(&subj), "r\xc3\xa9" "ussi");
	extract("Subject: r\xe9" "ussi\r\n\r\n");
	assert_string_equal(str(&subj), "r\xc3\xa9" "ussi");

	/* None. */
	extract("From: a@b\r\n\r\nhello\r\n");
	assert_int_equal(subj.b_len, 0);
	assert_string_equal(str(&text), "hello\r\n");
}

static const char alternative[] =
    "Subject: report\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/alternative; boundary=\"b1\"\r\n"
    "\r\n"
    "--b1\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "All jobs =C3=A9nded: SUCCESS=\r\n"
    "FUL\r\n"
    "--b1\r\n"
    "Content-Type: text/html; charset=iso-8859-1\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "PGh0bWw+PGJvZHk+PHA+UulzdWx0YXQgOiA8Yj5PSzwvYj48L3A+PC9ib2R5PjwvaHRtbD4=\r\n"
    "--b1--\r\n";

static void
test_alternative(void **state)
{
	/* The HTML is "<html><body><p>Résultat : <b>OK</b></p></body></html>". */
	extract(alternative);
	assert_string_equal(str(&subj), "report");
	/* The CRLF before a boundary is the boundary's. */
	assert_string_equal(str(&text), "All jobs \xc3\xa9" "nded: SUCCESSFUL"
	    "\nR\xc3\xa9sultat : OK");
}

static const char html_only[] =
    "Subject: =?UTF-8?Q?=E2=9C=94_nightly?=\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=outer\r\n"
    "\r\n"
    "preamble\r\n"
    "--outer\r\n"
    "Content-Type: multipart/alternative; boundary=inner\r\n"
    "\r\n"
    "--inner\r\n"
    "Content-Type: text/html; charset=windows-1252\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "<style>p { color: red }</style><p>Backup&nbsp;<i>FAILED</i> =96 disk=\r\n"
    " full</p><script>var x = \"<b>SUCCESS</b>\";</script>\r\n"
    "--inner--\r\n"
    "--outer\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Disposition: attachment; filename=log.txt\r\n"
    "\r\n"
    "SUCCESS in the attachment\r\n"
    "--outer--\r\n";

static void
test_html_only_nested(void **state)
{
	extract(html_only);
	assert_string_equal(str(&subj), "\xe2\x9c\x94 nightly");
	/* windows-1252 0x96 is an en dash; the attachment is not text. */
	assert_string_equal(str(&text), "Backup FAILED \xe2\x80\x93" " disk full");
}

static const char related[] =
    "Content-Type: multipart/related; boundary=r; start=\"<two@x>\"\r\n"
    "\r\n"
    "--r\r\n"
    "Content-Type: text/plain\r\n"
    "Content-ID: <one@x>\r\n"
    "\r\n"
    "not the start\r\n"
    "--r\r\n"
    "Content-Type: text/plain\r\n"
    "Content-ID: <two@x>\r\n"
    "\r\n"
    "the start part\r\n"
    "--r--\r\n";

static void
test_related_and_charsets(void **state)
{
	extract(related);
	assert_string_equal(str(&text), "the start part");

	/* base64 and ISO-8859-1 in a single part. */
	extract("Content-Type: text/plain; charset=ISO-8859-1\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n"
	    "ZmVobGdlc2NobGFnZW46IEL8cm8K\r\n");
	assert_string_equal(str(&text), "fehlgeschlagen: B\xc3\xbc" "ro\n");

	/* A charset iconv does not know: the bytes, made valid UTF-8. */
	extract("Content-Type: text/plain; charset=x-unknown-42\r\n\r\n"
	    "ok \xff" " done\r\n");
	assert_string_equal(str(&text), "ok \xef\xbf\xbd" " done\r\n");

	/* Not text at all: nothing. */
	extract("Content-Type: application/octet-stream\r\n\r\nSUCCESS\r\n");
	assert_int_equal(text.b_len, 0);

	/* A message with only an attachment. */
	extract("Content-Type: text/plain\r\nContent-Disposition: attachment"
	    "\r\n\r\nSUCCESS\r\n");
	assert_int_equal(text.b_len, 0);
}

static void
html(const char *in, const char *want)
{
	struct buf out;

	buf_init(&out);
	mail_html_text(in, strlen(in), &out);
	assert_string_equal(out.b_len ? (const char *)out.b_data : "", want);
	buf_clear(&out);
}

static void
test_html_text(void **state)
{
	html("<p>Hello <b>World</b></p>", "Hello World");
	html("a<br>b", "ab");			/* tags add no space */
	html("  lots \r\n\t of   space  ", "lots of space");
	html("x <!-- SUCCESS --> y", "x y");
	html("<!DOCTYPE html><?xml x?>z", "z");
	html("<SCRIPT type=x>if (a < b) SUCCESS()</SCRIPT>after", "after");
	html("<style>.a{}</style  >x", "x");
	html("<a href=\"x>y\">link</a>", "link");
	html("&amp; &lt;&gt; &quot;&apos; &eacute;&#233;&#xE9; &euro;",
	    "& <> \"' \xc3\xa9\xc3\xa9\xc3\xa9 \xe2\x82\xac");
	html("a&nbsp;b", "a b");
	html("&unknown; &amp &#; &#x;", "&unknown; &amp &#; &#x;");
	html("&#0; &#xD800; &#x110000;",
	    "\xef\xbf\xbd \xef\xbf\xbd \xef\xbf\xbd");
	html("a < b and c<3", "a < b and c<3");
	html("unterminated <b", "unterminated");
	html("<!-- never closed", "");
	html("", "");
}

static void
test_cuts(void **state)
{
	/* "é" is two bytes: a cut never splits it. */
	extract_max("Subject: ab\xc3\xa9" "z\r\n\r\n\xc3\xa9\xc3\xa9\r\n", 3, 3);
	assert_string_equal(str(&subj), "ab");
	assert_string_equal(str(&text), "\xc3\xa9");
	extract_max("Subject: abc\r\n\r\nabcdef\r\n", 3, 4);
	assert_string_equal(str(&subj), "abc");
	assert_string_equal(str(&text), "abcd");
}

static void
test_not_mime(void **state)
{
	static const char *junk[] = {
		"",
		"\r\n",
		"no headers at all",
		"Subject",
		"Content-Type: multipart/mixed; boundary=\r\n\r\n--\r\n--\r\n",
		"Content-Type: multipart/mixed\r\n\r\nno boundary\r\n",
		"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64"
		    "\r\n\r\n!!!!====\r\n",
		"Subject: =?UTF-8?B?broken?=\r\n\r\n",
		"Subject: =?nope?Q?x?=\r\n\r\n",
	};
	size_t i;

	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		extract(junk[i]);
	/* With a NUL: the text stays valid (no NUL inside). */
	{
		char m[] = "Subject: a\r\n\r\nx\0y\r\n";

		buf_reset(&subj);
		buf_reset(&text);
		mail_extract(m, sizeof(m) - 1, &subj, 100, &text, 100);
		assert_int_equal(text.b_len, 7);
		assert_memory_equal(text.b_data, "x\xef\xbf\xbd" "y", 5);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subject),
		cmocka_unit_test(test_alternative),
		cmocka_unit_test(test_html_only_nested),
		cmocka_unit_test(test_related_and_charsets),
		cmocka_unit_test(test_html_text),
		cmocka_unit_test(test_cuts),
		cmocka_unit_test(test_not_mime),
	};
	int rc;

	mail_init();
	buf_init(&subj);
	buf_init(&text);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	buf_clear(&subj);
	buf_clear(&text);
	return rc;
}
