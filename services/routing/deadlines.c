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
#include "decide.h"
#include "routing.h"

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
    cd_log_info(overdue ? "deadline.overdue" : "deadline.due_soon", "{s:s, s:s, s:s}", "reference",
                al->reference, "deadline", al->name, "due", al->due);
    cd_db_submit(cd_service_db(rt_app.svc), tx, s_on_alert_written, NULL);
}

/* The columns of the watcher's query (s_watch). */
enum { W_REF, W_NAME, W_PARTY, W_DUE, W_LEVEL };

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
                " CASE WHEN d.due < $1::date THEN 'overdue' ELSE 'due-soon' END"
                " FROM routing.deadline d JOIN routing.complaint c USING (reference)"
                " WHERE d.met_at IS NULL AND d.closed_at IS NULL AND c.state = ANY($3::text[])"
                " AND ((d.due < $1::date AND d.overdue_raised_at IS NULL)"
                "  OR (d.due >= $1::date AND d.due <= $2::date AND d.due_soon_raised_at IS NULL))"
                " ORDER BY d.due LIMIT 200",
                3, v, s_on_due, NULL);
}

void rt_on_watch_timer(uv_timer_t *t)
{
    s_watch();
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
enum { X_DUE, X_CLOSED };

static int s_extend_valid(const ProtobufCMessage *msg, cd_fail_t *why)
{
    const Candour__V1__ExtendDeadline *x = (const Candour__V1__ExtendDeadline *)msg;
    static const char *const names[] = {"acknowledgement", "response", "update", "contribution"};
    int known = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        known |= strcmp(names[i], x->deadline) == 0;
    cd_date_t d;
    if (!x->complaint_ref[0])
        return cd_fail(why, CD_CODE_REQUIRED, "extend_deadline.complaint_ref",
                       "give the complaint's reference");
    if (!known)
        return cd_fail(why, CD_CODE_INVALID_ARGUMENT, "extend_deadline.deadline",
                       "the deadline is acknowledgement, response, update or contribution");
    if (cd_date_parse(x->new_due, &d) != 0)
        return cd_fail(why, CD_CODE_INVALID_DATE, "extend_deadline.new_due",
                       "new_due is a date written YYYY-MM-DD");
    if (!rt_text_ok(x->agreed_by, 200))
        return cd_fail(why, CD_CODE_REQUIRED, "extend_deadline.agreed_by",
                       "say who agreed the new date (R5: a deadline moves only by a recorded"
                       " agreement)");
    if (!rt_text_ok(x->reason, 1000))
        return cd_fail(why, CD_CODE_REQUIRED, "extend_deadline.reason",
                       "give the reason for the extension");
    if (strlen(x->party) > 64)
        return cd_fail(why, CD_CODE_TOO_LONG, "extend_deadline.party",
                       "an organisation id is at most 64 bytes");
    return 0;
}

static int s_extend_check(const PGresult *r, cd_op_t *op, cd_fail_t *why, void *arg)
{
    if (PQgetvalue(r, 0, X_CLOSED)[0] == 't')
        return cd_fail(why, CD_CODE_FAILED_PRECONDITION, "extend_deadline.deadline",
                       "that deadline has been met or no longer applies");
    return 0;
}

static int s_extend_write(cd_tx_t *tx, const PGresult *r, cd_op_t *op, void *arg)
{
    const Candour__V1__ExtendDeadline *x = (const Candour__V1__ExtendDeadline *)op->msg;
    const char *old_due = PQgetvalue(r, 0, X_DUE);
    const char *v[7] = {x->complaint_ref, x->deadline,  x->party, old_due,
                        x->new_due,       x->agreed_by, x->reason};
    cd_tx_add(tx,
              "WITH u AS (UPDATE routing.deadline SET due = $5::date, due_soon_raised_at = NULL,"
              " overdue_raised_at = NULL WHERE reference = $1 AND name = $2 AND party = $3"
              " AND due = $4::date AND $5::date > due AND met_at IS NULL AND closed_at IS NULL"
              " RETURNING 1)"
              " SELECT routing.expect(count(*) = 1, 'the new date must be later than the current"
              " one, and the deadline still open') FROM u",
              5, v);
    cd_tx_add(tx,
              "INSERT INTO routing.deadline_extension (reference, name, party, old_due, new_due,"
              " agreed_by, reason) VALUES ($1, $2, $3, $4::date, $5::date, $6, $7)",
              7, v);
    if (strcmp(x->deadline, "response") == 0) {
        const char *c[2] = {x->complaint_ref, x->new_due};
        cd_tx_add(tx,
                  "UPDATE routing.complaint SET response_due = $2::date, updated_at = now()"
                  " WHERE reference = $1",
                  2, c);
    }
    char detail[240];
    snprintf(detail, sizeof detail, "%s deadline extended from %s to %s, agreed by the %s",
             x->deadline, old_due, x->new_due, "complainant or their representative");
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
    cd_event_out_t out = {
        .type = "deadline.extended", .complaint_ref = x->complaint_ref, .payload = &de.base};
    return cd_outbox_put(cd_service_outbox(rt_app.svc), tx, &out, NULL, NULL);
}

static const cd_guarded_spec_t s_extend = {
    .validate = s_extend_valid,
    .read_sql = "SELECT d.due::text, d.met_at IS NOT NULL OR d.closed_at IS NOT NULL,"
                " coalesce(c.lead_org, c.org_id) FROM routing.deadline d"
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
    .org_col = 2, /* the body handling the complaint */
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
