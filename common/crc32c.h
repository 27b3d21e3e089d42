/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * CRC-32C (Castagnoli, the polynomial of iSCSI, ext4 and PostgreSQL's
 * WAL), the journal's record checksum.  Table-driven, eight bytes at a
 * step; thread-safe (the tables are built once, under pthread_once).
 */
#ifndef HC_CRC32C_H
#define HC_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continue a CRC over n more bytes: start with crc32c(0, ...). */
uint32_t	crc32c(uint32_t crc, const void *, size_t n);

#endif
