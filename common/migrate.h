/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The schema migrations, compiled in from schema/NNN_name.sql by the
 * GNUmakefile (build/.../gen/schema_sql.c), and the code that applies
 * them in order, recording each in hcd_migration.
 */
#ifndef HC_MIGRATE_H
#define HC_MIGRATE_H

#include <stddef.h>

struct hc_migration {
	int		 m_version;	/* the NNN of the file name */
	const char	*m_name;	/* file name without .sql */
	const char	*m_sql;
};

extern const struct hc_migration hc_migrations[];
extern const size_t hc_nmigrations;

#endif
