/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * CRC-32C, reflected polynomial 0x82F63B78.  Two ways to one result:
 *
 *  - the CPU's own instruction where there is one (x86-64 with SSE4.2,
 *    found at run time; arm64 built with the CRC extension), eight bytes
 *    an instruction: the alerter checksums every ping it journals and
 *    the loader every record it reads back, and the tables below cost
 *    about ten times as much per byte;
 *  - "slicing by 8" otherwise: table k gives the CRC of a byte followed
 *    by k zero bytes, so that eight input bytes cost eight look-ups and
 *    no data-dependent branch.
 *
 * The choice is made once, under pthread_once, with the tables.
 */
#include <pthread.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <nmmintrin.h>
#define HW_X86	1
#elif defined(__aarch64__) && defined(__ARM_FEATURE_CRC32)
#include <arm_acle.h>
#define HW_ARM	1
#endif

#include "crc32c.h"

#define POLY	0x82f63b78U

static uint32_t		tab[8][256];
static pthread_once_t	tab_once = PTHREAD_ONCE_INIT;
static int		use_hw;

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
#if defined(HW_X86)
	{
		unsigned int eax, ebx, ecx, edx;

		/* CPUID leaf 1, ECX bit 20: SSE4.2 (with CRC32). */
		use_hw = __get_cpuid(1, &eax, &ebx, &ecx, &edx) &&
		    (ecx & (1U << 20)) != 0;
	}
#elif defined(HW_ARM)
	use_hw = 1;
#endif
}

#if defined(HW_X86) || defined(HW_ARM)
/* One step of a byte and one of eight, by the instruction. */
#if defined(HW_X86)
#define HW_TARGET	__attribute__((target("sse4.2")))
#define HW_BYTE(c, b)	_mm_crc32_u8((c), (b))
#define HW_WORD(c, w)	((uint32_t)_mm_crc32_u64((c), (w)))
#else
#define HW_TARGET
#define HW_BYTE(c, b)	__crc32cb((c), (b))
#define HW_WORD(c, w)	__crc32cd((c), (w))
#endif

HW_TARGET
static uint32_t
crc_hw(uint32_t crc, const uint8_t *p, size_t n)
{
	uint64_t w;

	while (n > 0 && ((uintptr_t)p & 7) != 0) {
		crc = HW_BYTE(crc, *p++);
		n--;
	}
	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		crc = HW_WORD(crc, w);
	}
	while (n-- > 0)
		crc = HW_BYTE(crc, *p++);
	return crc;
}
#endif

uint32_t
crc32c_table(uint32_t crc, const void *buf, size_t n)
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

int
crc32c_hw(void)
{
	pthread_once(&tab_once, tab_init);
	return use_hw;
}

uint32_t
crc32c(uint32_t crc, const void *buf, size_t n)
{
	pthread_once(&tab_once, tab_init);
#if defined(HW_X86) || defined(HW_ARM)
	if (use_hw)
		return ~crc_hw(~crc, buf, n);
#endif
	return crc32c_table(crc, buf, n);
}
