/*
 * false_sharing.c - two threads, two counters: what does sharing one cache line cost?
 *
 * usage: false_sharing
 *
 * The experiment: two threads, pinned to two different CPUs, each increment their OWN
 * counter ITERS times with an atomic increment. No data is shared - only, in case A,
 * the cache line:
 *   A (adjacent): struct { _Atomic long a; _Atomic long b; }        - one 64-byte line
 *   B (padded):   struct { _Alignas(64) _Atomic long a;
 *                          _Alignas(64) _Atomic long b; }           - two lines
 * value = time(A) / time(B), the median over interleaved pairs A, B, A, B, ...
 *
 * What to expect: an atomic read-modify-write (lock add on x86-64, ldadd or an
 * ldxr/stxr loop on Arm) needs the line in the Modified/Exclusive state in the core's
 * own L1. In A the line ping-pongs between the two cores on almost every increment (a
 * cross-core transfer costs ~50-100 ns) instead of staying in L1 (~5 ns per atomic
 * increment). On two physical cores: typically 3-10x. It depends on where the two CPUs
 * are: two hyperthreads of one core share the L1 and show little effect; two vCPUs of a
 * VM may be anywhere, and may move.
 *
 * Why atomic and not `volatile long` with a plain ++? With plain stores, recent cores
 * forward each increment's load from their own store buffer and commit several pending
 * stores to a line each time they own it, which hides much of the ping-pong (gcc -O2,
 * on a Sapphire Rapids VM: 1.1x with volatile, 2-8x with atomics). Atomics cannot do that.
 */
#include "recall_bench.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#define ITERS 400000L

struct adjacent {
    _Atomic long a;
    _Atomic long b; /* 8 bytes after a: same cache line */
};

struct padded {
    _Alignas(64) _Atomic long a;
    _Alignas(64) _Atomic long b; /* 64 bytes after a: its own cache line */
};

static struct adjacent adj __attribute__((aligned(64)));
static struct padded pad;

static int cpus[2] = {-1, -1}; /* the two CPUs we pin to; -1: do not pin */

static void pin_to(int cpu)
{
    if (cpu < 0)
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set); /* best effort */
}

/* The measured work: ITERS atomic increments of one counter. "relaxed": no ordering
 * with other memory is needed, only that each increment is indivisible. */
static void count_up(_Atomic long *c)
{
    for (long i = 0; i < ITERS; i++)
        atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

/* Wait until *flag is set. Spinning keeps the waiting thread on its CPU, ready to start
 * at once; with a single CPU, yield so the other thread can run and set the flag. */
static void wait_for(atomic_int *flag)
{
    while (!atomic_load(flag))
        if (cpus[1] < 0)
            sched_yield();
}

struct job {
    _Atomic long *counter;
    atomic_int ready, go;
};

/* The second thread: pin, say ready, wait for go, count. */
static void *second_thread(void *arg)
{
    struct job *j = arg;
    pin_to(cpus[1]);
    atomic_store(&j->ready, 1);
    wait_for(&j->go); /* both threads start at the same moment */
    count_up(j->counter);
    return NULL;
}

/* The main thread counts on a, a second thread on b, at the same time. Returns the time
 * from the start until both have finished. */
static double run_pair(_Atomic long *a, _Atomic long *b)
{
    struct job j = {.counter = b};
    atomic_init(&j.ready, 0);
    atomic_init(&j.go, 0);
    pthread_t t;
    if (pthread_create(&t, NULL, second_thread, &j))
        rb_die("pthread_create failed");
    wait_for(&j.ready);
    uint64_t t0 = rb_now_ns();
    atomic_store(&j.go, 1);
    count_up(a);
    pthread_join(t, NULL);
    return (double)(rb_now_ns() - t0);
}

int main(void)
{
    /* Pick the first two CPUs we may run on. */
    cpu_set_t allowed;
    int ncpu = 0;
    if (sched_getaffinity(0, sizeof allowed, &allowed) == 0)
        for (int c = 0; c < CPU_SETSIZE && ncpu < 2; c++)
            if (CPU_ISSET(c, &allowed))
                cpus[ncpu++] = c;
    if (ncpu < 2) {
        fprintf(stderr, "only one CPU available: the threads time-share it, no false sharing to see\n");
        cpus[0] = cpus[1] = -1;
    }
    pin_to(cpus[0]); /* the main thread is the first of the two counting threads */

    enum { PAIRS = 7 };
    double ta[PAIRS], tb[PAIRS], r[PAIRS];
    run_pair(&adj.a, &adj.b); /* warm-up pair */
    run_pair(&pad.a, &pad.b);
    for (int i = 0; i < PAIRS; i++) {
        ta[i] = run_pair(&adj.a, &adj.b);
        tb[i] = run_pair(&pad.a, &pad.b);
        r[i] = ta[i] / tb[i];
    }
    double ratio = rb_median(r, PAIRS);

    rb_detail d = {0};
    rb_detail_add(&d, "iterations_per_thread", ITERS);
    rb_detail_add(&d, "cpus_used", ncpu < 2 ? 1 : 2);
    rb_detail_add(&d, "cpu_a", cpus[0]);
    rb_detail_add(&d, "cpu_b", cpus[1]);
    rb_detail_add(&d, "adjacent_ns_per_increment", rb_median(ta, PAIRS) / ITERS);
    rb_detail_add(&d, "padded_ns_per_increment", rb_median(tb, PAIRS) / ITERS);
    rb_detail_add(&d, "adjacent_offset_bytes", (double)((char *)&adj.b - (char *)&adj.a));
    rb_detail_add(&d, "padded_offset_bytes", (double)((char *)&pad.b - (char *)&pad.a));
    rb_print_result(ratio, "x", NULL, &d);
    return 0;
}
