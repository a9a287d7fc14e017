/* test_inbox_batch.c - events of one type applied together (inbox.h,
 * cd_batch_t; issue 18's "consumers apply batches"): a burst is one
 * transaction, each event still takes effect once, and a batch that fails
 * whole is applied one event at a time so that only the bad event fails.
 *
 * A raw DEALER (as a producer) sends a burst of events into a cd_inbox on
 * schema "routing" before the loop turns, so the inbox reads them in one
 * turn. The service's one-at-a-time handler and its batch handler both
 * record what they apply in public.effects, saying which did it; an event
 * whose case_id is "bad" cannot be applied (its statement divides by zero). */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "candour/db.h"
#include "candour/errcode.h"
#include "candour/inbox.h"
#include "candour/util.h"
#include "candour/v1/events.pb-c.h"
#include "candour/zsock.h"
#include "harness.h"

static uv_loop_t s_loop;
static uv_timer_t s_tick;
static h_t *s_h;
static cd_db_t *s_db;
static cd_inbox_t *s_in;
static cd_zsock_t *s_dealer;
static char s_ep[400];
static int s_acks, s_naks;

static void s_noop(uv_timer_t *t)
{
    (void)t;
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

/* Not CASE WHEN ... THEN 1 / 0: the planner folds the constant 1 / 0 and
 * fails every event once it plans the statement generically. */
#define Q_BAD "SELECT 1 / CASE WHEN $1 = 'bad' THEN 0 ELSE 1 END"

static void s_one(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                  const ProtobufCMessage *payload, void *arg)
{
    (void)arg;
    const Candour__V1__CaseOpened *p = (const Candour__V1__CaseOpened *)payload;
    const char *v[2] = {env->event_id, env->complaint_ref};
    const char *b[1] = {p->case_id};
    cd_tx_t *tx = cd_inbox_tx(in, ev);
    cd_tx_add(tx, Q_BAD, 1, b);
    cd_tx_add(tx,
              "INSERT INTO public.effects (event_id, complaint_ref, how)"
              " VALUES ($1::uuid, $2, 'alone')",
              2, v);
    cd_inbox_commit(in, ev, tx, NULL, NULL);
}

static int s_batches_committed_hook;

static void s_batch_committed(void *arg)
{
    (*(int *)arg)++;
}

static int s_batch(cd_inbox_t *in, cd_batch_t *b, void *arg)
{
    (void)in;
    (void)arg;
    const char **ids = calloc((size_t)b->n, sizeof *ids),
               **refs = calloc((size_t)b->n, sizeof *refs),
               **cases = calloc((size_t)b->n, sizeof *cases);
    cr_assert(ids && refs && cases);
    for (int i = 0; i < b->n; i++) {
        ids[i] = b->envs[i]->event_id;
        refs[i] = b->envs[i]->complaint_ref;
        cases[i] = ((const Candour__V1__CaseOpened *)b->payloads[i])->case_id;
    }
    char *a[3] = {cd_pg_text_array(ids, (size_t)b->n), cd_pg_text_array(refs, (size_t)b->n),
                  cd_pg_text_array(cases, (size_t)b->n)};
    cd_tx_add(b->tx, "SELECT 1 / CASE WHEN 'bad' = ANY ($1::text[]) THEN 0 ELSE 1 END", 1,
              (const char *const *)&a[2]);
    cd_tx_add(b->tx,
              "INSERT INTO public.effects (event_id, complaint_ref, how)"
              " SELECT e, r, 'batch' FROM unnest($1::uuid[], $2::text[]) AS u(e, r)",
              2, (const char *const *)a);
    b->on_committed = s_batch_committed;
    b->committed_arg = &s_batches_committed_hook;
    for (int i = 0; i < 3; i++)
        free(a[i]);
    free(ids);
    free(refs);
    free(cases);
    return 0;
}

static const cd_handler_t s_handlers[] = {{"contribution.received", s_one}, {NULL, NULL}};
static const cd_batch_handler_t s_batch_rows[] = {{"contribution.received", s_batch}, {NULL, NULL}};

static void s_on_reply(cd_zsock_t *sock, const cd_frame_t *f, int n, void *arg)
{
    (void)sock;
    (void)arg;
    if (n >= 2 && f[0].size == 3 && memcmp(f[0].data, "ACK", 3) == 0)
        s_acks++;
    if (n >= 2 && f[0].size == 3 && memcmp(f[0].data, "NAK", 3) == 0)
        s_naks++;
}

static void s_setup(void)
{
    s_h = h_new("inbox_batch");
    s_acks = s_naks = s_batches_committed_hook = 0;
    cr_assert_eq(uv_loop_init(&s_loop), 0);
    uv_timer_init(&s_loop, &s_tick);
    uv_timer_start(&s_tick, s_noop, 5, 5);
    h_exec(s_h, "CREATE TABLE public.effects (event_id uuid NOT NULL, complaint_ref text NOT NULL,"
                " how text NOT NULL)");
    s_db = cd_db_new(&s_loop, h_db_url(s_h), NULL, NULL, NULL);
    RUN_UNTIL(cd_db_ready(s_db), 10000);
    cr_assert(cd_db_ready(s_db));
    snprintf(s_ep, sizeof s_ep, "ipc://%s/routing.sock", h_dir(s_h));
    s_in = cd_inbox_new(&s_loop, s_db, "routing", s_handlers, NULL, NULL);
    cr_assert(s_in);
    cd_inbox_batch_handlers(s_in, s_batch_rows);
    cr_assert_eq(cd_inbox_bind(s_in, s_ep), 0);
    s_dealer = cd_zsock_new(&s_loop, ZMQ_DEALER, s_on_reply, NULL);
    cr_assert(s_dealer);
    cr_assert_eq(cd_zsock_connect(s_dealer, s_ep), 0);
    cr_assert_eq(cd_zsock_start(s_dealer), 0);
    RUN_UNTIL(0, 100); /* connected before the first burst */
}

static void s_teardown(void)
{
    cd_zsock_destroy(&s_dealer);
    cd_inbox_destroy(&s_in);
    cd_db_destroy(&s_db);
    uv_close((uv_handle_t *)&s_tick, NULL);
    for (int i = 0; i < 100 && uv_run(&s_loop, UV_RUN_NOWAIT); i++)
        ;
    cr_expect_eq(uv_loop_close(&s_loop), 0, "handles left open on the loop");
    cd_zmq_ctx_term();
    h_destroy(&s_h);
}

TestSuite(inbox_batch, .init = s_setup, .fini = s_teardown, .timeout = 60);

/* Send event id (new when id is "") about ref, case_id `what`. */
static void s_send(const char *ref, const char *what, char id[CD_UUID_LEN + 1])
{
    if (!*id)
        cr_assert_eq(cd_uuid(id), 0);
    Candour__V1__CaseOpened p = CANDOUR__V1__CASE_OPENED__INIT;
    p.case_id = (char *)what;
    size_t len = 0;
    uint8_t *buf =
        h_event_pack("contribution.received", "investigation", ref, id, "", &p.base, &len);
    cd_frame_t frames[2] = {{"EVT", 3}, {buf, len}};
    cr_assert_eq(cd_zsock_send(s_dealer, frames, 2), 0);
    free(buf);
}

/* A burst of n events about n complaints, one of them (bad >= 0) bad;
 * sent before the loop turns, so the inbox reads them in one turn. */
static void s_burst(int n, int bad, char (*ids)[CD_UUID_LEN + 1])
{
    for (int i = 0; i < n; i++) {
        char ref[32];
        snprintf(ref, sizeof ref, "REF-%d", i);
        s_send(ref, i == bad ? "bad" : "good", ids[i]);
    }
    usleep(200 * 1000); /* on the wire; the inbox reads them all on its next wake */
}

static long s_count(const char *how)
{
    const char *v[1] = {how};
    return h_count(s_h, "SELECT count(*) FROM public.effects WHERE how = $1", 1, v);
}

Test(inbox_batch, a_burst_is_applied_together_in_one_transaction_each_event_once)
{
    char ids[12][CD_UUID_LEN + 1] = {{0}};
    s_burst(12, -1, ids);
    RUN_UNTIL(s_acks >= 12, 10000);
    cr_assert_eq(s_acks, 12);
    cr_assert_eq(s_count("batch"), 12, "the burst was not applied by the batch handler");
    cr_assert_eq(s_count("alone"), 0);
    cr_assert_eq(cd_inbox_batches(s_in), 1);
    cr_assert_eq(cd_inbox_batch_events(s_in), 12);
    cr_assert_eq(cd_inbox_applied(s_in), 12);
    cr_assert_eq(s_batches_committed_hook, 1, "on_committed ran %d times",
                 s_batches_committed_hook);
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM routing.inbox", 0, NULL), 12);
}

Test(inbox_batch, a_batch_with_one_bad_event_fails_only_that_event)
{
    char ids[10][CD_UUID_LEN + 1] = {{0}};
    s_burst(10, 4, ids);
    RUN_UNTIL(s_acks + s_naks >= 10, 10000);
    cr_assert_eq(s_acks, 9);
    cr_assert_eq(s_naks, 1, "the bad event was not refused");
    cr_assert_eq(cd_inbox_batch_splits(s_in), 1);
    cr_assert_eq(s_count("batch"), 0, "the failed batch left rows");
    cr_assert_eq(s_count("alone"), 9);
    const char *v[1] = {ids[4]};
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM routing.inbox WHERE event_id = $1::uuid", 1, v),
                 0, "the refused event was recorded as taken");
}

Test(inbox_batch, a_redelivered_event_in_a_burst_is_acknowledged_once_and_the_rest_applied)
{
    char first[1][CD_UUID_LEN + 1] = {{0}};
    s_burst(1, -1, first);
    RUN_UNTIL(s_acks >= 1, 10000);
    cr_assert_eq(s_acks, 1);
    /* The same event again (its ACK lost, say), with five new ones. */
    char ids[6][CD_UUID_LEN + 1] = {{0}};
    memcpy(ids[0], first[0], sizeof ids[0]);
    s_burst(6, -1, ids);
    RUN_UNTIL(s_acks >= 7, 10000);
    cr_assert_eq(s_acks, 7);
    cr_assert_eq(cd_inbox_duplicates(s_in), 1);
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM public.effects", 0, NULL), 6,
                 "an event took effect twice, or one not at all");
    cr_assert_eq(h_count(s_h, "SELECT count(DISTINCT event_id) FROM public.effects", 0, NULL), 6);
}
