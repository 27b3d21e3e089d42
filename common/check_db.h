/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Checks in PostgreSQL: finding, listing, creating, updating, pausing,
 * resuming and deleting them, for the API and (next) the dashboard and
 * hcctl.  Data functions only: each returns 0, or -1 with a status and
 * a reason in struct dberr, and never writes an answer; the API renders
 * JSON from the same results the dashboard will render as HTML.
 *
 * Creating a check has one function, check_db_create(), with one lock
 * (the project's row, FOR UPDATE): the API's create and upsert and a
 * ping's ?create=1 all go through it, so that a slug or a `unique`
 * match is created once however many clients race, and the owner's
 * check limit is applied in one place.
 *
 * After a commit that changes a check, check_db_publish() is the one
 * place that updates this node's shared index; the database's triggers
 * tell the other nodes (LISTEN/NOTIFY, see the alerter's listener).
 *
 * Thread-safe as long as each thread uses its own struct dbconn.
 */
#ifndef HC_CHECK_DB_H
#define HC_CHECK_DB_H

#include <stdint.h>
#include <libpq-fe.h>

struct check_input;
struct check_row;
struct conf;
struct dbconn;
struct index;

/* What a data function needs: a session, and this node's index. */
struct dbctx {
	struct dbconn		*x_db;
	struct index		*x_index;	/* NULL: none (hcctl) */
	const struct conf	*x_conf;
};

/* Why a data function failed: an HTTP status and, for 400s, a message. */
struct dberr {
	int	e_code;		/* 400 403 404 409 503 */
	char	e_msg[256];
};

/* Set err; returns -1. */
int	 dberr_set(struct dberr *, int code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* Transactions on x's session: 0 or -1 (503). */
int	 cdb_begin(struct dbctx *, struct dberr *);
int	 cdb_commit(struct dbctx *, struct dberr *);
void	 cdb_rollback(struct dbctx *);
/* A statement's result, or NULL with a 503 in err. */
PGresult *cdb_exec(struct dbctx *, const char *sql, int n,
	    const char *const *params, struct dberr *);

/*
 * The check with UUID text `uuid`: its id (and n_pings, may be NULL) if
 * it belongs to `project`; 404 if there is none, 403 if it is another
 * project's.
 */
int	 check_db_find(struct dbctx *, int64_t project, const char *uuid,
	    int64_t *id, int64_t *n_pings, struct dberr *);
/* The project's check whose unique_key is `uk`: its id, or 404. */
int	 check_db_find_key(struct dbctx *, int64_t project, const char *uk,
	    int64_t *id, struct dberr *);
/*
 * Checks WHERE `where` (over api_check "c"), oldest first, every column
 * of check_select_cols() (check_select_cols_list() when `list`: no
 * channels); decode with check_row_decode().
 */
PGresult *check_db_select(struct dbctx *, const char *where, int n,
	    const char *const *params, int list, struct dberr *);
/*
 * The channels of every check of a project, in one query: for a
 * listing, where a subquery per row would cost more than the rest.
 */
struct chanlists {
	int64_t		*cl_check;	/* sorted */
	char		**cl_codes;	/* "uuid,uuid" as the check object has */
	size_t		 cl_n;
};
int	 check_db_chanlists(struct dbctx *, int64_t project,
	    struct chanlists *, struct dberr *);
/* A check's list ("" if none). */
const char *chanlists_get(const struct chanlists *, int64_t check);
void	 chanlists_free(struct chanlists *);
/* One check by id, FOR UPDATE when `lock`: 0 or 404/503. */
int	 check_db_get(struct dbctx *, int64_t id, int lock, PGresult **,
	    struct dberr *);

/* What to create, and how to find an existing one first. */
struct check_new {
	int64_t			 cn_project;
	const char		*cn_slug;	/* ?create=1: name = slug = this;
						   an existing slug is reused */
	struct check_input	*cn_unique;	/* upsert: `unique` lookup */
	int			 cn_limit_factor; /* 1 API, 2 ?create=1 */
	int			 cn_all_channels; /* assign every channel */
};
/*
 * Inside a transaction the caller opened: take the project's lock, look
 * for an existing check (cn_slug, or cn_unique's fields), else create
 * one unless the owner is at cn_limit_factor × check_limit (403).
 * *id is the check, *created 1 if this call inserted it.
 */
int	 check_db_create(struct dbctx *, const struct check_new *,
	    int64_t *id, int *created, struct dberr *);
/*
 * Inside a transaction: apply `in` to check `id` (locked), store it,
 * and replace its channels with `channels` (an int array literal, or
 * NULL to leave them).  The stored row's code and slug are copied out
 * for check_db_publish (code[37], slug[101]; may be NULL).
 */
int	 check_db_update(struct dbctx *, int64_t id, struct check_input *,
	    int version, const char *channels, char *code, char *slug,
	    struct dberr *);
/* After the commit: this node's index sees the check as it now is. */
void	 check_db_publish(struct dbctx *, const char *code, int64_t id,
	    int64_t project, const char *slug);
/* ... or no longer sees it. */
void	 check_db_unpublish(struct dbctx *, const char *code);

/* Delete check `id` in its own transaction; *res is the row as it was. */
int	 check_db_delete(struct dbctx *, int64_t id, PGresult **res,
	    struct dberr *);
/* Pause (a flip unless paused) and resume (409 if not paused). */
int	 check_db_pause(struct dbctx *, int64_t id, struct dberr *);
int	 check_db_resume(struct dbctx *, int64_t id, struct dberr *);

/*
 * The channels named by a create/update's "channels" value, as an int
 * array literal (heap) in *out: "*" every channel of the project, ""
 * none, else a comma list of UUIDs or exact names (400 with Healthchecks'
 * message for an empty, unknown or ambiguous item).
 */
int	 channel_db_resolve(struct dbctx *, int64_t project, const char *spec,
	    char **out, struct dberr *);

/* The ping log limit of the project's owner (Profile.ping_log_limit). */
int64_t	 project_db_ping_log_limit(struct dbctx *, int64_t project);

#endif
