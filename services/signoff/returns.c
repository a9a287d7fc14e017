/* returns.c - ReturnDraft: a signatory sends the draft back to the
 * investigator with the reasons (F2), typically after the quality gate
 * blocked it. A guarded operation (guarded_op.h): read the draft, judge its
 * state by the lifecycle (signing.h), then mark it returned only if it is
 * still the version read and awaiting signature, with the return's record
 * and the draft.returned event (to investigation, which opens the case
 * again, and routing, whose lifecycle moves the complaint back under
 * investigation) in the same transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/guarded_op.h"
#include "candour/log.h"
#include "signing.h"
#include "signoff.h"

enum { COL_STATE, COL_ORG, COL_VERSION, COL_SHA256 };

static int s_validate(const ProtobufCMessage *msg, cd_fail_t *why)
{
    return so_validate_return((const Candour__V1__ReturnDraft *)msg, why);
}

static int s_check(const PGresult *r, cd_op_t *op, cd_fail_t *why, void *arg)
{
    const Candour__V1__ReturnDraft *rd = (const Candour__V1__ReturnDraft *)op->msg;
    if (so_return_allowed(PQgetvalue(r, 0, COL_STATE), why) != 0)
        return -1;
    if (PQgetisnull(r, 0, COL_VERSION))
        return cd_fail(why, CD_CODE_FAILED_PRECONDITION, "return_draft.complaint_ref",
                       "this response has no draft version to return (a case without key"
                       " issues): sign it or leave it unsigned");
    if (rd->draft_sha256[0] && strcmp(rd->draft_sha256, PQgetvalue(r, 0, COL_SHA256)) != 0)
        return cd_fail(why, CD_CODE_FAILED_PRECONDITION, "return_draft.draft_sha256",
                       "that is not the version awaiting signature (version %s): read it again",
                       PQgetvalue(r, 0, COL_VERSION));
    return 0;
}

static int s_write(cd_tx_t *tx, const PGresult *r, cd_op_t *op, void *arg)
{
    so_app_t *app = arg;
    const Candour__V1__ReturnDraft *rd = (const Candour__V1__ReturnDraft *)op->msg;
    const char *version = PQgetvalue(r, 0, COL_VERSION), *sha = PQgetvalue(r, 0, COL_SHA256);
    const char *v[5] = {rd->complaint_ref, version, sha, rd->reasons, op->actor};
    cd_tx_add(tx,
              "WITH u AS (UPDATE signoff.draft SET state = 'returned'"
              " WHERE reference = $1 AND state = 'awaiting-signature'"
              " AND draft_version = $2::int RETURNING 1)"
              " SELECT signoff.expect(count(*) = 1, 'the draft is not awaiting signature') FROM u",
              2, v);
    cd_tx_add(tx,
              "INSERT INTO signoff.draft_return (reference, version, sha256, reasons, returned_by)"
              " VALUES ($1, $2::int, $3, $4, $5)",
              5, v);
    /* Signatures already given on it are void: the next version starts the
     * chain again. */
    const char *w[3] = {rd->complaint_ref, version, op->actor};
    cd_tx_add(tx,
              "UPDATE signoff.signature SET void_at = now(),"
              " void_reason = 'returned to the investigator by ' || $3"
              " WHERE reference = $1 AND version = $2::int AND void_at IS NULL",
              3, w);
    Candour__V1__DraftReturned ev = CANDOUR__V1__DRAFT_RETURNED__INIT;
    ev.version = atoi(version);
    ev.sha256 = (char *)sha;
    ev.reasons = rd->reasons;
    ev.returned_by = op->actor;
    cd_event_out_t out = {
        .type = "draft.returned", .complaint_ref = rd->complaint_ref, .payload = &ev.base};
    return cd_outbox_put(cd_service_outbox(app->svc), tx, &out, NULL, NULL);
}

static void s_committed(cd_op_t *op, void *arg)
{
    so_app_t *app = arg;
    cd_log_info("draft.returned", "{s:s, s:s}", "reference",
                ((const Candour__V1__ReturnDraft *)op->msg)->complaint_ref, "by", op->actor_id);
    cd_service_kick(app->svc);
}

static const cd_guarded_spec_t s_return = {
    .validate = s_validate,
    .read_sql = "SELECT state, org_id, draft_version, draft_sha256 FROM signoff.draft"
                " WHERE reference = $1",
    .nparams = 1,
    .missing_field = "return_draft.complaint_ref",
    .missing_message = "no draft response is waiting for signature under that reference",
    .check = s_check,
    .write = s_write,
    .committed = s_committed,
    .lost_field = "return_draft.complaint_ref",
    .lost_message = "the draft is no longer awaiting signature: it was signed, returned or"
                    " withdrawn meanwhile",
    .roles = CD_ROLE_SIGNATORY | CD_ROLE_RESPONSIBLE_PERSON,
    .schema = "signoff",
    .org_col = COL_ORG,
    .signs_for = 1,
};

void so_return_draft(so_app_t *app, cd_request_t *req, const Candour__V1__ReturnDraft *rd)
{
    const char *v[1] = {rd->complaint_ref};
    cd_guarded_run(&s_return, cd_service_db(app->svc), req, &rd->base, v, app);
}
