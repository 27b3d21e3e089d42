/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The journal's files (journal.h).  The appender keeps the current
 * segment open, stages a group of records in memory, writes it with one
 * pwrite at the segment's write offset and makes it durable with one
 * fdatasync: group commit.  Segments are made whole at once, so that a
 * write inside one never needs space.  The next segment is, by
 * preference: the oldest one the loader has passed, renamed; else the
 * spare, renamed; else a new file (posix_fallocate).
 *
 * The spare (spare.jnl; a name segs_list never takes) is a segment's
 * worth of zeros really written, made by journal_prepare on the loader
 * thread, off the event loop.  A fallocated file has unwritten extents
 * on ext4 (and XFS): each group written into one converts extents, so
 * each fdatasync commits the file system's journal as well (measured:
 * 274 µs an 8 KiB group against 199 µs in written blocks).  Recycled
 * segments are written already; the spare spares a young journal, which
 * has none to recycle for its first JOURNAL_MAX, that cost.  A spare is
 * made only once the head is past the middle of its segment, so that a
 * journal that holds a few pings (a test's hcd, a quiet node) never
 * writes one: a new journal's first segment is fallocated, as is any
 * segment needed before a spare is ready.
 *
 * Who owns the spare's files, by j_spare (compare-exchange):
 *   SPARE_NONE    nobody; no spare.jnl (or one whose rename to a
 *                 segment failed: the next one replaces it).  The
 *                 preparer may claim it (-> SPARE_MAKING)
 *   SPARE_MAKING  one thread owns spare.tmp and spare.jnl: the preparer
 *                 writing spare.tmp (over several calls; j_sp_fd open),
 *                 or the appender renaming spare.jnl to a segment's name
 *   SPARE_READY   spare.jnl is whole and synced; only the appender may
 *                 claim it (-> SPARE_MAKING, renamed, -> SPARE_NONE)
 * The preparer never touches j_segs or j_nsegs (the appender's).  A
 * ready spare counts in journal_disk, so the folder holds up to two
 * segments beyond those JOURNAL_MAX's share: the loaded one kept for
 * recycling, and the spare.
 *
 * Zero-ahead: a segment made by posix_fallocate (a new journal's first,
 * or any made before a spare was ready) has its bytes written ahead of
 * the groups by the appender itself: when a group's end comes within
 * ZERO_LOW of j_zeroed, the same flush writes ZERO_AHEAD of zeros past
 * it, and the group's fdatasync converts those extents once, instead of
 * each group's sync converting its own (measured: 173-205 µs a 4 KB
 * group in a fallocated file, 114-144 µs in a written one).  Zeros past
 * the head are what a fallocated file reads as anyway: a reader stops
 * at them.  Recycled segments and the spare are written already.
 *
 * A write or sync that fails leaves the disk's state unknown: the
 * group's bytes are overwritten with zeros and synced before anything
 * else is accepted, so refused pings cannot turn up at a later
 * recovery.  Until that succeeds the journal refuses (JS_FAILED).
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "crc32c.h"
#include "hcd.h"
#include "journal.h"
#include "log.h"

#define SEG_MIN		(64 * 1024)
#define SEG_MAX		(64 * 1024 * 1024)
#define MARK_REC	JREC_ALIGN(JREC_HDR + sizeof(struct jmark) + \
			    8 * JMARK_MAX_RINGS)
#define END_REC		JREC_ALIGN(JREC_HDR)
#define RETRY_MS	100

#define SPARE_TMP	"spare.tmp"	/* neither is a segment's name */
#define SPARE_NAME	"spare.jnl"
#define SPARE_CHUNK	(1024 * 1024)	/* zeros a pwrite */
#define SPARE_STEP	4		/* chunks a journal_prepare call */
#define SPARE_RETRY_MS	10000		/* after a failure */
#define ZERO_AHEAD	(1024 * 1024)	/* zeros written ahead at a time, */
#define ZERO_LOW	(256 * 1024)	/* once a group ends this near */

enum { SPARE_NONE, SPARE_MAKING, SPARE_READY };

struct journal {
	char		*j_dir;
	int		 j_dirfd;
	uint64_t	 j_id;
	uint64_t	 j_segsize;
	uint64_t	 j_maxsegs;	/* segments that may hold unloaded data */

	/* Segment files on disk, oldest first: starts, contiguous. */
	uint64_t	*j_segs;
	size_t		 j_nsegs, j_segcap;

	/* The appender's. */
	int		 j_fd;		/* current segment, or -1 */
	uint64_t	 j_seg;		/* its start */
	uint64_t	 j_off;		/* next write offset in it */
	uint64_t	 j_zeroed;	/* written below this offset, so far
					 * as known: above, perhaps fallocated */
	uint8_t		*j_zero;	/* ZERO_AHEAD of zeros, once needed */
	uint8_t		*j_stage;	/* the group being gathered */
	size_t		 j_stage_len, j_stage_cap;
	size_t		 j_staged;	/* pings in it */
	int		 j_roll;	/* END staged: the next segment next */
	uint64_t	 j_dirty_off;	/* failed bytes to zero, at j_off */
	size_t		 j_dirty_len;
	int64_t		 j_retry_at;	/* ms, monotonic */
	int		 j_short;	/* recovery: a segment was cut short */
	uint64_t	 j_npings;	/* pings synced so far */
	struct jmark	 j_mark;	/* the last on disk */
	uint64_t	 j_mark_pos[JMARK_MAX_RINGS];
	int		 j_has_mark;

	/* The preparer's (journal_prepare): spare.tmp while j_spare is
	 * SPARE_MAKING on its behalf. */
	int		 j_sp_fd;	/* or -1 */
	uint64_t	 j_sp_off;	/* zeros written so far */
	uint8_t		*j_sp_zero;	/* SPARE_CHUNK of them */
	int64_t		 j_sp_retry_at;	/* ms, monotonic */
	int		 j_sp_failing;	/* said once until one is made */

	/* Shared. */
	_Atomic uint64_t j_head;
	_Atomic uint64_t j_first;
	_Atomic uint64_t j_pings;
	_Atomic uint64_t j_disk;
	_Atomic uint64_t j_loaded;
	_Atomic int	 j_state;
	_Atomic int	 j_spare;	/* SPARE_* */
};

struct jmap {
	uint64_t	 m_start;
	uint8_t		*m_base;
};

struct jreader {
	struct journal	*r_j;
	struct jmap	*r_maps;
	size_t		 r_nmaps, r_cap;
};

static uint32_t
rec_crc(const struct jrec *h)
{
	uint32_t c;

	c = crc32c(0, &h->jr_len, sizeof(h->jr_len));
	return crc32c(c, (const uint8_t *)h + 8, h->jr_len - 8);
}

/* A valid record at *p (room bytes there) for position pos: its length. */
static int
rec_valid(const uint8_t *p, uint64_t room, uint64_t pos)
{
	struct jrec h;

	if (room < JREC_HDR)
		return 0;
	memcpy(&h, p, sizeof(h));
	if (h.jr_len < JREC_HDR || h.jr_len > room || h.jr_pos != pos ||
	    h.jr_type < JREC_PING || h.jr_type > JREC_END || h.jr_zero != 0)
		return 0;
	if (h.jr_type == JREC_MARK) {
		struct jmark m;

		if (h.jr_len < JREC_HDR + sizeof(m))
			return 0;
		memcpy(&m, p + JREC_HDR, sizeof(m));
		if (m.jm_nrings > JMARK_MAX_RINGS || h.jr_len != JREC_HDR +
		    sizeof(m) + 8 * (uint64_t)m.jm_nrings)
			return 0;
	}
	return rec_crc((const struct jrec *)p) == h.jr_crc;
}

static void
seg_name(char *b, size_t n, uint64_t start)
{
	snprintf(b, n, "%016llx.jnl", (unsigned long long)start);
}

uint64_t
journal_segsize_for(uint64_t max, uint64_t maxrec)
{
	uint64_t s = max / 8, need;

	if (s < SEG_MIN)
		s = SEG_MIN;
	if (s > SEG_MAX)
		s = SEG_MAX;
	/* The largest record twice, a mark and an end besides. */
	need = 2 * JREC_ALIGN(JREC_HDR + maxrec) + MARK_REC + END_REC;
	if (s < need)
		s = need;
	return (s + SEG_MIN - 1) / SEG_MIN * SEG_MIN;
}

/* --- the id file ---------------------------------------------------------- */

static int
fsync_dir(struct journal *j)
{
	return fsync(j->j_dirfd);
}

/*
 * Write a small file of the journal's folder whole: a new file, synced,
 * renamed over the old one, the folder synced.  0, or -1 with errno.
 */
static int
file_replace(struct journal *j, const char *name, const void *p, size_t n)
{
	char	tmp[64];
	int	fd;

	snprintf(tmp, sizeof(tmp), "%s.new", name);
	(void)unlinkat(j->j_dirfd, tmp, 0);
	if ((fd = openat(j->j_dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL |
	    O_CLOEXEC, 0600)) == -1)
		return -1;
	if (write(fd, p, n) != (ssize_t)n || fsync(fd) == -1) {
		close(fd);
		return -1;
	}
	if (close(fd) == -1 ||
	    renameat(j->j_dirfd, tmp, j->j_dirfd, name) == -1 ||
	    fsync_dir(j) == -1)
		return -1;
	return 0;
}

static int
id_read(struct journal *j, char *err, size_t errsz)
{
	char		 b[256];
	unsigned long long id = 0, seg = 0;
	ssize_t		 n;
	int		 fd;

	if ((fd = openat(j->j_dirfd, "journal.id", O_RDONLY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? 1 : -1;
	n = read(fd, b, sizeof(b) - 1);
	close(fd);
	if (n <= 0)
		goto bad;
	b[n] = '\0';
	if (sscanf(b, "hcd journal\nid %llu\nsegment %llu\n", &id, &seg) != 2 ||
	    id == 0 || id > INT64_MAX || seg < SEG_MIN || seg % 4096 != 0)
		goto bad;
	j->j_id = id;
	j->j_segsize = seg;
	return 0;
bad:
	snprintf(err, errsz, "%s/journal.id: not a journal identity", j->j_dir);
	errno = 0;
	return -2;
}

static int
id_write(struct journal *j, char *err, size_t errsz)
{
	char	 b[256];
	int	 n;

	do {
		if (RAND_bytes((unsigned char *)&j->j_id, sizeof(j->j_id)) != 1)
			fatalx("RAND_bytes");
		j->j_id &= INT64_MAX;		/* a bigint in hcd_ring */
	} while (j->j_id == 0);
	n = snprintf(b, sizeof(b), "hcd journal\nid %llu\nsegment %llu\n",
	    (unsigned long long)j->j_id, (unsigned long long)j->j_segsize);
	if (file_replace(j, "journal.id", b, (size_t)n) == -1) {
		snprintf(err, errsz, "%s/journal.id: %s", j->j_dir,
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
journal_bind_db(struct journal *j, const char *ident, char *err,
    size_t errsz)
{
	char	 b[512];
	ssize_t	 n;
	int	 fd;

	if ((fd = openat(j->j_dirfd, "journal.db", O_RDONLY | O_CLOEXEC)) !=
	    -1) {
		n = read(fd, b, sizeof(b) - 1);
		close(fd);
		b[n > 0 ? n : 0] = '\0';
		b[strcspn(b, "\n")] = '\0';
		if (strcmp(b, ident) == 0)
			return 0;
		snprintf(err, errsz, "%s holds the journal of database \"%s\", "
		    "not of \"%s\": its pings are not loaded here; stop hcd "
		    "and move the folder away (or point DATABASE_URL back)",
		    j->j_dir, b, ident);
		return -1;
	}
	if (errno != ENOENT) {
		snprintf(err, errsz, "%s/journal.db: %s", j->j_dir,
		    strerror(errno));
		return -1;
	}
	n = (ssize_t)snprintf(b, sizeof(b), "%s\n", ident);
	if (file_replace(j, "journal.db", b, (size_t)n) == -1) {
		snprintf(err, errsz, "%s/journal.db: %s", j->j_dir,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* --- segments ---------------------------------------------------------- */

static int
u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void
segs_add(struct journal *j, uint64_t start)
{
	if (j->j_nsegs == j->j_segcap) {
		j->j_segcap = j->j_segcap ? j->j_segcap * 2 : 16;
		j->j_segs = xreallocarray(j->j_segs, j->j_segcap,
		    sizeof(*j->j_segs));
	}
	j->j_segs[j->j_nsegs++] = start;
}

static void
segs_publish(struct journal *j)
{
	atomic_store(&j->j_disk, j->j_nsegs * j->j_segsize);
	atomic_store(&j->j_first, j->j_nsegs ? j->j_segs[0] :
	    atomic_load(&j->j_head));
}

static int
segs_list(struct journal *j, char *err, size_t errsz)
{
	DIR		*d;
	struct dirent	*e;
	char		*end;
	uint64_t	 s;
	int		 fd;

	if ((fd = dup(j->j_dirfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		snprintf(err, errsz, "%s: %s", j->j_dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (strlen(e->d_name) != 20 ||
		    strcmp(e->d_name + 16, ".jnl") != 0)
			continue;
		s = strtoull(e->d_name, &end, 16);
		if (end != e->d_name + 16 || s % j->j_segsize != 0) {
			log_warnx("journal: %s/%s: not a segment of this "
			    "journal; left alone", j->j_dir, e->d_name);
			continue;
		}
		segs_add(j, s);
	}
	closedir(d);
	if (j->j_nsegs > 1)
		qsort(j->j_segs, j->j_nsegs, sizeof(*j->j_segs), u64_cmp);
	return 0;
}

static uint8_t *
seg_map(struct journal *j, uint64_t start, int prot)
{
	struct stat	 st;
	char		 name[32];
	void		*p;
	int		 fd;

	seg_name(name, sizeof(name), start);
	if ((fd = openat(j->j_dirfd, name, (prot & PROT_WRITE ? O_RDWR :
	    O_RDONLY) | O_CLOEXEC)) == -1)
		return NULL;
	/* Cut short (by hand, or a full disk): the rest reads as zeros. */
	if ((prot & PROT_WRITE) && fstat(fd, &st) == 0 &&
	    (uint64_t)st.st_size < j->j_segsize) {
		log_warnx("journal: segment %s is %lld bytes, short of %llu",
		    name, (long long)st.st_size,
		    (unsigned long long)j->j_segsize);
		j->j_short = 1;
		if (ftruncate(fd, (off_t)j->j_segsize) == -1) {
			close(fd);
			return NULL;
		}
	}
	p = mmap(NULL, j->j_segsize, prot, MAP_SHARED, fd, 0);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

static int
all_zero(const uint8_t *p, size_t n)
{
	while (n-- > 0)
		if (*p++ != 0)
			return 0;
	return 1;
}

/*
 * Walk the journal from its oldest segment: the head is after the last
 * whole record.  A bad record in the last segment written is a torn
 * tail: the rest of that segment is zeroed.  One in an older segment
 * (whose END was synced before the next segment was made) means the
 * disk lost synced data: said loudly, and the walk goes on at the next
 * segment.
 */
static int
recover(struct journal *j, char *err, size_t errsz)
{
	struct jmark	 m;
	uint64_t	 pos, off, seg;
	uint8_t		*base;
	size_t		 k;
	int		 cut = 0;

	if (j->j_nsegs == 0) {
		atomic_store(&j->j_head, 0);
		return 0;
	}
	for (k = 1; k < j->j_nsegs; k++)
		if (j->j_segs[k] != j->j_segs[k - 1] + j->j_segsize) {
			snprintf(err, errsz, "%s: segments missing between "
			    "%016llx and %016llx", j->j_dir,
			    (unsigned long long)j->j_segs[k - 1],
			    (unsigned long long)j->j_segs[k]);
			return -1;
		}
	pos = j->j_segs[0];
	for (k = 0; k < j->j_nsegs; k++) {
		seg = j->j_segs[k];
		if (pos != seg)
			break;		/* no END before it: not reached */
		j->j_short = 0;
		if ((base = seg_map(j, seg, PROT_READ | PROT_WRITE)) == NULL) {
			snprintf(err, errsz, "%s: segment %016llx: %s",
			    j->j_dir, (unsigned long long)seg,
			    strerror(errno));
			return -1;
		}
		off = 0;
		for (;;) {
			struct jrec h;

			if (!rec_valid(base + off, j->j_segsize - off,
			    seg + off)) {
				if (k + 1 < j->j_nsegs) {
					log_warnx("journal: segment %016llx "
					    "is damaged at offset %llu; its "
					    "remaining records are lost",
					    (unsigned long long)seg,
					    (unsigned long long)off);
					pos = seg + j->j_segsize;
					break;
				}
				/*
				 * The tail.  A header that names this
				 * position is a torn write: zeroed to the
				 * end, lest records of the same group
				 * that did reach the disk be taken for
				 * new ones later.  Other bytes are a
				 * recycled segment's past: left.
				 */
				if (j->j_segsize - off >= JREC_HDR &&
				    !all_zero(base + off, JREC_HDR) &&
				    (j->j_short || ((const struct jrec *)
				    (base + off))->jr_pos == seg + off)) {
					log_warnx("journal: segment %016llx: "
					    "torn record at offset %llu; the "
					    "journal ends there",
					    (unsigned long long)seg,
					    (unsigned long long)off);
					memset(base + off, 0, j->j_segsize - off);
					cut = 1;
				}
				pos = seg + off;
				break;
			}
			memcpy(&h, base + off, sizeof(h));
			if (h.jr_type == JREC_MARK) {
				memcpy(&m, base + off + JREC_HDR, sizeof(m));
				j->j_npings = m.jm_pings;
				j->j_mark = m;
				memcpy(j->j_mark_pos, base + off + JREC_HDR +
				    sizeof(m), 8 * (size_t)m.jm_nrings);
				j->j_has_mark = 1;
			}
			if (h.jr_type == JREC_END) {
				pos = seg + j->j_segsize;
				break;
			}
			off += JREC_ALIGN(h.jr_len);
			pos = seg + off;
		}
		if (cut && msync(base, j->j_segsize, MS_SYNC) == -1) {
			snprintf(err, errsz, "%s: segment %016llx: %s",
			    j->j_dir, (unsigned long long)seg,
			    strerror(errno));
			munmap(base, j->j_segsize);
			return -1;
		}
		munmap(base, j->j_segsize);
		if (cut)
			break;
	}
	/* Segments past the head hold nothing of this journal's life. */
	while (j->j_nsegs > 0 && j->j_segs[j->j_nsegs - 1] > pos) {
		char name[32];

		seg_name(name, sizeof(name), j->j_segs[--j->j_nsegs]);
		(void)unlinkat(j->j_dirfd, name, 0);
	}
	atomic_store(&j->j_head, pos);
	return 0;
}

/* Open the segment that starts at the head for appending. */
static int
seg_open_cur(struct journal *j)
{
	char		name[32];
	uint64_t	head = atomic_load(&j->j_head);

	j->j_seg = head - head % j->j_segsize;
	j->j_off = head - j->j_seg;
	j->j_zeroed = j->j_off;		/* beyond, unknown: zeroed ahead */
	seg_name(name, sizeof(name), j->j_seg);
	if ((j->j_fd = openat(j->j_dirfd, name, O_RDWR | O_CLOEXEC)) == -1)
		return -1;
	return 0;
}

/* --- the spare ------------------------------------------------------- */

/*
 * At journal_open.  A spare.tmp is a preparer cut short: deleted.  A
 * spare.jnl was renamed only once whole and synced, so one of the
 * segment size is kept as the ready spare (its bytes are not checked:
 * zeros, or at worst bytes that never pass for a record at the position
 * the spare takes).  One of another size (a new journal made in the
 * folder for another JOURNAL_MAX) or not a plain file is deleted.
 * Neither is ever read as a segment (segs_list takes 20-character
 * names only).
 */
static void
spare_check(struct journal *j)
{
	struct stat st;

	if (unlinkat(j->j_dirfd, SPARE_TMP, 0) == 0)
		log_info("journal: %s/%s: a spare cut short; deleted",
		    j->j_dir, SPARE_TMP);
	if (fstatat(j->j_dirfd, SPARE_NAME, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return;
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size == j->j_segsize) {
		atomic_store(&j->j_spare, SPARE_READY);
		return;
	}
	log_info("journal: %s/%s: %lld bytes, not a spare of %llu; deleted",
	    j->j_dir, SPARE_NAME, (long long)st.st_size,
	    (unsigned long long)j->j_segsize);
	if (unlinkat(j->j_dirfd, SPARE_NAME, 0) == -1)
		log_warn("journal: deleting %s/%s", j->j_dir, SPARE_NAME);
}

/* The preparer gives up on spare.tmp. */
static void
spare_drop(struct journal *j)
{
	if (j->j_sp_fd != -1) {
		close(j->j_sp_fd);
		j->j_sp_fd = -1;
	}
	(void)unlinkat(j->j_dirfd, SPARE_TMP, 0);
}

/*
 * The loader thread, once a loop turn.  Nothing to do (one atomic load)
 * while a spare is ready, nor while the head is in the first half of its
 * segment.  Otherwise it claims the spare, then writes
 * SPARE_STEP chunks of zeros a call and syncs them, so that the loader
 * never stops loading for a whole segment's writing; the last call
 * renames spare.tmp to spare.jnl, syncs the folder and publishes it.
 * 0; -1 when it failed (logged once until a spare is made; retried
 * after SPARE_RETRY_MS; the appender allocates new segments meanwhile).
 */
int
journal_prepare(struct journal *j)
{
	uint64_t	n;
	int		st = SPARE_NONE, k;

	if (j->j_sp_fd == -1) {
		if (atomic_load(&j->j_spare) != SPARE_NONE ||
		    atomic_load(&j->j_head) % j->j_segsize < j->j_segsize / 2 ||
		    hc_mono_ms() < j->j_sp_retry_at ||
		    !atomic_compare_exchange_strong(&j->j_spare, &st,
		    SPARE_MAKING))
			return 0;
		(void)unlinkat(j->j_dirfd, SPARE_TMP, 0);
		if ((j->j_sp_fd = openat(j->j_dirfd, SPARE_TMP, O_WRONLY |
		    O_CREAT | O_EXCL | O_CLOEXEC, 0600)) == -1)
			goto fail;
		j->j_sp_off = 0;
		if (j->j_sp_zero == NULL)
			j->j_sp_zero = xcalloc(1, SPARE_CHUNK);
	}
	for (k = 0; k < SPARE_STEP && j->j_sp_off < j->j_segsize; k++) {
		n = j->j_segsize - j->j_sp_off;
		if (n > SPARE_CHUNK)
			n = SPARE_CHUNK;
		if (pwrite(j->j_sp_fd, j->j_sp_zero, n, (off_t)j->j_sp_off) !=
		    (ssize_t)n) {
			if (errno == 0)
				errno = ENOSPC;
			goto fail;
		}
		j->j_sp_off += n;
	}
	if (fdatasync(j->j_sp_fd) == -1)
		goto fail;
	if (j->j_sp_off < j->j_segsize)
		return 0;
	k = close(j->j_sp_fd);
	j->j_sp_fd = -1;
	if (k == -1 || renameat(j->j_dirfd, SPARE_TMP, j->j_dirfd,
	    SPARE_NAME) == -1 || fsync_dir(j) == -1)
		goto fail;
	j->j_sp_failing = 0;
	atomic_store(&j->j_spare, SPARE_READY);
	return 0;
fail:
	if (!j->j_sp_failing)
		log_warn("journal: cannot prepare a spare segment in %s "
		    "(new segments are allocated instead)", j->j_dir);
	j->j_sp_failing = 1;
	spare_drop(j);
	j->j_sp_retry_at = hc_mono_ms() + SPARE_RETRY_MS;
	atomic_store(&j->j_spare, SPARE_NONE);
	return -1;
}

/*
 * The appender: the ready spare renamed to `name`.  0; -1 when none is
 * ready or the rename failed (then the preparer makes another, whose
 * rename replaces this one).
 */
static int
spare_take(struct journal *j, const char *name)
{
	int st = SPARE_READY, rc;

	if (!atomic_compare_exchange_strong(&j->j_spare, &st, SPARE_MAKING))
		return -1;
	if ((rc = renameat(j->j_dirfd, SPARE_NAME, j->j_dirfd, name)) == -1)
		log_warn("journal: renaming %s", SPARE_NAME);
	atomic_store(&j->j_spare, SPARE_NONE);
	return rc;
}

/*
 * Make the segment that starts at the head: the oldest loaded one
 * renamed, else the spare renamed, else a new one.  Loaded segments
 * beyond the one kept for reuse go.
 */
static int
seg_make(struct journal *j)
{
	char		 old[32], name[32];
	uint64_t	 start = atomic_load(&j->j_head);
	uint64_t	 loaded = atomic_load(&j->j_loaded);
	uint64_t	 lseg = loaded - loaded % j->j_segsize;
	int		 fd, e, written = 1;

	if (start >= lseg && (start - lseg) / j->j_segsize + 1 >
	    j->j_maxsegs) {
		atomic_store(&j->j_state, JS_FULL);
		errno = ENOSPC;
		return -1;
	}
	/* Loaded segments beyond the one kept for reuse: deleted. */
	while (j->j_nsegs > 1 && j->j_segs[1] + j->j_segsize <= loaded &&
	    j->j_segs[1] < start) {
		seg_name(old, sizeof(old), j->j_segs[0]);
		if (unlinkat(j->j_dirfd, old, 0) == -1)
			break;
		memmove(j->j_segs, j->j_segs + 1, --j->j_nsegs *
		    sizeof(*j->j_segs));
	}
	seg_name(name, sizeof(name), start);
	if (j->j_nsegs > 0 && j->j_segs[0] + j->j_segsize <= loaded &&
	    j->j_segs[0] < start) {
		seg_name(old, sizeof(old), j->j_segs[0]);
		if (renameat(j->j_dirfd, old, j->j_dirfd, name) == 0) {
			memmove(j->j_segs, j->j_segs + 1, --j->j_nsegs *
			    sizeof(*j->j_segs));
			goto made;
		}
		log_warn("journal: renaming %s", old);
	}
	if (spare_take(j, name) == 0)
		goto made;
	if ((fd = openat(j->j_dirfd, name, O_RDWR | O_CREAT | O_EXCL |
	    O_CLOEXEC, 0600)) == -1)
		goto fail;
	if ((e = posix_fallocate(fd, 0, (off_t)j->j_segsize)) != 0) {
		close(fd);
		(void)unlinkat(j->j_dirfd, name, 0);
		errno = e;
		goto fail;
	}
	close(fd);
	written = 0;
made:
	if (fsync_dir(j) == -1)
		goto fail;
	segs_add(j, start);
	segs_publish(j);
	if (seg_open_cur(j) == -1)
		goto fail;
	if (written)
		j->j_zeroed = j->j_segsize;	/* recycled, or the spare */
	return 0;
fail:
	e = errno;
	log_warnx("journal: cannot make segment %s: %s", name, strerror(e));
	atomic_store(&j->j_state, JS_FAILED);
	segs_publish(j);
	errno = e;
	return -1;
}

struct journal *
journal_open(const char *dir, uint64_t max, uint64_t maxrec, char *err,
    size_t errsz)
{
	struct journal	*j = xcalloc(1, sizeof(*j));
	uint64_t	 head;
	int		 rc;

	j->j_dir = xstrdup(dir);
	j->j_fd = -1;
	j->j_sp_fd = -1;
	if ((j->j_dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1) {
		snprintf(err, errsz, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	if ((rc = id_read(j, err, errsz)) < 0) {
		if (rc == -1)
			snprintf(err, errsz, "%s/journal.id: %s", dir,
			    strerror(errno));
		goto fail;
	}
	if (rc == 1) {
		j->j_segsize = journal_segsize_for(max, maxrec);
		if (segs_list(j, err, errsz) == -1)
			goto fail;
		if (j->j_nsegs > 0) {
			snprintf(err, errsz, "%s holds segments but no "
			    "journal.id: move them away", dir);
			goto fail;
		}
		if (id_write(j, err, errsz) == -1)
			goto fail;
		log_info("journal: new journal %llu in %s, segments of %llu "
		    "bytes", (unsigned long long)j->j_id, dir,
		    (unsigned long long)j->j_segsize);
	} else if (segs_list(j, err, errsz) == -1)
		goto fail;
	if (JREC_ALIGN(JREC_HDR + maxrec) * 2 + MARK_REC + END_REC >
	    j->j_segsize) {
		snprintf(err, errsz, "the journal's segments (%llu bytes) are "
		    "too small for the largest ping (%llu bytes): move %s "
		    "away to start a new journal once it is loaded",
		    (unsigned long long)j->j_segsize,
		    (unsigned long long)maxrec, dir);
		goto fail;
	}
	j->j_maxsegs = max / j->j_segsize;
	if (j->j_maxsegs < 2)
		j->j_maxsegs = 2;
	spare_check(j);
	if (recover(j, err, errsz) == -1)
		goto fail;
	head = atomic_load(&j->j_head);
	atomic_store(&j->j_pings, j->j_npings);
	atomic_store(&j->j_loaded, j->j_nsegs ? j->j_segs[0] : head);
	segs_publish(j);
	if (j->j_nsegs > 0 && j->j_segs[j->j_nsegs - 1] + j->j_segsize > head)
		if (seg_open_cur(j) == -1) {
			snprintf(err, errsz, "%s: %s", dir, strerror(errno));
			goto fail;
		}
	return j;
fail:
	journal_close(j);
	return NULL;
}

void
journal_close(struct journal *j)
{
	if (j == NULL)
		return;
	if (j->j_fd != -1)
		close(j->j_fd);
	if (j->j_sp_fd != -1)
		spare_drop(j);		/* the preparer stopped mid-way */
	if (j->j_dirfd != -1)
		close(j->j_dirfd);
	free(j->j_sp_zero);
	free(j->j_zero);
	free(j->j_segs);
	free(j->j_stage);
	free(j->j_dir);
	free(j);
}

/* --- appending -------------------------------------------------------- */

static void
stage(struct journal *j, int type, const void *p, size_t len)
{
	struct jrec	h;
	uint64_t	n = JREC_ALIGN(JREC_HDR + len);
	uint8_t		*d;

	if (j->j_stage_len + n > j->j_stage_cap) {
		while (j->j_stage_len + n > j->j_stage_cap)
			j->j_stage_cap = j->j_stage_cap ? j->j_stage_cap * 2 :
			    65536;
		j->j_stage = xreallocarray(j->j_stage, j->j_stage_cap, 1);
	}
	d = j->j_stage + j->j_stage_len;
	memset(&h, 0, sizeof(h));
	h.jr_len = JREC_HDR + (uint32_t)len;
	h.jr_pos = j->j_seg + j->j_off + j->j_stage_len;
	h.jr_type = (uint32_t)type;
	memcpy(d, &h, sizeof(h));
	if (len > 0)
		memcpy(d + JREC_HDR, p, len);
	memset(d + JREC_HDR + len, 0, n - JREC_HDR - len);
	h.jr_crc = rec_crc((const struct jrec *)d);
	memcpy(d + 4, &h.jr_crc, sizeof(h.jr_crc));
	j->j_stage_len += n;
}

int
journal_add(struct journal *j, const void *p, size_t len)
{
	uint64_t n = JREC_ALIGN(JREC_HDR + len);

	if (j->j_roll)
		return 1;
	if (atomic_load(&j->j_state) != JS_OK && journal_retry(j) != JS_OK)
		return -1;
	if (j->j_fd == -1 && seg_make(j) == -1)
		return -1;
	if (j->j_off + j->j_stage_len + n + MARK_REC + END_REC >
	    j->j_segsize) {
		if (j->j_off + n + MARK_REC + END_REC > j->j_segsize &&
		    j->j_off == 0)
			return -1;	/* cannot happen: segments fit two */
		j->j_roll = 1;
		return 1;
	}
	stage(j, JREC_PING, p, len);
	j->j_staged++;
	return 0;
}

size_t
journal_staged(const struct journal *j)
{
	return j->j_staged;
}

/* Zero the bytes of a group that failed, and sync: 0 once done. */
static int
scrub(struct journal *j)
{
	static const uint8_t zero[4096];
	uint64_t	off = j->j_dirty_off, left = j->j_dirty_len;
	size_t		n;

	while (left > 0) {
		n = left > sizeof(zero) ? sizeof(zero) : left;
		if (pwrite(j->j_fd, zero, n, (off_t)off) != (ssize_t)n)
			return -1;
		off += n;
		left -= n;
	}
	if (fdatasync(j->j_fd) == -1)
		return -1;
	j->j_dirty_len = 0;
	return 0;
}

const struct jmark *
journal_last_mark(const struct journal *j, const uint64_t **pos)
{
	*pos = j->j_mark_pos;
	return j->j_has_mark ? &j->j_mark : NULL;
}

/*
 * Zero-ahead (see the top): zeros past the group about to be written,
 * if it ends near the last ones.  Only a speed-up: a failed write stops
 * it for this segment, and the group's own write and sync decide.
 */
static void
zero_ahead(struct journal *j)
{
	uint64_t end = j->j_off + j->j_stage_len, from, to;

	if (j->j_zeroed >= j->j_segsize || end + ZERO_LOW < j->j_zeroed)
		return;
	from = end > j->j_zeroed ? end : j->j_zeroed;
	to = from + ZERO_AHEAD < j->j_segsize ? from + ZERO_AHEAD :
	    j->j_segsize;
	if (from >= to)
		return;
	if (j->j_zero == NULL)
		j->j_zero = xcalloc(1, ZERO_AHEAD);
	if (pwrite(j->j_fd, j->j_zero, to - from, (off_t)from) ==
	    (ssize_t)(to - from))
		j->j_zeroed = to;
	else
		j->j_zeroed = j->j_segsize;
}

uint64_t
journal_zeroed(const struct journal *j)
{
	return j->j_fd == -1 ? 0 : j->j_zeroed;
}

int
journal_flush(struct journal *j, const struct jmark *mk, const uint64_t *pos)
{
	struct jmark	m;
	uint8_t		mb[sizeof(m) + 8 * JMARK_MAX_RINGS];
	ssize_t		n;
	int		e, marked = 0;

	memset(&m, 0, sizeof(m));
	if (j->j_stage_len == 0 && !j->j_roll)
		return 0;
	if (j->j_fd == -1) {
		/* Rolling with nothing staged, the next segment not made. */
		j->j_roll = 0;
		return 0;
	}
	if (j->j_stage_len > 0) {
		m = *mk;
		if (m.jm_nrings > JMARK_MAX_RINGS)
			m.jm_nrings = JMARK_MAX_RINGS;
		m.jm_pings = j->j_npings + j->j_staged;
		m.jm_zero = 0;
		memcpy(mb, &m, sizeof(m));
		memcpy(mb + sizeof(m), pos, 8 * (size_t)m.jm_nrings);
		stage(j, JREC_MARK, mb, sizeof(m) + 8 * (size_t)m.jm_nrings);
		marked = 1;
	}
	if (j->j_roll)
		stage(j, JREC_END, NULL, 0);
	else
		zero_ahead(j);
	n = pwrite(j->j_fd, j->j_stage, j->j_stage_len, (off_t)j->j_off);
	if (n != (ssize_t)j->j_stage_len || fdatasync(j->j_fd) == -1) {
		e = n == -1 || n == (ssize_t)j->j_stage_len ? errno : ENOSPC;
		log_warnx("journal: writing %zu bytes at %016llx+%llu: %s",
		    j->j_stage_len, (unsigned long long)j->j_seg,
		    (unsigned long long)j->j_off, strerror(e));
		j->j_dirty_off = j->j_off;
		j->j_dirty_len = j->j_stage_len;
		(void)scrub(j);
		j->j_stage_len = 0;
		j->j_staged = 0;
		j->j_roll = 0;
		atomic_store(&j->j_state, JS_FAILED);
		j->j_retry_at = hc_mono_ms() + RETRY_MS;
		errno = e;
		return -1;
	}
	if (marked) {
		j->j_mark = m;
		memcpy(j->j_mark_pos, pos, 8 * (size_t)m.jm_nrings);
		j->j_has_mark = 1;
	}
	j->j_npings += j->j_staged;
	j->j_off += j->j_stage_len;
	j->j_stage_len = 0;
	j->j_staged = 0;
	if (j->j_roll) {
		j->j_roll = 0;
		close(j->j_fd);
		j->j_fd = -1;
		atomic_store(&j->j_pings, j->j_npings);
		atomic_store(&j->j_head, j->j_seg + j->j_segsize);
		/* Made now, so that the next group need not wait for it. */
		(void)seg_make(j);
		return 0;
	}
	atomic_store(&j->j_pings, j->j_npings);
	atomic_store(&j->j_head, j->j_seg + j->j_off);
	return 0;
}

enum jstate
journal_retry(struct journal *j)
{
	int64_t now = hc_mono_ms();

	if (atomic_load(&j->j_state) == JS_OK)
		return JS_OK;
	if (now < j->j_retry_at)
		return (enum jstate)atomic_load(&j->j_state);
	j->j_retry_at = now + RETRY_MS;
	if (j->j_dirty_len > 0 && scrub(j) == -1)
		return JS_FAILED;
	atomic_store(&j->j_state, JS_OK);
	if (j->j_fd == -1 && seg_make(j) == -1)
		return (enum jstate)atomic_load(&j->j_state);
	return JS_OK;
}

enum jstate
journal_state(const struct journal *j)
{
	return (enum jstate)atomic_load(&j->j_state);
}

uint64_t journal_id(const struct journal *j) { return j->j_id; }
uint64_t journal_segsize(const struct journal *j) { return j->j_segsize; }
uint64_t journal_head(const struct journal *j) { return atomic_load(&j->j_head); }
uint64_t journal_first(const struct journal *j) { return atomic_load(&j->j_first); }
uint64_t journal_pings(const struct journal *j) { return atomic_load(&j->j_pings); }
uint64_t
journal_disk(const struct journal *j)
{
	return atomic_load(&j->j_disk) + (atomic_load(&j->j_spare) ==
	    SPARE_READY ? j->j_segsize : 0);
}

uint64_t journal_loaded(const struct journal *j) { return atomic_load(&j->j_loaded); }

void
journal_set_loaded(struct journal *j, uint64_t pos)
{
	atomic_store(&j->j_loaded, pos);
}

/* --- reading ---------------------------------------------------------- */

struct jreader *
jreader_new(struct journal *j)
{
	struct jreader *r = xcalloc(1, sizeof(*r));

	r->r_j = j;
	return r;
}

void
jreader_free(struct jreader *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->r_nmaps; i++)
		munmap(r->r_maps[i].m_base, r->r_j->j_segsize);
	free(r->r_maps);
	free(r);
}

static uint8_t *
reader_map(struct jreader *r, uint64_t seg)
{
	uint8_t	*b;
	size_t	 i;

	for (i = r->r_nmaps; i-- > 0; )
		if (r->r_maps[i].m_start == seg)
			return r->r_maps[i].m_base;
	if ((b = seg_map(r->r_j, seg, PROT_READ)) == NULL)
		return NULL;
	if (r->r_nmaps == r->r_cap) {
		r->r_cap = r->r_cap ? r->r_cap * 2 : 8;
		r->r_maps = xreallocarray(r->r_maps, r->r_cap,
		    sizeof(*r->r_maps));
	}
	r->r_maps[r->r_nmaps].m_start = seg;
	r->r_maps[r->r_nmaps++].m_base = b;
	return b;
}

const void *
jreader_next(struct jreader *r, uint64_t *pos, uint64_t head, size_t *len,
    int *type)
{
	uint64_t	 ss = r->r_j->j_segsize, seg, off;
	struct jrec	 h;
	uint8_t		*b;

	while (*pos < head) {
		seg = *pos - *pos % ss;
		off = *pos - seg;
		if ((b = reader_map(r, seg)) == NULL) {
			log_warn("journal: reading segment %016llx",
			    (unsigned long long)seg);
			return NULL;
		}
		if (!rec_valid(b + off, ss - off, *pos)) {
			log_warnx("journal: bad record at %016llx+%llu below "
			    "the head; skipping to the next segment",
			    (unsigned long long)seg, (unsigned long long)off);
			*pos = seg + ss;
			continue;
		}
		memcpy(&h, b + off, sizeof(h));
		if (h.jr_type == JREC_END) {
			*pos = seg + ss;
			continue;
		}
		*pos += JREC_ALIGN(h.jr_len);
		*len = h.jr_len - JREC_HDR;
		*type = (int)h.jr_type;
		return b + off + JREC_HDR;
	}
	return NULL;
}

void
jreader_release(struct jreader *r, uint64_t pos)
{
	size_t i = 0;

	while (i < r->r_nmaps) {
		if (r->r_maps[i].m_start + r->r_j->j_segsize <= pos) {
			munmap(r->r_maps[i].m_base, r->r_j->j_segsize);
			r->r_maps[i] = r->r_maps[--r->r_nmaps];
		} else
			i++;
	}
}
