/* test_roles.c - guarantee 4: each service's role reaches its own schema only. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "candour/db.h"
#include "harness.h"

static const char *const s_services[] = {"intake", "routing", "investigation", "signoff", "notify"};

Test(roles, each_service_role_reads_its_own_schema_and_no_other, .timeout = 60)
{
    h_t *h = h_new("roles");
    for (int i = 0; i < 5; i++) {
        char role[64], err[256];
        snprintf(role, sizeof role, "candour_%s", s_services[i]);
        PGconn *c = cd_db_connect_blocking(h_db_url(h), role, err, sizeof err);
        cr_assert(c, "cannot connect as %s: %s", role, err);
        for (int j = 0; j < 5; j++) {
            char *schema = PQescapeIdentifier(c, s_services[j], strlen(s_services[j]));
            cr_assert(schema);
            char sql[128];
            snprintf(sql, sizeof sql, "SELECT count(*) FROM %s.outbox", schema);
            PQfreemem(schema);
            PGresult *r = PQexecParams(c, sql, 0, NULL, NULL, NULL, NULL, 0);
            int ok = PQresultStatus(r) == PGRES_TUPLES_OK;
            if (i == j)
                cr_assert(ok, "%s cannot read its own schema: %s", role, PQresultErrorMessage(r));
            else
                cr_assert(!ok && strcmp(PQresultErrorField(r, PG_DIAG_SQLSTATE), "42501") == 0,
                          "%s can read %s's schema", role, s_services[j]);
            PQclear(r);
        }
        PGresult *r = PQexec(c, "CREATE TABLE public.sneaky (x int)");
        cr_assert_neq(PQresultStatus(r), PGRES_COMMAND_OK, "%s may create tables in public", role);
        PQclear(r);
        PQfinish(c);
    }
    cr_assert_eq(h_destroy(&h), 0);
}
