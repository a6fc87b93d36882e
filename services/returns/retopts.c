#include "retopts.h"
#include "clock.h"
#include "err.h"
#include "log.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define S_DAY_MS (86400 * 1000LL)
#define S_EXPIRY_MAX_MS (3650 * S_DAY_MS)

static int
s_days (const char *text, size_t len, int64_t *days)
{
    char buf[16];
    if (len == 0 || len >= sizeof buf || text[0] < '0' || text[0] > '9')
        return RM_EINVAL;
    memcpy (buf, text, len);
    buf[len] = '\0';
    char *end = NULL;
    errno = 0;
    long long n = strtoll (buf, &end, 10);
    if (errno != 0 || *end != '\0' || n < 0 || n > RETOPTS_WINDOW_DAYS_MAX)
        return RM_EINVAL;
    *days = n;
    return 0;
}

//  One channel=days item of the list.
static int
s_channel (const char *item, size_t len, retopts_t *self)
{
    const char *eq = memchr (item, '=', len);
    size_t name_len = eq ? (size_t) (eq - item) : 0;
    if (!eq || name_len == 0 || name_len > RETOPTS_CHANNEL_LEN || self->nchannels == RETOPTS_CHANNELS_MAX)
        return RM_EINVAL;
    for (size_t i = 0; i < self->nchannels; i++)
        if (strlen (self->channels[i]) == name_len && memcmp (self->channels[i], item, name_len) == 0)
            return RM_EINVAL;
    int64_t days;
    if (s_days (eq + 1, len - name_len - 1, &days) != 0)
        return RM_EINVAL;
    memcpy (self->channels[self->nchannels], item, name_len);
    self->channels[self->nchannels][name_len] = '\0';
    self->channel_days[self->nchannels++] = days;
    return 0;
}

int
retopts_window_parse (const char *text, retopts_t *self)
{
    self->nchannels = 0;
    const char *item = text ? text : "";
    for (bool first = true;; first = false) {
        const char *comma = strchr (item, ',');
        size_t len = comma ? (size_t) (comma - item) : strlen (item);
        int rc = first ? s_days (item, len, &self->window_days) : s_channel (item, len, self);
        if (rc != 0) {
            log_error (NULL, "returns: --return-window must be days (0 to %d), then channel=days items such as "
                       "\"30,web=14\", each channel once; '%.*s' is not", RETOPTS_WINDOW_DAYS_MAX, (int) len, item);
            return rc;
        }
        if (!comma)
            return 0;
        item = comma + 1;
    }
}

int
retopts_configure (retopts_t *self, config_t *cfg)
{
    memset (self, 0, sizeof *self);
    int rc = retopts_window_parse (config_get (cfg, "return-window"), self);
    const char *basis = config_get (cfg, "return-basis");
    if (rc == 0 && basis && strcmp (basis, "shipped") == 0)
        self->basis_shipped = true;
    else if (rc == 0 && (!basis || strcmp (basis, "delivered") != 0)) {
        log_error (NULL, "returns: --return-basis must be delivered or shipped (got '%s')", basis ? basis : "");
        rc = RM_EINVAL;
    }
    const char *expiry = config_get (cfg, "return-expiry");
    //  at most ten years, so that now + expiry never overflows an expires_at
    if (rc == 0 && (clock_parse_duration (expiry, &self->expiry_ms) != 0 || self->expiry_ms > S_EXPIRY_MAX_MS)) {
        log_error (NULL, "returns: --return-expiry must be a positive duration of at most 3650d, such as 2s, 24h "
                   "or 30d (got '%s')", expiry ? expiry : "");
        rc = RM_EINVAL;
    }
    return rc == 0 ? refund_fees_parse (config_get (cfg, "restocking-fee"), &self->fees) : rc;
}

int64_t
retopts_window_ms (const retopts_t *self, const char *channel)
{
    for (size_t i = 0; i < self->nchannels; i++)
        if (strcmp (self->channels[i], channel) == 0)
            return self->channel_days[i] * S_DAY_MS;
    return self->window_days * S_DAY_MS;
}
