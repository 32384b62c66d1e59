/* Graft's own worker threads for the engine's parallel loops. A parallel section hands part i of
 * n to worker i (the caller runs part 0); between sections the workers spin for a short while
 * before sleeping on a futex, so that a network's hundred small layers at batch 1 each start in
 * about a microsecond instead of the tens of microseconds a sleeping thread takes to wake
 * (Dispatch's concurrentPerform measured 30-45 us per section on a 2-core VM). */
#ifndef GRAFT_THREADS_H
#define GRAFT_THREADS_H

#ifdef __cplusplus
extern "C" {
#endif

/* One part of a parallel section: `part` in 0..<parts. */
typedef void (*graft_threads_body)(void *context, int part);

/* Runs body(context, part) for every part in 0..<parts, concurrently, and returns 1 once all
 * have finished; part 0 runs on the calling thread. Returns 0 without running anything when the
 * pool is already running another section (a nested or concurrent call: the caller runs the
 * parts some other way), or when parts is outside 2...graft_threads_maximum_parts(). */
int graft_threads_run(int parts, graft_threads_body body, void *context);

/* The largest `parts` graft_threads_run accepts. */
int graft_threads_maximum_parts(void);

/* How long, in microseconds, an idle worker spins before it sleeps (default 200; 0 sleeps at
 * once). Spinning costs a core's time while the caller does serial work between sections. */
void graft_threads_set_spin_microseconds(int microseconds);

#ifdef __cplusplus
}
#endif
#endif
