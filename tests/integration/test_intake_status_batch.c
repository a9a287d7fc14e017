/* test_intake_status_batch.c - intake takes a batch of routing's
 * complaint.status_changed events (queries.c in_on_status_batch, issue 18's
 * "consumers apply batches") as the same events one by one would leave it:
 * each change recorded for the submitting organisation, each complaint's
 * state routing's, a withdrawal kept, and a batch naming a complaint intake
 * does not know refused whole (P0002), so the inbox applies its events one
 * by one and only that one waits. */
#include <criterion/criterion.h>

#include <string.h>

#include "candour/db.h"
#include "candour/inbox.h"
#include "candour/util.h"
#include "candour/v1/events.pb-c.h"
#include "harness.h"
#include "intake.h"

#define S_N 6

in_app_t in_app; /* the daemon's (main.c); the functions under test do not read it */

static uv_loop_t s_loop;
static h_t *s_h;
static cd_db_t *s_db;

static void s_setup(void)
{
    s_h = h_new("intake_status_batch");
    cr_assert_eq(uv_loop_init(&s_loop), 0);
    s_db = cd_db_new(&s_loop, h_db_url(s_h), NULL, NULL, NULL);
    for (int i = 0; i < 2000 && !cd_db_ready(s_db); i++)
        uv_run(&s_loop, UV_RUN_NOWAIT), uv_sleep(5);
    cr_assert(cd_db_ready(s_db));
    for (int i = 0; i < S_N; i++) {
        char ref[32];
        snprintf(ref, sizeof ref, "CDR-BTCH-%04d", i);
        const char *v[2] = {ref, i == 3 ? "now" : NULL};
        h_execp(s_h,
                "INSERT INTO intake.complaint (reference, org_id, external_ref, channel, body,"
                " withdrawn_at, state) VALUES ($1, 'ICB-QWE', $1, 'CHANNEL_BUS', '{}'::jsonb,"
                " $2::timestamptz, CASE WHEN $2 IS NULL THEN 'received' ELSE 'withdrawn' END)",
                2, v);
    }
}

static void s_teardown(void)
{
    cd_db_destroy(&s_db);
    for (int i = 0; i < 100 && uv_run(&s_loop, UV_RUN_NOWAIT); i++)
        ;
    cr_expect_eq(uv_loop_close(&s_loop), 0);
    h_destroy(&s_h);
}

TestSuite(intake_status_batch, .init = s_setup, .fini = s_teardown, .timeout = 60);

static void s_done(const cd_tx_result_t *res, void *arg)
{
    snprintf(arg, 8, "%s", res->err == 0 ? "ok" : res->sqlstate);
}

/* Run in_on_status_batch for n events (complaint i -> refs[i]) and commit
 * its transaction: "ok" or the SQLSTATE into out[8]. */
static void s_batch(int n, const char *const *refs, char out[8])
{
    Candour__V1__Envelope env[S_N + 1];
    Candour__V1__StatusChanged sc[S_N + 1];
    const Candour__V1__Envelope *envs[S_N + 1];
    const ProtobufCMessage *payloads[S_N + 1];
    char ids[S_N + 1][CD_UUID_LEN + 1];
    for (int i = 0; i < n; i++) {
        candour__v1__envelope__init(&env[i]);
        candour__v1__status_changed__init(&sc[i]);
        cr_assert_eq(cd_uuid(ids[i]), 0);
        env[i].event_id = ids[i];
        env[i].complaint_ref = (char *)refs[i];
        sc[i].state = CANDOUR__V1__COMPLAINT_STATE__COMPLAINT_STATE_UNDER_INVESTIGATION;
        sc[i].detail = i % 2 ? "a detail with a comma, a \"quote\" and {braces}" : "";
        sc[i].at = "2026-12-01T10:00:00Z";
        envs[i] = &env[i];
        payloads[i] = &sc[i].base;
    }
    cd_batch_t b = {.tx = cd_tx_new(), .n = n, .envs = envs, .payloads = payloads};
    cr_assert_eq(in_on_status_batch(NULL, &b, NULL), 0);
    out[0] = 0;
    cd_db_submit(s_db, b.tx, s_done, out);
    for (int i = 0; i < 2000 && !out[0]; i++)
        uv_run(&s_loop, UV_RUN_ONCE);
    cr_assert(out[0], "the batch never finished");
}

Test(intake_status_batch, a_batch_records_every_change_and_keeps_a_withdrawal)
{
    const char *refs[S_N];
    char buf[S_N][32], out[8];
    for (int i = 0; i < S_N; i++) {
        snprintf(buf[i], sizeof buf[i], "CDR-BTCH-%04d", i);
        refs[i] = buf[i];
    }
    s_batch(S_N, refs, out);
    cr_assert_str_eq(out, "ok");
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM intake.status_change", 0, NULL), S_N);
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM intake.status_change WHERE org_id = 'ICB-QWE'"
                         " AND state = 'under-investigation' AND at = '2026-12-01T10:00:00Z'",
                         0, NULL),
                 S_N);
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM intake.status_change WHERE detail ="
                         " 'a detail with a comma, a \"quote\" and {braces}'",
                         0, NULL),
                 S_N / 2, "a detail was changed on the way");
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM intake.complaint WHERE state ="
                         " 'under-investigation' AND triaged",
                         0, NULL),
                 S_N - 1);
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM intake.complaint WHERE reference = 'CDR-BTCH-0003'"
                         " AND state = 'withdrawn'",
                         0, NULL),
                 1, "the withdrawal was not kept");
}

Test(intake_status_batch, a_batch_naming_a_complaint_intake_does_not_know_changes_nothing)
{
    const char *refs[3] = {"CDR-BTCH-0000", "CDR-NOT-KNOWN", "CDR-BTCH-0001"};
    char out[8];
    s_batch(3, refs, out);
    cr_assert_str_eq(out, "P0002", "the batch came back %s", out);
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM intake.status_change", 0, NULL), 0);
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM intake.complaint WHERE state <> 'received'"
                         " AND withdrawn_at IS NULL",
                         0, NULL),
                 0);
}
