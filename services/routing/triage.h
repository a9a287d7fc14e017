/* triage.h - who handles a complaint, and why (R1-R3, I5, I6), pure.
 *
 * Given what the complaint is about (its services, looked up in the
 * receiving body's routing table for its date of receipt) and what intake
 * found (exclusions, appeal), triage names one outcome with its reason: the
 * body that leads, the partners asked to contribute, and whether the patient's
 * consent must come before anything leaves for another body (R2). The
 * routing table is data (routing.route), never code: this function only
 * applies the rules to the rows it is given. */
#ifndef ROUTING_TRIAGE_H
#define ROUTING_TRIAGE_H

#include "candour/v1/complaint.pb-c.h"

#define RT_MAX_ROUTES 16
#define RT_MAX_PARTNERS 8
#define RT_ORG 65

typedef struct {
    char service[RT_ORG];
    char kind[32];
    char commissioner[RT_ORG];
    char provider[RT_ORG];
    int nhse_direct;
} rt_route_t;

typedef enum {
    RT_HANDLE_HERE,         /* the receiving body investigates and responds */
    RT_PASS_TO_PROVIDER,    /* the commissioner passes it to the provider (R2, after consent) */
    RT_REDIRECT_NHSE,       /* all of it is NHS England's to handle (after permission) */
    RT_COORDINATE,          /* several bodies: one leads, the others contribute (R3) */
    RT_APPEAL,              /* a CHC eligibility appeal, not a complaint (I6) */
    RT_NOT_REQUIRED,        /* reg. 8(1): recorded with its reason, complainant told (I5) */
    RT_ALREADY_INVESTIGATED /* I5(e): already investigated under the regulations */
} rt_outcome_t;

typedef struct {
    const char *receiving_org; /* the body the complaint was made to */
    int nservices;             /* services named in the complaint */
    const rt_route_t *routes;  /* the rows found for them */
    int nroutes;
    Candour__V1__Exclusion exclusion;
    int chc_appeal;
    int pass_to_provider;                  /* the receiving body's policy (default: handle here) */
    int has_consent;                       /* the patient's consent is recorded */
    const char *const *consent_share_with; /* bodies it covers; none listed = every body */
    int nshare;
} rt_triage_in_t;

typedef struct {
    rt_outcome_t outcome;
    char lead[RT_ORG];                      /* the body that leads and responds */
    char partners[RT_MAX_PARTNERS][RT_ORG]; /* bodies asked to contribute (R3) */
    int npartners;
    int consent_needed;   /* something must go to another body and consent does not cover it (R2) */
    int appeal;           /* a CHC eligibility appeal goes to the appeals route too (I6) */
    int tell_complainant; /* the outcome is written to the complainant */
    int lead_here;        /* the receiving body leads (it investigates and responds) */
    int gaps;             /* services named with no routing row: raise to a person */
    char reason[240];     /* plain words, references only */
} rt_triage_out_t;

void rt_triage(const rt_triage_in_t *in, rt_triage_out_t *out);

/* "handle-here", "coordinate", ... */
const char *rt_outcome_name(rt_outcome_t o);

/* Whether consent (share_with: none = every body) covers sending to org. */
int rt_consent_covers(const rt_triage_in_t *in, const char *org);

/* R2: whether a referral to org may carry the complainant's contact
 * details: the patient complains for themselves (STANDING_SELF), or the
 * consent recorded covers org (rt_consent_covers on in's consent fields; a
 * recorded consent exception stands for a consent covering every body). Its
 * content goes either way: only the means of reaching a person is held back. */
int rt_referral_shares_contact(const rt_triage_in_t *in, Candour__V1__Standing standing,
                               const char *org);

#endif
