//  timers — a deadline-ordered list of one-shot timers (a binary heap),
//  for the service loop: what is due runs in deadline order, timers with
//  the same deadline in the order they were added, and the loop sleeps no
//  longer than the nearest deadline. Times are monotonic milliseconds
//  (clock_mono_ms). Not thread-safe: one list belongs to one loop.
#ifndef RM_TIMERS_H
#define RM_TIMERS_H

#include <stddef.h>
#include <stdint.h>

typedef struct timers_t timers_t;

//  A timer's callback: owner is what the list was created with.
typedef void (timers_fn) (void *owner, void *arg);

//  Returns NULL when out of memory.
timers_t *timers_new (void *owner);
void timers_destroy (timers_t **self_p);

//  Adds a timer due at at_ms; *id (never 0) names it for timers_cancel.
//  Returns 0 or RM_ENOMEM.
int timers_add (timers_t *self, int64_t at_ms, timers_fn *fn, void *arg, uint64_t *id);

//  Removes a timer that has not run, handing back its arg when arg_p is
//  not NULL. Returns 0 or RM_ENOTFOUND (unknown, already run or already
//  cancelled).
int timers_cancel (timers_t *self, uint64_t id, void **arg_p);

//  Removes every timer, passing each one's arg to free_fn when it is not
//  NULL (for the owner's destructor).
void timers_clear (timers_t *self, void (*free_fn) (void *arg));

//  The nearest deadline, or -1 when no timer is set.
int64_t timers_next_deadline (timers_t *self);

//  Number of timers set.
size_t timers_size (timers_t *self);

//  Runs, in order, every timer due at now_ms that was set before this
//  call; one a callback sets waits for the next call even when it is
//  already due, so a timer that re-arms itself cannot hold the loop.
//  Callbacks may add and cancel timers. Returns the number run.
int timers_run_due (timers_t *self, int64_t now_ms);

#endif
