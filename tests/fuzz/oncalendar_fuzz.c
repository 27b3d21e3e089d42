/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * libFuzzer target for the OnCalendar parser (common/oncalendar.c).
 * The input, NUL-terminated, goes through oncal_parse(); a schedule
 * that parses is asked for its next firings, in UTC and with a DST
 * zone as the default (Europe/Riga when tzdata is installed).  Checks
 * beyond memory safety: a parse error names itself, and each firing
 * lies strictly after the instant asked about, on a whole second,
 * before the year 2200 (systemd's search horizon).
 *
 * Built and run by `make fuzz` (GNUmakefile).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hcd.h"
#include "oncalendar.h"
#include "tz.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)
#define Y2200		INT64_C(7258118400)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int64_t	 starts[] = {
		1700000000,	/* 2023-11-14 */
		1711846800,	/* 2024-03-31 01:00 UTC: Riga's gap */
		1729990800,	/* 2024-10-27 01:00 UTC: Riga's overlap */
		-100000,	/* before the epoch */
	};
	static const struct tz	*riga;
	static int		 init;
	struct oncal		*oc;
	const char		*err = NULL;
	char			*s;
	int64_t			 next, after;
	size_t			 i;
	int			 k;

	if (size > 1024)
		return 0;
	if (!init) {
		riga = tz_get("Europe/Riga");
		init = 1;
	}
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	if ((oc = oncal_parse(s, &err)) == NULL) {
		CHECK(err != NULL);
		free(s);
		return 0;
	}
	i = size > 0 ? data[size - 1] % (sizeof(starts) / sizeof(starts[0])) :
	    0;
	after = starts[i];
	for (k = 0; k < 3; k++) {
		if (oncal_next(oc, NULL, after, &next) == -1)
			break;
		CHECK(next > after && next < Y2200);
		after = next;
	}
	if (riga != NULL && oncal_next(oc, riga, starts[i], &next) == 0)
		CHECK(next > starts[i] && next < Y2200);
	oncal_free(oc);
	free(s);
	return 0;
}
