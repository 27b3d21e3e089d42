/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Parsers of what an SMTP client sends (see smtp_parse.h), run by the
 * smtpd on every command and DATA line.  Lenient where RFC 5321's
 * clients commonly are (a blank after "FROM:", a path without angle
 * brackets, a source route), strict where a mistake would record a
 * ping for the wrong check (spec 2's recipient patterns).
 */
#include <ctype.h>
#include <string.h>

#include "hcd.h"
#include "smtp_parse.h"
#include "uuid.h"

static const struct {
	const char	*v_name;
	enum smtp_verb	 v_verb;
} verbs[] = {
	{ "HELO", SMTP_HELO }, { "EHLO", SMTP_EHLO }, { "MAIL", SMTP_MAIL },
	{ "RCPT", SMTP_RCPT }, { "DATA", SMTP_DATA }, { "RSET", SMTP_RSET },
	{ "NOOP", SMTP_NOOP }, { "QUIT", SMTP_QUIT }, { "HELP", SMTP_HELP },
	{ "VRFY", SMTP_VRFY }, { "EXPN", SMTP_EXPN },
	{ "STARTTLS", SMTP_STARTTLS },
};

static int
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

int
smtp_parse_cmd(const char *line, size_t len, struct smtp_cmd *c,
    const char **errstr)
{
	size_t	i, vlen;

	memset(c, 0, sizeof(*c));
	*errstr = NULL;
	if (len == 0 || memchr(line, '\0', len) != NULL) {
		*errstr = "500 5.5.2 Error: bad syntax";
		return -1;
	}
	/* A line from a client that ends lines with CR CR LF. */
	while (len > 0 && (line[len - 1] == '\r' || is_blank(line[len - 1])))
		len--;
	for (vlen = 0; vlen < len && !is_blank(line[vlen]); vlen++)
		;
	c->sc_verb = SMTP_UNKNOWN;
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strlen(verbs[i].v_name) == vlen &&
		    strncasecmp(line, verbs[i].v_name, vlen) == 0) {
			c->sc_verb = verbs[i].v_verb;
			break;
		}
	i = vlen;
	while (i < len && is_blank(line[i]))
		i++;
	c->sc_arg = line + i;
	c->sc_arglen = len - i;
	return 0;
}

/*
 * "<path>" or a bare path, after `prefix` ("FROM:" or "TO:") and
 * optional blanks; *end is where the parameters start.  0, or -1.
 */
static int
parse_path(const char *p, size_t n, const char *prefix, struct smtp_path *sp,
    size_t *end, const char **errstr, const char *syntax)
{
	size_t		 plen = strlen(prefix), i, start, alen;
	const char	*a;
	int		 inq = 0;

	*errstr = syntax;
	if (n < plen || strncasecmp(p, prefix, plen) != 0)
		return -1;
	i = plen;
	while (i < n && is_blank(p[i]))
		i++;
	if (i < n && p[i] == '<') {
		start = ++i;
		for (; i < n; i++) {
			if (p[i] == '"')
				inq = !inq;
			else if (p[i] == '\\' && inq && i + 1 < n)
				i++;
			else if (p[i] == '>' && !inq)
				break;
		}
		if (i == n)
			return -1;
		alen = i - start;
		i++;
		if (i < n && !is_blank(p[i]))
			return -1;
	} else {
		start = i;
		while (i < n && !is_blank(p[i]))
			i++;
		alen = i - start;
		if (alen == 0)
			return -1;
	}
	a = p + start;
	/* A source route, "@a,@b:user@host": only user@host counts. */
	if (alen > 0 && a[0] == '@') {
		const char *colon = memchr(a, ':', alen);

		if (colon == NULL)
			return -1;
		alen -= (size_t)(colon + 1 - a);
		a = colon + 1;
	}
	for (size_t k = 0; k < alen; k++)
		if ((unsigned char)a[k] < 0x20 || a[k] == 0x7f)
			return -1;
	if (alen + 2 > SMTP_PATH_MAX) {
		*errstr = "501 5.1.3 Path too long";
		return -1;
	}
	memcpy(sp->sp_addr, a, alen);
	sp->sp_addr[alen] = '\0';
	sp->sp_len = alen;
	*end = i;
	*errstr = NULL;
	return 0;
}

/* The next "KEY[=VALUE]" from *i on; 0 at the end of the line. */
static int
next_param(const char *p, size_t n, size_t *i, const char **k, size_t *klen,
    const char **v, size_t *vlen)
{
	size_t s;

	while (*i < n && is_blank(p[*i]))
		(*i)++;
	if (*i == n)
		return 0;
	s = *i;
	while (*i < n && !is_blank(p[*i]))
		(*i)++;
	*k = p + s;
	*klen = *i - s;
	*v = memchr(*k, '=', *klen);
	if (*v != NULL) {
		*vlen = (size_t)(*k + *klen - (*v + 1));
		*klen = (size_t)(*v - *k);
		(*v)++;
	} else
		*vlen = 0;
	return 1;
}

static int
word_is(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp(s, w, n) == 0;
}

int
smtp_parse_mail(const char *arg, size_t len, struct smtp_path *sp,
    const char **errstr)
{
	const char	*k, *v;
	size_t		 i, klen, vlen, d;

	memset(sp, 0, sizeof(*sp));
	if (parse_path(arg, len, "FROM:", sp, &i, errstr,
	    "501 5.5.4 Syntax: MAIL FROM:<address>") == -1)
		return 501;
	while (next_param(arg, len, &i, &k, &klen, &v, &vlen)) {
		if (word_is(k, klen, "SIZE")) {
			if (v == NULL || vlen == 0 || vlen > 19)
				goto bad_size;
			sp->sp_size = 0;
			for (d = 0; d < vlen; d++) {
				if (!isdigit((unsigned char)v[d]))
					goto bad_size;
				sp->sp_size = sp->sp_size * 10 +
				    (uint64_t)(v[d] - '0');
			}
		} else if (word_is(k, klen, "BODY")) {
			if (v == NULL)
				goto bad_body;
			if (word_is(v, vlen, "8BITMIME"))
				sp->sp_8bit = 1;
			else if (!word_is(v, vlen, "7BIT"))
				goto bad_body;
		} else if (word_is(k, klen, "SMTPUTF8") && v == NULL)
			sp->sp_smtputf8 = 1;
		else {
			*errstr = "555 5.5.4 Unsupported parameter";
			return 555;
		}
	}
	*errstr = NULL;
	return 0;
bad_size:
	*errstr = "501 5.5.4 Syntax error in SIZE parameter";
	return 501;
bad_body:
	*errstr = "501 5.5.4 Syntax error in BODY parameter";
	return 501;
}

int
smtp_parse_rcpt(const char *arg, size_t len, struct smtp_path *sp,
    const char **errstr)
{
	const char	*k, *v;
	size_t		 i, klen, vlen;

	memset(sp, 0, sizeof(*sp));
	if (parse_path(arg, len, "TO:", sp, &i, errstr,
	    "501 5.5.4 Syntax: RCPT TO:<address>") == -1)
		return 501;
	if (next_param(arg, len, &i, &k, &klen, &v, &vlen)) {
		*errstr = "555 5.5.4 Unsupported parameter";
		return 555;
	}
	*errstr = NULL;
	return 0;
}

/* ^[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-4[a-fA-F0-9]{3}-[89abAB][a-fA-F0-9]{3}-[a-fA-F0-9]{12}$ */
static int
is_uuid4(const char *s, size_t n)
{
	size_t i;

	if (n != 36)
		return 0;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (hc_hexval((unsigned char)s[i]) == -1)
			return 0;
	}
	return s[14] == '4' && memchr("89abAB", s[19], 6) != NULL;
}

static int
is_key_char(int c)
{
	return isascii(c) && (isalnum(c) || c == '_' || c == '-');
}

int
smtp_parse_rcpt_addr(const char *addr, size_t len, const char *domain,
    struct smtp_rcpt *r)
{
	const char	*at = NULL, *p;
	size_t		 llen, i;

	memset(r, 0, sizeof(*r));
	for (p = addr; p < addr + len; p++)
		if (*p == '@')
			at = p;
	if (at == NULL || (size_t)(addr + len - (at + 1)) != strlen(domain) ||
	    memcmp(at + 1, domain, strlen(domain)) != 0)
		return SMTP_RCPT_BAD_DOMAIN;
	if (len > SMTP_PATH_MAX)
		return SMTP_RCPT_BAD_MAILBOX;
	memcpy(r->sr_addr, addr, len);
	r->sr_addr[len] = '\0';
	llen = (size_t)(at - addr);
	if (is_uuid4(addr, llen) && uuid_parse_ci(addr, llen, r->sr_code) == 0)
		return SMTP_RCPT_OK;
	/* ^[a-zA-Z0-9_-]{22}\+[a-z0-9-_]+$ */
	if (llen < SMTP_KEY_LEN + 2 || addr[SMTP_KEY_LEN] != '+')
		return SMTP_RCPT_BAD_MAILBOX;
	for (i = 0; i < SMTP_KEY_LEN; i++)
		if (!is_key_char((unsigned char)addr[i]))
			return SMTP_RCPT_BAD_MAILBOX;
	for (i = SMTP_KEY_LEN + 1; i < llen; i++)
		if (!is_key_char((unsigned char)addr[i]) ||
		    isupper((unsigned char)addr[i]))
			return SMTP_RCPT_BAD_MAILBOX;
	r->sr_by_slug = 1;
	memcpy(r->sr_key, addr, SMTP_KEY_LEN);
	r->sr_key[SMTP_KEY_LEN] = '\0';
	memcpy(r->sr_slug, addr + SMTP_KEY_LEN + 1, llen - SMTP_KEY_LEN - 1);
	r->sr_slug[llen - SMTP_KEY_LEN - 1] = '\0';
	return SMTP_RCPT_OK;
}

int
smtp_data_line(const char *line, size_t len, const char **out,
    size_t *outlen)
{
	if (len > 0 && line[0] == '.') {
		if ((len == 2 && line[1] == '\n') ||
		    (len == 3 && line[1] == '\r' && line[2] == '\n'))
			return 1;
		line++;
		len--;
	}
	*out = line;
	*outlen = len;
	return 0;
}
