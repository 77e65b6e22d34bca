/*
 * stride_miss.c - what fraction of strided loads miss the L1 data cache?
 *
 * usage: stride_miss ARRAY_BYTES STRIDE_BYTES [PASSES]      (PASSES defaults to 2)
 *
 * The experiment: read one byte every STRIDE bytes over an ARRAY_BYTES array, PASSES
 * times, and let the CPU's hardware counters say how many of those loads looked up the
 * L1 data cache and how many missed it. value = misses / accesses (0..1).
 *
 * What to expect: the cache moves whole 64-byte lines. With STRIDE >= 64 every load
 * lands in a new line; if the array is much larger than the L1 (32-48 KiB) that line was
 * evicted since the last pass, so every load misses: ~100 %. With STRIDE 8 the first
 * load of a line misses and the next 7 hit: 1/8 = 12.5 %. An array that fits in the
 * L1 misses only on the first pass: 1/PASSES of the no-reuse figure, or less.
 *
 * Counters need perf_event_open(2). In many VMs and containers they are not available;
 * then value is null, counters_error says why, and recall simulates the same access
 * pattern on a model of this machine's L1D instead.
 */
#include "recall_bench.h"

/* The loop being measured: one load per `stride` bytes. noinline keeps it a separate,
 * unchanging piece of code between the counter start and stop. */
__attribute__((noinline)) static uint64_t strided_read(const unsigned char *a, size_t bytes, size_t stride,
                                                       int passes)
{
    uint64_t sum = 0;
    for (int p = 0; p < passes; p++)
        for (size_t i = 0; i < bytes; i += stride)
            sum += a[i];
    return sum;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4)
        rb_die("usage: %s ARRAY_BYTES STRIDE_BYTES [PASSES]", argv[0]);
    size_t bytes = rb_arg_size(argv[1], "ARRAY_BYTES");
    size_t stride = rb_arg_size(argv[2], "STRIDE_BYTES");
    int passes = argc == 4 ? (int)rb_arg_size(argv[3], "PASSES") : 2;

    long line = 64; /* the line size, from glibc where it can tell */
#ifdef _SC_LEVEL1_DCACHE_LINESIZE
    if (sysconf(_SC_LEVEL1_DCACHE_LINESIZE) > 0)
        line = sysconf(_SC_LEVEL1_DCACHE_LINESIZE);
#endif

    /* The array, aligned to a line, and written once so that its pages exist: the page
     * faults of the first touch are not part of the experiment. */
    unsigned char *a = aligned_alloc(4096, (bytes + 4095) / 4096 * 4096);
    if (!a)
        rb_die("cannot allocate %zu bytes", bytes);
    memset(a, 1, bytes);

    /* Start from a cold L1, as the simulation does: read 4 MiB of other data, which
     * pushes every line of the array out of the L1 (and out of a 2 MiB L2). */
    size_t scratch_bytes = 4u << 20;
    unsigned char *scratch = malloc(scratch_bytes);
    if (!scratch)
        rb_die("cannot allocate the scratch buffer");
    memset(scratch, 2, scratch_bytes);
    rb_use_u64(strided_read(scratch, scratch_bytes, 64, 1));

    int events[] = {RB_L1D_READ_ACCESS, RB_L1D_READ_MISS};
    rb_counters cs;
    rb_counters_open(&cs, events, 2);

    rb_escape(a);
    uint64_t t0 = rb_now_ns();
    rb_counters_enable(&cs);
    uint64_t sum = strided_read(a, bytes, stride, passes);
    rb_counters_disable(&cs);
    uint64_t t1 = rb_now_ns();
    rb_use_u64(sum);
    rb_counters_read(&cs);
    rb_counters_close(&cs);

    double loads = (double)passes * (double)((bytes + stride - 1) / stride);
    int64_t acc = rb_counter_get(&cs, RB_L1D_READ_ACCESS);
    int64_t miss = rb_counter_get(&cs, RB_L1D_READ_MISS);
    double value = (acc > 0 && miss >= 0) ? (double)miss / (double)acc : NAN;

    rb_detail d = {0};
    rb_detail_add(&d, "array_bytes", (double)bytes);
    rb_detail_add(&d, "stride_bytes", (double)stride);
    rb_detail_add(&d, "passes", passes);
    rb_detail_add(&d, "loads", loads);
    rb_detail_add(&d, "line_bytes", (double)line);
    /* what the line arithmetic predicts when nothing survives between passes */
    rb_detail_add(&d, "no_reuse_miss_ratio", stride >= (size_t)line ? 1.0 : (double)stride / (double)line);
    rb_detail_add(&d, "ns_per_load", (double)(t1 - t0) / loads);
    rb_print_result(value, "fraction", &cs, &d);
    free(scratch);
    free(a);
    return 0;
}
