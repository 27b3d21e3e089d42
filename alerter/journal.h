/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The local ping journal (ARCHITECTURE.md, "what OK means"): an
 * append-only sequence of records in fixed-size, preallocated segment
 * files under JOURNAL_DIR, each named by the position of its first byte
 * (16 hex digits, ".jnl").  Positions are byte counts from the
 * journal's birth, never reused; a record lives at pos % segment size
 * in the segment that starts at pos - pos % segment size.
 *
 * A record (8-byte aligned) is a struct jrec header, then its payload:
 *   JREC_PING  a ping record exactly as in the rings (common/ping.h)
 *   JREC_MARK  a struct jmark: every group (one fdatasync) ends with one
 *   JREC_END   the segment ends here: the next record is at the start of
 *              the next segment
 * The CRC-32C covers the whole record but the CRC field itself.  The
 * header carries the record's own position, so bytes left over from a
 * segment's earlier life (segments are recycled once loaded) or from a
 * torn write never pass for a record.
 *
 * JOURNAL_DIR/journal.id names the journal (a random 63-bit number,
 * stored in PostgreSQL with the positions loaded, so that a new journal
 * is never mistaken for an old one) and fixes its segment size.
 *
 * Threads: one appender (the alerter's loop: journal_add, _flush,
 * _retry) and one reader (the loader: struct jreader, and
 * journal_prepare).  They share the synced head (written by the
 * appender), the loaded position (written by the loader; the appender
 * recycles segments below it), the spare's state and figures, all
 * atomic.
 */
#ifndef HC_JOURNAL_H
#define HC_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "shm.h"

#define JREC_PING	1
#define JREC_MARK	2
#define JREC_END	3

struct jrec {
	uint32_t	jr_len;		/* header + payload, before alignment */
	uint32_t	jr_crc;		/* CRC-32C of all the record but this */
	uint64_t	jr_pos;		/* where the record lives */
	uint32_t	jr_type;	/* JREC_* */
	uint32_t	jr_zero;
};
#define JREC_HDR	((uint32_t)sizeof(struct jrec))	/* 24 */
#define JREC_ALIGN(n)	(((uint64_t)(n) + 7) & ~(uint64_t)7)

/*
 * The end of a group: then jm_nrings ring positions (uint64_t): how far
 * each producer ring of shared-memory segment jm_shm is in the journal,
 * so that an alerter restarted under the same master takes nothing
 * twice.
 */
struct jmark {
	int64_t		jm_time;	/* µs: every ping received before is in */
	uint64_t	jm_pings;	/* pings in the journal so far, this one's */
	uint64_t	jm_shm;		/* struct shm's sh_segment */
	uint32_t	jm_nrings;
	uint32_t	jm_zero;
};
#define JMARK_MAX_RINGS	64	/* HC_MAX_PRODUCERS */

/* enum jstate (JS_OK, JS_FULL, JS_FAILED) is in shm.h: workers read it. */

struct journal;
struct jreader;

/*
 * Open (or make) the journal in `dir`, whose unloaded data may take
 * `max` bytes, for records of at most `maxrec` payload bytes; the
 * segment size is chosen here for a new journal and read from
 * journal.id for an existing one.  Recovery scans the segments, ends
 * the journal after the last whole record (a torn tail is logged and
 * zeroed) and counts the pings.  NULL with the reason in err.
 */
struct journal	*journal_open(const char *dir, uint64_t max, uint64_t maxrec,
		    char *err, size_t errsz);
void		 journal_close(struct journal *);
/* The segment size journal_open would choose (for configuration checks). */
uint64_t	 journal_segsize_for(uint64_t max, uint64_t maxrec);

/* The appender. */
/*
 * Stage a ping record for the next flush.  0; 1 when the current
 * segment is full (flush the group, then add again); -1 when the
 * journal refuses (journal_state says why): the ping is not taken.
 */
int		 journal_add(struct journal *, const void *, size_t);
/* Records staged and not flushed. */
size_t		 journal_staged(const struct journal *);
/*
 * Write the staged records and a mark (*m and its n ring positions;
 * jm_pings is filled in here) and fdatasync them: 0 when they are on
 * disk, -1 when the disk refused (they are dropped, their bytes
 * overwritten, and the state is JS_FAILED).
 */
int		 journal_flush(struct journal *, const struct jmark *m,
		    const uint64_t *pos);
/*
 * The last mark on disk (written, or found by recovery) and its ring
 * positions; NULL if none.
 */
const struct jmark *journal_last_mark(const struct journal *,
		    const uint64_t **pos);
/* Try to leave JS_FULL or JS_FAILED (at most every 100 ms); the state. */
enum jstate	 journal_retry(struct journal *);
enum jstate	 journal_state(const struct journal *);
/* The current segment is written (not fallocated) below this offset. */
uint64_t	 journal_zeroed(const struct journal *);

/* Either thread. */
uint64_t	 journal_id(const struct journal *);
uint64_t	 journal_segsize(const struct journal *);
uint64_t	 journal_head(const struct journal *);	/* synced end */
uint64_t	 journal_first(const struct journal *);	/* oldest byte on disk */
uint64_t	 journal_pings(const struct journal *);	/* at the head */
uint64_t	 journal_disk(const struct journal *);	/* segments, spare too */
uint64_t	 journal_loaded(const struct journal *);
/* The loader: everything below pos is in PostgreSQL. */
void		 journal_set_loaded(struct journal *, uint64_t pos);
/*
 * The loader, once a loop turn (never the appender's thread): make the
 * spare segment, a segment's worth of zeros really written, that the
 * appender renames when it has no loaded segment to recycle (journal.c),
 * once the head is past the middle of its segment.  Cheap (an atomic
 * load or two) while a spare is ready or not wanted yet; otherwise a
 * few MiB written and synced a call.  0, or -1 when it failed (logged;
 * the appender allocates segments meanwhile).
 */
int		 journal_prepare(struct journal *);

/*
 * The loader, once connected: the journal belongs to one database
 * (`ident` names it).  The first call records it in journal.db; later
 * ones compare.  0, or -1 with the reason in err: a journal made for
 * another database must not be loaded into this one (its check ids
 * mean other checks there).
 */
int		 journal_bind_db(struct journal *, const char *ident,
		    char *err, size_t errsz);

/* The reader (one thread). */
struct jreader	*jreader_new(struct journal *);
void		 jreader_free(struct jreader *);
/*
 * The record at *pos, below `head`: its payload, length and type
 * (JREC_PING or JREC_MARK; ends of segments are followed), *pos moved
 * past it.  NULL at the head.  The payload stays valid until
 * jreader_release passes it.
 */
const void	*jreader_next(struct jreader *, uint64_t *pos, uint64_t head,
		    size_t *len, int *type);
/* Payloads below pos are no longer needed. */
void		 jreader_release(struct jreader *, uint64_t pos);

#endif
