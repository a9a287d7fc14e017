/* test_investigation_impartial.c - V1: the investigator is not involved in
 * what is complained about, and the check is recorded as it was made. */
#include <criterion/criterion.h>
#include <string.h>

#include "impartial.h"

static const char *const s_staff[] = {"Dr Khan", "the night nurse on Ward 7"};
static const char *const s_teams[] = {"Discharge Team", "District nursing"};

static int s_check(const char *id, const char *name, const char *team, char *record, cd_fail_t *why)
{
    return iv_impartial(id, name, team, s_staff, 2, s_teams, 2, "assign_investigator.investigator",
                        record, 400, why);
}

Test(investigation_impartial, V1_someone_named_in_the_complaint_may_not_investigate_it)
{
    char record[400];
    cd_fail_t why = {0};
    cr_assert_eq(s_check("ST7", "Amir Khan", "Cardiology", record, &why), -1);
    cr_assert_eq(why.code, CD_CODE_CONFLICT_OF_INTEREST);
    cr_assert_str_eq(why.field, "assign_investigator.investigator");
    cr_assert(strstr(why.message, "ST7") && strstr(why.message, "named in the complaint"), "%s",
              why.message);
    cr_assert(strstr(record, "staff named 1 of 2"), "%s", record);
}

Test(investigation_impartial, V1_titles_and_case_do_not_hide_a_name)
{
    static const char *const named[] = {"PROF. J. O'NEILL"};
    char record[400];
    cd_fail_t why = {0};
    cr_assert_eq(
        iv_impartial("ST1", "j o'neill", "", named, 1, NULL, 0, "f", record, sizeof record, &why),
        -1);
}

Test(investigation_impartial, V1_a_member_of_a_team_complained_about_may_not_investigate_it)
{
    char record[400];
    cd_fail_t why = {0};
    cr_assert_eq(s_check("ST8", "Bea Lowe", "discharge team", record, &why), -1);
    cr_assert_eq(why.code, CD_CODE_CONFLICT_OF_INTEREST);
    cr_assert(strstr(why.message, "team"), "%s", why.message);
    cr_assert_eq(s_check("ST8", "Bea Lowe", "The Discharge", record, &why), -1,
                 "\"team\" and \"the\" are not what tells teams apart");
}

Test(investigation_impartial, V1_the_staff_id_itself_named_is_a_conflict)
{
    static const char *const named[] = {"ST9"};
    char record[400];
    cd_fail_t why = {0};
    cr_assert_eq(
        iv_impartial("ST9", "Cal Rees", "", named, 1, NULL, 0, "f", record, sizeof record, &why),
        -1);
}

Test(investigation_impartial, V1_someone_else_is_impartial_and_the_check_is_recorded)
{
    char record[400];
    cd_fail_t why = {0};
    cr_assert_eq(s_check("ST3", "Dana Khanna", "Patient Experience", record, &why), 0, "%s",
                 why.message);
    cr_assert_str_eq(record, "ST3 (team: Patient Experience) checked against 2 staff and 2 teams"
                             " named in the complaint: no match");
    /* A part of a word is not the word: Khanna is not Khan; Ward 7's nurse
     * is not everyone on Ward 7. */
    cr_assert_eq(s_check("ST4", "Nurse Ward", "", record, &why), 0, "%s", why.message);
}

Test(investigation_impartial, V1_nothing_named_means_nothing_to_match_and_says_so)
{
    char record[400];
    cd_fail_t why = {0};
    cr_assert_eq(
        iv_impartial("ST5", "Eve Hart", "", NULL, 0, NULL, 0, "f", record, sizeof record, &why), 0);
    cr_assert(strstr(record, "team: none given") && strstr(record, "0 staff and 0 teams"), "%s",
              record);
}
