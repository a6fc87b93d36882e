//  backoff — when to restart a supervised process that exited: the delay
//  doubles from initial_ms up to max_ms with each exit in a row, and starts
//  over once the process had stayed up for stable_ms.
#ifndef RM_CLI_BACKOFF_H
#define RM_CLI_BACKOFF_H

#include <stdint.h>

typedef struct {
    int64_t initial_ms;
    int64_t max_ms;
    int64_t stable_ms;
    int64_t next_ms;     //  delay the next quick exit gets
} backoff_t;

void backoff_init (backoff_t *self, int64_t initial_ms, int64_t max_ms, int64_t stable_ms);

//  Returns the delay before restarting a process that exited after running
//  for uptime_ms, and advances the sequence.
int64_t backoff_delay (backoff_t *self, int64_t uptime_ms);

#endif
