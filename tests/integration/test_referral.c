/* test_referral.c - L4: RecordReferral on investigation's endpoint. The
 * complaints manager records the complaint's referral to the Ombudsman stage
 * by stage: the first record is the referral, stages only move forward, a
 * decision carries its outcome and nothing follows it; each record is one
 * row and one ombudsman.referral in the outbox, committed together; GetCase
 * lists them oldest first; an investigator may not record one, a withdrawn
 * complaint takes none, and a refusal leaves nothing written.
 *
 * investigation runs alone, told of the directory and the case as routing
 * would tell it. Today is Wednesday 25 November 2026 (CANDOUR_CLOCK_FILE);
 * each case is made to have opened on 1 June 2026, the earliest day its
 * referral may be dated. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/db.h"
#include "candour/util.h"
#include "candour/v1/events.pb-c.h"
#include "harness.h"

static h_t *s_h;

static void s_send(const char *type, const char *ref, const ProtobufCMessage *payload)
{
    char id[CD_UUID_LEN + 1] = "";
    cr_assert_eq(h_send_event(s_h, "investigation", type, ref, payload, id, 10000), 1,
                 "%s not acknowledged", type);
}

/* A case for ref at ICB-QWE, opened on 1 June 2026, with ST902 assigned. */
static void s_case(const char *ref)
{
    Candour__V1__ComplaintRouted cr = CANDOUR__V1__COMPLAINT_ROUTED__INIT;
    cr.org_id = "ICB-QWE";
    cr.handling_org = "ICB-QWE";
    cr.ack_due = "2026-06-04";
    cr.response_due = "2026-07-27";
    cr.description = "Discharged from hospital with no home care in place.";
    cr.desired_outcome = "An apology.";
    s_send("complaint.routed", ref, &cr.base);
    h_assign(s_h, ref, "ST901", "ST902");
    const char *p[1] = {ref};
    cr_assert_eq(h_count(s_h,
                         "WITH u AS (UPDATE investigation.case"
                         " SET opened_at = '2026-06-01T09:00:00+01:00' WHERE reference = $1"
                         " RETURNING 1) SELECT count(*) FROM u",
                         1, p),
                 1);
}

static void s_setup(void)
{
    s_h = h_new("referral");
    char clock[1024];
    snprintf(clock, sizeof clock, "%s/clock", h_dir(s_h));
    FILE *f = fopen(clock, "w");
    cr_assert(f);
    fputs("2026-11-25T12:00:00Z\n", f);
    fclose(f);
    h_setenv(s_h, "CANDOUR_CLOCK_FILE", clock);
    cr_assert_eq(h_start(s_h, "investigation"), 0);
    h_staff_event(s_h, "investigation", "ST901", "ICB-QWE", "Casey Manager", "complaints-manager");
    h_staff_event(s_h, "investigation", "ST902", "ICB-QWE", "Ira Investigator", "investigator");
}

static void s_teardown(void)
{
    cr_assert_eq(h_destroy(&s_h), 0, "a daemon did not exit 0 on SIGTERM");
}

TestSuite(referral, .init = s_setup, .fini = s_teardown, .timeout = 120);

/* ---------------------------------------------------------------- requests */

typedef struct {
    const char *referred_on, *phso_ref, *stage, *outcome, *stage_on, *note;
} s_rec_t;

static Candour__V1__Reply *s_record(const char *acting, const char *ref, s_rec_t x)
{
    Candour__V1__Referral r = CANDOUR__V1__REFERRAL__INIT;
    r.referred_on = (char *)(x.referred_on ? x.referred_on : "");
    r.phso_ref = (char *)(x.phso_ref ? x.phso_ref : "");
    r.stage = (char *)(x.stage ? x.stage : "");
    r.outcome = (char *)(x.outcome ? x.outcome : "");
    r.stage_on = (char *)(x.stage_on ? x.stage_on : "");
    r.note = (char *)(x.note ? x.note : "");
    Candour__V1__RecordReferral rr = CANDOUR__V1__RECORD_REFERRAL__INIT;
    rr.complaint_ref = (char *)ref;
    rr.referral = &r;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.acting = (char *)acting;
    req.op_case = CANDOUR__V1__REQUEST__OP_RECORD_REFERRAL;
    req.record_referral = &rr;
    return h_call(s_h, "investigation", NULL, &req);
}

static Candour__V1__Reply *s_get(const char *ref)
{
    Candour__V1__GetCase g = CANDOUR__V1__GET_CASE__INIT;
    g.complaint_ref = (char *)ref;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.acting = "ST901";
    req.op_case = CANDOUR__V1__REQUEST__OP_GET_CASE;
    req.get_case = &g;
    return h_call(s_h, "investigation", NULL, &req);
}

static void s_accepted(Candour__V1__Reply *r)
{
    cr_assert_null(r->error, "%s on %s: %s", r->error ? r->error->code : "",
                   r->error ? r->error->field : "", r->error ? r->error->message : "");
    cr_assert_eq(r->result_case, CANDOUR__V1__REPLY__RESULT_DONE);
    candour__v1__reply__free_unpacked(r, NULL);
}

/* The refusal wanted: code on field, its message containing says. */
static void s_refused(Candour__V1__Reply *r, const char *code, const char *field, const char *says)
{
    cr_assert(r->error, "accepted; wanted %s on %s", code, field);
    cr_assert_str_eq(r->error->code, code, "%s", r->error->message);
    cr_assert_str_eq(r->error->field, field, "%s", r->error->message);
    cr_assert(strstr(r->error->message, says), "\"%s\" does not say \"%s\"", r->error->message,
              says);
    candour__v1__reply__free_unpacked(r, NULL);
}

/* Exactly n records of ref's referral, and n ombudsman.referral about it in
 * the outbox: the two are written together or not at all. */
static void s_written(const char *ref, long n)
{
    const char *p[1] = {ref};
    cr_assert_eq(
        h_count(s_h, "SELECT count(*) FROM investigation.referral WHERE reference = $1", 1, p), n,
        "records of %s", ref);
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM investigation.outbox WHERE complaint_ref = $1"
                         " AND type = 'ombudsman.referral'",
                         1, p),
                 n, "events about %s", ref);
}

/* The payload of the nth (1..) ombudsman.referral about ref in the outbox. */
static Candour__V1__Referral *s_event(const char *ref, int nth)
{
    char off[16];
    snprintf(off, sizeof off, "%d", nth - 1);
    const char *p[2] = {ref, off};
    char *hex = h_scalar(s_h,
                         "SELECT payload FROM investigation.outbox WHERE complaint_ref = $1"
                         " AND type = 'ombudsman.referral' ORDER BY seq OFFSET $2::int LIMIT 1",
                         2, p);
    cr_assert(hex, "no ombudsman.referral %d about %s", nth, ref);
    size_t len = 0;
    unsigned char *bytes = cd_db_unescape_bytea(hex, &len);
    cr_assert(bytes);
    Candour__V1__Referral *m = candour__v1__referral__unpack(NULL, len, bytes);
    cr_assert(m, "ombudsman.referral does not decode");
    free(bytes);
    free(hex);
    return m;
}

#define S_FIELD "record_referral.referral."

/* ------------------------------------------------------------------ tests */

Test(referral, L4_a_referral_is_recorded_stage_by_stage_and_only_moves_forward)
{
    const char *ref = "CND-2026-000201";
    s_case(ref);

    /* The first record is the referral itself. */
    s_refused(s_record("ST901", ref,
                       (s_rec_t){.referred_on = "2026-10-12",
                                 .phso_ref = "C-1234567",
                                 .stage = "assessing",
                                 .stage_on = "2026-10-12"}),
              "FAILED_PRECONDITION", S_FIELD "stage", "the first record is the referral");
    s_written(ref, 0);
    s_accepted(s_record("ST901", ref,
                        (s_rec_t){.referred_on = "2026-10-12",
                                  .phso_ref = "C-1234567",
                                  .stage = "referred",
                                  .stage_on = "2026-10-12",
                                  .note = "Referred after our final response of 30 September."}));
    s_written(ref, 1);

    /* Forward, leaving the day and the reference to the first record. */
    s_accepted(s_record("ST901", ref,
                        (s_rec_t){.stage = "assessing",
                                  .stage_on = "2026-10-20",
                                  .note = "The Ombudsman asked for the complaint file."}));
    s_refused(s_record("ST901", ref, (s_rec_t){.stage = "referred", .stage_on = "2026-10-21"}),
              "FAILED_PRECONDITION", S_FIELD "stage", "only move forward");
    /* Repeating them is fine; changing them is not. */
    s_refused(
        s_record(
            "ST901", ref,
            (s_rec_t){.phso_ref = "C-7654321", .stage = "investigating", .stage_on = "2026-11-02"}),
        "INVALID_ARGUMENT", S_FIELD "phso_ref", "does not change");
    s_accepted(s_record("ST901", ref,
                        (s_rec_t){.referred_on = "2026-10-12",
                                  .phso_ref = "C-1234567",
                                  .stage = "investigating",
                                  .stage_on = "2026-11-02"}));
    s_refused(s_record("ST901", ref, (s_rec_t){.stage = "assessing", .stage_on = "2026-11-03"}),
              "FAILED_PRECONDITION", S_FIELD "stage", "only move forward");
    s_refused(
        s_record("ST901", ref, (s_rec_t){.stage = "not-investigated", .stage_on = "2026-11-03"}),
        "FAILED_PRECONDITION", S_FIELD "stage", "follows only referred or assessing");
    s_refused(s_record("ST901", ref, (s_rec_t){.stage = "decided", .stage_on = "2026-11-01"}),
              "REQUIRED", S_FIELD "outcome", "needs its outcome");
    s_refused(
        s_record("ST901", ref,
                 (s_rec_t){.stage = "decided", .outcome = "upheld", .stage_on = "2026-11-01"}),
        "INVALID_ARGUMENT", S_FIELD "stage_on", "before the last one recorded");
    s_refused(
        s_record("ST901", ref,
                 (s_rec_t){.stage = "decided", .outcome = "upheld", .stage_on = "2026-11-26"}),
        "DATE_IN_FUTURE", S_FIELD "stage_on", "later than today");
    s_written(ref, 3);

    s_accepted(s_record("ST901", ref,
                        (s_rec_t){.stage = "decided",
                                  .outcome = "partly-upheld",
                                  .stage_on = "2026-11-24",
                                  .note = "Recommends an apology and a review of discharge."}));
    s_written(ref, 4);

    /* Nothing after the decision. */
    s_refused(
        s_record("ST901", ref,
                 (s_rec_t){.stage = "decided", .outcome = "upheld", .stage_on = "2026-11-25"}),
        "FAILED_PRECONDITION", S_FIELD "stage", "the Ombudsman's decision is recorded already");
    s_written(ref, 4);

    /* Each record went out as recorded, the first's day and reference filled in. */
    static const char *const stages[] = {"referred", "assessing", "investigating", "decided"};
    for (int i = 0; i < 4; i++) {
        Candour__V1__Referral *ev = s_event(ref, i + 1);
        cr_assert_str_eq(ev->stage, stages[i]);
        cr_assert_str_eq(ev->phso_ref, "C-1234567");
        cr_assert_str_eq(ev->referred_on, "2026-10-12");
        cr_assert_str_eq(ev->recorded_by, "Casey Manager (ST901)");
        cr_assert(ev->recorded_at[0]);
        cr_assert_str_eq(ev->outcome, i == 3 ? "partly-upheld" : "");
        candour__v1__referral__free_unpacked(ev, NULL);
    }

    /* In the audit trail, as the person acting. */
    const char *p[1] = {ref};
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM investigation.audit WHERE reference = $1"
                         " AND table_name = 'referral' AND op = 'INSERT'"
                         " AND actor = 'Casey Manager (ST901)'",
                         1, p),
                 4);
}

Test(referral, L4_the_case_lists_its_referral_oldest_first)
{
    const char *ref = "CND-2026-000202";
    s_case(ref);
    s_accepted(s_record("ST901", ref,
                        (s_rec_t){.referred_on = "2026-09-01",
                                  .phso_ref = "C-2000001",
                                  .stage = "referred",
                                  .stage_on = "2026-09-01"}));
    s_accepted(s_record("ST901", ref,
                        (s_rec_t){.stage = "not-investigated",
                                  .stage_on = "2026-09-15",
                                  .note = "Not investigated: the body's response was fair."}));
    Candour__V1__Reply *r = s_get(ref);
    cr_assert_null(r->error, "%s", r->error ? r->error->message : "");
    cr_assert_eq(r->result_case, CANDOUR__V1__REPLY__RESULT_CASE_VIEW);
    Candour__V1__CaseView *v = r->case_view;
    cr_assert_eq(v->n_referrals, 2);
    cr_assert_str_eq(v->referrals[0]->stage, "referred");
    cr_assert_str_eq(v->referrals[0]->stage_on, "2026-09-01");
    cr_assert_str_eq(v->referrals[1]->stage, "not-investigated");
    cr_assert_str_eq(v->referrals[1]->stage_on, "2026-09-15");
    cr_assert_str_eq(v->referrals[1]->note, "Not investigated: the body's response was fair.");
    for (int i = 0; i < 2; i++) {
        cr_assert_str_eq(v->referrals[i]->phso_ref, "C-2000001");
        cr_assert_str_eq(v->referrals[i]->referred_on, "2026-09-01");
        cr_assert_str_eq(v->referrals[i]->outcome, "");
        cr_assert_str_eq(v->referrals[i]->recorded_by, "Casey Manager (ST901)");
        /* The time the event carried, to the millisecond. */
        Candour__V1__Referral *ev = s_event(ref, i + 1);
        cr_assert_str_eq(v->referrals[i]->recorded_at, ev->recorded_at);
        candour__v1__referral__free_unpacked(ev, NULL);
    }
    candour__v1__reply__free_unpacked(r, NULL);
}

Test(referral, L4_only_a_complaints_manager_records_a_referral)
{
    const char *ref = "CND-2026-000203";
    s_case(ref);
    s_refused(s_record("ST902", ref,
                       (s_rec_t){.referred_on = "2026-10-12",
                                 .phso_ref = "C-1234567",
                                 .stage = "referred",
                                 .stage_on = "2026-10-12"}),
              "PERMISSION_DENIED", "acting", "is not a complaints manager");
    s_written(ref, 0);
}

Test(referral, L4_a_withdrawn_complaint_takes_no_referral)
{
    const char *ref = "CND-2026-000204";
    s_case(ref);
    s_accepted(s_record("ST901", ref,
                        (s_rec_t){.referred_on = "2026-10-12",
                                  .phso_ref = "C-1234567",
                                  .stage = "referred",
                                  .stage_on = "2026-10-12"}));
    Candour__V1__ComplaintWithdrawn w = CANDOUR__V1__COMPLAINT_WITHDRAWN__INIT;
    w.reason = "Resolved informally with the ward.";
    s_send("complaint.withdrawn", ref, &w.base);
    const char *p[1] = {ref};
    cr_assert(h_wait_for(s_h, "SELECT state FROM investigation.case WHERE reference = $1", 1, p,
                         "withdrawn", 15000));
    s_refused(s_record("ST901", ref, (s_rec_t){.stage = "assessing", .stage_on = "2026-10-20"}),
              "FAILED_PRECONDITION", "record_referral.complaint_ref",
              "the complaint was withdrawn");
    s_written(ref, 1);
}

Test(referral, L4_a_case_with_its_outcome_recorded_still_takes_a_referral)
{
    const char *ref = "CND-2026-000205";
    s_case(ref);
    Candour__V1__RecordOutcome ro = CANDOUR__V1__RECORD_OUTCOME__INIT;
    ro.complaint_ref = (char *)ref;
    ro.outcome = CANDOUR__V1__OUTCOME__OUTCOME_NOT_UPHELD;
    ro.findings = "The discharge followed the policy in force.";
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.acting = "ST902";
    req.op_case = CANDOUR__V1__REQUEST__OP_RECORD_OUTCOME;
    req.record_outcome = &ro;
    s_accepted(h_call(s_h, "investigation", NULL, &req));
    const char *p[1] = {ref};
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM investigation.case WHERE reference = $1"
                         " AND state = 'completed'",
                         1, p),
                 1);
    s_accepted(s_record("ST901", ref,
                        (s_rec_t){.referred_on = "2026-11-20",
                                  .phso_ref = "C-3000003",
                                  .stage = "referred",
                                  .stage_on = "2026-11-20"}));
    s_written(ref, 1);
}

Test(referral, L4_a_referral_is_dated_between_the_case_opening_and_today)
{
    const char *ref = "CND-2026-000206";
    s_case(ref);
    s_refused(s_record("ST901", ref,
                       (s_rec_t){.referred_on = "2026-05-31",
                                 .phso_ref = "C-1234567",
                                 .stage = "referred",
                                 .stage_on = "2026-06-01"}),
              "INVALID_ARGUMENT", S_FIELD "referred_on", "before the complaint was received");
    s_refused(s_record("ST901", ref,
                       (s_rec_t){.referred_on = "2026-11-26",
                                 .phso_ref = "C-1234567",
                                 .stage = "referred",
                                 .stage_on = "2026-11-26"}),
              "DATE_IN_FUTURE", S_FIELD "referred_on", "later than today");
    s_refused(
        s_record(
            "ST901", ref,
            (s_rec_t){.referred_on = "2026-06-01", .stage = "referred", .stage_on = "2026-06-01"}),
        "REQUIRED", S_FIELD "phso_ref", "reference is required");
    s_written(ref, 0);
    s_accepted(s_record("ST901", ref,
                        (s_rec_t){.referred_on = "2026-06-01",
                                  .phso_ref = "C-1234567",
                                  .stage = "referred",
                                  .stage_on = "2026-06-01"}));
    s_written(ref, 1);
}

Test(referral, L4_a_referral_needs_a_case)
{
    s_refused(s_record("ST901", "CND-2026-999999",
                       (s_rec_t){.referred_on = "2026-10-12",
                                 .phso_ref = "C-1234567",
                                 .stage = "referred",
                                 .stage_on = "2026-10-12"}),
              "NOT_FOUND", "record_referral.complaint_ref", "no investigation case");
    s_refused(s_record("ST901", "", (s_rec_t){.stage = "referred"}), "REQUIRED",
              "record_referral.complaint_ref", "reference");
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM investigation.referral", 0, NULL), 0);
}
