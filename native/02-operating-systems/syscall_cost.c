/*
 * syscall_cost.c - what does one trip into the kernel and back cost?
 *
 * usage: syscall_cost
 *
 * The experiment: call getppid() through syscall(SYS_getppid) in a loop. It is about the
 * smallest real system call: the kernel reads one field and returns. Calling it through
 * syscall() guarantees a real kernel entry every time (no caching in libc, no vDSO).
 * value = nanoseconds per call, the median of 15 batches of CALLS calls.
 *
 * What to expect: the syscall/sysret instructions themselves cost ~100 cycles, but the
 * kernel's entry and exit code around them (saving registers, Spectre/Meltdown
 * mitigations such as page-table switching and buffer clearing, audit/seccomp hooks)
 * bring a minimal system call to ~50-100 ns on bare metal with a recent kernel, and
 * ~100-500 ns with heavy mitigations or in some VMs. Compare a vDSO call such as
 * clock_gettime(CLOCK_MONOTONIC), which stays in user space: ~15-30 ns (in detail).
 */
#include "recall_bench.h"

#define CALLS 20000
#define BATCHES 15

static void many_getppid(void *arg)
{
    (void)arg;
    long sum = 0;
    for (int i = 0; i < CALLS; i++)
        sum += syscall(SYS_getppid); /* a real system call every time */
    rb_use_u64((uint64_t)sum);
}

/* For comparison: clock_gettime through the vDSO, answered in user space. */
static void many_clock_gettime(void *arg)
{
    (void)arg;
    struct timespec ts;
    uint64_t sum = 0;
    for (int i = 0; i < CALLS; i++) {
        clock_gettime(CLOCK_MONOTONIC, &ts);
        sum += (uint64_t)ts.tv_nsec;
    }
    rb_use_u64(sum);
}

/* And a plain loop that does the same bookkeeping without any call. */
static void many_nothing(void *arg)
{
    (void)arg;
    uint64_t sum = 0;
    for (int i = 0; i < CALLS; i++) {
        sum += (uint64_t)i;
        rb_clobber(); /* keep the loop from being folded away */
    }
    rb_use_u64(sum);
}

int main(void)
{
    double syscall_ns = rb_time_median(many_getppid, NULL, 2, BATCHES) / CALLS;
    double vdso_ns = rb_time_median(many_clock_gettime, NULL, 2, BATCHES) / CALLS;
    double loop_ns = rb_time_median(many_nothing, NULL, 2, BATCHES) / CALLS;

    rb_detail d = {0};
    rb_detail_add(&d, "calls_per_batch", CALLS);
    rb_detail_add(&d, "batches", BATCHES);
    rb_detail_add(&d, "vdso_clock_gettime_ns", vdso_ns);
    rb_detail_add(&d, "empty_loop_ns", loop_ns);
    rb_detail_add(&d, "syscall_vs_vdso", syscall_ns / vdso_ns);
    rb_print_result(syscall_ns, "ns", NULL, &d);
    return 0;
}
