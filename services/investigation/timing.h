/* timing.h - R5: the clocks of the response to a complaint: the six-month
 * limit of the Regulations (reg. 14), whether a response is late, when the
 * complainant's next progress update is due, and a new agreed response
 * date. Pure: today is an argument, no clock is read.
 *
 * Refusals and text follow casework.h's conventions (0, or -1 with the
 * cd_fail_t filled on `field` plus the member refused). */
#ifndef INVESTIGATION_TIMING_H
#define INVESTIGATION_TIMING_H

#include "candour/calendar.h"
#include "candour/errcode.h"

/* Six calendar months after received: the same day number, or the last day
 * of the month when that month is shorter (31 Aug 2026 -> 28 Feb 2027,
 * 29 Feb 2028 -> 29 Aug 2028). The response is due by then unless a longer
 * period was agreed before it (Regs reg. 14). Asserts a result within year
 * 9999. */
cd_date_t iv_six_month_limit_date(cd_date_t received);

/* The same for "YYYY-MM-DD" text, into out: 0, or -1 (out untouched) when
 * received is not a date or the limit would be after 9999-12-31. */
int iv_six_month_limit(const char *received, char out[CD_DATE_LEN + 1]);

/* Non-zero when today is after the agreed due date (a response sent on the
 * due date is in time). */
int iv_response_late(cd_date_t today, cd_date_t agreed_due);

/* Non-zero when today is after the six-month limit of received. */
int iv_six_months_passed(cd_date_t today, cd_date_t received);

/* R5, keeping the complainant informed: the next update is due cadence_days
 * calendar days after the last one (or the case's opening). Returns 1 and
 * *out, or 0 when cadence_days is 0 (the organisation sets no cadence).
 * Asserts 0 <= cadence_days <= 366 and a result within year 9999. */
int iv_next_update_due(cd_date_t last_update_or_opened, int cadence_days, cd_date_t *out);

/* A new agreed response date (R5): new_due a date (field.new_due: REQUIRED,
 * INVALID_DATE) later than current_due and not before today
 * (INVALID_ARGUMENT); agreed_by, who agreed it for the complainant (the
 * complainant or their representative), 1..200, one line (field.agreed_by);
 * agreed_on a date (field.agreed_on) neither in the future (DATE_IN_FUTURE)
 * nor before the complaint was received (INVALID_ARGUMENT). A new date beyond
 * the six-month limit stands only if agreed before those six months ended
 * (Regs reg. 14): agreed later, it is FAILED_PRECONDITION on field.agreed_on;
 * the response is then late, and the complainant is told why. */
int iv_extension_check(cd_date_t current_due, const char *new_due, const char *agreed_by,
                       const char *agreed_on, cd_date_t received, cd_date_t today,
                       const char *field, cd_fail_t *err);

#endif
