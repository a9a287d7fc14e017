/* events.c - the events reporting takes: each one's row changes (apply.h),
 * written in one transaction with its inbox record, so a redelivered event
 * changes nothing (the inbox refuses its id) and `candourctl reporting
 * rebuild`, which replays the producers' outboxes through the same
 * rp_apply and rp_sql, writes the same rows. */
#include "candour/errcode.h"
#include "candour/inbox.h"
#include "candour/log.h"
#include "apply.h"
#include "apply_sql.h"
#include "reporting.h"

#include <stdlib.h>

static int s_add(void *arg, const char *sql, int nparams, const char *const *values)
{
    return cd_tx_add(arg, sql, nparams, values);
}

void rp_on_event(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                 const ProtobufCMessage *payload, void *arg)
{
    (void)arg;
    rp_change_t ch;
    int rc = rp_apply(env, payload, &ch);
    if (rc < 0) {
        cd_log_warn("reporting.unusable", "{s:s, s:s, s:s}", "event_id", env->event_id, "type",
                    env->type, "reference", env->complaint_ref);
        cd_inbox_nak(in, ev, CD_CODE_MALFORMED_EVENT, "no complaint reference to report it under");
        return;
    }
    /* Nothing to keep: recorded all the same, so it is not taken twice. */
    cd_tx_t *tx = cd_inbox_tx(in, ev);
    if (rc > 0 && rp_sql(&ch, s_add, tx) != 0)
        cd_tx_poison(tx);
    cd_inbox_commit(in, ev, tx, NULL, NULL);
}

/* A batch of one type's events (inbox.h, cd_batch_t): each event's change as
 * rp_on_event makes it, but the complaint rows of the changes that share a
 * shape in one statement. An event reporting cannot keep sends the batch
 * back to be applied one by one, where it alone is refused. */
int rp_on_batch(cd_inbox_t *in, cd_batch_t *b, void *arg)
{
    (void)in;
    (void)arg;
    rp_change_t *chs = malloc((size_t)b->n * sizeof *chs);
    const rp_change_t **kept = malloc((size_t)b->n * sizeof *kept);
    const rp_change_t **shape = malloc((size_t)b->n * sizeof *shape);
    char *taken = calloc((size_t)b->n, 1);
    int rc = chs && kept && shape && taken ? 0 : -1, nkept = 0;
    for (int i = 0; rc == 0 && i < b->n; i++) {
        int got = rp_apply(b->envs[i], b->payloads[i], &chs[i]);
        if (got < 0)
            rc = -1;
        else if (got > 0)
            kept[nkept++] = &chs[i];
    }
    /* Complaint rows: a statement a shape, in the order shapes first occur. */
    for (int i = 0; rc == 0 && i < nkept; i++) {
        if (taken[i])
            continue;
        int n = 0;
        for (int j = i; j < nkept; j++)
            if (!taken[j] && rp_sql_same_shape(kept[i], kept[j])) {
                shape[n++] = kept[j];
                taken[j] = 1;
            }
        rc = rp_sql_complaints(shape, n, s_add, b->tx);
    }
    /* Then each change's other rows (its complaint row is there now). */
    for (int i = 0; rc == 0 && i < nkept; i++)
        rc = rp_sql_rest(kept[i], s_add, b->tx);
    free(chs);
    free(kept);
    free(shape);
    free(taken);
    return rc;
}
