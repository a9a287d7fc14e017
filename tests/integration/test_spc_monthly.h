/* test_spc_monthly.h - what the SPC tests (test_spc.c, test_spc_flush.c)
 * check reporting.monthly against: a GROUP BY over the base tables, as
 * migration 0034 defines the counts. */
#ifndef TESTS_INTEGRATION_TEST_SPC_MONTHLY_H
#define TESTS_INTEGRATION_TEST_SPC_MONTHLY_H

#include <stdio.h>

#include "harness.h"

/* Rows of reporting.monthly that a GROUP BY over the base tables does not
 * give, plus the other way round: 0 when they are equal. Reads the table
 * as it is: a caller that wants it flushed flushes first. */
static inline long spc_monthly_diff(h_t *h)
{
    static const char want[] =
        "WITH c AS (SELECT reference, coalesce(lead_org, made_to_org)::text AS body,"
        "  date_trunc('month', received_on)::date AS m FROM reporting.complaint"
        "  WHERE coalesce(kind, 'complaint') = 'complaint' AND received_on IS NOT NULL"
        "  AND coalesce(lead_org, made_to_org) IS NOT NULL)"
        " SELECT body, 'provider'::text, body, m, count(*)::int FROM c GROUP BY 1, 2, 3, 4"
        " UNION ALL SELECT c.body, 'subject', a.subject::text, c.m,"
        "  count(DISTINCT c.reference)::int FROM c JOIN reporting.aspect a USING (reference)"
        "  WHERE a.subject IS NOT NULL GROUP BY 1, 2, 3, 4"
        " UNION ALL SELECT c.body, 'service', a.service_area::text, c.m,"
        "  count(DISTINCT c.reference)::int FROM c JOIN reporting.aspect a USING (reference)"
        "  WHERE a.service_area IS NOT NULL GROUP BY 1, 2, 3, 4";
    char sql[4096];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM ((SELECT org::text, dimension, code::text, month, n"
             " FROM reporting.monthly EXCEPT SELECT * FROM (%s) w) UNION ALL"
             " (SELECT * FROM (%s) w EXCEPT SELECT org::text, dimension, code::text, month, n"
             " FROM reporting.monthly)) d",
             want, want);
    return h_count(h, sql, 0, NULL);
}

#endif
