/* submit.c - SubmitComplaint: validated, classified, then stored with its
 * event by group commit, and the receipt sent only after the commit.
 *
 * Group commit: submissions that arrive while a transaction is running wait
 * in `pending` and go together in the next one, so under load one commit
 * (one fsync) carries many complaints. The batch is set-based: three
 * statements whatever its size (the rows, their events, the receipts), each
 * taking the whole batch as one JSON array. A batch that fails as a whole is
 * retried one complaint per transaction, so one bad row cannot sink others.
 * Batches go on a connection of their own (spec.first_db), so a receipt never
 * waits behind the status events intake is applying.
 *
 * Complaints entered by staff (EnterComplaint, entry.c) come the same way,
 * with the day they were received and the person who entered them: a batch
 * holds the work of one person at most (organisations' submissions have
 * none), so the audit trail names them on their rows alone (cd_tx_actor). */
#include <assert.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/directory.h"
#include "candour/errcode.h"
#include "candour/error.h"
#include "candour/lifecycle.h"
#include "candour/log.h"
#include "candour/pb.h"
#include "candour/pbjson.h"
#include "candour/util.h"
#include "candour/v1/events.pb-c.h"
#include "candour/zap.h"
#include "intake.h"

/* One submission waiting for its commit. */
typedef struct in_item_t {
    cd_request_t *req;
    Candour__V1__Complaint *complaint; /* owned copy, received_at set */
    in_class_t klass;
    char org[IN_MAX_ORG + 1];
    char key[48];
    char reference[14];
    char received_at[32];
    char entered_by[CD_STAFF_ID_MAX + 1]; /* staff id of the person who entered it, "" */
    char actor[CD_ACTOR_LABEL_MAX];       /* ... as the audit trail names them, "" */
    int web;                              /* from the body's own web form (the gateway) */
    int alone;                            /* retry in a transaction of its own */
    uint64_t queued_ns;                   /* when it joined `pending` (uv_hrtime) */
    struct in_item_t *next;
} in_item_t;

static void s_item_free(in_item_t *it)
{
    if (it->complaint)
        candour__v1__complaint__free_unpacked(it->complaint, NULL);
    free(it);
}

static void s_reply_receipt(in_item_t *it, PGresult *r, int row, int dup)
{
    Candour__V1__Receipt receipt = CANDOUR__V1__RECEIPT__INIT;
    receipt.complaint_ref = PQgetvalue(r, row, 0);
    receipt.received_at = PQgetvalue(r, row, 1);
    receipt.duplicate = dup;
    const ProtobufCEnumValue *cls = protobuf_c_enum_descriptor_get_value_by_name(
        &candour__v1__classification__descriptor, PQgetvalue(r, row, 2));
    receipt.classification = cls ? (Candour__V1__Classification)cls->value
                                 : CANDOUR__V1__CLASSIFICATION__CLASSIFICATION_COMPLAINT;
    in_class_t k;
    in_holds_parse(PQgetvalue(r, row, 3), &k);
    receipt.n_holds = (size_t)k.nholds;
    receipt.holds = k.holds;
    Candour__V1__Reply reply = CANDOUR__V1__REPLY__INIT;
    reply.result_case = CANDOUR__V1__REPLY__RESULT_RECEIPT;
    reply.receipt = &receipt;
    cd_request_reply(it->req, &reply);
    it->req = NULL;
}

static void s_flush(void);

/* The batch's rows, in batch order: the submission as it is stored, with the
 * key that sent it, or the staff member who entered it (n is each one's place
 * in the array). */
#define IN_BATCH_ROWS                                                                              \
    "jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(j, n), jsonb_to_record(e.j) AS s("       \
    "reference text, org_id text, external_ref text, channel text, received_at timestamptz,"       \
    " body jsonb, classification text, holds text[], state text, key text, entered_by text,"       \
    " web boolean)"
/* A staff entry has no key: the person was checked against the directory
 * when it arrived (entry.c). Nor has a web form's: the gateway sends it, for
 * a body Candour knows. */
#define IN_BATCH_LIVE_KEY                                                                          \
    "(s.entered_by IS NOT NULL OR (coalesce(s.web, false) AND EXISTS (SELECT 1 FROM"               \
    " intake.organisation o WHERE o.org_id = s.org_id)) OR " IN_LIVE_KEY("s.key", "s.org_id") ")"

/* 1: the rows sent with a live key; a repeat - of an earlier complaint, or of
 * one earlier in this batch (ON CONFLICT sees this statement's own rows, and
 * they go in batch order) - inserts nothing. */
#define IN_SQL_INSERT                                                                              \
    "INSERT INTO intake.complaint (reference, org_id, external_ref, channel, received_at, body,"   \
    " classification, holds, state, entered_by)"                                                   \
    " SELECT s.reference, s.org_id, s.external_ref, s.channel, s.received_at, s.body,"             \
    " s.classification, s.holds, s.state, s.entered_by FROM " IN_BATCH_ROWS                        \
    " WHERE " IN_BATCH_LIVE_KEY " ORDER BY e.n ON CONFLICT (org_id, external_ref) DO NOTHING"

/* 2: each submission's event, put only if its new reference was stored, that
 * is, by this transaction (references are new for each attempt). */
#define IN_GUARD_STORED "EXISTS (SELECT 1 FROM intake.complaint c WHERE c.reference = $G)"

/* 3: what each receipt says, one row per submission in batch order: the
 * complaint under its org and external_ref (the first one's, for a repeat;
 * NULLs when there is none) and whether the key is live. */
#define IN_SQL_RECEIPTS                                                                            \
    "SELECT c.reference, " IN_TS(                                                                  \
        "c.received_at") ", c.classification, c.holds, " IN_BATCH_LIVE_KEY " FROM " IN_BATCH_ROWS  \
                         " LEFT JOIN intake.complaint c"                                           \
                         " ON c.org_id = s.org_id AND c.external_ref = s.external_ref ORDER BY "   \
                         "e.n"
#define IN_STMT_RECEIPTS 2
/* ... after the two that name the person acting, in a batch of theirs. */
#define IN_STMT_RECEIPTS_OF(batch) (IN_STMT_RECEIPTS + ((batch) && (batch)->actor[0] ? 2 : 0))

/* One submission as the INSERT stores it. NULL when out of memory. */
static json_t *s_item_row_full(const in_item_t *it)
{
    const ProtobufCEnumValue *ch = protobuf_c_enum_descriptor_get_value(
        &candour__v1__channel__descriptor, it->complaint->channel);
    const ProtobufCEnumValue *cls = protobuf_c_enum_descriptor_get_value(
        &candour__v1__classification__descriptor, it->klass.classification);
    json_t *holds = json_array();
    for (int i = 0; holds && i < it->klass.nholds; i++)
        if (json_array_append_new(holds, json_string(in_hold_name(it->klass.holds[i]))) != 0) {
            json_decref(holds);
            holds = NULL;
        }
    /* "o" takes its value's reference, even when json_pack fails (jansson >= 2.11). */
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:o, s:s, s:s}", "reference",
                     it->reference, "org_id", it->org, "external_ref", it->complaint->external_ref,
                     "channel", ch->name, "received_at", it->received_at, "body",
                     cd_pbjson_from_message(&it->complaint->base), "classification", cls->name,
                     "holds", holds, "state", in_initial_state(&it->klass), "key", it->key);
}

/* One submission as a row of the batch's document: in full for the INSERT,
 * or only what finds the complaint and checks the key, for the receipts;
 * with the person who entered it, for a staff entry (a submission's row
 * leaves it out: NULL). NULL when out of memory. */
static json_t *s_item_row(const in_item_t *it, int full)
{
    json_t *row = full ? s_item_row_full(it)
                       : json_pack("{s:s, s:s, s:s}", "org_id", it->org, "external_ref",
                                   it->complaint->external_ref, "key", it->key);
    if (row && it->entered_by[0] &&
        json_object_set_new(row, "entered_by", json_string(it->entered_by)) != 0) {
        json_decref(row);
        row = NULL;
    }
    if (row && it->web && json_object_set_new(row, "web", json_true()) != 0) {
        json_decref(row);
        row = NULL;
    }
    return row;
}

/* The batch as one JSON array (text, malloc'd), or NULL. */
static char *s_batch_doc(const in_item_t *batch, int full)
{
    json_t *doc = json_array();
    int bad = !doc;
    for (const in_item_t *it = batch; it && !bad; it = it->next)
        bad = json_array_append_new(doc, s_item_row(it, full)) != 0;
    char *text = bad ? NULL : json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    return text;
}

/* The three statements of a batch of n, whatever n: the rows (only with a
 * live key; a repeat inserts nothing), their events (only for the rows this
 * transaction inserted), and what each receipt says. A staff member's batch
 * names them for its rows (two statements more, around the INSERT). */
static int s_add_batch(cd_tx_t *tx, const in_item_t *batch, int n)
{
    int rc = CD_ENOMEM;
    char *rows = s_batch_doc(batch, 1), *who = s_batch_doc(batch, 0);
    Candour__V1__ComplaintReceived *evs = calloc((size_t)n, sizeof *evs);
    cd_event_out_t *outs = calloc((size_t)n, sizeof *outs);
    const char **refs = calloc((size_t)n, sizeof *refs);
    if (rows && who && evs && outs && refs) {
        int i = 0;
        for (const in_item_t *it = batch; it; it = it->next, i++) {
            candour__v1__complaint_received__init(&evs[i]);
            evs[i].org_id = (char *)it->org;
            evs[i].complaint = it->complaint;
            evs[i].classification = it->klass.classification;
            evs[i].n_holds = (size_t)it->klass.nholds;
            evs[i].holds = (Candour__V1__Hold *)it->klass.holds;
            outs[i] = (cd_event_out_t){.type = "complaint.received",
                                       .complaint_ref = it->reference,
                                       .payload = &evs[i].base,
                                       .subscribers = NULL};
            refs[i] = it->reference;
        }
        assert(i == n);
        const char *v1[1] = {rows}, *v3[1] = {who};
        if (batch->actor[0])
            cd_tx_actor(tx, batch->actor);
        rc = cd_tx_add(tx, IN_SQL_INSERT, 1, v1);
        if (batch->actor[0])
            cd_tx_actor_end(tx);
        if (rc == 0)
            rc = cd_outbox_put_many(cd_service_outbox(in_app.svc), tx, outs, n, IN_GUARD_STORED,
                                    refs);
        if (rc == 0)
            rc = cd_tx_add(tx, IN_SQL_RECEIPTS, 1, v3);
    }
    free(rows);
    free(who);
    free(evs);
    free(outs);
    free(refs);
    return rc;
}

/* Put a failed batch back at the head of `pending`, in its own order (so
 * the first of two repeats is still the one stored), each submission to be
 * retried in a transaction of its own. */
static void s_requeue_alone(in_item_t *batch)
{
    in_item_t *last = NULL;
    for (in_item_t *it = batch; it; it = it->next) {
        it->alone = 1;
        in_app.npending++;
        last = it;
    }
    if (!last)
        return;
    last->next = in_app.pending;
    if (!in_app.pending)
        in_app.pending_tail = last;
    in_app.pending = batch;
}

static void s_on_batch(const cd_tx_result_t *res, void *arg)
{
    in_item_t *batch = arg;
    in_app.busy = 0;
    cd_metric_add(in_app.m_commit_s, (double)(uv_hrtime() - in_app.batch_start_ns) / 1e9);
    if (res->err == CD_EDB && batch && batch->next) {
        s_requeue_alone(batch); /* retry each alone: only the bad one fails then */
        s_flush();
        return;
    }
    int stmt = IN_STMT_RECEIPTS_OF(batch);
    PGresult *rr = res->err == 0 && res->nresults > stmt ? res->results[stmt] : NULL;
    int nrows = rr ? PQntuples(rr) : 0, i = 0, sent = 0;
    in_item_t *next;
    for (in_item_t *it = batch; it; it = next, i++) {
        next = it->next;
        PGresult *r = i < nrows ? rr : NULL; /* row i is this submission's receipt */
        if (r && PQgetvalue(r, i, 4)[0] != 't') {
            in_deny(it->req);
            it->req = NULL;
        } else if (r && !PQgetisnull(r, i, 0)) {
            const char *ref = PQgetvalue(r, i, 0);
            int dup = strcmp(ref, it->reference) != 0;
            cd_metric_add(dup ? in_app.m_duplicates : in_app.m_received, 1);
            cd_log_info(dup ? "complaint.duplicate" : "complaint.stored", "{s:s, s:s}", "reference",
                        ref, "org_id", it->org);
            s_reply_receipt(it, r, i, dup);
            sent += !dup;
        } else {
            /* Not committed (database down, or a concurrent twin not yet
             * visible): no receipt; the sender retries with the same ref. */
            cd_log_warn("complaint.not_stored", "{s:s, s:s}", "org_id", it->org, "reason",
                        res->err ? res->message : "not visible yet");
            cd_request_fail(it->req, CD_CODE_UNAVAILABLE, "",
                            "the complaint could not be stored just now; nothing was kept."
                            " Send it again with the same external_ref");
            it->req = NULL;
        }
        s_item_free(it);
    }
    if (sent) {
        cd_service_kick(in_app.svc);
        in_repeat_check_kick(); /* the new complaints' repeats, now the receipts have gone */
    }
    s_flush();
}

/* Start the next batch if none is running. */
static void s_flush(void)
{
    if (in_app.busy || !in_app.pending)
        return;
    in_item_t *head = NULL, *tail = NULL;
    int n = 0, alone = in_app.pending->alone;
    /* A batch is one person's work or none's: the audit names them per batch. */
    char actor[CD_ACTOR_LABEL_MAX];
    snprintf(actor, sizeof actor, "%s", in_app.pending->actor);
    while (in_app.pending && n < IN_MAX_BATCH) {
        in_item_t *it = in_app.pending;
        if (n > 0 && (alone || it->alone || strcmp(it->actor, actor) != 0))
            break;
        in_app.pending = it->next;
        in_app.npending--;
        it->next = NULL;
        if (in_new_reference(it->reference) != 0) {
            cd_request_fail(it->req, CD_CODE_INTERNAL, "",
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
    if (!in_app.pending)
        in_app.pending_tail = NULL;
    if (!head)
        return;
    cd_tx_t *tx = cd_tx_new();
    if (!tx || s_add_batch(tx, head, n) != 0) {
        /* Out of memory (each string was checked as text at validation). */
        cd_tx_destroy(&tx);
        in_item_t *next;
        for (in_item_t *it = head; it; it = next) {
            next = it->next;
            cd_request_fail(it->req, CD_CODE_INTERNAL, "",
                            "the complaint could not be prepared; nothing was kept");
            s_item_free(it);
        }
        s_flush(); /* the rest, if any: nothing else would start them */
        return;
    }
    in_app.busy = 1;
    in_app.batch_start_ns = uv_hrtime();
    for (in_item_t *it = head; it; it = it->next)
        cd_metric_add(in_app.m_wait_s, (double)(in_app.batch_start_ns - it->queued_ns) / 1e9);
    cd_metric_add(in_app.m_batches, 1);
    cd_db_submit(cd_service_db_first(in_app.svc), tx, s_on_batch, head);
}

/* Queue c (validated; copied here) for the next batch, received at
 * received_us, with the person who entered it (staff_id and actor "" for a
 * submission). */
static void s_queue(cd_request_t *req, const Candour__V1__Complaint *c, const char *org,
                    const char *key, int64_t received_us, const char *staff_id, const char *actor,
                    int web)
{
    in_item_t *it = calloc(1, sizeof *it);
    /* An owned copy (the request is freed when this handler returns), with
     * the time of receipt that the deadlines count from. */
    if (it)
        it->complaint = (Candour__V1__Complaint *)cd_pb_clone(&c->base);
    if (!it || !it->complaint) {
        free(it);
        cd_request_fail(req, CD_CODE_INTERNAL, "", "out of memory; nothing was kept");
        return;
    }
    cd_format_rfc3339(received_us, it->received_at);
    /* An absent string field points at protobuf-c's shared "" (not malloc'd). */
    if (it->complaint->received_at != protobuf_c_empty_string)
        free(it->complaint->received_at);
    it->complaint->received_at = strdup(it->received_at);
    in_classify(it->complaint, received_us / 1000000, in_app.cal, &it->klass);
    snprintf(it->org, sizeof it->org, "%s", org);
    snprintf(it->key, sizeof it->key, "%s", key);
    snprintf(it->entered_by, sizeof it->entered_by, "%s", staff_id);
    snprintf(it->actor, sizeof it->actor, "%s", actor);
    it->web = web;
    it->req = req;
    it->queued_ns = uv_hrtime();
    if (in_app.pending_tail)
        in_app.pending_tail->next = it;
    else
        in_app.pending = it;
    in_app.pending_tail = it;
    in_app.npending++;
    s_flush();
}

void in_submit(cd_request_t *req, const Candour__V1__Request *r, const char *org, const char *key)
{
    cd_fail_t err;
    const Candour__V1__Complaint *c = r->submit->complaint;
    if (in_validate_complaint(c, in_today(), &err) != 0) {
        cd_metric_add(in_app.m_rejected, 1);
        cd_request_fail(req, err.code, err.field, err.message);
        return;
    }
    s_queue(req, c, org, key, cd_now_us(), "", "", 0);
}

void in_submit_form(cd_request_t *req, const Candour__V1__Request *r, const char *org)
{
    cd_fail_t err;
    const Candour__V1__Complaint *c = r->submit->complaint;
    if (!cd_zap_org_valid(org)) {
        cd_request_fail(req, CD_CODE_INVALID_ARGUMENT, "org_id",
                        "an organisation id is letters, digits, '.', '_' or '-', at most 64");
        return;
    }
    if (c && c->channel != CANDOUR__V1__CHANNEL__CHANNEL_WEB) {
        cd_request_fail(req, CD_CODE_INVALID_ARGUMENT, "submit.complaint.channel",
                        "a web form's complaint comes by CHANNEL_WEB");
        return;
    }
    if (in_validate_complaint(c, in_today(), &err) != 0) {
        cd_metric_add(in_app.m_rejected, 1);
        cd_request_fail(req, err.code, err.field, err.message);
        return;
    }
    s_queue(req, c, org, "", cd_now_us(), "", "", 1);
}

void in_submit_entered(cd_request_t *req, const Candour__V1__Complaint *c, const char *org,
                       int64_t received_us, const char *staff_id, const char *actor)
{
    assert(staff_id && staff_id[0] && actor && actor[0]);
    s_queue(req, c, org, "", received_us, staff_id, actor, 0);
}
