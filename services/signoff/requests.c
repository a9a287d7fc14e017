/* requests.c - candour-signoff's one request, SignResponse: the responsible
 * person (or someone authorised) signs the draft response (F2), which then
 * goes to be sent as response.approved, with the partners' parts (R3).
 *
 * The signature is for the version of the draft held (draft_version, with its
 * text and SHA-256, as investigation.completed brought it): ResponseApproved
 * carries that version, and its text is the letter's body. The text is
 * checked against its digest once more before it is signed. A draft with no
 * version (a case without key issues) is signed as before: its findings.
 *
 * A guarded operation (guarded_op.h): read the draft, judge its state by the
 * lifecycle (signing.h), then approve it by an UPDATE that still requires it
 * awaiting signature (a withdrawal or another signature in between loses),
 * with the event in the same transaction: no response is approved for a
 * withdrawn complaint. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/digest.h"
#include "candour/error.h"
#include "candour/guarded_op.h"
#include "candour/log.h"
#include "candour/pbjson.h"
#include "candour/v1/events.pb-c.h"
#include "gate_io.h"
#include "signing.h"
#include "signoff.h"

enum {
    COL_STATE,
    COL_FINDINGS,
    COL_PARTS,
    COL_ORG,
    COL_GATE, /* SO_GATE_COLUMNS: outcome, version, SHA-256, text, ... */
    COL_OUTCOME = COL_GATE,
    COL_VERSION,
    COL_SHA256,
    COL_TEXT
};

/* The draft, its parts as a ContributionsMerged in JSON (pbjson), and what
 * the quality gate reads: the version held (NULL: none), its body, the
 * case's summary and the body's settings. */
static const char s_read_sql[] =
    "SELECT d.state, d.findings,"
    " json_build_object('contributions', d.contributions)::text,"
    " d.org_id, " SO_GATE_COLUMNS " FROM signoff.draft d WHERE d.reference = $1";

static int s_validate(const ProtobufCMessage *msg, cd_fail_t *why)
{
    return so_validate_sign((const Candour__V1__SignResponse *)msg, why);
}

static int s_check(const PGresult *r, cd_op_t *op, cd_fail_t *why, void *arg)
{
    if (so_sign_allowed(PQgetvalue(r, 0, COL_STATE), why) != 0)
        return -1;
    if (PQgetisnull(r, 0, COL_VERSION))
        return 0;
    const char *text = PQgetvalue(r, 0, COL_TEXT);
    char sha[CD_SHA256_HEX_LEN + 1];
    cd_sha256_hex(text, strlen(text), sha);
    if (strcmp(sha, PQgetvalue(r, 0, COL_SHA256)) != 0)
        return cd_fail(why, CD_CODE_FAILED_PRECONDITION, "sign.complaint_ref",
                       "the draft held (version %s) does not match its SHA-256: it is not signed;"
                       " the investigation sends it again",
                       PQgetvalue(r, 0, COL_VERSION));
    const Candour__V1__SignResponse *sr = (const Candour__V1__SignResponse *)op->msg;
    if (sr->draft_sha256[0] && strcmp(sr->draft_sha256, sha) != 0)
        return cd_fail(why, CD_CODE_FAILED_PRECONDITION, "sign.draft_sha256",
                       "that is not the version awaiting signature (version %s, SHA-256 %.12s...):"
                       " read it again before signing",
                       PQgetvalue(r, 0, COL_VERSION), sha);
    /* F1, F3: the quality gate. Blocking findings stop the signature. */
    so_gate_run_t g;
    int rc = so_gate_from_row(r, COL_GATE, &g);
    const so_finding_t *first = rc == 0 ? so_gate_first_blocking(&g) : NULL;
    if (rc != 0 || g.blocking > 0)
        cd_fail(why, CD_CODE_FAILED_PRECONDITION, "sign.complaint_ref",
                "the quality gate found %d blocking problem%s in draft version %s, which must be"
                " put right before it is signed; the first: %s: %s (candourctl check %s lists"
                " them all)",
                rc != 0 ? 1 : g.blocking, rc != 0 || g.blocking > 1 ? "s" : "",
                PQgetvalue(r, 0, COL_VERSION), first ? first->check : "input",
                first ? first->message : "the case's summary could not be read", sr->complaint_ref);
    int blocked = rc != 0 || g.blocking > 0;
    so_gate_run_free(&g);
    return blocked ? -1 : 0;
}

static int s_write(cd_tx_t *tx, const PGresult *r, cd_op_t *op, void *arg)
{
    so_app_t *app = arg;
    const Candour__V1__SignResponse *sr = (const Candour__V1__SignResponse *)op->msg;
    const char *text = PQgetvalue(r, 0, COL_PARTS);
    Candour__V1__ContributionsMerged *parts = (Candour__V1__ContributionsMerged *)cd_pbjson_parse(
        &candour__v1__contributions_merged__descriptor, text, strlen(text), NULL);
    if (!parts)
        return CD_ENOMEM;
    /* The person acting, as the directory has them: the letter prints their
     * name and job title (the request's signed_by and signatory_role are
     * not taken). */
    const char *title = op->actor_title[0] ? op->actor_title : "Signatory";
    /* The version signed is the one read: the guard holds it to that. */
    const char *version = PQgetisnull(r, 0, COL_VERSION) ? NULL : PQgetvalue(r, 0, COL_VERSION);
    /* The advice the signatory signed over, recorded with the signature. */
    so_gate_run_t g;
    char *advice = so_gate_from_row(r, COL_GATE, &g) == 0 ? so_gate_advice_json(&g) : NULL;
    so_gate_run_free(&g);
    if (!advice) {
        protobuf_c_message_free_unpacked(&parts->base, NULL);
        return CD_ENOMEM;
    }
    const char *v[5] = {sr->complaint_ref, op->actor_name, title, version, advice};
    cd_tx_add(tx,
              "WITH u AS (UPDATE signoff.draft SET state = 'approved', signed_by = $2,"
              " signatory_role = $3, signed_at = now(), signed_over = $5::jsonb"
              " WHERE reference = $1 AND state = 'awaiting-signature'"
              " AND draft_version IS NOT DISTINCT FROM $4::int RETURNING 1)"
              " SELECT signoff.expect(count(*) = 1, 'the draft is not awaiting signature') FROM u",
              5, v);
    free(advice);
    Candour__V1__ResponseApproved ra = CANDOUR__V1__RESPONSE_APPROVED__INIT;
    const ProtobufCEnumValue *oc = protobuf_c_enum_descriptor_get_value_by_name(
        &candour__v1__outcome__descriptor, PQgetvalue(r, 0, COL_OUTCOME));
    ra.outcome = oc ? (Candour__V1__Outcome)oc->value : CANDOUR__V1__OUTCOME__OUTCOME_UNSPECIFIED;
    ra.findings = PQgetvalue(r, 0, COL_FINDINGS);
    ra.signed_by = op->actor_name;
    ra.signatory_role = (char *)title;
    ra.n_contributions = parts->n_contributions;
    ra.contributions = parts->contributions;
    Candour__V1__DraftVersion dv = CANDOUR__V1__DRAFT_VERSION__INIT;
    if (version) {
        dv.version = atoi(version);
        dv.sha256 = PQgetvalue(r, 0, COL_SHA256);
        dv.text = PQgetvalue(r, 0, COL_TEXT);
        ra.draft = &dv;
    }
    cd_event_out_t out = {
        .type = "response.approved", .complaint_ref = sr->complaint_ref, .payload = &ra.base};
    int rc = cd_outbox_put(cd_service_outbox(app->svc), tx, &out, NULL, NULL);
    protobuf_c_message_free_unpacked(&parts->base, NULL);
    return rc;
}

static void s_committed(cd_op_t *op, void *arg)
{
    so_app_t *app = arg;
    cd_log_info("response.approved", "{s:s}", "reference",
                ((const Candour__V1__SignResponse *)op->msg)->complaint_ref);
    cd_service_kick(app->svc);
}

static const cd_guarded_spec_t s_sign = {
    .validate = s_validate,
    .read_sql = s_read_sql,
    .nparams = 1,
    .missing_field = "sign.complaint_ref",
    .missing_message = "no draft response is waiting for signature under that reference",
    .check = s_check,
    .write = s_write,
    .committed = s_committed,
    .lost_field = "sign.complaint_ref",
    .lost_message = "the draft is no longer awaiting signature: it was signed, or the complaint"
                    " was withdrawn",
    .roles = CD_ROLE_SIGNATORY | CD_ROLE_RESPONSIBLE_PERSON,
    .schema = "signoff",
    .org_col = COL_ORG,
    .signs_for = 1, /* F2: e.g. a CSU's senior signatory, authorised by the ICB */
};

void so_sign(so_app_t *app, cd_request_t *req, const Candour__V1__SignResponse *sr)
{
    const char *v[1] = {sr->complaint_ref};
    cd_guarded_run(&s_sign, cd_service_db(app->svc), req, &sr->base, v, app);
}
