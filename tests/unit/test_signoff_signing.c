/* test_signoff_signing.c - signing a response (F2): who signs, in what role,
 * and which drafts may be signed (the lifecycle's answer: never one for a
 * withdrawn complaint). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "signing.h"

static Candour__V1__SignResponse s_valid(void)
{
    Candour__V1__SignResponse s = CANDOUR__V1__SIGN_RESPONSE__INIT;
    s.complaint_ref = "CDR-ABCD-EFGH";
    s.signed_by = "Dr Helen Marsh";
    s.signatory_role = "Chief Executive (responsible person)";
    return s;
}

static void s_expect_fail(const Candour__V1__SignResponse *s, const char *code, const char *field)
{
    cd_fail_t e = {0};
    cr_assert_eq(so_validate_sign(s, &e), -1, "accepted; wanted %s on %s", code, field);
    cr_assert_str_eq(cd_code_name(e.code), code, "code for %s", field);
    cr_assert_str_eq(e.field, field, "field for %s", code);
    cr_assert(e.message[0], "%s on %s has no message", code, field);
}

static void s_expect_ok(const Candour__V1__SignResponse *s, const char *why)
{
    cd_fail_t e = {0};
    cr_assert_eq(so_validate_sign(s, &e), 0, "%s: %s on %s", why, cd_code_name(e.code), e.field);
}

static char *s_repeat(size_t n, char ch)
{
    char *s = malloc(n + 1);
    cr_assert_not_null(s);
    memset(s, ch, n);
    s[n] = 0;
    return s;
}

Test(signoff_signing, F2_a_signature_with_signer_and_role_is_accepted)
{
    Candour__V1__SignResponse s = s_valid();
    s_expect_ok(&s, "complete");
    s.signed_by = "Siân Llewelyn-Ó Briain";
    s_expect_ok(&s, "non-ASCII name");
}

Test(signoff_signing, complaint_ref_is_required)
{
    Candour__V1__SignResponse s = s_valid();
    s.complaint_ref = "";
    s_expect_fail(&s, "REQUIRED", "sign.complaint_ref");
}

/* Who signs is the person acting, from the staff directory: no name need be
 * typed, and one typed is never what the letter prints. */
Test(signoff_signing, F2_the_signer_is_the_person_acting_not_a_typed_name)
{
    Candour__V1__SignResponse s = s_valid();
    s.signed_by = "";
    s.signatory_role = "";
    cd_fail_t e = {0};
    cr_assert_eq(so_validate_sign(&s, &e), 0, "refused: %s on %s", cd_code_name(e.code), e.field);
}

Test(signoff_signing, F2_signer_is_accepted_at_200_bytes_and_rejected_at_201)
{
    Candour__V1__SignResponse s = s_valid();
    char *name = s_repeat(200, 'n');
    s.signed_by = name;
    cd_fail_t e = {0};
    int at_max = so_validate_sign(&s, &e);
    free(name);
    cr_assert_eq(at_max, 0, "200 bytes rejected");
    name = s_repeat(201, 'n');
    s.signed_by = name;
    int over = so_validate_sign(&s, &e);
    free(name);
    cr_assert_eq(over, -1, "201 bytes accepted");
    cr_assert_str_eq(e.field, "sign.signed_by");
}

Test(signoff_signing, F2_role_is_accepted_at_200_bytes_and_rejected_at_201)
{
    Candour__V1__SignResponse s = s_valid();
    char *role = s_repeat(200, 'r');
    s.signatory_role = role;
    cd_fail_t e = {0};
    int at_max = so_validate_sign(&s, &e);
    free(role);
    cr_assert_eq(at_max, 0, "200 bytes rejected");
    role = s_repeat(201, 'r');
    s.signatory_role = role;
    int over = so_validate_sign(&s, &e);
    free(role);
    cr_assert_eq(over, -1, "201 bytes accepted");
    cr_assert_str_eq(e.field, "sign.signatory_role");
}

Test(signoff_signing, F2_signer_and_role_are_one_line_of_text)
{
    Candour__V1__SignResponse s = s_valid();
    s.signed_by = "Dr Helen\nMarsh";
    s_expect_fail(&s, "INVALID_TEXT", "sign.signed_by");
    s = s_valid();
    s.signatory_role = "Chief\x01Executive";
    s_expect_fail(&s, "INVALID_TEXT", "sign.signatory_role");
    s = s_valid();
    s.signed_by = "Dr Helen \xc3\x28Marsh";
    s_expect_fail(&s, "INVALID_TEXT", "sign.signed_by");
}

Test(signoff_signing, F2_only_a_draft_awaiting_signature_is_signable)
{
    cr_assert(so_draft_signable("awaiting-signature"));
    cr_assert_not(so_draft_signable("approved"), "a response signed twice");
    cr_assert_not(so_draft_signable("withdrawn"), "a withdrawn complaint answered");
    cr_assert_not(so_draft_signable(""));
    cr_assert_not(so_draft_signable("awaiting-signature "));
    cr_assert_not(so_draft_signable("Awaiting-Signature"));
    cr_assert_not(so_draft_signable("awaiting"));
}

Test(signoff_signing, the_draft_states_are_the_lifecycle_states_the_lifecycle_is_asked_about)
{
    cr_assert_eq(so_draft_state("awaiting-signature"),
                 CANDOUR__V1__COMPLAINT_STATE__COMPLAINT_STATE_AWAITING_SIGN_OFF);
    cr_assert_eq(so_draft_state("approved"),
                 CANDOUR__V1__COMPLAINT_STATE__COMPLAINT_STATE_RESPONSE_APPROVED);
    cr_assert_eq(so_draft_state("withdrawn"),
                 CANDOUR__V1__COMPLAINT_STATE__COMPLAINT_STATE_WITHDRAWN);
    cr_assert_eq(so_draft_state("signed"), CD_STATE_NONE);
    static const char *const states[] = {"awaiting-signature", "approved", "withdrawn", "signed"};
    for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
        cr_assert_eq(so_draft_signable(states[i]),
                     cd_lc_allows(so_draft_state(states[i]), CD_LC_RESPONSE_APPROVED), "%s",
                     states[i]);
}

Test(signoff_signing, a_withdrawn_complaints_response_is_never_signed)
{
    cd_fail_t e = {0};
    cr_assert_eq(so_sign_allowed("withdrawn", &e), -1);
    cr_assert_str_eq(cd_code_name(e.code), "FAILED_PRECONDITION");
    cr_assert_str_eq(e.field, "sign.complaint_ref");
    cr_assert_str_eq(e.message, "the complaint was withdrawn");
}

Test(signoff_signing, F2_a_response_is_signed_once)
{
    cd_fail_t e = {0};
    cr_assert_eq(so_sign_allowed("awaiting-signature", &e), 0);
    cr_assert_eq(so_sign_allowed("approved", &e), -1);
    cr_assert_str_eq(cd_code_name(e.code), "FAILED_PRECONDITION");
    cr_assert_str_eq(e.message, "the response is already signed");
}

/* ------------------------------------------------------------ F2: returning a draft */

Test(signoff_signing, F2_a_returned_draft_waits_for_its_next_version_and_is_not_signed)
{
    cr_assert_not(so_draft_signable("returned"));
    cd_fail_t e = {0};
    cr_assert_eq(so_sign_allowed("returned", &e), -1);
    cr_assert_eq(e.code, CD_CODE_FAILED_PRECONDITION);
    cr_assert(strstr(e.message, "returned"), "%s", e.message);
    /* The complaint itself is under investigation again. */
    cr_assert_eq(so_draft_state("returned"),
                 CANDOUR__V1__COMPLAINT_STATE__COMPLAINT_STATE_UNDER_INVESTIGATION);
}

Test(signoff_signing, F2_only_a_draft_awaiting_signature_is_returned)
{
    cd_fail_t e = {0};
    cr_assert_eq(so_return_allowed("awaiting-signature", &e), 0);
    static const char *const no[] = {"approved", "withdrawn", "returned", ""};
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        memset(&e, 0, sizeof e);
        cr_assert_eq(so_return_allowed(no[i], &e), -1, "%s", no[i]);
        cr_assert_eq(e.code, CD_CODE_FAILED_PRECONDITION);
        cr_assert_str_eq(e.field, "return_draft.complaint_ref");
    }
}

Test(signoff_signing, F2_a_return_says_why_in_text)
{
    Candour__V1__ReturnDraft r = CANDOUR__V1__RETURN_DRAFT__INIT;
    cd_fail_t e = {0};
    r.complaint_ref = "CDR-ABCD-EFGH";
    r.reasons = "The apology is conditional.\nExplain DST.";
    cr_assert_eq(so_validate_return(&r, &e), 0);
    r.reasons = "";
    cr_assert_eq(so_validate_return(&r, &e), -1);
    cr_assert_str_eq(e.field, "return_draft.reasons");
    cr_assert_eq(e.code, CD_CODE_REQUIRED);
    r.reasons = "bell\a";
    cr_assert_eq(so_validate_return(&r, &e), -1);
    cr_assert_eq(e.code, CD_CODE_INVALID_TEXT);
    char *big = malloc(4002);
    memset(big, 'a', 4001);
    big[4001] = 0;
    r.reasons = big;
    cr_assert_eq(so_validate_return(&r, &e), -1);
    cr_assert_eq(e.code, CD_CODE_TOO_LONG);
    free(big);
    r.reasons = "ok";
    r.complaint_ref = "";
    cr_assert_eq(so_validate_return(&r, &e), -1);
    cr_assert_str_eq(e.field, "return_draft.complaint_ref");
}
