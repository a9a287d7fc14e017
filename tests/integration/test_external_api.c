/* test_external_api.c - the external bus API as another organisation's
 * integrator meets it: CURVE keys on an allow-list, the organisation taken
 * from the key, isolation between organisations, revocation at once, and
 * every operation (submit, amend, withdraw, consent, summary agreement,
 * status, status changes) with the holds of rules I1-I4 and I8. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "candour/client.h"
#include "candour/pbjson.h"
#include "harness.h"

static h_t *s_h;

static void s_setup(void)
{
    s_h = h_new("extapi");
    h_org(s_h, "ICB-A");
    h_org(s_h, "TRUST-B");
    cr_assert_eq(h_start_all(s_h), 0);
}

static void s_teardown(void)
{
    cr_assert_eq(h_destroy(&s_h), 0, "a daemon did not exit 0 on SIGTERM");
}

TestSuite(external_api, .init = s_setup, .fini = s_teardown, .timeout = 120);

/* Send a Request written as JSON (the generic converter) with client c. */
static Candour__V1__Reply *s_send(cd_client_t *c, const char *json)
{
    cd_fail_t perr;
    Candour__V1__Request *req = (Candour__V1__Request *)cd_pbjson_parse(
        &candour__v1__request__descriptor, json, strlen(json), &perr);
    cr_assert(req, "bad test JSON: %s %s %s", cd_code_name(perr.code), perr.field, perr.message);
    Candour__V1__Reply *r = NULL;
    char err[256];
    int rc = cd_client_call(c, req, 10000, &r, err, sizeof err);
    candour__v1__request__free_unpacked(req, NULL);
    cr_assert_eq(rc, 0, "no reply: %s", err);
    return r;
}

static Candour__V1__Reply *s_as(const char *org, const char *json)
{
    cd_client_t *c = h_client(s_h, org);
    Candour__V1__Reply *r = s_send(c, json);
    cd_client_destroy(&c);
    return r;
}

static void s_expect_error(Candour__V1__Reply *r, const char *code)
{
    cr_assert(r->error, "expected %s, got a result", code);
    cr_assert_str_eq(r->error->code, code, "%s", r->error->message);
    candour__v1__reply__free_unpacked(r, NULL);
}

static void s_expect_done(Candour__V1__Reply *r)
{
    cr_assert_null(r->error, "%s: %s", r->error ? r->error->code : "", r->error ? r->error->message : "");
    candour__v1__reply__free_unpacked(r, NULL);
}

#define S_PERSON "\"complainant\": {\"name\": \"Ann Jones\", \"email\": \"ann@example.org\"}"

/* Submit and return the reference (static buffer per call site). */
static void s_submit(const char *org, const char *complaint_json, char *ref, size_t len,
                     Candour__V1__Reply **keep)
{
    char json[4096];
    snprintf(json, sizeof json, "{\"submit\": {\"complaint\": %s}}", complaint_json);
    Candour__V1__Reply *r = s_as(org, json);
    cr_assert(r->receipt, "no receipt: %s", r->error ? r->error->message : "");
    snprintf(ref, len, "%s", r->receipt->complaint_ref);
    if (keep)
        *keep = r;
    else
        candour__v1__reply__free_unpacked(r, NULL);
}

static char *s_status_state(const char *org, const char *ref)
{
    char json[256];
    snprintf(json, sizeof json, "{\"get_status\": {\"complaint_ref\": \"%s\"}}", ref);
    Candour__V1__Reply *r = s_as(org, json);
    cr_assert(r->status, "no status: %s", r->error ? r->error->message : "");
    char *state = strdup(r->status->state);
    candour__v1__reply__free_unpacked(r, NULL);
    return state;
}

Test(external_api, an_organisation_sees_and_changes_only_its_own_complaints)
{
    char ref[64], json[512];
    s_submit("ICB-A", "{\"external_ref\": \"A-1\", \"channel\": \"CHANNEL_BUS\", " S_PERSON
                      ", \"description\": \"Waited nine weeks for an assessment.\"}",
             ref, sizeof ref, NULL);
    /* B, with a valid key of its own, cannot see or touch A's complaint. */
    snprintf(json, sizeof json, "{\"get_status\": {\"complaint_ref\": \"%s\"}}", ref);
    s_expect_error(s_as("TRUST-B", json), "NOT_FOUND");
    snprintf(json, sizeof json, "{\"withdraw\": {\"complaint_ref\": \"%s\", \"reason\": \"x\"}}", ref);
    s_expect_error(s_as("TRUST-B", json), "NOT_FOUND");
    snprintf(json, sizeof json, "{\"record_consent\": {\"complaint_ref\": \"%s\", \"consent\":"
                                " {\"given_by\": \"P\", \"given_at\": \"2026-01-01\"}}}", ref);
    s_expect_error(s_as("TRUST-B", json), "NOT_FOUND");
    /* The org_id field of the message is not who is asking: the key is. */
    snprintf(json, sizeof json, "{\"org_id\": \"ICB-A\", \"get_status\": {\"complaint_ref\": \"%s\"}}", ref);
    s_expect_error(s_as("TRUST-B", json), "NOT_FOUND");
    /* The same external reference from B is B's own, separate complaint. */
    char ref_b[64];
    s_submit("TRUST-B", "{\"external_ref\": \"A-1\", \"channel\": \"CHANNEL_BUS\", " S_PERSON
                        ", \"description\": \"A different matter.\"}",
             ref_b, sizeof ref_b, NULL);
    cr_assert_str_neq(ref, ref_b);
    const char *p[1] = {ref};
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM intake.complaint WHERE reference = $1 AND"
                              " org_id = 'ICB-A' AND withdrawn_at IS NULL", 1, p), 1);
    /* Status changes: each sees only its own. */
    cr_assert(h_wait_for(s_h, "SELECT count(DISTINCT org_id)::text FROM intake.status_change", 0,
                         NULL, "2", 15000));
    Candour__V1__Reply *r = s_as("TRUST-B", "{\"get_status_changes\": {}}");
    cr_assert(r->status_changes && r->status_changes->n_changes >= 1);
    for (size_t i = 0; i < r->status_changes->n_changes; i++)
        cr_assert_str_eq(r->status_changes->changes[i]->complaint_ref, ref_b);
    candour__v1__reply__free_unpacked(r, NULL);
}

Test(external_api, an_unknown_key_gets_nothing_and_stores_nothing)
{
    cd_client_t *c = h_client_unknown(s_h);
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    Candour__V1__GetStatusChanges g = CANDOUR__V1__GET_STATUS_CHANGES__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_GET_STATUS_CHANGES;
    req.get_status_changes = &g;
    Candour__V1__Reply *r = NULL;
    char err[256];
    cr_assert_neq(cd_client_call(c, &req, 1500, &r, err, sizeof err), 0,
                  "a key not on the allow-list got an answer");
    cd_client_destroy(&c);
    /* A client without CURVE at all gets nothing either. */
    c = cd_client_new(h_public_endpoint(s_h));
    cr_assert_neq(cd_client_call(c, &req, 1000, &r, err, sizeof err), 0);
    cd_client_destroy(&c);
    /* The refusal is counted where ops can see it. */
    char *body = NULL;
    cr_assert_eq(h_http_get(h_admin_port(s_h, "intake"), "/metrics", &body), 200);
    cr_assert(strstr(body, "candour_zap_refused_total") && !strstr(body, "candour_zap_refused_total 0\n"),
              "%s", body);
    free(body);
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM intake.complaint", 0, NULL), 0);
}

Test(external_api, a_revoked_key_stops_working_at_once_even_on_an_open_connection)
{
    cd_client_t *c = h_client(s_h, "ICB-A");
    s_expect_done(s_send(c, "{\"get_status_changes\": {}}"));
    h_revoke(s_h, "ICB-A");
    /* The same connection, admitted before the revocation: refused now. */
    s_expect_error(s_send(c, "{\"submit\": {\"complaint\": {\"external_ref\": \"R-1\","
                             " \"channel\": \"CHANNEL_BUS\", " S_PERSON
                             ", \"description\": \"After revocation.\"}}}"),
                   "PERMISSION_DENIED");
    s_expect_error(s_send(c, "{\"get_status_changes\": {}}"), "PERMISSION_DENIED");
    cd_client_destroy(&c);
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM intake.complaint", 0, NULL), 0);
    /* A new connection with the revoked key is not admitted at all. */
    c = h_client(s_h, "ICB-A");
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    Candour__V1__GetStatusChanges g = CANDOUR__V1__GET_STATUS_CHANGES__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_GET_STATUS_CHANGES;
    req.get_status_changes = &g;
    Candour__V1__Reply *r = NULL;
    char err[256];
    cr_assert_neq(cd_client_call(c, &req, 1500, &r, err, sizeof err), 0);
    cd_client_destroy(&c);
}

Test(external_api, I2_a_representative_complaint_waits_for_consent_then_goes_ahead)
{
    char ref[64], json[1024];
    Candour__V1__Reply *receipt = NULL;
    s_submit("ICB-A", "{\"external_ref\": \"C-1\", \"channel\": \"CHANNEL_POST\", "
                      "\"complainant\": {\"name\": \"Tom Reed\", \"address\": [\"3 Mill Lane\"]},"
                      " \"patient\": {\"name\": \"Joan Reed\"}, \"standing\": \"STANDING_PATIENT_CONSENT\","
                      " \"relationship\": \"son\", \"description\": \"My mother was discharged without a care plan.\"}",
             ref, sizeof ref, &receipt);
    cr_assert_eq(receipt->receipt->n_holds, 1);
    cr_assert_eq(receipt->receipt->holds[0], CANDOUR__V1__HOLD__HOLD_AWAITING_CONSENT);
    candour__v1__reply__free_unpacked(receipt, NULL);
    const char *p[1] = {ref};
    /* Acknowledged all the same (R4), but nothing handed on before consent (R2). */
    cr_assert(h_wait_for(s_h, "SELECT (acknowledged_at IS NOT NULL)::text FROM routing.complaint"
                              " WHERE reference = $1", 1, p, "true", 15000));
    char *state = s_status_state("ICB-A", ref);
    cr_assert_str_eq(state, "awaiting-consent");
    free(state);
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM investigation.case WHERE reference = $1", 1, p), 0);
    /* A consent with a date in the future is refused, naming the field. */
    snprintf(json, sizeof json, "{\"record_consent\": {\"complaint_ref\": \"%s\", \"consent\":"
                                " {\"given_by\": \"Joan Reed\", \"given_at\": \"2999-01-01\"}}}", ref);
    Candour__V1__Reply *r = s_as("ICB-A", json);
    cr_assert(r->error && strcmp(r->error->field, "record_consent.consent.given_at") == 0);
    candour__v1__reply__free_unpacked(r, NULL);
    snprintf(json, sizeof json, "{\"record_consent\": {\"complaint_ref\": \"%s\", \"consent\":"
                                " {\"given_by\": \"Joan Reed\", \"given_at\": \"2026-11-20\","
                                " \"method\": \"written\", \"share_with\": [\"TRUST-B\"]}}}", ref);
    s_expect_done(s_as("ICB-A", json));
    cr_assert(h_wait_for(s_h, "SELECT state FROM investigation.case WHERE reference = $1", 1, p,
                         "open", 15000), "not handed to investigation after consent");
    cr_assert(h_wait_for(s_h, "SELECT state FROM intake.complaint WHERE reference = $1", 1, p,
                         "under-investigation", 15000));
    /* Triaged now: no more amendments. */
    snprintf(json, sizeof json, "{\"amend\": {\"complaint_ref\": \"%s\", \"complaint\": {"
                                "\"channel\": \"CHANNEL_POST\", \"complainant\": {\"name\": \"Tom Reed\","
                                " \"address\": [\"3 Mill Lane\"]}, \"description\": \"Changed.\"}}}", ref);
    s_expect_error(s_as("ICB-A", json), "FAILED_PRECONDITION");
    /* The organisation followed it all in its status changes, in order. */
    r = s_as("ICB-A", "{\"get_status_changes\": {\"after_sequence\": 0}}");
    cr_assert(r->status_changes);
    int saw_held = 0, saw_investigation = 0;
    int64_t last = 0;
    for (size_t i = 0; i < r->status_changes->n_changes; i++) {
        Candour__V1__StatusChange *sc = r->status_changes->changes[i];
        cr_assert_gt(sc->sequence, last);
        last = sc->sequence;
        saw_held |= strcmp(sc->state, "awaiting-consent") == 0;
        saw_investigation |= strcmp(sc->state, "under-investigation") == 0;
    }
    cr_assert(saw_held && saw_investigation);
    cr_assert_eq(r->status_changes->last_sequence, last);
    candour__v1__reply__free_unpacked(r, NULL);
    snprintf(json, sizeof json, "{\"get_status_changes\": {\"after_sequence\": %lld}}", (long long)last);
    r = s_as("ICB-A", json);
    cr_assert_eq(r->status_changes->n_changes, 0);
    candour__v1__reply__free_unpacked(r, NULL);
}

Test(external_api, I1_a_verbal_complaint_is_amended_then_its_summary_agreed)
{
    char ref[64], json[1024];
    Candour__V1__Reply *receipt = NULL;
    s_submit("ICB-A", "{\"external_ref\": \"V-1\", \"channel\": \"CHANNEL_VERBAL\", " S_PERSON
                      ", \"description\": \"Telephone call about a cancelled appointment.\","
                      " \"summary\": \"Appointment cancelled twice.\"}",
             ref, sizeof ref, &receipt);
    cr_assert_eq(receipt->receipt->n_holds, 1);
    cr_assert_eq(receipt->receipt->holds[0], CANDOUR__V1__HOLD__HOLD_AWAITING_SUMMARY_AGREEMENT);
    candour__v1__reply__free_unpacked(receipt, NULL);
    const char *p[1] = {ref};
    cr_assert(h_wait_for(s_h, "SELECT state FROM routing.complaint WHERE reference = $1", 1, p,
                         "awaiting-summary-agreement", 15000));
    /* Before triage it may be amended; what identifies it stays. */
    snprintf(json, sizeof json, "{\"amend\": {\"complaint_ref\": \"%s\", \"complaint\": {"
                                "\"external_ref\": \"ignored\", \"channel\": \"CHANNEL_EMAIL\", " S_PERSON
                                ", \"description\": \"Appointment cancelled three times.\","
                                " \"summary\": \"Cancelled three times, no explanation.\"}}}", ref);
    s_expect_done(s_as("ICB-A", json));
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM intake.complaint WHERE reference = $1 AND"
                              " external_ref = 'V-1' AND channel = 'CHANNEL_VERBAL' AND"
                              " body->>'description' LIKE '%three%'", 1, p), 1);
    snprintf(json, sizeof json, "{\"agree_summary\": {\"complaint_ref\": \"%s\", \"summary\":"
                                " \"Cancelled three times, no explanation.\"}}", ref);
    s_expect_done(s_as("ICB-A", json));
    s_expect_error(s_as("ICB-A", json), "FAILED_PRECONDITION"); /* nothing left to agree */
    cr_assert(h_wait_for(s_h, "SELECT state FROM investigation.case WHERE reference = $1", 1, p,
                         "open", 15000), "not handed on after the summary was agreed");
    /* The investigator receives the amended description. */
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM investigation.case WHERE reference = $1"
                              " AND description LIKE '%three%'", 1, p), 1);
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM intake.change WHERE reference = $1", 1, p), 2);
}

Test(external_api, a_withdrawal_closes_the_complaint_once)
{
    char ref[64], json[512];
    s_submit("ICB-A", "{\"external_ref\": \"W-1\", \"channel\": \"CHANNEL_EMAIL\", " S_PERSON
                      ", \"description\": \"Parking charges at the hospital.\"}",
             ref, sizeof ref, NULL);
    snprintf(json, sizeof json, "{\"withdraw\": {\"complaint_ref\": \"%s\", \"reason\": \"\"}}", ref);
    s_expect_error(s_as("ICB-A", json), "REQUIRED");
    snprintf(json, sizeof json, "{\"withdraw\": {\"complaint_ref\": \"%s\", \"reason\":"
                                " \"Resolved with the ward manager.\"}}", ref);
    s_expect_done(s_as("ICB-A", json));
    s_expect_error(s_as("ICB-A", json), "FAILED_PRECONDITION");
    const char *p[1] = {ref};
    cr_assert(h_wait_for(s_h, "SELECT state FROM routing.complaint WHERE reference = $1", 1, p,
                         "withdrawn", 15000));
    char *state = s_status_state("ICB-A", ref);
    cr_assert_str_eq(state, "withdrawn");
    free(state);
}

Test(external_api, I8_a_compliment_is_recorded_not_processed)
{
    char ref[64];
    Candour__V1__Reply *receipt = NULL;
    s_submit("ICB-A", "{\"external_ref\": \"K-1\", \"channel\": \"CHANNEL_WEB\", " S_PERSON
                      ", \"kind\": \"KIND_COMPLIMENT\", \"staff_named\": [\"Ward 7 night team\"],"
                      " \"description\": \"The night staff were wonderful.\"}",
             ref, sizeof ref, &receipt);
    cr_assert_eq(receipt->receipt->classification,
                 CANDOUR__V1__CLASSIFICATION__CLASSIFICATION_COMPLIMENT);
    candour__v1__reply__free_unpacked(receipt, NULL);
    const char *p[1] = {ref};
    cr_assert(h_wait_for(s_h, "SELECT state FROM routing.complaint WHERE reference = $1", 1, p,
                         "compliment", 15000));
    usleep(500000); /* give a wrongly sent letter or case the time to appear */
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM investigation.case WHERE reference = $1", 1, p), 0);
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM notify.letter WHERE reference = $1", 1, p), 0);
}

/* I9 under concurrency: many connections send the same submission at once. */
typedef struct {
    h_t *h;
    char ref[64];
    int ok;
} s_racer_t;

static void *s_race(void *arg)
{
    s_racer_t *r = arg;
    cd_client_t *c = h_client(r->h, "TRUST-B");
    Candour__V1__Person p = CANDOUR__V1__PERSON__INIT;
    p.name = "Raj Shah";
    p.email = "raj@example.org";
    Candour__V1__Complaint comp = CANDOUR__V1__COMPLAINT__INIT;
    comp.external_ref = "RACE-1";
    comp.channel = CANDOUR__V1__CHANNEL__CHANNEL_BUS;
    comp.complainant = &p;
    comp.description = "Sent by eight connections at once.";
    Candour__V1__SubmitComplaint s = CANDOUR__V1__SUBMIT_COMPLAINT__INIT;
    s.complaint = &comp;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_SUBMIT;
    req.submit = &s;
    Candour__V1__Reply *reply = NULL;
    char err[256];
    if (cd_client_call(c, &req, 10000, &reply, err, sizeof err) == 0 && reply->receipt) {
        snprintf(r->ref, sizeof r->ref, "%s", reply->receipt->complaint_ref);
        r->ok = 1;
    }
    if (reply)
        candour__v1__reply__free_unpacked(reply, NULL);
    cd_client_destroy(&c);
    return NULL;
}

Test(external_api, I9_the_same_submission_sent_at_once_over_eight_connections_is_one_complaint)
{
    enum { N = 8 };
    s_racer_t racers[N];
    pthread_t t[N];
    for (int i = 0; i < N; i++) {
        racers[i] = (s_racer_t){.h = s_h};
        pthread_create(&t[i], NULL, s_race, &racers[i]);
    }
    for (int i = 0; i < N; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < N; i++) {
        cr_assert(racers[i].ok, "connection %d got no receipt", i);
        cr_assert_str_eq(racers[i].ref, racers[0].ref, "two references for one submission");
    }
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM intake.complaint WHERE external_ref = 'RACE-1'",
                         0, NULL), 1);
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM intake.outbox WHERE type = 'complaint.received'",
                         0, NULL), 1);
}
