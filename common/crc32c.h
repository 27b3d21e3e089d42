/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * CRC-32C (Castagnoli, the polynomial of iSCSI, ext4 and PostgreSQL's
 * WAL), the journal's record checksum.  The CPU's instruction where
 * it has one, else tables, eight bytes at a step; thread-safe (the
 * choice and the tables are made once, under pthread_once).
 */
#ifndef HC_CRC32C_H
#define HC_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continue a CRC over n more bytes: start with crc32c(0, ...). */
uint32_t	crc32c(uint32_t crc, const void *, size_t n);
/* The same by the tables alone, and whether crc32c uses the CPU's
 * instruction (for the tests). */
uint32_t	crc32c_table(uint32_t crc, const void *, size_t n);
int		crc32c_hw(void);

#endif
