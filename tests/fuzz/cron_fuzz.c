/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * libFuzzer target for the cron parser (common/cron.c).  The input,
 * NUL-terminated, goes through sched_kind_of() and cron_parse(); a
 * schedule that parses is then asked for its next matches, in UTC and
 * in a zone with DST (Europe/Riga when tzdata is installed), from a few
 * starting instants.  Beyond memory safety it checks what the
 * scheduler relies on: a parse error always names itself, a parsed
 * expression has some bit set in every field, and in UTC each next
 * match lies strictly after the instant asked about, on a whole
 * minute, no more than 50 years on.
 *
 * Built and run by `make fuzz` (GNUmakefile).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hcd.h"
#include "cron.h"
#include "tz.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)
#define FIFTY_YEARS	((int64_t)51 * 366 * 86400)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int64_t	 starts[] = {
		1700000000,	/* 2023-11-14 */
		1711846800,	/* 2024-03-31 01:00 UTC: Riga's gap */
		1729990800,	/* 2024-10-27 01:00 UTC: Riga's overlap */
	};
	static const struct tz	*riga;
	static int		 init;
	struct cron		 c;
	const char		*err = NULL;
	char			*s;
	int64_t			 next, after;
	size_t			 i;
	int			 k;

	if (size > 512)
		return 0;
	if (!init) {
		riga = tz_get("Europe/Riga");
		init = 1;
	}
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	(void)sched_kind_of(s);
	if (cron_parse(s, &c, &err) == -1) {
		CHECK(err != NULL);
		free(s);
		return 0;
	}
	CHECK(c.cr_min != 0 && c.cr_hour != 0 && c.cr_mon != 0);
	CHECK(c.cr_dom != 0 || c.cr_dom_flags != 0 || c.cr_dow != 0 ||
	    c.cr_dow_last != 0 || c.cr_day_or);

	/* The first byte picks the start, so every run stays cheap. */
	i = size > 0 ? data[0] % (sizeof(starts) / sizeof(starts[0])) : 0;
	after = starts[i];
	for (k = 0; k < 3; k++) {
		if (cron_next(&c, NULL, after, &next) == -1)
			break;
		CHECK(next > after && next - after <= FIFTY_YEARS);
		CHECK(next % 60 == 0);
		after = next;
	}
	if (riga != NULL && cron_next(&c, riga, starts[i], &next) == 0)
		CHECK(next % 60 == 0 && next - starts[i] <= FIFTY_YEARS);
	free(s);
	return 0;
}
