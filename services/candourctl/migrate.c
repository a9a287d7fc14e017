/* migrate.c - `candourctl migrate`: apply the files in deploy/migrations in order.
 *
 * Each file is applied once, in its own transaction, recorded with its md5 in
 * candour_admin.schema_migrations; an applied file whose content changed is
 * an error (a migration is never edited after it ships: add a new one). A
 * session advisory lock lets two migrators (compose and a person) race safely.
 * Afterwards the service roles get their grants (and passwords, if set). */
#include "ctl.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/db.h"

#define S_LOCK_KEY "7212026"

static const char *const s_services[] = {"intake", "routing",   "investigation", "signoff",
                                         "notify", "reporting", "gateway",       NULL};

/* "already exists, skipping" notices are the point of idempotence, not news. */
static void s_quiet(void *arg, const char *message) {}

static int s_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *s_read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf)
        buf[n] = 0;
    fclose(f);
    return buf;
}

/* Run one statement with parameters; print the error and return -1 on failure. */
static int s_exec(PGconn *c, const char *sql, int n, const char *const *vals, PGresult **out)
{
    PGresult *r = PQexecParams(c, sql, n, NULL, vals, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        fprintf(stderr, "candourctl migrate: %s", PQresultErrorMessage(r));
        PQclear(r);
        return -1;
    }
    if (out)
        *out = r;
    else
        PQclear(r);
    return 0;
}

/* The files to apply, sorted by name. */
static int s_list(const char *dir, char ***names)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0, cap = 16;
    char **v = malloc((size_t)cap * sizeof *v);
    struct dirent *e;
    while (v && (e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".sql") != 0)
            continue;
        if (n == cap) {
            char **p = realloc(v, (size_t)(cap *= 2) * sizeof *v);
            if (!p)
                break;
            v = p;
        }
        v[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(v, (size_t)n, sizeof *v, s_cmp);
    *names = v;
    return n;
}

/* Apply one file unless already applied with the same checksum. */
static int s_apply(PGconn *c, const char *dir, const char *name, int *applied)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *sql = s_read_file(path);
    if (!sql) {
        fprintf(stderr, "candourctl migrate: cannot read %s\n", path);
        return -1;
    }
    PGresult *r;
    const char *v1[2] = {name, sql};
    int rc = s_exec(c,
                    "SELECT md5($2), (SELECT checksum FROM candour_admin.schema_migrations"
                    " WHERE version = $1)",
                    2, v1, &r);
    if (rc == 0) {
        const char *sum = PQgetvalue(r, 0, 0);
        if (!PQgetisnull(r, 0, 1)) {
            if (strcmp(sum, PQgetvalue(r, 0, 1)) != 0) {
                fprintf(stderr,
                        "candourctl migrate: %s was changed after it was applied;"
                        " add a new migration instead\n",
                        name);
                rc = -1;
            }
        } else {
            /* The file's statements are the migration itself: trusted text
             * from the release, run as one transaction with its record. */
            const char *v2[2] = {name, sum};
            rc = s_exec(c, "BEGIN", 0, NULL, NULL);
            if (rc == 0) {
                PGresult *x = PQexec(c, sql);
                if (PQresultStatus(x) != PGRES_COMMAND_OK && PQresultStatus(x) != PGRES_TUPLES_OK) {
                    fprintf(stderr, "candourctl migrate: %s: %s", name, PQresultErrorMessage(x));
                    rc = -1;
                }
                PQclear(x);
            }
            if (rc == 0)
                rc = s_exec(c,
                            "INSERT INTO candour_admin.schema_migrations (version, checksum)"
                            " VALUES ($1, $2)",
                            2, v2, NULL);
            s_exec(c, rc == 0 ? "COMMIT" : "ROLLBACK", 0, NULL, NULL);
            if (rc == 0) {
                printf("applied %s\n", name);
                (*applied)++;
            }
        }
        PQclear(r);
    }
    free(sql);
    return rc;
}

static int s_grants(PGconn *c, const char *password)
{
    for (int i = 0; s_services[i]; i++) {
        const char *v[2] = {s_services[i], password};
        if (s_exec(c, "SELECT candour_admin.grant_service($1)", 1, v, NULL) != 0)
            return -1;
        if (password && *password &&
            s_exec(c, "SELECT candour_admin.set_password($1, $2)", 2, v, NULL) != 0)
            return -1;
    }
    return 0;
}

int ctl_migrate(int argc, char **argv)
{
    const char *url = getenv("CANDOUR_DB_URL");
    const char *dir = getenv("CANDOUR_MIGRATIONS_DIR");
    if (!dir || !*dir)
        dir = "deploy/migrations";
    if (!url || !*url) {
        fprintf(stderr, "candourctl migrate: set CANDOUR_DB_URL to the database's admin URL\n");
        return 2;
    }
    char err[512];
    PGconn *c = cd_db_connect_blocking(url, NULL, err, sizeof err);
    if (!c) {
        fprintf(stderr, "candourctl migrate: cannot connect: %s\n", err);
        return 1;
    }
    PQsetNoticeProcessor(c, s_quiet, NULL);
    char **names = NULL;
    int n = s_list(dir, &names);
    int rc = n < 0 ? -1 : 0, applied = 0;
    if (n < 0)
        fprintf(stderr, "candourctl migrate: cannot read the directory %s\n", dir);
    if (rc == 0)
        rc = s_exec(c, "SELECT pg_advisory_lock(" S_LOCK_KEY ")", 0, NULL, NULL);
    if (rc == 0)
        rc = s_exec(c, "CREATE SCHEMA IF NOT EXISTS candour_admin", 0, NULL, NULL);
    if (rc == 0)
        rc = s_exec(c,
                    "CREATE TABLE IF NOT EXISTS candour_admin.schema_migrations ("
                    " version text PRIMARY KEY, checksum text NOT NULL,"
                    " applied_at timestamptz NOT NULL DEFAULT now())",
                    0, NULL, NULL);
    for (int i = 0; rc == 0 && i < n; i++)
        rc = s_apply(c, dir, names[i], &applied);
    if (rc == 0)
        rc = s_grants(c, getenv("CANDOUR_DB_PASSWORD"));
    s_exec(c, "SELECT pg_advisory_unlock(" S_LOCK_KEY ")", 0, NULL, NULL);
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    PQfinish(c);
    if (rc == 0)
        printf("migrations: %d applied, %d already in place\n", applied, n - applied);
    return rc == 0 ? 0 : 1;
}
