/* test_db.c - cd_db against a real PostgreSQL: transactions, failures, outages.
 *
 * Each test gets a fresh migrated database (harness h_new) and its own uv
 * loop, and connects with cd_db as the admin URL. The loop is turned in
 * bounded steps until a condition holds; deadlines only bound a failure.
 * A second, blocking connection (h_db) plays "another client": it checks
 * what was committed and kills the cd_db's backend to simulate an outage. */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/db.h"
#include "candour/error.h"
#include "harness.h"

/* ---------------------------------------------------------------- fixture */

static uv_loop_t s_loop;
static uv_timer_t s_tick; /* keeps UV_RUN_ONCE from blocking longer than a tick */
static h_t *s_h;
static cd_db_t *s_db;

typedef struct {
    int ups, downs; /* transitions reported to on_state */
    int ready;      /* the last state reported */
} s_state_t;

static s_state_t s_st;

static void s_noop(uv_timer_t *t)
{
    (void)t;
}

static void s_on_state(cd_db_t *db, int ready, void *arg)
{
    (void)db;
    s_state_t *st = arg;
    st->ready = ready;
    if (ready)
        st->ups++;
    else
        st->downs++;
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

static void s_setup(void)
{
    s_h = h_new("db");
    cr_assert_eq(uv_loop_init(&s_loop), 0);
    uv_timer_init(&s_loop, &s_tick);
    uv_timer_start(&s_tick, s_noop, 5, 5);
    h_exec(s_h, "CREATE TABLE public.t (id int PRIMARY KEY, note text, b bytea)");
    memset(&s_st, 0, sizeof s_st);
    s_db = cd_db_new(&s_loop, h_db_url(s_h), NULL, s_on_state, &s_st);
    cr_assert(s_db);
    RUN_UNTIL(cd_db_ready(s_db), 10000);
    cr_assert(cd_db_ready(s_db), "cd_db never became ready");
}

static void s_teardown(void)
{
    cd_db_destroy(&s_db);
    uv_close((uv_handle_t *)&s_tick, NULL);
    for (int i = 0; i < 100 && uv_run(&s_loop, UV_RUN_NOWAIT); i++)
        ;
    cr_expect_eq(uv_loop_close(&s_loop), 0, "handles left open on the loop");
    if (s_h)
        h_destroy(&s_h);
}

TestSuite(db, .init = s_setup, .fini = s_teardown, .timeout = 30);

/* ---------------------------------------------------------------- results */

/* What a transaction's callback saw, copied out (the result is valid only
 * during the callback). */
typedef struct {
    int done; /* times the callback ran */
    int err;
    int failed_stmt;
    char sqlstate[8];
    char message[256];
    int nresults;
    int status[8];     /* PQresultStatus per statement, -1 for NULL */
    char value[8][64]; /* first column of the first row per statement */
    int ntuples[8];
    unsigned char *bytes; /* the bytea of statement 0, decoded */
    size_t nbytes;
    int *order; /* FIFO test: where to write the completion index */
    int *norder;
    int index;
} s_res_t;

static void s_on_tx(const cd_tx_result_t *res, void *arg)
{
    s_res_t *r = arg;
    r->done++;
    r->err = res->err;
    r->failed_stmt = res->failed_stmt;
    cr_assert(res->sqlstate && res->message, "sqlstate and message are never NULL");
    snprintf(r->sqlstate, sizeof r->sqlstate, "%s", res->sqlstate);
    snprintf(r->message, sizeof r->message, "%s", res->message);
    r->nresults = res->nresults;
    for (int i = 0; i < res->nresults && i < 8; i++) {
        PGresult *p = res->results ? res->results[i] : NULL;
        r->status[i] = p ? (int)PQresultStatus(p) : -1;
        r->ntuples[i] = p ? PQntuples(p) : 0;
        if (p && PQntuples(p) > 0 && PQnfields(p) > 0)
            snprintf(r->value[i], sizeof r->value[i], "%s", PQgetvalue(p, 0, 0));
    }
    if (r->order)
        r->order[(*r->norder)++] = r->index;
}

static void s_wait(s_res_t *r)
{
    RUN_UNTIL(r->done, 10000);
    cr_assert_eq(r->done, 1, "the transaction's callback ran %d times", r->done);
}

static long s_count(const char *sql)
{
    return h_count(s_h, sql, 0, NULL);
}

static void s_insert(cd_tx_t *tx, int id, const char *note)
{
    char ids[16];
    snprintf(ids, sizeof ids, "%d", id);
    const char *v[2] = {ids, note};
    cr_assert_eq(cd_tx_add(tx, "INSERT INTO public.t (id, note) VALUES ($1::int, $2)", 2, v), 0);
}

/* The backend pid of the cd_db's own connection. */
static int s_backend_pid(void)
{
    s_res_t r = {0};
    cd_db_query(s_db, "SELECT pg_backend_pid()", 0, NULL, s_on_tx, &r);
    s_wait(&r);
    cr_assert_eq(r.err, 0, "%s", r.message);
    return atoi(r.value[0]);
}

/* ---------------------------------------------------------------- tests */

Test(db, connects_as_the_admin_url_and_reports_ready)
{
    cr_assert(cd_db_ready(s_db));
    cr_assert_eq(s_st.ups, 1, "on_state should report ready once, got %d", s_st.ups);
    cr_assert_eq(s_st.downs, 0);
    cr_assert_eq(cd_db_pending(s_db), 0);
    s_res_t r = {0};
    cd_db_query(s_db, "SELECT current_database()", 0, NULL, s_on_tx, &r);
    s_wait(&r);
    cr_assert_eq(r.err, 0);
    cr_assert_str_neq(r.value[0], "postgres");
}

Test(db, multi_statement_tx_commits_all_and_is_visible_to_other_connections)
{
    cd_tx_t *tx = cd_tx_new();
    s_insert(tx, 1, "one");
    s_insert(tx, 2, "two");
    cr_assert_eq(cd_tx_add(tx, "UPDATE public.t SET note = note || '!' WHERE id = 1", 0, NULL), 0);
    cr_assert_eq(cd_tx_count(tx), 3);
    s_res_t r = {0};
    cd_db_submit(s_db, tx, s_on_tx, &r);
    cr_assert_eq(cd_db_pending(s_db), 1);
    s_wait(&r);
    cr_assert_eq(r.err, 0, "%s", r.message);
    cr_assert_eq(r.failed_stmt, -1);
    cr_assert_str_empty(r.sqlstate);
    cr_assert_str_empty(r.message);
    cr_assert_eq(r.nresults, 3);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(r.status[i], PGRES_COMMAND_OK, "statement %d", i);
    cr_assert_eq(cd_db_pending(s_db), 0);
    /* Committed by the time the callback ran: another connection sees it. */
    cr_assert_eq(s_count("SELECT count(*) FROM public.t"), 2);
    char *note = h_scalar(s_h, "SELECT note FROM public.t WHERE id = 1", 0, NULL);
    cr_assert_str_eq(note, "one!");
    free(note);
}

Test(db, failing_statement_rolls_back_the_whole_tx_with_edb_index_and_sqlstate)
{
    cd_tx_t *tx = cd_tx_new();
    s_insert(tx, 1, "a");
    s_insert(tx, 2, "b");
    s_insert(tx, 1, "duplicate"); /* unique violation */
    s_insert(tx, 3, "never");
    s_res_t r = {0};
    cd_db_submit(s_db, tx, s_on_tx, &r);
    s_wait(&r);
    cr_assert_eq(r.err, CD_EDB);
    cr_assert_eq(r.failed_stmt, 2);
    cr_assert_str_eq(r.sqlstate, "23505");
    cr_assert_str_neq(r.message, "");
    cr_assert_eq(r.nresults, 4);
    cr_assert_eq(r.status[0], PGRES_COMMAND_OK);
    cr_assert_eq(r.status[1], PGRES_COMMAND_OK);
    cr_assert_eq(r.status[2], PGRES_FATAL_ERROR);
    cr_assert_eq(r.status[3], -1, "db.h: results are NULL past a failure (got status %d)",
                 r.status[3]);
    cr_assert_eq(s_count("SELECT count(*) FROM public.t"), 0, "the failed tx left rows behind");

    /* The connection is usable again at once (the pipeline left its aborted state). */
    cd_tx_t *tx2 = cd_tx_new();
    s_insert(tx2, 1, "after");
    s_res_t r2 = {0};
    cd_db_submit(s_db, tx2, s_on_tx, &r2);
    s_wait(&r2);
    cr_assert_eq(r2.err, 0, "%s", r2.message);
    cr_assert_eq(s_count("SELECT count(*) FROM public.t"), 1);
}

Test(db, failure_in_the_first_statement_reports_index_zero)
{
    cd_tx_t *tx = cd_tx_new();
    cr_assert_eq(cd_tx_add(tx, "SELECT public.expect(false, 'no such thing')", 0, NULL), 0);
    s_insert(tx, 1, "never");
    s_res_t r = {0};
    cd_db_submit(s_db, tx, s_on_tx, &r);
    s_wait(&r);
    /* expect() lives in each service schema; public has none: 42883. */
    cr_assert_eq(r.err, CD_EDB);
    cr_assert_eq(r.failed_stmt, 0);
    cr_assert_str_eq(r.sqlstate, "42883");

    cd_tx_t *tx2 = cd_tx_new();
    s_insert(tx2, 1, "a");
    cr_assert_eq(cd_tx_add(tx2, "SELECT intake.expect(false, 'guard failed')", 0, NULL), 0);
    s_res_t r2 = {0};
    cd_db_submit(s_db, tx2, s_on_tx, &r2);
    s_wait(&r2);
    cr_assert_eq(r2.err, CD_EDB);
    cr_assert_eq(r2.failed_stmt, 1);
    cr_assert_str_eq(r2.sqlstate, "P0002");
    cr_assert(strstr(r2.message, "guard failed"), "message was: %s", r2.message);
    cr_assert_eq(s_count("SELECT count(*) FROM public.t"), 0);
}

Test(db, select_results_are_returned_per_statement)
{
    cd_tx_t *tx = cd_tx_new();
    const char *v[1] = {"hello"};
    cr_assert_eq(cd_tx_add(tx, "SELECT 41 + 1", 0, NULL), 0);
    cr_assert_eq(cd_tx_add(tx, "SELECT $1::text || ' world'", 1, v), 0);
    cr_assert_eq(cd_tx_add(tx, "SELECT g FROM generate_series(7, 11) AS g", 0, NULL), 0);
    cr_assert_eq(
        cd_tx_add(tx, "INSERT INTO public.t (id, note) VALUES (5, 'x') RETURNING id * 2", 0, NULL),
        0);
    cr_assert_eq(cd_tx_add(tx, "SELECT count(*) FROM public.t", 0, NULL), 0);
    const char *nul[1] = {NULL};
    cr_assert_eq(cd_tx_add(tx, "SELECT $1::text IS NULL", 1, nul), 0);
    s_res_t r = {0};
    cd_db_submit(s_db, tx, s_on_tx, &r);
    s_wait(&r);
    cr_assert_eq(r.err, 0, "%s", r.message);
    cr_assert_eq(r.nresults, 6);
    for (int i = 0; i < 6; i++)
        cr_assert_eq(r.status[i], PGRES_TUPLES_OK, "statement %d", i);
    cr_assert_str_eq(r.value[0], "42");
    cr_assert_str_eq(r.value[1], "hello world");
    cr_assert_eq(r.ntuples[2], 5);
    cr_assert_str_eq(r.value[2], "7");
    cr_assert_str_eq(r.value[3], "10");
    cr_assert_str_eq(r.value[4], "1", "a later statement sees an earlier one's write");
    cr_assert_str_eq(r.value[5], "t", "a NULL value is SQL NULL");
}

Test(db, poisoned_or_null_tx_fails_with_enomem_and_nothing_runs)
{
    cd_tx_t *tx = cd_tx_new();
    s_insert(tx, 1, "should not run");
    cd_tx_poison(tx);
    s_res_t r = {0};
    cd_db_submit(s_db, tx, s_on_tx, &r);
    /* Failed at once, not queued. */
    cr_assert_eq(r.done, 1);
    cr_assert_eq(r.err, CD_ENOMEM);
    cr_assert_eq(cd_db_pending(s_db), 0);

    s_res_t rn = {0};
    cd_db_submit(s_db, NULL, s_on_tx, &rn);
    cr_assert_eq(rn.done, 1);
    cr_assert_eq(rn.err, CD_ENOMEM);
    cr_assert_eq(rn.failed_stmt, -1);

    /* The add functions accept NULL (a failed cd_tx_new) and say so. */
    cr_assert_eq(cd_tx_add(NULL, "SELECT 1", 0, NULL), CD_ENOMEM);
    cd_tx_poison(NULL);

    /* Let the loop run: nothing reaches the server. */
    s_res_t probe = {0};
    cd_db_query(s_db, "SELECT 1", 0, NULL, s_on_tx, &probe);
    s_wait(&probe);
    cr_assert_eq(s_count("SELECT count(*) FROM public.t"), 0);
}

Test(db, transactions_queued_back_to_back_complete_in_fifo_order)
{
    enum { N = 60 };
    static s_res_t r[N];
    int order[N], norder = 0;
    memset(r, 0, sizeof r);
    for (int i = 0; i < N; i++) {
        cd_tx_t *tx = cd_tx_new();
        /* Odd ones fail, to check a failure does not disturb the queue. */
        s_insert(tx, i % 2 ? 0 : i + 1, "x");
        if (i % 2)
            s_insert(tx, 0, "dup");
        r[i].order = order;
        r[i].norder = &norder;
        r[i].index = i;
        cd_db_submit(s_db, tx, s_on_tx, &r[i]);
    }
    cr_assert_eq(cd_db_pending(s_db), N);
    RUN_UNTIL(norder == N, 15000);
    cr_assert_eq(norder, N, "only %d of %d transactions completed", norder, N);
    for (int i = 0; i < N; i++) {
        cr_assert_eq(order[i], i, "completion %d was transaction %d", i, order[i]);
        cr_assert_eq(r[i].done, 1);
        cr_assert_eq(r[i].err, i % 2 ? CD_EDB : 0, "tx %d: %s", i, r[i].message);
    }
    cr_assert_eq(cd_db_pending(s_db), 0);
    cr_assert_eq(s_count("SELECT count(*) FROM public.t"), N / 2);
}

Test(db, killed_backend_fails_inflight_and_queued_with_eio_then_reconnects)
{
    int pid = s_backend_pid();
    cr_assert_gt(pid, 0);

    /* One running (it would sleep for long), two queued behind it. */
    s_res_t running = {0}, queued1 = {0}, queued2 = {0};
    cd_db_query(s_db, "SELECT pg_sleep(60)", 0, NULL, s_on_tx, &running);
    cd_tx_t *tx = cd_tx_new();
    s_insert(tx, 1, "queued");
    cd_db_submit(s_db, tx, s_on_tx, &queued1);
    cd_db_query(s_db, "SELECT 1", 0, NULL, s_on_tx, &queued2);
    cr_assert_eq(cd_db_pending(s_db), 3);

    char pids[16];
    snprintf(pids, sizeof pids, "%d", pid);
    const char *p[1] = {pids};
    char *killed = h_scalar(s_h, "SELECT pg_terminate_backend($1::int)", 1, p);
    cr_assert_str_eq(killed, "t");
    free(killed);

    RUN_UNTIL(running.done && queued1.done && queued2.done, 10000);
    cr_assert(running.done && queued1.done && queued2.done, "not every tx was failed");
    cr_assert_eq(running.err, CD_EIO, "in-flight tx: %d %s", running.err, running.message);
    cr_assert_eq(queued1.err, CD_EIO);
    cr_assert_eq(queued2.err, CD_EIO);
    cr_assert_str_neq(queued2.message, "", "a lost connection should say why");
    cr_assert_eq(cd_db_pending(s_db), 0);
    cr_assert_geq(s_st.downs, 1, "on_state was not told of the outage");
    /* Reconnection waits for a backoff timer, so right after the failure it is down. */
    cr_assert_not(cd_db_ready(s_db));

    /* While down, a submit fails at once rather than queueing. */
    s_res_t early = {0};
    cd_db_query(s_db, "SELECT 1", 0, NULL, s_on_tx, &early);
    cr_assert_eq(early.done, 1);
    cr_assert_eq(early.err, CD_EIO);

    /* It comes back by itself. */
    RUN_UNTIL(cd_db_ready(s_db), 10000);
    cr_assert(cd_db_ready(s_db), "cd_db did not reconnect");
    cr_assert_eq(s_st.ups, 2);
    cr_assert_eq(s_st.ready, 1);
    int pid2 = s_backend_pid();
    cr_assert_neq(pid2, pid, "still the killed backend?");

    cd_tx_t *tx2 = cd_tx_new();
    s_insert(tx2, 2, "after");
    s_res_t after = {0};
    cd_db_submit(s_db, tx2, s_on_tx, &after);
    s_wait(&after);
    cr_assert_eq(after.err, 0, "%s", after.message);
    /* The queued insert was never applied; the new one was. */
    cr_assert_eq(s_count("SELECT count(*) FROM public.t WHERE id = 1"), 0);
    cr_assert_eq(s_count("SELECT count(*) FROM public.t WHERE id = 2"), 1);
}

Test(db, killed_idle_backend_is_noticed_and_replaced)
{
    int pid = s_backend_pid();
    char pids[16];
    snprintf(pids, sizeof pids, "%d", pid);
    const char *p[1] = {pids};
    char *killed = h_scalar(s_h, "SELECT pg_terminate_backend($1::int)", 1, p);
    cr_assert_str_eq(killed, "t");
    free(killed);
    /* Nothing was running: the loss is seen on the socket alone. */
    RUN_UNTIL(s_st.downs >= 1, 10000);
    cr_assert_eq(s_st.downs, 1, "the idle connection's loss was not noticed");
    RUN_UNTIL(cd_db_ready(s_db), 10000);
    cr_assert(cd_db_ready(s_db));
    cr_assert_neq(s_backend_pid(), pid);
}

Test(db, submit_while_not_connected_fails_at_once_with_eio)
{
    /* Nothing listens on port 1: the connection never comes up. */
    s_state_t st = {0};
    cd_db_t *dead =
        cd_db_new(&s_loop, "postgresql://candour@127.0.0.1:1/candour", NULL, s_on_state, &st);
    cr_assert(dead);
    cr_assert_not(cd_db_ready(dead));
    s_res_t r = {0};
    cd_tx_t *tx = cd_tx_new();
    s_insert(tx, 1, "x");
    cd_db_submit(dead, tx, s_on_tx, &r);
    cr_assert_eq(r.done, 1, "the submit was queued instead of failed at once");
    cr_assert_eq(r.err, CD_EIO);
    cr_assert_eq(cd_db_pending(dead), 0);
    /* Still not connected after a few reconnect attempts, and still failing fast. */
    RUN_UNTIL(0, 300);
    cr_assert_not(cd_db_ready(dead));
    cr_assert_eq(st.ups, 0);
    s_res_t r2 = {0};
    cd_db_query(dead, "SELECT 1", 0, NULL, s_on_tx, &r2);
    cr_assert_eq(r2.done, 1);
    cr_assert_eq(r2.err, CD_EIO);
    cd_db_destroy(&dead);
    cr_assert_null(dead);
    cd_db_destroy(&dead);
}

Test(db, destroy_fails_queued_transactions_with_eclosed)
{
    s_res_t a = {0}, b = {0};
    cd_db_query(s_db, "SELECT pg_sleep(60)", 0, NULL, s_on_tx, &a);
    cd_db_query(s_db, "SELECT 1", 0, NULL, s_on_tx, &b);
    cd_db_destroy(&s_db);
    cr_assert_null(s_db);
    cr_assert_eq(a.done, 1);
    cr_assert_eq(a.err, CD_ECLOSED);
    cr_assert_eq(b.done, 1);
    cr_assert_eq(b.err, CD_ECLOSED);
}

Test(db, binary_bytea_params_round_trip)
{
    unsigned char bytes[300];
    for (size_t i = 0; i < sizeof bytes; i++)
        bytes[i] = (unsigned char)(i * 37 + 11);
    bytes[0] = 0; /* embedded NULs must survive */
    bytes[150] = 0;
    const char *v[2] = {"9", (const char *)bytes};
    int lens[2] = {0, (int)sizeof bytes};
    int fmts[2] = {0, 1};
    cd_tx_t *tx = cd_tx_new();
    cr_assert_eq(cd_tx_addv(tx,
                            "INSERT INTO public.t (id, b) VALUES ($1::int, $2::bytea)"
                            " RETURNING b",
                            2, v, lens, fmts),
                 0);
    /* The copy is taken at add time: scribbling on the source changes nothing. */
    unsigned char saved = bytes[7];
    bytes[7] ^= 0xff;
    s_res_t r = {0};
    cd_db_submit(s_db, tx, s_on_tx, &r);
    s_wait(&r);
    bytes[7] = saved;
    cr_assert_eq(r.err, 0, "%s", r.message);
    cr_assert_eq(s_count("SELECT length(b) FROM public.t WHERE id = 9"), (long)sizeof bytes);

    /* Read it back (text format, hex) and decode. */
    s_res_t back = {0};
    cd_db_query(s_db, "SELECT b FROM public.t WHERE id = 9", 0, NULL, s_on_tx, &back);
    s_wait(&back);
    cr_assert_eq(back.err, 0);
    /* value[] is truncated to 63 chars; decode from the server instead. */
    char *hex = h_scalar(s_h, "SELECT b FROM public.t WHERE id = 9", 0, NULL);
    size_t n = 0;
    unsigned char *got = cd_db_unescape_bytea(hex, &n);
    free(hex);
    cr_assert(got);
    cr_assert_eq(n, sizeof bytes);
    cr_assert(memcmp(got, bytes, n) == 0, "the bytes changed on the round trip");
    free(got);

    /* And the server agrees byte for byte (md5 of what we sent). */
    char *md5 = h_scalar(s_h, "SELECT md5(b) FROM public.t WHERE id = 9", 0, NULL);
    const char *pv[1] = {(const char *)bytes};
    int pl[1] = {(int)sizeof bytes}, pf[1] = {1};
    PGresult *res = PQexecParams(h_db(s_h), "SELECT md5($1::bytea)", 1, NULL, pv, pl, pf, 0);
    cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK);
    cr_assert_str_eq(md5, PQgetvalue(res, 0, 0));
    PQclear(res);
    free(md5);

    /* An empty binary value is an empty bytea, not NULL. */
    const char *ev[1] = {""};
    int el[1] = {0}, ef[1] = {1};
    cd_tx_t *tx2 = cd_tx_new();
    cr_assert_eq(cd_tx_addv(tx2, "SELECT length($1::bytea)", 1, ev, el, ef), 0);
    s_res_t r2 = {0};
    cd_db_submit(s_db, tx2, s_on_tx, &r2);
    s_wait(&r2);
    cr_assert_eq(r2.err, 0, "%s", r2.message);
    cr_assert_str_eq(r2.value[0], "0");
}

Test(db, empty_transaction_commits)
{
    cd_tx_t *tx = cd_tx_new();
    cr_assert_eq(cd_tx_count(tx), 0);
    s_res_t r = {0};
    cd_db_submit(s_db, tx, s_on_tx, &r);
    s_wait(&r);
    cr_assert_eq(r.err, 0);
    cr_assert_eq(r.nresults, 0);
    /* And the connection is still in step afterwards. */
    s_res_t r2 = {0};
    cd_db_query(s_db, "SELECT 'still here'", 0, NULL, s_on_tx, &r2);
    s_wait(&r2);
    cr_assert_eq(r2.err, 0);
    cr_assert_str_eq(r2.value[0], "still here");
}

/* Group commit: transactions queued while one runs go out together under one
 * Sync, so they commit as one (they share a transaction id), and a failing
 * one neither takes the others down nor stops being reported. */
Test(db, transactions_queued_together_commit_together_and_a_failure_stays_alone)
{
    enum { N = 10 };
    static s_res_t r[N];
    memset(r, 0, sizeof r);
    for (int i = 0; i < N; i++) {
        cd_tx_t *tx = cd_tx_new();
        s_insert(tx, 1000 + i, "g");
        cd_tx_add(tx, "SELECT txid_current()::text", 0, NULL);
        cd_db_submit(s_db, tx, s_on_tx, &r[i]);
    }
    for (int i = 0; i < N; i++)
        s_wait(&r[i]);
    /* The first went alone (nothing was running); the other nine together. */
    for (int i = 2; i < N; i++)
        cr_assert_str_eq(r[i].value[1], r[1].value[1], "tx %d committed apart from tx 1", i);
    cr_assert_str_neq(r[0].value[1], r[1].value[1]);
    cr_assert_eq(s_count("SELECT count(*) FROM public.t WHERE note = 'g'"), N);

    /* Now one of a group fails: only it fails, the others commit. */
    static s_res_t f[5];
    memset(f, 0, sizeof f);
    for (int i = 0; i < 5; i++) {
        cd_tx_t *tx = cd_tx_new();
        s_insert(tx, i == 3 ? 1000 : 2000 + i, "h"); /* 1000 exists: unique violation */
        cd_db_submit(s_db, tx, s_on_tx, &f[i]);
    }
    for (int i = 0; i < 5; i++) {
        s_wait(&f[i]);
        cr_assert_eq(f[i].err, i == 3 ? CD_EDB : 0, "tx %d: %s", i, f[i].message);
    }
    cr_assert_str_eq(f[3].sqlstate, "23505");
    cr_assert_eq(s_count("SELECT count(*) FROM public.t WHERE note = 'h'"), 4);
}

/* Which one of a failed group fails: the one whose own statement failed, and
 * nothing else, whether it came first in its group, or later, or failed only
 * because an earlier member of the same group wrote the same key first (that
 * earlier one commits). The others commit together again, not one by one. */
Test(db, a_failed_group_fails_only_its_culprit_and_the_rest_regroup)
{
    enum { N = 8 };
    static s_res_t r[N];
    memset(r, 0, sizeof r);
    /* A first tx runs alone and keeps the connection busy while the rest queue. */
    cd_tx_t *first = cd_tx_new();
    s_insert(first, 3000, "k");
    cd_db_submit(s_db, first, s_on_tx, &r[0]);
    for (int i = 1; i < N; i++) {
        cd_tx_t *tx = cd_tx_new();
        int id = 3000 + i;
        if (i == 1)
            id = 3000; /* first of the group, fails on its own (3000 committed just before) */
        if (i == 5)
            id = 3004; /* written by tx 4, earlier in the same group */
        s_insert(tx, id, "k");
        cd_tx_add(tx, "SELECT txid_current()::text", 0, NULL);
        cd_db_submit(s_db, tx, s_on_tx, &r[i]);
    }
    for (int i = 0; i < N; i++)
        s_wait(&r[i]);
    for (int i = 0; i < N; i++)
        cr_assert_eq(r[i].err, i == 1 || i == 5 ? CD_EDB : 0, "tx %d: %s", i, r[i].message);
    cr_assert_str_eq(r[1].sqlstate, "23505");
    cr_assert_str_eq(r[5].sqlstate, "23505");
    cr_assert_eq(s_count("SELECT count(*) FROM public.t WHERE note = 'k'"), N - 2);
    /* 2, 3, 4 went again as one group after 1 failed; 6 and 7 after 5's rerun. */
    cr_assert_str_eq(r[2].value[1], r[3].value[1]);
    cr_assert_str_eq(r[3].value[1], r[4].value[1]);
    cr_assert_str_eq(r[6].value[1], r[7].value[1]);
}

/* ---------------------------------------------------------------- prepared statements */

/* Run one statement alone; its result in r. */
static void s_run(const char *sql, int n, const char *const *params, s_res_t *r)
{
    memset(r, 0, sizeof *r);
    cd_db_query(s_db, sql, n, params, s_on_tx, r);
    s_wait(r);
}

/* The name under which this connection has sql prepared, or "" if none. */
static void s_prepared_name(const char *sql, char *out, size_t len)
{
    s_res_t r;
    const char *p[1] = {sql};
    s_run("SELECT coalesce((SELECT name FROM pg_prepared_statements WHERE statement = $1), '')",
          1, p, &r);
    cr_assert_eq(r.err, 0, "%s", r.message);
    snprintf(out, len, "%s", r.value[0]);
}

#define S_Q "SELECT note FROM public.t WHERE id = $1::int"

Test(db, a_statement_is_prepared_once_per_connection_and_again_after_a_reconnect)
{
    h_exec(s_h, "INSERT INTO public.t (id, note) VALUES (1, 'one')");
    const char *p[1] = {"1"};
    s_res_t r;
    for (int i = 0; i < 3; i++) {
        s_run(S_Q, 1, p, &r);
        cr_assert_eq(r.err, 0, "%s", r.message);
        cr_assert_str_eq(r.value[0], "one");
    }
    char name[32];
    s_prepared_name(S_Q, name, sizeof name);
    cr_assert_str_neq(name, "", "the statement was not prepared on the connection");

    /* A new connection knows no names: the statement is prepared again. */
    char pids[16];
    snprintf(pids, sizeof pids, "%d", s_backend_pid());
    const char *pp[1] = {pids};
    free(h_scalar(s_h, "SELECT pg_terminate_backend($1::int)", 1, pp));
    RUN_UNTIL(s_st.downs >= 1, 10000);
    RUN_UNTIL(cd_db_ready(s_db), 10000);
    cr_assert(cd_db_ready(s_db));
    s_run(S_Q, 1, p, &r);
    cr_assert_eq(r.err, 0, "after a reconnect: %s", r.message);
    cr_assert_str_eq(r.value[0], "one");
}

Test(db, bad_sql_fails_as_its_statement_every_time_and_leaves_the_connection_usable)
{
    for (int i = 0; i < 2; i++) {
        cd_tx_t *tx = cd_tx_new();
        cd_tx_add(tx, "SELECT 1", 0, NULL);
        cd_tx_add(tx, "SELEKT nonsense", 0, NULL);
        s_res_t r = {0};
        cd_db_submit(s_db, tx, s_on_tx, &r);
        s_wait(&r);
        cr_assert_eq(r.err, CD_EDB);
        cr_assert_eq(r.failed_stmt, 1);
        cr_assert_str_eq(r.sqlstate, "42601", "run %d: %s", i, r.message); /* syntax error */
    }
    s_res_t r;
    s_run("SELECT 'fine'", 0, NULL, &r);
    cr_assert_eq(r.err, 0, "%s", r.message);
    cr_assert_str_eq(r.value[0], "fine");
}

/* A statement first sent in a group that fails before it (its Parse skipped)
 * or that rolls back after it (its Parse kept: names are not transactional)
 * runs when the group goes again. */
Test(db, statements_first_sent_in_a_failed_group_still_run)
{
    h_exec(s_h, "INSERT INTO public.t (id, note) VALUES (5, 'taken')");
    static s_res_t r[4];
    memset(r, 0, sizeof r);
    cd_tx_t *busy = cd_tx_new();
    cd_tx_add(busy, "SELECT pg_sleep(0.2)", 0, NULL);
    cd_db_submit(s_db, busy, s_on_tx, &r[0]);
    cd_tx_t *a = cd_tx_new(); /* fails: id 5 exists */
    s_insert(a, 5, "dup");
    cd_db_submit(s_db, a, s_on_tx, &r[1]);
    cd_tx_t *b = cd_tx_new(); /* a new text, after the failure: its Parse is skipped */
    cd_tx_add(b, "SELECT 'b-' || count(*) FROM public.t", 0, NULL);
    cd_db_submit(s_db, b, s_on_tx, &r[2]);
    cd_tx_t *c = cd_tx_new();
    s_insert(c, 6, "six");
    cd_db_submit(s_db, c, s_on_tx, &r[3]);
    for (int i = 0; i < 4; i++)
        s_wait(&r[i]);
    cr_assert_eq(r[1].err, CD_EDB);
    cr_assert_eq(r[2].err, 0, "%s", r[2].message);
    cr_assert_str_eq(r[2].value[0], "b-1");
    cr_assert_eq(r[3].err, 0, "%s", r[3].message);
    char name[32];
    s_prepared_name("SELECT 'b-' || count(*) FROM public.t", name, sizeof name);
    cr_assert_str_neq(name, "");
}

Test(db, a_fresh_statement_is_never_prepared)
{
    static const char *sql = "SELECT 'fresh ' || count(*) FROM public.t";
    for (int i = 0; i < 3; i++) {
        cd_tx_t *tx = cd_tx_new();
        cr_assert_eq(cd_tx_add_fresh(tx, sql, 0, NULL), 0);
        s_res_t r = {0};
        cd_db_submit(s_db, tx, s_on_tx, &r);
        s_wait(&r);
        cr_assert_eq(r.err, 0, "%s", r.message);
        cr_assert_str_eq(r.value[0], "fresh 0");
    }
    char name[32];
    s_prepared_name(sql, name, sizeof name);
    cr_assert_str_eq(name, "", "a fresh statement was prepared as %s", name);
}

/* The server forgets the connection's names (DISCARD ALL, say, or a pooler
 * that does not keep sessions): the statement is prepared again under a new
 * name and the transaction goes through, once, without failing. */
Test(db, statements_whose_names_the_server_forgot_are_prepared_again)
{
    h_exec(s_h, "INSERT INTO public.t (id, note) VALUES (1, 'one')");
    const char *p[1] = {"1"};
    s_res_t r;
    s_run(S_Q, 1, p, &r);
    cr_assert_eq(r.err, 0, "%s", r.message);
    char before[32], after[32];
    s_prepared_name(S_Q, before, sizeof before);
    cr_assert_str_neq(before, "");

    cd_tx_t *tx = cd_tx_new();
    cr_assert_eq(cd_tx_add_fresh(tx, "DEALLOCATE ALL", 0, NULL), 0);
    s_res_t d = {0};
    cd_db_submit(s_db, tx, s_on_tx, &d);
    s_wait(&d);
    cr_assert_eq(d.err, 0, "%s", d.message);

    s_run(S_Q, 1, p, &r);
    cr_assert_eq(r.err, 0, "the statement failed after its name was forgotten: %s", r.message);
    cr_assert_str_eq(r.value[0], "one");
    s_prepared_name(S_Q, after, sizeof after);
    cr_assert_str_neq(after, "");
    cr_assert_str_neq(after, before, "prepared again under the same name");
}

/* A multi-host URL (the failover set-up: every server of the cluster, with
 * target_session_attrs=read-write) whose first host is down: libpq moves on
 * to the next host inside one connection attempt, on a new socket that
 * often reuses the old one's number. The connection must come up on the
 * second host, not give up at the first refusal nor wait on a socket epoll
 * has forgotten. */
Test(db, a_multi_host_url_whose_first_host_refuses_connects_to_the_next)
{
    const char *url = h_db_url(s_h);
    const char *host = strstr(url, "@127.0.0.1:");
    cr_assert(host, "expected a loopback URL: %s", url);
    host += 1;
    char multi[512];
    snprintf(multi, sizeof multi, "%.*s127.0.0.1:%d,%s%s", (int)(host - url), url, h_free_port(),
             host,
             strchr(host, '?') ? "&target_session_attrs=read-write"
                               : "?target_session_attrs=read-write");
    s_state_t st = {0};
    cd_db_t *db = cd_db_new(&s_loop, multi, NULL, s_on_state, &st);
    cr_assert(db);
    RUN_UNTIL(cd_db_ready(db), 10000);
    cr_assert(cd_db_ready(db), "no connection through %s", multi);
    s_res_t r = {0};
    cd_db_query(db, "SELECT inet_server_port()", 0, NULL, s_on_tx, &r);
    s_wait(&r);
    cr_assert_eq(r.err, 0, "%s", r.message);
    cr_assert_eq(st.ups, 1);
    /* Again after losing it: the reconnection walks the list too. */
    char pid[64];
    s_res_t p = {0};
    cd_db_query(db, "SELECT pg_backend_pid()", 0, NULL, s_on_tx, &p);
    s_wait(&p);
    snprintf(pid, sizeof pid, "%s", p.value[0]);
    const char *v[1] = {pid};
    h_execp(s_h, "SELECT pg_terminate_backend($1::int)", 1, v);
    RUN_UNTIL(st.ups == 2 && cd_db_ready(db), 15000);
    cr_assert_eq(st.ups, 2, "did not reconnect through %s", multi);
    cd_db_destroy(&db);
}

/* A server that accepts the connection and then says nothing (its machine
 * frozen, or gone without closing its sockets): here a socket that listens
 * and never answers, first in the list. libpq alone would wait on it for
 * ever (connect_timeout does not apply to PQconnectPoll); the watch gives up
 * after CANDOUR_DB_CONNECT_TIMEOUT_MS and the next attempt starts at the
 * next host. */
Test(db, a_first_host_that_accepts_and_never_answers_is_passed_over)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    socklen_t len = sizeof a;
    cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(listen(fd, 16), 0);
    cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    const char *url = h_db_url(s_h);
    const char *host = strstr(url, "@127.0.0.1:") + 1;
    char multi[512];
    snprintf(multi, sizeof multi, "%.*s127.0.0.1:%d,%s", (int)(host - url), url, ntohs(a.sin_port),
             host);
    setenv("CANDOUR_DB_CONNECT_TIMEOUT_MS", "500", 1);
    s_state_t st = {0};
    cd_db_t *db = cd_db_new(&s_loop, multi, NULL, s_on_state, &st);
    unsetenv("CANDOUR_DB_CONNECT_TIMEOUT_MS");
    cr_assert(db);
    RUN_UNTIL(cd_db_ready(db), 10000);
    cr_assert(cd_db_ready(db), "still waiting on the silent host of %s", multi);
    s_res_t r = {0};
    cd_db_query(db, "SELECT 1", 0, NULL, s_on_tx, &r);
    s_wait(&r);
    cr_assert_eq(r.err, 0, "%s", r.message);
    cd_db_destroy(&db);
    close(fd);
}

/* A group whose answer does not come within CANDOUR_DB_STALL_MS fails with
 * EIO (its callers retry, as after any lost connection) and the connection
 * is made again, instead of the service waiting on it for ever. */
Test(db, a_group_with_no_answer_within_the_stall_time_fails_and_the_connection_is_remade)
{
    setenv("CANDOUR_DB_STALL_MS", "500", 1);
    s_state_t st = {0};
    cd_db_t *db = cd_db_new(&s_loop, h_db_url(s_h), NULL, s_on_state, &st);
    unsetenv("CANDOUR_DB_STALL_MS");
    RUN_UNTIL(cd_db_ready(db), 10000);
    cr_assert(cd_db_ready(db));
    s_res_t r = {0};
    cd_db_query(db, "SELECT pg_sleep(5)", 0, NULL, s_on_tx, &r);
    s_wait(&r);
    /* Had it waited, the answer (after 5 s) would have come with err 0. */
    cr_assert_eq(r.err, CD_EIO, "a stalled group should fail with EIO, got %d (%s)", r.err,
                 r.message);
    RUN_UNTIL(st.ups == 2 && cd_db_ready(db), 10000);
    cr_assert_eq(st.ups, 2, "the connection was not made again");
    s_res_t q = {0};
    cd_db_query(db, "SELECT 1", 0, NULL, s_on_tx, &q);
    s_wait(&q);
    cr_assert_eq(q.err, 0, "%s", q.message);
    cd_db_destroy(&db);
}
