/* audit.c - `candourctl audit verify|log`: check the tamper-evident audit
 * trail (each entry chains the SHA-256 of the one before it in its writer's
 * chain) and list what happened to one complaint, in order, across every
 * service's schema. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/db.h"
#include "audit_hash.h"
#include "ctl.h"

static const char *const s_services[] = {"intake", "routing", "investigation", "signoff",
                                         "notify", "gateway", "candour_admin", NULL};

static int s_known(const char *s)
{
    for (int i = 0; s_services[i]; i++)
        if (strcmp(s, s_services[i]) == 0)
            return 1;
    return 0;
}

/* Recompute one schema's chains (one per writer, migration 0012); print the
 * first break. Returns entries or -1. */
static long s_verify(PGconn *c, const char *svc, int *broken)
{
    char sql[2400];
    snprintf(sql, sizeof sql,
             "SELECT chain, seq, prev_hash = coalesce(lag(hash) OVER (PARTITION BY chain"
             " ORDER BY seq), ''),"
             " " CTL_AUDIT_INTACT_SQL("a") " FROM %s.audit a ORDER BY chain, seq",
             svc);
    PGresult *r = PQexecParams(c, sql, 0, NULL, NULL, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "candourctl audit: %s: %s", svc, PQresultErrorMessage(r));
        PQclear(r);
        return -1;
    }
    long n = PQntuples(r), chains = 0;
    for (long i = 0; i < n; i++) {
        if (i == 0 || strcmp(PQgetvalue(r, (int)i, 0), PQgetvalue(r, (int)i - 1, 0)) != 0)
            chains++;
        int linked = PQgetvalue(r, (int)i, 2)[0] == 't';
        int intact = PQgetvalue(r, (int)i, 3)[0] == 't';
        if (!linked || !intact) {
            printf("%-14s BROKEN at entry %s (chain \"%s\"): %s\n", svc, PQgetvalue(r, (int)i, 1),
                   PQgetvalue(r, (int)i, 0),
                   !intact ? "its content does not match its hash (changed)"
                           : "it does not follow the entry before (one removed or reordered)");
            *broken = 1;
            break;
        }
    }
    if (!*broken)
        printf("%-14s %ld entries in %ld chain%s, intact\n", svc, n, chains,
               chains == 1 ? "" : "s");
    PQclear(r);
    return n;
}

static int s_log(PGconn *c, const char *ref)
{
    char sql[2048] = "";
    for (int i = 0; s_services[i]; i++) {
        char part[300];
        snprintf(part, sizeof part,
                 "%sSELECT at, '%s' AS service, table_name, op, actor FROM %s.audit"
                 " WHERE reference = $1",
                 i ? " UNION ALL " : "", s_services[i], s_services[i]);
        strncat(sql, part, sizeof sql - strlen(sql) - 1);
    }
    strncat(sql, " ORDER BY at", sizeof sql - strlen(sql) - 1);
    const char *v[1] = {ref};
    PGresult *r = PQexecParams(c, sql, 1, NULL, v, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "candourctl audit: %s", PQresultErrorMessage(r));
        PQclear(r);
        return 1;
    }
    for (int i = 0; i < PQntuples(r); i++)
        printf("%s  %-14s %-20s %-7s %s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
               PQgetvalue(r, i, 2), PQgetvalue(r, i, 3), PQgetvalue(r, i, 4));
    printf("%d entries for %s\n", PQntuples(r), ref);
    PQclear(r);
    return 0;
}

int ctl_audit(int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "verify") != 0 && strcmp(argv[1], "log") != 0) ||
        (strcmp(argv[1], "log") == 0 && argc != 3) ||
        (strcmp(argv[1], "verify") == 0 && argc == 3 && !s_known(argv[2]))) {
        fprintf(stderr, "Usage: candourctl audit verify [SERVICE]   check every schema's chain\n"
                        "       candourctl audit log REFERENCE      what happened to a complaint\n"
                        "Uses CANDOUR_DB_URL (admin).\n");
        return 2;
    }
    const char *url = getenv("CANDOUR_DB_URL");
    char err[512];
    PGconn *c = url && *url ? cd_db_connect_blocking(url, NULL, err, sizeof err) : NULL;
    if (!c) {
        fprintf(stderr, "candourctl audit: %s\n", url && *url ? err : "set CANDOUR_DB_URL");
        return 1;
    }
    int rc = 0;
    if (strcmp(argv[1], "log") == 0) {
        rc = s_log(c, argv[2]);
    } else {
        int broken = 0;
        for (int i = 0; s_services[i]; i++)
            if ((argc < 3 || strcmp(argv[2], s_services[i]) == 0) &&
                s_verify(c, s_services[i], &broken) < 0)
                rc = 1;
        if (broken)
            rc = 3;
    }
    PQfinish(c);
    return rc;
}
