#include "backoff.h"

void
backoff_init (backoff_t *self, int64_t initial_ms, int64_t max_ms, int64_t stable_ms)
{
    self->initial_ms = initial_ms;
    self->max_ms = max_ms;
    self->stable_ms = stable_ms;
    self->next_ms = initial_ms;
}

int64_t
backoff_delay (backoff_t *self, int64_t uptime_ms)
{
    //  A process that ran for a while failed for a new reason: restart it
    //  promptly instead of making it pay for an old crash loop.
    if (uptime_ms >= self->stable_ms)
        self->next_ms = self->initial_ms;
    int64_t delay = self->next_ms;
    self->next_ms = delay > self->max_ms / 2 ? self->max_ms : delay * 2;
    return delay;
}
