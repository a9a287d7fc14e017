/* apply_sql.h - one event's change (apply.h) as SQL statements.
 *
 * The reporting schema (migration 0030): reporting.complaint, one row a
 * complaint; reporting.aspect, one a key issue; reporting.partner, one a
 * partner body; reporting.ombudsman_stage, one a stage of a referral;
 * reporting.action (migration 0035), one an action agreed. */
#ifndef REPORTING_APPLY_SQL_H
#define REPORTING_APPLY_SQL_H

#include "apply.h"

/* Takes one statement with its parameters (NULL is SQL NULL; the strings
 * live until it returns, so it copies what it keeps). 0, or non-zero to
 * stop. */
typedef int (*rp_sink_fn)(void *arg, const char *sql, int nparams, const char *const *values);

/* Hand sink the statements that make ch, in order, in one transaction of
 * the caller's. Returns 0 or the first non-zero the sink returned. */
int rp_sql(const rp_change_t *ch, rp_sink_fn sink, void *arg);

/* Several events at once (the daemon's batches): changes of the same shape
 * (the same columns, merged the same way: rp_sql_same_shape) make their
 * reporting.complaint rows in ONE statement (rp_sql_complaints: each
 * complaint at most once among them, as the inbox's batches are), then each
 * its other rows (rp_sql_rest), which rp_sql writes after its complaint row.
 * The same rows as rp_sql for each. -1 out of memory, else as rp_sql. */
int rp_sql_same_shape(const rp_change_t *a, const rp_change_t *b);
int rp_sql_complaints(const rp_change_t *const *chs, int n, rp_sink_fn sink, void *arg);
int rp_sql_rest(const rp_change_t *ch, rp_sink_fn sink, void *arg);

#endif
