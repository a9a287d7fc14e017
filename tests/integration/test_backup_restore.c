/* test_backup_restore.c - backups that restore (issue 16): with WAL archiving
 * on (deploy/backup.sh archive-on), a base backup taken while complaints
 * come in (backup.sh base) and restored to a point in time T (backup.sh
 * restore, then deploy/pg.sh start) holds exactly the complaints committed
 * before T, each once, with every audit chain intact. */
#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#include "candour/client.h"
#include "candour/util.h"
#include "harness.h"

#define S_BEFORE_MIN 50 /* complaints before T, at least (more while the backup runs) */
#define S_BEFORE_MAX 2000
#define S_AFTER 20 /* complaints after T */

static h_t *s_h;
static char s_restored[400]; /* the restored cluster's deploy/pg.sh DIR, "" if none */
static cd_client_t *s_client;

/* The restored cluster stopped and removed. */
static void s_drop_restored(void)
{
    if (s_restored[0]) {
        char cmd[1024];
        snprintf(cmd, sizeof cmd, "bash '%s/deploy/pg.sh' stop '%s' >/dev/null 2>&1; rm -rf '%s'",
                 CANDOUR_SOURCE_DIR, s_restored, s_restored);
        if (system(cmd) != 0)
            fprintf(stderr, "backup_restore: could not stop or remove %s\n", s_restored);
        s_restored[0] = 0;
    }
}

/* Whatever happened: the restored cluster stopped and removed, then the
 * live one (h_destroy stops the private cluster). */
static void s_cleanup(void)
{
    s_drop_restored();
    cd_client_destroy(&s_client);
    if (s_h)
        h_destroy(&s_h);
}

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Submit one complaint as ICB-BK; its reference (malloc'd). */
static char *s_submit(h_t *h, int n)
{
    char ext[32];
    snprintf(ext, sizeof ext, "BK-%d", n);
    Candour__V1__Person p = CANDOUR__V1__PERSON__INIT;
    p.name = "Sam Lee";
    p.email = "sam@example.org";
    Candour__V1__Complaint c = CANDOUR__V1__COMPLAINT__INIT;
    c.external_ref = ext;
    c.channel = CANDOUR__V1__CHANNEL__CHANNEL_EMAIL;
    c.complainant = &p;
    c.description = "The clinic cancelled my appointment twice without telling me.";
    Candour__V1__SubmitComplaint s = CANDOUR__V1__SUBMIT_COMPLAINT__INIT;
    s.complaint = &c;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.org_id = "ICB-BK";
    req.op_case = CANDOUR__V1__REQUEST__OP_SUBMIT;
    req.submit = &s;
    if (!s_client)
        s_client = h_client(h, "ICB-BK");
    Candour__V1__Reply *r = NULL;
    char err[256];
    cr_assert_eq(cd_client_call(s_client, &req, 10000, &r, err, sizeof err), 0, "%s", err);
    cr_assert(r->receipt && !r->receipt->duplicate, "submission %s refused", ext);
    char *ref = strdup(r->receipt->complaint_ref);
    candour__v1__reply__free_unpacked(r, NULL);
    return ref;
}

/* `backup.sh base URL DIR` in the background, its output in log. */
static pid_t s_backup_start(const char *url, const char *dir, const char *log)
{
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0640);
        dup2(fd, 1);
        dup2(fd, 2);
        execl("/bin/bash", "bash", CANDOUR_SOURCE_DIR "/deploy/backup.sh", "base", url, dir,
              (char *)NULL);
        _exit(127);
    }
    cr_assert_gt(pid, 0, "fork");
    return pid;
}

/* One scalar from another cluster's database; fails the test on error. */
static long s_count(PGconn *c, const char *sql, const char *param)
{
    const char *p[1] = {param};
    PGresult *r = PQexecParams(c, sql, param ? 1 : 0, NULL, p, NULL, NULL, 0);
    cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK, "%s: %s", sql, PQresultErrorMessage(r));
    long v = atol(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

static char *s_text(PGconn *c, const char *sql, const char *param)
{
    const char *p[1] = {param};
    PGresult *r = PQexecParams(c, sql, param ? 1 : 0, NULL, p, NULL, NULL, 0);
    cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK, "%s: %s", sql, PQresultErrorMessage(r));
    char *v = strdup(PQgetisnull(r, 0, 0) ? "" : PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

static const char *const s_ordered =
    "SELECT string_agg(reference, ',' ORDER BY reference) FROM intake.complaint"
    " WHERE received_at <= $1::timestamptz";

Test(backup_restore, a_point_in_time_restore_holds_exactly_the_complaints_before_it, .timeout = 300,
     .fini = s_cleanup)
{
    h_t *h = s_h = h_new_private("backup");
    char wal[400], backup[400], log[400], cmd[2048], out[8192];
    snprintf(wal, sizeof wal, "%s/wal", h_dir(h));
    snprintf(backup, sizeof backup, "%s/base", h_dir(h));
    snprintf(log, sizeof log, "%s/backup.log", h_dir(h));

    /* Archiving on: it takes a restart. */
    snprintf(cmd, sizeof cmd, "bash '%s/deploy/backup.sh' archive-on '%s/pg' '%s'",
             CANDOUR_SOURCE_DIR, h_dir(h), wal);
    cr_assert_eq(h_sh(out, sizeof out, "%s", cmd), 0, "%s", out);
    cr_assert_eq(h_pg_restart(h), 0);
    char *mode = h_scalar(h, "SHOW archive_mode", 0, NULL);
    cr_assert_str_eq(mode, "on");
    free(mode);

    h_org(h, "ICB-BK");
    cr_assert_eq(h_start_all(h), 0);

    /* Complaints come in all the while the base backup is taken. */
    static char *before[S_BEFORE_MAX], *after[S_AFTER];
    int nbefore = 0, during = 0, st = 0;
    double t0 = s_now();
    pid_t pid = s_backup_start(h_db_url(h), backup, log);
    pid_t done = 0;
    while (nbefore < S_BEFORE_MIN || (done == 0 && nbefore < S_BEFORE_MAX)) {
        if (done == 0)
            done = waitpid(pid, &st, WNOHANG);
        before[nbefore] = s_submit(h, nbefore);
        nbefore++;
        if (done == 0)
            during++;
    }
    if (done == 0)
        done = waitpid(pid, &st, 0);
    double backup_s = s_now() - t0;
    if (done != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        cr_assert_fail("backup.sh base failed: %s", h_read_file(log));
    cr_assert_gt(during, 0, "no complaint came in while the backup was taken");

    /* T: every complaint so far is committed (each had its receipt). */
    usleep(200000);
    char *T = h_scalar(h, "SELECT now()::text", 0, NULL);
    usleep(200000);
    for (int i = 0; i < S_AFTER; i++)
        after[i] = s_submit(h, S_BEFORE_MAX + i);
    char *seg = h_scalar(h, "SELECT pg_walfile_name(pg_switch_wal())", 0, NULL);
    const char *pseg[1] = {seg};
    cr_assert(h_wait_for(h,
                         "SELECT (coalesce(last_archived_wal, '') >= $1)::text"
                         " FROM pg_stat_archiver",
                         1, pseg, "true", 60000),
              "WAL file %s was not archived", seg);
    const char *pt[1] = {T};
    long live_before = h_count(h,
                               "SELECT count(*) FROM intake.complaint"
                               " WHERE received_at <= $1::timestamptz",
                               1, pt);
    long live_after = h_count(h,
                              "SELECT count(*) FROM intake.complaint"
                              " WHERE received_at > $1::timestamptz",
                              1, pt);
    cr_assert_eq(live_before, nbefore);
    cr_assert_eq(live_after, S_AFTER);
    char *live_refs = h_scalar(h, s_ordered, 1, pt);

    /* Restore to T into a new cluster on a port of its own. */
    snprintf(s_restored, sizeof s_restored, "%s/restored", h_dir(h));
    t0 = s_now();
    snprintf(cmd, sizeof cmd, "bash '%s/deploy/backup.sh' restore '%s' '%s' '%s' '%s'",
             CANDOUR_SOURCE_DIR, backup, wal, s_restored, T);
    cr_assert_eq(h_sh(out, sizeof out, "%s", cmd), 0, "%s", out);
    int port = 0, rc = -1;
    for (int tries = 0; tries < 3 && rc != 0; tries++) {
        port = h_free_port();
        snprintf(cmd, sizeof cmd, "bash '%s/deploy/pg.sh' start '%s' %d", CANDOUR_SOURCE_DIR,
                 s_restored, port);
        rc = h_sh(out, sizeof out, "%s", cmd);
    }
    cr_assert_eq(rc, 0, "the restored cluster did not start: %s", out);
    char url[512];
    const char *db = strrchr(h_db_url(h), '/') + 1;
    snprintf(url, sizeof url, "postgresql://candour@127.0.0.1:%d/%s", port, db);
    PGconn *r = PQconnectdb(url);
    cr_assert_eq(PQstatus(r), CONNECTION_OK, "%s", PQerrorMessage(r));
    int promoted = 0;
    for (int i = 0; i < 600 && !promoted; i++) {
        char *v = s_text(r, "SELECT pg_is_in_recovery()::text", NULL);
        promoted = strcmp(v, "false") == 0;
        free(v);
        if (!promoted)
            usleep(100000);
    }
    double restore_s = s_now() - t0;
    cr_assert(promoted, "the restored cluster did not leave recovery");

    /* Exactly the complaints before T, each once. */
    char *arr_before = cd_pg_text_array((const char *const *)before, (size_t)nbefore);
    char *arr_after = cd_pg_text_array((const char *const *)after, S_AFTER);
    cr_assert(arr_before && arr_after);
    long r_total = s_count(r, "SELECT count(*) FROM intake.complaint", NULL);
    long r_before = s_count(r,
                            "SELECT count(*) FROM intake.complaint"
                            " WHERE received_at <= $1::timestamptz",
                            T);
    long r_after = s_count(r,
                           "SELECT count(*) FROM intake.complaint"
                           " WHERE received_at > $1::timestamptz",
                           T);
    fprintf(stderr,
            "backup_restore: base backup %.2f s (%d complaints submitted while it ran);"
            " restore to T and promotion %.2f s; T = %s; complaints before T: live %ld,"
            " restored %ld; after T: live %ld, restored %ld\n",
            backup_s, during, restore_s, T, live_before, r_before, live_after, r_after);
    cr_assert_eq(r_before, live_before);
    cr_assert_eq(r_after, 0);
    cr_assert_eq(r_total, live_before);
    cr_assert_eq(s_count(r, "SELECT count(DISTINCT reference) FROM intake.complaint", NULL),
                 r_total);
    cr_assert_eq(s_count(r, "SELECT count(DISTINCT external_ref) FROM intake.complaint", NULL),
                 r_total);
    cr_assert_eq(
        s_count(r, "SELECT count(*) FROM intake.complaint WHERE reference = ANY($1)", arr_before),
        nbefore);
    cr_assert_eq(
        s_count(r, "SELECT count(*) FROM intake.complaint WHERE reference = ANY($1)", arr_after),
        0);
    char *restored_refs = s_text(r, s_ordered, T);
    cr_assert_str_eq(restored_refs, live_refs);
    /* A trial restore does not write into the live archive. */
    char *rmode = s_text(r, "SHOW archive_mode", NULL);
    cr_assert_str_eq(rmode, "off");
    PQfinish(r);

    /* The restored audit trail holds together. */
    snprintf(cmd, sizeof cmd, "CANDOUR_DB_URL='%s' '%s/services/candourctl' audit verify", url,
             CANDOUR_BUILD_DIR);
    cr_assert_eq(h_sh(out, sizeof out, "%s", cmd), 0, "%s", out);
    cr_assert(strstr(out, ", intact") && !strstr(out, "BROKEN"), "%s", out);

    for (int i = 0; i < nbefore; i++)
        free(before[i]);
    for (int i = 0; i < S_AFTER; i++)
        free(after[i]);
    free(arr_before);
    free(arr_after);
    free(restored_refs);
    free(rmode);
    free(live_refs);
    free(seg);
    free(T);
    s_drop_restored();
    cd_client_destroy(&s_client);
    cr_assert_eq(h_destroy(&s_h), 0);
}
