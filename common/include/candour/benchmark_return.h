/* benchmark_return.h - the rules of a benchmarking return (issue 15, L3): a
 * body's complaint figures for a period, checked the same way wherever they
 * are taken. Pure: figures in, the first broken rule out as a typed error
 * naming the field (errcode.h); no I/O.
 *
 * Two callers, one set of rules:
 *   intake      checks a SubmitBenchmarkReturn from another body
 *               (cd_br_return_check: the period's shape, who sent it, and
 *               the figures), before putting benchmark.returned;
 *   reporting   checks each body's figures before benchmarking them
 *               (services/reporting/benchmark.c bm_check and bm_compute,
 *               through cd_br_figures_check with its own field names).
 *
 * The figures' rules (cd_br_figures_check), in the order they are checked:
 *   every count 0 to CD_BR_COUNT_MAX                      OUT_OF_RANGE
 *   a part not over its whole                             INVALID_ARGUMENT
 *     acknowledged <= received; responded_in_time, extended,
 *     upheld + partially_upheld, ombudsman_referred <= closed;
 *     ombudsman_upheld <= ombudsman_referred (the first such part named;
 *     partially_upheld when upheld alone fits)
 *   a median given when closed > 0                        REQUIRED
 *     and not when closed is 0                            INVALID_ARGUMENT
 *   the median finite and >= 0                            OUT_OF_RANGE */
#ifndef CANDOUR_BENCHMARK_RETURN_H
#define CANDOUR_BENCHMARK_RETURN_H

#include <stdint.h>

#include "candour/errcode.h"
#include "candour/v1/events.pb-c.h"

#define CD_BR_COUNT_MAX 100000000L /* the largest count taken (no body has 10^8 complaints) */
#define CD_BR_MAX_TITLE 200        /* submitted_by: a job title */

/* The counts of a return, and the median: an index into the names a caller
 * gives for its fields. */
typedef enum {
    CD_BR_RECEIVED = 0,
    CD_BR_ACKNOWLEDGED, /* within 3 working days, of received */
    CD_BR_CLOSED,
    CD_BR_RESPONDED_IN_TIME,  /* of closed */
    CD_BR_EXTENDED,           /* of closed */
    CD_BR_UPHELD,             /* of closed: wholly (or wholly or partly, when no part is given) */
    CD_BR_PARTIALLY_UPHELD,   /* of closed: in part */
    CD_BR_OMBUDSMAN_REFERRED, /* of closed */
    CD_BR_OMBUDSMAN_UPHELD,   /* of ombudsman_referred */
    CD_BR_NCOUNTS,            /* not a count: how many there are */
    CD_BR_MEDIAN = CD_BR_NCOUNTS, /* the median's name, after the counts' */
    CD_BR_NFIELDS
} cd_br_field_t;

/* One body's figures for a period. */
typedef struct {
    long n[CD_BR_NCOUNTS]; /* each count, by cd_br_field_t */
    int has_median;        /* non-zero when median_days is given */
    double median_days;    /* working days from receipt to response, over closed */
} cd_br_figures_t;

/* The figures' rules (the file's header). An error's field is prefix (NULL:
 * "") followed by names[field]; names NULL gives the SubmitBenchmarkReturn's
 * own ("received", "acknowledged_in_3_days", ..., "median_days_to_response").
 * Returns 0, or -1 with f filled. */
int cd_br_figures_check(const cd_br_figures_t *b, const char *prefix,
                        const char *const names[CD_BR_NFIELDS], cd_fail_t *f);

/* The figures of a return as cd_br_figures_t: the median given when closed
 * is over 0 or the median is not 0 (a proto3 double has no "not given"). */
cd_br_figures_t cd_br_figures_of(const Candour__V1__BenchmarkReturn *r);

/* A whole return, as intake takes it: period_from and period_to dates
 * (INVALID_DATE), the period not reversed (period_to: INVALID_ARGUMENT) and
 * not ending after today (period_to: DATE_IN_FUTURE; today as
 * cd_date_to_days), submitted_by a job title (REQUIRED, TOO_LONG,
 * INVALID_TEXT), then the figures (cd_br_figures_check). Fields are prefix
 * (NULL: "") and the message's names: "benchmark_return.period_to". r may be
 * NULL (prefix without its dot: REQUIRED). 0 or -1. */
int cd_br_return_check(const Candour__V1__BenchmarkReturn *r, int32_t today, const char *prefix,
                       cd_fail_t *f);

#endif
