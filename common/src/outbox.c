/* outbox.c - the transactional outbox's dispatcher.
 *
 * Round: claim due deliveries (one UPDATE ... FOR UPDATE SKIP LOCKED that also
 * pushes each one's next attempt into the future, so a crash after the claim
 * only delays a resend), send each as an Envelope to its subscriber, and
 * record ACKs in batches. The claim query enforces per-complaint ordering:
 * a delivery is due only when no earlier delivery of the same complaint to
 * the same subscriber is still unacknowledged.
 *
 * The claim and the ACK are planned afresh each time (cd_tx_add_fresh): the
 * delivery table swings from empty to a backlog of thousands and back, and a
 * plan cached while it was small would scan it whole once it is large. */
#include "candour/outbox.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "candour/error.h"
#include "candour/events.h"
#include "candour/log.h"
#include "candour/metrics.h"
#include "candour/partition.h"
#include "candour/pb.h"
#include "candour/util.h"
#include "candour/v1/envelope.pb-c.h"
#include "candour/v1/error.pb-c.h"
#include "candour/zsock.h"
#include "outbox_int.h"

/* ---------------------------------------------------------------- SQL */

static void s_build_sql(cd_outbox_t *ob)
{
    const char *s = ob->schema;
    snprintf(ob->sql_claim, S_SQL_MAX,
             "WITH due AS (SELECT x.seq, x.subscriber, s.base"
             " FROM unnest($4::text[], $1::int[], $2::float8[]) AS s(sub, lim, base), LATERAL ("
             " SELECT d.seq, d.subscriber FROM %s.outbox_delivery d"
             " WHERE d.delivered_at IS NULL AND d.dead_at IS NULL AND d.next_attempt_at <= now()"
             "  AND d.subscriber = s.sub AND (d.complaint_ref = '' OR NOT EXISTS (SELECT 1 FROM "
             "%s.outbox_delivery e"
             "   WHERE e.subscriber = d.subscriber AND e.complaint_ref = d.complaint_ref"
             "   AND e.complaint_ref <> '' AND e.seq < d.seq AND e.delivered_at IS NULL))"
             " ORDER BY d.seq LIMIT s.lim FOR UPDATE OF d SKIP LOCKED) x)"
             " UPDATE %s.outbox_delivery d SET attempts = d.attempts + 1, last_attempt_at = now(),"
             "  next_attempt_at = now() + make_interval(secs => least($3::float8,"
             "   due.base * power(2, least(d.attempts, 20))) / 1000.0 * (1.0 + random() * 0.25))"
             " FROM due JOIN %s.outbox o ON o.seq = due.seq"
             " WHERE d.seq = due.seq AND d.subscriber = due.subscriber"
             " RETURNING d.subscriber, o.event_id, o.type, o.complaint_ref, o.correlation_id,"
             "  o.causation_id, (extract(epoch FROM o.occurred_at) * 1000000)::bigint,"
             "  o.schema_version, o.payload, o.seq,"
             "  (extract(epoch FROM d.next_attempt_at) * 1000000)::bigint",
             s, s, s, s);
    snprintf(ob->sql_stats, S_SQL_MAX,
             "SELECT count(*) FILTER (WHERE dead_at IS NOT NULL),"
             " count(*) FILTER (WHERE dead_at IS NULL)"
             " FROM %s.outbox_delivery WHERE delivered_at IS NULL",
             s);
    /* No "delivered_at IS NULL" here (see migration 0011): an ACK for a
     * delivery already acknowledged keeps its first time. */
    snprintf(ob->sql_ack, S_SQL_MAX,
             "UPDATE %s.outbox_delivery d SET delivered_at = coalesce(d.delivered_at, now()),"
             " last_error = NULL"
             " FROM %s.outbox o WHERE o.event_id = ANY($2::uuid[]) AND d.seq = o.seq"
             " AND d.subscriber = $1",
             s, s);
    /* "dead_at IS NULL": a NAK for a copy sent before the delivery died (a
     * resend already in flight) must not push naks past max_naks or move
     * dead_at. */
    snprintf(ob->sql_nak, S_SQL_MAX,
             "UPDATE %s.outbox_delivery d SET naks = d.naks + 1, last_error = $3,"
             " dead_at = CASE WHEN d.naks + 1 >= $4::int THEN now() END"
             " FROM %s.outbox o WHERE o.event_id = $2::uuid AND d.seq = o.seq"
             " AND d.subscriber = $1 AND d.delivered_at IS NULL AND d.dead_at IS NULL",
             s, s);
}

const char *cd_outbox_schema_of(const cd_outbox_t *ob)
{
    return ob->schema;
}

/* ---------------------------------------------------------------- sending */

static void s_claim(cd_outbox_t *ob);

static s_sub_t *s_find_sub(cd_outbox_t *ob, const char *name)
{
    for (int i = 0; i < ob->nsubs; i++)
        if (strcmp(ob->subs[i].name, name) == 0)
            return &ob->subs[i];
    return NULL;
}

/* Build the Envelope for one claimed row and send it. */
static void s_send_row(cd_outbox_t *ob, PGresult *r, int row)
{
    s_sub_t *sub = s_find_sub(ob, PQgetvalue(r, row, 0));
    if (!sub) {
        /* Put for a subscriber this process does not know: config drift. It
         * stays pending (and visible) until a process that knows it runs. */
        cd_metric_add(ob->m_unsendable, 1);
        cd_log_error("outbox.unknown_subscriber", "{s:s, s:s}", "subscriber",
                     PQgetvalue(r, row, 0), "event_id", PQgetvalue(r, row, 1));
        return;
    }
    size_t plen = 0;
    unsigned char *payload = cd_db_unescape_bytea(PQgetvalue(r, row, 8), &plen);
    if (!payload)
        return;
    Candour__V1__Envelope env = CANDOUR__V1__ENVELOPE__INIT;
    env.event_id = PQgetvalue(r, row, 1);
    env.type = PQgetvalue(r, row, 2);
    env.complaint_ref = PQgetvalue(r, row, 3);
    env.correlation_id = PQgetvalue(r, row, 4);
    env.causation_id = PQgetvalue(r, row, 5);
    env.producer = ob->producer;
    env.occurred_at_us = strtoll(PQgetvalue(r, row, 6), NULL, 10);
    env.schema_version = (uint32_t)strtoul(PQgetvalue(r, row, 7), NULL, 10);
    env.payload.data = payload;
    env.payload.len = plen;
    env.sequence = strtoll(PQgetvalue(r, row, 9), NULL, 10);
    size_t elen = 0;
    uint8_t *buf = cd_pb_pack(&env.base, &elen);
    if (buf) {
        cd_frame_t frames[2] = {{"EVT", 3}, {buf, elen}};
        const char *key = *env.complaint_ref ? env.complaint_ref : env.event_id;
        s_inst_t *inst = &sub->inst[cd_partition_pick((const char *const *)sub->inst_ep,
                                                      sub->ninst, key)];
        if (inst->sock && cd_zsock_send(inst->sock, frames, 2) == 0) {
            ob->sent++;
            cd_metric_add(ob->m_sent, 1);
            if (sub->inf_id && sub->inf_until_us && sub->inf_sent_us && sub->ninf < sub->capinf) {
                memcpy(sub->inf_id[sub->ninf], env.event_id, CD_UUID_LEN + 1);
                sub->inf_sent_us[sub->ninf] = cd_now_us();
                sub->inf_until_us[sub->ninf++] = strtoll(PQgetvalue(r, row, 10), NULL, 10);
            }
        } else {
            /* No peer or high-water mark: the claim already scheduled a retry. */
            cd_log_debug("outbox.send_deferred", "{s:s, s:s}", "subscriber", sub->name,
                         "event_id", env.event_id);
        }
        free(buf);
    }
    free(payload);
}

static void s_on_claimed(const cd_tx_result_t *res, void *arg)
{
    cd_outbox_t *ob = arg;
    ob->claiming = 0;
    if (ob->closing)
        return;
    if (res->err) {
        /* Acks not recorded leave their deliveries pending: they are resent
         * and the consumer's inbox absorbs the copy. */
        if (res->err != CD_EIO && res->err != CD_ECLOSED)
            cd_log_error("outbox.claim_failed", "{s:s, s:s}", "sqlstate", res->sqlstate,
                         "message", res->message);
        return;
    }
    int full = 0;
    for (int k = ob->round_acks; k < res->nresults; k++) {
        PGresult *r = res->results[k];
        int n = PQntuples(r);
        for (int i = 0; i < n; i++)
            s_send_row(ob, r, i);
        full |= n >= ob->opts.batch;
    }
    ob->last_full = full;
    if (full || ob->claim_again) {
        ob->claim_again = 0;
        cd_outbox_kick(ob);
    }
}

/* Forget in-flight deliveries whose resend time has come: the claim will
 * find them due again. */
static void s_expire_inflight(s_sub_t *sub, int64_t now_us)
{
    int k = 0;
    for (int i = 0; i < sub->ninf; i++) {
        if (sub->inf_until_us[i] <= now_us)
            continue;
        if (k != i) {
            memcpy(sub->inf_id[k], sub->inf_id[i], CD_UUID_LEN + 1);
            sub->inf_until_us[k] = sub->inf_until_us[i];
            sub->inf_sent_us[k] = sub->inf_sent_us[i];
        }
        k++;
    }
    sub->ninf = k;
}

void cd_outbox_acked_inflight(s_inst_t *inst, const char *id)
{
    s_sub_t *sub = inst->sub;
    for (int i = 0; i < sub->ninf; i++)
        if (memcmp(sub->inf_id[i], id, CD_UUID_LEN) == 0) {
            int64_t rtt = cd_now_us() - sub->inf_sent_us[i];
            if (rtt > 0)
                inst->rtt_us = inst->rtt_us ? (7 * inst->rtt_us + rtt) / 8 : rtt;
            sub->ninf--;
            memcpy(sub->inf_id[i], sub->inf_id[sub->ninf], CD_UUID_LEN + 1);
            sub->inf_until_us[i] = sub->inf_until_us[sub->ninf];
            sub->inf_sent_us[i] = sub->inf_sent_us[sub->ninf];
            return;
        }
}

static void s_on_pace(uv_timer_t *t)
{
    s_claim(t->data);
}

/* How long a delivery sent now waits for its ACK before a first resend:
 * retry_base_ms, or four times the smoothed round trip of the subscriber's
 * slowest instance when that is longer (at most retry_cap_ms). A consumer
 * working through a backlog answers late but answers: resending it what it
 * merely has queued only adds work (issue 18 saw more resends than events
 * while routing lagged, and, with one round trip for two instances, the
 * slower instance resent 14 % of its events), whereas a consumer that died
 * answers nothing and its deliveries come due after a few of its last
 * round trips. The claim does not know which instance a delivery goes to,
 * hence the slowest. */
static int s_first_resend_ms(const cd_outbox_t *ob, const s_sub_t *sub)
{
    int64_t rtt = 0;
    for (int k = 0; k < sub->ninst; k++)
        if (sub->inst[k].rtt_us > rtt)
            rtt = sub->inst[k].rtt_us;
    int64_t ms = 4 * rtt / 1000;
    if (ms < ob->opts.retry_base_ms)
        ms = ob->opts.retry_base_ms;
    return (int)(ms < ob->opts.retry_cap_ms ? ms : ob->opts.retry_cap_ms);
}

/* One round: the acknowledgements received since the last round recorded,
 * then the due deliveries claimed, in one transaction (the claim sees the
 * acks, so a complaint's next event is due at once). Rounds are at least
 * pace_ms apart unless the last one claimed a full batch: under load each
 * round then carries many deliveries, and the server plans and commits one
 * round where it used to plan one for every few events. */
static void s_claim(cd_outbox_t *ob)
{
    if (ob->closing || !cd_db_ready(ob->db))
        return;
    if (ob->claiming) {
        ob->claim_again = 1;
        return;
    }
    uint64_t now_ms = uv_now(ob->loop);
    if (!ob->last_full && now_ms < ob->last_round_ms + (uint64_t)ob->opts.pace_ms) {
        if (!uv_is_active((uv_handle_t *)&ob->pace))
            uv_timer_start(&ob->pace, s_on_pace, ob->last_round_ms + ob->opts.pace_ms - now_ms, 0);
        return;
    }
    uv_timer_stop(&ob->pace);
    ob->last_round_ms = now_ms;
    char cap[16];
    snprintf(cap, sizeof cap, "%d", ob->opts.retry_cap_ms);
    int64_t now = cd_now_us();
    cd_tx_t *tx = NULL;
    ob->round_acks = cd_outbox_add_acks(ob, &tx);
    /* One claim for every subscriber with room: their names, limits and
     * first resends as arrays (planned once a round, not once a subscriber). */
    char names[1024], limits[512], bases[512];
    size_t nl = 0, ll = 0, bl = 0;
    int claims = 0;
    for (int i = 0; i < ob->nsubs; i++) {
        s_sub_t *sub = &ob->subs[i];
        s_expire_inflight(sub, now);
        int room = sub->inf_id && sub->inf_until_us && sub->inf_sent_us
                       ? sub->capinf - sub->ninf
                       : ob->opts.batch; /* no memory: no window */
        if (room <= 0)
            continue; /* its acknowledgements will kick the next round */
        const char *sep = claims++ ? "," : "";
        nl += (size_t)snprintf(names + nl, sizeof names - nl, "%s%s", sep, sub->name);
        ll += (size_t)snprintf(limits + ll, sizeof limits - ll, "%s%d", sep,
                               room < ob->opts.batch ? room : ob->opts.batch);
        bl += (size_t)snprintf(bases + bl, sizeof bases - bl, "%s%d", sep,
                               s_first_resend_ms(ob, sub));
        assert(nl < sizeof names && ll < sizeof limits && bl < sizeof bases);
    }
    if (claims) {
        /* Subscriber names are identifiers ([a-z_]+): no quoting needed. */
        char n[1040], l[528], b[528];
        snprintf(n, sizeof n, "{%s}", names);
        snprintf(l, sizeof l, "{%s}", limits);
        snprintf(b, sizeof b, "{%s}", bases);
        const char *vals[4] = {l, b, cap, n};
        if (tx || (tx = cd_tx_new()))
            cd_tx_add_fresh(tx, ob->sql_claim, 4, vals); /* see cd_tx_add_fresh */
    }
    if (!tx)
        return;
    ob->claiming = 1;
    cd_db_submit(ob->db, tx, s_on_claimed, ob);
}

static void s_on_timer(uv_timer_t *t)
{
    s_claim(t->data);
}

static void s_on_kick(uv_idle_t *h)
{
    cd_outbox_t *ob = h->data;
    uv_idle_stop(h);
    ob->kick_active = 0;
    s_claim(ob);
}

void cd_outbox_kick(cd_outbox_t *ob)
{
    if (!ob || !ob->started || ob->closing || ob->kick_active)
        return;
    ob->kick_active = 1;
    uv_idle_start(&ob->kick, s_on_kick);
}

/* ---------------------------------------------------------------- lifecycle */

/* The subscriber's endpoint list ("a" or "a,b,c") as its instances; 0, or
 * -1 out of memory or an empty list. */
static int s_split_instances(s_sub_t *sub)
{
    int n = 1;
    for (const char *p = sub->endpoint; *p; p++)
        n += *p == ',';
    sub->inst = calloc((size_t)n, sizeof *sub->inst);
    sub->inst_ep = calloc((size_t)n, sizeof *sub->inst_ep);
    char *list = strdup(sub->endpoint), *save = NULL;
    if (!sub->inst || !sub->inst_ep || !list) {
        free(list);
        return -1;
    }
    for (char *ep = strtok_r(list, ",", &save); ep; ep = strtok_r(NULL, ",", &save))
        if (*ep && !(sub->inst_ep[sub->ninst++] = strdup(ep))) {
            free(list);
            return -1;
        }
    free(list);
    return sub->ninst > 0 ? 0 : -1;
}

/* The subscribers, their sockets closed. */
static void s_free_subs(cd_outbox_t *ob)
{
    for (int i = 0; i < ob->nsubs; i++) {
        s_sub_t *sub = &ob->subs[i];
        for (int k = 0; k < sub->ninst; k++) {
            cd_zsock_destroy(&sub->inst[k].sock);
            free(sub->inst_ep[k]);
        }
        free(sub->inst);
        free(sub->inst_ep);
        for (int j = 0; j < sub->nacks; j++)
            free(sub->acks[j]);
        free(sub->acks);
        free(sub->inf_id);
        free(sub->inf_until_us);
        free(sub->inf_sent_us);
        free(sub->name);
        free(sub->endpoint);
    }
    free(ob->subs);
    ob->subs = NULL;
    ob->nsubs = 0;
}

cd_outbox_t *cd_outbox_new(uv_loop_t *loop, cd_db_t *db, const char *schema, const char *producer,
                           const cd_subscriber_t *subs, int nsubs, const cd_outbox_opts_t *opts)
{
    cd_outbox_t *ob = calloc(1, sizeof *ob);
    if (!ob)
        return NULL;
    ob->loop = loop;
    ob->db = db;
    snprintf(ob->schema, sizeof ob->schema, "%s", schema);
    snprintf(ob->producer, sizeof ob->producer, "%s", producer);
    ob->opts = (cd_outbox_opts_t){250, 256, 1000, 30000, 5, 128, 10};
    if (opts) {
        if (opts->window > 0) ob->opts.window = opts->window;
        if (opts->poll_ms > 0) ob->opts.poll_ms = opts->poll_ms;
        if (opts->batch > 0) ob->opts.batch = opts->batch;
        if (opts->retry_base_ms > 0) ob->opts.retry_base_ms = opts->retry_base_ms;
        if (opts->retry_cap_ms > 0) ob->opts.retry_cap_ms = opts->retry_cap_ms;
        if (opts->max_naks > 0) ob->opts.max_naks = opts->max_naks;
        if (opts->pace_ms > 0)
            ob->opts.pace_ms = opts->pace_ms;
    }
    s_build_sql(ob);
    ob->subs = calloc((size_t)(nsubs ? nsubs : 1), sizeof *ob->subs);
    if (!ob->subs) {
        free(ob);
        return NULL;
    }
    ob->nsubs = nsubs;
    for (int i = 0; i < nsubs; i++) {
        s_sub_t *sub = &ob->subs[i];
        sub->ob = ob;
        sub->name = strdup(subs[i].name);
        sub->endpoint = strdup(subs[i].endpoint);
        if (!sub->name || !sub->endpoint || s_split_instances(sub) != 0) {
            ob->nsubs = i + 1;
            s_free_subs(ob);
            free(ob);
            return NULL;
        }
        sub->capinf = ob->opts.window * sub->ninst;
        sub->inf_id = calloc((size_t)sub->capinf, sizeof *sub->inf_id);
        sub->inf_until_us = calloc((size_t)sub->capinf, sizeof(int64_t));
        sub->inf_sent_us = calloc((size_t)sub->capinf, sizeof(int64_t));
    }
    char labels[128];
    snprintf(labels, sizeof labels, "producer=\"%s\"", producer);
    ob->m_sent = cd_metric_counter("candour_outbox_sent_total", labels, "Events sent to subscribers (including resends).");
    ob->m_acked = cd_metric_counter("candour_outbox_acked_total", labels, "Deliveries acknowledged by subscribers.");
    ob->m_naked = cd_metric_counter("candour_outbox_naked_total", labels, "Deliveries rejected by subscribers.");
    ob->m_dead = cd_metric_gauge("candour_outbox_dead_letters", labels, "Deliveries dead-lettered and not yet replayed or discarded.");
    ob->m_pending = cd_metric_gauge("candour_outbox_pending", labels, "Deliveries waiting for an acknowledgement (the backlog).");
    ob->m_unsendable = cd_metric_counter("candour_outbox_unknown_subscriber_total", labels, "Deliveries for subscribers this process does not know.");
    uv_timer_init(loop, &ob->timer);
    ob->timer.data = ob;
    uv_idle_init(loop, &ob->kick);
    ob->kick.data = ob;
    uv_timer_init(loop, &ob->pace);
    ob->pace.data = ob;
    uv_timer_init(loop, &ob->stats);
    ob->stats.data = ob;
    return ob;
}

void cd_outbox_set_keys(cd_outbox_t *ob, const cd_keys_t *keys)
{
    assert(!ob->started);
    ob->keys = keys;
}

int cd_outbox_start(cd_outbox_t *ob)
{
    for (int i = 0; i < ob->nsubs; i++) {
        s_sub_t *sub = &ob->subs[i];
        /* One DEALER per instance (the ACK comes back on the connection the
         * event went out on). The subscriber is a service: its internal
         * endpoint admits only the suite's keys, and its name says which
         * public key to expect. */
        for (int k = 0; k < sub->ninst; k++) {
            s_inst_t *inst = &sub->inst[k];
            inst->sub = sub;
            inst->sock = cd_zsock_new(ob->loop, ZMQ_DEALER, cd_outbox_on_reply, inst);
            if (inst->sock && ob->keys && cd_keys_client(ob->keys, inst->sock, sub->name) != 0) {
                cd_log_error("outbox.no_key", "{s:s, s:s}", "subscriber", sub->name, "reason",
                             "the internal key set has no public key for this subscriber");
                return CD_EIO;
            }
            if (!inst->sock || cd_zsock_connect(inst->sock, sub->inst_ep[k]) != 0 ||
                cd_zsock_start(inst->sock) != 0) {
                cd_log_error("outbox.connect_failed", "{s:s, s:s, s:s}", "subscriber", sub->name,
                             "endpoint", sub->inst_ep[k], "error", zmq_strerror(zmq_errno()));
                return CD_EIO;
            }
        }
    }
    ob->started = 1;
    uv_timer_start(&ob->timer, s_on_timer, (uint64_t)ob->opts.poll_ms, (uint64_t)ob->opts.poll_ms);
    uv_timer_start(&ob->stats, cd_outbox_on_stats_timer, 1000, 5000);
    return 0;
}

uint64_t cd_outbox_sent(const cd_outbox_t *ob)
{
    return ob->sent;
}

uint64_t cd_outbox_acked(const cd_outbox_t *ob)
{
    return ob->acked;
}

static void s_free_ob(uv_handle_t *h)
{
    cd_outbox_t *ob = h->data;
    if (--ob->started > 0)
        return;
    free(ob);
}

void cd_outbox_destroy(cd_outbox_t **pob)
{
    if (!pob || !*pob)
        return;
    cd_outbox_t *ob = *pob;
    *pob = NULL;
    ob->closing = 1;
    s_free_subs(ob);
    /* Four handles to close; the struct goes with the last. A claim or ack in
     * flight is failed by cd_db_destroy, whose callbacks check `closing` -
     * so the db must be destroyed before this memory is reused: the daemon
     * destroys the outbox and the db in the same loop turn. */
    ob->started = 4;
    uv_close((uv_handle_t *)&ob->timer, s_free_ob);
    uv_close((uv_handle_t *)&ob->pace, s_free_ob);
    uv_close((uv_handle_t *)&ob->kick, s_free_ob);
    uv_close((uv_handle_t *)&ob->stats, s_free_ob);
}
