/* events_batch.c - complaint.routed for several complaints at once: the
 * cases they open in one statement, and the case.opened events in one more
 * (inbox.h's batch functions). What each event does is iv_on_routed's
 * (events.c): a case opened, or a case the complainant had withdrawn first
 * filled in and left withdrawn, and case.opened only for a case this event
 * opened. A batch that fails as a whole goes back to iv_on_routed, event by
 * event. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/util.h"
#include "candour/v1/events.pb-c.h"
#include "investigation.h"

enum { CASE_ID, REF, ORG, DESCRIPTION, DESIRED, PARTNERS, STAFF, TEAMS, NAME, ADDRESS_AS, NCOL };

/* The row of event i into row[0..NCOL), its three lists made array literals
 * (owned[0..3), freed by the caller). 0, or -1 (no id or no memory). */
static int s_row(const cd_batch_t *b, int i, char case_id[CD_UUID_LEN + 1], const char **row,
                 char **owned)
{
    const Candour__V1__ComplaintRouted *cr = (const Candour__V1__ComplaintRouted *)b->payloads[i];
    owned[0] = cd_pg_text_array((const char *const *)cr->partners, cr->n_partners);
    owned[1] = cd_pg_text_array((const char *const *)cr->staff_named, cr->n_staff_named);
    owned[2] = cd_pg_text_array((const char *const *)cr->teams_named, cr->n_teams_named);
    if (cd_uuid(case_id) != 0 || !owned[0] || !owned[1] || !owned[2])
        return -1;
    row[CASE_ID] = case_id;
    row[REF] = b->envs[i]->complaint_ref;
    row[ORG] = cr->handling_org;
    row[DESCRIPTION] = cr->description;
    row[DESIRED] = cr->desired_outcome;
    row[PARTNERS] = owned[0];
    row[STAFF] = owned[1];
    row[TEAMS] = owned[2];
    row[NAME] = cr->complainant_name;
    row[ADDRESS_AS] = cr->address_as;
    return 0;
}

int iv_on_routed_batch(cd_inbox_t *in, cd_batch_t *b, void *arg)
{
    (void)in;
    iv_app_t *app = arg;
    size_t n = (size_t)b->n;
    char(*ids)[CD_UUID_LEN + 1] = calloc(n, sizeof *ids);
    const char **rows = calloc(n * NCOL, sizeof *rows);
    char **owned = calloc(n * 3, sizeof *owned);
    const char **guards = calloc(n, sizeof *guards);
    cd_event_out_t *outs = calloc(n, sizeof *outs);
    Candour__V1__CaseOpened *opened = calloc(n, sizeof *opened);
    char *cols[NCOL] = {NULL};
    int rc = ids && rows && owned && guards && outs && opened ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rc = s_row(b, (int)i, ids[i], rows + i * NCOL, owned + i * 3);
        guards[i] = ids[i];
        candour__v1__case_opened__init(&opened[i]);
        opened[i].case_id = ids[i];
        outs[i] = (cd_event_out_t){.type = "case.opened",
                                   .complaint_ref = b->envs[i]->complaint_ref,
                                   .correlation_id = b->envs[i]->correlation_id,
                                   .causation_id = b->envs[i]->event_id,
                                   .payload = &opened[i].base};
    }
    if (rc == 0)
        rc = cd_pg_text_columns(rows, n, NCOL, cols);
    if (rc == 0)
        rc = cd_tx_add(
            b->tx,
            "INSERT INTO investigation.case AS c (case_id, reference, org_id, state,"
            " description, desired_outcome, partners, staff_named, teams_named,"
            " complainant_name, address_as)"
            " SELECT r.case_id::uuid, r.reference, r.org_id, 'open', r.description,"
            "  r.desired_outcome, r.partners::text[], r.staff::text[], r.teams::text[], r.name,"
            "  r.address_as"
            " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],"
            "  $7::text[], $8::text[], $9::text[], $10::text[]) WITH ORDINALITY AS r(case_id,"
            "  reference, org_id, description, desired_outcome, partners, staff, teams, name,"
            "  address_as, n)"
            " ORDER BY r.n" IV_ROUTED_CONFLICT,
            NCOL, (const char *const *)cols);
    /* Only a case this batch opened is announced. */
    if (rc == 0)
        rc = cd_outbox_put_many(cd_service_outbox(app->svc), b->tx, outs, (int)n,
                                "EXISTS (SELECT 1 FROM investigation.case x"
                                " WHERE x.case_id = $G::uuid AND x.state = 'open')",
                                guards);
    if (rc == 0) {
        b->on_committed = cd_service_kick;
        b->committed_arg = app->svc;
    }
    for (int k = 0; k < NCOL; k++)
        free(cols[k]);
    for (size_t i = 0; owned && i < n * 3; i++)
        free(owned[i]);
    free(ids);
    free(rows);
    free(owned);
    free(guards);
    free(outs);
    free(opened);
    return rc == 0 ? 0 : -1;
}
