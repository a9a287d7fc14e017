/* csv_copy.c - CSV into a staging table with COPY, and a whole import
 * built on it (csv_copy.h). */
#include "csv_copy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

/* COPY's complaint about a record, as ours: a field too few or too many
 * names the count, as a reader of the file would put it. */
static void s_report(const ctl_csv_copy_t *spec, size_t line, const char *primary)
{
    static const char missing[] = "missing data for column \"";
    const char *q = strstr(primary, missing);
    if (q) {
        q += strlen(missing);
        for (int j = 0; j < spec->ncolumns; j++) {
            size_t l = strlen(spec->columns[j]);
            if (strncmp(q, spec->columns[j], l) == 0 && q[l] == '"') {
                fprintf(stderr, "line %zu: row: %d field%s, expected %d\n", line, j,
                        j == 1 ? "" : "s", spec->ncolumns);
                return;
            }
        }
    }
    if (strstr(primary, "extra data after last expected column"))
        fprintf(stderr, "line %zu: row: more than %d fields, expected %d\n", line, spec->ncolumns,
                spec->ncolumns);
    else
        fprintf(stderr, "line %zu: csv: %s\n", line, primary);
}

/* One COPY of the records not left out. 0 (staged); the line, as counted in
 * the text this COPY was given, of the record it could not read, with its
 * message in primary; or -1 when the database failed otherwise (reported). */
static long s_copy_once(PGconn *c, const ctl_csv_copy_t *spec, const char *text,
                        ctl_route_rec_t *recs, size_t n, char *primary, size_t plen)
{
    PGresult *r = PQexecParams(c, spec->copy_sql, 0, NULL, NULL, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        fprintf(stderr, "candourctl %s: %s", spec->cmd, PQresultErrorMessage(r));
        PQclear(r);
        return -1;
    }
    PQclear(r);
    size_t line = 1;
    int ok = 1;
    for (size_t k = 0; k < n && ok; k++) {
        if (recs[k].out)
            continue;
        recs[k].sent_line = line;
        line += recs[k].nlines;
        ok = PQputCopyData(c, text + recs[k].start, (int)recs[k].len) == 1 &&
             PQputCopyData(c, "\n", 1) == 1;
    }
    if (PQputCopyEnd(c, ok ? NULL : "candourctl could not send the file") != 1) {
        fprintf(stderr, "candourctl %s: %s", spec->cmd, PQerrorMessage(c));
        return -1;
    }
    long bad = 0;
    while ((r = PQgetResult(c)) != NULL) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK && bad == 0) {
            const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
            const char *ctx = PQresultErrorField(r, PG_DIAG_CONTEXT);
            const char *at = ctx ? strstr(ctx, ", line ") : NULL;
            snprintf(primary, plen, "%s", msg ? msg : PQresultErrorMessage(r));
            bad = at ? strtol(at + strlen(", line "), NULL, 10) : 0;
            if (bad <= 0) {
                fprintf(stderr, "candourctl %s: %s", spec->cmd, PQresultErrorMessage(r));
                bad = -1;
            }
        }
        PQclear(r);
    }
    return bad;
}

int ctl_csv_copy(PGconn *c, const ctl_csv_copy_t *spec, const char *text, ctl_route_rec_t *recs,
                 size_t n, int *nbad)
{
    for (int tries = 0; !recs[0].out; tries++) {
        char primary[512];
        if (ctl_db_exec(c, spec->cmd, "SAVEPOINT csv_copy", 0, NULL) != 0)
            return -1;
        long bad = s_copy_once(c, spec, text, recs, n, primary, sizeof primary);
        if (bad == 0)
            return 0;
        if (bad < 0 || ctl_db_exec(c, spec->cmd, "ROLLBACK TO SAVEPOINT csv_copy", 0, NULL) != 0)
            return -1;
        /* COPY names the line it was reading; the record holding it is the
         * last one that starts at or before it. */
        size_t k = 0;
        for (size_t j = 0; j < n; j++)
            if (!recs[j].out && recs[j].sent_line <= (size_t)bad)
                k = j;
        recs[k].out = 1;
        if (k == 0)
            break;
        s_report(spec, recs[k].line, primary);
        (*nbad)++;
        if (tries + 1 >= S_MAX_MALFORMED) {
            fprintf(stderr, "candourctl %s: more than %d malformed lines: mend these first\n",
                    spec->cmd, S_MAX_MALFORMED);
            return 1;
        }
    }
    fprintf(stderr, "line %zu: header: expected %s\n", recs[0].line, spec->header);
    (*nbad)++;
    return 1;
}

/* Stage the file and judge what was staged. 0 with *nbad counting the
 * problems told (a file COPY cannot read at all is one of them), or -1 when
 * the database failed or memory ran out (told). */
static int s_stage_and_check(PGconn *conn, const ctl_csv_import_t *imp, const char *path,
                             const char *text, size_t len, int *nbad)
{
    const char *cmd = imp->copy.cmd;
    ctl_route_rec_t *recs = NULL;
    long nrecs = ctl_routes_records(text, len, &recs, nbad);
    if (nrecs < 0) {
        fprintf(stderr, "candourctl %s: out of memory\n", cmd);
        return -1;
    }
    if (nrecs == 0) {
        fprintf(stderr, "line 1: header: the file is empty\n");
        (*nbad)++;
        free(recs);
        return 0;
    }
    int rc = ctl_db_exec(conn, cmd, imp->stage_sql, 0, NULL);
    if (rc == 0)
        rc = ctl_csv_copy(conn, &imp->copy, text, recs, (size_t)nrecs, nbad);
    if (rc != 0) {
        free(recs);
        return rc > 0 ? 0 : -1; /* a file COPY cannot read is a bad file (counted) */
    }
    /* The staged rows are the records not left out, in file order. */
    size_t *lines = malloc((size_t)nrecs * sizeof *lines), nlines = 0, nrows = 0;
    if (!lines) {
        fprintf(stderr, "candourctl %s: out of memory\n", cmd);
        free(recs);
        return -1;
    }
    for (long k = 1; k < nrecs; k++)
        if (!recs[k].out)
            lines[nlines++] = recs[k].line;
    free(recs);
    int bad = imp->check(conn, lines, nlines, &nrows, imp->arg);
    free(lines);
    if (bad < 0)
        return -1;
    *nbad += bad;
    if (*nbad == 0 && nrows == 0) {
        fprintf(stderr, "candourctl %s: no rows in %s\n", cmd, path);
        *nbad = 1;
    }
    return 0;
}

int ctl_csv_import(const ctl_csv_import_t *imp, const char *path)
{
    const char *cmd = imp->copy.cmd;
    size_t len = 0;
    char *text = ctl_routes_read_file(path, &len);
    if (!text) {
        fprintf(stderr, "candourctl %s: cannot read %s (missing, unreadable or over %u MiB)\n", cmd,
                path, S_MAX_FILE >> 20);
        return 1;
    }
    PGconn *conn = ctl_db_connect(cmd);
    if (!conn) {
        free(text);
        return 1;
    }
    int nbad = 0;
    /* The file is UTF-8 whatever the environment says; COPY checks it is. */
    int rc = PQsetClientEncoding(conn, "UTF8") == 0 ? ctl_db_exec(conn, cmd, "BEGIN", 0, NULL) : -1;
    if (rc == 0)
        rc = s_stage_and_check(conn, imp, path, text, len, &nbad);
    free(text);
    if (rc == 0 && nbad != 0) {
        fprintf(stderr, "%d problem%s in %s: nothing imported\n", nbad, nbad == 1 ? "" : "s", path);
        rc = 1;
    }
    if (rc == 0)
        rc = imp->apply(conn, imp->arg);
    if (rc == 0)
        rc = ctl_db_exec(conn, cmd, "COMMIT", 0, NULL);
    else
        ctl_db_exec(conn, cmd, "ROLLBACK", 0, NULL);
    PQfinish(conn);
    if (rc < 0)
        fprintf(stderr, "nothing imported from %s\n", path);
    return rc == 0 ? 0 : 1;
}
