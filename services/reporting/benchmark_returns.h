/* benchmark_returns.h - benchmarking returns as reporting keeps them
 * (issue 15, L3): benchmark.returned from intake, one row a body and period
 * in reporting.benchmark_return (0032_benchmark_returns.sql).
 *
 * The row holds the body's code, the period, the counts and the median, the
 * day it was sent and the event's occurred_at; never who sent it (a job
 * title is text, and the schema keeps none). A second return for a body and
 * period replaces the first when its event is not older (occurred_us), so
 * the latest return wins whatever order the two arrive in; two at the same
 * microsecond: the one applied last wins. */
#ifndef REPORTING_BENCHMARK_RETURNS_H
#define REPORTING_BENCHMARK_RETURNS_H

#include "candour/benchmark_return.h"
#include "candour/errcode.h"
#include "candour/inbox.h"
#include "candour/v1/envelope.pb-c.h"

#define RP_BMR_TYPE "benchmark.returned" /* the event's type: main.c's and the rebuild's row */
#define RP_BMR_NPARAMS 15 /* the row's values, in the order of rp_bmr_sql's parameters */

/* One row's values as text, each NULL-free but the median (NULL when none
 * closed). */
typedef struct {
    char v[RP_BMR_NPARAMS][72];
    int median_null;
} rp_bmr_row_t;

/* The upsert of one row, with parameters $1..$15 as rp_bmr_row_t's v. */
extern const char rp_bmr_sql[];

/* The row benchmark.returned makes (pure): the body a code (org_id:
 * INVALID_ARGUMENT), the return as intake checks it but for the day (its
 * rules: benchmark_return.h; fields "benchmark_return.<name>"). 0, or -1
 * with f filled and out undefined. */
int rp_bmr_row(const Candour__V1__Envelope *env, const ProtobufCMessage *payload, rp_bmr_row_t *out,
               cd_fail_t *f);

/* The handler of benchmark.returned (a row of main.c's table): the row
 * written with the inbox record; a return that breaks the rules is NAKed
 * MALFORMED_EVENT (intake sends none such). */
void rp_on_benchmark_returned(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                              const ProtobufCMessage *payload, void *arg);

#endif
