/*
 * fork_cost.c - how long does fork() take in a process with 256 MiB resident?
 *
 * usage: fork_cost
 *
 * The experiment: mmap 256 MiB of anonymous memory with transparent huge pages off
 * (MADV_NOHUGEPAGE, so it is mapped by 65,536 base pages of 4 KiB), write every page so
 * that all of it is resident, then fork() a child that exits at once. Time the fork()
 * call in the parent: from the call until it returns the child's pid. The parent then
 * waits for the child, so the next round starts with one process again.
 * value = microseconds per fork(), the median of ROUNDS rounds.
 *
 * For comparison (detail) the same fork() is timed before the 256 MiB exist, when the
 * process is a few hundred KiB of libc and stack.
 *
 * What to expect: fork() copies no data - the child shares every page copy-on-write -
 * but it must copy the parent's page tables: one 8-byte entry per 4 KiB page, and for
 * each page mark the entry read-only and take a reference on the page. That is ~10-25
 * ns per page, so 65,536 pages cost ~0.7-1.6 ms, against ~20-100 us for a small process.
 * Copy-on-write faults come later, in whichever process writes first.
 */
#include "recall_bench.h"

#include <sched.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define REGION (256u << 20)
#define ROUNDS 25
#define WARMUP 10

/* Run on one CPU only; the child inherits it. The child then runs, exits and frees its
 * page tables on the parent's CPU while the parent waits, and the next fork() reuses
 * those pages from that CPU's free lists. Unpinned, the child ran on the other CPU and
 * the timings spread twice as wide. */
static void pin_to_first_cpu(void)
{
    cpu_set_t allowed, one;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0)
        return;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &allowed)) {
            CPU_ZERO(&one);
            CPU_SET(c, &one);
            sched_setaffinity(0, sizeof one, &one);
            return;
        }
}

/* fork a child that exits at once; return the time fork() took in the parent, in ns. */
static double time_one_fork(void)
{
    uint64_t t0 = rb_now_ns();
    pid_t pid = fork();
    uint64_t t1 = rb_now_ns();
    if (pid < 0)
        rb_die("fork failed: %s", strerror(errno));
    if (pid == 0)
        _exit(0); /* the child: leave at once, without running atexit handlers or stdio flushes */
    int status;
    if (waitpid(pid, &status, 0) != pid)
        rb_die("waitpid failed: %s", strerror(errno));
    return (double)(t1 - t0);
}

int main(void)
{
    double small[ROUNDS], big[ROUNDS];
    pin_to_first_cpu();

    /* 1. fork() of the process as it starts: libc, stack, a few pages of heap. */
    for (int w = 0; w < WARMUP; w++)
        time_one_fork();
    for (int r = 0; r < ROUNDS; r++)
        small[r] = time_one_fork();

    /* 2. Make 256 MiB resident: 4 KiB pages, each written once. */
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    char *p = mmap(NULL, REGION, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        rb_die("mmap of %u bytes failed: %s", REGION, strerror(errno));
    int thp_off = madvise(p, REGION, MADV_NOHUGEPAGE) == 0;
    for (size_t i = 0; i < REGION; i += page)
        p[i] = 1;
    rb_escape(p);

    /* 3. The same fork() now: the kernel copies the page tables of 256 MiB. The first
     * few forks are slower (up to 2x here), most likely because the child's ~130 new
     * page-table pages come from memory the kernel (and, in a VM, the hypervisor) has
     * not handed out before. After some rounds the pages freed by exited children are
     * reused; warm up past that. */
    for (int w = 0; w < WARMUP; w++)
        time_one_fork();
    for (int r = 0; r < ROUNDS; r++)
        big[r] = time_one_fork();

    double small_us = rb_median(small, ROUNDS) / 1000.0;
    double big_us = rb_median(big, ROUNDS) / 1000.0;
    munmap(p, REGION);

    rb_detail d = {0};
    rb_detail_add(&d, "resident_bytes", REGION);
    rb_detail_add(&d, "page_bytes", (double)page);
    rb_detail_add(&d, "pages", (double)(REGION / page));
    rb_detail_add(&d, "thp_disabled", thp_off);
    rb_detail_add(&d, "fork_small_process_us", small_us);
    rb_detail_add(&d, "ns_per_extra_page", (big_us - small_us) * 1000.0 / (double)(REGION / page));
    rb_detail_add(&d, "big_vs_small", big_us / small_us);
    rb_print_result(big_us, "us", NULL, &d);
    return 0;
}
