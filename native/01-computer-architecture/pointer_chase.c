/*
 * pointer_chase.c - how long does one load take when the next address depends on it?
 *
 * usage: pointer_chase WORKING_SET_BYTES
 *
 * The experiment: WORKING_SET_BYTES / 64 nodes, one per 64-byte cache line, linked into
 * ONE random cycle (Sattolo's algorithm). Walking it, p = p->next, each load needs the
 * result of the previous one, so the loads cannot overlap and the hardware prefetcher
 * cannot guess the next line. value = nanoseconds per load: the load-to-use latency of
 * whichever level of the memory hierarchy holds the working set.
 *
 * What to expect (roughly, on a 3-4 GHz core): fits in L1 (<= 32-48 KiB): ~1-1.5 ns
 * (4-5 cycles); L2 (<= 1-2 MiB): ~3-5 ns; L3: ~10-20 ns; DRAM: ~70-120 ns, plus TLB
 * misses (a page walk) when the working set spans far more 4 KiB pages than the TLB
 * holds (1,500-3,000 entries, i.e. 6-12 MiB). Virtual machines add to the TLB part.
 */
#include "recall_bench.h"

/* One node per cache line: the pointer plus padding up to 64 bytes. */
struct node {
    struct node *next;
    char pad[64 - sizeof(struct node *)];
};

/* xorshift64*: a small, fast pseudo-random generator (fixed seed: same cycle every run). */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}

/* Walk `steps` links starting at p; return where we stopped (so the walk is not dead code
 * and the next walk continues from there). */
__attribute__((noinline)) static struct node *chase(struct node *p, size_t steps)
{
    while (steps--)
        p = p->next;
    return p;
}

int main(int argc, char **argv)
{
    if (argc != 2)
        rb_die("usage: %s WORKING_SET_BYTES", argv[0]);
    size_t ws = rb_arg_size(argv[1], "WORKING_SET_BYTES");
    size_t n = ws / sizeof(struct node);
    if (n < 2)
        rb_die("WORKING_SET_BYTES must hold at least 2 nodes of 64 bytes");

    struct node *nodes = aligned_alloc(4096, (n * sizeof *nodes + 4095) / 4096 * 4096);
    size_t *perm = malloc(n * sizeof *perm);
    if (!nodes || !perm)
        rb_die("cannot allocate %zu bytes", ws);

    /* Sattolo's algorithm: like Fisher-Yates, but j < i (never j == i), which yields a
     * random permutation that is a single cycle through all n nodes - no short loops
     * that would stay in a small corner of the cache. */
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = (size_t)(rng() % i); /* 0 <= j < i */
        size_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    for (size_t i = 0; i < n; i++)
        nodes[i].next = &nodes[perm[i]]; /* node i -> node perm[i]: one n-cycle */
    free(perm);

    /* Warm-up: a lap of the cycle (at most 64 Ki steps: enough to fill the caches and
     * TLB with what they can hold), then a short timed walk to choose how many steps
     * make one sample last ~15 ms. */
    struct node *p = chase(nodes, n < 65536 ? n : 65536);
    uint64_t t0 = rb_now_ns();
    p = chase(p, 20000);
    double guess_ns = (double)(rb_now_ns() - t0) / 20000;
    size_t steps = (size_t)(15e6 / (guess_ns > 0.2 ? guess_ns : 0.2));

    int events[] = {RB_CYCLES, RB_L1D_READ_MISS, RB_LLC_MISS};
    rb_counters cs;
    rb_counters_open(&cs, events, 3);

    /* 7 samples; the median ns per load is the value. Counters cover the last sample. */
    double sample[7];
    for (int r = 0; r < 7; r++) {
        rb_counters_enable(&cs);
        t0 = rb_now_ns();
        p = chase(p, steps);
        uint64_t t1 = rb_now_ns();
        rb_counters_disable(&cs);
        sample[r] = (double)(t1 - t0) / (double)steps;
    }
    rb_counters_read(&cs);
    rb_counters_close(&cs);
    rb_use_u64((uint64_t)(uintptr_t)p);

    double ns = rb_median(sample, 7);
    rb_detail d = {0};
    rb_detail_add(&d, "working_set_bytes", (double)(n * sizeof(struct node)));
    rb_detail_add(&d, "nodes", (double)n);
    rb_detail_add(&d, "loads_per_sample", (double)steps);
    rb_detail_add(&d, "fastest_sample_ns", sample[0]); /* sorted by rb_median */
    rb_detail_add(&d, "slowest_sample_ns", sample[6]);
    int64_t cycles = rb_counter_get(&cs, RB_CYCLES);
    if (cycles > 0)
        rb_detail_add(&d, "cycles_per_load", (double)cycles / (double)steps);
    rb_print_result(ns, "ns", &cs, &d);
    free(nodes);
    return 0;
}
