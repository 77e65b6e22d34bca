/*
 * int8_dot.c - how much faster is an int8 dot product than a float32 one, with AVX2?
 *
 * usage: int8_dot
 *
 * The experiment: dot products of 2048-element vectors (in L1), 64 per call, written with
 * AVX2 intrinsics, four accumulators each:
 *   A (fp32):  one vfmadd231ps per 8 elements:    acc += a * b  (8 multiply-adds)
 *   B (int8):  u8 x s8, the pre-VNNI sequence per 32 elements:
 *                vpmaddubsw  32 byte products, adjacent pairs summed into 16 int16
 *                vpmaddwd    with a vector of 1s: adjacent int16 pairs into 8 int32
 *                vpaddd      into the int32 accumulator
 * Same number of multiply-adds (MACs) on both sides. value = time(A) / time(B), the
 * median over interleaved pairs A, B, A, B, ...
 * On a CPU without AVX2 and FMA the program times plain C loops instead (detail avx2 = 0;
 * gcc vectorizes them as it can for the x86-64 baseline), and the ratio means less.
 *
 * What to expect: a 256-bit register holds 8 floats but 32 bytes, so B does 4x the MACs
 * per register - but it spends three instructions where A spends one. Count what limits
 * each loop (per cycle, on recent Intel and AMD cores):
 *   A: each FMA needs two 32-byte loads (a and b): 2-3 loads per cycle, and 4 chains of
 *      4-cycle FMAs, allow ~1 FMA per cycle: ~8 MACs per cycle.
 *   B: per 32 MACs, two loads and two multiplies (vpmaddubsw and vpmaddwd both run on
 *      the two vector-multiply ports) plus an add: ~1 step per cycle, ~32 MACs per
 *      cycle at best, less once the front end (5-6 instructions per step) is the limit.
 * So between 2x and 4x. With VNNI, vpdpbusd does all three steps in one instruction.
 */
#include "recall_bench.h"
#include <immintrin.h>

#define N 2048u   /* elements per vector: fp32 16 KiB for a and b, int8 4 KiB */
#define PASSES 64 /* one call = 64 dot products = 131,072 MACs */

static float fa[N], fb[N];
static uint8_t ua[N]; /* int8 operands: unsigned activations, signed weights */
static int8_t sb[N];
static int64_t sink;

/* A: fp32, four independent accumulators: four 4-cycle FMA chains allow one FMA per
 * cycle, about what the loads allow too (two 32-byte loads per FMA). */
__attribute__((noinline, target("avx2,fma"))) static float dot_f32_avx2(const float *a, const float *b)
{
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    for (size_t i = 0; i < N; i += 32) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
        s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2);
        s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3);
    }
    __m256 s = _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
    float t[8];
    _mm256_storeu_ps(t, s);
    return ((t[0] + t[1]) + (t[2] + t[3])) + ((t[4] + t[5]) + (t[6] + t[7]));
}

/* One int8 step: acc += the 32 products a[0..31] * b[0..31], summed in groups of four. */
__attribute__((target("avx2"))) static inline __m256i step_u8s8(__m256i acc, const uint8_t *a,
                                                                const int8_t *b)
{
    __m256i va = _mm256_loadu_si256((const __m256i *)a);
    __m256i vb = _mm256_loadu_si256((const __m256i *)b);
    __m256i pairs = _mm256_maddubs_epi16(va, vb);                 /* vpmaddubsw */
    __m256i quads = _mm256_madd_epi16(pairs, _mm256_set1_epi16(1)); /* vpmaddwd */
    return _mm256_add_epi32(acc, quads);                          /* vpaddd */
}

/* B: int8, also four accumulators. */
__attribute__((noinline, target("avx2"))) static int32_t dot_u8s8_avx2(const uint8_t *a, const int8_t *b)
{
    __m256i s0 = _mm256_setzero_si256(), s1 = s0, s2 = s0, s3 = s0;
    for (size_t i = 0; i < N; i += 128) {
        s0 = step_u8s8(s0, a + i, b + i);
        s1 = step_u8s8(s1, a + i + 32, b + i + 32);
        s2 = step_u8s8(s2, a + i + 64, b + i + 64);
        s3 = step_u8s8(s3, a + i + 96, b + i + 96);
    }
    __m256i s = _mm256_add_epi32(_mm256_add_epi32(s0, s1), _mm256_add_epi32(s2, s3));
    int32_t t[8];
    _mm256_storeu_si256((__m256i *)t, s);
    return ((t[0] + t[1]) + (t[2] + t[3])) + ((t[4] + t[5]) + (t[6] + t[7]));
}

/* The fallbacks for CPUs without AVX2/FMA: plain C, which gcc vectorizes for SSE2 as far
 * as it can (the int8 one: widening multiplies; the float one: not at all, since that
 * would reorder the float additions). */
__attribute__((noinline)) static float dot_f32_plain(const float *a, const float *b)
{
    float s = 0.0f;
    for (size_t i = 0; i < N; i++)
        s += a[i] * b[i];
    return s;
}

__attribute__((noinline)) static int32_t dot_u8s8_plain(const uint8_t *a, const int8_t *b)
{
    int32_t s = 0;
    for (size_t i = 0; i < N; i++)
        s += a[i] * b[i];
    return s;
}

static float (*dot_f32)(const float *, const float *);
static int32_t (*dot_u8s8)(const uint8_t *, const int8_t *);

static void run_f32(void *arg)
{
    (void)arg;
    for (int p = 0; p < PASSES; p++) {
        rb_escape(fa);
        sink += (int64_t)dot_f32(fa, fb);
    }
}

static void run_u8s8(void *arg)
{
    (void)arg;
    for (int p = 0; p < PASSES; p++) {
        rb_escape(ua);
        sink += dot_u8s8(ua, sb);
    }
}

int main(void)
{
    __builtin_cpu_init();
    int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    dot_f32 = avx2 ? dot_f32_avx2 : dot_f32_plain;
    dot_u8s8 = avx2 ? dot_u8s8_avx2 : dot_u8s8_plain;

    /* Small values, the same on both sides: activations 0..12, weights -5..5. Every pair
     * sum fits in int16 (no saturation in vpmaddubsw) and every float sum is exact. */
    for (size_t i = 0; i < N; i++) {
        ua[i] = (uint8_t)(i % 13);
        sb[i] = (int8_t)((int)(i % 11) - 5);
        fa[i] = ua[i];
        fb[i] = sb[i];
    }
    if ((int32_t)dot_f32(fa, fb) != dot_u8s8(ua, sb))
        rb_die("the fp32 and int8 dot products differ");

    rb_ratio r = rb_time_ratio(run_f32, NULL, run_u8s8, NULL, 3, 51);
    rb_use_u64((uint64_t)sink);

    const double macs = (double)N * PASSES;
    rb_detail d = {0};
    rb_detail_add(&d, "avx2", avx2);
    rb_detail_add(&d, "fp32_ns_per_mac", r.a_ns / macs);
    rb_detail_add(&d, "int8_ns_per_mac", r.b_ns / macs);
    rb_detail_add(&d, "fp32_gmacs_per_s", macs / r.a_ns);
    rb_detail_add(&d, "int8_gmacs_per_s", macs / r.b_ns);
    rb_print_result(r.ratio, "x", NULL, &d);
    return 0;
}
