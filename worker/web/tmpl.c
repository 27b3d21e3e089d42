/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The template engine of the dashboard (tmpl.h): a parser that turns
 * each compiled-in template into a flat list of nodes, with if/for
 * nodes pointing at their else and end, a renderer that walks it, and
 * the contexts of named values the handlers fill.  Also the static
 * files' content-hashed names.
 *
 * Run by the workers' database threads (pages) and the event loop
 * (static files): everything parsed is built once under pthread_once.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "escape.h"
#include "hcd.h"
#include "log.h"
#include "tmpl.h"

#define TMPL_NAME_MAX	64
#define TMPL_DEPTH_MAX	16	/* nested includes and blocks */

enum node_type {
	N_TEXT, N_VAR, N_RAW, N_URL, N_STATIC, N_IF, N_ELSE, N_END, N_FOR,
	N_INCLUDE
};
enum if_op { OP_TRUE, OP_NOT, OP_EQ, OP_NE };

struct node {
	enum node_type	 n_type;
	const char	*n_text;		/* N_TEXT; N_STATIC: the path */
	size_t		 n_len;
	char		 n_name[TMPL_NAME_MAX];
	char		 n_lit[TMPL_NAME_MAX];	/* N_IF with == or != */
	enum if_op	 n_op;
	size_t		 n_else;		/* N_IF: its else, or its end */
	size_t		 n_end;			/* N_IF, N_FOR: its end */
	size_t		 n_tmpl;		/* N_INCLUDE */
};

struct tmpl {
	struct node	*t_nodes;
	size_t		 t_n, t_cap;
};

static pthread_once_t	 once = PTHREAD_ONCE_INIT;
static struct tmpl	*tmpls;
static char		**static_paths;
static struct web_file	*static_gz;	/* wf_data NULL: not worth it */
static char		 init_err[256];
static int		 init_rv;

struct tvar {
	const char	 *v_name;
	char		 *v_val;
	struct tctx	**v_items;
	size_t		  v_n, v_cap;
};

struct tctx {
	const struct tctx	*c_parent;
	struct tvar		*c_v;
	size_t			 c_n, c_cap;
};

/* --- contexts --------------------------------------------------------- */

struct tctx *
tctx_new(void)
{
	return xcalloc(1, sizeof(struct tctx));
}

void
tctx_free(struct tctx *c)
{
	size_t i, k;

	if (c == NULL)
		return;
	for (i = 0; i < c->c_n; i++) {
		free(c->c_v[i].v_val);
		for (k = 0; k < c->c_v[i].v_n; k++)
			tctx_free(c->c_v[i].v_items[k]);
		free(c->c_v[i].v_items);
	}
	free(c->c_v);
	free(c);
}

static struct tvar *
var_here(struct tctx *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->c_n; i++)
		if (strcmp(c->c_v[i].v_name, name) == 0)
			return &c->c_v[i];
	if (c->c_n == c->c_cap) {
		c->c_cap = c->c_cap ? 2 * c->c_cap : 16;
		c->c_v = xreallocarray(c->c_v, c->c_cap, sizeof(*c->c_v));
	}
	memset(&c->c_v[c->c_n], 0, sizeof(c->c_v[0]));
	c->c_v[c->c_n].v_name = name;
	return &c->c_v[c->c_n++];
}

static const struct tvar *
var_find(const struct tctx *c, const char *name)
{
	size_t i;

	for (; c != NULL; c = c->c_parent)
		for (i = 0; i < c->c_n; i++)
			if (strcmp(c->c_v[i].v_name, name) == 0)
				return &c->c_v[i];
	return NULL;
}

void
tsetn(struct tctx *c, const char *name, const char *s, size_t n)
{
	struct tvar *v = var_here(c, name);

	free(v->v_val);
	v->v_val = xmalloc(n + 1);
	memcpy(v->v_val, s, n);
	v->v_val[n] = '\0';
}

void
tset(struct tctx *c, const char *name, const char *s)
{
	if (s == NULL)
		s = "";
	tsetn(c, name, s, strlen(s));
}

void
tsetf(struct tctx *c, const char *name, const char *fmt, ...)
{
	struct tvar	*v = var_here(c, name);
	va_list		 ap;
	char		*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		fatal("%s: vasprintf", __func__);
	va_end(ap);
	free(v->v_val);
	v->v_val = s;
}

void
tseti(struct tctx *c, const char *name, int64_t i)
{
	tsetf(c, name, "%lld", (long long)i);
}

const char *
tget(const struct tctx *c, const char *name)
{
	const struct tvar *v = var_find(c, name);

	return v == NULL ? NULL : v->v_val;
}

struct tctx *
tadd(struct tctx *c, const char *name)
{
	struct tvar	*v = var_here(c, name);
	struct tctx	*item;

	if (v->v_n == v->v_cap) {
		v->v_cap = v->v_cap ? 2 * v->v_cap : 8;
		v->v_items = xreallocarray(v->v_items, v->v_cap,
		    sizeof(*v->v_items));
	}
	item = tctx_new();
	item->c_parent = c;
	v->v_items[v->v_n++] = item;
	return item;
}

/* --- parsing ---------------------------------------------------------- */

static int
tmpl_index(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < web_ntemplates; i++)
		if (strlen(web_templates[i].wf_name) == len &&
		    memcmp(web_templates[i].wf_name, name, len) == 0)
			return (int)i;
	return -1;
}

static int
static_index(const char *name)
{
	size_t i;

	for (i = 0; i < web_nstatics; i++)
		if (strcmp(web_statics[i].wf_name, name) == 0)
			return (int)i;
	return -1;
}

static struct node *
node_add(struct tmpl *t, enum node_type type)
{
	struct node *n;

	if (t->t_n == t->t_cap) {
		t->t_cap = t->t_cap ? 2 * t->t_cap : 64;
		t->t_nodes = xreallocarray(t->t_nodes, t->t_cap,
		    sizeof(*t->t_nodes));
	}
	n = &t->t_nodes[t->t_n++];
	memset(n, 0, sizeof(*n));
	n->n_type = type;
	return n;
}

/* Split "a b c" into at most 4 words (NUL-terminated, in place). */
static int
words(char *s, char **w, int max)
{
	int n = 0;

	while (*s) {
		while (*s == ' ' || *s == '\t' || *s == '\n')
			*s++ = '\0';
		if (*s == '\0')
			break;
		if (n == max)
			return -1;
		w[n++] = s;
		while (*s && *s != ' ' && *s != '\t' && *s != '\n')
			s++;
	}
	return n;
}

static int
name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= TMPL_NAME_MAX)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '_' || *s == '.' ||
		    *s == '-'))
			return 0;
	return 1;
}

/*
 * Parse one template.  0, or -1 with "name:line: reason" in err.
 */
static int
tmpl_parse(size_t ti, struct tmpl *t, char *err, size_t errsz)
{
	const struct web_file	*f = &web_templates[ti];
	const char		*p = f->wf_data, *end = p + f->wf_len, *o, *c;
	size_t			 stack[TMPL_DEPTH_MAX];
	int			 depth = 0, line = 1, nw, k;
	char			 inner[256], *w[4];
	struct node		*n;

#define PERR(...) do {							\
	int off_ = snprintf(err, errsz, "%s:%d: ", f->wf_name, line);	\
	if (off_ > 0 && (size_t)off_ < errsz)				\
		snprintf(err + off_, errsz - (size_t)off_, __VA_ARGS__); \
	return -1;							\
} while (0)

	while (p < end) {
		/* the next "{{", "{%" or "{#" */
		for (o = p; o + 1 < end; o++)
			if (o[0] == '{' && (o[1] == '{' || o[1] == '%' ||
			    o[1] == '#'))
				break;
		if (o + 1 >= end)
			o = end;
		if (o > p) {
			n = node_add(t, N_TEXT);
			n->n_text = p;
			n->n_len = (size_t)(o - p);
			for (c = p; c < o; c++)
				line += *c == '\n';
		}
		if (o == end)
			break;
		{
			char closer = o[1] == '{' ? '}' : o[1] == '%' ? '%' :
			    '#';

			for (c = o + 2; c + 1 < end; c++)
				if (c[0] == closer && c[1] == '}')
					break;
			if (c + 1 >= end)
				PERR("unclosed %.2s", o);
			if (closer == '#') {
				for (; o < c; o++)
					line += *o == '\n';
				p = c + 2;
				continue;
			}
			if ((size_t)(c - o - 2) >= sizeof(inner))
				PERR("directive too long");
			memcpy(inner, o + 2, (size_t)(c - o - 2));
			inner[c - o - 2] = '\0';
			p = c + 2;
			if ((nw = words(inner, w, 4)) <= 0)
				PERR("empty directive");
			for (k = 0; k < nw; k++)
				if (strcmp(w[k], "==") && strcmp(w[k], "!=") &&
				    !name_ok(w[k]))
					PERR("bad word '%s'", w[k]);
			if (closer == '}') {
				if (nw == 1) {
					n = node_add(t, N_VAR);
					hc_strlcpy(n->n_name, w[0],
					    sizeof(n->n_name));
				} else if (nw == 2 && strcmp(w[0], "raw") == 0) {
					n = node_add(t, N_RAW);
					hc_strlcpy(n->n_name, w[1],
					    sizeof(n->n_name));
				} else if (nw == 2 && strcmp(w[0], "url") == 0) {
					n = node_add(t, N_URL);
					hc_strlcpy(n->n_name, w[1],
					    sizeof(n->n_name));
				} else if (nw == 2 &&
				    strcmp(w[0], "static") == 0) {
					int si = static_index(w[1]);

					if (si == -1)
						PERR("no static file %s", w[1]);
					n = node_add(t, N_STATIC);
					n->n_text = static_paths[si];
					n->n_len = strlen(static_paths[si]);
				} else
					PERR("unknown {{ %s ... }}", w[0]);
				continue;
			}
			if (strcmp(w[0], "if") == 0 || strcmp(w[0], "for") == 0) {
				int isfor = w[0][1] == 'o';

				if (depth == TMPL_DEPTH_MAX)
					PERR("blocks nested too deep");
				n = node_add(t, isfor ? N_FOR : N_IF);
				if (nw == 2) {
					n->n_op = OP_TRUE;
					hc_strlcpy(n->n_name, w[1],
					    sizeof(n->n_name));
				} else if (!isfor && nw == 3 &&
				    strcmp(w[1], "not") == 0) {
					n->n_op = OP_NOT;
					hc_strlcpy(n->n_name, w[2],
					    sizeof(n->n_name));
				} else if (!isfor && nw == 4 &&
				    (strcmp(w[2], "==") == 0 ||
				    strcmp(w[2], "!=") == 0)) {
					n->n_op = w[2][0] == '=' ? OP_EQ : OP_NE;
					hc_strlcpy(n->n_name, w[1],
					    sizeof(n->n_name));
					hc_strlcpy(n->n_lit, w[3],
					    sizeof(n->n_lit));
				} else
					PERR("bad {%% %s %%}", w[0]);
				n->n_else = 0;
				stack[depth++] = t->t_n - 1;
			} else if (strcmp(w[0], "else") == 0 && nw == 1) {
				if (depth == 0 || t->t_nodes[stack[depth -
				    1]].n_type != N_IF ||
				    t->t_nodes[stack[depth - 1]].n_else != 0)
					PERR("else without if");
				node_add(t, N_ELSE);
				t->t_nodes[stack[depth - 1]].n_else = t->t_n - 1;
			} else if (strcmp(w[0], "end") == 0 && nw == 1) {
				struct node *open;

				if (depth == 0)
					PERR("end without if or for");
				node_add(t, N_END);
				open = &t->t_nodes[stack[--depth]];
				open->n_end = t->t_n - 1;
				if (open->n_else == 0)
					open->n_else = t->t_n - 1;
				if (open->n_type == N_IF &&
				    t->t_nodes[open->n_else].n_type == N_ELSE)
					t->t_nodes[open->n_else].n_end =
					    t->t_n - 1;
			} else if (strcmp(w[0], "include") == 0 && nw == 2) {
				int ii = tmpl_index(w[1], strlen(w[1]));

				if (ii == -1)
					PERR("no template %s", w[1]);
				n = node_add(t, N_INCLUDE);
				n->n_tmpl = (size_t)ii;
			} else
				PERR("unknown {%% %s %%}", w[0]);
		}
	}
	if (depth != 0)
		PERR("%d block(s) not closed", depth);
	return 0;
#undef PERR
}

static void
init_once(void)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen;
	size_t		 i, k;

	static_paths = xcalloc(web_nstatics + 1, sizeof(*static_paths));
	for (i = 0; i < web_nstatics; i++) {
		const char	*name = web_statics[i].wf_name;
		const char	*dot = strrchr(name, '.');
		char		 hex[11];

		if (EVP_Digest(web_statics[i].wf_data, web_statics[i].wf_len,
		    md, &mdlen, EVP_sha256(), NULL) != 1)
			fatalx("%s: EVP_Digest failed", __func__);
		for (k = 0; k < 5; k++)
			snprintf(hex + 2 * k, 3, "%02x", md[k]);
		if (dot == NULL)
			dot = name + strlen(name);
		static_paths[i] = xasprintf("/static/%.*s.%s%s",
		    (int)(dot - name), name, hex, dot);
	}
	static_gz = xcalloc(web_nstatics + 1, sizeof(*static_gz));
	for (i = 0; i < web_nstatics; i++) {
		z_stream	 z;
		size_t		 cap = web_statics[i].wf_len + 64;
		unsigned char	*out = xmalloc(cap);

		memset(&z, 0, sizeof(z));
		if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9,
		    Z_DEFAULT_STRATEGY) != Z_OK)
			fatalx("%s: deflateInit2 failed", __func__);
		z.next_in = (unsigned char *)(uintptr_t)web_statics[i].wf_data;
		z.avail_in = (uInt)web_statics[i].wf_len;
		z.next_out = out;
		z.avail_out = (uInt)cap;
		if (deflate(&z, Z_FINISH) == Z_STREAM_END &&
		    z.total_out < web_statics[i].wf_len * 9 / 10) {
			static_gz[i].wf_name = web_statics[i].wf_name;
			static_gz[i].wf_data = (const char *)out;
			static_gz[i].wf_len = z.total_out;
		} else
			free(out);
		deflateEnd(&z);
	}
	tmpls = xcalloc(web_ntemplates + 1, sizeof(*tmpls));
	for (i = 0; i < web_ntemplates; i++)
		if (tmpl_parse(i, &tmpls[i], init_err, sizeof(init_err)) ==
		    -1) {
			init_rv = -1;
			return;
		}
}

int
tmpl_init(char *err, size_t errsz)
{
	pthread_once(&once, init_once);
	if (init_rv == -1 && err != NULL)
		hc_strlcpy(err, init_err, errsz);
	return init_rv;
}

/* --- rendering -------------------------------------------------------- */

static int
truthy(const char *s)
{
	return s != NULL && s[0] != '\0' && strcmp(s, "0") != 0;
}

static int render(struct buf *, const struct tmpl *, size_t, size_t,
    const struct tctx *, int);

static int
render(struct buf *b, const struct tmpl *t, size_t from, size_t to,
    const struct tctx *c, int depth)
{
	size_t			 i = from, k;
	const struct node	*n;
	const struct tvar	*v;
	const char		*s;
	int			 cond;

	if (depth > TMPL_DEPTH_MAX)
		return -1;
	while (i < to) {
		n = &t->t_nodes[i];
		switch (n->n_type) {
		case N_TEXT:
		case N_STATIC:
			buf_add(b, n->n_text, n->n_len);
			break;
		case N_VAR:
		case N_RAW:
		case N_URL:
			if ((s = tget(c, n->n_name)) == NULL)
				break;
			if (n->n_type == N_VAR)
				buf_add_html(b, s, strlen(s));
			else if (n->n_type == N_URL)
				esc_url(b, s, strlen(s));
			else
				buf_addstr(b, s);
			break;
		case N_IF:
			v = var_find(c, n->n_name);
			s = v == NULL ? NULL : v->v_val;
			/* a list is true when it has items */
			cond = truthy(s) || (v != NULL && v->v_n > 0);
			switch (n->n_op) {
			case OP_TRUE:	break;
			case OP_NOT:	cond = !cond; break;
			case OP_EQ:	cond = strcmp(s ? s : "", n->n_lit) == 0;
					break;
			default:	cond = strcmp(s ? s : "", n->n_lit) != 0;
					break;
			}
			if (cond) {
				if (render(b, t, i + 1, n->n_else, c,
				    depth + 1) == -1)
					return -1;
			} else if (n->n_else != n->n_end) {
				if (render(b, t, n->n_else + 1, n->n_end, c,
				    depth + 1) == -1)
					return -1;
			}
			i = n->n_end;
			break;
		case N_FOR:
			if ((v = var_find(c, n->n_name)) != NULL)
				for (k = 0; k < v->v_n; k++)
					if (render(b, t, i + 1, n->n_end,
					    v->v_items[k], depth + 1) == -1)
						return -1;
			i = n->n_end;
			break;
		case N_INCLUDE:
			if (render(b, &tmpls[n->n_tmpl], 0,
			    tmpls[n->n_tmpl].t_n, c, depth + 1) == -1)
				return -1;
			break;
		case N_ELSE:
		case N_END:
			break;
		}
		i++;
	}
	return 0;
}

int
tmpl_render(struct buf *b, const char *name, const struct tctx *c)
{
	int ti;

	if (tmpl_init(NULL, 0) == -1) {
		log_warnx("%s: %s", __func__, init_err);
		return -1;
	}
	if ((ti = tmpl_index(name, strlen(name))) == -1) {
		log_warnx("%s: no template %s", __func__, name);
		return -1;
	}
	return render(b, &tmpls[ti], 0, tmpls[ti].t_n, c, 0);
}

/* --- static files ----------------------------------------------------- */

const struct web_file *
tmpl_static_lookup(const char *path, size_t len)
{
	size_t i;

	if (tmpl_init(NULL, 0) == -1)
		return NULL;
	for (i = 0; i < web_nstatics; i++)
		if (strlen(static_paths[i]) == len &&
		    memcmp(static_paths[i], path, len) == 0)
			return &web_statics[i];
	return NULL;
}

const struct web_file *
tmpl_static_gzip(const struct web_file *f)
{
	size_t i = (size_t)(f - web_statics);

	if (tmpl_init(NULL, 0) == -1 || i >= web_nstatics ||
	    static_gz[i].wf_data == NULL)
		return NULL;
	return &static_gz[i];
}

const char *
tmpl_static_path(const char *name)
{
	int i;

	if (tmpl_init(NULL, 0) == -1 || (i = static_index(name)) == -1)
		return NULL;
	return static_paths[i];
}

const char *
tmpl_static_ctype(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (dot == NULL)
		return "application/octet-stream";
	if (strcmp(dot, ".css") == 0)
		return "text/css; charset=utf-8";
	if (strcmp(dot, ".js") == 0)
		return "text/javascript; charset=utf-8";
	if (strcmp(dot, ".svg") == 0)
		return "image/svg+xml";
	if (strcmp(dot, ".png") == 0)
		return "image/png";
	return "application/octet-stream";
}
