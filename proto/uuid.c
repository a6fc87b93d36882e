#include "uuid.h"
#include "err.h"
#include <errno.h>
#include <stdio.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

//  The 12 rand_a bits hold a counter (RFC 9562, method 1). A new
//  millisecond starts it at a random value below 2048, so at least 2048
//  IDs fit in every millisecond before the timestamp has to run ahead.
#define S_COUNTER_MAX 0xfff
#define S_COUNTER_SEED_MASK 0x7ff

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t s_last_ms;
static uint16_t s_counter;

//  proto depends on no runtime module, so it reads the wall clock itself.
static int64_t
s_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
s_random (uint8_t *buf, size_t size)
{
    size_t got = 0;
    while (got < size) {
        ssize_t n = getrandom (buf + got, size - got, 0);
        if (n < 0 && errno != EINTR) {
            //  Without randomness no ID is unique; there is nothing safe to
            //  return. proto links no logger, so the last word goes to stderr.
            fprintf (stderr, "uuid: getrandom failed: %s\n", strerror (errno));
            abort ();
        }
        if (n > 0)
            got += (size_t) n;
    }
}

//  Picks the timestamp and counter of the next ID; fresh is the counter
//  to start from in a new millisecond. A clock that steps back or a
//  counter that runs out keeps the last timestamp or moves it one ms
//  ahead, so IDs stay strictly increasing.
static void
s_next_stamp (uint16_t fresh, int64_t *ms, uint16_t *counter)
{
    int64_t now = s_now_ms ();
    pthread_mutex_lock (&s_lock);
    if (now > s_last_ms) {
        s_last_ms = now;
        s_counter = fresh;
    }
    else if (s_counter < S_COUNTER_MAX)
        s_counter++;
    else {
        s_last_ms++;
        s_counter = fresh;
    }
    *ms = s_last_ms;
    *counter = s_counter;
    pthread_mutex_unlock (&s_lock);
}

void
uuid_new (uint8_t out[16])
{
    uint8_t rnd[10];
    s_random (rnd, sizeof rnd);
    int64_t ms;
    uint16_t counter;
    s_next_stamp ((uint16_t) (((rnd[0] << 8) | rnd[1]) & S_COUNTER_SEED_MASK), &ms, &counter);
    for (int i = 0; i < 6; i++)
        out[i] = (uint8_t) ((uint64_t) ms >> (40 - 8 * i));
    out[6] = (uint8_t) (0x70 | (counter >> 8));
    out[7] = (uint8_t) counter;
    memcpy (out + 8, rnd + 2, 8);
    out[8] = (uint8_t) (0x80 | (out[8] & 0x3f));
}

int64_t
uuid_time_ms (const uint8_t id[16])
{
    int64_t ms = 0;
    for (int i = 0; i < 6; i++)
        ms = ms << 8 | id[i];
    return ms;
}

//  The 8-4-4-4-12 text has a hyphen before bytes 4, 6, 8 and 10.
static bool
s_hyphen_before (int byte)
{
    return byte == 4 || byte == 6 || byte == 8 || byte == 10;
}

void
uuid_format (const uint8_t id[16], char out[UUID_STR_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    char *p = out;
    for (int i = 0; i < 16; i++) {
        if (s_hyphen_before (i))
            *p++ = '-';
        *p++ = hex[id[i] >> 4];
        *p++ = hex[id[i] & 0xf];
    }
    *p = '\0';
}

static int
s_hex_digit (char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

//  Only the canonical lower-case spelling is accepted, so one ID never has
//  two spellings that would be two different keys in a store.
int
uuid_parse (const char *text, uint8_t out[16])
{
    if (!text || strlen (text) != UUID_STR_LEN)
        return RM_EINVAL;
    const char *p = text;
    for (int i = 0; i < 16; i++) {
        if (s_hyphen_before (i) && *p++ != '-')
            return RM_EINVAL;
        int hi = s_hex_digit (p[0]), lo = s_hex_digit (p[1]);
        if (hi < 0 || lo < 0)
            return RM_EINVAL;
        out[i] = (uint8_t) (hi << 4 | lo);
        p += 2;
    }
    return 0;
}

void
uuid_new_str (char out[UUID_STR_LEN + 1])
{
    uint8_t id[16];
    uuid_new (id);
    uuid_format (id, out);
}
