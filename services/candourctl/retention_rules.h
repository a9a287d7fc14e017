/* retention_rules.h - when a complaint's records are due for disposal (NHS
 * Records Management Code of Practice: complaints are kept 10 years after
 * closure, then disposed of; each body may keep them longer). Pure: dates
 * in, dates out; `candourctl retention run` (retention_cmd.c) asks the
 * database when each complaint closed and which policy holds, and these
 * rules decide. */
#ifndef CANDOURCTL_RETENTION_RULES_H
#define CANDOURCTL_RETENTION_RULES_H

/* The years kept when a body has set none. */
#define RET_DEFAULT_YEARS 10
/* The policies a body may set: 1 to RET_MAX_YEARS years. */
#define RET_MAX_YEARS 100

/* A calendar date. */
typedef struct {
    int y; /* year, e.g. 2016 */
    int m; /* month, 1-12 */
    int d; /* day of the month, 1-31 */
} ret_date_t;

/* "YYYY-MM-DD" (as PostgreSQL prints a date) into *out: 0, or -1 when it is
 * not a real date. */
int ret_date_parse(const char *s, ret_date_t *out);

/* -1, 0 or 1 as a is before, on or after b. */
int ret_date_cmp(ret_date_t a, ret_date_t b);

/* The day a complaint closed on `closed` is due for disposal under a policy
 * of `years` years: the same day and month, `years` years later; a
 * complaint closed on 29 February is due on 28 February of a year that has
 * none (as PostgreSQL adds years to a date). 0, or -1 when closed is not a
 * date or years is outside 1..RET_MAX_YEARS. */
int ret_due_on(ret_date_t closed, int years, ret_date_t *due);

/* Whether it is due on `today`: 1 (today is on or after its due date), 0
 * (not yet), -1 (bad input, as ret_due_on). */
int ret_is_due(ret_date_t closed, int years, ret_date_t today);

#endif
