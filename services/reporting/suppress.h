/* suppress.h - small numbers in what leaves the organisation (DOMAIN.md L5):
 * which cells of a table of counts are shown as "*". Pure: a table in, a
 * mark per cell out.
 *
 * Primary suppression: a count from 1 to 4 (SUP_MIN..SUP_MAX) is not shown.
 * 0 is shown (nobody can be identified from nobody), as is 5 and over.
 *
 * Secondary suppression: a table is published with its margins (row totals,
 * column totals, the grand total), and a line whose total is known and
 * whose cells are all shown but one gives that one away by subtraction. So
 * every LINE of the table (each row with its row total, each column with
 * its column total, the row of column totals with the grand total, the
 * column of row totals with the grand total) must hold either no hidden
 * value or at least two. When a line holds exactly one, the smallest shown
 * value of that line that is not 0 is hidden too (a hidden 0 protects
 * nothing: the line's other hidden value is then its total's remainder);
 * among equal values the first in reading order (left to right, top to
 * bottom, so a cell before its total). A total can be the one chosen.
 *
 * Rounds: one round checks every row line top to bottom, then every column
 * line left to right, hiding as it goes; a hidden cell may leave a line
 * already checked with one hidden value, so rounds repeat until one hides
 * nothing (a fixed point: each round hides at least one more value of a
 * finite table, so it ends).
 *
 * Hazard: this protects each line on its own, which is the rule NHS
 * publications apply; it does not solve the whole table's equations, so an
 * unusual table could still narrow a hidden cell down through several lines
 * at once. Counts that must not be narrowed at all need an audit by linear
 * programming, which this is not.
 *
 * The table is (rows + 1) x (cols + 1) counts, row-major: rows x cols cells,
 * the last column the row totals, the last row the column totals, the last
 * value the grand total. A one-line list is a 1 x n table whose totals row
 * repeats it. */
#ifndef REPORTING_SUPPRESS_H
#define REPORTING_SUPPRESS_H

#include <stddef.h>

#include "candour/errcode.h"

#define SUP_MIN 1 /* the smallest count hidden */
#define SUP_MAX 4 /* the largest count hidden */

/* What becomes of one value of the table. */
typedef enum {
    SUP_SHOWN = 0, /* printed as it is */
    SUP_PRIMARY,   /* hidden: 1 to 4 */
    SUP_SECONDARY, /* hidden so that a line's total cannot reveal a primary one */
} sup_mark_t;

/* The index of the value at row r, column c (r <= rows, c <= cols) of a
 * table with `cols` columns of cells. */
#define SUP_AT(cols, r, c) ((r) * ((cols) + 1) + (c))

/* Fill the margins of t from its cells: each row's total, each column's,
 * the grand total. */
void sup_margins(long *t, size_t rows, size_t cols);

/* Check t: no value negative (table[r][c]: OUT_OF_RANGE) and every margin
 * the sum of its line (table[r][c] of the margin: INVALID_ARGUMENT, the
 * message giving the sum). rows and cols at least 1 (asserted). */
int sup_check(const long *t, size_t rows, size_t cols, cd_fail_t *f);

/* Mark every value of t (marks has (rows + 1) * (cols + 1) slots, as t).
 * Returns 0 and the number of rounds that hid something beyond the primary
 * suppression in *rounds (may be NULL), or -1 when t is refused by
 * sup_check (marks then all SUP_SHOWN). */
int sup_table(const long *t, size_t rows, size_t cols, sup_mark_t *marks, int *rounds,
              cd_fail_t *f);

/* The text of one value as published: "*" when hidden, the number
 * otherwise. Returns buf (at least 24 bytes). */
const char *sup_text(long value, sup_mark_t mark, char *buf, size_t len);

#endif
