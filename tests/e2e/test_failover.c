/* test_failover.c - the database server lost under load: Patroni promotes
 * the synchronous standby, every service reconnects, and every complaint is
 * there exactly once, with receipts only for what committed (issue 16).
 *
 * The cluster is deploy/patroni.sh's: one etcd member, a primary and a
 * synchronous standby on free loopback ports. The services use its libpq
 * multi-host URL with target_session_attrs=read-write, as in production.
 * Clients submit complaints and drive each through to its signed response
 * (tests/support/drive.c, the chaos test's load). After 40 complaints the
 * primary's machine is lost (kill -9 of its Patroni and PostgreSQL, which
 * closes their sockets); when the standby has taken over, the old primary is
 * started again and rejoins as the standby (pg_rewind). After 40 more the
 * new primary's machine hangs instead (SIGSTOP: its sockets stay open and
 * nothing answers, as with a machine frozen or cut off), which only the
 * database layer's watch gets past (CANDOUR_DB_CONNECT_TIMEOUT_MS,
 * CANDOUR_DB_STALL_MS); then it is thawed, finds it lost the lead, and
 * rejoins as the standby. Figures printed: time from the loss to the new
 * primary, to the first complaint stored after it and to the old primary
 * streaming again; complaints and requests in flight at each loss; lost and
 * duplicated (both must be 0).
 *
 *   CANDOUR_FAILOVER_MAX      at most this many complaints (default 5000; the
 *                             clients stop 40 complaints after the second loss)
 *   CANDOUR_FAILOVER_CLIENTS  concurrent clients (default 4)
 * Needs patroni and etcd (deploy/install-deps.sh test installs them). */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "candour/util.h"
#include "drive.h"
#include "harness.h"

#define FO_DEADLINE_S 600 /* the whole drive must finish within this */
#define FO_ORG "ICB-FAILOVER"
#define FO_BETWEEN 40 /* complaints receipted before, between and after the losses */

static char s_dir[64];

/* deploy/patroni.sh VERB s_dir [ARG]; its stdout's first line in out (if
 * given). Returns the exit status. */
static int s_patroni(const char *verb, const char *arg, char *out, size_t outlen)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "bash '%s/deploy/patroni.sh' %s '%s' %s 2>>'%s/patroni-sh.log'",
             CANDOUR_SOURCE_DIR, verb, s_dir, arg ? arg : "", s_dir);
    FILE *p = popen(cmd, "r");
    cr_assert(p, "cannot run %s", cmd);
    char line[512] = "";
    if (!fgets(line, sizeof line, p))
        line[0] = 0;
    char rest[256];
    while (fgets(rest, sizeof rest, p))
        ;
    int st = pclose(p);
    line[strcspn(line, "\n")] = 0;
    if (out)
        snprintf(out, outlen, "%s", line);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void s_down(void)
{
    if (!s_dir[0])
        return;
    s_patroni("down", NULL, NULL, 0);
    if (getenv("CANDOUR_TEST_KEEP") && *getenv("CANDOUR_TEST_KEEP") == '1') {
        fprintf(stderr, "failover: kept %s (CANDOUR_TEST_KEEP=1)\n", s_dir);
        return;
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "failover: could not remove %s\n", s_dir);
    s_dir[0] = 0;
}

static double s_secs(int64_t from)
{
    return (double)(cd_now_us() - from) / 1e6;
}

typedef struct {
    char victim[8], successor[8];
    char killed_at[64]; /* the kill, as a timestamptz literal */
    int in_flight;      /* receipted, not yet through to the signed response */
    int waiting;        /* requests awaiting an answer at the kill */
    double promoted;    /* s from the kill to a new leader */
    double resumed;     /* s from the kill to the first complaint stored after it */
    double rejoined;    /* s from the kill to the old primary streaming again */
} fo_round_t;

/* Lose the primary's machine; wait for the standby to lead and for the
 * service to answer again; bring the old primary back as the standby. */
static void s_failover(h_t *h, drive_t *d, const char *how, fo_round_t *r)
{
    int freeze = strcmp(how, "freeze") == 0;
    cr_assert_eq(s_patroni("leader", NULL, r->victim, sizeof r->victim), 0);
    cr_assert(r->victim[0], "no leader before the kill");
    r->in_flight = drive_receipted(d) - drive_finished(d);
    r->waiting = drive_waiting(d);
    cr_assert_eq(s_patroni(how, r->victim, NULL, 0), 0);
    /* From here on (the signals delivered) nothing more reaches the victim:
     * every later entry was written by the new primary. */
    int64_t t = cd_now_us();
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct tm tm;
    gmtime_r(&now.tv_sec, &tm);
    char day[24];
    strftime(day, sizeof day, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(r->killed_at, sizeof r->killed_at, "%s.%06ld+00", day, now.tv_nsec / 1000);
    r->promoted = -1;
    while (s_secs(t) < 120 && r->promoted < 0) {
        if (s_patroni("leader", NULL, r->successor, sizeof r->successor) == 0 && r->successor[0] &&
            strcmp(r->successor, r->victim) != 0)
            r->promoted = s_secs(t);
        else
            drive_sleep_ms(50);
    }
    cr_assert(r->promoted >= 0, "no standby took over from %s within 120 s", r->victim);
    /* The test's own connection was to the primary: a frozen one would hold
     * its next query for ever. */
    h_db_reset(h);
    /* Service resumed: the first complaint written after the kill (its
     * audit entry's time is the server's clock as the row went in; intake's
     * received_at is when the request arrived, which may be before the kill). */
    const char *v[1] = {r->killed_at};
    const char *sql = "SELECT count(*) FROM intake.audit WHERE table_name = 'complaint'"
                      " AND op = 'INSERT' AND at > $1::timestamptz";
    r->resumed = -1;
    while (s_secs(t) < 120 && h_count(h, sql, 1, v) == 0)
        drive_sleep_ms(50);
    char *first = h_scalar(h,
                           "SELECT extract(epoch FROM min(at) - $1::timestamptz) FROM intake.audit"
                           " WHERE table_name = 'complaint' AND op = 'INSERT'"
                           " AND at > $1::timestamptz",
                           1, v);
    cr_assert(first && *first, "no complaint stored within 120 s of losing %s", r->victim);
    r->resumed = strtod(first, NULL);
    free(first);
    cr_assert_eq(s_patroni(freeze ? "thaw" : "start", r->victim, NULL, 0), 0);
    cr_assert_eq(s_patroni("wait", "2 120", NULL, 0), 0, "%s did not rejoin as the standby",
                 r->victim);
    r->rejoined = s_secs(t);
    printf("failover: %s %s with %d complaints in flight and %d requests awaiting an answer;"
           " %s led after %.1f s; the first complaint stored after it at +%.1f s;"
           " %s streaming again after %.1f s\n",
           freeze ? "froze" : "killed", r->victim, r->in_flight, r->waiting, r->successor,
           r->promoted, r->resumed, r->victim, r->rejoined);
    fflush(stdout);
}

static void s_wait_receipted(drive_t *d, int want)
{
    int64_t t = cd_now_us();
    while (drive_receipted(d) < want && s_secs(t) < 120)
        drive_sleep_ms(50);
    cr_assert(drive_receipted(d) >= want, "only %d receipts of %d within 120 s", drive_receipted(d),
              want);
}

/* complaints on the standby now (it must hold what the primary holds) */
static long s_standby_count(h_t *h, const char *standby)
{
    char env[PATH_MAX], line[256], port[16] = "";
    snprintf(env, sizeof env, "%s/cluster.env", s_dir);
    FILE *f = fopen(env, "r");
    cr_assert(f);
    char key[32];
    snprintf(key, sizeof key, "PG%s_PORT=", standby + 2);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, strlen(key)) == 0)
            snprintf(port, sizeof port, "%.*s", (int)strcspn(line + strlen(key), "\n"),
                     line + strlen(key));
    fclose(f);
    cr_assert(port[0], "no port for %s", standby);
    char *db = h_scalar(h, "SELECT current_database()", 0, NULL);
    char cmd[PATH_MAX + 256];
    snprintf(cmd, sizeof cmd,
             "psql -h 127.0.0.1 -p %s -U candour -d '%s' -qAt -c"
             " 'SELECT count(*) FROM intake.complaint WHERE pg_is_in_recovery()'",
             port, db);
    free(db);
    FILE *p = popen(cmd, "r");
    cr_assert(p);
    long count = -1;
    if (fscanf(p, "%ld", &count) != 1)
        count = -1;
    pclose(p);
    return count;
}

Test(failover, the_primary_killed_then_the_next_frozen_under_load_nothing_lost_nothing_twice,
     .timeout = 1500, .fini = s_down)
{
    int most = (int)drive_env("CANDOUR_FAILOVER_MAX", 5000);
    int nclients = (int)drive_env("CANDOUR_FAILOVER_CLIENTS", 4);
    snprintf(s_dir, sizeof s_dir, "/tmp/candour-fo.XXXXXX");
    cr_assert(mkdtemp(s_dir), "mkdtemp");
    int64_t t0 = cd_now_us();
    char url[512];
    cr_assert_eq(s_patroni("up", NULL, url, sizeof url), 0,
                 "deploy/patroni.sh up failed (see %s/patroni-sh.log)", s_dir);
    printf("failover: cluster of two up in %.1f s: %s\n", s_secs(t0), url);
    fflush(stdout);
    setenv("CANDOUR_TEST_DB_URL", url, 1);

    h_t *h = h_new("failover");
    h_org(h, FO_ORG);
    h_setenv(h, "CANDOUR_RETRY_BASE_MS", "200");
    h_setenv(h, "CANDOUR_RETRY_CAP_MS", "2000");
    h_setenv(h, "CANDOUR_LOG_LEVEL", "info");
    /* A frozen primary answers nothing: give up on it sooner than the
     * defaults (10 s to connect, 60 s for an answer). */
    h_setenv(h, "CANDOUR_DB_CONNECT_TIMEOUT_MS", "3000");
    h_setenv(h, "CANDOUR_DB_STALL_MS", "5000");
    cr_assert_eq(h_start_all(h), 0);

    int64_t t1 = cd_now_us();
    drive_t *d = drive_start(h, FO_ORG, "FAILOVER", most, nclients, FO_DEADLINE_S);
    fo_round_t rounds[2];
    const char *how[2] = {"kill", "freeze"};
    for (int i = 0; i < 2; i++) {
        /* Steady load first: some complaints through since the last round. */
        s_wait_receipted(d, drive_receipted(d) + FO_BETWEEN);
        s_failover(h, d, how[i], &rounds[i]);
    }
    s_wait_receipted(d, drive_receipted(d) + FO_BETWEEN);
    drive_stop(d);
    cr_assert_str_eq(rounds[1].successor, rounds[0].victim,
                     "the second loss should hand back to the first primary");
    drive_totals_t t;
    drive_join(d, &t);
    int n = t.done;
    cr_assert(n < most, "the drive ran out of complaints (CANDOUR_FAILOVER_MAX=%d)", most);
    double drive_s = s_secs(t1);

    long redeliveries = drive_check_exactly_once(h, n);
    /* Receipts only for what committed: every receipt's complaint is there. */
    int refs = 0;
    for (int i = 0; i < most; i++) {
        const char *ref = drive_ref(d, i);
        if (!ref)
            continue;
        refs++;
        const char *v[1] = {ref};
        cr_assert_eq(h_count(h, "SELECT count(*) FROM intake.complaint WHERE reference = $1", 1, v),
                     1, "receipt %s has no complaint (or two) after the failovers", ref);
    }
    cr_assert_eq(refs, n);
    long lost =
        n - h_count(h, "SELECT count(DISTINCT external_ref) FROM intake.complaint", 0, NULL);
    long twice =
        h_count(h, "SELECT count(*) - count(DISTINCT external_ref) FROM intake.complaint", 0, NULL);
    /* The standby (the second victim, rejoined) holds the same complaints. */
    long on_standby = -1;
    for (int tries = 0; tries < 100 && on_standby != n; tries++, drive_sleep_ms(100))
        on_standby = s_standby_count(h, rounds[1].victim);
    cr_assert_eq(on_standby, n, "the standby holds %ld complaints, the primary %d", on_standby, n);

    printf("failover: %d complaints by %d clients in %.1f s through two failovers\n"
           "failover: receipts %d (duplicates suppressed at intake: %d); requests sent %d;"
           " redeliveries %ld\n"
           "failover: lost %ld, duplicated %ld; every receipt's complaint present; the standby"
           " holds all %ld\n",
           n, nclients, drive_s, t.receipts, t.duplicate_receipts, t.sends, redeliveries, lost,
           twice, on_standby);
    fflush(stdout);
    drive_free(&d);
    cr_assert_eq(h_destroy(&h), 0, "a daemon did not exit 0 on SIGTERM");
}
