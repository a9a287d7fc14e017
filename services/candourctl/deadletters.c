/* deadletters.c - `candourctl dead-letters list|show|replay|discard`.
 *
 * A dead letter is a delivery its subscriber refused too often (NAKs): it is
 * kept, with the last error, and later events for the same complaint wait
 * behind it. Ops look at it, then replay it (after fixing the cause) or
 * discard it; either is logged in candour_admin.dead_letter_log with who and
 * why. This is an ops tool: it uses the admin URL, not a service role. */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "candour/db.h"
#include "candour/events.h"
#include "candour/pbjson.h"
#include "ctl.h"

static const char *const s_services[] = {"intake",  "routing", "investigation",
                                         "signoff", "notify",  NULL};

static int s_known_service(const char *s)
{
    for (int i = 0; s_services[i]; i++)
        if (strcmp(s_services[i], s) == 0)
            return 1;
    return 0;
}

/* The schema is one of the fixed service names (checked), so formatting it
 * into the statement is safe; every value is a parameter. */
#define S_SQL1(buf, fmt, schema) snprintf(buf, sizeof buf, fmt, schema)
#define S_SQL2(buf, fmt, schema) snprintf(buf, sizeof buf, fmt, schema, schema)

static int s_list(PGconn *c, const char *only)
{
    int total = 0;
    printf("%-14s %-36s %-14s %-24s %-15s %5s  %s\n", "SERVICE", "EVENT ID", "SUBSCRIBER", "TYPE",
           "COMPLAINT", "NAKS", "LAST ERROR");
    for (int i = 0; s_services[i]; i++) {
        if (only && strcmp(only, s_services[i]) != 0)
            continue;
        char sql[1024];
        S_SQL2(sql,
               "SELECT d.event_id, d.subscriber, o.type, d.complaint_ref, d.naks,"
               " coalesce(d.last_error, '') FROM %s.outbox_delivery d JOIN %s.outbox o USING (seq)"
               " WHERE d.dead_at IS NOT NULL AND d.delivered_at IS NULL ORDER BY d.seq",
               s_services[i]);
        PGresult *r = ctl_db_query(c, "dead-letters", sql, 0, NULL);
        if (!r)
            return 1;
        for (int j = 0; j < PQntuples(r); j++, total++)
            printf("%-14s %-36s %-14s %-24s %-15s %5s  %s\n", s_services[i], PQgetvalue(r, j, 0),
                   PQgetvalue(r, j, 1), PQgetvalue(r, j, 2), PQgetvalue(r, j, 3),
                   PQgetvalue(r, j, 4), PQgetvalue(r, j, 5));
        PQclear(r);
    }
    printf("%d dead letter%s\n", total, total == 1 ? "" : "s");
    return 0;
}

static int s_show(PGconn *c, const char *svc, const char *event_id)
{
    char sql[1024];
    S_SQL2(sql,
           "SELECT d.subscriber, o.type, d.complaint_ref, o.correlation_id, o.causation_id,"
           " o.occurred_at, d.attempts, d.naks, d.dead_at, coalesce(d.last_error, ''), o.payload,"
           " d.delivered_at IS NOT NULL FROM %s.outbox_delivery d JOIN %s.outbox o USING (seq)"
           " WHERE d.event_id = $1::uuid ORDER BY d.subscriber",
           svc);
    const char *v[1] = {event_id};
    PGresult *r = ctl_db_query(c, "dead-letters", sql, 1, v);
    if (!r)
        return 1;
    if (PQntuples(r) == 0) {
        fprintf(stderr, "no event %s in %s's outbox\n", event_id, svc);
        PQclear(r);
        return 1;
    }
    printf("event       %s\nproducer    %s\ntype        %s\ncomplaint   %s\ncorrelation %s\n"
           "causation   %s\noccurred    %s\n",
           event_id, svc, PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 3),
           PQgetvalue(r, 0, 4), PQgetvalue(r, 0, 5));
    for (int i = 0; i < PQntuples(r); i++) {
        const char *state = PQgetvalue(r, i, 11)[0] == 't' ? "delivered or discarded"
                            : PQgetisnull(r, i, 8)         ? "pending"
                                                           : "dead since ";
        printf("to %-12s attempts %s, naks %s, %s%s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 6),
               PQgetvalue(r, i, 7), state, PQgetisnull(r, i, 8) ? "" : PQgetvalue(r, i, 8));
    }
    if (PQgetvalue(r, 0, 9)[0])
        printf("last error  %s\n", PQgetvalue(r, 0, 9));
    /* The payload, decoded by its type: what a person needs to judge it. */
    size_t len = 0;
    unsigned char *payload = cd_db_unescape_bytea(PQgetvalue(r, 0, 10), &len);
    const ProtobufCMessageDescriptor *desc = cd_event_descriptor(PQgetvalue(r, 0, 1));
    ProtobufCMessage *m =
        payload && desc ? protobuf_c_message_unpack(desc, NULL, len, payload) : NULL;
    char *json = m ? cd_pbjson_dumps(m, 2) : NULL;
    printf("payload     %s\n", json ? json : "(cannot be decoded)");
    free(json);
    if (m)
        protobuf_c_message_free_unpacked(m, NULL);
    free(payload);
    PQclear(r);
    return 0;
}

static void s_actor(char *out, size_t len)
{
    struct passwd *pw = getpwuid(getuid());
    const char *sudo = getenv("SUDO_USER");
    snprintf(out, len, "%s%s%s", pw ? pw->pw_name : "unknown", sudo ? " via sudo from " : "",
             sudo ? sudo : "");
}

/* Replay or discard the dead deliveries of one event, and log it, in one transaction. */
static int s_act(PGconn *c, const char *action, const char *svc, const char *event_id,
                 const char *subscriber, const char *reason)
{
    char sql[1024], actor[256];
    s_actor(actor, sizeof actor);
    if (strcmp(action, "replay") == 0)
        S_SQL1(sql,
               "WITH a AS (UPDATE %s.outbox_delivery SET dead_at = NULL, naks = 0, attempts = 0,"
               " next_attempt_at = now(), last_error = NULL WHERE event_id = $1::uuid"
               " AND ($2 = '' OR subscriber = $2) AND dead_at IS NOT NULL AND delivered_at IS NULL"
               " RETURNING subscriber)"
               " INSERT INTO candour_admin.dead_letter_log (service, event_id, subscriber, action,"
               " reason, actor) SELECT $3, $1::uuid, subscriber, 'replay', $4, $5 || ' as ' ||"
               " current_user FROM a RETURNING subscriber",
               svc);
    else
        S_SQL1(sql,
               "WITH a AS (UPDATE %s.outbox_delivery SET delivered_at = now(), discarded_at = now()"
               " WHERE event_id = $1::uuid AND ($2 = '' OR subscriber = $2)"
               " AND dead_at IS NOT NULL AND delivered_at IS NULL RETURNING subscriber)"
               " INSERT INTO candour_admin.dead_letter_log (service, event_id, subscriber, action,"
               " reason, actor) SELECT $3, $1::uuid, subscriber, 'discard', $4, $5 || ' as ' ||"
               " current_user FROM a RETURNING subscriber",
               svc);
    const char *v[5] = {event_id, subscriber ? subscriber : "", svc, reason, actor};
    PGresult *r = ctl_db_query(c, "dead-letters", sql, 5, v);
    if (!r)
        return 1;
    int n = PQntuples(r);
    for (int i = 0; i < n; i++)
        printf("%s: %s to %s\n", action, event_id, PQgetvalue(r, i, 0));
    PQclear(r);
    if (n == 0) {
        fprintf(stderr, "no dead delivery of %s in %s's outbox%s%s\n", event_id, svc,
                subscriber ? " to " : "", subscriber ? subscriber : "");
        return 1;
    }
    return 0;
}

static int s_usage(int rc)
{
    fprintf(
        rc ? stderr : stdout,
        "Usage: candourctl dead-letters list [SERVICE]\n"
        "       candourctl dead-letters show SERVICE EVENT_ID\n"
        "       candourctl dead-letters replay SERVICE EVENT_ID --reason TEXT [--subscriber S]\n"
        "       candourctl dead-letters discard SERVICE EVENT_ID --reason TEXT [--subscriber S]\n"
        "SERVICE is the producer: intake, routing, investigation, signoff or notify.\n"
        "Uses CANDOUR_DB_URL (admin). Replays and discards are logged with the reason in\n"
        "candour_admin.dead_letter_log.\n");
    return rc;
}

int ctl_dead_letters(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0)
        return s_usage(argc < 2 ? 2 : 0);
    const char *cmd = argv[1];
    int is_act = strcmp(cmd, "replay") == 0 || strcmp(cmd, "discard") == 0;
    if (strcmp(cmd, "list") != 0 && strcmp(cmd, "show") != 0 && !is_act)
        return s_usage(2);
    const char *reason = NULL, *subscriber = NULL;
    static struct option opts[] = {{"reason", required_argument, 0, 'r'},
                                   {"subscriber", required_argument, 0, 's'},
                                   {0, 0, 0, 0}};
    int c;
    optind = 2;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'r')
            reason = optarg;
        else if (c == 's')
            subscriber = optarg;
        else
            return s_usage(2);
    }
    int npos = argc - optind;
    const char *svc = npos > 0 ? argv[optind] : NULL;
    const char *event_id = npos > 1 ? argv[optind + 1] : NULL;
    if (svc && !s_known_service(svc)) {
        fprintf(stderr, "candourctl dead-letters: unknown service '%s'\n", svc);
        return 2;
    }
    if ((strcmp(cmd, "show") == 0 || is_act) && (!svc || !event_id))
        return s_usage(2);
    if (is_act && (!reason || !*reason)) {
        fprintf(stderr, "candourctl dead-letters %s: --reason is required (it is logged)\n", cmd);
        return 2;
    }
    PGconn *conn = ctl_db_connect("dead-letters");
    if (!conn)
        return 1;
    int rc;
    if (strcmp(cmd, "list") == 0)
        rc = s_list(conn, svc);
    else if (strcmp(cmd, "show") == 0)
        rc = s_show(conn, svc, event_id);
    else
        rc = s_act(conn, cmd, svc, event_id, subscriber, reason);
    PQfinish(conn);
    return rc;
}
