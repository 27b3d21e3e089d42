/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The check model: a check's fields described once.  The table in
 * checkdef.c drives, for the API and (next) the dashboard's forms:
 *  - validation of create/update input, in Healthchecks' order and with
 *    its exact messages (spec 6.4);
 *  - reading that input into a struct check_input;
 *  - the SQL column list of api_check and the decoding of its rows into
 *    a struct check_row;
 *  - the UPDATE statement that stores the writable fields;
 *  - the JSON rendering of a check (spec 6.3), field by field in
 *    to_dict()'s order.
 * Also the model's small helpers: unique_key, slugify, the tag list.
 *
 * Thread-safe: the table is constant, the generated SQL is built once
 * under pthread_once.
 */
#ifndef HC_CHECKDEF_H
#define HC_CHECKDEF_H

#include <stddef.h>
#include <stdint.h>
#include <libpq-fe.h>

struct buf;
struct check_state;
struct json_doc;
struct json_w;

/*
 * One check as stored.  Strings are borrowed (from the PGresult it was
 * decoded from, or from the check_input applied to it): a row owns
 * nothing and needs no freeing.
 */
struct check_row {
	int64_t		 cr_id;
	int64_t		 cr_project;
	const char	*cr_code;		/* UUID text */
	const char	*cr_name;
	const char	*cr_slug;
	const char	*cr_tags;
	const char	*cr_desc;
	int		 cr_kind;		/* enum check_kind */
	int64_t		 cr_timeout;		/* µs */
	int64_t		 cr_grace;		/* µs */
	const char	*cr_schedule;
	const char	*cr_tz;
	int		 cr_status;		/* enum check_status */
	int64_t		 cr_last_ping;		/* µs, CT_NONE */
	int64_t		 cr_last_start;
	int64_t		 cr_last_duration;
	int64_t		 cr_n_pings;
	int		 cr_manual_resume;
	const char	*cr_methods;
	int		 cr_filter_subject;
	int		 cr_filter_body;
	int		 cr_filter_http_body;
	int		 cr_filter_default_fail;
	const char	*cr_start_kw;
	const char	*cr_success_kw;
	const char	*cr_failure_kw;
	const char	*cr_badge_key;
	const char	*cr_channels;		/* sorted, comma-joined UUIDs */
};

/* Field types. */
enum cf_type {
	CF_ID,		/* bigint */
	CF_UUID,	/* uuid as text */
	CF_STR,		/* text */
	CF_SECS,	/* interval; input as integer seconds, stored µs */
	CF_BOOL,
	CF_ENUM,	/* one of f_enum */
	CF_SCHEDULE,	/* cron or OnCalendar text */
	CF_TZ,		/* IANA zone name */
	CF_KIND,	/* simple / cron / oncalendar */
	CF_STATUS,	/* new / up / down / paused */
	CF_TIME,	/* timestamptz, µs */
	CF_INT,		/* integer */
	CF_UNIQUE,	/* input only: array of field names */
	CF_OUT		/* output only: computed (f_out says what) */
};

/* What a computed output field is. */
enum cf_out {
	CO_NONE, CO_STATUS, CO_STARTED, CO_NEXT_PING, CO_SUBJECT,
	CO_SUBJECT_FAIL, CO_BADGE_URL, CO_PING_URL, CO_UPDATE_URL,
	CO_PAUSE_URL, CO_RESUME_URL, CO_UNIQUE_KEY
};

/* f_flags */
#define CF_INPUT	0x0001	/* accepted in create/update */
#define CF_STORE	0x0002	/* written by check_update_sql() */
#define CF_RENDER	0x0004	/* shown in the check object */
#define CF_RW_ONLY	0x0008	/* shown to read-write keys only */
#define CF_RO_ONLY	0x0010	/* shown to read-only keys only */
#define CF_SIMPLE_ONLY	0x0020	/* shown for simple checks only */
#define CF_SCHED_ONLY	0x0040	/* shown for cron/OnCalendar only */
#define CF_NONZERO	0x0080	/* shown only when set and not zero */
#define CF_SLUGPAT	0x0100	/* input matches ^[a-z0-9_-]*$ */
#define CF_PLAIN	0x0200	/* input copied as is by check_apply() */
#define CF_NULLABLE	0x0400	/* column may be NULL: render null */
#define CF_COSTLY	0x0800	/* a subquery a row: NULL in lists */
#define CF_STATE	0x1000	/* what the state machine reads */

#define CF_V1		0x1
#define CF_V2		0x2
#define CF_V3		0x4
#define CF_VALL		(CF_V1 | CF_V2 | CF_V3)

struct check_field {
	const char	*f_name;	/* JSON and form name */
	enum cf_type	 f_type;
	const char	*f_column;	/* SQL over api_check "c"; NULL: none */
	int		 f_off;		/* in struct check_row; -1: none */
	int64_t		 f_min;		/* CF_SECS bounds, seconds */
	int64_t		 f_max;		/* ... or string length in chars */
	const char *const *f_enum;	/* CF_ENUM / CF_UNIQUE items */
	unsigned	 f_flags;
	unsigned	 f_versions;	/* API versions that have it */
	int		 f_vorder;	/* validation rank (0: not input) */
	enum cf_out	 f_out;		/* CF_OUT only */
};

extern const struct check_field	check_fields[];
extern const size_t		check_nfields;

/* The fields of one create/update request, validated. */
#define CHECK_INPUT_MAX	64
struct check_input {
	uint64_t	 ci_set;		/* bit i: check_fields[i] given */
	char		*ci_str[CHECK_INPUT_MAX];	/* owned strings */
	int64_t		 ci_int[CHECK_INPUT_MAX];	/* secs, bools */
	unsigned	 ci_unique;		/* bits by CHECK_U_* */
	char		*ci_autoslug;		/* slugify(name), v1/v2 */
};
#define CHECK_U_NAME	0x01
#define CHECK_U_SLUG	0x02
#define CHECK_U_TAGS	0x04
#define CHECK_U_TIMEOUT	0x08
#define CHECK_U_GRACE	0x10

/* checkdef.c */
/* Index of a field by name, or -1. */
int		 check_field_index(const char *name);
/*
 * Validate the object `root` of doc as create/update input: 0, or -1
 * with the whole "json validation error: ..." text in msg.
 */
int		 check_validate(const struct json_doc *, int root, char *msg,
		    size_t msgsz);
/* Read validated input (doc may be NULL: nothing given). */
void		 check_input_read(struct check_input *, const struct json_doc *,
		    int root);
void		 check_input_free(struct check_input *);
/* 1 if field `name` was given, and its string (NULL if not a string). */
int		 check_input_has(const struct check_input *, const char *name);
const char	*check_input_str(const struct check_input *, const char *name);
int64_t		 check_input_int(const struct check_input *, const char *name,
		    int64_t absent);
/*
 * Apply the given fields to a row in Healthchecks' order (_update):
 * name (and, before v3, slug from it), schedule or timeout (and kind),
 * subject / subject_fail, then every other field.  The row borrows the
 * input's strings.
 */
void		 check_apply(struct check_row *, struct check_input *,
		    int version);

/*
 * "c.id, c.code, ..." in the order check_row_decode() reads them.  The
 * list form has NULL for the CF_COSTLY columns (a subquery per row: the
 * channels), which a listing fetches with one query instead.
 */
const char	*check_select_cols(void);
const char	*check_select_cols_list(void);
/* Decode row `row` of a result whose first columns are those. */
void		 check_row_decode(const PGresult *, int row, struct check_row *);
/*
 * The CF_STATE columns only (schedule and state: the deadline pass, the
 * writer's loader, badges, metrics), and their decoding from column
 * `col` on into a check_state (the rest zero, last_duration and
 * alert_after unknown; strings point into the result).
 */
const char	*check_state_cols(void);
int		 check_state_ncols(void);
void		 check_state_decode(const PGresult *, int row, int col,
		    struct check_state *);
/*
 * "UPDATE api_check SET name = $2, ... WHERE id = $1" over the CF_STORE
 * fields plus alert_after, and its parameters for a row (text, into
 * vals[] which must hold check_update_nparams() entries; numbers are
 * formatted into scratch, which must hold 24 bytes per parameter).
 */
const char	*check_update_sql(void);
int		 check_update_nparams(void);
void		 check_update_params(const struct check_row *, int64_t alert_after,
		    const char **vals, char *scratch);
/* The row's schedule and state as the state machine reads them. */
void		 check_row_state(const struct check_row *, struct check_state *);

/* Rendering context: who asks, and the URLs' bases. */
struct check_render {
	int		 cx_version;	/* 1, 2, 3 */
	int		 cx_readonly;	/* read-only key */
	const char	*cx_site_root;
	const char	*cx_ping_endpoint;
	int64_t		 cx_now;	/* µs */
};
/* The check object (spec 6.3). */
void		 check_render_json(const struct check_row *,
		    const struct check_render *, struct json_w *);

/* unique_key: hex SHA-1 of the first 16 hex digits of the UUID. */
void		 check_unique_key(const char *code, char out[41]);
/* Django's slugify on ASCII (heap). */
char		*check_slugify(const char *);
/*
 * Check.tags_list(): split on spaces, trim, drop empty ones; fn gets
 * each tag NUL-terminated; stops early when fn returns nonzero, and
 * returns that.
 */
int		 check_tags_each(const char *tags,
		    int (*fn)(const char *, void *), void *);
/* 1 if `tag` is one of the tags in `tags`. */
int		 check_has_tag(const char *tags, const char *tag);

/*
 * A set of distinct tags with an int each (badges, metrics, the
 * dashboard's tag pills): hashed, so that adding is O(1) however many
 * tags a project has.
 */
struct tagset {
	char		**ts_tag;	/* in the order first added */
	int		 *ts_val;	/* OR of the values added with it */
	size_t		  ts_n, ts_cap;
	uint32_t	 *ts_slot;	/* index + 1; 0 empty */
	size_t		  ts_nslot;	/* a power of two */
};
void		 tagset_init(struct tagset *);
void		 tagset_free(struct tagset *);
/* Add one tag (OR `val` into its value); returns its index. */
size_t		 tagset_add(struct tagset *, const char *tag, int val);
/* Add every tag of a check's `tags` text. */
void		 tagset_add_tags(struct tagset *, const char *tags, int val);
/* The indexes in tag order (heap, ts_n entries). */
size_t		*tagset_sorted(const struct tagset *);

#endif
