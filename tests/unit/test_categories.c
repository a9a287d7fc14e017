/* test_categories.c - the rule for one row of the KO41a category lists
 * (DOMAIN.md V5, L2a; common/src/categories.c): what `candourctl categories
 * import` accepts, field by field. Each limit is tested on both sides: the
 * last value that passes and the first that fails; each refusal by its code,
 * the field it names, and what its message tells the person mending the
 * file. */
#include <criterion/criterion.h>
#include <string.h>

#include "candour/categories.h"

/* ------------------------------------------------------------ helpers */

/* A good row; tests change one field at a time. */
static cd_category_row_t s_row(void)
{
    return (cd_category_row_t){.list = "subject",
                               .code = "clinical-treatment",
                               .name = "Clinical treatment",
                               .effective_from = "2022-04-01",
                               .effective_to = ""};
}

/* Check one field of r; expect it to pass. */
static void s_ok(const cd_category_row_t *r, cd_category_field_t field)
{
    cd_fail_t f;
    memset(&f, 0, sizeof f);
    int rc = cd_category_check_field(r, field, &f);
    cr_assert_eq(rc, 0, "%s refused: %s: %s", cd_category_field_name(field), f.field, f.message);
    cr_assert_eq(f.code, CD_CODE_OK);
}

/* Check one field of r; expect it refused with code, naming the field; the
 * refusal is returned for its message. */
static cd_fail_t s_refused(const cd_category_row_t *r, cd_category_field_t field, cd_code_t code)
{
    cd_fail_t f;
    memset(&f, 0, sizeof f);
    cr_assert_eq(cd_category_check_field(r, field, &f), -1, "%s passed",
                 cd_category_field_name(field));
    cr_assert_eq(f.code, code, "%s: got %s (%s), want %s", cd_category_field_name(field),
                 cd_code_name(f.code), f.message, cd_code_name(code));
    cr_assert_str_eq(f.field, cd_category_field_name(field));
    cr_assert_neq(f.message[0], 0);
    return f;
}

/* unit, times over, into buf (size bytes; the test's buffers are sized to fit). */
#define s_fill(buf, unit, times) s_fill_n(buf, sizeof buf, unit, times)
static void s_fill_n(char *buf, size_t size, const char *unit, int times)
{
    size_t used = 0, n = strlen(unit);
    buf[0] = 0;
    for (int i = 0; i < times; i++) {
        cr_assert_lt(used + n, size, "the test's buffer is too small");
        memcpy(buf + used, unit, n + 1);
        used += n;
    }
}

/* ------------------------------------------------------------ lists */

Test(categories, the_lists_are_subject_service_area_and_profession)
{
    cr_assert(cd_category_list_valid("subject"));
    cr_assert(cd_category_list_valid("service-area"));
    cr_assert(cd_category_list_valid("profession"));
    const char *bad[] = {
        "", "Subject", "subject ", "service_area", "servicearea", "staff-group", "professions"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_not(cd_category_list_valid(bad[i]), "'%s'", bad[i]);
    cr_assert_not(cd_category_list_valid(NULL));
}

Test(categories, an_empty_list_is_required_and_any_other_is_not_one_of_the_three)
{
    cd_category_row_t r = s_row();
    r.list = "service-area";
    s_ok(&r, CD_CATEGORY_F_LIST);
    r.list = "";
    s_refused(&r, CD_CATEGORY_F_LIST, CD_CODE_REQUIRED);
    r.list = "specialty";
    cd_fail_t f = s_refused(&r, CD_CATEGORY_F_LIST, CD_CODE_INVALID_ENUM);
    cr_assert(strstr(f.message, "'specialty'"), "quotes the value: %s", f.message);
    cr_assert(strstr(f.message, "subject, service-area or profession"), "%s", f.message);
}

/* ------------------------------------------------------------ codes */

Test(categories, a_code_is_lower_case_words_joined_by_hyphens)
{
    const char *good[] = {"clinical-treatment", "a-and-e", "other", "x", "0", "ko41a-2024"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        cr_assert(cd_category_code_valid(good[i]), "'%s'", good[i]);
    const char *bad[] = {"",
                         "Clinical-treatment",
                         "clinical_treatment",
                         "clinical treatment",
                         "-a",
                         "a-",
                         "a--b",
                         "-",
                         "café",
                         "a.b",
                         "a/b",
                         "a\nb"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_not(cd_category_code_valid(bad[i]), "'%s'", bad[i]);
    cr_assert_not(cd_category_code_valid(NULL));

    cd_category_row_t r = s_row();
    r.code = "Communications";
    cd_fail_t f = s_refused(&r, CD_CATEGORY_F_CODE, CD_CODE_INVALID_ARGUMENT);
    cr_assert(strstr(f.message, "'Communications'"), "%s", f.message);
    cr_assert(strstr(f.message, "lower-case"), "says what a code is: %s", f.message);
    r.code = "";
    s_refused(&r, CD_CATEGORY_F_CODE, CD_CODE_REQUIRED);
}

Test(categories, a_code_is_at_most_64_characters)
{
    char code[80];
    s_fill(code, "a", 64);
    cr_assert(cd_category_code_valid(code));
    cd_category_row_t r = s_row();
    r.code = code;
    s_ok(&r, CD_CATEGORY_F_CODE);
    s_fill(code, "a", 65);
    cr_assert_not(cd_category_code_valid(code));
    cd_fail_t f = s_refused(&r, CD_CATEGORY_F_CODE, CD_CODE_TOO_LONG);
    cr_assert(strstr(f.message, "65") && strstr(f.message, "64"), "%s", f.message);
}

Test(categories, a_value_quoted_in_a_message_has_its_unprintable_bytes_escaped)
{
    cd_category_row_t r = s_row();
    r.code = "bad\x1b[2Jcode\xc3\xa9";
    cd_fail_t f = s_refused(&r, CD_CATEGORY_F_CODE, CD_CODE_INVALID_ARGUMENT);
    cr_assert(strstr(f.message, "'bad\\x1b[2Jcode\\xc3\\xa9'"), "%s", f.message);
    cr_assert_null(strchr(f.message, '\x1b'), "%s", f.message);
    /* A long value is cut, not the message. */
    char list[300];
    s_fill(list, "x", 299);
    r = s_row();
    r.list = list;
    f = s_refused(&r, CD_CATEGORY_F_LIST, CD_CODE_INVALID_ENUM);
    cr_assert(strstr(f.message, "...'"), "%s", f.message);
    cr_assert(strstr(f.message, "subject, service-area or profession"), "%s", f.message);
}

/* ------------------------------------------------------------ names */

Test(categories, a_name_is_one_line_of_utf8_without_control_characters)
{
    cd_category_row_t r = s_row();
    r.name = "Privacy, dignity and wellbeing";
    s_ok(&r, CD_CATEGORY_F_NAME);
    r.name = "Soins cliniques \xc3\xa0 domicile"; /* à: UTF-8 is fine */
    s_ok(&r, CD_CATEGORY_F_NAME);
    const char *bad[] = {"Clinical\ntreatment",     "Clinical\ttreatment", "Clinical\rtreatment",
                         "Clinical \xff treatment", "Clinical \xc3",       "Clinical \xc2\x85"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r.name = bad[i];
        s_refused(&r, CD_CATEGORY_F_NAME, CD_CODE_INVALID_TEXT);
    }
}

Test(categories, a_name_is_required_and_not_blank)
{
    cd_category_row_t r = s_row();
    r.name = "";
    s_refused(&r, CD_CATEGORY_F_NAME, CD_CODE_REQUIRED);
    r.name = "   ";
    s_refused(&r, CD_CATEGORY_F_NAME, CD_CODE_REQUIRED);
    r.name = " x ";
    s_ok(&r, CD_CATEGORY_F_NAME);
}

Test(categories, a_name_is_at_most_200_characters_counted_as_characters_not_bytes)
{
    char name[1024];
    cd_category_row_t r = s_row();
    r.name = name;
    s_fill(name, "\xc3\xa9", 200); /* 400 bytes, 200 characters */
    s_ok(&r, CD_CATEGORY_F_NAME);
    s_fill(name, "a", 200);
    s_ok(&r, CD_CATEGORY_F_NAME);
    s_fill(name, "\xc3\xa9", 201);
    cd_fail_t f = s_refused(&r, CD_CATEGORY_F_NAME, CD_CODE_TOO_LONG);
    cr_assert(strstr(f.message, "201 characters"), "%s", f.message);
    s_fill(name, "a", 201);
    s_refused(&r, CD_CATEGORY_F_NAME, CD_CODE_TOO_LONG);
}

/* ------------------------------------------------------------ dates */

Test(categories, effective_from_is_required_and_a_real_day_written_yyyy_mm_dd)
{
    cd_category_row_t r = s_row();
    r.effective_from = "2024-02-29";
    s_ok(&r, CD_CATEGORY_F_FROM);
    r.effective_from = "";
    s_refused(&r, CD_CATEGORY_F_FROM, CD_CODE_REQUIRED);
    const char *bad[] = {"2023-02-29",           "2023-4-1",    "01/04/2022",
                         "2022-04-01T00:00:00Z", " 2022-04-01", "2022-13-01"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r.effective_from = bad[i];
        cd_fail_t f = s_refused(&r, CD_CATEGORY_F_FROM, CD_CODE_INVALID_DATE);
        cr_assert(strstr(f.message, "YYYY-MM-DD"), "%s", f.message);
    }
}

Test(categories, an_empty_effective_to_means_in_force_until_further_notice)
{
    cd_category_row_t r = s_row();
    r.effective_to = "";
    s_ok(&r, CD_CATEGORY_F_TO);
    r.effective_to = "2025-02-30";
    s_refused(&r, CD_CATEGORY_F_TO, CD_CODE_INVALID_DATE);
    r.effective_to = "open";
    s_refused(&r, CD_CATEGORY_F_TO, CD_CODE_INVALID_DATE);
}

Test(categories, an_effective_to_before_effective_from_is_refused)
{
    cd_category_row_t r = s_row(); /* from 2022-04-01 */
    r.effective_to = "2022-03-31";
    cd_fail_t f = s_refused(&r, CD_CATEGORY_F_TO, CD_CODE_INVALID_ARGUMENT);
    cr_assert(strstr(f.message, "2022-03-31") && strstr(f.message, "2022-04-01"), "%s", f.message);
    /* effective_to is exclusive: the same day would be in force on no day. */
    r.effective_to = "2022-04-01";
    s_refused(&r, CD_CATEGORY_F_TO, CD_CODE_INVALID_ARGUMENT);
    r.effective_to = "2022-04-02";
    s_ok(&r, CD_CATEGORY_F_TO);
    /* Compared as days, across a year's end. */
    r.effective_from = "2023-12-31";
    r.effective_to = "2024-01-01";
    s_ok(&r, CD_CATEGORY_F_TO);
}

Test(categories, a_bad_effective_from_is_told_once_not_again_for_effective_to)
{
    cd_category_row_t r = s_row();
    r.effective_from = "2022-04-31";
    r.effective_to = "2020-01-01";
    s_refused(&r, CD_CATEGORY_F_FROM, CD_CODE_INVALID_DATE);
    s_ok(&r, CD_CATEGORY_F_TO);
}

/* ------------------------------------------------------------ rows */

Test(categories, a_good_row_passes_and_a_bad_one_names_its_first_bad_field_in_column_order)
{
    cd_category_row_t r = s_row();
    cd_fail_t f;
    memset(&f, 0, sizeof f);
    cr_assert_eq(cd_category_check(&r, &f), 0, "%s: %s", f.field, f.message);
    r.effective_to = "2026-04-01";
    cr_assert_eq(cd_category_check(&r, &f), 0, "%s: %s", f.field, f.message);

    r.name = "";
    r.effective_to = "2020-01-01";
    cr_assert_eq(cd_category_check(&r, &f), -1);
    cr_assert_str_eq(f.field, "name");
    r.name = "Fine";
    cr_assert_eq(cd_category_check(&r, &f), -1);
    cr_assert_str_eq(f.field, "effective_to");
    r.list = "subjects";
    cr_assert_eq(cd_category_check(&r, &f), -1);
    cr_assert_str_eq(f.field, "list");
    cr_assert_eq(f.code, CD_CODE_INVALID_ENUM);
}

Test(categories, each_refusal_names_the_column_as_the_files_header_spells_it)
{
    const char *want[] = {"list", "code", "name", "effective_from", "effective_to"};
    cr_assert_eq(sizeof want / sizeof want[0], CD_CATEGORY_F_COUNT);
    for (int i = 0; i < CD_CATEGORY_F_COUNT; i++)
        cr_assert_str_eq(cd_category_field_name((cd_category_field_t)i), want[i]);
    /* Each field's refusal carries its column's name (s_refused checks it). */
    cd_category_row_t r = {
        .list = "", .code = "", .name = "", .effective_from = "", .effective_to = "x"};
    s_refused(&r, CD_CATEGORY_F_LIST, CD_CODE_REQUIRED);
    s_refused(&r, CD_CATEGORY_F_CODE, CD_CODE_REQUIRED);
    s_refused(&r, CD_CATEGORY_F_NAME, CD_CODE_REQUIRED);
    s_refused(&r, CD_CATEGORY_F_FROM, CD_CODE_REQUIRED);
    s_refused(&r, CD_CATEGORY_F_TO, CD_CODE_INVALID_DATE);
}
