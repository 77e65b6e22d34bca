/*
 * cmov_max.c - the running maximum of random numbers: cmov or a branch?
 *
 * usage: cmov_max
 *
 * The experiment: the maximum of 64 Ki random int32 values (256 KiB), found 4 times per
 * call by the same C loop, compiled twice:
 *   A: as gcc -O2 compiles it: the `if` becomes cmp + cmovl, no branch (gcc first turns
 *      it into MAX_EXPR, then emits a conditional move, since x86 has no scalar max).
 *   B: with if-conversion switched off for this one function (optimize attribute):
 *      cmp + jle around a mov, a real conditional branch.
 * Both with vectorization off, so that neither becomes SSE code. value = time(A) / time(B),
 * the median over interleaved pairs A, B, A, B, ...
 * Check with gcc -O2 -S: max_cmov has cmovl, max_branch has jle.
 *
 * What to expect: "branchless is faster" holds for unpredictable branches, and this one
 * is predictable: the running maximum of random data changes only about ln(n) ~ 11
 * times in 65,536 elements, so the branch is almost never taken and the predictor gets
 * it right. B then has no dependency between iterations (the compare uses the old m,
 * which stays the same), and runs at about 1 cycle per element. A's cmovl makes every
 * new m depend on the previous one: cmp (1 cycle) then cmov (1 cycle), so 2 cycles per
 * element. Expect A to take ~2x as long as B.
 */
#include "recall_bench.h"

#define N (64u * 1024u) /* int32 values: 256 KiB */
#define PASSES 4

static int32_t data[N];
static int64_t sink;

/* A: gcc -O2 rewrites this `if` into m = MAX(m, a[i]) and emits cmp + cmovl. */
__attribute__((noinline, optimize("no-tree-vectorize"))) static int32_t max_cmov(const int32_t *a,
                                                                                size_t n)
{
    int32_t m = a[0];
    for (size_t i = 1; i < n; i++)
        if (a[i] > m)
            m = a[i];
    return m;
}

/* B: the same source. no-ssa-phiopt stops the tree-level rewrite into MAX_EXPR,
 * no-if-conversion(2) the RTL one into cmov: the branch stays. */
__attribute__((noinline, optimize("no-tree-vectorize", "no-ssa-phiopt", "no-if-conversion",
                                  "no-if-conversion2"))) static int32_t
max_branch(const int32_t *a, size_t n)
{
    int32_t m = a[0];
    for (size_t i = 1; i < n; i++)
        if (a[i] > m)
            m = a[i];
    return m;
}

static void run_cmov(void *arg)
{
    (void)arg;
    for (int p = 0; p < PASSES; p++) {
        rb_escape(data);
        sink += max_cmov(data, N);
    }
}

static void run_branch(void *arg)
{
    (void)arg;
    for (int p = 0; p < PASSES; p++) {
        rb_escape(data);
        sink += max_branch(data, N);
    }
}

int main(void)
{
    /* random int32 values from a fixed-seed xorshift generator */
    uint64_t x = 0x2545F4914F6CDD1Dull;
    for (size_t i = 0; i < N; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        data[i] = (int32_t)(x >> 32);
    }
    /* how often does the running maximum change, i.e. how often is B's branch taken? */
    int updates = 0;
    for (size_t i = 1, m = 0; i < N; i++)
        if (data[i] > data[m]) {
            m = i;
            updates++;
        }
    if (max_cmov(data, N) != max_branch(data, N))
        rb_die("the two versions disagree");

    rb_ratio r = rb_time_ratio(run_cmov, NULL, run_branch, NULL, 3, 41);
    rb_use_u64((uint64_t)sink);

    const double elems = (double)N * PASSES;
    rb_detail d = {0};
    rb_detail_add(&d, "elements", N);
    rb_detail_add(&d, "max_updates", updates);
    rb_detail_add(&d, "cmov_ns_per_element", r.a_ns / elems);
    rb_detail_add(&d, "branch_ns_per_element", r.b_ns / elems);
    rb_print_result(r.ratio, "x", NULL, &d);
    return 0;
}
