/* benchmark_return.c - the rules of a benchmarking return (benchmark_return.h). */
#include "candour/benchmark_return.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "candour/calendar.h"
#include "candour/util.h"

static const char *const s_names[CD_BR_NFIELDS] = {
    [CD_BR_RECEIVED] = "received",
    [CD_BR_ACKNOWLEDGED] = "acknowledged_in_3_days",
    [CD_BR_CLOSED] = "closed",
    [CD_BR_RESPONDED_IN_TIME] = "responded_in_time",
    [CD_BR_EXTENDED] = "extended",
    [CD_BR_UPHELD] = "upheld",
    [CD_BR_PARTIALLY_UPHELD] = "partially_upheld",
    [CD_BR_OMBUDSMAN_REFERRED] = "ombudsman_referred",
    [CD_BR_OMBUDSMAN_UPHELD] = "ombudsman_upheld",
    [CD_BR_MEDIAN] = "median_days_to_response",
};

static int s_fail(cd_fail_t *f, cd_code_t code, const char *prefix, const char *field,
                  const char *msg)
{
    char path[CD_FAIL_FIELD_LEN];
    snprintf(path, sizeof path, "%s%s", prefix ? prefix : "", field);
    return cd_fail(f, code, path, "%s", msg);
}

int cd_br_figures_check(const cd_br_figures_t *b, const char *prefix,
                        const char *const names[CD_BR_NFIELDS], cd_fail_t *f)
{
    assert(b && f);
    if (!names)
        names = s_names;
    for (int i = 0; i < CD_BR_NCOUNTS; i++)
        if (b->n[i] < 0 || b->n[i] > CD_BR_COUNT_MAX)
            return s_fail(f, CD_CODE_OUT_OF_RANGE, prefix, names[i],
                          b->n[i] < 0 ? "a number of complaints cannot be negative"
                                      : "more than 100,000,000 complaints");
    const long *n = b->n;
    /* A part not over its whole: the first such part is named. Upheld in
     * part counts with upheld wholly against closed; the part named is the
     * one that tips it over. */
    const struct {
        cd_br_field_t part;
        long p, whole;
        const char *msg;
    } parts[] = {
        {CD_BR_ACKNOWLEDGED, n[CD_BR_ACKNOWLEDGED], n[CD_BR_RECEIVED],
         "more acknowledged than received"},
        {CD_BR_RESPONDED_IN_TIME, n[CD_BR_RESPONDED_IN_TIME], n[CD_BR_CLOSED],
         "more responded to in time than closed"},
        {CD_BR_EXTENDED, n[CD_BR_EXTENDED], n[CD_BR_CLOSED], "more extended than closed"},
        {CD_BR_UPHELD, n[CD_BR_UPHELD], n[CD_BR_CLOSED], "more upheld than closed"},
        {CD_BR_PARTIALLY_UPHELD, n[CD_BR_UPHELD] + n[CD_BR_PARTIALLY_UPHELD], n[CD_BR_CLOSED],
         "more upheld wholly or in part than closed"},
        {CD_BR_OMBUDSMAN_REFERRED, n[CD_BR_OMBUDSMAN_REFERRED], n[CD_BR_CLOSED],
         "more referred to the Ombudsman than closed"},
        {CD_BR_OMBUDSMAN_UPHELD, n[CD_BR_OMBUDSMAN_UPHELD], n[CD_BR_OMBUDSMAN_REFERRED],
         "more upheld by the Ombudsman than referred to it"},
    };
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        if (parts[i].p > parts[i].whole)
            return s_fail(f, CD_CODE_INVALID_ARGUMENT, prefix, names[parts[i].part], parts[i].msg);
    if (n[CD_BR_CLOSED] > 0 && !b->has_median)
        return s_fail(f, CD_CODE_REQUIRED, prefix, names[CD_BR_MEDIAN],
                      "the median working days to response of the complaints closed");
    if (n[CD_BR_CLOSED] == 0 && b->has_median)
        return s_fail(f, CD_CODE_INVALID_ARGUMENT, prefix, names[CD_BR_MEDIAN],
                      "a median with no complaint closed");
    if (b->has_median && (!isfinite(b->median_days) || b->median_days < 0))
        return s_fail(f, CD_CODE_OUT_OF_RANGE, prefix, names[CD_BR_MEDIAN],
                      "working days cannot be negative");
    return 0;
}

cd_br_figures_t cd_br_figures_of(const Candour__V1__BenchmarkReturn *r)
{
    assert(r);
    cd_br_figures_t b = {.median_days = r->median_days_to_response};
    b.n[CD_BR_RECEIVED] = r->received;
    b.n[CD_BR_ACKNOWLEDGED] = r->acknowledged_in_3_days;
    b.n[CD_BR_CLOSED] = r->closed;
    b.n[CD_BR_RESPONDED_IN_TIME] = r->responded_in_time;
    b.n[CD_BR_EXTENDED] = r->extended;
    b.n[CD_BR_UPHELD] = r->upheld;
    b.n[CD_BR_PARTIALLY_UPHELD] = r->partially_upheld;
    b.n[CD_BR_OMBUDSMAN_REFERRED] = r->ombudsman_referred;
    b.n[CD_BR_OMBUDSMAN_UPHELD] = r->ombudsman_upheld;
    /* proto3 has no "not given" for a double: 0 with none closed is none. */
    b.has_median = r->closed > 0 || r->median_days_to_response != 0;
    return b;
}

int cd_br_return_check(const Candour__V1__BenchmarkReturn *r, int32_t today, const char *prefix,
                       cd_fail_t *f)
{
    assert(f);
    char pre[CD_FAIL_FIELD_LEN];
    snprintf(pre, sizeof pre, "%s", prefix ? prefix : "");
    if (!r) {
        size_t len = strlen(pre);
        if (len && pre[len - 1] == '.')
            pre[len - 1] = 0;
        return cd_fail(f, CD_CODE_REQUIRED, pre, "give the return: its period and figures");
    }
    cd_date_t from, to;
    if (cd_date_parse(r->period_from, &from) != 0)
        return s_fail(f, CD_CODE_INVALID_DATE, pre, "period_from",
                      "the period's first day, written like 2026-04-01");
    if (cd_date_parse(r->period_to, &to) != 0)
        return s_fail(f, CD_CODE_INVALID_DATE, pre, "period_to",
                      "the period's last day, written like 2026-06-30");
    if (cd_date_to_days(to) < cd_date_to_days(from))
        return s_fail(f, CD_CODE_INVALID_ARGUMENT, pre, "period_to",
                      "the period ends before it starts");
    if (cd_date_to_days(to) > today)
        return s_fail(f, CD_CODE_DATE_IN_FUTURE, pre, "period_to",
                      "a return is for a period that has ended (or ends today)");
    size_t len = strlen(r->submitted_by);
    if (len == 0)
        return s_fail(f, CD_CODE_REQUIRED, pre, "submitted_by",
                      "who sends the return: a job title, not a name");
    if (len > CD_BR_MAX_TITLE)
        return s_fail(f, CD_CODE_TOO_LONG, pre, "submitted_by", "a job title of 200 bytes at most");
    if (!cd_text_ok(r->submitted_by, len, 0))
        return s_fail(f, CD_CODE_INVALID_TEXT, pre, "submitted_by",
                      "must be UTF-8 text without control characters");
    cd_br_figures_t b = cd_br_figures_of(r);
    return cd_br_figures_check(&b, pre, NULL, f);
}
