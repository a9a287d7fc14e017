/* test_case_record.c - the record of a case on investigation's endpoint:
 * SetPlan (V2), AgreeKeyIssues (V3, with the KO41a codes in force: L2a),
 * AddEvidence (V4, a file's type decided from its bytes and its SHA-256
 * kept) and GetCase, with who may do each (V1: the investigator assigned or
 * a complaints manager; reading: the body's staff with a part in cases, not
 * an analyst), what a case no longer open refuses, and that a refusal
 * leaves nothing written.
 *
 * investigation runs alone, told of the directory and the case as routing
 * would tell it; the KO41a lists are imported with candourctl; today is
 * Wednesday 25 November 2026 (CANDOUR_CLOCK_FILE); a file attached may be
 * at most 4096 bytes (CANDOUR_MAX_ATTACHMENT_BYTES). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "candour/digest.h"
#include "candour/util.h"
#include "candour/v1/events.pb-c.h"
#include "harness.h"

#define S_REF "CND-2026-000101"
#define S_MAX_BYTES 4096

static h_t *s_h;

/* Send a new event to investigation as its producer would; fails unless ACKed. */
static void s_send(const char *type, const char *ref, const ProtobufCMessage *payload)
{
    char id[CD_UUID_LEN + 1] = "";
    cr_assert_eq(h_send_event(s_h, "investigation", type, ref, payload, id, 10000), 1,
                 "%s not acknowledged", type);
}

/* complaint.routed: a case opens for ref at ICB-QWE, naming nobody. */
static void s_routed(const char *ref)
{
    Candour__V1__ComplaintRouted cr = CANDOUR__V1__COMPLAINT_ROUTED__INIT;
    cr.org_id = "ICB-QWE";
    cr.handling_org = "ICB-QWE";
    cr.ack_due = "2026-11-27";
    cr.response_due = "2027-01-20";
    cr.description = "Discharged from hospital with no home care in place.";
    cr.desired_outcome = "An apology.";
    s_send("complaint.routed", ref, &cr.base);
    const char *p[1] = {ref};
    cr_assert(h_wait_for(s_h, "SELECT state FROM investigation.case WHERE reference = $1", 1, p,
                         "open", 15000),
              "no open case for %s", ref);
}

static void s_setup(void)
{
    s_h = h_new("case_record");
    char clock[1024];
    snprintf(clock, sizeof clock, "%s/clock", h_dir(s_h));
    FILE *f = fopen(clock, "w");
    cr_assert(f);
    fputs("2026-11-25T12:00:00Z\n", f);
    fclose(f);
    h_setenv(s_h, "CANDOUR_CLOCK_FILE", clock);
    h_setenv(s_h, "CANDOUR_MAX_ATTACHMENT_BYTES", "4096");
    cr_assert_eq(h_start(s_h, "investigation"), 0);
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "CANDOUR_DB_URL='%s' '%s/services/candourctl' categories import"
             " '%s/deploy/categories/ko41a.csv' >/dev/null 2>&1",
             h_db_url(s_h), CANDOUR_BUILD_DIR, CANDOUR_SOURCE_DIR);
    int st = system(cmd);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "categories import failed");
    h_staff_event(s_h, "investigation", "ST901", "ICB-QWE", "Casey Manager", "complaints-manager");
    h_staff_event(s_h, "investigation", "ST902", "ICB-QWE", "Ira Investigator", "investigator");
    h_staff_event(s_h, "investigation", "ST904", "ICB-QWE", "Olu Otherinvestigator",
                  "investigator");
    h_staff_event(s_h, "investigation", "ST905", "ICB-QWE", "Ana Analyst", "analyst");
    h_staff_event(s_h, "investigation", "ST906", "ICB-QWE", "Sam Signatory", "signatory");
    s_routed(S_REF);
}

static void s_teardown(void)
{
    cr_assert_eq(h_destroy(&s_h), 0, "a daemon did not exit 0 on SIGTERM");
}

TestSuite(case_record, .init = s_setup, .fini = s_teardown, .timeout = 120);

/* ---------------------------------------------------------------- requests */

static Candour__V1__Reply *s_call(const char *acting, Candour__V1__Request *req)
{
    req->acting = (char *)acting;
    return h_call(s_h, "investigation", NULL, req);
}

static Candour__V1__Reply *s_plan(const char *acting, const char *grading, const char **steps,
                                  size_t n, const char *reason)
{
    Candour__V1__SetPlan p = CANDOUR__V1__SET_PLAN__INIT;
    p.complaint_ref = S_REF;
    p.grading = (char *)grading;
    p.steps = (char **)steps;
    p.n_steps = n;
    p.reason = (char *)(reason ? reason : "");
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_SET_PLAN;
    req.set_plan = &p;
    return s_call(acting, &req);
}

/* One key issue: summary, subject, service area, profession. */
typedef struct {
    const char *summary, *subject, *area, *profession;
} s_issue_t;

static Candour__V1__Reply *s_agree_ref(const char *ref, const char *acting, const s_issue_t *is,
                                       size_t n, const char *on)
{
    Candour__V1__KeyIssue ks[8], *pk[8];
    cr_assert(n <= 8);
    for (size_t i = 0; i < n; i++) {
        candour__v1__key_issue__init(&ks[i]);
        ks[i].summary = (char *)is[i].summary;
        ks[i].subject = (char *)is[i].subject;
        ks[i].service_area = (char *)is[i].area;
        ks[i].profession = (char *)is[i].profession;
        pk[i] = &ks[i];
    }
    Candour__V1__AgreeKeyIssues a = CANDOUR__V1__AGREE_KEY_ISSUES__INIT;
    a.complaint_ref = (char *)ref;
    a.issues = pk;
    a.n_issues = n;
    a.agreed_on = (char *)on;
    a.agreed_how = "by-telephone";
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_AGREE_KEY_ISSUES;
    req.agree_key_issues = &a;
    return s_call(acting, &req);
}

static Candour__V1__Reply *s_agree(const char *acting, const s_issue_t *is, size_t n,
                                   const char *on)
{
    return s_agree_ref(S_REF, acting, is, n, on);
}

/* AddEvidence: a record, with len bytes attached (none when bytes is NULL). */
static Candour__V1__Reply *s_evidence(const char *acting, const void *bytes, size_t len,
                                      const char *claimed, const char *filename)
{
    Candour__V1__Attachment at = CANDOUR__V1__ATTACHMENT__INIT;
    at.filename = (char *)filename;
    at.media_type = (char *)claimed;
    at.content.data = (uint8_t *)bytes;
    at.content.len = len;
    Candour__V1__Evidence e = CANDOUR__V1__EVIDENCE__INIT;
    e.kind = "records";
    e.source = "Ward manager";
    e.date = "2026-11-02";
    e.summary = "The discharge checklist has no entry for the care package.";
    e.flag = "gap";
    e.flag_note = "No record of the call to the care agency.";
    e.attachment = bytes ? &at : NULL;
    Candour__V1__AddEvidence a = CANDOUR__V1__ADD_EVIDENCE__INIT;
    a.complaint_ref = S_REF;
    a.evidence = &e;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_ADD_EVIDENCE;
    req.add_evidence = &a;
    return s_call(acting, &req);
}

static Candour__V1__Reply *s_get(const char *acting, const char *ref)
{
    Candour__V1__GetCase g = CANDOUR__V1__GET_CASE__INIT;
    g.complaint_ref = (char *)ref;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_GET_CASE;
    req.get_case = &g;
    return s_call(acting, &req);
}

/* ---------------------------------------------------------------- replies */

static void s_accepted(Candour__V1__Reply *r)
{
    cr_assert_null(r->error, "%s on %s: %s", r->error ? r->error->code : "",
                   r->error ? r->error->field : "", r->error ? r->error->message : "");
    candour__v1__reply__free_unpacked(r, NULL);
}

/* The reply is the refusal wanted, and its message contains says. */
static void s_refused(Candour__V1__Reply *r, const char *code, const char *field, const char *says)
{
    cr_assert(r->error, "accepted; wanted %s on %s", code, field);
    cr_assert_str_eq(r->error->code, code, "%s on %s: %s", r->error->code, r->error->field,
                     r->error->message);
    cr_assert_str_eq(r->error->field, field, "%s", r->error->message);
    cr_assert(strstr(r->error->message, says), "\"%s\" does not say \"%s\"", r->error->message,
              says);
    candour__v1__reply__free_unpacked(r, NULL);
}

static char *s_case(const char *expr)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT %s FROM investigation.case WHERE reference = $1", expr);
    const char *p[1] = {S_REF};
    char *v = h_scalar(s_h, sql, 1, p);
    cr_assert(v, "no case");
    return v;
}

static void s_case_is(const char *expr, const char *want)
{
    char *v = s_case(expr);
    cr_assert_str_eq(v, want, "%s", expr);
    free(v);
}

static long s_rows(const char *table)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM investigation.%s WHERE reference = $1", table);
    const char *p[1] = {S_REF};
    return h_count(s_h, sql, 1, p);
}

static const s_issue_t s_two[2] = {
    {"No care package was in place when I was discharged.", "integrated-care", "community",
     "nursing-midwifery-health-visiting"},
    {"Nobody told me when the district nurse would come.", "communications", "community",
     "nursing-midwifery-health-visiting"},
};

/* ================================================================ V2: plan */

Test(case_record, V2_an_empty_plan_takes_the_template_for_its_grading)
{
    h_assign(s_h, S_REF, "ST901", "ST902");
    s_accepted(s_plan("ST902", "medium", NULL, 0, NULL));
    s_case_is("grading", "medium");
    s_case_is("array_to_string(plan_steps, ',')",
              "document-review,complainant-meeting,staff-interviews");
    /* The body's own template, once routing has sent it. */
    Candour__V1__OrgSettings o = CANDOUR__V1__ORG_SETTINGS__INIT;
    o.org_id = "ICB-QWE";
    o.version = 1;
    o.plan_low = "records-review, document-review";
    s_send("org.changed", "", &o.base);
    s_accepted(s_plan("ST902", "low", NULL, 0, NULL));
    s_case_is("grading || ':' || array_to_string(plan_steps, ',')",
              "low:records-review,document-review");
    /* A template the body got wrong is not used: the steps are named instead. */
    o.version = 2;
    o.plan_medium = "document-review, seance";
    s_send("org.changed", "", &o.base);
    s_refused(s_plan("ST902", "medium", NULL, 0, NULL), "FAILED_PRECONDITION", "set_plan.steps",
              "the body's template for a medium plan cannot be used");
    s_case_is("grading", "low");
    /* Steps given are the plan, in the order given. */
    const char *steps[2] = {"site-visit", "document-review"};
    s_accepted(s_plan("ST901", "medium", steps, 2, NULL));
    s_case_is("grading || ':' || array_to_string(plan_steps, ',')",
              "medium:site-visit,document-review");
    /* The audit trail names who set it. */
    const char *p[1] = {S_REF};
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM investigation.audit WHERE reference = $1"
                         " AND table_name = 'case' AND actor = 'Casey Manager (ST901)'"
                         " AND row_data ? 'plan_steps'",
                         1, p),
                 1);
}

Test(case_record, V2_a_step_not_in_the_vocabulary_is_refused_and_nothing_is_written)
{
    h_assign(s_h, S_REF, "ST901", "ST902");
    const char *steps[2] = {"document-review", "seance"};
    s_refused(s_plan("ST902", "low", steps, 2, NULL), "INVALID_ENUM", "set_plan.steps[1]",
              "not one we know");
    s_refused(s_plan("ST902", "severe", NULL, 0, NULL), "INVALID_ENUM", "set_plan.grading",
              "low, medium or high");
    s_case_is("coalesce(grading, 'none') || ':' || cardinality(plan_steps)", "none:0");
}

Test(case_record, V2_a_high_plan_without_its_safeguards_needs_a_reason)
{
    h_assign(s_h, S_REF, "ST901", "ST902");
    const char *steps[3] = {"document-review", "staff-interviews", "independent-clinical-advice"};
    s_refused(s_plan("ST902", "high", steps, 3, NULL), "REQUIRED", "set_plan.reason",
              "a case conference");
    s_case_is("coalesce(grading, 'none') || ':' || cardinality(plan_steps)", "none:0");
    s_accepted(s_plan("ST902", "high", steps, 3,
                      "Everyone involved has given a written account; a conference adds nothing."));
    s_case_is("grading || ':' || cardinality(plan_steps) || ':' || plan_reason",
              "high:3:Everyone involved has given a written account; a conference adds nothing.");
    /* Candour's high template has both safeguards: no reason needed. */
    s_accepted(s_plan("ST902", "high", NULL, 0, NULL));
    s_case_is("array_to_string(plan_steps, ',')",
              "document-review,complainant-meeting,staff-interviews,"
              "independent-clinical-advice,case-conference");
    /* A body's high template without them makes every such plan need one. */
    Candour__V1__OrgSettings o = CANDOUR__V1__ORG_SETTINGS__INIT;
    o.org_id = "ICB-QWE";
    o.version = 1;
    o.plan_high = "document-review,staff-interviews";
    s_send("org.changed", "", &o.base);
    s_refused(s_plan("ST902", "high", NULL, 0, NULL), "REQUIRED", "set_plan.reason",
              "independent clinical advice and a case conference");
    s_case_is("cardinality(plan_steps)", "5");
}

/* ========================================================= V3: key issues */

Test(case_record, V3_key_issues_are_numbered_in_order_and_replace_those_agreed_before)
{
    h_assign(s_h, S_REF, "ST901", "ST902");
    s_accepted(s_agree("ST902", s_two, 2, "2026-11-20"));
    const char *p[1] = {S_REF};
    char *ids = h_scalar(s_h,
                         "SELECT string_agg(issue_id || '=' || subject, ',' ORDER BY position)"
                         " FROM investigation.key_issue WHERE reference = $1",
                         1, p);
    cr_assert_str_eq(ids, "KI1=integrated-care,KI2=communications");
    free(ids);
    s_case_is("issues_agreed_on || ' ' || issues_agreed_how", "2026-11-20 by-telephone");
    /* Agreed again, today: the new list is the list. */
    s_accepted(s_agree("ST902", &s_two[1], 1, "2026-11-25"));
    ids = h_scalar(s_h,
                   "SELECT string_agg(issue_id || '=' || subject, ',' ORDER BY position)"
                   " FROM investigation.key_issue WHERE reference = $1",
                   1, p);
    cr_assert_str_eq(ids, "KI1=communications");
    free(ids);
    s_case_is("issues_agreed_on::text", "2026-11-25");
}

Test(case_record, L2a_a_code_not_in_the_ko41a_lists_is_refused_naming_its_field)
{
    h_assign(s_h, S_REF, "ST901", "ST902");
    s_accepted(s_agree("ST902", s_two, 1, "2026-11-20"));
    s_issue_t bad[2] = {s_two[0], s_two[1]};
    bad[1].area = "hairdressing";
    s_refused(s_agree("ST902", bad, 2, "2026-11-20"), "INVALID_ARGUMENT",
              "agree_key_issues.issues[1].service_area", "\"hairdressing\"");
    cr_assert_eq(s_rows("key_issue"), 1, "the refused list replaced the agreed one");
    /* A code NHS Digital retired is in force only before its end. */
    h_exec(s_h, "UPDATE investigation.category SET effective_to = '2026-06-01'"
                " WHERE list = 'subject' AND code = 'communications'");
    s_refused(s_agree("ST902", s_two, 2, "2026-11-20"), "INVALID_ARGUMENT",
              "agree_key_issues.issues[1].subject", "in force on 2026-11-20");
    s_accepted(s_agree("ST902", s_two, 2, "2026-05-29"));
    cr_assert_eq(s_rows("key_issue"), 2);
}

Test(case_record, V3_an_agreement_dated_after_today_is_refused)
{
    h_assign(s_h, S_REF, "ST901", "ST902");
    s_refused(s_agree("ST902", s_two, 2, "2026-11-26"), "DATE_IN_FUTURE",
              "agree_key_issues.agreed_on", "later than today");
    cr_assert_eq(s_rows("key_issue"), 0);
    s_case_is("issues_agreed_on IS NULL", "t");
}

Test(case_record, V3_key_issues_with_findings_recorded_are_not_replaced)
{
    h_assign(s_h, S_REF, "ST901", "ST902");
    s_accepted(s_agree("ST902", s_two, 2, "2026-11-20"));
    h_exec(s_h, "INSERT INTO investigation.finding (reference, issue_id, verdict, what_happened,"
                " what_should_have_happened) VALUES ('" S_REF "', 'KI1', 'upheld',"
                " 'Discharged without care.', 'Care arranged first.')");
    s_refused(s_agree("ST902", &s_two[1], 1, "2026-11-25"), "FAILED_PRECONDITION",
              "agree_key_issues.issues", "findings are recorded against these key issues");
    cr_assert_eq(s_rows("key_issue"), 2);
    s_case_is("issues_agreed_on::text", "2026-11-20");
}

/* ============================================================ V4: evidence */

/* A small PDF with binary bytes in it (NULs included), as a scanner writes. */
static size_t s_pdf(unsigned char *out, size_t cap)
{
    static const char head[] = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Length 256 >>\nstream\n";
    size_t n = sizeof head - 1;
    cr_assert(cap >= n + 256 + 32);
    memcpy(out, head, n);
    for (int i = 0; i < 256; i++)
        out[n++] = (unsigned char)i;
    static const char tail[] = "\nendstream\nendobj\n%%EOF\n";
    memcpy(out + n, tail, sizeof tail - 1);
    return n + sizeof tail - 1;
}

Test(case_record, V4_an_attachment_is_kept_with_its_digest_and_the_type_its_bytes_show)
{
    h_assign(s_h, S_REF, "ST901", "ST902");
    unsigned char pdf[512];
    size_t len = s_pdf(pdf, sizeof pdf);
    char sha[CD_SHA256_HEX_LEN + 1];
    cd_sha256_hex(pdf, len, sha);
    /* Claimed as "don't know": the bytes say PDF. */
    Candour__V1__Reply *r =
        s_evidence("ST902", pdf, len, "application/octet-stream", "discharge-checklist.pdf");
    cr_assert_null(r->error, "%s: %s", r->error ? r->error->field : "",
                   r->error ? r->error->message : "");
    cr_assert_eq(r->result_case, CANDOUR__V1__REPLY__RESULT_EVIDENCE);
    cr_assert_eq(r->evidence->number, 1);
    cr_assert_str_eq(r->evidence->recorded_by, "Ira Investigator (ST902)");
    cr_assert_not_null(r->evidence->attachment);
    cr_assert_str_eq(r->evidence->attachment->sha256, sha);
    cr_assert_eq(r->evidence->attachment->size, len);
    cr_assert_str_eq(r->evidence->attachment->media_type, "application/pdf");
    cr_assert_eq(r->evidence->attachment->content.len, 0, "the file's bytes were sent back");
    candour__v1__reply__free_unpacked(r, NULL);
    /* The database's own digest of what it holds is the one sent. */
    const char *p[1] = {S_REF};
    char *row = h_scalar(s_h,
                         "SELECT encode(sha256(a.content), 'hex') || ' ' || e.sha256 || ' '"
                         " || octet_length(a.content) || ' ' || e.media_type || ' ' || e.filename"
                         " || ' ' || e.recorded_by FROM investigation.evidence e"
                         " JOIN investigation.attachment a USING (sha256)"
                         " WHERE e.reference = $1 AND e.number = 1",
                         1, p);
    char want[512];
    snprintf(want, sizeof want, "%s %s %zu application/pdf discharge-checklist.pdf %s", sha, sha,
             len, "Ira Investigator (ST902)");
    cr_assert_str_eq(row, want);
    free(row);
    /* The bytes are kept once, by their hash, and not copied into the audit
     * trail (whose evidence entry names them by that hash). */
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM investigation.audit WHERE table_name = 'evidence'"
                         " AND reference = $1 AND NOT row_data ? 'content'"
                         " AND row_data ->> 'sha256' IS NOT NULL",
                         1, p),
                 1);
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM investigation.audit WHERE table_name = 'attachment'",
                         0, NULL),
                 0);
    /* The next item takes the next number; one without a file keeps none. */
    r = s_evidence("ST901", NULL, 0, NULL, NULL);
    cr_assert_null(r->error, "%s", r->error ? r->error->message : "");
    cr_assert_eq(r->evidence->number, 2);
    cr_assert_null(r->evidence->attachment);
    candour__v1__reply__free_unpacked(r, NULL);
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM investigation.evidence WHERE reference = $1"
                         " AND number = 2 AND sha256 IS NULL",
                         1, p),
                 1);
}

Test(case_record, V4_a_png_claimed_as_a_pdf_is_refused)
{
    h_assign(s_h, S_REF, "ST901", "ST902");
    static const unsigned char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02";
    s_refused(s_evidence("ST902", png, sizeof png - 1, "application/pdf", "scan.pdf"),
              "INVALID_ARGUMENT", "add_evidence.evidence.attachment.media_type", "PNG");
    cr_assert_eq(s_rows("evidence"), 0);
}

Test(case_record, V4_an_attachment_over_the_configured_limit_is_refused)
{
    h_assign(s_h, S_REF, "ST901", "ST902");
    static char text[S_MAX_BYTES + 1];
    memset(text, 'a', sizeof text);
    s_refused(s_evidence("ST902", text, sizeof text, "text/plain", "notes.txt"), "TOO_LARGE",
              "add_evidence.evidence.attachment.content", "the largest we take");
    cr_assert_eq(s_rows("evidence"), 0);
    /* At the limit it is taken. */
    Candour__V1__Reply *r = s_evidence("ST902", text, S_MAX_BYTES, "text/plain", "notes.txt");
    cr_assert_null(r->error, "%s", r->error ? r->error->message : "");
    cr_assert_eq(r->evidence->attachment->size, S_MAX_BYTES);
    candour__v1__reply__free_unpacked(r, NULL);
}

/* ================================================================ V1: who */

Test(case_record, V1_only_the_investigator_assigned_or_a_manager_works_on_the_case)
{
    /* Nobody assigned yet: refused as such, even to the manager. */
    s_refused(s_plan("ST901", "low", NULL, 0, NULL), "FAILED_PRECONDITION",
              "set_plan.complaint_ref", "no investigator is assigned");
    s_refused(s_evidence("ST901", NULL, 0, NULL, NULL), "FAILED_PRECONDITION",
              "add_evidence.complaint_ref", "no investigator is assigned");
    h_assign(s_h, S_REF, "ST901", "ST902");
    s_refused(s_plan("ST904", "low", NULL, 0, NULL), "PERMISSION_DENIED", "acting",
              "not the investigator assigned");
    s_refused(s_agree("ST904", s_two, 2, "2026-11-20"), "PERMISSION_DENIED", "acting",
              "not the investigator assigned");
    s_refused(s_evidence("ST904", NULL, 0, NULL, NULL), "PERMISSION_DENIED", "acting",
              "not the investigator assigned");
    /* An analyst and a signatory are not investigators. */
    s_refused(s_evidence("ST905", NULL, 0, NULL, NULL), "PERMISSION_DENIED", "acting",
              "complaints manager or investigator");
    s_refused(s_plan("ST906", "low", NULL, 0, NULL), "PERMISSION_DENIED", "acting",
              "complaints manager or investigator");
    cr_assert_eq(s_rows("key_issue") + s_rows("evidence"), 0);
    s_case_is("coalesce(grading, 'none')", "none");
    /* The manager may. */
    s_accepted(s_agree("ST901", s_two, 2, "2026-11-20"));
}

Test(case_record, a_withdrawn_case_refuses_every_change)
{
    h_assign(s_h, S_REF, "ST901", "ST902");
    Candour__V1__ComplaintWithdrawn w = CANDOUR__V1__COMPLAINT_WITHDRAWN__INIT;
    w.reason = "Resolved informally with the ward.";
    s_send("complaint.withdrawn", S_REF, &w.base);
    const char *steps[1] = {"document-review"};
    s_refused(s_plan("ST902", "low", steps, 1, NULL), "FAILED_PRECONDITION",
              "set_plan.complaint_ref", "not open");
    s_refused(s_agree("ST902", s_two, 2, "2026-11-20"), "FAILED_PRECONDITION",
              "agree_key_issues.complaint_ref", "not open");
    unsigned char pdf[512];
    size_t len = s_pdf(pdf, sizeof pdf);
    s_refused(s_evidence("ST901", pdf, len, "application/pdf", "a.pdf"), "FAILED_PRECONDITION",
              "add_evidence.complaint_ref", "not open");
    cr_assert_eq(s_rows("key_issue") + s_rows("evidence"), 0);
    s_case_is("coalesce(grading, 'none') || ':' || (issues_agreed_on IS NULL)", "none:true");
    /* Still readable: it is the record of what happened. */
    Candour__V1__Reply *r = s_get("ST902", S_REF);
    cr_assert_null(r->error, "%s", r->error ? r->error->message : "");
    cr_assert_str_eq(r->case_view->state, "withdrawn");
    candour__v1__reply__free_unpacked(r, NULL);
}

/* ================================================================ GetCase */

Test(case_record, the_case_reads_back_as_recorded)
{
    h_assign(s_h, S_REF, "ST901", "ST902");
    const char *steps[2] = {"document-review", "records-review"};
    s_accepted(s_plan("ST902", "low", steps, 2, NULL));
    s_accepted(s_agree("ST902", s_two, 2, "2026-11-20"));
    unsigned char pdf[512];
    size_t len = s_pdf(pdf, sizeof pdf);
    char sha[CD_SHA256_HEX_LEN + 1];
    cd_sha256_hex(pdf, len, sha);
    s_accepted(s_evidence("ST902", pdf, len, "application/pdf", "checklist.pdf"));
    s_accepted(s_evidence("ST902", NULL, 0, NULL, NULL));

    Candour__V1__Reply *r = s_get("ST906", S_REF); /* a signatory of the body */
    cr_assert_null(r->error, "%s", r->error ? r->error->message : "");
    cr_assert_eq(r->result_case, CANDOUR__V1__REPLY__RESULT_CASE_VIEW);
    const Candour__V1__CaseView *v = r->case_view;
    cr_assert_str_eq(v->complaint_ref, S_REF);
    cr_assert_str_eq(v->state, "open");
    cr_assert_str_eq(v->org_id, "ICB-QWE");
    cr_assert_str_eq(v->investigator, "ST902");
    cr_assert(v->impartiality[0], "the impartiality check is not shown");
    cr_assert_str_eq(v->grading, "low");
    cr_assert_eq(v->n_steps, 2);
    cr_assert_str_eq(v->steps[1], "records-review");
    cr_assert_eq(v->n_issues, 2);
    cr_assert_str_eq(v->issues[0]->issue_id, "KI1");
    cr_assert_str_eq(v->issues[1]->issue_id, "KI2");
    cr_assert_str_eq(v->issues[1]->summary, s_two[1].summary);
    cr_assert_str_eq(v->issues[1]->profession, "nursing-midwifery-health-visiting");
    cr_assert_str_eq(v->issues_agreed_on, "2026-11-20");
    cr_assert_str_eq(v->issues_agreed_how, "by-telephone");
    cr_assert_eq(v->n_evidence, 2);
    cr_assert_eq(v->evidence[0]->number, 1);
    cr_assert_str_eq(v->evidence[0]->date, "2026-11-02");
    cr_assert_str_eq(v->evidence[0]->flag, "gap");
    cr_assert_str_eq(v->evidence[0]->recorded_by, "Ira Investigator (ST902)");
    cr_assert_not_null(v->evidence[0]->attachment);
    cr_assert_str_eq(v->evidence[0]->attachment->sha256, sha);
    cr_assert_eq(v->evidence[0]->attachment->size, len);
    cr_assert_str_eq(v->evidence[0]->attachment->filename, "checklist.pdf");
    cr_assert_eq(v->evidence[0]->attachment->content.len, 0, "the file's bytes were sent");
    cr_assert_null(v->evidence[1]->attachment);
    cr_assert_eq(v->n_findings, 0);
    cr_assert_eq(v->outcome, CANDOUR__V1__OUTCOME__OUTCOME_UNSPECIFIED);
    cr_assert_eq(v->n_drafts, 0);
    candour__v1__reply__free_unpacked(r, NULL);

    /* V5: the outcome the findings imply, in the order of the issues. */
    h_exec(s_h, "INSERT INTO investigation.finding (reference, issue_id, verdict, what_happened,"
                " what_should_have_happened) VALUES"
                " ('" S_REF "', 'KI2', 'not-upheld', 'The visit was booked and the letter sent.',"
                "  'The same.'),"
                " ('" S_REF "', 'KI1', 'upheld', 'Discharged without care.',"
                "  'Care arranged first.')");
    r = s_get("ST902", S_REF);
    cr_assert_null(r->error, "%s", r->error ? r->error->message : "");
    cr_assert_eq(r->case_view->n_findings, 2);
    cr_assert_str_eq(r->case_view->findings[0]->issue_id, "KI1");
    cr_assert_eq(r->case_view->outcome, CANDOUR__V1__OUTCOME__OUTCOME_PARTIALLY_UPHELD);
    candour__v1__reply__free_unpacked(r, NULL);

    /* Every read is logged by reference and staff id, without names. */
    char path[1024], line[4096];
    snprintf(path, sizeof path, "%s/investigation.log", h_dir(s_h));
    FILE *f = fopen(path, "r");
    cr_assert(f, "no %s", path);
    int reads = 0;
    while (fgets(line, sizeof line, f))
        if (strstr(line, "\"case.read\"")) {
            reads++;
            cr_assert(strstr(line, S_REF) && strstr(line, "\"staff_id\""), "%s", line);
            cr_assert_null(strstr(line, "Signatory"), "a name in the log: %s", line);
        }
    fclose(f);
    cr_assert_eq(reads, 2);
}

Test(case_record, an_analyst_may_not_read_a_case)
{
    s_refused(s_get("ST905", S_REF), "PERMISSION_DENIED", "acting", "which this needs");
    /* Nor learn which references exist. */
    s_refused(s_get("ST905", "CND-2026-999999"), "PERMISSION_DENIED", "acting", "which this needs");
    s_refused(s_get("ST906", "CND-2026-999999"), "NOT_FOUND", "get_case.complaint_ref",
              "no investigation case");
}
