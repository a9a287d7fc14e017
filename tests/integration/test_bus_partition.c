/* test_bus_partition.c - a subscriber run as two instances: every event
 * about one complaint reaches the same instance, whichever producer sent it
 * and however each producer lists the instances (outbox.h, partition.h;
 * issue 18's "every complaint one home").
 *
 * Two producers (outboxes in schemas "intake" and "notify") send to
 * "routing", whose two instances are two cd_inboxes on the one schema, bound
 * at two ipc:// endpoints; the producers list them in opposite orders. Each
 * instance applies an event by recording it in public.effects under its
 * name, in the inbox transaction. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include "candour/db.h"
#include "candour/inbox.h"
#include "candour/outbox.h"
#include "candour/partition.h"
#include "candour/util.h"
#include "candour/v1/events.pb-c.h"
#include "candour/zsock.h"
#include "harness.h"

#define S_REFS 40 /* complaints */
#define S_EACH 3  /* events about each, from each producer */

static uv_loop_t s_loop;
static uv_timer_t s_tick;
static h_t *s_h;
static cd_db_t *s_db;
static cd_outbox_t *s_ob[2];
static cd_inbox_t *s_in[2];
static char s_ep[2][400];
static const char *s_inst_name[2] = {"routing-1", "routing-2"};

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

static void s_on_event(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                       const ProtobufCMessage *payload, void *arg)
{
    (void)payload;
    const char *v[3] = {env->event_id, env->complaint_ref, arg};
    cd_tx_t *tx = cd_inbox_tx(in, ev);
    cd_tx_add(tx,
              "INSERT INTO public.effects (event_id, complaint_ref, instance)"
              " VALUES ($1::uuid, $2, $3)",
              3, v);
    cd_inbox_commit(in, ev, tx, NULL, NULL);
}

static const cd_handler_t s_handlers[] = {{"case.opened", s_on_event}, {NULL, NULL}};

static void s_setup(void)
{
    s_h = h_new("bus_partition");
    cr_assert_eq(uv_loop_init(&s_loop), 0);
    uv_timer_init(&s_loop, &s_tick);
    uv_timer_start(&s_tick, s_noop, 5, 5);
    h_exec(s_h, "CREATE TABLE public.effects (event_id uuid PRIMARY KEY, complaint_ref text NOT"
                " NULL, instance text NOT NULL)");
    s_db = cd_db_new(&s_loop, h_db_url(s_h), NULL, NULL, NULL);
    RUN_UNTIL(cd_db_ready(s_db), 10000);
    cr_assert(cd_db_ready(s_db));
    for (int i = 0; i < 2; i++) {
        snprintf(s_ep[i], sizeof s_ep[i], "ipc://%s/routing-%d.sock", h_dir(s_h), i + 1);
        s_in[i] = cd_inbox_new(&s_loop, s_db, "routing", s_handlers, NULL, (void *)s_inst_name[i]);
        cr_assert(s_in[i]);
        cr_assert_eq(cd_inbox_bind(s_in[i], s_ep[i]), 0);
    }
    /* The same two instances, listed in opposite orders by the two producers. */
    char list[2][820];
    snprintf(list[0], sizeof list[0], "%s,%s", s_ep[0], s_ep[1]);
    snprintf(list[1], sizeof list[1], "%s,%s", s_ep[1], s_ep[0]);
    const char *schema[2] = {"intake", "notify"};
    for (int p = 0; p < 2; p++) {
        cd_subscriber_t sub = {"routing", list[p]};
        s_ob[p] = cd_outbox_new(&s_loop, s_db, schema[p], schema[p], &sub, 1, NULL);
        cr_assert(s_ob[p]);
        cr_assert_eq(cd_outbox_start(s_ob[p]), 0);
    }
}

static void s_teardown(void)
{
    for (int i = 0; i < 2; i++) {
        cd_outbox_destroy(&s_ob[i]);
        cd_inbox_destroy(&s_in[i]);
    }
    cd_db_destroy(&s_db);
    uv_close((uv_handle_t *)&s_tick, NULL);
    for (int i = 0; i < 100 && uv_run(&s_loop, UV_RUN_NOWAIT); i++)
        ;
    cr_expect_eq(uv_loop_close(&s_loop), 0, "handles left open on the loop");
    cd_zmq_ctx_term();
    h_destroy(&s_h);
}

TestSuite(bus_partition, .init = s_setup, .fini = s_teardown, .timeout = 60);

static void s_committed(const cd_tx_result_t *res, void *arg)
{
    *(int *)arg = res->err == 0 ? 1 : -1;
}

/* Each producer puts S_EACH events about every complaint, one transaction
 * per producer and complaint, alternating producers. */
static void s_put_all(void)
{
    static const char *const subs[] = {"routing", NULL};
    for (int r = 0; r < S_REFS; r++)
        for (int p = 0; p < 2; p++) {
            char ref[32];
            snprintf(ref, sizeof ref, "CMP-2026-%06d", r);
            cd_tx_t *tx = cd_tx_new();
            for (int k = 0; k < S_EACH; k++) {
                Candour__V1__CaseOpened ev_p = CANDOUR__V1__CASE_OPENED__INIT;
                ev_p.case_id = "case";
                cd_event_out_t ev = {.type = "case.opened",
                                     .complaint_ref = ref,
                                     .payload = &ev_p.base,
                                     .subscribers = subs};
                cr_assert_eq(cd_outbox_put(s_ob[p], tx, &ev, NULL, NULL), 0);
            }
            int done = 0;
            cd_db_submit(s_db, tx, s_committed, &done);
            RUN_UNTIL(done, 10000);
            cr_assert_eq(done, 1, "a put did not commit");
            cd_outbox_kick(s_ob[p]);
        }
}

Test(bus_partition, every_event_about_a_complaint_reaches_its_home_instance)
{
    s_put_all();
    long want = S_REFS * 2 * S_EACH, got = 0;
    for (uint64_t dl = uv_hrtime() + 30000000000ull;
         (got = h_count(s_h, "SELECT count(*) FROM public.effects", 0, NULL)) < want && s_turn(dl);)
        ;
    cr_assert_eq(got, want, "%ld of %ld events applied", got, want);
    /* One instance a complaint... */
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM (SELECT complaint_ref FROM public.effects"
                         " GROUP BY 1 HAVING count(DISTINCT instance) > 1) x",
                         0, NULL),
                 0, "a complaint's events were applied by both instances");
    /* ... the one the partition names, from either producer's list ... */
    const char *eps[2] = {s_ep[0], s_ep[1]};
    int per[2] = {0, 0};
    for (int r = 0; r < S_REFS; r++) {
        char ref[32];
        snprintf(ref, sizeof ref, "CMP-2026-%06d", r);
        int home = cd_partition_pick(eps, 2, ref);
        per[home]++;
        const char *v[2] = {ref, s_inst_name[home]};
        cr_assert_eq(h_count(s_h,
                             "SELECT count(*) FROM public.effects WHERE complaint_ref = $1"
                             " AND instance = $2",
                             2, v),
                     2 * S_EACH, "%s was not applied at its home %s", ref, s_inst_name[home]);
    }
    /* ... and both instances have work (40 complaints: each has some). */
    cr_assert(per[0] > 0 && per[1] > 0, "one instance is home to every complaint");
}
