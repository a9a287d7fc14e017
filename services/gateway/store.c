/* store.c - the gateway's own records: idempotency keys (a POST repeated
 * with the same Idempotency-Key by the same person gets the first answer,
 * not a second action) and the access log (who read or changed which
 * complaint through the API, reads too), written before the answer goes. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/log.h"
#include "gateway.h"

enum { S_CLAIM, S_EXISTING };

static void s_on_claim(const cd_tx_result_t *res, void *arg)
{
    gw_call_t *call = arg;
    if (res->err) {
        gw_refuse(call, CD_CODE_UNAVAILABLE, "", "could not be done just now; nothing was changed");
        return;
    }
    if (PQntuples(res->results[S_CLAIM]) == 1) {
        gw_on_claimed(call);
        return;
    }
    const PGresult *r = res->results[S_EXISTING];
    if (PQntuples(r) != 1) { /* pruned between the two: rare; ask again */
        gw_refuse(call, CD_CODE_UNAVAILABLE, "", "try again");
        return;
    }
    if (strcmp(PQgetvalue(r, 0, 0), call->idem_hash) != 0) {
        call->idem_key[0] = 0; /* not ours to change */
        gw_refuse(call, CD_CODE_IDEMPOTENCY_CONFLICT, "Idempotency-Key",
                  "that Idempotency-Key was used for a different request: use a new key for"
                  " a new request");
        return;
    }
    if (PQgetisnull(r, 0, 1)) {
        call->idem_key[0] = 0;
        gw_refuse(call, CD_CODE_IDEMPOTENCY_CONFLICT, "Idempotency-Key",
                  "the first request with that Idempotency-Key is still being answered; ask"
                  " again shortly");
        return;
    }
    /* The same request again: the first answer, as it was. */
    int status = atoi(PQgetvalue(r, 0, 1));
    const char *body = PQgetvalue(r, 0, 2);
    cd_http_add_header(call->http, "Idempotent-Replayed", "true");
    cd_http_respond(call->http, status, NULL, body, strlen(body));
    call->http = NULL;
    gw_call_free(call);
}

void gw_idem_claim(gw_call_t *call)
{
    cd_tx_t *tx = cd_tx_new();
    if (!tx) {
        gw_refuse(call, CD_CODE_INTERNAL, "", NULL);
        return;
    }
    const char *v[3] = {call->who.staff_id, call->idem_key, call->idem_hash};
    cd_tx_add(tx,
              "INSERT INTO gateway.idempotency (staff_id, key, request_hash) VALUES ($1, $2, $3)"
              /* A claim left unanswered a minute (the gateway stopped
               * meanwhile) is taken again by the same request. */
              " ON CONFLICT (staff_id, key) DO UPDATE SET created_at = now()"
              " WHERE idempotency.status IS NULL AND idempotency.request_hash = $3"
              " AND idempotency.created_at < now() - interval '1 minute' RETURNING 1",
              3, v);
    cd_tx_add(tx,
              "SELECT request_hash, status, coalesce(body, '') FROM gateway.idempotency"
              " WHERE staff_id = $1 AND key = $2",
              2, v);
    /* Keys are kept a day: a few of the oldest go each time. */
    cd_tx_add(tx,
              "DELETE FROM gateway.idempotency WHERE ctid = ANY (ARRAY(SELECT ctid FROM"
              " gateway.idempotency WHERE created_at < now() - interval '24 hours'"
              " ORDER BY created_at LIMIT 20))",
              0, NULL);
    cd_db_submit(gw_app.db, tx, s_on_claim, call);
}

/* ---------------------------------------------------------------- the answer */

static void s_send(gw_call_t *call)
{
    if (call->file && call->status == 200) {
        char disp[256];
        snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", call->file_name);
        cd_http_add_header(call->http, "Content-Disposition", disp);
        cd_http_respond(call->http, 200, call->file_type, (const char *)call->file, call->file_len);
        call->http = NULL;
        gw_call_free(call);
        return;
    }
    cd_http_respond(call->http, call->status, NULL, call->answer ? call->answer : "{}",
                    call->answer ? strlen(call->answer) : 2);
    call->http = NULL;
    gw_call_free(call);
}

static void s_on_stored(const cd_tx_result_t *res, void *arg)
{
    gw_call_t *call = arg;
    if (res->err) {
        cd_log_error("gateway.record_failed", "{s:s, s:s, s:i}", "route", call->route->path,
                     "staff_id", call->who.staff_id, "status", call->status);
        if (strcmp(call->route->method, "GET") == 0) {
            /* Not logged, not read: personal data goes out only on the record. */
            free(call->answer);
            call->answer = NULL;
            gw_respond_code(call->http, CD_CODE_UNAVAILABLE,
                            "could not be answered just now; try again shortly");
            call->http = NULL;
            gw_call_free(call);
            return;
        }
    }
    s_send(call);
}

/* The complaint the call concerns: the path's, else the answer's
 * complaint_ref (a complaint just entered). */
static char *s_reference(const gw_call_t *call)
{
    if (call->ref)
        return strdup(call->ref);
    json_t *j = call->answer ? json_loads(call->answer, 0, NULL) : NULL;
    const char *r = json_string_value(json_object_get(j, "complaint_ref"));
    char *out = r ? strdup(r) : NULL;
    json_decref(j);
    return out;
}

void gw_store_answer(gw_call_t *call)
{
    int logged = (call->route->flags & GW_PERSONAL) && call->who.staff_id[0];
    char *ref = logged ? s_reference(call) : NULL;
    if (!call->idem_key[0] && !ref) {
        s_send(call);
        return;
    }
    cd_tx_t *tx = cd_tx_new();
    if (!tx || !gw_app.db || cd_daemon_stopping(gw_app.daemon)) {
        cd_tx_destroy(&tx);
        free(ref);
        s_send(call);
        return;
    }
    char status[16];
    snprintf(status, sizeof status, "%d", call->status);
    if (call->idem_key[0]) {
        const char *v[4] = {call->who.staff_id, call->idem_key, status, call->answer};
        /* Not known to have been done (the service did not answer, or could
         * not take it): the key is freed, so the same request may be tried
         * again. */
        if (call->status == 504 || call->status == 503 || call->status == 500)
            cd_tx_add(tx, "DELETE FROM gateway.idempotency WHERE staff_id = $1 AND key = $2", 2, v);
        else
            cd_tx_add(tx,
                      "UPDATE gateway.idempotency SET status = $3::int, body = $4"
                      " WHERE staff_id = $1 AND key = $2",
                      4, v);
    }
    if (ref) {
        const char *v[7] = {call->who.staff_id,
                            call->who.org_id,
                            call->who.via == GW_VIA_TOKEN ? "api-token" : "oidc",
                            call->route->method,
                            call->route->path,
                            ref,
                            status};
        cd_tx_add(tx,
                  "INSERT INTO gateway.access_log (staff_id, org_id, via, method, route,"
                  " reference, status) VALUES ($1, $2, $3, $4, $5, $6, $7::int)",
                  7, v);
    }
    free(ref);
    cd_db_submit(gw_app.db, tx, s_on_stored, call);
}
