/*
 * pipe_rtt.c - a one-byte round trip between two processes through two pipes.
 *
 * usage: pipe_rtt
 *
 * The experiment: the parent writes one byte into pipe 1; the child, blocked in read(),
 * wakes up, reads it and writes one byte back into pipe 2; the parent, blocked in
 * read() on pipe 2, wakes up and reads it. That is one round trip: four system calls and
 * two wake-ups of a sleeping process. Both processes are pinned to the SAME CPU, so each
 * wake-up is a context switch on that CPU. Left alone, the scheduler put them on one CPU
 * too (it keeps a waker and wakee together when it can). It is also the stable case:
 * across two CPUs the wake-up needs an inter-processor interrupt, and an idle CPU may
 * first have to leave a power-saving state (on a 2-vCPU VM: ~75-100 us per round trip,
 * as the hypervisor must wake the halted vCPU).
 * value = microseconds per round trip, the median of BATCHES batches of TRIPS trips.
 *
 * For comparison (detail) the same four system calls without any waiting: one process
 * writes a byte into a pipe and reads it back, twice.
 *
 * What to expect: each of the four system calls costs ~0.1-0.3 us, and each of the two
 * context switches (save one process's registers, pick the next, switch page tables,
 * restore) ~0.5-2 us, more with Spectre mitigations that flush branch predictors on a
 * switch between processes. A round trip is typically 1.5-5 us: several times the
 * system calls alone. Across two CPUs, 5-20 us on bare metal and more in a VM.
 */
#include "recall_bench.h"

#include <sched.h>
#include <sys/wait.h>

#define TRIPS 1000
#define BATCHES 31

static void pin_to_first_cpu(void)
{
    cpu_set_t allowed, one;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0)
        return;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &allowed)) {
            CPU_ZERO(&one);
            CPU_SET(c, &one);
            sched_setaffinity(0, sizeof one, &one); /* inherited by the child after fork */
            return;
        }
}

static void xwrite(int fd, char c)
{
    if (write(fd, &c, 1) != 1)
        rb_die("write to pipe failed: %s", strerror(errno));
}

static char xread(int fd)
{
    char c;
    if (read(fd, &c, 1) != 1)
        rb_die("read from pipe failed or hit end of file");
    return c;
}

int main(void)
{
    int ping[2], pong[2]; /* [0] is the read end, [1] the write end */
    if (pipe(ping) || pipe(pong))
        rb_die("pipe failed: %s", strerror(errno));
    pin_to_first_cpu();

    pid_t pid = fork();
    if (pid < 0)
        rb_die("fork failed: %s", strerror(errno));
    if (pid == 0) {
        /* The child: echo every byte back until the parent closes its end. */
        close(ping[1]);
        close(pong[0]);
        char c;
        while (read(ping[0], &c, 1) == 1)
            xwrite(pong[1], c);
        _exit(0);
    }
    close(ping[0]);
    close(pong[1]);

    /* Round trips: write, then sleep in read() until the child has answered. */
    double rtt[BATCHES];
    for (int b = -1; b < BATCHES; b++) { /* batch -1 is a warm-up */
        uint64_t t0 = rb_now_ns();
        for (int i = 0; i < TRIPS; i++) {
            xwrite(ping[1], 'x');
            xread(pong[0]);
        }
        if (b >= 0)
            rtt[b] = (double)(rb_now_ns() - t0) / TRIPS;
    }
    close(ping[1]); /* the child's read() returns 0: it exits */
    waitpid(pid, NULL, 0);

    /* The same four system calls in one process, with no one to wait for. */
    int self[2];
    if (pipe(self))
        rb_die("pipe failed: %s", strerror(errno));
    double alone[BATCHES];
    for (int b = -1; b < BATCHES; b++) {
        uint64_t t0 = rb_now_ns();
        for (int i = 0; i < TRIPS; i++) {
            xwrite(self[1], 'x');
            xread(self[0]);
            xwrite(self[1], 'y');
            xread(self[0]);
        }
        if (b >= 0)
            alone[b] = (double)(rb_now_ns() - t0) / TRIPS;
    }

    double rtt_us = rb_median(rtt, BATCHES) / 1000.0;
    double alone_us = rb_median(alone, BATCHES) / 1000.0;
    rb_detail d = {0};
    rb_detail_add(&d, "round_trips_per_batch", TRIPS);
    rb_detail_add(&d, "batches", BATCHES);
    rb_detail_add(&d, "same_cpu", 1);
    rb_detail_add(&d, "four_syscalls_no_wait_us", alone_us);
    rb_detail_add(&d, "switching_us_per_round_trip", rtt_us - alone_us);
    rb_print_result(rtt_us, "us", NULL, &d);
    return 0;
}
