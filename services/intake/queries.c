/* queries.c - what the submitting organisation asks of its complaints as a
 * whole: the status changes after a sequence number, kept from routing's
 * complaint.status_changed events (which also give the state that the
 * operations on one complaint ask the lifecycle about). */
#include <assert.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/errcode.h"
#include "candour/error.h"
#include "candour/lifecycle.h"
#include "candour/log.h"
#include "candour/pb.h"
#include "candour/pbjson.h"
#include "candour/util.h"
#include "candour/v1/events.pb-c.h"
#include "intake.h"

/* -- status changes of all the caller's complaints, after a sequence */

static void s_on_changes(const cd_tx_result_t *res, void *arg)
{
    cd_op_t *op = arg;
    PGresult *r = in_checked(op, res, 5, "the status changes could not be read just now");
    if (!r)
        return;
    Candour__V1__GetStatusChanges *g = (Candour__V1__GetStatusChanges *)op->msg;
    int n = in_page_rows(r);
    Candour__V1__StatusChange *c = calloc((size_t)n + 1, sizeof *c);
    Candour__V1__StatusChange **cp = calloc((size_t)n + 1, sizeof *cp);
    Candour__V1__StatusChanges out = CANDOUR__V1__STATUS_CHANGES__INIT;
    out.last_sequence = g->after_sequence;
    for (int i = 0; c && cp && i < n; i++) {
        candour__v1__status_change__init(&c[i]);
        c[i].sequence = strtoll(PQgetvalue(r, i, 0), NULL, 10);
        c[i].complaint_ref = PQgetvalue(r, i, 1);
        c[i].state = PQgetvalue(r, i, 2);
        c[i].state_code = cd_state_from_name(c[i].state);
        c[i].detail = PQgetvalue(r, i, 3);
        c[i].at = PQgetvalue(r, i, 4);
        cp[i] = &c[i];
        out.last_sequence = c[i].sequence;
    }
    out.n_changes = c && cp ? (size_t)n : 0;
    out.changes = cp;
    Candour__V1__Reply reply = CANDOUR__V1__REPLY__INIT;
    reply.result_case = CANDOUR__V1__REPLY__RESULT_STATUS_CHANGES;
    reply.status_changes = &out;
    cd_op_reply(op, &reply);
    free(c);
    free(cp);
}

void in_status_changes(cd_op_t *op)
{
    Candour__V1__GetStatusChanges *g = (Candour__V1__GetStatusChanges *)op->msg;
    char after[IN_PAGE_ARG], limit[IN_PAGE_ARG];
    if (in_page(op, "get_status_changes", g->after_sequence, g->limit, after, limit) != 0)
        return;
    const char *v[4] = {cd_request_org(op->req), after, limit, cd_request_key(op->req)};
    /* The key check rides in the same statement: one row of NULLs when
     * there is nothing new, so the check always comes back. */
    // clang-format off
    static const char sql[] =
        "SELECT s.seq, s.reference, s.state, s.detail, " IN_TS("s.at") ", "
        IN_LIVE_KEY("$4", "$1")
        " FROM (SELECT 1) x LEFT JOIN (SELECT * FROM intake.status_change"
        "  WHERE org_id = $1 AND seq > $2::bigint ORDER BY seq LIMIT $3::int) s ON true"
        " ORDER BY s.seq";
    // clang-format on
    cd_db_query(cd_service_db(in_app.svc), sql, 4, v, s_on_changes, op);
}

/* complaint.status_changed: routing's view of the complaint, kept for the
 * submitting organisation (GetStatusChanges) and for the guards on amend,
 * withdraw and consent, which ask the lifecycle about this state. */
void in_on_status_changed(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                          const ProtobufCMessage *payload, void *arg)
{
    const Candour__V1__StatusChanged *sc = (const Candour__V1__StatusChanged *)payload;
    const char *state = cd_state_name(sc->state);
    if (!*state || cd_parse_rfc3339(sc->at) < 0) {
        cd_inbox_nak(in, ev, CD_CODE_MALFORMED_EVENT,
                     "complaint.status_changed without a state or time");
        return;
    }
    cd_tx_t *tx = cd_inbox_tx(in, ev);
    const char *v[5] = {env->complaint_ref, state, sc->detail, sc->at, env->event_id};
    /* One statement: the change recorded for the submitting organisation
     * (the complaint must be known here, else P0002 and the event waits for
     * its resend), and the state follows routing's, except that a withdrawal
     * stays withdrawn. Every part sees the row as it was before the
     * statement; the UPDATE changes neither reference nor org_id, which are
     * all the INSERT reads of it. */
    cd_tx_add(tx,
              "WITH c AS (SELECT reference, org_id FROM intake.complaint WHERE reference = $1),"
              " s AS (INSERT INTO intake.status_change (reference, org_id, state, detail, at,"
              " event_id) SELECT reference, org_id, $2, $3, $4::timestamptz, $5::uuid FROM c"
              " RETURNING 1),"
              " u AS (UPDATE intake.complaint SET state = $2, triaged = triaged OR $2 NOT IN"
              " ('awaiting-consent', 'awaiting-summary-agreement', 'out-of-time'),"
              " updated_at = now() WHERE reference = $1 AND withdrawn_at IS NULL)"
              " SELECT intake.expect(count(*) = 1, 'complaint not known to intake') FROM s",
              5, v);
    cd_inbox_commit(in, ev, tx, NULL, NULL);
}

/* A batch of complaint.status_changed (inbox.h, cd_batch_t): the statement
 * above, for every event of the batch at once. Any event it cannot take (no
 * state or time, a complaint intake does not know) sends the batch back to
 * be applied event by event, where that event alone is refused or waits. */
int in_on_status_batch(cd_inbox_t *in, cd_batch_t *b, void *arg)
{
    (void)in;
    (void)arg;
    const char **rows = malloc((size_t)b->n * 5 * sizeof *rows);
    int rc = rows ? 0 : -1;
    for (int i = 0; rc == 0 && i < b->n; i++) {
        const Candour__V1__StatusChanged *sc = (const Candour__V1__StatusChanged *)b->payloads[i];
        const char *state = cd_state_name(sc->state);
        if (!*state || cd_parse_rfc3339(sc->at) < 0)
            rc = -1;
        const char *row[5] = {b->envs[i]->complaint_ref, state, sc->detail, sc->at,
                              b->envs[i]->event_id};
        memcpy(&rows[5 * i], row, sizeof row);
    }
    char *arr[6] = {NULL};
    if (rc == 0)
        rc = cd_pg_text_columns(rows, (size_t)b->n, 5, arr);
    free(rows);
    char n[16];
    snprintf(n, sizeof n, "%d", b->n);
    arr[5] = n;
    if (rc == 0)
        rc = cd_tx_add(
            b->tx,
            "WITH e AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[],"
            " $4::timestamptz[], $5::uuid[]) AS e(reference, state, detail, at, event_id)),"
            " s AS (INSERT INTO intake.status_change (reference, org_id, state, detail, at,"
            " event_id) SELECT c.reference, c.org_id, e.state, e.detail, e.at, e.event_id"
            " FROM e JOIN intake.complaint c ON c.reference = e.reference RETURNING 1),"
            " u AS (UPDATE intake.complaint c SET state = e.state, triaged = c.triaged OR e.state"
            " NOT IN ('awaiting-consent', 'awaiting-summary-agreement', 'out-of-time'),"
            " updated_at = now() FROM e WHERE c.reference = e.reference AND c.withdrawn_at IS NULL)"
            " SELECT intake.expect(count(*) = $6::int, 'complaint not known to intake') FROM s",
            6, (const char *const *)arr);
    for (int c = 0; c < 5; c++)
        free(arr[c]);
    return rc;
}
