/* test_intake_entry.c - EnterComplaint's rules (I1): what staff may enter, and
 * the instant a complaint received on an earlier day counts as received.
 *
 * Expected instants come from timegm(), not from calendar.c, so the London
 * offset is not checked against itself; the London date of every day over
 * three years (clock changes included) is then checked with the very
 * function routing counts deadlines from. */
#include <criterion/criterion.h>
#include <string.h>
#include <time.h>

#include "candour/calendar.h"
#include "candour/v1/api.pb-c.h"
#include "validate.h"

static int32_t s_days(int y, int m, int d)
{
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = 12};
    return (int32_t)(timegm(&tm) / 86400);
}

/* Microseconds since 1970 of a UTC time. */
static int64_t s_utc_us(int y, int m, int d, int hh, int mm)
{
    struct tm tm = {
        .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = hh, .tm_min = mm};
    return (int64_t)timegm(&tm) * 1000000;
}

#define TODAY s_days(2024, 3, 1) /* a Friday in a leap year */

/* ------------------------------------------------------------ the instant */

Test(intake_entry, I1_an_earlier_day_counts_from_noon_london_time_in_gmt_and_bst)
{
    int64_t now = s_utc_us(2026, 11, 20, 9, 0);
    /* GMT: noon London is noon UTC; BST: 11:00 UTC. */
    cr_assert_eq(in_entry_received_us(s_days(2026, 1, 15), now), s_utc_us(2026, 1, 15, 12, 0));
    cr_assert_eq(in_entry_received_us(s_days(2026, 7, 1), now), s_utc_us(2026, 7, 1, 11, 0));
    /* The clock-change Sundays: BST from 01:00 UTC on 29 March 2026, GMT from
     * 01:00 UTC on 25 October 2026, so both noons are already the new time. */
    cr_assert_eq(in_entry_received_us(s_days(2026, 3, 29), now), s_utc_us(2026, 3, 29, 11, 0));
    cr_assert_eq(in_entry_received_us(s_days(2026, 10, 25), now), s_utc_us(2026, 10, 25, 12, 0));
    /* The days either side of them. */
    cr_assert_eq(in_entry_received_us(s_days(2026, 3, 28), now), s_utc_us(2026, 3, 28, 12, 0));
    cr_assert_eq(in_entry_received_us(s_days(2026, 10, 24), now), s_utc_us(2026, 10, 24, 11, 0));
}

Test(intake_entry, I1_an_entry_made_the_day_it_was_received_keeps_its_real_time)
{
    /* 23:30 UTC on a summer day is already the next day in London. */
    int64_t now = s_utc_us(2026, 7, 1, 23, 30) + 123456;
    cr_assert_eq(in_entry_received_us(s_days(2026, 7, 2), now), now);
    /* The UTC date is not London's: 1 July is an earlier day there, so noon. */
    cr_assert_eq(in_entry_received_us(s_days(2026, 7, 1), now), s_utc_us(2026, 7, 1, 11, 0));
    int64_t winter = s_utc_us(2026, 1, 15, 8, 5);
    cr_assert_eq(in_entry_received_us(s_days(2026, 1, 15), winter), winter);
}

Test(intake_entry, R4_the_london_date_of_the_instant_is_received_on_every_day)
{
    int64_t now = s_utc_us(2027, 1, 10, 10, 0);
    for (int32_t d = s_days(2024, 1, 1); d <= s_days(2026, 12, 31); d++) {
        int64_t us = in_entry_received_us(d, now);
        cr_assert_eq(cd_date_to_days(cd_date_from_unix_london(us / 1000000)), d,
                     "day %d counts as received on another London day", (int)d);
        cr_assert_eq(us % 1000000, 0);
    }
}

/* ------------------------------------------------------------ the checks */

typedef struct {
    Candour__V1__EnterComplaint e;
    Candour__V1__Complaint c;
    Candour__V1__Person p;
    char *address[1];
} s_fx_t;

static void s_fx_init(s_fx_t *f)
{
    memset(f, 0, sizeof *f);
    f->e = (Candour__V1__EnterComplaint)CANDOUR__V1__ENTER_COMPLAINT__INIT;
    f->c = (Candour__V1__Complaint)CANDOUR__V1__COMPLAINT__INIT;
    f->p = (Candour__V1__Person)CANDOUR__V1__PERSON__INIT;
    f->address[0] = "4 Church Row";
    f->p.name = "Ruth Okafor";
    f->p.address = f->address;
    f->p.n_address = 1;
    f->c.external_ref = "POST-2024-0042";
    f->c.channel = CANDOUR__V1__CHANNEL__CHANNEL_POST;
    f->c.complainant = &f->p;
    f->c.description = "My letter about my father's discharge was never answered.";
    f->e.org_id = "ICB-QWE";
    f->e.complaint = &f->c;
    f->e.received_on = "2024-02-28";
}

/* Validate with a 30-day bound; expect failure with code on field. */
static void s_refused(const s_fx_t *f, cd_code_t code, const char *field)
{
    cd_fail_t err;
    int32_t day = -1;
    cr_assert_eq(in_validate_entry(&f->e, TODAY, 30, &day, &err), -1, "accepted; expected %s",
                 field);
    cr_assert_eq(err.code, code, "%s: code %d, expected %d (%s)", err.field, err.code, code,
                 err.message);
    cr_assert_str_eq(err.field, field);
    cr_assert_eq(day, -1, "the day is set only on success");
}

Test(intake_entry, I1_a_postal_complaint_received_on_an_earlier_day_is_accepted)
{
    s_fx_t f;
    s_fx_init(&f);
    cd_fail_t err;
    int32_t day = -1;
    cr_assert_eq(in_validate_entry(&f.e, TODAY, 30, &day, &err), 0, "%s: %s", err.field,
                 err.message);
    cr_assert_eq(day, s_days(2024, 2, 28));
    f.e.received_on = "2024-03-01"; /* today */
    cr_assert_eq(in_validate_entry(&f.e, TODAY, 30, &day, &err), 0, "%s", err.message);
    cr_assert_eq(day, TODAY);
}

Test(intake_entry, I1_received_on_is_required_and_a_date)
{
    s_fx_t f;
    s_fx_init(&f);
    f.e.received_on = "";
    s_refused(&f, CD_CODE_REQUIRED, "enter_complaint.received_on");
    f.e.received_on = "28/02/2024";
    s_refused(&f, CD_CODE_INVALID_DATE, "enter_complaint.received_on");
    f.e.received_on = "2024-02-30";
    s_refused(&f, CD_CODE_INVALID_DATE, "enter_complaint.received_on");
}

Test(intake_entry, I1_received_on_may_not_be_after_today)
{
    s_fx_t f;
    s_fx_init(&f);
    f.e.received_on = "2024-03-02";
    s_refused(&f, CD_CODE_DATE_IN_FUTURE, "enter_complaint.received_on");
}

Test(intake_entry, I1_received_on_the_bound_is_accepted_and_a_day_earlier_refused)
{
    s_fx_t f;
    s_fx_init(&f);
    cd_fail_t err;
    int32_t day;
    f.e.received_on = "2024-01-31"; /* 30 days before 1 March 2024 */
    cr_assert_eq(in_validate_entry(&f.e, TODAY, 30, &day, &err), 0, "%s", err.message);
    f.e.received_on = "2024-01-30";
    s_refused(&f, CD_CODE_OUT_OF_RANGE, "enter_complaint.received_on");
    cr_assert_eq(in_validate_entry(&f.e, TODAY, 30, &day, &err), -1);
    cr_assert(strstr(err.message, "30 days") && strstr(err.message, "2024-01-31"),
              "the message names the bound: %s", err.message);
    /* The bound is the configured one. */
    cr_assert_eq(in_validate_entry(&f.e, TODAY, 31, &day, &err), 0, "%s", err.message);
    f.e.received_on = "2024-02-29";
    cr_assert_eq(in_validate_entry(&f.e, TODAY, 0, &day, &err), -1);
    cr_assert_eq(err.code, CD_CODE_OUT_OF_RANGE);
}

Test(intake_entry, I1_staff_enter_post_and_verbal_complaints_only)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.channel = CANDOUR__V1__CHANNEL__CHANNEL_EMAIL;
    s_refused(&f, CD_CODE_INVALID_ARGUMENT, "enter_complaint.complaint.channel");
    f.c.channel = CANDOUR__V1__CHANNEL__CHANNEL_WEB;
    s_refused(&f, CD_CODE_INVALID_ARGUMENT, "enter_complaint.complaint.channel");
    f.c.channel = CANDOUR__V1__CHANNEL__CHANNEL_BUS;
    s_refused(&f, CD_CODE_INVALID_ARGUMENT, "enter_complaint.complaint.channel");
    f.c.channel = CANDOUR__V1__CHANNEL__CHANNEL_UNSPECIFIED;
    s_refused(&f, CD_CODE_INVALID_ENUM, "enter_complaint.complaint.channel");
    f.c.channel = CANDOUR__V1__CHANNEL__CHANNEL_VERBAL;
    f.c.summary = "Mr Okafor rang: the discharge letter never came.";
    cd_fail_t err;
    int32_t day;
    cr_assert_eq(in_validate_entry(&f.e, TODAY, 30, &day, &err), 0, "%s", err.message);
}

Test(intake_entry, I1_the_complaint_is_checked_as_a_submission_with_paths_under_the_entry)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.channel = CANDOUR__V1__CHANNEL__CHANNEL_VERBAL; /* no summary */
    s_refused(&f, CD_CODE_REQUIRED, "enter_complaint.complaint.summary");
    s_fx_init(&f);
    f.c.external_ref = "";
    s_refused(&f, CD_CODE_REQUIRED, "enter_complaint.complaint.external_ref");
    s_fx_init(&f);
    f.c.event_date = "2024-03-02";
    s_refused(&f, CD_CODE_DATE_IN_FUTURE, "enter_complaint.complaint.event_date");
    s_fx_init(&f);
    f.p.n_address = 0;
    s_refused(&f, CD_CODE_NO_CONTACT, "enter_complaint.complaint.complainant");
    s_fx_init(&f);
    f.e.complaint = NULL;
    s_refused(&f, CD_CODE_REQUIRED, "enter_complaint.complaint");
}

Test(intake_entry, I1_the_body_is_required_and_an_organisation_id)
{
    s_fx_t f;
    s_fx_init(&f);
    f.e.org_id = "";
    s_refused(&f, CD_CODE_REQUIRED, "enter_complaint.org_id");
    f.e.org_id = "ICB QWE";
    s_refused(&f, CD_CODE_INVALID_ARGUMENT, "enter_complaint.org_id");
}
