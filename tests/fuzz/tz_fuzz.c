/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * libFuzzer target for the time-zone reader (common/tz.c): the input
 * is taken as the bytes of a TZif file (tz_from_tzif(), the path every
 * file read by tz_get() takes).  A zone that loads is asked for offsets
 * and conversions both ways at fixed instants (before, between and
 * after typical transitions, so the POSIX footer rule runs too) and at
 * instants read from the input's own bytes, and a cron schedule is
 * evaluated in it.  Checks beyond memory safety: a wall
 * time reported as existing once maps back to itself, and one reported
 * as ambiguous maps back to itself with either fold.
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
/* Instants the schedulers can meet: about 1653 to 2286. */
#define T_LIM		INT64_C(10000000000)

static void
probe(const struct tz *z, int64_t t)
{
	int64_t	local, utc, utc2;
	int	fold, r;

	if (t < -T_LIM || t > T_LIM)
		return;
	(void)tz_offset(z, t);
	local = tz_utc_to_local(z, t, &fold);
	r = tz_local_to_utc(z, local, fold, &utc);
	CHECK(r >= 0 && r <= 2);
	if (r == 0)
		CHECK(tz_utc_to_local(z, utc, NULL) == local);
	else if (r == 2) {
		CHECK(tz_local_to_utc(z, local, !fold, &utc2) == 2);
		CHECK(tz_utc_to_local(z, utc, NULL) == local);
		CHECK(tz_utc_to_local(z, utc2, NULL) == local);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int64_t	 fixed[] = {
		0, 1000000000, 1711846800, 1729990800, 2500000000,
		4102444800, -2208988800,
	};
	static struct cron	 cr;
	static int		 init;
	struct tz		*z;
	int64_t			 next;
	size_t			 i;

	if (!init) {
		CHECK(cron_parse("30 2 * * *", &cr, NULL) == 0);
		init = 1;
	}
	if ((z = tz_from_tzif("Fuzz/Zone", data, size)) == NULL)
		return 0;
	CHECK(strcmp(tz_name(z), "Fuzz/Zone") == 0);
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		probe(z, fixed[i]);
	/* Instants taken from the input, folded into the range. */
	for (i = 0; i + 44 <= size && i < 64; i += 8) {
		int64_t t;

		memcpy(&t, data + i, sizeof(t));
		probe(z, t % T_LIM);
	}
	(void)cron_next(&cr, z, 1711846800, &next);
	tz_release(z);
	return 0;
}
