/*
 * ilp_accumulators.c - one running sum vs four independent ones (instruction-level
 * parallelism).
 *
 * usage: ilp_accumulators
 *
 * Build with -fno-tree-vectorize so both loops stay scalar, as written. (At plain -O2,
 * gcc 12 packs the four accumulators of B into the four lanes of one SSE register: still
 * four independent chains, and the same ratio on the machines tried.)
 *
 * The experiment: 4096 floats (16 KiB, always in L1), summed 64 times per call:
 *   A: one accumulator        s += x[i]                 every add waits for the last
 *   B: four accumulators      s0 += x[i]; s1 += x[i+1]; s2 += ...; s3 += ...
 * Same loads, same number of adds. value = time(A) / time(B), the median over
 * interleaved pairs A, B, A, B, ...
 *
 * What to expect: in A each add needs the previous sum, so the loop runs at one add per
 * FP-add latency (4 cycles on Skylake, 3 on Zen, 2 on Golden Cove / Sapphire Rapids).
 * In B four chains advance at once, and the core has two FP-add units: B does
 * min(4, latency x 2) adds per latency. Expect 4x on most cores (about 2-3x on old ones
 * with one FP-add unit). The detail also times eight accumulators: if that is no faster
 * than four, four already kept both adders busy.
 */
#include "recall_bench.h"

#define N 4096u   /* 16 KiB of floats */
#define PASSES 64 /* one call does N * PASSES = 262,144 adds */

static float data[N];
static float sink;

/* A: a single dependency chain through s. */
__attribute__((noinline)) static void sum_one(void *arg)
{
    (void)arg;
    float s = 0.0f;
    for (int p = 0; p < PASSES; p++) {
        rb_escape(data); /* the data may have changed: really reload and re-add it */
        for (size_t i = 0; i < N; i++)
            s += data[i];
    }
    sink += s;
}

/* B: four independent chains, combined once at the end. (This changes the order of the
 * float additions, which is why the compiler will not do it for you without -ffast-math.) */
__attribute__((noinline)) static void sum_four(void *arg)
{
    (void)arg;
    float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
    for (int p = 0; p < PASSES; p++) {
        rb_escape(data);
        for (size_t i = 0; i < N; i += 4) {
            s0 += data[i];
            s1 += data[i + 1];
            s2 += data[i + 2];
            s3 += data[i + 3];
        }
    }
    sink += (s0 + s1) + (s2 + s3);
}

/* For the detail: eight chains. */
__attribute__((noinline)) static void sum_eight(void *arg)
{
    (void)arg;
    float s[8] = {0};
    for (int p = 0; p < PASSES; p++) {
        rb_escape(data);
        for (size_t i = 0; i < N; i += 8) {
            s[0] += data[i];
            s[1] += data[i + 1];
            s[2] += data[i + 2];
            s[3] += data[i + 3];
            s[4] += data[i + 4];
            s[5] += data[i + 5];
            s[6] += data[i + 6];
            s[7] += data[i + 7];
        }
    }
    sink += ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

int main(void)
{
    for (size_t i = 0; i < N; i++)
        data[i] = (float)(i % 3); /* small whole numbers: every sum stays exact */

    rb_ratio r = rb_time_ratio(sum_one, NULL, sum_four, NULL, 3, 51);
    double eight_ns = rb_time_median(sum_eight, NULL, 3, 25);
    rb_use_u64((uint64_t)sink);

    const double adds = (double)N * PASSES;
    rb_detail d = {0};
    rb_detail_add(&d, "adds_per_call", adds);
    rb_detail_add(&d, "one_accumulator_ns_per_add", r.a_ns / adds);
    rb_detail_add(&d, "four_accumulators_ns_per_add", r.b_ns / adds);
    rb_detail_add(&d, "eight_accumulators_ns_per_add", eight_ns / adds);
    rb_print_result(r.ratio, "x", NULL, &d);
    return 0;
}
