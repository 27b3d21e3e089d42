/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * hcctl's commands that work on the database directly: apply the schema
 * migrations, add a user (auth_user and its accounts_profile), add a
 * project, and add an API key.  Rows are shaped as Healthchecks shapes
 * them (30-char uuid usernames, lower-cased e-mail addresses, the
 * owner's username as the badge key of the first project, hashed API
 * keys), so a Healthchecks instance could use the same database.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "hcd.h"
#include "conf.h"
#include "db.h"
#include "apikey.h"
#include "password.h"
#include "hcctl.h"


/*
 * An option of a data command: a flag (*o_flag becomes 1) or one with a
 * value (*o_val; "--owner X" or "--owner=X"; o_need names the value in
 * the message when it is missing).
 */
struct cmd_opt {
	const char	 *o_name;
	int		 *o_flag;
	const char	**o_val;
	const char	 *o_need;
};

static int	 cmd_fail(PGconn *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static int	 cmd_usage(const struct hcctl_cmd *);
static int	 cmd_args(const struct hcctl_cmd *, int, char **,
		    const struct cmd_opt *, const char **);
static int	 cmd_dberr(PGconn *, PGresult *, const char *);
static PGresult	*cmd_query(PGconn *, const char *, int, const char **);
static int	 cmd_is_unique_violation(const PGresult *);
static int	 uuid_valid(const char *);
static int	 read_password(char *, size_t);

/* Roll back if needed, print "hcctl: ..." and return 1. */
static int
cmd_fail(PGconn *conn, const char *fmt, ...)
{
	va_list	ap;

	if (conn != NULL && PQtransactionStatus(conn) != PQTRANS_IDLE)
		PQclear(PQexec(conn, "ROLLBACK"));
	fputs("hcctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

/* "hcctl: usage: <the command's line in usage()>"; returns 1. */
static int
cmd_usage(const struct hcctl_cmd *c)
{
	return cmd_fail(NULL, "usage: %s%s%s", c->cm_name,
	    *c->cm_args != '\0' ? " " : "", c->cm_args);
}

/*
 * The arguments after the command words (argv[1] on), in any order: the
 * options of opts (ended by a NULL o_name; opts may be NULL), "--" ending
 * them, and at most one operand into *operand (NULL if none given; pass
 * operand NULL when the command takes none).  "-" alone is an operand.
 * 0, or -1 after the message.
 */
static int
cmd_args(const struct hcctl_cmd *c, int argc, char **argv,
    const struct cmd_opt *opts, const char **operand)
{
	const struct cmd_opt	*o;
	const char		*a, *eq;
	size_t			 len;
	int			 i, options = 1;

	if (operand != NULL)
		*operand = NULL;
	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (options && strcmp(a, "--") == 0) {
			options = 0;
			continue;
		}
		if (!options || a[0] != '-' || a[1] == '\0') {
			if (operand == NULL || *operand != NULL) {
				cmd_usage(c);
				return -1;
			}
			*operand = a;
			continue;
		}
		/* "--name=value" only for the options that take one */
		eq = strchr(a, '=');
		len = eq != NULL ? (size_t)(eq - a) : strlen(a);
		for (o = opts; o != NULL && o->o_name != NULL; o++)
			if (strlen(o->o_name) == len &&
			    strncmp(a, o->o_name, len) == 0 &&
			    (eq == NULL || o->o_val != NULL))
				break;
		if (o == NULL || o->o_name == NULL) {
			cmd_fail(NULL, "%s: unknown option %s", c->cm_name, a);
			return -1;
		}
		if (o->o_val == NULL)
			*o->o_flag = 1;
		else if (eq != NULL)
			*o->o_val = eq + 1;
		else if (++i < argc)
			*o->o_val = argv[i];
		else {
			cmd_fail(NULL, "%s: %s needs %s", c->cm_name,
			    o->o_name, o->o_need);
			return -1;
		}
	}
	return 0;
}

static int
cmd_dberr(PGconn *conn, PGresult *res, const char *what)
{
	char	err[512];

	db_seterr(conn, res, err, sizeof(err));
	PQclear(res);
	return cmd_fail(conn, "%s: %s", what, err);
}

/* Run sql with text parameters; the caller checks the status. */
static PGresult *
cmd_query(PGconn *conn, const char *sql, int n, const char **params)
{
	return PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
}

static int
cmd_is_unique_violation(const PGresult *res)
{
	const char	*state;

	if (res == NULL)
		return 0;
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	return state != NULL && strcmp(state, "23505") == 0;
}

/* 8-4-4-4-12 hex digits. */
static int
uuid_valid(const char *s)
{
	size_t	i;

	if (strlen(s) != 36)
		return 0;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!isxdigit((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

/* One line from stdin without its line end; -1 if none or empty. */
static int
read_password(char *out, size_t outsz)
{
	char	*line = NULL;
	size_t	 cap = 0;
	ssize_t	 n;
	int	 rv = -1;

	n = getline(&line, &cap, stdin);
	if (n > 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n > 0 && (size_t)n < outsz) {
			memcpy(out, line, (size_t)n + 1);
			rv = 0;
		}
	}
	if (line != NULL) {
		explicit_bzero(line, cap);
		free(line);
	}
	return rv;
}

int
hcctl_migrate(const struct hcctl_cmd *c, const struct conf *cf,
    PGconn *conn, int argc, char **argv)
{
	char	err[512];
	int	applied = 0, version = 0;

	if (cmd_args(c, argc, argv, NULL, NULL) == -1)
		return 1;
	/* A migration may rewrite a big table: no DB_STATEMENT_TIMEOUT. */
	if (db_exec(conn, "SET statement_timeout = 0", err, sizeof(err)) == -1)
		return cmd_fail(conn, "migrate: %s", err);
	if (db_migrate(conn, &applied, err, sizeof(err)) == -1)
		return cmd_fail(conn, "migrate: %s (%d applied)", err, applied);
	if (db_schema_version(conn, &version) == -1)
		return cmd_fail(conn, "migrate: cannot read schema version: %s",
		    PQerrorMessage(conn));
	printf("migrated: %d applied, schema version %d\n", applied, version);
	return 0;
}

int
hcctl_user_add(const struct hcctl_cmd *c, const struct conf *cf,
    PGconn *conn, int argc, char **argv)
{
	PGresult	*res;
	const char	*params[5], *arg;
	char		 email[HC_EMAIL_MAX + 1], pw[1024];
	char		 hash[PASSWORD_HASH_MAX], uid[16];
	char		 limit[16];
	int		 i, pwstdin = 0, superuser = 0;
	const struct cmd_opt opts[] = {
		{ "--password-stdin", &pwstdin, NULL, NULL },
		{ "--superuser", &superuser, NULL, NULL },
		{ NULL }
	};

	if (cmd_args(c, argc, argv, opts, &arg) == -1)
		return 1;
	if (arg == NULL || *arg == '\0')
		return cmd_usage(c);
	if (hc_email_normalize(arg, email, sizeof(email)) == -1)
		return cmd_fail(NULL, "invalid e-mail address: %s", arg);

	if (pwstdin) {
		if (read_password(pw, sizeof(pw)) == -1)
			return cmd_fail(NULL, "user add: no password on "
			    "standard input (one non-empty line, "
			    "< 1024 bytes)");
		i = password_hash(pw, hash, sizeof(hash));
		explicit_bzero(pw, sizeof(pw));
		if (i == -1)
			return cmd_fail(NULL, "user add: cannot hash password");
	} else if (password_unusable(hash, sizeof(hash)) == -1)
		return cmd_fail(NULL, "user add: no random bytes");

	if ((res = PQexec(conn, "BEGIN")) == NULL ||
	    PQresultStatus(res) != PGRES_COMMAND_OK)
		return cmd_dberr(conn, res, "user add");
	PQclear(res);

	params[0] = email;
	res = cmd_query(conn,
	    "SELECT 1 FROM auth_user WHERE lower(email) = lower($1)",
	    1, params);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK)
		return cmd_dberr(conn, res, "user add");
	if (PQntuples(res) > 0) {
		PQclear(res);
		return cmd_fail(conn, "user %s already exists", email);
	}
	PQclear(res);

	/* username: the first 30 chars of a uuid4, as Healthchecks does */
	params[0] = email;
	params[1] = hash;
	params[2] = superuser ? "t" : "f";
	res = cmd_query(conn,
	    "INSERT INTO auth_user (username, email, password, is_superuser,"
	    " is_staff, is_active, first_name, last_name, date_joined)"
	    " VALUES (substr(gen_random_uuid()::text, 1, 30), $1, $2,"
	    " $3::boolean, $3::boolean, true, '', '', now()) RETURNING id",
	    3, params);
	explicit_bzero(hash, sizeof(hash));
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		if (cmd_is_unique_violation(res)) {
			PQclear(res);
			return cmd_fail(conn, "user %s already exists", email);
		}
		return cmd_dberr(conn, res, "user add");
	}
	hc_strlcpy(uid, PQgetvalue(res, 0, 0), sizeof(uid));
	PQclear(res);

	/*
	 * Self-hosted (USE_PAYMENTS=False) profiles get Healthchecks' high
	 * limits; with payments the column defaults (free plan) apply.
	 */
	snprintf(limit, sizeof(limit), "%d", HC_CHECK_LIMIT);
	params[0] = uid;
	params[1] = limit;
	if (cf != NULL && cf->use_payments)
		res = cmd_query(conn,
		    "INSERT INTO accounts_profile (user_id) VALUES ($1::int)",
		    1, params);
	else
		res = cmd_query(conn,
		    "INSERT INTO accounts_profile (user_id, check_limit,"
		    " sms_limit, call_limit)"
		    " VALUES ($1::int, $2::int, $2::int, $2::int)",
		    2, params);
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK)
		return cmd_dberr(conn, res, "user add");
	PQclear(res);

	res = PQexec(conn, "COMMIT");
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
		if (cmd_is_unique_violation(res)) {
			PQclear(res);
			return cmd_fail(conn, "user %s already exists", email);
		}
		return cmd_dberr(conn, res, "user add");
	}
	PQclear(res);
	printf("%s\n", email);
	return 0;
}

int
hcctl_project_add(const struct hcctl_cmd *c, const struct conf *cf,
    PGconn *conn, int argc, char **argv)
{
	PGresult	*res;
	const char	*params[4], *name, *owner = NULL;
	char		 email[HC_EMAIL_MAX + 1], uid[16], badge[64];
	char		 pkey[PING_KEY_LEN + 1], code[40];
	int		 nproj;
	const struct cmd_opt opts[] = {
		{ "--owner", NULL, &owner, "an e-mail address" },
		{ NULL }
	};

	if (cmd_args(c, argc, argv, opts, &name) == -1)
		return 1;
	if (name == NULL || owner == NULL)
		return cmd_usage(c);
	if (hc_email_normalize(owner, email, sizeof(email)) == -1)
		return cmd_fail(NULL, "invalid e-mail address: %s", owner);

	if ((res = PQexec(conn, "BEGIN")) == NULL ||
	    PQresultStatus(res) != PGRES_COMMAND_OK)
		return cmd_dberr(conn, res, "project add");
	PQclear(res);

	/* Lock the owner so two adds agree on which project is the first. */
	params[0] = email;
	res = cmd_query(conn,
	    "SELECT u.id, u.username,"
	    " (SELECT count(*) FROM accounts_project p WHERE p.owner_id = u.id)"
	    " FROM auth_user u WHERE lower(u.email) = lower($1) FOR UPDATE",
	    1, params);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK)
		return cmd_dberr(conn, res, "project add");
	if (PQntuples(res) != 1) {
		PQclear(res);
		return cmd_fail(conn, "no user %s", email);
	}
	hc_strlcpy(uid, PQgetvalue(res, 0, 0), sizeof(uid));
	hc_strlcpy(badge, PQgetvalue(res, 0, 1), sizeof(badge));
	nproj = (int)strtol(PQgetvalue(res, 0, 2), NULL, 10);
	PQclear(res);

	/* badge_key: the owner's username for the first project, else uuid4 */
	ping_key_generate(pkey);
	params[0] = name;
	params[1] = uid;
	params[2] = nproj == 0 ? badge : NULL;
	params[3] = pkey;
	res = cmd_query(conn,
	    "INSERT INTO accounts_project (code, name, owner_id, api_key,"
	    " api_key_readonly, badge_key, ping_key, show_slugs)"
	    " VALUES (gen_random_uuid(), $1, $2::int, '', '',"
	    " coalesce($3, gen_random_uuid()::text), $4, false)"
	    " RETURNING code",
	    4, params);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK)
		return cmd_dberr(conn, res, "project add");
	hc_strlcpy(code, PQgetvalue(res, 0, 0), sizeof(code));
	PQclear(res);

	res = PQexec(conn, "COMMIT");
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK)
		return cmd_dberr(conn, res, "project add");
	PQclear(res);
	printf("%s\n", code);
	return 0;
}

int
hcctl_apikey_add(const struct hcctl_cmd *c, const struct conf *cf,
    PGconn *conn, int argc, char **argv)
{
	PGresult	*res;
	const char	*params[2], *project;
	char		 key[APIKEY_LEN + 1], hash[APIKEY_HASH_LEN + 1];
	int		 ro = 0;
	const struct cmd_opt opts[] = {
		{ "--read-only", &ro, NULL, NULL },
		{ NULL }
	};

	if (cmd_args(c, argc, argv, opts, &project) == -1)
		return 1;
	if (project == NULL)
		return cmd_usage(c);
	if (!uuid_valid(project))
		return cmd_fail(NULL, "invalid project UUID: %s", project);
	if (cf == NULL || cf->secret_key == NULL || *cf->secret_key == '\0')
		return cmd_fail(NULL, "apikey add: SECRET_KEY is not set");

	if (apikey_generate(ro, key) == -1 ||
	    apikey_hash(cf->secret_key, key, hash, sizeof(hash)) == -1)
		return cmd_fail(NULL, "apikey add: cannot make a key");

	/* One key of each kind per project: a new one replaces the old. */
	params[0] = hash;
	params[1] = project;
	res = cmd_query(conn, ro ?
	    "UPDATE accounts_project SET api_key_readonly = $1"
	    " WHERE code = $2::uuid RETURNING id" :
	    "UPDATE accounts_project SET api_key = $1"
	    " WHERE code = $2::uuid RETURNING id",
	    2, params);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK)
		return cmd_dberr(conn, res, "apikey add");
	if (PQntuples(res) != 1) {
		PQclear(res);
		return cmd_fail(NULL, "no project %s", project);
	}
	PQclear(res);
	if (strcmp(cf->secret_key, HC_SECRET_KEY) == 0)
		fprintf(stderr, "hcctl: warning: SECRET_KEY is the default; "
		    "API keys stop working when it is changed\n");
	printf("%s\n", key);
	explicit_bzero(key, sizeof(key));
	return 0;
}
