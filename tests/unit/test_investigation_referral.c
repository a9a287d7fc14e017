/* test_investigation_referral.c - L4: a complaint's referral to the
 * Ombudsman, recorded stage by stage (services/investigation/referral.h).
 *
 * Each test starts from a valid record (the first, or a later one against a
 * referral already at some stage) and changes one thing. Today is fixed:
 * Friday 4 December 2026; the complaint was received on 1 June 2026. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "referral.h"

static const cd_date_t s_today = {2026, 12, 4};
static const cd_date_t s_received = {2026, 6, 1};

/* The first record: the referral itself. */
static Candour__V1__Referral s_first(void)
{
    Candour__V1__Referral r = CANDOUR__V1__REFERRAL__INIT;
    r.referred_on = "2026-10-12";
    r.phso_ref = "C-1234567";
    r.stage = "referred";
    r.stage_on = "2026-10-12";
    r.note = "The complainant wrote to the Ombudsman after our final response.";
    return r;
}

/* A later record, leaving the day and the reference to the first. */
static Candour__V1__Referral s_later(const char *stage, const char *stage_on)
{
    Candour__V1__Referral r = CANDOUR__V1__REFERRAL__INIT;
    r.stage = (char *)stage;
    r.stage_on = (char *)stage_on;
    return r;
}

/* The referral as recorded so far: at `stage`, which began on `on`. */
static iv_referral_so_far_t s_at(iv_phso_stage_t stage, cd_date_t on)
{
    return (iv_referral_so_far_t){
        .stage = stage, .stage_on = on, .referred_on = {2026, 10, 12}, .phso_ref = "C-1234567"};
}

static const iv_referral_so_far_t s_none = {.stage = IV_PHSO_NONE};

static int s_check(const Candour__V1__Referral *r, const iv_referral_so_far_t *so_far,
                   iv_referral_kept_t *k, cd_fail_t *e)
{
    return iv_referral_check(r, s_received, s_today, so_far, k, e);
}

static void s_accepted(const Candour__V1__Referral *r, const iv_referral_so_far_t *so_far)
{
    cd_fail_t e = {0};
    iv_referral_kept_t k;
    cr_assert_eq(s_check(r, so_far, &k, &e), 0, "refused: %s on %s: %s", cd_code_name(e.code),
                 e.field, e.message);
}

static void s_refused(const Candour__V1__Referral *r, const iv_referral_so_far_t *so_far,
                      const char *code, const char *member)
{
    cd_fail_t e = {0};
    iv_referral_kept_t k;
    char field[CD_FAIL_FIELD_LEN];
    snprintf(field, sizeof field, "record_referral.referral.%s", member);
    cr_assert_eq(s_check(r, so_far, &k, &e), -1, "accepted; wanted %s on %s", code, field);
    cr_assert_str_eq(cd_code_name(e.code), code, "%s: %s", field, e.message);
    cr_assert_str_eq(e.field, field, "%s: %s", code, e.message);
    cr_assert(e.message[0], "%s on %s has no message", code, field);
}

static char *s_repeat(size_t n, char ch)
{
    char *s = malloc(n + 1);
    cr_assert_not_null(s);
    memset(s, ch, n);
    s[n] = 0;
    return s;
}

/* ----------------------------------------------------------- the referral */

Test(investigation_referral, L4_a_first_record_of_the_referral_is_accepted_and_kept_as_given)
{
    Candour__V1__Referral r = s_first();
    cd_fail_t e = {0};
    iv_referral_kept_t k;
    cr_assert_eq(s_check(&r, &s_none, &k, &e), 0, "%s", e.message);
    cr_assert_eq(k.stage, IV_PHSO_REFERRED);
    cr_assert_str_eq(k.phso_ref, "C-1234567");
    cr_assert_eq(cd_date_cmp(k.referred_on, (cd_date_t){2026, 10, 12}), 0);
    cr_assert_eq(cd_date_cmp(k.stage_on, (cd_date_t){2026, 10, 12}), 0);
}

Test(investigation_referral, L4_referred_on_is_a_real_date_not_after_today)
{
    Candour__V1__Referral r = s_first();
    r.referred_on = "2026-02-30";
    s_refused(&r, &s_none, "INVALID_DATE", "referred_on");
    r.referred_on = "12/10/2026";
    s_refused(&r, &s_none, "INVALID_DATE", "referred_on");
    r.referred_on = "2026-12-05";
    r.stage_on = "2026-12-04";
    s_refused(&r, &s_none, "DATE_IN_FUTURE", "referred_on");
    r.referred_on = "2026-12-04";
    s_accepted(&r, &s_none);
}

Test(investigation_referral, L4_referred_on_is_not_before_the_complaint_was_received)
{
    Candour__V1__Referral r = s_first();
    r.referred_on = "2026-05-31";
    s_refused(&r, &s_none, "INVALID_ARGUMENT", "referred_on");
    r.referred_on = "2026-06-01";
    r.stage_on = "2026-06-01";
    s_accepted(&r, &s_none);
}

Test(investigation_referral, L4_the_first_record_gives_the_day_of_the_referral_and_the_reference)
{
    Candour__V1__Referral r = s_first();
    r.referred_on = "";
    s_refused(&r, &s_none, "REQUIRED", "referred_on");
    r = s_first();
    r.phso_ref = "";
    s_refused(&r, &s_none, "REQUIRED", "phso_ref");
}

Test(investigation_referral, L4_the_ombudsmans_reference_is_one_line_of_1_to_40_bytes)
{
    Candour__V1__Referral r = s_first();
    char *forty = s_repeat(40, '7'), *longer = s_repeat(41, '7');
    r.phso_ref = forty;
    s_accepted(&r, &s_none);
    r.phso_ref = longer;
    s_refused(&r, &s_none, "TOO_LONG", "phso_ref");
    r.phso_ref = "C-1234\n567";
    s_refused(&r, &s_none, "INVALID_TEXT", "phso_ref");
    r.phso_ref = "C-\xff";
    s_refused(&r, &s_none, "INVALID_TEXT", "phso_ref");
    free(forty);
    free(longer);
}

Test(investigation_referral, L4_a_missing_referral_is_REQUIRED)
{
    cd_fail_t e = {0};
    cr_assert_eq(iv_referral_validate(NULL, s_today, &e), -1);
    cr_assert_str_eq(cd_code_name(e.code), "REQUIRED");
    cr_assert_str_eq(e.field, "record_referral.referral");
}

/* -------------------------------------------------------------- the stages */

Test(investigation_referral, L4_the_stage_is_one_of_the_five_and_its_name_parses_back)
{
    static const char *const names[] = {"referred", "assessing", "investigating", "decided",
                                        "not-investigated"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        iv_phso_stage_t s = IV_PHSO_NONE;
        cd_fail_t e = {0};
        cr_assert_eq(iv_phso_stage_parse(names[i], &s, &e), 0, "%s", names[i]);
        cr_assert_eq(s, (iv_phso_stage_t)(IV_PHSO_REFERRED + i));
        cr_assert_str_eq(iv_phso_stage_name(s), names[i]);
    }
    Candour__V1__Referral r = s_first();
    r.stage = "Referred";
    s_refused(&r, &s_none, "INVALID_ENUM", "stage");
    r.stage = "closed";
    s_refused(&r, &s_none, "INVALID_ENUM", "stage");
    r.stage = "";
    s_refused(&r, &s_none, "REQUIRED", "stage");
}

Test(investigation_referral, L4_the_first_record_must_be_at_the_stage_referred)
{
    for (iv_phso_stage_t s = IV_PHSO_ASSESSING; s <= IV_PHSO_NOT_INVESTIGATED; s++) {
        cd_fail_t e = {0};
        cr_assert_eq(iv_phso_stage_follows(IV_PHSO_NONE, s, &e), -1, "%s first",
                     iv_phso_stage_name(s));
        cr_assert_str_eq(cd_code_name(e.code), "FAILED_PRECONDITION");
        cr_assert_str_eq(e.field, "record_referral.referral.stage");
    }
    cd_fail_t e = {0};
    cr_assert_eq(iv_phso_stage_follows(IV_PHSO_NONE, IV_PHSO_REFERRED, &e), 0);
    /* And so through the whole check: even with everything else in order. */
    Candour__V1__Referral r = s_first();
    r.stage = "assessing";
    s_refused(&r, &s_none, "FAILED_PRECONDITION", "stage");
}

Test(investigation_referral, L4_stages_only_move_forward_from_the_last_recorded)
{
    /* allowed[last][next], in the enum's order from REFERRED: referred <
     * assessing < investigating < decided; not-investigated after referred or
     * assessing; nothing after decided or not-investigated. */
    static const int allowed[5][5] = {
        /* columns: next, in the same order as the rows */
        /* referred      */ {0, 1, 1, 1, 1},
        /* assessing     */ {0, 0, 1, 1, 1},
        /* investigating */ {0, 0, 0, 1, 0},
        /* decided       */ {0, 0, 0, 0, 0},
        /* not-invest.   */ {0, 0, 0, 0, 0},
    };
    for (int last = 0; last < 5; last++)
        for (int next = 0; next < 5; next++) {
            iv_phso_stage_t l = (iv_phso_stage_t)(IV_PHSO_REFERRED + last);
            iv_phso_stage_t n = (iv_phso_stage_t)(IV_PHSO_REFERRED + next);
            cd_fail_t e = {0};
            int rc = iv_phso_stage_follows(l, n, &e);
            cr_assert_eq(rc == 0, allowed[last][next], "%s after %s: %s", iv_phso_stage_name(n),
                         iv_phso_stage_name(l), rc == 0 ? "accepted" : "refused");
            if (rc != 0) {
                cr_assert_str_eq(cd_code_name(e.code), "FAILED_PRECONDITION");
                cr_assert_str_eq(e.field, "record_referral.referral.stage");
            }
        }
}

Test(investigation_referral, L4_nothing_follows_the_ombudsmans_decision)
{
    iv_phso_stage_t ends[2] = {IV_PHSO_DECIDED, IV_PHSO_NOT_INVESTIGATED};
    for (int i = 0; i < 2; i++) {
        iv_referral_so_far_t at = s_at(ends[i], (cd_date_t){2026, 11, 20});
        Candour__V1__Referral r = s_later("decided", "2026-12-01");
        r.outcome = "upheld";
        cd_fail_t e = {0};
        iv_referral_kept_t k;
        cr_assert_eq(s_check(&r, &at, &k, &e), -1);
        cr_assert_str_eq(cd_code_name(e.code), "FAILED_PRECONDITION");
        cr_assert(strstr(e.message, "the Ombudsman's decision is recorded already"), "%s",
                  e.message);
    }
}

Test(investigation_referral, L4_a_stage_moves_forward_through_the_whole_check)
{
    iv_referral_so_far_t at = s_at(IV_PHSO_ASSESSING, (cd_date_t){2026, 10, 20});
    Candour__V1__Referral r = s_later("investigating", "2026-11-02");
    s_accepted(&r, &at);
    r = s_later("referred", "2026-11-02");
    s_refused(&r, &at, "FAILED_PRECONDITION", "stage");
    r = s_later("assessing", "2026-11-02");
    s_refused(&r, &at, "FAILED_PRECONDITION", "stage");
}

/* ------------------------------------------------------------- the outcome */

Test(investigation_referral, L4_an_outcome_is_required_for_a_decision_and_only_for_one)
{
    iv_referral_so_far_t at = s_at(IV_PHSO_INVESTIGATING, (cd_date_t){2026, 11, 2});
    Candour__V1__Referral r = s_later("decided", "2026-12-01");
    s_refused(&r, &at, "REQUIRED", "outcome");
    static const char *const ok[] = {"upheld", "partly-upheld", "not-upheld"};
    for (size_t i = 0; i < 3; i++) {
        r.outcome = (char *)ok[i];
        s_accepted(&r, &at);
    }
    r.outcome = "partially-upheld";
    s_refused(&r, &at, "INVALID_ENUM", "outcome");
    r.outcome = "Upheld";
    s_refused(&r, &at, "INVALID_ENUM", "outcome");
    /* Any other stage has none. */
    iv_referral_so_far_t ref = s_at(IV_PHSO_REFERRED, (cd_date_t){2026, 10, 12});
    static const char *const others[] = {"assessing", "investigating", "not-investigated"};
    for (size_t i = 0; i < 3; i++) {
        r = s_later(others[i], "2026-11-02");
        r.outcome = "upheld";
        s_refused(&r, &ref, "INVALID_ARGUMENT", "outcome");
        r.outcome = "";
        s_accepted(&r, &ref);
    }
    Candour__V1__Referral first = s_first();
    first.outcome = "not-upheld";
    s_refused(&first, &s_none, "INVALID_ARGUMENT", "outcome");
}

/* ------------------------------------------------------------ the stage's day */

Test(investigation_referral, L4_stage_on_is_a_real_date_not_after_today)
{
    iv_referral_so_far_t at = s_at(IV_PHSO_REFERRED, (cd_date_t){2026, 10, 12});
    Candour__V1__Referral r = s_later("assessing", "");
    s_refused(&r, &at, "REQUIRED", "stage_on");
    r.stage_on = "2026-11-31";
    s_refused(&r, &at, "INVALID_DATE", "stage_on");
    r.stage_on = "2026-12-05";
    s_refused(&r, &at, "DATE_IN_FUTURE", "stage_on");
    r.stage_on = "2026-12-04";
    s_accepted(&r, &at);
}

Test(investigation_referral, L4_stage_on_is_not_before_the_referral)
{
    Candour__V1__Referral r = s_first();
    r.stage_on = "2026-10-11";
    s_refused(&r, &s_none, "INVALID_ARGUMENT", "stage_on");
    /* A later stage, against the first record's day (the rule said so,
     * before the last stage's day, which is the same here). */
    iv_referral_so_far_t at = s_at(IV_PHSO_REFERRED, (cd_date_t){2026, 10, 12});
    r = s_later("assessing", "2026-10-11");
    s_refused(&r, &at, "INVALID_ARGUMENT", "stage_on");
    cd_fail_t e = {0};
    iv_referral_kept_t k;
    cr_assert_eq(s_check(&r, &at, &k, &e), -1);
    cr_assert(strstr(e.message, "before the referral itself, on 12 October 2026"), "%s", e.message);
}

Test(investigation_referral, L4_stage_on_is_not_before_the_last_stage_began)
{
    iv_referral_so_far_t at = s_at(IV_PHSO_ASSESSING, (cd_date_t){2026, 11, 2});
    Candour__V1__Referral r = s_later("investigating", "2026-11-01");
    s_refused(&r, &at, "INVALID_ARGUMENT", "stage_on");
    cd_fail_t e = {0};
    iv_referral_kept_t k;
    cr_assert_eq(s_check(&r, &at, &k, &e), -1);
    cr_assert(strstr(e.message, "before the last one recorded (assessing, on 2 November 2026)"),
              "%s", e.message);
    r.stage_on = "2026-11-02";
    s_accepted(&r, &at);
}

/* ---------------------------------------------------------------- the note */

Test(investigation_referral, L4_a_note_is_at_most_4000_bytes_and_may_have_lines)
{
    Candour__V1__Referral r = s_first();
    char *most = s_repeat(4000, 'n'), *over = s_repeat(4001, 'n');
    r.note = most;
    s_accepted(&r, &s_none);
    r.note = over;
    s_refused(&r, &s_none, "TOO_LONG", "note");
    r.note = "The Ombudsman asked for:\n\t- the complaint file\n\t- the final response";
    s_accepted(&r, &s_none);
    r.note = "a bell\a";
    s_refused(&r, &s_none, "INVALID_TEXT", "note");
    r.note = "";
    s_accepted(&r, &s_none);
    free(most);
    free(over);
}

/* ------------------------------------------- what never changes after the first */

Test(investigation_referral, L4_a_later_record_left_empty_takes_the_day_and_reference_of_the_first)
{
    iv_referral_so_far_t at = s_at(IV_PHSO_REFERRED, (cd_date_t){2026, 10, 12});
    Candour__V1__Referral r = s_later("assessing", "2026-10-30");
    cd_fail_t e = {0};
    iv_referral_kept_t k;
    cr_assert_eq(s_check(&r, &at, &k, &e), 0, "%s", e.message);
    cr_assert_str_eq(k.phso_ref, "C-1234567");
    cr_assert_eq(cd_date_cmp(k.referred_on, (cd_date_t){2026, 10, 12}), 0);
    cr_assert_eq(k.stage, IV_PHSO_ASSESSING);
    cr_assert_eq(cd_date_cmp(k.stage_on, (cd_date_t){2026, 10, 30}), 0);
}

Test(investigation_referral, L4_a_later_record_may_repeat_the_day_and_reference_of_the_first)
{
    iv_referral_so_far_t at = s_at(IV_PHSO_REFERRED, (cd_date_t){2026, 10, 12});
    Candour__V1__Referral r = s_later("assessing", "2026-10-30");
    r.referred_on = "2026-10-12";
    r.phso_ref = "C-1234567";
    s_accepted(&r, &at);
}

Test(investigation_referral, L4_the_day_and_reference_cannot_change_after_the_first_record)
{
    iv_referral_so_far_t at = s_at(IV_PHSO_REFERRED, (cd_date_t){2026, 10, 12});
    Candour__V1__Referral r = s_later("assessing", "2026-10-30");
    r.referred_on = "2026-10-13";
    s_refused(&r, &at, "INVALID_ARGUMENT", "referred_on");
    r = s_later("assessing", "2026-10-30");
    r.phso_ref = "C-7654321";
    s_refused(&r, &at, "INVALID_ARGUMENT", "phso_ref");
    r.phso_ref = "c-1234567"; /* the Ombudsman's reference as written: case counts */
    s_refused(&r, &at, "INVALID_ARGUMENT", "phso_ref");
}

/* ---------------------------------------------------------------- the case */

Test(investigation_referral, L4_an_open_or_completed_case_takes_a_referral)
{
    cd_fail_t e = {0};
    cr_assert_eq(iv_referral_case_ok("open", &e), 0);
    cr_assert_eq(iv_referral_case_ok("completed", &e), 0);
}

Test(investigation_referral, L4_a_withdrawn_complaint_takes_no_referral)
{
    cd_fail_t e = {0};
    cr_assert_eq(iv_referral_case_ok("withdrawn", &e), -1);
    cr_assert_str_eq(cd_code_name(e.code), "FAILED_PRECONDITION");
    cr_assert_str_eq(e.field, "record_referral.complaint_ref");
    cr_assert(strstr(e.message, "the complaint was withdrawn"), "%s", e.message);
    cd_fail_t u = {0};
    cr_assert_eq(iv_referral_case_ok("", &u), -1);
    cr_assert_str_eq(cd_code_name(u.code), "FAILED_PRECONDITION");
    cr_assert_null(strstr(u.message, "withdrawn"), "%s", u.message);
}
