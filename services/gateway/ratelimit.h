/* ratelimit.h - how many requests one caller may make: a token bucket per key
 * (a client address, or an API token / a person), refilled at `per_minute`
 * a minute and holding at most a minute's worth, so a burst up to the rate
 * passes and a steady stream above it is refused with the seconds to wait.
 *
 * Memory is bounded: a fixed table of max_keys buckets. A new key takes an
 * empty bucket near its hash, else the one among them idle longest (which
 * forgets that caller: they start again with a full bucket, the lenient
 * side). Pure apart from the table: the time is given. */
#ifndef GATEWAY_RATELIMIT_H
#define GATEWAY_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

typedef struct gw_limiter_t gw_limiter_t;

/* NULL when out of memory. per_minute >= 1; max_keys >= 1. */
gw_limiter_t *gw_limiter_new(int64_t per_minute, size_t max_keys);
void gw_limiter_free(gw_limiter_t **pl);

/* Take one request for key (at most 79 bytes are told apart) at now_us:
 * 0 when allowed, else the whole seconds to wait before the next is (>= 1). */
int gw_limiter_take(gw_limiter_t *l, const char *key, int64_t now_us);

#endif
