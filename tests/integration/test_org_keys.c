/* test_org_keys.c - the bus allow-list end to end: candourctl keygen and
 * org add/list/revoke against a migrated database, and the ZAP handler
 * reading intake.org_key as candour_intake, so that a key added is admitted
 * and a key revoked is refused at once, without a restart. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#include "candour/db.h"
#include "candour/zap.h"
#include "candour/zsock.h"
#include "harness.h"

/* Run candourctl with the arguments (already shell-quoted where needed);
 * capture stdout and stderr together. */
static int s_ctl(h_t *h, char *out, size_t outlen, const char *args)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "CANDOUR_DB_URL='%s' '%s/services/candourctl' %s 2>&1", h_db_url(h),
             CANDOUR_BUILD_DIR, args);
    FILE *p = popen(cmd, "r");
    cr_assert(p);
    size_t n = fread(out, 1, outlen - 1, p);
    out[n] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* `candourctl keygen`: the public key (and the secret, if sec is not NULL). */
static void s_keygen(h_t *h, char pub[41], char sec[41])
{
    char out[512];
    cr_assert_eq(s_ctl(h, out, sizeof out, "keygen"), 0, "%s", out);
    char p[64] = "", s[64] = "";
    cr_assert_eq(sscanf(out, "public %63s secret %63s", p, s), 2, "%s", out);
    cr_assert_eq(strlen(p), 40);
    cr_assert_eq(strlen(s), 40);
    cr_assert(cd_zap_key_valid(p) && cd_zap_key_valid(s));
    memcpy(pub, p, 41);
    if (sec)
        memcpy(sec, s, 41);
}

Test(org_keys, keygen_org_add_list_revoke_round_trip_with_rows_and_exit_codes, .timeout = 60)
{
    h_t *h = h_new("orgkeys");
    char out[16384], args[1024], pub[41], pub2[41];
    s_keygen(h, pub, NULL);
    s_keygen(h, pub2, NULL);
    cr_assert_str_neq(pub, pub2);

    /* Key files: the secret private to its owner, never overwritten. */
    snprintf(args, sizeof args, "keygen --out '%s/intake'", h_dir(h));
    cr_assert_eq(s_ctl(h, out, sizeof out, args), 0, "%s", out);
    char path[1024];
    struct stat st;
    snprintf(path, sizeof path, "%s/intake.key", h_dir(h));
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600, "secret key mode %o", st.st_mode & 0777);
    cr_assert_eq(st.st_size, 41);
    snprintf(path, sizeof path, "%s/intake.pub", h_dir(h));
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_size, 41);
    cr_assert_eq(s_ctl(h, out, sizeof out, args), 1, "overwrote a key: %s", out);
    cr_assert(strstr(out, "exists"), "%s", out);

    /* A new organisation needs its name. */
    snprintf(args, sizeof args, "org add ICB-QMS --key '%s'", pub);
    cr_assert_eq(s_ctl(h, out, sizeof out, args), 2, "%s", out);
    cr_assert(strstr(out, "--name"), "%s", out);
    cr_assert_eq(h_count(h, "SELECT count(*) FROM intake.organisation", 0, NULL), 0);

    snprintf(args, sizeof args, "org add ICB-QMS --name 'NHS Queensmere ICB' --key '%s'", pub);
    cr_assert_eq(s_ctl(h, out, sizeof out, args), 0, "%s", out);
    const char *p1[2] = {pub, "ICB-QMS"};
    cr_assert_eq(h_count(h,
                         "SELECT count(*) FROM intake.org_key k JOIN intake.organisation o"
                         " USING (org_id) WHERE k.public_key = $1 AND o.org_id = $2"
                         " AND o.name = 'NHS Queensmere ICB' AND k.revoked_at IS NULL",
                         2, p1),
                 1);
    /* Again: nothing new, and says so. A second key for the same org. */
    cr_assert_eq(s_ctl(h, out, sizeof out, args), 0, "%s", out);
    cr_assert(strstr(out, "already"), "%s", out);
    snprintf(args, sizeof args, "org add ICB-QMS --key '%s'", pub2);
    cr_assert_eq(s_ctl(h, out, sizeof out, args), 0, "%s", out);
    cr_assert_eq(
        h_count(h, "SELECT count(*) FROM intake.org_key WHERE org_id = 'ICB-QMS'", 0, NULL), 2);
    /* One key, one organisation. */
    snprintf(args, sizeof args, "org add CSU-X --name 'A CSU' --key '%s'", pub);
    cr_assert_eq(s_ctl(h, out, sizeof out, args), 1, "%s", out);
    cr_assert(strstr(out, "belongs to ICB-QMS"), "%s", out);
    cr_assert_eq(
        h_count(h, "SELECT count(*) FROM intake.organisation WHERE org_id = 'CSU-X'", 0, NULL), 0);

    cr_assert_eq(s_ctl(h, out, sizeof out, "org list"), 0, "%s", out);
    cr_assert(strstr(out, "ICB-QMS") && strstr(out, pub) && strstr(out, pub2) &&
                  strstr(out, "NHS Queensmere ICB") && strstr(out, "2 live keys, 0 revoked"),
              "%s", out);

    /* Revoking needs a reason; it is kept with the key. */
    snprintf(args, sizeof args, "org revoke --key '%s'", pub);
    cr_assert_eq(s_ctl(h, out, sizeof out, args), 2, "%s", out);
    snprintf(args, sizeof args, "org revoke --key '%s' --reason 'laptop lost'", pub);
    cr_assert_eq(s_ctl(h, out, sizeof out, args), 0, "%s", out);
    const char *p2[1] = {pub};
    cr_assert_eq(h_count(h,
                         "SELECT count(*) FROM intake.org_key WHERE public_key = $1"
                         " AND revoked_at IS NOT NULL AND revoked_reason = 'laptop lost'",
                         1, p2),
                 1);
    cr_assert_eq(s_ctl(h, out, sizeof out, args), 1, "revoked twice: %s", out);
    cr_assert(strstr(out, "already revoked"), "%s", out);
    /* A revoked key is never reinstated. */
    snprintf(args, sizeof args, "org add ICB-QMS --key '%s'", pub);
    cr_assert_eq(s_ctl(h, out, sizeof out, args), 1, "%s", out);
    cr_assert(strstr(out, "revoked"), "%s", out);
    cr_assert_eq(h_count(h,
                         "SELECT count(*) FROM intake.org_key WHERE public_key = $1"
                         " AND revoked_at IS NULL",
                         1, p2),
                 0);

    cr_assert_eq(s_ctl(h, out, sizeof out, "org list ICB-QMS"), 0, "%s", out);
    cr_assert(strstr(out, "laptop lost") && strstr(out, "1 live key, 1 revoked"), "%s", out);
    cr_assert_eq(s_ctl(h, out, sizeof out, "org list NOBODY"), 1, "%s", out);
    /* An unknown key cannot be revoked. */
    char pub3[41];
    s_keygen(h, pub3, NULL);
    snprintf(args, sizeof args, "org revoke --key '%s' --reason x", pub3);
    cr_assert_eq(s_ctl(h, out, sizeof out, args), 1, "%s", out);
    cr_assert(strstr(out, "no such key"), "%s", out);
    cr_assert_eq(h_destroy(&h), 0);
}

Test(org_keys, bad_key_or_org_id_is_rejected_with_a_clear_message_and_nothing_written,
     .timeout = 60)
{
    h_t *h = h_new("orgkeysbad");
    char out[4096], args[1024], pub[41];
    s_keygen(h, pub, NULL);
    const char *bad[] = {
        "abc",                                       /* too short */
        "0123456789012345678901234567890123456789x", /* 41 characters */
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa~",  /* not Z85 */
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa_",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(args, sizeof args, "org add ICB-QMS --name N --key '%s'", bad[i]);
        cr_assert_eq(s_ctl(h, out, sizeof out, args), 2, "%s: %s", bad[i], out);
        cr_assert(strstr(out, "is not a CURVE public key") && strstr(out, "40 characters of Z85"),
                  "%s", out);
        snprintf(args, sizeof args, "org revoke --key '%s' --reason r", bad[i]);
        cr_assert_eq(s_ctl(h, out, sizeof out, args), 2, "%s: %s", bad[i], out);
    }
    const char *bad_org[] = {"'ICB QMS'", "'ICB/QMS'", "''",
                             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    for (size_t i = 0; i < sizeof bad_org / sizeof bad_org[0]; i++) {
        snprintf(args, sizeof args, "org add %s --name N --key '%s'", bad_org[i], pub);
        cr_assert_eq(s_ctl(h, out, sizeof out, args), 2, "%s: %s", bad_org[i], out);
        cr_assert(strstr(out, "not an organisation id"), "%s", out);
    }
    cr_assert_eq(s_ctl(h, out, sizeof out, "org frobnicate"), 2);
    cr_assert_eq(s_ctl(h, out, sizeof out, "org add ICB-QMS"), 2, "no --key: %s", out);
    cr_assert_eq(h_count(h, "SELECT count(*) FROM intake.organisation", 0, NULL), 0);
    cr_assert_eq(h_count(h, "SELECT count(*) FROM intake.org_key", 0, NULL), 0);
    /* The table holds the same line: nothing malformed gets in by SQL either. */
    PGresult *r =
        PQexec(h_db(h), "INSERT INTO intake.organisation (org_id, name) VALUES ('A B', 'x')");
    cr_assert_eq(PQresultStatus(r), PGRES_FATAL_ERROR);
    PQclear(r);
    r = PQexec(h_db(h), "INSERT INTO intake.organisation (org_id, name) VALUES ('AB', 'x');"
                        "INSERT INTO intake.org_key (public_key, org_id) VALUES ('short', 'AB')");
    cr_assert_eq(PQresultStatus(r), PGRES_FATAL_ERROR);
    PQclear(r);
    cr_assert_eq(h_destroy(&h), 0);
}

/* ---------------------------------------------------------------- the handler on the table */

static uv_loop_t s_loop;
static int s_messages;
static char s_user_id[80];
static struct {
    int done, err;
    char org[80];
} s_check;

static void s_on_server(cd_zsock_t *s, const cd_frame_t *f, int n, void *arg)
{
    const char *uid = cd_zsock_msg_gets(s, "User-Id");
    snprintf(s_user_id, sizeof s_user_id, "%s", uid ? uid : "");
    s_messages++;
}

static void s_on_key(int err, const char *org, void *arg)
{
    s_check.done = 1;
    s_check.err = err;
    snprintf(s_check.org, sizeof s_check.org, "%s", org ? org : "");
}

static int s_turn(uint64_t deadline)
{
    if (uv_hrtime() > deadline)
        return 0;
    uv_run(&s_loop, UV_RUN_ONCE);
    return 1;
}

#define RUN_UNTIL(expr, ms)                                                                        \
    for (uint64_t dl_ = uv_hrtime() + (uint64_t)(ms)*1000000u; !(expr) && s_turn(dl_);)

static void s_tick(uv_timer_t *t) {}

static void *s_client(void *ctx, const char *ep, const char *srv_pub, const char *pub,
                      const char *sec)
{
    void *c = zmq_socket(ctx, ZMQ_DEALER);
    int zero = 0;
    zmq_setsockopt(c, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(c, ZMQ_CURVE_SERVERKEY, srv_pub, 40);
    zmq_setsockopt(c, ZMQ_CURVE_PUBLICKEY, pub, 40);
    zmq_setsockopt(c, ZMQ_CURVE_SECRETKEY, sec, 40);
    cr_assert_eq(zmq_connect(c, ep), 0);
    return c;
}

Test(org_keys, zap_on_the_table_admits_added_keys_and_refuses_revoked_ones_at_once, .timeout = 90)
{
    h_t *h = h_new("orgkeyszap");
    char out[4096], args[1024], pub[41], sec[41], srv_pub[41], srv_sec[41];
    s_keygen(h, pub, sec);
    cr_assert_eq(zmq_curve_keypair(srv_pub, srv_sec), 0);

    uv_loop_init(&s_loop);
    uv_timer_t tick;
    uv_timer_init(&s_loop, &tick);
    uv_timer_start(&tick, s_tick, 5, 5);
    /* As intake will: its own role, which migrate granted the new tables. */
    cd_db_t *db = cd_db_new(&s_loop, h_db_url(h), "candour_intake", NULL, NULL);
    cr_assert(db);
    RUN_UNTIL(cd_db_ready(db), 10000);
    cr_assert(cd_db_ready(db), "candour_intake cannot connect");
    cd_zap_t *zap = cd_zap_new(&s_loop, cd_zap_db_lookup, db);
    cr_assert(zap);
    cd_zsock_t *server = cd_zsock_new(&s_loop, ZMQ_ROUTER, s_on_server, NULL);
    cr_assert_eq(cd_zsock_curve_server(server, srv_sec), 0);
    char ep[1024];
    snprintf(ep, sizeof ep, "ipc://%s/external.sock", h_dir(h));
    cr_assert_eq(cd_zsock_bind(server, ep), 0);
    cr_assert_eq(cd_zsock_start(server), 0);
    void *cctx = zmq_ctx_new();

    /* Not yet on the list: refused. */
    void *c1 = s_client(cctx, ep, srv_pub, pub, sec);
    zmq_send(c1, "early", 5, ZMQ_DONTWAIT);
    RUN_UNTIL(cd_zap_refused(zap) >= 1, 10000);
    cr_assert_geq(cd_zap_refused(zap), 1);
    cr_assert_eq(s_messages, 0);
    zmq_close(c1);

    /* Added: the next handshake is admitted, tagged with the organisation. */
    snprintf(args, sizeof args, "org add TRUST-RX1 --name 'Rivermouth Hospitals' --key '%s'", pub);
    cr_assert_eq(s_ctl(h, out, sizeof out, args), 0, "%s", out);
    void *c2 = s_client(cctx, ep, srv_pub, pub, sec);
    zmq_send(c2, "hello", 5, 0);
    RUN_UNTIL(s_messages == 1, 10000);
    cr_assert_eq(s_messages, 1);
    cr_assert_str_eq(s_user_id, "TRUST-RX1");
    cd_zap_key_check(db, pub, s_on_key, NULL);
    RUN_UNTIL(s_check.done, 10000);
    cr_assert(s_check.done && s_check.err == 0);
    cr_assert_str_eq(s_check.org, "TRUST-RX1");

    /* Revoked: the connected client's next request is caught by the per-request
     * check, and a new handshake is refused, with no restart. */
    snprintf(args, sizeof args, "org revoke --key '%s' --reason 'compromised'", pub);
    cr_assert_eq(s_ctl(h, out, sizeof out, args), 0, "%s", out);
    memset(&s_check, 0, sizeof s_check);
    cd_zap_key_check(db, pub, s_on_key, NULL);
    RUN_UNTIL(s_check.done, 10000);
    cr_assert(s_check.done && s_check.err == 0);
    cr_assert_str_eq(s_check.org, "", "a revoked key is still live");
    uint64_t refused = cd_zap_refused(zap);
    void *c3 = s_client(cctx, ep, srv_pub, pub, sec);
    zmq_send(c3, "again", 5, ZMQ_DONTWAIT);
    RUN_UNTIL(cd_zap_refused(zap) > refused, 10000);
    cr_assert_gt(cd_zap_refused(zap), refused);
    RUN_UNTIL(0, 300);
    cr_assert_eq(s_messages, 1);
    cr_assert_eq(cd_zap_admitted(zap), 1);

    zmq_close(c2);
    zmq_close(c3);
    zmq_ctx_term(cctx);
    cd_zsock_destroy(&server);
    cd_zap_destroy(&zap);
    cd_db_destroy(&db);
    uv_close((uv_handle_t *)&tick, NULL);
    for (int i = 0; i < 200 && uv_run(&s_loop, UV_RUN_NOWAIT); i++)
        ;
    uv_loop_close(&s_loop);
    cr_assert_eq(h_destroy(&h), 0);
}
