/* test_calendar.c - the working-day calendar (DOMAIN.md R4, Regs reg. 2).
 *
 * The bank-holiday table below is the England and Wales list as gov.uk
 * published it for 2010-2026, and for 2027-2030 the dates the standing rules
 * give, worked out by hand (Easter Sunday 2027 28 Mar, 2028 16 Apr, 2029 1 Apr,
 * 2030 21 Apr). It is written out date by date, not generated, so that it
 * checks the rules in calendar.c rather than repeating them. Instants for the
 * London tests come from timegm(), not from calendar.c, for the same reason. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "candour/calendar.h"
#include "candour/error.h"

#ifndef CANDOUR_SOURCE_DIR
#error "CANDOUR_SOURCE_DIR must name the source root (tests/CMakeLists.txt defines it)"
#endif

#define D(y, m, d) ((cd_date_t){(y), (m), (d)})

static cd_date_t s_parse(const char *s)
{
    cd_date_t d;
    cr_assert_eq(cd_date_parse(s, &d), 0, "bad date in test: %s", s);
    return d;
}

static void s_assert_date(cd_date_t got, cd_date_t want, const char *what)
{
    char g[CD_DATE_LEN + 1], w[CD_DATE_LEN + 1];
    cd_date_format(got, g);
    cd_date_format(want, w);
    cr_assert_str_eq(g, w, "%s: got %s, want %s", what, g, w);
}

/* Unix seconds of a UTC wall-clock time, computed by the C library. */
static int64_t s_utc(int y, int mo, int d, int h, int mi, int s)
{
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = s};
    return (int64_t)timegm(&tm);
}

/* Whole days since the epoch at Unix time t, rounding down. */
static int64_t s_floor_days(int64_t t)
{
    return t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
}

/* ------------------------------------------------- the published table */

static const struct {
    int year;
    const char *days[11]; /* NULL-terminated */
} s_published[] = {
    {2010,
     {"2010-01-01", "2010-04-02", "2010-04-05", "2010-05-03", "2010-05-31", "2010-08-30",
      "2010-12-27", "2010-12-28"}},
    {2011,
     {"2011-01-03", "2011-04-22", "2011-04-25", "2011-04-29", "2011-05-02", "2011-05-30",
      "2011-08-29", "2011-12-26", "2011-12-27"}},
    {2012,
     {"2012-01-02", "2012-04-06", "2012-04-09", "2012-05-07", "2012-06-04", "2012-06-05",
      "2012-08-27", "2012-12-25", "2012-12-26"}},
    {2013,
     {"2013-01-01", "2013-03-29", "2013-04-01", "2013-05-06", "2013-05-27", "2013-08-26",
      "2013-12-25", "2013-12-26"}},
    {2014,
     {"2014-01-01", "2014-04-18", "2014-04-21", "2014-05-05", "2014-05-26", "2014-08-25",
      "2014-12-25", "2014-12-26"}},
    {2015,
     {"2015-01-01", "2015-04-03", "2015-04-06", "2015-05-04", "2015-05-25", "2015-08-31",
      "2015-12-25", "2015-12-28"}},
    {2016,
     {"2016-01-01", "2016-03-25", "2016-03-28", "2016-05-02", "2016-05-30", "2016-08-29",
      "2016-12-26", "2016-12-27"}},
    {2017,
     {"2017-01-02", "2017-04-14", "2017-04-17", "2017-05-01", "2017-05-29", "2017-08-28",
      "2017-12-25", "2017-12-26"}},
    {2018,
     {"2018-01-01", "2018-03-30", "2018-04-02", "2018-05-07", "2018-05-28", "2018-08-27",
      "2018-12-25", "2018-12-26"}},
    {2019,
     {"2019-01-01", "2019-04-19", "2019-04-22", "2019-05-06", "2019-05-27", "2019-08-26",
      "2019-12-25", "2019-12-26"}},
    {2020,
     {"2020-01-01", "2020-04-10", "2020-04-13", "2020-05-08", "2020-05-25", "2020-08-31",
      "2020-12-25", "2020-12-28"}},
    {2021,
     {"2021-01-01", "2021-04-02", "2021-04-05", "2021-05-03", "2021-05-31", "2021-08-30",
      "2021-12-27", "2021-12-28"}},
    {2022,
     {"2022-01-03", "2022-04-15", "2022-04-18", "2022-05-02", "2022-06-02", "2022-06-03",
      "2022-08-29", "2022-09-19", "2022-12-26", "2022-12-27"}},
    {2023,
     {"2023-01-02", "2023-04-07", "2023-04-10", "2023-05-01", "2023-05-08", "2023-05-29",
      "2023-08-28", "2023-12-25", "2023-12-26"}},
    {2024,
     {"2024-01-01", "2024-03-29", "2024-04-01", "2024-05-06", "2024-05-27", "2024-08-26",
      "2024-12-25", "2024-12-26"}},
    {2025,
     {"2025-01-01", "2025-04-18", "2025-04-21", "2025-05-05", "2025-05-26", "2025-08-25",
      "2025-12-25", "2025-12-26"}},
    {2026,
     {"2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31",
      "2026-12-25", "2026-12-28"}},
    {2027,
     {"2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03", "2027-05-31", "2027-08-30",
      "2027-12-27", "2027-12-28"}},
    {2028,
     {"2028-01-03", "2028-04-14", "2028-04-17", "2028-05-01", "2028-05-29", "2028-08-28",
      "2028-12-25", "2028-12-26"}},
    {2029,
     {"2029-01-01", "2029-03-30", "2029-04-02", "2029-05-07", "2029-05-28", "2029-08-27",
      "2029-12-25", "2029-12-26"}},
    {2030,
     {"2030-01-01", "2030-04-19", "2030-04-22", "2030-05-06", "2030-05-27", "2030-08-26",
      "2030-12-25", "2030-12-26"}},
};
#define S_NPUBLISHED ((int)(sizeof s_published / sizeof s_published[0]))

static int s_count_listed(int i)
{
    int n = 0;
    while (s_published[i].days[n])
        n++;
    return n;
}

/* Bank holidays in year by asking about every day, so the count does not
 * depend on cd_calendar_bank_holidays. */
static int s_count_by_day(const cd_calendar_t *cal, int year)
{
    int n = 0;
    for (cd_date_t d = D(year, 1, 1); d.y == year; d = cd_date_add_days(d, 1))
        n += cd_calendar_is_bank_holiday(cal, d);
    return n;
}

static cd_calendar_t *cal;

static void s_setup(void)
{
    cal = cd_calendar_new();
    cr_assert_not_null(cal);
}

static void s_teardown(void)
{
    cd_calendar_destroy(&cal);
}

TestSuite(calendar, .init = s_setup, .fini = s_teardown);

/* ------------------------------------------------------------ the rules */

Test(calendar, rules_make_every_published_day_2010_to_2030_a_bank_holiday)
{
    for (int i = 0; i < S_NPUBLISHED; i++)
        for (int j = 0; s_published[i].days[j]; j++) {
            cd_date_t d = s_parse(s_published[i].days[j]);
            cr_expect(cd_calendar_is_bank_holiday(cal, d), "%s should be a bank holiday",
                      s_published[i].days[j]);
            cr_expect(!cd_calendar_is_working_day(cal, d), "%s should not be a working day",
                      s_published[i].days[j]);
        }
}

Test(calendar, rules_give_no_extra_bank_holiday_2010_to_2030)
{
    for (int i = 0; i < S_NPUBLISHED; i++) {
        int want = s_count_listed(i), year = s_published[i].year;
        cr_expect_eq(s_count_by_day(cal, year), want, "%d: %d bank holidays, published %d", year,
                     s_count_by_day(cal, year), want);

        cd_date_t list[16];
        int n = cd_calendar_bank_holidays(cal, year, list, 16);
        cr_assert_eq(n, want, "%d: listed %d, published %d", year, n, want);
        for (int j = 0; j < n; j++)
            s_assert_date(list[j], s_parse(s_published[i].days[j]), "listed in date order");
    }
}

Test(calendar, easter_computus_matches_known_easter_sundays)
{
    static const struct {
        int y, m, d;
    } known[] = {{2019, 4, 21}, {2024, 3, 31}, {2025, 4, 20}, {2027, 3, 28},
                 {2028, 4, 16}, {2029, 4, 1},  {2030, 4, 21}, {1818, 3, 22},
                 {2285, 3, 22}, {1943, 4, 25}, {2038, 4, 25}, {2000, 4, 23}};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        s_assert_date(cd_date_easter(known[i].y), D(known[i].y, known[i].m, known[i].d),
                      "Easter Sunday");
}

Test(calendar, one_off_changes_before_2010_are_in_the_rules)
{
    /* 1995: early May moved to VE Day, Mon 8 May; Mon 1 May was a working day. */
    cr_expect(cd_calendar_is_bank_holiday(cal, D(1995, 5, 8)));
    cr_expect(cd_calendar_is_working_day(cal, D(1995, 5, 1)));
    /* 1999: the millennium, Fri 31 Dec; then 1 Jan 2000 (Sat) substituted to Mon 3 Jan. */
    cr_expect(cd_calendar_is_bank_holiday(cal, D(1999, 12, 31)));
    cr_expect(cd_calendar_is_bank_holiday(cal, D(2000, 1, 3)));
    /* 2002: Golden Jubilee, spring holiday moved to Tue 4 June, extra Mon 3 June. */
    cr_expect(cd_calendar_is_bank_holiday(cal, D(2002, 6, 3)));
    cr_expect(cd_calendar_is_bank_holiday(cal, D(2002, 6, 4)));
    cr_expect(cd_calendar_is_working_day(cal, D(2002, 5, 27)));
    cr_expect_eq(s_count_by_day(cal, 2002), 9);
}

Test(calendar, christmas_and_new_year_substitutes_follow_the_weekday)
{
    /* Christmas on Sunday (2022): Boxing Day keeps Mon 26, Christmas takes Tue 27. */
    cr_expect(!cd_calendar_is_bank_holiday(cal, D(2022, 12, 25)));
    cr_expect(cd_calendar_is_bank_holiday(cal, D(2022, 12, 26)));
    cr_expect(cd_calendar_is_bank_holiday(cal, D(2022, 12, 27)));
    cr_expect(cd_calendar_is_working_day(cal, D(2022, 12, 28)));
    /* Christmas on Saturday (2021): Mon 27 and Tue 28. */
    cr_expect(cd_calendar_is_bank_holiday(cal, D(2021, 12, 27)));
    cr_expect(cd_calendar_is_bank_holiday(cal, D(2021, 12, 28)));
    /* Christmas on Friday (2020): Boxing Day to Mon 28. */
    cr_expect(cd_calendar_is_bank_holiday(cal, D(2020, 12, 25)));
    cr_expect(cd_calendar_is_bank_holiday(cal, D(2020, 12, 28)));
    cr_expect(cd_calendar_is_working_day(cal, D(2020, 12, 29)));
    /* New Year's Day on Saturday (2022) and Sunday (2023): the Monday after. */
    cr_expect(cd_calendar_is_bank_holiday(cal, D(2022, 1, 3)));
    cr_expect(cd_calendar_is_bank_holiday(cal, D(2023, 1, 2)));
    cr_expect(cd_calendar_is_working_day(cal, D(2023, 1, 3)));
}

/* ------------------------------------------------ R4 acknowledgement due */

Test(calendar, R4_received_fri_16_sep_2022_acknowledge_by_thu_22_sep_past_the_state_funeral)
{
    cd_date_t received = D(2022, 9, 16);
    cr_expect(!cd_calendar_is_working_day(cal, D(2022, 9, 19)));
    s_assert_date(cd_workdays_add(cal, received, 3), D(2022, 9, 22), "R4 worked example");
    cr_expect_eq(cd_workdays_between(cal, received, D(2022, 9, 22)), 3);
}

Test(calendar, R4_received_friday_evening_in_london_counts_from_friday)
{
    /* Winter: 21:30 GMT on Fri 13 Jan 2023 is 21:30 in London. */
    cd_date_t received = cd_date_from_unix_london(s_utc(2023, 1, 13, 21, 30, 0));
    s_assert_date(received, D(2023, 1, 13), "winter Friday evening");
    s_assert_date(cd_workdays_add(cal, received, 3), D(2023, 1, 18), "due Wednesday");

    /* Summer: 23:30 BST on Fri 14 Jul 2023 is 22:30 UTC; still Friday. */
    received = cd_date_from_unix_london(s_utc(2023, 7, 14, 22, 30, 0));
    s_assert_date(received, D(2023, 7, 14), "summer Friday 23:30 BST");
    s_assert_date(cd_workdays_add(cal, received, 3), D(2023, 7, 19), "due Wednesday");
}

Test(calendar, R4_thursday_night_utc_in_summer_is_friday_in_london_and_moves_the_due_date)
{
    /* 23:30 UTC Thu 13 Jul 2023 is 00:30 BST Fri 14 Jul: due Wed 19, not Tue 18. */
    cd_date_t received = cd_date_from_unix_london(s_utc(2023, 7, 13, 23, 30, 0));
    s_assert_date(received, D(2023, 7, 14), "London date");
    s_assert_date(cd_workdays_add(cal, received, 3), D(2023, 7, 19), "due");
}

Test(calendar, R4_received_on_a_bank_holiday_counts_from_the_next_working_day)
{
    /* Spring bank holiday Mon 29 May 2023: Tue 30, Wed 31, Thu 1 Jun. */
    s_assert_date(cd_workdays_add(cal, D(2023, 5, 29), 3), D(2023, 6, 1), "spring 2023");
    /* The state funeral itself, Mon 19 Sep 2022: Tue 20, Wed 21, Thu 22. */
    s_assert_date(cd_workdays_add(cal, D(2022, 9, 19), 3), D(2022, 9, 22), "funeral day");
    /* Received on a Sunday: Mon, Tue, Wed. */
    s_assert_date(cd_workdays_add(cal, D(2023, 7, 16), 3), D(2023, 7, 19), "Sunday");
}

Test(calendar, R4_received_fri_23_dec_2022_acknowledge_by_fri_30_dec_over_christmas)
{
    /* Sat 24, Sun 25, Mon 26 Boxing Day, Tue 27 Christmas substitute, then
     * Wed 28 (1), Thu 29 (2), Fri 30 (3). */
    s_assert_date(cd_workdays_add(cal, D(2022, 12, 23), 3), D(2022, 12, 30), "Christmas 2022");
    /* Then the New Year substitute, Mon 2 Jan 2023: Tue 3, Wed 4, Thu 5. */
    s_assert_date(cd_workdays_add(cal, D(2022, 12, 30), 3), D(2023, 1, 5), "New Year 2023");
    /* Christmas on a Friday (2020): Thu 24 -> Tue 29, Wed 30, Thu 31. */
    s_assert_date(cd_workdays_add(cal, D(2020, 12, 24), 3), D(2020, 12, 31), "Christmas 2020");
}

Test(calendar, R4_received_thu_6_apr_2023_acknowledge_by_thu_13_apr_over_easter)
{
    /* Fri 7 Good Friday, Sat, Sun, Mon 10 Easter Monday, then Tue 11 (1),
     * Wed 12 (2), Thu 13 (3). */
    cd_date_t received = D(2023, 4, 6);
    s_assert_date(cd_workdays_add(cal, received, 2), D(2023, 4, 12), "second working day");
    s_assert_date(cd_workdays_add(cal, received, 3), D(2023, 4, 13), "third working day");
    cr_expect_eq(cd_workdays_between(cal, received, D(2023, 4, 12)), 2);
}

Test(calendar, R4_christmas_day_and_good_friday_are_never_working_days)
{
    /* A file may leave them out; the Regulations name them all the same. */
    const char *json = "{\"england-and-wales\": {\"division\": \"england-and-wales\", \"events\": ["
                       "{\"title\": \"New Year's Day\", \"date\": \"2024-01-01\"}]}}";
    char err[256];
    cr_assert_eq(cd_calendar_load_json(cal, json, err, sizeof err), 0, "%s", err);
    cr_expect(!cd_calendar_is_bank_holiday(cal, D(2024, 3, 29)));
    cr_expect(!cd_calendar_is_working_day(cal, D(2024, 3, 29)), "Good Friday");
    cr_expect(!cd_calendar_is_working_day(cal, D(2024, 12, 25)), "Christmas Day");
    cr_expect(cd_calendar_is_working_day(cal, D(2024, 12, 26)), "Boxing Day dropped by the file");
    cr_expect(cd_calendar_is_working_day(cal, D(2024, 4, 1)), "Easter Monday dropped by the file");
}

/* --------------------------------------------------- counting working days */

Test(calendar, workdays_add_never_counts_the_start_day_and_zero_returns_it)
{
    s_assert_date(cd_workdays_add(cal, D(2023, 7, 17), 0), D(2023, 7, 17), "n = 0, working day");
    s_assert_date(cd_workdays_add(cal, D(2023, 7, 15), 0), D(2023, 7, 15), "n = 0, Saturday");
    s_assert_date(cd_workdays_add(cal, D(2023, 7, 17), 1), D(2023, 7, 18), "Monday + 1");
    s_assert_date(cd_workdays_add(cal, D(2023, 7, 15), 1), D(2023, 7, 17), "Saturday + 1");
    s_assert_date(cd_workdays_add(cal, D(2023, 7, 14), 1), D(2023, 7, 17), "Friday + 1");
}

Test(calendar, workdays_between_counts_after_a_up_to_b_and_inverts_workdays_add)
{
    cr_expect_eq(cd_workdays_between(cal, D(2023, 7, 17), D(2023, 7, 17)), 0);
    cr_expect_eq(cd_workdays_between(cal, D(2023, 7, 14), D(2023, 7, 16)), 0, "weekend");
    cr_expect_eq(cd_workdays_between(cal, D(2022, 9, 22), D(2022, 9, 16)), -3, "reversed");
    /* 2023: 365 days, 105 of them Saturdays or Sundays (it starts on a
     * Sunday), and all 9 bank holidays on weekdays: 365 - 105 - 9 = 251. */
    cr_expect_eq(cd_workdays_between(cal, D(2022, 12, 31), D(2023, 12, 31)), 251);
    for (cd_date_t d = D(2022, 11, 1); cd_date_cmp(d, D(2023, 2, 1)) < 0;
         d = cd_date_add_days(d, 1))
        for (int n = 0; n <= 30; n += 3) {
            cd_date_t due = cd_workdays_add(cal, d, n);
            cr_assert_eq(cd_workdays_between(cal, d, due), n);
            cr_assert(n == 0 || cd_calendar_is_working_day(cal, due));
        }
}

/* ---------------------------------------------------------- London dates */

Test(calendar, london_date_in_winter_changes_at_midnight_utc)
{
    s_assert_date(cd_date_from_unix_london(s_utc(2023, 1, 13, 23, 59, 59)), D(2023, 1, 13),
                  "23:59:59 GMT Friday");
    s_assert_date(cd_date_from_unix_london(s_utc(2023, 1, 14, 0, 0, 0)), D(2023, 1, 14),
                  "00:00 GMT Saturday");
    s_assert_date(cd_date_from_unix_london(s_utc(1969, 12, 31, 23, 0, 0)), D(1969, 12, 31),
                  "before the epoch");
    s_assert_date(cd_date_from_unix_london(0), D(1970, 1, 1), "the epoch");
}

Test(calendar, london_date_in_summer_changes_at_23_00_utc)
{
    s_assert_date(cd_date_from_unix_london(s_utc(2023, 7, 14, 22, 59, 59)), D(2023, 7, 14),
                  "23:59:59 BST Friday");
    s_assert_date(cd_date_from_unix_london(s_utc(2023, 7, 14, 23, 0, 0)), D(2023, 7, 15),
                  "00:00 BST Saturday");
    s_assert_date(cd_date_from_unix_london(s_utc(2023, 7, 14, 23, 30, 0)), D(2023, 7, 15),
                  "23:30 UTC on a summer Friday is Saturday");
}

Test(calendar, london_date_follows_the_clock_changes_on_the_last_sundays)
{
    /* 2023: BST from 01:00 UTC Sun 26 Mar to 01:00 UTC Sun 29 Oct. */
    s_assert_date(cd_date_from_unix_london(s_utc(2023, 3, 25, 23, 30, 0)), D(2023, 3, 25),
                  "Saturday night before the spring change is GMT");
    s_assert_date(cd_date_from_unix_london(s_utc(2023, 3, 26, 23, 30, 0)), D(2023, 3, 27),
                  "Sunday night after the spring change is BST");
    s_assert_date(cd_date_from_unix_london(s_utc(2023, 10, 28, 23, 30, 0)), D(2023, 10, 29),
                  "Saturday night before the autumn change is BST");
    s_assert_date(cd_date_from_unix_london(s_utc(2023, 10, 29, 23, 30, 0)), D(2023, 10, 29),
                  "Sunday night after the autumn change is GMT");
    /* The exact change instants, 2024: 31 Mar and 27 Oct. 23:00 UTC the
     * evening before each is a different London date only under BST. */
    s_assert_date(cd_date_from_unix_london(s_utc(2024, 3, 30, 23, 0, 0)), D(2024, 3, 30), "GMT");
    s_assert_date(cd_date_from_unix_london(s_utc(2024, 10, 26, 23, 0, 0)), D(2024, 10, 27), "BST");
    s_assert_date(cd_date_from_unix_london(s_utc(2024, 3, 31, 0, 59, 59)), D(2024, 3, 31), "");
    s_assert_date(cd_date_from_unix_london(s_utc(2024, 10, 27, 0, 59, 59)), D(2024, 10, 27), "");
}

/* --------------------------------------------------------- date helpers */

Test(calendar, date_parse_is_strict_and_round_trips_with_format)
{
    static const char *bad[] = {
        "",           "2023-02-29", "2023-13-01", "2023-00-10",  "2023-01-00",
        "0000-01-01", "2023-1-05",  "2023-01-5x", " 2023-01-01", "2023-01-01 ",
        "2023/01/01", "+023-01-01", "20230101",   "2023-04-31"};
    cd_date_t d = D(1, 1, 1);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_expect_eq(cd_date_parse(bad[i], &d), CD_EINVAL, "accepted \"%s\"", bad[i]);
        s_assert_date(d, D(1, 1, 1), "untouched on failure");
    }
    cr_expect_eq(cd_date_parse(NULL, &d), CD_EINVAL);
    static const char *good[] = {"2024-02-29", "2000-02-29", "0001-01-01", "9999-12-31",
                                 "2022-09-16"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char out[CD_DATE_LEN + 1];
        cr_assert_eq(cd_date_parse(good[i], &d), 0, "rejected %s", good[i]);
        cd_date_format(d, out);
        cr_expect_str_eq(out, good[i]);
    }
    cr_expect(!cd_date_valid(D(1900, 2, 29)), "1900 was not a leap year");
}

/* Each rule of cd_date_parse on both sides of its boundary. */
static void s_parses(const char *s, cd_date_t want)
{
    cd_date_t d = D(1, 1, 1);
    cr_assert_eq(cd_date_parse(s, &d), 0, "%s should parse", s);
    s_assert_date(d, want, s);
}

static void s_refuses(const char *s)
{
    cd_date_t d = D(7, 7, 7);
    cr_assert_eq(cd_date_parse(s, &d), CD_EINVAL, "%s should be refused", s ? s : "NULL");
    s_assert_date(d, D(7, 7, 7), "untouched on failure");
}

Test(calendar, date_parse_takes_each_boundary_day_and_refuses_the_next)
{
    s_parses("2024-02-29", D(2024, 2, 29)); /* leap years: by 4, not 100, but 400 */
    s_refuses("2023-02-29");
    s_parses("2023-02-28", D(2023, 2, 28));
    s_refuses("2024-02-30");
    s_refuses("1900-02-29");
    s_parses("2000-02-29", D(2000, 2, 29));
    s_refuses("2100-02-29");
    s_parses("2025-01-31", D(2025, 1, 31)); /* month lengths */
    s_refuses("2025-01-32");
    s_parses("2025-04-30", D(2025, 4, 30));
    s_refuses("2025-04-31");
    s_parses("2025-12-31", D(2025, 12, 31));
    s_refuses("2025-12-00");
    s_parses("2025-01-01", D(2025, 1, 1)); /* months 1..12 */
    s_refuses("2025-00-01");
    s_refuses("2025-13-01");
    s_parses("0001-01-01", D(1, 1, 1)); /* years 0001..9999 */
    s_refuses("0000-12-31");
    s_parses("9999-12-31", D(9999, 12, 31));
    s_refuses("10000-01-01");
}

Test(calendar, date_parse_refuses_every_other_shape)
{
    static const char *bad[] = {
        "",           "2024-2-29",       "2024-02-9",   "20240229",
        "2024/02/29", " 2024-02-29",     "2024-02-29 ", "2024-02-29T00:00:00Z",
        "+024-02-29", "2024-+2-01",      "2024-0a-01",  "2024-02-2\n",
        "-024-02-29", "2024-02-\x80\x80"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        s_refuses(bad[i]);
    s_refuses(NULL);
}

Test(calendar, date_arithmetic_agrees_with_the_c_library_1900_to_2100)
{
    cd_date_t d = D(1900, 1, 1);
    for (int64_t t = s_utc(1900, 1, 1, 12, 0, 0); t < s_utc(2101, 1, 1, 0, 0, 0); t += 86400) {
        time_t tt = (time_t)t;
        struct tm tm;
        gmtime_r(&tt, &tm);
        cd_date_t want = D(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
        cr_assert_eq(cd_date_cmp(d, want), 0, "%d-%d-%d vs %d-%d-%d", d.y, d.m, d.d, want.y, want.m,
                     want.d);
        cr_assert_eq(cd_date_weekday(d), tm.tm_wday == 0 ? 7 : tm.tm_wday);
        cr_assert_eq((int64_t)cd_date_to_days(d), s_floor_days(t));
        d = cd_date_add_days(d, 1);
    }
}

Test(calendar, date_helpers_handle_year_ends_leap_days_and_order)
{
    s_assert_date(cd_date_add_days(D(2024, 2, 28), 1), D(2024, 2, 29), "leap day");
    s_assert_date(cd_date_add_days(D(2023, 12, 31), 1), D(2024, 1, 1), "new year");
    s_assert_date(cd_date_add_days(D(2024, 3, 1), -1), D(2024, 2, 29), "backwards");
    s_assert_date(cd_date_add_days(D(2022, 9, 16), -365), D(2021, 9, 16), "a year back");
    cr_expect_eq(cd_date_to_days(D(1970, 1, 1)), 0);
    s_assert_date(cd_date_from_days(-1), D(1969, 12, 31), "day -1");
    s_assert_date(cd_date_from_days(cd_date_to_days(D(1, 1, 1))), D(1, 1, 1), "first day");
    s_assert_date(cd_date_from_days(cd_date_to_days(D(9999, 12, 31))), D(9999, 12, 31), "last");
    cr_expect_eq(cd_date_weekday(D(2022, 9, 16)), CD_FRIDAY);
    cr_expect_eq(cd_date_weekday(D(2022, 9, 19)), CD_MONDAY);
    cr_expect_eq(cd_date_weekday(D(2023, 1, 1)), CD_SUNDAY);
    cr_expect_lt(cd_date_cmp(D(2022, 12, 31), D(2023, 1, 1)), 0);
    cr_expect_gt(cd_date_cmp(D(2023, 2, 1), D(2023, 1, 31)), 0);
    cr_expect_eq(cd_date_cmp(D(2023, 2, 1), D(2023, 2, 1)), 0);
}

/* ------------------------------------------------------- the data file */

/* 2024 as a file might publish it with early May moved to Fri 10 May and an
 * extra Tue 31 Dec; 2025 is absent, so the rules still hold there. */
static const char *s_moved_2024 =
    "{\"england-and-wales\": {\"division\": \"england-and-wales\", \"events\": [\n"
    " {\"title\": \"New Year’s Day\", \"date\": \"2024-01-01\", \"notes\": \"\", \"bunting\": "
    "true},\n"
    " {\"title\": \"Good Friday\", \"date\": \"2024-03-29\", \"notes\": \"\", \"bunting\": "
    "false},\n"
    " {\"title\": \"Easter Monday\", \"date\": \"2024-04-01\", \"notes\": \"\", \"bunting\": "
    "true},\n"
    " {\"title\": \"Early May bank holiday\", \"date\": \"2024-05-10\", \"notes\": \"\", "
    "\"bunting\": true},\n"
    " {\"title\": \"Spring bank holiday\", \"date\": \"2024-05-27\", \"notes\": \"\", \"bunting\": "
    "true},\n"
    " {\"title\": \"Summer bank holiday\", \"date\": \"2024-08-26\", \"notes\": \"\", \"bunting\": "
    "true},\n"
    " {\"title\": \"Christmas Day\", \"date\": \"2024-12-25\", \"notes\": \"\", \"bunting\": "
    "true},\n"
    " {\"title\": \"Boxing Day\", \"date\": \"2024-12-26\", \"notes\": \"\", \"bunting\": true},\n"
    " {\"title\": \"Boxing Day\", \"date\": \"2024-12-26\", \"notes\": \"repeat\", \"bunting\": "
    "true},\n"
    " {\"title\": \"Extra\", \"date\": \"2024-12-31\", \"notes\": \"\", \"bunting\": true}\n"
    "]}, \"scotland\": {\"division\": \"scotland\", \"events\": [\n"
    " {\"title\": \"St Andrew's Day\", \"date\": \"2024-12-02\", \"notes\": \"\", \"bunting\": "
    "true}\n"
    "]}}";

Test(calendar, data_file_is_authoritative_for_the_years_it_covers)
{
    char err[256];
    cr_assert_eq(cd_calendar_load_json(cal, s_moved_2024, err, sizeof err), 0, "%s", err);
    cr_expect(cd_calendar_covers_year(cal, 2024));
    cr_expect(!cd_calendar_covers_year(cal, 2025));

    cr_expect(cd_calendar_is_working_day(cal, D(2024, 5, 6)), "the rules' early May is moved");
    cr_expect(!cd_calendar_is_working_day(cal, D(2024, 5, 10)), "moved to Friday 10 May");
    cr_expect(!cd_calendar_is_working_day(cal, D(2024, 12, 31)), "extra day");
    cr_expect(cd_calendar_is_working_day(cal, D(2024, 12, 2)), "Scotland is ignored");
    cr_expect_eq(s_count_by_day(cal, 2024), 9, "repeated event counted once");
    cr_expect_eq(cd_calendar_bank_holidays(cal, 2024, NULL, 0), 9);

    cr_expect(!cd_calendar_is_working_day(cal, D(2025, 5, 5)), "2025 still from the rules");
    cr_expect_eq(s_count_by_day(cal, 2025), 8);

    /* Received Thu 2 May 2024: Fri 3 (1), Mon 6 now a working day (2), Tue 7 (3). */
    s_assert_date(cd_workdays_add(cal, D(2024, 5, 2), 3), D(2024, 5, 7), "moved early May");
}

Test(calendar, data_file_loads_from_a_path_and_later_loads_merge_by_year)
{
    char path[] = "/tmp/test_calendar_XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    FILE *f = fdopen(fd, "w");
    cr_assert_not_null(f);
    fputs(s_moved_2024, f);
    fclose(f);

    char err[256];
    int rc = cd_calendar_load_json(cal, path, err, sizeof err);
    unlink(path);
    cr_assert_eq(rc, 0, "%s", err);
    cr_expect(!cd_calendar_is_working_day(cal, D(2024, 5, 10)));

    /* A second file covering 2025 leaves the 2024 data in place... */
    const char *y2025 = "{\"england-and-wales\": {\"events\": ["
                        "{\"date\": \"2025-06-02\"}]}}";
    cr_assert_eq(cd_calendar_load_json(cal, y2025, err, sizeof err), 0, "%s", err);
    cr_expect(!cd_calendar_is_working_day(cal, D(2024, 5, 10)));
    cr_expect(!cd_calendar_is_working_day(cal, D(2025, 6, 2)));
    cr_expect(cd_calendar_is_working_day(cal, D(2025, 5, 5)), "2025 now from the second file");
    /* ...and one covering 2024 again replaces it. */
    const char *y2024 = "{\"england-and-wales\": {\"events\": [{\"date\": \"2024-05-06\"}]}}";
    cr_assert_eq(cd_calendar_load_json(cal, y2024, err, sizeof err), 0, "%s", err);
    cr_expect(cd_calendar_is_working_day(cal, D(2024, 5, 10)));
    cr_expect(!cd_calendar_is_working_day(cal, D(2024, 5, 6)));
    cr_expect_eq(s_count_by_day(cal, 2024), 1);
}

Test(calendar, shipped_bank_holidays_json_loads_and_agrees_with_the_rules)
{
    cd_calendar_t *rules = cd_calendar_new();
    cr_assert_not_null(rules);
    char err[256];
    int rc = cd_calendar_load_json(cal, CANDOUR_SOURCE_DIR "/deploy/bank-holidays.json", err,
                                   sizeof err);
    cr_assert_eq(rc, 0, "%s", err);
    int covered = 0;
    for (int y = 2000; y <= 2040; y++) {
        if (!cd_calendar_covers_year(cal, y))
            continue;
        covered++;
        for (cd_date_t d = D(y, 1, 1); d.y == y; d = cd_date_add_days(d, 1))
            cr_expect_eq(cd_calendar_is_bank_holiday(cal, d), cd_calendar_is_bank_holiday(rules, d),
                         "file and rules differ on %d-%02d-%02d", d.y, d.m, d.d);
    }
    cr_expect_geq(covered, 10, "the shipped file covers 2018-2027");
    cr_expect(cd_calendar_covers_year(cal, 2018) && cd_calendar_covers_year(cal, 2027));
    cd_calendar_destroy(&rules);
    cr_expect_null(rules);
    cd_calendar_destroy(&rules); /* idempotent */
}

Test(calendar, malformed_bank_holiday_data_is_refused_with_a_message)
{
    static const struct {
        const char *text; /* the input */
        const char *says; /* a fragment the message must contain */
    } cases[] = {
        {"{\"england-and-wales\": {\"events\": [", "not valid JSON"},
        {"{\"england-and-wales\": {\"events\": []}, \"england-and-wales\": {}}", "not valid JSON"},
        {"{\"scotland\": {\"division\": \"scotland\", \"events\": []}}",
         "no \"england-and-wales\""},
        {"{\"england-and-wales\": []}", "is not an object"},
        {"{\"england-and-wales\": {\"division\": \"scotland\", \"events\": []}}", "\"division\""},
        {"{\"england-and-wales\": {\"division\": \"england-and-wales\"}}", "no \"events\" array"},
        {"{\"england-and-wales\": {\"events\": {}}}", "no \"events\" array"},
        {"{\"england-and-wales\": {\"events\": [\"2024-01-01\"]}}", "event 1 is not an object"},
        {"{\"england-and-wales\": {\"events\": [{\"date\": \"2024-01-01\"}, {\"title\": \"x\"}]}}",
         "event 2 has no \"date\""},
        {"{\"england-and-wales\": {\"events\": [{\"date\": 20240101}]}}", "no \"date\""},
        {"{\"england-and-wales\": {\"events\": [{\"date\": \"2023-02-29\"}]}}", "2023-02-29"},
        {"{\"england-and-wales\": {\"events\": [{\"date\": \"1/1/2024\"}]}}", "not a real"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[256] = "unset";
        int rc = cd_calendar_load_json(cal, cases[i].text, err, sizeof err);
        cr_expect_eq(rc, CD_EINVAL, "case %zu accepted", i);
        cr_expect(strstr(err, cases[i].says) != NULL, "case %zu: \"%s\" lacks \"%s\"", i, err,
                  cases[i].says);
        cr_expect(strstr(err, "bank holidays") == err, "case %zu: message says what failed", i);
        /* A caller that wants no message may pass NULL. */
        cr_expect_eq(cd_calendar_load_json(cal, cases[i].text, NULL, 0), CD_EINVAL);
    }
    /* All or nothing: the failures left the rules in charge. */
    cr_expect(!cd_calendar_covers_year(cal, 2024));
    cr_expect_eq(s_count_by_day(cal, 2024), 8);
}

Test(calendar, unreadable_bank_holiday_file_is_an_io_error_naming_the_path)
{
    char err[256];
    const char *path = "/nonexistent/candour/bank-holidays.json";
    cr_expect_eq(cd_calendar_load_json(cal, path, err, sizeof err), CD_EIO);
    cr_expect(strstr(err, path) != NULL, "%s", err);
    cr_expect_eq(cd_calendar_load_json(cal, "/", err, sizeof err) < 0, 1, "a directory");
    char tiny[8];
    cr_expect_eq(cd_calendar_load_json(cal, path, tiny, sizeof tiny), CD_EIO);
    cr_expect_eq(strlen(tiny), sizeof tiny - 1, "message truncated, still terminated");
}

/* Dates as letters and the case file write them for people, and the UK's
 * offset from UTC either side of the clock changes. */
Test(calendar, dates_are_written_out_in_words_with_or_without_the_weekday)
{
    char out[64];
    cd_date_t d = {2026, 12, 4};
    cd_date_words(d, 0, out, sizeof out);
    cr_assert_str_eq(out, "4 December 2026");
    cd_date_words(d, 1, out, sizeof out);
    cr_assert_str_eq(out, "Friday 4 December 2026");
}

Test(calendar, the_london_offset_is_an_hour_in_summer_time_only)
{
    /* 2026: BST from 01:00 UTC on 29 March to 01:00 UTC on 25 October. */
    cr_assert_eq(cd_london_offset(1774745999), 0);    /* 2026-03-29T00:59:59Z */
    cr_assert_eq(cd_london_offset(1774746000), 3600); /* 2026-03-29T01:00:00Z */
    cr_assert_eq(cd_london_offset(1792889999), 3600); /* 2026-10-25T00:59:59Z */
    cr_assert_eq(cd_london_offset(1792890000), 0);    /* 2026-10-25T01:00:00Z */
}
