/*
 * buffered_writes.c - writing small records: one write(2) each vs stdio's buffer.
 *
 * usage: buffered_writes
 *
 * The experiment: write RECORDS = 5,000 records of 32 bytes each to a file in /tmp,
 * two ways:
 *   A (unbuffered): write(fd, &rec, 32) for every record - one system call each
 *   B (buffered):   fwrite(&rec, 32, 1, f) for every record into a FILE * with stdio's
 *                   default buffer (st_blksize, 4 KiB on most file systems), fflush at the end
 * Both rewrite the same file from offset 0, so no new blocks are allocated after the
 * first pass and both leave identical bytes in the page cache (nothing is synced to disk).
 * value = time(A) / time(B), the median over 101 interleaved pairs A, B, A, B, ...
 * The passes are short (~1 ms) and many, so that a burst of activity elsewhere on the
 * machine, which made some write(2) passes 2x slower on a shared VM, spoils only a few
 * pairs and not the median. The file is deleted at the end.
 *
 * What to expect: A pays a system call per record (~0.1 us of kernel entry and exit)
 * plus the file system's write path per call (take the inode lock, find the page-cache
 * page, copy 32 bytes, update the size and times, mark the page dirty): ~0.2-1 us per
 * record. B copies 32 bytes into the buffer in user space (~5-15 ns of fwrite's checks,
 * locking and bookkeeping) and makes one write(2) of 4 KiB per 128 records. So ~15-50x,
 * less than "a system call per record" suggests, because fwrite is not free either.
 */
#include "recall_bench.h"

#include <fcntl.h>
#include <sys/stat.h>

#define RECORDS 5000 /* per timed pass: short passes, many pairs (below) */
#define PAIRS 101

struct record {
    uint64_t index;
    float values[6]; /* 8 + 24 = 32 bytes */
};

static int fd;   /* for A: the file descriptor itself   */
static FILE *fp; /* for B: a stdio stream on the same file */

/* A: one write(2) per record. */
static void unbuffered(void *arg)
{
    (void)arg;
    struct record rec = {0};
    if (lseek(fd, 0, SEEK_SET) != 0)
        rb_die("lseek failed: %s", strerror(errno));
    for (int i = 0; i < RECORDS; i++) {
        rec.index = (uint64_t)i;
        if (write(fd, &rec, sizeof rec) != (ssize_t)sizeof rec)
            rb_die("write failed: %s", strerror(errno));
    }
}

/* B: fwrite into stdio's buffer; it calls write(2) when the buffer is full. */
static void buffered(void *arg)
{
    (void)arg;
    struct record rec = {0};
    if (fseek(fp, 0, SEEK_SET) != 0)
        rb_die("fseek failed: %s", strerror(errno));
    for (int i = 0; i < RECORDS; i++) {
        rec.index = (uint64_t)i;
        if (fwrite(&rec, sizeof rec, 1, fp) != 1)
            rb_die("fwrite failed: %s", strerror(errno));
    }
    if (fflush(fp) != 0) /* the last, partly filled buffer reaches the kernel too */
        rb_die("fflush failed: %s", strerror(errno));
}

int main(void)
{
    char path[] = "/tmp/recall-buffered-writes-XXXXXX";
    fd = mkstemp(path);
    if (fd < 0)
        rb_die("cannot create a file in /tmp: %s", strerror(errno));
    unlink(path); /* the name goes now; the file itself when both descriptors are closed */
    fp = fdopen(dup(fd), "w");
    if (!fp)
        rb_die("fdopen failed: %s", strerror(errno));

    rb_ratio r = rb_time_ratio(unbuffered, NULL, buffered, NULL, 5, PAIRS);

    struct stat st;
    double blksize = fstat(fd, &st) == 0 ? (double)st.st_blksize : NAN;
    fclose(fp);
    close(fd);

    rb_detail d = {0};
    rb_detail_add(&d, "records", RECORDS);
    rb_detail_add(&d, "record_bytes", sizeof(struct record));
    rb_detail_add(&d, "stdio_buffer_bytes", blksize); /* glibc sizes the buffer by st_blksize */
    rb_detail_add(&d, "write_calls_buffered", ceil(RECORDS * sizeof(struct record) / blksize));
    rb_detail_add(&d, "unbuffered_ns_per_record", r.a_ns / RECORDS);
    rb_detail_add(&d, "buffered_ns_per_record", r.b_ns / RECORDS);
    rb_print_result(r.ratio, "x", NULL, &d);
    return 0;
}
