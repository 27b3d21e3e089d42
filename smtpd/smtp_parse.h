/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The smtpd's parsers of client input (smtp_parse.c): command lines,
 * the paths and parameters of MAIL and RCPT, the ping addresses of
 * spec 2, and DATA lines.  Pure functions of their arguments, for the
 * session (smtp_session.c), the unit tests and the fuzzer; input is
 * never assumed NUL-terminated.
 */
#ifndef HC_SMTP_PARSE_H
#define HC_SMTP_PARSE_H

#include <stddef.h>
#include <stdint.h>

#define SMTP_PATH_MAX	256	/* RFC 5321 4.5.3.1.3, brackets included */
#define SMTP_KEY_LEN	22	/* a project's ping key */

enum smtp_verb {
	SMTP_UNKNOWN = 0,
	SMTP_HELO,
	SMTP_EHLO,
	SMTP_MAIL,
	SMTP_RCPT,
	SMTP_DATA,
	SMTP_RSET,
	SMTP_NOOP,
	SMTP_QUIT,
	SMTP_HELP,
	SMTP_VRFY,
	SMTP_EXPN,
	SMTP_STARTTLS
};

/* A command line: its verb and what follows the verb's space. */
struct smtp_cmd {
	enum smtp_verb	 sc_verb;
	const char	*sc_arg;	/* into the line; not NUL-terminated */
	size_t		 sc_arglen;	/* trailing blanks removed */
};

/* MAIL FROM / RCPT TO: the address and the parameters we know. */
struct smtp_path {
	char		 sp_addr[SMTP_PATH_MAX + 1];	/* no <>, NUL-ended */
	size_t		 sp_len;
	uint64_t	 sp_size;	/* SIZE=; 0 if not given */
	int		 sp_smtputf8;	/* SMTPUTF8 given */
	int		 sp_8bit;	/* BODY=8BITMIME */
};

/* What a recipient names (spec 2): a check by UUID or by key and slug. */
enum {
	SMTP_RCPT_OK = 0,
	SMTP_RCPT_BAD_DOMAIN,		/* 550 5.1.1 Recipient rejected */
	SMTP_RCPT_BAD_MAILBOX		/* 550 5.1.1 Invalid mailbox */
};
struct smtp_rcpt {
	int		 sr_by_slug;
	uint8_t		 sr_code[16];
	char		 sr_key[SMTP_KEY_LEN + 1];
	char		 sr_slug[SMTP_PATH_MAX + 1];
	char		 sr_addr[SMTP_PATH_MAX + 1];	/* as given, for logs */
};

/* smtp_parse.c */
/*
 * Split a command line (without its line end) into verb and argument;
 * the verb is matched without regard to case.  -1 (errstr set) for a
 * line that is empty or holds a NUL; an unknown verb is SMTP_UNKNOWN.
 */
int	 smtp_parse_cmd(const char *line, size_t len, struct smtp_cmd *,
	    const char **errstr);
/*
 * The argument of MAIL ("FROM:<path> params") or RCPT ("TO:<path>
 * params").  Returns 0, or the SMTP reply code of the error with
 * *errstr its whole reply line (code and enhanced code included).
 * MAIL takes SIZE=, BODY=7BIT|8BITMIME and SMTPUTF8; RCPT takes none.
 */
int	 smtp_parse_mail(const char *arg, size_t len, struct smtp_path *,
	    const char **errstr);
int	 smtp_parse_rcpt(const char *arg, size_t len, struct smtp_path *,
	    const char **errstr);
/*
 * Spec 2: the domain must be `domain` exactly; the local part a UUID
 * (version 4, either case) or <22-character ping key>+<slug>.  Returns
 * SMTP_RCPT_*; fills *r when SMTP_RCPT_OK.
 */
int	 smtp_parse_rcpt_addr(const char *addr, size_t len,
	    const char *domain, struct smtp_rcpt *r);
/*
 * One DATA line, its line end (LF, or CRLF) included.  Returns 1 for
 * the line "." that ends the message; else 0 with *out, *outlen the
 * bytes that belong to the message (a leading dot removed).
 */
int	 smtp_data_line(const char *line, size_t len, const char **out,
	    size_t *outlen);

#endif
