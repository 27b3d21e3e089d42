/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Password hashing for dashboard accounts, used by hcctl (user add) and
 * the dashboard's sign-in.  New hashes use scrypt from OpenSSL (N=2^15,
 * r=8, p=1, 16-byte random salt, 32-byte key); checking also accepts
 * Django's PBKDF2-SHA256 strings that a Healthchecks database holds.
 * Derived keys are compared in constant time.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "hcd.h"
#include "password.h"

#define PW_SCRYPT_N		32768
#define PW_SCRYPT_R		8
#define PW_SCRYPT_P		1
#define PW_SALT_LEN		16
#define PW_KEY_LEN		32
#define PW_MAX_KEY		64
#define PW_MAX_PBKDF2_ITER	10000000
#define PW_MAX_STORED		512

static const char b64std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t	b64_encode(const uint8_t *, size_t, char *);
static int	b64_decode(const char *, uint8_t *, size_t, size_t *);
static int	pw_split(char *, char **, int);
static int	pw_scrypt(const char *, char **);
static int	pw_pbkdf2(const char *, char **);

/* Standard base64 with '=' padding; out needs 4 * ceil(n / 3) + 1. */
static size_t
b64_encode(const uint8_t *in, size_t n, char *out)
{
	size_t		i, o = 0;
	uint32_t	v;

	for (i = 0; i < n; i += 3) {
		v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = b64std[v >> 18 & 63];
		out[o++] = b64std[v >> 12 & 63];
		out[o++] = i + 1 < n ? b64std[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? b64std[v & 63] : '=';
	}
	out[o] = '\0';
	return o;
}

/* Standard base64, padding optional.  0, or -1 on bad input / no room. */
static int
b64_decode(const char *s, uint8_t *out, size_t outsz, size_t *outlen)
{
	const char	*p;
	uint32_t	 acc = 0;
	size_t		 o = 0, len, i;
	int		 bits = 0;

	len = strlen(s);
	while (len > 0 && s[len - 1] == '=')
		len--;
	if (strlen(s) - len > 2 || len % 4 == 1)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] == '\0' || (p = strchr(b64std, s[i])) == NULL)
			return -1;
		acc = acc << 6 | (uint32_t)(p - b64std);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= outsz)
				return -1;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	*outlen = o;
	return 0;
}

/* Split s at '$' into exactly n fields; -1 if the count differs. */
static int
pw_split(char *s, char **f, int n)
{
	int	i = 0;
	char	*tok;

	while ((tok = strsep(&s, "$")) != NULL) {
		if (i == n)
			return -1;
		f[i++] = tok;
	}
	return i == n ? 0 : -1;
}

/* f: "scrypt", N, r, p, salt, hash */
static int
pw_scrypt(const char *pw, char **f)
{
	uint8_t		 salt[64], want[PW_MAX_KEY], got[PW_MAX_KEY];
	size_t		 saltlen, keylen;
	const char	*errstr;
	uint64_t	 n, r, p, maxmem;
	int		 ok;

	n = (uint64_t)hc_strtonum(f[1], 2, 1 << 20, &errstr);
	if (errstr != NULL || (n & (n - 1)) != 0)
		return -1;
	r = (uint64_t)hc_strtonum(f[2], 1, 32, &errstr);
	if (errstr != NULL)
		return -1;
	p = (uint64_t)hc_strtonum(f[3], 1, 16, &errstr);
	if (errstr != NULL)
		return -1;
	if (128 * n * r > 256 * 1024 * 1024)
		return -1;
	if (b64_decode(f[4], salt, sizeof(salt), &saltlen) == -1 ||
	    saltlen == 0)
		return -1;
	if (b64_decode(f[5], want, sizeof(want), &keylen) == -1 ||
	    keylen < 16)
		return -1;
	maxmem = 128 * r * (n + 2) + 128 * r * p + 4096;
	if (EVP_PBE_scrypt(pw, strlen(pw), salt, saltlen, n, r, p, maxmem,
	    got, keylen) != 1)
		return -1;
	ok = CRYPTO_memcmp(got, want, keylen) == 0;
	OPENSSL_cleanse(got, sizeof(got));
	return ok;
}

/* f: "pbkdf2_sha256", iterations, salt, hash */
static int
pw_pbkdf2(const char *pw, char **f)
{
	uint8_t		 want[PW_MAX_KEY], got[PW_MAX_KEY];
	size_t		 keylen;
	const char	*errstr;
	long long	 iter;
	int		 ok;

	iter = hc_strtonum(f[1], 1, PW_MAX_PBKDF2_ITER, &errstr);
	if (errstr != NULL || *f[2] == '\0')
		return -1;
	if (b64_decode(f[3], want, sizeof(want), &keylen) == -1 ||
	    keylen < 16)
		return -1;
	if (PKCS5_PBKDF2_HMAC(pw, (int)strlen(pw),
	    (const unsigned char *)f[2], (int)strlen(f[2]), (int)iter,
	    EVP_sha256(), (int)keylen, got) != 1)
		return -1;
	ok = CRYPTO_memcmp(got, want, keylen) == 0;
	OPENSSL_cleanse(got, sizeof(got));
	return ok;
}

int
password_hash(const char *pw, char *out, size_t outsz)
{
	uint8_t	salt[PW_SALT_LEN], key[PW_KEY_LEN];
	char	s64[4 * ((PW_SALT_LEN + 2) / 3) + 1];
	char	k64[4 * ((PW_KEY_LEN + 2) / 3) + 1];
	uint64_t maxmem;
	int	n;

	if (pw == NULL || RAND_bytes(salt, sizeof(salt)) != 1)
		return -1;
	maxmem = (uint64_t)128 * PW_SCRYPT_R * (PW_SCRYPT_N + 2 + PW_SCRYPT_P) +
	    4096;
	if (EVP_PBE_scrypt(pw, strlen(pw), salt, sizeof(salt), PW_SCRYPT_N,
	    PW_SCRYPT_R, PW_SCRYPT_P, maxmem, key, sizeof(key)) != 1)
		return -1;
	b64_encode(salt, sizeof(salt), s64);
	b64_encode(key, sizeof(key), k64);
	OPENSSL_cleanse(key, sizeof(key));
	n = snprintf(out, outsz, "scrypt$%d$%d$%d$%s$%s", PW_SCRYPT_N,
	    PW_SCRYPT_R, PW_SCRYPT_P, s64, k64);
	if (n < 0 || (size_t)n >= outsz)
		return -1;
	return 0;
}

int
password_verify(const char *pw, const char *stored)
{
	char	buf[PW_MAX_STORED], *f[6];
	int	rv = -1;

	if (pw == NULL || stored == NULL)
		return -1;
	/* Django: "" or "!..." is an unusable password, never a match */
	if (*stored == '\0' || *stored == '!')
		return 0;
	if (hc_strlcpy(buf, stored, sizeof(buf)) >= sizeof(buf))
		return -1;
	if (strncmp(buf, "scrypt$", 7) == 0) {
		if (pw_split(buf, f, 6) == 0)
			rv = pw_scrypt(pw, f);
	} else if (strncmp(buf, "pbkdf2_sha256$", 14) == 0) {
		if (pw_split(buf, f, 4) == 0)
			rv = pw_pbkdf2(pw, f);
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	return rv;
}

int
password_unusable(char *out, size_t outsz)
{
	static const char	 alnum[] = "abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	uint8_t			 b;
	size_t			 i = 1;

	if (outsz < 42)
		return -1;
	out[0] = '!';
	while (i < 41) {
		if (RAND_bytes(&b, 1) != 1)
			return -1;
		if (b >= 62 * 4)	/* keep the draw uniform */
			continue;
		out[i++] = alnum[b % 62];
	}
	out[41] = '\0';
	return 0;
}
