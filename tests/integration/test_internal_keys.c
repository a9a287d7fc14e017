/* test_internal_keys.c - no open doors inside (issue 14, item 8): the
 * services' internal endpoints answer only the suite's own CURVE keys.
 *
 * For every internal endpoint of every service: a plain (NULL mechanism)
 * client, a CURVE client that expects another server key, and a CURVE
 * client with the right server key but a stranger's own key each send a
 * valid request and hear nothing within a bounded time; a staff operation
 * sent that way changes nothing; the suite's ops key gets its reply. A
 * daemon without its keys refuses to start (exit 2) and says why, and so
 * does candourctl. */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#include "candour/client.h"
#include "candour/keys.h"
#include "harness.h"

#define S_SILENCE_MS 1500 /* how long a refused client waits for nothing */

static const char *const s_svcs[] = {"intake", "routing", "investigation", "signoff", "notify"};
#define S_NSVC (sizeof s_svcs / sizeof s_svcs[0])

static h_t *s_h;

static void s_setup(void)
{
    s_h = h_new("ikeys");
    for (size_t i = 0; i < S_NSVC; i++)
        cr_assert_eq(h_start(s_h, s_svcs[i]), 0, "cannot start %s", s_svcs[i]);
}

static void s_teardown(void)
{
    if (s_h)
        cr_expect_eq(h_destroy(&s_h), 0, "a daemon did not stop cleanly");
}

TestSuite(internal_keys, .init = s_setup, .fini = s_teardown, .timeout = 180);

/* A request every service answers somehow (an error is an answer): no
 * operation at all. */
static int s_ask(cd_client_t *c, int timeout_ms, Candour__V1__Reply **reply)
{
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    char err[256];
    return cd_client_call(c, &req, timeout_ms, reply, err, sizeof err);
}

/* One stranger's question, asked on a thread of its own: rc is the call's. */
typedef struct {
    cd_client_t *c;
    int rc;
} s_stranger_t;

static void *s_stranger_asks(void *arg)
{
    s_stranger_t *st = arg;
    Candour__V1__Reply *r = NULL;
    st->rc = s_ask(st->c, S_SILENCE_MS, &r);
    if (r)
        candour__v1__reply__free_unpacked(r, NULL);
    return NULL;
}

/* The three strangers of one endpoint each ask, and none hears a thing. */
static void s_strangers_get_nothing(const char *svc)
{
    char spub[41], ssec[41], cpub[41], csec[41], err[256];
    zmq_curve_keypair(spub, ssec);
    zmq_curve_keypair(cpub, csec);
    cd_keys_t *ops = cd_keys_load(h_keys_dir(s_h), "ops", NULL, err, sizeof err);
    cr_assert(ops, "%s", err);
    cd_client_t *c[3] = {
        cd_client_new(h_endpoint(s_h, svc)),
        /* a CURVE client expecting another server: its own key is the suite's */
        cd_client_new_curve(h_endpoint(s_h, svc), spub, cd_keys_public(ops), cd_keys_secret(ops)),
        /* the right server key, a key of its own that is nobody's */
        cd_client_new_curve(h_endpoint(s_h, svc), cd_keys_public_of(ops, svc), cpub, csec),
    };
    static const char *const what[] = {"a plain client", "a client of another server",
                                       "a stranger's key"};
    /* The three wait out their silence together, each on a thread of its own
     * (a client's socket is used by one thread at a time). */
    s_stranger_t st[3];
    pthread_t t[3];
    for (int i = 0; i < 3; i++) {
        cr_assert(c[i]);
        st[i] = (s_stranger_t){.c = c[i], .rc = 0};
        cr_assert_eq(pthread_create(&t[i], NULL, s_stranger_asks, &st[i]), 0);
    }
    for (int i = 0; i < 3; i++) {
        pthread_join(t[i], NULL);
        cr_expect_neq(st[i].rc, 0, "%s got a reply from %s's internal endpoint", what[i], svc);
        cd_client_destroy(&c[i]);
    }
    cd_keys_destroy(&ops);
}

Test(internal_keys, every_internal_endpoint_answers_only_the_suites_keys)
{
    for (size_t i = 0; i < S_NSVC; i++) {
        /* the suite's ops key first: the daemon is up and answering */
        cd_client_t *ops = h_internal_client(s_h, s_svcs[i]);
        Candour__V1__Reply *r = NULL;
        cr_assert_eq(s_ask(ops, 10000, &r), 0, "%s did not answer the ops key", s_svcs[i]);
        candour__v1__reply__free_unpacked(r, NULL);
        cd_client_destroy(&ops);
        s_strangers_get_nothing(s_svcs[i]);
    }
    /* Refused handshakes are counted and logged, by reference only. The
     * daemon answers ZAP on its own loop, which a loaded machine may hold up
     * past the client's wait: read the counter until it moves (at most 10 s). */
    char *body = NULL;
    int counted = 0;
    for (int tries = 0; tries < 100 && !counted; tries++) {
        free(body);
        body = NULL;
        cr_assert_eq(h_http_get(h_admin_port(s_h, "routing"), "/metrics", &body), 200);
        cr_assert(strstr(body, "candour_zap_refused_total"), "no refused counter on /metrics");
        counted = strstr(body, "candour_zap_refused_total 0\n") == NULL;
        if (!counted)
            usleep(100000);
    }
    cr_expect(counted, "no refusal was counted");
    free(body);
}

/* PutStaff (ops_user) to routing: as a stranger nothing happens; as ops the
 * person is added. */
static Candour__V1__Request *s_put_staff(Candour__V1__Request *req, Candour__V1__PutStaff *put,
                                         Candour__V1__StaffMember *m)
{
    static Candour__V1__Role roles[1] = {CANDOUR__V1__ROLE__ROLE_COMPLAINTS_MANAGER};
    *m = (Candour__V1__StaffMember)CANDOUR__V1__STAFF_MEMBER__INIT;
    m->org_id = "ICB-KEYS";
    m->name = "Dana Lock";
    m->job_title = "Complaints manager";
    m->email = "dana.lock@example.nhs.uk";
    m->phone = "0113 496 0001";
    m->n_roles = 1;
    m->roles = roles;
    *put = (Candour__V1__PutStaff)CANDOUR__V1__PUT_STAFF__INIT;
    put->staff = m;
    *req = (Candour__V1__Request)CANDOUR__V1__REQUEST__INIT;
    req->ops_user = "ops.alice";
    req->op_case = CANDOUR__V1__REQUEST__OP_PUT_STAFF;
    req->put_staff = put;
    return req;
}

Test(internal_keys, a_staff_operation_from_a_stranger_changes_nothing)
{
    Candour__V1__Request req;
    Candour__V1__PutStaff put;
    Candour__V1__StaffMember m;
    s_put_staff(&req, &put, &m);
    char spub[41], ssec[41], err[256];
    zmq_curve_keypair(spub, ssec);
    cd_keys_t *any = cd_keys_load(h_keys_dir(s_h), "ops", NULL, err, sizeof err);
    cr_assert(any, "%s", err);
    cd_client_t *c[2] = {
        cd_client_new(h_endpoint(s_h, "routing")),
        cd_client_new_curve(h_endpoint(s_h, "routing"), cd_keys_public_of(any, "routing"), spub,
                            ssec),
    };
    cd_keys_destroy(&any);
    for (int i = 0; i < 2; i++) {
        Candour__V1__Reply *r = NULL;
        cr_expect_neq(cd_client_call(c[i], &req, S_SILENCE_MS, &r, err, sizeof err), 0,
                      "a stranger's PutStaff was answered");
        if (r)
            candour__v1__reply__free_unpacked(r, NULL);
        cd_client_destroy(&c[i]);
    }
    const char *v[1] = {"ICB-KEYS"};
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM routing.staff WHERE org_id = $1", 1, v), 0,
                 "a stranger's PutStaff changed the directory");

    /* Another member of the suite may not act as ops either. */
    cd_client_t *notify = h_internal_client_as(s_h, "routing", "notify");
    Candour__V1__Reply *r = NULL;
    cr_assert_eq(cd_client_call(notify, &req, 10000, &r, err, sizeof err), 0, "%s", err);
    cr_assert(r->error, "routing took an operator's request from notify");
    cr_expect_str_eq(r->error->code, "PERMISSION_DENIED");
    cr_expect_str_eq(r->error->field, "ops_user");
    candour__v1__reply__free_unpacked(r, NULL);
    cd_client_destroy(&notify);
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM routing.staff WHERE org_id = $1", 1, v), 0);

    /* ops may. */
    r = h_call(s_h, "routing", NULL, &req);
    cr_assert_null(r->error, "ops's PutStaff: %s", r->error ? r->error->message : "");
    candour__v1__reply__free_unpacked(r, NULL);
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM routing.staff WHERE org_id = $1", 1, v), 1);
}

/* Run a daemon binary with env changes (NAME=value, or NAME= to unset),
 * stderr into err; its exit code. */
static int s_run_daemon(const char *svc, const char *const *env, char *err, size_t errlen)
{
    char bin[512], path[400];
    snprintf(bin, sizeof bin, "%s/services/candour-%s", CANDOUR_BUILD_DIR, svc);
    snprintf(path, sizeof path, "%s/nokeys.err", h_dir(s_h));
    pid_t pid = fork();
    if (pid == 0) {
        setenv("CANDOUR_DB_URL", h_db_url(s_h), 1);
        setenv("CANDOUR_SIGNOFF_ADMIN", "127.0.0.1:0", 1);
        setenv("CANDOUR_SIGNOFF_BIND", "ipc:///nonexistent/never.sock", 1);
        for (int i = 0; env[i]; i++) {
            const char *eq = strchr(env[i], '=');
            char name[64];
            snprintf(name, sizeof name, "%.*s", (int)(eq - env[i]), env[i]);
            if (eq[1])
                setenv(name, eq + 1, 1);
            else
                unsetenv(name);
        }
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 2);
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        execl(bin, bin, (char *)NULL);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    char *text = h_read_file(path);
    snprintf(err, errlen, "%s", text);
    free(text);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(internal_keys, a_daemon_without_its_keys_refuses_to_start)
{
    char err[2048], dir[400];
    const char *unset[] = {"CANDOUR_INTERNAL_KEYS=", NULL};
    cr_assert_eq(s_run_daemon("signoff", unset, err, sizeof err), 2, "%s", err);
    cr_expect(strstr(err, "CANDOUR_INTERNAL_KEYS"), "the message does not name the variable: %s",
              err);

    /* a folder without the service's own key */
    snprintf(dir, sizeof dir, "%s/spool", h_dir(s_h)); /* exists, holds no keys */
    char var[460];
    snprintf(var, sizeof var, "CANDOUR_INTERNAL_KEYS=%s", dir);
    const char *empty[] = {var, NULL};
    cr_assert_eq(s_run_daemon("signoff", empty, err, sizeof err), 2, "%s", err);
    cr_expect(strstr(err, "signoff.key"), "the message does not name the missing key: %s", err);

    /* candourctl says so too, rather than send in the open */
    char out[512], cerr[1024];
    int rc = h_ctl(s_h, "CANDOUR_INTERNAL_KEYS=", out, sizeof out, cerr, sizeof cerr,
                   "staff list ICB-KEYS");
    cr_expect_neq(rc, 0);
    cr_expect(strstr(cerr, "CANDOUR_INTERNAL_KEYS"), "candourctl: %s", cerr);
}
