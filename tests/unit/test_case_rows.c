/* test_case_rows.c - the pure checks the case-record operations share
 * (case_rows.h): whether a case may be worked on (its state, then its
 * investigator: V1), AgreeKeyIssues as a whole request (V3: refusals on the
 * path the person fixes), and the KO41a codes against those in force (V5,
 * L2a). Today is Wednesday 25 November 2026 throughout. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "case_rows.h"
#include "casework.h"

static const cd_date_t s_today = {2026, 11, 25};

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

/* ========================================================= workable (V1) */

Test(case_rows, an_open_case_with_an_investigator_may_be_worked_on)
{
    cd_fail_t e = {0};
    EXPECT_OK(iv_case_workable("open", "ST902", "set_plan.complaint_ref", &e), e);
}

Test(case_rows, a_case_with_an_outcome_or_withdrawn_is_not_open)
{
    static const char *const closed[] = {"completed", "withdrawn", ""};
    for (size_t i = 0; i < 3; i++) {
        cd_fail_t e = {0};
        EXPECT_FAIL(iv_case_workable(closed[i], "ST902", "x.complaint_ref", &e), e,
                    "FAILED_PRECONDITION", "x.complaint_ref");
        cr_assert(strstr(e.message, "not open"), "%s", e.message);
    }
}

Test(case_rows, V1_no_investigator_assigned_is_refused_after_the_state)
{
    cd_fail_t e = {0};
    EXPECT_FAIL(iv_case_workable("open", "", "x.complaint_ref", &e), e, "FAILED_PRECONDITION",
                "x.complaint_ref");
    cr_assert(strstr(e.message, "no investigator is assigned"), "%s", e.message);
    /* A withdrawn case says so first, whoever is assigned. */
    EXPECT_FAIL(iv_case_workable("withdrawn", "", "x.complaint_ref", &e), e, "FAILED_PRECONDITION",
                "x.complaint_ref");
    cr_assert(strstr(e.message, "not open"), "%s", e.message);
}

/* ========================================================= key issues (V3) */

static Candour__V1__KeyIssue s_issue(const char *summary, const char *subject)
{
    Candour__V1__KeyIssue k = CANDOUR__V1__KEY_ISSUE__INIT;
    k.summary = (char *)summary;
    k.subject = (char *)subject;
    k.service_area = "community";
    k.profession = "nursing-midwifery-health-visiting";
    return k;
}

/* A request of n issues (ks must hold n), agreed on `on`. */
static Candour__V1__AgreeKeyIssues s_agree(Candour__V1__KeyIssue *ks, Candour__V1__KeyIssue **pk,
                                           size_t n, const char *on)
{
    for (size_t i = 0; i < n; i++)
        pk[i] = &ks[i];
    Candour__V1__AgreeKeyIssues a = CANDOUR__V1__AGREE_KEY_ISSUES__INIT;
    a.complaint_ref = "C-1";
    a.issues = pk;
    a.n_issues = n;
    a.agreed_on = (char *)on;
    a.agreed_how = "by-telephone";
    return a;
}

Test(case_rows, V3_key_issues_agreed_up_to_today_are_accepted)
{
    Candour__V1__KeyIssue ks[2] = {
        s_issue("No care package at discharge.", "integrated-care"),
        s_issue("Not told when the nurse would visit.", "communications")};
    Candour__V1__KeyIssue *pk[2];
    Candour__V1__AgreeKeyIssues a = s_agree(ks, pk, 2, "2026-11-25");
    cd_fail_t e = {0};
    EXPECT_OK(iv_agree_check(&a, s_today, &e), e);
}

Test(case_rows, V3_none_or_more_than_thirty_issues_are_refused)
{
    Candour__V1__KeyIssue ks[IV_MAX_KEY_ISSUES + 1];
    Candour__V1__KeyIssue *pk[IV_MAX_KEY_ISSUES + 1];
    for (size_t i = 0; i < IV_MAX_KEY_ISSUES + 1; i++)
        ks[i] = s_issue("An aspect.", "communications");
    cd_fail_t e = {0};
    Candour__V1__AgreeKeyIssues a = s_agree(ks, pk, 0, "2026-11-20");
    EXPECT_FAIL(iv_agree_check(&a, s_today, &e), e, "REQUIRED", "agree_key_issues.issues");
    a = s_agree(ks, pk, IV_MAX_KEY_ISSUES, "2026-11-20");
    EXPECT_OK(iv_agree_check(&a, s_today, &e), e);
    a = s_agree(ks, pk, IV_MAX_KEY_ISSUES + 1, "2026-11-20");
    EXPECT_FAIL(iv_agree_check(&a, s_today, &e), e, "TOO_MANY", "agree_key_issues.issues");
}

Test(case_rows, V3_a_fault_in_one_issue_names_that_issue)
{
    Candour__V1__KeyIssue ks[3] = {s_issue("First.", "communications"),
                                   s_issue("Second.", "communications"),
                                   s_issue("", "communications")};
    Candour__V1__KeyIssue *pk[3];
    Candour__V1__AgreeKeyIssues a = s_agree(ks, pk, 3, "2026-11-20");
    cd_fail_t e = {0};
    EXPECT_FAIL(iv_agree_check(&a, s_today, &e), e, "REQUIRED",
                "agree_key_issues.issues[2].summary");
    ks[2] = s_issue("Third.", "Not A Code");
    EXPECT_FAIL(iv_agree_check(&a, s_today, &e), e, "INVALID_ARGUMENT",
                "agree_key_issues.issues[2].subject");
}

Test(case_rows, V3_the_date_and_the_way_agreed_are_refused_where_the_request_gives_them)
{
    Candour__V1__KeyIssue ks[2] = {s_issue("First.", "communications"),
                                   s_issue("Second.", "communications")};
    Candour__V1__KeyIssue *pk[2];
    cd_fail_t e = {0};
    Candour__V1__AgreeKeyIssues a = s_agree(ks, pk, 2, "2026-11-26");
    EXPECT_FAIL(iv_agree_check(&a, s_today, &e), e, "DATE_IN_FUTURE", "agree_key_issues.agreed_on");
    a = s_agree(ks, pk, 2, "2026-02-30");
    EXPECT_FAIL(iv_agree_check(&a, s_today, &e), e, "INVALID_DATE", "agree_key_issues.agreed_on");
    a = s_agree(ks, pk, 2, "2026-11-25");
    a.agreed_how = "by-carrier-pigeon";
    EXPECT_FAIL(iv_agree_check(&a, s_today, &e), e, "INVALID_ENUM", "agree_key_issues.agreed_how");
    a.agreed_how = "";
    EXPECT_FAIL(iv_agree_check(&a, s_today, &e), e, "REQUIRED", "agree_key_issues.agreed_how");
}

/* ====================================================== KO41a codes (L2a) */

Test(case_rows, L2a_codes_in_force_are_accepted)
{
    Candour__V1__KeyIssue ks[2] = {s_issue("First.", "communications"),
                                   s_issue("Second.", "integrated-care")};
    Candour__V1__KeyIssue *pk[2];
    Candour__V1__AgreeKeyIssues a = s_agree(ks, pk, 2, "2026-11-20");
    cd_fail_t e = {0};
    EXPECT_OK(iv_agree_codes_check(&a, "[\"integrated-care\", \"communications\"]",
                                   "[\"community\"]", "[\"nursing-midwifery-health-visiting\"]",
                                   &e),
              e);
}

Test(case_rows, L2a_the_first_code_not_in_force_is_refused_on_its_field)
{
    Candour__V1__KeyIssue ks[2] = {s_issue("First.", "communications"),
                                   s_issue("Second.", "integrated-care")};
    Candour__V1__KeyIssue *pk[2];
    Candour__V1__AgreeKeyIssues a = s_agree(ks, pk, 2, "2026-11-20");
    cd_fail_t e = {0};
    EXPECT_FAIL(iv_agree_codes_check(&a, "[\"communications\"]", "[\"community\"]",
                                     "[\"nursing-midwifery-health-visiting\"]", &e),
                e, "INVALID_ARGUMENT", "agree_key_issues.issues[1].subject");
    cr_assert(strstr(e.message, "\"integrated-care\""), "%s", e.message);
    cr_assert(strstr(e.message, "2026-11-20"), "%s", e.message);
    EXPECT_FAIL(iv_agree_codes_check(&a, "[\"communications\", \"integrated-care\"]", "[]",
                                     "[\"nursing-midwifery-health-visiting\"]", &e),
                e, "INVALID_ARGUMENT", "agree_key_issues.issues[0].service_area");
    EXPECT_FAIL(iv_agree_codes_check(&a, "[\"communications\", \"integrated-care\"]",
                                     "[\"community\"]", "[\"medical\"]", &e),
                e, "INVALID_ARGUMENT", "agree_key_issues.issues[0].profession");
}

Test(case_rows, L2a_lists_that_are_not_json_arrays_hold_no_code)
{
    Candour__V1__KeyIssue ks[1] = {s_issue("First.", "communications")};
    Candour__V1__KeyIssue *pk[1];
    Candour__V1__AgreeKeyIssues a = s_agree(ks, pk, 1, "2026-11-20");
    cd_fail_t e = {0};
    EXPECT_FAIL(iv_agree_codes_check(&a, "{\"communications\": 1}", "[\"community\"]",
                                     "[\"nursing-midwifery-health-visiting\"]", &e),
                e, "INVALID_ARGUMENT", "agree_key_issues.issues[0].subject");
    EXPECT_FAIL(iv_agree_codes_check(&a, "[\"communications\"]", "not json",
                                     "[\"nursing-midwifery-health-visiting\"]", &e),
                e, "INVALID_ARGUMENT", "agree_key_issues.issues[0].service_area");
    EXPECT_FAIL(iv_agree_codes_check(&a, "[\"communications\"]", "[\"community\"]", "[7]", &e), e,
                "INVALID_ARGUMENT", "agree_key_issues.issues[0].profession");
}
