/* late.c - a response that is late (Regs reg. 14(2)): the complaints
 * manager records why, and when the complainant can now expect it. Recorded
 * before the due date passes, the letter goes when it passes (the watcher,
 * deadlines.c); recorded after, at once. One explanation per due date: a
 * new date agreed with the complainant is an extension, not a second
 * excuse. */
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

int rt_put_late(cd_tx_t *tx, const char *reference, const Candour__V1__ResponseLate *late)
{
    char detail[200];
    snprintf(detail, sizeof detail,
             "complainant told why the response due %s is late; now expected by %s", late->due,
             late->expected_by);
    const char *h[4] = {reference, "response.late", "routing", detail};
    cd_tx_add(tx,
              "INSERT INTO routing.history (reference, event, producer, detail)"
              " VALUES ($1, $2, $3, $4)",
              4, h);
    cd_event_out_t out = {
        .type = "response.late", .complaint_ref = reference, .payload = &late->base};
    return cd_outbox_put(cd_service_outbox(rt_app.svc), tx, &out, NULL, NULL);
}

/* ---------------------------------------------------------------- the request */

enum { L_OPEN, L_ORG, L_DUE, L_EXPLAINED, L_EMAIL, L_PHONE };

static int s_valid(const ProtobufCMessage *msg, cd_fail_t *why)
{
    const Candour__V1__ExplainLateResponse *x = (const Candour__V1__ExplainLateResponse *)msg;
    if (!x->complaint_ref[0])
        return cd_fail(why, CD_CODE_REQUIRED, "explain_late_response.complaint_ref",
                       "give the complaint's reference");
    return 0;
}

static int s_check(const PGresult *r, cd_op_t *op, cd_fail_t *why, void *arg)
{
    const Candour__V1__ExplainLateResponse *x = (const Candour__V1__ExplainLateResponse *)op->msg;
    if (PQgetvalue(r, 0, L_OPEN)[0] != 't')
        return cd_fail(why, CD_CODE_FAILED_PRECONDITION, "explain_late_response.complaint_ref",
                       "that complaint is closed");
    if (PQgetvalue(r, 0, L_EXPLAINED)[0] == 't')
        return cd_fail(why, CD_CODE_FAILED_PRECONDITION, "explain_late_response.complaint_ref",
                       "the delay past this due date has been explained already: a new date"
                       " agreed with the complainant is recorded as an extension");
    cd_date_t due, today = cd_date_from_unix_london(cd_clock_now());
    if (cd_date_parse(PQgetvalue(r, 0, L_DUE), &due) != 0)
        return cd_fail(why, CD_CODE_INTERNAL, NULL, "the response's due date could not be read");
    return rt_late_check(x->reason, x->expected_by, due, today, "explain_late_response", why);
}

static int s_write(cd_tx_t *tx, const PGresult *r, cd_op_t *op, void *arg)
{
    const Candour__V1__ExplainLateResponse *x = (const Candour__V1__ExplainLateResponse *)op->msg;
    const char *due = PQgetvalue(r, 0, L_DUE);
    cd_date_t d, today = cd_date_from_unix_london(cd_clock_now());
    int late = cd_date_parse(due, &d) == 0 && rt_response_late(today, d);
    const char *v[6] = {x->complaint_ref, due,          x->reason,
                        x->expected_by,   op->actor_id, late ? "t" : "f"};
    /* The key (reference, due) is the guard: explained once per date. */
    cd_tx_add(tx,
              "INSERT INTO routing.late_response (reference, due, reason, expected_by,"
              " explained_by, told_at) VALUES ($1, $2::date, $3, $4::date, $5,"
              " CASE WHEN $6::boolean THEN now() END)",
              6, v);
    if (!late)
        return 0; /* the watcher tells the complainant once the date passes */
    Candour__V1__Contact from = CANDOUR__V1__CONTACT__INIT;
    from.name = op->actor_name;
    from.job_title = op->actor_title;
    from.email = PQgetvalue(r, 0, L_EMAIL);
    from.phone = PQgetvalue(r, 0, L_PHONE);
    Candour__V1__ResponseLate rl = CANDOUR__V1__RESPONSE_LATE__INIT;
    rl.due = (char *)due;
    rl.reason = x->reason;
    rl.expected_by = x->expected_by;
    rl.from = &from;
    return rt_put_late(tx, x->complaint_ref, &rl);
}

static void s_committed(cd_op_t *op, void *arg)
{
    const Candour__V1__ExplainLateResponse *x = (const Candour__V1__ExplainLateResponse *)op->msg;
    cd_log_info("response.late_explained", "{s:s, s:s}", "reference", x->complaint_ref, "by",
                op->actor_id);
    cd_service_kick(rt_app.svc);
}

static const cd_guarded_spec_t s_spec = {
    .validate = s_valid,
    .read_sql = "SELECT c.state = ANY($2::text[]), coalesce(c.lead_org, c.org_id), d.due::text,"
                " l.due IS NOT NULL, coalesce(s.email, ''), coalesce(s.phone, '')"
                " FROM routing.complaint c"
                " JOIN routing.deadline d ON d.reference = c.reference AND d.name = 'response'"
                "  AND d.met_at IS NULL AND d.closed_at IS NULL"
                " LEFT JOIN routing.late_response l ON l.reference = c.reference AND l.due = d.due"
                " LEFT JOIN routing.staff s ON s.staff_id = $3"
                " WHERE c.reference = $1",
    .nparams = 3,
    .missing_field = "explain_late_response.complaint_ref",
    .missing_message = "no complaint with that reference has a response still to send",
    .check = s_check,
    .write = s_write,
    .committed = s_committed,
    .lost_field = "explain_late_response.complaint_ref",
    .lost_message = "the delay was explained meanwhile: look at the complaint's status",
    .roles = CD_ROLE_COMPLAINTS_MANAGER,
    .schema = "routing",
    .org_col = L_ORG,
};

void rt_explain_late(cd_request_t *req, const Candour__V1__ExplainLateResponse *x)
{
    char states[CD_LC_NAMES_LEN];
    cd_lc_states_allowing(CD_LC_RESPONSE_LATE, states, sizeof states);
    const char *acting = cd_request_acting(req);
    const char *v[3] = {x->complaint_ref, states, acting ? acting : ""};
    cd_guarded_run(&s_spec, cd_service_db(rt_app.svc), req, &x->base, v, NULL);
}
