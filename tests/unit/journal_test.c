/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Unit tests for alerter/journal.c and common/crc32c.c: the CRC's
 * check value; records written in groups and read back in order across
 * segment ends; a reopened journal finding its head, identity and ping
 * count; a torn tail (the last segment cut or corrupted at every kind
 * of offset) ending the journal at the last whole record; recycling of
 * loaded segments; JOURNAL_MAX refusing once the unloaded data fill it
 * and accepting again once loaded; the spare segment (journal_prepare):
 * not before the head is past the middle of its segment, then made
 * once, a few chunks a call, then left alone; taken by a rollover
 * with no loaded segment to recycle; a leftover spare.tmp or a spare of
 * the wrong size deleted at open, a right one kept and never read as a
 * segment; a preparer thread racing the appender (run under TSan too);
 * zero-ahead: a fallocated segment's bytes written a MiB ahead of the
 * groups (its extents no longer unwritten there, where the file system
 * says so), recycled and spare segments left as they are, and every
 * record read back across it and after a reopen.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/ioctl.h>
#include <sys/stat.h>

#ifdef __linux__
#include <linux/fiemap.h>
#include <linux/fs.h>
#endif

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crc32c.h"
#include "hcd.h"
#include "../../alerter/journal.h"
#include "log.h"

#define SEG	(64 * 1024)

static char	dir[64];

static int
setup(void **st)
{
	strcpy(dir, "/tmp/hcd-jtest.XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int
teardown(void **st)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static struct journal *
jopen(uint64_t max)
{
	char		 err[256];
	struct journal	*j = journal_open(dir, max, 1000, err, sizeof(err));

	if (j == NULL)
		fail_msg("journal_open: %s", err);
	return j;
}

/* Flush with a mark dated t, of two rings at positions t and t + 1. */
static int
jflush(struct journal *j, int64_t t)
{
	struct jmark	m;
	uint64_t	pos[2] = { (uint64_t)t, (uint64_t)t + 1 };

	memset(&m, 0, sizeof(m));
	m.jm_time = t;
	m.jm_shm = 42;
	m.jm_nrings = 2;
	return journal_flush(j, &m, pos);
}

/* Add payload i (its number, repeated to len bytes); flush as needed. */
static void
add(struct journal *j, int i, size_t len)
{
	uint8_t	b[1000];
	size_t	k;
	int	rc;

	for (k = 0; k < len; k++)
		b[k] = (uint8_t)(i + k);
	memcpy(b, &i, sizeof(i));
	while ((rc = journal_add(j, b, len)) == 1)
		assert_int_equal(jflush(j, 1000 + i), 0);
	assert_int_equal(rc, 0);
}

/* Read every ping from `from` to the head: their numbers, in order. */
static int
read_all(struct journal *j, uint64_t from, int *got, int max)
{
	struct jreader	*r = jreader_new(j);
	const uint8_t	*p;
	uint64_t	 pos = from;
	size_t		 len;
	int		 type, n = 0, v;

	while ((p = jreader_next(r, &pos, journal_head(j), &len, &type)) !=
	    NULL) {
		if (type != JREC_PING)
			continue;
		memcpy(&v, p, sizeof(v));
		assert_true(n < max);
		got[n++] = v;
	}
	assert_int_equal(pos, journal_head(j));
	jreader_free(r);
	return n;
}

static void
test_crc32c(void **st)
{
	/* The check value of CRC-32C, and a split computation. */
	assert_int_equal(crc32c(0, "123456789", 9), 0xe3069283);
	assert_int_equal(crc32c(crc32c(0, "1234", 4), "56789", 5), 0xe3069283);
	assert_int_equal(crc32c(0, "", 0), 0);
	assert_int_equal(crc32c_table(0, "123456789", 9), 0xe3069283);
}

/*
 * The CPU's instruction and the tables agree, at every length up to
 * 300 and every start alignment, whole and split.  Where the CPU has no
 * instruction, crc32c is crc32c_table and this compares it with itself.
 */
static void
test_crc32c_hw(void **st)
{
	uint8_t		buf[320];
	uint32_t	a, b;
	size_t		i, n, off, cut;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 131 + 7 + (i >> 3));
	print_message("crc32c: %s\n", crc32c_hw() ? "the CPU's instruction" :
	    "tables only");
	for (off = 0; off < 8; off++)
		for (n = 0; n + off <= 300; n++) {
			a = crc32c(0, buf + off, n);
			b = crc32c_table(0, buf + off, n);
			assert_int_equal(a, b);
			cut = n / 3;
			assert_int_equal(crc32c(crc32c(0, buf + off, cut),
			    buf + off + cut, n - cut), b);
			assert_int_equal(crc32c(0x12345678, buf + off, n),
			    crc32c_table(0x12345678, buf + off, n));
		}
}

static void
test_groups_and_reopen(void **st)
{
	struct journal	*j = jopen(1024 * 1024);
	uint64_t	 id = journal_id(j), head;
	int		 got[2000], i, n;

	assert_int_equal(journal_segsize(j), 128 * 1024);
	assert_int_equal(journal_head(j), 0);
	/* 1,500 pings of 300 bytes: several segments, groups of 7. */
	for (i = 0; i < 1500; i++) {
		add(j, i, 300);
		if (i % 7 == 6)
			assert_int_equal(jflush(j, 1000 + i), 0);
	}
	assert_int_equal(jflush(j, 5000), 0);
	assert_int_equal(journal_pings(j), 1500);
	assert_true(journal_disk(j) >= 4 * journal_segsize(j));
	n = read_all(j, 0, got, 2000);
	assert_int_equal(n, 1500);
	for (i = 0; i < n; i++)
		assert_int_equal(got[i], i);
	head = journal_head(j);
	journal_close(j);

	j = jopen(1024 * 1024);
	assert_int_equal(journal_id(j), id);
	assert_int_equal(journal_head(j), head);
	assert_int_equal(journal_pings(j), 1500);
	assert_int_equal(journal_first(j), 0);
	{
		const uint64_t		*pos;
		const struct jmark	*m = journal_last_mark(j, &pos);

		assert_non_null(m);
		assert_int_equal(m->jm_time, 5000);
		assert_int_equal(m->jm_shm, 42);
		assert_int_equal(m->jm_nrings, 2);
		assert_int_equal(pos[1], 5001);
		assert_int_equal(m->jm_pings, 1500);
	}
	/* Appends continue after the old head. */
	add(j, 1500, 300);
	assert_int_equal(jflush(j, 6000), 0);
	assert_int_equal(read_all(j, 0, got, 2000), 1501);
	assert_int_equal(got[1500], 1500);
	journal_close(j);
}

/* The last segment file, and where its data end. */
static void
last_seg(char *path, size_t n, uint64_t *start)
{
	DIR		*d = opendir(dir);
	struct dirent	*e;
	uint64_t	 best = 0;
	int		 any = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (strlen(e->d_name) != 20 ||	/* not spare.jnl */
		    strstr(e->d_name, ".jnl") == NULL)
			continue;
		if (!any || strtoull(e->d_name, NULL, 16) > best)
			best = strtoull(e->d_name, NULL, 16);
		any = 1;
	}
	closedir(d);
	assert_true(any);
	snprintf(path, n, "%s/%016llx.jnl", dir, (unsigned long long)best);
	*start = best;
}

static void
test_torn_tail(void **st)
{
	/* Offsets into the last record: header, payload, last byte. */
	static const int cuts[] = { 1, 4, 12, 23, 24, 100, 303 };
	char		 path[256];
	uint64_t	 seg, last, head;
	int		 got[100], k, fd, n;
	size_t		 c;
	struct journal	*j;

	for (c = 0; c <= sizeof(cuts) / sizeof(cuts[0]); c++) {
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s/*", dir);
		assert_int_equal(system(cmd), 0);
		j = jopen(1024 * 1024);
		for (k = 0; k < 10; k++)
			add(j, k, 280);
		assert_int_equal(jflush(j, 1), 0);
		last = journal_head(j);
		/* The 11th ping alone in its group, with its mark. */
		add(j, 10, 280);
		assert_int_equal(jflush(j, 2), 0);
		head = journal_head(j);
		journal_close(j);
		last_seg(path, sizeof(path), &seg);
		if (c < sizeof(cuts) / sizeof(cuts[0])) {
			/* Cut within the 11th record (a file cut short). */
			assert_int_equal(truncate(path, (off_t)(last - seg +
			    cuts[c])), 0);
		} else {
			/* Or one byte of its payload flipped. */
			uint8_t b;

			assert_true((fd = open(path, O_RDWR)) != -1);
			assert_int_equal(pread(fd, &b, 1, (off_t)(last - seg +
			    50)), 1);
			b ^= 0x40;
			assert_int_equal(pwrite(fd, &b, 1, (off_t)(last - seg +
			    50)), 1);
			close(fd);
		}
		j = jopen(1024 * 1024);
		assert_int_equal(journal_head(j), last);
		assert_true(journal_head(j) < head);
		n = read_all(j, 0, got, 100);
		assert_int_equal(n, 10);
		assert_int_equal(journal_pings(j), 10);
		/* New records go where the cut one was, and survive. */
		add(j, 77, 280);
		assert_int_equal(jflush(j, 3), 0);
		journal_close(j);
		j = jopen(1024 * 1024);
		n = read_all(j, 0, got, 100);
		assert_int_equal(n, 11);
		assert_int_equal(got[10], 77);
		journal_close(j);
	}
}

static void
test_full_and_recycle(void **st)
{
	/* 512 KiB: 8 segments of 64 KiB may hold unloaded data. */
	struct journal	*j = jopen(512 * 1024);
	uint8_t		 b[1000];
	int		 rc, i, accepted = 0, got[4000];
	struct stat	 sb;
	char		 path[256];

	assert_int_equal(journal_segsize(j), SEG);
	memset(b, 0, sizeof(b));
	for (i = 0; i < 4000; i++) {
		memcpy(b, &i, sizeof(i));
		while ((rc = journal_add(j, b, 500)) == 1)
			assert_int_equal(jflush(j, i), 0);
		if (rc == -1)
			break;
		accepted++;
	}
	assert_int_equal(rc, -1);
	assert_int_equal(journal_state(j), JS_FULL);
	assert_int_equal(jflush(j, 1), 0);
	assert_true(journal_disk(j) <= 512 * 1024);
	assert_int_equal(read_all(j, 0, got, 4000), accepted);
	/* Still full at once: nothing loaded. */
	assert_int_equal(journal_add(j, b, 500), -1);
	/* Loaded up to the head: after the retry delay, accepted again. */
	journal_set_loaded(j, journal_head(j));
	usleep(150 * 1000);
	assert_int_equal(journal_retry(j), JS_OK);
	for (i = 0; i < 300; i++) {
		while ((rc = journal_add(j, b, 500)) == 1)
			assert_int_equal(jflush(j, i), 0);
		assert_int_equal(rc, 0);
	}
	assert_int_equal(jflush(j, 1), 0);
	/* Loaded segments were recycled or removed: few files remain. */
	assert_true(journal_disk(j) <= 4 * SEG);
	snprintf(path, sizeof(path), "%s/%016llx.jnl", dir,
	    (unsigned long long)(journal_head(j) - journal_head(j) % SEG));
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, SEG);
	journal_close(j);
}

static void
test_bad_dir(void **st)
{
	char		 err[256];
	char		 path[256];
	int		 fd;

	assert_null(journal_open("/nonexistent/hcd", 1 << 20, 100, err,
	    sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/hcd"));
	/* Segments without an identity are not taken for a journal. */
	snprintf(path, sizeof(path), "%s/0000000000000000.jnl", dir);
	assert_true((fd = open(path, O_CREAT | O_WRONLY, 0600)) != -1);
	close(fd);
	assert_null(journal_open(dir, 1 << 20, 100, err, sizeof(err)));
	assert_non_null(strstr(err, "journal.id"));
}

/* stat a file of the journal's folder: 0, or -1 when it is missing. */
static int
jstat(const char *name, struct stat *sb)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, sb);
}

/* Make a file of the journal's folder, of n bytes of c. */
static void
jmkfile(const char *name, size_t n, int c)
{
	char	 path[256];
	uint8_t	 b[4096];
	size_t	 k;
	int	 fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_true((fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600)) !=
	    -1);
	memset(b, c, sizeof(b));
	for (k = 0; k < n; k += sizeof(b))
		assert_int_equal(write(fd, b, n - k < sizeof(b) ? n - k :
		    sizeof(b)), n - k < sizeof(b) ? n - k : sizeof(b));
	close(fd);
}

/* Pings *i and on of 500 bytes, groups of 10, until the head reaches pos. */
static void
add_until(struct journal *j, int *i, uint64_t pos)
{
	while (journal_head(j) < pos) {
		add(j, *i, 500);
		if (++*i % 10 == 0 || journal_head(j) + 11 * 528 >= pos)
			assert_int_equal(jflush(j, 1000 + *i), 0);
	}
}

static void
test_spare_made_once(void **st)
{
	/* 64 MiB: segments of 8 MiB, two calls of 4 MiB each. */
	struct journal	*j = jopen(64 * 1024 * 1024);
	uint64_t	 ss = journal_segsize(j), disk;
	struct stat	 sb, sb2;
	int		 i = 0;

	assert_int_equal(ss, 8 * 1024 * 1024);
	/* Not wanted yet: the head is in the first half of its segment. */
	assert_int_equal(journal_prepare(j), 0);
	assert_int_equal(jstat("spare.tmp", &sb), -1);
	add_until(j, &i, ss / 2 - 8192);
	assert_true(journal_head(j) < ss / 2);
	assert_int_equal(journal_prepare(j), 0);
	assert_int_equal(jstat("spare.tmp", &sb), -1);
	add_until(j, &i, ss / 2);
	disk = journal_disk(j);
	assert_int_equal(disk, ss);
	assert_int_equal(journal_prepare(j), 0);
	assert_int_equal(jstat("spare.tmp", &sb), 0);
	assert_int_equal(sb.st_size, 4 * 1024 * 1024);
	assert_int_equal(jstat("spare.jnl", &sb), -1);
	assert_int_equal(journal_disk(j), disk);
	assert_int_equal(journal_prepare(j), 0);
	assert_int_equal(jstat("spare.tmp", &sb), -1);
	assert_int_equal(jstat("spare.jnl", &sb), 0);
	assert_int_equal(sb.st_size, ss);
	/* No holes (a hole would read as zeros but need space later). */
	assert_true((uint64_t)sb.st_blocks * 512 >= ss);
	assert_int_equal(journal_disk(j), disk + ss);
	/* Ready: further calls change nothing. */
	assert_int_equal(journal_prepare(j), 0);
	assert_int_equal(journal_prepare(j), 0);
	assert_int_equal(jstat("spare.jnl", &sb2), 0);
	assert_int_equal(sb2.st_ino, sb.st_ino);
	assert_int_equal(sb2.st_mtim.tv_sec, sb.st_mtim.tv_sec);
	assert_int_equal(sb2.st_mtim.tv_nsec, sb.st_mtim.tv_nsec);
	assert_int_equal(jstat("spare.tmp", &sb2), -1);
	journal_close(j);
	/* Kept at the next open, and still counted. */
	j = jopen(64 * 1024 * 1024);
	assert_int_equal(journal_disk(j), disk + ss);
	assert_int_equal(journal_prepare(j), 0);
	assert_int_equal(jstat("spare.jnl", &sb2), 0);
	assert_int_equal(sb2.st_ino, sb.st_ino);
	assert_int_equal(jstat("spare.tmp", &sb2), -1);
	journal_close(j);
}

static void
test_spare_taken(void **st)
{
	struct journal	*j = jopen(512 * 1024);
	char		 name[32];
	struct stat	 sb, spare;
	int		 got[1000], i = 0, n;

	assert_int_equal(journal_segsize(j), SEG);
	add_until(j, &i, SEG / 2);
	assert_int_equal(journal_prepare(j), 0);	/* one call: 64 KiB */
	assert_int_equal(jstat("spare.jnl", &spare), 0);
	assert_int_equal(journal_disk(j), 2 * SEG);
	/* Nothing loaded: the rollover into the second segment takes it. */
	add_until(j, &i, SEG + 1);
	assert_int_equal(jstat("spare.jnl", &sb), -1);
	assert_int_equal(journal_zeroed(j), SEG);	/* written whole */
	snprintf(name, sizeof(name), "%016llx.jnl", (unsigned long long)SEG);
	assert_int_equal(jstat(name, &sb), 0);
	assert_int_equal(sb.st_ino, spare.st_ino);
	assert_int_equal(sb.st_size, SEG);
	assert_int_equal(journal_disk(j), 2 * SEG);
	/* The third segment, with no spare ready: allocated as before. */
	add_until(j, &i, 2 * SEG + 1);
	snprintf(name, sizeof(name), "%016llx.jnl", (unsigned long long)
	    (2 * SEG));
	assert_int_equal(jstat(name, &sb), 0);
	assert_int_equal(sb.st_size, SEG);
	assert_true(sb.st_ino != spare.st_ino);
	assert_int_equal(journal_disk(j), 3 * SEG);
	n = read_all(j, 0, got, 1000);
	assert_int_equal(n, i);
	for (n = 0; n < i; n++)
		assert_int_equal(got[n], n);
	/* A new spare; taken by the next rollover, records read back. */
	add_until(j, &i, 2 * SEG + SEG / 2);
	assert_int_equal(journal_prepare(j), 0);
	assert_int_equal(journal_disk(j), 4 * SEG);
	add_until(j, &i, 3 * SEG + 1);
	assert_int_equal(jstat("spare.jnl", &sb), -1);
	assert_int_equal(journal_disk(j), 4 * SEG);
	journal_close(j);
	j = jopen(512 * 1024);
	n = read_all(j, 0, got, 1000);
	assert_int_equal(n, i);
	for (n = 0; n < i; n++)
		assert_int_equal(got[n], n);
	journal_close(j);
}

/*
 * Whether segment `start`'s extents are unwritten (fallocated, never
 * written) anywhere in [from, to): 1 or 0; -1 where the file system
 * cannot say (no FIEMAP, or no unwritten extents at all: tmpfs).
 */
static int
unwritten_in(uint64_t start, uint64_t from, uint64_t to)
{
#if defined(__linux__) && defined(FS_IOC_FIEMAP)
	struct {
		struct fiemap		f;
		struct fiemap_extent	e[256];
	} fm;
	char		path[256];
	unsigned	k;
	int		fd, any = 0, in = 0;

	snprintf(path, sizeof(path), "%s/%016llx.jnl", dir,
	    (unsigned long long)start);
	assert_true((fd = open(path, O_RDONLY)) != -1);
	memset(&fm, 0, sizeof(fm));
	fm.f.fm_length = ~0ULL;
	fm.f.fm_flags = FIEMAP_FLAG_SYNC;
	fm.f.fm_extent_count = 256;
	if (ioctl(fd, FS_IOC_FIEMAP, &fm) == -1) {
		close(fd);
		return -1;
	}
	close(fd);
	for (k = 0; k < fm.f.fm_mapped_extents; k++) {
		const struct fiemap_extent *e = &fm.f.fm_extents[k];

		if (!(e->fe_flags & FIEMAP_EXTENT_UNWRITTEN))
			continue;
		any = 1;
		if (e->fe_logical < to && e->fe_logical + e->fe_length > from)
			in = 1;
	}
	return any || in ? in : -1;
#else
	return -1;
#endif
}

static void
test_zero_ahead(void **st)
{
	/* 64 MiB: segments of 8 MiB, the first one fallocated. */
	struct journal	*j = jopen(64 * 1024 * 1024);
	uint64_t	 ss = journal_segsize(j), z;
	static int	 got[20000];
	int		 i = 0, n, u;

	assert_int_equal(ss, 8 * 1024 * 1024);
	add(j, i++, 500);
	assert_int_equal(jflush(j, 1000), 0);
	/* The first group: a MiB of zeros past it, synced with it. */
	assert_int_equal(journal_zeroed(j), journal_head(j) + 1024 * 1024);
	u = unwritten_in(0, 0, journal_zeroed(j));
	if (u != -1) {
		assert_int_equal(u, 0);
		assert_int_equal(unwritten_in(0, journal_zeroed(j), ss), 1);
	}
	/* Further groups: always ahead, a MiB at a time, 256 KiB before. */
	while (journal_head(j) < 3 * 1024 * 1024) {
		z = journal_zeroed(j);
		add_until(j, &i, journal_head(j) + 5280);
		assert_true(journal_zeroed(j) > journal_head(j));
		assert_true(journal_zeroed(j) == z ||
		    journal_zeroed(j) == z + 1024 * 1024);
		if (journal_zeroed(j) != z)
			assert_true(journal_head(j) + 256 * 1024 >= z);
	}
	u = unwritten_in(0, 0, journal_zeroed(j));
	if (u != -1)
		assert_int_equal(u, 0);
	/* Every record read back, zeros or not past them; and reopened. */
	n = read_all(j, 0, got, 20000);
	assert_int_equal(n, i);
	journal_close(j);
	j = jopen(64 * 1024 * 1024);
	n = read_all(j, 0, got, 20000);
	assert_int_equal(n, i);
	for (n = 0; n < i; n++)
		assert_int_equal(got[n], n);
	/* Reopened: nothing past the head is taken for written. */
	assert_int_equal(journal_zeroed(j), journal_head(j));
	add(j, i++, 500);
	assert_int_equal(jflush(j, 2000), 0);
	assert_int_equal(journal_zeroed(j), journal_head(j) + 1024 * 1024);
	journal_close(j);
}

static void
test_spare_leftovers(void **st)
{
	struct journal	*j = jopen(512 * 1024);
	struct stat	 sb;
	int		 i = 0;

	add_until(j, &i, SEG / 2);
	journal_close(j);
	/* A preparer cut short, and a spare of another segment size. */
	jmkfile("spare.tmp", 12345, 0);
	jmkfile("spare.jnl", 2 * SEG, 0);
	j = jopen(512 * 1024);
	assert_int_equal(jstat("spare.tmp", &sb), -1);
	assert_int_equal(jstat("spare.jnl", &sb), -1);
	assert_int_equal(journal_disk(j), SEG);
	/* None ready: the next call makes one. */
	assert_int_equal(journal_prepare(j), 0);
	assert_int_equal(jstat("spare.jnl", &sb), 0);
	assert_int_equal(sb.st_size, SEG);
	journal_close(j);
}

static void
test_spare_not_a_segment(void **st)
{
	struct journal	*j = jopen(512 * 1024);
	uint64_t	 head;
	char		 cmd[256];
	int		 got[1000], i;

	for (i = 0; i < 50; i++)
		add(j, i, 500);
	assert_int_equal(jflush(j, 1), 0);
	head = journal_head(j);
	journal_close(j);
	/* A spare holding a real segment's records (by hand): never read. */
	snprintf(cmd, sizeof(cmd), "cp %s/0000000000000000.jnl %s/spare.jnl",
	    dir, dir);
	assert_int_equal(system(cmd), 0);
	j = jopen(512 * 1024);
	assert_int_equal(journal_head(j), head);
	assert_int_equal(journal_pings(j), 50);
	assert_int_equal(journal_first(j), 0);
	assert_int_equal(read_all(j, 0, got, 1000), 50);
	assert_int_equal(journal_disk(j), 2 * SEG);	/* the spare too */
	journal_close(j);
}

static atomic_int	prep_stop;

static void *
prep_main(void *arg)
{
	struct journal *j = arg;

	while (!atomic_load(&prep_stop)) {
		(void)journal_prepare(j);
		sched_yield();
	}
	return NULL;
}

static void
test_spare_race(void **st)
{
	struct journal	*j;
	pthread_t	 t;
	char		 cmd[128];
	int		 got[1000], round, i, n;

	/* Fresh journals: every rollover wants the spare or a new file. */
	for (round = 0; round < 10; round++) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s/*", dir);
		assert_int_equal(system(cmd), 0);
		j = jopen(512 * 1024);
		atomic_store(&prep_stop, 0);
		assert_int_equal(pthread_create(&t, NULL, prep_main, j), 0);
		for (i = 0; i < 700; i++) {
			add(j, i, 500);
			if (i % 20 == 19)
				assert_int_equal(jflush(j, 1000 + i), 0);
		}
		assert_int_equal(jflush(j, 5000), 0);
		atomic_store(&prep_stop, 1);
		assert_int_equal(pthread_join(t, NULL), 0);
		assert_int_equal(journal_state(j), JS_OK);
		n = read_all(j, 0, got, 1000);
		assert_int_equal(n, 700);
		for (i = 0; i < n; i++)
			assert_int_equal(got[i], i);
		journal_close(j);
		j = jopen(512 * 1024);
		assert_int_equal(read_all(j, 0, got, 1000), 700);
		journal_close(j);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c),
		cmocka_unit_test(test_crc32c_hw),
		cmocka_unit_test_setup_teardown(test_groups_and_reopen, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_torn_tail, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_full_and_recycle, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spare_made_once, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_spare_taken, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_zero_ahead, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_spare_leftovers, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_spare_not_a_segment, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_spare_race, setup,
		    teardown),
	};

	log_init(1, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
