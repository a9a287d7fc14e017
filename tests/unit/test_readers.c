/* test_readers.c - who may read a complaint's records through the staff
 * API's reads (cd_actor_may_read, directory.h: investigation's GetAttachment,
 * notify's ListLetters and GetLetter), which hold to one rule:
 * the person must hold a reading role in their own body (PERMISSION_DENIED
 * on "acting" otherwise, whether or not the reference exists), and another
 * body's complaint is NOT_FOUND on the reference, exactly as an unknown
 * one. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "candour/directory.h"

#define S_READERS                                                                                  \
    (CD_ROLE_COMPLAINTS_MANAGER | CD_ROLE_INVESTIGATOR | CD_ROLE_SIGNATORY |                       \
     CD_ROLE_RESPONSIBLE_PERSON)
#define S_FIELD "get_letter.complaint_ref"

typedef int (*s_check_fn)(const cd_actor_t *, const char *, const char *, unsigned, const char *,
                          cd_fail_t *);

static const struct {
    const char *name;
    s_check_fn fn;
} s_checks[] = {{"cd_actor_may_read", cd_actor_may_read}};

static cd_actor_t s_person(const char *id, const char *org, unsigned roles, int disabled)
{
    cd_actor_t a;
    memset(&a, 0, sizeof a);
    snprintf(a.staff_id, sizeof a.staff_id, "%s", id);
    snprintf(a.org_id, sizeof a.org_id, "%s", org);
    a.roles = roles;
    a.disabled = disabled;
    return a;
}

/* Every check's answer for (a, acting, org): code "" for allowed. */
static void s_expect(const cd_actor_t *a, const char *acting, const char *org, const char *code,
                     const char *field)
{
    for (size_t i = 0; i < sizeof s_checks / sizeof s_checks[0]; i++) {
        cd_fail_t why = {0};
        int rc = s_checks[i].fn(a, acting, org, S_READERS, S_FIELD, &why);
        if (!code[0]) {
            cr_assert_eq(rc, 0, "%s refused: %s on %s: %s", s_checks[i].name,
                         cd_code_name(why.code), why.field, why.message);
            continue;
        }
        cr_assert_eq(rc, -1, "%s allowed; wanted %s", s_checks[i].name, code);
        cr_assert_str_eq(cd_code_name(why.code), code, "%s: %s", s_checks[i].name, why.message);
        cr_assert_str_eq(why.field, field, "%s", s_checks[i].name);
        cr_assert(why.message[0], "%s: no message", s_checks[i].name);
    }
}

Test(readers, each_reading_role_of_the_complaints_body_may_read)
{
    static const unsigned roles[] = {CD_ROLE_COMPLAINTS_MANAGER, CD_ROLE_INVESTIGATOR,
                                     CD_ROLE_SIGNATORY, CD_ROLE_RESPONSIBLE_PERSON};
    for (size_t i = 0; i < 4; i++) {
        cd_actor_t a = s_person("ST1", "ICB-QWE", roles[i], 0);
        s_expect(&a, "ST1", "ICB-QWE", "", "");
    }
}

Test(readers, another_bodys_complaint_is_not_found_as_an_unknown_one_is)
{
    cd_actor_t a = s_person("ST1", "ICB-QWE", CD_ROLE_COMPLAINTS_MANAGER, 0);
    cd_fail_t other = {0}, unknown = {0};
    for (size_t i = 0; i < sizeof s_checks / sizeof s_checks[0]; i++) {
        cr_assert_eq(s_checks[i].fn(&a, "ST1", "TRUST-RXX", S_READERS, S_FIELD, &other), -1);
        cr_assert_eq(s_checks[i].fn(&a, "ST1", NULL, S_READERS, S_FIELD, &unknown), -1);
        cr_assert_str_eq(cd_code_name(other.code), "NOT_FOUND");
        cr_assert_str_eq(other.field, S_FIELD);
        /* The same words: nothing tells the two apart. */
        cr_assert_eq(other.code, unknown.code);
        cr_assert_str_eq(other.field, unknown.field);
        cr_assert_str_eq(other.message, unknown.message);
    }
}

Test(readers, no_one_named_is_refused_before_the_reference_is_looked_at)
{
    s_expect(NULL, "", "ICB-QWE", "PERMISSION_DENIED", "acting");
    s_expect(NULL, "", NULL, "PERMISSION_DENIED", "acting");
}

Test(readers, a_person_not_in_the_directory_is_refused_whether_or_not_the_complaint_exists)
{
    s_expect(NULL, "ST99", "ICB-QWE", "PERMISSION_DENIED", "acting");
    s_expect(NULL, "ST99", NULL, "PERMISSION_DENIED", "acting");
}

Test(readers, an_analyst_or_ops_may_not_read_and_learns_nothing_of_which_references_exist)
{
    static const unsigned roles[] = {CD_ROLE_ANALYST, CD_ROLE_OPS, 0};
    for (size_t i = 0; i < 3; i++) {
        cd_actor_t a = s_person("ST2", "ICB-QWE", roles[i], 0);
        s_expect(&a, "ST2", "ICB-QWE", "PERMISSION_DENIED", "acting");
        s_expect(&a, "ST2", NULL, "PERMISSION_DENIED", "acting");
        s_expect(&a, "ST2", "TRUST-RXX", "PERMISSION_DENIED", "acting");
    }
}

Test(readers, a_disabled_person_is_refused_even_with_a_reading_role)
{
    cd_actor_t a = s_person("ST3", "ICB-QWE", CD_ROLE_COMPLAINTS_MANAGER, 1);
    s_expect(&a, "ST3", "ICB-QWE", "PERMISSION_DENIED", "acting");
    s_expect(&a, "ST3", NULL, "PERMISSION_DENIED", "acting");
}
