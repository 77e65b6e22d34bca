/*
 * mmap_vs_read.c - reading a cached file: read() into a buffer vs mmap() it.
 *
 * usage: mmap_vs_read
 *
 * The experiment: write an 8 MiB file in /tmp (a small dataset shard), so that all of it
 * is in the page cache (no disk I/O below). Then sum the file as 64-bit words, two ways:
 *   A (read): read() it 1 MiB at a time into one reused buffer and sum the buffer
 *   B (mmap): mmap() the whole file read-only, sum it in place, munmap()
 * value = time(A) / time(B), the median over 61 interleaved pairs A, B, A, B, ...
 * (> 1: mmap is faster). Every B maps the file afresh, so it pays the page faults every
 * time, as a program that maps a file to read it once does. The file is deleted at the end.
 *
 * Why 8 MiB and not 64: at 64 MiB both sides stream from DRAM, and the ratio moved
 * between 1.4 and 1.8 from one minute to the next on a shared 2-vCPU VM as the memory
 * bandwidth left over by other guests changed. At 8 MiB a pass takes under a
 * millisecond, so many pairs fit in a run, and the ratio held within ~1 % even with a
 * memory-copying process on the other CPU.
 *
 * What to expect: read() copies every byte from the page cache into the buffer (~10-20
 * GB/s for one core; the 1 MiB buffer stays in L2), 8 system calls are nothing. mmap
 * copies nothing but must map every page: a page fault per 4 KiB page would be 2,048
 * faults of ~0.5-1 us, slower than the copy. Linux maps several cached pages per fault
 * instead: "fault-around" maps up to 16 (64 KiB), and with large folios in the page
 * cache a whole folio (up to 2 MiB). The summing itself is the same in both. So read()
 * pays a copy, mmap pays faults and page-table set-up and tear-down: typically 1-2x,
 * depending mostly on how many faults mmap takes (detail: mmap_page_faults_per_pass).
 */
#include "recall_bench.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>

#define FILE_BYTES (8u << 20)
#define CHUNK (1u << 20)       /* A's read() size and buffer */
#define WRITE_PIECE (1u << 20) /* the file is written in pieces of this size */
#define PAIRS 61

static int fd;
static uint64_t *buf; /* the read() buffer */
static uint64_t sink;

static uint64_t sum_words(const uint64_t *p, size_t n)
{
    uint64_t s = 0;
    for (size_t i = 0; i < n; i++)
        s += p[i];
    return s;
}

/* A: read() the file chunk by chunk into buf, sum each chunk. */
static void by_read(void *arg)
{
    (void)arg;
    uint64_t s = 0;
    for (off_t off = 0; off < FILE_BYTES; off += CHUNK) {
        ssize_t got = pread(fd, buf, CHUNK, off);
        if (got != CHUNK)
            rb_die("short read from the temporary file");
        rb_escape(buf);
        s += sum_words(buf, CHUNK / 8);
    }
    sink += s;
}

/* B: map the file, sum it where it lies in the page cache, unmap it. */
static void by_mmap(void *arg)
{
    (void)arg;
    const uint64_t *p = mmap(NULL, FILE_BYTES, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED)
        rb_die("mmap of the temporary file failed: %s", strerror(errno));
    sink += sum_words(p, FILE_BYTES / 8);
    munmap((void *)p, FILE_BYTES);
}

int main(void)
{
    /* Create the file: unlinked at once, so it disappears even if we are killed. */
    char path[] = "/tmp/recall-mmap-vs-read-XXXXXX";
    fd = mkstemp(path);
    if (fd < 0)
        rb_die("cannot create a file in /tmp: %s", strerror(errno));
    unlink(path);

    buf = aligned_alloc(4096, CHUNK);
    uint64_t *piece = aligned_alloc(4096, WRITE_PIECE);
    if (!buf || !piece)
        rb_die("cannot allocate the buffers");
    for (size_t i = 0; i < WRITE_PIECE / 8; i++)
        piece[i] = i * 0x9E3779B97F4A7C15u; /* arbitrary non-zero contents */
    /* The size of the writes matters for B: file systems with large folios (ext4 and
     * xfs on recent kernels) cache a 1 MiB write in large folios, and one page fault
     * then maps a whole folio. On Linux 6.18 (ext4), 64 KiB pieces gave 128 faults per
     * mmap pass instead of 23, and B took 35 % longer (see the exercise). */
    for (off_t off = 0; off < FILE_BYTES; off += WRITE_PIECE)
        if (pwrite(fd, piece, WRITE_PIECE, off) != WRITE_PIECE)
            rb_die("cannot write the temporary file (is /tmp full?)");
    free(piece);
    by_read(NULL); /* the pages were cached by the writes; this warms the buffer and caches */

    rb_ratio r = rb_time_ratio(by_read, NULL, by_mmap, NULL, 5, PAIRS);

    /* How many page faults does one mmap pass take? (minor faults: nothing is read from disk) */
    struct rusage u0, u1;
    getrusage(RUSAGE_SELF, &u0);
    by_mmap(NULL);
    getrusage(RUSAGE_SELF, &u1);
    double faults = (double)(u1.ru_minflt - u0.ru_minflt);
    rb_use_u64(sink);
    close(fd); /* the last reference: the file's pages are freed */
    free(buf);

    rb_detail d = {0};
    rb_detail_add(&d, "file_bytes", FILE_BYTES);
    rb_detail_add(&d, "read_chunk_bytes", CHUNK);
    rb_detail_add(&d, "write_piece_bytes", WRITE_PIECE);
    rb_detail_add(&d, "read_gb_per_s", FILE_BYTES / r.a_ns);
    rb_detail_add(&d, "mmap_gb_per_s", FILE_BYTES / r.b_ns);
    rb_detail_add(&d, "mmap_page_faults_per_pass", faults);
    rb_detail_add(&d, "mmap_kib_mapped_per_fault", faults > 0 ? FILE_BYTES / 1024.0 / faults : NAN);
    rb_detail_add(&d, "read_us", r.a_ns / 1e3);
    rb_detail_add(&d, "mmap_us", r.b_ns / 1e3);
    rb_print_result(r.ratio, "x", NULL, &d);
    return 0;
}
