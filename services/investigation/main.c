/* candour-investigation - runs each complaint's case: opens it when routing
 * hands the complaint over, and records the outcome an investigator gives,
 * which then goes to sign-off. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/error.h"
#include "candour/log.h"
#include "candour/service.h"
#include "candour/util.h"
#include "candour/v1/events.pb-c.h"
#include "outcome.h"

static const char *const s_subscribers[] = {"routing", "signoff", NULL};
static const char *const s_to_routing[] = {"routing", NULL};
static const char *const s_completed_to[] = {"signoff", "routing", NULL};

static cd_service_t *s_svc;

/* ---------------------------------------------------------------- events */

static void s_on_routed(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env)
{
    Candour__V1__ComplaintRouted *cr =
        candour__v1__complaint_routed__unpack(NULL, env->payload.len, env->payload.data);
    if (!cr) {
        cd_inbox_nak(in, ev, "MALFORMED_EVENT", "complaint.routed payload does not decode");
        return;
    }
    char case_id[CD_UUID_LEN + 1];
    cd_uuid(case_id);
    cd_tx_t *tx = cd_inbox_tx(in, ev);
    const char *v[5] = {case_id, env->complaint_ref, cr->handling_org, cr->description,
                        cr->desired_outcome};
    cd_tx_add(tx, "INSERT INTO investigation.case (case_id, reference, org_id, state, description,"
                  " desired_outcome) VALUES ($1::uuid, $2, $3, 'open', $4, $5)", 5, v);
    Candour__V1__CaseOpened opened = CANDOUR__V1__CASE_OPENED__INIT;
    opened.case_id = case_id;
    cd_event_out_t out = {.type = "case.opened", .complaint_ref = env->complaint_ref,
                          .correlation_id = env->correlation_id, .causation_id = env->event_id,
                          .payload = &opened.base, .subscribers = s_to_routing};
    cd_outbox_put(cd_service_outbox(s_svc), tx, &out, NULL, NULL);
    candour__v1__complaint_routed__free_unpacked(cr, NULL);
    cd_inbox_commit(in, ev, tx, cd_service_kick, s_svc);
}

/* v[0..n-1] as a text[] literal: each element quoted, quotes and
 * backslashes escaped, so any text is safe in it. malloc'd; NULL when out
 * of memory. */
static char *s_text_array(const char *const *v, size_t n)
{
    size_t len = 3; /* braces and terminator */
    for (size_t i = 0; i < n; i++)
        len += 2 * strlen(v[i]) + 3; /* each byte may be escaped; quotes and comma */
    char *out = malloc(len), *o = out;
    if (!out)
        return NULL;
    *o++ = '{';
    for (size_t i = 0; i < n; i++) {
        if (i)
            *o++ = ',';
        *o++ = '"';
        for (const char *p = v[i]; *p; p++) {
            if (*p == '"' || *p == '\\')
                *o++ = '\\';
            *o++ = *p;
        }
        *o++ = '"';
    }
    *o++ = '}';
    *o = 0;
    return out;
}

/* contributions.merged: the partners' parts, for the one response (R3), by
 * one statement whatever their number, in the order they came: a part
 * already stored (or given twice) stays as first stored. */
static void s_on_merged(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env)
{
    Candour__V1__ContributionsMerged *m =
        candour__v1__contributions_merged__unpack(NULL, env->payload.len, env->payload.data);
    if (!m) {
        cd_inbox_nak(in, ev, "MALFORMED_EVENT", "contributions.merged does not decode");
        return;
    }
    cd_tx_t *tx = cd_inbox_tx(in, ev);
    size_t n = m->n_contributions;
    if (n > 0) {
        /* The organisations, the findings and the times, each a column. */
        const char **col = calloc(3 * n, sizeof *col);
        for (size_t i = 0; col && i < n; i++) {
            col[i] = m->contributions[i]->org;
            col[n + i] = m->contributions[i]->findings;
            col[2 * n + i] = m->contributions[i]->received_at;
        }
        char *org = col ? s_text_array(col, n) : NULL;
        char *findings = col ? s_text_array(col + n, n) : NULL;
        char *at = col ? s_text_array(col + 2 * n, n) : NULL;
        const char *v[4] = {env->complaint_ref, org, findings, at};
        if (org && findings && at)
            cd_tx_add(tx,
                      "INSERT INTO investigation.contribution (reference, org_id, findings,"
                      " received_at) SELECT $1, c.org_id, c.findings, c.received_at::timestamptz"
                      " FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY"
                      "  AS c (org_id, findings, received_at, n)"
                      " ORDER BY c.n ON CONFLICT DO NOTHING",
                      4, v);
        else
            cd_tx_poison(tx); /* out of memory: the producer resends */
        free(col);
        free(org);
        free(findings);
        free(at);
    }
    candour__v1__contributions_merged__free_unpacked(m, NULL);
    cd_inbox_commit(in, ev, tx, NULL, NULL);
}

static void s_on_event(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                       void *arg)
{
    if (strcmp(env->type, "complaint.routed") == 0)
        s_on_routed(in, ev, env);
    else if (strcmp(env->type, "contributions.merged") == 0)
        s_on_merged(in, ev, env);
    else
        cd_inbox_commit(in, ev, cd_inbox_tx(in, ev), NULL, NULL); /* not ours: record, ack */
}

/* ---------------------------------------------------------------- record outcome */

static void s_on_recorded(const cd_tx_result_t *res, void *arg)
{
    cd_op_t *op = arg;
    const Candour__V1__RecordOutcome *ro = (const Candour__V1__RecordOutcome *)op->msg;
    if (res->err == 0) {
        cd_log_info("case.completed", "{s:s, s:s}", "reference", ro->complaint_ref, "case_id",
                    op->note);
        cd_service_kick(s_svc);
    }
    cd_op_committed(op, res, "record_outcome.complaint_ref", "the case already has an outcome");
}

static void s_on_case_read(const cd_tx_result_t *res, void *arg)
{
    cd_op_t *op = arg;
    if (res->err) {
        cd_op_fail(op, "UNAVAILABLE", "", "the case could not be read just now");
        return;
    }
    PGresult *r = res->results[0];
    if (PQntuples(r) != 1) {
        cd_op_fail(op, "NOT_FOUND", "record_outcome.complaint_ref",
                   "no investigation case is open for that reference");
        return;
    }
    if (!iv_case_accepts_outcome(PQgetvalue(r, 0, 1))) {
        cd_op_fail(op, "FAILED_PRECONDITION", "record_outcome.complaint_ref",
                   "the case already has an outcome");
        return;
    }
    snprintf(op->note, sizeof op->note, "%s", PQgetvalue(r, 0, 0)); /* the case id */
    const Candour__V1__RecordOutcome *ro = (const Candour__V1__RecordOutcome *)op->msg;
    const ProtobufCEnumValue *oc =
        protobuf_c_enum_descriptor_get_value(&candour__v1__outcome__descriptor, ro->outcome);
    cd_tx_t *tx = cd_tx_new();
    const char *v[4] = {ro->complaint_ref, oc->name, ro->findings, ro->recorded_by};
    cd_tx_add(tx,
              "WITH u AS (UPDATE investigation.case SET state = 'completed', outcome = $2,"
              " findings = $3, recorded_by = $4, completed_at = now()"
              " WHERE reference = $1 AND state = 'open' RETURNING 1)"
              " SELECT investigation.expect(count(*) = 1, 'the case is not open') FROM u",
              4, v);
    Candour__V1__InvestigationCompleted ic = CANDOUR__V1__INVESTIGATION_COMPLETED__INIT;
    ic.case_id = op->note;
    ic.outcome = ro->outcome;
    ic.findings = ro->findings;
    ic.recorded_by = ro->recorded_by;
    cd_event_out_t out = {.type = "investigation.completed", .complaint_ref = ro->complaint_ref,
                          .payload = &ic.base, .subscribers = s_completed_to};
    cd_outbox_put(cd_service_outbox(s_svc), tx, &out, NULL, NULL);
    cd_db_submit(cd_service_db(s_svc), tx, s_on_recorded, op);
}

static void s_record_outcome(cd_request_t *req, const Candour__V1__RecordOutcome *ro)
{
    iv_error_t err;
    if (iv_validate_outcome(ro, &err) != 0) {
        cd_request_fail(req, err.code, err.field, err.message);
        return;
    }
    cd_op_t *op = cd_op_new(req, &ro->base);
    if (!op)
        return;
    const char *v[1] = {ro->complaint_ref};
    cd_db_query(cd_service_db(s_svc),
                "SELECT case_id, state FROM investigation.case WHERE reference = $1", 1, v,
                s_on_case_read, op);
}

static void s_on_request(cd_inbox_t *in, cd_request_t *req, const Candour__V1__Request *r,
                         void *arg)
{
    if (r->op_case == CANDOUR__V1__REQUEST__OP_RECORD_OUTCOME)
        s_record_outcome(req, r->record_outcome);
    else
        cd_request_fail(req, "UNSUPPORTED", "op", "investigation answers RecordOutcome only");
}

int main(int argc, char **argv)
{
    cd_service_spec_t spec = {
        .name = "investigation",
        .summary = "opens a case for each routed complaint and records its outcome",
        .bind_port = 7102,
        .admin_port = 9102,
        .subscribers = s_subscribers,
        .on_event = s_on_event,
        .on_request = s_on_request,
    };
    int code = 0;
    s_svc = cd_service_new(&spec, argc, argv, &code);
    if (!s_svc)
        return code;
    code = cd_service_run(s_svc);
    cd_service_destroy(&s_svc);
    cd_zmq_ctx_term();
    return code;
}
