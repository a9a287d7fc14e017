/* test_triage.c - routing decides who handles each complaint from the
 * routing table (R1), waits for consent before anything leaves for another
 * body (R2), names one lead among several bodies (R3), and records what the
 * regulations do not require (I5) and appeals (I6), telling the complainant. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "candour/client.h"
#include "candour/pbjson.h"
#include "harness.h"

static h_t *s_h;
static char *s_manager; /* ICB-QWE's complaints manager (staff id) */

static void s_setup(void)
{
    s_h = h_new("triage");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "CANDOUR_DB_URL='%s' '%s/services/candourctl' routes import '%s/deploy/routes.sample.csv' >/dev/null",
             h_db_url(s_h), CANDOUR_BUILD_DIR, CANDOUR_SOURCE_DIR);
    cr_assert_eq(system(cmd), 0, "routes import failed");
    h_org(s_h, "ICB-QWE");
    cr_assert_eq(h_start_all(s_h), 0);
    s_manager = h_staff(s_h, "ICB-QWE", "Casey Manager", "Complaints", "complaints-manager");
}

static void s_teardown(void)
{
    free(s_manager);
    cr_assert_eq(h_destroy(&s_h), 0);
}

TestSuite(triage, .init = s_setup, .fini = s_teardown, .timeout = 120);

/* Submit with extra complaint fields; returns the reference in ref. */
static void s_submit(const char *ext, const char *extra, char *ref)
{
    char json[2048];
    snprintf(json, sizeof json,
             "{\"submit\": {\"complaint\": {\"external_ref\": \"%s\", \"channel\": \"CHANNEL_POST\","
             " \"complainant\": {\"name\": \"Mo Ali\", \"address\": [\"4 Elm Road\"]},"
             " \"description\": \"What happened.\"%s%s}}}",
             ext, extra[0] ? ", " : "", extra);
    Candour__V1__Reply *r = h_call_json(s_h, "intake", "ICB-QWE", json);
    cr_assert(r->receipt, "%s", r->error ? r->error->message : "");
    snprintf(ref, 64, "%s", r->receipt->complaint_ref);
    candour__v1__reply__free_unpacked(r, NULL);
}

static int s_state_becomes(const char *ref, const char *state)
{
    const char *p[1] = {ref};
    return h_wait_for(s_h, "SELECT state FROM routing.complaint WHERE reference = $1", 1, p,
                      state, 15000);
}

static char *s_col(const char *ref, const char *col)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT %s::text FROM routing.complaint WHERE reference = $1", col);
    const char *p[1] = {ref};
    return h_scalar(s_h, sql, 1, p);
}

Test(triage, R1_what_the_receiving_body_commissions_is_handled_here)
{
    char ref[64];
    s_submit("T-1", "\"services\": [\"acute-surgery\"]", ref);
    cr_assert(s_state_becomes(ref, "under-investigation"));
    char *o = s_col(ref, "triage_outcome"), *lead = s_col(ref, "lead_org");
    cr_assert_str_eq(o, "handle-here");
    cr_assert_str_eq(lead, "ICB-QWE");
    free(o);
    free(lead);
}

Test(triage, R3_several_bodies_one_lead_contributions_only_after_consent_R2)
{
    char ref[64], json[512];
    s_submit("T-2", "\"services\": [\"acute-surgery\", \"asc-home-care\"]", ref);
    cr_assert(s_state_becomes(ref, "under-investigation"), "the lead investigates its own part");
    char *o = s_col(ref, "triage_outcome"), *partners = s_col(ref, "partners");
    cr_assert_str_eq(o, "coordinate");
    cr_assert(strstr(partners, "LA-XYZ") && strstr(partners, "TRUST-RXX"), "%s", partners);
    free(o);
    free(partners);
    const char *p[1] = {ref};
    /* Nothing asked of a partner before consent. */
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM routing.deadline WHERE reference = $1"
                              " AND name = 'contribution'", 1, p), 0);
    snprintf(json, sizeof json, "{\"record_consent\": {\"complaint_ref\": \"%s\", \"consent\":"
                                " {\"given_by\": \"Mo Ali\", \"given_at\": \"2026-11-01\"}}}", ref);
    Candour__V1__Reply *r = h_call_json(s_h, "intake", "ICB-QWE", json);
    cr_assert_null(r->error, "%s", r->error ? r->error->message : "");
    candour__v1__reply__free_unpacked(r, NULL);
    cr_assert(h_wait_for(s_h, "SELECT count(*)::text FROM routing.deadline WHERE reference = $1"
                              " AND name = 'contribution'", 1, p, "2", 15000),
              "no contribution deadlines for the two partners after consent");
    /* The routing status names the lead and the partners. */
    cd_client_t *c = h_internal_client(s_h, "routing");
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    Candour__V1__GetStatus g = CANDOUR__V1__GET_STATUS__INIT;
    g.complaint_ref = ref;
    req.op_case = CANDOUR__V1__REQUEST__OP_GET_STATUS;
    req.get_status = &g;
    char err[256];
    cr_assert_eq(cd_client_call(c, &req, 10000, &r, err, sizeof err), 0);
    cd_client_destroy(&c);
    cr_assert_str_eq(r->status->triage_outcome, "coordinate");
    cr_assert_str_eq(r->status->lead_org, "ICB-QWE");
    cr_assert_eq(r->status->n_partners, 2);
    candour__v1__reply__free_unpacked(r, NULL);
}

Test(triage, R2_redirect_to_nhs_england_waits_for_permission_then_tells_the_complainant)
{
    char ref[64], json[512];
    s_submit("T-3", "\"services\": [\"specialised-cancer\"]", ref);
    cr_assert(s_state_becomes(ref, "awaiting-consent"), "went to NHS England without permission");
    snprintf(json, sizeof json, "{\"record_consent\": {\"complaint_ref\": \"%s\", \"consent\":"
                                " {\"given_by\": \"Mo Ali\", \"given_at\": \"2026-11-01\","
                                " \"share_with\": [\"NHSE\"]}}}", ref);
    Candour__V1__Reply *r = h_call_json(s_h, "intake", "ICB-QWE", json);
    cr_assert_null(r->error);
    candour__v1__reply__free_unpacked(r, NULL);
    cr_assert(s_state_becomes(ref, "redirected-to-nhse"));
    const char *p[1] = {ref};
    cr_assert(h_wait_for(s_h, "SELECT (delivered_at IS NOT NULL)::text FROM notify.letter WHERE"
                              " reference = $1 AND kind = 'triage-outcome'", 1, p, "true", 15000));
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM investigation.case WHERE reference = $1", 1, p), 0);
}

Test(triage, I5_a_matter_the_regulations_do_not_cover_is_recorded_and_told)
{
    char ref[64];
    s_submit("T-4", "\"services\": [\"acute-surgery\"], \"exclusion\": \"EXCLUSION_FOI\"", ref);
    cr_assert(s_state_becomes(ref, "not-required"));
    char *why = s_col(ref, "triage_reason");
    cr_assert(strstr(why, "8(1)(g)"), "%s", why);
    free(why);
    const char *p[1] = {ref};
    cr_assert(h_wait_for(s_h, "SELECT (delivered_at IS NOT NULL)::text FROM notify.letter WHERE"
                              " reference = $1 AND kind = 'triage-outcome'", 1, p, "true", 15000));
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM investigation.case WHERE reference = $1", 1, p), 0);
}

Test(triage, I6_an_eligibility_appeal_goes_to_the_appeals_route)
{
    char ref[64];
    s_submit("T-5", "\"chc_eligibility_appeal\": true", ref);
    cr_assert(s_state_becomes(ref, "appeal"));
    const char *p[1] = {ref};
    cr_assert(h_wait_for(s_h, "SELECT (delivered_at IS NOT NULL)::text FROM notify.letter WHERE"
                              " reference = $1 AND kind = 'triage-outcome'", 1, p, "true", 15000));
}

Test(triage, I3_a_late_complaint_waits_for_a_recorded_decision_accepted_or_declined)
{
    char ok[64], late[64], json[512];
    s_submit("T-6", "\"services\": [\"acute-surgery\"], \"event_date\": \"2020-01-10\"", ok);
    s_submit("T-7", "\"services\": [\"acute-surgery\"], \"event_date\": \"2019-03-01\"", late);
    cr_assert(s_state_becomes(ok, "out-of-time"));
    cr_assert(s_state_becomes(late, "out-of-time"));
    snprintf(json, sizeof json, "{\"acting\": \"%s\", \"decide_out_of_time\": {\"complaint_ref\":"
                                " \"%s\", \"accept\": true, \"reason\": \"\"}}", s_manager, ok);
    Candour__V1__Reply *r = h_call_json(s_h, "routing", NULL, json);
    cr_assert(r->error && strcmp(r->error->code, "REQUIRED") == 0, "a decision needs its reasons");
    candour__v1__reply__free_unpacked(r, NULL);
    /* Someone who is not the body's complaints manager may not decide. */
    char *investigator = h_staff(s_h, "ICB-QWE", "Ira Investigator", "Quality", "investigator");
    snprintf(json, sizeof json, "{\"acting\": \"%s\", \"decide_out_of_time\": {\"complaint_ref\":"
                                " \"%s\", \"accept\": true, \"reason\": \"In hospital for most of"
                                " the time; the records are still available.\"}}", investigator, ok);
    r = h_call_json(s_h, "routing", NULL, json);
    cr_assert(r->error && strcmp(r->error->code, "PERMISSION_DENIED") == 0 &&
                  strcmp(r->error->field, "acting") == 0,
              "an investigator decided: %s", r->error ? r->error->code : "accepted");
    candour__v1__reply__free_unpacked(r, NULL);
    free(investigator);
    snprintf(json, sizeof json, "{\"acting\": \"%s\", \"decide_out_of_time\": {\"complaint_ref\":"
                                " \"%s\", \"accept\": true, \"reason\": \"In hospital for most of"
                                " the time; the records are still available.\"}}", s_manager, ok);
    r = h_call_json(s_h, "routing", NULL, json);
    cr_assert_null(r->error, "%s", r->error ? r->error->message : "");
    candour__v1__reply__free_unpacked(r, NULL);
    cr_assert(s_state_becomes(ok, "under-investigation"), "an accepted late complaint goes ahead");
    snprintf(json, sizeof json, "{\"acting\": \"%s\", \"decide_out_of_time\": {\"complaint_ref\":"
                                " \"%s\", \"accept\": false, \"reason\": \"The staff and records"
                                " involved are no longer available.\"}}", s_manager, late);
    r = h_call_json(s_h, "routing", NULL, json);
    cr_assert_null(r->error, "%s", r->error ? r->error->message : "");
    candour__v1__reply__free_unpacked(r, NULL);
    cr_assert(s_state_becomes(late, "declined-out-of-time"));
    const char *p[1] = {late};
    cr_assert(h_wait_for(s_h, "SELECT (delivered_at IS NOT NULL)::text FROM notify.letter WHERE"
                              " reference = $1 AND kind = 'triage-outcome'", 1, p, "true", 15000));
    /* Deciding again is refused: it is no longer waiting. */
    r = h_call_json(s_h, "routing", NULL, json);
    cr_assert(r->error && strcmp(r->error->code, "FAILED_PRECONDITION") == 0);
    candour__v1__reply__free_unpacked(r, NULL);
}

/* bytes from lower-case hex (encode(..., 'hex')); malloc'd, *len set. */
static uint8_t *s_unhex(const char *hex, size_t *len)
{
    size_t n = strlen(hex) / 2;
    uint8_t *b = malloc(n ? n : 1);
    cr_assert(b);
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        cr_assert_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
        b[i] = (uint8_t)v;
    }
    *len = n;
    return b;
}

/* The events routing put because of ref's complaint.received, in outbox
 * order (the order each subscriber is sent them in): type, subscribers and
 * payload (hex) per row. Each must be caused by that event and carry its
 * correlation id. */
static PGresult *s_received_events(const char *ref)
{
    const char *p[1] = {ref};
    PGresult *r = PQexecParams(
        h_db(s_h),
        "SELECT o.type, (SELECT string_agg(d.subscriber, ',' ORDER BY d.subscriber)"
        "  FROM routing.outbox_delivery d WHERE d.seq = o.seq), encode(o.payload, 'hex')"
        " FROM routing.outbox o JOIN intake.outbox i ON i.type = 'complaint.received'"
        "  AND i.complaint_ref = o.complaint_ref AND o.causation_id = i.event_id::text"
        "  AND o.correlation_id = i.correlation_id"
        " WHERE o.complaint_ref = $1 ORDER BY o.seq",
        1, NULL, p, NULL, NULL, 0);
    cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK, "%s", PQresultErrorMessage(r));
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM routing.outbox o JOIN intake.outbox i"
                              " ON o.causation_id = i.event_id::text WHERE o.complaint_ref = $1"
                              " AND i.type = 'complaint.received'", 1, p),
                 PQntuples(r), "an event caused by complaint.received in another correlation");
    /* All put by one statement of one transaction (one command id). */
    cr_assert_eq(h_count(s_h, "SELECT count(DISTINCT (o.xmin::text, o.cmin::text))"
                              " FROM routing.outbox o JOIN intake.outbox i"
                              " ON o.causation_id = i.event_id::text WHERE o.complaint_ref = $1"
                              " AND i.type = 'complaint.received'", 1, p),
                 1, "the events of one decision were put by several statements");
    return r;
}

/* "type>subscribers type>subscribers ..." of s_received_events. */
static void s_sequence(PGresult *r, char *out, size_t len)
{
    out[0] = 0;
    for (int i = 0; i < PQntuples(r); i++)
        snprintf(out + strlen(out), len - strlen(out), "%s%s>%s", i ? " " : "",
                 PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
}

/* Row i's payload decoded as desc, as JSON (malloc'd). */
static char *s_payload(PGresult *r, int i, const ProtobufCMessageDescriptor *desc)
{
    size_t n;
    uint8_t *b = s_unhex(PQgetvalue(r, i, 2), &n);
    ProtobufCMessage *m = protobuf_c_message_unpack(desc, NULL, n, b);
    free(b);
    cr_assert(m, "event %d does not decode as %s", i, desc->name);
    char *json = cd_pbjson_dumps(m, 0);
    protobuf_c_message_free_unpacked(m, NULL);
    cr_assert(json);
    return json;
}

/* Row i's payload is want (JSON), its "at" (if any) left out of the comparison. */
static void s_payload_is(PGresult *r, int i, const ProtobufCMessageDescriptor *desc,
                         const char *want)
{
    char *json = s_payload(r, i, desc);
    char *at = strstr(json, ",\"at\":\"");
    if (at) {
        cr_assert(at[7] >= '0' && at[7] <= '9', "%s", json); /* an RFC 3339 time */
        char *end = strchr(at + 7, '"');
        memmove(at, end + 1, strlen(end + 1) + 1);
    }
    cr_assert_str_eq(json, want, "event %d", i);
    free(json);
}

Test(triage, the_events_of_one_decision_go_out_in_the_order_decided_with_their_ids_and_payloads)
{
    /* Coordinated, with consent from the start: the one complaint.received
     * decides the hand-over, the acknowledgement, the status and both
     * partners' requests at once. */
    char ref[64], seq[512], want[1024];
    s_submit("T-8", "\"services\": [\"acute-surgery\", \"asc-home-care\"], \"consents\":"
                    " [{\"given_by\": \"Mo Ali\", \"given_at\": \"2026-11-01\"}]", ref);
    cr_assert(s_state_becomes(ref, "under-investigation"));
    char *ack = s_col(ref, "ack_due"), *resp = s_col(ref, "response_due");
    const char *p[1] = {ref};
    char *due = h_scalar(s_h, "SELECT due::text FROM routing.deadline WHERE reference = $1"
                              " AND name = 'contribution' AND party = 'LA-XYZ'", 1, p);
    cr_assert(ack && resp && due);
    PGresult *r = s_received_events(ref);
    s_sequence(r, seq, sizeof seq);
    cr_assert_str_eq(seq, "complaint.routed>investigation,reporting letter.requested>notify"
                          " complaint.status_changed>intake,reporting"
                          " contribution.requested>intake"
                          " contribution.requested>intake");
    snprintf(want, sizeof want,
             "{\"org_id\":\"ICB-QWE\",\"handling_org\":\"ICB-QWE\",\"ack_due\":\"%s\","
             "\"response_due\":\"%s\",\"description\":\"What happened.\","
             "\"services\":[\"acute-surgery\",\"asc-home-care\"],"
             "\"partners\":[\"LA-XYZ\",\"TRUST-RXX\"],\"complainant_name\":\"Mo Ali\"}", ack,
             resp);
    s_payload_is(r, 0, &candour__v1__complaint_routed__descriptor, want);
    snprintf(want, sizeof want, "{\"kind\":\"acknowledgement\",\"response_due\":\"%s\","
                                "\"handler\":\"the complaints team\"}", resp);
    s_payload_is(r, 1, &candour__v1__letter_requested__descriptor, want);
    s_payload_is(r, 2, &candour__v1__status_changed__descriptor,
                 "{\"detail\":\"received; nothing holds it\",\"state\":\"COMPLAINT_STATE_RECEIVED\"}");
    for (int i = 3; i < 5; i++) {
        snprintf(want, sizeof want,
                 "{\"partner_org\":\"%s\",\"lead_org\":\"ICB-QWE\",\"due\":\"%s\","
                 "\"description\":\"What happened.\","
                 "\"services\":[\"acute-surgery\",\"asc-home-care\"]}",
                 i == 3 ? "LA-XYZ" : "TRUST-RXX", due);
        s_payload_is(r, i, &candour__v1__contribution_requested__descriptor, want);
    }
    PQclear(r);
    free(ack);
    free(resp);
    free(due);

    /* Not required (I5): no hand-over; the outcome letter follows the status. */
    s_submit("T-9", "\"services\": [\"acute-surgery\"], \"exclusion\": \"EXCLUSION_FOI\"", ref);
    cr_assert(s_state_becomes(ref, "not-required"));
    resp = s_col(ref, "response_due");
    r = s_received_events(ref);
    s_sequence(r, seq, sizeof seq);
    cr_assert_str_eq(seq, "letter.requested>notify complaint.status_changed>intake,reporting"
                          " letter.requested>notify");
    snprintf(want, sizeof want, "{\"kind\":\"acknowledgement\",\"response_due\":\"%s\","
                                "\"handler\":\"the complaints team\"}", resp);
    s_payload_is(r, 0, &candour__v1__letter_requested__descriptor, want);
    s_payload_is(r, 1, &candour__v1__status_changed__descriptor,
                 "{\"detail\":\"received; nothing holds it\",\"state\":\"COMPLAINT_STATE_NOT_REQUIRED\"}");
    s_payload_is(r, 2, &candour__v1__letter_requested__descriptor,
                 "{\"kind\":\"triage-outcome\",\"outcome\":\"not-required\",\"reason\":"
                 "\"a Freedom of Information request not complied with (reg. 8(1)(g))\","
                 "\"lead_org\":\"ICB-QWE\"}");
    PQclear(r);
    free(resp);
}
