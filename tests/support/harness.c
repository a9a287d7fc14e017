/* harness.c - integration test support (see harness.h). */
#include "harness.h"

#include <zmq.h>

#include "candour/client.h"
#include "candour/directory.h"
#include "candour/events.h"
#include "candour/keys.h"
#include "candour/pb.h"
#include "candour/pbjson.h"
#include "candour/util.h"
#include "candour/v1/envelope.pb-c.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define H_NSVC 7

static const char *const s_services[H_NSVC] = {"intake", "routing",   "investigation", "signoff",
                                               "notify", "reporting", "gateway"};

struct h_t {
    char dir[256];
    char dbname[64];
    char admin_url[512]; /* the cluster's admin URL (postgres db) */
    char db_url[512];    /* the test database */
    char spool[300];
    char endpoints[H_NSVC][300];
    pid_t pids[H_NSVC];
    int gateway_port;
    int admin_ports[H_NSVC];
    PGconn *conn;
    char pg_dir[300]; /* private cluster, "" if shared */
    int pg_port;
    char *env[16]; /* extra NAME=value for daemons */
    int nenv;
    char public_endpoint[300];
    char server_public[41], server_key_file[300];
    struct {
        char org[65], pub[41], sec[41];
    } orgs[8];
    int norgs;
    char nak[64]; /* code of the NAK h_send_event last got, "" if none */
    char keys_dir[300]; /* the suite's internal keys (CANDOUR_INTERNAL_KEYS) */
};

static int s_index(const char *svc)
{
    for (int i = 0; i < H_NSVC; i++)
        if (strcmp(s_services[i], svc) == 0)
            return i;
    cr_assert_fail("unknown service %s", svc);
    return -1;
}

static void s_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Replace the database name at the end of a URL. */
static void s_url_with_db(const char *url, const char *db, char *out, size_t len)
{
    const char *slash = strrchr(url, '/');
    const char *q = strchr(url, '?');
    size_t base = slash && slash > strstr(url, "//") + 1 ? (size_t)(slash - url) : strlen(url);
    snprintf(out, len, "%.*s/%s%s", (int)base, url, db, q ? q : "");
}

static void s_exec(PGconn *c, const char *sql)
{
    PGresult *r = PQexecParams(c, sql, 0, NULL, NULL, NULL, NULL, 0);
    cr_assert(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK,
              "%s: %s", sql, PQresultErrorMessage(r));
    PQclear(r);
}

/* before || name quoted as an identifier (PQescapeIdentifier: names cannot
 * be parameters) || after. malloc'd, or NULL. */
static char *s_sql_ident(PGconn *c, const char *before, const char *name, const char *after)
{
    char *id = PQescapeIdentifier(c, name, strlen(name));
    if (!id)
        return NULL;
    size_t len = strlen(before) + strlen(id) + strlen(after) + 1;
    char *sql = malloc(len);
    if (sql)
        snprintf(sql, len, "%s%s%s", before, id, after);
    PQfreemem(id);
    return sql;
}

static void s_exec_ident(PGconn *c, const char *before, const char *name, const char *after)
{
    char *sql = s_sql_ident(c, before, name, after);
    cr_assert(sql, "cannot quote %s: %s", name, PQerrorMessage(c));
    s_exec(c, sql);
    free(sql);
}

static int s_run(char *const argv[], const char *db_url)
{
    pid_t pid = fork();
    if (pid == 0) {
        setenv("CANDOUR_DB_URL", db_url, 1);
        setenv("CANDOUR_MIGRATIONS_DIR", CANDOUR_SOURCE_DIR "/deploy/migrations", 1);
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        execv(argv[0], argv);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static h_t *s_alloc(const char *label)
{
    h_t *h = calloc(1, sizeof *h);
    cr_assert(h);
    snprintf(h->dir, sizeof h->dir, "/tmp/candour-%s-XXXXXX", label);
    cr_assert(mkdtemp(h->dir), "mkdtemp: %s", strerror(errno));
    snprintf(h->spool, sizeof h->spool, "%s/spool", h->dir);
    mkdir(h->spool, 0750);
    /* The suite's internal keys, as deploy/run.sh makes them: every daemon
     * and every candourctl of the test gets them. */
    char err[512];
    snprintf(h->keys_dir, sizeof h->keys_dir, "%s/keys", h->dir);
    cr_assert_eq(cd_keys_make_suite(h->keys_dir, err, sizeof err), 8, "internal keys: %s", err);
    /* Also in the test's own environment, for the candourctl a test runs
     * itself (system()); the latest h_t's set wins. */
    setenv("CANDOUR_INTERNAL_KEYS", h->keys_dir, 1);
    return h;
}

static void s_create_db(h_t *h, const char *label, const char *url);

h_t *h_new(const char *label)
{
    const char *url = getenv("CANDOUR_TEST_DB_URL");
    cr_assert(url && *url, "CANDOUR_TEST_DB_URL is not set: run the suite with tests/run.sh, "
                           "which starts a throwaway PostgreSQL cluster");
    h_t *h = s_alloc(label);
    s_create_db(h, label, url);
    return h;
}

int h_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    socklen_t len = sizeof a;
    int port = 0;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    cr_assert(port > 0, "no free loopback port");
    return port;
}

static int s_pg(h_t *h, const char *verb)
{
    char port[16];
    snprintf(port, sizeof port, "%d", h->pg_port);
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        execl("/bin/bash", "bash", CANDOUR_SOURCE_DIR "/deploy/pg.sh", verb, h->pg_dir, port,
              (char *)NULL);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

h_t *h_new_private(const char *label)
{
    h_t *h = s_alloc(label);
    snprintf(h->pg_dir, sizeof h->pg_dir, "%s/pg", h->dir);
    /* The cluster runs as an unprivileged user that must reach its folder. */
    chmod(h->dir, 0755);
    int rc = -1;
    for (int tries = 0; tries < 5 && rc != 0; tries++) {
        h->pg_port = h_free_port();
        rc = s_pg(h, "start");
    }
    cr_assert_eq(rc, 0, "could not start a private cluster in %s", h->pg_dir);
    char url[256];
    snprintf(url, sizeof url, "postgresql://candour@127.0.0.1:%d/candour", h->pg_port);
    s_create_db(h, label, url);
    return h;
}

int h_pg_stop(h_t *h)
{
    cr_assert(h->pg_dir[0], "needs h_new_private");
    return s_pg(h, "stop");
}

int h_pg_start(h_t *h)
{
    cr_assert(h->pg_dir[0], "needs h_new_private");
    return s_pg(h, "start");
}

int h_pg_restart(h_t *h)
{
    return h_pg_stop(h) == 0 ? h_pg_start(h) : -1;
}

void h_setenv(h_t *h, const char *name, const char *value)
{
    cr_assert(h->nenv < 16);
    size_t len = strlen(name) + strlen(value) + 2;
    h->env[h->nenv] = malloc(len);
    snprintf(h->env[h->nenv++], len, "%s=%s", name, value);
}

void h_kill9(h_t *h, const char *svc)
{
    int i = s_index(svc);
    if (!h->pids[i])
        return;
    kill(h->pids[i], SIGKILL);
    waitpid(h->pids[i], NULL, 0);
    h->pids[i] = 0;
}

static void s_create_db(h_t *h, const char *label, const char *url)
{
    unsigned r = (unsigned)getpid() ^ (unsigned)time(NULL);
    snprintf(h->dbname, sizeof h->dbname, "t_%s_%d_%u", label, (int)getpid(), r % 100000);
    snprintf(h->admin_url, sizeof h->admin_url, "%s", url);
    s_url_with_db(url, h->dbname, h->db_url, sizeof h->db_url);
    PGconn *admin = PQconnectdb(url);
    cr_assert(PQstatus(admin) == CONNECTION_OK, "cannot connect to %s: %s", url,
              PQerrorMessage(admin));
    s_exec_ident(admin, "CREATE DATABASE ", h->dbname, "");
    PQfinish(admin);
    char *argv[] = {CANDOUR_BUILD_DIR "/services/candourctl", "migrate", NULL};
    cr_assert_eq(s_run(argv, h->db_url), 0, "candourctl migrate failed");
    h->conn = PQconnectdb(h->db_url);
    cr_assert(PQstatus(h->conn) == CONNECTION_OK);
    char dir[sizeof h->dir];
    memcpy(dir, h->dir, sizeof dir); /* a copy: gcc cannot tell dir from endpoints apart */
    for (int i = 0; i < H_NSVC; i++)
        snprintf(h->endpoints[i], sizeof h->endpoints[i], "ipc://%s/%s.sock", dir, s_services[i]);
    snprintf(h->public_endpoint, sizeof h->public_endpoint, "ipc://%s/intake-public.sock", dir);
    /* intake's server key, in a file as deploy/run.sh makes it */
    char secret[41];
    cr_assert_eq(zmq_curve_keypair(h->server_public, secret), 0);
    snprintf(h->server_key_file, sizeof h->server_key_file, "%s/intake-server.key", dir);
    FILE *f = fopen(h->server_key_file, "w");
    cr_assert(f);
    fprintf(f, "%s\n", secret);
    fclose(f);
}

static void s_child_env(h_t *h)
{
    setenv("CANDOUR_DB_URL", h->db_url, 1);
    setenv("CANDOUR_SPOOL_DIR", h->spool, 1);
    char print[sizeof h->dir + 8];
    snprintf(print, sizeof print, "%s/print", h->dir);
    setenv("CANDOUR_PRINT_DIR", print, 1);
    /* Retries a test can wait for (a test may set its own first). */
    setenv("CANDOUR_DELIVERY_BACKOFF_MS", "100", 0);
    setenv("CANDOUR_DELIVERY_BACKOFF_MAX_MS", "1000", 0);
    setenv("CANDOUR_DELIVERY_ATTEMPTS", "10", 0);
    setenv("CANDOUR_LOG_LEVEL", "debug", 1);
    setenv("CANDOUR_GATEWAY_HTTP", "127.0.0.1:0", 1);
    for (int i = 0; i < H_NSVC; i++) {
        char up[32], var[64];
        size_t j;
        for (j = 0; s_services[i][j]; j++)
            up[j] = (char)(s_services[i][j] - 32);
        up[j] = 0;
        snprintf(var, sizeof var, "CANDOUR_%s_ADMIN", up);
        setenv(var, "127.0.0.1:0", 1);
        snprintf(var, sizeof var, "CANDOUR_%s_BIND", up);
        setenv(var, h->endpoints[i], 1);
        snprintf(var, sizeof var, "CANDOUR_%s_ENDPOINT", up);
        setenv(var, h->endpoints[i], 1);
    }
    setenv("CANDOUR_INTAKE_PUBLIC_BIND", h->public_endpoint, 1);
    setenv("CANDOUR_INTAKE_KEY_FILE", h->server_key_file, 1);
    setenv("CANDOUR_INTERNAL_KEYS", h->keys_dir, 1);
    /* In the sanitizer build: fontconfig's caches, which notify's PDF
     * typesetting keeps for the life of the process, are not reported as
     * leaks (the file says why); anything of Candour's still is. */
    setenv("LSAN_OPTIONS",
           "suppressions=" CANDOUR_SOURCE_DIR "/tests/support/daemons.lsan:print_suppressions=0",
           1);
    /* The acknowledgement at receipt, as most tests wait for it; the tests
     * of R4's hold set 1 (h_setenv, applied after this). */
    setenv("CANDOUR_ACK_WAITS_FOR_INVESTIGATOR", "0", 1);
    for (int i = 0; i < h->nenv; i++)
        putenv(h->env[i]);
}

/* A port a daemon logged: the `key` field of its `event` line, after `from`. */
static int s_read_port(h_t *h, const char *svc, const char *event, const char *key, long from)
{
    char path[400], line[2048], ev[64], k[64];
    snprintf(path, sizeof path, "%s/%s.log", h->dir, svc);
    snprintf(ev, sizeof ev, "\"event\":\"%s\"", event);
    snprintf(k, sizeof k, "\"%s\":", key);
    for (int tries = 0; tries < 200; tries++) {
        FILE *f = fopen(path, "r");
        if (f)
            fseek(f, from, SEEK_SET);
        while (f && fgets(line, sizeof line, f)) {
            char *q = strstr(line, ev) ? strstr(line, k) : NULL;
            if (q) {
                fclose(f);
                return atoi(q + strlen(k));
            }
        }
        if (f)
            fclose(f);
        s_sleep_ms(25);
    }
    return 0;
}

int h_start(h_t *h, const char *svc)
{
    int i = s_index(svc);
    char bin[512], log[400];
    snprintf(bin, sizeof bin, "%s/services/candour-%s", CANDOUR_BUILD_DIR, svc);
    snprintf(log, sizeof log, "%s/%s.log", h->dir, svc);
    struct stat st;
    long from = stat(log, &st) == 0 ? (long)st.st_size : 0;
    pid_t pid = fork();
    if (pid == 0) {
        /* A failed assertion ends the test process without h_destroy: the
         * daemons must not outlive it. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        s_child_env(h);
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0640);
        dup2(fd, 1);
        dup2(fd, 2);
        execl(bin, bin, (char *)NULL);
        _exit(127);
    }
    if (pid < 0)
        return -1;
    h->pids[i] = pid;
    h->admin_ports[i] = s_read_port(h, svc, "daemon.started", "admin_port", from);
    if (strcmp(svc, "gateway") == 0)
        h->gateway_port = s_read_port(h, svc, "gateway.listening", "port", from);
    return 0;
}

int h_start_all(h_t *h)
{
    for (int i = 0; i < H_NSVC; i++)
        if (h_start(h, s_services[i]) != 0)
            return -1;
    return 0;
}

int h_pid(h_t *h, const char *svc)
{
    return h->pids[s_index(svc)];
}

int h_stop(h_t *h, const char *svc)
{
    int i = s_index(svc);
    pid_t pid = h->pids[i];
    if (!pid)
        return 0;
    kill(pid, SIGTERM);
    int st = 0;
    for (int t = 0; t < 1500; t++) {
        if (waitpid(pid, &st, WNOHANG) == pid) {
            h->pids[i] = 0;
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
        s_sleep_ms(10);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    h->pids[i] = 0;
    return -1;
}

int h_destroy(h_t **ph)
{
    h_t *h = *ph;
    *ph = NULL;
    int bad = 0;
    for (int i = 0; i < H_NSVC; i++)
        if (h->pids[i] && h_stop(h, s_services[i]) != 0)
            bad++;
    PQfinish(h->conn);
    if (h->pg_dir[0]) {
        s_pg(h, "stop");
    } else if (!getenv("CANDOUR_TEST_KEEP")) { /* kept: the database too, to look at */
        PGconn *admin = PQconnectdb(h->admin_url);
        if (PQstatus(admin) == CONNECTION_OK) {
            char *sql = s_sql_ident(admin, "DROP DATABASE IF EXISTS ", h->dbname, " WITH (FORCE)");
            if (sql)
                PQclear(PQexecParams(admin, sql, 0, NULL, NULL, NULL, NULL, 0));
            free(sql);
        }
        PQfinish(admin);
    }
    for (int i = 0; i < h->nenv; i++)
        free(h->env[i]);
    if (!getenv("CANDOUR_TEST_KEEP")) {
        char cmd[400];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", h->dir);
        if (system(cmd) != 0)
            bad += 0;
    }
    free(h);
    return bad;
}

const char *h_endpoint(h_t *h, const char *svc)
{
    return h->endpoints[s_index(svc)];
}
struct cd_client_t *h_internal_client_as(h_t *h, const char *svc, const char *member)
{
    char err[512];
    cd_keys_t *keys = cd_keys_load(h->keys_dir, member, NULL, err, sizeof err);
    cr_assert(keys, "internal keys of %s: %s", member, err);
    cd_client_t *c = cd_client_new_internal(h_endpoint(h, svc), keys, svc, err, sizeof err);
    cd_keys_destroy(&keys);
    cr_assert(c, "a client of %s as %s: %s", svc, member, err);
    return c;
}

struct cd_client_t *h_internal_client(h_t *h, const char *svc)
{
    return h_internal_client_as(h, svc, "ops");
}

const char *h_keys_only(void)
{
    static char dir[64];
    char err[512];
    snprintf(dir, sizeof dir, "/tmp/candour-keys-XXXXXX");
    cr_assert(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
    cr_assert_eq(cd_keys_make_suite(dir, err, sizeof err), 8, "internal keys: %s", err);
    setenv("CANDOUR_INTERNAL_KEYS", dir, 1);
    return dir;
}

const char *h_keys_dir(h_t *h)
{
    return h->keys_dir;
}

const char *h_spool(h_t *h)
{
    return h->spool;
}
const char *h_public_endpoint(h_t *h)
{
    return h->public_endpoint;
}

static int s_org_index(h_t *h, const char *org)
{
    for (int i = 0; i < h->norgs; i++)
        if (strcmp(h->orgs[i].org, org) == 0)
            return i;
    return -1;
}

void h_org(h_t *h, const char *org)
{
    if (s_org_index(h, org) >= 0)
        return;
    cr_assert_lt(h->norgs, 8);
    int i = h->norgs++;
    snprintf(h->orgs[i].org, sizeof h->orgs[i].org, "%s", org);
    cr_assert_eq(zmq_curve_keypair(h->orgs[i].pub, h->orgs[i].sec), 0);
    const char *p[2] = {org, h->orgs[i].pub};
    free(h_scalar(h,
                  "WITH o AS (INSERT INTO intake.organisation (org_id, name) VALUES ($1, $1)"
                  " ON CONFLICT DO NOTHING RETURNING 1)"
                  " INSERT INTO intake.org_key (public_key, org_id) VALUES ($2, $1) RETURNING 1",
                  2, p));
}

struct cd_client_t *h_client(h_t *h, const char *org)
{
    int i = s_org_index(h, org);
    cr_assert_geq(i, 0, "h_org(%s) first", org);
    cd_client_t *c =
        cd_client_new_curve(h->public_endpoint, h->server_public, h->orgs[i].pub, h->orgs[i].sec);
    cr_assert(c);
    return c;
}

struct cd_client_t *h_client_unknown(h_t *h)
{
    char pub[41], sec[41];
    cr_assert_eq(zmq_curve_keypair(pub, sec), 0);
    cd_client_t *c = cd_client_new_curve(h->public_endpoint, h->server_public, pub, sec);
    cr_assert(c);
    return c;
}

void h_revoke(h_t *h, const char *org)
{
    int i = s_org_index(h, org);
    cr_assert_geq(i, 0);
    const char *p[1] = {h->orgs[i].pub};
    free(h_scalar(h,
                  "UPDATE intake.org_key SET revoked_at = now(), revoked_reason = 'test'"
                  " WHERE public_key = $1 RETURNING 1",
                  1, p));
}
/* ---------------------------------------------------------------- requests and events */

Candour__V1__Reply *h_call(h_t *h, const char *svc, const char *org, Candour__V1__Request *req)
{
    /* Organisations reach intake's public endpoint with their key; staff
     * steps go to the services' internal endpoints. */
    int as_org = strcmp(svc, "intake") == 0;
    cr_assert(!as_org || org, "a request to intake needs the organisation it comes from");
    cd_client_t *c = as_org ? h_client(h, org) : h_internal_client(h, svc);
    cr_assert(c);
    Candour__V1__Reply *reply = NULL;
    char err[256];
    int rc = cd_client_call(c, req, 10000, &reply, err, sizeof err);
    cd_client_destroy(&c);
    cr_assert_eq(rc, 0, "%s did not answer: %s", svc, err);
    return reply;
}

Candour__V1__Reply *h_call_json(h_t *h, const char *svc, const char *org, const char *json)
{
    cd_fail_t perr;
    Candour__V1__Request *req = (Candour__V1__Request *)cd_pbjson_parse(
        &candour__v1__request__descriptor, json, strlen(json), &perr);
    cr_assert(req, "bad test JSON: %s %s", perr.field, perr.message);
    Candour__V1__Reply *r = h_call(h, svc, org, req);
    candour__v1__request__free_unpacked(req, NULL);
    return r;
}

Candour__V1__Reply *h_call_jsonf(h_t *h, const char *svc, const char *org, const char *fmt, ...)
{
    static char json[32768];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(json, sizeof json, fmt, ap);
    va_end(ap);
    cr_assert(n >= 0 && (size_t)n < sizeof json, "test JSON over %zu bytes", sizeof json);
    return h_call_json(h, svc, org, json);
}

void h_ok(Candour__V1__Reply *r, const char *what)
{
    cr_assert_null(r->error, "%s: %s %s %s", what, r->error ? r->error->code : "",
                   r->error ? r->error->field : "", r->error ? r->error->message : "");
    candour__v1__reply__free_unpacked(r, NULL);
}

/* A comma-separated list, split into dst (at most max, each up to 63 bytes). */
static size_t s_split_csv(const char *csv, char (*dst)[64], size_t max)
{
    size_t n = 0;
    const char *p = csv ? csv : "";
    while (*p && n < max) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        snprintf(dst[n++], 64, "%.*s", (int)len, p);
        p += len + (e ? 1 : 0);
    }
    return n;
}

static char *s_staff_put(h_t *h, const char *org, const char *name, const char *team,
                         const char *roles, const char *signs_for)
{
    char rnames[8][64], sf[8][64];
    size_t nr = s_split_csv(roles, rnames, 8), ns = s_split_csv(signs_for, sf, 8);
    Candour__V1__Role rv[8];
    char *sv[8];
    for (size_t i = 0; i < nr; i++) {
        rv[i] = cd_role_from_name(rnames[i]);
        cr_assert(rv[i] != CANDOUR__V1__ROLE__ROLE_UNSPECIFIED, "no role %s", rnames[i]);
    }
    for (size_t i = 0; i < ns; i++)
        sv[i] = sf[i];
    Candour__V1__StaffMember m = CANDOUR__V1__STAFF_MEMBER__INIT;
    m.org_id = (char *)org;
    m.name = (char *)name;
    m.team = (char *)(team ? team : "");
    m.job_title = "Complaints team";
    m.email = "complaints.team@example.nhs.uk";
    m.phone = "0113 496 0000";
    m.n_roles = nr;
    m.roles = rv;
    m.n_signs_for = ns;
    m.signs_for = sv;
    Candour__V1__PutStaff put = CANDOUR__V1__PUT_STAFF__INIT;
    put.staff = &m;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.ops_user = "test-harness";
    req.op_case = CANDOUR__V1__REQUEST__OP_PUT_STAFF;
    req.put_staff = &put;
    Candour__V1__Reply *r = h_call(h, "routing", NULL, &req);
    cr_assert_null(r->error, "put_staff: %s %s %s", r->error ? r->error->code : "",
                   r->error ? r->error->field : "", r->error ? r->error->message : "");
    cr_assert(r->staff && r->staff->staff_id[0]);
    char *id = strdup(r->staff->staff_id);
    candour__v1__reply__free_unpacked(r, NULL);
    static const char *const copies[] = {"intake", "investigation", "signoff", "notify"};
    for (size_t i = 0; i < sizeof copies / sizeof copies[0]; i++) {
        if (!h_pid(h, copies[i]))
            continue;
        char sql[160];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s.staff WHERE staff_id = $1", copies[i]);
        const char *v[1] = {id};
        cr_assert(h_wait_for(h, sql, 1, v, "1", 15000), "%s never heard of %s", copies[i], id);
    }
    return id;
}

char *h_staff(h_t *h, const char *org, const char *name, const char *team, const char *roles)
{
    return s_staff_put(h, org, name, team, roles, NULL);
}

char *h_staff_signs_for(h_t *h, const char *org, const char *name, const char *roles,
                        const char *signs_for)
{
    return s_staff_put(h, org, name, "", roles, signs_for);
}

void h_staff_event(h_t *h, const char *svc, const char *staff_id, const char *org, const char *name,
                   const char *roles)
{
    char rnames[8][64];
    size_t nr = s_split_csv(roles, rnames, 8);
    Candour__V1__Role rv[8];
    for (size_t i = 0; i < nr; i++)
        rv[i] = cd_role_from_name(rnames[i]);
    Candour__V1__StaffMember m = CANDOUR__V1__STAFF_MEMBER__INIT;
    m.staff_id = (char *)staff_id;
    m.org_id = (char *)org;
    m.name = (char *)name;
    m.job_title = "Complaints team";
    m.n_roles = nr;
    m.roles = rv;
    m.version = 1;
    char id[CD_UUID_LEN + 1] = "";
    cr_assert_eq(h_send_event(h, svc, "staff.changed", "", &m.base, id, 10000), 1,
                 "%s did not take staff.changed for %s", svc, staff_id);
}

void h_assign(h_t *h, const char *ref, const char *manager, const char *investigator)
{
    const char *v[1] = {ref};
    cr_assert(h_wait_for(h, "SELECT state FROM investigation.case WHERE reference = $1", 1, v,
                         "open", 15000),
              "no open case for %s", ref);
    Candour__V1__AssignInvestigator a = CANDOUR__V1__ASSIGN_INVESTIGATOR__INIT;
    a.complaint_ref = (char *)ref;
    a.investigator = (char *)investigator;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.acting = (char *)manager;
    req.op_case = CANDOUR__V1__REQUEST__OP_ASSIGN_INVESTIGATOR;
    req.assign_investigator = &a;
    Candour__V1__Reply *r = h_call(h, "investigation", NULL, &req);
    cr_assert_null(r->error, "assign_investigator: %s %s %s", r->error ? r->error->code : "",
                   r->error ? r->error->field : "", r->error ? r->error->message : "");
    candour__v1__reply__free_unpacked(r, NULL);
}

/* The same Envelope a producer's outbox would send, but for the sequence and
 * time, which no daemon under test orders by: the first event of its
 * correlation. */
uint8_t *h_event_pack(const char *type, const char *producer, const char *ref, const char *event_id,
                      const char *causation_id, const ProtobufCMessage *payload, size_t *len)
{
    if (!producer) {
        const cd_event_type_t *et = cd_event_type(type);
        cr_assert(et, "%s is not in the event catalogue", type);
        producer = et->producer;
    }
    size_t plen = 0;
    uint8_t *pl = cd_pb_pack(payload, &plen);
    cr_assert(pl);
    Candour__V1__Envelope env = CANDOUR__V1__ENVELOPE__INIT;
    env.event_id = (char *)event_id;
    env.type = (char *)type;
    env.producer = (char *)producer;
    env.complaint_ref = (char *)ref;
    env.correlation_id = (char *)event_id;
    env.causation_id = (char *)causation_id;
    env.sequence = 1;
    env.occurred_at_us = 1;
    env.schema_version = 1;
    env.payload.data = pl;
    env.payload.len = plen;
    uint8_t *buf = cd_pb_pack(&env.base, len);
    free(pl);
    cr_assert(buf);
    return buf;
}

int h_send_event(h_t *h, const char *svc, const char *type, const char *ref,
                 const ProtobufCMessage *payload, char *event_id, int timeout_ms)
{
    if (!event_id[0])
        cr_assert_eq(cd_uuid(event_id), 0);
    size_t len = 0;
    uint8_t *buf = h_event_pack(type, NULL, ref, event_id, "", payload, &len);
    /* As its producer sends it: with the producer's own internal key. */
    const cd_event_type_t *et = cd_event_type(type);
    cd_client_t *c = h_internal_client_as(h, svc, et ? et->producer : "ops");
    cr_assert(c);
    const void *frames[2] = {"EVT", buf};
    size_t sizes[2] = {3, len};
    void *out[4] = {0};
    size_t outsz[4] = {0};
    int got = cd_client_raw(c, frames, sizes, 2, timeout_ms, out, outsz, 4);
    cd_client_destroy(&c);
    free(buf);

    /* "ACK" | id, or "NAK" | id | Error; anything else is a broken daemon. */
    h->nak[0] = 0;
    int answer = 0, understood = got <= 0;
    if (got >= 2 && outsz[0] == 3 && outsz[1] == strlen(event_id) &&
        memcmp(out[1], event_id, outsz[1]) == 0) {
        if (memcmp(out[0], "ACK", 3) == 0) {
            answer = 1;
            understood = 1;
        } else if (memcmp(out[0], "NAK", 3) == 0 && got >= 3) {
            Candour__V1__Error *e = candour__v1__error__unpack(NULL, outsz[2], out[2]);
            if (e) {
                snprintf(h->nak, sizeof h->nak, "%s", e->code);
                candour__v1__error__free_unpacked(e, NULL);
                answer = -1;
                understood = 1;
            }
        }
    }
    for (int i = 0; i < got; i++)
        free(out[i]);
    cr_assert(understood, "%s answered %s with neither an ACK nor a NAK of it", svc, type);
    return answer;
}

const char *h_event_nak(h_t *h)
{
    return h->nak;
}

const char *h_dir(h_t *h)
{
    return h->dir;
}
const char *h_db_url(h_t *h)
{
    return h->db_url;
}
int h_gateway_port(h_t *h)
{
    return h->gateway_port;
}
int h_admin_port(h_t *h, const char *svc)
{
    return h->admin_ports[s_index(svc)];
}
PGconn *h_db(h_t *h)
{
    return h->conn;
}

void h_exec(h_t *h, const char *sql)
{
    s_exec(h->conn, sql);
}

void h_execp(h_t *h, const char *sql, int n, const char *const *params)
{
    PGresult *r = PQexecParams(h->conn, sql, n, NULL, params, NULL, NULL, 0);
    cr_assert(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK,
              "%s: %s", sql, PQresultErrorMessage(r));
    PQclear(r);
}

char *h_scalar(h_t *h, const char *sql, int n, const char *const *params)
{
    PGresult *r = PQexecParams(h->conn, sql, n, NULL, params, NULL, NULL, 0);
    if (PQstatus(h->conn) != CONNECTION_OK) {
        /* The test restarted the cluster: reconnect and ask again. */
        PQclear(r);
        for (int i = 0; i < 100 && PQstatus(h->conn) != CONNECTION_OK; i++) {
            PQreset(h->conn);
            if (PQstatus(h->conn) != CONNECTION_OK)
                s_sleep_ms(100);
        }
        r = PQexecParams(h->conn, sql, n, NULL, params, NULL, NULL, 0);
    }
    cr_assert(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql, PQresultErrorMessage(r));
    char *out = PQntuples(r) > 0 && !PQgetisnull(r, 0, 0) ? strdup(PQgetvalue(r, 0, 0)) : NULL;
    PQclear(r);
    return out;
}

void h_db_reset(h_t *h)
{
    PQfinish(h->conn);
    h->conn = PQconnectdb(h->db_url);
    for (int i = 0; i < 100 && PQstatus(h->conn) != CONNECTION_OK; i++) {
        s_sleep_ms(100);
        PQreset(h->conn);
    }
    cr_assert(PQstatus(h->conn) == CONNECTION_OK, "cannot connect again: %s",
              PQerrorMessage(h->conn));
}

long h_count(h_t *h, const char *sql, int n, const char *const *params)
{
    char *v = h_scalar(h, sql, n, params);
    long c = v ? atol(v) : -1;
    free(v);
    return c;
}

int h_wait_for(h_t *h, const char *sql, int n, const char *const *params, const char *want,
               int timeout_ms)
{
    for (int waited = 0; waited <= timeout_ms; waited += 50) {
        char *v = h_scalar(h, sql, n, params);
        int ok = v && strcmp(v, want) == 0;
        free(v);
        if (ok)
            return 1;
        s_sleep_ms(50);
    }
    return 0;
}

int h_http_get(int port, const char *path, char **body)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    char req[512];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", path);
    if (write(fd, req, (size_t)n) != n) {
        close(fd);
        return -1;
    }
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    ssize_t got;
    while ((got = read(fd, buf + len, cap - len - 1)) > 0)
        len += (size_t)got;
    close(fd);
    buf[len] = 0;
    int status = 0;
    sscanf(buf, "HTTP/1.1 %d", &status);
    char *b = strstr(buf, "\r\n\r\n");
    *body = strdup(b ? b + 4 : "");
    free(buf);
    return status;
}

char *h_read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    cr_assert_eq(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    cr_assert_geq(n, 0);
    cr_assert_eq(fseek(f, 0, SEEK_SET), 0);
    char *s = malloc((size_t)n + 1);
    cr_assert_not_null(s);
    cr_assert_eq(fread(s, 1, (size_t)n, f), (size_t)n, "short read of %s", path);
    s[n] = 0;
    fclose(f);
    return s;
}

/* ---------------------------------------------------------------- candourctl */

/* path's text into buf[len], cut to fit; the test fails when it cannot be
 * read. */
static void s_slurp_into(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    cr_assert(f, "cannot read %s", path);
    size_t n = fread(buf, 1, len - 1, f);
    buf[n] = 0;
    fclose(f);
}

int h_vctl(h_t *h, const char *env, char *out, size_t outlen, char *err, size_t errlen,
           const char *fmt, va_list ap)
{
    char args[4096], cmd[12288], outp[600], errp[600];
    vsnprintf(args, sizeof args, fmt, ap);
    snprintf(outp, sizeof outp, "%s/ctl.out", h->dir);
    snprintf(errp, sizeof errp, "%s/ctl.err", h->dir);
    int n = snprintf(cmd, sizeof cmd,
                     "env -u SUDO_USER -u CANDOUR_ACTING LOGNAME=ops.alice USER=ops.alice"
                     " CANDOUR_DB_URL='%s' CANDOUR_INTERNAL_KEYS='%s' %s"
                     " '%s/services/candourctl' %s >'%s' 2>'%s'",
                     h->db_url, h->keys_dir, env, CANDOUR_BUILD_DIR, args, outp, errp);
    cr_assert(n > 0 && (size_t)n < sizeof cmd, "h_ctl: the command is too long");
    int st = system(cmd);
    s_slurp_into(outp, out, outlen);
    s_slurp_into(errp, err, errlen);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int h_ctl(h_t *h, const char *env, char *out, size_t outlen, char *err, size_t errlen,
          const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = h_vctl(h, env, out, outlen, err, errlen, fmt, ap);
    va_end(ap);
    return rc;
}

/* ---------------------------------------------------------------- SMTP server */

static long s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

void h_smtp_start(pid_t *pid, int port, const char *dir, const char *const *extra, const char *log)
{
    char p[16], ready[600];
    snprintf(p, sizeof p, "%d", port);
    snprintf(ready, sizeof ready, "%s/ready", dir);
    /* Debian's interpreter: python3-aiosmtpd is installed for it, not for
     * whatever python3 comes first on PATH. */
    const char *python = getenv("CANDOUR_TEST_PYTHON");
    if (!python || !*python)
        python = "/usr/bin/python3";
    const char *argv[24] = {
        python, CANDOUR_SOURCE_DIR "/tests/support/smtp_server.py", "--port", p, "--dir", dir};
    int n = 6;
    for (; extra && *extra && n < 23; extra++)
        argv[n++] = *extra;
    argv[n] = NULL;

    *pid = fork();
    cr_assert(*pid >= 0, "fork: %s", strerror(errno));
    if (*pid == 0) {
        int fd = log ? open(log, O_WRONLY | O_CREAT | O_APPEND, 0600) : -1;
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execv(python, (char *const *)argv);
        _exit(127);
    }
    long until = s_now_ms() + 10000;
    while (access(ready, F_OK) != 0) {
        int st;
        if (waitpid(*pid, &st, WNOHANG) == *pid) {
            *pid = 0;
            char said[4096] = "";
            FILE *f = log ? fopen(log, "r") : NULL;
            if (f) {
                said[fread(said, 1, sizeof said - 1, f)] = 0;
                fclose(f);
            }
            cr_assert_fail("the SMTP server exited before it was ready:\n%s", said);
        }
        cr_assert(s_now_ms() < until, "the SMTP server was not ready within 10 s (see %s)",
                  log ? log : "the test's output");
        s_sleep_ms(20);
    }
}

void h_smtp_stop(pid_t *pid)
{
    if (*pid <= 0)
        return;
    kill(*pid, SIGTERM);
    long until = s_now_ms() + 5000;
    int st;
    while (waitpid(*pid, &st, WNOHANG) == 0) {
        if (s_now_ms() > until) {
            kill(*pid, SIGKILL);
            waitpid(*pid, &st, 0);
            break;
        }
        s_sleep_ms(20);
    }
    *pid = 0;
}

long h_metric(h_t *h, const char *service, const char *name)
{
    char *body = NULL;
    cr_assert_eq(h_http_get(h_admin_port(h, service), "/metrics", &body), 200);
    long sum = 0;
    size_t len = strlen(name);
    char *save = NULL;
    for (char *line = strtok_r(body, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        if (strncmp(line, name, len) == 0 && (line[len] == ' ' || line[len] == '{')) {
            char *v = strrchr(line, ' ');
            sum += v ? atol(v + 1) : 0;
        }
    free(body);
    return sum;
}

int h_sh(char *out, size_t len, const char *fmt, ...)
{
    char cmd[2048], full[2100];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    snprintf(full, sizeof full, "%s 2>&1", cmd);
    FILE *p = popen(full, "r");
    cr_assert(p, "popen %s", cmd);
    size_t n = fread(out, 1, len - 1, p);
    out[n] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
