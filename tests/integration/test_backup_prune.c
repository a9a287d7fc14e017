/* test_backup_prune.c - `deploy/backup.sh prune` (issue 16): with WAL
 * archiving on, three base backups with WAL switches between them, pruned
 * to two: --dry-run lists and removes nothing; then the oldest backup is
 * gone, with the archived WAL before the oldest kept backup's start and
 * its *.backup file, and the oldest kept backup still restores, replaying
 * the archive to its end. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

static h_t *s_h;
static char s_restored[400]; /* the restored cluster's deploy/pg.sh DIR, "" if none */

static void s_cleanup(void)
{
    if (s_restored[0]) {
        char cmd[1024];
        snprintf(cmd, sizeof cmd, "bash '%s/deploy/pg.sh' stop '%s' >/dev/null 2>&1; rm -rf '%s'",
                 CANDOUR_SOURCE_DIR, s_restored, s_restored);
        if (system(cmd) != 0)
            fprintf(stderr, "backup_prune: could not stop or remove %s\n", s_restored);
        s_restored[0] = 0;
    }
    if (s_h)
        h_destroy(&s_h);
}

static int s_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* The archive's WAL segment files (24 hex digits) whose log and segment
 * (the last 16) sort before seg's: how many. */
static int s_wal_before(const char *wal, const char *seg)
{
    DIR *d = opendir(wal);
    cr_assert(d, "no %s", wal);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strlen(e->d_name) == 24 && strspn(e->d_name, "0123456789ABCDEF") == 24 &&
            strcmp(e->d_name + 8, seg + 8) < 0)
            n++;
    closedir(d);
    return n;
}

/* The first WAL file a base backup needs, from its backup_label (static). */
static const char *s_start_wal(const char *backup)
{
    static char seg[25];
    char path[600];
    snprintf(path, sizeof path, "%s/backup_label", backup);
    char *label = h_read_file(path);
    const char *p = strstr(label, "(file ");
    cr_assert(p, "%s: no START WAL LOCATION", path);
    snprintf(seg, sizeof seg, "%.24s", p + 6);
    free(label);
    return seg;
}

/* Switch to a new WAL file and wait until the finished one is archived. */
static void s_switch_and_archive(h_t *h)
{
    char *seg = h_scalar(h, "SELECT pg_walfile_name(pg_switch_wal())", 0, NULL);
    const char *p[1] = {seg};
    cr_assert(h_wait_for(h,
                         "SELECT (coalesce(last_archived_wal, '') >= $1)::text"
                         " FROM pg_stat_archiver",
                         1, p, "true", 60000),
              "WAL file %s was not archived", seg);
    free(seg);
}

Test(backup_prune, prune_keeps_the_newest_backups_and_the_wal_they_need, .timeout = 300,
     .fini = s_cleanup)
{
    h_t *h = s_h = h_new_private("prune");
    char wal[400], base[400], b[3][500], out[16384];
    snprintf(wal, sizeof wal, "%s/wal", h_dir(h));
    snprintf(base, sizeof base, "%s/base", h_dir(h));
    cr_assert_eq(h_sh(out, sizeof out, "bash '%s/deploy/backup.sh' archive-on '%s/pg' '%s'",
                      CANDOUR_SOURCE_DIR, h_dir(h), wal),
                 0, "%s", out);
    cr_assert_eq(h_pg_restart(h), 0);
    char *mode = h_scalar(h, "SHOW archive_mode", 0, NULL); /* reconnects after the restart */
    cr_assert_str_eq(mode, "on");
    free(mode);
    h_exec(h, "CREATE TABLE public.prune_mark (n integer PRIMARY KEY)");

    /* Three base backups, a row and a WAL switch before each. */
    for (int i = 0; i < 3; i++) {
        char sql[100];
        snprintf(sql, sizeof sql, "INSERT INTO public.prune_mark VALUES (%d)", i);
        h_exec(h, sql);
        s_switch_and_archive(h);
        snprintf(b[i], sizeof b[i], "%s/2026-12-0%d", base, i + 1);
        cr_assert_eq(h_sh(out, sizeof out, "bash '%s/deploy/backup.sh' base '%s' '%s'",
                          CANDOUR_SOURCE_DIR, h_db_url(h), b[i]),
                     0, "base %d: %s", i, out);
    }
    h_exec(h, "INSERT INTO public.prune_mark VALUES (3)");
    s_switch_and_archive(h);
    char seg0[25], seg1[25];
    snprintf(seg0, sizeof seg0, "%s", s_start_wal(b[0]));
    snprintf(seg1, sizeof seg1, "%s", s_start_wal(b[1]));
    cr_assert_lt(strcmp(seg0 + 8, seg1 + 8), 0, "%s %s", seg0, seg1);
    int before = s_wal_before(wal, seg1);
    cr_assert_gt(before, 0, "no WAL archived before the second backup");

    /* A dry run lists the oldest backup and the WAL before the second one,
     * and removes nothing. */
    cr_assert_eq(h_sh(out, sizeof out,
                      "bash '%s/deploy/backup.sh' prune '%s' '%s' --keep 2 --dry-run",
                      CANDOUR_SOURCE_DIR, base, wal),
                 0, "%s", out);
    cr_assert(strstr(out, "would remove base backup") && strstr(out, b[0]), "%s", out);
    cr_assert(strstr(out, "would remove WAL"), "%s", out);
    cr_assert(s_exists(b[0]));
    cr_assert_eq(s_wal_before(wal, seg1), before);

    /* Pruned to two, from the environment's default. */
    cr_assert_eq(h_sh(out, sizeof out,
                      "CANDOUR_BACKUP_KEEP=2 bash '%s/deploy/backup.sh' prune '%s' '%s'",
                      CANDOUR_SOURCE_DIR, base, wal),
                 0, "%s", out);
    fprintf(stderr, "backup_prune: %s", out);
    cr_assert(strstr(out, "removed base backup") && strstr(out, b[0]), "%s", out);
    cr_assert_not(s_exists(b[0]), "the oldest backup is still there");
    cr_assert(s_exists(b[1]) && s_exists(b[2]));
    cr_assert_eq(s_wal_before(wal, seg1), 0, "WAL before the oldest kept backup is still there");
    char path[600];
    snprintf(path, sizeof path, "%s/%s", wal, seg1);
    cr_assert(s_exists(path), "the oldest kept backup's first WAL file was removed");
    cr_assert_eq(h_sh(out, sizeof out, "ls '%s' | grep -c '^%s\\..*\\.backup$'", wal, seg0), 1,
                 "the removed backup's .backup file is still there");
    cr_assert_eq(h_sh(out, sizeof out, "ls '%s' | grep -c '^%s\\..*\\.backup$'", wal, seg1), 0,
                 "the oldest kept backup's .backup file is gone");

    /* Nothing more to prune: a second run removes no backup. */
    cr_assert_eq(h_sh(out, sizeof out, "bash '%s/deploy/backup.sh' prune '%s' '%s' --keep 2",
                      CANDOUR_SOURCE_DIR, base, wal),
                 0, "%s", out);
    cr_assert(strstr(out, "removed 0 base backup(s)"), "%s", out);
    cr_assert_neq(h_sh(out, sizeof out, "bash '%s/deploy/backup.sh' prune '%s' '%s' --keep 0",
                       CANDOUR_SOURCE_DIR, base, wal),
                  0);

    /* The oldest kept backup restores, replaying the archive to its end. */
    snprintf(s_restored, sizeof s_restored, "%s/restored", h_dir(h));
    cr_assert_eq(h_sh(out, sizeof out, "bash '%s/deploy/backup.sh' restore '%s' '%s' '%s' latest",
                      CANDOUR_SOURCE_DIR, b[1], wal, s_restored),
                 0, "%s", out);
    int port = 0, rc = -1;
    for (int tries = 0; tries < 3 && rc != 0; tries++) {
        port = h_free_port();
        rc = h_sh(out, sizeof out, "bash '%s/deploy/pg.sh' start '%s' %d", CANDOUR_SOURCE_DIR,
                  s_restored, port);
    }
    cr_assert_eq(rc, 0, "the restored cluster did not start: %s", out);
    char url[512];
    snprintf(url, sizeof url, "postgresql://candour@127.0.0.1:%d/%s", port,
             strrchr(h_db_url(h), '/') + 1);
    PGconn *r = PQconnectdb(url);
    cr_assert_eq(PQstatus(r), CONNECTION_OK, "%s", PQerrorMessage(r));
    char *marks = NULL;
    for (int i = 0; i < 600; i++) {
        PGresult *q = PQexec(r, "SELECT string_agg(n::text, ',' ORDER BY n) FROM public.prune_mark"
                                " WHERE NOT pg_is_in_recovery()");
        if (PQresultStatus(q) == PGRES_TUPLES_OK && !PQgetisnull(q, 0, 0))
            marks = strdup(PQgetvalue(q, 0, 0));
        PQclear(q);
        if (marks)
            break;
        usleep(100000);
    }
    PQfinish(r);
    cr_assert(marks, "the restored cluster did not leave recovery");
    cr_assert_str_eq(marks, "0,1,2,3");
    free(marks);
}
