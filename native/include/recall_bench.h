/*
 * recall_bench.h - the small toolkit shared by recall's measurement programs.
 *
 * Every program in native/ runs ONE experiment and prints exactly ONE line of JSON on
 * stdout, for example
 *
 *     {"value": 0.98, "unit": "fraction", "counters": {"l1d_read_access": 2097152, ...},
 *      "detail": {"passes": 2, ...}}
 *
 * Anything else (warnings, diagnostics) goes to stderr. recall runs the program once to
 * warm up and then five more times, and takes the median of the values (a program that
 * says "method": "counted: ..." runs once).
 *
 * What is in here:
 *   rb_now_ns()             a monotonic clock in nanoseconds
 *   rb_escape(), rb_use_u64(), rb_clobber()
 *                           keep the compiler from deleting or hoisting the work we time
 *   rb_median()             the median of n doubles
 *   rb_time_median()        time a function: warm up, repeat, return the median
 *   rb_time_ratio()         time two functions in interleaved pairs A,B,A,B,...
 *                           and return the median of the per-pair ratios A/B
 *   rb_counters_*()         hardware performance counters through perf_event_open(2)
 *   rb_detail_*(), rb_print_result()
 *                           build and print the one line of JSON
 *
 * C11 (gnu11), gcc, Linux on x86-64 or Arm. Include this header FIRST in a program: it
 * defines _GNU_SOURCE, which must come before any system header.
 */
#ifndef RECALL_BENCH_H
#define RECALL_BENCH_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>

/* ------------------------------------------------------------------------------------ */
/* Clock                                                                                */
/* ------------------------------------------------------------------------------------ */

/* Nanoseconds on CLOCK_MONOTONIC: never jumps when someone sets the wall clock. On Linux
 * this is answered by the vDSO, without entering the kernel (about 20 ns). */
static inline uint64_t rb_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ------------------------------------------------------------------------------------ */
/* Optimisation barriers                                                                */
/* ------------------------------------------------------------------------------------ */

/* An empty asm statement that "uses" p and may read or write any memory. The compiler
 * must assume the memory behind p is observed here, so it cannot delete stores to it,
 * nor assume its contents are unchanged afterwards. Emits no instruction. */
static inline void rb_escape(void *p)
{
    __asm__ volatile("" : : "r"(p) : "memory");
}

/* Pretend to use v: the computation that produced v cannot be removed as dead code. */
static inline void rb_use_u64(uint64_t v)
{
    __asm__ volatile("" : : "r"(v));
}

/* Pretend all memory may have been read and written here (a compiler-only fence). */
static inline void rb_clobber(void)
{
    __asm__ volatile("" : : : "memory");
}

/* ------------------------------------------------------------------------------------ */
/* Statistics and timing                                                                */
/* ------------------------------------------------------------------------------------ */

static inline int rb_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of v[0..n-1]. Sorts v in place. Timing noise only ever adds time, so the
 * median is a better summary than the mean. */
static inline double rb_median(double *v, int n)
{
    if (n <= 0)
        return NAN;
    qsort(v, (size_t)n, sizeof *v, rb_cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

#define RB_MAX_REPS 256

/* Call fn(arg) `warmup` times untimed (caches, TLB, branch predictors, CPU clock speed
 * settle), then `reps` times timed; return the median duration of one call in ns. */
static inline double rb_time_median(void (*fn)(void *), void *arg, int warmup, int reps)
{
    double t[RB_MAX_REPS];
    if (reps > RB_MAX_REPS)
        reps = RB_MAX_REPS;
    for (int i = 0; i < warmup; i++)
        fn(arg);
    for (int i = 0; i < reps; i++) {
        uint64_t t0 = rb_now_ns();
        fn(arg);
        t[i] = (double)(rb_now_ns() - t0);
    }
    return rb_median(t, reps);
}

/* The result of comparing two functions: median of the per-pair ratios a/b, and the
 * median time of one call of each. */
typedef struct {
    double ratio;
    double a_ns;
    double b_ns;
} rb_ratio;

/* Time a and b in interleaved pairs (a, b, a, b, ...) so that slow drifts of the machine
 * (clock speed, other processes) hit both sides alike; each pair gives one ratio a/b and
 * the result is the median ratio. `warmup` untimed pairs come first. */
static inline rb_ratio rb_time_ratio(void (*a)(void *), void *arg_a, void (*b)(void *), void *arg_b,
                                     int warmup, int pairs)
{
    double ta[RB_MAX_REPS], tb[RB_MAX_REPS], r[RB_MAX_REPS];
    if (pairs > RB_MAX_REPS)
        pairs = RB_MAX_REPS;
    for (int i = 0; i < warmup; i++) {
        a(arg_a);
        b(arg_b);
    }
    for (int i = 0; i < pairs; i++) {
        uint64_t t0 = rb_now_ns();
        a(arg_a);
        uint64_t t1 = rb_now_ns();
        b(arg_b);
        uint64_t t2 = rb_now_ns();
        ta[i] = (double)(t1 - t0);
        tb[i] = (double)(t2 - t1);
        r[i] = tb[i] > 0 ? ta[i] / tb[i] : NAN;
    }
    rb_ratio out = {rb_median(r, pairs), rb_median(ta, pairs), rb_median(tb, pairs)};
    return out;
}

/* ------------------------------------------------------------------------------------ */
/* Hardware counters (perf_event_open)                                                  */
/* ------------------------------------------------------------------------------------ */

/* The events a program may ask for. Each is opened as its own counter (no group), so one
 * that the CPU or VM lacks does not take the others down with it. */
enum rb_event {
    RB_L1D_READ_ACCESS, /* loads that looked up the L1 data cache            */
    RB_L1D_READ_MISS,   /* loads that missed it (on Intel: lines filled)      */
    RB_LLC_MISS,        /* last-level cache misses (went to DRAM)              */
    RB_BRANCH_MISS,     /* mispredicted branches                              */
    RB_INSTRUCTIONS,    /* instructions retired                               */
    RB_CYCLES,          /* core clock cycles                                  */
    RB_N_EVENTS
};

static const char *const rb_event_names[RB_N_EVENTS] = {
    "l1d_read_access", "l1d_read_miss", "llc_miss", "branch_miss", "instructions", "cycles",
};

typedef struct {
    int event;       /* enum rb_event                                     */
    int fd;          /* -1 when it could not be opened                    */
    uint64_t value;  /* count after rb_counters_read(), scaled if shared  */
    int ok;          /* 1 when value is a real count                      */
    char error[200]; /* why not, when !ok                                 */
} rb_counter;

typedef struct {
    int n;
    rb_counter c[RB_N_EVENTS];
} rb_counters;

static inline void rb_perf_attr(int event, struct perf_event_attr *pe)
{
    memset(pe, 0, sizeof *pe);
    pe->size = sizeof *pe;
    pe->disabled = 1;       /* start stopped; rb_counters_enable() starts it          */
    pe->exclude_kernel = 1; /* count our own user-space code only: this is also what  */
    pe->exclude_hv = 1;     /* perf_event_paranoid=2 (a common default) still allows  */
    pe->read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
    switch (event) {
    case RB_L1D_READ_ACCESS:
    case RB_L1D_READ_MISS:
        pe->type = PERF_TYPE_HW_CACHE;
        pe->config = PERF_COUNT_HW_CACHE_L1D | (PERF_COUNT_HW_CACHE_OP_READ << 8) |
                     ((uint64_t)(event == RB_L1D_READ_ACCESS ? PERF_COUNT_HW_CACHE_RESULT_ACCESS
                                                              : PERF_COUNT_HW_CACHE_RESULT_MISS)
                      << 16);
        break;
    case RB_LLC_MISS:
        pe->type = PERF_TYPE_HARDWARE;
        pe->config = PERF_COUNT_HW_CACHE_MISSES;
        break;
    case RB_BRANCH_MISS:
        pe->type = PERF_TYPE_HARDWARE;
        pe->config = PERF_COUNT_HW_BRANCH_MISSES;
        break;
    case RB_INSTRUCTIONS:
        pe->type = PERF_TYPE_HARDWARE;
        pe->config = PERF_COUNT_HW_INSTRUCTIONS;
        break;
    default:
        pe->type = PERF_TYPE_HARDWARE;
        pe->config = PERF_COUNT_HW_CPU_CYCLES;
        break;
    }
}

/* A sentence for why perf_event_open failed with errno e. */
static inline void rb_perf_reason(int e, char *out, size_t size)
{
    int paranoid = -99;
    FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
    if (f) {
        if (fscanf(f, "%d", &paranoid) != 1)
            paranoid = -99;
        fclose(f);
    }
    switch (e) {
    case ENOENT:
        snprintf(out, size, "event not available on this CPU/VM (ENOENT)");
        break;
    case EOPNOTSUPP:
        snprintf(out, size, "event not supported by this CPU/VM's PMU (EOPNOTSUPP)");
        break;
    case ENODEV:
        snprintf(out, size, "no performance-monitoring unit for this event (ENODEV)");
        break;
    case EACCES:
    case EPERM:
        snprintf(out, size,
                 "perf_event_paranoid=%d forbids it (%s); allow it with: "
                 "sudo sysctl kernel.perf_event_paranoid=1",
                 paranoid, e == EACCES ? "EACCES" : "EPERM");
        break;
    case ENOSYS:
        snprintf(out, size, "this kernel has no perf_event_open (ENOSYS)");
        break;
    case EBUSY:
        snprintf(out, size, "the counter is in use by someone else (EBUSY)");
        break;
    case EMFILE:
        snprintf(out, size, "too many open files (EMFILE)");
        break;
    case EINVAL:
        snprintf(out, size, "the kernel rejected the event (EINVAL)");
        break;
    default:
        snprintf(out, size, "%s (errno %d)", strerror(e), e);
        break;
    }
}

/* Open the n requested events, each separately, counting this thread in user space.
 * Returns how many opened. Each one that failed records why in its .error. */
static inline int rb_counters_open(rb_counters *cs, const int *events, int n)
{
    int opened = 0;
    if (n > RB_N_EVENTS)
        n = RB_N_EVENTS;
    cs->n = n;
    for (int i = 0; i < n; i++) {
        rb_counter *c = &cs->c[i];
        struct perf_event_attr pe;
        c->event = events[i];
        c->value = 0;
        c->ok = 0;
        c->error[0] = '\0';
        rb_perf_attr(events[i], &pe);
        /* pid 0 = this thread, cpu -1 = whichever CPU it runs on, no group, no flags */
        c->fd = (int)syscall(SYS_perf_event_open, &pe, 0, -1, -1, 0);
        if (c->fd < 0)
            rb_perf_reason(errno, c->error, sizeof c->error);
        else
            opened++;
    }
    return opened;
}

/* Zero and start every open counter. */
static inline void rb_counters_enable(rb_counters *cs)
{
    for (int i = 0; i < cs->n; i++)
        if (cs->c[i].fd >= 0) {
            ioctl(cs->c[i].fd, PERF_EVENT_IOC_RESET, 0);
            ioctl(cs->c[i].fd, PERF_EVENT_IOC_ENABLE, 0);
        }
    rb_clobber(); /* keep the measured code after this point */
}

/* Stop every open counter. */
static inline void rb_counters_disable(rb_counters *cs)
{
    rb_clobber(); /* keep the measured code before this point */
    for (int i = 0; i < cs->n; i++)
        if (cs->c[i].fd >= 0)
            ioctl(cs->c[i].fd, PERF_EVENT_IOC_DISABLE, 0);
}

/* Read every open counter into .value. A counter that had to share the hardware with
 * others (time_running < time_enabled) is scaled up, as perf stat does; one that never
 * ran (some VMs accept the event but never count) is marked as failed. */
static inline void rb_counters_read(rb_counters *cs)
{
    for (int i = 0; i < cs->n; i++) {
        rb_counter *c = &cs->c[i];
        uint64_t buf[3]; /* value, time_enabled, time_running */
        if (c->fd < 0)
            continue;
        c->ok = 0;
        if (read(c->fd, buf, sizeof buf) != (ssize_t)sizeof buf) {
            snprintf(c->error, sizeof c->error, "reading the counter failed (%s)", strerror(errno));
        } else if (buf[2] == 0) {
            snprintf(c->error, sizeof c->error, "the counter was accepted but never ran (time_running 0)");
        } else {
            c->value = buf[2] < buf[1] ? (uint64_t)((double)buf[0] * (double)buf[1] / (double)buf[2]) : buf[0];
            c->ok = 1;
        }
    }
}

static inline void rb_counters_close(rb_counters *cs)
{
    for (int i = 0; i < cs->n; i++)
        if (cs->c[i].fd >= 0) {
            close(cs->c[i].fd);
            cs->c[i].fd = -1;
        }
}

/* The count for `event` after rb_counters_read(), or -1 when it is not available. */
static inline int64_t rb_counter_get(const rb_counters *cs, int event)
{
    for (int i = 0; cs && i < cs->n; i++)
        if (cs->c[i].event == event)
            return cs->c[i].ok ? (int64_t)cs->c[i].value : -1;
    return -1;
}

/* ------------------------------------------------------------------------------------ */
/* The one line of JSON                                                                 */
/* ------------------------------------------------------------------------------------ */

#define RB_MAX_DETAIL 24

/* Extra numbers for the explanation, printed as "detail": {key: number, ...}. */
typedef struct {
    int n;
    const char *key[RB_MAX_DETAIL]; /* string literals */
    double val[RB_MAX_DETAIL];
} rb_detail;

static inline void rb_detail_add(rb_detail *d, const char *key, double v)
{
    if (d->n < RB_MAX_DETAIL) {
        d->key[d->n] = key;
        d->val[d->n] = v;
        d->n++;
    }
}

/* A JSON number, or null for NaN/infinity (which JSON cannot express). Whole numbers
 * (sizes, counts) are printed in full, others with 6 significant digits. */
static inline void rb_json_number(double v)
{
    if (!isfinite(v))
        printf("null");
    else if (v == floor(v) && fabs(v) < 1e15)
        printf("%.0f", v);
    else
        printf("%.6g", v);
}

static inline void rb_json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            printf("\\%c", ch);
        else if (ch < 0x20)
            printf("\\u%04x", ch);
        else
            putchar(ch);
    }
    putchar('"');
}

/* Print the result line:
 *   {"value": <value or null>, "unit": "<unit>",
 *    "counters": {...}          the counters that worked (if any were asked for)
 *    "counters_error": "..."    why the others did not (if any failed)
 *    "detail": {...}}           extra numbers (if any)
 * value: NAN prints null (the measurement was not possible here). cs and d may be NULL. */
static inline void rb_print_result(double value, const char *unit, const rb_counters *cs, const rb_detail *d)
{
    printf("{\"value\": ");
    rb_json_number(value);
    printf(", \"unit\": ");
    rb_json_string(unit);
    if (cs && cs->n > 0) {
        int any_ok = 0, any_failed = 0;
        for (int i = 0; i < cs->n; i++) {
            any_ok |= cs->c[i].ok;
            any_failed |= !cs->c[i].ok;
        }
        if (any_ok) {
            printf(", \"counters\": {");
            const char *sep = "";
            for (int i = 0; i < cs->n; i++)
                if (cs->c[i].ok) {
                    printf("%s\"%s\": %llu", sep, rb_event_names[cs->c[i].event],
                           (unsigned long long)cs->c[i].value);
                    sep = ", ";
                }
            printf("}");
        }
        if (any_failed) {
            /* "event: reason; event: reason" - or just the reason when all share it */
            char msg[1024] = "";
            size_t len = 0;
            int same = 1;
            const char *first = NULL;
            for (int i = 0; i < cs->n; i++)
                if (!cs->c[i].ok) {
                    if (first && strcmp(first, cs->c[i].error) != 0)
                        same = 0;
                    if (!first)
                        first = cs->c[i].error;
                }
            if (same && !any_ok) {
                snprintf(msg, sizeof msg, "%s", first);
            } else {
                for (int i = 0; i < cs->n && len < sizeof msg; i++)
                    if (!cs->c[i].ok)
                        len += (size_t)snprintf(msg + len, sizeof msg - len, "%s%s: %s", len ? "; " : "",
                                                rb_event_names[cs->c[i].event], cs->c[i].error);
            }
            printf(", \"counters_error\": ");
            rb_json_string(msg);
        }
    }
    if (d && d->n > 0) {
        printf(", \"detail\": {");
        for (int i = 0; i < d->n; i++) {
            printf("%s", i ? ", " : "");
            rb_json_string(d->key[i]);
            printf(": ");
            rb_json_number(d->val[i]);
        }
        printf("}");
    }
    printf("}\n");
    fflush(stdout);
}

/* Print a message to stderr and exit with status 1 (recall shows the last stderr line). */
#define rb_die(...)                                                                          \
    do {                                                                                     \
        fprintf(stderr, __VA_ARGS__);                                                        \
        fputc('\n', stderr);                                                                 \
        exit(1);                                                                             \
    } while (0)

/* Parse a positive integer argument such as "67108864", or die naming it. */
static inline size_t rb_arg_size(const char *text, const char *name)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || end == text || *end != '\0' || v == 0)
        rb_die("%s must be a positive integer, not '%s'", name, text);
    return (size_t)v;
}

#endif /* RECALL_BENCH_H */
