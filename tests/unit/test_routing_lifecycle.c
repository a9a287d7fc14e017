/* test_routing_lifecycle.c - routing's lifecycle events and its deadlines (R4, R5).
 *
 * The first tests map envelopes to the lifecycle's events, as routing does. The
 * deadline tests give rt_deadlines an instant (from timegm(), not from
 * calendar.c) and a calendar that knows only the rules, and check the dates
 * against ones worked out by hand with a diary open. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "decide.h"

/* ------------------------------------------ envelopes as lifecycle events */

Test(routing_lifecycle, each_step_of_the_happy_path_is_its_lifecycle_event)
{
    cr_assert_eq(rt_lc_event("case.opened", NULL), CD_LC_CASE_OPENED);
    cr_assert_eq(rt_lc_event("investigation.completed", NULL), CD_LC_INVESTIGATION_COMPLETED);
    cr_assert_eq(rt_lc_event("response.approved", NULL), CD_LC_RESPONSE_APPROVED);
    cr_assert_eq(rt_lc_event("letter.sent", "final-response"), CD_LC_RESPONSE_SENT);
    cr_assert_eq(rt_lc_event("complaint.withdrawn", NULL), CD_LC_WITHDRAWN);
}

Test(routing_lifecycle, R4_only_the_acknowledgement_letter_acknowledges)
{
    cr_assert_eq(rt_lc_event("letter.sent", "acknowledgement"), CD_LC_ACKNOWLEDGED);
    cr_assert_eq(rt_lc_event("letter.sent", "triage-outcome"), CD_LC_EVENT_COUNT);
    cr_assert_eq(rt_lc_event("letter.sent", NULL), CD_LC_EVENT_COUNT);
    cr_assert_eq(rt_lc_event("letter.sent", ""), CD_LC_EVENT_COUNT);
}

Test(routing_lifecycle, unknown_events_stand_for_no_lifecycle_event)
{
    cr_assert_eq(rt_lc_event("complaint.deleted", NULL), CD_LC_EVENT_COUNT);
    cr_assert_eq(rt_lc_event("", NULL), CD_LC_EVENT_COUNT);
    cr_assert_eq(rt_lc_event("Case.Opened", NULL), CD_LC_EVENT_COUNT);
    cr_assert_eq(rt_lc_event("case.opened", "acknowledgement"), CD_LC_CASE_OPENED,
                 "a kind on an event that has none does not matter");
}

/* ------------------------------------------------------------ deadlines */

/* Unix seconds of a UTC wall-clock time, by the C library. */
static int64_t s_utc(int y, int mo, int d, int h, int mi)
{
    struct tm tm = {
        .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
    return (int64_t)timegm(&tm);
}

static void s_assert_date(cd_date_t got, int y, int m, int d, const char *what)
{
    cr_assert(got.y == y && got.m == m && got.d == d, "%s: got %04d-%02d-%02d, want %04d-%02d-%02d",
              what, got.y, got.m, got.d, y, m, d);
}

static cd_calendar_t *s_cal;

static void s_setup(void)
{
    s_cal = cd_calendar_new();
    cr_assert_not_null(s_cal);
}

static void s_teardown(void)
{
    cd_calendar_destroy(&s_cal);
}

Test(routing_lifecycle, R4_worked_example_received_fri_16_sep_2022_is_due_thu_22_sep,
     .init = s_setup, .fini = s_teardown)
{
    /* Mon 19 Sep 2022 was the bank holiday for the Queen's state funeral. */
    cd_date_t ack, resp;
    rt_deadlines(s_cal, s_utc(2022, 9, 16, 9, 15), 25, &ack, &resp);
    s_assert_date(ack, 2022, 9, 22, "acknowledgement");
}

Test(routing_lifecycle, R4_acknowledgement_is_the_third_working_day_after_receipt, .init = s_setup,
     .fini = s_teardown)
{
    /* Received Tue 5 Mar 2024: Wed 6, Thu 7, Fri 8. The day of receipt never counts. */
    cd_date_t ack, resp;
    rt_deadlines(s_cal, s_utc(2024, 3, 5, 10, 0), 25, &ack, &resp);
    s_assert_date(ack, 2024, 3, 8, "acknowledgement");
    /* Received Wed 6 Mar: Thu 7, Fri 8, Mon 11 (the weekend does not count). */
    rt_deadlines(s_cal, s_utc(2024, 3, 6, 10, 0), 25, &ack, &resp);
    s_assert_date(ack, 2024, 3, 11, "acknowledgement");
}

Test(routing_lifecycle, R4_receipt_at_a_weekend_counts_from_the_next_working_day, .init = s_setup,
     .fini = s_teardown)
{
    /* Sat 9 Mar 2024: Mon 11, Tue 12, Wed 13. */
    cd_date_t ack, resp;
    rt_deadlines(s_cal, s_utc(2024, 3, 9, 12, 0), 25, &ack, &resp);
    s_assert_date(ack, 2024, 3, 13, "acknowledgement");
}

Test(routing_lifecycle, R4_received_2330_london_on_a_friday_counts_from_that_friday,
     .init = s_setup, .fini = s_teardown)
{
    /* In summer 23:30 BST is 22:30 UTC; in winter 23:30 GMT is 23:30 UTC. Both
     * are still Friday, so the clock starts then, not on Monday. */
    cd_date_t ack, resp;
    rt_deadlines(s_cal, s_utc(2023, 7, 7, 22, 30), 25, &ack, &resp);   /* Fri 7 Jul 2023 */
    s_assert_date(ack, 2023, 7, 12, "summer Friday 23:30 BST");        /* Mon 10, Tue 11, Wed 12 */
    rt_deadlines(s_cal, s_utc(2023, 11, 10, 23, 30), 25, &ack, &resp); /* Fri 10 Nov 2023 */
    s_assert_date(ack, 2023, 11, 15, "winter Friday 23:30 GMT");       /* Mon 13, Tue 14, Wed 15 */
}

Test(routing_lifecycle, R4_the_day_of_receipt_is_the_london_day_not_the_utc_day, .init = s_setup,
     .fini = s_teardown)
{
    /* 23:30 UTC on Thu 6 Jul 2023 is 00:30 BST on Fri 7 Jul: received on the
     * Friday, so due Wed 12 Jul; counting from the UTC Thursday would give Tue 11. */
    cd_date_t ack, resp;
    rt_deadlines(s_cal, s_utc(2023, 7, 6, 23, 30), 25, &ack, &resp);
    s_assert_date(ack, 2023, 7, 12, "00:30 BST Friday");
}

Test(routing_lifecycle, R4_acknowledgement_over_christmas_skips_christmas_and_boxing_day,
     .init = s_setup, .fini = s_teardown)
{
    /* Fri 22 Dec 2023: Mon 25 and Tue 26 are holidays; Wed 27, Thu 28, Fri 29. */
    cd_date_t ack, resp;
    rt_deadlines(s_cal, s_utc(2023, 12, 22, 11, 0), 25, &ack, &resp);
    s_assert_date(ack, 2023, 12, 29, "acknowledgement");
}

Test(routing_lifecycle, R5_response_period_is_counted_in_working_days_over_christmas,
     .init = s_setup, .fini = s_teardown)
{
    /* Received Mon 18 Dec 2023, 25 working days: Tue 19 - Fri 22 (4), Wed 27 -
     * Fri 29 (7), Tue 2 - Fri 5 Jan 2024 (11; Mon 1 Jan is New Year's Day),
     * 8-12 Jan (16), 15-19 (21), Mon 22 - Thu 25 Jan (25). */
    cd_date_t ack, resp;
    rt_deadlines(s_cal, s_utc(2023, 12, 18, 14, 0), 25, &ack, &resp);
    s_assert_date(ack, 2023, 12, 21, "acknowledgement");
    s_assert_date(resp, 2024, 1, 25, "response (25 working days)");
}

Test(routing_lifecycle, R5_response_period_is_configurable, .init = s_setup, .fini = s_teardown)
{
    /* Same receipt, 40 working days: 25 reach Thu 25 Jan 2024; Fri 26 (26),
     * 29 Jan - 2 Feb (31), 5-9 Feb (36), Mon 12 - Thu 15 Feb (40). */
    cd_date_t ack, resp;
    rt_deadlines(s_cal, s_utc(2023, 12, 18, 14, 0), 40, &ack, &resp);
    s_assert_date(ack, 2023, 12, 21, "acknowledgement does not depend on the period");
    s_assert_date(resp, 2024, 2, 15, "response (40 working days)");
}

Test(routing_lifecycle, R5_response_period_over_easter_skips_good_friday_and_easter_monday,
     .init = s_setup, .fini = s_teardown)
{
    /* Received Thu 28 Mar 2024; Good Friday 29 Mar and Easter Monday 1 Apr.
     * 5 working days: Tue 2, Wed 3, Thu 4, Fri 5, Mon 8 Apr. */
    cd_date_t ack, resp;
    rt_deadlines(s_cal, s_utc(2024, 3, 28, 9, 0), 5, &ack, &resp);
    s_assert_date(ack, 2024, 4, 4, "acknowledgement");
    s_assert_date(resp, 2024, 4, 8, "response (5 working days)");
}
