/* retention_outbox.c - the events a disposed-of complaint left in the
 * producers' outboxes, their personal data blanked (retention_scrub.c) and
 * written back in the disposal's transaction. The outboxes keep every event
 * for `candourctl reporting rebuild`, which still finds in them what it
 * counts (codes, dates, outcomes), and no longer anyone's name or words. */
#include <stdio.h>
#include <stdlib.h>

#include "candour/events.h"
#include "ctl.h"
#include "retention_outbox.h"
#include "retention_scrub.h"

static const char *const s_producers[] = {"intake",  "routing", "investigation",
                                          "signoff", "notify",  NULL};

/* One producer's events of ref: each decoded, blanked and, when that
 * changed it, written back. The events changed, or -1 (told). */
static long s_one(PGconn *c, const char *schema, const char *ref)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT seq::text, type, payload FROM %s.outbox WHERE complaint_ref = $1"
             " ORDER BY seq",
             schema);
    const char *v[1] = {ref};
    /* binary results: the payload's bytes as they are */
    PGresult *r = PQexecParams(c, sql, 1, NULL, v, NULL, NULL, 1);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "candourctl retention: %s.outbox: %s", schema, PQresultErrorMessage(r));
        PQclear(r);
        return -1;
    }
    snprintf(sql, sizeof sql, "UPDATE %s.outbox SET payload = $1 WHERE seq = $2::text::bigint",
             schema);
    long changed = 0;
    for (int i = 0; i < PQntuples(r) && changed >= 0; i++) {
        const ProtobufCMessageDescriptor *d = cd_event_descriptor(PQgetvalue(r, i, 1));
        if (!d)
            continue; /* a type no catalogue knows: nothing to read it by */
        ProtobufCMessage *m = protobuf_c_message_unpack(d, NULL, (size_t)PQgetlength(r, i, 2),
                                                        (const uint8_t *)PQgetvalue(r, i, 2));
        if (!m)
            continue; /* malformed: no consumer reads it either */
        if (ret_scrub_message(m) > 0) {
            size_t len = protobuf_c_message_get_packed_size(m);
            uint8_t *buf = malloc(len ? len : 1);
            if (!buf) {
                protobuf_c_message_free_unpacked(m, NULL);
                changed = -1;
                break;
            }
            protobuf_c_message_pack(m, buf);
            const char *p[2] = {(const char *)buf, PQgetvalue(r, i, 0)};
            int lens[2] = {(int)len, PQgetlength(r, i, 0)};
            int fmts[2] = {1, 1};
            PGresult *u = PQexecParams(c, sql, 2, NULL, p, lens, fmts, 0);
            if (PQresultStatus(u) != PGRES_COMMAND_OK) {
                fprintf(stderr, "candourctl retention: %s.outbox: %s", schema,
                        PQresultErrorMessage(u));
                changed = -1;
            } else {
                changed++;
            }
            PQclear(u);
            free(buf);
        }
        protobuf_c_message_free_unpacked(m, NULL);
    }
    PQclear(r);
    return changed;
}

long ret_outbox_scrub(PGconn *c, const char *ref)
{
    long total = 0;
    for (int i = 0; s_producers[i]; i++) {
        long n = s_one(c, s_producers[i], ref);
        if (n < 0)
            return -1;
        total += n;
    }
    return total;
}
