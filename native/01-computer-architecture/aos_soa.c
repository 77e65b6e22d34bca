/*
 * aos_soa.c - summing one field: array of structures vs structure of arrays.
 *
 * usage: aos_soa
 *
 * The experiment: N = 512 Ki particles with 16 float fields each (64 bytes, one cache
 * line per particle).
 *   A (AoS): struct particle p[N];  sum p[i].f[0]    - 32 MiB of structs to stream
 *   B (SoA): float x[N];            sum x[i]         -  2 MiB, the same N floats
 * Both add the same N floats in the same order. value = time(A) / time(B), the median
 * over interleaved pairs A, B, A, B, ...
 *
 * What to expect: A uses 4 of every 64 bytes it brings in, so it moves 16x more memory.
 * But B is not free either: `sum += x[i]` with one float accumulator is a chain of
 * dependent adds (gcc -O2 may not reorder float adds), ~4 cycles each, ~1-1.5 ns per
 * element whatever the memory does. A costs max(that, 64 bytes / memory bandwidth).
 * The ratio is therefore well under 16x on most machines: ~2-5x.
 */
#include "recall_bench.h"

#define N (512u * 1024u)

struct particle {
    float f[16]; /* x, y, z, vx, vy, vz, mass, charge, ... : 64 bytes */
};

static struct particle *aos;
static float *soa_x;
static float sink;

/* A: the field we want sits 64 bytes apart. */
__attribute__((noinline)) static void sum_aos(void *arg)
{
    (void)arg;
    rb_escape(aos);
    float sum = 0;
    for (size_t i = 0; i < N; i++)
        sum += aos[i].f[0];
    sink += sum;
}

/* B: the same field, packed into its own array. */
__attribute__((noinline)) static void sum_soa(void *arg)
{
    (void)arg;
    rb_escape(soa_x);
    float sum = 0;
    for (size_t i = 0; i < N; i++)
        sum += soa_x[i];
    sink += sum;
}

int main(void)
{
    aos = aligned_alloc(64, N * sizeof *aos);
    soa_x = aligned_alloc(64, N * sizeof *soa_x);
    if (!aos || !soa_x)
        rb_die("cannot allocate the arrays");
    for (size_t i = 0; i < N; i++) {
        for (int k = 0; k < 16; k++)
            aos[i].f[k] = (float)((i + (size_t)k) % 7);
        soa_x[i] = aos[i].f[0];
    }

    rb_ratio r = rb_time_ratio(sum_aos, NULL, sum_soa, NULL, 2, 25);
    rb_use_u64((uint64_t)sink);

    rb_detail d = {0};
    rb_detail_add(&d, "elements", N);
    rb_detail_add(&d, "aos_bytes", (double)N * sizeof *aos);
    rb_detail_add(&d, "soa_bytes", (double)N * sizeof *soa_x);
    rb_detail_add(&d, "aos_ns_per_element", r.a_ns / N);
    rb_detail_add(&d, "soa_ns_per_element", r.b_ns / N);
    rb_detail_add(&d, "aos_gb_per_s", (double)N * sizeof *aos / r.a_ns); /* lines moved */
    rb_print_result(r.ratio, "x", NULL, &d);
    free(aos);
    free(soa_x);
    return 0;
}
