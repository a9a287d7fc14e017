/* test_investigation_batch.c - investigation opens the cases of a burst of
 * complaint.routed in a batch (events_batch.c: one statement for the cases,
 * one for the case.opened events; issue 18), each case as one opened alone
 * is.
 *
 * Routing routes twelve complaints while investigation is down; it then
 * starts and routing's outbox sends the twelve together. A thirteenth
 * complaint, routed once all that is done, is opened alone: the control. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/client.h"
#include "candour/v1/api.pb-c.h"
#include "harness.h"

#define S_BURST 12

static char s_refs[S_BURST + 1][40];

static void s_submit(h_t *h, int i)
{
    char ext[32];
    snprintf(ext, sizeof ext, "IB-%02d", i);
    Candour__V1__Person p = CANDOUR__V1__PERSON__INIT;
    char *addr[] = {"4 Mill Lane", "York"};
    p.name = "Sam O'Neill";
    p.address_as = "Mx O'Neill";
    p.address = addr;
    p.n_address = 2;
    p.postcode = "YO1 7HH";
    char *staff[] = {"Dr Grey"};
    Candour__V1__Complaint c = CANDOUR__V1__COMPLAINT__INIT;
    c.external_ref = ext;
    c.channel = CANDOUR__V1__CHANNEL__CHANNEL_BUS;
    c.complainant = &p;
    c.description = "The discharge letter said \"no follow-up\"; I needed one, and waited weeks.";
    c.desired_outcome = "A follow-up appointment, and the letters checked.";
    c.staff_named = staff;
    c.n_staff_named = 1;
    c.event_date = "2026-06-01";
    Candour__V1__SubmitComplaint s = CANDOUR__V1__SUBMIT_COMPLAINT__INIT;
    s.complaint = &c;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.org_id = "ICB-IB";
    req.op_case = CANDOUR__V1__REQUEST__OP_SUBMIT;
    req.submit = &s;
    Candour__V1__Reply *r = h_call(h, "intake", "ICB-IB", &req);
    cr_assert(r && r->result_case == CANDOUR__V1__REPLY__RESULT_RECEIPT, "no receipt for %s", ext);
    snprintf(s_refs[i], sizeof s_refs[i], "%s", r->receipt->complaint_ref);
    candour__v1__reply__free_unpacked(r, NULL);
}

/* What investigation made of complaint ref, as one line of text: the case
 * (its id aside), its audit entry and the events it sent. */
static char *s_made(h_t *h, const char *ref)
{
    const char *v[1] = {ref};
    return h_scalar(h,
                    "SELECT concat_ws(' | ', c.state, c.org_id, c.description, c.desired_outcome,"
                    " c.partners::text, c.staff_named::text, c.teams_named::text,"
                    " c.complainant_name, c.address_as,"
                    " (SELECT string_agg(a.op || ':' || (a.row_data->>'case_id' = c.case_id::text),"
                    "  ',' ORDER BY a.seq) FROM investigation.audit a"
                    "  WHERE a.reference = c.reference AND a.table_name = 'case'),"
                    " (SELECT string_agg(o.type || ':' || (o.causation_id <> ''), ',' ORDER BY"
                    "  o.seq) FROM investigation.outbox o WHERE o.complaint_ref = c.reference))"
                    " FROM investigation.\"case\" c WHERE c.reference = $1",
                    1, v);
}

Test(investigation_batch, a_burst_of_routed_complaints_opens_each_case_as_alone, .timeout = 180)
{
    h_t *h = h_new("investigation_batch");
    h_org(h, "ICB-IB");
    cr_assert_eq(h_start(h, "intake"), 0);
    cr_assert_eq(h_start(h, "routing"), 0);
    for (int i = 0; i < S_BURST; i++)
        s_submit(h, i);
    cr_assert(h_wait_for(h, "SELECT count(*) FROM routing.outbox WHERE type = 'complaint.routed'",
                         0, NULL, "12", 60000),
              "routing did not route the twelve");
    cr_assert_eq(h_start(h, "investigation"), 0);
    cr_assert(h_wait_for(h, "SELECT count(*) FROM investigation.outbox WHERE type = 'case.opened'",
                         0, NULL, "12", 60000),
              "the twelve cases were not opened");
    cr_assert_geq(h_metric(h, "investigation", "candour_inbox_batches_total"), 1,
                  "investigation opened the cases one at a time");
    cr_assert_geq(h_metric(h, "investigation", "candour_inbox_batch_events_total"), 2);
    cr_assert_eq(h_metric(h, "investigation", "candour_inbox_batch_splits_total"), 0);

    s_submit(h, S_BURST); /* alone: nothing else is on its way */
    cr_assert(h_wait_for(h, "SELECT count(*) FROM investigation.outbox WHERE type = 'case.opened'",
                         0, NULL, "13", 30000));
    char *alone = s_made(h, s_refs[S_BURST]);
    cr_assert(alone && strstr(alone, "open | ICB-IB") && strstr(alone, "{\"Dr Grey\"}") &&
                  strstr(alone, "INSERT:true") && strstr(alone, "case.opened:true"),
              "%s", alone);
    for (int i = 0; i < S_BURST; i++) {
        char *made = s_made(h, s_refs[i]);
        cr_assert_str_eq(made, alone, "%s in the batch differs from one alone", s_refs[i]);
        free(made);
    }
    free(alone);
    cr_assert_eq(h_count(h, "SELECT count(DISTINCT case_id) FROM investigation.\"case\"", 0, NULL),
                 S_BURST + 1);
    cr_assert_eq(h_destroy(&h), 0);
}
