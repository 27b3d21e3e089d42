/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The text an email's keyword filters look at (spec 2), extracted by
 * the smtpd (mail.c) and carried in the ping record, so that the
 * alerter's writer only matches keywords.  MIME is read with GMime.
 */
#ifndef HC_MAIL_H
#define HC_MAIL_H

#include <stddef.h>

struct buf;

/* mail.c */
/* Once per process, before mail_extract. */
void	 mail_init(void);
/*
 * From the raw message msg[0..len): into subject, its Subject header
 * with RFC 2047 encoded words decoded (any charset iconv knows); into
 * text, the text of the message's body as Healthchecks' get_body finds
 * it: the first text/plain part that is not an attachment, then "\n"
 * and the first text/html part reduced to text (mail_html_text), each
 * from any multipart nesting (multipart/related: its start part),
 * transfer encodings undone and converted to UTF-8.  Both are valid
 * UTF-8 and cut, at a character boundary, to subject_max and
 * text_max bytes.  Appends; never fails (a message GMime cannot read
 * gives what could be read, maybe nothing).
 */
void	 mail_extract(const void *msg, size_t len, struct buf *subject,
	    size_t subject_max, struct buf *text, size_t text_max);
/*
 * HTML to text as Healthchecks' html2text: tags, comments and the
 * content of script and style dropped, character references decoded,
 * runs of white space made one space, trimmed.  Appends to out.
 */
void	 mail_html_text(const char *html, size_t len, struct buf *out);
/* Cut what b holds past `from` to max bytes, not inside a character. */
void	 mail_utf8_cut(struct buf *b, size_t from, size_t max);

#endif
