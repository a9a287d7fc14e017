/* test_bus.c - the delivery layer end to end in one process: outbox, ZeroMQ,
 * inbox, PostgreSQL (guarantees 2 and 3 of ARCHITECTURE.md).
 *
 * A producer outbox in schema "intake" (producer "intake") sends to one
 * subscriber, "routing", whose cd_inbox on schema "routing" is bound at an
 * ipc:// endpoint in the harness's mkdtemp dir. Each side has its own cd_db
 * (admin URL) and both run on the test's one uv loop. The consumer applies an
 * event by inserting a row into public.effects in the inbox transaction, so
 * "applied exactly once" is counted where it matters: in committed state.
 *
 * The loop is turned in bounded steps until a condition holds; deadlines
 * only bound a failure, and no assertion depends on how fast things run
 * (resends caused by a slow machine are allowed for, never assumed absent). */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "candour/db.h"
#include "candour/events.h"
#include "candour/error.h"
#include "candour/inbox.h"
#include "candour/outbox.h"
#include "candour/pb.h"
#include "candour/util.h"
#include "candour/v1/events.pb-c.h"
#include "candour/zsock.h"
#include "harness.h"

/* ---------------------------------------------------------------- consumer */

typedef enum {
    M_APPLY,         /* apply every event (cd_inbox_tx + cd_inbox_commit) */
    M_NAK,           /* NAK every event */
    M_NAK_TYPE,      /* NAK events of type nak_type, apply the rest */
    M_DEFER_FIRST,   /* defer each event's first arrival, apply later ones */
    M_HOLD_PAIRS,    /* answer nothing until two arrivals are held, then NAK both */
    M_HOLD,          /* hold every event unanswered (the test answers them) */
    M_INVALID,       /* build a transaction poisoned as invalid (CD_EINVAL) and commit it */
    M_DEADLOCK_FIRST /* each event's first arrival fails as a deadlock (40P01); apply later ones */
} s_mode_t;

#define S_MAX_EVENTS 256

typedef struct {
    s_mode_t mode;
    const char *nak_type;
    int arrivals;                             /* handler calls, resends included */
    int nseen;                                /* distinct events seen */
    char seen[S_MAX_EVENTS][CD_UUID_LEN + 1]; /* their ids, in first-arrival order */
    int hits[S_MAX_EVENTS];                   /* arrivals per distinct event */
    int64_t seq[S_MAX_EVENTS];                /* their envelope sequence numbers */
    char ref[S_MAX_EVENTS][32];               /* their complaint refs */
    int pending_at_second; /* M_DEFER_FIRST: delivery still pending on the 2nd arrival */
    int bad_envelope;      /* an envelope field was not what the producer put */
    cd_event_t *held[8];   /* M_HOLD_PAIRS, M_HOLD (NULL once the test answered it) */
    char held_id[8][CD_UUID_LEN + 1];
    int nheld;
} s_consumer_t;

/* ---------------------------------------------------------------- fixture */

static uv_loop_t s_loop;
static uv_timer_t s_tick; /* keeps UV_RUN_ONCE from blocking longer than a tick */
static h_t *s_h;
static cd_db_t *s_pdb, *s_cdb; /* producer's and consumer's connections */
static cd_outbox_t *s_ob;
static cd_inbox_t *s_in;
static s_consumer_t s_c;
static char s_endpoint[400];

static void s_noop(uv_timer_t *t)
{
    (void)t;
}

static uint64_t s_deadline(int ms)
{
    return uv_hrtime() + (uint64_t)ms * 1000000u;
}

static int s_turn(uint64_t deadline)
{
    if (uv_hrtime() > deadline)
        return 0;
    uv_run(&s_loop, UV_RUN_ONCE);
    return 1;
}

/* Turn the loop until expr holds or ms pass (then check expr yourself). */
#define RUN_UNTIL(expr, ms) for (uint64_t dl_ = s_deadline(ms); !(expr) && s_turn(dl_);)

static long s_count(const char *sql)
{
    return h_count(s_h, sql, 0, NULL);
}

/* Turn the loop until a count query returns want; returns the last value. */
static long s_wait_count(const char *sql, long want, int ms)
{
    long got = s_count(sql);
    for (uint64_t dl = s_deadline(ms); got != want && s_turn(dl);)
        got = s_count(sql);
    return got;
}

static void s_setup(void)
{
    s_h = h_new("bus");
    memset(&s_c, 0, sizeof s_c);
    cr_assert_eq(uv_loop_init(&s_loop), 0);
    uv_timer_init(&s_loop, &s_tick);
    uv_timer_start(&s_tick, s_noop, 5, 5);
    h_exec(s_h, "CREATE TABLE public.effects (id bigserial PRIMARY KEY, event_id uuid NOT NULL,"
                " complaint_ref text NOT NULL, seq bigint NOT NULL)");
    snprintf(s_endpoint, sizeof s_endpoint, "ipc://%s/routing-test.sock", h_dir(s_h));
    s_pdb = cd_db_new(&s_loop, h_db_url(s_h), NULL, NULL, NULL);
    s_cdb = cd_db_new(&s_loop, h_db_url(s_h), NULL, NULL, NULL);
    cr_assert(s_pdb && s_cdb);
    RUN_UNTIL(cd_db_ready(s_pdb) && cd_db_ready(s_cdb), 10000);
    cr_assert(cd_db_ready(s_pdb) && cd_db_ready(s_cdb), "the databases never became ready");
}

static void s_teardown(void)
{
    /* Answer what the consumer still holds, so nothing is left allocated. */
    for (int i = 0; i < s_c.nheld; i++)
        if (s_c.held[i])
            cd_inbox_defer(s_in, s_c.held[i], "test over");
    s_c.nheld = 0;
    /* One turn for all: a claim or ack in flight is failed (CD_ECLOSED) by
     * cd_db_destroy while the outbox's memory is still there (outbox.c). */
    cd_outbox_destroy(&s_ob);
    cd_inbox_destroy(&s_in);
    cd_db_destroy(&s_pdb);
    cd_db_destroy(&s_cdb);
    uv_close((uv_handle_t *)&s_tick, NULL);
    for (int i = 0; i < 100 && uv_run(&s_loop, UV_RUN_NOWAIT); i++)
        ;
    cr_expect_eq(uv_loop_close(&s_loop), 0, "handles left open on the loop");
    cd_zmq_ctx_term();
    if (s_h)
        h_destroy(&s_h);
}

TestSuite(bus, .init = s_setup, .fini = s_teardown, .timeout = 30);

/* ---------------------------------------------------------------- consumer side */

static int s_seen_index(const Candour__V1__Envelope *env)
{
    for (int i = 0; i < s_c.nseen; i++)
        if (strcmp(s_c.seen[i], env->event_id) == 0)
            return i;
    cr_assert_lt(s_c.nseen, S_MAX_EVENTS);
    int i = s_c.nseen++;
    snprintf(s_c.seen[i], sizeof s_c.seen[i], "%s", env->event_id);
    snprintf(s_c.ref[i], sizeof s_c.ref[i], "%s", env->complaint_ref);
    s_c.seq[i] = env->sequence;
    return i;
}

/* The envelope carries what the producer put (see s_put). */
static void s_check_envelope(const Candour__V1__Envelope *env)
{
    Candour__V1__CaseOpened *p =
        candour__v1__case_opened__unpack(NULL, env->payload.len, env->payload.data);
    int ok = p && strncmp(p->case_id, "case-", 5) == 0 && strcmp(env->producer, "intake") == 0 &&
             strlen(env->correlation_id) == CD_UUID_LEN && env->sequence > 0 &&
             env->occurred_at_us > 0 && env->schema_version == 1 &&
             strcmp(env->causation_id, "cause-1") == 0 && cd_event_type(env->type) != NULL;
    if (!ok)
        s_c.bad_envelope++;
    candour__v1__case_opened__free_unpacked(p, NULL);
}

static void s_apply(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env)
{
    char seq[24];
    snprintf(seq, sizeof seq, "%lld", (long long)env->sequence);
    const char *v[3] = {env->event_id, env->complaint_ref, seq};
    cd_tx_t *tx = cd_inbox_tx(in, ev);
    cd_tx_add(tx,
              "INSERT INTO public.effects (event_id, complaint_ref, seq)"
              " VALUES ($1::uuid, $2, $3::bigint)",
              3, v);
    cd_inbox_commit(in, ev, tx, NULL, NULL);
}

static void s_on_event(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                       const ProtobufCMessage *payload, void *arg)
{
    s_consumer_t *c = arg;
    c->arrivals++;
    s_check_envelope(env);
    int i = s_seen_index(env);
    c->hits[i]++;
    switch (c->mode) {
    case M_APPLY:
        s_apply(in, ev, env);
        break;
    case M_NAK:
        cd_inbox_nak(in, ev, CD_CODE_APPLY_FAILED, "always rejected");
        break;
    case M_NAK_TYPE:
        if (strcmp(env->type, c->nak_type) == 0)
            cd_inbox_nak(in, ev, CD_CODE_APPLY_FAILED, "this type is rejected");
        else
            s_apply(in, ev, env);
        break;
    case M_DEFER_FIRST:
        if (c->hits[i] == 1) {
            cd_inbox_defer(in, ev, "not yet");
        } else {
            const char *p[1] = {env->event_id};
            if (c->hits[i] == 2 &&
                h_count(s_h,
                        "SELECT count(*) FROM intake.outbox_delivery WHERE event_id = $1::uuid"
                        " AND delivered_at IS NULL AND dead_at IS NULL AND naks = 0",
                        1, p) == 1)
                c->pending_at_second++;
            s_apply(in, ev, env);
        }
        break;
    case M_HOLD_PAIRS:
        c->held[c->nheld++] = ev;
        if (c->nheld == 2) {
            cd_inbox_nak(in, c->held[0], CD_CODE_APPLY_FAILED, "held then rejected");
            cd_inbox_nak(in, c->held[1], CD_CODE_APPLY_FAILED, "held then rejected");
            c->nheld = 0;
        }
        break;
    case M_DEADLOCK_FIRST:
        if (c->hits[i] == 1) {
            cd_tx_t *tx = cd_inbox_tx(in, ev);
            cd_tx_add(tx,
                      "DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '40P01',"
                      " MESSAGE = 'deadlock detected (test)'; END $$",
                      0, NULL);
            cd_inbox_commit(in, ev, tx, NULL, NULL);
        } else {
            s_apply(in, ev, env);
        }
        break;
    case M_INVALID: {
        cd_tx_t *tx = cd_inbox_tx(in, ev);
        cd_tx_poison_err(tx, CD_EINVAL);
        cd_inbox_commit(in, ev, tx, NULL, NULL);
        break;
    }
    case M_HOLD:
        cr_assert_lt(c->nheld, 8);
        snprintf(c->held_id[c->nheld], sizeof c->held_id[0], "%s", env->event_id);
        c->held[c->nheld++] = ev;
        break;
    }
}

/* ---------------------------------------------------------------- producer side */

/* Outbox and inbox; bind the inbox now or leave it absent. opts NULL: the
 * defaults (1 s first resend), under which no resend is expected, though the
 * assertions allow for one. */
static void s_start(s_mode_t mode, const cd_outbox_opts_t *opts, int bind)
{
    s_c.mode = mode;
    cd_subscriber_t sub = {"routing", s_endpoint};
    s_ob = cd_outbox_new(&s_loop, s_pdb, "intake", "intake", &sub, 1, opts);
    cr_assert(s_ob);
    /* Events of the catalogue whose payloads a CaseOpened's bytes decode as
     * (the test's payloads): each stands for one of the test's kinds. */
    static const cd_handler_t handlers[] = {
        {"case.opened", s_on_event},
        {"letter.sent", s_on_event},
        {"summary.agreed", s_on_event},
        {"complaint.withdrawn", s_on_event},
        {"deadline.extended", s_on_event},
        {"contribution.received", s_on_event},
        {"complaint.routed", s_on_event},
        {"deadline.due_soon", s_on_event},
        {NULL, NULL},
    };
    s_in = cd_inbox_new(&s_loop, s_cdb, "routing", handlers, NULL, &s_c);
    cr_assert(s_in);
    if (bind)
        cr_assert_eq(cd_inbox_bind(s_in, s_endpoint), 0);
    cr_assert_eq(cd_outbox_start(s_ob), 0);
}

static void s_on_commit(const cd_tx_result_t *res, void *arg)
{
    int *rc = arg;
    *rc = res->err == 0 ? 1 : -1;
    if (res->err)
        cr_log_error("put tx failed: %s", res->message);
}

/* Put n events of `type` about ref in one transaction, commit, kick. With a
 * guard, each put is conditional on it. */
static void s_put_guarded(const char *type, const char *ref, int n, const char *guard,
                          const char *gparam)
{
    static const char *const subs[] = {"routing", NULL};
    static int next_case;
    cd_tx_t *tx = cd_tx_new();
    for (int i = 0; i < n; i++) {
        char case_id[32];
        snprintf(case_id, sizeof case_id, "case-%d", ++next_case);
        Candour__V1__CaseOpened p = CANDOUR__V1__CASE_OPENED__INIT;
        p.case_id = case_id;
        cd_event_out_t ev = {.type = type,
                             .complaint_ref = ref,
                             .causation_id = "cause-1",
                             .payload = &p.base,
                             .subscribers = subs};
        cr_assert_eq(cd_outbox_put(s_ob, tx, &ev, guard, gparam), 0);
    }
    int done = 0;
    cd_db_submit(s_pdb, tx, s_on_commit, &done);
    RUN_UNTIL(done, 10000);
    cr_assert_eq(done, 1, "the put transaction did not commit");
    cd_outbox_kick(s_ob);
}

static void s_put(const char *type, const char *ref, int n)
{
    s_put_guarded(type, ref, n, NULL, NULL);
}

#define Q_DELIVERED "SELECT count(*) FROM intake.outbox_delivery WHERE delivered_at IS NOT NULL"
#define Q_INBOX "SELECT count(*) FROM routing.inbox"
#define Q_EFFECTS "SELECT count(*) FROM public.effects"
#define Q_EFFECTS_DISTINCT "SELECT count(DISTINCT event_id) FROM public.effects"

/* ---------------------------------------------------------------- tests */

Test(bus, every_event_is_delivered_and_applied_exactly_once)
{
    s_start(M_APPLY, NULL, 1);
    s_put("case.opened", "", 20); /* no complaint: no ordering constraint */
    s_put("case.opened", "REF-A", 15);
    s_put("case.opened", "REF-B", 15);
    cr_assert_eq(s_wait_count(Q_DELIVERED, 50, 15000), 50, "not every delivery was acknowledged");
    cr_assert_eq(s_count("SELECT count(*) FROM intake.outbox_delivery"), 50);
    cr_assert_eq(s_count("SELECT count(*) FROM intake.outbox_delivery WHERE dead_at IS NOT NULL"
                         " OR naks > 0"),
                 0);
    /* Each applied exactly once, and the applied set is the put set. */
    cr_assert_eq(s_count(Q_INBOX), 50);
    cr_assert_eq(s_count(Q_EFFECTS), 50);
    cr_assert_eq(s_count(Q_EFFECTS_DISTINCT), 50);
    cr_assert_eq(s_count("SELECT count(*) FROM intake.outbox o JOIN routing.inbox i"
                         " USING (event_id) JOIN public.effects e USING (event_id)"),
                 50);
    cr_assert_eq(s_count("SELECT count(*) FROM routing.inbox WHERE producer <> 'intake'"
                         " OR type <> 'case.opened'"),
                 0);
    cr_assert_eq(cd_inbox_applied(s_in), 50);
    cr_assert_eq(s_c.nseen, 50);
    /* A resend from a slow round trip is a duplicate, never a second effect. */
    cr_assert_eq(cd_inbox_duplicates(s_in), (uint64_t)(s_c.arrivals - 50));
    cr_assert_geq(cd_outbox_sent(s_ob), 50);
    cr_assert_geq(cd_outbox_acked(s_ob), 50);
    cr_assert_eq(s_c.bad_envelope, 0, "an envelope lost a field on the way");
}

Test(bus, redelivered_event_is_acknowledged_again_but_not_applied_twice)
{
    s_start(M_APPLY, NULL, 1);
    s_put("case.opened", "REF-R", 1);
    cr_assert_eq(s_wait_count(Q_DELIVERED, 1, 10000), 1);
    cr_assert_eq(s_count(Q_INBOX), 1);
    uint64_t dups = cd_inbox_duplicates(s_in);
    int arrivals = s_c.arrivals;

    /* As if the ACK had been lost: the delivery is due again. */
    h_exec(s_h, "UPDATE intake.outbox_delivery SET delivered_at = NULL, next_attempt_at = now()");
    cd_outbox_kick(s_ob);
    RUN_UNTIL(cd_inbox_duplicates(s_in) > dups, 10000);
    cr_assert_gt(cd_inbox_duplicates(s_in), dups, "the redelivery was not seen as a duplicate");
    cr_assert_eq(s_wait_count(Q_DELIVERED, 1, 10000), 1, "the duplicate was not acknowledged");
    cr_assert_eq(cd_inbox_duplicates(s_in) - dups, (uint64_t)(s_c.arrivals - arrivals));
    cr_assert_eq(cd_inbox_applied(s_in), 1);
    cr_assert_eq(s_count(Q_INBOX), 1);
    cr_assert_eq(s_count(Q_EFFECTS), 1, "the duplicate took effect a second time");
    cr_assert_eq(s_c.nseen, 1);
}

/* Sequences of one ref's effects, in the order they were committed. */
static void s_assert_effects_in_order(const char *ref, int want)
{
    const char *p[1] = {ref};
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM (SELECT seq, lag(seq) OVER (ORDER BY id) AS prev"
                         " FROM public.effects WHERE complaint_ref = $1) s"
                         " WHERE prev IS NULL OR seq > prev",
                         1, p),
                 want, "%s's effects were not committed in sequence order", ref);
}

Test(bus, events_of_one_complaint_arrive_and_take_effect_in_order)
{
    s_start(M_APPLY, NULL, 1);
    /* 20 for REF-1: ten in one transaction, ten in separate ones, with
     * another complaint's events interleaved. */
    s_put("case.opened", "REF-1", 10);
    for (int i = 0; i < 10; i++) {
        s_put("letter.sent", "REF-1", 1);
        s_put("letter.sent", "REF-2", 1);
    }
    cr_assert_eq(s_wait_count(Q_DELIVERED, 30, 15000), 30);
    cr_assert_eq(s_count(Q_EFFECTS), 30);

    /* First arrivals per complaint, in arrival order: strictly increasing. */
    int n1 = 0, n2 = 0;
    int64_t last1 = 0, last2 = 0;
    for (int i = 0; i < s_c.nseen; i++) {
        int64_t *last = strcmp(s_c.ref[i], "REF-1") == 0 ? &last1 : &last2;
        cr_assert_gt(s_c.seq[i], *last, "%s: sequence %lld arrived after %lld", s_c.ref[i],
                     (long long)s_c.seq[i], (long long)*last);
        *last = s_c.seq[i];
        ++*(strcmp(s_c.ref[i], "REF-1") == 0 ? &n1 : &n2);
    }
    cr_assert_eq(n1, 20);
    cr_assert_eq(n2, 10);
    s_assert_effects_in_order("REF-1", 20);
    s_assert_effects_in_order("REF-2", 10);
}

Test(bus, events_whose_guard_is_false_are_not_put)
{
    s_start(M_APPLY, NULL, 1);
    s_put_guarded("summary.agreed", "REF-G", 1, "$G = 'yes'", "no");
    s_put_guarded("summary.agreed", "REF-G", 2, "$G = 'yes'", "yes");
    cr_assert_eq(s_count("SELECT count(*) FROM intake.outbox"), 2);

    /* A guard sees the transaction's own earlier statements: the second put
     * is conditional on a row the first statement of the same tx wrote. */
    static const char *const subs[] = {"routing", NULL};
    Candour__V1__CaseOpened p = CANDOUR__V1__CASE_OPENED__INIT;
    p.case_id = "case-guard";
    cd_event_out_t ev = {.type = "summary.agreed",
                         .complaint_ref = "REF-H",
                         .causation_id = "cause-1",
                         .payload = &p.base,
                         .subscribers = subs};
    const char *guard = "EXISTS (SELECT 1 FROM public.effects WHERE complaint_ref = $G)";
    cd_tx_t *tx = cd_tx_new();
    cr_assert_eq(cd_tx_add(tx,
                           "INSERT INTO public.effects (event_id, complaint_ref, seq)"
                           " VALUES (gen_random_uuid(), 'MARK', 0)",
                           0, NULL),
                 0);
    cr_assert_eq(cd_outbox_put(s_ob, tx, &ev, guard, "MARK"), 0);    /* true */
    cr_assert_eq(cd_outbox_put(s_ob, tx, &ev, guard, "NO-MARK"), 0); /* false */
    int done = 0;
    cd_db_submit(s_pdb, tx, s_on_commit, &done);
    RUN_UNTIL(done, 10000);
    cr_assert_eq(done, 1);
    h_exec(s_h, "DELETE FROM public.effects WHERE complaint_ref = 'MARK'");
    cd_outbox_kick(s_ob);

    cr_assert_eq(s_count("SELECT count(*) FROM intake.outbox"), 3);
    cr_assert_eq(s_count("SELECT count(*) FROM intake.outbox_delivery"), 3);
    cr_assert_eq(s_wait_count(Q_DELIVERED, 3, 10000), 3);
    cr_assert_eq(s_count(Q_EFFECTS), 3);
    cr_assert_eq(s_c.nseen, 3, "an event whose guard was false reached the consumer");
}

Test(bus, event_nakked_every_time_is_dead_lettered_after_max_naks)
{
    cd_outbox_opts_t opts = {.poll_ms = 20, .retry_base_ms = 20, .max_naks = 3};
    s_start(M_NAK, &opts, 1);
    s_put("complaint.withdrawn", "REF-N", 1);
    cr_assert_eq(s_wait_count("SELECT count(*) FROM intake.outbox_delivery"
                              " WHERE dead_at IS NOT NULL",
                              1, 15000),
                 1, "the delivery was never dead-lettered");
    cr_assert_eq(s_count("SELECT naks FROM intake.outbox_delivery"), 3);
    cr_assert_geq(s_count("SELECT attempts FROM intake.outbox_delivery"), 3);
    cr_assert_eq(s_count("SELECT count(*) FROM intake.outbox_delivery WHERE delivered_at IS NULL"
                         " AND last_error LIKE 'APPLY_FAILED: always rejected%'"),
                 1);
    cr_assert_geq(s_c.arrivals, 3);
    cr_assert_eq(s_count(Q_INBOX), 0);
    cr_assert_eq(s_count(Q_EFFECTS), 0);

    /* Dead stays dead: it is not claimed again. */
    long attempts = s_count("SELECT attempts FROM intake.outbox_delivery");
    cd_outbox_kick(s_ob);
    RUN_UNTIL(0, 300);
    cr_assert_eq(s_count("SELECT attempts FROM intake.outbox_delivery"), attempts);
    cr_assert_eq(s_count("SELECT naks FROM intake.outbox_delivery"), 3);
}

Test(bus, nak_of_a_resend_arriving_after_dead_lettering_is_not_counted)
{
    /* The consumer answers only when two copies of the event are in hand
     * (the second a resend after the backoff), and NAKs both: the NAK that
     * reaches max_naks is followed by one for a delivery already dead. The
     * event is about no complaint: a resend of an event about a complaint
     * would wait in this inbox behind the copy in hand (as two instances of
     * a consumer would not). */
    cd_outbox_opts_t opts = {.poll_ms = 20, .retry_base_ms = 20, .max_naks = 3};
    s_start(M_HOLD_PAIRS, &opts, 1);
    s_put("complaint.withdrawn", "", 1);
    cr_assert_eq(s_wait_count("SELECT count(*) FROM intake.outbox_delivery"
                              " WHERE dead_at IS NOT NULL",
                              1, 15000),
                 1, "the delivery was never dead-lettered");
    /* Both NAKs of the last pair have been recorded once the fourth arrival
     * was answered and the producer's db has drained. */
    RUN_UNTIL(s_c.arrivals >= 4 && s_c.nheld == 0, 10000);
    cr_assert_geq(s_c.arrivals, 4);
    /* Let the last NAK land. (Too short a wait could only hide the fault,
     * never fail a correct outbox.) */
    RUN_UNTIL(0, 300);
    cr_assert_eq(s_count("SELECT naks FROM intake.outbox_delivery"), 3,
                 "naks went past max_naks: a NAK for a dead delivery was counted");
}

Test(bus, dead_lettered_event_holds_back_later_events_of_its_complaint_only)
{
    cd_outbox_opts_t opts = {.poll_ms = 20, .retry_base_ms = 20, .max_naks = 2};
    s_c.nak_type = "deadline.extended";
    s_start(M_NAK_TYPE, &opts, 1);
    s_put("deadline.extended", "REF-P", 1);
    s_put("case.opened", "REF-P", 1);
    s_put("case.opened", "REF-Q", 1);
    cr_assert_eq(s_wait_count("SELECT count(*) FROM intake.outbox_delivery"
                              " WHERE dead_at IS NOT NULL",
                              1, 15000),
                 1);
    cr_assert_eq(s_wait_count(Q_DELIVERED, 1, 10000), 1);
    cr_assert_eq(s_count("SELECT count(*) FROM public.effects WHERE complaint_ref = 'REF-Q'"), 1);
    /* REF-P's second event is never sent while the first is dead. */
    RUN_UNTIL(0, 200);
    cr_assert_eq(s_count("SELECT attempts FROM intake.outbox_delivery d JOIN intake.outbox o"
                         " USING (seq) WHERE o.type = 'case.opened' AND o.complaint_ref = 'REF-P'"),
                 0);
    cr_assert_eq(s_count("SELECT count(*) FROM public.effects WHERE complaint_ref = 'REF-P'"), 0);
}

Test(bus, absent_consumer_leaves_events_pending_then_gets_them_once_bound)
{
    cd_outbox_opts_t opts = {.poll_ms = 20, .retry_base_ms = 20, .max_naks = 2};
    s_start(M_APPLY, &opts, 0);
    for (int i = 0; i < 5; i++) {
        char ref[16];
        snprintf(ref, sizeof ref, "REF-%d", i);
        s_put("case.opened", ref, 1);
    }
    /* Tried more often than max_naks, and still only pending: absence is not rejection. */
    cr_assert_eq(
        s_wait_count("SELECT count(*) FROM intake.outbox_delivery WHERE attempts >= 4", 5, 15000),
        5, "the dispatcher stopped trying");
    cr_assert_eq(s_count("SELECT count(*) FROM intake.outbox_delivery WHERE delivered_at IS NULL"
                         " AND dead_at IS NULL AND naks = 0"),
                 5);
    cr_assert_eq(s_c.arrivals, 0);

    cr_assert_eq(cd_inbox_bind(s_in, s_endpoint), 0);
    cr_assert_eq(s_wait_count(Q_DELIVERED, 5, 15000), 5);
    cr_assert_eq(s_count("SELECT count(*) FROM intake.outbox_delivery WHERE dead_at IS NOT NULL"),
                 0);
    /* Copies queued while it was away arrive too: each applied once only. */
    cr_assert_eq(s_count(Q_INBOX), 5);
    cr_assert_eq(s_count(Q_EFFECTS), 5);
    cr_assert_eq(s_count(Q_EFFECTS_DISTINCT), 5);
    cr_assert_eq(cd_inbox_applied(s_in), 5);
}

Test(bus, deferred_event_stays_pending_and_arrives_again)
{
    cd_outbox_opts_t opts = {.poll_ms = 20, .retry_base_ms = 20, .max_naks = 1};
    s_start(M_DEFER_FIRST, &opts, 1);
    s_put("case.opened", "REF-D", 1);
    cr_assert_eq(s_wait_count(Q_DELIVERED, 1, 10000), 1);
    cr_assert_eq(s_c.nseen, 1);
    cr_assert_geq(s_c.hits[0], 2, "the event did not come back after the defer");
    cr_assert_eq(s_c.pending_at_second, 1, "the deferred delivery was not left pending");
    /* A defer is not a NAK: with max_naks 1, one NAK would have killed it. */
    cr_assert_eq(s_count("SELECT naks FROM intake.outbox_delivery"), 0);
    cr_assert_eq(s_count("SELECT count(*) FROM intake.outbox_delivery WHERE dead_at IS NOT NULL"),
                 0);
    cr_assert_eq(s_count(Q_EFFECTS), 1);
}

/* ---------------------------------------------------------------- one complaint at a time */

static int s_raw_acks;

static void s_on_raw_reply(cd_zsock_t *sock, const cd_frame_t *f, int n, void *arg)
{
    (void)sock;
    (void)arg;
    if (n >= 2 && f[0].size == 3 && memcmp(f[0].data, "ACK", 3) == 0)
        s_raw_acks++;
}

/* Send event id as a producer would (a DEALER: "EVT" | Envelope). */
static void s_raw_send(cd_zsock_t *dealer, const char *producer, const char *ref, const char *id)
{
    Candour__V1__CaseOpened p = CANDOUR__V1__CASE_OPENED__INIT;
    p.case_id = "case-raw";
    size_t len = 0;
    uint8_t *buf =
        h_event_pack("contribution.received", producer, ref, id, "cause-1", &p.base, &len);
    cd_frame_t frames[2] = {{"EVT", 3}, {buf, len}};
    cr_assert_eq(cd_zsock_send(dealer, frames, 2), 0);
    free(buf);
}

/* A new event, its id in id_out. */
static void s_raw_event(cd_zsock_t *dealer, const char *producer, const char *ref, char *id_out)
{
    cr_assert_eq(cd_uuid(id_out), 0);
    s_raw_send(dealer, producer, ref, id_out);
}

/* Two producers (as intake and notify would) send events about complaint X
 * while the first is still being applied: the second waits for the first to
 * be answered, in arrival order; events about other complaints (or none) do
 * not wait. */
Test(bus, events_about_one_complaint_are_applied_one_at_a_time)
{
    s_start(M_HOLD, NULL, 1);
    cd_zsock_t *dealer = cd_zsock_new(&s_loop, ZMQ_DEALER, s_on_raw_reply, NULL);
    cr_assert(dealer);
    cr_assert_eq(cd_zsock_connect(dealer, s_endpoint), 0);
    cr_assert_eq(cd_zsock_start(dealer), 0);
    char a[CD_UUID_LEN + 1], b[CD_UUID_LEN + 1], c[CD_UUID_LEN + 1], d[CD_UUID_LEN + 1],
        e[CD_UUID_LEN + 1];
    s_raw_event(dealer, "intake", "REF-X", a);
    s_raw_event(dealer, "notify", "REF-X", b);
    s_raw_event(dealer, "investigation", "REF-X", c);
    s_raw_event(dealer, "notify", "REF-Y", d);
    s_raw_event(dealer, "notify", "", e);
    s_raw_send(dealer, "intake", "REF-X", a); /* a resend of a, in hand: dropped */
    RUN_UNTIL(s_c.nheld >= 3, 10000);
    /* Give b and c every chance to be handed over too early. */
    RUN_UNTIL(s_c.nheld > 3, 300);
    cr_assert_eq(s_c.nheld, 3, "an event waited for nothing, or jumped the queue");
    cr_assert_str_eq(s_c.held_id[0], a);
    cr_assert_str_eq(s_c.held_id[1], d);
    cr_assert_str_eq(s_c.held_id[2], e);

    cd_inbox_ack(s_in, s_c.held[0]); /* a answered: b, and only b, starts */
    s_c.held[0] = NULL;
    RUN_UNTIL(s_c.nheld >= 4, 10000);
    RUN_UNTIL(s_c.nheld > 4, 300);
    cr_assert_eq(s_c.nheld, 4);
    cr_assert_str_eq(s_c.held_id[3], b);

    cd_inbox_nak(s_in, s_c.held[3], CD_CODE_APPLY_FAILED, "b refused"); /* any answer frees X */
    s_c.held[3] = NULL;
    RUN_UNTIL(s_c.nheld >= 5, 10000);
    cr_assert_eq(s_c.nheld, 5);
    cr_assert_str_eq(s_c.held_id[4], c);
    for (int i = 1; i < 5; i++)
        if (s_c.held[i] && i != 3)
            cd_inbox_ack(s_in, s_c.held[i]);
    s_c.nheld = 0;
    RUN_UNTIL(s_raw_acks >= 4, 10000);
    RUN_UNTIL(s_raw_acks > 4, 300);
    cr_assert_eq(s_raw_acks, 4, "a (once), c, d and e are acknowledged (b was refused)");
    cr_assert_eq(cd_inbox_duplicates(s_in), 1, "the resend of a was not counted as one");
    cd_zsock_destroy(&dealer);
}

/* A service stopping destroys its inbox while handlers still hold events
 * (their reads or writes in flight): answering them afterwards must touch
 * only memory still there, and the answers go nowhere (the producer resends). */
Test(bus, an_inbox_destroyed_with_events_in_hand_outlives_their_answers)
{
    s_start(M_HOLD, NULL, 1);
    cd_zsock_t *dealer = cd_zsock_new(&s_loop, ZMQ_DEALER, s_on_raw_reply, NULL);
    cr_assert(dealer);
    cr_assert_eq(cd_zsock_connect(dealer, s_endpoint), 0);
    cr_assert_eq(cd_zsock_start(dealer), 0);
    char a[CD_UUID_LEN + 1], b[CD_UUID_LEN + 1], c[CD_UUID_LEN + 1];
    s_raw_event(dealer, "intake", "REF-X", a);
    s_raw_event(dealer, "notify", "", b);
    s_raw_event(dealer, "intake", "REF-Y", c);
    RUN_UNTIL(s_c.nheld >= 3, 10000);
    cr_assert_eq(s_c.nheld, 3);
    cd_inbox_t *in = s_in; /* what a handler holds, as services do */
    cd_inbox_destroy(&s_in);
    cr_assert_null(s_in);
    cd_inbox_ack(in, s_c.held[0]);
    cd_inbox_nak(in, s_c.held[1], CD_CODE_APPLY_FAILED, "after the end");
    /* The last in flight is a commit: its callback finishes after the inbox
     * was destroyed, and frees it. */
    cd_tx_t *tx = cd_inbox_tx(in, s_c.held[2]);
    cd_inbox_commit(in, s_c.held[2], tx, NULL, NULL);
    s_c.nheld = 0;
    RUN_UNTIL(s_count(Q_INBOX) == 1, 10000);
    cr_assert_eq(s_count(Q_INBOX), 1, "the last event's commit did not finish");
    RUN_UNTIL(0, 300);
    cr_assert_eq(s_raw_acks, 0, "an answer left after the inbox was destroyed");
    cd_zsock_destroy(&dealer);
}

/* ---------------------------------------------------------------- many events in one statement */

static const char *const s_two_subs[] = {"routing", "notify", NULL};

/* n CaseOpened events ("case-many-<i>") about refs[i], to subs. */
static void s_many_events(cd_event_out_t *evs, Candour__V1__CaseOpened *p, char (*ids)[32],
                          const char *const *refs, int n, const char *const *subs)
{
    for (int i = 0; i < n; i++) {
        snprintf(ids[i], sizeof ids[i], "case-many-%d", i);
        candour__v1__case_opened__init(&p[i]);
        p[i].case_id = ids[i];
        evs[i] = (cd_event_out_t){.type = "complaint.routed",
                                  .complaint_ref = refs[i],
                                  .causation_id = "cause-1",
                                  .payload = &p[i].base,
                                  .subscribers = subs};
    }
}

static void s_commit(cd_tx_t *tx)
{
    int done = 0;
    cd_db_submit(s_pdb, tx, s_on_commit, &done);
    RUN_UNTIL(done, 10000);
    cr_assert_eq(done, 1, "the put transaction did not commit");
    cd_outbox_kick(s_ob);
}

Test(bus, put_many_puts_n_events_in_one_statement_in_order_and_each_arrives_once)
{
    s_start(M_APPLY, NULL, 1);
    /* Text that would break a hand-built literal: quotes, backslashes,
     * braces, commas, non-ASCII, and nothing at all. */
    const char *refs[] = {"REF-\"q\"", "REF-\\b", "REF-{a,b}", "", "REF-\xc3\xa9", "REF-'s"};
    enum { N = sizeof refs / sizeof refs[0] };
    cd_event_out_t evs[N];
    Candour__V1__CaseOpened p[N];
    char ids[N][32];
    s_many_events(evs, p, ids, refs, N, NULL);
    static const char *const subs[] = {"routing", NULL};
    for (int i = 0; i < N; i++)
        evs[i].subscribers = subs;
    evs[2].correlation_id = "00000000-0000-4000-8000-00000000c0de";
    cd_tx_t *tx = cd_tx_new();
    cr_assert_eq(cd_outbox_put_many(s_ob, tx, evs, N, NULL, NULL), 0);
    cr_assert_eq(cd_tx_count(tx), 1, "put_many must add one statement");
    s_commit(tx);

    cr_assert_eq(s_wait_count(Q_DELIVERED, N, 15000), N);
    cr_assert_eq(s_count("SELECT count(*) FROM intake.outbox_delivery"), N);
    cr_assert_eq(s_count(Q_EFFECTS_DISTINCT), N);
    cr_assert_eq(s_c.nseen, N);
    cr_assert_eq(s_c.bad_envelope, 0, "an envelope lost a field on the way");
    /* Stored as given, in array order (seq), each with its own ids. */
    for (int i = 0; i < N; i++) {
        char rank[16];
        snprintf(rank, sizeof rank, "%d", i + 1);
        const char *q[2] = {rank, refs[i]};
        cr_assert_eq(h_count(s_h,
                             "SELECT count(*) FROM (SELECT complaint_ref, row_number() OVER"
                             " (ORDER BY seq) AS k FROM intake.outbox) o"
                             " WHERE o.k = $1::int AND o.complaint_ref = $2",
                             2, q),
                     1, "event %d is not %s in place %d", i, refs[i], i + 1);
    }
    cr_assert_eq(s_count("SELECT count(DISTINCT event_id) FROM intake.outbox"), N);
    cr_assert_eq(s_count("SELECT count(DISTINCT correlation_id) FROM intake.outbox"), N);
    cr_assert_eq(s_count("SELECT count(*) FROM intake.outbox"
                         " WHERE correlation_id = '00000000-0000-4000-8000-00000000c0de'"),
                 1);
    /* The consumer's effects carry the refs as the envelopes gave them. */
    for (int i = 0; i < N; i++) {
        const char *q[1] = {refs[i]};
        cr_assert_eq(
            h_count(s_h, "SELECT count(*) FROM public.effects WHERE complaint_ref = $1", 1, q), 1,
            "%s did not arrive as itself", refs[i]);
    }
}

Test(bus, put_many_makes_the_same_rows_as_put)
{
    s_start(M_APPLY, NULL, 0); /* nothing is sent: the rows are compared as put */
    const char *refs[] = {"REF-SAME", "REF-SAME-2"};
    cd_event_out_t evs[2];
    Candour__V1__CaseOpened p[2];
    char ids[2][32];
    s_many_events(evs, p, ids, refs, 2, s_two_subs);
    evs[0].correlation_id = "corr-same";
    evs[1].causation_id = NULL; /* absent: "" as put makes it */
    evs[1].correlation_id = "corr-same-2";
    cd_tx_t *tx = cd_tx_new();
    cr_assert_eq(cd_outbox_put(s_ob, tx, &evs[0], NULL, NULL), 0);
    cr_assert_eq(cd_outbox_put(s_ob, tx, &evs[1], NULL, NULL), 0);
    cr_assert_eq(cd_outbox_put_many(s_ob, tx, evs, 2, NULL, NULL), 0);
    s_commit(tx);
    /* Pairs equal in all but event_id, seq and time; their deliveries too. */
    cr_assert_eq(s_count("SELECT count(*) FROM intake.outbox"), 4);
    cr_assert_eq(
        s_count("SELECT count(*) FROM (SELECT DISTINCT type, complaint_ref, correlation_id,"
                " causation_id, schema_version, payload FROM intake.outbox) d"),
        2);
    cr_assert_eq(s_count("SELECT count(*) FROM intake.outbox WHERE complaint_ref = 'REF-SAME-2'"
                         " AND causation_id = ''"),
                 2);
    cr_assert_eq(s_count("SELECT count(*) FROM intake.outbox o WHERE (SELECT array_agg(d.subscriber"
                         " ORDER BY d.subscriber) FROM intake.outbox_delivery d WHERE d.seq = o.seq"
                         " AND d.event_id = o.event_id AND d.complaint_ref = o.complaint_ref)"
                         " = '{notify,routing}'"),
                 4);
    cr_assert_eq(s_count("SELECT count(*) FROM intake.outbox_delivery"), 8);
}

Test(bus, put_many_puts_only_the_events_whose_guard_holds)
{
    s_start(M_APPLY, NULL, 1);
    const char *refs[] = {"REF-G1", "REF-G2", "REF-G3", "REF-G4", "REF-G5"};
    enum { N = sizeof refs / sizeof refs[0] };
    cd_event_out_t evs[N];
    Candour__V1__CaseOpened p[N];
    char ids[N][32];
    s_many_events(evs, p, ids, refs, N, NULL);
    static const char *const subs[] = {"routing", NULL};
    for (int i = 0; i < N; i++)
        evs[i].subscribers = subs;
    /* The guard sees the transaction's earlier statements, once per event,
     * with $G as often as it likes. */
    const char *guards[N] = {"MARK", "NO-MARK", NULL, "MARK-2", "it's \"quoted\""};
    cd_tx_t *tx = cd_tx_new();
    cr_assert_eq(cd_tx_add(tx,
                           "INSERT INTO public.effects (event_id, complaint_ref, seq) VALUES"
                           " (gen_random_uuid(), 'MARK', 0), (gen_random_uuid(), 'MARK-2', 0),"
                           " (gen_random_uuid(), 'it''s \"quoted\"', 0)",
                           0, NULL),
                 0);
    cr_assert_eq(cd_outbox_put_many(s_ob, tx, evs, N,
                                    "EXISTS (SELECT 1 FROM public.effects f WHERE"
                                    " f.complaint_ref = $G AND $G IS NOT NULL)",
                                    guards),
                 0);
    cr_assert_eq(cd_outbox_put_many(s_ob, tx, NULL, 0, NULL, NULL), 0); /* puts nothing */
    cr_assert_eq(cd_tx_count(tx), 3);
    s_commit(tx);
    h_exec(s_h, "DELETE FROM public.effects");

    cr_assert_eq(s_count("SELECT count(*) FROM intake.outbox"), 3);
    cr_assert_eq(s_count("SELECT count(*) FROM intake.outbox WHERE complaint_ref IN"
                         " ('REF-G1', 'REF-G4', 'REF-G5')"),
                 3);
    cr_assert_eq(s_count("SELECT count(*) FROM intake.outbox_delivery"), 3);
    cr_assert_eq(s_wait_count(Q_DELIVERED, 3, 10000), 3);
    cr_assert_eq(s_c.nseen, 3, "an event whose guard was false reached the consumer");
}

static void s_on_result_err(const cd_tx_result_t *res, void *arg)
{
    *(int *)arg = res->err ? res->err : -1;
}

/* Text that cannot go into the JSON document (not UTF-8) fails the put with
 * CD_EINVAL, and the transaction with CD_EINVAL too: a consumer NAKs that
 * (it will not pass by being tried again) rather than stay silent. */
Test(bus, put_many_of_text_that_is_not_utf8_fails_the_transaction_as_invalid)
{
    s_start(M_APPLY, NULL, 1);
    static const char *const subs[] = {"routing", NULL};
    const char *refs[] = {"REF-OK", "REF-\xff\xfe"};
    cd_event_out_t evs[2];
    Candour__V1__CaseOpened p[2];
    char ids[2][32];
    s_many_events(evs, p, ids, refs, 2, subs);
    cd_tx_t *tx = cd_tx_new();
    cr_assert_eq(cd_outbox_put_many(s_ob, tx, evs, 2, NULL, NULL), CD_EINVAL);
    int err = 0;
    cd_db_submit(s_pdb, tx, s_on_result_err, &err);
    RUN_UNTIL(err != 0, 10000);
    cr_assert_eq(err, CD_EINVAL);
    cr_assert_eq(s_count("SELECT count(*) FROM intake.outbox"), 0, "half a put was kept");
}

/* A consumer whose transaction cannot be built from the event's data NAKs
 * it (counted towards dead-lettering), instead of staying silent and having
 * it resent for ever. */
Test(bus, an_event_that_cannot_be_applied_from_its_data_is_nakked)
{
    cd_outbox_opts_t opts = {.poll_ms = 20, .retry_base_ms = 20, .max_naks = 2};
    s_start(M_INVALID, &opts, 1);
    s_put("deadline.due_soon", "REF-INV", 1);
    cr_assert_eq(
        s_wait_count("SELECT count(*) FROM intake.outbox_delivery WHERE dead_at IS NOT NULL", 1,
                     10000),
        1, "the event was not dead-lettered after its NAKs");
    cr_assert_eq(s_count("SELECT naks FROM intake.outbox_delivery"), 2);
    cr_assert_eq(s_count(Q_INBOX), 0, "nothing of it was applied");
}

/* A deadlock (or another failure of the moment) is not the event's fault: it
 * is deferred, comes again and is applied, and no NAK is counted for it (one
 * would have dead-lettered it here, with max_naks 1). */
Test(bus, an_event_that_meets_a_deadlock_is_deferred_not_refused)
{
    cd_outbox_opts_t opts = {.poll_ms = 20, .retry_base_ms = 20, .max_naks = 1};
    s_start(M_DEADLOCK_FIRST, &opts, 1);
    s_put("case.opened", "REF-DL", 1);
    cr_assert_eq(s_wait_count(Q_DELIVERED, 1, 10000), 1);
    cr_assert_geq(s_c.hits[0], 2, "the event did not come back after the deadlock");
    cr_assert_eq(s_count("SELECT naks FROM intake.outbox_delivery"), 0);
    cr_assert_eq(s_count("SELECT count(*) FROM intake.outbox_delivery WHERE dead_at IS NOT NULL"),
                 0);
    cr_assert_eq(s_count(Q_EFFECTS), 1);
}
