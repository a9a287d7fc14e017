/* funnel.h - funnel plots for comparing bodies of different sizes (DOMAIN.md
 * L3, L6): for a proportion (acknowledged within 3 working days, upheld,
 * ...), whether a body differs from all the bodies together by more than
 * chance would make it at its volume. Pure arithmetic.
 *
 * Definitions (Spiegelhalter, "Funnel plots for comparing institutional
 * performance", Statistics in Medicine 2005; 24:1185-1202; the normal
 * approximation to the binomial):
 *   the target p     the overall proportion: the sum of the numerators over
 *                    the sum of the denominators (bodies with a denominator
 *                    of 0 add nothing), so a large body weighs more;
 *   control limits   for a denominator n, p +/- z * sqrt(p (1 - p) / n),
 *                    z = 1.96 for the 95% limits ("warning") and z = 3.09
 *                    for the 99.8% limits ("alarm"); each clipped to [0, 1];
 *   a body's flag    its proportion strictly beyond a limit at its own n:
 *                    above or below the 95% limits, or beyond the 99.8% ones
 *                    (which is also beyond the 95%); a body on a limit is
 *                    within it. A body with a denominator of 0 has no point.
 * Whether above is better depends on the indicator (benchmark.h says).
 *
 * Hazard: the normal approximation is poor for a small n with p near 0 or 1
 * (the limits then touch 0 or 1 and are clipped); exact binomial limits are
 * not computed here. */
#ifndef REPORTING_FUNNEL_H
#define REPORTING_FUNNEL_H

#include <stddef.h>

#include "candour/errcode.h"

#define FNL_Z95 1.96  /* two-sided 95%: about 1 in 20 bodies beyond by chance */
#define FNL_Z998 3.09 /* two-sided 99.8%: about 1 in 500 */

/* One body's indicator: numerator of denominator (acknowledged of received). */
typedef struct {
    long numerator;   /* 0..denominator */
    long denominator; /* 0 or more; 0: nothing to show */
} fnl_body_t;

/* The limits at one n, each in [0, 1]. */
typedef struct {
    long n;
    double lo95, hi95;   /* 95% */
    double lo998, hi998; /* 99.8% */
} fnl_limits_t;

typedef enum {
    FNL_WITHIN = 0, /* within the 95% limits (on one included) */
    FNL_ABOVE_95,   /* above the 95% upper limit, not above the 99.8% one */
    FNL_ABOVE_998,  /* above the 99.8% upper limit */
    FNL_BELOW_95,   /* below the 95% lower limit, not below the 99.8% one */
    FNL_BELOW_998,  /* below the 99.8% lower limit */
    FNL_NO_DATA,    /* denominator 0 */
} fnl_flag_t;

/* The flag's name ("above_95"), static. */
const char *fnl_flag_name(fnl_flag_t flag);

/* Check the bodies: numerator and denominator not negative
 * (bodies[i].numerator, .denominator: OUT_OF_RANGE), a numerator not over
 * its denominator (bodies[i].numerator: INVALID_ARGUMENT), and at least one
 * denominator over 0 (bodies: INVALID_ARGUMENT). 0 or -1. */
int fnl_check(const fnl_body_t *b, size_t n, cd_fail_t *f);

/* The overall proportion p of checked bodies (fnl_check first). */
double fnl_mean(const fnl_body_t *b, size_t n);

/* The limits around p at denominator n (0 <= p <= 1, n >= 1: asserted). */
fnl_limits_t fnl_limits(double p, long n);

/* Where the body lies against the limits around p. */
fnl_flag_t fnl_flag(double p, fnl_body_t b);

/* Checks the bodies, then *p and flags[i] for each body. 0 or -1. */
int fnl_plot(const fnl_body_t *b, size_t n, double *p, fnl_flag_t *flags, cd_fail_t *f);

/* The funnel's curves, for drawing: the limits at up to `points` values of
 * n spread evenly from n_min to n_max (both included; rounded to whole
 * numbers, a repeat left out), written to out. Returns how many were
 * written. Asserts 1 <= n_min < n_max, points >= 2. */
size_t fnl_curve(double p, long n_min, long n_max, size_t points, fnl_limits_t *out);

#endif
