/* test_routing_staffrules.c - what the staff directory and a body's
 * settings accept (Regs reg. 4, R2, R5, F2): each refusal names its field. */
#include <criterion/criterion.h>
#include <string.h>

#include "staffrules.h"

static Candour__V1__Role s_roles[2] = {CANDOUR__V1__ROLE__ROLE_INVESTIGATOR,
                                       CANDOUR__V1__ROLE__ROLE_SIGNATORY};

static Candour__V1__StaffMember s_person(void)
{
    Candour__V1__StaffMember m = CANDOUR__V1__STAFF_MEMBER__INIT;
    m.org_id = "ICB-QWE";
    m.name = "Siân Llewelyn-Ó Briain";
    m.job_title = "Head of Patient Experience";
    m.team = "Patient Experience";
    m.email = "sian.llewelyn@example.nhs.uk";
    m.phone = "+44 (0)113 496 0000";
    m.n_roles = 1;
    m.roles = s_roles;
    return m;
}

static void s_refused(const Candour__V1__StaffMember *m, const char *code, const char *field)
{
    cd_fail_t e = {0};
    cr_assert_eq(rt_staff_check(m, "put_staff.staff", &e), -1, "accepted; wanted %s on %s", code,
                 field);
    cr_assert_str_eq(cd_code_name(e.code), code, "%s", e.message);
    cr_assert_str_eq(e.field, field);
}

Test(routing_staffrules, reg4_a_complete_record_is_accepted)
{
    Candour__V1__StaffMember m = s_person();
    cd_fail_t e = {0};
    cr_assert_eq(rt_staff_check(&m, "put_staff.staff", &e), 0, "%s: %s", e.field, e.message);
}

Test(routing_staffrules, reg4_a_person_has_a_name_a_body_and_a_role)
{
    Candour__V1__StaffMember m = s_person();
    m.name = "";
    s_refused(&m, "REQUIRED", "put_staff.staff.name");
    m = s_person();
    m.org_id = "";
    s_refused(&m, "REQUIRED", "put_staff.staff.org_id");
    m.org_id = "ICB QWE";
    s_refused(&m, "INVALID_ARGUMENT", "put_staff.staff.org_id");
    m = s_person();
    m.n_roles = 0;
    s_refused(&m, "REQUIRED", "put_staff.staff.roles");
}

Test(routing_staffrules, reg4_a_role_is_one_of_the_five_and_given_once)
{
    Candour__V1__StaffMember m = s_person();
    Candour__V1__Role bad[1] = {(Candour__V1__Role)42};
    m.roles = bad;
    s_refused(&m, "INVALID_ENUM", "put_staff.staff.roles[0]");
    Candour__V1__Role twice[2] = {CANDOUR__V1__ROLE__ROLE_ANALYST, CANDOUR__V1__ROLE__ROLE_ANALYST};
    m.roles = twice;
    m.n_roles = 2;
    s_refused(&m, "INVALID_ARGUMENT", "put_staff.staff.roles[1]");
}

Test(routing_staffrules, contact_details_look_like_themselves)
{
    Candour__V1__StaffMember m = s_person();
    m.email = "sian at example";
    s_refused(&m, "INVALID_ARGUMENT", "put_staff.staff.email");
    m = s_person();
    m.phone = "call reception";
    s_refused(&m, "INVALID_ARGUMENT", "put_staff.staff.phone");
    m = s_person();
    m.team = "Ward 7\nNights";
    s_refused(&m, "INVALID_TEXT", "put_staff.staff.team");
}

Test(routing_staffrules, F2_only_a_signatory_signs_for_other_bodies)
{
    Candour__V1__StaffMember m = s_person();
    char *bodies[2] = {"CSU-MLC", "CSU-MLC"};
    m.signs_for = bodies;
    m.n_signs_for = 1;
    s_refused(&m, "INVALID_ARGUMENT", "put_staff.staff.signs_for");
    m.n_roles = 2; /* investigator and signatory */
    cd_fail_t e = {0};
    cr_assert_eq(rt_staff_check(&m, "put_staff.staff", &e), 0, "%s", e.message);
    m.n_signs_for = 2;
    s_refused(&m, "INVALID_ARGUMENT", "put_staff.staff.signs_for[1]");
}

Test(routing_staffrules, a_person_is_disabled_only_with_a_reason_recorded)
{
    Candour__V1__StaffMember m = s_person();
    m.disabled = 1;
    s_refused(&m, "INVALID_ARGUMENT", "put_staff.staff.disabled");
}

static Candour__V1__OrgSettings s_org(void)
{
    Candour__V1__OrgSettings o = CANDOUR__V1__ORG_SETTINGS__INIT;
    o.org_id = "ICB-QWE";
    o.response_days = 40;
    o.update_every_days = 10;
    o.responsible_person = "ST1";
    o.complaints_manager = "ST2";
    return o;
}

static void s_org_refused(const Candour__V1__OrgSettings *o, const char *code, const char *field)
{
    cd_fail_t e = {0};
    cr_assert_eq(rt_org_check(o, 25, 20, "settings", &e), -1, "accepted; wanted %s on %s", code,
                 field);
    cr_assert_str_eq(cd_code_name(e.code), code, "%s", e.message);
    cr_assert_str_eq(e.field, field);
}

Test(routing_staffrules, reg4_the_body_names_its_responsible_person_and_complaints_manager)
{
    Candour__V1__OrgSettings o = s_org();
    cd_fail_t e = {0};
    cr_assert_eq(rt_org_check(&o, 25, 20, "settings", &e), 0, "%s", e.message);
    o.responsible_person = "";
    s_org_refused(&o, "REQUIRED", "settings.responsible_person");
    o = s_org();
    o.complaints_manager = "";
    s_org_refused(&o, "REQUIRED", "settings.complaints_manager");
}

Test(routing_staffrules, R5_periods_are_working_days_and_updates_come_before_the_response)
{
    Candour__V1__OrgSettings o = s_org();
    o.response_days = 131;
    s_org_refused(&o, "OUT_OF_RANGE", "settings.response_days");
    o = s_org();
    o.update_every_days = 40;
    s_org_refused(&o, "OUT_OF_RANGE", "settings.update_every_days");
    o.response_days = 0; /* Candour's default, 25: an update after 40 comes too late */
    s_org_refused(&o, "OUT_OF_RANGE", "settings.update_every_days");
    o.update_every_days = 0; /* and the default update, 20, comes after a response at 10 */
    o.response_days = 10;
    s_org_refused(&o, "OUT_OF_RANGE", "settings.update_every_days");
    o.update_every_days = 5;
    cd_fail_t e = {0};
    cr_assert_eq(rt_org_check(&o, 25, 20, "settings", &e), 0, "%s", e.message);
}

Test(routing_staffrules, the_letterhead_is_lines_a_letter_can_print)
{
    Candour__V1__OrgSettings o = s_org();
    Candour__V1__Letterhead l = CANDOUR__V1__LETTERHEAD__INIT;
    char *lines[9] = {"1", "2", "3", "4", "5", "6", "7", "8", "9"};
    l.address = lines;
    l.n_address = 9;
    o.letterhead = &l;
    s_org_refused(&o, "TOO_LONG", "settings.letterhead.address");
    l.n_address = 2;
    lines[1] = "";
    s_org_refused(&o, "REQUIRED", "settings.letterhead.address[1]");
    lines[1] = "Leeds";
    l.email = "complaints";
    s_org_refused(&o, "INVALID_ARGUMENT", "settings.letterhead.email");
}

Test(routing_staffrules, reg4_the_named_people_hold_their_roles_in_the_body)
{
    cd_fail_t e = {0};
    cr_assert_eq(rt_org_person_check("ST1", 0, "", 0, 0, "ICB-QWE", "f", &e), -1);
    cr_assert_eq(e.code, CD_CODE_NOT_FOUND);
    cr_assert_eq(rt_org_person_check("ST1", 1, "TRUST-RXX", 0, 1, "ICB-QWE", "f", &e), -1);
    cr_assert_eq(e.code, CD_CODE_INVALID_ARGUMENT);
    cr_assert_eq(rt_org_person_check("ST1", 1, "ICB-QWE", 1, 1, "ICB-QWE", "f", &e), -1);
    cr_assert_eq(e.code, CD_CODE_FAILED_PRECONDITION);
    cr_assert_eq(rt_org_person_check("ST1", 1, "ICB-QWE", 0, 0, "ICB-QWE", "f", &e), -1);
    cr_assert_eq(e.code, CD_CODE_FAILED_PRECONDITION);
    cr_assert_eq(rt_org_person_check("ST1", 1, "ICB-QWE", 0, 1, "ICB-QWE", "f", &e), 0);
}

Test(routing_staffrules, V2_a_plan_template_is_step_names_separated_by_commas)
{
    Candour__V1__OrgSettings o = s_org();
    o.plan_high = "document-review,case-conference,independent-clinical-advice";
    cd_fail_t e = {0};
    cr_assert_eq(rt_org_check(&o, 25, 20, "settings", &e), 0, "%s", e.message);
    o.plan_high = "document review; interviews";
    s_org_refused(&o, "INVALID_ARGUMENT", "settings.plan_high");
    o = s_org();
    o.draft_closing = "Yours sincerely\n\x01";
    s_org_refused(&o, "INVALID_TEXT", "settings.draft_closing");
}
