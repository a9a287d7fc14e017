/* admin_db.c - candourctl's connection to the database as its admin
 * (CANDOUR_DB_URL), for the commands that read or change tables directly:
 * one place that says how to connect and how a failed statement is told. */
#include <stdio.h>
#include <stdlib.h>

#include "candour/db.h"
#include "ctl.h"

PGconn *ctl_db_connect(const char *cmd)
{
    const char *url = getenv("CANDOUR_DB_URL");
    if (!url || !*url) {
        fprintf(stderr, "candourctl %s: set CANDOUR_DB_URL to the admin URL\n", cmd);
        return NULL;
    }
    char err[512];
    PGconn *c = cd_db_connect_blocking(url, NULL, err, sizeof err);
    if (!c)
        fprintf(stderr, "candourctl %s: cannot connect: %s\n", cmd, err);
    return c;
}

PGresult *ctl_db_query(PGconn *c, const char *cmd, const char *sql, int n, const char *const *v)
{
    PGresult *r = PQexecParams(c, sql, n, NULL, v, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        fprintf(stderr, "candourctl %s: %s", cmd, PQresultErrorMessage(r));
        PQclear(r);
        return NULL;
    }
    return r;
}

int ctl_db_exec(PGconn *c, const char *cmd, const char *sql, int n, const char *const *v)
{
    PGresult *r = ctl_db_query(c, cmd, sql, n, v);
    PQclear(r);
    return r ? 0 : -1;
}
