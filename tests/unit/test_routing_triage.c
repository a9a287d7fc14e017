/* test_routing_triage.c - who handles a complaint, and why (R1-R3, I5, I6). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "triage.h"

static rt_route_t s_route(const char *service, const char *kind, const char *commissioner,
                          const char *provider, int nhse)
{
    rt_route_t r;
    memset(&r, 0, sizeof r);
    snprintf(r.service, sizeof r.service, "%s", service);
    snprintf(r.kind, sizeof r.kind, "%s", kind);
    snprintf(r.commissioner, sizeof r.commissioner, "%s", commissioner);
    snprintf(r.provider, sizeof r.provider, "%s", provider);
    r.nhse_direct = nhse;
    return r;
}

static rt_triage_in_t s_in(const rt_route_t *routes, int n)
{
    rt_triage_in_t in;
    memset(&in, 0, sizeof in);
    in.receiving_org = "ICB-QWE";
    in.routes = routes;
    in.nroutes = n;
    in.nservices = n;
    return in;
}

static int s_partner(const rt_triage_out_t *o, const char *org)
{
    for (int i = 0; i < o->npartners; i++)
        if (strcmp(o->partners[i], org) == 0)
            return 1;
    return 0;
}

Test(routing_triage, R1_what_the_receiving_body_commissions_is_handled_here)
{
    rt_route_t r[] = {s_route("acute-surgery", "nhs-acute", "ICB-QWE", "TRUST-RXX", 0)};
    rt_triage_in_t in = s_in(r, 1);
    rt_triage_out_t o;
    rt_triage(&in, &o);
    cr_assert_eq(o.outcome, RT_HANDLE_HERE);
    cr_assert_str_eq(o.lead, "ICB-QWE");
    cr_assert_eq(o.npartners, 0);
    cr_assert_not(o.consent_needed);
    cr_assert_str_eq(rt_outcome_name(o.outcome), "handle-here");
}

Test(routing_triage, R2_passing_to_the_provider_is_the_bodys_choice_and_needs_consent)
{
    rt_route_t r[] = {s_route("acute-surgery", "nhs-acute", "ICB-QWE", "TRUST-RXX", 0)};
    rt_triage_in_t in = s_in(r, 1);
    in.pass_to_provider = 1;
    rt_triage_out_t o;
    rt_triage(&in, &o);
    cr_assert_eq(o.outcome, RT_PASS_TO_PROVIDER);
    cr_assert_str_eq(o.lead, "TRUST-RXX");
    cr_assert(o.consent_needed, "nothing goes to the provider before consent (R2)");
    cr_assert(o.tell_complainant);
    in.has_consent = 1; /* share_with empty: every body */
    rt_triage(&in, &o);
    cr_assert_not(o.consent_needed);
    const char *only_la[] = {"LA-XYZ"};
    in.consent_share_with = only_la;
    in.nshare = 1;
    rt_triage(&in, &o);
    cr_assert(o.consent_needed, "consent limited to another body does not cover the provider");
}

Test(routing_triage, R1_what_nhs_england_commissions_directly_is_redirected_with_permission)
{
    rt_route_t r[] = {s_route("specialised-renal", "specialised", "NHSE", "TRUST-RXX", 1)};
    rt_triage_in_t in = s_in(r, 1);
    rt_triage_out_t o;
    rt_triage(&in, &o);
    cr_assert_eq(o.outcome, RT_REDIRECT_NHSE);
    cr_assert_str_eq(o.lead, "NHSE");
    cr_assert(o.consent_needed);
}

Test(routing_triage, R1_primary_care_follows_the_table_not_the_kind_of_service)
{
    /* Since 1 July 2023 the ICB commissions primary care: the row says so. */
    rt_route_t r[] = {s_route("gp-practice", "primary-care", "ICB-QWE", "GP-Y01", 0)};
    rt_triage_in_t in = s_in(r, 1);
    rt_triage_out_t o;
    rt_triage(&in, &o);
    cr_assert_eq(o.outcome, RT_HANDLE_HERE);
    /* Before: NHS England's row. Whether NHS England commissions it is the
     * row's commissioner (routing.route.nhse_direct), whatever the kind: it
     * is NHS England's to handle, not a coordination with the provider. */
    rt_route_t before[] = {s_route("gp-practice", "primary-care", "NHSE", "GP-Y01", 1)};
    in = s_in(before, 1);
    rt_triage(&in, &o);
    cr_assert_eq(o.outcome, RT_REDIRECT_NHSE);
    cr_assert_str_eq(o.lead, "NHSE");
    cr_assert_eq(o.npartners, 0, "the provider is not made a partner");
}

Test(routing_triage, R3_several_bodies_one_lead_the_others_contribute)
{
    rt_route_t r[] = {s_route("acute-surgery", "nhs-acute", "ICB-QWE", "TRUST-RXX", 0),
                      s_route("home-care", "adult-social-care", "LA-XYZ", "LA-XYZ", 0)};
    rt_triage_in_t in = s_in(r, 2);
    rt_triage_out_t o;
    rt_triage(&in, &o);
    cr_assert_eq(o.outcome, RT_COORDINATE);
    cr_assert_str_eq(o.lead, "ICB-QWE", "the receiving body leads when it is one of them");
    cr_assert_eq(o.npartners, 2);
    cr_assert(s_partner(&o, "LA-XYZ") && s_partner(&o, "TRUST-RXX"));
    cr_assert_not(s_partner(&o, "ICB-QWE"));
    cr_assert(o.consent_needed, "contribution requests wait for consent (R2)");
    in.has_consent = 1;
    rt_triage(&in, &o);
    cr_assert_not(o.consent_needed);
    cr_assert_not(o.tell_complainant, "the complainant still deals with the body they wrote to");
}

Test(routing_triage, R3_nhs_england_may_lead_where_part_is_its_own)
{
    rt_route_t r[] = {s_route("specialised-renal", "specialised", "NHSE", "TRUST-RXX", 1),
                      s_route("home-care", "adult-social-care", "LA-XYZ", "LA-XYZ", 0)};
    rt_triage_in_t in = s_in(r, 2);
    rt_triage_out_t o;
    rt_triage(&in, &o);
    cr_assert_eq(o.outcome, RT_COORDINATE);
    cr_assert_str_eq(o.lead, "NHSE");
    cr_assert(s_partner(&o, "LA-XYZ"));
    cr_assert(o.tell_complainant);
}

Test(routing_triage, I6_an_eligibility_appeal_is_not_a_complaint_and_a_case_can_be_both)
{
    rt_triage_in_t in = s_in(NULL, 0);
    in.chc_appeal = 1;
    rt_triage_out_t o;
    rt_triage(&in, &o);
    cr_assert_eq(o.outcome, RT_APPEAL);
    cr_assert(o.appeal && o.tell_complainant);
    rt_route_t r[] = {s_route("chc", "continuing-healthcare", "ICB-QWE", "CSU-ABC", 0)};
    in = s_in(r, 1);
    in.chc_appeal = 1;
    rt_triage(&in, &o);
    cr_assert_eq(o.outcome, RT_HANDLE_HERE, "the complaint about the service goes ahead too");
    cr_assert(o.appeal);
}

Test(routing_triage, I5_each_exclusion_is_recorded_with_its_reason_and_told)
{
    rt_route_t r[] = {s_route("acute-surgery", "nhs-acute", "ICB-QWE", "TRUST-RXX", 0)};
    for (int e = 1; e <= 7; e++) {
        rt_triage_in_t in = s_in(r, 1);
        in.exclusion = (Candour__V1__Exclusion)e;
        rt_triage_out_t o;
        rt_triage(&in, &o);
        cr_assert_eq(o.outcome, e == CANDOUR__V1__EXCLUSION__EXCLUSION_ALREADY_INVESTIGATED
                                    ? RT_ALREADY_INVESTIGATED
                                    : RT_NOT_REQUIRED, "exclusion %d", e);
        cr_assert(strstr(o.reason, "reg. 8(1)"), "exclusion %d has no reason: %s", e, o.reason);
        cr_assert(o.tell_complainant);
    }
}

Test(routing_triage, R1_a_service_with_no_routing_row_is_handled_here_and_raised_as_a_gap)
{
    rt_route_t r[] = {s_route("acute-surgery", "nhs-acute", "ICB-QWE", "TRUST-RXX", 0)};
    rt_triage_in_t in = s_in(r, 1);
    in.nservices = 2; /* one of the two services named has no row */
    rt_triage_out_t o;
    rt_triage(&in, &o);
    cr_assert_eq(o.gaps, 1);
    in = s_in(NULL, 0);
    in.nservices = 1;
    rt_triage(&in, &o);
    cr_assert_eq(o.outcome, RT_HANDLE_HERE);
    cr_assert_eq(o.gaps, 1);
    cr_assert(strstr(o.reason, "gap"));
}
