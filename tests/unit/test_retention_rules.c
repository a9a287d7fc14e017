/* test_retention_rules.c - complaint records are kept 10 years after
 * closure, or a body's longer policy, then are due for disposal (NHS Records
 * Management Code of Practice; services/candourctl/retention_rules.c). */
#include <criterion/criterion.h>

#include "../../services/candourctl/retention_rules.c"

static ret_date_t s_d(const char *s)
{
    ret_date_t d;
    cr_assert_eq(ret_date_parse(s, &d), 0, "%s", s);
    return d;
}

static void s_due_is(const char *closed, int years, const char *want)
{
    ret_date_t due;
    cr_assert_eq(ret_due_on(s_d(closed), years, &due), 0);
    cr_assert_eq(ret_date_cmp(due, s_d(want)), 0, "closed %s + %d years: %04d-%02d-%02d, not %s",
                 closed, years, due.y, due.m, due.d, want);
}

Test(retention_rules, records_are_due_ten_years_after_closure_to_the_day)
{
    s_due_is("2014-03-17", RET_DEFAULT_YEARS, "2024-03-17");
    cr_assert_eq(ret_is_due(s_d("2014-03-17"), 10, s_d("2024-03-16")), 0, "a day early");
    cr_assert_eq(ret_is_due(s_d("2014-03-17"), 10, s_d("2024-03-17")), 1, "on the day");
    cr_assert_eq(ret_is_due(s_d("2014-03-17"), 10, s_d("2031-01-01")), 1, "long after");
}

Test(retention_rules, closed_on_29_february_is_due_on_28_february_ten_years_on)
{
    s_due_is("2016-02-29", 10, "2026-02-28");  /* 2026 has no 29 February */
    s_due_is("2016-02-29", 8, "2024-02-29");   /* 2024 has one */
    s_due_is("2000-02-29", 100, "2100-02-28"); /* 2100 is not a leap year */
    cr_assert_eq(ret_is_due(s_d("2016-02-29"), 10, s_d("2026-02-27")), 0);
    cr_assert_eq(ret_is_due(s_d("2016-02-29"), 10, s_d("2026-02-28")), 1);
}

Test(retention_rules, a_body_keeping_records_longer_is_not_due_at_ten_years)
{
    ret_date_t closed = s_d("2014-06-01"), today = s_d("2025-06-01");
    cr_assert_eq(ret_is_due(closed, 10, today), 1);
    cr_assert_eq(ret_is_due(closed, 20, today), 0);
    s_due_is("2014-06-01", 20, "2034-06-01");
}

Test(retention_rules, a_policy_outside_1_to_100_years_or_a_bad_date_is_refused)
{
    ret_date_t due, d = s_d("2014-06-01");
    cr_assert_eq(ret_due_on(d, 0, &due), -1);
    cr_assert_eq(ret_due_on(d, RET_MAX_YEARS + 1, &due), -1);
    cr_assert_eq(ret_is_due(d, -3, d), -1);
    cr_assert_eq(ret_date_parse("2015-02-29", &d), -1, "2015 has no 29 February");
    cr_assert_eq(ret_date_parse("2014-13-01", &d), -1);
    cr_assert_eq(ret_date_parse("2014-06-01x", &d), -1);
    cr_assert_eq(ret_date_parse("", &d), -1);
}
