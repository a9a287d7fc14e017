/* outbox_reply.c - what comes back to the outbox's dispatcher (outbox.h):
 * the subscribers' ACKs, gathered for the next round to record, and NAKs,
 * recorded at once (dead-lettered after max_naks); and the backlog and
 * dead-letter gauges. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/error.h"
#include "candour/log.h"
#include "candour/metrics.h"
#include "candour/v1/error.pb-c.h"
#include "outbox_int.h"

/* ---------------------------------------------------------------- gauges */

static void s_on_stats(const cd_tx_result_t *res, void *arg)
{
    cd_outbox_t *ob = arg;
    ob->counting = 0;
    if (ob->closing || res->err || PQntuples(res->results[0]) != 1)
        return;
    cd_metric_set(ob->m_dead, strtod(PQgetvalue(res->results[0], 0, 0), NULL));
    cd_metric_set(ob->m_pending, strtod(PQgetvalue(res->results[0], 0, 1), NULL));
}

void cd_outbox_on_stats_timer(uv_timer_t *t)
{
    cd_outbox_t *ob = t->data;
    if (ob->counting || ob->closing || !cd_db_ready(ob->db))
        return;
    ob->counting = 1;
    cd_db_query(ob->db, ob->sql_stats, 0, NULL, s_on_stats, ob);
}

/* ---------------------------------------------------------------- acks */

/* Append "{a,b,c}" of the sub's acks to a buffer. */
static char *s_ack_array(s_sub_t *sub)
{
    size_t len = 3 + (size_t)sub->nacks * (CD_UUID_LEN + 1);
    char *out = malloc(len);
    if (!out)
        return NULL;
    char *p = out;
    *p++ = '{';
    for (int i = 0; i < sub->nacks; i++) {
        if (i)
            *p++ = ',';
        memcpy(p, sub->acks[i], CD_UUID_LEN);
        p += CD_UUID_LEN;
        free(sub->acks[i]);
    }
    *p++ = '}';
    *p = 0;
    sub->nacks = 0;
    return out;
}

/* Add to *ptx (made if NULL) a statement recording each subscriber's
 * acknowledgements; the number added. */
int cd_outbox_add_acks(cd_outbox_t *ob, cd_tx_t **ptx)
{
    int added = 0;
    for (int i = 0; i < ob->nsubs; i++) {
        s_sub_t *sub = &ob->subs[i];
        if (!sub->nacks)
            continue;
        if (!*ptx && !(*ptx = cd_tx_new()))
            return added;
        ob->acked += (uint64_t)sub->nacks;
        cd_metric_add(ob->m_acked, sub->nacks);
        char *arr = s_ack_array(sub);
        const char *vals[2] = {sub->name, arr};
        if (arr && cd_tx_add_fresh(*ptx, ob->sql_ack, 2, vals) == 0)
            added++;
        free(arr);
    }
    return added;
}

static int s_valid_uuid(const void *data, size_t size)
{
    if (size != CD_UUID_LEN)
        return 0;
    const char *s = data;
    for (size_t i = 0; i < size; i++) {
        int dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !strchr("0123456789abcdefABCDEF", s[i]))
            return 0;
    }
    return 1;
}

static void s_on_nak_recorded(const cd_tx_result_t *res, void *arg)
{
    if (res->err && res->err != CD_EIO)
        cd_log_error("outbox.nak_failed", "{s:s}", "message", res->message);
}

static void s_record_nak(cd_outbox_t *ob, s_sub_t *sub, const char *event_id,
                         const cd_frame_t *errf)
{
    char why[512] = "rejected by subscriber";
    if (errf) {
        Candour__V1__Error *e = candour__v1__error__unpack(NULL, errf->size, errf->data);
        if (e) {
            snprintf(why, sizeof why, "%s: %s", e->code, e->message);
            candour__v1__error__free_unpacked(e, NULL);
        }
    }
    char max[16];
    snprintf(max, sizeof max, "%d", ob->opts.max_naks);
    const char *vals[4] = {sub->name, event_id, why, max};
    ob->naked++;
    cd_metric_add(ob->m_naked, 1);
    cd_log_warn("outbox.nak", "{s:s, s:s, s:s}", "subscriber", sub->name, "event_id", event_id,
                "reason", why);
    cd_db_query(ob->db, ob->sql_nak, 4, vals, s_on_nak_recorded, ob);
}

/* Replies from a subscriber: "ACK" | id, or "NAK" | id | Error. */
void cd_outbox_on_reply(cd_zsock_t *sock, const cd_frame_t *f, int n, void *arg)
{
    s_inst_t *inst = arg;
    s_sub_t *sub = inst->sub;
    cd_outbox_t *ob = sub->ob;
    if (n < 2 || f[0].size != 3 || !s_valid_uuid(f[1].data, f[1].size))
        return;
    char id[CD_UUID_LEN + 1];
    memcpy(id, f[1].data, CD_UUID_LEN);
    id[CD_UUID_LEN] = 0;
    if (memcmp(f[0].data, "ACK", 3) == 0) {
        if (sub->nacks == sub->capacks) {
            int cap = sub->capacks ? sub->capacks * 2 : 64;
            char **p = realloc(sub->acks, (size_t)cap * sizeof *p);
            if (!p)
                return; /* the delivery will be resent and acked again */
            sub->acks = p;
            sub->capacks = cap;
        }
        if ((sub->acks[sub->nacks] = strdup(id)) != NULL)
            sub->nacks++;
        cd_outbox_acked_inflight(inst, id);
        cd_outbox_kick(ob); /* the next round records it */
    } else if (memcmp(f[0].data, "NAK", 3) == 0) {
        s_record_nak(ob, sub, id, n >= 3 ? &f[2] : NULL);
    }
}
