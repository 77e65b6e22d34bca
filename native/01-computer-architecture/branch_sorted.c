/*
 * branch_sorted.c - how much faster does a data-dependent branch run on sorted data?
 *
 * usage: branch_sorted
 *
 * Build with flags that keep the `if` a real conditional jump:
 *     -O1 -fno-if-conversion -fno-if-conversion2 -fno-tree-vectorize
 * (At -O2 and above gcc may turn the `if` into a branch-free cmov or vectorize the loop;
 * then there is no branch to mispredict and sorting makes no difference.)
 *
 * The experiment: 256 Ki random bytes (0-255). Sum the elements >= 128:
 *   A: over the bytes as they are (the branch goes either way at random)
 *   B: over a sorted copy (not taken for the first half, taken for the second)
 * Same elements, same additions. value = time(A) / time(B), the median over interleaved
 * pairs A, B, A, B, ...
 *
 * What to expect: on random data the predictor can do no better than guess, so about
 * half the branches (1 in 2 elements) mispredict, each costing ~15-20 cycles of flushed
 * pipeline: ~8-10 cycles per element. On sorted data the branch is almost always
 * predicted right, and an iteration takes ~1-2 cycles. Ratio: several x (3-6x).
 */
#include "recall_bench.h"

#define N (256u * 1024u)

static unsigned char unsorted[N], sorted_copy[N];
static uint64_t sink;

/* The loop being measured. With the flags above, `if` compiles to cmp + a conditional
 * jump around the add. */
__attribute__((noinline)) static uint64_t sum_big(const unsigned char *data, size_t n)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        if (data[i] >= 128)
            sum += data[i];
    return sum;
}

static void run_unsorted(void *arg)
{
    (void)arg;
    rb_escape(unsorted);
    sink += sum_big(unsorted, N);
}

static void run_sorted(void *arg)
{
    (void)arg;
    rb_escape(sorted_copy);
    sink += sum_big(sorted_copy, N);
}

/* Branch mispredictions and instructions of one call of fn, if the counters work. */
static void count_one(rb_counters *cs, void (*fn)(void *))
{
    rb_counters_enable(cs);
    fn(NULL);
    rb_counters_disable(cs);
    rb_counters_read(cs);
}

int main(void)
{
    /* random bytes from a fixed-seed xorshift generator */
    uint64_t x = 0x2545F4914F6CDD1Dull;
    for (size_t i = 0; i < N; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        unsorted[i] = (unsigned char)(x >> 56);
    }
    /* sorted copy by counting sort (bytes have only 256 values) */
    size_t count[256] = {0};
    for (size_t i = 0; i < N; i++)
        count[unsorted[i]]++;
    for (size_t v = 0, k = 0; v < 256; v++)
        for (size_t c = 0; c < count[v]; c++)
            sorted_copy[k++] = (unsigned char)v;

    rb_ratio r = rb_time_ratio(run_unsorted, NULL, run_sorted, NULL, 2, 31);

    /* The counters (if available) show why: mispredictions per element. */
    int events[] = {RB_BRANCH_MISS, RB_INSTRUCTIONS};
    rb_counters cs;
    rb_counters_open(&cs, events, 2);
    rb_detail d = {0};
    count_one(&cs, run_sorted);
    int64_t miss_sorted = rb_counter_get(&cs, RB_BRANCH_MISS);
    count_one(&cs, run_unsorted); /* cs keeps this, the unsorted run, for "counters" */
    int64_t miss_unsorted = rb_counter_get(&cs, RB_BRANCH_MISS);
    rb_counters_close(&cs);
    rb_use_u64(sink);

    rb_detail_add(&d, "elements", N);
    rb_detail_add(&d, "unsorted_ns_per_element", r.a_ns / N);
    rb_detail_add(&d, "sorted_ns_per_element", r.b_ns / N);
    rb_detail_add(&d, "extra_ns_per_element", (r.a_ns - r.b_ns) / N);
    if (miss_unsorted >= 0 && miss_sorted >= 0) {
        rb_detail_add(&d, "unsorted_mispredicts_per_element", (double)miss_unsorted / N);
        rb_detail_add(&d, "sorted_mispredicts_per_element", (double)miss_sorted / N);
    }
    rb_print_result(r.ratio, "x", &cs, &d);
    return 0;
}
