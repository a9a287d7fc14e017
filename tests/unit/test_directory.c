/* test_directory.c - who may act (Regs reg. 4, F2): the person acting is in
 * the directory, enabled, of the body concerned, and holds a role the
 * operation needs; a signatory signs for their own body or one that
 * authorised them. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "candour/directory.h"

static cd_actor_t s_person(void)
{
    cd_actor_t a;
    memset(&a, 0, sizeof a);
    snprintf(a.staff_id, sizeof a.staff_id, "%s", "ST12");
    snprintf(a.org_id, sizeof a.org_id, "%s", "ICB-QWE");
    snprintf(a.name, sizeof a.name, "%s", "Casey Manager");
    a.roles = CD_ROLE_COMPLAINTS_MANAGER;
    return a;
}

static void s_denied(const cd_actor_t *a, const char *acting, const char *org, unsigned roles,
                     const char *says)
{
    cd_fail_t why = {0};
    cr_assert_eq(cd_actor_may(a, acting, org, roles, "acting", &why), -1);
    cr_assert_eq(why.code, CD_CODE_PERMISSION_DENIED);
    cr_assert_str_eq(why.field, "acting");
    cr_assert(strstr(why.message, says), "\"%s\" does not say \"%s\"", why.message, says);
}

Test(directory, reg4_a_staff_operation_names_the_person_acting)
{
    s_denied(NULL, "", "ICB-QWE", CD_ROLE_COMPLAINTS_MANAGER, "must name the staff member");
}

Test(directory, reg4_someone_not_in_the_directory_may_not_act)
{
    s_denied(NULL, "ST999", "ICB-QWE", CD_ROLE_COMPLAINTS_MANAGER, "ST999 is not in the staff");
}

Test(directory, reg4_a_disabled_person_may_not_act)
{
    cd_actor_t a = s_person();
    a.disabled = 1;
    s_denied(&a, "ST12", "ICB-QWE", CD_ROLE_COMPLAINTS_MANAGER, "disabled");
}

Test(directory, reg4_a_person_of_another_body_may_not_act)
{
    cd_actor_t a = s_person();
    s_denied(&a, "ST12", "TRUST-RXX", CD_ROLE_COMPLAINTS_MANAGER, "another organisation");
}

Test(directory, reg4_a_person_without_the_role_may_not_act_and_is_told_which_roles)
{
    cd_actor_t a = s_person();
    a.roles = CD_ROLE_ANALYST;
    s_denied(&a, "ST12", "ICB-QWE", CD_ROLE_INVESTIGATOR | CD_ROLE_COMPLAINTS_MANAGER,
             "complaints manager or investigator");
}

Test(directory, reg4_a_person_with_one_of_the_roles_may_act)
{
    cd_actor_t a = s_person();
    a.roles = CD_ROLE_INVESTIGATOR | CD_ROLE_ANALYST;
    cd_fail_t why = {0};
    cr_assert_eq(cd_actor_may(&a, "ST12", "ICB-QWE",
                              CD_ROLE_INVESTIGATOR | CD_ROLE_COMPLAINTS_MANAGER, "acting", &why),
                 0, "%s", why.message);
    char label[CD_ACTOR_LABEL_MAX];
    cd_actor_label(&a, label, sizeof label);
    cr_assert_str_eq(label, "Casey Manager (ST12)");
}

Test(directory, F2_a_signatory_signs_for_their_own_body_or_one_that_authorised_them)
{
    cd_actor_t a = s_person();
    char *bodies[] = {"ICB-QWE"};
    snprintf(a.org_id, sizeof a.org_id, "%s", "CSU-MLC");
    a.signs_for = bodies;
    a.n_signs_for = 1;
    cr_assert(cd_actor_signs_for(&a, "CSU-MLC"));
    cr_assert(cd_actor_signs_for(&a, "ICB-QWE"));
    cr_assert_not(cd_actor_signs_for(&a, "ICB-OTHER"));
}

Test(directory, role_names_are_the_databases_and_go_both_ways)
{
    for (int r = CANDOUR__V1__ROLE__ROLE_COMPLAINTS_MANAGER; r <= CANDOUR__V1__ROLE__ROLE_ANALYST;
         r++) {
        const char *name = cd_role_name((Candour__V1__Role)r);
        cr_assert(name);
        cr_assert_eq(cd_role_from_name(name), r);
    }
    cr_assert_null(cd_role_name(CANDOUR__V1__ROLE__ROLE_UNSPECIFIED));
    cr_assert_eq(cd_role_from_name("chief-executive"), CANDOUR__V1__ROLE__ROLE_UNSPECIFIED);
    cr_assert_str_eq(cd_role_name(CANDOUR__V1__ROLE__ROLE_RESPONSIBLE_PERSON),
                     "responsible-person");
}
