/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * CRC-32C, reflected polynomial 0x82F63B78, "slicing by 8": table k
 * gives the CRC of a byte followed by k zero bytes, so that eight input
 * bytes cost eight look-ups and no data-dependent branch.
 */
#include <pthread.h>
#include <string.h>

#include "crc32c.h"

#define POLY	0x82f63b78U

static uint32_t		tab[8][256];
static pthread_once_t	tab_once = PTHREAD_ONCE_INIT;

static void
tab_init(void)
{
	uint32_t	c;
	int		i, k, b;

	for (i = 0; i < 256; i++) {
		c = (uint32_t)i;
		for (b = 0; b < 8; b++)
			c = c & 1 ? (c >> 1) ^ POLY : c >> 1;
		tab[0][i] = c;
	}
	for (i = 0; i < 256; i++)
		for (k = 1; k < 8; k++)
			tab[k][i] = (tab[k - 1][i] >> 8) ^
			    tab[0][tab[k - 1][i] & 0xff];
}

uint32_t
crc32c(uint32_t crc, const void *buf, size_t n)
{
	const uint8_t	*p = buf;
	uint64_t	 w;

	pthread_once(&tab_once, tab_init);
	crc = ~crc;
	while (n > 0 && ((uintptr_t)p & 7) != 0) {
		crc = tab[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
		n--;
	}
	while (n >= 8) {
		memcpy(&w, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		w = __builtin_bswap64(w);
#endif
		w ^= crc;
		crc = tab[7][w & 0xff] ^ tab[6][(w >> 8) & 0xff] ^
		    tab[5][(w >> 16) & 0xff] ^ tab[4][(w >> 24) & 0xff] ^
		    tab[3][(w >> 32) & 0xff] ^ tab[2][(w >> 40) & 0xff] ^
		    tab[1][(w >> 48) & 0xff] ^ tab[0][w >> 56];
		p += 8;
		n -= 8;
	}
	while (n-- > 0)
		crc = tab[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}
