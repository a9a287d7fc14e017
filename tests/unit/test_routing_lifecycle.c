/* test_routing_lifecycle.c - routing's state table and its deadlines (R4, R5).
 *
 * The table tests read it through rt_transition, the way routing does. The
 * deadline tests give rt_deadlines an instant (from timegm(), not from
 * calendar.c) and a calendar that knows only the rules, and check the dates
 * against ones worked out by hand with a diary open. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lifecycle.h"

/* ----------------------------------------------------------- the table */

static const struct {
    const char *event;
    const char *kind;
    const char *state;
    int stage;
} s_happy_path[] = {
    {"complaint.received", NULL, "received", 1},
    {"case.opened", NULL, "under-investigation", 2},
    {"investigation.completed", NULL, "awaiting-sign-off", 3},
    {"response.approved", NULL, "response-approved", 4},
    {"letter.sent", "final-response", "response-sent", 5},
};

Test(routing_lifecycle, each_event_of_the_happy_path_gives_its_state_and_stage)
{
    for (size_t i = 0; i < sizeof s_happy_path / sizeof s_happy_path[0]; i++) {
        const rt_transition_t *t = rt_transition(s_happy_path[i].event, s_happy_path[i].kind);
        cr_assert_not_null(t, "%s ignored", s_happy_path[i].event);
        cr_assert_str_eq(t->event, s_happy_path[i].event);
        cr_assert_not_null(t->state, "%s changes no state", s_happy_path[i].event);
        cr_assert_str_eq(t->state, s_happy_path[i].state, "state after %s", s_happy_path[i].event);
        cr_assert_eq(t->stage, s_happy_path[i].stage, "stage after %s", s_happy_path[i].event);
    }
}

Test(routing_lifecycle, stages_strictly_increase_along_the_happy_path)
{
    int last = 0;
    for (size_t i = 0; i < sizeof s_happy_path / sizeof s_happy_path[0]; i++) {
        const rt_transition_t *t = rt_transition(s_happy_path[i].event, s_happy_path[i].kind);
        cr_assert_not_null(t);
        cr_assert_gt(t->stage, last, "%s (stage %d) does not move past stage %d",
                     s_happy_path[i].event, t->stage, last);
        last = t->stage;
    }
}

Test(routing_lifecycle, complaint_received_is_the_first_stage)
{
    const rt_transition_t *t = rt_transition("complaint.received", NULL);
    cr_assert_not_null(t);
    cr_assert_eq(t->stage, RT_STAGE_RECEIVED);
    cr_assert_null(t->deadline, "receipt meets no deadline");
}

Test(routing_lifecycle, R4_acknowledgement_letter_meets_the_acknowledgement_deadline_only)
{
    const rt_transition_t *t = rt_transition("letter.sent", "acknowledgement");
    cr_assert_not_null(t);
    cr_assert_null(t->state, "an acknowledgement changes the complaint's state");
    cr_assert_not_null(t->deadline);
    cr_assert_str_eq(t->deadline, "acknowledgement");
}

Test(routing_lifecycle, R5_final_response_letter_meets_the_response_deadline)
{
    const rt_transition_t *t = rt_transition("letter.sent", "final-response");
    cr_assert_not_null(t);
    cr_assert_str_eq(t->state, "response-sent");
    cr_assert_not_null(t->deadline);
    cr_assert_str_eq(t->deadline, "response");
}

Test(routing_lifecycle, only_letters_meet_deadlines)
{
    static const char *const events[] = {"complaint.received", "case.opened",
                                         "investigation.completed", "response.approved"};
    for (size_t i = 0; i < sizeof events / sizeof events[0]; i++) {
        const rt_transition_t *t = rt_transition(events[i], NULL);
        cr_assert_not_null(t);
        cr_assert_null(t->deadline, "%s meets %s", events[i], t->deadline);
    }
}

Test(routing_lifecycle, letter_sent_of_another_kind_or_no_kind_is_ignored)
{
    cr_assert_null(rt_transition("letter.sent", "update"));
    cr_assert_null(rt_transition("letter.sent", "extension"));
    cr_assert_null(rt_transition("letter.sent", "Acknowledgement"));
    cr_assert_null(rt_transition("letter.sent", ""));
    cr_assert_null(rt_transition("letter.sent", NULL));
}

Test(routing_lifecycle, unknown_events_are_ignored)
{
    cr_assert_null(rt_transition("complaint.deleted", NULL));
    cr_assert_null(rt_transition("", NULL));
    cr_assert_null(rt_transition("case.opened.extra", NULL));
    cr_assert_null(rt_transition("Case.Opened", NULL));
    cr_assert_null(rt_transition("letter", "acknowledgement"));
}

Test(routing_lifecycle, a_kind_on_an_event_that_has_none_does_not_matter)
{
    const rt_transition_t *t = rt_transition("case.opened", "acknowledgement");
    cr_assert_not_null(t);
    cr_assert_str_eq(t->state, "under-investigation");
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
