/* test_case_findings.c - the investigation's conclusions and the response
 * they become (V3, V5, F1-F3):
 *   - RecordFindings takes a finding on every agreed key issue, and an upheld
 *     or partly upheld conclusion only with a failing and a real apology;
 *   - DraftResponse assembles a version from the case, stored with the
 *     SHA-256 of its text; EditDraft saves a new version based on the latest;
 *   - RecordOutcome on a case with key issues needs the outcome the findings
 *     imply and a draft, and investigation.completed carries the latest
 *     version to sign-off, whose signature (response.approved) is for it;
 *   - only the investigator assigned (or a complaints manager) does any of it.
 * Investigation and sign-off run alone; the key issues, the plan and the
 * evidence are put in the tables directly, as the operations that record
 * them would leave them. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/db.h"
#include "candour/util.h"
#include "candour/v1/events.pb-c.h"
#include "harness.h"

static h_t *s_h;

static void s_setup(void)
{
    s_h = h_new("findings");
    cr_assert_eq(h_start(s_h, "investigation"), 0);
    cr_assert_eq(h_start(s_h, "signoff"), 0);
    const char *svcs[2] = {"investigation", "signoff"};
    for (int i = 0; i < 2; i++) {
        h_staff_event(s_h, svcs[i], "ST901", "ICB-QWE", "Casey Manager", "complaints-manager");
        h_staff_event(s_h, svcs[i], "ST902", "ICB-QWE", "Ira Investigator", "investigator");
        h_staff_event(s_h, svcs[i], "ST903", "ICB-QWE", "Dr R. Chief", "responsible-person");
        h_staff_event(s_h, svcs[i], "ST904", "ICB-QWE", "Otto Other", "investigator");
    }
}

static void s_teardown(void)
{
    cr_assert_eq(h_destroy(&s_h), 0, "a daemon did not exit 0 on SIGTERM");
}

TestSuite(case_findings, .init = s_setup, .fini = s_teardown, .timeout = 120);

/* ---------------------------------------------------------------- the case */

static const char *const s_summary[2] = {
    "You were discharged from hospital with no home care in place",
    "Nobody told you who to call once you were home",
};
static const char *const s_happened[2] = {
    "The ward discharged you on a Friday before the care agency had confirmed a start date",
    "The discharge letter gave the ward's number, which is not staffed at night",
};

/* The case opened and assigned to ST902, with two key issues, a plan and two
 * items of evidence (one with a gap), as SetPlan, AgreeKeyIssues and
 * AddEvidence would leave them; issues 0 leaves the key issues out. */
static void s_case(const char *ref, int issues)
{
    Candour__V1__ComplaintRouted cr = CANDOUR__V1__COMPLAINT_ROUTED__INIT;
    cr.org_id = "ICB-QWE";
    cr.handling_org = "ICB-QWE";
    cr.ack_due = "2026-11-25";
    cr.response_due = "2027-01-20";
    cr.description = "Discharged from hospital with no home care in place.";
    cr.desired_outcome = "An apology.";
    char id[CD_UUID_LEN + 1] = "";
    cr_assert_eq(h_send_event(s_h, "investigation", "complaint.routed", ref, &cr.base, id, 10000),
                 1, "complaint.routed not acknowledged");
    h_assign(s_h, ref, "ST901", "ST902");
    const char *v[3] = {ref, s_summary[0], s_summary[1]};
    h_execp(s_h,
            "UPDATE investigation.case SET grading = 'medium',"
            " plan_steps = '{document-review,staff-interviews}' WHERE reference = $1",
            1, v);
    h_execp(
        s_h,
        "INSERT INTO investigation.evidence (reference, number, kind, source, evidence_date,"
        " summary, flag, flag_note, recorded_by) VALUES"
        " ($1, 1, 'records', 'Ward discharge checklist', '2026-10-02',"
        "  'The checklist has no entry for the care package.', 'gap',"
        "  'The care agency''s confirmation is not in the records', 'Ira Investigator (ST902)'),"
        " ($1, 2, 'staff-account', 'Discharge coordinator', '2026-10-20',"
        "  'The coordinator believed the agency would start on the Saturday.', '', '',"
        "  'Ira Investigator (ST902)')",
        1, v);
    if (!issues)
        return;
    h_execp(s_h,
            "UPDATE investigation.case SET issues_agreed_on = '2026-10-01',"
            " issues_agreed_how = 'in-writing' WHERE reference = $1",
            1, v);
    h_execp(s_h,
            "INSERT INTO investigation.key_issue (reference, issue_id, position, summary, subject,"
            " service_area, profession) VALUES"
            " ($1, 'KI1', 1, $2, 'discharge', 'acute-services', 'nursing'),"
            " ($1, 'KI2', 2, $3, 'communication', 'acute-services', 'nursing')",
            3, v);
}

/* ---------------------------------------------------------------- requests */

/* A RecordFindings that fits the case: KI1 upheld, KI2 not upheld (so partly
 * upheld), one failing, an action due in a month, a lesson and an apology.
 * The test changes what it wants changed before sending it. */
typedef struct {
    Candour__V1__RecordFindings rf;
    Candour__V1__Finding f[2];
    Candour__V1__Finding *fp[2];
    Candour__V1__Action a;
    Candour__V1__Action *ap[1];
    char *failings[1];
    char *lessons[1];
    Candour__V1__Remedy remedy;
    char due[16];
} s_findings_t;

static void s_findings(s_findings_t *x, const char *ref)
{
    memset(x, 0, sizeof *x);
    x->rf = (Candour__V1__RecordFindings)CANDOUR__V1__RECORD_FINDINGS__INIT;
    x->rf.complaint_ref = (char *)ref;
    const char *verdicts[2] = {"upheld", "not-upheld"};
    const char *ids[2] = {"KI1", "KI2"};
    for (int i = 0; i < 2; i++) {
        x->f[i] = (Candour__V1__Finding)CANDOUR__V1__FINDING__INIT;
        x->f[i].issue_id = (char *)ids[i];
        x->f[i].verdict = (char *)verdicts[i];
        x->f[i].what_happened = (char *)s_happened[i];
        x->f[i].what_should_have_happened =
            i == 0 ? "The discharge should have waited until the agency confirmed the start"
                   : "You should have been given a number staffed at all hours";
        x->fp[i] = &x->f[i];
    }
    x->rf.findings = x->fp;
    x->rf.n_findings = 2;
    x->failings[0] = "The discharge went ahead before the care package was confirmed";
    x->rf.failings = x->failings;
    x->rf.n_failings = 1;
    char *due = h_scalar(s_h, "SELECT (current_date + 30)::text", 0, NULL);
    snprintf(x->due, sizeof x->due, "%s", due);
    free(due);
    x->a = (Candour__V1__Action)CANDOUR__V1__ACTION__INIT;
    x->a.description = "Add the care agency's confirmation to the discharge checklist";
    x->a.owner = "Ward 12";
    x->a.due = x->due;
    x->ap[0] = &x->a;
    x->rf.actions = x->ap;
    x->rf.n_actions = 1;
    x->lessons[0] = "A care package is confirmed before the patient leaves";
    x->rf.lessons = x->lessons;
    x->rf.n_lessons = 1;
    x->remedy = (Candour__V1__Remedy)CANDOUR__V1__REMEDY__INIT;
    x->remedy.apology = "We are sorry that you were sent home without the care you needed.";
    x->rf.remedy = &x->remedy;
}

static Candour__V1__Reply *s_record_findings(s_findings_t *x, const char *acting)
{
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.acting = (char *)acting;
    req.op_case = CANDOUR__V1__REQUEST__OP_RECORD_FINDINGS;
    req.record_findings = &x->rf;
    return h_call(s_h, "investigation", NULL, &req);
}

static Candour__V1__Reply *s_draft(const char *ref, const char *acting)
{
    Candour__V1__DraftResponse d = CANDOUR__V1__DRAFT_RESPONSE__INIT;
    d.complaint_ref = (char *)ref;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.acting = (char *)acting;
    req.op_case = CANDOUR__V1__REQUEST__OP_DRAFT_RESPONSE;
    req.draft_response = &d;
    return h_call(s_h, "investigation", NULL, &req);
}

static Candour__V1__Reply *s_edit(const char *ref, int based_on, const char *text,
                                  const char *acting)
{
    Candour__V1__EditDraft e = CANDOUR__V1__EDIT_DRAFT__INIT;
    e.complaint_ref = (char *)ref;
    e.based_on = based_on;
    e.text = (char *)text;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.acting = (char *)acting;
    req.op_case = CANDOUR__V1__REQUEST__OP_EDIT_DRAFT;
    req.edit_draft = &e;
    return h_call(s_h, "investigation", NULL, &req);
}

static Candour__V1__Reply *s_outcome(const char *ref, Candour__V1__Outcome o, const char *findings,
                                     const char *acting)
{
    Candour__V1__RecordOutcome ro = CANDOUR__V1__RECORD_OUTCOME__INIT;
    ro.complaint_ref = (char *)ref;
    ro.outcome = o;
    ro.findings = (char *)findings;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.acting = (char *)acting;
    req.op_case = CANDOUR__V1__REQUEST__OP_RECORD_OUTCOME;
    req.record_outcome = &ro;
    return h_call(s_h, "investigation", NULL, &req);
}

static Candour__V1__Reply *s_sign(const char *ref)
{
    Candour__V1__SignResponse sr = CANDOUR__V1__SIGN_RESPONSE__INIT;
    sr.complaint_ref = (char *)ref;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.acting = "ST903";
    req.op_case = CANDOUR__V1__REQUEST__OP_SIGN;
    req.sign = &sr;
    return h_call(s_h, "signoff", NULL, &req);
}

/* The reply is a refusal with code on field, its message holding says. */
static void s_refused(Candour__V1__Reply *r, const char *code, const char *field, const char *says)
{
    cr_assert(r->error, "accepted; wanted %s on %s saying \"%s\"", code, field, says);
    cr_assert_str_eq(r->error->code, code, "%s: %s", r->error->field, r->error->message);
    cr_assert_str_eq(r->error->field, field, "%s", r->error->message);
    cr_assert(strstr(r->error->message, says), "\"%s\" does not say \"%s\"", r->error->message,
              says);
    candour__v1__reply__free_unpacked(r, NULL);
}

static void s_accepted(Candour__V1__Reply *r)
{
    cr_assert_null(r->error, "%s on %s: %s", r->error ? r->error->code : "",
                   r->error ? r->error->field : "", r->error ? r->error->message : "");
    candour__v1__reply__free_unpacked(r, NULL);
}

/* The version a DraftResponse or EditDraft replied with (the reply is the
 * caller's to free). */
static const Candour__V1__DraftVersion *s_version(const Candour__V1__Reply *r)
{
    cr_assert_null(r->error, "%s on %s: %s", r->error ? r->error->code : "",
                   r->error ? r->error->field : "", r->error ? r->error->message : "");
    cr_assert_eq(r->result_case, CANDOUR__V1__REPLY__RESULT_DRAFT);
    return r->draft;
}

/* The payload of the one event of `type` about ref in schema's outbox. */
static ProtobufCMessage *s_outbox_event(const char *schema, const char *type, const char *ref,
                                        const ProtobufCMessageDescriptor *desc)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT payload FROM %s.outbox WHERE type = $1 AND complaint_ref = $2", schema);
    const char *p[2] = {type, ref};
    char *hex = h_scalar(s_h, sql, 2, p);
    cr_assert(hex, "no %s about %s in %s.outbox", type, ref, schema);
    size_t len = 0;
    unsigned char *bytes = cd_db_unescape_bytea(hex, &len);
    cr_assert(bytes);
    ProtobufCMessage *m = protobuf_c_message_unpack(desc, NULL, len, bytes);
    cr_assert(m, "%s does not decode", type);
    free(bytes);
    free(hex);
    return m;
}

static long s_count(const char *sql, const char *ref)
{
    const char *p[1] = {ref};
    return h_count(s_h, sql, 1, p);
}

/* ---------------------------------------------------------------- findings */

Test(case_findings, V3_every_agreed_key_issue_needs_a_finding_and_none_can_be_for_another)
{
    const char *ref = "CDR-FIND-0001";
    s_case(ref, 1);
    s_findings_t x;
    s_findings(&x, ref);
    x.rf.n_findings = 1;
    s_refused(s_record_findings(&x, "ST902"), "REQUIRED", "record_findings.findings",
              "key issue 2 \"KI2\" has no finding");
    x.rf.n_findings = 2;
    x.f[1].issue_id = "KI7";
    s_refused(s_record_findings(&x, "ST902"), "INVALID_ARGUMENT",
              "record_findings.findings[1].issue_id", "\"KI7\" that this case does not have");
    x.f[1].issue_id = "KI1";
    s_refused(s_record_findings(&x, "ST902"), "INVALID_ARGUMENT",
              "record_findings.findings[1].issue_id", "the same key issue as finding 1");
    cr_assert_eq(s_count("SELECT count(*) FROM investigation.finding WHERE reference = $1", ref),
                 0);

    /* A case whose key issues are not agreed yet takes no findings. */
    const char *bare = "CDR-FIND-0002";
    s_case(bare, 0);
    s_findings_t y;
    s_findings(&y, bare);
    s_refused(s_record_findings(&y, "ST902"), "FAILED_PRECONDITION", "record_findings.findings",
              "no agreed key issues yet");
}

Test(case_findings, V5_F1_an_upheld_complaint_needs_a_failing_and_a_real_apology)
{
    const char *ref = "CDR-FIND-0003";
    s_case(ref, 1);
    s_findings_t x;
    s_findings(&x, ref);
    x.remedy.apology = "";
    s_refused(s_record_findings(&x, "ST902"), "REQUIRED", "record_findings.remedy.apology",
              "partly upheld");
    x.remedy.apology = "We are sorry that you felt let down by the discharge.";
    s_refused(s_record_findings(&x, "ST902"), "INVALID_ARGUMENT", "record_findings.remedy.apology",
              "\"sorry that you felt\" is not an apology");
    x.remedy.apology = "We are sorry that you were sent home without the care you needed.";
    x.rf.n_failings = 0;
    s_refused(s_record_findings(&x, "ST902"), "REQUIRED", "record_findings.failings",
              "record at least one failing");
    cr_assert_eq(s_count("SELECT count(*) FROM investigation.case WHERE reference = $1"
                         " AND findings_at IS NOT NULL",
                         ref),
                 0, "a refused RecordFindings recorded something");

    /* Neither upheld: no apology is asked for. */
    x.f[0].verdict = "not-upheld";
    x.remedy.apology = "";
    s_accepted(s_record_findings(&x, "ST902"));
}

Test(case_findings, V5_findings_are_recorded_and_replaced_whole)
{
    const char *ref = "CDR-FIND-0004";
    s_case(ref, 1);
    s_findings_t x;
    s_findings(&x, ref);
    s_accepted(s_record_findings(&x, "ST902"));
    cr_assert_eq(s_count("SELECT count(*) FROM investigation.finding WHERE reference = $1", ref),
                 2);
    cr_assert_eq(s_count("SELECT count(*) FROM investigation.finding WHERE reference = $1"
                         " AND issue_id = 'KI1' AND verdict = 'upheld'",
                         ref),
                 1);
    cr_assert_eq(s_count("SELECT count(*) FROM investigation.action WHERE reference = $1"
                         " AND number = 1 AND owner = 'Ward 12' AND NOT done",
                         ref),
                 1);
    cr_assert_eq(s_count("SELECT count(*) FROM investigation.case WHERE reference = $1"
                         " AND findings_at IS NOT NULL AND cardinality(failings) = 1"
                         " AND cardinality(lessons) = 1 AND apology LIKE 'We are sorry%'",
                         ref),
                 1);

    /* Again, with no actions and KI1 not addressed: the earlier ones go. */
    x.rf.n_actions = 0;
    x.f[0].verdict = "not-addressed";
    x.f[0].what_happened = "";
    x.f[0].what_should_have_happened = "";
    x.f[0].not_addressed_reason = "The care agency has closed and its records are not available";
    x.remedy.apology = "";
    x.rf.n_failings = 0;
    s_accepted(s_record_findings(&x, "ST901")); /* the complaints manager may too */
    cr_assert_eq(s_count("SELECT count(*) FROM investigation.action WHERE reference = $1", ref), 0);
    cr_assert_eq(s_count("SELECT count(*) FROM investigation.finding WHERE reference = $1"
                         " AND issue_id = 'KI1' AND verdict = 'not-addressed'",
                         ref),
                 1);
    cr_assert_eq(s_count("SELECT count(*) FROM investigation.case WHERE reference = $1"
                         " AND cardinality(failings) = 0 AND apology = ''",
                         ref),
                 1);
}

/* ---------------------------------------------------------------- the draft */

Test(case_findings, F1_the_draft_is_assembled_from_the_case_and_each_version_kept_with_its_digest)
{
    const char *ref = "CDR-FIND-0005";
    const char *p[1] = {ref};
    s_case(ref, 1);
    s_refused(s_draft(ref, "ST902"), "FAILED_PRECONDITION", "draft_response.complaint_ref",
              "record the findings first");
    s_refused(s_edit(ref, 1, "Our response.", "ST902"), "FAILED_PRECONDITION",
              "edit_draft.based_on", "no draft to edit yet");
    s_findings_t x;
    s_findings(&x, ref);
    s_accepted(s_record_findings(&x, "ST902"));

    Candour__V1__Reply *r = s_draft(ref, "ST902");
    const Candour__V1__DraftVersion *v1 = s_version(r);
    cr_assert_eq(v1->version, 1);
    cr_assert(v1->assembled);
    cr_assert_str_eq(v1->made_by, "Ira Investigator (ST902)");
    cr_assert_eq(strlen(v1->made_at), 20, "made_at \"%s\" is not RFC 3339 UTC", v1->made_at);
    /* The digest is of the text's UTF-8 bytes, as PostgreSQL computes it too. */
    char *sql_sha = h_scalar(s_h,
                             "SELECT encode(sha256(convert_to(text, 'UTF8')), 'hex')"
                             " FROM investigation.draft WHERE reference = $1 AND version = 1",
                             1, p);
    cr_assert(sql_sha, "version 1 was not stored");
    cr_assert_str_eq(v1->sha256, sql_sha);
    free(sql_sha);
    char *stored = h_scalar(s_h, "SELECT text FROM investigation.draft WHERE reference = $1", 1, p);
    cr_assert_str_eq(stored, v1->text);
    free(stored);
    /* Every key issue with its finding, the evidence's gap, the apology, and
     * the Ombudsman (F3). */
    for (int i = 0; i < 2; i++) {
        cr_assert(strstr(v1->text, s_summary[i]), "no key issue %d in:\n%s", i + 1, v1->text);
        cr_assert(strstr(v1->text, s_happened[i]), "no finding on key issue %d in:\n%s", i + 1,
                  v1->text);
    }
    cr_assert(strstr(v1->text, "The care agency's confirmation is not in the records"));
    cr_assert(strstr(v1->text, "We are sorry that you were sent home"));
    cr_assert(strstr(v1->text, "partly upheld your complaint"));
    cr_assert(strstr(v1->text, "Parliamentary and Health Service Ombudsman"));

    /* An edit of the latest is the next version; of an older one, refused. */
    size_t n = strlen(v1->text);
    char *edited = malloc(n + 64);
    snprintf(edited, n + 64, "%s\n\nWith our apologies again.", v1->text);
    candour__v1__reply__free_unpacked(r, NULL);
    r = s_edit(ref, 1, edited, "ST902");
    const Candour__V1__DraftVersion *v2 = s_version(r);
    cr_assert_eq(v2->version, 2);
    cr_assert_not(v2->assembled);
    cr_assert_str_eq(v2->text, edited);
    cr_assert_eq(s_count("SELECT count(*) FROM investigation.draft WHERE reference = $1"
                         " AND version = 2 AND NOT assembled"
                         " AND sha256 = encode(sha256(convert_to(text, 'UTF8')), 'hex')",
                         ref),
                 1);
    candour__v1__reply__free_unpacked(r, NULL);
    s_refused(s_edit(ref, 1, edited, "ST902"), "FAILED_PRECONDITION", "edit_draft.based_on",
              "version 1 is not the latest (2): read the latest and edit that");
    free(edited);
    s_refused(s_edit(ref, 2, "Dear Mrs Patel,\x01", "ST902"), "INVALID_TEXT", "edit_draft.text",
              "UTF-8");
    s_refused(s_edit(ref, 2, "", "ST902"), "REQUIRED", "edit_draft.text", "required");

    /* Assembled again: version 3, from the case as it stands. */
    r = s_draft(ref, "ST901");
    cr_assert_eq(s_version(r)->version, 3);
    cr_assert_str_eq(s_version(r)->made_by, "Casey Manager (ST901)");
    candour__v1__reply__free_unpacked(r, NULL);
    cr_assert_eq(s_count("SELECT count(*) FROM investigation.draft WHERE reference = $1", ref), 3);
}

/* ---------------------------------------------------------------- the outcome */

Test(case_findings, V5_F2_the_outcome_follows_the_findings_and_the_latest_draft_is_signed)
{
    const char *ref = "CDR-FIND-0006";
    const char *p[1] = {ref};
    s_case(ref, 1);
    const Candour__V1__Outcome partly = CANDOUR__V1__OUTCOME__OUTCOME_PARTIALLY_UPHELD;
    s_refused(s_outcome(ref, partly, "", "ST902"), "FAILED_PRECONDITION",
              "record_outcome.complaint_ref", "record the findings first");
    s_findings_t x;
    s_findings(&x, ref);
    s_accepted(s_record_findings(&x, "ST902"));
    s_refused(s_outcome(ref, CANDOUR__V1__OUTCOME__OUTCOME_UPHELD, "", "ST902"), "INVALID_ARGUMENT",
              "record_outcome.outcome", "OUTCOME_PARTIALLY_UPHELD");
    s_refused(s_outcome(ref, partly, "", "ST902"), "FAILED_PRECONDITION",
              "record_outcome.complaint_ref", "draft the response first (DraftResponse)");

    Candour__V1__Reply *r = s_draft(ref, "ST902");
    candour__v1__reply__free_unpacked(r, NULL);
    /* Findings recorded again leave that draft behind. */
    s_accepted(s_record_findings(&x, "ST902"));
    s_refused(s_outcome(ref, partly, "", "ST902"), "FAILED_PRECONDITION",
              "record_outcome.complaint_ref", "after the latest draft (version 1)");
    r = s_draft(ref, "ST902");
    cr_assert_eq(s_version(r)->version, 2);
    candour__v1__reply__free_unpacked(r, NULL);
    r = s_edit(ref, 2, "Dear Mrs Patel,\n\nWe have partly upheld your complaint.\n", "ST902");
    const Candour__V1__DraftVersion *v3 = s_version(r);
    cr_assert_eq(v3->version, 3);
    char sha[65];
    snprintf(sha, sizeof sha, "%s", v3->sha256);
    candour__v1__reply__free_unpacked(r, NULL);

    s_accepted(s_outcome(ref, partly, "", "ST902"));
    Candour__V1__InvestigationCompleted *ic = (Candour__V1__InvestigationCompleted *)s_outbox_event(
        "investigation", "investigation.completed", ref,
        &candour__v1__investigation_completed__descriptor);
    cr_assert_not_null(ic->draft, "investigation.completed carries no draft");
    cr_assert_eq(ic->draft->version, 3);
    cr_assert_str_eq(ic->draft->sha256, sha);
    cr_assert_str_eq(ic->draft->text, "Dear Mrs Patel,\n\nWe have partly upheld your complaint.\n");
    cr_assert_str_eq(ic->draft->made_by, "Ira Investigator (ST902)");
    cr_assert_not(ic->draft->assembled);
    protobuf_c_message_free_unpacked(&ic->base, NULL);

    /* Sign-off holds that version, and signs it. */
    cr_assert(h_wait_for(s_h, "SELECT draft_version::text FROM signoff.draft WHERE reference = $1",
                         1, p, "3", 15000),
              "sign-off does not hold version 3");
    char *held = h_scalar(s_h, "SELECT draft_sha256 FROM signoff.draft WHERE reference = $1", 1, p);
    cr_assert_str_eq(held, sha);
    free(held);
    /* F1: the quality gate stops it: two lines answer neither key issue, say
     * nothing of the investigation, and give no Ombudsman. */
    s_refused(s_sign(ref), "FAILED_PRECONDITION", "sign.complaint_ref", "the quality gate found");
    char *state = h_scalar(s_h, "SELECT state FROM signoff.draft WHERE reference = $1", 1, p);
    cr_assert_str_eq(state, "awaiting-signature");
    free(state);
    /* A body may make its checks advice (here every one): then the signature
     * goes, and what it signed over is recorded with it. */
    h_exec(s_h, "INSERT INTO signoff.gate_rule (org_id, check_name, severity, changed_by)"
                " SELECT 'ICB-QWE', c, 'advice', 'test' FROM unnest(ARRAY['key-issues',"
                " 'investigation', 'apology', 'indirect-apology', 'actions', 'ombudsman',"
                " 'salutation', 'withheld', 'terms', 'readability', 'long-sentences',"
                " 'jargon']) AS c");
    s_accepted(s_sign(ref));
    cr_assert_gt(h_count(s_h,
                         "SELECT jsonb_array_length(signed_over) FROM signoff.draft"
                         " WHERE reference = $1",
                         1, p),
                 2, "the advice signed over is not recorded");
    Candour__V1__ResponseApproved *ra = (Candour__V1__ResponseApproved *)s_outbox_event(
        "signoff", "response.approved", ref, &candour__v1__response_approved__descriptor);
    cr_assert_not_null(ra->draft, "response.approved carries no draft");
    cr_assert_eq(ra->draft->version, 3);
    cr_assert_str_eq(ra->draft->sha256, sha);
    cr_assert_str_eq(ra->draft->text, "Dear Mrs Patel,\n\nWe have partly upheld your complaint.\n");
    cr_assert_eq(ra->outcome, partly);
    protobuf_c_message_free_unpacked(&ra->base, NULL);

    /* The case is closed to every operation now. */
    s_refused(s_draft(ref, "ST902"), "FAILED_PRECONDITION", "draft_response.complaint_ref",
              "the case is not open");
    s_refused(s_record_findings(&x, "ST902"), "FAILED_PRECONDITION",
              "record_findings.complaint_ref", "the case is not open");
}

Test(case_findings, a_case_without_key_issues_keeps_its_findings_in_words)
{
    const char *ref = "CDR-FIND-0007";
    s_case(ref, 0);
    const Candour__V1__Outcome upheld = CANDOUR__V1__OUTCOME__OUTCOME_UPHELD;
    s_refused(s_outcome(ref, upheld, "", "ST902"), "REQUIRED", "record_outcome.findings",
              "the findings are required");
    s_accepted(s_outcome(ref, upheld, "The care package was not arranged.", "ST902"));
    Candour__V1__InvestigationCompleted *ic = (Candour__V1__InvestigationCompleted *)s_outbox_event(
        "investigation", "investigation.completed", ref,
        &candour__v1__investigation_completed__descriptor);
    cr_assert_null(ic->draft);
    cr_assert_str_eq(ic->findings, "The care package was not arranged.");
    protobuf_c_message_free_unpacked(&ic->base, NULL);
}

/* ---------------------------------------------------------------- V1 */

Test(case_findings, V1_an_investigator_not_assigned_does_none_of_it)
{
    const char *ref = "CDR-FIND-0008";
    s_case(ref, 1);
    s_findings_t x;
    s_findings(&x, ref);
    const char *says = "ST904 is not the investigator assigned";
    s_refused(s_record_findings(&x, "ST904"), "PERMISSION_DENIED", "acting", says);
    s_accepted(s_record_findings(&x, "ST902"));
    s_refused(s_draft(ref, "ST904"), "PERMISSION_DENIED", "acting", says);
    Candour__V1__Reply *r = s_draft(ref, "ST902");
    candour__v1__reply__free_unpacked(r, NULL);
    s_refused(s_edit(ref, 1, "Our response.", "ST904"), "PERMISSION_DENIED", "acting", says);
    s_refused(s_outcome(ref, CANDOUR__V1__OUTCOME__OUTCOME_PARTIALLY_UPHELD, "", "ST904"),
              "PERMISSION_DENIED", "acting", says);
    /* Nor does a signatory, who is not of the casework's roles, and who
     * learns nothing of which references exist. */
    s_refused(s_draft(ref, "ST903"), "PERMISSION_DENIED", "acting", "");
    s_refused(s_draft("CDR-FIND-9999", "ST903"), "PERMISSION_DENIED", "acting", "");
    s_refused(s_draft("CDR-FIND-9999", "ST904"), "NOT_FOUND", "draft_response.complaint_ref",
              "no investigation case");
    cr_assert_eq(s_count("SELECT count(*) FROM investigation.draft WHERE reference = $1", ref), 1);
    cr_assert_eq(s_count("SELECT count(*) FROM investigation.case WHERE reference = $1"
                         " AND state = 'open'",
                         ref),
                 1);
}
