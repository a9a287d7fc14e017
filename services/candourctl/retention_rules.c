/* retention_rules.c - when a complaint's records are due for disposal
 * (retention_rules.h). */
#include "retention_rules.h"

#include <stdio.h>

static int s_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int s_days_in(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && s_leap(y) ? 29 : days[m - 1];
}

static int s_valid(ret_date_t d)
{
    return d.y >= 1 && d.y <= 9999 && d.m >= 1 && d.m <= 12 && d.d >= 1 &&
           d.d <= s_days_in(d.y, d.m);
}

int ret_date_parse(const char *s, ret_date_t *out)
{
    int y, m, d, n = 0;
    if (!s || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || s[n] != '\0' || n != 10)
        return -1;
    ret_date_t r = {y, m, d};
    if (!s_valid(r))
        return -1;
    *out = r;
    return 0;
}

int ret_date_cmp(ret_date_t a, ret_date_t b)
{
    if (a.y != b.y)
        return a.y < b.y ? -1 : 1;
    if (a.m != b.m)
        return a.m < b.m ? -1 : 1;
    if (a.d != b.d)
        return a.d < b.d ? -1 : 1;
    return 0;
}

int ret_due_on(ret_date_t closed, int years, ret_date_t *due)
{
    if (!s_valid(closed) || years < 1 || years > RET_MAX_YEARS || closed.y + years > 9999)
        return -1;
    ret_date_t r = {closed.y + years, closed.m, closed.d};
    int last = s_days_in(r.y, r.m);
    if (r.d > last) /* 29 February in a year without one */
        r.d = last;
    *due = r;
    return 0;
}

int ret_is_due(ret_date_t closed, int years, ret_date_t today)
{
    ret_date_t due;
    if (ret_due_on(closed, years, &due) != 0 || !s_valid(today))
        return -1;
    return ret_date_cmp(today, due) >= 0;
}
