/* triage.c - who handles a complaint, and why. */
#include "triage.h"

#include <stdio.h>
#include <string.h>

const char *rt_outcome_name(rt_outcome_t o)
{
    static const char *const names[] = {"handle-here",         "pass-to-provider", "redirect-nhse",
                                        "coordinate",          "appeal",           "not-required",
                                        "already-investigated"};
    return (unsigned)o < sizeof names / sizeof names[0] ? names[o] : "?";
}

int rt_consent_covers(const rt_triage_in_t *in, const char *org)
{
    if (!in->has_consent)
        return 0;
    if (in->nshare == 0)
        return 1;
    for (int i = 0; i < in->nshare; i++)
        if (strcmp(in->consent_share_with[i], org) == 0)
            return 1;
    return 0;
}

int rt_referral_shares_contact(const rt_triage_in_t *in, Candour__V1__Standing standing,
                               const char *org)
{
    return standing == CANDOUR__V1__STANDING__STANDING_SELF || rt_consent_covers(in, org);
}

static const char *s_exclusion_reason(Candour__V1__Exclusion e)
{
    switch (e) {
    case CANDOUR__V1__EXCLUSION__EXCLUSION_BY_RESPONSIBLE_BODY:
        return "made by a responsible body (reg. 8(1)(a))";
    case CANDOUR__V1__EXCLUSION__EXCLUSION_EMPLOYEE_EMPLOYMENT:
        return "made by an employee about their employment (reg. 8(1)(b))";
    case CANDOUR__V1__EXCLUSION__EXCLUSION_SAME_AS_RESOLVED_ORAL:
        return "the same subject as an oral complaint already resolved (reg. 8(1)(d))";
    case CANDOUR__V1__EXCLUSION__EXCLUSION_ALREADY_INVESTIGATED:
        return "already investigated under the regulations (reg. 8(1)(e)); the Ombudsman route"
               " stays open";
    case CANDOUR__V1__EXCLUSION__EXCLUSION_OMBUDSMAN:
        return "being or already investigated by an Ombudsman (reg. 8(1)(f))";
    case CANDOUR__V1__EXCLUSION__EXCLUSION_FOI:
        return "a Freedom of Information request not complied with (reg. 8(1)(g))";
    case CANDOUR__V1__EXCLUSION__EXCLUSION_PENSION:
        return "about NHS pension or loss-of-office compensation (reg. 8(1)(h))";
    default:
        return "";
    }
}

/* The body answerable for one service (R1): NHS England for what it
 * commissions directly, the local authority for adult social care (it is
 * commissioner), otherwise the commissioner. */
static const char *s_body(const rt_route_t *r)
{
    return r->commissioner;
}

static int s_has(char (*set)[RT_ORG], int n, const char *org)
{
    for (int i = 0; i < n; i++)
        if (strcmp(set[i], org) == 0)
            return 1;
    return 0;
}

static void s_add(char (*set)[RT_ORG], int *n, int max, const char *org)
{
    if (*n < max && org[0] && !s_has(set, *n, org)) {
        size_t l = strnlen(org, RT_ORG - 1);
        memcpy(set[*n], org, l);
        set[(*n)++][l] = 0;
    }
}

static void s_set(rt_triage_out_t *out, rt_outcome_t o, const char *lead, const char *why)
{
    out->outcome = o;
    snprintf(out->lead, sizeof out->lead, "%s", lead);
    snprintf(out->reason, sizeof out->reason, "%s", why);
}

static void s_finish(const rt_triage_in_t *in, rt_triage_out_t *out)
{
    out->lead_here = strcmp(out->lead, in->receiving_org) == 0 &&
                     out->outcome != RT_PASS_TO_PROVIDER && out->outcome != RT_REDIRECT_NHSE;
}

static void s_triage(const rt_triage_in_t *in, rt_triage_out_t *out);

void rt_triage(const rt_triage_in_t *in, rt_triage_out_t *out)
{
    s_triage(in, out);
    s_finish(in, out);
}

static void s_triage(const rt_triage_in_t *in, rt_triage_out_t *out)
{
    memset(out, 0, sizeof *out);
    out->gaps = in->nservices > in->nroutes ? in->nservices - in->nroutes : 0;
    /* I5: not required to be dealt with; recorded with its reason, complainant told. */
    if (in->exclusion != CANDOUR__V1__EXCLUSION__EXCLUSION_NONE) {
        int already = in->exclusion == CANDOUR__V1__EXCLUSION__EXCLUSION_ALREADY_INVESTIGATED;
        s_set(out, already ? RT_ALREADY_INVESTIGATED : RT_NOT_REQUIRED, in->receiving_org,
              s_exclusion_reason(in->exclusion));
        out->tell_complainant = 1;
        return;
    }
    /* The bodies answerable for what the complaint is about. */
    char bodies[RT_MAX_ROUTES][RT_ORG];
    char providers[RT_MAX_ROUTES][RT_ORG];
    int nbodies = 0, nproviders = 0, nhse_parts = 0;
    for (int i = 0; i < in->nroutes && i < RT_MAX_ROUTES; i++) {
        s_add(bodies, &nbodies, RT_MAX_ROUTES, s_body(&in->routes[i]));
        s_add(providers, &nproviders, RT_MAX_ROUTES, in->routes[i].provider);
        nhse_parts += in->routes[i].nhse_direct;
    }
    /* I6: an eligibility appeal goes to the appeals route; a case can be both
     * (then the complaint about the services named goes ahead as well). */
    if (in->chc_appeal) {
        out->appeal = 1;
        out->tell_complainant = 1;
        if (in->nservices == 0) {
            s_set(out, RT_APPEAL, in->receiving_org,
                  "disagreement with a Continuing Healthcare eligibility decision is an appeal,"
                  " not a complaint: it goes to the appeals route");
            return;
        }
    }
    const char *org = in->receiving_org;
    if (nbodies == 0) {
        s_set(out, RT_HANDLE_HERE, org,
              out->gaps ? "no routing entry for the services named: handled here, gap raised"
                        : "about the receiving body itself: handled here");
    } else if (nbodies == 1 && nhse_parts == in->nroutes && strcmp(bodies[0], org) != 0) {
        /* All of it is NHS England's (R1); it goes there with permission. */
        s_set(out, RT_REDIRECT_NHSE, bodies[0],
              "about services NHS England commissions directly: redirected to its contact"
              " centre once the complainant agrees");
        out->consent_needed = !rt_consent_covers(in, bodies[0]);
        out->tell_complainant = 1;
    } else if (nbodies == 1 && strcmp(bodies[0], org) == 0) {
        if (in->pass_to_provider && nproviders == 1 && strcmp(providers[0], org) != 0) {
            s_set(out, RT_PASS_TO_PROVIDER, providers[0],
                  "the commissioner passes it to the provider to investigate and respond (R2)");
            out->consent_needed = !rt_consent_covers(in, providers[0]);
            out->tell_complainant = 1;
        } else {
            s_set(out, RT_HANDLE_HERE, org, "the receiving body commissions what it is about");
        }
    } else {
        /* Several bodies (R3): the complainant complains once. The receiving
         * body leads when it is one of them; otherwise NHS England may lead
         * where part is its own; otherwise the first body named. */
        const char *lead = s_has(bodies, nbodies, org) ? org : nhse_parts ? NULL : bodies[0];
        if (!lead)
            for (int i = 0; i < in->nroutes; i++)
                if (in->routes[i].nhse_direct)
                    lead = s_body(&in->routes[i]);
        s_set(out, RT_COORDINATE, lead,
              strcmp(lead, org) == 0
                  ? "several bodies are involved: the receiving body leads and answers once (R3)"
                  : "several bodies are involved: the body responsible for most of it leads (R3)");
        /* Partners: every other body and provider that holds part of it. */
        for (int i = 0; i < nbodies; i++)
            if (strcmp(bodies[i], lead) != 0)
                s_add(out->partners, &out->npartners, RT_MAX_PARTNERS, bodies[i]);
        for (int i = 0; i < nproviders; i++)
            if (strcmp(providers[i], lead) != 0 && strcmp(providers[i], org) != 0)
                s_add(out->partners, &out->npartners, RT_MAX_PARTNERS, providers[i]);
        for (int i = 0; i < out->npartners; i++)
            out->consent_needed |= !rt_consent_covers(in, out->partners[i]);
        /* Led by another body: the complaint goes to it, so its consent too (R2). */
        if (strcmp(lead, org) != 0)
            out->consent_needed |= !rt_consent_covers(in, lead);
        out->tell_complainant = strcmp(lead, org) != 0;
    }
}
