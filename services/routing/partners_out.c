/* partners_out.c - what one of routing's decisions sends to other bodies
 * over the bus, each with its history line: the complaint referred on to
 * the body triage named (I5a, N2), with the complainant's contact details
 * only where consent allows (R2); the contribution requests to the partners
 * of a complaint this body leads, with their deadlines (R3); and the final
 * response shared with those partners (R3, N2). apply.c decides and calls
 * these inside its one transaction (store.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/calendar.h"
#include "candour/pbjson.h"
#include "candour/util.h"
#include "candour/v1/events.pb-c.h"
#include "routing.h"
#include "store.h"

/* The complaint sent on to the body triage named (I5a, N2): its content,
 * and the complainant's contact details only where consent allows (R2). */
void rt_put_referral(cd_tx_t *tx, rt_events_t *evs, const rt_apply_t *a, const rt_triage_out_t *t,
                     const char *content, rt_history_t *h)
{
    Candour__V1__ComplaintRouted *c =
        content ? (Candour__V1__ComplaintRouted *)cd_pbjson_parse(
                      &candour__v1__complaint_routed__descriptor, content, strlen(content), NULL)
                : NULL;
    if (!c) {
        cd_tx_poison(tx); /* never send it on without its content: try again */
        return;
    }
    const char *share[RT_MAX_PARTNERS];
    rt_triage_in_t in;
    rt_triage_in_of(a, &in, share);
    int self = c->standing == CANDOUR__V1__STANDING__STANDING_SELF;
    int allowed = rt_referral_shares_contact(&in, c->standing, t->lead);
    int contact = allowed && c->complainant; /* none: a record from before they were kept */
    Candour__V1__ComplaintReferred r = CANDOUR__V1__COMPLAINT_REFERRED__INIT;
    r.to_org = (char *)t->lead;
    r.from_org = (char *)a->org_id;
    r.outcome = (char *)rt_outcome_name(t->outcome);
    r.reason = (char *)t->reason;
    r.description = c->description;
    r.desired_outcome = c->desired_outcome;
    r.n_services = c->n_services;
    r.services = c->services;
    r.event_date = c->event_date;
    r.complainant = contact ? c->complainant : NULL;
    rt_events_add(tx, evs, a, "complaint.referred", &r.base, NULL);
    char detail[240];
    snprintf(detail, sizeof detail,
             "sent on to %s over the bus (I5a); the complainant's contact"
             " details %s",
             t->lead,
             !allowed   ? "held back: no consent recorded covers that body (R2)"
             : !contact ? "not known here"
             : self     ? "included: the patient complains for themselves"
                        : "included: the consent recorded covers that body (R2)");
    rt_history_add(h, "complaint.referred", "routing", "", detail);
    candour__v1__complaint_routed__free_unpacked(c, NULL);
}

/* The approved response of a complaint this body led goes to each partner
 * asked for a part, answered or waived: they are party to it (R3, N2). */
void rt_put_shared(cd_tx_t *tx, rt_events_t *evs, const rt_apply_t *a, rt_history_t *h)
{
    if (a->payload->descriptor != &candour__v1__response_approved__descriptor)
        return;
    const Candour__V1__ResponseApproved *ra = (const Candour__V1__ResponseApproved *)a->payload;
    /* The version signed is the response; without one, its findings. */
    const char *text = ra->draft && ra->draft->text[0] ? ra->draft->text : ra->findings;
    for (int i = 0; i < a->npartners; i++) {
        Candour__V1__ResponseShared rs = CANDOUR__V1__RESPONSE_SHARED__INIT;
        rs.partner_org = (char *)a->partners[i];
        rs.lead_org = (char *)(a->lead_org[0] ? a->lead_org : a->org_id);
        rs.text = (char *)text;
        rs.signed_by = ra->signed_by;
        rs.signatory_role = ra->signatory_role;
        rt_events_add(tx, evs, a, "response.shared", &rs.base, NULL);
        char detail[200];
        snprintf(detail, sizeof detail, "the final response shared with %s over the bus (R3)",
                 a->partners[i]);
        rt_history_add(h, "response.shared", "routing", "", detail);
    }
}

/* The partners' contribution deadlines (one statement for all) and the
 * request to each, with its history line. */
void rt_put_contributions(cd_tx_t *tx, rt_events_t *evs, const rt_apply_t *a,
                          const rt_triage_out_t *t, const char *content, rt_history_t *h)
{
    const char *ref = a->env->complaint_ref;
    cd_date_t today = cd_date_from_unix_london(cd_clock_now());
    char due[CD_DATE_LEN + 1];
    cd_date_format(cd_workdays_add(rt_app.cal, today, (int)rt_app.contribution_days), due);
    char *partners = rt_partners_array(t);
    if (!partners)
        cd_tx_poison(tx); /* out of memory: the event comes again */
    const char *v[3] = {ref, partners, due};
    cd_tx_add(tx,
              "INSERT INTO routing.deadline (reference, name, party, due)"
              " SELECT $1, 'contribution', p.party, $3::date"
              " FROM unnest($2::text[]) WITH ORDINALITY AS p (party, n) ORDER BY p.n"
              " ON CONFLICT DO NOTHING",
              3, v);
    free(partners);
    Candour__V1__ComplaintRouted *c =
        content ? (Candour__V1__ComplaintRouted *)cd_pbjson_parse(
                      &candour__v1__complaint_routed__descriptor, content, strlen(content), NULL)
                : NULL;
    for (int i = 0; i < t->npartners; i++) {
        /* The request itself, to the partner over the bus (R3); consent
         * covers this partner, or contributions_due would not be set. */
        Candour__V1__ContributionRequested cr = CANDOUR__V1__CONTRIBUTION_REQUESTED__INIT;
        cr.partner_org = (char *)t->partners[i];
        cr.lead_org = (char *)t->lead;
        cr.due = due;
        cr.description = c ? c->description : "";
        cr.n_services = c ? c->n_services : 0;
        cr.services = c ? c->services : NULL;
        rt_events_add(tx, evs, a, "contribution.requested", &cr.base, NULL);
        char detail[200];
        snprintf(detail, sizeof detail, "contribution requested from %s, due %s", t->partners[i],
                 due);
        rt_history_add(h, "contribution.requested", "routing", "", detail);
    }
    if (c)
        candour__v1__complaint_routed__free_unpacked(c, NULL);
}
