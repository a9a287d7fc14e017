/* progress.c - keeping the complainant informed (R5): a progress update
 * written by the complaints manager or an investigator of the body handling
 * the complaint, and the update deadline moved on the body's cadence. When
 * no one has written by the day it was due, the watcher sends Candour's
 * standard update the same way (deadlines.c), so the complainant is never
 * left without word. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/guarded_op.h"
#include "candour/lifecycle.h"
#include "candour/log.h"
#include "candour/util.h"
#include "clocks.h"
#include "routing.h"
#include "timing.h"

int rt_update_days(int body_days)
{
    return body_days > 0 ? body_days : (int)rt_app.update_days;
}

int rt_put_progress(cd_tx_t *tx, const rt_progress_t *p)
{
    char number[16];
    snprintf(number, sizeof number, "%d", p->number);
    const char *v[5] = {p->reference, number, p->text, p->written_by, p->update_due};
    cd_tx_add(tx,
              "INSERT INTO routing.progress_update (reference, number, text, written_by,"
              " update_due) VALUES ($1, $2::int, $3, $4, nullif($5, '')::date)",
              5, v);
    /* The next update a cadence from today, while that is before the
     * response; else the cadence ends here (met). */
    cd_date_t today = cd_date_from_unix_london(cd_clock_now()), due, next;
    char next_s[CD_DATE_LEN + 1];
    if (cd_date_parse(p->response_due, &due) == 0 &&
        rt_next_update_due(rt_app.cal, today, p->cadence, due, &next)) {
        cd_date_format(next, next_s);
        const char *d[2] = {p->reference, next_s};
        cd_tx_add(tx,
                  "INSERT INTO routing.deadline (reference, name, due) VALUES ($1, 'update', $2)"
                  " ON CONFLICT (reference, name, party) DO UPDATE SET due = EXCLUDED.due,"
                  " met_at = NULL, closed_at = NULL, due_soon_raised_at = NULL,"
                  " overdue_raised_at = NULL, acted_at = NULL",
                  2, d);
    } else {
        const char *d[1] = {p->reference};
        cd_tx_add(tx,
                  "UPDATE routing.deadline SET met_at = now() WHERE reference = $1"
                  " AND name = 'update' AND met_at IS NULL AND closed_at IS NULL",
                  1, d);
    }
    char detail[200];
    if (p->written_by[0])
        snprintf(detail, sizeof detail, "progress update %d sent, written by %s", p->number,
                 p->written_by);
    else
        snprintf(detail, sizeof detail,
                 "progress update %d sent: Candour's standard update, as none was written by"
                 " the day it was due",
                 p->number);
    const char *h[4] = {p->reference, "progress.sent", "routing", detail};
    cd_tx_add(tx,
              "INSERT INTO routing.history (reference, event, producer, detail)"
              " VALUES ($1, $2, $3, $4)",
              4, h);
    Candour__V1__ProgressSent ps = CANDOUR__V1__PROGRESS_SENT__INIT;
    ps.number = p->number;
    ps.text = (char *)p->text;
    ps.response_due = (char *)p->response_due;
    ps.from = (Candour__V1__Contact *)p->from;
    cd_event_out_t out = {
        .type = "progress.sent", .complaint_ref = p->reference, .payload = &ps.base};
    return cd_outbox_put(cd_service_outbox(rt_app.svc), tx, &out, NULL, NULL);
}

/* ---------------------------------------------------------------- the request */

/* The columns of the read. */
enum { P_OPEN, P_ORG, P_RESPONSE_DUE, P_COUNT, P_CADENCE, P_UPDATE_DUE, P_EMAIL, P_PHONE };

static int s_valid(const ProtobufCMessage *msg, cd_fail_t *why)
{
    const Candour__V1__SendProgressUpdate *p = (const Candour__V1__SendProgressUpdate *)msg;
    if (!p->complaint_ref[0])
        return cd_fail(why, CD_CODE_REQUIRED, "send_progress_update.complaint_ref",
                       "give the complaint's reference");
    return rt_progress_text_check(p->text, "send_progress_update", why);
}

static int s_check(const PGresult *r, cd_op_t *op, cd_fail_t *why, void *arg)
{
    if (PQgetvalue(r, 0, P_OPEN)[0] != 't')
        return cd_fail(why, CD_CODE_FAILED_PRECONDITION, "send_progress_update.complaint_ref",
                       "that complaint is closed: progress updates are for open complaints");
    return 0;
}

static int s_write(cd_tx_t *tx, const PGresult *r, cd_op_t *op, void *arg)
{
    const Candour__V1__SendProgressUpdate *p = (const Candour__V1__SendProgressUpdate *)op->msg;
    Candour__V1__Contact from = CANDOUR__V1__CONTACT__INIT;
    from.name = op->actor_name;
    from.job_title = op->actor_title;
    from.email = PQgetvalue(r, 0, P_EMAIL);
    from.phone = PQgetvalue(r, 0, P_PHONE);
    int cadence = atoi(PQgetvalue(r, 0, P_CADENCE));
    rt_progress_t pr = {.reference = p->complaint_ref,
                        .number = atoi(PQgetvalue(r, 0, P_COUNT)) + 1,
                        .text = p->text,
                        .written_by = op->actor_id,
                        .from = &from,
                        .response_due = PQgetvalue(r, 0, P_RESPONSE_DUE),
                        .update_due = PQgetvalue(r, 0, P_UPDATE_DUE),
                        .cadence = rt_update_days(cadence)};
    return rt_put_progress(tx, &pr);
}

static void s_committed(cd_op_t *op, void *arg)
{
    const Candour__V1__SendProgressUpdate *p = (const Candour__V1__SendProgressUpdate *)op->msg;
    cd_log_info("progress.sent", "{s:s, s:s}", "reference", p->complaint_ref, "by", op->actor_id);
    cd_service_kick(rt_app.svc);
}

static const cd_guarded_spec_t s_spec = {
    .validate = s_valid,
    .read_sql =
        "SELECT c.state = ANY($2::text[]) AND c.classification = 'CLASSIFICATION_COMPLAINT',"
        " coalesce(c.lead_org, c.org_id), c.response_due::text,"
        " (SELECT count(*) FROM routing.progress_update u WHERE u.reference = c.reference),"
        " coalesce(p.update_every_days, 0), coalesce(d.due::text, ''),"
        " coalesce(s.email, ''), coalesce(s.phone, '')"
        " FROM routing.complaint c"
        " LEFT JOIN routing.org_policy p ON p.org_id = c.org_id"
        " LEFT JOIN routing.deadline d ON d.reference = c.reference AND d.name = 'update'"
        "  AND d.met_at IS NULL AND d.closed_at IS NULL"
        " LEFT JOIN routing.staff s ON s.staff_id = $3"
        " WHERE c.reference = $1",
    .nparams = 3,
    .missing_field = "send_progress_update.complaint_ref",
    .missing_message = "no complaint has that reference",
    .check = s_check,
    .write = s_write,
    .committed = s_committed,
    .lost_field = "send_progress_update.complaint_ref",
    .lost_message = "another update was sent meanwhile: look at the complaint and send again",
    .roles = CD_ROLE_COMPLAINTS_MANAGER | CD_ROLE_INVESTIGATOR,
    .schema = "routing",
    .org_col = P_ORG,
};

void rt_send_progress(cd_request_t *req, const Candour__V1__SendProgressUpdate *p)
{
    char states[CD_LC_NAMES_LEN];
    cd_lc_states_allowing(CD_LC_PROGRESS_SENT, states, sizeof states);
    const char *acting = cd_request_acting(req);
    const char *v[3] = {p->complaint_ref, states, acting ? acting : ""};
    cd_guarded_run(&s_spec, cd_service_db(rt_app.svc), req, &p->base, v, NULL);
}
