#include "timers.h"
#include "err.h"
#include <stdbool.h>
#include <stdlib.h>

typedef struct {
    int64_t at;
    uint64_t id;                   //  increasing: breaks ties in the order added
    timers_fn *fn;
    void *arg;
} entry_t;

struct timers_t {
    void *owner;
    entry_t *heap;
    size_t size, cap;
    uint64_t next_id;
};

timers_t *
timers_new (void *owner)
{
    timers_t *self = (timers_t *) calloc (1, sizeof *self);
    if (self) {
        self->owner = owner;
        self->next_id = 1;
    }
    return self;
}

void
timers_destroy (timers_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free ((*self_p)->heap);
    free (*self_p);
    *self_p = NULL;
}

static bool
s_before (const entry_t *a, const entry_t *b)
{
    return a->at < b->at || (a->at == b->at && a->id < b->id);
}

static void
s_swap (timers_t *self, size_t i, size_t j)
{
    entry_t tmp = self->heap[i];
    self->heap[i] = self->heap[j];
    self->heap[j] = tmp;
}

static void
s_up (timers_t *self, size_t i)
{
    while (i > 0 && s_before (&self->heap[i], &self->heap[(i - 1) / 2])) {
        s_swap (self, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void
s_down (timers_t *self, size_t i)
{
    for (;;) {
        size_t first = i, left = 2 * i + 1, right = left + 1;
        if (left < self->size && s_before (&self->heap[left], &self->heap[first]))
            first = left;
        if (right < self->size && s_before (&self->heap[right], &self->heap[first]))
            first = right;
        if (first == i)
            return;
        s_swap (self, i, first);
        i = first;
    }
}

static void
s_remove_at (timers_t *self, size_t i)
{
    self->heap[i] = self->heap[--self->size];
    if (i < self->size) {
        s_down (self, i);
        s_up (self, i);
    }
}

int
timers_add (timers_t *self, int64_t at_ms, timers_fn *fn, void *arg, uint64_t *id)
{
    if (self->size == self->cap) {
        size_t cap = self->cap ? self->cap * 2 : 16;
        entry_t *grown = (entry_t *) realloc (self->heap, cap * sizeof *grown);
        if (!grown)
            return RM_ENOMEM;
        self->heap = grown;
        self->cap = cap;
    }
    entry_t *entry = &self->heap[self->size];
    *entry = (entry_t) {at_ms, self->next_id++, fn, arg};
    if (id)
        *id = entry->id;
    s_up (self, self->size++);
    return 0;
}

//  Linear: cancelling is rare next to adding and running (a timer that
//  fires is removed from the top), and lists stay small.
int
timers_cancel (timers_t *self, uint64_t id, void **arg_p)
{
    for (size_t i = 0; i < self->size; i++)
        if (self->heap[i].id == id) {
            if (arg_p)
                *arg_p = self->heap[i].arg;
            s_remove_at (self, i);
            return 0;
        }
    return RM_ENOTFOUND;
}

void
timers_clear (timers_t *self, void (*free_fn) (void *arg))
{
    for (size_t i = 0; free_fn && i < self->size; i++)
        free_fn (self->heap[i].arg);
    self->size = 0;
}

int64_t
timers_next_deadline (timers_t *self)
{
    return self->size ? self->heap[0].at : -1;
}

size_t
timers_size (timers_t *self)
{
    return self->size;
}

int
timers_run_due (timers_t *self, int64_t now_ms)
{
    uint64_t set_before = self->next_id;
    int run = 0;
    while (self->size && self->heap[0].at <= now_ms && self->heap[0].id < set_before) {
        entry_t due = self->heap[0];
        s_remove_at (self, 0);
        due.fn (self->owner, due.arg);
        run++;
    }
    return run;
}
