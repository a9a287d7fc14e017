/* test_routing_timing.c - the clocks of the response (R5, Regs reg. 14):
 * the six-month limit, lateness, the cadence of progress updates, a new
 * agreed date, and the late-response explanation. Each test states one
 * rule, both ways where it can.
 *
 * Today is Wednesday 25 November 2026 unless a test says otherwise. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "candour/calendar.h"
#include "timing.h"

static const cd_date_t s_today = {2026, 11, 25};

static cd_date_t s_d(const char *ymd)
{
    cd_date_t d;
    cr_assert_eq(cd_date_parse(ymd, &d), 0, "%s", ymd);
    return d;
}

#define EXPECT_FAIL(rc, e, code_name, field_path)                                                  \
    do {                                                                                           \
        cr_assert_eq((rc), -1, "accepted; wanted %s on %s", code_name, field_path);                \
        cr_assert_str_eq(cd_code_name((e).code), code_name, "code (on %s: %s)", (e).field,         \
                         (e).message);                                                             \
        cr_assert_str_eq((e).field, field_path, "field (%s)", (e).message);                        \
        cr_assert((e).message[0], "no message");                                                   \
    } while (0)

#define EXPECT_OK(rc, e)                                                                           \
    cr_assert_eq((rc), 0, "refused: %s on %s: %s", cd_code_name((e).code), (e).field, (e).message)

static void s_limit(const char *received, const char *want)
{
    char out[CD_DATE_LEN + 1] = "";
    cr_assert_eq(rt_six_month_limit(received, out), 0, "%s", received);
    cr_assert_str_eq(out, want, "six months after %s", received);
}

Test(routing_timing, R5_six_months_after_31_august_is_the_end_of_february)
{
    s_limit("2026-08-31", "2027-02-28");
    s_limit("2027-08-31", "2028-02-29");
    s_limit("2026-12-31", "2027-06-30");
    s_limit("2026-03-31", "2026-09-30");
}

Test(routing_timing, R5_six_months_after_29_february_2028_is_29_august)
{
    s_limit("2028-02-29", "2028-08-29");
    s_limit("2026-03-15", "2026-09-15");
    s_limit("2026-07-01", "2027-01-01");
    s_limit("2026-06-30", "2026-12-30");
}

Test(routing_timing, R5_the_six_month_limit_of_text_that_is_no_date_is_refused)
{
    char out[CD_DATE_LEN + 1] = "untouched";
    cr_assert_eq(rt_six_month_limit("2026-02-30", out), -1);
    cr_assert_eq(rt_six_month_limit("", out), -1);
    cr_assert_eq(rt_six_month_limit(NULL, out), -1);
    cr_assert_eq(rt_six_month_limit("9999-07-01", out), -1, "beyond the calendar");
    cr_assert_str_eq(out, "untouched");
    s_limit("9999-06-30", "9999-12-30");
}

Test(routing_timing, R5_a_response_sent_on_its_due_date_is_not_late)
{
    cr_assert_not(rt_response_late(s_d("2026-12-04"), s_d("2026-12-04")));
    cr_assert_not(rt_response_late(s_d("2026-12-03"), s_d("2026-12-04")));
    cr_assert(rt_response_late(s_d("2026-12-05"), s_d("2026-12-04")));
}

Test(routing_timing, R5_six_months_have_passed_the_day_after_the_limit)
{
    cd_date_t received = s_d("2026-08-31");
    cr_assert_not(rt_six_months_passed(s_d("2027-02-28"), received));
    cr_assert(rt_six_months_passed(s_d("2027-03-01"), received));
}

Test(routing_timing, R5_updates_fall_due_every_cadence_working_days_until_the_response)
{
    cd_calendar_t *cal = cd_calendar_new();
    cd_date_t next = {0};
    /* Wed 25 Nov 2026 + 10 working days = Wed 9 Dec. */
    cr_assert_eq(rt_next_update_due(cal, s_d("2026-11-25"), 10, s_d("2027-01-20"), &next), 1);
    cr_assert_eq(cd_date_cmp(next, s_d("2026-12-09")), 0);
    /* Across Christmas: Fri 18 Dec + 5 working days are 21, 22, 23, 24 and
     * 29 December (the 25th, the 28th as Boxing Day's substitute, and the
     * weekend are not working days). */
    cr_assert_eq(rt_next_update_due(cal, s_d("2026-12-18"), 5, s_d("2027-02-01"), &next), 1);
    cr_assert_eq(cd_date_cmp(next, s_d("2026-12-29")), 0, "bank holidays are not working days");
    /* None when the response comes first, or no cadence is set. */
    cd_date_t untouched = {1, 1, 1};
    cr_assert_eq(rt_next_update_due(cal, s_d("2026-11-25"), 10, s_d("2026-12-09"), &untouched), 0);
    cr_assert_eq(rt_next_update_due(cal, s_d("2026-11-25"), 0, s_d("2027-12-09"), &untouched), 0);
    cr_assert_eq(untouched.y, 1);
    cd_calendar_destroy(&cal);
}

Test(routing_timing, R5_an_extension_agreed_and_recorded_is_accepted)
{
    cd_fail_t e = {0};
    EXPECT_OK(rt_extension_check(s_d("2026-12-04"), "2027-01-15", "Mrs A (the complainant)",
                                 "2026-11-20", s_d("2026-10-01"), 1, s_today, "extend", &e),
              e);
}

Test(routing_timing, R5_an_extension_is_to_a_later_date_not_yet_passed)
{
    cd_fail_t e = {0};
    EXPECT_FAIL(rt_extension_check(s_d("2026-12-04"), "2026-12-04", "Mrs A", "2026-11-20",
                                   s_d("2026-10-01"), 1, s_today, "extend", &e),
                e, "INVALID_ARGUMENT", "extend.new_due");
    cr_assert(strstr(e.message, "4 December 2026"), "%s", e.message);
    EXPECT_FAIL(rt_extension_check(s_d("2026-11-01"), "2026-11-20", "Mrs A", "2026-11-20",
                                   s_d("2026-10-01"), 1, s_today, "extend", &e),
                e, "INVALID_ARGUMENT", "extend.new_due");
    EXPECT_FAIL(rt_extension_check(s_d("2026-12-04"), "soon", "Mrs A", "2026-11-20",
                                   s_d("2026-10-01"), 1, s_today, "extend", &e),
                e, "INVALID_DATE", "extend.new_due");
    EXPECT_FAIL(rt_extension_check(s_d("2026-12-04"), "", "Mrs A", "2026-11-20", s_d("2026-10-01"),
                                   1, s_today, "extend", &e),
                e, "REQUIRED", "extend.new_due");
}

Test(routing_timing, R5_an_extension_records_who_agreed_it_and_when)
{
    cd_fail_t e = {0};
    EXPECT_FAIL(rt_extension_check(s_d("2026-12-04"), "2027-01-15", "", "2026-11-20",
                                   s_d("2026-10-01"), 1, s_today, "extend", &e),
                e, "REQUIRED", "extend.agreed_by");
    EXPECT_FAIL(rt_extension_check(s_d("2026-12-04"), "2027-01-15", "Mrs A\nB", "2026-11-20",
                                   s_d("2026-10-01"), 1, s_today, "extend", &e),
                e, "INVALID_ARGUMENT", "extend.agreed_by");
    EXPECT_FAIL(rt_extension_check(s_d("2026-12-04"), "2027-01-15", "Mrs A", "", s_d("2026-10-01"),
                                   1, s_today, "extend", &e),
                e, "REQUIRED", "extend.agreed_on");
    EXPECT_FAIL(rt_extension_check(s_d("2026-12-04"), "2027-01-15", "Mrs A", "2026-11-26",
                                   s_d("2026-10-01"), 1, s_today, "extend", &e),
                e, "DATE_IN_FUTURE", "extend.agreed_on");
    EXPECT_FAIL(rt_extension_check(s_d("2026-12-04"), "2027-01-15", "Mrs A", "2026-09-30",
                                   s_d("2026-10-01"), 1, s_today, "extend", &e),
                e, "INVALID_ARGUMENT", "extend.agreed_on");
}

Test(routing_timing, R5_beyond_six_months_an_extension_must_be_agreed_before_they_end)
{
    /* Received 31 Aug 2026: six months end 28 Feb 2027. */
    cd_fail_t e = {0};
    cd_date_t received = s_d("2026-08-31"), today = s_d("2027-03-10");
    EXPECT_OK(rt_extension_check(s_d("2027-02-20"), "2027-04-30", "Mrs A", "2027-02-28", received,
                                 1, today, "extend", &e),
              e);
    EXPECT_FAIL(rt_extension_check(s_d("2027-02-20"), "2027-04-30", "Mrs A", "2027-03-01", received,
                                   1, today, "extend", &e),
                e, "FAILED_PRECONDITION", "extend.agreed_on");
    cr_assert(strstr(e.message, "28 February 2027"), "%s", e.message);
    /* An extension within the six months needs nothing more. */
    EXPECT_OK(rt_extension_check(s_d("2027-01-20"), "2027-02-27", "Mrs A", "2027-02-01", received,
                                 1, s_d("2027-02-01"), "extend", &e),
              e);
    /* The six months are the response's: another deadline is not held to them. */
    EXPECT_OK(rt_extension_check(s_d("2027-02-20"), "2027-04-30", "Mrs A", "2027-03-01", received,
                                 0, today, "extend", &e),
              e);
}

Test(routing_timing, R5_a_late_response_is_explained_with_a_date_still_to_come)
{
    cd_fail_t e = {0};
    cd_date_t due = s_d("2026-11-20");
    EXPECT_OK(rt_late_check("We are waiting for an independent clinical opinion.", "2026-12-18",
                            due, s_today, "explain", &e),
              e);
    EXPECT_OK(rt_late_check("Two reasons:\n- leave\n- records", "2026-11-25", due, s_today,
                            "explain", &e),
              e);
    EXPECT_FAIL(rt_late_check("", "2026-12-18", due, s_today, "explain", &e), e, "REQUIRED",
                "explain.reason");
    EXPECT_FAIL(rt_late_check("why", "", due, s_today, "explain", &e), e, "REQUIRED",
                "explain.expected_by");
    EXPECT_FAIL(rt_late_check("why", "18/12/2026", due, s_today, "explain", &e), e, "INVALID_DATE",
                "explain.expected_by");
    EXPECT_FAIL(rt_late_check("why", "2026-11-24", due, s_today, "explain", &e), e,
                "INVALID_ARGUMENT", "explain.expected_by");
    /* Explained ahead of time: not a date before the one it explains. */
    EXPECT_FAIL(rt_late_check("why", "2026-12-01", s_d("2026-12-04"), s_today, "explain", &e), e,
                "INVALID_ARGUMENT", "explain.expected_by");
    char *big = malloc(1002);
    memset(big, 'a', 1001);
    big[1001] = 0;
    EXPECT_FAIL(rt_late_check(big, "2026-12-18", due, s_today, "explain", &e), e, "TOO_LONG",
                "explain.reason");
    free(big);
}

Test(routing_timing, R5_a_progress_update_is_plain_text_of_a_bounded_length)
{
    cd_fail_t e = {0};
    EXPECT_OK(rt_progress_text_check("We have spoken to the ward.\nNext: the records.", "p", &e),
              e);
    EXPECT_FAIL(rt_progress_text_check("", "p", &e), e, "REQUIRED", "p.text");
    EXPECT_FAIL(rt_progress_text_check("bell\a", "p", &e), e, "INVALID_ARGUMENT", "p.text");
    char *big = malloc(4002);
    memset(big, 'a', 4001);
    big[4001] = 0;
    EXPECT_FAIL(rt_progress_text_check(big, "p", &e), e, "TOO_LONG", "p.text");
    free(big);
}
