/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * libFuzzer target for the worker's route table (worker/routes.c): the
 * input is a request path as the parser hands it over.  Checks beyond
 * memory safety: a match's captures lie inside the path, in order and
 * not empty, and never more than RT_MAXARGS of them; when no route
 * matches and APPEND_SLASH is reported, the path with a '/' appended
 * does match; a path that matched is not reported for APPEND_SLASH.
 *
 * Built and run by `make fuzz` (GNUmakefile); links the whole worker,
 * as the table names every handler.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hcd.h"
#include "../../worker/worker.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct route	*rt, *rt2;
	struct req		 q;
	const char		*path, *prev;
	char			*p, *p2;
	int			 slash, i;

	if (size > 2048)
		return 0;
	/* exact-size copy: ASan sees any read past the path */
	if ((p = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(p, data, size);
	path = p;

	memset(&q, 0, sizeof(q));
	rt = rt_lookup(path, size, &q, &slash);
	if (rt != NULL) {
		CHECK(slash == 0 && rt->rt_fn != NULL);
		CHECK(q.q_nargs >= 0 && q.q_nargs <= RT_MAXARGS);
		prev = path;
		for (i = 0; i < q.q_nargs; i++) {
			CHECK(q.q_arglen[i] > 0);
			CHECK(q.q_arg[i] >= prev &&
			    q.q_arg[i] + q.q_arglen[i] <= path + size);
			prev = q.q_arg[i] + q.q_arglen[i];
		}
		/* without captures wanted, the same route */
		CHECK(rt_lookup(path, size, NULL, NULL) == rt);
	} else if (slash) {
		CHECK(size > 0 && path[size - 1] != '/');
		if ((p2 = malloc(size + 1)) == NULL)
			abort();
		memcpy(p2, path, size);
		p2[size] = '/';
		memset(&q, 0, sizeof(q));
		rt2 = rt_lookup(p2, size + 1, &q, NULL);
		CHECK(rt2 != NULL);
		free(p2);
	}
	free(p);
	return 0;
}
