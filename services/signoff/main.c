/* candour-signoff - holds each draft response until the responsible person
 * (or someone authorised) signs it, then releases it to be sent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/error.h"
#include "candour/log.h"
#include "candour/service.h"
#include "candour/v1/events.pb-c.h"
#include "signing.h"

static const char *const s_subscribers[] = {"notify", "routing", NULL};
static const char *const s_approved_to[] = {"notify", "routing", NULL};

static cd_service_t *s_svc;

static void s_on_completed(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env)
{
    Candour__V1__InvestigationCompleted *ic =
        candour__v1__investigation_completed__unpack(NULL, env->payload.len, env->payload.data);
    if (!ic) {
        cd_inbox_nak(in, ev, "MALFORMED_EVENT", "investigation.completed payload does not decode");
        return;
    }
    const ProtobufCEnumValue *oc =
        protobuf_c_enum_descriptor_get_value(&candour__v1__outcome__descriptor, ic->outcome);
    cd_tx_t *tx = cd_inbox_tx(in, ev);
    const char *v[4] = {env->complaint_ref, ic->case_id, oc ? oc->name : "OUTCOME_UNSPECIFIED",
                        ic->findings};
    cd_tx_add(tx, "INSERT INTO signoff.draft (reference, case_id, outcome, findings, state)"
                  " VALUES ($1, $2::uuid, $3, $4, 'awaiting-signature')", 4, v);
    candour__v1__investigation_completed__free_unpacked(ic, NULL);
    cd_inbox_commit(in, ev, tx, NULL, NULL);
}

static void s_on_event(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                       void *arg)
{
    if (strcmp(env->type, "investigation.completed") == 0)
        s_on_completed(in, ev, env);
    else
        cd_inbox_commit(in, ev, cd_inbox_tx(in, ev), NULL, NULL);
}

/* ---------------------------------------------------------------- sign */

static void s_on_signed(const cd_tx_result_t *res, void *arg)
{
    cd_op_t *op = arg;
    if (res->err == 0) {
        cd_log_info("response.approved", "{s:s}", "reference",
                    ((const Candour__V1__SignResponse *)op->msg)->complaint_ref);
        cd_service_kick(s_svc);
    }
    cd_op_committed(op, res, "sign.complaint_ref", "the response is already signed");
}

static void s_on_draft_read(const cd_tx_result_t *res, void *arg)
{
    cd_op_t *op = arg;
    PGresult *r = res->err ? NULL : res->results[0];
    const char *fail = NULL, *code = NULL;
    if (!r) {
        code = "UNAVAILABLE";
        fail = "the draft could not be read just now";
    } else if (PQntuples(r) != 1) {
        code = "NOT_FOUND";
        fail = "no draft response is waiting for signature under that reference";
    } else if (!so_draft_signable(PQgetvalue(r, 0, 0))) {
        code = "FAILED_PRECONDITION";
        fail = "the response is already signed";
    }
    if (fail) {
        cd_op_fail(op, code, "sign.complaint_ref", fail);
        return;
    }
    const Candour__V1__SignResponse *sr = (const Candour__V1__SignResponse *)op->msg;
    cd_tx_t *tx = cd_tx_new();
    const char *v[3] = {sr->complaint_ref, sr->signed_by, sr->signatory_role};
    cd_tx_add(tx,
              "WITH u AS (UPDATE signoff.draft SET state = 'approved', signed_by = $2,"
              " signatory_role = $3, signed_at = now()"
              " WHERE reference = $1 AND state = 'awaiting-signature' RETURNING 1)"
              " SELECT signoff.expect(count(*) = 1, 'the draft is not awaiting signature') FROM u",
              3, v);
    Candour__V1__ResponseApproved ra = CANDOUR__V1__RESPONSE_APPROVED__INIT;
    const ProtobufCEnumValue *oc = protobuf_c_enum_descriptor_get_value_by_name(
        &candour__v1__outcome__descriptor, PQgetvalue(r, 0, 1));
    ra.outcome = oc ? (Candour__V1__Outcome)oc->value : CANDOUR__V1__OUTCOME__OUTCOME_UNSPECIFIED;
    ra.findings = PQgetvalue(r, 0, 2);
    ra.signed_by = sr->signed_by;
    ra.signatory_role = sr->signatory_role;
    cd_event_out_t out = {.type = "response.approved", .complaint_ref = sr->complaint_ref,
                          .payload = &ra.base, .subscribers = s_approved_to};
    cd_outbox_put(cd_service_outbox(s_svc), tx, &out, NULL, NULL);
    cd_db_submit(cd_service_db(s_svc), tx, s_on_signed, op);
}

static void s_sign(cd_request_t *req, const Candour__V1__SignResponse *sr)
{
    so_error_t err;
    if (so_validate_sign(sr, &err) != 0) {
        cd_request_fail(req, err.code, err.field, err.message);
        return;
    }
    cd_op_t *op = cd_op_new(req, &sr->base);
    if (!op)
        return;
    const char *v[1] = {sr->complaint_ref};
    cd_db_query(cd_service_db(s_svc),
                "SELECT state, outcome, findings FROM signoff.draft WHERE reference = $1", 1, v,
                s_on_draft_read, op);
}

static void s_on_request(cd_inbox_t *in, cd_request_t *req, const Candour__V1__Request *r,
                         void *arg)
{
    if (r->op_case == CANDOUR__V1__REQUEST__OP_SIGN)
        s_sign(req, r->sign);
    else
        cd_request_fail(req, "UNSUPPORTED", "op", "signoff answers SignResponse only");
}

int main(int argc, char **argv)
{
    cd_service_spec_t spec = {
        .name = "signoff",
        .summary = "collects the responsible person's signature on each response",
        .bind_port = 7103,
        .admin_port = 9103,
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
