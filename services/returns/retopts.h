//  retopts — returns' options: the return window in days from delivery
//  (--return-window "30" or "30,store=60,web=14": a default, then per order
//  channel), what a window and the returnable units count from
//  (--return-basis delivered|shipped), how long an authorized return waits
//  for its units (--return-expiry, a duration as clock_parse_duration reads
//  it) and the restocking fees (--restocking-fee, refund.h).
#ifndef RM_RETOPTS_H
#define RM_RETOPTS_H

#include "config.h"
#include "refund.h"
#include <stdbool.h>
#include <stdint.h>

//  Channels --return-window may name, and the longest window, in days.
#define RETOPTS_CHANNELS_MAX 32
#define RETOPTS_CHANNEL_LEN 32
#define RETOPTS_WINDOW_DAYS_MAX 3650

#define RETOPTS_OPTIONS                                                                                  \
    {"return-window", "30",                                                                             \
     "days from delivery a unit may be returned in: a default, then channel=days items (\"30,web=14\")"}, \
    {"return-basis", "delivered",                                                                       \
     "delivered (returnable: units delivered, window from delivery) or shipped (units shipped, window from shipment)"}, \
    {"return-expiry", "30d", "an authorized return nothing was received for expires after this (s, m, h, d; at most 3650d)"}, \
    {"restocking-fee", "", "basis points kept per reason (\"no_longer_needed=1500,other=500\"; default none)"}

typedef struct {
    int64_t window_days;                              //  for a channel not named
    char channels[RETOPTS_CHANNELS_MAX][RETOPTS_CHANNEL_LEN + 1];
    int64_t channel_days[RETOPTS_CHANNELS_MAX];
    size_t nchannels;
    bool basis_shipped;                               //  --return-basis shipped
    int64_t expiry_ms;
    refund_fees_t fees;
} retopts_t;

//  Parses --return-window into self's window fields. Returns 0, or
//  RM_EINVAL (logged, naming the item at fault) for days that are not a
//  whole number from 0 to RETOPTS_WINDOW_DAYS_MAX, a channel named twice,
//  an item without "=" after the first, or more than RETOPTS_CHANNELS_MAX.
int retopts_window_parse (const char *text, retopts_t *self);

//  Reads every option above into *self (zeroed here). Returns 0, or
//  RM_EINVAL after logging which option is wrong.
int retopts_configure (retopts_t *self, config_t *cfg);

//  The window of an order of channel, in ms.
int64_t retopts_window_ms (const retopts_t *self, const char *channel);

#endif
