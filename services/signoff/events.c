/* events.c - what candour-signoff does with the events it hears:
 * investigation.completed brings a draft response to sign, complaint.withdrawn
 * takes it off the table.
 *
 * The two come from different producers (investigation, intake) and may
 * cross on the bus: each writes the draft row by an upsert that leaves a
 * withdrawn draft withdrawn, whichever came first, so no response is signed
 * for a withdrawn complaint. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "candour/pbjson.h"
#include "candour/v1/events.pb-c.h"
#include "signoff.h"

/* The parts as a JSON array of Contribution messages (pbjson), malloc'd;
 * NULL when out of memory. */
static char *s_parts_json(const Candour__V1__InvestigationCompleted *ic)
{
    Candour__V1__ContributionsMerged m = CANDOUR__V1__CONTRIBUTIONS_MERGED__INIT;
    m.n_contributions = ic->n_contributions;
    m.contributions = ic->contributions;
    json_t *j = cd_pbjson_from_message(&m.base);
    if (!j)
        return NULL;
    json_t *a = json_object_get(j, "contributions"); /* absent when there are none */
    char *text = a ? json_dumps(a, JSON_COMPACT) : strdup("[]");
    json_decref(j);
    return text;
}

void so_on_completed(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                     const ProtobufCMessage *payload, void *arg)
{
    const Candour__V1__InvestigationCompleted *ic =
        (const Candour__V1__InvestigationCompleted *)payload;
    const ProtobufCEnumValue *oc =
        protobuf_c_enum_descriptor_get_value(&candour__v1__outcome__descriptor, ic->outcome);
    cd_tx_t *tx = cd_inbox_tx(in, ev);
    char *parts = s_parts_json(ic);
    const char *v[6] = {env->complaint_ref, ic->case_id, oc ? oc->name : "OUTCOME_UNSPECIFIED",
                        ic->findings,       parts,       ic->org_id};
    if (parts)
        cd_tx_add(tx,
                  "INSERT INTO signoff.draft AS d (reference, case_id, outcome, findings, state,"
                  " contributions, org_id)"
                  " VALUES ($1, $2::uuid, $3, $4, 'awaiting-signature', $5::jsonb, $6)"
                  " ON CONFLICT (reference) DO UPDATE SET case_id = EXCLUDED.case_id,"
                  "  outcome = EXCLUDED.outcome, findings = EXCLUDED.findings,"
                  "  contributions = EXCLUDED.contributions, org_id = EXCLUDED.org_id"
                  " WHERE d.state = 'withdrawn' AND d.case_id IS NULL",
                  6, v);
    else
        cd_tx_poison(tx); /* out of memory: the producer resends */
    free(parts);
    cd_inbox_commit(in, ev, tx, NULL, NULL);
}

void so_on_withdrawn(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                     const ProtobufCMessage *payload, void *arg)
{
    const Candour__V1__ComplaintWithdrawn *w = (const Candour__V1__ComplaintWithdrawn *)payload;
    cd_tx_t *tx = cd_inbox_tx(in, ev);
    /* A response already approved stays approved: it has gone on to be sent. */
    const char *v[2] = {env->complaint_ref, w->reason};
    cd_tx_add(tx,
              "INSERT INTO signoff.draft AS d (reference, state, withdrawn_at, withdrawn_reason)"
              " VALUES ($1, 'withdrawn', now(), $2)"
              " ON CONFLICT (reference) DO UPDATE SET state = 'withdrawn', withdrawn_at = now(),"
              "  withdrawn_reason = EXCLUDED.withdrawn_reason"
              " WHERE d.state = 'awaiting-signature'",
              2, v);
    cd_inbox_commit(in, ev, tx, NULL, NULL);
}
