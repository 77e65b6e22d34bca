/*
 * mutex_cost.c - what does locking and unlocking a mutex nobody else wants cost?
 *
 * usage: mutex_cost
 *
 * The experiment: one thread calls pthread_mutex_lock() and pthread_mutex_unlock() on a
 * default (PTHREAD_MUTEX_NORMAL) mutex in a loop, incrementing a counter in between. A
 * second thread exists but sleeps the whole time, so glibc cannot take any
 * single-threaded shortcut, yet there is never any contention.
 * value = nanoseconds per lock + unlock pair, the median of BATCHES batches of PAIRS.
 *
 * For comparison (detail): the same loop with a bare atomic compare-and-swap and an
 * atomic store (a minimal spinlock), and with no lock at all.
 *
 * What to expect: an uncontended glibc mutex never enters the kernel. Lock is one
 * atomic compare-and-swap of the lock word 0 -> 1 (lock cmpxchg on x86-64, ~15-25
 * cycles: it drains the store buffer), unlock one atomic exchange back to 0 (another
 * ~15-25 cycles) and a check for waiters that finds none; futex() is only called when
 * someone waits. Total ~40-60 cycles: ~15-25 ns at 3 GHz, and function-call overhead
 * adds little. With contention the picture changes completely (the waiter sleeps in
 * futex(): microseconds).
 */
#include "recall_bench.h"

#include <pthread.h>
#include <stdatomic.h>

#define PAIRS 50000
#define BATCHES 31

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static atomic_int spin; /* 0 = free, 1 = taken */
static long counter;

/* The measured loop: lock, touch the protected data, unlock. */
static void with_mutex(void *arg)
{
    (void)arg;
    for (int i = 0; i < PAIRS; i++) {
        pthread_mutex_lock(&mutex);
        counter++;
        pthread_mutex_unlock(&mutex);
    }
}

/* A minimal spinlock: what the mutex's fast path boils down to. */
static void with_spinlock(void *arg)
{
    (void)arg;
    for (int i = 0; i < PAIRS; i++) {
        int expected = 0;
        while (!atomic_compare_exchange_weak_explicit(&spin, &expected, 1, memory_order_acquire,
                                                      memory_order_relaxed))
            expected = 0;
        counter++;
        atomic_store_explicit(&spin, 0, memory_order_release); /* a plain mov on x86-64 */
    }
}

/* No lock: the loop and the increment alone. */
static void without_lock(void *arg)
{
    (void)arg;
    for (int i = 0; i < PAIRS; i++) {
        counter++;
        rb_clobber(); /* one increment per iteration, not one add of PAIRS */
    }
}

/* The second thread: it only exists, asleep until main is done. */
static pthread_mutex_t done_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;
static int done;

static void *sleeper(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&done_lock);
    while (!done)
        pthread_cond_wait(&done_cond, &done_lock);
    pthread_mutex_unlock(&done_lock);
    return NULL;
}

int main(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, sleeper, NULL))
        rb_die("pthread_create failed");

    double mutex_ns = rb_time_median(with_mutex, NULL, 2, BATCHES) / PAIRS;
    double spin_ns = rb_time_median(with_spinlock, NULL, 2, BATCHES) / PAIRS;
    double none_ns = rb_time_median(without_lock, NULL, 2, BATCHES) / PAIRS;

    pthread_mutex_lock(&done_lock);
    done = 1;
    pthread_cond_signal(&done_cond);
    pthread_mutex_unlock(&done_lock);
    pthread_join(t, NULL);
    rb_use_u64((uint64_t)counter);

    rb_detail d = {0};
    rb_detail_add(&d, "pairs_per_batch", PAIRS);
    rb_detail_add(&d, "batches", BATCHES);
    rb_detail_add(&d, "cas_spinlock_ns", spin_ns);
    rb_detail_add(&d, "no_lock_ns", none_ns);
    rb_detail_add(&d, "mutex_vs_spinlock", mutex_ns / spin_ns);
    rb_print_result(mutex_ns, "ns", NULL, &d);
    return 0;
}
