/* test_intake_classify.c - what intake decides about a complaint as it arrives.
 *
 * Every test starts from one plain complaint (s_fx_init: made by web, by the
 * patient, about something that happened last month) that classifies as a
 * complaint with no holds, and changes what the rule under test looks at.
 * Instants are built by hand with the London offset written out (0 for GMT,
 * 1 for BST), not through calendar.c, so the London-date rule is not checked
 * against itself; working days are worked out with a diary open and the
 * rules-only England calendar. Each boundary is tested on both sides. */
#include <criterion/criterion.h>
#include <string.h>
#include <time.h>

#include "classify.h"

/* ------------------------------------------------------------ fixture */

static cd_calendar_t *s_cal; /* rules-only England calendar, per test */

static void s_setup(void)
{
    s_cal = cd_calendar_new();
    cr_assert_not_null(s_cal);
}

static void s_teardown(void)
{
    cd_calendar_destroy(&s_cal);
}

TestSuite(intake_classify, .init = s_setup, .fini = s_teardown);

typedef struct {
    Candour__V1__Complaint c;     /* the complaint under test */
    Candour__V1__Consent consent; /* a consent, for tests that give one */
    Candour__V1__Consent *consents[1];
} s_fx_t;

static void s_fx_init(s_fx_t *f)
{
    memset(f, 0, sizeof *f);
    f->c = (Candour__V1__Complaint)CANDOUR__V1__COMPLAINT__INIT;
    f->consent = (Candour__V1__Consent)CANDOUR__V1__CONSENT__INIT;
    f->c.external_ref = "ICB-2024-0001";
    f->c.channel = CANDOUR__V1__CHANNEL__CHANNEL_WEB;
    f->c.standing = CANDOUR__V1__STANDING__STANDING_SELF;
    f->c.description = "My discharge letter was never sent to my GP.";
    f->c.event_date = "2023-12-10";
    f->consent.given_by = "Joan Smith";
    f->consent.given_at = "2024-01-02";
    f->consents[0] = &f->consent;
}

/* Seconds since the epoch of a London wall-clock time, the offset from UTC
 * (0 = GMT, 1 = BST) given by the caller so that the test states it. */
static int64_t s_london(int y, int mo, int d, int h, int mi, int s, int utc_offset_hours)
{
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = s};
    return (int64_t)timegm(&tm) - utc_offset_hours * 3600;
}

static in_class_t s_classify(const s_fx_t *f, int64_t received)
{
    in_class_t k;
    memset(&k, 0x5a, sizeof k); /* in_classify must fill all of it */
    in_classify(&f->c, received, s_cal, &k);
    return k;
}

static void s_expect_complaint(const in_class_t *k, int nholds, const Candour__V1__Hold *holds,
                               const char *why)
{
    cr_assert_eq(k->classification, CANDOUR__V1__CLASSIFICATION__CLASSIFICATION_COMPLAINT,
                 "%s: classification %d", why, k->classification);
    cr_assert_eq(k->nholds, nholds, "%s: %d holds, wanted %d", why, k->nholds, nholds);
    for (int i = 0; i < nholds; i++)
        cr_assert_eq(k->holds[i], holds[i], "%s: hold %d is %s, wanted %s", why, i,
                     in_hold_name(k->holds[i]), in_hold_name(holds[i]));
}

static void s_expect_plain(const in_class_t *k, const char *why)
{
    s_expect_complaint(k, 0, NULL, why);
}

static void s_expect_hold(const in_class_t *k, Candour__V1__Hold h, const char *why)
{
    s_expect_complaint(k, 1, &h, why);
}

static void s_expect_outside(const in_class_t *k, const char *why)
{
    cr_assert_eq(k->classification, CANDOUR__V1__CLASSIFICATION__CLASSIFICATION_OUTSIDE_REGULATIONS,
                 "%s: classification %d, wanted outside the regulations", why, k->classification);
    cr_assert_eq(k->nholds, 0, "%s: an oral complaint already resolved waits for nothing", why);
}

#define HOLD_CONSENT CANDOUR__V1__HOLD__HOLD_AWAITING_CONSENT
#define HOLD_SUMMARY CANDOUR__V1__HOLD__HOLD_AWAITING_SUMMARY_AGREEMENT
#define HOLD_LATE CANDOUR__V1__HOLD__HOLD_OUT_OF_TIME

/* Mon 15 Jan 2024, 10:00 GMT: an ordinary working Monday. */
#define MON_15_JAN_2024 s_london(2024, 1, 15, 10, 0, 0, 0)

/* ------------------------------------------------------- the baseline */

Test(intake_classify, a_plain_complaint_is_a_complaint_with_no_holds)
{
    s_fx_t f;
    s_fx_init(&f);
    in_class_t k = s_classify(&f, MON_15_JAN_2024);
    s_expect_plain(&k, "the fixture");
    cr_assert_str_eq(in_initial_state(&k), "received");
}

/* -------------------------------------------------------- I8 compliments */

Test(intake_classify, I8_a_compliment_is_classified_as_a_compliment)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.kind = CANDOUR__V1__KIND__KIND_COMPLIMENT;
    in_class_t k = s_classify(&f, MON_15_JAN_2024);
    cr_assert_eq(k.classification, CANDOUR__V1__CLASSIFICATION__CLASSIFICATION_COMPLIMENT);
    cr_assert_eq(k.nholds, 0);
    cr_assert_str_eq(in_initial_state(&k), "compliment");
}

Test(intake_classify, I8_a_compliment_is_never_held_even_when_a_complaint_would_be)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.kind = CANDOUR__V1__KIND__KIND_COMPLIMENT;
    f.c.standing = CANDOUR__V1__STANDING__STANDING_PATIENT_CONSENT; /* no consent */
    f.c.channel = CANDOUR__V1__CHANNEL__CHANNEL_VERBAL;             /* summary not agreed */
    f.c.event_date = "2020-01-01";                                  /* years ago */
    in_class_t k = s_classify(&f, MON_15_JAN_2024);
    cr_assert_eq(k.classification, CANDOUR__V1__CLASSIFICATION__CLASSIFICATION_COMPLIMENT);
    cr_assert_eq(k.nholds, 0, "a compliment waits for nothing; got %d holds", k.nholds);
}

Test(intake_classify, I8_a_verbal_compliment_resolved_at_once_is_still_a_compliment)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.kind = CANDOUR__V1__KIND__KIND_COMPLIMENT;
    f.c.channel = CANDOUR__V1__CHANNEL__CHANNEL_VERBAL;
    f.c.resolved_at = "2024-01-15T11:00:00Z";
    in_class_t k = s_classify(&f, MON_15_JAN_2024);
    cr_assert_eq(k.classification, CANDOUR__V1__CLASSIFICATION__CLASSIFICATION_COMPLIMENT);
}

/* ------------------------------------ I4 oral complaints resolved at once */

Test(intake_classify, I4_an_oral_complaint_resolved_the_same_day_is_outside_the_regulations)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.channel = CANDOUR__V1__CHANNEL__CHANNEL_VERBAL;
    f.c.resolved_at = "2024-01-15T15:00:00Z";
    in_class_t k = s_classify(&f, MON_15_JAN_2024);
    s_expect_outside(&k, "resolved on the day of receipt");
    cr_assert_str_eq(in_initial_state(&k), "outside-regulations");
}

Test(intake_classify,
     I4_resolved_at_the_very_end_of_the_next_working_day_is_outside_the_regulations)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.channel = CANDOUR__V1__CHANNEL__CHANNEL_VERBAL;
    f.c.resolved_at = "2024-01-16T23:59:59Z"; /* Tue 16 Jan, GMT */
    in_class_t k = s_classify(&f, MON_15_JAN_2024);
    s_expect_outside(&k, "received Mon, resolved Tue 23:59:59");
}

Test(intake_classify, I4_resolved_the_day_after_the_next_working_day_is_a_complaint)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.channel = CANDOUR__V1__CHANNEL__CHANNEL_VERBAL;
    f.c.summary = "Discharge letter not sent to the GP.";
    f.c.summary_agreed = 1;
    f.c.resolved_at = "2024-01-17T00:00:00Z"; /* Wed 17 Jan, GMT */
    in_class_t k = s_classify(&f, MON_15_JAN_2024);
    s_expect_plain(&k, "received Mon, resolved Wed 00:00");
}

Test(intake_classify, I4_the_end_of_the_next_working_day_is_the_end_of_the_london_day_in_summer)
{
    /* Received Fri 14 Jun 2024 (BST); the next working day is Mon 17 Jun. */
    s_fx_t f;
    s_fx_init(&f);
    f.c.channel = CANDOUR__V1__CHANNEL__CHANNEL_VERBAL;
    f.c.summary = "Discharge letter not sent to the GP.";
    f.c.summary_agreed = 1;
    int64_t fri = s_london(2024, 6, 14, 10, 0, 0, 1);

    f.c.resolved_at = "2024-06-17T22:59:59Z"; /* Mon 23:59:59 BST */
    in_class_t k = s_classify(&f, fri);
    s_expect_outside(&k, "resolved Mon 23:59:59 BST");

    f.c.resolved_at = "2024-06-17T23:59:59+01:00"; /* the same instant, written in BST */
    k = s_classify(&f, fri);
    s_expect_outside(&k, "resolved Mon 23:59:59+01:00");

    f.c.resolved_at = "2024-06-17T23:00:00Z"; /* Tue 00:00 BST, still Mon in UTC */
    k = s_classify(&f, fri);
    s_expect_plain(&k, "resolved Tue 00:00 BST");
}

Test(intake_classify, I4_the_day_of_receipt_is_the_london_day_not_the_utc_day)
{
    /* 23:30 UTC on Thu 13 Jun 2024 is 00:30 on Fri 14 Jun in London, so the
     * next working day is Mon 17 Jun (Fri 14 Jun if it were counted in UTC). */
    s_fx_t f;
    s_fx_init(&f);
    f.c.channel = CANDOUR__V1__CHANNEL__CHANNEL_VERBAL;
    f.c.summary = "Discharge letter not sent to the GP.";
    f.c.summary_agreed = 1;
    int64_t received = s_london(2024, 6, 14, 0, 30, 0, 1);

    f.c.resolved_at = "2024-06-17T12:00:00+01:00";
    in_class_t k = s_classify(&f, received);
    s_expect_outside(&k, "received Fri 00:30 BST, resolved Mon");

    f.c.resolved_at = "2024-06-18T09:00:00+01:00";
    k = s_classify(&f, received);
    s_expect_plain(&k, "received Fri 00:30 BST, resolved Tue");
}

Test(intake_classify, I4_over_a_weekend_the_next_working_day_after_friday_is_monday)
{
    /* Fri 19 Jan 2024, GMT. */
    s_fx_t f;
    s_fx_init(&f);
    f.c.channel = CANDOUR__V1__CHANNEL__CHANNEL_VERBAL;
    f.c.summary = "Discharge letter not sent to the GP.";
    f.c.summary_agreed = 1;
    int64_t fri = s_london(2024, 1, 19, 16, 0, 0, 0);

    f.c.resolved_at = "2024-01-22T23:59:59Z"; /* Mon */
    in_class_t k = s_classify(&f, fri);
    s_expect_outside(&k, "received Fri, resolved Mon");

    f.c.resolved_at = "2024-01-23T00:00:00Z"; /* Tue */
    k = s_classify(&f, fri);
    s_expect_plain(&k, "received Fri, resolved Tue");
}

Test(intake_classify, I4_a_bank_holiday_is_not_the_next_working_day)
{
    /* Fri 24 May 2024 (BST); Mon 27 May is the spring bank holiday, so the
     * next working day is Tue 28 May. */
    s_fx_t f;
    s_fx_init(&f);
    f.c.channel = CANDOUR__V1__CHANNEL__CHANNEL_VERBAL;
    f.c.summary = "Discharge letter not sent to the GP.";
    f.c.summary_agreed = 1;
    int64_t fri = s_london(2024, 5, 24, 11, 0, 0, 1);

    f.c.resolved_at = "2024-05-28T23:59:59+01:00"; /* Tue */
    in_class_t k = s_classify(&f, fri);
    s_expect_outside(&k, "received Fri before the spring bank holiday, resolved Tue");

    f.c.resolved_at = "2024-05-29T00:00:00+01:00"; /* Wed */
    k = s_classify(&f, fri);
    s_expect_plain(&k, "received Fri before the spring bank holiday, resolved Wed");
}

Test(intake_classify, I4_over_easter_the_next_working_day_after_maundy_thursday_is_tuesday)
{
    /* Thu 28 Mar 2024 (GMT); Good Friday 29 Mar, Easter Monday 1 Apr, and
     * BST began on 31 Mar. The next working day is Tue 2 Apr. */
    s_fx_t f;
    s_fx_init(&f);
    f.c.channel = CANDOUR__V1__CHANNEL__CHANNEL_VERBAL;
    f.c.summary = "Discharge letter not sent to the GP.";
    f.c.summary_agreed = 1;
    int64_t thu = s_london(2024, 3, 28, 14, 0, 0, 0);

    f.c.resolved_at = "2024-04-02T22:59:59Z"; /* Tue 23:59:59 BST */
    in_class_t k = s_classify(&f, thu);
    s_expect_outside(&k, "received Maundy Thursday, resolved Tue");

    f.c.resolved_at = "2024-04-02T23:00:00Z"; /* Wed 00:00 BST */
    k = s_classify(&f, thu);
    s_expect_plain(&k, "received Maundy Thursday, resolved Wed");
}

Test(intake_classify, I4_a_resolved_at_on_a_complaint_not_made_orally_is_not_I4)
{
    static const Candour__V1__Channel channels[] = {
        CANDOUR__V1__CHANNEL__CHANNEL_EMAIL, CANDOUR__V1__CHANNEL__CHANNEL_POST,
        CANDOUR__V1__CHANNEL__CHANNEL_WEB, CANDOUR__V1__CHANNEL__CHANNEL_BUS};
    for (size_t i = 0; i < sizeof channels / sizeof channels[0]; i++) {
        s_fx_t f;
        s_fx_init(&f);
        f.c.channel = channels[i];
        f.c.resolved_at = "2024-01-15T15:00:00Z";
        in_class_t k = s_classify(&f, MON_15_JAN_2024);
        s_expect_plain(&k, "resolved the same day but not made orally");
    }
}

Test(intake_classify, I4_an_oral_complaint_without_a_resolved_at_is_a_complaint)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.channel = CANDOUR__V1__CHANNEL__CHANNEL_VERBAL;
    f.c.summary = "Discharge letter not sent to the GP.";
    f.c.summary_agreed = 1;
    in_class_t k = s_classify(&f, MON_15_JAN_2024);
    s_expect_plain(&k, "verbal, agreed, not resolved");
}

Test(intake_classify, I4_a_resolved_at_that_is_not_rfc3339_is_not_I4)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.channel = CANDOUR__V1__CHANNEL__CHANNEL_VERBAL;
    f.c.summary = "Discharge letter not sent to the GP.";
    f.c.summary_agreed = 1;
    f.c.resolved_at = "2024-01-15"; /* a date, not a time */
    in_class_t k = s_classify(&f, MON_15_JAN_2024);
    s_expect_plain(&k, "resolved_at unreadable");
}

Test(intake_classify, I4_an_oral_complaint_resolved_too_late_still_waits_for_its_summary)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.channel = CANDOUR__V1__CHANNEL__CHANNEL_VERBAL;
    f.c.resolved_at = "2024-01-18T10:00:00Z"; /* Thu: too late for I4 */
    in_class_t k = s_classify(&f, MON_15_JAN_2024);
    s_expect_hold(&k, HOLD_SUMMARY, "verbal, resolved late, no agreed summary");
}

/* ------------------------------------------------ I2 the patient's consent */

Test(intake_classify, I2_a_representative_without_the_patients_consent_is_held_awaiting_consent)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.standing = CANDOUR__V1__STANDING__STANDING_PATIENT_CONSENT;
    cr_assert(in_needs_consent(&f.c));
    in_class_t k = s_classify(&f, MON_15_JAN_2024);
    s_expect_hold(&k, HOLD_CONSENT, "no consent, no exception");
    cr_assert_str_eq(in_initial_state(&k), "awaiting-consent");
}

Test(intake_classify, I2_a_recorded_consent_lifts_the_hold)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.standing = CANDOUR__V1__STANDING__STANDING_PATIENT_CONSENT;
    f.c.consents = f.consents;
    f.c.n_consents = 1;
    cr_assert_not(in_needs_consent(&f.c));
    in_class_t k = s_classify(&f, MON_15_JAN_2024);
    s_expect_plain(&k, "consent given");
}

Test(intake_classify, I2_a_recorded_exception_lifts_the_hold)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.standing = CANDOUR__V1__STANDING__STANDING_PATIENT_CONSENT;
    f.c.consent_exception = "Patient in intensive care; the complaint is about their safety.";
    cr_assert_not(in_needs_consent(&f.c));
    in_class_t k = s_classify(&f, MON_15_JAN_2024);
    s_expect_plain(&k, "exception recorded");
}

Test(intake_classify, I2_no_other_standing_is_held_for_consent)
{
    static const Candour__V1__Standing others[] = {
        CANDOUR__V1__STANDING__STANDING_UNSPECIFIED, CANDOUR__V1__STANDING__STANDING_SELF,
        CANDOUR__V1__STANDING__STANDING_AFFECTED,    CANDOUR__V1__STANDING__STANDING_LACKS_CAPACITY,
        CANDOUR__V1__STANDING__STANDING_CHILD,       CANDOUR__V1__STANDING__STANDING_DECEASED};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        s_fx_t f;
        s_fx_init(&f);
        f.c.standing = others[i];
        cr_assert_not(in_needs_consent(&f.c), "standing %d needs consent", others[i]);
        in_class_t k = s_classify(&f, MON_15_JAN_2024);
        cr_assert_eq(k.nholds, 0, "standing %d held", others[i]);
    }
}

/* --------------------------------------- I1 the summary of a verbal complaint */

Test(intake_classify, I1_a_verbal_complaint_is_held_until_its_summary_is_agreed)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.channel = CANDOUR__V1__CHANNEL__CHANNEL_VERBAL;
    f.c.summary = "Discharge letter not sent to the GP.";
    in_class_t k = s_classify(&f, MON_15_JAN_2024);
    s_expect_hold(&k, HOLD_SUMMARY, "summary written, not agreed");
    cr_assert_str_eq(in_initial_state(&k), "awaiting-summary-agreement");

    f.c.summary_agreed = 1;
    k = s_classify(&f, MON_15_JAN_2024);
    s_expect_plain(&k, "summary agreed");
}

Test(intake_classify, I1_only_verbal_complaints_wait_for_a_summary)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.channel = CANDOUR__V1__CHANNEL__CHANNEL_POST;
    in_class_t k = s_classify(&f, MON_15_JAN_2024);
    s_expect_plain(&k, "a letter, no summary");
}

/* ---------------------------------------------------- I3 the time limit */

Test(intake_classify, I3_time_limit_is_the_same_date_twelve_months_later)
{
    static const struct {
        cd_date_t from, to;
    } cases[] = {
        {{2023, 1, 10}, {2024, 1, 10}},   {{2023, 3, 31}, {2024, 3, 31}},
        {{2023, 12, 31}, {2024, 12, 31}}, {{2023, 2, 28}, {2024, 2, 28}},
        {{2024, 2, 28}, {2025, 2, 28}},   {{2024, 3, 1}, {2025, 3, 1}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cd_date_t got = in_time_limit(cases[i].from);
        cr_assert_eq(cd_date_cmp(got, cases[i].to), 0, "%d-%d-%d + 12 months = %d-%d-%d",
                     cases[i].from.y, cases[i].from.m, cases[i].from.d, got.y, got.m, got.d);
    }
}

Test(intake_classify, I3_time_limit_from_29_february_is_28_february_the_next_year)
{
    cd_date_t got = in_time_limit((cd_date_t){2024, 2, 29});
    cr_assert_eq(cd_date_cmp(got, (cd_date_t){2025, 2, 28}), 0, "got %d-%d-%d", got.y, got.m,
                 got.d);
    got = in_time_limit((cd_date_t){2000, 2, 29});
    cr_assert_eq(cd_date_cmp(got, (cd_date_t){2001, 2, 28}), 0, "got %d-%d-%d", got.y, got.m,
                 got.d);
}

Test(intake_classify, I3_a_complaint_made_on_the_last_day_of_twelve_months_is_in_time)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.event_date = "2023-01-15";
    in_class_t k = s_classify(&f, s_london(2024, 1, 15, 23, 59, 59, 0));
    s_expect_plain(&k, "event 15 Jan 2023, received 15 Jan 2024");
}

Test(intake_classify, I3_a_complaint_made_a_day_after_twelve_months_is_held_out_of_time)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.event_date = "2023-01-15";
    in_class_t k = s_classify(&f, s_london(2024, 1, 16, 0, 0, 0, 0));
    s_expect_hold(&k, HOLD_LATE, "event 15 Jan 2023, received 16 Jan 2024");
    cr_assert_str_eq(in_initial_state(&k), "out-of-time");
}

Test(intake_classify, I3_the_day_of_receipt_is_the_london_day_in_summer)
{
    /* Event 14 Jun 2023: the last day in time is 14 Jun 2024. 23:00 UTC that
     * day is already 15 Jun in London. */
    s_fx_t f;
    s_fx_init(&f);
    f.c.event_date = "2023-06-14";
    in_class_t k = s_classify(&f, s_london(2024, 6, 14, 23, 59, 59, 1));
    s_expect_plain(&k, "received 14 Jun 23:59:59 BST");
    k = s_classify(&f, s_london(2024, 6, 15, 0, 0, 0, 1));
    s_expect_hold(&k, HOLD_LATE, "received 15 Jun 00:00 BST (14 Jun 23:00 UTC)");
}

Test(intake_classify, I3_a_later_awareness_date_starts_the_twelve_months_instead)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.event_date = "2022-01-01";
    f.c.awareness_date = "2023-06-01";
    in_class_t k = s_classify(&f, s_london(2024, 6, 1, 12, 0, 0, 1));
    s_expect_plain(&k, "aware 1 Jun 2023, received 1 Jun 2024");
    k = s_classify(&f, s_london(2024, 6, 2, 12, 0, 0, 1));
    s_expect_hold(&k, HOLD_LATE, "aware 1 Jun 2023, received 2 Jun 2024");
}

Test(intake_classify, I3_an_awareness_date_before_the_event_does_not_shorten_the_limit)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.event_date = "2023-06-01";
    f.c.awareness_date = "2022-01-01";
    in_class_t k = s_classify(&f, s_london(2024, 6, 1, 12, 0, 0, 1));
    s_expect_plain(&k, "event 1 Jun 2023 is the later date");
    k = s_classify(&f, s_london(2024, 6, 2, 12, 0, 0, 1));
    s_expect_hold(&k, HOLD_LATE, "event 1 Jun 2023, received 2 Jun 2024");
}

Test(intake_classify, I3_an_awareness_date_alone_starts_the_twelve_months)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.event_date = "";
    f.c.awareness_date = "2023-03-20";
    in_class_t k = s_classify(&f, s_london(2024, 3, 20, 12, 0, 0, 0));
    s_expect_plain(&k, "aware 20 Mar 2023, received 20 Mar 2024");
    k = s_classify(&f, s_london(2024, 3, 21, 12, 0, 0, 0));
    s_expect_hold(&k, HOLD_LATE, "aware 20 Mar 2023, received 21 Mar 2024");
}

Test(intake_classify, I3_without_any_date_a_complaint_is_not_held_out_of_time)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.event_date = "";
    f.c.awareness_date = "";
    in_class_t k = s_classify(&f, MON_15_JAN_2024);
    s_expect_plain(&k, "no dates");
}

Test(intake_classify, I3_a_matter_of_29_february_2024_is_in_time_until_28_february_2025)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.event_date = "2024-02-29";
    in_class_t k = s_classify(&f, s_london(2025, 2, 28, 17, 0, 0, 0));
    s_expect_plain(&k, "received 28 Feb 2025");
    k = s_classify(&f, s_london(2025, 3, 1, 9, 0, 0, 0));
    s_expect_hold(&k, HOLD_LATE, "received 1 Mar 2025");
}

/* ------------------------------------------------------ several at once */

Test(intake_classify, several_holds_come_in_a_stable_order_consent_summary_time)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.standing = CANDOUR__V1__STANDING__STANDING_PATIENT_CONSENT;
    f.c.channel = CANDOUR__V1__CHANNEL__CHANNEL_VERBAL;
    f.c.summary = "Discharge letter not sent to the GP.";
    f.c.event_date = "2022-11-01";
    static const Candour__V1__Hold all[] = {HOLD_CONSENT, HOLD_SUMMARY, HOLD_LATE};
    in_class_t k = s_classify(&f, MON_15_JAN_2024);
    s_expect_complaint(&k, 3, all, "every hold");
    cr_assert_str_eq(in_initial_state(&k), "awaiting-consent");
}

Test(intake_classify, two_holds_keep_the_same_order_and_the_first_names_the_state)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.channel = CANDOUR__V1__CHANNEL__CHANNEL_VERBAL;
    f.c.summary = "Discharge letter not sent to the GP.";
    f.c.event_date = "2022-11-01";
    static const Candour__V1__Hold two[] = {HOLD_SUMMARY, HOLD_LATE};
    in_class_t k = s_classify(&f, MON_15_JAN_2024);
    s_expect_complaint(&k, 2, two, "summary and time");
    cr_assert_str_eq(in_initial_state(&k), "awaiting-summary-agreement");

    f.c.standing = CANDOUR__V1__STANDING__STANDING_PATIENT_CONSENT;
    f.c.summary_agreed = 1;
    static const Candour__V1__Hold other_two[] = {HOLD_CONSENT, HOLD_LATE};
    k = s_classify(&f, MON_15_JAN_2024);
    s_expect_complaint(&k, 2, other_two, "consent and time");
    cr_assert_str_eq(in_initial_state(&k), "awaiting-consent");
}

Test(intake_classify, I4_an_oral_complaint_resolved_in_time_waits_for_nothing_else)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.standing = CANDOUR__V1__STANDING__STANDING_PATIENT_CONSENT;
    f.c.channel = CANDOUR__V1__CHANNEL__CHANNEL_VERBAL;
    f.c.event_date = "2022-11-01";
    f.c.resolved_at = "2024-01-16T09:00:00Z";
    in_class_t k = s_classify(&f, MON_15_JAN_2024);
    s_expect_outside(&k, "resolved by Tue, though it would otherwise be held three ways");
}

/* ------------------------------------------------------------ hold names */

Test(intake_classify, each_hold_has_its_name)
{
    cr_assert_str_eq(in_hold_name(HOLD_CONSENT), "awaiting-consent");
    cr_assert_str_eq(in_hold_name(HOLD_SUMMARY), "awaiting-summary-agreement");
    cr_assert_str_eq(in_hold_name(HOLD_LATE), "out-of-time");
    cr_assert_str_eq(in_hold_name(CANDOUR__V1__HOLD__HOLD_UNSPECIFIED), "held");
    cr_assert_str_eq(in_hold_name((Candour__V1__Hold)99), "held");
}

Test(intake_classify, hold_names_round_trip)
{
    static const Candour__V1__Hold all[] = {HOLD_CONSENT, HOLD_SUMMARY, HOLD_LATE};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        cr_assert_eq(in_hold_from_name(in_hold_name(all[i])), all[i], "%s", in_hold_name(all[i]));
}

Test(intake_classify, a_name_that_is_no_hold_is_HOLD_UNSPECIFIED)
{
    static const char *const names[] = {
        "held", "received", "", "Awaiting-Consent", "awaiting-consent ", "awaiting"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        cr_assert_eq(in_hold_from_name(names[i]), CANDOUR__V1__HOLD__HOLD_UNSPECIFIED, "'%s'",
                     names[i]);
}

/* --------------------------------------------------- initial state, flags */

Test(intake_classify, initial_state_follows_the_classification_then_the_first_hold)
{
    in_class_t k = {.classification = CANDOUR__V1__CLASSIFICATION__CLASSIFICATION_COMPLAINT};
    cr_assert_str_eq(in_initial_state(&k), "received");
    k.holds[0] = HOLD_LATE;
    k.holds[1] = HOLD_CONSENT;
    k.nholds = 2;
    cr_assert_str_eq(in_initial_state(&k), "out-of-time");
    k.classification = CANDOUR__V1__CLASSIFICATION__CLASSIFICATION_COMPLIMENT;
    cr_assert_str_eq(in_initial_state(&k), "compliment");
    k.classification = CANDOUR__V1__CLASSIFICATION__CLASSIFICATION_OUTSIDE_REGULATIONS;
    cr_assert_str_eq(in_initial_state(&k), "outside-regulations");
}

Test(intake_classify, a_held_complaint_is_amendable)
{
    static const char *const held[] = {"awaiting-consent", "awaiting-summary-agreement",
                                       "out-of-time"};
    for (size_t i = 0; i < sizeof held / sizeof held[0]; i++)
        cr_assert(in_amendable(held[i]), "%s", held[i]);
}

Test(intake_classify, a_complaint_not_held_is_not_amendable)
{
    static const char *const other[] = {"received",
                                        "under-investigation",
                                        "awaiting-sign-off",
                                        "response-approved",
                                        "response-sent",
                                        "withdrawn",
                                        "compliment",
                                        "outside-regulations",
                                        "held",
                                        ""};
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
        cr_assert_not(in_amendable(other[i]), "'%s'", other[i]);
}

Test(intake_classify, a_complaint_may_be_withdrawn_until_its_response_has_gone)
{
    static const char *const open[] = {
        "received",         "awaiting-consent",    "awaiting-summary-agreement",
        "out-of-time",      "under-investigation", "awaiting-sign-off",
        "response-approved"};
    for (size_t i = 0; i < sizeof open / sizeof open[0]; i++)
        cr_assert(in_withdrawable(open[i]), "%s", open[i]);
}

Test(intake_classify, a_closed_or_recorded_case_may_not_be_withdrawn)
{
    /* Defect 5: what triage closes is closed for intake too (the lifecycle's
     * answer, not a list of intake's own). */
    static const char *const closed[] = {"response-sent",
                                         "withdrawn",
                                         "compliment",
                                         "outside-regulations",
                                         "declined-out-of-time",
                                         "appeal",
                                         "not-required",
                                         "already-investigated",
                                         "passed-to-provider",
                                         "redirected-to-nhse",
                                         "coordinated-by-another-body",
                                         "",
                                         "no-such-state"};
    for (size_t i = 0; i < sizeof closed / sizeof closed[0]; i++) {
        cr_assert_not(in_withdrawable(closed[i]), "%s", closed[i]);
        cr_assert_not(in_consent_accepted(closed[i]), "%s", closed[i]);
    }
    cr_assert(in_consent_accepted("awaiting-consent"));
    cr_assert(in_consent_accepted("under-investigation"));
}
