/* Access patterns for checking recall.cachesim against cachegrind.
 *
 *   patterns strided BYTES STRIDE PASSES
 *   patterns rows|cols ROWS COLS ELEM        a row-by-row array read along rows / down columns
 *   patterns chase NODE_BYTES LOADS FILE     FILE: int64 next-node indices (one random cycle)
 *
 * The array starts 64 KiB-aligned and is written first; then a 4 MiB buffer is read, which
 * leaves none of the array in any D1 up to 4 MiB, as if the cache were empty. Only the loads
 * on the lines marked PATTERN are compared (cachegrind counts per source line with -g), so
 * set-up, calls and returns (a return loads from the stack) cost nothing. Build with -O1 -g:
 * each marked loop keeps its counters in registers and makes exactly one load per access
 * (the test checks Dr).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALIGN 65536
#define FLUSH_BYTES (4L << 20)

volatile unsigned long sink;

static void *array(long bytes) {
    long rounded = (bytes + ALIGN - 1) / ALIGN * ALIGN;
    void *p = aligned_alloc(ALIGN, rounded);
    if (!p) { perror("aligned_alloc"); exit(2); }
    memset(p, 1, rounded);
    return p;
}

__attribute__((noinline)) static void flush(void) {
    const volatile unsigned char *f = array(FLUSH_BYTES);
    unsigned long s = 0;
    for (long i = 0; i < FLUSH_BYTES; i += 16) s += f[i];
    sink = s;
}

__attribute__((noinline)) unsigned long pattern_strided(const volatile unsigned char *a, long bytes, long stride,
                                                        long passes) {
    unsigned long s = 0;
    for (long p = 0; p < passes; p++)
        for (long i = 0; i < bytes; i += stride) s += a[i]; /* PATTERN */
    return s;
}

__attribute__((noinline)) unsigned long pattern_rows(const volatile unsigned char *a, long rows, long cols, long elem) {
    unsigned long s = 0;
    for (long r = 0; r < rows; r++)
        for (long c = 0; c < cols; c++) s += a[(r * cols + c) * elem]; /* PATTERN */
    return s;
}

__attribute__((noinline)) unsigned long pattern_cols(const volatile unsigned char *a, long rows, long cols, long elem) {
    unsigned long s = 0;
    for (long c = 0; c < cols; c++)
        for (long r = 0; r < rows; r++) s += a[(r * cols + c) * elem]; /* PATTERN */
    return s;
}

__attribute__((noinline)) void *pattern_chase(void **p, long loads) {
    for (long k = 0; k < loads; k++) p = (void **)*p; /* PATTERN */
    return p;
}

int main(int argc, char **argv) {
    if (argc < 5) { fprintf(stderr, "usage: see patterns.c\n"); return 2; }
    long x = atol(argv[2]), y = atol(argv[3]);
    if (!strcmp(argv[1], "strided")) {
        unsigned char *a = array(x);
        flush();
        sink = pattern_strided(a, x, y, atol(argv[4]));
    } else if (!strcmp(argv[1], "rows") || !strcmp(argv[1], "cols")) {
        long elem = atol(argv[4]);
        unsigned char *a = array(x * y * elem);
        flush();
        sink = (argv[1][0] == 'r' ? pattern_rows : pattern_cols)(a, x, y, elem);
    } else if (!strcmp(argv[1], "chase") && argc == 5) {
        FILE *f = fopen(argv[4], "rb");
        if (!f) { perror(argv[4]); return 2; }
        fseek(f, 0, SEEK_END);
        long nodes = ftell(f) / 8;
        rewind(f);
        long long *next = malloc(nodes * 8);
        if (fread(next, 8, nodes, f) != (size_t)nodes) { perror("fread"); return 2; }
        fclose(f);
        char *a = array(nodes * x);
        for (long i = 0; i < nodes; i++) *(void **)(a + i * x) = a + next[i] * x;
        flush();
        sink = (unsigned long)pattern_chase((void **)a, y);
    } else {
        fprintf(stderr, "unknown pattern %s\n", argv[1]);
        return 2;
    }
    return 0;
}
