/* reporting_cmd.c - `candourctl reporting rebuild`: the reporting schema
 * emptied and made again from every event the producers' outboxes keep.
 *
 * The outboxes keep every event ever committed (the payload as sent), so
 * the schema is a function of them: each event of the types reporting takes
 * (rp_type) goes, in order of occurrence, through the same rp_apply and
 * rp_sql as the daemon's consumer (services/reporting/events.c), and is
 * recorded in reporting.inbox as the consumer records it. All of it in one
 * transaction that first locks reporting's tables: the consumer waits
 * meanwhile, and an event it is sent afterwards that the rebuild already
 * replayed is a duplicate to it (taken once). A rebuild that fails leaves
 * the schema as it was.
 *
 * What the consumer refuses (an event with no complaint reference) the
 * rebuild skips, and does not record. Events committed before reporting
 * subscribed are replayed too: a rebuild is also how they are taken in. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/events.h"
#include "apply.h"
#include "apply_sql.h"
#include "ctl.h"

#define S_CMD "reporting rebuild"
#define S_BATCH "500"

typedef struct {
    PGconn *c;
    long statements;
} s_sink_t;

static int s_exec(void *arg, const char *sql, int nparams, const char *const *values)
{
    s_sink_t *s = arg;
    s->statements++;
    return ctl_db_exec(s->c, S_CMD, sql, nparams, values);
}

/* The producers of the types reporting takes, as a query over their
 * outboxes in order of occurrence (ties: producer, then its sequence). The
 * schema names are the catalogue's, not input. 0, or -1 if sql is too short. */
static int s_events_sql(char *sql, size_t len)
{
    const char *producers[16];
    int np = 0, n;
    for (size_t i = 0; rp_type(i); i++) {
        const cd_event_type_t *t = cd_event_type(rp_type(i));
        int seen = !t;
        for (int j = 0; t && j < np; j++)
            seen |= strcmp(producers[j], t->producer) == 0;
        if (!seen && np < 16)
            producers[np++] = t->producer;
    }
    size_t at = (size_t)snprintf(sql, len, "DECLARE replay NO SCROLL CURSOR FOR SELECT * FROM (");
    for (int j = 0; j < np && at < len; j++)
        at +=
            (size_t)snprintf(sql + at, len - at,
                             "%sSELECT '%s' AS producer, seq, event_id::text, type, complaint_ref,"
                             " (extract(epoch FROM occurred_at) * 1000000)::bigint AS us, payload"
                             " FROM %s.outbox WHERE type = ANY ($1::text[])",
                             j ? " UNION ALL " : "", producers[j], producers[j]);
    n = snprintf(sql + at, at < len ? len - at : 0, ") e ORDER BY us, producer, seq");
    return at + (size_t)n < len ? 0 : -1;
}

/* rp_type's types as an array literal: fixed words of [a-z._]. */
static void s_types_literal(char *out, size_t len)
{
    size_t at = (size_t)snprintf(out, len, "{");
    for (size_t i = 0; rp_type(i) && at < len; i++)
        at += (size_t)snprintf(out + at, len - at, "%s%s", i ? "," : "", rp_type(i));
    if (at < len)
        snprintf(out + at, len - at, "}");
}

/* One fetched event: decoded by the catalogue's message, applied, recorded.
 * 1 applied, 0 skipped (as the consumer refuses it), -1 failed. */
static int s_replay(s_sink_t *sink, const PGresult *r, int row)
{
    Candour__V1__Envelope env = CANDOUR__V1__ENVELOPE__INIT;
    env.producer = PQgetvalue(r, row, 0);
    env.sequence = strtoll(PQgetvalue(r, row, 1), NULL, 10);
    env.event_id = PQgetvalue(r, row, 2);
    env.type = PQgetvalue(r, row, 3);
    env.complaint_ref = PQgetvalue(r, row, 4);
    env.occurred_at_us = strtoll(PQgetvalue(r, row, 5), NULL, 10);
    size_t len = 0;
    unsigned char *bytes = PQunescapeBytea((const unsigned char *)PQgetvalue(r, row, 6), &len);
    const ProtobufCMessageDescriptor *d = cd_event_descriptor(env.type);
    ProtobufCMessage *payload = bytes && d ? protobuf_c_message_unpack(d, NULL, len, bytes) : NULL;
    PQfreemem(bytes);
    if (!payload)
        return 0; /* the consumer's inbox refuses it too (MALFORMED_EVENT) */
    rp_change_t *ch = malloc(sizeof *ch);
    int rc = ch ? rp_apply(&env, payload, ch) : -1;
    if (rc >= 0 && ch) {
        const char *v[4] = {env.event_id, env.type, env.producer, env.complaint_ref};
        rc = s_exec(sink,
                    "INSERT INTO reporting.inbox (event_id, type, producer, complaint_ref)"
                    " VALUES ($1::uuid, $2, $3, $4) ON CONFLICT (event_id) DO NOTHING",
                    4, v) != 0
                 ? -1
                 : rc;
        if (rc > 0 && rp_sql(ch, s_exec, sink) != 0)
            rc = -1;
        rc = rc < 0 ? -1 : 1;
    } else if (ch)
        rc = 0;
    free(ch);
    protobuf_c_message_free_unpacked(payload, NULL);
    return rc;
}

static int s_rebuild(PGconn *c)
{
    s_sink_t sink = {.c = c};
    char sql[4096], types[512];
    if (s_events_sql(sql, sizeof sql) != 0)
        return 1;
    s_types_literal(types, sizeof types);
    const char *tv[1] = {types};
    if (ctl_db_exec(c, S_CMD, "BEGIN", 0, NULL) != 0 ||
        ctl_db_exec(c, S_CMD,
                    "LOCK TABLE reporting.inbox, reporting.complaint, reporting.aspect,"
                    " reporting.partner, reporting.ombudsman_stage IN EXCLUSIVE MODE",
                    0, NULL) != 0 ||
        ctl_db_exec(c, S_CMD,
                    "TRUNCATE reporting.aspect, reporting.partner, reporting.ombudsman_stage,"
                    " reporting.complaint",
                    0, NULL) != 0 ||
        ctl_db_exec(c, S_CMD, sql, 1, tv) != 0)
        goto err;
    long events = 0, skipped = 0;
    for (;;) {
        PGresult *r = ctl_db_query(c, S_CMD, "FETCH " S_BATCH " FROM replay", 0, NULL);
        if (!r)
            goto err;
        int n = PQntuples(r), rc = 0;
        for (int i = 0; i < n && rc >= 0; i++) {
            rc = s_replay(&sink, r, i);
            events += rc > 0;
            skipped += rc == 0;
        }
        PQclear(r);
        if (rc < 0)
            goto err;
        if (n == 0)
            break;
    }
    PGresult *cnt = ctl_db_query(c, S_CMD, "SELECT count(*) FROM reporting.complaint", 0, NULL);
    if (!cnt || ctl_db_exec(c, S_CMD, "COMMIT", 0, NULL) != 0) {
        PQclear(cnt);
        goto err;
    }
    printf("reporting rebuilt: %ld events replayed (%ld skipped), %s complaints, %ld statements\n",
           events, skipped, PQgetvalue(cnt, 0, 0), sink.statements);
    PQclear(cnt);
    return 0;
err:
    PQclear(PQexec(c, "ROLLBACK"));
    fprintf(stderr, "candourctl %s: nothing changed\n", S_CMD);
    return 1;
}

static void s_usage(FILE *out)
{
    fprintf(out, "Usage: candourctl reporting rebuild\n\n"
                 "Empty the reporting schema and make it again from every event the services'\n"
                 "outboxes keep, through the reporting service's own apply functions, in one\n"
                 "transaction (the service waits meanwhile; nothing is applied twice).\n"
                 "Connects as the admin: CANDOUR_DB_URL.\n");
}

int ctl_reporting(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        s_usage(stdout);
        return 0;
    }
    if (argc != 2 || strcmp(argv[1], "rebuild") != 0) {
        s_usage(stderr);
        return 2;
    }
    PGconn *c = ctl_db_connect(S_CMD);
    if (!c)
        return 1;
    int rc = s_rebuild(c);
    PQfinish(c);
    return rc;
}
