#include "lagtable.h"
#include "err.h"
#include "mp.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define LAGTABLE_NAME_WIDTH_MIN 10

static int64_t
s_int (const msgpack_object *map, const char *key)
{
    int64_t value = 0;
    mp_get_int (map, key, &value);
    return value;
}

//  The newest event of source by its own account, or -1.
static int64_t
s_source_last_seq (const lagtable_health_t *healths, size_t count, const char *source)
{
    int64_t last_seq;
    for (size_t i = 0; i < count; i++)
        if (strcmp (healths[i].service, source) == 0 && healths[i].health
            && mp_get_int (mp_get (healths[i].health, "events"), "last_seq", &last_seq) == 0)
            return last_seq;
    return -1;
}

static void
s_fill_row (lagtable_row_t *row, const char *consumer, const msgpack_object *status,
            const lagtable_health_t *healths, size_t count)
{
    snprintf (row->consumer, sizeof row->consumer, "%s", consumer);
    if (mp_get_str (status, "source", row->source, sizeof row->source) != 0)
        snprintf (row->source, sizeof row->source, "?");
    row->position = s_int (status, "position");
    row->source_last_seq = s_source_last_seq (healths, count, row->source);
    row->lag = row->source_last_seq < 0 ? -1 : row->source_last_seq - row->position;
    row->gaps = s_int (status, "gaps");
    row->replays = s_int (status, "replays");
    row->dead_letters = s_int (status, "dead_letters");
    mp_get_bool (status, "stalled", &row->stalled);
    mp_get_str (status, "stalled_reason", row->stalled_reason, sizeof row->stalled_reason);
}

int
lagtable_new (const lagtable_health_t *healths, size_t count, lagtable_t **self_p)
{
    size_t nrows = 0;
    for (size_t i = 0; i < count; i++) {
        const msgpack_object_array *consumers =
            healths[i].health ? mp_get_array (healths[i].health, "consumers") : NULL;
        nrows += consumers ? consumers->size : 0;
    }
    lagtable_t *self = (lagtable_t *) calloc (1, sizeof *self);
    if (self) {
        self->rows = (lagtable_row_t *) calloc (nrows ? nrows : 1, sizeof *self->rows);
        self->down = (lagtable_down_t *) calloc (count ? count : 1, sizeof *self->down);
    }
    if (!self || !self->rows || !self->down) {
        lagtable_destroy (&self);
        return RM_ENOMEM;
    }
    for (size_t i = 0; i < count; i++) {
        if (!healths[i].health) {
            lagtable_down_t *down = &self->down[self->ndown++];
            snprintf (down->service, sizeof down->service, "%s", healths[i].service);
            snprintf (down->error, sizeof down->error, "%s", healths[i].error ? healths[i].error : "");
            continue;
        }
        const msgpack_object_array *consumers = mp_get_array (healths[i].health, "consumers");
        for (uint32_t j = 0; consumers && j < consumers->size; j++)
            s_fill_row (&self->rows[self->count++], healths[i].service, &consumers->ptr[j],
                        healths, count);
    }
    *self_p = self;
    return 0;
}

void
lagtable_destroy (lagtable_t **self_p)
{
    if (!*self_p)
        return;
    free ((*self_p)->rows);
    free ((*self_p)->down);
    free (*self_p);
    *self_p = NULL;
}

//  A number, or "-" when unknown.
static const char *
s_num (int64_t value, char *out, size_t size)
{
    if (value < 0)
        snprintf (out, size, "-");
    else
        snprintf (out, size, "%" PRId64, value);
    return out;
}

void
lagtable_print (const lagtable_t *self, FILE *out)
{
    static const char *format = "%-*s %-*s %10s %11s %8s %6s %8s %12s %s\n";
    //  the name columns fit the longest name, and stay put for short ones
    int consumer_width = LAGTABLE_NAME_WIDTH_MIN, source_width = LAGTABLE_NAME_WIDTH_MIN;
    for (size_t i = 0; i < self->count; i++) {
        int len = (int) strlen (self->rows[i].consumer);
        consumer_width = len > consumer_width ? len : consumer_width;
        len = (int) strlen (self->rows[i].source);
        source_width = len > source_width ? len : source_width;
    }
    if (self->count == 0)
        fprintf (out, "no consumers: none of the services that answered applies another's events\n");
    else
        fprintf (out, format, consumer_width, "CONSUMER", source_width, "SOURCE", "POSITION", "SOURCE_LAST",
                 "LAG", "GAPS", "REPLAYS", "DEAD_LETTERS", "STALLED");
    for (size_t i = 0; i < self->count; i++) {
        const lagtable_row_t *row = &self->rows[i];
        char position[24], last[24], lag[24], gaps[24], replays[24], dead[24], stalled[280];
        if (row->stalled)
            snprintf (stalled, sizeof stalled, "yes%s%s", *row->stalled_reason ? ": " : "",
                      row->stalled_reason);
        else
            snprintf (stalled, sizeof stalled, "no");
        //  a position past the source's newest event means the source's log
        //  was lost: show the negative lag rather than hide it
        if (row->source_last_seq >= 0)
            snprintf (lag, sizeof lag, "%" PRId64, row->lag);
        else
            snprintf (lag, sizeof lag, "-");
        fprintf (out, format, consumer_width, row->consumer, source_width, row->source,
                 s_num (row->position, position, sizeof position),
                 s_num (row->source_last_seq, last, sizeof last), lag,
                 s_num (row->gaps, gaps, sizeof gaps), s_num (row->replays, replays, sizeof replays),
                 s_num (row->dead_letters, dead, sizeof dead), stalled);
    }
    for (size_t i = 0; i < self->ndown; i++)
        fprintf (out, "%s is down: %s\n", self->down[i].service, self->down[i].error);
}

bool
lagtable_healthy (const lagtable_t *self)
{
    for (size_t i = 0; i < self->count; i++)
        if (self->rows[i].stalled)
            return false;
    return self->ndown == 0;
}

size_t
lagtable_consumers_of (const lagtable_t *self, const char *source, const char **consumer)
{
    size_t found = 0;
    for (size_t i = 0; i < self->count; i++)
        if (strcmp (self->rows[i].source, source) == 0 && found++ == 0)
            *consumer = self->rows[i].consumer;
    return found;
}
