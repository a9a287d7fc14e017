/* reporting_cmd.c - `candourctl reporting rebuild`: the reporting schema
 * emptied and made again from every event the producers' outboxes keep.
 *
 * The outboxes keep every event ever committed (the payload as sent), so
 * the schema is a function of them: each event of the types the daemon
 * takes (rp_type's, through rp_apply and rp_sql as events.c does, and
 * benchmark.returned, through rp_bmr_row as benchmark_returns.c does: the
 * handler table of services/reporting/main.c) is applied and recorded in
 * reporting.inbox as the consumer records it.
 *
 * In pages, so that memory and every transaction stay bounded at a million
 * complaints: first one transaction empties the event-made tables and the
 * inbox; then each producer's outbox is read in keyset pages of its seq
 * (S_PAGE events, --page), each page applied in a transaction of its own
 * that first locks reporting.inbox: every transaction of the consumer's
 * begins with its inbox record, so it waits for that page only, and never
 * runs part-way beside one. The order does not change the rows: every
 * column merges in a way that does not depend on it (apply.h). Two events
 * of a group at one microsecond, the one hazard, go producer by producer in
 * name order, each in its seq: as a replay sorted by occurred_at, producer
 * and seq would take them.
 *
 * Exactly once, with the consumer running: after the emptying, the inbox
 * holds exactly the events applied to the tables since. An event goes in
 * by whichever of the two records it first; the rebuild applies it only
 * if its own record went in (ON CONFLICT DO NOTHING RETURNING), and the
 * consumer refuses as a duplicate one the rebuild recorded. An event the
 * consumer took before the emptying is applied again by the rebuild, once.
 *
 * A rebuild that fails part-way leaves the schema part-made (the consumer
 * keeps applying what it is sent meanwhile); running it again makes it
 * whole. What the consumer refuses (an event with no complaint reference,
 * a return that breaks the rules) the rebuild skips, and does not record.
 * Events committed before reporting subscribed are replayed too: a rebuild
 * is also how they are taken in. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/events.h"
#include "apply.h"
#include "apply_sql.h"
#include "benchmark_returns.h"
#include "ctl.h"

#define S_CMD "reporting rebuild"
/* Events a page: a transaction each. Larger pages are slower, not faster:
 * the rows every complaint updates (reporting.monthly's, a body's month)
 * keep one version a change until the transaction ends (43,750 events of
 * the benchmark: 20 s in pages of 100, 23 s of 500, 28 s of 1,000, 43 s of
 * 5,000). */
#define S_PAGE 500
#define S_PAGE_MAX 100000
#define S_TELL 100000 /* events between progress lines */
#define S_MAX_PRODUCERS 16

/* Emptied first: the inbox, the tables events make, and (CASCADE) every
 * table that names a complaint (aspect, partner, ombudsman_stage, ...);
 * the tables triggers count from them empty with them (0034, 0040). */
#define S_EMPTY "reporting.inbox, reporting.complaint, reporting.benchmark_return"

typedef struct {
    PGconn *c;
    long statements, events, skipped, taken; /* taken: recorded by the consumer first */
    int unsynced;                            /* statements sent since the last sync */
} s_run_t;

/* Statements go pipelined, S_SYNC at a time between syncs (the results of
 * one batch fit the sockets' buffers, so neither side waits on the other). */
#define S_SYNC 256

/* A sync, and every result up to it: 0, or -1 after telling the first
 * error (the transaction is then aborted). */
static int s_drain(s_run_t *run)
{
    run->unsynced = 0;
    if (!PQpipelineSync(run->c)) {
        fprintf(stderr, "candourctl %s: %s", S_CMD, PQerrorMessage(run->c));
        return -1;
    }
    int failed = 0, nulls = 0;
    for (;;) {
        PGresult *r = PQgetResult(run->c);
        if (!r) { /* one between two statements' results; two: nothing more will come */
            if (++nulls >= 2 || PQstatus(run->c) != CONNECTION_OK) {
                fprintf(stderr, "candourctl %s: %s", S_CMD, PQerrorMessage(run->c));
                return -1;
            }
            continue;
        }
        nulls = 0;
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_FATAL_ERROR && !failed)
            fprintf(stderr, "candourctl %s: %s", S_CMD, PQresultErrorMessage(r));
        failed |= st == PGRES_FATAL_ERROR || st == PGRES_PIPELINE_ABORTED;
        PQclear(r);
        if (st == PGRES_PIPELINE_SYNC)
            return failed ? -1 : 0;
    }
}

/* rp_sink_fn: the statement sent down the pipeline. */
static int s_send(void *arg, const char *sql, int nparams, const char *const *values)
{
    s_run_t *run = arg;
    run->statements++;
    if (!PQsendQueryParams(run->c, sql, nparams, NULL, values, NULL, NULL, 0)) {
        fprintf(stderr, "candourctl %s: %s", S_CMD, PQerrorMessage(run->c));
        return -1;
    }
    return ++run->unsynced >= S_SYNC ? s_drain(run) : 0;
}

/* The i-th type the rebuild replays (NULL past the last). */
static const char *s_type(size_t i)
{
    const char *t = rp_type(i);
    if (t)
        return t;
    return rp_type(i - 1) ? RP_BMR_TYPE : NULL;
}

/* The producers of those types, in name order (the catalogue's words, not
 * input). Their number. */
static int s_producers(const char **out)
{
    int np = 0;
    for (size_t i = 0; s_type(i); i++) {
        const cd_event_type_t *t = cd_event_type(s_type(i));
        int seen = !t;
        for (int j = 0; t && j < np; j++)
            seen |= strcmp(out[j], t->producer) == 0;
        if (!seen && np < S_MAX_PRODUCERS)
            out[np++] = t->producer;
    }
    for (int i = 1; i < np; i++)
        for (int j = i; j > 0 && strcmp(out[j - 1], out[j]) > 0; j--) {
            const char *x = out[j];
            out[j] = out[j - 1];
            out[j - 1] = x;
        }
    return np;
}

/* The types as an array literal: fixed words of [a-z._]. */
static void s_types_literal(char *out, size_t len)
{
    size_t at = (size_t)snprintf(out, len, "{");
    for (size_t i = 0; s_type(i) && at < len; i++)
        at += (size_t)snprintf(out + at, len - at, "%s%s", i ? "," : "", s_type(i));
    if (at < len)
        snprintf(out + at, len - at, "}");
}

/* The event's inbox record, as the consumer's (cd_inbox_tx). */
static int s_record(s_run_t *run, const Candour__V1__Envelope *env)
{
    const char *v[4] = {env->event_id, env->type, env->producer, env->complaint_ref};
    return s_send(run,
                  "INSERT INTO reporting.inbox (event_id, type, producer, complaint_ref)"
                  " VALUES ($1::uuid, $2, $3, $4)",
                  4, v);
}

/* benchmark.returned: its row as rp_on_benchmark_returned writes it. 1
 * sent, 0 skipped, -1 failed. */
static int s_return(s_run_t *run, const Candour__V1__Envelope *env, const ProtobufCMessage *payload)
{
    rp_bmr_row_t row;
    cd_fail_t why;
    if (rp_bmr_row(env, payload, &row, &why) != 0)
        return 0; /* the consumer NAKs it */
    const char *v[RP_BMR_NPARAMS];
    for (int i = 0; i < RP_BMR_NPARAMS; i++)
        v[i] = row.v[i];
    if (row.median_null)
        v[12] = NULL;
    return s_record(run, env) == 0 && s_send(run, rp_bmr_sql, RP_BMR_NPARAMS, v) == 0 ? 1 : -1;
}

/* A complaint's event: its change as events.c makes it. 1 sent, 0
 * skipped, -1 failed. */
static int s_change(s_run_t *run, const Candour__V1__Envelope *env, const ProtobufCMessage *payload)
{
    rp_change_t *ch = malloc(sizeof *ch);
    if (!ch) {
        fprintf(stderr, "candourctl %s: out of memory\n", S_CMD);
        return -1;
    }
    int rc = rp_apply(env, payload, ch);
    if (rc < 0)
        rc = 0; /* the consumer NAKs it */
    else if (s_record(run, env) != 0 || (rc > 0 && rp_sql(ch, s_send, run) != 0))
        rc = -1;
    else
        rc = 1;
    free(ch);
    return rc;
}

/* What an event's rows are made by: the daemon's handlers' work without the
 * inbox (main.c's table: apply.c's types, and benchmark returns). */
typedef int (*s_row_fn_t)(s_run_t *run, const Candour__V1__Envelope *env,
                          const ProtobufCMessage *payload);
static const struct {
    const char *type;
    s_row_fn_t fn;
} s_rows[] = {{RP_BMR_TYPE, s_return}}; /* every other type kept: s_change */

static s_row_fn_t s_row_fn(const char *type)
{
    for (size_t i = 0; i < sizeof s_rows / sizeof s_rows[0]; i++)
        if (strcmp(s_rows[i].type, type) == 0)
            return s_rows[i].fn;
    return s_change;
}

/* One fetched event (seq, event_id, type, complaint_ref, us, payload,
 * taken), decoded by the catalogue's message; one the consumer has taken
 * since the emptying is counted, not applied again. */
static int s_replay(s_run_t *run, const char *producer, const PGresult *r, int row)
{
    if (PQgetvalue(r, row, 6)[0] == 't') {
        run->taken++;
        return 1;
    }
    Candour__V1__Envelope env = CANDOUR__V1__ENVELOPE__INIT;
    env.producer = (char *)producer;
    env.sequence = strtoll(PQgetvalue(r, row, 0), NULL, 10);
    env.event_id = PQgetvalue(r, row, 1);
    env.type = PQgetvalue(r, row, 2);
    env.complaint_ref = PQgetvalue(r, row, 3);
    env.occurred_at_us = strtoll(PQgetvalue(r, row, 4), NULL, 10);
    size_t len = 0;
    unsigned char *bytes = PQunescapeBytea((const unsigned char *)PQgetvalue(r, row, 5), &len);
    const ProtobufCMessageDescriptor *d = cd_event_descriptor(env.type);
    ProtobufCMessage *payload = bytes && d ? protobuf_c_message_unpack(d, NULL, len, bytes) : NULL;
    PQfreemem(bytes);
    if (!payload)
        return 0; /* the consumer's inbox refuses it too (MALFORMED_EVENT) */
    int rc = s_row_fn(env.type)(run, &env, payload);
    protobuf_c_message_free_unpacked(payload, NULL);
    return rc;
}

/* One page of producer's outbox after seq *last, in one transaction: its
 * events applied (their statements pipelined), *last moved to the page's
 * end. The page's size, or -1 (rolled back). Whether the consumer has
 * taken an event is read once the lock is held: it cannot take one more
 * until the page commits. */
static int s_page(s_run_t *run, const char *producer, const char *types, long long *last, int page)
{
    char sql[640], after[24], limit[16];
    snprintf(sql, sizeof sql,
             "SELECT seq, event_id::text, type, complaint_ref,"
             " (extract(epoch FROM occurred_at) * 1000000)::bigint, payload,"
             " EXISTS (SELECT 1 FROM reporting.inbox i WHERE i.event_id = o.event_id)"
             " FROM %s.outbox o WHERE type = ANY ($1::text[]) AND seq > $2::bigint"
             " ORDER BY seq LIMIT $3::int",
             producer);
    snprintf(after, sizeof after, "%lld", *last);
    snprintf(limit, sizeof limit, "%d", page);
    const char *v[3] = {types, after, limit};
    if (ctl_db_exec(run->c, S_CMD, "BEGIN", 0, NULL) != 0 ||
        ctl_db_exec(run->c, S_CMD, "LOCK TABLE reporting.inbox IN EXCLUSIVE MODE", 0, NULL) != 0)
        goto err;
    PGresult *r = ctl_db_query(run->c, S_CMD, sql, 3, v);
    if (!r)
        goto err;
    int n = PQntuples(r), rc = PQenterPipelineMode(run->c) ? 0 : -1;
    for (int i = 0; i < n && rc >= 0; i++) {
        rc = s_replay(run, producer, r, i);
        run->events += rc > 0;
        run->skipped += rc == 0;
    }
    if (run->unsynced && s_drain(run) != 0) /* after a failure too: the pipeline is left empty */
        rc = -1;
    if (n > 0)
        *last = strtoll(PQgetvalue(r, n - 1, 0), NULL, 10);
    PQclear(r);
    if (PQpipelineStatus(run->c) != PQ_PIPELINE_OFF && !PQexitPipelineMode(run->c))
        rc = -1;
    /* The page's complaints counted in reporting.monthly with it (0040):
     * the rebuild leaves no notes for the first report to flush. */
    if (rc < 0 || ctl_db_exec(run->c, S_CMD, "SELECT reporting.monthly_flush()", 0, NULL) != 0 ||
        ctl_db_exec(run->c, S_CMD, "COMMIT", 0, NULL) != 0)
        goto err;
    return n;
err:
    PQclear(PQexec(run->c, "ROLLBACK"));
    return -1;
}

static int s_rebuild(PGconn *c, int page)
{
    s_run_t run = {.c = c};
    const char *producers[S_MAX_PRODUCERS];
    char types[512];
    int np = s_producers(producers);
    s_types_literal(types, sizeof types);
    /* Emptied, inbox and all, in one transaction: from here on the inbox
     * says what the tables hold. */
    if (ctl_db_exec(c, S_CMD, "BEGIN", 0, NULL) != 0 ||
        ctl_db_exec(c, S_CMD, "LOCK TABLE reporting.inbox IN EXCLUSIVE MODE", 0, NULL) != 0 ||
        ctl_db_exec(c, S_CMD, "TRUNCATE " S_EMPTY " CASCADE", 0, NULL) != 0 ||
        ctl_db_exec(c, S_CMD, "COMMIT", 0, NULL) != 0) {
        PQclear(PQexec(c, "ROLLBACK"));
        fprintf(stderr, "candourctl %s: nothing changed\n", S_CMD);
        return 1;
    }
    long pages = 0, told = 0;
    for (int p = 0; p < np; p++) {
        long long last = 0;
        int n;
        do {
            n = s_page(&run, producers[p], types, &last, page);
            if (n < 0) {
                fprintf(stderr,
                        "candourctl %s: stopped in %s's outbox after seq %lld; the reporting"
                        " schema is part-made: run the rebuild again\n",
                        S_CMD, producers[p], last);
                return 1;
            }
            pages++;
            if (run.events >= told + S_TELL) { /* progress, on stderr */
                told = run.events - run.events % S_TELL;
                fprintf(stderr, "candourctl %s: %s's outbox to seq %lld, %ld events so far\n",
                        S_CMD, producers[p], last, run.events);
            }
        } while (n == page);
    }
    PGresult *cnt = ctl_db_query(c, S_CMD,
                                 "SELECT (SELECT count(*) FROM reporting.complaint),"
                                 " (SELECT count(*) FROM reporting.benchmark_return)",
                                 0, NULL);
    if (!cnt)
        return 1;
    printf(
        "reporting rebuilt: %ld events replayed (%ld skipped, %ld taken by the service meanwhile),"
        " %s complaints, %s benchmark returns, %ld pages, %ld statements\n",
        run.events, run.skipped, run.taken, PQgetvalue(cnt, 0, 0), PQgetvalue(cnt, 0, 1), pages,
        run.statements);
    PQclear(cnt);
    return 0;
}

static void s_usage(FILE *out)
{
    fprintf(out,
            "Usage: candourctl reporting rebuild [--page N]\n\n"
            "Empty the reporting schema and make it again from every event the services'\n"
            "outboxes keep, through the reporting service's own apply functions: each outbox\n"
            "read in pages of N events (default %d, at most %d), each page one transaction\n"
            "(the service waits for it; nothing is applied twice). If it stops part-way, run\n"
            "it again. Connects as the admin: CANDOUR_DB_URL.\n",
            S_PAGE, S_PAGE_MAX);
}

int ctl_reporting(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        s_usage(stdout);
        return 0;
    }
    int page = S_PAGE;
    if (argc == 4 && strcmp(argv[2], "--page") == 0) {
        char *end = NULL;
        long v = strtol(argv[3], &end, 10);
        if (!*argv[3] || *end || v < 1 || v > S_PAGE_MAX) {
            fprintf(stderr, "candourctl %s: --page wants a number of events, 1..%d\n", S_CMD,
                    S_PAGE_MAX);
            return 2;
        }
        page = (int)v;
    } else if (argc != 2) {
        s_usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "rebuild") != 0) {
        s_usage(stderr);
        return 2;
    }
    PGconn *c = ctl_db_connect(S_CMD);
    if (!c)
        return 1;
    /* not TRUNCATE's word on every table it cascades to */
    int rc = ctl_db_exec(c, S_CMD, "SET client_min_messages = warning", 0, NULL) != 0 ||
             s_rebuild(c, page);
    PQfinish(c);
    return rc;
}
