/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Groups (spec §5.4): the value is a comma-separated list of channel
 * UUIDs of the same project.  The kind only hands the list over: the
 * engine notifies each member (a no-op member is not a failure) and
 * reports "k out of n notifications failed".  That the members belong
 * to the project is checked where the database is (hcctl).
 */
#include <stdio.h>
#include <string.h>

#include "hcd.h"
#include "notify.h"
#include "nt_text.h"

static int
is_uuid(const char *s, size_t n)
{
	size_t i;

	if (n != 36)
		return 0;
	for (i = 0; i < n; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (hc_hexval((unsigned char)s[i]) == -1)
			return 0;
	}
	return 1;
}

static int
group_validate(const struct conf *cf, const char *value, char *err,
    size_t errlen)
{
	const char	*p = value, *e;
	int		 n = 0;

	while (value != NULL && *p) {
		while (*p == ' ')
			p++;
		for (e = p; *e && *e != ',' && *e != ' '; e++)
			;
		if (!is_uuid(p, (size_t)(e - p))) {
			snprintf(err, errlen, "Expected channel UUIDs "
			    "separated by commas");
			return -1;
		}
		n++;
		while (*e == ' ')
			e++;
		if (*e == ',')
			e++;
		p = e;
	}
	if (n == 0) {
		snprintf(err, errlen, "Select at least one integration");
		return -1;
	}
	return 0;
}

static int
group_build(const struct nt_ctx *ctx, struct nt_msg *m, struct nt_result *r)
{
	const char *p;

	m->m_transport = NT_GROUP;
	for (p = ctx->value; *p; p++)
		if (*p != ' ')
			buf_addc(&m->m_members, *p);
	return 1;
}

const struct nt_kind nt_k_group = {
	.k_name = "group",
	.k_validate = group_validate,
	.k_build = group_build,
};
