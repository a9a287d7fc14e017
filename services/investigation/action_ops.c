/* action_ops.c - MarkActionDone (V5; issue 15, L1/L2): an action agreed with
 * the findings is done, on a day, before or after the response went. The
 * findings are recorded (and their actions replaced) only while the case is
 * open; this marks one action done at any time after, so the learning
 * reports can count actions done by their due date. The rules are
 * findings.h's (iv_action_done_check, iv_action_done_ok).
 *
 * A guarded operation (guarded_op.h): the case and the action are read,
 * judged, and the action marked done only while it is still not done (a
 * second marking, or findings recorded again meanwhile, loses);
 * action.done goes to reporting in the same transaction, with the action's
 * number and days, never its words or owner. */
#include <stdio.h>
#include <string.h>

#include "candour/error.h"
#include "candour/guarded_op.h"
#include "candour/log.h"
#include "candour/util.h"
#include "candour/v1/events.pb-c.h"
#include "case_rows.h"
#include "findings.h"
#include "investigation.h"

#define S_FIELD "mark_action_done"
#define S_REF_MAX 64 /* bytes of a complaint's reference */

enum { COL_ORG, COL_INVESTIGATOR, COL_FOUND, COL_DONE, COL_DONE_ON, COL_DUE };

static const char s_read_sql[] =
    "SELECT c.org_id, coalesce(c.investigator, ''), a.number IS NOT NULL, coalesce(a.done, false),"
    " coalesce(a.done_on::text, ''), coalesce(a.due::text, '')"
    " FROM investigation.case c LEFT JOIN investigation.action a"
    "  ON a.reference = c.reference AND a.number = $2::integer"
    " WHERE c.reference = $1";

static int s_validate(const ProtobufCMessage *msg, cd_fail_t *why)
{
    const Candour__V1__MarkActionDone *m = (const Candour__V1__MarkActionDone *)msg;
    size_t n = strlen(m->complaint_ref);
    if (n == 0)
        return cd_fail(why, CD_CODE_REQUIRED, S_FIELD ".complaint_ref",
                       "give the complaint's reference");
    if (n > S_REF_MAX || !cd_text_ok(m->complaint_ref, n, 0))
        return cd_fail(why, CD_CODE_INVALID_ARGUMENT, S_FIELD ".complaint_ref",
                       "that is not a complaint reference");
    return iv_action_done_check(m->number, m->done_on, iv_today(), S_FIELD, why);
}

/* V1: the investigator assigned, or a complaints manager of the body. */
static int s_check_actor(const PGresult *r, const cd_actor_t *a, cd_op_t *op, cd_fail_t *why,
                         void *arg)
{
    return iv_case_actor_ok(PQgetvalue(r, 0, COL_INVESTIGATOR), a, why);
}

static int s_check(const PGresult *r, cd_op_t *op, cd_fail_t *why, void *arg)
{
    return iv_action_done_ok(PQgetvalue(r, 0, COL_FOUND)[0] == 't',
                             PQgetvalue(r, 0, COL_DONE)[0] == 't', PQgetvalue(r, 0, COL_DONE_ON),
                             S_FIELD, why);
}

static int s_write(cd_tx_t *tx, const PGresult *r, cd_op_t *op, void *arg)
{
    iv_app_t *app = arg;
    const Candour__V1__MarkActionDone *m = (const Candour__V1__MarkActionDone *)op->msg;
    char number[16];
    snprintf(number, sizeof number, "%d", (int)m->number);
    const char *v[3] = {m->complaint_ref, number, m->done_on};
    cd_tx_add(tx,
              "WITH u AS (UPDATE investigation.action SET done = true, done_on = $3::date"
              " WHERE reference = $1 AND number = $2::integer AND NOT done RETURNING 1)"
              " SELECT investigation.expect(count(*) = 1, 'the action changed meanwhile') FROM u",
              3, v);
    Candour__V1__ActionDone ev = CANDOUR__V1__ACTION_DONE__INIT;
    ev.number = m->number;
    ev.due = PQgetvalue(r, 0, COL_DUE);
    ev.done_on = m->done_on;
    cd_event_out_t out = {
        .type = "action.done", .complaint_ref = m->complaint_ref, .payload = &ev.base};
    return cd_outbox_put(cd_service_outbox(app->svc), tx, &out, NULL, NULL);
}

static void s_committed(cd_op_t *op, void *arg)
{
    iv_app_t *app = arg;
    const Candour__V1__MarkActionDone *m = (const Candour__V1__MarkActionDone *)op->msg;
    cd_log_info("case.action_done", "{s:s, s:i, s:s}", "reference", m->complaint_ref, "number",
                (int)m->number, "acting", op->actor_id);
    cd_service_kick(app->svc);
}

static const cd_guarded_spec_t s_mark_action_done = {
    .validate = s_validate,
    .read_sql = s_read_sql,
    .nparams = 2,
    .missing_field = S_FIELD ".complaint_ref",
    .missing_message = "no investigation case has that reference",
    .check = s_check,
    .write = s_write,
    .committed = s_committed,
    .lost_field = S_FIELD ".number",
    .lost_message = "the action changed meanwhile: it was marked done, or the findings were"
                    " recorded again; nothing was changed: read the case and try again",
    .roles = CD_ROLE_INVESTIGATOR | CD_ROLE_COMPLAINTS_MANAGER,
    .schema = "investigation",
    .org_col = COL_ORG,
    .check_actor = s_check_actor,
};

void iv_mark_action_done(cd_request_t *req, const Candour__V1__MarkActionDone *m, iv_app_t *app)
{
    char number[16];
    snprintf(number, sizeof number, "%d", (int)m->number);
    const char *v[2] = {m->complaint_ref, number};
    cd_guarded_run(&s_mark_action_done, cd_service_db(app->svc), req, &m->base, v, app);
}
