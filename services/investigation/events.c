/* events.c - what candour-investigation does with the events it hears:
 * complaint.routed opens a case, contributions.merged brings the partners'
 * parts (R3), complaint.withdrawn closes the case to any outcome.
 *
 * Events about one complaint come from different producers (routing,
 * intake), and the bus orders them per producer only: complaint.withdrawn may
 * arrive before complaint.routed. Both therefore write the case row by an
 * upsert that leaves a withdrawn case withdrawn, whichever came first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/util.h"
#include "candour/v1/events.pb-c.h"
#include "investigation.h"

void iv_on_routed(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                  const ProtobufCMessage *payload, void *arg)
{
    iv_app_t *app = arg;
    const Candour__V1__ComplaintRouted *cr = (const Candour__V1__ComplaintRouted *)payload;
    char case_id[CD_UUID_LEN + 1];
    cd_tx_t *tx = cd_inbox_tx(in, ev);
    char *partners = cd_pg_text_array((const char *const *)cr->partners, cr->n_partners);
    char *staff = cd_pg_text_array((const char *const *)cr->staff_named, cr->n_staff_named);
    char *teams = cd_pg_text_array((const char *const *)cr->teams_named, cr->n_teams_named);
    if (cd_uuid(case_id) != 0 || !partners || !staff || !teams) {
        cd_tx_poison(tx); /* no id or no memory: the producer resends */
        free(partners);
        free(staff);
        free(teams);
        cd_inbox_commit(in, ev, tx, NULL, NULL);
        return;
    }
    /* The complainant's name and how they asked to be addressed are kept
     * for the summary sign-off's gate checks the letter against. */
    const char *v[10] = {case_id,
                         env->complaint_ref,
                         cr->handling_org,
                         cr->description,
                         cr->desired_outcome,
                         partners,
                         staff,
                         teams,
                         cr->complainant_name,
                         cr->address_as};
    cd_tx_add(tx,
              "INSERT INTO investigation.case AS c (case_id, reference, org_id, state,"
              " description, desired_outcome, partners, staff_named, teams_named,"
              " complainant_name, address_as)"
              " VALUES ($1::uuid, $2, $3, 'open', $4, $5, $6::text[], $7::text[], $8::text[],"
              " $9, $10)" IV_ROUTED_CONFLICT,
              10, v);
    free(partners);
    free(staff);
    free(teams);
    /* Only a case this event opened is announced: not one the complainant
     * had already withdrawn. */
    Candour__V1__CaseOpened opened = CANDOUR__V1__CASE_OPENED__INIT;
    opened.case_id = case_id;
    cd_event_out_t out = {.type = "case.opened",
                          .complaint_ref = env->complaint_ref,
                          .correlation_id = env->correlation_id,
                          .causation_id = env->event_id,
                          .payload = &opened.base};
    cd_outbox_put(cd_service_outbox(app->svc), tx, &out,
                  "EXISTS (SELECT 1 FROM investigation.case WHERE case_id = $G::uuid"
                  " AND state = 'open')",
                  case_id);
    cd_inbox_commit(in, ev, tx, cd_service_kick, app->svc);
}

/* contributions.merged: the partners' parts and the waivers, by one
 * statement whatever their number, in the order they came (seq): a part
 * already stored (or given twice) stays as first stored. */
void iv_on_merged(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                  const ProtobufCMessage *payload, void *arg)
{
    const Candour__V1__ContributionsMerged *m = (const Candour__V1__ContributionsMerged *)payload;
    cd_tx_t *tx = cd_inbox_tx(in, ev);
    size_t n = m->n_contributions;
    if (n > 0) {
        enum { ORG, FINDINGS, AT, WAIVED, REASON, BY, NCOL };
        /* Each field a column, each column a text[]. */
        const char **col = calloc(NCOL * n, sizeof *col);
        for (size_t i = 0; col && i < n; i++) {
            const Candour__V1__Contribution *c = m->contributions[i];
            col[ORG * n + i] = c->org;
            col[FINDINGS * n + i] = c->findings;
            col[AT * n + i] = c->received_at;
            col[WAIVED * n + i] = c->waived ? "true" : "false";
            col[REASON * n + i] = c->reason;
            col[BY * n + i] = c->recorded_by;
        }
        char *arr[NCOL] = {0};
        int ok = col != NULL;
        for (int k = 0; ok && k < NCOL; k++)
            ok = (arr[k] = cd_pg_text_array(col + (size_t)k * n, n)) != NULL;
        const char *v[1 + NCOL] = {
            env->complaint_ref, arr[0], arr[1], arr[2], arr[3], arr[4], arr[5]};
        if (ok)
            cd_tx_add(tx,
                      "INSERT INTO investigation.contribution (reference, org_id, findings,"
                      " received_at, waived, reason, recorded_by)"
                      " SELECT $1, c.org_id, c.findings, NULLIF(c.received_at, '')::timestamptz,"
                      "  c.waived::boolean, c.reason, c.recorded_by"
                      " FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[],"
                      "  $7::text[]) WITH ORDINALITY"
                      "  AS c (org_id, findings, received_at, waived, reason, recorded_by, n)"
                      " ORDER BY c.n ON CONFLICT DO NOTHING",
                      1 + NCOL, v);
        else
            cd_tx_poison(tx); /* out of memory: the producer resends */
        free(col);
        for (int k = 0; k < NCOL; k++)
            free(arr[k]);
    }
    cd_inbox_commit(in, ev, tx, NULL, NULL);
}

void iv_on_withdrawn(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                     const ProtobufCMessage *payload, void *arg)
{
    const Candour__V1__ComplaintWithdrawn *w = (const Candour__V1__ComplaintWithdrawn *)payload;
    char case_id[CD_UUID_LEN + 1];
    cd_tx_t *tx = cd_inbox_tx(in, ev);
    if (cd_uuid(case_id) != 0) {
        cd_tx_poison(tx);
        cd_inbox_commit(in, ev, tx, NULL, NULL);
        return;
    }
    /* A case with an outcome already is left as it is: sign-off withdraws
     * the response. */
    const char *v[3] = {case_id, env->complaint_ref, w->reason};
    cd_tx_add(tx,
              "INSERT INTO investigation.case AS c (case_id, reference, org_id, state,"
              " description, withdrawn_at, withdrawn_reason)"
              " VALUES ($1::uuid, $2, '', 'withdrawn', '', now(), $3)"
              " ON CONFLICT (reference) DO UPDATE SET state = 'withdrawn', withdrawn_at = now(),"
              "  withdrawn_reason = EXCLUDED.withdrawn_reason"
              " WHERE c.state = 'open'",
              3, v);
    cd_inbox_commit(in, ev, tx, NULL, NULL);
}

void iv_on_draft_returned(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                          const ProtobufCMessage *payload, void *arg)
{
    const Candour__V1__DraftReturned *dr = (const Candour__V1__DraftReturned *)payload;
    if (dr->version < 1 || !dr->reasons[0]) {
        cd_inbox_nak(in, ev, CD_CODE_MALFORMED_EVENT,
                     "a returned draft without its version or"
                     " the reasons");
        return;
    }
    char version[16];
    snprintf(version, sizeof version, "%d", (int)dr->version);
    cd_tx_t *tx = cd_inbox_tx(in, ev);
    /* The reasons stay with the version returned; the case is open again for
     * the investigator to edit the draft and record the outcome anew. A case
     * withdrawn meanwhile stays withdrawn. */
    const char *v[4] = {env->complaint_ref, version, dr->reasons, dr->returned_by};
    cd_tx_add(tx,
              "UPDATE investigation.draft SET returned_reasons = $3, returned_by = $4"
              " WHERE reference = $1 AND version = $2::int",
              4, v);
    cd_tx_add(tx,
              "UPDATE investigation.case SET state = 'open' WHERE reference = $1"
              " AND state = 'completed'",
              1, v);
    cd_inbox_commit(in, ev, tx, NULL, NULL);
}
