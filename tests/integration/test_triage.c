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

static void s_setup(void)
{
    s_h = h_new("triage");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "CANDOUR_DB_URL='%s' '%s/services/candourctl' routes import '%s/deploy/routes.sample.csv' >/dev/null",
             h_db_url(s_h), CANDOUR_BUILD_DIR, CANDOUR_SOURCE_DIR);
    cr_assert_eq(system(cmd), 0, "routes import failed");
    h_org(s_h, "ICB-QWE");
    cr_assert_eq(h_start_all(s_h), 0);
}

static void s_teardown(void)
{
    cr_assert_eq(h_destroy(&s_h), 0);
}

TestSuite(triage, .init = s_setup, .fini = s_teardown, .timeout = 120);

static Candour__V1__Reply *s_send(const char *json)
{
    cd_pbjson_error_t perr;
    Candour__V1__Request *req = (Candour__V1__Request *)cd_pbjson_parse(
        &candour__v1__request__descriptor, json, strlen(json), &perr);
    cr_assert(req, "bad JSON: %s %s", perr.field, perr.message);
    cd_client_t *c = h_client(s_h, "ICB-QWE");
    Candour__V1__Reply *r = NULL;
    char err[256];
    cr_assert_eq(cd_client_call(c, req, 10000, &r, err, sizeof err), 0, "%s", err);
    cd_client_destroy(&c);
    candour__v1__request__free_unpacked(req, NULL);
    return r;
}

/* Submit with extra complaint fields; returns the reference in ref. */
static void s_submit(const char *ext, const char *extra, char *ref)
{
    char json[2048];
    snprintf(json, sizeof json,
             "{\"submit\": {\"complaint\": {\"external_ref\": \"%s\", \"channel\": \"CHANNEL_POST\","
             " \"complainant\": {\"name\": \"Mo Ali\", \"address\": [\"4 Elm Road\"]},"
             " \"description\": \"What happened.\"%s%s}}}",
             ext, extra[0] ? ", " : "", extra);
    Candour__V1__Reply *r = s_send(json);
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
    Candour__V1__Reply *r = s_send(json);
    cr_assert_null(r->error, "%s", r->error ? r->error->message : "");
    candour__v1__reply__free_unpacked(r, NULL);
    cr_assert(h_wait_for(s_h, "SELECT count(*)::text FROM routing.deadline WHERE reference = $1"
                              " AND name = 'contribution'", 1, p, "2", 15000),
              "no contribution deadlines for the two partners after consent");
    /* The routing status names the lead and the partners. */
    cd_client_t *c = cd_client_new(h_endpoint(s_h, "routing"));
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
    Candour__V1__Reply *r = s_send(json);
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

static Candour__V1__Reply *s_routing(const char *json)
{
    cd_pbjson_error_t perr;
    Candour__V1__Request *req = (Candour__V1__Request *)cd_pbjson_parse(
        &candour__v1__request__descriptor, json, strlen(json), &perr);
    cr_assert(req, "%s %s", perr.field, perr.message);
    cd_client_t *c = cd_client_new(h_endpoint(s_h, "routing"));
    Candour__V1__Reply *r = NULL;
    char err[256];
    cr_assert_eq(cd_client_call(c, req, 10000, &r, err, sizeof err), 0, "%s", err);
    cd_client_destroy(&c);
    candour__v1__request__free_unpacked(req, NULL);
    return r;
}

Test(triage, I3_a_late_complaint_waits_for_a_recorded_decision_accepted_or_declined)
{
    char ok[64], late[64], json[512];
    s_submit("T-6", "\"services\": [\"acute-surgery\"], \"event_date\": \"2020-01-10\"", ok);
    s_submit("T-7", "\"services\": [\"acute-surgery\"], \"event_date\": \"2019-03-01\"", late);
    cr_assert(s_state_becomes(ok, "out-of-time"));
    cr_assert(s_state_becomes(late, "out-of-time"));
    snprintf(json, sizeof json, "{\"decide_out_of_time\": {\"complaint_ref\": \"%s\","
                                " \"accept\": true, \"reason\": \"\", \"decided_by\": \"CM\"}}", ok);
    Candour__V1__Reply *r = s_routing(json);
    cr_assert(r->error && strcmp(r->error->code, "REQUIRED") == 0, "a decision needs its reasons");
    candour__v1__reply__free_unpacked(r, NULL);
    snprintf(json, sizeof json, "{\"decide_out_of_time\": {\"complaint_ref\": \"%s\","
                                " \"accept\": true, \"reason\": \"In hospital for most of the"
                                " time; the records are still available.\", \"decided_by\":"
                                " \"Complaints manager\"}}", ok);
    r = s_routing(json);
    cr_assert_null(r->error, "%s", r->error ? r->error->message : "");
    candour__v1__reply__free_unpacked(r, NULL);
    cr_assert(s_state_becomes(ok, "under-investigation"), "an accepted late complaint goes ahead");
    snprintf(json, sizeof json, "{\"decide_out_of_time\": {\"complaint_ref\": \"%s\","
                                " \"accept\": false, \"reason\": \"The staff and records involved"
                                " are no longer available.\", \"decided_by\": \"Complaints manager\"}}",
             late);
    r = s_routing(json);
    cr_assert_null(r->error, "%s", r->error ? r->error->message : "");
    candour__v1__reply__free_unpacked(r, NULL);
    cr_assert(s_state_becomes(late, "declined-out-of-time"));
    const char *p[1] = {late};
    cr_assert(h_wait_for(s_h, "SELECT (delivered_at IS NOT NULL)::text FROM notify.letter WHERE"
                              " reference = $1 AND kind = 'triage-outcome'", 1, p, "true", 15000));
    /* Deciding again is refused: it is no longer waiting. */
    r = s_routing(json);
    cr_assert(r->error && strcmp(r->error->code, "FAILED_PRECONDITION") == 0);
    candour__v1__reply__free_unpacked(r, NULL);
}
