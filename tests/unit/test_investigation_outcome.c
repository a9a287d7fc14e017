/* test_investigation_outcome.c - recording an investigation's outcome (V5),
 * only on a case the lifecycle lets take one, and only once every partner's
 * part is in or waived (R3).
 *
 * Each validation test starts from a complete RecordOutcome and breaks one
 * thing. */
#include <criterion/criterion.h>
#include <stdio.h>
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
    cd_fail_t e = {0};
    cr_assert_eq(iv_validate_outcome(ro, &e), -1, "accepted; wanted %s on %s", code, field);
    cr_assert_str_eq(cd_code_name(e.code), code, "code for %s", field);
    cr_assert_str_eq(e.field, field, "field for %s", code);
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

/* --------------------------------------------------------------- outcome */

Test(investigation_outcome, V5_upheld_partially_upheld_not_upheld_and_withdrawn_are_accepted)
{
    static const Candour__V1__Outcome ok[] = {
        CANDOUR__V1__OUTCOME__OUTCOME_UPHELD, CANDOUR__V1__OUTCOME__OUTCOME_PARTIALLY_UPHELD,
        CANDOUR__V1__OUTCOME__OUTCOME_NOT_UPHELD, CANDOUR__V1__OUTCOME__OUTCOME_WITHDRAWN};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        Candour__V1__RecordOutcome ro = s_valid();
        ro.outcome = ok[i];
        cd_fail_t e = {0};
        cr_assert_eq(iv_validate_outcome(&ro, &e), 0, "outcome %d rejected: %s", (int)ok[i],
                     cd_code_name(e.code));
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
    cd_fail_t e = {0};
    cr_assert_eq(iv_validate_outcome(&ro, &e), 0, "%s %s", cd_code_name(e.code), e.field);
}

Test(investigation_outcome, findings_are_accepted_at_50000_bytes_and_TOO_LONG_at_50001)
{
    Candour__V1__RecordOutcome ro = s_valid();
    char *f = s_repeat(50000, 'f');
    ro.findings = f;
    cd_fail_t e = {0};
    int at_max = iv_validate_outcome(&ro, &e);
    free(f);
    cr_assert_eq(at_max, 0, "50,000 bytes rejected: %s", cd_code_name(e.code));
    f = s_repeat(50001, 'f');
    ro.findings = f;
    int over = iv_validate_outcome(&ro, &e);
    free(f);
    cr_assert_eq(over, -1);
    cr_assert_str_eq(cd_code_name(e.code), "TOO_LONG");
    cr_assert_str_eq(e.field, "record_outcome.findings");
}

Test(investigation_outcome, findings_may_span_lines_but_not_hold_control_characters)
{
    Candour__V1__RecordOutcome ro = s_valid();
    ro.findings = "1.\tThe review was missed.\n2.\tThe letter was late.\n";
    cd_fail_t e = {0};
    cr_assert_eq(iv_validate_outcome(&ro, &e), 0, "%s", cd_code_name(e.code));
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

/* Who recorded it is the person acting, from the staff directory. */
Test(investigation_outcome, recorded_by_is_not_needed_the_person_acting_is_recorded)
{
    Candour__V1__RecordOutcome ro = s_valid();
    ro.recorded_by = "";
    cd_fail_t e = {0};
    cr_assert_eq(iv_validate_outcome(&ro, &e), 0, "refused: %s on %s", cd_code_name(e.code),
                 e.field);
}

Test(investigation_outcome, recorded_by_is_accepted_at_200_bytes_and_rejected_at_201)
{
    Candour__V1__RecordOutcome ro = s_valid();
    char *by = s_repeat(200, 'b');
    ro.recorded_by = by;
    cd_fail_t e = {0};
    int at_max = iv_validate_outcome(&ro, &e);
    free(by);
    cr_assert_eq(at_max, 0, "200 bytes rejected: %s", cd_code_name(e.code));
    by = s_repeat(201, 'b');
    ro.recorded_by = by;
    int over = iv_validate_outcome(&ro, &e);
    free(by);
    cr_assert_eq(over, -1);
    cr_assert_str_eq(cd_code_name(e.code), "TOO_LONG");
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

Test(investigation_outcome, only_a_case_under_investigation_accepts_an_outcome)
{
    cr_assert(iv_case_accepts_outcome("open"));
    cr_assert_not(iv_case_accepts_outcome("completed"), "an outcome recorded twice");
    cr_assert_not(iv_case_accepts_outcome("withdrawn"), "a withdrawn complaint investigated");
    cr_assert_not(iv_case_accepts_outcome(""));
    cr_assert_not(iv_case_accepts_outcome("Open"));
    cr_assert_not(iv_case_accepts_outcome("opened"));
}

Test(investigation_outcome, the_case_states_are_the_lifecycle_states_the_lifecycle_is_asked_about)
{
    cr_assert_eq(iv_case_state("open"),
                 CANDOUR__V1__COMPLAINT_STATE__COMPLAINT_STATE_UNDER_INVESTIGATION);
    cr_assert_eq(iv_case_state("completed"),
                 CANDOUR__V1__COMPLAINT_STATE__COMPLAINT_STATE_AWAITING_SIGN_OFF);
    cr_assert_eq(iv_case_state("withdrawn"),
                 CANDOUR__V1__COMPLAINT_STATE__COMPLAINT_STATE_WITHDRAWN);
    cr_assert_eq(iv_case_state("closed"), CD_STATE_NONE);
    /* The answer is the lifecycle table's, not a string of this service's. */
    static const char *const states[] = {"open", "completed", "withdrawn", "closed"};
    for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
        cr_assert_eq(iv_case_accepts_outcome(states[i]),
                     cd_lc_allows(iv_case_state(states[i]), CD_LC_INVESTIGATION_COMPLETED), "%s",
                     states[i]);
}

/* ------------------------------------------------ withdrawal and partners (R3) */

static Candour__V1__Contribution s_part(const char *org, const char *findings)
{
    Candour__V1__Contribution c = CANDOUR__V1__CONTRIBUTION__INIT;
    c.org = (char *)org;
    c.findings = (char *)findings;
    c.received_at = "2026-11-20T10:00:00Z";
    return c;
}

static Candour__V1__Contribution s_waiver(const char *org, const char *reason)
{
    Candour__V1__Contribution c = CANDOUR__V1__CONTRIBUTION__INIT;
    c.org = (char *)org;
    c.waived = 1;
    c.reason = (char *)reason;
    c.recorded_by = "Complaints Manager";
    return c;
}

/* iv_outcome_allowed on an open case. */
static int s_allowed(const char *const *partners, size_t np,
                     Candour__V1__Contribution *const *parts, size_t nparts, cd_fail_t *e)
{
    return iv_outcome_allowed("open", partners, np, parts, nparts, e);
}

Test(investigation_outcome, a_withdrawn_complaint_takes_no_outcome)
{
    cd_fail_t e = {0};
    cr_assert_eq(iv_outcome_allowed("withdrawn", NULL, 0, NULL, 0, &e), -1);
    cr_assert_str_eq(cd_code_name(e.code), "FAILED_PRECONDITION");
    cr_assert_str_eq(e.field, "record_outcome.complaint_ref");
    cr_assert_str_eq(e.message, "the complaint was withdrawn");
    cr_assert_eq(iv_outcome_allowed("completed", NULL, 0, NULL, 0, &e), -1);
    cr_assert_str_eq(e.message, "the case already has an outcome");
}

Test(investigation_outcome, R3_a_complaint_with_no_partners_needs_no_parts)
{
    cd_fail_t e = {0};
    cr_assert_eq(s_allowed(NULL, 0, NULL, 0, &e), 0, "%s", e.message);
}

Test(investigation_outcome,
     R3_the_outcome_waits_for_every_partners_part_and_names_those_outstanding)
{
    const char *partners[] = {"ORG-A", "ORG-B"};
    cd_fail_t e = {0};
    cr_assert_eq(s_allowed(partners, 2, NULL, 0, &e), -1);
    cr_assert_str_eq(cd_code_name(e.code), "FAILED_PRECONDITION");
    cr_assert_str_eq(e.field, "record_outcome.complaint_ref");
    cr_assert_str_eq(e.message, "the parts of ORG-A, ORG-B are not in yet: wait for them, or the"
                                " complaints manager records that the response goes without them");

    Candour__V1__Contribution a = s_part("ORG-A", "The discharge checklist was not completed.");
    Candour__V1__Contribution *parts[] = {&a};
    cr_assert_eq(s_allowed(partners, 2, parts, 1, &e), -1);
    cr_assert_str_eq(e.message, "the part of ORG-B is not in yet: wait for it, or the complaints"
                                " manager records that the response goes without it");
}

Test(investigation_outcome, R3_a_part_waived_by_the_complaints_manager_counts_as_in)
{
    const char *partners[] = {"ORG-A", "ORG-B"};
    Candour__V1__Contribution a = s_part("ORG-A", "The discharge checklist was not completed.");
    Candour__V1__Contribution b = s_waiver("ORG-B", "no answer after two chases");
    Candour__V1__Contribution *parts[] = {&b, &a};
    cd_fail_t e = {0};
    cr_assert_eq(s_allowed(partners, 2, parts, 2, &e), 0, "%s", e.message);
}

Test(investigation_outcome, R3_a_part_from_a_body_not_expected_does_not_stand_for_an_expected_one)
{
    const char *partners[] = {"ORG-A"};
    Candour__V1__Contribution x = s_part("ORG-X", "Not ours.");
    Candour__V1__Contribution *parts[] = {&x};
    const char *out[1];
    cr_assert_eq(iv_partners_outstanding(partners, 1, parts, 1, out), 1);
    cr_assert_str_eq(out[0], "ORG-A");
    cd_fail_t e = {0};
    cr_assert_eq(s_allowed(partners, 1, parts, 1, &e), -1);
}

Test(investigation_outcome, R3_a_partner_named_twice_is_outstanding_once)
{
    const char *partners[] = {"ORG-A", "ORG-B", "ORG-A"};
    const char *out[3];
    cr_assert_eq(iv_partners_outstanding(partners, 3, NULL, 0, out), 2);
    cr_assert_str_eq(out[0], "ORG-A");
    cr_assert_str_eq(out[1], "ORG-B");
}

Test(investigation_outcome, R3_a_long_list_of_outstanding_partners_is_cut_and_counted_not_overrun)
{
    enum { N = 60 };
    char names[N][48];
    const char *partners[N];
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "A-VERY-LONG-ORGANISATION-CODE-%02d", i);
        partners[i] = names[i];
    }
    cd_fail_t e;
    memset(&e, 'x', sizeof e);
    cr_assert_eq(s_allowed(partners, N, NULL, 0, &e), -1);
    const char *msg = e.message;
    cr_assert_lt(strlen(msg), sizeof e.message);
    cr_assert(strncmp(msg, "the parts of A-VERY-LONG-ORGANISATION-CODE-00, ", 47) == 0, "%s", msg);
    cr_assert(strstr(msg, " more are not in yet: wait for them,"), "%s", msg);
    cr_assert(strstr(msg, "goes without them"), "the sentence was cut: %s", msg);
}
