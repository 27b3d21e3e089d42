/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Project API keys (hcctl creates them, the worker's management API
 * checks them) and project ping keys, in Healthchecks' formats so that
 * keys made by either program work in the other.  The random part is
 * what Python's secrets.token_urlsafe() gives: URL-safe base64 of
 * random bytes without padding, drawn again while it holds '-' or '_'.
 */
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "hcd.h"
#include "log.h"
#include "apikey.h"

#define APIKEY_SECRET_LEN	28	/* token_urlsafe(21) */

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static size_t	tok_encode(const uint8_t *, size_t, char *);
static int	tok_random(size_t, char *, int);
static int	key_kind(const char *);
static int	key_hmac_hex(const char *, const char *, char [65]);

/* URL-safe base64 without padding; out gets ceil(4n/3) chars + NUL. */
static size_t
tok_encode(const uint8_t *in, size_t n, char *out)
{
	size_t		i, o = 0;
	uint32_t	v;

	for (i = 0; i + 3 <= n; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];
		out[o++] = b64url[v >> 18 & 63];
		out[o++] = b64url[v >> 12 & 63];
		out[o++] = b64url[v >> 6 & 63];
		out[o++] = b64url[v & 63];
	}
	if (n - i == 1) {
		v = (uint32_t)in[i] << 16;
		out[o++] = b64url[v >> 18 & 63];
		out[o++] = b64url[v >> 12 & 63];
	} else if (n - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = b64url[v >> 18 & 63];
		out[o++] = b64url[v >> 12 & 63];
		out[o++] = b64url[v >> 6 & 63];
	}
	out[o] = '\0';
	return o;
}

/*
 * token_urlsafe(nbytes) until it has neither '-' nor '_', optionally
 * lower-cased first (as the ping key is).  out holds 4 * nbytes / 3 + 2.
 */
static int
tok_random(size_t nbytes, char *out, int lower)
{
	uint8_t	raw[32];
	size_t	i, len;

	if (nbytes > sizeof(raw))
		return -1;
	for (;;) {
		if (RAND_bytes(raw, (int)nbytes) != 1)
			return -1;
		len = tok_encode(raw, nbytes, out);
		if (lower)
			for (i = 0; i < len; i++)
				if (out[i] >= 'A' && out[i] <= 'Z')
					out[i] = out[i] - 'A' + 'a';
		if (strpbrk(out, "-_") == NULL)
			break;
	}
	OPENSSL_cleanse(raw, sizeof(raw));
	return 0;
}

/* 'w' or 'r' for a hcw_/hcr_ key of the right length, else 0. */
static int
key_kind(const char *key)
{
	if (key == NULL || strlen(key) != APIKEY_LEN)
		return 0;
	if (strncmp(key, "hcw_", 4) == 0)
		return 'w';
	if (strncmp(key, "hcr_", 4) == 0)
		return 'r';
	return 0;
}

static int
key_hmac_hex(const char *secret_key, const char *key, char hex[65])
{
	static const char	 digits[] = "0123456789abcdef";
	uint8_t			 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0, i;

	if (secret_key == NULL)
		return -1;
	if (HMAC(EVP_sha256(), secret_key, (int)strlen(secret_key),
	    (const unsigned char *)key, strlen(key), md, &mdlen) == NULL ||
	    mdlen != 32)
		return -1;
	for (i = 0; i < mdlen; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[64] = '\0';
	OPENSSL_cleanse(md, sizeof(md));
	return 0;
}

int
apikey_generate(int readonly, char out[APIKEY_LEN + 1])
{
	char	secret[APIKEY_SECRET_LEN + 2];

	if (tok_random(21, secret, 0) == -1 ||
	    strlen(secret) != APIKEY_SECRET_LEN)
		return -1;
	memcpy(out, readonly ? "hcr_" : "hcw_", 4);
	memcpy(out + 4, secret, APIKEY_SECRET_LEN + 1);
	OPENSSL_cleanse(secret, sizeof(secret));
	return 0;
}

int
apikey_hash(const char *secret_key, const char *key, char *out, size_t outsz)
{
	char	hex[65];

	if (key_kind(key) == 0 || outsz < APIKEY_HASH_LEN + 1)
		return -1;
	if (key_hmac_hex(secret_key, key, hex) == -1)
		return -1;
	memcpy(out, key + 4, APIKEY_PREFIX_LEN);
	out[APIKEY_PREFIX_LEN] = '.';
	memcpy(out + APIKEY_PREFIX_LEN + 1, hex, 65);
	return 0;
}

int
apikey_matches(const char *secret_key, const char *key, const char *stored)
{
	const char	*dot;
	char		 hex[65];
	size_t		 len;

	if (key == NULL || stored == NULL || *stored == '\0' || *key == '\0')
		return 0;
	if ((dot = strchr(stored, '.')) != NULL) {
		/* hashed: only hcw_/hcr_ keys, HMAC over the whole key */
		if (key_kind(key) == 0 || strlen(dot + 1) != 64)
			return 0;
		if (key_hmac_hex(secret_key, key, hex) == -1)
			return 0;
		return CRYPTO_memcmp(hex, dot + 1, 64) == 0;
	}
	/* legacy plain text key */
	len = strlen(key);
	if (strlen(stored) != len)
		return 0;
	return CRYPTO_memcmp(key, stored, len) == 0;
}

int
apikey_lookup_prefix(const char *key, char out[APIKEY_PREFIX_LEN + 1])
{
	size_t	i;
	char	c;

	if (key_kind(key) == 0)
		return -1;
	for (i = 0; i < APIKEY_PREFIX_LEN; i++) {
		c = key[4 + i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9')))
			return -1;
		out[i] = c;
	}
	out[APIKEY_PREFIX_LEN] = '\0';
	return 0;
}

int
apikey_is_readonly(const char *key)
{
	return key != NULL && strncmp(key, "hcr_", 4) == 0;
}

void
ping_key_generate(char out[PING_KEY_LEN + 1])
{
	char	tok[PING_KEY_LEN + 2];

	if (tok_random(16, tok, 1) == -1 || strlen(tok) != PING_KEY_LEN)
		fatalx("ping_key_generate: no random bytes");
	memcpy(out, tok, PING_KEY_LEN + 1);
}
