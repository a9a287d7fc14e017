/* test_reporting_suppress.c - small numbers (DOMAIN.md L5): counts 1 to 4
 * hidden, and the secondary suppression that stops a total giving one away.
 * Each table is worked round by round in its comment; marks are written as
 * a grid: '.' shown, 'P' primary (1-4), 'S' secondary. The last column is
 * the row totals, the last row the column totals. */
#include <criterion/criterion.h>
#include <string.h>

#include "suppress.h"

/* Run sup_table on t and compare every mark with want (rows + 1 strings of
 * cols + 1 characters), and the rounds. */
static void s_expect(const long *t, size_t rows, size_t cols, const char *const *want,
                     int want_rounds)
{
    sup_mark_t m[64];
    int rounds = -1;
    cd_fail_t f = {0};
    cr_assert((rows + 1) * (cols + 1) <= 64);
    cr_assert_eq(sup_table(t, rows, cols, m, &rounds, &f), 0, "%s: %s", f.field, f.message);
    for (size_t r = 0; r <= rows; r++)
        for (size_t c = 0; c <= cols; c++) {
            sup_mark_t got = m[SUP_AT(cols, r, c)];
            char g = got == SUP_PRIMARY ? 'P' : got == SUP_SECONDARY ? 'S' : '.';
            cr_assert_eq(g, want[r][c], "table[%zu][%zu] = %ld: got %c, want %c", r, c,
                         t[SUP_AT(cols, r, c)], g, want[r][c]);
        }
    cr_assert_eq(rounds, want_rounds, "rounds");
}

Test(reporting_suppress, L5_counts_1_to_4_are_hidden_and_0_and_5_are_shown)
{
    char buf[24];
    cr_assert_str_eq(sup_text(0, SUP_SHOWN, buf, sizeof buf), "0");
    cr_assert_str_eq(sup_text(5, SUP_SHOWN, buf, sizeof buf), "5");
    cr_assert_str_eq(sup_text(3, SUP_PRIMARY, buf, sizeof buf), "*");
    cr_assert_str_eq(sup_text(12, SUP_SECONDARY, buf, sizeof buf), "*");
    /*        A  B | T
     *   r1   2  3 | 5      every cell 1..4: each line already holds two
     *   r2   3  2 | 5      hidden values; the totals (5, 5, 10) are shown.
     *   T    5  5 | 10     No secondary round. */
    const long t[] = {2, 3, 5, 3, 2, 5, 5, 5, 10};
    const char *const want[] = {"PP.", "PP.", "..."};
    s_expect(t, 2, 2, want, 0);
}

Test(reporting_suppress, L5_a_lone_hidden_cell_takes_the_smallest_of_its_row_and_column_with_it)
{
    /*        A   B   C |  T
     *   r1   3  10  12 | 25     primary: 3 (r1 A)
     *   r2   8   9  20 | 37
     *   T   11  19  32 | 62
     * Round 1, rows: r1 has one hidden (3): smallest shown of 10, 12, 25 is
     *   10 -> r1 B. r2, totals row: none hidden.
     * Round 1, columns: A has one (3): smallest of 8, 11 is 8 -> r2 A.
     *   B has one (10): smallest of 9, 19 is 9 -> r2 B. C, T: none.
     * Round 2: r1 {3,10}, r2 {8,9}, A {3,8}, B {10,9}: two each. Done,
     * one round. A reader knows a + b = 13, c + d = 17, a + c = 11,
     * b + d = 19: any a from 0 to 11 fits. */
    const long t[] = {3, 10, 12, 25, 8, 9, 20, 37, 11, 19, 32, 62};
    const char *const want[] = {"PS..", "SS..", "...."};
    s_expect(t, 2, 3, want, 1);
}

Test(reporting_suppress, L5_secondary_suppression_iterates_until_no_line_has_one_hidden_value)
{
    /*        A   B   C |  T
     *   r1   3  10  12 | 25     primary: 3 (r1 A)
     *   r2   8  20  15 | 43
     *   r3   9   6  30 | 45
     *   T   20  36  57 | 113
     * Round 1, rows: r1 one hidden (3) -> smallest of 10, 12, 25: r1 B (10).
     *   Columns: A one hidden (3) -> smallest of 8, 9, 20: r2 A (8).
     *   B one hidden (10) -> smallest of 20, 6, 36: r3 B (6).
     * Round 2 (the column pass left rows r2 and r3 with one each), rows:
     *   r2 {8} -> smallest of 20, 15, 43: r2 C (15).
     *   r3 {6} -> smallest of 9, 30, 45: r3 A (9).
     *   Columns: A {3, 8, 9}: fine. B {10, 6}: fine. C {15} -> smallest of
     *   12, 30, 57: r1 C (12).
     * Round 3: r1 {3,10,12}, r2 {8,15}, r3 {9,6}, A {3,8,9}, B {10,6},
     *   C {12,15}: nothing to do. Two rounds hid something. */
    const long t[] = {3, 10, 12, 25, 8, 20, 15, 43, 9, 6, 30, 45, 20, 36, 57, 113};
    const char *const want[] = {"PSS.", "S.S.", "SS..", "...."};
    s_expect(t, 3, 3, want, 2);
}

Test(reporting_suppress, L5_a_zero_is_never_the_second_value_hidden_and_a_total_can_be)
{
    /*        A  B |  T
     *   r1   1  0 |  1      primary: 1 (r1 A) and its total 1 (r1 T)
     *   r2   6  7 | 13
     *   T    7  7 | 14
     * Round 1, rows: r1 {1, 1}: two, fine (the 0 is not needed).
     *   Columns: A {1} -> smallest of 6, 7: r2 A (6). B: none.
     *   T {1} -> smallest of 13, 14: r2 T (13).
     * Round 2: r2 {6, 13}, A {1, 6}, T {1, 13}: fine. One round. */
    const long t[] = {1, 0, 1, 6, 7, 13, 7, 7, 14};
    const char *const want[] = {"P.P", "S.S", "..."};
    s_expect(t, 2, 2, want, 1);
}

Test(reporting_suppress, L5_a_list_with_its_total_hides_a_second_entry)
{
    /* One line, 3 10 12 | 25; the totals row repeats it.
     * Round 1, rows: row 1 {3} -> smallest of 10, 12, 25: 10; the totals
     *   row the same. Columns: {3,3}, {10,10}: fine. One round. */
    long t[8] = {3, 10, 12, 0};
    sup_margins(t, 1, 3);
    const long want_t[] = {3, 10, 12, 25, 3, 10, 12, 25};
    cr_assert_eq(memcmp(t, want_t, sizeof t), 0, "margins");
    const char *const want[] = {"PS..", "PS.."};
    s_expect(t, 1, 3, want, 1);
}

Test(reporting_suppress, L5_margins_are_the_sums_of_their_lines)
{
    /* Cells 3 10 / 8 9: rows 13 and 17, columns 11 and 19, total 30. */
    long t[9] = {3, 10, 0, 8, 9, 0, 0, 0, 0};
    sup_margins(t, 2, 2);
    const long want[] = {3, 10, 13, 8, 9, 17, 11, 19, 30};
    cr_assert_eq(memcmp(t, want, sizeof t), 0);
}

Test(reporting_suppress, L5_a_negative_count_or_a_wrong_total_is_refused_naming_the_value)
{
    sup_mark_t m[9];
    cd_fail_t f = {0};
    const long neg[] = {3, -1, 2, 8, 9, 17, 11, 8, 19};
    cr_assert_eq(sup_table(neg, 2, 2, m, NULL, &f), -1);
    cr_assert_eq(f.code, CD_CODE_OUT_OF_RANGE);
    cr_assert_str_eq(f.field, "table[0][1]");
    /* Row r2 says 18 but 8 + 9 = 17. */
    const long wrong_row[] = {3, 10, 13, 8, 9, 18, 11, 19, 30};
    cr_assert_eq(sup_table(wrong_row, 2, 2, m, NULL, &f), -1);
    cr_assert_eq(f.code, CD_CODE_INVALID_ARGUMENT);
    cr_assert_str_eq(f.field, "table[1][2]");
    cr_assert(strstr(f.message, "17"), "%s", f.message);
    /* Column B says 20 but 10 + 9 = 19; every row adds up (13, 17, and
     * 11 + 20 = 31), so the column is what is named. */
    const long wrong_col[] = {3, 10, 13, 8, 9, 17, 11, 20, 31};
    cr_assert_eq(sup_table(wrong_col, 2, 2, m, NULL, &f), -1);
    cr_assert_str_eq(f.field, "table[2][1]");
    for (int i = 0; i < 9; i++)
        cr_assert_eq(m[i], SUP_SHOWN);
}
