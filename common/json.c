/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * JSON in and out, used by the workers (management API request bodies
 * and responses, JSON badges); the notifications to come (webhook
 * payloads in alerter/notify/) are meant to use it too.  Input is first
 * checked against the full RFC 8259 grammar here (jsmn, even in strict
 * mode, accepts misplaced commas and colons and does not look inside
 * strings), counted, and only then handed to jsmn to tokenize into an
 * array sized exactly.  Strings are checked once at parse time (escapes,
 * surrogate pairs, UTF-8) so the getters cannot fail on them later.
 * The writer reproduces Python's json.dumps() defaults as Django's
 * JsonResponse emits them.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hcd.h"
#include "log.h"
#include "json.h"

/*
 * jsmn is compiled into this file only, with internal linkage.  Without
 * parent links it rescans the token array backwards at every closing
 * bracket, which is quadratic: [[],[],...] of 150 kB took a second.
 */
#define JSMN_STRICT
#define JSMN_STATIC
#define JSMN_PARENT_LINKS
#include <jsmn.h>

struct json_doc {
	char		*text;	/* copy of the input plus " \0" */
	size_t		 len;
	jsmntok_t	*tok;
	int		*skip;	/* index of the token after each subtree */
	int		 ntok;
};

/* State of the grammar check. */
struct json_chk {
	const uint8_t	*s;
	size_t		 len;
	size_t		 pos;
	int		 ntok;
	const char	*err;
};

static int	chk_value(struct json_chk *, int);
static int	utf8_dec(const uint8_t *, size_t, uint32_t *);
static int	str_decode(const uint8_t *, size_t, char *, size_t *,
		    const char **);

/*
 * Decode one UTF-8 sequence.  Returns its length (1-4) and the code point,
 * or, for an ill-formed sequence, minus the length of its maximal valid
 * prefix (at least one byte), which is what one U+FFFD replaces.
 */
static int
utf8_dec(const uint8_t *p, size_t n, uint32_t *cp)
{
	uint32_t	 c;
	uint8_t		 b0 = p[0], lo = 0x80, hi = 0xbf;
	int		 need, k;

	if (b0 < 0x80) {
		*cp = b0;
		return 1;
	}
	if (b0 >= 0xc2 && b0 <= 0xdf) {
		need = 1;
		c = b0 & 0x1f;
	} else if (b0 >= 0xe0 && b0 <= 0xef) {
		need = 2;
		c = b0 & 0x0f;
		if (b0 == 0xe0)
			lo = 0xa0;
		else if (b0 == 0xed)
			hi = 0x9f;	/* no encoded surrogates */
	} else if (b0 >= 0xf0 && b0 <= 0xf4) {
		need = 3;
		c = b0 & 0x07;
		if (b0 == 0xf0)
			lo = 0x90;
		else if (b0 == 0xf4)
			hi = 0x8f;	/* nothing above U+10FFFF */
	} else {
		*cp = 0xfffd;
		return -1;
	}
	for (k = 1; k <= need; k++) {
		if ((size_t)k >= n || p[k] < lo || p[k] > hi) {
			*cp = 0xfffd;
			return -k;
		}
		c = (c << 6) | (p[k] & 0x3f);
		lo = 0x80;
		hi = 0xbf;
	}
	*cp = c;
	return need + 1;
}

/* Four hex digits at p (n bytes available), or -1. */
static long
hex4(const uint8_t *p, size_t n)
{
	long	v = 0;
	int	i, h;

	if (n < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		if ((h = hc_hexval(p[i])) == -1)
			return -1;
		v = (v << 4) | h;
	}
	return v;
}

static size_t
utf8_enc(char *out, uint32_t c)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | (c >> 12));
		out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (c >> 18));
	out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/*
 * Decode the inside of a JSON string (between the quotes).  With out NULL
 * only validates.  The decoded form is never longer than the input, so
 * out needs n + 1 bytes; it is NUL-terminated.
 */
static int
str_decode(const uint8_t *in, size_t n, char *out, size_t *outlen,
    const char **errstr)
{
	char		 tmp[4];
	size_t		 i = 0, o = 0, k;
	uint32_t	 cp;
	long		 hi, lo;
	int		 r;

	while (i < n) {
		if (in[i] == '\\') {
			if (i + 1 >= n)
				goto bad_escape;
			switch (in[i + 1]) {
			case '"':
				cp = '"';
				break;
			case '\\':
				cp = '\\';
				break;
			case '/':
				cp = '/';
				break;
			case 'b':
				cp = '\b';
				break;
			case 'f':
				cp = '\f';
				break;
			case 'n':
				cp = '\n';
				break;
			case 'r':
				cp = '\r';
				break;
			case 't':
				cp = '\t';
				break;
			case 'u':
				if ((hi = hex4(in + i + 2, n - i - 2)) == -1)
					goto bad_escape;
				if (hi >= 0xdc00 && hi <= 0xdfff)
					goto bad_surrogate;
				if (hi >= 0xd800 && hi <= 0xdbff) {
					if (i + 8 > n || in[i + 6] != '\\' ||
					    in[i + 7] != 'u')
						goto bad_surrogate;
					lo = hex4(in + i + 8, n - i - 8);
					if (lo < 0xdc00 || lo > 0xdfff)
						goto bad_surrogate;
					cp = 0x10000 + (((uint32_t)hi - 0xd800)
					    << 10) + ((uint32_t)lo - 0xdc00);
					i += 6;
				} else
					cp = (uint32_t)hi;
				i += 4;
				break;
			default:
				goto bad_escape;
			}
			i += 2;
			k = utf8_enc(tmp, cp);
			if (out != NULL)
				memcpy(out + o, tmp, k);
			o += k;
			continue;
		}
		if (in[i] < 0x20) {
			*errstr = "control character in string";
			return -1;
		}
		if ((r = utf8_dec(in + i, n - i, &cp)) < 0) {
			*errstr = "invalid UTF-8 in string";
			return -1;
		}
		if (out != NULL)
			memcpy(out + o, in + i, (size_t)r);
		o += (size_t)r;
		i += (size_t)r;
	}
	if (out != NULL)
		out[o] = '\0';
	if (outlen != NULL)
		*outlen = o;
	return 0;

bad_escape:
	*errstr = "invalid escape in string";
	return -1;
bad_surrogate:
	*errstr = "unpaired surrogate in string";
	return -1;
}

static void
chk_ws(struct json_chk *c)
{
	while (c->pos < c->len) {
		switch (c->s[c->pos]) {
		case ' ':
		case '\t':
		case '\n':
		case '\r':
			c->pos++;
			break;
		default:
			return;
		}
	}
}

static int
chk_peek(struct json_chk *c)
{
	return c->pos < c->len ? c->s[c->pos] : -1;
}

static int
chk_token(struct json_chk *c)
{
	if (++c->ntok > JSON_MAX_TOKENS) {
		c->err = "too many values";
		return -1;
	}
	return 0;
}

static int
chk_string(struct json_chk *c)
{
	size_t	start;

	if (chk_token(c) == -1)
		return -1;
	start = ++c->pos;	/* opening quote */
	for (;;) {
		if (c->pos >= c->len) {
			c->err = "unterminated string";
			return -1;
		}
		if (c->s[c->pos] == '"')
			break;
		if (c->s[c->pos] == '\\')
			c->pos++;
		c->pos++;
	}
	if (str_decode(c->s + start, c->pos - start, NULL, NULL,
	    &c->err) == -1)
		return -1;
	c->pos++;		/* closing quote */
	return 0;
}

static int
chk_digits(struct json_chk *c)
{
	size_t	start = c->pos;

	while (c->pos < c->len && c->s[c->pos] >= '0' && c->s[c->pos] <= '9')
		c->pos++;
	return c->pos > start ? 0 : -1;
}

static int
chk_number(struct json_chk *c)
{
	if (chk_token(c) == -1)
		return -1;
	if (chk_peek(c) == '-')
		c->pos++;
	if (chk_peek(c) == '0')
		c->pos++;
	else if (chk_digits(c) == -1)
		goto bad;
	if (chk_peek(c) == '.') {
		c->pos++;
		if (chk_digits(c) == -1)
			goto bad;
	}
	if (chk_peek(c) == 'e' || chk_peek(c) == 'E') {
		c->pos++;
		if (chk_peek(c) == '+' || chk_peek(c) == '-')
			c->pos++;
		if (chk_digits(c) == -1)
			goto bad;
	}
	return 0;
bad:
	c->err = "invalid number";
	return -1;
}

static int
chk_literal(struct json_chk *c, const char *word)
{
	size_t	n = strlen(word);

	if (chk_token(c) == -1)
		return -1;
	if (c->len - c->pos < n || memcmp(c->s + c->pos, word, n) != 0) {
		c->err = "unexpected character";
		return -1;
	}
	c->pos += n;
	return 0;
}

/* An array or object; the opening bracket is at pos. */
static int
chk_container(struct json_chk *c, int depth)
{
	int	obj = c->s[c->pos] == '{';
	int	close = obj ? '}' : ']';

	if (depth >= JSON_MAX_DEPTH) {
		c->err = "nesting too deep";
		return -1;
	}
	if (chk_token(c) == -1)
		return -1;
	c->pos++;
	chk_ws(c);
	if (chk_peek(c) == close) {
		c->pos++;
		return 0;
	}
	for (;;) {
		if (obj) {
			if (chk_peek(c) != '"') {
				c->err = "expected a string key";
				return -1;
			}
			if (chk_string(c) == -1)
				return -1;
			chk_ws(c);
			if (chk_peek(c) != ':') {
				c->err = "expected ':'";
				return -1;
			}
			c->pos++;
			chk_ws(c);
		}
		if (chk_value(c, depth + 1) == -1)
			return -1;
		chk_ws(c);
		if (chk_peek(c) == close) {
			c->pos++;
			return 0;
		}
		if (chk_peek(c) != ',') {
			c->err = obj ? "expected ',' or '}'" :
			    "expected ',' or ']'";
			return -1;
		}
		c->pos++;
		chk_ws(c);
	}
}

static int
chk_value(struct json_chk *c, int depth)
{
	switch (chk_peek(c)) {
	case -1:
		c->err = "unexpected end of input";
		return -1;
	case '{':
	case '[':
		return chk_container(c, depth);
	case '"':
		return chk_string(c);
	case 't':
		return chk_literal(c, "true");
	case 'f':
		return chk_literal(c, "false");
	case 'n':
		return chk_literal(c, "null");
	case '-':
	case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return chk_number(c);
	default:
		c->err = "unexpected character";
		return -1;
	}
}

struct json_doc *
json_parse(const char *text, size_t len, const char **errstr)
{
	struct json_chk	 c;
	struct json_doc	*d;
	jsmn_parser	 p;
	int		 i, k, n, r;

	*errstr = NULL;
	if (len > JSON_MAX_INPUT) {
		*errstr = "input too large";
		return NULL;
	}
	memset(&c, 0, sizeof(c));
	c.s = (const uint8_t *)text;
	c.len = len;
	chk_ws(&c);
	if (c.pos == len) {
		*errstr = "empty input";
		return NULL;
	}
	if (chk_value(&c, 0) == -1) {
		*errstr = c.err;
		return NULL;
	}
	chk_ws(&c);
	if (c.pos != len) {
		*errstr = "trailing characters after the value";
		return NULL;
	}

	d = xcalloc(1, sizeof(*d));
	d->len = len;
	/* jsmn's strict mode wants a delimiter after a primitive. */
	d->text = xmalloc(len + 2);
	memcpy(d->text, text, len);
	d->text[len] = ' ';
	d->text[len + 1] = '\0';
	n = d->ntok = c.ntok;
	d->tok = xreallocarray(NULL, (size_t)n, sizeof(*d->tok));
	d->skip = xreallocarray(NULL, (size_t)n, sizeof(*d->skip));
	jsmn_init(&p);
	if ((r = jsmn_parse(&p, d->text, len + 1, d->tok,
	    (unsigned int)n)) != n)
		goto internal;
	/* Children of token i are laid out right after it, in order. */
	for (i = n - 1; i >= 0; i--) {
		r = i + 1;
		for (k = 0; k < d->tok[i].size; k++) {
			if (r >= n)
				goto internal;
			r = d->skip[r];
		}
		d->skip[i] = r;
	}
	if (d->skip[0] != n)
		goto internal;
	return d;

internal:
	log_warnx("%s: tokenizer disagrees with the grammar check", __func__);
	*errstr = "internal parser error";
	json_doc_free(d);
	return NULL;
}

void
json_doc_free(struct json_doc *d)
{
	if (d == NULL)
		return;
	free(d->text);
	free(d->tok);
	free(d->skip);
	free(d);
}

int
json_root(const struct json_doc *d)
{
	return 0;
}

int
json_ntokens(const struct json_doc *d)
{
	return d->ntok;
}

static int
tok_ok(const struct json_doc *d, int t)
{
	return d != NULL && t >= 0 && t < d->ntok;
}

enum json_type
json_type(const struct json_doc *d, int t)
{
	if (!tok_ok(d, t))
		return JSON_INVALID;
	switch (d->tok[t].type) {
	case JSMN_OBJECT:
		return JSON_OBJECT;
	case JSMN_ARRAY:
		return JSON_ARRAY;
	case JSMN_STRING:
		return JSON_STRING;
	case JSMN_PRIMITIVE:
		switch (d->text[d->tok[t].start]) {
		case 't':
			return JSON_TRUE;
		case 'f':
			return JSON_FALSE;
		case 'n':
			return JSON_NULL;
		default:
			return JSON_NUMBER;
		}
	default:
		return JSON_INVALID;
	}
}

/* Whether string token t decodes to exactly the n bytes of s. */
static int
str_equal(const struct json_doc *d, int t, const char *s, size_t n)
{
	const char	*raw = d->text + d->tok[t].start;
	size_t		 rawlen = (size_t)(d->tok[t].end - d->tok[t].start);
	const char	*err;
	char		*tmp;
	size_t		 tlen;
	int		 eq;

	if (memchr(raw, '\\', rawlen) == NULL)
		return rawlen == n && memcmp(raw, s, n) == 0;
	if (n > rawlen)
		return 0;
	tmp = xmalloc(rawlen + 1);
	eq = str_decode((const uint8_t *)raw, rawlen, tmp, &tlen, &err) == 0 &&
	    tlen == n && memcmp(tmp, s, n) == 0;
	free(tmp);
	return eq;
}

int
json_str_eq(const struct json_doc *d, int t, const char *s)
{
	if (!tok_ok(d, t) || d->tok[t].type != JSMN_STRING || s == NULL)
		return 0;
	return str_equal(d, t, s, strlen(s));
}

int
json_obj_next(const struct json_doc *d, int obj, int iter, int *key,
    int *val)
{
	int	k;

	if (!tok_ok(d, obj) || d->tok[obj].type != JSMN_OBJECT)
		return -1;
	k = iter == 0 ? obj + 1 : iter;
	if (k <= obj || k + 1 >= d->skip[obj] || k + 1 >= d->ntok)
		return -1;
	if (key != NULL)
		*key = k;
	if (val != NULL)
		*val = k + 1;
	return d->skip[k + 1];
}

int
json_obj_get(const struct json_doc *d, int obj, const char *key)
{
	size_t	n;
	int	it = 0, k, v, found = -1;

	if (key == NULL)
		return -1;
	n = strlen(key);
	/* Keep scanning: a repeated key's last value wins, as in Python. */
	while ((it = json_obj_next(d, obj, it, &k, &v)) != -1)
		if (str_equal(d, k, key, n))
			found = v;
	return found;
}

int
json_arr_len(const struct json_doc *d, int arr)
{
	if (!tok_ok(d, arr) || d->tok[arr].type != JSMN_ARRAY)
		return -1;
	return d->tok[arr].size;
}

int
json_arr_next(const struct json_doc *d, int arr, int iter, int *val)
{
	int	v;

	if (!tok_ok(d, arr) || d->tok[arr].type != JSMN_ARRAY)
		return -1;
	v = iter == 0 ? arr + 1 : iter;
	if (v <= arr || v >= d->skip[arr])
		return -1;
	if (val != NULL)
		*val = v;
	return d->skip[v];
}

int
json_arr_get(const struct json_doc *d, int arr, int i)
{
	int	v;

	if (i < 0 || i >= json_arr_len(d, arr))
		return -1;
	for (v = arr + 1; i > 0; i--)
		v = d->skip[v];
	return v;
}

char *
json_strn(const struct json_doc *d, int t, size_t *lenp)
{
	const char	*err;
	char		*out;
	size_t		 n, olen;

	if (!tok_ok(d, t) || d->tok[t].type != JSMN_STRING)
		return NULL;
	n = (size_t)(d->tok[t].end - d->tok[t].start);
	out = xmalloc(n + 1);
	if (str_decode((const uint8_t *)d->text + d->tok[t].start, n, out,
	    &olen, &err) == -1) {
		free(out);	/* cannot happen: checked by json_parse */
		return NULL;
	}
	if (lenp != NULL)
		*lenp = olen;
	return out;
}

char *
json_str(const struct json_doc *d, int t)
{
	return json_strn(d, t, NULL);
}

int
json_is_intlit(const struct json_doc *d, int t)
{
	const char	*p;
	size_t		 n;

	if (json_type(d, t) != JSON_NUMBER)
		return 0;
	p = d->text + d->tok[t].start;
	n = (size_t)(d->tok[t].end - d->tok[t].start);
	return memchr(p, '.', n) == NULL && memchr(p, 'e', n) == NULL &&
	    memchr(p, 'E', n) == NULL;
}

int
json_num(const struct json_doc *d, int t, double *out)
{
	if (json_type(d, t) != JSON_NUMBER)
		return -1;
	/* The grammar check guarantees strtod stops at the token's end. */
	*out = strtod(d->text + d->tok[t].start, NULL);
	return 0;
}

/*
 * 0: an integer literal that fits in int64_t.  1: a fraction or exponent
 * literal with an integral value that fits (Python would see a float).
 * -1: anything else; for an integer literal out of range *out is set to
 * INT64_MIN or INT64_MAX so callers can still say "too small/large".
 */
int
json_int(const struct json_doc *d, int t, int64_t *out)
{
	long long	 v;
	double		 x;

	if (json_type(d, t) != JSON_NUMBER)
		return -1;
	if (json_is_intlit(d, t)) {
		errno = 0;
		v = strtoll(d->text + d->tok[t].start, NULL, 10);
		*out = v;
		return errno == ERANGE ? -1 : 0;
	}
	x = strtod(d->text + d->tok[t].start, NULL);
	if (!isfinite(x) || x != trunc(x) || x < -9223372036854775808.0 ||
	    x >= 9223372036854775808.0)
		return -1;
	*out = (int64_t)x;
	return 1;
}

/* Writer.  first[] holds, per open container, one of: */
#define W_MORE		0	/* a member was written: next needs ", " */
#define W_FIRST		1	/* nothing written yet */
#define W_VALUE		2	/* a key was written: its value comes next */

void
json_w_init(struct json_w *w, struct buf *b)
{
	memset(w, 0, sizeof(*w));
	w->b = b;
}

static void
w_sep(struct json_w *w)
{
	uint8_t	*st;

	if (w->depth == 0)
		return;
	st = &w->first[w->depth - 1];
	if (*st == W_MORE)
		buf_add(w->b, ", ", 2);
	*st = W_MORE;
}

static void
w_open(struct json_w *w, int c)
{
	if (w->depth >= JSON_W_MAXDEPTH)
		fatalx("%s: nesting deeper than %d", __func__,
		    JSON_W_MAXDEPTH);
	w_sep(w);
	buf_addc(w->b, c);
	w->first[w->depth++] = W_FIRST;
}

static void
w_close(struct json_w *w, int c)
{
	if (w->depth == 0)
		fatalx("%s: nothing open", __func__);
	w->depth--;
	buf_addc(w->b, c);
}

void
json_w_obj_begin(struct json_w *w)
{
	w_open(w, '{');
}

void
json_w_obj_end(struct json_w *w)
{
	w_close(w, '}');
}

void
json_w_arr_begin(struct json_w *w)
{
	w_open(w, '[');
}

void
json_w_arr_end(struct json_w *w)
{
	w_close(w, ']');
}

static void
esc_u(struct buf *b, uint32_t u)
{
	static const char	 hex[] = "0123456789abcdef";
	char			 e[6];

	e[0] = '\\';
	e[1] = 'u';
	e[2] = hex[(u >> 12) & 0xf];
	e[3] = hex[(u >> 8) & 0xf];
	e[4] = hex[(u >> 4) & 0xf];
	e[5] = hex[u & 0xf];
	buf_add(b, e, sizeof(e));
}

/*
 * The body of a JSON string as json.dumps(ensure_ascii=True) writes it.
 * Invalid UTF-8 becomes U+FFFD, one per maximal ill-formed subsequence.
 */
void
json_escape(struct buf *b, const char *s, size_t n)
{
	const uint8_t	*p = (const uint8_t *)s;
	size_t		 i = 0, run;
	uint32_t	 cp;
	int		 r;

	while (i < n) {
		for (run = i; run < n && p[run] >= 0x20 && p[run] < 0x7f &&
		    p[run] != '"' && p[run] != '\\'; run++)
			;
		if (run > i) {
			buf_add(b, p + i, run - i);
			i = run;
			continue;
		}
		switch (p[i]) {
		case '"':
			buf_add(b, "\\\"", 2);
			break;
		case '\\':
			buf_add(b, "\\\\", 2);
			break;
		case '\n':
			buf_add(b, "\\n", 2);
			break;
		case '\r':
			buf_add(b, "\\r", 2);
			break;
		case '\t':
			buf_add(b, "\\t", 2);
			break;
		case '\b':
			buf_add(b, "\\b", 2);
			break;
		case '\f':
			buf_add(b, "\\f", 2);
			break;
		default:
			if (p[i] < 0x80) {	/* other controls, DEL */
				esc_u(b, p[i]);
				break;
			}
			r = utf8_dec(p + i, n - i, &cp);
			if (cp >= 0x10000) {
				cp -= 0x10000;
				esc_u(b, 0xd800 + (cp >> 10));
				esc_u(b, 0xdc00 + (cp & 0x3ff));
			} else
				esc_u(b, cp);
			i += (size_t)(r < 0 ? -r : r);
			continue;
		}
		i++;
	}
}

void
json_w_key(struct json_w *w, const char *key)
{
	if (w->depth == 0)
		fatalx("%s: key outside an object", __func__);
	w_sep(w);
	buf_addc(w->b, '"');
	json_escape(w->b, key, strlen(key));
	buf_add(w->b, "\": ", 3);
	w->first[w->depth - 1] = W_VALUE;
}

void
json_w_strn(struct json_w *w, const char *s, size_t n)
{
	w_sep(w);
	buf_addc(w->b, '"');
	json_escape(w->b, s, n);
	buf_addc(w->b, '"');
}

void
json_w_str(struct json_w *w, const char *s)
{
	if (s == NULL)
		json_w_null(w);
	else
		json_w_strn(w, s, strlen(s));
}

void
json_w_int(struct json_w *w, int64_t v)
{
	w_sep(w);
	buf_printf(w->b, "%" PRId64, v);
}

void
json_w_raw(struct json_w *w, const char *raw)
{
	w_sep(w);
	buf_addstr(w->b, raw);
}

void
json_w_rawn(struct json_w *w, const char *raw, size_t n)
{
	w_sep(w);
	buf_add(w->b, raw, n);
}

void
json_w_bool(struct json_w *w, int v)
{
	json_w_raw(w, v ? "true" : "false");
}

void
json_w_null(struct json_w *w)
{
	json_w_raw(w, "null");
}

/*
 * Python's repr() of a float: the shortest digit string that reads back
 * to the same double, positional for exponents -4 < e10 <= 16 (always
 * with a fraction part), else d.ddde+XX.
 */
static size_t
fmt_repr(char *out, size_t outsz, double x)
{
	char	 e[40], digits[20], res[48];
	char	*p;
	size_t	 nd = 0, o = 0, i;
	int	 prec, exp10, point;

	if (isnan(x) || isinf(x))
		return (size_t)snprintf(out, outsz, "null");
	for (prec = 0; prec < 17; prec++) {
		snprintf(e, sizeof(e), "%.*e", prec, x);
		if (strtod(e, NULL) == x)
			break;
	}
	p = e;
	if (*p == '-') {
		res[o++] = '-';
		p++;
	}
	for (; *p != 'e' && *p != '\0'; p++)
		if (*p != '.')
			digits[nd++] = *p;
	exp10 = (int)strtol(p + 1, NULL, 10);
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	point = exp10 + 1;	/* digits before the decimal point */
	if (point > -4 && point <= 16) {
		if (point <= 0) {
			res[o++] = '0';
			res[o++] = '.';
			for (i = 0; i < (size_t)-point; i++)
				res[o++] = '0';
			for (i = 0; i < nd; i++)
				res[o++] = digits[i];
		} else {
			for (i = 0; i < (size_t)point; i++)
				res[o++] = i < nd ? digits[i] : '0';
			res[o++] = '.';
			if ((size_t)point >= nd)
				res[o++] = '0';
			for (i = (size_t)point; i < nd; i++)
				res[o++] = digits[i];
		}
		res[o] = '\0';
		return (size_t)snprintf(out, outsz, "%s", res);
	}
	res[o++] = digits[0];
	if (nd > 1) {
		res[o++] = '.';
		for (i = 1; i < nd; i++)
			res[o++] = digits[i];
	}
	res[o] = '\0';
	return (size_t)snprintf(out, outsz, "%se%c%02d", res,
	    exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
}

/*
 * repr(round(x, decimals)) as Python prints it.  glibc's printf rounds
 * the exact binary value, ties to even, which is what Python's round()
 * does.  Doubles of 2^53 and more are integers already; decimals outside
 * 0..30 leave x unrounded.
 */
size_t
json_fmt_double(char *out, size_t outsz, double x, int decimals)
{
	char	tmp[96];

	if (isfinite(x) && decimals >= 0 && decimals <= 30 &&
	    fabs(x) < 9007199254740992.0) {
		snprintf(tmp, sizeof(tmp), "%.*f", decimals, x);
		x = strtod(tmp, NULL);
	}
	return fmt_repr(out, outsz, x);
}

void
json_w_double(struct json_w *w, double x, int decimals)
{
	char	s[48];

	json_fmt_double(s, sizeof(s), x, decimals);
	json_w_raw(w, s);
}

/*
 * datetime.isoformat() of an aware UTC datetime: with_us adds
 * .ffffff when the microseconds are not zero.  Returns what snprintf
 * returns (truncated if >= outsz).
 */
size_t
json_fmt_time(char *out, size_t outsz, int64_t t_us, int with_us)
{
	struct tm	tm;
	time_t		secs;
	int64_t		us;
	int		n;

	us = t_us % 1000000;
	secs = (time_t)(t_us / 1000000);
	if (us < 0) {
		us += 1000000;
		secs--;
	}
	if (gmtime_r(&secs, &tm) == NULL) {
		if (outsz > 0)
			out[0] = '\0';
		return 0;
	}
	if (with_us && us != 0)
		n = snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d:%02d"
		    ".%06d+00:00", tm.tm_year + 1900, tm.tm_mon + 1,
		    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)us);
	else
		n = snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d:%02d"
		    "+00:00", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		    tm.tm_hour, tm.tm_min, tm.tm_sec);
	return n < 0 ? 0 : (size_t)n;
}

static void
w_time(struct json_w *w, int64_t t_us, int with_us)
{
	char	s[JSON_TIME_MAX + 2];
	size_t	n;

	s[0] = '"';
	n = json_fmt_time(s + 1, JSON_TIME_MAX, t_us, with_us);
	if (n == 0 || n >= JSON_TIME_MAX) {
		json_w_null(w);
		return;
	}
	s[n + 1] = '"';
	s[n + 2] = '\0';
	json_w_raw(w, s);
}

void
json_w_time(struct json_w *w, int64_t t_us)
{
	w_time(w, t_us, 0);
}

void
json_w_time_us(struct json_w *w, int64_t t_us)
{
	w_time(w, t_us, 1);
}
