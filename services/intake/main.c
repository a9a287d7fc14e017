/* candour-intake - the front door: takes complaints from the bus, checks
 * them, stores them and answers with a receipt only after the commit.
 *
 * Group commit: submissions that arrive while a transaction is running wait
 * in `pending` and go together in the next one, so under load one commit
 * (one fsync) carries many complaints. A batch that fails as a whole is
 * retried one complaint per transaction, so one bad row cannot sink others. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/error.h"
#include "candour/calendar.h"
#include "candour/log.h"
#include "candour/metrics.h"
#include "candour/pb.h"
#include "candour/pbjson.h"
#include "candour/service.h"
#include "candour/util.h"
#include "candour/v1/events.pb-c.h"
#include "validate.h"

#define IN_MAX_BATCH 200

static const char *const s_subscribers[] = {"routing", "notify", NULL};
static const char *const s_received_to[] = {"routing", "notify", NULL};

/* One submission waiting for its commit. */
typedef struct in_item_t {
    cd_request_t *req;
    Candour__V1__Complaint *complaint;   /* owned copy, received_at set */
    char org[IN_MAX_ORG + 1];
    char reference[14];
    char received_at[32];
    int alone;                           /* retry in a transaction of its own */
    struct in_item_t *next;
} in_item_t;

typedef struct {
    cd_service_t *svc;
    in_item_t *pending, *pending_tail;
    int npending;
    int busy;                 /* a batch transaction is running */
    cd_metric_t *m_received, *m_rejected, *m_duplicates, *m_batches;
} intake_t;

static intake_t s_app;

/* ---------------------------------------------------------------- replies */

static void s_item_free(in_item_t *it)
{
    if (it->complaint)
        candour__v1__complaint__free_unpacked(it->complaint, NULL);
    free(it);
}

static void s_reply_receipt(in_item_t *it, const char *reference, const char *received_at,
                            int duplicate)
{
    Candour__V1__Receipt receipt = CANDOUR__V1__RECEIPT__INIT;
    receipt.complaint_ref = (char *)reference;
    receipt.received_at = (char *)received_at;
    receipt.duplicate = duplicate;
    Candour__V1__Reply reply = CANDOUR__V1__REPLY__INIT;
    reply.result_case = CANDOUR__V1__REPLY__RESULT_RECEIPT;
    reply.receipt = &receipt;
    cd_request_reply(cd_service_inbox(s_app.svc), it->req, &reply);
    it->req = NULL;
}

/* ---------------------------------------------------------------- batches */

static void s_flush(void);

/* The three statements of one submission; the outbox put only when this
 * transaction inserted the row (a repeat inserts nothing and sends nothing). */
static int s_add_item(cd_tx_t *tx, in_item_t *it)
{
    char *json = cd_pbjson_dumps(&it->complaint->base, 0);
    if (!json)
        return -1;
    const ProtobufCEnumValue *ch = protobuf_c_enum_descriptor_get_value(
        &candour__v1__channel__descriptor, it->complaint->channel);
    const char *v1[6] = {it->reference, it->org, it->complaint->external_ref, ch->name,
                         it->received_at, json};
    int rc = cd_tx_add(tx,
                       "INSERT INTO intake.complaint (reference, org_id, external_ref, channel,"
                       " received_at, body) VALUES ($1, $2, $3, $4, $5::timestamptz, $6::jsonb)"
                       " ON CONFLICT (org_id, external_ref) DO NOTHING",
                       6, v1);
    free(json);
    Candour__V1__ComplaintReceived ev = CANDOUR__V1__COMPLAINT_RECEIVED__INIT;
    ev.org_id = it->org;
    ev.complaint = it->complaint;
    cd_event_out_t out = {.type = "complaint.received", .complaint_ref = it->reference,
                          .payload = &ev.base, .subscribers = s_received_to};
    if (rc == 0)
        rc = cd_outbox_put(cd_service_outbox(s_app.svc), tx, &out,
                           "EXISTS (SELECT 1 FROM intake.complaint WHERE reference = $G)",
                           it->reference);
    const char *v3[2] = {it->org, it->complaint->external_ref};
    if (rc == 0)
        rc = cd_tx_add(tx,
                       "SELECT reference, to_char(received_at AT TIME ZONE 'UTC',"
                       " 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM intake.complaint"
                       " WHERE org_id = $1 AND external_ref = $2",
                       2, v3);
    return rc;
}

static void s_on_batch(const cd_tx_result_t *res, void *arg)
{
    in_item_t *batch = arg;
    s_app.busy = 0;
    int i = 0, sent = 0;
    in_item_t *it = batch, *next;
    if (res->err == CD_EDB && batch && batch->next) {
        /* Retry each alone: only the bad one fails then. */
        for (; it; it = next) {
            next = it->next;
            it->next = s_app.pending;
            s_app.pending = it;
            if (!s_app.pending_tail)
                s_app.pending_tail = it;
            s_app.npending++;
            it->alone = 1;
        }
        s_flush();
        return;
    }
    for (; it; it = next, i++) {
        next = it->next;
        PGresult *r = res->err == 0 ? res->results[i * 3 + 2] : NULL;
        if (r && PQntuples(r) == 1) {
            const char *ref = PQgetvalue(r, 0, 0);
            int dup = strcmp(ref, it->reference) != 0;
            cd_metric_add(dup ? s_app.m_duplicates : s_app.m_received, 1);
            cd_log_info(dup ? "complaint.duplicate" : "complaint.stored",
                        "{s:s, s:s}", "reference", ref, "org_id", it->org);
            s_reply_receipt(it, ref, PQgetvalue(r, 0, 1), dup);
            sent += !dup;
        } else {
            /* Not committed (database down, or a concurrent twin not yet
             * visible): no receipt; the sender retries with the same ref. */
            cd_log_warn("complaint.not_stored", "{s:s, s:s}", "org_id", it->org, "reason",
                        res->err ? res->message : "not visible yet");
            cd_request_fail(cd_service_inbox(s_app.svc), it->req, "UNAVAILABLE", "",
                            "the complaint could not be stored just now; nothing was kept."
                            " Send it again with the same external_ref");
            it->req = NULL;
        }
        s_item_free(it);
    }
    if (sent)
        cd_service_kick(s_app.svc);
    s_flush();
}

/* Start the next batch if none is running. */
static void s_flush(void)
{
    if (s_app.busy || !s_app.pending)
        return;
    cd_tx_t *tx = cd_tx_new();
    if (!tx)
        return;
    in_item_t *head = NULL, *tail = NULL;
    int n = 0, alone = s_app.pending->alone;
    while (s_app.pending && n < IN_MAX_BATCH) {
        in_item_t *it = s_app.pending;
        if (n > 0 && (alone || it->alone))
            break;
        s_app.pending = it->next;
        s_app.npending--;
        it->next = NULL;
        if (in_new_reference(it->reference) != 0 || s_add_item(tx, it) != 0) {
            cd_request_fail(cd_service_inbox(s_app.svc), it->req, "INTERNAL", "",
                            "the complaint could not be prepared; nothing was kept");
            s_item_free(it);
            continue;
        }
        if (tail)
            tail->next = it;
        else
            head = it;
        tail = it;
        n++;
    }
    if (!s_app.pending)
        s_app.pending_tail = NULL;
    if (!head) {
        cd_tx_destroy(&tx);
        return;
    }
    s_app.busy = 1;
    cd_metric_add(s_app.m_batches, 1);
    cd_db_submit(cd_service_db(s_app.svc), tx, s_on_batch, head);
}

/* ---------------------------------------------------------------- requests */

static int32_t s_today(void)
{
    return cd_date_to_days(cd_date_from_unix_london(cd_now_us() / 1000000));
}

static void s_submit(cd_inbox_t *in, cd_request_t *req, const Candour__V1__Request *r)
{
    in_error_t err;
    const Candour__V1__Complaint *c = r->submit->complaint;
    if (in_validate_org(r->org_id, &err) != 0 ||
        in_validate_complaint(c, s_today(), &err) != 0) {
        cd_metric_add(s_app.m_rejected, 1);
        cd_request_fail(in, req, err.code, err.field, err.message);
        return;
    }
    in_item_t *it = calloc(1, sizeof *it);
    if (!it) {
        cd_request_fail(in, req, "INTERNAL", "", "out of memory; nothing was kept");
        return;
    }
    /* An owned copy (the request is freed when this handler returns), with
     * the time of receipt that the deadlines count from. */
    it->complaint = (Candour__V1__Complaint *)cd_pb_clone(&c->base);
    if (!it->complaint) {
        free(it);
        cd_request_fail(in, req, "INTERNAL", "", "out of memory; nothing was kept");
        return;
    }
    cd_format_rfc3339(cd_now_us(), it->received_at);
    /* An absent string field points at protobuf-c's shared "" (not malloc'd). */
    if (it->complaint->received_at != protobuf_c_empty_string)
        free(it->complaint->received_at);
    it->complaint->received_at = strdup(it->received_at);
    snprintf(it->org, sizeof it->org, "%s", r->org_id);
    it->req = req;
    if (s_app.pending_tail)
        s_app.pending_tail->next = it;
    else
        s_app.pending = it;
    s_app.pending_tail = it;
    s_app.npending++;
    s_flush();
}

static void s_on_request(cd_inbox_t *in, cd_request_t *req, const Candour__V1__Request *r,
                         void *arg)
{
    if (cd_service_stopping(s_app.svc)) {
        cd_request_fail(in, req, "UNAVAILABLE", "", "intake is stopping; send it again shortly");
        return;
    }
    switch (r->op_case) {
    case CANDOUR__V1__REQUEST__OP_SUBMIT:
        s_submit(in, req, r);
        break;
    default:
        cd_request_fail(in, req, "UNSUPPORTED", "op",
                        "intake takes SubmitComplaint; ask routing or the gateway for status");
    }
}

int main(int argc, char **argv)
{
    cd_service_spec_t spec = {
        .name = "intake",
        .summary = "takes complaints from the bus, stores them, answers with a receipt",
        .bind_port = 7100,
        .admin_port = 9100,
        .subscribers = s_subscribers,
        .on_request = s_on_request,
        .arg = &s_app,
    };
    int code = 0;
    s_app.svc = cd_service_new(&spec, argc, argv, &code);
    if (!s_app.svc)
        return code;
    s_app.m_received = cd_metric_counter("candour_complaints_received_total", NULL, "Complaints stored.");
    s_app.m_rejected = cd_metric_counter("candour_complaints_rejected_total", NULL, "Submissions refused with a typed error.");
    s_app.m_duplicates = cd_metric_counter("candour_complaints_duplicate_total", NULL, "Repeated submissions answered with the first receipt.");
    s_app.m_batches = cd_metric_counter("candour_intake_batches_total", NULL, "Group-commit transactions.");
    code = cd_service_run(s_app.svc);
    cd_service_destroy(&s_app.svc);
    cd_zmq_ctx_term();
    return code;
}
