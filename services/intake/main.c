/* candour-intake - the front door for other organisations: takes complaints
 * over the authenticated bus, checks them, stores them and answers with a
 * receipt only after the commit; lets the submitting organisation amend,
 * withdraw, record consent, agree a verbal complaint's summary, and follow
 * its complaints' status.
 *
 * Who is asking: the organisation bound to the CURVE key that the ZAP
 * handler admitted (User-Id), never a field of the message. Each request is
 * also checked against the allow-list inside its own statement, so a key
 * revoked after its connection was admitted stops working at once.
 *
 * Group commit: submissions that arrive while a transaction is running wait
 * in `pending` and go together in the next one, so under load one commit
 * (one fsync) carries many complaints. The batch is set-based: three
 * statements whatever its size (the rows, their events, the receipts), each
 * taking the whole batch as one JSON array. A batch that fails as a whole is
 * retried one complaint per transaction, so one bad row cannot sink others.
 * Batches go on a connection of their own (spec.first_db), so a receipt never
 * waits behind the status events intake is applying. */
#include <assert.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/calendar.h"
#include "candour/error.h"
#include "candour/errcode.h"
#include "candour/lifecycle.h"
#include "candour/log.h"
#include "candour/metrics.h"
#include "candour/pb.h"
#include "candour/pbjson.h"
#include "candour/service.h"
#include "candour/util.h"
#include "candour/v1/events.pb-c.h"
#include "classify.h"
#include "validate.h"

#define IN_MAX_BATCH 200
#define IN_MAX_REASON 1000


/* The allow-list check every statement carries: $K is the key, $O the org. */
#define IN_LIVE_KEY(k, o)                                                                        \
    "EXISTS (SELECT 1 FROM intake.org_key WHERE public_key = " k " AND org_id = " o              \
    " AND revoked_at IS NULL)"

#define IN_TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* One submission waiting for its commit. */
typedef struct in_item_t {
    cd_request_t *req;
    Candour__V1__Complaint *complaint;   /* owned copy, received_at set */
    in_class_t klass;
    char org[IN_MAX_ORG + 1];
    char key[48];
    char reference[14];
    char received_at[32];
    int alone;                           /* retry in a transaction of its own */
    uint64_t queued_ns;                  /* when it joined `pending` (uv_hrtime) */
    struct in_item_t *next;
} in_item_t;

typedef struct {
    cd_service_t *svc;
    cd_calendar_t *cal;
    const char *holidays_path;
    in_item_t *pending, *pending_tail;
    int npending;
    int busy;                 /* a batch transaction is running */
    uint64_t batch_start_ns;  /* when it was sent */
    cd_metric_t *m_received, *m_rejected, *m_duplicates, *m_batches, *m_denied;
    cd_metric_t *m_wait_s, *m_commit_s; /* where a receipt's time goes: waiting, committing */
} intake_t;

static intake_t s_app;

static void s_deny(cd_request_t *req)
{
    cd_metric_add(s_app.m_denied, 1);
    cd_request_fail(req, CD_CODE_PERMISSION_DENIED, "",
                    "this key is not on Candour's allow-list (or was revoked): ask the"
                    " receiving organisation to add it");
}

/* ---------------------------------------------------------------- holds as text[] */

static void s_holds_literal(const in_class_t *k, char *out, size_t len)
{
    snprintf(out, len, "{");
    for (int i = 0; i < k->nholds; i++) {
        strncat(out, in_hold_name(k->holds[i]), len - strlen(out) - 2);
        if (i + 1 < k->nholds)
            strncat(out, ",", len - strlen(out) - 2);
    }
    strncat(out, "}", len - strlen(out) - 1);
}

/* "{a,b}" -> holds (names are fixed identifiers without commas or quotes). */
static void s_holds_parse(const char *text, in_class_t *k)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", text);
    k->nholds = 0;
    for (char *t = strtok(buf, "{},"); t && k->nholds < IN_MAX_HOLDS; t = strtok(NULL, "{},")) {
        Candour__V1__Hold h = in_hold_from_name(t);
        if (h != CANDOUR__V1__HOLD__HOLD_UNSPECIFIED)
            k->holds[k->nholds++] = h;
    }
}

/* ---------------------------------------------------------------- submit: batches */

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
    s_holds_parse(PQgetvalue(r, row, 3), &k);
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
 * key that sent it (n is each one's place in the array). */
#define IN_BATCH_ROWS                                                                              \
    "jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(j, n), jsonb_to_record(e.j) AS s("       \
    "reference text, org_id text, external_ref text, channel text, received_at timestamptz,"       \
    " body jsonb, classification text, holds text[], state text, key text)"
#define IN_BATCH_LIVE_KEY IN_LIVE_KEY("s.key", "s.org_id")

/* 1: the rows sent with a live key; a repeat - of an earlier complaint, or of
 * one earlier in this batch (ON CONFLICT sees this statement's own rows, and
 * they go in batch order) - inserts nothing. */
#define IN_SQL_INSERT                                                                              \
    "INSERT INTO intake.complaint (reference, org_id, external_ref, channel, received_at, body,"   \
    " classification, holds, state)"                                                               \
    " SELECT s.reference, s.org_id, s.external_ref, s.channel, s.received_at, s.body,"             \
    " s.classification, s.holds, s.state FROM " IN_BATCH_ROWS " WHERE " IN_BATCH_LIVE_KEY          \
    " ORDER BY e.n ON CONFLICT (org_id, external_ref) DO NOTHING"

/* 2: each submission's event, put only if its new reference was stored, that
 * is, by this transaction (references are new for each attempt). */
#define IN_GUARD_STORED "EXISTS (SELECT 1 FROM intake.complaint c WHERE c.reference = $G)"

/* 3: what each receipt says, one row per submission in batch order: the
 * complaint under its org and external_ref (the first one's, for a repeat;
 * NULLs when there is none) and whether the key is live. */
#define IN_SQL_RECEIPTS                                                                            \
    "SELECT c.reference, " IN_TS("c.received_at") ", c.classification, c.holds, "                  \
    IN_BATCH_LIVE_KEY " FROM " IN_BATCH_ROWS " LEFT JOIN intake.complaint c"                       \
    " ON c.org_id = s.org_id AND c.external_ref = s.external_ref ORDER BY e.n"
#define IN_STMT_RECEIPTS 2

/* One submission as a row of the batch's document: in full for the INSERT,
 * or only what finds the complaint and checks the key, for the receipts.
 * NULL when out of memory. */
static json_t *s_item_row(const in_item_t *it, int full)
{
    if (!full)
        return json_pack("{s:s, s:s, s:s}", "org_id", it->org, "external_ref",
                         it->complaint->external_ref, "key", it->key);
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
 * transaction inserted), and what each receipt says. */
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
        rc = cd_tx_add(tx, IN_SQL_INSERT, 1, v1);
        if (rc == 0)
            rc = cd_outbox_put_many(cd_service_outbox(s_app.svc), tx, outs, n, IN_GUARD_STORED,
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
        s_app.npending++;
        last = it;
    }
    if (!last)
        return;
    last->next = s_app.pending;
    if (!s_app.pending)
        s_app.pending_tail = last;
    s_app.pending = batch;
}

static void s_on_batch(const cd_tx_result_t *res, void *arg)
{
    in_item_t *batch = arg;
    s_app.busy = 0;
    cd_metric_add(s_app.m_commit_s, (double)(uv_hrtime() - s_app.batch_start_ns) / 1e9);
    if (res->err == CD_EDB && batch && batch->next) {
        s_requeue_alone(batch); /* retry each alone: only the bad one fails then */
        s_flush();
        return;
    }
    PGresult *rr =
        res->err == 0 && res->nresults > IN_STMT_RECEIPTS ? res->results[IN_STMT_RECEIPTS] : NULL;
    int nrows = rr ? PQntuples(rr) : 0, i = 0, sent = 0;
    in_item_t *next;
    for (in_item_t *it = batch; it; it = next, i++) {
        next = it->next;
        PGresult *r = i < nrows ? rr : NULL; /* row i is this submission's receipt */
        if (r && PQgetvalue(r, i, 4)[0] != 't') {
            s_deny(it->req);
            it->req = NULL;
        } else if (r && !PQgetisnull(r, i, 0)) {
            const char *ref = PQgetvalue(r, i, 0);
            int dup = strcmp(ref, it->reference) != 0;
            cd_metric_add(dup ? s_app.m_duplicates : s_app.m_received, 1);
            cd_log_info(dup ? "complaint.duplicate" : "complaint.stored", "{s:s, s:s}",
                        "reference", ref, "org_id", it->org);
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
    if (sent)
        cd_service_kick(s_app.svc);
    s_flush();
}

/* Start the next batch if none is running. */
static void s_flush(void)
{
    if (s_app.busy || !s_app.pending)
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
    if (!s_app.pending)
        s_app.pending_tail = NULL;
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
    s_app.busy = 1;
    s_app.batch_start_ns = uv_hrtime();
    for (in_item_t *it = head; it; it = it->next)
        cd_metric_add(s_app.m_wait_s, (double)(s_app.batch_start_ns - it->queued_ns) / 1e9);
    cd_metric_add(s_app.m_batches, 1);
    cd_db_submit(cd_service_db_first(s_app.svc), tx, s_on_batch, head);
}

static int32_t s_today(void)
{
    return cd_date_to_days(cd_date_from_unix_london(cd_now_us() / 1000000));
}

static void s_submit(cd_request_t *req, const Candour__V1__Request *r, const char *org,
                     const char *key)
{
    cd_fail_t err;
    const Candour__V1__Complaint *c = r->submit->complaint;
    if (in_validate_complaint(c, s_today(), &err) != 0) {
        cd_metric_add(s_app.m_rejected, 1);
        cd_request_fail(req, err.code, err.field, err.message);
        return;
    }
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
    int64_t now = cd_now_us();
    cd_format_rfc3339(now, it->received_at);
    /* An absent string field points at protobuf-c's shared "" (not malloc'd). */
    if (it->complaint->received_at != protobuf_c_empty_string)
        free(it->complaint->received_at);
    it->complaint->received_at = strdup(it->received_at);
    in_classify(it->complaint, now / 1000000, s_app.cal, &it->klass);
    snprintf(it->org, sizeof it->org, "%s", org);
    snprintf(it->key, sizeof it->key, "%s", key);
    it->req = req;
    it->queued_ns = uv_hrtime();
    if (s_app.pending_tail)
        s_app.pending_tail->next = it;
    else
        s_app.pending = it;
    s_app.pending_tail = it;
    s_app.npending++;
    s_flush();
}

/* ---------------------------------------------------------------- the other operations
 *
 * Each: load the complaint with the caller's organisation and key checked in
 * the same statement, decide, then write the change, its audit row and its
 * event in one transaction that holds only if the row's version is unchanged. */

typedef struct in_op_t in_op_t;
typedef void (*in_step_fn)(in_op_t *op, PGresult *row);

struct in_op_t {
    cd_request_t *req;
    ProtobufCMessage *msg;     /* owned copy of the operation's message */
    char org[IN_MAX_ORG + 1];
    char key[48];
    char ref[64];
    in_step_fn step;
};

static void s_op_free(in_op_t *op)
{
    if (op->msg)
        protobuf_c_message_free_unpacked(op->msg, NULL);
    free(op);
}

static void s_fail(in_op_t *op, cd_code_t code, const char *field, const char *message)
{
    cd_request_fail(op->req, code, field, message);
    s_op_free(op);
}

/* The first result of an operation's read, or NULL once the request has been
 * answered: the database failed (UNAVAILABLE) or the caller's key, checked in
 * the same statement (column live_col), is no longer on the allow-list. */
static PGresult *s_checked(in_op_t *op, const cd_tx_result_t *res, int live_col, const char *what)
{
    if (res->err) {
        s_fail(op, CD_CODE_UNAVAILABLE, "", what);
        return NULL;
    }
    PGresult *r = res->results[0];
    if (PQgetvalue(r, 0, live_col)[0] != 't') {
        s_deny(op->req);
        op->req = NULL;
        s_op_free(op);
        return NULL;
    }
    return r;
}

#define IN_LOAD_COLS 11
static void s_on_loaded(const cd_tx_result_t *res, void *arg)
{
    in_op_t *op = arg;
    if (res->err) {
        s_fail(op, CD_CODE_UNAVAILABLE, "", "could not be done just now; nothing was changed");
        return;
    }
    PGresult *r = res->results[0];
    if (PQgetvalue(r, 0, 10)[0] != 't') {
        s_deny(op->req);
        s_op_free(op);
    } else if (PQgetisnull(r, 0, 0) || PQgetvalue(r, 0, 9)[0] != 't') {
        /* Another organisation's complaint is "not found" too: its existence
         * is not ours to tell. */
        s_fail(op, CD_CODE_NOT_FOUND, "complaint_ref", "you have no complaint with that reference");
    } else {
        op->step(op, r);
    }
}

/* Load op->ref for op->org; then op->step(op, row) with the columns:
 * 0 reference, 1 state, 2 channel, 3 external_ref, 4 received_at, 5 version,
 * 6 holds, 7 body, 8 withdrawn, 9 mine, 10 key live. */
static void s_load(in_op_t *op)
{
    const char *v[3] = {op->ref, op->org, op->key};
    cd_db_query(cd_service_db(s_app.svc),
                "SELECT c.reference, c.state, c.channel, c.external_ref, " IN_TS("c.received_at")
                ", c.version, c.holds, c.body, c.withdrawn_at IS NOT NULL, c.org_id = $2, "
                IN_LIVE_KEY("$3", "$2")
                " FROM (SELECT 1) x LEFT JOIN intake.complaint c ON c.reference = $1",
                3, v, s_on_loaded, op);
}

static in_op_t *s_op_new(cd_request_t *req, const ProtobufCMessage *msg, const char *ref,
                         const char *org, const char *key, in_step_fn step)
{
    in_op_t *op = calloc(1, sizeof *op);
    if (op)
        op->msg = cd_pb_clone(msg);
    if (!op || !op->msg) {
        free(op);
        cd_request_fail(req, CD_CODE_INTERNAL, "", "out of memory; nothing was changed");
        return NULL;
    }
    op->req = req;
    op->step = step;
    snprintf(op->org, sizeof op->org, "%s", org);
    snprintf(op->key, sizeof op->key, "%s", key);
    snprintf(op->ref, sizeof op->ref, "%s", ref);
    return op;
}

static void s_on_written(const cd_tx_result_t *res, void *arg)
{
    in_op_t *op = arg;
    if (res->err == 0) {
        cd_service_kick(s_app.svc);
        cd_request_done(op->req);
        op->req = NULL;
        s_op_free(op);
    } else if (res->err == CD_EDB && strcmp(res->sqlstate, "P0002") == 0) {
        s_fail(op, CD_CODE_FAILED_PRECONDITION, "complaint_ref",
               "the complaint changed while this was being done: look at its status and try"
               " again");
    } else {
        s_fail(op, CD_CODE_UNAVAILABLE, "", "could not be done just now; nothing was changed");
    }
}

/* The write shared by every operation: the row (if still at `version`), the
 * audit row, and the event to routing (and any others in `to`). set_sql
 * uses $3 .. $(2 + nset) for set_vals (nset at most 6). */
static void s_write(in_op_t *op, const char *version, const char *set_sql, int nset,
                    const char *const *set_vals, const char *action, const ProtobufCMessage *body,
                    const char *type, const ProtobufCMessage *payload, const char *const *to)
{
    assert(nset >= 0 && nset <= 6);
    cd_tx_t *tx = cd_tx_new();
    /* The row and the change's record (intake.change) by one statement:
     * the record is inserted from the UPDATE's output, so only when the row
     * was still at `version`; otherwise the statement fails (P0002). */
    char sql[1024];
    snprintf(sql, sizeof sql,
             "WITH u AS (UPDATE intake.complaint SET %s, version = version + 1, updated_at = now()"
             " WHERE reference = $1 AND version = $2::int RETURNING 1),"
             " c AS (INSERT INTO intake.change (reference, org_id, action, body)"
             " SELECT $1, $%d, $%d, $%d::jsonb FROM u)"
             " SELECT intake.expect(count(*) = 1, 'changed meanwhile') FROM u",
             set_sql, 3 + nset, 4 + nset, 5 + nset);
    char *json = cd_pbjson_dumps(body, 0);
    const char *vals[11] = {op->ref, version};
    for (int i = 0; i < nset; i++)
        vals[2 + i] = set_vals[i];
    vals[2 + nset] = op->org;
    vals[3 + nset] = action;
    vals[4 + nset] = json ? json : "{}";
    cd_tx_add(tx, sql, 5 + nset, vals);
    free(json);
    cd_event_out_t out = {.type = type, .complaint_ref = op->ref, .payload = payload,
                          .subscribers = to};
    cd_outbox_put(cd_service_outbox(s_app.svc), tx, &out, NULL, NULL);
    cd_db_submit(cd_service_db(s_app.svc), tx, s_on_written, op);
}

/* The holds after one is lifted, and the state they leave. */
static const char *s_lift(const char *holds_text, Candour__V1__Hold lift, char *out, size_t len)
{
    in_class_t k;
    s_holds_parse(holds_text, &k);
    in_class_t after = {.classification = CANDOUR__V1__CLASSIFICATION__CLASSIFICATION_COMPLAINT};
    for (int i = 0; i < k.nholds; i++)
        if (k.holds[i] != lift)
            after.holds[after.nholds++] = k.holds[i];
    s_holds_literal(&after, out, len);
    return in_initial_state(&after);
}

/* -- amend (before triage only) */

static void s_amend_step(in_op_t *op, PGresult *row)
{
    const char *state = PQgetvalue(row, 0, 1);
    if (PQgetvalue(row, 0, 8)[0] == 't' || !in_amendable(state)) {
        s_fail(op, CD_CODE_FAILED_PRECONDITION, "amend.complaint_ref",
               "the complaint has been triaged (or withdrawn) and can no longer be amended;"
               " send further information to the complaints team instead");
        return;
    }
    Candour__V1__AmendComplaint *am = (Candour__V1__AmendComplaint *)op->msg;
    Candour__V1__Complaint *c = am->complaint;
    /* What identifies the submission stays as it was received. */
    const ProtobufCEnumValue *ch = protobuf_c_enum_descriptor_get_value_by_name(
        &candour__v1__channel__descriptor, PQgetvalue(row, 0, 2));
    c->channel = ch ? (Candour__V1__Channel)ch->value : c->channel;
    if (c->external_ref != protobuf_c_empty_string)
        free(c->external_ref);
    c->external_ref = strdup(PQgetvalue(row, 0, 3));
    if (c->received_at != protobuf_c_empty_string)
        free(c->received_at);
    c->received_at = strdup(PQgetvalue(row, 0, 4));
    cd_fail_t err;
    if (in_validate_complaint(c, s_today(), &err) != 0) {
        char field[CD_FAIL_FIELD_LEN + 8];
        snprintf(field, sizeof field, "amend.%s", err.field);
        s_fail(op, err.code, field, err.message);
        return;
    }
    in_class_t k;
    in_classify(c, cd_parse_rfc3339(c->received_at), s_app.cal, &k);
    char holds[160], *json = cd_pbjson_dumps(&c->base, 0);
    s_holds_literal(&k, holds, sizeof holds);
    const ProtobufCEnumValue *cls =
        protobuf_c_enum_descriptor_get_value(&candour__v1__classification__descriptor, k.classification);
    const char *set[4] = {json ? json : "{}", holds, in_initial_state(&k), cls->name};
    Candour__V1__ComplaintAmended ev = CANDOUR__V1__COMPLAINT_AMENDED__INIT;
    ev.complaint = c;
    ev.n_holds = (size_t)k.nholds;
    ev.holds = k.holds;
    s_write(op, PQgetvalue(row, 0, 5),
            "body = $3::jsonb, holds = $4::text[], state = $5, classification = $6", 4, set,
            "amend", &c->base, "complaint.amended", &ev.base, NULL);
    free(json);
}

/* -- withdraw */

static void s_withdraw_step(in_op_t *op, PGresult *row)
{
    if (PQgetvalue(row, 0, 8)[0] == 't' || !in_withdrawable(PQgetvalue(row, 0, 1))) {
        s_fail(op, CD_CODE_FAILED_PRECONDITION, "withdraw.complaint_ref",
               "the complaint is already closed or withdrawn");
        return;
    }
    Candour__V1__WithdrawComplaint *w = (Candour__V1__WithdrawComplaint *)op->msg;
    Candour__V1__ComplaintWithdrawn ev = CANDOUR__V1__COMPLAINT_WITHDRAWN__INIT;
    ev.reason = w->reason;
    s_write(op, PQgetvalue(row, 0, 5), "withdrawn_at = now(), state = 'withdrawn'", 0, NULL,
            "withdraw", &w->base, "complaint.withdrawn", &ev.base, NULL);
}

/* -- record consent (I2, R2) */

static void s_consent_step(in_op_t *op, PGresult *row)
{
    if (PQgetvalue(row, 0, 8)[0] == 't') {
        s_fail(op, CD_CODE_FAILED_PRECONDITION, "record_consent.complaint_ref",
               "the complaint was withdrawn");
        return;
    }
    Candour__V1__RecordConsent *rc = (Candour__V1__RecordConsent *)op->msg;
    char holds[160];
    const char *state = PQgetvalue(row, 0, 1);
    const char *next = s_lift(PQgetvalue(row, 0, 6), CANDOUR__V1__HOLD__HOLD_AWAITING_CONSENT,
                              holds, sizeof holds);
    char *consent = cd_pbjson_dumps(&rc->consent->base, 0);
    const char *set[3] = {consent ? consent : "{}", holds, in_amendable(state) ? next : state};
    Candour__V1__ConsentRecorded ev = CANDOUR__V1__CONSENT_RECORDED__INIT;
    ev.consent = rc->consent;
    s_write(op, PQgetvalue(row, 0, 5),
            "body = jsonb_set(body, '{consents}', coalesce(body->'consents', '[]'::jsonb)"
            " || jsonb_build_array($3::jsonb)), holds = $4::text[], state = $5",
            3, set, "consent", &rc->base, "consent.recorded", &ev.base, NULL);
    free(consent);
}

/* -- agree the summary of a verbal complaint (I1) */

static void s_summary_step(in_op_t *op, PGresult *row)
{
    const char *holds_now = PQgetvalue(row, 0, 6);
    if (!strstr(holds_now, "awaiting-summary-agreement")) {
        s_fail(op, CD_CODE_FAILED_PRECONDITION, "agree_summary.complaint_ref",
               "this complaint has no summary waiting to be agreed");
        return;
    }
    Candour__V1__AgreeSummary *as = (Candour__V1__AgreeSummary *)op->msg;
    char at[32], holds[160];
    if (as->agreed_at[0])
        snprintf(at, sizeof at, "%s", as->agreed_at);
    else
        cd_format_rfc3339(cd_now_us(), at);
    const char *next = s_lift(holds_now, CANDOUR__V1__HOLD__HOLD_AWAITING_SUMMARY_AGREEMENT,
                              holds, sizeof holds);
    const char *set[3] = {as->summary, holds, next};
    Candour__V1__SummaryAgreed ev = CANDOUR__V1__SUMMARY_AGREED__INIT;
    ev.summary = as->summary;
    ev.agreed_at = at;
    s_write(op, PQgetvalue(row, 0, 5),
            "body = body || jsonb_build_object('summary', $3::text, 'summary_agreed', true),"
            " holds = $4::text[], state = $5",
            3, set, "summary", &as->base, "summary.agreed", &ev.base, NULL);
}

/* -- status of one complaint, from what routing has reported */

static void s_on_history(const cd_tx_result_t *res, void *arg)
{
    in_op_t *op = arg;
    if (res->err) {
        s_fail(op, CD_CODE_UNAVAILABLE, "", "the status could not be read just now");
        return;
    }
    PGresult *c = res->results[0], *h = res->results[1];
    Candour__V1__ComplaintStatus st = CANDOUR__V1__COMPLAINT_STATUS__INIT;
    st.complaint_ref = PQgetvalue(c, 0, 0);
    st.state = PQgetvalue(c, 0, 1);
    st.org_id = op->org;
    st.received_at = PQgetvalue(c, 0, 2);
    int n = PQntuples(h);
    Candour__V1__HistoryEntry *e = calloc((size_t)n + 1, sizeof *e);
    Candour__V1__HistoryEntry **ep = calloc((size_t)n + 1, sizeof *ep);
    for (int i = 0; e && ep && i < n; i++) {
        candour__v1__history_entry__init(&e[i]);
        e[i].at = PQgetvalue(h, i, 0);
        e[i].event = PQgetvalue(h, i, 1);
        e[i].producer = "routing";
        e[i].detail = PQgetvalue(h, i, 2);
        ep[i] = &e[i];
    }
    st.n_history = e && ep ? (size_t)n : 0;
    st.history = ep;
    Candour__V1__Reply reply = CANDOUR__V1__REPLY__INIT;
    reply.result_case = CANDOUR__V1__REPLY__RESULT_STATUS;
    reply.status = &st;
    cd_request_reply(op->req, &reply);
    op->req = NULL;
    free(e);
    free(ep);
    s_op_free(op);
}

static void s_status_step(in_op_t *op, PGresult *row)
{
    cd_tx_t *tx = cd_tx_new();
    const char *v[1] = {op->ref};
    cd_tx_add(tx, "SELECT reference, state, " IN_TS("received_at")
                  " FROM intake.complaint WHERE reference = $1", 1, v);
    cd_tx_add(tx, "SELECT " IN_TS("at") ", state, detail FROM intake.status_change"
                  " WHERE reference = $1 ORDER BY seq", 1, v);
    cd_db_submit(cd_service_db(s_app.svc), tx, s_on_history, op);
}

/* -- status changes of all the caller's complaints, after a sequence */

static void s_on_changes(const cd_tx_result_t *res, void *arg)
{
    in_op_t *op = arg;
    PGresult *r = s_checked(op, res, 5, "the status changes could not be read just now");
    if (!r)
        return;
    Candour__V1__GetStatusChanges *g = (Candour__V1__GetStatusChanges *)op->msg;
    int n = PQgetisnull(r, 0, 0) ? 0 : PQntuples(r);
    Candour__V1__StatusChange *c = calloc((size_t)n + 1, sizeof *c);
    Candour__V1__StatusChange **cp = calloc((size_t)n + 1, sizeof *cp);
    Candour__V1__StatusChanges out = CANDOUR__V1__STATUS_CHANGES__INIT;
    out.last_sequence = g->after_sequence;
    for (int i = 0; c && cp && i < n; i++) {
        candour__v1__status_change__init(&c[i]);
        c[i].sequence = strtoll(PQgetvalue(r, i, 0), NULL, 10);
        c[i].complaint_ref = PQgetvalue(r, i, 1);
        c[i].state = PQgetvalue(r, i, 2);
        c[i].detail = PQgetvalue(r, i, 3);
        c[i].at = PQgetvalue(r, i, 4);
        cp[i] = &c[i];
        out.last_sequence = c[i].sequence;
    }
    out.n_changes = c && cp ? (size_t)n : 0;
    out.changes = cp;
    Candour__V1__Reply reply = CANDOUR__V1__REPLY__INIT;
    reply.result_case = CANDOUR__V1__REPLY__RESULT_STATUS_CHANGES;
    reply.status_changes = &out;
    cd_request_reply(op->req, &reply);
    op->req = NULL;
    free(c);
    free(cp);
    s_op_free(op);
}

static void s_status_changes(in_op_t *op)
{
    Candour__V1__GetStatusChanges *g = (Candour__V1__GetStatusChanges *)op->msg;
    if (g->after_sequence < 0 || g->limit > 500) {
        s_fail(op, CD_CODE_OUT_OF_RANGE,
               g->limit > 500 ? "get_status_changes.limit" : "get_status_changes.after_sequence",
               "after_sequence is 0 or more; limit is 1 to 500 (0 means 100)");
        return;
    }
    char after[24], limit[12];
    snprintf(after, sizeof after, "%lld", (long long)g->after_sequence);
    snprintf(limit, sizeof limit, "%u", g->limit ? g->limit : 100);
    const char *v[4] = {op->org, after, limit, op->key};
    /* The key check rides in the same statement: one row of NULLs when
     * there is nothing new, so the check always comes back. */
    cd_db_query(cd_service_db(s_app.svc),
                "SELECT s.seq, s.reference, s.state, s.detail, " IN_TS("s.at") ", "
                IN_LIVE_KEY("$4", "$1") " FROM (SELECT 1) x LEFT JOIN (SELECT * FROM"
                " intake.status_change WHERE org_id = $1 AND seq > $2::bigint ORDER BY seq"
                " LIMIT $3::int) s ON true ORDER BY s.seq",
                4, v, s_on_changes, op);
}


/* -- a partner's messages: contribution requests and reminders (R3) */

static void s_on_messages(const cd_tx_result_t *res, void *arg)
{
    in_op_t *op = arg;
    PGresult *r = s_checked(op, res, 8, "the messages could not be read just now");
    if (!r)
        return;
    Candour__V1__GetMessages *g = (Candour__V1__GetMessages *)op->msg;
    int n = PQgetisnull(r, 0, 0) ? 0 : PQntuples(r);
    Candour__V1__PartnerMessage *m = calloc((size_t)n + 1, sizeof *m);
    Candour__V1__PartnerMessage **mp = calloc((size_t)n + 1, sizeof *mp);
    Candour__V1__ComplaintRouted **bodies = calloc((size_t)n + 1, sizeof *bodies);
    Candour__V1__Messages out = CANDOUR__V1__MESSAGES__INIT;
    out.last_sequence = g->after_sequence;
    for (int i = 0; m && mp && bodies && i < n; i++) {
        candour__v1__partner_message__init(&m[i]);
        m[i].sequence = strtoll(PQgetvalue(r, i, 0), NULL, 10);
        m[i].complaint_ref = PQgetvalue(r, i, 1);
        m[i].kind = PQgetvalue(r, i, 2);
        m[i].lead_org = PQgetvalue(r, i, 3);
        m[i].due = PQgetvalue(r, i, 4);
        m[i].at = PQgetvalue(r, i, 6);
        bodies[i] = (Candour__V1__ComplaintRouted *)cd_pbjson_parse(
            &candour__v1__complaint_routed__descriptor, PQgetvalue(r, i, 5),
            (size_t)PQgetlength(r, i, 5), NULL);
        if (bodies[i]) {
            m[i].description = bodies[i]->description;
            m[i].n_services = bodies[i]->n_services;
            m[i].services = bodies[i]->services;
        }
        mp[i] = &m[i];
        out.last_sequence = m[i].sequence;
    }
    out.n_messages = m && mp && bodies ? (size_t)n : 0;
    out.messages = mp;
    Candour__V1__Reply reply = CANDOUR__V1__REPLY__INIT;
    reply.result_case = CANDOUR__V1__REPLY__RESULT_MESSAGES;
    reply.messages = &out;
    cd_request_reply(op->req, &reply);
    op->req = NULL;
    for (int i = 0; bodies && i < n; i++)
        if (bodies[i])
            candour__v1__complaint_routed__free_unpacked(bodies[i], NULL);
    free(bodies);
    free(m);
    free(mp);
    s_op_free(op);
}

static void s_get_messages(in_op_t *op)
{
    Candour__V1__GetMessages *g = (Candour__V1__GetMessages *)op->msg;
    if (g->after_sequence < 0 || g->limit > 500) {
        s_fail(op, CD_CODE_OUT_OF_RANGE,
               g->limit > 500 ? "get_messages.limit" : "get_messages.after_sequence",
               "after_sequence is 0 or more; limit is 1 to 500 (0 means 100)");
        return;
    }
    char after[24], limit[12];
    snprintf(after, sizeof after, "%lld", (long long)g->after_sequence);
    snprintf(limit, sizeof limit, "%u", g->limit ? g->limit : 100);
    const char *v[4] = {op->org, after, limit, op->key};
    cd_db_query(cd_service_db(s_app.svc),
                "SELECT m.seq, m.reference, m.kind, m.lead_org, m.due::text, m.body::text, "
                IN_TS("m.at") ", 0, " IN_LIVE_KEY("$4", "$1")
                " FROM (SELECT 1) x LEFT JOIN (SELECT * FROM intake.partner_message WHERE"
                " org_id = $1 AND seq > $2::bigint ORDER BY seq LIMIT $3::int) m ON true"
                " ORDER BY m.seq",
                4, v, s_on_messages, op);
}

/* -- a partner's contribution: only to a request it received, once */

static void s_on_contribution_written(const cd_tx_result_t *res, void *arg)
{
    in_op_t *op = arg;
    if (res->err == 0) {
        cd_service_kick(s_app.svc);
        cd_request_done(op->req);
        op->req = NULL;
        s_op_free(op);
    } else if (res->err == CD_EDB && strcmp(res->sqlstate, "P0002") == 0) {
        s_fail(op, CD_CODE_FAILED_PRECONDITION, "submit_contribution.complaint_ref",
               "your organisation has already sent its contribution to this complaint");
    } else {
        s_fail(op, CD_CODE_UNAVAILABLE, "", "the contribution could not be stored just now");
    }
}

static void s_on_asked(const cd_tx_result_t *res, void *arg)
{
    in_op_t *op = arg;
    PGresult *r = s_checked(op, res, 1, "could not be done just now; nothing was changed");
    if (!r)
        return;
    if (PQgetvalue(r, 0, 0)[0] != 't') {
        /* Party to a complaint only when asked: otherwise it is not theirs. */
        s_fail(op, CD_CODE_NOT_FOUND, "submit_contribution.complaint_ref",
               "your organisation has not been asked for a contribution to that complaint");
        return;
    }
    Candour__V1__SubmitContribution *sc = (Candour__V1__SubmitContribution *)op->msg;
    char at[32];
    cd_format_rfc3339(cd_now_us(), at);
    cd_tx_t *tx = cd_tx_new();
    const char *v[4] = {op->ref, op->org, sc->findings, sc->submitted_by};
    cd_tx_add(tx,
              "WITH i AS (INSERT INTO intake.contribution (reference, org_id, findings, submitted_by)"
              " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1)"
              " SELECT intake.expect(count(*) = 1, 'already sent') FROM i",
              4, v);
    Candour__V1__ContributionReceived ev = CANDOUR__V1__CONTRIBUTION_RECEIVED__INIT;
    ev.partner_org = op->org;
    ev.findings = sc->findings;
    ev.submitted_by = sc->submitted_by;
    ev.received_at = at;
    cd_event_out_t out = {.type = "contribution.received", .complaint_ref = op->ref,
                          .payload = &ev.base};
    cd_outbox_put(cd_service_outbox(s_app.svc), tx, &out, NULL, NULL);
    cd_db_submit(cd_service_db(s_app.svc), tx, s_on_contribution_written, op);
}

static void s_submit_contribution(in_op_t *op)
{
    const char *v[3] = {op->ref, op->org, op->key};
    cd_db_query(cd_service_db(s_app.svc),
                "SELECT EXISTS (SELECT 1 FROM intake.partner_message WHERE reference = $1 AND"
                " org_id = $2 AND kind = 'contribution-request'), " IN_LIVE_KEY("$3", "$2"),
                3, v, s_on_asked, op);
}

/* ---------------------------------------------------------------- requests */

static int s_check_text(cd_request_t *req, const char *s, const char *field, size_t max,
                        int required)
{
    size_t n = strlen(s);
    cd_code_t code = CD_CODE_OK;
    const char *msg = NULL;
    if (required && n == 0) {
        code = CD_CODE_REQUIRED;
        msg = "this field is required";
    } else if (n > max) {
        code = CD_CODE_TOO_LONG;
        msg = "this text is over its limit";
    } else if (!cd_text_ok(s, n, 1)) {
        code = CD_CODE_INVALID_TEXT;
        msg = "must be UTF-8 text without control characters";
    }
    if (code != CD_CODE_OK)
        cd_request_fail(req, code, field, msg);
    return code != CD_CODE_OK ? -1 : 0;
}

static int s_check_ref(cd_request_t *req, const char *ref, const char *field)
{
    if (ref[0] && strlen(ref) < 64)
        return 0;
    cd_request_fail(req, CD_CODE_REQUIRED, field,
                    "give the complaint's reference from its receipt, e.g. CDR-7K4M-9QXT");
    return -1;
}

static void s_dispatch(cd_request_t *req, const Candour__V1__Request *r, const char *org,
                       const char *key)
{
    in_op_t *op = NULL;
    cd_fail_t err;
    switch (r->op_case) {
    case CANDOUR__V1__REQUEST__OP_SUBMIT:
        s_submit(req, r, org, key);
        return;
    case CANDOUR__V1__REQUEST__OP_AMEND:
        if (s_check_ref(req, r->amend->complaint_ref, "amend.complaint_ref"))
            return;
        if (!r->amend->complaint) {
            cd_request_fail(req, CD_CODE_REQUIRED, "amend.complaint",
                            "give the complaint as it should now stand");
            return;
        }
        op = s_op_new(req, &r->amend->base, r->amend->complaint_ref, org, key, s_amend_step);
        break;
    case CANDOUR__V1__REQUEST__OP_WITHDRAW:
        if (s_check_ref(req, r->withdraw->complaint_ref, "withdraw.complaint_ref") ||
            s_check_text(req, r->withdraw->reason, "withdraw.reason", IN_MAX_REASON, 1))
            return;
        op = s_op_new(req, &r->withdraw->base, r->withdraw->complaint_ref, org, key,
                      s_withdraw_step);
        break;
    case CANDOUR__V1__REQUEST__OP_RECORD_CONSENT:
        if (s_check_ref(req, r->record_consent->complaint_ref, "record_consent.complaint_ref"))
            return;
        if (!r->record_consent->consent) {
            cd_request_fail(req, CD_CODE_REQUIRED, "record_consent.consent",
                            "give the consent: who gave it, when, and for sharing with whom");
            return;
        }
        if (in_validate_consent(r->record_consent->consent, "record_consent.consent", s_today(),
                                &err) != 0) {
            cd_request_fail(req, err.code, err.field, err.message);
            return;
        }
        op = s_op_new(req, &r->record_consent->base, r->record_consent->complaint_ref, org, key,
                      s_consent_step);
        break;
    case CANDOUR__V1__REQUEST__OP_AGREE_SUMMARY:
        if (s_check_ref(req, r->agree_summary->complaint_ref, "agree_summary.complaint_ref") ||
            s_check_text(req, r->agree_summary->summary, "agree_summary.summary", IN_MAX_TEXT, 1))
            return;
        if (r->agree_summary->agreed_at[0] && cd_parse_rfc3339(r->agree_summary->agreed_at) < 0) {
            cd_request_fail(req, CD_CODE_INVALID_DATE, "agree_summary.agreed_at",
                            "agreed_at must be a time written like 2026-11-25T14:30:00Z");
            return;
        }
        op = s_op_new(req, &r->agree_summary->base, r->agree_summary->complaint_ref, org, key,
                      s_summary_step);
        break;
    case CANDOUR__V1__REQUEST__OP_GET_STATUS:
        if (s_check_ref(req, r->get_status->complaint_ref, "get_status.complaint_ref"))
            return;
        op = s_op_new(req, &r->get_status->base, r->get_status->complaint_ref, org, key,
                      s_status_step);
        break;
    case CANDOUR__V1__REQUEST__OP_GET_STATUS_CHANGES:
        op = s_op_new(req, &r->get_status_changes->base, "", org, key, NULL);
        if (op)
            s_status_changes(op);
        return;
    case CANDOUR__V1__REQUEST__OP_GET_MESSAGES:
        op = s_op_new(req, &r->get_messages->base, "", org, key, NULL);
        if (op)
            s_get_messages(op);
        return;
    case CANDOUR__V1__REQUEST__OP_SUBMIT_CONTRIBUTION:
        if (s_check_ref(req, r->submit_contribution->complaint_ref,
                        "submit_contribution.complaint_ref") ||
            s_check_text(req, r->submit_contribution->findings, "submit_contribution.findings",
                         IN_MAX_TEXT, 1) ||
            s_check_text(req, r->submit_contribution->submitted_by,
                         "submit_contribution.submitted_by", IN_MAX_NAME, 1))
            return;
        op = s_op_new(req, &r->submit_contribution->base, r->submit_contribution->complaint_ref,
                      org, key, NULL);
        if (op)
            s_submit_contribution(op);
        return;
    default:
        cd_request_fail(req, CD_CODE_UNSUPPORTED, "op",
                        "intake takes SubmitComplaint, AmendComplaint, WithdrawComplaint,"
                        " RecordConsent, AgreeSummary, GetStatus, GetStatusChanges, GetMessages"
                        " and SubmitContribution");
        return;
    }
    if (op)
        s_load(op);
}

static void s_on_request(cd_inbox_t *in, cd_request_t *req, const Candour__V1__Request *r,
                         void *arg)
{
    if (cd_service_stopping(s_app.svc)) {
        cd_request_fail(req, CD_CODE_UNAVAILABLE, "", "intake is stopping; send it again shortly");
        return;
    }
    const char *org = cd_request_org(req), *key = cd_request_key(req);
    if (!org[0] || !key[0]) {
        s_deny(req);
        return;
    }
    s_dispatch(req, r, org, key);
}

/* ---------------------------------------------------------------- events in */

/* contribution.requested from routing: a message for a partner to collect (R3). */
static void s_on_contribution_requested(cd_inbox_t *in, cd_event_t *ev,
                                        const Candour__V1__Envelope *env,
                                        const ProtobufCMessage *payload, void *arg)
{
    const Candour__V1__ContributionRequested *cr =
        (const Candour__V1__ContributionRequested *)payload;
    cd_date_t due;
    if (in_validate_org(cr->partner_org, &(cd_fail_t){0}) != 0 ||
        cd_date_parse(cr->due, &due) != 0) {
        cd_inbox_nak(in, ev, CD_CODE_MALFORMED_EVENT,
                     "contribution.requested without a partner or due date");
        return;
    }
    Candour__V1__ComplaintRouted body = CANDOUR__V1__COMPLAINT_ROUTED__INIT;
    body.description = cr->description;
    body.n_services = cr->n_services;
    body.services = cr->services;
    char *json = cd_pbjson_dumps(&body.base, 0);
    cd_tx_t *tx = cd_inbox_tx(in, ev);
    const char *v[7] = {cr->partner_org, env->complaint_ref,
                        cr->chase ? "contribution-chase" : "contribution-request", cr->lead_org,
                        cr->due, json ? json : "{}", env->event_id};
    cd_tx_add(tx, "INSERT INTO intake.partner_message (org_id, reference, kind, lead_org, due, body,"
                  " event_id) VALUES ($1, $2, $3, $4, $5::date, $6::jsonb, $7::uuid)", 7, v);
    free(json);
    cd_inbox_commit(in, ev, tx, NULL, NULL);
}

/* complaint.status_changed: routing's view of the complaint, kept for the
 * submitting organisation (GetStatusChanges) and for the guards on amend,
 * withdraw and consent, which ask the lifecycle about this state. */
static void s_on_status_changed(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                                const ProtobufCMessage *payload, void *arg)
{
    const Candour__V1__StatusChanged *sc = (const Candour__V1__StatusChanged *)payload;
    const char *state = cd_state_name(sc->state);
    if (!*state || cd_parse_rfc3339(sc->at) < 0) {
        cd_inbox_nak(in, ev, CD_CODE_MALFORMED_EVENT,
                     "complaint.status_changed without a state or time");
        return;
    }
    cd_tx_t *tx = cd_inbox_tx(in, ev);
    const char *v[5] = {env->complaint_ref, state, sc->detail, sc->at, env->event_id};
    /* One statement: the change recorded for the submitting organisation
     * (the complaint must be known here, else P0002 and the event waits for
     * its resend), and the state follows routing's, except that a withdrawal
     * stays withdrawn. Every part sees the row as it was before the
     * statement; the UPDATE changes neither reference nor org_id, which are
     * all the INSERT reads of it. */
    cd_tx_add(tx,
              "WITH c AS (SELECT reference, org_id FROM intake.complaint WHERE reference = $1),"
              " s AS (INSERT INTO intake.status_change (reference, org_id, state, detail, at,"
              " event_id) SELECT reference, org_id, $2, $3, $4::timestamptz, $5::uuid FROM c"
              " RETURNING 1),"
              " u AS (UPDATE intake.complaint SET state = $2, triaged = triaged OR $2 NOT IN"
              " ('awaiting-consent', 'awaiting-summary-agreement', 'out-of-time'),"
              " updated_at = now() WHERE reference = $1 AND withdrawn_at IS NULL)"
              " SELECT intake.expect(count(*) = 1, 'complaint not known to intake') FROM s",
              5, v);
    cd_inbox_commit(in, ev, tx, NULL, NULL);
}

/* ---------------------------------------------------------------- main */

int main(int argc, char **argv)
{
    static const cd_handler_t handlers[] = {
        {"complaint.status_changed", s_on_status_changed},
        {"contribution.requested", s_on_contribution_requested},
        {NULL, NULL},
    };
    static cd_config_item_t items[] = {
        {"CANDOUR_BANK_HOLIDAYS", CD_CONFIG_STRING, "", 0, 0,
         "gov.uk bank-holidays.json to extend the built-in calendar (empty: rules only)",
         &s_app.holidays_path},
    };
    cd_service_spec_t spec = {
        .name = "intake",
        .summary = "takes complaints from other organisations over the authenticated bus",
        .bind_port = 7105,
        .admin_port = 9100,
        .curve = 1,
        .first_db = 1, /* receipts never wait behind status events being applied */
        .public_port = 7100,
        .config = items,
        .nconfig = 1,
        .handlers = handlers,
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
    s_app.m_wait_s = cd_metric_counter("candour_intake_batch_wait_seconds_total", NULL,
                                       "Time submissions waited for their batch to start (sum).");
    s_app.m_commit_s = cd_metric_counter("candour_intake_batch_commit_seconds_total", NULL,
                                         "Time batches took from sending to their commit (sum).");
    s_app.m_denied = cd_metric_counter("candour_requests_denied_total", NULL, "Requests from keys not (or no longer) on the allow-list.");
    s_app.cal = cd_calendar_new();
    char err[512];
    if (*s_app.holidays_path &&
        cd_calendar_load_json(s_app.cal, s_app.holidays_path, err, sizeof err) != 0) {
        cd_log_error("calendar.load_failed", "{s:s}", "error", err);
        code = 2;
    } else {
        code = cd_service_run(s_app.svc);
    }
    cd_service_destroy(&s_app.svc);
    cd_calendar_destroy(&s_app.cal);
    cd_zmq_ctx_term();
    return code;
}
