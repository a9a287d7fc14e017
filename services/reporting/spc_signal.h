/* spc_signal.h - when a body's monthly complaints are raised to its
 * complaints manager (issue 15, L6): the rule the latest month of an XmR
 * chart (spc.h) shows a rise by, and whether the chart is long enough and
 * the month big enough to raise it. Pure.
 *
 * Only rises: complaint counts are better lower, and a fall needs no one's
 * attention. At the latest point, by how strong the evidence is, the first
 * that holds:
 *   increase            the month is above the upper process limit (rule 1)
 *   cluster             it is one of two (or three) of the last three
 *                       months above the upper two-sigma line (rule 4)
 *   sustained-increase  it ends a run of 7 or more months above the mean
 *                       (rule 2)
 *   rising-trend        it ends 7 or more months each higher than the one
 *                       before (rule 3)
 * Not raised (RP_SIG_NONE) however the chart reads:
 *   - a chart of fewer than RP_SPC_MIN_POINTS months: a new body, or one
 *     new to Candour, would otherwise be flooded by limits drawn from a few
 *     points (Making Data Count trusts limits from 15; 12 is a year);
 *   - a month of fewer than RP_SPC_MIN_COUNT complaints: a category used
 *     once a year would signal at its first complaint (its limits are near
 *     0), and a count from 1 to 4 is one a report would not show (L5). */
#ifndef REPORTING_SPC_SIGNAL_H
#define REPORTING_SPC_SIGNAL_H

#include <stddef.h>

#include "spc.h"

#define RP_SPC_MIN_POINTS 12 /* months in the chart before anything is raised */
#define RP_SPC_MIN_COUNT 5   /* complaints in the month before it is raised */
#define RP_SPC_MONTHS 24     /* the chart: up to this many months to the latest */

typedef enum {
    RP_SIG_NONE = 0,
    RP_SIG_INCREASE,  /* above the upper process limit */
    RP_SIG_CLUSTER,   /* two of three above the upper two-sigma line */
    RP_SIG_SUSTAINED, /* a run of 7 above the mean */
    RP_SIG_RISING,    /* a trend of 7 rising */
} rp_signal_t;

/* "increase", "cluster", "sustained-increase", "rising-trend" ("" none). */
const char *rp_signal_name(rp_signal_t s);
/* What it means, in a few words ("above the upper process limit"). */
const char *rp_signal_words(rp_signal_t s);

/* The rise the latest of x[0..n) shows on the chart (c, pts from spc_xmr of
 * the same x), RP_SIG_NONE when none; the side of each rule is read from the
 * point itself, so a fall flagged by the same rule is not a rise. */
rp_signal_t rp_spc_rise(const double *x, size_t n, const spc_chart_t *c, const spc_point_t *pts);

/* rp_spc_rise, raised only when the chart has RP_SPC_MIN_POINTS months and
 * the latest has RP_SPC_MIN_COUNT complaints. */
rp_signal_t rp_spc_signal(const double *x, size_t n, const spc_chart_t *c, const spc_point_t *pts);

/* ---- Months ------------------------------------------------------------ */

/* "2026-03" -> a month number (year * 12 + month - 1); -1 when it is not
 * such a month. */
int rp_month_number(const char *s);
/* A month number as "YYYY-MM" (out: at least 8 bytes). */
void rp_month_text(int m, char *out);

/* One series of monthly counts: the months from `start` to `last` (month
 * numbers, at most RP_SPC_MONTHS of them: the later of `start` and
 * last - RP_SPC_MONTHS + 1 is the first), 0 for a month not given, and
 * count[i] for month[i] for the k months given (those outside are ignored).
 * x has RP_SPC_MONTHS slots; the number of points, or 0 when start > last. */
size_t rp_month_series(int start, int last, const int *month, const long *count, size_t k,
                       double *x);

#endif
