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
#include <jansson.h>
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

#define S_SQL_MAX 2048

typedef struct s_sub_t s_sub_t;

/* One instance of a subscriber: an endpoint of its list, and the DEALER
 * connected to it alone. */
typedef struct {
    s_sub_t *sub;
    cd_zsock_t *sock;
} s_inst_t;

struct s_sub_t {
    cd_outbox_t *ob;
    char *name;
    char *endpoint; /* as configured: one endpoint, or its instances' separated by commas */
    /* Its instances, one socket each: a complaint's events all go to the one
     * cd_partition_pick names from the endpoints (partition.h). */
    s_inst_t *inst;
    char **inst_ep; /* their endpoints, the names hashed */
    int ninst;
    char **acks;           /* event ids acknowledged, not yet recorded */
    int nacks, capacks;
    /* Sent and not yet acknowledged, until their resend time: at most
     * opts.window of them, so a busy subscriber is never sent more than it
     * can work through before a resend would fire (flow control). */
    char (*inf_id)[CD_UUID_LEN + 1];
    int64_t *inf_until_us;
    int64_t *inf_sent_us;
    int64_t rtt_us;   /* smoothed time from send to ACK: a first resend waits several of them */
    int ninf, capinf; /* capinf: opts.window for each instance */
};

struct cd_outbox_t {
    uv_loop_t *loop;
    cd_db_t *db;
    char schema[64];
    char producer[64];
    cd_outbox_opts_t opts;
    s_sub_t *subs;
    int nsubs;
    const cd_keys_t *keys;   /* CURVE client keys for the subscribers (NULL: plain sockets) */
    uv_timer_t timer;        /* periodic look for due deliveries */
    uv_idle_t kick;          /* "look now", coalesced to once per loop turn */
    uv_timer_t stats;        /* refreshes the backlog and dead-letter gauges */
    int counting;            /* a stats query is running */
    int kick_active;
    uv_timer_t pace;         /* the next round, when the last was less than pace_ms ago */
    int claiming;            /* a round (acks recorded, then claims) is running */
    int claim_again;         /* a kick came while claiming */
    int round_acks;          /* statements recording acks at the head of the running round */
    int last_full;           /* the last round claimed a full batch: more are due now */
    uint64_t last_round_ms;  /* loop time the last round started */
    int closing;
    int started;
    char sql_put[S_SQL_MAX];
    char sql_claim[S_SQL_MAX];
    char sql_ack[S_SQL_MAX];
    char sql_nak[S_SQL_MAX];
    char sql_stats[S_SQL_MAX];
    uint64_t sent, acked, naked;
    cd_metric_t *m_sent, *m_acked, *m_naked, *m_unsendable, *m_dead, *m_pending;
};

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
             "   due.base * power(2, least(d.attempts, 20))) / 1000.0 * (0.5 + random() * 0.5))"
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

/* ---------------------------------------------------------------- put
 *
 * Two ways in, one event format: cd_outbox_put binds one event's fields as
 * parameters (the payload in binary); cd_outbox_put_many sends n events as
 * one JSON array (the payload in hex) and inserts them with one statement.
 * What each event gets - its ids, its payload bytes, "" for what is absent -
 * is decided in one place, s_put_prepare, so the two cannot drift apart. */

/* One event, ready to be put. */
typedef struct {
    char event_id[CD_UUID_LEN + 1];
    char corr[CD_UUID_LEN + 1]; /* a new correlation id, when the event had none */
    const char *correlation;    /* the event's, or corr */
    const char *complaint_ref;  /* "" if none */
    const char *causation;      /* "" if none */
    uint8_t *payload;           /* packed event message (malloc'd) */
    size_t plen;
} s_put_t;

/* Who hears ev: its own list, else the catalogue's for its type. */
static const char *const *s_subs(const cd_event_out_t *ev)
{
    if (ev->subscribers)
        return ev->subscribers;
    const cd_event_type_t *t = cd_event_type(ev->type);
    assert(t && "an event type missing from the catalogue (events.c)");
    return t ? t->subscribers : NULL;
}

static int s_put_prepare(const cd_event_out_t *ev, s_put_t *p)
{
    assert(ev && ev->type && ev->payload && s_subs(ev));
    p->payload = NULL;
    if (cd_uuid(p->event_id) != 0)
        return CD_EIO;
    p->correlation = ev->correlation_id;
    if (!p->correlation || !*p->correlation) {
        if (cd_uuid(p->corr) != 0)
            return CD_EIO;
        p->correlation = p->corr;
    }
    p->complaint_ref = ev->complaint_ref ? ev->complaint_ref : "";
    p->causation = ev->causation_id ? ev->causation_id : "";
    p->payload = cd_pb_pack(ev->payload, &p->plen);
    return p->payload ? 0 : CD_ENOMEM;
}

/* " WHERE guard_sql" with every $G replaced by bind (a placeholder or a
 * column), or "" without a guard. guard_sql is trusted compile-time SQL. */
static void s_guard_where(const char *guard_sql, const char *bind, char *out, size_t len)
{
    out[0] = 0;
    if (!guard_sql)
        return;
    assert(strstr(guard_sql, "$G") && "guard_sql must use $G");
    size_t n = (size_t)snprintf(out, len, " WHERE ");
    for (const char *s = guard_sql; *s && n < len;) {
        const char *g = strstr(s, "$G");
        size_t take = g ? (size_t)(g - s) : strlen(s);
        n += (size_t)snprintf(out + n, len - n, "%.*s%s", (int)take, s, g ? bind : "");
        s += take + (g ? 2 : 0);
    }
    assert(n < len && "guard_sql too long");
}

int cd_outbox_put(cd_outbox_t *ob, cd_tx_t *tx, const cd_event_out_t *ev, const char *guard_sql,
                  const char *guard_param)
{
    assert(ob && ev && ev->type && ev->payload && s_subs(ev));
    if (!tx)
        return CD_ENOMEM;
    s_put_t p;
    int rc = s_put_prepare(ev, &p);
    if (rc != 0) {
        free(p.payload);
        cd_tx_poison(tx);
        return rc;
    }
    /* Subscribers as a text[] literal; names are compile-time identifiers. */
    char subs[512] = "{";
    const char *const *to = s_subs(ev);
    for (int i = 0; to[i]; i++) {
        if (i)
            strncat(subs, ",", sizeof subs - strlen(subs) - 1);
        strncat(subs, to[i], sizeof subs - strlen(subs) - 1);
    }
    strncat(subs, "}", sizeof subs - strlen(subs) - 1);

    /* $G -> $8: the guard's one parameter follows the seven of the put. */
    char guard[S_SQL_MAX];
    s_guard_where(guard_sql, "$8", guard, sizeof guard);
    char sql[S_SQL_MAX * 2];
    snprintf(sql, sizeof sql,
             "WITH o AS (INSERT INTO %s.outbox (event_id, type, complaint_ref, correlation_id,"
             " causation_id, payload) SELECT $1::uuid, $2, $3, $4, $5, $6%s"
             " RETURNING seq, event_id, complaint_ref)"
             " INSERT INTO %s.outbox_delivery (seq, subscriber, event_id, complaint_ref)"
             " SELECT o.seq, sub, o.event_id, o.complaint_ref FROM o, unnest($7::text[]) AS sub",
             ob->schema, guard, ob->schema);
    const char *vals[8] = {p.event_id,    ev->type,    p.complaint_ref,
                           p.correlation, p.causation, (const char *)p.payload,
                           subs,          guard_param};
    int lens[8] = {0, 0, 0, 0, 0, (int)p.plen, 0, 0};
    int fmts[8] = {0, 0, 0, 0, 0, 1, 0, 0};
    rc = cd_tx_addv(tx, sql, guard_sql ? 8 : 7, vals, lens, fmts);
    free(p.payload);
    return rc;
}

/* bytes as lower-case hex, for decode(..., 'hex'); malloc'd. */
static char *s_hex(const uint8_t *b, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    char *out = malloc(2 * n + 1);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = 0;
    return out;
}

/* One event as an object of put_many's document; NULL on failure, with *rc
 * CD_ENOMEM, CD_EIO, or CD_EINVAL for a string that is not UTF-8 (jansson
 * returns NULL for that and for no memory alike: it is taken as the first). */
static json_t *s_event_json(const cd_event_out_t *ev, const char *guard, int *rc)
{
    s_put_t p;
    if ((*rc = s_put_prepare(ev, &p)) != 0) {
        free(p.payload);
        return NULL;
    }
    char *hex = s_hex(p.payload, p.plen);
    free(p.payload);
    json_t *subs = json_array(), *o = json_object();
    if (!hex || !subs || !o) {
        *rc = CD_ENOMEM;
        goto err;
    }
    *rc = CD_EINVAL;
    const char *const *to = s_subs(ev);
    for (int i = 0; to[i]; i++)
        if (json_array_append_new(subs, json_string(to[i])) != 0)
            goto err;
    /* The _new setters take the value's reference, even when they fail. */
    if (json_object_set_new(o, "event_id", json_string(p.event_id)) ||
        json_object_set_new(o, "type", json_string(ev->type)) ||
        json_object_set_new(o, "complaint_ref", json_string(p.complaint_ref)) ||
        json_object_set_new(o, "correlation_id", json_string(p.correlation)) ||
        json_object_set_new(o, "causation_id", json_string(p.causation)) ||
        json_object_set_new(o, "payload", json_stringn_nocheck(hex, 2 * p.plen)) ||
        json_object_set_new(o, "guard", guard ? json_string(guard) : json_null()))
        goto err;
    if (json_object_set_new(o, "subscribers", subs) != 0) {
        subs = NULL; /* taken all the same */
        goto err;
    }
    free(hex);
    *rc = 0;
    return o;
err:
    free(hex);
    json_decref(subs);
    json_decref(o);
    return NULL;
}

int cd_outbox_put_many(cd_outbox_t *ob, cd_tx_t *tx, const cd_event_out_t *evs, int n,
                       const char *guard_sql, const char *const *guard_params)
{
    assert(ob && n >= 0 && (evs || n == 0));
    assert(!guard_sql || guard_params || n == 0);
    if (!tx)
        return CD_ENOMEM;
    int rc = 0;
    json_t *doc = json_array();
    if (!doc)
        rc = CD_ENOMEM;
    for (int i = 0; rc == 0 && i < n; i++) {
        json_t *o = s_event_json(&evs[i], guard_sql ? guard_params[i] : NULL, &rc);
        if (o && json_array_append_new(doc, o) != 0)
            rc = CD_ENOMEM;
    }
    char *text = rc == 0 ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (rc == 0 && !text)
        rc = CD_ENOMEM;
    if (rc != 0) {
        cd_tx_poison_err(tx, rc);
        return rc;
    }
    /* The document's rows in array order (n); ORDER BY n gives the outbox
     * rows their seq in that order. Each delivery row finds its event again
     * through event_id, which the INSERT's RETURNING can give back. */
    char guard[S_SQL_MAX];
    s_guard_where(guard_sql, "cd_e.guard", guard, sizeof guard);
    char sql[S_SQL_MAX * 2];
    snprintf(sql, sizeof sql,
             "WITH cd_e AS (SELECT e.n, r.* FROM jsonb_array_elements($1::jsonb)"
             " WITH ORDINALITY AS e(j, n), jsonb_to_record(e.j) AS r(event_id uuid, type text,"
             " complaint_ref text, correlation_id text, causation_id text, payload text,"
             " subscribers jsonb, guard text)),"
             " o AS (INSERT INTO %s.outbox (event_id, type, complaint_ref, correlation_id,"
             " causation_id, payload) SELECT cd_e.event_id, cd_e.type, cd_e.complaint_ref,"
             " cd_e.correlation_id, cd_e.causation_id, decode(cd_e.payload, 'hex') FROM cd_e%s"
             " ORDER BY cd_e.n RETURNING seq, event_id, complaint_ref)"
             " INSERT INTO %s.outbox_delivery (seq, subscriber, event_id, complaint_ref)"
             " SELECT o.seq, sub, o.event_id, o.complaint_ref FROM o"
             " JOIN cd_e ON cd_e.event_id = o.event_id,"
             " jsonb_array_elements_text(cd_e.subscribers) AS sub",
             ob->schema, guard, ob->schema);
    const char *vals[1] = {text};
    rc = cd_tx_add(tx, sql, 1, vals);
    free(text);
    return rc;
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

static void s_acked_inflight(s_sub_t *sub, const char *id)
{
    for (int i = 0; i < sub->ninf; i++)
        if (memcmp(sub->inf_id[i], id, CD_UUID_LEN) == 0) {
            int64_t rtt = cd_now_us() - sub->inf_sent_us[i];
            if (rtt > 0)
                sub->rtt_us = sub->rtt_us ? (7 * sub->rtt_us + rtt) / 8 : rtt;
            sub->ninf--;
            memcpy(sub->inf_id[i], sub->inf_id[sub->ninf], CD_UUID_LEN + 1);
            sub->inf_until_us[i] = sub->inf_until_us[sub->ninf];
            sub->inf_sent_us[i] = sub->inf_sent_us[sub->ninf];
            return;
        }
}

static int s_add_acks(cd_outbox_t *ob, cd_tx_t **ptx);

static void s_on_pace(uv_timer_t *t)
{
    s_claim(t->data);
}

/* One round: the acknowledgements received since the last round recorded,
 * then the due deliveries claimed, in one transaction (the claim sees the
 * acks, so a complaint's next event is due at once). Rounds are at least
 * pace_ms apart unless the last one claimed a full batch: under load each
 * round then carries many deliveries, and the server plans and commits one
 * round where it used to plan one for every few events. */
/* How long a delivery sent now waits for its ACK before a first resend:
 * retry_base_ms, or four times the subscriber's smoothed round trip when it
 * is slower (at most retry_cap_ms). A consumer working through a backlog
 * answers late but answers: resending it what it merely has queued only
 * adds work (issue 18 saw more resends than events while routing lagged),
 * whereas a consumer that died answers nothing and its deliveries come due
 * after a few of its last round trips. */
static int s_first_resend_ms(const cd_outbox_t *ob, const s_sub_t *sub)
{
    int64_t ms = 4 * sub->rtt_us / 1000;
    if (ms < ob->opts.retry_base_ms)
        ms = ob->opts.retry_base_ms;
    return (int)(ms < ob->opts.retry_cap_ms ? ms : ob->opts.retry_cap_ms);
}

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
    ob->round_acks = s_add_acks(ob, &tx);
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

static void s_on_stats_timer(uv_timer_t *t)
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
static int s_add_acks(cd_outbox_t *ob, cd_tx_t **ptx)
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
static void s_on_reply(cd_zsock_t *sock, const cd_frame_t *f, int n, void *arg)
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
        s_acked_inflight(sub, id);
        cd_outbox_kick(ob); /* the next round records it */
    } else if (memcmp(f[0].data, "NAK", 3) == 0) {
        s_record_nak(ob, sub, id, n >= 3 ? &f[2] : NULL);
    }
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
            inst->sock = cd_zsock_new(ob->loop, ZMQ_DEALER, s_on_reply, inst);
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
    uv_timer_start(&ob->stats, s_on_stats_timer, 1000, 5000);
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
