//  lagtable — where every consumer stands against its source, built from
//  the services' sys.health replies: one row per consumer and source. The
//  lag is measured against the source's own newest event, not against the
//  consumer's idea of it, which is only as fresh as the last event or
//  heartbeat that reached the consumer.
#ifndef RM_CLI_LAGTABLE_H
#define RM_CLI_LAGTABLE_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

//  What one service said, or why it said nothing.
typedef struct {
    const char *service;            //  "inventory"
    const msgpack_object *health;   //  its sys.health reply body; NULL when it did not answer
    const char *error;              //  why it did not answer
} lagtable_health_t;

typedef struct {
    char consumer[32];              //  the service that applies the events
    char source[32];                //  the service that emitted them
    int64_t position;               //  last event applied
    int64_t source_last_seq;        //  the source's newest event; -1 when the source did not say
    int64_t lag;                    //  source_last_seq - position; -1 when unknown
    int64_t gaps, replays, dead_letters;
    bool stalled;
    char stalled_reason[257];       //  "" when not stalled or not said
} lagtable_row_t;

typedef struct {
    char service[32];
    char error[320];
} lagtable_down_t;

typedef struct {
    lagtable_row_t *rows;
    size_t count;
    lagtable_down_t *down;          //  the services that did not answer
    size_t ndown;
} lagtable_t;

//  Builds the table from one health reply (or failure) per service.
//  Returns 0 or RM_ENOMEM.
int lagtable_new (const lagtable_health_t *healths, size_t count, lagtable_t **self_p);

void lagtable_destroy (lagtable_t **self_p);

//  Prints the table, one line per row under a header, then one line per
//  service that did not answer.
void lagtable_print (const lagtable_t *self, FILE *out);

//  True when every service answered and no consumer is stalled.
bool lagtable_healthy (const lagtable_t *self);

//  How many services consume source; *consumer is the first of them.
size_t lagtable_consumers_of (const lagtable_t *self, const char *source, const char **consumer);

#endif
