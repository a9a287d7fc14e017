/* test_casework.c - a coordinated complaint investigated from end to end,
 * through every daemon, as a complaints team works it (issue "Casework"):
 * the complaints manager assigns an impartial investigator (V1), who plans
 * the investigation (V2), agrees the key issues (V3), records the evidence
 * with an attachment (V4), gets both partners' parts (R3), records the
 * findings per key issue and the conclusions (V5), drafts the response and
 * edits it (F1); the outcome follows from the findings; the responsible
 * person signs the latest version (F2); the final letter holds each key
 * issue's finding and the partners' parts, and the Ombudsman (F3). */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "candour/digest.h"
#include "harness.h"

static h_t *s_h;
static char *s_manager, *s_investigator, *s_chief;

/* The reply, which must be a success; freed. */

static char *s_read(const char *path)
{
    for (int i = 0; i < 150; i++) {
        FILE *f = fopen(path, "r");
        if (f) {
            static char buf[131072];
            size_t n = fread(buf, 1, sizeof buf - 1, f);
            buf[n] = 0;
            fclose(f);
            return buf;
        }
        usleep(100000);
    }
    return NULL;
}

/* The bytes as base64 (for a bytes field in JSON). */
static void s_base64(const unsigned char *in, size_t n, char *out)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0) |
                     (i + 2 < n ? in[i + 2] : 0);
        out[o++] = t[v >> 18 & 63];
        out[o++] = t[v >> 12 & 63];
        out[o++] = i + 1 < n ? t[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? t[v & 63] : '=';
    }
    out[o] = 0;
}

Test(casework, a_coordinated_complaint_is_investigated_drafted_signed_and_sent, .timeout = 180)
{
    s_h = h_new("casework-e2e");
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "CANDOUR_DB_URL='%s' '%s/services/candourctl' routes import"
             " '%s/deploy/routes.sample.csv' >/dev/null && CANDOUR_DB_URL='%s'"
             " '%s/services/candourctl' categories import '%s/deploy/categories/ko41a.csv'"
             " >/dev/null",
             h_db_url(s_h), CANDOUR_BUILD_DIR, CANDOUR_SOURCE_DIR, h_db_url(s_h), CANDOUR_BUILD_DIR,
             CANDOUR_SOURCE_DIR);
    cr_assert_eq(system(cmd), 0);
    h_org(s_h, "ICB-QWE");
    h_org(s_h, "TRUST-RXX");
    h_org(s_h, "LA-XYZ");
    /* As Candour runs: the acknowledgement waits to name the investigator (R4). */
    h_setenv(s_h, "CANDOUR_ACK_WAITS_FOR_INVESTIGATOR", "1");
    cr_assert_eq(h_start_all(s_h), 0);
    s_manager = h_staff(s_h, "ICB-QWE", "Casey Manager", "Complaints", "complaints-manager");
    s_investigator = h_staff(s_h, "ICB-QWE", "Ira Investigator", "Quality", "investigator");
    s_chief = h_staff(s_h, "ICB-QWE", "Dr R. Chief", "", "responsible-person");

    /* A complaint about a hospital discharge and the home care after it: the
     * ICB leads, the trust and the council are asked for their parts. */
    Candour__V1__Reply *r = h_call_jsonf(
        s_h, "intake", "ICB-QWE",
        "{\"submit\": {\"complaint\": {\"external_ref\": \"CW-1\", \"channel\": \"CHANNEL_POST\","
        " \"complainant\": {\"name\": \"Ada Cole\", \"address_as\": \"Ms Cole\","
        " \"address\": [\"1 Church Walk\"], \"postcode\": \"LS1 1AA\"},"
        " \"description\": \"My father was sent home from hospital at night with no care in"
        " place, and the carers did not come for three days.\","
        " \"services\": [\"acute-surgery\", \"asc-home-care\"], \"staff_named\": [\"Dr Khan\"],"
        " \"consents\": [{\"given_by\": \"Ada Cole\", \"given_at\": \"2026-11-01\"}]}}}");
    cr_assert(r->receipt, "%s", r->error ? r->error->message : "");
    char ref[64];
    snprintf(ref, sizeof ref, "%s", r->receipt->complaint_ref);
    candour__v1__reply__free_unpacked(r, NULL);
    const char *p[1] = {ref};
    cr_assert(h_wait_for(s_h, "SELECT state FROM investigation.case WHERE reference = $1", 1, p,
                         "open", 15000),
              "no case opened");

    /* V1: an impartial investigator; R4: the acknowledgement names them. */
    h_assign(s_h, ref, s_manager, s_investigator);
    cr_assert(h_wait_for(s_h,
                         "SELECT (delivered_at IS NOT NULL)::text FROM notify.letter WHERE"
                         " reference = $1 AND kind = 'acknowledgement'",
                         1, p, "true", 15000),
              "no acknowledgement");
    char *ack = h_scalar(s_h,
                         "SELECT body FROM notify.letter WHERE reference = $1 AND kind ="
                         " 'acknowledgement'",
                         1, p);
    cr_assert(ack && strstr(ack, "looking into your complaint is Ira Investigator"), "%s", ack);
    free(ack);
    /* R5: the investigator keeps the complainant informed. */
    h_ok(h_call_jsonf(
             s_h, "routing", NULL,
             "{\"acting\": \"%s\", \"send_progress_update\": {\"complaint_ref\": \"%s\","
             " \"text\": \"We have asked the hospital and the council for their records.\"}}",
             s_investigator, ref),
         "send_progress_update");
    cr_assert(h_wait_for(s_h,
                         "SELECT (delivered_at IS NOT NULL)::text FROM notify.letter WHERE"
                         " reference = $1 AND kind = 'progress-1'",
                         1, p, "true", 15000),
              "no progress update");
    /* V2: a proportionate plan; V3: the key issues as agreed. */
    h_ok(h_call_jsonf(s_h, "investigation", NULL,
                      "{\"acting\": \"%s\", \"set_plan\": {\"complaint_ref\": \"%s\", \"grading\":"
                      " \"medium\"}}",
                      s_investigator, ref),
         "set_plan");
    h_ok(h_call_jsonf(
             s_h, "investigation", NULL,
             "{\"acting\": \"%s\", \"agree_key_issues\": {\"complaint_ref\": \"%s\","
             " \"agreed_on\": \"2026-11-20\", \"agreed_how\": \"by-telephone\", \"issues\": ["
             "{\"summary\": \"Discharged at night without a care package in place.\","
             " \"subject\": \"admissions-discharge-transfers\", \"service_area\": \"inpatient\","
             " \"profession\": \"medical\"},"
             "{\"summary\": \"The home carers did not arrive for three days.\","
             " \"subject\": \"patient-care\", \"service_area\": \"community\","
             " \"profession\": \"other\"}]}}",
             s_investigator, ref),
         "agree_key_issues");
    /* V4: the evidence, with the discharge summary attached. */
    static const unsigned char pdf[] = "%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
    char b64[256], sha[CD_SHA256_HEX_LEN + 1];
    s_base64(pdf, sizeof pdf - 1, b64);
    cd_sha256_hex(pdf, sizeof pdf - 1, sha);
    r = h_call_jsonf(
        s_h, "investigation", NULL,
        "{\"acting\": \"%s\", \"add_evidence\": {\"complaint_ref\": \"%s\", \"evidence\": {"
        "\"kind\": \"records\", \"source\": \"Ward 7 discharge summary\", \"date\":"
        " \"2026-10-02\", \"summary\": \"Discharged 22:40; no package of care recorded.\","
        " \"attachment\": {\"filename\": \"discharge.pdf\", \"media_type\":"
        " \"application/pdf\", \"content\": \"%s\"}}}}",
        s_investigator, ref, b64);
    cr_assert(r->evidence && r->evidence->attachment, "%s",
              r->error ? r->error->message : "no evidence in the reply");
    cr_assert_str_eq(r->evidence->attachment->sha256, sha);
    candour__v1__reply__free_unpacked(r, NULL);
    h_ok(h_call_jsonf(
             s_h, "investigation", NULL,
             "{\"acting\": \"%s\", \"add_evidence\": {\"complaint_ref\": \"%s\", \"evidence\": {"
             "\"kind\": \"staff-account\", \"source\": \"Discharge coordinator\", \"date\":"
             " \"2026-11-25\", \"summary\": \"The package was requested but not confirmed.\","
             " \"flag\": \"gap\", \"flag_note\": \"No record of who confirmed the discharge.\"}}}",
             s_investigator, ref),
         "add_evidence (a gap)");

    /* R3: both partners' parts. */
    cr_assert(h_wait_for(s_h,
                         "SELECT count(*)::text FROM intake.partner_message WHERE reference = $1",
                         1, p, "2", 15000),
              "partners not asked");
    h_ok(h_call_jsonf(
             s_h, "intake", "TRUST-RXX",
             "{\"submit_contribution\": {\"complaint_ref\": \"%s\", \"findings\": \"The trust"
             " discharged without confirming the package: its checklist was not completed.\","
             " \"submitted_by\": \"Head of Patient Experience\"}}",
             ref),
         "trust's part");
    h_ok(h_call_jsonf(s_h, "intake", "LA-XYZ",
                      "{\"submit_contribution\": {\"complaint_ref\": \"%s\", \"findings\": \"The"
                      " council's home care provider had no carer free until the Monday.\","
                      " \"submitted_by\": \"Adult Social Care complaints\"}}",
                      ref),
         "council's part");
    cr_assert(h_wait_for(s_h,
                         "SELECT count(*)::text FROM investigation.contribution WHERE"
                         " reference = $1",
                         1, p, "2", 15000),
              "the parts did not reach the case");

    /* V5: findings per key issue, and the conclusions. */
    h_ok(h_call_jsonf(
             s_h, "investigation", NULL,
             "{\"acting\": \"%s\", \"record_findings\": {\"complaint_ref\": \"%s\","
             " \"findings\": ["
             "{\"issue_id\": \"KI1\", \"verdict\": \"upheld\", \"what_happened\": \"Your father"
             " was discharged at 22:40 before his care was confirmed.\","
             " \"what_should_have_happened\": \"He should have stayed until the package was in"
             " place.\"},"
             "{\"issue_id\": \"KI2\", \"verdict\": \"upheld\", \"what_happened\": \"No carer"
             " visited until the Monday.\", \"what_should_have_happened\": \"Care should have"
             " started the day he came home.\"}],"
             " \"failings\": [\"The discharge checklist was not completed.\"],"
             " \"actions\": [{\"description\": \"Audit night discharges monthly.\", \"owner\":"
             " \"Ward 7 manager\", \"due\": \"2099-03-31\"}],"
             " \"lessons\": [\"A discharge waits for confirmed care.\"],"
             " \"remedy\": {\"apology\": \"We are sorry that your father was sent home without"
             " the care he needed.\", \"service_change\": \"Night discharges now need a"
             " senior nurse's check.\"}}}",
             s_investigator, ref),
         "record_findings");

    /* F1: the draft, then an edit; the outcome follows from the findings. */
    r = h_call_jsonf(s_h, "investigation", NULL,
                     "{\"acting\": \"%s\", \"draft_response\": {\"complaint_ref\": \"%s\"}}",
                     s_investigator, ref);
    cr_assert(r->draft, "%s", r->error ? r->error->message : "no draft");
    cr_assert_eq(r->draft->version, 1);
    cr_assert(strstr(r->draft->text, "Discharged at night without a care package in place."));
    char *text = strdup(r->draft->text);
    candour__v1__reply__free_unpacked(r, NULL);
    /* Edited: a sentence added at the end, as staff would. */
    size_t tl = strlen(text);
    char *edited = malloc(tl + 200);
    snprintf(edited, tl + 200, "%sWe will write again when the audit is done.\n", text);
    char *esc = malloc(2 * strlen(edited) + 1), *o = esc;
    for (const char *c = edited; *c; c++) {
        if (*c == '"' || *c == '\\')
            *o++ = '\\', *o++ = *c;
        else if (*c == '\n')
            *o++ = '\\', *o++ = 'n';
        else
            *o++ = *c;
    }
    *o = 0;
    r = h_call_jsonf(
        s_h, "investigation", NULL,
        "{\"acting\": \"%s\", \"edit_draft\": {\"complaint_ref\": \"%s\", \"based_on\": 1,"
        " \"text\": \"%s\"}}",
        s_investigator, ref, esc);
    cr_assert(r->draft, "%s", r->error ? r->error->message : "no draft");
    cr_assert_eq(r->draft->version, 2);
    char sha2[CD_SHA256_HEX_LEN + 1];
    cd_sha256_hex(edited, strlen(edited), sha2);
    cr_assert_str_eq(r->draft->sha256, sha2);
    candour__v1__reply__free_unpacked(r, NULL);
    /* Not upheld contradicts two upheld findings. */
    r = h_call_jsonf(s_h, "investigation", NULL,
                     "{\"acting\": \"%s\", \"record_outcome\": {\"complaint_ref\": \"%s\","
                     " \"outcome\": \"OUTCOME_NOT_UPHELD\"}}",
                     s_investigator, ref);
    cr_assert(r->error, "an outcome contradicting the findings was taken");
    cr_assert_str_eq(r->error->field, "record_outcome.outcome");
    candour__v1__reply__free_unpacked(r, NULL);
    h_ok(h_call_jsonf(s_h, "investigation", NULL,
                      "{\"acting\": \"%s\", \"record_outcome\": {\"complaint_ref\": \"%s\","
                      " \"outcome\": \"OUTCOME_UPHELD\"}}",
                      s_investigator, ref),
         "record_outcome");

    /* F2: the responsible person signs version 2. */
    cr_assert(h_wait_for(s_h,
                         "SELECT state || ' ' || draft_version FROM signoff.draft"
                         " WHERE reference = $1",
                         1, p, "awaiting-signature 2", 15000),
              "sign-off does not hold version 2");
    h_ok(h_call_jsonf(s_h, "signoff", NULL,
                      "{\"acting\": \"%s\", \"sign\": {\"complaint_ref\": \"%s\"}}", s_chief, ref),
         "sign");
    cr_assert(h_wait_for(s_h, "SELECT state FROM routing.complaint WHERE reference = $1", 1, p,
                         "response-sent", 20000),
              "never reached response-sent");

    /* F3: the letter holds each key issue's finding, the partners' parts, the
     * edit, the apology and the Ombudsman. */
    char path[512];
    snprintf(path, sizeof path, "%s/%s/final-response.txt", h_spool(s_h), ref);
    const char *letter = s_read(path);
    cr_assert(letter, "no final response at %s", path);
    static const char *const must[] = {
        "Discharged at night without a care package in place.",
        "The home carers did not arrive for three days.",
        "Your father was discharged at 22:40 before his care was confirmed.",
        "No carer visited until the Monday.",
        "its checklist was not completed",
        "had no carer free until the Monday",
        "We will write again when the audit is done.",
        "We are sorry that your father was sent home",
        "Parliamentary and Health Service Ombudsman",
        "Dr R. Chief",
    };
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++)
        cr_assert(strstr(letter, must[i]), "the letter lacks \"%s\":\n%s", must[i], letter);
    /* The version signed is the one whose hash sign-off holds. */
    char *signed_sha =
        h_scalar(s_h, "SELECT draft_sha256 FROM signoff.draft WHERE reference = $1", 1, p);
    cr_assert_str_eq(signed_sha, sha2);
    free(signed_sha);
    free(text);
    free(edited);
    free(esc);
    free(s_manager);
    free(s_investigator);
    free(s_chief);
    cr_assert_eq(h_destroy(&s_h), 0, "a daemon did not exit 0 on SIGTERM");
}
