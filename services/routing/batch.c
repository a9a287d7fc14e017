/* batch.c - routing's events applied in batches (inbox.h, cd_batch_t;
 * issue 18): one transaction reads what every event of the batch needs
 * (rt_sql_read once an event: one round trip), each is decided as alone
 * (apply.c: rt_apply_decide, the one lifecycle table), and all their writes
 * go in the batch's one transaction: each row written as for one event, and
 * the history lines, events and new deadlines of all of them by one
 * statement each (sink.h). If any event cannot be decided now (its
 * complaint not known yet, its read came back empty, it is malformed), or
 * the transaction fails, the batch is given up and its events are applied
 * one by one, each to its own outcome. Events of one batch are about
 * different complaints (the inbox's rule), so no decision depends on
 * another's write. */
#include <stdlib.h>

#include "candour/log.h"
#include "routing.h"
#include "sink.h"
#include "store.h"

typedef struct {
    cd_inbox_t *in;
    cd_batch_t *b;
    rt_apply_t **a;  /* b->n of them */
    rt_sink_t *sink; /* their history, events and deadlines, written together */
} s_batch_t;

static void s_free(s_batch_t *bt)
{
    for (int i = 0; i < bt->b->n; i++)
        if (bt->a[i])
            rt_apply_free(bt->a[i]);
    free(bt->a);
    rt_sink_free(&bt->sink);
    free(bt);
}

static void s_on_read(const cd_tx_result_t *res, void *arg)
{
    s_batch_t *bt = arg;
    cd_batch_t *b = bt->b;
    int ok = res->err == 0 && res->nresults == b->n;
    for (int i = 0; ok && i < b->n; i++) {
        int rc = rt_apply_decide(bt->a[i], res->results[i], b->tx);
        if (rc != RT_APPLY_OK) {
            cd_log_debug("routing.batch_split", "{s:s, s:i}", "reference",
                         b->envs[i]->complaint_ref, "why", rc);
            ok = 0;
        }
    }
    if (ok)
        rt_sink_write(bt->sink, b->tx); /* before the events are answered: it points into them */
    cd_inbox_t *in = bt->in;
    s_free(bt);
    if (ok) {
        b->on_committed = cd_service_kick;
        b->committed_arg = rt_app.svc;
        cd_inbox_batch_submit(in, b);
    } else {
        cd_inbox_batch_split(in, b);
    }
}

int rt_on_batch(cd_inbox_t *in, cd_batch_t *b, void *arg)
{
    (void)arg;
    s_batch_t *bt = calloc(1, sizeof *bt);
    cd_tx_t *read = cd_tx_new();
    if (!bt || !read || !(bt->a = calloc((size_t)b->n, sizeof *bt->a)) ||
        !(bt->sink = rt_sink_new())) {
        if (bt)
            free(bt->a);
        free(bt);
        cd_tx_destroy(&read);
        return -1;
    }
    bt->in = in;
    bt->b = b;
    for (int i = 0; i < b->n; i++) {
        rt_read_args_t args;
        bt->a[i] = rt_apply_prepare(in, b->evs[i], b->envs[i], b->payloads[i], &args);
        if (bt->a[i])
            bt->a[i]->sink = bt->sink;
        if (!bt->a[i] || cd_tx_add(read, rt_sql_read, 4, args.v) != 0) {
            free(args.services);
            cd_tx_destroy(&read);
            s_free(bt);
            return -1;
        }
        free(args.services);
    }
    cd_db_submit(cd_service_db(rt_app.svc), read, s_on_read, bt);
    return CD_INBOX_BATCH_LATER;
}
