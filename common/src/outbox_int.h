/* outbox_int.h - what outbox.c (the dispatcher) and outbox_put.c (putting
 * events) share. */
#ifndef CANDOUR_OUTBOX_INT_H
#define CANDOUR_OUTBOX_INT_H

#include <stdint.h>

#include "candour/metrics.h"
#include "candour/outbox.h"
#include "candour/util.h"
#include "candour/zsock.h"

#define S_SQL_MAX 2048

typedef struct s_sub_t s_sub_t;

/* One instance of a subscriber: an endpoint of its list, and the DEALER
 * connected to it alone. */
typedef struct {
    s_sub_t *sub;
    cd_zsock_t *sock;
    int64_t rtt_us; /* smoothed time from send to ACK: a first resend waits several of them */
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
    char **acks; /* event ids acknowledged, not yet recorded */
    int nacks, capacks;
    /* Sent and not yet acknowledged, until their resend time: at most
     * opts.window of them, so a busy subscriber is never sent more than it
     * can work through before a resend would fire (flow control). */
    char (*inf_id)[CD_UUID_LEN + 1];
    int64_t *inf_until_us;
    int64_t *inf_sent_us;
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
    const cd_keys_t *keys; /* CURVE client keys for the subscribers (NULL: plain sockets) */
    uv_timer_t timer;      /* periodic look for due deliveries */
    uv_idle_t kick;        /* "look now", coalesced to once per loop turn */
    uv_timer_t stats;      /* refreshes the backlog and dead-letter gauges */
    int counting;          /* a stats query is running */
    int kick_active;
    uv_timer_t pace;        /* the next round, when the last was less than pace_ms ago */
    int claiming;           /* a round (acks recorded, then claims) is running */
    int claim_again;        /* a kick came while claiming */
    int round_acks;         /* statements recording acks at the head of the running round */
    int last_full;          /* the last round claimed a full batch: more are due now */
    uint64_t last_round_ms; /* loop time the last round started */
    int closing;
    int started;
    char sql_claim[S_SQL_MAX];
    char sql_ack[S_SQL_MAX];
    char sql_nak[S_SQL_MAX];
    char sql_stats[S_SQL_MAX];
    uint64_t sent, acked, naked;
    cd_metric_t *m_sent, *m_acked, *m_naked, *m_unsendable, *m_dead, *m_pending;
};

/* outbox.c: an ACK of event id from one of a subscriber's instances: no
 * longer in flight, and the instance's round trip measured. */
void cd_outbox_acked_inflight(s_inst_t *inst, const char *id);

/* outbox_reply.c */
/* Add to *ptx (made if NULL) a statement recording each subscriber's ACKs
 * since the last round; the number added. */
int cd_outbox_add_acks(cd_outbox_t *ob, cd_tx_t **ptx);
/* A subscriber instance's socket: "ACK" | id, or "NAK" | id | Error. */
void cd_outbox_on_reply(cd_zsock_t *sock, const cd_frame_t *f, int n, void *arg);
/* The gauges' timer. */
void cd_outbox_on_stats_timer(uv_timer_t *t);

/* The schema whose outbox tables ob sends from. */
const char *cd_outbox_schema_of(const cd_outbox_t *ob);

#endif
