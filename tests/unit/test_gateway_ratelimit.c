/* test_gateway_ratelimit.c - the gateway's token buckets per caller
 * (services/gateway/ratelimit.c): a burst up to the rate a minute passes, the
 * next waits, time refills, callers are apart, and the table stays its size
 * whatever the number of callers (the idlest forgotten first). The time is
 * given, in microseconds, so nothing here sleeps. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ratelimit.h"

#define SEC 1000000LL
#define T0 (1000 * SEC)

static gw_limiter_t *s_new(int64_t per_minute, size_t max_keys)
{
    gw_limiter_t *l = gw_limiter_new(per_minute, max_keys);
    cr_assert_not_null(l);
    return l;
}

/* k takes `n` requests at now, every one allowed. */
static void s_burst(gw_limiter_t *l, const char *k, int n, int64_t now)
{
    for (int i = 0; i < n; i++)
        cr_assert_eq(gw_limiter_take(l, k, now), 0, "%s: request %d of a burst of %d refused", k,
                     i + 1, n);
}

Test(gateway_ratelimit, a_burst_up_to_the_rate_passes_and_the_next_waits_at_least_a_second)
{
    gw_limiter_t *l = s_new(60, 16);
    s_burst(l, "203.0.113.7", 60, T0);
    int w = gw_limiter_take(l, "203.0.113.7", T0);
    cr_assert_geq(w, 1, "the 61st request of the minute passed");
    cr_assert_leq(w, 1, "60 a minute: one comes back within a second, not %d", w);
    cr_assert_geq(gw_limiter_take(l, "203.0.113.7", T0), 1);
    gw_limiter_free(&l);
    cr_assert_null(l);
}

Test(gateway_ratelimit, the_wait_is_the_seconds_until_a_token_is_back)
{
    gw_limiter_t *l = s_new(2, 4); /* one every 30 s */
    s_burst(l, "k", 2, T0);
    cr_assert_eq(gw_limiter_take(l, "k", T0), 30);
    cr_assert_eq(gw_limiter_take(l, "k", T0 + 10 * SEC), 20);
    cr_assert_eq(gw_limiter_take(l, "k", T0 + 29 * SEC + 1), 1, "a part second is a whole one");
    cr_assert_eq(gw_limiter_take(l, "k", T0 + 30 * SEC), 0);
    gw_limiter_free(&l);

    l = s_new(1, 4);
    s_burst(l, "k", 1, T0);
    cr_assert_eq(gw_limiter_take(l, "k", T0), 60);
    gw_limiter_free(&l);
}

Test(gateway_ratelimit, time_refills_at_the_rate_up_to_a_minutes_worth)
{
    gw_limiter_t *l = s_new(60, 16);
    s_burst(l, "k", 60, T0);
    cr_assert_geq(gw_limiter_take(l, "k", T0 + SEC / 2), 1, "half a token is none");
    s_burst(l, "k", 1, T0 + SEC);
    cr_assert_geq(gw_limiter_take(l, "k", T0 + SEC), 1);
    s_burst(l, "k", 10, T0 + 11 * SEC);
    cr_assert_geq(gw_limiter_take(l, "k", T0 + 11 * SEC), 1);
    /* An hour idle holds a minute's worth, no more. */
    s_burst(l, "k", 60, T0 + 3600 * SEC);
    cr_assert_geq(gw_limiter_take(l, "k", T0 + 3600 * SEC), 1);
    gw_limiter_free(&l);
}

Test(gateway_ratelimit, a_steady_stream_at_the_rate_passes)
{
    gw_limiter_t *l = s_new(120, 4); /* one every half second */
    s_burst(l, "k", 120, T0);
    for (int i = 1; i <= 1000; i++)
        cr_assert_eq(gw_limiter_take(l, "k", T0 + i * (SEC / 2)), 0, "request %d", i);
    gw_limiter_free(&l);
}

Test(gateway_ratelimit, keys_are_independent)
{
    gw_limiter_t *l = s_new(5, 64);
    s_burst(l, "a", 5, T0);
    cr_assert_geq(gw_limiter_take(l, "a", T0), 1);
    s_burst(l, "b", 5, T0);
    s_burst(l, "A", 5, T0);
    s_burst(l, "a ", 5, T0);
    cr_assert_geq(gw_limiter_take(l, "b", T0), 1);
    cr_assert_geq(gw_limiter_take(l, "a", T0), 1, "b's requests gave a tokens");
    gw_limiter_free(&l);
}

Test(gateway_ratelimit, no_key_is_one_shared_bucket)
{
    gw_limiter_t *l = s_new(3, 8);
    s_burst(l, "", 3, T0);
    cr_assert_geq(gw_limiter_take(l, "", T0), 1);
    s_burst(l, "x", 3, T0);
    gw_limiter_free(&l);
}

Test(gateway_ratelimit, time_going_backwards_adds_no_tokens)
{
    gw_limiter_t *l = s_new(60, 8);
    s_burst(l, "k", 60, T0);
    cr_assert_geq(gw_limiter_take(l, "k", T0 - 3600 * SEC), 1);
    cr_assert_geq(gw_limiter_take(l, "k", T0 - SEC), 1);
    cr_assert_geq(gw_limiter_take(l, "k", 0), 1);
    cr_assert_geq(gw_limiter_take(l, "k", INT64_MIN), 1);
    /* ...nor takes the time already earned: back at T0 + 1 s, one token. */
    s_burst(l, "k", 1, T0 + SEC);
    cr_assert_geq(gw_limiter_take(l, "k", T0 + SEC), 1);
    gw_limiter_free(&l);
}

Test(gateway_ratelimit, extreme_times_do_not_overflow)
{
    gw_limiter_t *l = s_new(60, 8);
    s_burst(l, "k", 60, INT64_MIN);
    /* The whole range of int64 forward: a full bucket, not an overflow. */
    s_burst(l, "k", 60, INT64_MAX);
    cr_assert_geq(gw_limiter_take(l, "k", INT64_MAX), 1);
    gw_limiter_free(&l);
}

Test(gateway_ratelimit, a_new_key_in_a_full_table_forgets_the_idlest)
{
    /* Eight buckets: every key's probes cover the whole table. One token a
     * minute, so a remembered key is refused and a forgotten one passes. */
    gw_limiter_t *l = s_new(1, 8);
    char k[16];
    for (int i = 0; i < 8; i++) {
        snprintf(k, sizeof k, "key%d", i);
        s_burst(l, k, 1, T0 + i);
    }
    s_burst(l, "newcomer", 1, T0 + 100);
    /* key0 was idlest: gone. The others are still held (each check keeps
     * them busy, so key0 is looked at last). */
    for (int i = 1; i < 8; i++) {
        snprintf(k, sizeof k, "key%d", i);
        cr_assert_geq(gw_limiter_take(l, k, T0 + 100 + i), 1, "%s was forgotten", k);
    }
    cr_assert_geq(gw_limiter_take(l, "newcomer", T0 + 200), 1);
    cr_assert_eq(gw_limiter_take(l, "key0", T0 + 300), 0, "the idlest key was kept");
    gw_limiter_free(&l);
}

Test(gateway_ratelimit, a_table_of_one_holds_the_last_caller)
{
    gw_limiter_t *l = s_new(1, 1);
    s_burst(l, "a", 1, T0);
    cr_assert_geq(gw_limiter_take(l, "a", T0), 1);
    s_burst(l, "b", 1, T0 + 1);
    cr_assert_geq(gw_limiter_take(l, "b", T0 + 2), 1);
    s_burst(l, "a", 1, T0 + 3);
    gw_limiter_free(&l);
}

Test(gateway_ratelimit, many_keys_stay_within_the_table)
{
    /* 100000 callers through 64 buckets: no crash, no growth (ASan would
     * see a write past the table), and a caller just seen is remembered. */
    gw_limiter_t *l = s_new(2, 64);
    char k[32];
    for (int i = 0; i < 100000; i++) {
        snprintf(k, sizeof k, "198.51.%d.%d", i / 256, i % 256);
        cr_assert_eq(gw_limiter_take(l, k, T0 + i), 0, "%s", k);
        cr_assert_eq(gw_limiter_take(l, k, T0 + i), 0, "%s", k);
        cr_assert_geq(gw_limiter_take(l, k, T0 + i), 1, "%s was forgotten at once", k);
    }
    gw_limiter_free(&l);
}

Test(gateway_ratelimit, keys_longer_than_79_bytes_are_told_apart_by_their_first_79)
{
    char a[300], b[300];
    memset(a, 'x', sizeof a - 1);
    a[sizeof a - 1] = 0;
    memcpy(b, a, sizeof b);
    b[200] = 'y'; /* differs after byte 79: the same caller */
    gw_limiter_t *l = s_new(2, 16);
    s_burst(l, a, 1, T0);
    s_burst(l, b, 1, T0);
    cr_assert_geq(gw_limiter_take(l, a, T0), 1);
    b[78] = 'y'; /* differs within the first 79: another */
    s_burst(l, b, 2, T0);
    /* Exactly 79 and 80 bytes. */
    a[79] = 0;
    cr_assert_geq(gw_limiter_take(l, a, T0), 1);
    a[79] = 'x';
    a[80] = 0;
    cr_assert_geq(gw_limiter_take(l, a, T0), 1);
    gw_limiter_free(&l);
}

Test(gateway_ratelimit, bad_sizes_are_refused_and_free_is_idempotent)
{
    cr_assert_null(gw_limiter_new(0, 8));
    cr_assert_null(gw_limiter_new(-1, 8));
    cr_assert_null(gw_limiter_new(60, 0));
    gw_limiter_t *l = s_new(60, 1);
    gw_limiter_free(&l);
    gw_limiter_free(&l);
    gw_limiter_free(NULL);
}
