/* caseload.c - ListCases: the complaints the person acting's body is party
 * to (made to it, led by it, or a partner's part asked of it), filtered and
 * paged newest first (caseload_rules.h has the order, the cursor and the
 * rules). The staff HTTP API's caseload goes through the gateway to here.
 *
 * One read-only transaction of two statements: the person (cd_actor_sql,
 * judged by rt_cl_may) and the page. The page's statement scopes itself to
 * the person's body as the directory has it (enabled, holding a caseload
 * role) as well, so that no rows come back for someone the check would
 * refuse, whatever the order of the checks. Every filter is a parameter,
 * NULL for "no filter"; it is planned afresh each time (cd_tx_add_fresh), so
 * that PostgreSQL sees which filters are NULL and picks its index for the
 * ones given (0028_caseload.sql), which one cached generic plan could not.
 * No personal data: references, states, dates and staff ids only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/directory.h"
#include "candour/lifecycle.h"
#include "candour/log.h"
#include "candour/util.h"
#include "caseload_rules.h"
#include "routing.h"

typedef struct {
    cd_request_t *req;
    unsigned limit; /* the page's size; one row more is read to see if it is the last */
    char acting[CD_STAFF_ID_MAX + 1]; /* Request.acting, as cd_request_acting gives it */
    char org[65];                     /* list_cases.org_id, "" for the person's own body */
} rt_cl_call_t;

/* The page's columns. */
enum {
    L_REF,
    L_STATE,
    L_ORG,
    L_LEAD,
    L_ROLE,
    L_RECEIVED,
    L_ACK_DUE,
    L_RESPONSE_DUE,
    L_ACKNOWLEDGED,
    L_RESPONSE_SENT,
    L_INVESTIGATOR,
    L_NEXT,
    L_NEXT_DUE,
    L_NEXT_PARTY,
    L_OVERDUE,
    L_KEY_US, /* received_at in microseconds: the cursor's key */
};

#define S_TS(col)                                                                                  \
    "coalesce(to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), '')"

/* $1 acting, $2 states (text[]), $3 investigator, $4 response due before,
 * $5 after, $6 received from, $7 received to (London days), $8 overdue only,
 * $9 today (London), $10 $11 the cursor's key (time, reference), $12 rows.
 * The next deadline is the earliest open one; the complaint is overdue when
 * that one is (an open deadline with a later due date cannot be missed
 * while an earlier one is not). */
static const char s_sql[] =
    "WITH me AS (SELECT s.org_id FROM routing.staff s WHERE s.staff_id = $1 AND NOT s.disabled"
    "  AND s.roles && ARRAY['complaints-manager', 'investigator', 'signatory',"
    "  'responsible-person', 'analyst'])"
    " SELECT c.reference, c.state, c.org_id, coalesce(c.lead_org, c.org_id),"
    "  CASE WHEN coalesce(c.lead_org, c.org_id) = me.org_id THEN 'lead'"
    "   WHEN me.org_id = ANY (c.partners) THEN 'partner' ELSE 'referred-on' END,"
    "  " S_TS(
        "c.received_at") ", c.ack_due::text, c.response_due::text,"
                         "  " S_TS("c.acknowledged_at") ", " S_TS(
                             "c.response_sent_at") ","
                                                   "  coalesce(c.investigator, ''), "
                                                   "coalesce(n.name, ''), coalesce(n.due::text, "
                                                   "''),"
                                                   "  coalesce(n.party, ''), coalesce(n.due < "
                                                   "$9::date, false),"
                                                   "  (extract(epoch FROM c.received_at) * "
                                                   "1000000)::bigint"
                                                   " FROM me JOIN routing.complaint c ON c.org_id "
                                                   "= me.org_id OR c.lead_org = me.org_id"
                                                   "  OR c.partners @> ARRAY[me.org_id]"
                                                   " LEFT JOIN LATERAL (SELECT d.name, d.due, "
                                                   "d.party FROM routing.deadline d"
                                                   "  WHERE d.reference = c.reference AND d.met_at "
                                                   "IS NULL AND d.closed_at IS NULL"
                                                   "  ORDER BY d.due, d.name, d.party LIMIT 1) n "
                                                   "ON true"
                                                   " WHERE ($2::text[] IS NULL OR c.state = ANY "
                                                   "($2::text[]))"
                                                   "  AND ($3::text IS NULL OR c.investigator = $3)"
                                                   "  AND ($4::date IS NULL OR c.response_due < "
                                                   "$4::date)"
                                                   "  AND ($5::date IS NULL OR c.response_due > "
                                                   "$5::date)"
                                                   "  AND ($6::date IS NULL OR c.received_at >= "
                                                   "($6::date::timestamp AT TIME ZONE"
                                                   "   'Europe/London'))"
                                                   "  AND ($7::date IS NULL OR c.received_at < "
                                                   "(($7::date + 1)::timestamp AT TIME ZONE"
                                                   "   'Europe/London'))"
                                                   "  AND (NOT $8::boolean OR n.due < $9::date)"
                                                   "  AND ($10::timestamptz IS NULL OR "
                                                   "(c.received_at, c.reference) < "
                                                   "($10::timestamptz, $11))"
                                                   " ORDER BY c.received_at DESC, c.reference DESC "
                                                   "LIMIT $12::int";

static void s_fail(rt_cl_call_t *call, cd_code_t code, const char *field, const char *message)
{
    cd_request_fail(call->req, code, field, message);
    free(call);
}

/* One row of the page as a summary; its strings point into r. */
static void s_summary(const PGresult *r, int i, Candour__V1__CaseListItem *s)
{
    candour__v1__case_list_item__init(s);
    s->complaint_ref = PQgetvalue(r, i, L_REF);
    s->state = PQgetvalue(r, i, L_STATE);
    s->state_code = cd_state_from_name(s->state);
    s->org_id = PQgetvalue(r, i, L_ORG);
    s->lead_org = PQgetvalue(r, i, L_LEAD);
    s->role = PQgetvalue(r, i, L_ROLE);
    s->received_at = PQgetvalue(r, i, L_RECEIVED);
    s->ack_due = PQgetvalue(r, i, L_ACK_DUE);
    s->response_due = PQgetvalue(r, i, L_RESPONSE_DUE);
    s->acknowledged_at = PQgetvalue(r, i, L_ACKNOWLEDGED);
    s->response_sent_at = PQgetvalue(r, i, L_RESPONSE_SENT);
    s->investigator = PQgetvalue(r, i, L_INVESTIGATOR);
    s->next_deadline = PQgetvalue(r, i, L_NEXT);
    s->next_deadline_due = PQgetvalue(r, i, L_NEXT_DUE);
    s->next_deadline_party = PQgetvalue(r, i, L_NEXT_PARTY);
    s->overdue = PQgetvalue(r, i, L_OVERDUE)[0] == 't';
}

/* The person, then the page: judged, then answered. */
static void s_on_page(const cd_tx_result_t *res, void *arg)
{
    rt_cl_call_t *call = arg;
    if (res->err) {
        s_fail(call, CD_CODE_UNAVAILABLE, "", "the caseload could not be read just now; try again");
        return;
    }
    cd_actor_t a;
    int found = PQntuples(res->results[0]) == 1;
    if (found && cd_actor_from_row(res->results[0], 0, 0, &a) != 0) {
        s_fail(call, CD_CODE_INTERNAL, "", "out of memory");
        return;
    }
    cd_fail_t why = {0};
    int rc = rt_cl_may(found ? &a : NULL, call->acting, call->org[0] ? call->org : NULL, &why);
    if (found)
        cd_actor_clear(&a);
    if (rc != 0) {
        s_fail(call, why.code, why.field, why.message);
        return;
    }
    const PGresult *r = res->results[1];
    int n = PQntuples(r);
    int more = n > (int)call->limit;
    if (more)
        n = (int)call->limit;
    Candour__V1__CaseListItem *items = calloc((size_t)n + 1, sizeof *items);
    Candour__V1__CaseListItem **ip = calloc((size_t)n + 1, sizeof *ip);
    if (!items || !ip) {
        free(items);
        free(ip);
        s_fail(call, CD_CODE_INTERNAL, "", "out of memory");
        return;
    }
    for (int i = 0; i < n; i++) {
        s_summary(r, i, &items[i]);
        ip[i] = &items[i];
    }
    char cursor[RT_CL_CURSOR_MAX + 1] = "";
    if (more) {
        rt_cl_key_t k = {.received_us = strtoll(PQgetvalue(r, n - 1, L_KEY_US), NULL, 10)};
        snprintf(k.ref, sizeof k.ref, "%s", PQgetvalue(r, n - 1, L_REF));
        /* A reference out of the cursor's form (none is) would end the list
         * here rather than loop: say so. */
        if (rt_cl_cursor_encode(&k, cursor, sizeof cursor) != 0)
            cd_log_error("caseload.cursor_failed", "{s:s}", "reference", k.ref);
    }
    Candour__V1__CaseList list = CANDOUR__V1__CASE_LIST__INIT;
    list.n_items = (size_t)n;
    list.items = ip;
    list.next_cursor = cursor;
    Candour__V1__Reply reply = CANDOUR__V1__REPLY__INIT;
    reply.result_case = CANDOUR__V1__REPLY__RESULT_CASE_LIST;
    reply.case_list = &list;
    cd_request_reply(call->req, &reply);
    free(items);
    free(ip);
    free(call);
}

void rt_list_cases(cd_inbox_t *in, cd_request_t *req, const Candour__V1__Request *r)
{
    const Candour__V1__ListCases *l = r->list_cases;
    const char *acting = cd_request_acting(req);
    cd_fail_t why = {0};
    rt_cl_query_t q;
    /* Nobody named: refused before anything is read. */
    if (!acting[0] && rt_cl_may(NULL, acting, NULL, &why) != 0) {
        cd_request_fail(req, why.code, why.field, why.message);
        return;
    }
    if (!l) {
        cd_request_fail(req, CD_CODE_REQUIRED, "list_cases", "give the filters (none: {})");
        return;
    }
    if (rt_cl_check(l, &q, &why) != 0) {
        cd_request_fail(req, why.code, why.field, why.message);
        return;
    }
    int oom = 0;
    char *states = rt_cl_states_array(l, &oom);
    rt_cl_call_t *call = calloc(1, sizeof *call);
    cd_tx_t *tx = cd_tx_new();
    if (oom || !call || !tx) {
        free(states);
        free(call);
        cd_tx_destroy(&tx);
        cd_request_fail(req, CD_CODE_INTERNAL, "", "out of memory");
        return;
    }
    call->req = req;
    call->limit = q.limit;
    snprintf(call->acting, sizeof call->acting, "%s", acting);
    snprintf(call->org, sizeof call->org, "%s", q.org_id ? q.org_id : "");
    char today[CD_DATE_LEN + 1], key_time[32] = "", rows[16];
    cd_date_format(cd_date_from_unix_london(cd_clock_now()), today);
    if (q.has_after)
        rt_cl_key_time(&q.after, key_time);
    snprintf(rows, sizeof rows, "%u", q.limit + 1);
    char who_sql[512];
    cd_actor_sql("routing", who_sql, sizeof who_sql);
    const char *w[1] = {acting};
    cd_tx_add(tx, who_sql, 1, w);
    const char *v[12] = {acting,
                         states,
                         q.investigator,
                         q.due_before[0] ? q.due_before : NULL,
                         q.due_after[0] ? q.due_after : NULL,
                         q.received_from[0] ? q.received_from : NULL,
                         q.received_to[0] ? q.received_to : NULL,
                         q.overdue ? "t" : "f",
                         today,
                         q.has_after ? key_time : NULL,
                         q.has_after ? q.after.ref : NULL,
                         rows};
    cd_tx_add_fresh(tx, s_sql, 12, v);
    free(states);
    cd_db_submit(cd_service_db(rt_app.svc), tx, s_on_page, call);
}
