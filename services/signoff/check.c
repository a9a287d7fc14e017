/* check.c - CheckDraft: the quality gate's findings on the draft awaiting
 * signature, as sign-off would judge it now (F1, F3), for the signatories
 * and the case's team to put right before anyone signs.
 *
 * Read-only: one transaction reads the draft with what the gate needs and
 * the person acting; the body's staff who sign, manage or investigate may
 * read it (and a signatory another body authorised, F2). Logged as
 * draft.checked with the reference and the reader's staff id. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/directory.h"
#include "candour/log.h"
#include "chain_io.h"
#include "gate_io.h"
#include "signoff.h"

#define S_REF "check_draft.complaint_ref"

/* Who may read the gate's findings. */
#define S_READERS                                                                                  \
    (CD_ROLE_SIGNATORY | CD_ROLE_RESPONSIBLE_PERSON | CD_ROLE_COMPLAINTS_MANAGER |                 \
     CD_ROLE_INVESTIGATOR)

enum { COL_STATE, COL_ORG, COL_CHAIN, COL_GATE = COL_CHAIN + SO_CHAIN_NCOLUMNS };

static const char s_read_sql[] =
    "SELECT d.state, d.org_id, " SO_CHAIN_COLUMNS ", " SO_GATE_COLUMNS " FROM signoff.draft d"
    " WHERE d.reference = $1";

/* Each step of the chain in words: who signs it, and whether they have
 * (out[i] malloc'd). Returns how many, 0 when it cannot be read. */
static size_t s_chain_lines(const so_chain_io_t *c, char **out)
{
    size_t n = 0;
    for (size_t i = 0; i < c->nsteps; i++) {
        const so_signature_t *g = NULL;
        for (size_t k = 0; k < c->ndone; k++)
            if (c->sig[k].step == (int)i + 1)
                g = &c->sig[k];
        char line[512];
        if (g)
            snprintf(line, sizeof line, "step %zu, %s of %s: signed by %s (%s)", i + 1,
                     c->steps[i].label, c->steps[i].signer_org, g->name, g->staff_id);
        else
            snprintf(line, sizeof line, "step %zu, %s of %s: to sign", i + 1, c->steps[i].label,
                     c->steps[i].signer_org);
        out[n] = strdup(line);
        n += out[n] != NULL;
    }
    return n;
}

/* Who may read: the body's people (or a signatory it authorised), and the
 * people of any body that signs a step of its chain (a CSU's). */
static int s_reader(const cd_actor_t *a, void *ctx, cd_fail_t *why)
{
    const so_chain_io_t *c = ctx;
    for (size_t i = 0; i < c->nsteps; i++)
        if (cd_actor_signs_for(a, c->steps[i].signer_org))
            return 0;
    return cd_fail(why, CD_CODE_PERMISSION_DENIED, "acting",
                   "%s is not of the body whose response this is, nor of one that signs it",
                   a->staff_id);
}

static void s_on_read(const cd_tx_result_t *res, void *arg)
{
    cd_op_t *op = arg;
    if (res->err) {
        cd_op_fail(op, CD_CODE_UNAVAILABLE, "", "could not be read just now");
        return;
    }
    const PGresult *r = res->results[0];
    int found = PQntuples(r) == 1;
    cd_fail_t why = {0};
    so_chain_io_t c = {0};
    int chained =
        found && so_chain_from_row(r, COL_CHAIN, -1, PQgetvalue(r, 0, COL_ORG), &c, NULL) == 0;
    if (found && !chained) {
        cd_op_fail(op, CD_CODE_INTERNAL, "", "the signature chain could not be read");
        return;
    }
    /* Not found: only the person is checked (anyone of any body is told so). */
    if (cd_op_actor(op, res->results[1], NULL, S_READERS, 1, found ? s_reader : NULL, &c, &why) !=
        0) {
        cd_op_fail(op, why.code, why.field, why.message);
        so_chain_io_free(&c);
        return;
    }
    if (!found || strcmp(PQgetvalue(r, 0, COL_STATE), "awaiting-signature") != 0) {
        cd_op_fail(op, found ? CD_CODE_FAILED_PRECONDITION : CD_CODE_NOT_FOUND, S_REF,
                   found ? "no draft of that complaint is awaiting signature"
                         : "no draft response has that reference");
        so_chain_io_free(&c);
        return;
    }
    so_gate_run_t g;
    char *chain[SO_MAX_STEPS];
    size_t nchain = s_chain_lines(&c, chain);
    so_chain_io_free(&c);
    Candour__V1__GateReport *rep =
        so_gate_from_row(r, COL_GATE, &g) == 0 ? so_gate_report(&g, chain, nchain) : NULL;
    so_gate_run_free(&g);
    for (size_t i = 0; i < nchain; i++)
        free(chain[i]);
    if (!rep) {
        cd_op_fail(op, CD_CODE_INTERNAL, "", "the draft could not be checked");
        return;
    }
    const Candour__V1__CheckDraft *cd = (const Candour__V1__CheckDraft *)op->msg;
    cd_log_info("draft.checked", "{s:s, s:s, s:i}", "reference", cd->complaint_ref, "staff_id",
                op->actor_id, "blocking", (int)rep->blocking);
    Candour__V1__Reply reply = CANDOUR__V1__REPLY__INIT;
    reply.result_case = CANDOUR__V1__REPLY__RESULT_GATE_REPORT;
    reply.gate_report = rep;
    cd_op_reply(op, &reply);
    candour__v1__gate_report__free_unpacked(rep, NULL);
}

void so_check_draft(so_app_t *app, cd_request_t *req, const Candour__V1__CheckDraft *c)
{
    if (!c->complaint_ref[0]) {
        cd_request_fail(req, CD_CODE_REQUIRED, S_REF, "give the complaint's reference");
        return;
    }
    cd_op_t *op = cd_op_new(req, &c->base);
    if (!op)
        return;
    const char *acting = cd_request_acting(req);
    char who_sql[512];
    cd_actor_sql("signoff", who_sql, sizeof who_sql);
    const char *v[1] = {c->complaint_ref}, *w[1] = {acting ? acting : ""};
    cd_tx_t *tx = cd_tx_new();
    cd_tx_add(tx, s_read_sql, 1, v);
    cd_tx_add(tx, who_sql, 1, w);
    cd_db_submit(cd_service_db(app->svc), tx, s_on_read, op);
}
