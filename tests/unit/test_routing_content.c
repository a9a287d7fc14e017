/* test_routing_content.c - what routing hands investigation of a submitted
 * complaint (services/routing/store.h, rt_content): the complainant's name
 * and how they asked to be addressed go with it, for the quality gate at
 * sign-off; a complaint without a complainant hands over neither. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "candour/pbjson.h"
#include "routing.h"
#include "store.h"

/* The daemon's state, which store.c's other functions use and main.c
 * defines; rt_content reads none of it. */
rt_app_t rt_app;

/* rt_content for c, read back as the ComplaintRouted investigation gets. */
static Candour__V1__ComplaintRouted *s_routed(const Candour__V1__Complaint *c)
{
    char *json = rt_content("ICB-QWE", c, "2026-11-25", "2027-01-20");
    cr_assert(json);
    cd_fail_t why = {0};
    Candour__V1__ComplaintRouted *r = (Candour__V1__ComplaintRouted *)cd_pbjson_parse(
        &candour__v1__complaint_routed__descriptor, json, strlen(json), &why);
    cr_assert(r, "%s: %s in %s", why.field, why.message, json);
    free(json);
    return r;
}

Test(routing_content, the_complainant_and_how_to_address_them_go_to_investigation)
{
    Candour__V1__Person p = CANDOUR__V1__PERSON__INIT;
    p.name = "Asha Patel";
    p.address_as = "Mrs Patel";
    Candour__V1__Complaint c = CANDOUR__V1__COMPLAINT__INIT;
    c.complainant = &p;
    c.description = "Discharged with no home care in place.";
    Candour__V1__ComplaintRouted *r = s_routed(&c);
    cr_assert_str_eq(r->complainant_name, "Asha Patel");
    cr_assert_str_eq(r->address_as, "Mrs Patel");
    cr_assert_str_eq(r->handling_org, "ICB-QWE");
    cr_assert_str_eq(r->description, "Discharged with no home care in place.");
    candour__v1__complaint_routed__free_unpacked(r, NULL);
}

Test(routing_content, a_complaint_without_a_complainant_hands_over_neither)
{
    Candour__V1__Complaint c = CANDOUR__V1__COMPLAINT__INIT;
    c.description = "Discharged with no home care in place.";
    Candour__V1__ComplaintRouted *r = s_routed(&c);
    cr_assert_str_eq(r->complainant_name, "");
    cr_assert_str_eq(r->address_as, "");
    candour__v1__complaint_routed__free_unpacked(r, NULL);
}
