/* spc.h - statistical process control as NHS England's "Making Data Count"
 * (MDC) reads it (DOMAIN.md L6): the XmR chart of a series (complaints a
 * month per subject, service or provider), its special-cause rules, and the
 * variation and assurance icons. Pure arithmetic over an array.
 *
 * Definitions (NHS England / NHS Improvement, "Making Data Count", and the
 * XmR chart of Wheeler's "Understanding Variation"), for x[0..n), n >= 2:
 *   mean            the sum of the points over n
 *   moving ranges   mR[i] = |x[i] - x[i-1]| for i = 1..n-1
 *   mR-bar          the mean of the n - 1 moving ranges
 *   process limits  mean +/- 2.66 x mR-bar (2.66 = 3 / 1.128, 1.128 being
 *                   the bias constant d2 for ranges of two points); for
 *                   counts the lower limit is not below 0
 *   sigma           mR-bar / 1.128, so the two-sigma lines are
 *                   mean +/- (2 / 1.128) x mR-bar = mean +/- 1.7730 x mR-bar
 * The special-cause rules; a point flagged by a rule is "part of" it:
 *   (1) beyond      a point above the upper or below the lower limit
 *                   (strictly: a point on a limit is within);
 *   (2) run         7 or more consecutive points on the same side of the
 *                   mean; a point exactly on the mean is on neither side and
 *                   breaks a run; every point of the run is flagged;
 *   (3) trend       7 or more consecutive points each higher than the one
 *                   before (or each lower); a point equal to the one before
 *                   breaks a trend, as MDC's tool counts; every point of the
 *                   trend is flagged (a turning point may end one trend and
 *                   start another);
 *   (4) two of three  in any 3 consecutive points, 2 or 3 strictly beyond
 *                   the same two-sigma line (beyond the limit included);
 *                   those points, not the third, are flagged.
 * Each flag has a side: high (above the mean or limit, a rising trend) or
 * low. MDC's own recommendation is at least 15 points before limits are
 * trusted; this computes from 2 and leaves the judgement to the reader.
 *
 * The icons describe the latest point:
 *   variation  common cause when the latest point is part of no rule;
 *              otherwise special cause, high or low by its flag's side,
 *              "improving" or "concerning" by which direction is better,
 *              or "neither" when no direction is; a point flagged both
 *              high and low (a falling trend above the mean, say) reads as
 *              concerning, the side that needs looking at (for "neither",
 *              high).
 *   assurance  given a target and the better direction: the process
 *              consistently passes when the whole range between the limits
 *              is on the target's good side, consistently fails when it is
 *              wholly on the bad side, and will hit and miss at random when
 *              the target lies between the limits (on a limit included).
 *              No target or no direction: no assurance icon. */
#ifndef REPORTING_SPC_H
#define REPORTING_SPC_H

#include <stddef.h>

#include "candour/errcode.h"

#define SPC_LIMIT_K 2.66 /* process limits: mean +/- 2.66 mR-bar */
#define SPC_D2 1.128     /* sigma = mR-bar / d2 */
#define SPC_RUN 7        /* rule 2: this many on one side */
#define SPC_TREND 7      /* rule 3: this many points rising (or falling) */

/* The rules, as bits of spc_point_t.rules. */
enum {
    SPC_BEYOND = 1 << 0,       /* (1) a point beyond a process limit */
    SPC_RUN_RULE = 1 << 1,     /* (2) part of a run on one side of the mean */
    SPC_TREND_RULE = 1 << 2,   /* (3) part of a trend */
    SPC_TWO_OF_THREE = 1 << 3, /* (4) two of three beyond two sigma */
};

/* The chart's lines. */
typedef struct {
    size_t n;        /* points */
    double mean;     /* the centre line */
    double mr_bar;   /* the mean moving range */
    double upl, lpl; /* process limits (lpl not below 0 for counts) */
    double hi2, lo2; /* the two-sigma lines, mean +/- 1.7730 mR-bar */
} spc_chart_t;

/* One point's flags. */
typedef struct {
    unsigned rules; /* SPC_BEYOND | ... : the rules it is part of */
    int high;       /* non-zero: a rule flags it on the high side */
    int low;        /* non-zero: on the low side */
} spc_point_t;

/* Which way is better. */
typedef enum {
    SPC_NEITHER = 0,   /* no direction: neither improvement nor concern */
    SPC_HIGHER_BETTER, /* e.g. acknowledged in time */
    SPC_LOWER_BETTER,  /* e.g. complaints about one subject */
} spc_direction_t;

typedef enum {
    SPC_VAR_COMMON = 0,      /* common cause: no signal at the latest point */
    SPC_VAR_IMPROVING_HIGH,  /* special cause, improving, high */
    SPC_VAR_IMPROVING_LOW,   /* special cause, improving, low */
    SPC_VAR_CONCERNING_HIGH, /* special cause, concerning, high */
    SPC_VAR_CONCERNING_LOW,  /* special cause, concerning, low */
    SPC_VAR_NEITHER_HIGH,    /* special cause, no direction, high */
    SPC_VAR_NEITHER_LOW,     /* special cause, no direction, low */
} spc_variation_t;

typedef enum {
    SPC_ASSURE_NONE = 0, /* no target, or no direction */
    SPC_ASSURE_PASS,     /* consistently passes the target */
    SPC_ASSURE_FAIL,     /* consistently fails it */
    SPC_ASSURE_HIT_MISS, /* hits and misses at random */
} spc_assurance_t;

/* The names the charts and JSON use ("improving_high", "hit_and_miss"). */
const char *spc_variation_name(spc_variation_t v);
const char *spc_assurance_name(spc_assurance_t a);

/* The chart of x[0..n) and each point's flags (pts has n slots). counts
 * non-zero: the series is counts, so no point may be negative (x[i]:
 * OUT_OF_RANGE) and the lower limit is floored at 0. Refused: fewer than 2
 * points (x: INVALID_ARGUMENT), a value that is not a finite number (x[i]:
 * INVALID_ARGUMENT). 0 or -1. */
int spc_xmr(const double *x, size_t n, int counts, spc_chart_t *chart, spc_point_t *pts,
            cd_fail_t *f);

/* The variation icon for the latest of n points (n >= 1, asserted). */
spc_variation_t spc_variation(const spc_point_t *pts, size_t n, spc_direction_t better);

/* The assurance icon for a target against the chart's limits; has_target 0:
 * SPC_ASSURE_NONE. */
spc_assurance_t spc_assurance(const spc_chart_t *chart, int has_target, double target,
                              spc_direction_t better);

#endif
