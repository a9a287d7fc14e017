/* test_investigation_withheld.c - the names a case withholds from its
 * response (services/investigation/withheld.h): the list SetWithheld
 * replaces, and when two names are the same name to a reader.
 *
 * Each test starts from a list that is accepted and changes one thing; a
 * refusal is checked for its code, the field it names and what it says. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "withheld.h"

#define S_FIELD "set_withheld"

static void s_accepted(const char *const *names, size_t n)
{
    cd_fail_t e = {0};
    cr_assert_eq(iv_withheld_check(names, n, S_FIELD, &e), 0, "refused: %s on %s: %s",
                 cd_code_name(e.code), e.field, e.message);
}

static void s_refused(const char *const *names, size_t n, cd_code_t code, const char *field,
                      const char *says)
{
    cd_fail_t e = {0};
    cr_assert_eq(iv_withheld_check(names, n, S_FIELD, &e), -1, "accepted; wanted %s on %s",
                 cd_code_name(code), field);
    cr_assert_eq(e.code, code, "%s on %s: %s", cd_code_name(e.code), e.field, e.message);
    cr_assert_str_eq(e.field, field, "%s", e.message);
    cr_assert(strstr(e.message, says), "\"%s\" does not say \"%s\"", e.message, says);
}

Test(withheld, a_list_of_names_in_every_form_is_accepted_and_an_empty_list_clears_it)
{
    const char *names[] = {"Karen Booth", "Ms Booth", "K. Booth", "Zoë Ní Bhriain", "Li"};
    s_accepted(names, 5);
    s_accepted(NULL, 0);
}

Test(withheld, at_most_50_names_are_withheld_on_a_case)
{
    static char buf[51][16];
    const char *names[51];
    for (int i = 0; i < 51; i++) {
        snprintf(buf[i], sizeof buf[i], "Person %d", i);
        names[i] = buf[i];
    }
    s_accepted(names, 50);
    s_refused(names, 51, CD_CODE_TOO_MANY, "set_withheld.names", "at most 50 names");
}

Test(withheld, each_name_is_2_to_200_bytes)
{
    char longest[202];
    memset(longest, 'a', 200);
    longest[200] = 0;
    const char *names[] = {"Karen Booth", "Ms Booth", "K", longest};
    s_refused(names, 3, CD_CODE_INVALID_ARGUMENT, "set_withheld.names[2]", "at least 2 bytes");
    names[2] = "";
    s_refused(names, 3, CD_CODE_REQUIRED, "set_withheld.names[2]", "the name is required");
    names[2] = NULL;
    s_refused(names, 3, CD_CODE_REQUIRED, "set_withheld.names[2]", "the name is required");
    names[2] = "KB";
    s_accepted(names, 4);
    longest[200] = 'a';
    longest[201] = 0;
    s_refused(names, 4, CD_CODE_TOO_LONG, "set_withheld.names[3]", "at most 200 bytes");
}

Test(withheld, a_name_is_one_line_of_utf8_without_control_characters)
{
    const char *names[] = {"Karen Booth", "Ms Booth", "Dr Khan", "Mr\nSmith"};
    s_refused(names, 4, CD_CODE_INVALID_TEXT, "set_withheld.names[3]", "one line of UTF-8");
    names[3] = "Mr\tSmith";
    s_refused(names, 4, CD_CODE_INVALID_TEXT, "set_withheld.names[3]", "one line of UTF-8");
    names[3] = "Mr \x01Smith";
    s_refused(names, 4, CD_CODE_INVALID_TEXT, "set_withheld.names[3]", "control characters");
    names[3] = "Mr \xc3Smith"; /* a lead byte without its continuation */
    s_refused(names, 4, CD_CODE_INVALID_TEXT, "set_withheld.names[3]", "UTF-8");
}

Test(withheld, a_name_has_no_blanks_around_it)
{
    const char *names[] = {"Karen Booth", " Ms Booth"};
    s_refused(names, 2, CD_CODE_INVALID_ARGUMENT, "set_withheld.names[1]", "blanks around it");
    names[1] = "Ms Booth ";
    s_refused(names, 2, CD_CODE_INVALID_ARGUMENT, "set_withheld.names[1]", "blanks around it");
    names[1] = "   "; /* blanks alone would match every gap between words */
    s_refused(names, 2, CD_CODE_INVALID_ARGUMENT, "set_withheld.names[1]", "blanks around it");
    names[1] = "Ms Booth\xc2\xa0"; /* a no-break space is a blank too */
    s_refused(names, 2, CD_CODE_INVALID_ARGUMENT, "set_withheld.names[1]", "blanks around it");
    names[1] = "Ms  Booth"; /* inside the name, blanks are the name's own */
    s_accepted(names, 2);
}

Test(withheld, no_name_is_given_twice_case_and_blanks_aside)
{
    const char *names[] = {"Karen Booth", "Ms Booth", "Dr Khan", "KAREN  booth"};
    s_refused(names, 4, CD_CODE_INVALID_ARGUMENT, "set_withheld.names[3]",
              "\"KAREN  booth\" is given already, as names[0]");
    names[3] = "ms booth";
    s_refused(names, 4, CD_CODE_INVALID_ARGUMENT, "set_withheld.names[3]", "as names[1]");
    names[3] = "Karen Boothe";
    s_accepted(names, 4);
}

Test(withheld, the_same_name_is_told_without_case_in_the_scripts_names_are_written_in)
{
    cr_assert(iv_withheld_same("Zoë Ní Bhriain", "ZOË NÍ BHRIAIN"));
    cr_assert(iv_withheld_same("Łukasz Wałęsa", "ŁUKASZ WAŁĘSA"));
    cr_assert(iv_withheld_same("Ιωάννης", "ΙΩΆΝΝΗΣ"));
    cr_assert(iv_withheld_same("Дмитрий Ёлкин", "ДМИТРИЙ ЁЛКИН"));
    cr_assert(iv_withheld_same("Ms\xc2\xa0"
                               "Booth",
                               "ms booth"));
    cr_assert(iv_withheld_same("", NULL));
    cr_assert_not(iv_withheld_same("Booth", "Boothe"));
    cr_assert_not(iv_withheld_same("Zoe", "Zoë"));         /* an accent is a letter of its own */
    cr_assert_not(iv_withheld_same("Ann\xc3", "Ann\xc2")); /* bytes not UTF-8: as themselves */
}
