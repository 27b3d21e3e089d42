/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Project API keys and ping keys, made and checked the way Healthchecks
 * does.  A key is "hcw_" (read-write) or "hcr_" (read-only) followed by
 * 28 characters of [A-Za-z0-9]; the database keeps only
 * "<those 28 chars' first 8>.<hex HMAC-SHA256(SECRET_KEY, whole key)>"
 * (73 chars).  Lookup: rows whose column is LIKE '<key[4..11]>%', then
 * apikey_matches() on each.  Older plain 32-char keys are still stored
 * as such and compared whole.
 */
#ifndef HC_APIKEY_H
#define HC_APIKEY_H

#include <stddef.h>

#define APIKEY_LEN		32	/* every key a client may send */
#define APIKEY_HASH_LEN		73	/* 8 + '.' + 64 hex */
#define APIKEY_PREFIX_LEN	8
#define PING_KEY_LEN		22

/* A new key, NUL-terminated, into out.  0, or -1 if no randomness. */
int	 apikey_generate(int readonly, char out[APIKEY_LEN + 1]);

/*
 * The stored form of a hcw_/hcr_ key, NUL-terminated into out (needs
 * APIKEY_HASH_LEN + 1 bytes).  -1 if key is not such a key.
 */
int	 apikey_hash(const char *secret_key, const char *key, char *out,
	    size_t outsz);

/*
 * 1 if key is the key behind the stored column value, else 0.  A stored
 * value with a '.' is a hash (constant-time compare of the HMAC);
 * otherwise it is a legacy plain key compared whole in constant time.
 * An empty stored value never matches.
 */
int	 apikey_matches(const char *secret_key, const char *key,
	    const char *stored);

/*
 * The 8 chars (key[4..11]) a hashed key's row starts with, for
 * `col LIKE '<prefix>%'`.  -1 when key is not a well-formed hcw_/hcr_
 * key (then only the legacy `col = key` lookup applies); the prefix is
 * always [A-Za-z0-9], so it is safe inside LIKE.
 */
int	 apikey_lookup_prefix(const char *key,
	    char out[APIKEY_PREFIX_LEN + 1]);

/* 1 for "hcr_..." keys (read-only by their form), else 0. */
int	 apikey_is_readonly(const char *key);

/*
 * A project ping key: 22 chars of [a-z0-9] (Healthchecks lower-cases
 * token_urlsafe(16) and retries while it holds '-' or '_').
 */
void	 ping_key_generate(char out[PING_KEY_LEN + 1]);

#endif
