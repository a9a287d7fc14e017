/* status.c - GetStatus: the complaint's state, deadlines and history, as
 * routing keeps them.
 *
 * Asked for by a person (Request.acting, the staff HTTP API's way in), it
 * answers only someone in routing's directory, enabled, of a body party to
 * the complaint (made to it, leading it, or a partner: rt_cl_party); anyone
 * else gets the very NOT_FOUND a reference that does not exist gets, so that
 * the answer tells no one whether another body's complaint exists. Asked
 * with no person (organisations' status over intake, ops tools), it answers
 * as it always has: who may ask is then the endpoint's CURVE allow-list's. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/error.h"
#include "candour/lifecycle.h"
#include "candour/log.h"
#include "candour/pb.h"
#include "candour/pbjson.h"
#include "candour/util.h"
#include "candour/v1/events.pb-c.h"
#include "caseload_rules.h"
#include "decide.h"
#include "routing.h"

/* ---------------------------------------------------------------- status */

typedef struct {
    cd_inbox_t *in;
    cd_request_t *req;
    int scoped; /* a person asks: the fourth statement reads them */
} rt_status_call_t;

/* The columns of the complaint query (s_get_status's first statement). */
enum {
    C_REF,
    C_STATE,
    C_ORG,
    C_RECEIVED,
    C_ACK_DUE,
    C_RESPONSE_DUE,
    C_ACKNOWLEDGED,
    C_RESPONSE_SENT,
    C_TRIAGE_OUTCOME,
    C_TRIAGE_REASON,
    C_LEAD,
    C_PARTNERS,
};

/* The columns of the deadlines query (its third). */
enum {
    D_NAME,
    D_PARTY,
    D_DUE,
    D_MET,
    D_MISSED,
    D_EXTENDED_FROM,
    D_EXTENDED_BY,
    D_CLOSED,
};

/* The columns of the history query (its second). */
enum {
    H_AT,
    H_EVENT,
    H_PRODUCER,
    H_DETAIL,
};

/* The person (who: cd_actor_sql's row, 0 or 1) is enabled and of a body
 * party to the complaint (c: its one row). */
static int s_party(const PGresult *who, const PGresult *c)
{
    cd_actor_t a;
    if (PQntuples(who) != 1 || cd_actor_from_row(who, 0, 0, &a) != 0)
        return 0;
    char buf[RT_MAX_PARTNERS * (RT_ORG + 1) + 1];
    const char *partners[RT_MAX_PARTNERS];
    size_t np = 0;
    snprintf(buf, sizeof buf, "%s", PQgetvalue(c, 0, C_PARTNERS));
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok && np < RT_MAX_PARTNERS;
         tok = strtok_r(NULL, ",", &save))
        partners[np++] = tok;
    int party = !a.disabled && rt_cl_party(a.org_id, PQgetvalue(c, 0, C_ORG),
                                           PQgetvalue(c, 0, C_LEAD), partners, np) != NULL;
    cd_actor_clear(&a);
    return party;
}

static void s_on_status(const cd_tx_result_t *res, void *arg)
{
    rt_status_call_t *call = arg;
    if (res->err) {
        cd_request_fail(call->req, CD_CODE_UNAVAILABLE, "",
                        "the status could not be read just now; try again");
        free(call);
        return;
    }
    PGresult *c = res->results[0], *h = res->results[1];
    if (PQntuples(c) != 1 || (call->scoped && !s_party(res->results[3], c))) {
        cd_request_fail(call->req, CD_CODE_NOT_FOUND, "complaint_ref",
                        "no complaint has that reference");
        free(call);
        return;
    }
    Candour__V1__ComplaintStatus st = CANDOUR__V1__COMPLAINT_STATUS__INIT;
    st.complaint_ref = PQgetvalue(c, 0, C_REF);
    st.state = PQgetvalue(c, 0, C_STATE);
    st.state_code = cd_state_from_name(st.state);
    st.org_id = PQgetvalue(c, 0, C_ORG);
    st.received_at = PQgetvalue(c, 0, C_RECEIVED);
    st.triage_outcome = PQgetvalue(c, 0, C_TRIAGE_OUTCOME);
    st.triage_reason = PQgetvalue(c, 0, C_TRIAGE_REASON);
    st.lead_org = PQgetvalue(c, 0, C_LEAD);
    char partners_buf[RT_MAX_PARTNERS * (RT_ORG + 1) + 1];
    char *partners[RT_MAX_PARTNERS];
    snprintf(partners_buf, sizeof partners_buf, "%s", PQgetvalue(c, 0, C_PARTNERS));
    size_t np = 0;
    for (char *tok = strtok(partners_buf, ","); tok && np < RT_MAX_PARTNERS;
         tok = strtok(NULL, ","))
        partners[np++] = tok;
    st.n_partners = np;
    st.partners = partners;
    /* Deadlines: the rows, judged against the deadline clock's today. */
    PGresult *dl = res->results[2];
    int nd = PQntuples(dl);
    Candour__V1__Deadline *d = calloc((size_t)nd + 1, sizeof *d);
    Candour__V1__Deadline **dp = calloc((size_t)nd + 1, sizeof *dp);
    if (!d || !dp)
        nd = 0;
    for (int i = 0; i < nd; i++) {
        candour__v1__deadline__init(&d[i]);
        d[i].name = PQgetvalue(dl, i, D_NAME);
        d[i].party = PQgetvalue(dl, i, D_PARTY);
        d[i].due = PQgetvalue(dl, i, D_DUE);
        d[i].met_at = PQgetvalue(dl, i, D_MET);
        d[i].missed = PQgetvalue(dl, i, D_MISSED)[0] == 't';
        d[i].extended_from = PQgetvalue(dl, i, D_EXTENDED_FROM);
        d[i].extended_by = PQgetvalue(dl, i, D_EXTENDED_BY);
        d[i].closed = PQgetvalue(dl, i, D_CLOSED)[0] == 't';
        dp[i] = &d[i];
    }
    st.n_deadlines = (size_t)nd;
    st.deadlines = dp;
    int n = PQntuples(h);
    Candour__V1__HistoryEntry *entries = calloc((size_t)(n ? n : 1), sizeof *entries);
    Candour__V1__HistoryEntry **ep = calloc((size_t)(n ? n : 1), sizeof *ep);
    if (!entries || !ep)
        n = 0;
    for (int i = 0; i < n; i++) {
        candour__v1__history_entry__init(&entries[i]);
        entries[i].at = PQgetvalue(h, i, H_AT);
        entries[i].event = PQgetvalue(h, i, H_EVENT);
        entries[i].producer = PQgetvalue(h, i, H_PRODUCER);
        entries[i].detail = PQgetvalue(h, i, H_DETAIL);
        ep[i] = &entries[i];
    }
    st.n_history = (size_t)n;
    st.history = ep;
    Candour__V1__Reply reply = CANDOUR__V1__REPLY__INIT;
    reply.result_case = CANDOUR__V1__REPLY__RESULT_STATUS;
    reply.status = &st;
    cd_request_reply(call->req, &reply);
    free(entries);
    free(ep);
    free(d);
    free(dp);
    free(call);
}

#define S_TS(col)                                                                                  \
    "coalesce(to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), '')"

void rt_get_status(cd_inbox_t *in, cd_request_t *req, const Candour__V1__GetStatus *g)
{
    if (!g->complaint_ref[0] || strlen(g->complaint_ref) > 64) {
        cd_request_fail(req, CD_CODE_INVALID_ARGUMENT, "get_status.complaint_ref",
                        "give the complaint's reference, e.g. CDR-7K4M-9QXT");
        return;
    }
    rt_status_call_t *call = malloc(sizeof *call);
    cd_tx_t *tx = cd_tx_new();
    if (!call || !tx) {
        free(call);
        cd_tx_destroy(&tx);
        cd_request_fail(req, CD_CODE_INTERNAL, "", "out of memory");
        return;
    }
    const char *acting = cd_request_acting(req);
    *call = (rt_status_call_t){in, req, acting[0] != 0};
    const char *v[1] = {g->complaint_ref};
    cd_tx_add(
        tx,
        "SELECT reference, state, org_id, " S_TS(
            "received_at") ", ack_due::text,"
                           " response_due::text, " S_TS("acknowledged_at") ", " S_TS(
                               "response_sent_at") ","
                                                   " coalesce(triage_outcome, ''), "
                                                   "coalesce(triage_reason, ''), "
                                                   "coalesce(lead_org, ''),"
                                                   " array_to_string(partners, ',')"
                                                   " FROM routing.complaint WHERE reference = $1",
        1, v);
    cd_tx_add(tx,
              "SELECT " S_TS("at") ", event, producer, detail FROM routing.history"
                                   " WHERE reference = $1 ORDER BY id",
              1, v);
    char today[CD_DATE_LEN + 1];
    cd_date_format(cd_date_from_unix_london(cd_clock_now()), today);
    const char *dv[2] = {g->complaint_ref, today};
    cd_tx_add(
        tx,
        "SELECT d.name, d.party, d.due::text, " S_TS(
            "d.met_at") ","
                        " (d.met_at IS NOT NULL AND (d.met_at AT TIME ZONE 'Europe/London')::date "
                        "> d.due)"
                        "  OR (d.met_at IS NULL AND d.closed_at IS NULL AND d.due < $2::date),"
                        " coalesce(x.old_due::text, ''), coalesce(x.agreed_by, ''), d.closed_at IS "
                        "NOT NULL"
                        " FROM routing.deadline d LEFT JOIN LATERAL (SELECT old_due, agreed_by FROM"
                        " routing.deadline_extension e WHERE e.reference = d.reference AND e.name "
                        "= d.name"
                        " AND e.party = d.party ORDER BY id DESC LIMIT 1) x ON true"
                        " WHERE d.reference = $1"
                        " ORDER BY "
                        "array_position(ARRAY['acknowledgement','update','contribution','response',"
                        "'six-months']"
                        ","
                        " d.name), d.party",
        2, dv);
    if (call->scoped) {
        char who_sql[512];
        cd_actor_sql("routing", who_sql, sizeof who_sql);
        const char *w[1] = {acting};
        cd_tx_add(tx, who_sql, 1, w);
    }
    cd_db_submit(cd_service_db(rt_app.svc), tx, s_on_status, call);
}
