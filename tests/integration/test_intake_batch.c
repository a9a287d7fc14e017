/* test_intake_batch.c - intake's group commit: many submissions in one
 * transaction of three statements, each answered as if it had been alone.
 *
 * A batch is made on purpose: the test holds a lock on intake.complaint (from
 * a connection of its own) so that intake's first transaction waits on it;
 * submissions sent meanwhile wait in intake's `pending`, in the order they
 * arrived, and go together in the next transaction once the lock is let go.
 * Each is sent from a thread of its own, and the next only once intake has
 * counted the previous one (candour_requests_total, counted as the request is
 * taken, on the loop that serves /metrics), so the order inside the batch is
 * the order written in the test, not a race. The batch's rows share one
 * transaction id (xmin), which says they were committed together. */
#include <assert.h>
#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "candour/client.h"
#include "candour/db.h"
#include "candour/v1/events.pb-c.h"
#include "harness.h"

static h_t *s_h;
static PGconn *s_lock; /* the test's own connection, holding the lock */

static void s_setup(void)
{
    s_h = h_new("intake_batch");
    h_org(s_h, "ICB-A");
    h_org(s_h, "TRUST-B");
    h_org(s_h, "FIRST-C");
    cr_assert_eq(h_start(s_h, "intake"), 0);
}

static void s_teardown(void)
{
    if (s_lock)
        PQfinish(s_lock);
    s_lock = NULL;
    cr_assert_eq(h_destroy(&s_h), 0, "intake did not exit 0 on SIGTERM");
}

TestSuite(intake_batch, .init = s_setup, .fini = s_teardown, .timeout = 120);

/* ---------------------------------------------------------------- helpers */

static void s_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A counter from intake's /metrics (0 if absent). */
static long s_metric(const char *name)
{
    char *body = NULL;
    cr_assert_eq(h_http_get(h_admin_port(s_h, "intake"), "/metrics", &body), 200);
    long v = 0;
    size_t len = strlen(name);
    for (const char *line = body; line && *line; line = strchr(line, '\n'), line += !!line)
        if (strncmp(line, name, len) == 0 && line[len] == ' ')
            v = strtol(line + len + 1, NULL, 10);
    free(body);
    return v;
}

/* Wait until intake has taken `want` requests in all. */
static void s_wait_requests(long want)
{
    long got = 0;
    for (int waited = 0; waited < 15000 && (got = s_metric("candour_requests_total")) < want;
         waited += 10)
        s_sleep_ms(10);
    cr_assert_eq(got, want, "intake has not taken request %ld", want);
}

/* One submission, sent from a thread of its own over a connection made
 * (and admitted) beforehand: admitting a key asks the database, which is
 * busy behind the held transaction while the batch forms. */
typedef struct {
    const char *org, *ext;
    cd_client_t *cl;
    pthread_t thread;
    int answered;  /* a reply came */
    char code[64]; /* its error code, "" for a receipt */
    char ref[64];  /* the receipt's reference */
    int duplicate; /* the receipt's duplicate flag */
} s_sub_t;

/* Connect s's client and see it admitted (one request). */
static void s_connect(s_sub_t *s)
{
    s->cl = h_client(s_h, s->org);
    Candour__V1__GetStatusChanges g = CANDOUR__V1__GET_STATUS_CHANGES__INIT;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_GET_STATUS_CHANGES;
    req.get_status_changes = &g;
    Candour__V1__Reply *reply = NULL;
    char err[256];
    cr_assert_eq(cd_client_call(s->cl, &req, 10000, &reply, err, sizeof err), 0, "%s", err);
    cr_assert_null(reply->error, "%s", reply->error ? reply->error->message : "");
    candour__v1__reply__free_unpacked(reply, NULL);
}

static void *s_send(void *arg)
{
    s_sub_t *s = arg;
    Candour__V1__Person p = CANDOUR__V1__PERSON__INIT;
    p.name = "Ann Jones";
    p.email = "ann.jones@example.org";
    Candour__V1__Complaint c = CANDOUR__V1__COMPLAINT__INIT;
    c.external_ref = (char *)s->ext;
    c.channel = CANDOUR__V1__CHANNEL__CHANNEL_BUS;
    c.complainant = &p;
    c.description =
        "Waited \"nine\" weeks \\ for an assessment: caf\xc3\xa9 d\xc3\xa9j\xc3\xa0 vu.";
    Candour__V1__SubmitComplaint sc = CANDOUR__V1__SUBMIT_COMPLAINT__INIT;
    sc.complaint = &c;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_SUBMIT;
    req.submit = &sc;
    Candour__V1__Reply *reply = NULL;
    char err[256];
    if (cd_client_call(s->cl, &req, 60000, &reply, err, sizeof err) == 0) {
        s->answered = 1;
        if (reply->error)
            snprintf(s->code, sizeof s->code, "%s", reply->error->code);
        else if (reply->receipt) {
            snprintf(s->ref, sizeof s->ref, "%s", reply->receipt->complaint_ref);
            s->duplicate = reply->receipt->duplicate;
        }
    }
    if (reply)
        candour__v1__reply__free_unpacked(reply, NULL);
    return NULL;
}

/* Send s (connected) and wait until intake has taken it. */
static void s_start(s_sub_t *s)
{
    assert(s->cl);
    long before = s_metric("candour_requests_total");
    cr_assert_eq(pthread_create(&s->thread, NULL, s_send, s), 0);
    s_wait_requests(before + 1);
}

static void s_join(s_sub_t *s)
{
    pthread_join(s->thread, NULL);
    cd_client_destroy(&s->cl);
    cr_assert(s->answered, "%s/%s got no reply", s->org, s->ext);
}

/* Connect, send and wait for the answer. */
static void s_run(s_sub_t *s)
{
    s_connect(s);
    s_start(s);
    s_join(s);
}

static void s_expect_receipt(const s_sub_t *s, int duplicate)
{
    cr_assert_str_eq(s->code, "", "%s/%s: %s", s->org, s->ext, s->code);
    cr_assert_eq(strncmp(s->ref, "CDR-", 4), 0, "%s/%s: no reference", s->org, s->ext);
    cr_assert_eq(s->duplicate, duplicate, "%s/%s: duplicate is %d", s->org, s->ext, s->duplicate);
}

/* Hold intake's next transaction at its INSERT; `blocker` (connected, sent
 * now) is the one that waits, and what is sent after it forms the next batch. */
static void s_hold(s_sub_t *blocker)
{
    s_lock = PQconnectdb(h_db_url(s_h));
    cr_assert_eq(PQstatus(s_lock), CONNECTION_OK, "%s", PQerrorMessage(s_lock));
    PGresult *r = PQexec(s_lock, "BEGIN; LOCK TABLE intake.complaint IN EXCLUSIVE MODE");
    cr_assert_eq(PQresultStatus(r), PGRES_COMMAND_OK, "%s", PQresultErrorMessage(r));
    PQclear(r);
    s_start(blocker);
    cr_assert(h_wait_for(s_h,
                         "SELECT count(*)::text FROM pg_locks WHERE NOT granted"
                         " AND relation = 'intake.complaint'::regclass",
                         0, NULL, "1", 15000),
              "intake's transaction never waited on the lock");
}

static void s_release(void)
{
    PGresult *r = PQexec(s_lock, "ROLLBACK");
    PQclear(r);
    PQfinish(s_lock);
    s_lock = NULL;
}

static long s_count1(const char *sql, const char *p)
{
    const char *v[1] = {p};
    return h_count(s_h, sql, p ? 1 : 0, p ? v : NULL);
}

/* Every complaint.received event: one per complaint, to routing and notify,
 * its payload the complaint as stored, its envelope fields as cd_outbox_put
 * makes them. Returns the number of events. */
static long s_check_events(void)
{
    long events =
        s_count1("SELECT count(*) FROM intake.outbox WHERE type = 'complaint.received'", NULL);
    cr_assert_eq(events, s_count1("SELECT count(*) FROM intake.complaint", NULL),
                 "not one event per complaint");
    cr_assert_eq(s_count1("SELECT count(*) FROM intake.complaint c WHERE (SELECT count(*) FROM"
                          " intake.outbox o WHERE o.complaint_ref = c.reference"
                          " AND o.type = 'complaint.received') <> 1",
                          NULL),
                 0, "a complaint without its one event");
    cr_assert_eq(
        s_count1("SELECT count(*) FROM intake.outbox o WHERE o.type = 'complaint.received'"
                 " AND (SELECT array_agg(d.subscriber"
                 " ORDER BY d.subscriber) FROM intake.outbox_delivery d WHERE d.seq = o.seq"
                 " AND d.event_id = o.event_id AND d.complaint_ref = o.complaint_ref)"
                 " = '{notify,reporting,routing}'",
                 NULL),
        events, "an event not routed to exactly routing, notify and reporting");
    cr_assert_eq(s_count1("SELECT count(*) FROM intake.outbox_delivery d JOIN intake.outbox o"
                          " USING (seq) WHERE o.type = 'complaint.received'",
                          NULL),
                 3 * events);
    cr_assert_eq(s_count1("SELECT count(*) FROM intake.outbox WHERE type = 'complaint.received'"
                          " AND (causation_id <> '' OR correlation_id !~ '^[0-9a-f-]{36}$'"
                          " OR schema_version <> 1)",
                          NULL),
                 0);
    cr_assert_eq(s_count1("SELECT count(DISTINCT correlation_id) FROM intake.outbox"
                          " WHERE type = 'complaint.received'",
                          NULL),
                 events,
                 "events share a correlation id");
    PGresult *r = PQexecParams(h_db(s_h),
                               "SELECT o.payload, c.org_id, c.external_ref, c.classification,"
                               " c.received_at = (c.body->>'received_at')::timestamptz"
                               " FROM intake.outbox o JOIN intake.complaint c"
                               " ON c.reference = o.complaint_ref"
                               " WHERE o.type = 'complaint.received'",
                               0, NULL, NULL, NULL, NULL, 1);
    cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK, "%s", PQresultErrorMessage(r));
    cr_assert_eq(PQntuples(r), events);
    for (int i = 0; i < PQntuples(r); i++) {
        Candour__V1__ComplaintReceived *ev = candour__v1__complaint_received__unpack(
            NULL, (size_t)PQgetlength(r, i, 0), (const uint8_t *)PQgetvalue(r, i, 0));
        cr_assert(ev && ev->complaint, "a payload that is not a ComplaintReceived");
        cr_assert_str_eq(ev->org_id, PQgetvalue(r, i, 1));
        cr_assert_str_eq(ev->complaint->external_ref, PQgetvalue(r, i, 2));
        cr_assert_str_eq(ev->complaint->complainant->name, "Ann Jones");
        cr_assert_str_eq(
            ev->complaint->description,
            "Waited \"nine\" weeks \\ for an assessment: caf\xc3\xa9 d\xc3\xa9j\xc3\xa0 vu.");
        const ProtobufCEnumValue *cls = protobuf_c_enum_descriptor_get_value(
            &candour__v1__classification__descriptor, ev->classification);
        cr_assert_str_eq(cls->name, PQgetvalue(r, i, 3));
        cr_assert_eq(PQgetvalue(r, i, 4)[0], 1, "received_at differs from the body's");
        candour__v1__complaint_received__free_unpacked(ev, NULL);
    }
    PQclear(r);
    return events;
}

/* ---------------------------------------------------------------- tests */

/* Send b[0..n) as one batch behind block (which holds intake's transaction
 * on the lock); between taking their requests and running the batch, call
 * meanwhile (if any). Returns when every submission has its answer. */
static void s_send_batch(s_sub_t *block, s_sub_t *b, int n, void (*meanwhile)(void))
{
    s_connect(block);
    for (int i = 0; i < n; i++)
        s_connect(&b[i]);
    s_hold(block);
    for (int i = 0; i < n; i++)
        s_start(&b[i]);
    if (meanwhile)
        meanwhile();
    s_release();
    s_join(block);
    s_expect_receipt(block, 0);
    for (int i = 0; i < n; i++)
        s_join(&b[i]);
}

static void s_revoke_icb_a(void)
{
    h_revoke(s_h, "ICB-A");
}

Test(intake_batch, new_repeated_and_in_batch_duplicate_submissions_in_one_batch)
{
    s_sub_t old = {.org = "ICB-A", .ext = "OLD-1"};
    s_run(&old);
    s_expect_receipt(&old, 0);
    cr_assert_eq(s_metric("candour_intake_batches_total"), 1);

    s_sub_t block = {.org = "FIRST-C", .ext = "BLOCK-1"};
    s_sub_t b[] = {
        {.org = "ICB-A", .ext = "NEW-1"},
        {.org = "ICB-A", .ext = "OLD-1"},   /* a repeat of a complaint stored before */
        {.org = "TRUST-B", .ext = "DUP-1"}, /* new ... */
        {.org = "ICB-A", .ext = "NEW-2"},
        {.org = "TRUST-B", .ext = "DUP-1"}, /* ... and its repeat in the same batch */
        {.org = "ICB-A", .ext = "DUP-1"},   /* the same external_ref from another organisation */
    };
    enum { N = sizeof b / sizeof b[0] };
    s_send_batch(&block, b, N, NULL);

    s_expect_receipt(&b[0], 0);
    s_expect_receipt(&b[1], 1);
    cr_assert_str_eq(b[1].ref, old.ref, "a repeat must get the first receipt");
    s_expect_receipt(&b[2], 0);
    s_expect_receipt(&b[3], 0);
    s_expect_receipt(&b[4], 1);
    cr_assert_str_eq(b[4].ref, b[2].ref, "the in-batch repeat must get the first one's reference");
    s_expect_receipt(&b[5], 0);
    const char *refs[] = {old.ref, block.ref, b[0].ref, b[2].ref, b[3].ref, b[5].ref};
    for (int i = 0; i < 6; i++)
        for (int j = i + 1; j < 6; j++)
            cr_assert_str_neq(refs[i], refs[j]);

    /* One transaction for the batch: three in all, the batch's rows share an xmin. */
    cr_assert_eq(s_metric("candour_intake_batches_total"), 3);
    cr_assert_eq(s_count1("SELECT count(DISTINCT xmin::text) FROM intake.complaint"
                          " WHERE external_ref IN ('NEW-1', 'NEW-2', 'DUP-1')",
                          NULL),
                 1, "the batch was not one transaction");
    cr_assert_eq(s_count1("SELECT count(*) FROM intake.complaint", NULL), 6);
    cr_assert_eq(s_count1("SELECT count(*) FROM intake.complaint WHERE external_ref = 'DUP-1'"
                          " AND org_id = 'TRUST-B'",
                          NULL),
                 1);
    cr_assert_eq(s_metric("candour_complaints_received_total"), 6);
    cr_assert_eq(s_metric("candour_complaints_duplicate_total"), 2);

    /* Events: once per new complaint, none for a repeat, and in batch order. */
    cr_assert_eq(s_check_events(), 6);
    char *order =
        h_scalar(s_h,
                 "SELECT string_agg(c.org_id || '/' || c.external_ref, ' ' ORDER BY o.seq)"
                 " FROM intake.outbox o JOIN intake.complaint c"
                 " ON c.reference = o.complaint_ref WHERE o.type = 'complaint.received'"
                 " AND c.xmin = (SELECT xmin FROM intake.complaint WHERE external_ref = 'NEW-1')",
                 0, NULL);
    cr_assert_str_eq(order, "ICB-A/NEW-1 TRUST-B/DUP-1 ICB-A/NEW-2 ICB-A/DUP-1");
    free(order);

    /* The log names references, never the complainant. */
    char path[512];
    snprintf(path, sizeof path, "%s/intake.log", h_dir(s_h));
    FILE *f = fopen(path, "r");
    cr_assert(f, "no %s", path);
    char line[4096];
    int stored = 0, dups = 0;
    while (fgets(line, sizeof line, f)) {
        cr_assert_null(strstr(line, "Ann Jones"), "personal data in the log: %s", line);
        cr_assert_null(strstr(line, "ann.jones@"), "personal data in the log: %s", line);
        stored += strstr(line, "complaint.stored") != NULL;
        dups += strstr(line, "complaint.duplicate") != NULL;
    }
    fclose(f);
    cr_assert_eq(stored, 6);
    cr_assert_eq(dups, 2);
}

Test(intake_batch, a_revoked_key_in_a_batch_is_denied_and_stores_nothing_the_rest_go_ahead)
{
    s_sub_t pre = {.org = "ICB-A", .ext = "PRE-1"};
    s_run(&pre);
    s_expect_receipt(&pre, 0);

    s_sub_t block = {.org = "FIRST-C", .ext = "BLOCK-2"};
    s_sub_t b[] = {
        {.org = "ICB-A", .ext = "REV-1"}, /* new, from the key about to be revoked */
        {.org = "TRUST-B", .ext = "KEEP-1"},
        {.org = "ICB-A", .ext = "PRE-1"}, /* a repeat: the first receipt is not for a revoked key */
        {.org = "TRUST-B", .ext = "KEEP-2"},
    };
    enum { N = sizeof b / sizeof b[0] };
    /* revoked after its requests were taken, before the batch runs */
    s_send_batch(&block, b, N, s_revoke_icb_a);

    cr_assert_str_eq(b[0].code, "PERMISSION_DENIED");
    cr_assert_str_eq(b[2].code, "PERMISSION_DENIED");
    cr_assert_str_eq(b[2].ref, "", "a revoked key was told a reference");
    s_expect_receipt(&b[1], 0);
    s_expect_receipt(&b[3], 0);
    cr_assert_eq(s_metric("candour_requests_denied_total"), 2);
    cr_assert_eq(s_metric("candour_intake_batches_total"), 3);
    cr_assert_eq(s_count1("SELECT count(DISTINCT xmin::text) FROM intake.complaint"
                          " WHERE external_ref IN ('KEEP-1', 'KEEP-2')",
                          NULL),
                 1);
    cr_assert_eq(
        s_count1("SELECT count(*) FROM intake.complaint WHERE external_ref = 'REV-1'", NULL), 0,
        "a revoked key's complaint was stored");
    cr_assert_eq(s_count1("SELECT count(*) FROM intake.complaint WHERE org_id = 'ICB-A'", NULL), 1);
    cr_assert_eq(s_count1("SELECT count(*) FROM intake.complaint", NULL), 4);
    cr_assert_eq(s_check_events(), 4);
}

Test(intake_batch, a_failing_batch_is_retried_one_by_one_and_only_the_bad_one_fails)
{
    /* A rule only this test has: one external_ref the database refuses. */
    h_exec(s_h, "ALTER TABLE intake.complaint ADD CONSTRAINT test_poison"
                " CHECK (external_ref <> 'POISON-1') NOT VALID");
    s_sub_t block = {.org = "FIRST-C", .ext = "BLOCK-3"};
    s_sub_t b[] = {
        {.org = "ICB-A", .ext = "GOOD-1"},
        {.org = "TRUST-B", .ext = "POISON-1"},
        {.org = "ICB-A", .ext = "GOOD-2"},
        {.org = "ICB-A", .ext = "GOOD-1"}, /* an in-batch repeat, retried alone after its first */
    };
    enum { N = sizeof b / sizeof b[0] };
    s_send_batch(&block, b, N, NULL);

    s_expect_receipt(&b[0], 0);
    cr_assert_str_eq(b[1].code, "UNAVAILABLE");
    s_expect_receipt(&b[2], 0);
    s_expect_receipt(&b[3], 1);
    cr_assert_str_eq(b[3].ref, b[0].ref);
    /* The blocker, the failed batch, then each of the four alone. */
    cr_assert_eq(s_metric("candour_intake_batches_total"), 6);
    cr_assert_eq(s_count1("SELECT count(*) FROM intake.complaint", NULL), 3);
    cr_assert_eq(
        s_count1("SELECT count(*) FROM intake.complaint WHERE external_ref = 'POISON-1'", NULL), 0);
    cr_assert_eq(s_check_events(), 3);
}
