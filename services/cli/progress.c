#include "progress.h"
#include <unistd.h>

#define PROGRESS_WIDTH 30

void
progress_init (progress_t *self, FILE *out, const char *prog, const char *unit, size_t total)
{
    *self = (progress_t) {.out = out, .bar = isatty (fileno (out)) == 1, .prog = prog,
                          .unit = unit, .total = total};
}

void
progress_show (progress_t *self, size_t done, size_t rows)
{
    if (!self->bar) {
        fprintf (self->out, "%s: %zu of %zu %s sent (%zu rows)\n", self->prog, done, self->total,
                 self->unit, rows);
        fflush (self->out);
        return;
    }
    size_t filled = self->total ? done * PROGRESS_WIDTH / self->total : PROGRESS_WIDTH;
    char bar[PROGRESS_WIDTH + 1];
    for (size_t i = 0; i < PROGRESS_WIDTH; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[PROGRESS_WIDTH] = '\0';
    fprintf (self->out, "\r[%s] %zu/%zu %s, %zu rows", bar, done, self->total, self->unit, rows);
    fflush (self->out);
    self->drawn = true;
}

void
progress_end (progress_t *self)
{
    if (self->drawn)
        fputc ('\n', self->out);
    self->drawn = false;
}
