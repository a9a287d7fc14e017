/* test_investigation_outcome.c - recording an investigation's outcome (V5).
 *
 * Each test starts from a complete RecordOutcome and breaks one thing. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "outcome.h"

static Candour__V1__RecordOutcome s_valid(void)
{
    Candour__V1__RecordOutcome ro = CANDOUR__V1__RECORD_OUTCOME__INIT;
    ro.complaint_ref = "CDR-ABCD-EFGH";
    ro.outcome = CANDOUR__V1__OUTCOME__OUTCOME_PARTIALLY_UPHELD;
    ro.findings = "The care package was stopped without the review the policy requires.\n"
                  "The notice letter was sent, but late.";
    ro.recorded_by = "Sam Okafor, Complaints Investigator";
    return ro;
}

static void s_expect_fail(const Candour__V1__RecordOutcome *ro, const char *code, const char *field)
{
    iv_error_t e = {0};
    cr_assert_eq(iv_validate_outcome(ro, &e), -1, "accepted; wanted %s on %s", code, field);
    cr_assert_not_null(e.code);
    cr_assert_not_null(e.field);
    cr_assert_str_eq(e.code, code, "code for %s", field);
    cr_assert_str_eq(e.field, field, "field for %s", code);
    cr_assert(e.message && e.message[0], "%s on %s has no message", code, field);
}

static char *s_repeat(size_t n, char ch)
{
    char *s = malloc(n + 1);
    cr_assert_not_null(s);
    memset(s, ch, n);
    s[n] = 0;
    return s;
}

/* --------------------------------------------------------------- outcome */

Test(investigation_outcome, V5_upheld_partially_upheld_not_upheld_and_withdrawn_are_accepted)
{
    static const Candour__V1__Outcome ok[] = {
        CANDOUR__V1__OUTCOME__OUTCOME_UPHELD, CANDOUR__V1__OUTCOME__OUTCOME_PARTIALLY_UPHELD,
        CANDOUR__V1__OUTCOME__OUTCOME_NOT_UPHELD, CANDOUR__V1__OUTCOME__OUTCOME_WITHDRAWN};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        Candour__V1__RecordOutcome ro = s_valid();
        ro.outcome = ok[i];
        iv_error_t e = {0};
        cr_assert_eq(iv_validate_outcome(&ro, &e), 0, "outcome %d rejected: %s", (int)ok[i],
                     e.code);
    }
}

Test(investigation_outcome, V5_unspecified_outcome_is_INVALID_ENUM)
{
    Candour__V1__RecordOutcome ro = s_valid();
    ro.outcome = CANDOUR__V1__OUTCOME__OUTCOME_UNSPECIFIED;
    s_expect_fail(&ro, "INVALID_ENUM", "record_outcome.outcome");
}

Test(investigation_outcome, V5_unknown_outcome_number_is_INVALID_ENUM)
{
    Candour__V1__RecordOutcome ro = s_valid();
    ro.outcome = (Candour__V1__Outcome)5;
    s_expect_fail(&ro, "INVALID_ENUM", "record_outcome.outcome");
    ro.outcome = (Candour__V1__Outcome)-1;
    s_expect_fail(&ro, "INVALID_ENUM", "record_outcome.outcome");
}

/* -------------------------------------------------------------- findings */

Test(investigation_outcome, V5_findings_are_required_for_every_outcome_but_withdrawn)
{
    static const Candour__V1__Outcome need[] = {CANDOUR__V1__OUTCOME__OUTCOME_UPHELD,
                                                CANDOUR__V1__OUTCOME__OUTCOME_PARTIALLY_UPHELD,
                                                CANDOUR__V1__OUTCOME__OUTCOME_NOT_UPHELD};
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
        Candour__V1__RecordOutcome ro = s_valid();
        ro.outcome = need[i];
        ro.findings = "";
        s_expect_fail(&ro, "REQUIRED", "record_outcome.findings");
    }
}

Test(investigation_outcome, V5_a_withdrawn_complaint_needs_no_findings)
{
    Candour__V1__RecordOutcome ro = s_valid();
    ro.outcome = CANDOUR__V1__OUTCOME__OUTCOME_WITHDRAWN;
    ro.findings = "";
    iv_error_t e = {0};
    cr_assert_eq(iv_validate_outcome(&ro, &e), 0, "%s %s", e.code, e.field);
}

Test(investigation_outcome, findings_are_accepted_at_50000_bytes_and_TOO_LONG_at_50001)
{
    Candour__V1__RecordOutcome ro = s_valid();
    char *f = s_repeat(50000, 'f');
    ro.findings = f;
    iv_error_t e = {0};
    int at_max = iv_validate_outcome(&ro, &e);
    free(f);
    cr_assert_eq(at_max, 0, "50,000 bytes rejected: %s", e.code);
    f = s_repeat(50001, 'f');
    ro.findings = f;
    int over = iv_validate_outcome(&ro, &e);
    free(f);
    cr_assert_eq(over, -1);
    cr_assert_str_eq(e.code, "TOO_LONG");
    cr_assert_str_eq(e.field, "record_outcome.findings");
}

Test(investigation_outcome, findings_may_span_lines_but_not_hold_control_characters)
{
    Candour__V1__RecordOutcome ro = s_valid();
    ro.findings = "1.\tThe review was missed.\n2.\tThe letter was late.\n";
    iv_error_t e = {0};
    cr_assert_eq(iv_validate_outcome(&ro, &e), 0, "%s", e.code);
    ro.findings = "The review\x07 was missed.";
    s_expect_fail(&ro, "INVALID_TEXT", "record_outcome.findings");
    ro.findings = "carriage\r\nreturn";
    s_expect_fail(&ro, "INVALID_TEXT", "record_outcome.findings");
}

Test(investigation_outcome, findings_in_bad_utf8_are_INVALID_TEXT)
{
    Candour__V1__RecordOutcome ro = s_valid();
    ro.findings = "caf\xc3\x28";
    s_expect_fail(&ro, "INVALID_TEXT", "record_outcome.findings");
    ro.findings = "\xc0\xaf";
    s_expect_fail(&ro, "INVALID_TEXT", "record_outcome.findings");
}

/* ----------------------------------------------------------- who and what */

Test(investigation_outcome, complaint_ref_is_required)
{
    Candour__V1__RecordOutcome ro = s_valid();
    ro.complaint_ref = "";
    s_expect_fail(&ro, "REQUIRED", "record_outcome.complaint_ref");
}

Test(investigation_outcome, recorded_by_is_required)
{
    Candour__V1__RecordOutcome ro = s_valid();
    ro.recorded_by = "";
    s_expect_fail(&ro, "REQUIRED", "record_outcome.recorded_by");
}

Test(investigation_outcome, recorded_by_is_required_even_when_withdrawn)
{
    Candour__V1__RecordOutcome ro = s_valid();
    ro.outcome = CANDOUR__V1__OUTCOME__OUTCOME_WITHDRAWN;
    ro.findings = "";
    ro.recorded_by = "";
    s_expect_fail(&ro, "REQUIRED", "record_outcome.recorded_by");
}

Test(investigation_outcome, recorded_by_is_accepted_at_200_bytes_and_rejected_at_201)
{
    Candour__V1__RecordOutcome ro = s_valid();
    char *by = s_repeat(200, 'b');
    ro.recorded_by = by;
    iv_error_t e = {0};
    int at_max = iv_validate_outcome(&ro, &e);
    free(by);
    cr_assert_eq(at_max, 0, "200 bytes rejected: %s", e.code);
    by = s_repeat(201, 'b');
    ro.recorded_by = by;
    int over = iv_validate_outcome(&ro, &e);
    free(by);
    cr_assert_eq(over, -1);
    cr_assert_str_eq(e.code, "TOO_LONG");
    cr_assert_str_eq(e.field, "record_outcome.recorded_by");
}

Test(investigation_outcome, recorded_by_is_one_line_of_text)
{
    Candour__V1__RecordOutcome ro = s_valid();
    ro.recorded_by = "Sam\nOkafor";
    s_expect_fail(&ro, "INVALID_TEXT", "record_outcome.recorded_by");
    ro.recorded_by = "Sam\x1bOkafor";
    s_expect_fail(&ro, "INVALID_TEXT", "record_outcome.recorded_by");
}

/* ------------------------------------------------------------ case state */

Test(investigation_outcome, only_an_open_case_accepts_an_outcome)
{
    cr_assert(iv_case_accepts_outcome("open"));
    cr_assert_not(iv_case_accepts_outcome("completed"), "an outcome recorded twice");
    cr_assert_not(iv_case_accepts_outcome(""));
    cr_assert_not(iv_case_accepts_outcome("Open"));
    cr_assert_not(iv_case_accepts_outcome("opened"));
}
