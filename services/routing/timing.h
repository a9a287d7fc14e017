/* timing.h - R5: the clocks of the response to a complaint. The six-month
 * limit of the Regulations (reg. 14), whether a response is late, when the
 * next progress update is due, and whether a new agreed date may be
 * recorded. Pure: today is an argument, no clock is read.
 *
 * A refusal returns -1 with the cd_fail_t filled on `field.member` (e.g.
 * "extend_deadline.agreed_on") and plain words; 0 when accepted. */
#ifndef ROUTING_TIMING_H
#define ROUTING_TIMING_H

#include "candour/calendar.h"
#include "candour/errcode.h"

/* Six calendar months after received: the same day number, or the last day
 * of the month when that month is shorter (31 Aug 2026 -> 28 Feb 2027,
 * 29 Feb 2028 -> 29 Aug 2028). The response is due by then unless a longer
 * period was agreed before it (Regs reg. 14). Asserts a valid date and a
 * result within year 9999. */
cd_date_t rt_six_month_limit_date(cd_date_t received);

/* The same for "YYYY-MM-DD" text, into out: 0, or -1 (out untouched) when
 * received is not a date or the limit would be after 9999-12-31. */
int rt_six_month_limit(const char *received, char out[CD_DATE_LEN + 1]);

/* Non-zero when today is after the agreed due date (a response sent on the
 * due date is in time). */
int rt_response_late(cd_date_t today, cd_date_t agreed_due);

/* Non-zero when today is after the six-month limit of received. */
int rt_six_months_passed(cd_date_t today, cd_date_t received);

/* R5, keeping the complainant informed: the next progress update is due
 * `cadence` working days after `from` (the update just sent, or receipt).
 * Returns 1 and *out when that is before the response is due; 0 when the
 * response comes first (no update is due) or cadence is 0 (none set). */
int rt_next_update_due(const cd_calendar_t *cal, cd_date_t from, int cadence,
                       cd_date_t response_due, cd_date_t *out);

/* A new agreed date for a deadline (R5): new_due a date (member new_due:
 * REQUIRED, INVALID_DATE) later than current_due and not before today
 * (INVALID_ARGUMENT); agreed_by, who agreed it for the complainant, 1..200
 * bytes on one line (agreed_by: REQUIRED, TOO_LONG, INVALID_ARGUMENT);
 * agreed_on a date (agreed_on: REQUIRED, INVALID_DATE) neither after today
 * (DATE_IN_FUTURE) nor before the complaint was received (INVALID_ARGUMENT).
 * For the response (six_months set), a date beyond the six-month limit
 * stands only if agreed before those six months ended (Regs reg. 14):
 * agreed later, it is FAILED_PRECONDITION on agreed_on; the response is then
 * late, and the complainant is told why (ExplainLateResponse). */
int rt_extension_check(cd_date_t current_due, const char *new_due, const char *agreed_by,
                       const char *agreed_on, cd_date_t received, int six_months, cd_date_t today,
                       const char *field, cd_fail_t *err);

/* Why a response is late and when to expect it (Regs reg. 14(2)): reason
 * 1..1000 bytes, lines allowed (member reason: REQUIRED, TOO_LONG,
 * INVALID_ARGUMENT); expected_by a date (expected_by: REQUIRED, INVALID_DATE)
 * not before today nor before the due date it explains (INVALID_ARGUMENT). */
int rt_late_check(const char *reason, const char *expected_by, cd_date_t due, cd_date_t today,
                  const char *field, cd_fail_t *err);

/* A progress update as staff write it: 1..4000 bytes, lines allowed, no
 * other control characters (member text: REQUIRED, TOO_LONG,
 * INVALID_ARGUMENT). */
int rt_progress_text_check(const char *text, const char *field, cd_fail_t *err);

#endif
