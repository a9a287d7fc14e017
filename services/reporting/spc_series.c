/* spc_series.c - the SPC series' statements and their rows (spc_series.h). */
#include "spc_series.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The window's rows and each body's first month (the first of its
 * 'provider' rows), from reporting.monthly as reporting.monthly_read gives
 * it (migration 0040): every noted change flushed into it first, in this
 * statement's transaction, so the series count every change committed
 * before it. ORG: the body, or NULL for every body; CHECK: a parameter
 * only checked; LAST: the latest month's day. */
#define S_SERIES(ORG, CHECK, LAST)                                                                 \
    "WITH m AS MATERIALIZED (SELECT * FROM reporting.monthly_read(" ORG "))"                       \
    " SELECT m.org, m.dimension, m.code, to_char(m.month, 'YYYY-MM'), m.n,"                        \
    " to_char(f.first, 'YYYY-MM')"                                                                 \
    " FROM m JOIN (SELECT p.org, min(p.month) AS first FROM m p"                                   \
    "  WHERE p.dimension = 'provider' AND p.code = p.org GROUP BY p.org) f ON f.org = m.org"       \
    " WHERE m.month BETWEEN date_trunc('month', " LAST ") - interval '23 months'"                  \
    " AND date_trunc('month', " LAST ")" CHECK                                                     \
    " ORDER BY m.org, CASE m.dimension WHEN 'provider' THEN 0 WHEN 'subject' THEN 1 ELSE 2 END,"   \
    " m.code, m.month"

const char rp_spc_series_body_sql[] = S_SERIES("$1::text", " AND $2::date IS NOT NULL", "$3::date");
const char rp_spc_series_all_sql[] = S_SERIES("NULL", "", "$1::date");

static int s_copy(char *dst, size_t len, const char *src)
{
    size_t n = strlen(src);
    if (n == 0 || n >= len)
        return -1;
    memcpy(dst, src, n + 1);
    return 0;
}

int rp_series_read(const PGresult *r, int last, rp_series_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    int rows = PQntuples(r);
    if (rows == 0)
        return 0;
    if (PQnfields(r) != 6)
        return -1;
    rp_series_t *s = calloc((size_t)rows, sizeof *s);
    int *months = calloc((size_t)rows, sizeof *months);
    long *counts = calloc((size_t)rows, sizeof *counts);
    size_t ns = 0;
    int rc = -1;
    if (!s || !months || !counts)
        goto out;
    for (int i = 0; i < rows;) {
        rp_series_t *cur = &s[ns];
        if (s_copy(cur->org, sizeof cur->org, PQgetvalue(r, i, 0)) != 0 ||
            s_copy(cur->dimension, sizeof cur->dimension, PQgetvalue(r, i, 1)) != 0 ||
            s_copy(cur->code, sizeof cur->code, PQgetvalue(r, i, 2)) != 0)
            goto out;
        int start = rp_month_number(PQgetvalue(r, i, 5));
        if (start < 0)
            goto out;
        size_t k = 0;
        for (; i < rows && strcmp(PQgetvalue(r, i, 0), cur->org) == 0 &&
               strcmp(PQgetvalue(r, i, 1), cur->dimension) == 0 &&
               strcmp(PQgetvalue(r, i, 2), cur->code) == 0;
             i++, k++) {
            months[k] = rp_month_number(PQgetvalue(r, i, 3));
            counts[k] = atol(PQgetvalue(r, i, 4));
            if (months[k] < 0)
                goto out;
        }
        cur->n = rp_month_series(start, last, months, counts, k, cur->x);
        if (cur->n) {
            cur->first = last - (int)cur->n + 1;
            ns++;
        }
    }
    rc = 0;
out:
    free(months);
    free(counts);
    if (rc == 0 && ns) {
        *out = s;
        *n = ns;
    } else
        free(s);
    return rc;
}
