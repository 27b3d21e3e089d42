/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * MIME text extraction for the smtpd (see mail.h): the decoded Subject
 * and the text of the body parts, which the alerter's writer matches
 * against a check's keywords (spec 2).
 *
 * GMime reads the message: header decoding (RFC 2047, with charsets by
 * iconv and fallbacks for raw 8-bit headers), multipart structure,
 * quoted-printable and base64, charset conversion.  Those are where a
 * MIME reader of our own would be wrong on real mail; GMime is a
 * maintained library (Debian's libgmime-3.0), fuzzed upstream and here
 * (tests/fuzz/mail_fuzz.c).  What Healthchecks does on top of Python's
 * email package, which part is "the body" and html2text, is done here
 * after its code (hc/api/management/commands/smtpd.py, hc/lib/html.py).
 *
 * Only the smtpd runs this, unprivileged and without a database
 * connection: untrusted MIME is never parsed by the alerter.
 */
#include <string.h>

#include <gmime/gmime.h>

#include "hcd.h"
#include "log.h"
#include "mail.h"

#define MAX_DEPTH	32	/* multipart nesting we look into */

static void
glib_log(const gchar *domain, GLogLevelFlags level, const gchar *msg,
    gpointer arg)
{
	log_debug("%s: %s", domain ? domain : "glib", msg);
}

void
mail_init(void)
{
	g_log_set_default_handler(glib_log, NULL);
	g_mime_init();
}

void
mail_utf8_cut(struct buf *b, size_t from, size_t max)
{
	size_t n;

	if (b->b_len <= from || b->b_len - from <= max)
		return;
	n = from + max;
	/* Back off continuation bytes to the start of their character. */
	while (n > from && (b->b_data[n] & 0xc0) == 0x80)
		n--;
	b->b_len = n;
	b->b_data[n] = '\0';
}

/* --- html2text ----------------------------------------------------------- */

static const struct {
	const char	*e_name;
	uint32_t	 e_cp;
} entities[] = {
	/* Sorted by name (bsearch); HTML's most used, Latin-1 in full. */
	{ "AElig", 198 }, { "Aacute", 193 }, { "Acirc", 194 },
	{ "Agrave", 192 }, { "Aring", 197 }, { "Atilde", 195 },
	{ "Auml", 196 }, { "Ccedil", 199 }, { "Dagger", 8225 },
	{ "ETH", 208 }, { "Eacute", 201 }, { "Ecirc", 202 },
	{ "Egrave", 200 }, { "Euml", 203 }, { "Iacute", 205 },
	{ "Icirc", 206 }, { "Igrave", 204 }, { "Iuml", 207 },
	{ "Ntilde", 209 }, { "OElig", 338 }, { "Oacute", 211 },
	{ "Ocirc", 212 }, { "Ograve", 210 }, { "Oslash", 216 },
	{ "Otilde", 213 }, { "Ouml", 214 }, { "Scaron", 352 },
	{ "THORN", 222 }, { "Uacute", 218 }, { "Ucirc", 219 },
	{ "Ugrave", 217 }, { "Uuml", 220 }, { "Yacute", 221 },
	{ "Yuml", 376 }, { "aacute", 225 }, { "acirc", 226 },
	{ "acute", 180 }, { "aelig", 230 }, { "agrave", 224 },
	{ "amp", 38 }, { "apos", 39 }, { "aring", 229 }, { "atilde", 227 },
	{ "auml", 228 }, { "bdquo", 8222 }, { "brvbar", 166 },
	{ "bull", 8226 }, { "ccedil", 231 }, { "cedil", 184 },
	{ "cent", 162 }, { "circ", 710 }, { "copy", 169 }, { "curren", 164 },
	{ "dagger", 8224 }, { "deg", 176 }, { "divide", 247 },
	{ "eacute", 233 }, { "ecirc", 234 }, { "egrave", 232 },
	{ "emsp", 8195 }, { "ensp", 8194 }, { "eth", 240 }, { "euml", 235 },
	{ "euro", 8364 }, { "frac12", 189 }, { "frac14", 188 },
	{ "frac34", 190 }, { "gt", 62 }, { "hellip", 8230 },
	{ "iacute", 237 }, { "icirc", 238 }, { "iexcl", 161 },
	{ "igrave", 236 }, { "iquest", 191 }, { "iuml", 239 },
	{ "laquo", 171 }, { "ldquo", 8220 }, { "lrm", 8206 },
	{ "lsaquo", 8249 }, { "lsquo", 8216 }, { "lt", 60 }, { "macr", 175 },
	{ "mdash", 8212 }, { "micro", 181 }, { "middot", 183 },
	{ "nbsp", 160 }, { "ndash", 8211 }, { "not", 172 },
	{ "ntilde", 241 }, { "oacute", 243 }, { "ocirc", 244 },
	{ "oelig", 339 }, { "ograve", 242 }, { "ordf", 170 }, { "ordm", 186 },
	{ "oslash", 248 }, { "otilde", 245 }, { "ouml", 246 }, { "para", 182 },
	{ "permil", 8240 }, { "plusmn", 177 }, { "pound", 163 },
	{ "quot", 34 }, { "raquo", 187 }, { "rdquo", 8221 }, { "reg", 174 },
	{ "rlm", 8207 }, { "rsaquo", 8250 }, { "rsquo", 8217 },
	{ "sbquo", 8218 }, { "scaron", 353 }, { "sect", 167 }, { "shy", 173 },
	{ "sup1", 185 }, { "sup2", 178 }, { "sup3", 179 }, { "szlig", 223 },
	{ "thinsp", 8201 }, { "thorn", 254 }, { "tilde", 732 },
	{ "times", 215 }, { "trade", 8482 }, { "uacute", 250 },
	{ "ucirc", 251 }, { "ugrave", 249 }, { "uml", 168 }, { "uuml", 252 },
	{ "yacute", 253 }, { "yen", 165 }, { "yuml", 255 }, { "zwj", 8205 },
	{ "zwnj", 8204 },
};

static void
add_utf8(struct buf *b, uint32_t cp)
{
	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;
	if (cp < 0x80)
		buf_addc(b, (int)cp);
	else if (cp < 0x800) {
		buf_addc(b, (int)(0xc0 | (cp >> 6)));
		buf_addc(b, (int)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		buf_addc(b, (int)(0xe0 | (cp >> 12)));
		buf_addc(b, (int)(0x80 | ((cp >> 6) & 0x3f)));
		buf_addc(b, (int)(0x80 | (cp & 0x3f)));
	} else {
		buf_addc(b, (int)(0xf0 | (cp >> 18)));
		buf_addc(b, (int)(0x80 | ((cp >> 12) & 0x3f)));
		buf_addc(b, (int)(0x80 | ((cp >> 6) & 0x3f)));
		buf_addc(b, (int)(0x80 | (cp & 0x3f)));
	}
}

/*
 * A character reference at s[0] == '&': its code point into *cp and
 * its length; 0 if it is not one (the '&' is then text).
 */
static size_t
charref(const char *s, size_t n, uint32_t *cp)
{
	size_t		i, lo, hi;
	uint32_t	v = 0;
	int		d, hex;

	if (n >= 3 && s[1] == '#') {
		hex = s[2] == 'x' || s[2] == 'X';
		for (i = hex ? 3 : 2; i < n && i < 12; i++) {
			d = hex ? hc_hexval((unsigned char)s[i]) :
			    (s[i] >= '0' && s[i] <= '9' ? s[i] - '0' : -1);
			if (d == -1)
				break;
			v = v * (hex ? 16 : 10) + (uint32_t)d;
		}
		if (i == (hex ? 3u : 2u))
			return 0;
		*cp = v;
		return i < n && s[i] == ';' ? i + 1 : i;
	}
	for (i = 1; i < n && i < 10 && ((s[i] >= 'a' && s[i] <= 'z') ||
	    (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')); i++)
		;
	if (i >= n || s[i] != ';' || i == 1)
		return 0;
	lo = 0;
	hi = sizeof(entities) / sizeof(entities[0]);
	while (lo < hi) {
		size_t	mid = (lo + hi) / 2;
		int	c = strncmp(s + 1, entities[mid].e_name, i - 1);

		if (c == 0 && entities[mid].e_name[i - 1] != '\0')
			c = -1;
		if (c == 0) {
			*cp = entities[mid].e_cp;
			return i + 1;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}

/* Length of the white-space character at s (Python's str.split), or 0. */
static size_t
space_len(const unsigned char *s, size_t n)
{
	if (*s == ' ' || (*s >= '\t' && *s <= '\r') ||
	    (*s >= 0x1c && *s <= 0x1f))
		return 1;
	if (n >= 2 && s[0] == 0xc2 && (s[1] == 0xa0 || s[1] == 0x85))
		return 2;
	if (n >= 3 && s[0] == 0xe2 && s[1] == 0x80 &&
	    ((s[2] >= 0x80 && s[2] <= 0x8a) || s[2] == 0xa8 || s[2] == 0xa9 ||
	    s[2] == 0xaf))
		return 3;
	if (n >= 3 && ((s[0] == 0xe2 && s[1] == 0x81 && s[2] == 0x9f) ||
	    (s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80)))
		return 3;
	return 0;
}

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Past the '>' that ends a tag from s[i], quotes respected; n if none. */
static size_t
tag_end(const char *s, size_t n, size_t i)
{
	char q = 0;

	for (; i < n; i++) {
		if (q) {
			if (s[i] == q)
				q = 0;
		} else if (s[i] == '"' || s[i] == '\'')
			q = s[i];
		else if (s[i] == '>')
			return i + 1;
	}
	return n;
}

/* s[i] starts "</name" (any case) followed by a blank, '/' or '>'. */
static int
at_end_tag(const char *s, size_t n, size_t i, const char *name)
{
	size_t k = strlen(name);

	return i + 2 + k <= n && s[i] == '<' && s[i + 1] == '/' &&
	    strncasecmp(s + i + 2, name, k) == 0 && (i + 2 + k == n ||
	    strchr(" \t\r\n\f/>", s[i + 2 + k]) != NULL);
}

void
mail_html_text(const char *s, size_t n, struct buf *out)
{
	struct buf	 messy;
	const char	*skip_to;
	size_t		 i = 0, j, k, w, start = out->b_len;
	uint32_t	 cp;
	int		 sp = 0;

	buf_init(&messy);
	while (i < n) {
		if (s[i] == '&' && (k = charref(s + i, n - i, &cp)) > 0) {
			add_utf8(&messy, cp);
			i += k;
			continue;
		}
		if (s[i] != '<' || i + 1 >= n) {
			buf_addc(&messy, (unsigned char)s[i++]);
			continue;
		}
		if (i + 4 <= n && memcmp(s + i, "<!--", 4) == 0) {
			const char *e = memmem(s + i + 4, n - i - 4, "-->", 3);

			i = e ? (size_t)(e - s) + 3 : n;
		} else if (s[i + 1] == '!' || s[i + 1] == '?' ||
		    (s[i + 1] == '/' && i + 2 < n && is_alpha(s[i + 2])))
			i = tag_end(s, n, i + 2);
		else if (is_alpha(s[i + 1])) {
			for (j = i + 1; j < n && (is_alpha(s[j]) ||
			    (s[j] >= '0' && s[j] <= '9')); j++)
				;
			skip_to = NULL;
			if (j - i - 1 == 6 && strncasecmp(s + i + 1, "script",
			    6) == 0)
				skip_to = "script";
			else if (j - i - 1 == 5 && strncasecmp(s + i + 1,
			    "style", 5) == 0)
				skip_to = "style";
			i = tag_end(s, n, j);
			/* Their content is not text, nor parsed as HTML. */
			if (skip_to != NULL) {
				while (i < n && !at_end_tag(s, n, i, skip_to))
					i++;
			}
		} else
			buf_addc(&messy, (unsigned char)s[i++]);
	}
	/* " ".join(messy.split()) */
	for (i = 0; i < messy.b_len; ) {
		if ((w = space_len(messy.b_data + i, messy.b_len - i)) > 0) {
			sp = 1;
			i += w;
			continue;
		}
		if (sp && out->b_len > start)
			buf_addc(out, ' ');
		sp = 0;
		buf_addc(out, messy.b_data[i++]);
	}
	buf_clear(&messy);
}

/* --- MIME ---------------------------------------------------------------- */

/*
 * Python's EmailMessage._find_body for one subtype: the part itself if
 * it is text/<subtype>, the first match in a multipart's parts
 * (multipart/related: only in its start part), never an attachment.
 */
static GMimeObject *
find_body(GMimeObject *o, const char *subtype, int depth)
{
	GMimeContentDisposition	*disp;
	GMimeContentType	*ct;
	GMimeMultipart		*mp;
	GMimeObject		*r, *cand;
	const char		*start, *cid;
	int			 i, n;

	if (o == NULL || depth > MAX_DEPTH)
		return NULL;
	if ((disp = g_mime_object_get_content_disposition(o)) != NULL &&
	    g_mime_content_disposition_is_attachment(disp))
		return NULL;
	if ((ct = g_mime_object_get_content_type(o)) == NULL)
		return NULL;
	if (g_mime_content_type_is_type(ct, "text", "*"))
		return g_mime_content_type_is_type(ct, "text", subtype) ?
		    o : NULL;
	if (!GMIME_IS_MULTIPART(o))
		return NULL;
	mp = GMIME_MULTIPART(o);
	n = g_mime_multipart_get_count(mp);
	if (!g_mime_content_type_is_type(ct, "multipart", "related")) {
		for (i = 0; i < n; i++)
			if ((r = find_body(g_mime_multipart_get_part(mp, i),
			    subtype, depth + 1)) != NULL)
				return r;
		return NULL;
	}
	cand = NULL;
	if ((start = g_mime_content_type_get_parameter(ct, "start")) != NULL) {
		size_t sl;

		if (*start == '<')
			start++;
		sl = strlen(start);
		if (sl > 0 && start[sl - 1] == '>')
			sl--;
		for (i = 0; i < n && cand == NULL; i++) {
			GMimeObject *p = g_mime_multipart_get_part(mp, i);

			if ((cid = g_mime_object_get_content_id(p)) != NULL &&
			    strlen(cid) == sl && strncmp(cid, start, sl) == 0)
				cand = p;
		}
	}
	if (cand == NULL && n > 0)
		cand = g_mime_multipart_get_part(mp, 0);
	return find_body(cand, subtype, depth + 1);
}

/* A text part's content, transfer encoding undone, as UTF-8. */
static void
part_text(GMimeObject *o, struct buf *out)
{
	GMimeDataWrapper	*content;
	GMimeStream		*mem, *filtered;
	GMimeFilter		*f;
	GByteArray		*ba;
	const char		*cs;

	if (!GMIME_IS_PART(o) ||
	    (content = g_mime_part_get_content(GMIME_PART(o))) == NULL)
		return;
	mem = g_mime_stream_mem_new();
	filtered = g_mime_stream_filter_new(mem);
	cs = g_mime_object_get_content_type_parameter(o, "charset");
	if (cs != NULL && g_ascii_strcasecmp(cs, "utf-8") != 0 &&
	    g_ascii_strcasecmp(cs, "us-ascii") != 0 &&
	    (f = g_mime_filter_charset_new(cs, "UTF-8")) != NULL) {
		g_mime_stream_filter_add(GMIME_STREAM_FILTER(filtered), f);
		g_object_unref(f);
	}
	/* Unknown charsets: the bytes as they are, made valid UTF-8. */
	(void)g_mime_data_wrapper_write_to_stream(content, filtered);
	(void)g_mime_stream_flush(filtered);
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	if (ba != NULL && ba->len > 0)
		utf8_sanitize(out, ba->data, ba->len, (size_t)-1);
	g_object_unref(filtered);
	g_object_unref(mem);
}

void
mail_extract(const void *msg, size_t len, struct buf *subject,
    size_t subject_max, struct buf *text, size_t text_max)
{
	static const char	*fallback[] = { "UTF-8", "ISO-8859-1", NULL };
	GMimeParserOptions	*opts;
	GMimeStream		*stream;
	GMimeParser		*parser;
	GMimeMessage		*m;
	GMimeObject		*body, *plain, *html;
	struct buf		 tmp;
	const char		*subj;
	size_t			 start = text->b_len, sstart = subject->b_len;

	stream = g_mime_stream_mem_new_with_buffer(msg, len);
	parser = g_mime_parser_new_with_stream(stream);
	g_object_unref(stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	opts = g_mime_parser_options_new();
	g_mime_parser_options_set_rfc2047_compliance_mode(opts,
	    GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_fallback_charsets(opts, fallback);
	m = g_mime_parser_construct_message(parser, opts);
	g_object_unref(parser);
	if (m == NULL) {
		g_mime_parser_options_free(opts);
		return;
	}
	if ((subj = g_mime_message_get_subject(m)) != NULL)
		utf8_sanitize(subject, subj, strlen(subj), (size_t)-1);
	body = g_mime_message_get_mime_part(m);
	plain = find_body(body, "plain", 0);
	html = find_body(body, "html", 0);
	if (plain != NULL)
		part_text(plain, text);
	if (html != NULL) {
		buf_init(&tmp);
		part_text(html, &tmp);
		if (plain != NULL)
			buf_addc(text, '\n');
		mail_html_text((const char *)tmp.b_data, tmp.b_len, text);
		buf_clear(&tmp);
	}
	g_object_unref(m);
	g_mime_parser_options_free(opts);
	/* The cuts are of what this call appended. */
	mail_utf8_cut(subject, sstart, subject_max);
	mail_utf8_cut(text, start, text_max);
}
