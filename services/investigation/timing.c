/* timing.c - R5: the response's clocks (see timing.h): the six-month limit
 * (Regs reg. 14), lateness, the next progress update and a new agreed
 * response date. Pure: arguments in, a verdict out. */
#include "timing.h"

#include <assert.h>

#include "casework.h"
#include "rules_util.h"

#define IV_MAX_CADENCE 366 /* days between updates */

static int s_month_days(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return days[m - 1] + (m == 2 && leap);
}

cd_date_t iv_six_month_limit_date(cd_date_t r)
{
    assert(cd_date_valid(r));
    cd_date_t out = {r.m > 6 ? r.y + 1 : r.y, r.m > 6 ? r.m - 6 : r.m + 6, 0};
    assert(out.y <= 9999);
    int last = s_month_days(out.y, out.m);
    out.d = r.d < last ? r.d : last;
    return out;
}

int iv_six_month_limit(const char *received, char out[CD_DATE_LEN + 1])
{
    cd_date_t r;
    if (cd_date_parse(received, &r) != 0 || (r.y == 9999 && r.m > 6))
        return -1;
    cd_date_format(iv_six_month_limit_date(r), out);
    return 0;
}

int iv_response_late(cd_date_t today, cd_date_t agreed_due)
{
    return cd_date_cmp(today, agreed_due) > 0;
}

int iv_six_months_passed(cd_date_t today, cd_date_t received)
{
    return cd_date_cmp(today, iv_six_month_limit_date(received)) > 0;
}

int iv_next_update_due(cd_date_t last, int cadence_days, cd_date_t *out)
{
    assert(cadence_days >= 0 && cadence_days <= IV_MAX_CADENCE);
    if (cadence_days == 0)
        return 0;
    *out = cd_date_add_days(last, cadence_days);
    return 1;
}

int iv_extension_check(cd_date_t current_due, const char *new_due, const char *agreed_by,
                       const char *agreed_on, cd_date_t received, cd_date_t today,
                       const char *field, cd_fail_t *e)
{
    cd_date_t due, on;
    char w[IV_LONG_DATE_LEN], w2[IV_LONG_DATE_LEN];
    if (s_date(new_due, NULL, &due, field, "new_due", "the new response date", e))
        return -1;
    if (cd_date_cmp(due, current_due) <= 0) {
        iv_date_words(current_due, w);
        return s_fail(e, CD_CODE_INVALID_ARGUMENT, field, "new_due",
                      "the new response date must be later than the current one, %s", w);
    }
    if (cd_date_cmp(due, today) < 0) {
        iv_date_words(due, w);
        return s_fail(e, CD_CODE_INVALID_ARGUMENT, field, "new_due",
                      "the new response date, %s, has already passed", w);
    }
    if (s_text(agreed_by, IV_MAX_NAME, 0, 0, field, "agreed_by",
               "who agreed the new date for the complainant", e) ||
        s_date(agreed_on, &today, &on, field, "agreed_on", "the date the new date was agreed", e))
        return -1;
    if (cd_date_cmp(on, received) < 0) {
        iv_date_words(received, w);
        return s_fail(e, CD_CODE_INVALID_ARGUMENT, field, "agreed_on",
                      "the new date cannot have been agreed before the complaint was received,"
                      " on %s",
                      w);
    }
    cd_date_t limit = iv_six_month_limit_date(received);
    if (cd_date_cmp(due, limit) > 0 && cd_date_cmp(on, limit) > 0) {
        iv_date_words(limit, w);
        iv_date_words(on, w2);
        return s_fail(e, CD_CODE_FAILED_PRECONDITION, field, "agreed_on",
                      "the six months for the response ended on %s, and a longer period counts"
                      " only if it was agreed before then (this was agreed on %s): the response"
                      " is late, and the complainant must be told why in writing",
                      w, w2);
    }
    return 0;
}
