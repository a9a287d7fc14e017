/* received_batch.c - complaint.received for several complaints at once: the
 * people to write to, kept in one statement (inbox.h's batch functions).
 * Each row is what nt_on_received (events.c) keeps for one: the
 * complainant, and the patient when someone complains for them; a
 * complaint already known keeps what it has. An event without a
 * complainant fails the batch, and each event then goes to nt_on_received,
 * which refuses that one alone. */
#include <stdlib.h>

#include "candour/pbjson.h"
#include "candour/util.h"
#include "candour/v1/events.pb-c.h"
#include "notify.h"

enum { REF, ORG, PERSON, PATIENT, NCOL };

int nt_on_received_batch(cd_inbox_t *in, cd_batch_t *b, void *arg)
{
    (void)in;
    (void)arg;
    size_t n = (size_t)b->n;
    const char **rows = calloc(n * NCOL, sizeof *rows);
    char **owned = calloc(n * 2, sizeof *owned); /* each row's person and patient */
    char *cols[NCOL] = {NULL};
    int rc = rows && owned ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const Candour__V1__ComplaintReceived *cr =
            (const Candour__V1__ComplaintReceived *)b->payloads[i];
        const Candour__V1__Complaint *c = cr->complaint;
        if (!c || !c->complainant) {
            rc = -1; /* nt_on_received says why, to that event's producer */
            break;
        }
        owned[2 * i] = cd_pbjson_dumps(&c->complainant->base, 0);
        owned[2 * i + 1] = c->patient ? cd_pbjson_dumps(&c->patient->base, 0) : NULL;
        if (!owned[2 * i] || (c->patient && !owned[2 * i + 1]))
            rc = -1;
        rows[i * NCOL + REF] = b->envs[i]->complaint_ref;
        rows[i * NCOL + ORG] = cr->org_id;
        rows[i * NCOL + PERSON] = owned[2 * i];
        rows[i * NCOL + PATIENT] = owned[2 * i + 1]; /* NULL: SQL NULL */
    }
    if (rc == 0)
        rc = cd_pg_text_columns(rows, n, NCOL, cols);
    if (rc == 0)
        rc = cd_tx_add(b->tx,
                       "INSERT INTO notify.recipient (reference, org_id, person, patient)"
                       " SELECT r.reference, r.org_id, r.person::jsonb, r.patient::jsonb"
                       " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])"
                       " WITH ORDINALITY AS r(reference, org_id, person, patient, n)"
                       " ORDER BY r.n ON CONFLICT (reference) DO NOTHING",
                       NCOL, (const char *const *)cols);
    for (int k = 0; k < NCOL; k++)
        free(cols[k]);
    for (size_t i = 0; owned && i < n * 2; i++)
        free(owned[i]);
    free(owned);
    free(rows);
    return rc == 0 ? 0 : -1;
}
