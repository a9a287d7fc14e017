/* inbox_batch.c - events of one type applied together (inbox.h, cd_batch_t).
 *
 * An event whose type has a batch function is held (busy, so the next event
 * about its complaint waits behind it) until the loop has read this turn's
 * input; a uv_check handle then hands each type's held events over at once.
 * Under load the producers' rounds arrive as bursts, so a burst becomes one
 * transaction of a few set-based statements instead of a few statements an
 * event. The batch commits whole or not at all; when it fails, each of its
 * events goes to the one-at-a-time handler, whose outcome is then its own. */
#include <stdlib.h>
#include <string.h>

#include "candour/error.h"
#include "candour/log.h"
#include "candour/util.h"
#include "inbox_int.h"

typedef struct {
    cd_inbox_t *in;
    int n;
    cd_batch_t b;     /* what the batch function was handed (it may keep it: LATER) */
    cd_event_t **evs; /* n of them; then the envs and payloads the handler was shown */
    const Candour__V1__Envelope **envs;
    const ProtobufCMessage **payloads;
} s_run_t;

static void s_on_check(uv_check_t *h);

static void s_free_handle(uv_handle_t *h)
{
    free(h);
}

void cd_inbox_batch_init(cd_inbox_t *in)
{
    in->flush = malloc(sizeof *in->flush);
    if (in->flush) {
        uv_check_init(in->loop, in->flush);
        in->flush->data = in;
    }
    in->m_batches = cd_metric_counter("candour_inbox_batches_total", NULL,
                                      "Batches of events applied together and committed.");
    in->m_batch_events = cd_metric_counter("candour_inbox_batch_events_total", NULL,
                                           "Events applied in those batches.");
    in->m_batch_splits =
        cd_metric_counter("candour_inbox_batch_splits_total", NULL,
                          "Batches that failed whole and were applied one event at a time.");
}

void cd_inbox_batch_handlers(cd_inbox_t *in, const cd_batch_handler_t *rows)
{
    in->batch_rows = rows;
}

void cd_inbox_batch_close(cd_inbox_t *in)
{
    if (in->flush) {
        uv_close((uv_handle_t *)in->flush, s_free_handle);
        in->flush = NULL;
    }
}

void cd_inbox_batch_hold(cd_inbox_t *in, cd_event_t *ev)
{
    if (!in->flush || (in->npend == in->cappend && in->cappend >= 4 * CD_INBOX_BATCH_MAX)) {
        cd_inbox_apply_one(in, ev); /* no handle, or a pile no turn should build */
        return;
    }
    if (in->npend == in->cappend) {
        int cap = in->cappend ? 2 * in->cappend : 64;
        cd_event_t **p = realloc(in->pend, (size_t)cap * sizeof *p);
        if (!p) {
            cd_inbox_apply_one(in, ev);
            return;
        }
        in->pend = p;
        in->cappend = cap;
    }
    in->pend[in->npend++] = ev;
    if (!uv_is_active((uv_handle_t *)in->flush))
        uv_check_start(in->flush, s_on_check);
}

void cd_inbox_batch_drop(cd_inbox_t *in)
{
    /* Taken off the list first: freeing one could start another. */
    int n = in->npend;
    cd_event_t **evs = in->pend;
    in->pend = NULL;
    in->npend = in->cappend = 0;
    for (int i = 0; i < n; i++)
        cd_inbox_event_free(evs[i]);
    free(evs);
}

static void s_run_free(s_run_t *run)
{
    free(run->evs);
    free(run->envs);
    free(run->payloads);
    free(run);
}

/* Each event of a run to its one-at-a-time handler. */
static void s_split(s_run_t *run)
{
    cd_inbox_t *in = run->in;
    for (int i = 0; i < run->n; i++)
        cd_inbox_apply_one(in, run->evs[i]);
    s_run_free(run);
}

static void s_on_committed(const cd_tx_result_t *res, void *arg)
{
    s_run_t *run = arg;
    cd_inbox_t *in = run->in;
    if (res->err == 0) {
        in->applied += (uint64_t)run->n;
        in->batches++;
        in->batch_events += (uint64_t)run->n;
        cd_metric_add(in->m_applied, run->n);
        cd_metric_add(in->m_batches, 1);
        cd_metric_add(in->m_batch_events, run->n);
        if (run->b.on_committed)
            run->b.on_committed(run->b.committed_arg);
        /* The last ACK may free a closing inbox: nothing of in after it. */
        cd_event_t **evs = run->evs;
        int n = run->n;
        run->evs = NULL;
        s_run_free(run);
        for (int i = 0; i < n; i++)
            cd_inbox_ack(in, evs[i]);
        free(evs);
    } else if (res->err == CD_EIO || res->err == CD_ECLOSED) {
        /* Database unreachable or closing: stay silent, the producers resend. */
        cd_event_t **evs = run->evs;
        int n = run->n;
        run->evs = NULL;
        s_run_free(run);
        for (int i = 0; i < n; i++)
            cd_inbox_event_free(evs[i]);
        free(evs);
    } else {
        in->batch_splits++;
        cd_metric_add(in->m_batch_splits, 1);
        cd_log_debug("inbox.batch_split", "{s:i, s:s, s:s}", "events", run->n, "sqlstate",
                     res->sqlstate, "reason", res->message);
        s_split(run);
    }
}

/* The statement recording the run's events in the inbox: one for all. */
static int s_add_inbox(cd_inbox_t *in, cd_tx_t *tx, s_run_t *run)
{
    const char **rows = malloc((size_t)run->n * 4 * sizeof *rows);
    char *arr[4];
    if (!rows)
        return CD_ENOMEM;
    for (int i = 0; i < run->n; i++) {
        const Candour__V1__Envelope *e = run->envs[i];
        const char *row[4] = {e->event_id, e->type, e->producer, e->complaint_ref};
        memcpy(&rows[4 * i], row, sizeof row);
    }
    int rc = cd_pg_text_columns(rows, (size_t)run->n, 4, arr) == 0 ? 0 : CD_ENOMEM;
    free(rows);
    if (rc == 0) {
        char sql[320];
        snprintf(sql, sizeof sql,
                 "INSERT INTO %s.inbox (event_id, type, producer, complaint_ref)"
                 " SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[])",
                 in->schema);
        rc = cd_tx_add(tx, sql, 4, (const char *const *)arr);
        for (int c = 0; c < 4; c++)
            free(arr[c]);
    }
    return rc;
}

/* Hand evs[0..n) (one type's) over together. */
static void s_run(cd_inbox_t *in, cd_batch_fn batch, cd_event_t **evs, int n)
{
    s_run_t *run = calloc(1, sizeof *run);
    if (run) {
        run->evs = malloc((size_t)n * sizeof *run->evs);
        run->envs = malloc((size_t)n * sizeof *run->envs);
        run->payloads = malloc((size_t)n * sizeof *run->payloads);
    }
    if (!run || !run->evs || !run->envs || !run->payloads) {
        if (run)
            s_run_free(run);
        for (int i = 0; i < n; i++)
            cd_inbox_apply_one(in, evs[i]);
        return;
    }
    run->in = in;
    run->n = n;
    for (int i = 0; i < n; i++) {
        run->evs[i] = evs[i];
        run->envs[i] = evs[i]->env;
        run->payloads[i] = evs[i]->payload;
    }
    run->b = (cd_batch_t){.tx = cd_tx_new(),
                          .n = n,
                          .evs = run->evs,
                          .envs = run->envs,
                          .payloads = run->payloads,
                          .run = run};
    int rc = run->b.tx && s_add_inbox(in, run->b.tx, run) == 0 ? batch(in, &run->b, in->arg) : -1;
    if (rc == CD_INBOX_BATCH_LATER)
        return; /* the function submits or splits it */
    if (rc == 0)
        cd_inbox_batch_submit(in, &run->b);
    else
        cd_inbox_batch_split(in, &run->b);
}

void cd_inbox_batch_submit(cd_inbox_t *in, cd_batch_t *b)
{
    s_run_t *run = b->run;
    cd_tx_t *tx = b->tx;
    b->tx = NULL;
    cd_db_submit(in->db, tx, s_on_committed, run);
}

void cd_inbox_batch_split(cd_inbox_t *in, cd_batch_t *b)
{
    (void)in;
    cd_tx_destroy(&b->tx);
    s_split(b->run);
}

/* After the turn's input: each handler's held events, together. */
static void s_on_check(uv_check_t *hd)
{
    cd_inbox_t *in = hd->data;
    uv_check_stop(hd);
    int n = in->npend;
    cd_event_t **held = in->pend;
    in->pend = NULL;
    in->npend = in->cappend = 0;
    cd_event_t **group = malloc((size_t)(n ? n : 1) * sizeof *group);
    for (int i = 0; i < n; i++) {
        if (!held[i])
            continue;
        const cd_handler_t *h = held[i]->h;
        cd_batch_fn batch = held[i]->batch;
        int k = 0;
        for (int j = i; j < n && k < CD_INBOX_BATCH_MAX; j++)
            if (held[j] && held[j]->h == h) {
                if (group)
                    group[k] = held[j];
                else
                    cd_inbox_apply_one(in, held[j]); /* no memory: one by one */
                k++;
                held[j] = NULL;
            }
        if (!group)
            continue;
        if (k == 1)
            cd_inbox_apply_one(in, group[0]);
        else
            s_run(in, batch, group, k);
    }
    free(group);
    free(held);
}

uint64_t cd_inbox_batches(const cd_inbox_t *in)
{
    return in->batches;
}

uint64_t cd_inbox_batch_events(const cd_inbox_t *in)
{
    return in->batch_events;
}

uint64_t cd_inbox_batch_splits(const cd_inbox_t *in)
{
    return in->batch_splits;
}
