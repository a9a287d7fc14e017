/* timing.c - R5: the response's clocks (see timing.h). Pure: arguments in,
 * a verdict out. */
#include "timing.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "candour/util.h"

#define S_MAX_WHO 200     /* who agreed a date */
#define S_MAX_REASON 1000 /* why the response is late */
#define S_MAX_UPDATE 4000 /* a progress update */
#define S_WORDS 40        /* "Saturday 28 February 2027" and room */

static int s_month_days(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return days[m - 1] + (m == 2 && leap);
}

cd_date_t rt_six_month_limit_date(cd_date_t r)
{
    assert(cd_date_valid(r));
    cd_date_t out = {r.m > 6 ? r.y + 1 : r.y, r.m > 6 ? r.m - 6 : r.m + 6, 0};
    assert(out.y <= 9999);
    int last = s_month_days(out.y, out.m);
    out.d = r.d < last ? r.d : last;
    return out;
}

int rt_six_month_limit(const char *received, char out[CD_DATE_LEN + 1])
{
    cd_date_t r;
    if (!received || cd_date_parse(received, &r) != 0 || (r.y == 9999 && r.m > 6))
        return -1;
    cd_date_format(rt_six_month_limit_date(r), out);
    return 0;
}

int rt_response_late(cd_date_t today, cd_date_t agreed_due)
{
    return cd_date_cmp(today, agreed_due) > 0;
}

int rt_six_months_passed(cd_date_t today, cd_date_t received)
{
    return cd_date_cmp(today, rt_six_month_limit_date(received)) > 0;
}

int rt_next_update_due(const cd_calendar_t *cal, cd_date_t from, int cadence,
                       cd_date_t response_due, cd_date_t *out)
{
    assert(cadence >= 0);
    if (cadence == 0)
        return 0;
    cd_date_t next = cd_workdays_add(cal, from, cadence);
    if (cd_date_cmp(next, response_due) >= 0)
        return 0;
    *out = next;
    return 1;
}

/* ---------------------------------------------------------------- checks */

static int s_fail(cd_fail_t *e, cd_code_t code, const char *field, const char *member,
                  const char *msg)
{
    char path[CD_FAIL_FIELD_LEN];
    snprintf(path, sizeof path, "%s%s%s", field, field[0] ? "." : "", member);
    return cd_fail(e, code, path, "%s", msg);
}

/* Free text of 1..max bytes, UTF-8 with no control characters but, when
 * lines, newlines and tabs. */
static int s_text(const char *s, size_t max, int lines, const char *field, const char *member,
                  const char *what, cd_fail_t *e)
{
    char msg[CD_FAIL_MESSAGE_LEN];
    size_t n = s ? strlen(s) : 0;
    if (n == 0) {
        snprintf(msg, sizeof msg, "give %s", what);
        return s_fail(e, CD_CODE_REQUIRED, field, member, msg);
    }
    if (n > max) {
        snprintf(msg, sizeof msg, "%s is at most %zu bytes", what, max);
        return s_fail(e, CD_CODE_TOO_LONG, field, member, msg);
    }
    if (!cd_text_ok(s, n, lines)) {
        snprintf(msg, sizeof msg, "%s is text%s, with no control characters", what,
                 lines ? " (lines allowed)" : " on one line");
        return s_fail(e, CD_CODE_INVALID_ARGUMENT, field, member, msg);
    }
    return 0;
}

/* A date written YYYY-MM-DD, into *d. */
static int s_date(const char *s, cd_date_t *d, const char *field, const char *member,
                  const char *what, cd_fail_t *e)
{
    char msg[CD_FAIL_MESSAGE_LEN];
    if (!s || !*s) {
        snprintf(msg, sizeof msg, "give %s, written YYYY-MM-DD", what);
        return s_fail(e, CD_CODE_REQUIRED, field, member, msg);
    }
    if (cd_date_parse(s, d) != 0) {
        snprintf(msg, sizeof msg, "%s is a date written YYYY-MM-DD", what);
        return s_fail(e, CD_CODE_INVALID_DATE, field, member, msg);
    }
    return 0;
}

int rt_extension_check(cd_date_t current_due, const char *new_due, const char *agreed_by,
                       const char *agreed_on, cd_date_t received, int six_months, cd_date_t today,
                       const char *field, cd_fail_t *e)
{
    cd_date_t due, on;
    char w[S_WORDS], w2[S_WORDS], msg[CD_FAIL_MESSAGE_LEN];
    if (s_date(new_due, &due, field, "new_due", "the new date", e))
        return -1;
    if (cd_date_cmp(due, current_due) <= 0) {
        cd_date_words(current_due, 0, w, sizeof w);
        snprintf(msg, sizeof msg, "the new date must be later than the current one, %s", w);
        return s_fail(e, CD_CODE_INVALID_ARGUMENT, field, "new_due", msg);
    }
    if (cd_date_cmp(due, today) < 0) {
        cd_date_words(due, 0, w, sizeof w);
        snprintf(msg, sizeof msg, "the new date, %s, has already passed", w);
        return s_fail(e, CD_CODE_INVALID_ARGUMENT, field, "new_due", msg);
    }
    if (s_text(agreed_by, S_MAX_WHO, 0, field, "agreed_by",
               "who agreed the new date (the complainant, or their representative)", e) ||
        s_date(agreed_on, &on, field, "agreed_on", "the day the new date was agreed", e))
        return -1;
    if (cd_date_cmp(on, today) > 0)
        return s_fail(e, CD_CODE_DATE_IN_FUTURE, field, "agreed_on",
                      "the day the new date was agreed cannot be in the future");
    if (cd_date_cmp(on, received) < 0) {
        cd_date_words(received, 0, w, sizeof w);
        snprintf(msg, sizeof msg,
                 "the new date cannot have been agreed before the complaint was received, on %s",
                 w);
        return s_fail(e, CD_CODE_INVALID_ARGUMENT, field, "agreed_on", msg);
    }
    cd_date_t limit = rt_six_month_limit_date(received);
    if (six_months && cd_date_cmp(due, limit) > 0 && cd_date_cmp(on, limit) > 0) {
        cd_date_words(limit, 0, w, sizeof w);
        cd_date_words(on, 0, w2, sizeof w2);
        snprintf(msg, sizeof msg,
                 "the six months for the response ended on %s, and a longer period counts only"
                 " if it was agreed before then (this was agreed on %s): the response is late,"
                 " and the complainant must be told why in writing",
                 w, w2);
        return s_fail(e, CD_CODE_FAILED_PRECONDITION, field, "agreed_on", msg);
    }
    return 0;
}

int rt_late_check(const char *reason, const char *expected_by, cd_date_t due, cd_date_t today,
                  const char *field, cd_fail_t *e)
{
    cd_date_t by;
    char w[S_WORDS], msg[CD_FAIL_MESSAGE_LEN];
    if (s_text(reason, S_MAX_REASON, 1, field, "reason", "the reason the response is late", e) ||
        s_date(expected_by, &by, field, "expected_by",
               "the date the complainant can now expect the response", e))
        return -1;
    if (cd_date_cmp(by, today) < 0)
        return s_fail(e, CD_CODE_INVALID_ARGUMENT, field, "expected_by",
                      "the date the response can now be expected has already passed");
    if (cd_date_cmp(by, due) < 0) {
        cd_date_words(due, 0, w, sizeof w);
        snprintf(msg, sizeof msg,
                 "the response was due on %s: the date it can now be expected is not before that",
                 w);
        return s_fail(e, CD_CODE_INVALID_ARGUMENT, field, "expected_by", msg);
    }
    return 0;
}

int rt_progress_text_check(const char *text, const char *field, cd_fail_t *e)
{
    return s_text(text, S_MAX_UPDATE, 1, field, "text", "the update", e);
}
