/* test_routing_batch.c - routing applies a burst of complaint.received in a
 * batch (batch.c: one read, each decided as alone, one transaction for all
 * the writes; issue 18) and leaves each complaint as one applied alone
 * leaves it: its row, its four deadlines, one history line and the same
 * events sent on.
 *
 * Intake takes twelve complaints while routing is down; routing then starts
 * and intake's outbox sends the twelve together. Then twelve case.opened
 * (as investigation sends them) reach routing while it is stopped, and it
 * goes on with them all waiting: updates of rows it has. A thirteenth
 * complaint, received and opened once all that is done, goes through alone:
 * the control. */
#include <criterion/criterion.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "candour/client.h"
#include "candour/util.h"
#include "candour/v1/events.pb-c.h"
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

/* One case.opened about ref, as investigation sends it, packed into buf. */
static void s_case_opened(uint8_t **buf, size_t *len, const char *ref, char id[CD_UUID_LEN + 1])
{
    Candour__V1__CaseOpened co = CANDOUR__V1__CASE_OPENED__INIT;
    char case_id[48];
    snprintf(case_id, sizeof case_id, "CASE-%s", ref);
    co.case_id = case_id;
    cr_assert_eq(cd_uuid(id), 0);
    *buf = h_event_pack("case.opened", NULL, ref, id, "", &co.base, len);
}

/* A DEALER to routing's internal endpoint with investigation's key (the
 * suite's key files, as cd_keys_load reads them), its handshake done: a
 * request it cannot read is sent and answered first. */
static void *s_dealer_as_investigation(h_t *h, void *ctx)
{
    char path[512], secret[41], public[41], server[41];
    snprintf(path, sizeof path, "%s/investigation.key", h_keys_dir(h));
    char *k = h_read_file(path);
    snprintf(path, sizeof path, "%s/routing.pub", h_keys_dir(h));
    char *p = h_read_file(path);
    snprintf(secret, sizeof secret, "%.40s", k);
    snprintf(server, sizeof server, "%.40s", p);
    free(k);
    free(p);
    cr_assert_eq(zmq_curve_public(public, secret), 0);
    void *d = zmq_socket(ctx, ZMQ_DEALER);
    int linger = 0, timeout = 30000;
    zmq_setsockopt(d, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(d, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    cr_assert_eq(zmq_setsockopt(d, ZMQ_CURVE_SERVERKEY, server, 40), 0);
    cr_assert_eq(zmq_setsockopt(d, ZMQ_CURVE_PUBLICKEY, public, 40), 0);
    cr_assert_eq(zmq_setsockopt(d, ZMQ_CURVE_SECRETKEY, secret, 40), 0);
    cr_assert_eq(zmq_connect(d, h_endpoint(h, "routing")), 0);
    zmq_send(d, "REQ", 3, ZMQ_SNDMORE);
    zmq_send(d, "\xff\xff", 2, 0);
    char buf[512];
    cr_assert_gt(zmq_recv(d, buf, sizeof buf, 0), 0,
                 "routing did not answer the handshake's request");
    int more = 1;
    size_t sz = sizeof more;
    while (zmq_getsockopt(d, ZMQ_RCVMORE, &more, &sz) == 0 && more)
        zmq_recv(d, buf, sizeof buf, 0);
    return d;
}

/* The next answer on d: 1 an ACK, 0 anything else (or none in 30 s). */
static int s_acked(void *d)
{
    char buf[512];
    int n = zmq_recv(d, buf, sizeof buf, 0), ack = n == 3 && memcmp(buf, "ACK", 3) == 0;
    int more = 1;
    size_t sz = sizeof more;
    while (n >= 0 && zmq_getsockopt(d, ZMQ_RCVMORE, &more, &sz) == 0 && more)
        zmq_recv(d, buf, sizeof buf, 0);
    return ack;
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

Test(routing_batch, a_burst_is_applied_in_a_batch_as_each_would_be_alone, .timeout = 180)
{
    h_t *h = h_new("routing_batch");
    h_org(h, "ICB-RB");
    cr_assert_eq(h_start(h, "intake"), 0);
    for (int i = 0; i < S_BURST; i++)
        s_submit(h, i);
    cr_assert_eq(h_start(h, "routing"), 0);
    cr_assert(h_wait_for(h, "SELECT count(*) FROM routing.complaint", 0, NULL, "12", 60000),
              "the burst was not routed");
    cr_assert_geq(h_metric(h, "routing", "candour_inbox_batches_total"), 1,
                  "routing applied the burst one event at a time");
    cr_assert_geq(h_metric(h, "routing", "candour_inbox_batch_events_total"), 2);

    /* Then a burst about complaints routing has: routing is stopped
     * (SIGSTOP) while investigation's case.opened for each of the twelve
     * are sent, on one connection, and goes on with all of them waiting
     * (each row updated as for one event). */
    long before = h_metric(h, "routing", "candour_inbox_batches_total");
    void *ctx = zmq_ctx_new();
    void *d = s_dealer_as_investigation(h, ctx);
    cr_assert_eq(kill(h_pid(h, "routing"), SIGSTOP), 0);
    for (int i = 0; i < S_BURST; i++) {
        uint8_t *buf = NULL;
        size_t len = 0;
        char id[CD_UUID_LEN + 1];
        s_case_opened(&buf, &len, s_refs[i], id);
        zmq_send(d, "EVT", 3, ZMQ_SNDMORE);
        cr_assert_eq(zmq_send(d, buf, len, 0), (int)len);
        free(buf);
    }
    usleep(300 * 1000); /* all twelve on their way, waiting for routing */
    cr_assert_eq(kill(h_pid(h, "routing"), SIGCONT), 0);
    for (int i = 0; i < S_BURST; i++)
        cr_assert(s_acked(d), "a case.opened was not acknowledged");
    zmq_close(d);
    zmq_ctx_term(ctx);
    cr_assert_gt(h_metric(h, "routing", "candour_inbox_batches_total"), before,
                 "routing applied the openings one at a time");

    s_submit(h, S_BURST); /* alone: nothing else is on its way */
    cr_assert(h_wait_for(h, "SELECT count(*) FROM routing.complaint", 0, NULL, "13", 30000));
    Candour__V1__CaseOpened co = CANDOUR__V1__CASE_OPENED__INIT;
    co.case_id = "CASE-ALONE";
    char id[CD_UUID_LEN + 1] = "";
    cr_assert_eq(h_send_event(h, "routing", "case.opened", s_refs[S_BURST], &co.base, id, 30000),
                 1);
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
