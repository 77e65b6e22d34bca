/*
 * restrict_alias.c - the same loop with and without `restrict`.
 *
 * usage: restrict_alias
 *
 * The experiment: an SGD step w[i] -= lr * g[i] over N = 4096 floats (w and g: 16 KiB
 * each, both stay in L1), written twice:
 *   A: void sgd_step(float *w, const float *g, float lr, int n)
 *   B: void sgd_step(float *restrict w, const float *restrict g, float lr, int n)
 * The compiler sees only the function: for A, w and g might overlap (g == w + 1, say),
 * and then storing w[i] changes g[i+1]. Vector code loads g[i..i+3] before it stores
 * w[i..i+3], which gives a different answer when they overlap, so the compiler may not
 * vectorize A unless it adds a run-time overlap check and a scalar fallback. B promises
 * no overlap, so it may.
 * Compiled with -O2 -ftree-vectorize --param vect-max-version-for-alias-checks=0: the
 * vectorizer runs, but may add no overlap checks (this is also what plain -O2 does in gcc
 * 12 and later, whose "very cheap" cost model never adds them).
 * value = time(A) / time(B), the median over interleaved pairs A, B, A, B, ...
 *
 * What to expect: B becomes SSE code (x86-64's baseline; NEON on Arm): 4 floats per
 * instruction, so at most 4x, a little less because of loop overhead and loads/stores.
 * Typically 3-4x. With -O3 (or without the --param) gcc emits the run-time check itself
 * and both run the vector loop: ~1x. With -march=native (AVX2/AVX-512) B gets wider.
 */
#include "recall_bench.h"

#define N 4096
#define REPS 50 /* steps per timed call */

/* A: w and g may alias. noinline: the compiler must not see the caller's arrays. */
__attribute__((noinline)) static void sgd_step(float *w, const float *g, float lr, int n)
{
    for (int i = 0; i < n; i++)
        w[i] -= lr * g[i];
}

/* B: the programmer promises w and g do not overlap. */
__attribute__((noinline)) static void sgd_step_restrict(float *restrict w, const float *restrict g, float lr, int n)
{
    for (int i = 0; i < n; i++)
        w[i] -= lr * g[i];
}

struct arrays {
    float *w, *g;
    int n; /* read from the struct at run time: the compiler cannot specialise on it */
};

static void run_a(void *arg)
{
    struct arrays *a = arg;
    for (int r = 0; r < REPS; r++) {
        sgd_step(a->w, a->g, 1e-6f, a->n);
        rb_escape(a->w);
    }
}

static void run_b(void *arg)
{
    struct arrays *a = arg;
    for (int r = 0; r < REPS; r++) {
        sgd_step_restrict(a->w, a->g, 1e-6f, a->n);
        rb_escape(a->w);
    }
}

int main(void)
{
    struct arrays a = {aligned_alloc(64, N * sizeof(float)), aligned_alloc(64, N * sizeof(float)), N};
    if (!a.w || !a.g)
        rb_die("cannot allocate the arrays");
    for (int i = 0; i < N; i++) {
        a.w[i] = 1.0f;
        a.g[i] = (float)(i % 17) - 8.0f;
    }
    rb_escape(&a); /* a.n is "unknown" to the functions */

    rb_ratio r = rb_time_ratio(run_a, &a, run_b, &a, 5, 101);

    rb_detail d = {0};
    rb_detail_add(&d, "elements", N);
    rb_detail_add(&d, "steps_per_timing", REPS);
    rb_detail_add(&d, "plain_ns_per_element", r.a_ns / REPS / N);
    rb_detail_add(&d, "restrict_ns_per_element", r.b_ns / REPS / N);
    rb_print_result(r.ratio, "x", NULL, &d);
    free(a.w);
    free(a.g);
    return 0;
}
