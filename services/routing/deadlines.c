/* deadlines.c - the deadline watcher (R6), extensions by recorded agreement
 * (R5) and the decision on a complaint made out of time (I3). */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/error.h"
#include "candour/guarded_op.h"
#include "candour/lifecycle.h"
#include "candour/log.h"
#include "candour/pb.h"
#include "candour/pbjson.h"
#include "candour/util.h"
#include "candour/v1/events.pb-c.h"
#include "clocks.h"
#include "decide.h"
#include "routing.h"
#include "timing.h"

/* ---------------------------------------------------------------- deadlines
 *
 * The watcher (R6): every scan_ms it looks in routing.deadline for open
 * deadlines that fall due within due_soon_days working days, or are past,
 * and not yet raised at that level; it raises each once, as an event to
 * notify (the complaints manager's alert) and a history line. Due dates come
 * from the database, so a restart neither loses nor repeats an alert; rows
 * are claimed with SKIP LOCKED so two routing instances share the work. */

typedef struct {
    char reference[64], name[24], party[80], due[CD_DATE_LEN + 1], level[16];
    /* update: for Candour's standard update (R5) */
    char response_due[CD_DATE_LEN + 1];
    int cadence, nprogress;
    /* response: the explanation recorded before the date passed, if any */
    int explained;
    char reason[1024], expected_by[CD_DATE_LEN + 1], by[4][201];
} rt_alert_t;

static void s_watch(void);

static void s_on_alert_written(const cd_tx_result_t *res, void *arg)
{
    if (res->err == 0)
        cd_service_kick(rt_app.svc);
}

/* One alert: mark it raised (once: the guard), its history line, its event. */
static void s_raise(const rt_alert_t *al)
{
    const int overdue = strcmp(al->level, "overdue") == 0;
    cd_tx_t *tx = cd_tx_new();
    const char *v[3] = {al->reference, al->name, al->party};
    cd_tx_add(tx,
              overdue ? "WITH u AS (UPDATE routing.deadline SET overdue_raised_at = now()"
                        " WHERE reference = $1 AND name = $2 AND party = $3"
                        " AND overdue_raised_at IS NULL RETURNING 1)"
                        " SELECT routing.expect(count(*) = 1, 'raised already') FROM u"
                      : "WITH u AS (UPDATE routing.deadline SET due_soon_raised_at = now()"
                        " WHERE reference = $1 AND name = $2 AND party = $3"
                        " AND due_soon_raised_at IS NULL RETURNING 1)"
                        " SELECT routing.expect(count(*) = 1, 'raised already') FROM u",
              3, v);
    char detail[200];
    snprintf(detail, sizeof detail, "%s deadline%s%s %s (due %s)", al->name,
             al->party[0] ? " for " : "", al->party, overdue ? "overdue" : "due soon", al->due);
    const char *h[4] = {al->reference, overdue ? "deadline.overdue" : "deadline.due_soon",
                        "routing", detail};
    cd_tx_add(tx,
              "INSERT INTO routing.history (reference, event, producer, detail)"
              " VALUES ($1, $2, $3, $4)",
              4, h);
    Candour__V1__DeadlineAlert da = CANDOUR__V1__DEADLINE_ALERT__INIT;
    da.deadline = (char *)al->name;
    da.party = (char *)al->party;
    da.due = (char *)al->due;
    da.level = (char *)al->level;
    Candour__V1__ContributionRequested chase = CANDOUR__V1__CONTRIBUTION_REQUESTED__INIT;
    cd_event_out_t out[2] = {{.type = overdue ? "deadline.overdue" : "deadline.due_soon",
                              .complaint_ref = al->reference,
                              .payload = &da.base,
                              .subscribers = NULL}};
    int nout = 1;
    if (overdue && strcmp(al->name, "contribution") == 0) {
        /* A partner that has not answered by the due date is chased (R3). */
        chase.partner_org = (char *)al->party;
        chase.due = (char *)al->due;
        chase.chase = 1;
        out[nout++] = (cd_event_out_t){.type = "contribution.requested",
                                       .complaint_ref = al->reference,
                                       .payload = &chase.base,
                                       .subscribers = NULL};
    }
    /* The alert, then any chase: one statement. */
    cd_outbox_put_many(cd_service_outbox(rt_app.svc), tx, out, nout, NULL, NULL);
    if (overdue && strcmp(al->name, "update") == 0) {
        /* No one wrote by the day it was due: Candour's standard update
         * goes, and the next is due a cadence on (R5). */
        rt_progress_t pr = {.reference = al->reference,
                            .number = al->nprogress + 1,
                            .text = "",
                            .written_by = "",
                            .from = NULL,
                            .response_due = al->response_due,
                            .update_due = al->due,
                            .cadence = rt_update_days(al->cadence)};
        if (rt_put_progress(tx, &pr) != 0)
            cd_tx_poison(tx);
    }
    if (overdue && al->explained) {
        /* The response is late and the complaints manager said why before
         * the date passed: the complainant is told now (reg. 14(2)). */
        const char *l[2] = {al->reference, al->due};
        cd_tx_add(tx,
                  "WITH u AS (UPDATE routing.late_response SET told_at = now()"
                  " WHERE reference = $1 AND due = $2::date AND told_at IS NULL RETURNING 1)"
                  " SELECT routing.expect(count(*) = 1, 'told already') FROM u",
                  2, l);
        Candour__V1__Contact from = CANDOUR__V1__CONTACT__INIT;
        from.name = (char *)al->by[0];
        from.job_title = (char *)al->by[1];
        from.email = (char *)al->by[2];
        from.phone = (char *)al->by[3];
        Candour__V1__ResponseLate rl = CANDOUR__V1__RESPONSE_LATE__INIT;
        rl.due = (char *)al->due;
        rl.reason = (char *)al->reason;
        rl.expected_by = (char *)al->expected_by;
        rl.from = from.name[0] ? &from : NULL;
        if (rt_put_late(tx, al->reference, &rl) != 0)
            cd_tx_poison(tx);
    }
    cd_log_info(overdue ? "deadline.overdue" : "deadline.due_soon", "{s:s, s:s, s:s}", "reference",
                al->reference, "deadline", al->name, "due", al->due);
    cd_db_submit(cd_service_db(rt_app.svc), tx, s_on_alert_written, NULL);
}

/* The columns of the watcher's query (s_watch). */
enum {
    W_REF,
    W_NAME,
    W_PARTY,
    W_DUE,
    W_LEVEL,
    W_RESPONSE_DUE,
    W_CADENCE,
    W_NPROGRESS,
    W_EXPLAINED,
    W_REASON,
    W_EXPECTED_BY,
    W_BY /* name, job title, email, phone */
};

static void s_on_due(const cd_tx_result_t *res, void *arg)
{
    rt_app.watching = 0;
    if (res->err)
        return;
    PGresult *r = res->results[0];
    for (int i = 0; i < PQntuples(r); i++) {
        rt_alert_t al;
        snprintf(al.reference, sizeof al.reference, "%s", PQgetvalue(r, i, W_REF));
        snprintf(al.name, sizeof al.name, "%s", PQgetvalue(r, i, W_NAME));
        snprintf(al.party, sizeof al.party, "%s", PQgetvalue(r, i, W_PARTY));
        snprintf(al.due, sizeof al.due, "%s", PQgetvalue(r, i, W_DUE));
        snprintf(al.level, sizeof al.level, "%s", PQgetvalue(r, i, W_LEVEL));
        snprintf(al.response_due, sizeof al.response_due, "%s", PQgetvalue(r, i, W_RESPONSE_DUE));
        al.cadence = atoi(PQgetvalue(r, i, W_CADENCE));
        al.nprogress = atoi(PQgetvalue(r, i, W_NPROGRESS));
        al.explained = PQgetvalue(r, i, W_EXPLAINED)[0] == 't';
        snprintf(al.reason, sizeof al.reason, "%s", PQgetvalue(r, i, W_REASON));
        snprintf(al.expected_by, sizeof al.expected_by, "%s", PQgetvalue(r, i, W_EXPECTED_BY));
        for (int k = 0; k < 4; k++)
            snprintf(al.by[k], sizeof al.by[k], "%s", PQgetvalue(r, i, W_BY + k));
        s_raise(&al);
    }
}

static void s_watch(void)
{
    if (rt_app.watching || cd_service_stopping(rt_app.svc) ||
        !cd_db_ready(cd_service_db(rt_app.svc)))
        return;
    cd_date_t today = cd_date_from_unix_london(cd_clock_now());
    char t[CD_DATE_LEN + 1], soon[CD_DATE_LEN + 1];
    cd_date_format(today, t);
    cd_date_format(cd_workdays_add(rt_app.cal, today, (int)rt_app.due_soon_days), soon);
    /* The complaints whose deadlines are watched: those the lifecycle still
     * raises deadlines for (open ones). */
    char states[CD_LC_NAMES_LEN];
    cd_lc_states_allowing(CD_LC_DEADLINE, states, sizeof states);
    const char *v[3] = {t, soon, states};
    rt_app.watching = 1;
    cd_db_query(cd_service_db(rt_app.svc),
                "SELECT d.reference, d.name, d.party, d.due::text,"
                " CASE WHEN d.due < $1::date THEN 'overdue' ELSE 'due-soon' END,"
                " c.response_due::text, coalesce(p.update_every_days, 0),"
                " (SELECT count(*) FROM routing.progress_update u WHERE u.reference = d.reference),"
                " l.due IS NOT NULL, coalesce(l.reason, ''), coalesce(l.expected_by::text, ''),"
                " coalesce(s.name, ''), coalesce(s.job_title, ''), coalesce(s.email, ''),"
                " coalesce(s.phone, '')"
                " FROM routing.deadline d JOIN routing.complaint c USING (reference)"
                " LEFT JOIN routing.org_policy p ON p.org_id = c.org_id"
                " LEFT JOIN routing.late_response l ON d.name = 'response'"
                "  AND l.reference = d.reference AND l.due = d.due AND l.told_at IS NULL"
                " LEFT JOIN routing.staff s ON s.staff_id = l.explained_by"
                " WHERE d.met_at IS NULL AND d.closed_at IS NULL AND c.state = ANY($3::text[])"
                " AND ((d.due < $1::date AND d.overdue_raised_at IS NULL)"
                "  OR (d.due >= $1::date AND d.due <= $2::date AND d.due_soon_raised_at IS NULL))"
                " ORDER BY d.due LIMIT 200",
                3, v, s_on_due, NULL);
}

void rt_on_watch_timer(uv_timer_t *t)
{
    s_watch();
    rt_ack_due_scan();
    if (cd_db_ready(cd_service_db(rt_app.svc)) && !cd_service_stopping(rt_app.svc))
        cd_db_query(cd_service_db(rt_app.svc),
                    "SELECT reference FROM routing.complaint WHERE merged_at IS NULL AND"
                    " cardinality(partners) > 0 AND EXISTS (SELECT 1 FROM routing.contribution k"
                    " WHERE k.reference = complaint.reference) LIMIT 50",
                    0, NULL, rt_on_pending_merges, NULL);
}

int rt_text_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    return n > 0 && n <= max && cd_text_ok(s, n, 0);
}

static void s_kick(cd_op_t *op, void *arg)
{
    cd_service_kick(rt_app.svc);
}

/* -- extensions (R5: a deadline moves only by recording a new agreed date),
 * a guarded operation (guarded_op.h): read the deadline, judge it, move it
 * only if it is still as read, with its record, its history line and the
 * letter's event. */

/* The columns of the deadline read. */
enum { X_DUE, X_CLOSED, X_ORG, X_RECEIVED };

static int s_extend_valid(const ProtobufCMessage *msg, cd_fail_t *why)
{
    const Candour__V1__ExtendDeadline *x = (const Candour__V1__ExtendDeadline *)msg;
    static const char *const names[] = {"acknowledgement", "response", "update", "contribution"};
    int known = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        known |= strcmp(names[i], x->deadline) == 0;
    if (!x->complaint_ref[0])
        return cd_fail(why, CD_CODE_REQUIRED, "extend_deadline.complaint_ref",
                       "give the complaint's reference");
    if (!known)
        return cd_fail(why, CD_CODE_INVALID_ARGUMENT, "extend_deadline.deadline",
                       "the deadline is acknowledgement, response, update or contribution (the"
                       " six months follow the response: extend that)");
    if (!rt_text_ok(x->reason, 1000))
        return cd_fail(why, CD_CODE_REQUIRED, "extend_deadline.reason",
                       "give the reason for the extension");
    if (strlen(x->party) > 64)
        return cd_fail(why, CD_CODE_TOO_LONG, "extend_deadline.party",
                       "an organisation id is at most 64 bytes");
    return 0;
}

/* R5: a later date, agreed and recorded: who agreed it and when; for the
 * response, beyond six months only if agreed before they ended. */
static int s_extend_check(const PGresult *r, cd_op_t *op, cd_fail_t *why, void *arg)
{
    const Candour__V1__ExtendDeadline *x = (const Candour__V1__ExtendDeadline *)op->msg;
    if (PQgetvalue(r, 0, X_CLOSED)[0] == 't')
        return cd_fail(why, CD_CODE_FAILED_PRECONDITION, "extend_deadline.deadline",
                       "that deadline has been met or no longer applies");
    cd_date_t due, received, today = cd_date_from_unix_london(cd_clock_now());
    if (cd_date_parse(PQgetvalue(r, 0, X_DUE), &due) != 0 ||
        cd_date_parse(PQgetvalue(r, 0, X_RECEIVED), &received) != 0)
        return cd_fail(why, CD_CODE_INTERNAL, NULL, "the deadline could not be read");
    return rt_extension_check(due, x->new_due, x->agreed_by, x->agreed_on, received,
                              strcmp(x->deadline, "response") == 0, today, "extend_deadline", why);
}

static int s_extend_write(cd_tx_t *tx, const PGresult *r, cd_op_t *op, void *arg)
{
    const Candour__V1__ExtendDeadline *x = (const Candour__V1__ExtendDeadline *)op->msg;
    const char *old_due = PQgetvalue(r, 0, X_DUE);
    const char *v[8] = {x->complaint_ref, x->deadline,  x->party,  old_due,
                        x->new_due,       x->agreed_by, x->reason, x->agreed_on};
    cd_tx_add(tx,
              "WITH u AS (UPDATE routing.deadline SET due = $5::date, due_soon_raised_at = NULL,"
              " overdue_raised_at = NULL, acted_at = NULL"
              " WHERE reference = $1 AND name = $2 AND party = $3"
              " AND due = $4::date AND $5::date > due AND met_at IS NULL AND closed_at IS NULL"
              " RETURNING 1)"
              " SELECT routing.expect(count(*) = 1, 'the new date must be later than the current"
              " one, and the deadline still open') FROM u",
              5, v);
    cd_tx_add(tx,
              "INSERT INTO routing.deadline_extension (reference, name, party, old_due, new_due,"
              " agreed_by, reason, agreed_on) VALUES ($1, $2, $3, $4::date, $5::date, $6, $7,"
              " $8::date)",
              8, v);
    if (strcmp(x->deadline, "response") == 0) {
        const char *c[2] = {x->complaint_ref, x->new_due};
        cd_tx_add(tx,
                  "UPDATE routing.complaint SET response_due = $2::date, updated_at = now()"
                  " WHERE reference = $1",
                  2, c);
        /* A longer period agreed before the six months ended takes their
         * place (reg. 14; s_extend_check refused one agreed later). */
        cd_tx_add(tx,
                  "UPDATE routing.deadline SET closed_at = now() WHERE reference = $1"
                  " AND name = 'six-months' AND due < $2::date AND met_at IS NULL"
                  " AND closed_at IS NULL",
                  2, c);
    }
    char detail[240];
    snprintf(detail, sizeof detail,
             "%s deadline extended from %s to %s, agreed on %s by the complainant or their"
             " representative",
             x->deadline, old_due, x->new_due, x->agreed_on);
    const char *h[4] = {x->complaint_ref, "deadline.extended", "routing", detail};
    cd_tx_add(tx,
              "INSERT INTO routing.history (reference, event, producer, detail)"
              " VALUES ($1, $2, $3, $4)",
              4, h);
    Candour__V1__DeadlineExtended de = CANDOUR__V1__DEADLINE_EXTENDED__INIT;
    de.deadline = x->deadline;
    de.old_due = (char *)old_due;
    de.new_due = x->new_due;
    de.reason = x->reason;
    de.agreed_on = x->agreed_on;
    cd_event_out_t out = {
        .type = "deadline.extended", .complaint_ref = x->complaint_ref, .payload = &de.base};
    return cd_outbox_put(cd_service_outbox(rt_app.svc), tx, &out, NULL, NULL);
}

static const cd_guarded_spec_t s_extend = {
    .validate = s_extend_valid,
    .read_sql = "SELECT d.due::text, d.met_at IS NOT NULL OR d.closed_at IS NOT NULL,"
                " coalesce(c.lead_org, c.org_id),"
                " (c.received_at AT TIME ZONE 'Europe/London')::date::text"
                " FROM routing.deadline d"
                " JOIN routing.complaint c USING (reference)"
                " WHERE d.reference = $1 AND d.name = $2 AND d.party = $3",
    .nparams = 3,
    .missing_field = "extend_deadline.deadline",
    .missing_message = "that complaint has no such deadline",
    .check = s_extend_check,
    .write = s_extend_write,
    .committed = s_kick,
    .lost_field = "extend_deadline.new_due",
    .lost_message = "the new date must be later than the current one, and the deadline still"
                    " open",
    .roles = CD_ROLE_COMPLAINTS_MANAGER,
    .schema = "routing",
    .org_col = X_ORG, /* the body handling the complaint */
};

void rt_extend(cd_request_t *req, const Candour__V1__ExtendDeadline *x)
{
    const char *v[3] = {x->complaint_ref, x->deadline, x->party};
    cd_guarded_run(&s_extend, cd_service_db(rt_app.svc), req, &x->base, v, NULL);
}

/* -- the decision on a complaint made after the 12-month limit (I3), a
 * guarded operation too. The decision is an event to routing itself, so it
 * takes effect through the inbox and the state machine, once, like any
 * other: nothing is updated here. */

static int s_decide_valid(const ProtobufCMessage *msg, cd_fail_t *why)
{
    const Candour__V1__DecideOutOfTime *d = (const Candour__V1__DecideOutOfTime *)msg;
    const char *field = !d->complaint_ref[0]           ? "decide_out_of_time.complaint_ref"
                        : !rt_text_ok(d->reason, 1000) ? "decide_out_of_time.reason"
                                                       : NULL;
    if (field)
        return cd_fail(why, CD_CODE_REQUIRED, field,
                       "give the complaint's reference and the reasons for the decision (I3)");
    return 0;
}

static int s_decide_check(const PGresult *r, cd_op_t *op, cd_fail_t *why, void *arg)
{
    if (PQgetvalue(r, 0, 0 /* waits for this decision */)[0] != 't')
        return cd_fail(why, CD_CODE_FAILED_PRECONDITION, "decide_out_of_time.complaint_ref",
                       "that complaint is not waiting for an out-of-time decision");
    return 0;
}

static int s_decide_write(cd_tx_t *tx, const PGresult *r, cd_op_t *op, void *arg)
{
    const Candour__V1__DecideOutOfTime *d = (const Candour__V1__DecideOutOfTime *)op->msg;
    Candour__V1__OutOfTimeDecided ev = CANDOUR__V1__OUT_OF_TIME_DECIDED__INIT;
    ev.accept = d->accept;
    ev.reason = d->reason;
    ev.decided_by = op->actor; /* the complaints manager acting, from the directory */
    cd_event_out_t out = {
        .type = "out_of_time.decided", .complaint_ref = d->complaint_ref, .payload = &ev.base};
    return cd_outbox_put(cd_service_outbox(rt_app.svc), tx, &out, NULL, NULL);
}

static const cd_guarded_spec_t s_decide = {
    .validate = s_decide_valid,
    .read_sql = "SELECT 'out-of-time' = ANY(holds) AND state = ANY($2::text[]),"
                " coalesce(lead_org, org_id) FROM routing.complaint WHERE reference = $1",
    .nparams = 2,
    .missing_field = "decide_out_of_time.complaint_ref",
    .missing_message = "no complaint has that reference",
    .check = s_decide_check,
    .write = s_decide_write,
    .committed = s_kick,
    .lost_field = "decide_out_of_time.complaint_ref",
    .lost_message = "the complaint changed meanwhile: look at its status and try again",
    .roles = CD_ROLE_COMPLAINTS_MANAGER,
    .schema = "routing",
    .org_col = 1,
};

void rt_decide_out_of_time(cd_request_t *req, const Candour__V1__DecideOutOfTime *d)
{
    char states[CD_LC_NAMES_LEN];
    cd_lc_states_allowing(CD_LC_OUT_OF_TIME_DECLINED, states, sizeof states);
    const char *v[2] = {d->complaint_ref, states};
    cd_guarded_run(&s_decide, cd_service_db(rt_app.svc), req, &d->base, v, NULL);
}
