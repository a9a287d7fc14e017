/* calendar.h - dates, bank holidays and working days in England and Wales.
 *
 * Every statutory clock in Candour counts working days (DOMAIN.md R4, Regs
 * reg. 2): any day except Saturday, Sunday, Christmas Day, Good Friday or a
 * bank holiday in England. This module answers "is this a working day?" and
 * "which day is the nth working day after this one?", and nothing else: it
 * does no I/O except when asked to load a holiday file, and it never looks at
 * the clock, so every deadline is a pure function of its inputs.
 *
 * Where the bank holidays come from:
 *   - rules: New Year's Day, Good Friday, Easter Monday, early May, spring and
 *     summer bank holidays, Christmas and Boxing Day, with substitute days, and
 *     a table of one-off changes (moved and extra days by royal proclamation).
 *     The rules reproduce the published England and Wales list from 1978 (the
 *     first year of the early May holiday) onwards, as far as the one-off table
 *     is complete; for future years they cannot know of proclamations yet to
 *     come, which is why
 *   - data: gov.uk's bank-holidays.json, loaded with cd_calendar_load_json.
 *     For every year in which the file lists at least one england-and-wales
 *     event, the file's list is authoritative for that year (a moved or
 *     cancelled day is respected); other years use the rules.
 *
 * Dates are calendar dates without a time or a zone (proleptic Gregorian,
 * years 1 to 9999). An instant becomes a date only through
 * cd_date_from_unix_london, because "the day the complaint is received" is the
 * day in England, not in UTC.
 *
 * Thread safety: a calendar is only written by cd_calendar_load_json; all the
 * queries take it const and keep no cache, so once loaded it may be shared by
 * any number of threads. */
#ifndef CANDOUR_CALENDAR_H
#define CANDOUR_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- dates */

/* A calendar date. Plain values, compared with cd_date_cmp (not ==). A date is
 * valid when 1 <= y <= 9999 and m/d name a real day; every function below
 * asserts valid dates in and returns valid dates out. */
typedef struct {
    int y; /* year, 1..9999 */
    int m; /* month, 1..12 */
    int d; /* day of the month, 1..31 */
} cd_date_t;

/* Length of "YYYY-MM-DD", without the terminating NUL. */
#define CD_DATE_LEN 10

/* ISO 8601 day numbers, as returned by cd_date_weekday. */
enum { CD_MONDAY = 1, CD_TUESDAY, CD_WEDNESDAY, CD_THURSDAY, CD_FRIDAY, CD_SATURDAY, CD_SUNDAY };

/* Non-zero when d is a real day in years 1..9999. The only date function that
 * accepts an invalid date; use it on anything built from input. */
int cd_date_valid(cd_date_t d);

/* Parse exactly "YYYY-MM-DD" (ten characters, nothing before or after, a real
 * day, year 0001..9999). Returns 0 and fills *out, or CD_EINVAL and leaves
 * *out alone. s may be NULL (CD_EINVAL). */
int cd_date_parse(const char *s, cd_date_t *out);

/* Write d as "YYYY-MM-DD" into out[CD_DATE_LEN + 1]. */
void cd_date_format(cd_date_t d, char out[CD_DATE_LEN + 1]);

/* Days since 1970-01-01 (negative before it), and back. cd_date_from_days
 * asserts that the result lies in years 1..9999. */
int32_t cd_date_to_days(cd_date_t d);
cd_date_t cd_date_from_days(int32_t days);

/* d plus n days (n may be negative). Asserts that the result is in range. */
cd_date_t cd_date_add_days(cd_date_t d, int n);

/* Day of the week, CD_MONDAY (1) .. CD_SUNDAY (7). */
int cd_date_weekday(cd_date_t d);

/* <0, 0 or >0 as a is before, the same day as, or after b. */
int cd_date_cmp(cd_date_t a, cd_date_t b);

/* Easter Sunday of year (Gregorian computus). Meaningful from 1583, the first
 * full Gregorian year; earlier years give the proleptic answer. */
cd_date_t cd_date_easter(int year);

/* The calendar date in Europe/London at the instant unix_seconds (seconds
 * since 1970-01-01T00:00:00Z). The UK rule is applied directly: BST (UTC+1)
 * from 01:00 UTC on the last Sunday of March until 01:00 UTC on the last
 * Sunday of October, GMT otherwise. So 23:30 UTC on a summer Friday is already
 * Saturday in London, and 23:30 on a winter Friday is still Friday.
 * Hazard: that rule has held since 1996 (EU harmonisation). Before then the UK
 * changed on other dates, so instants before 1996 within a few weeks of a
 * change may be an hour out; nothing in a complaints system should be that
 * old. Asserts that the date lies in years 1..9999. */
cd_date_t cd_date_from_unix_london(int64_t unix_seconds);

/* The UK's offset from UTC at the instant unix_seconds, in seconds: 3600 in
 * BST, 0 in GMT (the rule cd_date_from_unix_london applies). */
int cd_london_offset(int64_t unix_seconds);

/* d written out as letters and records show it to people: "4 December 2026",
 * or with weekday "Friday 4 December 2026". d must be valid. */
void cd_date_words(cd_date_t d, int weekday, char *out, size_t len);

/* ------------------------------------------------------------- calendar */

typedef struct cd_calendar_t cd_calendar_t;

/* A calendar that knows only the rules. Returns NULL if out of memory. */
cd_calendar_t *cd_calendar_new(void);

/* Free the calendar and set *pcal to NULL. Safe on NULL and on *pcal == NULL. */
void cd_calendar_destroy(cd_calendar_t **pcal);

/* Load bank holidays in gov.uk's bank-holidays.json format, exactly as
 * published: a top-level object whose "england-and-wales" member is
 * {"division": "england-and-wales", "events": [{"title", "date":
 * "YYYY-MM-DD", "notes", "bunting"}, ...]}. Only that division is read; the
 * others ("scotland", "northern-ireland") are ignored and may be absent.
 *
 * path_or_text is JSON text when its first non-blank character is '{', and
 * otherwise the path of a file (at most 4 MiB).
 *
 * Each year with at least one event becomes authoritative (see the file
 * header). Loading again merges by year: years the new file covers replace
 * what was known for them, other loaded years stay.
 *
 * All or nothing: on any error the calendar is unchanged, a plain-English
 * message naming the source and the fault is written to err (when err is not
 * NULL and errlen > 0), and the return is CD_EIO (cannot read the file),
 * CD_ETOOBIG (file over the limit), CD_EINVAL (not JSON, no england-and-wales
 * division, an event without a real "date") or CD_ENOMEM. Returns 0 on
 * success. Only "date" is checked in each event; title, notes and bunting are
 * informational and ignored. */
int cd_calendar_load_json(cd_calendar_t *cal, const char *path_or_text, char *err, size_t errlen);

/* Non-zero when the loaded data is authoritative for year (rules otherwise). */
int cd_calendar_covers_year(const cd_calendar_t *cal, int year);

/* Non-zero when d is a bank holiday in England and Wales, counted as gov.uk
 * lists them: Good Friday and Christmas Day are included (they are common-law
 * holidays, not strictly bank holidays), and a holiday that falls at a weekend
 * is listed on its substitute day instead, so Saturday 25 Dec 2021 is not one
 * but Monday 27 Dec 2021 is. */
int cd_calendar_is_bank_holiday(const cd_calendar_t *cal, cd_date_t d);

/* The bank holidays of year in date order: writes up to max of them to out
 * (out may be NULL when max is 0) and returns how many there are in all. */
int cd_calendar_bank_holidays(const cd_calendar_t *cal, int year, cd_date_t *out, int max);

/* Non-zero when d is a working day (Regs reg. 2, DOMAIN.md R4): not a
 * Saturday or Sunday, not Christmas Day, not Good Friday, not a bank holiday.
 * Christmas Day and Good Friday are never working days, even if a loaded file
 * leaves them out, because the Regulations name them directly. */
int cd_calendar_is_working_day(const cd_calendar_t *cal, cd_date_t d);

/* The nth working day after d (n >= 1); d itself never counts, whether or not
 * it is a working day. n == 0 returns d. n < 0 is a bug (asserts). The R4
 * acknowledgement is due on cd_workdays_add(cal, received, 3). */
cd_date_t cd_workdays_add(const cd_calendar_t *cal, cd_date_t d, int n);

/* The number of working days after a, up to and including b; so
 * cd_workdays_between(cal, d, cd_workdays_add(cal, d, n)) == n. When b is
 * before a the answer is minus cd_workdays_between(cal, b, a), so a deadline
 * not yet reached gives a negative "working days overdue". Cost is linear in
 * the number of days between a and b. */
int cd_workdays_between(const cd_calendar_t *cal, cd_date_t a, cd_date_t b);

#endif
