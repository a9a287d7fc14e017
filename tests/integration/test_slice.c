/* test_slice.c - one complaint through every daemon, from submission to
 * "response sent", checking each service's own schema and the spool. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "harness.h"

/* Submit a complaint and return its receipt reply. */
static Candour__V1__Reply *s_submit(h_t *h, const char *org, const char *ext)
{
    Candour__V1__Person p = CANDOUR__V1__PERSON__INIT;
    char *addr[] = {"1 High Street", "Leeds"};
    p.name = "Jane Patel";
    p.address_as = "Mrs Patel";
    p.address = addr;
    p.n_address = 2;
    p.postcode = "LS1 1AA";
    Candour__V1__Complaint c = CANDOUR__V1__COMPLAINT__INIT;
    c.external_ref = (char *)ext;
    c.channel = CANDOUR__V1__CHANNEL__CHANNEL_BUS;
    c.complainant = &p;
    c.description = "My father's continuing healthcare assessment was delayed by four months.";
    c.desired_outcome = "An explanation and an apology.";
    c.event_date = "2026-06-01";
    Candour__V1__SubmitComplaint s = CANDOUR__V1__SUBMIT_COMPLAINT__INIT;
    s.complaint = &c;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.org_id = (char *)org;
    req.op_case = CANDOUR__V1__REQUEST__OP_SUBMIT;
    req.submit = &s;
    return h_call(h, "intake", org, &req);
}

static char *s_read(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

Test(slice, a_complaint_goes_from_submission_to_response_sent_through_every_daemon, .timeout = 120)
{
    h_t *h = h_new("slice");
    h_org(h, "ICB-QWE");
    cr_assert_eq(h_start_all(h), 0);
    /* The body's complaints team, in its staff directory. */
    char *manager = h_staff(h, "ICB-QWE", "Casey Manager", "Complaints", "complaints-manager");
    char *investigator = h_staff(h, "ICB-QWE", "Ira Investigator", "Quality", "investigator");
    char *chief = h_staff(h, "ICB-QWE", "Dr R. Chief", "", "responsible-person");

    Candour__V1__Reply *r = s_submit(h, "ICB-QWE", "EXT-0001");
    cr_assert_null(r->error, "submit failed: %s", r->error ? r->error->message : "");
    cr_assert_eq(r->result_case, CANDOUR__V1__REPLY__RESULT_RECEIPT);
    cr_assert_not(r->receipt->duplicate);
    char ref[64];
    snprintf(ref, sizeof ref, "%s", r->receipt->complaint_ref);
    candour__v1__reply__free_unpacked(r, NULL);
    const char *p[1] = {ref};

    /* Guarantee 1: the receipt means it is stored. */
    cr_assert_eq(h_count(h, "SELECT count(*) FROM intake.complaint WHERE reference = $1", 1, p), 1);
    /* I9: the same external reference gets the first receipt back, no second complaint. */
    r = s_submit(h, "ICB-QWE", "EXT-0001");
    cr_assert(r->receipt && r->receipt->duplicate);
    cr_assert_str_eq(r->receipt->complaint_ref, ref);
    candour__v1__reply__free_unpacked(r, NULL);
    cr_assert_eq(h_count(h, "SELECT count(*) FROM intake.complaint", 0, NULL), 1);

    /* Routing acknowledges; investigation opens a case; notify sends the acknowledgement. */
    cr_assert(h_wait_for(h, "SELECT state FROM investigation.case WHERE reference = $1", 1, p,
                         "open", 15000),
              "no case opened");
    cr_assert(h_wait_for(h,
                         "SELECT (acknowledged_at IS NOT NULL)::text FROM routing.complaint"
                         " WHERE reference = $1",
                         1, p, "true", 15000),
              "acknowledgement not recorded");

    h_assign(h, ref, manager, investigator);
    Candour__V1__RecordOutcome ro = CANDOUR__V1__RECORD_OUTCOME__INIT;
    ro.complaint_ref = ref;
    ro.outcome = CANDOUR__V1__OUTCOME__OUTCOME_PARTIALLY_UPHELD;
    ro.findings = "The referral was misfiled for six weeks. The process has been changed.";
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.acting = investigator;
    req.op_case = CANDOUR__V1__REQUEST__OP_RECORD_OUTCOME;
    req.record_outcome = &ro;
    r = h_call(h, "investigation", NULL, &req);
    cr_assert_null(r->error, "record-outcome: %s", r->error ? r->error->message : "");
    candour__v1__reply__free_unpacked(r, NULL);
    /* A second outcome on the same case is refused. */
    r = h_call(h, "investigation", NULL, &req);
    cr_assert(r->error);
    cr_assert_str_eq(r->error->code, "FAILED_PRECONDITION");
    candour__v1__reply__free_unpacked(r, NULL);

    cr_assert(h_wait_for(h, "SELECT state FROM signoff.draft WHERE reference = $1", 1, p,
                         "awaiting-signature", 15000),
              "no draft at sign-off");
    Candour__V1__SignResponse sr = CANDOUR__V1__SIGN_RESPONSE__INIT;
    sr.complaint_ref = ref;
    Candour__V1__Request sreq = CANDOUR__V1__REQUEST__INIT;
    sreq.acting = chief;
    sreq.op_case = CANDOUR__V1__REQUEST__OP_SIGN;
    sreq.sign = &sr;
    r = h_call(h, "signoff", NULL, &sreq);
    cr_assert_null(r->error, "sign: %s", r->error ? r->error->message : "");
    candour__v1__reply__free_unpacked(r, NULL);

    cr_assert(h_wait_for(h, "SELECT state FROM routing.complaint WHERE reference = $1", 1, p,
                         "response-sent", 15000),
              "never reached response-sent");

    /* Each service's own schema holds its part. */
    cr_assert_eq(h_count(h,
                         "SELECT count(*) FROM investigation.case WHERE reference = $1"
                         " AND state = 'completed' AND outcome = 'OUTCOME_PARTIALLY_UPHELD'",
                         1, p),
                 1);
    cr_assert_eq(h_count(h,
                         "SELECT count(*) FROM signoff.draft WHERE reference = $1"
                         " AND state = 'approved' AND signed_at IS NOT NULL",
                         1, p),
                 1);
    cr_assert_eq(h_count(h,
                         "SELECT count(*) FROM notify.letter WHERE reference = $1"
                         " AND delivered_at IS NOT NULL",
                         1, p),
                 2);
    /* Seven events and the triage. (The last letter.sent may still be on its
     * way to routing's history when the state read above is already final.) */
    cr_assert(h_wait_for(h, "SELECT count(*)::text FROM routing.history WHERE reference = $1", 1, p,
                         "8", 10000),
              "routing history: %s",
              h_scalar(h,
                       "SELECT string_agg(event, ', ' ORDER BY id) FROM routing.history"
                       " WHERE reference = $1",
                       1, p));
    /* Nothing left undelivered in any outbox; every delivery went once to its subscriber. */
    cr_assert(
        h_wait_for(h,
                   "SELECT count(*)::text FROM (SELECT delivered_at FROM intake.outbox_delivery"
                   " UNION ALL SELECT delivered_at FROM routing.outbox_delivery"
                   " UNION ALL SELECT delivered_at FROM investigation.outbox_delivery"
                   " UNION ALL SELECT delivered_at FROM signoff.outbox_delivery"
                   " UNION ALL SELECT delivered_at FROM notify.outbox_delivery) d WHERE "
                   "delivered_at IS NULL",
                   0, NULL, "0", 10000),
        "an outbox still holds undelivered events");
    cr_assert_eq(h_count(h, "SELECT count(*) FROM routing.inbox", 0, NULL), 7);

    /* The letters, one of each, in the spool. */
    char path[512];
    snprintf(path, sizeof path, "%s/%s/acknowledgement.txt", h_spool(h), ref);
    char *ack = s_read(path);
    cr_assert(ack, "no acknowledgement letter at %s", path);
    cr_assert(strstr(ack, "Dear Mrs Patel"));
    cr_assert(strstr(ack, ref));
    snprintf(path, sizeof path, "%s/%s/final-response.txt", h_spool(h), ref);
    char *fin = s_read(path);
    cr_assert(fin, "no final response at %s", path);
    cr_assert(strstr(fin, "Parliamentary and Health Service Ombudsman"));
    cr_assert(strstr(fin, "misfiled"));
    cr_assert(strstr(fin, "Dr R. Chief"), "the signatory, from the directory, is not named");

    /* The status through the staff API, with the manager's API token; no
     * token, nothing. */
    char token[128], err[256], url[128];
    cr_assert_eq(h_ctl(h, "", token, sizeof token, err, sizeof err,
                       "token add %s --role complaints-manager --label slice", manager),
                 0, "%s", err);
    token[strcspn(token, "\n")] = 0;
    snprintf(url, sizeof url, "/v1/complaints/%s/status", ref);
    cr_assert_neq(h_gateway_port(h), 0);
    h_resp_t hr = h_api(h_gateway_port(h), "GET", url, token, NULL, NULL);
    cr_assert_eq(hr.status, 200, "%s", hr.body);
    cr_assert(strstr(hr.body, "\"state\":\"response-sent\""), "%s", hr.body);
    h_resp_free(&hr);
    hr = h_api(h_gateway_port(h), "GET", url, NULL, NULL, NULL);
    cr_assert_eq(hr.status, 401, "%s", hr.body);
    h_resp_free(&hr);
    hr = h_api(h_gateway_port(h), "GET", "/v1/complaints/CDR-NONE-NONE/status", token, NULL, NULL);
    cr_assert_eq(hr.status, 404, "%s", hr.body);
    h_resp_free(&hr);
    char *body = NULL;
    cr_assert_eq(h_http_get(h_gateway_port(h), "/healthz", &body), 200);
    free(body);

    /* Every daemon stops cleanly on SIGTERM. */
    cr_assert_eq(h_destroy(&h), 0, "a daemon did not exit 0 on SIGTERM");
    free(manager);
    free(investigator);
    free(chief);
}
