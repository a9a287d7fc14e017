/* spc_signal.c - the rise an XmR chart's latest month shows, and the months
 * of a series (spc_signal.h). */
#include "spc_signal.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name, *words;
} s_signals[] = {
    [RP_SIG_NONE] = {"", ""},
    [RP_SIG_INCREASE] = {"increase", "above the upper process limit"},
    [RP_SIG_CLUSTER] = {"cluster", "two of the last three months above the upper two-sigma line"},
    [RP_SIG_SUSTAINED] = {"sustained-increase", "seven or more months in a row above the mean"},
    [RP_SIG_RISING] = {"rising-trend", "seven or more months in a row, each higher than the last"},
};

const char *rp_signal_name(rp_signal_t s)
{
    assert((unsigned)s <= RP_SIG_RISING);
    return s_signals[s].name;
}

const char *rp_signal_words(rp_signal_t s)
{
    assert((unsigned)s <= RP_SIG_RISING);
    return s_signals[s].words;
}

rp_signal_t rp_spc_rise(const double *x, size_t n, const spc_chart_t *c, const spc_point_t *pts)
{
    assert(x && c && pts);
    if (n < 2)
        return RP_SIG_NONE;
    const double v = x[n - 1];
    const unsigned r = pts[n - 1].rules;
    if ((r & SPC_BEYOND) && v > c->upl)
        return RP_SIG_INCREASE;
    if ((r & SPC_TWO_OF_THREE) && v > c->hi2)
        return RP_SIG_CLUSTER;
    if ((r & SPC_RUN_RULE) && v > c->mean)
        return RP_SIG_SUSTAINED;
    /* The latest point can only end a trend: its direction is its step. */
    if ((r & SPC_TREND_RULE) && v > x[n - 2])
        return RP_SIG_RISING;
    return RP_SIG_NONE;
}

rp_signal_t rp_spc_signal(const double *x, size_t n, const spc_chart_t *c, const spc_point_t *pts)
{
    if (n < RP_SPC_MIN_POINTS || x[n - 1] < RP_SPC_MIN_COUNT)
        return RP_SIG_NONE;
    return rp_spc_rise(x, n, c, pts);
}

int rp_month_number(const char *s)
{
    if (!s || strlen(s) != 7 || s[4] != '-')
        return -1;
    for (int i = 0; i < 7; i++)
        if (i != 4 && (s[i] < '0' || s[i] > '9'))
            return -1;
    int y = atoi(s), m = atoi(s + 5);
    if (y < 1 || m < 1 || m > 12)
        return -1;
    return y * 12 + m - 1;
}

void rp_month_text(int m, char *out)
{
    unsigned y = (unsigned)(m / 12) % 10000u, mm = (unsigned)(m % 12) + 1u;
    snprintf(out, 8, "%04u-%02u", y % 10000u, mm % 100u);
}

size_t rp_month_series(int start, int last, const int *month, const long *count, size_t k,
                       double *x)
{
    if (start < last - RP_SPC_MONTHS + 1)
        start = last - RP_SPC_MONTHS + 1;
    if (start > last)
        return 0;
    size_t n = (size_t)(last - start + 1);
    for (size_t i = 0; i < n; i++)
        x[i] = 0;
    for (size_t i = 0; i < k; i++)
        if (month[i] >= start && month[i] <= last)
            x[month[i] - start] = (double)count[i];
    return n;
}
