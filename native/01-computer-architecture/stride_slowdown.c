/*
 * stride_slowdown.c - how much more does each element cost when you read only one int
 * per cache line?
 *
 * usage: stride_slowdown
 *
 * The experiment: a 64 MiB array of int (16 Mi elements, far larger than L1 and L2).
 *   A: sum every 16th int (stride 16 x 4 B = 64 B: one int per cache line)  - 1 Mi loads
 *   B: sum every int      (stride 1: all 16 ints of each line)               - 16 Mi loads
 * Both loops bring exactly the same cache lines (all of them) from memory; A just uses
 * 1/16 of each. value = (ns per element of A) / (ns per element of B), the median over
 * interleaved pairs A, B, A, B, ...
 *
 * What to expect: if the time is set by moving cache lines, both loops take about the
 * same time, so A costs up to 16x more per element. It is less than 16x where B is
 * limited by something else too (the adds, or a memory system that serves B's regular
 * stream better than the per-line cost suggests).
 */
#include "recall_bench.h"

#define ARRAY_BYTES (64u << 20)
#define N (ARRAY_BYTES / sizeof(unsigned)) /* 16 Mi 4-byte ints */

static unsigned *a;
static uint64_t sink;

/* A: one int from every 64-byte line. */
__attribute__((noinline)) static void sum_stride16(void *arg)
{
    (void)arg;
    rb_escape(a);
    unsigned sum = 0; /* unsigned: wraps on overflow, well defined */
    for (size_t i = 0; i < N; i += 16)
        sum += a[i];
    sink += sum;
}

/* B: every int. (gcc -O2 may vectorize this loop; it is the same bytes either way.) */
__attribute__((noinline)) static void sum_stride1(void *arg)
{
    (void)arg;
    rb_escape(a);
    unsigned sum = 0; /* unsigned: wraps on overflow, well defined */
    for (size_t i = 0; i < N; i += 1)
        sum += a[i];
    sink += sum;
}

int main(void)
{
    a = aligned_alloc(4096, ARRAY_BYTES);
    if (!a)
        rb_die("cannot allocate %u bytes", ARRAY_BYTES);
    for (size_t i = 0; i < N; i++) /* touch every page now, not while timing */
        a[i] = (unsigned)(i & 0xff);

    rb_ratio r = rb_time_ratio(sum_stride16, NULL, sum_stride1, NULL, 1, 15);
    rb_use_u64(sink);

    double per_elem_a = r.a_ns / (double)(N / 16);
    double per_elem_b = r.b_ns / (double)N;
    double value = r.ratio * 16.0; /* (tA / (N/16)) / (tB / N) = 16 tA / tB */

    rb_detail d = {0};
    rb_detail_add(&d, "array_bytes", ARRAY_BYTES);
    rb_detail_add(&d, "stride16_ms", r.a_ns / 1e6);
    rb_detail_add(&d, "stride1_ms", r.b_ns / 1e6);
    rb_detail_add(&d, "stride16_ns_per_element", per_elem_a);
    rb_detail_add(&d, "stride1_ns_per_element", per_elem_b);
    rb_detail_add(&d, "time_ratio", r.ratio); /* whole-loop time A / B: ~1 when memory-bound */
    rb_detail_add(&d, "stride1_gb_per_s", ARRAY_BYTES / r.b_ns);
    rb_print_result(value, "x", NULL, &d);
    free(a);
    return 0;
}
