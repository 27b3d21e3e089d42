/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * JSON for the management API and everything else that speaks it: a
 * strict reader (RFC 8259, UTF-8, no extensions) built on jsmn, and a
 * small writer whose output matches Python's json.dumps() byte for byte
 * (", " and ": " separators, ensure_ascii escaping), plus the timestamp
 * formats Healthchecks puts in its API objects.  Workers and the alerter
 * use it; jsmn itself is private to json.c.
 */
#ifndef HC_JSON_H
#define HC_JSON_H

#include <stddef.h>
#include <stdint.h>

struct buf;

#define JSON_MAX_INPUT		(1024 * 1024)	/* bytes */
#define JSON_MAX_TOKENS		100000		/* values plus object keys */
#define JSON_MAX_DEPTH		512		/* nested arrays/objects */
#define JSON_W_MAXDEPTH		32		/* writer nesting */
#define JSON_TIME_MAX		40		/* json_fmt_time() buffer */

/* Reader.  A token index names one value (or object key) of a document. */
struct json_doc;

enum json_type {
	JSON_INVALID = -1,	/* not a token of the document */
	JSON_OBJECT = 0,
	JSON_ARRAY,
	JSON_STRING,
	JSON_NUMBER,
	JSON_TRUE,
	JSON_FALSE,
	JSON_NULL
};

struct json_doc	*json_parse(const char *, size_t, const char **);
void		 json_doc_free(struct json_doc *);
int		 json_root(const struct json_doc *);
int		 json_ntokens(const struct json_doc *);
enum json_type	 json_type(const struct json_doc *, int);
int		 json_obj_get(const struct json_doc *, int, const char *);
int		 json_obj_next(const struct json_doc *, int, int, int *, int *);
int		 json_arr_len(const struct json_doc *, int);
int		 json_arr_get(const struct json_doc *, int, int);
int		 json_arr_next(const struct json_doc *, int, int, int *);
char		*json_str(const struct json_doc *, int);
char		*json_strn(const struct json_doc *, int, size_t *);
int		 json_str_eq(const struct json_doc *, int, const char *);
int		 json_int(const struct json_doc *, int, int64_t *);
int		 json_num(const struct json_doc *, int, double *);
int		 json_is_intlit(const struct json_doc *, int);

/* Writer.  Commas and separators are inserted by the state in first[]. */
struct json_w {
	struct buf	*b;
	int		 depth;
	uint8_t		 first[JSON_W_MAXDEPTH];
};

void	json_w_init(struct json_w *, struct buf *);
void	json_w_obj_begin(struct json_w *);
void	json_w_obj_end(struct json_w *);
void	json_w_arr_begin(struct json_w *);
void	json_w_arr_end(struct json_w *);
void	json_w_key(struct json_w *, const char *);
void	json_w_str(struct json_w *, const char *);
void	json_w_strn(struct json_w *, const char *, size_t);
void	json_w_int(struct json_w *, int64_t);
void	json_w_double(struct json_w *, double, int);
void	json_w_bool(struct json_w *, int);
void	json_w_null(struct json_w *);
void	json_w_raw(struct json_w *, const char *);
/* n bytes of JSON, already encoded (a value the caller escaped). */
void	json_w_rawn(struct json_w *, const char *, size_t);
void	json_w_time(struct json_w *, int64_t);
void	json_w_time_us(struct json_w *, int64_t);
void	json_escape(struct buf *, const char *, size_t);
size_t	json_fmt_double(char *, size_t, double, int);
size_t	json_fmt_time(char *, size_t, int64_t, int);

#endif
