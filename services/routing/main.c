/* candour-routing - triage and coordination: decides who handles each
 * complaint and by when, asks for the acknowledgement, hands the complaint to
 * investigation, and keeps the one view of where every complaint is.
 *
 * In this foundation every complaint is handled here; triage outcomes,
 * partner coordination and deadline alerts build on this table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "candour/error.h"
#include "candour/calendar.h"
#include "candour/log.h"
#include "candour/service.h"
#include "candour/v1/events.pb-c.h"
#include "lifecycle.h"

static const char *const s_subscribers[] = {"investigation", "notify", NULL};
static const char *const s_to_investigation[] = {"investigation", NULL};
static const char *const s_to_notify[] = {"notify", NULL};

typedef struct {
    cd_service_t *svc;
    cd_calendar_t *cal;
    long response_days;
    const char *holidays_path;
} routing_t;

static routing_t s_app;

/* "2026-11-25T21:30:00.123Z" -> unix seconds; -1 if malformed. */
static int64_t s_parse_time(const char *s)
{
    struct tm tm = {0};
    int n = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &n) != 6)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm);
}

/* ---------------------------------------------------------------- events */

static void s_on_received(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env)
{
    Candour__V1__ComplaintReceived *cr =
        candour__v1__complaint_received__unpack(NULL, env->payload.len, env->payload.data);
    int64_t received = cr && cr->complaint ? s_parse_time(cr->complaint->received_at) : -1;
    if (received < 0) {
        candour__v1__complaint_received__free_unpacked(cr, NULL);
        cd_inbox_nak(in, ev, "MALFORMED_EVENT", "complaint.received without a received_at time");
        return;
    }
    cd_date_t ack, resp;
    rt_deadlines(s_app.cal, received, (int)s_app.response_days, &ack, &resp);
    char ack_s[CD_DATE_LEN + 1], resp_s[CD_DATE_LEN + 1];
    cd_date_format(ack, ack_s);
    cd_date_format(resp, resp_s);

    cd_tx_t *tx = cd_inbox_tx(in, ev);
    const char *v1[5] = {env->complaint_ref, cr->org_id, cr->complaint->received_at, ack_s, resp_s};
    cd_tx_add(tx,
              "INSERT INTO routing.complaint (reference, org_id, received_at, state, stage,"
              " ack_due, response_due) VALUES ($1, $2, $3::timestamptz, 'received', 1,"
              " $4::date, $5::date)",
              5, v1);
    char detail[128];
    snprintf(detail, sizeof detail, "acknowledgement due %s; response due %s", ack_s, resp_s);
    const char *v2[4] = {env->complaint_ref, env->type, env->producer, detail};
    cd_tx_add(tx, "INSERT INTO routing.history (reference, event, producer, detail)"
                  " VALUES ($1, $2, $3, $4)", 4, v2);

    Candour__V1__ComplaintRouted routed = CANDOUR__V1__COMPLAINT_ROUTED__INIT;
    routed.org_id = cr->org_id;
    routed.handling_org = cr->org_id;
    routed.ack_due = ack_s;
    routed.response_due = resp_s;
    routed.description = cr->complaint->description;
    routed.desired_outcome = cr->complaint->desired_outcome;
    routed.n_services = cr->complaint->n_services;
    routed.services = cr->complaint->services;
    cd_event_out_t o1 = {.type = "complaint.routed", .complaint_ref = env->complaint_ref,
                         .correlation_id = env->correlation_id, .causation_id = env->event_id,
                         .payload = &routed.base, .subscribers = s_to_investigation};
    Candour__V1__LetterRequested letter = CANDOUR__V1__LETTER_REQUESTED__INIT;
    letter.kind = "acknowledgement";
    letter.response_due = resp_s;
    letter.handler = "the complaints team";
    cd_event_out_t o2 = {.type = "letter.requested", .complaint_ref = env->complaint_ref,
                         .correlation_id = env->correlation_id, .causation_id = env->event_id,
                         .payload = &letter.base, .subscribers = s_to_notify};
    cd_outbox_put(cd_service_outbox(s_app.svc), tx, &o1, NULL, NULL);
    cd_outbox_put(cd_service_outbox(s_app.svc), tx, &o2, NULL, NULL);
    candour__v1__complaint_received__free_unpacked(cr, NULL);
    cd_inbox_commit(in, ev, tx, cd_service_kick, s_app.svc);
}

/* The history line for an event, from its payload (references, not names). */
static void s_detail(const Candour__V1__Envelope *env, char *out, size_t len, char *kind,
                     size_t kindlen)
{
    out[0] = kind[0] = 0;
    if (strcmp(env->type, "letter.sent") == 0) {
        Candour__V1__LetterSent *ls =
            candour__v1__letter_sent__unpack(NULL, env->payload.len, env->payload.data);
        if (ls) {
            snprintf(kind, kindlen, "%s", ls->kind);
            snprintf(out, len, "%s letter sent by %s (letter %s)", ls->kind, ls->channel,
                     ls->letter_id);
            candour__v1__letter_sent__free_unpacked(ls, NULL);
        }
    } else if (strcmp(env->type, "investigation.completed") == 0) {
        Candour__V1__InvestigationCompleted *ic =
            candour__v1__investigation_completed__unpack(NULL, env->payload.len, env->payload.data);
        if (ic) {
            const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(
                &candour__v1__outcome__descriptor, ic->outcome);
            snprintf(out, len, "outcome %s", v ? v->name : "?");
            candour__v1__investigation_completed__free_unpacked(ic, NULL);
        }
    } else if (strcmp(env->type, "response.approved") == 0) {
        Candour__V1__ResponseApproved *ra =
            candour__v1__response_approved__unpack(NULL, env->payload.len, env->payload.data);
        if (ra) {
            snprintf(out, len, "signed by the %s", ra->signatory_role);
            candour__v1__response_approved__free_unpacked(ra, NULL);
        }
    } else if (strcmp(env->type, "case.opened") == 0) {
        snprintf(out, len, "investigation case opened");
    }
}

static void s_on_progress(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env)
{
    char detail[256], kind[64];
    s_detail(env, detail, sizeof detail, kind, sizeof kind);
    const rt_transition_t *t = rt_transition(env->type, kind);
    cd_tx_t *tx = cd_inbox_tx(in, ev);
    if (t) {
        char stage[8];
        snprintf(stage, sizeof stage, "%d", t->stage);
        const char *v[4] = {env->complaint_ref, t->state ? t->state : "", stage,
                            t->deadline ? t->deadline : ""};
        /* Forward only; deadlines met once. The expect() fails the whole
         * transaction if the complaint is not known here yet. */
        cd_tx_add(tx,
                  "WITH u AS (UPDATE routing.complaint SET"
                  " state = CASE WHEN $3::int > stage THEN $2 ELSE state END,"
                  " stage = greatest(stage, $3::int),"
                  " acknowledged_at = CASE WHEN $4 = 'acknowledgement'"
                  "  THEN coalesce(acknowledged_at, now()) ELSE acknowledged_at END,"
                  " response_sent_at = CASE WHEN $4 = 'response'"
                  "  THEN coalesce(response_sent_at, now()) ELSE response_sent_at END,"
                  " updated_at = now() WHERE reference = $1 RETURNING 1)"
                  " SELECT routing.expect(count(*) = 1, 'complaint not known to routing yet')"
                  " FROM u",
                  4, v);
    }
    const char *h[5] = {env->complaint_ref, env->type, env->producer, detail, env->event_id};
    cd_tx_add(tx, "INSERT INTO routing.history (reference, event, producer, detail, event_id)"
                  " VALUES ($1, $2, $3, $4, $5::uuid)", 5, h);
    cd_inbox_commit(in, ev, tx, NULL, NULL);
}

static void s_on_event(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                       void *arg)
{
    cd_log_debug("event.received", "{s:s, s:s, s:s}", "type", env->type, "reference",
                 env->complaint_ref, "event_id", env->event_id);
    if (strcmp(env->type, "complaint.received") == 0)
        s_on_received(in, ev, env);
    else
        s_on_progress(in, ev, env);
}

/* ---------------------------------------------------------------- status */

typedef struct {
    cd_inbox_t *in;
    cd_request_t *req;
} rt_status_call_t;

static void s_on_status(const cd_tx_result_t *res, void *arg)
{
    rt_status_call_t *call = arg;
    if (res->err) {
        cd_request_fail(call->in, call->req, "UNAVAILABLE", "",
                        "the status could not be read just now; try again");
        free(call);
        return;
    }
    PGresult *c = res->results[0], *h = res->results[1];
    if (PQntuples(c) != 1) {
        cd_request_fail(call->in, call->req, "NOT_FOUND", "complaint_ref",
                        "no complaint has that reference");
        free(call);
        return;
    }
    Candour__V1__ComplaintStatus st = CANDOUR__V1__COMPLAINT_STATUS__INIT;
    st.complaint_ref = PQgetvalue(c, 0, 0);
    st.state = PQgetvalue(c, 0, 1);
    st.org_id = PQgetvalue(c, 0, 2);
    st.received_at = PQgetvalue(c, 0, 3);
    Candour__V1__Deadline d[2] = {CANDOUR__V1__DEADLINE__INIT, CANDOUR__V1__DEADLINE__INIT};
    Candour__V1__Deadline *dp[2] = {&d[0], &d[1]};
    d[0].name = "acknowledgement";
    d[0].due = PQgetvalue(c, 0, 4);
    d[0].met_at = PQgetvalue(c, 0, 6);
    d[1].name = "response";
    d[1].due = PQgetvalue(c, 0, 5);
    d[1].met_at = PQgetvalue(c, 0, 7);
    st.n_deadlines = 2;
    st.deadlines = dp;
    int n = PQntuples(h);
    Candour__V1__HistoryEntry *entries = calloc((size_t)(n ? n : 1), sizeof *entries);
    Candour__V1__HistoryEntry **ep = calloc((size_t)(n ? n : 1), sizeof *ep);
    if (!entries || !ep)
        n = 0;
    for (int i = 0; i < n; i++) {
        candour__v1__history_entry__init(&entries[i]);
        entries[i].at = PQgetvalue(h, i, 0);
        entries[i].event = PQgetvalue(h, i, 1);
        entries[i].producer = PQgetvalue(h, i, 2);
        entries[i].detail = PQgetvalue(h, i, 3);
        ep[i] = &entries[i];
    }
    st.n_history = (size_t)n;
    st.history = ep;
    Candour__V1__Reply reply = CANDOUR__V1__REPLY__INIT;
    reply.result_case = CANDOUR__V1__REPLY__RESULT_STATUS;
    reply.status = &st;
    cd_request_reply(call->in, call->req, &reply);
    free(entries);
    free(ep);
    free(call);
}

#define S_TS(col) "coalesce(to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), '')"

static void s_get_status(cd_inbox_t *in, cd_request_t *req, const Candour__V1__GetStatus *g)
{
    if (!g->complaint_ref[0] || strlen(g->complaint_ref) > 64) {
        cd_request_fail(in, req, "INVALID_ARGUMENT", "get_status.complaint_ref",
                        "give the complaint's reference, e.g. CDR-7K4M-9QXT");
        return;
    }
    rt_status_call_t *call = malloc(sizeof *call);
    cd_tx_t *tx = cd_tx_new();
    if (!call || !tx) {
        free(call);
        cd_tx_destroy(&tx);
        cd_request_fail(in, req, "INTERNAL", "", "out of memory");
        return;
    }
    *call = (rt_status_call_t){in, req};
    const char *v[1] = {g->complaint_ref};
    cd_tx_add(tx,
              "SELECT reference, state, org_id, " S_TS("received_at") ", ack_due::text,"
              " response_due::text, " S_TS("acknowledged_at") ", " S_TS("response_sent_at")
              " FROM routing.complaint WHERE reference = $1",
              1, v);
    cd_tx_add(tx,
              "SELECT " S_TS("at") ", event, producer, detail FROM routing.history"
              " WHERE reference = $1 ORDER BY id",
              1, v);
    cd_db_submit(cd_service_db(s_app.svc), tx, s_on_status, call);
}

static void s_on_request(cd_inbox_t *in, cd_request_t *req, const Candour__V1__Request *r,
                         void *arg)
{
    if (r->op_case == CANDOUR__V1__REQUEST__OP_GET_STATUS)
        s_get_status(in, req, r->get_status);
    else
        cd_request_fail(in, req, "UNSUPPORTED", "op", "routing answers GetStatus only");
}

/* ---------------------------------------------------------------- main */

int main(int argc, char **argv)
{
    static cd_config_item_t items[] = {
        {"CANDOUR_RESPONSE_DAYS", CD_CONFIG_INT, "25", 1, 130,
         "default response period in working days (R5)", &s_app.response_days},
        {"CANDOUR_BANK_HOLIDAYS", CD_CONFIG_STRING, "", 0, 0,
         "gov.uk bank-holidays.json to extend the built-in calendar (empty: rules only)",
         &s_app.holidays_path},
    };
    cd_service_spec_t spec = {
        .name = "routing",
        .summary = "triages complaints, sets their deadlines, keeps their status",
        .bind_port = 7101,
        .admin_port = 9101,
        .subscribers = s_subscribers,
        .config = items,
        .nconfig = 2,
        .on_event = s_on_event,
        .on_request = s_on_request,
        .arg = &s_app,
    };
    int code = 0;
    s_app.svc = cd_service_new(&spec, argc, argv, &code);
    if (!s_app.svc)
        return code;
    s_app.cal = cd_calendar_new();
    char err[512];
    if (*s_app.holidays_path &&
        cd_calendar_load_json(s_app.cal, s_app.holidays_path, err, sizeof err) != 0) {
        cd_log_error("calendar.load_failed", "{s:s}", "error", err);
        code = 2;
    } else {
        code = cd_service_run(s_app.svc);
    }
    cd_service_destroy(&s_app.svc);
    cd_calendar_destroy(&s_app.cal);
    cd_zmq_ctx_term();
    return code;
}
