/* spc_series.h - the monthly series the SPC report and the SPC watch chart,
 * read from reporting.monthly (migration 0034) alone, through
 * reporting.monthly_read (0040), which flushes the changes noted since the
 * last flush first: the statements, and their rows turned into series
 * (spc_signal.h's months).
 *
 * A series is one body's complaints a month under one dimension and code
 * ('provider' and the body itself: its total; 'subject' or 'service' and a
 * KO41a code), for up to RP_SPC_MONTHS months to the latest, starting no
 * earlier than the body's first month in Candour (the months before it had
 * no complaints because it was not here, not because none were made), 0 for
 * a month without. The report and the watch read the same rows the same
 * way, so an alert's limits are the report's. */
#ifndef REPORTING_SPC_SERIES_H
#define REPORTING_SPC_SERIES_H

#include <libpq-fe.h>
#include <stddef.h>

#include "spc_signal.h"

typedef struct {
    char org[65];
    char dimension[16]; /* provider, subject, service */
    char code[65];
    int first; /* the month number of x[0] */
    size_t n;  /* points */
    double x[RP_SPC_MONTHS];
} rp_series_t;

/* One body's series for the report, its rows in order (provider, subject,
 * service; then code, month). $1 the body, $2 the period's first day (only
 * checked to be a date), $3 its last: the latest month is $3's. */
extern const char rp_spc_series_body_sql[];
/* Every body's series to the month of $1 (a date), for the watch. */
extern const char rp_spc_series_all_sql[];

/* The series of r's rows (org, dimension, code, month "YYYY-MM", n, the
 * body's first month "YYYY-MM"), a series for each run of rows of one org,
 * dimension and code, ending at month `last` (a month number). *out is
 * malloc'd (NULL when there are none). 0, or -1: out of memory or a row
 * that is not one of these. */
int rp_series_read(const PGresult *r, int last, rp_series_t **out, size_t *n);

#endif
