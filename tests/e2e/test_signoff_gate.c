/* test_signoff_gate.c - sign-off's quality gate end to end (F1-F3): a draft
 * edited into an indirect apology and an unexplained acronym is blocked; a
 * signatory returns it with reasons; the investigator puts it right and
 * records the outcome again; the new version passes the gate and is signed
 * as the version read, in the order of the body's chain; exactly one final
 * response goes, holding the corrected words, with its covering letter. Every daemon runs; requests
 * go over the bus as JSON. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/digest.h"
#include "harness.h"

static h_t *s_h;

/* text as a JSON string's inside (malloc'd). */
static char *s_esc(const char *text)
{
    char *esc = malloc(2 * strlen(text) + 1), *o = esc;
    cr_assert_not_null(esc);
    for (const char *c = text; *c; c++) {
        if (*c == '"' || *c == '\\')
            *o++ = '\\', *o++ = *c;
        else if (*c == '\n')
            *o++ = '\\', *o++ = 'n';
        else
            *o++ = *c;
    }
    *o = 0;
    return esc;
}

/* text with `from` replaced by `to` (once; it must be there), malloc'd. */
static char *s_replace(const char *text, const char *from, const char *to)
{
    const char *p = strstr(text, from);
    cr_assert_not_null(p, "\"%s\" is not in:\n%s", from, text);
    size_t len = strlen(text) - strlen(from) + strlen(to) + 1;
    char *out = malloc(len);
    snprintf(out, len, "%.*s%s%s", (int)(p - text), text, to, p + strlen(from));
    return out;
}

static Candour__V1__Reply *s_edit(const char *ref, const char *who, int based_on, const char *text)
{
    char *esc = s_esc(text);
    Candour__V1__Reply *r = h_call_jsonf(s_h, "investigation", NULL,
                                         "{\"acting\": \"%s\", \"edit_draft\": {\"complaint_ref\":"
                                         " \"%s\", \"based_on\": %d, \"text\": \"%s\"}}",
                                         who, ref, based_on, esc);
    free(esc);
    return r;
}

static Candour__V1__Reply *s_check(const char *ref, const char *who)
{
    return h_call_jsonf(s_h, "signoff", NULL,
                        "{\"acting\": \"%s\", \"check_draft\": {\"complaint_ref\": \"%s\"}}", who,
                        ref);
}

static int s_has(const Candour__V1__GateReport *g, const char *check)
{
    for (size_t i = 0; i < g->n_findings; i++)
        if (strcmp(g->findings[i]->check, check) == 0 && g->findings[i]->blocking)
            return 1;
    return 0;
}

#define APOLOGY "We are sorry that your father waited nine hours for a bed."
#define INDIRECT "We are sorry if you felt that the wait was too long."

Test(signoff_gate, F1_F2_a_blocked_draft_is_returned_corrected_and_signed_once, .timeout = 240)
{
    s_h = h_new("signoff_gate");
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "CANDOUR_DB_URL='%s' '%s/services/candourctl' categories import"
             " '%s/deploy/categories/ko41a.csv' >/dev/null",
             h_db_url(s_h), CANDOUR_BUILD_DIR, CANDOUR_SOURCE_DIR);
    cr_assert_eq(system(cmd), 0);
    h_org(s_h, "ICB-QWE");
    cr_assert_eq(h_start_all(s_h), 0);
    h_exec(s_h, "INSERT INTO signoff.glossary (org_id, term, meaning) VALUES"
                " ('', 'DST', 'Decision Support Tool'), ('', 'A&E', 'accident and emergency')");
    char *manager = h_staff(s_h, "ICB-QWE", "Casey Manager", "Complaints", "complaints-manager");
    char *inv = h_staff(s_h, "ICB-QWE", "Ira Investigator", "Quality", "investigator");
    char *chief = h_staff(s_h, "ICB-QWE", "Dr R. Chief", "", "responsible-person");
    char *senior = h_staff(s_h, "ICB-QWE", "Sam Senior", "", "signatory");
    /* F2: the body's chain: its senior signatory, then its responsible
     * person, who sends the covering letter. */
    h_exec(s_h, "INSERT INTO signoff.chain_step (org_id, step, signer_org, roles, label,"
                " covering, changed_by) VALUES"
                " ('ICB-QWE', 1, 'ICB-QWE', '{signatory}', 'the senior signatory', false, 't'),"
                " ('ICB-QWE', 2, 'ICB-QWE', '{responsible-person}', 'the responsible person',"
                "  true, 't')");
    h_exec(s_h, "INSERT INTO signoff.covering_letter (org_id, text, changed_by) VALUES"
                " ('ICB-QWE', 'We enclose our response to your complaint.', 't')");

    Candour__V1__Reply *r =
        h_call_jsonf(s_h, "intake", "ICB-QWE",
                     "{\"submit\": {\"complaint\": {\"external_ref\": \"SG-1\", \"channel\":"
                     " \"CHANNEL_POST\", \"complainant\": {\"name\": \"Ada Cole\","
                     " \"address_as\": \"Ms Cole\", \"address\": [\"1 Church Walk\"]},"
                     " \"description\": \"My father waited nine hours in A&E for a bed.\"}}}");
    cr_assert(r->receipt, "%s", r->error ? r->error->message : "");
    char ref[64];
    snprintf(ref, sizeof ref, "%s", r->receipt->complaint_ref);
    candour__v1__reply__free_unpacked(r, NULL);
    const char *p[1] = {ref};
    h_assign(s_h, ref, manager, inv);
    h_ok(h_call_jsonf(s_h, "investigation", NULL,
                      "{\"acting\": \"%s\", \"set_plan\": {\"complaint_ref\": \"%s\", \"grading\":"
                      " \"low\"}}",
                      inv, ref),
         "set_plan");
    h_ok(h_call_jsonf(
             s_h, "investigation", NULL,
             "{\"acting\": \"%s\", \"agree_key_issues\": {\"complaint_ref\": \"%s\","
             " \"agreed_on\": \"2026-11-20\", \"agreed_how\": \"by-telephone\", \"issues\": ["
             "{\"summary\": \"Your father waited nine hours for a bed.\", \"subject\":"
             " \"patient-care\", \"service_area\": \"inpatient\", \"profession\":"
             " \"nursing-midwifery-health-visiting\"}]}}",
             inv, ref),
         "agree_key_issues");
    h_ok(h_call_jsonf(
             s_h, "investigation", NULL,
             "{\"acting\": \"%s\", \"add_evidence\": {\"complaint_ref\": \"%s\", \"evidence\": {"
             "\"kind\": \"records\", \"source\": \"Emergency department log\", \"date\":"
             " \"2026-10-02\", \"summary\": \"Arrived 14:05; bed at 23:10.\"}}}",
             inv, ref),
         "add_evidence");
    h_ok(h_call_jsonf(
             s_h, "investigation", NULL,
             "{\"acting\": \"%s\", \"record_findings\": {\"complaint_ref\": \"%s\","
             " \"findings\": [{\"issue_id\": \"KI1\", \"verdict\": \"upheld\","
             " \"what_happened\": \"Your father waited nine hours because no bed was free.\","
             " \"what_should_have_happened\": \"A bed within four hours.\"}],"
             " \"failings\": [\"Beds were not freed in time.\"],"
             " \"actions\": [{\"description\": \"Review bed management daily.\", \"owner\":"
             " \"Site manager\", \"due\": \"2099-03-31\"}],"
             " \"lessons\": [\"Discharges must start earlier in the day.\"],"
             " \"remedy\": {\"apology\": \"" APOLOGY "\", \"service_change\": \"A discharge"
             " lounge now opens at 8am.\"}}}",
             inv, ref),
         "record_findings");
    r = h_call_jsonf(s_h, "investigation", NULL,
                     "{\"acting\": \"%s\", \"draft_response\": {\"complaint_ref\":"
                     " \"%s\"}}",
                     inv, ref);
    cr_assert(r->draft, "%s", r->error ? r->error->message : "no draft");
    char *assembled = strdup(r->draft->text);
    candour__v1__reply__free_unpacked(r, NULL);

    /* Edited into an indirect apology and a term no one explains. */
    char *bad1 = s_replace(assembled, APOLOGY, INDIRECT);
    char *bad = s_replace(bad1, "What we found\n\n",
                          "What we found\n\nThe DST was not used in this case.\n\n");
    r = s_edit(ref, inv, 1, bad);
    cr_assert(r->draft && r->draft->version == 2, "%s", r->error ? r->error->message : "");
    candour__v1__reply__free_unpacked(r, NULL);
    h_ok(h_call_jsonf(s_h, "investigation", NULL,
                      "{\"acting\": \"%s\", \"record_outcome\": {\"complaint_ref\":"
                      " \"%s\", \"outcome\": \"OUTCOME_UPHELD\"}}",
                      inv, ref),
         "record_outcome");
    cr_assert(h_wait_for(s_h,
                         "SELECT state || ' ' || draft_version FROM signoff.draft"
                         " WHERE reference = $1",
                         1, p, "awaiting-signature 2", 15000));

    /* The gate blocks it, at those two places; signing is refused. */
    r = s_check(ref, chief);
    cr_assert(r->gate_report, "%s", r->error ? r->error->message : "");
    cr_assert_geq(r->gate_report->blocking, 2);
    cr_assert(s_has(r->gate_report, "indirect-apology"));
    cr_assert(s_has(r->gate_report, "terms"));
    candour__v1__reply__free_unpacked(r, NULL);
    r = h_call_jsonf(s_h, "signoff", NULL,
                     "{\"acting\": \"%s\", \"sign\": {\"complaint_ref\": \"%s\"}}", senior, ref);
    cr_assert(r->error && strcmp(r->error->code, "FAILED_PRECONDITION") == 0 &&
                  strstr(r->error->message, "quality gate"),
              "signed over blocking findings");
    candour__v1__reply__free_unpacked(r, NULL);
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM signoff.signature WHERE reference = $1", 1, p),
                 0, "a refused signature was recorded");
    /* Out of order, whatever the gate says. */
    r = h_call_jsonf(s_h, "signoff", NULL,
                     "{\"acting\": \"%s\", \"sign\": {\"complaint_ref\": \"%s\"}}", chief, ref);
    cr_assert(r->error && strstr(r->error->message, "out of order"), "%s",
              r->error ? r->error->message : "signed out of order");
    candour__v1__reply__free_unpacked(r, NULL);

    /* F2: returned with the reasons; the complaint is under investigation
     * again and the case open for the investigator. */
    h_ok(h_call_jsonf(
             s_h, "signoff", NULL,
             "{\"acting\": \"%s\", \"return_draft\": {\"complaint_ref\": \"%s\", \"reasons\":"
             " \"Make the apology direct, and explain DST.\"}}",
             chief, ref),
         "return_draft");
    cr_assert(h_wait_for(s_h, "SELECT state FROM routing.complaint WHERE reference = $1", 1, p,
                         "under-investigation", 15000));
    cr_assert(h_wait_for(s_h, "SELECT state FROM investigation.case WHERE reference = $1", 1, p,
                         "open", 15000));
    char *kept = h_scalar(s_h,
                          "SELECT returned_reasons FROM investigation.draft WHERE"
                          " reference = $1 AND version = 2",
                          1, p);
    cr_assert_str_eq(kept, "Make the apology direct, and explain DST.");
    free(kept);

    /* Put right, the outcome recorded again: version 3 passes and is signed
     * as the version read. */
    char *good = s_replace(assembled, "What we found\n\n",
                           "What we found\n\nThe Decision Support Tool (DST) was not used in this"
                           " case.\n\n");
    r = s_edit(ref, inv, 2, good);
    cr_assert(r->draft && r->draft->version == 3, "%s", r->error ? r->error->message : "");
    char sha3[CD_SHA256_HEX_LEN + 1];
    snprintf(sha3, sizeof sha3, "%s", r->draft->sha256);
    candour__v1__reply__free_unpacked(r, NULL);
    h_ok(h_call_jsonf(s_h, "investigation", NULL,
                      "{\"acting\": \"%s\", \"record_outcome\": {\"complaint_ref\":"
                      " \"%s\", \"outcome\": \"OUTCOME_UPHELD\"}}",
                      inv, ref),
         "record_outcome again");
    cr_assert(h_wait_for(s_h,
                         "SELECT state || ' ' || draft_version FROM signoff.draft"
                         " WHERE reference = $1",
                         1, p, "awaiting-signature 3", 15000));
    r = s_check(ref, chief);
    cr_assert(r->gate_report, "%s", r->error ? r->error->message : "");
    cr_assert_eq(r->gate_report->blocking, 0);
    cr_assert_str_eq(r->gate_report->sha256, sha3);
    candour__v1__reply__free_unpacked(r, NULL);
    /* The version read must be the one signed. */
    r = h_call_jsonf(s_h, "signoff", NULL,
                     "{\"acting\": \"%s\", \"sign\": {\"complaint_ref\": \"%s\","
                     " \"draft_sha256\": \"%064d\"}}",
                     senior, ref, 0);
    cr_assert(r->error && strcmp(r->error->field, "sign.draft_sha256") == 0);
    candour__v1__reply__free_unpacked(r, NULL);
    /* Signed in order: the senior signatory, then the responsible person. */
    h_ok(h_call_jsonf(s_h, "signoff", NULL,
                      "{\"acting\": \"%s\", \"sign\": {\"complaint_ref\": \"%s\","
                      " \"draft_sha256\": \"%s\"}}",
                      senior, ref, sha3),
         "sign, step 1");
    h_ok(h_call_jsonf(s_h, "signoff", NULL,
                      "{\"acting\": \"%s\", \"sign\": {\"complaint_ref\": \"%s\","
                      " \"draft_sha256\": \"%s\"}}",
                      chief, ref, sha3),
         "sign, step 2");

    /* F3: exactly one final response, with the corrected words. */
    cr_assert(h_wait_for(s_h, "SELECT state FROM routing.complaint WHERE reference = $1", 1, p,
                         "response-sent", 20000));
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM notify.letter WHERE reference = $1 AND"
                         " kind = 'final-response'",
                         1, p),
                 1);
    char *letter = h_scalar(s_h,
                            "SELECT body FROM notify.letter WHERE reference = $1 AND"
                            " kind = 'final-response'",
                            1, p);
    cr_assert(strstr(letter, APOLOGY) && strstr(letter, "Decision Support Tool (DST)"), "%s",
              letter);
    cr_assert_null(strstr(letter, "sorry if"), "%s", letter);
    cr_assert(strstr(letter, "Dear Ms Cole,"), "%s", letter);
    free(letter);
    /* With its covering letter, one, from the responsible person. */
    char *cover = h_scalar(s_h,
                           "SELECT string_agg(body, '') FROM notify.letter"
                           " WHERE reference = $1 AND kind = 'covering-letter'",
                           1, p);
    cr_assert(cover && strstr(cover, "We enclose") && strstr(cover, "Dr R. Chief"), "%s", cover);
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM notify.letter WHERE reference = $1 AND"
                         " kind = 'covering-letter'",
                         1, p),
                 1);
    free(cover);
    free(good);
    free(bad);
    free(bad1);
    free(assembled);
    free(manager);
    free(inv);
    free(chief);
    free(senior);
    cr_assert_eq(h_destroy(&s_h), 0, "a daemon did not exit 0 on SIGTERM");
}
