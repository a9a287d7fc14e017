/* test_casework_rules.c - the investigation's rules (casework.h): the plan
 * (V2), key issues (V3), evidence and attachments (V4), findings and the
 * overall outcome (V3, V5), actions, remedy and apology (V5, F1). Each test states one rule, both
 * ways where it can: what is accepted, and what is refused with which code on which field.
 *
 * Today is Wednesday 25 November 2026 throughout. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/util.h"
#include "casework.h"

static const cd_date_t s_today = {2026, 11, 25};

static cd_date_t s_d(const char *ymd)
{
    cd_date_t d;
    cr_assert_eq(cd_date_parse(ymd, &d), 0, "%s", ymd);
    return d;
}

/* rc is a refusal with code on field, and says something. */
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

static char *s_repeat(size_t n, char ch)
{
    char *s = malloc(n + 1);
    cr_assert_not_null(s);
    memset(s, ch, n);
    s[n] = 0;
    return s;
}

/* ================================================================ V2: plan */

Test(casework_rules, V2_the_grading_is_low_medium_or_high)
{
    static const char *const ok[] = {"low", "medium", "high"};
    for (int i = 0; i < 3; i++) {
        iv_grading_t g;
        cd_fail_t e = {0};
        EXPECT_OK(iv_grading_parse(ok[i], &g, "set_grading.grading", &e), e);
        cr_assert_eq(g, IV_GRADING_LOW + i);
        cr_assert_str_eq(iv_grading_name(g), ok[i]);
    }
    iv_grading_t g;
    cd_fail_t e = {0};
    EXPECT_FAIL(iv_grading_parse("High", &g, "set_grading.grading", &e), e, "INVALID_ENUM",
                "set_grading.grading");
    EXPECT_FAIL(iv_grading_parse("urgent", &g, "set_grading.grading", &e), e, "INVALID_ENUM",
                "set_grading.grading");
    EXPECT_FAIL(iv_grading_parse("", &g, "set_grading.grading", &e), e, "REQUIRED",
                "set_grading.grading");
}

Test(casework_rules, V2_the_default_plan_grows_with_the_grading)
{
    iv_step_t s[IV_STEP_COUNT];
    cr_assert_eq(iv_plan_template(IV_GRADING_LOW, s), 1);
    cr_assert_eq(s[0], IV_STEP_DOCUMENT_REVIEW);
    cr_assert_eq(iv_plan_template(IV_GRADING_MEDIUM, s), 3);
    cr_assert_eq(s[0], IV_STEP_DOCUMENT_REVIEW);
    cr_assert_eq(s[1], IV_STEP_COMPLAINANT_MEETING);
    cr_assert_eq(s[2], IV_STEP_STAFF_INTERVIEWS);
    cr_assert_eq(iv_plan_template(IV_GRADING_HIGH, s), 5);
    cr_assert_eq(s[3], IV_STEP_INDEPENDENT_CLINICAL_ADVICE);
    cr_assert_eq(s[4], IV_STEP_CASE_CONFERENCE);
}

Test(casework_rules, V2_every_step_has_a_slug_that_parses_back_and_words)
{
    for (int i = 0; i < IV_STEP_COUNT; i++) {
        iv_step_t s;
        cr_assert_eq(iv_step_parse(iv_step_name((iv_step_t)i), &s), 0);
        cr_assert_eq(s, (iv_step_t)i);
        cr_assert_not_null(iv_step_words((iv_step_t)i));
    }
    iv_step_t s;
    cr_assert_eq(iv_step_parse("Document-Review", &s), -1);
    cr_assert_eq(iv_step_parse("", &s), -1);
    cr_assert_eq(iv_step_parse(NULL, &s), -1);
    cr_assert_null(iv_step_words(IV_STEP_COUNT));
}

Test(casework_rules, V2_an_organisations_plan_is_read_with_blanks_around_the_commas)
{
    iv_step_t s[IV_STEP_COUNT];
    cd_fail_t e = {0};
    int n = iv_plan_parse(" document-review ,\tstaff-interviews,site-visit", s, IV_STEP_COUNT,
                          "config.plan.medium", &e);
    EXPECT_OK(n < 0 ? -1 : 0, e);
    cr_assert_eq(n, 3);
    cr_assert_eq(s[0], IV_STEP_DOCUMENT_REVIEW);
    cr_assert_eq(s[1], IV_STEP_STAFF_INTERVIEWS);
    cr_assert_eq(s[2], IV_STEP_SITE_VISIT);
}

Test(casework_rules, V2_an_unknown_step_in_an_organisations_plan_is_refused_by_its_position)
{
    iv_step_t s[IV_STEP_COUNT];
    cd_fail_t e = {0};
    EXPECT_FAIL(
        iv_plan_parse("document-review,home-visit", s, IV_STEP_COUNT, "config.plan.low", &e), e,
        "INVALID_ENUM", "config.plan.low");
    cr_assert(strstr(e.message, "step 2"), "%s", e.message);
    cr_assert(strstr(e.message, "\"home-visit\""), "%s", e.message);
}

Test(casework_rules, V2_a_step_named_twice_in_an_organisations_plan_is_refused)
{
    iv_step_t s[IV_STEP_COUNT];
    cd_fail_t e = {0};
    EXPECT_FAIL(iv_plan_parse("document-review,site-visit,document-review", s, IV_STEP_COUNT,
                              "config.plan.low", &e),
                e, "INVALID_ARGUMENT", "config.plan.low");
    cr_assert(strstr(e.message, "step 3"), "%s", e.message);
}

Test(casework_rules, V2_an_empty_plan_or_an_empty_step_is_refused)
{
    iv_step_t s[IV_STEP_COUNT];
    cd_fail_t e = {0};
    EXPECT_FAIL(iv_plan_parse("", s, IV_STEP_COUNT, "p", &e), e, "REQUIRED", "p");
    EXPECT_FAIL(iv_plan_parse("  ", s, IV_STEP_COUNT, "p", &e), e, "REQUIRED", "p");
    EXPECT_FAIL(iv_plan_parse(NULL, s, IV_STEP_COUNT, "p", &e), e, "REQUIRED", "p");
    EXPECT_FAIL(iv_plan_parse("document-review,,site-visit", s, IV_STEP_COUNT, "p", &e), e,
                "INVALID_ARGUMENT", "p");
    EXPECT_FAIL(iv_plan_parse("document-review,", s, IV_STEP_COUNT, "p", &e), e, "INVALID_ARGUMENT",
                "p");
}

Test(casework_rules, V2_a_plan_longer_than_the_room_given_is_TOO_MANY)
{
    iv_step_t s[2];
    cd_fail_t e = {0};
    cr_assert_eq(iv_plan_parse("document-review,site-visit", s, 2, "p", &e), 2);
    EXPECT_FAIL(iv_plan_parse("document-review,site-visit,records-review", s, 2, "p", &e), e,
                "TOO_MANY", "p");
}

static const char *const s_high_full[] = {"document-review", "staff-interviews",
                                          "independent-clinical-advice", "case-conference"};

Test(casework_rules, V2_a_high_grading_plan_with_both_safeguards_needs_no_reason)
{
    iv_step_t out[IV_STEP_COUNT];
    cd_fail_t e = {0};
    EXPECT_OK(iv_plan_check(IV_GRADING_HIGH, s_high_full, 4, "", out, "edit_plan", &e), e);
    cr_assert_eq(out[2], IV_STEP_INDEPENDENT_CLINICAL_ADVICE);
    cr_assert_eq(out[3], IV_STEP_CASE_CONFERENCE);
}

Test(casework_rules, a_high_grading_plan_without_clinical_advice_needs_a_reason)
{
    static const char *const steps[] = {"document-review", "staff-interviews", "case-conference"};
    cd_fail_t e = {0};
    EXPECT_FAIL(iv_plan_check(IV_GRADING_HIGH, steps, 3, "", NULL, "edit_plan", &e), e, "REQUIRED",
                "edit_plan.reason");
    cr_assert(strstr(e.message, "independent clinical advice"), "%s", e.message);
    cr_assert_null(strstr(e.message, "case conference"), "%s", e.message);
    EXPECT_FAIL(iv_plan_check(IV_GRADING_HIGH, steps, 3, NULL, NULL, "edit_plan", &e), e,
                "REQUIRED", "edit_plan.reason");
    EXPECT_OK(iv_plan_check(IV_GRADING_HIGH, steps, 3,
                            "The records settle the clinical question; the family agreed that no"
                            " outside advice is needed.",
                            NULL, "edit_plan", &e),
              e);
}

Test(casework_rules, a_high_grading_plan_without_a_case_conference_needs_a_reason)
{
    static const char *const steps[] = {"document-review", "independent-clinical-advice"};
    cd_fail_t e = {0};
    EXPECT_FAIL(iv_plan_check(IV_GRADING_HIGH, steps, 2, "", NULL, "edit_plan", &e), e, "REQUIRED",
                "edit_plan.reason");
    cr_assert(strstr(e.message, "case conference"), "%s", e.message);
    static const char *const neither[] = {"document-review"};
    EXPECT_FAIL(iv_plan_check(IV_GRADING_HIGH, neither, 1, "", NULL, "edit_plan", &e), e,
                "REQUIRED", "edit_plan.reason");
    cr_assert(strstr(e.message, "independent clinical advice and a case conference"), "%s",
              e.message);
}

Test(casework_rules, V2_a_low_or_medium_plan_may_leave_the_safeguards_out_without_a_reason)
{
    static const char *const steps[] = {"document-review"};
    cd_fail_t e = {0};
    EXPECT_OK(iv_plan_check(IV_GRADING_LOW, steps, 1, "", NULL, "edit_plan", &e), e);
    EXPECT_OK(iv_plan_check(IV_GRADING_MEDIUM, steps, 1, NULL, NULL, "edit_plan", &e), e);
}

Test(casework_rules, V2_an_edited_plan_names_the_index_of_an_unknown_or_repeated_step)
{
    static const char *const unknown[] = {"document-review", "gut-feeling"};
    static const char *const twice[] = {"site-visit", "document-review", "site-visit"};
    cd_fail_t e = {0};
    EXPECT_FAIL(iv_plan_check(IV_GRADING_LOW, unknown, 2, "", NULL, "edit_plan", &e), e,
                "INVALID_ENUM", "edit_plan.steps[1]");
    EXPECT_FAIL(iv_plan_check(IV_GRADING_LOW, twice, 3, "", NULL, "edit_plan", &e), e,
                "INVALID_ARGUMENT", "edit_plan.steps[2]");
    EXPECT_FAIL(iv_plan_check(IV_GRADING_LOW, NULL, 0, "", NULL, "edit_plan", &e), e, "REQUIRED",
                "edit_plan.steps");
}

Test(casework_rules, V2_a_reason_for_the_plan_is_checked_as_text)
{
    cd_fail_t e = {0};
    EXPECT_FAIL(iv_plan_check(IV_GRADING_HIGH, s_high_full, 4, "bell\x07", NULL, "edit_plan", &e),
                e, "INVALID_TEXT", "edit_plan.reason");
    char *r = s_repeat(2001, 'r');
    int rc = iv_plan_check(IV_GRADING_HIGH, s_high_full, 4, r, NULL, "edit_plan", &e);
    free(r);
    EXPECT_FAIL(rc, e, "TOO_LONG", "edit_plan.reason");
}

/* ========================================================= V3: key issues */

static iv_key_issue_t s_issue(void)
{
    iv_key_issue_t ki = {
        .summary = "The care package was stopped without the review the policy requires.",
        .subject = "clinical-treatment",
        .service_area = "continuing-healthcare",
        .profession = "nursing",
        .agreed_on = "2026-10-01",
        .agreed_how = "in-a-meeting",
    };
    return ki;
}

Test(casework_rules, V3_a_complete_key_issue_is_accepted)
{
    iv_key_issue_t ki = s_issue();
    cd_fail_t e = {0};
    EXPECT_OK(iv_key_issue_check(&ki, s_today, "add_key_issue.issue", &e), e);
    static const char *const how[] = {"in-writing", "by-telephone", "in-a-meeting", "by-email"};
    for (int i = 0; i < 4; i++) {
        ki.agreed_how = how[i];
        EXPECT_OK(iv_key_issue_check(&ki, s_today, "add_key_issue.issue", &e), e);
    }
}

Test(casework_rules, V3_a_key_issue_is_agreed_on_a_date_up_to_today)
{
    iv_key_issue_t ki = s_issue();
    cd_fail_t e = {0};
    ki.agreed_on = "2026-11-25";
    EXPECT_OK(iv_key_issue_check(&ki, s_today, "k", &e), e);
    ki.agreed_on = "2026-11-26";
    EXPECT_FAIL(iv_key_issue_check(&ki, s_today, "k", &e), e, "DATE_IN_FUTURE", "k.agreed_on");
    cr_assert(strstr(e.message, "26 November 2026"), "%s", e.message);
    ki.agreed_on = "2026-02-30";
    EXPECT_FAIL(iv_key_issue_check(&ki, s_today, "k", &e), e, "INVALID_DATE", "k.agreed_on");
    ki.agreed_on = "";
    EXPECT_FAIL(iv_key_issue_check(&ki, s_today, "k", &e), e, "REQUIRED", "k.agreed_on");
}

Test(casework_rules, V3_how_it_was_agreed_is_one_of_the_four_ways)
{
    iv_key_issue_t ki = s_issue();
    cd_fail_t e = {0};
    ki.agreed_how = "by-pigeon";
    EXPECT_FAIL(iv_key_issue_check(&ki, s_today, "k", &e), e, "INVALID_ENUM", "k.agreed_how");
    ki.agreed_how = "";
    EXPECT_FAIL(iv_key_issue_check(&ki, s_today, "k", &e), e, "REQUIRED", "k.agreed_how");
}

Test(casework_rules, V3_ko41a_codes_are_slugs_of_at_most_64_characters)
{
    iv_key_issue_t ki = s_issue();
    cd_fail_t e = {0};
    char *code = s_repeat(64, 'a');
    ki.subject = code;
    int at_max = iv_key_issue_check(&ki, s_today, "k", &e);
    free(code);
    EXPECT_OK(at_max, e);
    code = s_repeat(65, 'a');
    ki.subject = code;
    int over = iv_key_issue_check(&ki, s_today, "k", &e);
    free(code);
    EXPECT_FAIL(over, e, "TOO_LONG", "k.subject");
    ki = s_issue();
    ki.service_area = "Acute Services";
    EXPECT_FAIL(iv_key_issue_check(&ki, s_today, "k", &e), e, "INVALID_ARGUMENT", "k.service_area");
    ki = s_issue();
    ki.profession = "";
    EXPECT_FAIL(iv_key_issue_check(&ki, s_today, "k", &e), e, "REQUIRED", "k.profession");
    ki.profession = "allied-health-2";
    EXPECT_OK(iv_key_issue_check(&ki, s_today, "k", &e), e);
}

Test(casework_rules, V3_a_summary_is_2000_bytes_of_text_at_most)
{
    iv_key_issue_t ki = s_issue();
    cd_fail_t e = {0};
    char *s = s_repeat(2000, 's');
    ki.summary = s;
    int at_max = iv_key_issue_check(&ki, s_today, "k", &e);
    free(s);
    EXPECT_OK(at_max, e);
    s = s_repeat(2001, 's');
    ki.summary = s;
    int over = iv_key_issue_check(&ki, s_today, "k", &e);
    free(s);
    EXPECT_FAIL(over, e, "TOO_LONG", "k.summary");
    ki.summary = "";
    EXPECT_FAIL(iv_key_issue_check(&ki, s_today, "k", &e), e, "REQUIRED", "k.summary");
    ki.summary = "caf\xc3\x28";
    EXPECT_FAIL(iv_key_issue_check(&ki, s_today, "k", &e), e, "INVALID_TEXT", "k.summary");
    ki.summary = "First line.\nSecond line.";
    EXPECT_OK(iv_key_issue_check(&ki, s_today, "k", &e), e);
}

Test(casework_rules, V3_without_a_field_prefix_the_member_is_named_alone)
{
    iv_key_issue_t ki = s_issue();
    ki.summary = "";
    cd_fail_t e = {0};
    EXPECT_FAIL(iv_key_issue_check(&ki, s_today, NULL, &e), e, "REQUIRED", "summary");
    EXPECT_FAIL(iv_key_issue_check(&ki, s_today, "", &e), e, "REQUIRED", "summary");
}

Test(casework_rules, V3_a_case_has_one_to_30_key_issues)
{
    cd_fail_t e = {0};
    EXPECT_OK(iv_key_issue_count_check(1, "agree.issues", &e), e);
    EXPECT_OK(iv_key_issue_count_check(30, "agree.issues", &e), e);
    EXPECT_FAIL(iv_key_issue_count_check(31, "agree.issues", &e), e, "TOO_MANY", "agree.issues");
    EXPECT_FAIL(iv_key_issue_count_check(0, "agree.issues", &e), e, "REQUIRED", "agree.issues");
}

/* ============================================================ V4: evidence */

static iv_evidence_t s_evidence(void)
{
    iv_evidence_t ev = {
        .kind = "staff-account",
        .source = "Ward manager, Ward 7",
        .date = "2026-11-02",
        .summary = "The review meeting was booked for 3 March but did not take place.",
        .flag = "",
        .flag_note = "",
    };
    return ev;
}

Test(casework_rules, V4_an_item_of_each_kind_is_accepted)
{
    static const char *const kinds[] = {"complainant-account", "staff-account",      "records",
                                        "policy-or-guidance",  "independent-advice", "other"};
    for (int i = 0; i < 6; i++) {
        iv_evidence_t ev = s_evidence();
        ev.kind = kinds[i];
        cd_fail_t e = {0};
        EXPECT_OK(iv_evidence_check(&ev, s_today, "add_evidence.item", &e), e);
        iv_evidence_kind_t k;
        cr_assert_eq(iv_evidence_kind_parse(kinds[i], &k), 0);
        cr_assert_eq(k, (iv_evidence_kind_t)i);
        cr_assert_not_null(iv_evidence_kind_words(k));
    }
    iv_evidence_t ev = s_evidence();
    ev.kind = "hearsay";
    cd_fail_t e = {0};
    EXPECT_FAIL(iv_evidence_check(&ev, s_today, "add_evidence.item", &e), e, "INVALID_ENUM",
                "add_evidence.item.kind");
    ev.kind = NULL;
    EXPECT_FAIL(iv_evidence_check(&ev, s_today, "add_evidence.item", &e), e, "REQUIRED",
                "add_evidence.item.kind");
}

Test(casework_rules, V4_a_discrepancy_or_a_gap_is_recorded_with_a_note)
{
    iv_evidence_t ev = s_evidence();
    cd_fail_t e = {0};
    ev.flag = "discrepancy";
    ev.flag_note = "The diary shows the meeting as held; the ward manager says it was not.";
    EXPECT_OK(iv_evidence_check(&ev, s_today, "x", &e), e);
    ev.flag = "gap";
    ev.flag_note = "No record of the phone call on 4 March.";
    EXPECT_OK(iv_evidence_check(&ev, s_today, "x", &e), e);
    ev.flag_note = "";
    EXPECT_FAIL(iv_evidence_check(&ev, s_today, "x", &e), e, "REQUIRED", "x.flag_note");
    ev.flag = "discrepancy";
    EXPECT_FAIL(iv_evidence_check(&ev, s_today, "x", &e), e, "REQUIRED", "x.flag_note");
    ev.flag = "smoothed-over";
    EXPECT_FAIL(iv_evidence_check(&ev, s_today, "x", &e), e, "INVALID_ENUM", "x.flag");
}

Test(casework_rules, V4_a_note_without_a_flag_is_refused)
{
    iv_evidence_t ev = s_evidence();
    ev.flag_note = "Something does not add up.";
    cd_fail_t e = {0};
    EXPECT_FAIL(iv_evidence_check(&ev, s_today, "x", &e), e, "INVALID_ARGUMENT", "x.flag_note");
}

Test(casework_rules, V4_evidence_is_dated_up_to_today)
{
    iv_evidence_t ev = s_evidence();
    cd_fail_t e = {0};
    ev.date = "2026-11-25";
    EXPECT_OK(iv_evidence_check(&ev, s_today, "x", &e), e);
    ev.date = "2027-01-01";
    EXPECT_FAIL(iv_evidence_check(&ev, s_today, "x", &e), e, "DATE_IN_FUTURE", "x.date");
    ev.date = "1 Nov 2026";
    EXPECT_FAIL(iv_evidence_check(&ev, s_today, "x", &e), e, "INVALID_DATE", "x.date");
}

Test(casework_rules, V4_source_is_one_line_of_200_bytes_and_summary_10000)
{
    iv_evidence_t ev = s_evidence();
    cd_fail_t e = {0};
    char *s = s_repeat(200, 'w');
    ev.source = s;
    int at_max = iv_evidence_check(&ev, s_today, "x", &e);
    free(s);
    EXPECT_OK(at_max, e);
    s = s_repeat(201, 'w');
    ev.source = s;
    int over = iv_evidence_check(&ev, s_today, "x", &e);
    free(s);
    EXPECT_FAIL(over, e, "TOO_LONG", "x.source");
    ev.source = "Ward\nmanager";
    EXPECT_FAIL(iv_evidence_check(&ev, s_today, "x", &e), e, "INVALID_TEXT", "x.source");
    ev = s_evidence();
    s = s_repeat(10000, 'z');
    ev.summary = s;
    at_max = iv_evidence_check(&ev, s_today, "x", &e);
    free(s);
    EXPECT_OK(at_max, e);
    s = s_repeat(10001, 'z');
    ev.summary = s;
    over = iv_evidence_check(&ev, s_today, "x", &e);
    free(s);
    EXPECT_FAIL(over, e, "TOO_LONG", "x.summary");
}

/* ------------------------------------------------------------ attachments */

#define MB ((size_t)1048576)
static const char s_pdf[] = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n";
static const char s_png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
static const char s_jpeg[] = "\xff\xd8\xff\xe0\0\x10JFIF";

/* att(bytes-literal, claim, expect-type): accepted as expect-type. */
static void s_accepts(const void *p, size_t n, const char *claim, const char *want)
{
    const char *type = NULL;
    cd_fail_t e = {0};
    EXPECT_OK(iv_attachment_check(p, n, claim, "letter.pdf", 10 * MB, "add_evidence.attachment", &e,
                                  &type),
              e);
    cr_assert_str_eq(type, want);
}

static void s_refuses(const void *p, size_t n, const char *claim, const char *code,
                      const char *member)
{
    const char *type = NULL;
    cd_fail_t e = {0};
    char field[128];
    snprintf(field, sizeof field, "add_evidence.attachment.%s", member);
    EXPECT_FAIL(
        iv_attachment_check(p, n, claim, "file", 10 * MB, "add_evidence.attachment", &e, &type), e,
        code, field);
    cr_assert_null(type, "a refused file has no type");
}

Test(casework_rules, V4_pdf_png_jpeg_and_text_are_told_by_their_bytes)
{
    s_accepts(s_pdf, sizeof s_pdf - 1, "application/pdf", IV_MEDIA_PDF);
    s_accepts(s_png, sizeof s_png - 1, "image/png", IV_MEDIA_PNG);
    s_accepts(s_jpeg, sizeof s_jpeg - 1, "image/jpeg", IV_MEDIA_JPEG);
    s_accepts("Notes of the call.\n", 19, "text/plain", IV_MEDIA_TEXT);
}

Test(casework_rules, V4_without_a_claim_the_bytes_decide)
{
    s_accepts(s_pdf, sizeof s_pdf - 1, "", IV_MEDIA_PDF);
    s_accepts(s_png, sizeof s_png - 1, NULL, IV_MEDIA_PNG);
    s_accepts(s_jpeg, sizeof s_jpeg - 1, "application/octet-stream", IV_MEDIA_JPEG);
}

Test(casework_rules, a_claimed_pdf_that_is_a_png_is_refused)
{
    s_refuses(s_png, sizeof s_png - 1, "application/pdf", "INVALID_ARGUMENT", "media_type");
    const char *type = NULL;
    cd_fail_t e = {0};
    iv_attachment_check(s_png, sizeof s_png - 1, "application/pdf", "scan.pdf", MB, "a", &e, &type);
    cr_assert(strstr(e.message, "PNG image"), "%s", e.message);
    cr_assert(strstr(e.message, "PDF document"), "%s", e.message);
    s_refuses(s_pdf, sizeof s_pdf - 1, "text/plain", "INVALID_ARGUMENT", "media_type");
    s_refuses("plain words", 11, "image/jpeg", "INVALID_ARGUMENT", "media_type");
}

Test(casework_rules, V4_the_claim_is_compared_without_case_or_parameters)
{
    s_accepts("Notes.\n", 7, "Text/Plain; charset=UTF-8", IV_MEDIA_TEXT);
    s_accepts(s_jpeg, sizeof s_jpeg - 1, "image/jpg", IV_MEDIA_JPEG);
    s_accepts(s_pdf, sizeof s_pdf - 1, " APPLICATION/PDF ", IV_MEDIA_PDF);
}

Test(casework_rules, V4_an_empty_file_is_refused)
{
    s_refuses("", 0, "text/plain", "REQUIRED", "content");
    s_refuses(NULL, 0, "", "REQUIRED", "content");
}

Test(casework_rules, V4_a_file_over_the_limit_is_refused_with_the_limit_in_MB)
{
    size_t max = 5 * MB / 2;
    char *big = calloc(max + 1, 1);
    cr_assert_not_null(big);
    memcpy(big, "%PDF-", 5);
    const char *type = NULL;
    cd_fail_t e = {0};
    int at_max = iv_attachment_check(big, max, "application/pdf", "a.pdf", max, "att", &e, &type);
    int over = iv_attachment_check(big, max + 1, "application/pdf", "a.pdf", max, "att", &e, &type);
    free(big);
    EXPECT_OK(at_max, e);
    EXPECT_FAIL(over, e, "TOO_LARGE", "att.content");
    cr_assert(strstr(e.message, "2.5 MB"), "the limit in MB: %s", e.message);
    cr_assert(strstr(e.message, "2.6 MB"), "the size, rounded up: %s", e.message);
    iv_attachment_check("%PDF-1.7 more", 13, "", "a.pdf", 10, "att", &e, &type);
    cr_assert_str_eq(cd_code_name(e.code), "TOO_LARGE");
    cr_assert(strstr(e.message, "10 bytes"), "a tiny limit in bytes: %s", e.message);
}

Test(casework_rules, V4_a_filename_is_a_name_without_folders_or_control_characters)
{
    const char *type;
    cd_fail_t e = {0};
    static const char *const bad[] = {"../notes.txt", "a/b.txt", "c:\\x\\y.txt", ".", ".."};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        EXPECT_FAIL(iv_attachment_check("x", 1, "", bad[i], MB, "att", &e, &type), e,
                    "INVALID_ARGUMENT", "att.filename");
    EXPECT_FAIL(iv_attachment_check("x", 1, "", "a\nb.txt", MB, "att", &e, &type), e,
                "INVALID_TEXT", "att.filename");
    EXPECT_FAIL(iv_attachment_check("x", 1, "", "a\x7f.txt", MB, "att", &e, &type), e,
                "INVALID_TEXT", "att.filename");
    EXPECT_FAIL(iv_attachment_check("x", 1, "", "", MB, "att", &e, &type), e, "REQUIRED",
                "att.filename");
    char *name = s_repeat(255, 'n');
    int at_max = iv_attachment_check("x", 1, "", name, MB, "att", &e, &type);
    free(name);
    EXPECT_OK(at_max, e);
    name = s_repeat(256, 'n');
    int over = iv_attachment_check("x", 1, "", name, MB, "att", &e, &type);
    free(name);
    EXPECT_FAIL(over, e, "TOO_LONG", "att.filename");
    EXPECT_OK(
        iv_attachment_check("x", 1, "", "Letter from Mrs O'Neill – März.txt", MB, "att", &e, &type),
        e);
}

Test(casework_rules, V4_html_svg_scripts_and_programs_are_refused)
{
    s_refuses("x", 1, "text/html", "INVALID_ARGUMENT", "media_type");
    s_refuses("x", 1, "image/svg+xml", "INVALID_ARGUMENT", "media_type");
    s_refuses("x", 1, "application/x-msdownload", "INVALID_ARGUMENT", "media_type");
    s_refuses("x", 1, "application/javascript", "INVALID_ARGUMENT", "media_type");
    s_refuses("<!DOCTYPE html><p>hi", 20, "text/plain", "INVALID_ARGUMENT", "content");
    s_refuses("\xef\xbb\xbf  \n<svg onload=x>", 20, "", "INVALID_ARGUMENT", "content");
    s_refuses("#!/bin/sh\nrm -rf /\n", 19, "text/plain", "INVALID_ARGUMENT", "content");
    s_refuses("\x7f"
              "ELF\x02\x01\x01",
              7, "", "INVALID_ARGUMENT", "content");
    s_refuses("MZ\x90\0\x03", 5, "application/pdf", "INVALID_ARGUMENT", "content");
    s_refuses("\xcf\xfa\xed\xfe\x07", 5, "", "INVALID_ARGUMENT", "content");
}

Test(casework_rules, V4_text_may_have_crlf_but_not_binary_or_bare_carriage_returns)
{
    s_accepts("line one\r\nline two\r\n", 20, "text/plain", IV_MEDIA_TEXT);
    s_accepts("\xef\xbb\xbfwith a byte order mark\n", 26, "", IV_MEDIA_TEXT);
    s_refuses("line one\rline two", 17, "text/plain", "INVALID_ARGUMENT", "content");
    s_refuses("ends in a return\r", 17, "", "INVALID_ARGUMENT", "content");
    s_refuses("bad \xc3\x28 utf-8", 12, "", "INVALID_ARGUMENT", "content");
    s_refuses("nul\0inside", 10, "", "INVALID_ARGUMENT", "content");
}

/* A ZIP's first local header naming `name`, stored, holding `data`; then more. */
static size_t s_zip(unsigned char *out, const char *name, const char *data, const char *more)
{
    size_t nl = strlen(name), dl = strlen(data), ml = strlen(more), o = 0;
    memcpy(out, "PK\x03\x04\x14\0\0\0\0\0", 10);
    memset(out + 10, 0, 16);
    out[26] = (unsigned char)nl;
    out[27] = 0;
    out[28] = out[29] = 0;
    o = 30;
    memcpy(out + o, name, nl);
    o += nl;
    memcpy(out + o, data, dl);
    o += dl;
    memcpy(out + o, more, ml);
    return o + ml;
}

Test(casework_rules, V4_a_zip_is_a_word_document_only_when_claimed_as_one)
{
    unsigned char z[512];
    size_t n = s_zip(z, "[Content_Types].xml", "<Types/>",
                     "PK\x03\x04"
                     "word/document.xml");
    s_accepts(z, n, IV_MEDIA_DOCX, IV_MEDIA_DOCX);
    s_refuses(z, n, "", "INVALID_ARGUMENT", "content");
    s_refuses(z, n, "application/pdf", "INVALID_ARGUMENT", "content");
    s_refuses(z, n, IV_MEDIA_ODT, "INVALID_ARGUMENT", "content");
    n = s_zip(z, "photos/1.jpg", "...", "");
    s_refuses(z, n, IV_MEDIA_DOCX, "INVALID_ARGUMENT", "content");
}

Test(casework_rules, V4_a_word_document_with_macros_is_refused)
{
    unsigned char z[512];
    size_t n = s_zip(z, "[Content_Types].xml", "<Types/>",
                     "PK\x03\x04"
                     "word/vbaProject.bin");
    s_refuses(z, n, IV_MEDIA_DOCX, "INVALID_ARGUMENT", "content");
}

Test(casework_rules, V4_an_odt_is_told_by_its_first_entry)
{
    unsigned char z[512];
    size_t n = s_zip(z, "mimetype", IV_MEDIA_ODT,
                     "PK\x03\x04"
                     "content.xml");
    s_accepts(z, n, IV_MEDIA_ODT, IV_MEDIA_ODT);
    s_refuses(z, n, IV_MEDIA_DOCX, "INVALID_ARGUMENT", "content");
    n = s_zip(z, "mimetype", "application/vnd.oasis.opendocument.spreadsheet", "");
    s_refuses(z, n, IV_MEDIA_ODT, "INVALID_ARGUMENT", "content");
    s_refuses("PK\x03\x04", 4, IV_MEDIA_ODT, "INVALID_ARGUMENT", "content");
}

/* ============================================= V3, V5: findings and outcome */

static iv_finding_t s_finding(const char *id, iv_verdict_t v)
{
    iv_finding_t f = {
        .issue_id = id,
        .verdict = v,
        .what_happened = "The review did not take place.",
        .what_should_have_happened = "The policy requires a review before a package stops.",
        .not_addressed_reason = "",
    };
    if (v == IV_VERDICT_NOT_ADDRESSED) {
        f.what_happened = f.what_should_have_happened = "";
        f.not_addressed_reason = "It is the subject of a coroner's inquest.";
    }
    return f;
}

Test(casework_rules, V3_a_finding_needs_both_accounts_unless_not_addressed)
{
    cd_fail_t e = {0};
    iv_finding_t f = s_finding("ki-1", IV_VERDICT_UPHELD);
    EXPECT_OK(iv_finding_check(&f, "record_findings.findings[0]", &e), e);
    f.what_happened = "";
    EXPECT_FAIL(iv_finding_check(&f, "record_findings.findings[0]", &e), e, "REQUIRED",
                "record_findings.findings[0].what_happened");
    f = s_finding("ki-1", IV_VERDICT_NOT_UPHELD);
    f.what_should_have_happened = NULL;
    EXPECT_FAIL(iv_finding_check(&f, "record_findings.findings[0]", &e), e, "REQUIRED",
                "record_findings.findings[0].what_should_have_happened");
    f = s_finding("ki-1", IV_VERDICT_NOT_ADDRESSED);
    EXPECT_OK(iv_finding_check(&f, "record_findings.findings[0]", &e), e);
}

Test(casework_rules, V3_a_key_issue_not_addressed_needs_the_reason_why)
{
    cd_fail_t e = {0};
    iv_finding_t f = s_finding("ki-1", IV_VERDICT_NOT_ADDRESSED);
    f.not_addressed_reason = "";
    EXPECT_FAIL(iv_finding_check(&f, "f", &e), e, "REQUIRED", "f.not_addressed_reason");
    f = s_finding("ki-1", IV_VERDICT_UPHELD);
    f.not_addressed_reason = "left over from an earlier draft";
    EXPECT_FAIL(iv_finding_check(&f, "f", &e), e, "INVALID_ARGUMENT", "f.not_addressed_reason");
}

Test(casework_rules, V3_a_finding_has_a_verdict_and_an_issue)
{
    cd_fail_t e = {0};
    iv_finding_t f = s_finding("ki-1", IV_VERDICT_NONE);
    EXPECT_FAIL(iv_finding_check(&f, "f", &e), e, "INVALID_ENUM", "f.verdict");
    f.verdict = (iv_verdict_t)9;
    EXPECT_FAIL(iv_finding_check(&f, "f", &e), e, "INVALID_ENUM", "f.verdict");
    f = s_finding("", IV_VERDICT_UPHELD);
    EXPECT_FAIL(iv_finding_check(&f, "f", &e), e, "REQUIRED", "f.issue_id");
    iv_verdict_t v;
    EXPECT_OK(iv_verdict_parse("not-addressed", &v, "f.verdict", &e), e);
    cr_assert_eq(v, IV_VERDICT_NOT_ADDRESSED);
    EXPECT_OK(iv_verdict_parse("upheld", &v, "f.verdict", &e), e);
    cr_assert_eq(v, IV_VERDICT_UPHELD);
    EXPECT_FAIL(iv_verdict_parse("partly", &v, "f.verdict", &e), e, "INVALID_ENUM", "f.verdict");
    EXPECT_FAIL(iv_verdict_parse("", &v, "f.verdict", &e), e, "REQUIRED", "f.verdict");
}

static const char *const s_ids[] = {"ki-1", "ki-2", "ki-3"};

Test(casework_rules, V3_every_key_issue_has_exactly_one_finding)
{
    iv_finding_t f[] = {s_finding("ki-3", IV_VERDICT_UPHELD), s_finding("ki-1", IV_VERDICT_UPHELD),
                        s_finding("ki-2", IV_VERDICT_NOT_ADDRESSED)};
    cd_fail_t e = {0};
    EXPECT_OK(iv_findings_complete(s_ids, 3, f, 3, "record_findings.findings", &e), e);
}

Test(casework_rules, a_finding_for_an_issue_the_case_does_not_have_names_its_index)
{
    iv_finding_t f[] = {s_finding("ki-1", IV_VERDICT_UPHELD), s_finding("ki-9", IV_VERDICT_UPHELD),
                        s_finding("ki-2", IV_VERDICT_UPHELD), s_finding("ki-3", IV_VERDICT_UPHELD)};
    cd_fail_t e = {0};
    EXPECT_FAIL(iv_findings_complete(s_ids, 3, f, 4, "record_findings.findings", &e), e,
                "INVALID_ARGUMENT", "record_findings.findings[1].issue_id");
    cr_assert(strstr(e.message, "\"ki-9\""), "%s", e.message);
}

Test(casework_rules, two_findings_for_one_key_issue_are_refused)
{
    iv_finding_t f[] = {s_finding("ki-1", IV_VERDICT_UPHELD), s_finding("ki-2", IV_VERDICT_UPHELD),
                        s_finding("ki-3", IV_VERDICT_UPHELD),
                        s_finding("ki-1", IV_VERDICT_NOT_UPHELD)};
    cd_fail_t e = {0};
    EXPECT_FAIL(iv_findings_complete(s_ids, 3, f, 4, "record_findings.findings", &e), e,
                "INVALID_ARGUMENT", "record_findings.findings[3].issue_id");
    cr_assert(strstr(e.message, "finding 1"), "%s", e.message);
}

Test(casework_rules, a_key_issue_left_without_a_finding_is_refused)
{
    iv_finding_t f[] = {s_finding("ki-1", IV_VERDICT_UPHELD), s_finding("ki-3", IV_VERDICT_UPHELD)};
    cd_fail_t e = {0};
    EXPECT_FAIL(iv_findings_complete(s_ids, 3, f, 2, "record_findings.findings", &e), e, "REQUIRED",
                "record_findings.findings");
    cr_assert(strstr(e.message, "key issue 2 \"ki-2\""), "%s", e.message);
    EXPECT_FAIL(iv_findings_complete(s_ids, 3, NULL, 0, "record_findings.findings", &e), e,
                "REQUIRED", "record_findings.findings");
}

Test(casework_rules, V3_findings_wait_for_the_key_issues_to_be_agreed)
{
    iv_finding_t f[] = {s_finding("ki-1", IV_VERDICT_UPHELD)};
    cd_fail_t e = {0};
    EXPECT_FAIL(iv_findings_complete(NULL, 0, f, 1, "record_findings.findings", &e), e,
                "FAILED_PRECONDITION", "record_findings.findings");
}

Test(casework_rules, V5_the_overall_outcome_follows_from_the_findings)
{
    iv_finding_t all[] = {s_finding("a", IV_VERDICT_UPHELD), s_finding("b", IV_VERDICT_UPHELD),
                          s_finding("c", IV_VERDICT_NOT_ADDRESSED)};
    cr_assert_eq(iv_outcome_from_findings(all, 3), CANDOUR__V1__OUTCOME__OUTCOME_UPHELD,
                 "every issue addressed is upheld; the one not addressed does not count");
    iv_finding_t some[] = {s_finding("a", IV_VERDICT_UPHELD),
                           s_finding("b", IV_VERDICT_NOT_UPHELD)};
    cr_assert_eq(iv_outcome_from_findings(some, 2), CANDOUR__V1__OUTCOME__OUTCOME_PARTIALLY_UPHELD);
    iv_finding_t none[] = {s_finding("a", IV_VERDICT_NOT_UPHELD),
                           s_finding("b", IV_VERDICT_NOT_ADDRESSED)};
    cr_assert_eq(iv_outcome_from_findings(none, 2), CANDOUR__V1__OUTCOME__OUTCOME_NOT_UPHELD);
    iv_finding_t nothing[] = {s_finding("a", IV_VERDICT_NOT_ADDRESSED)};
    cr_assert_eq(iv_outcome_from_findings(nothing, 1), CANDOUR__V1__OUTCOME__OUTCOME_UNSPECIFIED);
    cr_assert_eq(iv_outcome_from_findings(NULL, 0), CANDOUR__V1__OUTCOME__OUTCOME_UNSPECIFIED);
}

Test(casework_rules, V5_an_outcome_that_agrees_with_the_findings_is_accepted)
{
    iv_finding_t some[] = {s_finding("a", IV_VERDICT_UPHELD),
                           s_finding("b", IV_VERDICT_NOT_UPHELD)};
    cd_fail_t e = {0};
    EXPECT_OK(iv_outcome_consistent(CANDOUR__V1__OUTCOME__OUTCOME_PARTIALLY_UPHELD, some, 2,
                                    "record_outcome.outcome", &e),
              e);
}

Test(casework_rules, an_outcome_that_contradicts_the_findings_is_refused)
{
    iv_finding_t some[] = {s_finding("a", IV_VERDICT_UPHELD), s_finding("b", IV_VERDICT_NOT_UPHELD),
                           s_finding("c", IV_VERDICT_UPHELD)};
    cd_fail_t e = {0};
    EXPECT_FAIL(iv_outcome_consistent(CANDOUR__V1__OUTCOME__OUTCOME_UPHELD, some, 3,
                                      "record_outcome.outcome", &e),
                e, "INVALID_ARGUMENT", "record_outcome.outcome");
    cr_assert(strstr(e.message, "2 of the 3"), "%s", e.message);
    cr_assert(strstr(e.message, "OUTCOME_PARTIALLY_UPHELD"), "says what the findings imply: %s",
              e.message);
    EXPECT_FAIL(iv_outcome_consistent(CANDOUR__V1__OUTCOME__OUTCOME_NOT_UPHELD, some, 3,
                                      "record_outcome.outcome", &e),
                e, "INVALID_ARGUMENT", "record_outcome.outcome");
    iv_finding_t none[] = {s_finding("a", IV_VERDICT_NOT_UPHELD)};
    EXPECT_FAIL(iv_outcome_consistent(CANDOUR__V1__OUTCOME__OUTCOME_PARTIALLY_UPHELD, none, 1,
                                      "record_outcome.outcome", &e),
                e, "INVALID_ARGUMENT", "record_outcome.outcome");
    cr_assert(strstr(e.message, "OUTCOME_NOT_UPHELD"), "%s", e.message);
}

Test(casework_rules, V5_withdrawn_is_consistent_with_any_findings)
{
    iv_finding_t some[] = {s_finding("a", IV_VERDICT_UPHELD),
                           s_finding("b", IV_VERDICT_NOT_UPHELD)};
    iv_finding_t nothing[] = {s_finding("a", IV_VERDICT_NOT_ADDRESSED)};
    cd_fail_t e = {0};
    EXPECT_OK(iv_outcome_consistent(CANDOUR__V1__OUTCOME__OUTCOME_WITHDRAWN, some, 2, "o", &e), e);
    EXPECT_OK(iv_outcome_consistent(CANDOUR__V1__OUTCOME__OUTCOME_WITHDRAWN, nothing, 1, "o", &e),
              e);
    EXPECT_OK(iv_outcome_consistent(CANDOUR__V1__OUTCOME__OUTCOME_WITHDRAWN, NULL, 0, "o", &e), e);
}

Test(casework_rules, when_no_key_issue_is_addressed_only_withdrawn_fits)
{
    iv_finding_t nothing[] = {s_finding("a", IV_VERDICT_NOT_ADDRESSED),
                              s_finding("b", IV_VERDICT_NOT_ADDRESSED)};
    cd_fail_t e = {0};
    EXPECT_FAIL(iv_outcome_consistent(CANDOUR__V1__OUTCOME__OUTCOME_NOT_UPHELD, nothing, 2,
                                      "record_outcome.outcome", &e),
                e, "INVALID_ARGUMENT", "record_outcome.outcome");
    cr_assert(strstr(e.message, "not addressed"), "%s", e.message);
    cr_assert(strstr(e.message, "OUTCOME_WITHDRAWN"), "%s", e.message);
}

Test(casework_rules, V5_an_outcome_outside_the_four_is_INVALID_ENUM)
{
    iv_finding_t some[] = {s_finding("a", IV_VERDICT_UPHELD)};
    cd_fail_t e = {0};
    EXPECT_FAIL(iv_outcome_consistent(CANDOUR__V1__OUTCOME__OUTCOME_UNSPECIFIED, some, 1, "o", &e),
                e, "INVALID_ENUM", "o");
    EXPECT_FAIL(iv_outcome_consistent((Candour__V1__Outcome)7, some, 1, "o", &e), e, "INVALID_ENUM",
                "o");
}

/* ================================ V5, F1: actions, failings, lessons, remedy */

static iv_action_t s_action(void)
{
    iv_action_t a = {
        .description = "Audit care package closures for a missing review.",
        .owner = "CHC team",
        .due = "2026-12-04",
        .done = 0,
        .done_on = "",
    };
    return a;
}

Test(casework_rules, V5_a_new_action_is_due_today_or_later)
{
    iv_action_t a = s_action();
    cd_fail_t e = {0};
    EXPECT_OK(iv_action_check(&a, s_today, 1, "add_action.action", &e), e);
    a.due = "2026-11-25";
    EXPECT_OK(iv_action_check(&a, s_today, 1, "add_action.action", &e), e);
    a.due = "2026-11-24";
    EXPECT_FAIL(iv_action_check(&a, s_today, 1, "add_action.action", &e), e, "INVALID_ARGUMENT",
                "add_action.action.due");
    cr_assert(strstr(e.message, "24 November 2026"), "%s", e.message);
    EXPECT_OK(iv_action_check(&a, s_today, 0, "update_action.action", &e), e);
}

Test(casework_rules, V5_a_done_action_has_the_date_it_was_done)
{
    iv_action_t a = s_action();
    cd_fail_t e = {0};
    a.done = 1;
    EXPECT_FAIL(iv_action_check(&a, s_today, 0, "a", &e), e, "REQUIRED", "a.done_on");
    a.done_on = "2026-11-26";
    EXPECT_FAIL(iv_action_check(&a, s_today, 0, "a", &e), e, "DATE_IN_FUTURE", "a.done_on");
    a.done_on = "2026-11-20";
    EXPECT_OK(iv_action_check(&a, s_today, 0, "a", &e), e);
    a.done = 0;
    EXPECT_FAIL(iv_action_check(&a, s_today, 0, "a", &e), e, "INVALID_ARGUMENT", "a.done_on");
}

Test(casework_rules, V5_an_action_has_a_description_and_an_owner)
{
    iv_action_t a = s_action();
    cd_fail_t e = {0};
    a.owner = "";
    EXPECT_FAIL(iv_action_check(&a, s_today, 1, "a", &e), e, "REQUIRED", "a.owner");
    char *o = s_repeat(201, 'o');
    a.owner = o;
    int over = iv_action_check(&a, s_today, 1, "a", &e);
    free(o);
    EXPECT_FAIL(over, e, "TOO_LONG", "a.owner");
    a = s_action();
    a.description = NULL;
    EXPECT_FAIL(iv_action_check(&a, s_today, 1, "a", &e), e, "REQUIRED", "a.description");
    a = s_action();
    a.due = "next week";
    EXPECT_FAIL(iv_action_check(&a, s_today, 1, "a", &e), e, "INVALID_DATE", "a.due");
}

Test(casework_rules, V5_failings_and_lessons_are_text)
{
    cd_fail_t e = {0};
    EXPECT_OK(iv_failing_check("The review was not held.", "f.failings[0]", &e), e);
    EXPECT_FAIL(iv_failing_check("", "f.failings[0]", &e), e, "REQUIRED", "f.failings[0]");
    EXPECT_OK(iv_lesson_check("Closures need a review date set.", "f.lessons[1]", &e), e);
    EXPECT_FAIL(iv_lesson_check("\x1b[31m", "f.lessons[1]", &e), e, "INVALID_TEXT", "f.lessons[1]");
}

Test(casework_rules, F1_a_direct_apology_is_accepted)
{
    static const char *const ok[] = {
        "I am sorry that we stopped your mother's care without the review she was owed.",
        "We apologise for the delay in replying to you.",
        "We are sorry. If you would like to meet us, please call.",
        "Please accept our apologies for the mistakes we made.",
        "I am sorry we did not call you back.",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        cd_fail_t e = {0};
        EXPECT_OK(iv_apology_check(ok[i], "r.apology", &e), e);
    }
}

Test(casework_rules, sorry_that_you_felt_is_not_an_apology)
{
    cd_fail_t e = {0};
    EXPECT_FAIL(iv_apology_check("We are sorry that you felt let down by our service.",
                                 "record_remedy.remedy.apology", &e),
                e, "INVALID_ARGUMENT", "record_remedy.remedy.apology");
    cr_assert(strstr(e.message, "\"sorry that you felt\""), "%s", e.message);
}

Test(casework_rules, sorry_if_and_sorry_you_feel_are_not_apologies_in_any_case_or_layout)
{
    static const char *const bad[] = {
        "We are SORRY IF our letter caused confusion.",
        "I am sorry you feel that way.",
        "I am sorry\nthat   you\tfeel this way.",
        "We apologise if you were inconvenienced.",
        "We regret that you feel unhappy with the care.",
        "I\xe2\x80\x99m sorry you\xe2\x80\x99re upset by what happened.",
        "We are sorry to hear about your experience.",
        "We're sorry that you have been left feeling unheard. We are sorry we lost the file.",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cd_fail_t e = {0};
        EXPECT_FAIL(iv_apology_check(bad[i], "a", &e), e, "INVALID_ARGUMENT", "a");
    }
}

Test(casework_rules, F1_an_apology_says_sorry_in_words)
{
    cd_fail_t e = {0};
    EXPECT_FAIL(iv_apology_check("We accept that we got this wrong.", "a", &e), e,
                "INVALID_ARGUMENT", "a");
    EXPECT_FAIL(iv_apology_check("", "a", &e), e, "REQUIRED", "a");
}

static iv_remedy_t s_remedy(void)
{
    iv_remedy_t r = {
        .apology = "We are sorry that we stopped the care package without a review.",
        .redress_pence = 123456,
        .redress_for = "the cost of the care you paid for between March and May",
        .service_change = "Every closure is now checked by a senior nurse.",
    };
    return r;
}

Test(casework_rules, V5_a_remedy_may_have_any_of_its_parts_or_none)
{
    cd_fail_t e = {0};
    iv_remedy_t r = s_remedy();
    EXPECT_OK(iv_remedy_check(&r, "x.remedy", &e), e);
    iv_remedy_t none = {0};
    EXPECT_OK(iv_remedy_check(&none, "x.remedy", &e), e);
    iv_remedy_t apology_only = {.apology = r.apology};
    EXPECT_OK(iv_remedy_check(&apology_only, "x.remedy", &e), e);
}

Test(casework_rules, V5_financial_redress_is_a_positive_amount_with_what_it_is_for)
{
    cd_fail_t e = {0};
    iv_remedy_t r = s_remedy();
    r.redress_for = "";
    EXPECT_FAIL(iv_remedy_check(&r, "x.remedy", &e), e, "REQUIRED", "x.remedy.redress_for");
    r = s_remedy();
    r.redress_pence = -5;
    EXPECT_FAIL(iv_remedy_check(&r, "x.remedy", &e), e, "OUT_OF_RANGE", "x.remedy.redress_pence");
    r.redress_pence = 0;
    EXPECT_FAIL(iv_remedy_check(&r, "x.remedy", &e), e, "INVALID_ARGUMENT",
                "x.remedy.redress_pence");
}

Test(casework_rules, V5_the_remedys_apology_is_held_to_the_apology_rule)
{
    cd_fail_t e = {0};
    iv_remedy_t r = s_remedy();
    r.apology = "Sorry if you were upset.";
    EXPECT_FAIL(iv_remedy_check(&r, "x.remedy", &e), e, "INVALID_ARGUMENT", "x.remedy.apology");
    r = s_remedy();
    r.service_change = "new\x01rule";
    EXPECT_FAIL(iv_remedy_check(&r, "x.remedy", &e), e, "INVALID_TEXT", "x.remedy.service_change");
}

Test(casework_rules, F1_an_upheld_outcome_needs_a_failing_and_an_apology)
{
    static const Candour__V1__Outcome wrong[] = {CANDOUR__V1__OUTCOME__OUTCOME_UPHELD,
                                                 CANDOUR__V1__OUTCOME__OUTCOME_PARTIALLY_UPHELD};
    for (int i = 0; i < 2; i++) {
        cd_fail_t e = {0};
        EXPECT_OK(iv_conclusion_check(wrong[i], 1, 1, "conclude", &e), e);
        EXPECT_FAIL(iv_conclusion_check(wrong[i], 0, 1, "conclude", &e), e, "REQUIRED",
                    "conclude.failings");
        EXPECT_FAIL(iv_conclusion_check(wrong[i], 2, 0, "conclude", &e), e, "REQUIRED",
                    "conclude.remedy.apology");
    }
    cd_fail_t e = {0};
    EXPECT_OK(iv_conclusion_check(CANDOUR__V1__OUTCOME__OUTCOME_NOT_UPHELD, 0, 0, "c", &e), e);
    EXPECT_OK(iv_conclusion_check(CANDOUR__V1__OUTCOME__OUTCOME_WITHDRAWN, 0, 0, "c", &e), e);
}

/* ======================================================== plain words */

Test(casework_rules, dates_are_written_out_for_a_letter)
{
    char w[IV_LONG_DATE_LEN];
    iv_date_words(s_d("2026-12-04"), w);
    cr_assert_str_eq(w, "4 December 2026");
    iv_date_words(s_d("2027-01-31"), w);
    cr_assert_str_eq(w, "31 January 2027");
}

Test(casework_rules, outcomes_and_verdicts_have_plain_words)
{
    cr_assert_str_eq(iv_outcome_words(CANDOUR__V1__OUTCOME__OUTCOME_PARTIALLY_UPHELD),
                     "partly upheld");
    cr_assert_str_eq(iv_outcome_words(CANDOUR__V1__OUTCOME__OUTCOME_NOT_UPHELD), "not upheld");
    cr_assert_null(iv_outcome_words(CANDOUR__V1__OUTCOME__OUTCOME_UNSPECIFIED));
    cr_assert_str_eq(iv_verdict_words(IV_VERDICT_NOT_ADDRESSED), "not addressed");
    cr_assert_null(iv_verdict_words(IV_VERDICT_NONE));
}
