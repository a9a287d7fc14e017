/* test_routing_batch.c - routing applies a burst of complaint.received in a
 * batch (batch.c: one read, each decided as alone, one transaction for all
 * the writes; issue 18) and leaves each complaint as one applied alone
 * leaves it: its row, its four deadlines, one history line and the same
 * events sent on.
 *
 * Intake takes twelve complaints while routing is down; routing then starts
 * and intake's outbox sends the twelve together. A thirteenth, sent once the
 * twelve are in, is applied alone: the control. */
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
    snprintf(ext, sizeof ext, "RB-%02d", i);
    Candour__V1__Person p = CANDOUR__V1__PERSON__INIT;
    char *addr[] = {"1 High Street", "Leeds"};
    p.name = "Jane Patel";
    p.address_as = "Mrs Patel";
    p.address = addr;
    p.n_address = 2;
    p.postcode = "LS1 1AA";
    Candour__V1__Complaint c = CANDOUR__V1__COMPLAINT__INIT;
    c.external_ref = ext;
    c.channel = CANDOUR__V1__CHANNEL__CHANNEL_BUS;
    c.complainant = &p;
    c.description = "My father's continuing healthcare assessment was delayed by four months.";
    c.desired_outcome = "An explanation and an apology.";
    c.event_date = "2026-06-01";
    Candour__V1__SubmitComplaint s = CANDOUR__V1__SUBMIT_COMPLAINT__INIT;
    s.complaint = &c;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.org_id = "ICB-RB";
    req.op_case = CANDOUR__V1__REQUEST__OP_SUBMIT;
    req.submit = &s;
    Candour__V1__Reply *r = h_call(h, "intake", "ICB-RB", &req);
    cr_assert(r && r->result_case == CANDOUR__V1__REPLY__RESULT_RECEIPT, "no receipt for %s", ext);
    snprintf(s_refs[i], sizeof s_refs[i], "%s", r->receipt->complaint_ref);
    candour__v1__reply__free_unpacked(r, NULL);
}

/* A sum of one metric's samples on routing's /metrics. */
static long s_metric(h_t *h, const char *name)
{
    char *body = NULL;
    cr_assert_eq(h_http_get(h_admin_port(h, "routing"), "/metrics", &body), 200);
    long sum = 0;
    for (char *line = strtok(body, "\n"); line; line = strtok(NULL, "\n"))
        if (strncmp(line, name, strlen(name)) == 0 && line[strlen(name)] == ' ')
            sum += atol(line + strlen(name) + 1);
    free(body);
    return sum;
}

/* What routing made of complaint ref, as one line of text. */
static char *s_made(h_t *h, const char *ref)
{
    const char *v[1] = {ref};
    return h_scalar(h,
                    "SELECT concat_ws(' | ', c.state, c.ack, c.ack_due - c.received_at::date,"
                    " c.response_due - c.received_at::date, c.holds::text,"
                    " (SELECT string_agg(d.name || '+' || (d.due - c.received_at::date), ','"
                    "  ORDER BY d.name) FROM routing.deadline d WHERE d.reference = c.reference),"
                    " (SELECT string_agg(hh.event, ',' ORDER BY hh.id) FROM routing.history hh"
                    "  WHERE hh.reference = c.reference),"
                    " (SELECT string_agg(o.type, ',' ORDER BY o.seq) FROM routing.outbox o"
                    "  WHERE o.complaint_ref = c.reference))"
                    " FROM routing.complaint c WHERE c.reference = $1",
                    1, v);
}

Test(routing_batch, a_burst_is_applied_in_a_batch_as_each_would_be_alone, .timeout = 120)
{
    h_t *h = h_new("routing_batch");
    h_org(h, "ICB-RB");
    cr_assert_eq(h_start(h, "intake"), 0);
    for (int i = 0; i < S_BURST; i++)
        s_submit(h, i);
    cr_assert_eq(h_start(h, "routing"), 0);
    cr_assert(h_wait_for(h, "SELECT count(*) FROM routing.complaint", 0, NULL, "12", 60000),
              "the burst was not routed");
    cr_assert_geq(s_metric(h, "candour_inbox_batches_total"), 1,
                  "routing applied the burst one event at a time");
    cr_assert_geq(s_metric(h, "candour_inbox_batch_events_total"), 2);

    s_submit(h, S_BURST); /* alone: nothing else is on its way */
    cr_assert(h_wait_for(h, "SELECT count(*) FROM routing.complaint", 0, NULL, "13", 30000));
    char *alone = s_made(h, s_refs[S_BURST]);
    cr_assert(alone && strstr(alone, "complaint.received") && strstr(alone, "acknowledgement+"),
              "%s", alone);
    for (int i = 0; i < S_BURST; i++) {
        char *made = s_made(h, s_refs[i]);
        cr_assert_str_eq(made, alone, "%s in the batch differs from one alone", s_refs[i]);
        free(made);
    }
    free(alone);
    cr_assert_eq(h_count(h,
                         "SELECT count(*) FROM routing.history WHERE event ="
                         " 'complaint.received'",
                         0, NULL),
                 S_BURST + 1, "a complaint.received was applied twice or not at all");
    cr_assert_eq(h_destroy(&h), 0);
}
