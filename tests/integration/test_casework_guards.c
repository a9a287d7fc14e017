/* test_casework_guards.c - investigation and sign-off refuse the steps a
 * complaint is not ready for, or no longer wants:
 *   - a coordinated complaint's outcome waits for every partner's part or the
 *     complaints manager's waiver, and investigation.completed carries them
 *     all, in order, on to sign-off and response.approved (R3);
 *   - a withdrawn complaint takes no outcome and no signature, whichever of
 *     complaint.withdrawn and the event that opens the case or the draft
 *     comes first; no response.approved is sent for it.
 * The two daemons run alone and are sent the events directly, as routing's,
 * intake's and investigation's outboxes would send them. */
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
    s_h = h_new("casework");
    cr_assert_eq(h_start(s_h, "investigation"), 0);
    cr_assert_eq(h_start(s_h, "signoff"), 0);
    /* The directory as routing would send it: a complaints manager, an
     * investigator and a signatory of the body. */
    const char *svcs[2] = {"investigation", "signoff"};
    for (int i = 0; i < 2; i++) {
        h_staff_event(s_h, svcs[i], "ST901", "ICB-QWE", "Casey Manager", "complaints-manager");
        h_staff_event(s_h, svcs[i], "ST902", "ICB-QWE", "Ira Investigator", "investigator");
        h_staff_event(s_h, svcs[i], "ST903", "ICB-QWE", "Dr R. Chief", "responsible-person");
    }
}

static void s_teardown(void)
{
    cr_assert_eq(h_destroy(&s_h), 0, "a daemon did not exit 0 on SIGTERM");
}

TestSuite(casework_guards, .init = s_setup, .fini = s_teardown, .timeout = 90);

/* Send a new event to svc as its producer would; 1 when it was acknowledged. */
static int s_send(const char *svc, const char *type, const char *ref,
                  const ProtobufCMessage *payload)
{
    char id[CD_UUID_LEN + 1] = "";
    return h_send_event(s_h, svc, type, ref, payload, id, 10000) == 1;
}

static void s_routed(const char *ref, char **partners, size_t n)
{
    Candour__V1__ComplaintRouted cr = CANDOUR__V1__COMPLAINT_ROUTED__INIT;
    cr.org_id = "ICB-QWE";
    cr.handling_org = "ICB-QWE";
    cr.ack_due = "2026-11-25";
    cr.response_due = "2027-01-20";
    cr.description = "Discharged from hospital with no home care in place.";
    cr.desired_outcome = "An apology.";
    cr.partners = partners;
    cr.n_partners = n;
    cr_assert(s_send("investigation", "complaint.routed", ref, &cr.base),
              "complaint.routed not acknowledged");
    /* The complaints manager names the investigator, as they would (V1). */
    const char *p[1] = {ref};
    if (h_count(s_h,
                "SELECT count(*) FROM investigation.case WHERE reference = $1"
                " AND state = 'open'",
                1, p) == 1)
        h_assign(s_h, ref, "ST901", "ST902");
}

static void s_withdrawn(const char *svc, const char *ref)
{
    Candour__V1__ComplaintWithdrawn w = CANDOUR__V1__COMPLAINT_WITHDRAWN__INIT;
    w.reason = "Resolved informally with the ward.";
    cr_assert(s_send(svc, "complaint.withdrawn", ref, &w.base),
              "complaint.withdrawn not acknowledged by %s", svc);
}

static void s_completed(const char *ref)
{
    Candour__V1__InvestigationCompleted ic = CANDOUR__V1__INVESTIGATION_COMPLETED__INIT;
    ic.case_id = "6f1c2a9e-8f7d-4c51-9a8e-2b3c4d5e6f70";
    ic.outcome = CANDOUR__V1__OUTCOME__OUTCOME_UPHELD;
    ic.findings = "The care package was not arranged before discharge.";
    ic.recorded_by = "Ira Investigator (ST902)";
    ic.org_id = "ICB-QWE";
    cr_assert(s_send("signoff", "investigation.completed", ref, &ic.base),
              "investigation.completed not acknowledged");
}

static Candour__V1__Reply *s_record_outcome(const char *ref)
{
    Candour__V1__RecordOutcome ro = CANDOUR__V1__RECORD_OUTCOME__INIT;
    ro.complaint_ref = (char *)ref;
    ro.outcome = CANDOUR__V1__OUTCOME__OUTCOME_PARTIALLY_UPHELD;
    ro.findings = "The discharge went ahead before the care package was confirmed.";
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.acting = "ST902";
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

/* The reply is the refusal wanted; its message contains `says`. */
static void s_refused(Candour__V1__Reply *r, const char *field, const char *says)
{
    cr_assert(r->error, "accepted; wanted a refusal saying \"%s\"", says);
    cr_assert_str_eq(r->error->code, "FAILED_PRECONDITION", "%s", r->error->message);
    cr_assert_str_eq(r->error->field, field);
    cr_assert(strstr(r->error->message, says), "\"%s\" does not say \"%s\"", r->error->message,
              says);
    candour__v1__reply__free_unpacked(r, NULL);
}

static void s_accepted(Candour__V1__Reply *r)
{
    cr_assert_null(r->error, "%s: %s", r->error ? r->error->code : "",
                   r->error ? r->error->message : "");
    candour__v1__reply__free_unpacked(r, NULL);
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

static void s_has_the_two_parts(Candour__V1__Contribution **c, size_t n)
{
    cr_assert_eq(n, 2);
    cr_assert_str_eq(c[0]->org, "P1");
    cr_assert_str_eq(c[0]->findings, "The discharge checklist was not completed.");
    cr_assert_not(c[0]->waived);
    cr_assert_str_eq(c[0]->received_at, "2026-11-20T10:00:00Z");
    cr_assert_str_eq(c[1]->org, "P2");
    cr_assert(c[1]->waived);
    cr_assert_str_eq(c[1]->reason, "No answer after two chases.");
    cr_assert_str_eq(c[1]->recorded_by, "Complaints Manager");
}

Test(casework_guards, R3_the_outcome_waits_for_every_partners_part_or_waiver_and_carries_them)
{
    const char *ref = "CDR-CASE-0001";
    const char *p[1] = {ref};
    char *partners[] = {"P1", "P2"};
    s_routed(ref, partners, 2);
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM investigation.case WHERE reference = $1"
                         " AND state = 'open'",
                         1, p),
                 1);

    s_refused(s_record_outcome(ref), "record_outcome.complaint_ref",
              "the parts of P1, P2 are not in yet");
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM investigation.outbox WHERE complaint_ref = $1"
                         " AND type = 'investigation.completed'",
                         1, p),
                 0);

    /* P1's part, and the manager's waiver for P2. */
    Candour__V1__Contribution a = CANDOUR__V1__CONTRIBUTION__INIT;
    a.org = "P1";
    a.findings = "The discharge checklist was not completed.";
    a.received_at = "2026-11-20T10:00:00Z";
    Candour__V1__Contribution b = CANDOUR__V1__CONTRIBUTION__INIT;
    b.org = "P2";
    b.waived = 1;
    b.reason = "No answer after two chases.";
    b.recorded_by = "Complaints Manager";
    Candour__V1__Contribution *parts[] = {&a, &b};
    Candour__V1__ContributionsMerged m = CANDOUR__V1__CONTRIBUTIONS_MERGED__INIT;
    m.contributions = parts;
    m.n_contributions = 2;
    cr_assert(s_send("investigation", "contributions.merged", ref, &m.base));

    s_accepted(s_record_outcome(ref));
    Candour__V1__InvestigationCompleted *ic = (Candour__V1__InvestigationCompleted *)s_outbox_event(
        "investigation", "investigation.completed", ref,
        &candour__v1__investigation_completed__descriptor);
    s_has_the_two_parts(ic->contributions, ic->n_contributions);
    cr_assert_eq(ic->outcome, CANDOUR__V1__OUTCOME__OUTCOME_PARTIALLY_UPHELD);
    protobuf_c_message_free_unpacked(&ic->base, NULL);

    /* Sign-off keeps them with the draft and passes them on for the letter. */
    cr_assert(h_wait_for(s_h, "SELECT state FROM signoff.draft WHERE reference = $1", 1, p,
                         "awaiting-signature", 15000),
              "no draft at sign-off");
    s_accepted(s_sign(ref));
    Candour__V1__ResponseApproved *ra = (Candour__V1__ResponseApproved *)s_outbox_event(
        "signoff", "response.approved", ref, &candour__v1__response_approved__descriptor);
    s_has_the_two_parts(ra->contributions, ra->n_contributions);
    protobuf_c_message_free_unpacked(&ra->base, NULL);
}

Test(casework_guards, a_complaint_with_no_partners_goes_straight_through)
{
    const char *ref = "CDR-CASE-0002";
    s_routed(ref, NULL, 0);
    s_accepted(s_record_outcome(ref));
    Candour__V1__InvestigationCompleted *ic = (Candour__V1__InvestigationCompleted *)s_outbox_event(
        "investigation", "investigation.completed", ref,
        &candour__v1__investigation_completed__descriptor);
    cr_assert_eq(ic->n_contributions, 0);
    protobuf_c_message_free_unpacked(&ic->base, NULL);
}

Test(casework_guards, a_withdrawn_complaint_takes_no_outcome)
{
    const char *ref = "CDR-CASE-0003";
    const char *p[1] = {ref};
    s_routed(ref, NULL, 0);
    s_withdrawn("investigation", ref);
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM investigation.case WHERE reference = $1"
                         " AND state = 'withdrawn' AND withdrawn_reason <> ''",
                         1, p),
                 1);
    s_refused(s_record_outcome(ref), "record_outcome.complaint_ref", "the complaint was withdrawn");
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM investigation.outbox WHERE complaint_ref = $1"
                         " AND type = 'investigation.completed'",
                         1, p),
                 0);
}

Test(casework_guards, a_withdrawal_that_comes_before_the_hand_over_leaves_the_case_withdrawn)
{
    const char *ref = "CDR-CASE-0004";
    const char *p[1] = {ref};
    s_withdrawn("investigation", ref);
    s_routed(ref, NULL, 0);
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM investigation.case WHERE reference = $1"
                         " AND state = 'withdrawn'",
                         1, p),
                 1);
    /* The hand-over's details are kept; no case was opened, so none is announced. */
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM investigation.case WHERE reference = $1"
                         " AND org_id = 'ICB-QWE' AND description <> ''",
                         1, p),
                 1);
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM investigation.outbox WHERE complaint_ref = $1"
                         " AND type = 'case.opened'",
                         1, p),
                 0);
    s_refused(s_record_outcome(ref), "record_outcome.complaint_ref", "the complaint was withdrawn");
}

Test(casework_guards, a_withdrawn_complaints_response_is_not_signed_in_either_order)
{
    /* The withdrawal after the draft came, and before it. */
    const char *refs[2] = {"CDR-CASE-0005", "CDR-CASE-0006"};
    for (int i = 0; i < 2; i++) {
        const char *p[1] = {refs[i]};
        if (i == 0) {
            s_completed(refs[i]);
            s_withdrawn("signoff", refs[i]);
        } else {
            s_withdrawn("signoff", refs[i]);
            s_completed(refs[i]);
        }
        cr_assert_eq(h_count(s_h,
                             "SELECT count(*) FROM signoff.draft WHERE reference = $1"
                             " AND state = 'withdrawn'",
                             1, p),
                     1, "%s", refs[i]);
        s_refused(s_sign(refs[i]), "sign.complaint_ref", "the complaint was withdrawn");
        cr_assert_eq(h_count(s_h,
                             "SELECT count(*) FROM signoff.outbox WHERE complaint_ref = $1"
                             " AND type = 'response.approved'",
                             1, p),
                     0, "%s", refs[i]);
    }
    /* The draft that came after the withdrawal still holds what it said. */
    const char *p[1] = {refs[1]};
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM signoff.draft WHERE reference = $1"
                         " AND outcome = 'OUTCOME_UPHELD' AND case_id IS NOT NULL",
                         1, p),
                 1);
}
