/* coordination.c - several bodies, one response (R3): partners' parts as
 * they come, the complaints manager's waiver of a part, and the one merge
 * handed to investigation. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/error.h"
#include "candour/lifecycle.h"
#include "candour/guarded_op.h"
#include "candour/log.h"
#include "candour/pb.h"
#include "candour/pbjson.h"
#include "candour/util.h"
#include "candour/v1/events.pb-c.h"
#include "decide.h"
#include "routing.h"

/* ---------------------------------------------------------------- contributions
 *
 * A partner's contribution (R3) meets its deadline; when every partner has
 * answered, the contributions go, merged, to investigation, once (merged_at
 * is set in the same transaction as the event). The check runs after each
 * contribution and in every watcher round, so a crash in between only delays
 * the hand-over. */

static void s_on_merged(const cd_tx_result_t *res, void *arg)
{
    if (res->err == 0)
        cd_service_kick(rt_app.svc);
}

static void s_on_contribution_committed(void *arg)
{
    char *ref = arg;
    cd_service_kick(rt_app.svc);
    rt_merge_check(ref);
    free(ref);
}

void rt_on_contribution(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                        const ProtobufCMessage *payload, void *arg)
{
    const Candour__V1__ContributionReceived *c = (const Candour__V1__ContributionReceived *)payload;
    if (!c->partner_org[0]) {
        cd_inbox_nak(in, ev, CD_CODE_MALFORMED_EVENT, "contribution.received without a partner");
        return;
    }
    cd_tx_t *tx = cd_inbox_tx(in, ev);
    const char *v[4] = {env->complaint_ref, c->partner_org, c->findings, c->received_at};
    /* Only a partner that was asked: its deadline row must exist. */
    cd_tx_add(
        tx,
        "WITH d AS (UPDATE routing.deadline SET met_at = coalesce(met_at, now())"
        " WHERE reference = $1 AND name = 'contribution' AND party = $2 RETURNING 1)"
        " SELECT routing.expect(count(*) = 1, 'no contribution was asked of that body') FROM d",
        2, v);
    cd_tx_add(tx,
              "INSERT INTO routing.contribution (reference, org_id, findings, received_at)"
              " VALUES ($1, $2, $3, $4::timestamptz) ON CONFLICT DO NOTHING",
              4, v);
    char detail[200];
    snprintf(detail, sizeof detail, "contribution received from %s", c->partner_org);
    const char *h[5] = {env->complaint_ref, env->type, env->producer, detail, env->event_id};
    cd_tx_add(tx,
              "INSERT INTO routing.history (reference, event, producer, detail, event_id)"
              " VALUES ($1, $2, $3, $4, $5::uuid)",
              5, h);
    cd_inbox_commit(in, ev, tx, s_on_contribution_committed, strdup(env->complaint_ref));
}

/* The columns of the merge read (rt_merge_check). */
enum {
    K_ORG,
    K_FINDINGS,
    K_RECEIVED,
    K_WAIVED,
    K_REASON,
    K_RECORDED_BY,
};

static void s_on_merge_read(const cd_tx_result_t *res, void *arg)
{
    char *ref = arg;
    if (res->err || PQntuples(res->results[0]) == 0) {
        free(ref);
        return;
    }
    PGresult *r = res->results[0];
    int n = PQntuples(r);
    Candour__V1__Contribution *cs = calloc((size_t)n, sizeof *cs);
    Candour__V1__Contribution **cp = calloc((size_t)n, sizeof *cp);
    if (!cs || !cp) {
        free(cs);
        free(cp);
        free(ref);
        return;
    }
    for (int i = 0; i < n; i++) {
        candour__v1__contribution__init(&cs[i]);
        cs[i].org = PQgetvalue(r, i, K_ORG);
        cs[i].findings = PQgetvalue(r, i, K_FINDINGS);
        cs[i].received_at = PQgetvalue(r, i, K_RECEIVED);
        cs[i].waived = PQgetvalue(r, i, K_WAIVED)[0] == 't';
        cs[i].reason = PQgetvalue(r, i, K_REASON);
        cs[i].recorded_by = PQgetvalue(r, i, K_RECORDED_BY);
        cp[i] = &cs[i];
    }
    Candour__V1__ContributionsMerged m = CANDOUR__V1__CONTRIBUTIONS_MERGED__INIT;
    m.n_contributions = (size_t)n;
    m.contributions = cp;
    cd_tx_t *tx = cd_tx_new();
    const char *v[1] = {ref};
    cd_tx_add(tx,
              "WITH u AS (UPDATE routing.complaint SET merged_at = now() WHERE reference = $1"
              " AND merged_at IS NULL RETURNING 1)"
              " SELECT routing.expect(count(*) = 1, 'merged already') FROM u",
              1, v);
    char detail[120];
    snprintf(detail, sizeof detail, "%d contribution%s merged and handed to investigation", n,
             n == 1 ? "" : "s");
    const char *h[4] = {ref, "contributions.merged", "routing", detail};
    cd_tx_add(tx,
              "INSERT INTO routing.history (reference, event, producer, detail)"
              " VALUES ($1, $2, $3, $4)",
              4, h);
    cd_event_out_t out = {.type = "contributions.merged",
                          .complaint_ref = ref,
                          .payload = &m.base,
                          .subscribers = NULL};
    cd_outbox_put(cd_service_outbox(rt_app.svc), tx, &out, NULL, NULL);
    cd_db_submit(cd_service_db(rt_app.svc), tx, s_on_merged, NULL);
    free(cs);
    free(cp);
    free(ref);
}

/* Every partner has answered, or its part was waived (R3), nothing was
 * merged yet, and the complaint is still in hand (the lifecycle takes a
 * contribution in its state): read them to merge. */
void rt_merge_check(const char *ref)
{
    char states[CD_LC_NAMES_LEN];
    cd_lc_states_allowing(CD_LC_CONTRIBUTION, states, sizeof states);
    const char *v[2] = {ref, states};
    cd_db_query(cd_service_db(rt_app.svc),
                "SELECT k.org_id, k.findings, to_char(k.received_at AT TIME ZONE 'UTC',"
                " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), k.waived, coalesce(k.reason, ''),"
                " coalesce(k.recorded_by, '') FROM routing.complaint c"
                " JOIN routing.contribution k USING (reference)"
                " WHERE c.reference = $1 AND c.merged_at IS NULL AND cardinality(c.partners) > 0"
                " AND c.state = ANY($2::text[])"
                " AND NOT EXISTS (SELECT 1 FROM unnest(c.partners) p WHERE p NOT IN"
                "  (SELECT org_id FROM routing.contribution WHERE reference = $1))"
                " ORDER BY k.received_at, k.org_id",
                2, v, s_on_merge_read, strdup(ref));
}

/* -- WaiveContribution: the complaints manager records that the response
 * goes without a partner's part (the partner declined, or did not answer),
 * with the reason (R3). The partner's deadline closes; the letter says so.
 * A guarded operation: the complaint's body is read for the person acting,
 * and the insert itself is the guard (a partner still outstanding, nothing
 * merged, the complaint in a state that takes a contribution). */

static int s_waive_valid(const ProtobufCMessage *msg, cd_fail_t *why)
{
    const Candour__V1__WaiveContribution *w = (const Candour__V1__WaiveContribution *)msg;
    const char *field = !w->complaint_ref[0]              ? "waive_contribution.complaint_ref"
                        : !rt_text_ok(w->partner_org, 64) ? "waive_contribution.partner_org"
                        : !rt_text_ok(w->reason, 1000)    ? "waive_contribution.reason"
                                                          : NULL;
    if (field)
        return cd_fail(why, CD_CODE_REQUIRED, field,
                       "give the complaint's reference, the partner, and the reason the response"
                       " goes without its part");
    return 0;
}

static int s_waive_check(const PGresult *r, cd_op_t *op, cd_fail_t *why, void *arg)
{
    return 0; /* the insert's own conditions are the rule, at commit */
}

static int s_waive_write(cd_tx_t *tx, const PGresult *r, cd_op_t *op, void *arg)
{
    const Candour__V1__WaiveContribution *w = (const Candour__V1__WaiveContribution *)op->msg;
    char states[CD_LC_NAMES_LEN];
    cd_lc_states_allowing(CD_LC_CONTRIBUTION, states, sizeof states);
    const char *v[5] = {w->complaint_ref, w->partner_org, w->reason, op->actor, states};
    cd_tx_add(tx,
              "WITH k AS (INSERT INTO routing.contribution (reference, org_id, findings,"
              " received_at, waived, reason, recorded_by)"
              " SELECT reference, $2, '', now(), true, $3, $4 FROM routing.complaint"
              " WHERE reference = $1 AND $2 = ANY(partners) AND merged_at IS NULL"
              " AND state = ANY($5::text[]) ON CONFLICT DO NOTHING RETURNING 1)"
              " SELECT routing.expect(count(*) = 1, 'nothing to waive') FROM k",
              5, v);
    cd_tx_add(tx,
              "UPDATE routing.deadline SET closed_at = coalesce(closed_at, now())"
              " WHERE reference = $1 AND name = 'contribution' AND party = $2 AND met_at IS NULL",
              2, v);
    char detail[240];
    snprintf(detail, sizeof detail, "the response goes without %s's part (waived, R3)",
             w->partner_org);
    const char *h[4] = {w->complaint_ref, "contribution.waived", "routing", detail};
    cd_tx_add(tx,
              "INSERT INTO routing.history (reference, event, producer, detail)"
              " VALUES ($1, $2, $3, $4)",
              4, h);
    return 0;
}

static void s_waived(cd_op_t *op, void *arg)
{
    cd_service_kick(rt_app.svc);
    rt_merge_check(((const Candour__V1__WaiveContribution *)op->msg)->complaint_ref);
}

static const cd_guarded_spec_t s_waive = {
    .validate = s_waive_valid,
    .read_sql = "SELECT coalesce(lead_org, org_id) FROM routing.complaint WHERE reference = $1",
    .nparams = 1,
    .missing_field = "waive_contribution.complaint_ref",
    .missing_message = "no complaint has that reference",
    .check = s_waive_check,
    .write = s_waive_write,
    .committed = s_waived,
    .lost_field = "waive_contribution.partner_org",
    .lost_message = "that partner's part is in or waived already, the parts were merged, or the"
                    " complaint is no longer in hand",
    .roles = CD_ROLE_COMPLAINTS_MANAGER,
    .schema = "routing",
    .org_col = 0,
};

void rt_waive(cd_request_t *req, const Candour__V1__WaiveContribution *w)
{
    const char *v[1] = {w->complaint_ref};
    cd_guarded_run(&s_waive, cd_service_db(rt_app.svc), req, &w->base, v, NULL);
}

void rt_on_pending_merges(const cd_tx_result_t *res, void *arg)
{
    if (res->err)
        return;
    for (int i = 0; i < PQntuples(res->results[0]); i++)
        rt_merge_check(PQgetvalue(res->results[0], i, 0));
}
