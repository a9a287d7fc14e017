/* test_intake_status.c - intake's view of where a complaint stands, from the
 * complaint.status_changed events routing sends it: each is recorded for
 * the submitting organisation, in order, and moves the complaint's state,
 * except that a withdrawn complaint stays withdrawn; one about a complaint
 * intake does not know is left for the resend, recording nothing. Intake is
 * sent the events directly, as routing's outbox would send them. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/lifecycle.h"
#include "candour/util.h"
#include "candour/v1/events.pb-c.h"
#include "harness.h"

static h_t *s_h;

static void s_setup(void)
{
    s_h = h_new("intake_status");
    h_org(s_h, "ICB-S");
    cr_assert_eq(h_start(s_h, "intake"), 0); /* alone: no routing to answer for it */
}

static void s_teardown(void)
{
    cr_assert_eq(h_destroy(&s_h), 0, "intake did not exit 0 on SIGTERM");
}

TestSuite(intake_status, .init = s_setup, .fini = s_teardown, .timeout = 60);

static void s_submit(const char *ext, char *ref)
{
    char json[512];
    snprintf(json, sizeof json,
             "{\"submit\": {\"complaint\": {\"external_ref\": \"%s\", \"channel\": \"CHANNEL_EMAIL\","
             " \"complainant\": {\"name\": \"Sam Hill\", \"email\": \"sam@example.org\"},"
             " \"description\": \"The clinic closed early.\"}}}",
             ext);
    Candour__V1__Reply *r = h_call_json(s_h, "intake", "ICB-S", json);
    cr_assert(r->receipt, "%s", r->error ? r->error->message : "");
    snprintf(ref, 64, "%s", r->receipt->complaint_ref);
    candour__v1__reply__free_unpacked(r, NULL);
}

/* Send complaint.status_changed about ref as routing would, with event id
 * id (a new one when id is empty; written back). Returns 1 when intake
 * acknowledged it, 0 when no answer came (the event was left for a resend). */
static int s_status(const char *ref, const char *state, const char *detail, char *id)
{
    Candour__V1__StatusChanged sc = CANDOUR__V1__STATUS_CHANGED__INIT;
    sc.state = cd_state_from_name(state);
    sc.detail = (char *)detail;
    sc.at = "2026-11-02T10:00:00Z";
    int rc = h_send_event(s_h, "intake", "complaint.status_changed", ref, &sc.base, id, 3000);
    cr_assert_neq(rc, -1, "intake answered, but not with an ACK: %s", h_event_nak(s_h));
    return rc == 1;
}

static char *s_col(const char *ref, const char *expr)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT (%s)::text FROM intake.complaint WHERE reference = $1", expr);
    const char *p[1] = {ref};
    return h_scalar(s_h, sql, 1, p);
}

static void s_col_is(const char *ref, const char *expr, const char *want)
{
    char *got = s_col(ref, expr);
    cr_assert(got);
    cr_assert_str_eq(got, want, "%s", expr);
    free(got);
}

Test(intake_status, each_change_is_recorded_in_order_and_moves_the_state_until_withdrawn)
{
    char ref[64], other[64], id[CD_UUID_LEN + 1] = "";
    s_submit("ST-1", ref);
    s_submit("ST-2", other);
    const char *p[1] = {ref};
    s_col_is(ref, "state", "received");
    s_col_is(ref, "triaged", "false");

    cr_assert(s_status(ref, "awaiting-consent", "received; held: awaiting-consent", id));
    s_col_is(ref, "state", "awaiting-consent");
    s_col_is(ref, "triaged", "false"); /* a hold is not a triage */
    /* A resend of the same event changes nothing. */
    cr_assert(s_status(ref, "awaiting-consent", "received; held: awaiting-consent", id));
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM intake.status_change WHERE reference = $1",
                         1, p), 1);

    id[0] = 0;
    cr_assert(s_status(ref, "under-investigation", "investigation case opened", id));
    s_col_is(ref, "state", "under-investigation");
    s_col_is(ref, "triaged", "true");
    id[0] = 0;
    cr_assert(s_status(ref, "awaiting-consent", "amended", id));
    s_col_is(ref, "state", "awaiting-consent");
    s_col_is(ref, "triaged", "true"); /* triaged once, triaged for good */

    /* Withdrawn: later changes are still recorded, the state stays. */
    char json[256];
    snprintf(json, sizeof json, "{\"withdraw\": {\"complaint_ref\": \"%s\", \"reason\": \"Sorted.\"}}",
             ref);
    char *before = h_scalar(s_h, "SELECT max(seq)::text FROM intake.audit", 0, NULL);
    Candour__V1__Reply *r = h_call_json(s_h, "intake", "ICB-S", json);
    cr_assert_null(r->error, "%s", r->error ? r->error->message : "");
    candour__v1__reply__free_unpacked(r, NULL);
    s_col_is(ref, "state", "withdrawn");
    s_col_is(ref, "version", "2");
    /* The row and the change's own record, audited in that order. */
    const char *pb[2] = {ref, before};
    char *audit = h_scalar(s_h, "SELECT string_agg(table_name || ':' || op || ':'"
                                " || coalesce(row_data->>'action', row_data->>'state'), ','"
                                " ORDER BY seq) FROM intake.audit WHERE reference = $1"
                                " AND seq > $2::bigint", 2, pb);
    cr_assert_str_eq(audit, "complaint:UPDATE:withdrawn,change:INSERT:withdraw");
    free(audit);
    free(before);
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM intake.change WHERE reference = $1"
                              " AND org_id = 'ICB-S' AND action = 'withdraw'"
                              " AND body->>'reason' = 'Sorted.'", 1, p), 1);
    char *updated = s_col(ref, "updated_at");
    long audited = h_count(s_h, "SELECT count(*) FROM intake.audit WHERE reference = $1"
                                " AND table_name = 'complaint'", 1, p);
    id[0] = 0;
    cr_assert(s_status(ref, "response-sent", "the response sent", id));
    s_col_is(ref, "state", "withdrawn");
    s_col_is(ref, "updated_at", updated);
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM intake.audit WHERE reference = $1"
                              " AND table_name = 'complaint'", 1, p),
                 audited, "a withdrawn complaint's row was written");
    free(updated);

    /* Every change, for the submitting organisation, in the order it came. */
    char *states = h_scalar(s_h, "SELECT string_agg(state || '/' || detail || '/' || org_id || '/'"
                                 " || to_char(at AT TIME ZONE 'UTC', 'HH24:MI'), ', ' ORDER BY seq)"
                                 " FROM intake.status_change WHERE reference = $1", 1, p);
    cr_assert_str_eq(states, "awaiting-consent/received; held: awaiting-consent/ICB-S/10:00,"
                             " under-investigation/investigation case opened/ICB-S/10:00,"
                             " awaiting-consent/amended/ICB-S/10:00,"
                             " response-sent/the response sent/ICB-S/10:00");
    free(states);
    /* Each applied once, each with its event's id. */
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM intake.status_change s JOIN intake.inbox i"
                              " USING (event_id) WHERE s.reference = $1", 1, p), 4);
    /* Only the complaint the events were about. */
    const char *po[1] = {other};
    s_col_is(other, "state", "received");
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM intake.status_change WHERE reference = $1",
                         1, po), 0);
}

Test(intake_status, a_change_to_a_complaint_intake_does_not_know_records_nothing)
{
    char id[CD_UUID_LEN + 1] = "";
    cr_assert_not(s_status("CDR-NONE-NONE", "received", "received", id),
                  "acknowledged a change to a complaint intake does not know");
    const char *p[1] = {id};
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM intake.status_change", 0, NULL), 0);
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM intake.inbox WHERE event_id = $1::uuid", 1, p),
                 0);
}
