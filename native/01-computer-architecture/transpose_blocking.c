/*
 * transpose_blocking.c - how much does cache blocking (tiling) speed up a matrix
 * transpose, when both matrices fit in the L2?
 *
 * usage: transpose_blocking
 *
 * The experiment: src is an 80 x 1040 float matrix (80 rows of 1040, 325 KiB); it is
 * transposed into dst, 1040 x 80 (another 325 KiB). Both stay in the L2 (1-2 MiB on
 * recent cores) the whole time, so this measures only what happens between L1 and L2.
 *   A (naive):   for i, for j: dst[j][i] = src[i][j]
 *   B (blocked): the same assignments, done one 16 x 16 tile at a time
 * value = time(A) / time(B), the median over interleaved pairs A, B, A, B, ...
 *
 * What to expect: A reads a src row sequentially but writes down a dst column: each
 * write lands in a different 64-byte line (dst rows are 320 bytes apart). A line holds
 * 16 floats, so A comes back to each dst line 16 times, once per i - but between two
 * visits it writes the other 1039 lines of the column: 65 KiB, more than the L1 holds
 * (32-48 KiB). So every visit misses the L1 and fetches the line from the L2 again (and
 * later writes it back): 16 trips per line. B finishes a 16 x 16 tile while its 16 src
 * lines and 16 dst lines (2 KiB) sit in the L1: one trip per line. Expect B to be a few
 * times faster: its own cost per element (a load and a store, ~1-2 cycles) limits it,
 * not 16x.
 *
 * The sizes avoid powers of two on purpose: with rows of 4096 bytes the lines of a
 * column would all fall into the same L1 set, and conflict misses would hit B too.
 */
#include "recall_bench.h"

#define ROWS 80u   /* src rows = dst columns */
#define COLS 1040u /* src columns = dst rows */
#define B 16u      /* tile side: 16 floats = one 64-byte line */

static float *src, *dst; /* src[i][j] = src[i * COLS + j], dst[j][i] = dst[j * ROWS + i] */

/* A: row by row through src, so column by column through dst. */
__attribute__((noinline)) static void transpose_naive(void *arg)
{
    (void)arg;
    rb_escape(src);
    for (size_t i = 0; i < ROWS; i++)
        for (size_t j = 0; j < COLS; j++)
            dst[j * ROWS + i] = src[i * COLS + j];
    rb_escape(dst);
}

/* B: tile by tile; inside a tile, the same loop as A. */
__attribute__((noinline)) static void transpose_blocked(void *arg)
{
    (void)arg;
    rb_escape(src);
    for (size_t ii = 0; ii < ROWS; ii += B)
        for (size_t jj = 0; jj < COLS; jj += B)
            for (size_t i = ii; i < ii + B; i++)
                for (size_t j = jj; j < jj + B; j++)
                    dst[j * ROWS + i] = src[i * COLS + j];
    rb_escape(dst);
}

int main(void)
{
    const size_t elems = (size_t)ROWS * COLS;
    src = aligned_alloc(64, elems * sizeof *src);
    dst = aligned_alloc(64, elems * sizeof *dst);
    if (!src || !dst)
        rb_die("cannot allocate two %zu-byte matrices", elems * sizeof *src);
    for (size_t i = 0; i < elems; i++) { /* touch every page before timing */
        src[i] = (float)i;
        dst[i] = 0.0f;
    }

    rb_ratio r = rb_time_ratio(transpose_naive, NULL, transpose_blocked, NULL, 3, 101);

    /* check that B really is a transpose */
    for (size_t i = 0; i < ROWS; i++)
        for (size_t j = 0; j < COLS; j++)
            if (dst[j * ROWS + i] != src[i * COLS + j])
                rb_die("the blocked transpose is wrong at (%zu, %zu)", i, j);

    rb_detail d = {0};
    rb_detail_add(&d, "rows", ROWS);
    rb_detail_add(&d, "cols", COLS);
    rb_detail_add(&d, "matrix_bytes", (double)elems * sizeof *src);
    rb_detail_add(&d, "naive_ns_per_element", r.a_ns / elems);
    rb_detail_add(&d, "blocked_ns_per_element", r.b_ns / elems);
    rb_print_result(r.ratio, "x", NULL, &d);
    free(src);
    free(dst);
    return 0;
}
