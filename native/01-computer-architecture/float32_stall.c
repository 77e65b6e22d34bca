/*
 * float32_stall.c - add 1.0f to a float 2^25 times: what is the sum?
 *
 * usage: float32_stall
 *
 * The experiment: float sum = 0, then sum += 1.0f, 33,554,432 (2^25) times, in order,
 * with ordinary IEEE arithmetic (SSE scalar adds, round to nearest even, no -ffast-math).
 * value = the final sum. It is an exact count, not a timing: every run on every x86-64
 * machine prints the same number.
 *
 * What to expect: a float32 has a 24-bit significand. Up to 2^24 = 16,777,216 every
 * integer is a float and each add is exact. At 2^24 the gap between neighbouring floats
 * becomes 2, so 2^24 + 1 lies exactly halfway between 2^24 and 2^24 + 2, and the tie goes
 * to the one with the even significand: 2^24. From then on every add returns the same
 * value: the sum sticks at 16,777,216 and the other 16,777,216 additions are lost.
 * For comparison (in detail): the same loop in double, and in float with 8 partial sums
 * that each stay far below 2^24 and are added at the end.
 */
#include "recall_bench.h"

#define ADDS (1u << 25) /* 33,554,432 */

/* The loop being measured: one float accumulator, the adds in program order. Without
 * -ffast-math gcc may not reorder them. noinline and a trip count read at run time keep
 * gcc from working out the answer at compile time. */
__attribute__((noinline)) static float sum_ones_float(uint32_t n)
{
    float sum = 0.0f;
    for (uint32_t i = 0; i < n; i++)
        sum += 1.0f;
    return sum;
}

/* The same in double: a 53-bit significand holds every integer up to 2^53. */
__attribute__((noinline)) static double sum_ones_double(uint32_t n)
{
    double sum = 0.0;
    for (uint32_t i = 0; i < n; i++)
        sum += 1.0;
    return sum;
}

/* 8 float partial sums, as a vectorized (-ffast-math) loop would keep them: each one
 * reaches only n/8 = 2^22, so every add is exact, and so is the final 8-term sum. */
__attribute__((noinline)) static float sum_ones_float_8_parts(uint32_t n)
{
    float part[8] = {0};
    for (uint32_t i = 0; i < n; i += 8)
        for (int k = 0; k < 8; k++)
            part[k] += 1.0f;
    float sum = 0.0f;
    for (int k = 0; k < 8; k++)
        sum += part[k];
    return sum;
}

int main(void)
{
    volatile uint32_t adds = ADDS; /* volatile: the compiler cannot know n */
    uint32_t n = adds;

    uint64_t t0 = rb_now_ns();
    float sum = sum_ones_float(n);
    uint64_t t1 = rb_now_ns();

    /* The first power of two where adding 1.0f changes nothing. */
    volatile float one = 1.0f;
    float stuck = 1.0f;
    while (stuck + one != stuck)
        stuck *= 2.0f;

    rb_detail d = {0};
    rb_detail_add(&d, "adds", n);
    rb_detail_add(&d, "adds_lost", (double)n - sum);
    rb_detail_add(&d, "first_power_of_two_where_plus_one_is_lost", stuck);
    rb_detail_add(&d, "same_loop_in_double", sum_ones_double(n));
    rb_detail_add(&d, "float_with_8_partial_sums", sum_ones_float_8_parts(n));
    rb_detail_add(&d, "ns_per_add", (double)(t1 - t0) / n); /* one dependent add each */
    rb_print_result(sum, "count", NULL, &d);
    return 0;
}
