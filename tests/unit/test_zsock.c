/* test_zsock.c - cd_zsock: ZeroMQ sockets served by a libuv loop.
 *
 * Real ROUTER and DEALER sockets talk over ipc:// in a temp dir, on one uv
 * loop per test. The hazard under test is ZMQ_FD's edge-triggered signal: a
 * wake-up that is not drained completely, or a send that swallows the edge of
 * a pending receive, leaves messages sitting in ZeroMQ with nothing to wake
 * the loop again. Each test waits for a condition with a deadline that only
 * bounds a failure; nothing depends on how fast the machine is. */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "candour/error.h"
#include "candour/zsock.h"

/* ---------------------------------------------------------------- fixture */

static uv_loop_t s_loop;
static uv_timer_t s_tick; /* keeps UV_RUN_ONCE from blocking longer than a tick */
static char s_dir[64];
static char s_endpoint[128];
/* The tests' sockets, here rather than on the stack so that the teardown can
 * close them after a failed assertion: zmq_ctx_term waits for every socket. */
static cd_zsock_t *s_router, *s_dealer, *s_other, *s_other2;

static void s_noop(uv_timer_t *t)
{
    (void)t;
}

static void s_setup(void)
{
    cr_assert_eq(uv_loop_init(&s_loop), 0);
    uv_timer_init(&s_loop, &s_tick);
    uv_timer_start(&s_tick, s_noop, 5, 5);
    snprintf(s_dir, sizeof s_dir, "/tmp/candour-zsock-XXXXXX");
    cr_assert(mkdtemp(s_dir), "mkdtemp: %s", strerror(errno));
    snprintf(s_endpoint, sizeof s_endpoint, "ipc://%s/router.sock", s_dir);
}

/* Close every handle and check that nothing was left open on the loop: a
 * socket that did not close its uv handles would make uv_loop_close fail. */
static void s_teardown(void)
{
    cd_zsock_destroy(&s_router);
    cd_zsock_destroy(&s_dealer);
    cd_zsock_destroy(&s_other);
    cd_zsock_destroy(&s_other2);
    uv_close((uv_handle_t *)&s_tick, NULL);
    for (int i = 0; i < 100 && uv_run(&s_loop, UV_RUN_NOWAIT); i++)
        ;
    cr_expect_eq(uv_loop_close(&s_loop), 0, "handles left open on the loop");
    cd_zmq_ctx_term();
    char path[160];
    snprintf(path, sizeof path, "%s/router.sock", s_dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/self.sock", s_dir);
    unlink(path);
    rmdir(s_dir);
}

TestSuite(zsock, .init = s_setup, .fini = s_teardown, .timeout = 20);

static uint64_t s_deadline(int ms)
{
    return uv_hrtime() + (uint64_t)ms * 1000000u;
}

/* One bounded turn of the loop; 0 once the deadline has passed. */
static int s_turn(uint64_t deadline)
{
    if (uv_hrtime() > deadline)
        return 0;
    uv_run(&s_loop, UV_RUN_ONCE);
    return 1;
}

/* Turn the loop until expr holds or ms pass (then check expr yourself). */
#define RUN_UNTIL(expr, ms) for (uint64_t dl_ = s_deadline(ms); !(expr) && s_turn(dl_);)

/* ---------------------------------------------------------------- recording */

#define S_MAX_KEEP 16

typedef struct {
    int messages;                                  /* messages received */
    int nframes[S_MAX_KEEP];                       /* frame count of the first messages */
    char *frames[S_MAX_KEEP][CD_ZSOCK_MAX_FRAMES]; /* copies of their frames */
    size_t sizes[S_MAX_KEEP][CD_ZSOCK_MAX_FRAMES];
    uint32_t next_seq;     /* next sequence number expected (burst) */
    int out_of_order;      /* a sequence number arrived out of place */
    cd_zsock_t *reply_via; /* echo every message back through this socket */
    int echo_fail;         /* an echo could not be sent */
    void *identity;        /* the last ROUTER identity seen */
    size_t identity_size;
} s_rec_t;

static void s_rec_free(s_rec_t *r)
{
    for (int i = 0; i < S_MAX_KEEP; i++)
        for (int j = 0; j < CD_ZSOCK_MAX_FRAMES; j++)
            free(r->frames[i][j]);
    free(r->identity);
}

static void s_keep(s_rec_t *r, const cd_frame_t *f, int n)
{
    int m = r->messages;
    if (m < S_MAX_KEEP) {
        r->nframes[m] = n;
        for (int i = 0; i < n; i++) {
            r->frames[m][i] = malloc(f[i].size + 1);
            memcpy(r->frames[m][i], f[i].data, f[i].size);
            r->frames[m][i][f[i].size] = 0;
            r->sizes[m][i] = f[i].size;
        }
    }
    r->messages++;
}

/* A ROUTER handler: keeps what arrives and remembers the sender. */
static void s_on_router(cd_zsock_t *s, const cd_frame_t *f, int n, void *arg)
{
    (void)s;
    s_rec_t *r = arg;
    cr_assert(n >= 1);
    if (!r->identity || r->identity_size != f[0].size) {
        free(r->identity);
        r->identity = malloc(f[0].size);
        r->identity_size = f[0].size;
    }
    memcpy(r->identity, f[0].data, f[0].size);
    s_keep(r, f, n);
}

/* A handler that checks a 4-byte sequence number in the last frame. */
static void s_on_seq(cd_zsock_t *s, const cd_frame_t *f, int n, void *arg)
{
    (void)s;
    s_rec_t *r = arg;
    uint32_t seq = 0;
    if (f[n - 1].size == sizeof seq)
        memcpy(&seq, f[n - 1].data, sizeof seq);
    if (f[n - 1].size != sizeof seq || seq != r->next_seq)
        r->out_of_order++;
    r->next_seq = seq + 1;
    r->messages++;
}

/* A ROUTER handler that echoes each message to its sender, from inside the
 * callback, which is where a lost edge would strand the peer's next message. */
static void s_on_echo(cd_zsock_t *s, const cd_frame_t *f, int n, void *arg)
{
    s_rec_t *r = arg;
    r->messages++;
    if (cd_zsock_send(s, f, n) != 0)
        r->echo_fail++;
}

/* A DEALER handler for ping-pong: each reply triggers the next request, sent
 * from inside on_message. */
typedef struct {
    int replies;
    int limit;
    int send_fail;
} s_pingpong_t;

static void s_on_pong(cd_zsock_t *s, const cd_frame_t *f, int n, void *arg)
{
    s_pingpong_t *p = arg;
    uint32_t seq = 0;
    cr_assert_eq(n, 1);
    cr_assert_eq(f[0].size, sizeof seq);
    memcpy(&seq, f[0].data, sizeof seq);
    cr_assert_eq(seq, (uint32_t)p->replies, "reply %u arrived in place of %d", seq, p->replies);
    p->replies++;
    if (p->replies < p->limit) {
        uint32_t next = (uint32_t)p->replies;
        cd_frame_t out = {&next, sizeof next};
        if (cd_zsock_send(s, &out, 1) != 0)
            p->send_fail++;
    }
}

/* A ROUTER and a DEALER connected to it, both served by the loop. */
static void s_pair(cd_zsock_t **router, cd_zsock_msg_fn on_router, void *rarg, cd_zsock_t **dealer,
                   cd_zsock_msg_fn on_dealer, void *darg)
{
    *router = cd_zsock_new(&s_loop, ZMQ_ROUTER, on_router, rarg);
    cr_assert(*router);
    cr_assert_eq(cd_zsock_bind(*router, s_endpoint), 0, "bind %s: %s", s_endpoint,
                 zmq_strerror(errno));
    cr_assert_eq(cd_zsock_start(*router), 0);
    *dealer = cd_zsock_new(&s_loop, ZMQ_DEALER, on_dealer, darg);
    cr_assert(*dealer);
    cr_assert_eq(cd_zsock_connect(*dealer, s_endpoint), 0);
    cr_assert_eq(cd_zsock_start(*dealer), 0);
}

static void s_ignore(cd_zsock_t *s, const cd_frame_t *f, int n, void *arg)
{
    (void)s, (void)f, (void)n;
    if (arg)
        ++*(int *)arg;
}

/* ---------------------------------------------------------------- tests */

Test(zsock, multi_frame_messages_arrive_whole_in_both_directions)
{
    s_rec_t atr = {0}, atd = {0};
    s_pair(&s_router, s_on_router, &atr, &s_dealer, s_on_router, &atd);

    /* Three frames, one of them empty and one large. */
    size_t big_len = 200 * 1024;
    char *big = malloc(big_len);
    for (size_t i = 0; i < big_len; i++)
        big[i] = (char)(i * 7);
    cd_frame_t msg[3] = {{"alpha", 5}, {"", 0}, {big, big_len}};
    cr_assert_eq(cd_zsock_send(s_dealer, msg, 3), 0);
    RUN_UNTIL(atr.messages == 1, 5000);
    cr_assert_eq(atr.messages, 1, "the message did not arrive");
    cr_assert_eq(atr.nframes[0], 4, "identity + 3 frames expected, got %d", atr.nframes[0]);
    cr_assert_str_eq(atr.frames[0][1], "alpha");
    cr_assert_eq(atr.sizes[0][2], 0);
    cr_assert_eq(atr.sizes[0][3], big_len);
    cr_assert(memcmp(atr.frames[0][3], big, big_len) == 0, "the large frame was corrupted");

    /* The reply goes back by identity and arrives without it. */
    cd_frame_t reply[3] = {{atr.identity, atr.identity_size}, {"one", 3}, {"two", 3}};
    cr_assert_eq(cd_zsock_send(s_router, reply, 3), 0);
    RUN_UNTIL(atd.messages == 1, 5000);
    cr_assert_eq(atd.messages, 1);
    cr_assert_eq(atd.nframes[0], 2);
    cr_assert_str_eq(atd.frames[0][0], "one");
    cr_assert_str_eq(atd.frames[0][1], "two");

    free(big);
    cd_zsock_destroy(&s_dealer);
    cd_zsock_destroy(&s_router);
    s_rec_free(&atr);
    s_rec_free(&atd);
}

Test(zsock, message_of_max_frames_arrives_and_one_more_frame_is_dropped_not_split)
{
    s_rec_t atr = {0};
    s_pair(&s_router, s_on_router, &atr, &s_dealer, s_ignore, NULL);

    /* The ROUTER adds the identity frame: MAX-1 from the s_dealer is MAX there. */
    const char *names[CD_ZSOCK_MAX_FRAMES] = {"f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7"};
    cd_frame_t fit[CD_ZSOCK_MAX_FRAMES], over[CD_ZSOCK_MAX_FRAMES];
    for (int i = 0; i < CD_ZSOCK_MAX_FRAMES; i++)
        fit[i] = over[i] = (cd_frame_t){names[i], 2};
    cr_assert_eq(cd_zsock_send(s_dealer, fit, CD_ZSOCK_MAX_FRAMES - 1), 0);
    cr_assert_eq(cd_zsock_send(s_dealer, over, CD_ZSOCK_MAX_FRAMES), 0);
    cd_frame_t last[2] = {{"after", 5}, {"x", 1}};
    cr_assert_eq(cd_zsock_send(s_dealer, last, 2), 0);

    RUN_UNTIL(atr.messages == 2, 5000);
    cr_assert_eq(atr.messages, 2, "expected the fitting message and the one after, got %d",
                 atr.messages);
    cr_assert_eq(atr.nframes[0], CD_ZSOCK_MAX_FRAMES);
    for (int i = 1; i < CD_ZSOCK_MAX_FRAMES; i++)
        cr_assert_str_eq(atr.frames[0][i], names[i - 1]);
    /* The oversized message left no tail behind to be read as a message. */
    cr_assert_eq(atr.nframes[1], 3);
    cr_assert_str_eq(atr.frames[1][1], "after");
    cr_assert_str_eq(atr.frames[1][2], "x");

    cd_zsock_destroy(&s_dealer);
    cd_zsock_destroy(&s_router);
    s_rec_free(&atr);
}

Test(zsock, burst_of_5000_from_a_dealer_is_drained_completely_and_in_order)
{
    s_rec_t atr = {0};
    s_pair(&s_router, s_on_seq, &atr, &s_dealer, s_ignore, NULL);

    /* Sent before the loop runs at all: the ROUTER gets one edge for many
     * messages and must keep draining (past its per-turn budget) on its own. */
    for (uint32_t i = 0; i < 5000; i++) {
        cd_frame_t f[2] = {{"B", 1}, {&i, sizeof i}};
        cr_assert_eq(cd_zsock_send(s_dealer, f, 2), 0, "send %u failed", i);
    }
    RUN_UNTIL(atr.messages == 5000, 15000);
    cr_assert_eq(atr.messages, 5000, "only %d of 5000 messages were drained", atr.messages);
    cr_assert_eq(atr.out_of_order, 0);

    /* Nothing extra turns up afterwards. */
    RUN_UNTIL(0, 50);
    cr_assert_eq(atr.messages, 5000);

    cd_zsock_destroy(&s_dealer);
    cd_zsock_destroy(&s_router);
    s_rec_free(&atr);
}

Test(zsock, burst_echoed_from_inside_on_message_comes_back_whole)
{
    s_rec_t atr = {0}, atd = {0};
    s_pair(&s_router, s_on_echo, &atr, &s_dealer, s_on_seq, &atd);

    for (uint32_t i = 0; i < 5000; i++) {
        cd_frame_t f = {&i, sizeof i};
        cr_assert_eq(cd_zsock_send(s_dealer, &f, 1), 0, "send %u failed", i);
    }
    RUN_UNTIL(atd.messages == 5000, 15000);
    cr_assert_eq(atr.messages, 5000, "the router drained %d of 5000", atr.messages);
    cr_assert_eq(atr.echo_fail, 0);
    cr_assert_eq(atd.messages, 5000, "the dealer got %d of 5000 echoes", atd.messages);
    cr_assert_eq(atd.out_of_order, 0);

    cd_zsock_destroy(&s_dealer);
    cd_zsock_destroy(&s_router);
    s_rec_free(&atr);
}

Test(zsock, ping_pong_sent_from_inside_on_message_is_never_stranded)
{
    /* One message in flight at a time: if a send inside on_message swallowed
     * the edge of the reply, the exchange would stop here for good. */
    s_rec_t atr = {0};
    s_pingpong_t pp = {.limit = 2000};
    s_pair(&s_router, s_on_echo, &atr, &s_dealer, s_on_pong, &pp);

    uint32_t first = 0;
    cd_frame_t f = {&first, sizeof first};
    cr_assert_eq(cd_zsock_send(s_dealer, &f, 1), 0);
    RUN_UNTIL(pp.replies == pp.limit, 15000);
    cr_assert_eq(pp.replies, pp.limit, "the exchange stalled after %d round trips", pp.replies);
    cr_assert_eq(pp.send_fail, 0);
    cr_assert_eq(atr.echo_fail, 0);

    cd_zsock_destroy(&s_dealer);
    cd_zsock_destroy(&s_router);
    s_rec_free(&atr);
}

Test(zsock, router_send_to_an_unknown_peer_returns_eagain_not_silence)
{
    int got = 0;
    s_router = cd_zsock_new(&s_loop, ZMQ_ROUTER, s_ignore, &got);
    cr_assert(s_router);
    cr_assert_eq(cd_zsock_bind(s_router, s_endpoint), 0);
    cr_assert_eq(cd_zsock_start(s_router), 0);
    cd_frame_t f[2] = {{"nobody", 6}, {"hello", 5}};
    cr_assert_eq(cd_zsock_send(s_router, f, 2), CD_EAGAIN);
    /* And the socket still works afterwards. */
    s_dealer = cd_zsock_new(&s_loop, ZMQ_DEALER, s_ignore, NULL);
    cr_assert_eq(cd_zsock_connect(s_dealer, s_endpoint), 0);
    cr_assert_eq(cd_zsock_start(s_dealer), 0);
    cd_frame_t hi = {"hi", 2};
    cr_assert_eq(cd_zsock_send(s_dealer, &hi, 1), 0);
    RUN_UNTIL(got == 1, 5000);
    cr_assert_eq(got, 1);
    cd_zsock_destroy(&s_dealer);
    cd_zsock_destroy(&s_router);
}

/* Destroys its own socket from inside on_message. */
static void s_on_self_destroy(cd_zsock_t *s, const cd_frame_t *f, int n, void *arg)
{
    (void)s, (void)f, (void)n;
    cd_zsock_t **self = arg;
    cd_zsock_destroy(self);
}

Test(zsock, destroy_is_idempotent_and_safe_from_inside_on_message)
{
    /* Never started: freed at once. */
    cd_zsock_t *idle = cd_zsock_new(&s_loop, ZMQ_DEALER, s_ignore, NULL);
    cr_assert(idle);
    cd_zsock_destroy(&idle);
    cr_assert_null(idle);
    cd_zsock_destroy(&idle);
    cd_zsock_destroy(NULL);

    /* Started, with messages still queued in it. */
    s_pair(&s_router, s_ignore, NULL, &s_dealer, s_ignore, NULL);
    for (uint32_t i = 0; i < 100; i++) {
        cd_frame_t f = {&i, sizeof i};
        cr_assert_eq(cd_zsock_send(s_dealer, &f, 1), 0);
    }
    cd_zsock_destroy(&s_router);
    cr_assert_null(s_router);
    cd_zsock_destroy(&s_router);

    /* From inside its own callback, with more messages behind the first: the
     * drain loop must stop touching the socket at once. */
    s_other = cd_zsock_new(&s_loop, ZMQ_ROUTER, s_on_self_destroy, &s_other);
    cr_assert(s_other);
    char ep[160];
    snprintf(ep, sizeof ep, "ipc://%s/self.sock", s_dir);
    cr_assert_eq(cd_zsock_bind(s_other, ep), 0);
    cr_assert_eq(cd_zsock_start(s_other), 0);
    s_other2 = cd_zsock_new(&s_loop, ZMQ_DEALER, s_ignore, NULL);
    cr_assert_eq(cd_zsock_connect(s_other2, ep), 0);
    cr_assert_eq(cd_zsock_start(s_other2), 0);
    for (uint32_t i = 0; i < 10; i++) {
        cd_frame_t f = {&i, sizeof i};
        cr_assert_eq(cd_zsock_send(s_other2, &f, 1), 0);
    }
    RUN_UNTIL(s_other == NULL, 5000);
    cr_assert_null(s_other, "the socket never received its first message");
    cd_zsock_destroy(&s_other);
    cd_zsock_destroy(&s_other2);
    cd_zsock_destroy(&s_dealer);
    cd_zsock_destroy(&s_dealer);
    /* The fixture's teardown checks that every uv handle was closed, and
     * LeakSanitizer (the Asan build) that every byte was freed. */
}
