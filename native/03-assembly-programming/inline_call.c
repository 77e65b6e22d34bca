/*
 * inline_call.c - what does it cost when a tiny function is not inlined?
 *
 * usage: inline_call
 *
 * Build with -O3 (gcc 12 and later do the same at -O2) and -falign-loops=64: each loop
 * then starts on a 64-byte boundary, and B's tiny loop runs at the same speed in every
 * build (otherwise it varies by ~15% with where it happens to land).
 *
 * The experiment: y[i] = scale(x[i]) over 2048 floats (16 KiB for x and y, in L1),
 * 32 times per call, where scale(v) is 2 * v + 1. The same loop, twice:
 *   A: scale is __attribute__((noinline)): every element is a call. The loop loads x[i]
 *      into xmm0 (the first float argument), calls, and stores xmm0 (the float result).
 *   B: scale is an ordinary static inline function: gcc inlines it, and then sees a plain
 *      loop it can vectorize: 4 floats per SSE instruction (the x86-64 baseline).
 * value = time(A) / time(B), the median over interleaved pairs A, B, A, B, ...
 * The detail adds C: B with vectorization switched off, to split the cost in two: the
 * call itself (A vs C) and the vectorization that the call prevented (C vs B).
 *
 * What to expect: the call and return themselves are cheap - predicted perfectly (the
 * return address comes from the return stack buffer), a few instructions, ~1-2 cycles
 * per element extra. The bigger loss is that gcc cannot vectorize a loop that contains a
 * call: B does 4 elements per instruction. Expect A to take several times as long as B:
 * about 2x from the call and 4x from the lost vectorization, ~5-10x in all.
 */
#include "recall_bench.h"

#define N 2048u
#define PASSES 32 /* one call of a loop function = 65,536 elements */

static float x[N], y[N];

/* A's callee: a separate function, called once per element. */
__attribute__((noinline)) static float scale_call(float v)
{
    return 2.0f * v + 1.0f;
}

/* B's: the same body, free to be inlined. */
static inline float scale_inline(float v)
{
    return 2.0f * v + 1.0f;
}

/* A */
__attribute__((noinline)) static void loop_call(void *arg)
{
    (void)arg;
    for (int p = 0; p < PASSES; p++) {
        rb_escape(x); /* x may have changed: really recompute y */
        for (size_t i = 0; i < N; i++)
            y[i] = scale_call(x[i]);
        rb_escape(y); /* y is used: keep the stores */
    }
}

/* B */
__attribute__((noinline)) static void loop_inline(void *arg)
{
    (void)arg;
    for (int p = 0; p < PASSES; p++) {
        rb_escape(x);
        for (size_t i = 0; i < N; i++)
            y[i] = scale_inline(x[i]);
        rb_escape(y);
    }
}

/* C (detail only): B kept scalar. */
__attribute__((noinline, optimize("no-tree-vectorize"))) static void loop_inline_scalar(void *arg)
{
    (void)arg;
    for (int p = 0; p < PASSES; p++) {
        rb_escape(x);
        for (size_t i = 0; i < N; i++)
            y[i] = scale_inline(x[i]);
        rb_escape(y);
    }
}

int main(void)
{
    for (size_t i = 0; i < N; i++)
        x[i] = (float)i;

    rb_ratio r = rb_time_ratio(loop_call, NULL, loop_inline, NULL, 3, 41);
    double scalar_ns = rb_time_median(loop_inline_scalar, NULL, 3, 21);
    if (y[N - 1] != 2.0f * (N - 1) + 1.0f)
        rb_die("y is wrong");

    const double elems = (double)N * PASSES;
    rb_detail d = {0};
    rb_detail_add(&d, "elements_per_call", elems);
    rb_detail_add(&d, "noinline_ns_per_element", r.a_ns / elems);
    rb_detail_add(&d, "inlined_vectorized_ns_per_element", r.b_ns / elems);
    rb_detail_add(&d, "inlined_scalar_ns_per_element", scalar_ns / elems);
    rb_detail_add(&d, "call_overhead_ns", (r.a_ns - scalar_ns) / elems); /* A vs C */
    rb_detail_add(&d, "vectorization_speedup", scalar_ns / r.b_ns);    /* C vs B */
    rb_print_result(r.ratio, "x", NULL, &d);
    return 0;
}
