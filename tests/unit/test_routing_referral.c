/* test_routing_referral.c - what routing sends on to another body, and when
 * (I5a, R2, R3, N1, N2).
 *
 * The rule first: a referral carries the complainant's contact details only
 * when the patient complains for themselves or the consent recorded covers
 * the body it goes to (rt_referral_shares_contact, pure). Then the driver of
 * the lifecycle (rt_decide): the rows that send a complaint on ask for a
 * referral, a complaint held for consent asks for it in writing once however
 * often it is held, and an approved response is shared once. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "decide.h"
#include "triage.h"

#define SELF CANDOUR__V1__STANDING__STANDING_SELF

/* Consent as routing knows it: none, or given for the bodies listed (none
 * listed: every body; a recorded consent exception is given that way too). */
static rt_triage_in_t s_consent(int given, const char *const *share, int n)
{
    return (rt_triage_in_t){.has_consent = given, .consent_share_with = share, .nshare = n};
}

/* ------------------------------------------------------------ the rule */

Test(routing_referral, R2_the_patient_complaining_for_themselves_is_reachable_by_the_body)
{
    rt_triage_in_t none = s_consent(0, NULL, 0);
    cr_assert(rt_referral_shares_contact(&none, SELF, "TRUST-RYY"));
}

Test(routing_referral, R2_a_representative_without_consent_is_not_reachable_by_the_body)
{
    static const Candour__V1__Standing others[] = {
        CANDOUR__V1__STANDING__STANDING_UNSPECIFIED,
        CANDOUR__V1__STANDING__STANDING_AFFECTED,
        CANDOUR__V1__STANDING__STANDING_PATIENT_CONSENT,
        CANDOUR__V1__STANDING__STANDING_LACKS_CAPACITY,
        CANDOUR__V1__STANDING__STANDING_CHILD,
        CANDOUR__V1__STANDING__STANDING_DECEASED,
    };
    rt_triage_in_t none = s_consent(0, NULL, 0);
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        cr_assert_not(rt_referral_shares_contact(&none, others[i], "TRUST-RYY"), "standing %d",
                      (int)others[i]);
}

Test(routing_referral, R2_consent_naming_the_body_lets_it_have_the_contact_details)
{
    static const char *const share[] = {"LA-XYZ", "TRUST-RYY"};
    rt_triage_in_t in = s_consent(1, share, 2);
    cr_assert(rt_referral_shares_contact(&in, CANDOUR__V1__STANDING__STANDING_PATIENT_CONSENT,
                                         "TRUST-RYY"));
}

Test(routing_referral, R2_consent_naming_no_body_covers_every_body)
{
    rt_triage_in_t in = s_consent(1, NULL, 0);
    cr_assert(rt_referral_shares_contact(&in, CANDOUR__V1__STANDING__STANDING_CHILD, "NHSE"));
}

Test(routing_referral, R2_consent_naming_other_bodies_holds_the_contact_details_back)
{
    static const char *const share[] = {"ICB-QWE"};
    rt_triage_in_t in = s_consent(1, share, 1);
    cr_assert_not(
        rt_referral_shares_contact(&in, CANDOUR__V1__STANDING__STANDING_PATIENT_CONSENT, "NHSE"));
    cr_assert_not(
        rt_referral_shares_contact(&in, CANDOUR__V1__STANDING__STANDING_PATIENT_CONSENT, "ICB-QW"),
        "a body is named whole, not by a prefix");
    cr_assert(rt_referral_shares_contact(&in, SELF, "NHSE"), "the patient's own complaint");
}

/* ------------------------------------------------ the driver (rt_decide) */

static rt_actions_t s_step(rt_state_t *st, const rt_input_t *in)
{
    rt_state_t next;
    rt_actions_t act;
    cr_assert_eq(rt_decide(st, in, &next, &act), 0, "%s did not apply", in->type);
    *st = next;
    return act;
}

static rt_triage_out_t s_triage(rt_outcome_t o, const char *lead, int consent_needed)
{
    rt_triage_out_t t = {.outcome = o, .consent_needed = consent_needed, .tell_complainant = 1};
    snprintf(t.lead, sizeof t.lead, "%s", lead);
    t.lead_here = strcmp(lead, "ICB-QWE") == 0 && o != RT_PASS_TO_PROVIDER && o != RT_REDIRECT_NHSE;
    return t;
}

static rt_actions_t s_receive(rt_state_t *st, const rt_triage_out_t *t, const char *const *holds,
                              int n)
{
    memset(st, 0, sizeof *st);
    rt_input_t in = {.type = "complaint.received",
                     .classification = "CLASSIFICATION_COMPLAINT",
                     .holds = holds,
                     .nholds = n,
                     .triage = t};
    return s_step(st, &in);
}

Test(routing_decide_referral, I5a_N2_a_complaint_passed_to_the_provider_is_referred_to_it)
{
    static const struct {
        rt_outcome_t outcome;
        const char *lead;
        const char *state;
    } sent_on[] = {
        {RT_PASS_TO_PROVIDER, "TRUST-RYY", "passed-to-provider"},
        {RT_REDIRECT_NHSE, "NHSE", "redirected-to-nhse"},
        {RT_COORDINATE, "NHSE", "coordinated-by-another-body"},
    };
    for (size_t i = 0; i < sizeof sent_on / sizeof sent_on[0]; i++) {
        rt_triage_out_t t = s_triage(sent_on[i].outcome, sent_on[i].lead, 0);
        rt_state_t st;
        rt_actions_t a = s_receive(&st, &t, NULL, 0);
        cr_assert_str_eq(cd_state_name(st.state), sent_on[i].state);
        cr_assert(a.refer, "%s: not referred", sent_on[i].state);
        cr_assert_not(a.route, "%s: investigated here too", sent_on[i].state);
        cr_assert_not(a.ask_consent, "%s: consent covers it", sent_on[i].state);
    }
}

Test(routing_decide_referral, I5a_what_is_handled_here_is_referred_to_no_one)
{
    rt_triage_out_t here = s_triage(RT_HANDLE_HERE, "ICB-QWE", 0);
    rt_triage_out_t lead = s_triage(RT_COORDINATE, "ICB-QWE", 0);
    rt_triage_out_t appeal = s_triage(RT_APPEAL, "ICB-QWE", 0);
    const rt_triage_out_t *ts[] = {&here, &lead, &appeal};
    for (size_t i = 0; i < 3; i++) {
        rt_state_t st;
        rt_actions_t a = s_receive(&st, ts[i], NULL, 0);
        cr_assert_not(a.refer, "%s referred", rt_outcome_name(ts[i]->outcome));
    }
}

Test(routing_decide_referral, R2_nothing_is_referred_before_consent_covers_the_body)
{
    static const char *const consent[] = {"awaiting-consent"};
    rt_triage_out_t t = s_triage(RT_PASS_TO_PROVIDER, "TRUST-RYY", 1);
    rt_state_t st;
    rt_actions_t a = s_receive(&st, &t, consent, 1);
    cr_assert_str_eq(cd_state_name(st.state), "awaiting-consent");
    cr_assert_not(a.refer);
    /* Consent came, for another body only: still held. */
    rt_input_t in = {.type = "consent.recorded", .triage = &t};
    a = s_step(&st, &in);
    cr_assert_str_eq(cd_state_name(st.state), "awaiting-consent");
    cr_assert_not(a.refer);
    /* Consent that covers it: passed on, and referred once. */
    t.consent_needed = 0;
    a = s_step(&st, &in);
    cr_assert_str_eq(cd_state_name(st.state), "passed-to-provider");
    cr_assert(a.refer);
    a = s_step(&st, &in);
    cr_assert_not(a.refer, "referred twice");
}

Test(routing_decide_referral, R2_N1_a_complaint_held_for_consent_asks_for_it_once)
{
    static const char *const consent[] = {"awaiting-consent"};
    rt_triage_out_t t = s_triage(RT_HANDLE_HERE, "ICB-QWE", 0);
    rt_state_t st;
    rt_actions_t a = s_receive(&st, &t, consent, 1);
    cr_assert_str_eq(cd_state_name(st.state), "awaiting-consent");
    cr_assert(a.ask_consent, "the complainant was not asked for the patient's consent");
    cr_assert(st.consent_asked);
    cr_assert(a.changed);
    /* Amended, still held for consent: not asked again. */
    rt_input_t am = {.type = "complaint.amended", .holds = consent, .nholds = 1, .triage = &t};
    a = s_step(&st, &am);
    cr_assert_str_eq(cd_state_name(st.state), "awaiting-consent");
    cr_assert_not(a.ask_consent, "asked twice");
}

Test(routing_decide_referral, R2_N1_consent_that_does_not_cover_the_body_is_not_asked_for_again)
{
    /* Held by triage itself (it would leave for another body), not by intake. */
    rt_triage_out_t t = s_triage(RT_REDIRECT_NHSE, "NHSE", 1);
    rt_state_t st;
    rt_actions_t a = s_receive(&st, &t, NULL, 0);
    cr_assert_str_eq(cd_state_name(st.state), "awaiting-consent");
    cr_assert(a.ask_consent);
    rt_input_t in = {.type = "consent.recorded", .triage = &t};
    a = s_step(&st, &in);
    cr_assert_str_eq(cd_state_name(st.state), "awaiting-consent");
    cr_assert_not(a.ask_consent, "asked twice");
}

Test(routing_decide_referral, N1_a_complaint_held_for_anything_else_asks_no_consent)
{
    static const char *const summary[] = {"awaiting-summary-agreement"};
    static const char *const late[] = {"out-of-time"};
    rt_triage_out_t t = s_triage(RT_HANDLE_HERE, "ICB-QWE", 0);
    rt_state_t st;
    cr_assert_not(s_receive(&st, &t, summary, 1).ask_consent);
    cr_assert_not(s_receive(&st, &t, late, 1).ask_consent);
    cr_assert_not(s_receive(&st, &t, NULL, 0).ask_consent);
}

Test(routing_decide_referral, R3_N2_the_approved_response_is_shared_once)
{
    rt_triage_out_t t = s_triage(RT_COORDINATE, "ICB-QWE", 0);
    rt_state_t st;
    s_receive(&st, &t, NULL, 0);
    static const char *const path[] = {"case.opened", "investigation.completed"};
    for (size_t i = 0; i < 2; i++) {
        rt_input_t in = {.type = path[i]};
        cr_assert_not(s_step(&st, &in).share_response, "%s shared a response", path[i]);
    }
    rt_input_t approved = {.type = "response.approved"};
    cr_assert(s_step(&st, &approved).share_response);
    cr_assert_str_eq(cd_state_name(st.state), "response-approved");
    cr_assert_not(s_step(&st, &approved).share_response, "shared twice");
}
