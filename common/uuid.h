/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * UUIDs as text, for every process: the ping router, the API, the
 * index loader and the batch writer.
 */
#ifndef HC_UUID_H
#define HC_UUID_H

#include <stddef.h>
#include <stdint.h>

/* Lowercase canonical 8-4-4-4-12 text of exactly len bytes; 0/-1. */
int	uuid_parse(const char *s, size_t len, uint8_t out[16]);

/* The same, hex digits in either case (the rid= query parameter). */
int	uuid_parse_ci(const char *s, size_t len, uint8_t out[16]);

/* A NUL-terminated string, either case (as PostgreSQL prints it). */
int	uuid_parse_text(const char *s, uint8_t out[16]);

/* Lowercase canonical text, NUL-terminated. */
void	uuid_format(const uint8_t in[16], char out[37]);

#endif
