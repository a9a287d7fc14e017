/* complaint.c - the submitting organisation's operations on one complaint:
 * amend (while held, before triage), withdraw (while open), record consent
 * (I2, R2), agree a verbal complaint's summary (I1), and its status. What is
 * still allowed is the lifecycle's answer for the state routing last
 * reported (candour/lifecycle.h, via classify.h). */
#include <assert.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/errcode.h"
#include "candour/error.h"
#include "candour/lifecycle.h"
#include "candour/log.h"
#include "candour/pb.h"
#include "candour/pbjson.h"
#include "candour/util.h"
#include "candour/v1/events.pb-c.h"
#include "intake.h"

#include "candour/v1/api.pb-c.h"

/* Each operation on one complaint: load the complaint with the caller's organisation and key
 * checked in the same statement, decide, then write the change, its audit row and its event in one
 * transaction that holds only if the row's version is unchanged. */

typedef void (*in_step_fn)(cd_op_t *op, PGresult *row);
static in_step_fn s_step_of(const cd_op_t *op);

/* The columns of the load (in_complaint_op): the complaint as intake keeps
 * it, whether it is the caller's, and whether the caller's key is live. */
enum {
    L_REF,
    L_STATE,
    L_CHANNEL,
    L_EXTERNAL_REF,
    L_RECEIVED,
    L_VERSION,
    L_HOLDS,
    L_BODY,
    L_WITHDRAWN,
    L_MINE,
    L_KEY_LIVE,
};

static void s_on_loaded(const cd_tx_result_t *res, void *arg)
{
    cd_op_t *op = arg;
    if (res->err) {
        cd_op_fail(op, CD_CODE_UNAVAILABLE, "", "could not be done just now; nothing was changed");
        return;
    }
    PGresult *r = res->results[0];
    if (PQgetvalue(r, 0, L_KEY_LIVE)[0] != 't') {
        in_deny_op(op);
    } else if (PQgetisnull(r, 0, L_REF) || PQgetvalue(r, 0, L_MINE)[0] != 't') {
        /* Another organisation's complaint is "not found" too: its existence
         * is not ours to tell. */
        cd_op_fail(op, CD_CODE_NOT_FOUND, "complaint_ref",
                   "you have no complaint with that reference");
    } else {
        s_step_of(op)(op, r);
    }
}

/* Load op->note for the caller's organisation (columns L_*); then its step
 * (s_steps). */
void in_complaint_op(cd_op_t *op)
{
    const char *v[3] = {op->note, cd_request_org(op->req), cd_request_key(op->req)};
    cd_db_query(
        cd_service_db(in_app.svc),
        "SELECT c.reference, c.state, c.channel, c.external_ref, " IN_TS(
            "c.received_at") ", c.version, c.holds, c.body, c.withdrawn_at IS NOT NULL, c.org_id = "
                             "$2, " IN_LIVE_KEY("$3",
                                                "$2") " FROM (SELECT 1) x LEFT JOIN "
                                                      "intake.complaint c ON c.reference = $1",
        3, v, s_on_loaded, op);
}

static void s_on_written(const cd_tx_result_t *res, void *arg)
{
    cd_op_t *op = arg;
    if (cd_op_committed(op, res, "complaint_ref",
                        "the complaint changed while this was being done: look at its status and"
                        " try again"))
        cd_service_kick(in_app.svc);
}

/* The write shared by every operation: the row (if still at `version`), the
 * audit row, and the event to routing (and any others in `to`). set_sql
 * uses $3 .. $(2 + nset) for set_vals (nset at most 6). */
static void s_write(cd_op_t *op, const char *version, const char *set_sql, int nset,
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
    const char *vals[11] = {op->note, version};
    for (int i = 0; i < nset; i++)
        vals[2 + i] = set_vals[i];
    vals[2 + nset] = cd_request_org(op->req);
    vals[3 + nset] = action;
    vals[4 + nset] = json ? json : "{}";
    cd_tx_add(tx, sql, 5 + nset, vals);
    free(json);
    cd_event_out_t out = {
        .type = type, .complaint_ref = op->note, .payload = payload, .subscribers = to};
    cd_outbox_put(cd_service_outbox(in_app.svc), tx, &out, NULL, NULL);
    cd_db_submit(cd_service_db(in_app.svc), tx, s_on_written, op);
}

/* The holds after one is lifted, and the state they leave. */
static const char *s_lift(const char *holds_text, Candour__V1__Hold lift, char *out, size_t len)
{
    in_class_t k;
    in_holds_parse(holds_text, &k);
    in_class_t after = {.classification = CANDOUR__V1__CLASSIFICATION__CLASSIFICATION_COMPLAINT};
    for (int i = 0; i < k.nholds; i++)
        if (k.holds[i] != lift)
            after.holds[after.nholds++] = k.holds[i];
    return in_holds_literal(&after, out, len) == 0 ? in_initial_state(&after) : NULL;
}

/* -- amend (before triage only) */

static void s_amend_step(cd_op_t *op, PGresult *row)
{
    const char *state = PQgetvalue(row, 0, L_STATE);
    if (PQgetvalue(row, 0, L_WITHDRAWN)[0] == 't' || !in_amendable(state)) {
        cd_op_fail(op, CD_CODE_FAILED_PRECONDITION, "amend.complaint_ref",
                   "the complaint has been triaged (or withdrawn) and can no longer be amended;"
                   " send further information to the complaints team instead");
        return;
    }
    Candour__V1__AmendComplaint *am = (Candour__V1__AmendComplaint *)op->msg;
    Candour__V1__Complaint *c = am->complaint;
    /* What identifies the submission stays as it was received. */
    const ProtobufCEnumValue *ch = protobuf_c_enum_descriptor_get_value_by_name(
        &candour__v1__channel__descriptor, PQgetvalue(row, 0, L_CHANNEL));
    c->channel = ch ? (Candour__V1__Channel)ch->value : c->channel;
    if (c->external_ref != protobuf_c_empty_string)
        free(c->external_ref);
    c->external_ref = strdup(PQgetvalue(row, 0, L_EXTERNAL_REF));
    if (c->received_at != protobuf_c_empty_string)
        free(c->received_at);
    c->received_at = strdup(PQgetvalue(row, 0, L_RECEIVED));
    cd_fail_t err;
    if (in_validate_complaint(c, in_today(), &err) != 0) {
        char field[CD_FAIL_FIELD_LEN + 8];
        snprintf(field, sizeof field, "amend.%s", err.field);
        cd_op_fail(op, err.code, field, err.message);
        return;
    }
    in_class_t k;
    in_classify(c, cd_parse_rfc3339(c->received_at), in_app.cal, &k);
    char holds[160];
    if (in_holds_literal(&k, holds, sizeof holds) != 0) {
        cd_op_fail(op, CD_CODE_INTERNAL, "", "out of memory; nothing was changed");
        return;
    }
    char *json = cd_pbjson_dumps(&c->base, 0);
    const ProtobufCEnumValue *cls = protobuf_c_enum_descriptor_get_value(
        &candour__v1__classification__descriptor, k.classification);
    const char *set[4] = {json ? json : "{}", holds, in_initial_state(&k), cls->name};
    Candour__V1__ComplaintAmended ev = CANDOUR__V1__COMPLAINT_AMENDED__INIT;
    ev.complaint = c;
    ev.n_holds = (size_t)k.nholds;
    ev.holds = k.holds;
    s_write(op, PQgetvalue(row, 0, L_VERSION),
            "body = $3::jsonb, holds = $4::text[], state = $5, classification = $6", 4, set,
            "amend", &c->base, "complaint.amended", &ev.base, NULL);
    free(json);
}

/* -- withdraw */

static void s_withdraw_step(cd_op_t *op, PGresult *row)
{
    if (PQgetvalue(row, 0, L_WITHDRAWN)[0] == 't' ||
        !in_withdrawable(PQgetvalue(row, 0, L_STATE))) {
        char why[160];
        snprintf(why, sizeof why, "the complaint is closed (%s): it can no longer be withdrawn",
                 PQgetvalue(row, 0, L_STATE));
        cd_op_fail(op, CD_CODE_FAILED_PRECONDITION, "withdraw.complaint_ref", why);
        return;
    }
    Candour__V1__WithdrawComplaint *w = (Candour__V1__WithdrawComplaint *)op->msg;
    Candour__V1__ComplaintWithdrawn ev = CANDOUR__V1__COMPLAINT_WITHDRAWN__INIT;
    ev.reason = w->reason;
    s_write(op, PQgetvalue(row, 0, L_VERSION), "withdrawn_at = now(), state = 'withdrawn'", 0, NULL,
            "withdraw", &w->base, "complaint.withdrawn", &ev.base, NULL);
}

/* -- record consent (I2, R2) */

static void s_consent_step(cd_op_t *op, PGresult *row)
{
    if (PQgetvalue(row, 0, L_WITHDRAWN)[0] == 't' ||
        !in_consent_accepted(PQgetvalue(row, 0, L_STATE))) {
        char why[160];
        snprintf(why, sizeof why, "the complaint is closed (%s): consent is no longer needed",
                 PQgetvalue(row, 0, L_STATE));
        cd_op_fail(op, CD_CODE_FAILED_PRECONDITION, "record_consent.complaint_ref", why);
        return;
    }
    Candour__V1__RecordConsent *rc = (Candour__V1__RecordConsent *)op->msg;
    char holds[160];
    const char *state = PQgetvalue(row, 0, L_STATE);
    const char *next = s_lift(PQgetvalue(row, 0, L_HOLDS), CANDOUR__V1__HOLD__HOLD_AWAITING_CONSENT,
                              holds, sizeof holds);
    if (!next) {
        cd_op_fail(op, CD_CODE_INTERNAL, "", "out of memory; nothing was changed");
        return;
    }
    char *consent = cd_pbjson_dumps(&rc->consent->base, 0);
    const char *set[3] = {consent ? consent : "{}", holds, in_amendable(state) ? next : state};
    Candour__V1__ConsentRecorded ev = CANDOUR__V1__CONSENT_RECORDED__INIT;
    ev.consent = rc->consent;
    s_write(op, PQgetvalue(row, 0, L_VERSION),
            "body = jsonb_set(body, '{consents}', coalesce(body->'consents', '[]'::jsonb)"
            " || jsonb_build_array($3::jsonb)), holds = $4::text[], state = $5",
            3, set, "consent", &rc->base, "consent.recorded", &ev.base, NULL);
    free(consent);
}

/* -- agree the summary of a verbal complaint (I1) */

static void s_summary_step(cd_op_t *op, PGresult *row)
{
    const char *holds_now = PQgetvalue(row, 0, L_HOLDS);
    if (!strstr(holds_now, "awaiting-summary-agreement")) {
        cd_op_fail(op, CD_CODE_FAILED_PRECONDITION, "agree_summary.complaint_ref",
                   "this complaint has no summary waiting to be agreed");
        return;
    }
    Candour__V1__AgreeSummary *as = (Candour__V1__AgreeSummary *)op->msg;
    char at[32], holds[160];
    if (as->agreed_at[0])
        snprintf(at, sizeof at, "%s", as->agreed_at);
    else
        cd_format_rfc3339(cd_now_us(), at);
    const char *next =
        s_lift(holds_now, CANDOUR__V1__HOLD__HOLD_AWAITING_SUMMARY_AGREEMENT, holds, sizeof holds);
    if (!next) {
        cd_op_fail(op, CD_CODE_INTERNAL, "", "out of memory; nothing was changed");
        return;
    }
    const char *set[3] = {as->summary, holds, next};
    Candour__V1__SummaryAgreed ev = CANDOUR__V1__SUMMARY_AGREED__INIT;
    ev.summary = as->summary;
    ev.agreed_at = at;
    s_write(op, PQgetvalue(row, 0, L_VERSION),
            "body = body || jsonb_build_object('summary', $3::text, 'summary_agreed', true),"
            " holds = $4::text[], state = $5",
            3, set, "summary", &as->base, "summary.agreed", &ev.base, NULL);
}

/* -- status of one complaint, from what routing has reported */

static void s_on_history(const cd_tx_result_t *res, void *arg)
{
    cd_op_t *op = arg;
    if (res->err) {
        cd_op_fail(op, CD_CODE_UNAVAILABLE, "", "the status could not be read just now");
        return;
    }
    PGresult *c = res->results[0], *h = res->results[1];
    Candour__V1__ComplaintStatus st = CANDOUR__V1__COMPLAINT_STATUS__INIT;
    st.complaint_ref = PQgetvalue(c, 0, 0);
    st.state = PQgetvalue(c, 0, 1);
    st.org_id = (char *)cd_request_org(op->req);
    st.state_code = cd_state_from_name(st.state);
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
    cd_op_reply(op, &reply);
    free(e);
    free(ep);
}

static void s_status_step(cd_op_t *op, PGresult *row)
{
    cd_tx_t *tx = cd_tx_new();
    const char *v[1] = {op->note};
    cd_tx_add(tx,
              "SELECT reference, state, " IN_TS(
                  "received_at") " FROM intake.complaint WHERE reference = $1",
              1, v);
    cd_tx_add(tx,
              "SELECT " IN_TS("at") ", state, detail FROM intake.status_change"
                                    " WHERE reference = $1 ORDER BY seq",
              1, v);
    cd_db_submit(cd_service_db(in_app.svc), tx, s_on_history, op);
}

/* ---------------------------------------------------------------- the steps, by operation */

static const struct {
    const ProtobufCMessageDescriptor *msg;
    in_step_fn step;
} s_steps[] = {
    {&candour__v1__amend_complaint__descriptor, s_amend_step},
    {&candour__v1__withdraw_complaint__descriptor, s_withdraw_step},
    {&candour__v1__record_consent__descriptor, s_consent_step},
    {&candour__v1__agree_summary__descriptor, s_summary_step},
    {&candour__v1__get_status__descriptor, s_status_step},
};

static in_step_fn s_step_of(const cd_op_t *op)
{
    for (size_t i = 0; i < sizeof s_steps / sizeof s_steps[0]; i++)
        if (s_steps[i].msg == op->msg->descriptor)
            return s_steps[i].step;
    assert(!"an operation on one complaint without its step");
    return NULL;
}
