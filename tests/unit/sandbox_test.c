/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Unit tests for common/sandbox.c: sandbox_db_inet, which decides from
 * the configured database whether the workers' sandbox allows IPv4 and
 * IPv6 sockets (libpq's rules: socket directories, host lists,
 * hostaddr, services, PGHOST, URIs), and sandbox_name's mode suffix.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcd.h"
#include "conf.h"
#include "sandbox.h"

static int
inet_of(const char *url, const char *db_host, const char *pghost)
{
	struct conf	cf;
	char		err[256];
	int		rv;

	unsetenv("DATABASE_URL");
	unsetenv("DB_HOST");
	unsetenv("PGHOST");
	unsetenv("PGHOSTADDR");
	unsetenv("PGSERVICE");
	if (pghost != NULL)
		setenv("PGHOST", pghost, 1);
	if (url != NULL)
		setenv("DATABASE_URL", url, 1);
	if (db_host != NULL)
		setenv("DB_HOST", db_host, 1);
	if (conf_load(NULL, 0, &cf, err, sizeof(err)) == -1)
		fail_msg("conf_load: %s", err);
	rv = sandbox_db_inet(&cf);
	conf_free(&cf);
	unsetenv("DATABASE_URL");
	unsetenv("DB_HOST");
	unsetenv("PGHOST");
	return rv;
}

static void
test_db_inet(void **state)
{
	static const struct {
		const char	*url, *host;
		int		 inet;
	} t[] = {
		{ "host=/var/run/postgresql dbname=hc", NULL, 0 },
		{ "host=/a,/b dbname=hc", NULL, 0 },
		{ "host=@abstract dbname=hc", NULL, 0 },
		{ "dbname=hc", NULL, 0 },		/* the default socket */
		{ "host=localhost dbname=hc", NULL, 1 },
		{ "host=/a,db.example dbname=hc", NULL, 1 },
		{ "host=127.0.0.1 dbname=hc", NULL, 1 },
		{ "host=/a hostaddr=127.0.0.1 dbname=hc", NULL, 1 },
		{ "service=hc", NULL, 1 },
		{ "postgresql:///hc?host=/var/run/postgresql", NULL, 0 },
		{ "postgresql://db.example/hc", NULL, 1 },
		{ "postgresql://u:pw@%2Fvar%2Frun%2Fpostgresql/hc", NULL, 0 },
		{ "not a conninfo = =", NULL, 1 },	/* refused later anyway */
		{ NULL, "/var/run/postgresql", 0 },
		{ NULL, "db.example", 1 },
		{ NULL, NULL, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (inet_of(t[i].url, t[i].host, NULL) != t[i].inet)
			fail_msg("%s / DB_HOST %s: expected %d",
			    t[i].url ? t[i].url : "(none)",
			    t[i].host ? t[i].host : "(none)", t[i].inet);
	/* With no host at all, PGHOST decides, as for libpq. */
	assert_int_equal(inet_of("dbname=hc", NULL, "db.example"), 1);
	assert_int_equal(inet_of("dbname=hc", NULL, "/tmp"), 0);
	assert_int_equal(inet_of("host=/tmp dbname=hc", NULL, "db.example"),
	    0);
}

static void
test_name(void **state)
{
	struct conf	cf;
	char		err[256];
	const char	*n;

	setenv("SANDBOX", "log", 1);
	assert_int_equal(conf_load(NULL, 0, &cf, err, sizeof(err)), 0);
	sandbox_init(&cf);
	n = sandbox_name();
	assert_true(strcmp(n, "none") == 0 || strstr(n, "(log)") != NULL);
	conf_free(&cf);
	setenv("SANDBOX", "sometimes", 1);
	assert_int_equal(conf_load(NULL, 0, &cf, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "SANDBOX"));
	unsetenv("SANDBOX");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_db_inet),
		cmocka_unit_test(test_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
