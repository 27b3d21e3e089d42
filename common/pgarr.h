/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * One-dimensional PostgreSQL arrays in the binary wire format, built
 * element by element, for parameters sent with format 1 (pgarr.c).
 */
#ifndef HC_PGARR_H
#define HC_PGARR_H

#include <stddef.h>
#include <stdint.h>

#include "hcd.h"

/* Element types, by the OIDs PostgreSQL gives them. */
enum {
	OID_BOOL = 16, OID_BYTEA = 17, OID_INT8 = 20, OID_INT2 = 21,
	OID_INT4 = 23, OID_TEXT = 25, OID_INET = 869, OID_TIMESTAMPTZ = 1184,
	OID_INTERVAL = 1186, OID_UUID = 2950
};

#define PG_EPOCH_US	946684800000000LL	/* 2000-01-01 in Unix µs */

struct pgarr {
	struct buf	pa_b;
	uint32_t	pa_oid;
	uint32_t	pa_n;
	int		pa_null;
};

void	 pgarr_init(struct pgarr *, uint32_t oid);
void	 pgarr_clear(struct pgarr *);
void	 pgarr_null(struct pgarr *);
void	 pgarr_i64(struct pgarr *, int64_t);
void	 pgarr_i32(struct pgarr *, int32_t);
void	 pgarr_i16(struct pgarr *, int16_t);
void	 pgarr_bool(struct pgarr *, int);
void	 pgarr_bytes(struct pgarr *, const void *, size_t);	/* text, bytea */
void	 pgarr_str(struct pgarr *, const char *);
/* Unix µs as timestamptz; CT_NONE is NULL. */
void	 pgarr_time(struct pgarr *, int64_t);
/* µs as an interval of no days and no months; CT_NONE is NULL. */
void	 pgarr_interval(struct pgarr *, int64_t);
/* 16 bytes, or NULL when has is 0. */
void	 pgarr_uuid(struct pgarr *, int has, const uint8_t[16]);
/* An IPv4 or IPv6 address in text as inet; anything else is NULL. */
void	 pgarr_inet(struct pgarr *, const char *, size_t);
/* The finished array: its bytes and length, valid until pgarr_clear. */
void	 pgarr_end(struct pgarr *, const char **, int *);
/*
 * The same elements as rows of COPY ... FROM STDIN (FORMAT binary),
 * appended to a buffer: row i holds element i of each of the n arrays,
 * which must have as many elements each.  An array element and a COPY
 * field are written alike (length, -1 for NULL, then the bytes), so
 * this interleaves what the arrays hold; the header and the trailer
 * make it the whole COPY stream.
 */
void	 pgarr_copy(struct buf *, struct pgarr *const *, int n);

#endif
