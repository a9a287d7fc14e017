/* suppress.c - primary and secondary suppression of a table (suppress.h). */
#include "suppress.h"

#include <assert.h>
#include <stdio.h>

void sup_margins(long *t, size_t rows, size_t cols)
{
    assert(t && rows && cols);
    long grand = 0;
    for (size_t c = 0; c <= cols; c++)
        t[SUP_AT(cols, rows, c)] = 0;
    for (size_t r = 0; r < rows; r++) {
        long sum = 0;
        for (size_t c = 0; c < cols; c++) {
            sum += t[SUP_AT(cols, r, c)];
            t[SUP_AT(cols, rows, c)] += t[SUP_AT(cols, r, c)];
        }
        t[SUP_AT(cols, r, cols)] = sum;
        grand += sum;
    }
    t[SUP_AT(cols, rows, cols)] = grand;
}

int sup_check(const long *t, size_t rows, size_t cols, cd_fail_t *f)
{
    assert(t && f && rows && cols);
    char field[64];
    for (size_t r = 0; r <= rows; r++)
        for (size_t c = 0; c <= cols; c++)
            if (t[SUP_AT(cols, r, c)] < 0) {
                snprintf(field, sizeof field, "table[%zu][%zu]", r, c);
                return cd_fail(f, CD_CODE_OUT_OF_RANGE, field, "a count cannot be negative (%ld)",
                               t[SUP_AT(cols, r, c)]);
            }
    /* Every row line (the totals row included), then every column line. */
    for (size_t r = 0; r <= rows; r++) {
        long sum = 0;
        for (size_t c = 0; c < cols; c++)
            sum += t[SUP_AT(cols, r, c)];
        if (sum != t[SUP_AT(cols, r, cols)]) {
            snprintf(field, sizeof field, "table[%zu][%zu]", r, cols);
            return cd_fail(f, CD_CODE_INVALID_ARGUMENT, field,
                           "the row's total is %ld but its cells add up to %ld",
                           t[SUP_AT(cols, r, cols)], sum);
        }
    }
    for (size_t c = 0; c <= cols; c++) {
        long sum = 0;
        for (size_t r = 0; r < rows; r++)
            sum += t[SUP_AT(cols, r, c)];
        if (sum != t[SUP_AT(cols, rows, c)]) {
            snprintf(field, sizeof field, "table[%zu][%zu]", rows, c);
            return cd_fail(f, CD_CODE_INVALID_ARGUMENT, field,
                           "the column's total is %ld but its cells add up to %ld",
                           t[SUP_AT(cols, rows, c)], sum);
        }
    }
    return 0;
}

/* One line: n values, the k-th at t[first + k * step]. When exactly one is
 * hidden, hide the smallest shown non-zero one; returns 1 when it did. */
static int s_line(const long *t, sup_mark_t *m, size_t first, size_t step, size_t n)
{
    size_t hidden = 0, pick = 0;
    int found = 0;
    for (size_t k = 0; k < n; k++) {
        size_t i = first + k * step;
        if (m[i] != SUP_SHOWN) {
            hidden++;
        } else if (t[i] > 0 && (!found || t[i] < t[pick])) {
            pick = i;
            found = 1;
        }
    }
    if (hidden != 1)
        return 0;
    /* The hidden value is over 0, so its line's total (or, for a hidden
     * total, one of its cells) is shown and over 0: there is always one. */
    assert(found);
    m[pick] = SUP_SECONDARY;
    return 1;
}

int sup_table(const long *t, size_t rows, size_t cols, sup_mark_t *marks, int *rounds, cd_fail_t *f)
{
    assert(t && marks && f && rows && cols);
    size_t n = (rows + 1) * (cols + 1);
    for (size_t i = 0; i < n; i++)
        marks[i] = SUP_SHOWN;
    if (rounds)
        *rounds = 0;
    if (sup_check(t, rows, cols, f))
        return -1;
    for (size_t i = 0; i < n; i++)
        if (t[i] >= SUP_MIN && t[i] <= SUP_MAX)
            marks[i] = SUP_PRIMARY;
    for (;;) {
        int changed = 0;
        for (size_t r = 0; r <= rows; r++)
            changed |= s_line(t, marks, SUP_AT(cols, r, 0), 1, cols + 1);
        for (size_t c = 0; c <= cols; c++)
            changed |= s_line(t, marks, SUP_AT(cols, 0, c), cols + 1, rows + 1);
        if (!changed)
            break;
        if (rounds)
            (*rounds)++;
    }
    return 0;
}

const char *sup_text(long value, sup_mark_t mark, char *buf, size_t len)
{
    assert(buf && len >= 24);
    if (mark != SUP_SHOWN)
        snprintf(buf, len, "*");
    else
        snprintf(buf, len, "%ld", value);
    return buf;
}
