/* Graft's worker threads (see graft_threads.h): one process-wide pool, its threads started on
 * first use and only ever added. A section is published by bumping `generation` after the job's
 * fields are written; every worker (also those without a part in it) acknowledges it by
 * decrementing `remaining`, and the caller spins until `remaining` is zero, so no worker can
 * still be reading a job when the next one is written. Workers that find no new generation
 * within the spin time sleep on the generation's futex; the caller wakes them only when one is
 * asleep. */
#define _GNU_SOURCE
#include "graft_threads.h"

#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define CPU_RELAX() __asm__ __volatile__("yield")
#else
#define CPU_RELAX() ((void)0)
#endif

enum { MAXIMUM_PARTS = 256 };  /* < 2^16, the part's bits in a worker's argument */

static struct {
    _Atomic int busy;                 /* 1 while a section runs (its caller holds the pool) */
    _Atomic uint32_t generation;      /* bumped once per section; the futex word */
    _Atomic int remaining;            /* workers of the current section not yet done */
    _Atomic int sleepers;             /* workers inside futex_wait */
    _Atomic int spin_microseconds;
    int threads;                      /* workers started (only the section's caller adds some) */
    int parts;                        /* the current section's job */
    graft_threads_body body;
    void *context;
} pool = { .spin_microseconds = 200 };

static long futex(_Atomic uint32_t *word, int op, uint32_t value) {
    return syscall(SYS_futex, (uint32_t *)word, op | FUTEX_PRIVATE_FLAG, value, NULL, NULL, 0);
}

static uint64_t now_nanoseconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Waits until the generation differs from `seen`, spinning first; returns the new generation. */
static uint32_t await_generation(uint32_t seen) {
    const uint64_t spin = (uint64_t)atomic_load_explicit(&pool.spin_microseconds, memory_order_relaxed) * 1000u;
    const uint64_t start = spin ? now_nanoseconds() : 0;
    for (unsigned i = 1;; i++) {
        uint32_t g = atomic_load_explicit(&pool.generation, memory_order_acquire);
        if (g != seen) return g;
        if (spin == 0 || ((i & 255) == 0 && now_nanoseconds() - start > spin)) break;
        /* Now and then the core goes to any other thread waiting for it (other work of the
         * process, or of the machine): spinning must not slow what runs beside it. */
        if ((i & 255) == 0) sched_yield(); else CPU_RELAX();
    }
    for (;;) {
        atomic_fetch_add(&pool.sleepers, 1);
        /* Sleeps only if the generation is still `seen` (checked atomically by the kernel). */
        futex(&pool.generation, FUTEX_WAIT, seen);
        atomic_fetch_sub(&pool.sleepers, 1);
        uint32_t g = atomic_load_explicit(&pool.generation, memory_order_acquire);
        if (g != seen) return g;
    }
}

/* A worker's argument: its part (1...) in the low 16 bits, above them the generation current
 * when it was started (the next one is its first section, however late the thread starts). */
static void *worker_main(void *argument) {
    const int index = (int)((uintptr_t)argument & 0xffff);
    uint32_t seen = (uint32_t)((uintptr_t)argument >> 16);
    for (;;) {
        seen = await_generation(seen);
        /* The job's fields were written before the generation was bumped (release/acquire). */
        if (index < pool.parts) pool.body(pool.context, index);
        atomic_fetch_sub_explicit(&pool.remaining, 1, memory_order_acq_rel);
    }
    return NULL;
}

/* Starts workers until `count` exist; returns how many exist (fewer if the system refuses). */
static int ensure_workers(int count) {
    while (pool.threads < count) {
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        pthread_t thread;
        const uintptr_t generation = atomic_load(&pool.generation);
        const int failed = pthread_create(&thread, &attributes, worker_main,
                                          (void *)((generation << 16) | (uintptr_t)(pool.threads + 1)));
        pthread_attr_destroy(&attributes);
        if (failed) break;
        pool.threads++;
    }
    return pool.threads;
}

int graft_threads_maximum_parts(void) { return MAXIMUM_PARTS; }

void graft_threads_set_spin_microseconds(int microseconds) {
    atomic_store(&pool.spin_microseconds, microseconds < 0 ? 0 : microseconds);
}

int graft_threads_run(int parts, graft_threads_body body, void *context) {
    if (parts < 2 || parts > MAXIMUM_PARTS) return 0;
    int expected = 0;
    if (!atomic_compare_exchange_strong(&pool.busy, &expected, 1)) return 0;
    if (ensure_workers(parts - 1) < parts - 1) {
        atomic_store(&pool.busy, 0);
        return 0;
    }
    pool.parts = parts;
    pool.body = body;
    pool.context = context;
    atomic_store_explicit(&pool.remaining, pool.threads, memory_order_relaxed);
    atomic_fetch_add(&pool.generation, 1);          /* publishes the job (sequentially consistent) */
    if (atomic_load(&pool.sleepers) > 0) futex(&pool.generation, FUTEX_WAKE, INT32_MAX);
    body(context, 0);
    for (unsigned i = 1; atomic_load_explicit(&pool.remaining, memory_order_acquire) != 0; i++) {
        /* A worker descheduled mid-part (an oversubscribed machine) gets the core back. */
        if ((i & 4095) == 0) sched_yield(); else CPU_RELAX();
    }
    atomic_store_explicit(&pool.busy, 0, memory_order_release);
    return 1;
}
