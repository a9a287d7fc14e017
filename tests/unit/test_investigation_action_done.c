/* test_investigation_action_done.c - MarkActionDone's rules (findings.h:
 * iv_action_done_check, iv_action_done_ok; V5, issue 15 L1/L2): an action
 * agreed with the findings is done on a day, after the response too. */
#include <criterion/criterion.h>
#include <string.h>

#include "findings.h"

static const cd_date_t s_today = {2026, 3, 10};

static void s_expect_fail(int rc, const cd_fail_t *f, cd_code_t code, const char *field)
{
    cr_expect_eq(rc, -1);
    cr_expect_eq(f->code, code, "%s: %s", f->field, f->message);
    cr_expect_str_eq(f->field, field);
}

Test(investigation_action_done, a_day_done_not_after_today_for_an_action_numbered_from_1)
{
    cd_fail_t f = {0};
    cr_expect_eq(iv_action_done_check(1, "2026-03-10", s_today, "mark_action_done", &f), 0);
    cr_expect_eq(iv_action_done_check(3, "2025-12-01", s_today, "mark_action_done", &f), 0);
    s_expect_fail(iv_action_done_check(0, "2026-03-01", s_today, "mark_action_done", &f), &f,
                  CD_CODE_OUT_OF_RANGE, "mark_action_done.number");
    s_expect_fail(iv_action_done_check(1, "", s_today, "mark_action_done", &f), &f,
                  CD_CODE_REQUIRED, "mark_action_done.done_on");
    s_expect_fail(iv_action_done_check(1, "2026-02-30", s_today, "mark_action_done", &f), &f,
                  CD_CODE_INVALID_DATE, "mark_action_done.done_on");
    s_expect_fail(iv_action_done_check(1, "2026-03-11", s_today, "mark_action_done", &f), &f,
                  CD_CODE_DATE_IN_FUTURE, "mark_action_done.done_on");
}

Test(investigation_action_done, the_action_must_be_the_cases_and_not_done_already)
{
    cd_fail_t f = {0};
    cr_expect_eq(iv_action_done_ok(1, 0, "", "mark_action_done", &f), 0);
    s_expect_fail(iv_action_done_ok(0, 0, "", "mark_action_done", &f), &f, CD_CODE_NOT_FOUND,
                  "mark_action_done.number");
    s_expect_fail(iv_action_done_ok(1, 1, "2026-02-01", "mark_action_done", &f), &f,
                  CD_CODE_FAILED_PRECONDITION, "mark_action_done.number");
    cr_expect(strstr(f.message, "2026-02-01"), "%s", f.message);
}
