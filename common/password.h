/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Dashboard password hashes (auth_user.password).  New hashes are
 * scrypt: "scrypt$<N>$<r>$<p>$<salt b64>$<hash b64>".  Verification
 * also takes Django's "pbkdf2_sha256$<iterations>$<salt>$<hash b64>",
 * so users imported from Healthchecks keep their passwords.  Django's
 * unusable passwords ("!...") never match.
 */
#ifndef HC_PASSWORD_H
#define HC_PASSWORD_H

#include <stddef.h>

/* Buffer size for password_hash(); the hashes are < 128 chars. */
#define PASSWORD_HASH_MAX	160

/* Hash pw with a fresh salt into out.  0, or -1 (no memory, buffer). */
int	 password_hash(const char *pw, char *out, size_t outsz);

/* 1 if pw matches stored, 0 if not, -1 if stored is malformed. */
int	 password_verify(const char *pw, const char *stored);

/* Django-style unusable password: "!" and 40 random chars. */
int	 password_unusable(char *out, size_t outsz);

#endif
