/*
 * simd_dot.c - how much faster is a vectorized float dot product than the scalar loop?
 *
 * usage: simd_dot
 *
 * Build with -fopenmp-simd (it enables `#pragma omp simd` and nothing else: no threads,
 * no OpenMP runtime).
 *
 * The experiment: two arrays of 2048 floats (16 KiB together, always in L1); one call
 * computes their dot product 64 times.
 *   A (scalar): s += x[i] * y[i], compiled as gcc -O2 compiles it: one mulss + addss per
 *               element, the adds in program order (no -ffast-math, so no reordering).
 *   B (vector): the same loop under `#pragma omp simd reduction(+:s)`, which allows
 *               gcc to keep partial sums per lane, compiled for AVX2 + FMA when the CPU
 *               has them: one vfmadd231ps per 8 elements into one ymm accumulator.
 *               Without AVX2/FMA: SSE2, mulps + addps per 4 elements (detail vector_bits).
 * value = time(A) / time(B), the median over interleaved pairs A, B, A, B, ...
 *
 * What to expect: not simply 8x. Both loops are chains of dependent additions through one
 * accumulator (s in A, one vector register in B), so each runs at one element (A) or one
 * vector of 8 (B) per latency of the instruction that adds: addss in A (2-4 cycles), the
 * FMA in B (4 cycles on Intel, 4-5 on AMD). Speedup = 8 x latency(addss) / latency(FMA):
 * 8x where the two latencies are equal (Skylake: 4 and 4), 4x on Golden Cove / Sapphire
 * Rapids (2-cycle adds, 4-cycle FMA). The detail also times the 128-bit SSE2 loop:
 * half the lanes, but its chain goes through addps (2-4 cycles), so it can be as fast.
 * Check the loops with gcc -S: vfmadd231ps in dot_avx2, mulss + addss in dot_scalar.
 */
#include "recall_bench.h"

#define N 2048u   /* floats per array */
#define PASSES 64 /* one call = 64 dot products = 131,072 multiply-adds */

static float xs[N], ys[N];
static float sink;

/* A: the scalar loop. (no-tree-vectorize only makes sure: without -ffast-math gcc would
 * not vectorize this reduction anyway, because that reorders the float additions.) */
__attribute__((noinline, optimize("no-tree-vectorize"))) static float dot_scalar(const float *x,
                                                                                const float *y)
{
    float s = 0.0f;
    for (size_t i = 0; i < N; i++)
        s += x[i] * y[i];
    return s;
}

/* B on CPUs with AVX2 and FMA: the same loop, 8 lanes wide. */
__attribute__((noinline, target("avx2,fma"))) static float dot_avx2(const float *x, const float *y)
{
    float s = 0.0f;
#pragma omp simd reduction(+ : s)
    for (size_t i = 0; i < N; i++)
        s += x[i] * y[i];
    return s;
}

/* B elsewhere: the x86-64 baseline, SSE2, 4 lanes. */
__attribute__((noinline)) static float dot_sse2(const float *x, const float *y)
{
    float s = 0.0f;
#pragma omp simd reduction(+ : s)
    for (size_t i = 0; i < N; i++)
        s += x[i] * y[i];
    return s;
}

typedef struct {
    float (*dot)(const float *, const float *);
} kernel;

/* One call = PASSES dot products, each made to wait for the one before: x[0] is set to
 * 0 * (the previous result), which changes nothing in the sum but is a true data
 * dependency. Without it the core's out-of-order window (~500 instructions) would start
 * the next dot product's chain while the last one finishes, and B, whose chain is only
 * 256 dependent FMAs long, would look faster than its latency allows. */
static void run(void *arg)
{
    float (*dot)(const float *, const float *) = ((kernel *)arg)->dot;
    float last = 0.0f;
    for (int p = 0; p < PASSES; p++) {
        xs[0] = 0.0f * last;
        last = dot(xs, ys);
    }
    sink += last;
}

int main(void)
{
    __builtin_cpu_init();
    int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    kernel scalar = {dot_scalar}, vector = {avx2 ? dot_avx2 : dot_sse2}, sse2 = {dot_sse2};

    for (size_t i = 0; i < N; i++) { /* quarters and halves: every product and sum is exact */
        xs[i] = (float)(i % 7) * 0.25f;
        ys[i] = (float)(i % 5) * 0.5f;
    }
    if (dot_scalar(xs, ys) != vector.dot(xs, ys))
        rb_die("the scalar and vector dot products differ");

    rb_ratio r = rb_time_ratio(run, &scalar, run, &vector, 3, 51);
    /* For comparison: the 128-bit SSE2 loop (on a CPU without AVX2 it is B itself). */
    rb_ratio r_sse2 = rb_time_ratio(run, &scalar, run, &sse2, 3, 21);
    rb_use_u64((uint64_t)sink);

    const double elems = (double)N * PASSES;
    rb_detail d = {0};
    rb_detail_add(&d, "vector_bits", avx2 ? 256 : 128);
    rb_detail_add(&d, "scalar_ns_per_element", r.a_ns / elems);
    rb_detail_add(&d, "vector_ns_per_element", r.b_ns / elems);
    rb_detail_add(&d, "vector_ns_per_instruction", r.b_ns / elems * (avx2 ? 8 : 4));
    rb_detail_add(&d, "sse2_128_bit_speedup", r_sse2.ratio);
    rb_print_result(r.ratio, "x", NULL, &d);
    return 0;
}
