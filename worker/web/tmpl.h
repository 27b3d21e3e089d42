/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The dashboard's templates: files under worker/web/templates/ compiled
 * into the binary by GNUmakefile (gen/web_files.c), parsed once, and
 * rendered against a context of named values that the page handlers
 * fill.  The static files under worker/web/static/ travel the same way
 * and are served under content-hashed names.
 *
 * Template syntax:
 *   {{ name }}          the value, HTML-escaped (always: there is no
 *                       way to print a value unescaped but the next)
 *   {{ raw name }}      the value as it is: markup this program built
 *   {{ url name }}      the value percent-encoded, for a URL component
 *   {{ static f.css }}  the hashed path of static file f.css
 *   {% if name %} ... {% else %} ... {% end %}
 *   {% if not name %}, {% if name == word %}, {% if name != word %}
 *   {% for name %} ... {% end %}     once per item of list `name`; an
 *                       item's values hide the enclosing ones
 *   {% include other %}
 *   {# a comment #}
 * A value is true when it is set and neither empty nor "0"; a list
 * when it has items.  A name no
 * context sets renders as nothing.
 *
 * Thread-safe: templates are parsed once under pthread_once, read-only
 * afterwards; a context belongs to one thread.
 */
#ifndef HC_TMPL_H
#define HC_TMPL_H

#include <stddef.h>
#include <stdint.h>

struct buf;

/* One file compiled into the binary. */
struct web_file {
	const char	*wf_name;	/* templates: "layout"; static: "app.css" */
	const char	*wf_data;
	size_t		 wf_len;
};
/* gen/web_files.c */
extern const struct web_file	web_templates[];
extern const size_t		web_ntemplates;
extern const struct web_file	web_statics[];
extern const size_t		web_nstatics;

struct tctx;

/* tmpl.c */
/* Parse every template (once).  0, or -1 with the first error in err. */
int		 tmpl_init(char *err, size_t errsz);
/* Render template `name` into b.  0, or -1 (unknown or broken template). */
int		 tmpl_render(struct buf *, const char *name, const struct tctx *);
/* A root context (heap; tctx_free frees it and all it holds). */
struct tctx	*tctx_new(void);
void		 tctx_free(struct tctx *);
/* Set a value (copied); `name` must outlive the context (a literal). */
void		 tset(struct tctx *, const char *name, const char *value);
void		 tsetn(struct tctx *, const char *name, const char *, size_t);
void		 tsetf(struct tctx *, const char *name, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
void		 tseti(struct tctx *, const char *name, int64_t);
/* The value set for name here or in an enclosing context, or NULL. */
const char	*tget(const struct tctx *, const char *name);
/* Append an item to list `name` (made on first use); the item's context. */
struct tctx	*tadd(struct tctx *, const char *name);

/* The static file served at path (e.g. "/static/app.1a2b3c4d5e.css"). */
const struct web_file *tmpl_static_lookup(const char *path, size_t len);
/* Its hashed path ("/static/app.<hash>.css"), or NULL if unknown. */
const char	*tmpl_static_path(const char *name);
/*
 * The gzip form of a static file, made once (NULL when it would not
 * be smaller by a tenth, as for the SVG icons).
 */
const struct web_file *tmpl_static_gzip(const struct web_file *);
/* Content-Type for a static file's name. */
const char	*tmpl_static_ctype(const char *name);

#endif
