/* test_signature_chain.c - the signature chain end to end (F2): a CSU
 * investigates for an ICB; the CSU's senior signatory signs first, then the
 * ICB's responsible person or a delegate the ICB recorded; out of order or
 * twice is refused; a return and an edit void the signature given and the
 * chain starts again on the new version; the last signature sends the
 * response with the ICB's covering letter, exactly once each. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static h_t *s_h;

/* The refusal's code, and its message holds says. */
static void s_refused(Candour__V1__Reply *r, const char *code, const char *says)
{
    cr_assert(r->error, "accepted; wanted %s", code);
    cr_assert_str_eq(r->error->code, code, "%s", r->error->message);
    cr_assert(strstr(r->error->message, says), "\"%s\" does not say \"%s\"", r->error->message,
              says);
    candour__v1__reply__free_unpacked(r, NULL);
}

static Candour__V1__Reply *s_sign(const char *who, const char *ref)
{
    return h_call_jsonf(s_h, "signoff", NULL,
                        "{\"acting\": \"%s\", \"sign\": {\"complaint_ref\": \"%s\"}}", who, ref);
}

Test(signature_chain, F2_csu_then_icb_by_a_delegate_with_a_return_and_a_covering_letter,
     .timeout = 240)
{
    s_h = h_new("signature_chain");
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "CANDOUR_DB_URL='%s' '%s/services/candourctl' categories import"
             " '%s/deploy/categories/ko41a.csv' >/dev/null",
             h_db_url(s_h), CANDOUR_BUILD_DIR, CANDOUR_SOURCE_DIR);
    cr_assert_eq(system(cmd), 0);
    h_org(s_h, "ICB-QWE");
    cr_assert_eq(h_start_all(s_h), 0);
    char *manager = h_staff(s_h, "ICB-QWE", "Casey Manager", "Complaints", "complaints-manager");
    char *inv = h_staff(s_h, "ICB-QWE", "Ira Investigator", "Quality", "investigator");
    char *csu = h_staff(s_h, "CSU-NE", "Sam Senior", "", "signatory");
    char *rp = h_staff(s_h, "ICB-QWE", "Dr R. Chief", "", "responsible-person");
    char *dir = h_staff(s_h, "ICB-QWE", "Dee Director", "", "signatory");
    /* The ICB's chain, its covering letter, and its delegate for today. */
    h_exec(s_h, "INSERT INTO signoff.chain_step (org_id, step, signer_org, roles, label,"
                " covering, changed_by) VALUES"
                " ('ICB-QWE', 1, 'CSU-NE', '{signatory}', 'the CSU''s senior signatory', false,"
                "  'test'),"
                " ('ICB-QWE', 2, 'ICB-QWE', '{responsible-person}', 'the ICB''s responsible"
                " person', true, 'test')");
    h_exec(s_h, "INSERT INTO signoff.covering_letter (org_id, text, changed_by) VALUES"
                " ('ICB-QWE', 'NHS Quay ICB has checked the enclosed response from our"
                " commissioning support unit and agrees with it.', 'test')");
    const char *dv[1] = {dir};
    h_execp(s_h,
            "INSERT INTO signoff.delegation (org_id, staff_id, roles, valid_from, valid_until,"
            " recorded_by) VALUES ('ICB-QWE', $1, '{responsible-person}',"
            " (now() AT TIME ZONE 'Europe/London')::date - 1,"
            " (now() AT TIME ZONE 'Europe/London')::date + 30, 'test')",
            1, dv);

    Candour__V1__Reply *r =
        h_call_jsonf(s_h, "intake", "ICB-QWE",
                     "{\"submit\": {\"complaint\": {\"external_ref\": \"SC-1\", \"channel\":"
                     " \"CHANNEL_POST\", \"complainant\": {\"name\": \"Ada Cole\","
                     " \"address_as\": \"Ms Cole\", \"address\": [\"1 Church Walk\"]},"
                     " \"description\": \"My mother's care funding stopped.\"}}}");
    cr_assert(r->receipt, "%s", r->error ? r->error->message : "");
    char ref[64];
    snprintf(ref, sizeof ref, "%s", r->receipt->complaint_ref);
    candour__v1__reply__free_unpacked(r, NULL);
    const char *p[1] = {ref};
    h_assign(s_h, ref, manager, inv);
    h_ok(h_call_jsonf(s_h, "investigation", NULL,
                      "{\"acting\": \"%s\", \"set_plan\": {\"complaint_ref\": \"%s\","
                      " \"grading\": \"low\"}}",
                      inv, ref),
         "set_plan");
    h_ok(h_call_jsonf(
             s_h, "investigation", NULL,
             "{\"acting\": \"%s\", \"agree_key_issues\": {\"complaint_ref\": \"%s\","
             " \"agreed_on\": \"2026-11-20\", \"agreed_how\": \"by-telephone\", \"issues\": ["
             "{\"summary\": \"Your mother's care funding stopped without a review.\","
             " \"subject\": \"patient-care\", \"service_area\": \"inpatient\","
             " \"profession\": \"medical\"}]}}",
             inv, ref),
         "agree_key_issues");
    h_ok(h_call_jsonf(
             s_h, "investigation", NULL,
             "{\"acting\": \"%s\", \"add_evidence\": {\"complaint_ref\": \"%s\", \"evidence\": {"
             "\"kind\": \"records\", \"source\": \"Funding file\", \"date\": \"2026-10-02\","
             " \"summary\": \"No review was recorded.\"}}}",
             inv, ref),
         "add_evidence");
    h_ok(h_call_jsonf(
             s_h, "investigation", NULL,
             "{\"acting\": \"%s\", \"record_findings\": {\"complaint_ref\": \"%s\","
             " \"findings\": [{\"issue_id\": \"KI1\", \"verdict\": \"not-upheld\","
             " \"what_happened\": \"A review was held on 3 March with your mother.\","
             " \"what_should_have_happened\": \"A review before any change, as was done.\"}]}}",
             inv, ref),
         "record_findings");
    r = h_call_jsonf(s_h, "investigation", NULL,
                     "{\"acting\": \"%s\", \"draft_response\": {\"complaint_ref\": \"%s\"}}", inv,
                     ref);
    cr_assert(r->draft, "%s", r->error ? r->error->message : "");
    candour__v1__reply__free_unpacked(r, NULL);
    h_ok(h_call_jsonf(s_h, "investigation", NULL,
                      "{\"acting\": \"%s\", \"record_outcome\": {\"complaint_ref\":"
                      " \"%s\", \"outcome\": \"OUTCOME_NOT_UPHELD\"}}",
                      inv, ref),
         "record_outcome");
    cr_assert(h_wait_for(s_h,
                         "SELECT state || ' ' || draft_version FROM signoff.draft"
                         " WHERE reference = $1",
                         1, p, "awaiting-signature 1", 15000));

    /* Out of order, then the CSU signs; not twice; the ICB's step is not
     * the CSU's. */
    s_refused(s_sign(rp, ref), "FAILED_PRECONDITION", "out of order");
    s_refused(s_sign(inv, ref), "PERMISSION_DENIED", "");
    h_ok(s_sign(csu, ref), "the CSU signs");
    s_refused(s_sign(csu, ref), "FAILED_PRECONDITION", "already");
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM signoff.signature WHERE reference = $1"
                         " AND void_at IS NULL",
                         1, p),
                 1);
    r = h_call_jsonf(s_h, "signoff", NULL,
                     "{\"acting\": \"%s\", \"check_draft\": {\"complaint_ref\": \"%s\"}}", rp, ref);
    cr_assert(r->gate_report && r->gate_report->n_chain == 2, "%s",
              r->error ? r->error->message : "");
    cr_assert(strstr(r->gate_report->chain[0], "signed by Sam Senior"), "%s",
              r->gate_report->chain[0]);
    cr_assert(strstr(r->gate_report->chain[1], "to sign"), "%s", r->gate_report->chain[1]);
    candour__v1__reply__free_unpacked(r, NULL);

    /* The ICB returns it: the CSU's signature is void, and the edited version
     * starts the chain again. */
    h_ok(h_call_jsonf(s_h, "signoff", NULL,
                      "{\"acting\": \"%s\", \"return_draft\": {\"complaint_ref\": \"%s\","
                      " \"reasons\": \"Say when the next review will be.\"}}",
                      rp, ref),
         "return_draft");
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM signoff.signature WHERE reference = $1"
                         " AND void_at IS NOT NULL",
                         1, p),
                 1);
    cr_assert(h_wait_for(s_h, "SELECT state FROM investigation.case WHERE reference = $1", 1, p,
                         "open", 15000));
    r = h_call_jsonf(s_h, "investigation", NULL,
                     "{\"acting\": \"%s\", \"draft_response\": {\"complaint_ref\": \"%s\"}}", inv,
                     ref);
    cr_assert(r->draft && r->draft->version == 2, "%s", r->error ? r->error->message : "");
    candour__v1__reply__free_unpacked(r, NULL);
    h_ok(h_call_jsonf(s_h, "investigation", NULL,
                      "{\"acting\": \"%s\", \"record_outcome\": {\"complaint_ref\":"
                      " \"%s\", \"outcome\": \"OUTCOME_NOT_UPHELD\"}}",
                      inv, ref),
         "record_outcome again");
    cr_assert(h_wait_for(s_h,
                         "SELECT state || ' ' || draft_version FROM signoff.draft"
                         " WHERE reference = $1",
                         1, p, "awaiting-signature 2", 15000));
    s_refused(s_sign(dir, ref), "FAILED_PRECONDITION", "out of order");
    h_ok(s_sign(csu, ref), "the CSU signs version 2");
    /* The ICB's delegate signs for the responsible person: the last step. */
    h_ok(s_sign(dir, ref), "the delegate signs");
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM signoff.signature WHERE reference = $1"
                         " AND version = 2 AND step = 2 AND as_delegate",
                         1, p),
                 1);
    cr_assert(h_wait_for(s_h, "SELECT state FROM routing.complaint WHERE reference = $1", 1, p,
                         "response-sent", 20000));

    /* One response, signed by the CSU; one covering letter, by the ICB. */
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM notify.letter WHERE reference = $1 AND"
                         " kind = 'final-response'",
                         1, p),
                 1);
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM notify.letter WHERE reference = $1 AND"
                         " kind = 'covering-letter'",
                         1, p),
                 1);
    char *resp = h_scalar(s_h,
                          "SELECT body FROM notify.letter WHERE reference = $1 AND"
                          " kind = 'final-response'",
                          1, p);
    char *cover = h_scalar(s_h,
                           "SELECT body FROM notify.letter WHERE reference = $1 AND"
                           " kind = 'covering-letter'",
                           1, p);
    cr_assert(strstr(resp, "Sam Senior"), "%s", resp);
    cr_assert(strstr(cover, "agrees with it") && strstr(cover, "Dee Director") &&
                  strstr(cover, "Dear Ms Cole,"),
              "%s", cover);
    free(resp);
    free(cover);
    free(manager);
    free(inv);
    free(csu);
    free(rp);
    free(dir);
    cr_assert_eq(h_destroy(&s_h), 0, "a daemon did not exit 0 on SIGTERM");
}
