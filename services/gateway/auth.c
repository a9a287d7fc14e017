/* auth.c - who is calling: the bearer token taken (an identity provider's
 * JWT, checked here against its keys; or one of Candour's API tokens), then
 * the directory's word on the person it names, read afresh for every
 * request so that a person disabled, a role removed or a token revoked
 * counts at once. Every refusal says as little as it can: a token that is
 * not taken is 401 whatever the reason (the reason goes to the log, with no
 * part of the token). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "candour/apitoken.h"
#include "candour/log.h"
#include "gateway.h"

static void s_unauthenticated(gw_call_t *call, const char *why, const char *message)
{
    cd_metric_add(gw_app.m_refused_auth, 1);
    cd_log_info("gateway.unauthenticated", "{s:s, s:s, s:s}", "route", call->route->path, "reason",
                why, "peer", cd_http_req_peer(call->http));
    cd_http_add_header(call->http, "WWW-Authenticate", "Bearer realm=\"candour\"");
    gw_refuse(call, CD_CODE_UNAUTHENTICATED, "Authorization", message);
}

int gw_auth_take(gw_call_t *call)
{
    const char *h = cd_http_req_header(call->http, "Authorization");
    if (!h || strncasecmp(h, "Bearer ", 7) != 0) {
        s_unauthenticated(call, "no bearer token",
                          "sign in: give a bearer token (Authorization: Bearer ...)");
        return -1;
    }
    const char *t = h + 7;
    while (*t == ' ')
        t++;
    size_t len = strlen(t);
    char id[CD_APITOKEN_ID_LEN + 1], secret[CD_APITOKEN_SECRET_LEN + 1];
    if (len > 4 && memcmp(t, "cdt_", 4) == 0) {
        if (cd_apitoken_parse(t, len, id, secret) != 0) {
            s_unauthenticated(call, "API token malformed", "that token is not taken");
            return -1;
        }
        snprintf(call->token_id, sizeof call->token_id, "%s", id);
        cd_apitoken_hash(secret, call->token_hash);
        memset(secret, 0, sizeof secret);
        return 0;
    }
    if (!gw_app.jwks) {
        s_unauthenticated(call, "no identity provider keys configured", "that token is not taken");
        return -1;
    }
    gw_oidc_rules_t rules = {gw_app.issuer, gw_app.audience, (long)gw_app.leeway_s};
    gw_identity_t ident;
    char why[200];
    if (len > 8192 ||
        gw_token_verify(gw_app.jwks, &rules, t, time(NULL), &ident, why, sizeof why) != 0) {
        s_unauthenticated(call, len > 8192 ? "token over 8 KiB" : why,
                          "that token is not taken (expired, not yet valid, or not ours)");
        return -1;
    }
    snprintf(call->subject, sizeof call->subject, "%s", ident.subject);
    return 0;
}

/* The roles in a text[] as array_to_string gives it ("a,b"). */
static unsigned s_roles(const char *list)
{
    unsigned roles = 0;
    char *copy = strdup(list), *save = NULL;
    for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save))
        if (cd_role_from_name(t) != CANDOUR__V1__ROLE__ROLE_UNSPECIFIED)
            roles |= 1u << cd_role_from_name(t);
    free(copy);
    return roles;
}

enum { S_WHO };

static void s_on_looked_up(const cd_tx_result_t *res, void *arg)
{
    gw_call_t *call = arg;
    if (res->err) {
        cd_log_warn("gateway.directory_unreadable", "{s:s}", "route", call->route->path);
        gw_refuse(call, CD_CODE_UNAVAILABLE, "",
                  "who you are cannot be checked just now; try again shortly");
        return;
    }
    const PGresult *r = res->results[S_WHO];
    int api = call->token_id[0] != 0;
    /* OIDC: staff_id, org_id, roles, disabled, the body's part in the
     * complaint. Token: secret_hash first. */
    int c = api ? 1 : 0;
    if (PQntuples(r) != 1 ||
        (api && !cd_apitoken_hash_equal(PQgetvalue(r, 0, 0), call->token_hash))) {
        s_unauthenticated(call, api ? "API token unknown, revoked or expired" : "subject unknown",
                          api ? "that token is not taken (unknown, revoked or expired)"
                              : "you are not in this system's staff directory");
        return;
    }
    if (PQgetvalue(r, 0, c + 3)[0] == 't') {
        cd_log_info("gateway.refused", "{s:s, s:s}", "staff_id", PQgetvalue(r, 0, c), "reason",
                    "disabled, or no longer of the token's body");
        gw_refuse(call, CD_CODE_PERMISSION_DENIED, "Authorization",
                  "your access to this system has been withdrawn");
        return;
    }
    gw_principal_t *w = &call->who;
    w->via = api ? GW_VIA_TOKEN : GW_VIA_OIDC;
    snprintf(w->staff_id, sizeof w->staff_id, "%s", PQgetvalue(r, 0, c));
    snprintf(w->org_id, sizeof w->org_id, "%s", PQgetvalue(r, 0, c + 1));
    snprintf(w->token_id, sizeof w->token_id, "%s", call->token_id);
    w->roles = s_roles(PQgetvalue(r, 0, c + 2));
    if (call->ref) {
        const char *role = PQgetvalue(r, 0, c + 4); /* "" when NULL: no part */
        int ok = (call->route->flags & GW_LEAD) ? strcmp(role, "lead") == 0 : *role != 0;
        if (!ok) {
            /* Another body's complaint, or none: the same answer, so that a
             * reference cannot be probed. */
            gw_refuse(call, CD_CODE_NOT_FOUND, "complaint_ref",
                      "no complaint with that reference for your organisation");
            return;
        }
    }
    gw_on_principal(call);
}

void gw_auth_resolve(gw_call_t *call)
{
    cd_tx_t *tx = cd_tx_new();
    if (!tx) {
        gw_refuse(call, CD_CODE_INTERNAL, "", NULL);
        return;
    }
    /* Who, and (with a reference) what their body is to the complaint:
     * one statement. */
    const char *v[2] = {call->token_id[0] ? call->token_id : call->subject, call->ref};
    if (call->token_id[0])
        cd_tx_add(tx,
                  "SELECT w.secret_hash, w.staff_id, w.org_id, array_to_string(w.roles, ','),"
                  " w.disabled, (SELECT role FROM gateway.complaint_role($2, w.org_id))"
                  " FROM gateway.staff_by_token($1) w",
                  2, v);
    else
        cd_tx_add(tx,
                  "SELECT w.staff_id, w.org_id, array_to_string(w.roles, ','), w.disabled,"
                  " (SELECT role FROM gateway.complaint_role($2, w.org_id))"
                  " FROM gateway.staff_by_subject($1) w",
                  2, v);
    if (call->token_id[0]) {
        /* When it was last used, to the hour: enough to find idle tokens,
         * without an audit entry per request ($1 is the token's id). */
        cd_tx_add(tx,
                  "UPDATE gateway.api_token SET last_used_at = now() WHERE token_id = $1"
                  " AND revoked_at IS NULL AND (last_used_at IS NULL OR last_used_at <"
                  " now() - interval '1 hour')",
                  1, v);
    }
    cd_db_submit(gw_app.db, tx, s_on_looked_up, call);
}
