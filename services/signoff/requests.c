/* requests.c - SignResponse: a signature on the draft response awaiting it
 * (F2). The body's chain (chain.h) says who signs and in which order; the
 * last step's signature approves the response, which goes to be sent as
 * response.approved with the partners' parts (R3) and, when the last step
 * sends it, the body's covering letter.
 *
 * Every signature is for the version of the draft held (draft_version, with
 * its text and SHA-256, as investigation.completed brought it), and for the
 * version the signatory read when they name it (draft_sha256). The text is
 * checked against its digest once more, and the quality gate (gate.h) must
 * find nothing blocking; the advice signed over is kept with the signature.
 * A draft with no version (a case without key issues) is signed as before:
 * its findings.
 *
 * A guarded operation (guarded_op.h): read the draft with its chain, judge
 * the person (chain.h), the state (signing.h) and the gate, then record the
 * signature only if the draft is still that version awaiting signature (the
 * step is the signature's key: two people cannot both sign it), and with
 * the last one approve it by an UPDATE that still requires it awaiting
 * signature, with the event in the same transaction: no response is approved
 * for a withdrawn complaint. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/digest.h"
#include "candour/error.h"
#include "candour/guarded_op.h"
#include "candour/log.h"
#include "candour/pbjson.h"
#include "candour/util.h"
#include "candour/v1/events.pb-c.h"
#include "chain_io.h"
#include "gate_io.h"
#include "signing.h"
#include "signoff.h"

enum {
    COL_STATE,
    COL_FINDINGS,
    COL_PARTS,
    COL_ORG,
    COL_DELEGATIONS,
    COL_CHAIN, /* SO_CHAIN_COLUMNS: steps, signatures, covering letter */
    COL_GATE = COL_CHAIN + SO_CHAIN_NCOLUMNS, /* SO_GATE_COLUMNS: outcome, version, ... */
    COL_OUTCOME = COL_GATE,
    COL_VERSION,
    COL_SHA256,
    COL_TEXT
};

/* The draft, its parts as a ContributionsMerged in JSON (pbjson), the chain
 * and the acting person's delegations ($2), and what the quality gate
 * reads: the version held (NULL: none), its body, the case's summary and
 * the body's settings. */
static const char s_read_sql[] =
    "SELECT d.state, d.findings,"
    " json_build_object('contributions', d.contributions)::text,"
    " d.org_id, " SO_DELEGATIONS_COLUMN(2) ", " SO_CHAIN_COLUMNS ", " SO_GATE_COLUMNS
                                           " FROM signoff.draft d WHERE d.reference = $1";

static int s_validate(const ProtobufCMessage *msg, cd_fail_t *why)
{
    return so_validate_sign((const Candour__V1__SignResponse *)msg, why);
}

/* F2: the step this person signs now, by the body's chain; kept in
 * op->note ("<step> <as delegate>") for the write. */
static int s_check_actor(const PGresult *r, const cd_actor_t *a, cd_op_t *op, cd_fail_t *why,
                         void *arg)
{
    so_chain_io_t c;
    if (so_chain_from_row(r, COL_CHAIN, COL_DELEGATIONS, PQgetvalue(r, 0, COL_ORG), &c,
                          a->staff_id) != 0)
        return cd_fail(why, CD_CODE_INTERNAL, "", "the signature chain could not be read");
    int as_delegate = 0;
    int k = so_chain_next(c.steps, c.nsteps, c.done, c.ndone, a, c.dels, c.ndels,
                          cd_date_from_unix_london(cd_clock_now()), &as_delegate, why);
    so_chain_io_free(&c);
    if (k < 0)
        return -1;
    snprintf(op->note, sizeof op->note, "%d %d", k, as_delegate);
    return 0;
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

/* The signature on step k (0-based) of the version read, only while the
 * draft is still that version awaiting signature; its key (reference,
 * version, step) keeps a step to one signature. */
static void s_add_signature(cd_tx_t *tx, const PGresult *r, cd_op_t *op, int k, int as_delegate,
                            const char *advice)
{
    const Candour__V1__SignResponse *sr = (const Candour__V1__SignResponse *)op->msg;
    const char *version = PQgetisnull(r, 0, COL_VERSION) ? "0" : PQgetvalue(r, 0, COL_VERSION);
    char step[16];
    snprintf(step, sizeof step, "%d", k + 1);
    const char *v[9] = {
        sr->complaint_ref, version,         PQgetvalue(r, 0, COL_SHA256), step,  op->actor_id,
        op->actor_name,    op->actor_title, as_delegate ? "t" : "f",      advice};
    cd_tx_add(tx,
              "WITH i AS (INSERT INTO signoff.signature (reference, version, sha256, step,"
              " staff_id, name, job_title, as_delegate, signed_over)"
              " SELECT $1, $2::int, $3, $4::int, $5, $6, $7, $8::boolean, $9::jsonb"
              " WHERE EXISTS (SELECT 1 FROM signoff.draft WHERE reference = $1"
              "  AND state = 'awaiting-signature' AND coalesce(draft_version, 0) = $2::int)"
              " ON CONFLICT DO NOTHING RETURNING 1)"
              " SELECT signoff.expect(count(*) = 1, 'the draft is not awaiting this signature')"
              " FROM i",
              9, v);
}

/* The last step: the response approved and sent to be written, with the
 * covering letter when that step sends it (the response then carries the
 * name of the signatory of the step before). */
static int s_approve(cd_tx_t *tx, const PGresult *r, cd_op_t *op, so_app_t *app,
                     const so_chain_io_t *c, int k, const char *advice)
{
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
    const char *v[5] = {sr->complaint_ref, op->actor_name, title, version, advice};
    cd_tx_add(tx,
              "WITH u AS (UPDATE signoff.draft SET state = 'approved', signed_by = $2,"
              " signatory_role = $3, signed_at = now(), signed_over = $5::jsonb"
              " WHERE reference = $1 AND state = 'awaiting-signature'"
              " AND draft_version IS NOT DISTINCT FROM $4::int RETURNING 1)"
              " SELECT signoff.expect(count(*) = 1, 'the draft is not awaiting signature') FROM u",
              5, v);
    Candour__V1__ResponseApproved ra = CANDOUR__V1__RESPONSE_APPROVED__INIT;
    const ProtobufCEnumValue *oc = protobuf_c_enum_descriptor_get_value_by_name(
        &candour__v1__outcome__descriptor, PQgetvalue(r, 0, COL_OUTCOME));
    ra.outcome = oc ? (Candour__V1__Outcome)oc->value : CANDOUR__V1__OUTCOME__OUTCOME_UNSPECIFIED;
    ra.findings = PQgetvalue(r, 0, COL_FINDINGS);
    ra.signed_by = op->actor_name;
    ra.signatory_role = (char *)title;
    if (c->steps[k].covering && c->covering) {
        ra.covering_letter = (char *)c->covering;
        ra.covering_signed_by = op->actor_name;
        ra.covering_signatory_role = (char *)title;
        for (size_t i = 0; i < c->ndone; i++)
            if (c->sig[i].step == k) { /* the step before (1-based k) */
                ra.signed_by = (char *)c->sig[i].name;
                ra.signatory_role = (char *)(c->sig[i].title[0] ? c->sig[i].title : "Signatory");
            }
    }
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

static int s_write(cd_tx_t *tx, const PGresult *r, cd_op_t *op, void *arg)
{
    int k = -1, as_delegate = 0;
    if (sscanf(op->note, "%d %d", &k, &as_delegate) != 2 || k < 0)
        return CD_EINVAL;
    so_chain_io_t c;
    if (so_chain_from_row(r, COL_CHAIN, -1, PQgetvalue(r, 0, COL_ORG), &c, NULL) != 0)
        return CD_ENOMEM;
    /* The advice the signatory signed over, recorded with the signature. */
    so_gate_run_t g;
    char *advice = so_gate_from_row(r, COL_GATE, &g) == 0 ? so_gate_advice_json(&g) : NULL;
    so_gate_run_free(&g);
    int rc = advice ? 0 : CD_ENOMEM;
    if (rc == 0)
        s_add_signature(tx, r, op, k, as_delegate, advice);
    if (rc == 0 && (size_t)k + 1 == c.nsteps)
        rc = s_approve(tx, r, op, arg, &c, k, advice);
    snprintf(op->note, sizeof op->note, "%d/%zu", k + 1, c.nsteps);
    free(advice);
    so_chain_io_free(&c);
    return rc;
}

static void s_committed(cd_op_t *op, void *arg)
{
    so_app_t *app = arg;
    const char *ref = ((const Candour__V1__SignResponse *)op->msg)->complaint_ref;
    int step = 0;
    size_t n = 0;
    sscanf(op->note, "%d/%zu", &step, &n);
    if ((size_t)step == n)
        cd_log_info("response.approved", "{s:s, s:s}", "reference", ref, "by", op->actor_id);
    else
        cd_log_info("response.signed", "{s:s, s:s, s:i, s:i}", "reference", ref, "by", op->actor_id,
                    "step", step, "steps", (int)n);
    cd_service_kick(app->svc);
}

static const cd_guarded_spec_t s_sign = {
    .validate = s_validate,
    .read_sql = s_read_sql,
    .nparams = 2,
    .missing_field = "sign.complaint_ref",
    .missing_message = "no draft response is waiting for signature under that reference",
    .check = s_check,
    .write = s_write,
    .check_actor = s_check_actor,
    .committed = s_committed,
    .lost_field = "sign.complaint_ref",
    .lost_message = "the draft is no longer awaiting signature: it was signed, or the complaint"
                    " was withdrawn",
    .roles = CD_ROLE_SIGNATORY | CD_ROLE_RESPONSIBLE_PERSON,
    .schema = "signoff",
    /* F2: whose people sign is the chain's (s_check_actor): a CSU's senior
     * signatory, a delegate of another body, or a signatory it authorised. */
    .org_col = CD_GUARDED_ANY_ORG,
};

void so_sign(so_app_t *app, cd_request_t *req, const Candour__V1__SignResponse *sr)
{
    const char *acting = cd_request_acting(req);
    const char *v[2] = {sr->complaint_ref, acting ? acting : ""};
    cd_guarded_run(&s_sign, cd_service_db(app->svc), req, &sr->base, v, app);
}
