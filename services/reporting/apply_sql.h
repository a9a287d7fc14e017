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

#endif
