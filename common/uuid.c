/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * UUID text parsing and formatting (see uuid.h).
 */
#include <stdint.h>
#include <string.h>

#include "hcd.h"
#include "uuid.h"

/* A hex digit; uppercase only when ci. */
static int
uuid_hexval(int c, int ci)
{
	if (!ci && c >= 'A' && c <= 'F')
		return -1;
	return hc_hexval(c);
}

static int
uuid_parse_common(const char *s, size_t len, uint8_t out[16], int ci)
{
	uint8_t	tmp[16];
	size_t	i, o = 0;
	int	hi, lo;

	if (len != 36)
		return -1;
	for (i = 0; i < 36; ) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return -1;
			i++;
			continue;
		}
		if ((hi = uuid_hexval((unsigned char)s[i], ci)) == -1 ||
		    (lo = uuid_hexval((unsigned char)s[i + 1], ci)) == -1)
			return -1;
		tmp[o++] = (uint8_t)(hi * 16 + lo);
		i += 2;
	}
	memcpy(out, tmp, sizeof(tmp));
	return 0;
}

int
uuid_parse(const char *s, size_t len, uint8_t out[16])
{
	return uuid_parse_common(s, len, out, 0);
}

int
uuid_parse_ci(const char *s, size_t len, uint8_t out[16])
{
	return uuid_parse_common(s, len, out, 1);
}

void
uuid_format(const uint8_t in[16], char out[37])
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 i, o = 0;

	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[in[i] >> 4];
		out[o++] = hex[in[i] & 0xf];
	}
	out[o] = '\0';
}

int
uuid_parse_text(const char *s, uint8_t out[16])
{
	return uuid_parse_common(s, strlen(s), out, 1);
}
