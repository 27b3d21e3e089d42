/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Binary one-dimensional arrays for libpq parameters in format 1.  The
 * format (PostgreSQL's array_send): ndim, has-nulls flag, element type
 * OID, then per dimension its length and lower bound, then per element
 * a 32-bit length (-1: NULL) and the bytes; all big-endian.  Times are
 * µs since 2000-01-01 (PostgreSQL's epoch).  The server checks the
 * element type against the parameter's, so an array of the wrong type
 * is an error, not a misreading.
 */
#include <arpa/inet.h>
#include <sys/socket.h>

#include <stdint.h>
#include <string.h>

#include "check.h"
#include "hcd.h"
#include "pgarr.h"

#define PGARR_HEAD	20			/* a 1-dimensional header */
#define PGARR_COPY_MAX	32			/* columns of pgarr_copy */

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

void
pgarr_init(struct pgarr *x, uint32_t oid)
{
	buf_init(&x->pa_b);
	buf_reserve(&x->pa_b, 256);
	memset(x->pa_b.b_data, 0, PGARR_HEAD);
	x->pa_b.b_len = PGARR_HEAD;
	x->pa_oid = oid;
	x->pa_n = 0;
	x->pa_null = 0;
}

/* Room for an element of n bytes; returns where its bytes go. */
static uint8_t *
pgarr_elem(struct pgarr *x, size_t n)
{
	uint8_t *p;

	buf_reserve(&x->pa_b, 4 + n + 1);
	p = x->pa_b.b_data + x->pa_b.b_len;
	put32(p, (uint32_t)n);
	x->pa_b.b_len += 4 + n;
	x->pa_b.b_data[x->pa_b.b_len] = '\0';
	x->pa_n++;
	return p + 4;
}

void
pgarr_null(struct pgarr *x)
{
	buf_reserve(&x->pa_b, 5);
	put32(x->pa_b.b_data + x->pa_b.b_len, 0xffffffffU);
	x->pa_b.b_len += 4;
	x->pa_n++;
	x->pa_null = 1;
}

void
pgarr_i64(struct pgarr *x, int64_t v)
{
	uint8_t *p = pgarr_elem(x, 8);

	put32(p, (uint32_t)((uint64_t)v >> 32));
	put32(p + 4, (uint32_t)v);
}

void
pgarr_i32(struct pgarr *x, int32_t v)
{
	put32(pgarr_elem(x, 4), (uint32_t)v);
}

void
pgarr_i16(struct pgarr *x, int16_t v)
{
	uint8_t *p = pgarr_elem(x, 2);

	p[0] = (uint8_t)((uint16_t)v >> 8);
	p[1] = (uint8_t)v;
}

void
pgarr_bool(struct pgarr *x, int v)
{
	*pgarr_elem(x, 1) = v ? 1 : 0;
}

void
pgarr_bytes(struct pgarr *x, const void *s, size_t n)
{
	memcpy(pgarr_elem(x, n), s, n);
}

void
pgarr_str(struct pgarr *x, const char *s)
{
	pgarr_bytes(x, s, strlen(s));
}

/* A time in Unix µs as timestamptz, or NULL for CT_NONE. */
void
pgarr_time(struct pgarr *x, int64_t t)
{
	if (t == CT_NONE)
		pgarr_null(x);
	else
		pgarr_i64(x, t - PG_EPOCH_US);
}

/* µs as an interval (no days, no months), or NULL for CT_NONE. */
void
pgarr_interval(struct pgarr *x, int64_t us)
{
	uint8_t *p;

	if (us == CT_NONE) {
		pgarr_null(x);
		return;
	}
	p = pgarr_elem(x, 16);
	put32(p, (uint32_t)((uint64_t)us >> 32));
	put32(p + 4, (uint32_t)us);
	memset(p + 8, 0, 8);
}

void
pgarr_uuid(struct pgarr *x, int has, const uint8_t u[16])
{
	if (has)
		pgarr_bytes(x, u, 16);
	else
		pgarr_null(x);
}

/* An address in text as inet; NULL if it is none. */
void
pgarr_inet(struct pgarr *x, const char *s, size_t n)
{
	char	 t[INET6_ADDRSTRLEN];
	uint8_t	 a[16], *p;
	int	 v6 = 0;

	if (n == 0 || n >= sizeof(t)) {
		pgarr_null(x);
		return;
	}
	memcpy(t, s, n);
	t[n] = '\0';
	if (inet_pton(AF_INET, t, a) != 1) {
		if (inet_pton(AF_INET6, t, a) != 1) {
			pgarr_null(x);
			return;
		}
		v6 = 1;
	}
	/* PostgreSQL's own family codes, not the system's. */
	p = pgarr_elem(x, v6 ? 20 : 8);
	p[0] = v6 ? 3 : 2;
	p[1] = v6 ? 128 : 32;
	p[2] = 0;		/* not cidr */
	p[3] = v6 ? 16 : 4;
	memcpy(p + 4, a, v6 ? 16 : 4);
}

void
pgarr_clear(struct pgarr *x)
{
	buf_clear(&x->pa_b);
}

/* Close the array: its value and length for PQsendQueryPrepared. */
void
pgarr_end(struct pgarr *x, const char **val, int *len)
{
	uint8_t *p = x->pa_b.b_data;

	if (x->pa_n == 0) {
		/* No dimensions: ndim 0, no flags, the type. */
		put32(p + 8, 0);
		put32(p + 12, 0);
		put32(p + 16, x->pa_oid);
		*val = (const char *)p + 8;
		*len = 12;
		return;
	}
	put32(p, 1);
	put32(p + 4, (uint32_t)x->pa_null);
	put32(p + 8, x->pa_oid);
	put32(p + 12, x->pa_n);
	put32(p + 16, 1);
	*val = (const char *)p;
	*len = (int)x->pa_b.b_len;
}


/* The signature (11 bytes), the flags and the header extension's length. */
static const uint8_t copy_head[19] = {
	'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xff, '\r', '\n', 0,
	0, 0, 0, 0, 0, 0, 0, 0
};

void
pgarr_copy(struct buf *out, struct pgarr *const *col, int n)
{
	size_t		 off[PGARR_COPY_MAX];
	const uint8_t	*p;
	uint8_t		 fc[2];
	uint32_t	 row, len;
	int		 k;

	if (n > PGARR_COPY_MAX)
		n = PGARR_COPY_MAX;
	fc[0] = (uint8_t)(n >> 8);
	fc[1] = (uint8_t)n;
	for (k = 0; k < n; k++)
		off[k] = PGARR_HEAD;
	buf_add(out, copy_head, sizeof(copy_head));
	for (row = 0; n > 0 && row < col[0]->pa_n; row++) {
		buf_add(out, fc, sizeof(fc));
		for (k = 0; k < n; k++) {
			p = col[k]->pa_b.b_data + off[k];
			len = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
			    (uint32_t)p[2] << 8 | p[3];
			len = len == 0xffffffffU ? 4 : 4 + len;	/* NULL */
			buf_add(out, p, len);
			off[k] += len;
		}
	}
	buf_add(out, "\377\377", 2);		/* the trailer: -1 */
}
