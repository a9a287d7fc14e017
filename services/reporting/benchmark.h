/* benchmark.h - benchmarking complaint-handling bodies against targets
 * (DOMAIN.md L3; the seed's exercise: ten bodies compared, variation found,
 * practice worth sharing named). Pure: each body's figures for a period in,
 * each indicator per body out; and the check of a benchmarking return that
 * a body not using Candour sends with its figures.
 *
 * A body's figures for a period (bm_figures_t):
 *   received            complaints received in the period
 *   acknowledged        of those, acknowledged within 3 working days
 *   closed              complaints closed with a response in the period
 *   responded_in_time   of those, responded to within the period agreed
 *                       (the agreed date, extensions included)
 *   extended            of those, whose response date was extended
 *   upheld              of those, upheld wholly or partly
 *   ombudsman_referred  of those, taken to the Ombudsman
 *   ombudsman_upheld    of those referred, upheld by the Ombudsman
 *   median_days         the median of working days from receipt to
 *                       response over the closed ones (given iff closed > 0)
 * The indicators (bm_indicator_t), each a proportion numerator/denominator
 * but the median:
 *   acknowledged_in_3_days   acknowledged / received        higher better
 *   responded_in_time        responded_in_time / closed     higher better
 *   median_days_to_response  median_days                    lower better
 *   extended                 extended / closed              lower better
 *   upheld                   upheld / closed                no direction
 *   ombudsman_referred       ombudsman_referred / closed    lower better
 *   ombudsman_upheld         ombudsman_upheld / ombudsman_referred  lower
 * A body whose denominator is 0 has no value for that indicator. The
 * direction is the default; a target's direction overrides it.
 *
 * For each indicator and body:
 *   met        against a target, when one is set (targets are data:
 *              indicator, value, direction): higher better, value >= target;
 *              lower better, value <= target (on the target is met);
 *   variation  the body's place on the indicator's funnel plot (funnel.h)
 *              around the overall proportion of all bodies; signal +1 when
 *              beyond the 95% limit on the better side, -1 on the worse,
 *              0 otherwise or with no direction. The median has no funnel:
 *              FNL_NO_DATA, signal 0;
 *   best       the bodies with a value, ranked best first by the direction
 *              (no direction: nobody is ranked): `best` marks the best
 *              value (ties all marked); `top_quartile` the ceil(k / 4) best
 *              of the k bodies with a value, and every body tied with the
 *              last of them (so a tie can name more than a quarter). The
 *              best performers to name are those in the top quartile; the
 *              funnel says which of them are better than chance explains.
 * The overall value of a proportion is the sum of the numerators over the
 * sum of the denominators; of the median, the median of the bodies' medians. */
#ifndef REPORTING_BENCHMARK_H
#define REPORTING_BENCHMARK_H

#include <stddef.h>

#include "candour/benchmark_return.h"
#include "candour/errcode.h"
#include "funnel.h"
#include "spc.h"

#define BM_COUNT_MAX CD_BR_COUNT_MAX /* the largest figure taken (benchmark_return.h) */

typedef enum {
    BM_ACKNOWLEDGED = 0,   /* acknowledged_in_3_days */
    BM_RESPONDED_IN_TIME,  /* responded_in_time */
    BM_MEDIAN_DAYS,        /* median_days_to_response */
    BM_EXTENDED,           /* extended */
    BM_UPHELD,             /* upheld */
    BM_OMBUDSMAN_REFERRED, /* ombudsman_referred */
    BM_OMBUDSMAN_UPHELD,   /* ombudsman_upheld */
    BM_IND_COUNT           /* not an indicator: how many there are */
} bm_indicator_t;

/* The indicator's name in targets and reports ("responded_in_time"),
 * static; and back (-1 when name is none). */
const char *bm_indicator_name(bm_indicator_t ind);
int bm_indicator_from_name(const char *name);

/* The default direction of an indicator (the table above). */
spc_direction_t bm_indicator_direction(bm_indicator_t ind);

/* One body's figures for the period (a benchmarking return's fields). */
typedef struct {
    const char *body; /* its ODS code */
    long received;
    long acknowledged; /* within 3 working days */
    long closed;
    long responded_in_time;
    long extended;
    long upheld;
    long ombudsman_referred;
    long ombudsman_upheld;
    int has_median;     /* non-zero when median_days is given */
    double median_days; /* working days, >= 0 */
} bm_figures_t;

/* A target: "responded_in_time at least 0.9". */
typedef struct {
    bm_indicator_t indicator;
    double value;           /* a proportion 0..1, or working days for the median */
    spc_direction_t better; /* SPC_HIGHER_BETTER or SPC_LOWER_BETTER */
} bm_target_t;

/* One body's result for one indicator. */
typedef struct {
    int has_value;        /* 0: its denominator is 0 (or no median) */
    double value;         /* the proportion, or the median */
    long numerator;       /* for a proportion */
    long denominator;     /* for a proportion */
    int has_target;       /* a target is set for the indicator */
    int met;              /* it meets the target (has_value and has_target) */
    fnl_flag_t variation; /* its place on the funnel */
    int signal;           /* +1 better than expected, -1 worse, 0 neither */
    int top_quartile;     /* among the best performers */
    int best;             /* the best value */
} bm_result_t;

/* The median of v[0..n): the middle value, or the mean of the two middle
 * ones. Hazard: sorts v in place. Returns 0, or -1 when n is 0. */
int bm_median(double *v, size_t n, double *out);

/* Check one return: body given (body: REQUIRED); every figure 0 to
 * BM_COUNT_MAX (OUT_OF_RANGE on its field); a part not over its whole
 * (INVALID_ARGUMENT on the part: acknowledged > received,
 * responded_in_time, extended, upheld or ombudsman_referred > closed,
 * ombudsman_upheld > ombudsman_referred); median_days given when closed > 0
 * (REQUIRED) and not otherwise (INVALID_ARGUMENT), finite and >= 0
 * (OUT_OF_RANGE): the rules of a benchmarking return, written once in
 * common (cd_br_figures_check), which intake checks returns with too.
 * Fields are named as bm_figures_t's: "received", "acknowledged", ...,
 * "median_days". 0 or -1. */
int bm_check(const bm_figures_t *b, cd_fail_t *f);

/* Check the targets: an indicator (targets[i].indicator: INVALID_ENUM) at
 * most once (ALREADY_EXISTS), a direction (targets[i].better:
 * INVALID_ARGUMENT), a value in 0..1 for a proportion and >= 0 for the
 * median (targets[i].value: OUT_OF_RANGE). 0 or -1. */
int bm_targets_check(const bm_target_t *t, size_t nt, cd_fail_t *f);

/* The benchmark of n bodies: checks every return (fields as bm_check's,
 * prefixed "bodies[i].") and the targets, then fills out[i * BM_IND_COUNT +
 * ind] for each body and indicator, and overall[ind] (NaN when no body has a
 * value; overall may be NULL). 0 or -1 (out then untouched). */
int bm_compute(const bm_figures_t *b, size_t n, const bm_target_t *t, size_t nt, bm_result_t *out,
               double overall[BM_IND_COUNT], cd_fail_t *f);

#endif
