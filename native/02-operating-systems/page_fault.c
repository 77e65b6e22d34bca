/*
 * page_fault.c - what does the first touch of a fresh page cost?
 *
 * usage: page_fault
 *
 * The experiment: mmap 64 MiB of anonymous memory. mmap only reserves addresses; no
 * physical page exists yet. Then write one byte in each page:
 *   first pass:  every write faults; the kernel allocates a page, zeroes it and maps it
 *   second pass: the same writes again, now to pages that exist (no fault)
 * Repeated 5 times with a fresh mapping each time. value = nanoseconds per page of the
 * first pass (one minor page fault each), the median of the 5 rounds.
 *
 * Transparent huge pages are switched off for this mapping (MADV_NOHUGEPAGE), so each
 * fault maps one base page (4 KiB on x86-64; 4, 16 or 64 KiB on Arm, see detail).
 *
 * What to expect: a minor fault is a trip into the kernel (~0.1 us), a page allocation,
 * zeroing 4 KiB (~0.1-0.2 us) and page-table updates: ~0.5-1 us on bare metal, often
 * 1-3 us in a VM (the hypervisor may have to back the guest page too). The second pass
 * costs ~10-50 ns per page (a TLB miss and a cache miss, no fault): 20-100x less.
 */
#include "recall_bench.h"

#include <sys/mman.h>

#define REGION (64u << 20)
#define ROUNDS 5

int main(void)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t pages = REGION / page;
    double first[ROUNDS], second[ROUNDS];
    int thp_off = 1;

    for (int r = 0; r < ROUNDS; r++) {
        char *p = mmap(NULL, REGION, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            rb_die("mmap of %u bytes failed: %s", REGION, strerror(errno));
        if (madvise(p, REGION, MADV_NOHUGEPAGE) != 0)
            thp_off = 0; /* kernel without THP: base pages anyway */

        uint64_t t0 = rb_now_ns();
        for (size_t i = 0; i < REGION; i += page)
            p[i] = 1; /* first touch: page fault */
        rb_escape(p);
        uint64_t t1 = rb_now_ns();
        for (size_t i = 0; i < REGION; i += page)
            p[i] = 2; /* page is mapped now: an ordinary store */
        rb_escape(p);
        uint64_t t2 = rb_now_ns();

        first[r] = (double)(t1 - t0) / (double)pages;
        second[r] = (double)(t2 - t1) / (double)pages;
        munmap(p, REGION); /* give the pages back; the next round faults again */
    }

    double fault_ns = rb_median(first, ROUNDS);
    double mapped_ns = rb_median(second, ROUNDS);
    rb_detail d = {0};
    rb_detail_add(&d, "region_bytes", REGION);
    rb_detail_add(&d, "page_bytes", (double)page);
    rb_detail_add(&d, "pages", (double)pages);
    rb_detail_add(&d, "second_pass_ns_per_page", mapped_ns);
    rb_detail_add(&d, "first_vs_second", fault_ns / mapped_ns);
    rb_detail_add(&d, "thp_disabled", thp_off);
    rb_print_result(fault_ns, "ns", NULL, &d);
    return 0;
}
