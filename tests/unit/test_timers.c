//  timers: deadline order, equal deadlines in the order added, cancel,
//  the next deadline, and timers set from a callback waiting for the next
//  run.
#include "err.h"
#include "harness.h"
#include "timers.h"
#include <stdlib.h>

typedef struct {
    timers_t *timers;
    int order[16];
    int nrun;
    int rearm;                     //  a callback re-arms itself this many times
} log_t;

static int s_tags[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

static void
s_record (void *owner, void *arg)
{
    log_t *log = (log_t *) owner;
    if (log->nrun < 16)
        log->order[log->nrun] = *(int *) arg;
    log->nrun++;
    if (log->rearm > 0) {
        log->rearm--;
        timers_add (log->timers, 0, s_record, arg, NULL);
    }
}

int
main (int argc, char **argv)
{
    (void) argc;
    log_t log = {0};
    timers_t *timers = timers_new (&log);
    CHECK (timers);
    log.timers = timers;
    CHECK_EQ_INT (timers_next_deadline (timers), -1);
    CHECK_EQ_INT (timers_run_due (timers, 1000), 0);

    //  added out of order: run in deadline order, equal deadlines as added
    uint64_t ids[8];
    int64_t at[] = {50, 10, 30, 10, 70, 30, 10, 20};
    for (int i = 0; i < 8; i++) {
        CHECK_EQ_INT (timers_add (timers, at[i], s_record, &s_tags[i], &ids[i]), 0);
        CHECK (ids[i] != 0);
    }
    CHECK_EQ_INT (timers_size (timers), 8);
    CHECK_EQ_INT (timers_next_deadline (timers), 10);

    //  cancel one of the equal deadlines and the latest; twice is not found
    void *arg = NULL;
    CHECK_EQ_INT (timers_cancel (timers, ids[3], &arg), 0);
    CHECK (arg == &s_tags[3]);
    CHECK_EQ_INT (timers_cancel (timers, ids[3], NULL), RM_ENOTFOUND);
    CHECK_EQ_INT (timers_cancel (timers, ids[4], NULL), 0);
    CHECK_EQ_INT (timers_cancel (timers, 9999, NULL), RM_ENOTFOUND);
    CHECK_EQ_INT (timers_size (timers), 6);

    //  nothing is due before the first deadline
    CHECK_EQ_INT (timers_run_due (timers, 9), 0);
    CHECK_EQ_INT (timers_run_due (timers, 30), 5);
    int expected[] = {1, 6, 7, 2, 5};
    for (int i = 0; i < 5; i++)
        CHECK_EQ_INT (log.order[i], expected[i]);
    CHECK_EQ_INT (timers_next_deadline (timers), 50);
    CHECK_EQ_INT (timers_cancel (timers, ids[1], NULL), RM_ENOTFOUND);
    CHECK_EQ_INT (timers_run_due (timers, 100), 1);
    CHECK_EQ_INT (log.order[5], 0);
    CHECK_EQ_INT (timers_next_deadline (timers), -1);

    //  a callback that re-arms itself at once runs once per call, so a
    //  loop calling run_due cannot spin inside it
    log.nrun = 0;
    log.rearm = 3;
    CHECK_EQ_INT (timers_add (timers, 5, s_record, &s_tags[9], NULL), 0);
    CHECK_EQ_INT (timers_run_due (timers, 200), 1);
    CHECK_EQ_INT (timers_size (timers), 1);
    CHECK_EQ_INT (timers_next_deadline (timers), 0);
    int runs = 1;
    for (int i = 0; i < 10 && timers_size (timers); i++)
        runs += timers_run_due (timers, 200);
    CHECK_EQ_INT (runs, 4);
    CHECK_EQ_INT (log.nrun, 4);

    //  many timers: always the earliest first (the heap keeps its order)
    int64_t last = -1;
    bool ordered = true;
    for (int i = 0; i < 1000; i++)
        CHECK_EQ_INT (timers_add (timers, (i * 7919) % 1000, s_record, &s_tags[0], NULL), 0);
    while (timers_size (timers)) {
        int64_t next = timers_next_deadline (timers);
        ordered = ordered && next >= last;
        last = next;
        timers_run_due (timers, next);
    }
    CHECK (ordered);

    //  clear hands every arg back
    int *owned = (int *) malloc (sizeof *owned);
    CHECK_EQ_INT (timers_add (timers, 1, s_record, owned, NULL), 0);
    timers_clear (timers, free);
    CHECK_EQ_INT (timers_size (timers), 0);
    timers_destroy (&timers);
    CHECK (timers == NULL);
    return harness_report (argv[0]);
}
