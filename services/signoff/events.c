/* events.c - what candour-signoff does with the events it hears:
 * investigation.completed brings a draft response to sign, complaint.withdrawn
 * takes it off the table.
 *
 * The draft comes as a version of the text investigation assembled or staff
 * edited (InvestigationCompleted.draft), with the SHA-256 of its text: it is
 * kept as it came, once the text is shown to be the one the digest names, and
 * the signature is for that version. A case without key issues has no
 * version: its free-text findings are the letter's.
 *
 * A draft a signatory returned (F2) waits for a later version, which takes
 * its place and awaits signature again.
 *
 * The two come from different producers (investigation, intake) and may
 * cross on the bus: each writes the draft row by an upsert that leaves a
 * withdrawn draft withdrawn, whichever came first, so no response is signed
 * for a withdrawn complaint. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "candour/digest.h"
#include "candour/errcode.h"
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

/* Whether the draft (NULL: none came) is one to keep: a version, its text,
 * and the digest of that text. */
static int s_draft_ok(const Candour__V1__DraftVersion *d)
{
    if (!d)
        return 1;
    char sha[CD_SHA256_HEX_LEN + 1];
    cd_sha256_hex(d->text, strlen(d->text), sha);
    return d->version >= 1 && d->text[0] && strcmp(sha, d->sha256) == 0;
}

void so_on_completed(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                     const ProtobufCMessage *payload, void *arg)
{
    const Candour__V1__InvestigationCompleted *ic =
        (const Candour__V1__InvestigationCompleted *)payload;
    if (!s_draft_ok(ic->draft)) {
        /* Never kept to be signed: what would be signed is not what was drafted. */
        cd_inbox_nak(in, ev, CD_CODE_MALFORMED_EVENT,
                     "the draft's text does not match its SHA-256, or it has no version");
        return;
    }
    const ProtobufCEnumValue *oc =
        protobuf_c_enum_descriptor_get_value(&candour__v1__outcome__descriptor, ic->outcome);
    cd_tx_t *tx = cd_inbox_tx(in, ev);
    char *parts = s_parts_json(ic);
    char version[16];
    const Candour__V1__DraftVersion *d = ic->draft;
    if (d)
        snprintf(version, sizeof version, "%d", (int)d->version);
    /* What the quality gate checks the draft against (F1). */
    char *summary = ic->summary ? cd_pbjson_dumps(&ic->summary->base, 0) : strdup("{}");
    const char *v[10] = {env->complaint_ref,
                         ic->case_id,
                         oc ? oc->name : "OUTCOME_UNSPECIFIED",
                         ic->findings,
                         parts,
                         ic->org_id,
                         d ? version : NULL,
                         d ? d->sha256 : NULL,
                         d ? d->text : NULL,
                         summary};
    if (parts && summary)
        cd_tx_add(tx,
                  "INSERT INTO signoff.draft AS d (reference, case_id, outcome, findings, state,"
                  " contributions, org_id, draft_version, draft_sha256, draft_text, summary)"
                  " VALUES ($1, $2::uuid, $3, $4, 'awaiting-signature', $5::jsonb, $6, $7::int,"
                  " $8, $9, $10::jsonb)"
                  " ON CONFLICT (reference) DO UPDATE SET case_id = EXCLUDED.case_id,"
                  "  outcome = EXCLUDED.outcome, findings = EXCLUDED.findings,"
                  "  contributions = EXCLUDED.contributions, org_id = EXCLUDED.org_id,"
                  "  draft_version = EXCLUDED.draft_version, draft_sha256 = EXCLUDED.draft_sha256,"
                  "  draft_text = EXCLUDED.draft_text, summary = EXCLUDED.summary,"
                  "  state = CASE WHEN d.state = 'returned' THEN 'awaiting-signature'"
                  "   ELSE d.state END"
                  " WHERE (d.state = 'withdrawn' AND d.case_id IS NULL)"
                  "  OR (d.state = 'returned' AND EXCLUDED.draft_version > d.draft_version)",
                  10, v);
    else
        cd_tx_poison(tx); /* out of memory: the producer resends */
    if (d) {
        /* F2: a new version voids the signatures on the ones before it: the
         * chain starts again for the text now to be signed. */
        const char *w[2] = {env->complaint_ref, version};
        cd_tx_add(tx,
                  "UPDATE signoff.signature SET void_at = now(),"
                  " void_reason = 'version ' || $2 || ' replaced it'"
                  " WHERE reference = $1 AND version < $2::int AND void_at IS NULL",
                  2, w);
    }
    free(parts);
    free(summary);
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
              " WHERE d.state IN ('awaiting-signature', 'returned')",
              2, v);
    cd_inbox_commit(in, ev, tx, NULL, NULL);
}
