/* test_zap.c - the ZAP handler: only keys on the allow-list get in, and every
 * message of an admitted connection says which organisation sent it.
 *
 * A real CURVE server (cd_zsock ROUTER on ipc://) and the handler run on one
 * uv loop; clients are plain libzmq sockets on a context of their own (as an
 * outside organisation's would be). The allow-list is a fake lookup that can
 * answer at once or be answered later, as a database query would. A refusal
 * is shown three ways: no message reaches the server, the handler's refused
 * counter, and the server socket's monitor (ZMQ_EVENT_HANDSHAKE_FAILED_AUTH). */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "candour/inbox.h"
#include "candour/keys.h"
#include "candour/pb.h"
#include "candour/zap.h"
#include "candour/zsock.h"

/* ---------------------------------------------------------------- fixture */

static uv_loop_t s_loop;
static uv_timer_t s_tick; /* bounds UV_RUN_ONCE */
static char s_dir[64], s_endpoint[128];
static char s_srv_pub[41], s_srv_sec[41];
static cd_zap_t *s_zap;
static cd_zsock_t *s_server, *s_plain_router, *s_plain_dealer;
static cd_inbox_t *s_inbox;
static void *s_cctx;       /* the clients' own context */
static void *s_clients[4]; /* raw client sockets on s_cctx */
static void *s_mon;        /* monitor PAIR on cd_zmq_ctx() */

#define S_MAX_ALLOW 4
/* The fake allow-list and what it was asked. */
static struct {
    const char *key[S_MAX_ALLOW]; /* live keys */
    const char *org[S_MAX_ALLOW];
    int calls;            /* lookups made */
    int async;            /* keep the check instead of answering */
    cd_zap_check_t *held; /* the check kept */
    char held_key[41];
} s_allow;

/* What the server saw. */
static struct {
    int messages;
    char user_id[80]; /* User-Id of the last message, "" if none */
    char x_key[80];   /* X-Key of the last message */
    char body[64];    /* its last frame */
} s_seen;

static void s_noop(uv_timer_t *t)
{
    (void)t;
}

static void s_setup(void)
{
    memset(&s_allow, 0, sizeof s_allow);
    memset(&s_seen, 0, sizeof s_seen);
    cr_assert_eq(uv_loop_init(&s_loop), 0);
    uv_timer_init(&s_loop, &s_tick);
    uv_timer_start(&s_tick, s_noop, 5, 5);
    snprintf(s_dir, sizeof s_dir, "/tmp/candour-zap-XXXXXX");
    cr_assert(mkdtemp(s_dir));
    snprintf(s_endpoint, sizeof s_endpoint, "ipc://%s/curve.sock", s_dir);
    cr_assert_eq(zmq_curve_keypair(s_srv_pub, s_srv_sec), 0, "libzmq without CURVE");
    s_cctx = zmq_ctx_new();
}

/* Servers before the handler (it asserts so), then the contexts. */
static void s_teardown(void)
{
    for (int i = 0; i < 4; i++)
        if (s_clients[i])
            zmq_close(s_clients[i]);
    memset(s_clients, 0, sizeof s_clients);
    zmq_ctx_term(s_cctx);
    if (s_mon)
        zmq_close(s_mon);
    s_mon = NULL;
    cd_inbox_destroy(&s_inbox);
    cd_zsock_destroy(&s_server);
    cd_zsock_destroy(&s_plain_router);
    cd_zsock_destroy(&s_plain_dealer);
    if (s_allow.held)
        cd_zap_refuse(s_allow.held, "test over");
    s_allow.held = NULL;
    cd_zap_destroy(&s_zap);
    uv_close((uv_handle_t *)&s_tick, NULL);
    for (int i = 0; i < 100 && uv_run(&s_loop, UV_RUN_NOWAIT); i++)
        ;
    cr_expect_eq(uv_loop_close(&s_loop), 0, "handles left open on the loop");
    cd_zmq_ctx_term();
    char path[160];
    snprintf(path, sizeof path, "%s/curve.sock", s_dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/plain.sock", s_dir);
    unlink(path);
    rmdir(s_dir);
}

TestSuite(zap, .init = s_setup, .fini = s_teardown, .timeout = 30);

static int s_turn(uint64_t deadline)
{
    if (uv_hrtime() > deadline)
        return 0;
    uv_run(&s_loop, UV_RUN_ONCE);
    return 1;
}

#define RUN_UNTIL(expr, ms)                                                                        \
    for (uint64_t dl_ = uv_hrtime() + (uint64_t)(ms)*1000000u; !(expr) && s_turn(dl_);)

/* ---------------------------------------------------------------- pieces */

static void s_lookup(cd_zap_check_t *check, const char *key, void *arg)
{
    (void)arg;
    s_allow.calls++;
    cr_assert_eq(strlen(key), 40);
    cr_assert_str_eq(cd_zap_check_key(check), key);
    if (s_allow.async) {
        cr_assert_null(s_allow.held, "a second handshake while one is held");
        s_allow.held = check;
        snprintf(s_allow.held_key, sizeof s_allow.held_key, "%s", key);
        return;
    }
    for (int i = 0; i < S_MAX_ALLOW; i++)
        if (s_allow.key[i] && strcmp(s_allow.key[i], key) == 0) {
            cd_zap_admit(check, s_allow.org[i]);
            return;
        }
    cd_zap_refuse(check, "not on the allow-list");
}

/* The server records who sent what and answers "pong". */
static void s_on_server(cd_zsock_t *s, const cd_frame_t *f, int n, void *arg)
{
    (void)arg;
    const char *uid = cd_zsock_msg_gets(s, "User-Id");
    const char *key = cd_zsock_msg_gets(s, "X-Key");
    snprintf(s_seen.user_id, sizeof s_seen.user_id, "%s", uid ? uid : "");
    snprintf(s_seen.x_key, sizeof s_seen.x_key, "%s", key ? key : "");
    size_t len = f[n - 1].size < sizeof s_seen.body - 1 ? f[n - 1].size : sizeof s_seen.body - 1;
    memcpy(s_seen.body, f[n - 1].data, len);
    s_seen.body[len] = 0;
    s_seen.messages++;
    cd_frame_t reply[2] = {f[0], {"pong", 4}};
    cd_zsock_send(s, reply, 2);
}

static void s_zap_start(void)
{
    s_zap = cd_zap_new(&s_loop, s_lookup, NULL);
    cr_assert(s_zap, "cd_zap_new: %s", zmq_strerror(errno));
}

/* A CURVE server on s_endpoint, watched by a monitor. */
static void s_server_start(void)
{
    s_server = cd_zsock_new(&s_loop, ZMQ_ROUTER, s_on_server, NULL);
    cr_assert(s_server);
    cr_assert_eq(cd_zsock_curve_server(s_server, s_srv_sec), 0, "%s", zmq_strerror(errno));
    /* Bound first: binding starts the socket's own monitor of disconnections,
     * which the test's monitor of handshakes then replaces (one per socket). */
    cr_assert_eq(cd_zsock_bind(s_server, s_endpoint), 0, "bind: %s", zmq_strerror(errno));
    cr_assert_eq(zmq_socket_monitor(cd_zsock_raw(s_server), "inproc://zap-test-mon",
                                    ZMQ_EVENT_HANDSHAKE_SUCCEEDED |
                                        ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                                        ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                                        ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL),
                 0);
    s_mon = zmq_socket(cd_zmq_ctx(), ZMQ_PAIR);
    cr_assert_eq(zmq_connect(s_mon, "inproc://zap-test-mon"), 0);
    cr_assert_eq(cd_zsock_start(s_server), 0);
}

/* Monitor events seen so far, by kind. */
static struct {
    int succeeded, failed_auth, failed_protocol, failed_other;
    uint32_t auth_status; /* the ZAP status of the last FAILED_AUTH */
} s_events;

static void s_read_monitor(void)
{
    for (;;) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, s_mon, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m);
            return;
        }
        uint16_t ev = 0;
        uint32_t val = 0;
        if (zmq_msg_size(&m) == 6) {
            memcpy(&ev, zmq_msg_data(&m), 2);
            memcpy(&val, (char *)zmq_msg_data(&m) + 2, 4);
        }
        int more = zmq_msg_more(&m);
        zmq_msg_close(&m);
        if (more) { /* the endpoint frame */
            zmq_msg_init(&m);
            zmq_msg_recv(&m, s_mon, 0);
            zmq_msg_close(&m);
        }
        if (ev == ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
            s_events.succeeded++;
        else if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
            s_events.failed_auth++;
            s_events.auth_status = val;
        } else if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)
            s_events.failed_protocol++;
        else
            s_events.failed_other++;
    }
}

/* A DEALER on the clients' context: CURVE with the given pair, or NULL
 * mechanism when pub is NULL. */
static void *s_client(int slot, const char *endpoint, const char *pub, const char *sec)
{
    void *c = zmq_socket(s_cctx, ZMQ_DEALER);
    cr_assert(c);
    int zero = 0;
    zmq_setsockopt(c, ZMQ_LINGER, &zero, sizeof zero);
    if (pub) {
        cr_assert_eq(zmq_setsockopt(c, ZMQ_CURVE_SERVERKEY, s_srv_pub, 40), 0);
        cr_assert_eq(zmq_setsockopt(c, ZMQ_CURVE_PUBLICKEY, pub, 40), 0);
        cr_assert_eq(zmq_setsockopt(c, ZMQ_CURVE_SECRETKEY, sec, 40), 0);
    }
    cr_assert_eq(zmq_connect(c, endpoint), 0);
    s_clients[slot] = c;
    return c;
}

/* A reply waiting on a client, without blocking: 1 if "pong" came. */
static int s_got_pong(void *c)
{
    char buf[16];
    int n = zmq_recv(c, buf, sizeof buf, ZMQ_DONTWAIT);
    return n == 4 && memcmp(buf, "pong", 4) == 0;
}

/* ---------------------------------------------------------------- admitted */

Test(zap, allowed_key_connects_and_each_message_carries_its_org_as_user_id)
{
    char pub[41], sec[41];
    zmq_curve_keypair(pub, sec);
    s_allow.key[0] = pub;
    s_allow.org[0] = "ICB-QMS";
    s_zap_start();
    s_server_start();
    void *c = s_client(0, s_endpoint, pub, sec);
    cr_assert_eq(zmq_send(c, "ping", 4, 0), 4);
    RUN_UNTIL(s_seen.messages == 1, 5000);
    cr_assert_eq(s_seen.messages, 1);
    cr_assert_str_eq(s_seen.user_id, "ICB-QMS");
    /* Custom ZAP metadata passes through libzmq 4.3.4 to zmq_msg_gets. */
    cr_assert_str_eq(s_seen.x_key, pub);
    cr_assert_str_eq(s_seen.body, "ping");
    int pong = 0;
    RUN_UNTIL((pong = s_got_pong(c)), 5000);
    cr_assert(pong, "the reply did not come back");
    /* A second message on the same connection: no second handshake. */
    cr_assert_eq(zmq_send(c, "ping2", 5, 0), 5);
    RUN_UNTIL(s_seen.messages == 2, 5000);
    cr_assert_str_eq(s_seen.user_id, "ICB-QMS");
    cr_assert_eq(s_allow.calls, 1);
    cr_assert_eq(cd_zap_admitted(s_zap), 1);
    cr_assert_eq(cd_zap_refused(s_zap), 0);
    s_read_monitor();
    cr_assert_eq(s_events.succeeded, 1);
}

/* ---------------------------------------------------------------- refused */

Test(zap, unknown_key_is_refused_and_nothing_it_sends_gets_through)
{
    char pub[41], sec[41], other[41], other_sec[41];
    zmq_curve_keypair(pub, sec);
    zmq_curve_keypair(other, other_sec);
    s_allow.key[0] = other; /* someone else's key is on the list, not this one */
    s_allow.org[0] = "ICB-OTHER";
    s_zap_start();
    s_server_start();
    void *c = s_client(0, s_endpoint, pub, sec);
    zmq_send(c, "let me in", 9, ZMQ_DONTWAIT);
    RUN_UNTIL((s_read_monitor(), s_events.failed_auth >= 1), 5000);
    cr_assert_geq(s_events.failed_auth, 1, "no failed handshake reported by the monitor");
    cr_assert_eq(s_events.auth_status, 400);
    cr_assert_geq(cd_zap_refused(s_zap), 1);
    cr_assert_eq(cd_zap_admitted(s_zap), 0);
    /* libzmq's client reconnects and is refused again; nothing ever arrives. */
    RUN_UNTIL(0, 400);
    cr_assert_eq(s_seen.messages, 0);
    cr_assert_eq(s_events.succeeded, 0);
    cr_assert_eq(s_got_pong(c), 0);
}

Test(zap, null_mechanism_client_gets_nothing_from_a_curve_server)
{
    s_zap_start();
    s_server_start();
    void *c = s_client(0, s_endpoint, NULL, NULL);
    zmq_send(c, "plain", 5, ZMQ_DONTWAIT);
    RUN_UNTIL((s_read_monitor(),
               s_events.failed_protocol + s_events.failed_auth + s_events.failed_other >= 1),
              5000);
    cr_assert_geq(s_events.failed_protocol + s_events.failed_auth + s_events.failed_other, 1,
                  "the mismatched handshake was not reported");
    RUN_UNTIL(0, 300);
    cr_assert_eq(s_seen.messages, 0);
    cr_assert_eq(s_events.succeeded, 0);
    /* Refused by the mechanism mismatch, before any question to the allow-list. */
    cr_assert_eq(s_allow.calls, 0);
}

/* Defence in depth: a server with a ZAP domain but no CURVE asks the handler
 * about NULL clients, and the handler turns every one away. */
Test(zap, any_mechanism_other_than_curve_is_refused_by_the_handler)
{
    s_zap_start();
    s_server = cd_zsock_new(&s_loop, ZMQ_ROUTER, s_on_server, NULL);
    zmq_setsockopt(cd_zsock_raw(s_server), ZMQ_ZAP_DOMAIN, CD_ZSOCK_ZAP_DOMAIN,
                   strlen(CD_ZSOCK_ZAP_DOMAIN));
    cr_assert_eq(cd_zsock_bind(s_server, s_endpoint), 0);
    cr_assert_eq(cd_zsock_start(s_server), 0);
    void *c = s_client(0, s_endpoint, NULL, NULL);
    zmq_send(c, "plain", 5, ZMQ_DONTWAIT);
    RUN_UNTIL(cd_zap_refused(s_zap) >= 1, 5000);
    cr_assert_geq(cd_zap_refused(s_zap), 1);
    RUN_UNTIL(0, 300);
    cr_assert_eq(s_seen.messages, 0);
    cr_assert_eq(s_allow.calls, 0);
}

Test(zap, curve_server_outside_the_candour_domain_is_refused)
{
    char pub[41], sec[41];
    zmq_curve_keypair(pub, sec);
    s_allow.key[0] = pub;
    s_allow.org[0] = "ICB-QMS";
    s_zap_start();
    s_server_start();
    zmq_setsockopt(cd_zsock_raw(s_server), ZMQ_ZAP_DOMAIN, "elsewhere", 9);
    /* The option applies to connections made from now on: a second bind. */
    char ep[160];
    snprintf(ep, sizeof ep, "ipc://%s/plain.sock", s_dir);
    cr_assert_eq(cd_zsock_bind(s_server, ep), 0);
    void *c = s_client(0, ep, pub, sec);
    zmq_send(c, "ping", 4, ZMQ_DONTWAIT);
    RUN_UNTIL(cd_zap_refused(s_zap) >= 1, 5000);
    cr_assert_geq(cd_zap_refused(s_zap), 1);
    RUN_UNTIL(0, 300);
    cr_assert_eq(s_seen.messages, 0);
    cr_assert_eq(s_allow.calls, 0);
}

/* ---------------------------------------------------------------- asynchronous */

Test(zap, lookup_answered_later_admits_and_the_handshake_waits_for_it)
{
    char pub[41], sec[41];
    zmq_curve_keypair(pub, sec);
    s_allow.async = 1;
    s_zap_start();
    s_server_start();
    void *c = s_client(0, s_endpoint, pub, sec);
    zmq_send(c, "ping", 4, ZMQ_DONTWAIT);
    RUN_UNTIL(s_allow.held, 5000);
    cr_assert(s_allow.held, "the lookup was not asked");
    cr_assert_str_eq(s_allow.held_key, pub);
    cr_assert_eq(cd_zap_pending(s_zap), 1);
    /* While the question is open, nothing gets through. */
    RUN_UNTIL(0, 200);
    cr_assert_eq(s_seen.messages, 0);
    cd_zap_check_t *check = s_allow.held;
    s_allow.held = NULL;
    cd_zap_admit(check, "CSU-NECS");
    cr_assert_eq(cd_zap_pending(s_zap), 0);
    RUN_UNTIL(s_seen.messages == 1, 5000);
    cr_assert_eq(s_seen.messages, 1);
    cr_assert_str_eq(s_seen.user_id, "CSU-NECS");
    cr_assert_str_eq(s_seen.x_key, pub);
    int pong = 0;
    RUN_UNTIL((pong = s_got_pong(c)), 5000);
    cr_assert(pong);
}

Test(zap, lookup_failing_later_refuses_with_status_500)
{
    char pub[41], sec[41];
    zmq_curve_keypair(pub, sec);
    s_allow.async = 1;
    s_zap_start();
    s_server_start();
    void *c = s_client(0, s_endpoint, pub, sec);
    zmq_send(c, "ping", 4, ZMQ_DONTWAIT);
    RUN_UNTIL(s_allow.held, 5000);
    cr_assert(s_allow.held);
    cd_zap_check_t *check = s_allow.held;
    s_allow.held = NULL;
    s_allow.async = 0; /* the client's reconnections are refused at once */
    cd_zap_fail(check, "the allow-list cannot be read");
    RUN_UNTIL((s_read_monitor(), s_events.failed_auth >= 1), 5000);
    cr_assert_geq(s_events.failed_auth, 1);
    cr_assert_eq(s_events.auth_status, 500);
    RUN_UNTIL(0, 300);
    cr_assert_eq(s_seen.messages, 0);
}

/* The handler goes while a question is open (a stop): the late answer only
 * frees the check (AddressSanitizer watches). */
Test(zap, answer_after_the_handler_is_destroyed_is_harmless)
{
    char pub[41], sec[41];
    zmq_curve_keypair(pub, sec);
    s_allow.async = 1;
    s_zap_start();
    s_server_start();
    s_client(0, s_endpoint, pub, sec);
    RUN_UNTIL(s_allow.held, 5000);
    cr_assert(s_allow.held);
    zmq_close(s_mon);
    s_mon = NULL;
    cd_zsock_destroy(&s_server);
    cd_zap_destroy(&s_zap);
    cr_assert_not(cd_zap_bound());
    cd_zap_check_t *check = s_allow.held;
    s_allow.held = NULL;
    cd_zap_admit(check, "ICB-LATE");
}

/* ---------------------------------------------------------------- revocation */

/* ZAP runs at the handshake only: after a revocation new connections are
 * refused at once, but one admitted before keeps its messages flowing. Its
 * messages carry X-Key, which is how the request path checks the key again. */
Test(zap, revoked_key_is_refused_at_the_next_handshake_and_connected_peers_carry_the_key)
{
    char pub[41], sec[41];
    zmq_curve_keypair(pub, sec);
    s_allow.key[0] = pub;
    s_allow.org[0] = "TRUST-RX1";
    s_zap_start();
    s_server_start();
    void *old = s_client(0, s_endpoint, pub, sec);
    zmq_send(old, "before", 6, 0);
    RUN_UNTIL(s_seen.messages == 1, 5000);
    cr_assert_eq(s_seen.messages, 1);

    s_allow.key[0] = NULL; /* revoked: no restart, no cache */
    void *fresh = s_client(1, s_endpoint, pub, sec);
    zmq_send(fresh, "after", 5, ZMQ_DONTWAIT);
    RUN_UNTIL(cd_zap_refused(s_zap) >= 1, 5000);
    cr_assert_geq(cd_zap_refused(s_zap), 1);
    RUN_UNTIL(0, 300);
    cr_assert_eq(s_seen.messages, 1, "a revoked key's new connection got a message through");

    zmq_send(old, "still", 5, 0);
    RUN_UNTIL(s_seen.messages == 2, 5000);
    cr_assert_eq(s_seen.messages, 2);
    cr_assert_str_eq(s_seen.body, "still");
    cr_assert_str_eq(s_seen.x_key, pub, "the per-request check needs the key");
}

/* ---------------------------------------------------------------- order and scope */

Test(zap, curve_server_is_refused_while_no_handler_is_bound)
{
    cr_assert_not(cd_zap_bound());
    s_server = cd_zsock_new(&s_loop, ZMQ_ROUTER, s_on_server, NULL);
    errno = 0;
    cr_assert_eq(cd_zsock_curve_server(s_server, s_srv_sec), -1);
    cr_assert_eq(errno, EACCES);
    cr_assert_eq(cd_zsock_curve_servers(), 0);
    s_zap_start();
    cr_assert_eq(cd_zsock_curve_server(s_server, "too short"), -1);
    cr_assert_eq(errno, EINVAL);
    cr_assert_eq(cd_zsock_curve_server(s_server, s_srv_sec), 0);
    cr_assert_eq(cd_zsock_curve_servers(), 1);
    /* One handler per context. */
    cr_assert_null(cd_zap_new(&s_loop, s_lookup, NULL));
    cd_zsock_destroy(&s_server);
    cr_assert_eq(cd_zsock_curve_servers(), 0);
}

/* The handler serves the whole context; sockets that are not CURVE servers
 * and have no ZAP domain (the services' own bus) never meet it. */
Test(zap, plain_sockets_on_the_same_context_are_untouched)
{
    s_zap_start();
    char ep[160];
    snprintf(ep, sizeof ep, "ipc://%s/plain.sock", s_dir);
    s_plain_router = cd_zsock_new(&s_loop, ZMQ_ROUTER, s_on_server, NULL);
    cr_assert_eq(cd_zsock_bind(s_plain_router, ep), 0);
    cr_assert_eq(cd_zsock_start(s_plain_router), 0);
    s_plain_dealer = cd_zsock_new(&s_loop, ZMQ_DEALER, s_on_server, NULL);
    cr_assert_eq(cd_zsock_connect(s_plain_dealer, ep), 0);
    cr_assert_eq(cd_zsock_start(s_plain_dealer), 0);
    cd_frame_t f = {"hello", 5};
    cr_assert_eq(cd_zsock_send(s_plain_dealer, &f, 1), 0);
    RUN_UNTIL(s_seen.messages >= 1, 5000);
    cr_assert_geq(s_seen.messages, 1);
    cr_assert_str_eq(s_seen.user_id, "", "a plain connection has no User-Id");
    cr_assert_eq(s_allow.calls, 0);
    cr_assert_eq(cd_zap_refused(s_zap) + cd_zap_admitted(s_zap), 0);
}

Test(zap, key_and_org_id_validation_at_their_boundaries)
{
    char pub[41], sec[41];
    zmq_curve_keypair(pub, sec);
    cr_assert(cd_zap_key_valid(pub));
    cr_assert(cd_zap_key_valid(sec)); /* indistinguishable by form */
    char bad[41];
    memcpy(bad, pub, 41);
    bad[39] = '~'; /* not in Z85's alphabet */
    cr_assert_not(cd_zap_key_valid(bad));
    bad[39] = 0;
    cr_assert_not(cd_zap_key_valid(bad));
    cr_assert_not(cd_zap_key_valid(NULL));
    cr_assert_not(cd_zap_key_valid(""));

    cr_assert(cd_zap_org_valid("a"));
    cr_assert(cd_zap_org_valid("NHS-England.ICB_42"));
    char org[66];
    memset(org, 'x', 65);
    org[64] = 0;
    cr_assert(cd_zap_org_valid(org));
    org[64] = 'x';
    org[65] = 0;
    cr_assert_not(cd_zap_org_valid(org));
    cr_assert_not(cd_zap_org_valid(""));
    cr_assert_not(cd_zap_org_valid("ICB 42"));
    cr_assert_not(cd_zap_org_valid("ICB/42"));
    cr_assert_not(cd_zap_org_valid(NULL));
}

/* ---------------------------------------------------------------- inbox */

static struct {
    int requests;
    char org[80], key[80];
} s_req;

static void s_on_request(cd_inbox_t *in, cd_request_t *req, const Candour__V1__Request *r,
                         void *arg)
{
    (void)r, (void)arg;
    s_req.requests++;
    snprintf(s_req.org, sizeof s_req.org, "%s", cd_request_org(req));
    snprintf(s_req.key, sizeof s_req.key, "%s", cd_request_key(req));
    cd_request_done(req);
}

/* Send one Request frame pair and wait for "REP". */
static int s_call(void *c)
{
    Candour__V1__Request r = CANDOUR__V1__REQUEST__INIT;
    r.request_id = "11111111-2222-3333-4444-555555555555";
    r.org_id = "SOMEONE-ELSE"; /* claimed in the message: must not matter */
    size_t len = 0;
    uint8_t *buf = cd_pb_pack(&r.base, &len);
    zmq_send(c, "REQ", 3, ZMQ_SNDMORE);
    zmq_send(c, buf, len, 0);
    free(buf);
    int got = 0;
    RUN_UNTIL(got, 5000)
    {
        char f[8];
        int n = zmq_recv(c, f, sizeof f, ZMQ_DONTWAIT);
        if (n == 3 && memcmp(f, "REP", 3) == 0)
            got = 1;
    }
    return got;
}

Test(zap, inbox_request_knows_the_authenticated_org_not_the_claimed_one)
{
    char pub[41], sec[41];
    zmq_curve_keypair(pub, sec);
    s_allow.key[0] = pub;
    s_allow.org[0] = "ICB-QMS";
    s_zap_start();
    /* The request path needs no database. */
    s_inbox = cd_inbox_new(&s_loop, NULL, "intake", NULL, s_on_request, NULL);
    cr_assert(s_inbox);
    cr_assert_eq(cd_inbox_curve_server(s_inbox, s_srv_sec), 0);
    cr_assert_eq(cd_inbox_bind(s_inbox, s_endpoint), 0);
    void *c = s_client(0, s_endpoint, pub, sec);
    cr_assert(s_call(c), "no reply");
    cr_assert_eq(s_req.requests, 1);
    cr_assert_str_eq(s_req.org, "ICB-QMS");
    cr_assert_str_eq(s_req.key, pub);
    cd_inbox_destroy(&s_inbox);

    /* The same endpoint without CURVE: no organisation, no key. */
    memset(&s_req, 0, sizeof s_req);
    s_inbox = cd_inbox_new(&s_loop, NULL, "intake", NULL, s_on_request, NULL);
    cr_assert_eq(cd_inbox_bind(s_inbox, s_endpoint), 0);
    void *p = s_client(1, s_endpoint, NULL, NULL);
    cr_assert(s_call(p), "no reply");
    cr_assert_str_eq(s_req.org, "");
    cr_assert_str_eq(s_req.key, "");
}

/* ---------------------------------------------------------------- domains */

/* The suite's keys in s_dir/keys (removed again by s_keys_gone). */
static cd_keys_t *s_keys_made(const char *self)
{
    char dir[128], err[256];
    snprintf(dir, sizeof dir, "%s/keys", s_dir);
    cr_assert_geq(cd_keys_make_suite(dir, err, sizeof err), 0, "%s", err);
    cd_keys_t *k = cd_keys_load(dir, self, NULL, err, sizeof err);
    cr_assert(k, "%s", err);
    return k;
}

static void s_keys_gone(cd_keys_t **k)
{
    char path[192];
    for (int i = 0; cd_keys_suite[i]; i++) {
        snprintf(path, sizeof path, "%s/keys/%s.key", s_dir, cd_keys_suite[i]);
        unlink(path);
        snprintf(path, sizeof path, "%s/keys/%s.pub", s_dir, cd_keys_suite[i]);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/keys", s_dir);
    rmdir(path);
    cd_keys_destroy(k);
}

/* A CURVE client of the internal server (keys' "routing" pair as the
 * server's) with the pair pub/sec. */
static void *s_internal_client(int slot, const cd_keys_t *k, const char *pub, const char *sec)
{
    void *c = zmq_socket(s_cctx, ZMQ_DEALER);
    int zero = 0;
    zmq_setsockopt(c, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(c, ZMQ_CURVE_SERVERKEY, cd_keys_public_of(k, "routing"), 40);
    zmq_setsockopt(c, ZMQ_CURVE_PUBLICKEY, pub, 40);
    zmq_setsockopt(c, ZMQ_CURVE_SECRETKEY, sec, 40);
    cr_assert_eq(zmq_connect(c, s_endpoint), 0);
    s_clients[slot] = c;
    return c;
}

Test(zap, each_domain_admits_only_its_own_keys_and_names_the_suite_member)
{
    cd_keys_t *k = s_keys_made("routing");
    char org_pub[41], org_sec[41];
    zmq_curve_keypair(org_pub, org_sec);
    s_allow.key[0] = org_pub; /* on the organisations' allow-list, not the suite's */
    s_allow.org[0] = "ICB-QMS";
    s_zap_start();
    cr_assert_eq(cd_zap_serve(s_zap, CD_ZSOCK_ZAP_INTERNAL, cd_keys_zap_lookup, k), 0);
    cr_assert_eq(cd_zap_serve(s_zap, CD_ZSOCK_ZAP_INTERNAL, cd_keys_zap_lookup, k), -1,
                 "a domain is served once");
    s_server = cd_zsock_new(&s_loop, ZMQ_ROUTER, s_on_server, NULL);
    cr_assert_eq(cd_zsock_curve_server_domain(s_server, cd_keys_secret(k), CD_ZSOCK_ZAP_INTERNAL),
                 0);
    cr_assert_eq(cd_zsock_bind(s_server, s_endpoint), 0);
    cr_assert_eq(cd_zsock_start(s_server), 0);

    /* An organisation's key, live on the public domain, is nobody here. */
    void *org = s_internal_client(0, k, org_pub, org_sec);
    zmq_send(org, "org", 3, ZMQ_DONTWAIT);
    RUN_UNTIL(cd_zap_refused(s_zap) >= 1, 5000);
    cr_assert_geq(cd_zap_refused(s_zap), 1);
    cr_assert_eq(s_allow.calls, 0, "the public allow-list was asked about an internal handshake");

    /* A member of the suite is admitted under its name. */
    cd_keys_t *ops = s_keys_made("ops");
    void *c = s_internal_client(1, k, cd_keys_public(ops), cd_keys_secret(ops));
    cr_assert_eq(zmq_send(c, "ping", 4, 0), 4);
    RUN_UNTIL(s_seen.messages == 1, 5000);
    cr_assert_eq(s_seen.messages, 1, "the ops key was not admitted");
    cr_assert_str_eq(s_seen.user_id, "ops");
    cr_assert_str_eq(s_seen.body, "ping");
    RUN_UNTIL(0, 200);
    cr_assert_eq(s_seen.messages, 1, "the organisation's message got through");
    cd_keys_destroy(&ops);
    cd_zsock_destroy(&s_server);
    s_keys_gone(&k);
}

Test(zap, a_suite_key_is_nobody_on_the_public_domain)
{
    cd_keys_t *k = s_keys_made("ops");
    s_zap_start(); /* the public domain only: the fake allow-list */
    s_server_start();
    void *c = s_client(0, s_endpoint, cd_keys_public(k), cd_keys_secret(k));
    zmq_send(c, "ping", 4, ZMQ_DONTWAIT);
    RUN_UNTIL(cd_zap_refused(s_zap) >= 1, 5000);
    cr_assert_geq(cd_zap_refused(s_zap), 1);
    RUN_UNTIL(0, 200);
    cr_assert_eq(s_seen.messages, 0);
    s_keys_gone(&k);
}

/* An internal inbox: the request names the member, never an organisation,
 * and a staff operation is taken only from the gateway or ops. */
static struct {
    int requests;
    char member[40], org[80];
} s_ireq;

static void s_on_internal_request(cd_inbox_t *in, cd_request_t *req, const Candour__V1__Request *r,
                                  void *arg)
{
    (void)in, (void)r, (void)arg;
    s_ireq.requests++;
    snprintf(s_ireq.member, sizeof s_ireq.member, "%s", cd_request_member(req));
    snprintf(s_ireq.org, sizeof s_ireq.org, "%s", cd_request_org(req));
    cd_request_done(req);
}

/* A request with acting set; 1 when "REP" came, its error code in code. */
static int s_call_acting(void *c, char *code, size_t len)
{
    Candour__V1__Request r = CANDOUR__V1__REQUEST__INIT;
    r.request_id = "11111111-2222-3333-4444-555555555555";
    r.acting = "ST1";
    size_t n = 0;
    uint8_t *buf = cd_pb_pack(&r.base, &n);
    zmq_send(c, "REQ", 3, ZMQ_SNDMORE);
    zmq_send(c, buf, n, 0);
    free(buf);
    int got = 0;
    code[0] = 0;
    RUN_UNTIL(got, 5000)
    {
        zmq_msg_t m[2];
        zmq_msg_init(&m[0]);
        if (zmq_msg_recv(&m[0], c, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m[0]);
            continue;
        }
        zmq_msg_init(&m[1]);
        zmq_msg_recv(&m[1], c, 0);
        Candour__V1__Reply *rep =
            candour__v1__reply__unpack(NULL, zmq_msg_size(&m[1]), zmq_msg_data(&m[1]));
        if (rep && rep->error)
            snprintf(code, len, "%s", rep->error->code);
        candour__v1__reply__free_unpacked(rep, NULL);
        zmq_msg_close(&m[0]);
        zmq_msg_close(&m[1]);
        got = 1;
    }
    return got;
}

Test(zap, internal_inbox_names_the_member_and_takes_staff_ops_only_from_gateway_or_ops)
{
    cd_keys_t *k = s_keys_made("routing");
    s_zap_start();
    cr_assert_eq(cd_zap_serve(s_zap, CD_ZSOCK_ZAP_INTERNAL, cd_keys_zap_lookup, k), 0);
    s_inbox = cd_inbox_new(&s_loop, NULL, "routing", NULL, s_on_internal_request, NULL);
    cr_assert_eq(cd_inbox_curve_internal(s_inbox, cd_keys_secret(k)), 0);
    cr_assert_eq(cd_inbox_bind(s_inbox, s_endpoint), 0);
    char code[64];
    /* notify may not name a person acting: refused before any handler. */
    cd_keys_t *notify = s_keys_made("notify");
    void *n = s_internal_client(0, k, cd_keys_public(notify), cd_keys_secret(notify));
    cr_assert(s_call_acting(n, code, sizeof code), "no reply");
    cr_assert_str_eq(code, "PERMISSION_DENIED");
    cr_assert_eq(s_ireq.requests, 0);
    /* ops may, and the handler sees "ops", not an organisation. */
    cd_keys_t *ops = s_keys_made("ops");
    void *o = s_internal_client(1, k, cd_keys_public(ops), cd_keys_secret(ops));
    cr_assert(s_call_acting(o, code, sizeof code), "no reply");
    cr_assert_str_eq(code, "");
    cr_assert_eq(s_ireq.requests, 1);
    cr_assert_str_eq(s_ireq.member, "ops");
    cr_assert_str_eq(s_ireq.org, "");
    cd_keys_destroy(&notify);
    cd_keys_destroy(&ops);
    cd_inbox_destroy(&s_inbox);
    s_keys_gone(&k);
}
