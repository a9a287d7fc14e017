/* ratelimit.c - token buckets per caller (ratelimit.h). */
#include "ratelimit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define S_KEY 80
#define S_PROBES 8

typedef struct {
    char key[S_KEY]; /* "" = empty */
    double tokens;
    int64_t last_us;
} s_bucket_t;

struct gw_limiter_t {
    double capacity;
    double per_us; /* refill */
    size_t n;
    s_bucket_t *b;
};

gw_limiter_t *gw_limiter_new(int64_t per_minute, size_t max_keys)
{
    gw_limiter_t *l = calloc(1, sizeof *l);
    if (!l || per_minute < 1 || max_keys < 1 || !(l->b = calloc(max_keys, sizeof *l->b))) {
        free(l);
        return NULL;
    }
    l->capacity = (double)per_minute;
    l->per_us = (double)per_minute / 60e6;
    l->n = max_keys;
    return l;
}

void gw_limiter_free(gw_limiter_t **pl)
{
    if (!pl || !*pl)
        return;
    free((*pl)->b);
    free(*pl);
    *pl = NULL;
}

static uint64_t s_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

int gw_limiter_take(gw_limiter_t *l, const char *key, int64_t now_us)
{
    char k[S_KEY];
    size_t len = strnlen(key, S_KEY - 1);
    memcpy(k, key, len);
    k[len] = 0;
    if (!*k) /* no key: one shared bucket under a name no caller has */
        memcpy(k, "\x01", 2);
    size_t start = (size_t)(s_hash(k) % l->n), pick = l->n;
    for (size_t i = 0; i < S_PROBES && i < l->n; i++) {
        size_t at = (start + i) % l->n;
        s_bucket_t *b = &l->b[at];
        if (strcmp(b->key, k) == 0) {
            pick = at;
            break;
        }
        if (pick == l->n || !b->key[0] || (l->b[pick].key[0] && b->last_us < l->b[pick].last_us))
            pick = at;
    }
    s_bucket_t *b = &l->b[pick];
    if (strcmp(b->key, k) != 0) {
        memcpy(b->key, k, strlen(k) + 1);
        b->tokens = l->capacity;
        b->last_us = now_us;
    }
    if (now_us > b->last_us) {
        /* in double: the difference of two int64 may not fit one */
        b->tokens += ((double)now_us - (double)b->last_us) * l->per_us;
        if (b->tokens > l->capacity)
            b->tokens = l->capacity;
        b->last_us = now_us;
    }
    if (b->tokens >= 1.0) {
        b->tokens -= 1.0;
        return 0;
    }
    double wait_s = (1.0 - b->tokens) / l->per_us / 1e6;
    int w = (int)ceil(wait_s);
    return w < 1 ? 1 : w;
}
